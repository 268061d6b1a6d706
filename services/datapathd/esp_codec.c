#include "esp_codec.h"

#include <string.h>

#include <openssl/crypto.h>

#include "be32.h"
#include "ipv4_hdr.h"

#define ESP_HDR 8

bool dp_esp_peek(const uint8_t *pkt, size_t len, uint32_t *spi, uint32_t *seq)
{
  if (len < ESP_HDR)
    return false;
  *spi = erx_get_be32(pkt);
  *seq = erx_get_be32(pkt + 4);
  return true;
}

bool dp_esp_encap(dp_sa_t *sa, uint32_t seq, const uint8_t *inner, size_t inner_len, uint8_t *out,
                  size_t out_cap, size_t *out_len)
{
  size_t pad = (sa->block - (inner_len + 2) % sa->block) % sa->block;
  size_t plain = inner_len + pad + 2;
  size_t head = ESP_HDR + sa->iv_len;
  if (inner_len > 0xffff || out_cap < head + plain + sa->icv_len)
    return false;
  erx_put_be32(out, sa->spi);
  erx_put_be32(out + 4, seq);
  uint8_t *iv = out + ESP_HDR, *payload = out + head, *icv = payload + plain;
  if (!dp_next_iv(sa, iv))
    return false;
  memmove(payload, inner, inner_len);
  for (size_t i = 0; i < pad; i++)
    payload[inner_len + i] = (uint8_t)(i + 1);
  payload[inner_len + pad] = (uint8_t)pad;
  payload[inner_len + pad + 1] = DP_NH_IPV4;

  switch (sa->enc->mode) {
  case DP_ENC_GCM:
    /* AAD is SPI|seq (RFC 4106 §5, no ESN) */
    if (!dp_gcm_seal(sa, iv, out, ESP_HDR, payload, plain, payload, icv))
      return false;
    break;
  case DP_ENC_CBC:
    if (!dp_cbc_crypt(sa, true, iv, payload, plain, payload))
      return false;
    break;
  case DP_ENC_NULL:
  case DP_ENC_NONE:
    break;
  }
  if (sa->mac && !(dp_mac_begin(sa) && dp_mac_update(sa, out, head + plain) && dp_mac_end(sa, icv, false)))
    return false;
  *out_len = head + plain + sa->icv_len;
  return true;
}

static dp_drop_t check_trailer(const uint8_t *plain, size_t len, size_t *inner_len, const char **why)
{
  uint8_t pad = plain[len - 2], nh = plain[len - 1];
  if ((size_t)pad + 2 > len)
    DROP(DP_DROP_PAD, "pad length exceeds the payload");
  const uint8_t *p = plain + len - 2 - pad;
  for (unsigned i = 0; i < pad; i++)
    if (p[i] != (uint8_t)(i + 1))
      DROP(DP_DROP_PAD, "padding bytes are not 1, 2, 3, ...");
  if (nh != DP_NH_IPV4)
    DROP(DP_DROP_OTHER, "next header is not IPv4 (4)");
  size_t n = len - 2 - pad, total;
  if (!dp_ipv4_sane(plain, n, &total))
    DROP(DP_DROP_OTHER, "inner IPv4 header is malformed");
  *inner_len = total;
  return DP_OK;
}

dp_drop_t dp_esp_decap(dp_sa_t *sa, const uint8_t *pkt, size_t len, uint8_t *out, size_t out_cap, size_t *out_len,
                       uint32_t *seq, const char **why)
{
  *out_len = 0;
  size_t head = ESP_HDR + sa->iv_len;
  if (len < head + sa->icv_len + 2)
    DROP(DP_DROP_OTHER, "packet too short for ESP");
  size_t ct_len = len - head - sa->icv_len;
  if (erx_get_be32(pkt) != sa->spi)
    DROP(DP_DROP_OTHER, "SPI does not match the SA");
  if (ct_len % sa->block)
    DROP(DP_DROP_DECRYPT, "ciphertext is not a multiple of the block size");
  if (out_cap < ct_len)
    DROP(DP_DROP_OTHER, "output buffer too small");
  *seq = erx_get_be32(pkt + 4);
  const uint8_t *iv = pkt + ESP_HDR, *ct = pkt + head, *icv = ct + ct_len;

  if (sa->mac) {
    uint8_t want[32];
    if (!(dp_mac_begin(sa) && dp_mac_update(sa, pkt, head + ct_len) && dp_mac_end(sa, want, false)))
      DROP(DP_DROP_AUTH, "ICV computation failed");
    if (CRYPTO_memcmp(want, icv, sa->icv_len) != 0)
      DROP(DP_DROP_AUTH, "ICV mismatch");
  }
  switch (sa->enc->mode) {
  case DP_ENC_GCM:
    if (!dp_gcm_open(sa, iv, pkt, ESP_HDR, ct, ct_len, out, icv)) {
      /* GCM decrypts while it authenticates: nothing unauthenticated leaves */
      OPENSSL_cleanse(out, ct_len);
      DROP(DP_DROP_AUTH, "GCM tag mismatch");
    }
    break;
  case DP_ENC_CBC:
    if (!dp_cbc_crypt(sa, false, iv, ct, ct_len, out))
      DROP(DP_DROP_DECRYPT, "decryption failed");
    break;
  case DP_ENC_NULL:
  case DP_ENC_NONE:
    memmove(out, ct, ct_len);
    break;
  }
  dp_drop_t r = check_trailer(out, ct_len, out_len, why);
  if (r != DP_OK)
    *out_len = 0;
  return r;
}
