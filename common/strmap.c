/* Open addressing with linear probing.  Deletion shifts the following run
 * back instead of leaving tombstones, so lookups never slow down after many
 * deletes (configd deletes and re-adds objects all day). */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *key; /* NULL = empty slot */
  void *val;
  uint64_t hash;
} slot_t;

struct erx_strmap {
  slot_t *slots;
  size_t cap; /* power of two */
  size_t count;
};

#define MIN_CAP 16

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  /* FNV's low bits vary little between keys like "t00001", "t00002": mix
   * (murmur3's finaliser) because the slot index takes the low bits */
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

erx_strmap_t *erx_strmap_new(void) {
  erx_strmap_t *map = calloc(1, sizeof *map);
  if (!map)
    return NULL;
  map->slots = calloc(MIN_CAP, sizeof *map->slots);
  if (!map->slots) {
    free(map);
    return NULL;
  }
  map->cap = MIN_CAP;
  return map;
}

void erx_strmap_destroy(erx_strmap_t **map_p, void (*free_val)(void *)) {
  if (!map_p || !*map_p)
    return;
  erx_strmap_t *map = *map_p;
  for (size_t i = 0; i < map->cap; i++) {
    if (!map->slots[i].key)
      continue;
    free(map->slots[i].key);
    if (free_val)
      free_val(map->slots[i].val);
  }
  free(map->slots);
  free(map);
  *map_p = NULL;
}

/* Index of key's slot, or of the empty slot where it would go. */
static size_t find(const erx_strmap_t *map, const char *key, uint64_t h) {
  size_t mask = map->cap - 1;
  size_t i = (size_t)h & mask;
  while (map->slots[i].key && (map->slots[i].hash != h || strcmp(map->slots[i].key, key) != 0))
    i = (i + 1) & mask;
  return i;
}

static int grow(erx_strmap_t *map) {
  size_t ncap = map->cap * 2;
  slot_t *ns = calloc(ncap, sizeof *ns);
  if (!ns)
    return -1;
  for (size_t i = 0; i < map->cap; i++) {
    if (!map->slots[i].key)
      continue;
    size_t j = (size_t)map->slots[i].hash & (ncap - 1);
    while (ns[j].key)
      j = (j + 1) & (ncap - 1);
    ns[j] = map->slots[i];
  }
  free(map->slots);
  map->slots = ns;
  map->cap = ncap;
  return 0;
}

void *erx_strmap_get(const erx_strmap_t *map, const char *key) {
  size_t i = find(map, key, hash_str(key));
  return map->slots[i].key ? map->slots[i].val : NULL;
}

int erx_strmap_put(erx_strmap_t *map, const char *key, void *val, void **old) {
  uint64_t h = hash_str(key);
  size_t i = find(map, key, h);
  if (map->slots[i].key) {
    if (old)
      *old = map->slots[i].val;
    map->slots[i].val = val;
    return 0;
  }
  if (old)
    *old = NULL;
  /* keep the load under 3/4 so probe runs stay short */
  if ((map->count + 1) * 4 > map->cap * 3) {
    if (grow(map) != 0)
      return -1;
    i = find(map, key, h);
  }
  char *copy = strdup(key);
  if (!copy)
    return -1;
  map->slots[i] = (slot_t){copy, val, h};
  map->count++;
  return 0;
}

void *erx_strmap_del(erx_strmap_t *map, const char *key) {
  size_t mask = map->cap - 1;
  size_t i = find(map, key, hash_str(key));
  if (!map->slots[i].key)
    return NULL;
  void *val = map->slots[i].val;
  free(map->slots[i].key);
  map->slots[i].key = NULL;
  map->count--;
  /* Shift back every later member of the run that may sit in the hole:
   * those whose home slot is not cyclically in (hole, j]. */
  for (size_t j = (i + 1) & mask; map->slots[j].key; j = (j + 1) & mask) {
    size_t home = (size_t)map->slots[j].hash & mask;
    bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays)
      continue;
    map->slots[i] = map->slots[j];
    map->slots[j].key = NULL;
    i = j;
  }
  return val;
}

size_t erx_strmap_count(const erx_strmap_t *map) { return map->count; }

bool erx_strmap_next(const erx_strmap_t *map, erx_strmap_iter_t *it, const char **key, void **val) {
  while (it->pos < map->cap) {
    const slot_t *s = &map->slots[it->pos++];
    if (!s->key)
      continue;
    if (key)
      *key = s->key;
    if (val)
      *val = s->val;
    return true;
  }
  return false;
}

static int cmp_keys(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

const char **erx_strmap_sorted_keys(const erx_strmap_t *map, size_t *n) {
  const char **keys = malloc((map->count ? map->count : 1) * sizeof *keys);
  if (!keys) {
    *n = 0;
    return NULL;
  }
  size_t k = 0;
  erx_strmap_iter_t it = ERX_STRMAP_ITER_INIT;
  const char *key;
  while (erx_strmap_next(map, &it, &key, NULL))
    keys[k++] = key;
  qsort(keys, k, sizeof *keys, cmp_keys);
  *n = k;
  return keys;
}
