#include "cli_toy_fixture.h"

#include <criterion/criterion.h>

cli_graph_t *toy_graph;
cli_match_t toy_match;

void cli_toy_setup(void)
{
  toy_graph = cli_toy_build();
  cr_assert_not_null(toy_graph);
}

void cli_toy_teardown(void)
{
  cli_match_free(&toy_match);
  cli_graph_destroy(&toy_graph);
}
