/* Phase-1 SAs: starting, answering and finishing main mode (ike_mm does
 * the protocol), the NAT-T float, the lifetime and its rekey. */
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "ike_mm_isakmp.h"
#include "iked_peer_priv.h"
#include "isakmp.h"
#include "log.h"

/* the rekey of an ISAKMP SA starts at this share of its lifetime: the
 * initiator's side first, so both rarely start at once */
#define P1_REKEY_INITIATOR 0.85
#define P1_REKEY_RESPONDER 0.92

bool iked_rcookie(void *ctx, const uint8_t icookie[8], uint32_t peer, uint16_t port, uint8_t out[8])
{
  (void)port; /* a NAT may move the peer's port when it floats to 4500 */
  iked_peer_t *pm = ctx;
  uint8_t in[12], md[EVP_MAX_MD_SIZE];
  unsigned mdlen = 0;
  memcpy(in, icookie, 8);
  for (int i = 0; i < 4; i++)
    in[8 + i] = (uint8_t)(peer >> (24 - 8 * i));
  if (!HMAC(EVP_sha256(), pm->cookie_secret, sizeof pm->cookie_secret, in, sizeof in, md, &mdlen) || mdlen < 8)
    return false;
  memcpy(out, md, 8);
  return true;
}

static bool psk_lookup(void *ctx, uint32_t peer, uint8_t *key, size_t cap, size_t *len)
{
  iked_ep_t *ep = ctx;
  char k[200], a[ERX_ADDR_STRLEN];
  snprintf(k, sizeof k, "psk/%s/%s", ep->vr, iked_ip(peer, a));
  const ProtobufCMessage *m = iked_cfg_get(ep->pm->srv, k);
  if (!m || m->descriptor != &erx__cfg__pre_shared_key__descriptor)
    return false;
  const Erx__Cfg__PreSharedKey *psk = (const Erx__Cfg__PreSharedKey *)m;
  if (!psk->secret.len || psk->secret.len > cap)
    return false; /* no clear key: configd publishes it on ipc endpoints only */
  memcpy(key, psk->secret.data, psk->secret.len);
  *len = psk->secret.len;
  return true;
}

static bool psk_named(const iked_ep_t *ep, const char *name, uint8_t *key, size_t cap, size_t *len)
{
  char k[200];
  snprintf(k, sizeof k, "psk/%s/%s", ep->vr, name);
  const ProtobufCMessage *m = iked_cfg_get(ep->pm->srv, k);
  if (!m || m->descriptor != &erx__cfg__pre_shared_key__descriptor)
    return false;
  const Erx__Cfg__PreSharedKey *psk = (const Erx__Cfg__PreSharedKey *)m;
  if (!psk->secret.len || psk->secret.len > cap)
    return false;
  memcpy(key, psk->secret.data, psk->secret.len);
  *len = psk->secret.len;
  return true;
}

/* By the peer's identity, as JUNOSe looks keys up (reference §2.3): the
 * whole user@fqdn, then the bare fqdn, then the address. */
static bool psk_by_id(void *ctx, uint32_t peer, uint8_t type, const uint8_t *id, size_t id_len, uint8_t *key,
                      size_t cap, size_t *len)
{
  iked_ep_t *ep = ctx;
  if ((type == ISAKMP_ID_FQDN || type == ISAKMP_ID_USER_FQDN) && id_len > 0 && id_len < IKE_MM_ID_MAX) {
    char name[IKE_MM_ID_MAX + 1];
    memcpy(name, id, id_len);
    name[id_len] = 0;
    if (strchr(name, '/'))
      return false; /* not a name configd could hold: never a path into the mirror */
    if (psk_named(ep, name, key, cap, len))
      return true;
    const char *at = type == ISAKMP_ID_USER_FQDN ? strchr(name, '@') : NULL;
    if (at && psk_named(ep, at + 1, key, cap, len))
      return true;
  }
  return psk_lookup(ep, peer, key, cap, len);
}

static ike_mm_cfg_t mm_cfg(iked_peer_t *pm, iked_ep_t *ep, const tun_t *t)
{
  /* a responder does not know the tunnel before the peer's ID: it sends
   * the name of the first tunnel on this endpoint that has one */
  const tun_t *named = t;
  for (const tun_t *u = pm->tuns; !named && u; u = u->next)
    if (u->ep == ep && u->local_id.type)
      named = u;
  return (ike_mm_cfg_t){.local_addr = ep->local,
                        .local_id = named ? named->local_id : (ike_mm_id_t){0},
                        .psk_id = psk_by_id,
                        .local_port = IKE_PORT,
                        .peer_port = IKE_PORT,
                        .proposals = pm->rules,
                        .nproposals = pm->nrules,
                        .psk = psk_lookup,
                        .psk_ctx = ep,
                        .rcookie = iked_rcookie,
                        .rcookie_ctx = pm,
                        .vid_dpd = true,
                        .vid_erx = true,
                        .vid_natt = ep->s4500 != NULL};
}

void iked_p1_free(iked_peer_t *pm, p1_t *p)
{
  while (p->qms)
    iked_qmx_free(p->qms);
  if (p->owner && p->owner->p1_init == p)
    p->owner->p1_init = NULL;
  erx_strmap_del(pm->by_cookie, p->ckey);
  p1_t **pp = &pm->p1s;
  while (*pp && *pp != p)
    pp = &(*pp)->next;
  if (*pp)
    *pp = p->next;
  ike_mm_free(p->mm);
  if (p->established)
    ike_p1sa_clear(&p->sa);
  free(p);
}

static p1_t *p1_add(iked_peer_t *pm, iked_ep_t *ep, uint32_t peer, uint16_t port, ike_mm_t *mm, bool initiator)
{
  p1_t *p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  p->ep = ep;
  p->peer = peer;
  p->peer_port = port;
  p->mm = mm;
  p->initiator = initiator;
  p->start_ms = p->last_tx_ms = iked_now_ms();
  const uint8_t *c = ike_mm_icookie(mm);
  for (int i = 0; i < 8; i++)
    snprintf(p->ckey + 2 * i, 3, "%02x", c[i]);
  if (erx_strmap_put(pm->by_cookie, p->ckey, p, NULL) != 0) {
    free(p);
    return NULL;
  }
  p->next = pm->p1s;
  pm->p1s = p;
  return p;
}

p1_t *iked_p1_find(iked_peer_t *pm, const iked_ep_t *ep, uint32_t peer, bool established)
{
  p1_t *best = NULL;
  for (p1_t *p = pm->p1s; p; p = p->next)
    if (p->ep == ep && p->peer == peer && p->established == established && (!best || p->est_ms > best->est_ms))
      best = p;
  return best;
}

/* responders not yet established: what a flood of first messages costs us
 * (our own initiations are bounded by the tunnels) */
static void half_open(iked_peer_t *pm, const iked_ep_t *ep, uint32_t peer, size_t *all, size_t *from_peer)
{
  *all = *from_peer = 0;
  for (p1_t *p = pm->p1s; p; p = p->next)
    if (!p->established && !p->initiator) {
      (*all)++;
      *from_peer += p->peer == peer && p->ep == ep;
    }
}

static bool serves_tunnel(iked_peer_t *pm, const p1_t *p)
{
  for (tun_t *t = pm->tuns; t; t = t->next)
    if (t->ep == p->ep && t->dst == p->peer)
      return true;
  return false;
}

static bool id_is(const ike_mm_id_t *want, const uint8_t *body, size_t len)
{
  return len >= 4 && body[0] == want->type && len - 4 == want->len && strncasecmp((const char *)body + 4,
                                                                                    (const char *)want->data,
                                                                                    want->len) == 0;
}

/* A peer with a dynamic address authenticated with the identity a tunnel
 * names as its destination: that is where the tunnel goes now. */
static void learn_dynamic(iked_peer_t *pm, const p1_t *p)
{
  char a[ERX_ADDR_STRLEN];
  for (tun_t *t = pm->tuns; t; t = t->next) {
    if (!t->dynamic || t->ep != p->ep || t->dst == p->peer || !id_is(&t->peer_id, p->sa.peer_id, p->sa.peer_id_len))
      continue;
    if (t->up)
      iked_tun_down(pm, t, false);
    t->dst = p->peer;
    t->next_try_ms = 0;
    LOG_INFO("tunnel ipsec:%s: its peer (dynamic address) is at %s", t->name, iked_ip(p->peer, a));
  }
}

static void p1_established(iked_peer_t *pm, p1_t *p)
{
  char names[NAMES_LEN], a[ERX_ADDR_STRLEN], pn[64];
  if (!ike_mm_take_sa(p->mm, &p->sa)) {
    LOG_ERR("phase 1 with %s: established SA could not be taken", iked_ip(p->peer, a));
    return;
  }
  p->established = true;
  p->aggressive = ike_mm_aggressive(p->mm);
  learn_dynamic(pm, p);
  p->est_ms = p->last_rx_ms = iked_now_ms();
  if (p->floated) {
    p->sa.local_port = NATT_PORT;
    p->sa.peer_port = p->peer_port;
  }
  uint64_t life_ms = (uint64_t)p->sa.lifetime_s * 1000;
  p->expire_ms = p->est_ms + (int64_t)life_ms;
  p->rekey_ms = p->est_ms + (int64_t)(life_ms * (p->initiator ? P1_REKEY_INITIATOR : P1_REKEY_RESPONDER));
  ike_mm_proposal_t prop = {.enc = p->sa.enc, .hash = p->sa.hash, .group = p->sa.group,
                            .lifetime_s = p->sa.lifetime_s};
  LOG_INFO("%s: phase 1 (%s mode, %s) with %s established: %s, lifetime %" PRIu32 " s%s%s",
           iked_names_for(pm, p->ep, p->peer, names, sizeof names), p->aggressive ? "aggressive" : "main",
           p->initiator ? "initiator" : "responder", iked_ip(p->peer, a),
           ike_mm_proposal_name(&prop, pn, sizeof pn), p->sa.lifetime_s,
           p->floated ? ", NAT-T on UDP 4500" : "", p->sa.dpd ? ", peer does DPD" : "");
  if (p->owner) {
    p->owner->p1_init = NULL;
    p->owner->last_err[0] = 0;
  }
  /* one ISAKMP SA per peer: an older one (rekeyed, or the peer restarted)
   * is deleted; the child SAs it negotiated live on */
  for (p1_t *o = pm->p1s, *next; o; o = next) {
    next = o->next;
    if (o != p && o->ep == p->ep && o->peer == p->peer && o->established) {
      iked_send_delete_isakmp(o);
      iked_p1_free(pm, o);
    }
  }
  /* quick modes now rather than at the next tick */
  if (p->initiator)
    for (tun_t *t = pm->tuns; t; t = t->next)
      if (t->ep == p->ep && t->dst == p->peer && !t->qm_init && (!t->up || t->rekey_wanted))
        iked_qm_start(pm, t, p);
}

static void p1_failed(iked_peer_t *pm, p1_t *p, const char *why)
{
  char names[NAMES_LEN], a[ERX_ADDR_STRLEN];
  if (p->owner) {
    tun_t *t = p->owner;
    p->owner = NULL;
    t->p1_init = NULL;
    iked_tun_fail(t, "phase 1%s with %s failed: %s", p->initiator ? "" : " (responder)", iked_ip(p->peer, a), why);
    /* the other tunnels to that peer say nothing: they wait for the next attempt */
  } else {
    LOG_WARN("%s: phase 1 (responder) with %s failed: %s", iked_names_for(pm, p->ep, p->peer, names, sizeof names),
             iked_ip(p->peer, a), why);
  }
  iked_p1_free(pm, p);
}

void iked_p1_start(iked_peer_t *pm, tun_t *t)
{
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n = 0;
  ike_mm_error_t e = {0};
  ike_mm_cfg_t c = mm_cfg(pm, t->ep, t);
  c.peer_addr = t->dst;
  bool aggr = ike_mm_wants_aggressive(pm->rules, pm->nrules);
  ike_mm_t *mm = aggr ? ike_am_initiate(&c, out, sizeof out, &n, &e) : ike_mm_initiate(&c, out, sizeof out, &n, &e);
  if (!mm) {
    iked_tun_fail(t, "phase 1 not started: %s", e.msg);
    return;
  }
  p1_t *p = p1_add(pm, t->ep, t->dst, IKE_PORT, mm, true);
  if (!p) {
    ike_mm_free(mm);
    iked_backoff(t);
    return;
  }
  p->owner = t;
  t->p1_init = p;
  char a[ERX_ADDR_STRLEN];
  LOG_INFO("tunnel ipsec:%s: phase 1 (%s mode) to %s started", t->name, aggr ? "aggressive" : "main",
           iked_ip(t->dst, a));
  iked_send(p, out, n);
}

/* RFC 3947 §4: the initiator moves to 4500 with its first encrypted
 * message once NAT-D showed a NAT (or an aggressive-mode AM3) */
static void maybe_float(p1_t *p)
{
  char a[ERX_ADDR_STRLEN];
  if (!p->initiator || p->floated || !p->ep->s4500 || !ike_mm_nat_detected(p->mm))
    return;
  p->floated = true;
  p->peer_port = NATT_PORT;
  ike_mm_set_ports(p->mm, NATT_PORT, NATT_PORT);
  LOG_INFO("phase 1 with %s: NAT detected, floating to UDP %d", iked_ip(p->peer, a), NATT_PORT);
}

void iked_p1_input(iked_peer_t *pm, p1_t *p, const uint8_t *msg, size_t len)
{
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n = 0;
  ike_mm_error_t e = {0};
  char a[ERX_ADDR_STRLEN], names[NAMES_LEN], why[IKE_MM_ERR_LEN + 64];
  ike_mm_state_t before = ike_mm_state(p->mm);
  if (!p->peer_erx && len > 19 && !(msg[19] & ISAKMP_FLAG_E)) /* MM2 / AM2 */
    p->peer_erx = ike_mm_has_vid(msg, len, ike_mm_vid_erx);
  switch (ike_mm_input(p->mm, msg, len, out, sizeof out, &n, &e)) {
  case IKE_MM_SEND:
    maybe_float(p);
    iked_send(p, out, n);
    /* only progress restarts the count: a peer repeating its last message
     * (it cannot read ours: keys differ) must not keep us waiting forever */
    if (ike_mm_state(p->mm) != before) {
      p->last_tx_ms = iked_now_ms();
      p->retries = 0;
    }
    break;
  case IKE_MM_DONE:
    maybe_float(p);
    iked_send(p, out, n);
    if (!p->established)
      p1_established(pm, p);
    break;
  case IKE_MM_IGNORED:
    if (e.peer_notify && e.peer_notify < ISAKMP_N_CONNECTED)
      p->peer_refused = true; /* unauthenticated: it only weighs in a collision */
    if (e.peer_notify && !p->notify_logged) {
      p->notify_logged = true;
      LOG_WARN("%s: peer %s says %s during phase 1 (unauthenticated notify): %s",
               iked_names_for(pm, p->ep, p->peer, names, sizeof names), iked_ip(p->peer, a),
               isakmp_notify_name(e.peer_notify), e.msg);
    } else {
      LOG_DEBUG("phase-1 message from %s ignored: %s", iked_ip(p->peer, a), e.msg);
    }
    break;
  case IKE_MM_FAILED:
    iked_send(p, out, n);
    if (e.notify)
      snprintf(why, sizeof why, "%s: %s",
               e.notify == ISAKMP_N_AUTHENTICATION_FAILED ? "authentication failed" : isakmp_notify_name(e.notify),
               e.msg);
    else
      snprintf(why, sizeof why, "%s", e.msg);
    p1_failed(pm, p, why);
    break;
  }
}

/* Anyone can send first messages: a few warnings a minute per endpoint,
 * then how many more were refused. */
static void refused_log(iked_peer_t *pm, iked_ep_t *ep, uint32_t from, const char *why)
{
  char a[ERX_ADDR_STRLEN], names[NAMES_LEN];
  int64_t now = iked_now_ms();
  if (now - ep->refused_window_ms >= 60000) {
    if (ep->refused_quiet)
      LOG_WARN("%u more first messages to %s refused in the last minute (not logged)", ep->refused_quiet,
               iked_ip(ep->local, a));
    ep->refused_window_ms = now;
    ep->refused_logged = ep->refused_quiet = 0;
  }
  if (ep->refused_logged >= 10) {
    ep->refused_quiet++;
    LOG_DEBUG("phase 1 from %s refused: %s", iked_ip(from, a), why);
    return;
  }
  ep->refused_logged++;
  LOG_WARN("%s: phase 1 from %s refused: %s", iked_names_for(pm, ep, from, names, sizeof names), iked_ip(from, a),
           why);
}

/* our first message again now rather than at the next retransmission (it
 * may have come before the peer was configured) */
static void resend_first(p1_t *mine)
{
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n = 0;
  ike_mm_state_t st = ike_mm_state(mine->mm);
  if ((st == IKE_MMS_SA_I || st == IKE_MMS_AM_SA_I) && ike_mm_last(mine->mm, out, sizeof out, &n)) {
    iked_send(mine, out, n);
    mine->last_tx_ms = iked_now_ms();
  }
}

/* Both sides started.  Another implementation keeps its own (strongSwan and
 * Libreswan do): we yield, or both would end up with two.  Between two
 * erx-ipsec routers (our vendor ID) the lower initiator cookie goes on — not
 * the lower address: across a NAT the two sides see different address pairs
 * and each could think itself the lower.  Ours does not go on when the peer
 * behind it is behind a NAT that will not let ours in (its first message
 * comes from another port than the one we send to), or when the peer already
 * refused ours. */
static bool ours_goes_on(const p1_t *mine, const uint8_t *msg, size_t len, uint16_t port)
{
  return !mine->peer_refused && port == mine->peer_port && ike_mm_has_vid(msg, len, ike_mm_vid_erx) &&
         memcmp(ike_mm_icookie(mine->mm), msg, 8) < 0;
}

void iked_p1_first(iked_peer_t *pm, iked_ep_t *ep, const uint8_t *msg, size_t len, uint32_t from, uint16_t port,
                   uint8_t exchange)
{
  char a[ERX_ADDR_STRLEN], names[NAMES_LEN];
  size_t all, per_peer;
  half_open(pm, ep, from, &all, &per_peer);
  if (all >= HALF_OPEN_MAX || per_peer >= HALF_OPEN_PER_PEER) {
    LOG_DEBUG("phase 1 from %s dropped: %zu half-open responders (%zu from it)", iked_ip(from, a), all, per_peer);
    return;
  }
  p1_t *mine = iked_p1_find(pm, ep, from, false);
  if (mine && !mine->initiator)
    mine = NULL;
  if (mine && ours_goes_on(mine, msg, len, port)) {
    LOG_DEBUG("phase 1 from %s ignored: ours to it goes on (lower cookie)", iked_ip(from, a));
    resend_first(mine);
    return;
  }
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n = 0;
  ike_mm_error_t e = {0};
  ike_mm_cfg_t c = mm_cfg(pm, ep, NULL);
  ike_mm_t *mm = ike_mm_respond(&c, msg, len, from, port, out, sizeof out, &n, &e);
  if (!mm) {
    /* refused: ours, if any, stays the only chance */
    refused_log(pm, ep, from, e.msg);
    if (n)
      iked_sock_send(ep->s500, from, port, out, n);
    if (mine)
      resend_first(mine);
    return;
  }
  tun_t *owner = NULL;
  if (mine) {
    LOG_INFO("%s: both sides started phase 1; the peer's goes on", iked_names_for(pm, ep, from, names, sizeof names));
    owner = mine->owner;
    mine->owner = NULL;
    if (owner)
      owner->p1_init = NULL;
    iked_p1_free(pm, mine);
  }
  p1_t *p = p1_add(pm, ep, from, port, mm, false);
  if (!p) {
    ike_mm_free(mm);
    return;
  }
  /* the tunnel that yielded now waits on this one: its failure (a wrong
   * key, say) backs the tunnel off instead of restarting it every tick */
  p->owner = owner;
  if (owner)
    owner->p1_init = p;
  p->peer_erx = ike_mm_has_vid(msg, len, ike_mm_vid_erx);
  LOG_INFO("%s: phase 1 (%s mode) from %s accepted (responder)", iked_names_for(pm, ep, from, names, sizeof names),
           exchange == ISAKMP_XCHG_AGGRESSIVE ? "aggressive" : "main", iked_ip(from, a));
  iked_send(p, out, n);
}

static void p1_retransmit(iked_peer_t *pm, p1_t *p, int64_t now)
{
  char a[ERX_ADDR_STRLEN], why[128];
  if (p->retries >= RETX_MAX) {
    ike_mm_state_t st = ike_mm_state(p->mm);
    snprintf(why, sizeof why, "no answer after %d retransmissions (state %s)%s", RETX_MAX, ike_mm_state_name(st),
             st == IKE_MMS_FINAL_I ? ": no valid MM6 (pre-shared keys differ?)" : "");
    p1_failed(pm, p, why);
    return;
  }
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n = 0;
  if (ike_mm_last(p->mm, out, sizeof out, &n))
    iked_send(p, out, n);
  p->retries++;
  p->last_tx_ms = now;
  LOG_DEBUG("phase 1 with %s: retransmission %u", iked_ip(p->peer, a), p->retries);
}

/* a new ISAKMP SA before this one ends, if a tunnel still needs one */
static void p1_rekey(iked_peer_t *pm, p1_t *p)
{
  p->rekeying = true;
  if (!serves_tunnel(pm, p) || iked_p1_find(pm, p->ep, p->peer, false))
    return;
  for (tun_t *t = pm->tuns; t; t = t->next) {
    if (t->ep != p->ep || t->dst != p->peer || t->p1_init)
      continue;
    char a[ERX_ADDR_STRLEN];
    LOG_INFO("tunnel ipsec:%s: phase 1 with %s rekeyed before its lifetime ends", t->name, iked_ip(p->peer, a));
    iked_p1_start(pm, t);
    return;
  }
}

/* An encrypted informational message before phase 1 is done: the peer
 * answers our last (encrypted) message with a notify under keys we do not
 * share — what a pre-shared key mismatch looks like (RFC 2409 §5). */
void iked_p1_unreadable(iked_peer_t *pm, p1_t *p)
{
  ike_mm_state_t st = ike_mm_state(p->mm);
  if (!p->initiator || (st != IKE_MMS_FINAL_I && st != IKE_MMS_AM_FINAL_I))
    return;
  p1_failed(pm, p,
            "authentication failed: the peer answered with an encrypted notify we cannot read "
            "(pre-shared keys differ?)");
}

bool iked_p1_tick(iked_peer_t *pm, p1_t *p, int64_t now)
{
  char a[ERX_ADDR_STRLEN], names[NAMES_LEN];
  if (!p->established) {
    if (now - p->last_tx_ms >= RETX_MS) {
      bool gone = p->retries >= RETX_MAX;
      p1_retransmit(pm, p, now);
      return !gone;
    }
    return true;
  }
  if (now >= p->expire_ms) {
    LOG_INFO("%s: phase 1 with %s expired (lifetime %" PRIu32 " s)",
             iked_names_for(pm, p->ep, p->peer, names, sizeof names), iked_ip(p->peer, a), p->sa.lifetime_s);
    iked_send_delete_isakmp(p);
    iked_p1_free(pm, p);
    return false;
  }
  if (!p->rekeying && now >= p->rekey_ms)
    p1_rekey(pm, p);
  if (p->floated && p->sa.nat_local && p->ep->s4500 && now - p->last_ka_ms >= NATT_KEEPALIVE_MS) {
    static const uint8_t ka = 0xff; /* RFC 3948 §2.3 */
    iked_sock_send(p->ep->s4500, p->peer, p->peer_port, &ka, 1);
    p->last_ka_ms = now;
  }
  return true;
}
