/* ESP tunnel mode: round trips for every ESP transform, and each drop reason
 * reached by a packet built for it. */
#include <criterion/criterion.h>
#include <string.h>

#include "be32.h"
#include "dp_test_util.h"
#include "esp_codec.h"

#define FOR_EACH_ESP(xf)                                                                         \
  for (const erx_transform_info_t *xf = erx_transforms; xf < erx_transforms + erx_transform_count; \
       xf++)                                                                                     \
    if (xf->proto == ERX_PROTO_ESP)

static const size_t sizes[] = {20, 21, 22, 23, 24, 31, 32, 33, 64, 100, 255, 1400};

Test(esp, round_trip_every_transform)
{
  FOR_EACH_ESP(xf)
  {
    dp_sa_t *tx = dpt_sa(xf, 0xc0ffee, 7), *rx = dpt_sa(xf, 0xc0ffee, 7);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      uint8_t inner[1500], pkt[1600], back[1600];
      size_t n, m;
      uint32_t seq = 0;
      const char *why = NULL;
      dpt_inner(inner, sizes[s], (uint8_t)s);
      cr_assert(dp_esp_encap(tx, (uint32_t)s + 1, inner, sizes[s], pkt, sizeof pkt, &n), "%s", xf->keyword);
      cr_expect_leq(n, sizes[s] + dp_sa_esp_overhead(tx));
      cr_expect_eq((n - 8 - tx->iv_len - tx->icv_len) % tx->block, 0);
      dp_drop_t r = dp_esp_decap(rx, pkt, n, back, sizeof back, &m, &seq, &why);
      cr_assert_eq(r, DP_OK, "%s size %zu: %s", xf->keyword, sizes[s], why);
      cr_expect_eq(m, sizes[s]);
      cr_expect_eq(seq, s + 1);
      cr_expect(memcmp(back, inner, m) == 0, "%s payload differs", xf->keyword);
    }
    dp_sa_free(tx);
    dp_sa_free(rx);
  }
}

Test(esp, every_flipped_bit_is_auth)
{
  FOR_EACH_ESP(xf)
  {
    if (!xf->auth && strstr(xf->enc, "gcm") == NULL)
      continue;
    dp_sa_t *tx = dpt_sa(xf, 0x100, 3), *rx = dpt_sa(xf, 0x100, 3);
    uint8_t inner[60], pkt[256], back[256];
    size_t n, m;
    uint32_t seq;
    const char *why;
    dpt_inner(inner, sizeof inner, 0x11);
    cr_assert(dp_esp_encap(tx, 9, inner, sizeof inner, pkt, sizeof pkt, &n));
    /* the SPI selects the SA, so its bits are the caller's (wrong SPI: OTHER) */
    for (size_t bit = 32; bit < n * 8; bit++) {
      pkt[bit / 8] ^= (uint8_t)(1u << bit % 8);
      dp_drop_t r = dp_esp_decap(rx, pkt, n, back, sizeof back, &m, &seq, &why);
      cr_expect_eq(r, DP_DROP_AUTH, "%s bit %zu: %s (%s)", xf->keyword, bit, dp_drop_name(r), why);
      cr_expect_eq(m, 0);
      pkt[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    cr_expect_eq(dp_esp_decap(rx, pkt, n, back, sizeof back, &m, &seq, &why), DP_OK);
    pkt[0] ^= 1;
    cr_expect_eq(dp_esp_decap(rx, pkt, n, back, sizeof back, &m, &seq, &why), DP_DROP_OTHER);
    dp_sa_free(tx);
    dp_sa_free(rx);
  }
}

/* Seals a caller-built payload (trailer included) exactly as dp_esp_encap
 * would, so padding and next-header faults arrive authenticated. */
static size_t seal_raw(dp_sa_t *sa, uint32_t seq, const uint8_t *plain, size_t len, uint8_t *pkt)
{
  erx_put_be32(pkt, sa->spi);
  erx_put_be32(pkt + 4, seq);
  uint8_t *iv = pkt + 8, *ct = iv + sa->iv_len, *icv = ct + len;
  cr_assert(dp_next_iv(sa, iv));
  if (sa->enc->mode == DP_ENC_GCM)
    cr_assert(dp_gcm_seal(sa, iv, pkt, 8, plain, len, ct, icv));
  else if (sa->enc->mode == DP_ENC_CBC)
    cr_assert(dp_cbc_crypt(sa, true, iv, plain, len, ct));
  else
    memcpy(ct, plain, len);
  if (sa->mac)
    cr_assert(dp_mac_begin(sa) && dp_mac_update(sa, pkt, 8 + sa->iv_len + len) && dp_mac_end(sa, icv, false));
  return 8 + sa->iv_len + len + sa->icv_len;
}

static dp_drop_t decap_plain(const char *kw, const uint8_t *plain, size_t len, const char **why)
{
  const erx_transform_info_t *xf = erx_transform_by_keyword(kw);
  dp_sa_t *tx = dpt_sa(xf, 0x200, 5), *rx = dpt_sa(xf, 0x200, 5);
  uint8_t pkt[512], back[512];
  size_t n = seal_raw(tx, 1, plain, len, pkt), m;
  uint32_t seq;
  dp_drop_t r = dp_esp_decap(rx, pkt, n, back, sizeof back, &m, &seq, why);
  dp_sa_free(tx);
  dp_sa_free(rx);
  return r;
}

static const char *const trailer_kws[] = {"esp-aes128-hmac-sha", "esp-3des-hmac-md5", "esp-aes256-gcm",
                                          "esp-null-hmac-sha", "esp-des"};

Test(esp, bad_padding_is_pad)
{
  for (size_t k = 0; k < sizeof trailer_kws / sizeof trailer_kws[0]; k++) {
    uint8_t plain[48];
    const char *why;
    dpt_inner(plain, 40, 0);
    for (int i = 0; i < 6; i++)
      plain[40 + i] = (uint8_t)(i + 1);
    plain[46] = 6;
    plain[47] = 4;
    cr_expect_eq(decap_plain(trailer_kws[k], plain, 48, &why), DP_OK, "%s: %s", trailer_kws[k], why);
    plain[43] = 9; /* 1,2,3,9,5,6 */
    cr_expect_eq(decap_plain(trailer_kws[k], plain, 48, &why), DP_DROP_PAD, "%s", trailer_kws[k]);
    plain[43] = 4;
    plain[46] = 47; /* longer than the payload */
    cr_expect_eq(decap_plain(trailer_kws[k], plain, 48, &why), DP_DROP_PAD, "%s", trailer_kws[k]);
  }
}

Test(esp, wrong_next_header_and_inner_header_are_other)
{
  for (size_t k = 0; k < sizeof trailer_kws / sizeof trailer_kws[0]; k++) {
    uint8_t plain[48];
    const char *why;
    dpt_inner(plain, 46, 0);
    plain[46] = 0;
    plain[47] = 41; /* IPv6 */
    cr_expect_eq(decap_plain(trailer_kws[k], plain, 48, &why), DP_DROP_OTHER, "%s", trailer_kws[k]);
    cr_expect(strstr(why, "next header") != NULL, "%s", why);
    plain[47] = 4;
    plain[0] = 0x65; /* version 6 */
    cr_expect_eq(decap_plain(trailer_kws[k], plain, 48, &why), DP_DROP_OTHER);
    plain[0] = 0x44; /* IHL 4 */
    cr_expect_eq(decap_plain(trailer_kws[k], plain, 48, &why), DP_DROP_OTHER);
    plain[0] = 0x45;
    plain[2] = 0;
    plain[3] = 47; /* total length beyond the payload */
    cr_expect_eq(decap_plain(trailer_kws[k], plain, 48, &why), DP_DROP_OTHER);
    cr_expect(strstr(why, "inner") != NULL, "%s", why);
  }
}

Test(esp, tfc_padding_after_inner_is_trimmed)
{
  uint8_t plain[48];
  const char *why;
  dpt_inner(plain, 30, 0); /* 16 bytes of TFC padding follow the inner packet */
  plain[46] = 0;
  plain[47] = 4;
  cr_expect_eq(decap_plain("esp-aes128-gcm", plain, 48, &why), DP_OK, "%s", why);
}

Test(esp, lengths_checked_first)
{
  const erx_transform_info_t *xf = erx_transform_by_keyword("esp-aes128-hmac-sha256");
  dp_sa_t *tx = dpt_sa(xf, 0x300, 2), *rx = dpt_sa(xf, 0x300, 2);
  uint8_t inner[100], pkt[256], back[256];
  size_t n, m;
  uint32_t seq;
  const char *why;
  dpt_inner(inner, sizeof inner, 0x22);
  cr_assert(dp_esp_encap(tx, 1, inner, sizeof inner, pkt, sizeof pkt, &n));
  for (size_t len = 0; len < 8 + 16 + 16 + 2; len++)
    cr_expect_eq(dp_esp_decap(rx, pkt, len, back, sizeof back, &m, &seq, &why), DP_DROP_OTHER, "len %zu", len);
  cr_expect_eq(dp_esp_decap(rx, pkt, n - 1, back, sizeof back, &m, &seq, &why), DP_DROP_DECRYPT, "%s", why);
  cr_expect_eq(dp_esp_decap(rx, pkt, n - 16, back, sizeof back, &m, &seq, &why), DP_DROP_AUTH, "%s", why);
  cr_expect_eq(dp_esp_decap(rx, pkt, n, back, 50, &m, &seq, &why), DP_DROP_OTHER, "small out buffer");
  cr_expect_not(dp_esp_encap(tx, 2, inner, sizeof inner, pkt, n - 1, &m), "encap past out_cap");
  cr_expect(dp_esp_encap(tx, 2, inner, sizeof inner, pkt, n, &m));
  dp_sa_free(tx);
  dp_sa_free(rx);
}

Test(esp, ivs_never_repeat)
{
  const char *const kws[] = {"esp-aes128-gcm", "esp-aes128-hmac-sha", "esp-3des-hmac-sha"};
  for (size_t k = 0; k < 3; k++) {
    dp_sa_t *tx = dpt_sa(erx_transform_by_keyword(kws[k]), 0x400, 4);
    uint8_t inner[40], a[128], b[128];
    size_t n;
    dpt_inner(inner, sizeof inner, 0);
    cr_assert(dp_esp_encap(tx, 1, inner, sizeof inner, a, sizeof a, &n));
    for (int i = 0; i < 100; i++) {
      /* same seq on purpose: the IV does not depend on the caller */
      cr_assert(dp_esp_encap(tx, 1, inner, sizeof inner, b, sizeof b, &n));
      cr_expect(memcmp(a + 8, b + 8, tx->iv_len) != 0, "%s IV repeated", kws[k]);
    }
    if (tx->enc->mode == DP_ENC_GCM) {
      tx->gcm_iv = UINT64_MAX - 1;
      cr_expect(dp_esp_encap(tx, 2, inner, sizeof inner, b, sizeof b, &n));
      cr_expect_not(dp_esp_encap(tx, 3, inner, sizeof inner, b, sizeof b, &n), "GCM IV counter wrapped");
    }
    dp_sa_free(tx);
  }
}

Test(esp, des_fails_clearly_without_legacy_only)
{
  char err[160] = "";
  uint8_t k[24] = {1}, a[20] = {2};
  dp_sa_t *sa = dp_sa_new(erx_transform_by_keyword("esp-des-hmac-sha"), 1, k, 8, a, 20, err, sizeof err);
  if (dp_crypto_legacy_available())
    cr_expect_not_null(sa, "%s", err);
  else
    cr_expect(strstr(err, "legacy") != NULL, "%s", err);
  dp_sa_free(sa);
}
