/* licensed: the IPsec tunnel licence, the chassis ceiling and admissions. */
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus.h"
#include "chassis.h"
#include "lic_server.h"
#include "log.h"
#include "service.h"
#include "vendor_key.h"

static void usage(void)
{
  fprintf(stderr, "usage: licensed --name NAME --state DIR [--chassis %s] [--vendor-key PUBLIC.pem]\n"
                  "  --chassis defaults to $ERX_CHASSIS, then " LIC_DEFAULT_CHASSIS "\n",
          lic_chassis_names());
}

int main(int argc, char **argv)
{
  const char *chassis_name = NULL, *vendor_path = NULL;
  lic_server_opts_t opts = {.state_dir = NULL};
  static const struct option longopts[] = {
      {"name", required_argument, NULL, 'n'},
      {"state", required_argument, NULL, 's'},
      {"chassis", required_argument, NULL, 'c'},
      {"vendor-key", required_argument, NULL, 'k'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  int c;
  while ((c = getopt_long(argc, argv, "n:s:c:k:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'n':
      break; /* the router's name: every service takes it; licensed has no use for it */
    case 's':
      opts.state_dir = optarg;
      break;
    case 'c':
      chassis_name = optarg;
      break;
    case 'k':
      vendor_path = optarg;
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
  if (!chassis_name)
    chassis_name = getenv("ERX_CHASSIS");
  if (!chassis_name || !*chassis_name)
    chassis_name = LIC_DEFAULT_CHASSIS;
  opts.chassis = lic_chassis_find(chassis_name);
  if (!opts.chassis) {
    fprintf(stderr, "licensed: unknown chassis '%s' (one of: %s)\n", chassis_name, lic_chassis_names());
    return 2;
  }
  erx_log_init("licensed");

  char err[320];
  EVP_PKEY *vendor = lic_vendor_key(vendor_path, err, sizeof err);
  if (!vendor) {
    LOG_ERR("vendor key: %s", err);
    return 1;
  }
  opts.vendor = vendor;
  opts.vendor_source = vendor_path ? vendor_path : "built-in lab key (deploy/lab-license)";

  struct event_base *base = event_base_new();
  erx_bus_t *bus = base ? erx_bus_new(base) : NULL;
  lic_server_t *server = bus ? lic_server_new(bus, &opts) : NULL;
  if (!server) {
    LOG_ERR("start-up failed");
    return 1;
  }
  erx_service_run(base);
  lic_server_destroy(&server);
  erx_bus_destroy(&bus);
  event_base_free(base);
  EVP_PKEY_free(vendor);
  return 0;
}
