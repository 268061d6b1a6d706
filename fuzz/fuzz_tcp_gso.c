/* libFuzzer target for the TUN offload codecs: the input is split in two
 * packets; the first is segmented (TSO) at an MSS from the input, every
 * segment must be a sane IPv4 packet no larger than headers + MSS, and the
 * segments plus the second packet go through receive coalescing, whose
 * output must never exceed its buffer.  Decrypted inner packets come from an
 * authenticated peer, but a peer is outside input all the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipv4_hdr.h"
#include "tcp_gso.h"

static uint8_t scratch[9216], gbuf[DP_VNET_HDR_LEN + 65535];
static dp_gro_t gro = {.buf = gbuf, .cap = 65535};
static unsigned cur_mss;

static bool take(void *arg, const uint8_t *seg, size_t len)
{
  (void)arg;
  size_t total;
  if (!dp_ipv4_sane(seg, len, &total) || total != len || len > 60 + 60 + cur_mss)
    abort();
  if (!dp_gro_add(&gro, seg, len)) {
    size_t wlen;
    if (gro.len)
      dp_gro_finish(&gro, &wlen);
    dp_gro_start(&gro, seg, len);
  }
  if (gro.len > gro.cap)
    abort();
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 4)
    return 0;
  cur_mss = (unsigned)(data[0] << 8 | data[1]) % 9100;
  size_t split = (size_t)(data[2] << 8 | data[3]) % (size - 3);
  const uint8_t *a = data + 4, *b = data + 4 + split;
  size_t la = split > size - 4 ? size - 4 : split, lb = size - 4 - la;
  const char *why = NULL;
  if (dp_tso_segment(a, la, cur_mss, scratch, sizeof scratch, take, NULL, &why) < 0 && !why)
    abort();
  if (lb && !dp_gro_add(&gro, b, lb)) {
    size_t wlen;
    if (gro.len)
      dp_gro_finish(&gro, &wlen);
    dp_gro_start(&gro, b, lb);
  }
  if (gro.len) {
    size_t wlen;
    const uint8_t *w = dp_gro_finish(&gro, &wlen);
    if (w != gbuf || wlen > sizeof gbuf)
      abort();
  }
  static uint8_t copy[65536];
  if (la >= 40 && la <= sizeof copy) {
    memcpy(copy, a, la);
    dp_csum_complete(copy, la, (unsigned)(data[0] % 64), (unsigned)(data[1] % 64));
  }
  return 0;
}
