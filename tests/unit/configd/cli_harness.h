/* Runs CLI lines through configd's real engine in-process (no bus), for tests. */
#pragma once
#include "cfg_exec.h"
#include "cfg_writer.h"

typedef struct harness {
  cfg_cli_t *cli;
  cfg_model_t *model;
  erx_masker_t *masker;
  struct cfg_dp *dp; /* datapathd's client for the show commands (NULL: none) */
  cfg_ctx_t ctx;
  char dir[64];
  char *last_out; /* output of the last line */
  bool own_dir;   /* the harness made dir and removes it */
} harness_t;

/* state_dir NULL: a new temporary directory (new master key), removed by
 * harness_fini; the last harness sharing it must be finished last. */
void harness_init(harness_t *h, const char *state_dir);
void harness_fini(harness_t *h);
/* Executes one line in the harness's context; returns 0 if accepted. */
int harness_run(harness_t *h, const char *line);
/* Executes every line of text, starting in config mode; returns refused count. */
int harness_load(harness_t *h, const char *text);
/* show configuration (malloc'd) */
char *harness_config(harness_t *h);
