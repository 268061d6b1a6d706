/* Why an inbound packet was dropped: one value per counter of
 * `show ipsec tunnel detail` in the reference. */
#pragma once

typedef enum {
  DP_OK = 0,
  DP_DROP_AUTH,    /* ICV or GCM tag mismatch */
  DP_DROP_REPLAY,  /* anti-replay window: decided by the caller */
  DP_DROP_POLICY,  /* inner packet outside the selectors: decided by the caller */
  DP_DROP_DECRYPT, /* ciphertext not decryptable (length not a block multiple, cipher failure) */
  DP_DROP_PAD,     /* pad length or pad bytes wrong (RFC 4303 §2.4) */
  DP_DROP_OTHER,   /* malformed: too short, wrong SPI, next header, inner header */
} dp_drop_t;

/* The codecs' one way out of a decap: sets the caller's *why (a static
 * message) and returns the reason. */
#define DROP(reason, msg) \
  do {                    \
    *why = (msg);         \
    return (reason);      \
  } while (0)

const char *dp_drop_name(dp_drop_t why);
