/* The compiled form of a mode's grammar: one NFA for all the mode's commands,
 * shared by the builder (cli_graph_build.c) and the matcher (cli_match.c).
 * Private to the matcher; callers see only cli_match.h. */
#pragma once
#include <stdint.h>

#include "cli_match.h"

/* Consuming kinds first and in specificity order, so that the kind of the
 * node a word matched is directly its rank when threads are compared. */
typedef enum {
  CLI_N_KEYWORD = 0,
  CLI_N_IPV4,
  CLI_N_RANGE,
  CLI_N_HEX,
  CLI_N_IPSEC,
  CLI_N_WORD,
  CLI_N_LINE,      /* the first word of a LINE: its capture is the raw rest */
  CLI_N_LINE_REST, /* every later word of a LINE: consumed, captures nothing */
  CLI_N_SPLIT,     /* epsilon to out, then (lower priority) to out1 */
  CLI_N_MATCH,     /* the command is complete */
} cli_node_kind_t;

#define CLI_NODE_CAPS 3 /* own text, $name, enclosing group's $name */

typedef struct cli_node {
  uint8_t kind;
  uint8_t ncaps;
  uint32_t cmd;
  uint32_t out, out1;
  /* Consuming nodes: the nodes (consuming or MATCH) reachable by epsilon
   * after this one, precomputed so a step does no graph walking. */
  uint32_t next_off, next_len;
  const char *text; /* keyword: interned (pointer equality = same keyword); else the help label */
  uint32_t len;     /* of text */
  const char *help;
  uint64_t lo, hi;  /* RANGE */
  uint32_t line;    /* LINE_REST: its LINE node, for help */
  const char *caps[CLI_NODE_CAPS];
} cli_node_t;

struct cli_graph {
  const cli_cmd_t *cmds;
  size_t ncmds;
  cli_node_t *nodes;
  uint32_t nnodes;
  uint32_t *clos; /* every closure list, back to back */
  size_t nclos;
  uint32_t start_off, start_len;
  /* The start list cut down to the threads a word beginning with byte c can
   * match: the first step of every line is over all the mode's commands, and
   * this makes it look at a handful. */
  uint32_t first_off[256], first_len[256];
  char **pool; /* strings the graph owns */
  size_t npool;
};

static inline int cli_node_rank(const cli_node_t *n)
{
  return n->kind == CLI_N_LINE_REST ? CLI_N_LINE : n->kind;
}

/* Unsigned decimal, digits only, no overflow; used for grammar ranges and input alike. */
static inline bool cli_parse_u64(const char *p, size_t len, uint64_t *v)
{
  if (len == 0)
    return false;
  uint64_t x = 0;
  for (size_t i = 0; i < len; i++) {
    if (p[i] < '0' || p[i] > '9')
      return false;
    unsigned d = (unsigned)(p[i] - '0');
    if (x > (UINT64_MAX - d) / 10)
      return false;
    x = x * 10 + d;
  }
  *v = x;
  return true;
}

static inline char cli_lower(char c)
{
  return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}
