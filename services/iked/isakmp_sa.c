/* SA payload: DOI, situation, proposals, transforms and data attributes
 * (RFC 2408 §3.4-§3.6, RFC 2407 §4.6.1).  Every count and length is checked
 * against the bytes that are really there. */
#include <string.h>

#include "isakmp_codec.h"
#include "isakmp_priv.h"

enum {
  PROP_FIXED = 8, /* generic header, number, protocol, SPI size, transform count */
  XF_FIXED = 8,   /* generic header, number, id, 2 reserved */
};

/* Attributes of one transform body into the SA's pool. */
static isakmp_err_t parse_attrs(const uint8_t *b, size_t len, isakmp_sa_t *sa, unsigned pn, unsigned tn,
                                isakmp_error_t *e)
{
  size_t off = 0;
  unsigned an = 0;
  while (off < len) {
    an++;
    size_t left = len - off;
    if (left < 4)
      return isakmp_fail(e, ISAKMP_ERR_MALFORMED,
                         "SA payload: proposal %u transform %u: attribute %u has %zu bytes, needs 4", pn, tn, an,
                         left);
    if (sa->nattrs == ISAKMP_SA_MAX_ATTRS)
      return isakmp_fail(e, ISAKMP_ERR_TOO_MANY, "SA payload: more than %d attributes", ISAKMP_SA_MAX_ATTRS);
    const uint8_t *p = b + off;
    uint16_t word = isakmp_get16(p);
    isakmp_attr_t *a = &sa->attrs[sa->nattrs];
    *a = (isakmp_attr_t){.type = word & ~ISAKMP_ATTR_AF, .tv = (word & ISAKMP_ATTR_AF) != 0};
    if (a->tv) {
      a->num = isakmp_get16(p + 2);
      a->num_ok = true;
      off += 4;
    } else {
      a->len = isakmp_get16(p + 2);
      if (a->len > left - 4)
        return isakmp_fail(e, ISAKMP_ERR_MALFORMED,
                           "SA payload: proposal %u transform %u: attribute %u (type %u) length %u exceeds the %zu "
                           "bytes left",
                           pn, tn, an, a->type, a->len, left - 4);
      a->data = p + 4;
      a->num_ok = a->len <= 8;
      for (unsigned i = 0; a->num_ok && i < a->len; i++)
        a->num = a->num << 8 | a->data[i];
      off += 4 + (size_t)a->len;
    }
    sa->nattrs++;
  }
  return ISAKMP_OK;
}

/* The transforms of proposal pn, which fill b[0..len) exactly. */
static isakmp_err_t parse_transforms(const uint8_t *b, size_t len, isakmp_sa_t *sa, isakmp_proposal_t *prop,
                                     unsigned declared, isakmp_error_t *e)
{
  unsigned pn = prop->number;
  size_t off = 0;
  uint8_t next = ISAKMP_PL_T;
  prop->xf0 = (uint16_t)sa->nxf;
  prop->nxf = 0;
  if (declared == 0)
    return isakmp_fail(e, ISAKMP_ERR_PROPOSAL, "SA payload: proposal %u declares no transforms", pn);
  while (next == ISAKMP_PL_T) {
    unsigned tn = prop->nxf + 1u;
    size_t left = len - off;
    if (left == 0 && prop->nxf < declared)
      return isakmp_fail(e, ISAKMP_ERR_PROPOSAL, "SA payload: proposal %u declares %u transforms, found %u", pn,
                         declared, prop->nxf);
    if (left == 0)
      return isakmp_fail(e, ISAKMP_ERR_PROPOSAL, "SA payload: proposal %u transform %u says another follows, none does",
                         pn, prop->nxf);
    if (left < XF_FIXED)
      return isakmp_fail(e, ISAKMP_ERR_PROPOSAL, "SA payload: proposal %u transform %u: %zu bytes, needs %d", pn,
                         tn, left, XF_FIXED);
    const uint8_t *p = b + off;
    size_t tlen = isakmp_get16(p + 2);
    next = p[0];
    if (next != ISAKMP_PL_T && next != ISAKMP_PL_NONE)
      return isakmp_fail(e, ISAKMP_ERR_PROPOSAL,
                         "SA payload: proposal %u transform %u: next payload %u, not T (3) or 0", pn, tn, next);
    if (tlen < XF_FIXED || tlen > left)
      return isakmp_fail(e, ISAKMP_ERR_PROPOSAL,
                         "SA payload: proposal %u transform %u: length %zu, needs %d to the %zu bytes left", pn, tn,
                         tlen, XF_FIXED, left);
    if (sa->nxf == ISAKMP_SA_MAX_TRANSFORMS)
      return isakmp_fail(e, ISAKMP_ERR_TOO_MANY, "SA payload: more than %d transforms", ISAKMP_SA_MAX_TRANSFORMS);
    isakmp_transform_t *t = &sa->xf[sa->nxf];
    *t = (isakmp_transform_t){.number = p[4], .id = p[5], .attr0 = (uint16_t)sa->nattrs};
    isakmp_err_t r = parse_attrs(p + XF_FIXED, tlen - XF_FIXED, sa, pn, tn, e);
    if (r != ISAKMP_OK)
      return r;
    t->nattrs = (uint16_t)(sa->nattrs - t->attr0);
    sa->nxf++;
    prop->nxf++;
    off += tlen;
  }
  if (prop->nxf != declared)
    return isakmp_fail(e, ISAKMP_ERR_PROPOSAL, "SA payload: proposal %u declares %u transforms, found %u", pn,
                       declared, prop->nxf);
  if (off != len)
    return isakmp_fail(e, ISAKMP_ERR_PROPOSAL, "SA payload: proposal %u: %zu bytes after its last transform", pn,
                       len - off);
  return ISAKMP_OK;
}

/* One proposal at the start of b (left bytes); *plen is its length. */
static isakmp_err_t parse_proposal(const uint8_t *b, size_t left, isakmp_sa_t *sa, unsigned idx, size_t *plen,
                                   isakmp_error_t *e)
{
  if (left < PROP_FIXED)
    return isakmp_fail(e, ISAKMP_ERR_PROPOSAL, "SA payload: proposal %u: %zu bytes, needs %d", idx, left,
                       PROP_FIXED);
  if (sa->nprop == ISAKMP_SA_MAX_PROPOSALS)
    return isakmp_fail(e, ISAKMP_ERR_TOO_MANY, "SA payload: more than %d proposals", ISAKMP_SA_MAX_PROPOSALS);
  isakmp_proposal_t *prop = &sa->prop[sa->nprop];
  *prop = (isakmp_proposal_t){.number = b[4], .protocol = b[5], .spi_size = b[6]};
  *plen = isakmp_get16(b + 2);
  const char *why;
  if (*plen < PROP_FIXED || *plen > left)
    return isakmp_fail(e, ISAKMP_ERR_PROPOSAL, "SA payload: proposal %u: length %zu, needs %d to the %zu bytes left",
                       prop->number, *plen, PROP_FIXED, left);
  if (sa->nprop > 0 && prop->number < sa->prop[sa->nprop - 1].number)
    return isakmp_fail(e, ISAKMP_ERR_PROPOSAL, "SA payload: proposal number %u follows %u (must not decrease)",
                       prop->number, sa->prop[sa->nprop - 1].number);
  if (isakmp_proto_name(prop->protocol)[0] == '?')
    return isakmp_fail(e, ISAKMP_ERR_PROTOCOL, "SA payload: proposal %u: unknown protocol id %u", prop->number,
                       prop->protocol);
  if (!isakmp_spi_size_ok(prop->protocol, prop->spi_size, &why))
    return isakmp_fail(e, ISAKMP_ERR_SPI, "SA payload: proposal %u: SPI size %u for %s, must be %s", prop->number,
                       prop->spi_size, isakmp_proto_name(prop->protocol), why);
  if (prop->spi_size > *plen - PROP_FIXED)
    return isakmp_fail(e, ISAKMP_ERR_PROPOSAL, "SA payload: proposal %u: SPI of %u bytes exceeds its length %zu",
                       prop->number, prop->spi_size, *plen);
  memcpy(prop->spi, b + PROP_FIXED, prop->spi_size);
  size_t xoff = PROP_FIXED + (size_t)prop->spi_size;
  isakmp_err_t r = parse_transforms(b + xoff, *plen - xoff, sa, prop, b[7], e);
  if (r == ISAKMP_OK)
    sa->nprop++;
  return r;
}

isakmp_err_t isakmp_parse_sa(const uint8_t *b, size_t len, isakmp_sa_t *sa, isakmp_error_t *e)
{
  sa->nprop = sa->nxf = sa->nattrs = 0;
  if (len < 8)
    return isakmp_fail(e, ISAKMP_ERR_TRUNCATED, "SA payload: %zu bytes, needs 8 for DOI and situation", len);
  sa->doi = isakmp_get32(b);
  sa->situation = isakmp_get32(b + 4);
  /* DOI 0 is the generic ISAKMP DOI of RFC 2408; both use a 4-byte situation */
  if (sa->doi != ISAKMP_DOI_IPSEC && sa->doi != ISAKMP_DOI_ISAKMP)
    return isakmp_fail(e, ISAKMP_ERR_DOI, "SA payload: DOI %u, only IPsec (1) is supported", sa->doi);
  /* secrecy and integrity labels (and unknown bits) would add fields we do not parse */
  if (sa->situation & ~(uint32_t)ISAKMP_SIT_IDENTITY_ONLY)
    return isakmp_fail(e, ISAKMP_ERR_SITUATION, "SA payload: situation 0x%x, only identity-only (1) is supported",
                       sa->situation);
  size_t off = 8;
  uint8_t next = ISAKMP_PL_P;
  while (next == ISAKMP_PL_P) {
    if (off == len && sa->nprop == 0)
      return isakmp_fail(e, ISAKMP_ERR_PROPOSAL, "SA payload: no proposal");
    if (off == len)
      return isakmp_fail(e, ISAKMP_ERR_PROPOSAL, "SA payload: proposal %u says another follows, none does",
                         sa->prop[sa->nprop - 1].number);
    next = b[off];
    if (next != ISAKMP_PL_P && next != ISAKMP_PL_NONE)
      return isakmp_fail(e, ISAKMP_ERR_PROPOSAL, "SA payload: proposal %u: next payload %u, not P (2) or 0",
                         sa->nprop + 1, next);
    size_t plen = 0; /* set by parse_proposal on ISAKMP_OK; -O2 cannot see that */
    isakmp_err_t r = parse_proposal(b + off, len - off, sa, sa->nprop + 1, &plen, e);
    if (r != ISAKMP_OK)
      return r;
    off += plen;
  }
  if (off != len)
    return isakmp_fail(e, ISAKMP_ERR_PROPOSAL, "SA payload: %zu bytes after the last proposal", len - off);
  return ISAKMP_OK;
}

const isakmp_transform_t *isakmp_sa_xf(const isakmp_sa_t *sa, const isakmp_proposal_t *p, unsigned i)
{
  return i < p->nxf ? &sa->xf[p->xf0 + i] : NULL;
}

const isakmp_attr_t *isakmp_sa_attr(const isakmp_sa_t *sa, const isakmp_transform_t *t, unsigned i)
{
  return i < t->nattrs ? &sa->attrs[t->attr0 + i] : NULL;
}

const isakmp_attr_t *isakmp_xf_find(const isakmp_sa_t *sa, const isakmp_transform_t *t, uint16_t type)
{
  for (unsigned i = 0; i < t->nattrs; i++)
    if (sa->attrs[t->attr0 + i].type == type)
      return &sa->attrs[t->attr0 + i];
  return NULL;
}

static bool attr_equal(const isakmp_attr_t *a, const isakmp_attr_t *b)
{
  if (a->type != b->type || a->tv != b->tv)
    return false;
  if (a->tv)
    return a->num == b->num;
  return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

bool isakmp_sa_equal(const isakmp_sa_t *a, const isakmp_sa_t *b)
{
  if (a->doi != b->doi || a->situation != b->situation || a->nprop != b->nprop)
    return false;
  for (unsigned i = 0; i < a->nprop; i++) {
    const isakmp_proposal_t *pa = &a->prop[i], *pb = &b->prop[i];
    if (pa->number != pb->number || pa->protocol != pb->protocol || pa->spi_size != pb->spi_size ||
        memcmp(pa->spi, pb->spi, pa->spi_size) != 0 || pa->nxf != pb->nxf)
      return false;
    for (unsigned j = 0; j < pa->nxf; j++) {
      const isakmp_transform_t *ta = isakmp_sa_xf(a, pa, j), *tb = isakmp_sa_xf(b, pb, j);
      if (ta->number != tb->number || ta->id != tb->id || ta->nattrs != tb->nattrs)
        return false;
      for (unsigned k = 0; k < ta->nattrs; k++)
        if (!attr_equal(isakmp_sa_attr(a, ta, k), isakmp_sa_attr(b, tb, k)))
          return false;
    }
  }
  return true;
}
