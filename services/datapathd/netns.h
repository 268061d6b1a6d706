/* Virtual routers are Linux network namespaces (DESIGN §6): "default" is the
 * namespace datapathd runs in, any other is /run/netns/<name>. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* Runs fn(arg) with the calling thread inside namespace name (NULL or
 * "default": where it is).  Sockets and devices fn creates stay in that
 * namespace.  Returns fn's result, or -1 with err if the namespace cannot be
 * entered or left (then the process must not go on: it would be in the
 * wrong namespace). */
int dp_netns_run(const char *name, int (*fn)(void *arg), void *arg, char *err, size_t errlen);
bool dp_netns_exists(const char *name);
/* Creates the named namespace (as `ip netns add` does) with loopback up.
 * 0 if it exists afterwards. */
int dp_netns_create(const char *name, char *err, size_t errlen);
