#include "chassis.h"

#include <string.h>

static const lic_chassis_t table[] = {
    {"erx-310", 2000}, {"erx-705", 5000}, {"erx-710", 5000}, {"erx-1410", 5000}, {"erx-1440", 5000},
};

const lic_chassis_t *lic_chassis_find(const char *name) {
  for (size_t i = 0; name && i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].name, name) == 0)
      return &table[i];
  return NULL;
}

const char *lic_chassis_names(void) { return "erx-310, erx-705, erx-710, erx-1410, erx-1440"; }
