/* Traffic selectors: a tunnel's local and peer identities (subnet, address
 * or range) as inclusive IPv4 ranges, checked on every packet both ways. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.pb-c.h"

typedef struct dp_range {
  uint32_t lo, hi; /* host order, inclusive */
} dp_range_t;

/* NULL or an empty identity: any address (the tunnel carries everything). */
bool dp_range_from_identity(const Erx__Cfg__Identity *id, dp_range_t *r, char *err, size_t errlen);

static inline bool dp_range_has(const dp_range_t *r, uint32_t a) { return a >= r->lo && a <= r->hi; }

/* The fewest prefixes covering r exactly (at most 62); returns how many,
 * writing at most cap of them. */
size_t dp_range_prefixes(const dp_range_t *r, uint32_t *nets, uint32_t *masks, size_t cap);
