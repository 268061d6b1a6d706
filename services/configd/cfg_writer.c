#include "cfg_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transforms.h"

/* A block is a top-level command and its indented sub-commands; the filter
 * of show configuration works on blocks. */
typedef void (*block_fn)(void *arg, const char *vr, const char *text);

static void sb_reset(cfg_strbuf_t *b)
{
  b->len = 0;
  if (b->s)
    b->s[0] = '\0';
}

void cfg_write_identity(const cfg_identity_t *id, cfg_strbuf_t *out)
{
  char a[ERX_ADDR_STRLEN], b[ERX_ADDR_STRLEN];
  switch (id->type) {
  case ERX__CFG__IDENTITY_TYPE__ID_ADDRESS:
    cfg_sb_printf(out, "address %s", erx_ipv4_format(id->a1, a));
    break;
  case ERX__CFG__IDENTITY_TYPE__ID_RANGE:
    cfg_sb_printf(out, "range %s %s", erx_ipv4_format(id->a1, a), erx_ipv4_format(id->a2, b));
    break;
  default:
    cfg_sb_printf(out, "subnet %s %s", erx_ipv4_format(id->a1, a), erx_ipv4_format(id->a2, b));
    break;
  }
}

void cfg_write_lifetime(uint32_t s, uint64_t kb, cfg_strbuf_t *out)
{
  if (s)
    cfg_sb_printf(out, "seconds %u", s);
  if (s && kb)
    cfg_sb_puts(out, " ");
  if (kb)
    cfg_sb_printf(out, "kilobytes %llu", (unsigned long long)kb);
}

static bool identity_is_default(const cfg_identity_t *id)
{
  return id->type == ERX__CFG__IDENTITY_TYPE__ID_SUBNET && id->a1 == 0 && id->a2 == 0;
}

static void write_endpoint(const char *prefix, const cfg_endpoint_t *ep, cfg_strbuf_t *b)
{
  if (ep->type == ERX__CFG__ENDPOINT_TYPE__EP_NONE)
    return;
  bool ident = ep->type != ERX__CFG__ENDPOINT_TYPE__EP_ADDRESS;
  cfg_sb_printf(b, " %s %s%s\n", prefix, ident ? "identity " : "", ep->value);
}

static void write_session_key(const char *dir, const cfg_session_key_t *k, cfg_strbuf_t *b)
{
  if (!k->set)
    return;
  const erx_transform_info_t *xf = erx_transform_by_id(k->xf);
  cfg_sb_printf(b, " tunnel session-key-%s %s %u masked-key \"%s\"\n", dir, xf ? xf->keyword : "?", k->spi,
                k->masked ? k->masked : "");
}

static void write_tunnel(const cfg_tunnel_t *t, cfg_strbuf_t *b)
{
  char a1[ERX_ADDR_STRLEN], a2[ERX_ADDR_STRLEN];
  cfg_sb_printf(b, "interface tunnel ipsec:%s transport-virtual-router %s\n", t->name, t->transport_vr);
  if (t->has_address)
    cfg_sb_printf(b, " ip address %s %s\n", erx_ipv4_format(t->address, a1), erx_ipv4_format(t->mask, a2));
  if (t->tset[0])
    cfg_sb_printf(b, " tunnel transform-set %s\n", t->tset);
  if (t->signaling == ERX__CFG__SIGNALING__SIG_MANUAL)
    cfg_sb_puts(b, " tunnel signaling manual\n");
  if (t->source.type != ERX__CFG__ENDPOINT_TYPE__EP_NONE)
    cfg_sb_printf(b, " tunnel source %s\n", t->source.value);
  write_endpoint("tunnel destination", &t->destination, b);
  write_endpoint("tunnel destination backup", &t->backup, b);
  if (!identity_is_default(&t->local_id)) {
    cfg_sb_puts(b, " tunnel local-identity ");
    cfg_write_identity(&t->local_id, b);
    cfg_sb_puts(b, "\n");
  }
  if (!identity_is_default(&t->peer_id)) {
    cfg_sb_puts(b, " tunnel peer-identity ");
    cfg_write_identity(&t->peer_id, b);
    cfg_sb_puts(b, "\n");
  }
  if (t->pfs_group)
    cfg_sb_printf(b, " tunnel pfs group %u\n", t->pfs_group);
  if (t->life_s || t->life_kb) {
    cfg_sb_puts(b, " tunnel lifetime ");
    cfg_write_lifetime(t->life_s, t->life_kb, b);
    cfg_sb_puts(b, "\n");
  }
  if (t->mtu != CFG_MTU_DEFAULT)
    cfg_sb_printf(b, " tunnel mtu %u\n", t->mtu);
  write_session_key("inbound", &t->in, b);
  write_session_key("outbound", &t->out, b);
}

static void write_rule(const cfg_ike_rule_t *r, cfg_strbuf_t *b)
{
  cfg_sb_printf(b, "ipsec ike-policy-rule %u\n", r->priority);
  if (r->enc != ERX__CFG__IKE_ENCRYPTION__IKE_ENC_3DES)
    cfg_sb_printf(b, " encryption %s\n", cfg_ike_enc_kw[r->enc]);
  if (r->hash != ERX__CFG__IKE_HASH__IKE_HASH_SHA)
    cfg_sb_printf(b, " hash %s\n", cfg_ike_hash_kw[r->hash]);
  if (r->auth != ERX__CFG__IKE_AUTH__IKE_AUTH_PRE_SHARE)
    cfg_sb_printf(b, " authentication %s\n", cfg_ike_auth_kw[r->auth]);
  if (r->group != 2)
    cfg_sb_printf(b, " group %u\n", r->group);
  if (r->lifetime != CFG_IKE_LIFE_DEFAULT)
    cfg_sb_printf(b, " lifetime %u\n", r->lifetime);
  if (r->aggressive != ERX__CFG__AGGRESSIVE_MODE__AGGR_NONE)
    cfg_sb_printf(b, " aggressive-mode %s\n", cfg_aggr_kw[r->aggressive]);
}

/* Emits every block of the configuration, default VR first. */
static void walk(const cfg_model_t *m, block_fn emit, void *arg)
{
  cfg_strbuf_t b = {0};
  char a[ERX_ADDR_STRLEN];
  size_t n, i;

  sb_reset(&b);
  cfg_sb_printf(&b, "hostname %s\n", m->hostname);
  emit(arg, CFG_DEFAULT_VR, b.s);

  const char **keys = erx_strmap_sorted_keys(m->tsets, &n);
  for (i = 0; i < n; i++) {
    const cfg_tset_t *s = erx_strmap_get(m->tsets, keys[i]);
    sb_reset(&b);
    cfg_sb_printf(&b, "ipsec transform-set %s", s->name);
    for (size_t j = 0; j < s->n; j++) {
      const erx_transform_info_t *xf = erx_transform_by_id(s->xf[j]);
      cfg_sb_printf(&b, " %s", xf ? xf->keyword : "?");
    }
    cfg_sb_puts(&b, "\n");
    emit(arg, CFG_DEFAULT_VR, b.s);
  }
  free(keys);

  keys = erx_strmap_sorted_keys(m->endpoints, &n);
  for (i = 0; i < n; i++) {
    const uint32_t *addr = erx_strmap_get(m->endpoints, keys[i]);
    sb_reset(&b);
    cfg_sb_printf(&b, "ipsec local-endpoint %s", erx_ipv4_format(*addr, a));
    cfg_sb_printf(&b, " transport-virtual-router %s\n", keys[i]);
    emit(arg, CFG_DEFAULT_VR, b.s);
  }
  free(keys);

  if (m->life_s || m->life_kb) {
    sb_reset(&b);
    cfg_sb_puts(&b, "ipsec lifetime ");
    cfg_write_lifetime(m->life_s, m->life_kb, &b);
    cfg_sb_puts(&b, "\n");
    emit(arg, CFG_DEFAULT_VR, b.s);
  }
  if (m->dpd) {
    sb_reset(&b);
    cfg_sb_puts(&b, "ipsec option dpd");
    if (m->dpd_idle)
      cfg_sb_printf(&b, " idle-interval %u", m->dpd_idle);
    if (m->dpd_retry_interval)
      cfg_sb_printf(&b, " retry-interval %u", m->dpd_retry_interval);
    if (m->dpd_retries)
      cfg_sb_printf(&b, " retries %u", m->dpd_retries);
    cfg_sb_puts(&b, "\n");
    emit(arg, CFG_DEFAULT_VR, b.s);
  }

  keys = erx_strmap_sorted_keys(m->rules, &n);
  for (i = 0; i < n; i++) {
    sb_reset(&b);
    write_rule(erx_strmap_get(m->rules, keys[i]), &b);
    emit(arg, CFG_DEFAULT_VR, b.s);
  }
  free(keys);

  /* per virtual router: default first, then the others in name order */
  size_t nvr;
  const char **vrs = erx_strmap_sorted_keys(m->vrs, &nvr);
  const char **psks = erx_strmap_sorted_keys(m->psks, &n);
  size_t nt;
  const char **tunnels = erx_strmap_sorted_keys(m->tunnels, &nt);
  for (int pass = 0; pass < 2; pass++) {
    for (size_t v = 0; v < nvr; v++) {
      const cfg_vr_t *vr = erx_strmap_get(m->vrs, vrs[v]);
      bool is_default = strcmp(vr->name, CFG_DEFAULT_VR) == 0;
      if (is_default != (pass == 0))
        continue;
      sb_reset(&b);
      if (!is_default)
        cfg_sb_printf(&b, "virtual-router %s\n", vr->name);
      if (vr->tx_invalid_cookie)
        cfg_sb_puts(&b, "ipsec option tx-invalid-cookie\n");
      if (b.len)
        emit(arg, vr->name, b.s);
      for (i = 0; i < n; i++) {
        const cfg_psk_t *p = erx_strmap_get(m->psks, psks[i]);
        if (strcmp(p->vr, vr->name) != 0)
          continue;
        sb_reset(&b);
        cfg_sb_printf(&b, "ipsec key manual pre-share %s\n", p->peer);
        if (p->masked)
          cfg_sb_printf(&b, " masked-key \"%s\"\n", p->masked);
        emit(arg, vr->name, b.s);
      }
      for (i = 0; i < nt; i++) {
        const cfg_tunnel_t *t = erx_strmap_get(m->tunnels, tunnels[i]);
        if (strcmp(t->vr, vr->name) != 0)
          continue;
        sb_reset(&b);
        write_tunnel(t, &b);
        emit(arg, vr->name, b.s);
      }
    }
  }
  free(vrs);
  free(psks);
  free(tunnels);
  cfg_sb_free(&b);
}

typedef struct {
  cfg_strbuf_t *out;
  const char *words;     /* NULL: everything */
  const char *shown_vr;  /* the VR whose virtual-router line was printed last */
  bool prev_multi;       /* the previous block had sub-commands */
} filter_t;

static bool multi_line(const char *text)
{
  const char *nl = strchr(text, '\n');
  return nl && nl[1] != '\0';
}

/* Does the block's first line start with the words, each word a prefix? */
static bool block_matches(const char *words, const char *text)
{
  const char *w = words, *t = text;
  for (;;) {
    while (*w == ' ' || *w == '\t')
      w++;
    if (!*w)
      return true;
    while (*t == ' ')
      t++;
    if (*t == '\n' || !*t)
      return false;
    size_t wl = strcspn(w, " \t"), tl = strcspn(t, " \n");
    if (wl > tl || strncmp(w, t, wl) != 0)
      return false;
    w += wl;
    t += tl;
  }
}

static void emit_filtered(void *arg, const char *vr, const char *text)
{
  filter_t *f = arg;
  if (f->words) {
    if (!block_matches(f->words, text))
      return;
    if (strcmp(vr, CFG_DEFAULT_VR) != 0 && (!f->shown_vr || strcmp(f->shown_vr, vr) != 0) &&
        strncmp(text, "virtual-router ", 15) != 0)
      cfg_sb_printf(f->out, "virtual-router %s\n", vr);
    f->shown_vr = vr;
    cfg_sb_puts(f->out, text);
    return;
  }
  /* "!" sets off blocks with sub-commands and virtual-router sections */
  bool multi = multi_line(text);
  if (f->out->len && (multi || f->prev_multi || strncmp(text, "virtual-router ", 15) == 0))
    cfg_sb_puts(f->out, "!\n");
  f->prev_multi = multi;
  cfg_sb_puts(f->out, text);
}

void cfg_write_config_filtered(const cfg_model_t *m, const char *words, cfg_strbuf_t *out)
{
  filter_t f = {out, words && *words ? words : NULL, NULL, false};
  walk(m, emit_filtered, &f);
}

void cfg_write_config(const cfg_model_t *m, cfg_strbuf_t *out)
{
  cfg_write_config_filtered(m, NULL, out);
}
