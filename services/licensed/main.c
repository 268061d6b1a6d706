/* licensed: the IPsec tunnel licence, the chassis ceiling and admissions. */
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus.h"
#include "chassis.h"
#include "lic_server.h"
#include "log.h"
#include "service.h"
#include "service_args.h"
#include "vendor_key.h"

int main(int argc, char **argv)
{
  char usage[512];
  snprintf(usage, sizeof usage,
           "usage: licensed --name NAME --state DIR [--chassis %s] [--vendor-key PUBLIC.pem]\n"
           "  --chassis defaults to $ERX_CHASSIS, then " LIC_DEFAULT_CHASSIS "\n",
           lic_chassis_names());
  static const char *const extra[] = {"chassis", "vendor-key"};
  erx_service_args_t args;
  int rc = erx_service_args(argc, argv, usage, extra, 2, &args);
  if (rc >= 0)
    return rc;
  const char *chassis_name = args.extra[0], *vendor_path = args.extra[1];
  lic_server_opts_t opts = {.state_dir = args.state_dir};
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
