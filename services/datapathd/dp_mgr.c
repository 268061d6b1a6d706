#include "dp_mgr.h"

#include <errno.h>
#include <net/if.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "addr.h"
#include "dp_seq_store.h"
#include "ike.pb-c.h"
#include "log.h"
#include "netns.h"
#include "protobuf-c/protobuf-c.h"
#include "strmap.h"
#include "transforms.h"

#define RETRY_TICKS 8 /* ticks of 250 ms */
#define MAX_ROUTES 62

typedef struct mtun {
  dp_tunnel_t t;      /* what the workers see */
  uint8_t *cfg;       /* packed erx.cfg.Tunnel, to rebuild on retry */
  size_t cfg_len;
  unsigned retry;     /* down for a reason that may go away by itself: ticks until the next try, 0 = none */
  bool signaled;      /* configuration complete, SAs come from iked */
} mtun_t;

struct dp_mgr {
  dp_table_t *tbl;
  dp_mgr_opts_t o;
  erx_strmap_t *tunnels; /* "vr/name" -> mtun_t */
  erx_strmap_t *socks;   /* "vr|addr|proto" -> dp_rawsock_t */
  erx_strmap_t *ifnames; /* Linux name -> mtun_t */
  erx_strmap_t *child;   /* iked's SAs: its Clone key -> child_t (kept while the tunnel is not built) */
  dp_seq_store_t *seqs;
};

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

dp_mgr_t *dp_mgr_new(dp_table_t *tbl, const dp_mgr_opts_t *opts, char *err, size_t errlen)
{
  dp_mgr_t *m = calloc(1, sizeof *m);
  if (!m)
    return NULL;
  m->tbl = tbl;
  m->o = *opts;
  m->tunnels = erx_strmap_new();
  m->socks = erx_strmap_new();
  m->ifnames = erx_strmap_new();
  m->child = erx_strmap_new();
  m->seqs = dp_seq_store_open(opts->state_dir, err, errlen);
  if (!m->tunnels || !m->socks || !m->ifnames || !m->child || !m->seqs) {
    dp_mgr_destroy(&m);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  if (err[0])
    LOG_WARN("%s", err);
  return m;
}

/* ---- namespaces ---- */

static const char *ns_of(const dp_mgr_t *m, const char *vr, char *buf, size_t cap)
{
  if (!vr[0] || strcmp(vr, "default") == 0)
    return NULL;
  snprintf(buf, cap, "%s%s", m->o.netns_prefix ? m->o.netns_prefix : "", vr);
  return buf;
}

static int ensure_ns(const dp_mgr_t *m, const char *vr, char *err, size_t errlen)
{
  char buf[96];
  const char *ns = ns_of(m, vr, buf, sizeof buf);
  if (!ns || dp_netns_exists(ns))
    return 0;
  if (dp_netns_create(ns, err, errlen) != 0)
    return -1;
  LOG_NOTICE("virtual router %s: created network namespace %s", vr, ns);
  return 0;
}

/* ---- raw sockets, shared per (transport vr, address, protocol) ---- */

typedef struct sock_open {
  dp_rawsock_t *s;
  char *err;
  size_t errlen;
} sock_open_t;

static int open_in_ns(void *arg)
{
  sock_open_t *a = arg;
  if (a->s->proto == DP_PROTO_UDP)
    return dp_raw_open_esp_in_udp(&a->s->raw, a->s->addr, a->err, a->errlen);
  return dp_raw_open(&a->s->raw, a->s->proto, a->s->addr, a->s->proto == ERX_PROTO_AH, a->err, a->errlen);
}

static dp_rawsock_t *sock_get(dp_mgr_t *m, const char *vr, uint32_t addr, int proto, char *err, size_t errlen)
{
  char key[96];
  snprintf(key, sizeof key, "%s|%08" PRIx32 "|%d", vr, addr, proto);
  dp_rawsock_t *s = erx_strmap_get(m->socks, key);
  if (s) {
    s->refs++;
    return s;
  }
  if (ensure_ns(m, vr, err, errlen) != 0)
    return NULL;
  s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  snprintf(s->vr, sizeof s->vr, "%s", vr);
  s->addr = addr;
  s->proto = proto;
  s->raw.fd = -1;
  char buf[96];
  sock_open_t a = {s, err, errlen};
  if (dp_netns_run(ns_of(m, vr, buf, sizeof buf), open_in_ns, &a, err, errlen) != 0) {
    free(s);
    return NULL;
  }
  dp_table_wrlock(m->tbl);
  bool ok = dp_table_add_sock(m->tbl, s);
  dp_table_unlock(m->tbl);
  if (!ok || erx_strmap_put(m->socks, key, s, NULL) != 0) {
    snprintf(err, errlen, "cannot watch the raw socket");
    dp_raw_close(&s->raw);
    free(s);
    return NULL;
  }
  s->refs = 1;
  return s;
}

static void sock_put(dp_mgr_t *m, dp_rawsock_t *s)
{
  if (!s || --s->refs > 0)
    return;
  char key[96];
  snprintf(key, sizeof key, "%s|%08" PRIx32 "|%d", s->vr, s->addr, s->proto);
  erx_strmap_del(m->socks, key);
  dp_table_wrlock(m->tbl);
  dp_table_del_sock(m->tbl, s);
  dp_table_unlock(m->tbl);
  dp_raw_close(&s->raw);
  free(s);
}

/* ---- TUN devices ---- */

typedef struct tun_open {
  mtun_t *mt;
  const Erx__Cfg__Tunnel *cfg;
  char *err;
  size_t errlen;
  bool busy;
} tun_open_t;

/* The tunnels carry IPv4 only; without this the kernel would route its IPv6
 * router solicitations into the tunnel, to be counted as policy errors.
 * /proc/sys/net belongs to the opening thread's namespace.  Best effort. */
static void disable_ipv6(const char *ifname)
{
  char path[96];
  snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
  FILE *f = fopen(path, "w");
  if (f) {
    fputs("1\n", f);
    fclose(f);
  }
}

static int tun_in_ns(void *arg)
{
  tun_open_t *a = arg;
  dp_tunnel_t *t = &a->mt->t;
  uint32_t addr = 0, mask = 0;
  if (a->cfg->address && a->cfg->address[0] &&
      (!erx_ipv4_parse(a->cfg->address, &addr) || !erx_ipv4_parse(a->cfg->mask, &mask))) {
    snprintf(a->err, a->errlen, "ip address %s %s is not valid", a->cfg->address, a->cfg->mask);
    return -1;
  }
  char alias[DP_NAME_MAX + 8];
  snprintf(alias, sizeof alias, "ipsec:%s", t->name);
  if (t->tun.fd < 0) {
    /* a persistent device left by the previous datapathd is attached to,
     * with its address and routes; a new one is made persistent */
    if (dp_tun_open_offload(&t->tun, t->ifname, a->err, a->errlen) != 0) {
      a->busy = errno == EBUSY; /* still being removed: try again soon */
      return -1;
    }
    if (dp_tun_set_persist(&t->tun, true, a->err, a->errlen) != 0)
      goto fail;
  } else if (dp_tun_set_down(&t->tun, a->err, a->errlen) != 0) {
    /* reconfigured: down and up again drops the old routes */
    goto fail;
  }
  disable_ipv6(t->ifname);
  if (dp_tun_configure(&t->tun, addr, mask, a->cfg->mtu ? a->cfg->mtu : 1500, alias, a->err, a->errlen) != 0)
    goto fail;
  /* routes to the peer's protected addresses; none when the peer is "any" */
  if (t->peer.lo == 0 && t->peer.hi == UINT32_MAX)
    return 0;
  uint32_t nets[MAX_ROUTES], masks[MAX_ROUTES];
  size_t n = dp_range_prefixes(&t->peer, nets, masks, MAX_ROUTES);
  for (size_t i = 0; i < n && i < MAX_ROUTES; i++)
    if (dp_tun_route(&t->tun, nets[i], masks[i], a->err, a->errlen) != 0)
      goto fail;
  return 0;
fail:
  dp_tun_destroy(&t->tun);
  return -1;
}

static void pick_ifname(dp_mgr_t *m, mtun_t *mt)
{
  uint32_t h = 2166136261u; /* FNV-1a of the key: the same name after a restart */
  for (const char *p = mt->t.key; *p; p++)
    h = (h ^ (uint8_t)*p) * 16777619u;
  for (;; h++) {
    snprintf(mt->t.ifname, sizeof mt->t.ifname, "ipsec%08" PRIx32, h);
    if (!erx_strmap_get(m->ifnames, mt->t.ifname))
      break;
  }
  erx_strmap_put(m->ifnames, mt->t.ifname, mt, NULL);
}

/* ---- build and tear down ---- */

/* The SA and its socket reference. */
static void sa_free(dp_mgr_t *m, dp_sa_slot_t *sa)
{
  if (!sa)
    return;
  sock_put(m, sa->sock);
  dp_sa_free(sa->crypto);
  free(sa);
}

typedef enum {
  KEEP_TUN,    /* rebuilt: the interface stays (reconfigured in place) */
  CLOSE_TUN,   /* datapathd stops: the interface persists for the next one */
  DESTROY_TUN, /* the tunnel is gone */
} tun_fate_t;

static void teardown(dp_mgr_t *m, mtun_t *mt, tun_fate_t fate)
{
  dp_tunnel_t *t = &mt->t;
  dp_sa_slot_t *gone[DP_IN_MAX + 1];
  unsigned n = 0;
  dp_table_wrlock(m->tbl);
  dp_table_del_tunnel(m->tbl, t);
  for (unsigned i = 0; i < t->n_in; i++)
    gone[n++] = t->in[i];
  if (t->out)
    gone[n++] = t->out;
  t->n_in = 0;
  t->out = NULL;
  t->up = false;
  dp_table_unlock(m->tbl);
  /* no worker can reach them now */
  for (unsigned i = 0; i < n; i++) {
    if (m->o.on_sa)
      m->o.on_sa(m->o.arg, t, gone[i], true);
    sa_free(m, gone[i]);
  }
  if (fate == CLOSE_TUN)
    dp_tun_close(&t->tun);
  else if (fate == DESTROY_TUN)
    dp_tun_destroy(&t->tun);
}

static dp_sa_slot_t *sa_make(dp_mgr_t *m, dp_tunnel_t *t, const Erx__Cfg__SessionKey *k, bool inbound, char *err,
                             size_t errlen)
{
  const erx_transform_info_t *xf = erx_transform_by_id(k->transform);
  if (!xf) {
    snprintf(err, errlen, "%s manual SA has no transform", inbound ? "inbound" : "outbound");
    return NULL;
  }
  char why[200];
  dp_sa_t *c = dp_sa_new(xf, k->spi, k->enc_key.data, k->enc_key.len, k->auth_key.data, k->auth_key.len, why,
                         sizeof why);
  if (!c) {
    snprintf(err, errlen, "%s manual SA spi %" PRIu32 " (%s): %.120s", inbound ? "inbound" : "outbound", k->spi,
             xf->keyword, why);
    return NULL;
  }
  dp_sa_slot_t *sa = calloc(1, sizeof *sa);
  if (!sa) {
    dp_sa_free(c);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  sa->tunnel = t;
  sa->crypto = c;
  sa->xf = k->transform;
  sa->spi = k->spi;
  sa->inbound = inbound;
  sa->manual = true; /* manual keys cannot be rekeyed: no lifetime (RFC 4301 §4.5) */
  sa->created_ms = mono_ms();
  dp_replay_init(&sa->replay);
  if (!inbound) {
    uint32_t last = dp_seq_store_get(m->seqs, t->key, k->spi);
    uint32_t reserve = last > UINT32_MAX - DP_SEQ_BLOCK ? UINT32_MAX : last + DP_SEQ_BLOCK;
    if (dp_seq_store_set(m->seqs, t->key, k->spi, reserve, why, sizeof why) != 0) {
      snprintf(err, errlen, "cannot reserve outbound sequence numbers: %.140s", why);
      sa_free(m, sa);
      return NULL;
    }
    sa->seq.last = last;
    sa->seq_reserved = reserve;
  }
  return sa;
}

static bool endpoint_addr(const Erx__Cfg__Endpoint *ep, const char *what, uint32_t *a, char *err, size_t errlen)
{
  if (!ep || ep->type == ERX__CFG__ENDPOINT_TYPE__EP_NONE) {
    snprintf(err, errlen, "no tunnel %s", what);
    return false;
  }
  if (ep->type != ERX__CFG__ENDPOINT_TYPE__EP_ADDRESS || !erx_ipv4_parse(ep->value, a)) {
    snprintf(err, errlen, "tunnel %s %s is not an address (a manual tunnel cannot resolve names)", what, ep->value);
    return false;
  }
  return true;
}

static void set_down(mtun_t *mt, bool retry, const char *why)
{
  snprintf(mt->t.reason, sizeof mt->t.reason, "%s", why);
  mt->retry = retry ? RETRY_TICKS : 0;
}

/* Everything the tunnel needs beyond its interface; false with t->reason. */
static bool bring_up(dp_mgr_t *m, mtun_t *mt, const Erx__Cfg__Tunnel *cfg)
{
  dp_tunnel_t *t = &mt->t;
  char err[DP_REASON_MAX];
  if (cfg->n_incomplete > 0) {
    set_down(mt, false, cfg->incomplete[0]);
    return false;
  }
  if (cfg->signaling != ERX__CFG__SIGNALING__SIG_MANUAL) {
    /* iked's SAs (dp_mgr_child_set) make it go up */
    t->manual = false;
    if (cfg->source && cfg->source->type != ERX__CFG__ENDPOINT_TYPE__EP_ADDRESS)
      t->src = 0; /* a name: iked's SAs carry the local endpoint's address */
    else if (!endpoint_addr(cfg->source, "source", &t->src, err, sizeof err)) {
      set_down(mt, false, err);
      return false;
    }
    t->dst = 0;
    if (cfg->destination && cfg->destination->type == ERX__CFG__ENDPOINT_TYPE__EP_ADDRESS)
      erx_ipv4_parse(cfg->destination->value, &t->dst);
    set_down(mt, false, "waiting for IKE negotiation (iked)");
    mt->signaled = true;
    return false;
  }
  t->manual = true;
  if (!cfg->inbound || !cfg->outbound || !cfg->inbound->transform || !cfg->outbound->transform) {
    set_down(mt, false, "manual tunnel without both session keys");
    return false;
  }
  if (!endpoint_addr(cfg->source, "source", &t->src, err, sizeof err) ||
      !endpoint_addr(cfg->destination, "destination", &t->dst, err, sizeof err)) {
    set_down(mt, false, err);
    return false;
  }
  const erx_transform_info_t *xi = erx_transform_by_id(cfg->inbound->transform);
  const erx_transform_info_t *xo = erx_transform_by_id(cfg->outbound->transform);
  if (!xi || !xo || xi->proto != xo->proto) {
    set_down(mt, false, "inbound and outbound manual SAs must both be ESP or both AH");
    return false;
  }
  dp_rawsock_t *s = sock_get(m, t->transport_vr, t->src, xo->proto, err, sizeof err);
  if (!s) {
    char a[ERX_ADDR_STRLEN], msg[DP_REASON_MAX];
    snprintf(msg, sizeof msg, "source %s is not usable in virtual router %s: %.100s", erx_ipv4_format(t->src, a),
             t->transport_vr, err);
    set_down(mt, true, msg);
    return false;
  }
  dp_sa_slot_t *in = sa_make(m, t, cfg->inbound, true, err, sizeof err);
  dp_sa_slot_t *out = in ? sa_make(m, t, cfg->outbound, false, err, sizeof err) : NULL;
  if (!out) {
    sa_free(m, in);
    sock_put(m, s);
    set_down(mt, false, err);
    return false;
  }
  /* one socket, a reference per SA */
  in->sock = s;
  out->sock = s;
  s->refs++;
  const dp_tunnel_t *other = NULL;
  dp_table_wrlock(m->tbl);
  t->in[0] = in;
  t->n_in = 1;
  t->out = out;
  bool ok = dp_table_add_tunnel(m->tbl, t, &other);
  if (ok) {
    t->up = true;
  } else {
    t->n_in = 0;
    t->out = NULL;
  }
  dp_table_unlock(m->tbl);
  if (!ok) {
    char msg[DP_REASON_MAX];
    if (other)
      snprintf(msg, sizeof msg, "inbound SPI %" PRIu32 " is already used by tunnel ipsec:%s", in->spi, other->name);
    else
      snprintf(msg, sizeof msg, "out of memory");
    sa_free(m, in);
    sa_free(m, out);
    set_down(mt, other != NULL, msg);
    return false;
  }
  t->reason[0] = 0;
  mt->retry = 0;
  if (m->o.on_sa) {
    m->o.on_sa(m->o.arg, t, in, false);
    m->o.on_sa(m->o.arg, t, out, false);
  }
  return true;
}

/* ---- SAs negotiated by iked ---- */

typedef struct child {
  uint8_t *bytes; /* packed erx.ike.ChildSa */
  size_t len;
} child_t;

static void child_free(void *p)
{
  child_t *c = p;
  OPENSSL_cleanse(c->bytes, c->len); /* it holds keys */
  free(c->bytes);
  free(c);
}

static void child_log(const dp_tunnel_t *t, const Erx__Ike__ChildSa *cs, const char *what)
{
  LOG_WARN("tunnel ipsec:%s (vr %s) %s spi %" PRIu32 " from iked: %s", t->name, t->vr,
           cs->inbound ? "inbound" : "outbound", cs->spi, what);
}

/* One SA of iked's into a built signaled tunnel; the newest outbound one
 * replaces the previous, inbound ones accumulate (the oldest goes beyond
 * DP_IN_MAX).  An SPI already installed is left as it is: iked never
 * changes an SA, it publishes a new one. */
static void child_install(dp_mgr_t *m, mtun_t *mt, const Erx__Ike__ChildSa *cs)
{
  dp_tunnel_t *t = &mt->t;
  if (!mt->signaled || t->tun.fd < 0)
    return;
  for (unsigned i = 0; cs->inbound && i < t->n_in; i++)
    if (t->in[i]->spi == cs->spi)
      return;
  if (!cs->inbound && t->out && t->out->spi == cs->spi)
    return;
  const erx_transform_info_t *xf = erx_transform_by_id(cs->transform);
  uint32_t dst = t->dst;
  if (!xf) {
    child_log(t, cs, "no transform");
    return;
  }
  bool udp = cs->encap_sport || cs->encap_dport;
  if (udp && (xf->proto != ERX_PROTO_ESP || !cs->encap_sport || !cs->encap_dport || cs->encap_sport > 65535 ||
              cs->encap_dport > 65535)) {
    child_log(t, cs, "UDP encapsulation needs ESP and two ports (RFC 3948)");
    return;
  }
  int proto = udp ? DP_PROTO_UDP : (int)xf->proto;
  if (cs->peer && cs->peer[0] && !erx_ipv4_parse(cs->peer, &dst)) {
    child_log(t, cs, "peer is not an IPv4 address");
    return;
  }
  if (!cs->inbound && !dst) {
    child_log(t, cs, "no peer address (the tunnel destination is a name)");
    return;
  }
  uint32_t src = t->src;
  if (cs->local && cs->local[0] && !erx_ipv4_parse(cs->local, &src)) {
    child_log(t, cs, "local is not an IPv4 address");
    return;
  }
  if (!src) {
    child_log(t, cs, "no local address (the tunnel source is a name)");
    return;
  }
  char err[DP_REASON_MAX];
  dp_rawsock_t *s = sock_get(m, t->transport_vr, src, proto, err, sizeof err);
  if (!s) {
    set_down(mt, true, err);
    return;
  }
  dp_sa_slot_t *sa = calloc(1, sizeof *sa);
  sa->crypto = sa ? dp_sa_new(xf, cs->spi, cs->enc_key.data, cs->enc_key.len, cs->auth_key.data, cs->auth_key.len,
                              err, sizeof err)
                  : NULL;
  if (!sa || !sa->crypto) {
    child_log(t, cs, sa ? err : "out of memory");
    free(sa);
    sock_put(m, s);
    return;
  }
  sa->sock = s;
  sa->tunnel = t;
  sa->xf = cs->transform;
  sa->spi = cs->spi;
  sa->inbound = cs->inbound;
  sa->life = (dp_life_t){.seconds = cs->life_seconds, .kilobytes = cs->life_kilobytes};
  sa->hard_bytes = dp_life_hard_bytes(&sa->life);
  sa->created_ms = mono_ms();
  sa->seq_reserved = UINT32_MAX; /* a negotiated SA starts at 1 and is rekeyed long before the end */
  sa->encap_sport = (uint16_t)cs->encap_sport;
  sa->encap_dport = (uint16_t)cs->encap_dport;
  dp_replay_init(&sa->replay);

  dp_sa_slot_t *retired = NULL;
  const dp_tunnel_t *other = NULL;
  bool ok = true;
  dp_table_wrlock(m->tbl);
  if (cs->inbound) {
    if (t->n_in == DP_IN_MAX) {
      retired = t->in[0];
      dp_table_del_in(m->tbl, retired);
      memmove(t->in, t->in + 1, (DP_IN_MAX - 1) * sizeof t->in[0]);
      t->n_in--;
    }
    ok = dp_table_add_in(m->tbl, sa, &other);
    if (ok)
      t->in[t->n_in++] = sa;
  } else {
    retired = t->out;
    t->out = sa;
    t->dst = dst;
    t->src = src;
  }
  t->up = t->out && t->n_in > 0;
  dp_table_unlock(m->tbl);
  if (retired) {
    if (m->o.on_sa)
      m->o.on_sa(m->o.arg, t, retired, true);
    sa_free(m, retired);
  }
  if (!ok) {
    char msg[DP_REASON_MAX];
    snprintf(msg, sizeof msg, "inbound SPI %" PRIu32 " is already used by tunnel ipsec:%s", cs->spi,
             other ? other->name : "?");
    child_log(t, cs, msg);
    sa_free(m, sa);
    return;
  }
  LOG_INFO("tunnel ipsec:%s (vr %s): %s spi %" PRIu32 " (%s) from iked installed%s", t->name, t->vr,
           cs->inbound ? "inbound" : "outbound", cs->spi, xf->keyword, t->up ? "; up" : "");
  if (t->up)
    t->reason[0] = 0;
  if (m->o.on_sa)
    m->o.on_sa(m->o.arg, t, sa, false);
  if (m->o.on_state)
    m->o.on_state(m->o.arg, t);
}

static void child_remove(dp_mgr_t *m, mtun_t *mt, bool inbound, uint32_t spi)
{
  dp_tunnel_t *t = &mt->t;
  dp_sa_slot_t *gone = NULL;
  dp_table_wrlock(m->tbl);
  if (inbound) {
    for (unsigned i = 0; i < t->n_in; i++)
      if (t->in[i]->spi == spi) {
        gone = t->in[i];
        dp_table_del_in(m->tbl, gone);
        memmove(t->in + i, t->in + i + 1, (t->n_in - i - 1) * sizeof t->in[0]);
        t->n_in--;
        break;
      }
  } else if (t->out && t->out->spi == spi) {
    gone = t->out;
    t->out = NULL;
  }
  bool was_up = t->up;
  t->up = t->out && t->n_in > 0;
  dp_table_unlock(m->tbl);
  if (!gone)
    return;
  if (m->o.on_sa)
    m->o.on_sa(m->o.arg, t, gone, true);
  sa_free(m, gone);
  if (was_up && !t->up) {
    set_down(mt, false, "waiting for IKE negotiation (iked)");
    LOG_INFO("tunnel ipsec:%s (vr %s): down: its SAs were deleted", t->name, t->vr);
  }
  if (m->o.on_state)
    m->o.on_state(m->o.arg, t);
}

/* "sa/<vr>/<tunnel>/<in|out>/<spi>" -> the tunnel key, direction, SPI */
static bool child_key(const char *key, char *tkey, size_t cap, bool *inbound, uint32_t *spi)
{
  if (strncmp(key, "sa/", 3) != 0)
    return false;
  const char *last = strrchr(key, '/');
  if (!last || last <= key + 3)
    return false;
  const char *dir = last - 1;
  while (dir > key + 3 && *dir != '/')
    dir--;
  if (*dir != '/' || dir <= key + 3)
    return false;
  char *end;
  unsigned long v = strtoul(last + 1, &end, 10);
  if (*end || v > UINT32_MAX || (size_t)(dir - (key + 3)) >= cap)
    return false;
  if (strncmp(dir + 1, "in/", 3) == 0)
    *inbound = true;
  else if (strncmp(dir + 1, "out/", 4) == 0)
    *inbound = false;
  else
    return false;
  snprintf(tkey, cap, "%.*s", (int)(dir - (key + 3)), key + 3);
  *spi = (uint32_t)v;
  return true;
}

void dp_mgr_child_set(dp_mgr_t *m, const char *key, const Erx__Ike__ChildSa *cs)
{
  child_t *c = calloc(1, sizeof *c);
  if (!c)
    return;
  c->len = protobuf_c_message_get_packed_size(&cs->base);
  c->bytes = malloc(c->len ? c->len : 1);
  if (!c->bytes) {
    free(c);
    return;
  }
  protobuf_c_message_pack(&cs->base, c->bytes);
  void *old = NULL;
  if (erx_strmap_put(m->child, key, c, &old) != 0) {
    child_free(c);
    return;
  }
  if (old)
    child_free(old);
  char tkey[DP_KEY_MAX];
  snprintf(tkey, sizeof tkey, "%s/%s", cs->vr && cs->vr[0] ? cs->vr : "default", cs->tunnel);
  mtun_t *mt = erx_strmap_get(m->tunnels, tkey);
  if (mt)
    child_install(m, mt, cs);
}

void dp_mgr_child_del(dp_mgr_t *m, const char *key)
{
  void *c = erx_strmap_del(m->child, key);
  if (c)
    child_free(c);
  char tkey[DP_KEY_MAX];
  bool inbound;
  uint32_t spi;
  if (!child_key(key, tkey, sizeof tkey, &inbound, &spi))
    return;
  mtun_t *mt = erx_strmap_get(m->tunnels, tkey);
  if (mt)
    child_remove(m, mt, inbound, spi);
}

/* A signaled tunnel just built takes the SAs iked already published. */
static void child_install_all(dp_mgr_t *m, mtun_t *mt)
{
  size_t n;
  const char **keys = erx_strmap_sorted_keys(m->child, &n);
  char prefix[DP_KEY_MAX + 8];
  int plen = snprintf(prefix, sizeof prefix, "sa/%s/", mt->t.key);
  for (size_t i = 0; keys && i < n; i++) {
    if (strncmp(keys[i], prefix, (size_t)plen) != 0)
      continue;
    const child_t *c = erx_strmap_get(m->child, keys[i]);
    Erx__Ike__ChildSa *cs = erx__ike__child_sa__unpack(NULL, c->len, c->bytes);
    if (cs) {
      child_install(m, mt, cs);
      erx__ike__child_sa__free_unpacked(cs, NULL);
    }
  }
  free(keys);
}

static void build(dp_mgr_t *m, mtun_t *mt)
{
  dp_tunnel_t *t = &mt->t;
  teardown(m, mt, KEEP_TUN);
  Erx__Cfg__Tunnel *cfg = erx__cfg__tunnel__unpack(NULL, mt->cfg_len, mt->cfg);
  char err[DP_REASON_MAX];
  if (!cfg) {
    set_down(mt, false, "configuration message could not be decoded");
    goto out;
  }
  snprintf(t->transport_vr, sizeof t->transport_vr, "%s", cfg->transport_vr[0] ? cfg->transport_vr : "default");
  if (!dp_range_from_identity(cfg->local_identity, &t->local, err, sizeof err) ||
      !dp_range_from_identity(cfg->peer_identity, &t->peer, err, sizeof err)) {
    set_down(mt, false, err);
    goto out;
  }
  if (ensure_ns(m, t->vr, err, sizeof err) != 0) {
    set_down(mt, true, err);
    goto out;
  }
  char buf[96];
  tun_open_t a = {mt, cfg, err, sizeof err, false};
  if (dp_netns_run(ns_of(m, t->vr, buf, sizeof buf), tun_in_ns, &a, err, sizeof err) != 0) {
    char msg[DP_REASON_MAX];
    snprintf(msg, sizeof msg, "interface %s: %.150s", t->ifname, err);
    set_down(mt, true, msg);
    if (a.busy)
      mt->retry = 1;
    goto out;
  }
  mt->signaled = false;
  if (!bring_up(m, mt, cfg)) {
    /* the interface exists and counts what is routed into it */
    const dp_tunnel_t *other;
    dp_table_wrlock(m->tbl);
    dp_table_add_tunnel(m->tbl, t, &other);
    dp_table_unlock(m->tbl);
    if (mt->signaled)
      child_install_all(m, mt);
  }
out:
  if (t->up)
    LOG_INFO("tunnel ipsec:%s (vr %s): up on %s, inbound spi %" PRIu32 ", outbound spi %" PRIu32, t->name, t->vr,
             t->ifname, t->in[t->n_in - 1]->spi, t->out->spi);
  else
    LOG_INFO("tunnel ipsec:%s (vr %s): down: %s", t->name, t->vr, t->reason);
  if (cfg)
    erx__cfg__tunnel__free_unpacked(cfg, NULL);
  if (m->o.on_state)
    m->o.on_state(m->o.arg, t);
}

void dp_mgr_set(dp_mgr_t *m, const Erx__Cfg__Tunnel *cfg)
{
  char key[DP_KEY_MAX];
  const char *vr = cfg->vr && cfg->vr[0] ? cfg->vr : "default";
  if (strlen(vr) >= DP_VR_MAX || strlen(cfg->name) >= DP_NAME_MAX) {
    LOG_WARN("tunnel %s/%s: name too long for the data path; ignored", vr, cfg->name);
    return;
  }
  snprintf(key, sizeof key, "%s/%s", vr, cfg->name);
  size_t len = protobuf_c_message_get_packed_size(&cfg->base);
  uint8_t *packed = malloc(len ? len : 1);
  if (!packed)
    return;
  protobuf_c_message_pack(&cfg->base, packed);
  mtun_t *mt = erx_strmap_get(m->tunnels, key);
  if (mt && mt->cfg_len == len && memcmp(mt->cfg, packed, len) == 0) {
    free(packed);
    return;
  }
  if (!mt) {
    mt = calloc(1, sizeof *mt);
    if (!mt || erx_strmap_put(m->tunnels, key, mt, NULL) != 0) {
      free(mt);
      free(packed);
      return;
    }
    snprintf(mt->t.vr, sizeof mt->t.vr, "%s", vr);
    snprintf(mt->t.name, sizeof mt->t.name, "%s", cfg->name);
    snprintf(mt->t.key, sizeof mt->t.key, "%s", key);
    mt->t.tun.fd = -1;
    pick_ifname(m, mt);
  }
  free(mt->cfg);
  mt->cfg = packed;
  mt->cfg_len = len;
  build(m, mt);
}

void dp_mgr_del(dp_mgr_t *m, const char *vr, const char *name)
{
  char key[DP_KEY_MAX];
  snprintf(key, sizeof key, "%s/%s", vr && vr[0] ? vr : "default", name);
  mtun_t *mt = erx_strmap_del(m->tunnels, key);
  if (!mt)
    return;
  teardown(m, mt, DESTROY_TUN); /* fd ioctls: no need to be in its namespace */
  char err[200];
  if (dp_seq_store_drop(m->seqs, mt->t.key, err, sizeof err) != 0)
    LOG_WARN("tunnel ipsec:%s: its sequence reservations stay on disk: %s", mt->t.name, err);
  erx_strmap_del(m->ifnames, mt->t.ifname);
  LOG_INFO("tunnel ipsec:%s (vr %s): removed", mt->t.name, mt->t.vr);
  free(mt->cfg);
  free(mt);
}

/* ---- interfaces left by an earlier datapathd for tunnels now gone ---- */

typedef struct sweep {
  dp_mgr_t *m;
  unsigned removed;
} sweep_t;

static bool ours(const char *name)
{
  if (strncmp(name, "ipsec", 5) != 0 || strlen(name) != 13)
    return false;
  for (const char *p = name + 5; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}

static int sweep_in_ns(void *arg)
{
  sweep_t *sw = arg;
  struct if_nameindex *ifs = if_nameindex();
  if (!ifs)
    return 0;
  for (struct if_nameindex *i = ifs; i->if_index; i++) {
    if (!ours(i->if_name) || erx_strmap_get(sw->m->ifnames, i->if_name))
      continue;
    dp_tun_t tun;
    char err[160];
    if (dp_tun_open_offload(&tun, i->if_name, err, sizeof err) != 0)
      continue;
    dp_tun_destroy(&tun);
    sw->removed++;
  }
  if_freenameindex(ifs);
  return 0;
}

void dp_mgr_sweep(dp_mgr_t *m)
{
  erx_strmap_t *vrs = erx_strmap_new();
  if (!vrs)
    return;
  erx_strmap_put(vrs, "default", m, NULL);
  erx_strmap_iter_t it = ERX_STRMAP_ITER_INIT;
  void *v;
  while (erx_strmap_next(m->tunnels, &it, NULL, &v))
    erx_strmap_put(vrs, ((mtun_t *)v)->t.vr, m, NULL);
  sweep_t sw = {m, 0};
  it = (erx_strmap_iter_t)ERX_STRMAP_ITER_INIT;
  const char *vr;
  while (erx_strmap_next(vrs, &it, &vr, &v)) {
    char buf[96], err[160];
    if (dp_netns_run(ns_of(m, vr, buf, sizeof buf), sweep_in_ns, &sw, err, sizeof err) < 0)
      LOG_WARN("virtual router %s: cannot look for stale interfaces: %s", vr, err);
  }
  erx_strmap_destroy(&vrs, NULL);
  if (sw.removed)
    LOG_NOTICE("removed %u interface(s) of tunnels no longer configured", sw.removed);
}

/* ---- periodic work ---- */

static void extend_reservation(dp_mgr_t *m, dp_tunnel_t *t, dp_sa_slot_t *sa)
{
  uint32_t last = DP_GET(sa->seq.last);
  uint32_t reserved = __atomic_load_n(&sa->seq_reserved, __ATOMIC_ACQUIRE);
  if (reserved == UINT32_MAX || last < reserved - DP_SEQ_BLOCK / 2)
    return;
  uint32_t next = reserved > UINT32_MAX - DP_SEQ_BLOCK ? UINT32_MAX : reserved + DP_SEQ_BLOCK;
  char err[160];
  if (dp_seq_store_set(m->seqs, t->key, sa->spi, next, err, sizeof err) != 0) {
    LOG_ERR("tunnel ipsec:%s spi %" PRIu32 ": cannot extend the sequence reservation: %s", t->name, sa->spi, err);
    return;
  }
  __atomic_store_n(&sa->seq_reserved, next, __ATOMIC_RELEASE);
}

static void age(dp_mgr_t *m, dp_tunnel_t *t, dp_sa_slot_t *sa, int64_t now)
{
  int cur = DP_GET(sa->life_state);
  Erx__Dp__SaLife next = dp_life_eval(&sa->life, (Erx__Dp__SaLife)cur, (uint64_t)(now - sa->created_ms) / 1000,
                                      DP_GET(sa->bytes));
  if ((int)next == cur)
    return;
  DP_SET(sa->life_state, (int)next);
  LOG_NOTICE("tunnel ipsec:%s %s spi %" PRIu32 ": %s", t->name, sa->inbound ? "inbound" : "outbound", sa->spi,
             next == ERX__DP__SA_LIFE__SA_HARD_EXPIRED ? "hard lifetime expired" : "soft lifetime expired");
  if (m->o.on_sa)
    m->o.on_sa(m->o.arg, t, sa, false);
}

void dp_mgr_tick(dp_mgr_t *m)
{
  int64_t now = mono_ms();
  size_t n;
  const char **keys = erx_strmap_sorted_keys(m->tunnels, &n);
  for (size_t i = 0; keys && i < n; i++) {
    mtun_t *mt = erx_strmap_get(m->tunnels, keys[i]);
    if (mt->t.out)
      extend_reservation(m, &mt->t, mt->t.out);
    for (unsigned k = 0; k < mt->t.n_in; k++)
      age(m, &mt->t, mt->t.in[k], now);
    if (mt->t.out)
      age(m, &mt->t, mt->t.out, now);
    if (mt->retry && --mt->retry == 0)
      build(m, mt);
  }
  free(keys);
}

void dp_mgr_foreach(const dp_mgr_t *m, const char *vr, const char *name, void (*fn)(void *arg, const dp_tunnel_t *t),
                    void *arg)
{
  size_t n;
  const char **keys = erx_strmap_sorted_keys(m->tunnels, &n);
  for (size_t i = 0; keys && i < n; i++) {
    const mtun_t *mt = erx_strmap_get(m->tunnels, keys[i]);
    if ((vr && vr[0] && strcmp(vr, mt->t.vr) != 0) || (name && name[0] && strcmp(name, mt->t.name) != 0))
      continue;
    fn(arg, &mt->t);
  }
  free(keys);
}

uint64_t dp_mgr_unknown_spi(const dp_mgr_t *m)
{
  uint64_t sum = 0;
  erx_strmap_iter_t it = ERX_STRMAP_ITER_INIT;
  void *v;
  while (erx_strmap_next(m->socks, &it, NULL, &v))
    sum += DP_GET(((dp_rawsock_t *)v)->unknown_spi);
  return sum;
}

size_t dp_mgr_count(const dp_mgr_t *m) { return erx_strmap_count(m->tunnels); }

static void free_mtun(void *p)
{
  mtun_t *mt = p;
  free(mt->cfg);
  free(mt);
}

void dp_mgr_destroy(dp_mgr_t **m_p)
{
  dp_mgr_t *m = *m_p;
  if (!m)
    return;
  if (m->tunnels) {
    erx_strmap_iter_t it = ERX_STRMAP_ITER_INIT;
    void *v;
    while (erx_strmap_next(m->tunnels, &it, NULL, &v))
      teardown(m, v, CLOSE_TUN);
  }
  erx_strmap_destroy(&m->tunnels, free_mtun);
  erx_strmap_destroy(&m->socks, NULL);
  erx_strmap_destroy(&m->ifnames, NULL);
  erx_strmap_destroy(&m->child, child_free);
  dp_seq_store_close(&m->seqs);
  free(m);
  *m_p = NULL;
}
