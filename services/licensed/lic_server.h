/* licensed's service: the licence in force, configd's tunnel count (Clone
 * subscriber), admissions and installs (ctl), and the publication of the
 * licence state and the blocked tunnels (Clone root "lic"). */
#pragma once
#include <stdint.h>
#include <openssl/evp.h>

#include "bus.h"
#include "chassis.h"

typedef struct lic_server lic_server_t;

typedef struct lic_server_opts {
  const char *state_dir;
  const lic_chassis_t *chassis;
  EVP_PKEY *vendor;          /* borrowed: must outlive the server */
  const char *vendor_source; /* for the log: "built-in lab key" or a path */
  int64_t reservation_ms;    /* 0: LIC_RESERVATION_MS (tests shorten it) */
} lic_server_opts_t;

/* Loads the stored licence (one that fails verification is kept on disk but
 * not in force), binds the publisher and the control socket, subscribes to
 * configd's tunnels.  Requests that arrive before configd's first snapshot
 * are held up to 0.5 s and answered as soon as the count is known (else
 * "still counting").  NULL (logged) on failure. */
lic_server_t *lic_server_new(erx_bus_t *bus, const lic_server_opts_t *opts);
void lic_server_destroy(lic_server_t **s_p);
