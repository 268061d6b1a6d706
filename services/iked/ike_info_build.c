/* Building informational messages: the plaintext chain (HASH, then D or N),
 * HASH(1) over it, encryption under the new M-ID's IV, the header.  The
 * same steps as quick mode's qm_seal (ike_qm_msg.c), for a one-message
 * exchange. */
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ike_info.h"
#include "isakmp_build.h"
#include "isakmp_codec.h"

/* Sets err (when given); returns 0 for `return info_fail(...)` */
static size_t info_fail(ike_info_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t info_fail(ike_info_err_t *err, const char *fmt, ...)
{
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->reason, sizeof err->reason, fmt, ap);
    va_end(ap);
  }
  return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

bool ike_info_iv(const ike_p1sa_t *sa, uint32_t mid, ike_iv_t *iv)
{
  if (mid == 0)
    return false;
  /* RFC 2409 §5.7: the M-ID is the informational exchange's own; sharing
   * a live quick mode's would also make the two IV chains ambiguous */
  for (int i = 0; i < IKE_IV_EXCHANGES; i++)
    if (sa->iv.x[i].mid == mid)
      return false;
  /* what ike_iv_state_get computes for a new M-ID, without taking a slot */
  return ike_iv_phase2(sa->iv.hash, &sa->iv.phase1, mid, iv);
}

/* A random M-ID no exchange of this SA uses, and its IV.  A collision is
 * a 2^-32 event per busy slot: a few draws always suffice. */
static bool info_new_mid(const ike_p1sa_t *sa, uint32_t *mid, ike_iv_t *iv, ike_info_err_t *err)
{
  for (int tries = 0; tries < 8; tries++) {
    uint8_t r[4];
    if (RAND_bytes(r, sizeof r) != 1)
      return info_fail(err, "no random bytes for a message ID");
    *mid = (uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 | (uint32_t)r[2] << 8 | r[3];
    if (ike_info_iv(sa, *mid, iv))
      return true;
  }
  return info_fail(err, "no usable message ID (cannot derive its IV)");
}

static bool info_sa_ready(const ike_p1sa_t *sa, ike_info_err_t *err)
{
  if (!sa || !sa->cipher)
    return info_fail(err, "the ISAKMP SA has no cipher");
  if (ike_hash_len(sa->keys.hash) == 0)
    return info_fail(err, "the ISAKMP SA has no hash");
  return true;
}

/* The plaintext chain starts with a HASH payload that info_seal fills. */
static void info_plain_begin(const ike_p1sa_t *sa, isakmp_wbuf_t *w, uint8_t *buf, size_t cap)
{
  static const uint8_t zero[IKE_MAX_HASH];
  isakmp_wbuf_init(w, buf, cap);
  isakmp_put_hash(w, zero, ike_hash_len(sa->keys.hash));
}

/* What we send passes our own parser: a caller's protocol and SPI size
 * that disagree are refused here rather than by the peer. */
static bool info_self_check(const isakmp_wbuf_t *w, size_t plen, ike_info_err_t *err)
{
  isakmp_payload_t pl[2];
  unsigned n = 0;
  isakmp_error_t pe;
  isakmp_decoded_t d;
  if (isakmp_parse_chain(w->first, w->buf, plen, pl, 2, &n, NULL, &pe) != ISAKMP_OK ||
      isakmp_decode_payload(&pl[n - 1], &d, &pe) != ISAKMP_OK)
    return info_fail(err, "informational message would be malformed: %s", pe.msg);
  return true;
}

/* Fills HASH(1), encrypts under a new M-ID's IV and writes HDR* and the
 * ciphertext to out.  The M-ID's IV is never kept (see ike_info.h). */
static size_t info_seal(ike_p1sa_t *sa, isakmp_wbuf_t *w, uint8_t *out, size_t cap, ike_info_err_t *err)
{
  size_t plen = isakmp_finish(w), hl = ike_hash_len(sa->keys.hash);
  if (plen == 0)
    return info_fail(err, "informational message does not fit in %zu bytes", w->cap);
  if (!info_self_check(w, plen, err))
    return 0;
  size_t need = ISAKMP_HDR_LEN + ike_cipher_padded_len(sa->cipher, plen);
  if (need > IKE_INFO_MSG_MAX)
    return info_fail(err, "informational message needs %zu bytes, more than %d", need, IKE_INFO_MSG_MAX);
  if (need > cap)
    return info_fail(err, "informational message needs %zu bytes, the buffer has %zu", need, cap);
  uint32_t mid = 0;
  ike_iv_t iv, next;
  if (!info_new_mid(sa, &mid, &iv, err))
    return 0;
  uint8_t *h = w->buf + ISAKMP_GEN_HDR_LEN;
  if (!ike_info_hash(&sa->keys, mid, h + hl, plen - ISAKMP_GEN_HDR_LEN - hl, h))
    return info_fail(err, "cannot compute HASH(1)");
  uint8_t ct[IKE_INFO_MSG_MAX];
  size_t ct_len = 0;
  char e[128];
  /* next is unused: nothing follows in this exchange */
  if (!ike_cipher_encrypt(sa->cipher, &iv, w->buf, plen, ct, sizeof ct, &ct_len, &next, e, sizeof e))
    return info_fail(err, "informational message: %s", e);

  isakmp_hdr_t hdr = {.next_payload = ISAKMP_PL_HASH, .exchange = ISAKMP_XCHG_INFO, .flags = ISAKMP_FLAG_E,
                      .msgid = mid};
  memcpy(hdr.icookie, sa->icookie, ISAKMP_COOKIE_LEN);
  memcpy(hdr.rcookie, sa->rcookie, ISAKMP_COOKIE_LEN);
  isakmp_wbuf_t m;
  isakmp_wbuf_init(&m, out, cap);
  isakmp_put_header(&m, &hdr);
  isakmp_put_bytes(&m, ct, ct_len);
  size_t len = isakmp_finish(&m);
  return len ? len : info_fail(err, "informational message needs %zu bytes, the buffer has %zu", need, cap);
}

/* The SA's own SPI (RFC 2408 §2.4: an ISAKMP SA is named by its cookies) */
static void info_cookies(const uint8_t icookie[8], const uint8_t rcookie[8], uint8_t spi[IKE_INFO_SPI_ISAKMP])
{
  memcpy(spi, icookie, ISAKMP_COOKIE_LEN);
  memcpy(spi + ISAKMP_COOKIE_LEN, rcookie, ISAKMP_COOKIE_LEN);
}

size_t ike_info_delete(ike_p1sa_t *sa, uint8_t proto, const uint32_t *spis, size_t n, uint8_t *out, size_t cap,
                       ike_info_err_t *err)
{
  uint8_t buf[IKE_INFO_MSG_MAX], bytes[IKE_INFO_MAX_SPIS * 4];
  isakmp_delete_t d = {.doi = ISAKMP_DOI_IPSEC, .protocol = proto, .spis = bytes};
  if (!info_sa_ready(sa, err))
    return 0;
  if (proto == ISAKMP_PROTO_ISAKMP) {
    info_cookies(sa->icookie, sa->rcookie, bytes);
    d.spi_size = IKE_INFO_SPI_ISAKMP;
    d.count = 1;
  } else if (proto == ISAKMP_PROTO_ESP || proto == ISAKMP_PROTO_AH) {
    if (n == 0 || n > IKE_INFO_MAX_SPIS || !spis)
      return info_fail(err, "a delete names 1 to %d SPIs, not %zu", IKE_INFO_MAX_SPIS, spis ? n : 0);
    for (size_t i = 0; i < n; i++)
      put32(bytes + 4 * i, spis[i]);
    d.spi_size = 4;
    d.count = (uint16_t)n;
  } else {
    return info_fail(err, "cannot delete SAs of protocol %u (%s)", proto, isakmp_proto_name(proto));
  }
  isakmp_wbuf_t w;
  info_plain_begin(sa, &w, buf, sizeof buf);
  isakmp_put_delete(&w, &d);
  return info_seal(sa, &w, out, cap, err);
}

size_t ike_info_notify(ike_p1sa_t *sa, uint16_t type, uint8_t proto, const uint8_t *spi, size_t spi_len,
                       const uint8_t *data, size_t data_len, uint8_t *out, size_t cap, ike_info_err_t *err)
{
  if (!info_sa_ready(sa, err))
    return 0;
  if (spi_len > ISAKMP_SPI_MAX || (spi_len && !spi) || (data_len && !data))
    return info_fail(err, "notify %s: SPI of %zu bytes (at most %d) or data missing", isakmp_notify_name(type),
                     spi_len, ISAKMP_SPI_MAX);
  isakmp_notify_t nt = {.doi = ISAKMP_DOI_IPSEC, .protocol = proto, .spi_size = (uint8_t)spi_len, .type = type,
                        .data = data, .len = data_len};
  if (spi_len)
    memcpy(nt.spi, spi, spi_len);
  uint8_t buf[IKE_INFO_MSG_MAX];
  isakmp_wbuf_t w;
  info_plain_begin(sa, &w, buf, sizeof buf);
  isakmp_put_notify(&w, &nt);
  return info_seal(sa, &w, out, cap, err);
}

size_t ike_info_dpd(ike_p1sa_t *sa, bool ack, uint32_t seq, uint8_t *out, size_t cap, ike_info_err_t *err)
{
  if (!sa)
    return info_fail(err, "no ISAKMP SA");
  uint8_t spi[IKE_INFO_SPI_ISAKMP], data[4];
  info_cookies(sa->icookie, sa->rcookie, spi);
  put32(data, seq);
  return ike_info_notify(sa, ack ? ISAKMP_N_R_U_THERE_ACK : ISAKMP_N_R_U_THERE, ISAKMP_PROTO_ISAKMP, spi,
                         sizeof spi, data, sizeof data, out, cap, err);
}

size_t ike_info_clear_notify(const uint8_t icookie[8], const uint8_t rcookie[8], uint16_t type, uint8_t *out,
                             size_t cap)
{
  if (!icookie || !rcookie || !out)
    return 0;
  isakmp_hdr_t hdr = {.exchange = ISAKMP_XCHG_INFO};
  memcpy(hdr.icookie, icookie, ISAKMP_COOKIE_LEN);
  memcpy(hdr.rcookie, rcookie, ISAKMP_COOKIE_LEN);
  isakmp_notify_t nt = {.doi = ISAKMP_DOI_IPSEC, .protocol = ISAKMP_PROTO_ISAKMP,
                        .spi_size = IKE_INFO_SPI_ISAKMP, .type = type};
  info_cookies(icookie, rcookie, nt.spi);
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, out, cap);
  isakmp_put_header(&w, &hdr);
  isakmp_put_notify(&w, &nt);
  return isakmp_finish(&w);
}
