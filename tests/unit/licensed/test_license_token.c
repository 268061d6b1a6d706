/* The licence key codec: what it accepts, and that every damaged, truncated
 * or foreign key is refused with the reason an operator needs. */
#include <criterion/criterion.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>

#include "lic_test_keys.h"
#include "license_token.h"

static EVP_PKEY *lab_pub, *lab_priv;

static void setup(void) {
  lab_pub = lt_lab_key(false);
  lab_priv = lt_lab_key(true);
}

static void teardown(void) {
  EVP_PKEY_free(lab_pub);
  EVP_PKEY_free(lab_priv);
}

TestSuite(license_token, .init = setup, .fini = teardown);

static int verify(const char *tok, size_t len, lic_token_t *out, char *err, size_t errlen) {
  return lic_token_verify(tok, len, lab_pub, out, err, errlen);
}

/* A token over an arbitrary payload, signed by the lab key: how a vendor
 * with a buggy minter could produce fields the codec must still refuse. */
enum { RAW_MAX = 1024 };
static void sign_raw(const char *payload, char tok[RAW_MAX]) {
  uint8_t sig[64];
  size_t siglen = sizeof sig;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  cr_assert(EVP_DigestSignInit(ctx, NULL, NULL, NULL, lab_priv) == 1);
  cr_assert(EVP_DigestSign(ctx, sig, &siglen, (const uint8_t *)payload, strlen(payload)) == 1);
  EVP_MD_CTX_free(ctx);
  char p64[600], s64[100];
  lic_b64url_encode((const uint8_t *)payload, strlen(payload), p64);
  lic_b64url_encode(sig, siglen, s64);
  snprintf(tok, RAW_MAX, "ERXL1.%s.%s", p64, s64);
}

static void expect_refused(const char *tok, size_t len, const char *want) {
  lic_token_t t;
  char err[256] = "";
  cr_assert_eq(verify(tok, len, &t, err, sizeof err), -1, "accepted: %.*s", (int)len, tok);
  cr_assert_str_eq(err, want, "key %.*s", (int)len, tok);
}

static void expect_payload_refused(const char *payload, const char *want) {
  char tok[RAW_MAX];
  sign_raw(payload, tok);
  expect_refused(tok, strlen(tok), want);
}

Test(license_token, round_trip_every_tier) {
  for (size_t i = 0; i < lic_ntiers; i++) {
    char tok[LIC_TOKEN_MAX + 1], err[256];
    size_t n = lt_mint(lab_priv, "LAB-0001", lic_tiers[i], "2025-01-15", tok);
    cr_assert_eq(strlen(tok), n);
    cr_assert(n <= LIC_TOKEN_MAX);
    cr_assert_eq(strncmp(tok, "ERXL1.", 6), 0);
    for (size_t k = 0; k < n; k++)
      cr_assert(tok[k] > ' ' && tok[k] < 0x7f);
    lic_token_t t;
    cr_assert_eq(verify(tok, n, &t, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(t.id, "LAB-0001");
    cr_assert_eq(t.tunnels, lic_tiers[i]);
    cr_assert_str_eq(t.issued, "2025-01-15");
  }
}

Test(license_token, longest_id_fits) {
  char tok[LIC_TOKEN_MAX + 1], err[256];
  const char *id = "abcdefghijklmnopqrstuvwxyz-01234"; /* 32 */
  size_t n = lt_mint(lab_priv, id, 5000, "2099-12-31", tok);
  lic_token_t t;
  cr_assert_eq(verify(tok, n, &t, err, sizeof err), 0, "%s", err);
  cr_assert_str_eq(t.id, id);
}

/* Every character replaced by every other byte value: never accepted. */
Test(license_token, every_single_character_flip_is_refused) {
  char tok[LIC_TOKEN_MAX + 1], err[256];
  size_t n = lt_mint(lab_priv, "LAB-0001", 1000, "2025-01-15", tok);
  size_t tried = 0;
  for (size_t i = 0; i < n; i++) {
    char orig = tok[i];
    for (int c = 1; c < 256; c++) {
      if ((char)c == orig)
        continue;
      tok[i] = (char)c;
      lic_token_t t;
      cr_assert_eq(verify(tok, n, &t, err, sizeof err), -1, "flip at %zu to 0x%02x accepted", i, c);
      tried++;
    }
    tok[i] = orig;
  }
  cr_assert_eq(verify(tok, n, &(lic_token_t){0}, err, sizeof err), 0);
  cr_assert_eq(tried, n * 254);
}

Test(license_token, truncation_at_every_length_is_refused) {
  char tok[LIC_TOKEN_MAX + 1];
  size_t n = lt_mint(lab_priv, "LAB-0001", 2000, "2025-01-15", tok);
  expect_refused(tok, 0, "licence key is empty");
  for (size_t len = 1; len < n; len++)
    expect_refused(tok, len, "licence key is truncated");
}

Test(license_token, another_signer_is_refused) {
  EVP_PKEY *other = lt_other_key();
  char tok[LIC_TOKEN_MAX + 1], err[256];
  size_t n = lt_mint(other, "OTHER-1", 5000, "2025-01-15", tok);
  expect_refused(tok, n, "signature does not match: tampered, or signed by another vendor");
  /* and the lab's keys are foreign to a licensed built for that vendor */
  n = lt_mint(lab_priv, "LAB-0001", 1000, "2025-01-15", tok);
  lic_token_t t;
  cr_assert_eq(lic_token_verify(tok, n, other, &t, err, sizeof err), -1);
  cr_assert_str_eq(err, "signature does not match: tampered, or signed by another vendor");
  EVP_PKEY_free(other);
}

Test(license_token, payload_fields_are_checked_after_the_signature) {
  const char *ok = "erx-ipsec-license v1;id=LAB-1;tunnels=4000;issued=2024-02-29";
  char tok[RAW_MAX], err[256];
  sign_raw(ok, tok);
  lic_token_t t;
  cr_assert_eq(verify(tok, strlen(tok), &t, err, sizeof err), 0, "%s", err);
  cr_assert_eq(t.tunnels, 4000);

  expect_payload_refused("erx-ipsec-license v1;id=LAB-1;tunnels=3000;issued=2024-01-01",
                         "unsupported tunnel count 3000 (licences are for 1000, 2000, 4000 or 5000 tunnels)");
  expect_payload_refused("erx-ipsec-license v1;id=LAB-1;tunnels=01000;issued=2024-01-01",
                         "licence tunnel count '01000' is not a number");
  expect_payload_refused("erx-ipsec-license v1;id=LAB-1;tunnels=1e3;issued=2024-01-01",
                         "licence tunnel count '1e3' is not a number");
  expect_payload_refused("erx-ipsec-license v1;id=LAB-1;tunnels=9999999;issued=2024-01-01",
                         "licence tunnel count '9999999' is not a number");
  expect_payload_refused("erx-ipsec-license v1;id=;tunnels=1000;issued=2024-01-01",
                         "licence ID must be 1 to 32 letters, digits or '-'");
  expect_payload_refused("erx-ipsec-license v1;id=LAB_1;tunnels=1000;issued=2024-01-01",
                         "licence ID must be 1 to 32 letters, digits or '-'");
  expect_payload_refused("erx-ipsec-license v1;id=abcdefghijklmnopqrstuvwxyz-012345;tunnels=1000;issued=2024-01-01",
                         "licence ID must be 1 to 32 letters, digits or '-'");
  expect_payload_refused("erx-ipsec-license v1;id=LAB-1;tunnels=1000;issued=2023-02-29",
                         "licence issue date '2023-02-29' is not a valid date (YYYY-MM-DD)");
  expect_payload_refused("erx-ipsec-license v1;id=LAB-1;tunnels=1000;issued=2100-02-29",
                         "licence issue date '2100-02-29' is not a valid date (YYYY-MM-DD)");
  expect_payload_refused("erx-ipsec-license v1;id=LAB-1;tunnels=1000;issued=2024-13-01",
                         "licence issue date '2024-13-01' is not a valid date (YYYY-MM-DD)");
  expect_payload_refused("erx-ipsec-license v1;id=LAB-1;tunnels=1000;issued=2024-04-31",
                         "licence issue date '2024-04-31' is not a valid date (YYYY-MM-DD)");
  expect_payload_refused("erx-ipsec-license v1;id=LAB-1;tunnels=1000;issued=1999-12-31",
                         "licence issue date '1999-12-31' is not a valid date (YYYY-MM-DD)");
  expect_payload_refused("erx-ipsec-license v1;id=LAB-1;tunnels=1000;issued=2024-1-01",
                         "licence issue date '2024-1-01' is not a valid date (YYYY-MM-DD)");
  expect_payload_refused("erx-ipsec-license v1;id=LAB-1;tunnels=1000;issued=2024-01-01;x=1",
                         "licence payload has unexpected fields after the issue date");
  expect_payload_refused("erx-ipsec-license v1;id=LAB-1;tunnels=1000", "licence payload lacks its issue date");
  expect_payload_refused("erx-ipsec-license v1;id=LAB-1", "licence payload lacks its tunnel count");
  expect_payload_refused("erx-ipsec-license v1;", "licence payload lacks its ID");
  expect_payload_refused("erx-ipsec-license v1;tunnels=1000;id=LAB-1;issued=2024-01-01",
                         "licence payload lacks its ID");
  expect_payload_refused("erx-ipsec-license v1;id=LAB-1;issued=2024-01-01;tunnels=1000",
                         "licence payload lacks its tunnel count");
  expect_payload_refused("erx-ipsec-license v2;id=LAB-1;tunnels=1000;issued=2024-01-01",
                         "licence payload is not an erx-ipsec licence v1");
}

Test(license_token, structure_errors_are_precise) {
  char tok[LIC_TOKEN_MAX + 64];
  size_t n = lt_mint(lab_priv, "LAB-0001", 1000, "2025-01-15", tok);

  expect_refused("hello", 5, "not an erx-ipsec licence key");
  expect_refused("ERXL2.abc.def", 13, "not an erx-ipsec licence key");
  expect_refused("ERXL1.ab cd", 11, "licence key contains a space or an unprintable character (at position 9)");

  char big[LIC_TOKEN_MAX + 2];
  memset(big, 'A', sizeof big);
  expect_refused(big, sizeof big, "licence key is too long (514 characters; at most 512)");

  char t2[LIC_TOKEN_MAX + 64];
  memcpy(t2, tok, n);
  memcpy(t2 + n, "AA", 3);
  expect_refused(t2, n + 2, "licence key is corrupted: 2 characters after the signature");

  /* Changing only the unused low bits of the last character: the same
   * bytes in another spelling, refused as not canonical. */
  memcpy(t2, tok, n + 1);
  char last = t2[n - 1];
  t2[n - 1] = last == 'A' ? 'B' : 'A';
  lic_token_t t;
  char err[256];
  cr_assert_eq(verify(t2, n, &t, err, sizeof err), -1);

  memcpy(t2, tok, n + 1);
  t2[10] = '+';
  expect_refused(t2, n, "licence key is corrupted: '+' at position 11 does not belong there");

  expect_refused("ERXL1..AAAA", 11, "licence key is truncated");
}

Test(license_token, minting_checks_fields) {
  char out[LIC_TOKEN_MAX + 1], err[256];
  lic_token_t t = {.id = "LAB-1", .tunnels = 2500, .issued = "2025-01-15"};
  cr_assert_eq(lic_token_mint(&t, lab_priv, out, sizeof out, err, sizeof err), -1);
  cr_assert_str_eq(err, "unsupported tunnel count 2500 (licences are for 1000, 2000, 4000 or 5000 tunnels)");
  t.tunnels = 1000;
  snprintf(t.issued, sizeof t.issued, "2025-02-30");
  cr_assert_eq(lic_token_mint(&t, lab_priv, out, sizeof out, err, sizeof err), -1);
  cr_assert_str_eq(err, "licence issue date '2025-02-30' is not a valid date (YYYY-MM-DD)");
  snprintf(t.issued, sizeof t.issued, "2025-02-28");
  cr_assert_eq(lic_token_mint(&t, lab_pub, out, sizeof out, err, sizeof err), -1, "a public key cannot sign");
  cr_assert_gt(lic_token_mint(&t, lab_priv, out, sizeof out, err, sizeof err), 0);
}

static char *pem_of(EVP_PKEY *k, bool priv) {
  BIO *b = BIO_new(BIO_s_mem());
  cr_assert(priv ? PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) : PEM_write_bio_PUBKEY(b, k));
  char *data;
  long n = BIO_get_mem_data(b, &data);
  char *s = strndup(data, (size_t)n);
  BIO_free(b);
  return s;
}

Test(license_token, vendor_keys_must_be_ed25519_pem) {
  char err[256];
  cr_assert_null(lic_key_from_pem("junk", 4, false, err, sizeof err));
  cr_assert_str_eq(err, "not a PEM public key");

  char *priv = pem_of(lab_priv, true);
  cr_assert_null(lic_key_from_pem(priv, strlen(priv), false, err, sizeof err), "a private key is not a public key");
  EVP_PKEY *k = lic_key_from_pem(priv, strlen(priv), true, err, sizeof err);
  cr_assert_not_null(k, "%s", err);
  EVP_PKEY_free(k);
  free(priv);

  EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  cr_assert_not_null(ec);
  char *ecpem = pem_of(ec, false);
  cr_assert_null(lic_key_from_pem(ecpem, strlen(ecpem), false, err, sizeof err));
  cr_assert_str_eq(err, "not an Ed25519 key (licences are signed with Ed25519)");
  free(ecpem);
  EVP_PKEY_free(ec);

  cr_assert_null(lic_key_load("/nonexistent/key.pem", false, err, sizeof err));
  cr_assert(strstr(err, "cannot open /nonexistent/key.pem"), "%s", err);
}

Test(license_token, base64url_vectors) {
  char out[16];
  cr_assert_eq(lic_b64url_encode((const uint8_t *)"f", 1, out), 2);
  cr_assert_str_eq(out, "Zg");
  lic_b64url_encode((const uint8_t *)"fo", 2, out);
  cr_assert_str_eq(out, "Zm8");
  lic_b64url_encode((const uint8_t *)"foo", 3, out);
  cr_assert_str_eq(out, "Zm9v");
  lic_b64url_encode((const uint8_t[]){0xfb, 0xff}, 2, out);
  cr_assert_str_eq(out, "-_8");
}
