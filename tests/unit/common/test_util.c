#include "test_util.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char dir[64];

static void cleanup(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "cannot remove %s\n", dir);
}

const char *tu_dir(void) {
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/erx-test-XXXXXX");
    if (!mkdtemp(dir))
      abort();
    atexit(cleanup);
  }
  return dir;
}

const char *tu_ep(const char *name) {
  static char bufs[8][128];
  static unsigned next;
  char *b = bufs[next++ % 8];
  snprintf(b, sizeof bufs[0], "ipc://%s/%s", tu_dir(), name);
  return b;
}

long long tu_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {}

void tu_wait_begin(tu_wait_t *w, struct event_base *base, int ms) {
  w->base = base;
  w->deadline = tu_now_ms() + ms;
  /* a ticker so that EVLOOP_ONCE returns even when nothing happens */
  w->tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
  struct timeval tv = {0, 5000};
  event_add(w->tick, &tv);
}

bool tu_wait_step(tu_wait_t *w) {
  if (tu_now_ms() >= w->deadline)
    return false;
  event_base_loop(w->base, EVLOOP_ONCE);
  return true;
}

void tu_wait_end(tu_wait_t *w) { event_free(w->tick); }
