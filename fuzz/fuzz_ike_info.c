/* libFuzzer target for iked's informational exchange parser
 * (ike_info_parse) on a fixed ISAKMP SA (AES-128, SHA-1, fixed keys).
 *
 * The first input byte picks how the rest reaches the parser, so that
 * the fuzzer gets past what random bytes never satisfy:
 *   0  the datagram as it is;
 *   1  the datagram with this SA's cookies and a header length that
 *      agrees (decryption, padding, chain and hash checks);
 *   2  a plaintext chain after the HASH payload, sealed with a correct
 *      HASH(1) under M-ID 0x01020304 (the authenticated payload parsing).
 *
 * Oracles: 0 or -1 only; a refusal says why; an accepted message stays
 * within every cap and its DPD notifies have the RFC 3706 shape; the SA's
 * IV state never changes.
 *
 * Seeds: ERX_FUZZ_WRITE_SEEDS=dir build/fuzz/fuzz_ike_info -runs=0 writes
 * messages the builders make (mode 0) and their chains (mode 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_info.h"
#include "isakmp_build.h"

static ike_p1sa_t sa;
static ike_info_msg_t got;
static ike_info_err_t err;
static uint8_t buf[IKE_INFO_IN_MAX + 64];

static void check(int ok, const char *what)
{
  if (!ok) {
    fprintf(stderr, "oracle failed: %s\n", what);
    abort();
  }
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)(seed + 7 * i);
}

static void sa_init(void)
{
  fill(sa.icookie, 8, 0x11);
  fill(sa.rcookie, 8, 0x22);
  sa.enc = IKE_ENC_AES128;
  sa.hash = sa.keys.hash = IKE_HASH_SHA1;
  sa.keys.len = ike_hash_len(IKE_HASH_SHA1);
  fill(sa.keys.skeyid_a, sa.keys.len, 0x51);
  fill(sa.keys.skeyid_e, sa.keys.len, 0x61);
  uint8_t key[16], gxi[128], gxr[128];
  char e[128];
  fill(gxi, sizeof gxi, 0x71);
  fill(gxr, sizeof gxr, 0x81);
  check(ike_p1_enc_key(&sa.keys, key, sizeof key), "encryption key");
  sa.cipher = ike_cipher_new(sa.enc, key, sizeof key, e, sizeof e);
  check(sa.cipher != NULL, "cipher");
  check(ike_iv_state_init(&sa.iv, sa.hash, 16, gxi, gxr, sizeof gxi), "IV state");
}

static void write_seed(const char *dir, const char *name, uint8_t mode, const uint8_t *p, size_t n)
{
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(&mode, 1, 1, f) != 1 || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
    fprintf(stderr, "%s: cannot write\n", path);
    abort();
  }
}

/* A built message as mode 0, and its decrypted chain after HASH as mode 2. */
static void write_pair(const char *dir, const char *name, const uint8_t *m, size_t n)
{
  check(n > 0, name);
  write_seed(dir, name, 0, m, n);
  isakmp_hdr_t h;
  isakmp_error_t pe;
  check(isakmp_parse_header(m, n, &h, &pe) == ISAKMP_OK, "seed header");
  ike_iv_t iv, next;
  char e[128];
  static uint8_t pt[IKE_INFO_MSG_MAX];
  check(ike_info_iv(&sa, h.msgid, &iv), "seed IV");
  check(ike_cipher_decrypt(sa.cipher, &iv, m + ISAKMP_HDR_LEN, n - ISAKMP_HDR_LEN, pt, &next, e, sizeof e), e);
  char chain[256];
  snprintf(chain, sizeof chain, "%s-chain", name);
  size_t skip = ISAKMP_GEN_HDR_LEN + sa.keys.len;
  /* mode 2 starts with the type of the payload after HASH */
  pt[skip - 1] = pt[0];
  write_seed(dir, chain, 2, pt + skip - 1, n - ISAKMP_HDR_LEN - skip + 1);
}

static void write_seeds(const char *dir)
{
  static uint8_t m[IKE_INFO_MSG_MAX];
  uint32_t spis[3] = {0x1000, 0x1001, 0xdeadbeef};
  write_pair(dir, "delete-esp", m, ike_info_delete(&sa, ISAKMP_PROTO_ESP, spis, 3, m, sizeof m, &err));
  write_pair(dir, "delete-isakmp", m, ike_info_delete(&sa, ISAKMP_PROTO_ISAKMP, NULL, 0, m, sizeof m, &err));
  write_pair(dir, "dpd", m, ike_info_dpd(&sa, false, 7, m, sizeof m, &err));
  write_pair(dir, "dpd-ack", m, ike_info_dpd(&sa, true, 7, m, sizeof m, &err));
  write_pair(dir, "notify-esp", m,
             ike_info_notify(&sa, ISAKMP_N_RESPONDER_LIFETIME, ISAKMP_PROTO_ESP, (const uint8_t *)"\1\2\3\4", 4,
                             (const uint8_t *)"\x80\x01\x00\x01", 4, m, sizeof m, &err));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  sa_init();
  const char *dir = getenv("ERX_FUZZ_WRITE_SEEDS");
  if (dir)
    write_seeds(dir);
  return 0;
}

/* Mode 1: our cookies and a header length that agrees. */
static size_t fix_header(const uint8_t *data, size_t size)
{
  if (size < ISAKMP_HDR_LEN || size > sizeof buf)
    return 0;
  memcpy(buf, data, size);
  memcpy(buf, sa.icookie, 8);
  memcpy(buf + 8, sa.rcookie, 8);
  for (int i = 0; i < 4; i++)
    buf[24 + i] = (uint8_t)(size >> (24 - 8 * i));
  return size;
}

/* Mode 2: data[0] is the type of the payload after HASH, data[1..] the
 * rest of the chain as it is; sealed with a correct HASH(1). */
static size_t seal_chain(const uint8_t *data, size_t size)
{
  static uint8_t plain[IKE_INFO_IN_MAX], ct[IKE_INFO_IN_MAX];
  const uint32_t mid = 0x01020304;
  size_t hl = sa.keys.len, plen = ISAKMP_GEN_HDR_LEN + hl + (size ? size - 1 : 0);
  if (plen > sizeof plain - 16)
    return 0;
  plain[0] = size ? data[0] : 0;
  plain[1] = 0;
  plain[2] = (uint8_t)((ISAKMP_GEN_HDR_LEN + hl) >> 8);
  plain[3] = (uint8_t)(ISAKMP_GEN_HDR_LEN + hl);
  if (size > 1)
    memcpy(plain + ISAKMP_GEN_HDR_LEN + hl, data + 1, size - 1);
  ike_iv_t iv, next;
  char e[128];
  size_t ct_len = 0;
  check(ike_info_hash(&sa.keys, mid, plain + ISAKMP_GEN_HDR_LEN + hl, plen - ISAKMP_GEN_HDR_LEN - hl,
                      plain + ISAKMP_GEN_HDR_LEN),
        "HASH(1)");
  check(ike_info_iv(&sa, mid, &iv), "IV");
  check(ike_cipher_encrypt(sa.cipher, &iv, plain, plen, ct, sizeof ct, &ct_len, &next, e, sizeof e), e);
  isakmp_hdr_t h = {.next_payload = ISAKMP_PL_HASH, .exchange = ISAKMP_XCHG_INFO, .flags = ISAKMP_FLAG_E,
                    .msgid = mid};
  memcpy(h.icookie, sa.icookie, 8);
  memcpy(h.rcookie, sa.rcookie, 8);
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, buf, sizeof buf);
  isakmp_put_header(&w, &h);
  isakmp_put_bytes(&w, ct, ct_len);
  return isakmp_finish(&w);
}

static void check_result(int r)
{
  check(r == 0 || r == -1, "0 or -1");
  if (r == -1) {
    check(err.reason[0] != '\0', "a refused message says why");
    return;
  }
  check(got.ndeletes + got.nnotifies > 0, "an accepted message has content");
  check(got.ndeletes <= IKE_INFO_MAX_DELETES && got.nnotifies <= IKE_INFO_MAX_NOTIFIES, "payload caps");
  for (size_t i = 0; i < got.ndeletes; i++)
    check(got.deletes[i].nspis >= 1 && got.deletes[i].nspis <= IKE_INFO_MAX_SPIS, "SPI cap");
  for (size_t i = 0; i < got.nnotifies; i++) {
    const ike_info_notify_pl_t *n = &got.notifies[i];
    check(n->spi_len <= 16 && n->data_len <= 64, "notify caps");
    bool ack;
    uint32_t seq;
    if (ike_info_is_dpd(&sa, n, &ack, &seq))
      check(n->spi_len == 16 && n->data_len == 4 && ack == (n->type == ISAKMP_N_R_U_THERE_ACK), "a DPD notify");
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  static ike_iv_state_t before;
  before = sa.iv;
  const uint8_t *m = data + 1;
  size_t n = size - 1;
  if (data[0] % 3 == 1) {
    n = fix_header(data + 1, size - 1);
    m = buf;
  } else if (data[0] % 3 == 2) {
    n = seal_chain(data + 1, size - 1);
    m = buf;
  }
  err.reason[0] = '\0';
  check_result(ike_info_parse(&sa, m, n, &got, &err));
  check(memcmp(&before, &sa.iv, sizeof before) == 0, "the IV state is unchanged");
  return 0;
}
