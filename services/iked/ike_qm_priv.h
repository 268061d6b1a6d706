/* Quick mode's insides, shared by the engine's files (ike_qm*.c) only. */
#pragma once
#include <stdarg.h>

#include "ike_qm.h" /* first: see its note on isakmp.h */
#include "ike_dh.h"
#include "isakmp_build.h"
#include "isakmp_codec.h"

#define QM_IN_MAX 8192 /* a peer's message: many proposals, KE of group 14 */

/* What the negotiation settled (or, for the initiator, offered and then
 * confirmed by the reply). */
typedef struct qm_nego {
  const erx_transform_info_t *xf;
  uint8_t proto;    /* ISAKMP_PROTO_ESP / _AH */
  uint8_t prop_num; /* the initiator's proposal and transform numbers */
  uint8_t xf_num;
  uint16_t encap;   /* encapsulation mode as proposed */
  unsigned group;   /* PFS group, 0 = none */
  uint32_t life_s;
  uint64_t life_kb; /* 0 = no limit */
  uint32_t own_spi, peer_spi;
} qm_nego_t;

struct ike_qm {
  ike_p1sa_t *p1;
  ike_qm_cfg_t cfg;
  bool initiator;
  ike_qm_state_t state;
  uint32_t mid;
  uint8_t ni[ISAKMP_NONCE_MAX], nr[ISAKMP_NONCE_MAX];
  size_t ni_len, nr_len;
  ike_dh_t *dh; /* our PFS key pair */
  uint8_t gqm[IKE_DH_MAX_LEN]; /* the PFS secret g(qm)^xy */
  size_t gqm_len;
  uint32_t spi_esp, spi_ah; /* inbound SPIs we allocated, 0 = none */
  ike_qm_ident_t idci, idcr;
  qm_nego_t nego;
  uint8_t sent[IKE_QM_MSG_MAX];
  size_t sent_len;
  uint8_t answered[IKE_MAX_HASH]; /* digest of the last message accepted */
  bool has_answered;
  ike_child_t child[2];
  size_t nchild;
  bool iv_slot; /* the ISAKMP SA keeps an IV chain for our M-ID */
  ike_qm_lookup_fn lookup; /* responder, while QM1 is handled */
  void *lookup_arg;
};

/* Handler results, turned into ike_qm_status_t and the next state by the
 * table in ike_qm.c. */
typedef enum {
  QM_R_SEND,   /* out holds a message; go to the row's next state */
  QM_R_DONE,   /* finished (out may hold a last message); next state */
  QM_R_QUIET,  /* nothing to do, state unchanged */
  QM_R_REFUSE, /* refused, state unchanged */
  QM_R_FATAL,  /* refused and the exchange is over (deleted) */
} qm_result_t;

/* A message being answered: decrypted and authenticated by qm_open(). */
typedef struct qm_in {
  isakmp_hdr_t hdr;
  uint8_t pt[QM_IN_MAX];
  size_t pt_len; /* without the cipher's padding */
  isakmp_payload_t pl[ISAKMP_MAX_PAYLOADS];
  unsigned n;
  ike_iv_t next_iv; /* to commit once the message is accepted */
  uint8_t digest[IKE_MAX_HASH]; /* of the whole datagram, for duplicates */
} qm_in_t;

/* The payloads of QM1 and QM2 after the hash. */
typedef struct qm_parts {
  const isakmp_payload_t *sa, *nonce, *ke, *id[2];
} qm_parts_t;

typedef struct qm_out {
  uint8_t *buf;
  size_t cap, *len;
} qm_out_t;

/* err: the notify and a formatted reason; returns false for `return qm_fail(...)` */
bool qm_fail(ike_qm_err_t *err, uint16_t notify, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint32_t qm_get32(const uint8_t *p);
void qm_put32(uint8_t *p, uint32_t v);

/* ike_qm_msg.c: sealing and opening messages */
/* Starts a plaintext chain with a HASH payload to be filled by qm_seal. */
void qm_plain_begin(const ike_qm_t *q, isakmp_wbuf_t *w, uint8_t *buf, size_t cap);
/* which: 1, 2 or 3 (RFC 2409 §5.5 HASH(1), (2), (3)).  Fills the hash,
 * encrypts under the exchange's IV, adds the header, keeps a copy for
 * retransmission and commits the IV chain. */
bool qm_seal(ike_qm_t *q, isakmp_wbuf_t *w, int which, const qm_out_t *out, ike_qm_err_t *err);
/* QM1 (initiator) or QM2: HASH, SA, nonce, [KE], [IDci, IDcr], sealed. */
bool qm_seal_sa(ike_qm_t *q, bool ids, const qm_out_t *out, ike_qm_err_t *err);
typedef enum { QM_OPEN_OK, QM_OPEN_NOT_OURS, QM_OPEN_REFUSED } qm_open_t;
/* Decrypts and authenticates a message expected to carry HASH(which),
 * without changing any state.  NOT_OURS: another exchange's (drop
 * silently); REFUSED: err says why. */
qm_open_t qm_open(const ike_qm_t *q, const uint8_t *msg, size_t len, int which, qm_in_t *in, ike_qm_err_t *err);
/* What a handler answers to a message qm_open() did not accept */
qm_result_t qm_not_opened(qm_open_t r);
/* The accepted message's IV becomes the exchange's, and its digest the
 * one a retransmission of it will have. */
void qm_commit_iv(ike_qm_t *q, const qm_in_t *in);
/* SA, nonce, optional KE and zero or two IDs, each once. */
bool qm_collect(const qm_in_t *in, qm_parts_t *parts, ike_qm_err_t *err);
/* digest of a datagram (duplicate detection) */
void qm_digest(const uint8_t *msg, size_t len, uint8_t out[IKE_MAX_HASH]);
/* The ISAKMP SA forgets our M-ID's IV chain (once we are done with it). */
void qm_forget_iv(ike_qm_t *q);
/* Copies the last message sent into out. */
qm_result_t qm_resend(ike_qm_t *q, const qm_out_t *out, ike_qm_err_t *err);
/* A fresh random nonce into buf (IKE_QM_NONCE_LEN bytes). */
bool qm_nonce(uint8_t *buf, size_t *len, ike_qm_err_t *err);

/* ike_qm_prop.c: proposals */
/* The initiator's SA payload: one proposal per transform of the set. */
void qm_put_offer(const ike_qm_t *q, isakmp_wbuf_t *w);
/* The responder's SA payload: the chosen proposal with our SPI. */
void qm_put_answer(const ike_qm_t *q, isakmp_wbuf_t *w);
/* Responder: the first transform of our set that the peer offered, by the
 * PFS rule; fills q->nego except own_spi.  The peer's KE presence matters
 * (no KE, no PFS). */
bool qm_choose(ike_qm_t *q, const isakmp_sa_t *sa, bool has_ke, ike_qm_err_t *err);
/* Initiator: the reply names one of our proposals, unchanged but for a
 * lifetime that may be lower; fills q->nego. */
bool qm_check_answer(ike_qm_t *q, const isakmp_sa_t *sa, bool has_ke, ike_qm_err_t *err);
/* The wire ISAKMP protocol of an erx transform. */
uint8_t qm_xf_proto(const erx_transform_info_t *xf);
/* The encapsulation mode this ISAKMP SA's address situation calls for. */
uint16_t qm_encap_wanted(const ike_p1sa_t *p1);

/* ike_qm_id.c: identities */
void qm_put_ident(isakmp_wbuf_t *w, const ike_qm_ident_t *id);
bool qm_ident_decode(const isakmp_payload_t *p, ike_qm_ident_t *out, ike_qm_err_t *err);
/* The identity of a phase-1 address (IDs absent from QM1, RFC 2409 §5.5). */
ike_qm_ident_t qm_ident_host(uint32_t addr);

/* ike_qm_child.c: PFS and keys */
bool qm_dh_start(ike_qm_t *q, unsigned group, ike_qm_err_t *err);
/* g(qm)^xy from the peer's KE body */
bool qm_dh_finish(ike_qm_t *q, const isakmp_payload_t *ke, ike_qm_err_t *err);
/* Our KE payload, when we do PFS */
void qm_put_ke(const ike_qm_t *q, isakmp_wbuf_t *w);
/* Both child SAs from q->nego, the nonces and the PFS secret. */
bool qm_derive(ike_qm_t *q, ike_qm_err_t *err);
/* Our inbound SPI for a protocol, allocating it on first use. */
bool qm_own_spi(ike_qm_t *q, uint8_t proto, uint32_t *spi, ike_qm_err_t *err);

/* ike_qm_init.c / ike_qm_resp.c: the table's handlers */
qm_result_t qm_send_qm1(ike_qm_t *q, const uint8_t *msg, size_t len, const qm_out_t *out, ike_qm_err_t *err);
qm_result_t qm_recv_qm2(ike_qm_t *q, const uint8_t *msg, size_t len, const qm_out_t *out, ike_qm_err_t *err);
qm_result_t qm_recv_qm1(ike_qm_t *q, const uint8_t *msg, size_t len, const qm_out_t *out, ike_qm_err_t *err);
qm_result_t qm_recv_qm3(ike_qm_t *q, const uint8_t *msg, size_t len, const qm_out_t *out, ike_qm_err_t *err);
/* Initiator after QM2, responder after QM3: both child SAs, and the IV
 * chain is no longer needed. */
qm_result_t qm_finish(ike_qm_t *q, const uint8_t *msg, size_t len, const qm_out_t *out, ike_qm_err_t *err);
/* The table's resend handler (a duplicate of what we answered) */
qm_result_t qm_dup(ike_qm_t *q, const uint8_t *msg, size_t len, const qm_out_t *out, ike_qm_err_t *err);
