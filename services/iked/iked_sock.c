#include "iked_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"

#define RECV_PER_WAKEUP 64
#define RCVBUF_BYTES (4 << 20)

struct iked_sock {
  int fd;
  struct event *ev;
  char vr[64];
  uint32_t local;
  uint16_t port;
  iked_sock_recv_fn fn;
  void *arg;
};

typedef struct open_args {
  uint32_t local;
  uint16_t port;
  int err;
} open_args_t;

static int open_in_ns(void *arg)
{
  open_args_t *a = arg;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    a->err = errno;
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
  /* a thousand peers starting at once must not overflow the queue: each
   * lost datagram costs a 2 s retransmission (FORCE: past rmem_max as root) */
  int rcv = RCVBUF_BYTES;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(a->port), .sin_addr.s_addr = htonl(a->local)};
  if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
    a->err = errno;
    close(fd);
    return -1;
  }
  return fd;
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
  iked_sock_t *s = arg;
  static uint8_t buf[65536];
  for (int i = 0; i < RECV_PER_WAKEUP; i++) {
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
    if (n < 0)
      return; /* EAGAIN, or an ICMP error reported on the socket: nothing to do */
    if (flen < sizeof from || from.sin_family != AF_INET)
      continue;
    s->fn(s->arg, s, buf, (size_t)n, ntohl(from.sin_addr.s_addr), ntohs(from.sin_port));
  }
}

iked_sock_t *iked_sock_open(struct event_base *base, const char *ns, const char *vr, uint32_t local, uint16_t port,
                            iked_sock_recv_fn fn, void *arg, char *err, size_t errlen)
{
  open_args_t a = {.local = local, .port = port};
  char nerr[256] = "";
  int fd = dp_netns_run(ns, open_in_ns, &a, nerr, sizeof nerr);
  if (fd < 0) {
    if (nerr[0])
      snprintf(err, errlen, "%s", nerr);
    else
      snprintf(err, errlen, "UDP socket on port %u: %s", port, strerror(a.err));
    return NULL;
  }
  iked_sock_t *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  s->fd = fd;
  snprintf(s->vr, sizeof s->vr, "%s", vr);
  s->local = local;
  s->port = port;
  s->fn = fn;
  s->arg = arg;
  s->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_read, s);
  if (!s->ev || event_add(s->ev, NULL) != 0) {
    iked_sock_close(s);
    snprintf(err, errlen, "event_add failed");
    return NULL;
  }
  return s;
}

int iked_sock_send(iked_sock_t *s, uint32_t to, uint16_t port, const uint8_t *msg, size_t len)
{
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(to)};
  return sendto(s->fd, msg, len, 0, (struct sockaddr *)&sin, sizeof sin) == (ssize_t)len ? 0 : -1;
}

const char *iked_sock_vr(const iked_sock_t *s)
{
  return s->vr;
}

uint32_t iked_sock_local(const iked_sock_t *s)
{
  return s->local;
}

void iked_sock_close(iked_sock_t *s)
{
  if (!s)
    return;
  if (s->ev)
    event_free(s->ev);
  if (s->fd >= 0)
    close(s->fd);
  free(s);
}
