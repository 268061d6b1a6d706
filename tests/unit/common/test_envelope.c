#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "config.pb-c.h"
#include "envelope.h"

static erx_env_t *round_trip(const erx_env_t *env) {
  uint8_t *buf;
  size_t len;
  cr_assert_eq(erx_env_pack(env, &buf, &len), 0);
  char err[128] = "";
  erx_env_t *out = erx_env_unpack(buf, len, err, sizeof err);
  cr_assert_not_null(out, "unpack: %s", err);
  free(buf);
  return out;
}

Test(envelope, every_body_type_round_trips) {
  const ProtobufCMessageDescriptor *d = &erx__bus__envelope__descriptor;
  unsigned members = 0;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
      continue;
    const ProtobufCMessageDescriptor *bd = f->descriptor;
    ProtobufCMessage *body = calloc(1, bd->sizeof_message);
    protobuf_c_message_init(bd, body);

    erx_env_t env = ERX_ENV_INIT;
    env.epoch = 0x1122334455667788ULL;
    env.seq = i + 1;
    env.key = "k";
    cr_assert_eq(erx_env_set_body(&env, body), 0, "%s", bd->name);
    cr_assert_eq(erx_env_body(&env), body);

    erx_env_t *out = round_trip(&env);
    const ProtobufCMessage *got = erx_env_body(out);
    cr_assert_not_null(got, "%s lost its body", bd->name);
    cr_assert_eq(got->descriptor, bd);
    cr_assert_eq(erx_env_body_as(out, bd), got);
    cr_assert_eq(out->seq, i + 1);
    cr_assert_eq(out->epoch, env.epoch);
    erx_env_free(out);
    free(body);
    members++;
  }
  cr_assert_geq(members, 16);
}

Test(envelope, content_survives) {
  Erx__Cfg__Tunnel t = ERX__CFG__TUNNEL__INIT;
  Erx__Cfg__Lifetime lt = ERX__CFG__LIFETIME__INIT;
  t.vr = "default";
  t.name = "t1";
  lt.seconds = 1800;
  t.lifetime = &lt;
  char *why[] = {"no destination"};
  t.incomplete = why;
  t.n_incomplete = 1;
  erx_env_t env = ERX_ENV_INIT;
  env.corr = 42;
  cr_assert_eq(erx_env_set_body(&env, &t.base), 0);
  erx_env_t *out = round_trip(&env);
  const Erx__Cfg__Tunnel *got = (const Erx__Cfg__Tunnel *)erx_env_body_as(out, &erx__cfg__tunnel__descriptor);
  cr_assert_not_null(got);
  cr_assert_null(erx_env_body_as(out, &erx__cfg__global__descriptor));
  cr_assert_str_eq(got->name, "t1");
  cr_assert_eq(got->lifetime->seconds, 1800);
  cr_assert_str_eq(got->incomplete[0], "no destination");
  cr_assert_eq(out->corr, 42);
  erx_env_free(out);
}

Test(envelope, delete_has_no_body) {
  Erx__Bus__Ping ping = ERX__BUS__PING__INIT;
  erx_env_t env = ERX_ENV_INIT;
  env.seq = 9;
  env.key = "tunnel/default/t1";
  erx_env_set_body(&env, &ping.base);
  cr_assert_eq(erx_env_set_body(&env, NULL), 0, "NULL clears the body");
  cr_assert_null(erx_env_body(&env));
  erx_env_t *out = round_trip(&env);
  cr_assert_null(erx_env_body(out));
  cr_assert_str_eq(out->key, "tunnel/default/t1");
  cr_assert_eq(out->seq, 9);
  erx_env_free(out);
}

Test(envelope, not_a_member) {
  Erx__Cfg__Lifetime lt = ERX__CFG__LIFETIME__INIT;
  erx_env_t env = ERX_ENV_INIT;
  cr_assert_eq(erx_env_set_body(&env, &lt.base), -1);
  cr_assert_null(erx_env_body(&env));
}

Test(envelope, malformed_input) {
  char err[128];
  cr_assert_null(erx_env_unpack("", 0, err, sizeof err));
  cr_assert_str_eq(err, "empty message");

  const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01};
  cr_assert_null(erx_env_unpack(junk, sizeof junk, err, sizeof err));
  cr_assert_str_eq(err, "truncated or malformed protobuf (7 bytes)");

  /* key field announcing 10 bytes but carrying 2 */
  const uint8_t truncated[] = {0x1a, 0x0a, 'a', 'b'};
  cr_assert_null(erx_env_unpack(truncated, sizeof truncated, err, sizeof err));
  cr_assert_str_eq(err, "truncated or malformed protobuf (4 bytes)");

  /* field 99, length-delimited, empty: a body type from a newer peer */
  const uint8_t unknown[] = {0x08, 0x01, 0x9a, 0x06, 0x00};
  cr_assert_null(erx_env_unpack(unknown, sizeof unknown, err, sizeof err));
  cr_assert_str_eq(err, "unknown body type (field 99)");

  /* an unknown header field is tolerated */
  const uint8_t newer_header[] = {0x08, 0x01, 0x30, 0x05};
  erx_env_t *env = erx_env_unpack(newer_header, sizeof newer_header, err, sizeof err);
  cr_assert_not_null(env, "%s", err);
  cr_assert_eq(env->epoch, 1);
  erx_env_free(env);

  static uint8_t big[17 * 1024 * 1024];
  cr_assert_null(erx_env_unpack(big, sizeof big, err, sizeof err));
  cr_assert(strstr(err, "too large") != NULL, "%s", err);
}
