/* Aggressive mode between two engines in memory: complete exchanges, the
 * reference's aggressive-mode table cell by cell, the initiator's choice of
 * rules, identities other than the address with keys looked up by them,
 * retransmissions, AM3 in cleartext, the responder cookie callback. */
#include "test_ike_mm_pair.h"

#include <stdio.h>
#include <string.h>

#include "ike_iv.h"
#include "ike_keys.h"

static mm_pair_t *pair_aggr(void)
{
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init_aggr(p, IKE_AGGR_REQUESTED, IKE_AGGR_ACCEPTED);
  cr_assert(p->aggressive);
  return p;
}

static void done(mm_pair_t *p)
{
  mm_pair_free(p);
  free(p);
}

/* Both SAs agree: keys, IV chain, addresses, and each side's view of the
 * other's ID. */
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
  cr_assert_eq(memcmp(a->keys.skeyid, b->keys.skeyid, a->keys.len), 0, "SKEYID differs");
  cr_assert_eq(memcmp(a->keys.skeyid_d, b->keys.skeyid_d, a->keys.len), 0, "SKEYID_d differs");
  cr_assert_eq(memcmp(a->keys.skeyid_a, b->keys.skeyid_a, a->keys.len), 0, "SKEYID_a differs");
  cr_assert_eq(memcmp(a->keys.skeyid_e, b->keys.skeyid_e, a->keys.len), 0, "SKEYID_e differs");
  cr_assert(a->cipher && b->cipher);
  /* both phase-1 IV chains end at AM3's last block: quick mode starts there */
  cr_assert_eq(a->iv.phase1.len, ike_enc_block(a->enc));
  cr_assert_eq(memcmp(&a->iv.phase1, &b->iv.phase1, sizeof a->iv.phase1), 0);
  cr_assert_eq(a->local_addr, b->peer_addr);
}

static void id_is(const ike_p1sa_t *sa, const char *want)
{
  char t[200];
  cr_assert_str_eq(ike_mm_id_text(sa->peer_id, sa->peer_id_len, t, sizeof t), want);
}

static void complete(ike_enc_t enc, ike_hash_t hash, unsigned group)
{
  const ike_mm_proposal_t rule = {enc, hash, group, 28800, IKE_AGGR_REQUIRED};
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, &rule, 1, &rule, 1);
  p->aggressive = true;
  am_pair_run(p);
  const ike_p1sa_t *i = ike_mm_sa(p->i), *r = ike_mm_sa(p->r);
  assert_same_sa(i, r);
  cr_assert(ike_mm_aggressive(p->i) && ike_mm_aggressive(p->r));
  cr_assert_eq(i->enc, enc);
  cr_assert_eq(i->group, group);
  cr_assert(i->dpd && r->dpd, "both sent the DPD vendor ID");
  cr_assert(i->natt && r->natt && !i->nat_local && !i->nat_peer && !r->nat_local && !r->nat_peer);
  cr_assert_not(ike_mm_nat_detected(p->i) || ike_mm_nat_detected(p->r));
  id_is(i, "IPv4 address 192.0.2.2");
  id_is(r, "IPv4 address 192.0.2.1");
  done(p);
}

Test(ike_am, des3_sha1_modp1024) { complete(IKE_ENC_3DES, IKE_HASH_SHA1, 2); }
Test(ike_am, aes256_sha256_modp2048) { complete(IKE_ENC_AES256, IKE_HASH_SHA256, 14); }
Test(ike_am, aes128_md5_modp768) { complete(IKE_ENC_AES128, IKE_HASH_MD5, 1); }

Test(ike_am, messages_carry_rfc2409_payloads)
{
  mm_pair_t *p = pair_aggr();
  am_pair_run(p);
  static const uint8_t am1[] = {ISAKMP_PL_SA, ISAKMP_PL_KE, ISAKMP_PL_NONCE, ISAKMP_PL_ID, ISAKMP_PL_VID,
                                ISAKMP_PL_VID};
  static const uint8_t am2[] = {ISAKMP_PL_SA,   ISAKMP_PL_KE,  ISAKMP_PL_NONCE, ISAKMP_PL_ID,  ISAKMP_PL_HASH,
                                ISAKMP_PL_VID,  ISAKMP_PL_VID, ISAKMP_PL_NATD,  ISAKMP_PL_NATD};
  const uint8_t *want[] = {NULL, am1, am2};
  const unsigned nwant[] = {0, sizeof am1, sizeof am2};
  for (int k = 1; k <= 2; k++) {
    isakmp_msg_t m;
    isakmp_error_t e;
    cr_assert_eq(isakmp_parse_message(p->m[k], p->mlen[k], &m, &e), ISAKMP_OK, "%s", e.msg);
    cr_assert_eq(m.hdr.exchange, ISAKMP_XCHG_AGGRESSIVE);
    cr_assert_eq(m.n, nwant[k], "AM%d: %u payloads", k, m.n);
    for (unsigned j = 0; j < m.n; j++)
      cr_assert_eq(m.pl[j].type, want[k][j], "AM%d payload %u", k, j);
  }
  /* AM3 is encrypted */
  isakmp_msg_t m;
  isakmp_error_t e;
  cr_assert_eq(isakmp_parse_message(p->m[3], p->mlen[3], &m, &e), ISAKMP_OK, "%s", e.msg);
  cr_assert(m.hdr.flags & ISAKMP_FLAG_E);
  cr_assert_eq(m.hdr.next_payload, ISAKMP_PL_HASH);
  done(p);
}

/* ---- the reference's table (§4): each initiator setting against each
 * responder setting ---- */

static void cell(ike_mm_aggr_t ia, ike_mm_aggr_t ra, bool want_aggr, bool want_ok)
{
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init_aggr(p, ia, ra);
  const char *cn = ike_mm_aggr_name(ia), *rn = ike_mm_aggr_name(ra);
  cr_assert_eq(p->aggressive, want_aggr, "initiator %s starts in %s mode", cn, want_aggr ? "aggressive" : "main");
  if (!want_ok) {
    mm_pair_start(p);
    cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED, "%s -> %s must fail", cn, rn);
    cr_assert_null(p->r);
    cr_assert_eq(p->err.notify, ISAKMP_N_NO_PROPOSAL_CHOSEN, "%s -> %s: %s", cn, rn, p->err.msg);
    cr_assert_eq(mm_notify_type(p->msg, p->len), ISAKMP_N_NO_PROPOSAL_CHOSEN);
    cr_assert(strstr(p->err.msg, want_aggr ? "we accept nothing in aggressive mode (main mode only: "
                                           : "we accept nothing (aggressive mode only: "),
              "%s -> %s: %s", cn, rn, p->err.msg);
  } else if (want_aggr) {
    am_pair_run(p);
    cr_assert(ike_mm_aggressive(p->r), "%s -> %s", cn, rn);
  } else {
    mm_pair_run(p);
    cr_assert_not(ike_mm_aggressive(p->r) || ike_mm_aggressive(p->i), "%s -> %s", cn, rn);
  }
  done(p);
}

#define ACC IKE_AGGR_ACCEPTED
#define REQ IKE_AGGR_REQUESTED
#define RQD IKE_AGGR_REQUIRED
#define NON IKE_AGGR_NONE

/* accepted: main mode first; the responder follows it unless `required` */
Test(ike_am_table, accepted_initiator)
{
  cell(ACC, ACC, false, true);
  cell(ACC, REQ, false, true);
  cell(ACC, RQD, false, false);
  cell(ACC, NON, false, true);
}

/* requested: aggressive mode first; a `none` responder refuses it */
Test(ike_am_table, requested_initiator)
{
  cell(REQ, ACC, true, true);
  cell(REQ, REQ, true, true);
  cell(REQ, RQD, true, true);
  cell(REQ, NON, true, false);
}

Test(ike_am_table, required_initiator)
{
  cell(RQD, ACC, true, true);
  cell(RQD, REQ, true, true);
  cell(RQD, RQD, true, true);
  cell(RQD, NON, true, false);
}

Test(ike_am_table, none_initiator)
{
  cell(NON, ACC, false, true);
  cell(NON, REQ, false, true);
  cell(NON, RQD, false, false);
  cell(NON, NON, false, true);
}

Test(ike_am_table, wants_aggressive)
{
  cr_assert_not(ike_mm_wants_aggressive(NULL, 0), "the default rule is main mode only");
  ike_mm_proposal_t r[3] = {ike_mm_default_proposal, ike_mm_default_proposal, ike_mm_default_proposal};
  cr_assert_not(ike_mm_wants_aggressive(r, 3));
  r[2].aggressive = ACC;
  cr_assert_not(ike_mm_wants_aggressive(r, 3), "accepted alone starts in main mode");
  r[1].aggressive = REQ;
  cr_assert(ike_mm_wants_aggressive(r, 3));
  r[1].aggressive = RQD;
  cr_assert(ike_mm_wants_aggressive(r, 3));
  cr_assert_not(ike_mm_wants_aggressive(r, 1));
  cr_assert_str_eq(ike_mm_aggr_name(NON), "none");
  cr_assert_str_eq(ike_mm_aggr_name(RQD), "required");
  cr_assert_str_eq(ike_mm_aggr_name((ike_mm_aggr_t)9), "?");
}

Test(ike_am_table, no_rule_for_the_mode_at_the_initiator)
{
  mm_pair_t *p = malloc(sizeof *p);
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n;
  /* the default rule (none) does not do aggressive mode */
  mm_pair_init(p, NULL, 0, NULL, 0);
  cr_assert_null(ike_am_initiate(&p->icfg, out, sizeof out, &n, &p->err));
  cr_assert_str_eq(p->err.msg, "no phase-1 rule allows aggressive mode");
  /* `required` everywhere: no main mode */
  mm_pair_init_aggr(p, RQD, RQD);
  cr_assert_null(ike_mm_initiate(&p->icfg, out, sizeof out, &n, &p->err));
  cr_assert_str_eq(p->err.msg, "every phase-1 rule requires aggressive mode");
  done(p);
}

Test(ike_am_table, default_rule_responder_refuses_aggressive_mode)
{
  mm_pair_t *p = pair_aggr();
  p->rcfg.proposals = NULL;
  p->rcfg.nproposals = 0;
  mm_pair_start(p);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED);
  cr_assert_str_eq(p->err.msg, "no proposal chosen: peer offered 3des-sha1-modp1024, we accept nothing in "
                               "aggressive mode (main mode only: 3des-sha1-modp1024)");
  cr_assert_eq(mm_notify_type(p->msg, p->len), ISAKMP_N_NO_PROPOSAL_CHOSEN);
  done(p);
}

Test(ike_am_table, initiator_offers_the_group_of_its_first_aggressive_rule)
{
  const ike_mm_proposal_t ip[] = {
      {IKE_ENC_AES256, IKE_HASH_SHA256, 14, 28800, NON}, /* main mode only: not offered */
      {IKE_ENC_AES128, IKE_HASH_SHA1, 2, 28800, REQ},    /* the chosen rule: group 2 */
      {IKE_ENC_3DES, IKE_HASH_SHA1, 5, 28800, ACC},      /* another group: not offered */
      {IKE_ENC_3DES, IKE_HASH_SHA1, 2, 3600, ACC},       /* same group: offered */
  };
  const ike_mm_proposal_t rp[] = {{IKE_ENC_3DES, IKE_HASH_SHA1, 2, 28800, ACC}};
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, ip, 4, rp, 1);
  cr_assert(ike_mm_wants_aggressive(ip, 4));
  p->aggressive = true;
  am_pair_run(p);
  isakmp_msg_t m;
  isakmp_error_t e;
  isakmp_sa_t *sa = malloc(sizeof *sa);
  cr_assert_eq(isakmp_parse_message(p->m[1], p->mlen[1], &m, &e), ISAKMP_OK);
  cr_assert_eq(isakmp_parse_sa(m.pl[0].body, m.pl[0].len, sa, &e), ISAKMP_OK, "%s", e.msg);
  cr_assert_eq(sa->nprop, 1);
  cr_assert_eq(sa->prop[0].nxf, 2, "one proposal: the two group-2 rules allowing aggressive mode");
  cr_assert_eq(isakmp_xf_find(sa, &sa->xf[0], IKE_ATTR_ENC)->num, IKE_ENC_AES_CBC);
  cr_assert_eq(isakmp_xf_find(sa, &sa->xf[1], IKE_ATTR_ENC)->num, IKE_ENC_3DES_CBC);
  cr_assert_eq(isakmp_xf_find(sa, &sa->xf[0], IKE_ATTR_GROUP_DESC)->num, 2);
  cr_assert_eq(isakmp_xf_find(sa, &sa->xf[1], IKE_ATTR_GROUP_DESC)->num, 2);
  const ike_p1sa_t *si = ike_mm_sa(p->i);
  cr_assert_eq(si->enc, IKE_ENC_3DES);
  cr_assert_eq(si->lifetime_s, 3600);
  assert_same_sa(si, ike_mm_sa(p->r));
  free(sa);
  done(p);
}

Test(ike_am_table, main_mode_offer_leaves_out_required_rules)
{
  const ike_mm_proposal_t ip[] = {
      {IKE_ENC_AES128, IKE_HASH_SHA1, 2, 28800, ACC},
      {IKE_ENC_3DES, IKE_HASH_SHA1, 2, 28800, NON},
  };
  /* the responder's aes128 rule is `required`: main mode gets 3des */
  const ike_mm_proposal_t rp[] = {
      {IKE_ENC_AES128, IKE_HASH_SHA1, 2, 28800, RQD},
      {IKE_ENC_3DES, IKE_HASH_SHA1, 2, 28800, NON},
  };
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, ip, 2, rp, 2);
  mm_pair_run(p);
  cr_assert_eq(ike_mm_sa(p->r)->enc, IKE_ENC_3DES);
  /* and with only the required rule, the reason names it apart */
  mm_pair_free(p);
  mm_pair_init(p, ip, 1, rp, 1);
  mm_pair_start(p);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED);
  cr_assert_str_eq(p->err.msg, "no proposal chosen: peer offered aes128-sha1-modp1024, we accept nothing "
                               "(aggressive mode only: aes128-sha1-modp1024)");
  done(p);
}

Test(ike_am, lifetime_is_the_smaller)
{
  const ike_mm_proposal_t ip = {IKE_ENC_3DES, IKE_HASH_SHA1, 2, 28800, REQ};
  const ike_mm_proposal_t rp = {IKE_ENC_3DES, IKE_HASH_SHA1, 2, 3600, ACC};
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, &ip, 1, &rp, 1);
  p->aggressive = true;
  am_pair_run(p);
  cr_assert_eq(ike_mm_sa(p->i)->lifetime_s, 3600, "RESPONDER-LIFETIME in AM2");
  cr_assert_eq(ike_mm_sa(p->r)->lifetime_s, 3600);
  done(p);
}

/* ---- identities ---- */

static void use_fqdns(mm_pair_t *p, uint8_t itype, const char *iname, const char *rname)
{
  mm_pair_use_ids(p);
  cr_assert(ike_mm_id_set(&p->icfg.local_id, itype, iname));
  cr_assert(ike_mm_id_set(&p->icfg.peer_id, ISAKMP_ID_FQDN, rname));
  cr_assert(ike_mm_id_set(&p->rcfg.local_id, ISAKMP_ID_FQDN, rname));
  mm_idring_add(&p->iids, ISAKMP_ID_FQDN, rname, "secret");
}

Test(ike_am_id, fqdn_both_ways_keys_by_id_dynamic_peer)
{
  mm_pair_t *p = pair_aggr();
  use_fqdns(p, ISAKMP_ID_FQDN, "branch.example", "hq.example");
  mm_idring_add(&p->rids, ISAKMP_ID_FQDN, "branch.example", "secret");
  /* a dynamic peer: its address is nothing the responder knows */
  p->r_sees_i = ADDR(198, 51, 100, 77);
  am_pair_run(p);
  cr_assert_eq(p->iids.calls, 1);
  cr_assert_eq(p->iids.last_type, ISAKMP_ID_FQDN, "the initiator's key by the expected peer ID");
  cr_assert_str_eq(p->iids.last_id, "hq.example");
  cr_assert_eq(p->rids.calls, 1);
  cr_assert_eq(p->rids.last_type, ISAKMP_ID_FQDN, "the responder's key by AM1's IDii");
  cr_assert_str_eq(p->rids.last_id, "branch.example");
  cr_assert_eq(p->rids.last_peer, ADDR(198, 51, 100, 77));
  id_is(ike_mm_sa(p->i), "FQDN \"hq.example\"");
  id_is(ike_mm_sa(p->r), "FQDN \"branch.example\"");
  /* AM1 carries ID_FQDN, protocol 0, port 0 */
  isakmp_msg_t m;
  isakmp_error_t e;
  isakmp_id_t id;
  cr_assert_eq(isakmp_parse_message(p->m[1], p->mlen[1], &m, &e), ISAKMP_OK);
  cr_assert_eq(m.pl[3].type, ISAKMP_PL_ID);
  cr_assert_eq(isakmp_parse_id(m.pl[3].body, m.pl[3].len, &id, &e), ISAKMP_OK);
  cr_assert(id.type == ISAKMP_ID_FQDN && id.protocol == 0 && id.port == 0);
  cr_assert(id.len == 14 && memcmp(id.data, "branch.example", 14) == 0);
  done(p);
}

Test(ike_am_id, user_fqdn_falls_back_to_the_fqdn_key)
{
  mm_pair_t *p = pair_aggr();
  use_fqdns(p, ISAKMP_ID_USER_FQDN, "alice@branch.example", "hq.example");
  mm_idring_add(&p->rids, ISAKMP_ID_FQDN, "branch.example", "secret");
  am_pair_run(p);
  cr_assert_eq(p->rids.last_type, ISAKMP_ID_USER_FQDN);
  cr_assert_str_eq(p->rids.last_id, "alice@branch.example");
  id_is(ike_mm_sa(p->r), "user@FQDN \"alice@branch.example\"");
  done(p);
}

Test(ike_am_id, user_fqdn_key_before_the_fqdn_key)
{
  mm_pair_t *p = pair_aggr();
  use_fqdns(p, ISAKMP_ID_USER_FQDN, "alice@branch.example", "hq.example");
  mm_idring_add(&p->rids, ISAKMP_ID_FQDN, "branch.example", "the domain's key");
  mm_idring_add(&p->rids, ISAKMP_ID_USER_FQDN, "alice@branch.example", "secret");
  am_pair_run(p);
  done(p);
}

Test(ike_am_id, expected_id_compares_without_case)
{
  mm_pair_t *p = pair_aggr();
  use_fqdns(p, ISAKMP_ID_FQDN, "branch.example", "hq.example");
  cr_assert(ike_mm_id_set(&p->rcfg.local_id, ISAKMP_ID_FQDN, "HQ.Example"));
  mm_idring_add(&p->rids, ISAKMP_ID_FQDN, "branch.example", "secret");
  am_pair_run(p);
  done(p);
}

Test(ike_am_id, address_id_and_key_by_address_by_default)
{
  /* no IDs configured, keys by ID callback: the initiator asks by address
   * (no ID), the responder by AM1's ID_IPV4_ADDR */
  mm_pair_t *p = pair_aggr();
  mm_pair_use_ids(p);
  mm_idring_add(&p->iids, ISAKMP_ID_IPV4_ADDR, "192.0.2.2", "secret");
  mm_idring_add(&p->rids, ISAKMP_ID_IPV4_ADDR, "192.0.2.1", "secret");
  am_pair_run(p);
  cr_assert_eq(p->iids.last_type, 0);
  cr_assert_str_eq(p->iids.last_id, "192.0.2.2");
  cr_assert_eq(p->rids.last_type, ISAKMP_ID_IPV4_ADDR);
  cr_assert_str_eq(p->rids.last_id, "192.0.2.1");
  done(p);
}

Test(ike_am_id, main_mode_fqdn_ids_responder_keys_by_address)
{
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, NULL, 0, NULL, 0);
  use_fqdns(p, ISAKMP_ID_USER_FQDN, "alice@branch.example", "hq.example");
  mm_idring_add(&p->rids, ISAKMP_ID_IPV4_ADDR, "192.0.2.1", "secret");
  mm_pair_run(p);
  cr_assert_eq(p->rids.last_type, 0, "main mode: the key before the ID, by address");
  cr_assert_eq(p->iids.last_type, ISAKMP_ID_FQDN);
  id_is(ike_mm_sa(p->r), "user@FQDN \"alice@branch.example\"");
  id_is(ike_mm_sa(p->i), "FQDN \"hq.example\"");
  done(p);
}

Test(ike_am_id, id_set_and_text)
{
  ike_mm_id_t id;
  cr_assert(ike_mm_id_set(&id, ISAKMP_ID_IPV4_ADDR, "10.1.2.3"));
  cr_assert(id.len == 4 && id.data[0] == 10 && id.data[3] == 3);
  cr_assert_not(ike_mm_id_set(&id, ISAKMP_ID_IPV4_ADDR, "10.1.2"));
  cr_assert_not(ike_mm_id_set(&id, ISAKMP_ID_FQDN, ""));
  cr_assert_not(ike_mm_id_set(&id, ISAKMP_ID_FQDN, "a b"));
  cr_assert_not(ike_mm_id_set(&id, ISAKMP_ID_DER_ASN1_DN, "x"));
  char big[IKE_MM_ID_MAX + 2];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  cr_assert_not(ike_mm_id_set(&id, ISAKMP_ID_FQDN, big));
  big[IKE_MM_ID_MAX] = '\0';
  cr_assert(ike_mm_id_set(&id, ISAKMP_ID_FQDN, big));
  const uint8_t b[] = {ISAKMP_ID_USER_FQDN, 0, 0, 0, 'u', '@', 'x'};
  char t[64];
  cr_assert_str_eq(ike_mm_id_text(b, sizeof b, t, sizeof t), "user@FQDN \"u@x\"");
  cr_assert_str_eq(ike_mm_id_text(b, 3, t, sizeof t), "malformed ID (3 bytes)");
}

Test(ike_am_id, bad_configured_id_is_refused)
{
  mm_pair_t *p = pair_aggr();
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n;
  p->icfg.local_id = (ike_mm_id_t){.type = ISAKMP_ID_FQDN, .len = 0};
  cr_assert_null(ike_am_initiate(&p->icfg, out, sizeof out, &n, &p->err));
  cr_assert_str_eq(p->err.msg, "bad local ID in the configuration");
  done(p);
}

/* ---- retransmissions ---- */

static void feed(ike_mm_t *mm, const uint8_t *m, size_t len, ike_mm_status_t st, const uint8_t *want,
                 size_t want_len)
{
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n = 1;
  ike_mm_error_t err;
  cr_assert_eq(ike_mm_input(mm, m, len, out, sizeof out, &n, &err), st, "%s", err.msg);
  if (st == IKE_MM_SEND) {
    cr_assert_eq(n, want_len);
    cr_assert_eq(memcmp(out, want, n), 0, "the answer is the same message again");
  } else {
    cr_assert_eq(n, 0);
  }
}

Test(ike_am_retx, copies_are_answered_byte_for_byte)
{
  mm_pair_t *p = pair_aggr();
  am_pair_run_to(p, 2);
  /* a copy of AM1 gets the same AM2, twice */
  feed(p->r, p->m[1], p->mlen[1], IKE_MM_SEND, p->m[2], p->mlen[2]);
  feed(p->r, p->m[1], p->mlen[1], IKE_MM_SEND, p->m[2], p->mlen[2]);
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->r)), "amSaR");
  /* the timers: the last message each sent */
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n;
  cr_assert(ike_mm_last(p->i, out, sizeof out, &n));
  cr_assert(n == p->mlen[1] && memcmp(out, p->m[1], n) == 0);
  cr_assert(ike_mm_last(p->r, out, sizeof out, &n));
  cr_assert(n == p->mlen[2] && memcmp(out, p->m[2], n) == 0);
  /* AM2 to the initiator: done, AM3 out; a copy of AM2 gets the same AM3 */
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_DONE, "%s", p->err.msg);
  memcpy(p->m[3], p->msg, p->len);
  p->mlen[3] = p->len;
  feed(p->i, p->m[2], p->mlen[2], IKE_MM_SEND, p->m[3], p->mlen[3]);
  feed(p->i, p->m[2], p->mlen[2], IKE_MM_SEND, p->m[3], p->mlen[3]);
  /* the responder finishes; copies of AM3 need no answer, AM1 is old */
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_DONE, "%s", p->err.msg);
  feed(p->r, p->m[3], p->mlen[3], IKE_MM_IGNORED, NULL, 0);
  feed(p->r, p->m[1], p->mlen[1], IKE_MM_IGNORED, NULL, 0);
  cr_assert_not(ike_mm_last(p->r, out, sizeof out, &n), "nothing to resend after AM3");
  /* after the SA is taken, still the same AM3 for a copy of AM2 */
  ike_p1sa_t sa;
  cr_assert(ike_mm_take_sa(p->i, &sa));
  cr_assert(ike_mm_is_initiator(p->i));
  feed(p->i, p->m[2], p->mlen[2], IKE_MM_SEND, p->m[3], p->mlen[3]);
  ike_p1sa_clear(&sa);
  done(p);
}

/* AM3 as some peers send it: the same payloads in cleartext. */
static size_t clear_am3(mm_pair_t *p, uint8_t *out)
{
  const ike_p1sa_t *sa = ike_mm_sa(p->i);
  isakmp_msg_t m1, m2, m3;
  isakmp_error_t e;
  cr_assert_eq(isakmp_parse_message(p->m[1], p->mlen[1], &m1, &e), ISAKMP_OK);
  cr_assert_eq(isakmp_parse_message(p->m[2], p->mlen[2], &m2, &e), ISAKMP_OK);
  cr_assert_eq(isakmp_parse_message(p->m[3], p->mlen[3], &m3, &e), ISAKMP_OK);
  cr_assert(m1.pl[1].type == ISAKMP_PL_KE && m2.pl[1].type == ISAKMP_PL_KE);
  ike_iv_t iv, next;
  cr_assert(ike_iv_phase1(sa->hash, ike_enc_block(sa->enc), m1.pl[1].body, m2.pl[1].body, m1.pl[1].len, &iv));
  size_t body = p->mlen[3] - 28;
  char why[128];
  cr_assert(ike_cipher_decrypt(sa->cipher, &iv, p->m[3] + 28, body, out + 28, &next, why, sizeof why), "%s", why);
  isakmp_payload_t pl[ISAKMP_MAX_PAYLOADS];
  unsigned n;
  size_t pad;
  cr_assert_eq(isakmp_parse_chain(m3.hdr.next_payload, out + 28, body, pl, ISAKMP_MAX_PAYLOADS, &n, &pad, &e),
               ISAKMP_OK, "%s", e.msg);
  memcpy(out, p->m[3], 28);
  size_t len = p->mlen[3] - pad;
  out[19] &= (uint8_t)~ISAKMP_FLAG_E;
  out[24] = out[25] = 0;
  out[26] = (uint8_t)(len >> 8);
  out[27] = (uint8_t)len;
  return len;
}

Test(ike_am_retx, am3_in_cleartext_is_taken)
{
  mm_pair_t *p = pair_aggr();
  am_pair_run_to(p, 3);
  uint8_t clear[IKE_MM_MSG_MAX];
  size_t n = clear_am3(p, clear);
  mm_assert_parses(clear, n, false);
  /* first with the hash damaged: authentication fails */
  mm_pair_t *q = pair_aggr();
  am_pair_run_to(q, 3);
  uint8_t bad[IKE_MM_MSG_MAX];
  size_t bn = clear_am3(q, bad);
  bad[28 + 4] ^= 1;
  uint8_t out[IKE_MM_MSG_MAX];
  size_t on;
  cr_assert_eq(ike_mm_input(q->r, bad, bn, out, sizeof out, &on, &q->err), IKE_MM_FAILED);
  cr_assert_eq(q->err.notify, ISAKMP_N_AUTHENTICATION_FAILED);
  cr_assert(strstr(q->err.msg, "AM3 from 192.0.2.1: HASH_I does not verify"), "%s", q->err.msg);
  done(q);
  /* the real one */
  cr_assert_eq(ike_mm_input(p->r, clear, n, out, sizeof out, &on, &p->err), IKE_MM_DONE, "%s", p->err.msg);
  cr_assert_eq(on, 0);
  const ike_p1sa_t *r = ike_mm_sa(p->r), *i = ike_mm_sa(p->i);
  cr_assert_eq(memcmp(r->keys.skeyid_a, i->keys.skeyid_a, r->keys.len), 0);
  /* nothing was decrypted: the phase-1 IV stays hash(g^xi | g^xr) */
  isakmp_msg_t m1, m2;
  isakmp_error_t e;
  ike_iv_t iv0;
  cr_assert_eq(isakmp_parse_message(p->m[1], p->mlen[1], &m1, &e), ISAKMP_OK);
  cr_assert_eq(isakmp_parse_message(p->m[2], p->mlen[2], &m2, &e), ISAKMP_OK);
  cr_assert(ike_iv_phase1(r->hash, ike_enc_block(r->enc), m1.pl[1].body, m2.pl[1].body, m1.pl[1].len, &iv0));
  cr_assert_eq(memcmp(r->iv.phase1.b, iv0.b, iv0.len), 0);
  /* NAT-D came in cleartext too */
  cr_assert(r->natt && !r->nat_local && !r->nat_peer);
  done(p);
}

/* ---- the responder cookie callback ---- */

typedef struct {
  unsigned calls;
  uint32_t addr;
  uint16_t port;
  bool refuse;
} rck_t;

static bool rcookie(void *ctx, const uint8_t icookie[8], uint32_t peer_addr, uint16_t peer_port, uint8_t out[8])
{
  rck_t *c = ctx;
  c->calls++;
  c->addr = peer_addr;
  c->port = peer_port;
  for (int k = 0; k < 8; k++)
    out[k] = icookie[k] ^ 0x5a;
  return !c->refuse;
}

static void rcookie_used(bool aggressive)
{
  mm_pair_t *p = aggressive ? pair_aggr() : malloc(sizeof *p);
  if (!aggressive)
    mm_pair_init(p, NULL, 0, NULL, 0);
  rck_t c = {0};
  p->rcfg.rcookie = rcookie;
  p->rcfg.rcookie_ctx = &c;
  if (aggressive)
    am_pair_run(p);
  else
    mm_pair_run(p);
  cr_assert_eq(c.calls, 1);
  cr_assert_eq(c.addr, ADDR_I);
  cr_assert_eq(c.port, 500);
  uint8_t want[8];
  for (int k = 0; k < 8; k++)
    want[k] = ike_mm_icookie(p->i)[k] ^ 0x5a;
  cr_assert_eq(memcmp(ike_mm_rcookie(p->r), want, 8), 0);
  cr_assert_eq(memcmp(ike_mm_rcookie(p->i), want, 8), 0);
  cr_assert_eq(memcmp(p->m[2] + 8, want, 8), 0, "the second message carries it");
  /* a callback that says no: no answer at all */
  ike_mm_t *r2;
  c.refuse = true;
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n = 1;
  r2 = ike_mm_respond(&p->rcfg, p->m[1], p->mlen[1], ADDR_I, 500, out, sizeof out, &n, &p->err);
  cr_assert_null(r2);
  cr_assert_eq(n, 0);
  cr_assert_str_eq(p->err.msg, "no responder cookie (rcookie callback)");
  done(p);
}

Test(ike_am_cookie, rcookie_callback_main_mode) { rcookie_used(false); }
Test(ike_am_cookie, rcookie_callback_aggressive_mode) { rcookie_used(true); }
