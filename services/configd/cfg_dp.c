#include "cfg_dp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clone_sub.h"
#include "ctl_call_guard.h"
#include "endpoints.h"
#include "log.h"
#include "strmap.h"

/* A show command waits for datapathd at most DP_CALL_MS; after an unanswered
 * call datapathd is not asked again for DP_QUIET_MS, so that a hung data path
 * does not make every show command wait (nor keep configd's loop from
 * answering snapshot requests). */
#define DP_CALL_MS 1000
#define DP_QUIET_MS 2000

#define TUNNEL_KEY "tunnel/"

struct cfg_dp {
  erx_clone_sub_t *sub;
  erx_ctl_guard_t *ctl;
  erx_strmap_t *tunnels; /* "vr/name" -> cfg_dp_tunnel_t */
  bool synced;           /* the mirror is datapathd's current state */
  bool went_silent;      /* datapathd was synchronised, then went silent */
};

static void on_set(void *arg, const char *topic, const char *key, const ProtobufCMessage *body)
{
  cfg_dp_t *d = arg;
  if (body->descriptor != &erx__dp__tunnel_state__descriptor || strncmp(key, TUNNEL_KEY, strlen(TUNNEL_KEY)) != 0)
    return;
  const Erx__Dp__TunnelState *s = (const Erx__Dp__TunnelState *)body;
  const char *k = key + strlen(TUNNEL_KEY);
  cfg_dp_tunnel_t *t = erx_strmap_get(d->tunnels, k);
  if (!t) {
    t = calloc(1, sizeof *t);
    if (!t || erx_strmap_put(d->tunnels, k, t, NULL) != 0) {
      free(t);
      LOG_ERR("datapathd: out of memory for the state of %s", k);
      return;
    }
  }
  t->up = s->up;
  snprintf(t->reason, sizeof t->reason, "%s", s->reason ? s->reason : "");
  snprintf(t->ifname, sizeof t->ifname, "%s", s->ifname ? s->ifname : "");
}

static void on_del(void *arg, const char *topic, const char *key)
{
  cfg_dp_t *d = arg;
  if (strncmp(key, TUNNEL_KEY, strlen(TUNNEL_KEY)) == 0)
    free(erx_strmap_del(d->tunnels, key + strlen(TUNNEL_KEY)));
}

static void on_sync(void *arg, bool synced)
{
  cfg_dp_t *d = arg;
  d->synced = synced;
  d->went_silent = !synced;
  if (synced) {
    erx_ctl_guard_reset(d->ctl);
    LOG_INFO("datapathd: synchronised");
  } else {
    LOG_WARN("datapathd is not answering: tunnels are shown down until it returns");
  }
}

cfg_dp_t *cfg_dp_new(erx_bus_t *bus)
{
  char pub[256], snap[256], ctl[256];
  if (erx_endpoint(ERX_SVC_DATAPATHD, ERX_SOCK_PUB, false, pub, sizeof pub) ||
      erx_endpoint(ERX_SVC_DATAPATHD, ERX_SOCK_SNAP, false, snap, sizeof snap) ||
      erx_endpoint(ERX_SVC_DATAPATHD, ERX_SOCK_CTL, false, ctl, sizeof ctl))
    return NULL;
  cfg_dp_t *d = calloc(1, sizeof *d);
  if (!d)
    return NULL;
  static const erx_clone_sub_cbs_t cbs = {.on_set = on_set, .on_del = on_del, .on_sync = on_sync};
  d->tunnels = erx_strmap_new();
  d->ctl = erx_ctl_guard_new(ctl, "datapathd", DP_CALL_MS, DP_QUIET_MS);
  /* the tunnels only: SA events are iked's business */
  d->sub = d->tunnels && d->ctl ? erx_clone_sub_new(bus, "dp", pub, snap, "dp.tunnel", &cbs, d) : NULL;
  if (!d->sub) {
    cfg_dp_destroy(&d);
    return NULL;
  }
  return d;
}

void cfg_dp_destroy(cfg_dp_t **d_p)
{
  cfg_dp_t *d = *d_p;
  if (!d)
    return;
  erx_clone_sub_destroy(&d->sub);
  erx_ctl_guard_destroy(&d->ctl);
  erx_strmap_destroy(&d->tunnels, free);
  free(d);
  *d_p = NULL;
}

bool cfg_dp_synced(const cfg_dp_t *d)
{
  return d->synced;
}

const cfg_dp_tunnel_t *cfg_dp_tunnel(const cfg_dp_t *d, const char *vr, const char *name)
{
  if (!d->synced)
    return NULL;
  char key[160];
  snprintf(key, sizeof key, "%s/%s", vr, name);
  return erx_strmap_get(d->tunnels, key);
}

erx_env_t *cfg_dp_stats(cfg_dp_t *d, const char *vr, const char *name, char *why, size_t whylen)
{
  /* known silent: at once; just started (not synchronised yet): ask */
  if (d->went_silent) {
    snprintf(why, whylen, "datapathd is not answering");
    return NULL;
  }
  Erx__Dp__StatsRequest rq = ERX__DP__STATS_REQUEST__INIT;
  rq.vr = (char *)(vr ? vr : "");
  rq.name = (char *)(name ? name : "");
  erx_env_t *rep;
  if (erx_ctl_guard_call(d->ctl, &rq.base, &rep, why, whylen) != ERX_GUARD_REPLY)
    return NULL;
  if (rep->body_case != ERX__BUS__ENVELOPE__BODY_DP_STATS_REPLY) {
    snprintf(why, whylen, "datapathd gave an unexpected answer");
    erx_env_free(rep);
    return NULL;
  }
  return rep;
}

const Erx__Dp__TunnelCounters *cfg_dp_counters(const Erx__Dp__StatsReply *r, const char *vr, const char *name)
{
  for (size_t i = 0; i < r->n_tunnels; i++)
    if (strcmp(r->tunnels[i]->vr, vr) == 0 && strcmp(r->tunnels[i]->name, name) == 0)
      return r->tunnels[i];
  return NULL;
}
