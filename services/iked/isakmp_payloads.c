/* Typed decoders of the payloads other than SA: ID (RFC 2407 §4.6.2),
 * notification (RFC 2408 §3.14), delete (§3.15), NAT-OA (RFC 3947 §5.2),
 * CERT/CR (§3.9, §3.10) and the raw ones (KE, NONCE, HASH, SIG, VID, NAT-D). */
#include <string.h>

#include "isakmp_codec.h"
#include "isakmp_priv.h"

/* Data length an ID type needs: an exact size, or 0 = variable (non-empty). */
static const struct {
  uint8_t type;
  uint8_t len;
  bool printable; /* FQDN and user@FQDN: visible ASCII only */
} id_shapes[] = {
    {ISAKMP_ID_IPV4_ADDR, 4, false},         {ISAKMP_ID_FQDN, 0, true},
    {ISAKMP_ID_USER_FQDN, 0, true},          {ISAKMP_ID_IPV4_ADDR_SUBNET, 8, false},
    {ISAKMP_ID_IPV6_ADDR, 16, false},        {ISAKMP_ID_IPV6_ADDR_SUBNET, 32, false},
    {ISAKMP_ID_IPV4_ADDR_RANGE, 8, false},   {ISAKMP_ID_IPV6_ADDR_RANGE, 32, false},
    {ISAKMP_ID_DER_ASN1_DN, 0, false},       {ISAKMP_ID_DER_ASN1_GN, 0, false},
    {ISAKMP_ID_KEY_ID, 0, false},
};

isakmp_err_t isakmp_parse_id(const uint8_t *b, size_t len, isakmp_id_t *id, isakmp_error_t *e)
{
  if (len < 4)
    return isakmp_fail(e, ISAKMP_ERR_TRUNCATED, "ID payload: %zu bytes, needs 4 before the data", len);
  *id = (isakmp_id_t){.type = b[0], .protocol = b[1], .port = isakmp_get16(b + 2), .data = b + 4, .len = len - 4};
  for (size_t i = 0; i < sizeof id_shapes / sizeof id_shapes[0]; i++) {
    if (id_shapes[i].type != id->type)
      continue;
    const char *name = isakmp_id_type_name(id->type);
    if (id_shapes[i].len && id->len != id_shapes[i].len)
      return isakmp_fail(e, ISAKMP_ERR_ID, "ID payload: %s data is %zu bytes, must be %u", name, id->len,
                         id_shapes[i].len);
    if (id->len == 0)
      return isakmp_fail(e, ISAKMP_ERR_ID, "ID payload: %s data is empty", name);
    for (size_t k = 0; id_shapes[i].printable && k < id->len; k++)
      if (id->data[k] < 0x21 || id->data[k] > 0x7e)
        return isakmp_fail(e, ISAKMP_ERR_ID, "ID payload: %s byte %zu is 0x%02x, not printable", name, k,
                           id->data[k]);
    return ISAKMP_OK;
  }
  return isakmp_fail(e, ISAKMP_ERR_ID, "ID payload: unknown ID type %u", id->type);
}

/* The protocol and SPI size of a notification or delete.  Notifications
 * about no SA at all may carry protocol 0 without an SPI. */
static isakmp_err_t check_spi(const char *what, uint8_t protocol, uint8_t size, bool zero_ok, isakmp_error_t *e)
{
  const char *why;
  if (zero_ok && protocol == 0 && size == 0)
    return ISAKMP_OK;
  if (isakmp_proto_name(protocol)[0] == '?')
    return isakmp_fail(e, ISAKMP_ERR_PROTOCOL, "%s payload: unknown protocol id %u", what, protocol);
  if (!isakmp_spi_size_ok(protocol, size, &why))
    return isakmp_fail(e, ISAKMP_ERR_SPI, "%s payload: SPI size %u for %s, must be %s", what, size,
                       isakmp_proto_name(protocol), why);
  return ISAKMP_OK;
}

isakmp_err_t isakmp_parse_notify(const uint8_t *b, size_t len, isakmp_notify_t *n, isakmp_error_t *e)
{
  if (len < 8)
    return isakmp_fail(e, ISAKMP_ERR_TRUNCATED, "N payload: %zu bytes, needs 8 before the SPI", len);
  *n = (isakmp_notify_t){.doi = isakmp_get32(b), .protocol = b[4], .spi_size = b[5], .type = isakmp_get16(b + 6)};
  isakmp_err_t r = check_spi("N", n->protocol, n->spi_size, true, e);
  if (r != ISAKMP_OK)
    return r;
  if (n->spi_size > len - 8)
    return isakmp_fail(e, ISAKMP_ERR_MALFORMED, "N payload (%s): SPI of %u bytes exceeds the %zu bytes left",
                       isakmp_notify_name(n->type), n->spi_size, len - 8);
  memcpy(n->spi, b + 8, n->spi_size);
  n->data = b + 8 + n->spi_size;
  n->len = len - 8 - n->spi_size;
  return ISAKMP_OK;
}

isakmp_err_t isakmp_parse_delete(const uint8_t *b, size_t len, isakmp_delete_t *d, isakmp_error_t *e)
{
  if (len < 8)
    return isakmp_fail(e, ISAKMP_ERR_TRUNCATED, "D payload: %zu bytes, needs 8 before the SPIs", len);
  *d = (isakmp_delete_t){.doi = isakmp_get32(b), .protocol = b[4], .spi_size = b[5], .count = isakmp_get16(b + 6),
                         .spis = b + 8};
  /* a delete names SAs, so it needs a protocol, an SPI and at least one */
  isakmp_err_t r = check_spi("D", d->protocol, d->spi_size, false, e);
  if (r == ISAKMP_OK && d->spi_size == 0)
    return isakmp_fail(e, ISAKMP_ERR_SPI, "D payload: SPI size 0 names no SA");
  if (r != ISAKMP_OK)
    return r;
  if (d->count == 0)
    return isakmp_fail(e, ISAKMP_ERR_MALFORMED, "D payload: no SPIs");
  if ((size_t)d->count * d->spi_size != len - 8)
    return isakmp_fail(e, ISAKMP_ERR_MALFORMED, "D payload: %u SPIs of %u bytes need %zu bytes, found %zu",
                       d->count, d->spi_size, (size_t)d->count * d->spi_size, len - 8);
  return ISAKMP_OK;
}

isakmp_err_t isakmp_parse_natoa(const uint8_t *b, size_t len, isakmp_natoa_t *o, isakmp_error_t *e)
{
  if (len < 4)
    return isakmp_fail(e, ISAKMP_ERR_TRUNCATED, "NAT-OA payload: %zu bytes, needs 4 before the address", len);
  *o = (isakmp_natoa_t){.id_type = b[0], .addr = b + 4, .len = len - 4};
  size_t want = o->id_type == ISAKMP_ID_IPV4_ADDR ? 4 : o->id_type == ISAKMP_ID_IPV6_ADDR ? 16 : 0;
  if (want == 0)
    return isakmp_fail(e, ISAKMP_ERR_ID, "NAT-OA payload: ID type %u, must be ipv4 (1) or ipv6 (5)", o->id_type);
  if (o->len != want)
    return isakmp_fail(e, ISAKMP_ERR_ID, "NAT-OA payload: %s address is %zu bytes, must be %zu",
                       isakmp_id_type_name(o->id_type), o->len, want);
  return ISAKMP_OK;
}

/* CERT needs a certificate; CR may leave the authority out (any CA). */
isakmp_err_t isakmp_parse_cert(uint8_t type, const uint8_t *b, size_t len, isakmp_cert_t *c, isakmp_error_t *e)
{
  const char *name = isakmp_payload_name(type);
  if (len < 1)
    return isakmp_fail(e, ISAKMP_ERR_TRUNCATED, "%s payload: empty, needs an encoding byte", name);
  *c = (isakmp_cert_t){.encoding = b[0], .data = b + 1, .len = len - 1};
  if (type == ISAKMP_PL_CERT && c->len == 0)
    return isakmp_fail(e, ISAKMP_ERR_MALFORMED, "CERT payload: no certificate data");
  return ISAKMP_OK;
}

isakmp_err_t isakmp_parse_raw(uint8_t type, const uint8_t *b, size_t len, isakmp_raw_t *r, isakmp_error_t *e)
{
  const char *name = isakmp_payload_name(type);
  switch (type) {
  case ISAKMP_PL_NONCE:
    if (len < ISAKMP_NONCE_MIN || len > ISAKMP_NONCE_MAX)
      return isakmp_fail(e, ISAKMP_ERR_MALFORMED, "NONCE payload: %zu bytes, must be %d to %d", len,
                         ISAKMP_NONCE_MIN, ISAKMP_NONCE_MAX);
    break;
  case ISAKMP_PL_KE:
  case ISAKMP_PL_HASH:
  case ISAKMP_PL_SIG:
  case ISAKMP_PL_VID:
  case ISAKMP_PL_NATD:
  case ISAKMP_PL_NATD_DRAFT:
    if (len == 0)
      return isakmp_fail(e, ISAKMP_ERR_MALFORMED, "%s payload: empty", name);
    break;
  default:
    return isakmp_fail(e, ISAKMP_ERR_PAYLOAD_TYPE, "payload type %u (%s) has no raw decoder", type, name);
  }
  *r = (isakmp_raw_t){.data = b, .len = len};
  return ISAKMP_OK;
}
