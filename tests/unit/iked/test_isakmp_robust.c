/* The parser against damaged input: every truncation of every sample is
 * refused, and every single-byte change is either refused or yields a parse
 * that builds back to a message parsing to the same thing.  Inputs are
 * copied into heap blocks of their exact size, so under ASan (build-asan)
 * any read past the end fails the test. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "isakmp_build.h"
#include "isakmp_codec.h"
#include "isakmp_samples.h"

static isakmp_error_t err;
static isakmp_msg_t msg;
static isakmp_decoded_t dec;

static uint8_t *dup_exact(const uint8_t *p, size_t len)
{
  uint8_t *q = malloc(len ? len : 1);
  cr_assert_not_null(q);
  memcpy(q, p, len);
  return q;
}

static void put_len32(uint8_t *p, size_t v)
{
  for (int i = 0; i < 4; i++)
    p[24 + i] = (uint8_t)(v >> (24 - 8 * i));
}

Test(robust, every_truncation_is_refused)
{
  static uint8_t full[1024];
  for (const sample_t *s = samples; s->name; s++) {
    size_t len = s->build(full, sizeof full);
    cr_assert_gt(len, 0);
    for (size_t cut = 0; cut < len; cut++) {
      uint8_t *p = dup_exact(full, cut);
      cr_assert_neq(isakmp_parse_message(p, cut, &msg, &err), ISAKMP_OK, "%s cut at %zu", s->name, cut);
      cr_assert_neq(err.msg[0], '\0');
      if (cut >= ISAKMP_HDR_LEN) {
        /* the header agrees with the cut, so the chain must notice */
        put_len32(p, cut);
        cr_assert_neq(isakmp_parse_message(p, cut, &msg, &err), ISAKMP_OK, "%s cut at %zu", s->name, cut);
        cr_assert_neq(err.code, ISAKMP_ERR_LENGTH, "%s cut at %zu: %s", s->name, cut, err.msg);
      }
      free(p);
    }
  }
}

Test(robust, truncated_sa_and_delete_bodies_are_refused)
{
  static uint8_t full[1024];
  for (const sample_t *s = samples; s->name; s++) {
    size_t len = s->build(full, sizeof full);
    cr_assert_eq(isakmp_parse_message(full, len, &msg, &err), ISAKMP_OK, "%s: %s", s->name, err.msg);
    for (unsigned i = 0; i < msg.n; i++) {
      const isakmp_payload_t *pl = &msg.pl[i];
      for (size_t cut = 0; cut < pl->len; cut++) {
        isakmp_payload_t t = {.type = pl->type, .body = dup_exact(pl->body, cut), .len = cut};
        isakmp_err_t r = isakmp_decode_payload(&t, &dec, &err);
        if (pl->type == ISAKMP_PL_SA || pl->type == ISAKMP_PL_D)
          cr_assert_neq(r, ISAKMP_OK, "%s payload %u (%s) cut at %zu", s->name, i, isakmp_payload_name(pl->type),
                        cut);
        free((void *)t.body);
      }
    }
  }
}

/* A parsed message's payloads lie inside it, and building it again gives a
 * message of the same length that parses and builds to the same bytes. */
static void check_consistent(const char *name, size_t pos, const uint8_t *p, size_t len)
{
  static uint8_t once[1024], twice[1024];
  for (unsigned i = 0; i < msg.n; i++)
    cr_assert(msg.pl[i].body >= p && msg.pl[i].body + msg.pl[i].len <= p + len, "%s byte %zu", name, pos);
  size_t l1 = sample_rebuild(p, len, once, sizeof once, &err);
  if (l1 == 0)
    return; /* a typed decoder refused a payload */
  /* every structure fills its parent exactly, so nothing grows or shrinks */
  cr_assert_eq(l1, len, "%s byte %zu: rebuilt as %zu bytes from %zu", name, pos, l1, len);
  uint8_t *q = dup_exact(once, l1);
  size_t l2 = sample_rebuild(q, l1, twice, sizeof twice, &err);
  cr_assert_eq(l2, l1, "%s byte %zu: the rebuilt message is refused: %s", name, pos, err.msg);
  cr_assert_eq(memcmp(once, twice, l1), 0, "%s byte %zu", name, pos);
  free(q);
}

Test(robust, every_single_byte_change_is_refused_or_consistent)
{
  static uint8_t full[1024];
  unsigned accepted = 0, refused = 0;
  for (const sample_t *s = samples; s->name; s++) {
    size_t len = s->build(full, sizeof full);
    for (size_t pos = 0; pos < len; pos++)
      for (unsigned v = 0; v < 256; v++) {
        if (v == full[pos])
          continue;
        uint8_t *p = dup_exact(full, len);
        p[pos] = (uint8_t)v;
        if (isakmp_parse_message(p, len, &msg, &err) == ISAKMP_OK) {
          accepted++;
          check_consistent(s->name, pos, p, len);
        } else {
          refused++;
          cr_assert_neq(err.msg[0], '\0');
        }
        free(p);
      }
  }
  cr_log_info("single-byte changes: %u parsed, %u refused", accepted, refused);
  cr_assert_gt(refused, 0);
  cr_assert_gt(accepted, 0);
}
