#include "sa_crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ossl_providers.h"

/* ESP payloads are 4-byte aligned even without a block cipher (RFC 4303 §2.4);
 * GCM IVs are 8 bytes (RFC 4106 §3), CBC IVs one block (RFC 2405/2451/3602). */
static const dp_cipher_info_t ciphers[] = {
    {"des", "DES-CBC", DP_ENC_CBC, true, 8, 0, 8, 8, 0},
    {"3des", "DES-EDE3-CBC", DP_ENC_CBC, false, 24, 0, 8, 8, 0},
    {"aes128-cbc", "AES-128-CBC", DP_ENC_CBC, false, 16, 0, 16, 16, 0},
    {"aes256-cbc", "AES-256-CBC", DP_ENC_CBC, false, 32, 0, 16, 16, 0},
    {"aes128-gcm", "AES-128-GCM", DP_ENC_GCM, false, 16, 4, 8, 4, 16},
    {"aes256-gcm", "AES-256-GCM", DP_ENC_GCM, false, 32, 4, 8, 4, 16},
    {"null", NULL, DP_ENC_NULL, false, 0, 0, 0, 4, 0},
};
static const dp_cipher_info_t no_cipher = {NULL, NULL, DP_ENC_NONE, false, 0, 0, 0, 4, 0};

static const dp_mac_info_t macs[] = {
    {"hmac-md5-96", "MD5", 16, 12},
    {"hmac-sha1-96", "SHA1", 20, 12},
    {"hmac-sha256-128", "SHA256", 32, 16},
};

const dp_cipher_info_t *dp_cipher_info(const char *name)
{
  if (!name)
    return &no_cipher;
  for (size_t i = 0; i < sizeof ciphers / sizeof ciphers[0]; i++)
    if (strcmp(ciphers[i].name, name) == 0)
      return &ciphers[i];
  return NULL;
}

const dp_mac_info_t *dp_mac_info(const char *name)
{
  for (size_t i = 0; name && i < sizeof macs / sizeof macs[0]; i++)
    if (strcmp(macs[i].name, name) == 0)
      return &macs[i];
  return NULL;
}

/* the providers are loaded once per process by common/ossl_providers.c */
bool dp_crypto_init(char *err, size_t errlen) { return erx_ossl_providers_init(err, errlen); }

bool dp_crypto_legacy_available(void) { return erx_ossl_legacy_available(); }

void dp_sa_free(dp_sa_t *sa)
{
  if (!sa)
    return;
  EVP_CIPHER_CTX_free(sa->ectx);
  EVP_CIPHER_CTX_free(sa->dctx);
  EVP_MAC_CTX_free(sa->mac_ctx);
  OPENSSL_clear_free(sa, sizeof *sa);
}

static bool setup_cipher(dp_sa_t *sa, const uint8_t *key, size_t key_len, const uint8_t *salt, char *err,
                         size_t errlen)
{
  const dp_cipher_info_t *ci = sa->enc;
  sa->iv_len = ci->iv_len;
  sa->block = ci->block;
  sa->icv_len = ci->icv_len;
  if (ci->mode == DP_ENC_NONE || ci->mode == DP_ENC_NULL)
    return true;
  if (key_len != ci->key_len) {
    snprintf(err, errlen, "%s needs a %u-byte key, got %zu", ci->name, ci->key_len, key_len);
    return false;
  }
  if (ci->legacy && !erx_ossl_legacy_available()) {
    snprintf(err, errlen, "%s needs OpenSSL's legacy provider, which cannot be loaded", ci->name);
    return false;
  }
  EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, ci->evp, NULL);
  if (!cipher) {
    snprintf(err, errlen, "OpenSSL has no %s", ci->evp);
    return false;
  }
  sa->ectx = EVP_CIPHER_CTX_new();
  sa->dctx = EVP_CIPHER_CTX_new();
  bool ok = sa->ectx && sa->dctx && EVP_CipherInit_ex(sa->ectx, cipher, NULL, key, NULL, 1) == 1 &&
            EVP_CipherInit_ex(sa->dctx, cipher, NULL, key, NULL, 0) == 1 &&
            EVP_CIPHER_CTX_set_padding(sa->ectx, 0) == 1 && EVP_CIPHER_CTX_set_padding(sa->dctx, 0) == 1;
  EVP_CIPHER_free(cipher);
  if (!ok) {
    snprintf(err, errlen, "cannot prepare %s", ci->evp);
    return false;
  }
  if (ci->salt_len)
    memcpy(sa->salt, salt, ci->salt_len);
  return true;
}

static bool setup_mac(dp_sa_t *sa, const uint8_t *key, size_t key_len, char *err, size_t errlen)
{
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  sa->mac_ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
  EVP_MAC_free(mac);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)sa->mac->digest, 0),
      OSSL_PARAM_construct_end(),
  };
  /* the key is given here once; dp_mac_begin re-inits with a NULL key,
   * which keeps the precomputed ipad/opad states */
  if (!sa->mac_ctx || EVP_MAC_init(sa->mac_ctx, key, key_len, params) != 1) {
    snprintf(err, errlen, "cannot prepare HMAC-%s", sa->mac->digest);
    return false;
  }
  sa->icv_len = sa->mac->icv_len;
  return true;
}

static dp_sa_t *sa_alloc(char *err, size_t errlen)
{
  if (!dp_crypto_init(err, errlen))
    return NULL;
  dp_sa_t *sa = calloc(1, sizeof *sa);
  if (!sa)
    snprintf(err, errlen, "out of memory");
  else
    sa->iv_pool_pos = DP_IV_POOL;
  return sa;
}

dp_sa_t *dp_sa_new(const erx_transform_info_t *xf, uint32_t spi, const uint8_t *enc_key, size_t enc_key_len,
                   const uint8_t *auth_key, size_t auth_key_len, char *err, size_t errlen)
{
  const dp_cipher_info_t *ci = dp_cipher_info(xf->enc);
  const dp_mac_info_t *mi = dp_mac_info(xf->auth);
  if (!ci || (xf->auth && !mi)) {
    snprintf(err, errlen, "%s: unknown algorithm", xf->keyword);
    return NULL;
  }
  if (enc_key_len != xf->enc_key_len || auth_key_len != xf->auth_key_len) {
    snprintf(err, errlen, "%s needs %u+%u key bytes, got %zu+%zu", xf->keyword, xf->enc_key_len,
             xf->auth_key_len, enc_key_len, auth_key_len);
    return NULL;
  }
  if (ci->mode == DP_ENC_NONE && xf->proto == ERX_PROTO_ESP) {
    snprintf(err, errlen, "%s: ESP without encryption algorithm", xf->keyword);
    return NULL;
  }
  dp_sa_t *sa = sa_alloc(err, errlen);
  if (!sa)
    return NULL;
  sa->xf = xf;
  sa->spi = spi;
  sa->enc = ci;
  sa->mac = mi;
  size_t key_len = enc_key_len - ci->salt_len;
  if (!setup_cipher(sa, enc_key, key_len, enc_key + key_len, err, errlen) ||
      (mi && !setup_mac(sa, auth_key, auth_key_len, err, errlen))) {
    dp_sa_free(sa);
    return NULL;
  }
  return sa;
}

dp_sa_t *dp_sa_new_mac(const char *auth, const uint8_t *key, size_t key_len, char *err, size_t errlen)
{
  const dp_mac_info_t *mi = dp_mac_info(auth);
  dp_sa_t *sa = mi ? sa_alloc(err, errlen) : NULL;
  if (!sa)
    return NULL;
  sa->enc = &no_cipher;
  sa->mac = mi;
  if (!setup_mac(sa, key, key_len, err, errlen)) {
    dp_sa_free(sa);
    return NULL;
  }
  return sa;
}

dp_sa_t *dp_sa_new_cipher(const char *enc, const uint8_t *key, size_t key_len, const uint8_t *salt, char *err,
                          size_t errlen)
{
  const dp_cipher_info_t *ci = dp_cipher_info(enc);
  dp_sa_t *sa = ci ? sa_alloc(err, errlen) : NULL;
  if (!sa)
    return NULL;
  sa->enc = ci;
  if (!setup_cipher(sa, key, key_len, salt, err, errlen)) {
    dp_sa_free(sa);
    return NULL;
  }
  return sa;
}

size_t dp_sa_esp_overhead(const dp_sa_t *sa)
{
  return 8 + sa->iv_len + (sa->block - 1) + 2 + sa->icv_len;
}

bool dp_cbc_crypt(dp_sa_t *sa, bool encrypt, const uint8_t *iv, const uint8_t *in, size_t len, uint8_t *out)
{
  EVP_CIPHER_CTX *ctx = encrypt ? sa->ectx : sa->dctx;
  int n = 0, fin = 0;
  if (sa->enc->mode != DP_ENC_CBC || len % sa->block || len > INT32_MAX)
    return false;
  return EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1) == 1 && EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 &&
         EVP_CipherFinal_ex(ctx, out + n, &fin) == 1 && (size_t)(n + fin) == len;
}

static bool gcm_start(dp_sa_t *sa, EVP_CIPHER_CTX *ctx, const uint8_t iv8[8], const uint8_t *aad, size_t aad_len)
{
  uint8_t nonce[12];
  int n = 0;
  memcpy(nonce, sa->salt, 4);
  memcpy(nonce + 4, iv8, 8);
  return sa->enc->mode == DP_ENC_GCM && aad_len <= INT32_MAX &&
         EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, -1) == 1 &&
         (aad_len == 0 || EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1);
}

bool dp_gcm_seal(dp_sa_t *sa, const uint8_t iv8[8], const uint8_t *aad, size_t aad_len, const uint8_t *in,
                 size_t len, uint8_t *out, uint8_t tag[16])
{
  int n = 0, fin = 0;
  return len <= INT32_MAX && gcm_start(sa, sa->ectx, iv8, aad, aad_len) &&
         (len == 0 || EVP_CipherUpdate(sa->ectx, out, &n, in, (int)len) == 1) &&
         EVP_CipherFinal_ex(sa->ectx, out + n, &fin) == 1 &&
         EVP_CIPHER_CTX_ctrl(sa->ectx, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
}

bool dp_gcm_open(dp_sa_t *sa, const uint8_t iv8[8], const uint8_t *aad, size_t aad_len, const uint8_t *in,
                 size_t len, uint8_t *out, const uint8_t tag[16])
{
  int n = 0, fin = 0;
  return len <= INT32_MAX && gcm_start(sa, sa->dctx, iv8, aad, aad_len) &&
         (len == 0 || EVP_CipherUpdate(sa->dctx, out, &n, in, (int)len) == 1) &&
         EVP_CIPHER_CTX_ctrl(sa->dctx, EVP_CTRL_GCM_SET_TAG, 16, (void *)tag) == 1 &&
         EVP_CipherFinal_ex(sa->dctx, out + n, &fin) == 1;
}

bool dp_next_iv(dp_sa_t *sa, uint8_t *iv)
{
  if (sa->enc->mode == DP_ENC_GCM) {
    if (sa->gcm_iv == UINT64_MAX)
      return false;
    uint64_t v = ++sa->gcm_iv;
    for (int i = 7; i >= 0; i--, v >>= 8)
      iv[i] = (uint8_t)v;
    return true;
  }
  if (sa->iv_len == 0)
    return true;
  if (sa->iv_pool_pos + sa->iv_len > DP_IV_POOL) {
    if (RAND_bytes(sa->iv_pool, DP_IV_POOL) != 1)
      return false;
    sa->iv_pool_pos = 0;
  }
  memcpy(iv, sa->iv_pool + sa->iv_pool_pos, sa->iv_len);
  sa->iv_pool_pos += sa->iv_len;
  return true;
}

bool dp_mac_begin(dp_sa_t *sa) { return sa->mac_ctx && EVP_MAC_init(sa->mac_ctx, NULL, 0, NULL) == 1; }

bool dp_mac_update(dp_sa_t *sa, const uint8_t *p, size_t len) { return EVP_MAC_update(sa->mac_ctx, p, len) == 1; }

bool dp_mac_end(dp_sa_t *sa, uint8_t *icv, bool full)
{
  uint8_t md[EVP_MAX_MD_SIZE];
  size_t n = 0;
  if (EVP_MAC_final(sa->mac_ctx, md, &n, sizeof md) != 1 || n < sa->icv_len)
    return false;
  memcpy(icv, md, full ? n : sa->icv_len);
  return true;
}
