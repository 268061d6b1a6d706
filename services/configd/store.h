/* Durable running configuration: a snapshot file plus a journal.
 *
 * <state>/running.cfg   canonical CLI text (what show configuration prints),
 *                       first line "! erx-ipsec running configuration generation G",
 *                       last line "! end sha256 <hex of everything before this line>".
 *                       Replaced atomically: write running.cfg.tmp, fsync, keep the
 *                       old one as running.cfg.prev (link), rename, fsync the dir.
 * <state>/journal       records appended since that snapshot:
 *                       header record "generation G", then one record per accepted
 *                       change:  be32 payload length | be32 CRC-32C of payload | payload
 *                       (CRC-32C = Castagnoli, table-driven in store.c: no new
 *                       dependency; payload 1..64 KiB, every length is checked)
 *                       payload = "<ctx>\t<canonical line>" (ctx: see cfgd's session
 *                       encoding, opaque here).  One fsync per commit.
 *
 * Load: the snapshot (running.cfg; if its checksum fails, report it loudly,
 * keep it as running.cfg.damaged-<unix time> and use running.cfg.prev), then
 * the journal's records if its generation matches (a smaller generation means
 * the journal was already folded into the snapshot: skip it; a larger one,
 * only possible after falling back to .prev, is replayed with a report).  A torn last record (crash during append) is reported
 * and cut off; a corrupt record in the middle stops the replay there, the
 * damaged journal is kept as journal.damaged-<unix time> and reported.  Never
 * silently empties the configuration.  No cleartext secret is ever given to
 * the store: callers pass canonical lines with masked keys. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

typedef struct cfg_store cfg_store_t;

/* Snapshot lines: ctx == NULL (the caller replays them as a file, top to bottom).
 * Journal records: ctx = the record's ctx string.  Return 0; a non-zero return is
 * reported with the line and replay continues. */
typedef int (*cfg_store_replay_fn)(void *arg, const char *ctx, const char *line);
/* Where to report load problems (also logged).  May be NULL. */
typedef void (*cfg_store_report_fn)(void *arg, const char *problem);

/* Creates state_dir (one level, 0700) if missing and takes an exclusive lock
 * (<state>/lock) so two processes never append to one journal. */
cfg_store_t *cfg_store_open(const char *state_dir, char *err, size_t errlen);
void cfg_store_close(cfg_store_t **s_p);

/* Replays what is on disk and leaves the journal open for appending. Returns
 * 0, or -1 if the state directory cannot be used at all (err set). */
int cfg_store_load(cfg_store_t *s, cfg_store_replay_fn replay, cfg_store_report_fn report, void *arg, char *err,
                   size_t errlen);

/* Buffers one record (written by cfg_store_commit).  ctx must not contain
 * '\t' or '\n'; line must not contain '\n'. Returns 0 or -1. */
int cfg_store_append(cfg_store_t *s, const char *ctx, const char *line);
/* Writes buffered records and fsyncs.  Only after it returns 0 may the
 * changes be acknowledged.  Returns 0 or -1 (errno; err set).  On failure the
 * buffered records are dropped and the journal is cut back to the last
 * commit (if even that fails, commits are refused until a compaction). */
int cfg_store_commit(cfg_store_t *s, char *err, size_t errlen);
/* True when the journal has grown past the compaction threshold
 * (records > 2 * snapshot lines + 10000, or > 8 MiB). */
bool cfg_store_wants_compaction(const cfg_store_t *s);
/* Writes text (the canonical configuration, without the header and trailer
 * lines, which the store adds) as the new snapshot generation G+1 and starts an
 * empty journal of generation G+1.  Crash-safe at every step.  Records appended
 * but not committed are taken to be part of text and dropped. */
int cfg_store_compact(cfg_store_t *s, const char *text, char *err, size_t errlen);
size_t cfg_store_journal_records(const cfg_store_t *s);
