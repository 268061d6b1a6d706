/* libFuzzer target for datapathd's inbound parsing.  The first input byte
 * picks the decoder, the rest is the packet:
 *   0: dp_esp_decap, esp-aes128-hmac-sha (AES-CBC + HMAC-SHA1-96)
 *   1: dp_esp_decap, esp-aes128-gcm
 *   2: dp_ah_decap,  ah-hmac-sha (pkt starts at the outer IPv4 header)
 *   3: dp_udp_decap (RFC 3948, pkt starts at the UDP header), then the ESP
 *      packet it finds through selector 0's decoder
 * Keys are fixed so a crash reproduces.  Oracle: an accepted packet yields
 * an inner IPv4 packet no longer than the input, with a sane header.
 *
 * Seeds: fuzz/corpus/esp_input was written by running the target once with
 *   ERX_FUZZ_WRITE_SEEDS=fuzz/corpus/esp_input build-dp-fuzz/fuzz/fuzz_esp_input -runs=0
 * which encapsulates 20-, 84- and 1400-byte inner packets with each of the
 * three SAs below (valid packets, seq 1..) and saves them selector-prefixed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ah_codec.h"
#include "esp_codec.h"
#include "ipv4_hdr.h"
#include "udp_encap.h"

#define SPI 0x1000u

static dp_sa_t *sas[3];
static const char *const kws[3] = {"esp-aes128-hmac-sha", "esp-aes128-gcm", "ah-hmac-sha"};

static dp_sa_t *make_sa(const char *kw)
{
  const erx_transform_info_t *xf = erx_transform_by_keyword(kw);
  uint8_t ek[64], ak[64];
  for (unsigned i = 0; i < sizeof ek; i++) {
    ek[i] = (uint8_t)(0x10 + i);
    ak[i] = (uint8_t)(0x80 + i);
  }
  char err[160];
  dp_sa_t *sa = xf ? dp_sa_new(xf, SPI, ek, xf->enc_key_len, ak, xf->auth_key_len, err, sizeof err) : NULL;
  if (!sa) {
    fprintf(stderr, "%s: %s\n", kw, xf ? err : "unknown transform");
    abort();
  }
  return sa;
}

static void write_seeds(const char *dir)
{
  static const size_t sizes[] = {20, 84, 1400};
  static uint8_t inner[1400], pkt[1 + 1600];
  unsigned count = 0;
  for (int k = 0; k < 3; k++)
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      size_t len = sizes[s], n = 0;
      memset(inner, 0x61 + (int)s, len);
      inner[0] = 0x45;
      inner[2] = (uint8_t)(len >> 8);
      inner[3] = (uint8_t)len;
      inner[8] = 64;
      inner[9] = 1;
      pkt[0] = (uint8_t)k;
      bool ok = k < 2 ? dp_esp_encap(sas[k], (uint32_t)s + 1, inner, len, pkt + 1, sizeof pkt - 1, &n)
                      : dp_ah_encap(sas[k], (uint32_t)s + 1, &(dp_ah_outer_t){0xc0a80001, 0xc0a80002, 64, 1},
                                    inner, len, pkt + 1, sizeof pkt - 1, &n);
      char path[512];
      snprintf(path, sizeof path, "%s/%s-%zu", dir, kws[k], len);
      FILE *f = ok ? fopen(path, "wb") : NULL;
      if (!f || fwrite(pkt, 1, n + 1, f) != n + 1 || fclose(f) != 0)
        abort();
      count++;
    }
  fprintf(stderr, "wrote %u seeds to %s\n", count, dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  for (int k = 0; k < 3; k++)
    sas[k] = make_sa(kws[k]);
  const char *dir = getenv("ERX_FUZZ_WRITE_SEEDS");
  if (dir)
    write_seeds(dir);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static uint8_t out[65536 + 64];
  if (size < 1)
    return 0;
  unsigned k = data[0] % 4;
  const uint8_t *pkt = data + 1;
  size_t len = size - 1, out_len = 0, total;
  uint32_t seq = 0;
  const char *why = NULL;
  if (k == 3) {
    const uint8_t *esp = NULL;
    size_t esp_len = 0;
    uint16_t sport, dport;
    dp_udp_kind_t kind = dp_udp_decap(pkt, len, &esp, &esp_len, &sport, &dport, &why);
    if (kind == DP_UDP_MALFORMED && !why)
      abort();
    if (kind != DP_UDP_ESP)
      return 0;
    if (esp < pkt + DP_UDP_HDR || esp + esp_len > pkt + len || esp_len < 8)
      abort();
    pkt = esp;
    len = esp_len;
    k = 0;
  }
  dp_drop_t r = k < 2 ? dp_esp_decap(sas[k], pkt, len, out, sizeof out, &out_len, &seq, &why)
                      : dp_ah_decap(sas[k], pkt, len, out, sizeof out, &out_len, &seq, &why);
  if (r == DP_OK) {
    if (out_len > len || !dp_ipv4_sane(out, out_len, &total) || total != out_len)
      abort();
  } else if (!why || out_len != 0 || r > DP_DROP_OTHER) {
    abort();
  }
  return 0;
}
