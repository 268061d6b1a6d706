/* Envelope pack/unpack.  The body is handled generically through the
 * descriptors, so adding a message to the oneof in bus.proto needs no code
 * here. */
#include "envelope.h"

#include <stdio.h>
#include <stdlib.h>

/* Bigger than any snapshot item or CLI reply we produce; anything larger is
 * garbage or an attack. */
#define ERX_ENV_MAX_BYTES (16 * 1024 * 1024)

static const ProtobufCMessageDescriptor *const env_desc = &erx__bus__envelope__descriptor;

/* The oneof member carrying messages of type desc, or NULL. */
static const ProtobufCFieldDescriptor *body_field_for(const ProtobufCMessageDescriptor *desc) {
  for (unsigned i = 0; i < env_desc->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &env_desc->fields[i];
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && f->type == PROTOBUF_C_TYPE_MESSAGE && f->descriptor == desc)
      return f;
  }
  return NULL;
}

/* Any member will do: they share the case word and the union.  Fields are
 * sorted by number, so this is the lowest-numbered body field. */
static const ProtobufCFieldDescriptor *any_body_field(void) {
  for (unsigned i = 0; i < env_desc->n_fields; i++)
    if (env_desc->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
      return &env_desc->fields[i];
  return NULL;
}

#define AT(env, off, type) ((type *)((char *)(env) + (off)))

int erx_env_set_body(erx_env_t *env, const ProtobufCMessage *body) {
  const ProtobufCFieldDescriptor *f = body ? body_field_for(body->descriptor) : any_body_field();
  if (!f)
    return -1;
  *AT(env, f->offset, const ProtobufCMessage *) = body;
  *AT(env, f->quantifier_offset, uint32_t) = body ? f->id : 0;
  return 0;
}

const ProtobufCMessage *erx_env_body(const erx_env_t *env) {
  const ProtobufCFieldDescriptor *any = any_body_field();
  uint32_t id = *AT(env, any->quantifier_offset, const uint32_t);
  if (id == 0)
    return NULL;
  const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(env_desc, id);
  return f ? *AT(env, f->offset, ProtobufCMessage *const) : NULL;
}

const ProtobufCMessage *erx_env_body_as(const erx_env_t *env, const ProtobufCMessageDescriptor *desc) {
  const ProtobufCMessage *body = erx_env_body(env);
  return body && body->descriptor == desc ? body : NULL;
}

int erx_env_pack(const erx_env_t *env, uint8_t **buf, size_t *len) {
  size_t n = protobuf_c_message_get_packed_size(&env->base);
  uint8_t *b = malloc(n ? n : 1);
  if (!b)
    return -1;
  *len = protobuf_c_message_pack(&env->base, b);
  *buf = b;
  return 0;
}

erx_env_t *erx_env_unpack(const void *buf, size_t len, char *err, size_t errlen) {
  if (len == 0) {
    snprintf(err, errlen, "empty message");
    return NULL;
  }
  if (len > ERX_ENV_MAX_BYTES) {
    snprintf(err, errlen, "message too large (%zu bytes, limit %d)", len, ERX_ENV_MAX_BYTES);
    return NULL;
  }
  erx_env_t *env = erx__bus__envelope__unpack(NULL, len, buf);
  if (!env) {
    snprintf(err, errlen, "truncated or malformed protobuf (%zu bytes)", len);
    return NULL;
  }
  /* A body field we do not know is from a newer peer: refuse rather than
   * take the message for a Clone delete. */
  if (!erx_env_body(env)) {
    for (size_t i = 0; i < env->base.n_unknown_fields; i++) {
      uint32_t tag = env->base.unknown_fields[i].tag;
      if (tag >= any_body_field()->id) {
        snprintf(err, errlen, "unknown body type (field %u)", tag);
        erx_env_free(env);
        return NULL;
      }
    }
  }
  return env;
}

void erx_env_free(erx_env_t *env) {
  if (env)
    erx__bus__envelope__free_unpacked(env, NULL);
}

int erx_sock_send_env(erx_sock_t *sock, const erx_frame_t *prefix, size_t nprefix, const erx_env_t *env) {
  erx_frame_t frames[8];
  if (nprefix >= sizeof frames / sizeof frames[0])
    return -1;
  uint8_t *buf;
  size_t len;
  if (erx_env_pack(env, &buf, &len) != 0)
    return -1;
  for (size_t i = 0; i < nprefix; i++)
    frames[i] = prefix[i];
  frames[nprefix] = (erx_frame_t){buf, len};
  int rc = erx_sock_send(sock, frames, nprefix + 1);
  free(buf); /* free() keeps errno for the caller */
  return rc;
}
