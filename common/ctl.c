/* A service's control socket: ROUTER, requests [id][Envelope] from DEALER
 * clients or [id][""][Envelope] from REQ clients, replies in the same shape
 * with the request's corr. */
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "envelope.h"
#include "log.h"

struct erx_ctl {
  erx_sock_t *sock;
  char service[32];
  erx_ctl_fn fn;
  void *arg;
  void (*drained)(void *arg);
  unsigned batch; /* requests handed to fn in the current drain pass */
  bool starting;
};

struct erx_ctl_req {
  uint64_t corr;
  bool delim; /* came from a REQ socket, which wants the empty frame back */
  size_t idlen;
  uint8_t id[]; /* ROUTER identity of the client */
};

static void on_drained(erx_sock_t *sock, void *arg) {
  erx_ctl_t *ctl = arg;
  unsigned batch = ctl->batch;
  ctl->batch = 0;
  if (batch && ctl->drained)
    ctl->drained(ctl->arg);
}

static void on_request(erx_sock_t *sock, const erx_frame_t *frames, size_t n, void *arg) {
  erx_ctl_t *ctl = arg;
  bool delim = n == 3 && frames[1].len == 0;
  if (n != 2 && !delim) {
    LOG_WARN("%s ctl: dropped a request of %zu frames", ctl->service, n);
    return;
  }
  char err[128];
  const erx_frame_t *payload = &frames[n - 1];
  erx_env_t *env = erx_env_unpack(payload->data, payload->len, err, sizeof err);
  if (!env) {
    LOG_WARN("%s ctl: dropped a request: %s", ctl->service, err);
    return;
  }
  erx_ctl_req_t *req = malloc(sizeof *req + frames[0].len);
  if (!req) {
    erx_env_free(env);
    return;
  }
  req->corr = env->corr;
  req->delim = delim;
  req->idlen = frames[0].len;
  memcpy(req->id, frames[0].data, frames[0].len);

  const ProtobufCMessage *body = erx_env_body(env);
  if (!body) {
    erx_ctl_reply_error(ctl, req, "request without body");
  } else if (body->descriptor == &erx__bus__ping__descriptor) {
    Erx__Bus__Pong pong = ERX__BUS__PONG__INIT;
    pong.service = ctl->service;
    pong.pid = (uint32_t)getpid();
    pong.starting = ctl->starting;
    erx_ctl_reply(ctl, req, &pong.base);
  } else if (!ctl->fn) {
    erx_ctl_reply_error(ctl, req, "no handler for requests");
  } else {
    ctl->batch++;
    ctl->fn(ctl->arg, req, body);
  }
  erx_env_free(env);
}

erx_ctl_t *erx_ctl_new(erx_bus_t *bus, const char *endpoint, const char *service, erx_ctl_fn fn, void *arg) {
  erx_ctl_t *ctl = calloc(1, sizeof *ctl);
  if (!ctl)
    return NULL;
  snprintf(ctl->service, sizeof ctl->service, "%s", service);
  ctl->fn = fn;
  ctl->arg = arg;
  ctl->sock = erx_sock_bind(bus, ZMQ_ROUTER, endpoint, on_request, ctl);
  if (!ctl->sock) {
    free(ctl);
    return NULL;
  }
  erx_sock_set_drained(ctl->sock, on_drained);
  return ctl;
}

void erx_ctl_destroy(erx_ctl_t **ctl_p) {
  if (!ctl_p || !*ctl_p)
    return;
  erx_sock_destroy(&(*ctl_p)->sock);
  free(*ctl_p);
  *ctl_p = NULL;
}

int erx_ctl_reply(erx_ctl_t *ctl, erx_ctl_req_t *req, const ProtobufCMessage *body) {
  erx_env_t env = ERX_ENV_INIT;
  env.corr = req->corr;
  int rc = -1;
  if (!body || erx_env_set_body(&env, body) == 0) {
    erx_frame_t prefix[2] = {{req->id, req->idlen}, {"", 0}};
    rc = erx_sock_send_env(ctl->sock, prefix, req->delim ? 2 : 1, &env);
  } else {
    LOG_ERR("%s ctl: %s is not an Envelope body", ctl->service, body->descriptor->name);
  }
  free(req);
  return rc;
}

int erx_ctl_reply_error(erx_ctl_t *ctl, erx_ctl_req_t *req, const char *text) {
  Erx__Bus__Error e = ERX__BUS__ERROR__INIT;
  e.text = (char *)text;
  return erx_ctl_reply(ctl, req, &e.base);
}

void erx_ctl_set_drained(erx_ctl_t *ctl, void (*fn)(void *arg)) { ctl->drained = fn; }

void erx_ctl_set_starting(erx_ctl_t *ctl, bool starting) { ctl->starting = starting; }
