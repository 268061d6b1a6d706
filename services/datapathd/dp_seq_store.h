/* Outbound sequence numbers of manual SAs survive a restart.  A manual SA
 * keeps its keys across a datapathd restart, and the peer's replay window
 * would drop everything sent again from 1; so the sender reserves blocks of
 * sequence numbers in <state>/outbound-seq before using them and starts
 * after the last reservation when it comes back (RFC 4303 §3.3.3). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define DP_SEQ_BLOCK (1u << 20)

typedef struct dp_seq_store dp_seq_store_t;

/* Loads the file if present (a line it cannot read is reported in err and
 * skipped, never fatal).  NULL only on allocation failure. */
dp_seq_store_t *dp_seq_store_open(const char *state_dir, char *err, size_t errlen);
void dp_seq_store_close(dp_seq_store_t **s_p);
/* The last reservation for (tunnel key, SPI), 0 if none. */
uint32_t dp_seq_store_get(const dp_seq_store_t *s, const char *tunnel, uint32_t spi);
/* Records a reservation and rewrites the file atomically (fsync, rename).
 * 0, or -1 with err: the caller must not use the reservation then. */
int dp_seq_store_set(dp_seq_store_t *s, const char *tunnel, uint32_t spi, uint32_t reserved, char *err, size_t errlen);
/* Forgets every reservation of a deleted tunnel (the file is rewritten). */
int dp_seq_store_drop(dp_seq_store_t *s, const char *tunnel, char *err, size_t errlen);
