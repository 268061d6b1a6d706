/* The known answers of gen_vectors.py (ike_vectors.inc), computed in Python
 * from the RFCs and independently of the code under test. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
  const uint8_t *p;
  size_t len;
} ikv_bytes_t;
#define IKV_BYTES(...) {(const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})}

/* Common inputs of every derivation */
extern const ikv_bytes_t ikv_psk, ikv_ni, ikv_nr, ikv_cky_i, ikv_cky_r, ikv_sai_b, ikv_idii_b, ikv_idir_b,
    ikv_qm_rest, ikv_info_rest, ikv_spi_i, ikv_spi_r;
extern const uint32_t ikv_mid;
extern const size_t ikv_keymat_len;

/* Per DH group: sha256 of the prime rebuilt from its pi formula, fixed
 * private values of both sides, their public values and g^xy (the private
 * values are chosen so that g^xi and g^xy have a leading zero byte). */
typedef struct {
  unsigned id;
  size_t len;
  unsigned priv_bits;
  ikv_bytes_t prime_sha256, xi, xr, gxi, gxr, gxy;
} ikv_group_t;
extern const ikv_group_t ikv_groups[];
extern const size_t ikv_group_count;

/* Per (hash, group): everything derived from that group's g^xy. */
typedef struct {
  unsigned hash, group;
  ikv_bytes_t skeyid, skeyid_d, skeyid_a, skeyid_e;
  ikv_bytes_t enc_key[5]; /* by ike_enc_t */
  ikv_bytes_t hash_i, hash_r;
  ikv_bytes_t iv8, iv16; /* phase-1 IV for 8- and 16-byte blocks */
  ikv_bytes_t qm_hash1, qm_hash2, qm_hash3, info_hash;
  ikv_bytes_t keymat_esp_i; /* ESP, SPI spi_i, no PFS */
  ikv_bytes_t keymat_esp_r; /* ESP, SPI spi_r, no PFS */
  ikv_bytes_t keymat_pfs;   /* ESP, SPI spi_i, g(qm)^xy = this group's g^xy */
  ikv_bytes_t keymat_ah_r;  /* AH, SPI spi_r, no PFS */
} ikv_phase1_t;
extern const ikv_phase1_t ikv_phase1[];
extern const size_t ikv_phase1_count;

/* Per (hash, cipher), group 2's keys: main-mode messages 5 and 6 chained
 * from the phase-1 IV, then a quick mode's first message whose IV is
 * hash(last block of message 6 | M-ID). */
typedef struct {
  unsigned hash, enc;
  ikv_bytes_t key, iv1;
  ikv_bytes_t clear[3], cipher[3];
  ikv_bytes_t iv3;
} ikv_cbc_t;
extern const ikv_cbc_t ikv_cbc[];
extern const size_t ikv_cbc_count;

/* got (want.len bytes) equals want */
#define IKV_SAME(got, want) ((want).len && memcmp((got), (want).p, (want).len) == 0)
