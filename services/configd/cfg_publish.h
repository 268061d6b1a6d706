/* Turns changed model objects into typed bus messages on the Clone publisher. */
#pragma once
#include "cfg_model.h"
#include "clone_pub.h"

/* Publishes (or deletes) every key marked dirty and clears the marks.
 * Tunnels are republished when an object they depend on changed, since their
 * "incomplete" reasons are derived. Returns the number of keys handled. */
size_t cfg_publish_dirty(cfg_model_t *m, erx_clone_pub_t *pub);

/* Whether clear keys may be published (DESIGN §1: only on 0600 ipc://
 * endpoints, or tcp:// with CURVE, which the bus does not do yet).  Without
 * it keys go out masked only.  Default: false. */
void cfg_publish_allow_secrets(bool allow);
