/* datapathd: the userspace ESP/AH data path (DESIGN §6). */
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus.h"
#include "dp_server.h"
#include "dp_table.h"
#include "dp_workers.h"
#include "log.h"
#include "sa_crypto.h"
#include "service.h"

static void usage(void)
{
  fprintf(stderr, "usage: datapathd --name NAME --state DIR [--vr-netns-prefix PREFIX]\n"
                  "  virtual router X (other than default) is network namespace PREFIX+X;\n"
                  "  PREFIX defaults to $ERX_VR_NETNS_PREFIX, then empty\n");
}

int main(int argc, char **argv)
{
  dp_server_opts_t opts = {.netns_prefix = getenv("ERX_VR_NETNS_PREFIX")};
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
      break; /* the router's name: datapathd has no use for it */
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
