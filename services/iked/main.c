/* iked: IKEv1 negotiation of configd's signaled tunnels (DESIGN §5). */
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus.h"
#include "iked_server.h"
#include "log.h"
#include "service.h"

static void usage(void)
{
  fprintf(stderr, "usage: iked --name NAME --state DIR [--vr-netns-prefix PREFIX]\n"
                  "  virtual router X (other than default) is network namespace PREFIX+X;\n"
                  "  PREFIX defaults to $ERX_VR_NETNS_PREFIX, then empty\n");
}

int main(int argc, char **argv)
{
  iked_server_opts_t opts = {.netns_prefix = getenv("ERX_VR_NETNS_PREFIX")};
  static const struct option longopts[] = {
      {"name", required_argument, NULL, 'n'},
      {"state", required_argument, NULL, 's'},
      {"vr-netns-prefix", required_argument, NULL, 'p'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  int c;
  while ((c = getopt_long(argc, argv, "n:s:p:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'n':
      break; /* the router's name: iked has no use for it */
    case 's':
      opts.state_dir = optarg;
      break;
    case 'p':
      opts.netns_prefix = optarg;
      break;
    default:
      usage();
      return c == 'h' ? 0 : 2;
    }
  }
  if (!opts.state_dir || optind != argc) {
    usage();
    return 2;
  }
  erx_log_init("iked");
  struct event_base *base = event_base_new();
  erx_bus_t *bus = base ? erx_bus_new(base) : NULL;
  iked_server_t *server = bus ? iked_server_new(bus, &opts) : NULL;
  if (!server) {
    LOG_ERR("start-up failed");
    return 1;
  }
  erx_service_run(base);
  iked_server_destroy(&server);
  erx_bus_destroy(&bus);
  event_base_free(base);
  return 0;
}
