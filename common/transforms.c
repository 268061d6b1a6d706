#include "transforms.h"

#include <string.h>

#define T(ID) ERX__CFG__TRANSFORM__##ID

/* Keywords from the reference (JUNOSe + the project's AES/SHA-2 extensions);
 * key lengths from RFC 2405/2451/3602/4106 and RFC 2403/2404/4868. */
const erx_transform_info_t erx_transforms[] = {
    {T(AH_HMAC_MD5), "ah-hmac-md5", ERX_PROTO_AH, NULL, "hmac-md5-96", 0, 16, "AH with HMAC-MD5"},
    {T(AH_HMAC_SHA), "ah-hmac-sha", ERX_PROTO_AH, NULL, "hmac-sha1-96", 0, 20, "AH with HMAC-SHA-1"},
    {T(ESP_DES_HMAC_MD5), "esp-des-hmac-md5", ERX_PROTO_ESP, "des", "hmac-md5-96", 8, 16, "ESP with DES and HMAC-MD5"},
    {T(ESP_3DES_HMAC_MD5), "esp-3des-hmac-md5", ERX_PROTO_ESP, "3des", "hmac-md5-96", 24, 16,
     "ESP with 3DES and HMAC-MD5"},
    {T(ESP_DES_HMAC_SHA), "esp-des-hmac-sha", ERX_PROTO_ESP, "des", "hmac-sha1-96", 8, 20,
     "ESP with DES and HMAC-SHA-1"},
    {T(ESP_3DES_HMAC_SHA), "esp-3des-hmac-sha", ERX_PROTO_ESP, "3des", "hmac-sha1-96", 24, 20,
     "ESP with 3DES and HMAC-SHA-1"},
    {T(ESP_NULL_HMAC_MD5), "esp-null-hmac-md5", ERX_PROTO_ESP, "null", "hmac-md5-96", 0, 16,
     "ESP without encryption, HMAC-MD5"},
    {T(ESP_NULL_HMAC_SHA), "esp-null-hmac-sha", ERX_PROTO_ESP, "null", "hmac-sha1-96", 0, 20,
     "ESP without encryption, HMAC-SHA-1"},
    {T(ESP_DES), "esp-des", ERX_PROTO_ESP, "des", NULL, 8, 0, "ESP with DES, no authentication"},
    {T(ESP_3DES), "esp-3des", ERX_PROTO_ESP, "3des", NULL, 24, 0, "ESP with 3DES, no authentication"},
    {T(ESP_AES128_HMAC_SHA), "esp-aes128-hmac-sha", ERX_PROTO_ESP, "aes128-cbc", "hmac-sha1-96", 16, 20,
     "ESP with AES-128-CBC and HMAC-SHA-1 (ext)"},
    {T(ESP_AES256_HMAC_SHA), "esp-aes256-hmac-sha", ERX_PROTO_ESP, "aes256-cbc", "hmac-sha1-96", 32, 20,
     "ESP with AES-256-CBC and HMAC-SHA-1 (ext)"},
    {T(ESP_AES128_HMAC_SHA256), "esp-aes128-hmac-sha256", ERX_PROTO_ESP, "aes128-cbc", "hmac-sha256-128", 16, 32,
     "ESP with AES-128-CBC and HMAC-SHA-256 (ext)"},
    {T(ESP_AES256_HMAC_SHA256), "esp-aes256-hmac-sha256", ERX_PROTO_ESP, "aes256-cbc", "hmac-sha256-128", 32, 32,
     "ESP with AES-256-CBC and HMAC-SHA-256 (ext)"},
    {T(ESP_AES128_GCM), "esp-aes128-gcm", ERX_PROTO_ESP, "aes128-gcm", NULL, 20, 0,
     "ESP with AES-128-GCM, 16-byte ICV (ext)"},
    {T(ESP_AES256_GCM), "esp-aes256-gcm", ERX_PROTO_ESP, "aes256-gcm", NULL, 36, 0,
     "ESP with AES-256-GCM, 16-byte ICV (ext)"},
};
const size_t erx_transform_count = sizeof erx_transforms / sizeof erx_transforms[0];

const erx_transform_info_t *erx_transform_by_keyword(const char *kw)
{
  for (size_t i = 0; i < erx_transform_count; i++)
    if (strcmp(erx_transforms[i].keyword, kw) == 0)
      return &erx_transforms[i];
  return NULL;
}

const erx_transform_info_t *erx_transform_by_id(Erx__Cfg__Transform id)
{
  for (size_t i = 0; i < erx_transform_count; i++)
    if (erx_transforms[i].id == id)
      return &erx_transforms[i];
  return NULL;
}
