/* libFuzzer target: every input is one CLI line, fed to the matcher, "?"
 * help and Tab completion over the unit tests' toy grammar (every token type
 * and grammar construct).  A match's canonical spelling must match again to
 * the same command and spelling. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_match.h"
#include "cli_toy_grammar.h"

static cli_graph_t *graph;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  graph = cli_toy_build();
  if (!graph)
    abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* the API takes C strings: an embedded NUL just ends the line early */
  char *line = malloc(size + 1);
  if (!line)
    return 0;
  memcpy(line, data, size);
  line[size] = '\0';

  cli_match_t m;
  if (cli_match(graph, line, &m) == CLI_MATCH_OK) {
    cli_match_t again;
    if (cli_match(graph, m.canonical, &again) != CLI_MATCH_OK || again.cmd != m.cmd ||
        strcmp(again.canonical, m.canonical) != 0)
      abort();
    cli_match_free(&again);
  } else if ((m.status == CLI_MATCH_INVALID || m.status == CLI_MATCH_AMBIGUOUS) && m.err_offset >= strlen(line)) {
    abort();
  }
  cli_match_free(&m);

  free(cli_help(graph, line, &m));
  cli_match_free(&m);

  char **v;
  size_t n = cli_complete(graph, line, &v);
  cli_strv_free(v, n);

  free(line);
  return 0;
}
