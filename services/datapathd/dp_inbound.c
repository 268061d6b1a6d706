/* Inbound: a batch of ESP or AH packets from one raw socket; per packet the
 * SA by SPI, the replay window (cheap reject), integrity and decryption, the
 * window update, the selectors, then the tunnel interface. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "ah_codec.h"
#include "dp_workers.h"
#include "esp_codec.h"
#include "ipv4_hdr.h"
#include "tcp_gso.h"
#include "udp_encap.h"

#define EVENTS 64

typedef struct in_ctx {
  uint8_t *pkt[DP_RAW_BATCH];
  uint8_t *inner;
  size_t lens[DP_RAW_BATCH];
  uint32_t srcs[DP_RAW_BATCH];
  int64_t now_ms;
  dp_gro_t gro;       /* segments of one flow waiting to be written as one */
  dp_tunnel_t *gro_t; /* whose */
} in_ctx_t;

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static void drop(dp_tunnel_t *t, dp_sa_slot_t *sa, dp_drop_t why)
{
  DP_INC(t->cin.drop[why], 1);
  if (why == DP_DROP_REPLAY)
    DP_INC(sa->replay_err, 1);
  else if (why == DP_DROP_AUTH)
    DP_INC(sa->auth_err, 1);
}

static void written(dp_tunnel_t *t, const uint8_t *w, size_t wlen, unsigned pkts, size_t octets)
{
  if (write(t->tun.fd, w, wlen) != (ssize_t)wlen) {
    DP_INC(t->cin.drop[DP_DROP_OTHER], pkts); /* the interface is down or its queue is full */
    return;
  }
  DP_INC(t->cin.acc_pkts, pkts);
  DP_INC(t->cin.acc_octets, octets);
}

static void gro_flush(in_ctx_t *c)
{
  if (!c->gro.len)
    return;
  size_t wlen, octets = c->gro.orig_bytes;
  unsigned pkts = c->gro.count;
  const uint8_t *w = dp_gro_finish(&c->gro, &wlen);
  written(c->gro_t, w, wlen, pkts, octets);
}

/* To the tunnel interface: joined to the held segments when it continues
 * them, else after them. */
static void deliver(in_ctx_t *c, dp_tunnel_t *t, uint8_t *inner, size_t ilen)
{
  if (!t->tun.vnet) {
    written(t, inner, ilen, 1, ilen);
    return;
  }
  if (c->gro_t == t && dp_gro_add(&c->gro, inner, ilen))
    return;
  gro_flush(c);
  if (dp_gro_start(&c->gro, inner, ilen)) {
    c->gro_t = t;
    return;
  }
  /* alone, behind an all-zero virtio-net header (no offload) */
  uint8_t *w = inner - DP_VNET_HDR_LEN;
  memset(w, 0, DP_VNET_HDR_LEN);
  written(t, w, ilen + DP_VNET_HDR_LEN, 1, ilen);
}

static void one(dp_table_t *tbl, dp_rawsock_t *s, const uint8_t *pkt, size_t len, in_ctx_t *c)
{
  size_t ihl = len ? (size_t)(pkt[0] & 0x0f) * 4 : 0;
  /* the SPI and sequence number follow the outer header (AH: after 4
   * bytes, ESP in UDP: after the UDP header) */
  size_t skip = s->proto == ERX_PROTO_AH ? 4 : s->proto == DP_PROTO_UDP ? DP_UDP_HDR : 0;
  if (len < DP_IPV4_HDR || (pkt[0] >> 4) != 4 || ihl < DP_IPV4_HDR || len < ihl + skip + 8) {
    DP_INC(s->malformed, 1);
    return;
  }
  size_t esp_len = len - ihl - skip;
  if (s->proto == DP_PROTO_UDP) {
    const uint8_t *esp;
    uint16_t sport, dport;
    const char *why;
    if (dp_udp_decap(pkt + ihl, len - ihl, &esp, &esp_len, &sport, &dport, &why) != DP_UDP_ESP) {
      DP_INC(s->malformed, 1); /* the socket filter lets only ESP through; a short one fails here */
      return;
    }
  }
  const uint8_t *ipsec = pkt + ihl + skip;
  uint32_t spi = rd32(ipsec), seq = rd32(ipsec + 4);
  dp_sa_slot_t *sa = dp_table_find_in(tbl, s, spi);
  if (!sa) {
    DP_INC(s->unknown_spi, 1);
    return;
  }
  dp_tunnel_t *t = sa->tunnel;
  DP_INC(t->cin.user_pkts, 1);
  DP_INC(t->cin.user_octets, len);
  if (DP_GET(sa->life_state) == ERX__DP__SA_LIFE__SA_HARD_EXPIRED) {
    drop(t, sa, DP_DROP_OTHER);
    return;
  }
  if (dp_replay_check(&sa->replay, seq) != DP_REPLAY_OK) {
    drop(t, sa, DP_DROP_REPLAY);
    return;
  }
  size_t ilen;
  uint32_t dseq;
  const char *why;
  dp_drop_t r = s->proto == ERX_PROTO_AH
                    ? dp_ah_decap(sa->crypto, pkt, len, c->inner, DP_PKT_MAX, &ilen, &dseq, &why)
                    : dp_esp_decap(sa->crypto, ipsec, esp_len, c->inner, DP_PKT_MAX, &ilen, &dseq, &why);
  if (r != DP_OK) {
    drop(t, sa, r);
    return;
  }
  dp_replay_update(&sa->replay, dseq);
  uint32_t src = rd32(c->inner + 12), dst = rd32(c->inner + 16);
  if (!dp_range_has(&t->peer, src) || !dp_range_has(&t->local, dst)) {
    drop(t, sa, DP_DROP_POLICY);
    return;
  }
  DP_INC(sa->packets, 1);
  DP_INC(sa->bytes, ilen);
  DP_SET(sa->last_ms, c->now_ms);
  if (sa->hard_bytes && DP_GET(sa->bytes) >= sa->hard_bytes)
    DP_SET(sa->life_state, ERX__DP__SA_LIFE__SA_HARD_EXPIRED);
  deliver(c, t, c->inner, ilen);
}
static void drain_sock(dp_table_t *tbl, dp_rawsock_t *s, in_ctx_t *c)
{
  int n = dp_raw_recv(&s->raw, c->pkt, DP_PKT_MAX, c->lens, c->srcs, DP_RAW_BATCH);
  if (n <= 0)
    return;
  c->now_ms = dp_wall_ms();
  for (int i = 0; i < n; i++)
    one(tbl, s, c->pkt[i], c->lens[i], c);
  gro_flush(c); /* nothing is held across batches (or the read lock) */
}

void *dp_inbound_main(void *arg)
{
  dp_table_t *tbl = arg;
  in_ctx_t c;
  uint8_t *mem = calloc((size_t)(DP_RAW_BATCH + 1) * DP_PKT_MAX + DP_VNET_HDR_LEN, 1);
  if (!mem)
    abort();
  for (int i = 0; i < DP_RAW_BATCH; i++)
    c.pkt[i] = mem + (size_t)i * DP_PKT_MAX;
  /* room for a (zeroed) virtio-net header in front of every inner packet */
  c.inner = mem + (size_t)DP_RAW_BATCH * DP_PKT_MAX + DP_VNET_HDR_LEN;
  c.gro = (dp_gro_t){.buf = malloc(DP_VNET_HDR_LEN + 65535), .cap = 65535};
  c.gro_t = NULL;
  if (!c.gro.buf)
    abort();
  struct epoll_event ev[EVENTS];
  while (!__atomic_load_n(&tbl->stopping, __ATOMIC_ACQUIRE)) {
    int n = epoll_wait(tbl->ep_in, ev, EVENTS, -1);
    if (n < 0 && errno != EINTR)
      break;
    dp_table_rdlock(tbl);
    for (int i = 0; i < n; i++) {
      dp_rawsock_t *s = dp_slots_get(&tbl->socks, ev[i].data.u64);
      if (s)
        drain_sock(tbl, s, &c);
    }
    dp_table_unlock(tbl);
  }
  free(c.gro.buf);
  free(mem);
  return NULL;
}
