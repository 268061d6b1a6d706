/* Quick mode refusing: proposal and PFS mismatches with both sides' lists,
 * identities, hashes, malformed messages, an unacceptable answer; that a
 * refused message changes nothing; and retransmitted messages. */
#include <criterion/criterion.h>
#include <string.h>

#include "ike_qm_testlib.h"
#include "isakmp.h"

static ike_p1sa_t pi, pr;
static qmt_spis_t si, sr;
static qmt_run_t x;
static ike_qm_cfg_t ci, cr;
static qmt_lookup_t lk;

#define LOCAL_I qmt_subnet(QMT_ADDR(203, 0, 113, 0), 24)
#define LOCAL_R qmt_subnet(QMT_ADDR(198, 51, 100, 128), 25)

static void setup(void)
{
  qmt_p1_pair(&pi, &pr, IKE_ENC_3DES, IKE_HASH_SHA1);
  si = (qmt_spis_t){.next = 0x1000};
  sr = (qmt_spis_t){.next = 0x2000};
  memset(&x, 0, sizeof x);
  ci = qmt_cfg("esp-3des-hmac-sha", 0, LOCAL_I, LOCAL_R, &si);
  cr = qmt_cfg("esp-3des-hmac-sha", 0, LOCAL_R, LOCAL_I, &sr);
  lk = (qmt_lookup_t){.cfg = &cr};
}

static void teardown(void)
{
  qmt_run_free(&x);
  qmt_p1_free(&pi);
  qmt_p1_free(&pr);
}

TestSuite(qmf, .init = setup, .fini = teardown);

static void qm1(void)
{
  x.i = ike_qm_initiate(&pi, &ci, x.msg[0], IKE_QM_MSG_MAX, &x.len[0], &x.err);
  cr_assert_not_null(x.i, "%s", x.err.reason);
}

static void qm2(void)
{
  x.r = ike_qm_respond(&pr, qmt_lookup, &lk, x.msg[0], x.len[0], x.msg[1], IKE_QM_MSG_MAX, &x.len[1], &x.err);
  cr_assert_not_null(x.r, "%s", x.err.reason);
}

/* QM1 is refused with that notify and a reason containing text, and the
 * responder's ISAKMP SA is as it was. */
static void assert_refused(uint16_t notify, const char *text)
{
  ike_iv_state_t before = pr.iv;
  size_t out_len = 99;
  ike_qm_t *r = ike_qm_respond(&pr, qmt_lookup, &lk, x.msg[0], x.len[0], x.msg[1], IKE_QM_MSG_MAX, &out_len,
                               &x.err);
  cr_assert_null(r);
  cr_assert_eq(out_len, 0);
  cr_assert_eq(x.err.notify, notify, "notify %u (%s): %s", x.err.notify, isakmp_notify_name(x.err.notify),
               x.err.reason);
  cr_assert(strstr(x.err.reason, text), "reason \"%s\" lacks \"%s\"", x.err.reason, text);
  cr_assert(memcmp(&before, &pr.iv, sizeof before) == 0, "IV chains untouched");
  cr_assert_eq(sr.allocated, sr.released, "no SPI kept");
}

Test(qmf, proposal_mismatch_names_both_sides)
{
  ci = qmt_cfg("esp-aes128-hmac-sha", 2, LOCAL_I, LOCAL_R, &si);
  cr = qmt_cfg("esp-3des-hmac-sha", 5, LOCAL_R, LOCAL_I, &sr);
  qm1();
  assert_refused(ISAKMP_N_NO_PROPOSAL_CHOSEN, "");
  cr_assert_str_eq(x.err.reason, "no proposal chosen: peer offered esp-aes128-hmac-sha pfs group 2, we accept "
                                 "esp-3des-hmac-sha pfs group 5");
}

Test(qmf, pfs_acceptance_rules)
{
  static const struct {
    unsigned i, r;
    unsigned chosen; /* 0 with why: refused */
    const char *why;
  } rules[] = {
      {2, 5, 0, "(esp-3des-hmac-sha: pfs group 2 is weaker than our group 5)"},
      {1, 2, 0, "pfs group 1 is weaker than our group 2"},
      {0, 2, 0, "peer offered esp-3des-hmac-sha no pfs, we accept esp-3des-hmac-sha pfs group 2 "
                "(esp-3des-hmac-sha: no pfs, we require group 2)"},
      {5, 2, 5, NULL},  /* a stronger group than ours */
      {14, 5, 14, NULL},
      {2, 2, 2, NULL},
      {5, 0, 5, NULL},  /* without PFS we accept the peer's */
      {1, 0, 1, NULL},
      {0, 0, 0, NULL},
  };
  for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++) {
    ci = qmt_cfg("esp-3des-hmac-sha", rules[k].i, LOCAL_I, LOCAL_R, &si);
    cr = qmt_cfg("esp-3des-hmac-sha", rules[k].r, LOCAL_R, LOCAL_I, &sr);
    if (rules[k].why) {
      qm1();
      assert_refused(ISAKMP_N_NO_PROPOSAL_CHOSEN, rules[k].why);
    } else {
      qmt_exchange(&x, &pi, &pr, &ci, &lk);
      size_t n;
      cr_assert_eq(ike_qm_children(x.r, &n)[0].pfs_group, rules[k].chosen, "rule %zu", k);
      cr_assert_eq(ike_qm_children(x.i, &n)[0].pfs_group, rules[k].chosen, "rule %zu", k);
    }
    qmt_run_free(&x);
  }
}

Test(qmf, identity_mismatch)
{
  cr.peer = qmt_subnet(QMT_ADDR(203, 0, 113, 0), 25);
  qm1();
  assert_refused(ISAKMP_N_INVALID_ID_INFORMATION,
                 "identity mismatch: peer proposed subnet 203.0.113.0 255.255.255.0 to subnet 198.51.100.128 "
                 "255.255.255.128, the tunnel has peer-identity subnet 203.0.113.0 255.255.255.128");
  cr_assert_eq(lk.calls, 1);
}

Test(qmf, no_such_tunnel)
{
  lk.cfg = NULL;
  qm1();
  assert_refused(ISAKMP_N_INVALID_ID_INFORMATION, "no tunnel for peer identity subnet 203.0.113.0 255.255.255.0");
}

Test(qmf, a_host_subnet_is_an_address)
{
  ci.local = qmt_subnet(QMT_ADDR(10, 0, 0, 7), 32);
  cr.peer = qmt_address(QMT_ADDR(10, 0, 0, 7));
  qmt_exchange(&x, &pi, &pr, &ci, &lk);
}

Test(qmf, bad_hash_in_qm1)
{
  pr.keys.skeyid_a[0] ^= 1; /* the phase-1 keys differ */
  qm1();
  assert_refused(ISAKMP_N_AUTHENTICATION_FAILED, "HASH(1) does not verify");
  cr_assert_eq(lk.calls, 0, "nothing looked at before the hash");
}

Test(qmf, tampered_qm2_changes_nothing)
{
  qm1();
  qm2();
  memcpy(x.msg[2], x.msg[1], x.len[1]); /* keep the genuine one */
  size_t len[2] = {x.len[0], x.len[1]};
  qmt_tamper(&pi, x.msg, len, 1, 40);
  ike_iv_state_t before = pi.iv;
  uint8_t out[IKE_QM_MSG_MAX];
  size_t out_len = 99;
  cr_assert_eq(ike_qm_input(x.i, x.msg[1], x.len[1], out, sizeof out, &out_len, &x.err), IKE_QM_FAILED);
  cr_assert_eq(x.err.notify, ISAKMP_N_AUTHENTICATION_FAILED, "%s", x.err.reason);
  cr_assert_eq(out_len, 0);
  cr_assert_eq(ike_qm_state(x.i), IKE_QMS_HASH_SA_I);
  cr_assert(memcmp(&before, &pi.iv, sizeof before) == 0);
  cr_assert_eq(ike_qm_input(x.i, x.msg[2], x.len[1], out, sizeof out, &out_len, &x.err), IKE_QM_DONE, "%s",
               x.err.reason);
}

Test(qmf, tampered_qm3_changes_nothing)
{
  qm1();
  qm2();
  uint8_t out[16];
  size_t out_len;
  cr_assert_eq(ike_qm_input(x.i, x.msg[1], x.len[1], x.msg[2], IKE_QM_MSG_MAX, &x.len[2], &x.err), IKE_QM_DONE);
  uint8_t genuine[IKE_QM_MSG_MAX];
  memcpy(genuine, x.msg[2], x.len[2]);
  qmt_tamper(&pr, x.msg, x.len, 2, 6);
  cr_assert_eq(ike_qm_input(x.r, x.msg[2], x.len[2], out, sizeof out, &out_len, &x.err), IKE_QM_FAILED);
  cr_assert_eq(x.err.notify, ISAKMP_N_AUTHENTICATION_FAILED);
  cr_assert_str_eq(x.err.reason, "HASH(3) does not verify: message altered, or phase-1 keys differ");
  cr_assert_eq(ike_qm_state(x.r), IKE_QMS_HASH_SA_R);
  size_t n;
  cr_assert_null(ike_qm_children(x.r, &n));
  cr_assert_eq(n, 0);
  cr_assert_eq(ike_qm_input(x.r, genuine, x.len[2], out, sizeof out, &out_len, &x.err), IKE_QM_DONE);
}

Test(qmf, malformed_messages)
{
  qm1();
  uint8_t keep[IKE_QM_MSG_MAX];
  size_t len = x.len[0];
  memcpy(keep, x.msg[0], len);
  /* not a whole number of blocks */
  x.len[0] = len - 1;
  x.msg[0][27] = (uint8_t)(len - 1);
  x.msg[0][26] = (uint8_t)((len - 1) >> 8);
  assert_refused(ISAKMP_N_PAYLOAD_MALFORMED, "not a whole number of 8-byte blocks");
  /* in clear */
  memcpy(x.msg[0], keep, len);
  x.len[0] = len;
  x.msg[0][19] &= (uint8_t)~ISAKMP_FLAG_E;
  assert_refused(ISAKMP_N_PAYLOAD_MALFORMED, "not encrypted");
  /* garbage after decryption: refused, whatever the parser trips on */
  memcpy(x.msg[0], keep, len);
  for (size_t k = ISAKMP_HDR_LEN; k < len; k++)
    x.msg[0][k] = (uint8_t)(k * 13);
  cr_assert_null(ike_qm_respond(&pr, qmt_lookup, &lk, x.msg[0], len, x.msg[1], IKE_QM_MSG_MAX, &x.len[1], &x.err));
  cr_assert_neq(x.err.notify, 0, "%s", x.err.reason);
  /* a bad header */
  cr_assert_null(ike_qm_respond(&pr, qmt_lookup, &lk, keep, 20, x.msg[1], IKE_QM_MSG_MAX, &x.len[1], &x.err));
  cr_assert_neq(x.err.notify, 0);
}

Test(qmf, authenticated_but_malformed_content)
{
  qm1();
  size_t len = x.len[0];
  uint8_t keep[IKE_QM_MSG_MAX];
  memcpy(keep, x.msg[0], len);
  /* the SA's DOI */
  qmt_rewrite(&pi, x.msg, x.len, 0, ISAKMP_PL_SA, 3, 9);
  assert_refused(ISAKMP_N_DOI_NOT_SUPPORTED, "DOI 9");
  /* the ID's type (IDci: ID_FQDN) */
  memcpy(x.msg[0], keep, len);
  qmt_rewrite(&pi, x.msg, x.len, 0, ISAKMP_PL_ID, 0, ISAKMP_ID_FQDN);
  assert_refused(ISAKMP_N_INVALID_ID_INFORMATION, "ID payload");
  /* the transform's id: ESP_DES instead of 3DES is not in the set */
  memcpy(x.msg[0], keep, len);
  qmt_rewrite(&pi, x.msg, x.len, 0, ISAKMP_PL_SA, 25, ESP_ID_DES);
  assert_refused(ISAKMP_N_NO_PROPOSAL_CHOSEN, "peer offered esp-des-hmac-sha no pfs");
}

Test(qmf, encapsulation_mismatch)
{
  pi.natt = pr.natt = true;
  pi.nat_local = true; /* the responder saw no NAT */
  qm1();
  assert_refused(ISAKMP_N_NO_PROPOSAL_CHOSEN, "(esp-3des-hmac-sha: encapsulation mode 3, we need tunnel (no NAT))");
}

Test(qmf, an_answer_we_did_not_offer_ends_the_exchange)
{
  qm1();
  qm2();
  /* the answer's transform becomes DES: the responder really says so */
  qmt_rewrite(&pi, x.msg, x.len, 1, ISAKMP_PL_SA, 25, ESP_ID_DES);
  uint8_t out[IKE_QM_MSG_MAX];
  size_t out_len;
  cr_assert_eq(ike_qm_input(x.i, x.msg[1], x.len[1], out, sizeof out, &out_len, &x.err), IKE_QM_FAILED);
  cr_assert_eq(x.err.notify, ISAKMP_N_NO_PROPOSAL_CHOSEN);
  cr_assert_str_eq(x.err.reason, "peer chose esp-des-hmac-sha: proposal 1 is not one we offered");
  cr_assert_eq(ike_qm_state(x.i), IKE_QMS_DELETED);
  for (int k = 0; k < IKE_IV_EXCHANGES; k++)
    cr_assert_eq(pi.iv.x[k].mid, 0, "IV chain forgotten");
  cr_assert_eq(ike_qm_input(x.i, x.msg[1], x.len[1], out, sizeof out, &out_len, &x.err), IKE_QM_IGNORED);
}

Test(qmf, duplicates_get_the_same_answer)
{
  qm1();
  qm2();
  uint8_t out[IKE_QM_MSG_MAX];
  size_t out_len = 0;
  /* QM2 lost: QM1 again */
  cr_assert_eq(ike_qm_input(x.r, x.msg[0], x.len[0], out, sizeof out, &out_len, &x.err), IKE_QM_SEND);
  cr_assert(out_len == x.len[1] && memcmp(out, x.msg[1], out_len) == 0, "the identical QM2");
  cr_assert_eq(ike_qm_state(x.r), IKE_QMS_HASH_SA_R);
  cr_assert_eq(ike_qm_input(x.i, x.msg[1], x.len[1], x.msg[2], IKE_QM_MSG_MAX, &x.len[2], &x.err), IKE_QM_DONE);
  /* QM3 lost: QM2 again */
  cr_assert_eq(ike_qm_input(x.i, x.msg[1], x.len[1], out, sizeof out, &out_len, &x.err), IKE_QM_SEND);
  cr_assert(out_len == x.len[2] && memcmp(out, x.msg[2], out_len) == 0, "the identical QM3");
  cr_assert_eq(ike_qm_state(x.i), IKE_QMS_DONE);
  cr_assert_eq(ike_qm_input(x.r, x.msg[2], x.len[2], out, sizeof out, &out_len, &x.err), IKE_QM_DONE);
  /* after the end: a QM3 again, or a QM1 again, is nothing to answer */
  cr_assert_eq(ike_qm_input(x.r, x.msg[2], x.len[2], out, sizeof out, &out_len, &x.err), IKE_QM_IGNORED);
  cr_assert_eq(ike_qm_input(x.r, x.msg[0], x.len[0], out, sizeof out, &out_len, &x.err), IKE_QM_IGNORED);
  cr_assert_eq(out_len, 0);
}

Test(qmf, other_exchanges_are_ignored)
{
  qm1();
  qm2();
  uint8_t out[IKE_QM_MSG_MAX];
  size_t out_len;
  x.msg[1][23] ^= 1; /* another M-ID */
  cr_assert_eq(ike_qm_input(x.i, x.msg[1], x.len[1], out, sizeof out, &out_len, &x.err), IKE_QM_IGNORED);
  x.msg[1][23] ^= 1;
  x.msg[1][0] ^= 1; /* another ISAKMP SA */
  cr_assert_eq(ike_qm_input(x.i, x.msg[1], x.len[1], out, sizeof out, &out_len, &x.err), IKE_QM_IGNORED);
  x.msg[0][18] = ISAKMP_XCHG_INFO;
  cr_assert_null(ike_qm_respond(&pr, qmt_lookup, &lk, x.msg[0], x.len[0], out, sizeof out, &out_len, &x.err));
  cr_assert_eq(x.err.notify, 0);
}

Test(qmf, initiator_configuration_and_resources)
{
  ci.nxf = 0;
  cr_assert_null(ike_qm_initiate(&pi, &ci, x.msg[0], IKE_QM_MSG_MAX, &x.len[0], &x.err));
  cr_assert_str_eq(x.err.reason, "transform set has 0 transforms, not 1 to 6");
  ci.nxf = 1;
  ci.pfs_group = 3;
  cr_assert_null(ike_qm_initiate(&pi, &ci, x.msg[0], IKE_QM_MSG_MAX, &x.len[0], &x.err));
  cr_assert_str_eq(x.err.reason, "pfs group 3 not supported");
  ci.pfs_group = 0;
  si.next = 0; /* the allocator has none */
  cr_assert_null(ike_qm_initiate(&pi, &ci, x.msg[0], IKE_QM_MSG_MAX, &x.len[0], &x.err));
  cr_assert_str_eq(x.err.reason, "no free ESP SPI");
  si.next = 0x1000;
  cr_assert_null(ike_qm_initiate(&pi, &ci, x.msg[0], 40, &x.len[0], &x.err));
  cr_assert(strstr(x.err.reason, "the buffer has 40"), "%s", x.err.reason);
  cr_assert_eq(si.allocated, si.released, "SPIs of failed starts go back");
  for (int k = 0; k < IKE_IV_EXCHANGES; k++)
    cr_assert_eq(pi.iv.x[k].mid, 0);
}

Test(qmf, qm1_without_ids_means_the_phase1_addresses)
{
  qm1();
  qmt_drop(&pi, x.msg, x.len, ISAKMP_PL_ID);
  cr.local = qmt_address(QMT_ADDR(192, 0, 2, 2));
  cr.peer = qmt_address(QMT_ADDR(192, 0, 2, 1));
  qm2();
  cr_assert(ike_qm_ident_equal(&lk.idci, &cr.peer) && ike_qm_ident_equal(&lk.idcr, &cr.local));
  uint8_t types[2][16];
  qmt_decrypt_all(&pr, x.msg, x.len, 2, types);
  static const uint8_t qm2_types[] = {ISAKMP_PL_HASH, ISAKMP_PL_SA, ISAKMP_PL_NONCE, 0};
  cr_assert_eq(memcmp(types[1], qm2_types, sizeof qm2_types), 0, "no IDs answered to none");
}

Test(qmf, qm1_without_a_nonce_is_malformed)
{
  qm1();
  qmt_drop(&pi, x.msg, x.len, ISAKMP_PL_NONCE);
  assert_refused(ISAKMP_N_PAYLOAD_MALFORMED, "quick mode message without nonce payload");
}

Test(qmf, the_phase1_responder_may_start_quick_mode)
{
  ike_qm_cfg_t c1 = qmt_cfg("esp-aes128-gcm", 14, LOCAL_R, LOCAL_I, &sr);
  ike_qm_cfg_t c2 = qmt_cfg("esp-aes128-gcm", 0, LOCAL_I, LOCAL_R, &si);
  qmt_lookup_t l2 = {.cfg = &c2};
  qmt_exchange(&x, &pr, &pi, &c1, &l2);
  size_t n;
  const ike_child_t *a = ike_qm_children(x.i, &n), *b = ike_qm_children(x.r, &n);
  cr_assert(qmt_keys_equal(&a[0], &b[1]) && qmt_keys_equal(&a[1], &b[0]));
  cr_assert_eq(a[0].pfs_group, 14);
}

Test(qmf, an_answer_with_a_reserved_spi)
{
  qm1();
  qm2();
  qmt_rewrite(&pi, x.msg, x.len, 1, ISAKMP_PL_SA, 18, 0); /* SPI 0x00002000 becomes 0 */
  uint8_t out[IKE_QM_MSG_MAX];
  size_t out_len;
  cr_assert_eq(ike_qm_input(x.i, x.msg[1], x.len[1], out, sizeof out, &out_len, &x.err), IKE_QM_FAILED);
  cr_assert_str_eq(x.err.reason, "peer chose esp-3des-hmac-sha: SPI 0 is reserved (RFC 4303 §2.1)");
  cr_assert_eq(ike_qm_state(x.i), IKE_QMS_DELETED);
}
