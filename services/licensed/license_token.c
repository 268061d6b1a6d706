/* Licence key codec (format in license_token.h).  Bytes in, a parsed licence
 * or one precise reason out; nothing here reads files or clocks. */
#include "base64.h"
#include "license_token.h"

#include "lic_err.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

enum {
  SIG_LEN = 64,
  SIG_B64_LEN = 86, /* 64 bytes in unpadded base64url */
  PREFIX_LEN = sizeof LIC_TOKEN_PREFIX - 1,
  PAYLOAD_MAX = 3 * (LIC_TOKEN_MAX / 4) + 2, /* more cannot fit in a token */
  TUNNELS_DIGITS_MAX = 6,
};

static const char PAYLOAD_HEAD[] = "erx-ipsec-license v1;";
static const char TRUNCATED[] = "licence key is truncated";
static const char NOT_OURS[] = "not an erx-ipsec licence key";

const uint32_t lic_tiers[] = {1000, 2000, 4000, 5000};
const size_t lic_ntiers = sizeof lic_tiers / sizeof lic_tiers[0];

/* ---- base64url ---- */

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t lic_b64url_encode(const uint8_t *in, size_t n, char *out) {
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    acc = acc << 8 | in[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out[o++] = B64URL[(acc >> bits) & 63];
    }
  }
  if (bits > 0)
    out[o++] = B64URL[(acc << (6 - bits)) & 63];
  out[o] = '\0';
  return o;
}

/* Decodes n characters already known to be in the alphabet.  Returns the
 * byte count, or -1 if the length is impossible or the encoding is not the
 * canonical one (non-zero leftover bits: another spelling of the same bytes,
 * which would let a changed character pass the signature check). */
static long b64url_decode(const char *in, size_t n, uint8_t *out, size_t cap) {
  if (n % 4 == 1 || n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0) > cap)
    return -1;
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    acc = acc << 6 | (uint32_t)erx_b64_value((unsigned char)in[i], true);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)(acc >> bits);
    }
  }
  if (acc & ((1u << bits) - 1))
    return -1;
  return (long)o;
}

/* ---- fields ---- */

static bool id_ok(const char *s, size_t n) {
  if (n == 0 || n > LIC_ID_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  }
  return true;
}

static bool tier_ok(uint32_t n) {
  for (size_t i = 0; i < lic_ntiers; i++)
    if (lic_tiers[i] == n)
      return true;
  return false;
}

static int digits(const char *s, size_t n, unsigned *v) {
  *v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    *v = *v * 10 + (unsigned)(s[i] - '0');
  }
  return 0;
}

static bool date_ok(const char *s, size_t n) {
  unsigned y, m, d;
  if (n != LIC_DATE_LEN || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &m) ||
      digits(s + 8, 2, &d))
    return false;
  static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 2000 || m < 1 || m > 12 || d < 1)
    return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= mdays[m - 1] + (m == 2 && leap ? 1u : 0u);
}

static int id_error(char *err, size_t errlen) {
  return lic_fail(err, errlen, "licence ID must be 1 to %d letters, digits or '-'", LIC_ID_MAX);
}

static int date_error(const char *s, size_t n, char *err, size_t errlen) {
  return lic_fail(err, errlen, "licence issue date '%.*s' is not a valid date (YYYY-MM-DD)", (int)(n > 16 ? 16 : n), s);
}

static int tier_error(uint32_t n, char *err, size_t errlen) {
  return lic_fail(err, errlen, "unsupported tunnel count %u (licences are for 1000, 2000, 4000 or 5000 tunnels)",
              (unsigned)n);
}

int lic_token_check(const lic_token_t *t, char *err, size_t errlen) {
  size_t idlen = strnlen(t->id, sizeof t->id);
  if (!id_ok(t->id, idlen))
    return id_error(err, errlen);
  if (!tier_ok(t->tunnels))
    return tier_error(t->tunnels, err, errlen);
  size_t dlen = strnlen(t->issued, sizeof t->issued);
  if (!date_ok(t->issued, dlen))
    return date_error(t->issued, dlen, err, errlen);
  return 0;
}

/* Takes "<name>=<value>" off the front of *p (value up to ';' or the end).
 * Returns the value length, or -1 if the name is not there. */
static long take_field(const char **p, const char *end, const char *name, const char **val) {
  size_t nl = strlen(name);
  if ((size_t)(end - *p) < nl + 1 || memcmp(*p, name, nl) != 0 || (*p)[nl] != '=')
    return -1;
  *val = *p + nl + 1;
  const char *stop = memchr(*val, ';', (size_t)(end - *val));
  if (!stop)
    stop = end;
  *p = stop < end ? stop + 1 : end;
  return stop - *val;
}

int lic_payload_parse(const uint8_t *payload, size_t len, lic_token_t *out, char *err, size_t errlen) {
  const char *p = (const char *)payload, *end = p + len;
  size_t hl = sizeof PAYLOAD_HEAD - 1;
  if (len < hl || memcmp(p, PAYLOAD_HEAD, hl) != 0)
    return lic_fail(err, errlen, "licence payload is not an erx-ipsec licence v1");
  p += hl;
  lic_token_t t = {0};
  const char *v;
  long n = take_field(&p, end, "id", &v);
  if (n < 0)
    return lic_fail(err, errlen, "licence payload lacks its ID");
  if (!id_ok(v, (size_t)n))
    return id_error(err, errlen);
  memcpy(t.id, v, (size_t)n);

  n = take_field(&p, end, "tunnels", &v);
  if (n < 0)
    return lic_fail(err, errlen, "licence payload lacks its tunnel count");
  unsigned tunnels;
  if (n == 0 || n > TUNNELS_DIGITS_MAX || digits(v, (size_t)n, &tunnels) != 0 || (v[0] == '0'))
    return lic_fail(err, errlen, "licence tunnel count '%.*s' is not a number", (int)(n > 16 ? 16 : n), v);
  if (!tier_ok(tunnels))
    return tier_error(tunnels, err, errlen);
  t.tunnels = tunnels;

  n = take_field(&p, end, "issued", &v);
  if (n < 0)
    return lic_fail(err, errlen, "licence payload lacks its issue date");
  if (p != end || v + n != end)
    return lic_fail(err, errlen, "licence payload has unexpected fields after the issue date");
  if (!date_ok(v, (size_t)n))
    return date_error(v, (size_t)n, err, errlen);
  memcpy(t.issued, v, LIC_DATE_LEN);
  *out = t;
  return 0;
}

/* ---- signature ---- */

static bool is_ed25519(EVP_PKEY *k) { return k && EVP_PKEY_is_a(k, "ED25519"); }

static bool ed25519_verify(EVP_PKEY *pub, const uint8_t *msg, size_t n, const uint8_t *sig) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pub) == 1 &&
            EVP_DigestVerify(ctx, sig, SIG_LEN, msg, n) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

static bool ed25519_sign(EVP_PKEY *priv, const uint8_t *msg, size_t n, uint8_t *sig) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  size_t siglen = SIG_LEN;
  bool ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, priv) == 1 &&
            EVP_DigestSign(ctx, sig, &siglen, msg, n) == 1 && siglen == SIG_LEN;
  EVP_MD_CTX_free(ctx);
  return ok;
}

/* ---- token ---- */

int lic_token_verify(const char *tok, size_t len, EVP_PKEY *vendor, lic_token_t *out, char *err, size_t errlen) {
  if (len == 0)
    return lic_fail(err, errlen, "licence key is empty");
  if (len > LIC_TOKEN_MAX)
    return lic_fail(err, errlen, "licence key is too long (%zu characters; at most %d)", len, LIC_TOKEN_MAX);
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)tok[i] <= ' ' || (unsigned char)tok[i] >= 0x7f)
      return lic_fail(err, errlen, "licence key contains a space or an unprintable character (at position %zu)",
                  i + 1);
  if (len < PREFIX_LEN)
    return lic_fail(err, errlen, "%s", memcmp(tok, LIC_TOKEN_PREFIX, len) == 0 ? TRUNCATED : NOT_OURS);
  if (memcmp(tok, LIC_TOKEN_PREFIX, PREFIX_LEN) != 0)
    return lic_fail(err, errlen, "%s", NOT_OURS);

  const char *body = tok + PREFIX_LEN, *end = tok + len;
  const char *dot = memchr(body, '.', (size_t)(end - body));
  const char *sig64 = dot ? dot + 1 : end;
  for (const char *c = body; c < end; c++)
    if (c != dot && erx_b64_value((unsigned char)*c, true) < 0)
      return lic_fail(err, errlen, "licence key is corrupted: '%c' at position %zu does not belong there", *c,
                  (size_t)(c - tok) + 1);
  if (!dot || (size_t)(end - sig64) < SIG_B64_LEN)
    return lic_fail(err, errlen, "%s", TRUNCATED);
  if ((size_t)(end - sig64) > SIG_B64_LEN)
    return lic_fail(err, errlen, "licence key is corrupted: %zu characters after the signature",
                (size_t)(end - sig64) - SIG_B64_LEN);

  uint8_t payload[PAYLOAD_MAX], sig[SIG_LEN];
  long plen = b64url_decode(body, (size_t)(dot - body), payload, sizeof payload);
  if (plen <= 0)
    return lic_fail(err, errlen, "licence key is corrupted: its licence part is not valid base64url");
  if (b64url_decode(sig64, SIG_B64_LEN, sig, sizeof sig) != SIG_LEN)
    return lic_fail(err, errlen, "licence key is corrupted: its signature is not valid base64url");
  if (!is_ed25519(vendor))
    return lic_fail(err, errlen, "no Ed25519 vendor key to check the licence against");
  if (!ed25519_verify(vendor, payload, (size_t)plen, sig))
    return lic_fail(err, errlen, "signature does not match: tampered, or signed by another vendor");
  return lic_payload_parse(payload, (size_t)plen, out, err, errlen);
}

int lic_token_mint(const lic_token_t *t, EVP_PKEY *signer, char *out, size_t cap, char *err, size_t errlen) {
  if (lic_token_check(t, err, errlen) != 0)
    return -1;
  if (!is_ed25519(signer))
    return lic_fail(err, errlen, "the signing key is not an Ed25519 key");
  char payload[PAYLOAD_MAX];
  int plen = snprintf(payload, sizeof payload, "%sid=%s;tunnels=%u;issued=%s", PAYLOAD_HEAD, t->id,
                      (unsigned)t->tunnels, t->issued);
  uint8_t sig[SIG_LEN];
  if (plen < 0 || (size_t)plen >= sizeof payload)
    return lic_fail(err, errlen, "licence payload too long");
  if (!ed25519_sign(signer, (const uint8_t *)payload, (size_t)plen, sig))
    return lic_fail(err, errlen, "Ed25519 signing failed (is the signing key a private key?)");
  char p64[4 * (PAYLOAD_MAX / 3 + 1) + 1], s64[4 * (SIG_LEN / 3 + 1) + 1];
  lic_b64url_encode((const uint8_t *)payload, (size_t)plen, p64);
  lic_b64url_encode(sig, SIG_LEN, s64);
  int n = snprintf(out, cap, "%s%s.%s", LIC_TOKEN_PREFIX, p64, s64);
  if (n < 0 || (size_t)n >= cap || n > LIC_TOKEN_MAX)
    return lic_fail(err, errlen, "licence key does not fit in %zu characters", cap ? cap - 1 : 0);
  return n;
}

EVP_PKEY *lic_key_from_pem(const char *pem, size_t len, bool priv, char *err, size_t errlen) {
  if (len > 16384 || len > (size_t)INT32_MAX) {
    lic_fail(err, errlen, "key file too large to be a PEM key");
    return NULL;
  }
  BIO *bio = BIO_new_mem_buf(pem, (int)len);
  EVP_PKEY *k = NULL;
  if (bio)
    k = priv ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
  BIO_free(bio);
  ERR_clear_error(); /* a daemon must not carry a stale error into the next call */
  if (!k) {
    lic_fail(err, errlen, "not a PEM %s key", priv ? "private" : "public");
    return NULL;
  }
  if (!is_ed25519(k)) {
    EVP_PKEY_free(k);
    lic_fail(err, errlen, "not an Ed25519 key (licences are signed with Ed25519)");
    return NULL;
  }
  return k;
}
