/* A small mode with every token type and grammar construct, shared by the
 * cli_match unit tests and the cli_match fuzzer. */
#pragma once
#include "cli_match.h"

extern const cli_cmd_t cli_toy_cmds[];
extern const size_t cli_toy_ncmds;
extern const cli_help_entry_t cli_toy_dict[];

/* Builds the toy graph; prints the build error and returns NULL on failure. */
cli_graph_t *cli_toy_build(void);

/* Index of the command with this syntax in cli_toy_cmds, or -1. */
int cli_toy_index(const char *syntax);
