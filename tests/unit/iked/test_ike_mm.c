/* Main mode between two engines in memory: complete exchanges for each
 * suite with equal keys on both sides, the responder's choice, lifetimes,
 * the default rule. */
#include "test_ike_mm_pair.h"

#include <string.h>

#include "ike_keys.h"

static void assert_same_sa(const ike_p1sa_t *a, const ike_p1sa_t *b)
{
  cr_assert(a->initiator && !b->initiator);
  cr_assert_eq(memcmp(a->icookie, b->icookie, 8), 0);
  cr_assert_eq(memcmp(a->rcookie, b->rcookie, 8), 0);
  cr_assert_eq(a->enc, b->enc);
  cr_assert_eq(a->hash, b->hash);
  cr_assert_eq(a->group, b->group);
  cr_assert_eq(a->lifetime_s, b->lifetime_s);
  cr_assert_eq(a->keys.len, ike_hash_len(a->hash));
  cr_assert_eq(a->keys.len, b->keys.len);
  /* compared, never printed */
  cr_assert_eq(memcmp(a->keys.skeyid, b->keys.skeyid, a->keys.len), 0, "SKEYID differs");
  cr_assert_eq(memcmp(a->keys.skeyid_d, b->keys.skeyid_d, a->keys.len), 0, "SKEYID_d differs");
  cr_assert_eq(memcmp(a->keys.skeyid_a, b->keys.skeyid_a, a->keys.len), 0, "SKEYID_a differs");
  cr_assert_eq(memcmp(a->keys.skeyid_e, b->keys.skeyid_e, a->keys.len), 0, "SKEYID_e differs");
  uint8_t ka[64], kb[64];
  size_t kl = ike_enc_key_len(a->enc);
  cr_assert(ike_p1_enc_key(&a->keys, ka, kl) && ike_p1_enc_key(&b->keys, kb, kl));
  cr_assert_eq(memcmp(ka, kb, kl), 0, "encryption keys differ");
  cr_assert(a->cipher && b->cipher);
  /* both phase-1 IV chains end at MM6's last block: quick mode starts there */
  cr_assert_eq(a->iv.phase1.len, ike_enc_block(a->enc));
  cr_assert_eq(memcmp(&a->iv.phase1, &b->iv.phase1, sizeof a->iv.phase1), 0);
  cr_assert_eq(a->local_addr, b->peer_addr);
  cr_assert_eq(a->peer_addr, b->local_addr);
  /* each side's ID of the other: ID_IPV4_ADDR, protocol 0, port 0, the address */
  const uint8_t want_r[8] = {ISAKMP_ID_IPV4_ADDR, 0, 0, 0, 192, 0, 2, 2};
  const uint8_t want_i[8] = {ISAKMP_ID_IPV4_ADDR, 0, 0, 0, 192, 0, 2, 1};
  cr_assert_eq(a->peer_id_len, 8);
  cr_assert_eq(memcmp(a->peer_id, want_r, 8), 0);
  cr_assert_eq(b->peer_id_len, 8);
  cr_assert_eq(memcmp(b->peer_id, want_i, 8), 0);
}

static void complete(ike_enc_t enc, ike_hash_t hash, unsigned group)
{
  const ike_mm_proposal_t p = {.enc = enc, .hash = hash, .group = group, .lifetime_s = 28800};
  mm_pair_t *pr = malloc(sizeof *pr);
  mm_pair_init(pr, &p, 1, &p, 1);
  mm_pair_run(pr);
  const ike_p1sa_t *i = ike_mm_sa(pr->i), *r = ike_mm_sa(pr->r);
  assert_same_sa(i, r);
  cr_assert_eq(i->enc, enc);
  cr_assert_eq(i->hash, hash);
  cr_assert_eq(i->group, group);
  cr_assert_eq(i->lifetime_s, 28800);
  cr_assert(i->dpd && r->dpd, "both sent the DPD vendor ID");
  cr_assert(i->natt && r->natt && !i->nat_local && !i->nat_peer && !r->nat_local && !r->nat_peer);
  mm_pair_free(pr);
  free(pr);
}

Test(ike_mm, des3_sha1_modp1024) { complete(IKE_ENC_3DES, IKE_HASH_SHA1, 2); }
Test(ike_mm, aes128_sha1_modp1536) { complete(IKE_ENC_AES128, IKE_HASH_SHA1, 5); }
Test(ike_mm, aes256_sha256_modp2048) { complete(IKE_ENC_AES256, IKE_HASH_SHA256, 14); }
Test(ike_mm, des_md5_modp768) { complete(IKE_ENC_DES, IKE_HASH_MD5, 1); }
Test(ike_mm, aes192_md5_modp1024) { complete(IKE_ENC_AES192, IKE_HASH_MD5, 2); }

Test(ike_mm, responder_picks_the_initiators_first_acceptable_transform)
{
  const ike_mm_proposal_t ip[] = {
      {IKE_ENC_AES256, IKE_HASH_SHA256, 14, 28800, IKE_AGGR_NONE},
      {IKE_ENC_3DES, IKE_HASH_SHA1, 2, 28800, IKE_AGGR_NONE},
      {IKE_ENC_AES128, IKE_HASH_SHA1, 5, 28800, IKE_AGGR_NONE},
  };
  /* the responder prefers aes128 but follows the initiator's order */
  const ike_mm_proposal_t rp[] = {
      {IKE_ENC_AES128, IKE_HASH_SHA1, 5, 28800, IKE_AGGR_NONE},
      {IKE_ENC_3DES, IKE_HASH_SHA1, 2, 28800, IKE_AGGR_NONE},
  };
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, ip, 3, rp, 2);
  mm_pair_run(p);
  assert_same_sa(ike_mm_sa(p->i), ike_mm_sa(p->r));
  cr_assert_eq(ike_mm_sa(p->r)->enc, IKE_ENC_3DES);
  cr_assert_eq(ike_mm_sa(p->r)->group, 2);
  /* MM1 carries one proposal with the three transforms in order; MM2 one */
  isakmp_msg_t m;
  isakmp_sa_t *sa = malloc(sizeof *sa);
  isakmp_error_t e;
  cr_assert_eq(isakmp_parse_message(p->m[1], p->mlen[1], &m, &e), ISAKMP_OK);
  cr_assert_eq(isakmp_parse_sa(m.pl[0].body, m.pl[0].len, sa, &e), ISAKMP_OK, "%s", e.msg);
  cr_assert_eq(sa->nprop, 1);
  cr_assert_eq(sa->prop[0].nxf, 3);
  cr_assert_eq(isakmp_xf_find(sa, &sa->xf[0], IKE_ATTR_ENC)->num, IKE_ENC_AES_CBC);
  cr_assert_eq(isakmp_xf_find(sa, &sa->xf[0], IKE_ATTR_KEY_LENGTH)->num, 256);
  cr_assert_eq(isakmp_xf_find(sa, &sa->xf[1], IKE_ATTR_ENC)->num, IKE_ENC_3DES_CBC);
  cr_assert_eq(isakmp_parse_message(p->m[2], p->mlen[2], &m, &e), ISAKMP_OK);
  cr_assert_eq(isakmp_parse_sa(m.pl[0].body, m.pl[0].len, sa, &e), ISAKMP_OK, "%s", e.msg);
  cr_assert_eq(sa->nprop, 1);
  cr_assert_eq(sa->prop[0].nxf, 1);
  cr_assert_eq(sa->xf[0].number, 2, "the initiator's transform number comes back");
  free(sa);
  mm_pair_free(p);
  free(p);
}

static void lifetimes(uint32_t li, uint32_t lr, uint32_t want)
{
  const ike_mm_proposal_t ip = {IKE_ENC_3DES, IKE_HASH_SHA1, 2, li, IKE_AGGR_NONE};
  const ike_mm_proposal_t rp = {IKE_ENC_3DES, IKE_HASH_SHA1, 2, lr, IKE_AGGR_NONE};
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, &ip, 1, &rp, 1);
  mm_pair_run(p);
  cr_assert_eq(ike_mm_sa(p->r)->lifetime_s, want);
  cr_assert_eq(ike_mm_sa(p->i)->lifetime_s, want);
  mm_pair_free(p);
  free(p);
}

Test(ike_mm, lifetime_is_the_smaller_responder_lower) { lifetimes(28800, 3600, 3600); }
Test(ike_mm, lifetime_is_the_smaller_initiator_lower) { lifetimes(600, 86400, 600); }
Test(ike_mm, lifetime_above_16_bits) { lifetimes(86400, 86400, 86400); }

Test(ike_mm, default_rule_when_none_is_configured)
{
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, NULL, 0, NULL, 0);
  mm_pair_run(p);
  const ike_p1sa_t *sa = ike_mm_sa(p->i);
  cr_assert_eq(sa->enc, IKE_ENC_3DES);
  cr_assert_eq(sa->hash, IKE_HASH_SHA1);
  cr_assert_eq(sa->group, 2);
  cr_assert_eq(sa->lifetime_s, 28800);
  mm_pair_free(p);
  free(p);
}

Test(ike_mm, state_names)
{
  static const char *const want[] = {"startSaNegotiationI", "startSaNegotiationR", "mmSaI", "mmSaR", "mmKeI",
                                     "mmKeR", "mmFinalI", "mmFinalR", "mmDoneI", "done", "deleted",
                                     "amSaI", "amSaR", "amFinalI", "amDoneR"};
  cr_assert_eq(sizeof want / sizeof want[0], IKE_MMS_COUNT_);
  for (int s = 0; s < IKE_MMS_COUNT_; s++)
    cr_assert_str_eq(ike_mm_state_name((ike_mm_state_t)s), want[s]);
  cr_assert_str_eq(ike_mm_state_name(IKE_MMS_COUNT_), "?");
}

Test(ike_mm, take_sa_moves_it_and_retransmissions_still_work)
{
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, NULL, 0, NULL, 0);
  mm_pair_run(p);
  ike_p1sa_t sa;
  cr_assert(ike_mm_take_sa(p->r, &sa));
  cr_assert_null(ike_mm_sa(p->r));
  cr_assert_not(ike_mm_take_sa(p->r, &sa));
  cr_assert(sa.cipher);
  /* a copy of MM5 still gets MM6 */
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n;
  cr_assert_eq(ike_mm_input(p->r, p->m[5], p->mlen[5], out, sizeof out, &n, &p->err), IKE_MM_SEND, "%s",
               p->err.msg);
  cr_assert_eq(n, p->mlen[6]);
  cr_assert_eq(memcmp(out, p->m[6], n), 0);
  ike_p1sa_clear(&sa);
  cr_assert_null(sa.cipher);
  mm_pair_free(p);
  free(p);
}

/* An MM1 from another implementation: transforms given as {enc, key bits
 * (0: none), hash, auth, group} attribute values, lifetime 28800. */
static size_t foreign_mm1(uint8_t *buf, size_t cap, const uint16_t (*xf)[5], unsigned n)
{
  isakmp_hdr_t h = {.icookie = {1, 2, 3, 4, 5, 6, 7, 8}, .exchange = ISAKMP_XCHG_MAIN};
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, buf, cap);
  isakmp_put_header(&w, &h);
  isakmp_sa_begin(&w, ISAKMP_DOI_IPSEC, ISAKMP_SIT_IDENTITY_ONLY);
  isakmp_prop_begin(&w, 1, ISAKMP_PROTO_ISAKMP, NULL, 0);
  for (unsigned i = 0; i < n; i++) {
    isakmp_xf_begin(&w, (uint8_t)(i + 1), ISAKMP_KEY_IKE);
    isakmp_attr_tv(&w, IKE_ATTR_ENC, xf[i][0]);
    if (xf[i][1])
      isakmp_attr_tv(&w, IKE_ATTR_KEY_LENGTH, xf[i][1]);
    isakmp_attr_tv(&w, IKE_ATTR_HASH, xf[i][2]);
    isakmp_attr_tv(&w, IKE_ATTR_AUTH, xf[i][3]);
    isakmp_attr_tv(&w, IKE_ATTR_GROUP_DESC, xf[i][4]);
    isakmp_attr_tv(&w, IKE_ATTR_LIFE_TYPE, ISAKMP_LIFE_SECONDS);
    isakmp_attr_tlv(&w, IKE_ATTR_LIFE_DURATION, (const uint8_t[]){0, 0, 0x70, 0x80}, 4);
  }
  size_t len = isakmp_finish(&w);
  cr_assert_gt(len, 0);
  return len;
}

Test(ike_mm, foreign_offer_signatures_and_unknown_algorithms_are_skipped)
{
  const uint16_t xf[][5] = {
      {IKE_ENC_3DES_CBC, 0, IKEV1_HASH_SHA, IKE_AUTH_RSA_SIG, 2}, /* signatures: not in this release */
      {IKE_ENC_CAST_CBC, 0, IKEV1_HASH_SHA, IKE_AUTH_PSK, 2},     /* CAST: not ours */
      {IKE_ENC_AES_CBC, 0, IKEV1_HASH_SHA, IKE_AUTH_PSK, 2},      /* AES without its key length */
      {IKE_ENC_AES_CBC, 128, IKEV1_HASH_SHA, IKE_AUTH_PSK, 2},
  };
  const ike_mm_proposal_t rp[] = {{IKE_ENC_3DES, IKE_HASH_SHA1, 2, 28800, IKE_AGGR_NONE}, {IKE_ENC_AES128, IKE_HASH_SHA1, 2, 3600, IKE_AGGR_NONE}};
  uint8_t in[1024], out[IKE_MM_MSG_MAX];
  size_t n, len = foreign_mm1(in, sizeof in, xf, 4);
  mm_keyring_t key = {.key = "k", .any_peer = true};
  ike_mm_cfg_t cfg = {
      .local_addr = ADDR_R, .proposals = rp, .nproposals = 2, .psk = mm_keyring_lookup, .psk_ctx = &key};
  ike_mm_error_t err;
  ike_mm_t *r = ike_mm_respond(&cfg, in, len, ADDR_I, 500, out, sizeof out, &n, &err);
  cr_assert(r, "%s", err.msg);
  mm_assert_parses(out, n, false);
  isakmp_msg_t m;
  isakmp_error_t e;
  isakmp_sa_t *sa = malloc(sizeof *sa);
  cr_assert_eq(isakmp_parse_message(out, n, &m, &e), ISAKMP_OK);
  cr_assert_eq(isakmp_parse_sa(m.pl[0].body, m.pl[0].len, sa, &e), ISAKMP_OK);
  cr_assert_eq(sa->xf[0].number, 4);
  cr_assert_eq(m.pl[1].type, ISAKMP_PL_N, "RESPONDER-LIFETIME: we keep 3600 s, not 28800");
  ike_mm_free(r);

  /* without the AES rule nothing fits, and the reason names each offer */
  cfg.nproposals = 1;
  cr_assert_null(ike_mm_respond(&cfg, in, len, ADDR_I, 500, out, sizeof out, &n, &err));
  cr_assert_str_eq(err.msg, "no proposal chosen: peer offered 3des-sha1-modp1024-rsasig, enc6-sha1-modp1024, "
                            "enc7-sha1-modp1024, aes128-sha1-modp1024, we accept 3des-sha1-modp1024");
  cr_assert_eq(mm_notify_type(out, n), ISAKMP_N_NO_PROPOSAL_CHOSEN);
  free(sa);
}
