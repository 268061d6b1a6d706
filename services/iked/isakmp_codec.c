/* ISAKMP header and generic payload chain (RFC 2408 §3.1, §3.2, §5.2), and
 * the dispatch to the typed decoders. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "isakmp_codec.h"
#include "isakmp_priv.h"

isakmp_err_t isakmp_fail(isakmp_error_t *e, isakmp_err_t code, const char *fmt, ...)
{
  if (e) {
    va_list ap;
    va_start(ap, fmt);
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

static isakmp_err_t ok(isakmp_error_t *e)
{
  if (e) {
    e->code = ISAKMP_OK;
    e->msg[0] = '\0';
  }
  return ISAKMP_OK;
}

/* ISAKMP: no SPI, or the two cookies.  AH/ESP: the 4-byte SPI.  IPCOMP: the
 * 2-byte CPI, which RFC 2407 §4.4.3 also lets travel in 4 bytes. */
bool isakmp_spi_size_ok(uint8_t protocol, uint8_t size, const char **why)
{
  switch (protocol) {
  case ISAKMP_PROTO_ISAKMP:
    *why = "0 or 16";
    return size == 0 || size == 16;
  case ISAKMP_PROTO_AH:
  case ISAKMP_PROTO_ESP:
    *why = "4";
    return size == 4;
  case ISAKMP_PROTO_IPCOMP:
    *why = "2 or 4";
    return size == 2 || size == 4;
  default:
    *why = "none for an unknown protocol";
    return false;
  }
}

isakmp_err_t isakmp_parse_header(const uint8_t *buf, size_t len, isakmp_hdr_t *hdr, isakmp_error_t *e)
{
  if (len < ISAKMP_HDR_LEN)
    return isakmp_fail(e, ISAKMP_ERR_TRUNCATED, "header: %zu bytes, an ISAKMP header needs %d", len,
                       ISAKMP_HDR_LEN);
  memcpy(hdr->icookie, buf, ISAKMP_COOKIE_LEN);
  memcpy(hdr->rcookie, buf + 8, ISAKMP_COOKIE_LEN);
  hdr->next_payload = buf[16];
  hdr->major = buf[17] >> 4;
  hdr->minor = buf[17] & 0x0f;
  hdr->exchange = buf[18];
  hdr->flags = buf[19];
  hdr->msgid = isakmp_get32(buf + 20);
  hdr->length = isakmp_get32(buf + 24);
  /* the version first: an IKEv2 message is not ours and says so */
  if (hdr->major != ISAKMP_VERSION_MAJOR)
    return isakmp_fail(e, ISAKMP_ERR_VERSION, "header: version %u.%u, IKEv1 is 1.0", hdr->major, hdr->minor);
  if (hdr->flags & ~ISAKMP_FLAGS_KNOWN)
    return isakmp_fail(e, ISAKMP_ERR_FLAGS, "header: flags 0x%02x set reserved bits 0x%02x", hdr->flags,
                       hdr->flags & ~ISAKMP_FLAGS_KNOWN & 0xff);
  if (hdr->length != len)
    return isakmp_fail(e, ISAKMP_ERR_LENGTH, "header: length %u, but the datagram has %zu bytes", hdr->length,
                       len);
  return ok(e);
}

isakmp_err_t isakmp_parse_chain(uint8_t first, const uint8_t *buf, size_t len, isakmp_payload_t *out,
                                unsigned cap, unsigned *n, size_t *pad, isakmp_error_t *e)
{
  size_t off = 0;
  uint8_t type = first;
  *n = 0;
  while (type != ISAKMP_PL_NONE) {
    const char *name = isakmp_payload_name(type);
    if (!isakmp_payload_known(type))
      return isakmp_fail(e, ISAKMP_ERR_PAYLOAD_TYPE, "payload %u: type %u (%s) %s", *n + 1, type, name,
                         name[0] == '?' ? "is unknown" : "outside an SA payload");
    if (*n == cap)
      return isakmp_fail(e, ISAKMP_ERR_TOO_MANY, "payload %u (%s): more than %u payloads", *n + 1, name, cap);
    size_t left = len - off;
    if (left < ISAKMP_GEN_HDR_LEN)
      return isakmp_fail(e, ISAKMP_ERR_PAYLOAD_LENGTH, "payload %u (%s): %zu bytes left, a payload header needs 4",
                         *n + 1, name, left);
    const uint8_t *p = buf + off;
    size_t plen = isakmp_get16(p + 2);
    if (plen < ISAKMP_GEN_HDR_LEN)
      return isakmp_fail(e, ISAKMP_ERR_PAYLOAD_LENGTH, "payload %u (%s): length %zu is below the 4-byte header",
                         *n + 1, name, plen);
    if (plen > left)
      return isakmp_fail(e, ISAKMP_ERR_PAYLOAD_LENGTH, "payload %u (%s): length %zu exceeds the %zu bytes left",
                         *n + 1, name, plen, left);
    /* p[1] is RESERVED: ignored on receipt (RFC 2408 §3.2) */
    out[*n] = (isakmp_payload_t){.type = type, .body = p + ISAKMP_GEN_HDR_LEN, .len = plen - ISAKMP_GEN_HDR_LEN};
    (*n)++;
    type = p[0];
    off += plen;
  }
  if (pad)
    *pad = len - off;
  else if (off != len)
    return isakmp_fail(e, ISAKMP_ERR_TRAILING, "%zu trailing bytes after the last payload (%u payloads, %zu bytes)",
                       len - off, *n, off);
  return ok(e);
}

isakmp_err_t isakmp_parse_message(const uint8_t *buf, size_t len, isakmp_msg_t *msg, isakmp_error_t *e)
{
  msg->n = 0;
  isakmp_err_t r = isakmp_parse_header(buf, len, &msg->hdr, e);
  if (r != ISAKMP_OK)
    return r;
  msg->body = buf + ISAKMP_HDR_LEN;
  msg->body_len = len - ISAKMP_HDR_LEN;
  if (msg->hdr.flags & ISAKMP_FLAG_E)
    return ok(e);
  return isakmp_parse_chain(msg->hdr.next_payload, msg->body, msg->body_len, msg->pl, ISAKMP_MAX_PAYLOADS,
                            &msg->n, NULL, e);
}

isakmp_err_t isakmp_decode_payload(const isakmp_payload_t *p, isakmp_decoded_t *out, isakmp_error_t *e)
{
  out->type = p->type;
  switch (p->type) {
  case ISAKMP_PL_SA:
    return isakmp_parse_sa(p->body, p->len, &out->u.sa, e);
  case ISAKMP_PL_ID:
    return isakmp_parse_id(p->body, p->len, &out->u.id, e);
  case ISAKMP_PL_N:
    return isakmp_parse_notify(p->body, p->len, &out->u.n, e);
  case ISAKMP_PL_D:
    return isakmp_parse_delete(p->body, p->len, &out->u.d, e);
  case ISAKMP_PL_NATOA:
  case ISAKMP_PL_NATOA_DRAFT:
    return isakmp_parse_natoa(p->body, p->len, &out->u.natoa, e);
  case ISAKMP_PL_CERT:
  case ISAKMP_PL_CR:
    return isakmp_parse_cert(p->type, p->body, p->len, &out->u.cert, e);
  default:
    return isakmp_parse_raw(p->type, p->body, p->len, &out->u.raw, e);
  }
}
