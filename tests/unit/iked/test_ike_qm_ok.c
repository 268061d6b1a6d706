/* Quick mode between two engines in memory: complete exchanges with and
 * without PFS, keys of every kind of transform agreeing across the two
 * sides, the responder's choice, lifetimes, NAT-T, identities, SPIs, and
 * every message decoded by the codec. */
#include <criterion/criterion.h>
#include <string.h>

#include "ike_qm_testlib.h"
#include "isakmp.h"

static ike_p1sa_t pi, pr;
static qmt_spis_t si = {.next = 0x1000}, sr = {.next = 0x2000};
static qmt_run_t x;

static void setup(void)
{
  qmt_p1_pair(&pi, &pr, IKE_ENC_AES128, IKE_HASH_SHA1);
  si = (qmt_spis_t){.next = 0x1000};
  sr = (qmt_spis_t){.next = 0x2000};
}

static void teardown(void)
{
  qmt_run_free(&x);
  qmt_p1_free(&pi);
  qmt_p1_free(&pr);
}

TestSuite(qm, .init = setup, .fini = teardown);

#define LOCAL_I qmt_subnet(QMT_ADDR(203, 0, 113, 0), 24)
#define LOCAL_R qmt_subnet(QMT_ADDR(198, 51, 100, 128), 25)

/* Initiator's and responder's configs mirroring each other. */
static void pair_cfg(ike_qm_cfg_t *ci, ike_qm_cfg_t *cr, const char *set_i, unsigned pfs_i, const char *set_r,
                     unsigned pfs_r)
{
  *ci = qmt_cfg(set_i, pfs_i, LOCAL_I, LOCAL_R, &si);
  *cr = qmt_cfg(set_r, pfs_r, LOCAL_R, LOCAL_I, &sr);
}

static void run(const char *set_i, unsigned pfs_i, const char *set_r, unsigned pfs_r)
{
  ike_qm_cfg_t ci, cr;
  pair_cfg(&ci, &cr, set_i, pfs_i, set_r, pfs_r);
  qmt_lookup_t lk = {.cfg = &cr};
  qmt_exchange(&x, &pi, &pr, &ci, &lk);
}

/* Each side's inbound SA is the other's outbound one, keys included. */
static void assert_children_agree(Erx__Cfg__Transform xf, unsigned group)
{
  size_t ni = 0, nr = 0;
  const ike_child_t *ci = ike_qm_children(x.i, &ni), *cr = ike_qm_children(x.r, &nr);
  cr_assert(ci && cr && ni == 2 && nr == 2);
  cr_assert(ci[0].inbound && !ci[1].inbound && cr[0].inbound && !cr[1].inbound);
  cr_assert(qmt_keys_equal(&ci[1], &cr[0]), "initiator outbound == responder inbound");
  cr_assert(qmt_keys_equal(&ci[0], &cr[1]), "initiator inbound == responder outbound");
  cr_assert_neq(ci[0].spi, ci[1].spi);
  const erx_transform_info_t *info = erx_transform_by_id(xf);
  for (size_t k = 0; k < 2; k++) {
    cr_assert_eq(ci[k].transform, xf);
    cr_assert_eq(ci[k].keys.enc_len, info->enc_key_len);
    cr_assert_eq(ci[k].keys.auth_len, info->auth_key_len);
    cr_assert_eq(ci[k].pfs_group, group);
    cr_assert_eq(cr[k].pfs_group, group);
  }
  if (info->enc_key_len)
    cr_assert_neq(memcmp(ci[0].keys.enc, ci[1].keys.enc, info->enc_key_len), 0, "directions differ");
  else
    cr_assert_neq(memcmp(ci[0].keys.auth, ci[1].keys.auth, info->auth_key_len), 0, "directions differ");
}

Test(qm, without_pfs)
{
  run("esp-3des-hmac-sha", 0, "esp-3des-hmac-sha", 0);
  assert_children_agree(ERX__CFG__TRANSFORM__ESP_3DES_HMAC_SHA, 0);
  cr_assert_eq(ike_qm_msgid(x.i), ike_qm_msgid(x.r));
  cr_assert_neq(ike_qm_msgid(x.i), 0);
  cr_assert(ike_qm_is_initiator(x.i) && !ike_qm_is_initiator(x.r));
  size_t n;
  const ike_child_t *c = ike_qm_children(x.i, &n);
  cr_assert_eq(c[0].spi, 0x1000, "the initiator's own SPI is its inbound one");
  cr_assert_eq(c[1].spi, 0x2000, "the responder's SPI is the initiator's outbound one");
  cr_assert_eq(c[0].encap_mode, IPSEC_ENCAP_TUNNEL);
  cr_assert_eq(c[0].encap_sport, 0);
  /* the exchange's IV chain is gone from both ISAKMP SAs */
  for (int k = 0; k < IKE_IV_EXCHANGES; k++)
    cr_assert(pi.iv.x[k].mid == 0 && pr.iv.x[k].mid == 0);
}

Test(qm, with_pfs_groups_2_5_14)
{
  static const unsigned groups[] = {2, 5, 14};
  for (size_t g = 0; g < 3; g++) {
    run("esp-aes128-hmac-sha", groups[g], "esp-aes128-hmac-sha", groups[g]);
    assert_children_agree(ERX__CFG__TRANSFORM__ESP_AES128_HMAC_SHA, groups[g]);
    uint8_t types[3][16];
    qmt_decrypt_all(&pi, x.msg, x.len, 3, types);
    static const uint8_t qm1[] = {ISAKMP_PL_HASH, ISAKMP_PL_SA, ISAKMP_PL_NONCE, ISAKMP_PL_KE, ISAKMP_PL_ID,
                                  ISAKMP_PL_ID, 0};
    cr_assert_eq(memcmp(types[0], qm1, sizeof qm1), 0, "QM1 with KE");
    cr_assert_eq(memcmp(types[1], qm1, sizeof qm1), 0, "QM2 with KE");
    qmt_run_free(&x);
  }
}

Test(qm, keys_of_every_kind_of_transform)
{
  static const char *const sets[] = {"esp-3des-hmac-sha",     "esp-des-hmac-md5",  "esp-aes256-hmac-sha256",
                                     "esp-aes128-gcm",        "esp-aes256-gcm",    "esp-null-hmac-md5",
                                     "esp-null-hmac-sha",     "esp-3des",          "ah-hmac-md5",
                                     "ah-hmac-sha",           "esp-aes128-hmac-sha256"};
  for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
    run(sets[k], 0, sets[k], 0);
    assert_children_agree(erx_transform_by_keyword(sets[k])->id, 0);
    uint8_t types[3][16];
    qmt_decrypt_all(&pi, x.msg, x.len, 3, types);
    qmt_run_free(&x);
  }
}

Test(qm, gcm_key_carries_the_salt)
{
  run("esp-aes256-gcm", 5, "esp-aes256-gcm", 0);
  size_t n;
  const ike_child_t *c = ike_qm_children(x.r, &n);
  cr_assert_eq(c[0].keys.enc_len, 36, "32-byte key and 4-byte salt");
  cr_assert_eq(c[0].keys.auth_len, 0);
  cr_assert_eq(c[0].pfs_group, 5, "a responder without PFS takes the initiator's group");
}

Test(qm, responder_picks_by_its_own_order)
{
  run("esp-3des-hmac-sha esp-aes128-hmac-sha ah-hmac-sha", 0, "ah-hmac-md5 esp-aes128-hmac-sha esp-3des-hmac-sha",
      0);
  assert_children_agree(ERX__CFG__TRANSFORM__ESP_AES128_HMAC_SHA, 0);
  /* both protocols had an SPI; the AH one was not used and goes back */
  cr_assert_eq(si.allocated, 2);
  cr_assert_eq(sr.allocated, 1);
  qmt_run_free(&x);
  cr_assert_eq(si.released, 1);
  cr_assert_eq(si.last_released, 0x1001);
  cr_assert_eq(sr.released, 0);
}

Test(qm, every_proposal_reaches_the_responder)
{
  run("esp-3des-hmac-sha esp-aes128-hmac-sha esp-aes256-gcm esp-null-hmac-sha ah-hmac-md5 esp-des", 14,
      "esp-des", 2);
  assert_children_agree(ERX__CFG__TRANSFORM__ESP_DES, 14);
}

static void assert_lifetimes(uint32_t s, uint64_t kb)
{
  size_t n;
  for (int side = 0; side < 2; side++) {
    const ike_child_t *c = ike_qm_children(side ? x.r : x.i, &n);
    for (size_t k = 0; k < n; k++) {
      cr_assert_eq(c[k].life_seconds, s, "side %d SA %zu: %u s", side, k, c[k].life_seconds);
      cr_assert_eq(c[k].life_kilobytes, kb, "side %d SA %zu: %llu KB", side, k,
                   (unsigned long long)c[k].life_kilobytes);
    }
  }
}

Test(qm, lifetimes_are_the_smaller)
{
  ike_qm_cfg_t ci, cr;
  pair_cfg(&ci, &cr, "esp-3des-hmac-sha", 0, "esp-3des-hmac-sha", 0);
  ci.life_seconds = 3600;
  ci.life_kilobytes = 0; /* no limit proposed: the responder's applies */
  cr.life_seconds = 864000;
  cr.life_kilobytes = 4294967295ull;
  qmt_lookup_t lk = {.cfg = &cr};
  qmt_exchange(&x, &pi, &pr, &ci, &lk);
  assert_lifetimes(3600, 4294967295ull);
  qmt_run_free(&x);

  ci.life_seconds = 864000; /* beyond 16 bits: a TLV */
  ci.life_kilobytes = 42000000;
  cr.life_seconds = 1800;
  cr.life_kilobytes = 102400;
  qmt_exchange(&x, &pi, &pr, &ci, &lk);
  assert_lifetimes(1800, 102400);
  qmt_run_free(&x);

  ci.life_seconds = 0; /* RFC 2407's default */
  cr.life_seconds = 0;
  cr.life_kilobytes = 0;
  qmt_exchange(&x, &pi, &pr, &ci, &lk);
  assert_lifetimes(IKE_QM_DEFAULT_LIFE_S, 42000000);
}

Test(qm, nat_traversal_uses_udp_tunnel_mode)
{
  pi.natt = pr.natt = true;
  pi.nat_local = pr.nat_peer = true;
  pi.local_port = pi.peer_port = pr.local_port = 4500;
  pr.peer_port = 31000; /* the initiator's NAT mapped its port */
  run("esp-aes128-hmac-sha", 0, "esp-aes128-hmac-sha", 0);
  size_t n;
  const ike_child_t *ci = ike_qm_children(x.i, &n), *cr = ike_qm_children(x.r, &n);
  for (size_t k = 0; k < 2; k++) {
    cr_assert_eq(ci[k].encap_mode, IPSEC_ENCAP_UDP_TUNNEL);
    cr_assert_eq(cr[k].encap_mode, IPSEC_ENCAP_UDP_TUNNEL);
    cr_assert(ci[k].encap_sport == 4500 && ci[k].encap_dport == 4500);
    cr_assert(cr[k].encap_sport == 4500 && cr[k].encap_dport == 31000);
  }
}

Test(qm, natt_without_a_nat_stays_tunnel_mode)
{
  pi.natt = pr.natt = true;
  run("esp-aes128-hmac-sha", 0, "esp-aes128-hmac-sha", 0);
  size_t n;
  cr_assert_eq(ike_qm_children(x.r, &n)[0].encap_mode, IPSEC_ENCAP_TUNNEL);
}

Test(qm, identity_kinds_reach_the_lookup_as_sent)
{
  const ike_qm_ident_t kinds[][2] = {
      {qmt_address(QMT_ADDR(10, 0, 0, 1)), qmt_address(QMT_ADDR(10, 9, 0, 1))},
      {qmt_range(QMT_ADDR(10, 0, 0, 1), QMT_ADDR(10, 0, 0, 50)), qmt_subnet(0, 0)},
      {qmt_subnet(QMT_ADDR(172, 16, 0, 0), 12), qmt_range(QMT_ADDR(10, 1, 1, 1), QMT_ADDR(10, 1, 2, 1))},
  };
  for (size_t k = 0; k < 3; k++) {
    ike_qm_cfg_t ci = qmt_cfg("esp-3des-hmac-sha", 0, kinds[k][0], kinds[k][1], &si);
    ike_qm_cfg_t cr = qmt_cfg("esp-3des-hmac-sha", 0, kinds[k][1], kinds[k][0], &sr);
    qmt_lookup_t lk = {.cfg = &cr};
    qmt_exchange(&x, &pi, &pr, &ci, &lk);
    cr_assert_eq(lk.calls, 1);
    cr_assert(memcmp(&lk.idci, &kinds[k][0], sizeof lk.idci) == 0, "pair %zu: IDci", k);
    cr_assert(memcmp(&lk.idcr, &kinds[k][1], sizeof lk.idcr) == 0, "pair %zu: IDcr", k);
    qmt_run_free(&x);
  }
}

Test(qm, every_message_decodes_with_the_codec)
{
  run("esp-3des-hmac-md5 ah-hmac-sha", 0, "ah-hmac-sha", 0);
  uint8_t types[3][16];
  qmt_decrypt_all(&pr, x.msg, x.len, 3, types);
  static const uint8_t qm1[] = {ISAKMP_PL_HASH, ISAKMP_PL_SA, ISAKMP_PL_NONCE, ISAKMP_PL_ID, ISAKMP_PL_ID, 0};
  static const uint8_t qm3[] = {ISAKMP_PL_HASH, 0};
  cr_assert_eq(memcmp(types[0], qm1, sizeof qm1), 0);
  cr_assert_eq(memcmp(types[1], qm1, sizeof qm1), 0);
  cr_assert_eq(memcmp(types[2], qm3, sizeof qm3), 0);
  size_t len;
  const uint8_t *last = ike_qm_last_sent(x.i, &len);
  cr_assert(last && len == x.len[2] && memcmp(last, x.msg[2], len) == 0);
}

Test(qm, state_names_follow_the_reference)
{
  static const char *const names[] = {"startQmI", "startQmR", "qmHashSaI", "qmHashSaR",
                                      "qmHashI",  "qmDoneR",  "done",      "deleted"};
  for (int s = 0; s < IKE_QMS_COUNT_; s++)
    cr_assert_str_eq(ike_qm_state_name((ike_qm_state_t)s), names[s]);
  cr_assert_str_eq(ike_qm_state_name(IKE_QMS_COUNT_), "?");
}

Test(qm, other_phase1_ciphers_and_hashes)
{
  const struct {
    ike_enc_t e;
    ike_hash_t h;
  } p1s[] = {{IKE_ENC_3DES, IKE_HASH_MD5}, {IKE_ENC_AES256, IKE_HASH_SHA256}, {IKE_ENC_DES, IKE_HASH_SHA1}};
  for (size_t k = 0; k < 3; k++) {
    qmt_p1_free(&pi);
    qmt_p1_free(&pr);
    qmt_p1_pair(&pi, &pr, p1s[k].e, p1s[k].h);
    run("esp-aes256-hmac-sha", 5, "esp-aes256-hmac-sha", 5);
    assert_children_agree(ERX__CFG__TRANSFORM__ESP_AES256_HMAC_SHA, 5);
    qmt_run_free(&x);
  }
}

/* The value of attribute `type` in transform t, -1 when absent; the
 * life duration following a life type of `life`. */
static long long attr_of(const isakmp_sa_t *sa, const isakmp_transform_t *t, uint16_t type, unsigned life)
{
  unsigned cur = 0;
  for (unsigned i = 0; i < t->nattrs; i++) {
    const isakmp_attr_t *a = isakmp_sa_attr(sa, t, i);
    if (a->type == IPSEC_ATTR_LIFE_TYPE)
      cur = (unsigned)a->num;
    if (a->type == type && (type != IPSEC_ATTR_LIFE_DURATION || cur == life))
      return (long long)a->num;
  }
  return -1;
}

Test(qm, qm1_proposes_the_set_in_order)
{
  ike_qm_cfg_t ci = qmt_cfg("esp-aes256-hmac-sha256 esp-aes128-gcm ah-hmac-md5 esp-3des", 5, LOCAL_I, LOCAL_R, &si);
  ci.life_seconds = 86400;
  ci.life_kilobytes = 4294967295ull;
  x.i = ike_qm_initiate(&pi, &ci, x.msg[0], IKE_QM_MSG_MAX, &x.len[0], &x.err);
  cr_assert_not_null(x.i, "%s", x.err.reason);
  uint8_t pt[IKE_QM_MSG_MAX];
  isakmp_payload_t pl[ISAKMP_MAX_PAYLOADS];
  unsigned np = 0;
  ike_iv_t iv;
  qmt_open(&pi, x.msg, x.len, 0, pt, &iv, pl, &np);
  static isakmp_sa_t sa;
  isakmp_error_t pe;
  cr_assert_eq(pl[1].type, ISAKMP_PL_SA);
  cr_assert_eq(isakmp_parse_sa(pl[1].body, pl[1].len, &sa, &pe), ISAKMP_OK, "%s", pe.msg);
  cr_assert(sa.doi == ISAKMP_DOI_IPSEC && sa.situation == ISAKMP_SIT_IDENTITY_ONLY && sa.nprop == 4);
  static const struct {
    uint8_t proto, id;
    long long auth, key;
    uint32_t spi;
  } want[] = {{ISAKMP_PROTO_ESP, ESP_ID_AES_CBC, IPSEC_AUTH_HMAC_SHA2_256, 256, 0x1000},
              {ISAKMP_PROTO_ESP, ESP_ID_AES_GCM_16, -1, 128, 0x1000},
              {ISAKMP_PROTO_AH, AH_ID_MD5, IPSEC_AUTH_HMAC_MD5, -1, 0x1001},
              {ISAKMP_PROTO_ESP, ESP_ID_3DES, -1, -1, 0x1000}};
  for (unsigned k = 0; k < 4; k++) {
    const isakmp_proposal_t *p = &sa.prop[k];
    cr_assert(p->number == k + 1 && p->protocol == want[k].proto && p->nxf == 1 && p->spi_size == 4, "proposal %u", k);
    cr_assert_eq((uint32_t)p->spi[0] << 24 | p->spi[1] << 16 | p->spi[2] << 8 | p->spi[3], want[k].spi);
    const isakmp_transform_t *t = isakmp_sa_xf(&sa, p, 0);
    cr_assert_eq(t->id, want[k].id, "proposal %u", k);
    cr_assert_eq(attr_of(&sa, t, IPSEC_ATTR_AUTH_ALG, 0), want[k].auth, "proposal %u", k);
    cr_assert_eq(attr_of(&sa, t, IPSEC_ATTR_KEY_LENGTH, 0), want[k].key, "proposal %u", k);
    cr_assert_eq(attr_of(&sa, t, IPSEC_ATTR_GROUP_DESC, 0), 5);
    cr_assert_eq(attr_of(&sa, t, IPSEC_ATTR_ENCAP_MODE, 0), IPSEC_ENCAP_TUNNEL);
    cr_assert_eq(attr_of(&sa, t, IPSEC_ATTR_LIFE_DURATION, ISAKMP_LIFE_SECONDS), 86400);
    cr_assert_eq(attr_of(&sa, t, IPSEC_ATTR_LIFE_DURATION, ISAKMP_LIFE_KILOBYTES), 4294967295ll);
  }
  /* the large durations travel as TLVs (RFC 2408 §3.3) */
  const isakmp_attr_t *a = isakmp_sa_attr(&sa, isakmp_sa_xf(&sa, &sa.prop[0], 0), 1);
  cr_assert(a->type == IPSEC_ATTR_LIFE_DURATION && !a->tv && a->len == 4);
  /* IDs: subnets as configured */
  cr_assert(pl[3].type == ISAKMP_PL_KE && pl[3].len == 192, "KE of group 5");
  isakmp_id_t id;
  cr_assert_eq(isakmp_parse_id(pl[4].body, pl[4].len, &id, &pe), ISAKMP_OK);
  static const uint8_t ci_data[] = {203, 0, 113, 0, 255, 255, 255, 0};
  cr_assert(id.type == ISAKMP_ID_IPV4_ADDR_SUBNET && id.len == 8 && memcmp(id.data, ci_data, 8) == 0);
}

Test(qm, an_address_identity_is_id_ipv4_addr)
{
  ike_qm_cfg_t ci = qmt_cfg("esp-3des-hmac-sha", 0, qmt_address(QMT_ADDR(10, 0, 0, 1)),
                            qmt_range(QMT_ADDR(10, 1, 0, 1), QMT_ADDR(10, 1, 0, 9)), &si);
  x.i = ike_qm_initiate(&pi, &ci, x.msg[0], IKE_QM_MSG_MAX, &x.len[0], &x.err);
  cr_assert_not_null(x.i);
  uint8_t pt[IKE_QM_MSG_MAX];
  isakmp_payload_t pl[ISAKMP_MAX_PAYLOADS];
  unsigned np = 0;
  ike_iv_t iv;
  qmt_open(&pi, x.msg, x.len, 0, pt, &iv, pl, &np);
  isakmp_id_t a, r;
  isakmp_error_t pe;
  cr_assert_eq(np, 5);
  cr_assert_eq(isakmp_parse_id(pl[3].body, pl[3].len, &a, &pe), ISAKMP_OK);
  cr_assert_eq(isakmp_parse_id(pl[4].body, pl[4].len, &r, &pe), ISAKMP_OK);
  cr_assert(a.type == ISAKMP_ID_IPV4_ADDR && a.len == 4 && a.protocol == 0 && a.port == 0);
  cr_assert(r.type == ISAKMP_ID_IPV4_ADDR_RANGE && r.len == 8 && r.data[7] == 9);
}
