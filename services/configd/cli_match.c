/* The matcher: tokenises a line, runs the mode's NFA (cli_graph.h) over its
 * words in lock-step, and turns the surviving thread into captures and the
 * canonical spelling; "?" and Tab read the threads left after all but the
 * last word.
 *
 * Per line the work is one tokenisation into a stack buffer, thread arrays
 * sized by the graph (on the stack for modes of ordinary size), and a history
 * arena that starts on the stack: threads share their history as
 * back-pointer chains, so a step costs one small record per surviving thread.
 * A match then makes two allocations: the captures and the canonical line. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_graph.h"

/* ---- tokenising ---- */

typedef struct word {
  const char *p; /* value: into the line, or into the unescape buffer for quoted words */
  uint32_t len;
  uint32_t off; /* of the word's first byte (the quote, if quoted) */
  bool bad;     /* malformed quoting: only a LINE can take it (as raw text) */
} word_t;

typedef struct toks {
  word_t w[CLI_MAX_WORDS];
  size_t n;
  size_t len;     /* of the line */
  bool last_open; /* the last word runs to the end of the line: "?" treats it as partial */
  char vbuf[CLI_MAX_LINE + 1];
} toks_t;

static bool is_sep(char c)
{
  /* CR and LF too: lines read from files may keep them */
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* partial: an unterminated quote is the word being typed, not an error */
static cli_match_status_t tokenize(const char *line, toks_t *t, bool partial, size_t *err_offset)
{
  size_t len = strnlen(line, CLI_MAX_LINE + 1);
  size_t pos = 0, vb = 0;
  t->n = 0;
  t->len = len;
  t->last_open = false;
  if (len > CLI_MAX_LINE) {
    *err_offset = CLI_MAX_LINE;
    return CLI_MATCH_TOO_LONG;
  }
  while (pos < len && is_sep(line[pos]))
    pos++;
  if (pos < len && (line[pos] == '!' || line[pos] == '#'))
    return CLI_MATCH_EMPTY;
  while (pos < len) {
    if (t->n == CLI_MAX_WORDS) {
      *err_offset = pos;
      return CLI_MATCH_TOO_LONG;
    }
    word_t *w = &t->w[t->n++];
    w->off = (uint32_t)pos;
    w->bad = false;
    if (line[pos] != '"') {
      w->p = line + pos;
      while (pos < len && !is_sep(line[pos]))
        pos++;
      w->len = (uint32_t)(pos - w->off);
    } else {
      size_t q = pos + 1, v0 = vb;
      while (q < len && line[q] != '"') {
        if (line[q] == '\\' && q + 1 < len && (line[q + 1] == '"' || line[q + 1] == '\\'))
          q++;
        t->vbuf[vb++] = line[q++];
      }
      w->p = t->vbuf + v0;
      w->len = (uint32_t)(vb - v0);
      if (q >= len) {
        w->bad = !partial;
        t->last_open = true;
        return CLI_MATCH_OK;
      }
      pos = q + 1;
      if (pos < len && !is_sep(line[pos])) {
        /* "abc"def: refuse rather than guess; the rest of the line is this word */
        w->bad = true;
        t->last_open = true;
        return CLI_MATCH_OK;
      }
    }
    if (pos == len)
      t->last_open = true;
    while (pos < len && is_sep(line[pos]))
      pos++;
  }
  return CLI_MATCH_OK;
}

/* ---- token classes ---- */

/* Leading zeros are accepted as decimal (IOS does): "010.1.1.1" is 10.1.1.1. */
static bool parse_ipv4(const char *p, size_t len, unsigned oct[4])
{
  size_t i = 0;
  for (int k = 0; k < 4; k++) {
    size_t s = i;
    while (i < len && p[i] >= '0' && p[i] <= '9' && i - s < 3)
      i++;
    uint64_t v;
    if (!cli_parse_u64(p + s, i - s, &v) || v > 255)
      return false;
    oct[k] = (unsigned)v;
    if (k < 3) {
      if (i >= len || p[i] != '.')
        return false;
      i++;
    }
  }
  return i == len;
}

static bool is_hex(const char *p, size_t len)
{
  if (len == 0)
    return false;
  for (size_t i = 0; i < len; i++) {
    char c = cli_lower(p[i]);
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  }
  return true;
}

static bool prefix_ci(const char *word, const char *kw, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (cli_lower(word[i]) != kw[i])
      return false;
  return true;
}

enum { M_NONE, M_EXACT, M_PREFIX, M_VAR };

static int match_word(const cli_node_t *n, const word_t *w)
{
  uint64_t v;
  unsigned oct[4];
  switch (n->kind) {
  case CLI_N_KEYWORD:
    if (w->bad || w->len == 0 || w->len > n->len || !prefix_ci(w->p, n->text, w->len))
      return M_NONE;
    return w->len == n->len ? M_EXACT : M_PREFIX;
  case CLI_N_LINE:
  case CLI_N_LINE_REST:
    return M_VAR;
  case CLI_N_WORD:
    return w->bad ? M_NONE : M_VAR;
  case CLI_N_IPV4:
    return !w->bad && parse_ipv4(w->p, w->len, oct) ? M_VAR : M_NONE;
  case CLI_N_RANGE:
    return !w->bad && cli_parse_u64(w->p, w->len, &v) && v >= n->lo && v <= n->hi ? M_VAR : M_NONE;
  case CLI_N_HEX:
    return !w->bad && is_hex(w->p, w->len) ? M_VAR : M_NONE;
  case CLI_N_IPSEC:
    return !w->bad && w->len > 6 && prefix_ci(w->p, "ipsec:", 6) ? M_VAR : M_NONE;
  default:
    return M_NONE;
  }
}

/* ---- the lock-step run ---- */

typedef struct thr {
  uint32_t node;
  int32_t hist; /* the word-by-word path that led here, or -1 before the first word */
} thr_t;

typedef struct hist {
  int32_t parent;
  uint32_t node; /* the consuming node that took this word */
} hist_t;

typedef struct run {
  const cli_graph_t *g;
  thr_t *cur, *nxt;
  size_t ncur, nnxt;
  uint32_t *stamp; /* per node: == now when the node is in nxt */
  uint32_t *slot;  /* per node: its index in nxt */
  uint8_t *code;   /* per cur thread: how it matches the word */
  uint32_t now;
  void *scratch; /* heap, for graphs too big for stackbuf */
  uint64_t stackbuf[2048]; /* a mode of ~60 commands is ~600 nodes: fits */
  hist_t *hist;
  size_t nhist, caphist;
  hist_t local[256];
} run_t;

/* first: the first word, if there is one, to start from fewer threads */
static bool run_init(run_t *r, const cli_graph_t *g, const word_t *first)
{
  size_t n = g->nnodes ? g->nnodes : 1;
  size_t need = n * (2 * sizeof(thr_t) + 2 * sizeof(uint32_t) + 1);
  r->g = g;
  r->scratch = need > sizeof r->stackbuf ? malloc(need) : NULL;
  if (need > sizeof r->stackbuf && !r->scratch)
    return false;
  r->cur = r->scratch ? r->scratch : (void *)r->stackbuf;
  r->nxt = r->cur + n;
  r->stamp = (uint32_t *)(r->nxt + n);
  r->slot = r->stamp + n;
  r->code = (uint8_t *)(r->slot + n);
  memset(r->stamp, 0, n * sizeof *r->stamp);
  r->now = 0;
  r->hist = r->local;
  r->nhist = 0;
  r->caphist = sizeof r->local / sizeof r->local[0];
  uint32_t off = g->start_off, len = g->start_len;
  if (first && first->len && !first->bad) {
    /* an empty or malformed word can match no keyword whatever its first byte */
    off = g->first_off[(unsigned char)first->p[0]];
    len = g->first_len[(unsigned char)first->p[0]];
  }
  r->ncur = len;
  for (uint32_t i = 0; i < len; i++)
    r->cur[i] = (thr_t){g->clos[off + i], -1};
  return true;
}

static void run_fini(run_t *r)
{
  free(r->scratch);
  r->scratch = NULL;
  if (r->hist != r->local)
    free(r->hist);
  r->hist = NULL;
}

static int32_t hist_add(run_t *r, int32_t parent, uint32_t node)
{
  if (r->nhist == r->caphist) {
    if (r->caphist > INT32_MAX / 4)
      return -1;
    size_t ncap = r->caphist * 2;
    hist_t *h = r->hist == r->local ? malloc(ncap * sizeof *h) : realloc(r->hist, ncap * sizeof *h);
    if (!h)
      return -1;
    if (r->hist == r->local)
      memcpy(h, r->local, sizeof r->local);
    r->hist = h;
    r->caphist = ncap;
  }
  r->hist[r->nhist] = (hist_t){parent, node};
  return (int32_t)r->nhist++;
}

/* <0 if path a is more specific than b: compared word by word, the first
 * differing word decides.  Both paths have the same length. */
static int hist_cmp(const run_t *r, int32_t a, int32_t b)
{
  int d = 0;
  while (a != b && a >= 0 && b >= 0) {
    int ra = cli_node_rank(&r->g->nodes[r->hist[a].node]);
    int rb = cli_node_rank(&r->g->nodes[r->hist[b].node]);
    if (ra != rb)
      d = ra < rb ? -1 : 1; /* walking backwards: the last difference seen is the earliest word */
    a = r->hist[a].parent;
    b = r->hist[b].parent;
  }
  return d;
}

static void push(run_t *r, uint32_t node, int32_t hist)
{
  if (r->stamp[node] == r->now) {
    thr_t *t = &r->nxt[r->slot[node]];
    if (hist_cmp(r, hist, t->hist) < 0)
      t->hist = hist;
    return;
  }
  r->stamp[node] = r->now;
  r->slot[node] = (uint32_t)r->nnxt;
  r->nxt[r->nnxt++] = (thr_t){node, hist};
}

/* Advances every thread over one word under the precedence rules. */
static cli_match_status_t step(run_t *r, const word_t *w)
{
  const cli_node_t *nodes = r->g->nodes;
  bool exact = false, var = false, ambiguous = false;
  const char *kw = NULL;
  for (size_t i = 0; i < r->ncur; i++) {
    const cli_node_t *n = &nodes[r->cur[i].node];
    int c = match_word(n, w);
    r->code[i] = (uint8_t)c;
    if (c == M_EXACT)
      exact = true;
    else if (c == M_PREFIX && !kw)
      kw = n->text;
    else if (c == M_PREFIX && kw != n->text)
      ambiguous = true; /* interned: different pointers, different keywords */
    else if (c == M_VAR)
      var = true;
  }
  int want;
  if (exact)
    want = M_EXACT;
  else if (ambiguous)
    return CLI_MATCH_AMBIGUOUS;
  else if (kw)
    want = M_PREFIX;
  else if (var)
    want = M_VAR;
  else
    return CLI_MATCH_INVALID;
  if (++r->now == 0) { /* wrapped: forget every stamp */
    memset(r->stamp, 0, (r->g->nnodes ? r->g->nnodes : 1) * sizeof *r->stamp);
    r->now = 1;
  }
  r->nnxt = 0;
  for (size_t i = 0; i < r->ncur; i++) {
    if (r->code[i] != want)
      continue;
    const cli_node_t *n = &nodes[r->cur[i].node];
    int32_t h = hist_add(r, r->cur[i].hist, r->cur[i].node);
    if (h < 0)
      return CLI_MATCH_INVALID; /* out of memory: refuse the line rather than crash */
    for (uint32_t k = 0; k < n->next_len; k++)
      push(r, r->g->clos[n->next_off + k], h);
  }
  thr_t *t = r->cur;
  r->cur = r->nxt;
  r->nxt = t;
  r->ncur = r->nnxt;
  return CLI_MATCH_OK;
}

static cli_match_status_t run_words(run_t *r, const toks_t *t, size_t nwords, cli_match_t *m)
{
  for (size_t i = 0; i < nwords; i++) {
    cli_match_status_t st = step(r, &t->w[i]);
    if (st != CLI_MATCH_OK) {
      m->status = st;
      m->err_offset = t->w[i].off;
      return st;
    }
  }
  return CLI_MATCH_OK;
}

/* ---- captures and the canonical line ---- */

struct cli_args {
  size_t n;
  struct cli_arg_ent {
    const char *name, *val;
  } e[];
};

typedef struct val {
  const char *p;
  size_t len;
  char norm[24]; /* numbers and addresses are captured in plain decimal */
} val_t;

static size_t rtrim(const char *line, size_t len)
{
  while (len && is_sep(line[len - 1]))
    len--;
  return len;
}

static void word_value(const cli_node_t *n, const word_t *w, const char *line, size_t linelen, val_t *v)
{
  uint64_t x;
  unsigned o[4];
  v->p = w->p;
  v->len = w->len;
  switch (n->kind) {
  case CLI_N_KEYWORD:
    v->p = n->text;
    v->len = n->len;
    break;
  case CLI_N_LINE:
    v->p = line + w->off;
    v->len = rtrim(line, linelen) - w->off;
    break;
  case CLI_N_IPV4:
    if (parse_ipv4(w->p, w->len, o)) {
      v->len = (size_t)snprintf(v->norm, sizeof v->norm, "%u.%u.%u.%u", o[0], o[1], o[2], o[3]);
      v->p = v->norm;
    }
    break;
  case CLI_N_RANGE:
    if (cli_parse_u64(w->p, w->len, &x)) {
      v->len = (size_t)snprintf(v->norm, sizeof v->norm, "%" PRIu64, x);
      v->p = v->norm;
    }
    break;
  default:
    break;
  }
}

static bool needs_quotes(const val_t *v, bool first)
{
  if (v->len == 0 || (first && (v->p[0] == '!' || v->p[0] == '#')))
    return true;
  for (size_t i = 0; i < v->len; i++)
    if (is_sep(v->p[i]) || v->p[i] == '"')
      return true;
  return false;
}

/* Writes the quoted or bare spelling to out (if not NULL); returns its length. */
static size_t spell(const val_t *v, bool quote, char *out)
{
  if (!quote) {
    if (out)
      memcpy(out, v->p, v->len);
    return v->len;
  }
  size_t k = 0;
  if (out)
    out[k] = '"';
  k++;
  for (size_t i = 0; i < v->len; i++) {
    if (v->p[i] == '"' || v->p[i] == '\\') {
      if (out)
        out[k] = '\\';
      k++;
    }
    if (out)
      out[k] = v->p[i];
    k++;
  }
  if (out)
    out[k] = '"';
  return k + 1;
}

static bool build_result(const run_t *r, int32_t h, const toks_t *t, const char *line, cli_match_t *m)
{
  const cli_node_t *nodes[CLI_MAX_WORDS];
  val_t vals[CLI_MAX_WORDS];
  size_t nw = t->n, nargs = 0, strbytes = 0, canon = 0;
  for (size_t i = nw; i-- > 0;) {
    nodes[i] = &r->g->nodes[r->hist[h].node];
    h = r->hist[h].parent;
  }
  for (size_t i = 0; i < nw; i++) {
    const cli_node_t *n = nodes[i];
    if (n->kind == CLI_N_LINE_REST)
      break;
    word_value(n, &t->w[i], line, t->len, &vals[i]);
    for (unsigned c = 0; c < n->ncaps; c++)
      strbytes += strlen(n->caps[c]) + 1 + vals[i].len + 1;
    nargs += n->ncaps;
    canon += (i ? 1 : 0) +
             (n->kind == CLI_N_LINE || n->kind == CLI_N_KEYWORD ? vals[i].len
                                                                 : spell(&vals[i], needs_quotes(&vals[i], i == 0), NULL));
  }
  m->args = malloc(sizeof *m->args + nargs * sizeof m->args->e[0] + strbytes);
  m->canonical = malloc(canon + 1);
  if (!m->args || !m->canonical)
    return false;
  char *s = (char *)&m->args->e[nargs];
  char *c = m->canonical;
  m->args->n = nargs;
  size_t k = 0;
  for (size_t i = 0; i < nw && nodes[i]->kind != CLI_N_LINE_REST; i++) {
    const cli_node_t *n = nodes[i];
    for (unsigned j = 0; j < n->ncaps; j++, k++) {
      size_t nl = strlen(n->caps[j]);
      m->args->e[k].name = memcpy(s, n->caps[j], nl + 1);
      s += nl + 1;
      m->args->e[k].val = memcpy(s, vals[i].p, vals[i].len);
      s[vals[i].len] = '\0';
      s += vals[i].len + 1;
    }
    if (i)
      *c++ = ' ';
    bool bare = n->kind == CLI_N_LINE || n->kind == CLI_N_KEYWORD;
    c += spell(&vals[i], !bare && needs_quotes(&vals[i], i == 0), c);
  }
  *c = '\0';
  return true;
}

cli_match_status_t cli_match(const cli_graph_t *g, const char *line, cli_match_t *m)
{
  toks_t t;
  run_t r;
  memset(m, 0, sizeof *m);
  if (!g || !line) {
    m->status = CLI_MATCH_INVALID;
    return m->status;
  }
  m->status = tokenize(line, &t, false, &m->err_offset);
  if (m->status != CLI_MATCH_OK)
    return m->status;
  if (t.n == 0)
    return m->status = CLI_MATCH_EMPTY;
  if (!run_init(&r, g, &t.w[0]))
    return m->status = CLI_MATCH_INVALID;
  if (run_words(&r, &t, t.n, m) == CLI_MATCH_OK) {
    /* among completed threads: the more specific path, then the earlier command */
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < r.ncur; i++) {
      const cli_node_t *n = &g->nodes[r.cur[i].node];
      if (n->kind != CLI_N_MATCH)
        continue;
      int d = best == SIZE_MAX ? -1 : hist_cmp(&r, r.cur[i].hist, r.cur[best].hist);
      if (d < 0 || (d == 0 && n->cmd < g->nodes[r.cur[best].node].cmd))
        best = i;
    }
    if (best == SIZE_MAX) {
      m->status = CLI_MATCH_INCOMPLETE;
      m->err_offset = rtrim(line, t.len);
    } else {
      m->cmd = &g->cmds[g->nodes[r.cur[best].node].cmd];
      if (!build_result(&r, r.cur[best].hist, &t, line, m)) {
        cli_match_free(m);
        m->status = CLI_MATCH_INVALID;
      }
    }
  }
  run_fini(&r);
  return m->status;
}

void cli_match_free(cli_match_t *m)
{
  if (!m)
    return;
  free(m->args);
  free(m->canonical);
  m->args = NULL;
  m->canonical = NULL;
  m->cmd = NULL;
}

/* ---- "?" and Tab ---- */

/* Runs every word but the one being typed; on success r holds the threads
 * and *partial that word (NULL after a space). */
static bool run_prefix(const cli_graph_t *g, const char *line, toks_t *t, run_t *r, cli_match_t *m,
                       const word_t **partial)
{
  memset(m, 0, sizeof *m);
  r->scratch = NULL;
  if (!g || !line) {
    m->status = CLI_MATCH_INVALID;
    return false;
  }
  m->status = tokenize(line, t, true, &m->err_offset);
  if (m->status != CLI_MATCH_OK)
    return false;
  size_t nfull = t->n;
  *partial = NULL;
  if (t->n && t->last_open)
    *partial = &t->w[--nfull];
  if (!run_init(r, g, nfull ? &t->w[0] : NULL)) {
    m->status = CLI_MATCH_INVALID;
    return false;
  }
  if (run_words(r, t, nfull, m) != CLI_MATCH_OK) {
    run_fini(r);
    return false;
  }
  return true;
}

typedef struct hent {
  const cli_node_t *n; /* keyword, or the variable whose label and help are shown */
} hent_t;

static int hent_cmp(const void *a, const void *b)
{
  const cli_node_t *x = ((const hent_t *)a)->n, *y = ((const hent_t *)b)->n;
  bool kx = x->kind == CLI_N_KEYWORD, ky = y->kind == CLI_N_KEYWORD;
  if (kx != ky)
    return kx ? -1 : 1;
  /* group numbers and the like read best in numeric order: 1 2 5 14 */
  size_t lx = strspn(x->text, "0123456789"), ly = strspn(y->text, "0123456789");
  bool nx = lx && !x->text[lx], ny = ly && !y->text[ly];
  int d = nx && ny && lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->text, y->text);
  if (!d && !kx)
    d = strcmp(x->help, y->help);
  /* then declaration order, so a keyword listed once shows its first command's help */
  return d ? d : (x->cmd > y->cmd) - (x->cmd < y->cmd);
}

static bool hent_same(const hent_t *a, const hent_t *b)
{
  const cli_node_t *x = a->n, *y = b->n;
  if ((x->kind == CLI_N_KEYWORD) != (y->kind == CLI_N_KEYWORD))
    return false;
  return x->kind == CLI_N_KEYWORD ? x->text == y->text : !strcmp(x->text, y->text) && !strcmp(x->help, y->help);
}

/* The candidates for the next word, deduplicated, in listing order; n = 0 is
 * fine.  *cr: the words so far form a command. */
static hent_t *candidates(const run_t *r, const word_t *partial, bool keywords_only, size_t *count, bool *cr)
{
  hent_t *e = malloc((r->ncur ? r->ncur : 1) * sizeof *e);
  size_t n = 0;
  *cr = false;
  if (!e)
    return NULL;
  for (size_t i = 0; i < r->ncur; i++) {
    const cli_node_t *node = &r->g->nodes[r->cur[i].node];
    if (node->kind == CLI_N_MATCH) {
      *cr = *cr || !partial;
      continue;
    }
    bool kw = node->kind == CLI_N_KEYWORD;
    if (keywords_only && !kw)
      continue;
    if (partial) {
      int c = match_word(node, partial);
      if (kw ? c != M_EXACT && c != M_PREFIX : c != M_VAR)
        continue;
    }
    e[n++].n = node;
  }
  qsort(e, n, sizeof *e, hent_cmp);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    /* one line per keyword however many commands offer it; variables when label and help agree */
    if (!k || !hent_same(&e[k - 1], &e[i]))
      e[k++] = e[i];
  }
  *count = k;
  return e;
}

char *cli_help(const cli_graph_t *g, const char *line, cli_match_t *m)
{
  toks_t t;
  run_t r;
  const word_t *partial;
  if (!run_prefix(g, line, &t, &r, m, &partial))
    return NULL;
  size_t n = 0;
  bool cr;
  hent_t *e = candidates(&r, partial, false, &n, &cr);
  char *out = NULL;
  if (e) {
    size_t width = 0, total = 1 + (cr ? sizeof "  <cr>\n" - 1 : 0);
    for (size_t i = 0; i < n; i++)
      if (e[i].n->len > width)
        width = e[i].n->len;
    for (size_t i = 0; i < n; i++)
      total += 2 + width + 2 + strlen(e[i].n->help) + 1;
    out = malloc(total);
    if (out) {
      char *p = out;
      for (size_t i = 0; i < n; i++)
        p += sprintf(p, "  %-*s  %s\n", (int)width, e[i].n->text, e[i].n->help);
      if (cr)
        p += sprintf(p, "  <cr>\n");
      *p = '\0';
    }
    free(e);
  }
  if (!out)
    m->status = CLI_MATCH_INVALID;
  run_fini(&r);
  return out;
}

size_t cli_complete(const cli_graph_t *g, const char *line, char ***out)
{
  toks_t t;
  run_t r;
  cli_match_t m;
  const word_t *partial;
  *out = NULL;
  if (!run_prefix(g, line, &t, &r, &m, &partial))
    return 0;
  size_t n = 0;
  bool cr;
  hent_t *e = candidates(&r, partial, true, &n, &cr);
  char **v = n ? calloc(n, sizeof *v) : NULL;
  size_t k = 0;
  if (v) {
    for (; k < n; k++) {
      v[k] = strdup(e[k].n->text);
      if (!v[k])
        break;
    }
    if (k < n) {
      cli_strv_free(v, k);
      v = NULL;
      k = 0;
    }
  }
  free(e);
  run_fini(&r);
  *out = v;
  return v ? k : 0;
}

void cli_strv_free(char **v, size_t n)
{
  if (!v)
    return;
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

/* ---- captures ---- */

const char *cli_arg(const cli_args_t *a, const char *name)
{
  return cli_argv(a, name, 0);
}

size_t cli_argc(const cli_args_t *a, const char *name)
{
  size_t k = 0;
  for (size_t i = 0; a && name && i < a->n; i++)
    k += strcmp(a->e[i].name, name) == 0;
  return k;
}

const char *cli_argv(const cli_args_t *a, const char *name, size_t i)
{
  for (size_t j = 0; a && name && j < a->n; j++)
    if (strcmp(a->e[j].name, name) == 0 && i-- == 0)
      return a->e[j].val;
  return NULL;
}

bool cli_has(const cli_args_t *a, const char *name)
{
  return cli_argv(a, name, 0) != NULL;
}
