#include "udp_encap.h"

dp_udp_kind_t dp_udp_classify(const uint8_t *p, size_t len, const char **why)
{
  if (len == 1 && p[0] == 0xff)
    return DP_UDP_KEEPALIVE;
  if (len < 4) {
    *why = "UDP payload on port 4500 shorter than a non-ESP marker or an SPI";
    return DP_UDP_MALFORMED;
  }
  if (p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0) {
    /* RFC 3947: the marker, then an ISAKMP header (28 bytes) */
    if (len < 4 + 28) {
      *why = "IKE datagram on port 4500 shorter than the marker and an ISAKMP header";
      return DP_UDP_MALFORMED;
    }
    return DP_UDP_IKE;
  }
  /* RFC 3948 §2.2: SPI, sequence number, then at least an IV or payload */
  if (len < 8) {
    *why = "ESP-in-UDP payload shorter than an SPI and a sequence number";
    return DP_UDP_MALFORMED;
  }
  return DP_UDP_ESP;
}

dp_udp_kind_t dp_udp_decap(const uint8_t *pkt, size_t len, const uint8_t **esp, size_t *esp_len, uint16_t *sport,
                           uint16_t *dport, const char **why)
{
  if (len < DP_UDP_HDR) {
    *why = "shorter than a UDP header";
    return DP_UDP_MALFORMED;
  }
  size_t ulen = (size_t)pkt[4] << 8 | pkt[5];
  if (ulen < DP_UDP_HDR || ulen > len) {
    *why = "UDP length field outside the datagram";
    return DP_UDP_MALFORMED;
  }
  *sport = (uint16_t)(pkt[0] << 8 | pkt[1]);
  *dport = (uint16_t)(pkt[2] << 8 | pkt[3]);
  dp_udp_kind_t k = dp_udp_classify(pkt + DP_UDP_HDR, ulen - DP_UDP_HDR, why);
  if (k == DP_UDP_ESP) {
    *esp = pkt + DP_UDP_HDR;
    *esp_len = ulen - DP_UDP_HDR;
  }
  return k;
}

bool dp_udp_encap_hdr(uint8_t out[DP_UDP_HDR], uint16_t sport, uint16_t dport, size_t esp_len)
{
  if (esp_len < 8 || esp_len > 65535 - DP_UDP_HDR - 20)
    return false;
  size_t ulen = esp_len + DP_UDP_HDR;
  out[0] = (uint8_t)(sport >> 8);
  out[1] = (uint8_t)sport;
  out[2] = (uint8_t)(dport >> 8);
  out[3] = (uint8_t)dport;
  out[4] = (uint8_t)(ulen >> 8);
  out[5] = (uint8_t)ulen;
  out[6] = out[7] = 0;
  return true;
}
