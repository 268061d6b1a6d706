#include "replay_window.h"

#include <string.h>

void dp_replay_init(dp_replay_t *w) { memset(w, 0, sizeof *w); }

static unsigned word_of(uint32_t seq) { return (seq / 64) % DP_REPLAY_WORDS; }

dp_replay_result_t dp_replay_check(const dp_replay_t *w, uint32_t seq)
{
  if (seq == 0)
    return DP_REPLAY_ZERO;
  if (seq > w->top)
    return DP_REPLAY_OK;
  if (w->top - seq >= DP_REPLAY_WINDOW)
    return DP_REPLAY_TOO_OLD;
  return (w->bits[word_of(seq)] >> (seq % 64) & 1) ? DP_REPLAY_DUPLICATE : DP_REPLAY_OK;
}

void dp_replay_update(dp_replay_t *w, uint32_t seq)
{
  if (seq == 0)
    return;
  if (seq > w->top) {
    /* words newer than the old top hold stale bits from a lap ago */
    uint32_t from = w->top / 64, to = seq / 64;
    if (to - from >= DP_REPLAY_WORDS)
      memset(w->bits, 0, sizeof w->bits);
    else
      for (uint32_t b = from + 1; b <= to; b++)
        w->bits[b % DP_REPLAY_WORDS] = 0;
    w->top = seq;
  } else if (w->top - seq >= DP_REPLAY_WINDOW) {
    return;
  }
  w->bits[word_of(seq)] |= UINT64_C(1) << (seq % 64);
}

bool dp_replay_exhausted(const dp_replay_t *w) { return w->top == UINT32_MAX; }

const char *dp_replay_result_name(dp_replay_result_t r)
{
  static const char *const names[] = {"ok", "sequence number 0", "duplicate", "too old"};
  return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

bool dp_seq_next(dp_seq_t *s, uint32_t *seq)
{
  if (s->last == UINT32_MAX)
    return false;
  *seq = ++s->last;
  return true;
}
