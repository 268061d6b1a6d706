/* ISAKMP/IKEv1 message builder: a bounded writer into the caller's buffer.
 *
 * A message is built in order: isakmp_put_header(), payloads, then
 * isakmp_finish(), which patches the header's length.  Each payload writes
 * its type into the previous payload's next-payload byte (or the header's),
 * and lengths are patched when the payload is closed, so the caller never
 * counts.  The SA payload is built with sa_begin / prop_begin / xf_begin /
 * attr calls (each closes what came before at its level), or from a parsed
 * isakmp_sa_t with isakmp_put_sa().
 *
 * Nothing is written past cap: a write that does not fit sets overflow and
 * every later call does nothing; a call out of order (a transform outside a
 * proposal) sets misuse.  Check isakmp_finish()'s result once at the end.
 *
 * Encrypted messages: build the plaintext chain in a writer without a
 * header (its first payload type is in .first), encrypt it, then write the
 * header with next_payload = .first and flag E and add the ciphertext with
 * isakmp_put_bytes(). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isakmp_codec.h"

typedef struct {
  uint8_t *buf;
  size_t cap, len;
  bool overflow;   /* a write did not fit, or a 16-bit length would overflow */
  bool misuse;     /* a call out of order */
  uint8_t first;   /* type of the first payload appended, 0 = none yet */
  bool has_hdr;    /* a header was written at offset 0 */
  size_t next_at;  /* where the next payload's type goes (SIZE_MAX: nowhere yet) */
  size_t pl_at;    /* the open top-level payload (SIZE_MAX: none) */
  size_t prop_at;  /* the current SA's last proposal (SIZE_MAX: none) */
  size_t xf_at;    /* the current proposal's last transform (SIZE_MAX: none) */
  bool prop_open, xf_open;
  uint8_t pl_type;
} isakmp_wbuf_t;

void isakmp_wbuf_init(isakmp_wbuf_t *w, uint8_t *buf, size_t cap);
/* True while nothing overflowed and no call was out of order. */
bool isakmp_wbuf_ok(const isakmp_wbuf_t *w);

/* The 28-byte header, version 1.0, length 0 until isakmp_finish().  Its
 * next_payload is hdr->next_payload until a payload is appended.  Only as
 * the writer's first call. */
void isakmp_put_header(isakmp_wbuf_t *w, const isakmp_hdr_t *hdr);
/* Closes the open payload, patches the header length; the message length,
 * or 0 if anything overflowed or was out of order. */
size_t isakmp_finish(isakmp_wbuf_t *w);
/* Bytes outside the payload chain (ciphertext after a header). */
void isakmp_put_bytes(isakmp_wbuf_t *w, const void *data, size_t len);

/* SA payload, step by step. */
void isakmp_sa_begin(isakmp_wbuf_t *w, uint32_t doi, uint32_t situation);
void isakmp_prop_begin(isakmp_wbuf_t *w, uint8_t number, uint8_t protocol, const uint8_t *spi, uint8_t spi_size);
void isakmp_xf_begin(isakmp_wbuf_t *w, uint8_t number, uint8_t id);
/* A numeric attribute: TV when value fits 16 bits (RFC 2408 §3.3 lets a
 * variable attribute travel in basic form then), else TLV of 4 or 8 bytes. */
void isakmp_attr(isakmp_wbuf_t *w, uint16_t type, uint64_t value);
void isakmp_attr_tv(isakmp_wbuf_t *w, uint16_t type, uint16_t value);
void isakmp_attr_tlv(isakmp_wbuf_t *w, uint16_t type, const uint8_t *data, uint16_t len);
/* A whole SA payload as parsed (attributes keep their TV/TLV form). */
void isakmp_put_sa(isakmp_wbuf_t *w, const isakmp_sa_t *sa);

/* The other payloads, from the structures the parser fills. */
void isakmp_put_id(isakmp_wbuf_t *w, const isakmp_id_t *id);
void isakmp_put_notify(isakmp_wbuf_t *w, const isakmp_notify_t *n);
void isakmp_put_delete(isakmp_wbuf_t *w, const isakmp_delete_t *d);
void isakmp_put_natoa(isakmp_wbuf_t *w, uint8_t type, const isakmp_natoa_t *o);
/* CERT or CR */
void isakmp_put_cert(isakmp_wbuf_t *w, uint8_t type, const isakmp_cert_t *c);
/* A payload whose body is data as it is: KE, NONCE, HASH, SIG, VID, NAT-D. */
void isakmp_put_raw(isakmp_wbuf_t *w, uint8_t type, const void *data, size_t len);

static inline void isakmp_put_ke(isakmp_wbuf_t *w, const void *data, size_t len)
{
  isakmp_put_raw(w, ISAKMP_PL_KE, data, len);
}

static inline void isakmp_put_nonce(isakmp_wbuf_t *w, const void *data, size_t len)
{
  isakmp_put_raw(w, ISAKMP_PL_NONCE, data, len);
}

static inline void isakmp_put_hash(isakmp_wbuf_t *w, const void *data, size_t len)
{
  isakmp_put_raw(w, ISAKMP_PL_HASH, data, len);
}

static inline void isakmp_put_vid(isakmp_wbuf_t *w, const void *data, size_t len)
{
  isakmp_put_raw(w, ISAKMP_PL_VID, data, len);
}

/* draft: payload type 130 for peers that negotiated the draft NAT-T */
static inline void isakmp_put_natd(isakmp_wbuf_t *w, bool draft, const void *data, size_t len)
{
  isakmp_put_raw(w, draft ? ISAKMP_PL_NATD_DRAFT : ISAKMP_PL_NATD, data, len);
}

/* Any decoded payload back to bytes (a NAT-OA or CERT keeps its type). */
void isakmp_put_decoded(isakmp_wbuf_t *w, const isakmp_decoded_t *d);
