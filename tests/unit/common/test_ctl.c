#include <criterion/criterion.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "config.pb-c.h"
#include "ctl.h"
#include "ctl_client.h"
#include "envelope.h"
#include "log.h"
#include "test_util.h"

/* A service: CliRequest "slow" is answered 300 ms later, any other
 * CliRequest at once with a CliReply whose prompt is the first line. */
typedef struct {
  struct event_base *base;
  erx_bus_t *bus;
  erx_ctl_t *ctl;
  unsigned requests, drained;
  erx_ctl_req_t *delayed;
  struct event *ev_delay;
} svc_t;

static void reply_prompt(svc_t *s, erx_ctl_req_t *req, const char *prompt) {
  Erx__Cfg__CliReply r = ERX__CFG__CLI_REPLY__INIT;
  r.prompt = (char *)prompt;
  erx_ctl_reply(s->ctl, req, &r.base);
}

static void on_delay(evutil_socket_t fd, short what, void *arg) {
  svc_t *s = arg;
  reply_prompt(s, s->delayed, "late");
  s->delayed = NULL;
}

static void handle(void *arg, erx_ctl_req_t *req, const ProtobufCMessage *body) {
  svc_t *s = arg;
  s->requests++;
  if (body->descriptor != &erx__cfg__cli_request__descriptor) {
    erx_ctl_reply_error(s->ctl, req, "unsupported request");
    return;
  }
  const Erx__Cfg__CliRequest *cr = (const Erx__Cfg__CliRequest *)body;
  const char *line = cr->n_lines ? cr->lines[0] : "";
  if (strcmp(line, "slow") == 0 && !s->delayed) {
    s->delayed = req;
    struct timeval tv = {0, 300000};
    evtimer_add(s->ev_delay, &tv);
    return;
  }
  reply_prompt(s, req, line);
}

static void on_drained(void *arg) { ((svc_t *)arg)->drained++; }

static void svc_start(svc_t *s, const char *ep) {
  memset(s, 0, sizeof *s);
  s->base = event_base_new();
  s->bus = erx_bus_new(s->base);
  s->ctl = erx_ctl_new(s->bus, ep, "testd", handle, s);
  cr_assert_not_null(s->ctl);
  erx_ctl_set_drained(s->ctl, on_drained);
  s->ev_delay = evtimer_new(s->base, on_delay, s);
}

static void svc_stop(svc_t *s) {
  event_free(s->ev_delay);
  free(s->delayed); /* abandoned request: the test owns no reply path */
  erx_ctl_destroy(&s->ctl);
  erx_bus_destroy(&s->bus);
  event_base_free(s->base);
}

static void quiet(void) {
  erx_log_init("test");
  erx_log_set_level(ERX_LOG_ERR);
}

/* ---- in-loop client: a bus DEALER ---- */

typedef struct {
  unsigned n;
  uint64_t corr[16];
  char text[16][64];
  size_t nframes;
} replies_t;

static void on_reply(erx_sock_t *sock, const erx_frame_t *f, size_t n, void *arg) {
  replies_t *r = arg;
  char err[128];
  erx_env_t *env = erx_env_unpack(f[n - 1].data, f[n - 1].len, err, sizeof err);
  cr_assert_not_null(env, "%s", err);
  const ProtobufCMessage *b = erx_env_body(env);
  const Erx__Bus__Pong *pong = (const Erx__Bus__Pong *)erx_env_body_as(env, &erx__bus__pong__descriptor);
  const Erx__Bus__Error *e = (const Erx__Bus__Error *)erx_env_body_as(env, &erx__bus__error__descriptor);
  const Erx__Cfg__CliReply *cr = (const Erx__Cfg__CliReply *)erx_env_body_as(env, &erx__cfg__cli_reply__descriptor);
  if (r->n < 16) {
    r->corr[r->n] = env->corr;
    if (pong)
      snprintf(r->text[r->n], 64, "pong %s %u", pong->service, pong->pid);
    else if (e)
      snprintf(r->text[r->n], 64, "error %s", e->text);
    else if (cr)
      snprintf(r->text[r->n], 64, "prompt %s", cr->prompt);
    else
      snprintf(r->text[r->n], 64, "%s", b ? b->descriptor->name : "empty");
  }
  r->nframes = n;
  r->n++;
  erx_env_free(env);
}

/* The in-loop tests: service and DEALER client on one event base. */
static svc_t srv;
static replies_t rep;
static erx_sock_t *dealer;

static void loop_setup(void) {
  quiet();
  svc_start(&srv, tu_ep("t.ctl"));
  memset(&rep, 0, sizeof rep);
  dealer = erx_sock_connect(srv.bus, ZMQ_DEALER, tu_ep("t.ctl"), on_reply, &rep);
  cr_assert_not_null(dealer);
}

static void loop_teardown(void) {
  erx_sock_destroy(&dealer);
  svc_stop(&srv);
}

TestSuite(ctl, .init = loop_setup, .fini = loop_teardown, .timeout = 60);

static void send_body(uint64_t corr, const ProtobufCMessage *body, bool delim) {
  erx_env_t env = ERX_ENV_INIT;
  env.corr = corr;
  if (body)
    erx_env_set_body(&env, body);
  erx_frame_t empty = {"", 0};
  cr_assert_eq(erx_sock_send_env(dealer, &empty, delim ? 1 : 0, &env), 0);
}

static void send_line(uint64_t corr, const char *line) {
  Erx__Cfg__CliRequest req = ERX__CFG__CLI_REQUEST__INIT;
  char *lines[] = {(char *)line};
  req.lines = lines;
  req.n_lines = 1;
  send_body(corr, &req.base, false);
}

Test(ctl, ping_pong) {
  Erx__Bus__Ping ping = ERX__BUS__PING__INIT;
  send_body(7, &ping.base, false);
  TU_WAIT(srv.base, 5000, rep.n == 1);
  cr_assert_eq(rep.n, 1);
  cr_assert_eq(rep.corr[0], 7);
  char want[64];
  snprintf(want, sizeof want, "pong testd %u", (unsigned)getpid());
  cr_assert_str_eq(rep.text[0], want);
  cr_assert_eq(srv.requests, 0, "ping never reaches the handler");
  cr_assert_eq(srv.drained, 0, "nor the group commit");
}

Test(ctl, delayed_reply_and_group_commit) {
  send_line(1, "slow");
  for (int i = 2; i <= 6; i++)
    send_line((uint64_t)i, "fast");
  TU_WAIT(srv.base, 5000, rep.n == 6);
  cr_assert_eq(rep.n, 6);
  cr_assert_eq(rep.corr[5], 1, "the delayed reply comes last, with its corr");
  cr_assert_str_eq(rep.text[5], "prompt late");
  cr_assert_str_eq(rep.text[0], "prompt fast");
  cr_assert_eq(srv.requests, 6);
  cr_assert(srv.drained >= 1 && srv.drained <= 6, "drained %u", srv.drained);
}

Test(ctl, req_delimiter_echoed_and_bad_requests) {
  erx_frame_t junk[] = {{"\xff\xff\xff", 3}};
  erx_sock_send(dealer, junk, 1); /* malformed: dropped */
  send_body(11, NULL, false);     /* no body: Error */
  Erx__Bus__Ping ping = ERX__BUS__PING__INIT;
  send_body(12, &ping.base, true); /* as a REQ socket sends it */
  TU_WAIT(srv.base, 5000, rep.n == 2);
  TU_RUN(srv.base, 30);
  cr_assert_eq(rep.n, 2);
  cr_assert_eq(rep.corr[0], 11);
  cr_assert_str_eq(rep.text[0], "error request without body");
  cr_assert_eq(rep.corr[1], 12);
  cr_assert_eq(rep.nframes, 2, "the empty delimiter comes back");
}

/* ---- blocking client: the service runs in a thread ---- */

TestSuite(ctl_client, .init = quiet, .timeout = 60);

typedef struct {
  svc_t svc;
  char ep[128];
  atomic_bool stop, ready;
  pthread_t th;
} thread_svc_t;

static void *svc_thread(void *arg) {
  thread_svc_t *t = arg;
  svc_start(&t->svc, t->ep);
  atomic_store(&t->ready, true);
  while (!atomic_load(&t->stop))
    TU_RUN(t->svc.base, 20);
  svc_stop(&t->svc);
  return NULL;
}

static void thread_svc_start(thread_svc_t *t, const char *ep) {
  memset(t, 0, sizeof *t);
  snprintf(t->ep, sizeof t->ep, "%s", ep);
  pthread_create(&t->th, NULL, svc_thread, t);
  while (!atomic_load(&t->ready))
    usleep(1000);
}

static void thread_svc_stop(thread_svc_t *t) {
  atomic_store(&t->stop, true);
  pthread_join(t->th, NULL);
}

static erx_env_t *call_line(erx_ctl_client_t *c, const char *line, int ms, char *err, size_t errlen) {
  Erx__Cfg__CliRequest req = ERX__CFG__CLI_REQUEST__INIT;
  char *lines[] = {(char *)line};
  req.lines = lines;
  req.n_lines = 1;
  return erx_ctl_call(c, &req.base, ms, err, errlen);
}

Test(ctl_client, ping) {
  thread_svc_t t;
  thread_svc_start(&t, tu_ep("t.ctl"));
  erx_ctl_client_t *c = erx_ctl_client_new(tu_ep("t.ctl"));
  Erx__Bus__Ping ping = ERX__BUS__PING__INIT;
  char err[256] = "";
  erx_env_t *reply = erx_ctl_call(c, &ping.base, 5000, err, sizeof err);
  cr_assert_not_null(reply, "%s", err);
  const Erx__Bus__Pong *pong = (const Erx__Bus__Pong *)erx_env_body_as(reply, &erx__bus__pong__descriptor);
  cr_assert_not_null(pong);
  cr_assert_str_eq(pong->service, "testd");
  erx_env_free(reply);
  erx_ctl_client_destroy(&c);
  cr_assert_null(c);
  thread_svc_stop(&t);
}

Test(ctl_client, timeout_then_stale_reply_discarded) {
  thread_svc_t t;
  thread_svc_start(&t, tu_ep("t.ctl"));
  erx_ctl_client_t *c = erx_ctl_client_new(tu_ep("t.ctl"));
  char err[256] = "", want[256];
  erx_env_t *reply = call_line(c, "slow", 100, err, sizeof err);
  cr_assert_null(reply);
  snprintf(want, sizeof want, "no answer from %s within 100 ms", tu_ep("t.ctl"));
  cr_assert_str_eq(err, want);

  usleep(400 * 1000); /* the late reply is now waiting in the client's queue */
  reply = call_line(c, "next", 5000, err, sizeof err);
  cr_assert_not_null(reply, "%s", err);
  const Erx__Cfg__CliReply *cr = (const Erx__Cfg__CliReply *)erx_env_body_as(reply, &erx__cfg__cli_reply__descriptor);
  cr_assert_not_null(cr);
  cr_assert_str_eq(cr->prompt, "next", "the stale 'late' reply was discarded");
  erx_env_free(reply);
  erx_ctl_client_destroy(&c);
  thread_svc_stop(&t);
}

Test(ctl_client, no_service_then_restart) {
  erx_ctl_client_t *c = erx_ctl_client_new(tu_ep("t.ctl"));
  char err[256] = "", want[256];
  Erx__Bus__Ping ping = ERX__BUS__PING__INIT;
  cr_assert_null(erx_ctl_call(c, &ping.base, 100, err, sizeof err));
  snprintf(want, sizeof want, "no connection to %s within 100 ms", tu_ep("t.ctl"));
  cr_assert_str_eq(err, want);

  thread_svc_t t;
  thread_svc_start(&t, tu_ep("t.ctl"));
  erx_env_t *reply = erx_ctl_call(c, &ping.base, 5000, err, sizeof err);
  cr_assert_not_null(reply, "%s", err);
  erx_env_free(reply);
  thread_svc_stop(&t);

  /* the service restarts: the same client reaches the new one */
  thread_svc_start(&t, tu_ep("t.ctl"));
  reply = call_line(c, "again", 5000, err, sizeof err);
  cr_assert_not_null(reply, "%s", err);
  erx_env_free(reply);
  thread_svc_stop(&t);
  erx_ctl_client_destroy(&c);
}
