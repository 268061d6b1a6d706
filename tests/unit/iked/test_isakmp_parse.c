/* ISAKMP parser: the header, the payload chain, each typed decoder, and the
 * precise error messages of each refusal. */
#include <criterion/criterion.h>
#include <string.h>

#include "isakmp_assert.h"
#include "isakmp_build.h"
#include "isakmp_codec.h"
#include "isakmp_samples.h"

static isakmp_msg_t msg;
static isakmp_error_t err;
static uint8_t buf[2048];

/* The strongSwan-like first main-mode message, in buf; its length. */
static size_t mm1(void)
{
  memcpy(buf, sample_mm1_bytes, sample_mm1_len);
  return sample_mm1_len;
}

Test(parse, strongswan_main_mode_first_message)
{
  size_t len = mm1();
  cr_assert_eq(isakmp_parse_message(buf, len, &msg, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert_eq(msg.hdr.exchange, ISAKMP_XCHG_MAIN);
  cr_assert_eq(msg.hdr.major, 1);
  cr_assert_eq(msg.hdr.minor, 0);
  cr_assert_eq(msg.hdr.length, 120);
  cr_assert_eq(msg.hdr.icookie[0], 0xc0);
  cr_assert_eq(msg.n, 3);
  cr_assert_eq(msg.pl[0].type, ISAKMP_PL_SA);
  cr_assert_eq(msg.pl[1].type, ISAKMP_PL_VID);
  cr_assert_eq(msg.pl[2].type, ISAKMP_PL_VID);
  cr_assert_eq(msg.pl[1].len, 16);
  cr_assert_eq(memcmp(msg.pl[1].body, sample_vid_dpd, 16), 0);
  cr_assert_eq(memcmp(msg.pl[2].body, sample_vid_nat_t, 16), 0);

  static isakmp_sa_t sa;
  cr_assert_eq(isakmp_parse_sa(msg.pl[0].body, msg.pl[0].len, &sa, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert_eq(sa.doi, ISAKMP_DOI_IPSEC);
  cr_assert_eq(sa.situation, ISAKMP_SIT_IDENTITY_ONLY);
  cr_assert_eq(sa.nprop, 1);
  cr_assert_eq(sa.prop[0].protocol, ISAKMP_PROTO_ISAKMP);
  cr_assert_eq(sa.prop[0].spi_size, 0);
  cr_assert_eq(sa.prop[0].nxf, 1);
  const isakmp_transform_t *t = isakmp_sa_xf(&sa, &sa.prop[0], 0);
  cr_assert_eq(t->id, ISAKMP_KEY_IKE);
  cr_assert_eq(t->nattrs, 6);
  static const struct {
    uint16_t type;
    uint64_t value;
  } want[] = {{IKE_ATTR_ENC, IKE_ENC_3DES_CBC},          {IKE_ATTR_HASH, IKEV1_HASH_SHA},
              {IKE_ATTR_AUTH, IKE_AUTH_PSK},             {IKE_ATTR_GROUP_DESC, IKE_GROUP_MODP1024},
              {IKE_ATTR_LIFE_TYPE, ISAKMP_LIFE_SECONDS}, {IKE_ATTR_LIFE_DURATION, 28800}};
  for (unsigned i = 0; i < 6; i++) {
    const isakmp_attr_t *a = isakmp_sa_attr(&sa, t, i);
    cr_assert(a->tv && a->num_ok);
    cr_assert_eq(a->type, want[i].type);
    cr_assert_eq(a->num, want[i].value);
  }
  cr_assert_eq(isakmp_xf_find(&sa, t, IKE_ATTR_LIFE_DURATION)->num, 28800);
  cr_assert_null(isakmp_xf_find(&sa, t, IKE_ATTR_KEY_LENGTH));
  cr_assert_null(isakmp_sa_attr(&sa, t, 6));
  cr_assert_null(isakmp_sa_xf(&sa, &sa.prop[0], 1));
}

Test(parse, header_errors)
{
  size_t len = mm1();
  cr_assert_err(isakmp_parse_message(buf, 27, &msg, &err), ISAKMP_ERR_TRUNCATED, "27 bytes, an ISAKMP header needs 28");
  cr_assert_err(isakmp_parse_message(buf, len - 1, &msg, &err), ISAKMP_ERR_LENGTH,
                "length 120, but the datagram has 119 bytes");
  buf[len] = 0; /* a byte after what the header covers */
  cr_assert_err(isakmp_parse_message(buf, len + 1, &msg, &err), ISAKMP_ERR_LENGTH,
                "length 120, but the datagram has 121 bytes");
  buf[17] = 0x20;
  cr_assert_err(isakmp_parse_message(buf, len, &msg, &err), ISAKMP_ERR_VERSION, "version 2.0");
  buf[17] = 0x11; /* minor versions are not checked */
  cr_assert_eq(isakmp_parse_message(buf, len, &msg, &err), ISAKMP_OK);
  buf[19] = 0x09;
  cr_assert_err(isakmp_parse_message(buf, len, &msg, &err), ISAKMP_ERR_FLAGS, "reserved bits 0x08");
  cr_assert_eq(isakmp_err_notify(ISAKMP_ERR_FLAGS), ISAKMP_N_INVALID_FLAGS);
  cr_assert_eq(isakmp_err_notify(ISAKMP_ERR_VERSION), ISAKMP_N_INVALID_MAJOR_VERSION);
  cr_assert_str_eq(isakmp_err_name(ISAKMP_ERR_PROPOSAL), "proposal-syntax");
}

Test(parse, chain_errors)
{
  size_t len = mm1();
  /* the first VID (offset 80) claims more than is left */
  buf[80 + 3] = 45;
  cr_assert_err(isakmp_parse_message(buf, len, &msg, &err), ISAKMP_ERR_PAYLOAD_LENGTH,
                "payload 2 (VID): length 45 exceeds the 40 bytes left");
  buf[80 + 3] = 3;
  cr_assert_err(isakmp_parse_message(buf, len, &msg, &err), ISAKMP_ERR_PAYLOAD_LENGTH,
                "payload 2 (VID): length 3 is below the 4-byte header");
  /* a shorter VID leaves bytes the chain does not cover */
  buf[80 + 3] = 20;
  buf[100] = 0;
  buf[100 + 3] = 16;
  cr_assert_err(isakmp_parse_message(buf, len, &msg, &err), ISAKMP_ERR_TRAILING, "4 trailing bytes");
  len = mm1();
  buf[80] = 99;
  cr_assert_err(isakmp_parse_message(buf, len, &msg, &err), ISAKMP_ERR_PAYLOAD_TYPE,
                "payload 3: type 99 (?) is unknown");
  buf[80] = ISAKMP_PL_T;
  cr_assert_err(isakmp_parse_message(buf, len, &msg, &err), ISAKMP_ERR_PAYLOAD_TYPE, "outside an SA payload");
  /* the last VID says another follows, but the message ends */
  len = mm1();
  buf[100] = ISAKMP_PL_VID;
  cr_assert_err(isakmp_parse_message(buf, len, &msg, &err), ISAKMP_ERR_PAYLOAD_LENGTH,
                "payload 4 (VID): 0 bytes left, a payload header needs 4");
  /* RESERVED bytes are ignored */
  len = mm1();
  buf[81] = 0xff;
  cr_assert_eq(isakmp_parse_message(buf, len, &msg, &err), ISAKMP_OK, "%s", err.msg);
}

Test(parse, payload_cap)
{
  uint8_t chain[4 * (ISAKMP_MAX_PAYLOADS + 1)];
  for (unsigned i = 0; i <= ISAKMP_MAX_PAYLOADS; i++) {
    uint8_t *p = chain + 4 * i;
    p[0] = i == ISAKMP_MAX_PAYLOADS ? 0 : ISAKMP_PL_VID;
    p[1] = p[2] = 0;
    p[3] = 4;
  }
  unsigned n;
  chain[4 * (ISAKMP_MAX_PAYLOADS - 1)] = 0;
  cr_assert_eq(isakmp_parse_chain(ISAKMP_PL_VID, chain, 4 * ISAKMP_MAX_PAYLOADS, msg.pl, ISAKMP_MAX_PAYLOADS, &n,
                                  NULL, &err),
               ISAKMP_OK, "%s", err.msg);
  cr_assert_eq(n, ISAKMP_MAX_PAYLOADS);
  chain[4 * (ISAKMP_MAX_PAYLOADS - 1)] = ISAKMP_PL_VID;
  cr_assert_err(isakmp_parse_chain(ISAKMP_PL_VID, chain, sizeof chain, msg.pl, ISAKMP_MAX_PAYLOADS, &n, NULL, &err),
                ISAKMP_ERR_TOO_MANY, "more than 64 payloads");
}

Test(parse, encrypted_message_header_only_then_chain_with_padding)
{
  /* a plaintext chain (HASH, N) with 5 bytes of cipher padding after it */
  uint8_t plain[64];
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, plain, sizeof plain);
  isakmp_put_hash(&w, "0123456789abcdefghij", 20);
  isakmp_put_notify(&w, &(isakmp_notify_t){.doi = 1, .type = ISAKMP_N_INITIAL_CONTACT});
  size_t plen = isakmp_finish(&w);
  cr_assert_eq(plen, 24 + 12);
  cr_assert_eq(w.first, ISAKMP_PL_HASH);
  memset(plain + plen, 0, 5);

  isakmp_hdr_t h = {.next_payload = w.first, .exchange = ISAKMP_XCHG_INFO, .flags = ISAKMP_FLAG_E, .msgid = 7};
  isakmp_wbuf_init(&w, buf, sizeof buf);
  isakmp_put_header(&w, &h);
  isakmp_put_bytes(&w, plain, plen + 5); /* stands for the ciphertext */
  size_t len = isakmp_finish(&w);
  cr_assert_eq(len, 28 + plen + 5);
  cr_assert_eq(isakmp_parse_message(buf, len, &msg, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert_eq(msg.n, 0, "the encrypted part is not parsed");
  cr_assert_eq(msg.hdr.next_payload, ISAKMP_PL_HASH);
  cr_assert_eq(msg.body_len, plen + 5);

  unsigned n;
  size_t pad;
  cr_assert_eq(isakmp_parse_chain(msg.hdr.next_payload, msg.body, msg.body_len, msg.pl, ISAKMP_MAX_PAYLOADS, &n,
                                  &pad, &err),
               ISAKMP_OK, "%s", err.msg);
  cr_assert_eq(n, 2);
  cr_assert_eq(pad, 5);
  cr_assert_err(isakmp_parse_chain(msg.hdr.next_payload, msg.body, msg.body_len, msg.pl, ISAKMP_MAX_PAYLOADS, &n,
                                   NULL, &err),
                ISAKMP_ERR_TRAILING, "5 trailing bytes");
}
