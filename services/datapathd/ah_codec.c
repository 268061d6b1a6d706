#include "ah_codec.h"

#include <string.h>

#include <openssl/crypto.h>

#include "be32.h"
#include "esp_codec.h"
#include "ipv4_hdr.h"

#define AH_FIXED 12
#define AH_MAX_ICV 32

/* The ICV input, with every field RFC 4302 §3.3.3.1.1 calls mutable zeroed. */
static bool ah_icv(dp_sa_t *sa, const uint8_t *ip, const uint8_t *ah, const uint8_t *inner, size_t inner_len,
                   uint8_t *icv)
{
  uint8_t hdr[DP_IPV4_HDR], zeros[AH_MAX_ICV] = {0};
  memcpy(hdr, ip, sizeof hdr);
  hdr[1] = 0;                   /* TOS */
  hdr[6] = hdr[7] = 0;          /* flags, fragment offset */
  hdr[8] = 0;                   /* TTL */
  hdr[10] = hdr[11] = 0;        /* checksum */
  return dp_mac_begin(sa) && dp_mac_update(sa, hdr, sizeof hdr) && dp_mac_update(sa, ah, AH_FIXED) &&
         dp_mac_update(sa, zeros, sa->icv_len) && dp_mac_update(sa, inner, inner_len) &&
         dp_mac_end(sa, icv, false);
}

bool dp_ah_encap(dp_sa_t *sa, uint32_t seq, const dp_ah_outer_t *outer, const uint8_t *inner, size_t inner_len,
                 uint8_t *out, size_t out_cap, size_t *out_len)
{
  size_t ah_len = AH_FIXED + sa->icv_len, total = DP_IPV4_HDR + ah_len + inner_len;
  if (!sa->mac || total > 0xffff || out_cap < total)
    return false;
  uint8_t *ah = out + DP_IPV4_HDR;
  memmove(ah + ah_len, inner, inner_len);
  out[0] = 0x45;
  out[1] = 0;
  out[2] = (uint8_t)(total >> 8);
  out[3] = (uint8_t)total;
  out[4] = (uint8_t)(outer->id >> 8);
  out[5] = (uint8_t)outer->id;
  out[6] = out[7] = 0;
  out[8] = outer->ttl;
  out[9] = ERX_PROTO_AH;
  out[10] = out[11] = 0;
  erx_put_be32(out + 12, outer->src);
  erx_put_be32(out + 16, outer->dst);
  uint16_t sum = dp_ipv4_checksum(out, DP_IPV4_HDR);
  out[10] = (uint8_t)(sum >> 8);
  out[11] = (uint8_t)sum;

  ah[0] = DP_NH_IPV4;
  ah[1] = (uint8_t)(ah_len / 4 - 2); /* RFC 4302 §2.2: 32-bit words minus 2 */
  ah[2] = ah[3] = 0;
  erx_put_be32(ah + 4, sa->spi);
  erx_put_be32(ah + 8, seq);
  if (!ah_icv(sa, out, ah, ah + ah_len, inner_len, ah + AH_FIXED))
    return false;
  *out_len = total;
  return true;
}

dp_drop_t dp_ah_decap(dp_sa_t *sa, const uint8_t *pkt, size_t len, uint8_t *out, size_t out_cap, size_t *out_len,
                      uint32_t *seq, const char **why)
{
  *out_len = 0;
  size_t total;
  if (!sa->mac || sa->icv_len > AH_MAX_ICV)
    DROP(DP_DROP_OTHER, "SA has no AH authentication");
  if (!dp_ipv4_sane(pkt, len, &total))
    DROP(DP_DROP_OTHER, "outer IPv4 header is malformed");
  /* options would each need their own mutability rule; we never send any */
  if ((pkt[0] & 0x0f) != 5)
    DROP(DP_DROP_OTHER, "outer IPv4 options are not supported");
  if (pkt[9] != ERX_PROTO_AH)
    DROP(DP_DROP_OTHER, "outer protocol is not AH");
  size_t ah_len = AH_FIXED + sa->icv_len;
  if (total < DP_IPV4_HDR + ah_len)
    DROP(DP_DROP_OTHER, "packet too short for AH");
  const uint8_t *ah = pkt + DP_IPV4_HDR, *inner = ah + ah_len;
  size_t inner_len = total - DP_IPV4_HDR - ah_len;
  if ((size_t)(ah[1] + 2) * 4 != ah_len)
    DROP(DP_DROP_OTHER, "AH payload length does not match the ICV size");
  if (erx_get_be32(ah + 4) != sa->spi)
    DROP(DP_DROP_OTHER, "SPI does not match the SA");
  *seq = erx_get_be32(ah + 8);

  uint8_t want[AH_MAX_ICV];
  if (!ah_icv(sa, pkt, ah, inner, inner_len, want))
    DROP(DP_DROP_AUTH, "ICV computation failed");
  if (CRYPTO_memcmp(want, ah + AH_FIXED, sa->icv_len) != 0)
    DROP(DP_DROP_AUTH, "ICV mismatch");
  if (ah[0] != DP_NH_IPV4)
    DROP(DP_DROP_OTHER, "next header is not IPv4 (4)");
  size_t inner_total;
  if (!dp_ipv4_sane(inner, inner_len, &inner_total))
    DROP(DP_DROP_OTHER, "inner IPv4 header is malformed");
  if (out_cap < inner_total)
    DROP(DP_DROP_OTHER, "output buffer too small");
  memmove(out, inner, inner_total);
  *out_len = inner_total;
  return DP_OK;
}
