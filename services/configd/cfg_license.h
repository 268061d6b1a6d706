/* configd's side of licensing: licensed owns the licence and admits new
 * tunnels; configd asks it (request/reply) and follows what it publishes
 * (Clone: its state and the tunnels it blocks).  configd never counts. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bus.h"
#include "strmap.h"

typedef struct cfg_lic cfg_lic_t;

/* What licensed last published (valid only when `known`). */
typedef struct cfg_lic_view {
  bool known;        /* licensed is up and its state has arrived */
  bool installed, counted;
  char id[40], issued[16], chassis[16], problem[160];
  uint32_t tier, ceiling, maximum, in_use, blocked;
} cfg_lic_view_t;

cfg_lic_t *cfg_lic_new(erx_bus_t *bus);
void cfg_lic_destroy(cfg_lic_t **l_p);

/* 0 if licensed admits the new tunnel; -1 with the operator's message in why. */
int cfg_lic_admit(cfg_lic_t *l, const char *vr, const char *name, char *why, size_t whylen);
/* Admits the n tunnels vrs[i]/names[i] in one round trip.  verdicts gets
 * "vr/name" -> malloc'd "" (admitted) or the refusal.  -1 if licensed did not
 * answer (verdicts untouched: the caller falls back to one by one). */
int cfg_lic_admit_batch(cfg_lic_t *l, char *const *vrs, char *const *names, size_t n, erx_strmap_t *verdicts);
/* Ends the reservations of admissions that were not used (best effort). */
void cfg_lic_release(cfg_lic_t *l, char *const *vrs, char *const *names, size_t n);
/* Asks licensed for its state now; falls back to the published view. */
const cfg_lic_view_t *cfg_lic_refresh(cfg_lic_t *l);

/* key NULL: remove the licence.  0 if done (msg: summary), -1 if refused (msg: why). */
int cfg_lic_install(cfg_lic_t *l, const char *key, char *msg, size_t msglen);
const cfg_lic_view_t *cfg_lic_view(const cfg_lic_t *l);
bool cfg_lic_blocked(const cfg_lic_t *l, const char *vr, const char *name);
