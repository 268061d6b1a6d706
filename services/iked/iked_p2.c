/* Quick mode and the tunnels' child SAs: publishing a pair, rekeying it
 * before it ends (time, or datapathd's soft limit on kilobytes), retiring
 * the old inbound SA only once the peer has had time to switch, and
 * re-initiating a tunnel that lost its SAs. */
#include <inttypes.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ike_info.h"
#include "iked_peer_priv.h"
#include "isakmp_codec.h"
#include "log.h"
#include "transforms.h"

/* phase-2 rekey at this share of the lifetime (plus up to 5% jitter): the
 * quick-mode initiator's side first */
#define P2_REKEY_INITIATOR 0.85
#define P2_REKEY_RESPONDER 0.92

void iked_qmx_free(qmx_t *x)
{
  if (x->tun && x->tun->qm_init == x)
    x->tun->qm_init = NULL;
  if (x->early_in && x->tun) /* never finished: its early inbound SA goes */
    iked_unpublish_child(x->p1->ep->pm->srv, x->tun->vr, x->tun->name, true, x->early_in);
  qmx_t **pp = &x->p1->qms;
  while (*pp && *pp != x)
    pp = &(*pp)->next;
  if (*pp)
    *pp = x->next;
  ike_qm_free(x->q);
  free(x);
}

static qmx_t *qmx_add(p1_t *p, ike_qm_t *q, tun_t *t)
{
  qmx_t *x = calloc(1, sizeof *x);
  if (!x)
    return NULL;
  x->p1 = p;
  x->q = q;
  x->msgid = ike_qm_msgid(q);
  x->tun = t;
  x->last_tx_ms = iked_now_ms();
  x->next = p->qms;
  p->qms = x;
  return x;
}

tun_t *iked_tun_by_spi(iked_peer_t *pm, uint32_t spi, bool inbound)
{
  for (tun_t *t = pm->tuns; t; t = t->next)
    if (t->up && (inbound ? t->spi_in : t->spi_out) == spi)
      return t;
  return NULL;
}

/* ---- the tunnel's SAs ---- */

static void retire_now(iked_peer_t *pm, tun_t *t, retiring_t *r, p1_t *p)
{
  iked_unpublish_child(pm->srv, t->vr, t->name, true, r->spi);
  if (p)
    iked_send_delete_esp(p, &r->spi, 1);
  iked_spi_release(pm, 0, r->spi);
  r->spi = 0;
}

static void retire(iked_peer_t *pm, tun_t *t, uint32_t spi_in, int64_t now)
{
  retiring_t *slot = &t->retiring[0];
  for (int i = 0; i < RETIRE_MAX; i++) {
    if (!t->retiring[i].spi) {
      slot = &t->retiring[i];
      break;
    }
    if (t->retiring[i].at_ms < slot->at_ms)
      slot = &t->retiring[i];
  }
  if (slot->spi) /* full: the oldest goes now */
    retire_now(pm, t, slot, iked_p1_find(pm, t->ep, t->dst, true));
  slot->spi = spi_in;
  slot->at_ms = now + RETIRE_MS;
}

void iked_tun_down(iked_peer_t *pm, tun_t *t, bool send_delete)
{
  p1_t *p = send_delete ? iked_p1_find(pm, t->ep, t->dst, true) : NULL;
  for (int i = 0; i < RETIRE_MAX; i++)
    if (t->retiring[i].spi)
      retire_now(pm, t, &t->retiring[i], p);
  if (!t->up)
    return;
  iked_unpublish_child(pm->srv, t->vr, t->name, false, t->spi_out);
  iked_unpublish_child(pm->srv, t->vr, t->name, true, t->spi_in);
  if (p)
    iked_send_delete_esp(p, &t->spi_in, 1);
  iked_spi_release(pm, 0, t->spi_in);
  t->up = false;
  t->rekey_wanted = false;
  t->spi_in = t->spi_out = 0;
}

static void schedule_rekey(tun_t *t, bool initiator, uint32_t life_s, int64_t now)
{
  t->life_s = life_s;
  t->up_ms = now;
  t->rekey_wanted = false;
  if (!life_s) {
    t->rekey_ms = t->expire_ms = INT64_MAX;
    return;
  }
  uint8_t r = 0;
  RAND_bytes(&r, 1);
  double share = (initiator ? P2_REKEY_INITIATOR : P2_REKEY_RESPONDER) + 0.05 * r / 255.0;
  t->rekey_ms = now + (int64_t)((double)life_s * 1000.0 * share);
  t->expire_ms = now + (int64_t)life_s * 1000;
}

static void qm_done(iked_peer_t *pm, qmx_t *x)
{
  tun_t *t = x->tun;
  x->done = true;
  x->done_ms = iked_now_ms();
  if (!t)
    return;
  if (t->qm_init == x)
    t->qm_init = NULL;
  size_t n = 0;
  const ike_child_t *c = ike_qm_children(x->q, &n);
  if (n != 2 || !c[0].inbound || c[1].inbound) {
    iked_tun_fail(t, "quick mode ended without an SA pair");
    return;
  }
  uint32_t old_in = t->spi_in, old_out = t->spi_out;
  bool was_up = t->up;
  /* inbound first: nothing is sent on an SA the peer cannot receive yet
   * (a responder published it with QM2 already) */
  bool early = x->early_in == c[0].spi;
  x->early_in = 0;
  if ((!early && iked_publish_child(pm->srv, t->vr, t->name, &c[0], x->p1->ep->local, x->p1->peer) != 0) ||
      iked_publish_child(pm->srv, t->vr, t->name, &c[1], x->p1->ep->local, x->p1->peer) != 0) {
    iked_tun_fail(t, "the SAs could not be published");
    return;
  }
  t->up = true;
  t->spi_in = c[0].spi;
  t->spi_out = c[1].spi;
  t->fails = 0;
  t->last_err[0] = 0;
  bool initiator = ike_qm_is_initiator(x->q);
  schedule_rekey(t, initiator, c[0].life_seconds, x->done_ms);
  if (was_up) {
    /* a rekey (ours or the peer's): the newest outbound SA carries the
     * traffic at once; the old inbound one stays a little while */
    t->rekeys++;
    iked_unpublish_child(pm->srv, t->vr, t->name, false, old_out);
    retire(pm, t, old_in, x->done_ms);
  }
  const erx_transform_info_t *xi = erx_transform_by_id(c[0].transform);
  char a[ERX_ADDR_STRLEN], pfs[24] = "no pfs";
  if (c[0].pfs_group)
    snprintf(pfs, sizeof pfs, "pfs group %u", c[0].pfs_group);
  LOG_INFO("tunnel ipsec:%s: phase 2 (quick mode, %s) with %s %s: inbound spi %" PRIu32 ", outbound spi %" PRIu32
           ", %s, %s, lifetime %" PRIu32 " s%s",
           t->name, initiator ? "initiator" : "responder", iked_ip(x->p1->peer, a), was_up ? "rekeyed" : "up",
           c[0].spi, c[1].spi, xi ? xi->keyword : "?", pfs, c[0].life_seconds,
           c[0].encap_sport ? ", ESP in UDP 4500" : "");
}

static void qm_failed(iked_peer_t *pm, qmx_t *x, const char *why)
{
  (void)pm;
  char a[ERX_ADDR_STRLEN];
  tun_t *t = x->tun;
  if (t && t->qm_init == x) {
    t->qm_init = NULL;
    iked_tun_fail(t, "phase 2 with %s failed: %s", iked_ip(x->p1->peer, a), why);
  } else {
    LOG_WARN("tunnel ipsec:%s: phase 2 (responder) with %s failed: %s", t ? t->name : "(none)",
             iked_ip(x->p1->peer, a), why);
  }
  iked_qmx_free(x);
}

void iked_qm_start(iked_peer_t *pm, tun_t *t, p1_t *p)
{
  uint8_t out[IKE_QM_MSG_MAX];
  size_t n = 0;
  ike_qm_err_t e = {0};
  t->qcfg.user = t;
  ike_qm_t *q = ike_qm_initiate(&p->sa, &t->qcfg, out, sizeof out, &n, &e);
  if (!q) {
    iked_tun_fail(t, "phase 2 not started: %s", e.reason);
    return;
  }
  qmx_t *x = qmx_add(p, q, t);
  if (!x) {
    ike_qm_free(q);
    iked_backoff(t);
    return;
  }
  t->qm_init = x;
  char a[ERX_ADDR_STRLEN];
  LOG_INFO("tunnel ipsec:%s: phase 2 (quick mode) to %s started%s", t->name, iked_ip(p->peer, a),
           t->up ? " (rekey)" : "");
  iked_send(p, out, n);
}

typedef struct lookup_ctx {
  iked_peer_t *pm;
  p1_t *p1;
  uint32_t msgid; /* of the peer's QM1 */
  tun_t *tun;
  bool ignore;
} lookup_ctx_t;

static const ike_qm_cfg_t *qm_lookup(void *arg, const ike_p1sa_t *p1, const ike_qm_ident_t *idci,
                                     const ike_qm_ident_t *idcr)
{
  (void)p1;
  lookup_ctx_t *c = arg;
  for (tun_t *t = c->pm->tuns; t; t = t->next) {
    if (t->ep != c->p1->ep || t->dst != c->p1->peer || !ike_qm_ident_equal(&t->qcfg.peer, idci) ||
        !ike_qm_ident_equal(&t->qcfg.local, idcr))
      continue;
    if (t->qm_init && !t->qm_init->done) {
      /* both sides started quick mode: another implementation keeps its
       * own, so we yield; between erx-ipsec routers the lower message ID
       * goes on (both sides know both; addresses differ across a NAT) */
      if (c->p1->peer_erx && t->qm_init->msgid < c->msgid) {
        c->ignore = true;
        return NULL;
      }
      t->qm_init->cancel = true; /* freed after ike_qm_respond: it shares the IV table */
      LOG_INFO("tunnel ipsec:%s: both sides started quick mode; the peer's goes on", t->name);
    }
    c->tun = t;
    t->qcfg.user = t;
    return &t->qcfg;
  }
  return NULL;
}

void iked_qm_input(iked_peer_t *pm, p1_t *p, uint32_t msgid, const uint8_t *msg, size_t len)
{
  uint8_t out[IKE_QM_MSG_MAX];
  size_t n = 0;
  ike_qm_err_t e = {0};
  char a[ERX_ADDR_STRLEN], names[NAMES_LEN];
  for (qmx_t *x = p->qms; x; x = x->next) {
    if (x->msgid != msgid)
      continue;
    switch (ike_qm_input(x->q, msg, len, out, sizeof out, &n, &e)) {
    case IKE_QM_SEND:
      iked_send(p, out, n);
      x->last_tx_ms = iked_now_ms();
      break;
    case IKE_QM_DONE:
      iked_send(p, out, n);
      if (!x->done)
        qm_done(pm, x);
      break;
    case IKE_QM_IGNORED:
      LOG_DEBUG("quick mode message from %s ignored: %s", iked_ip(p->peer, a), e.reason);
      break;
    case IKE_QM_FAILED:
      if (ike_qm_state(x->q) == IKE_QMS_DELETED)
        qm_failed(pm, x, e.reason);
      else
        LOG_WARN("%s: quick-mode message from %s refused: %s",
                 iked_names_for(pm, p->ep, p->peer, names, sizeof names), iked_ip(p->peer, a), e.reason);
      break;
    }
    return;
  }
  lookup_ctx_t c = {.pm = pm, .p1 = p, .msgid = msgid};
  ike_qm_t *q = ike_qm_respond(&p->sa, qm_lookup, &c, msg, len, out, sizeof out, &n, &e);
  for (qmx_t *x = p->qms, *next; x; x = next) {
    next = x->next;
    if (x->cancel)
      iked_qmx_free(x);
  }
  if (!q) {
    if (c.ignore || msgid == p->refused_mid)
      return;
    p->refused_mid = msgid;
    LOG_WARN("%s: quick mode from %s refused: %s",
             c.tun ? (snprintf(names, sizeof names, "tunnel ipsec:%s", c.tun->name), names)
                   : iked_names_for(pm, p->ep, p->peer, names, sizeof names),
             iked_ip(p->peer, a), e.reason);
    if (e.notify) {
      /* RFC 2408 §4.8: say why, under the ISAKMP SA's protection */
      uint8_t spi[4] = {0};
      uint8_t nb[IKE_QM_MSG_MAX];
      ike_info_err_t ie;
      size_t nl = ike_info_notify(&p->sa, e.notify, ISAKMP_PROTO_ESP, spi, sizeof spi, NULL, 0, nb, sizeof nb,
                                  &ie);
      iked_send(p, nb, nl);
    }
    return;
  }
  qmx_t *x = qmx_add(p, q, c.tun);
  if (!x) {
    ike_qm_free(q);
    return;
  }
  const ike_child_t *in = ike_qm_inbound_early(q);
  if (in && c.tun && iked_publish_child(pm->srv, c.tun->vr, c.tun->name, in, p->ep->local, p->peer) == 0)
    x->early_in = in->spi;
  iked_send(p, out, n);
}

void iked_p2_peer_refused(iked_peer_t *pm, p1_t *p, uint16_t notify)
{
  char why[96];
  snprintf(why, sizeof why, "the peer refused it: %s", isakmp_notify_name(notify));
  for (qmx_t *x = p->qms, *next; x; x = next) {
    next = x->next;
    if (!x->done && ike_qm_is_initiator(x->q))
      qm_failed(pm, x, why);
  }
}

void iked_qm_tick(iked_peer_t *pm, p1_t *p, int64_t now)
{
  char why[128];
  for (qmx_t *x = p->qms, *xnext; x; x = xnext) {
    xnext = x->next;
    if (x->done) {
      if (now - x->done_ms >= QM_KEEP_MS)
        iked_qmx_free(x);
      continue;
    }
    if (now - x->last_tx_ms < RETX_MS)
      continue;
    if (x->retries >= RETX_MAX) {
      snprintf(why, sizeof why, "no answer after %d retransmissions (state %s)", RETX_MAX,
               ike_qm_state_name(ike_qm_state(x->q)));
      qm_failed(pm, x, why);
      continue;
    }
    size_t n = 0;
    const uint8_t *m = ike_qm_last_sent(x->q, &n);
    if (m && n)
      iked_send(p, m, n);
    x->retries++;
    x->last_tx_ms = now;
  }
}

/* the peer's quick mode for t is under way on p */
static bool qm_busy(const p1_t *p, const tun_t *t)
{
  for (const qmx_t *x = p->qms; x; x = x->next)
    if (x->tun == t && !x->done)
      return true;
  return false;
}

void iked_tun_soft_expired(iked_peer_t *pm, const char *vr, const char *tunnel, uint32_t spi)
{
  tun_t *t = iked_tun_find(pm, vr, tunnel);
  if (!t || !t->up || (spi != t->spi_in && spi != t->spi_out) || t->rekey_wanted)
    return;
  LOG_INFO("tunnel ipsec:%s: SA %" PRIu32 " reached its soft limit (datapathd): rekeying", t->name, spi);
  t->rekey_wanted = true;
  /* now: at line rate the last 10% of a lifetime lasts a fraction of a tick */
  iked_tun_tick(pm, t, iked_now_ms());
}

void iked_tun_rekey_all(iked_peer_t *pm)
{
  int64_t now = iked_now_ms();
  for (tun_t *t = pm->tuns; t; t = t->next)
    if (t->up && !t->rekey_wanted) {
      t->rekey_wanted = true;
      iked_tun_tick(pm, t, now);
    }
}

void iked_tun_tick(iked_peer_t *pm, tun_t *t, int64_t now)
{
  char a[ERX_ADDR_STRLEN];
  for (int i = 0; i < RETIRE_MAX; i++)
    if (t->retiring[i].spi && now >= t->retiring[i].at_ms)
      retire_now(pm, t, &t->retiring[i], iked_p1_find(pm, t->ep, t->dst, true));
  if (t->up) {
    if (now >= t->expire_ms) {
      LOG_WARN("tunnel ipsec:%s: phase 2 expired before a rekey succeeded; negotiating again", t->name);
      iked_tun_down(pm, t, true);
    } else if (now >= t->rekey_ms) {
      t->rekey_wanted = true;
    }
  }
  if ((t->up && !t->rekey_wanted) || t->qm_init || t->p1_init || now < t->next_try_ms)
    return;
  if (!t->ep) {
    char err[256];
    t->ep = iked_ep_for(pm, t->tvr, t->src, err, sizeof err);
    if (!t->ep) {
      iked_tun_fail(t, "no IKE socket on %s in virtual router %s: %s", iked_ip(t->src, a), t->tvr, err);
      return;
    }
  }
  if (t->dynamic && !t->dst)
    return; /* listening: the peer initiates */
  p1_t *p = iked_p1_find(pm, t->ep, t->dst, true);
  if (p) {
    if ((!p->initiator && now - p->est_ms < RESP_QM_DELAY_MS) || qm_busy(p, t))
      return;
    iked_qm_start(pm, t, p);
  } else if (!iked_p1_find(pm, t->ep, t->dst, false)) {
    iked_p1_start(pm, t);
  }
}
