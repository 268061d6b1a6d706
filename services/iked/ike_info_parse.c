/* Receiving informational messages: header checks, decryption under the
 * M-ID's IV, HASH(1) verified before any payload is interpreted, then
 * every delete and notify copied out.  Nothing of the SA changes. */
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ike_info.h"
#include "isakmp_codec.h"

/* A message being opened */
typedef struct info_in {
  isakmp_hdr_t hdr;
  uint8_t pt[IKE_INFO_IN_MAX];
  size_t ct_len;
  size_t used; /* bytes of pt the payload chain covers (padding excluded) */
  isakmp_payload_t pl[ISAKMP_MAX_PAYLOADS];
  unsigned n;
} info_in_t;

/* Sets err (when given); returns false for `return info_fail(...)` */
static bool info_fail(ike_info_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool info_fail(ike_info_err_t *err, const char *fmt, ...)
{
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->reason, sizeof err->reason, fmt, ap);
    va_end(ap);
  }
  return false;
}

static uint32_t get32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool is_our_cookies(const ike_p1sa_t *sa, const uint8_t *spi)
{
  return memcmp(spi, sa->icookie, ISAKMP_COOKIE_LEN) == 0 &&
         memcmp(spi + ISAKMP_COOKIE_LEN, sa->rcookie, ISAKMP_COOKIE_LEN) == 0;
}

/* Is this datagram an encrypted informational message of this SA? */
static bool info_header(const ike_p1sa_t *sa, const uint8_t *msg, size_t len, info_in_t *in, ike_info_err_t *err)
{
  isakmp_error_t pe;
  if (isakmp_parse_header(msg, len, &in->hdr, &pe) != ISAKMP_OK)
    return info_fail(err, "informational: %s", pe.msg);
  const isakmp_hdr_t *h = &in->hdr;
  if (h->exchange != ISAKMP_XCHG_INFO)
    return info_fail(err, "exchange %s (%u), not informational", isakmp_exchange_name(h->exchange), h->exchange);
  if (!is_our_cookies(sa, msg))
    return info_fail(err, "informational message for another ISAKMP SA (cookies differ)");
  if (!(h->flags & ISAKMP_FLAG_E))
    return info_fail(err, "informational message is not encrypted");
  if (h->msgid == 0)
    return info_fail(err, "informational message with message ID 0");
  if (len > IKE_INFO_IN_MAX)
    return info_fail(err, "informational message of %zu bytes, at most %d accepted", len, IKE_INFO_IN_MAX);
  in->ct_len = len - ISAKMP_HDR_LEN;
  return true;
}

/* Decrypts under the M-ID's IV; a wrong length is a truncated message. */
static bool info_decrypt(const ike_p1sa_t *sa, const uint8_t *msg, info_in_t *in, ike_info_err_t *err)
{
  size_t block = ike_cipher_block(sa->cipher);
  if (in->ct_len == 0 || in->ct_len % block != 0)
    return info_fail(err, "informational message: encrypted part of %zu bytes is not a whole number of %zu-byte "
                          "blocks (truncated?)",
                     in->ct_len, block);
  ike_iv_t iv, next;
  if (!ike_info_iv(sa, in->hdr.msgid, &iv))
    return info_fail(err, "informational message ID 0x%08x is that of an exchange in progress (RFC 2409 §5.7)",
                     in->hdr.msgid);
  char e[128];
  if (!ike_cipher_decrypt(sa->cipher, &iv, msg + ISAKMP_HDR_LEN, in->ct_len, in->pt, &next, e, sizeof e))
    return info_fail(err, "informational message: %s", e);
  return true;
}

/* HASH first and of the right size, a chain that ends within a block of
 * the end, and HASH(1) = prf(SKEYID_a, M-ID | the rest of the chain). */
static bool info_verify(const ike_p1sa_t *sa, info_in_t *in, ike_info_err_t *err)
{
  size_t hl = ike_hash_len(sa->keys.hash), pad = 0;
  if (in->hdr.next_payload != ISAKMP_PL_HASH)
    return info_fail(err, "informational message starts with %s (%u), not HASH",
                     isakmp_payload_name(in->hdr.next_payload), in->hdr.next_payload);
  size_t first = (size_t)in->pt[2] << 8 | in->pt[3];
  if (first != ISAKMP_GEN_HDR_LEN + hl)
    return info_fail(err, "HASH payload of %zu bytes, %s gives %zu", first,
                     ike_hash_name(sa->keys.hash), ISAKMP_GEN_HDR_LEN + hl);
  /* the one byte of the chain HASH(1) cannot cover: the codec ignores
   * RESERVED, but here a non-zero one can only be damage */
  if (in->pt[1] != 0)
    return info_fail(err, "HASH payload's RESERVED byte is 0x%02x, not 0", in->pt[1]);
  isakmp_error_t pe;
  if (isakmp_parse_chain(ISAKMP_PL_HASH, in->pt, in->ct_len, in->pl, ISAKMP_MAX_PAYLOADS, &in->n, &pad, &pe) !=
      ISAKMP_OK)
    return info_fail(err, "decrypted informational message: %s (altered, or phase-1 keys differ)", pe.msg);
  /* peers pad to the block (strongSwan up to a whole one); more than that
   * is either damage or bytes outside the authenticated chain */
  if (pad > ike_cipher_block(sa->cipher))
    return info_fail(err, "informational message: bad padding, %zu bytes after the payloads", pad);
  in->used = in->ct_len - pad;
  const uint8_t *rest = in->pl[0].body + hl;
  uint8_t want[IKE_MAX_HASH];
  if (!ike_info_hash(&sa->keys, in->hdr.msgid, rest, (size_t)(in->pt + in->used - rest), want))
    return info_fail(err, "cannot compute HASH(1)");
  if (CRYPTO_memcmp(want, in->pl[0].body, hl) != 0)
    return info_fail(err, "HASH(1) mismatch: message altered, or phase-1 keys differ");
  return true;
}

static bool doi_ok(uint32_t doi) { return doi == ISAKMP_DOI_ISAKMP || doi == ISAKMP_DOI_IPSEC; }

static bool info_notify(const isakmp_payload_t *p, ike_info_msg_t *out, ike_info_err_t *err)
{
  isakmp_notify_t n;
  isakmp_error_t pe;
  if (isakmp_parse_notify(p->body, p->len, &n, &pe) != ISAKMP_OK)
    return info_fail(err, "%s", pe.msg);
  if (!doi_ok(n.doi))
    return info_fail(err, "N payload (%s): DOI %u, not 0 or 1", isakmp_notify_name(n.type), n.doi);
  if (out->nnotifies == IKE_INFO_MAX_NOTIFIES)
    return info_fail(err, "informational message has more than %d notify payloads", IKE_INFO_MAX_NOTIFIES);
  ike_info_notify_pl_t *o = &out->notifies[out->nnotifies++];
  *o = (ike_info_notify_pl_t){.type = n.type, .proto = n.protocol, .spi_len = n.spi_size};
  memcpy(o->spi, n.spi, n.spi_size);
  o->data_truncated = n.len > sizeof o->data;
  o->data_len = o->data_truncated ? sizeof o->data : n.len;
  memcpy(o->data, n.data, o->data_len);
  return true;
}

/* The SPIs of a delete; ISAKMP SAs are counted and matched against ours. */
static bool info_delete_spis(const ike_p1sa_t *sa, const isakmp_delete_t *d, ike_info_delete_pl_t *o,
                             ike_info_err_t *err)
{
  if (d->count > IKE_INFO_MAX_SPIS)
    return info_fail(err, "D payload: %u SPIs, at most %d accepted", d->count, IKE_INFO_MAX_SPIS);
  o->nspis = d->count;
  for (size_t i = 0; i < d->count; i++) {
    const uint8_t *spi = d->spis + i * d->spi_size;
    if (d->protocol == ISAKMP_PROTO_ISAKMP)
      o->isakmp_cookies_match |= is_our_cookies(sa, spi);
    else
      o->spis[i] = get32(spi);
  }
  return true;
}

static bool info_delete(const ike_p1sa_t *sa, const isakmp_payload_t *p, ike_info_msg_t *out,
                        ike_info_err_t *err)
{
  isakmp_delete_t d;
  isakmp_error_t pe;
  if (isakmp_parse_delete(p->body, p->len, &d, &pe) != ISAKMP_OK)
    return info_fail(err, "%s", pe.msg);
  if (!doi_ok(d.doi))
    return info_fail(err, "D payload: DOI %u, not 0 or 1", d.doi);
  /* the codec has checked the SPI size: 16 for ISAKMP, 4 for AH and ESP */
  if (d.protocol != ISAKMP_PROTO_ISAKMP && d.protocol != ISAKMP_PROTO_AH && d.protocol != ISAKMP_PROTO_ESP)
    return info_fail(err, "D payload: deleting %s SAs is not supported", isakmp_proto_name(d.protocol));
  if (out->ndeletes == IKE_INFO_MAX_DELETES)
    return info_fail(err, "informational message has more than %d delete payloads", IKE_INFO_MAX_DELETES);
  ike_info_delete_pl_t *o = &out->deletes[out->ndeletes++];
  *o = (ike_info_delete_pl_t){.proto = d.protocol};
  return info_delete_spis(sa, &d, o, err);
}

/* The payloads after HASH: deletes and notifies only, at least one. */
static bool info_collect(const ike_p1sa_t *sa, const info_in_t *in, ike_info_msg_t *out, ike_info_err_t *err)
{
  for (unsigned i = 1; i < in->n; i++) {
    const isakmp_payload_t *p = &in->pl[i];
    bool ok;
    if (p->type == ISAKMP_PL_N)
      ok = info_notify(p, out, err);
    else if (p->type == ISAKMP_PL_D)
      ok = info_delete(sa, p, out, err);
    else
      ok = info_fail(err, "%s payload not allowed in an informational message (payload %u)",
                     isakmp_payload_name(p->type), i + 1);
    if (!ok)
      return false;
  }
  if (out->nnotifies == 0 && out->ndeletes == 0)
    return info_fail(err, "informational message carries no notify or delete");
  return true;
}

int ike_info_parse(ike_p1sa_t *sa, const uint8_t *msg, size_t len, ike_info_msg_t *out, ike_info_err_t *err)
{
  if (!sa || !sa->cipher || !msg || !out) {
    info_fail(err, "no ISAKMP SA, cipher, message or result");
    return -1;
  }
  memset(out, 0, sizeof *out);
  info_in_t in;
  if (!info_header(sa, msg, len, &in, err) || !info_decrypt(sa, msg, &in, err) || !info_verify(sa, &in, err) ||
      !info_collect(sa, &in, out, err))
    return -1;
  out->msgid = in.hdr.msgid;
  return 0;
}

bool ike_info_is_dpd(const ike_p1sa_t *sa, const ike_info_notify_pl_t *n, bool *ack, uint32_t *seq)
{
  if (n->type != ISAKMP_N_R_U_THERE && n->type != ISAKMP_N_R_U_THERE_ACK)
    return false;
  /* RFC 3706 §5.3: protocol ISAKMP, the cookies as SPI, a 32-bit sequence number */
  if (n->proto != ISAKMP_PROTO_ISAKMP || n->spi_len != IKE_INFO_SPI_ISAKMP || !is_our_cookies(sa, n->spi) ||
      n->data_len != 4 || n->data_truncated)
    return false;
  *ack = n->type == ISAKMP_N_R_U_THERE_ACK;
  *seq = get32(n->data);
  return true;
}
