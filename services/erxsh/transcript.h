/* How executed lines are shown: the seed's style, "<prompt><line>" then the
 * line's output. */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include "config.pb-c.h"

/* Prints output as configd gave it, ending it with a newline if it lacks one. */
void erxsh_print_output(FILE *f, const char *output);

/* One executed line.  prompt is the prompt the line was typed at.  quiet
 * prints refused lines only (the echo stays: the '^' marker points into it). */
void erxsh_transcript_line(FILE *f, const char *prompt, const char *line, const Erx__Cfg__CliLineResult *r,
                           bool quiet);
