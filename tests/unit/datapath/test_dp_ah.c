/* AH tunnel mode: round trips, and the mutable/immutable split of the outer
 * IPv4 header (RFC 4302 §3.3.3.1.1.1). */
#include <criterion/criterion.h>
#include <string.h>

#include "ah_codec.h"
#include "dp_test_util.h"

static dp_sa_t *ah_sa(const char *kw, uint8_t seed) { return dpt_sa(erx_transform_by_keyword(kw), 0xa0a0, seed); }

static size_t build(dp_sa_t *tx, uint8_t *pkt, size_t cap, uint8_t *inner, size_t inner_len)
{
  dp_ah_outer_t o = {.src = 0x0a000001, .dst = 0x0a000002, .ttl = 64, .id = 0x1234};
  size_t n;
  dpt_inner(inner, inner_len, 0x33);
  cr_assert(dp_ah_encap(tx, 77, &o, inner, inner_len, pkt, cap, &n));
  return n;
}

Test(ah, round_trip)
{
  const char *const kws[] = {"ah-hmac-md5", "ah-hmac-sha"};
  for (int k = 0; k < 2; k++) {
    dp_sa_t *tx = ah_sa(kws[k], 9), *rx = ah_sa(kws[k], 9);
    uint8_t inner[300], pkt[512], back[512];
    size_t n = build(tx, pkt, sizeof pkt, inner, sizeof inner), m;
    uint32_t seq;
    const char *why = NULL;
    cr_expect_eq(n, 20 + 24 + sizeof inner);
    cr_expect_eq(pkt[9], 51);
    cr_expect_eq(pkt[20], 4);
    cr_expect_eq(pkt[21], 4); /* (12 + 12) / 4 - 2 */
    cr_assert_eq(dp_ah_decap(rx, pkt, n, back, sizeof back, &m, &seq, &why), DP_OK, "%s", why);
    cr_expect_eq(seq, 77);
    cr_expect_eq(m, sizeof inner);
    cr_expect(memcmp(back, inner, m) == 0);
    dp_sa_free(tx);
    dp_sa_free(rx);
  }
}

Test(ah, mutable_fields_do_not_count)
{
  dp_sa_t *tx = ah_sa("ah-hmac-sha", 1), *rx = ah_sa("ah-hmac-sha", 1);
  uint8_t inner[64], pkt[256], back[256];
  size_t n = build(tx, pkt, sizeof pkt, inner, sizeof inner), m;
  uint32_t seq;
  const char *why = NULL;
  pkt[1] = 0xb8;            /* TOS / DSCP re-marked */
  pkt[6] = 0x40;            /* DF set on the way */
  pkt[8] = 3;               /* TTL decremented */
  pkt[10] ^= 0xff;          /* checksum rewritten */
  pkt[11] ^= 0x0f;
  cr_expect_eq(dp_ah_decap(rx, pkt, n, back, sizeof back, &m, &seq, &why), DP_OK, "%s", why);
  dp_sa_free(tx);
  dp_sa_free(rx);
}

Test(ah, immutable_fields_are_auth)
{
  dp_sa_t *tx = ah_sa("ah-hmac-md5", 2), *rx = ah_sa("ah-hmac-md5", 2);
  uint8_t inner[64], pkt[256], back[256];
  size_t n = build(tx, pkt, sizeof pkt, inner, sizeof inner), m;
  uint32_t seq;
  const char *why;
  for (size_t i = 0; i < n; i++) {
    if (i == 1 || i == 6 || i == 7 || i == 8 || i == 10 || i == 11)
      continue;
    for (int b = 0; b < 8; b++) {
      pkt[i] ^= (uint8_t)(1 << b);
      dp_drop_t r = dp_ah_decap(rx, pkt, n, back, sizeof back, &m, &seq, &why);
      /* structure (version, length, protocol, AH length, SPI) fails before
       * the ICV as malformed; everything else the ICV covers */
      bool structural = i == 0 || i == 2 || i == 3 || i == 9 || i == 21 || (i >= 24 && i < 28);
      if (structural)
        cr_expect_neq(r, DP_OK, "byte %zu bit %d accepted", i, b);
      else
        cr_expect_eq(r, DP_DROP_AUTH, "byte %zu bit %d: %s", i, b, dp_drop_name(r));
      pkt[i] ^= (uint8_t)(1 << b);
    }
  }
  cr_expect_eq(dp_ah_decap(rx, pkt, n, back, sizeof back, &m, &seq, &why), DP_OK);
  dp_sa_free(tx);
  dp_sa_free(rx);
}

Test(ah, lengths_checked)
{
  dp_sa_t *tx = ah_sa("ah-hmac-sha", 3), *rx = ah_sa("ah-hmac-sha", 3);
  uint8_t inner[64], pkt[256], back[256];
  size_t n = build(tx, pkt, sizeof pkt, inner, sizeof inner), m;
  uint32_t seq;
  const char *why;
  for (size_t len = 0; len < n; len++)
    cr_expect_neq(dp_ah_decap(rx, pkt, len, back, sizeof back, &m, &seq, &why), DP_OK, "len %zu", len);
  cr_expect_eq(dp_ah_decap(rx, pkt, n, back, 10, &m, &seq, &why), DP_DROP_OTHER);
  cr_expect_not(dp_ah_encap(tx, 1, &(dp_ah_outer_t){0}, inner, sizeof inner, pkt, n - 1, &m));
  dp_sa_free(tx);
  dp_sa_free(rx);
}
