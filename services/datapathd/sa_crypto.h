/* Per-SA crypto state, prepared once when the SA is created: EVP cipher
 * contexts (one per direction, so neither re-keys per packet) and the keyed
 * HMAC context.  Packets only set an IV and run; this code allocates nothing
 * per packet.  (OpenSSL 3.0 itself still allocates twice inside each HMAC
 * re-init, EVP_MAC or EVP_MD alike; the cipher paths and GCM allocate nothing.)
 * One dp_sa_t belongs to one thread at a time. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "transforms.h"

typedef enum { DP_ENC_NONE, DP_ENC_NULL, DP_ENC_CBC, DP_ENC_GCM } dp_enc_mode_t;

/* One row per `enc` spelling of erx_transforms. */
typedef struct dp_cipher_info {
  const char *name;     /* erx_transform_info_t.enc */
  const char *evp;      /* EVP cipher name, NULL for none/null */
  dp_enc_mode_t mode;
  bool legacy;          /* needs OpenSSL's legacy provider */
  unsigned key_len;     /* cipher key only (GCM salt excluded) */
  unsigned salt_len;    /* RFC 4106 salt at the end of the key material */
  unsigned iv_len;      /* on the wire */
  unsigned block;       /* padding alignment of the ESP payload */
  unsigned icv_len;     /* AEAD tag, 0 otherwise */
} dp_cipher_info_t;

/* One row per `auth` spelling. */
typedef struct dp_mac_info {
  const char *name;
  const char *digest;
  unsigned key_len;
  unsigned icv_len;     /* truncated ICV (RFC 2403/2404/4868) */
} dp_mac_info_t;

const dp_cipher_info_t *dp_cipher_info(const char *name);
const dp_mac_info_t *dp_mac_info(const char *name);

#define DP_IV_POOL 256

typedef struct dp_sa {
  const erx_transform_info_t *xf;
  const dp_cipher_info_t *enc; /* never NULL for ESP (mode NONE for AH) */
  const dp_mac_info_t *mac;    /* NULL for AEAD or no authentication */
  uint32_t spi;
  unsigned iv_len, block, icv_len;
  EVP_CIPHER_CTX *ectx, *dctx;
  EVP_MAC_CTX *mac_ctx;
  uint8_t salt[4];
  uint64_t gcm_iv;             /* last explicit IV used: a counter, never repeats */
  uint8_t iv_pool[DP_IV_POOL]; /* CBC IVs drawn from RAND_bytes in batches */
  size_t iv_pool_pos;
} dp_sa_t;

/* Loads the "legacy" (single DES) and "default" providers once.  False only
 * when the default provider is missing; a missing legacy provider makes DES
 * SAs fail at creation instead. */
bool dp_crypto_init(char *err, size_t errlen);
bool dp_crypto_legacy_available(void);

/* Key lengths must be exactly those of the transform (GCM: key + 4-byte salt). */
dp_sa_t *dp_sa_new(const erx_transform_info_t *xf, uint32_t spi, const uint8_t *enc_key, size_t enc_key_len,
                   const uint8_t *auth_key, size_t auth_key_len, char *err, size_t errlen);
void dp_sa_free(dp_sa_t *sa);

/* Bytes ESP adds to an inner packet at most (header, IV, padding, trailer, ICV). */
size_t dp_sa_esp_overhead(const dp_sa_t *sa);

/* --- primitives used by the codecs (and the known-answer tests) --- */

/* CBC over whole blocks, in place allowed; len must be a multiple of the block. */
bool dp_cbc_crypt(dp_sa_t *sa, bool encrypt, const uint8_t *iv, const uint8_t *in, size_t len, uint8_t *out);
/* RFC 4106 nonce = salt | iv8.  open returns false on a tag mismatch. */
bool dp_gcm_seal(dp_sa_t *sa, const uint8_t iv8[8], const uint8_t *aad, size_t aad_len, const uint8_t *in,
                 size_t len, uint8_t *out, uint8_t tag[16]);
bool dp_gcm_open(dp_sa_t *sa, const uint8_t iv8[8], const uint8_t *aad, size_t aad_len, const uint8_t *in,
                 size_t len, uint8_t *out, const uint8_t tag[16]);
/* Next IV: random for CBC, the counter for GCM (false once exhausted). */
bool dp_next_iv(dp_sa_t *sa, uint8_t *iv);

/* HMAC in pieces, then the truncated ICV (sa->icv_len bytes, or the full
 * digest when full is set: for the known-answer tests). */
bool dp_mac_begin(dp_sa_t *sa);
bool dp_mac_update(dp_sa_t *sa, const uint8_t *p, size_t len);
bool dp_mac_end(dp_sa_t *sa, uint8_t *icv, bool full);

/* A MAC-only context with any key length (RFC 2202/4231 keys are 4..131 bytes). */
dp_sa_t *dp_sa_new_mac(const char *auth, const uint8_t *key, size_t key_len, char *err, size_t errlen);
/* A cipher-only context with just the cipher key (no salt); for the vectors. */
dp_sa_t *dp_sa_new_cipher(const char *enc, const uint8_t *key, size_t key_len, const uint8_t *salt, char *err,
                          size_t errlen);
