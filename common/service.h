/* What every service's main does around its own modules: an event loop with
 * a bus, run until SIGTERM or SIGINT. */
#pragma once
#include <stddef.h>
#include "bus.h"

struct event_base;

/* Runs base until SIGTERM/SIGINT (logged).  SIGPIPE is ignored. */
void erx_service_run(struct event_base *base);

/* write(2) until all n bytes are written (EINTR retried).  0, or -1 with errno. */
int erx_write_all(int fd, const void *buf, size_t n);
