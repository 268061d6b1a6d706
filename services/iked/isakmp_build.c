/* The bounded ISAKMP writer: chaining, length patching and every payload. */
#include <stdint.h>
#include <string.h>

#include "isakmp_build.h"

#define NONE SIZE_MAX

void isakmp_wbuf_init(isakmp_wbuf_t *w, uint8_t *buf, size_t cap)
{
  *w = (isakmp_wbuf_t){.buf = buf, .cap = cap, .next_at = NONE, .pl_at = NONE, .prop_at = NONE, .xf_at = NONE};
}

bool isakmp_wbuf_ok(const isakmp_wbuf_t *w)
{
  return !w->overflow && !w->misuse;
}

/* Appends n bytes (data NULL: zeros); NULL once anything has not fit. */
static uint8_t *put(isakmp_wbuf_t *w, const void *data, size_t n)
{
  if (!isakmp_wbuf_ok(w))
    return NULL;
  if (n > w->cap - w->len) {
    w->overflow = true;
    return NULL;
  }
  uint8_t *p = w->buf + w->len;
  if (data && n)
    memcpy(p, data, n);
  else if (n)
    memset(p, 0, n);
  w->len += n;
  return p;
}

static void put8(isakmp_wbuf_t *w, uint8_t v)
{
  put(w, &v, 1);
}

static void put16(isakmp_wbuf_t *w, uint16_t v)
{
  uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  put(w, b, 2);
}

static void put32(isakmp_wbuf_t *w, uint32_t v)
{
  uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  put(w, b, 4);
}

/* A byte already written (at < len); a no-op after an overflow. */
static void set8(isakmp_wbuf_t *w, size_t at, uint8_t v)
{
  if (isakmp_wbuf_ok(w) && at < w->len)
    w->buf[at] = v;
}

/* The 16-bit length at at+2 of the structure that starts at at. */
static void patch_len16(isakmp_wbuf_t *w, size_t at)
{
  if (!isakmp_wbuf_ok(w) || at + 4 > w->len)
    return;
  size_t n = w->len - at;
  if (n > UINT16_MAX) {
    w->overflow = true;
    return;
  }
  w->buf[at + 2] = (uint8_t)(n >> 8);
  w->buf[at + 3] = (uint8_t)n;
}

static void close_xf(isakmp_wbuf_t *w)
{
  if (w->xf_open)
    patch_len16(w, w->xf_at);
  w->xf_open = false;
}

static void close_prop(isakmp_wbuf_t *w)
{
  close_xf(w);
  if (w->prop_open)
    patch_len16(w, w->prop_at);
  w->prop_open = false;
}

static void close_payload(isakmp_wbuf_t *w)
{
  close_prop(w);
  if (w->pl_at != NONE)
    patch_len16(w, w->pl_at);
  w->pl_at = NONE;
}

/* Chains a new payload of type and writes its generic header. */
static void begin_payload(isakmp_wbuf_t *w, uint8_t type)
{
  close_payload(w);
  if (w->next_at != NONE)
    set8(w, w->next_at, type);
  if (!w->first)
    w->first = type;
  w->pl_at = w->next_at = w->len;
  w->pl_type = type;
  w->prop_at = NONE;
  put(w, NULL, ISAKMP_GEN_HDR_LEN);
}

void isakmp_put_header(isakmp_wbuf_t *w, const isakmp_hdr_t *hdr)
{
  if (w->len != 0) {
    w->misuse = true;
    return;
  }
  put(w, hdr->icookie, ISAKMP_COOKIE_LEN);
  put(w, hdr->rcookie, ISAKMP_COOKIE_LEN);
  put8(w, hdr->next_payload);
  put8(w, ISAKMP_VERSION_MAJOR << 4 | ISAKMP_VERSION_MINOR);
  put8(w, hdr->exchange);
  put8(w, hdr->flags);
  put32(w, hdr->msgid);
  put32(w, 0);
  w->has_hdr = isakmp_wbuf_ok(w);
  w->next_at = 16;
}

void isakmp_put_bytes(isakmp_wbuf_t *w, const void *data, size_t len)
{
  close_payload(w);
  put(w, data, len);
}

size_t isakmp_finish(isakmp_wbuf_t *w)
{
  close_payload(w);
  if (w->has_hdr && isakmp_wbuf_ok(w)) {
    if (w->len > UINT32_MAX)
      w->overflow = true;
    else
      for (int i = 0; i < 4; i++)
        w->buf[24 + i] = (uint8_t)(w->len >> (24 - 8 * i));
  }
  return isakmp_wbuf_ok(w) ? w->len : 0;
}

void isakmp_sa_begin(isakmp_wbuf_t *w, uint32_t doi, uint32_t situation)
{
  begin_payload(w, ISAKMP_PL_SA);
  put32(w, doi);
  put32(w, situation);
}

void isakmp_prop_begin(isakmp_wbuf_t *w, uint8_t number, uint8_t protocol, const uint8_t *spi, uint8_t spi_size)
{
  if (w->pl_at == NONE || w->pl_type != ISAKMP_PL_SA || spi_size > ISAKMP_SPI_MAX) {
    w->misuse = true;
    return;
  }
  close_prop(w);
  if (w->prop_at != NONE)
    set8(w, w->prop_at, ISAKMP_PL_P);
  w->prop_at = w->len;
  w->prop_open = true;
  w->xf_at = NONE;
  uint8_t fixed[8] = {0, 0, 0, 0, number, protocol, spi_size, 0};
  put(w, fixed, sizeof fixed);
  put(w, spi, spi_size);
}

void isakmp_xf_begin(isakmp_wbuf_t *w, uint8_t number, uint8_t id)
{
  if (!w->prop_open) {
    w->misuse = true;
    return;
  }
  close_xf(w);
  if (w->xf_at != NONE)
    set8(w, w->xf_at, ISAKMP_PL_T);
  /* the proposal's transform count (one byte: at most 255) */
  if (isakmp_wbuf_ok(w) && w->prop_at + 8 <= w->len && w->buf[w->prop_at + 7]++ == UINT8_MAX)
    w->misuse = true;
  w->xf_at = w->len;
  w->xf_open = true;
  uint8_t fixed[8] = {0, 0, 0, 0, number, id, 0, 0};
  put(w, fixed, sizeof fixed);
}

void isakmp_attr_tv(isakmp_wbuf_t *w, uint16_t type, uint16_t value)
{
  if (!w->xf_open || (type & ISAKMP_ATTR_AF)) {
    w->misuse = true;
    return;
  }
  put16(w, ISAKMP_ATTR_AF | type);
  put16(w, value);
}

void isakmp_attr_tlv(isakmp_wbuf_t *w, uint16_t type, const uint8_t *data, uint16_t len)
{
  if (!w->xf_open || (type & ISAKMP_ATTR_AF)) {
    w->misuse = true;
    return;
  }
  put16(w, type);
  put16(w, len);
  put(w, data, len);
}

void isakmp_attr(isakmp_wbuf_t *w, uint16_t type, uint64_t value)
{
  if (value <= UINT16_MAX) {
    isakmp_attr_tv(w, type, (uint16_t)value);
    return;
  }
  uint8_t b[8];
  uint16_t n = value <= UINT32_MAX ? 4 : 8;
  for (unsigned i = 0; i < n; i++)
    b[i] = (uint8_t)(value >> (8 * (n - 1 - i)));
  isakmp_attr_tlv(w, type, b, n);
}

void isakmp_put_sa(isakmp_wbuf_t *w, const isakmp_sa_t *sa)
{
  isakmp_sa_begin(w, sa->doi, sa->situation);
  for (unsigned i = 0; i < sa->nprop; i++) {
    const isakmp_proposal_t *p = &sa->prop[i];
    isakmp_prop_begin(w, p->number, p->protocol, p->spi, p->spi_size);
    for (unsigned j = 0; j < p->nxf; j++) {
      const isakmp_transform_t *t = isakmp_sa_xf(sa, p, j);
      isakmp_xf_begin(w, t->number, t->id);
      for (unsigned k = 0; k < t->nattrs; k++) {
        const isakmp_attr_t *a = isakmp_sa_attr(sa, t, k);
        if (a->tv)
          isakmp_attr_tv(w, a->type, (uint16_t)a->num);
        else
          isakmp_attr_tlv(w, a->type, a->data, a->len);
      }
    }
  }
  close_payload(w);
}

void isakmp_put_id(isakmp_wbuf_t *w, const isakmp_id_t *id)
{
  begin_payload(w, ISAKMP_PL_ID);
  put8(w, id->type);
  put8(w, id->protocol);
  put16(w, id->port);
  put(w, id->data, id->len);
}

/* DOI, protocol, SPI size: the start of both N and D */
static void put_doi_proto(isakmp_wbuf_t *w, uint8_t type, uint32_t doi, uint8_t protocol, uint8_t spi_size)
{
  begin_payload(w, type);
  put32(w, doi);
  put8(w, protocol);
  put8(w, spi_size);
}

void isakmp_put_notify(isakmp_wbuf_t *w, const isakmp_notify_t *n)
{
  if (n->spi_size > ISAKMP_SPI_MAX) {
    w->misuse = true;
    return;
  }
  put_doi_proto(w, ISAKMP_PL_N, n->doi, n->protocol, n->spi_size);
  put16(w, n->type);
  put(w, n->spi, n->spi_size);
  put(w, n->data, n->len);
}

void isakmp_put_delete(isakmp_wbuf_t *w, const isakmp_delete_t *d)
{
  put_doi_proto(w, ISAKMP_PL_D, d->doi, d->protocol, d->spi_size);
  put16(w, d->count);
  put(w, d->spis, (size_t)d->count * d->spi_size);
}

void isakmp_put_natoa(isakmp_wbuf_t *w, uint8_t type, const isakmp_natoa_t *o)
{
  begin_payload(w, type);
  uint8_t fixed[4] = {o->id_type, 0, 0, 0};
  put(w, fixed, sizeof fixed);
  put(w, o->addr, o->len);
}

void isakmp_put_cert(isakmp_wbuf_t *w, uint8_t type, const isakmp_cert_t *c)
{
  begin_payload(w, type);
  put8(w, c->encoding);
  put(w, c->data, c->len);
}

void isakmp_put_raw(isakmp_wbuf_t *w, uint8_t type, const void *data, size_t len)
{
  begin_payload(w, type);
  put(w, data, len);
}

void isakmp_put_decoded(isakmp_wbuf_t *w, const isakmp_decoded_t *d)
{
  switch (d->type) {
  case ISAKMP_PL_SA:
    isakmp_put_sa(w, &d->u.sa);
    break;
  case ISAKMP_PL_ID:
    isakmp_put_id(w, &d->u.id);
    break;
  case ISAKMP_PL_N:
    isakmp_put_notify(w, &d->u.n);
    break;
  case ISAKMP_PL_D:
    isakmp_put_delete(w, &d->u.d);
    break;
  case ISAKMP_PL_NATOA:
  case ISAKMP_PL_NATOA_DRAFT:
    isakmp_put_natoa(w, d->type, &d->u.natoa);
    break;
  case ISAKMP_PL_CERT:
  case ISAKMP_PL_CR:
    isakmp_put_cert(w, d->type, &d->u.cert);
    break;
  default:
    isakmp_put_raw(w, d->type, d->u.raw.data, d->u.raw.len);
    break;
  }
}
