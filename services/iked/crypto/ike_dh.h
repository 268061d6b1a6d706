/* Oakley/MODP Diffie-Hellman for IKEv1: groups 1 and 2 (RFC 2409 §6.1-6.2),
 * 5 and 14 (RFC 3526 §2-3), generator 2, through OpenSSL's EVP_PKEY.
 *
 * Values on the wire and secrets are big-endian and exactly as long as the
 * prime (RFC 2409 §5: g^xy is padded with leading zeros).  No global
 * mutable state: an ike_dh_t belongs to one thread at a time, different
 * ones may be used by different threads (DH runs in helper threads). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_DH_MAX_LEN 256 /* bytes of the largest prime (group 14) */

typedef struct ike_dh_group {
  unsigned id;          /* IKE group number: 1, 2, 5, 14 */
  const char *name;     /* "modp768", ... (for logs and show commands) */
  size_t len;           /* bytes of the prime, of public values and of g^xy */
  const uint8_t *prime; /* big-endian, len bytes */
  unsigned priv_bits;   /* size of the private exponents we generate */
} ike_dh_group_t;

/* The group with that IKE number, or NULL. */
const ike_dh_group_t *ike_dh_group(unsigned id);

typedef struct ike_dh ike_dh_t;

/* A fresh key pair in group `id`.  NULL with a reason in err on failure. */
ike_dh_t *ike_dh_new(unsigned id, char *err, size_t errlen);
/* The key pair whose private exponent is priv (big-endian, 1 < x < p-1);
 * for known-answer tests and vectors. */
ike_dh_t *ike_dh_from_private(unsigned id, const uint8_t *priv, size_t priv_len, char *err, size_t errlen);
/* Clears and frees (NULL is fine). */
void ike_dh_free(ike_dh_t *dh);

const ike_dh_group_t *ike_dh_group_of(const ike_dh_t *dh);
/* Our public value g^x, group->len bytes (valid until ike_dh_free). */
const uint8_t *ike_dh_public(const ike_dh_t *dh);
/* Bit length of our private exponent (tests and diagnostics), 0 on error. */
unsigned ike_dh_private_bits(const ike_dh_t *dh);

/* Checks a peer's public value: exactly group->len bytes and 1 < y < p-1
 * (RFC 2631 §2.1.5's range; y = 1 or p-1 would force a known secret).
 * False with the exact reason in err. */
bool ike_dh_check_peer(const ike_dh_group_t *g, const uint8_t *y, size_t len, char *err, size_t errlen);

/* g^xy from the peer's public value (checked as above) into out, which must
 * hold group->len bytes; the result is always exactly group->len bytes. */
bool ike_dh_shared(const ike_dh_t *dh, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t out_cap,
                   char *err, size_t errlen);
