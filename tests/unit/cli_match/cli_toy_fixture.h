/* Criterion fixture for suites that run against the toy grammar. */
#pragma once
#include "cli_toy_grammar.h"

extern cli_graph_t *toy_graph;
extern cli_match_t toy_match; /* freed by the teardown */

void cli_toy_setup(void);
void cli_toy_teardown(void);
