/* IKEv1's PRF (HMAC with the negotiated hash, RFC 2409 §5 and Appendix A) and
 * the plain hash used for IVs (Appendix B), over a list of byte strings so
 * that callers never build concatenation buffers.  Stateless: any thread. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Values are those of erx.cfg IkeHash (proto/config.proto). */
typedef enum { IKE_HASH_SHA1 = 0, IKE_HASH_MD5 = 1, IKE_HASH_SHA256 = 2 } ike_hash_t;

#define IKE_MAX_HASH 32 /* the longest digest (SHA2-256) */

/* One piece of a concatenation; len 0 pieces are skipped. */
typedef struct ike_chunk {
  const uint8_t *p;
  size_t len;
} ike_chunk_t;
#define IKE_CHUNK(ptr, n) ((ike_chunk_t){(const uint8_t *)(ptr), (n)})

/* Digest length in bytes (16, 20, 32), 0 for an unknown value. */
size_t ike_hash_len(ike_hash_t h);
/* "md5", "sha1", "sha2-256"; "?" for an unknown value. */
const char *ike_hash_name(ike_hash_t h);

/* out (ike_hash_len bytes) = prf(key, parts[0] | parts[1] | ...). */
bool ike_prf(ike_hash_t h, const uint8_t *key, size_t key_len, const ike_chunk_t *parts, size_t n, uint8_t *out);
/* out (ike_hash_len bytes) = hash(parts[0] | parts[1] | ...). */
bool ike_hash(ike_hash_t h, const ike_chunk_t *parts, size_t n, uint8_t *out);
