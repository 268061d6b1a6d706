/* Known-answer vectors for every cipher and MAC, run through sa_crypto's
 * per-SA contexts (the same code the codecs use).  Each vector names its
 * source; none is computed here. */
#include <criterion/criterion.h>
#include <string.h>

#include "dp_test_util.h"
#include "esp_codec.h"
#include "sa_crypto.h"

typedef struct {
  const char *src;
  const char *key;       /* hex, or NULL: key_byte * key_len */
  uint8_t key_byte;
  size_t key_len;
  const char *data;      /* ASCII, or NULL: data_byte * data_len */
  uint8_t data_byte;
  size_t data_len;
  const char *digest;
} mac_vec_t;

static void check_mac(const char *auth, const mac_vec_t *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    uint8_t key[131], data[128], want[64], got[64], icv[64];
    size_t key_len = v[i].key ? dpt_unhex(v[i].key, key, sizeof key) : v[i].key_len;
    if (!v[i].key)
      memset(key, v[i].key_byte, key_len);
    size_t data_len = v[i].data ? strlen(v[i].data) : v[i].data_len;
    if (v[i].data)
      memcpy(data, v[i].data, data_len);
    else
      memset(data, v[i].data_byte, data_len);
    size_t dlen = dpt_unhex(v[i].digest, want, sizeof want);
    char err[128];
    dp_sa_t *sa = dp_sa_new_mac(auth, key, key_len, err, sizeof err);
    cr_assert(sa, "%s", err);
    /* twice: the second run reuses the prepared key (EVP_MAC_init with NULL) */
    for (int round = 0; round < 2; round++) {
      cr_assert(dp_mac_begin(sa) && dp_mac_update(sa, data, data_len) && dp_mac_end(sa, got, true));
      cr_expect(memcmp(got, want, dlen) == 0, "%s %s full digest", auth, v[i].src);
      cr_assert(dp_mac_begin(sa) && dp_mac_update(sa, data, data_len) && dp_mac_end(sa, icv, false));
      cr_expect(memcmp(icv, want, sa->icv_len) == 0, "%s %s truncated ICV", auth, v[i].src);
    }
    dp_sa_free(sa);
  }
}

Test(vectors, hmac_md5_rfc2202)
{
  /* RFC 2202 §2, test cases 1-4; the ICV is the leftmost 96 bits (RFC 2403) */
  static const mac_vec_t v[] = {
      {"RFC 2202 case 1", NULL, 0x0b, 16, "Hi There", 0, 0, "9294727a3638bb1c13f48ef8158bfc9d"},
      {"RFC 2202 case 2", "4a656665", 0, 0, "what do ya want for nothing?", 0, 0, "750c783e6ab0b503eaa86e310a5db738"},
      {"RFC 2202 case 3", NULL, 0xaa, 16, NULL, 0xdd, 50, "56be34521d144c88dbb8c733f0e8b3f6"},
      {"RFC 2202 case 4", "0102030405060708090a0b0c0d0e0f10111213141516171819", 0, 0, NULL, 0xcd, 50,
       "697eaf0aca3a3aea3a75164746ffaa79"},
  };
  check_mac("hmac-md5-96", v, sizeof v / sizeof v[0]);
}

Test(vectors, hmac_sha1_rfc2202)
{
  /* RFC 2202 §3, test cases 1, 2, 3, 6, 7; ICV = leftmost 96 bits (RFC 2404) */
  static const mac_vec_t v[] = {
      {"RFC 2202 case 1", NULL, 0x0b, 20, "Hi There", 0, 0, "b617318655057264e28bc0b6fb378c8ef146be00"},
      {"RFC 2202 case 2", "4a656665", 0, 0, "what do ya want for nothing?", 0, 0,
       "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
      {"RFC 2202 case 3", NULL, 0xaa, 20, NULL, 0xdd, 50, "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
      {"RFC 2202 case 6", NULL, 0xaa, 80, "Test Using Larger Than Block-Size Key - Hash Key First", 0, 0,
       "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
      {"RFC 2202 case 7", NULL, 0xaa, 80,
       "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data", 0, 0,
       "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
  };
  check_mac("hmac-sha1-96", v, sizeof v / sizeof v[0]);
}

Test(vectors, hmac_sha256_rfc4231)
{
  /* RFC 4231 §4.2-4.5, test cases 1-4; ICV = leftmost 128 bits (RFC 4868) */
  static const mac_vec_t v[] = {
      {"RFC 4231 case 1", NULL, 0x0b, 20, "Hi There", 0, 0,
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"RFC 4231 case 2", "4a656665", 0, 0, "what do ya want for nothing?", 0, 0,
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"RFC 4231 case 3", NULL, 0xaa, 20, NULL, 0xdd, 50,
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"RFC 4231 case 4", "0102030405060708090a0b0c0d0e0f10111213141516171819", 0, 0, NULL, 0xcd, 50,
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
  };
  check_mac("hmac-sha256-128", v, sizeof v / sizeof v[0]);
}

typedef struct {
  const char *src, *key, *iv, *pt, *ct;
  bool pt_ascii;
} cbc_vec_t;

static void check_cbc(const char *enc, const cbc_vec_t *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    uint8_t key[32], iv[16], pt[128], ct[128], got[128];
    size_t key_len = dpt_unhex(v[i].key, key, sizeof key);
    dpt_unhex(v[i].iv, iv, sizeof iv);
    size_t pt_len = v[i].pt_ascii ? strlen(v[i].pt) : dpt_unhex(v[i].pt, pt, sizeof pt);
    if (v[i].pt_ascii)
      memcpy(pt, v[i].pt, pt_len);
    size_t ct_len = dpt_unhex(v[i].ct, ct, sizeof ct);
    cr_assert_eq(pt_len, ct_len);
    char err[128];
    dp_sa_t *sa = dp_sa_new_cipher(enc, key, key_len, NULL, err, sizeof err);
    cr_assert(sa, "%s", err);
    for (int round = 0; round < 2; round++) {
      cr_assert(dp_cbc_crypt(sa, true, iv, pt, pt_len, got));
      cr_expect(memcmp(got, ct, ct_len) == 0, "%s %s encrypt", enc, v[i].src);
      cr_assert(dp_cbc_crypt(sa, false, iv, ct, ct_len, got));
      cr_expect(memcmp(got, pt, pt_len) == 0, "%s %s decrypt", enc, v[i].src);
    }
    dp_sa_free(sa);
  }
}

Test(vectors, aes128_cbc_rfc3602)
{
  /* RFC 3602 §4, cases #1-#4 (cases #5-#8 are ESP packets with AES-CBC and no
   * ICV: no transform of the reference is unauthenticated AES, see the ESP
   * round trips for our own framing) */
  static const cbc_vec_t v[] = {
      {"RFC 3602 case 1", "06a9214036b8a15b512e03d534120006", "3dafba429d9eb430b422da802c9fac41",
       "Single block msg", "e353779c1079aeb82708942dbe77181a", true},
      {"RFC 3602 case 2", "c286696d887c9aa0611bbb3e2025a45a", "562e17996d093d28ddb3ba695a2e6f58",
       "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
       "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1", false},
      {"RFC 3602 case 3", "6c3ea0477630ce21a2ce334aa746c2cd", "c782dc4c098c66cbd9cd27d825682c81",
       "This is a 48-byte message (exactly 3 AES blocks)",
       "d0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5021c19216bad525c8579695d83ba2684", true},
      {"RFC 3602 case 4", "56e47a38c5598974bc46903dba290349", "8ce82eefbea0da3c44699ed7db51b7d9",
       "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
       "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
       "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e35907aa632c3ffdf868bb7b29d3d46ad"
       "83ce9f9a102ee99d49a53e87f4c3da55", false},
  };
  check_cbc("aes128-cbc", v, sizeof v / sizeof v[0]);
}

Test(vectors, aes256_cbc_sp800_38a)
{
  /* RFC 3602 has no 256-bit case: NIST SP 800-38A Appendix F.2.5 CBC-AES256.Encrypt */
  static const cbc_vec_t v[] = {
      {"SP 800-38A F.2.5", "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
       "000102030405060708090a0b0c0d0e0f",
       "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52ef"
       "f69f2445df4f9b17ad2b417be66c3710",
       "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461"
       "b2eb05e2c39be9fcda6c19078c6a9d1b", false},
  };
  check_cbc("aes256-cbc", v, sizeof v / sizeof v[0]);
}

Test(vectors, des_cbc_fips81)
{
  cr_assert(dp_crypto_init((char[64]){0}, 64));
  cr_assert(dp_crypto_legacy_available(), "OpenSSL legacy provider missing: DES cannot be tested");
  /* FIPS 81 Appendix C, the CBC example ("Now is the time for all ") */
  static const cbc_vec_t v[] = {
      {"FIPS 81 CBC", "0123456789abcdef", "1234567890abcdef", "Now is the time for all ",
       "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6", true},
  };
  check_cbc("des", v, 1);
}

Test(vectors, tdes_sp800_67)
{
  /* NIST SP 800-67 Rev. 1 Appendix B.1: the three-key ECB example
   * ("The qufck brown fox jump", sic).  Each block alone under CBC with a zero
   * IV is that block's ECB encryption. */
  static const char *const pt[] = {"5468652071756663", "6b2062726f776e20", "666f78206a756d70"};
  static const char *const ct[] = {"a826fd8ce53b855f", "cce21c8112256fe6", "68d5c05dd9b6b900"};
  for (int i = 0; i < 3; i++) {
    const cbc_vec_t v = {"SP 800-67 B.1", "0123456789abcdef23456789abcdef01456789abcdef0123", "0000000000000000",
                         pt[i], ct[i], false};
    check_cbc("3des", &v, 1);
  }
}

typedef struct {
  const char *src, *key, *nonce, *aad, *pt, *ct, *tag;
} gcm_vec_t;

static void check_gcm(const char *enc, const gcm_vec_t *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    uint8_t key[32], nonce[12], aad[32], pt[64], ct[64], tag[16], got[64], gtag[16];
    size_t key_len = dpt_unhex(v[i].key, key, sizeof key);
    dpt_unhex(v[i].nonce, nonce, sizeof nonce);
    size_t aad_len = dpt_unhex(v[i].aad, aad, sizeof aad);
    size_t pt_len = dpt_unhex(v[i].pt, pt, sizeof pt);
    size_t ct_len = dpt_unhex(v[i].ct, ct, sizeof ct);
    dpt_unhex(v[i].tag, tag, sizeof tag);
    cr_assert_eq(pt_len, ct_len);
    char err[128];
    /* RFC 4106 §4: the 12-byte nonce is the 4-byte salt from the key
     * material followed by the 8-byte explicit IV carried in the packet */
    dp_sa_t *sa = dp_sa_new_cipher(enc, key, key_len, nonce, err, sizeof err);
    cr_assert(sa, "%s", err);
    for (int round = 0; round < 2; round++) {
      cr_assert(dp_gcm_seal(sa, nonce + 4, aad, aad_len, pt, pt_len, got, gtag));
      cr_expect(memcmp(got, ct, ct_len) == 0, "%s %s ciphertext", enc, v[i].src);
      cr_expect(memcmp(gtag, tag, 16) == 0, "%s %s tag", enc, v[i].src);
      cr_assert(dp_gcm_open(sa, nonce + 4, aad, aad_len, ct, ct_len, got, tag), "%s %s open", enc, v[i].src);
      cr_expect(memcmp(got, pt, pt_len) == 0);
      tag[15] ^= 1;
      cr_expect(!dp_gcm_open(sa, nonce + 4, aad, aad_len, ct, ct_len, got, tag), "forged tag accepted");
      tag[15] ^= 1;
    }
    dp_sa_free(sa);
  }
}

#define GCM_KEY "feffe9928665731c6d6a8f9467308308"
#define GCM_IV "cafebabefacedbaddecaf888"
#define GCM_AAD "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define GCM_PT60                                                                                      \
  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525" \
  "b16aedf5aa0de657ba637b39"

Test(vectors, aes128_gcm_mcgrew_viega)
{
  /* McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Appendix B,
   * test cases 2, 3 and 4 */
  static const gcm_vec_t v[] = {
      {"GCM test case 2", "00000000000000000000000000000000", "000000000000000000000000", "",
       "00000000000000000000000000000000", "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf"},
      {"GCM test case 3", GCM_KEY, GCM_IV, "", GCM_PT60 "1aafd255",
       "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa05"
       "1ba30b396a0aac973d58e091473f5985",
       "4d5c2af327cd64a62cf35abd2ba6fab4"},
      {"GCM test case 4", GCM_KEY, GCM_IV, GCM_AAD, GCM_PT60,
       "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa05"
       "1ba30b396a0aac973d58e091",
       "5bc94fbc3221a5db94fae95ae7121a47"},
  };
  check_gcm("aes128-gcm", v, sizeof v / sizeof v[0]);
}

Test(vectors, aes256_gcm_mcgrew_viega)
{
  /* same document, test case 16 (AES-256, AAD, 60-byte plaintext) */
  static const gcm_vec_t v[] = {
      {"GCM test case 16", GCM_KEY GCM_KEY, GCM_IV, GCM_AAD, GCM_PT60,
       "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
       "c5f61e6393ba7a0abcc9f662",
       "76fc6ece0f4e1768cddf8853bb2d551b"},
  };
  check_gcm("aes256-gcm", v, sizeof v / sizeof v[0]);
}

Test(vectors, null_rfc2410)
{
  /* RFC 2410 §2: NULL encryption is the identity, with no IV and a 1-byte
   * block (ESP still aligns to 4): the inner packet shows verbatim after
   * SPI|seq, and the ICV still covers it. */
  const erx_transform_info_t *xf = erx_transform_by_keyword("esp-null-hmac-sha");
  dp_sa_t *sa = dpt_sa(xf, 0x1234, 1);
  uint8_t inner[64], pkt[256];
  size_t n;
  dpt_inner(inner, sizeof inner, 0x5a);
  cr_assert(dp_esp_encap(sa, 1, inner, sizeof inner, pkt, sizeof pkt, &n));
  cr_expect_eq(sa->iv_len, 0);
  cr_expect(memcmp(pkt + 8, inner, sizeof inner) == 0);
  cr_expect_eq(n, 8 + sizeof inner + 2 + 2 + 12); /* 64+2 → 2 pad bytes to 4-align */
  dp_sa_free(sa);
}

Test(vectors, sa_key_lengths_checked)
{
  char err[160];
  uint8_t k[64] = {0};
  const erx_transform_info_t *xf = erx_transform_by_keyword("esp-aes128-gcm");
  cr_expect_null(dp_sa_new(xf, 1, k, 16, NULL, 0, err, sizeof err), "GCM key without salt accepted");
  cr_expect(strstr(err, "20") != NULL, "%s", err);
  xf = erx_transform_by_keyword("esp-3des-hmac-sha");
  cr_expect_null(dp_sa_new(xf, 1, k, 24, k, 16, err, sizeof err));
}
