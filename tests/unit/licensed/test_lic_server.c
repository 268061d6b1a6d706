/* licensed's service in process, over the real bus: a stand-in configd (a real Clone publisher) publishes
 * tunnels, a Clone subscriber watches what licensed publishes, and requests
 * go through the blocking ctl client from a helper thread while this
 * thread runs the loop. */
#include <criterion/criterion.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admission.h"
#include "bus.pb-c.h"
#include "clone_pub.h"
#include "clone_sub.h"
#include "ctl_client.h"
#include "endpoints.h"
#include "lic_server.h"
#include "lic_test_keys.h"
#include "license.pb-c.h"
#include "license_store.h"
#include "log.h"
#include "strmap.h"
#include "test_util.h"
#include "tmpdir.h"

static const char STILL_COUNTING[] = "the licence service is still counting tunnels; try again";

typedef struct {
  bool known, installed, counted;
  uint32_t maximum, in_use, blocked, tier;
  char id[40], problem[400];
} seen_state_t;

static struct {
  struct event_base *base;
  erx_bus_t *bus;
  erx_clone_pub_t *cfg; /* the stand-in configd */
  lic_server_t *srv;
  erx_clone_sub_t *watch;
  erx_strmap_t *blocked; /* "vr/name" licensed publishes as blocked */
  seen_state_t st;
  EVP_PKEY *lab_pub, *lab_priv;
  char *state;
  char ctl_ep[256];
} fx;

static char present;

static void on_set(void *arg, const char *topic, const char *key, const ProtobufCMessage *body) {
  if (body->descriptor == &erx__lic__license_state__descriptor) {
    const Erx__Lic__LicenseState *s = (const Erx__Lic__LicenseState *)body;
    fx.st = (seen_state_t){.known = true, .installed = s->installed, .counted = s->counted, .maximum = s->maximum,
                           .in_use = s->in_use, .blocked = s->blocked, .tier = s->tier};
    snprintf(fx.st.id, sizeof fx.st.id, "%s", s->id);
    snprintf(fx.st.problem, sizeof fx.st.problem, "%s", s->problem);
  } else if (body->descriptor == &erx__lic__blocked_tunnel__descriptor) {
    const Erx__Lic__BlockedTunnel *b = (const Erx__Lic__BlockedTunnel *)body;
    char k[160];
    snprintf(k, sizeof k, "%s/%s", b->vr, b->name);
    cr_assert_str_eq(key + strlen("blocked/"), k);
    erx_strmap_put(fx.blocked, k, &present, NULL);
  }
}

static void on_del(void *arg, const char *topic, const char *key) {
  if (strncmp(key, "blocked/", 8) == 0)
    erx_strmap_del(fx.blocked, key + 8);
}

static void standin_configd_start(void) {
  char pub[256], snap[256];
  cr_assert_eq(erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_PUB, true, pub, sizeof pub), 0);
  cr_assert_eq(erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_SNAP, true, snap, sizeof snap), 0);
  fx.cfg = erx_clone_pub_new(fx.bus, "cfg", pub, snap);
  cr_assert_not_null(fx.cfg);
  Erx__Cfg__System sys = ERX__CFG__SYSTEM__INIT;
  sys.hostname = "host1";
  erx_clone_pub_set(fx.cfg, "cfg.system", "system", &sys.base); /* not a tunnel: not counted */
}

static void cfg_tunnel(const char *vr, const char *name, bool exists) {
  char key[160];
  snprintf(key, sizeof key, "tunnel/%s/%s", vr, name);
  if (!exists) {
    erx_clone_pub_del(fx.cfg, key);
    return;
  }
  Erx__Cfg__Tunnel t = ERX__CFG__TUNNEL__INIT;
  t.vr = (char *)vr;
  t.name = (char *)name;
  t.transport_vr = (char *)vr;
  cr_assert_eq(erx_clone_pub_set(fx.cfg, "cfg.tunnel", key, &t.base), 0);
}

static void cfg_tunnels(unsigned from, unsigned to) {
  for (unsigned i = from; i <= to; i++) {
    char name[16];
    snprintf(name, sizeof name, "t%u", i);
    cfg_tunnel("default", name, true);
  }
}

static void server_start_with(const char *chassis, EVP_PKEY *vendor, int64_t reservation_ms) {
  lic_server_opts_t o = {.state_dir = fx.state,
                         .chassis = lic_chassis_find(chassis),
                         .vendor = vendor,
                         .vendor_source = "test",
                         .reservation_ms = reservation_ms};
  /* a restarted licensed may publish the very bytes it did before, which a
   * Clone subscriber does not report: wait for its new epoch instead */
  uint64_t epoch = erx_clone_sub_epoch(fx.watch);
  fx.srv = lic_server_new(fx.bus, &o);
  cr_assert_not_null(fx.srv);
  TU_WAIT(fx.base, 5000, fx.st.known && erx_clone_sub_synced(fx.watch) && erx_clone_sub_epoch(fx.watch) != epoch);
  cr_assert(fx.st.known && erx_clone_sub_epoch(fx.watch) != epoch, "licensed publishes its state at once");
}

static void server_start(void) { server_start_with("erx-1440", fx.lab_pub, 0); }

static void server_stop(void) { lic_server_destroy(&fx.srv); }

static void wait_counted(void) {
  TU_WAIT(fx.base, 5000, fx.st.counted);
  cr_assert(fx.st.counted, "licensed counted configd's tunnels");
}

static void setup(void) {
  erx_log_init("test");
  erx_log_set_level(ERX_LOG_WARN);
  setenv("ERX_RUNDIR", tu_dir(), 1);
  fx.state = tmpdir_new("lic-srv");
  fx.base = event_base_new();
  fx.bus = erx_bus_new(fx.base);
  fx.blocked = erx_strmap_new();
  fx.lab_pub = lt_lab_key(false);
  fx.lab_priv = lt_lab_key(true);
  cr_assert_eq(erx_endpoint(ERX_SVC_LICENSED, ERX_SOCK_CTL, false, fx.ctl_ep, sizeof fx.ctl_ep), 0);
  char pub[256], snap[256];
  erx_endpoint(ERX_SVC_LICENSED, ERX_SOCK_PUB, false, pub, sizeof pub);
  erx_endpoint(ERX_SVC_LICENSED, ERX_SOCK_SNAP, false, snap, sizeof snap);
  static const erx_clone_sub_cbs_t cbs = {.on_set = on_set, .on_del = on_del};
  fx.watch = erx_clone_sub_new(fx.bus, "lic", pub, snap, "lic.", &cbs, NULL);
  cr_assert_not_null(fx.watch);
}

static void teardown(void) {
  erx_clone_sub_destroy(&fx.watch);
  lic_server_destroy(&fx.srv);
  erx_clone_pub_destroy(&fx.cfg);
  erx_strmap_destroy(&fx.blocked, NULL);
  erx_bus_destroy(&fx.bus);
  event_base_free(fx.base);
  EVP_PKEY_free(fx.lab_pub);
  EVP_PKEY_free(fx.lab_priv);
  tmpdir_remove(fx.state);
}

TestSuite(licensed, .init = setup, .fini = teardown, .timeout = 60);

/* ---- requests from a helper thread ---- */

typedef struct {
  void (*fn)(void *arg, erx_ctl_client_t *c);
  void *arg;
  atomic_bool done;
} job_t;

static void *job_thread(void *arg) {
  job_t *j = arg;
  erx_ctl_client_t *c = erx_ctl_client_new(fx.ctl_ep);
  j->fn(j->arg, c);
  erx_ctl_client_destroy(&c);
  atomic_store(&j->done, true);
  return NULL;
}

typedef struct {
  job_t j;
  pthread_t th;
} client_t;

/* Starts fn(arg, client) in a thread; client_finish serves the loop until
 * it is done. */
static void client_start(client_t *c, void (*fn)(void *arg, erx_ctl_client_t *c), void *arg) {
  c->j = (job_t){.fn = fn, .arg = arg};
  cr_assert_eq(pthread_create(&c->th, NULL, job_thread, &c->j), 0);
}

static void client_finish(client_t *c) {
  TU_WAIT(fx.base, 50000, atomic_load(&c->j.done));
  cr_assert(atomic_load(&c->j.done), "client thread finished");
  pthread_join(c->th, NULL);
}

static void run_client(void (*fn)(void *arg, erx_ctl_client_t *c), void *arg) {
  client_t c;
  client_start(&c, fn, arg);
  client_finish(&c);
}

typedef struct {
  const ProtobufCMessage *body;
  erx_env_t *rep;
  char err[256];
} one_call_t;

static void do_call(void *arg, erx_ctl_client_t *c) {
  one_call_t *o = arg;
  o->rep = erx_ctl_call(c, o->body, 3000, o->err, sizeof o->err);
}

static erx_env_t *call(const ProtobufCMessage *body) {
  one_call_t o = {.body = body};
  run_client(do_call, &o);
  cr_assert_not_null(o.rep, "%s", o.err);
  return o.rep;
}

typedef struct {
  bool ok;
  char text[400];
  uint32_t in_use, maximum;
} answer_t;

static answer_t admit(const char *vr, const char *name) {
  Erx__Lic__AdmitRequest rq = ERX__LIC__ADMIT_REQUEST__INIT;
  rq.vr = (char *)vr;
  rq.name = (char *)name;
  erx_env_t *rep = call(&rq.base);
  cr_assert_eq(rep->body_case, ERX__BUS__ENVELOPE__BODY_ADMIT_REPLY);
  answer_t a = {.ok = rep->admit_reply->admitted, .in_use = rep->admit_reply->in_use,
                .maximum = rep->admit_reply->maximum};
  snprintf(a.text, sizeof a.text, "%s", rep->admit_reply->reason);
  erx_env_free(rep);
  return a;
}

static answer_t install(const char *key) {
  Erx__Lic__InstallRequest rq = ERX__LIC__INSTALL_REQUEST__INIT;
  rq.key = (char *)(key ? key : "");
  rq.remove = key == NULL;
  erx_env_t *rep = call(&rq.base);
  cr_assert_eq(rep->body_case, ERX__BUS__ENVELOPE__BODY_INSTALL_REPLY);
  answer_t a = {.ok = rep->install_reply->ok};
  snprintf(a.text, sizeof a.text, "%s", rep->install_reply->message);
  erx_env_free(rep);
  return a;
}

static bool blocked(const char *key) { return erx_strmap_get(fx.blocked, key) != NULL; }

static const char *mint(const char *id, uint32_t tunnels) {
  static char tok[LIC_TOKEN_MAX + 1];
  lt_mint(fx.lab_priv, id, tunnels, "2025-01-15", tok);
  return tok;
}

static bool stored(char *buf, size_t cap) {
  size_t len;
  char err[256];
  return lic_store_read(fx.state, buf, cap, &len, err, sizeof err) == 1;
}

/* ---- tests ---- */

Test(licensed, refuses_until_configd_has_been_counted) {
  server_start();
  cr_assert(!fx.st.counted);
  answer_t a = admit("default", "t1");
  cr_assert(!a.ok);
  cr_assert_str_eq(a.text, STILL_COUNTING);
  a = install(mint("LAB-0001", 1000));
  cr_assert(!a.ok);
  cr_assert_str_eq(a.text, STILL_COUNTING);

  standin_configd_start();
  wait_counted();
  a = admit("default", "t1");
  cr_assert(a.ok, "%s", a.text);
  cr_assert_eq(a.in_use, 1);
  cr_assert_eq(a.maximum, 10);
}

/* Before configd's first snapshot licensed says it is starting (erx-router
 * waits for that to end) and refuses admissions at once: holding them would
 * hold configd, which must answer licensed's snapshot request. */
static const Erx__Bus__Pong *ping(one_call_t *o, Erx__Bus__Ping *p) {
  client_t c;
  *o = (one_call_t){.body = &p->base};
  client_start(&c, do_call, o);
  client_finish(&c);
  cr_assert_not_null(o->rep, "%s", o->err);
  cr_assert_eq(o->rep->body_case, ERX__BUS__ENVELOPE__BODY_PONG);
  return o->rep->pong;
}

Test(licensed, starting_until_counted_and_early_requests_refused_at_once) {
  server_start();
  Erx__Bus__Ping p = ERX__BUS__PING__INIT;
  one_call_t po;
  cr_assert(ping(&po, &p)->starting, "not counted yet: starting");
  erx_env_free(po.rep);

  Erx__Lic__AdmitRequest rq = ERX__LIC__ADMIT_REQUEST__INIT;
  rq.vr = "default";
  rq.name = "early";
  one_call_t o = {.body = &rq.base};
  client_t c;
  client_start(&c, do_call, &o);
  client_finish(&c);
  cr_assert_not_null(o.rep, "%s", o.err);
  cr_assert_eq(o.rep->body_case, ERX__BUS__ENVELOPE__BODY_ADMIT_REPLY);
  cr_assert_not(o.rep->admit_reply->admitted);
  cr_assert(strstr(o.rep->admit_reply->reason, "still counting"), "%s", o.rep->admit_reply->reason);
  erx_env_free(o.rep);

  standin_configd_start();
  wait_counted();
  cr_assert_not(ping(&po, &p)->starting, "counted: ready");
  erx_env_free(po.rep);
}

Test(licensed, twelve_tunnels_without_licence_two_blocked) {
  standin_configd_start();
  cfg_tunnels(1, 12);
  server_start();
  wait_counted();
  TU_WAIT(fx.base, 3000, erx_strmap_count(fx.blocked) == 2);
  cr_assert_eq(fx.st.in_use, 12);
  cr_assert_eq(fx.st.maximum, 10);
  cr_assert_eq(fx.st.blocked, 2);
  cr_assert(blocked("default/t8") && blocked("default/t9"), "the last two in key order");

  answer_t a = admit("default", "t13");
  cr_assert(!a.ok);
  cr_assert_str_eq(a.text, "IPsec tunnel limit reached (12 of 10 in use; no licence installed, chassis erx-1440 "
                           "allows 5000)");
  a = admit("default", "t9");
  cr_assert(a.ok, "a configured tunnel is admitted again (configd re-entering its mode)");
  a = admit("", "t3");
  cr_assert(a.ok, "an empty virtual router is the default one");
  cr_assert_eq(a.in_use, 12);

  /* deleting a tunnel from the configuration unblocks one */
  cfg_tunnel("default", "t1", false);
  TU_WAIT(fx.base, 3000, erx_strmap_count(fx.blocked) == 1);
  cr_assert(blocked("default/t9") && !blocked("default/t8"));
  cr_assert_eq(fx.st.blocked, 1);
}

Test(licensed, install_lifts_blocks_and_removal_is_refused_while_in_use) {
  standin_configd_start();
  cfg_tunnels(1, 12);
  server_start();
  wait_counted();
  TU_WAIT(fx.base, 3000, erx_strmap_count(fx.blocked) == 2);

  const char *key = mint("LAB-0001", 1000);
  answer_t a = install(key);
  cr_assert(a.ok, "%s", a.text);
  cr_assert_str_eq(a.text, "licence LAB-0001 installed: 1000 tunnels (chassis erx-1440 allows 5000; maximum 1000)");
  TU_WAIT(fx.base, 3000, erx_strmap_count(fx.blocked) == 0 && fx.st.installed);
  cr_assert_eq(erx_strmap_count(fx.blocked), 0);
  cr_assert(fx.st.installed);
  cr_assert_str_eq(fx.st.id, "LAB-0001");
  cr_assert_eq(fx.st.tier, 1000);
  cr_assert_eq(fx.st.maximum, 1000);
  char buf[LIC_TOKEN_MAX + 8];
  cr_assert(stored(buf, sizeof buf));
  cr_assert_str_eq(buf, key);

  a = install(key);
  cr_assert(a.ok, "the same key again is fine: %s", a.text);

  a = admit("default", "t13");
  cr_assert(a.ok, "%s", a.text);
  cr_assert_eq(a.in_use, 13);
  TU_WAIT(fx.base, 3000, fx.st.in_use == 13);
  cfg_tunnel("default", "t13", true); /* configd commits it: not counted twice */
  TU_RUN(fx.base, 100);
  cr_assert_eq(fx.st.in_use, 13);

  a = install(NULL);
  cr_assert(!a.ok);
  cr_assert_str_eq(a.text, "refused: 13 tunnels are configured and without a licence only 10 are allowed");
  cr_assert(stored(buf, sizeof buf), "the licence stays");

  cfg_tunnel("default", "t11", false);
  cfg_tunnel("default", "t12", false);
  cfg_tunnel("default", "t13", false);
  TU_WAIT(fx.base, 3000, fx.st.in_use == 10);
  a = install(NULL);
  cr_assert(a.ok, "%s", a.text);
  cr_assert_str_eq(a.text, "licence LAB-0001 removed: at most 10 tunnels");
  cr_assert(!stored(buf, sizeof buf));
  TU_WAIT(fx.base, 3000, !fx.st.installed);
  cr_assert_eq(fx.st.maximum, 10);
}

Test(licensed, bad_keys_are_refused_and_the_old_licence_stays) {
  standin_configd_start();
  server_start();
  wait_counted();
  char old[LIC_TOKEN_MAX + 1], buf[LIC_TOKEN_MAX + 8];
  snprintf(old, sizeof old, "%s", mint("LAB-0001", 1000));
  cr_assert(install(old).ok);
  TU_WAIT(fx.base, 3000, fx.st.installed);
  cr_assert(fx.st.installed);

  answer_t a = install("hello");
  cr_assert(!a.ok);
  cr_assert_str_eq(a.text, "not an erx-ipsec licence key");
  char cut[LIC_TOKEN_MAX + 1];
  snprintf(cut, sizeof cut, "%.*s", (int)strlen(old) - 3, mint("LAB-0002", 5000));
  a = install(cut);
  cr_assert_str_eq(a.text, "licence key is truncated");

  EVP_PKEY *other = lt_other_key();
  char foreign[LIC_TOKEN_MAX + 1];
  lt_mint(other, "OTHER-1", 5000, "2025-01-15", foreign);
  EVP_PKEY_free(other);
  a = install(foreign);
  cr_assert(!a.ok);
  cr_assert_str_eq(a.text, "signature does not match: tampered, or signed by another vendor");

  TU_RUN(fx.base, 50);
  cr_assert(fx.st.installed);
  cr_assert_str_eq(fx.st.id, "LAB-0001");
  cr_assert(stored(buf, sizeof buf));
  cr_assert_str_eq(buf, old);
}

Test(licensed, a_smaller_licence_than_the_tunnels_in_use_is_refused) {
  standin_configd_start();
  cfg_tunnels(1, 1001);
  server_start_with("erx-310", fx.lab_pub, 0);
  wait_counted();
  TU_WAIT(fx.base, 5000, fx.st.in_use == 1001);
  answer_t a = install(mint("LAB-5K", 5000));
  cr_assert(a.ok, "%s", a.text);
  cr_assert_str_eq(a.text, "licence LAB-5K installed: 5000 tunnels (chassis erx-310 allows 2000; maximum 2000)");
  a = install(mint("LAB-1K", 1000));
  cr_assert(!a.ok);
  cr_assert_str_eq(a.text, "refused: 1001 tunnels are configured and licence LAB-1K allows only 1000");
  TU_WAIT(fx.base, 3000, fx.st.maximum == 2000 && fx.st.blocked == 0);
  cr_assert_str_eq(fx.st.id, "LAB-5K");
}

static void write_stored(const char *content) {
  char err[256];
  cr_assert_eq(lic_store_write(fx.state, content, err, sizeof err), 0, "%s", err);
}

Test(licensed, a_tampered_stored_licence_is_not_in_force_and_kept) {
  char tok[LIC_TOKEN_MAX + 1], buf[LIC_TOKEN_MAX + 8];
  snprintf(tok, sizeof tok, "%s", mint("LAB-0001", 1000));
  /* an edited file: one character of the signed part changed by hand */
  tok[30] = tok[30] == 'A' ? 'B' : 'A';
  write_stored(tok);
  standin_configd_start();
  cfg_tunnels(1, 11);
  server_start();
  wait_counted();
  TU_WAIT(fx.base, 3000, fx.st.blocked == 1);
  cr_assert(!fx.st.installed);
  cr_assert_eq(fx.st.maximum, 10);
  cr_assert_str_eq(fx.st.problem, "stored licence not in force: signature does not match: tampered, or signed by "
                                  "another vendor");
  cr_assert(stored(buf, sizeof buf), "never deleted");
  cr_assert_str_eq(buf, tok);
  answer_t a = admit("default", "t12");
  cr_assert_str_eq(a.text, "IPsec tunnel limit reached (11 of 10 in use; the stored licence is not in force, "
                           "chassis erx-1440 allows 5000)");

  a = install(mint("LAB-0002", 2000));
  cr_assert(a.ok, "%s", a.text);
  TU_WAIT(fx.base, 3000, fx.st.installed && fx.st.blocked == 0);
  cr_assert_str_eq(fx.st.problem, "");
}

Test(licensed, another_vendor_key_overrides_the_lab_key) {
  EVP_PKEY *other = lt_other_key();
  write_stored(mint("LAB-0001", 1000)); /* the lab's key: foreign to this vendor */
  standin_configd_start();
  server_start_with("erx-1440", other, 0);
  wait_counted();
  cr_assert(!fx.st.installed);
  cr_assert(strstr(fx.st.problem, "signed by another vendor"), "%s", fx.st.problem);

  char tok[LIC_TOKEN_MAX + 1];
  lt_mint(other, "VENDOR-2", 4000, "2025-01-15", tok);
  answer_t a = install(tok);
  cr_assert(a.ok, "%s", a.text);
  TU_WAIT(fx.base, 3000, fx.st.installed);
  cr_assert_eq(fx.st.maximum, 4000);
  server_stop();
  EVP_PKEY_free(other);
}

Test(licensed, the_licence_survives_a_restart) {
  standin_configd_start();
  server_start();
  wait_counted();
  cr_assert(install(mint("LAB-0004", 4000)).ok);
  server_stop();
  server_start();
  cr_assert(fx.st.installed);
  cr_assert_str_eq(fx.st.id, "LAB-0004");
  cr_assert_eq(fx.st.maximum, 4000);
  cr_assert_str_eq(fx.st.problem, "");
}

Test(licensed, uncommitted_admissions_expire) {
  standin_configd_start();
  server_start_with("erx-1440", fx.lab_pub, 300);
  wait_counted();
  for (unsigned i = 1; i <= 10; i++) {
    char name[16];
    snprintf(name, sizeof name, "t%u", i);
    cr_assert(admit("default", name).ok);
  }
  cr_assert(!admit("default", "t11").ok, "ten reservations fill the unlicensed maximum");
  TU_WAIT(fx.base, 3000, fx.st.in_use == 10);
  TU_WAIT(fx.base, 3000, fx.st.in_use == 0);
  cr_assert_eq(fx.st.in_use, 0, "configd never committed them: dropped");
  cr_assert(admit("default", "t11").ok);
}

Test(licensed, unknown_and_malformed_requests_get_an_error) {
  standin_configd_start();
  server_start();
  wait_counted();
  Erx__Lic__BlockedTunnel odd = ERX__LIC__BLOCKED_TUNNEL__INIT;
  erx_env_t *rep = call(&odd.base);
  cr_assert_eq(rep->body_case, ERX__BUS__ENVELOPE__BODY_ERROR);
  cr_assert_str_eq(rep->error->text, "licensed: unsupported request erx.lic.BlockedTunnel");
  erx_env_free(rep);

  Erx__Lic__AdmitRequest rq = ERX__LIC__ADMIT_REQUEST__INIT;
  rq.vr = "default";
  rq.name = "a/b";
  rep = call(&rq.base);
  cr_assert_eq(rep->body_case, ERX__BUS__ENVELOPE__BODY_ERROR);
  erx_env_free(rep);

  Erx__Bus__Ping ping = ERX__BUS__PING__INIT;
  rep = call(&ping.base);
  cr_assert_eq(rep->body_case, ERX__BUS__ENVELOPE__BODY_PONG);
  cr_assert_str_eq(rep->pong->service, "licensed");
  erx_env_free(rep);
}

/* ---- cost of an admission round trip ---- */

typedef struct {
  unsigned n, admitted;
  double ms;
} bench_t;

static void do_admissions(void *arg, erx_ctl_client_t *c) {
  bench_t *b = arg;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (unsigned i = 0; i < b->n; i++) {
    char name[16], err[256];
    snprintf(name, sizeof name, "b%u", i);
    Erx__Lic__AdmitRequest rq = ERX__LIC__ADMIT_REQUEST__INIT;
    rq.vr = "default";
    rq.name = name;
    erx_env_t *rep = erx_ctl_call(c, &rq.base, 3000, err, sizeof err);
    if (rep && rep->body_case == ERX__BUS__ENVELOPE__BODY_ADMIT_REPLY && rep->admit_reply->admitted)
      b->admitted++;
    erx_env_free(rep);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  b->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

Test(licensed, five_thousand_admissions) {
  standin_configd_start();
  server_start();
  wait_counted();
  cr_assert(install(mint("LAB-5K", 5000)).ok);
  bench_t b = {.n = 5000};
  run_client(do_admissions, &b);
  cr_assert_eq(b.admitted, 5000);
  answer_t a = admit("default", "one-too-many");
  cr_assert(!a.ok);
  cr_assert_str_eq(a.text, "IPsec tunnel limit reached (5000 of 5000 in use; licence LAB-5K allows 5000, chassis "
                           "erx-1440 allows 5000)");
  fprintf(stderr, "licensed: 5000 admissions in %.1f ms, %.1f us per round trip (in process)\n", b.ms,
          b.ms * 1000.0 / b.n);
}
