/* Main mode's messages on the wire: our headers, vendor IDs, encryption and
 * notifies out; in, the checks every message must pass before its handler
 * sees it (header, cookies, flags, the payloads its row allows). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_mm_priv.h"

/* MD5("RFC 3947") */
static const uint8_t vid_natt[16] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                                     0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
/* RFC 3706 §7: 14 fixed bytes, then major version 1, minor 0 */
static const uint8_t vid_dpd[16] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                                    0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};
enum { VID_DPD_FIXED = 14 };
/* MD5("erx-ipsec IKEv1") */
const uint8_t ike_mm_vid_erx[16] = {0x8e, 0xb1, 0xae, 0xc2, 0xfd, 0xf4, 0x27, 0xfb,
                                    0x71, 0xb2, 0x57, 0xc4, 0x5d, 0xaf, 0xbf, 0xd7};

bool ike_mm_has_vid(const uint8_t *msg, size_t len, const uint8_t vid[16])
{
  isakmp_msg_t m;
  isakmp_error_t e;
  if (isakmp_parse_message(msg, len, &m, &e) != ISAKMP_OK)
    return false;
  for (unsigned i = 0; i < m.n; i++)
    if (m.pl[i].type == ISAKMP_PL_VID && m.pl[i].len == 16 && memcmp(m.pl[i].body, vid, 16) == 0)
      return true;
  return false;
}

void mm_put_hdr(isakmp_wbuf_t *w, const ike_mm_t *mm, uint8_t flags, uint8_t next)
{
  isakmp_hdr_t h = {.exchange = mm->aggressive ? ISAKMP_XCHG_AGGRESSIVE : ISAKMP_XCHG_MAIN, .flags = flags,
                    .next_payload = next};
  memcpy(h.icookie, mm->sa.icookie, ISAKMP_COOKIE_LEN);
  memcpy(h.rcookie, mm->sa.rcookie, ISAKMP_COOKIE_LEN);
  isakmp_put_header(w, &h);
}

void mm_put_vids(isakmp_wbuf_t *w, const ike_mm_t *mm)
{
  if (mm->vid_dpd)
    isakmp_put_vid(w, vid_dpd, sizeof vid_dpd);
  if (mm->vid_erx)
    isakmp_put_vid(w, ike_mm_vid_erx, sizeof ike_mm_vid_erx);
  /* RFC 3947 §3.1: the responder answers with the ID only when it got it */
  if (mm->vid_natt && (mm->sa.initiator || mm->peer_natt))
    isakmp_put_vid(w, vid_natt, sizeof vid_natt);
}

mm_res_t mm_finish_plain(ike_mm_t *mm, isakmp_wbuf_t *w, ike_mm_error_t *err)
{
  mm->tx_len = isakmp_finish(w);
  if (mm->tx_len == 0)
    return mm_fail(err, 0, "%s: cannot build the message (%s)", ike_mm_state_name(mm->state),
                   w->overflow ? "too long" : "builder misuse");
  return MM_OK;
}

mm_res_t mm_finish_encrypted(ike_mm_t *mm, isakmp_wbuf_t *w, ike_mm_error_t *err)
{
  uint8_t ct[MM_MSG_MAX];
  size_t ct_len = 0;
  ike_iv_t iv, next;
  char why[128] = "";
  bool ok = isakmp_wbuf_ok(w) && w->len > 0 && ike_iv_state_get(&mm->sa.iv, 0, &iv) &&
            ike_cipher_encrypt(mm->sa.cipher, &iv, w->buf, w->len, ct, sizeof ct, &ct_len, &next, why, sizeof why);
  OPENSSL_cleanse(w->buf, w->len);
  if (!ok)
    return mm_fail(err, 0, "%s: cannot encrypt the message%s%s", ike_mm_state_name(mm->state), why[0] ? ": " : "",
                   why);
  isakmp_wbuf_t h;
  isakmp_wbuf_init(&h, mm->tx, sizeof mm->tx);
  mm_put_hdr(&h, mm, ISAKMP_FLAG_E, w->first);
  isakmp_put_bytes(&h, ct, ct_len);
  mm->tx_len = isakmp_finish(&h);
  if (mm->tx_len == 0)
    return mm_fail(err, 0, "%s: encrypted message too long", ike_mm_state_name(mm->state));
  ike_iv_state_advance(&mm->sa.iv, 0, &next);
  return MM_OK;
}

size_t mm_build_notify(const uint8_t *icky, const uint8_t *rcky, uint16_t type, uint8_t *out, size_t cap)
{
  isakmp_hdr_t h = {.exchange = ISAKMP_XCHG_INFO};
  memcpy(h.icookie, icky, ISAKMP_COOKIE_LEN);
  memcpy(h.rcookie, rcky, ISAKMP_COOKIE_LEN);
  /* RFC 2408 §3.14: about the ISAKMP SA, whose SPI is both cookies */
  isakmp_notify_t n = {.doi = ISAKMP_DOI_IPSEC, .protocol = ISAKMP_PROTO_ISAKMP, .spi_size = 16, .type = type};
  memcpy(n.spi, icky, ISAKMP_COOKIE_LEN);
  memcpy(n.spi + ISAKMP_COOKIE_LEN, rcky, ISAKMP_COOKIE_LEN);
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, out, cap);
  isakmp_put_header(&w, &h);
  isakmp_put_notify(&w, &n);
  return isakmp_finish(&w);
}

/* A refusal of message `what`; once decrypted, any fault means the keys
 * differ (see ike_mm.h), so it fails the negotiation instead. */
static mm_res_t bad(bool decrypted, ike_mm_error_t *err, uint16_t hint, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static mm_res_t bad(bool decrypted, ike_mm_error_t *err, uint16_t hint, const char *what, const char *fmt, ...)
{
  char m[IKE_MM_ERR_LEN - 128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m, sizeof m, fmt, ap);
  va_end(ap);
  if (decrypted)
    return mm_fail(err, ISAKMP_N_AUTHENTICATION_FAILED,
                   "%s does not decrypt to a valid message (pre-shared keys differ?): %s", what, m);
  return mm_refuse(err, hint, "%s refused: %s", what, m);
}

/* The RESPONDER-LIFETIME notify's seconds (RFC 2407 §4.6.3.1: SA
 * attributes), 0 when it has none. */
static uint32_t responder_lifetime(const isakmp_notify_t *n)
{
  uint32_t secs = 0;
  uint16_t type = 0;
  for (size_t off = 0; off + 4 <= n->len;) {
    const uint8_t *a = n->data + off;
    uint16_t at = (uint16_t)(a[0] << 8 | a[1]);
    size_t vlen = (at & ISAKMP_ATTR_AF) ? 2 : (size_t)(a[2] << 8 | a[3]);
    const uint8_t *v = (at & ISAKMP_ATTR_AF) ? a + 2 : a + 4;
    off += (at & ISAKMP_ATTR_AF) ? 4 : 4 + vlen;
    if (off > n->len || vlen > 4)
      return 0;
    uint32_t val = 0;
    for (size_t i = 0; i < vlen; i++)
      val = val << 8 | v[i];
    at &= (uint16_t)~ISAKMP_ATTR_AF;
    if (at == IKE_ATTR_LIFE_TYPE)
      type = (uint16_t)val;
    else if (at == IKE_ATTR_LIFE_DURATION && type == ISAKMP_LIFE_SECONDS)
      secs = val;
  }
  return secs;
}

static void note_vid(mm_in_t *in, const isakmp_payload_t *p)
{
  if (p->len == sizeof vid_natt && memcmp(p->body, vid_natt, sizeof vid_natt) == 0)
    in->vid_natt = true;
  if (p->len == sizeof vid_dpd && memcmp(p->body, vid_dpd, VID_DPD_FIXED) == 0 && p->body[VID_DPD_FIXED] == 1)
    in->vid_dpd = true;
}

/* Sorts the payloads of a message into *in, checking each against the
 * row's sets and its own decoder (the SA is decoded by its handler). */
static mm_res_t sort_payloads(const mm_transition_t *t, bool dec, mm_in_t *in, ike_mm_error_t *err)
{
  const isakmp_payload_t **once[ISAKMP_PL_NATD + 1] = {
      [ISAKMP_PL_SA] = &in->sa, [ISAKMP_PL_KE] = &in->ke, [ISAKMP_PL_NONCE] = &in->nonce,
      [ISAKMP_PL_ID] = &in->id, [ISAKMP_PL_HASH] = &in->hash};
  for (unsigned i = 0; i < in->n; i++) {
    const isakmp_payload_t *p = &in->pl[i];
    if (p->type >= 64 || !((t->required | t->optional) & MM_PL(p->type)))
      return bad(dec, err, ISAKMP_N_INVALID_PAYLOAD_TYPE, t->msg, "unexpected %s payload",
                 isakmp_payload_name(p->type));
    isakmp_decoded_t d;
    isakmp_error_t e;
    if (p->type != ISAKMP_PL_SA && isakmp_decode_payload(p, &d, &e) != ISAKMP_OK)
      return bad(dec, err, isakmp_err_notify(e.code), t->msg, "%s", e.msg);
    if (p->type < sizeof once / sizeof once[0] && once[p->type]) {
      if (*once[p->type])
        return bad(dec, err, ISAKMP_N_PAYLOAD_MALFORMED, t->msg, "two %s payloads", isakmp_payload_name(p->type));
      *once[p->type] = p;
    } else if (p->type == ISAKMP_PL_NATD && in->nnatd < MM_NATD_MAX) {
      in->natd[in->nnatd++] = p;
    } else if (p->type == ISAKMP_PL_VID) {
      note_vid(in, p);
    } else if (p->type == ISAKMP_PL_N && d.u.n.type == ISAKMP_N_RESPONDER_LIFETIME &&
               d.u.n.protocol == ISAKMP_PROTO_ISAKMP) {
      in->responder_lifetime = responder_lifetime(&d.u.n);
    } else if (p->type == ISAKMP_PL_N && !in->notify) {
      in->notify = d.u.n.type;
    }
  }
  for (unsigned type = 0; type < 64; type++)
    if ((t->required & MM_PL(type)) && !(type < sizeof once / sizeof once[0] && once[type] && *once[type]))
      return bad(dec, err, ISAKMP_N_PAYLOAD_MALFORMED, t->msg, "no %s payload", isakmp_payload_name(type));
  return MM_OK;
}

/* A cleartext informational message during phase 1 is unauthenticated:
 * its notify is reported, never acted on. */
static mm_res_t peer_info(const mm_transition_t *t, const uint8_t *msg, size_t len, ike_mm_error_t *err)
{
  isakmp_msg_t m;
  isakmp_error_t e;
  isakmp_notify_t n;
  if (isakmp_parse_message(msg, len, &m, &e) == ISAKMP_OK)
    for (unsigned i = 0; i < m.n; i++)
      if (m.pl[i].type == ISAKMP_PL_N && isakmp_parse_notify(m.pl[i].body, m.pl[i].len, &n, &e) == ISAKMP_OK) {
        err->peer_notify = n.type;
        return mm_refuse(err, 0, "peer sent %s while we wait for %s (unauthenticated, ignored)",
                         isakmp_notify_name(n.type), t->msg);
      }
  return mm_refuse(err, 0, "informational message while we wait for %s", t->msg);
}

/* Header, exchange, M-ID, cookies and flags of a message for row t. */
static mm_res_t check_header(const ike_mm_t *mm, const mm_transition_t *t, const uint8_t *msg, size_t len,
                             isakmp_hdr_t *h, ike_mm_error_t *err)
{
  static const uint8_t zero[ISAKMP_COOKIE_LEN];
  isakmp_error_t e;
  if (isakmp_parse_header(msg, len, h, &e) != ISAKMP_OK)
    return mm_refuse(err, isakmp_err_notify(e.code), "%s refused: %s", t->msg, e.msg);
  if (h->exchange == ISAKMP_XCHG_INFO && !(h->flags & ISAKMP_FLAG_E))
    return peer_info(t, msg, len, err);
  uint8_t xchg = mm->aggressive ? ISAKMP_XCHG_AGGRESSIVE : ISAKMP_XCHG_MAIN;
  if (h->exchange != xchg || h->msgid != 0)
    return mm_refuse(err, 0, "%s refused: %s exchange, M-ID %08x, expected %s, M-ID 0", t->msg,
                     isakmp_exchange_name(h->exchange), h->msgid, mm->aggressive ? "aggressive mode" : "main mode");
  /* the first message has no responder cookie, the responder's first
   * brings it, the rest repeat both */
  bool icky_ok = memcmp(h->icookie, zero, ISAKMP_COOKIE_LEN) != 0 &&
                 (mm->state == IKE_MMS_START_R || memcmp(h->icookie, mm->sa.icookie, ISAKMP_COOKIE_LEN) == 0);
  bool rcky_ok = mm->state == IKE_MMS_START_R ? memcmp(h->rcookie, zero, ISAKMP_COOKIE_LEN) == 0
                 : mm->state == IKE_MMS_SA_I || mm->state == IKE_MMS_AM_SA_I
                     ? memcmp(h->rcookie, zero, ISAKMP_COOKIE_LEN) != 0
                     : memcmp(h->rcookie, mm->sa.rcookie, ISAKMP_COOKIE_LEN) == 0;
  if (!icky_ok || !rcky_ok)
    return mm_refuse(err, ISAKMP_N_INVALID_COOKIE, "%s refused: cookies do not belong to this negotiation", t->msg);
  bool enc = (h->flags & ISAKMP_FLAG_E) != 0;
  if ((h->flags & ISAKMP_FLAG_A) || (t->encrypted != enc && !(t->clear_ok && !enc)))
    return mm_refuse(err, ISAKMP_N_INVALID_FLAGS, "%s refused: flags 0x%02x, expected %s", t->msg, h->flags,
                     t->encrypted ? "encrypted" : "cleartext");
  return MM_OK;
}

mm_res_t mm_read(ike_mm_t *mm, const mm_transition_t *t, const uint8_t *msg, size_t len, mm_in_t *in,
                 uint8_t **plain, ike_mm_error_t *err)
{
  memset(in, 0, sizeof *in);
  mm_res_t r = check_header(mm, t, msg, len, &in->hdr, err);
  if (r != MM_OK)
    return r;
  isakmp_error_t e;
  if (!(in->hdr.flags & ISAKMP_FLAG_E)) {
    isakmp_msg_t m;
    if (isakmp_parse_message(msg, len, &m, &e) != ISAKMP_OK)
      return mm_refuse(err, isakmp_err_notify(e.code), "%s refused: %s", t->msg, e.msg);
    memcpy(in->pl, m.pl, m.n * sizeof m.pl[0]);
    in->n = m.n;
    return sort_payloads(t, false, in, err);
  }
  /* encrypted: a length that is not whole blocks is damage, not a key
   * mismatch */
  size_t body = len - ISAKMP_HDR_LEN, block = ike_cipher_block(mm->sa.cipher);
  if (body == 0 || body % block)
    return mm_refuse(err, ISAKMP_N_PAYLOAD_MALFORMED, "%s refused: %zu encrypted bytes, not whole %zu-byte blocks",
                     t->msg, body, block);
  *plain = malloc(body);
  in->plain_len = body;
  ike_iv_t iv;
  char why[128];
  if (!*plain || !ike_iv_state_get(&mm->sa.iv, 0, &iv) ||
      !ike_cipher_decrypt(mm->sa.cipher, &iv, msg + ISAKMP_HDR_LEN, body, *plain, &in->iv_next, why, sizeof why))
    return mm_refuse(err, 0, "%s refused: cannot decrypt", t->msg);
  size_t pad = 0;
  if (isakmp_parse_chain(in->hdr.next_payload, *plain, body, in->pl, ISAKMP_MAX_PAYLOADS, &in->n, &pad, &e) !=
      ISAKMP_OK)
    return bad(true, err, 0, t->msg, "%s", e.msg);
  return sort_payloads(t, true, in, err);
}
