/* Durable running configuration (layout and load rules in store.h).
 *
 * Crash model: the only writes are appends to the journal (made durable by
 * one fdatasync per commit) and whole-file replacements through a temporary
 * file, fsync and rename, followed by an fsync of the directory.  So after a
 * crash a file is either the old or the new version, except the journal's
 * tail, which may hold a partial or zero-filled last commit. */
#include "be32.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"

enum {
  REC_HDR = 8,             /* be32 length + be32 crc32c */
  MAX_RECORD = 64 * 1024,  /* payload bytes */
  SHA_HEX = 64,
};
#define MAX_FILE ((size_t)1 << 30) /* refuse to slurp anything larger */
#define COMPACT_BYTES ((uint64_t)8 << 20)

static const char SNAP[] = "running.cfg";
static const char SNAP_TMP[] = "running.cfg.tmp";
static const char SNAP_PREV[] = "running.cfg.prev";
static const char JOURNAL[] = "journal";
static const char JOURNAL_TMP[] = "journal.tmp";
static const char SNAP_HEAD[] = "! erx-ipsec running configuration generation ";
static const char SNAP_TRAIL[] = "! end sha256 ";
static const char JOURNAL_HEAD[] = "generation ";

struct cfg_store {
  char *dir;
  int dirfd;
  int lockfd;
  int jfd;              /* journal, O_APPEND; -1 until loaded */
  uint64_t gen;         /* generation of the journal being appended to */
  uint64_t jbytes;      /* committed journal size */
  size_t records;       /* committed records after the header */
  size_t snap_lines;
  uint8_t *buf;         /* records appended since the last commit */
  size_t len, cap, pending;
  bool loaded;
  bool journal_stale;   /* snapshot gen is in place, its journal not yet */
  bool broken;          /* a failed commit left the journal tail unknown */
  bool load_problem;    /* load repaired something: a compaction tidies up */
  uint32_t crc_table[8][256];
};

typedef struct {
  cfg_store_t *s;
  cfg_store_replay_fn replay;
  cfg_store_report_fn report;
  void *arg;
} load_ctx_t;

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

static void vreport(load_ctx_t *L, const char *fmt, va_list ap) {
  char msg[1024];
  vsnprintf(msg, sizeof msg, fmt, ap);
  LOG_WARN("%s: %s", L->s->dir, msg);
  if (L->report)
    L->report(L->arg, msg);
}

/* Something on disk was damaged or inconsistent and has been repaired. */
static void problem(load_ctx_t *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(load_ctx_t *L, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(L, fmt, ap);
  va_end(ap);
  L->s->load_problem = true;
}

/* The caller refused a stored line.  Unlike problem() this does not ask for
 * a compaction: the line may become acceptable again (a licence that was not
 * reachable at start), and compacting would drop it for good. */
static void rejected(load_ctx_t *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rejected(load_ctx_t *L, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(L, fmt, ap);
  va_end(ap);
}

/* CRC-32C (Castagnoli): better error detection than zlib's CRC-32 for short
 * records and no new dependency.  Sliced by 8 because a bulk load checksums
 * megabytes per commit; the tables live in the store so there is no global
 * initialisation to race on. */
static void crc32c_init(uint32_t t[8][256]) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++)
      c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[0][i] = c;
  }
  for (int k = 1; k < 8; k++)
    for (int i = 0; i < 256; i++)
      t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t crc32c(const uint32_t t[8][256], const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (; n >= 8; p += 8, n -= 8) {
    uint32_t lo = c ^ le32(p), hi = le32(p + 4);
    c = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^ t[3][hi & 0xff] ^
        t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
  }
  while (n--)
    c = t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}


/* Strict unsigned decimal: digits only, no overflow. */
static bool parse_u64(const char *p, size_t n, uint64_t *out) {
  if (n == 0 || n > 20)
    return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9')
      return false;
    uint64_t d = (uint64_t)(p[i] - '0');
    if (v > (UINT64_MAX - d) / 10)
      return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

static int write_all(int fd, const void *data, size_t n) {
  const uint8_t *p = data;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Whole file into a malloc'd buffer (one spare byte for a terminator).
 * Returns 0, or -1 with errno (ENOENT: no such file, EFBIG: too large). */
static int read_file(int dirfd, const char *name, uint8_t **data, size_t *len) {
  *data = NULL;
  *len = 0;
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return -1;
  struct stat st;
  int e = fstat(fd, &st) != 0 ? errno : !S_ISREG(st.st_mode) ? EINVAL : (uint64_t)st.st_size > MAX_FILE ? EFBIG : 0;
  if (e) {
    close(fd);
    errno = e;
    return -1;
  }
  size_t cap = (size_t)st.st_size + 1, n = 0;
  uint8_t *b = malloc(cap);
  if (!b) {
    close(fd);
    errno = ENOMEM;
    return -1;
  }
  while (n < cap - 1) { /* a file growing while we read is cut at what stat said */
    ssize_t r = read(fd, b + n, cap - 1 - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      e = errno;
      free(b);
      close(fd);
      errno = e;
      return -1;
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  close(fd);
  b[n] = 0;
  *data = b;
  *len = n;
  return 0;
}

/* Writes name (replacing any leftover) and fsyncs it; the caller renames. */
static int write_synced(cfg_store_t *s, const char *name, const void *data, size_t n, char *err, size_t errlen) {
  int fd = openat(s->dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    seterr(err, errlen, "cannot create %s/%s: %s", s->dir, name, strerror(errno));
    return -1;
  }
  if (write_all(fd, data, n) != 0 || fsync(fd) != 0) {
    seterr(err, errlen, "cannot write %s/%s: %s", s->dir, name, strerror(errno));
    close(fd);
    unlinkat(s->dirfd, name, 0);
    return -1;
  }
  close(fd);
  return 0;
}

static int sync_dir(cfg_store_t *s, char *err, size_t errlen) {
  if (fsync(s->dirfd) == 0)
    return 0;
  seterr(err, errlen, "cannot fsync directory %s: %s", s->dir, strerror(errno));
  return -1;
}

/* Encodes one record (payload = a [+ '\t'] + b) at out; returns its size. */
static size_t encode_record(const uint32_t crc_table[8][256], uint8_t *out, const char *a, size_t alen, const char *b,
                            size_t blen, bool tab) {
  uint8_t *p = out + REC_HDR;
  size_t plen = alen + (tab ? 1 : 0) + blen;
  memcpy(p, a, alen);
  if (tab)
    p[alen] = '\t';
  memcpy(p + alen + (tab ? 1 : 0), b, blen);
  erx_put_be32(out, (uint32_t)plen);
  erx_put_be32(out + 4, crc32c(crc_table, p, plen));
  return REC_HDR + plen;
}

static int buffer_record(cfg_store_t *s, const char *ctx, size_t clen, const char *line, size_t llen) {
  size_t need = REC_HDR + clen + 1 + llen;
  if (clen + 1 + llen > MAX_RECORD) {
    errno = EMSGSIZE;
    return -1;
  }
  if (s->cap - s->len < need) {
    size_t cap = s->cap ? s->cap : 64 * 1024;
    while (cap - s->len < need)
      cap *= 2;
    uint8_t *nb = realloc(s->buf, cap);
    if (!nb)
      return -1;
    s->buf = nb;
    s->cap = cap;
  }
  s->len += encode_record(s->crc_table, s->buf + s->len, ctx, clen, line, llen, true);
  return 0;
}

static int open_journal(cfg_store_t *s, char *err, size_t errlen) {
  if (s->jfd >= 0)
    close(s->jfd);
  s->jfd = openat(s->dirfd, JOURNAL, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (s->jfd >= 0)
    return 0;
  seterr(err, errlen, "cannot open %s/%s: %s", s->dir, JOURNAL, strerror(errno));
  return -1;
}

/* Atomically replaces the journal with content (a header record plus any
 * records to keep) and reopens it for appending. */
static int replace_journal(cfg_store_t *s, const uint8_t *content, size_t n, size_t records, char *err,
                           size_t errlen) {
  if (write_synced(s, JOURNAL_TMP, content, n, err, errlen) != 0)
    return -1;
  if (renameat(s->dirfd, JOURNAL_TMP, s->dirfd, JOURNAL) != 0) {
    seterr(err, errlen, "cannot rename %s/%s: %s", s->dir, JOURNAL_TMP, strerror(errno));
    unlinkat(s->dirfd, JOURNAL_TMP, 0);
    return -1;
  }
  if (sync_dir(s, err, errlen) != 0 || open_journal(s, err, errlen) != 0)
    return -1;
  s->jbytes = n;
  s->records = records;
  return 0;
}

static int new_journal(cfg_store_t *s, uint64_t gen, char *err, size_t errlen) {
  char head[32];
  uint8_t rec[REC_HDR + sizeof head];
  int n = snprintf(head, sizeof head, "%s%" PRIu64, JOURNAL_HEAD, gen);
  size_t rlen = encode_record(s->crc_table, rec, head, (size_t)n, "", 0, false);
  if (replace_journal(s, rec, rlen, 0, err, errlen) != 0)
    return -1;
  s->gen = gen;
  s->journal_stale = false;
  s->broken = false;
  return 0;
}

/* Keeps a damaged file for inspection under name.damaged-<unix time>[.k].
 * Links rather than renames so the caller decides whether the original name
 * goes away. */
static int keep_damaged(cfg_store_t *s, const char *name, char *kept, size_t keptlen) {
  long long t = (long long)time(NULL);
  for (int k = 0; k < 100; k++) {
    if (k == 0)
      snprintf(kept, keptlen, "%s.damaged-%lld", name, t);
    else
      snprintf(kept, keptlen, "%s.damaged-%lld.%d", name, t, k);
    if (linkat(s->dirfd, name, s->dirfd, kept, 0) == 0)
      return 0;
    if (errno != EEXIST)
      break;
  }
  snprintf(kept, keptlen, "(could not keep a copy: %s)", strerror(errno));
  return -1;
}

/* ---- snapshot ---- */

typedef struct {
  uint8_t *data;
  size_t len;
  uint64_t gen;
  char *body; /* lines between header and trailer, inside data */
  size_t body_len;
  char why[160]; /* when damaged */
} snap_t;

typedef enum { SNAP_OK, SNAP_MISSING, SNAP_DAMAGED, SNAP_UNREADABLE } snap_status_t;

static void sha256_hex(const void *p, size_t n, char hex[SHA_HEX + 1]) {
  uint8_t d[32];
  unsigned dl = 0;
  EVP_Digest(p, n, d, &dl, EVP_sha256(), NULL);
  for (unsigned i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* Checks framing and checksum before anything is replayed, so a damaged file
 * never leaves half of itself applied. */
static snap_status_t snap_read(cfg_store_t *s, const char *name, snap_t *sn) {
  memset(sn, 0, sizeof *sn);
  if (read_file(s->dirfd, name, &sn->data, &sn->len) != 0) {
    int e = errno;
    snprintf(sn->why, sizeof sn->why, "%s", strerror(e));
    return e == ENOENT ? SNAP_MISSING : SNAP_UNREADABLE;
  }
  char *d = (char *)sn->data;
  size_t n = sn->len, hl = sizeof SNAP_HEAD - 1, tl = sizeof SNAP_TRAIL - 1;
  char *eoh = memchr(d, '\n', n);
  if (n == 0 || d[n - 1] != '\n' || !eoh) {
    snprintf(sn->why, sizeof sn->why, n == 0 ? "empty file" : "does not end with a complete line");
    return SNAP_DAMAGED;
  }
  size_t tstart = n - 1;
  while (tstart > 0 && d[tstart - 1] != '\n')
    tstart--;
  char hex[SHA_HEX + 1];
  if ((size_t)(eoh - d) < hl || memcmp(d, SNAP_HEAD, hl) != 0 ||
      !parse_u64(d + hl, (size_t)(eoh - d) - hl, &sn->gen)) {
    snprintf(sn->why, sizeof sn->why, "bad header line");
    return SNAP_DAMAGED;
  }
  if ((size_t)(eoh - d) + 1 > tstart || n - tstart != tl + SHA_HEX + 1 || memcmp(d + tstart, SNAP_TRAIL, tl) != 0) {
    snprintf(sn->why, sizeof sn->why, "no \"! end sha256\" trailer (truncated?)");
    return SNAP_DAMAGED;
  }
  sha256_hex(d, tstart, hex);
  if (memcmp(hex, d + tstart + tl, SHA_HEX) != 0) {
    snprintf(sn->why, sizeof sn->why, "sha256 mismatch");
    return SNAP_DAMAGED;
  }
  sn->body = eoh + 1;
  sn->body_len = tstart - (size_t)(eoh + 1 - d);
  return SNAP_OK;
}

static size_t snap_replay(load_ctx_t *L, const char *name, snap_t *sn) {
  size_t lines = 0;
  char *p = sn->body, *end = sn->body + sn->body_len;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    *nl = '\0';
    lines++;
    if (L->replay && L->replay(L->arg, NULL, p) != 0)
      rejected(L, "%s line %zu was not accepted: %s", name, lines + 1, p);
    p = nl + 1;
  }
  return lines;
}

/* Moves a damaged snapshot aside (kept for inspection). */
static void set_aside(load_ctx_t *L, const char *name, char *kept, size_t keptlen) {
  if (keep_damaged(L->s, name, kept, keptlen) == 0)
    unlinkat(L->s->dirfd, name, 0);
}

/* Picks running.cfg, else running.cfg.prev (loudly), and replays it; *gen is
 * its generation (0 without one).  -1 only when a file cannot be read. */
static int load_snapshot(load_ctx_t *L, uint64_t *gen, char *err, size_t errlen) {
  cfg_store_t *s = L->s;
  snap_t cur, prev;
  snap_t *use = NULL;
  char kept[256], kept_prev[256];
  snap_status_t cs = snap_read(s, SNAP, &cur);
  snap_status_t ps = SNAP_MISSING;
  memset(&prev, 0, sizeof prev);
  if (cs == SNAP_OK)
    use = &cur;
  else if (cs != SNAP_UNREADABLE)
    ps = snap_read(s, SNAP_PREV, &prev);
  if (cs == SNAP_UNREADABLE || ps == SNAP_UNREADABLE) {
    seterr(err, errlen, "cannot read %s/%s: %s", s->dir, cs == SNAP_UNREADABLE ? SNAP : SNAP_PREV,
           cs == SNAP_UNREADABLE ? cur.why : prev.why);
    free(cur.data);
    free(prev.data);
    return -1;
  }
  if (cs == SNAP_DAMAGED)
    set_aside(L, SNAP, kept, sizeof kept);
  if (ps == SNAP_DAMAGED)
    set_aside(L, SNAP_PREV, kept_prev, sizeof kept_prev);
  if (cs != SNAP_OK && ps == SNAP_OK) {
    use = &prev;
    /* Restore the invariant that running.cfg exists, so the next compaction
     * keeps this good copy as running.cfg.prev. */
    if (linkat(s->dirfd, SNAP_PREV, s->dirfd, SNAP, 0) != 0 && errno != EEXIST)
      LOG_WARN("%s: cannot link %s to %s: %s", s->dir, SNAP_PREV, SNAP, strerror(errno));
    sync_dir(s, NULL, 0);
    if (cs == SNAP_DAMAGED)
      problem(L, "running.cfg is damaged (%s): loaded running.cfg.prev (generation %" PRIu64
                 ") instead; recent changes may be missing; the damaged file is kept as %s",
              cur.why, prev.gen, kept);
    else
      problem(L, "running.cfg is missing: loaded running.cfg.prev (generation %" PRIu64 ") instead", prev.gen);
  } else if (cs == SNAP_DAMAGED) {
    problem(L, "running.cfg is damaged (%s) and running.cfg.prev is %s: no snapshot loaded, only the journal; "
               "the damaged file is kept as %s",
            cur.why, ps == SNAP_MISSING ? "missing" : prev.why, kept);
  } else if (ps == SNAP_DAMAGED) {
    problem(L, "running.cfg is missing and running.cfg.prev is damaged (%s, kept as %s): no snapshot loaded",
            prev.why, kept_prev);
  }
  *gen = 0;
  s->snap_lines = 0;
  if (use) {
    *gen = use->gen;
    s->snap_lines = snap_replay(L, use == &cur ? SNAP : SNAP_PREV, use);
  }
  free(cur.data);
  free(prev.data);
  return 0;
}

/* ---- journal ---- */

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

/* Validates the record at off.  Returns its payload length, or 0 with why
 * set and *torn telling whether the damage looks like an interrupted append
 * (it runs to the end of the file) rather than a corrupt record. */
static size_t check_record(const cfg_store_t *s, const uint8_t *d, size_t n, size_t off, bool *torn, const char **why) {
  size_t rem = n - off;
  *torn = false;
  if (rem < REC_HDR) {
    *why = "incomplete record header";
    *torn = true;
    return 0;
  }
  uint32_t plen = erx_get_be32(d + off), crc = erx_get_be32(d + off + 4);
  if (plen == 0 || plen > MAX_RECORD) {
    *why = plen == 0 ? "zero-length record" : "record length over 64 KiB";
  } else if (plen > rem - REC_HDR) {
    /* An interrupted append leaves a prefix of one payload, which never
     * holds a NUL; a corrupt length in the middle of the journal swallows
     * the next record's header, whose first byte is always 0. */
    *why = "record runs past the end of the file";
    *torn = !memchr(d + off + REC_HDR, 0, rem - REC_HDR) || all_zero(d + off, rem);
    return 0;
  } else if (crc32c(s->crc_table, d + off + REC_HDR, plen) != crc) {
    *why = "checksum mismatch";
  } else if (memchr(d + off + REC_HDR, '\n', plen) || memchr(d + off + REC_HDR, '\0', plen)) {
    *why = "record holds a newline or NUL";
  } else {
    return plen;
  }
  /* Unflushed blocks of an interrupted append read back as zeros. */
  *torn = all_zero(d + off, rem);
  return 0;
}

/* Cuts the journal back to good bytes after a torn append. */
static int cut_journal(cfg_store_t *s, size_t good, char *err, size_t errlen) {
  int fd = openat(s->dirfd, JOURNAL, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 || ftruncate(fd, (off_t)good) != 0 || fsync(fd) != 0) {
    seterr(err, errlen, "cannot truncate %s/%s: %s", s->dir, JOURNAL, strerror(errno));
    if (fd >= 0)
      close(fd);
    return -1;
  }
  close(fd);
  return 0;
}

/* Replays journal records after the header at hlen; returns the offset of
 * the first byte not replayed, with *bad set when that is not the end. */
static size_t journal_replay(load_ctx_t *L, const uint8_t *d, size_t n, size_t hlen, char *line, size_t *records,
                             bool *torn, const char **why) {
  size_t off = hlen;
  *records = 0;
  *why = NULL;
  while (off < n) {
    size_t plen = check_record(L->s, d, n, off, torn, why);
    if (*why)
      break;
    memcpy(line, d + off + REC_HDR, plen);
    line[plen] = '\0';
    char *tab = strchr(line, '\t');
    if (!tab) {
      *why = "record has no context field";
      break;
    }
    *tab = '\0';
    const char *ctx = line, *text = tab + 1;
    ++*records;
    if (L->replay && L->replay(L->arg, ctx, text) != 0)
      rejected(L, "journal record %zu was not accepted: %s", *records, text);
    off += REC_HDR + plen;
  }
  return off;
}

static int load_journal(load_ctx_t *L, uint64_t snap_gen, char *err, size_t errlen) {
  cfg_store_t *s = L->s;
  uint8_t *d;
  size_t n;
  if (read_file(s->dirfd, JOURNAL, &d, &n) != 0) {
    if (errno != ENOENT) {
      seterr(err, errlen, "cannot read %s/%s: %s", s->dir, JOURNAL, strerror(errno));
      return -1;
    }
    if (snap_gen > 0)
      problem(L, "journal is missing: changes after snapshot generation %" PRIu64 " (if any) are lost", snap_gen);
    return new_journal(s, snap_gen, err, errlen);
  }
  bool torn;
  const char *why;
  uint64_t jgen = 0;
  size_t hl = sizeof JOURNAL_HEAD - 1;
  size_t plen = check_record(s, d, n, 0, &torn, &why);
  if (!plen || plen <= hl || memcmp(d + REC_HDR, JOURNAL_HEAD, hl) != 0 ||
      !parse_u64((char *)d + REC_HDR + hl, plen - hl, &jgen)) {
    char kept[256];
    keep_damaged(s, JOURNAL, kept, sizeof kept);
    problem(L, "journal header is damaged: no journal record replayed; the journal is kept as %s", kept);
    free(d);
    return new_journal(s, snap_gen, err, errlen);
  }
  if (jgen < snap_gen) {
    /* Compaction wrote the snapshot and stopped before starting the new
     * journal: these records are already in the snapshot. */
    LOG_NOTICE("%s: journal generation %" PRIu64 " is older than running.cfg generation %" PRIu64
               ": already folded in, starting a new journal",
               s->dir, jgen, snap_gen);
    free(d);
    return new_journal(s, snap_gen, err, errlen);
  }
  if (jgen > snap_gen)
    problem(L, "journal generation %" PRIu64 " is newer than the snapshot loaded (generation %" PRIu64
               "): changes made between them are missing; journal replayed on top",
            jgen, snap_gen);
  size_t records;
  char *line = malloc(MAX_RECORD + 1);
  if (!line) {
    free(d);
    seterr(err, errlen, "out of memory");
    return -1;
  }
  size_t good = journal_replay(L, d, n, REC_HDR + plen, line, &records, &torn, &why);
  free(line);
  int rc = 0;
  if (good < n && torn) {
    problem(L, "journal: incomplete last record at byte %zu (%s; %zu bytes cut off, a crash during a write)", good,
            why, n - good);
    rc = cut_journal(s, good, err, errlen);
  } else if (good < n) {
    char kept[256];
    keep_damaged(s, JOURNAL, kept, sizeof kept);
    problem(L, "journal record %zu at byte %zu is damaged (%s): replay stopped there, %zu bytes not replayed; "
               "the damaged journal is kept as %s",
            records + 1, good, why, n - good, kept);
    rc = replace_journal(s, d, good, records, err, errlen);
  }
  free(d);
  if (rc != 0 || (s->jfd < 0 && open_journal(s, err, errlen) != 0))
    return -1;
  s->gen = jgen;
  s->jbytes = good;
  s->records = records;
  return 0;
}

/* ---- API ---- */

cfg_store_t *cfg_store_open(const char *state_dir, char *err, size_t errlen) {
  if (!state_dir || !*state_dir) {
    seterr(err, errlen, "no state directory given");
    return NULL;
  }
  if (mkdir(state_dir, 0700) != 0 && errno != EEXIST) {
    seterr(err, errlen, "cannot create state directory %s: %s", state_dir, strerror(errno));
    return NULL;
  }
  cfg_store_t *s = calloc(1, sizeof *s);
  if (!s || !(s->dir = strdup(state_dir))) {
    free(s);
    seterr(err, errlen, "out of memory");
    return NULL;
  }
  s->lockfd = s->jfd = -1;
  crc32c_init(s->crc_table);
  s->dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->dirfd < 0) {
    seterr(err, errlen, "cannot use state directory %s: %s", state_dir, strerror(errno));
    cfg_store_close(&s);
    return NULL;
  }
  /* Creating the lock file proves the directory is writable (access(2)
   * would lie to root and on read-only mounts), and the lock stops a second
   * configd from interleaving appends. */
  s->lockfd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (s->lockfd < 0) {
    seterr(err, errlen, "cannot write in state directory %s: %s", state_dir, strerror(errno));
    cfg_store_close(&s);
    return NULL;
  }
  if (flock(s->lockfd, LOCK_EX | LOCK_NB) != 0) {
    seterr(err, errlen, "state directory %s is in use by another process (%s)", state_dir, strerror(errno));
    cfg_store_close(&s);
    return NULL;
  }
  return s;
}

void cfg_store_close(cfg_store_t **s_p) {
  if (!s_p || !*s_p)
    return;
  cfg_store_t *s = *s_p;
  if (s->jfd >= 0)
    close(s->jfd);
  if (s->lockfd >= 0)
    close(s->lockfd);
  if (s->dirfd >= 0)
    close(s->dirfd);
  free(s->buf);
  free(s->dir);
  free(s);
  *s_p = NULL;
}

int cfg_store_load(cfg_store_t *s, cfg_store_replay_fn replay, cfg_store_report_fn report, void *arg, char *err,
                   size_t errlen) {
  if (!s || s->loaded) {
    seterr(err, errlen, "store already loaded");
    return -1;
  }
  load_ctx_t L = {s, replay, report, arg};
  /* Leftovers of a compaction cut short: never read, the renamed files are
   * the truth. */
  for (int i = 0; i < 2; i++) {
    const char *tmp = i ? JOURNAL_TMP : SNAP_TMP;
    if (unlinkat(s->dirfd, tmp, 0) == 0)
      LOG_NOTICE("%s: removed %s left by an interrupted compaction", s->dir, tmp);
  }
  uint64_t snap_gen;
  if (load_snapshot(&L, &snap_gen, err, errlen) != 0 || load_journal(&L, snap_gen, err, errlen) != 0)
    return -1;
  s->loaded = true;
  return 0;
}

int cfg_store_append(cfg_store_t *s, const char *ctx, const char *line) {
  if (!s || !s->loaded || !line) {
    errno = EINVAL;
    return -1;
  }
  if (!ctx)
    ctx = "";
  size_t clen = strcspn(ctx, "\t\n"), llen = strcspn(line, "\n");
  if (ctx[clen] || line[llen]) {
    errno = EINVAL;
    return -1;
  }
  if (buffer_record(s, ctx, clen, line, llen) != 0)
    return -1;
  s->pending++;
  return 0;
}

int cfg_store_commit(cfg_store_t *s, char *err, size_t errlen) {
  if (!s || !s->loaded) {
    seterr(err, errlen, "store not loaded");
    errno = EINVAL;
    return -1;
  }
  if (s->broken) {
    seterr(err, errlen, "journal %s/%s is in an unknown state after a failed write: compaction needed", s->dir,
           JOURNAL);
    errno = EIO;
    return -1;
  }
  if (s->journal_stale && new_journal(s, s->gen, err, errlen) != 0)
    return -1;
  if (s->len == 0)
    return 0;
  if (write_all(s->jfd, s->buf, s->len) != 0 || fdatasync(s->jfd) != 0) {
    int e = errno;
    seterr(err, errlen, "cannot write %s/%s: %s", s->dir, JOURNAL, strerror(e));
    /* Nothing of this commit was acknowledged: cut it off so later commits
     * do not follow a partial record, or refuse further appends. */
    if (ftruncate(s->jfd, (off_t)s->jbytes) != 0 || fdatasync(s->jfd) != 0)
      s->broken = true;
    s->len = s->pending = 0;
    errno = e;
    return -1;
  }
  s->jbytes += s->len;
  s->records += s->pending;
  s->len = s->pending = 0;
  return 0;
}

bool cfg_store_wants_compaction(const cfg_store_t *s) {
  if (!s || !s->loaded)
    return false;
  return s->broken || s->journal_stale || s->load_problem || s->records > 2 * s->snap_lines + 10000 ||
         s->jbytes > COMPACT_BYTES;
}

int cfg_store_compact(cfg_store_t *s, const char *text, char *err, size_t errlen) {
  if (!s || !s->loaded || !text) {
    seterr(err, errlen, "store not loaded");
    return -1;
  }
  uint64_t gen = s->gen + 1;
  size_t tlen = strlen(text);
  bool add_nl = tlen > 0 && text[tlen - 1] != '\n';
  char head[sizeof SNAP_HEAD + 24];
  int hl = snprintf(head, sizeof head, "%s%" PRIu64 "\n", SNAP_HEAD, gen);
  size_t body = (size_t)hl + tlen + add_nl;
  size_t total = body + sizeof SNAP_TRAIL - 1 + SHA_HEX + 1;
  char *snap = malloc(total + 1);
  if (!snap) {
    seterr(err, errlen, "out of memory");
    return -1;
  }
  memcpy(snap, head, (size_t)hl);
  memcpy(snap + hl, text, tlen);
  if (add_nl)
    snap[body - 1] = '\n';
  char hex[SHA_HEX + 1];
  sha256_hex(snap, body, hex);
  snprintf(snap + body, total + 1 - body, "%s%s\n", SNAP_TRAIL, hex);
  size_t lines = 0;
  for (size_t i = (size_t)hl; i < body; i++)
    lines += snap[i] == '\n';

  int rc = write_synced(s, SNAP_TMP, snap, total, err, errlen);
  free(snap);
  if (rc != 0)
    return -1;
  /* Crash here: the tmp file is ignored on load; old snapshot + journal hold. */
  if ((unlinkat(s->dirfd, SNAP_PREV, 0) != 0 && errno != ENOENT) ||
      (linkat(s->dirfd, SNAP, s->dirfd, SNAP_PREV, 0) != 0 && errno != ENOENT)) {
    seterr(err, errlen, "cannot keep %s/%s as %s: %s", s->dir, SNAP, SNAP_PREV, strerror(errno));
    unlinkat(s->dirfd, SNAP_TMP, 0);
    return -1;
  }
  if (renameat(s->dirfd, SNAP_TMP, s->dirfd, SNAP) != 0) {
    seterr(err, errlen, "cannot rename %s/%s: %s", s->dir, SNAP_TMP, strerror(errno));
    unlinkat(s->dirfd, SNAP_TMP, 0);
    return -1;
  }
  /* From here the new snapshot may be what a restart sees, and it makes the
   * old journal obsolete: appending to that journal would be lost, so no
   * commit goes through until the new journal exists.  Pending records are
   * in the snapshot's text. */
  s->gen = gen;
  s->snap_lines = lines;
  s->journal_stale = true;
  s->len = s->pending = 0;
  s->load_problem = false;
  if (sync_dir(s, err, errlen) != 0)
    return -1;
  /* Crash here: the journal's older generation marks it as folded in. */
  return new_journal(s, gen, err, errlen);
}

size_t cfg_store_journal_records(const cfg_store_t *s) {
  return s ? s->records + s->pending : 0;
}
