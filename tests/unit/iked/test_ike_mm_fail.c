/* Main mode's failures: each with its notify on the wire and a reason for
 * the log. */
#include "test_ike_mm_pair.h"

#include <string.h>

Test(ike_mm_fail, proposal_mismatch_lists_both_sides)
{
  const ike_mm_proposal_t ip[] = {{IKE_ENC_AES128, IKE_HASH_SHA1, 14, 28800, IKE_AGGR_NONE}, {IKE_ENC_DES, IKE_HASH_MD5, 1, 600, IKE_AGGR_NONE}};
  const ike_mm_proposal_t rp[] = {{IKE_ENC_3DES, IKE_HASH_SHA1, 2, 28800, IKE_AGGR_NONE},
                                  {IKE_ENC_AES256, IKE_HASH_SHA256, 14, 28800, IKE_AGGR_NONE}};
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, ip, 2, rp, 2);
  mm_pair_start(p);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED);
  cr_assert_null(p->r);
  cr_assert_eq(p->err.notify, ISAKMP_N_NO_PROPOSAL_CHOSEN);
  cr_assert_str_eq(p->err.msg, "no proposal chosen: peer offered aes128-sha1-modp2048, des-md5-modp768, "
                               "we accept 3des-sha1-modp1024, aes256-sha256-modp2048");
  cr_assert_gt(p->len, 0);
  cr_assert_eq(mm_notify_type(p->msg, p->len), ISAKMP_N_NO_PROPOSAL_CHOSEN);
  cr_assert_eq(memcmp(p->msg, ike_mm_icookie(p->i), 8), 0, "the notify names the initiator's cookie");
  /* the initiator does not act on an unauthenticated notify */
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_IGNORED);
  cr_assert_eq(p->err.peer_notify, ISAKMP_N_NO_PROPOSAL_CHOSEN);
  cr_assert(strstr(p->err.msg, "NO-PROPOSAL-CHOSEN"), "%s", p->err.msg);
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->i)), "mmSaI");
  mm_pair_free(p);
  free(p);
}

Test(ike_mm_fail, wrong_psk_fails_the_responder_on_mm5)
{
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, NULL, 0, NULL, 0);
  p->rkey.key = "another secret";
  mm_pair_run_to(p, 5);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED);
  cr_assert_eq(p->err.notify, ISAKMP_N_AUTHENTICATION_FAILED);
  cr_assert(strstr(p->err.msg, "MM5") && strstr(p->err.msg, "pre-shared keys differ"), "%s", p->err.msg);
  cr_assert_eq(mm_notify_type(p->msg, p->len), ISAKMP_N_AUTHENTICATION_FAILED);
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->r)), "deleted");
  cr_assert_null(ike_mm_sa(p->r));
  /* a dead negotiation answers nothing, not even a copy of MM5 */
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n;
  cr_assert_eq(ike_mm_input(p->r, p->m[5], p->mlen[5], out, sizeof out, &n, &p->err), IKE_MM_IGNORED);
  cr_assert_eq(n, 0);
  mm_pair_free(p);
  free(p);
}

Test(ike_mm_fail, no_key_for_the_peer)
{
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, NULL, 0, NULL, 0);
  p->rkey.peer = ADDR(203, 0, 113, 9);
  mm_pair_start(p);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED);
  cr_assert_eq(p->len, 0, "an unknown peer gets no answer");
  cr_assert_str_eq(p->err.msg, "no pre-shared key for peer 192.0.2.1");
  /* the initiator checks its own key before sending anything */
  ike_mm_free(p->i);
  p->ikey.peer = ADDR(203, 0, 113, 9);
  p->i = ike_mm_initiate(&p->icfg, p->msg, sizeof p->msg, &p->len, &p->err);
  cr_assert_null(p->i);
  cr_assert_str_eq(p->err.msg, "no pre-shared key for peer 192.0.2.2");
  mm_pair_free(p);
  free(p);
}

Test(ike_mm_fail, peer_id_not_its_address)
{
  /* the responder sees the initiator at another address, without NAT-T to
   * explain it: the ID (192.0.2.1) does not name the peer */
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, NULL, 0, NULL, 0);
  p->icfg.vid_natt = p->rcfg.vid_natt = false;
  p->r_sees_i = ADDR(198, 51, 100, 7);
  p->rkey.any_peer = true;
  mm_pair_run_to(p, 5);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED);
  cr_assert_eq(p->err.notify, ISAKMP_N_INVALID_ID_INFORMATION);
  cr_assert_str_eq(p->err.msg, "MM5: peer 198.51.100.7 identified itself as IPv4 address 192.0.2.1, which is not "
                               "its address, and no NAT was detected");
  cr_assert_eq(mm_notify_type(p->msg, p->len), ISAKMP_N_INVALID_ID_INFORMATION);
  mm_pair_free(p);
  free(p);
}

Test(ike_mm_fail, malformed_mm1_gets_payload_malformed)
{
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, NULL, 0, NULL, 0);
  mm_pair_start(p);
  /* the SA payload's situation says secrecy labels follow, which they do not */
  p->msg[28 + 4 + 7] = 0x03;
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED);
  cr_assert_null(p->r);
  cr_assert(strstr(p->err.msg, "MM1 refused: SA payload: situation"), "%s", p->err.msg);
  cr_assert_eq(mm_notify_type(p->msg, p->len), ISAKMP_N_SITUATION_NOT_SUPPORTED);
  /* a payload length running past the message */
  mm_pair_start(p);
  p->msg[28 + 3] = 0xff;
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_FAILED);
  cr_assert_eq(mm_notify_type(p->msg, p->len), ISAKMP_N_PAYLOAD_MALFORMED, "%s", p->err.msg);
  mm_pair_free(p);
  free(p);
}

Test(ike_mm_fail, responder_choice_we_did_not_offer)
{
  /* MM2 from a responder that picked group 5 when we offered group 2 */
  const ike_mm_proposal_t ip = {IKE_ENC_3DES, IKE_HASH_SHA1, 2, 28800, IKE_AGGR_NONE};
  const ike_mm_proposal_t rp = {IKE_ENC_3DES, IKE_HASH_SHA1, 5, 28800, IKE_AGGR_NONE};
  mm_pair_t *p = malloc(sizeof *p), *q = malloc(sizeof *q);
  mm_pair_init(q, &rp, 1, &rp, 1);
  mm_pair_run_to(q, 2);
  mm_pair_init(p, &ip, 1, &ip, 1);
  mm_pair_start(p);
  /* q's MM2 with p's initiator cookie */
  memcpy(q->msg, ike_mm_icookie(p->i), 8);
  memcpy(p->msg, q->msg, q->len);
  p->len = q->len;
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_FAILED);
  cr_assert_eq(p->err.notify, ISAKMP_N_NO_PROPOSAL_CHOSEN);
  cr_assert_str_eq(p->err.msg, "MM2: responder chose 3des-sha1-modp1536, which we did not offer");
  mm_pair_free(p);
  mm_pair_free(q);
  free(p);
  free(q);
}
