/* An established ISAKMP (phase-1) SA as the exchanges after it need it:
 * what main or aggressive mode produces (ike_mm) and quick mode and
 * informational exchanges consume (ike_qm).  No I/O. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "ike_cipher.h"
#include "ike_iv.h"
#include "ike_keys.h"

#define IKE_ID_MAX 256

typedef struct ike_p1sa {
  uint8_t icookie[8], rcookie[8];
  bool initiator;            /* of this phase 1 (quick mode may be started by either side) */
  ike_enc_t enc;
  ike_hash_t hash;
  unsigned group;            /* DH group of phase 1 (1, 2, 5, 14) */
  uint32_t lifetime_s;       /* the smaller of the two proposals' (RFC 2409: responder may lower) */
  ike_p1_keys_t keys;        /* SKEYID, SKEYID_d, SKEYID_a, SKEYID_e */
  ike_cipher_t *cipher;      /* payload encryption under the derived key (owned) */
  ike_iv_state_t iv;         /* CBC IV chain per message ID (0 = phase 1's) */
  uint32_t local_addr, peer_addr; /* host order */
  uint16_t local_port, peer_port; /* 500, or 4500 after NAT-T floated */
  bool nat_local, nat_peer;  /* RFC 3947 NAT-D: this side / the peer is behind a NAT */
  bool natt;                 /* both sides sent the RFC 3947 vendor ID */
  bool dpd;                  /* the peer sent the RFC 3706 vendor ID */
  uint8_t peer_id[IKE_ID_MAX]; /* ID payload body (type, protocol, port, data) as received */
  size_t peer_id_len;
} ike_p1sa_t;

/* Frees the cipher and wipes every key. */
void ike_p1sa_clear(ike_p1sa_t *sa);
