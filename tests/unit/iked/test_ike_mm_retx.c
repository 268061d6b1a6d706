/* Main mode on a bad network: retransmissions answered byte for byte,
 * damaged messages refused without harm, and NAT discovery. */
#include "test_ike_mm_pair.h"

#include <string.h>

static mm_pair_t *pair(void)
{
  mm_pair_t *p = malloc(sizeof *p);
  mm_pair_init(p, NULL, 0, NULL, 0);
  return p;
}

static void done(mm_pair_t *p)
{
  mm_pair_free(p);
  free(p);
}

/* Gives the engine a message, expecting status st and (for SEND) want. */
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

Test(ike_mm_retx, repeated_mm3_gets_the_same_mm4)
{
  mm_pair_t *p = pair();
  mm_pair_run_to(p, 4);
  feed(p->r, p->m[3], p->mlen[3], IKE_MM_SEND, p->m[4], p->mlen[4]);
  feed(p->r, p->m[3], p->mlen[3], IKE_MM_SEND, p->m[4], p->mlen[4]);
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->r)), "mmKeR");
  /* the caller's timer: the last message sent, unchanged */
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n;
  cr_assert(ike_mm_last(p->i, out, sizeof out, &n));
  cr_assert_eq(n, p->mlen[3]);
  cr_assert_eq(memcmp(out, p->m[3], n), 0);
  /* the exchange goes on */
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_SEND, "%s", p->err.msg);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_DONE, "%s", p->err.msg);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_DONE, "%s", p->err.msg);
  done(p);
}

Test(ike_mm_retx, repeated_messages_at_every_step)
{
  mm_pair_t *p = pair();
  mm_pair_run(p);
  /* the responder, done, still answers MM5 with MM6; MM1 and MM3 are old */
  feed(p->r, p->m[5], p->mlen[5], IKE_MM_SEND, p->m[6], p->mlen[6]);
  feed(p->r, p->m[3], p->mlen[3], IKE_MM_IGNORED, NULL, 0);
  feed(p->r, p->m[1], p->mlen[1], IKE_MM_IGNORED, NULL, 0);
  /* the initiator has nothing to say after MM6 */
  feed(p->i, p->m[6], p->mlen[6], IKE_MM_IGNORED, NULL, 0);
  feed(p->i, p->m[4], p->mlen[4], IKE_MM_IGNORED, NULL, 0);
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->i)), "done");
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->r)), "done");
  done(p);
}

Test(ike_mm_retx, repeated_mm2_gets_the_same_mm3)
{
  mm_pair_t *p = pair();
  mm_pair_run_to(p, 3);
  feed(p->i, p->m[2], p->mlen[2], IKE_MM_SEND, p->m[3], p->mlen[3]);
  done(p);
}

Test(ike_mm_retx, damaged_messages_are_refused_and_the_exchange_completes)
{
  mm_pair_t *p = pair();
  uint8_t bad[IKE_MM_MSG_MAX];
  mm_pair_run_to(p, 2);
  /* MM2 with its SA payload's length overrunning the message */
  memcpy(bad, p->m[2], p->mlen[2]);
  bad[28 + 2] = 0x7f;
  feed(p->i, bad, p->mlen[2], IKE_MM_IGNORED, NULL, 0);
  /* MM2 cut short */
  feed(p->i, p->m[2], p->mlen[2] - 5, IKE_MM_IGNORED, NULL, 0);
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->i)), "mmSaI");
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_SEND, "%s", p->err.msg);
  /* MM3 cut short, then with its nonce length too small */
  memcpy(bad, p->msg, p->len);
  size_t mm3_len = p->len;
  feed(p->r, bad, mm3_len - 1, IKE_MM_IGNORED, NULL, 0);
  feed(p->r, bad, 20, IKE_MM_IGNORED, NULL, 0);
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->r)), "mmSaR");
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_SEND, "%s", p->err.msg);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_SEND, "%s", p->err.msg);
  /* MM5 cut short (the header's length no longer matches), and cut by a
   * non-whole block with its length patched to match */
  memcpy(bad, p->msg, p->len);
  size_t mm5_len = p->len;
  feed(p->r, bad, mm5_len - 8, IKE_MM_IGNORED, NULL, 0);
  bad[27] = (uint8_t)(mm5_len - 3);
  bad[26] = (uint8_t)((mm5_len - 3) >> 8);
  feed(p->r, bad, mm5_len - 3, IKE_MM_IGNORED, NULL, 0);
  /* MM5 in cleartext form (flag E cleared) */
  memcpy(bad, p->msg, p->len);
  bad[19] &= (uint8_t)~ISAKMP_FLAG_E;
  feed(p->r, bad, mm5_len, IKE_MM_IGNORED, NULL, 0);
  /* MM5 with another cookie */
  memcpy(bad, p->msg, p->len);
  bad[3] ^= 1;
  feed(p->r, bad, mm5_len, IKE_MM_IGNORED, NULL, 0);
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->r)), "mmKeR");
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_DONE, "%s", p->err.msg);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_DONE, "%s", p->err.msg);
  done(p);
}

Test(ike_mm_retx, message_for_another_state_is_ignored)
{
  mm_pair_t *p = pair();
  mm_pair_run_to(p, 4);
  /* the responder waits for MM5: MM1 and MM3-like cleartext is refused */
  ike_mm_error_t err;
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n;
  cr_assert_eq(ike_mm_input(p->r, p->m[2], p->mlen[2], out, sizeof out, &n, &err), IKE_MM_IGNORED);
  cr_assert(strstr(err.msg, "MM5 refused"), "%s", err.msg);
  done(p);
}

Test(ike_mm_retx, natd_no_nat)
{
  mm_pair_t *p = pair();
  mm_pair_run(p);
  const ike_p1sa_t *i = ike_mm_sa(p->i), *r = ike_mm_sa(p->r);
  cr_assert(i->natt && r->natt);
  cr_assert_not(i->nat_local || i->nat_peer || r->nat_local || r->nat_peer);
  /* MM3 and MM4 carry two NAT-D payloads each */
  isakmp_msg_t m;
  isakmp_error_t e;
  for (int k = 3; k <= 4; k++) {
    cr_assert_eq(isakmp_parse_message(p->m[k], p->mlen[k], &m, &e), ISAKMP_OK);
    unsigned natd = 0;
    for (unsigned j = 0; j < m.n; j++)
      natd += m.pl[j].type == ISAKMP_PL_NATD;
    cr_assert_eq(natd, 2, "MM%d", k);
  }
  done(p);
}

Test(ike_mm_retx, natd_initiator_behind_nat)
{
  mm_pair_t *p = pair();
  p->r_sees_i = ADDR(198, 51, 100, 7);
  p->rkey.any_peer = true;
  mm_pair_run(p);
  const ike_p1sa_t *i = ike_mm_sa(p->i), *r = ike_mm_sa(p->r);
  cr_assert(i->natt && r->natt);
  cr_assert(i->nat_local && !i->nat_peer, "the initiator finds itself behind a NAT");
  cr_assert(r->nat_peer && !r->nat_local, "the responder finds the initiator behind a NAT");
  cr_assert_eq(r->peer_addr, ADDR(198, 51, 100, 7));
  done(p);
}

Test(ike_mm_retx, natd_port_translated)
{
  /* a responder that sees the initiator's port rewritten */
  mm_pair_t *p = pair();
  mm_pair_start(p);
  uint8_t in[IKE_MM_MSG_MAX];
  memcpy(in, p->msg, p->len);
  p->r = ike_mm_respond(&p->rcfg, in, p->len, ADDR_I, 1025, p->msg, sizeof p->msg, &p->len, &p->err);
  cr_assert(p->r, "%s", p->err.msg);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_SEND, "%s", p->err.msg);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_SEND, "%s", p->err.msg);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_SEND, "%s", p->err.msg);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_DONE, "%s", p->err.msg);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_DONE, "%s", p->err.msg);
  cr_assert(ike_mm_sa(p->r)->nat_peer && ike_mm_sa(p->i)->nat_local);
  done(p);
}

Test(ike_mm_retx, natt_needs_both_vendor_ids)
{
  mm_pair_t *p = pair();
  p->rcfg.vid_natt = false;
  p->icfg.vid_dpd = false;
  mm_pair_run(p);
  const ike_p1sa_t *i = ike_mm_sa(p->i), *r = ike_mm_sa(p->r);
  cr_assert_not(i->natt || r->natt);
  cr_assert(i->dpd && !r->dpd, "DPD: only the responder sent its vendor ID");
  isakmp_msg_t m;
  isakmp_error_t e;
  cr_assert_eq(isakmp_parse_message(p->m[3], p->mlen[3], &m, &e), ISAKMP_OK);
  cr_assert_eq(m.n, 2, "MM3: KE and nonce only");
  done(p);
}

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
    feed(mm, bad, n, IKE_MM_IGNORED, NULL, 0);
    cr_assert_eq(ike_mm_state(mm), before, "a %zu-byte cut changed the state", n);
  }
}

Test(ike_mm_retx, every_truncation_is_refused)
{
  mm_pair_t *p = pair();
  mm_pair_run_to(p, 2);
  refuse_truncations(p->i, p->m[2], p->mlen[2]);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_SEND, "%s", p->err.msg);
  refuse_truncations(p->r, p->msg, p->len);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_SEND, "%s", p->err.msg);
  refuse_truncations(p->i, p->msg, p->len);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_SEND, "%s", p->err.msg);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_DONE, "%s", p->err.msg);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_DONE, "%s", p->err.msg);
  done(p);
}

Test(ike_mm_retx, every_damaged_byte_of_mm1)
{
  /* the responder either answers or refuses; it never reads out of bounds */
  mm_pair_t *p = pair();
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

static bool no_entropy(void *ctx, uint8_t *buf, size_t len) { return false; }

static bool fixed_bytes(void *ctx, uint8_t *buf, size_t len)
{
  memset(buf, *(const uint8_t *)ctx, len);
  return true;
}

Test(ike_mm_retx, cookies_and_nonces_from_the_callers_source)
{
  mm_pair_t *p = pair();
  uint8_t ib = 0x11, rb = 0x22;
  p->icfg.rand = fixed_bytes;
  p->icfg.rand_ctx = &ib;
  p->rcfg.rand = fixed_bytes;
  p->rcfg.rand_ctx = &rb;
  mm_pair_run(p);
  const uint8_t i8[8] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
  const uint8_t r8[8] = {0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22};
  cr_assert_eq(memcmp(ike_mm_icookie(p->r), i8, 8), 0);
  cr_assert_eq(memcmp(ike_mm_rcookie(p->i), r8, 8), 0);
  /* MM3's nonce (after the KE payload) is the initiator's source too */
  isakmp_msg_t m;
  isakmp_error_t e;
  cr_assert_eq(isakmp_parse_message(p->m[3], p->mlen[3], &m, &e), ISAKMP_OK);
  cr_assert_eq(m.pl[1].type, ISAKMP_PL_NONCE);
  cr_assert_eq(memcmp(m.pl[1].body, i8, 8), 0);
  done(p);
}

Test(ike_mm_retx, random_source_failure)
{
  mm_pair_t *p = pair();
  p->icfg.rand = no_entropy;
  uint8_t out[IKE_MM_MSG_MAX];
  size_t n;
  cr_assert_null(ike_mm_initiate(&p->icfg, out, sizeof out, &n, &p->err));
  cr_assert_str_eq(p->err.msg, "no random bytes for a cookie");
  done(p);
}
