/* Informational exchanges on an ISAKMP SA (ike_info does the protocol):
 * delete notifications both ways, DPD R-U-THERE / ACK (RFC 3706), the
 * notifies a failed quick mode gets, and INVALID-COOKIE answers to
 * messages nobody knows, only where `ipsec option tx-invalid-cookie` says so. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "ike_info.h"
#include "iked_peer_priv.h"
#include "isakmp_codec.h"
#include "log.h"

/* INVALID-COOKIE notifies per endpoint and second: a flood gets no echo */
#define INV_COOKIE_PER_S 10

void iked_send_delete_esp(p1_t *p, const uint32_t *spis, size_t n)
{
  uint8_t out[IKE_INFO_MSG_MAX];
  ike_info_err_t e;
  size_t len = ike_info_delete(&p->sa, ISAKMP_PROTO_ESP, spis, n, out, sizeof out, &e);
  char a[ERX_ADDR_STRLEN];
  if (!len) {
    LOG_WARN("delete for %zu SA(s) to %s not built: %s", n, iked_ip(p->peer, a), e.reason);
    return;
  }
  iked_send(p, out, len);
  LOG_DEBUG("delete notification for inbound spi %" PRIu32 " sent to %s", spis[0], iked_ip(p->peer, a));
}

void iked_send_delete_isakmp(p1_t *p)
{
  if (!p->established)
    return;
  uint8_t out[IKE_INFO_MSG_MAX];
  ike_info_err_t e;
  size_t len = ike_info_delete(&p->sa, ISAKMP_PROTO_ISAKMP, NULL, 0, out, sizeof out, &e);
  if (len)
    iked_send(p, out, len);
}

int iked_send_dpd(p1_t *p, bool ack, uint32_t seq)
{
  uint8_t out[IKE_INFO_MSG_MAX];
  ike_info_err_t e;
  size_t len = ike_info_dpd(&p->sa, ack, seq, out, sizeof out, &e);
  if (!len)
    return -1;
  iked_send(p, out, len);
  return 0;
}

static uint32_t be32(const uint8_t *b)
{
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* The peer deleted its inbound SA: that is our outbound one. */
static void peer_deleted_esp(iked_peer_t *pm, p1_t *p, uint32_t spi)
{
  tun_t *t = iked_tun_by_spi(pm, spi, false);
  char a[ERX_ADDR_STRLEN];
  if (!t || t->ep != p->ep || t->dst != p->peer) {
    LOG_DEBUG("delete from %s for spi %" PRIu32 ": not a current SA (already rekeyed)", iked_ip(p->peer, a), spi);
    return;
  }
  LOG_INFO("tunnel ipsec:%s: peer %s deleted the SA pair (outbound spi %" PRIu32 "); negotiating again", t->name,
           iked_ip(p->peer, a), spi);
  iked_tun_down(pm, t, true);
  t->next_try_ms = 0; /* an ERX brings it back at once */
}

static void on_notify(iked_peer_t *pm, p1_t *p, const ike_info_notify_pl_t *n)
{
  char a[ERX_ADDR_STRLEN], names[NAMES_LEN];
  bool dpd = n->type == ISAKMP_N_R_U_THERE || n->type == ISAKMP_N_R_U_THERE_ACK;
  if (dpd) {
    if (n->spi_len != 16 || memcmp(n->spi, p->sa.icookie, 8) != 0 || memcmp(n->spi + 8, p->sa.rcookie, 8) != 0 ||
        n->data_len != 4) {
      LOG_DEBUG("DPD from %s with wrong cookies or data ignored", iked_ip(p->peer, a));
      return;
    }
    uint32_t seq = be32(n->data);
    bool ack = n->type == ISAKMP_N_R_U_THERE_ACK;
    if (!ack)
      iked_send_dpd(p, true, seq);
    for (tun_t *t = pm->tuns; t; t = t->next)
      if (t->ep == p->ep && t->dst == p->peer)
        iked_publish_dpd(pm->srv, t->vr, t->name, p->peer, seq, ack);
    return;
  }
  LOG_WARN("%s: peer %s says %s", iked_names_for(pm, p->ep, p->peer, names, sizeof names), iked_ip(p->peer, a),
           isakmp_notify_name(n->type));
  if (n->type < ISAKMP_N_CONNECTED) /* an error (RFC 2408 §3.14.1), not a status */
    iked_p2_peer_refused(pm, p, n->type);
}

void iked_info_input(iked_peer_t *pm, p1_t *p, const uint8_t *msg, size_t len)
{
  ike_info_msg_t m;
  ike_info_err_t e;
  char a[ERX_ADDR_STRLEN], names[NAMES_LEN];
  if (ike_info_parse(&p->sa, msg, len, &m, &e) != 0) {
    LOG_DEBUG("informational message from %s refused: %s", iked_ip(p->peer, a), e.reason);
    return;
  }
  for (size_t i = 0; i < m.nnotifies; i++)
    on_notify(pm, p, &m.notifies[i]);
  for (size_t i = 0; i < m.ndeletes; i++) {
    const ike_info_delete_pl_t *d = &m.deletes[i];
    if (d->proto == ISAKMP_PROTO_ISAKMP) {
      if (!d->isakmp_cookies_match)
        continue;
      LOG_INFO("%s: peer %s deleted the phase-1 SA",
               iked_names_for(pm, p->ep, p->peer, names, sizeof names), iked_ip(p->peer, a));
      iked_p1_free(pm, p);
      return; /* p is gone; a later delete in the same message is moot */
    }
    if (d->proto == ISAKMP_PROTO_ESP || d->proto == ISAKMP_PROTO_AH)
      for (size_t k = 0; k < d->nspis; k++)
        peer_deleted_esp(pm, p, d->spis[k]);
  }
}

void iked_invalid_cookie(iked_peer_t *pm, iked_ep_t *ep, const uint8_t *msg, size_t len, uint32_t from,
                         uint16_t port)
{
  char a[ERX_ADDR_STRLEN];
  isakmp_hdr_t h;
  isakmp_error_t pe;
  if (isakmp_parse_header(msg, len, &h, &pe) != ISAKMP_OK || h.exchange == ISAKMP_XCHG_INFO)
    return; /* never answer a notify with a notify */
  if (!iked_cfg_tx_invalid_cookie(pm->srv, ep->vr)) {
    LOG_DEBUG("from %s: %s message for no negotiation of ours", iked_ip(from, a), isakmp_exchange_name(h.exchange));
    return;
  }
  int64_t now = iked_now_ms();
  if (now - ep->inv_window_ms >= 1000) {
    ep->inv_window_ms = now;
    ep->inv_sent = 0;
  }
  if (ep->inv_sent >= INV_COOKIE_PER_S)
    return;
  ep->inv_sent++;
  uint8_t out[IKE_INFO_MSG_MAX];
  size_t n = ike_info_clear_notify(h.icookie, h.rcookie, ISAKMP_N_INVALID_COOKIE, out, sizeof out);
  if (n)
    iked_sock_send(ep->s500, from, port, out, n);
  LOG_DEBUG("INVALID-COOKIE sent to %s:%u", iked_ip(from, a), port);
}
