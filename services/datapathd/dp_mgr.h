/* The control thread's side of the data path: turns each configured tunnel
 * into a TUN device in its virtual router, a raw socket in its transport
 * virtual router and (for manual tunnels) its two SAs, and says why a tunnel
 * is down when it cannot.  Rebuilding is all-or-nothing per tunnel; the
 * counters survive it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "config.pb-c.h"
#include "ike.pb-c.h"
#include "dp_table.h"

typedef struct dp_mgr dp_mgr_t;

typedef struct dp_mgr_opts {
  const char *state_dir;
  const char *netns_prefix; /* a virtual router X other than default is namespace <prefix>X */
  /* a tunnel's up/down/reason/ifname changed (t is valid during the call) */
  void (*on_state)(void *arg, const dp_tunnel_t *t);
  /* an SA was installed, removed (gone) or changed lifetime state */
  void (*on_sa)(void *arg, const dp_tunnel_t *t, const dp_sa_slot_t *sa, bool gone);
  void *arg;
} dp_mgr_opts_t;

dp_mgr_t *dp_mgr_new(dp_table_t *tbl, const dp_mgr_opts_t *opts, char *err, size_t errlen);
void dp_mgr_destroy(dp_mgr_t **m_p);

/* Configuration of one tunnel, new or changed: rebuilt now. */
void dp_mgr_set(dp_mgr_t *m, const Erx__Cfg__Tunnel *cfg);
void dp_mgr_del(dp_mgr_t *m, const char *vr, const char *name);
/* iked's SAs (its Clone key and message): installed into the tunnel now if
 * it is built and signaled, else when it is; deleted the same way. */
void dp_mgr_child_set(dp_mgr_t *m, const char *key, const Erx__Ike__ChildSa *cs);
void dp_mgr_child_del(dp_mgr_t *m, const char *key);
/* Every 250 ms: extends sequence reservations, ages lifetimes, and every 2 s
 * rebuilds tunnels that were down for a reason outside the configuration
 * (an address not there yet, an SPI held by another tunnel). */
void dp_mgr_tick(dp_mgr_t *m);

/* Once the configuration is built: removes persistent interfaces that an
 * earlier datapathd left for tunnels that no longer exist. */
void dp_mgr_sweep(dp_mgr_t *m);

/* Tunnels in key order ("vr/name"); vr/name filter when not NULL. */
void dp_mgr_foreach(const dp_mgr_t *m, const char *vr, const char *name,
                    void (*fn)(void *arg, const dp_tunnel_t *t), void *arg);
/* Inbound packets for SPIs of no tunnel (all raw sockets). */
uint64_t dp_mgr_unknown_spi(const dp_mgr_t *m);
size_t dp_mgr_count(const dp_mgr_t *m);
