/* A CLI session with configd: the mode context and prompt the session is at,
 * and the request/retry policy.  configd keeps nothing per session, so the
 * context travels with every request and survives a configd restart. */
#pragma once
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include "config.pb-c.h"
#include "envelope.h"

typedef struct erxsh_session erxsh_session_t;

typedef enum {
  ERXSH_CALL_OK = 0,
  ERXSH_CALL_NO_ANSWER,   /* budget spent; err names the endpoint */
  ERXSH_CALL_ERROR,       /* configd answered with an error or a malformed reply; err says what */
  ERXSH_CALL_INTERRUPTED, /* SIGINT while waiting (interactive) */
} erxsh_call_status_t;

typedef enum {
  ERXSH_WAIT_BUDGET,  /* retry until the session's timeout is spent */
  ERXSH_WAIT_FOREVER, /* retry until configd answers, saying so once */
} erxsh_wait_t;

/* A reply kept alive with its envelope. */
typedef struct {
  erx_env_t *env;
  const Erx__Cfg__CliReply *reply;
} erxsh_reply_t;

/* Starts at MODE_EXEC in the default VR.  NULL with err on failure. */
erxsh_session_t *erxsh_session_new(int timeout_ms, char *err, size_t errlen);
void erxsh_session_destroy(erxsh_session_t **s_p);

const char *erxsh_session_endpoint(const erxsh_session_t *s);
Erx__Cfg__Mode erxsh_session_mode(const erxsh_session_t *s);
/* "" until configd has given one */
const char *erxsh_session_prompt(const erxsh_session_t *s);
/* Moves the session to where the line left it (ctx and prompt). */
void erxsh_session_adopt(erxsh_session_t *s, const Erx__Cfg__CliLineResult *r);
void erxsh_session_set_prompt(erxsh_session_t *s, const char *prompt);

/* Sends {op, session ctx, lines} and waits as `wait` says.  On OK, out holds
 * the reply (release with erxsh_reply_free); the session itself is not moved. */
erxsh_call_status_t erxsh_session_call(erxsh_session_t *s, Erx__Cfg__CliOp op, char *const *lines, size_t nlines,
                                       bool stop_on_error, erxsh_wait_t wait, erxsh_reply_t *out, char *err,
                                       size_t errlen);
void erxsh_reply_free(erxsh_reply_t *r);

/* SIGINT handler for the interactive shell: abandons the current wait. */
void erxsh_session_on_sigint(int sig);
