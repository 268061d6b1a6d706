/* Raw IP sockets for ESP (protocol 50) and AH (51) in a transport virtual
 * router, with batched I/O (recvmmsg/sendmmsg): the syscall count, not the
 * crypto, limits a userspace data path that does one packet per call. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_RAW_BATCH 64

typedef struct dp_raw {
  int fd;
  int proto;
  bool hdrincl; /* the caller writes the outer IPv4 header (AH computes its ICV over it) */
} dp_raw_t;

/* bind_addr host order (0: any).  Opened in the calling thread's namespace. */
int dp_raw_open(dp_raw_t *r, int proto, uint32_t bind_addr, bool hdrincl, char *err, size_t errlen);
/* A raw UDP socket that receives only ESP in UDP to port 4500 (RFC 3948)
 * and sends UDP header + ESP: ESP-in-UDP without binding the port iked uses
 * for IKE. */
int dp_raw_open_esp_in_udp(dp_raw_t *r, uint32_t bind_addr, char *err, size_t errlen);
void dp_raw_close(dp_raw_t *r);

/* Up to n (≤ DP_RAW_BATCH) datagrams, each a whole IPv4 packet (header
 * included, as raw sockets deliver them) into bufs[i] (cap bytes each).
 * Returns how many (0 if none waiting), -1 on error; lens[i] and srcs[i]
 * (host order) are set per packet.  A packet longer than cap is reported
 * with lens[i] = 0 (dropped as malformed by the caller). */
int dp_raw_recv(const dp_raw_t *r, uint8_t *const *bufs, size_t cap, size_t *lens, uint32_t *srcs, int n);
/* Sends n (≤ DP_RAW_BATCH) packets to dsts (host order): the protocol
 * payload, or with hdrincl the whole IPv4 packet.  Returns how many went out
 * (the rest could not, e.g. the socket buffer is full), -1 on error. */
int dp_raw_send(const dp_raw_t *r, const uint8_t *const *bufs, const size_t *lens, const uint32_t *dsts, int n);
