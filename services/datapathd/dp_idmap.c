#include "dp_idmap.h"

#include <stdlib.h>

static char gone_marker;
#define GONE ((void *)&gone_marker)

static size_t slot_of(uint64_t key, size_t cap)
{
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdull; /* murmur3 finaliser: SPIs are often sequential */
  key ^= key >> 33;
  return (size_t)key & (cap - 1);
}

void dp_idmap_init(dp_idmap_t *m) { *m = (dp_idmap_t){0}; }

void dp_idmap_free(dp_idmap_t *m)
{
  free(m->keys);
  free(m->vals);
  *m = (dp_idmap_t){0};
}

static bool grow(dp_idmap_t *m)
{
  size_t cap = m->cap ? m->cap * 2 : 64;
  while (m->live * 2 >= cap)
    cap *= 2;
  dp_idmap_t n = {.keys = calloc(cap, sizeof *n.keys), .vals = calloc(cap, sizeof *n.vals), .cap = cap};
  if (!n.keys || !n.vals) {
    free(n.keys);
    free(n.vals);
    return false;
  }
  for (size_t i = 0; i < m->cap; i++)
    if (m->vals[i] && m->vals[i] != GONE) {
      size_t j = slot_of(m->keys[i], cap);
      while (n.vals[j])
        j = (j + 1) & (cap - 1);
      n.keys[j] = m->keys[i];
      n.vals[j] = m->vals[i];
      n.used++;
      n.live++;
    }
  dp_idmap_free(m);
  *m = n;
  return true;
}

void *dp_idmap_get(const dp_idmap_t *m, uint64_t key)
{
  if (!m->cap)
    return NULL;
  for (size_t j = slot_of(key, m->cap);; j = (j + 1) & (m->cap - 1)) {
    if (!m->vals[j])
      return NULL;
    if (m->vals[j] != GONE && m->keys[j] == key)
      return m->vals[j];
  }
}

bool dp_idmap_put(dp_idmap_t *m, uint64_t key, void *val)
{
  if (!val || dp_idmap_get(m, key))
    return false;
  if ((m->used + 1) * 4 >= m->cap * 3 && !grow(m))
    return false;
  size_t j = slot_of(key, m->cap);
  while (m->vals[j] && m->vals[j] != GONE)
    j = (j + 1) & (m->cap - 1);
  if (!m->vals[j])
    m->used++;
  m->keys[j] = key;
  m->vals[j] = val;
  m->live++;
  return true;
}

void dp_idmap_del(dp_idmap_t *m, uint64_t key)
{
  if (!m->cap)
    return;
  for (size_t j = slot_of(key, m->cap);; j = (j + 1) & (m->cap - 1)) {
    if (!m->vals[j])
      return;
    if (m->vals[j] != GONE && m->keys[j] == key) {
      m->vals[j] = GONE;
      m->live--;
      return;
    }
  }
}
