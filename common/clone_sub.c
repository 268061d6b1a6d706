/* Clone subscriber: SUB for live changes, a DEALER for snapshots, and a
 * mirror of the items so that callbacks report only real changes.
 *
 * Callbacks must not destroy the subscriber. */
#include "clone_sub.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "clone_pub.h"
#include "envelope.h"
#include "log.h"
#include "strmap.h"

#define TOPIC_MAX 256

typedef struct {
  char *topic;
  uint8_t *body; /* packed body, compared to tell real changes */
  size_t len;
  uint32_t field; /* Envelope oneof member, which gives the body's type */
} mitem_t;

/* A live change that arrived while a snapshot was in flight. */
typedef struct pending {
  struct pending *next;
  char *topic;
  erx_env_t *env;
} pending_t;

struct erx_clone_sub {
  erx_bus_t *bus;
  char root[64], prefix[TOPIC_MAX], snap_ep[256];
  erx_sock_t *sub, *dealer;
  struct event *ev_silence, *ev_retry;
  erx_clone_sub_cbs_t cbs;
  void *arg;
  erx_strmap_t *mirror;
  erx_strmap_t *staging; /* the snapshot being received */
  pending_t *queue, **queue_tail;
  bool synced, snapshotting;
  uint64_t corr, epoch, seq;
  unsigned snapshots;
  unsigned retries; /* unanswered snapshot requests in a row */
};

static void request_snapshot(erx_clone_sub_t *sub);

static void mitem_free(void *p) {
  mitem_t *m = p;
  if (!m)
    return;
  free(m->topic);
  free(m->body);
  free(m);
}

static mitem_t *mitem_from_env(const char *topic, const erx_env_t *env) {
  const ProtobufCMessage *body = erx_env_body(env);
  mitem_t *m = calloc(1, sizeof *m);
  if (!m)
    return NULL;
  m->len = protobuf_c_message_get_packed_size(body);
  m->body = malloc(m->len ? m->len : 1);
  m->topic = strdup(topic);
  m->field = env->body_case;
  if (!m->body || !m->topic) {
    mitem_free(m);
    return NULL;
  }
  protobuf_c_message_pack(body, m->body);
  return m;
}

static bool mitem_same(const mitem_t *a, const mitem_t *b) {
  return a && b && a->field == b->field && a->len == b->len && memcmp(a->body, b->body, a->len) == 0 &&
         strcmp(a->topic, b->topic) == 0;
}

static ProtobufCMessage *mitem_unpack(const mitem_t *m) {
  const ProtobufCFieldDescriptor *f =
      protobuf_c_message_descriptor_get_field(&erx__bus__envelope__descriptor, m->field);
  return f ? protobuf_c_message_unpack(f->descriptor, NULL, m->len, m->body) : NULL;
}

static void fire_set(erx_clone_sub_t *sub, const char *key, const mitem_t *m) {
  if (!sub->cbs.on_set)
    return;
  ProtobufCMessage *body = mitem_unpack(m);
  if (body) {
    sub->cbs.on_set(sub->arg, m->topic, key, body);
    protobuf_c_message_free_unpacked(body, NULL);
  }
}

static bool topic_wanted(const erx_clone_sub_t *sub, const char *topic) {
  return strncmp(topic, sub->prefix, strlen(sub->prefix)) == 0;
}

static void queue_clear(erx_clone_sub_t *sub) {
  while (sub->queue) {
    pending_t *p = sub->queue;
    sub->queue = p->next;
    erx_env_free(p->env);
    free(p->topic);
    free(p);
  }
  sub->queue_tail = &sub->queue;
}

static void arm(struct event *ev, unsigned ms) {
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  event_add(ev, &tv);
}

static void go_stale(erx_clone_sub_t *sub, const char *why) {
  LOG_INFO("%s: re-snapshot: %s", sub->root, why);
  bool was = sub->synced;
  sub->synced = false;
  request_snapshot(sub);
  if (was && sub->cbs.on_sync)
    sub->cbs.on_sync(sub->arg, false);
}

/* Applies one live change.  Returns false on a seq gap. */
static bool apply_update(erx_clone_sub_t *sub, const char *topic, const erx_env_t *env) {
  if (env->seq <= sub->seq)
    return true; /* already in the snapshot */
  if (env->seq != sub->seq + 1)
    return false;
  sub->seq = env->seq;
  if (!topic_wanted(sub, topic) || !env->key || !*env->key)
    return true;
  const ProtobufCMessage *body = erx_env_body(env);
  if (!body) {
    mitem_t *old = erx_strmap_del(sub->mirror, env->key);
    if (old && sub->cbs.on_del)
      sub->cbs.on_del(sub->arg, old->topic, env->key);
    mitem_free(old);
    return true;
  }
  mitem_t *m = mitem_from_env(topic, env);
  if (!m || mitem_same(m, erx_strmap_get(sub->mirror, env->key))) {
    mitem_free(m);
    return true;
  }
  void *old = NULL;
  if (erx_strmap_put(sub->mirror, env->key, m, &old) != 0) {
    mitem_free(m);
    return true;
  }
  mitem_free(old);
  if (sub->cbs.on_set)
    sub->cbs.on_set(sub->arg, topic, env->key, body);
  return true;
}

/* Swaps the staged snapshot in, reports the differences, then replays the
 * changes queued meanwhile. */
static void finish_snapshot(erx_clone_sub_t *sub, const erx_env_t *end) {
  event_del(sub->ev_retry);
  sub->snapshotting = false;
  sub->retries = 0;
  erx_strmap_t *old = sub->mirror;
  sub->mirror = sub->staging;
  sub->staging = NULL;
  sub->epoch = end->epoch;
  sub->seq = end->seq;
  sub->snapshots++;

  erx_strmap_iter_t it = ERX_STRMAP_ITER_INIT;
  const char *key;
  void *val;
  while (erx_strmap_next(sub->mirror, &it, &key, &val))
    if (!mitem_same(val, erx_strmap_get(old, key)))
      fire_set(sub, key, val);
  it = (erx_strmap_iter_t)ERX_STRMAP_ITER_INIT;
  while (erx_strmap_next(old, &it, &key, &val))
    if (!erx_strmap_get(sub->mirror, key) && sub->cbs.on_del)
      sub->cbs.on_del(sub->arg, ((mitem_t *)val)->topic, key);
  erx_strmap_destroy(&old, mitem_free);

  LOG_DEBUG("%s: snapshot %u applied: %zu items at seq %llu", sub->root, sub->snapshots,
            erx_strmap_count(sub->mirror), (unsigned long long)sub->seq);
  for (pending_t *p = sub->queue; p; p = p->next) {
    /* another epoch's changes: older ones are void, a newer epoch shows
     * itself with the next heartbeat */
    if (p->env->epoch == sub->epoch && !apply_update(sub, p->topic, p->env)) {
      go_stale(sub, "seq gap in the changes queued during the snapshot");
      return;
    }
  }
  queue_clear(sub);
  sub->synced = true;
  arm(sub->ev_silence, erx_clone_silence_ms());
  if (sub->cbs.on_sync)
    sub->cbs.on_sync(sub->arg, true);
}

/* Both sockets deliver [topic][Envelope].  Returns the envelope and the
 * topic (in topic[TOPIC_MAX]), or NULL after logging why it was dropped. */
static erx_env_t *unpack_msg(const erx_clone_sub_t *sub, const char *sock, const erx_frame_t *frames, size_t n,
                             char *topic) {
  if (n != 2 || frames[0].len >= TOPIC_MAX) {
    LOG_WARN("%s %s: dropped a message of %zu frames (want 2) or with an oversized topic", sub->root, sock, n);
    return NULL;
  }
  memcpy(topic, frames[0].data, frames[0].len);
  topic[frames[0].len] = '\0';
  char err[128];
  erx_env_t *env = erx_env_unpack(frames[1].data, frames[1].len, err, sizeof err);
  if (!env)
    LOG_WARN("%s %s: dropped '%s': %s", sub->root, sock, topic, err);
  return env;
}

/* DEALER: [topic][Envelope{corr, item or SnapshotEnd}] */
static void on_snap_reply(erx_sock_t *sock, const erx_frame_t *frames, size_t n, void *arg) {
  erx_clone_sub_t *sub = arg;
  char topic[TOPIC_MAX];
  erx_env_t *env = unpack_msg(sub, "snapshot", frames, n, topic);
  if (!env)
    return;
  const ProtobufCMessage *body = erx_env_body(env);
  if (!sub->snapshotting || env->corr != sub->corr) {
    LOG_DEBUG("%s snapshot: dropped a stale reply (corr %llu)", sub->root, (unsigned long long)env->corr);
    erx_env_free(env);
    return;
  }
  /* a big snapshot is slow, not lost: only silence means lost */
  arm(sub->ev_retry, erx_clone_silence_ms());
  if (body && body->descriptor == &erx__bus__snapshot_end__descriptor) {
    finish_snapshot(sub, env);
  } else if (!body || !env->key || !*env->key) {
    LOG_WARN("%s snapshot: dropped an item without key or body", sub->root);
  } else {
    mitem_t *m = mitem_from_env(topic, env);
    void *old = NULL;
    if (m && erx_strmap_put(sub->staging, env->key, m, &old) != 0)
      mitem_free(m);
    mitem_free(old);
  }
  erx_env_free(env);
}

/* SUB: [topic][Envelope] */
static void on_pub(erx_sock_t *sock, const erx_frame_t *frames, size_t n, void *arg) {
  erx_clone_sub_t *sub = arg;
  char topic[TOPIC_MAX];
  erx_env_t *env = unpack_msg(sub, "pub", frames, n, topic);
  if (!env)
    return;
  bool heartbeat = erx_env_body_as(env, &erx__bus__heartbeat__descriptor) != NULL;
  if (sub->snapshotting) {
    pending_t *p = heartbeat ? NULL : calloc(1, sizeof *p);
    if (p && (p->topic = strdup(topic))) {
      p->env = env;
      *sub->queue_tail = p;
      sub->queue_tail = &p->next;
      return;
    }
    free(p);
  } else if (env->epoch != sub->epoch) {
    go_stale(sub, "publisher restarted (new epoch)");
  } else if (heartbeat ? env->seq > sub->seq : !apply_update(sub, topic, env)) {
    go_stale(sub, "seq gap");
  } else {
    arm(sub->ev_silence, erx_clone_silence_ms());
  }
  erx_env_free(env);
}

static void request_snapshot(erx_clone_sub_t *sub) {
  /* A fresh DEALER per request: nothing of an abandoned request stays
   * queued to be answered later. */
  erx_sock_destroy(&sub->dealer);
  queue_clear(sub);
  erx_strmap_destroy(&sub->staging, mitem_free);
  event_del(sub->ev_silence);
  sub->snapshotting = true;
  sub->corr++;
  sub->staging = erx_strmap_new();
  sub->dealer = erx_sock_connect(sub->bus, ZMQ_DEALER, sub->snap_ep, on_snap_reply, sub);
  if (sub->staging && sub->dealer) {
    Erx__Bus__SnapshotRequest req = ERX__BUS__SNAPSHOT_REQUEST__INIT;
    req.prefix = sub->prefix;
    erx_env_t env = ERX_ENV_INIT;
    env.corr = sub->corr;
    erx_env_set_body(&env, &req.base);
    erx_sock_send_env(sub->dealer, NULL, 0, &env);
  }
  arm(sub->ev_retry, erx_clone_silence_ms());
}

static void on_retry(evutil_socket_t fd, short what, void *arg) {
  erx_clone_sub_t *sub = arg;
  /* a publisher that is not running (iked before it exists) would log a
   * line every few seconds for ever: the first, then one in 20 */
  unsigned n = ++sub->retries;
  erx_log(n % 20 == 1 ? ERX_LOG_INFO : ERX_LOG_DEBUG, "%s: no snapshot from %s within %u ms (%u times), asking again",
          sub->root, sub->snap_ep, erx_clone_silence_ms(), n);
  request_snapshot(sub);
}

static void on_silence(evutil_socket_t fd, short what, void *arg) {
  char why[64];
  snprintf(why, sizeof why, "nothing heard for %u ms", erx_clone_silence_ms());
  go_stale(arg, why);
}

erx_clone_sub_t *erx_clone_sub_new(erx_bus_t *bus, const char *root, const char *pub_ep, const char *snap_ep,
                                   const char *prefix, const erx_clone_sub_cbs_t *cbs, void *arg) {
  erx_clone_sub_t *sub = calloc(1, sizeof *sub);
  if (!sub)
    return NULL;
  sub->bus = bus;
  snprintf(sub->root, sizeof sub->root, "%s", root);
  snprintf(sub->prefix, sizeof sub->prefix, "%s", prefix ? prefix : "");
  snprintf(sub->snap_ep, sizeof sub->snap_ep, "%s", snap_ep);
  if (cbs)
    sub->cbs = *cbs;
  sub->arg = arg;
  sub->queue_tail = &sub->queue;
  sub->mirror = erx_strmap_new();
  struct event_base *base = erx_bus_base(bus);
  sub->ev_silence = evtimer_new(base, on_silence, sub);
  sub->ev_retry = evtimer_new(base, on_retry, sub);
  /* subscribe to the whole root, so every seq is seen and a gap is a gap */
  sub->sub = erx_sock_connect(bus, ZMQ_SUB, pub_ep, on_pub, sub);
  if (!sub->mirror || !sub->ev_silence || !sub->ev_retry || !sub->sub || erx_sock_subscribe(sub->sub, root) != 0) {
    erx_clone_sub_destroy(&sub);
    return NULL;
  }
  request_snapshot(sub);
  return sub;
}

void erx_clone_sub_destroy(erx_clone_sub_t **sub_p) {
  if (!sub_p || !*sub_p)
    return;
  erx_clone_sub_t *sub = *sub_p;
  erx_sock_destroy(&sub->dealer);
  erx_sock_destroy(&sub->sub);
  if (sub->ev_silence)
    event_free(sub->ev_silence);
  if (sub->ev_retry)
    event_free(sub->ev_retry);
  queue_clear(sub);
  erx_strmap_destroy(&sub->staging, mitem_free);
  erx_strmap_destroy(&sub->mirror, mitem_free);
  free(sub);
  *sub_p = NULL;
}

bool erx_clone_sub_synced(const erx_clone_sub_t *sub) { return sub->synced; }
uint64_t erx_clone_sub_seq(const erx_clone_sub_t *sub) { return sub->seq; }
uint64_t erx_clone_sub_epoch(const erx_clone_sub_t *sub) { return sub->epoch; }
size_t erx_clone_sub_count(const erx_clone_sub_t *sub) { return erx_strmap_count(sub->mirror); }
unsigned erx_clone_sub_snapshots(const erx_clone_sub_t *sub) { return sub->snapshots; }

void erx_clone_sub_foreach(const erx_clone_sub_t *sub,
                           void (*fn)(void *arg, const char *topic, const char *key, const ProtobufCMessage *body),
                           void *arg) {
  erx_strmap_iter_t it = ERX_STRMAP_ITER_INIT;
  const char *key;
  void *val;
  while (erx_strmap_next(sub->mirror, &it, &key, &val)) {
    ProtobufCMessage *body = mitem_unpack(val);
    if (body) {
      fn(arg, ((mitem_t *)val)->topic, key, body);
      protobuf_c_message_free_unpacked(body, NULL);
    }
  }
}
