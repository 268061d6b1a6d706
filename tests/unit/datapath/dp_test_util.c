#include "dp_test_util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "ipv4_hdr.h"

size_t dpt_unhex(const char *hex, uint8_t *out, size_t cap)
{
  size_t n = 0;
  for (const char *p = hex; *p;) {
    if (*p == ' ') {
      p++;
      continue;
    }
    unsigned v;
    cr_assert(sscanf(p, "%2x", &v) == 1, "bad hex at %s", p);
    cr_assert(n < cap);
    out[n++] = (uint8_t)v;
    p += 2;
  }
  return n;
}

dp_sa_t *dpt_sa(const erx_transform_info_t *xf, uint32_t spi, uint8_t seed)
{
  uint8_t ek[64], ak[64];
  for (unsigned i = 0; i < sizeof ek; i++) {
    ek[i] = (uint8_t)(seed + i * 7);
    ak[i] = (uint8_t)(seed * 3 + i * 13 + 1);
  }
  char err[160] = "";
  dp_sa_t *sa = dp_sa_new(xf, spi, ek, xf->enc_key_len, ak, xf->auth_key_len, err, sizeof err);
  cr_assert(sa, "%s: %s", xf->keyword, err);
  return sa;
}

void dpt_inner(uint8_t *p, size_t len, uint8_t fill)
{
  memset(p, fill, len);
  p[0] = 0x45;
  p[1] = 0;
  p[2] = (uint8_t)(len >> 8);
  p[3] = (uint8_t)len;
  p[8] = 64;
  p[9] = 1;
  p[10] = p[11] = 0;
  uint16_t sum = dp_ipv4_checksum(p, DP_IPV4_HDR);
  p[10] = (uint8_t)(sum >> 8);
  p[11] = (uint8_t)sum;
}
