/* The few IPv4 header facts the codecs need; no options are ever written. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_IPV4_HDR 20

/* Version 4, IHL >= 5 and within len, total length >= IHL and <= len.
 * *total gets the header's total length (TFC padding may follow it). */
bool dp_ipv4_sane(const uint8_t *p, size_t len, size_t *total);
uint16_t dp_ipv4_checksum(const uint8_t *hdr, size_t len);
