/* Typed decoders: the SA payload's structure and caps, ID, notification,
 * delete, nonce, NAT-OA, CERT/CR and the raw payloads, with the message of
 * each refusal. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isakmp_assert.h"
#include "isakmp_build.h"
#include "isakmp_codec.h"
#include "isakmp_samples.h"

static isakmp_error_t err;
static isakmp_sa_t sa;
static uint8_t b[8192];

/* The SA body of the strongSwan-like main-mode message: DOI at 0, the
 * proposal at 8, its transform at 16, six TV attributes at 24..48. */
static size_t mm1_sa(void)
{
  memcpy(b, sample_mm1_bytes + 32, 48);
  return 48;
}

static isakmp_err_t sa_parse(size_t len)
{
  return isakmp_parse_sa(b, len, &sa, &err);
}

Test(sa, structure_errors)
{
  size_t len = mm1_sa();
  cr_assert_eq(sa_parse(len), ISAKMP_OK, "%s", err.msg);
  cr_assert_err(sa_parse(7), ISAKMP_ERR_TRUNCATED, "SA payload: 7 bytes, needs 8 for DOI and situation");
  cr_assert_err(sa_parse(8), ISAKMP_ERR_PROPOSAL, "SA payload: no proposal");
  b[8 + 7] = 3;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_PROPOSAL, "SA payload: proposal 1 declares 3 transforms, found 1");
  b[8 + 7] = 0;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_PROPOSAL, "proposal 1 declares no transforms");
  len = mm1_sa();
  b[16] = ISAKMP_PL_T;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_PROPOSAL, "proposal 1 transform 1 says another follows, none does");
  b[16] = ISAKMP_PL_KE;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_PROPOSAL, "transform 1: next payload 4, not T (3) or 0");
  len = mm1_sa();
  b[8] = ISAKMP_PL_P;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_PROPOSAL, "proposal 1 says another follows, none does");
  b[8] = ISAKMP_PL_SA;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_PROPOSAL, "proposal 1: next payload 1, not P (2) or 0");
  len = mm1_sa();
  b[8 + 3] = 41;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_PROPOSAL, "proposal 1: length 41, needs 8 to the 40 bytes left");
  b[8 + 3] = 39;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_PROPOSAL, "transform 1: length 32, needs 8 to the 31 bytes left");
  len = mm1_sa();
  b[16 + 3] = 7;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_PROPOSAL, "transform 1: length 7, needs 8");
  b[16 + 3] = 30;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_MALFORMED, "attribute 6 has 2 bytes, needs 4");
  len = mm1_sa();
  b[44] = 0x00; /* life duration as TLV of length 28800 */
  cr_assert_err(sa_parse(len), ISAKMP_ERR_MALFORMED,
                "proposal 1 transform 1: attribute 6 (type 12) length 28800 exceeds the 0 bytes left");
  /* a TLV overrunning its transform by 1 to 4 bytes (the header's size) */
  for (uint8_t over = 1; over <= 4; over++) {
    len = mm1_sa();
    b[44] = 0x00;
    b[46] = 0;
    b[47] = over;
    uint8_t *exact = malloc(len);
    memcpy(exact, b, len);
    char want[80];
    snprintf(want, sizeof want, "attribute 6 (type 12) length %u exceeds the 0 bytes left", over);
    cr_assert_err(isakmp_parse_sa(exact, len, &sa, &err), ISAKMP_ERR_MALFORMED, want);
    free(exact);
  }
  len = mm1_sa();
  b[40] = 0x00; /* life type as TLV of length 1 swallowing the next attribute's first byte */
  b[43] = 0x01;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_MALFORMED, "attribute 6 has 3 bytes, needs 4");
}

Test(sa, doi_situation_protocol_spi)
{
  size_t len = mm1_sa();
  b[3] = 2;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_DOI, "SA payload: DOI 2");
  b[3] = 0;
  cr_assert_eq(sa_parse(len), ISAKMP_OK, "the generic ISAKMP DOI: %s", err.msg);
  len = mm1_sa();
  b[7] = 3;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_SITUATION, "situation 0x3");
  len = mm1_sa();
  b[8 + 5] = 9;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_PROTOCOL, "proposal 1: unknown protocol id 9");
  b[8 + 5] = ISAKMP_PROTO_ISAKMP;
  b[8 + 6] = 4;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_SPI, "proposal 1: SPI size 4 for ISAKMP, must be 0 or 16");
  b[8 + 5] = ISAKMP_PROTO_ESP;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_PROPOSAL, "transform 1: next payload 1"); /* the SPI ate the header */
  b[8 + 6] = 16;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_SPI, "SPI size 16 for ESP, must be 4");
  b[8 + 5] = ISAKMP_PROTO_ISAKMP;
  b[8 + 3] = 20;
  cr_assert_err(sa_parse(len), ISAKMP_ERR_PROPOSAL, "proposal 1: SPI of 16 bytes exceeds its length 20");
}

/* An SA of n proposals (numbered by number(i)) of one transform each, with
 * xfs transforms in proposal 1 and attrs attributes in its first transform. */
static size_t build_sa(unsigned n, unsigned xfs, unsigned attrs, unsigned (*number)(unsigned))
{
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, b, sizeof b);
  isakmp_sa_begin(&w, ISAKMP_DOI_IPSEC, ISAKMP_SIT_IDENTITY_ONLY);
  for (unsigned i = 0; i < n; i++) {
    isakmp_prop_begin(&w, (uint8_t)number(i), ISAKMP_PROTO_ESP, (const uint8_t *)"\1\2\3\4", 4);
    for (unsigned t = 0; t < (i ? 1 : xfs); t++) {
      isakmp_xf_begin(&w, (uint8_t)(t + 1), ESP_ID_AES_CBC);
      for (unsigned a = 0; a < (i || t ? 1 : attrs); a++)
        isakmp_attr(&w, IPSEC_ATTR_KEY_LENGTH, 128);
    }
  }
  size_t len = isakmp_finish(&w);
  cr_assert_gt(len, 4);
  return len;
}

static unsigned up(unsigned i)
{
  return i + 1;
}

static unsigned down(unsigned i)
{
  return 5 - i;
}

static unsigned same(unsigned i)
{
  return 1;
}

Test(sa, caps_and_numbering)
{
  size_t len = build_sa(ISAKMP_SA_MAX_PROPOSALS, 1, 1, up);
  cr_assert_eq(isakmp_parse_sa(b + 4, len - 4, &sa, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert_eq(sa.nprop, ISAKMP_SA_MAX_PROPOSALS);
  len = build_sa(ISAKMP_SA_MAX_PROPOSALS + 1, 1, 1, up);
  cr_assert_err(isakmp_parse_sa(b + 4, len - 4, &sa, &err), ISAKMP_ERR_TOO_MANY, "more than 16 proposals");
  len = build_sa(1, ISAKMP_SA_MAX_TRANSFORMS + 1, 1, up);
  cr_assert_err(isakmp_parse_sa(b + 4, len - 4, &sa, &err), ISAKMP_ERR_TOO_MANY, "more than 64 transforms");
  len = build_sa(1, 1, ISAKMP_SA_MAX_ATTRS + 1, up);
  cr_assert_err(isakmp_parse_sa(b + 4, len - 4, &sa, &err), ISAKMP_ERR_TOO_MANY, "more than 512 attributes");
  len = build_sa(1, 1, ISAKMP_SA_MAX_ATTRS, up);
  cr_assert_eq(isakmp_parse_sa(b + 4, len - 4, &sa, &err), ISAKMP_OK, "%s", err.msg);
  len = build_sa(3, 1, 1, down);
  cr_assert_err(isakmp_parse_sa(b + 4, len - 4, &sa, &err), ISAKMP_ERR_PROPOSAL,
                "proposal number 4 follows 5 (must not decrease)");
  len = build_sa(2, 1, 1, same); /* equal numbers: the proposals are ANDed (AH + ESP) */
  cr_assert_eq(isakmp_parse_sa(b + 4, len - 4, &sa, &err), ISAKMP_OK, "%s", err.msg);
}

Test(sa, bytes_after_the_last_transform_or_proposal)
{
  static const uint8_t body[] = {0, 0, 0, 1, 0, 0, 0, 1,          /* DOI, situation */
                                 0, 0, 0, 20, 1, 1, 0, 1,         /* proposal, length 20 */
                                 0, 0, 0, 8, 1, 1, 0, 0,          /* transform, no attributes */
                                 0xee, 0xee, 0xee, 0xee};
  cr_assert_err(isakmp_parse_sa(body, sizeof body, &sa, &err), ISAKMP_ERR_PROPOSAL,
                "proposal 1: 4 bytes after its last transform");
  uint8_t copy[sizeof body];
  memcpy(copy, body, sizeof body);
  copy[11] = 16;
  cr_assert_err(isakmp_parse_sa(copy, sizeof copy, &sa, &err), ISAKMP_ERR_PROPOSAL,
                "SA payload: 4 bytes after the last proposal");
  copy[19] = 12; /* the transform takes the 4 bytes as an attribute */
  copy[11] = 20;
  cr_assert_eq(isakmp_parse_sa(copy, sizeof copy, &sa, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert_eq(sa.attrs[0].type, 0x6eee);
  cr_assert(sa.attrs[0].tv);
}

Test(id, shapes)
{
  isakmp_id_t id;
  uint8_t v4[] = {ISAKMP_ID_IPV4_ADDR, 17, 1, 0xf4, 192, 0, 2, 1, 9};
  cr_assert_eq(isakmp_parse_id(v4, 8, &id, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert(id.type == ISAKMP_ID_IPV4_ADDR && id.protocol == 17 && id.port == 500 && id.len == 4);
  cr_assert_eq(id.data[0], 192);
  cr_assert_err(isakmp_parse_id(v4, 9, &id, &err), ISAKMP_ERR_ID, "ID payload: ipv4 data is 5 bytes, must be 4");
  cr_assert_err(isakmp_parse_id(v4, 3, &id, &err), ISAKMP_ERR_TRUNCATED, "ID payload: 3 bytes, needs 4");
  v4[0] = ISAKMP_ID_IPV4_ADDR_SUBNET;
  cr_assert_err(isakmp_parse_id(v4, 9, &id, &err), ISAKMP_ERR_ID, "ipv4-subnet data is 5 bytes, must be 8");
  v4[0] = ISAKMP_ID_IPV4_ADDR_RANGE;
  cr_assert_err(isakmp_parse_id(v4, 8, &id, &err), ISAKMP_ERR_ID, "ipv4-range data is 4 bytes, must be 8");
  v4[0] = 99;
  cr_assert_err(isakmp_parse_id(v4, 8, &id, &err), ISAKMP_ERR_ID, "unknown ID type 99");
  uint8_t fq[] = {ISAKMP_ID_USER_FQDN, 0, 0, 0, 'a', '@', 'b', ' ', 'c'};
  cr_assert_eq(isakmp_parse_id(fq, 7, &id, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert_err(isakmp_parse_id(fq, 9, &id, &err), ISAKMP_ERR_ID, "user-fqdn byte 3 is 0x20, not printable");
  cr_assert_err(isakmp_parse_id(fq, 4, &id, &err), ISAKMP_ERR_ID, "user-fqdn data is empty");
  fq[0] = ISAKMP_ID_KEY_ID; /* opaque: anything goes */
  cr_assert_eq(isakmp_parse_id(fq, 9, &id, &err), ISAKMP_OK, "%s", err.msg);
}

Test(notify, spi_and_data)
{
  isakmp_notify_t n;
  uint8_t p[8 + 16 + 4] = {0, 0, 0, 1, ISAKMP_PROTO_ISAKMP, 16, 0x8d, 0x28};
  p[8] = 0xc0;
  p[24 + 3] = 9;
  cr_assert_eq(isakmp_parse_notify(p, sizeof p, &n, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert(n.type == ISAKMP_N_R_U_THERE && n.spi_size == 16 && n.spi[0] == 0xc0 && n.len == 4 && n.data[3] == 9);
  cr_assert_str_eq(isakmp_notify_name(n.type), "R-U-THERE");
  cr_assert_err(isakmp_parse_notify(p, 20, &n, &err), ISAKMP_ERR_MALFORMED,
                "N payload (R-U-THERE): SPI of 16 bytes exceeds the 12 bytes left");
  cr_assert_err(isakmp_parse_notify(p, 7, &n, &err), ISAKMP_ERR_TRUNCATED, "N payload: 7 bytes, needs 8");
  p[5] = 4;
  cr_assert_err(isakmp_parse_notify(p, sizeof p, &n, &err), ISAKMP_ERR_SPI, "N payload: SPI size 4 for ISAKMP");
  p[4] = 7;
  cr_assert_err(isakmp_parse_notify(p, sizeof p, &n, &err), ISAKMP_ERR_PROTOCOL, "N payload: unknown protocol id 7");
  p[4] = p[5] = 0; /* about no SA in particular */
  cr_assert_eq(isakmp_parse_notify(p, sizeof p, &n, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert_eq(n.len, 20);
}

Test(delete, spis_fit_exactly)
{
  isakmp_delete_t d;
  uint8_t p[8 + 8] = {0, 0, 0, 1, ISAKMP_PROTO_ESP, 4, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8};
  cr_assert_eq(isakmp_parse_delete(p, sizeof p, &d, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert(d.count == 2 && d.spi_size == 4 && d.spis[4] == 5);
  cr_assert_err(isakmp_parse_delete(p, 12, &d, &err), ISAKMP_ERR_MALFORMED,
                "D payload: 2 SPIs of 4 bytes need 8 bytes, found 4");
  cr_assert_err(isakmp_parse_delete(p, 7, &d, &err), ISAKMP_ERR_TRUNCATED, "D payload: 7 bytes");
  p[7] = 0;
  cr_assert_err(isakmp_parse_delete(p, 8, &d, &err), ISAKMP_ERR_MALFORMED, "D payload: no SPIs");
  p[4] = ISAKMP_PROTO_ISAKMP;
  p[5] = 0;
  cr_assert_err(isakmp_parse_delete(p, 8, &d, &err), ISAKMP_ERR_SPI, "D payload: SPI size 0 names no SA");
  p[4] = 0;
  cr_assert_err(isakmp_parse_delete(p, 8, &d, &err), ISAKMP_ERR_PROTOCOL, "D payload: unknown protocol id 0");
}

Test(raw, nonce_bounds_and_empty_bodies)
{
  static const uint8_t z[300];
  isakmp_raw_t r;
  cr_assert_err(isakmp_parse_raw(ISAKMP_PL_NONCE, z, 7, &r, &err), ISAKMP_ERR_MALFORMED,
                "NONCE payload: 7 bytes, must be 8 to 256");
  cr_assert_eq(isakmp_parse_raw(ISAKMP_PL_NONCE, z, 8, &r, &err), ISAKMP_OK);
  cr_assert_eq(isakmp_parse_raw(ISAKMP_PL_NONCE, z, 256, &r, &err), ISAKMP_OK);
  cr_assert_err(isakmp_parse_raw(ISAKMP_PL_NONCE, z, 257, &r, &err), ISAKMP_ERR_MALFORMED, "257 bytes");
  cr_assert_err(isakmp_parse_raw(ISAKMP_PL_KE, z, 0, &r, &err), ISAKMP_ERR_MALFORMED, "KE payload: empty");
  cr_assert_err(isakmp_parse_raw(ISAKMP_PL_NATD_DRAFT, z, 0, &r, &err), ISAKMP_ERR_MALFORMED,
                "NAT-D(draft) payload: empty");
  cr_assert_err(isakmp_parse_raw(ISAKMP_PL_SA, z, 10, &r, &err), ISAKMP_ERR_PAYLOAD_TYPE, "no raw decoder");
}

Test(natoa_cert, shapes)
{
  isakmp_natoa_t o;
  uint8_t p[4 + 16] = {ISAKMP_ID_IPV4_ADDR, 0, 0, 0, 10, 0, 0, 1};
  cr_assert_eq(isakmp_parse_natoa(p, 8, &o, &err), ISAKMP_OK, "%s", err.msg);
  cr_assert(o.len == 4 && o.addr[0] == 10);
  cr_assert_err(isakmp_parse_natoa(p, sizeof p, &o, &err), ISAKMP_ERR_ID, "ipv4 address is 16 bytes, must be 4");
  p[0] = ISAKMP_ID_IPV6_ADDR;
  cr_assert_eq(isakmp_parse_natoa(p, sizeof p, &o, &err), ISAKMP_OK, "%s", err.msg);
  p[0] = ISAKMP_ID_FQDN;
  cr_assert_err(isakmp_parse_natoa(p, sizeof p, &o, &err), ISAKMP_ERR_ID, "ID type 2, must be ipv4 (1) or ipv6 (5)");
  isakmp_cert_t c;
  cr_assert_eq(isakmp_parse_cert(ISAKMP_PL_CR, p, 1, &c, &err), ISAKMP_OK, "a CR for any authority");
  cr_assert_err(isakmp_parse_cert(ISAKMP_PL_CERT, p, 1, &c, &err), ISAKMP_ERR_MALFORMED, "no certificate data");
  cr_assert_err(isakmp_parse_cert(ISAKMP_PL_CERT, p, 0, &c, &err), ISAKMP_ERR_TRUNCATED, "CERT payload: empty");
}
