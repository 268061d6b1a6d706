/* Two phase-1 engines (main or aggressive mode) run against each other in
 * memory, message by message, for the ike_mm and ike_am tests. */
#pragma once
#include "ike_mm_isakmp.h" /* first: see there */

#include <criterion/criterion.h>
#include <stdint.h>

#include "ike_mm.h"

#define ADDR(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define ADDR_I ADDR(192, 0, 2, 1)
#define ADDR_R ADDR(192, 0, 2, 2)

/* One pre-shared key per side, found for any address when any_peer. */
typedef struct mm_keyring {
  uint32_t peer;
  const char *key;
  bool any_peer;
} mm_keyring_t;

/* ike_mm_psk_fn over an mm_keyring_t */
bool mm_keyring_lookup(void *ctx, uint32_t peer, uint8_t *key, size_t cap, size_t *len);

/* Keys by identity for ike_mm_psk_id_fn, with JUNOSe's fallback: an
 * address entry ("a.b.c.d", type ISAKMP_ID_IPV4_ADDR) for lookups without
 * an ID (by the peer's address) and for address IDs; a user@fqdn not found
 * is tried as the bare fqdn.  Each call is recorded. */
typedef struct mm_idkey {
  uint8_t type;
  const char *id;
  const char *key;
} mm_idkey_t;

typedef struct mm_idring {
  mm_idkey_t e[8];
  unsigned n;
  unsigned calls;
  uint8_t last_type;   /* of the last call: 0 = by address */
  char last_id[300];   /* as text: the name, or the dotted quad */
  uint32_t last_peer;
} mm_idring_t;

bool mm_idring_lookup(void *ctx, uint32_t peer, uint8_t type, const uint8_t *id, size_t id_len, uint8_t *key,
                      size_t cap, size_t *len);
void mm_idring_add(mm_idring_t *r, uint8_t type, const char *id, const char *key);

typedef struct mm_pair {
  bool aggressive;   /* mm_pair_start: ike_am_initiate */
  ike_mm_cfg_t icfg, rcfg;
  mm_keyring_t ikey, rkey;
  mm_idring_t iids, rids; /* used once mm_pair_use_ids() */
  ike_mm_proposal_t irule, rrule; /* mm_pair_init_aggr's */
  uint32_t r_sees_i; /* the initiator's address as the responder sees it */
  ike_mm_t *i, *r;
  uint8_t msg[IKE_MM_MSG_MAX]; /* the message in flight */
  size_t len;
  uint8_t m[7][IKE_MM_MSG_MAX]; /* MM1..MM6 (AM1..AM3) as sent, by number */
  size_t mlen[7];
  ike_mm_error_t err;
} mm_pair_t;

/* Both sides with these rules (n 0: the default rule), key "secret". */
void mm_pair_init(mm_pair_t *p, const ike_mm_proposal_t *ip, size_t ni, const ike_mm_proposal_t *rp, size_t nr);
/* The same with one rule each side, with these aggressive-mode settings. */
void mm_pair_init_aggr(mm_pair_t *p, ike_mm_aggr_t ia, ike_mm_aggr_t ra);
/* Keys by ID on both sides (psk_id with iids / rids, psk NULL). */
void mm_pair_use_ids(mm_pair_t *p);
void mm_pair_free(mm_pair_t *p);
/* MM1 (AM1 when p->aggressive) from the initiator into p->msg. */
void mm_pair_start(mm_pair_t *p);
/* p->msg to the responder (ike_mm_respond for MM1) or the initiator; the
 * answer replaces p->msg. */
ike_mm_status_t mm_pair_to_r(mm_pair_t *p);
ike_mm_status_t mm_pair_to_i(mm_pair_t *p);
/* The whole exchange, asserting every step and that each message parses. */
void mm_pair_run(mm_pair_t *p);
/* Runs until message `upto` (1..6) is in p->msg, asserting every step. */
void mm_pair_run_to(mm_pair_t *p, int upto);
/* Aggressive mode: the whole exchange (AM1..AM3), asserting every step. */
void am_pair_run(mm_pair_t *p);
/* Runs until message `upto` (1..3) is in p->msg, asserting every step. */
void am_pair_run_to(mm_pair_t *p, int upto);
/* Asserts the message parses with the codec (cleartext: every payload). */
void mm_assert_parses(const uint8_t *m, size_t len, bool encrypted);
/* The notify type of a cleartext informational message, asserting its shape. */
uint16_t mm_notify_type(const uint8_t *m, size_t len);
