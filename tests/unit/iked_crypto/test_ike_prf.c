/* The PRF and hash dispatch: published HMAC answers (RFC 2202, RFC 4231)
 * through the chunked interface, and the enum mapping. */
#include <criterion/criterion.h>
#include <string.h>

#include "ike_prf.h"

static void check(ike_hash_t h, const char *key, const char *data, const uint8_t *want)
{
  uint8_t out[IKE_MAX_HASH];
  size_t half = strlen(data) / 2;
  /* split in two: the concatenation is what is MACed */
  const ike_chunk_t parts[] = {IKE_CHUNK(data, half), IKE_CHUNK(NULL, 0), IKE_CHUNK(data + half, strlen(data) - half)};
  cr_assert(ike_prf(h, (const uint8_t *)key, strlen(key), parts, 3, out));
  cr_expect(memcmp(out, want, ike_hash_len(h)) == 0, "HMAC-%s", ike_hash_name(h));
}

Test(ike_prf, published_hmac_answers)
{
  /* RFC 2202 §2/§3 test case 2 and RFC 4231 §4.3 (test case 2) */
  static const uint8_t md5[] = {0x75, 0x0c, 0x78, 0x3e, 0x6a, 0xb0, 0xb5, 0x03,
                                0xea, 0xa8, 0x6e, 0x31, 0x0a, 0x5d, 0xb7, 0x38};
  static const uint8_t sha1[] = {0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f, 0xa2, 0xd2, 0x74,
                                 0x16, 0xd5, 0xf1, 0x84, 0xdf, 0x9c, 0x25, 0x9a, 0x7c, 0x79};
  static const uint8_t sha256[] = {0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
                                   0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
                                   0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
  check(IKE_HASH_MD5, "Jefe", "what do ya want for nothing?", md5);
  check(IKE_HASH_SHA1, "Jefe", "what do ya want for nothing?", sha1);
  check(IKE_HASH_SHA256, "Jefe", "what do ya want for nothing?", sha256);
}

Test(ike_prf, hash_table_and_unknown_values)
{
  cr_expect_eq(ike_hash_len(IKE_HASH_MD5), 16);
  cr_expect_eq(ike_hash_len(IKE_HASH_SHA1), 20);
  cr_expect_eq(ike_hash_len(IKE_HASH_SHA256), 32);
  cr_expect_eq(ike_hash_len((ike_hash_t)3), 0);
  cr_expect_str_eq(ike_hash_name((ike_hash_t)3), "?");
  uint8_t out[IKE_MAX_HASH];
  const ike_chunk_t abc[] = {IKE_CHUNK("abc", 3)};
  cr_expect_not(ike_prf((ike_hash_t)3, out, 1, abc, 1, out));
  cr_expect_not(ike_hash((ike_hash_t)-1, abc, 1, out));
  /* FIPS 180 "abc" */
  static const uint8_t sha1_abc[] = {0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
                                     0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d};
  cr_assert(ike_hash(IKE_HASH_SHA1, abc, 1, out));
  cr_expect(memcmp(out, sha1_abc, 20) == 0);
}
