/* erx-watch: a Clone subscriber that prints what a service publishes.
 *
 * Stream mode prints SYNC/SET/DEL lines as they happen and, on SIGTERM or
 * SIGINT, FINAL and the whole mirror as ITEM lines.  --dump waits for the
 * first snapshot, prints the ITEM lines and exits.  Tests read its output. */
#include <event2/event.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clone_sub.h"
#include "endpoints.h"
#include "log.h"
#include "pb_text.h"

/* The topic root each owner publishes under. */
static const char *const service_roots[ERX_SVC_COUNT] = {
    [ERX_SVC_CONFIGD] = "cfg", [ERX_SVC_LICENSED] = "lic", [ERX_SVC_IKED] = "ike",
    [ERX_SVC_DPD_MONITOR] = "dpd", [ERX_SVC_DATAPATHD] = "dp",
};

typedef struct {
  struct event_base *base;
  erx_clone_sub_t *sub;
  bool dump;
  int rc;
  double timeout_s;
  const char *snap_ep;
} watch_t;

typedef struct {
  char *key;
  char *text;
} line_t;

typedef struct {
  line_t *lines;
  size_t n;
} lines_t;

static void collect(void *arg, const char *topic, const char *key, const ProtobufCMessage *body) {
  lines_t *l = arg;
  char *text = erx_pb_text(body);
  char *k = strdup(key);
  if (!text || !k) {
    free(text);
    free(k);
    return;
  }
  l->lines[l->n++] = (line_t){k, text};
}

static int cmp_line(const void *a, const void *b) { return strcmp(((const line_t *)a)->key, ((const line_t *)b)->key); }

static void print_items(const erx_clone_sub_t *sub) {
  lines_t l = {calloc(erx_clone_sub_count(sub) + 1, sizeof(line_t)), 0};
  if (!l.lines)
    return;
  erx_clone_sub_foreach(sub, collect, &l);
  qsort(l.lines, l.n, sizeof *l.lines, cmp_line);
  for (size_t i = 0; i < l.n; i++) {
    printf("ITEM %s %s\n", l.lines[i].key, l.lines[i].text);
    free(l.lines[i].key);
    free(l.lines[i].text);
  }
  free(l.lines);
  fflush(stdout);
}

static void on_set(void *arg, const char *topic, const char *key, const ProtobufCMessage *body) {
  watch_t *w = arg;
  if (w->dump)
    return;
  char *text = erx_pb_text(body);
  printf("SET %s %s\n", key, text ? text : "?");
  free(text);
}

static void on_del(void *arg, const char *topic, const char *key) {
  watch_t *w = arg;
  if (!w->dump)
    printf("DEL %s\n", key);
}

static void on_sync(void *arg, bool synced) {
  watch_t *w = arg;
  if (!synced)
    return;
  if (w->dump) {
    print_items(w->sub);
    w->rc = 0;
    event_base_loopbreak(w->base);
    return;
  }
  printf("SYNC count=%zu seq=%" PRIu64 " epoch=%" PRIu64 "\n", erx_clone_sub_count(w->sub), erx_clone_sub_seq(w->sub),
         erx_clone_sub_epoch(w->sub));
}

static void on_signal(evutil_socket_t sig, short what, void *arg) {
  watch_t *w = arg;
  printf("FINAL count=%zu\n", erx_clone_sub_count(w->sub));
  print_items(w->sub);
  w->rc = 0;
  event_base_loopbreak(w->base);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg) {
  watch_t *w = arg;
  fprintf(stderr, "erx-watch: no snapshot from %s within %g s\n", w->snap_ep, w->timeout_s);
  w->rc = 2;
  event_base_loopbreak(w->base);
}

static void usage(void) {
  fprintf(stderr, "usage: erx-watch --dir DIR [--service configd] [--prefix TOPIC] [--dump] [--timeout SECONDS]\n");
  exit(64);
}

int main(int argc, char **argv) {
  static const struct option opts[] = {
      {"dir", required_argument, NULL, 'd'},    {"service", required_argument, NULL, 's'},
      {"prefix", required_argument, NULL, 'p'}, {"dump", no_argument, NULL, 'D'},
      {"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *dir = NULL, *service = "configd", *prefix = "";
  double timeout_s = 10;
  bool dump = false;
  for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
    switch (c) {
    case 'd': dir = optarg; break;
    case 's': service = optarg; break;
    case 'p': prefix = optarg; break;
    case 'D': dump = true; break;
    case 't': timeout_s = atof(optarg); break;
    default: usage();
    }
  }
  int svc = erx_service_from_name(service);
  if (!dir || optind != argc || timeout_s <= 0)
    usage();
  if (svc < 0) {
    fprintf(stderr, "erx-watch: unknown service '%s'\n", service);
    return 64;
  }

  setvbuf(stdout, NULL, _IOLBF, 0);
  erx_log_init("erx-watch");
  char rundir[4096], pub_ep[512], snap_ep[512];
  snprintf(rundir, sizeof rundir, "%s/run", dir);
  setenv("ERX_RUNDIR", rundir, 1);
  if (erx_endpoint(svc, ERX_SOCK_PUB, false, pub_ep, sizeof pub_ep) != 0 ||
      erx_endpoint(svc, ERX_SOCK_SNAP, false, snap_ep, sizeof snap_ep) != 0) {
    fprintf(stderr, "erx-watch: endpoint path too long\n");
    return 64;
  }

  watch_t w = {.base = event_base_new(), .dump = dump, .rc = 1, .timeout_s = timeout_s, .snap_ep = snap_ep};
  erx_bus_t *bus = erx_bus_new(w.base);
  erx_clone_sub_cbs_t cbs = {on_set, on_del, on_sync};
  w.sub = bus ? erx_clone_sub_new(bus, service_roots[svc], pub_ep, snap_ep, prefix, &cbs, &w) : NULL;
  if (!w.sub) {
    fprintf(stderr, "erx-watch: cannot subscribe to %s\n", pub_ep);
    return 1;
  }
  struct event *sigterm = evsignal_new(w.base, SIGTERM, on_signal, &w);
  struct event *sigint = evsignal_new(w.base, SIGINT, on_signal, &w);
  struct event *timer = evtimer_new(w.base, on_timeout, &w);
  event_add(sigterm, NULL);
  event_add(sigint, NULL);
  if (dump) {
    struct timeval tv = {(time_t)timeout_s, (suseconds_t)((timeout_s - (time_t)timeout_s) * 1e6)};
    event_add(timer, &tv);
  }
  event_base_dispatch(w.base);

  event_free(timer);
  event_free(sigint);
  event_free(sigterm);
  erx_clone_sub_destroy(&w.sub);
  erx_bus_destroy(&bus);
  event_base_free(w.base);
  return w.rc;
}
