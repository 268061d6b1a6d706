/* The one table of bus endpoints (see endpoints.h for the rules). */
#include "endpoints.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERX_RUNDIR_DEFAULT "/run/erx"
/* tcp port = ERX_TCP_PORT_BASE + 10 * service + socket kind + 1, so
 * configd's PUB is 7101 and datapathd's CTL 7143. */
#define ERX_TCP_PORT_BASE 7100

static const char *const service_names[ERX_SVC_COUNT] = {
    [ERX_SVC_CONFIGD] = "configd",         [ERX_SVC_LICENSED] = "licensed",   [ERX_SVC_IKED] = "iked",
    [ERX_SVC_DPD_MONITOR] = "dpd-monitor", [ERX_SVC_DATAPATHD] = "datapathd",
};

static const char *const kind_names[ERX_SOCK_COUNT] = {
    [ERX_SOCK_PUB] = "pub",
    [ERX_SOCK_SNAP] = "snap",
    [ERX_SOCK_CTL] = "ctl",
};

const char *erx_service_name(erx_service_t svc) {
  return (unsigned)svc < ERX_SVC_COUNT ? service_names[svc] : "unknown";
}

int erx_service_from_name(const char *name) {
  for (int i = 0; name && i < ERX_SVC_COUNT; i++)
    if (strcmp(name, service_names[i]) == 0)
      return i;
  return -1;
}

const char *erx_sock_kind_name(erx_sock_kind_t kind) {
  return (unsigned)kind < ERX_SOCK_COUNT ? kind_names[kind] : "unknown";
}

const char *erx_rundir(void) {
  const char *dir = getenv("ERX_RUNDIR");
  return dir && *dir ? dir : ERX_RUNDIR_DEFAULT;
}

/* "ERX_EP_" + "dpd-monitor" + "_" + "pub" -> "ERX_EP_DPD_MONITOR_PUB" */
static void env_name(char *buf, size_t len, const char *prefix, const char *a, const char *b) {
  snprintf(buf, len, "%s%s%s%s", prefix, a, b ? "_" : "", b ? b : "");
  for (char *p = buf; *p; p++)
    *p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
}

static int put(char *buf, size_t len, int n) { return n < 0 || (size_t)n >= len ? -1 : 0; }

int erx_endpoint(erx_service_t svc, erx_sock_kind_t kind, bool bind, char *buf, size_t len) {
  if ((unsigned)svc >= ERX_SVC_COUNT || (unsigned)kind >= ERX_SOCK_COUNT)
    return -1;
  const char *sname = service_names[svc], *kname = kind_names[kind];
  char var[64];

  env_name(var, sizeof var, "ERX_EP_", sname, kname);
  const char *forced = getenv(var);
  if (forced && *forced)
    return put(buf, len, snprintf(buf, len, "%s", forced));

  const char *transport = getenv("ERX_TRANSPORT");
  if (transport && strcmp(transport, "tcp") == 0) {
    int port = ERX_TCP_PORT_BASE + 10 * (int)svc + (int)kind + 1;
    if (bind)
      return put(buf, len, snprintf(buf, len, "tcp://0.0.0.0:%d", port));
    env_name(var, sizeof var, "ERX_HOST_", sname, NULL);
    const char *host = getenv(var);
    return put(buf, len, snprintf(buf, len, "tcp://%s:%d", host && *host ? host : sname, port));
  }
  return put(buf, len, snprintf(buf, len, "ipc://%s/%s.%s", erx_rundir(), sname, kname));
}
