#include "cfg_ike.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_call_guard.h"
#include "endpoints.h"
#include "log.h"

/* A show or clear command waits for iked at most IKE_CALL_MS; after an
 * unanswered call iked is not asked again for IKE_QUIET_MS. */
#define IKE_CALL_MS 1000
#define IKE_QUIET_MS 3000

struct cfg_ike {
  erx_ctl_guard_t *ctl;
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* ipc:// endpoint's socket, "" otherwise */
};

cfg_ike_t *cfg_ike_new(void)
{
  char ep[256];
  if (erx_endpoint(ERX_SVC_IKED, ERX_SOCK_CTL, false, ep, sizeof ep))
    return NULL;
  cfg_ike_t *k = calloc(1, sizeof *k);
  if (!k)
    return NULL;
  if (strncmp(ep, "ipc://", 6) == 0 && strlen(ep + 6) < sizeof k->path)
    memcpy(k->path, ep + 6, strlen(ep + 6) + 1);
  k->ctl = erx_ctl_guard_new(ep, "iked", IKE_CALL_MS, IKE_QUIET_MS);
  if (!k->ctl) {
    free(k);
    return NULL;
  }
  return k;
}

void cfg_ike_destroy(cfg_ike_t **k_p)
{
  cfg_ike_t *k = *k_p;
  if (!k)
    return;
  erx_ctl_guard_destroy(&k->ctl);
  free(k);
  *k_p = NULL;
}

typedef enum { LISTENING, ABSENT, UNKNOWN } probe_t;

/* Whether something listens on iked's ipc:// socket, without waiting: a
 * Unix socket with no listener refuses a connection at once (ENOENT or
 * ECONNREFUSED), where ZeroMQ would wait for the whole call time. */
static probe_t probe(const cfg_ike_t *k)
{
  if (!k->path[0])
    return UNKNOWN;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return UNKNOWN;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  memcpy(sa.sun_path, k->path, strlen(k->path) + 1);
  int rc = connect(fd, (const struct sockaddr *)&sa, sizeof sa);
  int e = errno;
  close(fd);
  if (rc == 0 || e == EAGAIN || e == EINPROGRESS)
    return LISTENING;
  return e == ENOENT || e == ECONNREFUSED ? ABSENT : UNKNOWN;
}

/* One guarded call.  CFG_IKE_OK with *rep of type want, else why. */
static cfg_ike_result_t call(cfg_ike_t *k, const ProtobufCMessage *body, Erx__Bus__Envelope__BodyCase want,
                             erx_env_t **rep, char *why, size_t whylen)
{
  *rep = NULL;
  /* no listener: said at once.  A listener that did not answer a moment
   * ago (hung, or stopped) is not asked again until the quiet period ends. */
  if (probe(k) == ABSENT) {
    snprintf(why, whylen, "%s", cfg_ike_unavailable(CFG_IKE_NOT_RUNNING));
    return CFG_IKE_NOT_RUNNING;
  }
  char err[320];
  switch (erx_ctl_guard_call(k->ctl, body, rep, err, sizeof err)) {
  case ERX_GUARD_REPLY:
    break;
  case ERX_GUARD_ERROR:
    /* "iked: <text>": the operator wants the text */
    snprintf(why, whylen, "%s", strncmp(err, "iked: ", 6) == 0 ? err + 6 : err);
    return CFG_IKE_REFUSED;
  case ERX_GUARD_SILENT:
  default:
    snprintf(why, whylen, "%s", err);
    return CFG_IKE_SILENT;
  }
  if ((*rep)->body_case != want) {
    LOG_WARN("iked answered %s with an unexpected message", body->descriptor->name);
    erx_env_free(*rep);
    *rep = NULL;
    snprintf(why, whylen, "iked gave an unexpected answer");
    return CFG_IKE_SILENT;
  }
  return CFG_IKE_OK;
}

cfg_ike_result_t cfg_ike_status(cfg_ike_t *k, const char *vr, const char *tunnel, erx_env_t **rep, char *why,
                                size_t whylen)
{
  Erx__Ike__IkeStatusRequest rq = ERX__IKE__IKE_STATUS_REQUEST__INIT;
  rq.vr = (char *)(vr ? vr : "");
  rq.tunnel = (char *)(tunnel ? tunnel : "");
  return call(k, &rq.base, ERX__BUS__ENVELOPE__BODY_IKE_STATUS_REPLY, rep, why, whylen);
}

const Erx__Ike__TunnelIke *cfg_ike_tunnel(const Erx__Ike__IkeStatusReply *r, const char *vr, const char *name)
{
  for (size_t i = 0; r && i < r->n_tunnels; i++)
    if (strcmp(r->tunnels[i]->vr, vr) == 0 && strcmp(r->tunnels[i]->tunnel, name) == 0)
      return r->tunnels[i];
  return NULL;
}

cfg_ike_result_t cfg_ike_clear(cfg_ike_t *k, const char *vr, const char *tunnel, unsigned phase, char *msg,
                               size_t msglen)
{
  Erx__Ike__ClearSaRequest rq = ERX__IKE__CLEAR_SA_REQUEST__INIT;
  rq.vr = (char *)vr;
  rq.tunnel = (char *)tunnel;
  rq.phase = phase;
  erx_env_t *rep;
  cfg_ike_result_t r = call(k, &rq.base, ERX__BUS__ENVELOPE__BODY_IKE_CLEAR_SA_REPLY, &rep, msg, msglen);
  if (r == CFG_IKE_OK) {
    const char *text = rep->ike_clear_sa_reply->text;
    snprintf(msg, msglen, "%s", text && text[0] ? text : "cleared");
    erx_env_free(rep);
  }
  return r;
}

const char *cfg_ike_unavailable(cfg_ike_result_t r)
{
  return r == CFG_IKE_NOT_RUNNING ? "the IKE service (iked) is not running" : "the IKE service (iked) is not answering";
}
