/* Clone publisher: the owner's key/value map, its PUB and its snapshot ROUTER. */
#include "clone_pub.h"

#include <event2/event.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "envelope.h"
#include "log.h"
#include "strmap.h"

static unsigned heartbeat_ms = 1000, silence_ms = 3000;

typedef struct {
  char *topic;
  uint8_t *body; /* packed body */
  size_t len;
  uint32_t field; /* Envelope oneof member the body travels in */
  uint64_t seq;
} item_t;

struct erx_clone_pub {
  erx_bus_t *bus;
  char root[64];
  char hb_topic[72], end_topic[72];
  erx_sock_t *pub;
  erx_sock_t *snap;
  struct event *ev_hb;
  erx_strmap_t *items;
  uint64_t seq, epoch;
  unsigned drop; /* impairment: changes still to lose */
};

void erx_clone_set_timing(unsigned hb, unsigned silence) {
  heartbeat_ms = hb ? hb : 1;
  silence_ms = silence ? silence : 1;
}
unsigned erx_clone_heartbeat_ms(void) { return heartbeat_ms; }
unsigned erx_clone_silence_ms(void) { return silence_ms; }

static void item_free(void *p) {
  item_t *it = p;
  if (!it)
    return;
  free(it->topic);
  free(it->body);
  free(it);
}

static size_t put_varint(uint8_t *out, uint64_t v) {
  size_t n = 0;
  for (; v >= 0x80; v >>= 7)
    out[n++] = (uint8_t)(v | 0x80);
  out[n++] = (uint8_t)v;
  return n;
}

/* Sends [prefix...][hdr + body field]: the packed body is appended as its
 * oneof field (protobuf allows fields in any order), so a snapshot of 50,000
 * items never unpacks and repacks a body. */
static int send_item(erx_sock_t *sock, const erx_frame_t *prefix, size_t nprefix, const erx_env_t *hdr,
                     const item_t *it) {
  size_t hlen = protobuf_c_message_get_packed_size(&hdr->base);
  uint8_t *buf = malloc(hlen + 20 + it->len);
  if (!buf)
    return -1;
  size_t n = protobuf_c_message_pack(&hdr->base, buf);
  n += put_varint(buf + n, (uint64_t)it->field << 3 | PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
  n += put_varint(buf + n, it->len);
  if (it->len)
    memcpy(buf + n, it->body, it->len);
  n += it->len;
  erx_frame_t frames[4];
  for (size_t i = 0; i < nprefix; i++)
    frames[i] = prefix[i];
  frames[nprefix] = (erx_frame_t){buf, n};
  int rc = erx_sock_send(sock, frames, nprefix + 1);
  free(buf);
  return rc;
}

static erx_frame_t topic_frame(const char *topic) { return (erx_frame_t){topic, strlen(topic)}; }

static void send_heartbeat(erx_clone_pub_t *pub) {
  Erx__Bus__Heartbeat hb = ERX__BUS__HEARTBEAT__INIT;
  erx_env_t env = ERX_ENV_INIT;
  env.epoch = pub->epoch;
  env.seq = pub->seq;
  erx_env_set_body(&env, &hb.base);
  erx_frame_t topic = topic_frame(pub->hb_topic);
  erx_sock_send_env(pub->pub, &topic, 1, &env);
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg) { send_heartbeat(arg); }

static void answer_snapshot(erx_clone_pub_t *pub, const erx_frame_t *id, const erx_env_t *req,
                            const Erx__Bus__SnapshotRequest *sr) {
  const char *prefix = sr->prefix ? sr->prefix : "";
  size_t plen = strlen(prefix), sent = 0;
  erx_strmap_iter_t iter = ERX_STRMAP_ITER_INIT;
  const char *key;
  void *val;
  while (erx_strmap_next(pub->items, &iter, &key, &val)) {
    item_t *it = val;
    if (strncmp(it->topic, prefix, plen) != 0)
      continue;
    erx_env_t hdr = ERX_ENV_INIT;
    hdr.epoch = pub->epoch;
    hdr.seq = it->seq;
    hdr.key = (char *)key;
    hdr.topic = it->topic;
    hdr.corr = req->corr;
    erx_frame_t prefix_frames[2] = {*id, topic_frame(it->topic)};
    send_item(pub->snap, prefix_frames, 2, &hdr, it);
    sent++;
  }
  Erx__Bus__SnapshotEnd end = ERX__BUS__SNAPSHOT_END__INIT;
  erx_env_t env = ERX_ENV_INIT;
  env.epoch = pub->epoch;
  env.seq = pub->seq;
  env.corr = req->corr;
  erx_env_set_body(&env, &end.base);
  erx_frame_t prefix_frames[2] = {*id, topic_frame(pub->end_topic)};
  erx_sock_send_env(pub->snap, prefix_frames, 2, &env);
  LOG_DEBUG("%s: snapshot '%s' of %zu items at seq %llu", pub->root, prefix, sent, (unsigned long long)pub->seq);
}

/* ROUTER: [identity][Envelope{corr, SnapshotRequest}] */
static void on_snap_request(erx_sock_t *sock, const erx_frame_t *frames, size_t n, void *arg) {
  erx_clone_pub_t *pub = arg;
  if (n != 2) {
    LOG_WARN("%s snapshot: dropped a request of %zu frames (want 2)", pub->root, n);
    return;
  }
  char err[128];
  erx_env_t *env = erx_env_unpack(frames[1].data, frames[1].len, err, sizeof err);
  if (!env) {
    LOG_WARN("%s snapshot: dropped a request: %s", pub->root, err);
    return;
  }
  const ProtobufCMessage *body = erx_env_body_as(env, &erx__bus__snapshot_request__descriptor);
  if (body)
    answer_snapshot(pub, &frames[0], env, (const Erx__Bus__SnapshotRequest *)body);
  else
    LOG_WARN("%s snapshot: dropped a request that is not a SnapshotRequest", pub->root);
  erx_env_free(env);
}

static uint64_t random_epoch(void) {
  uint64_t e = 0;
  while (e == 0)
    if (RAND_bytes((unsigned char *)&e, sizeof e) != 1)
      abort(); /* no randomness: nothing safe to do */
  return e;
}

erx_clone_pub_t *erx_clone_pub_new(erx_bus_t *bus, const char *root, const char *pub_ep, const char *snap_ep) {
  erx_clone_pub_t *pub = calloc(1, sizeof *pub);
  if (!pub)
    return NULL;
  pub->bus = bus;
  snprintf(pub->root, sizeof pub->root, "%s", root);
  snprintf(pub->hb_topic, sizeof pub->hb_topic, "%s.$hb", root);
  snprintf(pub->end_topic, sizeof pub->end_topic, "%s.$end", root);
  pub->epoch = random_epoch();
  pub->items = erx_strmap_new();
  pub->pub = erx_sock_bind(bus, ZMQ_PUB, pub_ep, NULL, NULL);
  pub->snap = erx_sock_bind(bus, ZMQ_ROUTER, snap_ep, on_snap_request, pub);
  pub->ev_hb = event_new(erx_bus_base(bus), -1, EV_PERSIST, on_heartbeat, pub);
  struct timeval tv = {heartbeat_ms / 1000, (heartbeat_ms % 1000) * 1000};
  if (!pub->items || !pub->pub || !pub->snap || !pub->ev_hb || event_add(pub->ev_hb, &tv) != 0) {
    erx_clone_pub_destroy(&pub);
    return NULL;
  }
  LOG_INFO("%s: publishing on %s, snapshots on %s, epoch %016llx", root, pub_ep, snap_ep,
           (unsigned long long)pub->epoch);
  return pub;
}

void erx_clone_pub_destroy(erx_clone_pub_t **pub_p) {
  if (!pub_p || !*pub_p)
    return;
  erx_clone_pub_t *pub = *pub_p;
  if (pub->ev_hb)
    event_free(pub->ev_hb);
  erx_sock_destroy(&pub->snap);
  erx_sock_destroy(&pub->pub);
  erx_strmap_destroy(&pub->items, item_free);
  free(pub);
  *pub_p = NULL;
}

/* Publishes a change unless the impairment eats it. */
static void publish(erx_clone_pub_t *pub, const char *topic, const erx_env_t *hdr, const item_t *it) {
  if (pub->drop) {
    pub->drop--;
    return;
  }
  erx_frame_t tf = topic_frame(topic);
  if (it)
    send_item(pub->pub, &tf, 1, hdr, it);
  else
    erx_sock_send_env(pub->pub, &tf, 1, hdr);
}

int erx_clone_pub_set(erx_clone_pub_t *pub, const char *topic, const char *key, const ProtobufCMessage *body) {
  erx_env_t probe = ERX_ENV_INIT;
  if (!body || erx_env_set_body(&probe, body) != 0) {
    LOG_ERR("%s: cannot publish %s: %s is not an Envelope body", pub->root, key,
            body ? body->descriptor->name : "NULL");
    return -1;
  }
  size_t len = protobuf_c_message_get_packed_size(body);
  uint8_t *bytes = malloc(len ? len : 1);
  if (!bytes)
    return -1;
  protobuf_c_message_pack(body, bytes);

  item_t *it = erx_strmap_get(pub->items, key);
  if (it && it->field == probe.body_case && it->len == len && memcmp(it->body, bytes, len) == 0 &&
      strcmp(it->topic, topic) == 0) {
    free(bytes);
    return 0;
  }
  char *tcopy = strdup(topic);
  item_t *fresh = it ? NULL : calloc(1, sizeof *fresh);
  if (!tcopy || (!it && (!fresh || erx_strmap_put(pub->items, key, fresh, NULL) != 0))) {
    free(tcopy);
    free(fresh);
    free(bytes);
    return -1;
  }
  if (!it)
    it = fresh;
  free(it->topic);
  free(it->body);
  it->topic = tcopy;
  it->body = bytes;
  it->len = len;
  it->field = probe.body_case;
  it->seq = ++pub->seq;

  erx_env_t hdr = ERX_ENV_INIT;
  hdr.epoch = pub->epoch;
  hdr.seq = it->seq;
  hdr.key = (char *)key;
  publish(pub, topic, &hdr, it);
  return 0;
}

int erx_clone_pub_del(erx_clone_pub_t *pub, const char *key) {
  item_t *it = erx_strmap_del(pub->items, key);
  if (!it)
    return 0;
  erx_env_t hdr = ERX_ENV_INIT;
  hdr.epoch = pub->epoch;
  hdr.seq = ++pub->seq;
  hdr.key = (char *)key;
  publish(pub, it->topic, &hdr, NULL);
  item_free(it);
  return 0;
}

uint64_t erx_clone_pub_seq(const erx_clone_pub_t *pub) { return pub->seq; }
uint64_t erx_clone_pub_epoch(const erx_clone_pub_t *pub) { return pub->epoch; }
size_t erx_clone_pub_count(const erx_clone_pub_t *pub) { return erx_strmap_count(pub->items); }
void erx_clone_pub_impair_drop(erx_clone_pub_t *pub, unsigned n) { pub->drop += n; }
