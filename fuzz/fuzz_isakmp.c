/* libFuzzer target for iked's ISAKMP/IKEv1 codec.  The input is a datagram:
 * it is parsed as a cleartext message (or, when flag E is set, its body is
 * parsed as if it were the decrypted payload chain, padding allowed), and
 * every payload found goes through its typed decoder.
 *
 * Oracles: a refusal always carries a message; every payload lies inside
 * the input; every decoded payload builds back to the same length; a
 * decoded SA payload built again with the builder parses to an equal
 * structure; every other decoded payload builds back to the same body
 * bytes (NAT-OA: same fields, its reserved bytes are not kept).
 *
 * Seeds: fuzz/corpus/isakmp was written by running the target once with
 *   ERX_FUZZ_WRITE_SEEDS=fuzz/corpus/isakmp build-h3fuzz/fuzz/fuzz_isakmp -runs=0
 * which saves the sample messages of tests/unit/iked/isakmp_samples.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isakmp_build.h"
#include "isakmp_codec.h"
#include "isakmp_samples.h"

static isakmp_msg_t msg;
static isakmp_decoded_t dec;
static isakmp_sa_t again;
static uint8_t out[1 << 17];

static void check(int ok, const char *what)
{
  if (!ok) {
    fprintf(stderr, "oracle failed: %s\n", what);
    abort();
  }
}

static void write_seed(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = len ? fopen(path, "wb") : NULL;
  if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
    fprintf(stderr, "%s: cannot write\n", path);
    abort();
  }
}

/* The samples, and the informational one flagged E with 3 bytes of padding
 * (as if decrypted) for the path that parses the body as a chain. */
static void write_seeds(const char *dir)
{
  static uint8_t buf[4096];
  size_t len = 0;
  for (const sample_t *s = samples; s->name; s++) {
    len = s->build(buf, sizeof buf);
    write_seed(dir, s->name, buf, len);
  }
  len = sample_info(buf, sizeof buf);
  buf[19] |= ISAKMP_FLAG_E;
  memset(buf + len, 0, 3);
  len += 3;
  buf[27] = (uint8_t)len; /* under 256 bytes */
  write_seed(dir, "informational-padded-E", buf, len);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  const char *dir = getenv("ERX_FUZZ_WRITE_SEEDS");
  if (dir)
    write_seeds(dir);
  return 0;
}

/* The payload p, decoded into dec, built again in a chain of its own. */
static void rebuild_one(const isakmp_payload_t *p)
{
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, out, sizeof out);
  isakmp_put_decoded(&w, &dec);
  size_t len = isakmp_finish(&w);
  check(len >= 4 && out[0] == 0 && w.first == p->type, "the payload builds again");
  isakmp_error_t e;
  isakmp_payload_t back;
  unsigned n;
  check(isakmp_parse_chain(p->type, out, len, &back, 1, &n, NULL, &e) == ISAKMP_OK && n == 1,
        "the rebuilt payload parses");
  /* every structure fills its parent exactly, so the size cannot change */
  check(back.len == p->len, "the rebuilt payload has the same length");
  if (p->type == ISAKMP_PL_SA) {
    check(isakmp_parse_sa(back.body, back.len, &again, &e) == ISAKMP_OK, "the rebuilt SA parses");
    check(isakmp_sa_equal(&dec.u.sa, &again), "the rebuilt SA is the same SA");
  } else if (p->type == ISAKMP_PL_NATOA || p->type == ISAKMP_PL_NATOA_DRAFT) {
    isakmp_natoa_t o;
    check(isakmp_parse_natoa(back.body, back.len, &o, &e) == ISAKMP_OK && o.id_type == dec.u.natoa.id_type &&
              o.len == dec.u.natoa.len && memcmp(o.addr, dec.u.natoa.addr, o.len) == 0,
          "the rebuilt NAT-OA is the same");
  } else {
    check(back.len == p->len && memcmp(back.body, p->body, p->len) == 0, "the rebuilt payload has the same body");
  }
}

static void decode_all(const uint8_t *data, size_t size, const isakmp_payload_t *pl, unsigned n)
{
  for (unsigned i = 0; i < n; i++) {
    check(pl[i].body >= data && pl[i].body + pl[i].len <= data + size, "payload inside the input");
    isakmp_error_t e;
    if (isakmp_decode_payload(&pl[i], &dec, &e) == ISAKMP_OK)
      rebuild_one(&pl[i]);
    else
      check(e.code != ISAKMP_OK && e.msg[0] != '\0', "a refused payload says why");
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  isakmp_error_t e;
  isakmp_err_t r = isakmp_parse_message(data, size, &msg, &e);
  if (r != ISAKMP_OK) {
    check(e.code == r && e.msg[0] != '\0', "a refused message says why");
    return 0;
  }
  if (msg.hdr.flags & ISAKMP_FLAG_E) {
    size_t pad;
    if (isakmp_parse_chain(msg.hdr.next_payload, msg.body, msg.body_len, msg.pl, ISAKMP_MAX_PAYLOADS, &msg.n, &pad,
                           &e) != ISAKMP_OK)
      return 0;
    check(pad <= msg.body_len, "padding inside the body");
  }
  decode_all(data, size, msg.pl, msg.n);
  return 0;
}
