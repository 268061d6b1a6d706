#include "transcript.h"

#include <string.h>

void erxsh_print_output(FILE *f, const char *output) {
  if (!output || !*output) return;
  size_t len = strlen(output);
  fwrite(output, 1, len, f);
  if (output[len - 1] != '\n') fputc('\n', f);
}

void erxsh_transcript_line(FILE *f, const char *prompt, const char *line, const Erx__Cfg__CliLineResult *r,
                           bool quiet) {
  if (quiet && r->ok) return;
  fprintf(f, "%s%s\n", prompt, line);
  erxsh_print_output(f, r->output);
}
