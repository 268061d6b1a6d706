#include <criterion/criterion.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "bus.h"
#include "log.h"
#include "test_util.h"

static struct event_base *base;
static erx_bus_t *bus;

static void setup(void) {
  erx_log_init("test");
  base = event_base_new();
  bus = erx_bus_new(base);
}
static void teardown(void) {
  erx_bus_destroy(&bus);
  event_base_free(base);
}
TestSuite(bus, .init = setup, .fini = teardown);

typedef struct {
  unsigned msgs, drained;
  size_t nframes;
  char frames[8][32];
} rx_t;

static void record(erx_sock_t *s, const erx_frame_t *f, size_t n, void *arg) {
  rx_t *rx = arg;
  rx->msgs++;
  rx->nframes = n;
  for (size_t i = 0; i < n && i < 8; i++)
    snprintf(rx->frames[i], sizeof rx->frames[i], "%.*s", (int)f[i].len, (const char *)f[i].data);
}

static void count_drained(erx_sock_t *s, void *arg) { ((rx_t *)arg)->drained++; }

#define FRAMES(...) ((erx_frame_t[]){__VA_ARGS__})
#define F(s) {s, sizeof(s) - 1}

Test(bus, pub_sub_multipart) {
  rx_t rx = {0};
  erx_sock_t *pub = erx_sock_bind(bus, ZMQ_PUB, tu_ep("p"), NULL, NULL);
  erx_sock_t *sub = erx_sock_connect(bus, ZMQ_SUB, tu_ep("p"), record, &rx);
  cr_assert(pub && sub);
  cr_assert_eq(erx_sock_subscribe(sub, "cfg."), 0);
  /* the subscription travels asynchronously: publish until it has arrived */
  for (int i = 0; i < 200 && rx.msgs == 0; i++) {
    erx_sock_send(pub, FRAMES(F("other.x"), F("no")), 2);
    erx_sock_send(pub, FRAMES(F("cfg.tunnel"), F("a"), F("b")), 3);
    TU_RUN(base, 10);
  }
  cr_assert_gt(rx.msgs, 0);
  cr_assert_eq(rx.nframes, 3);
  cr_assert_str_eq(rx.frames[0], "cfg.tunnel");
  cr_assert_str_eq(rx.frames[2], "b");
  erx_sock_destroy(&sub);
  erx_sock_destroy(&pub);
  cr_assert_null(pub);
}

static void echo(erx_sock_t *s, const erx_frame_t *f, size_t n, void *arg) {
  if (arg)
    record(s, f, n, arg);
  erx_sock_send(s, f, n);
}

Test(bus, router_dealer_multipart) {
  rx_t srv = {0}, cli = {0};
  erx_sock_t *router = erx_sock_bind(bus, ZMQ_ROUTER, tu_ep("r"), echo, &srv);
  erx_sock_t *dealer = erx_sock_connect(bus, ZMQ_DEALER, tu_ep("r"), record, &cli);
  cr_assert(router && dealer);
  cr_assert_eq(erx_sock_send(dealer, FRAMES(F("one"), F(""), F("three")), 3), 0);
  TU_WAIT(base, 5000, cli.msgs == 1);
  cr_assert_eq(srv.nframes, 4, "identity + 3");
  cr_assert_eq(cli.nframes, 3);
  cr_assert_str_eq(cli.frames[0], "one");
  cr_assert_str_eq(cli.frames[1], "");
  cr_assert_str_eq(cli.frames[2], "three");
  erx_sock_destroy(&dealer);
  erx_sock_destroy(&router);
}

/* Many messages sent in one go, each answered from inside the receive
 * callback: every one must arrive although the sends eat ZMQ_FD's edges. */
Test(bus, drain_after_send) {
  enum { N = 20000 };
  rx_t srv = {0}, cli = {0};
  erx_sock_t *router = erx_sock_bind(bus, ZMQ_ROUTER, tu_ep("r"), echo, &srv);
  erx_sock_t *dealer = erx_sock_connect(bus, ZMQ_DEALER, tu_ep("r"), record, &cli);
  erx_sock_set_drained(router, count_drained);
  for (int i = 0; i < N; i++)
    cr_assert_eq(erx_sock_send(dealer, FRAMES(F("ping")), 1), 0);
  TU_WAIT(base, 30000, cli.msgs == N);
  cr_assert_eq(srv.msgs, N);
  cr_assert_eq(cli.msgs, N);
  cr_assert_gt(srv.drained, 0);
  cr_assert_leq(srv.drained, N);
  /* nothing more afterwards */
  TU_RUN(base, 50);
  cr_assert_eq(cli.msgs, N);
  erx_sock_destroy(&dealer);
  erx_sock_destroy(&router);
}

Test(bus, ipc_mode_and_rundir) {
  char ep[320], path[288], dir[256];
  snprintf(dir, sizeof dir, "%s/run/nested", tu_dir());
  snprintf(path, sizeof path, "%s/configd.ctl", dir);
  snprintf(ep, sizeof ep, "ipc://%s", path);
  erx_sock_t *s = erx_sock_bind(bus, ZMQ_ROUTER, ep, NULL, NULL);
  cr_assert_not_null(s);
  struct stat st;
  cr_assert_eq(stat(path, &st), 0);
  cr_assert_eq(st.st_mode & 0777, 0600);
  cr_assert_eq(stat(dir, &st), 0);
  cr_assert_eq(st.st_mode & 0777, 0700);
  cr_assert_str_eq(erx_sock_endpoint(s), ep);
  erx_sock_destroy(&s);
}

Test(bus, bind_failure_is_null) {
  cr_assert_null(erx_sock_bind(bus, ZMQ_ROUTER, "bogus://x", NULL, NULL));
  erx_sock_t *a = erx_sock_bind(bus, ZMQ_ROUTER, "tcp://127.0.0.1:*", NULL, NULL);
  cr_assert_not_null(a);
  cr_assert_null(strstr(erx_sock_endpoint(a), "*"), "resolved: %s", erx_sock_endpoint(a));
  erx_sock_destroy(&a);
}

static erx_sock_t *victim;
static void destroy_self(erx_sock_t *s, const erx_frame_t *f, size_t n, void *arg) {
  (*(unsigned *)arg)++;
  erx_sock_destroy(&victim);
}

Test(bus, destroy_inside_callback) {
  unsigned calls = 0;
  erx_sock_t *router = erx_sock_bind(bus, ZMQ_ROUTER, tu_ep("r"), destroy_self, &calls);
  victim = router;
  erx_sock_t *dealer = erx_sock_connect(bus, ZMQ_DEALER, tu_ep("r"), NULL, NULL);
  for (int i = 0; i < 10; i++)
    erx_sock_send(dealer, FRAMES(F("x")), 1);
  TU_WAIT(base, 5000, calls > 0);
  TU_RUN(base, 50);
  cr_assert_eq(calls, 1);
  cr_assert_null(victim);
  erx_sock_destroy(&dealer);
}

Test(bus, too_many_frames_dropped) {
  rx_t srv = {0};
  erx_sock_t *router = erx_sock_bind(bus, ZMQ_ROUTER, tu_ep("r"), record, &srv);
  erx_sock_t *dealer = erx_sock_connect(bus, ZMQ_DEALER, tu_ep("r"), NULL, NULL);
  erx_frame_t many[12];
  for (int i = 0; i < 12; i++)
    many[i] = (erx_frame_t){"f", 1};
  erx_sock_send(dealer, many, 12);
  erx_sock_send(dealer, FRAMES(F("ok")), 1);
  TU_WAIT(base, 5000, srv.msgs == 1);
  TU_RUN(base, 30);
  cr_assert_eq(srv.msgs, 1);
  cr_assert_str_eq(srv.frames[1], "ok");
  erx_sock_destroy(&dealer);
  erx_sock_destroy(&router);
}
