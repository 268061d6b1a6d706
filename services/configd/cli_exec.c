/* Runs CLI lines against the grammar: mode fallback, error rendering with the
 * caret, help and completion per mode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_exec.h"
#include "log.h"

struct cfg_cli {
  cli_graph_t *graph[CFG_MODE_COUNT];
  cli_cmd_t *cmds[CFG_MODE_COUNT]; /* the mode's spans laid end to end */
};

/* ---- output helpers ---- */

void cfg_sb_vprintf(cfg_strbuf_t *b, const char *fmt, va_list ap)
{
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    return;
  if (b->len + (size_t)n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + (size_t)n + 1)
      cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s)
      return;
    b->s = s;
    b->cap = cap;
  }
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void cfg_sb_printf(cfg_strbuf_t *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  cfg_sb_vprintf(b, fmt, ap);
  va_end(ap);
}

void cfg_sb_puts(cfg_strbuf_t *b, const char *s)
{
  cfg_sb_printf(b, "%s", s);
}

void cfg_sb_free(cfg_strbuf_t *b)
{
  free(b->s);
  memset(b, 0, sizeof *b);
}

int cfg_err(cli_exec_t *x, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  cfg_sb_puts(&x->out, "% ");
  cfg_sb_vprintf(&x->out, fmt, ap);
  cfg_sb_puts(&x->out, "\n");
  va_end(ap);
  return -1;
}

void cfg_out(cli_exec_t *x, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  cfg_sb_vprintf(&x->out, fmt, ap);
  va_end(ap);
}

/* ---- contexts and prompts ---- */

void cfg_ctx_init(cfg_ctx_t *c, cfg_mode_t mode)
{
  memset(c, 0, sizeof *c);
  c->mode = mode;
  snprintf(c->vr, sizeof c->vr, "%s", CFG_DEFAULT_VR);
}

void cfg_ctx_encode(const cfg_ctx_t *c, char *buf, size_t cap)
{
  snprintf(buf, cap, "%d\x1f%s\x1f%s", (int)c->mode, c->vr, c->object);
}

bool cfg_ctx_decode(const char *s, cfg_ctx_t *c)
{
  const char *sep1 = strchr(s, '\x1f');
  if (!sep1)
    return false;
  const char *sep2 = strchr(sep1 + 1, '\x1f');
  if (!sep2 || sep1 - s != 1 || s[0] < '0' || s[0] >= '0' + CFG_MODE_COUNT)
    return false;
  size_t vrlen = (size_t)(sep2 - sep1 - 1);
  size_t objlen = strlen(sep2 + 1);
  if (vrlen == 0 || vrlen > CFG_VR_NAME_MAX || objlen > CFG_NAME_MAX)
    return false;
  cfg_ctx_init(c, (cfg_mode_t)(s[0] - '0'));
  memcpy(c->vr, sep1 + 1, vrlen);
  c->vr[vrlen] = '\0';
  memcpy(c->object, sep2 + 1, objlen + 1);
  return true;
}

void cfg_prompt(const cfg_model_t *m, const cfg_ctx_t *c, char *buf, size_t cap)
{
  static const char *const suffix[CFG_MODE_COUNT] = {
      [CFG_MODE_EXEC] = "#",
      [CFG_MODE_CONFIG] = "(config)#",
      [CFG_MODE_IF] = "(config-if)#",
      [CFG_MODE_MANUAL_KEY] = "(config-manual-key)#",
      [CFG_MODE_IKE_POLICY] = "(config-ike-policy)#",
  };
  bool in_vr = strcmp(c->vr, CFG_DEFAULT_VR) != 0;
  snprintf(buf, cap, "%s%s%s%s", m->hostname, in_vr ? ":" : "", in_vr ? c->vr : "", suffix[c->mode]);
}

bool cfg_ctx_validate(const cfg_model_t *m, cfg_ctx_t *c, cfg_strbuf_t *out)
{
  const char *gone = NULL;
  if (!cfg_vr_get(m, c->vr)) {
    cfg_sb_printf(out, "%% virtual-router %s no longer exists\n", c->vr);
    cfg_mode_t mode = c->mode == CFG_MODE_EXEC ? CFG_MODE_EXEC : CFG_MODE_CONFIG;
    cfg_ctx_init(c, mode);
    return false;
  }
  switch (c->mode) {
  case CFG_MODE_IF:
    if (!cfg_tunnel_get(m, c->vr, c->object))
      gone = "interface tunnel ipsec:";
    break;
  case CFG_MODE_MANUAL_KEY:
    if (!cfg_psk_get(m, c->vr, c->object))
      gone = "ipsec key manual pre-share ";
    break;
  case CFG_MODE_IKE_POLICY:
    if (!cfg_rule_get(m, (uint32_t)strtoul(c->object, NULL, 10)))
      gone = "ipsec ike-policy-rule ";
    break;
  default:
    return true;
  }
  if (!gone)
    return true;
  cfg_sb_printf(out, "%% %s%s no longer exists\n", gone, c->object);
  c->mode = CFG_MODE_CONFIG;
  c->object[0] = '\0';
  return false;
}

/* ---- the engine ---- */

cfg_cli_t *cfg_cli_new(char *err, size_t errlen)
{
  cfg_cli_t *cli = calloc(1, sizeof *cli);
  if (!cli)
    return NULL;
  for (int i = 0; i < CFG_MODE_COUNT; i++) {
    size_t n = 0;
    for (size_t s = 0; s < CFG_MAX_SPANS && cfg_grammar[i][s]; s++)
      n += cfg_grammar[i][s]->n;
    cli->cmds[i] = calloc(n ? n : 1, sizeof(cli_cmd_t));
    if (!cli->cmds[i]) {
      cfg_cli_destroy(&cli);
      return NULL;
    }
    n = 0;
    for (size_t s = 0; s < CFG_MAX_SPANS && cfg_grammar[i][s]; s++) {
      memcpy(cli->cmds[i] + n, cfg_grammar[i][s]->cmds, cfg_grammar[i][s]->n * sizeof(cli_cmd_t));
      n += cfg_grammar[i][s]->n;
    }
    cli->graph[i] = cli_graph_build(cli->cmds[i], n, cfg_help_dict, err, errlen);
    if (!cli->graph[i]) {
      cfg_cli_destroy(&cli);
      return NULL;
    }
  }
  return cli;
}

void cfg_cli_destroy(cfg_cli_t **cli_p)
{
  cfg_cli_t *cli = *cli_p;
  if (!cli)
    return;
  for (int i = 0; i < CFG_MODE_COUNT; i++) {
    cli_graph_destroy(&cli->graph[i]);
    free(cli->cmds[i]);
  }
  free(cli);
  *cli_p = NULL;
}

static bool is_submode(cfg_mode_t m)
{
  return m == CFG_MODE_IF || m == CFG_MODE_MANUAL_KEY || m == CFG_MODE_IKE_POLICY;
}

/* How far a failed match got, so the most helpful error is reported. */
static size_t progress(const cli_match_t *m, size_t linelen)
{
  switch (m->status) {
  case CLI_MATCH_INVALID:
  case CLI_MATCH_AMBIGUOUS:
    return m->err_offset;
  case CLI_MATCH_INCOMPLETE:
    return linelen + 1;
  default:
    return 0;
  }
}

static void render_error(cli_exec_t *x, const cli_match_t *m)
{
  char prompt[128];
  switch (m->status) {
  case CLI_MATCH_INVALID:
    cfg_prompt(x->model, &x->ctx, prompt, sizeof prompt);
    cfg_out(x, "%*s^\n%% Invalid input detected at '^' marker.\n", (int)(strlen(prompt) + m->err_offset), "");
    break;
  case CLI_MATCH_INCOMPLETE:
    cfg_out(x, "%% Incomplete command.\n");
    break;
  case CLI_MATCH_AMBIGUOUS:
    cfg_out(x, "%% Ambiguous command.\n");
    break;
  case CLI_MATCH_TOO_LONG:
    cfg_out(x, "%% Line too long (at most %d characters and %d words).\n", CLI_MAX_LINE, CLI_MAX_WORDS);
    break;
  default:
    break;
  }
}

/* "do <exec command>" from a configuration mode, as on IOS: runs the rest in
 * exec mode and stays where the session is. */
static int exec_do(const cfg_cli_t *cli, cli_exec_t *x, const char *line, size_t skip)
{
  cli_match_t m = {0};
  int rc = -1;
  if (cli_match(cli->graph[CFG_MODE_EXEC], line + skip, &m) == CLI_MATCH_OK && m.cmd->fn != NULL &&
      strncmp(m.canonical, "show ", 5) == 0) {
    cfg_ctx_t here = x->ctx;
    x->canonical = m.canonical;
    rc = m.cmd->fn(x, m.args);
    x->canonical = NULL;
    x->ctx = here;
  } else {
    if (m.status == CLI_MATCH_OK) { /* only show commands make sense under do */
      m.status = CLI_MATCH_INVALID;
      m.err_offset = 0;
    }
    m.err_offset += skip;
    render_error(x, &m);
  }
  cli_match_free(&m);
  return rc;
}

int cfg_cli_exec(const cfg_cli_t *cli, cli_exec_t *x, const char *line, char **journal, cfg_ctx_t *journal_ctx)
{
  *journal = NULL;
  cfg_ctx_validate(x->model, &x->ctx, &x->out);
  size_t lead = strspn(line, " \t");
  if (x->ctx.mode != CFG_MODE_EXEC && strncmp(line + lead, "do", 2) == 0 && (line[lead + 2] == ' ' || line[lead + 2] == '\t'))
    return exec_do(cli, x, line, lead + 3);

  /* candidate modes in order: current, then config (sub-modes fall back like
   * IOS, which is what lets show-configuration text re-parse) */
  cfg_mode_t order[2];
  size_t n = 0;
  order[n++] = x->ctx.mode;
  if (is_submode(x->ctx.mode))
    order[n++] = CFG_MODE_CONFIG;

  cli_match_t best = {0};
  size_t best_progress = 0;
  bool have_best = false;
  size_t linelen = strlen(line);
  for (size_t i = 0; i < n; i++) {
    cli_match_t m = {0};
    cli_match_status_t st = cli_match(cli->graph[order[i]], line, &m);
    bool usable = st == CLI_MATCH_OK;
    if (st == CLI_MATCH_EMPTY || st == CLI_MATCH_TOO_LONG) {
      if (st == CLI_MATCH_TOO_LONG)
        render_error(x, &m);
      cli_match_free(&m);
      if (have_best)
        cli_match_free(&best);
      return st == CLI_MATCH_EMPTY ? 0 : -1;
    }
    if (usable) {
      if (have_best)
        cli_match_free(&best);
      if (order[i] == CFG_MODE_CONFIG && i > 0) {
        x->ctx.mode = CFG_MODE_CONFIG;
        x->ctx.object[0] = '\0';
      }
      cfg_ctx_t before = x->ctx;
      uint64_t gen = x->model->generation;
      x->canonical = m.canonical;
      x->journal_line = NULL;
      int rc = m.cmd->fn(x, m.args);
      if (x->model->generation != gen) {
        *journal = x->journal_line ? x->journal_line : strdup(m.canonical);
        *journal_ctx = before;
      } else {
        free(x->journal_line);
      }
      x->journal_line = NULL;
      x->canonical = NULL;
      cli_match_free(&m);
      return rc;
    }
    size_t p = progress(&m, linelen);
    if (!have_best || p > best_progress) {
      if (have_best)
        cli_match_free(&best);
      best = m;
      best_progress = p;
      have_best = true;
    } else {
      cli_match_free(&m);
    }
  }
  render_error(x, &best);
  cli_match_free(&best);
  return -1;
}

int cfg_cli_prescan(const cfg_cli_t *cli, const char *line, char *arg, size_t cap)
{
  cli_match_t m = {0};
  int kind = 0;
  if (cli_match(cli->graph[CFG_MODE_CONFIG], line, &m) == CLI_MATCH_OK) {
    const char *v;
    if (strncmp(m.canonical, "virtual-router ", 15) == 0 && (v = cli_arg(m.args, "vr-name"))) {
      snprintf(arg, cap, "%s", v);
      kind = 'v';
    } else if (strncmp(m.canonical, "interface tunnel ", 17) == 0 && (v = cli_arg(m.args, "tunnel-name"))) {
      snprintf(arg, cap, "%s", strncasecmp(v, "ipsec:", 6) == 0 ? v + 6 : v);
      kind = 't';
    }
  }
  cli_match_free(&m);
  return kind;
}

char *cfg_cli_help(const cfg_cli_t *cli, const cfg_model_t *model, const cfg_ctx_t *c, const char *line)
{
  cli_match_t m = {0};
  char *text = cli_help(cli->graph[c->mode], line, &m);
  if (!text) {
    cli_exec_t x = {.model = (cfg_model_t *)model, .ctx = *c};
    render_error(&x, &m);
    text = x.out.s ? x.out.s : strdup("");
  }
  cli_match_free(&m);
  return text;
}

size_t cfg_cli_complete(const cfg_cli_t *cli, const cfg_ctx_t *c, const char *line, char ***out)
{
  return cli_complete(cli->graph[c->mode], line, out);
}
