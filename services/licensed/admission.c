#include "admission.h"

#include <stdlib.h>
#include <string.h>

#include "strmap.h"

/* Reservations all live for the same time, so the order they were made (or
 * refreshed) is the order they run out: a list keeps expiry O(1). */
typedef struct resv {
  struct resv *prev, *next;
  int64_t expires;
  char key[];
} resv_t;

struct lic_adm {
  int64_t ttl_ms;
  erx_strmap_t *configured; /* key -> &present */
  erx_strmap_t *reserved;   /* key -> resv_t (owned, also on the list) */
  erx_strmap_t *blocked;    /* key -> &present */
  resv_t *head, *tail;      /* oldest first */
};

static char present; /* the value of set-like maps: strmap needs non-NULL */

lic_adm_t *lic_adm_new(int64_t reservation_ms) {
  lic_adm_t *adm = calloc(1, sizeof *adm);
  if (!adm)
    return NULL;
  adm->ttl_ms = reservation_ms;
  adm->configured = erx_strmap_new();
  adm->reserved = erx_strmap_new();
  adm->blocked = erx_strmap_new();
  if (!adm->configured || !adm->reserved || !adm->blocked)
    lic_adm_destroy(&adm);
  return adm;
}

void lic_adm_destroy(lic_adm_t **adm_p) {
  lic_adm_t *adm = *adm_p;
  if (!adm)
    return;
  erx_strmap_destroy(&adm->configured, NULL);
  erx_strmap_destroy(&adm->reserved, free);
  erx_strmap_destroy(&adm->blocked, NULL);
  free(adm);
  *adm_p = NULL;
}

static void list_unlink(lic_adm_t *adm, resv_t *r) {
  *(r->prev ? &r->prev->next : &adm->head) = r->next;
  *(r->next ? &r->next->prev : &adm->tail) = r->prev;
  r->prev = r->next = NULL;
}

static void list_append(lic_adm_t *adm, resv_t *r) {
  r->prev = adm->tail;
  r->next = NULL;
  *(adm->tail ? &adm->tail->next : &adm->head) = r;
  adm->tail = r;
}

static void unreserve(lic_adm_t *adm, const char *key) {
  resv_t *r = erx_strmap_del(adm->reserved, key);
  if (r) {
    list_unlink(adm, r);
    free(r);
  }
}

int lic_adm_configured_add(lic_adm_t *adm, const char *key) {
  unreserve(adm, key);
  return erx_strmap_put(adm->configured, key, &present, NULL);
}

void lic_adm_configured_del(lic_adm_t *adm, const char *key) { erx_strmap_del(adm->configured, key); }

size_t lic_adm_expire(lic_adm_t *adm, int64_t now_ms, void (*fn)(void *arg, const char *key), void *arg) {
  size_t n = 0;
  while (adm->head && adm->head->expires <= now_ms) {
    resv_t *r = adm->head;
    if (fn)
      fn(arg, r->key);
    unreserve(adm, r->key);
    n++;
  }
  return n;
}

int64_t lic_adm_next_expiry(const lic_adm_t *adm) { return adm->head ? adm->head->expires : -1; }

lic_admit_t lic_adm_admit(lic_adm_t *adm, const char *key, uint32_t maximum, int64_t now_ms) {
  lic_adm_expire(adm, now_ms, NULL, NULL);
  if (erx_strmap_get(adm->configured, key))
    return LIC_ADMIT_EXISTING;
  resv_t *r = erx_strmap_get(adm->reserved, key);
  if (r) {
    list_unlink(adm, r);
    r->expires = now_ms + adm->ttl_ms;
    list_append(adm, r);
    return LIC_ADMIT_EXISTING;
  }
  if (lic_adm_in_use(adm) >= maximum)
    return LIC_ADMIT_REFUSED;
  size_t kl = strlen(key);
  r = malloc(sizeof *r + kl + 1);
  if (!r)
    return LIC_ADMIT_REFUSED;
  memcpy(r->key, key, kl + 1);
  r->expires = now_ms + adm->ttl_ms;
  if (erx_strmap_put(adm->reserved, key, r, NULL) != 0) {
    free(r);
    return LIC_ADMIT_REFUSED;
  }
  list_append(adm, r);
  return LIC_ADMIT_NEW;
}

bool lic_adm_release(lic_adm_t *adm, const char *key) {
  if (!erx_strmap_get(adm->reserved, key))
    return false;
  unreserve(adm, key);
  return true;
}

size_t lic_adm_release_before(lic_adm_t *adm, int64_t t_ms) {
  size_t n = 0;
  /* the list is in the order reservations were made: the oldest first */
  while (adm->head && adm->head->expires - adm->ttl_ms < t_ms) {
    unreserve(adm, adm->head->key);
    n++;
  }
  return n;
}

size_t lic_adm_configured(const lic_adm_t *adm) { return erx_strmap_count(adm->configured); }
size_t lic_adm_reserved(const lic_adm_t *adm) { return erx_strmap_count(adm->reserved); }
size_t lic_adm_in_use(const lic_adm_t *adm) { return lic_adm_configured(adm) + lic_adm_reserved(adm); }
bool lic_adm_is_configured(const lic_adm_t *adm, const char *key) { return erx_strmap_get(adm->configured, key); }
bool lic_adm_is_reserved(const lic_adm_t *adm, const char *key) { return erx_strmap_get(adm->reserved, key); }
size_t lic_adm_blocked(const lic_adm_t *adm) { return erx_strmap_count(adm->blocked); }
bool lic_adm_is_blocked(const lic_adm_t *adm, const char *key) { return erx_strmap_get(adm->blocked, key); }

size_t lic_adm_update_blocked(lic_adm_t *adm, uint32_t maximum, void (*fn)(void *arg, const char *key, bool blocked),
                              void *arg) {
  size_t n = lic_adm_configured(adm);
  if (n <= maximum && lic_adm_blocked(adm) == 0)
    return 0; /* the common case: nothing to sort, nothing to undo */
  erx_strmap_t *now = erx_strmap_new();
  const char **sorted = NULL;
  if (!now)
    return lic_adm_blocked(adm);
  if (n > maximum) {
    sorted = erx_strmap_sorted_keys(adm->configured, &n);
    if (!sorted) {
      erx_strmap_destroy(&now, NULL);
      return lic_adm_blocked(adm);
    }
  }
  for (size_t i = maximum; sorted && i < n; i++) {
    erx_strmap_put(now, sorted[i], &present, NULL);
    if (fn && !erx_strmap_get(adm->blocked, sorted[i]))
      fn(arg, sorted[i], true);
  }
  erx_strmap_iter_t it = ERX_STRMAP_ITER_INIT;
  const char *key;
  void *val;
  while (fn && erx_strmap_next(adm->blocked, &it, &key, &val))
    if (!erx_strmap_get(now, key))
      fn(arg, key, false);
  free(sorted);
  erx_strmap_destroy(&adm->blocked, NULL);
  adm->blocked = now;
  return lic_adm_blocked(adm);
}
