/* datapathd on the bus: configd's tunnels in (Clone subscriber), tunnel and
 * SA state out (Clone publisher, root "dp"), counters on request (ctl). */
#pragma once
#include "bus.h"
#include "dp_table.h"

typedef struct dp_server dp_server_t;

typedef struct dp_server_opts {
  const char *state_dir;
  const char *netns_prefix;
} dp_server_opts_t;

dp_server_t *dp_server_new(erx_bus_t *bus, dp_table_t *tbl, const dp_server_opts_t *opts);
void dp_server_destroy(dp_server_t **s_p);
