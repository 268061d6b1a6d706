#include "interactive.h"

#include <fcntl.h>
#include <histedit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "options.h"
#include "transcript.h"

#define HISTORY_SIZE 1000

typedef struct {
  erxsh_session_t *s;
  EditLine *el;
  History *hist;
  char *hist_path; /* NULL: memory only */
  bool ctrl_z;     /* the line was ended with Ctrl-Z: run it, then "end" */
} shell_t;

/* libedit (3.1-20221030) never frees the wcsdup copies EL_ADDFN makes of
 * each function's name and help text; its frames are not unwound, so the
 * leak is named by wcsdup, which erxsh itself does not call.  Only
 * sanitizer builds read this. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:wcsdup\n"; }
/* ...and quietly: tests compare erxsh's stderr. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void) { return "print_suppressions=0"; }

static shell_t *shell_of(EditLine *el) {
  void *p = NULL;
  el_get(el, EL_CLIENTDATA, &p);
  return p;
}

static char *prompt_fn(EditLine *el) { return (char *)erxsh_session_prompt(shell_of(el)->s); }

/* The line up to the cursor: what "?" and Tab are about. */
static char *line_so_far(EditLine *el) {
  const LineInfo *li = el_line(el);
  return strndup(li->buffer, (size_t)(li->cursor - li->buffer));
}

static bool is_blank(const char *p) {
  for (; *p; p++)
    if (*p != ' ' && *p != '\t') return false;
  return true;
}

static int terminal_width(void) {
  struct winsize ws;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

static void list_columns(FILE *f, char *const *v, size_t n) {
  size_t width = 0;
  for (size_t i = 0; i < n; i++)
    if (strlen(v[i]) > width) width = strlen(v[i]);
  width += 2;
  size_t cols = (size_t)terminal_width() / width;
  if (cols == 0) cols = 1;
  for (size_t i = 0; i < n; i++) {
    bool last_in_row = (i + 1) % cols == 0 || i + 1 == n;
    if (last_in_row)
      fprintf(f, "%s\n", v[i]);
    else
      fprintf(f, "%-*s", (int)width, v[i]);
  }
}

/* A key handler's request: bounded, since the terminal is in edit mode and
 * the operator cannot interrupt it.  NULL after printing why. */
static bool key_request(shell_t *sh, Erx__Cfg__CliOp op, char *line, erxsh_reply_t *rep) {
  char err[768];
  erxsh_call_status_t st = erxsh_session_call(sh->s, op, &line, 1, false, ERXSH_WAIT_BUDGET, rep, err, sizeof err);
  if (st == ERXSH_CALL_OK) return true;
  fprintf(stdout, "\n%% %s\n", err);
  return false;
}

/* Tab: the unique completion replaces the partial word (keywords are
 * case-insensitive, so the canonical spelling wins), several are listed. */
static unsigned char on_tab(EditLine *el, int ch) {
  (void)ch;
  shell_t *sh = shell_of(el);
  char *line = line_so_far(el);
  if (!line) return CC_ERROR;
  erxsh_reply_t rep;
  if (!key_request(sh, ERX__CFG__CLI_OP__CLI_COMPLETE, line, &rep)) {
    free(line);
    return CC_REDISPLAY;
  }
  const char *partial = line + strlen(line);
  while (partial > line && partial[-1] != ' ' && partial[-1] != '\t') partial--;
  size_t plen = strlen(partial);
  const Erx__Cfg__CliReply *r = rep.reply;
  unsigned char ret;
  if (r->n_completions == 0) {
    ret = CC_ERROR;
  } else if (r->n_completions == 1 && strncasecmp(r->completions[0], partial, plen) == 0) {
    el_deletestr(el, (int)plen);
    el_insertstr(el, r->completions[0]);
    el_insertstr(el, " ");
    ret = CC_REFRESH;
  } else {
    fputc('\n', stdout);
    list_columns(stdout, r->completions, r->n_completions);
    ret = CC_REDISPLAY;
  }
  erxsh_reply_free(&rep);
  free(line);
  return ret;
}

/* '?': the listing goes under the line, then the line is shown again as it
 * was typed; the '?' itself is not inserted (IOS). */
static unsigned char on_help(EditLine *el, int ch) {
  (void)ch;
  shell_t *sh = shell_of(el);
  char *line = line_so_far(el);
  if (!line) return CC_ERROR;
  const LineInfo *li = el_line(el);
  /* Echo the '?' only where it lands after the text: mid-line it would
   * overwrite a character on the screen. */
  fputs(li->cursor == li->lastchar ? "?\n" : "\n", stdout);
  erxsh_reply_t rep;
  if (key_request(sh, ERX__CFG__CLI_OP__CLI_HELP, line, &rep)) {
    erxsh_print_output(stdout, rep.reply->help);
    erxsh_reply_free(&rep);
  }
  free(line);
  return CC_REDISPLAY;
}

/* el_gets returns NULL for an empty line, so a line ended by a key handler
 * must carry a newline like one ended by Enter. */
static void end_line(EditLine *el) {
  const LineInfo *li = el_line(el);
  el_cursor(el, (int)(li->lastchar - li->cursor));
  el_insertstr(el, "\n");
}

/* Ctrl-Z: run what is typed (if anything), then "end". */
static unsigned char on_ctrl_z(EditLine *el, int ch) {
  (void)ch;
  shell_of(el)->ctrl_z = true;
  fputs("^Z\n", stdout);
  end_line(el);
  return CC_NEWLINE;
}

/* Ctrl-C: abandon the line being typed. */
static unsigned char on_ctrl_c(EditLine *el, int ch) {
  (void)ch;
  const LineInfo *li = el_line(el);
  el_cursor(el, (int)(li->lastchar - li->cursor));
  el_deletestr(el, (int)(li->lastchar - li->buffer));
  fputs("^C\n", stdout);
  return CC_REDISPLAY;
}

/* Ctrl-D: quits from an empty line at exec level; deletes the character
 * under the cursor otherwise; beeps on an empty line in a config mode. */
static unsigned char on_ctrl_d(EditLine *el, int ch) {
  (void)ch;
  const LineInfo *li = el_line(el);
  if (li->lastchar == li->buffer) {
    if (erxsh_session_mode(shell_of(el)->s) != ERX__CFG__MODE__MODE_EXEC) return CC_ERROR;
    fputc('\n', stdout);
    return CC_EOF;
  }
  if (li->cursor == li->lastchar) return CC_ERROR;
  el_cursor(el, 1);
  el_deletestr(el, 1);
  return CC_REFRESH;
}

/* Written whole to a temporary file and renamed: the history may hold
 * commands with clear keys, so it is 0600 and never left half written. */
static void history_save(shell_t *sh) {
  if (!sh->hist_path) return;
  size_t len = strlen(sh->hist_path) + 5;
  char *tmp = malloc(len);
  if (!tmp) return;
  snprintf(tmp, len, "%s.tmp", sh->hist_path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f) {
    HistEvent ev;
    bool ok = history(sh->hist, &ev, H_SAVE_FP, f) >= 0;
    ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, sh->hist_path) == 0) {
      free(tmp);
      return;
    }
  } else if (fd >= 0) {
    close(fd);
  }
  unlink(tmp);
  free(tmp);
}

static bool shell_init(shell_t *sh, erxsh_session_t *s, const char *dir) {
  memset(sh, 0, sizeof *sh);
  sh->s = s;
  HistEvent ev;
  sh->hist = history_init();
  if (!sh->hist) return false;
  history(sh->hist, &ev, H_SETSIZE, HISTORY_SIZE);
  history(sh->hist, &ev, H_SETUNIQUE, 1);
  if (dir) {
    size_t len = strlen(dir) + sizeof "/erxsh_history";
    sh->hist_path = malloc(len);
    if (!sh->hist_path) return false;
    snprintf(sh->hist_path, len, "%s/erxsh_history", dir);
    history(sh->hist, &ev, H_LOAD, sh->hist_path); /* none yet is fine */
  }
  sh->el = el_init("erxsh", stdin, stdout, stderr);
  if (!sh->el) return false;
  el_set(sh->el, EL_CLIENTDATA, sh);
  el_set(sh->el, EL_EDITOR, "emacs");
  el_set(sh->el, EL_SIGNAL, 1);
  el_set(sh->el, EL_HIST, history, sh->hist);
  el_set(sh->el, EL_PROMPT, prompt_fn);
  /* ^Z and ^C must reach their key handlers instead of stopping or
   * interrupting the shell while a line is being edited. */
  el_set(sh->el, EL_SETTY, "-d", "-susp", "-intr", NULL);
  el_source(sh->el, NULL);
  el_set(sh->el, EL_ADDFN, "erxsh-complete", "complete the word with configd", on_tab);
  el_set(sh->el, EL_ADDFN, "erxsh-help", "list what may come next", on_help);
  el_set(sh->el, EL_ADDFN, "erxsh-end", "run the line, then end", on_ctrl_z);
  el_set(sh->el, EL_ADDFN, "erxsh-cancel", "abandon the line", on_ctrl_c);
  el_set(sh->el, EL_ADDFN, "erxsh-eof", "quit at exec level", on_ctrl_d);
  el_set(sh->el, EL_BIND, "^I", "erxsh-complete", NULL);
  el_set(sh->el, EL_BIND, "?", "erxsh-help", NULL);
  el_set(sh->el, EL_BIND, "^Z", "erxsh-end", NULL);
  el_set(sh->el, EL_BIND, "^C", "erxsh-cancel", NULL);
  el_set(sh->el, EL_BIND, "^D", "erxsh-eof", NULL);
  return true;
}

static void shell_fini(shell_t *sh) {
  if (sh->el) el_end(sh->el);
  if (sh->hist) history_end(sh->hist);
  free(sh->hist_path);
}

/* Runs the lines and moves the session to where the last one left it.
 * Returns false when the session is over. */
static bool run_lines(shell_t *sh, char **lines, size_t n) {
  erxsh_reply_t rep;
  char err[768];
  erxsh_call_status_t st =
      erxsh_session_call(sh->s, ERX__CFG__CLI_OP__CLI_EXEC, lines, n, false, ERXSH_WAIT_FOREVER, &rep, err, sizeof err);
  if (st == ERXSH_CALL_INTERRUPTED) {
    /* The tty echoed "^C" without a newline. */
    fputs("\n% interrupted (the line may or may not have been executed)\n", stdout);
    return true;
  }
  if (st != ERXSH_CALL_OK) {
    fprintf(stdout, "%% %s\n", err);
    return true;
  }
  const Erx__Cfg__CliReply *r = rep.reply;
  for (size_t i = 0; i < r->n_results; i++) {
    erxsh_print_output(stdout, r->results[i]->output);
    erxsh_session_adopt(sh->s, r->results[i]);
  }
  bool go_on = !r->exit_session;
  erxsh_reply_free(&rep);
  return go_on;
}

int erxsh_interactive_run(erxsh_session_t *s, const char *dir) {
  /* Without SA_RESTART so that a wait for configd returns on ^C. */
  struct sigaction sa = {.sa_handler = erxsh_session_on_sigint};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);

  erxsh_reply_t rep;
  char err[768];
  erxsh_call_status_t st =
      erxsh_session_call(s, ERX__CFG__CLI_OP__CLI_PROMPT, NULL, 0, false, ERXSH_WAIT_FOREVER, &rep, err, sizeof err);
  if (st != ERXSH_CALL_OK) {
    fprintf(stderr, "erxsh: %s\n", err);
    return ERXSH_EXIT_NO_ANSWER;
  }
  erxsh_session_set_prompt(s, rep.reply->prompt);
  erxsh_reply_free(&rep);

  shell_t sh;
  if (!shell_init(&sh, s, dir)) {
    fprintf(stderr, "erxsh: cannot set up line editing\n");
    shell_fini(&sh);
    return ERXSH_EXIT_USAGE;
  }
  for (;;) {
    int count = 0;
    sh.ctrl_z = false;
    const char *got = el_gets(sh.el, &count);
    if (!got || count <= 0) break;
    char *line = strdup(got);
    if (!line) break;
    line[strcspn(line, "\r\n")] = '\0';
    char *lines[2];
    size_t n = 0;
    if (!is_blank(line)) {
      HistEvent ev;
      history(sh.hist, &ev, H_ENTER, line);
      history_save(&sh);
      lines[n++] = line;
    }
    if (sh.ctrl_z) lines[n++] = "end";
    bool go_on = n == 0 || run_lines(&sh, lines, n);
    free(line);
    if (!go_on) break;
  }
  history_save(&sh);
  shell_fini(&sh);
  return ERXSH_EXIT_OK;
}
