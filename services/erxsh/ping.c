#include "ping.h"

#include <stdio.h>

#include "bus.pb-c.h"
#include "ctl_client.h"
#include "endpoints.h"
#include "options.h"

int erxsh_ping(const char *service, int timeout_ms) {
  int svc = erx_service_from_name(service);
  if (svc < 0) {
    fprintf(stderr, "erxsh: unknown service '%s' (one of:", service);
    for (int i = 0; i < ERX_SVC_COUNT; i++) fprintf(stderr, " %s", erx_service_name((erx_service_t)i));
    fprintf(stderr, ")\n");
    return ERXSH_EXIT_USAGE;
  }
  char ep[512];
  if (erx_endpoint((erx_service_t)svc, ERX_SOCK_CTL, false, ep, sizeof ep) < 0) {
    fprintf(stderr, "erxsh: the %s control endpoint does not fit in %zu bytes\n", service, sizeof ep);
    return ERXSH_EXIT_USAGE;
  }
  erx_ctl_client_t *c = erx_ctl_client_new(ep);
  if (!c) {
    fprintf(stderr, "erxsh: cannot open a client socket to %s\n", ep);
    return ERXSH_EXIT_REFUSED;
  }
  Erx__Bus__Ping ping = ERX__BUS__PING__INIT;
  char err[256] = "";
  erx_env_t *env = erx_ctl_call(c, &ping.base, timeout_ms, err, sizeof err);
  erx_ctl_client_destroy(&c);
  if (!env) {
    fprintf(stderr, "erxsh: %s did not answer the ping: %s\n", service, err);
    return ERXSH_EXIT_REFUSED;
  }
  const Erx__Bus__Pong *pong = (const Erx__Bus__Pong *)erx_env_body_as(env, &erx__bus__pong__descriptor);
  int rc = ERXSH_EXIT_OK;
  if (pong && pong->starting) {
    /* up but not ready (licensed still counting): callers wait on */
    printf("%s pid %u starting\n", *pong->service ? pong->service : service, pong->pid);
    rc = ERXSH_EXIT_REFUSED;
  } else if (pong) {
    printf("%s pid %u\n", *pong->service ? pong->service : service, pong->pid);
  } else {
    fprintf(stderr, "erxsh: %s answered a ping with something other than a pong\n", service);
    rc = ERXSH_EXIT_REFUSED;
  }
  erx_env_free(env);
  return rc;
}
