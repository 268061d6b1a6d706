#include "dp_drop.h"

const char *dp_drop_name(dp_drop_t why)
{
  static const char *const names[] = {"ok", "auth", "replay", "policy", "decrypt", "pad", "other"};
  return (unsigned)why < sizeof names / sizeof names[0] ? names[why] : "other";
}
