#include "cfg_license.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clone_sub.h"
#include "ctl_call_guard.h"
#include "endpoints.h"
#include "license.pb-c.h"
#include "log.h"
#include "strmap.h"

/* Long enough for a loaded licensed, short enough that a hung one does not
 * freeze the CLI for long (configd's loop waits for the answer).  An
 * unanswered call blocks configd's loop for LIC_CALL_MS; a burst of creations
 * must not pay that once per line while licensed is gone (nor keep configd
 * from answering licensed's snapshot request when it returns): licensed is
 * not asked again for LIC_QUIET_MS. */
#define LIC_CALL_MS 1000
#define LIC_QUIET_MS 2000

struct cfg_lic {
  erx_clone_sub_t *sub;
  erx_ctl_guard_t *ctl;
  erx_strmap_t *blocked; /* "vr/name" of tunnels licensed blocks */
  cfg_lic_view_t view;
  bool have_state; /* the mirror holds licensed's state... */
  bool fresh;      /* ...and licensed is alive (a re-snapshot of unchanged state fires no on_set) */
  bool went_silent; /* licensed was synchronised, then stopped answering */
};

static void update_known(cfg_lic_t *l)
{
  l->view.known = l->have_state && l->fresh;
}

static void copy(char *dst, size_t cap, const char *src)
{
  snprintf(dst, cap, "%s", src ? src : "");
}

static void take_state(cfg_lic_view_t *v, const Erx__Lic__LicenseState *s)
{
  v->installed = s->installed;
    v->counted = s->counted;
    copy(v->id, sizeof v->id, s->id);
    copy(v->issued, sizeof v->issued, s->issued);
    copy(v->chassis, sizeof v->chassis, s->chassis);
    copy(v->problem, sizeof v->problem, s->problem);
    v->tier = s->tier;
    v->ceiling = s->ceiling;
    v->maximum = s->maximum;
    v->in_use = s->in_use;
    v->blocked = s->blocked;
}

static void on_set(void *arg, const char *topic, const char *key, const ProtobufCMessage *body)
{
  cfg_lic_t *l = arg;
  if (body->descriptor == &erx__lic__license_state__descriptor) {
    take_state(&l->view, (const Erx__Lic__LicenseState *)body);
    l->have_state = true;
    update_known(l);
  } else if (body->descriptor == &erx__lic__blocked_tunnel__descriptor && strncmp(key, "blocked/", 8) == 0) {
    erx_strmap_put(l->blocked, key + 8, l, NULL);
  }
}

static void on_del(void *arg, const char *topic, const char *key)
{
  cfg_lic_t *l = arg;
  if (strncmp(key, "blocked/", 8) == 0)
    erx_strmap_del(l->blocked, key + 8);
  else if (strcmp(key, "state") == 0) {
    l->have_state = false;
    update_known(l);
  }
}

static void on_sync(void *arg, bool synced)
{
  cfg_lic_t *l = arg;
  l->fresh = synced;
  l->went_silent = !synced;
  if (synced)
    erx_ctl_guard_reset(l->ctl);
  update_known(l);
  /* licensed silent: new tunnels are refused at once rather than after a wait */
  if (synced)
    LOG_INFO("licensed: synchronised");
  else
    LOG_WARN("licensed is not answering: new tunnels are refused until it returns");
}

cfg_lic_t *cfg_lic_new(erx_bus_t *bus)
{
  char pub[256], snap[256], ctl[256];
  if (erx_endpoint(ERX_SVC_LICENSED, ERX_SOCK_PUB, false, pub, sizeof pub) ||
      erx_endpoint(ERX_SVC_LICENSED, ERX_SOCK_SNAP, false, snap, sizeof snap) ||
      erx_endpoint(ERX_SVC_LICENSED, ERX_SOCK_CTL, false, ctl, sizeof ctl))
    return NULL;
  cfg_lic_t *l = calloc(1, sizeof *l);
  if (!l)
    return NULL;
  static const erx_clone_sub_cbs_t cbs = {.on_set = on_set, .on_del = on_del, .on_sync = on_sync};
  l->blocked = erx_strmap_new();
  l->sub = erx_clone_sub_new(bus, "lic", pub, snap, "lic.", &cbs, l);
  l->ctl = erx_ctl_guard_new(ctl, "licensed", LIC_CALL_MS, LIC_QUIET_MS);
  if (!l->blocked || !l->sub || !l->ctl) {
    cfg_lic_destroy(&l);
    return NULL;
  }
  return l;
}

void cfg_lic_destroy(cfg_lic_t **l_p)
{
  cfg_lic_t *l = *l_p;
  if (!l)
    return;
  erx_clone_sub_destroy(&l->sub);
  erx_ctl_guard_destroy(&l->ctl);
  erx_strmap_destroy(&l->blocked, NULL);
  free(l);
  *l_p = NULL;
}

static const char unavailable[] = "licence service unavailable (licensed is not running); the tunnel was not created";

/* One request to licensed; NULL (and why) if it did not answer properly. */
static erx_env_t *call(cfg_lic_t *l, const ProtobufCMessage *body, char *why, size_t whylen)
{
  erx_env_t *rep;
  switch (erx_ctl_guard_call(l->ctl, body, &rep, why, whylen)) {
  case ERX_GUARD_REPLY:
    return rep;
  case ERX_GUARD_ERROR:
    return NULL; /* why: "licensed: <text>" */
  case ERX_GUARD_SILENT:
  default:
    snprintf(why, whylen, "%s", unavailable);
    return NULL;
  }
}

int cfg_lic_admit(cfg_lic_t *l, const char *vr, const char *name, char *why, size_t whylen)
{
  /* known silent: refuse at once; just started (not synchronised yet): ask */
  if (l->went_silent) {
    snprintf(why, whylen, "%s", unavailable);
    return -1;
  }
  Erx__Lic__AdmitRequest rq = ERX__LIC__ADMIT_REQUEST__INIT;
  rq.vr = (char *)vr;
  rq.name = (char *)name;
  erx_env_t *rep = call(l, &rq.base, why, whylen);
  if (!rep)
    return -1;
  int rc = -1;
  if (rep->body_case != ERX__BUS__ENVELOPE__BODY_ADMIT_REPLY)
    snprintf(why, whylen, "licensed gave an unexpected answer; the tunnel was not created");
  else if (rep->admit_reply->admitted)
    rc = 0;
  else
    snprintf(why, whylen, "%s", rep->admit_reply->reason);
  erx_env_free(rep);
  return rc;
}

static Erx__Lic__AdmitRequest **tunnel_list(char *const *vrs, char *const *names, size_t n)
{
  Erx__Lic__AdmitRequest *items = calloc(n ? n : 1, sizeof *items);
  Erx__Lic__AdmitRequest **ptrs = calloc(n ? n : 1, sizeof *ptrs);
  if (!items || !ptrs) {
    free(items);
    free(ptrs);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    erx__lic__admit_request__init(&items[i]);
    items[i].vr = vrs[i];
    items[i].name = names[i];
    ptrs[i] = &items[i];
  }
  return ptrs; /* ptrs[0] is the items array: free both */
}

static void tunnel_list_free(Erx__Lic__AdmitRequest **ptrs)
{
  if (ptrs)
    free(ptrs[0]);
  free(ptrs);
}

int cfg_lic_admit_batch(cfg_lic_t *l, char *const *vrs, char *const *names, size_t n, erx_strmap_t *verdicts)
{
  char why[320];
  if (n == 0 || l->went_silent)
    return -1;
  Erx__Lic__AdmitBatchRequest rq = ERX__LIC__ADMIT_BATCH_REQUEST__INIT;
  rq.tunnels = tunnel_list(vrs, names, n);
  rq.n_tunnels = n;
  erx_env_t *rep = rq.tunnels ? call(l, &rq.base, why, sizeof why) : NULL;
  tunnel_list_free(rq.tunnels);
  if (!rep)
    return -1;
  int rc = -1;
  if (rep->body_case == ERX__BUS__ENVELOPE__BODY_ADMIT_BATCH_REPLY && rep->admit_batch_reply->n_replies == n) {
    for (size_t i = 0; i < n; i++) {
      const Erx__Lic__AdmitReply *r = rep->admit_batch_reply->replies[i];
      char key[160];
      snprintf(key, sizeof key, "%s/%s", vrs[i], names[i]);
      void *old = NULL;
      erx_strmap_put(verdicts, key, strdup(r->admitted ? "" : r->reason), &old);
      free(old);
    }
    rc = 0;
  }
  erx_env_free(rep);
  return rc;
}

void cfg_lic_release(cfg_lic_t *l, char *const *vrs, char *const *names, size_t n)
{
  char why[320];
  if (n == 0)
    return;
  Erx__Lic__ReleaseRequest rq = ERX__LIC__RELEASE_REQUEST__INIT;
  rq.tunnels = tunnel_list(vrs, names, n);
  rq.n_tunnels = n;
  erx_env_t *rep = rq.tunnels ? call(l, &rq.base, why, sizeof why) : NULL;
  tunnel_list_free(rq.tunnels);
  erx_env_free(rep); /* unanswered: the reservations run out by themselves */
}

const cfg_lic_view_t *cfg_lic_refresh(cfg_lic_t *l)
{
  char why[320];
  if (l->went_silent)
    return &l->view;
  Erx__Lic__StateRequest rq = ERX__LIC__STATE_REQUEST__INIT;
  erx_env_t *rep = call(l, &rq.base, why, sizeof why);
  if (rep && rep->body_case == ERX__BUS__ENVELOPE__BODY_LICENSE_STATE) {
    take_state(&l->view, rep->license_state);
    l->have_state = l->fresh = true;
    update_known(l);
  }
  erx_env_free(rep);
  return &l->view;
}

int cfg_lic_install(cfg_lic_t *l, const char *key, char *msg, size_t msglen)
{
  Erx__Lic__InstallRequest rq = ERX__LIC__INSTALL_REQUEST__INIT;
  rq.key = (char *)(key ? key : "");
  rq.remove = key == NULL;
  erx_env_t *rep = call(l, &rq.base, msg, msglen);
  if (!rep) {
    if (strstr(msg, unavailable))
      snprintf(msg, msglen, "licence service unavailable (licensed is not running); the licence is unchanged");
    return -1;
  }
  int rc = -1;
  if (rep->body_case != ERX__BUS__ENVELOPE__BODY_INSTALL_REPLY) {
    snprintf(msg, msglen, "licensed gave an unexpected answer; the licence is unchanged");
  } else {
    snprintf(msg, msglen, "%s", rep->install_reply->message);
    rc = rep->install_reply->ok ? 0 : -1;
  }
  erx_env_free(rep);
  return rc;
}

const cfg_lic_view_t *cfg_lic_view(const cfg_lic_t *l)
{
  return &l->view;
}

bool cfg_lic_blocked(const cfg_lic_t *l, const char *vr, const char *name)
{
  char key[160];
  snprintf(key, sizeof key, "%s/%s", vr, name);
  return erx_strmap_get(l->blocked, key) != NULL;
}
