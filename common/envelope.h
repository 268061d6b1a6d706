/* The typed envelope: pack/unpack of erx.bus.Envelope and its oneof body.
 * The body is set and read generically through the protobuf-c descriptors:
 * the oneof member whose message type matches the body's descriptor. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "bus.pb-c.h"
#include "bus.h"

typedef Erx__Bus__Envelope erx_env_t;

#define ERX_ENV_INIT ERX__BUS__ENVELOPE__INIT

/* body NULL clears it (a Clone delete).  Returns 0, -1 if the type is not a
 * member of the oneof. The envelope points at body (no copy). */
int erx_env_set_body(erx_env_t *env, const ProtobufCMessage *body);
/* NULL when no body. */
const ProtobufCMessage *erx_env_body(const erx_env_t *env);
/* The body if it is of type desc, else NULL. */
const ProtobufCMessage *erx_env_body_as(const erx_env_t *env, const ProtobufCMessageDescriptor *desc);

/* malloc'd buffer. Returns 0 or -1. */
int erx_env_pack(const erx_env_t *env, uint8_t **buf, size_t *len);
/* NULL on error with a precise reason in err ("empty message", "truncated
 * or malformed protobuf (N bytes)", ...).  Free with erx_env_free. */
erx_env_t *erx_env_unpack(const void *buf, size_t len, char *err, size_t errlen);
void erx_env_free(erx_env_t *env);

/* Send [prefix frames...][packed envelope]. */
int erx_sock_send_env(erx_sock_t *sock, const erx_frame_t *prefix, size_t nprefix, const erx_env_t *env);
