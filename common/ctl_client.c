/* Blocking control client.  ZMQ_IMMEDIATE keeps a request from queueing
 * while the service is down (it would run long after the caller gave up);
 * ZeroMQ reconnects by itself, so a restarted service answers the next call. */
#include "ctl_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define MAX_FRAMES 4

struct erx_ctl_client {
  void *zctx;
  void *z;
  char endpoint[256];
  uint64_t corr;
};

static int set_int(void *z, int opt, int val) { return zmq_setsockopt(z, opt, &val, sizeof val); }

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

erx_ctl_client_t *erx_ctl_client_new(const char *endpoint) {
  erx_ctl_client_t *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  snprintf(c->endpoint, sizeof c->endpoint, "%s", endpoint);
  c->zctx = zmq_ctx_new();
  c->z = c->zctx ? zmq_socket(c->zctx, ZMQ_DEALER) : NULL;
  if (!c->z) {
    erx_ctl_client_destroy(&c);
    return NULL;
  }
  set_int(c->z, ZMQ_LINGER, 0);
  set_int(c->z, ZMQ_IMMEDIATE, 1);
  set_int(c->z, ZMQ_RCVHWM, 0);
  if (zmq_connect(c->z, endpoint) != 0) {
    erx_ctl_client_destroy(&c);
    return NULL;
  }
  return c;
}

void erx_ctl_client_destroy(erx_ctl_client_t **c_p) {
  if (!c_p || !*c_p)
    return;
  erx_ctl_client_t *c = *c_p;
  if (c->z)
    zmq_close(c->z);
  if (c->zctx)
    zmq_ctx_term(c->zctx);
  free(c);
  *c_p = NULL;
}

/* Receives one multipart message, waiting up to ms.  Returns the number of
 * parts kept in parts[], 0 on timeout, -1 on error. */
static int recv_parts(void *z, int ms, zmq_msg_t *parts, size_t *total) {
  set_int(z, ZMQ_RCVTIMEO, ms);
  int n = 0, more = 1;
  *total = 0;
  while (more) {
    zmq_msg_t scratch, *m = n < MAX_FRAMES ? &parts[n] : &scratch;
    zmq_msg_init(m);
    if (zmq_msg_recv(m, z, 0) < 0) {
      int e = errno;
      zmq_msg_close(m);
      for (int i = 0; i < n && i < MAX_FRAMES; i++)
        zmq_msg_close(&parts[i]);
      errno = e;
      return n == 0 && e == EAGAIN ? 0 : -1;
    }
    more = zmq_msg_more(m);
    if (m == &scratch)
      zmq_msg_close(m);
    n++;
  }
  *total = (size_t)n;
  return n < MAX_FRAMES ? n : MAX_FRAMES;
}

/* The reply of a DEALER request is [Envelope]; [""][Envelope] is tolerated. */
static erx_env_t *parse_reply(zmq_msg_t *parts, int kept, size_t total, char *err, size_t errlen) {
  if (total > 2 || (total == 2 && zmq_msg_size(&parts[0]) != 0)) {
    snprintf(err, errlen, "malformed reply: %zu frames", total);
    return NULL;
  }
  char why[128];
  zmq_msg_t *last = &parts[kept - 1];
  erx_env_t *env = erx_env_unpack(zmq_msg_data(last), zmq_msg_size(last), why, sizeof why);
  if (!env)
    snprintf(err, errlen, "malformed reply: %s", why);
  return env;
}

erx_env_t *erx_ctl_call(erx_ctl_client_t *c, const ProtobufCMessage *body, int timeout_ms, char *err, size_t errlen) {
  long long deadline = now_ms() + timeout_ms;
  erx_env_t req = ERX_ENV_INIT;
  req.corr = ++c->corr;
  if (erx_env_set_body(&req, body) != 0) {
    snprintf(err, errlen, "%s is not an Envelope body", body ? body->descriptor->name : "NULL");
    return NULL;
  }
  uint8_t *buf;
  size_t len;
  if (erx_env_pack(&req, &buf, &len) != 0) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  set_int(c->z, ZMQ_SNDTIMEO, timeout_ms);
  int rc = zmq_send(c->z, buf, len, 0);
  free(buf);
  if (rc < 0) {
    if (errno == EAGAIN)
      snprintf(err, errlen, "no connection to %s within %d ms", c->endpoint, timeout_ms);
    else
      snprintf(err, errlen, "send to %s: %s", c->endpoint, zmq_strerror(errno));
    return NULL;
  }
  for (;;) {
    long long left = deadline - now_ms();
    zmq_msg_t parts[MAX_FRAMES];
    size_t total;
    int kept = left > 0 ? recv_parts(c->z, (int)left, parts, &total) : 0;
    if (kept < 0 && errno == EINTR)
      continue;
    if (kept == 0) {
      snprintf(err, errlen, "no answer from %s within %d ms", c->endpoint, timeout_ms);
      return NULL;
    }
    if (kept < 0) {
      snprintf(err, errlen, "receive from %s: %s", c->endpoint, zmq_strerror(errno));
      return NULL;
    }
    erx_env_t *env = parse_reply(parts, kept, total, err, errlen);
    for (int i = 0; i < kept; i++)
      zmq_msg_close(&parts[i]);
    if (env && env->corr != req.corr) {
      erx_env_free(env); /* the late answer to an earlier, abandoned call */
      continue;
    }
    return env;
  }
}
