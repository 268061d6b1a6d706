#include "dp_sa_life.h"

uint64_t dp_life_hard_bytes(const dp_life_t *l) { return l->kilobytes ? l->kilobytes * 1024 : 0; }

Erx__Dp__SaLife dp_life_eval(const dp_life_t *l, Erx__Dp__SaLife cur, uint64_t age_s, uint64_t bytes)
{
  if (cur == ERX__DP__SA_LIFE__SA_HARD_EXPIRED)
    return cur;
  uint64_t hard_b = dp_life_hard_bytes(l);
  if ((l->seconds && age_s >= l->seconds) || (hard_b && bytes >= hard_b))
    return ERX__DP__SA_LIFE__SA_HARD_EXPIRED;
  if ((l->seconds && age_s * 100 >= (uint64_t)l->seconds * DP_SOFT_PERCENT) ||
      (hard_b && bytes >= hard_b / 100 * DP_SOFT_PERCENT))
    return ERX__DP__SA_LIFE__SA_SOFT_EXPIRED;
  return cur;
}
