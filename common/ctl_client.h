/* Blocking client of a service's control socket, for tools (erxsh, tests,
 * benchmarks) that have no event loop.  A DEALER with correlation ids:
 * a late reply to an earlier, timed-out call is discarded. */
#pragma once
#include <protobuf-c/protobuf-c.h>
#include "envelope.h"

typedef struct erx_ctl_client erx_ctl_client_t;

erx_ctl_client_t *erx_ctl_client_new(const char *endpoint);
void erx_ctl_client_destroy(erx_ctl_client_t **c_p);
/* Sends body and waits up to timeout_ms for the matching reply.  Returns the
 * reply envelope (free with erx_env_free) or NULL with a reason in err
 * ("no answer from ... within N ms", "malformed reply: ..."). */
erx_env_t *erx_ctl_call(erx_ctl_client_t *c, const ProtobufCMessage *body, int timeout_ms, char *err, size_t errlen);
