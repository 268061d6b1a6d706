/* IKEv1 informational exchange (RFC 2408 §4.8, RFC 2409 §5.7) over an
 * established ISAKMP SA, without I/O: bytes in, bytes out.  It carries
 * delete notifications (RFC 2408 §3.15), RFC 3706 dead peer detection
 * (R-U-THERE / R-U-THERE-ACK) and the other notifies after phase 1.
 *
 *   HDR*, HASH(1), D      ike_info_delete
 *   HDR*, HASH(1), N      ike_info_notify, ike_info_dpd
 *   HDR, N                ike_info_clear_notify (INVALID-COOKIE, no SA)
 *
 * HDR* is exchange type 5 with flag E and a fresh random non-zero M-ID;
 * HASH(1) = prf(SKEYID_a, M-ID | everything after the HASH payload), the
 * cipher's zero padding excluded.  The IV of the (one) message is
 * hash(last phase-1 CBC block | M-ID), as ike_iv_state derives it for any
 * new M-ID.  An informational exchange is a single message, so it never
 * takes an IV slot of the ISAKMP SA: a slot would only be forgotten at
 * once, and taking one when all are busy evicts a quick mode's chain.
 * Sending or receiving one thus leaves sa->iv as it was.
 *
 * DOI 1 (IPsec) on what we build, as strongSwan and Libreswan send it;
 * DOI 0 or 1 accepted.  One thread at a time per ISAKMP SA.  Nothing here
 * logs; reasons are for the caller's log and never contain keys. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isakmp.h" /* wire values: protocols, notify types */

#include "ike_p1sa.h"

#define IKE_INFO_MSG_MAX 512   /* a message we build */
#define IKE_INFO_IN_MAX 4096   /* the longest message ike_info_parse accepts */
#define IKE_INFO_MAX_SPIS 16   /* SPIs in one delete payload, built or parsed */
#define IKE_INFO_MAX_DELETES 4 /* delete payloads in one parsed message */
#define IKE_INFO_MAX_NOTIFIES 4
#define IKE_INFO_SPI_ISAKMP 16 /* an ISAKMP SA's SPI: icookie | rcookie */

typedef struct ike_info_err {
  char reason[256];
} ike_info_err_t;

/* Encrypted (HDR*, HASH(1), D) with a fresh random M-ID (RAND_bytes, never 0).
 * proto ISAKMP_PROTO_ISAKMP: spis ignored, the SPI is icookie|rcookie (16 bytes);
 * proto ESP/AH: n 4-byte SPIs (network order on the wire). Returns the length, 0 with err. */
size_t ike_info_delete(ike_p1sa_t *sa, uint8_t proto, const uint32_t *spis, size_t n, uint8_t *out, size_t cap,
                       ike_info_err_t *err);
/* Encrypted (HDR*, HASH(1), N): type, protocol, SPI bytes (0..16) and data.
 * The protocol and SPI size must agree as the codec requires (0 and none,
 * ISAKMP and 0 or 16, AH/ESP and 4). */
size_t ike_info_notify(ike_p1sa_t *sa, uint16_t type, uint8_t proto, const uint8_t *spi, size_t spi_len,
                       const uint8_t *data, size_t data_len, uint8_t *out, size_t cap, ike_info_err_t *err);
/* DPD convenience: R-U-THERE (ack=false) or R-U-THERE-ACK with seq
 * (RFC 3706: protocol ISAKMP, SPI = the cookies, data = seq big-endian). */
size_t ike_info_dpd(ike_p1sa_t *sa, bool ack, uint32_t seq, uint8_t *out, size_t cap, ike_info_err_t *err);
/* Cleartext notify (HDR, N), M-ID 0, not encrypted: for INVALID-COOKIE
 * (RFC 2408 §3.14.1: the header's cookies are those of the offending message,
 * the SPI is icookie|rcookie).  0 when cap is too small. */
size_t ike_info_clear_notify(const uint8_t icookie[8], const uint8_t rcookie[8], uint16_t type, uint8_t *out,
                             size_t cap);

/* A delete payload.  ESP/AH: spis[0..nspis) in host order.  ISAKMP:
 * nspis counts the 16-byte SPIs (spis is not filled) and
 * isakmp_cookies_match says whether one of them is this SA's cookies. */
typedef struct ike_info_delete_pl {
  uint8_t proto;
  size_t nspis;
  uint32_t spis[IKE_INFO_MAX_SPIS];
  bool isakmp_cookies_match;
} ike_info_delete_pl_t;

/* A notify payload.  Data beyond sizeof data is authenticated but not
 * kept: data holds the first bytes and data_truncated is set. */
typedef struct ike_info_notify_pl {
  uint16_t type;
  uint8_t proto;
  uint8_t spi[16];
  size_t spi_len;
  uint8_t data[64];
  size_t data_len;
  bool data_truncated;
} ike_info_notify_pl_t;

/* The payloads of one message in the order they came. */
typedef struct ike_info_msg {
  uint32_t msgid;
  size_t ndeletes;
  ike_info_delete_pl_t deletes[IKE_INFO_MAX_DELETES];
  size_t nnotifies;
  ike_info_notify_pl_t notifies[IKE_INFO_MAX_NOTIFIES];
} ike_info_msg_t;

/* An encrypted informational message on this SA (the caller matched the cookies
 * and exchange type 5): decrypts with the IV for its M-ID, checks HASH(1) first
 * and that it is the first payload, parses every delete and notify. A refused
 * message changes nothing; an authenticated one leaves no IV chain behind
 * either (an informational exchange is one message, see above). 0 ok, -1
 * with a precise reason (truncated, bad padding, hash mismatch, payload not
 * allowed here...).
 *
 * Refused besides: a header that is not informational, encrypted, of these
 * cookies, or has M-ID 0 or the M-ID of an exchange in progress (RFC 2409
 * §5.7 wants its own); more than IKE_INFO_IN_MAX bytes; padding longer than
 * a block; a HASH payload with a non-zero RESERVED byte (the one byte of
 * the chain HASH(1) cannot cover); payloads other than one HASH (first), N
 * and D, or none of the last two; more deletes, notifies or SPIs than the
 * caps above; a delete of a protocol other than ISAKMP, AH or ESP.
 * Duplicates of a message are the caller's to recognise (the same M-ID
 * parses again). */
int ike_info_parse(ike_p1sa_t *sa, const uint8_t *msg, size_t len, ike_info_msg_t *out, ike_info_err_t *err);

/* The IV an informational message with M-ID mid is encrypted under:
 * hash(last phase-1 CBC block | M-ID).  False for M-ID 0 and for the M-ID
 * of an exchange whose IV chain sa->iv keeps (a quick mode in progress). */
bool ike_info_iv(const ike_p1sa_t *sa, uint32_t mid, ike_iv_t *iv);

/* Whether n is an RFC 3706 R-U-THERE (*ack false) or R-U-THERE-ACK (true)
 * about this SA: protocol ISAKMP, the SA's cookies as SPI, 4 bytes of
 * sequence number (then in *seq). */
bool ike_info_is_dpd(const ike_p1sa_t *sa, const ike_info_notify_pl_t *n, bool *ack, uint32_t *seq);
