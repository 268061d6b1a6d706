/* NAT discovery (RFC 3947 §3.2) in MM3 and MM4: each side sends
 * HASH(CKY-I | CKY-R | IP | port) of the address it sends to, then of its
 * own; a receiver whose own address hashes differently is behind a NAT, and
 * so is a peer none of whose hashes matches the packet's source.  The I/O
 * layer floats to port 4500 when either is. */
#include <string.h>

#include "ike_mm_priv.h"

static bool natd_hash(const ike_mm_t *mm, uint32_t addr, uint16_t port, uint8_t *out)
{
  const uint8_t ip[4] = {addr >> 24, addr >> 16, addr >> 8, addr};
  const uint8_t pt[2] = {port >> 8, port};
  const ike_chunk_t parts[4] = {IKE_CHUNK(mm->sa.icookie, ISAKMP_COOKIE_LEN),
                                IKE_CHUNK(mm->sa.rcookie, ISAKMP_COOKIE_LEN), IKE_CHUNK(ip, 4), IKE_CHUNK(pt, 2)};
  return ike_hash(mm->chosen.hash, parts, 4, out);
}

void mm_put_natd(isakmp_wbuf_t *w, const ike_mm_t *mm)
{
  uint8_t h[IKE_MAX_HASH];
  size_t len = ike_hash_len(mm->chosen.hash);
  if (!mm->sa.natt)
    return;
  if (!natd_hash(mm, mm->sa.peer_addr, mm->sa.peer_port, h)) {
    w->misuse = true; /* fails the message: an unknown hash cannot get here */
    return;
  }
  isakmp_put_natd(w, false, h, len);
  if (natd_hash(mm, mm->sa.local_addr, mm->sa.local_port, h))
    isakmp_put_natd(w, false, h, len);
}

static bool same(const isakmp_payload_t *p, const uint8_t *h, size_t len)
{
  return p->len == len && memcmp(p->body, h, len) == 0;
}

mm_res_t mm_natd_check(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err)
{
  if (!mm->sa.natt)
    return MM_OK;
  if (in->nnatd == 1)
    return mm_refuse(err, ISAKMP_N_PAYLOAD_MALFORMED, "one NAT-D payload, RFC 3947 needs at least two");
  if (in->nnatd == 0) {
    /* the vendor ID without the payloads: no NAT traversal */
    mm->sa.natt = false;
    return MM_OK;
  }
  uint8_t mine[IKE_MAX_HASH], theirs[IKE_MAX_HASH];
  size_t len = ike_hash_len(mm->chosen.hash);
  if (!natd_hash(mm, mm->sa.local_addr, mm->sa.local_port, mine) ||
      !natd_hash(mm, mm->sa.peer_addr, mm->sa.peer_port, theirs))
    return mm_fail(err, 0, "cannot compute NAT-D hashes");
  mm->sa.nat_local = !same(in->natd[0], mine, len);
  mm->sa.nat_peer = true;
  for (unsigned i = 1; i < in->nnatd; i++)
    if (same(in->natd[i], theirs, len))
      mm->sa.nat_peer = false;
  return MM_OK;
}
