/* Outbound: packets the virtual router routed into a tunnel interface are
 * checked against the selectors, encapsulated and sent in one sendmmsg. */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "ah_codec.h"
#include "dp_workers.h"
#include "esp_codec.h"
#include "ipv4_hdr.h"
#include "tcp_gso.h"
#include "udp_encap.h"

#include <linux/virtio_net.h>

#define EVENTS 64

typedef struct out_ctx {
  uint8_t *big;            /* one read: up to a 64 KB TSO packet */
  uint8_t *seg;            /* one segment of it */
  uint8_t *out[DP_RAW_BATCH];
  size_t lens[DP_RAW_BATCH], bytes[DP_RAW_BATCH];
  uint32_t dsts[DP_RAW_BATCH];
  int k;                   /* packets waiting in out[] */
  dp_tunnel_t *t;
} out_ctx_t;

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* One packet: true if it was encapsulated into c->out[k]. */
static bool encap_one(dp_tunnel_t *t, dp_sa_slot_t *sa, const uint8_t *pkt, size_t n, uint8_t *out, size_t *out_len)
{
  size_t total;
  if (!dp_ipv4_sane(pkt, n, &total)) {
    DP_INC(t->cout.policy, 1); /* not IPv4 (e.g. IPv6 neighbour discovery): no selector covers it */
    return false;
  }
  uint32_t src = rd32(pkt + 12), dst = rd32(pkt + 16);
  if (!dp_range_has(&t->local, src) || !dp_range_has(&t->peer, dst)) {
    DP_INC(t->cout.policy, 1);
    return false;
  }
  uint32_t seq;
  if (sa->hard_bytes && DP_GET(sa->bytes) + n > sa->hard_bytes)
    DP_SET(sa->life_state, ERX__DP__SA_LIFE__SA_HARD_EXPIRED);
  if (DP_GET(sa->life_state) == ERX__DP__SA_LIFE__SA_HARD_EXPIRED ||
      sa->seq.last >= __atomic_load_n(&sa->seq_reserved, __ATOMIC_ACQUIRE) || !dp_seq_next(&sa->seq, &seq)) {
    DP_INC(t->cout.other, 1);
    return false;
  }
  bool ok;
  if (sa->crypto->xf->proto == ERX_PROTO_AH) {
    /* never 0: with IP_HDRINCL the kernel replaces a zero ID with its own,
     * after we computed the ICV over it */
    if (++t->ip_id == 0)
      t->ip_id = 1;
    dp_ah_outer_t outer = {.src = t->src, .dst = t->dst, .ttl = 64, .id = t->ip_id};
    ok = dp_ah_encap(sa->crypto, seq, &outer, pkt, n, out, DP_PKT_MAX, out_len);
  } else if (sa->encap_dport) {
    /* RFC 3948: the UDP header in front, checksum zero */
    ok = dp_esp_encap(sa->crypto, seq, pkt, n, out + DP_UDP_HDR, DP_PKT_MAX - DP_UDP_HDR, out_len) &&
         dp_udp_encap_hdr(out, sa->encap_sport, sa->encap_dport, *out_len);
    *out_len += DP_UDP_HDR;
  } else {
    ok = dp_esp_encap(sa->crypto, seq, pkt, n, out, DP_PKT_MAX, out_len);
  }
  if (!ok) {
    DP_INC(t->cout.other, 1);
    return false;
  }
  DP_INC(sa->packets, 1);
  DP_INC(sa->bytes, n);
  return true;
}

static void flush(dp_tunnel_t *t, out_ctx_t *c)
{
  if (c->k == 0)
    return;
  /* every packet of a batch went through the same outbound SA */
  int sent = t->out ? dp_raw_send(&t->out->sock->raw, (const uint8_t *const *)c->out, c->lens, c->dsts, c->k) : 0;
  if (sent < 0)
    sent = 0;
  uint64_t octets = 0;
  for (int i = 0; i < sent; i++)
    octets += c->bytes[i];
  DP_INC(t->cout.acc_pkts, (uint64_t)sent);
  DP_INC(t->cout.acc_octets, octets);
  DP_INC(t->cout.other, (uint64_t)(c->k - sent));
  c->k = 0;
}

/* One packet as the virtual router routed it (after segmentation). */
static bool one(void *arg, const uint8_t *pkt, size_t n)
{
  out_ctx_t *c = arg;
  dp_tunnel_t *t = c->t;
  DP_INC(t->cout.user_pkts, 1);
  DP_INC(t->cout.user_octets, (uint64_t)n);
  if (!t->up || !t->out) {
    DP_INC(t->cout.other, 1); /* the interface exists, the tunnel is down */
    return true;
  }
  if (!encap_one(t, t->out, pkt, n, c->out[c->k], &c->lens[c->k]))
    return true;
  c->dsts[c->k] = t->dst;
  c->bytes[c->k] = n;
  if (++c->k == DP_RAW_BATCH)
    flush(t, c);
  return true;
}

static void drain_tun(dp_tunnel_t *t, out_ctx_t *c)
{
  c->t = t;
  c->k = 0;
  for (int i = 0; i < DP_RAW_BATCH; i++) {
    ssize_t n = read(t->tun.fd, c->big, DP_TSO_MAX);
    if (n <= 0)
      break;
    if (!t->tun.vnet) {
      one(c, c->big, (size_t)n);
      continue;
    }
    dp_vnet_hdr_t h;
    uint8_t *pkt = c->big + DP_VNET_HDR_LEN;
    size_t len = (size_t)n - DP_VNET_HDR_LEN;
    const char *why;
    if (!dp_vnet_parse(c->big, (size_t)n, &h)) {
      DP_INC(t->cout.other, 1);
    } else if ((h.gso_type & 0x7f) == VIRTIO_NET_HDR_GSO_TCPV4) {
      /* the TCP checksum is recomputed per segment */
      if (dp_tso_segment(pkt, len, h.gso_size, c->seg, DP_PKT_MAX, one, c, &why) < 0)
        DP_INC(t->cout.other, 1);
    } else if ((h.gso_type & 0x7f) != VIRTIO_NET_HDR_GSO_NONE) {
      DP_INC(t->cout.other, 1); /* a GSO type we did not offer */
    } else if ((h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !dp_csum_complete(pkt, len, h.csum_start, h.csum_offset)) {
      DP_INC(t->cout.other, 1);
    } else {
      one(c, pkt, len);
    }
  }
  flush(t, c);
}

void *dp_outbound_main(void *arg)
{
  dp_table_t *tbl = arg;
  out_ctx_t c;
  uint8_t *mem = malloc((size_t)(DP_RAW_BATCH + 1) * DP_PKT_MAX + DP_TSO_MAX);
  if (!mem)
    abort();
  for (int i = 0; i < DP_RAW_BATCH; i++)
    c.out[i] = mem + (size_t)i * DP_PKT_MAX;
  c.seg = mem + (size_t)DP_RAW_BATCH * DP_PKT_MAX;
  c.big = c.seg + DP_PKT_MAX;
  struct epoll_event ev[EVENTS];
  while (!__atomic_load_n(&tbl->stopping, __ATOMIC_ACQUIRE)) {
    int n = epoll_wait(tbl->ep_out, ev, EVENTS, -1);
    if (n < 0 && errno != EINTR)
      break;
    dp_table_rdlock(tbl);
    for (int i = 0; i < n; i++) {
      dp_tunnel_t *t = dp_slots_get(&tbl->tunnels, ev[i].data.u64);
      if (t)
        drain_tun(t, &c);
    }
    dp_table_unlock(tbl);
  }
  free(mem);
  return NULL;
}
