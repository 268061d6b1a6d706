/* Helpers shared by the datapath tests: hex vectors, SAs with fixed keys,
 * inner IPv4 packets. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "sa_crypto.h"

/* Decodes hex (spaces allowed) into out; returns the byte count. */
size_t dpt_unhex(const char *hex, uint8_t *out, size_t cap);
/* An SA for transform xf with keys derived from seed, so two calls with the
 * same seed give the two ends of one tunnel. */
dp_sa_t *dpt_sa(const erx_transform_info_t *xf, uint32_t spi, uint8_t seed);
/* A valid IPv4/ICMP-ish packet of len bytes (len >= 20). */
void dpt_inner(uint8_t *p, size_t len, uint8_t fill);
