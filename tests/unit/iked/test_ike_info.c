/* The informational exchange between the two views of one ISAKMP SA
 * (ike_qm_testlib's fixed keys): deletes, notifies and DPD both ways,
 * HASH(1) recomputed independently, tampering, truncation, messages the
 * parser must refuse, and the IV state left as it was throughout. */
#include <criterion/criterion.h>
#include <string.h>

#include "ike_info.h"
#include "ike_qm_testlib.h"
#include "isakmp_build.h"
#include "isakmp_codec.h"

static ike_p1sa_t pi, pr;
static uint8_t msg[IKE_INFO_MSG_MAX];
static size_t len;
static ike_info_msg_t got;
static ike_info_err_t err;

static void setup(void) { qmt_p1_pair(&pi, &pr, IKE_ENC_AES128, IKE_HASH_SHA1); }

static void teardown(void)
{
  qmt_p1_free(&pi);
  qmt_p1_free(&pr);
}

TestSuite(info, .init = setup, .fini = teardown);

static uint32_t get32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Parses on sa, asserting success and that sa->iv did not change. */
static void parse_ok(ike_p1sa_t *sa)
{
  ike_iv_state_t before = sa->iv;
  cr_assert_eq(ike_info_parse(sa, msg, len, &got, &err), 0, "%s", err.reason);
  cr_assert_eq(memcmp(&before, &sa->iv, sizeof before), 0, "IV state changed");
  cr_assert_eq(got.msgid, get32(msg + 20));
}

/* Parses on sa, asserting refusal with a reason containing want (when
 * given) and no change to sa->iv. */
static void parse_fails(ike_p1sa_t *sa, const uint8_t *m, size_t n, const char *want)
{
  ike_iv_state_t before = sa->iv;
  err.reason[0] = '\0';
  cr_assert_eq(ike_info_parse(sa, m, n, &got, &err), -1, "accepted (%zu bytes)", n);
  cr_assert_neq(err.reason[0], '\0');
  if (want)
    cr_assert(strstr(err.reason, want), "reason \"%s\" lacks \"%s\"", err.reason, want);
  cr_assert_eq(memcmp(&before, &sa->iv, sizeof before), 0, "IV state changed");
}

/* An independent decryption: IV from the phase-1 block and the M-ID,
 * chain parsed by the codec; the plaintext length without padding. */
static size_t open_msg(const ike_p1sa_t *sa, const uint8_t *m, size_t n, uint8_t *pt, ike_iv_t *iv,
                       isakmp_payload_t *pl, unsigned *np)
{
  isakmp_msg_t pm;
  isakmp_error_t pe;
  cr_assert_eq(isakmp_parse_message(m, n, &pm, &pe), ISAKMP_OK, "%s", pe.msg);
  cr_assert_eq(pm.hdr.exchange, ISAKMP_XCHG_INFO);
  cr_assert_eq(pm.hdr.flags, ISAKMP_FLAG_E);
  cr_assert_eq(pm.hdr.next_payload, ISAKMP_PL_HASH);
  cr_assert_neq(pm.hdr.msgid, 0);
  cr_assert(ike_iv_phase2(sa->iv.hash, &sa->iv.phase1, pm.hdr.msgid, iv));
  ike_iv_t next;
  char e[128];
  size_t ct_len = pm.body_len, pad = 0;
  cr_assert(ike_cipher_decrypt(sa->cipher, iv, pm.body, ct_len, pt, &next, e, sizeof e), "%s", e);
  cr_assert_eq(isakmp_parse_chain(ISAKMP_PL_HASH, pt, ct_len, pl, ISAKMP_MAX_PAYLOADS, np, &pad, &pe), ISAKMP_OK,
               "%s", pe.msg);
  cr_assert_lt(pad, ike_cipher_block(sa->cipher), "%zu bytes of padding", pad);
  for (size_t i = ct_len - pad; i < ct_len; i++)
    cr_assert_eq(pt[i], 0, "padding is zeros");
  return ct_len - pad;
}

/* HASH(1) recomputed here from the decrypted payloads. */
static void assert_hash1(const ike_p1sa_t *sa)
{
  uint8_t pt[IKE_INFO_MSG_MAX], want[IKE_MAX_HASH];
  isakmp_payload_t pl[ISAKMP_MAX_PAYLOADS];
  unsigned np = 0;
  ike_iv_t iv;
  size_t used = open_msg(sa, msg, len, pt, &iv, pl, &np);
  cr_assert_geq(np, 2);
  cr_assert_eq(pl[0].type, ISAKMP_PL_HASH);
  cr_assert_eq(pl[0].len, ike_hash_len(sa->keys.hash));
  const uint8_t *rest = pl[0].body + pl[0].len;
  cr_assert(ike_info_hash(&sa->keys, get32(msg + 20), rest, (size_t)(pt + used - rest), want));
  cr_assert_eq(memcmp(want, pl[0].body, pl[0].len), 0, "HASH(1) = prf(SKEYID_a, M-ID | rest)");
}

/* plain[0..total) (a chain starting with type first, then zeros)
 * encrypted under mid's IV on sa, behind an informational header. */
static void seal_bytes(const ike_p1sa_t *sa, uint32_t mid, uint8_t first, const uint8_t *plain, size_t total)
{
  ike_iv_t iv, next;
  cr_assert(ike_iv_phase2(sa->iv.hash, &sa->iv.phase1, mid, &iv));
  uint8_t ct[IKE_INFO_MSG_MAX];
  size_t ct_len = 0;
  char e[128];
  cr_assert(ike_cipher_encrypt(sa->cipher, &iv, plain, total, ct, sizeof ct, &ct_len, &next, e, sizeof e), "%s", e);
  isakmp_hdr_t h = {.next_payload = first, .exchange = ISAKMP_XCHG_INFO, .flags = ISAKMP_FLAG_E, .msgid = mid};
  memcpy(h.icookie, sa->icookie, 8);
  memcpy(h.rcookie, sa->rcookie, 8);
  isakmp_wbuf_t m;
  isakmp_wbuf_init(&m, msg, sizeof msg);
  isakmp_put_header(&m, &h);
  isakmp_put_bytes(&m, ct, ct_len);
  len = isakmp_finish(&m);
  cr_assert_gt(len, 0);
}

/* A message of our own making: w is a chain starting with HASH, whose
 * body is filled with HASH(1) when fill is set. */
static void seal_raw(const ike_p1sa_t *sa, uint32_t mid, isakmp_wbuf_t *w, bool fill)
{
  size_t plen = isakmp_finish(w), hl = ike_hash_len(sa->keys.hash);
  cr_assert_gt(plen, 0);
  if (fill && w->first == ISAKMP_PL_HASH)
    cr_assert(ike_info_hash(&sa->keys, mid, w->buf + 4 + hl, plen - 4 - hl, w->buf + 4));
  seal_bytes(sa, mid, w->first, w->buf, plen);
}

static void put_hash0(const ike_p1sa_t *sa, isakmp_wbuf_t *w, uint8_t *buf, size_t cap)
{
  static const uint8_t zero[IKE_MAX_HASH];
  isakmp_wbuf_init(w, buf, cap);
  isakmp_put_hash(w, zero, ike_hash_len(sa->keys.hash));
}

static void put_dpd(isakmp_wbuf_t *w, const ike_p1sa_t *sa)
{
  isakmp_notify_t n = {.doi = ISAKMP_DOI_IPSEC, .protocol = ISAKMP_PROTO_ISAKMP, .spi_size = 16,
                       .type = ISAKMP_N_R_U_THERE, .data = (const uint8_t *)"\0\0\0\1", .len = 4};
  memcpy(n.spi, sa->icookie, 8);
  memcpy(n.spi + 8, sa->rcookie, 8);
  isakmp_put_notify(w, &n);
}

Test(info, delete_isakmp_both_ways)
{
  ike_p1sa_t *from[2] = {&pi, &pr}, *to[2] = {&pr, &pi};
  for (int k = 0; k < 2; k++) {
    len = ike_info_delete(from[k], ISAKMP_PROTO_ISAKMP, NULL, 0, msg, sizeof msg, &err);
    cr_assert_gt(len, 0, "%s", err.reason);
    assert_hash1(to[k]);
    parse_ok(to[k]);
    cr_assert_eq(got.ndeletes, 1);
    cr_assert_eq(got.nnotifies, 0);
    cr_assert_eq(got.deletes[0].proto, ISAKMP_PROTO_ISAKMP);
    cr_assert_eq(got.deletes[0].nspis, 1);
    cr_assert(got.deletes[0].isakmp_cookies_match);
  }
}

Test(info, delete_isakmp_of_another_sa_does_not_match)
{
  uint8_t buf[256];
  isakmp_wbuf_t w;
  put_hash0(&pi, &w, buf, sizeof buf);
  uint8_t spis[32];
  memset(spis, 0xab, sizeof spis);
  isakmp_put_delete(&w, &(isakmp_delete_t){.doi = ISAKMP_DOI_ISAKMP, .protocol = ISAKMP_PROTO_ISAKMP,
                                           .spi_size = 16, .count = 2, .spis = spis});
  seal_raw(&pi, 0x01020304, &w, true);
  parse_ok(&pr);
  cr_assert_eq(got.deletes[0].nspis, 2);
  cr_assert_not(got.deletes[0].isakmp_cookies_match);
}

Test(info, delete_esp_and_ah_1_to_16_spis)
{
  uint8_t protos[2] = {ISAKMP_PROTO_ESP, ISAKMP_PROTO_AH};
  for (int p = 0; p < 2; p++)
    for (size_t n = 1; n <= IKE_INFO_MAX_SPIS; n++) {
      uint32_t spis[IKE_INFO_MAX_SPIS];
      for (size_t i = 0; i < n; i++)
        spis[i] = 0xc0000000u + (uint32_t)(i * 0x01010101u) + (uint32_t)n;
      ike_p1sa_t *from = n % 2 ? &pi : &pr, *to = n % 2 ? &pr : &pi;
      len = ike_info_delete(from, protos[p], spis, n, msg, sizeof msg, &err);
      cr_assert_gt(len, 0, "%s", err.reason);
      cr_assert_leq(len, IKE_INFO_MSG_MAX);
      assert_hash1(to);
      parse_ok(to);
      cr_assert_eq(got.ndeletes, 1);
      cr_assert_eq(got.deletes[0].proto, protos[p]);
      cr_assert_eq(got.deletes[0].nspis, n);
      cr_assert_not(got.deletes[0].isakmp_cookies_match);
      cr_assert_eq(memcmp(got.deletes[0].spis, spis, n * sizeof spis[0]), 0);
    }
}

Test(info, delete_spis_are_network_order_on_the_wire)
{
  uint32_t spi = 0x11223344;
  len = ike_info_delete(&pi, ISAKMP_PROTO_ESP, &spi, 1, msg, sizeof msg, &err);
  cr_assert_gt(len, 0, "%s", err.reason);
  uint8_t pt[IKE_INFO_MSG_MAX];
  isakmp_payload_t pl[ISAKMP_MAX_PAYLOADS];
  unsigned np = 0;
  ike_iv_t iv;
  open_msg(&pr, msg, len, pt, &iv, pl, &np);
  cr_assert_eq(np, 2);
  cr_assert_eq(pl[1].type, ISAKMP_PL_D);
  static const uint8_t want[] = {0, 0, 0, 1, ISAKMP_PROTO_ESP, 4, 0, 1, 0x11, 0x22, 0x33, 0x44};
  cr_assert_eq(pl[1].len, sizeof want);
  cr_assert_eq(memcmp(pl[1].body, want, sizeof want), 0);
}

Test(info, delete_arguments_refused)
{
  uint32_t spis[IKE_INFO_MAX_SPIS + 1] = {1};
  cr_assert_eq(ike_info_delete(&pi, ISAKMP_PROTO_ESP, spis, 0, msg, sizeof msg, &err), 0);
  cr_assert_str_eq(err.reason, "a delete names 1 to 16 SPIs, not 0");
  cr_assert_eq(ike_info_delete(&pi, ISAKMP_PROTO_ESP, spis, IKE_INFO_MAX_SPIS + 1, msg, sizeof msg, &err), 0);
  cr_assert_eq(ike_info_delete(&pi, ISAKMP_PROTO_ESP, NULL, 1, msg, sizeof msg, &err), 0);
  cr_assert_eq(ike_info_delete(&pi, ISAKMP_PROTO_IPCOMP, spis, 1, msg, sizeof msg, &err), 0);
  cr_assert(strstr(err.reason, "protocol 4"), "%s", err.reason);
  cr_assert_eq(ike_info_delete(&pi, ISAKMP_PROTO_ESP, spis, 1, msg, 40, &err), 0);
  cr_assert(strstr(err.reason, "the buffer has 40"), "%s", err.reason);
}

Test(info, notify_round_trips)
{
  uint8_t spi4[4] = {0xde, 0xad, 0xbe, 0xef}, cookies[16], data[100];
  memcpy(cookies, pi.icookie, 8);
  memcpy(cookies + 8, pi.rcookie, 8);
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (uint8_t)i;
  struct {
    uint16_t type;
    uint8_t proto;
    const uint8_t *spi;
    size_t spi_len, data_len;
  } cases[] = {
      {ISAKMP_N_INITIAL_CONTACT, ISAKMP_PROTO_ISAKMP, cookies, 16, 0},
      {ISAKMP_N_RESPONDER_LIFETIME, ISAKMP_PROTO_ESP, spi4, 4, 8},
      {ISAKMP_N_INVALID_SPI, ISAKMP_PROTO_AH, spi4, 4, 0},
      {ISAKMP_N_NO_PROPOSAL_CHOSEN, 0, NULL, 0, 0},
      {ISAKMP_N_PAYLOAD_MALFORMED, ISAKMP_PROTO_ISAKMP, NULL, 0, 64},
      {ISAKMP_N_REPLAY_STATUS, ISAKMP_PROTO_ESP, spi4, 4, 100}, /* data beyond 64 bytes is cut */
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    len = ike_info_notify(&pr, cases[c].type, cases[c].proto, cases[c].spi, cases[c].spi_len, data,
                          cases[c].data_len, msg, sizeof msg, &err);
    cr_assert_gt(len, 0, "case %zu: %s", c, err.reason);
    assert_hash1(&pi);
    parse_ok(&pi);
    cr_assert_eq(got.nnotifies, 1);
    cr_assert_eq(got.ndeletes, 0);
    const ike_info_notify_pl_t *n = &got.notifies[0];
    cr_assert_eq(n->type, cases[c].type);
    cr_assert_eq(n->proto, cases[c].proto);
    cr_assert_eq(n->spi_len, cases[c].spi_len);
    cr_assert_eq(memcmp(n->spi, cases[c].spi ? cases[c].spi : cookies, n->spi_len), 0);
    size_t kept = cases[c].data_len < 64 ? cases[c].data_len : 64;
    cr_assert_eq(n->data_len, kept, "case %zu", c);
    cr_assert_eq(n->data_truncated, cases[c].data_len > 64);
    cr_assert_eq(memcmp(n->data, data, kept), 0);
  }
}

Test(info, notify_arguments_refused)
{
  uint8_t spi[17] = {0};
  /* ESP names its SA with 4 bytes: the codec would refuse 16 */
  cr_assert_eq(ike_info_notify(&pi, ISAKMP_N_INVALID_SPI, ISAKMP_PROTO_ESP, spi, 16, NULL, 0, msg, sizeof msg,
                               &err),
               0);
  cr_assert(strstr(err.reason, "SPI size 16 for ESP"), "%s", err.reason);
  cr_assert_eq(ike_info_notify(&pi, 1, ISAKMP_PROTO_ESP, spi, 17, NULL, 0, msg, sizeof msg, &err), 0);
  cr_assert_eq(ike_info_notify(&pi, 1, ISAKMP_PROTO_ESP, NULL, 4, NULL, 0, msg, sizeof msg, &err), 0);
  cr_assert_eq(ike_info_notify(&pi, 1, 0, NULL, 0, NULL, 3, msg, sizeof msg, &err), 0);
  static uint8_t big[600];
  cr_assert_eq(ike_info_notify(&pi, 1, 0, NULL, 0, big, 500, msg, sizeof msg, &err), 0);
  cr_assert_eq(ike_info_notify(&pi, 1, 0, NULL, 0, big, 450, msg, sizeof msg, &err), 0);
  cr_assert(strstr(err.reason, "more than 512"), "%s", err.reason);
}

Test(info, dpd_both_ways)
{
  ike_p1sa_t *from[2] = {&pi, &pr}, *to[2] = {&pr, &pi};
  for (int k = 0; k < 2; k++) {
    uint32_t seq = 0x7ffffff0u + (uint32_t)k;
    len = ike_info_dpd(from[k], false, seq, msg, sizeof msg, &err);
    cr_assert_gt(len, 0, "%s", err.reason);
    assert_hash1(to[k]);
    parse_ok(to[k]);
    cr_assert_eq(got.nnotifies, 1);
    const ike_info_notify_pl_t *n = &got.notifies[0];
    cr_assert_eq(n->type, ISAKMP_N_R_U_THERE);
    cr_assert_eq(n->proto, ISAKMP_PROTO_ISAKMP);
    cr_assert_eq(n->spi_len, 16);
    cr_assert_eq(memcmp(n->spi, pi.icookie, 8), 0);
    cr_assert_eq(memcmp(n->spi + 8, pi.rcookie, 8), 0);
    cr_assert_eq(n->data_len, 4);
    bool ack = true;
    uint32_t s = 0;
    cr_assert(ike_info_is_dpd(to[k], n, &ack, &s));
    cr_assert_not(ack);
    cr_assert_eq(s, seq);

    len = ike_info_dpd(to[k], true, s, msg, sizeof msg, &err);
    cr_assert_gt(len, 0, "%s", err.reason);
    parse_ok(from[k]);
    cr_assert_eq(got.notifies[0].type, ISAKMP_N_R_U_THERE_ACK);
    cr_assert(ike_info_is_dpd(from[k], &got.notifies[0], &ack, &s));
    cr_assert(ack);
    cr_assert_eq(s, seq);
  }
}

Test(info, dpd_of_another_sa_is_not_ours)
{
  ike_info_notify_pl_t n = {.type = ISAKMP_N_R_U_THERE, .proto = ISAKMP_PROTO_ISAKMP, .spi_len = 16,
                            .data_len = 4};
  memcpy(n.spi, pi.icookie, 8);
  memcpy(n.spi + 8, pi.rcookie, 8);
  bool ack;
  uint32_t seq;
  cr_assert(ike_info_is_dpd(&pi, &n, &ack, &seq));
  n.spi[15] ^= 1;
  cr_assert_not(ike_info_is_dpd(&pi, &n, &ack, &seq));
  n.spi[15] ^= 1;
  n.data_len = 3;
  cr_assert_not(ike_info_is_dpd(&pi, &n, &ack, &seq));
  n.data_len = 4;
  n.type = ISAKMP_N_INITIAL_CONTACT;
  cr_assert_not(ike_info_is_dpd(&pi, &n, &ack, &seq));
}

Test(info, every_cipher_and_hash)
{
  const struct {
    ike_enc_t enc;
    ike_hash_t hash;
  } c[] = {{IKE_ENC_3DES, IKE_HASH_SHA1}, {IKE_ENC_DES, IKE_HASH_MD5},      {IKE_ENC_AES128, IKE_HASH_MD5},
           {IKE_ENC_AES192, IKE_HASH_SHA256}, {IKE_ENC_AES256, IKE_HASH_SHA256}};
  for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
    teardown();
    qmt_p1_pair(&pi, &pr, c[k].enc, c[k].hash);
    uint32_t spis[3] = {1, 2, 3};
    len = ike_info_delete(&pi, ISAKMP_PROTO_ESP, spis, 3, msg, sizeof msg, &err);
    cr_assert_gt(len, 0, "%s", err.reason);
    cr_assert_eq((len - ISAKMP_HDR_LEN) % ike_enc_block(c[k].enc), 0);
    assert_hash1(&pr);
    parse_ok(&pr);
    len = ike_info_dpd(&pr, false, 9, msg, sizeof msg, &err);
    cr_assert_gt(len, 0, "%s", err.reason);
    parse_ok(&pi);
  }
}

Test(info, message_ids_are_random_and_leave_the_iv_state_alone)
{
  uint32_t seen[32];
  for (int k = 0; k < 32; k++) {
    ike_iv_state_t before = pi.iv;
    len = ike_info_dpd(&pi, false, (uint32_t)k, msg, sizeof msg, &err);
    cr_assert_gt(len, 0, "%s", err.reason);
    cr_assert_eq(memcmp(&before, &pi.iv, sizeof before), 0, "sending changed the IV state");
    seen[k] = get32(msg + 20);
    cr_assert_neq(seen[k], 0);
    for (int j = 0; j < k; j++)
      cr_assert_neq(seen[j], seen[k]);
  }
}

/* Every IV slot busy with a quick mode: sending and receiving evict none. */
Test(info, busy_iv_slots_are_not_evicted)
{
  ike_iv_t iv;
  for (uint32_t m = 1; m <= IKE_IV_EXCHANGES; m++) {
    cr_assert(ike_iv_state_get(&pi.iv, m, &iv));
    cr_assert(ike_iv_state_get(&pr.iv, m, &iv));
  }
  len = ike_info_dpd(&pi, false, 1, msg, sizeof msg, &err);
  cr_assert_gt(len, 0, "%s", err.reason);
  parse_ok(&pr);
  for (uint32_t m = 1; m <= IKE_IV_EXCHANGES; m++)
    cr_assert_not(ike_info_iv(&pi, m, &iv), "M-ID %u still busy", m);
}

/* RFC 2409 §5.7: an informational exchange has an M-ID of its own. */
Test(info, message_id_of_a_quick_mode_in_progress)
{
  uint8_t buf[256];
  isakmp_wbuf_t w;
  ike_iv_t iv;
  cr_assert(ike_iv_state_get(&pr.iv, 0x0badcafe, &iv));
  put_hash0(&pi, &w, buf, sizeof buf);
  put_dpd(&w, &pi);
  seal_raw(&pi, 0x0badcafe, &w, true);
  parse_fails(&pr, msg, len, "exchange in progress");
  ike_iv_state_forget(&pr.iv, 0x0badcafe);
  parse_ok(&pr);
}

/* A quick mode runs on while DPD goes both ways over the same SA. */
Test(info, dpd_during_a_quick_mode)
{
  qmt_spis_t si = {.next = 0x1000}, sr = {.next = 0x2000};
  ike_qm_ident_t a = qmt_subnet(QMT_ADDR(10, 1, 0, 0), 16), b = qmt_subnet(QMT_ADDR(10, 2, 0, 0), 16);
  ike_qm_cfg_t ci = qmt_cfg("esp-aes128-hmac-sha", 0, a, b, &si), cr = qmt_cfg("esp-aes128-hmac-sha", 0, b, a, &sr);
  qmt_lookup_t lk = {.cfg = &cr};
  qmt_run_t x = {0};
  x.i = ike_qm_initiate(&pi, &ci, x.msg[0], IKE_QM_MSG_MAX, &x.len[0], &x.err);
  cr_assert_not_null(x.i, "%s", x.err.reason);
  len = ike_info_dpd(&pi, false, 5, msg, sizeof msg, &err);
  cr_assert_gt(len, 0, "%s", err.reason);
  parse_ok(&pr);
  x.r = ike_qm_respond(&pr, qmt_lookup, &lk, x.msg[0], x.len[0], x.msg[1], IKE_QM_MSG_MAX, &x.len[1], &x.err);
  cr_assert_not_null(x.r, "%s", x.err.reason);
  len = ike_info_dpd(&pr, true, 5, msg, sizeof msg, &err);
  cr_assert_gt(len, 0, "%s", err.reason);
  parse_ok(&pi);
  cr_assert_eq(ike_qm_input(x.i, x.msg[1], x.len[1], x.msg[2], IKE_QM_MSG_MAX, &x.len[2], &x.err), IKE_QM_DONE,
               "%s", x.err.reason);
  size_t none = 0;
  uint8_t scratch[16];
  cr_assert_eq(ike_qm_input(x.r, x.msg[2], x.len[2], scratch, sizeof scratch, &none, &x.err), IKE_QM_DONE, "%s",
               x.err.reason);
  qmt_run_free(&x);
}

/* One plaintext bit flipped and encrypted again, so that only the hash
 * (or, for a generic header's type and length, the chain) can tell. */
Test(info, flipped_bits_are_refused_and_change_nothing)
{
  uint32_t spis[2] = {0x1000, 0x1001};
  len = ike_info_delete(&pi, ISAKMP_PROTO_ESP, spis, 2, msg, sizeof msg, &err);
  cr_assert_gt(len, 0, "%s", err.reason);
  uint8_t good[IKE_INFO_MSG_MAX], pt[IKE_INFO_MSG_MAX];
  size_t good_len = len, hl = ike_hash_len(pi.keys.hash);
  memcpy(good, msg, len);
  isakmp_payload_t pl[ISAKMP_MAX_PAYLOADS];
  unsigned np = 0;
  ike_iv_t iv, next;
  size_t used = open_msg(&pr, good, good_len, pt, &iv, pl, &np);
  size_t d_hdr = 4 + hl; /* the D payload's generic header */
  for (size_t off = 0; off < used; off++)
    for (int bit = 0; bit < 8; bit++) {
      uint8_t t[IKE_INFO_MSG_MAX];
      memcpy(t, pt, used);
      t[off] ^= (uint8_t)(1u << bit);
      size_t ct_len = 0;
      char e[128];
      memcpy(msg, good, ISAKMP_HDR_LEN);
      cr_assert(ike_cipher_encrypt(pr.cipher, &iv, t, used, msg + ISAKMP_HDR_LEN, sizeof msg - ISAKMP_HDR_LEN,
                                   &ct_len, &next, e, sizeof e));
      /* a generic header's type and length, and HASH's RESERVED (the one
       * byte HASH(1) cannot cover), fail before the hash is checked */
      bool generic = off < 4 || off == d_hdr || off == d_hdr + 2 || off == d_hdr + 3;
      parse_fails(&pr, msg, good_len, generic ? NULL : "HASH(1) mismatch");
    }
  memcpy(msg, good, good_len);
  len = good_len;
  parse_ok(&pr);
  cr_assert_eq(got.deletes[0].spis[1], 0x1001);
}

/* Ciphertext bits too, but for the last block: garbling it may leave
 * its few authenticated bytes as they were (the rest is padding). */
Test(info, flipped_ciphertext_bits_are_refused)
{
  len = ike_info_dpd(&pi, false, 77, msg, sizeof msg, &err);
  cr_assert_gt(len, 0, "%s", err.reason);
  size_t block = ike_cipher_block(pi.cipher);
  for (size_t off = ISAKMP_HDR_LEN; off < len - block; off++)
    for (int bit = 0; bit < 8; bit++) {
      msg[off] ^= (uint8_t)(1u << bit);
      parse_fails(&pr, msg, len, NULL);
      msg[off] ^= (uint8_t)(1u << bit);
    }
  parse_ok(&pr);
}

Test(info, a_different_key_is_a_hash_mismatch)
{
  pr.keys.skeyid_a[0] ^= 1;
  len = ike_info_dpd(&pi, false, 1, msg, sizeof msg, &err);
  cr_assert_gt(len, 0, "%s", err.reason);
  parse_fails(&pr, msg, len, "HASH(1) mismatch");
}

Test(info, every_truncation_fails_cleanly)
{
  len = ike_info_notify(&pi, ISAKMP_N_INITIAL_CONTACT, 0, NULL, 0, (const uint8_t *)"0123456789", 10, msg,
                        sizeof msg, &err);
  cr_assert_gt(len, 0, "%s", err.reason);
  for (size_t n = 0; n < len; n++) {
    parse_fails(&pr, msg, n, NULL);
    if (n >= ISAKMP_HDR_LEN) {
      /* the same, with a header that agrees with the datagram */
      uint8_t t[IKE_INFO_MSG_MAX];
      memcpy(t, msg, n);
      t[24] = t[25] = 0;
      t[26] = (uint8_t)(n >> 8);
      t[27] = (uint8_t)n;
      parse_fails(&pr, t, n, NULL);
    }
  }
  parse_ok(&pr);
}

Test(info, refused_headers)
{
  len = ike_info_dpd(&pi, false, 1, msg, sizeof msg, &err);
  cr_assert_gt(len, 0, "%s", err.reason);
  uint8_t t[IKE_INFO_MSG_MAX];
  memcpy(t, msg, len);
  t[18] = ISAKMP_XCHG_QUICK;
  parse_fails(&pr, t, len, "not informational");
  memcpy(t, msg, len);
  t[3] ^= 1;
  parse_fails(&pr, t, len, "cookies differ");
  memcpy(t, msg, len);
  t[19] = 0;
  parse_fails(&pr, t, len, "not encrypted");
  memcpy(t, msg, len);
  memset(t + 20, 0, 4);
  parse_fails(&pr, t, len, "message ID 0");
  memcpy(t, msg, len);
  t[23] ^= 1; /* another M-ID: another IV and hash */
  parse_fails(&pr, t, len, NULL);
  cr_assert_eq(ike_info_parse(&pr, msg, len, NULL, &err), -1);
  parse_ok(&pr);
}

Test(info, first_payload_must_be_hash)
{
  uint8_t buf[256];
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, buf, sizeof buf);
  put_dpd(&w, &pi);
  isakmp_put_hash(&w, "01234567890123456789", 20);
  seal_raw(&pi, 0x11112222, &w, false);
  parse_fails(&pr, msg, len, "starts with N (11), not HASH");
}

Test(info, hash_of_the_wrong_size)
{
  uint8_t buf[256];
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, buf, sizeof buf);
  isakmp_put_hash(&w, "0123456789012345", 16);
  put_dpd(&w, &pi);
  seal_raw(&pi, 0x11112222, &w, false);
  parse_fails(&pr, msg, len, "HASH payload of 20 bytes, sha1 gives 24");
}

/* Authenticated (HASH(1) right) but not acceptable content. */
Test(info, payloads_not_allowed)
{
  uint8_t buf[512];
  isakmp_wbuf_t w;
  put_hash0(&pi, &w, buf, sizeof buf);
  isakmp_put_vid(&w, "vendor", 6);
  seal_raw(&pi, 0x11112223, &w, true);
  parse_fails(&pr, msg, len, "VID payload not allowed in an informational message");

  put_hash0(&pi, &w, buf, sizeof buf);
  put_dpd(&w, &pi);
  isakmp_put_hash(&w, "01234567890123456789", 20);
  seal_raw(&pi, 0x11112224, &w, true);
  parse_fails(&pr, msg, len, "HASH payload not allowed");

  put_hash0(&pi, &w, buf, sizeof buf);
  seal_raw(&pi, 0x11112225, &w, true);
  parse_fails(&pr, msg, len, "no notify or delete");

  put_hash0(&pi, &w, buf, sizeof buf);
  for (int k = 0; k < 5; k++)
    put_dpd(&w, &pi);
  seal_raw(&pi, 0x11112226, &w, true);
  parse_fails(&pr, msg, len, "more than 4 notify payloads");

  uint8_t spis[4 * 17] = {0};
  put_hash0(&pi, &w, buf, sizeof buf);
  isakmp_put_delete(&w, &(isakmp_delete_t){.doi = 1, .protocol = ISAKMP_PROTO_ESP, .spi_size = 4, .count = 17,
                                           .spis = spis});
  seal_raw(&pi, 0x11112227, &w, true);
  parse_fails(&pr, msg, len, "17 SPIs, at most 16");

  put_hash0(&pi, &w, buf, sizeof buf);
  isakmp_put_delete(&w, &(isakmp_delete_t){.doi = 1, .protocol = ISAKMP_PROTO_IPCOMP, .spi_size = 4, .count = 1,
                                           .spis = spis});
  seal_raw(&pi, 0x11112228, &w, true);
  parse_fails(&pr, msg, len, "IPCOMP");

  put_hash0(&pi, &w, buf, sizeof buf);
  isakmp_put_delete(&w, &(isakmp_delete_t){.doi = 2, .protocol = ISAKMP_PROTO_ESP, .spi_size = 4, .count = 1,
                                           .spis = spis});
  seal_raw(&pi, 0x11112229, &w, true);
  parse_fails(&pr, msg, len, "DOI 2");

  put_hash0(&pi, &w, buf, sizeof buf);
  isakmp_put_delete(&w, &(isakmp_delete_t){.doi = 1, .protocol = ISAKMP_PROTO_ESP, .spi_size = 16, .count = 1,
                                           .spis = spis});
  seal_raw(&pi, 0x1111222a, &w, true);
  parse_fails(&pr, msg, len, "SPI size 16 for ESP");
}

/* Several deletes and notifies in one message, in order. */
Test(info, several_payloads)
{
  uint8_t buf[512], spis[8] = {0, 0, 0x10, 0, 0, 0, 0x10, 1};
  isakmp_wbuf_t w;
  put_hash0(&pi, &w, buf, sizeof buf);
  isakmp_put_delete(&w, &(isakmp_delete_t){.doi = 1, .protocol = ISAKMP_PROTO_ESP, .spi_size = 4, .count = 2,
                                           .spis = spis});
  put_dpd(&w, &pi);
  isakmp_put_delete(&w, &(isakmp_delete_t){.doi = 1, .protocol = ISAKMP_PROTO_AH, .spi_size = 4, .count = 1,
                                           .spis = spis + 4});
  isakmp_put_notify(&w, &(isakmp_notify_t){.doi = 0, .type = ISAKMP_N_INITIAL_CONTACT});
  seal_raw(&pi, 0x33334444, &w, true);
  parse_ok(&pr);
  cr_assert_eq(got.msgid, 0x33334444);
  cr_assert_eq(got.ndeletes, 2);
  cr_assert_eq(got.nnotifies, 2);
  cr_assert_eq(got.deletes[0].spis[1], 0x1001);
  cr_assert_eq(got.deletes[1].proto, ISAKMP_PROTO_AH);
  cr_assert_eq(got.deletes[1].spis[0], 0x1001);
  cr_assert_eq(got.notifies[0].type, ISAKMP_N_R_U_THERE);
  cr_assert_eq(got.notifies[1].type, ISAKMP_N_INITIAL_CONTACT);
}

/* Padding to the block, or a whole block more (strongSwan), is fine;
 * more than a block after the chain is not. */
Test(info, padding)
{
  const struct {
    size_t data, total; /* notify data bytes (a chain of 36 + data), padded total */
    bool ok;
  } c[] = {{12, 48, true}, {12, 64, true}, {12, 80, false}, {4, 48, true}, {4, 64, false}};
  for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
    uint8_t buf[256] = {0};
    isakmp_wbuf_t w;
    put_hash0(&pi, &w, buf, sizeof buf);
    isakmp_put_notify(&w, &(isakmp_notify_t){.doi = 1, .type = ISAKMP_N_INITIAL_CONTACT,
                                             .data = (const uint8_t *)"0123456789ab", .len = c[k].data});
    size_t plen = isakmp_finish(&w), hl = ike_hash_len(pi.keys.hash);
    cr_assert_eq(plen, 36 + c[k].data);
    uint32_t mid = 0x55550000u + (uint32_t)k;
    cr_assert(ike_info_hash(&pi.keys, mid, buf + 4 + hl, plen - 4 - hl, buf + 4));
    seal_bytes(&pi, mid, ISAKMP_PL_HASH, buf, c[k].total);
    cr_assert_eq(len, ISAKMP_HDR_LEN + c[k].total);
    if (c[k].ok)
      parse_ok(&pr);
    else
      parse_fails(&pr, msg, len, "bad padding");
  }
}

Test(info, clear_notify_for_an_unknown_cookie)
{
  uint8_t ic[8] = {1, 2, 3, 4, 5, 6, 7, 8}, rc[8] = {9, 10, 11, 12, 13, 14, 15, 16};
  len = ike_info_clear_notify(ic, rc, ISAKMP_N_INVALID_COOKIE, msg, sizeof msg);
  cr_assert_eq(len, ISAKMP_HDR_LEN + 12 + 16);
  isakmp_msg_t m;
  isakmp_error_t pe;
  cr_assert_eq(isakmp_parse_message(msg, len, &m, &pe), ISAKMP_OK, "%s", pe.msg);
  cr_assert_eq(memcmp(m.hdr.icookie, ic, 8), 0);
  cr_assert_eq(memcmp(m.hdr.rcookie, rc, 8), 0);
  cr_assert_eq(m.hdr.exchange, ISAKMP_XCHG_INFO);
  cr_assert_eq(m.hdr.flags, 0);
  cr_assert_eq(m.hdr.msgid, 0);
  cr_assert_eq(m.n, 1);
  isakmp_notify_t n;
  cr_assert_eq(isakmp_parse_notify(m.pl[0].body, m.pl[0].len, &n, &pe), ISAKMP_OK, "%s", pe.msg);
  cr_assert_eq(n.type, ISAKMP_N_INVALID_COOKIE);
  cr_assert_eq(n.protocol, ISAKMP_PROTO_ISAKMP);
  cr_assert_eq(n.spi_size, 16);
  cr_assert_eq(memcmp(n.spi, ic, 8), 0);
  cr_assert_eq(memcmp(n.spi + 8, rc, 8), 0);
  cr_assert_eq(n.len, 0);
  /* it is not an encrypted message: ike_info_parse refuses it */
  parse_fails(&pr, msg, len, "not");
  cr_assert_eq(ike_info_clear_notify(ic, rc, ISAKMP_N_INVALID_COOKIE, msg, len - 1), 0);
}
