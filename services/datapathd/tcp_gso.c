#include "tcp_gso.h"

#include <string.h>

#include "ipv4_hdr.h"

#define TCP_MIN 20
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static uint16_t rd16le(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

bool dp_vnet_parse(const uint8_t *p, size_t len, dp_vnet_hdr_t *h)
{
  if (len < DP_VNET_HDR_LEN)
    return false;
  h->flags = p[0];
  h->gso_type = p[1];
  h->hdr_len = rd16le(p + 2);
  h->gso_size = rd16le(p + 4);
  h->csum_start = rd16le(p + 6);
  h->csum_offset = rd16le(p + 8);
  return true;
}

/* The ones-complement sum of big-endian 16-bit words, added to acc.  Summed
 * eight bytes at a time in host order, folded, then swapped: the sum does
 * not depend on byte order (RFC 1071 §2), and this runs once per segment
 * over up to 64 KB. */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t acc)
{
  uint64_t s = 0;
  for (; len >= 8; p += 8, len -= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    s += (w & 0xffffffffu) + (w >> 32);
  }
  for (; len >= 2; p += 2, len -= 2) {
    uint16_t h;
    memcpy(&h, p, 2);
    s += h;
  }
  if (len) {
    uint8_t last[2] = {p[0], 0};
    uint16_t h;
    memcpy(&h, last, 2);
    s += h;
  }
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  uint16_t folded = (uint16_t)s;
  uint8_t b[2];
  memcpy(b, &folded, 2); /* its bytes in memory order, read big-endian */
  return acc + (uint32_t)(b[0] << 8 | b[1]);
}

static uint16_t fold(uint32_t acc)
{
  while (acc >> 16)
    acc = (acc & 0xffff) + (acc >> 16);
  return (uint16_t)~acc;
}

bool dp_csum_complete(uint8_t *pkt, size_t len, unsigned start, unsigned offset)
{
  if (start >= len || (size_t)start + offset + 2 > len)
    return false;
  uint16_t c = fold(sum16(pkt + start, len - start, 0));
  pkt[start + offset] = (uint8_t)(c >> 8);
  pkt[start + offset + 1] = (uint8_t)c;
  return true;
}

int dp_tso_segment(const uint8_t *pkt, size_t len, unsigned mss, uint8_t *scratch, size_t scratch_cap, dp_seg_fn emit,
                   void *arg, const char **why)
{
  size_t total;
  if (!dp_ipv4_sane(pkt, len, &total)) {
    *why = "TSO packet without a sane IPv4 header";
    return -1;
  }
  size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
  if (pkt[9] != 6 || total < ihl + TCP_MIN) {
    *why = "TSO packet is not TCP";
    return -1;
  }
  if ((pkt[6] & 0x3f) != 0 || pkt[7] != 0) {
    *why = "TSO packet is a fragment";
    return -1;
  }
  size_t thl = (size_t)(pkt[ihl + 12] >> 4) * 4;
  size_t hdrs = ihl + thl;
  if (thl < TCP_MIN || hdrs > total) {
    *why = "TCP header length outside the packet";
    return -1;
  }
  if (mss == 0 || hdrs + mss > scratch_cap || hdrs + mss > 65535) {
    *why = "segment size 0 or larger than the buffer";
    return -1;
  }
  size_t payload = total - hdrs;
  uint16_t id0 = (uint16_t)(pkt[4] << 8 | pkt[5]);
  uint32_t seq0 = (uint32_t)pkt[ihl + 4] << 24 | (uint32_t)pkt[ihl + 5] << 16 | (uint32_t)pkt[ihl + 6] << 8 |
                  pkt[ihl + 7];
  uint8_t flags0 = pkt[ihl + 13];
  int n = 0;
  size_t off = 0;
  do {
    size_t chunk = payload - off < mss ? payload - off : mss;
    bool last = off + chunk >= payload;
    size_t seg_len = hdrs + chunk;
    memcpy(scratch, pkt, hdrs);
    memcpy(scratch + hdrs, pkt + hdrs + off, chunk);
    /* IPv4: length, ID, checksum */
    scratch[2] = (uint8_t)(seg_len >> 8);
    scratch[3] = (uint8_t)seg_len;
    uint16_t id = (uint16_t)(id0 + n);
    scratch[4] = (uint8_t)(id >> 8);
    scratch[5] = (uint8_t)id;
    scratch[10] = scratch[11] = 0;
    uint16_t ipc = dp_ipv4_checksum(scratch, ihl);
    scratch[10] = (uint8_t)(ipc >> 8);
    scratch[11] = (uint8_t)ipc;
    /* TCP: sequence number, flags, checksum over the pseudo-header */
    uint8_t *tcp = scratch + ihl;
    uint32_t seq = seq0 + (uint32_t)off;
    tcp[4] = (uint8_t)(seq >> 24);
    tcp[5] = (uint8_t)(seq >> 16);
    tcp[6] = (uint8_t)(seq >> 8);
    tcp[7] = (uint8_t)seq;
    uint8_t fl = flags0;
    if (!last)
      fl &= (uint8_t)~(TCP_FIN | TCP_PSH);
    if (n > 0)
      fl &= (uint8_t)~TCP_CWR;
    tcp[13] = fl;
    tcp[16] = tcp[17] = 0;
    size_t tcp_len = thl + chunk;
    uint32_t acc = sum16(scratch + 12, 8, 0); /* source and destination */
    acc += 6 + (uint32_t)tcp_len;
    uint16_t tc = fold(sum16(tcp, tcp_len, acc));
    tcp[16] = (uint8_t)(tc >> 8);
    tcp[17] = (uint8_t)tc;
    n++;
    if (!emit(arg, scratch, seg_len))
      return n;
    off += chunk;
  } while (off < payload);
  return n;
}

/* ---- receive coalescing ---- */

#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
#define TCP_URG 0x20

/* IPv4 without options, not a fragment, TCP with payload, ACK and no
 * SYN/FIN/RST/URG: *hdrs gets the header bytes. */
static bool joinable(const uint8_t *p, size_t len, size_t *hdrs)
{
  if (len < 40 || p[0] != 0x45 || p[9] != 6 || (p[6] & 0x3f) != 0 || p[7] != 0)
    return false;
  if ((size_t)(p[2] << 8 | p[3]) != len)
    return false;
  size_t thl = (size_t)(p[32] >> 4) * 4;
  uint8_t fl = p[33];
  if (thl < TCP_MIN || 20 + thl >= len || !(fl & TCP_ACK) || (fl & (TCP_SYN | TCP_FIN | TCP_RST | TCP_URG)))
    return false;
  *hdrs = 20 + thl;
  return true;
}

static uint32_t seq_of(const uint8_t *p) { return (uint32_t)p[24] << 24 | (uint32_t)p[25] << 16 | (uint32_t)p[26] << 8 | p[27]; }

bool dp_gro_start(dp_gro_t *g, const uint8_t *pkt, size_t len)
{
  size_t hdrs;
  if (g->len || !joinable(pkt, len, &hdrs) || len > g->cap)
    return false;
  memcpy(g->buf + DP_VNET_HDR_LEN, pkt, len);
  g->len = len;
  g->orig_bytes = len;
  g->count = 1;
  g->hdrs = (unsigned)hdrs;
  g->mss = (unsigned)(len - hdrs);
  g->next_seq = seq_of(pkt) + g->mss;
  g->closed = (pkt[33] & TCP_PSH) != 0;
  return true;
}

bool dp_gro_add(dp_gro_t *g, const uint8_t *pkt, size_t len)
{
  size_t hdrs;
  if (!g->len || g->closed || !joinable(pkt, len, &hdrs) || hdrs != g->hdrs)
    return false;
  const uint8_t *h = g->buf + DP_VNET_HDR_LEN;
  size_t payload = len - hdrs;
  /* TOS, DF, TTL, addresses; ports; ACK number; flags but PSH; options */
  if (h[1] != pkt[1] || h[6] != pkt[6] || h[8] != pkt[8] || memcmp(h + 12, pkt + 12, 8) != 0 ||
      memcmp(h + 20, pkt + 20, 4) != 0 || memcmp(h + 28, pkt + 28, 4) != 0 ||
      (h[33] | TCP_PSH) != (pkt[33] | TCP_PSH) || memcmp(h + 40, pkt + 40, hdrs - 40) != 0)
    return false;
  if (seq_of(pkt) != g->next_seq || payload > g->mss || g->len + payload > g->cap)
    return false;
  uint8_t *held = g->buf + DP_VNET_HDR_LEN;
  memcpy(held + g->len, pkt + hdrs, payload);
  g->len += payload;
  g->orig_bytes += len;
  g->count++;
  g->next_seq += (uint32_t)payload;
  held[34] = pkt[34]; /* the latest window */
  held[35] = pkt[35];
  if (payload < g->mss || (pkt[33] & TCP_PSH)) {
    held[33] |= pkt[33] & TCP_PSH;
    g->closed = true;
  }
  return true;
}

static void wr16le(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

const uint8_t *dp_gro_finish(dp_gro_t *g, size_t *wlen)
{
  uint8_t *v = g->buf, *p = g->buf + DP_VNET_HDR_LEN;
  memset(v, 0, DP_VNET_HDR_LEN);
  if (g->count > 1) {
    p[2] = (uint8_t)(g->len >> 8);
    p[3] = (uint8_t)g->len;
    p[10] = p[11] = 0;
    uint16_t ipc = dp_ipv4_checksum(p, 20);
    p[10] = (uint8_t)(ipc >> 8);
    p[11] = (uint8_t)ipc;
    /* CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum, which
     * the kernel completes (it trusts it, as for a locally made packet) */
    uint32_t acc = sum16(p + 12, 8, 0) + 6 + (uint32_t)(g->len - 20);
    while (acc >> 16)
      acc = (acc & 0xffff) + (acc >> 16);
    p[36] = (uint8_t)(acc >> 8);
    p[37] = (uint8_t)acc;
    v[0] = 1; /* VIRTIO_NET_HDR_F_NEEDS_CSUM */
    v[1] = 1; /* VIRTIO_NET_HDR_GSO_TCPV4 */
    wr16le(v + 2, (uint16_t)g->hdrs);
    wr16le(v + 4, (uint16_t)g->mss);
    wr16le(v + 6, 20);
    wr16le(v + 8, 16);
  }
  *wlen = g->len + DP_VNET_HDR_LEN;
  g->len = 0;
  g->count = 0;
  return v;
}
