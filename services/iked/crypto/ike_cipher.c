#include "ike_cipher.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "config.pb-c.h"
#include "ossl_providers.h"

_Static_assert((int)IKE_ENC_3DES == (int)ERX__CFG__IKE_ENCRYPTION__IKE_ENC_3DES, "IkeEncryption 3DES");
_Static_assert((int)IKE_ENC_DES == (int)ERX__CFG__IKE_ENCRYPTION__IKE_ENC_DES, "IkeEncryption DES");
_Static_assert((int)IKE_ENC_AES128 == (int)ERX__CFG__IKE_ENCRYPTION__IKE_ENC_AES128, "IkeEncryption AES128");
_Static_assert((int)IKE_ENC_AES192 == (int)ERX__CFG__IKE_ENCRYPTION__IKE_ENC_AES192, "IkeEncryption AES192");
_Static_assert((int)IKE_ENC_AES256 == (int)ERX__CFG__IKE_ENCRYPTION__IKE_ENC_AES256, "IkeEncryption AES256");

/* RFC 2409 Appendix A (DES, 3DES) and RFC 3602 (AES-CBC, with the Key
 * Length attribute of RFC 2409 Appendix A) */
static const struct {
  const char *name, *evp;
  size_t key_len, block;
  bool legacy; /* single DES lives in OpenSSL's legacy provider */
} encs[] = {
    [IKE_ENC_3DES] = {"3des-cbc", "DES-EDE3-CBC", 24, 8, false},
    [IKE_ENC_DES] = {"des-cbc", "DES-CBC", 8, 8, true},
    [IKE_ENC_AES128] = {"aes128-cbc", "AES-128-CBC", 16, 16, false},
    [IKE_ENC_AES192] = {"aes192-cbc", "AES-192-CBC", 24, 16, false},
    [IKE_ENC_AES256] = {"aes256-cbc", "AES-256-CBC", 32, 16, false},
};

struct ike_cipher {
  size_t block;
  EVP_CIPHER_CTX *ectx, *dctx; /* keyed once; each message sets only the IV */
};

static bool known(ike_enc_t e) { return (unsigned)e < sizeof encs / sizeof encs[0]; }

size_t ike_enc_key_len(ike_enc_t e) { return known(e) ? encs[e].key_len : 0; }

size_t ike_enc_block(ike_enc_t e) { return known(e) ? encs[e].block : 0; }

const char *ike_enc_name(ike_enc_t e) { return known(e) ? encs[e].name : "?"; }

void ike_cipher_free(ike_cipher_t *c)
{
  if (!c)
    return;
  EVP_CIPHER_CTX_free(c->ectx); /* clears the key schedule */
  EVP_CIPHER_CTX_free(c->dctx);
  free(c);
}

ike_cipher_t *ike_cipher_new(ike_enc_t e, const uint8_t *key, size_t key_len, char *err, size_t errlen)
{
  if (!known(e)) {
    snprintf(err, errlen, "unknown IKE encryption %d", (int)e);
    return NULL;
  }
  if (key_len != encs[e].key_len) {
    snprintf(err, errlen, "%s needs a %zu-byte key, got %zu", encs[e].name, encs[e].key_len, key_len);
    return NULL;
  }
  if (!erx_ossl_providers_init(err, errlen))
    return NULL;
  if (encs[e].legacy && !erx_ossl_legacy_available()) {
    snprintf(err, errlen, "%s needs OpenSSL's legacy provider, which cannot be loaded", encs[e].name);
    return NULL;
  }
  EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, encs[e].evp, NULL);
  ike_cipher_t *c = cipher ? calloc(1, sizeof *c) : NULL;
  if (c) {
    c->block = encs[e].block;
    c->ectx = EVP_CIPHER_CTX_new();
    c->dctx = EVP_CIPHER_CTX_new();
  }
  /* padding is ours (zeros), not PKCS#7 */
  bool ok = c && c->ectx && c->dctx && EVP_CipherInit_ex(c->ectx, cipher, NULL, key, NULL, 1) == 1 &&
            EVP_CipherInit_ex(c->dctx, cipher, NULL, key, NULL, 0) == 1 &&
            EVP_CIPHER_CTX_set_padding(c->ectx, 0) == 1 && EVP_CIPHER_CTX_set_padding(c->dctx, 0) == 1;
  EVP_CIPHER_free(cipher);
  if (!ok) {
    ike_cipher_free(c);
    snprintf(err, errlen, "cannot prepare %s", encs[e].name);
    return NULL;
  }
  return c;
}

size_t ike_cipher_block(const ike_cipher_t *c) { return c->block; }

size_t ike_cipher_padded_len(const ike_cipher_t *c, size_t len) { return (len + c->block - 1) / c->block * c->block; }

/* One CBC pass over whole blocks with the given IV, in place allowed. */
static bool cbc(EVP_CIPHER_CTX *ctx, const ike_iv_t *iv, const uint8_t *in, size_t len, uint8_t *out)
{
  int n = 0, fin = 0;
  return len <= INT_MAX && EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv->b, -1) == 1 &&
         EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 && EVP_CipherFinal_ex(ctx, out + n, &fin) == 1 &&
         (size_t)n + (size_t)fin == len;
}

static bool iv_ok(const ike_cipher_t *c, const ike_iv_t *iv, char *err, size_t errlen)
{
  if (iv->len == c->block)
    return true;
  snprintf(err, errlen, "IV is %zu bytes, the cipher's block is %zu", iv->len, c->block);
  return false;
}

bool ike_cipher_encrypt(ike_cipher_t *c, const ike_iv_t *iv, const uint8_t *in, size_t len, uint8_t *out,
                        size_t out_cap, size_t *out_len, ike_iv_t *next, char *err, size_t errlen)
{
  size_t padded = ike_cipher_padded_len(c, len);
  if (!iv_ok(c, iv, err, errlen))
    return false;
  if (len == 0) {
    snprintf(err, errlen, "nothing to encrypt");
    return false;
  }
  if (out_cap < padded) {
    snprintf(err, errlen, "%zu bytes encrypt to %zu, buffer has %zu", len, padded, out_cap);
    return false;
  }
  memmove(out, in, len);
  memset(out + len, 0, padded - len);
  ike_iv_t iv_in = *iv; /* next may alias iv */
  if (!cbc(c->ectx, &iv_in, out, padded, out)) {
    OPENSSL_cleanse(out, padded);
    snprintf(err, errlen, "encryption failed");
    return false;
  }
  *out_len = padded;
  *next = (ike_iv_t){.len = c->block};
  ike_iv_chain(next, out, padded);
  return true;
}

bool ike_cipher_decrypt(ike_cipher_t *c, const ike_iv_t *iv, const uint8_t *in, size_t len, uint8_t *out,
                        ike_iv_t *next, char *err, size_t errlen)
{
  if (!iv_ok(c, iv, err, errlen))
    return false;
  if (len == 0 || len % c->block) {
    snprintf(err, errlen, "encrypted part is %zu bytes, not a whole number of %zu-byte blocks", len, c->block);
    return false;
  }
  /* the last ciphertext block is saved before an in-place decryption
   * overwrites it */
  ike_iv_t iv_in = *iv, after = {.len = c->block};
  ike_iv_chain(&after, in, len);
  if (!cbc(c->dctx, &iv_in, in, len, out)) {
    OPENSSL_cleanse(out, len);
    snprintf(err, errlen, "decryption failed");
    return false;
  }
  *next = after;
  return true;
}
