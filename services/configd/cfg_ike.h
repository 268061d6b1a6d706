/* configd's side of iked: iked owns the IKE (phase 1) SAs and the IKE state
 * of signaled tunnels; configd asks it when an operator types `show ipsec
 * ike-sa`, `show ipsec tunnel` or `ipsec clear sa` (request/reply, one call
 * per command).  configd does not follow iked's Clone state: that carries
 * the child SAs' keys, which configd has no business holding.
 *
 * A dead iked must not cost a wait per command: on a local (ipc://)
 * endpoint a socket with no listener is seen at once; otherwise, and for a
 * hung iked, an unanswered call makes the next calls fail at once for a
 * quiet period (common/ctl_call_guard.h). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "envelope.h"
#include "ike.pb-c.h"

typedef struct cfg_ike cfg_ike_t;

typedef enum {
  CFG_IKE_OK = 0,      /* the answer is there */
  CFG_IKE_REFUSED,     /* iked answered with an error: its text in why */
  CFG_IKE_NOT_RUNNING, /* no iked behind the endpoint */
  CFG_IKE_SILENT,      /* iked did not answer (now, or a moment ago): why in why */
} cfg_ike_result_t;

cfg_ike_t *cfg_ike_new(void);
void cfg_ike_destroy(cfg_ike_t **k_p);

/* Asks iked for its phase-1 SAs and the IKE state of its tunnels (vr and
 * tunnel both given: that one tunnel only).  CFG_IKE_OK with *rep set (its
 * ike_status_reply; free with erx_env_free), else why. */
cfg_ike_result_t cfg_ike_status(cfg_ike_t *k, const char *vr, const char *tunnel, erx_env_t **rep, char *why,
                                size_t whylen);
/* The IKE state of vr/name in a reply, or NULL. */
const Erx__Ike__TunnelIke *cfg_ike_tunnel(const Erx__Ike__IkeStatusReply *r, const char *vr, const char *name);

/* `ipsec clear sa tunnel ipsec:NAME phase {1|2}`: CFG_IKE_OK with iked's
 * account of what it did in msg, else why not in msg. */
cfg_ike_result_t cfg_ike_clear(cfg_ike_t *k, const char *vr, const char *tunnel, unsigned phase, char *msg,
                               size_t msglen);

/* How to say that iked could not be asked (for CFG_IKE_NOT_RUNNING and
 * CFG_IKE_SILENT): "the IKE service (iked) is not running", ... */
const char *cfg_ike_unavailable(cfg_ike_result_t r);
