#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "bus.pb-c.h"
#include "config.pb-c.h"
#include "pb_text.h"

static void expect(const ProtobufCMessage *m, const char *want) {
  char *got = erx_pb_text(m);
  cr_assert_not_null(got);
  cr_assert_str_eq(got, want);
  free(got);
}

Test(pb_text, example_from_the_brief) {
  Erx__Cfg__TransformSet ts = ERX__CFG__TRANSFORM_SET__INIT;
  Erx__Cfg__Transform tr[] = {ERX__CFG__TRANSFORM__ESP_3DES_HMAC_SHA, ERX__CFG__TRANSFORM__ESP_AES128_GCM};
  ts.name = "x";
  ts.transforms = tr;
  ts.n_transforms = 2;
  expect(&ts.base, "{name:\"x\" transforms:[ESP_3DES_HMAC_SHA ESP_AES128_GCM]}");

  Erx__Cfg__Global g = ERX__CFG__GLOBAL__INIT;
  Erx__Cfg__Lifetime lt = ERX__CFG__LIFETIME__INIT;
  lt.seconds = 1800;
  g.lifetime = &lt;
  g.dpd = true;
  expect(&g.base, "{lifetime:{seconds:1800} dpd:true}");
}

Test(pb_text, defaults_left_out) {
  Erx__Cfg__Tunnel t = ERX__CFG__TUNNEL__INIT;
  expect(&t.base, "{}");
  Erx__Cfg__Lifetime lt = ERX__CFG__LIFETIME__INIT;
  t.lifetime = &lt; /* present but empty */
  t.signaling = ERX__CFG__SIGNALING__SIG_MANUAL;
  t.mtu = 1400;
  expect(&t.base, "{signaling:SIG_MANUAL lifetime:{} mtu:1400}");
  expect(NULL, "null");
}

Test(pb_text, strings_escaped) {
  Erx__Cfg__System s = ERX__CFG__SYSTEM__INIT;
  s.hostname = "a\"b\\c\nd\x01é";
  expect(&s.base, "{hostname:\"a\\\"b\\\\c\\nd\\x01é\"}");
}

Test(pb_text, secrets_never_shown) {
  Erx__Cfg__PreSharedKey psk = ERX__CFG__PRE_SHARED_KEY__INIT;
  psk.vr = "default";
  psk.peer = "10.0.0.2";
  psk.masked = "AAAA";
  psk.secret = (ProtobufCBinaryData){7, (uint8_t *)"hunter2"};
  char *got = erx_pb_text(&psk.base);
  cr_assert_str_eq(got, "{vr:\"default\" peer:\"10.0.0.2\" masked:\"AAAA\" secret:<7 bytes>}");
  cr_assert_null(strstr(got, "hunter2"));
  free(got);

  Erx__Cfg__SessionKey sk = ERX__CFG__SESSION_KEY__INIT;
  sk.transform = ERX__CFG__TRANSFORM__ESP_AES256_HMAC_SHA;
  sk.spi = 4096;
  sk.enc_key = (ProtobufCBinaryData){32, (uint8_t *)"0123456789abcdef0123456789abcdef"};
  sk.auth_key = (ProtobufCBinaryData){20, (uint8_t *)"AUTHAUTHAUTHAUTHAUTH"};
  Erx__Cfg__Tunnel t = ERX__CFG__TUNNEL__INIT;
  t.name = "t1";
  t.inbound = &sk;
  got = erx_pb_text(&t.base);
  cr_assert_str_eq(got, "{name:\"t1\" inbound:{transform:ESP_AES256_HMAC_SHA spi:4096 enc_key:<32 bytes> "
                        "auth_key:<20 bytes>}}");
  free(got);
}

Test(pb_text, repeated_messages_and_oneof) {
  Erx__Cfg__CliLineResult r1 = ERX__CFG__CLI_LINE_RESULT__INIT, r2 = ERX__CFG__CLI_LINE_RESULT__INIT;
  r1.ok = true;
  r2.output = "% Invalid input";
  Erx__Cfg__CliLineResult *rs[] = {&r1, &r2};
  Erx__Cfg__CliReply rep = ERX__CFG__CLI_REPLY__INIT;
  rep.results = rs;
  rep.n_results = 2;
  char *comps[] = {"tunnel", "transform-set"};
  rep.completions = comps;
  rep.n_completions = 2;
  expect(&rep.base, "{results:[{ok:true} {output:\"% Invalid input\"}] completions:[\"tunnel\" \"transform-set\"]}");

  Erx__Bus__Pong pong = ERX__BUS__PONG__INIT;
  pong.service = "configd";
  pong.pid = 12;
  Erx__Bus__Envelope env = ERX__BUS__ENVELOPE__INIT;
  env.seq = 3;
  env.body_case = ERX__BUS__ENVELOPE__BODY_PONG;
  env.pong = &pong;
  expect(&env.base, "{seq:3 pong:{service:\"configd\" pid:12}}");
  Erx__Bus__Heartbeat hb = ERX__BUS__HEARTBEAT__INIT;
  env.body_case = ERX__BUS__ENVELOPE__BODY_HEARTBEAT;
  env.heartbeat = &hb;
  expect(&env.base, "{seq:3 heartbeat:{}}");
}
