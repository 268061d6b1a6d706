/* ISAKMP / IKEv1 protocol numbers: RFC 2408 (ISAKMP), RFC 2407 (the IPsec
 * DOI), RFC 2409 (IKE), RFC 3947 (NAT traversal) and the IANA "ISAKMP" and
 * "IPsec DOI" registries.  Numbers only; the codec is isakmp_codec.h and
 * isakmp_build.h. */
#pragma once

enum {
  ISAKMP_HDR_LEN = 28,     /* RFC 2408 §3.1 */
  ISAKMP_GEN_HDR_LEN = 4,  /* RFC 2408 §3.2: next payload, reserved, length */
  ISAKMP_COOKIE_LEN = 8,
  ISAKMP_VERSION_MAJOR = 1,
  ISAKMP_VERSION_MINOR = 0,
  ISAKMP_NONCE_MIN = 8,    /* RFC 2409 §5 */
  ISAKMP_NONCE_MAX = 256,
};

/* Exchange types (RFC 2408 §3.1, RFC 2409 §5.5, §9) */
enum isakmp_exchange {
  ISAKMP_XCHG_NONE = 0,
  ISAKMP_XCHG_BASE = 1,
  ISAKMP_XCHG_MAIN = 2, /* identity protection */
  ISAKMP_XCHG_AUTH_ONLY = 3,
  ISAKMP_XCHG_AGGRESSIVE = 4,
  ISAKMP_XCHG_INFO = 5,
  ISAKMP_XCHG_QUICK = 32,
  ISAKMP_XCHG_NEW_GROUP = 33,
};

/* Header flags (RFC 2408 §3.1); the other five bits must be zero. */
enum isakmp_flag {
  ISAKMP_FLAG_E = 0x01, /* encryption: everything after the header */
  ISAKMP_FLAG_C = 0x02, /* commit */
  ISAKMP_FLAG_A = 0x04, /* authentication only */
  ISAKMP_FLAGS_KNOWN = 0x07,
};

/* Payload types (RFC 2408 §3.1, RFC 3947 §3, draft-ietf-ipsec-nat-t-ike-02) */
enum isakmp_payload_type {
  ISAKMP_PL_NONE = 0,
  ISAKMP_PL_SA = 1,
  ISAKMP_PL_P = 2,
  ISAKMP_PL_T = 3,
  ISAKMP_PL_KE = 4,
  ISAKMP_PL_ID = 5,
  ISAKMP_PL_CERT = 6,
  ISAKMP_PL_CR = 7,
  ISAKMP_PL_HASH = 8,
  ISAKMP_PL_SIG = 9,
  ISAKMP_PL_NONCE = 10,
  ISAKMP_PL_N = 11,
  ISAKMP_PL_D = 12,
  ISAKMP_PL_VID = 13,
  ISAKMP_PL_NATD = 20,
  ISAKMP_PL_NATOA = 21,
  ISAKMP_PL_NATD_DRAFT = 130,
  ISAKMP_PL_NATOA_DRAFT = 131,
};

/* Domains of interpretation */
enum isakmp_doi {
  ISAKMP_DOI_ISAKMP = 0,
  ISAKMP_DOI_IPSEC = 1,
};

/* IPsec DOI situation bits (RFC 2407 §4.6.1) */
enum isakmp_situation {
  ISAKMP_SIT_IDENTITY_ONLY = 0x01,
  ISAKMP_SIT_SECRECY = 0x02,
  ISAKMP_SIT_INTEGRITY = 0x04,
};

/* Security protocol identifiers (RFC 2407 §4.4.1) */
enum isakmp_proto {
  ISAKMP_PROTO_ISAKMP = 1,
  ISAKMP_PROTO_AH = 2,
  ISAKMP_PROTO_ESP = 3,
  ISAKMP_PROTO_IPCOMP = 4,
};

/* Transform id of the ISAKMP protocol (RFC 2407 §4.4.2) */
enum { ISAKMP_KEY_IKE = 1 };

/* Attribute format bit: set = TV (basic, 2-byte value), clear = TLV */
enum { ISAKMP_ATTR_AF = 0x8000 };

/* Phase-1 (IKE) attribute classes (RFC 2409 Appendix A); B = basic, V = variable */
enum isakmp_ike_attr {
  IKE_ATTR_ENC = 1,         /* B */
  IKE_ATTR_HASH = 2,        /* B */
  IKE_ATTR_AUTH = 3,        /* B */
  IKE_ATTR_GROUP_DESC = 4,  /* B */
  IKE_ATTR_GROUP_TYPE = 5,  /* B */
  IKE_ATTR_GROUP_PRIME = 6, /* V */
  IKE_ATTR_GROUP_GEN1 = 7,  /* V */
  IKE_ATTR_GROUP_GEN2 = 8,  /* V */
  IKE_ATTR_GROUP_CURVE_A = 9,
  IKE_ATTR_GROUP_CURVE_B = 10,
  IKE_ATTR_LIFE_TYPE = 11,     /* B */
  IKE_ATTR_LIFE_DURATION = 12, /* V */
  IKE_ATTR_PRF = 13,           /* B */
  IKE_ATTR_KEY_LENGTH = 14,    /* B */
  IKE_ATTR_FIELD_SIZE = 15,    /* B */
  IKE_ATTR_GROUP_ORDER = 16,   /* V */
};

enum isakmp_ike_enc {
  IKE_ENC_DES_CBC = 1,
  IKE_ENC_IDEA_CBC = 2,
  IKE_ENC_BLOWFISH_CBC = 3,
  IKE_ENC_RC5 = 4,
  IKE_ENC_3DES_CBC = 5,
  IKE_ENC_CAST_CBC = 6,
  IKE_ENC_AES_CBC = 7, /* RFC 3602 */
};

/* IKEV1_: the wire's numbers, distinct from the crypto library's ike_hash_t
 * (IKE_HASH_*, erx.cfg's order), which code often sees alongside */
enum isakmp_ike_hash {
  IKEV1_HASH_MD5 = 1,
  IKEV1_HASH_SHA = 2,
  IKEV1_HASH_TIGER = 3,
  IKEV1_HASH_SHA2_256 = 4,
  IKEV1_HASH_SHA2_384 = 5,
  IKEV1_HASH_SHA2_512 = 6,
};

enum isakmp_ike_auth {
  IKE_AUTH_PSK = 1,
  IKE_AUTH_DSS = 2,
  IKE_AUTH_RSA_SIG = 3,
  IKE_AUTH_RSA_ENC = 4,
  IKE_AUTH_RSA_ENC_REV = 5,
};

/* MODP groups: IKE group description and IPsec group description share them */
enum isakmp_group {
  IKE_GROUP_MODP768 = 1,
  IKE_GROUP_MODP1024 = 2,
  IKE_GROUP_EC2N155 = 3,
  IKE_GROUP_EC2N185 = 4,
  IKE_GROUP_MODP1536 = 5,
  IKE_GROUP_MODP2048 = 14, /* RFC 3526 */
};

enum isakmp_life_type {
  ISAKMP_LIFE_SECONDS = 1,
  ISAKMP_LIFE_KILOBYTES = 2,
};

/* Phase-2 (IPsec DOI) attribute classes (RFC 2407 §4.5) */
enum isakmp_ipsec_attr {
  IPSEC_ATTR_LIFE_TYPE = 1,      /* B */
  IPSEC_ATTR_LIFE_DURATION = 2,  /* V */
  IPSEC_ATTR_GROUP_DESC = 3,     /* B */
  IPSEC_ATTR_ENCAP_MODE = 4,     /* B */
  IPSEC_ATTR_AUTH_ALG = 5,       /* B */
  IPSEC_ATTR_KEY_LENGTH = 6,     /* B */
  IPSEC_ATTR_KEY_ROUNDS = 7,     /* B */
  IPSEC_ATTR_COMP_DICT_SIZE = 8, /* B */
  IPSEC_ATTR_COMP_PRIV_ALG = 9,  /* V */
};

enum isakmp_encap_mode {
  IPSEC_ENCAP_TUNNEL = 1,
  IPSEC_ENCAP_TRANSPORT = 2,
  IPSEC_ENCAP_UDP_TUNNEL = 3,    /* RFC 3947 */
  IPSEC_ENCAP_UDP_TRANSPORT = 4, /* RFC 3947 */
  IPSEC_ENCAP_UDP_TUNNEL_DRAFT = 61443,
  IPSEC_ENCAP_UDP_TRANSPORT_DRAFT = 61444,
};

enum isakmp_ipsec_auth {
  IPSEC_AUTH_HMAC_MD5 = 1,
  IPSEC_AUTH_HMAC_SHA = 2,
  IPSEC_AUTH_DES_MAC = 3,
  IPSEC_AUTH_KPDK = 4,
  IPSEC_AUTH_HMAC_SHA2_256 = 5,
  IPSEC_AUTH_HMAC_SHA2_384 = 6,
  IPSEC_AUTH_HMAC_SHA2_512 = 7,
};

/* ESP transform ids (RFC 2407 §4.4.4, IANA) */
enum isakmp_esp_id {
  ESP_ID_DES_IV64 = 1,
  ESP_ID_DES = 2,
  ESP_ID_3DES = 3,
  ESP_ID_RC5 = 4,
  ESP_ID_IDEA = 5,
  ESP_ID_CAST = 6,
  ESP_ID_BLOWFISH = 7,
  ESP_ID_NULL = 11,
  ESP_ID_AES_CBC = 12,
  ESP_ID_AES_CTR = 13,
  ESP_ID_AES_GCM_8 = 18,
  ESP_ID_AES_GCM_12 = 19,
  ESP_ID_AES_GCM_16 = 20,
};

/* AH transform ids (RFC 2407 §4.4.3, IANA).  SHA2-256 is 5: 4 is AH_DES. */
enum isakmp_ah_id {
  AH_ID_MD5 = 2,
  AH_ID_SHA = 3,
  AH_ID_DES = 4,
  AH_ID_SHA2_256 = 5,
  AH_ID_SHA2_384 = 6,
  AH_ID_SHA2_512 = 7,
};

/* Notify message types (RFC 2408 §3.14.1, RFC 2407 §4.6.3, RFC 3706) */
enum isakmp_notify_type {
  ISAKMP_N_INVALID_PAYLOAD_TYPE = 1,
  ISAKMP_N_DOI_NOT_SUPPORTED = 2,
  ISAKMP_N_SITUATION_NOT_SUPPORTED = 3,
  ISAKMP_N_INVALID_COOKIE = 4,
  ISAKMP_N_INVALID_MAJOR_VERSION = 5,
  ISAKMP_N_INVALID_MINOR_VERSION = 6,
  ISAKMP_N_INVALID_EXCHANGE_TYPE = 7,
  ISAKMP_N_INVALID_FLAGS = 8,
  ISAKMP_N_INVALID_MESSAGE_ID = 9,
  ISAKMP_N_INVALID_PROTOCOL_ID = 10,
  ISAKMP_N_INVALID_SPI = 11,
  ISAKMP_N_INVALID_TRANSFORM_ID = 12,
  ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED = 13,
  ISAKMP_N_NO_PROPOSAL_CHOSEN = 14,
  ISAKMP_N_BAD_PROPOSAL_SYNTAX = 15,
  ISAKMP_N_PAYLOAD_MALFORMED = 16,
  ISAKMP_N_INVALID_KEY_INFORMATION = 17,
  ISAKMP_N_INVALID_ID_INFORMATION = 18,
  ISAKMP_N_INVALID_CERT_ENCODING = 19,
  ISAKMP_N_INVALID_CERTIFICATE = 20,
  ISAKMP_N_CERT_TYPE_UNSUPPORTED = 21,
  ISAKMP_N_INVALID_CERT_AUTHORITY = 22,
  ISAKMP_N_INVALID_HASH_INFORMATION = 23,
  ISAKMP_N_AUTHENTICATION_FAILED = 24,
  ISAKMP_N_INVALID_SIGNATURE = 25,
  ISAKMP_N_ADDRESS_NOTIFICATION = 26,
  ISAKMP_N_NOTIFY_SA_LIFETIME = 27,
  ISAKMP_N_CERTIFICATE_UNAVAILABLE = 28,
  ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE = 29,
  ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS = 30,
  ISAKMP_N_CONNECTED = 16384,
  ISAKMP_N_RESPONDER_LIFETIME = 24576,
  ISAKMP_N_REPLAY_STATUS = 24577,
  ISAKMP_N_INITIAL_CONTACT = 24578,
  ISAKMP_N_R_U_THERE = 36136,
  ISAKMP_N_R_U_THERE_ACK = 36137,
};

/* Identification types (RFC 2407 §4.6.2.1) */
enum isakmp_id_type {
  ISAKMP_ID_IPV4_ADDR = 1,
  ISAKMP_ID_FQDN = 2,
  ISAKMP_ID_USER_FQDN = 3,
  ISAKMP_ID_IPV4_ADDR_SUBNET = 4,
  ISAKMP_ID_IPV6_ADDR = 5,
  ISAKMP_ID_IPV6_ADDR_SUBNET = 6,
  ISAKMP_ID_IPV4_ADDR_RANGE = 7,
  ISAKMP_ID_IPV6_ADDR_RANGE = 8,
  ISAKMP_ID_DER_ASN1_DN = 9,
  ISAKMP_ID_DER_ASN1_GN = 10,
  ISAKMP_ID_KEY_ID = 11,
};
