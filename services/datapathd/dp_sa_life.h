/* SA lifetimes (RFC 2401/4301 §4.4.2.1): seconds and kilobytes, a soft limit
 * at 90% that asks iked to rekey and a hard limit that retires the SA.  Pure
 * logic, so the thresholds are tested without waiting for them. */
#pragma once
#include <stdint.h>

#include "datapath.pb-c.h"

#define DP_SOFT_PERCENT 90

typedef struct dp_life {
  uint32_t seconds;   /* 0 = no limit */
  uint64_t kilobytes; /* 0 = no limit */
} dp_life_t;

/* The state an SA of this age and byte count is in; never goes back. */
Erx__Dp__SaLife dp_life_eval(const dp_life_t *l, Erx__Dp__SaLife cur, uint64_t age_s, uint64_t bytes);
/* Bytes after which the SA must stop at once (0 = no limit): the worker
 * checks this per packet, the seconds are checked by the control thread. */
uint64_t dp_life_hard_bytes(const dp_life_t *l);
