/* ZeroMQ sockets driven by libevent through ZMQ_FD.
 *
 * ZMQ_FD is edge-triggered and signals "something changed", not "readable":
 * the truth is ZMQ_EVENTS.  So every wake-up drains while ZMQ_EVENTS has
 * ZMQ_POLLIN, and every send schedules one more drain, because the send
 * itself may have processed the pending commands and eaten the edge. */
#include "bus.h"

#include <errno.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "log.h"

#define MAX_FRAMES 8
#define MAX_MSG_BYTES (64 * 1024 * 1024)
/* Messages handled per pass before yielding to the other events. */
#define DRAIN_BATCH 512
/* PUB/SUB drop above this (ZeroMQ's choice for slow subscribers: the Clone
 * subscriber then sees a seq gap and re-snapshots).  ROUTER/DEALER carry
 * snapshots and requests, which must never be dropped: unlimited. */
#define PUBSUB_HWM 200000

struct erx_bus {
  struct event_base *base;
  void *zctx;
  erx_sock_t *socks; /* every open socket, closed at bus destroy */
};

struct erx_sock {
  erx_bus_t *bus;
  erx_sock_t *next;
  void *z;
  struct event *ev_fd;
  struct event *ev_drain;
  erx_sock_recv_fn recv;
  erx_sock_drained_fn drained;
  void *arg;
  char endpoint[256];
  bool *dead_p; /* set while draining: a callback may destroy the socket */
};

erx_bus_t *erx_bus_new(struct event_base *base) {
  erx_bus_t *bus = calloc(1, sizeof *bus);
  if (!bus)
    return NULL;
  bus->base = base;
  bus->zctx = zmq_ctx_new();
  if (!bus->zctx) {
    LOG_ERR("zmq_ctx_new: %s", zmq_strerror(errno));
    free(bus);
    return NULL;
  }
  return bus;
}

void erx_bus_destroy(erx_bus_t **bus_p) {
  if (!bus_p || !*bus_p)
    return;
  erx_bus_t *bus = *bus_p;
  if (bus->socks)
    LOG_WARN("bus destroyed with sockets still open (%s ...)", bus->socks->endpoint);
  /* zmq_ctx_term would wait forever for a forgotten socket */
  while (bus->socks) {
    erx_sock_t *s = bus->socks;
    erx_sock_destroy(&s);
  }
  zmq_ctx_term(bus->zctx);
  free(bus);
  *bus_p = NULL;
}

struct event_base *erx_bus_base(const erx_bus_t *bus) { return bus->base; }

/* Receives one whole multipart message without blocking.  Returns the
 * number of parts (possibly > MAX_FRAMES: only the first MAX_FRAMES are
 * kept), 0 if nothing was there, -1 on error. */
static int recv_multipart(void *z, zmq_msg_t *parts, size_t *bytes) {
  int n = 0, more = 1;
  *bytes = 0;
  while (more) {
    zmq_msg_t scratch, *m = n < MAX_FRAMES ? &parts[n] : &scratch;
    zmq_msg_init(m);
    if (zmq_msg_recv(m, z, ZMQ_DONTWAIT) < 0) {
      zmq_msg_close(m);
      for (int i = 0; i < n && i < MAX_FRAMES; i++)
        zmq_msg_close(&parts[i]);
      return n == 0 && errno == EAGAIN ? 0 : -1;
    }
    *bytes += zmq_msg_size(m);
    more = zmq_msg_more(m);
    if (m == &scratch)
      zmq_msg_close(m);
    n++;
  }
  return n;
}

static bool sock_readable(erx_sock_t *s) {
  int events = 0;
  size_t len = sizeof events;
  if (zmq_getsockopt(s->z, ZMQ_EVENTS, &events, &len) != 0)
    return false;
  return (events & ZMQ_POLLIN) != 0;
}

static void sock_drain(erx_sock_t *s) {
  bool dead = false;
  s->dead_p = &dead;
  unsigned delivered = 0, dropped = 0;
  while (delivered + dropped < DRAIN_BATCH && sock_readable(s)) {
    zmq_msg_t parts[MAX_FRAMES];
    size_t bytes;
    int n = recv_multipart(s->z, parts, &bytes);
    if (n <= 0)
      break;
    if (n > MAX_FRAMES || !s->recv) {
      dropped++;
    } else {
      erx_frame_t frames[MAX_FRAMES];
      for (int i = 0; i < n; i++)
        frames[i] = (erx_frame_t){zmq_msg_data(&parts[i]), zmq_msg_size(&parts[i])};
      s->recv(s, frames, (size_t)n, s->arg);
      delivered++;
    }
    for (int i = 0; i < n && i < MAX_FRAMES; i++)
      zmq_msg_close(&parts[i]);
    if (dead)
      return;
  }
  if (dropped)
    LOG_WARN("%s: dropped %u message(s) with more than %d frames or no receiver", s->endpoint, dropped, MAX_FRAMES);
  /* A full batch means there may be more.  Come back through the timer
   * queue, not event_active: libevent runs events activated meanwhile in
   * the same pass, which would starve the timers and the other sockets. */
  if (delivered + dropped >= DRAIN_BATCH) {
    static const struct timeval now = {0, 0};
    event_add(s->ev_drain, &now);
  }
  if (delivered && s->drained) {
    s->drained(s, s->arg);
    if (dead)
      return;
  }
  s->dead_p = NULL;
}

static void on_event(evutil_socket_t fd, short what, void *arg) { sock_drain(arg); }

static int set_int(void *z, int opt, int val) { return zmq_setsockopt(z, opt, &val, sizeof val); }

/* mkdir -p of an ipc endpoint's directory, 0700: the sockets may carry
 * secrets and the directory is the first line of defence. */
static void make_ipc_dir(const char *path) {
  char dir[256];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (!slash || slash == dir)
    return;
  *slash = '\0';
  for (char *p = dir + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    mkdir(dir, 0700);
    *p = '/';
  }
  mkdir(dir, 0700);
}

static erx_sock_t *sock_open(erx_bus_t *bus, int zmq_type, const char *endpoint, bool bind, erx_sock_recv_fn recv,
                             void *arg) {
  const char *verb = bind ? "bind" : "connect";
  if (strlen(endpoint) >= sizeof((erx_sock_t *)0)->endpoint) {
    LOG_ERR("%s %s: endpoint too long", verb, endpoint);
    return NULL;
  }
  erx_sock_t *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->bus = bus;
  s->recv = recv;
  s->arg = arg;
  snprintf(s->endpoint, sizeof s->endpoint, "%s", endpoint);
  s->z = zmq_socket(bus->zctx, zmq_type);
  if (!s->z) {
    LOG_ERR("%s %s: zmq_socket: %s", verb, endpoint, zmq_strerror(errno));
    free(s);
    return NULL;
  }
  bool pubsub = zmq_type == ZMQ_PUB || zmq_type == ZMQ_SUB;
  set_int(s->z, ZMQ_LINGER, 0);
  set_int(s->z, ZMQ_SNDHWM, pubsub ? PUBSUB_HWM : 0);
  set_int(s->z, ZMQ_RCVHWM, pubsub ? PUBSUB_HWM : 0);
  int64_t maxmsg = MAX_MSG_BYTES;
  zmq_setsockopt(s->z, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);

  bool ipc = strncmp(endpoint, "ipc://", 6) == 0;
  if (bind && ipc)
    make_ipc_dir(endpoint + 6);
  int rc = bind ? zmq_bind(s->z, endpoint) : zmq_connect(s->z, endpoint);
  if (rc != 0) {
    LOG_ERR("%s %s: %s", verb, endpoint, zmq_strerror(errno));
    zmq_close(s->z);
    free(s);
    return NULL;
  }
  if (bind && ipc && chmod(endpoint + 6, 0600) != 0)
    LOG_WARN("chmod 0600 %s: %s", endpoint + 6, strerror(errno));
  if (bind) {
    /* the real address, e.g. the port chosen for tcp://...:* */
    size_t len = sizeof s->endpoint;
    zmq_getsockopt(s->z, ZMQ_LAST_ENDPOINT, s->endpoint, &len);
  }

  int fd;
  size_t fdlen = sizeof fd;
  zmq_getsockopt(s->z, ZMQ_FD, &fd, &fdlen);
  s->ev_fd = event_new(bus->base, fd, EV_READ | EV_PERSIST | EV_ET, on_event, s);
  s->ev_drain = event_new(bus->base, -1, 0, on_event, s);
  if (!s->ev_fd || !s->ev_drain || event_add(s->ev_fd, NULL) != 0) {
    LOG_ERR("%s %s: libevent setup failed", verb, endpoint);
    erx_sock_destroy(&s);
    return NULL;
  }
  s->next = bus->socks;
  bus->socks = s;
  /* messages may already be queued and the edge already gone */
  event_active(s->ev_drain, EV_READ, 0);
  return s;
}

erx_sock_t *erx_sock_bind(erx_bus_t *bus, int zmq_type, const char *endpoint, erx_sock_recv_fn recv, void *arg) {
  return sock_open(bus, zmq_type, endpoint, true, recv, arg);
}

erx_sock_t *erx_sock_connect(erx_bus_t *bus, int zmq_type, const char *endpoint, erx_sock_recv_fn recv, void *arg) {
  return sock_open(bus, zmq_type, endpoint, false, recv, arg);
}

void erx_sock_set_drained(erx_sock_t *sock, erx_sock_drained_fn fn) { sock->drained = fn; }

int erx_sock_subscribe(erx_sock_t *sock, const char *prefix) {
  int rc = zmq_setsockopt(sock->z, ZMQ_SUBSCRIBE, prefix, strlen(prefix));
  if (rc != 0)
    LOG_ERR("%s: subscribe '%s': %s", sock->endpoint, prefix, zmq_strerror(errno));
  return rc;
}

int erx_sock_send(erx_sock_t *sock, const erx_frame_t *frames, size_t nframes) {
  int rc = 0;
  for (size_t i = 0; i < nframes; i++) {
    int flags = ZMQ_DONTWAIT | (i + 1 < nframes ? ZMQ_SNDMORE : 0);
    if (zmq_send(sock->z, frames[i].data, frames[i].len, flags) < 0) {
      rc = -1;
      break;
    }
  }
  int saved = errno;
  event_active(sock->ev_drain, EV_READ, 0);
  errno = saved;
  return rc;
}

void erx_sock_destroy(erx_sock_t **sock_p) {
  if (!sock_p || !*sock_p)
    return;
  erx_sock_t *s = *sock_p;
  if (s->dead_p)
    *s->dead_p = true;
  for (erx_sock_t **pp = &s->bus->socks; *pp; pp = &(*pp)->next) {
    if (*pp == s) {
      *pp = s->next;
      break;
    }
  }
  if (s->ev_fd)
    event_free(s->ev_fd);
  if (s->ev_drain)
    event_free(s->ev_drain);
  zmq_close(s->z);
  free(s);
  *sock_p = NULL;
}

const char *erx_sock_endpoint(const erx_sock_t *sock) { return sock->endpoint; }
