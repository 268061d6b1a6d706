/* erxsh: configd's CLI client.  Wiring only: options, then ping, batch or
 * the interactive shell. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "batch.h"
#include "interactive.h"
#include "options.h"
#include "ping.h"
#include "session.h"

/* --dir names the router; its services share DIR/run (see deploy/erx-router). */
static int set_rundir(const char *dir) {
  size_t len = snprintf(NULL, 0, "%s/run", dir) + 1;
  char *rundir = malloc(len);
  if (!rundir) return -1;
  snprintf(rundir, len, "%s/run", dir);
  int rc = setenv("ERX_RUNDIR", rundir, 1);
  free(rundir);
  return rc;
}

int main(int argc, char **argv) {
  erxsh_opts_t o;
  int rc = erxsh_opts_parse(&o, argc, argv);
  if (rc >= 0) {
    erxsh_opts_free(&o);
    return rc;
  }
  if (o.dir && set_rundir(o.dir) < 0) {
    perror("erxsh: setenv ERX_RUNDIR");
    erxsh_opts_free(&o);
    return ERXSH_EXIT_USAGE;
  }
  if (o.ping) {
    rc = erxsh_ping(o.ping, o.timeout_ms);
    erxsh_opts_free(&o);
    return rc;
  }
  char err[768];
  erxsh_session_t *s = erxsh_session_new(o.timeout_ms, err, sizeof err);
  if (!s) {
    fprintf(stderr, "erxsh: %s\n", err);
    erxsh_opts_free(&o);
    return ERXSH_EXIT_NO_ANSWER;
  }
  if (o.ninputs == 0 && isatty(STDIN_FILENO))
    rc = erxsh_interactive_run(s, o.dir);
  else
    rc = erxsh_batch_run(s, &o);
  erxsh_session_destroy(&s);
  erxsh_opts_free(&o);
  return rc;
}
