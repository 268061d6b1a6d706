/* What the control socket asks of the driver: the state for configd's
 * show commands, `ipsec clear sa`, and DPD probes for dpd-monitor. */
#include <inttypes.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "iked_peer_priv.h"
#include "log.h"

static char *dup_ip(uint32_t a)
{
  char b[ERX_ADDR_STRLEN];
  return strdup(iked_ip(a, b));
}

static uint32_t secs_left(int64_t until, int64_t now)
{
  return until > now && until != INT64_MAX ? (uint32_t)((until - now + 999) / 1000) : 0;
}

static ProtobufCBinaryData cookie(const uint8_t *c)
{
  uint8_t *b = malloc(8);
  if (b)
    memcpy(b, c, 8);
  return (ProtobufCBinaryData){b ? 8 : 0, b};
}

static int fill_sa(iked_peer_t *pm, const p1_t *p, Erx__Ike__IkeSa *o, int64_t now)
{
  erx__ike__ike_sa__init(o);
  char pn[64] = "";
  if (p->established) {
    ike_mm_proposal_t prop = {.enc = p->sa.enc, .hash = p->sa.hash, .group = p->sa.group,
                              .lifetime_s = p->sa.lifetime_s};
    ike_mm_proposal_name(&prop, pn, sizeof pn);
  }
  o->transport_vr = strdup(p->ep->vr);
  o->local = dup_ip(p->ep->local);
  o->local_port = p->floated ? NATT_PORT : IKE_PORT;
  o->remote = dup_ip(p->peer);
  o->remote_port = p->peer_port;
  o->initiator = p->initiator;
  o->done = p->established;
  o->state = strdup(p->established ? "done" : ike_mm_state_name(ike_mm_state(p->mm)));
  o->seconds_left = p->established ? secs_left(p->expire_ms, now) : 0;
  o->icookie = cookie(p->established ? p->sa.icookie : ike_mm_icookie(p->mm));
  o->rcookie = cookie(p->established ? p->sa.rcookie : ike_mm_rcookie(p->mm));
  o->mode = strdup(p->aggressive || (p->mm && ike_mm_aggressive(p->mm)) ? "aggressive" : "main");
  o->proposal = strdup(pn);
  o->nat = p->floated;
  o->dpd = p->established && p->sa.dpd;
  size_t n = 0;
  for (tun_t *t = pm->tuns; t; t = t->next)
    n += t->ep == p->ep && t->dst == p->peer;
  o->tunnels = n ? calloc(n, sizeof *o->tunnels) : NULL;
  for (tun_t *t = pm->tuns; t && o->tunnels; t = t->next)
    if (t->ep == p->ep && t->dst == p->peer)
      o->tunnels[o->n_tunnels++] = strdup(t->name);
  return o->transport_vr && o->local && o->remote && o->state && o->mode && o->proposal ? 0 : -1;
}

static int fill_tun(iked_peer_t *pm, const tun_t *t, Erx__Ike__TunnelIke *o, int64_t now)
{
  erx__ike__tunnel_ike__init(o);
  o->vr = strdup(t->vr);
  o->tunnel = strdup(t->name);
  o->peer = dup_ip(t->dst);
  const p1_t *p = t->ep ? iked_p1_find(pm, t->ep, t->dst, true) : NULL;
  if (!p && t->ep)
    p = iked_p1_find(pm, t->ep, t->dst, false);
  o->phase1 = strdup(!p ? "" : p->established ? "done" : ike_mm_state_name(ike_mm_state(p->mm)));
  o->phase2 = strdup(t->qm_init ? (t->up ? "up, rekeying" : "negotiating") : t->up ? "up" : "down");
  o->phase2_seconds_left = t->up ? secs_left(t->expire_ms, now) : 0;
  o->last_error = strdup(t->last_err);
  o->inbound_spi = t->spi_in;
  o->outbound_spi = t->spi_out;
  o->rekeys = t->rekeys;
  return o->vr && o->tunnel && o->peer && o->phase1 && o->phase2 && o->last_error ? 0 : -1;
}

static bool wanted(const tun_t *t, const char *vr, const char *tunnel)
{
  if (!tunnel || !*tunnel)
    return true;
  return strcmp(t->name, tunnel) == 0 && strcmp(t->vr, vr && *vr ? vr : "default") == 0;
}

int iked_peer_status(iked_peer_t *pm, const char *vr, const char *tunnel, Erx__Ike__IkeStatusReply *out)
{
  int64_t now = iked_now_ms();
  size_t np = 0, nt = 0;
  for (p1_t *p = pm->p1s; p; p = p->next)
    np++;
  for (tun_t *t = pm->tuns; t; t = t->next)
    nt += wanted(t, vr, tunnel);
  out->sas = np ? calloc(np, sizeof *out->sas) : NULL;
  out->tunnels = nt ? calloc(nt, sizeof *out->tunnels) : NULL;
  if ((np && !out->sas) || (nt && !out->tunnels))
    return -1;
  for (p1_t *p = pm->p1s; p; p = p->next) {
    Erx__Ike__IkeSa *o = calloc(1, sizeof *o);
    if (!o)
      return -1;
    out->sas[out->n_sas++] = o;
    if (fill_sa(pm, p, o, now) != 0)
      return -1;
  }
  for (tun_t *t = pm->tuns; t; t = t->next) {
    if (!wanted(t, vr, tunnel))
      continue;
    Erx__Ike__TunnelIke *o = calloc(1, sizeof *o);
    if (!o)
      return -1;
    out->tunnels[out->n_tunnels++] = o;
    if (fill_tun(pm, t, o, now) != 0)
      return -1;
  }
  return 0;
}

void iked_peer_status_free(Erx__Ike__IkeStatusReply *out)
{
  for (size_t i = 0; i < out->n_sas; i++) {
    Erx__Ike__IkeSa *o = out->sas[i];
    free(o->transport_vr), free(o->local), free(o->remote), free(o->state), free(o->mode), free(o->proposal);
    free(o->icookie.data), free(o->rcookie.data);
    for (size_t k = 0; k < o->n_tunnels; k++)
      free(o->tunnels[k]);
    free(o->tunnels);
    free(o);
  }
  for (size_t i = 0; i < out->n_tunnels; i++) {
    Erx__Ike__TunnelIke *o = out->tunnels[i];
    free(o->vr), free(o->tunnel), free(o->peer), free(o->phase1), free(o->phase2), free(o->last_error);
    free(o);
  }
  free(out->sas);
  free(out->tunnels);
  out->sas = NULL;
  out->tunnels = NULL;
  out->n_sas = out->n_tunnels = 0;
}

int iked_peer_clear(iked_peer_t *pm, const char *vr, const char *tunnel, unsigned phase, char *msg, size_t len)
{
  char a[ERX_ADDR_STRLEN];
  tun_t *t = iked_tun_find(pm, vr, tunnel);
  if (!t) {
    snprintf(msg, len, "ipsec:%s is not a signaled tunnel with a complete configuration", tunnel);
    return -1;
  }
  if (phase != 1 && phase != 2) {
    snprintf(msg, len, "phase must be 1 or 2");
    return -1;
  }
  t->fails = 0;
  t->next_try_ms = 0;
  t->last_err[0] = 0;
  if (t->qm_init)
    iked_qmx_free(t->qm_init);
  if (phase == 2) {
    bool was_up = t->up;
    iked_tun_down(pm, t, true);
    LOG_INFO("tunnel ipsec:%s: phase 2 cleared by the operator; negotiating again", t->name);
    snprintf(msg, len, "%s of ipsec:%s cleared; negotiating again", was_up ? "phase-2 SAs" : "no phase-2 SA",
             t->name);
    return 0;
  }
  /* phase 1: its ISAKMP SA goes (the peer is told) and a new one is made
   * at once; the child SAs carry traffic meanwhile */
  size_t n = 0;
  for (p1_t *p = t->ep ? pm->p1s : NULL, *next; p; p = next) {
    next = p->next;
    if (p->ep != t->ep || p->peer != t->dst)
      continue;
    iked_send_delete_isakmp(p);
    iked_p1_free(pm, p);
    n++;
  }
  iked_ip(t->dst, a);
  LOG_INFO("tunnel ipsec:%s: phase 1 with %s cleared by the operator (%zu SA); negotiating again", t->name, a, n);
  if (t->ep)
    iked_p1_start(pm, t);
  snprintf(msg, len, "phase-1 SA%s with %s cleared; negotiating again", n == 1 ? "" : "s", a);
  return 0;
}

int iked_peer_dpd_probe(iked_peer_t *pm, const char *vr, const char *tunnel, uint32_t *seq, char *why, size_t len)
{
  tun_t *t = iked_tun_find(pm, vr, tunnel);
  p1_t *p = t && t->ep ? iked_p1_find(pm, t->ep, t->dst, true) : NULL;
  if (!t) {
    snprintf(why, len, "ipsec:%s is not a signaled tunnel with a complete configuration", tunnel);
    return -1;
  }
  if (!p) {
    snprintf(why, len, "ipsec:%s has no phase-1 SA to send DPD on", tunnel);
    return -1;
  }
  if (!p->sa.dpd) {
    snprintf(why, len, "the peer of ipsec:%s did not announce DPD (RFC 3706)", tunnel);
    return -1;
  }
  if (!p->dpd_seq && RAND_bytes((uint8_t *)&p->dpd_seq, sizeof p->dpd_seq) != 1)
    p->dpd_seq = 1;
  p->dpd_seq = (p->dpd_seq + 1) & 0x7fffffff; /* RFC 3706 §7: random start, room before wrapping */
  if (!p->dpd_seq)
    p->dpd_seq = 1;
  if (iked_send_dpd(p, false, p->dpd_seq) != 0) {
    snprintf(why, len, "R-U-THERE could not be built");
    return -1;
  }
  *seq = p->dpd_seq;
  return 0;
}
