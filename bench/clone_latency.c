/* Change-to-subscriber latency through configd, and snapshot time.
 *
 * A Clone subscriber in this process watches configd; each sample sends one
 * CLI command (tunnel mtu N) through configd's control socket and measures
 * until the subscriber sees the tunnel with that MTU: parse, journal fsync,
 * publish, deliver.  Then it times a fresh subscriber's snapshot of
 * everything configd holds.  Usage: clone_latency DIR [SAMPLES] */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clone_sub.h"
#include "config.pb-c.h"
#include "ctl_client.h"
#include "endpoints.h"
#include "log.h"

typedef struct {
  struct event_base *base;
  uint32_t want_mtu;
  bool seen, synced;
  size_t items;
} state_t;

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_set(void *arg, const char *topic, const char *key, const ProtobufCMessage *body)
{
  state_t *s = arg;
  if (body->descriptor == &erx__cfg__tunnel__descriptor && strcmp(key, "tunnel/default/lat") == 0 &&
      ((const Erx__Cfg__Tunnel *)body)->mtu == s->want_mtu) {
    s->seen = true;
    event_base_loopbreak(s->base);
  }
}

static void on_sync(void *arg, bool synced)
{
  state_t *s = arg;
  s->synced = synced;
  if (synced)
    event_base_loopbreak(s->base);
}

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int exec(erx_ctl_client_t *c, const char *line)
{
  Erx__Cfg__CliRequest rq = ERX__CFG__CLI_REQUEST__INIT;
  Erx__Cfg__CliContext ctx = ERX__CFG__CLI_CONTEXT__INIT;
  ctx.mode = ERX__CFG__MODE__MODE_CONFIG;
  ctx.vr = (char *)"default";
  char *lines[2] = {(char *)"interface tunnel ipsec:lat", (char *)line};
  rq.ctx = &ctx;
  rq.lines = lines;
  rq.n_lines = 2;
  char err[256];
  erx_env_t *rep = erx_ctl_call(c, &rq.base, 10000, err, sizeof err);
  if (!rep) {
    fprintf(stderr, "clone_latency: %s\n", err);
    return -1;
  }
  erx_env_free(rep);
  return 0;
}

static bool wait_loop(state_t *s, bool *flag, double limit_s)
{
  struct timeval tv = {(time_t)limit_s, 0};
  double deadline = now() + limit_s;
  while (!*flag && now() < deadline) {
    event_base_loopexit(s->base, &tv);
    event_base_dispatch(s->base);
  }
  return *flag;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: clone_latency DIR [SAMPLES]\n");
    return 2;
  }
  char rundir[512];
  snprintf(rundir, sizeof rundir, "%s/run", argv[1]);
  setenv("ERX_RUNDIR", rundir, 1);
  int samples = argc > 2 ? atoi(argv[2]) : 1000;
  erx_log_init("clone_latency");
  char pub[256], snap[256], ctl[256];
  erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_PUB, false, pub, sizeof pub);
  erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_SNAP, false, snap, sizeof snap);
  erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_CTL, false, ctl, sizeof ctl);

  state_t s = {.base = event_base_new()};
  erx_bus_t *bus = erx_bus_new(s.base);
  erx_clone_sub_cbs_t cbs = {.on_set = on_set, .on_sync = on_sync};
  double t0 = now();
  erx_clone_sub_t *sub = erx_clone_sub_new(bus, "cfg", pub, snap, "cfg.", &cbs, &s);
  if (!sub || !wait_loop(&s, &s.synced, 60)) {
    fprintf(stderr, "clone_latency: no snapshot from configd\n");
    return 1;
  }
  double snap_s = now() - t0;
  size_t items = erx_clone_sub_count(sub);

  erx_ctl_client_t *c = erx_ctl_client_new(ctl);
  double *lat = calloc((size_t)samples, sizeof *lat);
  for (int i = 0; i < samples; i++) {
    char line[64];
    s.want_mtu = 1000 + (uint32_t)(i % 2000);
    s.seen = false;
    snprintf(line, sizeof line, "tunnel mtu %u", s.want_mtu);
    double start = now();
    if (exec(c, line) != 0 || !wait_loop(&s, &s.seen, 10)) {
      fprintf(stderr, "clone_latency: sample %d not delivered\n", i);
      return 1;
    }
    lat[i] = now() - start;
  }
  qsort(lat, (size_t)samples, sizeof *lat, cmp);
  printf("clone latency: %d single commands, command to subscriber p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", samples,
         lat[samples / 2] * 1e3, lat[samples * 99 / 100] * 1e3, lat[samples - 1] * 1e3);
  printf("clone snapshot: %zu items (everything configd holds) in %.3f s\n", items, snap_s);
  free(lat);
  erx_ctl_client_destroy(&c);
  erx_clone_sub_destroy(&sub);
  erx_bus_destroy(&bus);
  event_base_free(s.base);
  return 0;
}
