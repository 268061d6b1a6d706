/* IKEv1 quick mode (phase 2, RFC 2409 §5.5) over an established ISAKMP SA,
 * without I/O: bytes in, bytes out.  Two engines (an initiator and the
 * responder that ike_qm_respond() makes from the first message) can be run
 * against each other in memory.
 *
 *   initiator  startQmI --QM1--> qmHashSaI --QM2/QM3--> qmHashI --> done
 *   responder  startQmR --QM1/QM2--> qmHashSaR --QM3--> qmDoneR --> done
 *
 *   QM1 = HDR*, HASH(1), SA, Ni [, KE] , IDci, IDcr
 *   QM2 = HDR*, HASH(2), SA, Nr [, KE] , IDci, IDcr
 *   QM3 = HDR*, HASH(3)
 *
 * Proposals come from the tunnel's transform set (one proposal per
 * transform, in preference order); the responder takes the first entry of
 * its own set that the initiator offered.  PFS acceptance (reference §3):
 * a side configured with a group insists on PFS with that group or a
 * stronger one (1 < 2 < 5 < 14); a side without PFS accepts the peer's
 * group.  The lifetime is the smaller of the two sides' (the responder
 * writes it into its reply; the initiator takes the smaller again).
 *
 * The ike_p1sa_t must outlive its engines; one thread at a time per ISAKMP
 * SA (the engines share its IV chains).  Nothing here logs; reasons are
 * returned for the caller's log and never contain keys. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isakmp.h" /* wire values: notifies, encapsulation modes */

#include "ike_keys.h"
#include "ike_p1sa.h"
#include "transforms.h"

#define IKE_QM_MAX_XF 6       /* transforms in a set (reference §6) */
#define IKE_QM_REASON_LEN 512
#define IKE_QM_MSG_MAX 2048   /* a message we build: 6 proposals, KE of group 14 */
#define IKE_QM_NONCE_LEN 32
#define IKE_QM_DEFAULT_LIFE_S 28800 /* RFC 2407 §4.5, when no lifetime is sent */

/* A traffic selector: `tunnel local-identity` / `peer-identity`. */
typedef enum {
  IKE_QM_ID_ADDRESS = 0, /* ID_IPV4_ADDR: a */
  IKE_QM_ID_SUBNET,      /* ID_IPV4_ADDR_SUBNET: a, mask b */
  IKE_QM_ID_RANGE,       /* ID_IPV4_ADDR_RANGE: a .. b */
} ike_qm_id_kind_t;

typedef struct ike_qm_ident {
  ike_qm_id_kind_t kind;
  uint32_t a, b;    /* host order */
  uint8_t protocol; /* IP protocol, 0 = any (all we configure) */
  uint16_t port;    /* 0 = any */
} ike_qm_ident_t;

/* SPI allocation for inbound SAs (proto: IKE_PROTO_ESP or IKE_PROTO_AH).
 * alloc returns 0 when none is free.  An engine releases, when freed,
 * every SPI it allocated that is not the inbound SPI of its finished child
 * SAs (those belong to the caller from then on). */
typedef uint32_t (*ike_qm_spi_alloc_fn)(void *arg, uint8_t proto);
typedef void (*ike_qm_spi_release_fn)(void *arg, uint8_t proto, uint32_t spi);

typedef struct ike_qm_cfg {
  Erx__Cfg__Transform xf[IKE_QM_MAX_XF]; /* the transform set, preference order */
  size_t nxf;
  unsigned pfs_group;    /* 0 = no PFS, else 1, 2, 5, 14 */
  ike_qm_ident_t local;  /* tunnel local-identity */
  ike_qm_ident_t peer;   /* tunnel peer-identity */
  uint32_t life_seconds; /* 0 = RFC 2407's default of 28800 */
  uint64_t life_kilobytes; /* 0 = no limit (not proposed) */
  ike_qm_spi_alloc_fn spi_alloc;
  ike_qm_spi_release_fn spi_release; /* may be NULL */
  void *spi_arg;
  void *user; /* the caller's (e.g. its tunnel), see ike_qm_config() */
} ike_qm_cfg_t;

/* Responder: the tunnel whose identities are these (idci: the initiator's
 * client, i.e. our peer-identity; idcr: ours), or NULL for "no such
 * tunnel" (INVALID-ID-INFORMATION).  The result is copied. */
typedef const ike_qm_cfg_t *(*ike_qm_lookup_fn)(void *arg, const ike_p1sa_t *p1, const ike_qm_ident_t *idci,
                                                const ike_qm_ident_t *idcr);

/* One negotiated IPsec SA; the caller turns it into an ike.ChildSa. */
typedef struct ike_child {
  bool inbound;            /* keyed with our SPI; outbound with the peer's */
  uint32_t spi;
  Erx__Cfg__Transform transform;
  ike_child_keys_t keys;   /* enc (GCM: key then salt) and auth */
  uint32_t life_seconds;
  uint64_t life_kilobytes; /* 0 = no limit */
  uint16_t encap_mode;     /* IPSEC_ENCAP_TUNNEL or _UDP_TUNNEL (or its draft value) */
  uint16_t encap_sport, encap_dport; /* RFC 3948 ports (ours, the peer's), 0 = plain ESP */
  unsigned pfs_group;      /* 0 = none */
} ike_child_t;

typedef enum {
  IKE_QMS_START_I = 0, /* startQmI */
  IKE_QMS_START_R,     /* startQmR */
  IKE_QMS_HASH_SA_I,   /* qmHashSaI: QM1 sent, waiting for QM2 */
  IKE_QMS_HASH_SA_R,   /* qmHashSaR: QM2 sent, waiting for QM3 */
  IKE_QMS_HASH_I,      /* qmHashI: QM2 authenticated, QM3 built */
  IKE_QMS_DONE_R,      /* qmDoneR: QM3 authenticated */
  IKE_QMS_DONE,        /* done: child SAs ready */
  IKE_QMS_DELETED,     /* deleted: the exchange failed for good */
  IKE_QMS_COUNT_
} ike_qm_state_t;

typedef enum {
  IKE_QM_SEND,    /* send out[0..out_len) */
  IKE_QM_DONE,    /* child SAs ready; out holds the last message (initiator's QM3) or nothing */
  IKE_QM_IGNORED, /* not for this exchange (another M-ID, a stray duplicate): drop silently */
  IKE_QM_FAILED,  /* refused: err says why and which notify answers it */
} ike_qm_status_t;

typedef struct ike_qm_err {
  uint16_t notify; /* ISAKMP_N_... (isakmp.h), 0 = none */
  char reason[IKE_QM_REASON_LEN];
} ike_qm_err_t;

typedef struct ike_qm ike_qm_t;

/* Starts an exchange: QM1 into out.  NULL with err on failure. */
ike_qm_t *ike_qm_initiate(ike_p1sa_t *p1, const ike_qm_cfg_t *cfg, uint8_t *out, size_t cap, size_t *out_len,
                          ike_qm_err_t *err);
/* A peer's QM1 (a quick-mode message with an M-ID no engine has): the
 * engine, QM2 in out; or NULL with err (notify to answer with, reason). */
ike_qm_t *ike_qm_respond(ike_p1sa_t *p1, ike_qm_lookup_fn lookup, void *arg, const uint8_t *msg, size_t len,
                         uint8_t *out, size_t cap, size_t *out_len, ike_qm_err_t *err);
/* The next message of the exchange.  A refused message (FAILED in any
 * state but deleted) changes nothing: the genuine one may still come.  A
 * duplicate of the message we last answered makes us send the same answer
 * again. */
ike_qm_status_t ike_qm_input(ike_qm_t *q, const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
                             size_t *out_len, ike_qm_err_t *err);

/* The child SAs once done ([0] inbound, [1] outbound), else NULL and 0. */
const ike_child_t *ike_qm_children(const ike_qm_t *q, size_t *n);
/* Responder, QM2 sent: the inbound child SA (its keys are known), so it
 * can be installed before QM3 arrives; else NULL.  ike_qm_children gives
 * the same one once done. */
const ike_child_t *ike_qm_inbound_early(const ike_qm_t *q);
ike_qm_state_t ike_qm_state(const ike_qm_t *q);
/* "startQmI", ... as in the reference's phase-1 SA state list. */
const char *ike_qm_state_name(ike_qm_state_t s);
uint32_t ike_qm_msgid(const ike_qm_t *q);
bool ike_qm_is_initiator(const ike_qm_t *q);
const ike_qm_cfg_t *ike_qm_config(const ike_qm_t *q);
/* The last message we built (for the caller's retransmission timer). */
const uint8_t *ike_qm_last_sent(const ike_qm_t *q, size_t *len);
/* Wipes the keys, releases unused SPIs, forgets the M-ID's IV chain. */
void ike_qm_free(ike_qm_t *q);

/* Identities (ike_qm_id.c) */
/* "subnet 10.0.0.0 255.255.255.0", "address 10.0.0.1", "range a b" */
void ike_qm_ident_str(const ike_qm_ident_t *id, char *buf, size_t len);
/* Same protected addresses (a /32 subnet is an address), protocol and port. */
bool ike_qm_ident_equal(const ike_qm_ident_t *a, const ike_qm_ident_t *b);
