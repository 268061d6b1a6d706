/* configd: the CLI grammar and the running configuration. */
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus.h"
#include "cfg_server.h"
#include "log.h"
#include "service.h"
#include "service_args.h"

static const char usage[] = "usage: configd --state DIR [--name HOSTNAME]\n";

int main(int argc, char **argv)
{
  erx_service_args_t args;
  int rc = erx_service_args(argc, argv, usage, NULL, 0, &args);
  if (rc >= 0)
    return rc;
  /* the router's name is its initial hostname */
  cfg_server_opts_t opts = {.state_dir = args.state_dir, .hostname = args.name ? args.name : "host1"};
  erx_log_init("configd");

  struct event_base *base = event_base_new();
  erx_bus_t *bus = base ? erx_bus_new(base) : NULL;
  cfg_server_t *server = bus ? cfg_server_new(bus, &opts) : NULL;
  if (!server) {
    LOG_ERR("start-up failed");
    return 1;
  }
  erx_service_run(base);
  cfg_server_destroy(&server);
  erx_bus_destroy(&bus);
  event_base_free(base);
  return 0;
}
