/* What a command handler sees: the session's position in the mode tree, the
 * model, an output buffer and the journal line.  Handlers validate everything
 * first and change the model only when the command is accepted, so a refused
 * command changes nothing. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include "cfg_model.h"
#include "cli_match.h"
#include "masked_key.h"

typedef enum {
  CFG_MODE_EXEC = 0,
  CFG_MODE_CONFIG,
  CFG_MODE_IF,
  CFG_MODE_MANUAL_KEY,
  CFG_MODE_IKE_POLICY,
  CFG_MODE_COUNT
} cfg_mode_t;

typedef struct cfg_ctx {
  cfg_mode_t mode;
  char vr[CFG_VR_NAME_MAX + 1];   /* current virtual router ("default") */
  char object[CFG_NAME_MAX + 1];  /* tunnel name, pre-share peer or rule priority */
} cfg_ctx_t;


typedef struct cfg_strbuf {
  char *s;
  size_t len, cap;
} cfg_strbuf_t;

void cfg_sb_printf(cfg_strbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cfg_sb_vprintf(cfg_strbuf_t *b, const char *fmt, va_list ap);
void cfg_sb_puts(cfg_strbuf_t *b, const char *s);
void cfg_sb_free(cfg_strbuf_t *b);

struct cfg_lic; /* licensed's client (cfg_license.h) */
struct cfg_dp;  /* datapathd's client (cfg_dp.h) */
struct cfg_ike; /* iked's client (cfg_ike.h) */

typedef struct cli_exec {
  cfg_model_t *model;
  const erx_masker_t *masker;
  struct cfg_lic *lic;      /* NULL only in in-process tests: no licence checks */
  struct cfg_dp *dp;        /* NULL only in in-process tests: the data path is not running */
  struct cfg_ike *ike;      /* NULL only in in-process tests: no IKE state is shown */
  erx_strmap_t *admitted;   /* "vr/name" -> "" or refusal: this request's batch admission (may be NULL) */
  cfg_ctx_t ctx;            /* in: before the line; handlers change it to move between modes */
  cfg_strbuf_t out;         /* the line's output */
  char *journal_line;       /* set by a handler to journal something else than the canonical line
                               (malloc'd; e.g. the masked form of a key) */
  const char *canonical;    /* the matched line re-spelled */
  bool replay;              /* replaying the store at start-up: no admission checks */
  bool exit_session;
} cli_exec_t;

/* "% ..." error: prints it and returns -1 (handlers: return cfg_err(x, ...)). */
int cfg_err(cli_exec_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cfg_out(cli_exec_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Context encoding for the journal and the bus: "<mode>\x1f<vr>\x1f<object>". */
void cfg_ctx_encode(const cfg_ctx_t *c, char *buf, size_t cap);
bool cfg_ctx_decode(const char *s, cfg_ctx_t *c);
void cfg_ctx_init(cfg_ctx_t *c, cfg_mode_t mode);
/* "host1:vrA(config-if)#" */
void cfg_prompt(const cfg_model_t *m, const cfg_ctx_t *c, char *buf, size_t cap);
/* Checks that the context's object still exists; if not, falls back to config mode
 * and says so in out.  Returns false if the context was changed. */
bool cfg_ctx_validate(const cfg_model_t *m, cfg_ctx_t *c, cfg_strbuf_t *out);

/* The grammar: each grammar/cmd_*.c file declares the commands of one family,
 * with their handlers, as spans per mode; grammar/modes.c lists the spans of
 * each mode (NULL-terminated) and the help dictionary. */
typedef struct cfg_cmd_span {
  const cli_cmd_t *cmds;
  size_t n;
} cfg_cmd_span_t;
#define CFG_SPAN(arr) {(arr), sizeof(arr) / sizeof((arr)[0])}
#define CFG_MAX_SPANS 8
extern const cfg_cmd_span_t *const cfg_grammar[CFG_MODE_COUNT][CFG_MAX_SPANS];
extern const cli_help_entry_t cfg_help_dict[];

typedef struct cfg_cli cfg_cli_t;
cfg_cli_t *cfg_cli_new(char *err, size_t errlen);
void cfg_cli_destroy(cfg_cli_t **cli_p);

/* Executes one line in x->ctx (with mode fallback: a line that no sub-mode
 * command accepts is tried in config mode, as on an ERX).
 * Fills x->out (errors with the caret under the offending word, aligned after
 * the prompt) and returns 0 if accepted, -1 if refused.  If the
 * model changed (then *journal is the line to journal, caller frees). */
int cfg_cli_exec(const cfg_cli_t *cli, cli_exec_t *x, const char *line, char **journal, cfg_ctx_t *journal_ctx);
/* For batch admission, without executing: a line that would enter a virtual
 * router (returns 'v', arg = its name) or an IPsec tunnel (returns 't', arg =
 * the tunnel name), else 0.  Judged in config mode, where both commands live. */
int cfg_cli_prescan(const cfg_cli_t *cli, const char *line, char *arg, size_t cap);
char *cfg_cli_help(const cfg_cli_t *cli, const cfg_model_t *m, const cfg_ctx_t *c, const char *line);
size_t cfg_cli_complete(const cfg_cli_t *cli, const cfg_ctx_t *c, const char *line, char ***out);
