#include "cfg_publish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_tunnel_check.h"
#include "log.h"

static bool allow_secrets;

void cfg_publish_allow_secrets(bool allow)
{
  allow_secrets = allow;
}

static void set(erx_clone_pub_t *pub, const char *topic, const char *key, const ProtobufCMessage *msg)
{
  if (erx_clone_pub_set(pub, topic, key, msg) != 0)
    LOG_ERR("publish key=%s failed", key);
}

static void publish_endpoint(Erx__Cfg__Endpoint *pb, const cfg_endpoint_t *ep)
{
  pb->type = ep->type;
  pb->value = (char *)ep->value;
}

static void publish_identity(Erx__Cfg__Identity *pb, const cfg_identity_t *id, char *a1, char *a2)
{
  pb->type = id->type;
  pb->addr1 = erx_ipv4_format(id->a1, a1);
  pb->addr2 = id->type == ERX__CFG__IDENTITY_TYPE__ID_ADDRESS ? (char *)"" : erx_ipv4_format(id->a2, a2);
}

static void publish_session_key(Erx__Cfg__SessionKey *pb, const cfg_session_key_t *k)
{
  pb->transform = k->xf;
  pb->spi = k->spi;
  pb->masked = k->masked ? k->masked : (char *)"";
  if (!allow_secrets)
    return;
  pb->enc_key.data = (uint8_t *)k->key;
  pb->enc_key.len = k->enc_len;
  pb->auth_key.data = (uint8_t *)k->key + k->enc_len;
  pb->auth_key.len = k->auth_len;
}

static void publish_tunnel(const cfg_model_t *m, erx_clone_pub_t *pub, const char *key, const cfg_tunnel_t *t)
{
  Erx__Cfg__Tunnel pb = ERX__CFG__TUNNEL__INIT;
  Erx__Cfg__Endpoint src = ERX__CFG__ENDPOINT__INIT, dst = ERX__CFG__ENDPOINT__INIT, bk = ERX__CFG__ENDPOINT__INIT;
  Erx__Cfg__Identity lid = ERX__CFG__IDENTITY__INIT, pid = ERX__CFG__IDENTITY__INIT;
  Erx__Cfg__Lifetime life = ERX__CFG__LIFETIME__INIT;
  Erx__Cfg__SessionKey in = ERX__CFG__SESSION_KEY__INIT, out = ERX__CFG__SESSION_KEY__INIT;
  char addr[ERX_ADDR_STRLEN], mask[ERX_ADDR_STRLEN], l1[ERX_ADDR_STRLEN], l2[ERX_ADDR_STRLEN], p1[ERX_ADDR_STRLEN],
      p2[ERX_ADDR_STRLEN];
  char problems[CFG_MAX_PROBLEMS][CFG_PROBLEM_LEN];
  char *problem_ptrs[CFG_MAX_PROBLEMS];

  pb.vr = (char *)t->vr;
  pb.name = (char *)t->name;
  pb.transport_vr = (char *)t->transport_vr;
  pb.address = t->has_address ? erx_ipv4_format(t->address, addr) : (char *)"";
  pb.mask = t->has_address ? erx_ipv4_format(t->mask, mask) : (char *)"";
  pb.transform_set = (char *)t->tset;
  pb.signaling = t->signaling;
  publish_endpoint(&src, &t->source);
  publish_endpoint(&dst, &t->destination);
  publish_endpoint(&bk, &t->backup);
  pb.source = &src;
  pb.destination = &dst;
  pb.backup = &bk;
  publish_identity(&lid, &t->local_id, l1, l2);
  publish_identity(&pid, &t->peer_id, p1, p2);
  pb.local_identity = &lid;
  pb.peer_identity = &pid;
  pb.pfs_group = t->pfs_group;
  life.seconds = t->life_s;
  life.kilobytes = t->life_kb;
  pb.lifetime = &life;
  pb.mtu = t->mtu;
  if (t->in.set) {
    publish_session_key(&in, &t->in);
    pb.inbound = &in;
  }
  if (t->out.set) {
    publish_session_key(&out, &t->out);
    pb.outbound = &out;
  }
  pb.n_incomplete = cfg_tunnel_problems(m, t, problems);
  for (size_t i = 0; i < pb.n_incomplete; i++)
    problem_ptrs[i] = problems[i];
  pb.incomplete = problem_ptrs;
  set(pub, "cfg.tunnel", key, &pb.base);
}

static void publish_global(const cfg_model_t *m, erx_clone_pub_t *pub)
{
  Erx__Cfg__Global g = ERX__CFG__GLOBAL__INIT;
  Erx__Cfg__Lifetime life = ERX__CFG__LIFETIME__INIT;
  life.seconds = cfg_global_life_s(m);
  life.kilobytes = cfg_global_life_kb(m);
  g.lifetime = &life;
  g.dpd = m->dpd;
  g.dpd_idle_interval = m->dpd_idle ? m->dpd_idle : CFG_DPD_IDLE_DEFAULT;
  g.dpd_retry_interval = m->dpd_retry_interval ? m->dpd_retry_interval : CFG_DPD_RETRY_INTERVAL_DEFAULT;
  g.dpd_retries = m->dpd_retries ? m->dpd_retries : CFG_DPD_RETRIES_DEFAULT;
  set(pub, "cfg.global", "global", &g.base);
}

/* Publishes one Clone key from the model, or deletes it if the object is gone. */
static void publish_key(const cfg_model_t *m, erx_clone_pub_t *pub, const char *key)
{
  const char *slash = strchr(key, '/');
  const char *rest = slash ? slash + 1 : "";
  size_t family = slash ? (size_t)(slash - key) : strlen(key);
  char addr[ERX_ADDR_STRLEN];

#define FAMILY(s) (family == sizeof(s) - 1 && strncmp(key, s, family) == 0)
  if (FAMILY("system")) {
    Erx__Cfg__System s = ERX__CFG__SYSTEM__INIT;
    s.hostname = (char *)m->hostname;
    set(pub, "cfg.system", key, &s.base);
    return;
  }
  if (FAMILY("global")) {
    publish_global(m, pub);
    return;
  }
  if (FAMILY("vr")) {
    const cfg_vr_t *v = erx_strmap_get(m->vrs, rest);
    if (v) {
      Erx__Cfg__VirtualRouter pb = ERX__CFG__VIRTUAL_ROUTER__INIT;
      pb.name = (char *)v->name;
      pb.tx_invalid_cookie = v->tx_invalid_cookie;
      set(pub, "cfg.vr", key, &pb.base);
      return;
    }
  } else if (FAMILY("transform-set")) {
    const cfg_tset_t *s = erx_strmap_get(m->tsets, rest);
    if (s) {
      Erx__Cfg__TransformSet pb = ERX__CFG__TRANSFORM_SET__INIT;
      pb.name = (char *)s->name;
      pb.n_transforms = s->n;
      pb.transforms = (Erx__Cfg__Transform *)s->xf;
      set(pub, "cfg.transform-set", key, &pb.base);
      return;
    }
  } else if (FAMILY("psk")) {
    const cfg_psk_t *p = erx_strmap_get(m->psks, rest);
    if (p) {
      Erx__Cfg__PreSharedKey pb = ERX__CFG__PRE_SHARED_KEY__INIT;
      pb.vr = (char *)p->vr;
      pb.peer = (char *)p->peer;
      pb.peer_type = p->type;
      pb.masked = p->masked ? p->masked : (char *)"";
      if (allow_secrets) {
        pb.secret.data = (uint8_t *)p->secret;
        pb.secret.len = p->secret_len;
      }
      set(pub, "cfg.psk", key, &pb.base);
      return;
    }
  } else if (FAMILY("local-endpoint")) {
    const uint32_t *a = erx_strmap_get(m->endpoints, rest);
    if (a) {
      Erx__Cfg__LocalEndpoint pb = ERX__CFG__LOCAL_ENDPOINT__INIT;
      pb.transport_vr = (char *)rest;
      pb.address = erx_ipv4_format(*a, addr);
      set(pub, "cfg.local-endpoint", key, &pb.base);
      return;
    }
  } else if (FAMILY("ike-policy")) {
    const cfg_ike_rule_t *r = erx_strmap_get(m->rules, rest);
    if (r) {
      Erx__Cfg__IkePolicyRule pb = ERX__CFG__IKE_POLICY_RULE__INIT;
      pb.priority = r->priority;
      pb.encryption = r->enc;
      pb.hash = r->hash;
      pb.authentication = r->auth;
      pb.group = r->group;
      pb.lifetime = r->lifetime;
      pb.aggressive_mode = r->aggressive;
      set(pub, "cfg.ike-policy", key, &pb.base);
      return;
    }
  } else if (FAMILY("tunnel")) {
    const cfg_tunnel_t *t = erx_strmap_get(m->tunnels, rest);
    if (t) {
      publish_tunnel(m, pub, key, t);
      return;
    }
  } else {
    LOG_ERR("publish: unknown key family in %s", key);
    return;
  }
#undef FAMILY
  erx_clone_pub_del(pub, key);
}

/* A tunnel's derived "incomplete" reasons depend on its transform set, the
 * pre-shared key of its destination and its virtual routers: when one of those
 * changes, the tunnels that name it are republished (and only those). */
typedef struct {
  erx_strmap_t *tsets, *psks, *peers, *vrs; /* peers: psks' peer names alone, a cheap first test */
} deps_t;

static bool note_dependency(deps_t *d, const char *key)
{
  if (strncmp(key, "transform-set/", 14) == 0)
    return erx_strmap_put(d->tsets, key + 14, d, NULL) == 0;
  if (strncmp(key, "psk/", 4) == 0) {
    const char *peer = strchr(key + 4, '/');
    return erx_strmap_put(d->psks, key + 4, d, NULL) == 0 && peer && erx_strmap_put(d->peers, peer + 1, d, NULL) == 0;
  }
  if (strncmp(key, "vr/", 3) == 0)
    return erx_strmap_put(d->vrs, key + 3, d, NULL) == 0;
  return false;
}

static bool depends(const deps_t *d, const cfg_tunnel_t *t)
{
  char key[CFG_VR_NAME_MAX + CFG_NAME_MAX + 2];
  if (erx_strmap_count(d->tsets) && erx_strmap_get(d->tsets, t->tset))
    return true;
  if (erx_strmap_count(d->vrs) && (erx_strmap_get(d->vrs, t->vr) || erx_strmap_get(d->vrs, t->transport_vr)))
    return true;
  if (!erx_strmap_count(d->peers) || t->destination.type == ERX__CFG__ENDPOINT_TYPE__EP_NONE)
    return false;
  const char *at = strchr(t->destination.value, '@');
  const char *peers[2] = {t->destination.value, at ? at + 1 : NULL};
  for (size_t i = 0; i < 2 && peers[i]; i++) {
    if (!erx_strmap_get(d->peers, peers[i]))
      continue;
    snprintf(key, sizeof key, "%s/%s", t->transport_vr, peers[i]);
    if (erx_strmap_get(d->psks, key))
      return true;
  }
  return false;
}

size_t cfg_publish_dirty(cfg_model_t *m, erx_clone_pub_t *pub)
{
  size_t n = 0;
  bool any_dep = false;
  deps_t d = {erx_strmap_new(), erx_strmap_new(), erx_strmap_new(), erx_strmap_new()};
  if (!d.tsets || !d.psks || !d.peers || !d.vrs) {
    LOG_ERR("out of memory");
    abort();
  }
  erx_strmap_iter_t it = ERX_STRMAP_ITER_INIT;
  const char *key;
  void *v;
  while (erx_strmap_next(m->dirty, &it, &key, &v)) {
    any_dep |= note_dependency(&d, key);
    publish_key(m, pub, key);
    n++;
  }
  if (any_dep) {
    erx_strmap_iter_t ti = ERX_STRMAP_ITER_INIT;
    char ckey[200];
    while (erx_strmap_next(m->tunnels, &ti, &key, &v)) {
      if (!depends(&d, v))
        continue;
      snprintf(ckey, sizeof ckey, "tunnel/%s", key);
      if (!erx_strmap_get(m->dirty, ckey))
        publish_tunnel(m, pub, ckey, v);
    }
  }
  erx_strmap_destroy(&d.tsets, NULL);
  erx_strmap_destroy(&d.psks, NULL);
  erx_strmap_destroy(&d.peers, NULL);
  erx_strmap_destroy(&d.vrs, NULL);
  erx_strmap_destroy(&m->dirty, NULL);
  m->dirty = erx_strmap_new();
  if (!m->dirty) {
    LOG_ERR("out of memory");
    abort();
  }
  return n;
}
