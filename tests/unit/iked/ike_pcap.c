/* ike_pcap FILE: runs main mode (3DES/SHA/group 2, both vendor IDs, NAT-D)
 * and quick mode (ESP 3DES/SHA with PFS group 5) between two in-memory
 * engines, and writes every message of both exchanges, in IPv4/UDP-500
 * headers, to a pcap file for tshark to dissect (tests/unit/iked/
 * ike_tshark.sh).  The engines' own messages, not hand-made ones. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_mm_isakmp.h"
#include "ike_mm.h"
#include "ike_qm.h"

#define A_I 0xc0000201u /* 192.0.2.1 */
#define A_R 0xc0000202u /* 192.0.2.2 */

static FILE *pcap;
static unsigned frames;

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)), put16(p + 2, (uint16_t)v); }

/* one frame: raw IPv4 (link type 228), UDP checksum 0 */
static void frame(uint32_t src, uint32_t dst, const uint8_t *msg, size_t len)
{
  static uint8_t pkt[65536];
  size_t total = 28 + len;
  memset(pkt, 0, 28);
  pkt[0] = 0x45;
  put16(pkt + 2, (uint16_t)total);
  pkt[8] = 64;
  pkt[9] = 17;
  put32(pkt + 12, src);
  put32(pkt + 16, dst);
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2)
    sum += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  put16(pkt + 10, (uint16_t)~sum);
  put16(pkt + 20, 500);
  put16(pkt + 22, 500);
  put16(pkt + 24, (uint16_t)(8 + len));
  memcpy(pkt + 28, msg, len);
  uint32_t rec[4] = {frames, 0, (uint32_t)total, (uint32_t)total}; /* ts_sec, ts_usec, incl, orig */
  frames++;
  if (fwrite(rec, sizeof rec, 1, pcap) != 1 || fwrite(pkt, 1, total, pcap) != total) {
    perror("ike_pcap: write");
    exit(1);
  }
}

static bool psk(void *ctx, uint32_t peer, uint8_t *key, size_t cap, size_t *len)
{
  static const char k[] = "lab-secret";
  *len = sizeof k - 1;
  memcpy(key, k, *len);
  return cap >= *len;
}

static uint32_t spi_next = 0x2000;
static uint32_t spi_alloc(void *arg, uint8_t proto) { return spi_next++; }
static const ike_qm_cfg_t *lookup(void *arg, const ike_p1sa_t *p1, const ike_qm_ident_t *ci,
                                  const ike_qm_ident_t *cr)
{
  return arg;
}

static void die(const char *what, const char *why)
{
  fprintf(stderr, "ike_pcap: %s: %s\n", what, why);
  exit(1);
}

int main(int argc, char **argv)
{
  if (argc != 2)
    die("usage", "ike_pcap FILE");
  pcap = fopen(argv[1], "wb");
  if (!pcap)
    die(argv[1], "cannot create");
  uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 228}; /* LINKTYPE_IPV4 */
  fwrite(hdr, sizeof hdr, 1, pcap);

  const ike_mm_proposal_t rule = {.enc = IKE_ENC_3DES, .hash = IKE_HASH_SHA1, .group = 2, .lifetime_s = 28800};
  ike_mm_cfg_t ci = {.local_addr = A_I, .peer_addr = A_R, .proposals = &rule, .nproposals = 1, .psk = psk,
                     .vid_dpd = true, .vid_natt = true};
  ike_mm_cfg_t cr = {.local_addr = A_R, .proposals = &rule, .nproposals = 1, .psk = psk, .vid_dpd = true,
                     .vid_natt = true};
  static uint8_t a[IKE_MM_MSG_MAX], b[IKE_MM_MSG_MAX];
  size_t la, lb;
  ike_mm_error_t err;
  memset(&err, 0, sizeof err);
  ike_mm_t *i = ike_mm_initiate(&ci, a, sizeof a, &la, &err);
  if (!i)
    die("MM1", err.msg);
  frame(A_I, A_R, a, la);
  ike_mm_t *r = ike_mm_respond(&cr, a, la, A_I, 500, b, sizeof b, &lb, &err);
  if (!r)
    die("MM2", err.msg);
  for (;;) { /* alternate until both are done */
    frame(A_R, A_I, b, lb);
    ike_mm_status_t s = ike_mm_input(i, b, lb, a, sizeof a, &la, &err);
    if (s == IKE_MM_FAILED)
      die("initiator", err.msg);
    if (la == 0)
      break;
    frame(A_I, A_R, a, la);
    s = ike_mm_input(r, a, la, b, sizeof b, &lb, &err);
    if (s == IKE_MM_FAILED)
      die("responder", err.msg);
    if (s == IKE_MM_DONE && ike_mm_sa(i))
      break;
  }
  ike_p1sa_t si, sr;
  if (!ike_mm_take_sa(i, &si) || !ike_mm_take_sa(r, &sr))
    die("phase 1", "not established");

  ike_qm_cfg_t qi = {.nxf = 1, .pfs_group = 5, .life_seconds = 3600, .spi_alloc = spi_alloc};
  qi.xf[0] = ERX__CFG__TRANSFORM__ESP_3DES_HMAC_SHA;
  qi.local = (ike_qm_ident_t){IKE_QM_ID_SUBNET, 0xcb007100u, 0xffffff00u, 0, 0};
  qi.peer = (ike_qm_ident_t){IKE_QM_ID_SUBNET, 0xc6336480u, 0xffffff80u, 0, 0};
  ike_qm_cfg_t qr = qi;
  qr.local = qi.peer;
  qr.peer = qi.local;
  static uint8_t q1[IKE_QM_MSG_MAX], q2[IKE_QM_MSG_MAX], q3[IKE_QM_MSG_MAX], q4[IKE_QM_MSG_MAX];
  size_t l1 = 0, l2 = 0, l3 = 0, l4 = 0;
  ike_qm_err_t qe;
  memset(&qe, 0, sizeof qe);
  ike_qm_t *qa = ike_qm_initiate(&si, &qi, q1, sizeof q1, &l1, &qe);
  ike_qm_t *qb = qa ? ike_qm_respond(&sr, lookup, &qr, q1, l1, q2, sizeof q2, &l2, &qe) : NULL;
  if (!qb || ike_qm_input(qa, q2, l2, q3, sizeof q3, &l3, &qe) != IKE_QM_DONE ||
      ike_qm_input(qb, q3, l3, q4, sizeof q4, &l4, &qe) != IKE_QM_DONE)
    die("quick mode", qe.reason);
  frame(A_I, A_R, q1, l1);
  frame(A_R, A_I, q2, l2);
  frame(A_I, A_R, q3, l3);
  ike_qm_free(qa);
  ike_qm_free(qb);
  ike_p1sa_clear(&si);
  ike_p1sa_clear(&sr);
  ike_mm_free(i);
  ike_mm_free(r);
  if (fclose(pcap) != 0)
    die(argv[1], "cannot write");
  printf("%u frames\n", frames);
  return 0;
}
