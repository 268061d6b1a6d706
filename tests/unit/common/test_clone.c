#include <criterion/criterion.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clone_pub.h"
#include "clone_sub.h"
#include "config.pb-c.h"
#include "log.h"
#include "strmap.h"
#include "test_util.h"

static struct event_base *base;
static erx_bus_t *bus;

/* What the callbacks said: key -> value, kept in step by on_set/on_del. */
typedef struct {
  unsigned sets, dels, syncs, unsyncs;
  erx_strmap_t *seen;
} watch_t;

static void on_set(void *arg, const char *topic, const char *key, const ProtobufCMessage *body) {
  watch_t *w = arg;
  cr_assert_eq(body->descriptor, &erx__cfg__virtual_router__descriptor);
  void *old = NULL;
  erx_strmap_put(w->seen, key, strdup(((const Erx__Cfg__VirtualRouter *)body)->name), &old);
  free(old);
  w->sets++;
}

static void on_del(void *arg, const char *topic, const char *key) {
  watch_t *w = arg;
  void *old = erx_strmap_del(w->seen, key);
  cr_assert_not_null(old, "on_del for %s, which was never set", key);
  free(old);
  w->dels++;
}

static void on_sync(void *arg, bool synced) {
  watch_t *w = arg;
  if (synced)
    w->syncs++;
  else
    w->unsyncs++;
}

static const erx_clone_sub_cbs_t cbs = {on_set, on_del, on_sync};
static watch_t w;
static erx_clone_pub_t *p;
static erx_clone_sub_t *s;

static void setup(void) {
  erx_log_init("test");
  erx_log_set_level(ERX_LOG_WARN);
  erx_clone_set_timing(50, 400);
  base = event_base_new();
  bus = erx_bus_new(base);
  memset(&w, 0, sizeof w);
  w.seen = erx_strmap_new();
}

static void teardown(void) {
  erx_clone_sub_destroy(&s);
  erx_clone_pub_destroy(&p);
  erx_strmap_destroy(&w.seen, free);
  erx_bus_destroy(&bus);
  event_base_free(base);
}

TestSuite(clone, .init = setup, .fini = teardown, .timeout = 60);

static void start_pub(void) {
  p = erx_clone_pub_new(bus, "cfg", tu_ep("cfg.pub"), tu_ep("cfg.snap"));
  cr_assert_not_null(p);
}

static void start_sub(const char *prefix) {
  s = erx_clone_sub_new(bus, "cfg", tu_ep("cfg.pub"), tu_ep("cfg.snap"), prefix, &cbs, &w);
  cr_assert_not_null(s);
}

static void set_vr(const char *topic, const char *key, const char *value) {
  Erx__Cfg__VirtualRouter vr = ERX__CFG__VIRTUAL_ROUTER__INIT;
  vr.name = (char *)value;
  cr_assert_eq(erx_clone_pub_set(p, topic, key, &vr.base), 0);
}

/* vr/<from> .. vr/<to - 1> = <tag><i> */
static void set_n(int from, int to, const char *tag) {
  char k[32], v[32];
  for (int i = from; i < to; i++) {
    snprintf(k, sizeof k, "vr/%05d", i);
    snprintf(v, sizeof v, "%s%d", tag, i);
    set_vr("cfg.vr", k, v);
  }
}

static bool converged(void) {
  return erx_clone_sub_synced(s) && erx_clone_sub_epoch(s) == erx_clone_pub_epoch(p) &&
         erx_clone_sub_seq(s) == erx_clone_pub_seq(p) && erx_clone_sub_count(s) == erx_clone_pub_count(p);
}

/* A publisher of n items and a subscriber that has caught up with it. */
static void start_synced(int n) {
  start_pub();
  set_n(0, n, "v");
  start_sub("");
  TU_WAIT(base, 10000, converged());
  cr_assert(converged());
  /* The SUB's subscription travels apart from the snapshot: give it time,
   * or a change made now may be lost and cost a (correct) re-snapshot. */
  TU_RUN(base, 100);
}

static void expect_value(const char *key, const char *value) {
  const char *got = erx_strmap_get(w.seen, key);
  cr_assert(got && strcmp(got, value) == 0, "%s: want %s, got %s", key, value, got ? got : "(none)");
}

Test(clone, late_joiner_gets_full_state) {
  start_pub();
  set_n(0, 100, "v");
  cr_assert_eq(erx_clone_pub_seq(p), 100);
  TU_RUN(base, 100); /* the subscriber really is late */
  start_sub("");
  TU_WAIT(base, 10000, converged());
  cr_assert(converged());
  cr_assert_eq(w.sets, 100);
  cr_assert_eq(w.syncs, 1);
  cr_assert_eq(erx_clone_sub_snapshots(s), 1);
  expect_value("vr/00042", "v42");

  /* then live changes, once the subscription is surely in place */
  TU_RUN(base, 100);
  set_vr("cfg.vr", "vr/00042", "changed");
  erx_clone_pub_del(p, "vr/00007");
  erx_clone_pub_del(p, "vr/absent"); /* no-op */
  TU_WAIT(base, 5000, converged() && w.dels == 1 && w.sets == 101);
  cr_assert_eq(erx_clone_sub_seq(s), 102);
  expect_value("vr/00042", "changed");
  cr_assert_null(erx_strmap_get(w.seen, "vr/00007"));
  cr_assert_eq(erx_clone_sub_count(s), 99);
  cr_assert_eq(erx_clone_sub_snapshots(s), 1, "no re-snapshot without reason");
}

Test(clone, same_value_is_no_change) {
  start_synced(3);
  set_n(0, 3, "v");
  cr_assert_eq(erx_clone_pub_seq(p), 3, "identical bytes bump nothing");
  TU_RUN(base, 100);
  cr_assert_eq(w.sets, 3);
}

Test(clone, missed_change_detected_by_next_change) {
  start_synced(10);

  erx_clone_pub_impair_drop(p, 1);
  set_vr("cfg.vr", "vr/00003", "lost"); /* never sent */
  set_vr("cfg.vr", "vr/00004", "seen");
  TU_WAIT(base, 10000, converged() && erx_clone_sub_snapshots(s) >= 2);
  cr_assert(converged());
  cr_assert_eq(erx_clone_sub_snapshots(s), 2);
  expect_value("vr/00003", "lost");
  expect_value("vr/00004", "seen");
  cr_assert_eq(w.sets, 12, "the re-snapshot reports only what changed");
  cr_assert_eq(w.unsyncs, 1);
  cr_assert_eq(w.syncs, 2);
}

Test(clone, missed_change_detected_by_heartbeat) {
  start_synced(10);
  erx_clone_pub_impair_drop(p, 2);
  erx_clone_pub_del(p, "vr/00001");
  set_vr("cfg.vr", "vr/00002", "lost");
  TU_WAIT(base, 10000, converged() && erx_clone_sub_snapshots(s) >= 2);
  cr_assert(converged());
  cr_assert_null(erx_strmap_get(w.seen, "vr/00001"));
  expect_value("vr/00002", "lost");
}

Test(clone, publisher_restart) {
  start_synced(20);
  uint64_t old_epoch = erx_clone_pub_epoch(p);

  erx_clone_pub_destroy(&p);
  start_pub();
  cr_assert_neq(erx_clone_pub_epoch(p), old_epoch);
  set_n(10, 30, "new"); /* 0..9 gone, 10..19 changed, 20..29 new */
  TU_WAIT(base, 10000, converged() && erx_clone_sub_snapshots(s) >= 2);
  cr_assert(converged());
  cr_assert_eq(w.dels, 10);
  cr_assert_eq(w.sets, 20 + 20);
  cr_assert_eq(erx_strmap_count(w.seen), 20);
  cr_assert_null(erx_strmap_get(w.seen, "vr/00005"));
  expect_value("vr/00015", "new15");
  expect_value("vr/00025", "new25");
}

Test(clone, silence_then_recovery) {
  start_synced(5);
  erx_clone_pub_destroy(&p);
  long long t0 = tu_now_ms();
  TU_WAIT(base, 5000, !erx_clone_sub_synced(s));
  cr_assert(!erx_clone_sub_synced(s));
  cr_assert_geq(tu_now_ms() - t0, 300, "stale only after the silence limit");
  cr_assert_eq(w.unsyncs, 1);
  cr_assert_eq(erx_clone_sub_count(s), 5, "a stale mirror keeps its items");

  TU_RUN(base, 1000); /* snapshot requests go unanswered meanwhile */
  start_pub();
  set_n(0, 5, "v");
  TU_WAIT(base, 10000, converged());
  cr_assert(converged());
  cr_assert_eq(w.sets, 5, "same content: nothing to report");
  cr_assert_eq(w.syncs, 2);
}

Test(clone, subscriber_before_publisher) {
  start_sub("");
  TU_RUN(base, 900);
  cr_assert(!erx_clone_sub_synced(s));
  start_pub();
  set_n(0, 3, "v");
  TU_WAIT(base, 10000, converged());
  cr_assert(converged());
}

Test(clone, prefix_filters_locally) {
  start_pub();
  set_n(0, 5, "v");
  set_vr("cfg.tunnel", "tunnel/default/a", "ta");
  start_sub("cfg.tunnel");
  TU_WAIT(base, 10000, erx_clone_sub_synced(s));
  TU_RUN(base, 100);
  cr_assert_eq(erx_clone_sub_count(s), 1);
  set_n(5, 8, "v"); /* other topics: seq moves, no callbacks, no gap */
  set_vr("cfg.tunnel", "tunnel/default/b", "tb");
  erx_clone_pub_del(p, "tunnel/default/a");
  TU_WAIT(base, 5000, erx_clone_sub_seq(s) == erx_clone_pub_seq(p) && w.dels == 1);
  cr_assert_eq(erx_clone_sub_count(s), 1);
  expect_value("tunnel/default/b", "tb");
  cr_assert_eq(w.sets, 2);
  cr_assert_eq(erx_clone_sub_snapshots(s), 1);
}

/* One change every tick, over the first 100 keys. */
static void churn(evutil_socket_t fd, short what, void *arg) {
  int *n = arg;
  char k[32];
  snprintf(k, sizeof k, "vr/%05d", *n % 100);
  set_vr("cfg.vr", k, *n % 2 ? "odd" : "even");
  (*n)++;
}

/* The largest configuration we support, snapshotted while changes keep
 * coming: the changes queued meanwhile are replayed. */
Test(clone, big_snapshot_converges) {
  enum { N = 50000 };
  erx_clone_set_timing(100, 2000);
  start_pub();
  set_n(0, N, "v");
  int changes = 0;
  struct event *ev = event_new(base, -1, EV_PERSIST, churn, &changes);
  struct timeval tv = {0, 2000};
  event_add(ev, &tv);
  start_sub("");
  TU_WAIT(base, 40000, erx_clone_sub_synced(s) && changes > 50);
  event_free(ev);
  TU_WAIT(base, 10000, converged());
  cr_assert(converged(), "count %zu/%zu seq %llu/%llu", erx_clone_sub_count(s), erx_clone_pub_count(p),
            (unsigned long long)erx_clone_sub_seq(s), (unsigned long long)erx_clone_pub_seq(p));
  cr_assert_eq(erx_strmap_count(w.seen), N);
  expect_value("vr/49999", "v49999");
  expect_value("vr/00000", "even"); /* churn writes key 0 only at even counts */
}
