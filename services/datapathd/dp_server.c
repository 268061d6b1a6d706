#include "dp_server.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clone_pub.h"
#include "clone_sub.h"
#include "config.pb-c.h"
#include "ctl.h"
#include "datapath.pb-c.h"
#include "dp_mgr.h"
#include "endpoints.h"
#include "ike.pb-c.h"
#include "log.h"
#include "strmap.h"

/* Tunnels built per loop pass: 5,000 of them at start-up must not keep the
 * loop from answering Ping and configd's snapshot for seconds. */
#define BUILD_PER_PASS 32
#define TICK_MS 250
/* Without configd, start anyway after this (erx-router waits for Pong). */
#define START_WAIT_MS 8000

typedef struct pending {
  bool del;
  uint8_t *cfg;
  size_t len;
} pending_t;

struct dp_server {
  dp_table_t *tbl;
  dp_mgr_t *mgr;
  erx_clone_pub_t *pub;
  erx_clone_sub_t *cfg;
  erx_clone_sub_t *ike; /* iked's negotiated SAs */
  erx_ctl_t *ctl;
  erx_strmap_t *pending; /* "vr/name" -> pending_t: configd's latest word per tunnel */
  struct event *ev_work, *ev_tick, *ev_start;
  bool synced_once;
  bool swept; /* stale interfaces removed after the first build */
};

static void free_pending(void *p)
{
  pending_t *pe = p;
  free(pe->cfg);
  free(pe);
}

/* ---- publication ---- */

static void publish_state(void *arg, const dp_tunnel_t *t)
{
  dp_server_t *s = arg;
  Erx__Dp__TunnelState st = ERX__DP__TUNNEL_STATE__INIT;
  st.vr = (char *)t->vr;
  st.name = (char *)t->name;
  st.up = t->up;
  st.reason = (char *)t->reason;
  st.ifname = t->tun.fd >= 0 ? (char *)t->ifname : "";
  char key[DP_KEY_MAX + 8];
  snprintf(key, sizeof key, "tunnel/%s", t->key);
  erx_clone_pub_set(s->pub, "dp.tunnel", key, &st.base);
}

static void publish_sa(void *arg, const dp_tunnel_t *t, const dp_sa_slot_t *sa, bool gone)
{
  dp_server_t *s = arg;
  char key[DP_KEY_MAX + 32];
  snprintf(key, sizeof key, "sa/%s/%s/%" PRIu32, t->key, sa->inbound ? "in" : "out", sa->spi);
  if (gone) {
    erx_clone_pub_del(s->pub, key);
    return;
  }
  Erx__Dp__SaEvent ev = ERX__DP__SA_EVENT__INIT;
  ev.vr = (char *)t->vr;
  ev.tunnel = (char *)t->name;
  ev.inbound = sa->inbound;
  ev.spi = sa->spi;
  ev.transform = sa->xf;
  ev.life = (Erx__Dp__SaLife)DP_GET(sa->life_state);
  ev.manual = sa->manual;
  erx_clone_pub_set(s->pub, "dp.sa", key, &ev.base);
}

/* ---- configd's tunnels ---- */

/* Through a zero timeout, not event_active: libevent runs events activated
 * while it runs active events in the same pass, and the loop would not look
 * at its sockets (Ping, snapshots) until every tunnel is built. */
static void schedule_work(dp_server_t *s)
{
  static const struct timeval now = {0, 0};
  if (!evtimer_pending(s->ev_work, NULL))
    evtimer_add(s->ev_work, &now);
}

static void queue(dp_server_t *s, const char *key, pending_t *pe)
{
  void *old = NULL;
  if (erx_strmap_put(s->pending, key, pe, &old) != 0) {
    free_pending(pe);
    return;
  }
  if (old)
    free_pending(old);
  schedule_work(s);
}

static void on_cfg_set(void *arg, const char *topic, const char *key, const ProtobufCMessage *body)
{
  dp_server_t *s = arg;
  if (strcmp(topic, "cfg.tunnel") != 0 || body->descriptor != &erx__cfg__tunnel__descriptor)
    return;
  pending_t *pe = calloc(1, sizeof *pe);
  if (!pe)
    return;
  pe->len = protobuf_c_message_get_packed_size(body);
  pe->cfg = malloc(pe->len ? pe->len : 1);
  if (!pe->cfg) {
    free(pe);
    return;
  }
  protobuf_c_message_pack(body, pe->cfg);
  queue(s, key, pe);
}

static void on_cfg_del(void *arg, const char *topic, const char *key)
{
  dp_server_t *s = arg;
  if (strncmp(key, "tunnel/", 7) != 0)
    return;
  pending_t *pe = calloc(1, sizeof *pe);
  if (!pe)
    return;
  pe->del = true;
  queue(s, key, pe);
}

/* Ready once configd's configuration is here; the interfaces are built in
 * the background (5,000 take seconds, and nobody should wait on that to
 * talk to the router). */
/* ---- iked's SAs ---- */

static void on_ike_set(void *arg, const char *topic, const char *key, const ProtobufCMessage *body)
{
  dp_server_t *s = arg;
  if (strcmp(topic, "ike.sa") == 0 && body->descriptor == &erx__ike__child_sa__descriptor)
    dp_mgr_child_set(s->mgr, key, (const Erx__Ike__ChildSa *)body);
}

static void on_ike_del(void *arg, const char *topic, const char *key)
{
  dp_server_t *s = arg;
  dp_mgr_child_del(s->mgr, key);
}

static void maybe_ready(dp_server_t *s)
{
  if (s->synced_once) {
    erx_ctl_set_starting(s->ctl, false);
    if (s->ev_start)
      event_del(s->ev_start);
  }
}

static void sweep_once(dp_server_t *s)
{
  if (s->synced_once && !s->swept && erx_strmap_count(s->pending) == 0) {
    s->swept = true;
    dp_mgr_sweep(s->mgr);
  }
}

static void on_cfg_sync(void *arg, bool synced)
{
  dp_server_t *s = arg;
  if (synced && !s->synced_once) {
    s->synced_once = true;
    LOG_INFO("configd's configuration received: %zu tunnel(s) to build", erx_strmap_count(s->pending));
  }
  maybe_ready(s);
  sweep_once(s);
}

static void apply(dp_server_t *s, const char *key, const pending_t *pe)
{
  /* key "tunnel/<vr>/<name>" */
  const char *vr = key + 7, *slash = strchr(vr, '/');
  if (!slash)
    return;
  if (pe->del) {
    char vrname[DP_VR_MAX];
    snprintf(vrname, sizeof vrname, "%.*s", (int)(slash - vr), vr);
    dp_mgr_del(s->mgr, vrname, slash + 1);
    char skey[DP_KEY_MAX + 8];
    snprintf(skey, sizeof skey, "tunnel/%s/%s", vrname, slash + 1);
    erx_clone_pub_del(s->pub, skey);
    return;
  }
  Erx__Cfg__Tunnel *cfg = erx__cfg__tunnel__unpack(NULL, pe->len, pe->cfg);
  if (!cfg) {
    LOG_WARN("%s: configd's message does not decode; ignored", key);
    return;
  }
  dp_mgr_set(s->mgr, cfg);
  erx__cfg__tunnel__free_unpacked(cfg, NULL);
}

static void on_work(evutil_socket_t fd, short what, void *arg)
{
  dp_server_t *s = arg;
  size_t n;
  const char **keys = erx_strmap_sorted_keys(s->pending, &n);
  if (!keys)
    return;
  size_t todo = n < BUILD_PER_PASS ? n : BUILD_PER_PASS;
  char key[DP_KEY_MAX + 8];
  for (size_t i = 0; i < todo; i++) {
    snprintf(key, sizeof key, "%s", keys[i]);
    pending_t *pe = erx_strmap_get(s->pending, key);
    apply(s, key, pe);
  }
  for (size_t i = 0; i < todo; i++) {
    /* keys[] points into the map: copy before deleting */
    snprintf(key, sizeof key, "%s", keys[i]);
    keys[i] = NULL;
    free_pending(erx_strmap_del(s->pending, key));
  }
  free(keys);
  if (erx_strmap_count(s->pending) > 0) {
    schedule_work(s);
  } else {
    maybe_ready(s);
    sweep_once(s);
  }
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
  dp_server_t *s = arg;
  dp_mgr_tick(s->mgr);
}

static void on_start_wait(evutil_socket_t fd, short what, void *arg)
{
  dp_server_t *s = arg;
  LOG_WARN("no configuration from configd after %d ms: ready with %zu tunnel(s)", START_WAIT_MS, dp_mgr_count(s->mgr));
  erx_ctl_set_starting(s->ctl, false);
}

/* ---- counters on request ---- */

typedef struct stats {
  Erx__Dp__TunnelCounters **tunnels;
  Erx__Dp__SaInfo **sas;
  size_t nt, ns, cap_t, cap_s;
  int64_t now_ms;
} stats_t;

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends a zeroed message of size bytes to the pointer array *arr (n used,
 * *cap allocated); NULL when out of memory. */
static void *push(void ***arr, size_t *n, size_t *cap, size_t size)
{
  if (*n == *cap) {
    size_t c = *cap ? *cap * 2 : 16;
    void **grown = realloc(*arr, c * sizeof *grown);
    if (!grown)
      return NULL;
    *arr = grown;
    *cap = c;
  }
  void *m = calloc(1, size);
  if (m)
    (*arr)[(*n)++] = m;
  return m;
}

static void add_sa(stats_t *st, const dp_tunnel_t *t, const dp_sa_slot_t *sa)
{
  Erx__Dp__SaInfo *i = sa ? push((void ***)&st->sas, &st->ns, &st->cap_s, sizeof *i) : NULL;
  if (!i)
    return;
  erx__dp__sa_info__init(i);
  i->vr = (char *)t->vr;
  i->tunnel = (char *)t->name;
  i->inbound = sa->inbound;
  i->spi = sa->spi;
  i->transform = sa->xf;
  i->manual = sa->manual;
  i->packets = DP_GET(sa->packets);
  i->bytes = DP_GET(sa->bytes);
  i->age_s = (uint32_t)((st->now_ms - sa->created_ms) / 1000);
  i->life_s = sa->life.seconds;
  i->life_kb = sa->life.kilobytes;
  i->life = (Erx__Dp__SaLife)DP_GET(sa->life_state);
  i->replay_errors = DP_GET(sa->replay_err);
  i->auth_errors = DP_GET(sa->auth_err);
  i->last_activity_ms = DP_GET(sa->last_ms);
  i->seq = sa->inbound ? DP_GET(sa->replay.top) : DP_GET(sa->seq.last);
}

static void add_tunnel(void *arg, const dp_tunnel_t *t)
{
  stats_t *st = arg;
  Erx__Dp__TunnelCounters *c = push((void ***)&st->tunnels, &st->nt, &st->cap_t, sizeof *c);
  if (!c)
    return;
  erx__dp__tunnel_counters__init(c);
  c->vr = (char *)t->vr;
  c->name = (char *)t->name;
  c->in_user_packets = DP_GET(t->cin.user_pkts);
  c->in_user_octets = DP_GET(t->cin.user_octets);
  c->in_accepted_packets = DP_GET(t->cin.acc_pkts);
  c->in_accepted_octets = DP_GET(t->cin.acc_octets);
  c->in_auth_errors = DP_GET(t->cin.drop[DP_DROP_AUTH]);
  c->in_replay_errors = DP_GET(t->cin.drop[DP_DROP_REPLAY]);
  c->in_policy_errors = DP_GET(t->cin.drop[DP_DROP_POLICY]);
  c->in_decrypt_errors = DP_GET(t->cin.drop[DP_DROP_DECRYPT]);
  c->in_pad_errors = DP_GET(t->cin.drop[DP_DROP_PAD]);
  c->in_other_errors = DP_GET(t->cin.drop[DP_DROP_OTHER]);
  c->out_user_packets = DP_GET(t->cout.user_pkts);
  c->out_user_octets = DP_GET(t->cout.user_octets);
  c->out_accepted_packets = DP_GET(t->cout.acc_pkts);
  c->out_accepted_octets = DP_GET(t->cout.acc_octets);
  c->out_policy_errors = DP_GET(t->cout.policy);
  c->out_other_errors = DP_GET(t->cout.other);
  c->up = t->up;
  c->reason = (char *)t->reason;
  c->ifname = t->tun.fd >= 0 ? (char *)t->ifname : "";
  for (unsigned i = 0; i < t->n_in; i++)
    add_sa(st, t, t->in[i]);
  add_sa(st, t, t->out);
}

static void on_request(void *arg, erx_ctl_req_t *req, const ProtobufCMessage *body)
{
  dp_server_t *s = arg;
  if (body->descriptor != &erx__dp__stats_request__descriptor) {
    char why[160];
    snprintf(why, sizeof why, "datapathd: unsupported request %s", body->descriptor->name);
    erx_ctl_reply_error(s->ctl, req, why);
    return;
  }
  const Erx__Dp__StatsRequest *rq = (const Erx__Dp__StatsRequest *)body;
  stats_t st = {.now_ms = mono_ms()};
  dp_mgr_foreach(s->mgr, rq->vr, rq->name, add_tunnel, &st);
  Erx__Dp__StatsReply rep = ERX__DP__STATS_REPLY__INIT;
  rep.tunnels = st.tunnels;
  rep.n_tunnels = st.nt;
  rep.sas = st.sas;
  rep.n_sas = st.ns;
  rep.unknown_spi_packets = dp_mgr_unknown_spi(s->mgr);
  erx_ctl_reply(s->ctl, req, &rep.base);
  for (size_t i = 0; i < st.nt; i++)
    free(st.tunnels[i]);
  for (size_t i = 0; i < st.ns; i++)
    free(st.sas[i]);
  free(st.tunnels);
  free(st.sas);
}

/* ---- life cycle ---- */

dp_server_t *dp_server_new(erx_bus_t *bus, dp_table_t *tbl, const dp_server_opts_t *opts)
{
  dp_server_t *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->tbl = tbl;
  if (mkdir(opts->state_dir, 0700) != 0 && errno != EEXIST) {
    LOG_ERR("cannot create the state directory %s: %s", opts->state_dir, strerror(errno));
    goto fail;
  }
  char err[256] = "";
  dp_mgr_opts_t mo = {.state_dir = opts->state_dir,
                      .netns_prefix = opts->netns_prefix,
                      .on_state = publish_state,
                      .on_sa = publish_sa,
                      .arg = s};
  s->mgr = dp_mgr_new(tbl, &mo, err, sizeof err);
  s->pending = erx_strmap_new();
  struct event_base *base = erx_bus_base(bus);
  s->ev_work = evtimer_new(base, on_work, s);
  s->ev_tick = event_new(base, -1, EV_PERSIST, on_tick, s);
  s->ev_start = evtimer_new(base, on_start_wait, s);
  if (!s->mgr || !s->pending || !s->ev_work || !s->ev_tick || !s->ev_start)
    goto fail;
  char pub_ep[256], snap_ep[256], ctl_ep[256], cfg_pub[256], cfg_snap[256], ike_pub[256], ike_snap[256];
  if (erx_endpoint(ERX_SVC_DATAPATHD, ERX_SOCK_PUB, true, pub_ep, sizeof pub_ep) ||
      erx_endpoint(ERX_SVC_DATAPATHD, ERX_SOCK_SNAP, true, snap_ep, sizeof snap_ep) ||
      erx_endpoint(ERX_SVC_DATAPATHD, ERX_SOCK_CTL, true, ctl_ep, sizeof ctl_ep) ||
      erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_PUB, false, cfg_pub, sizeof cfg_pub) ||
      erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_SNAP, false, cfg_snap, sizeof cfg_snap) ||
      erx_endpoint(ERX_SVC_IKED, ERX_SOCK_PUB, false, ike_pub, sizeof ike_pub) ||
      erx_endpoint(ERX_SVC_IKED, ERX_SOCK_SNAP, false, ike_snap, sizeof ike_snap)) {
    LOG_ERR("endpoint names too long");
    goto fail;
  }
  s->pub = erx_clone_pub_new(bus, "dp", pub_ep, snap_ep);
  s->ctl = s->pub ? erx_ctl_new(bus, ctl_ep, "datapathd", on_request, s) : NULL;
  if (!s->ctl)
    goto fail;
  erx_ctl_set_starting(s->ctl, true);
  static const erx_clone_sub_cbs_t cbs = {.on_set = on_cfg_set, .on_del = on_cfg_del, .on_sync = on_cfg_sync};
  s->cfg = erx_clone_sub_new(bus, "cfg", cfg_pub, cfg_snap, "cfg.tunnel", &cbs, s);
  /* iked need not run: until it answers, the subscriber just keeps asking */
  static const erx_clone_sub_cbs_t ike_cbs = {.on_set = on_ike_set, .on_del = on_ike_del};
  s->ike = s->cfg ? erx_clone_sub_new(bus, "ike", ike_pub, ike_snap, "ike.sa", &ike_cbs, s) : NULL;
  if (!s->ike)
    goto fail;
  struct timeval tick = {0, TICK_MS * 1000}, wait = {START_WAIT_MS / 1000, (START_WAIT_MS % 1000) * 1000};
  event_add(s->ev_tick, &tick);
  event_add(s->ev_start, &wait);
  LOG_INFO("building configd's tunnels from %s; publishing on %s; counters on %s", cfg_pub, pub_ep, ctl_ep);
  return s;
fail:
  LOG_ERR("datapathd could not start");
  dp_server_destroy(&s);
  return NULL;
}

void dp_server_destroy(dp_server_t **s_p)
{
  dp_server_t *s = *s_p;
  if (!s)
    return;
  erx_clone_sub_destroy(&s->ike);
  erx_clone_sub_destroy(&s->cfg);
  erx_ctl_destroy(&s->ctl);
  dp_mgr_destroy(&s->mgr);
  erx_clone_pub_destroy(&s->pub);
  erx_strmap_destroy(&s->pending, free_pending);
  if (s->ev_work)
    event_free(s->ev_work);
  if (s->ev_tick)
    event_free(s->ev_tick);
  if (s->ev_start)
    event_free(s->ev_start);
  free(s);
  *s_p = NULL;
}
