#include "license_policy.h"

#include <stdio.h>

uint32_t lic_maximum(const lic_token_t *lic, const lic_chassis_t *chassis) {
  uint32_t m = lic ? lic->tunnels : LIC_UNLICENSED_MAX;
  return m < chassis->ceiling ? m : chassis->ceiling;
}

void lic_admit_refusal(char *buf, size_t cap, size_t in_use, const lic_token_t *lic, bool stored_refused,
                       const lic_chassis_t *chassis) {
  char what[80];
  if (lic)
    snprintf(what, sizeof what, "licence %s allows %u", lic->id, (unsigned)lic->tunnels);
  else
    snprintf(what, sizeof what, "%s", stored_refused ? "the stored licence is not in force" : "no licence installed");
  snprintf(buf, cap, "IPsec tunnel limit reached (%zu of %u in use; %s, chassis %s allows %u)", in_use,
           (unsigned)lic_maximum(lic, chassis), what, chassis->name, (unsigned)chassis->ceiling);
}

int lic_install_check(const lic_token_t *lic, size_t in_use, const lic_chassis_t *chassis, char *msg, size_t cap) {
  uint32_t max = lic_maximum(lic, chassis);
  if (in_use > max) {
    snprintf(msg, cap, "refused: %zu tunnels are configured and licence %s allows only %u", in_use, lic->id,
             (unsigned)max);
    return -1;
  }
  snprintf(msg, cap, "licence %s installed: %u tunnels (chassis %s allows %u; maximum %u)", lic->id,
           (unsigned)lic->tunnels, chassis->name, (unsigned)chassis->ceiling, (unsigned)max);
  return 0;
}

int lic_remove_check(const lic_token_t *cur, size_t in_use, const lic_chassis_t *chassis, char *msg, size_t cap) {
  uint32_t max = lic_maximum(NULL, chassis);
  if (in_use > max) {
    snprintf(msg, cap, "refused: %zu tunnels are configured and without a licence only %u are allowed", in_use,
             (unsigned)max);
    return -1;
  }
  if (cur)
    snprintf(msg, cap, "licence %s removed: at most %u tunnels", cur->id, (unsigned)max);
  else
    snprintf(msg, cap, "no licence installed: at most %u tunnels", (unsigned)max);
  return 0;
}
