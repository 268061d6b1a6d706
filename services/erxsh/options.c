#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f, const char *argv0) {
  fprintf(f,
          "usage: %s [--dir DIR] [--timeout MS] [-c LINE]... [-f FILE] [--stop-on-error] [--quiet]\n"
          "       %s [--dir DIR] [--timeout MS] --ping SERVICE\n"
          "  --dir DIR        the router's directory (ERX_RUNDIR=DIR/run); default $ERX_RUNDIR\n"
          "  --timeout MS     per request (default %d; %d for --ping)\n"
          "  -c LINE          run LINE (repeatable, in order)\n"
          "  -f FILE          run the lines of FILE ('-' = stdin)\n"
          "  --stop-on-error  stop at the first refused line\n"
          "  --quiet          print only refused lines and their output\n"
          "  --ping SERVICE   ping configd|licensed|iked|dpd-monitor|datapathd\n"
          "Without -c/-f: interactive when stdin is a terminal, else the lines of stdin.\n"
          "Exit status: 0 ok, 1 a line was refused (or no pong), 2 usage, 3 configd not answering.\n",
          argv0, argv0, ERXSH_TIMEOUT_MS, ERXSH_PING_TIMEOUT_MS);
}

static int add_input(erxsh_opts_t *o, erxsh_input_kind_t kind, const char *text) {
  erxsh_input_t *v = realloc(o->inputs, (o->ninputs + 1) * sizeof *v);
  if (!v) return -1;
  o->inputs = v;
  o->inputs[o->ninputs++] = (erxsh_input_t){kind, text};
  return 0;
}

static int parse_timeout(const char *s, int *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v <= 0 || v > 24L * 3600 * 1000) return -1;
  *out = (int)v;
  return 0;
}

int erxsh_opts_parse(erxsh_opts_t *o, int argc, char **argv) {
  enum { OPT_DIR = 256, OPT_TIMEOUT, OPT_STOP, OPT_QUIET, OPT_PING };
  static const struct option longopts[] = {
      {"dir", required_argument, NULL, OPT_DIR},
      {"timeout", required_argument, NULL, OPT_TIMEOUT},
      {"stop-on-error", no_argument, NULL, OPT_STOP},
      {"quiet", no_argument, NULL, OPT_QUIET},
      {"ping", required_argument, NULL, OPT_PING},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  memset(o, 0, sizeof *o);
  int c;
  while ((c = getopt_long(argc, argv, "c:f:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'c':
    case 'f':
      if (add_input(o, c == 'c' ? ERXSH_INPUT_LINE : ERXSH_INPUT_FILE, optarg) < 0) {
        fprintf(stderr, "erxsh: out of memory\n");
        return ERXSH_EXIT_USAGE;
      }
      break;
    case OPT_DIR:
      o->dir = optarg;
      break;
    case OPT_TIMEOUT:
      if (parse_timeout(optarg, &o->timeout_ms) < 0) {
        fprintf(stderr, "erxsh: --timeout wants milliseconds (1..86400000), not '%s'\n", optarg);
        return ERXSH_EXIT_USAGE;
      }
      break;
    case OPT_STOP:
      o->stop_on_error = true;
      break;
    case OPT_QUIET:
      o->quiet = true;
      break;
    case OPT_PING:
      o->ping = optarg;
      break;
    case 'h':
      usage(stdout, argv[0]);
      return ERXSH_EXIT_OK;
    default:
      usage(stderr, argv[0]);
      return ERXSH_EXIT_USAGE;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "erxsh: unexpected argument '%s'\n", argv[optind]);
    usage(stderr, argv[0]);
    return ERXSH_EXIT_USAGE;
  }
  if (o->ping && o->ninputs) {
    fprintf(stderr, "erxsh: --ping does not take -c or -f\n");
    return ERXSH_EXIT_USAGE;
  }
  if (!o->timeout_ms) o->timeout_ms = o->ping ? ERXSH_PING_TIMEOUT_MS : ERXSH_TIMEOUT_MS;
  return -1;
}

void erxsh_opts_free(erxsh_opts_t *o) {
  free(o->inputs);
  o->inputs = NULL;
  o->ninputs = 0;
}
