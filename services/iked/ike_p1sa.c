/* The established phase-1 SA's one function: its teardown. */
#include "ike_p1sa.h"

#include <openssl/crypto.h>

void ike_p1sa_clear(ike_p1sa_t *sa)
{
  if (!sa)
    return;
  ike_cipher_free(sa->cipher);
  ike_p1_keys_clear(&sa->keys);
  /* the IV chain and the rest are not keys, but nothing of a dead SA
   * should linger */
  OPENSSL_cleanse(sa, sizeof *sa);
}
