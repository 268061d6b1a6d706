/* The Clone pattern's subscriber side.
 *
 * Subscribes to the owner's whole root (so seq gaps are real gaps), asks the
 * snapshot socket for the items under `prefix`, applies the snapshot, then the
 * queued updates with seq > snapshot seq.  It re-snapshots on a seq gap, a new
 * epoch (owner restarted) or no message for the silence limit, and retries a
 * snapshot that gets no answer.  It keeps a mirror of the items, so callbacks
 * fire only for real changes, and a re-snapshot that lacks a key deletes it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "bus.h"

typedef struct erx_clone_sub erx_clone_sub_t;

typedef struct {
  /* body is the unpacked envelope body (valid during the call only) */
  void (*on_set)(void *arg, const char *topic, const char *key, const ProtobufCMessage *body);
  void (*on_del)(void *arg, const char *topic, const char *key);
  /* true after a snapshot has been applied; false when the sub goes stale */
  void (*on_sync)(void *arg, bool synced);
} erx_clone_sub_cbs_t;

erx_clone_sub_t *erx_clone_sub_new(erx_bus_t *bus, const char *root, const char *pub_ep, const char *snap_ep,
                                   const char *prefix, const erx_clone_sub_cbs_t *cbs, void *arg);
void erx_clone_sub_destroy(erx_clone_sub_t **sub_p);

bool erx_clone_sub_synced(const erx_clone_sub_t *sub);
uint64_t erx_clone_sub_seq(const erx_clone_sub_t *sub);
uint64_t erx_clone_sub_epoch(const erx_clone_sub_t *sub);
size_t erx_clone_sub_count(const erx_clone_sub_t *sub);
/* How many snapshots have been applied (1 after the first). */
unsigned erx_clone_sub_snapshots(const erx_clone_sub_t *sub);
/* Iterate the mirror: calls fn for each item (unspecified order). */
void erx_clone_sub_foreach(const erx_clone_sub_t *sub,
                           void (*fn)(void *arg, const char *topic, const char *key, const ProtobufCMessage *body),
                           void *arg);
