/* Quick mode, responder's side: QM1 in and QM2 out, QM3 in. */
#include <string.h>

#include "ike_qm_priv.h"

/* The identities QM1 proposes (the phase-1 addresses when it has none,
 * RFC 2409 §5.5), the tunnel they belong to, and that the tunnel's own
 * identities are exactly those. */
static bool qm_find_tunnel(ike_qm_t *q, const qm_parts_t *parts, ike_qm_err_t *err)
{
  if (parts->id[0]) {
    if (!qm_ident_decode(parts->id[0], &q->idci, err) || !qm_ident_decode(parts->id[1], &q->idcr, err))
      return false;
  } else {
    q->idci = qm_ident_host(q->p1->peer_addr);
    q->idcr = qm_ident_host(q->p1->local_addr);
  }
  char ci[64], cr[64], l[64], p[64];
  ike_qm_ident_str(&q->idci, ci, sizeof ci);
  ike_qm_ident_str(&q->idcr, cr, sizeof cr);
  const ike_qm_cfg_t *cfg = q->lookup ? q->lookup(q->lookup_arg, q->p1, &q->idci, &q->idcr) : NULL;
  if (!cfg)
    return qm_fail(err, ISAKMP_N_INVALID_ID_INFORMATION, "no tunnel for peer identity %s, local identity %s", ci,
                   cr);
  q->cfg = *cfg;
  if (ike_qm_ident_equal(&cfg->peer, &q->idci) && ike_qm_ident_equal(&cfg->local, &q->idcr))
    return true;
  ike_qm_ident_str(&cfg->peer, p, sizeof p);
  ike_qm_ident_str(&cfg->local, l, sizeof l);
  return qm_fail(err, ISAKMP_N_INVALID_ID_INFORMATION,
                 "identity mismatch: peer proposed %s to %s, the tunnel has peer-identity %s, local-identity %s", ci,
                 cr, p, l);
}

/* Everything QM1 asks, settled: tunnel, proposal, SPI, PFS, nonce. */
static bool qm_accept_qm1(ike_qm_t *q, const qm_in_t *in, ike_qm_err_t *err)
{
  qm_parts_t parts;
  isakmp_sa_t sa;
  isakmp_error_t pe;
  if (!qm_collect(in, &parts, err) || !qm_find_tunnel(q, &parts, err))
    return false;
  if (isakmp_parse_sa(parts.sa->body, parts.sa->len, &sa, &pe) != ISAKMP_OK)
    return qm_fail(err, isakmp_err_notify(pe.code), "%s", pe.msg);
  if (!qm_choose(q, &sa, parts.ke != NULL, err) || !qm_own_spi(q, q->nego.proto, &q->nego.own_spi, err))
    return false;
  if (q->nego.group && (!qm_dh_start(q, q->nego.group, err) || !qm_dh_finish(q, parts.ke, err)))
    return false;
  memcpy(q->ni, parts.nonce->body, parts.nonce->len);
  q->ni_len = parts.nonce->len;
  return qm_nonce(q->nr, &q->nr_len, err);
}

qm_result_t qm_recv_qm1(ike_qm_t *q, const uint8_t *msg, size_t len, const qm_out_t *out, ike_qm_err_t *err)
{
  qm_in_t in;
  qm_open_t opened = qm_open(q, msg, len, 1, &in, err);
  if (opened != QM_OPEN_OK)
    return qm_not_opened(opened);
  q->mid = in.hdr.msgid;
  bool had_ids = false;
  for (unsigned i = 1; i < in.n; i++)
    had_ids |= in.pl[i].type == ISAKMP_PL_ID;
  if (!qm_accept_qm1(q, &in, err))
    return QM_R_REFUSE;
  qm_commit_iv(q, &in);
  /* the keys are known now: the inbound SA can be installed before QM3,
   * since the initiator sends on it as soon as QM3 is out */
  return qm_seal_sa(q, had_ids, out, err) && qm_derive(q, err) ? QM_R_SEND : QM_R_REFUSE;
}

qm_result_t qm_recv_qm3(ike_qm_t *q, const uint8_t *msg, size_t len, const qm_out_t *out, ike_qm_err_t *err)
{
  (void)out;
  qm_in_t in;
  qm_open_t opened = qm_open(q, msg, len, 3, &in, err);
  if (opened != QM_OPEN_OK)
    return qm_not_opened(opened);
  qm_commit_iv(q, &in);
  return QM_R_DONE;
}
