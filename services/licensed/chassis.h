/* The chassis types and their IPsec tunnel ceilings (a start-up setting of
 * licensed; reference §10).  A licence never lifts the maximum above the
 * ceiling of the chassis it runs on. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define LIC_UNLICENSED_MAX 10
#define LIC_DEFAULT_CHASSIS "erx-1440"

typedef struct lic_chassis {
  const char *name;
  uint32_t ceiling;
} lic_chassis_t;

/* NULL if name is not a chassis type. */
const lic_chassis_t *lic_chassis_find(const char *name);
/* "erx-310, erx-705, ..." for messages. */
const char *lic_chassis_names(void);
