/* ISAKMP/IKEv1 message parser: bytes in, a parsed structure or a precise
 * error out.  No I/O, no allocation: parsed structures point into the
 * caller's buffer (which must outlive them) and have fixed caps, each
 * refused with its own error when exceeded.
 *
 * Cleartext messages: isakmp_parse_message().  Encrypted ones (flag E): the
 * same call parses the header only and leaves msg->n == 0; the caller
 * decrypts msg->body and runs isakmp_parse_chain() on the plaintext, starting
 * from msg->hdr.next_payload, with &pad to accept the cipher's padding. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isakmp.h"

enum {
  ISAKMP_MAX_PAYLOADS = 64,      /* payloads in one message */
  ISAKMP_SA_MAX_PROPOSALS = 16,  /* proposals in one SA payload */
  ISAKMP_SA_MAX_TRANSFORMS = 64, /* transforms in one SA payload, all proposals */
  ISAKMP_SA_MAX_ATTRS = 512,     /* attributes in one SA payload, all transforms */
  ISAKMP_SPI_MAX = 16,           /* an ISAKMP SPI is both cookies */
  ISAKMP_ERR_MSG_LEN = 192,
};

typedef enum {
  ISAKMP_OK = 0,
  ISAKMP_ERR_TRUNCATED,      /* fewer bytes than a fixed part needs */
  ISAKMP_ERR_VERSION,        /* major version is not 1 */
  ISAKMP_ERR_FLAGS,          /* reserved header flag bits set */
  ISAKMP_ERR_LENGTH,         /* header length differs from the datagram */
  ISAKMP_ERR_PAYLOAD_TYPE,   /* unknown (or out-of-place) payload type */
  ISAKMP_ERR_PAYLOAD_LENGTH, /* a generic payload length is < 4 or overruns */
  ISAKMP_ERR_TRAILING,       /* bytes after the last payload */
  ISAKMP_ERR_TOO_MANY,       /* one of the caps above */
  ISAKMP_ERR_MALFORMED,      /* a payload body is inconsistent */
  ISAKMP_ERR_PROPOSAL,       /* SA/proposal/transform structure */
  ISAKMP_ERR_DOI,            /* DOI other than ISAKMP (0) or IPsec (1) */
  ISAKMP_ERR_SITUATION,      /* IPsec situation with secrecy/integrity labels */
  ISAKMP_ERR_PROTOCOL,       /* unknown protocol id */
  ISAKMP_ERR_SPI,            /* SPI size not valid for the protocol */
  ISAKMP_ERR_ID,             /* ID type unknown or data of the wrong shape */
  ISAKMP_ERR_COUNT_          /* number of codes */
} isakmp_err_t;

/* The error of a failed parse: the code and a sentence naming the payload
 * and the numbers at fault, e.g. "SA payload: proposal 1 declares 3
 * transforms, found 2". */
typedef struct {
  isakmp_err_t code;
  char msg[ISAKMP_ERR_MSG_LEN];
} isakmp_error_t;

typedef struct {
  uint8_t icookie[ISAKMP_COOKIE_LEN];
  uint8_t rcookie[ISAKMP_COOKIE_LEN];
  uint8_t next_payload;
  uint8_t major, minor;
  uint8_t exchange;
  uint8_t flags;
  uint32_t msgid;
  uint32_t length;
} isakmp_hdr_t;

/* One payload of a chain: its type and body (after the generic header). */
typedef struct {
  uint8_t type;
  const uint8_t *body;
  size_t len;
} isakmp_payload_t;

typedef struct {
  isakmp_hdr_t hdr;
  const uint8_t *body; /* everything after the header (ciphertext if flag E) */
  size_t body_len;
  isakmp_payload_t pl[ISAKMP_MAX_PAYLOADS];
  unsigned n; /* 0 when flag E is set */
} isakmp_msg_t;

/* A data attribute.  TV: num is the 2-byte value, data NULL, len 0.  TLV:
 * data/len are the value bytes; num their big-endian value when len <= 8
 * (num_ok), else 0. */
typedef struct {
  uint16_t type; /* without the AF bit */
  bool tv;
  bool num_ok;
  uint16_t len;
  const uint8_t *data;
  uint64_t num;
} isakmp_attr_t;

typedef struct {
  uint8_t number;
  uint8_t id;
  uint16_t attr0; /* first attribute in isakmp_sa_t.attrs */
  uint16_t nattrs;
} isakmp_transform_t;

typedef struct {
  uint8_t number;
  uint8_t protocol;
  uint8_t spi_size;
  uint8_t spi[ISAKMP_SPI_MAX];
  uint16_t xf0; /* first transform in isakmp_sa_t.xf */
  uint16_t nxf;
} isakmp_proposal_t;

/* An SA payload.  Transforms and attributes live in shared pools so a few
 * large proposals and many small ones both fit. */
typedef struct {
  uint32_t doi;
  uint32_t situation;
  unsigned nprop, nxf, nattrs;
  isakmp_proposal_t prop[ISAKMP_SA_MAX_PROPOSALS];
  isakmp_transform_t xf[ISAKMP_SA_MAX_TRANSFORMS];
  isakmp_attr_t attrs[ISAKMP_SA_MAX_ATTRS];
} isakmp_sa_t;

typedef struct {
  uint8_t type;
  uint8_t protocol; /* IPsec DOI: IP protocol, 0 = any */
  uint16_t port;
  const uint8_t *data;
  size_t len;
} isakmp_id_t;

typedef struct {
  uint32_t doi;
  uint8_t protocol;
  uint8_t spi_size;
  uint16_t type;
  uint8_t spi[ISAKMP_SPI_MAX];
  const uint8_t *data;
  size_t len;
} isakmp_notify_t;

typedef struct {
  uint32_t doi;
  uint8_t protocol;
  uint8_t spi_size;
  uint16_t count;
  const uint8_t *spis; /* count * spi_size bytes */
} isakmp_delete_t;

/* NAT-OA (RFC 3947 §5.2): an IPv4 (type 1) or IPv6 (type 5) address */
typedef struct {
  uint8_t id_type;
  const uint8_t *addr;
  size_t len;
} isakmp_natoa_t;

/* CERT (encoding + certificate) and CR (type + authority, may be empty) */
typedef struct {
  uint8_t encoding;
  const uint8_t *data;
  size_t len;
} isakmp_cert_t;

/* KE, NONCE, HASH, SIG, VID, NAT-D: the body as it is */
typedef struct {
  const uint8_t *data;
  size_t len;
} isakmp_raw_t;

/* Any payload decoded by type (see isakmp_decode_payload). */
typedef struct {
  uint8_t type;
  union {
    isakmp_sa_t sa;
    isakmp_id_t id;
    isakmp_notify_t n;
    isakmp_delete_t d;
    isakmp_natoa_t natoa;
    isakmp_cert_t cert;
    isakmp_raw_t raw;
  } u;
} isakmp_decoded_t;

/* The 28-byte header of a datagram of len bytes.  Checks the version (major
 * 1), the flags, and that the header's length equals len. */
isakmp_err_t isakmp_parse_header(const uint8_t *buf, size_t len, isakmp_hdr_t *hdr, isakmp_error_t *e);

/* The payload chain in buf[0..len) starting with payload type first.  Each
 * generic header is checked (length >= 4 and within the bytes left), types
 * must be known top-level payloads, at most cap payloads.  Bytes after the
 * payload whose next payload is 0 are an error when pad is NULL, else
 * their count is stored there (the padding of a decrypted message). */
isakmp_err_t isakmp_parse_chain(uint8_t first, const uint8_t *buf, size_t len, isakmp_payload_t *out,
                                unsigned cap, unsigned *n, size_t *pad, isakmp_error_t *e);

/* Header, then (when flag E is clear) the chain, which must fill the
 * message exactly. */
isakmp_err_t isakmp_parse_message(const uint8_t *buf, size_t len, isakmp_msg_t *msg, isakmp_error_t *e);

/* Typed decoders of a payload body (isakmp_payload_t.body/len). */
isakmp_err_t isakmp_parse_sa(const uint8_t *b, size_t len, isakmp_sa_t *sa, isakmp_error_t *e);
isakmp_err_t isakmp_parse_id(const uint8_t *b, size_t len, isakmp_id_t *id, isakmp_error_t *e);
isakmp_err_t isakmp_parse_notify(const uint8_t *b, size_t len, isakmp_notify_t *n, isakmp_error_t *e);
isakmp_err_t isakmp_parse_delete(const uint8_t *b, size_t len, isakmp_delete_t *d, isakmp_error_t *e);
isakmp_err_t isakmp_parse_natoa(const uint8_t *b, size_t len, isakmp_natoa_t *o, isakmp_error_t *e);
isakmp_err_t isakmp_parse_cert(uint8_t type, const uint8_t *b, size_t len, isakmp_cert_t *c, isakmp_error_t *e);
/* KE, NONCE (8..256 bytes), HASH, SIG, VID, NAT-D: non-empty bodies. */
isakmp_err_t isakmp_parse_raw(uint8_t type, const uint8_t *b, size_t len, isakmp_raw_t *r, isakmp_error_t *e);

/* The typed decoder for p->type. */
isakmp_err_t isakmp_decode_payload(const isakmp_payload_t *p, isakmp_decoded_t *out, isakmp_error_t *e);

/* The proposal's i-th transform and the transform's i-th attribute. */
const isakmp_transform_t *isakmp_sa_xf(const isakmp_sa_t *sa, const isakmp_proposal_t *p, unsigned i);
const isakmp_attr_t *isakmp_sa_attr(const isakmp_sa_t *sa, const isakmp_transform_t *t, unsigned i);
/* The first attribute of that type in the transform, or NULL. */
const isakmp_attr_t *isakmp_xf_find(const isakmp_sa_t *sa, const isakmp_transform_t *t, uint16_t type);
/* Same content (pointers into different buffers may differ). */
bool isakmp_sa_equal(const isakmp_sa_t *a, const isakmp_sa_t *b);

/* Names for logs: "SA", "ID", "NAT-D"...; "main", "quick"...;
 * "NO-PROPOSAL-CHOSEN"...  Unknown numbers give "?" (never NULL). */
const char *isakmp_payload_name(unsigned type);
const char *isakmp_exchange_name(unsigned xchg);
const char *isakmp_notify_name(unsigned type);
const char *isakmp_id_type_name(unsigned type);
const char *isakmp_proto_name(unsigned proto);
const char *isakmp_err_name(isakmp_err_t code);
/* The notify type that answers a parse error (RFC 2408 §5), e.g.
 * ISAKMP_ERR_PROPOSAL -> BAD-PROPOSAL-SYNTAX. */
uint16_t isakmp_err_notify(isakmp_err_t code);
/* True for payload types that may appear in a message's chain. */
bool isakmp_payload_known(unsigned type);
