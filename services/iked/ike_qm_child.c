/* Quick mode's keys: the PFS exchange, our SPIs, and the two child SAs'
 * KEYMAT (RFC 2409 §5.5). */
#include <openssl/crypto.h>
#include <string.h>

#include "ike_qm_priv.h"

bool qm_dh_start(ike_qm_t *q, unsigned group, ike_qm_err_t *err)
{
  char e[128];
  q->dh = ike_dh_new(group, e, sizeof e);
  return q->dh ? true : qm_fail(err, 0, "pfs group %u: %s", group, e);
}

void qm_put_ke(const ike_qm_t *q, isakmp_wbuf_t *w)
{
  if (q->dh)
    isakmp_put_ke(w, ike_dh_public(q->dh), ike_dh_group_of(q->dh)->len);
}

bool qm_dh_finish(ike_qm_t *q, const isakmp_payload_t *ke, ike_qm_err_t *err)
{
  char e[128];
  size_t len = ike_dh_group_of(q->dh)->len;
  if (!ike_dh_shared(q->dh, ke->body, ke->len, q->gqm, sizeof q->gqm, e, sizeof e))
    return qm_fail(err, ISAKMP_N_INVALID_KEY_INFORMATION, "quick mode KE: %s", e);
  q->gqm_len = len;
  return true;
}

bool qm_own_spi(ike_qm_t *q, uint8_t proto, uint32_t *spi, ike_qm_err_t *err)
{
  uint32_t *slot = proto == ISAKMP_PROTO_AH ? &q->spi_ah : &q->spi_esp;
  if (!*slot && q->cfg.spi_alloc)
    *slot = q->cfg.spi_alloc(q->cfg.spi_arg, proto == ISAKMP_PROTO_AH ? IKE_PROTO_AH : IKE_PROTO_ESP);
  if (!*slot)
    return qm_fail(err, 0, "no free %s SPI", proto == ISAKMP_PROTO_AH ? "AH" : "ESP");
  *spi = *slot;
  return true;
}

/* One direction: the SPI decides whose KEYMAT it is. */
static bool qm_child(ike_qm_t *q, ike_child_t *c, bool inbound, ike_qm_err_t *err)
{
  const qm_nego_t *n = &q->nego;
  uint8_t spi[4];
  char e[128];
  c->inbound = inbound;
  c->spi = inbound ? n->own_spi : n->peer_spi;
  c->transform = n->xf->id;
  c->life_seconds = n->life_s;
  c->life_kilobytes = n->life_kb;
  c->encap_mode = n->encap;
  c->pfs_group = n->group;
  if (n->encap != IPSEC_ENCAP_TUNNEL) {
    c->encap_sport = q->p1->local_port;
    c->encap_dport = q->p1->peer_port;
  }
  qm_put32(spi, c->spi);
  const ike_keymat_in_t in = {.gqm = q->gqm_len ? q->gqm : NULL, .gqm_len = q->gqm_len, .spi = spi,
                              .ni = q->ni, .ni_len = q->ni_len, .nr = q->nr, .nr_len = q->nr_len};
  if (!ike_child_keys(&q->p1->keys, n->xf, &in, &c->keys, e, sizeof e))
    return qm_fail(err, 0, "KEYMAT for SPI 0x%08x: %s", c->spi, e);
  return true;
}

bool qm_derive(ike_qm_t *q, ike_qm_err_t *err)
{
  bool ok = qm_child(q, &q->child[0], true, err) && qm_child(q, &q->child[1], false, err);
  /* the PFS secret has done its work */
  OPENSSL_cleanse(q->gqm, sizeof q->gqm);
  ike_dh_free(q->dh);
  q->dh = NULL;
  if (!ok) {
    OPENSSL_cleanse(q->child, sizeof q->child);
    return false;
  }
  q->nchild = 2;
  return true;
}
