#include "ipv4_hdr.h"

bool dp_ipv4_sane(const uint8_t *p, size_t len, size_t *total)
{
  if (len < DP_IPV4_HDR || p[0] >> 4 != 4)
    return false;
  size_t ihl = (size_t)(p[0] & 0x0f) * 4;
  size_t tot = (size_t)p[2] << 8 | p[3];
  if (ihl < DP_IPV4_HDR || ihl > len || tot < ihl || tot > len)
    return false;
  *total = tot;
  return true;
}

uint16_t dp_ipv4_checksum(const uint8_t *hdr, size_t len)
{
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2)
    sum += (uint32_t)hdr[i] << 8 | hdr[i + 1];
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}
