#include "iked_server.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "addr.h"
#include "clone_pub.h"
#include "clone_sub.h"
#include "ctl.h"
#include "endpoints.h"
#include "ike.pb-c.h"
#include "iked_dp_watch.h"
#include "iked_peer.h"
#include "log.h"
#include "strmap.h"

#define TICK_MS 250
/* changes that arrive together (a batch of CLI lines) are taken together */
#define SOON_MS 10

struct iked_server {
  erx_bus_t *bus;
  erx_clone_pub_t *pub;
  erx_clone_sub_t *cfg;
  erx_ctl_t *ctl;
  erx_strmap_t *mirror; /* configd's Clone key -> unpacked copy */
  iked_peer_t *peer;
  iked_dp_watch_t *dpw; /* datapathd's soft-expiry events start rekeys */
  struct event *ev_tick;
  struct event *ev_soon; /* a configuration change is acted on within SOON_MS, not at the next tick */
  bool synced, dirty;
  char netns_prefix[64];
};

/* ---- configd's configuration ---- */

static void mark_dirty(iked_server_t *s)
{
  s->dirty = true;
  struct timeval soon = {0, SOON_MS * 1000};
  if (s->ev_soon && !evtimer_pending(s->ev_soon, NULL))
    evtimer_add(s->ev_soon, &soon);
}

static void free_msg(void *p)
{
  ProtobufCMessage *m = p;
  if (!m)
    return;
  if (m->descriptor == &erx__cfg__pre_shared_key__descriptor) {
    Erx__Cfg__PreSharedKey *k = (Erx__Cfg__PreSharedKey *)m;
    if (k->secret.data)
      OPENSSL_cleanse(k->secret.data, k->secret.len);
  }
  protobuf_c_message_free_unpacked(m, NULL);
}

static void on_cfg_set(void *arg, const char *topic, const char *key, const ProtobufCMessage *body)
{
  iked_server_t *s = arg;
  size_t len = protobuf_c_message_get_packed_size(body);
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf)
    return;
  protobuf_c_message_pack(body, buf);
  ProtobufCMessage *copy = protobuf_c_message_unpack(body->descriptor, NULL, len, buf);
  OPENSSL_cleanse(buf, len);
  free(buf);
  void *old = NULL;
  if (!copy || erx_strmap_put(s->mirror, key, copy, &old) != 0) {
    free_msg(copy);
    return;
  }
  free_msg(old);
  mark_dirty(s);
}

static void on_cfg_del(void *arg, const char *topic, const char *key)
{
  iked_server_t *s = arg;
  free_msg(erx_strmap_del(s->mirror, key));
  mark_dirty(s);
}

static void on_cfg_sync(void *arg, bool synced)
{
  iked_server_t *s = arg;
  if (synced && !s->synced)
    LOG_INFO("configd's configuration received (%zu objects)", erx_strmap_count(s->mirror));
  s->synced = synced || s->synced;
  mark_dirty(s);
}

const ProtobufCMessage *iked_cfg_get(const iked_server_t *s, const char *key)
{
  return erx_strmap_get(s->mirror, key);
}

void iked_cfg_foreach_tunnel(const iked_server_t *s, void (*fn)(void *arg, const Erx__Cfg__Tunnel *t), void *arg)
{
  erx_strmap_iter_t it = ERX_STRMAP_ITER_INIT;
  const char *key;
  void *val;
  while (erx_strmap_next(s->mirror, &it, &key, &val)) {
    const ProtobufCMessage *m = val;
    if (strncmp(key, "tunnel/", 7) == 0 && m->descriptor == &erx__cfg__tunnel__descriptor)
      fn(arg, (const Erx__Cfg__Tunnel *)m);
  }
}

size_t iked_cfg_rules(const iked_server_t *s, ike_mm_proposal_t *out, size_t cap)
{
  size_t n = 0, nkeys;
  const char **keys = erx_strmap_sorted_keys(s->mirror, &nkeys);
  if (!keys)
    return 0;
  for (size_t i = 0; i < nkeys && n < cap; i++) {
    if (strncmp(keys[i], "ike-policy/", 11) != 0)
      continue;
    const ProtobufCMessage *m = erx_strmap_get(s->mirror, keys[i]);
    if (m->descriptor != &erx__cfg__ike_policy_rule__descriptor)
      continue;
    const Erx__Cfg__IkePolicyRule *r = (const Erx__Cfg__IkePolicyRule *)m;
    if (r->authentication != ERX__CFG__IKE_AUTH__IKE_AUTH_PRE_SHARE)
      continue; /* configd refuses rsa-sig in this release (no certificates): never here */
    /* ike_enc_t and ike_hash_t take configd's enum values */
    out[n++] = (ike_mm_proposal_t){.enc = (ike_enc_t)r->encryption,
                                   .hash = (ike_hash_t)r->hash,
                                   .group = r->group,
                                   .lifetime_s = r->lifetime ? r->lifetime : 28800,
                                   .aggressive = (ike_mm_aggr_t)r->aggressive_mode};
  }
  free(keys);
  return n;
}

void iked_cfg_global_life(const iked_server_t *s, uint32_t *secs, uint64_t *kb)
{
  const ProtobufCMessage *m = erx_strmap_get(s->mirror, "global");
  *secs = 0;
  *kb = 0;
  if (m && m->descriptor == &erx__cfg__global__descriptor) {
    const Erx__Cfg__Global *g = (const Erx__Cfg__Global *)m;
    if (g->lifetime) {
      *secs = g->lifetime->seconds;
      *kb = g->lifetime->kilobytes;
    }
  }
}

const char *iked_netns(const iked_server_t *s, const char *vr, char *buf, size_t cap)
{
  if (!vr || !vr[0] || strcmp(vr, "default") == 0)
    return NULL;
  snprintf(buf, cap, "%s%s", s->netns_prefix, vr);
  return buf;
}

struct event_base *iked_base(const iked_server_t *s)
{
  return erx_bus_base(s->bus);
}

/* ---- ChildSa publication ---- */

static void child_key(char *buf, size_t cap, const char *vr, const char *tunnel, bool inbound, uint32_t spi)
{
  snprintf(buf, cap, "sa/%s/%s/%s/%" PRIu32, vr, tunnel, inbound ? "in" : "out", spi);
}

int iked_publish_child(iked_server_t *s, const char *vr, const char *tunnel, const ike_child_t *c, uint32_t local,
                       uint32_t peer)
{
  Erx__Ike__ChildSa cs = ERX__IKE__CHILD_SA__INIT;
  cs.vr = (char *)vr;
  cs.tunnel = (char *)tunnel;
  cs.inbound = c->inbound;
  cs.spi = c->spi;
  cs.transform = c->transform;
  cs.enc_key = (ProtobufCBinaryData){c->keys.enc_len, (uint8_t *)c->keys.enc};
  cs.auth_key = (ProtobufCBinaryData){c->keys.auth_len, (uint8_t *)c->keys.auth};
  cs.life_seconds = c->life_seconds;
  cs.life_kilobytes = c->life_kilobytes;
  char pa[ERX_ADDR_STRLEN], la[ERX_ADDR_STRLEN];
  cs.peer = (char *)erx_ipv4_format(peer, pa);
  cs.local = (char *)erx_ipv4_format(local, la);
  cs.encap_sport = c->encap_sport;
  cs.encap_dport = c->encap_dport;
  char key[256];
  child_key(key, sizeof key, vr, tunnel, c->inbound, c->spi);
  return erx_clone_pub_set(s->pub, "ike.sa", key, &cs.base);
}

void iked_unpublish_child(iked_server_t *s, const char *vr, const char *tunnel, bool inbound, uint32_t spi)
{
  char key[256];
  child_key(key, sizeof key, vr, tunnel, inbound, spi);
  erx_clone_pub_del(s->pub, key);
}

/* ---- loop ---- */

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
  iked_server_t *s = arg;
  if (!s->synced)
    return; /* nothing is started on half a configuration */
  if (s->dirty) {
    s->dirty = false;
    iked_peer_config_changed(s->peer);
  }
  iked_peer_tick(s->peer);
}

/* ---- DPD events (topic ike.dpd) ---- */

/* A DpdEvent is news, not state: a subscriber that starts later must not
 * find an old answer in its snapshot.  It goes out on the Clone PUB as an
 * item that is deleted in the same breath, so it is never in a snapshot;
 * Clone subscribers of other topics skip it (their seq stays contiguous). */
void iked_publish_dpd(iked_server_t *s, const char *vr, const char *tunnel, uint32_t peer, uint32_t seq, bool ack)
{
  char addr[ERX_ADDR_STRLEN], key[256];
  Erx__Ike__DpdEvent ev = ERX__IKE__DPD_EVENT__INIT;
  ev.vr = (char *)vr;
  ev.tunnel = (char *)tunnel;
  ev.peer = (char *)erx_ipv4_format(peer, addr);
  ev.seq = seq;
  ev.ack = ack;
  snprintf(key, sizeof key, "dpd/%s/%s", vr, tunnel);
  if (erx_clone_pub_set(s->pub, "ike.dpd", key, &ev.base) != 0)
    LOG_WARN("tunnel ipsec:%s: DPD event (seq %" PRIu32 ") not published", tunnel, seq);
  erx_clone_pub_del(s->pub, key);
}

bool iked_cfg_tx_invalid_cookie(const iked_server_t *s, const char *vr)
{
  char key[128];
  snprintf(key, sizeof key, "vr/%s", vr && vr[0] ? vr : "default");
  const ProtobufCMessage *m = erx_strmap_get(s->mirror, key);
  return m && m->descriptor == &erx__cfg__virtual_router__descriptor &&
         ((const Erx__Cfg__VirtualRouter *)m)->tx_invalid_cookie;
}

/* ---- control socket: configd's show and clear commands, dpd-monitor's probes ---- */

static void ctl_status(iked_server_t *s, erx_ctl_req_t *req, const Erx__Ike__IkeStatusRequest *rq)
{
  Erx__Ike__IkeStatusReply rep = ERX__IKE__IKE_STATUS_REPLY__INIT;
  bool one = rq->vr[0] && rq->tunnel[0];
  if (iked_peer_status(s->peer, one ? rq->vr : NULL, one ? rq->tunnel : NULL, &rep) == 0)
    erx_ctl_reply(s->ctl, req, &rep.base);
  else
    erx_ctl_reply_error(s->ctl, req, "out of memory");
  iked_peer_status_free(&rep);
}

static void ctl_clear(iked_server_t *s, erx_ctl_req_t *req, const Erx__Ike__ClearSaRequest *rq)
{
  char msg[320] = "";
  if (!s->synced) {
    erx_ctl_reply_error(s->ctl, req, "iked has not received the configuration yet");
    return;
  }
  if (iked_peer_clear(s->peer, rq->vr, rq->tunnel, rq->phase, msg, sizeof msg) != 0) {
    erx_ctl_reply_error(s->ctl, req, msg[0] ? msg : "nothing to clear");
    return;
  }
  LOG_INFO("ipsec clear sa tunnel ipsec:%s phase %" PRIu32 " (virtual router %s): %s", rq->tunnel, rq->phase,
           rq->vr, msg);
  Erx__Ike__ClearSaReply rep = ERX__IKE__CLEAR_SA_REPLY__INIT;
  rep.text = msg;
  erx_ctl_reply(s->ctl, req, &rep.base);
}

static void ctl_dpd_probe(iked_server_t *s, erx_ctl_req_t *req, const Erx__Ike__DpdProbeRequest *rq)
{
  char why[256] = "";
  uint32_t seq = 0;
  if (iked_peer_dpd_probe(s->peer, rq->vr, rq->tunnel, &seq, why, sizeof why) != 0) {
    erx_ctl_reply_error(s->ctl, req, why[0] ? why : "no DPD probe sent");
    return;
  }
  Erx__Ike__DpdProbeReply rep = ERX__IKE__DPD_PROBE_REPLY__INIT;
  rep.seq = seq;
  erx_ctl_reply(s->ctl, req, &rep.base);
}

static void on_request(void *arg, erx_ctl_req_t *req, const ProtobufCMessage *body)
{
  iked_server_t *s = arg;
  const ProtobufCMessageDescriptor *d = body->descriptor;
  if (d == &erx__ike__ike_status_request__descriptor) {
    ctl_status(s, req, (const Erx__Ike__IkeStatusRequest *)body);
  } else if (d == &erx__ike__clear_sa_request__descriptor) {
    ctl_clear(s, req, (const Erx__Ike__ClearSaRequest *)body);
  } else if (d == &erx__ike__dpd_probe_request__descriptor) {
    ctl_dpd_probe(s, req, (const Erx__Ike__DpdProbeRequest *)body);
  } else {
    char why[160];
    snprintf(why, sizeof why, "unsupported request %s", d->name);
    erx_ctl_reply_error(s->ctl, req, why);
  }
}

iked_server_t *iked_server_new(erx_bus_t *bus, const iked_server_opts_t *opts)
{
  iked_server_t *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->bus = bus;
  snprintf(s->netns_prefix, sizeof s->netns_prefix, "%s", opts->netns_prefix ? opts->netns_prefix : "");
  if (opts->state_dir && mkdir(opts->state_dir, 0700) != 0 && errno != EEXIST) {
    LOG_ERR("cannot create the state directory %s: %s", opts->state_dir, strerror(errno));
    goto fail;
  }
  s->mirror = erx_strmap_new();
  s->ev_tick = event_new(erx_bus_base(bus), -1, EV_PERSIST, on_tick, s);
  s->ev_soon = evtimer_new(erx_bus_base(bus), on_tick, s);
  if (!s->mirror || !s->ev_tick || !s->ev_soon)
    goto fail;
  char pub_ep[256], snap_ep[256], ctl_ep[256], cfg_pub[256], cfg_snap[256];
  if (erx_endpoint(ERX_SVC_IKED, ERX_SOCK_PUB, true, pub_ep, sizeof pub_ep) ||
      erx_endpoint(ERX_SVC_IKED, ERX_SOCK_SNAP, true, snap_ep, sizeof snap_ep) ||
      erx_endpoint(ERX_SVC_IKED, ERX_SOCK_CTL, true, ctl_ep, sizeof ctl_ep) ||
      erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_PUB, false, cfg_pub, sizeof cfg_pub) ||
      erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_SNAP, false, cfg_snap, sizeof cfg_snap)) {
    LOG_ERR("endpoint names too long");
    goto fail;
  }
  if (strncmp(pub_ep, "ipc://", 6) != 0 || strncmp(snap_ep, "ipc://", 6) != 0)
    /* SA keys in clear on a tcp transport: encrypting the bus (ZeroMQ
     * CURVE) is not done yet, so the operator is told.  (configd publishes
     * pre-shared keys masked only there, so iked cannot negotiate on tcp.) */
    LOG_WARN("publishing SA keys on %s: not an ipc endpoint", pub_ep);
  s->pub = erx_clone_pub_new(bus, "ike", pub_ep, snap_ep);
  s->ctl = s->pub ? erx_ctl_new(bus, ctl_ep, "iked", on_request, s) : NULL;
  if (!s->ctl)
    goto fail;
  s->peer = iked_peer_new(s);
  if (!s->peer)
    goto fail;
  s->dpw = iked_dp_watch_new(bus, s->peer);
  if (!s->dpw)
    goto fail;
  static const erx_clone_sub_cbs_t cbs = {.on_set = on_cfg_set, .on_del = on_cfg_del, .on_sync = on_cfg_sync};
  s->cfg = erx_clone_sub_new(bus, "cfg", cfg_pub, cfg_snap, "cfg.", &cbs, s);
  if (!s->cfg)
    goto fail;
  struct timeval tick = {0, TICK_MS * 1000};
  event_add(s->ev_tick, &tick);
  LOG_INFO("negotiating configd's signaled tunnels from %s; SAs published on %s; control on %s", cfg_pub, pub_ep,
           ctl_ep);
  return s;
fail:
  LOG_ERR("iked could not start");
  iked_server_destroy(&s);
  return NULL;
}

void iked_server_destroy(iked_server_t **s_p)
{
  iked_server_t *s = *s_p;
  if (!s)
    return;
  erx_clone_sub_destroy(&s->cfg);
  iked_dp_watch_destroy(&s->dpw);
  iked_peer_destroy(&s->peer);
  erx_ctl_destroy(&s->ctl);
  erx_clone_pub_destroy(&s->pub);
  erx_strmap_destroy(&s->mirror, free_msg);
  if (s->ev_tick)
    event_free(s->ev_tick);
  if (s->ev_soon)
    event_free(s->ev_soon);
  free(s);
  *s_p = NULL;
}
