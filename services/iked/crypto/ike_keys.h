/* IKEv1 key derivation with pre-shared keys (RFC 2409 §5, §5.4, §5.5,
 * Appendix B): the SKEYID family, the ISAKMP SA's encryption key, HASH_I /
 * HASH_R, the quick-mode and informational hashes, and KEYMAT for ESP/AH.
 *
 * Inputs are the payload bodies as sent (without generic payload headers:
 * the RFC's "_b" values).  Outputs are ike_hash_len(k->hash) bytes unless
 * stated otherwise.  Pure functions: any thread. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_prf.h"
#include "transforms.h"

#define IKE_COOKIE_LEN 8
#define IKE_NONCE_MIN 8   /* RFC 2409 §5: nonces are 8 to 256 bytes */
#define IKE_NONCE_MAX 256

typedef struct ike_p1_keys {
  ike_hash_t hash; /* the negotiated hash: PRF = HMAC with it */
  size_t len;      /* bytes of each value below */
  uint8_t skeyid[IKE_MAX_HASH];
  uint8_t skeyid_d[IKE_MAX_HASH]; /* derives KEYMAT */
  uint8_t skeyid_a[IKE_MAX_HASH]; /* authenticates phase-2 / informational messages */
  uint8_t skeyid_e[IKE_MAX_HASH]; /* source of the ISAKMP SA's encryption key */
} ike_p1_keys_t;

typedef struct ike_p1_in {
  ike_hash_t hash;
  const uint8_t *psk;
  size_t psk_len;
  const uint8_t *ni, *nr; /* Ni_b, Nr_b */
  size_t ni_len, nr_len;
  const uint8_t *gxy; /* the DH secret, padded to the prime's length */
  size_t gxy_len;
  const uint8_t *cky_i, *cky_r; /* IKE_COOKIE_LEN bytes each */
} ike_p1_in_t;

/* SKEYID = prf(psk, Ni_b | Nr_b); SKEYID_d, _a, _e as in RFC 2409 §5.
 * Refuses an unknown hash, an empty key, nonces outside 8..256 bytes, an
 * empty g^xy or missing cookies, with the reason in err. */
bool ike_p1_derive(const ike_p1_in_t *in, ike_p1_keys_t *out, char *err, size_t errlen);
/* Zeroes every key (call when the ISAKMP SA goes). */
void ike_p1_keys_clear(ike_p1_keys_t *k);

/* The ISAKMP SA's encryption key of key_len bytes (RFC 2409 Appendix B):
 * the first key_len bytes of SKEYID_e when it is long enough, otherwise of
 * K1 | K2 | ... with K1 = prf(SKEYID_e, 0x00) and K(n+1) = prf(SKEYID_e, Kn). */
bool ike_p1_enc_key(const ike_p1_keys_t *k, uint8_t *key, size_t key_len);

/* What HASH_I and HASH_R cover besides SKEYID. */
typedef struct ike_p1_auth_in {
  const uint8_t *gxi, *gxr; /* both public values, gx_len bytes each */
  size_t gx_len;
  const uint8_t *cky_i, *cky_r;
  const uint8_t *sai_b; /* the initiator's SA payload body */
  size_t sai_len;
  const uint8_t *id_b; /* IDii_b for HASH_I, IDir_b for HASH_R */
  size_t id_len;
} ike_p1_auth_in_t;

/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) */
bool ike_hash_i(const ike_p1_keys_t *k, const ike_p1_auth_in_t *in, uint8_t *out);
/* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) */
bool ike_hash_r(const ike_p1_keys_t *k, const ike_p1_auth_in_t *in, uint8_t *out);

/* Quick mode (RFC 2409 §5.5); `rest` is the message after the HASH payload,
 * from the next payload's generic header to the end (padding excluded). */
/* HASH(1) = prf(SKEYID_a, M-ID | rest) */
bool ike_qm_hash1(const ike_p1_keys_t *k, uint32_t mid, const uint8_t *rest, size_t rest_len, uint8_t *out);
/* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest) */
bool ike_qm_hash2(const ike_p1_keys_t *k, uint32_t mid, const uint8_t *ni, size_t ni_len, const uint8_t *rest,
                  size_t rest_len, uint8_t *out);
/* HASH(3) = prf(SKEYID_a, 0x00 | M-ID | Ni_b | Nr_b) */
bool ike_qm_hash3(const ike_p1_keys_t *k, uint32_t mid, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
                  size_t nr_len, uint8_t *out);
/* Informational exchange (RFC 2409 §5.7): prf(SKEYID_a, M-ID | rest) */
bool ike_info_hash(const ike_p1_keys_t *k, uint32_t mid, const uint8_t *rest, size_t rest_len, uint8_t *out);

/* RFC 2407 §4.4.1 protocol identifiers, as KEYMAT uses them */
enum { IKE_PROTO_AH = 2, IKE_PROTO_ESP = 3 };

/* One SA's KEYMAT inputs.  The SPI decides the direction: the keys of the SA
 * we receive on use the SPI we chose, the keys of the SA we send on use the
 * SPI the peer chose; everything else is the same for both. */
typedef struct ike_keymat_in {
  const uint8_t *gqm; /* the quick-mode DH secret with PFS, NULL without */
  size_t gqm_len;
  const uint8_t *spi; /* 4 bytes, network order */
  const uint8_t *ni, *nr;
  size_t ni_len, nr_len;
} ike_keymat_in_t;

/* len bytes of K1 | K2 | ... with
 *   K1     = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 *   K(n+1) = prf(SKEYID_d, Kn | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b) */
bool ike_keymat(const ike_p1_keys_t *k, uint8_t protocol, const ike_keymat_in_t *in, uint8_t *out, size_t len,
                char *err, size_t errlen);

#define IKE_CHILD_ENC_MAX 36 /* AES-256-GCM key + 4-byte salt */
#define IKE_CHILD_AUTH_MAX 32

/* The keys of one ESP or AH SA of transform xf, taken from its KEYMAT in
 * order: encryption key first (for AES-GCM followed by the 4-byte salt,
 * RFC 4106 §8.1), then the authentication key (RFC 2401 / 4301). */
typedef struct ike_child_keys {
  uint8_t enc[IKE_CHILD_ENC_MAX];
  size_t enc_len;
  uint8_t auth[IKE_CHILD_AUTH_MAX];
  size_t auth_len;
} ike_child_keys_t;

bool ike_child_keys(const ike_p1_keys_t *k, const erx_transform_info_t *xf, const ike_keymat_in_t *in,
                    ike_child_keys_t *out, char *err, size_t errlen);
void ike_child_keys_clear(ike_child_keys_t *ck);
