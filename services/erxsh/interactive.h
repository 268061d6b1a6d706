/* The interactive shell: libedit line editing with configd's prompt, Tab
 * completion and IOS-style '?' help. */
#pragma once
#include "session.h"

/* dir: the router directory for the history file (NULL: memory only).
 * Returns the exit status (see options.h). */
int erxsh_interactive_run(erxsh_session_t *s, const char *dir);
