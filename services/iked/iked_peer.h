/* iked's negotiation driver: a signaled tunnel whose configuration is
 * complete is brought up at once (main mode, then quick mode with its
 * transform set) and its child SAs published.  Either side may start;
 * when both do, the exchange with the lower initiator cookie (phase 1) or
 * message ID (quick mode) goes on: both sides agree even across a NAT.  Retransmission every
 * 2 s, 5 times; re-initiation with back-off (1 s doubling to 60 s).
 */
#pragma once
#include "iked_server.h"
#include "ike.pb-c.h"

typedef struct iked_peer iked_peer_t;

iked_peer_t *iked_peer_new(iked_server_t *srv);
void iked_peer_destroy(iked_peer_t **pm_p);
/* configd's configuration changed (or first arrived): re-read the tunnels */
void iked_peer_config_changed(iked_peer_t *pm);
/* every 250 ms: retransmissions, time-outs, initiations */
void iked_peer_tick(iked_peer_t *pm);

/* ---- for the control socket (iked_ctl.c) ---- */

/* Fills out (an initialised IkeStatusReply) with every phase-1 SA and the
 * IKE side of every signaled tunnel (only vr/tunnel when both are given);
 * free it with iked_peer_status_free.  0, or -1 when out of memory. */
int iked_peer_status(iked_peer_t *pm, const char *vr, const char *tunnel, Erx__Ike__IkeStatusReply *out);
void iked_peer_status_free(Erx__Ike__IkeStatusReply *out);
/* `ipsec clear sa tunnel ipsec:NAME phase 1|2`: tears down the tunnel's
 * phase-1 SA (and with it phase 2) or only its phase-2 SAs, sends the
 * delete notifications, and renegotiates at once.  0 with what was done in
 * msg, -1 with why not (no such signaled tunnel, bad phase). */
int iked_peer_clear(iked_peer_t *pm, const char *vr, const char *tunnel, unsigned phase, char *msg, size_t len);
/* Sends an R-U-THERE to the tunnel's peer over its ISAKMP SA; the answer
 * comes as a DpdEvent (iked_publish_dpd).  0 with *seq, -1 with why not. */
int iked_peer_dpd_probe(iked_peer_t *pm, const char *vr, const char *tunnel, uint32_t *seq, char *why, size_t len);
