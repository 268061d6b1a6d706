/* RFC 4303 ESP, tunnel mode, IPv4 inner packets (next header 4).  No I/O, no
 * logging, no allocation: buffers are the caller's. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_drop.h"
#include "sa_crypto.h"

#define DP_NH_IPV4 4

/* out = SPI | seq | IV | E(inner | 1,2,3.. | pad len | 4) | ICV.  False when
 * out_cap is too small, the GCM IV counter is exhausted or the cipher fails. */
bool dp_esp_encap(dp_sa_t *sa, uint32_t seq, const uint8_t *inner, size_t inner_len, uint8_t *out,
                  size_t out_cap, size_t *out_len);

/* Lengths, then integrity, then decryption, padding, next header and the
 * inner IPv4 header.  On DP_OK out holds the inner packet (out_len bytes) and
 * *seq the sequence number, which the caller checks against its replay
 * window (checked before, updated only after DP_OK).  *why is a static
 * message for the drop.  out_cap must hold the ciphertext length. */
dp_drop_t dp_esp_decap(dp_sa_t *sa, const uint8_t *pkt, size_t len, uint8_t *out, size_t out_cap, size_t *out_len,
                       uint32_t *seq, const char **why);

/* SPI and sequence number of any ESP packet (≥ 8 bytes), before SA lookup. */
bool dp_esp_peek(const uint8_t *pkt, size_t len, uint32_t *spi, uint32_t *seq);
