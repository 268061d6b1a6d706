/* configd's side of the data path: datapathd owns the operational state of
 * tunnels; configd follows what it publishes (Clone: whether each tunnel is
 * up, why not, its interface) and asks it for counters and SAs when a show
 * command needs them (request/reply, one call per command). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "bus.h"
#include "datapath.pb-c.h"
#include "envelope.h"

typedef struct cfg_dp cfg_dp_t;

/* What datapathd last published about one tunnel. */
typedef struct cfg_dp_tunnel {
  bool up;
  char reason[256]; /* why not up */
  char ifname[32];  /* "" if no interface */
} cfg_dp_tunnel_t;

cfg_dp_t *cfg_dp_new(erx_bus_t *bus);
void cfg_dp_destroy(cfg_dp_t **d_p);

/* datapathd is alive and its state has arrived. */
bool cfg_dp_synced(const cfg_dp_t *d);
/* The published state of vr/name; NULL if not synchronised or not published. */
const cfg_dp_tunnel_t *cfg_dp_tunnel(const cfg_dp_t *d, const char *vr, const char *name);

/* Asks datapathd for the counters and SAs of vr/name (both NULL: every
 * tunnel).  Returns the reply envelope (its dp_stats_reply is set; free with
 * erx_env_free), or NULL with the reason in why if datapathd did not answer
 * (at once if it is known to be gone or did not answer a moment ago). */
erx_env_t *cfg_dp_stats(cfg_dp_t *d, const char *vr, const char *name, char *why, size_t whylen);
/* The counters of vr/name in a reply, or NULL. */
const Erx__Dp__TunnelCounters *cfg_dp_counters(const Erx__Dp__StatsReply *r, const char *vr, const char *name);
