/* iked's negotiation driver: a signaled tunnel whose configuration is
 * complete is brought up at once (main mode, then quick mode with its
 * transform set) and its child SAs published.  Either side may start;
 * collisions go to the side with the lower address.  Retransmission every
 * 2 s, 5 times; re-initiation with back-off (1 s doubling to 60 s).
 *
 * TODO(issue 5): rekey (lifetimes, datapathd's soft expiry), delete
 * notifications, encrypted informational exchanges, DPD, NAT-T on 4500,
 * aggressive mode, FQDN identities, `ipsec clear sa`, show ipsec ike-sa. */
#pragma once
#include "iked_server.h"

typedef struct iked_peer iked_peer_t;

iked_peer_t *iked_peer_new(iked_server_t *srv);
void iked_peer_destroy(iked_peer_t **pm_p);
/* configd's configuration changed (or first arrived): re-read the tunnels */
void iked_peer_config_changed(iked_peer_t *pm);
/* every 250 ms: retransmissions, time-outs, initiations */
void iked_peer_tick(iked_peer_t *pm);
