/* RFC 3948 UDP encapsulation of ESP, for NAT traversal: ESP and IKE share
 * UDP port 4500 (RFC 3947), told apart by their first bytes.  A codec only:
 * the UDP socket belongs to whoever owns port 4500 (the IKE issue steers
 * IKE and ESP datagrams to iked and datapathd). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_NATT_PORT 4500
#define DP_UDP_HDR 8

typedef enum {
  DP_UDP_ESP = 0,     /* a non-zero SPI: an ESP packet follows the UDP header */
  DP_UDP_IKE,         /* the 4-byte non-ESP marker (zero), then an IKE message */
  DP_UDP_KEEPALIVE,   /* the single byte 0xFF (RFC 3948 §2.3) */
  DP_UDP_MALFORMED,
} dp_udp_kind_t;

/* payload: the UDP payload (after the 8-byte header). */
dp_udp_kind_t dp_udp_classify(const uint8_t *payload, size_t len, const char **why);

/* pkt: a UDP header and its payload.  On DP_UDP_ESP, *esp and *esp_len give the
 * ESP packet, *sport and *dport the ports (host order), which the SA must match. */
dp_udp_kind_t dp_udp_decap(const uint8_t *pkt, size_t len, const uint8_t **esp, size_t *esp_len, uint16_t *sport,
                           uint16_t *dport, const char **why);

/* Writes the 8-byte UDP header in front of an ESP packet of esp_len bytes.
 * The checksum is zero, as RFC 3948 §3.1 allows over IPv4 (ESP has its own
 * integrity).  False if the length does not fit a UDP datagram. */
bool dp_udp_encap_hdr(uint8_t out[DP_UDP_HDR], uint16_t sport, uint16_t dport, size_t esp_len);
