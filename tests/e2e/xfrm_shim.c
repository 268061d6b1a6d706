/* xfrm_shim: an LD_PRELOAD library for Libreswan's pluto in the interop
 * test (ike_libreswan.sh).  The lab kernel has no ESP: adding, updating or
 * deleting an XFRM state fails (ENOSYS), so pluto could never finish quick
 * mode.  This shim answers those requests itself, as the kernel would when
 * they succeed (an NLMSG_ERROR with error 0 and the request's sequence
 * number, from port id 0), remembers the states it "installed" so that a
 * query for one of them (XFRM_MSG_GETSA, pluto's traffic accounting) gets
 * the state back with zero counters, and passes every other netlink
 * message (SPI allocation, policies, other queries) to the real kernel.
 * Test scaffolding only: compiled by the test with cc, never installed.
 *
 * pluto sends with write() and reads the answer with recvfrom() on the same
 * blocking socket (programs/pluto/kernel_xfrm.c, send_netlink_msg); send,
 * sendto, sendmsg, recv, recvmsg and read are covered too.
 *
 * XFRM_SHIM_LOG=FILE: one line per state pluto installs or removes, e.g.
 * "NEWSA spi=0x1234abcd proto=50 src=192.0.2.1 dst=192.0.2.2 enc=des3_ede auth=hmac(sha1)"
 * (the test compares the SPIs with the ones erx-ipsec negotiated); with
 * XFRM_SHIM_KEYS=1 also the keys (" ekey=HEX akey=HEX"): lab keys, for the
 * test to check that both sides derived the same KEYMAT. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FDS 32
#define MAX_SAS 64
#define ANSWER_MAX 512

typedef struct {
  int fd;
  size_t pending; /* bytes of an answer waiting to be read, 0 = none */
  union {
    struct nlmsghdr n;
    uint8_t b[ANSWER_MAX];
  } ans;
} shim_fd_t;

static shim_fd_t fds[MAX_FDS];
static int nfds;
static struct xfrm_usersa_info sas[MAX_SAS]; /* the states "installed" */
static int nsas;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

#define REAL(name, ret, ...)                                                                                     \
  static ret (*real_##name)(__VA_ARGS__);                                                                        \
  if (!real_##name)                                                                                              \
    real_##name = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name);

static shim_fd_t *find(int fd)
{
  for (int i = 0; i < nfds; i++)
    if (fds[i].fd == fd)
      return &fds[i];
  return NULL;
}

static void shim_log(const char *fmt, ...)
{
  const char *path = getenv("XFRM_SHIM_LOG");
  if (!path)
    return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  int f = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (f < 0)
    return;
  REAL(write, ssize_t, int, const void *, size_t);
  size_t len = strlen(line);
  line[len++] = '\n';
  if (real_write(f, line, len) < 0) {
    /* a log line lost: nothing to do about it */
  }
  close(f);
}

/* Appends " NAME=HEX" of a key of len bytes (at most avail) to buf. */
static void hex_key(char *buf, size_t cap, const char *name, const void *keyp, size_t len, size_t avail)
{
  const unsigned char *key = keyp;
  size_t at = strlen(buf);
  if (len > avail)
    len = avail;
  int n = snprintf(buf + at, cap - at, "%s", name);
  if (n < 0 || (size_t)n >= cap - at)
    return;
  at += (size_t)n;
  for (size_t i = 0; i < len && at + 3 <= cap; i++, at += 2)
    snprintf(buf + at, 3, "%02x", key[i]);
}

/* Adds a line for a NEWSA/UPDSA (xfrm_usersa_info, then attributes) or a
 * DELSA (xfrm_usersa_id). */
static void log_request(const struct nlmsghdr *n)
{
  char s[INET_ADDRSTRLEN] = "?", d[INET_ADDRSTRLEN] = "?", enc[80] = "", auth[80] = "", encap[48] = "";
  char keys[2 * (2 * 128 + 8)] = "";
  int with_keys = getenv("XFRM_SHIM_KEYS") != NULL;
  size_t body = n->nlmsg_len >= NLMSG_HDRLEN ? n->nlmsg_len - NLMSG_HDRLEN : 0;
  if (n->nlmsg_type == XFRM_MSG_DELSA) {
    if (body < sizeof(struct xfrm_usersa_id))
      return;
    const struct xfrm_usersa_id *id = NLMSG_DATA(n);
    inet_ntop(AF_INET, &id->daddr.a4, d, sizeof d);
    shim_log("DELSA spi=0x%08x proto=%u dst=%s", ntohl(id->spi), id->proto, d);
    return;
  }
  if (body < sizeof(struct xfrm_usersa_info))
    return;
  const struct xfrm_usersa_info *sa = NLMSG_DATA(n);
  inet_ntop(AF_INET, &sa->saddr.a4, s, sizeof s);
  inet_ntop(AF_INET, &sa->id.daddr.a4, d, sizeof d);
  /* the attributes: the cipher's name is enough to tell transforms apart */
  size_t off = NLMSG_ALIGN(sizeof *sa);
  while (off + sizeof(struct nlattr) <= body) {
    const struct nlattr *a = (const struct nlattr *)((const char *)sa + off);
    if (a->nla_len < sizeof *a || off + a->nla_len > body)
      break;
    if ((a->nla_type == XFRMA_ALG_CRYPT || a->nla_type == XFRMA_ALG_AEAD) &&
        a->nla_len >= sizeof *a + sizeof(struct xfrm_algo)) {
      const struct xfrm_algo *alg = (const struct xfrm_algo *)(a + 1);
      snprintf(enc, sizeof enc, " enc=%.63s", alg->alg_name);
      if (with_keys)
        hex_key(keys, sizeof keys, " ekey=", alg->alg_key, alg->alg_key_len / 8,
                a->nla_len - sizeof *a - sizeof *alg);
    }
    if ((a->nla_type == XFRMA_ALG_AUTH || a->nla_type == XFRMA_ALG_AUTH_TRUNC) &&
        a->nla_len >= sizeof *a + sizeof(struct xfrm_algo)) {
      const struct xfrm_algo *alg = (const struct xfrm_algo *)(a + 1);
      snprintf(auth, sizeof auth, " auth=%.63s", alg->alg_name);
      if (with_keys && a->nla_type == XFRMA_ALG_AUTH)
        hex_key(keys, sizeof keys, " akey=", alg->alg_key, alg->alg_key_len / 8,
                a->nla_len - sizeof *a - sizeof *alg);
      if (with_keys && a->nla_type == XFRMA_ALG_AUTH_TRUNC &&
          a->nla_len >= sizeof *a + sizeof(struct xfrm_algo_auth)) {
        const struct xfrm_algo_auth *t = (const struct xfrm_algo_auth *)(a + 1);
        hex_key(keys, sizeof keys, " akey=", t->alg_key, t->alg_key_len / 8, a->nla_len - sizeof *a - sizeof *t);
      }
    }
    if (a->nla_type == XFRMA_ENCAP && a->nla_len >= sizeof *a + sizeof(struct xfrm_encap_tmpl)) {
      const struct xfrm_encap_tmpl *e = (const struct xfrm_encap_tmpl *)(a + 1);
      snprintf(encap, sizeof encap, " encap=udp:%u:%u", ntohs(e->encap_sport), ntohs(e->encap_dport));
    }
    off += NLA_ALIGN(a->nla_len);
  }
  shim_log("%s spi=0x%08x proto=%u src=%s dst=%s%s%s%s%s", n->nlmsg_type == XFRM_MSG_NEWSA ? "NEWSA" : "UPDSA",
           ntohl(sa->id.spi), sa->id.proto, s, d, enc, auth, encap, keys);
}

static struct xfrm_usersa_info *sa_find(uint32_t spi, uint8_t proto, const xfrm_address_t *dst)
{
  for (int i = 0; i < nsas; i++)
    if (sas[i].id.spi == spi && sas[i].id.proto == proto && sas[i].id.daddr.a4 == dst->a4)
      return &sas[i];
  return NULL;
}

/* Remembers, forgets or finds the state of a request; fills the answer.
 * 1 when the shim answers, 0 when the kernel is to. */
static int answer(const struct nlmsghdr *n, size_t len, shim_fd_t *f)
{
  size_t body = len - NLMSG_HDRLEN;
  if (n->nlmsg_type == XFRM_MSG_GETSA) {
    if (body < sizeof(struct xfrm_usersa_id))
      return 0;
    const struct xfrm_usersa_id *id = NLMSG_DATA(n);
    const struct xfrm_usersa_info *sa = sa_find(id->spi, id->proto, &id->daddr);
    if (!sa)
      return 0;
    memset(&f->ans, 0, sizeof f->ans);
    f->ans.n.nlmsg_len = NLMSG_LENGTH(sizeof *sa);
    f->ans.n.nlmsg_type = XFRM_MSG_NEWSA;
    f->ans.n.nlmsg_seq = n->nlmsg_seq;
    memcpy(NLMSG_DATA(&f->ans.n), sa, sizeof *sa);
    f->pending = f->ans.n.nlmsg_len;
    return 1;
  }
  if (n->nlmsg_type == XFRM_MSG_DELSA) {
    if (body >= sizeof(struct xfrm_usersa_id)) {
      const struct xfrm_usersa_id *id = NLMSG_DATA(n);
      struct xfrm_usersa_info *sa = sa_find(id->spi, id->proto, &id->daddr);
      if (sa)
        *sa = sas[--nsas];
    }
  } else if (body >= sizeof(struct xfrm_usersa_info)) { /* NEWSA, UPDSA */
    const struct xfrm_usersa_info *in = NLMSG_DATA(n);
    struct xfrm_usersa_info *sa = sa_find(in->id.spi, in->id.proto, &in->id.daddr);
    if (!sa && nsas < MAX_SAS)
      sa = &sas[nsas++];
    if (sa) {
      *sa = *in;
      memset(&sa->curlft, 0, sizeof sa->curlft);
      memset(&sa->stats, 0, sizeof sa->stats);
    }
  }
  memset(&f->ans, 0, sizeof f->ans);
  struct nlmsgerr *e = NLMSG_DATA(&f->ans.n);
  f->ans.n.nlmsg_len = NLMSG_LENGTH(sizeof *e);
  f->ans.n.nlmsg_type = NLMSG_ERROR;
  f->ans.n.nlmsg_seq = n->nlmsg_seq;
  e->error = 0;
  e->msg = *n;
  f->pending = f->ans.n.nlmsg_len;
  return 1;
}

/* A request the kernel here cannot do (or a query about what it did not
 * do): queue the answer and say so. */
static int intercept(int fd, const void *buf, size_t len)
{
  if (len < NLMSG_HDRLEN)
    return 0;
  const struct nlmsghdr *n = buf;
  if (n->nlmsg_type != XFRM_MSG_NEWSA && n->nlmsg_type != XFRM_MSG_UPDSA && n->nlmsg_type != XFRM_MSG_DELSA &&
      n->nlmsg_type != XFRM_MSG_GETSA)
    return 0;
  if (n->nlmsg_len < NLMSG_HDRLEN || n->nlmsg_len > len)
    return 0;
  int done = 0;
  pthread_mutex_lock(&mu);
  shim_fd_t *f = find(fd);
  if (f)
    done = answer(n, n->nlmsg_len, f);
  pthread_mutex_unlock(&mu);
  if (done && n->nlmsg_type != XFRM_MSG_GETSA)
    log_request(n);
  return done;
}

/* The queued answer into buf (truncated like a datagram), or -1 if none. */
static ssize_t take(int fd, void *buf, size_t len, struct sockaddr *addr, socklen_t *alen)
{
  ssize_t r = -1;
  pthread_mutex_lock(&mu);
  shim_fd_t *f = find(fd);
  if (f && f->pending) {
    size_t n = f->pending < len ? f->pending : len;
    memcpy(buf, f->ans.b, n);
    f->pending = 0;
    r = (ssize_t)n;
    if (addr && alen) {
      struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
      socklen_t l = *alen < sizeof nl ? *alen : (socklen_t)sizeof nl;
      memcpy(addr, &nl, l);
      *alen = sizeof nl;
    }
  }
  pthread_mutex_unlock(&mu);
  return r;
}

int socket(int domain, int type, int protocol)
{
  REAL(socket, int, int, int, int);
  int fd = real_socket(domain, type, protocol);
  if (fd >= 0 && domain == AF_NETLINK && protocol == NETLINK_XFRM) {
    pthread_mutex_lock(&mu);
    shim_fd_t *f = find(fd);
    if (!f && nfds < MAX_FDS)
      f = &fds[nfds++];
    if (f)
      *f = (shim_fd_t){.fd = fd};
    pthread_mutex_unlock(&mu);
  }
  return fd;
}

int close(int fd)
{
  REAL(close, int, int);
  pthread_mutex_lock(&mu);
  shim_fd_t *f = find(fd);
  if (f)
    *f = fds[--nfds];
  pthread_mutex_unlock(&mu);
  return real_close(fd);
}

ssize_t write(int fd, const void *buf, size_t len)
{
  REAL(write, ssize_t, int, const void *, size_t);
  if (intercept(fd, buf, len))
    return (ssize_t)len;
  return real_write(fd, buf, len);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
  REAL(send, ssize_t, int, const void *, size_t, int);
  if (intercept(fd, buf, len))
    return (ssize_t)len;
  return real_send(fd, buf, len, flags);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
  REAL(sendto, ssize_t, int, const void *, size_t, int, const struct sockaddr *, socklen_t);
  if (intercept(fd, buf, len))
    return (ssize_t)len;
  return real_sendto(fd, buf, len, flags, to, tolen);
}

ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
  REAL(sendmsg, ssize_t, int, const struct msghdr *, int);
  if (m && m->msg_iovlen == 1 && intercept(fd, m->msg_iov[0].iov_base, m->msg_iov[0].iov_len))
    return (ssize_t)m->msg_iov[0].iov_len;
  return real_sendmsg(fd, m, flags);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
  REAL(recvfrom, ssize_t, int, void *, size_t, int, struct sockaddr *, socklen_t *);
  ssize_t r = take(fd, buf, len, from, fromlen);
  return r >= 0 ? r : real_recvfrom(fd, buf, len, flags, from, fromlen);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
  REAL(recv, ssize_t, int, void *, size_t, int);
  ssize_t r = take(fd, buf, len, NULL, NULL);
  return r >= 0 ? r : real_recv(fd, buf, len, flags);
}

ssize_t read(int fd, void *buf, size_t len)
{
  REAL(read, ssize_t, int, void *, size_t);
  ssize_t r = take(fd, buf, len, NULL, NULL);
  return r >= 0 ? r : real_read(fd, buf, len);
}

ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
  REAL(recvmsg, ssize_t, int, struct msghdr *, int);
  if (m && m->msg_iovlen >= 1) {
    socklen_t alen = m->msg_namelen;
    ssize_t r = take(fd, m->msg_iov[0].iov_base, m->msg_iov[0].iov_len, m->msg_name, m->msg_name ? &alen : NULL);
    if (r >= 0) {
      if (m->msg_name)
        m->msg_namelen = alen;
      m->msg_controllen = 0;
      m->msg_flags = 0;
      return r;
    }
  }
  return real_recvmsg(fd, m, flags);
}
