/* Quick-mode tests' helpers: two phase-1 SAs with the same fixed keys (no
 * main mode needed), configurations from transform keywords, an SPI
 * allocator, a tunnel lookup, a full exchange, and an independent
 * decryption of the messages an exchange produced. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_qm.h"
#include "isakmp_codec.h"

#define QMT_ADDR(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* Initiator's and responder's view of one ISAKMP SA: same keys and IV
 * chain, opposite roles and addresses (192.0.2.1 and 192.0.2.2). */
void qmt_p1_pair(ike_p1sa_t *i, ike_p1sa_t *r, ike_enc_t enc, ike_hash_t hash);
/* Frees what qmt_p1_pair made (the library's ike_p1sa_clear belongs to
 * main mode). */
void qmt_p1_free(ike_p1sa_t *p1);

typedef struct qmt_spis {
  uint32_t next;        /* the next SPI handed out */
  int allocated, released;
  uint32_t last_released;
} qmt_spis_t;

/* A tunnel config: `set` is transform keywords separated by spaces. */
ike_qm_cfg_t qmt_cfg(const char *set, unsigned pfs, ike_qm_ident_t local, ike_qm_ident_t peer, qmt_spis_t *spis);
ike_qm_ident_t qmt_subnet(uint32_t net, unsigned bits);
ike_qm_ident_t qmt_address(uint32_t a);
ike_qm_ident_t qmt_range(uint32_t lo, uint32_t hi);

/* Lookup callback: arg is a qmt_lookup_t; returns its cfg (may be NULL) and
 * remembers what it was asked. */
typedef struct qmt_lookup {
  const ike_qm_cfg_t *cfg;
  int calls;
  ike_qm_ident_t idci, idcr;
} qmt_lookup_t;
const ike_qm_cfg_t *qmt_lookup(void *arg, const ike_p1sa_t *p1, const ike_qm_ident_t *idci,
                               const ike_qm_ident_t *idcr);

/* One exchange between two engines, each message kept. */
typedef struct qmt_run {
  ike_qm_t *i, *r;
  uint8_t msg[3][IKE_QM_MSG_MAX];
  size_t len[3];
  ike_qm_err_t err;
} qmt_run_t;

/* QM1..QM3; asserts that each step works and both sides are done. */
void qmt_exchange(qmt_run_t *x, ike_p1sa_t *pi, ike_p1sa_t *pr, const ike_qm_cfg_t *ci, qmt_lookup_t *lk);
void qmt_run_free(qmt_run_t *x);

/* Decrypts the n messages of one exchange in order (IV from the phase-1
 * chain and the M-ID, then CBC chaining), parses each chain and decodes
 * every payload with the codec; the payload types of message k go to
 * types[k] (up to 16, 0-terminated). */
void qmt_decrypt_all(const ike_p1sa_t *p1, uint8_t (*msg)[IKE_QM_MSG_MAX], const size_t *len, size_t n,
                     uint8_t types[][16]);
/* Message k decrypted into pt and its chain parsed into pl/np; the
 * plaintext length without padding, and the IV it was encrypted under. */
size_t qmt_open(const ike_p1sa_t *p1, uint8_t (*msg)[IKE_QM_MSG_MAX], const size_t *len, size_t k, uint8_t *pt,
                ike_iv_t *iv, isakmp_payload_t *pl, unsigned *np);
/* Flips one bit of the plaintext byte at pt_off of message k (of the n
 * messages of the exchange) and encrypts it again, so that only the hash
 * can tell. */
void qmt_tamper(const ike_p1sa_t *p1, uint8_t (*msg)[IKE_QM_MSG_MAX], const size_t *len, size_t k, size_t pt_off);

/* Sets the byte at body_off of message k's first payload of type pl_type
 * to value, with a HASH recomputed from the test's fixed SKEYID_a: a
 * message the peer really sent, with content we choose. */
void qmt_rewrite(const ike_p1sa_t *p1, uint8_t (*msg)[IKE_QM_MSG_MAX], const size_t *len, size_t k,
                 uint8_t pl_type, size_t body_off, uint8_t value);

/* QM1 (msg[0]) rebuilt without its payloads of type pl_type, with HASH(1)
 * recomputed: a peer that leaves them out. */
void qmt_drop(const ike_p1sa_t *p1, uint8_t (*msg)[IKE_QM_MSG_MAX], size_t *len, uint8_t pl_type);

/* Child SA keys equal (one side's outbound against the other's inbound) */
bool qmt_keys_equal(const ike_child_t *a, const ike_child_t *b);
