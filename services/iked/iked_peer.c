#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "iked_peer_priv.h"
#include "log.h"

int64_t iked_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *iked_ip(uint32_t a, char *buf)
{
  return erx_ipv4_format(a, buf);
}

/* ---- SPIs: random, >= 256, unique in this process ---- */

uint32_t iked_spi_alloc(void *arg, uint8_t proto)
{
  (void)proto;
  iked_peer_t *pm = arg;
  for (int i = 0; i < 64; i++) {
    uint32_t spi;
    if (RAND_bytes((uint8_t *)&spi, sizeof spi) != 1)
      return 0;
    if (spi < 256)
      continue;
    char k[16];
    snprintf(k, sizeof k, "%" PRIu32, spi);
    if (erx_strmap_get(pm->spis, k))
      continue;
    if (erx_strmap_put(pm->spis, k, (void *)1, NULL) != 0)
      return 0;
    return spi;
  }
  return 0;
}

void iked_spi_release(void *arg, uint8_t proto, uint32_t spi)
{
  (void)proto;
  iked_peer_t *pm = arg;
  char k[16];
  snprintf(k, sizeof k, "%" PRIu32, spi);
  erx_strmap_del(pm->spis, k);
}

/* ---- endpoints ---- */

static void ep_close(void *v)
{
  iked_ep_t *ep = v;
  iked_sock_close(ep->s500);
  iked_sock_close(ep->s4500);
  free(ep);
}

iked_ep_t *iked_ep_for(iked_peer_t *pm, const char *vr, uint32_t local, char *err, size_t errlen)
{
  char key[128], a[ERX_ADDR_STRLEN];
  snprintf(key, sizeof key, "%s/%s", vr, iked_ip(local, a));
  iked_ep_t *ep = erx_strmap_get(pm->eps, key);
  if (ep)
    return ep;
  ep = calloc(1, sizeof *ep);
  if (!ep) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  ep->pm = pm;
  ep->local = local;
  snprintf(ep->vr, sizeof ep->vr, "%s", vr);
  char nsbuf[160], nerr[256];
  const char *ns = iked_netns(pm->srv, vr, nsbuf, sizeof nsbuf);
  ep->s500 = iked_sock_open(iked_base(pm->srv), ns, vr, local, IKE_PORT, iked_on_packet, ep, err, errlen);
  if (!ep->s500) {
    free(ep);
    return NULL;
  }
  ep->s4500 = iked_sock_open(iked_base(pm->srv), ns, vr, local, NATT_PORT, iked_on_packet, ep, nerr, sizeof nerr);
  if (!ep->s4500)
    LOG_WARN("no NAT traversal on %s in virtual router %s: UDP %d: %s", a, vr, NATT_PORT, nerr);
  if (erx_strmap_put(pm->eps, key, ep, NULL) != 0) {
    ep_close(ep);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  LOG_INFO("listening on UDP %s:%d%s in virtual router %s", a, IKE_PORT, ep->s4500 ? " and 4500" : "", vr);
  return ep;
}

void iked_send(p1_t *p, const uint8_t *msg, size_t len)
{
  if (!len)
    return;
  int rc;
  if (p->floated && p->ep->s4500) {
    /* RFC 3948 §2.2: IKE on 4500 starts with four zero octets */
    uint8_t buf[IKE_MM_MSG_MAX + 4];
    if (len > sizeof buf - 4)
      return;
    memset(buf, 0, 4);
    memcpy(buf + 4, msg, len);
    rc = iked_sock_send(p->ep->s4500, p->peer, p->peer_port, buf, len + 4);
  } else {
    rc = iked_sock_send(p->ep->s500, p->peer, p->peer_port, msg, len);
  }
  if (rc != 0) {
    char a[ERX_ADDR_STRLEN];
    LOG_DEBUG("send to %s:%u failed (retransmission will retry)", iked_ip(p->peer, a), p->peer_port);
  }
}

/* The tunnels a phase-1 SA serves, for the logs: "ipsec:a, ipsec:b" */
const char *iked_names_for(iked_peer_t *pm, const iked_ep_t *ep, uint32_t peer, char *buf, size_t cap)
{
  size_t n = 0;
  buf[0] = 0;
  for (tun_t *t = pm->tuns; t; t = t->next) {
    if (t->ep != ep || t->dst != peer)
      continue;
    int w = snprintf(buf + n, cap - n, "%sipsec:%s", n ? ", " : "", t->name);
    if (w < 0 || (size_t)w >= cap - n)
      break;
    n += (size_t)w;
  }
  if (!n)
    snprintf(buf, cap, "(no tunnel)");
  return buf;
}

/* ---- tunnels' failures ---- */

void iked_backoff(tun_t *t)
{
  int64_t d = BACKOFF_MIN_MS;
  for (unsigned i = 0; i < t->fails && d < BACKOFF_MAX_MS; i++)
    d *= 2;
  if (d > BACKOFF_MAX_MS)
    d = BACKOFF_MAX_MS;
  t->fails++;
  t->next_try_ms = iked_now_ms() + d;
}

void iked_tun_fail(tun_t *t, const char *fmt, ...)
{
  char msg[sizeof t->last_err];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  /* the same reason again after each back-off is one event, logged once */
  if (strcmp(msg, t->last_err) != 0)
    LOG_WARN("tunnel ipsec:%s: %s; retrying with back-off", t->name, msg);
  snprintf(t->last_err, sizeof t->last_err, "%s", msg);
  iked_backoff(t);
}

/* ---- timer ---- */

void iked_peer_tick(iked_peer_t *pm)
{
  int64_t now = iked_now_ms();
  for (p1_t *p = pm->p1s, *pnext; p; p = pnext) {
    pnext = p->next;
    if (iked_p1_tick(pm, p, now))
      iked_qm_tick(pm, p, now);
  }
  for (tun_t *t = pm->tuns; t; t = t->next)
    iked_tun_tick(pm, t, now);
}

/* ---- life cycle ---- */

iked_peer_t *iked_peer_new(iked_server_t *srv)
{
  iked_peer_t *pm = calloc(1, sizeof *pm);
  if (!pm)
    return NULL;
  pm->srv = srv;
  pm->by_cookie = erx_strmap_new();
  pm->eps = erx_strmap_new();
  pm->spis = erx_strmap_new();
  if (!pm->by_cookie || !pm->eps || !pm->spis || RAND_bytes(pm->cookie_secret, sizeof pm->cookie_secret) != 1) {
    iked_peer_destroy(&pm);
    return NULL;
  }
  const char *lab = getenv("ERX_LAB_CHILD_LIFETIME_S");
  if (lab && *lab) {
    pm->lab_life_s = (uint32_t)strtoul(lab, NULL, 10);
    LOG_WARN("LAB ONLY: phase-2 lifetime forced to %" PRIu32 " s (ERX_LAB_CHILD_LIFETIME_S); never in production",
             pm->lab_life_s);
  }
  return pm;
}

void iked_peer_destroy(iked_peer_t **pm_p)
{
  iked_peer_t *pm = *pm_p;
  if (!pm)
    return;
  while (pm->tuns)
    iked_tun_drop(pm, pm->tuns);
  while (pm->p1s)
    iked_p1_free(pm, pm->p1s);
  erx_strmap_destroy(&pm->by_cookie, NULL);
  erx_strmap_destroy(&pm->eps, ep_close);
  erx_strmap_destroy(&pm->spis, NULL);
  OPENSSL_cleanse(pm->cookie_secret, sizeof pm->cookie_secret);
  free(pm);
  *pm_p = NULL;
}
