#include "cfg_check.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool name_char(char c)
{
  return isalnum((unsigned char)c) || strchr("._#:@+=-", c) != NULL;
}

int cfg_check_name(cli_exec_t *x, const char *what, const char *s, size_t max)
{
  size_t len = strlen(s);
  if (len == 0)
    return cfg_err(x, "%s must not be empty", what);
  if (len > max)
    return cfg_err(x, "%s is %zu characters long; at most %zu are allowed", what, len, max);
  for (const char *p = s; *p; p++)
    if (!name_char(*p))
      return cfg_err(x, "%s may contain only letters, digits and . _ # : @ + = - (not '%c')", what, *p);
  return 0;
}

int cfg_check_peer(cli_exec_t *x, const char *s, Erx__Cfg__PeerType *type)
{
  uint32_t a;
  if (erx_ipv4_parse(s, &a)) {
    *type = ERX__CFG__PEER_TYPE__PEER_ADDRESS;
    return 0;
  }
  if (strchr(s, '@')) {
    if (!erx_user_fqdn_valid(s))
      return cfg_err(x, "'%s' is not a valid user@fqdn (at most %d characters)", s, ERX_FQDN_MAX);
    *type = ERX__CFG__PEER_TYPE__PEER_USER_FQDN;
    return 0;
  }
  if (!erx_fqdn_valid(s))
    return cfg_err(x, "'%s' is neither an IPv4 address nor a valid fqdn (at most %d characters)", s,
                   ERX_FQDN_MAX);
  *type = ERX__CFG__PEER_TYPE__PEER_FQDN;
  return 0;
}

static int hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (char)tolower((unsigned char)c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

int cfg_parse_hex(cli_exec_t *x, const char *what, const char *hex, uint8_t *out, size_t want)
{
  size_t len = strlen(hex);
  if (len != 2 * want)
    return cfg_err(x, "%s must be %zu hex digits, not %zu", what, 2 * want, len);
  for (size_t i = 0; i < want; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return cfg_err(x, "%s must be hex digits", what);
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

uint32_t cfg_arg_u32(const cli_args_t *a, const char *name)
{
  const char *v = cli_arg(a, name);
  return v ? (uint32_t)strtoul(v, NULL, 10) : 0;
}

uint64_t cfg_arg_u64(const cli_args_t *a, const char *name)
{
  const char *v = cli_arg(a, name);
  return v ? (uint64_t)strtoull(v, NULL, 10) : 0;
}
