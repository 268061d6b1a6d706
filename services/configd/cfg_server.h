/* configd's service: CLI requests in, group commit, publication, replies. */
#pragma once
#include <event2/event.h>
#include "bus.h"

typedef struct cfg_server cfg_server_t;

typedef struct cfg_server_opts {
  const char *state_dir;
  const char *hostname; /* default hostname of a new configuration */
} cfg_server_opts_t;

/* Opens the state directory (master key, store), replays the configuration,
 * binds the Clone publisher and the control socket, publishes everything. */
cfg_server_t *cfg_server_new(erx_bus_t *bus, const cfg_server_opts_t *opts);
void cfg_server_destroy(cfg_server_t **s_p);
