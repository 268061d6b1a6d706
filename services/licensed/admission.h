/* Tunnel counting, admission and the blocked list: pure logic, no I/O, the
 * caller supplies the time.
 *
 * A tunnel is named by its key "<vr>/<name>".  configured mirrors configd's
 * tunnel list; reserved holds admissions configd has not yet been seen to
 * commit, each until it shows up as configured or its time runs out (configd
 * died, or its commit failed).  The two never overlap, so
 * in_use = |configured| + |reserved|.  Admission is O(1) expected (hash maps,
 * reservations in a list ordered by expiry); only the blocked list sorts, and
 * only while more tunnels are configured than allowed. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIC_RESERVATION_MS 30000

typedef struct lic_adm lic_adm_t;

typedef enum {
  LIC_ADMIT_REFUSED = 0,
  LIC_ADMIT_NEW,      /* counted now, reserved until configd commits it */
  LIC_ADMIT_EXISTING, /* configured or already reserved: not counted twice */
} lic_admit_t;

/* reservation_ms: how long an admission waits for configd's commit. */
lic_adm_t *lic_adm_new(int64_t reservation_ms);
void lic_adm_destroy(lic_adm_t **adm_p);

/* configd's stream: a tunnel exists / no longer exists.  Adding one that was
 * reserved turns the reservation into a configured tunnel.  0, -1 on ENOMEM. */
int lic_adm_configured_add(lic_adm_t *adm, const char *key);
void lic_adm_configured_del(lic_adm_t *adm, const char *key);

/* Drops the reservations whose time has come; calls fn (may be NULL) with
 * each dropped key.  Returns how many were dropped. */
size_t lic_adm_expire(lic_adm_t *adm, int64_t now_ms, void (*fn)(void *arg, const char *key), void *arg);
/* When the next reservation runs out, or -1 if there is none. */
int64_t lic_adm_next_expiry(const lic_adm_t *adm);

/* Expires first, then admits key if it is known or in_use < maximum.  A
 * re-admitted reservation gets a fresh time (configd is trying again). */
lic_admit_t lic_adm_admit(lic_adm_t *adm, const char *key, uint32_t maximum, int64_t now_ms);

/* Ends key's reservation (configd did not use the admission); a configured
 * tunnel is not affected.  Returns true if a reservation ended. */
bool lic_adm_release(lic_adm_t *adm, const char *key);

/* Ends every reservation made (or last refreshed) before t_ms: after configd
 * restarted, its admissions that were not committed died with it. */
size_t lic_adm_release_before(lic_adm_t *adm, int64_t t_ms);

size_t lic_adm_configured(const lic_adm_t *adm);
size_t lic_adm_reserved(const lic_adm_t *adm);
size_t lic_adm_in_use(const lic_adm_t *adm);
bool lic_adm_is_configured(const lic_adm_t *adm, const char *key);
bool lic_adm_is_reserved(const lic_adm_t *adm, const char *key);

/* Recomputes the blocked list for maximum: with more configured tunnels than
 * maximum, those after the first <maximum> in strcmp order of their keys.
 * fn (may be NULL) is called for each key whose state changed (blocked true:
 * newly blocked, false: no longer).  Returns the number blocked. */
size_t lic_adm_update_blocked(lic_adm_t *adm, uint32_t maximum, void (*fn)(void *arg, const char *key, bool blocked),
                              void *arg);
size_t lic_adm_blocked(const lic_adm_t *adm);
bool lic_adm_is_blocked(const lic_adm_t *adm, const char *key);
