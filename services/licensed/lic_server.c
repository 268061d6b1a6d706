#include "lic_server.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "admission.h"
#include "clone_pub.h"
#include "clone_sub.h"
#include "ctl.h"
#include "endpoints.h"
#include "license.pb-c.h"
#include "license_policy.h"
#include "license_store.h"
#include "license_token.h"
#include "log.h"

/* configd's limits for the names that make a tunnel key */
#define VR_NAME_MAX 32
#define TUNNEL_NAME_MAX 80
#define DEFAULT_VR "default"
#define CFG_TUNNEL_KEY "tunnel/"

/* A request that needs the counts before configd's first snapshot is refused
 * at once: holding it would hold configd too (it waits for the answer), and
 * configd is the one that must answer our snapshot request.  erx-router
 * starts a router only once licensed has counted (Pong.starting). */
static const char STILL_COUNTING[] = "the licence service is still counting tunnels; try again";


struct lic_server {
  lic_server_opts_t opts;
  erx_clone_pub_t *pub;
  erx_ctl_t *ctl;
  erx_clone_sub_t *cfg;
  lic_adm_t *adm;
  bool counted; /* configd's first snapshot has been applied */
  uint64_t cfg_epoch;   /* configd's incarnation at the last snapshot */
  int64_t stale_since;  /* when configd's stream last went stale */
  bool have_lic;
  lic_token_t lic;                 /* in force when have_lic */
  char token[LIC_TOKEN_MAX + 1];   /* its key, to recognise a re-install */
  char problem[320];               /* why a stored licence is not in force */
  size_t blocked_logged;           /* blocked count last logged */
  struct event *ev_refresh;        /* recompute blocked + publish, once per loop pass */
  struct event *ev_expire;         /* next reservation expiry */
};

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const lic_token_t *in_force(const lic_server_t *s) { return s->have_lic ? &s->lic : NULL; }

static uint32_t maximum(const lic_server_t *s) { return lic_maximum(in_force(s), s->opts.chassis); }

/* ---- publication ---- */

/* st points into s: valid until s changes */
static void fill_state(lic_server_t *s, Erx__Lic__LicenseState *st) {
  erx__lic__license_state__init(st);
  st->installed = s->have_lic;
  st->id = s->have_lic ? s->lic.id : "";
  st->tier = s->have_lic ? s->lic.tunnels : 0;
  st->issued = s->have_lic ? s->lic.issued : "";
  st->chassis = (char *)s->opts.chassis->name;
  st->ceiling = s->opts.chassis->ceiling;
  st->maximum = maximum(s);
  st->in_use = (uint32_t)lic_adm_in_use(s->adm);
  st->blocked = (uint32_t)lic_adm_blocked(s->adm);
  st->counted = s->counted;
  st->problem = s->problem;
}

static void publish_state(lic_server_t *s) {
  Erx__Lic__LicenseState st;
  fill_state(s, &st);
  if (erx_clone_pub_set(s->pub, "lic.state", "state", &st.base) != 0)
    LOG_ERR("cannot publish the licence state");
}

static void publish_blocked(void *arg, const char *key, bool blocked) {
  lic_server_t *s = arg;
  char ckey[8 + VR_NAME_MAX + 1 + TUNNEL_NAME_MAX + 1];
  snprintf(ckey, sizeof ckey, "blocked/%s", key);
  if (!blocked) {
    erx_clone_pub_del(s->pub, ckey);
    return;
  }
  char vr[VR_NAME_MAX + 1 + TUNNEL_NAME_MAX + 1];
  snprintf(vr, sizeof vr, "%s", key);
  char *slash = strchr(vr, '/');
  if (!slash)
    return; /* not a key configd makes */
  *slash = '\0';
  Erx__Lic__BlockedTunnel bt = ERX__LIC__BLOCKED_TUNNEL__INIT;
  bt.vr = vr;
  bt.name = slash + 1;
  erx_clone_pub_set(s->pub, "lic.blocked", ckey, &bt.base);
}

static void on_refresh(evutil_socket_t fd, short what, void *arg) {
  lic_server_t *s = arg;
  if (s->counted) {
    size_t n = lic_adm_update_blocked(s->adm, maximum(s), publish_blocked, s);
    if (n != s->blocked_logged) {
      LOG_NOTICE("%zu configured tunnel(s) blocked by the licence (%zu configured, maximum %u)", n,
                 lic_adm_configured(s->adm), (unsigned)maximum(s));
      s->blocked_logged = n;
    }
  }
  publish_state(s);
}

/* Batches a burst of changes (a configd snapshot, a run of admissions) into
 * one recomputation and one publication. */
static void schedule_refresh(lic_server_t *s) {
  static const struct timeval now = {0, 0};
  if (!evtimer_pending(s->ev_refresh, NULL))
    evtimer_add(s->ev_refresh, &now);
}

/* ---- reservations ---- */

static void arm_expiry(lic_server_t *s) {
  int64_t next = lic_adm_next_expiry(s->adm);
  if (next < 0 || evtimer_pending(s->ev_expire, NULL))
    return; /* a pending timer is due no later: later reservations expire later */
  int64_t wait = next - now_ms() + 1; /* +1: never wake just before the time */
  if (wait < 0)
    wait = 0;
  struct timeval tv = {(time_t)(wait / 1000), (suseconds_t)(wait % 1000) * 1000};
  evtimer_add(s->ev_expire, &tv);
}

static void log_expired(void *arg, const char *key) {
  LOG_NOTICE("admission of tunnel %s dropped: configd did not commit it in time", key);
}

static void on_expire(evutil_socket_t fd, short what, void *arg) {
  lic_server_t *s = arg;
  if (lic_adm_expire(s->adm, now_ms(), log_expired, s))
    schedule_refresh(s);
  arm_expiry(s);
}


/* ---- configd's tunnels ---- */

static void on_cfg_set(void *arg, const char *topic, const char *key, const ProtobufCMessage *body) {
  lic_server_t *s = arg;
  if (strncmp(key, CFG_TUNNEL_KEY, strlen(CFG_TUNNEL_KEY)) != 0)
    return;
  if (lic_adm_configured_add(s->adm, key + strlen(CFG_TUNNEL_KEY)) != 0)
    LOG_ERR("out of memory counting tunnel %s", key);
  schedule_refresh(s);
}

static void on_cfg_del(void *arg, const char *topic, const char *key) {
  lic_server_t *s = arg;
  if (strncmp(key, CFG_TUNNEL_KEY, strlen(CFG_TUNNEL_KEY)) != 0)
    return;
  lic_adm_configured_del(s->adm, key + strlen(CFG_TUNNEL_KEY));
  schedule_refresh(s);
}

static void on_cfg_sync(void *arg, bool synced) {
  lic_server_t *s = arg;
  if (!synced) {
    /* the last counts stay: tunnels do not vanish because configd is quiet */
    s->stale_since = now_ms();
    LOG_WARN("configd is silent: keeping the last tunnel count until it answers");
    return;
  }
  uint64_t epoch = erx_clone_sub_epoch(s->cfg);
  if (s->counted && epoch != s->cfg_epoch) {
    /* configd restarted: what it had admitted but not committed died with it */
    size_t n = lic_adm_release_before(s->adm, s->stale_since);
    if (n)
      LOG_INFO("configd restarted: %zu admission(s) it never committed released", n);
  }
  s->cfg_epoch = epoch;
  s->counted = true;
  erx_ctl_set_starting(s->ctl, false);
  LOG_INFO("configd resync: %zu tunnel(s) configured, %zu admission(s) pending, maximum %u", lic_adm_configured(s->adm),
           lic_adm_reserved(s->adm), (unsigned)maximum(s));
  schedule_refresh(s);
}

/* ---- requests ---- */

static void reply_admit(lic_server_t *s, erx_ctl_req_t *req, bool admitted, const char *reason) {
  Erx__Lic__AdmitReply r = ERX__LIC__ADMIT_REPLY__INIT;
  r.admitted = admitted;
  r.reason = (char *)reason;
  r.in_use = (uint32_t)lic_adm_in_use(s->adm);
  r.maximum = maximum(s);
  erx_ctl_reply(s->ctl, req, &r.base);
}

static bool name_ok(const char *n, size_t max) { return *n && strlen(n) <= max && !strchr(n, '/'); }

static const char BAD_NAMES[] = "licensed: AdmitRequest needs a virtual-router name (at most 32 characters) "
                                "and a tunnel name (at most 80), neither containing '/'";

/* "<vr>/<name>" of a request into key; false if the names are not acceptable */
static bool request_key(const Erx__Lic__AdmitRequest *rq, char *key, size_t cap) {
  const char *vr = rq->vr && *rq->vr ? rq->vr : DEFAULT_VR, *name = rq->name ? rq->name : "";
  if (!name_ok(vr, VR_NAME_MAX) || !name_ok(name, TUNNEL_NAME_MAX))
    return false;
  snprintf(key, cap, "%s/%s", vr, name);
  return true;
}

/* Admits one tunnel; on refusal why holds the operator's message. */
static bool admit_one(lic_server_t *s, const char *key, char *why, size_t whylen) {
  if (!s->counted) {
    snprintf(why, whylen, "%s", STILL_COUNTING);
    return false;
  }
  lic_admit_t a = lic_adm_admit(s->adm, key, maximum(s), now_ms());
  if (a == LIC_ADMIT_REFUSED) {
    lic_admit_refusal(why, whylen, lic_adm_in_use(s->adm), in_force(s), s->problem[0] != '\0', s->opts.chassis);
    LOG_NOTICE("admission of tunnel %s refused: %zu of %u in use", key, lic_adm_in_use(s->adm),
               (unsigned)maximum(s));
    return false;
  }
  if (lic_adm_is_reserved(s->adm, key))
    arm_expiry(s);
  if (a == LIC_ADMIT_NEW)
    schedule_refresh(s);
  why[0] = '\0';
  return true;
}

static void on_admit(lic_server_t *s, erx_ctl_req_t *req, const ProtobufCMessage *body) {
  char key[VR_NAME_MAX + 1 + TUNNEL_NAME_MAX + 1], why[256];
  if (!request_key((const Erx__Lic__AdmitRequest *)body, key, sizeof key)) {
    erx_ctl_reply_error(s->ctl, req, BAD_NAMES);
    return;
  }
  bool ok = admit_one(s, key, why, sizeof why);
  reply_admit(s, req, ok, why);
}

#define MAX_BATCH 10000

static void on_admit_batch(lic_server_t *s, erx_ctl_req_t *req, const ProtobufCMessage *body) {
  const Erx__Lic__AdmitBatchRequest *rq = (const Erx__Lic__AdmitBatchRequest *)body;
  char key[VR_NAME_MAX + 1 + TUNNEL_NAME_MAX + 1];
  if (rq->n_tunnels > MAX_BATCH) {
    erx_ctl_reply_error(s->ctl, req, "licensed: at most 10000 tunnels per batch");
    return;
  }
  for (size_t i = 0; i < rq->n_tunnels; i++)
    if (!request_key(rq->tunnels[i], key, sizeof key)) {
      erx_ctl_reply_error(s->ctl, req, BAD_NAMES);
      return;
    }
  Erx__Lic__AdmitBatchReply rep = ERX__LIC__ADMIT_BATCH_REPLY__INIT;
  Erx__Lic__AdmitReply *items = calloc(rq->n_tunnels ? rq->n_tunnels : 1, sizeof *items);
  Erx__Lic__AdmitReply **ptrs = calloc(rq->n_tunnels ? rq->n_tunnels : 1, sizeof *ptrs);
  char (*why)[256] = calloc(rq->n_tunnels ? rq->n_tunnels : 1, sizeof *why);
  if (!items || !ptrs || !why) {
    erx_ctl_reply_error(s->ctl, req, "licensed: out of memory");
  } else {
    for (size_t i = 0; i < rq->n_tunnels; i++) {
      request_key(rq->tunnels[i], key, sizeof key);
      erx__lic__admit_reply__init(&items[i]);
      items[i].admitted = admit_one(s, key, why[i], sizeof why[i]);
      items[i].reason = why[i];
      items[i].in_use = (uint32_t)lic_adm_in_use(s->adm);
      items[i].maximum = maximum(s);
      ptrs[i] = &items[i];
    }
    rep.n_replies = rq->n_tunnels;
    rep.replies = ptrs;
    erx_ctl_reply(s->ctl, req, &rep.base);
  }
  free(items);
  free(ptrs);
  free(why);
}

static void on_release(lic_server_t *s, erx_ctl_req_t *req, const ProtobufCMessage *body) {
  const Erx__Lic__ReleaseRequest *rq = (const Erx__Lic__ReleaseRequest *)body;
  char key[VR_NAME_MAX + 1 + TUNNEL_NAME_MAX + 1];
  size_t released = 0;
  for (size_t i = 0; i < rq->n_tunnels && i < MAX_BATCH; i++)
    if (request_key(rq->tunnels[i], key, sizeof key))
      released += lic_adm_release(s->adm, key);
  if (released)
    schedule_refresh(s);
  Erx__Lic__ReleaseReply rep = ERX__LIC__RELEASE_REPLY__INIT;
  erx_ctl_reply(s->ctl, req, &rep.base);
}

static void on_state(lic_server_t *s, erx_ctl_req_t *req, const ProtobufCMessage *body) {
  Erx__Lic__LicenseState st;
  fill_state(s, &st);
  erx_ctl_reply(s->ctl, req, &st.base);
}

static void reply_install(lic_server_t *s, erx_ctl_req_t *req, bool ok, const char *msg) {
  Erx__Lic__InstallReply r = ERX__LIC__INSTALL_REPLY__INIT;
  r.ok = ok;
  r.message = (char *)msg;
  erx_ctl_reply(s->ctl, req, &r.base);
}

static void remove_licence(lic_server_t *s, erx_ctl_req_t *req) {
  char msg[400], err[256];
  if (lic_remove_check(in_force(s), lic_adm_in_use(s->adm), s->opts.chassis, msg, sizeof msg) != 0) {
    LOG_NOTICE("licence removal refused: %s", msg);
    reply_install(s, req, false, msg);
    return;
  }
  if (lic_store_remove(s->opts.state_dir, err, sizeof err) != 0) {
    LOG_ERR("licence removal failed: %s", err);
    snprintf(msg, sizeof msg, "refused: the stored licence could not be deleted (%s)", err);
    reply_install(s, req, false, msg);
    return;
  }
  if (s->have_lic)
    LOG_NOTICE("licence %s removed (was %u tunnels, issued %s); maximum %u", s->lic.id, (unsigned)s->lic.tunnels,
               s->lic.issued, (unsigned)lic_maximum(NULL, s->opts.chassis));
  else
    LOG_NOTICE("licence removal: no licence was in force; maximum %u", (unsigned)lic_maximum(NULL, s->opts.chassis));
  s->have_lic = false;
  s->token[0] = s->problem[0] = '\0';
  on_refresh(-1, 0, s); /* published before the reply: subscribers see the new state first */
  reply_install(s, req, true, msg);
}

static void install_licence(lic_server_t *s, erx_ctl_req_t *req, const char *key) {
  char msg[400], err[256];
  lic_token_t t;
  if (lic_token_verify(key, strlen(key), s->opts.vendor, &t, err, sizeof err) != 0) {
    LOG_NOTICE("licence refused: %s", err);
    reply_install(s, req, false, err);
    return;
  }
  if (lic_install_check(&t, lic_adm_in_use(s->adm), s->opts.chassis, msg, sizeof msg) != 0) {
    LOG_NOTICE("licence %s (%u tunnels, issued %s) refused: %s", t.id, (unsigned)t.tunnels, t.issued, msg);
    reply_install(s, req, false, msg);
    return;
  }
  bool same = s->have_lic && strcmp(s->token, key) == 0;
  if (!same && lic_store_write(s->opts.state_dir, key, err, sizeof err) != 0) {
    LOG_ERR("licence %s not installed: %s", t.id, err);
    snprintf(msg, sizeof msg, "refused: the licence could not be saved (%s); the old licence stays", err);
    reply_install(s, req, false, msg);
    return;
  }
  s->have_lic = true;
  s->lic = t;
  snprintf(s->token, sizeof s->token, "%s", key);
  s->problem[0] = '\0';
  LOG_NOTICE("licence %s %s: %u tunnels, issued %s; maximum %u", t.id, same ? "installed again" : "installed",
             (unsigned)t.tunnels, t.issued, (unsigned)maximum(s));
  on_refresh(-1, 0, s); /* published before the reply: subscribers see the new state first */
  reply_install(s, req, true, msg);
}

static void on_install(lic_server_t *s, erx_ctl_req_t *req, const ProtobufCMessage *body) {
  const Erx__Lic__InstallRequest *rq = (const Erx__Lic__InstallRequest *)body;
  if (!s->counted) {
    reply_install(s, req, false, STILL_COUNTING);
    return;
  }
  if (rq->remove)
    remove_licence(s, req);
  else
    install_licence(s, req, rq->key ? rq->key : "");
}

typedef void (*handler_fn)(lic_server_t *s, erx_ctl_req_t *req, const ProtobufCMessage *body);

static const struct {
  const ProtobufCMessageDescriptor *desc;
  handler_fn fn;
} handlers[] = {
    {&erx__lic__admit_request__descriptor, on_admit},
    {&erx__lic__admit_batch_request__descriptor, on_admit_batch},
    {&erx__lic__release_request__descriptor, on_release},
    {&erx__lic__state_request__descriptor, on_state},
    {&erx__lic__install_request__descriptor, on_install},
};

static handler_fn handler_of(const ProtobufCMessage *body) {
  for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
    if (body->descriptor == handlers[i].desc)
      return handlers[i].fn;
  return NULL;
}


static void on_request(void *arg, erx_ctl_req_t *req, const ProtobufCMessage *body) {
  lic_server_t *s = arg;
  handler_fn fn = handler_of(body);
  if (!fn) {
    char why[160];
    snprintf(why, sizeof why, "licensed: unsupported request %s", body->descriptor->name);
    erx_ctl_reply_error(s->ctl, req, why);
    return;
  }
  fn(s, req, body);
}

/* ---- life cycle ---- */

static void load_stored(lic_server_t *s) {
  char buf[LIC_TOKEN_MAX + 8], err[256];
  size_t len = 0;
  int rc = lic_store_read(s->opts.state_dir, buf, sizeof buf, &len, err, sizeof err);
  if (rc == 0) {
    LOG_INFO("no licence installed: maximum %u", (unsigned)maximum(s));
    return;
  }
  if (rc > 0 && lic_token_verify(buf, len, s->opts.vendor, &s->lic, err, sizeof err) == 0) {
    s->have_lic = true;
    memcpy(s->token, buf, len + 1); /* verified: len <= LIC_TOKEN_MAX */
    LOG_NOTICE("licence %s in force: %u tunnels, issued %s; maximum %u", s->lic.id, (unsigned)s->lic.tunnels,
               s->lic.issued, (unsigned)maximum(s));
    return;
  }
  snprintf(s->problem, sizeof s->problem, "stored licence not in force: %s", err);
  LOG_ERR("%s/%s: %s (the file is kept); maximum %u", s->opts.state_dir, LIC_STORE_FILE, s->problem,
          (unsigned)maximum(s));
}

lic_server_t *lic_server_new(erx_bus_t *bus, const lic_server_opts_t *opts) {
  lic_server_t *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->opts = *opts;
  if (mkdir(opts->state_dir, 0700) != 0 && errno != EEXIST) {
    LOG_ERR("cannot create the state directory %s: %s", opts->state_dir, strerror(errno));
    goto fail;
  }
  s->adm = lic_adm_new(opts->reservation_ms > 0 ? opts->reservation_ms : LIC_RESERVATION_MS);
  struct event_base *base = erx_bus_base(bus);
  s->ev_refresh = evtimer_new(base, on_refresh, s);
  s->ev_expire = evtimer_new(base, on_expire, s);
  if (!s->adm || !s->ev_refresh || !s->ev_expire)
    goto fail;
  LOG_INFO("chassis %s (ceiling %u tunnels), vendor key: %s", opts->chassis->name, (unsigned)opts->chassis->ceiling,
           opts->vendor_source ? opts->vendor_source : "given");
  load_stored(s);

  char pub_ep[256], snap_ep[256], ctl_ep[256], cfg_pub[256], cfg_snap[256];
  if (erx_endpoint(ERX_SVC_LICENSED, ERX_SOCK_PUB, true, pub_ep, sizeof pub_ep) ||
      erx_endpoint(ERX_SVC_LICENSED, ERX_SOCK_SNAP, true, snap_ep, sizeof snap_ep) ||
      erx_endpoint(ERX_SVC_LICENSED, ERX_SOCK_CTL, true, ctl_ep, sizeof ctl_ep) ||
      erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_PUB, false, cfg_pub, sizeof cfg_pub) ||
      erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_SNAP, false, cfg_snap, sizeof cfg_snap)) {
    LOG_ERR("endpoint names too long");
    goto fail;
  }
  s->pub = erx_clone_pub_new(bus, "lic", pub_ep, snap_ep);
  if (!s->pub)
    goto fail;
  publish_state(s); /* counted=false: subscribers learn at once that counts are not real yet */
  s->ctl = erx_ctl_new(bus, ctl_ep, "licensed", on_request, s);
  if (!s->ctl)
    goto fail;
  /* ready once configd's tunnels are counted: erx-router waits for that */
  erx_ctl_set_starting(s->ctl, !s->counted);
  static const erx_clone_sub_cbs_t cbs = {.on_set = on_cfg_set, .on_del = on_cfg_del, .on_sync = on_cfg_sync};
  s->cfg = erx_clone_sub_new(bus, "cfg", cfg_pub, cfg_snap, "cfg.tunnel", &cbs, s);
  if (!s->cfg)
    goto fail;
  LOG_INFO("serving admissions on %s, publishing on %s, counting configd's tunnels from %s", ctl_ep, pub_ep, cfg_pub);
  return s;
fail:
  LOG_ERR("licensed could not start");
  lic_server_destroy(&s);
  return NULL;
}

void lic_server_destroy(lic_server_t **s_p) {
  lic_server_t *s = *s_p;
  if (!s)
    return;
  erx_clone_sub_destroy(&s->cfg);
  erx_ctl_destroy(&s->ctl);
  erx_clone_pub_destroy(&s->pub);
  if (s->ev_refresh)
    event_free(s->ev_refresh);
  if (s->ev_expire)
    event_free(s->ev_expire);
  lic_adm_destroy(&s->adm);
  free(s);
  *s_p = NULL;
}
