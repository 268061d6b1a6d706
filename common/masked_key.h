/* Masked secrets: how pre-shared keys and session keys are stored and shown.
 *
 * masked = base64( be32 ciphertext length | be32 format version (1) |
 *                  be32 algorithm (1 = AES-256-GCM) | be32 key id |
 *                  12-byte nonce | ciphertext | 16-byte tag )
 * encrypted under the installation's master key (32 random bytes in
 * <state dir>/master.key, mode 0600, created on first use); the 16-byte
 * header is the AEAD's additional data.  key id = first 4 bytes of
 * SHA-256(master key), so a key masked by another installation is told apart
 * from a tampered one. */
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef struct erx_masker erx_masker_t;

erx_masker_t *erx_masker_open(const char *state_dir, char *err, size_t errlen);
void erx_masker_destroy(erx_masker_t **m_p);

/* Returns a malloc'd NUL-terminated base64 string, or NULL. */
char *erx_mask(const erx_masker_t *m, const uint8_t *secret, size_t len);
/* Returns a malloc'd secret (caller OPENSSL_cleanse + free) of *len bytes, or
 * NULL with a precise reason: "not base64", "too short to be a masked key",
 * "unknown masked-key format version N", "masked by another installation",
 * "masked key is damaged or was altered". */
uint8_t *erx_unmask(const erx_masker_t *m, const char *masked, size_t *len, char *err, size_t errlen);
