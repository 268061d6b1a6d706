/* The Clone pattern's owner side (ZeroMQ Guide ch. 5).
 *
 * Keeps key -> (topic, packed body) and a 64-bit seq bumped on every change.
 * Every change goes out on PUB as [topic][Envelope{epoch, seq, key, body}];
 * a delete is an envelope without body.  Every second a heartbeat
 * [<root>.$hb][Envelope{epoch, seq, heartbeat}] goes out.  The ROUTER snapshot
 * socket answers a SnapshotRequest{prefix} with every matching item as
 * [id][topic][Envelope{epoch, seq=item seq, key, topic, body, corr}] and then
 * [id][<root>.$end][Envelope{epoch, seq=current, corr, snapshot_end}].
 * epoch is random per start, so subscribers notice a restart. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "bus.h"

typedef struct erx_clone_pub erx_clone_pub_t;

/* root: the owner's topic root, e.g. "cfg"; every topic starts with it. */
erx_clone_pub_t *erx_clone_pub_new(erx_bus_t *bus, const char *root, const char *pub_ep, const char *snap_ep);
void erx_clone_pub_destroy(erx_clone_pub_t **pub_p);

/* Sets key to body (packed and copied) under topic.  If the packed bytes equal
 * the stored ones nothing happens (no seq bump).  Returns 0 or -1. */
int erx_clone_pub_set(erx_clone_pub_t *pub, const char *topic, const char *key, const ProtobufCMessage *body);
/* Deletes key (no-op if absent). */
int erx_clone_pub_del(erx_clone_pub_t *pub, const char *key);

uint64_t erx_clone_pub_seq(const erx_clone_pub_t *pub);
uint64_t erx_clone_pub_epoch(const erx_clone_pub_t *pub);
size_t erx_clone_pub_count(const erx_clone_pub_t *pub);

/* Fault injection for tests: the next n changes update the map and seq but
 * are not sent, as if the network lost them. */
void erx_clone_pub_impair_drop(erx_clone_pub_t *pub, unsigned n);

/* Heartbeat period and subscriber silence limit (ms); defaults 1000 / 3000.
 * Process-wide; tests shorten them. */
void erx_clone_set_timing(unsigned heartbeat_ms, unsigned silence_ms);
unsigned erx_clone_heartbeat_ms(void);
unsigned erx_clone_silence_ms(void);
