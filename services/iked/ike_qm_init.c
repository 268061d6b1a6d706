/* Quick mode, initiator's side: QM1 out, QM2 in and QM3 out. */
#include <openssl/rand.h>
#include <string.h>

#include "ike_qm_priv.h"

static bool qm_cfg_ok(const ike_qm_cfg_t *c, ike_qm_err_t *err)
{
  if (c->nxf == 0 || c->nxf > IKE_QM_MAX_XF)
    return qm_fail(err, 0, "transform set has %zu transforms, not 1 to %d", c->nxf, IKE_QM_MAX_XF);
  for (size_t i = 0; i < c->nxf; i++)
    if (!erx_transform_by_id(c->xf[i]))
      return qm_fail(err, 0, "transform set entry %zu is not a known transform", i + 1);
  if (c->pfs_group && !ike_dh_group(c->pfs_group))
    return qm_fail(err, 0, "pfs group %u not supported", c->pfs_group);
  return true;
}

/* A random M-ID that no exchange of this ISAKMP SA uses (0 is phase 1's). */
static bool qm_new_mid(const ike_p1sa_t *p1, uint32_t *mid, ike_qm_err_t *err)
{
  for (int tries = 0; tries < 8; tries++) {
    uint8_t b[4];
    if (RAND_bytes(b, sizeof b) != 1)
      break;
    *mid = qm_get32(b);
    bool used = *mid == 0;
    for (int i = 0; i < IKE_IV_EXCHANGES && !used; i++)
      used = p1->iv.x[i].mid == *mid;
    if (!used)
      return true;
  }
  return qm_fail(err, 0, "no random message ID");
}

qm_result_t qm_send_qm1(ike_qm_t *q, const uint8_t *msg, size_t len, const qm_out_t *out, ike_qm_err_t *err)
{
  (void)msg;
  (void)len;
  uint32_t spi;
  if (!qm_cfg_ok(&q->cfg, err) || !qm_new_mid(q->p1, &q->mid, err) || !qm_nonce(q->ni, &q->ni_len, err) ||
      (q->cfg.pfs_group && !qm_dh_start(q, q->cfg.pfs_group, err)))
    return QM_R_REFUSE;
  /* one SPI per protocol of the set: each proposal of a protocol may carry
   * the same one, as only one of them is chosen */
  for (size_t i = 0; i < q->cfg.nxf; i++)
    if (!qm_own_spi(q, qm_xf_proto(erx_transform_by_id(q->cfg.xf[i])), &spi, err))
      return QM_R_REFUSE;
  q->idci = q->cfg.local;
  q->idcr = q->cfg.peer;
  return qm_seal_sa(q, true, out, err) ? QM_R_SEND : QM_R_REFUSE;
}

/* The responder echoes our identities (RFC 2409 §5.5). */
static bool qm_check_ids(const ike_qm_t *q, const qm_parts_t *parts, ike_qm_err_t *err)
{
  ike_qm_ident_t ci, cr;
  char a[64], b[64];
  if (!parts->id[0])
    return qm_fail(err, ISAKMP_N_INVALID_ID_INFORMATION, "answer without the identities we proposed");
  if (!qm_ident_decode(parts->id[0], &ci, err) || !qm_ident_decode(parts->id[1], &cr, err))
    return false;
  if (ike_qm_ident_equal(&ci, &q->idci) && ike_qm_ident_equal(&cr, &q->idcr))
    return true;
  ike_qm_ident_str(&ci, a, sizeof a);
  ike_qm_ident_str(&cr, b, sizeof b);
  return qm_fail(err, ISAKMP_N_INVALID_ID_INFORMATION, "peer answered with identities %s and %s, not ours", a, b);
}

qm_result_t qm_recv_qm2(ike_qm_t *q, const uint8_t *msg, size_t len, const qm_out_t *out, ike_qm_err_t *err)
{
  qm_in_t in;
  qm_open_t opened = qm_open(q, msg, len, 2, &in, err);
  if (opened != QM_OPEN_OK)
    return qm_not_opened(opened);
  /* authenticated: what the peer really said cannot become acceptable later */
  qm_parts_t parts;
  isakmp_sa_t sa;
  isakmp_error_t pe;
  if (!qm_collect(&in, &parts, err))
    return QM_R_FATAL;
  if (isakmp_parse_sa(parts.sa->body, parts.sa->len, &sa, &pe) != ISAKMP_OK) {
    qm_fail(err, isakmp_err_notify(pe.code), "%s", pe.msg);
    return QM_R_FATAL;
  }
  if (!qm_check_answer(q, &sa, parts.ke != NULL, err) || !qm_check_ids(q, &parts, err) ||
      (q->nego.group && !qm_dh_finish(q, parts.ke, err)))
    return QM_R_FATAL;
  memcpy(q->nr, parts.nonce->body, parts.nonce->len);
  q->nr_len = parts.nonce->len;
  qm_commit_iv(q, &in);

  uint8_t buf[IKE_MAX_HASH + ISAKMP_GEN_HDR_LEN];
  isakmp_wbuf_t w;
  qm_plain_begin(q, &w, buf, sizeof buf);
  return qm_seal(q, &w, 3, out, err) ? QM_R_SEND : QM_R_FATAL;
}

qm_result_t qm_finish(ike_qm_t *q, const uint8_t *msg, size_t len, const qm_out_t *out, ike_qm_err_t *err)
{
  (void)msg;
  (void)len;
  (void)out;
  if (!q->nchild && !qm_derive(q, err)) /* a responder derived them with QM2 */
    return QM_R_FATAL;
  qm_forget_iv(q);
  return QM_R_DONE;
}
