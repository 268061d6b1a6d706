/* NAT discovery (RFC 3947 §3.2) in MM3 and MM4 (AM2 and AM3): each side
 * sends HASH(CKY-I | CKY-R | IP | port) of the address it sends to, then of
 * its own; a receiver whose own address hashes differently is behind a NAT,
 * and so is a peer none of whose hashes matches the packet's source (also
 * when the peer forges its own on purpose, as strongSwan does to force
 * UDP encapsulation).  The hashes use the ports the negotiation started
 * with, whatever the I/O layer floated to since.  The I/O layer floats to
 * port 4500 when either side is behind a NAT. */
#include <string.h>

#include "ike_mm_priv.h"

static bool natd_hash(ike_hash_t hash, const uint8_t *icky, const uint8_t *rcky, uint32_t addr, uint16_t port,
                      uint8_t *out)
{
  const uint8_t ip[4] = {addr >> 24, addr >> 16, addr >> 8, addr};
  const uint8_t pt[2] = {port >> 8, port};
  const ike_chunk_t parts[4] = {IKE_CHUNK(icky, ISAKMP_COOKIE_LEN), IKE_CHUNK(rcky, ISAKMP_COOKIE_LEN),
                                IKE_CHUNK(ip, 4), IKE_CHUNK(pt, 2)};
  return ike_hash(hash, parts, 4, out);
}

void mm_put_natd(isakmp_wbuf_t *w, const ike_mm_t *mm)
{
  uint8_t h[IKE_MAX_HASH];
  ike_hash_t hash = mm->chosen.hash;
  size_t len = ike_hash_len(hash);
  if (!mm->sa.natt)
    return;
  if (!natd_hash(hash, mm->sa.icookie, mm->sa.rcookie, mm->sa.peer_addr, mm->natd_pport, h)) {
    w->misuse = true; /* fails the message: an unknown hash cannot get here */
    return;
  }
  isakmp_put_natd(w, false, h, len);
  if (natd_hash(hash, mm->sa.icookie, mm->sa.rcookie, mm->sa.local_addr, mm->natd_lport, h))
    isakmp_put_natd(w, false, h, len);
}

static bool same(const isakmp_payload_t *p, const uint8_t *h, size_t len)
{
  return p->len == len && memcmp(p->body, h, len) == 0;
}

mm_res_t mm_natd_eval(const ike_mm_t *mm, const mm_in_t *in, bool natt, ike_hash_t hash, mm_natd_t *out,
                      ike_mm_error_t *err)
{
  *out = (mm_natd_t){.natt_off = false};
  if (!natt)
    return MM_OK;
  if (in->nnatd == 1)
    return mm_refuse(err, ISAKMP_N_PAYLOAD_MALFORMED, "one NAT-D payload, RFC 3947 needs at least two");
  if (in->nnatd == 0) {
    /* the vendor ID without the payloads: no NAT traversal */
    out->natt_off = true;
    return MM_OK;
  }
  /* the message's cookies: the initiator reads AM2 before it keeps the
   * responder's cookie (they are ours in every later message) */
  uint8_t mine[IKE_MAX_HASH], theirs[IKE_MAX_HASH];
  size_t len = ike_hash_len(hash);
  if (!natd_hash(hash, in->hdr.icookie, in->hdr.rcookie, mm->sa.local_addr, mm->natd_lport, mine) ||
      !natd_hash(hash, in->hdr.icookie, in->hdr.rcookie, mm->sa.peer_addr, mm->natd_pport, theirs))
    return mm_fail(err, 0, "cannot compute NAT-D hashes");
  out->nat_local = !same(in->natd[0], mine, len);
  out->nat_peer = true;
  for (unsigned i = 1; i < in->nnatd; i++)
    if (same(in->natd[i], theirs, len))
      out->nat_peer = false;
  return MM_OK;
}

void mm_natd_apply(ike_mm_t *mm, const mm_natd_t *n)
{
  if (!mm->sa.natt)
    return;
  if (n->natt_off) {
    mm->sa.natt = false;
    return;
  }
  mm->sa.nat_local = n->nat_local;
  mm->sa.nat_peer = n->nat_peer;
  mm->nat_seen = n->nat_local || n->nat_peer;
}

mm_res_t mm_natd_check(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err)
{
  mm_natd_t n;
  mm_res_t r = mm_natd_eval(mm, in, mm->sa.natt, mm->chosen.hash, &n, err);
  if (r == MM_OK)
    mm_natd_apply(mm, &n);
  return r;
}
