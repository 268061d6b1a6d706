#include "addr.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool erx_ipv4_parse(const char *s, uint32_t *out)
{
  uint32_t addr = 0;
  for (int octet = 0; octet < 4; octet++) {
    unsigned v = 0;
    int digits = 0;
    while (isdigit((unsigned char)*s)) {
      if (++digits > 3)
        return false;
      v = v * 10 + (unsigned)(*s++ - '0');
    }
    if (digits == 0 || v > 255)
      return false;
    addr = (addr << 8) | v;
    if (octet < 3 && *s++ != '.')
      return false;
  }
  if (*s != '\0')
    return false;
  *out = addr;
  return true;
}

char *erx_ipv4_format(uint32_t a, char *buf)
{
  snprintf(buf, ERX_ADDR_STRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
  return buf;
}

bool erx_mask_valid(uint32_t mask)
{
  uint32_t inv = ~mask;
  /* a contiguous mask's complement is 2^n - 1 */
  return (inv & (inv + 1)) == 0;
}

int erx_mask_len(uint32_t mask)
{
  int n = 0;
  while (mask & 0x80000000u) {
    n++;
    mask <<= 1;
  }
  return n;
}

bool erx_fqdn_valid(const char *s)
{
  size_t len = strlen(s);
  if (len == 0 || len > ERX_FQDN_MAX)
    return false;
  bool all_numeric = true;
  size_t label = 0;
  char prev = '.';
  for (const char *p = s; *p; p++) {
    if (*p == '.') {
      if (label == 0 || prev == '-')
        return false;
      label = 0;
    } else if (isalnum((unsigned char)*p) || *p == '-') {
      if (label == 0 && *p == '-')
        return false;
      if (++label > 63)
        return false;
      if (!isdigit((unsigned char)*p))
        all_numeric = false;
    } else {
      return false;
    }
    prev = *p;
  }
  return label > 0 && prev != '-' && !all_numeric;
}

bool erx_user_fqdn_valid(const char *s)
{
  const char *at = strchr(s, '@');
  if (!at || at == s || strlen(s) > ERX_FQDN_MAX)
    return false;
  for (const char *p = s; p < at; p++)
    if (!isgraph((unsigned char)*p))
      return false;
  return erx_fqdn_valid(at + 1);
}
