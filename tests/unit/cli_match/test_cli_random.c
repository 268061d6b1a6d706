/* Properties over many generated lines: no crash, sane results, and the
 * canonical spelling matches the same command to the same spelling. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "cli_toy_grammar.h"

static uint32_t rng = 12345;

static uint32_t next(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

/* pieces that reach deep into the toy grammar, plus raw bytes */
static const char *const pieces[] = {
    "show", "sh", "conf", "version", "no", "hostname", "interface", "tunnel", "ipsec:", "ipsec:t1", "source",
    "mtu", "1.2.3.4", "256.0.0.1", "01.2.3.4", "600", "9000", "18446744073709551616", "key", "ab", "0x1",
    "description", "peer", "port", "transform-set", "esp-", "esp-null", "esp-3", "counter", "ip", "route",
    "address", "debug", "all", "member", "value", "twin", "pair", "exit", "\"", "\"a b\"", "\\", "\"\\\"\"",
    "!", "#", "", "x",
};

static void gen(char *buf, size_t cap)
{
  size_t n = 0, words = next() % 9;
  for (size_t w = 0; w < words && n + 40 < cap; w++) {
    uint32_t r = next();
    if (r % 7 == 0) {
      size_t len = next() % 6;
      for (size_t i = 0; i < len; i++)
        buf[n++] = (char)(next() % 255 + 1);
    } else {
      const char *p = pieces[r % (sizeof pieces / sizeof pieces[0])];
      memcpy(buf + n, p, strlen(p));
      n += strlen(p);
    }
    buf[n++] = (next() % 5 == 0) ? '\t' : ' ';
  }
  if (n && next() % 2)
    n--; /* leave the last word open for "?" */
  buf[n] = '\0';
}

Test(cli_random, properties)
{
  cli_graph_t *g = cli_toy_build();
  cr_assert_not_null(g);
  char line[512];
  size_t counts[CLI_MATCH_TOO_LONG + 1] = {0};
  for (int i = 0; i < 40000; i++) {
    gen(line, sizeof line);
    cli_match_t m;
    cli_match_status_t st = cli_match(g, line, &m);
    cr_assert_leq((unsigned)st, CLI_MATCH_TOO_LONG);
    counts[st]++;
    if (st == CLI_MATCH_OK) {
      cr_assert_not_null(m.canonical);
      cli_match_t again;
      cr_assert_eq(cli_match(g, m.canonical, &again), CLI_MATCH_OK, "\"%s\" -> \"%s\"", line, m.canonical);
      cr_assert_eq(again.cmd, m.cmd, "\"%s\" -> \"%s\"", line, m.canonical);
      cr_assert_str_eq(again.canonical, m.canonical, "\"%s\"", line);
      cli_match_free(&again);
    } else if (st == CLI_MATCH_INVALID || st == CLI_MATCH_AMBIGUOUS) {
      cr_assert_lt(m.err_offset, strlen(line));
      cr_assert_neq(line[m.err_offset], ' ');
    }
    cli_match_free(&m);
    char *h = cli_help(g, line, &m);
    if (h)
      cr_assert(h[0] == '\0' || h[strlen(h) - 1] == '\n');
    free(h);
    cli_match_free(&m);
    char **v;
    size_t n = cli_complete(g, line, &v);
    for (size_t k = 1; k < n; k++)
      cr_assert_lt(strcmp(v[k - 1], v[k]), 0);
    cli_strv_free(v, n);
  }
  cr_log_info("ok %zu empty %zu invalid %zu incomplete %zu ambiguous %zu", counts[0], counts[1], counts[2], counts[3],
              counts[4]);
  cr_assert_gt(counts[CLI_MATCH_OK], 100);
  cli_graph_destroy(&g);
}
