/* Phase 1 then phase 2, as iked will run them: the ISAKMP SA that main (or
 * aggressive) mode establishes on each side (not a hand-made one) carries a
 * quick mode, and
 * the child SAs agree across the two routers: each side's outbound keys are
 * the other's inbound keys.  The seed's own choice (3DES/SHA, group 2, PFS
 * group 5) and AES without PFS. */
#include "test_ike_mm_pair.h" /* first: see there */

#include <string.h>

#include "ike_qm.h"

static uint32_t next_spi = 0x1000;
static uint32_t spi_alloc(void *arg, uint8_t proto) { return next_spi++; }

static const ike_qm_cfg_t *lookup(void *arg, const ike_p1sa_t *p1, const ike_qm_ident_t *idci,
                                  const ike_qm_ident_t *idcr)
{
  return arg; /* the responder's one tunnel; the engine checks the identities */
}

static ike_qm_cfg_t tunnel(Erx__Cfg__Transform xf, unsigned pfs, uint32_t local_net, uint32_t peer_net)
{
  ike_qm_cfg_t c = {.nxf = 1, .pfs_group = pfs, .life_seconds = 3600, .spi_alloc = spi_alloc};
  c.xf[0] = xf;
  c.local = (ike_qm_ident_t){.kind = IKE_QM_ID_SUBNET, .a = local_net, .b = 0xffffff00u};
  c.peer = (ike_qm_ident_t){.kind = IKE_QM_ID_SUBNET, .a = peer_net, .b = 0xffffff00u};
  return c;
}

static void both_phases(const ike_mm_proposal_t *rule, Erx__Cfg__Transform xf, unsigned pfs)
{
  mm_pair_t p;
  mm_pair_init(&p, rule, 1, rule, 1);
  /* a rule that wants aggressive mode gets it (phase 1 then ends on AM3) */
  p.aggressive = ike_mm_wants_aggressive(rule, 1);
  if (p.aggressive)
    am_pair_run(&p);
  else
    mm_pair_run(&p);
  ike_p1sa_t si, sr;
  cr_assert(ike_mm_take_sa(p.i, &si));
  cr_assert(ike_mm_take_sa(p.r, &sr));
  cr_assert_eq(memcmp(si.keys.skeyid_a, sr.keys.skeyid_a, si.keys.len), 0);

  ike_qm_cfg_t ci = tunnel(xf, pfs, ADDR(203, 0, 113, 0), ADDR(198, 51, 100, 0));
  ike_qm_cfg_t cr = tunnel(xf, pfs, ADDR(198, 51, 100, 0), ADDR(203, 0, 113, 0));
  uint8_t m1[IKE_QM_MSG_MAX], m2[IKE_QM_MSG_MAX], m3[IKE_QM_MSG_MAX], none[IKE_QM_MSG_MAX];
  size_t l1, l2, l3, ln;
  ike_qm_err_t err = {0};
  ike_qm_t *qi = ike_qm_initiate(&si, &ci, m1, sizeof m1, &l1, &err);
  cr_assert_not_null(qi, "%s", err.reason);
  ike_qm_t *qr = ike_qm_respond(&sr, lookup, &cr, m1, l1, m2, sizeof m2, &l2, &err);
  cr_assert_not_null(qr, "%s", err.reason);
  cr_assert_eq(ike_qm_input(qi, m2, l2, m3, sizeof m3, &l3, &err), IKE_QM_DONE, "%s", err.reason);
  cr_assert_eq(ike_qm_input(qr, m3, l3, none, sizeof none, &ln, &err), IKE_QM_DONE, "%s", err.reason);

  size_t ni, nr;
  const ike_child_t *ki = ike_qm_children(qi, &ni), *kr = ike_qm_children(qr, &nr);
  cr_assert(ni == 2 && nr == 2);
  /* [0] inbound, [1] outbound on each side */
  for (int d = 0; d < 2; d++) {
    const ike_child_t *a = &ki[d], *b = &kr[1 - d];
    cr_assert_eq(a->spi, b->spi, "the same SA seen from both sides");
    cr_assert_eq(a->transform, xf);
    cr_assert_eq(b->transform, xf);
    cr_assert_eq(a->keys.enc_len, b->keys.enc_len);
    cr_assert_eq(a->keys.auth_len, b->keys.auth_len);
    cr_assert_eq(memcmp(a->keys.enc, b->keys.enc, a->keys.enc_len), 0, "encryption keys differ");
    cr_assert_eq(memcmp(a->keys.auth, b->keys.auth, a->keys.auth_len), 0, "authentication keys differ");
    cr_assert_eq(a->pfs_group, pfs);
  }
  cr_assert_neq(ki[0].spi, ki[1].spi);
  ike_qm_free(qi);
  ike_qm_free(qr);
  ike_p1sa_clear(&si);
  ike_p1sa_clear(&sr);
  mm_pair_free(&p);
}

Test(mm_qm, seed_3des_sha_group2_pfs5)
{
  const ike_mm_proposal_t rule = {IKE_ENC_3DES, IKE_HASH_SHA1, 2, 28800, IKE_AGGR_NONE};
  both_phases(&rule, ERX__CFG__TRANSFORM__ESP_3DES_HMAC_SHA, 5);
}

Test(mm_qm, aggressive_mode_3des_sha_group2_pfs2)
{
  const ike_mm_proposal_t rule = {IKE_ENC_3DES, IKE_HASH_SHA1, 2, 28800, IKE_AGGR_REQUIRED};
  both_phases(&rule, ERX__CFG__TRANSFORM__ESP_3DES_HMAC_SHA, 2);
}

Test(mm_qm, aggressive_mode_aes128_sha1_group5_no_pfs)
{
  const ike_mm_proposal_t rule = {IKE_ENC_AES128, IKE_HASH_SHA1, 5, 3600, IKE_AGGR_REQUESTED};
  both_phases(&rule, ERX__CFG__TRANSFORM__ESP_AES128_HMAC_SHA, 0);
}

Test(mm_qm, aes256_sha256_group14_gcm_no_pfs)
{
  const ike_mm_proposal_t rule = {IKE_ENC_AES256, IKE_HASH_SHA256, 14, 3600, IKE_AGGR_NONE};
  both_phases(&rule, ERX__CFG__TRANSFORM__ESP_AES128_GCM, 0);
}
