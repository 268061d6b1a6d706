/* A service's client of another service's control socket, from inside an
 * event loop (configd asking licensed or datapathd while an operator waits).
 *
 * erx_ctl_call blocks the caller's loop until the answer or the timeout; a
 * dead or hung peer must not cost that wait on every command.  So after an
 * unanswered call the peer is not asked again for a quiet period: calls fail
 * at once until it ends or the caller learns the peer is back
 * (erx_ctl_guard_reset, e.g. when its Clone snapshot arrives). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>
#include "envelope.h"

typedef struct erx_ctl_guard erx_ctl_guard_t;

typedef enum {
  ERX_GUARD_REPLY = 0, /* *rep is the answer (free with erx_env_free) */
  ERX_GUARD_ERROR,     /* the peer answered Error: "<peer>: <text>" in err */
  ERX_GUARD_SILENT,    /* no answer now or within the quiet period: why in err */
} erx_guard_result_t;

/* peer: the service's name for the logs ("licensed").  call_ms: the longest
 * wait for one answer; quiet_ms: how long not to ask after an unanswered call. */
erx_ctl_guard_t *erx_ctl_guard_new(const char *endpoint, const char *peer, int call_ms, int quiet_ms);
void erx_ctl_guard_destroy(erx_ctl_guard_t **g_p);

erx_guard_result_t erx_ctl_guard_call(erx_ctl_guard_t *g, const ProtobufCMessage *body, erx_env_t **rep, char *err,
                                      size_t errlen);
/* The peer is known to be back: the next call asks it even if quiet. */
void erx_ctl_guard_reset(erx_ctl_guard_t *g);
/* True while calls fail at once. */
bool erx_ctl_guard_quiet(const erx_ctl_guard_t *g);
