/* Phase 1's insides (main and aggressive mode), shared by its files
 * (ike_mm*.c, ike_am.c); not an interface. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_mm_isakmp.h" /* first: see there */

#include "ike_dh.h"
#include "ike_mm.h"

enum {
  MM_NONCE_LEN = 32,   /* ours; RFC 2409 allows 8..256 */
  MM_MSG_MAX = IKE_MM_MSG_MAX,
  MM_NATD_MAX = 8,     /* NAT-D payloads we look at in one message */
  MM_DEFAULT_PORT = 500,
};

/* Outcome of a handler or of reading a message. */
typedef enum {
  MM_OK,     /* accepted; mm->tx holds the message to send (tx_len may be 0) */
  MM_REFUSE, /* ignored, nothing changed */
  MM_FAIL,   /* negotiation over; err->notify names the notify to send */
} mm_res_t;

/* A message from the peer, checked against its transition: payload
 * pointers into the datagram, or into the decrypted copy. */
typedef struct mm_in {
  isakmp_hdr_t hdr;
  isakmp_payload_t pl[ISAKMP_MAX_PAYLOADS];
  unsigned n;
  const isakmp_payload_t *sa, *ke, *nonce, *id, *hash;
  const isakmp_payload_t *natd[MM_NATD_MAX];
  unsigned nnatd;
  bool vid_natt, vid_dpd;
  uint32_t responder_lifetime; /* RESPONDER-LIFETIME notify (seconds), 0 none */
  uint16_t notify;             /* first other notify seen, 0 none */
  size_t plain_len;             /* bytes of the decrypted copy */
  ike_iv_t iv_next;            /* encrypted: the phase-1 IV once this message is authenticated */
} mm_in_t;

struct ike_mm {
  ike_mm_state_t state;
  bool aggressive; /* aggressive mode (its own state table) */
  bool sa_taken;
  bool nat_seen;   /* ike_mm_nat_detected() */
  ike_p1sa_t sa; /* filled as the exchange goes; established in state done */
  /* initiator: the rules offered (those of the mode); responder: all */
  ike_mm_proposal_t rules[IKE_MM_MAX_PROPOSALS];
  size_t nrules;
  ike_mm_proposal_t chosen; /* the negotiated rule (lifetime: the smaller) */
  ike_mm_rand_fn rand;
  void *rand_ctx;
  bool vid_dpd, vid_natt;  /* ours, from the configuration */
  bool vid_erx;            /* say we are erx-ipsec (collision rule, iked_p1.c) */
  bool peer_natt;          /* the peer sent the RFC 3947 vendor ID */
  uint16_t natd_lport, natd_pport; /* ports as the negotiation started: NAT-D hashes */
  ike_mm_id_t local_id;    /* what we send (never type 0: resolved at start) */
  ike_mm_id_t peer_id_want; /* type 0: any */
  ike_mm_psk_fn psk_fn;    /* an aggressive-mode responder looks the key up at AM1 */
  ike_mm_psk_id_fn psk_id_fn;
  void *psk_ctx;
  uint8_t idi_b[IKE_ID_MAX]; /* aggressive mode: IDii_b (ours or the peer's), for HASH_I */
  size_t idi_len;
  uint8_t psk[IKE_MM_PSK_MAX];
  size_t psk_len;
  uint8_t *sai_b; /* the initiator's SA payload body, for HASH_I and HASH_R */
  size_t sai_len;
  ike_dh_t *dh;
  uint8_t gxi[IKE_DH_MAX_LEN], gxr[IKE_DH_MAX_LEN];
  size_t gx_len;
  uint8_t ni[ISAKMP_NONCE_MAX], nr[ISAKMP_NONCE_MAX];
  size_t ni_len, nr_len;
  uint8_t *last_in; /* the last message accepted from the peer */
  size_t last_in_len;
  uint8_t tx[MM_MSG_MAX]; /* the last message sent */
  size_t tx_len;
};

/* Payload set bit of a payload type (all of main mode's are < 64). */
#define MM_PL(t) (UINT64_C(1) << (t))

/* One row of the state table: in state `from`, message `msg` (NULL: a
 * step taken at once, without input) with these payloads is handled by
 * `handler`, which leads to `to`. */
typedef struct mm_transition {
  ike_mm_state_t from;
  const char *msg;
  bool encrypted;
  bool clear_ok; /* encrypted, but a cleartext copy is taken too (AM3) */
  uint64_t required, optional;
  mm_res_t (*handler)(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err);
  ike_mm_state_t to;
} mm_transition_t;

/* ike_mm.c */
/* Sets err and returns r: MM_FAIL (notify: the one to send) or MM_REFUSE
 * (notify: what the refusal maps to, for the log; nothing is sent). */
mm_res_t mm_set_err(ike_mm_error_t *err, mm_res_t r, uint16_t notify, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define mm_fail(err, notify, ...) mm_set_err((err), MM_FAIL, (notify), __VA_ARGS__)
#define mm_refuse(err, notify, ...) mm_set_err((err), MM_REFUSE, (notify), __VA_ARGS__)
const char *mm_addr_str(uint32_t addr, char buf[16]);
bool mm_random(ike_mm_t *mm, uint8_t *buf, size_t len);
/* The pre-shared key into mm->psk by the peer's address and ID (type 0:
 * none), through the configured callback; MM_REFUSE (no answer) without. */
mm_res_t mm_lookup_psk(ike_mm_t *mm, uint8_t id_type, const uint8_t *id, size_t id_len, ike_mm_error_t *err);

/* ike_mm_handlers.c: one per transition */
mm_res_t mm_i_send_mm1(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err);
mm_res_t mm_r_mm1(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err);
mm_res_t mm_i_mm2(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err);
mm_res_t mm_r_mm3(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err);
mm_res_t mm_i_mm4(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err);
mm_res_t mm_r_mm5(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err);
mm_res_t mm_i_mm6(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err);
mm_res_t mm_establish(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err);
/* shared with aggressive mode */
mm_res_t mm_parse_sa(const char *what, const isakmp_payload_t *p, isakmp_sa_t **sa, ike_mm_error_t *err);
bool mm_keep_sai(ike_mm_t *mm, const uint8_t *b, size_t len);
/* SAi_b read back from our first message in mm->tx. */
mm_res_t mm_keep_sai_sent(ike_mm_t *mm, const char *what, ike_mm_error_t *err);
void mm_put_responder_lifetime(isakmp_wbuf_t *w, const ike_mm_t *mm);

/* ike_am.c: aggressive mode's state table */
extern const mm_transition_t am_table[];
extern const size_t am_table_len;

/* ike_mm_id.c: identities */
/* Our ID payload body (type, protocol 0, port 0, data) into b; its length. */
size_t mm_local_id_body(const ike_mm_t *mm, uint8_t b[IKE_ID_MAX]);
/* An ID from the configuration, checked: type 0 allowed when unset_ok. */
bool mm_id_valid(const ike_mm_id_t *id, bool unset_ok);
/* The peer's ID payload body decoded and of a type phase 1 takes (IPv4
 * address, FQDN, user@FQDN); else r (MM_REFUSE before authentication,
 * MM_FAIL after) with INVALID-ID-INFORMATION. */
mm_res_t mm_parse_peer_id(const char *what, const uint8_t *b, size_t len, isakmp_id_t *id, mm_res_t r,
                          ike_mm_error_t *err);
/* The peer's ID against the expected one (when configured): MM_FAIL with
 * INVALID-ID-INFORMATION and both IDs. */
mm_res_t mm_check_expected_id(const ike_mm_t *mm, const char *what, const isakmp_id_t *id, ike_mm_error_t *err);
/* An address ID must be the peer's address unless the peer is behind a
 * NAT: MM_FAIL with INVALID-ID-INFORMATION. */
mm_res_t mm_check_addr_id(const ike_mm_t *mm, const char *what, const isakmp_id_t *id, ike_mm_error_t *err);
/* The peer's authenticated ID (body b) into the SA after both checks. */
mm_res_t mm_accept_peer_id(ike_mm_t *mm, const char *what, const uint8_t *b, size_t len, ike_mm_error_t *err);
/* "IPv4 address 10.0.0.1", "FQDN \"vpn.example\"" for the log. */
const char *mm_id_text(const isakmp_id_t *id, char *buf, size_t len);

/* ike_mm_proposal.c */
/* MM1's SA payload: one ISAKMP proposal, a transform per rule in order. */
void mm_put_offer(isakmp_wbuf_t *w, const ike_mm_proposal_t *rules, size_t n);
/* MM2's SA payload: the chosen transform t of proposal p as the initiator
 * sent it (sa, which holds both, is narrowed to them). */
void mm_put_chosen(isakmp_wbuf_t *w, isakmp_sa_t *sa, const isakmp_proposal_t *p, const isakmp_transform_t *t);
/* Responder: the first of the initiator's transforms equal to one of our
 * rules (enc, hash, auth, group); *chosen gets the smaller lifetime and
 * *offered_s the initiator's.  MM_FAIL with NO-PROPOSAL-CHOSEN and both
 * lists when none. */
/* Only rules allowing the mode (aggressive or main) are matched; the
 * others are named apart in the reason. */
mm_res_t mm_select(const isakmp_sa_t *sa, const ike_mm_proposal_t *rules, size_t n, bool aggressive,
                   const isakmp_proposal_t **prop, const isakmp_transform_t **xf, ike_mm_proposal_t *chosen,
                   uint32_t *offered_s, ike_mm_error_t *err);
/* Initiator: MM2's (AM2's: what) single transform must be one we offered. */
mm_res_t mm_check_reply(const char *what, const isakmp_sa_t *sa, const ike_mm_proposal_t *rules, size_t n,
                        ike_mm_proposal_t *chosen, ike_mm_error_t *err);
/* The rule allows main mode (aggressive false) or aggressive mode. */
bool mm_rule_allows(const ike_mm_proposal_t *r, bool aggressive);
/* Initiator: the rules to offer in that mode, in order, into out (n at
 * most); 0 when none allows it. */
size_t mm_offer_rules(const ike_mm_proposal_t *rules, size_t n, bool aggressive, ike_mm_proposal_t *out);

/* ike_mm_msg.c */
/* The header of our next message of this exchange (M-ID 0); next: the
 * first payload when it is not appended to this writer (encrypted). */
void mm_put_hdr(isakmp_wbuf_t *w, const ike_mm_t *mm, uint8_t flags, uint8_t next);
/* Our vendor IDs (DPD, NAT-T as configured; the responder's NAT-T only
 * when the initiator sent it). */
void mm_put_vids(isakmp_wbuf_t *w, const ike_mm_t *mm);
/* Closes a cleartext message into mm->tx. */
mm_res_t mm_finish_plain(ike_mm_t *mm, isakmp_wbuf_t *w, ike_mm_error_t *err);
/* Encrypts the payload chain in w (no header) into mm->tx, advancing the
 * phase-1 IV chain. */
mm_res_t mm_finish_encrypted(ike_mm_t *mm, isakmp_wbuf_t *w, ike_mm_error_t *err);
/* A cleartext informational exchange with one notify about this ISAKMP SA. */
size_t mm_build_notify(const uint8_t *icky, const uint8_t *rcky, uint16_t type, uint8_t *out, size_t cap);
/* Checks a message against row t and fills *in; a decrypted copy goes to
 * *plain (the caller frees it). */
mm_res_t mm_read(ike_mm_t *mm, const mm_transition_t *t, const uint8_t *msg, size_t len, mm_in_t *in,
                 uint8_t **plain, ike_mm_error_t *err);

/* ike_mm_crypto.c */
/* The Diffie-Hellman work of one step, alone so that it can move to a
 * helper thread: makes our key pair when *dh is NULL, then g^xy from the
 * peer's value when peer is not NULL. */
typedef struct mm_dh_job {
  unsigned group;
  ike_dh_t *dh;
  const uint8_t *peer;
  size_t peer_len;
  uint8_t gxy[IKE_DH_MAX_LEN];
  size_t gxy_len;
  char err[160];
} mm_dh_job_t;
bool mm_dh_run(mm_dh_job_t *job);
/* SKEYID family, the encryption key, the cipher and the phase-1 IV from
 * g^xy and what was exchanged; wipes g^xy. */
mm_res_t mm_derive(ike_mm_t *mm, mm_dh_job_t *job, ike_mm_error_t *err);
/* initiator: the responder's answer (MM2, AM2) is taken: its choice, the
 * smaller lifetime, its cookie, the peer's vendor IDs */
void mm_take_reply(ike_mm_t *mm, const mm_in_t *in, ike_mm_proposal_t chosen, bool natt);
/* responder: our DH half and nonce against the initiator's g^xi, then SKEYID* */
mm_res_t mm_responder_dh(ike_mm_t *mm, const char *step, ike_mm_error_t *err);
/* HASH_I (initiator = true) or HASH_R over an ID payload body. */
bool mm_auth_hash(const ike_mm_t *mm, bool initiator, const uint8_t *id_b, size_t id_len, uint8_t *out);

/* ike_mm_natd.c */
/* Our two NAT-D payloads (RFC 3947 §3.2): the peer's address, then ours. */
void mm_put_natd(isakmp_wbuf_t *w, const ike_mm_t *mm);
/* What the peer's NAT-D payloads say, not yet applied. */
typedef struct mm_natd {
  bool natt_off;            /* the peer sent none: no NAT traversal */
  bool nat_local, nat_peer;
} mm_natd_t;
/* Compares the peer's NAT-D payloads (hashed with `hash` and the
 * message's cookies) with what we see, changing nothing; refuses a single
 * NAT-D payload.  natt: both sides do NAT-T (else nothing to compare). */
mm_res_t mm_natd_eval(const ike_mm_t *mm, const mm_in_t *in, bool natt, ike_hash_t hash, mm_natd_t *out,
                      ike_mm_error_t *err);
void mm_natd_apply(ike_mm_t *mm, const mm_natd_t *n);
/* Both: sets nat_local, nat_peer (and clears natt when the peer sent
 * none); refuses a single NAT-D payload without changing anything. */
mm_res_t mm_natd_check(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err);
