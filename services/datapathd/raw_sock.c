#include "raw_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int dp_raw_open(dp_raw_t *r, int proto, uint32_t bind_addr, bool hdrincl, char *err, size_t errlen)
{
  r->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  r->proto = proto;
  r->hdrincl = hdrincl;
  if (r->fd < 0) {
    snprintf(err, errlen, "raw socket for protocol %d: %s", proto, strerror(errno));
    return -1;
  }
  int one = 1, big = 4 << 20;
  /* bursts of a fast sender must queue, not drop (FORCE: beyond rmem_max,
   * as root; the plain option is the fallback) */
  if (setsockopt(r->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) != 0)
    setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  if (setsockopt(r->fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) != 0)
    setsockopt(r->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  if (hdrincl && setsockopt(r->fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof one) != 0) {
    snprintf(err, errlen, "IP_HDRINCL: %s", strerror(errno));
    dp_raw_close(r);
    return -1;
  }
  if (bind_addr) {
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(bind_addr)};
    if (bind(r->fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
      snprintf(err, errlen, "bind raw socket to %s: %s", inet_ntoa(sin.sin_addr), strerror(errno));
      dp_raw_close(r);
      return -1;
    }
  }
  return 0;
}

/* ESP in UDP (RFC 3948) without owning port 4500: a raw UDP socket gets a
 * copy of every UDP datagram, and this filter keeps those to port 4500 whose
 * first four payload bytes are not the non-ESP marker (IKE, which iked's
 * UDP socket takes; a 1-byte keepalive fails the 4-byte load and is
 * dropped too).  Raw sockets see the IP header: X = its length. */
static const struct sock_filter esp_in_udp[] = {
    BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),              /* X = 4 * (IP[0] & 0xf) */
    BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),               /* UDP destination port */
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4500, 0, 3),
    BPF_STMT(BPF_LD | BPF_W | BPF_IND, 8),               /* first payload word: the SPI */
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, 0xffff),
    BPF_STMT(BPF_RET | BPF_K, 0),
};

int dp_raw_open_esp_in_udp(dp_raw_t *r, uint32_t bind_addr, char *err, size_t errlen)
{
  if (dp_raw_open(r, IPPROTO_UDP, bind_addr, false, err, errlen) != 0)
    return -1;
  struct sock_fprog prog = {.len = sizeof esp_in_udp / sizeof esp_in_udp[0], .filter = (struct sock_filter *)esp_in_udp};
  if (setsockopt(r->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0) {
    snprintf(err, errlen, "SO_ATTACH_FILTER (ESP in UDP): %s", strerror(errno));
    dp_raw_close(r);
    return -1;
  }
  return 0;
}

void dp_raw_close(dp_raw_t *r)
{
  if (r->fd >= 0)
    close(r->fd);
  r->fd = -1;
}

int dp_raw_recv(const dp_raw_t *r, uint8_t *const *bufs, size_t cap, size_t *lens, uint32_t *srcs, int n)
{
  struct mmsghdr msgs[DP_RAW_BATCH];
  struct iovec iov[DP_RAW_BATCH];
  struct sockaddr_in from[DP_RAW_BATCH];
  if (n > DP_RAW_BATCH)
    n = DP_RAW_BATCH;
  memset(msgs, 0, sizeof msgs[0] * (size_t)n);
  for (int i = 0; i < n; i++) {
    iov[i] = (struct iovec){bufs[i], cap};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
  }
  int got;
  do
    got = recvmmsg(r->fd, msgs, (unsigned)n, MSG_DONTWAIT, NULL);
  while (got < 0 && errno == EINTR);
  if (got < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  for (int i = 0; i < got; i++) {
    lens[i] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? 0 : msgs[i].msg_len;
    srcs[i] = ntohl(from[i].sin_addr.s_addr);
  }
  return got;
}

int dp_raw_send(const dp_raw_t *r, const uint8_t *const *bufs, const size_t *lens, const uint32_t *dsts, int n)
{
  struct mmsghdr msgs[DP_RAW_BATCH];
  struct iovec iov[DP_RAW_BATCH];
  struct sockaddr_in to[DP_RAW_BATCH];
  if (n > DP_RAW_BATCH)
    n = DP_RAW_BATCH;
  memset(msgs, 0, sizeof msgs[0] * (size_t)n);
  for (int i = 0; i < n; i++) {
    iov[i] = (struct iovec){(void *)bufs[i], lens[i]};
    to[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(dsts[i])};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &to[i];
    msgs[i].msg_hdr.msg_namelen = sizeof to[i];
  }
  int sent;
  do
    sent = sendmmsg(r->fd, msgs, (unsigned)n, MSG_DONTWAIT);
  while (sent < 0 && errno == EINTR);
  if (sent < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ? 0 : -1;
  return sent;
}
