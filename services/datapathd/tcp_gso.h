/* TCP segmentation offload for the tunnel interfaces.  A TUN device opened
 * with IFF_VNET_HDR and TUN_F_TSO4 hands over TCP "super-packets" of up to
 * 64 KB with a virtio-net header, and packets whose checksum the kernel left
 * to us (TUN_F_CSUM).  Cutting them into MSS-sized segments here, after the
 * kernel's TCP stack ran once per 64 KB instead of once per 1.4 KB, is what
 * makes a userspace data path fast (the approach of WireGuard-go).  A codec:
 * no I/O, every length checked. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_VNET_HDR_LEN 10 /* struct virtio_net_hdr */

typedef struct dp_vnet_hdr {
  uint8_t flags;      /* VIRTIO_NET_HDR_F_NEEDS_CSUM */
  uint8_t gso_type;   /* VIRTIO_NET_HDR_GSO_NONE / _TCPV4 (| _ECN) */
  uint16_t hdr_len, gso_size, csum_start, csum_offset;
} dp_vnet_hdr_t;

/* Little-endian fields (TUNSETVNETLE, the x86 default). */
bool dp_vnet_parse(const uint8_t *p, size_t len, dp_vnet_hdr_t *h);

/* Completes a partial checksum in place: pkt[start+offset] holds the
 * pseudo-header sum, the checksum covers [start, len). */
bool dp_csum_complete(uint8_t *pkt, size_t len, unsigned start, unsigned offset);

/* Called per segment (seg valid during the call); false stops. */
typedef bool (*dp_seg_fn)(void *arg, const uint8_t *seg, size_t len);

/* Cuts an IPv4/TCP super-packet into segments of at most mss payload bytes,
 * each with its own IP ID, total length, sequence number, flags (FIN/PSH
 * only on the last, CWR only on the first) and full IP and TCP checksums,
 * built in scratch (≥ headers + mss bytes).  Returns the number of segments
 * emitted, or -1 with *why for a packet that is not a sane IPv4/TCP one. */
int dp_tso_segment(const uint8_t *pkt, size_t len, unsigned mss, uint8_t *scratch, size_t scratch_cap, dp_seg_fn emit,
                   void *arg, const char **why);

/* Receive coalescing, the reverse: consecutive in-order TCP segments of one
 * flow (decrypted from one batch) join into a single packet written to the
 * TUN device with a GSO virtio-net header, so the virtual router's TCP stack
 * also runs once per 64 KB.  Only plain data segments join: same addresses,
 * ports, TTL/TOS/DF, ACK number and options, sequence numbers that follow,
 * all of the first segment's size but the last; SYN/FIN/RST/URG never. */
typedef struct dp_gro {
  uint8_t *buf;        /* DP_VNET_HDR_LEN bytes of room, then the packet */
  size_t cap;          /* bytes the packet may grow to (≤ 65535) */
  size_t len;          /* packet bytes held, 0 = nothing held */
  size_t orig_bytes;   /* sum of the joined packets' lengths (counters) */
  unsigned count, mss, hdrs;
  uint32_t next_seq;
  bool closed;         /* a short or PSH segment ended the run */
} dp_gro_t;

/* Starts holding pkt (the holder must be empty).  False if pkt is not a
 * segment that others could join: the caller sends it alone. */
bool dp_gro_start(dp_gro_t *g, const uint8_t *pkt, size_t len);
/* Appends pkt's payload if it continues the held packet. */
bool dp_gro_add(dp_gro_t *g, const uint8_t *pkt, size_t len);
/* Fixes the held packet's headers, writes the virtio-net header in front and
 * returns what to write (header included); the holder is emptied. */
const uint8_t *dp_gro_finish(dp_gro_t *g, size_t *wlen);
