/* IKEv1 phase 1, main mode with pre-shared keys (RFC 2409 §5, §5.4), as an
 * engine without I/O: bytes in, bytes out.  Two engines (an initiator and a
 * responder) can be run against each other in memory.
 *
 *   MM1  I->R  HDR, SA, [VID...]
 *   MM2  R->I  HDR, SA, [N(RESPONDER-LIFETIME)], [VID...]
 *   MM3  I->R  HDR, KE, Ni, [NAT-D, NAT-D]
 *   MM4  R->I  HDR, KE, Nr, [NAT-D, NAT-D]
 *   MM5  I->R  HDR*, IDii, HASH_I
 *   MM6  R->I  HDR*, IDir, HASH_R
 *
 * States (the JUNOSe phase-1 state list; each names the last completed
 * step, as Libreswan's do):
 *   startSaNegotiationI  initiator, nothing sent yet (only inside ike_mm_initiate)
 *   startSaNegotiationR  responder, MM1 read but not accepted (only inside ike_mm_respond)
 *   mmSaI  / mmSaR       MM1 sent / MM2 sent
 *   mmKeI  / mmKeR       MM3 sent / MM4 sent
 *   mmFinalI / mmFinalR  MM5 sent / MM6 sent (responder: authenticated the initiator)
 *   mmDoneI              MM6 verified (initiator: authenticated the responder)
 *   done                 the ISAKMP SA is established (ike_mm_sa() returns it)
 *   deleted              the negotiation failed; the engine only answers IGNORED
 * mmFinalR and mmDoneI are passed through on the way to done: the final
 * message is verified in one step and the SA installed in the next.
 *
 * Retransmission: a copy of the last message accepted from the peer gets
 * the last message sent again, byte for byte (SEND), in every state
 * including done; ike_mm_last() gives it for the caller's timer.  Retry
 * counts and back-off are the caller's.
 *
 * Proposals: MM1 has one proposal with a transform per rule in priority
 * order; the responder takes the first of the initiator's transforms equal
 * to one of its rules in encryption, hash, authentication and group, and
 * the smaller lifetime (JUNOSe).  It returns the transform unchanged (RFC
 * 2408 §4.2) and, when its lifetime is the smaller, says so in a
 * RESPONDER-LIFETIME notify, which our initiator honours.
 *
 * Identities: each side sends ID_IPV4_ADDR of its local address (keys are
 * by address); the peer's ID must be its address as we see it, or any
 * IPv4 address when NAT-D found the peer behind a NAT, else
 * INVALID-ID-INFORMATION.
 *
 * NAT-T: when both sent the RFC 3947 vendor ID, MM3 and MM4 carry NAT-D
 * (RFC 3947 §3.2) and the SA says who is behind a NAT (nat_local,
 * nat_peer); floating to port 4500 is the I/O layer's.
 *
 * A malformed or unexpected message is refused (IGNORED) and changes
 * nothing, so a forged or damaged packet cannot end a negotiation.  An
 * encrypted message that does not decrypt to a valid payload chain is the
 * exception: with cleartext cookies and headers right, that is what a
 * pre-shared key mismatch looks like, so it fails with
 * AUTHENTICATION-FAILED.  Failure notifies go in cleartext (informational
 * exchange, M-ID 0): after an authentication failure the peer could not
 * decrypt anything else.
 *
 * TODO(issue 5): aggressive mode (amSaI/R, amFinalI, amDoneR) per the
 * rule's aggressive-mode setting is not implemented; this engine is main
 * mode only.  Signatures (rsa-sig) are not either. */
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

/* One phase-1 proposal: an `ipsec ike-policy-rule`.  Authentication is
 * always pre-shared keys in this release. */
typedef struct ike_mm_proposal {
  ike_enc_t enc;
  ike_hash_t hash;
  unsigned group;      /* 1, 2, 5, 14 */
  uint32_t lifetime_s; /* 60..86400 */
} ike_mm_proposal_t;

/* The built-in rule used when none is configured (reference §4):
 * 3DES, SHA-1, pre-shared keys, group 2, 28800 s. */
extern const ike_mm_proposal_t ike_mm_default_proposal;

/* The pre-shared key for a peer (host-order IPv4 address): copies it into
 * key (cap bytes) and sets *len; false when there is none. */
typedef bool (*ike_mm_psk_fn)(void *ctx, uint32_t peer_addr, uint8_t *key, size_t cap, size_t *len);
/* len random bytes into buf (cookies, nonces); false on failure. */
typedef bool (*ike_mm_rand_fn)(void *ctx, uint8_t *buf, size_t len);

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
  IKE_MMS_COUNT_
} ike_mm_state_t;

typedef enum {
  IKE_MM_SEND,    /* out holds the next message to send */
  IKE_MM_DONE,    /* established: ike_mm_sa() is ready; out may hold a last message (MM6) */
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

/* Starts a negotiation: MM1 into out (IKE_MM_MSG_MAX bytes are always
 * enough).  All of cfg is copied.  NULL with err set when the
 * configuration is unusable (no pre-shared key for the peer, bad rule) or
 * out is too small. */
ike_mm_t *ike_mm_initiate(const ike_mm_cfg_t *cfg, uint8_t *out, size_t cap, size_t *out_len, ike_mm_error_t *err);

/* A responder for an MM1 that came from peer_addr:peer_port (host order;
 * the address the packet came from, NAT or not).  On success MM2 is in out.
 * NULL when MM1 is refused: *out_len > 0 means a notify to send
 * (NO-PROPOSAL-CHOSEN, PAYLOAD-MALFORMED), 0 means no answer (not main mode,
 * no pre-shared key for that peer). */
ike_mm_t *ike_mm_respond(const ike_mm_cfg_t *cfg, const uint8_t *msg, size_t len, uint32_t peer_addr,
                         uint16_t peer_port, uint8_t *out, size_t cap, size_t *out_len, ike_mm_error_t *err);

/* A message from the peer of this negotiation (the caller matched its
 * cookies); out must hold IKE_MM_MSG_MAX bytes.  SEND: out is the answer
 * (also for a copy of the previous message); DONE: established, out holds
 * MM6 (responder) or nothing (initiator); IGNORED: refused, nothing
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
/* "startSaNegotiationI", "mmSaI", ..., "done", "deleted"; "?" out of range. */
const char *ike_mm_state_name(ike_mm_state_t s);
/* Both cookies of the negotiation (8 bytes each), for the caller's table. */
const uint8_t *ike_mm_icookie(const ike_mm_t *mm);
const uint8_t *ike_mm_rcookie(const ike_mm_t *mm);

/* Wipes every secret and frees (NULL is fine). */
void ike_mm_free(ike_mm_t *mm);

/* "3des-sha1-modp1024" (pre-shared keys implied), into buf. */
const char *ike_mm_proposal_name(const ike_mm_proposal_t *p, char *buf, size_t len);
