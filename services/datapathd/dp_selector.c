#include "dp_selector.h"

#include <stdio.h>
#include <string.h>

#include "addr.h"

bool dp_range_from_identity(const Erx__Cfg__Identity *id, dp_range_t *r, char *err, size_t errlen)
{
  r->lo = 0;
  r->hi = UINT32_MAX;
  if (!id || !id->addr1 || !id->addr1[0])
    return true;
  uint32_t a1, a2 = 0;
  if (!erx_ipv4_parse(id->addr1, &a1)) {
    snprintf(err, errlen, "identity address '%s' is not an IPv4 address", id->addr1);
    return false;
  }
  bool need2 = id->type != ERX__CFG__IDENTITY_TYPE__ID_ADDRESS;
  if (need2 && (!id->addr2 || !erx_ipv4_parse(id->addr2, &a2))) {
    snprintf(err, errlen, "identity %s lacks a valid second address", id->addr1);
    return false;
  }
  switch (id->type) {
  case ERX__CFG__IDENTITY_TYPE__ID_ADDRESS:
    r->lo = r->hi = a1;
    return true;
  case ERX__CFG__IDENTITY_TYPE__ID_SUBNET:
    if (!erx_mask_valid(a2)) {
      snprintf(err, errlen, "identity mask %s is not contiguous", id->addr2);
      return false;
    }
    r->lo = a1 & a2;
    r->hi = r->lo | ~a2;
    return true;
  case ERX__CFG__IDENTITY_TYPE__ID_RANGE:
    if (a2 < a1) {
      snprintf(err, errlen, "identity range %s-%s is reversed", id->addr1, id->addr2);
      return false;
    }
    r->lo = a1;
    r->hi = a2;
    return true;
  default:
    snprintf(err, errlen, "unknown identity type %d", (int)id->type);
    return false;
  }
}

size_t dp_range_prefixes(const dp_range_t *r, uint32_t *nets, uint32_t *masks, size_t cap)
{
  size_t n = 0;
  uint64_t lo = r->lo, hi = r->hi;
  while (lo <= hi) {
    /* the largest aligned block starting at lo that stays within hi */
    unsigned bits = 0;
    while (bits < 32) {
      uint64_t size = 1ull << (bits + 1);
      if ((lo & (size - 1)) != 0 || lo + size - 1 > hi)
        break;
      bits++;
    }
    if (n < cap) {
      nets[n] = (uint32_t)lo;
      masks[n] = bits == 32 ? 0 : ~((1u << bits) - 1);
    }
    n++;
    lo += 1ull << bits;
  }
  return n;
}
