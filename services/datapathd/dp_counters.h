/* Per-tunnel and per-SA counters.  Each field has one writer (the worker
 * thread of its direction) and is read by the control thread; relaxed
 * atomic loads and stores make that well defined at the cost of a plain
 * mov (a locked add per packet would cost more than it protects). */
#pragma once
#include <stdint.h>

#include "dp_drop.h"

#define DP_INC(field, v) __atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (v), __ATOMIC_RELAXED)
#define DP_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)
#define DP_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)

typedef struct dp_ctr_in {
  uint64_t user_pkts, user_octets; /* IPsec packets received for the tunnel */
  uint64_t acc_pkts, acc_octets;   /* delivered to the tunnel interface (inner bytes) */
  uint64_t drop[DP_DROP_OTHER + 1]; /* indexed by dp_drop_t */
} dp_ctr_in_t;

typedef struct dp_ctr_out {
  uint64_t user_pkts, user_octets; /* read from the tunnel interface */
  uint64_t acc_pkts, acc_octets;   /* encapsulated and handed to the kernel */
  uint64_t policy, other;
} dp_ctr_out_t;
