/* ESP on the wire between two virtual routers: packets sealed by our codec
 * leave one network namespace through a raw protocol-50 socket (64 per
 * sendmmsg), cross a veth link on TEST-NET-1, arrive in batches through
 * recvmmsg in the other namespace and open to the same inner packets; a
 * replayed packet is caught by the window.  Needs root. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esp_codec.h"
#include "ipv4_hdr.h"
#include "netns.h"
#include "raw_sock.h"
#include "replay_window.h"
#include "sa_crypto.h"
#include "transforms.h"

static char ns_a[32], ns_b[32];

static void sh(const char *fmt, const char *x, const char *y)
{
  char cmd[256];
  snprintf(cmd, sizeof cmd, fmt, x, y, x, y);
  cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void setup(void)
{
  char err[256];
  snprintf(ns_a, sizeof ns_a, "erxwa%d", (int)getpid());
  snprintf(ns_b, sizeof ns_b, "erxwb%d", (int)getpid());
  cr_assert_eq(dp_netns_create(ns_a, err, sizeof err), 0, "%s", err);
  cr_assert_eq(dp_netns_create(ns_b, err, sizeof err), 0, "%s", err);
  sh("ip link add wa%.6s type veth peer name wb%.6s", ns_a + 5, ns_b + 5);
  char cmd[512];
  snprintf(cmd, sizeof cmd,
           "ip link set wa%1$.6s netns %2$s && ip link set wb%3$.6s netns %4$s && "
           "ip -n %2$s addr add 192.0.2.1/24 dev wa%1$.6s && ip -n %4$s addr add 192.0.2.2/24 dev wb%3$.6s && "
           "ip -n %2$s link set wa%1$.6s up && ip -n %4$s link set wb%3$.6s up",
           ns_a + 5, ns_a, ns_b + 5, ns_b);
  cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void teardown(void)
{
  char cmd[128];
  snprintf(cmd, sizeof cmd, "ip netns del %s; ip netns del %s", ns_a, ns_b);
  if (system(cmd) != 0)
    cr_log_warn("could not delete the namespaces");
}

TestSuite(wire, .init = setup, .fini = teardown);

typedef struct {
  dp_raw_t raw;
  uint32_t bind;
  char err[256];
} opener_t;

static int open_raw(void *arg)
{
  opener_t *o = arg;
  return dp_raw_open(&o->raw, 50, o->bind, false, o->err, sizeof o->err);
}

/* an inner IPv4/UDP packet from 203.0.113.1 to 198.51.100.1 with payload i */
static size_t inner_packet(uint8_t *p, int i)
{
  size_t len = 20 + 8 + 100;
  memset(p, 0, len);
  p[0] = 0x45;
  p[2] = (uint8_t)(len >> 8), p[3] = (uint8_t)len;
  p[8] = 64, p[9] = 17;
  uint32_t s = htonl(0xcb007101), d = htonl(0xc6336401);
  memcpy(p + 12, &s, 4);
  memcpy(p + 16, &d, 4);
  uint16_t c = dp_ipv4_checksum(p, 20);
  p[10] = (uint8_t)(c >> 8), p[11] = (uint8_t)c;
  memset(p + 28, i, 100);
  return len;
}

static void exchange(const char *transform, const uint8_t *enc, size_t enc_len, const uint8_t *auth, size_t auth_len)
{
  char err[256];
  cr_assert(dp_crypto_init(err, sizeof err), "%s", err);
  const erx_transform_info_t *xf = erx_transform_by_keyword(transform);
  dp_sa_t *out = dp_sa_new(xf, 0x1001, enc, enc_len, auth, auth_len, err, sizeof err);
  dp_sa_t *in = dp_sa_new(xf, 0x1001, enc, enc_len, auth, auth_len, err, sizeof err);
  cr_assert(out && in, "%s", err);

  opener_t a = {.bind = 0xc0000201}, b = {.bind = 0xc0000202};
  cr_assert_eq(dp_netns_run(ns_a, open_raw, &a, err, sizeof err), 0, "%s %s", err, a.err);
  cr_assert_eq(dp_netns_run(ns_b, open_raw, &b, err, sizeof err), 0, "%s %s", err, b.err);

  enum { N = DP_RAW_BATCH };
  static uint8_t wire[N][2048], inner[N][256], got[N][2048], plain[2048];
  uint8_t *txp[N], *rxp[N];
  size_t txlen[N], rxlen[N];
  uint32_t dst[N], src[N];
  for (int i = 0; i < N; i++) {
    size_t il = inner_packet(inner[i], i);
    cr_assert(dp_esp_encap(out, (uint32_t)i + 1, inner[i], il, wire[i], sizeof wire[i], &txlen[i]));
    txp[i] = wire[i];
    rxp[i] = got[i];
    dst[i] = 0xc0000202;
  }
  cr_assert_eq(dp_raw_send(&a.raw, (const uint8_t *const *)txp, txlen, dst, N), N);

  dp_replay_t win;
  dp_replay_init(&win);
  int received = 0, batches = 0;
  struct pollfd p = {.fd = b.raw.fd, .events = POLLIN};
  while (received < N && poll(&p, 1, 2000) == 1) {
    int n = dp_raw_recv(&b.raw, rxp, sizeof got[0], rxlen, src, N);
    cr_assert_geq(n, 0);
    batches++;
    for (int k = 0; k < n; k++) {
      size_t ihl = (size_t)(got[k][0] & 15) * 4;
      cr_assert_eq(src[k], 0xc0000201, "from the tunnel source");
      uint32_t spi, seq;
      cr_assert(dp_esp_peek(got[k] + ihl, rxlen[k] - ihl, &spi, &seq));
      cr_assert_eq(spi, 0x1001);
      cr_assert_eq(dp_replay_check(&win, seq), DP_REPLAY_OK);
      size_t pl;
      const char *why = "";
      cr_assert_eq(dp_esp_decap(in, got[k] + ihl, rxlen[k] - ihl, plain, sizeof plain, &pl, &seq, &why), DP_OK, "%s",
                   why);
      dp_replay_update(&win, seq);
      cr_assert_eq(pl, 128);
      cr_assert_eq(memcmp(plain, inner[seq - 1], pl), 0, "packet %u changed on the way", seq);
      received++;
    }
  }
  cr_assert_eq(received, N, "only %d of %d packets arrived", received, N);
  cr_log_info("%s: %d packets in %d recvmmsg batch(es)", transform, N, batches);

  /* the first packet again: it still opens, but the window refuses it */
  cr_assert_eq(dp_raw_send(&a.raw, (const uint8_t *const *)txp, txlen, dst, 1), 1);
  cr_assert_eq(poll(&p, 1, 2000), 1);
  cr_assert_eq(dp_raw_recv(&b.raw, rxp, sizeof got[0], rxlen, src, 1), 1);
  uint32_t spi, seq;
  cr_assert(dp_esp_peek(got[0] + 20, rxlen[0] - 20, &spi, &seq));
  cr_assert_neq(dp_replay_check(&win, seq), DP_REPLAY_OK, "replay not caught");

  dp_raw_close(&a.raw);
  dp_raw_close(&b.raw);
  dp_sa_free(out);
  dp_sa_free(in);
}

Test(wire, aes128_gcm)
{
  static const uint8_t key[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0xca, 0xfe, 0xba, 0xbe};
  exchange("esp-aes128-gcm", key, sizeof key, NULL, 0);
}

Test(wire, aes128_cbc_hmac_sha1)
{
  static const uint8_t key[16] = {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  static const uint8_t auth[20] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                                   0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02, 0x03, 0x04, 0x05};
  exchange("esp-aes128-hmac-sha", key, sizeof key, auth, sizeof auth);
}
