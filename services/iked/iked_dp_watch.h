/* datapathd's SA events (Clone root "dp", topic dp.sa) as iked needs them:
 * an SA of a negotiated tunnel at its soft limit (90% of its kilobytes or
 * seconds) is rekeyed now. */
#pragma once
#include "bus.h"
#include "iked_peer.h"

typedef struct iked_dp_watch iked_dp_watch_t;

iked_dp_watch_t *iked_dp_watch_new(erx_bus_t *bus, iked_peer_t *pm);
void iked_dp_watch_destroy(iked_dp_watch_t **w_p);
