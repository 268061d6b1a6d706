#include "ike_dh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

struct ike_dh {
  const ike_dh_group_t *group;
  EVP_PKEY *pkey;
  uint8_t pub[IKE_DH_MAX_LEN];
};

const ike_dh_group_t *ike_dh_group_of(const ike_dh_t *dh) { return dh->group; }

const uint8_t *ike_dh_public(const ike_dh_t *dh) { return dh->pub; }

unsigned ike_dh_private_bits(const ike_dh_t *dh)
{
  BIGNUM *x = NULL;
  if (EVP_PKEY_get_bn_param(dh->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &x) != 1)
    return 0;
  unsigned bits = (unsigned)BN_num_bits(x);
  BN_clear_free(x);
  return bits;
}

/* 1 < v < p-1 for a big-endian value of exactly the prime's length:
 * memcmp orders equal-length big-endian numbers numerically. */
static bool in_range(const ike_dh_group_t *g, const uint8_t *v)
{
  uint8_t p_minus_1[IKE_DH_MAX_LEN];
  memcpy(p_minus_1, g->prime, g->len);
  p_minus_1[g->len - 1]--; /* every MODP prime ends in 0xFF: no borrow */
  bool above_one = v[g->len - 1] > 1;
  for (size_t i = 0; i + 1 < g->len && !above_one; i++)
    above_one = v[i] != 0;
  return above_one && memcmp(v, p_minus_1, g->len) < 0;
}

bool ike_dh_check_peer(const ike_dh_group_t *g, const uint8_t *y, size_t len, char *err, size_t errlen)
{
  if (len != g->len) {
    snprintf(err, errlen, "DH public value is %zu bytes, group %u (%s) needs %zu", len, g->id, g->name, g->len);
    return false;
  }
  if (!in_range(g, y)) {
    snprintf(err, errlen, "DH public value out of range for group %u (must be 1 < y < p-1)", g->id);
    return false;
  }
  return true;
}

/* An EVP_PKEY of group g with the given public and/or private value (either
 * may be NULL; both NULL gives domain parameters). */
static EVP_PKEY *build_pkey(const ike_dh_group_t *g, const BIGNUM *pub, const BIGNUM *priv)
{
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  BIGNUM *p = BN_bin2bn(g->prime, (int)g->len, NULL);
  BIGNUM *gen = BN_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
  EVP_PKEY *pkey = NULL;
  int selection = priv ? EVP_PKEY_KEYPAIR : pub ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEY_PARAMETERS;
  bool ok = bld && p && gen && ctx && BN_set_word(gen, 2) &&
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) &&
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, gen) &&
            (!pub || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub)) &&
            (!priv || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)) &&
            (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &pkey, selection, params) == 1;
  if (!ok) {
    EVP_PKEY_free(pkey);
    pkey = NULL;
  }
  /* a secure BIGNUM (the private value) is copied into the builder's secure
   * block, which OSSL_PARAM_free clears */
  OSSL_PARAM_free(params);
  EVP_PKEY_CTX_free(ctx);
  BN_free(gen);
  BN_free(p);
  OSSL_PARAM_BLD_free(bld);
  return pkey;
}

/* Takes over pkey: caches the public value, padded to the prime's length. */
static ike_dh_t *wrap(const ike_dh_group_t *g, EVP_PKEY *pkey, char *err, size_t errlen)
{
  BIGNUM *y = NULL;
  ike_dh_t *dh = calloc(1, sizeof *dh);
  if (!dh || EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, &y) != 1 ||
      BN_bn2binpad(y, dh->pub, (int)g->len) != (int)g->len) {
    snprintf(err, errlen, "cannot read the DH public value (group %u)", g->id);
    BN_free(y);
    free(dh);
    EVP_PKEY_free(pkey);
    return NULL;
  }
  BN_free(y);
  dh->group = g;
  dh->pkey = pkey;
  return dh;
}

static const ike_dh_group_t *group_or_err(unsigned id, char *err, size_t errlen)
{
  const ike_dh_group_t *g = ike_dh_group(id);
  if (!g)
    snprintf(err, errlen, "DH group %u is not supported (1, 2, 5 and 14 are)", id);
  return g;
}

ike_dh_t *ike_dh_new(unsigned id, char *err, size_t errlen)
{
  const ike_dh_group_t *g = group_or_err(id, err, errlen);
  if (!g)
    return NULL;
  EVP_PKEY *params = build_pkey(g, NULL, NULL), *pkey = NULL;
  EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL) : NULL;
  /* the exponent size is a generation parameter: OpenSSL 3.0 ignores a
   * length given with the template's domain parameters and would draw
   * p-sized exponents for groups 1 and 2 (the unit test checks the size) */
  int priv_bits = (int)g->priv_bits;
  OSSL_PARAM gen_params[] = {
      OSSL_PARAM_construct_int(OSSL_PKEY_PARAM_DH_PRIV_LEN, &priv_bits),
      OSSL_PARAM_construct_end(),
  };
  bool ok = ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_params(ctx, gen_params) == 1 &&
            EVP_PKEY_generate(ctx, &pkey) == 1;
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(params);
  if (!ok) {
    EVP_PKEY_free(pkey);
    snprintf(err, errlen, "DH key generation failed (group %u)", id);
    return NULL;
  }
  return wrap(g, pkey, err, errlen);
}

ike_dh_t *ike_dh_from_private(unsigned id, const uint8_t *priv, size_t priv_len, char *err, size_t errlen)
{
  const ike_dh_group_t *g = group_or_err(id, err, errlen);
  if (!g)
    return NULL;
  uint8_t x[IKE_DH_MAX_LEN] = {0};
  if (priv_len == 0 || priv_len > g->len) {
    snprintf(err, errlen, "DH private value is %zu bytes, group %u allows 1 to %zu", priv_len, id, g->len);
    return NULL;
  }
  memcpy(x + g->len - priv_len, priv, priv_len);
  bool range_ok = in_range(g, x);
  OPENSSL_cleanse(x, sizeof x);
  if (!range_ok) {
    snprintf(err, errlen, "DH private value out of range for group %u (must be 1 < x < p-1)", id);
    return NULL;
  }
  /* the public value is computed here rather than left to the import
   * (g^x with the secret exponent: in constant time) */
  BN_CTX *bn = BN_CTX_secure_new();
  BIGNUM *p = BN_bin2bn(g->prime, (int)g->len, NULL);
  BIGNUM *two = BN_new(), *y = BN_new();
  BIGNUM *xb = BN_secure_new();
  EVP_PKEY *pkey = NULL;
  if (xb)
    BN_set_flags(xb, BN_FLG_CONSTTIME);
  if (bn && p && two && y && xb && BN_set_word(two, 2) && BN_bin2bn(priv, (int)priv_len, xb) &&
      BN_mod_exp_mont_consttime(y, two, xb, p, bn, NULL))
    pkey = build_pkey(g, y, xb);
  BN_clear_free(xb);
  BN_free(y);
  BN_free(two);
  BN_free(p);
  BN_CTX_free(bn);
  if (!pkey) {
    snprintf(err, errlen, "cannot import the DH private value (group %u)", id);
    return NULL;
  }
  return wrap(g, pkey, err, errlen);
}

void ike_dh_free(ike_dh_t *dh)
{
  if (!dh)
    return;
  EVP_PKEY_free(dh->pkey); /* OpenSSL clears the private value */
  free(dh);
}

bool ike_dh_shared(const ike_dh_t *dh, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t out_cap,
                   char *err, size_t errlen)
{
  const ike_dh_group_t *g = dh->group;
  if (!ike_dh_check_peer(g, peer, peer_len, err, errlen))
    return false;
  if (out_cap < g->len) {
    snprintf(err, errlen, "DH secret needs %zu bytes, buffer has %zu", g->len, out_cap);
    return false;
  }
  BIGNUM *y = BN_bin2bn(peer, (int)peer_len, NULL);
  EVP_PKEY *peer_key = y ? build_pkey(g, y, NULL) : NULL;
  BN_free(y);
  EVP_PKEY_CTX *ctx = peer_key ? EVP_PKEY_CTX_new_from_pkey(NULL, dh->pkey, NULL) : NULL;
  size_t len = g->len;
  /* padded output (RFC 2409 §5: g^xy has the prime's length); the peer was
   * range-checked above, OpenSSL's own check would only repeat it */
  bool ok = ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_CTX_set_dh_pad(ctx, 1) == 1 &&
            EVP_PKEY_derive_set_peer_ex(ctx, peer_key, 0) == 1 && EVP_PKEY_derive(ctx, out, &len) == 1 &&
            len == g->len;
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(peer_key);
  if (!ok) {
    OPENSSL_cleanse(out, out_cap < g->len ? out_cap : g->len);
    snprintf(err, errlen, "DH computation failed (group %u)", g->id);
  }
  return ok;
}
