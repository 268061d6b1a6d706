/* configd's tunnels -> what iked negotiates: a signaled tunnel whose
 * configuration is complete is kept up; a change of what decides its
 * negotiation (its message, its transform set, the global lifetime)
 * negotiates it again; a removed one loses its SAs, and the peer is told. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "isakmp.h"
#include "iked_peer_priv.h"
#include "log.h"

tun_t *iked_tun_find(iked_peer_t *pm, const char *vr, const char *name)
{
  for (tun_t *t = pm->tuns; t; t = t->next)
    if (strcmp(t->vr, vr && *vr ? vr : "default") == 0 && strcmp(t->name, name) == 0)
      return t;
  return NULL;
}

static bool ident_of(const Erx__Cfg__Identity *id, ike_qm_ident_t *out)
{
  memset(out, 0, sizeof *out);
  if (!id || !id->addr1 || !id->addr1[0]) {
    out->kind = IKE_QM_ID_SUBNET; /* none configured: everything */
    return true;
  }
  if (!erx_ipv4_parse(id->addr1, &out->a))
    return false;
  switch (id->type) {
  case ERX__CFG__IDENTITY_TYPE__ID_ADDRESS:
    out->kind = IKE_QM_ID_ADDRESS;
    return true;
  case ERX__CFG__IDENTITY_TYPE__ID_RANGE:
    out->kind = IKE_QM_ID_RANGE;
    return erx_ipv4_parse(id->addr2, &out->b);
  default:
    out->kind = IKE_QM_ID_SUBNET;
    return erx_ipv4_parse(id->addr2, &out->b);
  }
}

void iked_tun_drop(iked_peer_t *pm, tun_t *t)
{
  iked_tun_down(pm, t, true);
  for (p1_t *p = pm->p1s; p; p = p->next) {
    if (p->owner == t)
      p->owner = NULL;
    for (qmx_t *x = p->qms, *next; x; x = next) {
      next = x->next;
      if (x->tun == t)
        iked_qmx_free(x);
    }
  }
  tun_t **pp = &pm->tuns;
  while (*pp && *pp != t)
    pp = &(*pp)->next;
  if (*pp)
    *pp = t->next;
  free(t->sig);
  free(t);
}

typedef struct sync_ctx {
  iked_peer_t *pm;
} sync_ctx_t;

/* What decides a tunnel's negotiation: its message, its transform set and
 * the global lifetime; a change renegotiates. */
static uint8_t *signature(iked_peer_t *pm, const Erx__Cfg__Tunnel *c, size_t *len)
{
  char k[160];
  snprintf(k, sizeof k, "transform-set/%s", c->transform_set);
  const ProtobufCMessage *ts = iked_cfg_get(pm->srv, k), *g = iked_cfg_get(pm->srv, "global");
  size_t l1 = protobuf_c_message_get_packed_size(&c->base), l2 = ts ? protobuf_c_message_get_packed_size(ts) : 0,
         l3 = g ? protobuf_c_message_get_packed_size(g) : 0;
  uint8_t *b = malloc(l1 + l2 + l3 + 1);
  if (!b)
    return NULL;
  protobuf_c_message_pack(&c->base, b);
  if (ts)
    protobuf_c_message_pack(ts, b + l1);
  if (g)
    protobuf_c_message_pack(g, b + l1 + l2);
  *len = l1 + l2 + l3;
  return b;
}

/* source: an address, or a name sent as our FQDN identity from the
 * transport VR's local endpoint; destination: an address, or the identity
 * of a peer whose address is not known (it initiates; reference §3) */
static bool endpoints(iked_peer_t *pm, tun_t *t, const Erx__Cfg__Tunnel *c)
{
  if (c->source->type == ERX__CFG__ENDPOINT_TYPE__EP_ADDRESS) {
    if (!erx_ipv4_parse(c->source->value, &t->src))
      return false;
  } else {
    char k[128];
    snprintf(k, sizeof k, "local-endpoint/%s", t->tvr);
    const ProtobufCMessage *m = iked_cfg_get(pm->srv, k);
    if (!m || m->descriptor != &erx__cfg__local_endpoint__descriptor ||
        !erx_ipv4_parse(((const Erx__Cfg__LocalEndpoint *)m)->address, &t->src)) {
      LOG_WARN("tunnel ipsec:%s: source %s is a name: it needs `ipsec local-endpoint` in virtual router %s", t->name,
               c->source->value, t->tvr);
      return false;
    }
    if (!ike_mm_id_set(&t->local_id, ISAKMP_ID_FQDN, c->source->value))
      return false;
  }
  if (c->destination->type == ERX__CFG__ENDPOINT_TYPE__EP_ADDRESS)
    return erx_ipv4_parse(c->destination->value, &t->dst);
  t->dynamic = true;
  t->dst = 0;
  return ike_mm_id_set(&t->peer_id,
                       c->destination->type == ERX__CFG__ENDPOINT_TYPE__EP_USER_FQDN ? ISAKMP_ID_USER_FQDN
                                                                                      : ISAKMP_ID_FQDN,
                       c->destination->value);
}

static void sync_one(void *arg, const Erx__Cfg__Tunnel *c)
{
  sync_ctx_t *sc = arg;
  iked_peer_t *pm = sc->pm;
  if (c->signaling != ERX__CFG__SIGNALING__SIG_ISAKMP || c->n_incomplete > 0 || !c->source || !c->destination)
    return;
  char key[200];
  snprintf(key, sizeof key, "%s/%s", c->vr && c->vr[0] ? c->vr : "default", c->name);
  size_t sig_len = 0;
  uint8_t *sig = signature(pm, c, &sig_len);
  if (!sig)
    return;
  tun_t *t = pm->tuns;
  while (t && strcmp(t->key, key) != 0)
    t = t->next;
  if (t && t->sig_len == sig_len && memcmp(t->sig, sig, sig_len) == 0) {
    t->seen = true;
    free(sig);
    return;
  }
  if (t) {
    LOG_INFO("tunnel ipsec:%s: configuration changed; negotiating again", t->name);
    iked_tun_drop(pm, t);
  }
  t = calloc(1, sizeof *t);
  if (!t) {
    free(sig);
    return;
  }
  t->sig = sig;
  t->sig_len = sig_len;
  t->seen = true;
  snprintf(t->key, sizeof t->key, "%s", key);
  snprintf(t->vr, sizeof t->vr, "%s", c->vr && c->vr[0] ? c->vr : "default");
  snprintf(t->name, sizeof t->name, "%s", c->name);
  snprintf(t->tvr, sizeof t->tvr, "%s", c->transport_vr && c->transport_vr[0] ? c->transport_vr : "default");
  bool ok = endpoints(pm, t, c) && ident_of(c->local_identity, &t->qcfg.local) &&
            ident_of(c->peer_identity, &t->qcfg.peer);
  char k[160];
  snprintf(k, sizeof k, "transform-set/%s", c->transform_set);
  const ProtobufCMessage *tsm = iked_cfg_get(pm->srv, k);
  if (ok && tsm && tsm->descriptor == &erx__cfg__transform_set__descriptor) {
    const Erx__Cfg__TransformSet *ts = (const Erx__Cfg__TransformSet *)tsm;
    for (size_t i = 0; i < ts->n_transforms && i < IKE_QM_MAX_XF; i++)
      t->qcfg.xf[t->qcfg.nxf++] = ts->transforms[i];
  }
  if (!ok || !t->qcfg.nxf) {
    LOG_WARN("tunnel ipsec:%s: endpoints, identities or transform set unusable; left down", c->name);
    free(t->sig);
    free(t);
    return;
  }
  uint32_t gs;
  uint64_t gkb;
  iked_cfg_global_life(pm->srv, &gs, &gkb);
  t->qcfg.pfs_group = c->pfs_group;
  t->qcfg.life_seconds = c->lifetime && c->lifetime->seconds ? c->lifetime->seconds : gs;
  t->qcfg.life_kilobytes = c->lifetime && c->lifetime->kilobytes ? c->lifetime->kilobytes : gkb;
  if (pm->lab_life_s)
    t->qcfg.life_seconds = pm->lab_life_s; /* LAB ONLY, see iked_peer_new */
  t->qcfg.spi_alloc = iked_spi_alloc;
  t->qcfg.spi_release = iked_spi_release;
  t->qcfg.spi_arg = pm;
  t->qcfg.user = t;
  t->next = pm->tuns;
  pm->tuns = t;
  char a[ERX_ADDR_STRLEN], b[ERX_ADDR_STRLEN];
  if (t->dynamic)
    LOG_INFO("tunnel ipsec:%s (vr %s): complete, %s -> peer identity %s in virtual router %s: waiting for it",
             t->name, t->vr, iked_ip(t->src, a), c->destination->value, t->tvr);
  else
    LOG_INFO("tunnel ipsec:%s (vr %s): complete, %s -> %s in virtual router %s: negotiating", t->name, t->vr,
             iked_ip(t->src, a), iked_ip(t->dst, b), t->tvr);
}

void iked_peer_config_changed(iked_peer_t *pm)
{
  pm->nrules = iked_cfg_rules(pm->srv, pm->rules, IKE_MM_MAX_PROPOSALS);
  for (tun_t *t = pm->tuns; t; t = t->next)
    t->seen = false;
  sync_ctx_t sc = {pm};
  iked_cfg_foreach_tunnel(pm->srv, sync_one, &sc);
  for (tun_t *t = pm->tuns, *next; t; t = next) {
    next = t->next;
    if (!t->seen) {
      LOG_INFO("tunnel ipsec:%s: removed or no longer complete; its SAs withdrawn", t->name);
      iked_tun_drop(pm, t);
    }
  }
}

