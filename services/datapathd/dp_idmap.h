/* A small open-addressing map from a 64-bit key to a pointer: the inbound
 * SA index (raw socket, SPI) -> tunnel, looked up for every received packet
 * without hashing strings.  Not thread-safe: the table lock guards it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dp_idmap {
  uint64_t *keys;
  void **vals;     /* NULL = empty slot, DP_IDMAP_GONE = deleted */
  size_t cap, used, live;
} dp_idmap_t;

void dp_idmap_init(dp_idmap_t *m);
void dp_idmap_free(dp_idmap_t *m);
/* false on allocation failure or an existing key (left unchanged) */
bool dp_idmap_put(dp_idmap_t *m, uint64_t key, void *val);
void *dp_idmap_get(const dp_idmap_t *m, uint64_t key);
void dp_idmap_del(dp_idmap_t *m, uint64_t key);
