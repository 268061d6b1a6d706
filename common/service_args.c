#include "service_args.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int erx_service_args(int argc, char **argv, const char *usage, const char *const *extra, size_t n_extra,
                     erx_service_args_t *out)
{
  memset(out, 0, sizeof *out);
  if (n_extra > ERX_SERVICE_EXTRA_MAX)
    n_extra = ERX_SERVICE_EXTRA_MAX;
  struct option longopts[3 + ERX_SERVICE_EXTRA_MAX + 1] = {
      {"name", required_argument, NULL, 'n'},
      {"state", required_argument, NULL, 's'},
      {"help", no_argument, NULL, 'h'},
  };
  for (size_t i = 0; i < n_extra; i++) /* val 1000+i: no short option */
    longopts[3 + i] = (struct option){extra[i], required_argument, NULL, 1000 + (int)i};
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, "n:s:h", longopts, NULL)) != -1) {
    if (c == 'n')
      out->name = optarg;
    else if (c == 's')
      out->state_dir = optarg;
    else if (c >= 1000 && c < 1000 + (int)n_extra)
      out->extra[c - 1000] = optarg;
    else {
      fputs(usage, stderr);
      return c == 'h' ? 0 : 2;
    }
  }
  if (!out->state_dir || optind != argc) {
    fputs(usage, stderr);
    return 2;
  }
  return -1;
}
