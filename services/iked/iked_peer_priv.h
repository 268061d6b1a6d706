/* The negotiation driver's tables, shared by its modules:
 *   iked_peer.c    life cycle, SPIs, endpoints (UDP 500 + 4500), the timer
 *   iked_input.c   datagrams in: NAT-T framing, cookies, dispatch
 *   iked_p1.c      phase-1 SAs (main and aggressive mode) and their rekey
 *   iked_p2.c      quick mode, child SAs, phase-2 rekey and retirement
 *   iked_inform.c  informational exchanges: deletes, DPD, INVALID-COOKIE
 *   iked_tun.c     configd's tunnels -> what to negotiate
 *   iked_status.c  show / clear / DPD requests from the control socket */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "ike_mm.h"
#include "ike_qm.h"
#include "iked_peer.h"
#include "iked_sock.h"
#include "strmap.h"

#define IKE_PORT 500
#define NATT_PORT 4500
#define RETX_MS 2000
#define RETX_MAX 5
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
/* phase-1 responders not yet established (about 2 KB each; each ends after
 * 5 retransmissions, 10 s): a flood of first messages fills this, not memory */
#define HALF_OPEN_MAX 2048
/* per (local endpoint, peer address): a real peer needs one at a time */
#define HALF_OPEN_PER_PEER 4
#define QM_KEEP_MS 30000
/* a phase-1 responder leaves quick mode to the initiator this long */
#define RESP_QM_DELAY_MS 1500
/* after a rekey the old inbound SA keeps accepting this long: the peer may
 * still send on it until it has installed the new pair */
#define RETIRE_MS 5000
#define RETIRE_MAX 3
/* RFC 3948 §4: NAT keepalives from the side behind the NAT */
#define NATT_KEEPALIVE_MS 20000
#define NAMES_LEN 256

typedef struct tun tun_t;
typedef struct p1 p1_t;
typedef struct iked_ep iked_ep_t;

/* One local IKE endpoint: UDP 500 and 4500 on (transport VR, address). */
struct iked_ep {
  iked_peer_t *pm;
  iked_sock_t *s500, *s4500; /* s4500 NULL: no NAT-T on this endpoint */
  char vr[64];
  uint32_t local;
  int64_t inv_window_ms; /* INVALID-COOKIE notifies are rate limited per second */
  unsigned inv_sent;
  int64_t refused_window_ms; /* refused first messages: a few warnings a minute, then a count */
  unsigned refused_logged, refused_quiet;
};

typedef struct qmx {
  struct qmx *next;
  p1_t *p1;
  ike_qm_t *q;
  uint32_t msgid;
  tun_t *tun; /* whose SAs these are (initiator: known at once; responder: from the lookup) */
  int64_t last_tx_ms, done_ms;
  unsigned retries;
  uint32_t early_in; /* responder: inbound SA published with QM2, before QM3 */
  bool done, cancel;
} qmx_t;

struct p1 {
  struct p1 *next;
  iked_ep_t *ep;
  uint32_t peer;
  uint16_t peer_port;
  bool floated; /* NAT-T: on UDP 4500 with the non-ESP marker */
  ike_mm_t *mm;
  tun_t *owner; /* the tunnel that started it (initiator), else NULL */
  bool initiator, established, notify_logged, aggressive, rekeying;
  bool peer_erx; /* the peer sent erx-ipsec's vendor ID: it follows our collision rules */
  bool peer_refused; /* an (unauthenticated) error notify came back: ours yields in a collision */
  ike_p1sa_t sa; /* once established */
  char ckey[17];
  int64_t start_ms, last_tx_ms, est_ms, expire_ms, rekey_ms, last_rx_ms, last_ka_ms;
  unsigned retries;
  uint32_t dpd_seq;
  uint32_t refused_mid; /* the last quick mode refused: its retransmissions are not logged again */
  qmx_t *qms;
};

typedef struct retiring {
  uint32_t spi;
  int64_t at_ms;
} retiring_t;

struct tun {
  struct tun *next;
  char key[200], vr[64], name[100], tvr[64];
  uint8_t *sig;
  size_t sig_len;
  uint32_t src, dst; /* dst 0: a dynamic peer not seen yet */
  bool dynamic;      /* `tunnel destination identity`: the peer initiates, found by its ID */
  ike_mm_id_t local_id, peer_id; /* type 0: the address */
  ike_qm_cfg_t qcfg;
  iked_ep_t *ep;
  p1_t *p1_init;
  qmx_t *qm_init;
  bool up, seen, rekey_wanted;
  uint32_t spi_in, spi_out;
  uint32_t life_s;
  int64_t up_ms, rekey_ms, expire_ms;
  retiring_t retiring[RETIRE_MAX];
  unsigned rekeys;
  int64_t next_try_ms;
  unsigned fails;
  char last_err[256];
};

struct iked_peer {
  iked_server_t *srv;
  tun_t *tuns;
  p1_t *p1s;
  erx_strmap_t *by_cookie; /* hex initiator cookie -> p1_t */
  erx_strmap_t *eps;       /* "vr/addr" -> iked_ep_t */
  erx_strmap_t *spis;      /* our inbound SPIs in use */
  ike_mm_proposal_t rules[IKE_MM_MAX_PROPOSALS];
  size_t nrules;
  uint8_t cookie_secret[32]; /* responder cookies: keyed hash of the initiator's and the peer */
  uint32_t lab_life_s;       /* LAB ONLY (ERX_LAB_CHILD_LIFETIME_S): phase-2 seconds below the CLI's range */
};

/* ---- iked_peer.c ---- */
int64_t iked_now_ms(void);
const char *iked_ip(uint32_t a, char *buf);
iked_ep_t *iked_ep_for(iked_peer_t *pm, const char *vr, uint32_t local, char *err, size_t errlen);
/* sends over the SA's current port (4500 with the non-ESP marker once floated) */
void iked_send(p1_t *p, const uint8_t *msg, size_t len);
const char *iked_names_for(iked_peer_t *pm, const iked_ep_t *ep, uint32_t peer, char *buf, size_t cap);
void iked_tun_fail(tun_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void iked_backoff(tun_t *t);
uint32_t iked_spi_alloc(void *arg, uint8_t proto);
void iked_spi_release(void *arg, uint8_t proto, uint32_t spi);

/* ---- iked_p1.c ---- */
p1_t *iked_p1_find(iked_peer_t *pm, const iked_ep_t *ep, uint32_t peer, bool established);
void iked_p1_free(iked_peer_t *pm, p1_t *p);
void iked_p1_start(iked_peer_t *pm, tun_t *t);
/* an MM1 / AM1 nobody knows: maybe a new responder */
void iked_p1_first(iked_peer_t *pm, iked_ep_t *ep, const uint8_t *msg, size_t len, uint32_t from, uint16_t port,
                   uint8_t exchange);
void iked_p1_input(iked_peer_t *pm, p1_t *p, const uint8_t *msg, size_t len);
/* retransmissions, time-outs, lifetime, keepalives; false when p was freed */
bool iked_p1_tick(iked_peer_t *pm, p1_t *p, int64_t now);
void iked_p1_unreadable(iked_peer_t *pm, p1_t *p);
bool iked_rcookie(void *ctx, const uint8_t icookie[8], uint32_t peer, uint16_t port, uint8_t out[8]);

/* ---- iked_p2.c ---- */
void iked_qmx_free(qmx_t *x);
void iked_qm_start(iked_peer_t *pm, tun_t *t, p1_t *p);
void iked_qm_input(iked_peer_t *pm, p1_t *p, uint32_t msgid, const uint8_t *msg, size_t len);
void iked_qm_tick(iked_peer_t *pm, p1_t *p, int64_t now);
/* the tunnel's timers: retirement, rekey, expiry, (re)initiation */
void iked_tun_tick(iked_peer_t *pm, tun_t *t, int64_t now);
/* withdraws the tunnel's SAs (send_delete: tell the peer) */
void iked_tun_down(iked_peer_t *pm, tun_t *t, bool send_delete);
tun_t *iked_tun_by_spi(iked_peer_t *pm, uint32_t spi, bool inbound);
/* datapathd says an SA of ours reached its soft limit */
/* an error notify from the peer: its quick modes in flight fail with it */
void iked_p2_peer_refused(iked_peer_t *pm, p1_t *p, uint16_t notify);
/* every tunnel that is up gets new SAs now */
void iked_tun_rekey_all(iked_peer_t *pm);
void iked_tun_soft_expired(iked_peer_t *pm, const char *vr, const char *tunnel, uint32_t spi);

/* ---- iked_inform.c ---- */
void iked_info_input(iked_peer_t *pm, p1_t *p, const uint8_t *msg, size_t len);
void iked_send_delete_esp(p1_t *p, const uint32_t *spis, size_t n);
void iked_send_delete_isakmp(p1_t *p);
int iked_send_dpd(p1_t *p, bool ack, uint32_t seq);
void iked_invalid_cookie(iked_peer_t *pm, iked_ep_t *ep, const uint8_t *msg, size_t len, uint32_t from,
                         uint16_t port);

/* ---- iked_input.c ---- */
void iked_on_packet(void *arg, iked_sock_t *s, const uint8_t *msg, size_t len, uint32_t from, uint16_t port);

/* ---- iked_tun.c ---- */
void iked_tun_drop(iked_peer_t *pm, tun_t *t);
tun_t *iked_tun_find(iked_peer_t *pm, const char *vr, const char *name);
