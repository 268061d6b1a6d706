/* erxsh's command line. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

typedef enum { ERXSH_INPUT_LINE, ERXSH_INPUT_FILE } erxsh_input_kind_t;

/* One batch input, in command-line order: a -c line or a -f file ("-" = stdin). */
typedef struct {
  erxsh_input_kind_t kind;
  const char *text;
} erxsh_input_t;

typedef struct {
  const char *dir;     /* --dir: router directory, NULL = use $ERX_RUNDIR */
  int timeout_ms;      /* --timeout, 0 = the default of the action */
  bool stop_on_error;  /* --stop-on-error */
  bool quiet;          /* --quiet */
  const char *ping;    /* --ping SERVICE */
  erxsh_input_t *inputs;
  size_t ninputs;
} erxsh_opts_t;

#define ERXSH_TIMEOUT_MS 10000
#define ERXSH_PING_TIMEOUT_MS 1000

/* Exit statuses, shared by every mode. */
enum {
  ERXSH_EXIT_OK = 0,
  ERXSH_EXIT_REFUSED = 1, /* a line was refused, or a ping got no answer */
  ERXSH_EXIT_USAGE = 2,
  ERXSH_EXIT_NO_ANSWER = 3,
};

/* Returns -1 to go on, or an exit status (after --help or a usage error,
 * with the message already printed). */
int erxsh_opts_parse(erxsh_opts_t *o, int argc, char **argv);
void erxsh_opts_free(erxsh_opts_t *o);
