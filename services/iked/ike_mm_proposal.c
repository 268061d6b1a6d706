/* Phase-1 proposals: our rules to an SA payload, the peer's transforms to
 * rules, the responder's choice (RFC 2409 §5; JUNOSe: equal encryption,
 * hash, authentication and group, the smaller lifetime) and the reason
 * string when nothing matches. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ike_mm_priv.h"

/* RFC 2409 leaves the lifetime without a default; JUNOSe's rule default */
enum { DEFAULT_LIFETIME = 28800 };

/* A transform as the wire has it, and whether this release can use it. */
typedef struct offer {
  bool usable; /* every attribute known, pre-shared keys, algorithms we have */
  unsigned enc_id, key_bits, hash_id, auth, group;
  uint32_t life_s;
  ike_mm_proposal_t p; /* when usable */
} offer_t;

static const struct {
  ike_enc_t enc;
  unsigned id, bits;
  const char *name;
} encs[] = {
    {IKE_ENC_DES, IKE_ENC_DES_CBC, 0, "des"},         {IKE_ENC_3DES, IKE_ENC_3DES_CBC, 0, "3des"},
    {IKE_ENC_AES128, IKE_ENC_AES_CBC, 128, "aes128"}, {IKE_ENC_AES192, IKE_ENC_AES_CBC, 192, "aes192"},
    {IKE_ENC_AES256, IKE_ENC_AES_CBC, 256, "aes256"},
};

static const struct {
  ike_hash_t hash;
  unsigned id;
  const char *name;
} hashes[] = {
    {IKE_HASH_MD5, IKEV1_HASH_MD5, "md5"},
    {IKE_HASH_SHA1, IKEV1_HASH_SHA, "sha1"},
    {IKE_HASH_SHA256, IKEV1_HASH_SHA2_256, "sha256"},
};

static const char *group_name(unsigned group, char *buf, size_t len)
{
  const ike_dh_group_t *g = ike_dh_group(group);
  if (g)
    return g->name;
  snprintf(buf, len, "group%u", group);
  return buf;
}

const char *ike_mm_proposal_name(const ike_mm_proposal_t *p, char *buf, size_t len)
{
  const char *e = "?", *h = "?";
  char g[16];
  for (size_t i = 0; i < sizeof encs / sizeof encs[0]; i++)
    if (encs[i].enc == p->enc)
      e = encs[i].name;
  for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
    if (hashes[i].hash == p->hash)
      h = hashes[i].name;
  snprintf(buf, len, "%s-%s-%s", e, h, group_name(p->group, g, sizeof g));
  return buf;
}

/* The name of what the peer offered, usable or not ("aes128-sha1-modp2048",
 * "enc6-sha1-modp1024-rsasig"). */
static const char *offer_name(const offer_t *o, char *buf, size_t len)
{
  char e[24], h[16], g[16], a[16] = "";
  snprintf(e, sizeof e, "enc%u", o->enc_id);
  snprintf(h, sizeof h, "hash%u", o->hash_id);
  for (size_t i = 0; i < sizeof encs / sizeof encs[0]; i++)
    if (encs[i].id == o->enc_id && encs[i].bits == o->key_bits)
      snprintf(e, sizeof e, "%s", encs[i].name);
  for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
    if (hashes[i].id == o->hash_id)
      snprintf(h, sizeof h, "%s", hashes[i].name);
  if (o->auth == IKE_AUTH_RSA_SIG)
    snprintf(a, sizeof a, "-rsasig");
  else if (o->auth != IKE_AUTH_PSK)
    snprintf(a, sizeof a, "-auth%u", o->auth);
  snprintf(buf, len, "%s-%s-%s%s", e, h, group_name(o->group, g, sizeof g), a);
  return buf;
}

static void put_transform(isakmp_wbuf_t *w, uint8_t number, const ike_mm_proposal_t *r)
{
  unsigned enc_id = 0, bits = 0, hash_id = 0;
  for (size_t i = 0; i < sizeof encs / sizeof encs[0]; i++)
    if (encs[i].enc == r->enc)
      enc_id = encs[i].id, bits = encs[i].bits;
  for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
    if (hashes[i].hash == r->hash)
      hash_id = hashes[i].id;
  isakmp_xf_begin(w, number, ISAKMP_KEY_IKE);
  isakmp_attr_tv(w, IKE_ATTR_ENC, (uint16_t)enc_id);
  if (bits) /* AES has a variable key: RFC 3602 §5 makes the length mandatory */
    isakmp_attr_tv(w, IKE_ATTR_KEY_LENGTH, (uint16_t)bits);
  isakmp_attr_tv(w, IKE_ATTR_HASH, (uint16_t)hash_id);
  isakmp_attr_tv(w, IKE_ATTR_AUTH, IKE_AUTH_PSK);
  isakmp_attr_tv(w, IKE_ATTR_GROUP_DESC, (uint16_t)r->group);
  isakmp_attr_tv(w, IKE_ATTR_LIFE_TYPE, ISAKMP_LIFE_SECONDS);
  isakmp_attr(w, IKE_ATTR_LIFE_DURATION, r->lifetime_s);
}

void mm_put_offer(isakmp_wbuf_t *w, const ike_mm_proposal_t *rules, size_t n)
{
  isakmp_sa_begin(w, ISAKMP_DOI_IPSEC, ISAKMP_SIT_IDENTITY_ONLY);
  isakmp_prop_begin(w, 1, ISAKMP_PROTO_ISAKMP, NULL, 0);
  for (size_t i = 0; i < n; i++)
    put_transform(w, (uint8_t)(i + 1), &rules[i]);
}

void mm_put_chosen(isakmp_wbuf_t *w, isakmp_sa_t *sa, const isakmp_proposal_t *p, const isakmp_transform_t *t)
{
  /* RFC 2408 §4.2: the chosen transform goes back as it came, so the
   * parsed SA is narrowed to it (its attributes stay where they are) */
  isakmp_proposal_t one = *p;
  one.xf0 = (uint16_t)(t - sa->xf);
  one.nxf = 1;
  sa->prop[0] = one;
  sa->nprop = 1;
  isakmp_put_sa(w, sa);
}

/* One attribute into o; false for one this release does not know. */
static bool take_attr(const isakmp_attr_t *a, offer_t *o, unsigned *life_type)
{
  if (!a->num_ok)
    return false;
  switch (a->type) {
  case IKE_ATTR_ENC: o->enc_id = (unsigned)a->num; return true;
  case IKE_ATTR_KEY_LENGTH: o->key_bits = (unsigned)a->num; return true;
  case IKE_ATTR_HASH: o->hash_id = (unsigned)a->num; return true;
  case IKE_ATTR_AUTH: o->auth = (unsigned)a->num; return true;
  case IKE_ATTR_GROUP_DESC: o->group = (unsigned)a->num; return true;
  case IKE_ATTR_LIFE_TYPE: *life_type = (unsigned)a->num; return true;
  case IKE_ATTR_LIFE_DURATION:
    /* a volume limit is accepted and not enforced: JUNOSe's phase 1 has none */
    if (*life_type == ISAKMP_LIFE_SECONDS)
      o->life_s = a->num > UINT32_MAX ? UINT32_MAX : (uint32_t)a->num;
    return *life_type == ISAKMP_LIFE_SECONDS || *life_type == ISAKMP_LIFE_KILOBYTES;
  default: return false;
  }
}

static void decode(const isakmp_sa_t *sa, const isakmp_proposal_t *p, const isakmp_transform_t *t, offer_t *o)
{
  *o = (offer_t){.life_s = DEFAULT_LIFETIME};
  bool known = p->protocol == ISAKMP_PROTO_ISAKMP && t->id == ISAKMP_KEY_IKE;
  unsigned life_type = 0;
  for (unsigned i = 0; i < t->nattrs; i++)
    known &= take_attr(isakmp_sa_attr(sa, t, i), o, &life_type);
  int enc = -1, hash = -1;
  for (size_t i = 0; i < sizeof encs / sizeof encs[0]; i++)
    if (encs[i].id == o->enc_id && encs[i].bits == o->key_bits)
      enc = (int)encs[i].enc;
  for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
    if (hashes[i].id == o->hash_id)
      hash = (int)hashes[i].hash;
  o->usable = known && enc >= 0 && hash >= 0 && o->auth == IKE_AUTH_PSK && ike_dh_group(o->group) && o->life_s;
  if (o->usable)
    o->p = (ike_mm_proposal_t){.enc = (ike_enc_t)enc, .hash = (ike_hash_t)hash, .group = o->group,
                               .lifetime_s = o->life_s, .aggressive = IKE_AGGR_NONE};
}

bool mm_rule_allows(const ike_mm_proposal_t *r, bool aggressive)
{
  return aggressive ? r->aggressive != IKE_AGGR_NONE : r->aggressive != IKE_AGGR_REQUIRED;
}

bool ike_mm_wants_aggressive(const ike_mm_proposal_t *rules, size_t n)
{
  /* no rule: the built-in one, main mode only */
  for (size_t i = 0; rules && i < n; i++)
    if (rules[i].aggressive == IKE_AGGR_REQUESTED || rules[i].aggressive == IKE_AGGR_REQUIRED)
      return true;
  return false;
}

size_t mm_offer_rules(const ike_mm_proposal_t *rules, size_t n, bool aggressive, ike_mm_proposal_t *out)
{
  size_t k = 0;
  int first = -1;
  for (size_t i = 0; i < n; i++) {
    if (!mm_rule_allows(&rules[i], aggressive))
      continue;
    /* aggressive mode: AM1's KE is of the first such rule's group, so only
     * rules of that group can be offered with it */
    if (aggressive && first >= 0 && rules[i].group != rules[first].group)
      continue;
    if (first < 0)
      first = (int)i;
    out[k++] = rules[i];
  }
  return k;
}

const char *ike_mm_aggr_name(ike_mm_aggr_t a)
{
  static const char *const names[] = {
      [IKE_AGGR_NONE] = "none",
      [IKE_AGGR_ACCEPTED] = "accepted",
      [IKE_AGGR_REQUESTED] = "requested",
      [IKE_AGGR_REQUIRED] = "required",
  };
  return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "?";
}

/* The first of our rules (those allowing the mode) the offer equals in
 * enc, hash and group (auth is pre-shared on both), or -1. */
static int matching_rule(const offer_t *o, const ike_mm_proposal_t *rules, size_t n, bool aggressive)
{
  for (size_t i = 0; o->usable && i < n; i++)
    if (mm_rule_allows(&rules[i], aggressive) && rules[i].enc == o->p.enc && rules[i].hash == o->p.hash &&
        rules[i].group == o->p.group)
      return (int)i;
  return -1;
}

static ike_mm_proposal_t agreed(const ike_mm_proposal_t *rule, uint32_t offered_life)
{
  ike_mm_proposal_t c = *rule;
  if (offered_life < c.lifetime_s)
    c.lifetime_s = offered_life;
  return c;
}

/* Appends to a bounded string, ending in "..." when it is full. */
static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
  if (*len >= cap - 1)
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= cap - *len) {
    *len = cap - 1;
    if (cap > 4)
      memcpy(buf + cap - 4, "...", 4);
  } else {
    *len += (size_t)n;
  }
}

/* ", " separated names of the rules that allow the mode (allowed true)
 * or do not; how many. */
static size_t append_rules(char *m, size_t cap, size_t *len, const ike_mm_proposal_t *rules, size_t n,
                           bool aggressive, bool allowed)
{
  char name[64];
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (mm_rule_allows(&rules[i], aggressive) == allowed)
      append(m, cap, len, "%s%s", k++ ? ", " : "", ike_mm_proposal_name(&rules[i], name, sizeof name));
  return k;
}

static mm_res_t no_choice(const isakmp_sa_t *sa, const ike_mm_proposal_t *rules, size_t n, bool aggressive,
                          ike_mm_error_t *err)
{
  char m[IKE_MM_ERR_LEN], name[64];
  size_t len = 0;
  append(m, sizeof m, &len, "no proposal chosen: peer offered ");
  for (unsigned i = 0, k = 0; i < sa->nprop; i++)
    for (unsigned j = 0; j < sa->prop[i].nxf; j++) {
      offer_t o;
      decode(sa, &sa->prop[i], isakmp_sa_xf(sa, &sa->prop[i], j), &o);
      append(m, sizeof m, &len, "%s%s", k++ ? ", " : "", offer_name(&o, name, sizeof name));
    }
  append(m, sizeof m, &len, ", we accept ");
  size_t k = append_rules(m, sizeof m, &len, rules, n, aggressive, true);
  append(m, sizeof m, &len, "%s%s", k ? "" : "nothing", aggressive ? " in aggressive mode" : "");
  if (k < n) {
    append(m, sizeof m, &len, " (%s: ", aggressive ? "main mode only" : "aggressive mode only");
    append_rules(m, sizeof m, &len, rules, n, aggressive, false);
    append(m, sizeof m, &len, ")");
  }
  return mm_fail(err, ISAKMP_N_NO_PROPOSAL_CHOSEN, "%s", m);
}

mm_res_t mm_select(const isakmp_sa_t *sa, const ike_mm_proposal_t *rules, size_t n, bool aggressive,
                   const isakmp_proposal_t **prop, const isakmp_transform_t **xf, ike_mm_proposal_t *chosen,
                   uint32_t *offered_s, ike_mm_error_t *err)
{
  /* the initiator's order is its preference (RFC 2408 §4.2) */
  for (unsigned i = 0; i < sa->nprop; i++)
    for (unsigned j = 0; j < sa->prop[i].nxf; j++) {
      offer_t o;
      const isakmp_transform_t *t = isakmp_sa_xf(sa, &sa->prop[i], j);
      decode(sa, &sa->prop[i], t, &o);
      int r = matching_rule(&o, rules, n, aggressive);
      if (r >= 0) {
        *prop = &sa->prop[i];
        *xf = t;
        *chosen = agreed(&rules[r], o.life_s);
        *offered_s = o.life_s;
        return MM_OK;
      }
    }
  return no_choice(sa, rules, n, aggressive, err);
}

mm_res_t mm_check_reply(const char *what, const isakmp_sa_t *sa, const ike_mm_proposal_t *rules, size_t n,
                        ike_mm_proposal_t *chosen, ike_mm_error_t *err)
{
  if (sa->nprop != 1 || sa->prop[0].nxf != 1)
    return mm_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
                   "%s: responder's SA has %u proposals and %u transforms, must choose exactly one", what, sa->nprop,
                   sa->nxf);
  offer_t o;
  char name[64];
  decode(sa, &sa->prop[0], isakmp_sa_xf(sa, &sa->prop[0], 0), &o);
  /* rules: what we offered, all of the mode */
  int r = -1;
  for (size_t i = 0; o.usable && i < n && r < 0; i++)
    if (rules[i].enc == o.p.enc && rules[i].hash == o.p.hash && rules[i].group == o.p.group)
      r = (int)i;
  if (r < 0)
    return mm_fail(err, ISAKMP_N_NO_PROPOSAL_CHOSEN, "%s: responder chose %s, which we did not offer", what,
                   offer_name(&o, name, sizeof name));
  *chosen = agreed(&rules[r], o.life_s);
  return MM_OK;
}
