/* ZeroMQ sockets inside a libevent loop.
 *
 * Each socket is watched through ZMQ_FD, edge-triggered: after every wake-up
 * and after every send the socket is drained while ZMQ_EVENTS says ZMQ_POLLIN
 * (a send can consume the edge, so a send schedules a drain).  Services never
 * call zmq_poll or zmq_* directly: they use this and the typed layers above it
 * (envelope.h, clone_pub.h, clone_sub.h, ctl.h). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct event_base;
typedef struct erx_bus erx_bus_t;
typedef struct erx_sock erx_sock_t;

typedef struct {
  const void *data;
  size_t len;
} erx_frame_t;

/* Called once per received multipart message, frames valid only during the call. */
typedef void (*erx_sock_recv_fn)(erx_sock_t *sock, const erx_frame_t *frames, size_t nframes, void *arg);
/* Called after a drain pass that delivered at least one message (for group commit). */
typedef void (*erx_sock_drained_fn)(erx_sock_t *sock, void *arg);

erx_bus_t *erx_bus_new(struct event_base *base);
void erx_bus_destroy(erx_bus_t **bus_p);
struct event_base *erx_bus_base(const erx_bus_t *bus);

/* zmq_type: ZMQ_PUB, ZMQ_SUB, ZMQ_ROUTER, ZMQ_DEALER.  ipc:// endpoints that
 * are bound get mode 0600 (they may carry secrets).  recv may be NULL for
 * send-only sockets.  Returns NULL (and logs why) on failure. */
erx_sock_t *erx_sock_bind(erx_bus_t *bus, int zmq_type, const char *endpoint, erx_sock_recv_fn recv, void *arg);
erx_sock_t *erx_sock_connect(erx_bus_t *bus, int zmq_type, const char *endpoint, erx_sock_recv_fn recv, void *arg);
void erx_sock_set_drained(erx_sock_t *sock, erx_sock_drained_fn fn);
int erx_sock_subscribe(erx_sock_t *sock, const char *prefix);
/* Non-blocking multipart send.  Returns 0, or -1 with errno (EAGAIN when the
 * peer's queue is full; the message is dropped). */
int erx_sock_send(erx_sock_t *sock, const erx_frame_t *frames, size_t nframes);
void erx_sock_destroy(erx_sock_t **sock_p);
const char *erx_sock_endpoint(const erx_sock_t *sock);
