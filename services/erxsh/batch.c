#include "batch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transcript.h"

/* The batch inputs as one stream of lines. */
typedef struct {
  const erxsh_input_t *inputs;
  size_t ninputs;
  size_t next;      /* next input to open */
  FILE *f;          /* current file, NULL between inputs */
  const char *name; /* its name, for messages */
  char *buf;
  size_t cap;
  bool failed;
  char *inquiry; /* a "?" or Tab line that ended the chunk, run after it */
} line_reader_t;

/* As on a terminal, a line ending in '?' asks for help and one ending in a
 * Tab asks for completion: nothing is executed.  Golden transcripts use this. */
static bool is_inquiry(const char *line) {
  size_t n = strlen(line);
  return n > 0 && (line[n - 1] == '?' || line[n - 1] == '\t');
}

static void reader_close(line_reader_t *r) {
  if (r->f && r->f != stdin) fclose(r->f);
  r->f = NULL;
}

/* *line is malloc'd, without its end of line.  Returns 1 with a line, 0 at
 * the end of every input, -1 on a read error (reported). */
static int reader_next(line_reader_t *r, char **line) {
  for (;;) {
    if (!r->f) {
      if (r->next == r->ninputs) return 0;
      const erxsh_input_t *in = &r->inputs[r->next++];
      if (in->kind == ERXSH_INPUT_LINE) {
        *line = strdup(in->text);
        return *line ? 1 : -1;
      }
      r->name = in->text;
      r->f = strcmp(in->text, "-") ? fopen(in->text, "r") : stdin;
      if (!r->f) {
        fprintf(stderr, "erxsh: cannot open %s: %s\n", in->text, strerror(errno));
        return -1;
      }
    }
    errno = 0;
    ssize_t n = getline(&r->buf, &r->cap, r->f);
    if (n < 0) {
      int bad = ferror(r->f);
      if (bad) fprintf(stderr, "erxsh: cannot read %s: %s\n", r->name, strerror(errno));
      reader_close(r);
      if (bad) return -1;
      continue;
    }
    while (n > 0 && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r')) r->buf[--n] = '\0';
    *line = strdup(r->buf);
    return *line ? 1 : -1;
  }
}

typedef struct {
  char *lines[ERXSH_CHUNK_LINES];
  size_t n;
} chunk_t;

/* Returns 1 if the chunk has lines, 0 at the end, and sets r->failed on error. */
static int chunk_fill(chunk_t *c, line_reader_t *r) {
  size_t bytes = 0;
  c->n = 0;
  while (!r->failed && c->n < ERXSH_CHUNK_LINES && bytes < ERXSH_CHUNK_BYTES) {
    char *line;
    int got = reader_next(r, &line);
    if (got < 0) r->failed = true;
    if (got <= 0) break;
    if (is_inquiry(line)) {
      r->inquiry = line;
      break;
    }
    c->lines[c->n++] = line;
    bytes += strlen(line) + 1;
  }
  return c->n > 0 || r->inquiry;
}

static void chunk_clear(chunk_t *c) {
  for (size_t i = 0; i < c->n; i++) free(c->lines[i]);
  c->n = 0;
}

typedef enum { CHUNK_DONE, CHUNK_STOP, CHUNK_FAILED } chunk_outcome_t;

/* Executes a chunk, resending whatever tail configd did not execute, and
 * prints its transcript.  *refused is set if a line was refused. */
static chunk_outcome_t chunk_run(erxsh_session_t *s, const erxsh_opts_t *o, const chunk_t *c, bool *refused,
                                 int *status) {
  size_t done = 0;
  while (done < c->n) {
    erxsh_reply_t rep;
    char err[768];
    erxsh_call_status_t st = erxsh_session_call(s, ERX__CFG__CLI_OP__CLI_EXEC, c->lines + done, c->n - done,
                                                o->stop_on_error, ERXSH_WAIT_BUDGET, &rep, err, sizeof err);
    if (st != ERXSH_CALL_OK) {
      fflush(stdout);
      fprintf(stderr, "erxsh: %s\n", err);
      *status = st == ERXSH_CALL_NO_ANSWER ? ERXSH_EXIT_NO_ANSWER : ERXSH_EXIT_REFUSED;
      return CHUNK_FAILED;
    }
    const Erx__Cfg__CliReply *reply = rep.reply;
    size_t nres = reply->n_results < c->n - done ? reply->n_results : c->n - done;
    /* The prompt each line was typed at: the reply's for the first, then the
     * one the previous line left. */
    char *fallback = strdup(erxsh_session_prompt(s));
    const char *before = *reply->prompt ? reply->prompt : fallback ? fallback : "";
    for (size_t i = 0; i < nres; i++) {
      const Erx__Cfg__CliLineResult *r = reply->results[i];
      erxsh_transcript_line(stdout, before, c->lines[done + i], r, o->quiet);
      erxsh_session_adopt(s, r);
      if (*r->prompt) before = r->prompt;
      if (!r->ok) *refused = true;
    }
    free(fallback);
    bool exit_session = reply->exit_session;
    erxsh_reply_free(&rep);
    done += nres;
    if (exit_session || (o->stop_on_error && *refused)) return CHUNK_STOP;
    if (nres == 0) {
      fflush(stdout);
      fprintf(stderr, "erxsh: configd executed none of %zu lines and gave no reason\n", c->n - done);
      *status = ERXSH_EXIT_REFUSED;
      return CHUNK_FAILED;
    }
  }
  fflush(stdout);
  return CHUNK_DONE;
}

/* Prints "<prompt><line>" and configd's help listing or completions. */
static chunk_outcome_t inquiry_run(erxsh_session_t *s, char *line, int *status) {
  size_t n = strlen(line);
  bool help = line[n - 1] == '?';
  line[n - 1] = '\0';
  erxsh_reply_t rep;
  char err[768];
  char *lines[1] = {line};
  erxsh_call_status_t st = erxsh_session_call(s, help ? ERX__CFG__CLI_OP__CLI_HELP : ERX__CFG__CLI_OP__CLI_COMPLETE,
                                              lines, 1, false, ERXSH_WAIT_BUDGET, &rep, err, sizeof err);
  if (st != ERXSH_CALL_OK) {
    fflush(stdout);
    fprintf(stderr, "erxsh: %s\n", err);
    *status = st == ERXSH_CALL_NO_ANSWER ? ERXSH_EXIT_NO_ANSWER : ERXSH_EXIT_REFUSED;
    return CHUNK_FAILED;
  }
  const Erx__Cfg__CliReply *reply = rep.reply;
  printf("%s%s%s\n", reply->prompt, line, help ? "?" : "<Tab>");
  if (help) {
    erxsh_print_output(stdout, reply->help);
  } else {
    for (size_t i = 0; i < reply->n_completions; i++)
      printf("  %s\n", reply->completions[i]);
  }
  erxsh_reply_free(&rep);
  fflush(stdout);
  return CHUNK_DONE;
}

int erxsh_batch_run(erxsh_session_t *s, const erxsh_opts_t *o) {
  static const erxsh_input_t stdin_input = {ERXSH_INPUT_FILE, "-"};
  line_reader_t r = {.inputs = o->ninputs ? o->inputs : &stdin_input, .ninputs = o->ninputs ? o->ninputs : 1};
  /* A missing file is found before any line runs, not halfway through. */
  for (size_t i = 0; i < r.ninputs; i++) {
    const erxsh_input_t *in = &r.inputs[i];
    if (in->kind == ERXSH_INPUT_FILE && strcmp(in->text, "-") && access(in->text, R_OK) < 0) {
      fprintf(stderr, "erxsh: cannot read %s: %s\n", in->text, strerror(errno));
      return ERXSH_EXIT_USAGE;
    }
  }
  chunk_t *c = calloc(1, sizeof *c);
  if (!c) {
    fprintf(stderr, "erxsh: out of memory\n");
    return ERXSH_EXIT_USAGE;
  }
  bool refused = false;
  int status = ERXSH_EXIT_OK;
  chunk_outcome_t outcome = CHUNK_DONE;
  while (outcome == CHUNK_DONE && chunk_fill(c, &r)) {
    if (c->n)
      outcome = chunk_run(s, o, c, &refused, &status);
    chunk_clear(c);
    if (r.inquiry) {
      if (outcome == CHUNK_DONE)
        outcome = inquiry_run(s, r.inquiry, &status);
      free(r.inquiry);
      r.inquiry = NULL;
    }
  }
  chunk_clear(c);
  free(c);
  reader_close(&r);
  free(r.buf);
  if (outcome == CHUNK_FAILED) return status;
  if (r.failed) return ERXSH_EXIT_USAGE;
  return refused ? ERXSH_EXIT_REFUSED : ERXSH_EXIT_OK;
}
