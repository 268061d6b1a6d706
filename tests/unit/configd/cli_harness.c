#include "cli_harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void harness_init(harness_t *h, const char *state_dir)
{
  char err[256];
  memset(h, 0, sizeof *h);
  if (state_dir) {
    snprintf(h->dir, sizeof h->dir, "%s", state_dir);
  } else {
    snprintf(h->dir, sizeof h->dir, "/tmp/erx-cli-XXXXXX");
    cr_assert_not_null(mkdtemp(h->dir));
    h->own_dir = true;
  }
  h->masker = erx_masker_open(h->dir, err, sizeof err);
  cr_assert_not_null(h->masker, "masker: %s", err);
  h->cli = cfg_cli_new(err, sizeof err);
  cr_assert_not_null(h->cli, "grammar: %s", err);
  h->model = cfg_model_new("host1");
  cfg_ctx_init(&h->ctx, CFG_MODE_EXEC);
}

void harness_fini(harness_t *h)
{
  if (h->own_dir) {
    char path[128];
    snprintf(path, sizeof path, "%s/master.key", h->dir);
    unlink(path);
    rmdir(h->dir);
  }
  cfg_cli_destroy(&h->cli);
  cfg_model_destroy(&h->model);
  erx_masker_destroy(&h->masker);
  free(h->last_out);
  h->last_out = NULL;
}

int harness_run(harness_t *h, const char *line)
{
  cli_exec_t x = {.model = h->model, .masker = h->masker, .dp = h->dp, .ctx = h->ctx};
  char *journal = NULL;
  cfg_ctx_t jctx;
  int rc = cfg_cli_exec(h->cli, &x, line, &journal, &jctx);
  free(journal);
  free(h->last_out);
  h->last_out = x.out.s ? x.out.s : strdup("");
  h->ctx = x.ctx;
  return rc;
}

int harness_load(harness_t *h, const char *text)
{
  cfg_ctx_init(&h->ctx, CFG_MODE_CONFIG);
  int refused = 0;
  char *copy = strdup(text);
  char *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    if (harness_run(h, line) != 0) {
      refused++;
      cr_log_warn("refused: %s\n%s", line, h->last_out);
    }
  free(copy);
  return refused;
}

char *harness_config(harness_t *h)
{
  cfg_strbuf_t b = {0};
  cfg_write_config(h->model, &b);
  return b.s ? b.s : strdup("");
}
