/* The command line every service takes: --name NAME --state DIR, plus the
 * options of its own, each with a value (--chassis, --vr-netns-prefix...).
 * One parser, so the services agree on spelling, --help and errors. */
#pragma once
#include <stddef.h>

#define ERX_SERVICE_EXTRA_MAX 4

typedef struct erx_service_args {
  const char *name;      /* the router's name, NULL if not given */
  const char *state_dir; /* required */
  const char *extra[ERX_SERVICE_EXTRA_MAX]; /* values of the extra options, NULL if not given */
} erx_service_args_t;

/* extra: the long names of the service's own options (at most
 * ERX_SERVICE_EXTRA_MAX).  Returns -1 when the service should go on, or
 * the exit code after printing usage to stderr: 0 for --help, 2 for a
 * command line that is wrong (unknown option, missing --state, stray
 * arguments). */
int erx_service_args(int argc, char **argv, const char *usage, const char *const *extra, size_t n_extra,
                     erx_service_args_t *out);
