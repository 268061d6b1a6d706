/* RFC 4302 AH, tunnel mode over an outer IPv4 header without options. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_drop.h"
#include "sa_crypto.h"

typedef struct dp_ah_outer {
  uint32_t src, dst; /* host order */
  uint8_t ttl;
  uint16_t id;
} dp_ah_outer_t;

/* out = IPv4(proto 51) | AH(next header 4, SPI, seq, ICV) | inner. */
bool dp_ah_encap(dp_sa_t *sa, uint32_t seq, const dp_ah_outer_t *outer, const uint8_t *inner, size_t inner_len,
                 uint8_t *out, size_t out_cap, size_t *out_len);

/* pkt starts at the outer IPv4 header.  The ICV covers the outer header with
 * TOS, flags/fragment offset, TTL and checksum zeroed, the AH header with its
 * ICV zeroed, and the inner packet.  On DP_OK out holds the inner packet. */
dp_drop_t dp_ah_decap(dp_sa_t *sa, const uint8_t *pkt, size_t len, uint8_t *out, size_t out_cap, size_t *out_len,
                      uint32_t *seq, const char **why);
