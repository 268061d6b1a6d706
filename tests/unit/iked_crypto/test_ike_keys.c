/* Phase-1 and phase-2 key derivation against gen_vectors.py's answers, for
 * every hash and every DH group, and the refusals of malformed inputs. */
#include <criterion/criterion.h>
#include <string.h>

#include "ike_cipher.h"
#include "ike_keys.h"
#include "ike_vectors.h"

static const ikv_group_t *group_vec(unsigned id)
{
  for (size_t i = 0; i < ikv_group_count; i++)
    if (ikv_groups[i].id == id)
      return &ikv_groups[i];
  cr_assert_fail("no vectors for group %u", id);
  return NULL;
}

static ike_p1_in_t p1_in(const ikv_phase1_t *v)
{
  const ikv_group_t *g = group_vec(v->group);
  return (ike_p1_in_t){
      .hash = (ike_hash_t)v->hash,
      .psk = ikv_psk.p,
      .psk_len = ikv_psk.len,
      .ni = ikv_ni.p,
      .ni_len = ikv_ni.len,
      .nr = ikv_nr.p,
      .nr_len = ikv_nr.len,
      .gxy = g->gxy.p,
      .gxy_len = g->gxy.len,
      .cky_i = ikv_cky_i.p,
      .cky_r = ikv_cky_r.p,
  };
}

static void derive(const ikv_phase1_t *v, ike_p1_keys_t *k)
{
  char err[128];
  ike_p1_in_t in = p1_in(v);
  cr_assert(ike_p1_derive(&in, k, err, sizeof err), "%s", err);
}

/* One check of one (hash, group) case: v's answers, g its group's DH
 * values, k the keys derived from them, h the hash's name for messages. */
typedef void check_fn(const ikv_phase1_t *v, const ikv_group_t *g, const ike_p1_keys_t *k, const char *h);

static void for_each_case(check_fn *check)
{
  cr_assert_eq(ikv_phase1_count, 12, "3 hashes x 4 groups");
  for (size_t i = 0; i < ikv_phase1_count; i++) {
    ike_p1_keys_t k;
    derive(&ikv_phase1[i], &k);
    check(&ikv_phase1[i], group_vec(ikv_phase1[i].group), &k, ike_hash_name(k.hash));
    ike_p1_keys_clear(&k);
  }
}

static void check_skeyids(const ikv_phase1_t *v, const ikv_group_t *g, const ike_p1_keys_t *k, const char *h)
{
  cr_expect_eq(k->len, v->skeyid.len);
  cr_expect(IKV_SAME(k->skeyid, v->skeyid), "SKEYID %s group %u", h, g->id);
  cr_expect(IKV_SAME(k->skeyid_d, v->skeyid_d), "SKEYID_d %s group %u", h, g->id);
  cr_expect(IKV_SAME(k->skeyid_a, v->skeyid_a), "SKEYID_a %s group %u", h, g->id);
  cr_expect(IKV_SAME(k->skeyid_e, v->skeyid_e), "SKEYID_e %s group %u", h, g->id);
  /* Appendix B: used as is when long enough, expanded otherwise */
  for (ike_enc_t e = IKE_ENC_3DES; e <= IKE_ENC_AES256; e++) {
    uint8_t key[32];
    cr_assert_eq(ike_enc_key_len(e), v->enc_key[e].len);
    cr_assert(ike_p1_enc_key(k, key, ike_enc_key_len(e)));
    cr_expect(IKV_SAME(key, v->enc_key[e]), "%s key, %s group %u", ike_enc_name(e), h, g->id);
  }
}

static void check_auth_hashes(const ikv_phase1_t *v, const ikv_group_t *g, const ike_p1_keys_t *k, const char *h)
{
  ike_p1_auth_in_t in = {g->gxi.p, g->gxr.p, g->gxi.len, ikv_cky_i.p, ikv_cky_r.p,
                         ikv_sai_b.p, ikv_sai_b.len, ikv_idii_b.p, ikv_idii_b.len};
  uint8_t out[IKE_MAX_HASH];
  cr_assert(ike_hash_i(k, &in, out));
  cr_expect(IKV_SAME(out, v->hash_i), "HASH_I %s group %u", h, g->id);
  in.id_b = ikv_idir_b.p;
  in.id_len = ikv_idir_b.len;
  cr_assert(ike_hash_r(k, &in, out));
  cr_expect(IKV_SAME(out, v->hash_r), "HASH_R %s group %u", h, g->id);
}

static void check_phase2_hashes(const ikv_phase1_t *v, const ikv_group_t *g, const ike_p1_keys_t *k, const char *h)
{
  uint8_t out[IKE_MAX_HASH];
  cr_assert(ike_qm_hash1(k, ikv_mid, ikv_qm_rest.p, ikv_qm_rest.len, out));
  cr_expect(IKV_SAME(out, v->qm_hash1), "HASH(1) %s group %u", h, g->id);
  cr_assert(ike_qm_hash2(k, ikv_mid, ikv_ni.p, ikv_ni.len, ikv_qm_rest.p, ikv_qm_rest.len, out));
  cr_expect(IKV_SAME(out, v->qm_hash2), "HASH(2) %s group %u", h, g->id);
  cr_assert(ike_qm_hash3(k, ikv_mid, ikv_ni.p, ikv_ni.len, ikv_nr.p, ikv_nr.len, out));
  cr_expect(IKV_SAME(out, v->qm_hash3), "HASH(3) %s group %u", h, g->id);
  cr_assert(ike_info_hash(k, ikv_mid, ikv_info_rest.p, ikv_info_rest.len, out));
  cr_expect(IKV_SAME(out, v->info_hash), "informational HASH %s group %u", h, g->id);
}

static void check_keymat(const ikv_phase1_t *v, const ikv_group_t *g, const ike_p1_keys_t *k, const char *h)
{
  char err[128];
  ike_keymat_in_t in = {NULL, 0, ikv_spi_i.p, ikv_ni.p, ikv_nr.p, ikv_ni.len, ikv_nr.len};
  uint8_t km[128];
  /* every length up to the vector's: each is a prefix of the longest */
  for (size_t len = 1; len <= ikv_keymat_len; len++) {
    memset(km, 0xAA, sizeof km);
    cr_assert(ike_keymat(k, IKE_PROTO_ESP, &in, km, len, err, sizeof err), "%s", err);
    cr_expect(memcmp(km, v->keymat_esp_i.p, len) == 0 && km[len] == 0xAA, "KEYMAT %zu bytes %s group %u", len, h,
              g->id);
  }
  in.spi = ikv_spi_r.p;
  cr_assert(ike_keymat(k, IKE_PROTO_ESP, &in, km, ikv_keymat_len, err, sizeof err), "%s", err);
  cr_expect(IKV_SAME(km, v->keymat_esp_r), "KEYMAT other direction %s group %u", h, g->id);
  cr_assert(ike_keymat(k, IKE_PROTO_AH, &in, km, ikv_keymat_len, err, sizeof err), "%s", err);
  cr_expect(IKV_SAME(km, v->keymat_ah_r), "KEYMAT AH %s group %u", h, g->id);
  in = (ike_keymat_in_t){g->gxy.p, g->gxy.len, ikv_spi_i.p, ikv_ni.p, ikv_nr.p, ikv_ni.len, ikv_nr.len};
  cr_assert(ike_keymat(k, IKE_PROTO_ESP, &in, km, ikv_keymat_len, err, sizeof err), "%s", err);
  cr_expect(IKV_SAME(km, v->keymat_pfs), "KEYMAT with PFS %s group %u", h, g->id);
}

Test(ike_keys, skeyid_family_and_isakmp_keys) { for_each_case(check_skeyids); }

Test(ike_keys, hash_i_and_hash_r) { for_each_case(check_auth_hashes); }

Test(ike_keys, quick_mode_and_informational_hashes) { for_each_case(check_phase2_hashes); }

Test(ike_keys, keymat_both_directions_pfs_and_ah) { for_each_case(check_keymat); }

Test(ike_keys, child_keys_for_every_transform)
{
  char err[128];
  const ikv_phase1_t *v = &ikv_phase1[0];
  ike_p1_keys_t k;
  derive(v, &k);
  ike_keymat_in_t in = {NULL, 0, ikv_spi_r.p, ikv_ni.p, ikv_nr.p, ikv_ni.len, ikv_nr.len};
  for (size_t i = 0; i < erx_transform_count; i++) {
    const erx_transform_info_t *xf = &erx_transforms[i];
    ike_child_keys_t ck;
    cr_assert(ike_child_keys(&k, xf, &in, &ck, err, sizeof err), "%s: %s", xf->keyword, err);
    cr_expect_eq(ck.enc_len, xf->enc_key_len, "%s", xf->keyword);
    cr_expect_eq(ck.auth_len, xf->auth_key_len, "%s", xf->keyword);
    /* encryption key (GCM: key then salt) first, authentication key next */
    const uint8_t *km = xf->proto == ERX_PROTO_AH ? v->keymat_ah_r.p : v->keymat_esp_r.p;
    cr_expect(memcmp(ck.enc, km, ck.enc_len) == 0, "%s encryption key", xf->keyword);
    cr_expect(memcmp(ck.auth, km + ck.enc_len, ck.auth_len) == 0, "%s authentication key", xf->keyword);
    ike_child_keys_clear(&ck);
    cr_expect_eq(ck.enc_len, 0);
  }
  ike_p1_keys_clear(&k);
}

Test(ike_keys, malformed_inputs_are_refused)
{
  char err[128];
  ike_p1_keys_t k;
  ike_p1_in_t in = p1_in(&ikv_phase1[0]);
  in.ni_len = 7;
  cr_expect_not(ike_p1_derive(&in, &k, err, sizeof err));
  cr_expect_str_eq(err, "Ni_b is 7 bytes (must be 8 to 256)");
  in = p1_in(&ikv_phase1[0]);
  in.nr_len = 257;
  cr_expect_not(ike_p1_derive(&in, &k, err, sizeof err));
  cr_expect_str_eq(err, "Nr_b is 257 bytes (must be 8 to 256)");
  in = p1_in(&ikv_phase1[0]);
  in.psk_len = 0;
  cr_expect_not(ike_p1_derive(&in, &k, err, sizeof err));
  cr_expect_str_eq(err, "empty pre-shared key");
  in = p1_in(&ikv_phase1[0]);
  in.hash = (ike_hash_t)7;
  cr_expect_not(ike_p1_derive(&in, &k, err, sizeof err));
  cr_expect_str_eq(err, "unknown IKE hash 7");
  in = p1_in(&ikv_phase1[0]);
  in.gxy_len = 0;
  cr_expect_not(ike_p1_derive(&in, &k, err, sizeof err));
  in = p1_in(&ikv_phase1[0]);
  in.cky_r = NULL;
  cr_expect_not(ike_p1_derive(&in, &k, err, sizeof err));
  cr_expect_str_eq(err, "missing cookie");

  /* a failed derivation leaves no usable keys */
  uint8_t out[IKE_MAX_HASH], key[32];
  cr_expect_eq(k.len, 0);
  cr_expect_not(ike_qm_hash1(&k, 1, out, 1, out));
  cr_expect_not(ike_p1_enc_key(&k, key, sizeof key));

  in = p1_in(&ikv_phase1[0]);
  cr_assert(ike_p1_derive(&in, &k, err, sizeof err), "%s", err);
  ike_keymat_in_t km_in = {NULL, 0, ikv_spi_i.p, ikv_ni.p, ikv_nr.p, 4, ikv_nr.len};
  cr_expect_not(ike_keymat(&k, IKE_PROTO_ESP, &km_in, key, sizeof key, err, sizeof err));
  cr_expect_str_eq(err, "Ni_b is 4 bytes (must be 8 to 256)");
  km_in = (ike_keymat_in_t){ikv_psk.p, 0, ikv_spi_i.p, ikv_ni.p, ikv_nr.p, ikv_ni.len, ikv_nr.len};
  cr_expect_not(ike_keymat(&k, IKE_PROTO_ESP, &km_in, key, sizeof key, err, sizeof err));
  km_in.gqm = NULL;
  km_in.spi = NULL;
  cr_expect_not(ike_keymat(&k, IKE_PROTO_ESP, &km_in, key, sizeof key, err, sizeof err));
  cr_expect_str_eq(err, "missing SPI");

  /* clearing zeroes every key */
  ike_p1_keys_clear(&k);
  static const ike_p1_keys_t zero;
  cr_expect(memcmp(&k, &zero, sizeof k) == 0);
}
