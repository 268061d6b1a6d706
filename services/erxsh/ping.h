/* --ping SERVICE: is that service's control socket answering? */
#pragma once

/* Prints "SERVICE pid N" and returns 0, or a message and 1 (2 for an unknown
 * service name). */
int erxsh_ping(const char *service, int timeout_ms);
