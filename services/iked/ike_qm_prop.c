/* Phase-2 proposals (RFC 2407 §4.4-4.5): the transform set on the wire,
 * the responder's choice, and the initiator's check of the answer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ike_qm_priv.h"

#define T(ID) ERX__CFG__TRANSFORM__##ID

/* How each erx transform travels: protocol, transform id, authentication
 * algorithm attribute (0: none, as for GCM, RFC 4106 §8.4) and AES key
 * length attribute in bits (0: none). */
typedef struct {
  Erx__Cfg__Transform id;
  uint8_t proto;
  uint8_t xf_id;
  uint16_t auth;
  uint16_t key_bits;
} qm_wire_t;

static const qm_wire_t qm_wire[] = {
    {T(AH_HMAC_MD5), ISAKMP_PROTO_AH, AH_ID_MD5, IPSEC_AUTH_HMAC_MD5, 0},
    {T(AH_HMAC_SHA), ISAKMP_PROTO_AH, AH_ID_SHA, IPSEC_AUTH_HMAC_SHA, 0},
    {T(ESP_DES_HMAC_MD5), ISAKMP_PROTO_ESP, ESP_ID_DES, IPSEC_AUTH_HMAC_MD5, 0},
    {T(ESP_3DES_HMAC_MD5), ISAKMP_PROTO_ESP, ESP_ID_3DES, IPSEC_AUTH_HMAC_MD5, 0},
    {T(ESP_DES_HMAC_SHA), ISAKMP_PROTO_ESP, ESP_ID_DES, IPSEC_AUTH_HMAC_SHA, 0},
    {T(ESP_3DES_HMAC_SHA), ISAKMP_PROTO_ESP, ESP_ID_3DES, IPSEC_AUTH_HMAC_SHA, 0},
    {T(ESP_NULL_HMAC_MD5), ISAKMP_PROTO_ESP, ESP_ID_NULL, IPSEC_AUTH_HMAC_MD5, 0},
    {T(ESP_NULL_HMAC_SHA), ISAKMP_PROTO_ESP, ESP_ID_NULL, IPSEC_AUTH_HMAC_SHA, 0},
    {T(ESP_DES), ISAKMP_PROTO_ESP, ESP_ID_DES, 0, 0},
    {T(ESP_3DES), ISAKMP_PROTO_ESP, ESP_ID_3DES, 0, 0},
    {T(ESP_AES128_HMAC_SHA), ISAKMP_PROTO_ESP, ESP_ID_AES_CBC, IPSEC_AUTH_HMAC_SHA, 128},
    {T(ESP_AES256_HMAC_SHA), ISAKMP_PROTO_ESP, ESP_ID_AES_CBC, IPSEC_AUTH_HMAC_SHA, 256},
    {T(ESP_AES128_HMAC_SHA256), ISAKMP_PROTO_ESP, ESP_ID_AES_CBC, IPSEC_AUTH_HMAC_SHA2_256, 128},
    {T(ESP_AES256_HMAC_SHA256), ISAKMP_PROTO_ESP, ESP_ID_AES_CBC, IPSEC_AUTH_HMAC_SHA2_256, 256},
    {T(ESP_AES128_GCM), ISAKMP_PROTO_ESP, ESP_ID_AES_GCM_16, 0, 128},
    {T(ESP_AES256_GCM), ISAKMP_PROTO_ESP, ESP_ID_AES_GCM_16, 0, 256},
};
#define QM_NWIRE (sizeof qm_wire / sizeof qm_wire[0])

static const qm_wire_t *qm_wire_of(Erx__Cfg__Transform id)
{
  for (size_t i = 0; i < QM_NWIRE; i++)
    if (qm_wire[i].id == id)
      return &qm_wire[i];
  return NULL;
}

uint8_t qm_xf_proto(const erx_transform_info_t *xf)
{
  return xf->proto == ERX_PROTO_AH ? ISAKMP_PROTO_AH : ISAKMP_PROTO_ESP;
}

uint16_t qm_encap_wanted(const ike_p1sa_t *p1)
{
  return p1->natt && (p1->nat_local || p1->nat_peer) ? IPSEC_ENCAP_UDP_TUNNEL : IPSEC_ENCAP_TUNNEL;
}

static uint32_t qm_our_life_s(const ike_qm_t *q)
{
  return q->cfg.life_seconds ? q->cfg.life_seconds : IKE_QM_DEFAULT_LIFE_S;
}

/* 0 is "no limit" */
static uint64_t qm_min_kb(uint64_t a, uint64_t b) { return !a ? b : !b ? a : a < b ? a : b; }

/* The attributes of one transform, in the order strongSwan and Libreswan
 * send them. */
static void qm_put_attrs(isakmp_wbuf_t *w, const qm_wire_t *wire, const qm_nego_t *n)
{
  isakmp_attr(w, IPSEC_ATTR_LIFE_TYPE, ISAKMP_LIFE_SECONDS);
  isakmp_attr(w, IPSEC_ATTR_LIFE_DURATION, n->life_s);
  if (n->life_kb) {
    isakmp_attr(w, IPSEC_ATTR_LIFE_TYPE, ISAKMP_LIFE_KILOBYTES);
    isakmp_attr(w, IPSEC_ATTR_LIFE_DURATION, n->life_kb);
  }
  if (n->group)
    isakmp_attr(w, IPSEC_ATTR_GROUP_DESC, n->group);
  isakmp_attr(w, IPSEC_ATTR_ENCAP_MODE, n->encap);
  if (wire->auth)
    isakmp_attr(w, IPSEC_ATTR_AUTH_ALG, wire->auth);
  if (wire->key_bits)
    isakmp_attr(w, IPSEC_ATTR_KEY_LENGTH, wire->key_bits);
}

static void qm_put_prop(isakmp_wbuf_t *w, const qm_wire_t *wire, const qm_nego_t *n, uint32_t spi)
{
  uint8_t s[4];
  qm_put32(s, spi);
  isakmp_prop_begin(w, n->prop_num, wire->proto, s, sizeof s);
  isakmp_xf_begin(w, n->xf_num, wire->xf_id);
  qm_put_attrs(w, wire, n);
}

void qm_put_offer(const ike_qm_t *q, isakmp_wbuf_t *w)
{
  isakmp_sa_begin(w, ISAKMP_DOI_IPSEC, ISAKMP_SIT_IDENTITY_ONLY);
  for (size_t i = 0; i < q->cfg.nxf; i++) {
    const qm_wire_t *wire = qm_wire_of(q->cfg.xf[i]);
    if (!wire)
      continue; /* refused by qm_send_qm1 before */
    qm_nego_t n = {.prop_num = (uint8_t)(i + 1), .xf_num = 1, .encap = qm_encap_wanted(q->p1),
                   .group = q->cfg.pfs_group, .life_s = qm_our_life_s(q), .life_kb = q->cfg.life_kilobytes};
    qm_put_prop(w, wire, &n, wire->proto == ISAKMP_PROTO_AH ? q->spi_ah : q->spi_esp);
  }
}

void qm_put_answer(const ike_qm_t *q, isakmp_wbuf_t *w)
{
  isakmp_sa_begin(w, ISAKMP_DOI_IPSEC, ISAKMP_SIT_IDENTITY_ONLY);
  qm_put_prop(w, qm_wire_of(q->nego.xf->id), &q->nego, q->nego.own_spi);
}

static void qm_cat(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void qm_cat(char *buf, size_t len, const char *fmt, ...)
{
  size_t at = strlen(buf);
  if (at + 1 >= len)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + at, len - at, fmt, ap);
  va_end(ap);
}

/* One offered transform as we understand it. */
typedef struct qm_offer {
  const isakmp_proposal_t *prop;
  const isakmp_transform_t *t;
  const erx_transform_info_t *xf; /* NULL: not one of ours */
  uint16_t auth, key_bits, encap;
  unsigned group;
  uint32_t life_s;
  uint64_t life_kb;
  char why[96]; /* set when the transform can never be accepted */
} qm_offer_t;

/* the first reason is the one to tell */
#define qm_why(o, ...)                                                                                   \
  do {                                                                                                   \
    if (!(o)->why[0])                                                                                    \
      qm_cat((o)->why, sizeof(o)->why, __VA_ARGS__);                                                     \
  } while (0)

static void qm_offer_attr(qm_offer_t *o, const isakmp_attr_t *a, unsigned *life_type)
{
  uint64_t v = a->num_ok || a->tv ? a->num : 0;
  switch (a->type) {
  case IPSEC_ATTR_LIFE_TYPE:
    *life_type = (unsigned)v;
    if (v != ISAKMP_LIFE_SECONDS && v != ISAKMP_LIFE_KILOBYTES)
      qm_why(o, "unknown life type %llu", (unsigned long long)v);
    break;
  case IPSEC_ATTR_LIFE_DURATION:
    if (!*life_type || v == 0 || (*life_type == ISAKMP_LIFE_SECONDS && v > UINT32_MAX))
      qm_why(o, "unusable life duration");
    else if (*life_type == ISAKMP_LIFE_SECONDS)
      o->life_s = (uint32_t)v;
    else
      o->life_kb = v;
    break;
  case IPSEC_ATTR_GROUP_DESC:
    o->group = (unsigned)v;
    break;
  case IPSEC_ATTR_ENCAP_MODE:
    o->encap = (uint16_t)v;
    break;
  case IPSEC_ATTR_AUTH_ALG:
    o->auth = (uint16_t)v;
    break;
  case IPSEC_ATTR_KEY_LENGTH:
    o->key_bits = (uint16_t)v;
    break;
  default:
    qm_why(o, "attribute %u not supported", a->type);
    break;
  }
}

static void qm_offer_parse(const isakmp_sa_t *sa, const isakmp_proposal_t *p, const isakmp_transform_t *t,
                           qm_offer_t *o)
{
  *o = (qm_offer_t){.prop = p, .t = t, .life_s = IKE_QM_DEFAULT_LIFE_S};
  unsigned life_type = 0;
  for (unsigned i = 0; i < t->nattrs; i++)
    qm_offer_attr(o, isakmp_sa_attr(sa, t, i), &life_type);
  for (size_t i = 0; i < QM_NWIRE && !o->xf; i++) {
    const qm_wire_t *w = &qm_wire[i];
    if (w->proto == p->protocol && w->xf_id == t->id && w->auth == o->auth && w->key_bits == o->key_bits)
      o->xf = erx_transform_by_id(w->id);
  }
  if (p->spi_size != 4)
    qm_why(o, "SPI of %u bytes", p->spi_size);
  else if (qm_get32(p->spi) < 256)
    qm_why(o, "SPI %u is reserved (RFC 4303 §2.1)", qm_get32(p->spi));
  if (o->group && !ike_dh_group(o->group))
    qm_why(o, "pfs group %u not supported", o->group);
}

/* "esp-3des-hmac-sha", or the numbers of a transform that is not ours */
static void qm_offer_name(const qm_offer_t *o, char *buf, size_t len)
{
  if (o->xf) {
    snprintf(buf, len, "%s", o->xf->keyword);
    return;
  }
  uint8_t p = o->prop->protocol;
  snprintf(buf, len, "%s-%u", p == ISAKMP_PROTO_AH ? "ah" : p == ISAKMP_PROTO_ESP ? "esp" : "proto", o->t->id);
  if (o->auth)
    qm_cat(buf, len, "-auth%u", o->auth);
  if (o->key_bits)
    qm_cat(buf, len, "-key%u", o->key_bits);
}

static void qm_cat_pfs(char *buf, size_t len, unsigned group)
{
  if (group)
    qm_cat(buf, len, " pfs group %u", group);
  else
    qm_cat(buf, len, " no pfs");
}

/* "peer offered A B pfs group 2, we accept C pfs group 5" */
static void qm_lists(const ike_qm_t *q, const qm_offer_t *o, size_t n, char *buf, size_t len)
{
  char name[48];
  qm_cat(buf, len, "peer offered");
  for (size_t i = 0; i < n; i++) {
    qm_offer_name(&o[i], name, sizeof name);
    qm_cat(buf, len, " %s", name);
  }
  qm_cat_pfs(buf, len, n ? o[0].group : 0);
  qm_cat(buf, len, ", we accept");
  for (size_t i = 0; i < q->cfg.nxf; i++) {
    const erx_transform_info_t *xf = erx_transform_by_id(q->cfg.xf[i]);
    qm_cat(buf, len, " %s", xf ? xf->keyword : "?");
  }
  qm_cat_pfs(buf, len, q->cfg.pfs_group);
}

static bool qm_sa_header_ok(const isakmp_sa_t *sa, ike_qm_err_t *err)
{
  if (sa->doi != ISAKMP_DOI_IPSEC)
    return qm_fail(err, ISAKMP_N_DOI_NOT_SUPPORTED, "SA payload of DOI %u, not IPsec", sa->doi);
  if (sa->situation != ISAKMP_SIT_IDENTITY_ONLY)
    return qm_fail(err, ISAKMP_N_SITUATION_NOT_SUPPORTED, "SA payload with situation 0x%x", sa->situation);
  return true;
}

/* Whether we (the responder) can take offer o.  The PFS rule is the
 * reference's (§3): with a group configured we insist on PFS with that
 * group or a stronger one (MODP numbers grow with strength: 1 < 2 < 5 <
 * 14); without one we accept the peer's group. */
static bool qm_acceptable(const ike_qm_t *q, const qm_offer_t *o, bool has_ke, char *why, size_t len)
{
  uint16_t want = qm_encap_wanted(q->p1);
  bool udp = o->encap == IPSEC_ENCAP_UDP_TUNNEL || o->encap == IPSEC_ENCAP_UDP_TUNNEL_DRAFT;
  unsigned ours = q->cfg.pfs_group;
  if (o->why[0])
    snprintf(why, len, "%s", o->why);
  else if (want == IPSEC_ENCAP_UDP_TUNNEL ? !udp : o->encap != IPSEC_ENCAP_TUNNEL && o->encap != 0)
    snprintf(why, len, "encapsulation mode %u, we need %s", o->encap,
             want == IPSEC_ENCAP_TUNNEL ? "tunnel (no NAT)" : "udp-tunnel (NAT detected)");
  else if (o->group && !has_ke)
    snprintf(why, len, "pfs group %u without a KE payload", o->group);
  else if (!o->group && has_ke)
    snprintf(why, len, "KE payload without a pfs group");
  else if (ours && !o->group)
    snprintf(why, len, "no pfs, we require group %u", ours);
  else if (ours && o->group < ours)
    snprintf(why, len, "pfs group %u is weaker than our group %u", o->group, ours);
  else
    return true;
  return false;
}

/* The peer's transforms, those of bundles (one proposal number for both
 * ESP and AH: not something a tunnel interface can carry) marked. */
static size_t qm_offers(const isakmp_sa_t *sa, qm_offer_t *o)
{
  size_t n = 0;
  for (unsigned p = 0; p < sa->nprop; p++) {
    const isakmp_proposal_t *pp = &sa->prop[p];
    bool bundle = (p > 0 && sa->prop[p - 1].number == pp->number) ||
                  (p + 1 < sa->nprop && sa->prop[p + 1].number == pp->number);
    for (unsigned t = 0; t < pp->nxf && n < ISAKMP_SA_MAX_TRANSFORMS; t++, n++) {
      qm_offer_parse(sa, pp, isakmp_sa_xf(sa, pp, t), &o[n]);
      if (bundle)
        qm_why(&o[n], "bundle of protocols in proposal %u", pp->number);
    }
  }
  return n;
}

static void qm_settle(ike_qm_t *q, const qm_offer_t *o)
{
  q->nego = (qm_nego_t){
      .xf = o->xf,
      .proto = o->prop->protocol,
      .prop_num = o->prop->number,
      .xf_num = o->t->number,
      .encap = o->encap ? o->encap : IPSEC_ENCAP_TUNNEL,
      .group = o->group,
      .life_s = o->life_s < qm_our_life_s(q) ? o->life_s : qm_our_life_s(q),
      .life_kb = qm_min_kb(o->life_kb, q->cfg.life_kilobytes),
      .peer_spi = qm_get32(o->prop->spi),
  };
}

bool qm_choose(ike_qm_t *q, const isakmp_sa_t *sa, bool has_ke, ike_qm_err_t *err)
{
  if (!qm_sa_header_ok(sa, err))
    return false;
  qm_offer_t o[ISAKMP_SA_MAX_TRANSFORMS];
  size_t n = qm_offers(sa, o);
  char detail[200] = "";
  for (size_t i = 0; i < q->cfg.nxf; i++) {
    for (size_t j = 0; j < n; j++) {
      if (!o[j].xf || o[j].xf->id != q->cfg.xf[i])
        continue;
      char why[128];
      if (qm_acceptable(q, &o[j], has_ke, why, sizeof why)) {
        qm_settle(q, &o[j]);
        return true;
      }
      if (!detail[0])
        snprintf(detail, sizeof detail, "%.40s: %.150s", o[j].xf->keyword, why);
    }
  }
  err->notify = ISAKMP_N_NO_PROPOSAL_CHOSEN;
  snprintf(err->reason, sizeof err->reason, "no proposal chosen: ");
  qm_lists(q, o, n, err->reason, sizeof err->reason);
  if (detail[0])
    qm_cat(err->reason, sizeof err->reason, " (%s)", detail);
  return false;
}

bool qm_check_answer(ike_qm_t *q, const isakmp_sa_t *sa, bool has_ke, ike_qm_err_t *err)
{
  if (!qm_sa_header_ok(sa, err))
    return false;
  if (sa->nprop != 1 || sa->prop[0].nxf != 1)
    return qm_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX, "answer has %u proposals and %u transforms, not one",
                   sa->nprop, sa->nxf);
  qm_offer_t o;
  qm_offer_parse(sa, &sa->prop[0], isakmp_sa_xf(sa, &sa->prop[0], 0), &o);
  unsigned num = o.prop->number;
  const erx_transform_info_t *sent = num >= 1 && num <= q->cfg.nxf ? erx_transform_by_id(q->cfg.xf[num - 1]) : NULL;
  char name[48], why[128] = "";
  qm_offer_name(&o, name, sizeof name);
  if (o.why[0])
    snprintf(why, sizeof why, "%s", o.why);
  else if (!sent || o.xf != sent)
    snprintf(why, sizeof why, "proposal %u is not one we offered", num);
  else if (o.encap != qm_encap_wanted(q->p1))
    snprintf(why, sizeof why, "encapsulation mode %u, we offered %u", o.encap, qm_encap_wanted(q->p1));
  else if (o.group != q->cfg.pfs_group || has_ke != (o.group != 0))
    snprintf(why, sizeof why, "pfs group %u%s, we offered %u", o.group, has_ke ? "" : " without KE",
             q->cfg.pfs_group);
  if (why[0])
    return qm_fail(err, ISAKMP_N_NO_PROPOSAL_CHOSEN, "peer chose %s: %s", name, why);
  qm_settle(q, &o);
  q->nego.own_spi = o.prop->protocol == ISAKMP_PROTO_AH ? q->spi_ah : q->spi_esp;
  return true;
}
