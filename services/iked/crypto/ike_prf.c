#include "ike_prf.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "config.pb-c.h"

_Static_assert((int)IKE_HASH_SHA1 == (int)ERX__CFG__IKE_HASH__IKE_HASH_SHA, "IkeHash SHA");
_Static_assert((int)IKE_HASH_MD5 == (int)ERX__CFG__IKE_HASH__IKE_HASH_MD5, "IkeHash MD5");
_Static_assert((int)IKE_HASH_SHA256 == (int)ERX__CFG__IKE_HASH__IKE_HASH_SHA256, "IkeHash SHA256");

static const struct {
  const char *name, *evp;
  size_t len;
} hashes[] = {
    [IKE_HASH_SHA1] = {"sha1", "SHA1", 20},
    [IKE_HASH_MD5] = {"md5", "MD5", 16},
    [IKE_HASH_SHA256] = {"sha2-256", "SHA2-256", 32},
};

static bool known(ike_hash_t h) { return (unsigned)h < sizeof hashes / sizeof hashes[0]; }

size_t ike_hash_len(ike_hash_t h) { return known(h) ? hashes[h].len : 0; }

const char *ike_hash_name(ike_hash_t h) { return known(h) ? hashes[h].name : "?"; }

bool ike_prf(ike_hash_t h, const uint8_t *key, size_t key_len, const ike_chunk_t *parts, size_t n, uint8_t *out)
{
  if (!known(h))
    return false;
  /* fetched per call: no process-wide mutable state, and the provider
   * caches the method, so this costs a lookup rather than a load */
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
  EVP_MAC_free(mac);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)hashes[h].evp, 0),
      OSSL_PARAM_construct_end(),
  };
  /* HMAC accepts an empty key, but EVP_MAC_init wants a non-NULL pointer */
  static const uint8_t empty[1];
  bool ok = ctx && EVP_MAC_init(ctx, key_len ? key : empty, key_len, params) == 1;
  for (size_t i = 0; ok && i < n; i++)
    if (parts[i].len)
      ok = EVP_MAC_update(ctx, parts[i].p, parts[i].len) == 1;
  size_t out_len = 0;
  ok = ok && EVP_MAC_final(ctx, out, &out_len, hashes[h].len) == 1 && out_len == hashes[h].len;
  EVP_MAC_CTX_free(ctx); /* clears the keyed state */
  return ok;
}

bool ike_hash(ike_hash_t h, const ike_chunk_t *parts, size_t n, uint8_t *out)
{
  if (!known(h))
    return false;
  EVP_MD *md = EVP_MD_fetch(NULL, hashes[h].evp, NULL);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  bool ok = md && ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1;
  for (size_t i = 0; ok && i < n; i++)
    if (parts[i].len)
      ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].len) == 1;
  unsigned out_len = 0;
  ok = ok && EVP_DigestFinal_ex(ctx, out, &out_len) == 1 && out_len == hashes[h].len;
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  return ok;
}
