/* RFC 4303 §3.4.3 anti-replay, 32-bit sequence numbers (no ESN).  Receiver:
 * check before integrity (cheap reject), update only after it passed.  The
 * bitmap is a ring (RFC 6479) twice the window, so advancing never shifts. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define DP_REPLAY_WINDOW 1024u
#define DP_REPLAY_WORDS (2 * DP_REPLAY_WINDOW / 64)

typedef enum {
  DP_REPLAY_OK = 0,
  DP_REPLAY_ZERO,      /* sequence number 0 is never sent */
  DP_REPLAY_DUPLICATE, /* already received */
  DP_REPLAY_TOO_OLD,   /* left of the window */
} dp_replay_result_t;

typedef struct dp_replay {
  uint32_t top; /* highest sequence number accepted, 0 = none yet */
  uint64_t bits[DP_REPLAY_WORDS];
} dp_replay_t;

void dp_replay_init(dp_replay_t *w);
dp_replay_result_t dp_replay_check(const dp_replay_t *w, uint32_t seq);
/* Call only for a packet that passed dp_replay_check and the ICV. */
void dp_replay_update(dp_replay_t *w, uint32_t seq);
/* The peer has sent 2^32-1: nothing newer can come, the SA must be rekeyed. */
bool dp_replay_exhausted(const dp_replay_t *w);
const char *dp_replay_result_name(dp_replay_result_t r);

/* Sender: 1, 2, ... 2^32-1, then false for ever (no wrap: rekey). */
typedef struct dp_seq {
  uint32_t last;
} dp_seq_t;

bool dp_seq_next(dp_seq_t *s, uint32_t *seq);
