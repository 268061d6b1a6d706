/* RFC 4303 §3.4.3 anti-replay window, and the sender's no-wrap rule. */
#include <criterion/criterion.h>

#include "replay_window.h"

/* what the inbound path does: check, (integrity), update */
static dp_replay_result_t accept(dp_replay_t *w, uint32_t seq)
{
  dp_replay_result_t r = dp_replay_check(w, seq);
  if (r == DP_REPLAY_OK)
    dp_replay_update(w, seq);
  return r;
}

Test(replay, in_order_and_duplicate)
{
  dp_replay_t w;
  dp_replay_init(&w);
  cr_expect_eq(accept(&w, 0), DP_REPLAY_ZERO);
  for (uint32_t s = 1; s <= 5000; s++)
    cr_assert_eq(accept(&w, s), DP_REPLAY_OK, "seq %u", s);
  for (uint32_t s = 5000 - DP_REPLAY_WINDOW + 1; s <= 5000; s++)
    cr_assert_eq(accept(&w, s), DP_REPLAY_DUPLICATE, "seq %u", s);
  cr_expect_eq(accept(&w, 5000 - DP_REPLAY_WINDOW), DP_REPLAY_TOO_OLD);
  cr_expect_eq(accept(&w, 1), DP_REPLAY_TOO_OLD);
}

Test(replay, check_does_not_update)
{
  dp_replay_t w;
  dp_replay_init(&w);
  cr_expect_eq(dp_replay_check(&w, 7), DP_REPLAY_OK);
  cr_expect_eq(dp_replay_check(&w, 7), DP_REPLAY_OK, "a packet failing integrity must not burn its number");
  dp_replay_update(&w, 7);
  cr_expect_eq(dp_replay_check(&w, 7), DP_REPLAY_DUPLICATE);
}

Test(replay, reordering_inside_the_window)
{
  dp_replay_t w;
  dp_replay_init(&w);
  cr_expect_eq(accept(&w, 3000), DP_REPLAY_OK);
  for (uint32_t s = 2999; s > 3000 - DP_REPLAY_WINDOW; s -= 3)
    cr_expect_eq(accept(&w, s), DP_REPLAY_OK, "seq %u", s);
  for (uint32_t s = 2999; s > 3000 - DP_REPLAY_WINDOW; s -= 3)
    cr_expect_eq(accept(&w, s), DP_REPLAY_DUPLICATE, "seq %u", s);
  cr_expect_eq(accept(&w, 2998), DP_REPLAY_OK);
  cr_expect_eq(accept(&w, 3000 - DP_REPLAY_WINDOW + 1), DP_REPLAY_OK, "left edge of the window");
  cr_expect_eq(accept(&w, 3000 - DP_REPLAY_WINDOW), DP_REPLAY_TOO_OLD);
}

Test(replay, far_ahead_shifts_the_window)
{
  dp_replay_t w;
  dp_replay_init(&w);
  for (uint32_t s = 1; s <= 100; s++)
    accept(&w, s);
  cr_expect_eq(accept(&w, 100 + 10 * DP_REPLAY_WINDOW), DP_REPLAY_OK);
  cr_expect_eq(accept(&w, 100), DP_REPLAY_TOO_OLD);
  /* bits from a lap ago must not read as duplicates */
  uint32_t top = 100 + 10 * DP_REPLAY_WINDOW;
  for (uint32_t s = top - DP_REPLAY_WINDOW + 1; s < top; s++)
    cr_assert_eq(accept(&w, s), DP_REPLAY_OK, "seq %u", s);
  cr_expect_eq(accept(&w, top + 70), DP_REPLAY_OK); /* a jump within one word */
  cr_expect_eq(accept(&w, top + 3 * 64), DP_REPLAY_OK);
  cr_expect_eq(accept(&w, top + 69), DP_REPLAY_OK);
  cr_expect_eq(accept(&w, top + 70), DP_REPLAY_DUPLICATE);
}

Test(replay, ring_laps_do_not_alias)
{
  /* every step of 1..2*ring words lands on a recycled word sooner or later */
  for (uint32_t step = 1; step <= 2 * DP_REPLAY_WORDS * 64; step += 37) {
    dp_replay_t w;
    dp_replay_init(&w);
    for (uint32_t s = step; s < 40 * DP_REPLAY_WINDOW; s += step) {
      cr_assert_eq(accept(&w, s), DP_REPLAY_OK, "step %u seq %u", step, s);
      if (s > step)
        cr_assert_eq(dp_replay_check(&w, s - step), s - step + DP_REPLAY_WINDOW > s ? DP_REPLAY_DUPLICATE : DP_REPLAY_TOO_OLD);
      if (step > 1 && s + 1 < s + step)
        cr_assert_eq(dp_replay_check(&w, s - 1), s - 1 == 0 ? DP_REPLAY_ZERO : DP_REPLAY_OK, "step %u seq %u", step, s);
    }
  }
}

Test(replay, no_wrap)
{
  dp_replay_t w;
  dp_replay_init(&w);
  cr_expect_eq(accept(&w, UINT32_MAX - 1), DP_REPLAY_OK);
  cr_expect_not(dp_replay_exhausted(&w));
  cr_expect_eq(accept(&w, UINT32_MAX), DP_REPLAY_OK);
  cr_expect(dp_replay_exhausted(&w));
  cr_expect_eq(accept(&w, UINT32_MAX), DP_REPLAY_DUPLICATE);
  cr_expect_eq(accept(&w, 0), DP_REPLAY_ZERO, "a wrapped sender is refused");
  cr_expect_eq(accept(&w, 1), DP_REPLAY_TOO_OLD);

  dp_seq_t s = {0};
  uint32_t seq = 0;
  cr_expect(dp_seq_next(&s, &seq));
  cr_expect_eq(seq, 1);
  s.last = UINT32_MAX - 1;
  cr_expect(dp_seq_next(&s, &seq));
  cr_expect_eq(seq, UINT32_MAX);
  cr_expect_not(dp_seq_next(&s, &seq), "sender wrapped past 2^32-1");
  cr_expect_not(dp_seq_next(&s, &seq));
  cr_expect_eq(seq, UINT32_MAX);
}
