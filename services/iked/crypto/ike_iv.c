#include "ike_iv.h"

#include <string.h>

/* hash(a | b) truncated to block bytes */
static bool hash_iv(ike_hash_t h, size_t block, const ike_chunk_t parts[2], ike_iv_t *out)
{
  uint8_t d[IKE_MAX_HASH];
  if (block == 0 || block > IKE_MAX_BLOCK || ike_hash_len(h) < block || !ike_hash(h, parts, 2, d))
    return false;
  memcpy(out->b, d, block);
  out->len = block;
  return true;
}

bool ike_iv_phase1(ike_hash_t h, size_t block, const uint8_t *gxi, const uint8_t *gxr, size_t gx_len,
                   ike_iv_t *out)
{
  const ike_chunk_t parts[2] = {IKE_CHUNK(gxi, gx_len), IKE_CHUNK(gxr, gx_len)};
  return gxi && gxr && gx_len && hash_iv(h, block, parts, out);
}

bool ike_iv_phase2(ike_hash_t h, const ike_iv_t *p1_last, uint32_t mid, ike_iv_t *out)
{
  const uint8_t m[4] = {mid >> 24, mid >> 16, mid >> 8, mid};
  const ike_chunk_t parts[2] = {IKE_CHUNK(p1_last->b, p1_last->len), IKE_CHUNK(m, 4)};
  return hash_iv(h, p1_last->len, parts, out);
}

void ike_iv_chain(ike_iv_t *iv, const uint8_t *ct, size_t ct_len)
{
  if (ct_len >= iv->len)
    memcpy(iv->b, ct + ct_len - iv->len, iv->len);
}

bool ike_iv_state_init(ike_iv_state_t *s, ike_hash_t h, size_t block, const uint8_t *gxi, const uint8_t *gxr,
                       size_t gx_len)
{
  memset(s, 0, sizeof *s);
  s->hash = h;
  return ike_iv_phase1(h, block, gxi, gxr, gx_len, &s->phase1);
}

static int slot_of(const ike_iv_state_t *s, uint32_t mid)
{
  for (int i = 0; i < IKE_IV_EXCHANGES; i++)
    if (s->x[i].mid == mid)
      return i;
  return -1;
}

bool ike_iv_state_get(ike_iv_state_t *s, uint32_t mid, ike_iv_t *out)
{
  if (mid == 0) {
    *out = s->phase1;
    return true;
  }
  int i = slot_of(s, mid);
  if (i < 0) {
    /* a free slot, or else the least recently used */
    i = 0;
    for (int j = 0; j < IKE_IV_EXCHANGES; j++) {
      if (s->x[j].mid == 0) {
        i = j;
        break;
      }
      if (s->x[j].used < s->x[i].used)
        i = j;
    }
    if (!ike_iv_phase2(s->hash, &s->phase1, mid, &s->x[i].iv))
      return false;
    s->x[i].mid = mid;
  }
  s->x[i].used = ++s->clock;
  *out = s->x[i].iv;
  return true;
}

void ike_iv_state_advance(ike_iv_state_t *s, uint32_t mid, const ike_iv_t *next)
{
  if (mid == 0) {
    s->phase1 = *next;
    return;
  }
  int i = slot_of(s, mid);
  if (i >= 0)
    s->x[i].iv = *next;
}

void ike_iv_state_forget(ike_iv_state_t *s, uint32_t mid)
{
  int i = mid ? slot_of(s, mid) : -1;
  if (i >= 0)
    memset(&s->x[i], 0, sizeof s->x[i]);
}
