/* The IPsec transforms: one row each, shared by configd, iked and datapathd. */
#pragma once
#include <stddef.h>
#include "config.pb-c.h"

typedef enum { ERX_PROTO_AH = 51, ERX_PROTO_ESP = 50 } erx_ipsec_proto_t;

typedef struct erx_transform_info {
  Erx__Cfg__Transform id;
  const char *keyword;     /* CLI spelling */
  erx_ipsec_proto_t proto;
  const char *enc;         /* "des", "3des", "aes128-cbc", "aes128-gcm", NULL (none) or "null" */
  const char *auth;        /* "hmac-md5-96", "hmac-sha1-96", "hmac-sha256-128" or NULL (AEAD/none) */
  unsigned enc_key_len;    /* bytes of manual key material (GCM: key + 4-byte salt) */
  unsigned auth_key_len;   /* bytes */
  const char *help;
} erx_transform_info_t;

extern const erx_transform_info_t erx_transforms[];
extern const size_t erx_transform_count;

const erx_transform_info_t *erx_transform_by_keyword(const char *kw);
const erx_transform_info_t *erx_transform_by_id(Erx__Cfg__Transform id);
