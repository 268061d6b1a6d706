/* Request/reply control socket of a service (ROUTER), with correlation ids.
 * Ping is answered here for every service (Pong{service, pid}); every other
 * body goes to the service's handler, which replies now or later (group
 * commit) with erx_ctl_reply. */
#pragma once
#include <stdbool.h>
#include <protobuf-c/protobuf-c.h>
#include "bus.h"

typedef struct erx_ctl erx_ctl_t;
typedef struct erx_ctl_req erx_ctl_req_t;

/* body is the request body (valid during the call only). */
typedef void (*erx_ctl_fn)(void *arg, erx_ctl_req_t *req, const ProtobufCMessage *body);

erx_ctl_t *erx_ctl_new(erx_bus_t *bus, const char *endpoint, const char *service, erx_ctl_fn fn, void *arg);
void erx_ctl_destroy(erx_ctl_t **ctl_p);
/* Replies and frees req.  body NULL replies with an empty envelope. */
int erx_ctl_reply(erx_ctl_t *ctl, erx_ctl_req_t *req, const ProtobufCMessage *body);
/* Replies Error{text} and frees req. */
int erx_ctl_reply_error(erx_ctl_t *ctl, erx_ctl_req_t *req, const char *text);
/* While starting, Pong says so (erx-router waits until it stops); default false. */
void erx_ctl_set_starting(erx_ctl_t *ctl, bool starting);
/* Called after every batch of requests received in one drain pass. */
void erx_ctl_set_drained(erx_ctl_t *ctl, void (*fn)(void *arg));
