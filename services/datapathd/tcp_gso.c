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

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t acc)
{
  while (len > 1) {
    acc += (uint32_t)p[0] << 8 | p[1];
    p += 2;
    len -= 2;
  }
  if (len)
    acc += (uint32_t)p[0] << 8;
  return acc;
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
