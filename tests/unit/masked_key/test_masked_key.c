/* Masked keys: what an operator sees when pasting a masked key back in. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "../tmpdir.h"
#include "masked_key.h"

static const char SEED_SAMPLE[] = "AAAAGAAAAAcAAAACfd+SAsaVQ6Qeopt2rJOP6LDg+0hX5cMO";

static char *new_state_dir(void) { return tmpdir_new("erx-mk"); }

static void remove_dir(char *d) { tmpdir_remove(d); }

static erx_masker_t *open_ok(const char *dir) {
  char err[256] = "";
  erx_masker_t *m = erx_masker_open(dir, err, sizeof err);
  cr_assert_not_null(m, "erx_masker_open: %s", err);
  return m;
}

static void read_master(const char *dir, uint8_t key[32]) {
  char path[256];
  snprintf(path, sizeof path, "%s/master.key", dir);
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f);
  cr_assert_eq(fread(key, 1, 32, f), 32);
  fclose(f);
}

/* Expects a refusal whose message contains want. */
static void refused(const erx_masker_t *m, const char *masked, const char *want) {
  char err[256] = "";
  size_t len = 99;
  uint8_t *p = erx_unmask(m, masked, &len, err, sizeof err);
  cr_assert_null(p, "accepted \"%s\"", masked);
  cr_assert_eq(len, 0);
  cr_assert_not_null(strstr(err, want), "\"%s\": got \"%s\", want \"%s\"", masked, err, want);
}

static void unmasks_to(const erx_masker_t *m, const char *masked, const void *want, size_t wantlen) {
  char err[256] = "";
  size_t len = 0;
  uint8_t *p = erx_unmask(m, masked, &len, err, sizeof err);
  cr_assert_not_null(p, "refused \"%s\": %s", masked, err);
  cr_assert_eq(len, wantlen);
  cr_assert_eq(memcmp(p, want, len), 0);
  OPENSSL_cleanse(p, len);
  free(p);
}

Test(masked_key, round_trip_plain_and_quoted) {
  char *dir = new_state_dir();
  erx_masker_t *m = open_ok(dir);
  const char secret[] = "mysecretkey";
  char *masked = erx_mask(m, (const uint8_t *)secret, strlen(secret));
  cr_assert_not_null(masked);
  cr_assert_eq(strspn(masked, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="), strlen(masked));
  cr_assert_null(strstr(masked, secret));
  unmasks_to(m, masked, secret, strlen(secret));
  char quoted[512];
  snprintf(quoted, sizeof quoted, "\"%s\"", masked);
  unmasks_to(m, quoted, secret, strlen(secret));
  /* Fresh nonce each time: masking twice does not reveal equal keys. */
  char *again = erx_mask(m, (const uint8_t *)secret, strlen(secret));
  cr_assert_str_neq(masked, again);
  unmasks_to(m, again, secret, strlen(secret));
  free(again);
  free(masked);
  erx_masker_destroy(&m);
  cr_assert_null(m);
  remove_dir(dir);
}

Test(masked_key, master_key_created_0600_once_and_reused) {
  char *dir = new_state_dir();
  char path[256];
  snprintf(path, sizeof path, "%s/master.key", dir);
  erx_masker_t *m1 = open_ok(dir);
  struct stat st;
  cr_assert_eq(stat(path, &st), 0);
  cr_assert_eq(st.st_mode & 07777, 0600);
  cr_assert_eq(st.st_size, 32);
  uint8_t k1[32], k2[32];
  read_master(dir, k1);
  char *masked = erx_mask(m1, (const uint8_t *)"abc", 3);
  erx_masker_destroy(&m1);

  erx_masker_t *m2 = open_ok(dir);
  read_master(dir, k2);
  cr_assert_eq(memcmp(k1, k2, 32), 0, "master key rewritten on second open");
  unmasks_to(m2, masked, "abc", 3);
  erx_masker_destroy(&m2);
  free(masked);

  /* Only master.key is left behind (no temporary files). */
  char cmd[512];
  snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s')\" = master.key", dir);
  cr_assert_eq(system(cmd), 0);
  remove_dir(dir);
}

Test(masked_key, another_installation_refused) {
  char *a = new_state_dir(), *b = new_state_dir();
  erx_masker_t *ma = open_ok(a), *mb = open_ok(b);
  char *masked = erx_mask(ma, (const uint8_t *)"peerkey", 7);
  refused(mb, masked, "masked by another installation");
  free(masked);
  erx_masker_destroy(&ma);
  erx_masker_destroy(&mb);
  remove_dir(a);
  remove_dir(b);
}

Test(masked_key, every_bit_flip_refused) {
  char *dir = new_state_dir();
  erx_masker_t *m = open_ok(dir);
  char *masked = erx_mask(m, (const uint8_t *)"0123456789abcdef", 16);
  size_t n = strlen(masked);
  uint8_t blob[512];
  int dlen = EVP_DecodeBlock(blob, (const unsigned char *)masked, (int)n);
  dlen -= (masked[n - 1] == '=') + (masked[n - 2] == '=');
  cr_assert_eq(dlen, 16 + 12 + 16 + 16);
  char enc[1024];
  for (int i = 0; i < dlen * 8; i++) {
    blob[i / 8] ^= (uint8_t)(1u << (i % 8));
    EVP_EncodeBlock((unsigned char *)enc, blob, dlen);
    char err[256] = "";
    size_t len = 0;
    uint8_t *p = erx_unmask(m, enc, &len, err, sizeof err);
    cr_assert_null(p, "bit %d flipped was accepted", i);
    int byte = i / 8;
    const char *want = byte >= 4 && byte < 8     ? "unknown masked-key format version"
                       : byte >= 8 && byte < 12  ? "unknown masked-key algorithm"
                       : byte >= 12 && byte < 16 ? "masked by another installation"
                                                 : "masked key is damaged or was altered";
    cr_assert_not_null(strstr(err, want), "bit %d: got \"%s\", want \"%s\"", i, err, want);
    blob[i / 8] ^= (uint8_t)(1u << (i % 8));
  }
  EVP_EncodeBlock((unsigned char *)enc, blob, dlen);
  unmasks_to(m, enc, "0123456789abcdef", 16);
  free(masked);
  erx_masker_destroy(&m);
  remove_dir(dir);
}

Test(masked_key, bad_base64_refused) {
  char *dir = new_state_dir();
  erx_masker_t *m = open_ok(dir);
  char *masked = erx_mask(m, (const uint8_t *)"abcdefghijk", 11); /* 55-byte blob: ends in "==" */
  size_t n = strlen(masked);
  cr_assert_eq(masked[n - 1], '=');
  cr_assert_eq(masked[n - 2], '=');
  char s[1024];

  snprintf(s, sizeof s, "%.*s", (int)n - 1, masked); /* one char short */
  refused(m, s, "not base64");
  snprintf(s, sizeof s, "%.*s", (int)n - 4, masked); /* one quantum short: decodes, wrong length */
  refused(m, s, "damaged");
  snprintf(s, sizeof s, "%s=", masked); /* extra padding */
  refused(m, s, "not base64");
  snprintf(s, sizeof s, "%sAAAA", masked); /* trailing garbage after the padding */
  refused(m, s, "not base64");
  snprintf(s, sizeof s, "%.*sAAAA", (int)n - 4, masked); /* padding replaced by data */
  refused(m, s, "damaged");
  snprintf(s, sizeof s, "%.*s %s", 8, masked, masked + 8); /* whitespace inside */
  refused(m, s, "not base64");
  snprintf(s, sizeof s, "%s\n", masked);
  refused(m, s, "not base64");
  snprintf(s, sizeof s, "%s", masked);
  s[5] = '!';
  refused(m, s, "not base64");
  snprintf(s, sizeof s, "%s", masked);
  s[n - 3] = (char)(s[n - 3] == 'B' ? 'C' : 'B'); /* non-zero bits under the padding: non-canonical */
  refused(m, s, "not base64");
  snprintf(s, sizeof s, "\"%s", masked); /* unbalanced quote */
  refused(m, s, "not base64");
  refused(m, "", "not base64");
  refused(m, "\"\"", "not base64");
  refused(m, "AAAA", "too short to be a masked key");
  refused(m, "AAAAAAAAAAE=", "too short to be a masked key"); /* 8 bytes, version 1 */
  memset(s, 'A', 800);
  s[800] = '\0';
  refused(m, s, "too long to be a masked key");
  free(masked);
  erx_masker_destroy(&m);
  remove_dir(dir);
}

Test(masked_key, seed_sample_refused_as_foreign_format) {
  char *dir = new_state_dir();
  erx_masker_t *m = open_ok(dir);
  refused(m, SEED_SAMPLE, "unknown masked-key format version 7 (masked by another kind of router?)");
  refused(m, "\"AAAAGAAAAAcAAAACfd+SAsaVQ6Qeopt2rJOP6LDg+0hX5cMO\"", "unknown masked-key format version 7");
  erx_masker_destroy(&m);
  remove_dir(dir);
}

Test(masked_key, secret_length_limits) {
  char *dir = new_state_dir();
  erx_masker_t *m = open_ok(dir);
  uint8_t big[257];
  for (size_t i = 0; i < sizeof big; i++)
    big[i] = (uint8_t)('!' + i % 90);
  char *masked = erx_mask(m, big, 256);
  cr_assert_not_null(masked);
  cr_assert_leq(strlen(masked), 400);
  unmasks_to(m, masked, big, 256);
  free(masked);
  cr_assert_null(erx_mask(m, big, 257));
  cr_assert_null(erx_mask(m, big, 0));
  char *one = erx_mask(m, big, 1);
  unmasks_to(m, one, big, 1);
  free(one);
  erx_masker_destroy(&m);
  remove_dir(dir);
}

static void write_master(const char *dir, size_t len, mode_t mode) {
  char path[256];
  snprintf(path, sizeof path, "%s/master.key", dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  cr_assert_geq(fd, 0);
  uint8_t k[64] = {1, 2, 3};
  cr_assert_eq(write(fd, k, len), (ssize_t)len);
  close(fd);
  cr_assert_eq(chmod(path, mode), 0);
}

static void open_refused(const char *dir, const char *want) {
  char err[256] = "";
  erx_masker_t *m = erx_masker_open(dir, err, sizeof err);
  cr_assert_null(m);
  cr_assert_not_null(strstr(err, want), "got \"%s\", want \"%s\"", err, want);
}

Test(masked_key, unsafe_master_key_refused) {
  char *dir = new_state_dir();
  write_master(dir, 32, 0644);
  open_refused(dir, "accessible by group or others (mode 0644)");
  write_master(dir, 32, 0620);
  open_refused(dir, "accessible by group or others");
  write_master(dir, 31, 0600);
  open_refused(dir, "is 31 bytes, expected 32");
  write_master(dir, 33, 0600);
  open_refused(dir, "is 33 bytes, expected 32");
  write_master(dir, 32, 0600);
  erx_masker_t *m = open_ok(dir);
  erx_masker_destroy(&m);
  remove_dir(dir);
  open_refused("/nonexistent/erx-state", "/nonexistent/erx-state/master.key");
}
