/* Compiles a mode's grammar strings into one NFA (cli_graph.h).
 *
 * Each string is parsed into a small tree, then compiled back to front
 * (every element is built knowing its continuation) so groups, options and
 * repetitions need no patch lists.  Epsilon closures are computed once here,
 * so the matcher only ever looks at consuming nodes. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_graph.h"

#define MAX_DEPTH 16 /* nesting of <> and []; deeper is surely a typo */

typedef enum { A_SEQ, A_ALT, A_OPT, A_TOK } ast_kind_t;

typedef struct ast {
  uint8_t kind;
  uint8_t tok; /* A_TOK: a cli_node_kind_t */
  bool repeat;
  const char *text; /* A_TOK: as written in the syntax */
  uint32_t text_len;
  const char *name; /* $name, or NULL */
  uint32_t name_len;
  uint64_t lo, hi;
  int32_t first, last; /* children: a SEQ's elements, a group's alternatives */
  int32_t prev, next;  /* siblings */
} ast_t;

typedef struct builder {
  cli_graph_t *g;
  size_t cap_nodes, cap_clos, cap_pool;
  char **kw; /* interned keywords (also in the pool) */
  size_t nkw, cap_kw;
  /* the command being compiled */
  const cli_cmd_t *cmd;
  uint32_t cmd_idx;
  const char *s;
  size_t pos;
  ast_t *ast;
  size_t nast, cap_ast;
  char *err;
  size_t errlen;
  bool failed;
} builder_t;

static bool fail(builder_t *b, const char *fmt, ...)
{
  if (b->failed)
    return false;
  b->failed = true;
  if (b->err && b->errlen) {
    int n = snprintf(b->err, b->errlen, "command \"%s\": ", b->cmd && b->cmd->syntax ? b->cmd->syntax : "");
    if (n >= 0 && (size_t)n < b->errlen) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(b->err + n, b->errlen - (size_t)n, fmt, ap);
      va_end(ap);
    }
  }
  return false;
}

static bool grow(builder_t *b, void **arr, size_t *cap, size_t need, size_t elem)
{
  if (need <= *cap)
    return true;
  size_t ncap = *cap ? *cap : 16;
  while (ncap < need)
    ncap *= 2;
  void *p = realloc(*arr, ncap * elem);
  if (!p)
    return fail(b, "out of memory");
  *arr = p;
  *cap = ncap;
  return true;
}

static const char *pool_dup(builder_t *b, const char *p, size_t len)
{
  cli_graph_t *g = b->g;
  if (!grow(b, (void **)&g->pool, &b->cap_pool, g->npool + 1, sizeof *g->pool))
    return NULL;
  char *s = malloc(len + 1);
  if (!s) {
    fail(b, "out of memory");
    return NULL;
  }
  memcpy(s, p, len);
  s[len] = '\0';
  g->pool[g->npool++] = s;
  return s;
}

static const char *intern_kw(builder_t *b, const char *p, size_t len)
{
  for (size_t i = 0; i < b->nkw; i++)
    if (strlen(b->kw[i]) == len && memcmp(b->kw[i], p, len) == 0)
      return b->kw[i];
  if (!grow(b, (void **)&b->kw, &b->cap_kw, b->nkw + 1, sizeof *b->kw))
    return NULL;
  const char *s = pool_dup(b, p, len);
  if (s)
    b->kw[b->nkw++] = (char *)s;
  return s;
}

/* ---- parsing ---- */

static bool is_space(char c)
{
  return c == ' ' || c == '\t';
}

static bool ends_token(char c)
{
  return c == '\0' || is_space(c) || strchr("<>[]|$", c) != NULL;
}

static bool is_name_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int32_t ast_new(builder_t *b, ast_kind_t kind)
{
  if (!grow(b, (void **)&b->ast, &b->cap_ast, b->nast + 1, sizeof *b->ast))
    return -1;
  ast_t *a = &b->ast[b->nast];
  memset(a, 0, sizeof *a);
  a->kind = (uint8_t)kind;
  a->first = a->last = a->prev = a->next = -1;
  return (int32_t)b->nast++;
}

static void ast_append(builder_t *b, int32_t parent, int32_t child)
{
  ast_t *p = &b->ast[parent];
  b->ast[child].prev = p->last;
  if (p->last >= 0)
    b->ast[p->last].next = child;
  else
    p->first = child;
  p->last = child;
}

static bool classify(builder_t *b, ast_t *a)
{
  const char *t = a->text;
  size_t n = a->text_len;
  static const struct {
    const char *text;
    cli_node_kind_t kind;
  } vars[] = {
      {"WORD", CLI_N_WORD}, {"LINE", CLI_N_LINE}, {"A.B.C.D", CLI_N_IPV4}, {"HEX", CLI_N_HEX}, {"ipsec:NAME", CLI_N_IPSEC},
  };
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
    if (strlen(vars[i].text) == n && memcmp(vars[i].text, t, n) == 0) {
      a->tok = (uint8_t)vars[i].kind;
      return true;
    }
  }
  if (n >= 5 && t[0] == '(' && t[n - 1] == ')') {
    const char *dash = memchr(t + 1, '-', n - 2);
    if (dash && cli_parse_u64(t + 1, (size_t)(dash - t - 1), &a->lo) &&
        cli_parse_u64(dash + 1, (size_t)(t + n - 1 - dash - 1), &a->hi) && a->lo <= a->hi) {
      a->tok = CLI_N_RANGE;
      return true;
    }
    return fail(b, "bad range \"%.*s\"", (int)n, t);
  }
  for (size_t i = 0; i < n; i++)
    if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '-'))
      return fail(b, "bad token \"%.*s\"", (int)n, t);
  a->tok = CLI_N_KEYWORD;
  return true;
}

static int32_t parse_seq(builder_t *b, int depth);

/* "...", "$name" in either order after an element */
static bool parse_suffixes(builder_t *b, int32_t e)
{
  for (;;) {
    if (strncmp(b->s + b->pos, "...", 3) == 0 && !b->ast[e].repeat) {
      b->ast[e].repeat = true;
      b->pos += 3;
    } else if (b->s[b->pos] == '$' && !b->ast[e].name) {
      size_t start = ++b->pos;
      while (is_name_char(b->s[b->pos]))
        b->pos++;
      if (b->pos == start)
        return fail(b, "empty capture name");
      b->ast[e].name = b->s + start;
      b->ast[e].name_len = (uint32_t)(b->pos - start);
    } else {
      break;
    }
  }
  char c = b->s[b->pos];
  if (c != '\0' && !is_space(c) && !strchr("|]>", c))
    return fail(b, "unexpected \"%c\"", c);
  return true;
}

static int32_t parse_group(builder_t *b, int depth)
{
  char open = b->s[b->pos++];
  char close = open == '<' ? '>' : ']';
  int32_t grp = ast_new(b, open == '<' ? A_ALT : A_OPT);
  if (grp < 0)
    return -1;
  for (;;) {
    int32_t seq = parse_seq(b, depth + 1);
    if (seq < 0)
      return -1;
    if (b->ast[seq].first < 0)
      return fail(b, "empty alternative in %c%c", open, close), -1;
    ast_append(b, grp, seq);
    char c = b->s[b->pos];
    if (c == '|') {
      b->pos++;
    } else if (c == close) {
      b->pos++;
      return grp;
    } else {
      return fail(b, "unbalanced \"%c\"", open), -1;
    }
  }
}

static int32_t parse_elem(builder_t *b, int depth)
{
  char c = b->s[b->pos];
  int32_t e;
  if (c == '<' || c == '[') {
    if (depth >= MAX_DEPTH)
      return fail(b, "groups nested too deep"), -1;
    e = parse_group(b, depth);
  } else {
    size_t start = b->pos;
    while (!ends_token(b->s[b->pos]))
      b->pos++;
    size_t n = b->pos - start;
    /* "..." belongs to the suffixes, and dots are legal inside A.B.C.D */
    if (n >= 3 && memcmp(b->s + b->pos - 3, "...", 3) == 0) {
      b->pos -= 3;
      n -= 3;
    }
    if (n == 0)
      return fail(b, "missing token before \"%c\"", c), -1;
    e = ast_new(b, A_TOK);
    if (e < 0)
      return -1;
    b->ast[e].text = b->s + start;
    b->ast[e].text_len = (uint32_t)n;
    if (!classify(b, &b->ast[e]))
      return -1;
  }
  if (e < 0 || !parse_suffixes(b, e))
    return -1;
  return e;
}

static int32_t parse_seq(builder_t *b, int depth)
{
  int32_t seq = ast_new(b, A_SEQ);
  if (seq < 0)
    return -1;
  for (;;) {
    while (is_space(b->s[b->pos]))
      b->pos++;
    char c = b->s[b->pos];
    if (c == '\0' || c == '|' || c == ']' || c == '>')
      return seq;
    int32_t e = parse_elem(b, depth);
    if (e < 0)
      return -1;
    ast_append(b, seq, e);
  }
}

/* ---- compiling ---- */

static int64_t node_new(builder_t *b, cli_node_kind_t kind, uint32_t out)
{
  cli_graph_t *g = b->g;
  if (g->nnodes == UINT32_MAX - 1)
    return fail(b, "grammar too large"), -1;
  if (!grow(b, (void **)&g->nodes, &b->cap_nodes, (size_t)g->nnodes + 1, sizeof *g->nodes))
    return -1;
  cli_node_t *n = &g->nodes[g->nnodes];
  memset(n, 0, sizeof *n);
  n->kind = (uint8_t)kind;
  n->cmd = b->cmd_idx;
  n->out = n->out1 = out;
  return g->nnodes++;
}

/* "key=text" lines of the command's help override */
static const char *find_override(builder_t *b, const char *key, size_t klen)
{
  const char *h = b->cmd->help;
  while (h && *h) {
    const char *eol = strchr(h, '\n');
    size_t llen = eol ? (size_t)(eol - h) : strlen(h);
    if (llen > klen && h[klen] == '=' && memcmp(h, key, klen) == 0)
      return pool_dup(b, h + klen + 1, llen - klen - 1);
    h = eol ? eol + 1 : NULL;
  }
  return NULL;
}

static const char *find_help(builder_t *b, const cli_help_entry_t *dict, const char *key, size_t klen)
{
  const char *t = find_override(b, key, klen);
  if (t || b->failed)
    return t;
  for (size_t i = 0; dict && dict[i].key; i++)
    if (strlen(dict[i].key) == klen && memcmp(dict[i].key, key, klen) == 0 && dict[i].text)
      return pool_dup(b, dict[i].text, strlen(dict[i].text));
  return NULL;
}

static const char *const var_labels[] = {
    [CLI_N_IPV4] = "A.B.C.D", [CLI_N_HEX] = "HEX",   [CLI_N_IPSEC] = "ipsec:NAME",
    [CLI_N_WORD] = "WORD",    [CLI_N_LINE] = "LINE",
};

static int64_t compile_elem(builder_t *b, const cli_help_entry_t *dict, int32_t e, uint32_t next, const ast_t *grp);

static int64_t compile_token(builder_t *b, const cli_help_entry_t *dict, const ast_t *a, uint32_t next,
                             const ast_t *grp)
{
  cli_node_kind_t kind = a->tok;
  int64_t id = node_new(b, kind, next);
  if (id < 0)
    return -1;
  cli_node_t *n = &b->g->nodes[id];
  const char *cap = NULL;
  if (kind == CLI_N_KEYWORD) {
    n->text = intern_kw(b, a->text, a->text_len);
    n->len = a->text_len;
    n->caps[n->ncaps++] = n->text;
    n->help = find_help(b, dict, a->text, a->text_len);
    if (!n->help && a->name)
      n->help = find_help(b, dict, a->name, a->name_len);
  } else {
    if (kind == CLI_N_RANGE) {
      char buf[48];
      snprintf(buf, sizeof buf, "<%" PRIu64 "-%" PRIu64 ">", a->lo, a->hi);
      n->text = pool_dup(b, buf, strlen(buf));
      n->lo = a->lo;
      n->hi = a->hi;
    } else {
      n->text = var_labels[kind];
    }
    n->len = n->text ? (uint32_t)strlen(n->text) : 0;
    const char *key = a->name ? a->name : a->text;
    size_t klen = a->name ? a->name_len : a->text_len;
    n->help = find_help(b, dict, key, klen);
    if (!a->name)
      cap = pool_dup(b, a->text, a->text_len);
  }
  if (b->failed)
    return -1;
  if (!n->help)
    return fail(b, "no help for \"%.*s\"", (int)(a->name && kind != CLI_N_KEYWORD ? a->name_len : a->text_len),
                a->name && kind != CLI_N_KEYWORD ? a->name : a->text),
           -1;
  if (a->name)
    cap = pool_dup(b, a->name, a->name_len);
  if (cap)
    n->caps[n->ncaps++] = cap;
  if (grp && grp->name)
    n->caps[n->ncaps++] = pool_dup(b, grp->name, grp->name_len);
  if (b->failed)
    return -1;
  if (kind != CLI_N_LINE)
    return id;
  /* LINE -> loop(LINE_REST) -> next: the loop's SPLIT lets the thread complete after any word */
  int64_t split = node_new(b, CLI_N_SPLIT, next);
  int64_t rest = split < 0 ? -1 : node_new(b, CLI_N_LINE_REST, (uint32_t)split);
  if (rest < 0)
    return -1;
  cli_node_t *nodes = b->g->nodes;
  nodes[split].out = (uint32_t)rest;
  nodes[rest].text = nodes[id].text;
  nodes[rest].len = nodes[id].len;
  nodes[rest].help = nodes[id].help;
  nodes[rest].line = (uint32_t)id;
  nodes[id].out = nodes[id].out1 = (uint32_t)split;
  return id;
}

static int64_t compile_seq(builder_t *b, const cli_help_entry_t *dict, int32_t seq, uint32_t next, const ast_t *grp)
{
  int64_t cur = next;
  for (int32_t e = b->ast[seq].last; e >= 0 && cur >= 0; e = b->ast[e].prev)
    cur = compile_elem(b, dict, e, (uint32_t)cur, grp);
  return cur;
}

static int64_t compile_inner(builder_t *b, const cli_help_entry_t *dict, int32_t e, uint32_t next, const ast_t *grp)
{
  const ast_t *a = &b->ast[e];
  if (a->kind == A_TOK)
    return compile_token(b, dict, a, next, grp);
  /* A group's $name is captured by an alternative made of one token. */
  int64_t chain = -1;
  for (int32_t alt = a->last; alt >= 0; alt = b->ast[alt].prev) {
    const ast_t *seq = &b->ast[alt];
    bool single = seq->first == seq->last && b->ast[seq->first].kind == A_TOK;
    int64_t s = compile_seq(b, dict, alt, next, single && a->name ? a : NULL);
    if (s < 0)
      return -1;
    if (chain < 0) {
      chain = s;
    } else {
      int64_t sp = node_new(b, CLI_N_SPLIT, (uint32_t)chain);
      if (sp < 0)
        return -1;
      b->g->nodes[sp].out = (uint32_t)s;
      chain = sp;
    }
  }
  if (a->kind == A_OPT) {
    int64_t sp = node_new(b, CLI_N_SPLIT, next);
    if (sp < 0)
      return -1;
    b->g->nodes[sp].out = (uint32_t)chain;
    chain = sp;
  }
  return chain;
}

static int64_t compile_elem(builder_t *b, const cli_help_entry_t *dict, int32_t e, uint32_t next, const ast_t *grp)
{
  if (!b->ast[e].repeat)
    return compile_inner(b, dict, e, next, grp);
  /* one or more: body, then a SPLIT back to the body (preferred) or on */
  int64_t loop = node_new(b, CLI_N_SPLIT, next);
  if (loop < 0)
    return -1;
  int64_t body = compile_inner(b, dict, e, (uint32_t)loop, grp);
  if (body < 0)
    return -1;
  b->g->nodes[loop].out = (uint32_t)body;
  return body;
}

/* ---- closures ---- */

typedef struct {
  uint32_t *seen; /* stamp per node */
  uint32_t stamp;
  uint32_t *stack;
} walk_t;

/* Appends to g->clos the consuming and MATCH nodes reachable from `from` by
 * epsilon, in priority order (out before out1). */
static bool closure(builder_t *b, walk_t *w, uint32_t from, uint32_t *off, uint32_t *len)
{
  cli_graph_t *g = b->g;
  w->stamp++;
  size_t sp = 0, start = g->nclos;
  w->stack[sp++] = from;
  while (sp) {
    uint32_t s = w->stack[--sp];
    if (w->seen[s] == w->stamp)
      continue;
    w->seen[s] = w->stamp;
    const cli_node_t *n = &g->nodes[s];
    if (n->kind == CLI_N_SPLIT) {
      /* each node is pushed at most once per edge, and edges are 2 per node */
      w->stack[sp++] = n->out1;
      w->stack[sp++] = n->out;
      continue;
    }
    if (!grow(b, (void **)&g->clos, &b->cap_clos, g->nclos + 1, sizeof *g->clos))
      return false;
    g->clos[g->nclos++] = s;
  }
  if (g->nclos - start > UINT32_MAX)
    return fail(b, "grammar too large");
  *off = (uint32_t)start;
  *len = (uint32_t)(g->nclos - start);
  return true;
}

static bool link_closures(builder_t *b, const uint32_t *starts)
{
  cli_graph_t *g = b->g;
  walk_t w = {0};
  w.seen = calloc(g->nnodes ? g->nnodes : 1, sizeof *w.seen);
  w.stack = malloc((2 * (size_t)g->nnodes + 1) * sizeof *w.stack);
  bool ok = w.seen && w.stack;
  if (!ok)
    fail(b, "out of memory");
  /* the start list first, command by command, then each consuming node's successors */
  size_t first = g->nclos;
  for (size_t c = 0; ok && c < g->ncmds; c++) {
    uint32_t off, len;
    b->cmd = &g->cmds[c];
    ok = closure(b, &w, starts[c], &off, &len);
    for (uint32_t i = 0; ok && i < len; i++)
      if (g->nodes[g->clos[off + i]].kind == CLI_N_MATCH)
        ok = fail(b, "matches an empty line");
  }
  g->start_off = (uint32_t)first;
  g->start_len = (uint32_t)(g->nclos - first);
  for (unsigned c = 0; ok && c < 256; c++) {
    size_t off = g->nclos;
    for (uint32_t i = 0; ok && i < g->start_len; i++) {
      uint32_t s = g->clos[g->start_off + i];
      const cli_node_t *n = &g->nodes[s];
      if (n->kind == CLI_N_KEYWORD && n->text[0] != cli_lower((char)c))
        continue;
      ok = grow(b, (void **)&g->clos, &b->cap_clos, g->nclos + 1, sizeof *g->clos);
      if (ok)
        g->clos[g->nclos++] = s;
    }
    g->first_off[c] = (uint32_t)off;
    g->first_len[c] = (uint32_t)(g->nclos - off);
  }
  for (uint32_t s = 0; ok && s < g->nnodes; s++) {
    cli_node_t *n = &g->nodes[s];
    if (n->kind >= CLI_N_SPLIT)
      continue;
    uint32_t off, len;
    ok = closure(b, &w, n->out, &off, &len);
    g->nodes[s].next_off = off;
    g->nodes[s].next_len = len;
    if (ok && g->nodes[s].kind == CLI_N_LINE_REST) {
      /* the LINE loop's successors must be itself and the end: nothing can follow a LINE */
      b->cmd = &g->cmds[g->nodes[s].cmd];
      for (uint32_t i = 0; ok && i < len; i++) {
        uint32_t t = g->clos[off + i];
        if (t != s && g->nodes[t].kind != CLI_N_MATCH)
          ok = fail(b, "LINE must be the last element");
      }
    }
  }
  free(w.seen);
  free(w.stack);
  return ok;
}

/* A $name equal to one of the command's keywords would share its capture
 * (cli_arg returns whichever came first) and its help key: refuse it. */
static bool check_names(builder_t *b, uint32_t first)
{
  const cli_graph_t *g = b->g;
  for (uint32_t i = first; i < g->nnodes; i++) {
    const cli_node_t *n = &g->nodes[i];
    for (unsigned c = n->kind == CLI_N_KEYWORD ? 1 : 0; c < n->ncaps; c++)
      for (uint32_t k = first; k < g->nnodes; k++)
        if (g->nodes[k].kind == CLI_N_KEYWORD && strcmp(g->nodes[k].text, n->caps[c]) == 0)
          return fail(b, "capture name \"%s\" is also a keyword", n->caps[c]);
  }
  return true;
}

cli_graph_t *cli_graph_build(const cli_cmd_t *cmds, size_t ncmds, const cli_help_entry_t *dict, char *err, size_t errlen)
{
  builder_t b = {.err = err, .errlen = errlen};
  if (err && errlen)
    err[0] = '\0';
  if (ncmds > UINT32_MAX || (ncmds && !cmds)) {
    fail(&b, "bad command table");
    return NULL;
  }
  b.g = calloc(1, sizeof *b.g);
  uint32_t *starts = malloc((ncmds ? ncmds : 1) * sizeof *starts);
  if (!b.g || !starts) {
    fail(&b, "out of memory");
    free(starts);
    free(b.g);
    return NULL;
  }
  b.g->cmds = cmds;
  b.g->ncmds = ncmds;
  for (size_t c = 0; c < ncmds && !b.failed; c++) {
    b.cmd = &cmds[c];
    b.cmd_idx = (uint32_t)c;
    if (!cmds[c].syntax) {
      fail(&b, "no syntax");
      break;
    }
    b.s = cmds[c].syntax;
    b.pos = 0;
    b.nast = 0;
    int32_t root = parse_seq(&b, 0);
    if (root < 0)
      break;
    if (b.s[b.pos] != '\0') {
      fail(&b, "unexpected \"%c\"", b.s[b.pos]);
      break;
    }
    if (b.ast[root].first < 0) {
      fail(&b, "empty");
      break;
    }
    uint32_t first = b.g->nnodes;
    int64_t match = node_new(&b, CLI_N_MATCH, 0);
    int64_t start = match < 0 ? -1 : compile_seq(&b, dict, root, (uint32_t)match, NULL);
    if (start < 0 || !check_names(&b, first))
      break;
    starts[c] = (uint32_t)start;
  }
  if (!b.failed)
    link_closures(&b, starts);
  free(starts);
  free(b.ast);
  free(b.kw);
  if (b.failed) {
    cli_graph_destroy(&b.g);
    return NULL;
  }
  return b.g;
}

void cli_graph_destroy(cli_graph_t **g_p)
{
  if (!g_p || !*g_p)
    return;
  cli_graph_t *g = *g_p;
  for (size_t i = 0; i < g->npool; i++)
    free(g->pool[i]);
  free(g->pool);
  free(g->nodes);
  free(g->clos);
  free(g);
  *g_p = NULL;
}
