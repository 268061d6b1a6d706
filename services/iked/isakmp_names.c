/* Names of protocol numbers for logs and error messages: tables, so a new
 * number is one line. */
#include <stdio.h>

#include "isakmp_codec.h"
#include "isakmp_priv.h"

typedef struct {
  unsigned num;
  const char *name;
} num_name_t;

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char *lookup(const num_name_t *t, size_t n, unsigned num)
{
  for (size_t i = 0; i < n; i++)
    if (t[i].num == num)
      return t[i].name;
  return "?";
}

/* Top-level payloads: P and T only occur inside an SA payload. */
static const num_name_t payloads[] = {
    {ISAKMP_PL_SA, "SA"},       {ISAKMP_PL_P, "P"},         {ISAKMP_PL_T, "T"},
    {ISAKMP_PL_KE, "KE"},       {ISAKMP_PL_ID, "ID"},       {ISAKMP_PL_CERT, "CERT"},
    {ISAKMP_PL_CR, "CR"},       {ISAKMP_PL_HASH, "HASH"},   {ISAKMP_PL_SIG, "SIG"},
    {ISAKMP_PL_NONCE, "NONCE"}, {ISAKMP_PL_N, "N"},         {ISAKMP_PL_D, "D"},
    {ISAKMP_PL_VID, "VID"},     {ISAKMP_PL_NATD, "NAT-D"},  {ISAKMP_PL_NATOA, "NAT-OA"},
    {ISAKMP_PL_NATD_DRAFT, "NAT-D(draft)"}, {ISAKMP_PL_NATOA_DRAFT, "NAT-OA(draft)"},
};

static const num_name_t exchanges[] = {
    {ISAKMP_XCHG_BASE, "base"},   {ISAKMP_XCHG_MAIN, "main"},   {ISAKMP_XCHG_AUTH_ONLY, "auth-only"},
    {ISAKMP_XCHG_AGGRESSIVE, "aggressive"}, {ISAKMP_XCHG_INFO, "informational"},
    {ISAKMP_XCHG_QUICK, "quick"}, {ISAKMP_XCHG_NEW_GROUP, "new-group"},
};

static const num_name_t notifies[] = {
    {ISAKMP_N_INVALID_PAYLOAD_TYPE, "INVALID-PAYLOAD-TYPE"},
    {ISAKMP_N_DOI_NOT_SUPPORTED, "DOI-NOT-SUPPORTED"},
    {ISAKMP_N_SITUATION_NOT_SUPPORTED, "SITUATION-NOT-SUPPORTED"},
    {ISAKMP_N_INVALID_COOKIE, "INVALID-COOKIE"},
    {ISAKMP_N_INVALID_MAJOR_VERSION, "INVALID-MAJOR-VERSION"},
    {ISAKMP_N_INVALID_MINOR_VERSION, "INVALID-MINOR-VERSION"},
    {ISAKMP_N_INVALID_EXCHANGE_TYPE, "INVALID-EXCHANGE-TYPE"},
    {ISAKMP_N_INVALID_FLAGS, "INVALID-FLAGS"},
    {ISAKMP_N_INVALID_MESSAGE_ID, "INVALID-MESSAGE-ID"},
    {ISAKMP_N_INVALID_PROTOCOL_ID, "INVALID-PROTOCOL-ID"},
    {ISAKMP_N_INVALID_SPI, "INVALID-SPI"},
    {ISAKMP_N_INVALID_TRANSFORM_ID, "INVALID-TRANSFORM-ID"},
    {ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED, "ATTRIBUTES-NOT-SUPPORTED"},
    {ISAKMP_N_NO_PROPOSAL_CHOSEN, "NO-PROPOSAL-CHOSEN"},
    {ISAKMP_N_BAD_PROPOSAL_SYNTAX, "BAD-PROPOSAL-SYNTAX"},
    {ISAKMP_N_PAYLOAD_MALFORMED, "PAYLOAD-MALFORMED"},
    {ISAKMP_N_INVALID_KEY_INFORMATION, "INVALID-KEY-INFORMATION"},
    {ISAKMP_N_INVALID_ID_INFORMATION, "INVALID-ID-INFORMATION"},
    {ISAKMP_N_INVALID_CERT_ENCODING, "INVALID-CERT-ENCODING"},
    {ISAKMP_N_INVALID_CERTIFICATE, "INVALID-CERTIFICATE"},
    {ISAKMP_N_CERT_TYPE_UNSUPPORTED, "CERT-TYPE-UNSUPPORTED"},
    {ISAKMP_N_INVALID_CERT_AUTHORITY, "INVALID-CERT-AUTHORITY"},
    {ISAKMP_N_INVALID_HASH_INFORMATION, "INVALID-HASH-INFORMATION"},
    {ISAKMP_N_AUTHENTICATION_FAILED, "AUTHENTICATION-FAILED"},
    {ISAKMP_N_INVALID_SIGNATURE, "INVALID-SIGNATURE"},
    {ISAKMP_N_ADDRESS_NOTIFICATION, "ADDRESS-NOTIFICATION"},
    {ISAKMP_N_NOTIFY_SA_LIFETIME, "NOTIFY-SA-LIFETIME"},
    {ISAKMP_N_CERTIFICATE_UNAVAILABLE, "CERTIFICATE-UNAVAILABLE"},
    {ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE, "UNSUPPORTED-EXCHANGE-TYPE"},
    {ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS, "UNEQUAL-PAYLOAD-LENGTHS"},
    {ISAKMP_N_CONNECTED, "CONNECTED"},
    {ISAKMP_N_RESPONDER_LIFETIME, "RESPONDER-LIFETIME"},
    {ISAKMP_N_REPLAY_STATUS, "REPLAY-STATUS"},
    {ISAKMP_N_INITIAL_CONTACT, "INITIAL-CONTACT"},
    {ISAKMP_N_R_U_THERE, "R-U-THERE"},
    {ISAKMP_N_R_U_THERE_ACK, "R-U-THERE-ACK"},
};

static const num_name_t id_types[] = {
    {ISAKMP_ID_IPV4_ADDR, "ipv4"},          {ISAKMP_ID_FQDN, "fqdn"},
    {ISAKMP_ID_USER_FQDN, "user-fqdn"},     {ISAKMP_ID_IPV4_ADDR_SUBNET, "ipv4-subnet"},
    {ISAKMP_ID_IPV6_ADDR, "ipv6"},          {ISAKMP_ID_IPV6_ADDR_SUBNET, "ipv6-subnet"},
    {ISAKMP_ID_IPV4_ADDR_RANGE, "ipv4-range"}, {ISAKMP_ID_IPV6_ADDR_RANGE, "ipv6-range"},
    {ISAKMP_ID_DER_ASN1_DN, "der-asn1-dn"}, {ISAKMP_ID_DER_ASN1_GN, "der-asn1-gn"},
    {ISAKMP_ID_KEY_ID, "key-id"},
};

static const num_name_t protos[] = {
    {ISAKMP_PROTO_ISAKMP, "ISAKMP"}, {ISAKMP_PROTO_AH, "AH"},
    {ISAKMP_PROTO_ESP, "ESP"},       {ISAKMP_PROTO_IPCOMP, "IPCOMP"},
};

/* Error code -> name and the notify type that answers it. */
static const struct {
  const char *name;
  uint16_t notify;
} errs[ISAKMP_ERR_COUNT_] = {
    [ISAKMP_OK] = {"ok", 0},
    [ISAKMP_ERR_TRUNCATED] = {"truncated", ISAKMP_N_PAYLOAD_MALFORMED},
    [ISAKMP_ERR_VERSION] = {"version", ISAKMP_N_INVALID_MAJOR_VERSION},
    [ISAKMP_ERR_FLAGS] = {"flags", ISAKMP_N_INVALID_FLAGS},
    [ISAKMP_ERR_LENGTH] = {"length", ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS},
    [ISAKMP_ERR_PAYLOAD_TYPE] = {"payload-type", ISAKMP_N_INVALID_PAYLOAD_TYPE},
    [ISAKMP_ERR_PAYLOAD_LENGTH] = {"payload-length", ISAKMP_N_PAYLOAD_MALFORMED},
    [ISAKMP_ERR_TRAILING] = {"trailing", ISAKMP_N_PAYLOAD_MALFORMED},
    [ISAKMP_ERR_TOO_MANY] = {"too-many", ISAKMP_N_PAYLOAD_MALFORMED},
    [ISAKMP_ERR_MALFORMED] = {"malformed", ISAKMP_N_PAYLOAD_MALFORMED},
    [ISAKMP_ERR_PROPOSAL] = {"proposal-syntax", ISAKMP_N_BAD_PROPOSAL_SYNTAX},
    [ISAKMP_ERR_DOI] = {"doi", ISAKMP_N_DOI_NOT_SUPPORTED},
    [ISAKMP_ERR_SITUATION] = {"situation", ISAKMP_N_SITUATION_NOT_SUPPORTED},
    [ISAKMP_ERR_PROTOCOL] = {"protocol", ISAKMP_N_INVALID_PROTOCOL_ID},
    [ISAKMP_ERR_SPI] = {"spi", ISAKMP_N_INVALID_SPI},
    [ISAKMP_ERR_ID] = {"id", ISAKMP_N_INVALID_ID_INFORMATION},
};

const char *isakmp_payload_name(unsigned type)
{
  return lookup(payloads, N_ELEMS(payloads), type);
}

bool isakmp_payload_known(unsigned type)
{
  return type != ISAKMP_PL_P && type != ISAKMP_PL_T && lookup(payloads, N_ELEMS(payloads), type)[0] != '?';
}

const char *isakmp_exchange_name(unsigned xchg)
{
  return lookup(exchanges, N_ELEMS(exchanges), xchg);
}

const char *isakmp_notify_name(unsigned type)
{
  return lookup(notifies, N_ELEMS(notifies), type);
}

const char *isakmp_id_type_name(unsigned type)
{
  return lookup(id_types, N_ELEMS(id_types), type);
}

const char *isakmp_proto_name(unsigned proto)
{
  return lookup(protos, N_ELEMS(protos), proto);
}

const char *isakmp_err_name(isakmp_err_t code)
{
  return (unsigned)code < ISAKMP_ERR_COUNT_ ? errs[code].name : "?";
}

uint16_t isakmp_err_notify(isakmp_err_t code)
{
  return (unsigned)code < ISAKMP_ERR_COUNT_ ? errs[code].notify : ISAKMP_N_PAYLOAD_MALFORMED;
}
