/* ISAKMP builder: the exact bytes of a strongSwan-like message, round trips
 * of every payload kind, attribute encoding, and the writer's bounds. */
#include <criterion/criterion.h>
#include <string.h>

#include "isakmp_build.h"
#include "isakmp_codec.h"
#include "isakmp_samples.h"

static isakmp_error_t err;
static uint8_t a[4096], b2[4096];
static isakmp_msg_t msg;
static isakmp_decoded_t dec;

Test(build, strongswan_main_mode_first_message_byte_for_byte)
{
  size_t len = sample_mm1(a, sizeof a);
  cr_assert_eq(len, sample_mm1_len);
  for (size_t i = 0; i < len; i++)
    cr_assert_eq(a[i], sample_mm1_bytes[i], "byte %zu: 0x%02x, want 0x%02x", i, a[i], sample_mm1_bytes[i]);
}

Test(build, every_sample_round_trips_byte_for_byte)
{
  for (const sample_t *s = samples; s->name; s++) {
    size_t len = s->build(a, sizeof a);
    cr_assert_gt(len, 28, "%s", s->name);
    size_t len2 = sample_rebuild(a, len, b2, sizeof b2, &err);
    cr_assert_eq(len2, len, "%s: %s", s->name, err.msg);
    cr_assert_eq(memcmp(a, b2, len), 0, "%s", s->name);
  }
}

Test(build, quick_mode_contents)
{
  size_t len = sample_quick(a, sizeof a);
  cr_assert_eq(isakmp_parse_message(a, len, &msg, &err), ISAKMP_OK, "%s", err.msg);
  static const uint8_t types[] = {ISAKMP_PL_HASH, ISAKMP_PL_SA, ISAKMP_PL_NONCE, ISAKMP_PL_KE, ISAKMP_PL_ID,
                                  ISAKMP_PL_ID};
  cr_assert_eq(msg.n, sizeof types);
  for (unsigned i = 0; i < msg.n; i++)
    cr_assert_eq(msg.pl[i].type, types[i], "payload %u", i);
  cr_assert_eq(msg.hdr.msgid, 0x01020304);
  cr_assert_eq(isakmp_decode_payload(&msg.pl[1], &dec, &err), ISAKMP_OK, "%s", err.msg);
  const isakmp_sa_t *sa = &dec.u.sa;
  cr_assert_eq(sa->nprop, 2);
  cr_assert(sa->prop[0].number == 1 && sa->prop[1].number == 1, "ESP and AH ANDed");
  cr_assert_eq(sa->prop[0].protocol, ISAKMP_PROTO_ESP);
  cr_assert_eq(sa->prop[0].spi_size, 4);
  cr_assert_eq(sa->prop[0].spi[0], 0xc1);
  cr_assert_eq(sa->prop[0].nxf, 2);
  cr_assert_eq(sa->prop[1].protocol, ISAKMP_PROTO_AH);
  const isakmp_transform_t *t = isakmp_sa_xf(sa, &sa->prop[0], 0);
  cr_assert_eq(t->id, ESP_ID_AES_CBC);
  const isakmp_attr_t *kb = isakmp_sa_attr(sa, t, 3);
  cr_assert(kb->type == IPSEC_ATTR_LIFE_DURATION && !kb->tv && kb->len == 4 && kb->num_ok);
  cr_assert_eq(kb->num, 4608000);
  cr_assert_eq(isakmp_xf_find(sa, t, IPSEC_ATTR_KEY_LENGTH)->num, 128);
  cr_assert_null(isakmp_xf_find(sa, isakmp_sa_xf(sa, &sa->prop[0], 1), IPSEC_ATTR_KEY_LENGTH));
  const isakmp_transform_t *ah = isakmp_sa_xf(sa, &sa->prop[1], 0);
  cr_assert_eq(isakmp_xf_find(sa, ah, IPSEC_ATTR_ENCAP_MODE)->num, IPSEC_ENCAP_UDP_TUNNEL_DRAFT);
  cr_assert_eq(isakmp_decode_payload(&msg.pl[5], &dec, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert(dec.u.id.type == ISAKMP_ID_IPV4_ADDR_SUBNET && dec.u.id.len == 8 && dec.u.id.data[0] == 198);
}

Test(build, informational_contents)
{
  size_t len = sample_info(a, sizeof a);
  cr_assert_eq(isakmp_parse_message(a, len, &msg, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert_eq(msg.n, 4);
  cr_assert_eq(isakmp_decode_payload(&msg.pl[1], &dec, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert(dec.u.n.type == ISAKMP_N_R_U_THERE && dec.u.n.spi_size == 16 && dec.u.n.len == 4);
  cr_assert_eq(dec.u.n.spi[15], 0xcc);
  cr_assert_eq(dec.u.n.data[3], 0x34);
  cr_assert_eq(isakmp_decode_payload(&msg.pl[2], &dec, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert(dec.u.d.protocol == ISAKMP_PROTO_ESP && dec.u.d.count == 2 && dec.u.d.spis[7] == 2);
  cr_assert_eq(isakmp_decode_payload(&msg.pl[3], &dec, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert(dec.u.n.type == ISAKMP_N_INITIAL_CONTACT && dec.u.n.protocol == 0 && dec.u.n.len == 0);
}

/* One payload in a chain of its own, parsed back and decoded into dec. */
static void one(void (*put)(isakmp_wbuf_t *), uint8_t type)
{
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, a, sizeof a);
  put(&w);
  size_t len = isakmp_finish(&w);
  cr_assert_gt(len, 0);
  cr_assert_eq(w.first, type);
  unsigned n;
  cr_assert_eq(isakmp_parse_chain(w.first, a, len, msg.pl, ISAKMP_MAX_PAYLOADS, &n, NULL, &err), ISAKMP_OK, "%s",
               err.msg);
  cr_assert_eq(n, 1);
  cr_assert_eq(isakmp_decode_payload(&msg.pl[0], &dec, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert_eq(dec.type, type);
}

static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

static void put_natoa(isakmp_wbuf_t *w)
{
  isakmp_put_natoa(w, ISAKMP_PL_NATOA_DRAFT, &(isakmp_natoa_t){.id_type = ISAKMP_ID_IPV6_ADDR, .addr = v6, .len = 16});
}

static void put_cert(isakmp_wbuf_t *w)
{
  isakmp_put_cert(w, ISAKMP_PL_CERT, &(isakmp_cert_t){.encoding = 4, .data = v6, .len = 16});
}

static void put_cr(isakmp_wbuf_t *w)
{
  isakmp_put_cert(w, ISAKMP_PL_CR, &(isakmp_cert_t){.encoding = 4});
}

static void put_sig(isakmp_wbuf_t *w)
{
  isakmp_put_raw(w, ISAKMP_PL_SIG, v6, 16);
}

static void put_natd_draft(isakmp_wbuf_t *w)
{
  isakmp_put_natd(w, true, v6, 16);
}

static void put_id_v6(isakmp_wbuf_t *w)
{
  isakmp_put_id(w, &(isakmp_id_t){.type = ISAKMP_ID_IPV6_ADDR, .protocol = 6, .port = 179, .data = v6, .len = 16});
}

static void put_delete_isakmp(isakmp_wbuf_t *w)
{
  isakmp_put_delete(w, &(isakmp_delete_t){.doi = 1, .protocol = ISAKMP_PROTO_ISAKMP, .spi_size = 16, .count = 1,
                                          .spis = sample_vid_dpd});
}

Test(build, payload_kinds_the_samples_lack)
{
  one(put_natoa, ISAKMP_PL_NATOA_DRAFT);
  cr_assert(dec.u.natoa.id_type == ISAKMP_ID_IPV6_ADDR && dec.u.natoa.len == 16 && dec.u.natoa.addr[15] == 1);
  one(put_cert, ISAKMP_PL_CERT);
  cr_assert(dec.u.cert.encoding == 4 && dec.u.cert.len == 16);
  one(put_cr, ISAKMP_PL_CR);
  cr_assert(dec.u.cert.encoding == 4 && dec.u.cert.len == 0);
  one(put_sig, ISAKMP_PL_SIG);
  cr_assert_eq(dec.u.raw.len, 16);
  one(put_natd_draft, ISAKMP_PL_NATD_DRAFT);
  cr_assert_eq(memcmp(dec.u.raw.data, v6, 16), 0);
  one(put_id_v6, ISAKMP_PL_ID);
  cr_assert(dec.u.id.protocol == 6 && dec.u.id.port == 179 && dec.u.id.len == 16);
  one(put_delete_isakmp, ISAKMP_PL_D);
  cr_assert(dec.u.d.spi_size == 16 && dec.u.d.count == 1 && dec.u.d.spis[0] == 0xaf);
}

Test(build, attribute_forms)
{
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, a, sizeof a);
  isakmp_sa_begin(&w, 1, 1);
  isakmp_prop_begin(&w, 1, ISAKMP_PROTO_ISAKMP, NULL, 0);
  isakmp_xf_begin(&w, 1, ISAKMP_KEY_IKE);
  isakmp_attr(&w, IKE_ATTR_LIFE_DURATION, 0xffff);
  isakmp_attr(&w, IKE_ATTR_LIFE_DURATION, 0x10000);
  isakmp_attr(&w, IKE_ATTR_LIFE_DURATION, 0x100000000);
  isakmp_attr_tlv(&w, IKE_ATTR_GROUP_PRIME, (const uint8_t *)"0123456789", 10);
  isakmp_attr_tlv(&w, IKE_ATTR_GROUP_GEN1, NULL, 0);
  size_t len = isakmp_finish(&w);
  cr_assert_eq(len, 4 + 8 + 8 + 8 + 4 + (4 + 4) + (4 + 8) + (4 + 10) + 4);
  static isakmp_sa_t sa;
  cr_assert_eq(isakmp_parse_sa(a + 4, len - 4, &sa, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert_eq(sa.nattrs, 5);
  cr_assert(sa.attrs[0].tv && sa.attrs[0].num == 0xffff);
  cr_assert(!sa.attrs[1].tv && sa.attrs[1].len == 4 && sa.attrs[1].num == 0x10000);
  cr_assert(!sa.attrs[2].tv && sa.attrs[2].len == 8 && sa.attrs[2].num == 0x100000000);
  cr_assert(!sa.attrs[3].tv && sa.attrs[3].len == 10 && !sa.attrs[3].num_ok);
  cr_assert(!sa.attrs[4].tv && sa.attrs[4].len == 0 && sa.attrs[4].num_ok && sa.attrs[4].num == 0);
  /* the SA rebuilt from its parse is the same SA */
  static isakmp_sa_t again;
  isakmp_wbuf_init(&w, b2, sizeof b2);
  isakmp_put_sa(&w, &sa);
  size_t len2 = isakmp_finish(&w);
  cr_assert_eq(len2, len);
  cr_assert_eq(isakmp_parse_sa(b2 + 4, len2 - 4, &again, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert(isakmp_sa_equal(&sa, &again));
  again.attrs[3].len--;
  cr_assert_not(isakmp_sa_equal(&sa, &again));
}

Test(build, never_writes_past_cap)
{
  uint8_t full[512];
  size_t len = sample_quick(full, sizeof full);
  cr_assert_gt(len, 0);
  for (size_t cap = 0; cap < len; cap++) {
    memset(a, 0xa5, sizeof a);
    cr_assert_eq(sample_quick(a, cap), 0, "cap %zu", cap);
    for (size_t i = cap; i < sizeof a; i++)
      cr_assert_eq(a[i], 0xa5, "cap %zu: byte %zu written", cap, i);
  }
  cr_assert_eq(sample_quick(a, len), len);
  cr_assert_eq(memcmp(a, full, len), 0);
}

Test(build, lengths_that_do_not_fit_16_bits)
{
  static uint8_t big[70000], body[65532];
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, big, sizeof big);
  isakmp_put_raw(&w, ISAKMP_PL_KE, body, 65531);
  cr_assert_eq(isakmp_finish(&w), 65535);
  isakmp_wbuf_init(&w, big, sizeof big);
  isakmp_put_raw(&w, ISAKMP_PL_KE, body, 65532);
  cr_assert_eq(isakmp_finish(&w), 0);
  cr_assert(w.overflow);
}

Test(build, calls_out_of_order)
{
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, a, sizeof a);
  isakmp_xf_begin(&w, 1, 1);
  cr_assert(w.misuse, "a transform outside a proposal");
  isakmp_wbuf_init(&w, a, sizeof a);
  isakmp_put_vid(&w, "x", 1);
  isakmp_prop_begin(&w, 1, ISAKMP_PROTO_ESP, (const uint8_t *)"abcd", 4);
  cr_assert(w.misuse, "a proposal outside an SA");
  isakmp_wbuf_init(&w, a, sizeof a);
  isakmp_sa_begin(&w, 1, 1);
  isakmp_prop_begin(&w, 1, ISAKMP_PROTO_ESP, (const uint8_t *)"abcd", 4);
  isakmp_attr(&w, 1, 1);
  cr_assert(w.misuse, "an attribute outside a transform");
  isakmp_wbuf_init(&w, a, sizeof a);
  isakmp_put_vid(&w, "x", 1);
  isakmp_put_header(&w, &(isakmp_hdr_t){.exchange = ISAKMP_XCHG_MAIN});
  cr_assert(w.misuse, "a header after a payload");
  cr_assert_eq(isakmp_finish(&w), 0);
  /* 256 transforms do not fit the proposal's one-byte count */
  isakmp_wbuf_init(&w, b2, sizeof b2);
  isakmp_sa_begin(&w, 1, 1);
  isakmp_prop_begin(&w, 1, ISAKMP_PROTO_ESP, (const uint8_t *)"abcd", 4);
  for (unsigned i = 0; i < 255; i++)
    isakmp_xf_begin(&w, 1, ESP_ID_3DES);
  cr_assert(isakmp_wbuf_ok(&w));
  isakmp_xf_begin(&w, 1, ESP_ID_3DES);
  cr_assert(w.misuse);
}

Test(build, names)
{
  cr_assert_str_eq(isakmp_payload_name(ISAKMP_PL_NATD), "NAT-D");
  cr_assert_str_eq(isakmp_payload_name(200), "?");
  cr_assert_str_eq(isakmp_exchange_name(ISAKMP_XCHG_QUICK), "quick");
  cr_assert_str_eq(isakmp_notify_name(ISAKMP_N_NO_PROPOSAL_CHOSEN), "NO-PROPOSAL-CHOSEN");
  cr_assert_str_eq(isakmp_notify_name(ISAKMP_N_INVALID_COOKIE), "INVALID-COOKIE");
  cr_assert_str_eq(isakmp_id_type_name(ISAKMP_ID_IPV4_ADDR_RANGE), "ipv4-range");
  cr_assert_str_eq(isakmp_proto_name(ISAKMP_PROTO_IPCOMP), "IPCOMP");
  cr_assert(isakmp_payload_known(ISAKMP_PL_NATOA_DRAFT));
  cr_assert_not(isakmp_payload_known(ISAKMP_PL_P));
  cr_assert_not(isakmp_payload_known(0));
}
