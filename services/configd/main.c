/* configd: the CLI grammar and the running configuration. */
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus.h"
#include "cfg_server.h"
#include "log.h"
#include "service.h"

static void usage(void)
{
  fprintf(stderr, "usage: configd --state DIR [--name HOSTNAME]\n");
}

int main(int argc, char **argv)
{
  cfg_server_opts_t opts = {.state_dir = NULL, .hostname = "host1"};
  static const struct option longopts[] = {
      {"state", required_argument, NULL, 's'},
      {"name", required_argument, NULL, 'n'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  int c;
  while ((c = getopt_long(argc, argv, "s:n:h", longopts, NULL)) != -1) {
    switch (c) {
    case 's':
      opts.state_dir = optarg;
      break;
    case 'n':
      opts.hostname = optarg;
      break;
    default:
      usage();
      return c == 'h' ? 0 : 2;
    }
  }
  if (!opts.state_dir) {
    usage();
    return 2;
  }
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
