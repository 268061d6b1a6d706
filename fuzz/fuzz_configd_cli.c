/* libFuzzer target: configd's real grammar and handlers.  Each input is a
 * few CLI lines run from config mode (plus "?" and Tab on each line); then
 * the resulting show configuration must load into a fresh model and print
 * the same text, or the target aborts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg_exec.h"
#include "cfg_writer.h"

static cfg_cli_t *cli;
static erx_masker_t *masker;
static char dir[] = "/tmp/erx-fuzz-XXXXXX";

static void cleanup(void)
{
  char path[64];
  snprintf(path, sizeof path, "%s/master.key", dir);
  unlink(path);
  rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  char err[256];
  if (!mkdtemp(dir) || !(masker = erx_masker_open(dir, err, sizeof err)) || !(cli = cfg_cli_new(err, sizeof err))) {
    fprintf(stderr, "fuzz_configd_cli: %s\n", err);
    abort();
  }
  atexit(cleanup);
  return 0;
}

/* Runs text line by line from config mode; returns how many were refused. */
static int run(cfg_model_t *m, const char *text, size_t len, bool inquire)
{
  cfg_ctx_t ctx;
  cfg_ctx_init(&ctx, CFG_MODE_CONFIG);
  int refused = 0;
  size_t lines = 0;
  for (size_t pos = 0; pos < len && lines < 64; lines++) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
    char *line = strndup(text + pos, n);
    pos += n + 1;
    if (inquire) {
      free(cfg_cli_help(cli, m, &ctx, line));
      char **v = NULL;
      size_t nv = cfg_cli_complete(cli, &ctx, line, &v);
      cli_strv_free(v, nv);
    }
    cli_exec_t x = {.model = m, .masker = masker, .ctx = ctx};
    char *journal = NULL;
    cfg_ctx_t jctx;
    refused += cfg_cli_exec(cli, &x, line, &journal, &jctx) != 0;
    ctx = x.ctx;
    if (ctx.mode == CFG_MODE_EXEC)
      ctx.mode = CFG_MODE_CONFIG;
    free(journal);
    cfg_sb_free(&x.out);
    free(line);
  }
  return refused;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 4096)
    return 0;
  cfg_model_t *a = cfg_model_new("fuzz");
  run(a, (const char *)data, size, true);
  cfg_strbuf_t ta = {0};
  cfg_write_config(a, &ta);

  cfg_model_t *b = cfg_model_new("fuzz");
  int refused = run(b, ta.s, ta.len, false);
  cfg_strbuf_t tb = {0};
  cfg_write_config(b, &tb);
  if (refused || strcmp(ta.s, tb.s) != 0) {
    fprintf(stderr, "round trip broke (%d lines refused)\n--- first\n%s--- reloaded\n%s", refused, ta.s, tb.s);
    abort();
  }
  cfg_sb_free(&ta);
  cfg_sb_free(&tb);
  cfg_model_destroy(&a);
  cfg_model_destroy(&b);
  return 0;
}
