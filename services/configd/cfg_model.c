#include "cfg_model.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_name(char *dst, size_t cap, const char *src)
{
  snprintf(dst, cap, "%s", src);
}

static void free_psk(void *v)
{
  cfg_psk_t *p = v;
  free(p->masked);
  OPENSSL_cleanse(p, sizeof *p);
  free(p);
}

void cfg_session_key_clear(cfg_session_key_t *k)
{
  free(k->masked);
  OPENSSL_cleanse(k, sizeof *k);
}

static void free_tunnel(void *v)
{
  cfg_tunnel_t *t = v;
  cfg_session_key_clear(&t->in);
  cfg_session_key_clear(&t->out);
  free(t);
}

cfg_model_t *cfg_model_new(const char *hostname)
{
  cfg_model_t *m = calloc(1, sizeof *m);
  if (!m)
    return NULL;
  copy_name(m->hostname, sizeof m->hostname, hostname && *hostname ? hostname : "host1");
  m->vrs = erx_strmap_new();
  m->tsets = erx_strmap_new();
  m->psks = erx_strmap_new();
  m->endpoints = erx_strmap_new();
  m->rules = erx_strmap_new();
  m->tunnels = erx_strmap_new();
  m->dirty = erx_strmap_new();
  if (!m->vrs || !m->tsets || !m->psks || !m->endpoints || !m->rules || !m->tunnels || !m->dirty) {
    cfg_model_destroy(&m);
    return NULL;
  }
  cfg_vr_add(m, CFG_DEFAULT_VR);
  return m;
}

void cfg_model_destroy(cfg_model_t **m_p)
{
  cfg_model_t *m = *m_p;
  if (!m)
    return;
  erx_strmap_destroy(&m->vrs, free);
  erx_strmap_destroy(&m->tsets, free);
  erx_strmap_destroy(&m->psks, free_psk);
  erx_strmap_destroy(&m->endpoints, free);
  erx_strmap_destroy(&m->rules, free);
  erx_strmap_destroy(&m->tunnels, free_tunnel);
  erx_strmap_destroy(&m->dirty, NULL);
  free(m);
  *m_p = NULL;
}

void cfg_model_dirty(cfg_model_t *m, const char *fmt, ...)
{
  char key[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(key, sizeof key, fmt, ap);
  va_end(ap);
  erx_strmap_put(m->dirty, key, m, NULL);
  m->generation++;
}

static void pair_key(char *buf, size_t cap, const char *a, const char *b)
{
  snprintf(buf, cap, "%s/%s", a, b);
}

cfg_vr_t *cfg_vr_get(const cfg_model_t *m, const char *name)
{
  return erx_strmap_get(m->vrs, name);
}

cfg_tset_t *cfg_tset_get(const cfg_model_t *m, const char *name)
{
  return erx_strmap_get(m->tsets, name);
}

cfg_psk_t *cfg_psk_get(const cfg_model_t *m, const char *vr, const char *peer)
{
  char key[160];
  pair_key(key, sizeof key, vr, peer);
  return erx_strmap_get(m->psks, key);
}

cfg_tunnel_t *cfg_tunnel_get(const cfg_model_t *m, const char *vr, const char *name)
{
  char key[160];
  pair_key(key, sizeof key, vr, name);
  return erx_strmap_get(m->tunnels, key);
}

static void rule_key(char *buf, size_t cap, uint32_t prio)
{
  snprintf(buf, cap, "%05u", prio);
}

cfg_ike_rule_t *cfg_rule_get(const cfg_model_t *m, uint32_t priority)
{
  char key[16];
  rule_key(key, sizeof key, priority);
  return erx_strmap_get(m->rules, key);
}

cfg_vr_t *cfg_vr_add(cfg_model_t *m, const char *name)
{
  cfg_vr_t *v = cfg_vr_get(m, name);
  if (v)
    return v;
  v = calloc(1, sizeof *v);
  if (!v)
    return NULL;
  copy_name(v->name, sizeof v->name, name);
  erx_strmap_put(m->vrs, name, v, NULL);
  cfg_vr_touched(m, v);
  return v;
}

cfg_tset_t *cfg_tset_put(cfg_model_t *m, const char *name, const Erx__Cfg__Transform *xf, size_t n)
{
  cfg_tset_t *s = cfg_tset_get(m, name);
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s)
      return NULL;
    copy_name(s->name, sizeof s->name, name);
    erx_strmap_put(m->tsets, name, s, NULL);
  }
  s->n = n > CFG_MAX_TRANSFORMS ? CFG_MAX_TRANSFORMS : n;
  memcpy(s->xf, xf, s->n * sizeof *xf);
  cfg_model_dirty(m, "transform-set/%s", name);
  return s;
}

cfg_psk_t *cfg_psk_add(cfg_model_t *m, const char *vr, const char *peer, Erx__Cfg__PeerType type)
{
  cfg_psk_t *p = cfg_psk_get(m, vr, peer);
  if (p)
    return p;
  p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  copy_name(p->vr, sizeof p->vr, vr);
  copy_name(p->peer, sizeof p->peer, peer);
  p->type = type;
  char key[160];
  pair_key(key, sizeof key, vr, peer);
  erx_strmap_put(m->psks, key, p, NULL);
  cfg_psk_touched(m, p);
  return p;
}

cfg_tunnel_t *cfg_tunnel_add(cfg_model_t *m, const char *vr, const char *name, const char *transport_vr)
{
  cfg_tunnel_t *t = cfg_tunnel_get(m, vr, name);
  if (t)
    return t;
  t = calloc(1, sizeof *t);
  if (!t)
    return NULL;
  copy_name(t->vr, sizeof t->vr, vr);
  copy_name(t->name, sizeof t->name, name);
  copy_name(t->transport_vr, sizeof t->transport_vr, transport_vr);
  t->mtu = CFG_MTU_DEFAULT;
  char key[160];
  pair_key(key, sizeof key, vr, name);
  erx_strmap_put(m->tunnels, key, t, NULL);
  cfg_tunnel_touched(m, t);
  return t;
}

cfg_ike_rule_t *cfg_rule_add(cfg_model_t *m, uint32_t priority)
{
  cfg_ike_rule_t *r = cfg_rule_get(m, priority);
  if (r)
    return r;
  r = calloc(1, sizeof *r);
  if (!r)
    return NULL;
  r->priority = priority;
  r->enc = ERX__CFG__IKE_ENCRYPTION__IKE_ENC_3DES;
  r->hash = ERX__CFG__IKE_HASH__IKE_HASH_SHA;
  r->auth = ERX__CFG__IKE_AUTH__IKE_AUTH_PRE_SHARE;
  r->group = 2;
  r->lifetime = CFG_IKE_LIFE_DEFAULT;
  r->aggressive = ERX__CFG__AGGRESSIVE_MODE__AGGR_NONE;
  char key[16];
  rule_key(key, sizeof key, priority);
  erx_strmap_put(m->rules, key, r, NULL);
  cfg_rule_touched(m, r);
  return r;
}

void cfg_vr_del(cfg_model_t *m, const char *name)
{
  free(erx_strmap_del(m->vrs, name));
  cfg_model_dirty(m, "vr/%s", name);
}

void cfg_tset_del(cfg_model_t *m, const char *name)
{
  free(erx_strmap_del(m->tsets, name));
  cfg_model_dirty(m, "transform-set/%s", name);
}

void cfg_psk_del(cfg_model_t *m, const char *vr, const char *peer)
{
  char key[160];
  pair_key(key, sizeof key, vr, peer);
  cfg_psk_t *p = erx_strmap_del(m->psks, key);
  if (p)
    free_psk(p);
  cfg_model_dirty(m, "psk/%s", key);
}

void cfg_tunnel_del(cfg_model_t *m, const char *vr, const char *name)
{
  char key[160];
  pair_key(key, sizeof key, vr, name);
  cfg_tunnel_t *t = erx_strmap_del(m->tunnels, key);
  if (t)
    free_tunnel(t);
  cfg_model_dirty(m, "tunnel/%s", key);
}

void cfg_rule_del(cfg_model_t *m, uint32_t priority)
{
  char key[16];
  rule_key(key, sizeof key, priority);
  free(erx_strmap_del(m->rules, key));
  cfg_model_dirty(m, "ike-policy/%s", key);
}

void cfg_tunnel_touched(cfg_model_t *m, const cfg_tunnel_t *t)
{
  cfg_model_dirty(m, "tunnel/%s/%s", t->vr, t->name);
}

void cfg_psk_touched(cfg_model_t *m, const cfg_psk_t *p)
{
  cfg_model_dirty(m, "psk/%s/%s", p->vr, p->peer);
}

void cfg_rule_touched(cfg_model_t *m, const cfg_ike_rule_t *r)
{
  cfg_model_dirty(m, "ike-policy/%05u", r->priority);
}

void cfg_vr_touched(cfg_model_t *m, const cfg_vr_t *v)
{
  cfg_model_dirty(m, "vr/%s", v->name);
}

void cfg_global_touched(cfg_model_t *m)
{
  cfg_model_dirty(m, "global");
}

void cfg_psk_set_key(cfg_psk_t *p, char *masked, const uint8_t *secret, size_t len)
{
  free(p->masked);
  OPENSSL_cleanse(p->secret, sizeof p->secret);
  p->masked = masked;
  p->secret_len = len > CFG_PSK_MAX ? CFG_PSK_MAX : len;
  if (secret)
    memcpy(p->secret, secret, p->secret_len);
}

char *cfg_tunnels_where(const cfg_model_t *m, bool (*pred)(const cfg_tunnel_t *t, const void *arg), const void *arg)
{
  size_t n = 0;
  const char **keys = erx_strmap_sorted_keys(m->tunnels, &n);
  char *out = NULL;
  size_t len = 0, found = 0;
  for (size_t i = 0; i < n; i++) {
    const cfg_tunnel_t *t = erx_strmap_get(m->tunnels, keys[i]);
    if (!pred(t, arg))
      continue;
    if (++found > 8) {
      char *grown = realloc(out, len + 6);
      if (grown) {
        out = grown;
        memcpy(out + len, ", ...", 6);
      }
      break;
    }
    char name[CFG_NAME_MAX + CFG_VR_NAME_MAX + 16];
    if (strcmp(t->vr, CFG_DEFAULT_VR) == 0)
      snprintf(name, sizeof name, "%sipsec:%s", found > 1 ? ", " : "", t->name);
    else
      snprintf(name, sizeof name, "%s%s:ipsec:%s", found > 1 ? ", " : "", t->vr, t->name);
    size_t add = strlen(name);
    char *grown = realloc(out, len + add + 1);
    if (!grown)
      break;
    out = grown;
    memcpy(out + len, name, add + 1);
    len += add;
  }
  free(keys);
  return out;
}

uint32_t cfg_global_life_s(const cfg_model_t *m)
{
  return m->life_s ? m->life_s : CFG_LIFE_S_DEFAULT;
}

uint64_t cfg_global_life_kb(const cfg_model_t *m)
{
  return m->life_kb ? m->life_kb : CFG_LIFE_KB_DEFAULT;
}
