/* Base64 digits, standard (RFC 4648 §4: masked keys) or URL-safe (§5:
 * licence keys).  Each caller keeps its own strictness rules. */
#pragma once
#include <stdbool.h>

/* The digit's value 0..63, or -1 if c is not a digit of that alphabet. */
static inline int erx_b64_value(unsigned char c, bool url)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == (url ? '-' : '+'))
    return 62;
  if (c == (url ? '_' : '/'))
    return 63;
  return -1;
}
