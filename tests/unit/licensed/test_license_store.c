/* <state>/license: atomic replacement, reading back, removal. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "license_store.h"
#include "license_token.h"
#include "tmpdir.h"

static char *dir;

static void setup(void) { dir = tmpdir_new("lic-store"); }
static void teardown(void) { tmpdir_remove(dir); }

TestSuite(license_store, .init = setup, .fini = teardown);

static void put_file(const char *name, const char *content, size_t n) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(content, 1, n, f), n);
  fclose(f);
}

static bool exists(const char *name) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return access(path, F_OK) == 0;
}

Test(license_store, missing_file_is_no_licence) {
  char buf[LIC_TOKEN_MAX + 8], err[256];
  size_t len = 99;
  cr_assert_eq(lic_store_read(dir, buf, sizeof buf, &len, err, sizeof err), 0);
}

Test(license_store, write_then_read_back_one_line) {
  char buf[LIC_TOKEN_MAX + 8], err[256];
  size_t len;
  cr_assert_eq(lic_store_write(dir, "ERXL1.first", err, sizeof err), 0, "%s", err);
  cr_assert_eq(lic_store_write(dir, "ERXL1.second", err, sizeof err), 0, "%s", err);
  cr_assert_eq(lic_store_read(dir, buf, sizeof buf, &len, err, sizeof err), 1, "%s", err);
  cr_assert_str_eq(buf, "ERXL1.second");
  cr_assert_eq(len, 12);
  cr_assert(!exists(LIC_STORE_FILE ".tmp"), "no temporary file is left behind");

  char path[256], raw[64] = "";
  snprintf(path, sizeof path, "%s/%s", dir, LIC_STORE_FILE);
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f);
  size_t n = fread(raw, 1, sizeof raw - 1, f);
  fclose(f);
  raw[n] = '\0';
  cr_assert_str_eq(raw, "ERXL1.second\n", "the key on one line");
}

Test(license_store, leftover_temporary_file_does_not_matter) {
  char buf[LIC_TOKEN_MAX + 8], err[256];
  size_t len;
  put_file(LIC_STORE_FILE ".tmp", "half-written garbage", 20); /* a crash mid-write */
  cr_assert_eq(lic_store_read(dir, buf, sizeof buf, &len, err, sizeof err), 0, "the temporary is never read");
  cr_assert_eq(lic_store_write(dir, "ERXL1.x", err, sizeof err), 0, "%s", err);
  cr_assert_eq(lic_store_read(dir, buf, sizeof buf, &len, err, sizeof err), 1);
  cr_assert_str_eq(buf, "ERXL1.x");
}

Test(license_store, line_ends_are_tolerated_and_content_kept_as_is) {
  char buf[LIC_TOKEN_MAX + 8], err[256];
  size_t len;
  put_file(LIC_STORE_FILE, "ERXL1.edited\r\n", 14);
  cr_assert_eq(lic_store_read(dir, buf, sizeof buf, &len, err, sizeof err), 1);
  cr_assert_str_eq(buf, "ERXL1.edited");
  put_file(LIC_STORE_FILE, "two\nlines\n", 10);
  cr_assert_eq(lic_store_read(dir, buf, sizeof buf, &len, err, sizeof err), 1);
  cr_assert_eq(len, 9, "judging the content is the codec's job");
  put_file(LIC_STORE_FILE, "", 0);
  cr_assert_eq(lic_store_read(dir, buf, sizeof buf, &len, err, sizeof err), 1);
  cr_assert_eq(len, 0);
}

Test(license_store, oversized_file_is_refused_not_truncated) {
  char buf[LIC_TOKEN_MAX + 8], err[256], big[4096];
  size_t len;
  memset(big, 'A', sizeof big);
  put_file(LIC_STORE_FILE, big, sizeof big);
  cr_assert_eq(lic_store_read(dir, buf, sizeof buf, &len, err, sizeof err), -1);
  cr_assert(strstr(err, "is larger than any licence key"), "%s", err);
  /* exactly filling the buffer is still fine */
  put_file(LIC_STORE_FILE, big, sizeof buf - 1);
  cr_assert_eq(lic_store_read(dir, buf, sizeof buf, &len, err, sizeof err), 1);
  cr_assert_eq(len, sizeof buf - 1);
}

Test(license_store, remove_is_idempotent) {
  char err[256];
  cr_assert_eq(lic_store_write(dir, "ERXL1.x", err, sizeof err), 0);
  cr_assert_eq(lic_store_remove(dir, err, sizeof err), 0, "%s", err);
  cr_assert(!exists(LIC_STORE_FILE));
  cr_assert_eq(lic_store_remove(dir, err, sizeof err), 0, "nothing to remove is fine");
}

Test(license_store, unwritable_directory_keeps_the_old_key) {
  char buf[LIC_TOKEN_MAX + 8], err[256];
  size_t len;
  if (geteuid() == 0)
    cr_skip_test("root ignores directory permissions");
  cr_assert_eq(lic_store_write(dir, "ERXL1.old", err, sizeof err), 0);
  chmod(dir, 0500);
  cr_assert_eq(lic_store_write(dir, "ERXL1.new", err, sizeof err), -1);
  chmod(dir, 0700);
  cr_assert_eq(lic_store_read(dir, buf, sizeof buf, &len, err, sizeof err), 1);
  cr_assert_str_eq(buf, "ERXL1.old");
}

Test(license_store, a_directory_in_place_of_the_file_is_an_error) {
  char buf[LIC_TOKEN_MAX + 8], err[256], path[256];
  size_t len;
  snprintf(path, sizeof path, "%s/%s", dir, LIC_STORE_FILE);
  cr_assert_eq(mkdir(path, 0700), 0);
  cr_assert_eq(lic_store_read(dir, buf, sizeof buf, &len, err, sizeof err), -1);
  cr_assert(strstr(err, "is not a regular file"), "%s", err);
  rmdir(path);
}
