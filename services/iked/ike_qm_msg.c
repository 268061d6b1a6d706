/* Quick-mode messages on the wire: the HASH payload first, everything after
 * the header encrypted under the exchange's own IV chain (RFC 2409 §5.5,
 * Appendix B). */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "ike_qm_priv.h"

static size_t qm_hash_len(const ike_qm_t *q) { return ike_hash_len(q->p1->keys.hash); }

/* HASH(1), (2) or (3) over `rest` (the message after the HASH payload). */
static bool qm_hash(const ike_qm_t *q, uint32_t mid, int which, const uint8_t *rest, size_t rest_len,
                    uint8_t *out)
{
  const ike_p1_keys_t *k = &q->p1->keys;
  switch (which) {
  case 1:
    return ike_qm_hash1(k, mid, rest, rest_len, out);
  case 2:
    return ike_qm_hash2(k, mid, q->ni, q->ni_len, rest, rest_len, out);
  default:
    return ike_qm_hash3(k, mid, q->ni, q->ni_len, q->nr, q->nr_len, out);
  }
}

void qm_plain_begin(const ike_qm_t *q, isakmp_wbuf_t *w, uint8_t *buf, size_t cap)
{
  static const uint8_t zero[IKE_MAX_HASH];
  isakmp_wbuf_init(w, buf, cap);
  isakmp_put_hash(w, zero, qm_hash_len(q));
}

bool qm_seal(ike_qm_t *q, isakmp_wbuf_t *w, int which, const qm_out_t *out, ike_qm_err_t *err)
{
  size_t plen = isakmp_finish(w), hl = qm_hash_len(q);
  if (plen == 0)
    return qm_fail(err, 0, "quick mode message %d does not fit in %zu bytes", which, w->cap);
  uint8_t *h = w->buf + ISAKMP_GEN_HDR_LEN;
  if (!qm_hash(q, q->mid, which, h + hl, plen - ISAKMP_GEN_HDR_LEN - hl, h))
    return qm_fail(err, 0, "cannot compute HASH(%d)", which);

  ike_iv_t iv, next;
  uint8_t ct[IKE_QM_MSG_MAX], msg[IKE_QM_MSG_MAX];
  size_t ct_len = 0;
  char e[128];
  if (!ike_iv_state_get(&q->p1->iv, q->mid, &iv))
    return qm_fail(err, 0, "no IV for message ID 0x%08x", q->mid);
  q->iv_slot = true;
  if (!ike_cipher_encrypt(q->p1->cipher, &iv, w->buf, plen, ct, sizeof ct, &ct_len, &next, e, sizeof e))
    return qm_fail(err, 0, "quick mode message %d: %s", which, e);

  isakmp_hdr_t hdr = {.next_payload = ISAKMP_PL_HASH, .exchange = ISAKMP_XCHG_QUICK, .flags = ISAKMP_FLAG_E,
                      .msgid = q->mid};
  memcpy(hdr.icookie, q->p1->icookie, ISAKMP_COOKIE_LEN);
  memcpy(hdr.rcookie, q->p1->rcookie, ISAKMP_COOKIE_LEN);
  isakmp_wbuf_t m;
  isakmp_wbuf_init(&m, msg, sizeof msg);
  isakmp_put_header(&m, &hdr);
  isakmp_put_bytes(&m, ct, ct_len);
  size_t len = isakmp_finish(&m);
  if (len == 0 || len > out->cap)
    return qm_fail(err, 0, "quick mode message %d needs %zu bytes, the buffer has %zu", which,
                   len ? len : ct_len + ISAKMP_HDR_LEN, out->cap);
  memcpy(out->buf, msg, len);
  memcpy(q->sent, msg, len);
  *out->len = q->sent_len = len;
  ike_iv_state_advance(&q->p1->iv, q->mid, &next);
  return true;
}

bool qm_seal_sa(ike_qm_t *q, bool ids, const qm_out_t *out, ike_qm_err_t *err)
{
  uint8_t buf[IKE_QM_MSG_MAX];
  isakmp_wbuf_t w;
  qm_plain_begin(q, &w, buf, sizeof buf);
  if (q->initiator) {
    qm_put_offer(q, &w);
    isakmp_put_nonce(&w, q->ni, q->ni_len);
  } else {
    qm_put_answer(q, &w);
    isakmp_put_nonce(&w, q->nr, q->nr_len);
  }
  qm_put_ke(q, &w);
  if (ids) {
    qm_put_ident(&w, &q->idci);
    qm_put_ident(&w, &q->idcr);
  }
  return qm_seal(q, &w, q->initiator ? 1 : 2, out, err);
}

/* The IV the exchange's next message uses, without claiming a slot for a
 * new M-ID: an unauthenticated message must not evict another exchange. */
static bool qm_peek_iv(const ike_iv_state_t *s, uint32_t mid, ike_iv_t *iv)
{
  for (int i = 0; i < IKE_IV_EXCHANGES; i++)
    if (s->x[i].mid == mid) {
      *iv = s->x[i].iv;
      return true;
    }
  return ike_iv_phase2(s->hash, &s->phase1, mid, iv);
}

/* Header checks: is this datagram a quick-mode message of our exchange? */
static qm_open_t qm_open_header(const ike_qm_t *q, const uint8_t *msg, size_t len, qm_in_t *in,
                                ike_qm_err_t *err)
{
  isakmp_error_t pe;
  if (isakmp_parse_header(msg, len, &in->hdr, &pe) != ISAKMP_OK) {
    qm_fail(err, isakmp_err_notify(pe.code), "quick mode: %s", pe.msg);
    return QM_OPEN_REFUSED;
  }
  const isakmp_hdr_t *h = &in->hdr;
  if (h->exchange != ISAKMP_XCHG_QUICK || memcmp(h->icookie, q->p1->icookie, ISAKMP_COOKIE_LEN) != 0 ||
      memcmp(h->rcookie, q->p1->rcookie, ISAKMP_COOKIE_LEN) != 0 || (q->mid && h->msgid != q->mid))
    return QM_OPEN_NOT_OURS;
  if (h->msgid == 0) {
    qm_fail(err, ISAKMP_N_INVALID_MESSAGE_ID, "quick mode with message ID 0");
    return QM_OPEN_REFUSED;
  }
  if (!(h->flags & ISAKMP_FLAG_E)) {
    qm_fail(err, ISAKMP_N_PAYLOAD_MALFORMED, "quick mode message is not encrypted");
    return QM_OPEN_REFUSED;
  }
  if (len - ISAKMP_HDR_LEN > QM_IN_MAX) {
    qm_fail(err, ISAKMP_N_PAYLOAD_MALFORMED, "quick mode message of %zu bytes is too long", len);
    return QM_OPEN_REFUSED;
  }
  return QM_OPEN_OK;
}

/* The decrypted chain's HASH(which) against ours. */
static bool qm_verify(const ike_qm_t *q, const qm_in_t *in, int which, ike_qm_err_t *err)
{
  const isakmp_payload_t *hp = &in->pl[0];
  size_t hl = qm_hash_len(q);
  if (in->n == 0 || hp->type != ISAKMP_PL_HASH)
    return qm_fail(err, ISAKMP_N_PAYLOAD_MALFORMED, "quick mode message starts with %s, not HASH",
                   in->n ? isakmp_payload_name(hp->type) : "nothing");
  if (hp->len != hl)
    return qm_fail(err, ISAKMP_N_AUTHENTICATION_FAILED, "HASH(%d) is %zu bytes, %s gives %zu", which, hp->len,
                   ike_hash_name(q->p1->keys.hash), hl);
  const uint8_t *rest = hp->body + hp->len;
  uint8_t want[IKE_MAX_HASH];
  if (!qm_hash(q, in->hdr.msgid, which, rest, (size_t)(in->pt + in->pt_len - rest), want))
    return qm_fail(err, ISAKMP_N_AUTHENTICATION_FAILED, "cannot compute HASH(%d)", which);
  if (CRYPTO_memcmp(want, hp->body, hl) != 0)
    return qm_fail(err, ISAKMP_N_AUTHENTICATION_FAILED,
                   "HASH(%d) does not verify: message altered, or phase-1 keys differ", which);
  return true;
}

qm_open_t qm_open(const ike_qm_t *q, const uint8_t *msg, size_t len, int which, qm_in_t *in, ike_qm_err_t *err)
{
  qm_open_t r = qm_open_header(q, msg, len, in, err);
  if (r != QM_OPEN_OK)
    return r;
  ike_iv_t iv;
  char e[128];
  size_t ct_len = len - ISAKMP_HDR_LEN, pad = 0;
  if (!qm_peek_iv(&q->p1->iv, in->hdr.msgid, &iv) ||
      !ike_cipher_decrypt(q->p1->cipher, &iv, msg + ISAKMP_HDR_LEN, ct_len, in->pt, &in->next_iv, e, sizeof e)) {
    qm_fail(err, ISAKMP_N_PAYLOAD_MALFORMED, "quick mode: %s", ct_len ? e : "no encrypted part");
    return QM_OPEN_REFUSED;
  }
  isakmp_error_t pe;
  if (isakmp_parse_chain(in->hdr.next_payload, in->pt, ct_len, in->pl, ISAKMP_MAX_PAYLOADS, &in->n, &pad, &pe) !=
      ISAKMP_OK) {
    /* without a verified hash this may also be a wrong key or IV */
    qm_fail(err, isakmp_err_notify(pe.code), "decrypted quick mode message: %s", pe.msg);
    return QM_OPEN_REFUSED;
  }
  in->pt_len = ct_len - pad;
  if (!qm_verify(q, in, which, err))
    return QM_OPEN_REFUSED;
  qm_digest(msg, len, in->digest);
  return QM_OPEN_OK;
}

void qm_commit_iv(ike_qm_t *q, const qm_in_t *in)
{
  ike_iv_t cur;
  if (ike_iv_state_get(&q->p1->iv, q->mid, &cur)) {
    q->iv_slot = true;
    ike_iv_state_advance(&q->p1->iv, q->mid, &in->next_iv);
  }
  /* a copy of this message is a retransmission: see the table's EV_DUP */
  memcpy(q->answered, in->digest, sizeof q->answered);
  q->has_answered = true;
}

void qm_forget_iv(ike_qm_t *q)
{
  if (q->iv_slot)
    ike_iv_state_forget(&q->p1->iv, q->mid);
  q->iv_slot = false;
}

static bool qm_take(const isakmp_payload_t **slot, const isakmp_payload_t *p, ike_qm_err_t *err)
{
  if (*slot)
    return qm_fail(err, ISAKMP_N_PAYLOAD_MALFORMED, "quick mode message has more than one %s payload",
                   isakmp_payload_name(p->type));
  *slot = p;
  return true;
}

bool qm_collect(const qm_in_t *in, qm_parts_t *parts, ike_qm_err_t *err)
{
  memset(parts, 0, sizeof *parts);
  unsigned nid = 0;
  for (unsigned i = 1; i < in->n; i++) {
    const isakmp_payload_t *p = &in->pl[i];
    bool ok = true;
    switch (p->type) {
    case ISAKMP_PL_SA:
      ok = qm_take(&parts->sa, p, err);
      break;
    case ISAKMP_PL_NONCE:
      ok = qm_take(&parts->nonce, p, err);
      break;
    case ISAKMP_PL_KE:
      ok = qm_take(&parts->ke, p, err);
      break;
    case ISAKMP_PL_ID:
      if (nid == 2)
        return qm_fail(err, ISAKMP_N_INVALID_ID_INFORMATION, "quick mode message has more than two IDs");
      parts->id[nid++] = p;
      break;
    case ISAKMP_PL_N:
    case ISAKMP_PL_VID:
    case ISAKMP_PL_NATOA:
    case ISAKMP_PL_NATOA_DRAFT:
      break; /* informative (e.g. RESPONDER-LIFETIME, NAT-OA for transport mode): not needed here */
    default:
      return qm_fail(err, ISAKMP_N_PAYLOAD_MALFORMED, "unexpected %s payload in quick mode",
                     isakmp_payload_name(p->type));
    }
    if (!ok)
      return false;
  }
  if (!parts->sa || !parts->nonce)
    return qm_fail(err, ISAKMP_N_PAYLOAD_MALFORMED, "quick mode message without %s payload",
                   parts->sa ? "nonce" : "SA");
  if (nid == 1)
    return qm_fail(err, ISAKMP_N_INVALID_ID_INFORMATION, "quick mode message has one ID, not none or two");
  isakmp_raw_t raw;
  isakmp_error_t pe;
  if (isakmp_parse_raw(ISAKMP_PL_NONCE, parts->nonce->body, parts->nonce->len, &raw, &pe) != ISAKMP_OK)
    return qm_fail(err, ISAKMP_N_PAYLOAD_MALFORMED, "%s", pe.msg);
  return true;
}

void qm_digest(const uint8_t *msg, size_t len, uint8_t out[IKE_MAX_HASH])
{
  const ike_chunk_t c = IKE_CHUNK(msg, len);
  if (!ike_hash(IKE_HASH_SHA256, &c, 1, out))
    memset(out, 0, IKE_MAX_HASH);
}

qm_result_t qm_not_opened(qm_open_t r) { return r == QM_OPEN_NOT_OURS ? QM_R_QUIET : QM_R_REFUSE; }

qm_result_t qm_resend(ike_qm_t *q, const qm_out_t *out, ike_qm_err_t *err)
{
  if (q->sent_len == 0)
    return QM_R_QUIET;
  if (q->sent_len > out->cap) {
    qm_fail(err, 0, "resending needs %zu bytes, the buffer has %zu", q->sent_len, out->cap);
    return QM_R_REFUSE;
  }
  memcpy(out->buf, q->sent, q->sent_len);
  *out->len = q->sent_len;
  return QM_R_SEND;
}

bool qm_nonce(uint8_t *buf, size_t *len, ike_qm_err_t *err)
{
  if (RAND_bytes(buf, IKE_QM_NONCE_LEN) != 1)
    return qm_fail(err, 0, "no random bytes for a nonce");
  *len = IKE_QM_NONCE_LEN;
  return true;
}
