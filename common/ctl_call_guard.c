#include "ctl_call_guard.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_client.h"
#include "log.h"

struct erx_ctl_guard {
  erx_ctl_client_t *ctl;
  char peer[32];
  int call_ms, quiet_ms;
  int64_t quiet_until; /* monotonic ms; 0: not quiet */
};

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

erx_ctl_guard_t *erx_ctl_guard_new(const char *endpoint, const char *peer, int call_ms, int quiet_ms)
{
  erx_ctl_guard_t *g = calloc(1, sizeof *g);
  if (!g)
    return NULL;
  g->ctl = erx_ctl_client_new(endpoint);
  if (!g->ctl) {
    free(g);
    return NULL;
  }
  snprintf(g->peer, sizeof g->peer, "%s", peer);
  g->call_ms = call_ms;
  g->quiet_ms = quiet_ms;
  return g;
}

void erx_ctl_guard_destroy(erx_ctl_guard_t **g_p)
{
  erx_ctl_guard_t *g = *g_p;
  if (!g)
    return;
  erx_ctl_client_destroy(&g->ctl);
  free(g);
  *g_p = NULL;
}

erx_guard_result_t erx_ctl_guard_call(erx_ctl_guard_t *g, const ProtobufCMessage *body, erx_env_t **rep, char *err,
                                      size_t errlen)
{
  *rep = NULL;
  if (erx_ctl_guard_quiet(g)) {
    snprintf(err, errlen, "%s did not answer a moment ago; not asked again yet", g->peer);
    return ERX_GUARD_SILENT;
  }
  char why[320];
  erx_env_t *r = erx_ctl_call(g->ctl, body, g->call_ms, why, sizeof why);
  if (!r) {
    LOG_WARN("%s: %s; not asking again for %d ms", g->peer, why, g->quiet_ms);
    g->quiet_until = now_ms() + g->quiet_ms;
    snprintf(err, errlen, "%s: %s", g->peer, why);
    return ERX_GUARD_SILENT;
  }
  g->quiet_until = 0;
  if (r->body_case == ERX__BUS__ENVELOPE__BODY_ERROR) {
    snprintf(err, errlen, "%s: %s", g->peer, r->error->text);
    erx_env_free(r);
    return ERX_GUARD_ERROR;
  }
  *rep = r;
  return ERX_GUARD_REPLY;
}

void erx_ctl_guard_reset(erx_ctl_guard_t *g)
{
  g->quiet_until = 0;
}

bool erx_ctl_guard_quiet(const erx_ctl_guard_t *g)
{
  return g->quiet_until && now_ms() < g->quiet_until;
}
