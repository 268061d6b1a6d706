/* Encryption of IKEv1 messages after the ISAKMP header (RFC 2408 §3.1 E
 * flag, RFC 2409 Appendix B): DES, 3DES and AES-CBC with the IV chaining of
 * ike_iv.h.  The EVP context is keyed once per ISAKMP SA; each message only
 * sets its IV.  An ike_cipher_t belongs to one thread at a time.
 *
 * Padding: the cleartext is padded with zero bytes to the next block
 * boundary (none when already aligned).  That is what the peers we test
 * against send: strongSwan zeros (1 to a whole block), Libreswan zeros (0
 * to block-1); neither writes a pad-length byte nor reads one, as the
 * payload chain (each generic header's length, next payload 0 at the end)
 * says where the data ends.  So decryption returns all the blocks and the
 * codec ignores what follows the last payload. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_iv.h"

/* Values are those of erx.cfg IkeEncryption (proto/config.proto). */
typedef enum {
  IKE_ENC_3DES = 0,
  IKE_ENC_DES = 1,
  IKE_ENC_AES128 = 2,
  IKE_ENC_AES192 = 3,
  IKE_ENC_AES256 = 4,
} ike_enc_t;

/* Key and block sizes in bytes, 0 for an unknown value. */
size_t ike_enc_key_len(ike_enc_t e);
size_t ike_enc_block(ike_enc_t e);
/* "3des-cbc", "des-cbc", "aes128-cbc", ...; "?" for an unknown value. */
const char *ike_enc_name(ike_enc_t e);

typedef struct ike_cipher ike_cipher_t;

/* key_len must be ike_enc_key_len(e).  DES needs OpenSSL's legacy provider
 * (loaded here through common/ossl_providers). */
ike_cipher_t *ike_cipher_new(ike_enc_t e, const uint8_t *key, size_t key_len, char *err, size_t errlen);
/* Clears and frees (NULL is fine). */
void ike_cipher_free(ike_cipher_t *c);

size_t ike_cipher_block(const ike_cipher_t *c);
/* Ciphertext length for len bytes of cleartext. */
size_t ike_cipher_padded_len(const ike_cipher_t *c, size_t len);

/* Pads and encrypts len bytes of in into out (out == in is allowed; out
 * must hold ike_cipher_padded_len bytes); *out_len is the ciphertext length
 * and *next the IV for the exchange's next message. */
bool ike_cipher_encrypt(ike_cipher_t *c, const ike_iv_t *iv, const uint8_t *in, size_t len, uint8_t *out,
                        size_t out_cap, size_t *out_len, ike_iv_t *next, char *err, size_t errlen);
/* Decrypts len bytes (a whole number of blocks, at least one) of in into
 * out (len bytes, out == in allowed); *next is the exchange's next IV, to
 * be committed only once the message is authenticated. */
bool ike_cipher_decrypt(ike_cipher_t *c, const ike_iv_t *iv, const uint8_t *in, size_t len, uint8_t *out,
                        ike_iv_t *next, char *err, size_t errlen);
