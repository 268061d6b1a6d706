/* Quick mode's engine: the state table, dispatch, and the object's life. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_qm_priv.h"

typedef enum { EV_START, EV_MSG, EV_DUP, EV_STEP } qm_event_t;
typedef enum { ROLE_I, ROLE_R } qm_role_t;

typedef qm_result_t (*qm_handler_t)(ike_qm_t *q, const uint8_t *msg, size_t len, const qm_out_t *out,
                                    ike_qm_err_t *err);

/* One transition: in `state` (of that role), `event` runs `handler`; when it
 * succeeds the exchange moves to `next`.  EV_STEP rows run at once on
 * entering their state (states the reference lists that need no input).
 * A missing row means the input is ignored. */
typedef struct {
  qm_role_t role;
  ike_qm_state_t state;
  qm_event_t event;
  qm_handler_t handler;
  ike_qm_state_t next;
} qm_row_t;

static const qm_row_t qm_table[] = {
    {ROLE_I, IKE_QMS_START_I, EV_START, qm_send_qm1, IKE_QMS_HASH_SA_I},
    {ROLE_I, IKE_QMS_HASH_SA_I, EV_MSG, qm_recv_qm2, IKE_QMS_HASH_I},
    {ROLE_I, IKE_QMS_HASH_I, EV_STEP, qm_finish, IKE_QMS_DONE},
    /* our QM3 was lost: the responder sends QM2 again */
    {ROLE_I, IKE_QMS_DONE, EV_DUP, qm_dup, IKE_QMS_DONE},
    {ROLE_R, IKE_QMS_START_R, EV_MSG, qm_recv_qm1, IKE_QMS_HASH_SA_R},
    /* our QM2 was lost: the initiator sends QM1 again */
    {ROLE_R, IKE_QMS_HASH_SA_R, EV_DUP, qm_dup, IKE_QMS_HASH_SA_R},
    {ROLE_R, IKE_QMS_HASH_SA_R, EV_MSG, qm_recv_qm3, IKE_QMS_DONE_R},
    {ROLE_R, IKE_QMS_DONE_R, EV_STEP, qm_finish, IKE_QMS_DONE},
};

static const char *const qm_state_names[IKE_QMS_COUNT_] = {
    [IKE_QMS_START_I] = "startQmI",   [IKE_QMS_START_R] = "startQmR", [IKE_QMS_HASH_SA_I] = "qmHashSaI",
    [IKE_QMS_HASH_SA_R] = "qmHashSaR", [IKE_QMS_HASH_I] = "qmHashI",  [IKE_QMS_DONE_R] = "qmDoneR",
    [IKE_QMS_DONE] = "done",           [IKE_QMS_DELETED] = "deleted",
};

const char *ike_qm_state_name(ike_qm_state_t s)
{
  return (unsigned)s < IKE_QMS_COUNT_ ? qm_state_names[s] : "?";
}

static const qm_row_t *qm_row(const ike_qm_t *q, qm_event_t ev)
{
  qm_role_t role = q->initiator ? ROLE_I : ROLE_R;
  for (size_t i = 0; i < sizeof qm_table / sizeof qm_table[0]; i++)
    if (qm_table[i].role == role && qm_table[i].state == q->state && qm_table[i].event == ev)
      return &qm_table[i];
  return NULL;
}

/* Runs the row for ev, then any EV_STEP row of the state it leads to. */
static ike_qm_status_t qm_run(ike_qm_t *q, qm_event_t ev, const uint8_t *msg, size_t len, const qm_out_t *out,
                              ike_qm_err_t *err)
{
  *out->len = 0;
  err->notify = 0;
  err->reason[0] = '\0';
  ike_qm_status_t st = IKE_QM_IGNORED;
  for (const qm_row_t *row = qm_row(q, ev); row; row = qm_row(q, EV_STEP)) {
    switch (row->handler(q, msg, len, out, err)) {
    case QM_R_SEND:
      st = IKE_QM_SEND;
      break;
    case QM_R_DONE:
      st = IKE_QM_DONE;
      break;
    case QM_R_QUIET:
      return IKE_QM_IGNORED;
    case QM_R_REFUSE:
      *out->len = 0;
      return IKE_QM_FAILED;
    case QM_R_FATAL:
      *out->len = 0;
      q->state = IKE_QMS_DELETED;
      qm_forget_iv(q);
      return IKE_QM_FAILED;
    }
    q->state = row->next;
  }
  return st;
}

bool qm_fail(ike_qm_err_t *err, uint16_t notify, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  err->notify = notify;
  vsnprintf(err->reason, sizeof err->reason, fmt, ap);
  va_end(ap);
  return false;
}

uint32_t qm_get32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void qm_put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static ike_qm_t *qm_new(ike_p1sa_t *p1, bool initiator, ike_qm_err_t *err)
{
  ike_qm_t *q = calloc(1, sizeof *q);
  if (!q) {
    qm_fail(err, 0, "out of memory");
    return NULL;
  }
  q->p1 = p1;
  q->initiator = initiator;
  q->state = initiator ? IKE_QMS_START_I : IKE_QMS_START_R;
  return q;
}

ike_qm_t *ike_qm_initiate(ike_p1sa_t *p1, const ike_qm_cfg_t *cfg, uint8_t *out, size_t cap, size_t *out_len,
                          ike_qm_err_t *err)
{
  ike_qm_t *q = qm_new(p1, true, err);
  if (!q)
    return NULL;
  q->cfg = *cfg;
  const qm_out_t o = {out, cap, out_len};
  if (qm_run(q, EV_START, NULL, 0, &o, err) != IKE_QM_SEND) {
    ike_qm_free(q);
    return NULL;
  }
  return q;
}

ike_qm_t *ike_qm_respond(ike_p1sa_t *p1, ike_qm_lookup_fn lookup, void *arg, const uint8_t *msg, size_t len,
                         uint8_t *out, size_t cap, size_t *out_len, ike_qm_err_t *err)
{
  ike_qm_t *q = qm_new(p1, false, err);
  if (!q)
    return NULL;
  q->lookup = lookup;
  q->lookup_arg = arg;
  const qm_out_t o = {out, cap, out_len};
  ike_qm_status_t st = qm_run(q, EV_MSG, msg, len, &o, err);
  q->lookup = NULL;
  if (st != IKE_QM_SEND) {
    if (st == IKE_QM_IGNORED)
      qm_fail(err, 0, "not a quick-mode message of this ISAKMP SA");
    ike_qm_free(q);
    return NULL;
  }
  return q;
}

ike_qm_status_t ike_qm_input(ike_qm_t *q, const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
                             size_t *out_len, ike_qm_err_t *err)
{
  const qm_out_t o = {out, cap, out_len};
  uint8_t d[IKE_MAX_HASH];
  qm_digest(msg, len, d);
  bool dup = q->has_answered && memcmp(d, q->answered, sizeof d) == 0;
  return qm_run(q, dup ? EV_DUP : EV_MSG, msg, len, &o, err);
}

qm_result_t qm_dup(ike_qm_t *q, const uint8_t *msg, size_t len, const qm_out_t *out, ike_qm_err_t *err)
{
  (void)msg;
  (void)len;
  return qm_resend(q, out, err);
}

const ike_child_t *ike_qm_children(const ike_qm_t *q, size_t *n)
{
  bool done = q->state == IKE_QMS_DONE;
  *n = done ? q->nchild : 0;
  return done ? q->child : NULL;
}

const ike_child_t *ike_qm_inbound_early(const ike_qm_t *q)
{
  return !q->initiator && q->state == IKE_QMS_HASH_SA_R && q->nchild == 2 ? &q->child[0] : NULL;
}

ike_qm_state_t ike_qm_state(const ike_qm_t *q) { return q->state; }
uint32_t ike_qm_msgid(const ike_qm_t *q) { return q->mid; }
bool ike_qm_is_initiator(const ike_qm_t *q) { return q->initiator; }
const ike_qm_cfg_t *ike_qm_config(const ike_qm_t *q) { return &q->cfg; }

const uint8_t *ike_qm_last_sent(const ike_qm_t *q, size_t *len)
{
  *len = q->sent_len;
  return q->sent_len ? q->sent : NULL;
}

/* An SPI that ended up in a finished child is the caller's now. */
static void qm_release(const ike_qm_t *q, uint8_t proto, uint32_t spi)
{
  bool kept = q->state == IKE_QMS_DONE && q->nego.proto == proto && q->nego.own_spi == spi;
  if (spi && !kept && q->cfg.spi_release)
    q->cfg.spi_release(q->cfg.spi_arg, proto, spi);
}

void ike_qm_free(ike_qm_t *q)
{
  if (!q)
    return;
  qm_release(q, IKE_PROTO_ESP, q->spi_esp);
  qm_release(q, IKE_PROTO_AH, q->spi_ah);
  qm_forget_iv(q);
  ike_dh_free(q->dh);
  OPENSSL_cleanse(q, sizeof *q);
  free(q);
}
