/* Quick-mode identities (RFC 2407 §4.6.2): the tunnel's local and peer
 * identities as ID_IPV4_ADDR (JUNOSe's `address`), ID_IPV4_ADDR_SUBNET and
 * ID_IPV4_ADDR_RANGE, and back. */
#include <stdio.h>
#include <string.h>

#include "ike_qm_priv.h"

void qm_put_ident(isakmp_wbuf_t *w, const ike_qm_ident_t *id)
{
  uint8_t data[8];
  isakmp_id_t p = {.protocol = id->protocol, .port = id->port, .data = data, .len = 8};
  qm_put32(data, id->a);
  qm_put32(data + 4, id->b);
  switch (id->kind) {
  case IKE_QM_ID_ADDRESS:
    p.type = ISAKMP_ID_IPV4_ADDR;
    p.len = 4;
    break;
  case IKE_QM_ID_SUBNET:
    p.type = ISAKMP_ID_IPV4_ADDR_SUBNET;
    break;
  case IKE_QM_ID_RANGE:
    p.type = ISAKMP_ID_IPV4_ADDR_RANGE;
    break;
  }
  isakmp_put_id(w, &p);
}

/* ones, then zeros: the host part ~m is 0..01..1 */
static bool qm_mask_ok(uint32_t m)
{
  uint32_t host = ~m;
  return (host & (host + 1)) == 0;
}

bool qm_ident_decode(const isakmp_payload_t *pl, ike_qm_ident_t *out, ike_qm_err_t *err)
{
  isakmp_id_t id;
  isakmp_error_t pe;
  if (isakmp_parse_id(pl->body, pl->len, &id, &pe) != ISAKMP_OK)
    return qm_fail(err, ISAKMP_N_INVALID_ID_INFORMATION, "%s", pe.msg);
  *out = (ike_qm_ident_t){.protocol = id.protocol, .port = id.port};
  size_t want = id.type == ISAKMP_ID_IPV4_ADDR ? 4 : 8;
  switch (id.type) {
  case ISAKMP_ID_IPV4_ADDR:
    out->kind = IKE_QM_ID_ADDRESS;
    break;
  case ISAKMP_ID_IPV4_ADDR_SUBNET:
    out->kind = IKE_QM_ID_SUBNET;
    break;
  case ISAKMP_ID_IPV4_ADDR_RANGE:
    out->kind = IKE_QM_ID_RANGE;
    break;
  default:
    return qm_fail(err, ISAKMP_N_INVALID_ID_INFORMATION, "quick mode ID of type %s, not an IPv4 selector",
                   isakmp_id_type_name(id.type));
  }
  if (id.len != want)
    return qm_fail(err, ISAKMP_N_INVALID_ID_INFORMATION, "%s ID of %zu bytes", isakmp_id_type_name(id.type),
                   id.len);
  out->a = qm_get32(id.data);
  out->b = want == 8 ? qm_get32(id.data + 4) : 0;
  if (out->kind == IKE_QM_ID_SUBNET && !qm_mask_ok(out->b))
    return qm_fail(err, ISAKMP_N_INVALID_ID_INFORMATION, "subnet ID with a non-contiguous mask");
  if (out->kind == IKE_QM_ID_RANGE && out->a > out->b)
    return qm_fail(err, ISAKMP_N_INVALID_ID_INFORMATION, "range ID whose end is below its start");
  return true;
}

ike_qm_ident_t qm_ident_host(uint32_t addr) { return (ike_qm_ident_t){.kind = IKE_QM_ID_ADDRESS, .a = addr}; }

/* The addresses covered, first and last */
static void qm_ident_span(const ike_qm_ident_t *id, uint32_t *lo, uint32_t *hi)
{
  switch (id->kind) {
  case IKE_QM_ID_SUBNET:
    *lo = id->a & id->b;
    *hi = *lo | ~id->b;
    break;
  case IKE_QM_ID_RANGE:
    *lo = id->a;
    *hi = id->b;
    break;
  default:
    *lo = *hi = id->a;
    break;
  }
}

bool ike_qm_ident_equal(const ike_qm_ident_t *a, const ike_qm_ident_t *b)
{
  uint32_t alo, ahi, blo, bhi;
  qm_ident_span(a, &alo, &ahi);
  qm_ident_span(b, &blo, &bhi);
  return alo == blo && ahi == bhi && a->protocol == b->protocol && a->port == b->port;
}

static void qm_ip(uint32_t a, char *buf, size_t len)
{
  snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

void ike_qm_ident_str(const ike_qm_ident_t *id, char *buf, size_t len)
{
  char a[16], b[16], pp[32] = "";
  qm_ip(id->a, a, sizeof a);
  qm_ip(id->b, b, sizeof b);
  if (id->protocol || id->port)
    snprintf(pp, sizeof pp, " protocol %u port %u", id->protocol, id->port);
  switch (id->kind) {
  case IKE_QM_ID_SUBNET:
    snprintf(buf, len, "subnet %s %s%s", a, b, pp);
    break;
  case IKE_QM_ID_RANGE:
    snprintf(buf, len, "range %s %s%s", a, b, pp);
    break;
  default:
    snprintf(buf, len, "address %s%s", a, pp);
    break;
  }
}
