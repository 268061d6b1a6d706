/* Phase-1 identities (RFC 2407 §4.6.2): the ID we send (an address, an
 * FQDN or a user@FQDN, reference §3 `tunnel source`), and the checks on the
 * peer's: a type phase 1 with pre-shared keys takes, the expected one when
 * configured (`tunnel destination identity`), and an address ID that names
 * the peer's address unless NAT-D found the peer behind a NAT. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ike_mm_priv.h"

static bool printable(const uint8_t *d, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (d[i] < 0x21 || d[i] > 0x7e)
      return false;
  return true;
}

static uint32_t get32(const uint8_t *d)
{
  return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

bool mm_id_valid(const ike_mm_id_t *id, bool unset_ok)
{
  switch (id->type) {
  case 0: return unset_ok;
  case ISAKMP_ID_IPV4_ADDR: return id->len == 0 || id->len == 4;
  case ISAKMP_ID_FQDN:
  case ISAKMP_ID_USER_FQDN: return id->len >= 1 && id->len <= IKE_MM_ID_MAX && printable(id->data, id->len);
  default: return false;
  }
}

bool ike_mm_id_set(ike_mm_id_t *id, uint8_t type, const char *value)
{
  memset(id, 0, sizeof *id);
  size_t n = value ? strlen(value) : 0;
  if (type == ISAKMP_ID_IPV4_ADDR) {
    struct in_addr a;
    if (!value || inet_pton(AF_INET, value, &a) != 1)
      return false;
    id->type = type;
    id->len = 4;
    memcpy(id->data, &a.s_addr, 4); /* network order already */
    return true;
  }
  if ((type != ISAKMP_ID_FQDN && type != ISAKMP_ID_USER_FQDN) || n == 0 || n > IKE_MM_ID_MAX ||
      !printable((const uint8_t *)value, n))
    return false;
  id->type = type;
  id->len = n;
  memcpy(id->data, value, n);
  return true;
}

size_t mm_local_id_body(const ike_mm_t *mm, uint8_t b[IKE_ID_MAX])
{
  /* RFC 2407 §4.6.2: in phase 1 the ID's protocol and port are 0 (or UDP/500) */
  b[0] = mm->local_id.type;
  b[1] = b[2] = b[3] = 0;
  memcpy(b + 4, mm->local_id.data, mm->local_id.len);
  return 4 + mm->local_id.len;
}

const char *mm_id_text(const isakmp_id_t *id, char *buf, size_t len)
{
  char a[16];
  if (id->type == ISAKMP_ID_IPV4_ADDR && id->len == 4) {
    snprintf(buf, len, "IPv4 address %s", mm_addr_str(get32(id->data), a));
  } else if (id->type == ISAKMP_ID_FQDN || id->type == ISAKMP_ID_USER_FQDN) {
    int n = (int)(id->len > 100 ? 100 : id->len);
    snprintf(buf, len, "%s \"%.*s\"%s", id->type == ISAKMP_ID_FQDN ? "FQDN" : "user@FQDN", n,
             (const char *)id->data, id->len > 100 ? "..." : "");
  } else {
    snprintf(buf, len, "%s (%zu bytes)", isakmp_id_type_name(id->type), id->len);
  }
  return buf;
}

const char *ike_mm_id_text(const uint8_t *id_b, size_t len, char *buf, size_t cap)
{
  isakmp_id_t id;
  isakmp_error_t e;
  if (isakmp_parse_id(id_b, len, &id, &e) != ISAKMP_OK) {
    snprintf(buf, cap, "malformed ID (%zu bytes)", len);
    return buf;
  }
  return mm_id_text(&id, buf, cap);
}

mm_res_t mm_parse_peer_id(const char *what, const uint8_t *b, size_t len, isakmp_id_t *id, mm_res_t r,
                          ike_mm_error_t *err)
{
  isakmp_error_t e;
  char t[160];
  if (isakmp_parse_id(b, len, id, &e) != ISAKMP_OK)
    return mm_set_err(err, r, ISAKMP_N_INVALID_ID_INFORMATION, "%s: ID: %s", what, e.msg);
  if (len > IKE_ID_MAX)
    return mm_set_err(err, r, ISAKMP_N_INVALID_ID_INFORMATION, "%s: ID of %zu bytes, at most %d", what, len,
                      IKE_ID_MAX);
  if (id->type != ISAKMP_ID_IPV4_ADDR && id->type != ISAKMP_ID_FQDN && id->type != ISAKMP_ID_USER_FQDN)
    return mm_set_err(err, r, ISAKMP_N_INVALID_ID_INFORMATION,
                      "%s: peer's ID is %s; phase 1 with pre-shared keys takes an IPv4 address, FQDN or user@FQDN",
                      what, mm_id_text(id, t, sizeof t));
  return MM_OK;
}

static bool same_id(const ike_mm_id_t *want, const isakmp_id_t *id)
{
  if (want->type != id->type || want->len != id->len)
    return false;
  /* names compare without case (DNS; strongSwan does the same for
   * user@FQDN) */
  if (id->type == ISAKMP_ID_IPV4_ADDR)
    return memcmp(want->data, id->data, 4) == 0;
  return strncasecmp((const char *)want->data, (const char *)id->data, id->len) == 0;
}

mm_res_t mm_check_expected_id(const ike_mm_t *mm, const char *what, const isakmp_id_t *id, ike_mm_error_t *err)
{
  const ike_mm_id_t *want = &mm->peer_id_want;
  if (!want->type || same_id(want, id))
    return MM_OK;
  char a[16], t[160], w[160];
  const isakmp_id_t wid = {.type = want->type, .data = want->data, .len = want->len};
  return mm_fail(err, ISAKMP_N_INVALID_ID_INFORMATION, "%s: peer %s identified itself as %s, expected %s", what,
                 mm_addr_str(mm->sa.peer_addr, a), mm_id_text(id, t, sizeof t), mm_id_text(&wid, w, sizeof w));
}

mm_res_t mm_check_addr_id(const ike_mm_t *mm, const char *what, const isakmp_id_t *id, ike_mm_error_t *err)
{
  if (id->type != ISAKMP_ID_IPV4_ADDR || get32(id->data) == mm->sa.peer_addr || mm->sa.nat_peer)
    return MM_OK;
  char a[16], t[160];
  return mm_fail(err, ISAKMP_N_INVALID_ID_INFORMATION,
                 "%s: peer %s identified itself as %s, which is not its address, and no NAT was detected", what,
                 mm_addr_str(mm->sa.peer_addr, a), mm_id_text(id, t, sizeof t));
}

mm_res_t mm_accept_peer_id(ike_mm_t *mm, const char *what, const uint8_t *b, size_t len, ike_mm_error_t *err)
{
  isakmp_id_t id;
  mm_res_t r = mm_parse_peer_id(what, b, len, &id, MM_FAIL, err);
  if (r == MM_OK)
    r = mm_check_expected_id(mm, what, &id, err);
  if (r == MM_OK)
    r = mm_check_addr_id(mm, what, &id, err);
  if (r != MM_OK)
    return r;
  memcpy(mm->sa.peer_id, b, len);
  mm->sa.peer_id_len = len;
  return MM_OK;
}
