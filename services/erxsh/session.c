#include "session.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus.pb-c.h"
#include "ctl_client.h"
#include "endpoints.h"

/* The first attempt is short so that a request lost in a configd restart is
 * resent soon; later attempts double up to the per-request timeout so that a
 * slow but live configd is not flooded with copies (lines are idempotent, so
 * a copy costs time, not correctness). */
#define FIRST_ATTEMPT_MS 1000
/* erx_ctl_call may fail at once (socket error, signal): do not spin. */
#define FAST_FAIL_PAUSE_MS 100

struct erxsh_session {
  erx_ctl_client_t *client;
  char endpoint[512];
  int timeout_ms;
  Erx__Cfg__Mode mode;
  char *vr;
  char *object;
  char *prompt;
};

static volatile sig_atomic_t interrupted;

void erxsh_session_on_sigint(int sig) {
  (void)sig;
  interrupted = 1;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Replaces *dst with a copy of src; keeps the old value if out of memory. */
static void set_str(char **dst, const char *src) {
  char *copy = strdup(src ? src : "");
  if (!copy) return;
  free(*dst);
  *dst = copy;
}

erxsh_session_t *erxsh_session_new(int timeout_ms, char *err, size_t errlen) {
  erxsh_session_t *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  s->timeout_ms = timeout_ms;
  s->mode = ERX__CFG__MODE__MODE_EXEC;
  s->vr = strdup("");
  s->object = strdup("");
  s->prompt = strdup("");
  if (!s->vr || !s->object || !s->prompt) {
    snprintf(err, errlen, "out of memory");
    erxsh_session_destroy(&s);
    return NULL;
  }
  if (erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_CTL, false, s->endpoint, sizeof s->endpoint) < 0) {
    snprintf(err, errlen, "configd control endpoint does not fit in %zu bytes (ERX_RUNDIR too long?)",
             sizeof s->endpoint);
    erxsh_session_destroy(&s);
    return NULL;
  }
  s->client = erx_ctl_client_new(s->endpoint);
  if (!s->client) {
    snprintf(err, errlen, "cannot open a client socket to %s", s->endpoint);
    erxsh_session_destroy(&s);
    return NULL;
  }
  return s;
}

void erxsh_session_destroy(erxsh_session_t **s_p) {
  erxsh_session_t *s = *s_p;
  if (!s) return;
  if (s->client) erx_ctl_client_destroy(&s->client);
  free(s->vr);
  free(s->object);
  free(s->prompt);
  free(s);
  *s_p = NULL;
}

const char *erxsh_session_endpoint(const erxsh_session_t *s) { return s->endpoint; }

Erx__Cfg__Mode erxsh_session_mode(const erxsh_session_t *s) { return s->mode; }

const char *erxsh_session_prompt(const erxsh_session_t *s) { return s->prompt; }

void erxsh_session_set_prompt(erxsh_session_t *s, const char *prompt) { set_str(&s->prompt, prompt); }

void erxsh_session_adopt(erxsh_session_t *s, const Erx__Cfg__CliLineResult *r) {
  /* A result without ctx leaves the session where it was rather than
   * silently dropping it to exec. */
  if (r->ctx) {
    s->mode = r->ctx->mode;
    set_str(&s->vr, r->ctx->vr);
    set_str(&s->object, r->ctx->object);
  }
  if (r->prompt && *r->prompt) set_str(&s->prompt, r->prompt);
}

void erxsh_reply_free(erxsh_reply_t *r) {
  if (r->env) erx_env_free(r->env);
  r->env = NULL;
  r->reply = NULL;
}

static erxsh_call_status_t take_reply(erx_env_t *env, erxsh_reply_t *out, char *err, size_t errlen) {
  const ProtobufCMessage *body = erx_env_body_as(env, &erx__cfg__cli_reply__descriptor);
  if (body) {
    out->env = env;
    out->reply = (const Erx__Cfg__CliReply *)body;
    return ERXSH_CALL_OK;
  }
  const ProtobufCMessage *e = erx_env_body_as(env, &erx__bus__error__descriptor);
  if (e)
    snprintf(err, errlen, "configd refused the request: %s", ((const Erx__Bus__Error *)e)->text);
  else
    snprintf(err, errlen, "configd sent a reply that is not a CliReply");
  erx_env_free(env);
  return ERXSH_CALL_ERROR;
}

erxsh_call_status_t erxsh_session_call(erxsh_session_t *s, Erx__Cfg__CliOp op, char *const *lines, size_t nlines,
                                       bool stop_on_error, erxsh_wait_t wait, erxsh_reply_t *out, char *err,
                                       size_t errlen) {
  Erx__Cfg__CliContext ctx = ERX__CFG__CLI_CONTEXT__INIT;
  ctx.mode = s->mode;
  ctx.vr = s->vr;
  ctx.object = s->object;
  Erx__Cfg__CliRequest req = ERX__CFG__CLI_REQUEST__INIT;
  req.op = op;
  req.ctx = &ctx;
  req.n_lines = nlines;
  req.lines = (char **)lines;
  req.stop_on_error = stop_on_error;
  out->env = NULL;
  out->reply = NULL;

  const int64_t deadline = now_ms() + s->timeout_ms;
  int attempt_ms = s->timeout_ms < FIRST_ATTEMPT_MS ? s->timeout_ms : FIRST_ATTEMPT_MS;
  bool announced = false;
  char why[256] = "";
  interrupted = 0;
  for (;;) {
    int wait_ms = attempt_ms;
    if (wait == ERXSH_WAIT_BUDGET) {
      int64_t left = deadline - now_ms();
      if (left <= 0) break;
      if (left < wait_ms) wait_ms = (int)left;
    }
    const int64_t sent = now_ms();
    erx_env_t *env = erx_ctl_call(s->client, &req.base, wait_ms, why, sizeof why);
    if (env) return take_reply(env, out, err, errlen);
    if (interrupted) {
      snprintf(err, errlen, "interrupted");
      return ERXSH_CALL_INTERRUPTED;
    }
    if (wait == ERXSH_WAIT_FOREVER && !announced) {
      fputs("% configd is not answering; retrying\n", stderr);
      announced = true;
    }
    if (now_ms() - sent < wait_ms / 2) pause_ms(FAST_FAIL_PAUSE_MS);
    attempt_ms = attempt_ms * 2 < s->timeout_ms ? attempt_ms * 2 : s->timeout_ms;
  }
  snprintf(err, errlen, "configd is not answering on %s within %d ms (last try: %s)", s->endpoint, s->timeout_ms, why);
  return ERXSH_CALL_NO_ANSWER;
}
