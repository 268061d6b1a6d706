/* iked's bus side: configd's configuration mirrored (cfg.*, clear keys on
 * ipc only), the ChildSa publication (Clone root "ike", topic ike.sa) on
 * iked's endpoints, the control socket (Ping) and the timer that drives the
 * negotiations (iked_peer.h). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "config.pb-c.h"
#include "ike_mm.h"
#include "ike_qm.h"

typedef struct iked_server iked_server_t;

typedef struct iked_server_opts {
  const char *state_dir;
  const char *netns_prefix; /* virtual router X (not default) is namespace PREFIX+X */
} iked_server_opts_t;

iked_server_t *iked_server_new(erx_bus_t *bus, const iked_server_opts_t *opts);
void iked_server_destroy(iked_server_t **s_p);

/* ---- for iked_peer.c ---- */
struct event_base *iked_base(const iked_server_t *s);
/* namespace of virtual router vr, NULL for default */
const char *iked_netns(const iked_server_t *s, const char *vr, char *buf, size_t cap);
/* mirror of configd's objects by Clone key, NULL if absent */
const ProtobufCMessage *iked_cfg_get(const iked_server_t *s, const char *key);
/* every cfg.tunnel */
void iked_cfg_foreach_tunnel(const iked_server_t *s, void (*fn)(void *arg, const Erx__Cfg__Tunnel *t), void *arg);
/* phase-1 proposals from the ike-policy rules, priority order (0: default rule) */
size_t iked_cfg_rules(const iked_server_t *s, ike_mm_proposal_t *out, size_t cap);
/* the global lifetime (seconds, kilobytes) */
void iked_cfg_global_life(const iked_server_t *s, uint32_t *secs, uint64_t *kb);
/* local, peer: the outer source and destination (host order): the
 * tunnel's addresses, the local endpoint for a source given as a name, or
 * where a peer with a dynamic address (destination identity) negotiated from */
int iked_publish_child(iked_server_t *s, const char *vr, const char *tunnel, const ike_child_t *c, uint32_t local,
                       uint32_t peer);
void iked_unpublish_child(iked_server_t *s, const char *vr, const char *tunnel, bool inbound, uint32_t spi);
/* publishes a DpdEvent on topic ike.dpd (not part of the Clone state) */
void iked_publish_dpd(iked_server_t *s, const char *vr, const char *tunnel, uint32_t peer, uint32_t seq, bool ack);
/* ipsec option tx-invalid-cookie is set for transport virtual router vr */
bool iked_cfg_tx_invalid_cookie(const iked_server_t *s, const char *vr);
