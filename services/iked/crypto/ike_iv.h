/* IKEv1 CBC IVs (RFC 2409 Appendix B).
 *
 *  - phase 1: IV = hash(g^xi | g^xr), truncated to the cipher's block;
 *  - each later message of an exchange: the last ciphertext block of the
 *    previous message of that exchange (sent or received);
 *  - the first message of each phase-2 (quick mode) or informational
 *    exchange: hash(last phase-1 CBC block | M-ID), truncated.
 *
 * The phase-1 chain is never advanced by phase-2 or informational traffic,
 * and each exchange (M-ID) keeps its own chain.  ike_iv_state_t tracks all
 * of that for one ISAKMP SA. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_prf.h"

#define IKE_MAX_BLOCK 16

typedef struct ike_iv {
  uint8_t b[IKE_MAX_BLOCK];
  size_t len; /* the cipher's block size */
} ike_iv_t;

/* hash(g^xi | g^xr) truncated to block bytes. */
bool ike_iv_phase1(ike_hash_t h, size_t block, const uint8_t *gxi, const uint8_t *gxr, size_t gx_len,
                   ike_iv_t *out);
/* hash(p1_last | M-ID) truncated to p1_last->len bytes. */
bool ike_iv_phase2(ike_hash_t h, const ike_iv_t *p1_last, uint32_t mid, ike_iv_t *out);
/* iv becomes the last block of a message's ciphertext (ct_len >= iv->len). */
void ike_iv_chain(ike_iv_t *iv, const uint8_t *ct, size_t ct_len);

/* Exchanges in flight at once (quick modes, informational) per ISAKMP SA;
 * beyond that the least recently used one is forgotten (its next message
 * then fails to decrypt, and its negotiation is retried). */
#define IKE_IV_EXCHANGES 16

typedef struct ike_iv_state {
  ike_hash_t hash;
  ike_iv_t phase1; /* M-ID 0; after phase 1 its last CBC block */
  struct {
    uint32_t mid; /* 0 = free slot */
    uint64_t used;
    ike_iv_t iv;
  } x[IKE_IV_EXCHANGES];
  uint64_t clock;
} ike_iv_state_t;

/* Starts the phase-1 chain from the public values. */
bool ike_iv_state_init(ike_iv_state_t *s, ike_hash_t h, size_t block, const uint8_t *gxi, const uint8_t *gxr,
                       size_t gx_len);
/* The IV for the next message of exchange mid (0 = phase 1).  A new M-ID
 * starts from hash(last phase-1 block | M-ID). */
bool ike_iv_state_get(ike_iv_state_t *s, uint32_t mid, ike_iv_t *out);
/* Once a message of exchange mid was sent, or received and authenticated:
 * next (ike_cipher's output) becomes that exchange's IV.  Advancing only
 * after authentication keeps a forged packet from breaking the chain. */
void ike_iv_state_advance(ike_iv_state_t *s, uint32_t mid, const ike_iv_t *next);
/* The exchange mid is over (its slot is freed; phase 1 is never freed). */
void ike_iv_state_forget(ike_iv_state_t *s, uint32_t mid);
