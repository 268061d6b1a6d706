/* Datagrams in: NAT-T framing (RFC 3948), cookies, then the exchange's
 * driver.  Nothing here allocates before the cookies are known. */
#include <string.h>

#include "addr.h"
#include "iked_peer_priv.h"
#include "isakmp_codec.h"
#include "log.h"

/* UDP 4500 carries IKE behind a zero marker, ESP (datapathd takes its own
 * copy on a raw socket) and one-octet keepalives; only IKE is ours. */
static bool natt_unwrap(const uint8_t **msg, size_t *len)
{
  static const uint8_t marker[4];
  if (*len < 4 || memcmp(*msg, marker, 4) != 0)
    return false;
  *msg += 4;
  *len -= 4;
  return true;
}

static void hex8(const uint8_t *c, char out[17])
{
  static const char hx[] = "0123456789abcdef";
  for (int i = 0; i < 8; i++) {
    out[2 * i] = hx[c[i] >> 4];
    out[2 * i + 1] = hx[c[i] & 15];
  }
  out[16] = 0;
}

/* The port the SA uses follows the peer: a message on 4500 floats it (the
 * peer found a NAT, or a NAT changed its mapping). */
static void follow_port(p1_t *p, bool on4500, uint16_t port)
{
  char a[ERX_ADDR_STRLEN];
  if (on4500 && !p->floated) {
    p->floated = true;
    LOG_INFO("phase 1 with %s: NAT traversal, now on UDP %d (peer port %u)", iked_ip(p->peer, a), NATT_PORT,
             port);
  }
  if (p->peer_port != port && on4500 == p->floated) {
    p->peer_port = port;
    if (p->established)
      p->sa.peer_port = port;
  }
  if (p->floated) {
    if (p->mm)
      ike_mm_set_ports(p->mm, NATT_PORT, p->peer_port);
    if (p->established)
      p->sa.local_port = NATT_PORT;
  }
}

void iked_on_packet(void *arg, iked_sock_t *s, const uint8_t *msg, size_t len, uint32_t from, uint16_t port)
{
  iked_ep_t *ep = arg;
  iked_peer_t *pm = ep->pm;
  bool on4500 = s == ep->s4500;
  if (on4500 && !natt_unwrap(&msg, &len))
    return; /* ESP in UDP or a keepalive */
  isakmp_hdr_t h;
  isakmp_error_t pe;
  char a[ERX_ADDR_STRLEN];
  if (isakmp_parse_header(msg, len, &h, &pe) != ISAKMP_OK) {
    LOG_DEBUG("from %s:%u: %s", iked_ip(from, a), port, pe.msg);
    return;
  }
  char ckey[17];
  hex8(h.icookie, ckey);
  p1_t *p = erx_strmap_get(pm->by_cookie, ckey);
  static const uint8_t zero[8];
  bool first = h.msgid == 0 && !(h.flags & ISAKMP_FLAG_E) && memcmp(h.rcookie, zero, 8) == 0 &&
               (h.exchange == ISAKMP_XCHG_MAIN || h.exchange == ISAKMP_XCHG_AGGRESSIVE);
  if (!p) {
    if (first)
      iked_p1_first(pm, ep, msg, len, from, port, h.exchange);
    else
      iked_invalid_cookie(pm, ep, msg, len, from, port);
    return;
  }
  if (p->ep != ep || p->peer != from) {
    LOG_DEBUG("from %s: cookies of another peer's negotiation", iked_ip(from, a));
    return;
  }
  if (first) {
    /* a retransmitted first message: the engine answers it byte for byte */
    iked_p1_input(pm, p, msg, len);
    return;
  }
  if (!p->initiator) {
    /* our responder cookie is a keyed hash of the initiator's and the peer:
     * a forged one costs one hash, not a decryption */
    uint8_t want[8];
    if (!iked_rcookie(pm, h.icookie, from, port, want) || memcmp(want, h.rcookie, 8) != 0) {
      LOG_DEBUG("from %s: responder cookie not ours", iked_ip(from, a));
      return;
    }
  }
  if (!p->established || h.exchange == ISAKMP_XCHG_MAIN || h.exchange == ISAKMP_XCHG_AGGRESSIVE) {
    if (h.exchange == ISAKMP_XCHG_MAIN || h.exchange == ISAKMP_XCHG_AGGRESSIVE ||
        (h.exchange == ISAKMP_XCHG_INFO && !(h.flags & ISAKMP_FLAG_E))) {
      follow_port(p, on4500, port);
      iked_p1_input(pm, p, msg, len);
    } else if (!p->established && h.exchange == ISAKMP_XCHG_INFO) {
      iked_p1_unreadable(pm, p);
    }
    return;
  }
  if (memcmp(h.rcookie, p->sa.rcookie, 8) != 0)
    return;
  follow_port(p, on4500, port);
  p->last_rx_ms = iked_now_ms();
  if (h.exchange == ISAKMP_XCHG_QUICK)
    iked_qm_input(pm, p, h.msgid, msg, len);
  else if (h.exchange == ISAKMP_XCHG_INFO && (h.flags & ISAKMP_FLAG_E))
    iked_info_input(pm, p, msg, len);
  else
    LOG_DEBUG("from %s: %s exchange ignored", iked_ip(from, a), isakmp_exchange_name(h.exchange));
}
