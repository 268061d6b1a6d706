/* The configuration store: what survives crashes, torn writes and damage. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tmpdir.h"
#include "log.h"
#include "store.h"

/* Every damage case is also logged; the report callback is what is checked. */
static void __attribute__((constructor)) quiet_log(void) { erx_log_set_level(ERX_LOG_ERR); }

/* ---- helpers ---- */

typedef struct {
  char **items; /* "ctx|line" for journal records, "-|line" for snapshot lines */
  size_t n;
  char **problems;
  size_t np;
} seen_t;

static void push(char ***v, size_t *n, const char *s) {
  if ((*n & (*n - 1)) == 0) /* grow at powers of two: 45,000 replays stay linear */
    *v = realloc(*v, (*n ? 2 * *n : 1) * sizeof **v);
  (*v)[(*n)++] = strdup(s);
}

static int on_replay(void *arg, const char *ctx, const char *line) {
  char buf[70000];
  snprintf(buf, sizeof buf, "%s|%s", ctx ? ctx : "-", line);
  seen_t *s = arg;
  push(&s->items, &s->n, buf);
  return 0;
}

static void on_report(void *arg, const char *problem) {
  seen_t *s = arg;
  push(&s->problems, &s->np, problem);
}

static void seen_free(seen_t *s) {
  for (size_t i = 0; i < s->n; i++)
    free(s->items[i]);
  for (size_t i = 0; i < s->np; i++)
    free(s->problems[i]);
  free(s->items);
  free(s->problems);
  memset(s, 0, sizeof *s);
}

static bool problem_has(const seen_t *s, const char *want) {
  for (size_t i = 0; i < s->np; i++)
    if (strstr(s->problems[i], want))
      return true;
  return false;
}

static char *new_dir(void) { return tmpdir_new("erx-store"); }

static void remove_dir(char *d) { tmpdir_remove(d); }

static cfg_store_t *open_load(const char *dir, seen_t *seen) {
  char err[512] = "";
  memset(seen, 0, sizeof *seen);
  cfg_store_t *s = cfg_store_open(dir, err, sizeof err);
  cr_assert_not_null(s, "open: %s", err);
  cr_assert_eq(cfg_store_load(s, on_replay, on_report, seen, err, sizeof err), 0, "load: %s", err);
  return s;
}

static void append_ok(cfg_store_t *s, const char *ctx, const char *line) {
  cr_assert_eq(cfg_store_append(s, ctx, line), 0, "append %s", line);
}

static void commit_ok(cfg_store_t *s) {
  char err[512] = "";
  cr_assert_eq(cfg_store_commit(s, err, sizeof err), 0, "commit: %s", err);
}

static void compact_ok(cfg_store_t *s, const char *text) {
  char err[512] = "";
  cr_assert_eq(cfg_store_compact(s, text, err, sizeof err), 0, "compact: %s", err);
}

static char *path_of(const char *dir, const char *name) {
  static char p[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
  return p[k];
}

static uint8_t *slurp(const char *dir, const char *name, size_t *len) {
  FILE *f = fopen(path_of(dir, name), "rb");
  cr_assert_not_null(f, "open %s", name);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n + 1);
  cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

static void spit(const char *dir, const char *name, const void *data, size_t len) {
  FILE *f = fopen(path_of(dir, name), "wb");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(data, 1, len, f), len);
  fclose(f);
}

static void copy_file(const char *from_dir, const char *from, const char *to_dir, const char *to) {
  size_t n;
  uint8_t *b = slurp(from_dir, from, &n);
  spit(to_dir, to, b, n);
  free(b);
}

static bool exists(const char *dir, const char *name) { return access(path_of(dir, name), F_OK) == 0; }

static size_t count_glob(const char *dir, const char *pattern) {
  glob_t g;
  size_t n = glob(path_of(dir, pattern), 0, NULL, &g) == 0 ? g.gl_pathc : 0;
  if (n)
    globfree(&g);
  return n;
}

static off_t file_size(const char *dir, const char *name) {
  struct stat st;
  cr_assert_eq(stat(path_of(dir, name), &st), 0);
  return st.st_size;
}

/* Checks replayed items against want[] exactly. */
static void expect_items(const seen_t *s, const char *const *want, size_t n) {
  cr_assert_eq(s->n, n, "replayed %zu items, want %zu", s->n, n);
  for (size_t i = 0; i < n; i++)
    cr_assert_str_eq(s->items[i], want[i], "item %zu", i);
}

static void expect_no_problem(const seen_t *s) {
  cr_assert_eq(s->np, 0, "unexpected problem: %s", s->np ? s->problems[0] : "");
}

/* A store at generation 1 (snapshot "a", "b") with journal records r1, r2. */
static void make_gen1(const char *dir) {
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  append_ok(s, "c", "x");
  commit_ok(s);
  compact_ok(s, "a\nb\n");
  append_ok(s, "c", "r1");
  append_ok(s, "c", "r2");
  commit_ok(s);
  cfg_store_close(&s);
  seen_free(&seen);
}

static const char *const GEN1[] = {"-|a", "-|b", "c|r1", "c|r2"};
static const char *const GEN2[] = {"-|a", "-|b", "-|r1", "-|r2"};
static const char GEN2_TEXT[] = "a\nb\nr1\nr2\n";

/* ---- basic ---- */

Test(store, append_commit_reopen_replays_in_order) {
  char *dir = new_dir();
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  cr_assert_eq(seen.n, 0);
  expect_no_problem(&seen);
  char line[64];
  for (int i = 0; i < 100; i++) {
    snprintf(line, sizeof line, "line %d", i);
    append_ok(s, i % 2 ? "vr=vrA" : "", line);
    if (i % 10 == 9)
      commit_ok(s);
  }
  cr_assert_eq(cfg_store_journal_records(s), 100);
  commit_ok(s); /* nothing pending: still fine */
  cfg_store_close(&s);
  seen_free(&seen);

  s = open_load(dir, &seen);
  expect_no_problem(&seen);
  cr_assert_eq(seen.n, 100);
  for (int i = 0; i < 100; i++) {
    snprintf(line, sizeof line, "%s|line %d", i % 2 ? "vr=vrA" : "", i);
    cr_assert_str_eq(seen.items[i], line);
  }
  cr_assert_eq(cfg_store_journal_records(s), 100);
  cfg_store_close(&s);
  seen_free(&seen);
  remove_dir(dir);
}

Test(store, uncommitted_records_are_not_durable) {
  char *dir = new_dir();
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  append_ok(s, "c", "kept");
  commit_ok(s);
  append_ok(s, "c", "lost");
  cfg_store_close(&s);
  seen_free(&seen);
  s = open_load(dir, &seen);
  const char *const want[] = {"c|kept"};
  expect_items(&seen, want, 1);
  cfg_store_close(&s);
  seen_free(&seen);
  remove_dir(dir);
}

Test(store, append_rejects_bad_input) {
  char *dir = new_dir();
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  cr_assert_eq(cfg_store_append(s, "a\tb", "x"), -1);
  cr_assert_eq(cfg_store_append(s, "a\nb", "x"), -1);
  cr_assert_eq(cfg_store_append(s, "a", "x\ny"), -1);
  char *big = malloc(70000);
  memset(big, 'k', 69999);
  big[69999] = '\0';
  cr_assert_eq(cfg_store_append(s, "a", big), -1);
  big[65536 - 2] = '\0'; /* "a\t" + 65534 = 64 KiB: the largest record */
  append_ok(s, "a", big);
  commit_ok(s);
  cfg_store_close(&s);
  seen_free(&seen);
  s = open_load(dir, &seen);
  expect_no_problem(&seen);
  cr_assert_eq(seen.n, 1);
  cr_assert_eq(strlen(seen.items[0]), 65536);
  free(big);
  cfg_store_close(&s);
  seen_free(&seen);
  remove_dir(dir);
}

Test(store, second_open_of_same_dir_refused) {
  char *dir = new_dir();
  char err[512] = "";
  cfg_store_t *a = cfg_store_open(dir, err, sizeof err);
  cr_assert_not_null(a);
  cr_assert_null(cfg_store_open(dir, err, sizeof err));
  cr_assert_not_null(strstr(err, "in use by another process"), "%s", err);
  cfg_store_close(&a);
  cr_assert_null(a);
  remove_dir(dir);
}

Test(store, unusable_state_dir_gives_clear_error) {
  char *dir = new_dir();
  char err[512] = "";
  spit(dir, "file", "x", 1);
  cr_assert_null(cfg_store_open(path_of(dir, "file"), err, sizeof err));
  cr_assert_not_null(strstr(err, "Not a directory"), "%s", err);
  cr_assert_not_null(strstr(err, "/file"), "%s", err);
  cr_assert_null(cfg_store_open(path_of(dir, "no/such/dir"), err, sizeof err));
  cr_assert_not_null(strstr(err, "cannot create state directory"), "%s", err);
  /* /proc refuses new files even to root. */
  cr_assert_null(cfg_store_open("/proc/self", err, sizeof err));
  cr_assert_not_null(strstr(err, "cannot write in state directory /proc/self"), "%s", err);
  if (geteuid() != 0) {
    cr_assert_eq(mkdir(path_of(dir, "ro"), 0500), 0);
    cr_assert_null(cfg_store_open(path_of(dir, "ro"), err, sizeof err));
    cr_assert_not_null(strstr(err, "Permission denied"), "%s", err);
  }
  remove_dir(dir);
}

/* ---- journal damage ---- */

Test(store, torn_tail_cut_at_every_offset) {
  char *dir = new_dir();
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  for (int i = 0; i < 4; i++) {
    char line[32];
    snprintf(line, sizeof line, "r%d", i);
    append_ok(s, "c", line);
  }
  commit_ok(s);
  off_t start = file_size(dir, "journal");
  append_ok(s, "ctx", "ipsec transform-set ts1 esp-3des-hmac-sha");
  commit_ok(s);
  cfg_store_close(&s);
  seen_free(&seen);
  size_t full;
  uint8_t *j = slurp(dir, "journal", &full);
  const char *const want[] = {"c|r0", "c|r1", "c|r2", "c|r3"};

  for (size_t cut = (size_t)start + 1; cut < full; cut++) {
    spit(dir, "journal", j, cut);
    s = open_load(dir, &seen);
    expect_items(&seen, want, 4);
    cr_assert(problem_has(&seen, "incomplete last record"), "cut at %zu: no torn-tail report", cut);
    cr_assert_eq(file_size(dir, "journal"), start, "torn tail not cut off");
    cr_assert_eq(count_glob(dir, "journal.damaged-*"), 0);
    /* Appends after the cut land on a clean boundary. */
    append_ok(s, "c", "after");
    commit_ok(s);
    cfg_store_close(&s);
    seen_free(&seen);
    s = open_load(dir, &seen);
    expect_no_problem(&seen);
    cr_assert_eq(seen.n, 5);
    cr_assert_str_eq(seen.items[4], "c|after");
    cfg_store_close(&s);
    seen_free(&seen);
  }
  /* Zero-filled blocks after the last commit (unflushed append) read as torn too. */
  uint8_t *z = calloc(1, full + 4096);
  memcpy(z, j, full);
  spit(dir, "journal", z, full + 4096);
  s = open_load(dir, &seen);
  cr_assert_eq(seen.n, 5);
  cr_assert(problem_has(&seen, "incomplete last record"));
  cr_assert_eq(count_glob(dir, "journal.damaged-*"), 0);
  cfg_store_close(&s);
  seen_free(&seen);
  free(z);
  free(j);
  remove_dir(dir);
}

Test(store, damaged_middle_record_stops_replay_and_is_kept) {
  char *dir = new_dir();
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  off_t rec4 = 0, rec5 = 0;
  for (int i = 0; i < 10; i++) {
    char line[32];
    snprintf(line, sizeof line, "r%d", i);
    append_ok(s, "c", line);
    commit_ok(s);
    if (i == 3)
      rec4 = file_size(dir, "journal");
    if (i == 4)
      rec5 = file_size(dir, "journal");
  }
  cfg_store_close(&s);
  seen_free(&seen);
  size_t full;
  uint8_t *j = slurp(dir, "journal", &full);
  const char *const want[] = {"c|r0", "c|r1", "c|r2", "c|r3"};

  /* Every byte of the fifth record (length, crc, payload), two bit patterns. */
  for (off_t at = rec4; at < rec5; at++) {
    for (int bit = 0; bit < 8; bit += 7) {
      char *d = new_dir();
      j[at] ^= (uint8_t)(1u << bit);
      spit(d, "journal", j, full);
      j[at] ^= (uint8_t)(1u << bit);
      s = open_load(d, &seen);
      expect_items(&seen, want, 4);
      cr_assert(problem_has(&seen, "is damaged"), "byte %lld bit %d: %s", (long long)at, bit,
                seen.np ? seen.problems[0] : "no report");
      cr_assert(problem_has(&seen, "journal.damaged-"));
      cr_assert_eq(count_glob(d, "journal.damaged-*"), 1);
      cr_assert(cfg_store_wants_compaction(s));
      append_ok(s, "c", "new");
      commit_ok(s);
      cfg_store_close(&s);
      seen_free(&seen);
      /* The damaged copy is the original file, byte for byte. */
      glob_t g;
      cr_assert_eq(glob(path_of(d, "journal.damaged-*"), 0, NULL, &g), 0);
      cr_assert_eq(file_size("/", g.gl_pathv[0] + 1), (off_t)full);
      globfree(&g);
      s = open_load(d, &seen);
      expect_no_problem(&seen);
      cr_assert_eq(seen.n, 5);
      cr_assert_str_eq(seen.items[4], "c|new");
      cfg_store_close(&s);
      seen_free(&seen);
      remove_dir(d);
    }
  }
  free(j);
  remove_dir(dir);
}

Test(store, damaged_journal_header_kept_and_reported) {
  char *dir = new_dir();
  make_gen1(dir);
  size_t n;
  uint8_t *j = slurp(dir, "journal", &n);
  j[9] ^= 0x20;
  spit(dir, "journal", j, n);
  free(j);
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  const char *const want[] = {"-|a", "-|b"};
  expect_items(&seen, want, 2);
  cr_assert(problem_has(&seen, "journal header is damaged"));
  cr_assert_eq(count_glob(dir, "journal.damaged-*"), 1);
  cfg_store_close(&s);
  seen_free(&seen);
  remove_dir(dir);
}

/* ---- compaction ---- */

Test(store, compaction_then_reopen) {
  char *dir = new_dir();
  make_gen1(dir);
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  expect_items(&seen, GEN1, 4);
  expect_no_problem(&seen);
  cr_assert(!exists(dir, "running.cfg.prev"), "no previous snapshot before generation 1");
  size_t n;
  char *snap = (char *)slurp(dir, "running.cfg", &n);
  snap[n] = '\0';
  cr_assert(strncmp(snap, "! erx-ipsec running configuration generation 1\na\nb\n! end sha256 ", 64) == 0, "%s",
            snap);
  free(snap);

  compact_ok(s, "a\nb\nr1\nr2"); /* no final newline: the store adds it */
  cr_assert_eq(cfg_store_journal_records(s), 0);
  append_ok(s, "c", "r3");
  commit_ok(s);
  cfg_store_close(&s);
  seen_free(&seen);

  s = open_load(dir, &seen);
  const char *const want[] = {"-|a", "-|b", "-|r1", "-|r2", "c|r3"};
  expect_items(&seen, want, 5);
  expect_no_problem(&seen);
  cr_assert(!cfg_store_wants_compaction(s));
  cr_assert(exists(dir, "running.cfg.prev"));
  cr_assert(!exists(dir, "running.cfg.tmp"));
  cr_assert(!exists(dir, "journal.tmp"));
  cfg_store_close(&s);
  seen_free(&seen);
  remove_dir(dir);
}

Test(store, compaction_folds_uncommitted_records) {
  char *dir = new_dir();
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  append_ok(s, "c", "pending");
  compact_ok(s, "pending\n");
  commit_ok(s);
  cfg_store_close(&s);
  seen_free(&seen);
  s = open_load(dir, &seen);
  const char *const want[] = {"-|pending"};
  expect_items(&seen, want, 1);
  cfg_store_close(&s);
  seen_free(&seen);
  remove_dir(dir);
}

Test(store, wants_compaction_threshold) {
  char *dir = new_dir();
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  compact_ok(s, "a\nb\n");
  for (int i = 0; i < 10004; i++)
    append_ok(s, "", "x");
  commit_ok(s);
  cr_assert(!cfg_store_wants_compaction(s)); /* 10004 = 2*2 + 10000 */
  append_ok(s, "", "x");
  commit_ok(s);
  cr_assert(cfg_store_wants_compaction(s));
  cfg_store_close(&s);
  seen_free(&seen);
  remove_dir(dir);
}

/* Builds the files as they would be between the steps of a compaction from
 * generation 1 to 2, and checks each loads the state of one side of it. */
Test(store, crash_at_each_compaction_step) {
  char *g1 = new_dir(), *g2 = new_dir();
  make_gen1(g1);
  make_gen1(g2);
  seen_t seen;
  cfg_store_t *s = open_load(g2, &seen);
  compact_ok(s, GEN2_TEXT);
  cfg_store_close(&s);
  seen_free(&seen);

  enum { TMP_WRITTEN, PREV_UNLINKED, PREV_LINKED, RENAMED, JOURNAL_TMP_WRITTEN, DONE, NSTEPS };
  for (int step = 0; step < NSTEPS; step++) {
    char *d = new_dir();
    copy_file(g1, "journal", d, "journal");
    copy_file(g1, "running.cfg", d, "running.cfg");
    if (step >= PREV_LINKED)
      copy_file(g1, "running.cfg", d, "running.cfg.prev");
    if (step < RENAMED)
      copy_file(g2, "running.cfg", d, "running.cfg.tmp");
    else
      copy_file(g2, "running.cfg", d, "running.cfg");
    if (step == JOURNAL_TMP_WRITTEN)
      copy_file(g2, "journal", d, "journal.tmp");
    if (step == DONE)
      copy_file(g2, "journal", d, "journal");

    s = open_load(d, &seen);
    if (step < RENAMED)
      expect_items(&seen, GEN1, 4);
    else
      expect_items(&seen, GEN2, 4);
    expect_no_problem(&seen);
    cr_assert(!exists(d, "running.cfg.tmp"), "step %d: stale tmp left", step);
    cr_assert(!exists(d, "journal.tmp"), "step %d: stale journal.tmp left", step);
    /* What is committed after recovery survives the next restart. */
    append_ok(s, "c", "after");
    commit_ok(s);
    cfg_store_close(&s);
    seen_free(&seen);
    s = open_load(d, &seen);
    expect_no_problem(&seen);
    cr_assert_eq(seen.n, 5, "step %d", step);
    cr_assert_str_eq(seen.items[4], "c|after", "step %d", step);
    /* And a compaction from the recovered state works. */
    compact_ok(s, "z\n");
    cfg_store_close(&s);
    seen_free(&seen);
    s = open_load(d, &seen);
    const char *const z[] = {"-|z"};
    expect_items(&seen, z, 1);
    cfg_store_close(&s);
    seen_free(&seen);
    remove_dir(d);
  }
  remove_dir(g1);
  remove_dir(g2);
}

Test(store, stale_tmp_files_ignored) {
  char *dir = new_dir();
  make_gen1(dir);
  spit(dir, "running.cfg.tmp", "garbage\n", 8);
  spit(dir, "journal.tmp", "\0\0\0\5junk!", 10);
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  expect_items(&seen, GEN1, 4);
  expect_no_problem(&seen);
  cr_assert(!exists(dir, "running.cfg.tmp"));
  cr_assert(!exists(dir, "journal.tmp"));
  cfg_store_close(&s);
  seen_free(&seen);
  remove_dir(dir);
}

/* ---- snapshot damage ---- */

/* Generation 2 = GEN2_TEXT in running.cfg, generation 1 in .prev, journal
 * (generation 2) holding "c|r3". */
static void make_gen2(const char *dir) {
  make_gen1(dir);
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  compact_ok(s, GEN2_TEXT);
  append_ok(s, "c", "r3");
  commit_ok(s);
  cfg_store_close(&s);
  seen_free(&seen);
}

static void damage_snapshot_and_check(void (*damage)(const char *dir)) {
  char *dir = new_dir();
  make_gen2(dir);
  damage(dir);
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  /* The previous snapshot, then the journal on top. */
  const char *const want[] = {"-|a", "-|b", "c|r3"};
  expect_items(&seen, want, 3);
  cr_assert(problem_has(&seen, "running.cfg is damaged"), "%s", seen.np ? seen.problems[0] : "no report");
  cr_assert(problem_has(&seen, "running.cfg.prev"));
  cr_assert(problem_has(&seen, "newer than the snapshot"));
  cr_assert_eq(count_glob(dir, "running.cfg.damaged-*"), 1);
  cr_assert(exists(dir, "running.cfg"), "running.cfg not restored from .prev");
  cr_assert(cfg_store_wants_compaction(s));
  compact_ok(s, "a\nb\nr3\n");
  cfg_store_close(&s);
  seen_free(&seen);

  s = open_load(dir, &seen);
  expect_no_problem(&seen);
  const char *const after[] = {"-|a", "-|b", "-|r3"};
  expect_items(&seen, after, 3);
  cfg_store_close(&s);
  seen_free(&seen);
  remove_dir(dir);
}

static void flip_snapshot_byte(const char *dir) {
  size_t n;
  uint8_t *b = slurp(dir, "running.cfg", &n);
  b[n / 2] ^= 0x01;
  spit(dir, "running.cfg", b, n);
  free(b);
}

static void truncate_snapshot(const char *dir) { cr_assert_eq(truncate(path_of(dir, "running.cfg"), 60), 0); }

static void empty_snapshot(const char *dir) { cr_assert_eq(truncate(path_of(dir, "running.cfg"), 0), 0); }

Test(store, damaged_snapshot_falls_back_to_prev_flipped) { damage_snapshot_and_check(flip_snapshot_byte); }
Test(store, damaged_snapshot_falls_back_to_prev_truncated) { damage_snapshot_and_check(truncate_snapshot); }
Test(store, damaged_snapshot_falls_back_to_prev_empty) { damage_snapshot_and_check(empty_snapshot); }

Test(store, both_snapshots_damaged_is_loud) {
  char *dir = new_dir();
  make_gen2(dir);
  flip_snapshot_byte(dir);
  cr_assert_eq(truncate(path_of(dir, "running.cfg.prev"), 10), 0);
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  const char *const want[] = {"c|r3"};
  expect_items(&seen, want, 1);
  cr_assert(problem_has(&seen, "no snapshot loaded"));
  cr_assert_eq(count_glob(dir, "running.cfg.damaged-*"), 1);
  cr_assert_eq(count_glob(dir, "running.cfg.prev.damaged-*"), 1);
  cfg_store_close(&s);
  seen_free(&seen);
  remove_dir(dir);
}

/* ---- speed ---- */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

Test(store, bulk_45000_records_one_commit, .timeout = 60) {
  enum { N = 45000 };
  char *dir = new_dir();
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  static char lines[N][48];
  for (int i = 0; i < N; i++)
    snprintf(lines[i], sizeof lines[i], "tunnel destination 10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
  double t0 = now_ms();
  for (int i = 0; i < N; i++)
    append_ok(s, "mode=if;vr=vrA;if=ipsec:t00001", lines[i]);
  double t1 = now_ms();
  commit_ok(s);
  double t2 = now_ms();
  fprintf(stderr, "store bench: %d appends %.1f ms, commit (write + fdatasync) %.1f ms, total %.1f ms\n", N,
          t1 - t0, t2 - t1, t2 - t0);
  /* timings are printed, not asserted: a loaded CI machine is not a benchmark */
  cfg_store_close(&s);
  seen_free(&seen);
  double t3 = now_ms();
  s = open_load(dir, &seen);
  fprintf(stderr, "store bench: load of 45000 records %.1f ms\n", now_ms() - t3);
  cr_assert_eq(seen.n, N);
  cfg_store_close(&s);
  seen_free(&seen);
  remove_dir(dir);
}

/* ---- kill -9 ---- */

/* Appends and commits numbered lines, compacting now and then, and reports
 * every committed index; runs until killed (or 5 s). */
static void child_writer(const char *dir, int wfd) {
  seen_t seen;
  char err[512];
  memset(&seen, 0, sizeof seen);
  cfg_store_t *s = cfg_store_open(dir, err, sizeof err);
  if (!s || cfg_store_load(s, on_replay, on_report, &seen, err, sizeof err) != 0)
    _exit(2);
  int next = (int)seen.n;
  double end = now_ms() + 5000;
  for (int round = 0; now_ms() < end; round++) {
    char line[32];
    for (int k = 0; k <= round % 5; k++) {
      snprintf(line, sizeof line, "%d", next++);
      if (cfg_store_append(s, round % 2 ? "c" : "", line) != 0)
        _exit(3);
    }
    if (cfg_store_commit(s, err, sizeof err) != 0)
      _exit(4);
    if (round % 97 == 96) {
      size_t cap = (size_t)next * 12 + 1, len = 0;
      char *text = malloc(cap);
      for (int i = 0; i < next; i++)
        len += (size_t)snprintf(text + len, cap - len, "%d\n", i);
      if (cfg_store_compact(s, text, err, sizeof err) != 0)
        _exit(5);
      free(text);
    }
    int last = next - 1;
    if (write(wfd, &last, sizeof last) != sizeof last)
      _exit(6);
  }
  _exit(0);
}

Test(store, kill9_never_loses_a_committed_record, .timeout = 90) {
  char *dir = new_dir();
  unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
  cr_log_info("kill test seed %u", seed);
  srand(seed);
  double deadline = now_ms() + 30000;
  int iterations = 0;
  for (; iterations < 20 && now_ms() < deadline; iterations++) {
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
      close(p[0]);
      child_writer(dir, p[1]);
    }
    close(p[1]);
    struct timespec ts = {0, (long)(1 + rand() % 400) * 1000000L};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status), "writer exited by itself with %d", WEXITSTATUS(status));
    int last = -1, v;
    while (read(p[0], &v, sizeof v) == sizeof v)
      last = v;
    close(p[0]);

    seen_t seen;
    cfg_store_t *s = open_load(dir, &seen);
    cr_assert(last < (int)seen.n, "iteration %d: committed record %d missing (%zu replayed)", iterations, last,
              seen.n);
    for (size_t i = 0; i < seen.n; i++) {
      const char *num = strchr(seen.items[i], '|') + 1;
      cr_assert_eq(atoi(num), (int)i, "iteration %d: record %zu is \"%s\"", iterations, i, seen.items[i]);
    }
    for (size_t i = 0; i < seen.np; i++)
      cr_assert(strstr(seen.problems[i], "incomplete last record"), "iteration %d: %s", iterations,
                seen.problems[i]);
    cr_assert_eq(count_glob(dir, "*.damaged-*"), 0);
    cfg_store_close(&s);
    seen_free(&seen);
  }
  cr_log_info("kill test: %d iterations", iterations);
  cr_assert_geq(iterations, 5);
  remove_dir(dir);
}

/* ---- replay refusals ---- */

static int refuse_bad(void *arg, const char *ctx, const char *line) {
  on_replay(arg, ctx, line);
  return strncmp(line, "bad", 3) == 0 ? -1 : 0;
}

Test(store, refused_lines_reported_and_replay_continues) {
  char *dir = new_dir();
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  compact_ok(s, "ok1\nbad snapshot line\nok2\n");
  append_ok(s, "c", "bad journal line");
  append_ok(s, "c", "ok3");
  commit_ok(s);
  cfg_store_close(&s);
  seen_free(&seen);

  char err[512] = "";
  s = cfg_store_open(dir, err, sizeof err);
  cr_assert_eq(cfg_store_load(s, refuse_bad, on_report, &seen, err, sizeof err), 0, "%s", err);
  cr_assert_eq(seen.n, 5);
  cr_assert(problem_has(&seen, "running.cfg line 3 was not accepted: bad snapshot line"));
  cr_assert(problem_has(&seen, "journal record 1 was not accepted: bad journal line"));
  /* A compaction would drop the refused lines for good: not requested. */
  cr_assert(!cfg_store_wants_compaction(s));
  cfg_store_close(&s);
  seen_free(&seen);
  remove_dir(dir);
}

/* ---- on-disk format ---- */

static uint32_t crc32c_bitwise(const void *data, size_t n) {
  const uint8_t *p = data;
  uint32_t c = 0xFFFFFFFFu;
  while (n--) {
    c ^= *p++;
    for (int k = 0; k < 8; k++)
      c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}

static size_t put_record(uint8_t *out, const char *payload) {
  size_t n = strlen(payload);
  uint32_t c = crc32c_bitwise(payload, n);
  const uint8_t h[8] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n,
                        (uint8_t)(c >> 24), (uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c};
  memcpy(out, h, 8);
  memcpy(out + 8, payload, n);
  return 8 + n;
}

/* A journal written from the documented format alone (CRC-32C, big-endian
 * lengths) is read back: the format is what store.h says, not an accident. */
Test(store, journal_format_is_as_documented) {
  cr_assert_eq(crc32c_bitwise("123456789", 9), 0xE3069283u);
  char *dir = new_dir();
  uint8_t j[256];
  size_t n = put_record(j, "generation 0");
  n += put_record(j + n, "vr=vrA\tinterface tunnel ipsec:t1");
  n += put_record(j + n, "\thostname host1");
  spit(dir, "journal", j, n);
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  const char *const want[] = {"vr=vrA|interface tunnel ipsec:t1", "|hostname host1"};
  expect_items(&seen, want, 2);
  expect_no_problem(&seen);
  append_ok(s, "", "x");
  commit_ok(s);
  cfg_store_close(&s);
  seen_free(&seen);
  size_t len;
  uint8_t *back = slurp(dir, "journal", &len);
  uint8_t rec[64];
  size_t rl = put_record(rec, "\tx");
  cr_assert_eq(len, n + rl);
  cr_assert_eq(memcmp(back + n, rec, rl), 0, "appended record differs from the documented encoding");
  free(back);
  remove_dir(dir);
}

/* ---- a failed commit ---- */

/* A write that fails half-way (file size limit) is cut back, so the next
 * commit does not land behind a partial record. */
Test(store, failed_commit_is_cut_back) {
  char *dir = new_dir();
  seen_t seen;
  cfg_store_t *s = open_load(dir, &seen);
  append_ok(s, "c", "before");
  commit_ok(s);
  off_t size = file_size(dir, "journal");
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit old, lim;
  cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
  lim = old;
  lim.rlim_cur = (rlim_t)size + 20;
  cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
  char big[200];
  memset(big, 'q', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  append_ok(s, "c", big);
  char err[512] = "";
  cr_assert_eq(cfg_store_commit(s, err, sizeof err), -1);
  cr_assert_not_null(strstr(err, "cannot write"), "%s", err);
  cr_assert_eq(file_size(dir, "journal"), size, "partial write not cut back");
  cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
  append_ok(s, "c", "after");
  commit_ok(s);
  cfg_store_close(&s);
  seen_free(&seen);
  s = open_load(dir, &seen);
  const char *const want[] = {"c|before", "c|after"};
  expect_items(&seen, want, 2);
  expect_no_problem(&seen);
  cfg_store_close(&s);
  seen_free(&seen);
  remove_dir(dir);
}
