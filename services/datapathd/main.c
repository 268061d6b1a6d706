/* datapathd: the userspace ESP/AH data path (DESIGN §6). */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus.h"
#include "dp_server.h"
#include "dp_table.h"
#include "dp_workers.h"
#include "log.h"
#include "sa_crypto.h"
#include "service.h"
#include "service_args.h"

static const char usage[] = "usage: datapathd --name NAME --state DIR [--vr-netns-prefix PREFIX]\n"
                            "  virtual router X (other than default) is network namespace PREFIX+X;\n"
                            "  PREFIX defaults to $ERX_VR_NETNS_PREFIX, then empty\n";

int main(int argc, char **argv)
{
  static const char *const extra[] = {"vr-netns-prefix"};
  erx_service_args_t args;
  int rc = erx_service_args(argc, argv, usage, extra, 1, &args);
  if (rc >= 0)
    return rc;
  dp_server_opts_t opts = {.state_dir = args.state_dir,
                           .netns_prefix = args.extra[0] ? args.extra[0] : getenv("ERX_VR_NETNS_PREFIX")};
  erx_log_init("datapathd");
  char err[256];
  if (!dp_crypto_init(err, sizeof err)) {
    LOG_ERR("crypto: %s", err);
    return 1;
  }
  if (!dp_crypto_legacy_available())
    LOG_WARN("OpenSSL's legacy provider is missing: single-DES transforms cannot be used");
  dp_table_t table;
  if (dp_table_init(&table, err, sizeof err) != 0) {
    LOG_ERR("%s", err);
    return 1;
  }
  dp_workers_t workers;
  struct event_base *base = event_base_new();
  erx_bus_t *bus = base ? erx_bus_new(base) : NULL;
  dp_server_t *server = bus ? dp_server_new(bus, &table, &opts) : NULL;
  if (!server || dp_workers_start(&workers, &table, err, sizeof err) != 0) {
    LOG_ERR("start-up failed%s%s", server ? ": " : "", server ? err : "");
    return 1;
  }
  erx_service_run(base);
  dp_workers_stop(&workers, &table);
  dp_server_destroy(&server);
  erx_bus_destroy(&bus);
  event_base_free(base);
  dp_table_destroy(&table);
  return 0;
}
