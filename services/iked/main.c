/* iked: IKEv1 negotiation of configd's signaled tunnels (DESIGN §5). */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus.h"
#include "iked_server.h"
#include "log.h"
#include "service.h"
#include "service_args.h"

static const char usage[] = "usage: iked --name NAME --state DIR [--vr-netns-prefix PREFIX]\n"
                            "  virtual router X (other than default) is network namespace PREFIX+X;\n"
                            "  PREFIX defaults to $ERX_VR_NETNS_PREFIX, then empty\n";

int main(int argc, char **argv)
{
  static const char *const extra[] = {"vr-netns-prefix"};
  erx_service_args_t args;
  int rc = erx_service_args(argc, argv, usage, extra, 1, &args);
  if (rc >= 0)
    return rc;
  iked_server_opts_t opts = {.state_dir = args.state_dir,
                             .netns_prefix = args.extra[0] ? args.extra[0] : getenv("ERX_VR_NETNS_PREFIX")};
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
