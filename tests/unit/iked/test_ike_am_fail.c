/* Aggressive mode's failures (each with its notify and a reason for the
 * log), NAT discovery in both modes (a NAT, a forged NAT-D hash, the port
 * float), and damaged or cut messages refused without harm. */
#include "test_ike_mm_pair.h"

#include <string.h>

static mm_pair_t *pair_aggr(void)
{
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init_aggr(p, IKE_AGGR_REQUESTED, IKE_AGGR_ACCEPTED);
  return p;
}

static void done(mm_pair_t *p)
{
  mm_pair_free(p);
  free(p);
}

static void feed(ike_mm_t *mm, const uint8_t *m, size_t len, ike_mm_status_t st)
{
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n = 1;
  ike_mm_error_t err;
  cr_assert_eq(ike_mm_input(mm, m, len, out, sizeof out, &n, &err), st, "%s", err.msg);
  if (st == IKE_MM_IGNORED)
    cr_assert_eq(n, 0);
}

Test(ike_am_fail, wrong_key_fails_the_initiator_on_am2)
{
  mm_pair_t *p = pair_aggr();
  p->rkey.key = "another secret";
  am_pair_run_to(p, 2);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_FAILED);
  cr_assert_eq(p->err.notify, ISAKMP_N_AUTHENTICATION_FAILED);
  cr_assert_str_eq(p->err.msg, "AM2 from 192.0.2.2: HASH_R does not verify (pre-shared keys differ?)");
  cr_assert_eq(mm_notify_type(p->msg, p->len), ISAKMP_N_AUTHENTICATION_FAILED);
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->i)), "deleted");
  cr_assert_null(ike_mm_sa(p->i));
  /* the responder hears an unauthenticated notify and ignores it */
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_IGNORED);
  cr_assert_eq(p->err.peer_notify, ISAKMP_N_AUTHENTICATION_FAILED);
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->r)), "amSaR");
  done(p);
}

Test(ike_am_fail, wrong_key_by_id)
{
  mm_pair_t *p = pair_aggr();
  mm_pair_use_ids(p);
  cr_assert(ike_mm_id_set(&p->icfg.local_id, ISAKMP_ID_USER_FQDN, "bob@branch.example"));
  mm_idring_add(&p->iids, ISAKMP_ID_IPV4_ADDR, "192.0.2.2", "secret");
  mm_idring_add(&p->rids, ISAKMP_ID_FQDN, "branch.example", "not the secret");
  am_pair_run_to(p, 2);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_FAILED);
  cr_assert_eq(p->err.notify, ISAKMP_N_AUTHENTICATION_FAILED);
  done(p);
}

Test(ike_am_fail, damaged_am3_fails_the_responder)
{
  /* encrypted AM3 that decrypts to rubbish: what a key mismatch looks like */
  mm_pair_t *p = pair_aggr();
  am_pair_run_to(p, 3);
  p->msg[28] ^= 0x40;
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED);
  cr_assert_eq(p->err.notify, ISAKMP_N_AUTHENTICATION_FAILED);
  cr_assert(strstr(p->err.msg, "AM3 does not decrypt to a valid message"), "%s", p->err.msg);
  done(p);
}

Test(ike_am_fail, no_key_for_the_id_gets_no_answer)
{
  mm_pair_t *p = pair_aggr();
  mm_pair_use_ids(p);
  cr_assert(ike_mm_id_set(&p->icfg.local_id, ISAKMP_ID_FQDN, "stranger.example"));
  mm_idring_add(&p->iids, ISAKMP_ID_IPV4_ADDR, "192.0.2.2", "secret");
  mm_idring_add(&p->rids, ISAKMP_ID_FQDN, "branch.example", "secret");
  mm_pair_start(p);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED);
  cr_assert_null(p->r);
  cr_assert_eq(p->len, 0, "an unknown peer gets no answer");
  cr_assert_str_eq(p->err.msg, "no pre-shared key for peer 192.0.2.1 (FQDN \"stranger.example\")");
  cr_assert_eq(p->rids.calls, 1);
  done(p);
}

Test(ike_am_fail, old_psk_callback_keys_aggressive_mode_by_address)
{
  mm_pair_t *p = pair_aggr();
  cr_assert(ike_mm_id_set(&p->icfg.local_id, ISAKMP_ID_FQDN, "branch.example"));
  am_pair_run(p);
  /* and without a key for the address, no answer */
  mm_pair_free(p);
  p->rkey.peer = ADDR(203, 0, 113, 9);
  mm_pair_start(p);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED);
  cr_assert_eq(p->len, 0);
  cr_assert_str_eq(p->err.msg, "no pre-shared key for peer 192.0.2.1");
  done(p);
}

Test(ike_am_fail, responder_id_not_the_expected_one)
{
  mm_pair_t *p = pair_aggr();
  cr_assert(ike_mm_id_set(&p->icfg.peer_id, ISAKMP_ID_FQDN, "hq.example"));
  cr_assert(ike_mm_id_set(&p->rcfg.local_id, ISAKMP_ID_FQDN, "other.example"));
  am_pair_run_to(p, 2);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_FAILED);
  cr_assert_eq(p->err.notify, ISAKMP_N_INVALID_ID_INFORMATION);
  cr_assert_str_eq(p->err.msg, "AM2: peer 192.0.2.2 identified itself as FQDN \"other.example\", expected FQDN "
                               "\"hq.example\"");
  cr_assert_eq(mm_notify_type(p->msg, p->len), ISAKMP_N_INVALID_ID_INFORMATION);
  done(p);
}

Test(ike_am_fail, responder_id_not_the_expected_one_main_mode)
{
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, NULL, 0, NULL, 0);
  cr_assert(ike_mm_id_set(&p->icfg.peer_id, ISAKMP_ID_USER_FQDN, "vpn@hq.example"));
  mm_pair_run_to(p, 6);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_FAILED);
  cr_assert_eq(p->err.notify, ISAKMP_N_INVALID_ID_INFORMATION);
  cr_assert_str_eq(p->err.msg, "MM6: peer 192.0.2.2 identified itself as IPv4 address 192.0.2.2, expected "
                               "user@FQDN \"vpn@hq.example\"");
  done(p);
}

Test(ike_am_fail, initiator_id_not_the_responders_expected_one)
{
  /* checked at AM1 when the responder is configured with it */
  mm_pair_t *p = pair_aggr();
  cr_assert(ike_mm_id_set(&p->rcfg.peer_id, ISAKMP_ID_FQDN, "branch.example"));
  mm_pair_start(p);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED);
  cr_assert_eq(p->err.notify, ISAKMP_N_INVALID_ID_INFORMATION);
  cr_assert_str_eq(p->err.msg, "AM1: peer 192.0.2.1 identified itself as IPv4 address 192.0.2.1, expected FQDN "
                               "\"branch.example\"");
  cr_assert_eq(mm_notify_type(p->msg, p->len), ISAKMP_N_INVALID_ID_INFORMATION);
  done(p);
}

Test(ike_am_fail, group_mismatch_no_proposal_chosen)
{
  const ike_mm_proposal_t ip = {IKE_ENC_3DES, IKE_HASH_SHA1, 2, 28800, IKE_AGGR_REQUESTED};
  const ike_mm_proposal_t rp = {IKE_ENC_3DES, IKE_HASH_SHA1, 5, 28800, IKE_AGGR_ACCEPTED};
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, &ip, 1, &rp, 1);
  p->aggressive = true;
  mm_pair_start(p);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED);
  cr_assert_null(p->r);
  cr_assert_eq(p->err.notify, ISAKMP_N_NO_PROPOSAL_CHOSEN);
  cr_assert_str_eq(p->err.msg, "no proposal chosen: peer offered 3des-sha1-modp1024, we accept 3des-sha1-modp1536 "
                               "in aggressive mode");
  cr_assert_eq(mm_notify_type(p->msg, p->len), ISAKMP_N_NO_PROPOSAL_CHOSEN);
  cr_assert_eq(memcmp(p->msg, ike_mm_icookie(p->i), 8), 0, "the notify names the initiator's cookie");
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_IGNORED);
  cr_assert_eq(p->err.peer_notify, ISAKMP_N_NO_PROPOSAL_CHOSEN);
  done(p);
}

Test(ike_am_fail, address_id_not_its_address_without_nat)
{
  /* the responder sees the initiator elsewhere and NAT-T is off: AM3
   * (the responder's last word) fails on the ID */
  mm_pair_t *p = pair_aggr();
  p->icfg.vid_natt = p->rcfg.vid_natt = false;
  p->r_sees_i = ADDR(198, 51, 100, 7);
  p->rkey.any_peer = true;
  am_pair_run_to(p, 3);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED);
  cr_assert_eq(p->err.notify, ISAKMP_N_INVALID_ID_INFORMATION);
  cr_assert_str_eq(p->err.msg, "AM3: peer 198.51.100.7 identified itself as IPv4 address 192.0.2.1, which is not "
                               "its address, and no NAT was detected");
  done(p);
}

Test(ike_am_fail, am2_from_a_responder_that_chose_what_we_did_not_offer)
{
  const ike_mm_proposal_t ip = {IKE_ENC_AES128, IKE_HASH_SHA1, 2, 28800, IKE_AGGR_REQUESTED};
  const ike_mm_proposal_t rp = {IKE_ENC_3DES, IKE_HASH_SHA1, 2, 28800, IKE_AGGR_REQUESTED};
  mm_pair_t *p = malloc(sizeof *p), *q = malloc(sizeof *q);
  mm_pair_init(q, &rp, 1, &rp, 1);
  q->aggressive = true;
  am_pair_run_to(q, 2);
  mm_pair_init(p, &ip, 1, &ip, 1);
  p->aggressive = true;
  mm_pair_start(p);
  memcpy(q->msg, ike_mm_icookie(p->i), 8);
  memcpy(p->msg, q->msg, q->len);
  p->len = q->len;
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_FAILED);
  cr_assert_eq(p->err.notify, ISAKMP_N_NO_PROPOSAL_CHOSEN);
  cr_assert_str_eq(p->err.msg, "AM2: responder chose 3des-sha1-modp1024, which we did not offer");
  done(p);
  done(q);
}

/* ---- NAT discovery ---- */

/* The second NAT-D payload of message m (the sender's own address) made
 * wrong, as strongSwan does to force UDP encapsulation. */
static void forge_own_natd(uint8_t *m, size_t len)
{
  isakmp_msg_t msg;
  isakmp_error_t e;
  cr_assert_eq(isakmp_parse_message(m, len, &msg, &e), ISAKMP_OK, "%s", e.msg);
  unsigned k = 0;
  for (unsigned i = 0; i < msg.n; i++)
    if (msg.pl[i].type == ISAKMP_PL_NATD && k++ == 1) {
      uint8_t *b = m + (msg.pl[i].body - m);
      for (size_t j = 0; j < msg.pl[i].len; j++)
        b[j] ^= 0xa5;
      return;
    }
  cr_assert_fail("no second NAT-D payload");
}

Test(ike_am_nat, initiator_behind_a_nat)
{
  mm_pair_t *p = pair_aggr();
  p->r_sees_i = ADDR(198, 51, 100, 7);
  p->rkey.any_peer = true;
  am_pair_run_to(p, 2);
  cr_assert_not(ike_mm_nat_detected(p->r), "the responder learns it from AM3");
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_DONE, "%s", p->err.msg);
  cr_assert(ike_mm_nat_detected(p->i), "float before sending AM3");
  const ike_p1sa_t *i = ike_mm_sa(p->i);
  cr_assert(i->nat_local && !i->nat_peer);
  /* AM3 carries NAT-D (encrypted) */
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_DONE, "%s", p->err.msg);
  const ike_p1sa_t *r = ike_mm_sa(p->r);
  cr_assert(r->nat_peer && !r->nat_local);
  cr_assert(ike_mm_nat_detected(p->r));
  cr_assert_eq(r->peer_addr, ADDR(198, 51, 100, 7));
  done(p);
}

Test(ike_am_nat, forged_natd_in_am2_means_the_peer_is_behind_a_nat)
{
  mm_pair_t *p = pair_aggr();
  am_pair_run_to(p, 2);
  forge_own_natd(p->msg, p->len);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_DONE, "%s", p->err.msg);
  cr_assert(ike_mm_nat_detected(p->i));
  const ike_p1sa_t *i = ike_mm_sa(p->i);
  cr_assert(i->nat_peer && !i->nat_local);
  /* the driver floats and records it; NAT-D in AM3 used the old ports */
  ike_mm_set_ports(p->i, 4500, 4500);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_DONE, "%s", p->err.msg);
  const ike_p1sa_t *r = ike_mm_sa(p->r);
  cr_assert(!r->nat_peer && !r->nat_local, "our own NAT-D is honest");
  cr_assert_not(ike_mm_nat_detected(p->r));
  ike_mm_set_ports(p->r, 4500, 4500);
  ike_p1sa_t si, sr;
  cr_assert(ike_mm_take_sa(p->i, &si) && ike_mm_take_sa(p->r, &sr));
  cr_assert(si.local_port == 4500 && si.peer_port == 4500 && sr.local_port == 4500 && sr.peer_port == 4500);
  cr_assert(ike_mm_nat_detected(p->i), "still known after the SA is taken");
  ike_p1sa_clear(&si);
  ike_p1sa_clear(&sr);
  done(p);
}

Test(ike_am_nat, forged_natd_in_mm3_main_mode)
{
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, NULL, 0, NULL, 0);
  mm_pair_run_to(p, 3);
  forge_own_natd(p->msg, p->len);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_SEND, "%s", p->err.msg);
  cr_assert(ike_mm_nat_detected(p->r), "after MM3: the peer is behind a NAT");
  /* MM4 is honest: the initiator sees no NAT of its own */
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_SEND, "%s", p->err.msg);
  cr_assert_not(ike_mm_nat_detected(p->i));
  /* the peer floats to 4500 before MM5; the responder records it */
  ike_mm_set_ports(p->r, 4500, 4500);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_DONE, "%s", p->err.msg);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_DONE, "%s", p->err.msg);
  const ike_p1sa_t *r = ike_mm_sa(p->r);
  cr_assert(r->nat_peer && !r->nat_local);
  cr_assert(r->local_port == 4500 && r->peer_port == 4500);
  cr_assert_eq(ike_mm_sa(p->i)->local_port, 500);
  done(p);
}

Test(ike_am_nat, main_mode_initiator_behind_a_nat_detected_after_mm4)
{
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, NULL, 0, NULL, 0);
  p->r_sees_i = ADDR(198, 51, 100, 7);
  p->rkey.any_peer = true;
  mm_pair_run_to(p, 4);
  cr_assert(ike_mm_nat_detected(p->r));
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_SEND, "%s", p->err.msg);
  cr_assert(ike_mm_nat_detected(p->i), "float before sending MM5");
  done(p);
}

Test(ike_am_nat, no_natd_without_both_vendor_ids)
{
  mm_pair_t *p = pair_aggr();
  p->rcfg.vid_natt = false;
  p->r_sees_i = ADDR(198, 51, 100, 7);
  p->rkey.any_peer = true;
  am_pair_run_to(p, 2);
  isakmp_msg_t m;
  isakmp_error_t e;
  cr_assert_eq(isakmp_parse_message(p->msg, p->len, &m, &e), ISAKMP_OK);
  for (unsigned j = 0; j < m.n; j++)
    cr_assert_neq(m.pl[j].type, ISAKMP_PL_NATD);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_DONE, "%s", p->err.msg);
  cr_assert_not(ike_mm_nat_detected(p->i));
  done(p);
}

/* ---- damage ---- */

/* Every shorter form of a cleartext message, its header length patched to
 * match (so the payload chain is what fails), is refused. */
static void refuse_truncations(ike_mm_t *mm, const uint8_t *m, size_t len)
{
  uint8_t bad[IKE_MM_MSG_MAX];
  ike_mm_state_t before = ike_mm_state(mm);
  for (size_t n = 0; n < len; n++) {
    memcpy(bad, m, n);
    if (n >= 28) {
      bad[24] = bad[25] = 0;
      bad[26] = (uint8_t)(n >> 8);
      bad[27] = (uint8_t)n;
    }
    feed(mm, bad, n, IKE_MM_IGNORED);
    cr_assert_eq(ike_mm_state(mm), before, "a %zu-byte cut changed the state", n);
  }
}

Test(ike_am_damage, every_truncation_of_am2_is_refused)
{
  mm_pair_t *p = pair_aggr();
  am_pair_run_to(p, 2);
  refuse_truncations(p->i, p->msg, p->len);
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->i)), "amSaI");
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_DONE, "%s", p->err.msg);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_DONE, "%s", p->err.msg);
  done(p);
}

Test(ike_am_damage, every_truncation_of_am1_is_refused)
{
  mm_pair_t *p = pair_aggr();
  mm_pair_start(p);
  uint8_t bad[IKE_MM_MSG_MAX], out[IKE_MM_MSG_MAX];
  size_t n;
  for (size_t cut = 0; cut < p->len; cut++) {
    memcpy(bad, p->msg, cut);
    if (cut >= 28) {
      bad[24] = bad[25] = 0;
      bad[26] = (uint8_t)(cut >> 8);
      bad[27] = (uint8_t)cut;
    }
    ike_mm_t *r = ike_mm_respond(&p->rcfg, bad, cut, ADDR_I, 500, out, sizeof out, &n, &p->err);
    cr_assert_null(r, "a %zu-byte AM1 was taken", cut);
    cr_assert(p->err.msg[0], "cut %zu: refused without a reason", cut);
  }
  done(p);
}

Test(ike_am_damage, every_damaged_byte_of_am1)
{
  /* the responder either answers or refuses; it never reads out of bounds */
  mm_pair_t *p = pair_aggr();
  mm_pair_start(p);
  uint8_t bad[IKE_MM_MSG_MAX], out[IKE_MM_MSG_MAX];
  size_t n;
  for (size_t i = 0; i < p->len; i++) {
    for (unsigned flip = 0x01; flip <= 0x80; flip <<= 7) {
      memcpy(bad, p->msg, p->len);
      bad[i] ^= (uint8_t)flip;
      ike_mm_t *r = ike_mm_respond(&p->rcfg, bad, p->len, ADDR_I, 500, out, sizeof out, &n, &p->err);
      cr_assert(r || p->err.msg[0], "byte %zu: refused without a reason", i);
      ike_mm_free(r);
    }
  }
  done(p);
}

Test(ike_am_damage, every_damaged_byte_of_am2)
{
  /* the initiator refuses, fails (a hash that does not verify) or, for
   * bytes nothing covers (vendor IDs, NAT-D), goes on; never out of bounds */
  mm_pair_t *p = pair_aggr();
  am_pair_run_to(p, 2);
  uint8_t am2[IKE_MM_MSG_MAX], out[IKE_MM_MSG_MAX];
  size_t l2 = p->len, n;
  for (size_t i = 0; i < l2; i += 3) {
    /* a fresh pair for each byte (a failed initiator is gone) */
    mm_pair_free(p);
    mm_pair_start(p);
    cr_assert_eq(mm_pair_to_r(p), IKE_MM_SEND, "%s", p->err.msg);
    memcpy(am2, p->msg, p->len);
    l2 = p->len;
    if (i >= l2)
      break;
    am2[i] ^= 0x10;
    ike_mm_status_t st = ike_mm_input(p->i, am2, l2, out, sizeof out, &n, &p->err);
    cr_assert(st != IKE_MM_IGNORED || p->err.msg[0], "byte %zu: refused without a reason", i);
    if (st == IKE_MM_IGNORED)
      cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->i)), "amSaI");
  }
  done(p);
}

Test(ike_am_damage, message_of_the_other_mode_is_refused)
{
  /* an aggressive-mode responder waiting for AM3 refuses a main-mode
   * message, and a main-mode one refuses aggressive mode */
  mm_pair_t *p = pair_aggr(), *q = malloc(sizeof *q);
  am_pair_run_to(p, 2);
  mm_pair_init(q, NULL, 0, NULL, 0);
  mm_pair_run_to(q, 2);
  ike_mm_error_t err;
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n;
  uint8_t m[IKE_MM_MSG_MAX];
  memcpy(m, q->m[1], q->mlen[1]);
  memcpy(m, ike_mm_icookie(p->r), 8);
  memcpy(m + 8, ike_mm_rcookie(p->r), 8);
  cr_assert_eq(ike_mm_input(p->r, m, q->mlen[1], out, sizeof out, &n, &err), IKE_MM_IGNORED);
  cr_assert(strstr(err.msg, "expected aggressive mode"), "%s", err.msg);
  memcpy(m, p->m[2], p->mlen[2]);
  memcpy(m, ike_mm_icookie(q->i), 8);
  cr_assert_eq(ike_mm_input(q->i, m, p->mlen[2], out, sizeof out, &n, &err), IKE_MM_IGNORED);
  cr_assert(strstr(err.msg, "expected main mode"), "%s", err.msg);
  done(p);
  done(q);
}
