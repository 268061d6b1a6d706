/* The IPsec tunnel licence key: codec and signature check, no I/O.
 *
 * A key is one printable line without spaces, at most LIC_TOKEN_MAX
 * characters:
 *
 *   ERXL1.<base64url(payload)>.<base64url(signature)>
 *
 * base64url is RFC 4648 §5 without padding, and only its canonical form is
 * accepted (the unused low bits of the last character are zero), so no two
 * spellings carry the same bytes.  The signature is Ed25519 (64 bytes, 86
 * characters) over the payload bytes exactly as decoded.  The payload is
 * ASCII, fields in this order and nothing else:
 *
 *   erx-ipsec-license v1;id=<ID>;tunnels=<N>;issued=<YYYY-MM-DD>
 *
 * ID: 1 to 32 of [A-Za-z0-9-]; N: 1000, 2000, 4000 or 5000 in decimal
 * without leading zeros; issued: a real calendar date, years 2000-9999.
 *
 * The signature is checked before the payload is parsed: a payload is read
 * only once it is known to come from the vendor.  Every refusal names its
 * reason in words an operator can act on ("licence key is truncated",
 * "signature does not match: ..."). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#define LIC_TOKEN_MAX 512
#define LIC_ID_MAX 32
#define LIC_DATE_LEN 10
#define LIC_TOKEN_PREFIX "ERXL1."

typedef struct lic_token {
  char id[LIC_ID_MAX + 1];
  uint32_t tunnels;
  char issued[LIC_DATE_LEN + 1]; /* YYYY-MM-DD */
} lic_token_t;

/* The tunnel counts a licence may carry, ascending. */
extern const uint32_t lic_tiers[];
extern const size_t lic_ntiers;

/* Checks the fields a minter is about to sign.  0, or -1 with err. */
int lic_token_check(const lic_token_t *t, char *err, size_t errlen);

/* Parses a payload (the signed text).  0, or -1 with err. */
int lic_payload_parse(const uint8_t *payload, size_t len, lic_token_t *out, char *err, size_t errlen);

/* Verifies tok[0..len) against the vendor's Ed25519 public key and parses it.
 * 0, or -1 with err; out is written only on success. */
int lic_token_verify(const char *tok, size_t len, EVP_PKEY *vendor, lic_token_t *out, char *err, size_t errlen);

/* Signs t with the vendor's Ed25519 private key into out (NUL-terminated;
 * cap >= LIC_TOKEN_MAX + 1 always suffices).  Returns the token length, or
 * -1 with err. */
int lic_token_mint(const lic_token_t *t, EVP_PKEY *signer, char *out, size_t cap, char *err, size_t errlen);

/* An Ed25519 key from PEM text in memory: a public key ("PUBLIC KEY") when
 * priv is false, a private key when true.  NULL with err otherwise. */
EVP_PKEY *lic_key_from_pem(const char *pem, size_t len, bool priv, char *err, size_t errlen);

/* base64url without padding; out must hold 4 * ceil(n / 3) + 1.  Returns
 * the length written (NUL-terminated). */
size_t lic_b64url_encode(const uint8_t *in, size_t n, char *out);
