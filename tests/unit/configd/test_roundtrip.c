/* show configuration re-parses to the same state: checked on randomly
 * generated configurations that use every command of the grammar. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_harness.h"
#include "transforms.h"

typedef struct {
  char *s;
  size_t len, cap;
  unsigned seed;
} gen_t;

static unsigned rnd(gen_t *g, unsigned n)
{
  g->seed = g->seed * 1103515245u + 12345u;
  return (g->seed >> 8) % n;
}

static void emit(gen_t *g, const char *fmt, ...)
{
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (g->len + (size_t)n + 2 > g->cap) {
    g->cap = (g->cap + (size_t)n + 2) * 2;
    g->s = realloc(g->s, g->cap);
  }
  memcpy(g->s + g->len, line, (size_t)n);
  g->len += (size_t)n;
  g->s[g->len++] = '\n';
  g->s[g->len] = '\0';
}

static const char *addr(gen_t *g, char *buf)
{
  static const char *nets[] = {"192.0.2", "198.51.100", "203.0.113"};
  sprintf(buf, "%s.%u", nets[rnd(g, 3)], 1 + rnd(g, 254));
  return buf;
}

static void hex(gen_t *g, char *buf, unsigned bytes)
{
  for (unsigned i = 0; i < bytes; i++)
    sprintf(buf + 2 * i, "%02x", rnd(g, 256));
}

static void identity(gen_t *g, const char *which)
{
  char a[20], b[20];
  switch (rnd(g, 4)) {
  case 0:
    emit(g, " tunnel %s subnet 203.0.%u.0 255.255.255.0", which, rnd(g, 256));
    break;
  case 1:
    emit(g, " tunnel %s address %s", which, addr(g, a));
    break;
  case 2:
    emit(g, " tunnel %s range 198.51.100.%u 198.51.100.%u", which, 1 + rnd(g, 100), 101 + rnd(g, 100));
    break;
  default:
    (void)b;
    break;
  }
}

static void session_key(gen_t *g, const char *dir)
{
  const erx_transform_info_t *xf = &erx_transforms[rnd(g, (unsigned)erx_transform_count)];
  char k1[160], k2[160];
  hex(g, k1, xf->enc_key_len ? xf->enc_key_len : xf->auth_key_len);
  hex(g, k2, xf->auth_key_len);
  char spi[16] = "";
  if (strcmp(dir, "outbound") == 0 || rnd(g, 2))
    sprintf(spi, "%u ", 256 + rnd(g, 100000));
  if (xf->enc_key_len && xf->auth_key_len)
    emit(g, " tunnel session-key-%s %s %s%s %s", dir, xf->keyword, spi, k1, k2);
  else
    emit(g, " tunnel session-key-%s %s %s%s", dir, xf->keyword, spi, k1);
}

static void generate(gen_t *g)
{
  char a[20];
  emit(g, "hostname r%u", rnd(g, 1000));
  unsigned nsets = 1 + rnd(g, 5);
  for (unsigned i = 0; i < nsets; i++) {
    char line[512];
    int n = sprintf(line, "ipsec transform-set set%u", i);
    unsigned nx = 1 + rnd(g, 6), start = rnd(g, (unsigned)erx_transform_count);
    for (unsigned j = 0; j < nx; j++)
      n += sprintf(line + n, " %s", erx_transforms[(start + j * 3) % erx_transform_count].keyword);
    emit(g, "%s", line);
  }
  if (rnd(g, 2))
    emit(g, "ipsec local-endpoint %s", addr(g, a));
  if (rnd(g, 2))
    emit(g, "ipsec local-endpoint %s transport-virtual-router vr%u", addr(g, a), rnd(g, 3));
  switch (rnd(g, 4)) {
  case 0:
    emit(g, "ipsec lifetime seconds %u", 1800 + rnd(g, 800000));
    break;
  case 1:
    emit(g, "ipsec lifetime seconds %u kilobytes %u", 1800 + rnd(g, 800000), 102400 + rnd(g, 4000000));
    break;
  case 2:
    emit(g, "ipsec lifetime kilobytes %u", 102400 + rnd(g, 4000000));
    break;
  }
  if (rnd(g, 2))
    emit(g, "ipsec option dpd%s%s", rnd(g, 2) ? " idle-interval 30" : "", rnd(g, 2) ? " retries 4" : "");
  unsigned nrules = rnd(g, 11);
  static const char *enc[] = {"des", "3des", "aes128", "aes192", "aes256"}, *hash[] = {"md5", "sha", "sha256"},
                    *grp[] = {"1", "2", "5", "14"}, *aggr[] = {"accepted", "requested", "required", "none"};
  for (unsigned i = 0; i < nrules; i++) {
    emit(g, "ipsec %s %u", rnd(g, 4) ? "ike-policy-rule" : "isakmp-policy-rule", 1 + i * 7 + rnd(g, 7));
    if (rnd(g, 2))
      emit(g, " encryption %s", enc[rnd(g, 5)]);
    if (rnd(g, 2))
      emit(g, " hash %s", hash[rnd(g, 3)]);
    if (rnd(g, 2))
      emit(g, " group %s", grp[rnd(g, 4)]);
    if (rnd(g, 2))
      emit(g, " lifetime %u", 60 + rnd(g, 86000));
    if (rnd(g, 2))
      emit(g, " aggressive-mode %s", aggr[rnd(g, 4)]);
    if (rnd(g, 3) == 0)
      emit(g, " authentication pre-share");
  }
  unsigned nvr = 1 + rnd(g, 3);
  for (unsigned v = 0; v < nvr; v++) {
    if (v)
      emit(g, "virtual-router vr%u", v);
    if (rnd(g, 3) == 0)
      emit(g, "ipsec option tx-invalid-cookie");
    unsigned npsk = rnd(g, 4);
    for (unsigned i = 0; i < npsk; i++) {
      static const char *peers[] = {"peer%u.example.net", "user%u@example.org"};
      char peer[64];
      if (rnd(g, 2))
        addr(g, peer);
      else
        sprintf(peer, peers[rnd(g, 2)], i);
      emit(g, "ipsec key manual pre-share %s", peer);
      if (rnd(g, 4))
        emit(g, " key secret-%u-%u", v, rnd(g, 100000));
    }
    unsigned nt = rnd(g, 6);
    for (unsigned i = 0; i < nt; i++) {
      emit(g, "interface tunnel ipsec:t%u-%u%s", v, i, rnd(g, 2) ? " transport-virtual-router default" : "");
      if (rnd(g, 2))
        emit(g, " ip address 10.%u.%u.1 255.255.255.252", v, i);
      if (rnd(g, 4))
        emit(g, " tunnel transform-set set%u", rnd(g, nsets + 1));
      if (rnd(g, 3) == 0)
        emit(g, " tunnel signaling manual");
      if (rnd(g, 2))
        emit(g, " tunnel source %s", rnd(g, 4) ? addr(g, a) : "ottawa.example.com");
      switch (rnd(g, 3)) {
      case 0:
        emit(g, " tunnel destination %s", addr(g, a));
        break;
      case 1:
        emit(g, " tunnel destination identity boston%u.example.com", i);
        break;
      }
      if (rnd(g, 3) == 0)
        emit(g, " tunnel destination backup %s", addr(g, a));
      identity(g, "local-identity");
      identity(g, "peer-identity");
      if (rnd(g, 2))
        emit(g, " tunnel pfs group %s", grp[rnd(g, 4)]);
      if (rnd(g, 3) == 0)
        emit(g, " tunnel lifetime seconds %u", 1800 + rnd(g, 800000));
      if (rnd(g, 3) == 0)
        emit(g, " tunnel mtu %u", 160 + rnd(g, 8841));
      if (rnd(g, 3) == 0)
        session_key(g, "inbound");
      if (rnd(g, 3) == 0)
        session_key(g, "outbound");
      if (rnd(g, 2))
        emit(g, " exit");
    }
  }
}

/* Every kind of line show configuration can print must have been exercised. */
static const char *const kinds[] = {
    "hostname ", "ipsec transform-set ", "ipsec local-endpoint ", "transport-virtual-router vr", "ipsec lifetime seconds",
    "ipsec lifetime kilobytes", "ipsec option dpd", "idle-interval", "ipsec ike-policy-rule ", " encryption ", " hash ",
    " group ", " lifetime ", " aggressive-mode ", "virtual-router vr", "ipsec option tx-invalid-cookie",
    "ipsec key manual pre-share ", " masked-key \"", "interface tunnel ipsec:", " ip address ", " tunnel transform-set ",
    " tunnel signaling manual", " tunnel source ", " tunnel destination identity ", " tunnel destination backup ",
    " tunnel local-identity subnet", " tunnel peer-identity address", " tunnel local-identity range",
    " tunnel pfs group ", " tunnel lifetime seconds", " tunnel mtu ", " tunnel session-key-inbound ",
    " tunnel session-key-outbound ", "@example.org",
};

Test(roundtrip, random_configurations)
{
  bool seen[sizeof kinds / sizeof kinds[0]] = {false};
  for (unsigned round = 0; round < 300; round++) {
    gen_t g = {.seed = 0x9e3779b9u * (round + 1)};
    generate(&g);
    harness_t a, b;
    harness_init(&a, NULL);
    cr_assert_eq(harness_load(&a, g.s), 0, "round %u: generated lines refused:\n%s", round, g.s);
    char *text_a = harness_config(&a);
    /* same installation (state dir, master key), fresh configuration */
    harness_init(&b, a.dir);
    cr_assert_eq(harness_load(&b, text_a), 0, "round %u: show configuration did not re-parse:\n%s", round, text_a);
    char *text_b = harness_config(&b);
    cr_assert_str_eq(text_b, text_a, "round %u: round trip differs\ninput:\n%s", round, g.s);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
      seen[k] = seen[k] || strstr(text_a, kinds[k]) != NULL;
    free(text_a);
    free(text_b);
    free(g.s);
    harness_fini(&b);
    harness_fini(&a);
  }
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    cr_expect(seen[k], "no generated configuration printed \"%s\"", kinds[k]);
}
