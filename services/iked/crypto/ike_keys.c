#include "ike_keys.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_dh.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static bool nonce_ok(const char *which, const uint8_t *n, size_t len, char *err, size_t errlen)
{
  if (n && len >= IKE_NONCE_MIN && len <= IKE_NONCE_MAX)
    return true;
  snprintf(err, errlen, "%s is %zu bytes (must be %d to %d)", which, n ? len : 0, IKE_NONCE_MIN, IKE_NONCE_MAX);
  return false;
}

static bool p1_in_ok(const ike_p1_in_t *in, char *err, size_t errlen)
{
  if (!ike_hash_len(in->hash)) {
    snprintf(err, errlen, "unknown IKE hash %d", (int)in->hash);
    return false;
  }
  if (!in->psk || !in->psk_len) {
    snprintf(err, errlen, "empty pre-shared key");
    return false;
  }
  if (!nonce_ok("Ni_b", in->ni, in->ni_len, err, errlen) || !nonce_ok("Nr_b", in->nr, in->nr_len, err, errlen))
    return false;
  if (!in->gxy || !in->gxy_len || in->gxy_len > IKE_DH_MAX_LEN) {
    snprintf(err, errlen, "g^xy is %zu bytes (must be 1 to %d)", in->gxy ? in->gxy_len : 0, IKE_DH_MAX_LEN);
    return false;
  }
  if (!in->cky_i || !in->cky_r) {
    snprintf(err, errlen, "missing cookie");
    return false;
  }
  return true;
}

bool ike_p1_derive(const ike_p1_in_t *in, ike_p1_keys_t *out, char *err, size_t errlen)
{
  memset(out, 0, sizeof *out);
  if (!p1_in_ok(in, err, errlen))
    return false;
  out->hash = in->hash;
  out->len = ike_hash_len(in->hash);
  ike_hash_t h = in->hash;
  const ike_chunk_t nonces[] = {IKE_CHUNK(in->ni, in->ni_len), IKE_CHUNK(in->nr, in->nr_len)};
  static const uint8_t n0 = 0, n1 = 1, n2 = 2;
  const ike_chunk_t d[] = {IKE_CHUNK(in->gxy, in->gxy_len), IKE_CHUNK(in->cky_i, IKE_COOKIE_LEN),
                           IKE_CHUNK(in->cky_r, IKE_COOKIE_LEN), IKE_CHUNK(&n0, 1)};
  const ike_chunk_t a[] = {IKE_CHUNK(out->skeyid_d, out->len), IKE_CHUNK(in->gxy, in->gxy_len),
                           IKE_CHUNK(in->cky_i, IKE_COOKIE_LEN), IKE_CHUNK(in->cky_r, IKE_COOKIE_LEN),
                           IKE_CHUNK(&n1, 1)};
  const ike_chunk_t e[] = {IKE_CHUNK(out->skeyid_a, out->len), IKE_CHUNK(in->gxy, in->gxy_len),
                           IKE_CHUNK(in->cky_i, IKE_COOKIE_LEN), IKE_CHUNK(in->cky_r, IKE_COOKIE_LEN),
                           IKE_CHUNK(&n2, 1)};
  bool ok = ike_prf(h, in->psk, in->psk_len, nonces, N(nonces), out->skeyid) &&
            ike_prf(h, out->skeyid, out->len, d, N(d), out->skeyid_d) &&
            ike_prf(h, out->skeyid, out->len, a, N(a), out->skeyid_a) &&
            ike_prf(h, out->skeyid, out->len, e, N(e), out->skeyid_e);
  if (!ok) {
    ike_p1_keys_clear(out);
    snprintf(err, errlen, "PRF (HMAC-%s) failed", ike_hash_name(h));
  }
  return ok;
}

void ike_p1_keys_clear(ike_p1_keys_t *k) { OPENSSL_cleanse(k, sizeof *k); }

/* out = first len bytes of K1 | K2 | ..., K1 = prf(key, seed), K(n+1) =
 * prf(key, Kn | seed): Appendix B's expansion (seed 0x00 for K1 only, so
 * `chain_seed` says whether later rounds repeat it) and KEYMAT's. */
static bool expand(ike_hash_t h, const uint8_t *key, size_t key_len, const ike_chunk_t *seed, size_t n_seed,
                   bool chain_seed, uint8_t *out, size_t len)
{
  uint8_t k[IKE_MAX_HASH];
  size_t hl = ike_hash_len(h), done = 0;
  ike_chunk_t parts[8];
  if (n_seed + 1 > N(parts))
    return false;
  bool ok = ike_prf(h, key, key_len, seed, n_seed, k);
  while (ok) {
    size_t take = len - done < hl ? len - done : hl;
    memcpy(out + done, k, take);
    done += take;
    if (done == len)
      break;
    parts[0] = IKE_CHUNK(k, hl);
    size_t n = 1;
    for (size_t i = 0; chain_seed && i < n_seed; i++)
      parts[n++] = seed[i];
    ok = ike_prf(h, key, key_len, parts, n, k);
  }
  OPENSSL_cleanse(k, sizeof k);
  if (!ok)
    OPENSSL_cleanse(out, len);
  return ok;
}

bool ike_p1_enc_key(const ike_p1_keys_t *k, uint8_t *key, size_t key_len)
{
  if (!k->len)
    return false;
  if (key_len <= k->len) {
    memcpy(key, k->skeyid_e, key_len);
    return true;
  }
  static const uint8_t zero = 0;
  const ike_chunk_t seed[] = {IKE_CHUNK(&zero, 1)};
  return expand(k->hash, k->skeyid_e, k->len, seed, N(seed), false, key, key_len);
}

static bool auth_hash(const ike_p1_keys_t *k, const ike_p1_auth_in_t *in, bool initiator, uint8_t *out)
{
  if (!k->len || !in->gxi || !in->gxr || !in->cky_i || !in->cky_r)
    return false;
  const uint8_t *g1 = initiator ? in->gxi : in->gxr, *g2 = initiator ? in->gxr : in->gxi;
  const uint8_t *c1 = initiator ? in->cky_i : in->cky_r, *c2 = initiator ? in->cky_r : in->cky_i;
  const ike_chunk_t parts[] = {IKE_CHUNK(g1, in->gx_len),         IKE_CHUNK(g2, in->gx_len),
                               IKE_CHUNK(c1, IKE_COOKIE_LEN),     IKE_CHUNK(c2, IKE_COOKIE_LEN),
                               IKE_CHUNK(in->sai_b, in->sai_len), IKE_CHUNK(in->id_b, in->id_len)};
  return ike_prf(k->hash, k->skeyid, k->len, parts, N(parts), out);
}

bool ike_hash_i(const ike_p1_keys_t *k, const ike_p1_auth_in_t *in, uint8_t *out)
{
  return auth_hash(k, in, true, out);
}

bool ike_hash_r(const ike_p1_keys_t *k, const ike_p1_auth_in_t *in, uint8_t *out)
{
  return auth_hash(k, in, false, out);
}

/* prf(SKEYID_a, [0x00 |] M-ID | a | b): every phase-2 hash has this shape */
static bool mid_hash(const ike_p1_keys_t *k, bool zero, uint32_t mid, const uint8_t *a, size_t a_len,
                     const uint8_t *b, size_t b_len, uint8_t *out)
{
  if (!k->len)
    return false;
  static const uint8_t z = 0;
  const uint8_t m[4] = {mid >> 24, mid >> 16, mid >> 8, mid};
  const ike_chunk_t parts[] = {IKE_CHUNK(&z, zero ? 1 : 0), IKE_CHUNK(m, 4), IKE_CHUNK(a, a_len),
                               IKE_CHUNK(b, b_len)};
  return ike_prf(k->hash, k->skeyid_a, k->len, parts, N(parts), out);
}

bool ike_qm_hash1(const ike_p1_keys_t *k, uint32_t mid, const uint8_t *rest, size_t rest_len, uint8_t *out)
{
  return mid_hash(k, false, mid, rest, rest_len, NULL, 0, out);
}

bool ike_qm_hash2(const ike_p1_keys_t *k, uint32_t mid, const uint8_t *ni, size_t ni_len, const uint8_t *rest,
                  size_t rest_len, uint8_t *out)
{
  return mid_hash(k, false, mid, ni, ni_len, rest, rest_len, out);
}

bool ike_qm_hash3(const ike_p1_keys_t *k, uint32_t mid, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
                  size_t nr_len, uint8_t *out)
{
  return mid_hash(k, true, mid, ni, ni_len, nr, nr_len, out);
}

bool ike_info_hash(const ike_p1_keys_t *k, uint32_t mid, const uint8_t *rest, size_t rest_len, uint8_t *out)
{
  return mid_hash(k, false, mid, rest, rest_len, NULL, 0, out);
}

bool ike_keymat(const ike_p1_keys_t *k, uint8_t protocol, const ike_keymat_in_t *in, uint8_t *out, size_t len,
                char *err, size_t errlen)
{
  if (!k->len) {
    snprintf(err, errlen, "no phase-1 keys");
    return false;
  }
  if (!in->spi) {
    snprintf(err, errlen, "missing SPI");
    return false;
  }
  if (!nonce_ok("Ni_b", in->ni, in->ni_len, err, errlen) || !nonce_ok("Nr_b", in->nr, in->nr_len, err, errlen))
    return false;
  if ((in->gqm != NULL) != (in->gqm_len != 0) || in->gqm_len > IKE_DH_MAX_LEN) {
    snprintf(err, errlen, "PFS secret is %zu bytes (must be 1 to %d)", in->gqm_len, IKE_DH_MAX_LEN);
    return false;
  }
  const ike_chunk_t seed[] = {IKE_CHUNK(in->gqm, in->gqm_len), IKE_CHUNK(&protocol, 1), IKE_CHUNK(in->spi, 4),
                              IKE_CHUNK(in->ni, in->ni_len), IKE_CHUNK(in->nr, in->nr_len)};
  if (!expand(k->hash, k->skeyid_d, k->len, seed, N(seed), true, out, len)) {
    snprintf(err, errlen, "PRF (HMAC-%s) failed", ike_hash_name(k->hash));
    return false;
  }
  return true;
}

bool ike_child_keys(const ike_p1_keys_t *k, const erx_transform_info_t *xf, const ike_keymat_in_t *in,
                    ike_child_keys_t *out, char *err, size_t errlen)
{
  memset(out, 0, sizeof *out);
  if (xf->enc_key_len > IKE_CHILD_ENC_MAX || xf->auth_key_len > IKE_CHILD_AUTH_MAX) {
    snprintf(err, errlen, "transform %s needs more key material than supported", xf->keyword);
    return false;
  }
  uint8_t km[IKE_CHILD_ENC_MAX + IKE_CHILD_AUTH_MAX];
  size_t need = xf->enc_key_len + xf->auth_key_len;
  uint8_t proto = xf->proto == ERX_PROTO_AH ? IKE_PROTO_AH : IKE_PROTO_ESP;
  bool ok = need == 0 || ike_keymat(k, proto, in, km, need, err, errlen);
  if (ok) {
    memcpy(out->enc, km, xf->enc_key_len);
    out->enc_len = xf->enc_key_len;
    memcpy(out->auth, km + xf->enc_key_len, xf->auth_key_len);
    out->auth_len = xf->auth_key_len;
  }
  OPENSSL_cleanse(km, sizeof km);
  return ok;
}

void ike_child_keys_clear(ike_child_keys_t *ck) { OPENSSL_cleanse(ck, sizeof *ck); }
