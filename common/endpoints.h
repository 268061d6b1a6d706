/* The one table of bus endpoints.
 *
 * Default: ipc://$ERX_RUNDIR/<service>.<socket>  ($ERX_RUNDIR default /run/erx).
 * Containers: ERX_TRANSPORT=tcp gives bind "tcp://0.0.0.0:<port>" and connect
 * "tcp://<host>:<port>" where <host> is $ERX_HOST_<SERVICE> or the service
 * name.  Any single endpoint can be forced with $ERX_EP_<SERVICE>_<SOCKET>
 * (upper case, '-' -> '_'), e.g. ERX_EP_CONFIGD_PUB=tcp://10.0.0.1:7101. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

typedef enum {
  ERX_SVC_CONFIGD = 0,
  ERX_SVC_LICENSED,
  ERX_SVC_IKED,
  ERX_SVC_DPD_MONITOR,
  ERX_SVC_DATAPATHD,
  ERX_SVC_COUNT
} erx_service_t;

typedef enum {
  ERX_SOCK_PUB = 0, /* Clone publisher (PUB) */
  ERX_SOCK_SNAP,    /* Clone snapshot server (ROUTER) */
  ERX_SOCK_CTL,     /* request/reply control (ROUTER) */
  ERX_SOCK_COUNT
} erx_sock_kind_t;

const char *erx_service_name(erx_service_t svc);
/* -1 if unknown */
int erx_service_from_name(const char *name);
const char *erx_sock_kind_name(erx_sock_kind_t kind);

/* Writes the endpoint into buf.  Returns 0, or -1 if it does not fit. */
int erx_endpoint(erx_service_t svc, erx_sock_kind_t kind, bool bind, char *buf, size_t len);
/* $ERX_RUNDIR or the default */
const char *erx_rundir(void);
