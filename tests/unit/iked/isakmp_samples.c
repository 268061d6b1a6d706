/* The sample messages; see isakmp_samples.h. */
#include "isakmp_samples.h"

#include <string.h>

#include "isakmp_build.h"

const uint8_t sample_vid_dpd[16] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                                    0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};
const uint8_t sample_vid_nat_t[16] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                                      0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};

/* Written out by hand from RFC 2408/2409 so the builder is checked against
 * bytes it did not produce. */
const uint8_t sample_mm1_bytes[] = {
    /* header: cookies, next SA, version 1.0, main mode, no flags, msgid 0, length 120 */
    0xc0, 0xff, 0xee, 0x00, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, //
    0x01, 0x10, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 0x78,                       //
    /* SA: next VID, length 52, DOI IPsec, situation identity only */
    0x0d, 0x00, 0x00, 0x34, 0, 0, 0, 1, 0, 0, 0, 1, //
    /* proposal 1: last, length 40, ISAKMP, no SPI, 1 transform */
    0x00, 0x00, 0x00, 0x28, 0x01, 0x01, 0x00, 0x01, //
    /* transform 1: last, length 32, KEY_IKE */
    0x00, 0x00, 0x00, 0x20, 0x01, 0x01, 0x00, 0x00, //
    0x80, 0x01, 0x00, 0x05, /* enc 3DES-CBC */
    0x80, 0x02, 0x00, 0x02, /* hash SHA */
    0x80, 0x03, 0x00, 0x01, /* auth PSK */
    0x80, 0x04, 0x00, 0x02, /* group 2 */
    0x80, 0x0b, 0x00, 0x01, /* life type seconds */
    0x80, 0x0c, 0x70, 0x80, /* life duration 28800 */
    /* VID (DPD), next VID */
    0x0d, 0x00, 0x00, 0x14, 0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57,
    0x01, 0x00,
    /* VID (RFC 3947), last */
    0x00, 0x00, 0x00, 0x14, 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95,
    0x45, 0x2f};
const size_t sample_mm1_len = sizeof sample_mm1_bytes;

static void header(isakmp_wbuf_t *w, uint8_t exchange, uint32_t msgid)
{
  isakmp_hdr_t h = {.icookie = {0xc0, 0xff, 0xee, 0x00, 0x11, 0x22, 0x33, 0x44}, .exchange = exchange, .msgid = msgid};
  if (exchange != ISAKMP_XCHG_MAIN && exchange != ISAKMP_XCHG_AGGRESSIVE)
    memcpy(h.rcookie, "\x55\x66\x77\x88\x99\xaa\xbb\xcc", 8);
  isakmp_put_header(w, &h);
}

size_t sample_mm1(uint8_t *buf, size_t cap)
{
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, buf, cap);
  header(&w, ISAKMP_XCHG_MAIN, 0);
  isakmp_sa_begin(&w, ISAKMP_DOI_IPSEC, ISAKMP_SIT_IDENTITY_ONLY);
  isakmp_prop_begin(&w, 1, ISAKMP_PROTO_ISAKMP, NULL, 0);
  isakmp_xf_begin(&w, 1, ISAKMP_KEY_IKE);
  isakmp_attr(&w, IKE_ATTR_ENC, IKE_ENC_3DES_CBC);
  isakmp_attr(&w, IKE_ATTR_HASH, IKEV1_HASH_SHA);
  isakmp_attr(&w, IKE_ATTR_AUTH, IKE_AUTH_PSK);
  isakmp_attr(&w, IKE_ATTR_GROUP_DESC, IKE_GROUP_MODP1024);
  isakmp_attr(&w, IKE_ATTR_LIFE_TYPE, ISAKMP_LIFE_SECONDS);
  isakmp_attr(&w, IKE_ATTR_LIFE_DURATION, 28800);
  isakmp_put_vid(&w, sample_vid_dpd, sizeof sample_vid_dpd);
  isakmp_put_vid(&w, sample_vid_nat_t, sizeof sample_vid_nat_t);
  return isakmp_finish(&w);
}

static void esp_transform(isakmp_wbuf_t *w, uint8_t n, uint8_t id, uint16_t keylen, uint16_t auth)
{
  isakmp_xf_begin(w, n, id);
  isakmp_attr(w, IPSEC_ATTR_LIFE_TYPE, ISAKMP_LIFE_SECONDS);
  isakmp_attr(w, IPSEC_ATTR_LIFE_DURATION, 3600);
  isakmp_attr(w, IPSEC_ATTR_LIFE_TYPE, ISAKMP_LIFE_KILOBYTES);
  isakmp_attr(w, IPSEC_ATTR_LIFE_DURATION, 4608000); /* > 16 bits: TLV */
  isakmp_attr(w, IPSEC_ATTR_ENCAP_MODE, IPSEC_ENCAP_TUNNEL);
  isakmp_attr(w, IPSEC_ATTR_AUTH_ALG, auth);
  isakmp_attr(w, IPSEC_ATTR_GROUP_DESC, IKE_GROUP_MODP1536);
  if (keylen)
    isakmp_attr(w, IPSEC_ATTR_KEY_LENGTH, keylen);
}

size_t sample_quick(uint8_t *buf, size_t cap)
{
  static const uint8_t hash[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
  static const uint8_t spi1[4] = {0xc1, 0x00, 0x00, 0x01}, spi2[4] = {0xc1, 0x00, 0x00, 0x02};
  static const uint8_t nonce[32] = {0x4e}, ke[192] = {0x4b};
  static const uint8_t local[8] = {203, 0, 113, 0, 255, 255, 255, 0};
  static const uint8_t peer[8] = {198, 51, 100, 128, 255, 255, 255, 128};
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, buf, cap);
  header(&w, ISAKMP_XCHG_QUICK, 0x01020304);
  isakmp_put_hash(&w, hash, sizeof hash);
  isakmp_sa_begin(&w, ISAKMP_DOI_IPSEC, ISAKMP_SIT_IDENTITY_ONLY);
  isakmp_prop_begin(&w, 1, ISAKMP_PROTO_ESP, spi1, 4);
  esp_transform(&w, 1, ESP_ID_AES_CBC, 128, IPSEC_AUTH_HMAC_SHA);
  esp_transform(&w, 2, ESP_ID_3DES, 0, IPSEC_AUTH_HMAC_MD5);
  isakmp_prop_begin(&w, 1, ISAKMP_PROTO_AH, spi2, 4);
  isakmp_xf_begin(&w, 1, AH_ID_SHA);
  isakmp_attr(&w, IPSEC_ATTR_AUTH_ALG, IPSEC_AUTH_HMAC_SHA);
  isakmp_attr(&w, IPSEC_ATTR_ENCAP_MODE, IPSEC_ENCAP_UDP_TUNNEL_DRAFT);
  isakmp_put_nonce(&w, nonce, sizeof nonce);
  isakmp_put_ke(&w, ke, sizeof ke);
  isakmp_put_id(&w, &(isakmp_id_t){.type = ISAKMP_ID_IPV4_ADDR_SUBNET, .data = local, .len = sizeof local});
  isakmp_put_id(&w, &(isakmp_id_t){.type = ISAKMP_ID_IPV4_ADDR_SUBNET, .data = peer, .len = sizeof peer});
  return isakmp_finish(&w);
}

size_t sample_aggressive(uint8_t *buf, size_t cap)
{
  static const uint8_t nonce[16] = {0x4e, 1}, ke[128] = {0x4b, 1}, natd[20] = {0xd0};
  static const char fqdn[] = "host1.example.net";
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, buf, cap);
  header(&w, ISAKMP_XCHG_AGGRESSIVE, 0);
  isakmp_sa_begin(&w, ISAKMP_DOI_IPSEC, ISAKMP_SIT_IDENTITY_ONLY);
  isakmp_prop_begin(&w, 1, ISAKMP_PROTO_ISAKMP, NULL, 0);
  for (uint8_t t = 1; t <= 2; t++) {
    isakmp_xf_begin(&w, t, ISAKMP_KEY_IKE);
    isakmp_attr(&w, IKE_ATTR_ENC, t == 1 ? IKE_ENC_AES_CBC : IKE_ENC_3DES_CBC);
    if (t == 1)
      isakmp_attr(&w, IKE_ATTR_KEY_LENGTH, 256);
    isakmp_attr(&w, IKE_ATTR_HASH, IKEV1_HASH_SHA2_256);
    isakmp_attr(&w, IKE_ATTR_AUTH, IKE_AUTH_PSK);
    isakmp_attr(&w, IKE_ATTR_GROUP_DESC, IKE_GROUP_MODP2048);
    isakmp_attr(&w, IKE_ATTR_LIFE_TYPE, ISAKMP_LIFE_SECONDS);
    isakmp_attr(&w, IKE_ATTR_LIFE_DURATION, 86400); /* > 16 bits: TLV */
  }
  isakmp_put_ke(&w, ke, sizeof ke);
  isakmp_put_nonce(&w, nonce, sizeof nonce);
  isakmp_put_id(&w, &(isakmp_id_t){.type = ISAKMP_ID_FQDN, .protocol = 17, .port = 500,
                                   .data = (const uint8_t *)fqdn, .len = sizeof fqdn - 1});
  isakmp_put_vid(&w, sample_vid_nat_t, sizeof sample_vid_nat_t);
  isakmp_put_natd(&w, false, natd, sizeof natd);
  isakmp_put_natd(&w, false, natd, sizeof natd);
  return isakmp_finish(&w);
}

size_t sample_info(uint8_t *buf, size_t cap)
{
  static const uint8_t hash[20] = {0x48};
  static const uint8_t seq[4] = {0, 0, 0x12, 0x34};
  static const uint8_t spis[8] = {0xc1, 0, 0, 1, 0xc1, 0, 0, 2};
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, buf, cap);
  header(&w, ISAKMP_XCHG_INFO, 0xdeadbeef);
  isakmp_put_hash(&w, hash, sizeof hash);
  isakmp_notify_t n = {.doi = ISAKMP_DOI_IPSEC, .protocol = ISAKMP_PROTO_ISAKMP, .spi_size = 16,
                       .type = ISAKMP_N_R_U_THERE, .data = seq, .len = sizeof seq};
  memcpy(n.spi, "\xc0\xff\xee\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc", 16);
  isakmp_put_notify(&w, &n);
  isakmp_put_delete(&w, &(isakmp_delete_t){.doi = ISAKMP_DOI_IPSEC, .protocol = ISAKMP_PROTO_ESP, .spi_size = 4,
                                           .count = 2, .spis = spis});
  isakmp_put_notify(&w, &(isakmp_notify_t){.doi = ISAKMP_DOI_IPSEC, .type = ISAKMP_N_INITIAL_CONTACT});
  return isakmp_finish(&w);
}

const sample_t samples[] = {
    {"main-mode-1", sample_mm1},
    {"quick-mode", sample_quick},
    {"aggressive-1", sample_aggressive},
    {"informational", sample_info},
    {NULL, NULL},
};

size_t sample_rebuild(const uint8_t *in, size_t len, uint8_t *out, size_t cap, isakmp_error_t *e)
{
  static isakmp_msg_t msg;
  static isakmp_decoded_t d;
  if (isakmp_parse_message(in, len, &msg, e) != ISAKMP_OK)
    return 0;
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, out, cap);
  isakmp_put_header(&w, &msg.hdr);
  for (unsigned i = 0; i < msg.n; i++) {
    if (isakmp_decode_payload(&msg.pl[i], &d, e) != ISAKMP_OK)
      return 0;
    isakmp_put_decoded(&w, &d);
  }
  if (msg.hdr.flags & ISAKMP_FLAG_E)
    isakmp_put_bytes(&w, msg.body, msg.body_len);
  return isakmp_finish(&w);
}
