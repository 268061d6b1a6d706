/* Batch mode: -c lines, -f files or stdin, sent to configd in chunks, printed
 * as a transcript. */
#pragma once
#include "options.h"
#include "session.h"

/* Up to this many lines per CliRequest: configd commits each chunk with one
 * fsync, so bigger chunks load faster, smaller ones show progress sooner. */
#define ERXSH_CHUNK_LINES 1000
/* ...and at most this many bytes, to keep one message well below any
 * message-size limit of the bus. */
#define ERXSH_CHUNK_BYTES (1u << 20)

/* Returns the exit status (see options.h). */
int erxsh_batch_run(erxsh_session_t *s, const erxsh_opts_t *o);
