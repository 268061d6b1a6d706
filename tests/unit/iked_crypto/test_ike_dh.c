/* MODP Diffie-Hellman: the primes against the RFC formulas and OpenSSL's
 * copies, known answers from fixed private values, agreement between fresh
 * key pairs, and the refusals of bad peer values. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>

#include "ike_dh.h"
#include "ike_vectors.h"

Test(ike_dh, primes_match_the_rfc_formulas)
{
  cr_assert_eq(ikv_group_count, 4);
  for (size_t i = 0; i < ikv_group_count; i++) {
    const ikv_group_t *v = &ikv_groups[i];
    const ike_dh_group_t *g = ike_dh_group(v->id);
    cr_assert(g, "group %u missing", v->id);
    cr_expect_eq(g->len, v->len, "group %u length", v->id);
    uint8_t d[32];
    unsigned dlen = 0;
    cr_assert(EVP_Digest(g->prime, g->len, d, &dlen, EVP_sha256(), NULL));
    cr_expect(IKV_SAME(d, v->prime_sha256), "group %u prime differs from 2^n - 2^(n-64) - 1 + 2^64 * ([2^(n-130) pi] + k)",
              v->id);
  }
}

Test(ike_dh, primes_match_openssl)
{
  /* OpenSSL's own copies of the RFC 2409 / RFC 3526 primes */
  struct {
    unsigned id;
    BIGNUM *(*get)(BIGNUM *);
  } known[] = {{1, BN_get_rfc2409_prime_768},
               {2, BN_get_rfc2409_prime_1024},
               {5, BN_get_rfc3526_prime_1536},
               {14, BN_get_rfc3526_prime_2048}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    const ike_dh_group_t *g = ike_dh_group(known[i].id);
    BIGNUM *p = known[i].get(NULL);
    uint8_t buf[IKE_DH_MAX_LEN];
    cr_assert(p && BN_bn2binpad(p, buf, (int)g->len) == (int)g->len);
    cr_expect(memcmp(buf, g->prime, g->len) == 0, "group %u prime differs from OpenSSL's", g->id);
    BN_free(p);
  }
  cr_expect_null(ike_dh_group(0));
  cr_expect_null(ike_dh_group(3));
  cr_expect_null(ike_dh_group(15));
}

Test(ike_dh, known_answers_from_fixed_private_values)
{
  char err[160];
  for (size_t i = 0; i < ikv_group_count; i++) {
    const ikv_group_t *v = &ikv_groups[i];
    ike_dh_t *a = ike_dh_from_private(v->id, v->xi.p, v->xi.len, err, sizeof err);
    ike_dh_t *b = ike_dh_from_private(v->id, v->xr.p, v->xr.len, err, sizeof err);
    cr_assert(a && b, "group %u: %s", v->id, err);
    cr_expect_eq(ike_dh_group_of(a)->id, v->id);
    cr_expect(IKV_SAME(ike_dh_public(a), v->gxi), "group %u g^xi", v->id);
    cr_expect(IKV_SAME(ike_dh_public(b), v->gxr), "group %u g^xr", v->id);
    cr_expect_eq(ike_dh_public(a)[0], 0, "group %u: the vector's g^xi keeps its leading zero", v->id);
    cr_expect_eq(ike_dh_private_bits(a), v->priv_bits);
    uint8_t s1[IKE_DH_MAX_LEN], s2[IKE_DH_MAX_LEN];
    cr_assert(ike_dh_shared(a, v->gxr.p, v->gxr.len, s1, sizeof s1, err, sizeof err), "%s", err);
    cr_assert(ike_dh_shared(b, v->gxi.p, v->gxi.len, s2, sizeof s2, err, sizeof err), "%s", err);
    cr_expect(IKV_SAME(s1, v->gxy), "group %u g^xy (initiator)", v->id);
    cr_expect(IKV_SAME(s2, v->gxy), "group %u g^xy (responder)", v->id);
    cr_expect_eq(s1[0], 0, "group %u: g^xy is padded to the prime's length", v->id);
    ike_dh_free(a);
    ike_dh_free(b);
  }
}

Test(ike_dh, fresh_pairs_agree_in_every_group)
{
  static const unsigned ids[] = {1, 2, 5, 14};
  char err[160];
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    ike_dh_t *a = ike_dh_new(ids[i], err, sizeof err), *b = ike_dh_new(ids[i], err, sizeof err);
    cr_assert(a && b, "group %u: %s", ids[i], err);
    const ike_dh_group_t *g = ike_dh_group_of(a);
    cr_expect(memcmp(ike_dh_public(a), ike_dh_public(b), g->len) != 0);
    cr_expect(ike_dh_check_peer(g, ike_dh_public(a), g->len, err, sizeof err), "%s", err);
    /* the exponent size we ask for: fast DH, and still twice the strength */
    cr_expect_leq(ike_dh_private_bits(a), g->priv_bits, "group %u private exponent", g->id);
    cr_expect_geq(ike_dh_private_bits(a), g->priv_bits - 32, "group %u private exponent", g->id);
    uint8_t s1[IKE_DH_MAX_LEN], s2[IKE_DH_MAX_LEN];
    cr_assert(ike_dh_shared(a, ike_dh_public(b), g->len, s1, sizeof s1, err, sizeof err), "%s", err);
    cr_assert(ike_dh_shared(b, ike_dh_public(a), g->len, s2, sizeof s2, err, sizeof err), "%s", err);
    cr_expect(memcmp(s1, s2, g->len) == 0, "group %u: both sides agree", g->id);
    ike_dh_free(a);
    ike_dh_free(b);
  }
  ike_dh_free(NULL);
}

Test(ike_dh, peer_values_out_of_range_are_refused)
{
  char err[160];
  const ike_dh_group_t *g = ike_dh_group(2);
  ike_dh_t *dh = ike_dh_new(2, err, sizeof err);
  cr_assert(dh, "%s", err);
  uint8_t y[IKE_DH_MAX_LEN + 1], out[IKE_DH_MAX_LEN];
  /* 0, 1, p-1, p, p+1 and all ones: none is 1 < y < p-1 */
  for (int c = 0; c < 6; c++) {
    memset(y, 0, g->len);
    if (c == 1)
      y[g->len - 1] = 1;
    if (c >= 2 && c <= 4) {
      memcpy(y, g->prime, g->len);
      if (c == 2)
        y[g->len - 1]--; /* p ends in 0xFF */
      for (size_t k = g->len; c == 4 && k-- > 0;)
        if (++y[k] != 0) /* p + 1, with the carry */
          break;
    }
    if (c == 5)
      memset(y, 0xFF, g->len);
    err[0] = 0;
    cr_expect_not(ike_dh_shared(dh, y, g->len, out, sizeof out, err, sizeof err), "case %d accepted", c);
    cr_expect(strstr(err, "out of range") != NULL, "case %d: %s", c, err);
  }
  /* the nearest acceptable values */
  memset(y, 0, g->len);
  y[g->len - 1] = 2;
  cr_expect(ike_dh_check_peer(g, y, g->len, err, sizeof err), "2: %s", err);
  memcpy(y, g->prime, g->len);
  y[g->len - 1] = 0xFD;
  cr_expect(ike_dh_check_peer(g, y, g->len, err, sizeof err), "p-2: %s", err);
  /* lengths: one short, one long, empty */
  memcpy(y, ike_dh_public(dh), g->len);
  y[g->len] = 0;
  cr_expect_not(ike_dh_shared(dh, y, g->len - 1, out, sizeof out, err, sizeof err));
  cr_expect_str_eq(err, "DH public value is 127 bytes, group 2 (modp1024) needs 128");
  cr_expect_not(ike_dh_check_peer(g, y, g->len + 1, err, sizeof err));
  cr_expect_not(ike_dh_check_peer(g, y, 0, err, sizeof err));
  /* output buffer too small */
  cr_expect_not(ike_dh_shared(dh, y, g->len, out, g->len - 1, err, sizeof err));
  cr_expect(strstr(err, "needs 128 bytes") != NULL, "%s", err);
  ike_dh_free(dh);
}

Test(ike_dh, bad_groups_and_private_values_are_refused)
{
  char err[160];
  cr_expect_null(ike_dh_new(3, err, sizeof err));
  cr_expect_str_eq(err, "DH group 3 is not supported (1, 2, 5 and 14 are)");
  const uint8_t one = 1, two = 2;
  cr_expect_null(ike_dh_from_private(2, &one, 1, err, sizeof err));
  cr_expect(strstr(err, "out of range") != NULL, "%s", err);
  cr_expect_null(ike_dh_from_private(2, &two, 0, err, sizeof err));
  const ike_dh_group_t *g = ike_dh_group(1);
  cr_expect_null(ike_dh_from_private(1, g->prime, g->len, err, sizeof err)); /* x = p */
  uint8_t big[IKE_DH_MAX_LEN + 1] = {1};
  cr_expect_null(ike_dh_from_private(1, big, g->len + 1, err, sizeof err));
  cr_expect(strstr(err, "allows 1 to 96") != NULL, "%s", err);
  ike_dh_t *dh = ike_dh_from_private(1, &two, 1, err, sizeof err); /* tiny but valid */
  cr_assert(dh, "%s", err);
  cr_expect_eq(ike_dh_public(dh)[g->len - 1], 4); /* 2^2 */
  ike_dh_free(dh);
}

/* DH runs in helper threads: concurrent key pairs and agreements (and the
 * providers' first load from several threads at once) must not interfere. */
static void *agree_in_thread(void *arg)
{
  unsigned id = *(const unsigned *)arg;
  char err[160];
  for (int round = 0; round < 4; round++) {
    ike_dh_t *a = ike_dh_new(id, err, sizeof err), *b = ike_dh_new(id, err, sizeof err);
    if (!a || !b)
      return (void *)"key generation failed";
    size_t len = ike_dh_group_of(a)->len;
    uint8_t s1[IKE_DH_MAX_LEN], s2[IKE_DH_MAX_LEN];
    bool same = ike_dh_shared(a, ike_dh_public(b), len, s1, sizeof s1, err, sizeof err) &&
                ike_dh_shared(b, ike_dh_public(a), len, s2, sizeof s2, err, sizeof err) && memcmp(s1, s2, len) == 0;
    ike_dh_free(a);
    ike_dh_free(b);
    if (!same)
      return (void *)"the two sides disagree";
  }
  return NULL;
}

Test(ike_dh, concurrent_threads)
{
  static const unsigned ids[] = {1, 2, 5, 14, 2, 5};
  pthread_t t[sizeof ids / sizeof ids[0]];
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
    cr_assert_eq(pthread_create(&t[i], NULL, agree_in_thread, (void *)&ids[i]), 0);
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    void *res = NULL;
    pthread_join(t[i], &res);
    cr_expect_null(res, "group %u: %s", ids[i], res ? (const char *)res : "");
  }
}
