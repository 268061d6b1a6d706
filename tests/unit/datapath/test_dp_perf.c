/* dp_esp_encap throughput on 1400-byte packets: printed, not asserted. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <time.h>

#include "dp_test_util.h"
#include "esp_codec.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void measure(const char *kw)
{
  dp_sa_t *sa = dpt_sa(erx_transform_by_keyword(kw), 0x500, 6);
  static uint8_t inner[1400], pkt[1500];
  size_t n;
  dpt_inner(inner, sizeof inner, 0x44);
  const int count = 50000;
  double t0 = now();
  for (int i = 0; i < count; i++)
    cr_assert(dp_esp_encap(sa, (uint32_t)i + 1, inner, sizeof inner, pkt, sizeof pkt, &n));
  double dt = now() - t0;
  fprintf(stderr, "dp_esp_encap %-22s 1400-byte packets: %8.1f MB/s (%.0f packets/s)\n", kw,
          count * 1400.0 / dt / 1e6, count / dt);
  dp_sa_free(sa);
}

Test(perf, esp_encap_throughput)
{
  measure("esp-aes128-gcm");
  measure("esp-aes128-hmac-sha");
}
