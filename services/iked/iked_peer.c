#include "iked_peer.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "ike_mm_isakmp.h"
#include "iked_sock.h"
#include "log.h"
#include "strmap.h"

#define IKE_PORT 500
#define RETX_MS 2000
#define RETX_MAX 5
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define HALF_OPEN_MAX 256
#define QM_KEEP_MS 30000
/* a phase-1 responder leaves quick mode to the initiator this long */
#define RESP_QM_DELAY_MS 1500
#define NAMES_LEN 256

typedef struct tun tun_t;
typedef struct p1 p1_t;

typedef struct qmx {
  struct qmx *next;
  p1_t *p1;
  ike_qm_t *q;
  uint32_t msgid;
  tun_t *tun; /* whose SAs these are (initiator: known at once; responder: from the lookup) */
  int64_t last_tx_ms, done_ms;
  unsigned retries;
  bool done, cancel;
} qmx_t;

struct p1 {
  struct p1 *next;
  iked_sock_t *sock;
  uint32_t peer;
  uint16_t peer_port;
  ike_mm_t *mm;
  tun_t *owner; /* the tunnel that started it (initiator), else NULL */
  bool initiator, established, notify_logged;
  ike_p1sa_t sa; /* once established */
  char ckey[17];
  int64_t last_tx_ms, est_ms;
  unsigned retries;
  qmx_t *qms;
};

struct tun {
  struct tun *next;
  char key[200], vr[64], name[100], tvr[64];
  uint8_t *sig;
  size_t sig_len;
  uint32_t src, dst;
  ike_qm_cfg_t qcfg;
  iked_sock_t *sock;
  p1_t *p1_init;
  qmx_t *qm_init;
  bool up, seen;
  uint32_t spi_in, spi_out;
  int64_t next_try_ms;
  unsigned fails;
  char last_err[256];
};

struct iked_peer {
  iked_server_t *srv;
  tun_t *tuns;
  p1_t *p1s;
  erx_strmap_t *by_cookie; /* hex initiator cookie -> p1_t */
  erx_strmap_t *socks;     /* "vr/addr" -> iked_sock_t */
  erx_strmap_t *spis;      /* our inbound SPIs in use */
  ike_mm_proposal_t rules[IKE_MM_MAX_PROPOSALS];
  size_t nrules;
};

static iked_peer_t *the_pm; /* for the engines' callbacks that have no argument of ours */

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *ip(uint32_t a, char *buf)
{
  return erx_ipv4_format(a, buf);
}

/* ---- SPIs: random, >= 256, unique in this process ---- */

static uint32_t spi_alloc(void *arg, uint8_t proto)
{
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

static void spi_release(void *arg, uint8_t proto, uint32_t spi)
{
  iked_peer_t *pm = arg;
  char k[16];
  snprintf(k, sizeof k, "%" PRIu32, spi);
  erx_strmap_del(pm->spis, k);
}

/* ---- sockets ---- */

static void on_packet(void *arg, iked_sock_t *s, const uint8_t *msg, size_t len, uint32_t from, uint16_t port);

static iked_sock_t *sock_for(iked_peer_t *pm, const char *vr, uint32_t local, char *err, size_t errlen)
{
  char key[128], a[ERX_ADDR_STRLEN];
  snprintf(key, sizeof key, "%s/%s", vr, ip(local, a));
  iked_sock_t *s = erx_strmap_get(pm->socks, key);
  if (s)
    return s;
  char nsbuf[160];
  const char *ns = iked_netns(pm->srv, vr, nsbuf, sizeof nsbuf);
  s = iked_sock_open(iked_base(pm->srv), ns, vr, local, IKE_PORT, on_packet, pm, err, errlen);
  if (!s)
    return NULL;
  if (erx_strmap_put(pm->socks, key, s, NULL) != 0) {
    iked_sock_close(s);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  LOG_INFO("listening on UDP %s:%d in virtual router %s", a, IKE_PORT, vr);
  return s;
}

static void send_to(p1_t *p, const uint8_t *msg, size_t len)
{
  if (len && iked_sock_send(p->sock, p->peer, p->peer_port, msg, len) != 0) {
    char a[ERX_ADDR_STRLEN];
    LOG_DEBUG("send to %s failed (retransmission will retry)", ip(p->peer, a));
  }
}

/* The tunnels a phase-1 SA serves, for the logs: "ipsec:a, ipsec:b" */
static const char *names_for(iked_peer_t *pm, iked_sock_t *s, uint32_t peer, char *buf, size_t cap)
{
  size_t n = 0;
  buf[0] = 0;
  for (tun_t *t = pm->tuns; t; t = t->next) {
    if (t->sock != s || t->dst != peer)
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

/* ---- tunnels' state ---- */

static void backoff(tun_t *t)
{
  int64_t d = BACKOFF_MIN_MS;
  for (unsigned i = 0; i < t->fails && d < BACKOFF_MAX_MS; i++)
    d *= 2;
  if (d > BACKOFF_MAX_MS)
    d = BACKOFF_MAX_MS;
  t->fails++;
  t->next_try_ms = now_ms() + d;
}

static void tun_fail(tun_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tun_fail(tun_t *t, const char *fmt, ...)
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
  backoff(t);
}

static void unpublish(iked_peer_t *pm, tun_t *t)
{
  if (!t->up)
    return;
  iked_unpublish_child(pm->srv, t->vr, t->name, false, t->spi_out);
  iked_unpublish_child(pm->srv, t->vr, t->name, true, t->spi_in);
  spi_release(pm, 0, t->spi_in);
  t->up = false;
  t->spi_in = t->spi_out = 0;
}

/* ---- quick mode exchanges ---- */

static void qmx_free(qmx_t *x)
{
  if (x->tun && x->tun->qm_init == x)
    x->tun->qm_init = NULL;
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
  x->last_tx_ms = now_ms();
  x->next = p->qms;
  p->qms = x;
  return x;
}

/* ---- phase-1 SAs ---- */

static void p1_free(iked_peer_t *pm, p1_t *p)
{
  while (p->qms)
    qmx_free(p->qms);
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

static p1_t *p1_add(iked_peer_t *pm, iked_sock_t *s, uint32_t peer, uint16_t port, ike_mm_t *mm, bool initiator)
{
  p1_t *p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  p->sock = s;
  p->peer = peer;
  p->peer_port = port;
  p->mm = mm;
  p->initiator = initiator;
  p->last_tx_ms = now_ms();
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

static p1_t *find_p1(iked_peer_t *pm, iked_sock_t *s, uint32_t peer, bool established)
{
  p1_t *best = NULL;
  for (p1_t *p = pm->p1s; p; p = p->next)
    if (p->sock == s && p->peer == peer && p->established == established && (!best || p->est_ms > best->est_ms))
      best = p;
  return best;
}

static size_t half_open(iked_peer_t *pm)
{
  size_t n = 0;
  for (p1_t *p = pm->p1s; p; p = p->next)
    n += !p->established;
  return n;
}

static bool psk_lookup(void *ctx, uint32_t peer, uint8_t *key, size_t cap, size_t *len)
{
  iked_sock_t *s = ctx;
  char k[200], a[ERX_ADDR_STRLEN];
  snprintf(k, sizeof k, "psk/%s/%s", iked_sock_vr(s), ip(peer, a));
  const ProtobufCMessage *m = iked_cfg_get(the_pm->srv, k);
  if (!m || m->descriptor != &erx__cfg__pre_shared_key__descriptor)
    return false;
  const Erx__Cfg__PreSharedKey *psk = (const Erx__Cfg__PreSharedKey *)m;
  if (!psk->secret.len || psk->secret.len > cap)
    return false; /* no clear key: configd publishes it on ipc endpoints only */
  memcpy(key, psk->secret.data, psk->secret.len);
  *len = psk->secret.len;
  return true;
}

static ike_mm_cfg_t mm_cfg(iked_peer_t *pm, iked_sock_t *s)
{
  /* TODO(issue 5): vid_natt (NAT-D, float to 4500) and vid_dpd once those exist */
  return (ike_mm_cfg_t){.local_addr = iked_sock_local(s),
                        .local_port = IKE_PORT,
                        .peer_port = IKE_PORT,
                        .proposals = pm->rules,
                        .nproposals = pm->nrules,
                        .psk = psk_lookup,
                        .psk_ctx = s};
}

static void p1_established(iked_peer_t *pm, p1_t *p)
{
  char names[NAMES_LEN], a[ERX_ADDR_STRLEN], pn[64];
  if (!ike_mm_take_sa(p->mm, &p->sa)) {
    LOG_ERR("phase 1 with %s: established SA could not be taken", ip(p->peer, a));
    return;
  }
  p->established = true;
  p->est_ms = now_ms();
  ike_mm_proposal_t prop = {p->sa.enc, p->sa.hash, p->sa.group, p->sa.lifetime_s};
  LOG_INFO("%s: phase 1 (main mode, %s) with %s established: %s, lifetime %" PRIu32 " s",
           names_for(pm, p->sock, p->peer, names, sizeof names), p->initiator ? "initiator" : "responder",
           ip(p->peer, a), ike_mm_proposal_name(&prop, pn, sizeof pn), p->sa.lifetime_s);
  if (p->owner) {
    p->owner->p1_init = NULL;
    p->owner->last_err[0] = 0;
  }
  /* one ISAKMP SA per peer: an older one (the peer restarted) goes */
  for (p1_t *o = pm->p1s, *next; o; o = next) {
    next = o->next;
    if (o != p && o->sock == p->sock && o->peer == p->peer && o->established)
      p1_free(pm, o);
  }
  /* TODO(issue 5): phase-1 lifetime and rekey */
}

static void p1_failed(iked_peer_t *pm, p1_t *p, const char *why)
{
  char names[NAMES_LEN], a[ERX_ADDR_STRLEN];
  if (p->owner) {
    tun_t *t = p->owner;
    p->owner = NULL;
    t->p1_init = NULL;
    tun_fail(t, "phase 1 with %s failed: %s", ip(p->peer, a), why);
    /* the other tunnels to that peer say nothing: they wait for the next attempt */
  } else {
    LOG_WARN("%s: phase 1 (responder) with %s failed: %s", names_for(pm, p->sock, p->peer, names, sizeof names),
             ip(p->peer, a), why);
  }
  p1_free(pm, p);
}

static void start_p1(iked_peer_t *pm, tun_t *t)
{
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n = 0;
  ike_mm_error_t e = {0};
  ike_mm_cfg_t c = mm_cfg(pm, t->sock);
  c.peer_addr = t->dst;
  ike_mm_t *mm = ike_mm_initiate(&c, out, sizeof out, &n, &e);
  if (!mm) {
    tun_fail(t, "phase 1 not started: %s", e.msg);
    return;
  }
  p1_t *p = p1_add(pm, t->sock, t->dst, IKE_PORT, mm, true);
  if (!p) {
    ike_mm_free(mm);
    backoff(t);
    return;
  }
  p->owner = t;
  t->p1_init = p;
  char a[ERX_ADDR_STRLEN];
  LOG_INFO("tunnel ipsec:%s: phase 1 (main mode) to %s started", t->name, ip(t->dst, a));
  send_to(p, out, n);
}

/* ---- quick mode ---- */

static void qm_done(iked_peer_t *pm, qmx_t *x)
{
  tun_t *t = x->tun;
  x->done = true;
  x->done_ms = now_ms();
  if (!t)
    return;
  if (t->qm_init == x)
    t->qm_init = NULL;
  size_t n = 0;
  const ike_child_t *c = ike_qm_children(x->q, &n);
  if (n != 2 || !c[0].inbound || c[1].inbound) {
    tun_fail(t, "quick mode ended without an SA pair");
    return;
  }
  uint32_t old_in = t->spi_in, old_out = t->spi_out;
  bool was_up = t->up;
  /* inbound first: nothing is sent on an SA the peer cannot receive yet */
  if (iked_publish_child(pm->srv, t->vr, t->name, &c[0]) != 0 ||
      iked_publish_child(pm->srv, t->vr, t->name, &c[1]) != 0) {
    tun_fail(t, "the SAs could not be published");
    return;
  }
  t->up = true;
  t->spi_in = c[0].spi;
  t->spi_out = c[1].spi;
  t->fails = 0;
  t->last_err[0] = 0;
  if (was_up) {
    /* the peer negotiated again (it restarted or rekeyed): the new pair replaces the old */
    iked_unpublish_child(pm->srv, t->vr, t->name, false, old_out);
    iked_unpublish_child(pm->srv, t->vr, t->name, true, old_in);
    spi_release(pm, 0, old_in);
  }
  const erx_transform_info_t *xi = erx_transform_by_id(c[0].transform);
  char a[ERX_ADDR_STRLEN], pfs[24] = "no pfs";
  if (c[0].pfs_group)
    snprintf(pfs, sizeof pfs, "pfs group %u", c[0].pfs_group);
  LOG_INFO("tunnel ipsec:%s: phase 2 (quick mode, %s) with %s up: inbound spi %" PRIu32 ", outbound spi %" PRIu32
           ", %s, %s, lifetime %" PRIu32 " s",
           t->name, ike_qm_is_initiator(x->q) ? "initiator" : "responder", ip(x->p1->peer, a), c[0].spi, c[1].spi,
           xi ? xi->keyword : "?", pfs, c[0].life_seconds);
}

static void qm_failed(iked_peer_t *pm, qmx_t *x, const char *why)
{
  char a[ERX_ADDR_STRLEN], names[NAMES_LEN];
  tun_t *t = x->tun;
  if (t && t->qm_init == x) {
    t->qm_init = NULL;
    tun_fail(t, "phase 2 with %s failed: %s", ip(x->p1->peer, a), why);
  } else {
    LOG_WARN("%s: phase 2 (responder) with %s failed: %s",
             t ? (snprintf(names, sizeof names, "tunnel ipsec:%s", t->name), names) : "(no tunnel)",
             ip(x->p1->peer, a), why);
  }
  qmx_free(x);
}

static void start_qm(iked_peer_t *pm, tun_t *t, p1_t *p)
{
  uint8_t out[IKE_QM_MSG_MAX];
  size_t n = 0;
  ike_qm_err_t e = {0};
  t->qcfg.user = t;
  ike_qm_t *q = ike_qm_initiate(&p->sa, &t->qcfg, out, sizeof out, &n, &e);
  if (!q) {
    tun_fail(t, "phase 2 not started: %s", e.reason);
    return;
  }
  qmx_t *x = qmx_add(p, q, t);
  if (!x) {
    ike_qm_free(q);
    backoff(t);
    return;
  }
  t->qm_init = x;
  char a[ERX_ADDR_STRLEN];
  LOG_INFO("tunnel ipsec:%s: phase 2 (quick mode) to %s started", t->name, ip(p->peer, a));
  send_to(p, out, n);
}

typedef struct lookup_ctx {
  iked_peer_t *pm;
  p1_t *p1;
  tun_t *tun;
  bool ignore;
} lookup_ctx_t;

static const ike_qm_cfg_t *qm_lookup(void *arg, const ike_p1sa_t *p1, const ike_qm_ident_t *idci,
                                     const ike_qm_ident_t *idcr)
{
  lookup_ctx_t *c = arg;
  for (tun_t *t = c->pm->tuns; t; t = t->next) {
    if (t->sock != c->p1->sock || t->dst != c->p1->peer || !ike_qm_ident_equal(&t->qcfg.peer, idci) ||
        !ike_qm_ident_equal(&t->qcfg.local, idcr))
      continue;
    if (t->qm_init && !t->qm_init->done) {
      /* both sides started quick mode: the lower address keeps its own */
      if (iked_sock_local(t->sock) < t->dst) {
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

static void quick(iked_peer_t *pm, p1_t *p, uint32_t msgid, const uint8_t *msg, size_t len)
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
      send_to(p, out, n);
      x->last_tx_ms = now_ms();
      break;
    case IKE_QM_DONE:
      send_to(p, out, n);
      if (!x->done)
        qm_done(pm, x);
      break;
    case IKE_QM_IGNORED:
      LOG_DEBUG("quick mode message from %s ignored: %s", ip(p->peer, a), e.reason);
      break;
    case IKE_QM_FAILED:
      if (ike_qm_state(x->q) == IKE_QMS_DELETED)
        qm_failed(pm, x, e.reason);
      else
        LOG_WARN("%s: quick-mode message from %s refused: %s", names_for(pm, p->sock, p->peer, names, sizeof names),
                 ip(p->peer, a), e.reason);
      break;
    }
    return;
  }
  lookup_ctx_t c = {.pm = pm, .p1 = p};
  ike_qm_t *q = ike_qm_respond(&p->sa, qm_lookup, &c, msg, len, out, sizeof out, &n, &e);
  for (qmx_t *x = p->qms, *next; x; x = next) {
    next = x->next;
    if (x->cancel)
      qmx_free(x);
  }
  if (!q) {
    if (!c.ignore)
      /* TODO(issue 5): answer with an encrypted informational notify (e.notify) */
      LOG_WARN("%s: quick mode from %s refused: %s", c.tun ? (snprintf(names, sizeof names, "tunnel ipsec:%s",
                                                                       c.tun->name), names)
                                                              : names_for(pm, p->sock, p->peer, names, sizeof names),
               ip(p->peer, a), e.reason);
    return;
  }
  qmx_t *x = qmx_add(p, q, c.tun);
  if (!x) {
    ike_qm_free(q);
    return;
  }
  send_to(p, out, n);
}

/* ---- packets ---- */

static void main_mode_input(iked_peer_t *pm, p1_t *p, const uint8_t *msg, size_t len)
{
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n = 0;
  ike_mm_error_t e = {0};
  char a[ERX_ADDR_STRLEN], names[NAMES_LEN], why[IKE_MM_ERR_LEN + 64];
  switch (ike_mm_input(p->mm, msg, len, out, sizeof out, &n, &e)) {
  case IKE_MM_SEND:
    send_to(p, out, n);
    p->last_tx_ms = now_ms();
    p->retries = 0;
    break;
  case IKE_MM_DONE:
    send_to(p, out, n);
    if (!p->established)
      p1_established(pm, p);
    break;
  case IKE_MM_IGNORED:
    if (e.peer_notify && !p->notify_logged) {
      p->notify_logged = true;
      LOG_WARN("%s: peer %s says %s during phase 1 (unauthenticated notify): %s",
               names_for(pm, p->sock, p->peer, names, sizeof names), ip(p->peer, a),
               isakmp_notify_name(e.peer_notify), e.msg);
    } else {
      LOG_DEBUG("main mode message from %s ignored: %s", ip(p->peer, a), e.msg);
    }
    break;
  case IKE_MM_FAILED:
    send_to(p, out, n);
    if (e.notify)
      snprintf(why, sizeof why, "%s: %s", e.notify == ISAKMP_N_AUTHENTICATION_FAILED ? "authentication failed"
                                                                                      : isakmp_notify_name(e.notify),
               e.msg);
    else
      snprintf(why, sizeof why, "%s", e.msg);
    p1_failed(pm, p, why);
    break;
  }
}

static void main_mode_first(iked_peer_t *pm, iked_sock_t *s, const uint8_t *msg, size_t len, uint32_t from,
                            uint16_t port)
{
  char a[ERX_ADDR_STRLEN], names[NAMES_LEN];
  p1_t *mine = find_p1(pm, s, from, false);
  if (mine && mine->initiator) {
    /* both sides started: the lower address keeps its own negotiation */
    if (iked_sock_local(s) < from) {
      LOG_DEBUG("phase 1 from %s ignored: ours to it goes on (lower address)", ip(from, a));
      /* our MM1 may have come before the peer was configured: send it again
       * now rather than at the next retransmission, so the peer yields */
      uint8_t out[IKE_MM_MSG_MAX];
      size_t n = 0;
      if (ike_mm_state(mine->mm) == IKE_MMS_SA_I && ike_mm_last(mine->mm, out, sizeof out, &n)) {
        send_to(mine, out, n);
        mine->last_tx_ms = now_ms();
      }
      return;
    }
    LOG_INFO("%s: both sides started phase 1; the peer's goes on", names_for(pm, s, from, names, sizeof names));
    tun_t *t = mine->owner;
    mine->owner = NULL;
    if (t)
      t->p1_init = NULL;
    p1_free(pm, mine);
  }
  if (half_open(pm) >= HALF_OPEN_MAX) {
    LOG_DEBUG("phase 1 from %s dropped: %d half-open negotiations", ip(from, a), HALF_OPEN_MAX);
    return;
  }
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n = 0;
  ike_mm_error_t e = {0};
  ike_mm_cfg_t c = mm_cfg(pm, s);
  ike_mm_t *mm = ike_mm_respond(&c, msg, len, from, port, out, sizeof out, &n, &e);
  if (!mm) {
    LOG_WARN("%s: phase 1 from %s refused: %s", names_for(pm, s, from, names, sizeof names), ip(from, a), e.msg);
    if (n)
      iked_sock_send(s, from, port, out, n);
    return;
  }
  p1_t *p = p1_add(pm, s, from, port, mm, false);
  if (!p) {
    ike_mm_free(mm);
    return;
  }
  LOG_INFO("%s: phase 1 (main mode) from %s accepted (responder)", names_for(pm, s, from, names, sizeof names),
           ip(from, a));
  send_to(p, out, n);
}

static void on_packet(void *arg, iked_sock_t *s, const uint8_t *msg, size_t len, uint32_t from, uint16_t port)
{
  iked_peer_t *pm = arg;
  isakmp_hdr_t h;
  isakmp_error_t pe;
  char a[ERX_ADDR_STRLEN];
  if (isakmp_parse_header(msg, len, &h, &pe) != ISAKMP_OK) {
    LOG_DEBUG("from %s:%u: %s", ip(from, a), port, pe.msg);
    return;
  }
  char ckey[17];
  for (int i = 0; i < 8; i++)
    snprintf(ckey + 2 * i, 3, "%02x", h.icookie[i]);
  p1_t *p = erx_strmap_get(pm->by_cookie, ckey);
  static const uint8_t zero[8];
  if (!p) {
    if (h.exchange == ISAKMP_XCHG_MAIN && h.msgid == 0 && !(h.flags & ISAKMP_FLAG_E) &&
        memcmp(h.rcookie, zero, 8) == 0)
      main_mode_first(pm, s, msg, len, from, port);
    else
      LOG_DEBUG("from %s: %s message for no negotiation of ours", ip(from, a), isakmp_exchange_name(h.exchange));
    return;
  }
  if (p->sock != s || p->peer != from) {
    LOG_DEBUG("from %s: cookies of another peer's negotiation", ip(from, a));
    return;
  }
  if (!p->established || h.exchange == ISAKMP_XCHG_MAIN) {
    if (h.exchange == ISAKMP_XCHG_MAIN || (h.exchange == ISAKMP_XCHG_INFO && !(h.flags & ISAKMP_FLAG_E)))
      main_mode_input(pm, p, msg, len);
    return;
  }
  if (memcmp(h.rcookie, p->sa.rcookie, 8) != 0)
    return;
  if (h.exchange == ISAKMP_XCHG_QUICK)
    quick(pm, p, h.msgid, msg, len);
  else
    /* TODO(issue 5): informational exchanges (delete, DPD) */
    LOG_DEBUG("from %s: %s exchange not handled yet", ip(from, a), isakmp_exchange_name(h.exchange));
}

/* ---- configuration ---- */

static bool ident_of(const Erx__Cfg__Identity *id, ike_qm_ident_t *out)
{
  memset(out, 0, sizeof *out);
  if (!id || !id->addr1 || !id->addr1[0]) {
    out->kind = IKE_QM_ID_SUBNET; /* none configured: everything */
    return true;
  }
  if (!erx_ipv4_parse(id->addr1, &out->a))
    return false;
  switch (id->type) {
  case ERX__CFG__IDENTITY_TYPE__ID_ADDRESS:
    out->kind = IKE_QM_ID_ADDRESS;
    return true;
  case ERX__CFG__IDENTITY_TYPE__ID_RANGE:
    out->kind = IKE_QM_ID_RANGE;
    return erx_ipv4_parse(id->addr2, &out->b);
  default:
    out->kind = IKE_QM_ID_SUBNET;
    return erx_ipv4_parse(id->addr2, &out->b);
  }
}

static void tun_drop(iked_peer_t *pm, tun_t *t)
{
  unpublish(pm, t);
  for (p1_t *p = pm->p1s; p; p = p->next) {
    if (p->owner == t)
      p->owner = NULL;
    for (qmx_t *x = p->qms, *next; x; x = next) {
      next = x->next;
      if (x->tun == t)
        qmx_free(x);
    }
  }
  tun_t **pp = &pm->tuns;
  while (*pp && *pp != t)
    pp = &(*pp)->next;
  if (*pp)
    *pp = t->next;
  free(t->sig);
  free(t);
}

typedef struct sync_ctx {
  iked_peer_t *pm;
} sync_ctx_t;

/* What decides a tunnel's negotiation: its message, its transform set and
 * the global lifetime; a change renegotiates. */
static uint8_t *signature(iked_peer_t *pm, const Erx__Cfg__Tunnel *c, size_t *len)
{
  char k[160];
  snprintf(k, sizeof k, "transform-set/%s", c->transform_set);
  const ProtobufCMessage *ts = iked_cfg_get(pm->srv, k), *g = iked_cfg_get(pm->srv, "global");
  size_t l1 = protobuf_c_message_get_packed_size(&c->base), l2 = ts ? protobuf_c_message_get_packed_size(ts) : 0,
         l3 = g ? protobuf_c_message_get_packed_size(g) : 0;
  uint8_t *b = malloc(l1 + l2 + l3 + 1);
  if (!b)
    return NULL;
  protobuf_c_message_pack(&c->base, b);
  if (ts)
    protobuf_c_message_pack(ts, b + l1);
  if (g)
    protobuf_c_message_pack(g, b + l1 + l2);
  *len = l1 + l2 + l3;
  return b;
}

static void sync_one(void *arg, const Erx__Cfg__Tunnel *c)
{
  sync_ctx_t *sc = arg;
  iked_peer_t *pm = sc->pm;
  if (c->signaling != ERX__CFG__SIGNALING__SIG_ISAKMP || c->n_incomplete > 0 || !c->source || !c->destination)
    return;
  char key[200];
  snprintf(key, sizeof key, "%s/%s", c->vr && c->vr[0] ? c->vr : "default", c->name);
  size_t sig_len = 0;
  uint8_t *sig = signature(pm, c, &sig_len);
  if (!sig)
    return;
  tun_t *t = pm->tuns;
  while (t && strcmp(t->key, key) != 0)
    t = t->next;
  if (t && t->sig_len == sig_len && memcmp(t->sig, sig, sig_len) == 0) {
    t->seen = true;
    free(sig);
    return;
  }
  if (t) {
    LOG_INFO("tunnel ipsec:%s: configuration changed; negotiating again", t->name);
    tun_drop(pm, t);
  }
  if (c->source->type != ERX__CFG__ENDPOINT_TYPE__EP_ADDRESS ||
      c->destination->type != ERX__CFG__ENDPOINT_TYPE__EP_ADDRESS) {
    /* TODO(issue 5): fqdn / user@fqdn endpoints */
    LOG_WARN("tunnel ipsec:%s: only address endpoints are negotiated yet; left down", c->name);
    free(sig);
    return;
  }
  t = calloc(1, sizeof *t);
  if (!t) {
    free(sig);
    return;
  }
  t->sig = sig;
  t->sig_len = sig_len;
  t->seen = true;
  snprintf(t->key, sizeof t->key, "%s", key);
  snprintf(t->vr, sizeof t->vr, "%s", c->vr && c->vr[0] ? c->vr : "default");
  snprintf(t->name, sizeof t->name, "%s", c->name);
  snprintf(t->tvr, sizeof t->tvr, "%s", c->transport_vr && c->transport_vr[0] ? c->transport_vr : "default");
  bool ok = erx_ipv4_parse(c->source->value, &t->src) && erx_ipv4_parse(c->destination->value, &t->dst) &&
            ident_of(c->local_identity, &t->qcfg.local) && ident_of(c->peer_identity, &t->qcfg.peer);
  char k[160];
  snprintf(k, sizeof k, "transform-set/%s", c->transform_set);
  const ProtobufCMessage *tsm = iked_cfg_get(pm->srv, k);
  if (ok && tsm && tsm->descriptor == &erx__cfg__transform_set__descriptor) {
    const Erx__Cfg__TransformSet *ts = (const Erx__Cfg__TransformSet *)tsm;
    for (size_t i = 0; i < ts->n_transforms && i < IKE_QM_MAX_XF; i++)
      t->qcfg.xf[t->qcfg.nxf++] = ts->transforms[i];
  }
  if (!ok || !t->qcfg.nxf) {
    LOG_WARN("tunnel ipsec:%s: endpoints, identities or transform set unusable; left down", c->name);
    free(t->sig);
    free(t);
    return;
  }
  uint32_t gs;
  uint64_t gkb;
  iked_cfg_global_life(pm->srv, &gs, &gkb);
  t->qcfg.pfs_group = c->pfs_group;
  t->qcfg.life_seconds = c->lifetime && c->lifetime->seconds ? c->lifetime->seconds : gs;
  t->qcfg.life_kilobytes = c->lifetime && c->lifetime->kilobytes ? c->lifetime->kilobytes : gkb;
  t->qcfg.spi_alloc = spi_alloc;
  t->qcfg.spi_release = spi_release;
  t->qcfg.spi_arg = pm;
  t->qcfg.user = t;
  t->next = pm->tuns;
  pm->tuns = t;
  char a[ERX_ADDR_STRLEN], b[ERX_ADDR_STRLEN];
  LOG_INFO("tunnel ipsec:%s (vr %s): complete, %s -> %s in virtual router %s: negotiating", t->name, t->vr,
           ip(t->src, a), ip(t->dst, b), t->tvr);
}

void iked_peer_config_changed(iked_peer_t *pm)
{
  pm->nrules = iked_cfg_rules(pm->srv, pm->rules, IKE_MM_MAX_PROPOSALS);
  for (tun_t *t = pm->tuns; t; t = t->next)
    t->seen = false;
  sync_ctx_t sc = {pm};
  iked_cfg_foreach_tunnel(pm->srv, sync_one, &sc);
  for (tun_t *t = pm->tuns, *next; t; t = next) {
    next = t->next;
    if (!t->seen) {
      LOG_INFO("tunnel ipsec:%s: removed or no longer complete; its SAs withdrawn", t->name);
      tun_drop(pm, t);
    }
  }
}

/* ---- timer ---- */

/* the peer's quick mode for t is under way on p */
static bool qm_busy(const p1_t *p, const tun_t *t)
{
  for (const qmx_t *x = p->qms; x; x = x->next)
    if (x->tun == t && !x->done)
      return true;
  return false;
}

void iked_peer_tick(iked_peer_t *pm)
{
  int64_t now = now_ms();
  char a[ERX_ADDR_STRLEN], why[128];
  for (p1_t *p = pm->p1s, *pnext; p; p = pnext) {
    pnext = p->next;
    if (!p->established && now - p->last_tx_ms >= RETX_MS) {
      if (p->retries >= RETX_MAX) {
        snprintf(why, sizeof why, "no answer after %d retransmissions (state %s)", RETX_MAX,
                 ike_mm_state_name(ike_mm_state(p->mm)));
        p1_failed(pm, p, why);
        continue;
      }
      uint8_t out[IKE_MM_MSG_MAX];
      size_t n = 0;
      if (ike_mm_last(p->mm, out, sizeof out, &n))
        send_to(p, out, n);
      p->retries++;
      p->last_tx_ms = now;
      LOG_DEBUG("phase 1 with %s: retransmission %u", ip(p->peer, a), p->retries);
      continue;
    }
    for (qmx_t *x = p->qms, *xnext; x; x = xnext) {
      xnext = x->next;
      if (x->done) {
        if (now - x->done_ms >= QM_KEEP_MS)
          qmx_free(x);
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
        send_to(p, m, n);
      x->retries++;
      x->last_tx_ms = now;
    }
  }
  for (tun_t *t = pm->tuns; t; t = t->next) {
    if (t->up || t->qm_init || t->p1_init || now < t->next_try_ms)
      continue; /* TODO(issue 5): rekey before expiry */
    if (!t->sock) {
      char err[256];
      t->sock = sock_for(pm, t->tvr, t->src, err, sizeof err);
      if (!t->sock) {
        tun_fail(t, "no IKE socket on %s in virtual router %s: %s", ip(t->src, a), t->tvr, err);
        continue;
      }
    }
    p1_t *p = find_p1(pm, t->sock, t->dst, true);
    if (p) {
      if ((!p->initiator && now - p->est_ms < RESP_QM_DELAY_MS) || qm_busy(p, t))
        continue;
      start_qm(pm, t, p);
    } else if (!find_p1(pm, t->sock, t->dst, false)) {
      start_p1(pm, t);
    }
  }
}

/* ---- life cycle ---- */

iked_peer_t *iked_peer_new(iked_server_t *srv)
{
  iked_peer_t *pm = calloc(1, sizeof *pm);
  if (!pm)
    return NULL;
  pm->srv = srv;
  pm->by_cookie = erx_strmap_new();
  pm->socks = erx_strmap_new();
  pm->spis = erx_strmap_new();
  if (!pm->by_cookie || !pm->socks || !pm->spis) {
    iked_peer_destroy(&pm);
    return NULL;
  }
  the_pm = pm;
  return pm;
}

static void close_sock(void *s)
{
  iked_sock_close(s);
}

void iked_peer_destroy(iked_peer_t **pm_p)
{
  iked_peer_t *pm = *pm_p;
  if (!pm)
    return;
  while (pm->tuns)
    tun_drop(pm, pm->tuns);
  while (pm->p1s)
    p1_free(pm, pm->p1s);
  erx_strmap_destroy(&pm->by_cookie, NULL);
  erx_strmap_destroy(&pm->socks, close_sock);
  erx_strmap_destroy(&pm->spis, NULL);
  if (the_pm == pm)
    the_pm = NULL;
  free(pm);
  *pm_p = NULL;
}
