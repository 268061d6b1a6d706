/* TCP segmentation of TUN super-packets: every segment is a valid IPv4/TCP
 * packet (checksums verified independently), sequence numbers advance by the
 * payload, flags are split as a NIC would, and the payloads concatenate back
 * to the original.  Partial checksums are completed. */
#include <criterion/criterion.h>
#include <string.h>

#include "tcp_gso.h"

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t acc)
{
  for (size_t i = 0; i + 1 < len; i += 2)
    acc += (uint32_t)p[i] << 8 | p[i + 1];
  if (len & 1)
    acc += (uint32_t)p[len - 1] << 8;
  while (acc >> 16)
    acc = (acc & 0xffff) + (acc >> 16);
  return acc;
}

/* a packet whose checksums verify sums to 0xffff */
static bool tcp_ok(const uint8_t *p, size_t len)
{
  size_t ihl = (size_t)(p[0] & 15) * 4;
  if (sum16(p, ihl, 0) != 0xffff)
    return false;
  uint32_t acc = sum16(p + 12, 8, 0) + 6 + (uint32_t)(len - ihl);
  return sum16(p + ihl, len - ihl, acc) == 0xffff;
}

static size_t make_super(uint8_t *p, size_t payload, uint8_t flags)
{
  size_t total = 20 + 32 + payload;
  memset(p, 0, 52);
  p[0] = 0x45;
  p[2] = (uint8_t)(total >> 8);
  p[3] = (uint8_t)total;
  p[4] = 0x12;
  p[5] = 0x34;
  p[6] = 0x40; /* DF */
  p[8] = 64;
  p[9] = 6;
  memcpy(p + 12, (uint8_t[]){203, 0, 113, 1, 203, 0, 113, 2}, 8);
  uint8_t *t = p + 20;
  t[0] = 0x9c;
  t[1] = 0x40;
  t[2] = 0x14;
  t[3] = 0x51;
  memcpy(t + 4, (uint8_t[]){0xff, 0xff, 0xf0, 0x00}, 4); /* near the wrap */
  t[12] = 8 << 4;                                         /* 32-byte header (timestamps) */
  t[13] = flags;
  t[14] = 0x01;
  for (size_t i = 0; i < payload; i++)
    p[52 + i] = (uint8_t)(i * 7 + 3);
  return total;
}

typedef struct {
  uint8_t payload[70000];
  size_t got, n;
  uint32_t seq_expect;
  uint8_t flags[64];
  bool bad;
} collect_t;

static bool take(void *arg, const uint8_t *seg, size_t len)
{
  collect_t *c = arg;
  if (!tcp_ok(seg, len) || (size_t)(seg[2] << 8 | seg[3]) != len)
    c->bad = true;
  uint32_t seq = (uint32_t)seg[24] << 24 | (uint32_t)seg[25] << 16 | (uint32_t)seg[26] << 8 | seg[27];
  if (seq != c->seq_expect)
    c->bad = true;
  if ((uint16_t)(seg[4] << 8 | seg[5]) != (uint16_t)(0x1234 + c->n))
    c->bad = true;
  memcpy(c->payload + c->got, seg + 52, len - 52);
  c->got += len - 52;
  c->seq_expect = seq + (uint32_t)(len - 52);
  c->flags[c->n++ % 64] = seg[33];
  return true;
}

Test(gso, a_super_packet_becomes_valid_segments)
{
  static uint8_t pkt[70000], scratch[9216];
  static collect_t c;
  const size_t payload = 64000, mss = 1348;
  size_t len = make_super(pkt, payload, 0x18 | 0x01 | 0x80); /* PSH ACK FIN CWR */
  memset(&c, 0, sizeof c);
  c.seq_expect = 0xfffff000u;
  const char *why = NULL;
  int n = dp_tso_segment(pkt, len, mss, scratch, sizeof scratch, take, &c, &why);
  cr_assert_eq(n, (int)((payload + mss - 1) / mss), "%s", why ? why : "");
  cr_assert_not(c.bad, "a segment has a wrong checksum, length, ID or sequence number");
  cr_assert_eq(c.got, payload);
  cr_assert_eq(memcmp(c.payload, pkt + 52, payload), 0);
  cr_assert_eq(c.flags[0], 0x10 | 0x80, "first: ACK and CWR, no PSH/FIN");
  cr_assert_eq(c.flags[1], 0x10, "middle: ACK only");
  cr_assert_eq(c.flags[(n - 1) % 64], 0x18 | 0x01, "last: PSH, ACK, FIN, no CWR");
}

Test(gso, short_packet_is_one_segment_and_bad_ones_are_refused)
{
  static uint8_t pkt[2000], scratch[9216];
  static collect_t c;
  size_t len = make_super(pkt, 100, 0x10);
  memset(&c, 0, sizeof c);
  c.seq_expect = 0xfffff000u;
  const char *why = NULL;
  cr_assert_eq(dp_tso_segment(pkt, len, 1348, scratch, sizeof scratch, take, &c, &why), 1);
  cr_assert_not(c.bad);
  pkt[9] = 17; /* UDP */
  cr_assert_eq(dp_tso_segment(pkt, len, 1348, scratch, sizeof scratch, take, &c, &why), -1);
  cr_assert(strstr(why, "not TCP"), "%s", why);
  pkt[9] = 6;
  cr_assert_eq(dp_tso_segment(pkt, len - 1, 1348, scratch, sizeof scratch, take, &c, &why), -1, "truncated");
  cr_assert_eq(dp_tso_segment(pkt, len, 0, scratch, sizeof scratch, take, &c, &why), -1, "mss 0");
  cr_assert_eq(dp_tso_segment(pkt, len, 9200, scratch, sizeof scratch, take, &c, &why), -1, "mss beyond scratch");
  pkt[32] = 15 << 4; /* TCP header longer than the packet allows */
  cr_assert_eq(dp_tso_segment(pkt, 20 + 40, 1348, scratch, sizeof scratch, take, &c, &why), -1);
}

Test(gso, partial_checksums_are_completed)
{
  static uint8_t pkt[2000];
  size_t len = make_super(pkt, 333, 0x18);
  /* what the kernel leaves: the pseudo-header sum, not complemented */
  uint32_t acc = sum16(pkt + 12, 8, 0) + 6 + (uint32_t)(len - 20);
  while (acc >> 16)
    acc = (acc & 0xffff) + (acc >> 16);
  pkt[36] = (uint8_t)(acc >> 8);
  pkt[37] = (uint8_t)acc;
  pkt[10] = pkt[11] = 0;
  uint32_t ipsum = ~sum16(pkt, 20, 0) & 0xffff;
  pkt[10] = (uint8_t)(ipsum >> 8);
  pkt[11] = (uint8_t)ipsum;
  cr_assert(dp_csum_complete(pkt, len, 20, 16));
  cr_assert(tcp_ok(pkt, len));
  cr_assert_not(dp_csum_complete(pkt, len, 20, (unsigned)len));
  dp_vnet_hdr_t h;
  uint8_t raw[10] = {1, 1, 52, 0, 0x44, 0x05, 20, 0, 16, 0};
  cr_assert(dp_vnet_parse(raw, sizeof raw, &h));
  cr_assert(h.flags == 1 && h.gso_type == 1 && h.hdr_len == 52 && h.gso_size == 1348 && h.csum_start == 20 &&
            h.csum_offset == 16);
  cr_assert_not(dp_vnet_parse(raw, 9, &h));
}

/* Receive side: the segments of a super-packet join back into it, with a
 * GSO header the kernel accepts; anything that does not continue the flow
 * is refused and left for the caller to write alone. */
typedef struct {
  dp_gro_t *g;
  int joined, started;
} rejoin_t;

static bool rejoin(void *arg, const uint8_t *seg, size_t len)
{
  rejoin_t *r = arg;
  if (dp_gro_add(r->g, seg, len))
    r->joined++;
  else if (dp_gro_start(r->g, seg, len))
    r->started++;
  return true;
}

Test(gro, segments_join_back_into_the_super_packet)
{
  static uint8_t pkt[70000], scratch[9216], gbuf[10 + 65535];
  dp_gro_t g = {.buf = gbuf, .cap = 65535};
  const size_t payload = 60000, mss = 1348;
  size_t len = make_super(pkt, payload, 0x18); /* ACK PSH */
  rejoin_t r = {&g, 0, 0};
  const char *why;
  int n = dp_tso_segment(pkt, len, mss, scratch, sizeof scratch, rejoin, &r, &why);
  cr_assert_eq(r.started, 1);
  cr_assert_eq(r.joined, n - 1);
  cr_assert_eq(g.count, (unsigned)n);
  size_t wlen;
  const uint8_t *w = dp_gro_finish(&g, &wlen);
  cr_assert_eq(wlen, 10 + len);
  cr_assert_eq(w[0], 1, "NEEDS_CSUM");
  cr_assert_eq(w[1], 1, "GSO_TCPV4");
  cr_assert_eq(w[2] | w[3] << 8, 52);
  cr_assert_eq(w[4] | w[5] << 8, (int)mss);
  cr_assert_eq(w[6] | w[7] << 8, 20);
  cr_assert_eq(w[8] | w[9] << 8, 16);
  const uint8_t *p = w + 10;
  cr_assert_eq((size_t)(p[2] << 8 | p[3]), len);
  cr_assert_eq(sum16(p, 20, 0), 0xffff, "IP checksum");
  cr_assert_eq(p[33], 0x18, "PSH from the last segment");
  cr_assert_eq(memcmp(p + 52, pkt + 52, payload), 0);
  /* the partial checksum completes to a valid one */
  static uint8_t copy[70000];
  memcpy(copy, p, len);
  cr_assert(dp_csum_complete(copy, len, 20, 16));
  cr_assert(tcp_ok(copy, len));
  cr_assert_eq(g.len, 0, "finish empties the holder");
}

Test(gro, only_continuations_join)
{
  static uint8_t a[2000], b[2000], gbuf[10 + 65535];
  dp_gro_t g = {.buf = gbuf, .cap = 65535};
  size_t la = make_super(a, 1000, 0x10);
  cr_assert(dp_gro_start(&g, a, la));
  cr_assert_not(dp_gro_start(&g, a, la), "the holder is busy");
  size_t lb = make_super(b, 1000, 0x10);
  cr_assert_not(dp_gro_add(&g, b, lb), "same sequence number: not a continuation");
  uint32_t seq = 0xfffff000u + 1000;
  b[24] = (uint8_t)(seq >> 24), b[25] = (uint8_t)(seq >> 16), b[26] = (uint8_t)(seq >> 8), b[27] = (uint8_t)seq;
  b[15] ^= 1; /* another destination */
  cr_assert_not(dp_gro_add(&g, b, lb));
  b[15] ^= 1;
  b[33] = 0x11; /* FIN */
  cr_assert_not(dp_gro_add(&g, b, lb));
  b[33] = 0x10;
  b[44] ^= 0xff; /* options differ (e.g. another timestamp) */
  cr_assert_not(dp_gro_add(&g, b, lb));
  b[44] ^= 0xff;
  size_t lbig = make_super(b, 1001, 0x10); /* larger than the first segment */
  b[24] = (uint8_t)(seq >> 24), b[25] = (uint8_t)(seq >> 16), b[26] = (uint8_t)(seq >> 8), b[27] = (uint8_t)seq;
  cr_assert_not(dp_gro_add(&g, b, lbig));
  size_t lshort = make_super(b, 500, 0x10);
  b[24] = (uint8_t)(seq >> 24), b[25] = (uint8_t)(seq >> 16), b[26] = (uint8_t)(seq >> 8), b[27] = (uint8_t)seq;
  cr_assert(dp_gro_add(&g, b, lshort), "a shorter segment ends the run");
  cr_assert_not(dp_gro_add(&g, b, lshort), "nothing joins after a short segment");
  size_t wlen;
  dp_gro_finish(&g, &wlen);
  cr_assert_eq(wlen, 10 + la + 500);
  /* ICMP, a SYN, a fragment and a packet without payload are never held */
  uint8_t icmp[84] = {0x45, 0, 0, 84};
  icmp[9] = 1;
  cr_assert_not(dp_gro_start(&g, icmp, sizeof icmp));
  la = make_super(a, 10, 0x02);
  cr_assert_not(dp_gro_start(&g, a, la));
  la = make_super(a, 10, 0x10);
  a[6] |= 0x20;
  cr_assert_not(dp_gro_start(&g, a, la));
  la = make_super(a, 0, 0x10);
  cr_assert_not(dp_gro_start(&g, a, la));
  /* a lone packet is written as it was, behind an all-zero header */
  la = make_super(a, 10, 0x10);
  cr_assert(dp_gro_start(&g, a, la));
  const uint8_t *w = dp_gro_finish(&g, &wlen);
  cr_assert_eq(wlen, 10 + la);
  for (int i = 0; i < 10; i++)
    cr_assert_eq(w[i], 0);
  cr_assert_eq(memcmp(w + 10, a, la), 0);
}
