/* IKEv1 phase 1 with pre-shared keys, main mode (RFC 2409 §5) and
 * aggressive mode (§5.4), as an engine without I/O: bytes in, bytes out.
 * Two engines (an initiator and a responder) can be run against each other
 * in memory.
 *
 *   MM1  I->R  HDR, SA, [VID...]
 *   MM2  R->I  HDR, SA, [N(RESPONDER-LIFETIME)], [VID...]
 *   MM3  I->R  HDR, KE, Ni, [NAT-D, NAT-D]
 *   MM4  R->I  HDR, KE, Nr, [NAT-D, NAT-D]
 *   MM5  I->R  HDR*, IDii, HASH_I
 *   MM6  R->I  HDR*, IDir, HASH_R
 *
 *   AM1  I->R  HDR, SA, KE, Ni, IDii, [VID...]
 *   AM2  R->I  HDR, SA, KE, Nr, IDir, HASH_R, [N(RESPONDER-LIFETIME)], [VID...], [NAT-D, NAT-D]
 *   AM3  I->R  HDR*, HASH_I, [NAT-D, NAT-D]
 * We send AM3 encrypted (as strongSwan and Libreswan do) and accept it in
 * cleartext too (some peers send it so; the phase-1 IV then stays
 * hash(g^xi | g^xr) for quick mode).
 *
 * States (the JUNOSe phase-1 state list; each names the last completed
 * step, as Libreswan's do):
 *   startSaNegotiationI  initiator, nothing sent yet (only inside ike_mm_initiate / ike_am_initiate)
 *   startSaNegotiationR  responder, MM1/AM1 read but not accepted (only inside ike_mm_respond)
 *   mmSaI  / mmSaR       MM1 sent / MM2 sent
 *   mmKeI  / mmKeR       MM3 sent / MM4 sent
 *   mmFinalI / mmFinalR  MM5 sent / MM6 sent (responder: authenticated the initiator)
 *   mmDoneI              MM6 verified (initiator: authenticated the responder)
 *   amSaI  / amSaR       AM1 sent / AM2 sent
 *   amFinalI             AM2 verified and AM3 sent (initiator)
 *   amDoneR              AM3 verified (responder)
 *   done                 the ISAKMP SA is established (ike_mm_sa() returns it)
 *   deleted              the negotiation failed; the engine only answers IGNORED
 * mmFinalR, mmDoneI, amFinalI and amDoneR are passed through on the way to
 * done: the final message is verified in one step and the SA installed in
 * the next.  The aggressive-mode states follow deleted in ike_mm_state_t
 * (the main-mode values did not move).
 *
 * Retransmission: a copy of the last message accepted from the peer gets
 * the last message sent again, byte for byte (SEND), in every state
 * including done (a copy of AM1 gets AM2, of AM2 gets AM3, of MM5 gets
 * MM6); ike_mm_last() gives it for the caller's timer.  Retry counts and
 * back-off are the caller's.
 *
 * Proposals: the offer has one proposal with a transform per rule in
 * priority order; the responder takes the first of the initiator's
 * transforms equal to one of its rules in encryption, hash, authentication
 * and group, and the smaller lifetime (JUNOSe).  It returns the transform
 * unchanged (RFC 2408 §4.2) and, when its lifetime is the smaller, says so
 * in a RESPONDER-LIFETIME notify, which our initiator honours.
 *
 * Modes, per rule (`aggressive-mode`, reference §4):
 *   initiator: ike_mm_wants_aggressive() says which to start with (any
 *     rule `requested` or `required`); main mode offers every rule but the
 *     `required` ones; aggressive mode takes the highest-priority rule that
 *     allows it (not `none`) and offers it with every other rule allowing
 *     aggressive mode that has the same DH group (AM1's KE fixes the group).
 *   responder: an MM1 is matched against the rules that are not
 *     `required`, an AM1 against those that are not `none` (the built-in
 *     default rule is `none`); nothing left: NO-PROPOSAL-CHOSEN.
 *
 * Identities: each side sends cfg->local_id (default ID_IPV4_ADDR of its
 * local address; FQDN and USER_FQDN as configured).  The peer's ID may be
 * an IPv4 address, an FQDN or a user@FQDN; it must equal cfg->peer_id when
 * that is set, and an address ID must be the peer's address as we see it
 * unless NAT-D found the peer behind a NAT; else INVALID-ID-INFORMATION.
 * Keys: the initiator looks its key up before sending anything, by
 * cfg->peer_id when set; a main-mode responder by the peer's address (it
 * needs the key before it sees the encrypted ID, RFC 2409); an
 * aggressive-mode responder by the IDii of AM1.  A responder without a key
 * answers nothing.
 *
 * NAT-T: when both sent the RFC 3947 vendor ID, MM3 and MM4 (AM2 and AM3)
 * carry NAT-D (RFC 3947 §3.2) and the SA says who is behind a NAT
 * (nat_local, nat_peer; ike_mm_nat_detected()).  Floating to port 4500 is
 * the I/O layer's (before sending MM5 / AM3; ike_mm_set_ports() records
 * it); NAT-D hashes always use the ports the negotiation started with.  A
 * NAT-D hash of its own address that the peer forges on purpose
 * (strongSwan's forced encapsulation) reads as "peer behind a NAT".
 *
 * A malformed or unexpected message is refused (IGNORED) and changes
 * nothing, so a forged or damaged packet cannot end a negotiation.  An
 * encrypted message that does not decrypt to a valid payload chain is the
 * exception: with cleartext cookies and headers right, that is what a
 * pre-shared key mismatch looks like, so it fails with
 * AUTHENTICATION-FAILED; so does a HASH_R/HASH_I that does not verify.
 * Failure notifies go in cleartext (informational exchange, M-ID 0): after
 * an authentication failure the peer could not decrypt anything else.
 *
 * Not implemented: signatures (rsa-sig). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_cipher.h"
#include "ike_p1sa.h"
#include "ike_prf.h"

/* JUNOSe allows up to 10 ike-policy-rules (reference §2.6) */
#define IKE_MM_MAX_PROPOSALS 10
#define IKE_MM_PSK_MAX 256
#define IKE_MM_ERR_LEN 1024
/* out buffers of ike_mm_input and ike_mm_respond hold this much (MM1 with
 * ten rules is under 1 KB) */
#define IKE_MM_MSG_MAX 4096

/* A rule's `aggressive-mode` setting (reference §4); the values are
 * configd's AggressiveMode (proto/config.proto). */
typedef enum {
  IKE_AGGR_NONE = 0,  /* main mode only (the default) */
  IKE_AGGR_ACCEPTED,  /* initiator: main mode; responder: either */
  IKE_AGGR_REQUESTED, /* initiator: aggressive mode; responder: either */
  IKE_AGGR_REQUIRED,  /* aggressive mode only, both ways */
} ike_mm_aggr_t;

/* One phase-1 proposal: an `ipsec ike-policy-rule`.  Authentication is
 * always pre-shared keys in this release. */
typedef struct ike_mm_proposal {
  ike_enc_t enc;
  ike_hash_t hash;
  unsigned group;      /* 1, 2, 5, 14 */
  uint32_t lifetime_s; /* 60..86400 */
  ike_mm_aggr_t aggressive; /* 0 = IKE_AGGR_NONE: main mode only */
} ike_mm_proposal_t;

/* The built-in rule used when none is configured (reference §4):
 * 3DES, SHA-1, pre-shared keys, group 2, 28800 s, main mode only. */
extern const ike_mm_proposal_t ike_mm_default_proposal;

/* The pre-shared key for a peer (host-order IPv4 address): copies it into
 * key (cap bytes) and sets *len; false when there is none. */
typedef bool (*ike_mm_psk_fn)(void *ctx, uint32_t peer_addr, uint8_t *key, size_t cap, size_t *len);
/* The pre-shared key by the peer's identity, used instead of ike_mm_psk_fn
 * when set (with the same psk_ctx).  id_type 0 (id NULL, id_len 0): no ID
 * is known, look up by peer_addr (a main-mode responder; an initiator
 * without cfg->peer_id).  Otherwise the ID's type (ISAKMP_ID_IPV4_ADDR:
 * 4 bytes, network order; ISAKMP_ID_FQDN, ISAKMP_ID_USER_FQDN: the name,
 * not NUL-terminated): the IDii of an AM1 (aggressive-mode responder), or
 * cfg->peer_id (initiator).  JUNOSe's fallback (user@fqdn, then fqdn, and
 * the address) is the callback's. */
typedef bool (*ike_mm_psk_id_fn)(void *ctx, uint32_t peer_addr, uint8_t id_type, const uint8_t *id, size_t id_len,
                                 uint8_t *key, size_t cap, size_t *len);
/* len random bytes into buf (cookies, nonces); false on failure. */
typedef bool (*ike_mm_rand_fn)(void *ctx, uint8_t *buf, size_t len);
/* Responder: our cookie for an initiator's cookie and the address and port
 * its first message came from (e.g. a keyed hash of them, so that later
 * messages with a forged responder cookie can be dropped before any
 * lookup).  False (or 8 zero bytes): the message is refused. */
typedef bool (*ike_mm_rcookie_fn)(void *ctx, const uint8_t icookie[8], uint32_t peer_addr, uint16_t peer_port,
                                  uint8_t out[8]);

/* ID data bytes at most (the ID payload body adds 4 and is at most
 * IKE_ID_MAX). */
#define IKE_MM_ID_MAX (IKE_ID_MAX - 4)

/* A phase-1 identity (RFC 2407 §4.6.2.1). */
typedef struct ike_mm_id {
  uint8_t type; /* 0 = unset; ISAKMP_ID_IPV4_ADDR, ISAKMP_ID_FQDN, ISAKMP_ID_USER_FQDN */
  size_t len;   /* bytes of data: 4 for an address, 1..IKE_MM_ID_MAX for a name */
  uint8_t data[IKE_MM_ID_MAX]; /* address in network order; a name in printable ASCII, no NUL */
} ike_mm_id_t;

typedef struct ike_mm_cfg {
  uint32_t local_addr;      /* host order */
  uint32_t peer_addr;       /* initiator only: the responder's address */
  uint16_t local_port;      /* 0 = 500 */
  uint16_t peer_port;       /* initiator only; 0 = 500 */
  const ike_mm_proposal_t *proposals; /* in priority order */
  size_t nproposals;        /* 0 = ike_mm_default_proposal only */
  ike_mm_psk_fn psk;
  void *psk_ctx;
  ike_mm_rand_fn rand;      /* NULL = OpenSSL's RAND_bytes */
  void *rand_ctx;
  bool vid_dpd;             /* send the RFC 3706 vendor ID */
  bool vid_natt;            /* send the RFC 3947 vendor ID (and do NAT-D) */
  bool vid_erx;             /* send ike_mm_vid_erx: the peer then knows our collision rule */
  /* the ID we send; type 0 (or ID_IPV4_ADDR with len 0) = ID_IPV4_ADDR of
   * local_addr (`tunnel source`) */
  ike_mm_id_t local_id;
  /* the ID the peer must send (`tunnel destination identity`); type 0 =
   * any.  Meant for initiators; checked on either side when set.  The
   * initiator's key is looked up by it. */
  ike_mm_id_t peer_id;
  ike_mm_psk_id_fn psk_id;  /* NULL = psk by address (then an aggressive-mode responder too) */
  ike_mm_rcookie_fn rcookie; /* responder: NULL = random cookie */
  void *rcookie_ctx;
} ike_mm_cfg_t;

typedef enum {
  IKE_MMS_START_I = 0, /* startSaNegotiationI */
  IKE_MMS_START_R, /* startSaNegotiationR */
  IKE_MMS_SA_I, /* mmSaI */
  IKE_MMS_SA_R, /* mmSaR */
  IKE_MMS_KE_I, /* mmKeI */
  IKE_MMS_KE_R, /* mmKeR */
  IKE_MMS_FINAL_I, /* mmFinalI */
  IKE_MMS_FINAL_R, /* mmFinalR */
  IKE_MMS_DONE_I, /* mmDoneI */
  IKE_MMS_DONE, /* done */
  IKE_MMS_DELETED, /* deleted */
  IKE_MMS_AM_SA_I, /* amSaI */
  IKE_MMS_AM_SA_R, /* amSaR */
  IKE_MMS_AM_FINAL_I, /* amFinalI */
  IKE_MMS_AM_DONE_R, /* amDoneR */
  IKE_MMS_COUNT_
} ike_mm_state_t;

typedef enum {
  IKE_MM_SEND,    /* out holds the next message to send */
  IKE_MM_DONE,    /* established: ike_mm_sa() is ready; out may hold a last message (MM6, AM3) */
  IKE_MM_IGNORED, /* refused, nothing changed (err says why); nothing to send */
  IKE_MM_FAILED,  /* negotiation over (state deleted); out may hold a notify */
} ike_mm_status_t;

/* Why something failed or was refused. */
typedef struct ike_mm_error {
  uint16_t notify;      /* FAILED: the notify type in out; IGNORED: what the refusal would map to; 0 none */
  uint16_t peer_notify; /* IGNORED: type of an (unauthenticated) notify the peer sent, 0 none */
  char msg[IKE_MM_ERR_LEN];
} ike_mm_error_t;

typedef struct ike_mm ike_mm_t;

/* Whether an initiator with these rules (priority order; n 0: the default
 * rule) starts in aggressive mode: some rule is `requested` or `required`
 * (reference §4, first contact).  Then ike_am_initiate, else
 * ike_mm_initiate. */
bool ike_mm_wants_aggressive(const ike_mm_proposal_t *rules, size_t n);

/* Starts a negotiation in main mode: MM1 into out (IKE_MM_MSG_MAX bytes
 * are always enough).  All of cfg is copied.  NULL with err set when the
 * configuration is unusable (no pre-shared key for the peer, bad rule or
 * ID, every rule `required`) or out is too small. */
ike_mm_t *ike_mm_initiate(const ike_mm_cfg_t *cfg, uint8_t *out, size_t cap, size_t *out_len, ike_mm_error_t *err);
/* The same in aggressive mode: AM1 into out.  NULL with err set also when
 * no rule allows aggressive mode (all `none`, or none configured). */
ike_mm_t *ike_am_initiate(const ike_mm_cfg_t *cfg, uint8_t *out, size_t cap, size_t *out_len, ike_mm_error_t *err);

/* A responder for an MM1 or an AM1 (by the header's exchange type) that
 * came from peer_addr:peer_port (host order; the address the packet came
 * from, NAT or not).  On success MM2 or AM2 is in out.  NULL when it is
 * refused: *out_len > 0 means a notify to send (NO-PROPOSAL-CHOSEN,
 * PAYLOAD-MALFORMED, INVALID-ID-INFORMATION...), 0 means no answer (neither
 * main nor aggressive mode, no pre-shared key for that peer or its ID, the
 * rcookie callback said no). */
ike_mm_t *ike_mm_respond(const ike_mm_cfg_t *cfg, const uint8_t *msg, size_t len, uint32_t peer_addr,
                         uint16_t peer_port, uint8_t *out, size_t cap, size_t *out_len, ike_mm_error_t *err);

/* A message from the peer of this negotiation (the caller matched its
 * cookies); out must hold IKE_MM_MSG_MAX bytes.  SEND: out is the answer
 * (also for a copy of the previous message); DONE: established, out holds
 * MM6 (main-mode responder), AM3 (aggressive-mode initiator) or nothing;
 * IGNORED: refused, nothing
 * changed, err says why (err->peer_notify: an unauthenticated notify the
 * peer sent); FAILED: state deleted, out holds the notify for the peer. */
ike_mm_status_t ike_mm_input(ike_mm_t *mm, const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
                             size_t *out_len, ike_mm_error_t *err);

/* The last message sent (for the caller's retransmission timer); false
 * when there is none or it does not fit. */
bool ike_mm_last(const ike_mm_t *mm, uint8_t *out, size_t cap, size_t *out_len);

/* The established SA (state done), else NULL. */
const ike_p1sa_t *ike_mm_sa(const ike_mm_t *mm);
/* Moves the established SA (its cipher included) to *out; the engine keeps
 * answering retransmissions.  False when not established or already taken. */
bool ike_mm_take_sa(ike_mm_t *mm, ike_p1sa_t *out);

ike_mm_state_t ike_mm_state(const ike_mm_t *mm);
bool ike_mm_is_initiator(const ike_mm_t *mm);
/* This negotiation is in aggressive mode (for `show`: "aggressive"). */
bool ike_mm_aggressive(const ike_mm_t *mm);
/* NAT-D (MM3/MM4, AM2/AM3) showed a NAT on either side and both sides do
 * NAT-T: the I/O layer floats to port 4500 (before sending MM5 / AM3, or
 * answering the peer that did).  Stays true after ike_mm_take_sa. */
bool ike_mm_nat_detected(const ike_mm_t *mm);
/* Records the ports the negotiation now uses (the NAT-T float, 4500): the
 * SA's local_port and peer_port carry them.  Call before ike_mm_take_sa
 * (after it only retransmissions are left).  0 leaves a port as it is.
 * NAT-D hashes keep using the original ports. */
void ike_mm_set_ports(ike_mm_t *mm, uint16_t local_port, uint16_t peer_port);
/* "startSaNegotiationI", "mmSaI", ..., "done", "deleted"; "?" out of range. */
const char *ike_mm_state_name(ike_mm_state_t s);
/* Both cookies of the negotiation (8 bytes each), for the caller's table. */
const uint8_t *ike_mm_icookie(const ike_mm_t *mm);
const uint8_t *ike_mm_rcookie(const ike_mm_t *mm);

/* erx-ipsec's own vendor ID, and whether a cleartext message carries a
 * given one (false for anything that does not parse). */
extern const uint8_t ike_mm_vid_erx[16];
bool ike_mm_has_vid(const uint8_t *msg, size_t len, const uint8_t vid[16]);

/* Wipes every secret and frees (NULL is fine). */
void ike_mm_free(ike_mm_t *mm);

/* "3des-sha1-modp1024" (pre-shared keys implied), into buf. */
const char *ike_mm_proposal_name(const ike_mm_proposal_t *p, char *buf, size_t len);
/* "accepted", "requested", "required", "none"; "?" out of range. */
const char *ike_mm_aggr_name(ike_mm_aggr_t a);

/* An ID from configuration text: ISAKMP_ID_IPV4_ADDR with a dotted quad,
 * ISAKMP_ID_FQDN or ISAKMP_ID_USER_FQDN with the name.  False when the
 * value does not fit the type. */
bool ike_mm_id_set(ike_mm_id_t *id, uint8_t type, const char *value);
/* An ID payload body (type, protocol, port, data: ike_p1sa_t's peer_id)
 * for the log: "IPv4 address 192.0.2.1", "FQDN \"vpn.example\"". */
const char *ike_mm_id_text(const uint8_t *id_b, size_t len, char *buf, size_t cap);
