/* Sample IKEv1 messages built with the codec's builder, shared by the unit
 * tests and the fuzzer's seed corpus. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* RFC 3706 DPD and RFC 3947 NAT-T vendor IDs */
extern const uint8_t sample_vid_dpd[16];
extern const uint8_t sample_vid_nat_t[16];

/* Main mode, first message, as strongSwan sends it: SA (one proposal,
 * 3DES/SHA/PSK/group 2/28800 s) and the DPD and NAT-T vendor IDs.  The
 * exact bytes are sample_mm1_bytes (sample_mm1_len). */
extern const uint8_t sample_mm1_bytes[];
extern const size_t sample_mm1_len;
size_t sample_mm1(uint8_t *buf, size_t cap);

/* Quick mode as it looks decrypted: HASH, SA (ESP AES-CBC-128/SHA1 and
 * 3DES/MD5 with a kilobyte lifetime, plus an AH proposal ANDed with the
 * first), NONCE, KE, two IDs (subnets). */
size_t sample_quick(uint8_t *buf, size_t cap);
/* Aggressive mode, first message: SA, KE, NONCE, ID (FQDN), VID, NAT-D x2. */
size_t sample_aggressive(uint8_t *buf, size_t cap);
/* Informational: HASH, N (R-U-THERE with the cookies and a sequence
 * number), D (two ESP SPIs), N (INITIAL-CONTACT). */
size_t sample_info(uint8_t *buf, size_t cap);
/* Every sample: name and builder, NULL-terminated. */
typedef struct {
  const char *name;
  size_t (*build)(uint8_t *buf, size_t cap);
} sample_t;
extern const sample_t samples[];

#include "isakmp_codec.h"
/* Parses a cleartext message, decodes every payload and builds it again
 * into out: the length written, or 0 with *e set if in is refused. */
size_t sample_rebuild(const uint8_t *in, size_t len, uint8_t *out, size_t cap, isakmp_error_t *e);
