/* RFC 3948 UDP encapsulation: classification of port-4500 datagrams and
 * the header written in front of ESP. */
#include <criterion/criterion.h>
#include <string.h>

#include "udp_encap.h"

static const char *why;

Test(udp, keepalive_ike_and_esp_are_told_apart)
{
  uint8_t ka[] = {0xff};
  cr_assert_eq(dp_udp_classify(ka, 1, &why), DP_UDP_KEEPALIVE);
  uint8_t ike[4 + 28] = {0};
  cr_assert_eq(dp_udp_classify(ike, sizeof ike, &why), DP_UDP_IKE);
  cr_assert_eq(dp_udp_classify(ike, sizeof ike - 1, &why), DP_UDP_MALFORMED);
  cr_assert(strstr(why, "ISAKMP header"), "%s", why);
  uint8_t esp[16] = {0, 0, 0x10, 0, 0, 0, 0, 1};
  cr_assert_eq(dp_udp_classify(esp, sizeof esp, &why), DP_UDP_ESP);
  cr_assert_eq(dp_udp_classify(esp, 7, &why), DP_UDP_MALFORMED);
  cr_assert_eq(dp_udp_classify(esp, 3, &why), DP_UDP_MALFORMED);
  uint8_t two_ff[] = {0xff, 0xff};
  cr_assert_eq(dp_udp_classify(two_ff, 2, &why), DP_UDP_MALFORMED);
}

Test(udp, header_round_trip_and_length_checks)
{
  uint8_t pkt[8 + 40] = {0};
  uint8_t *esp = pkt + 8;
  esp[0] = 0xc0;
  esp[3] = 0x01; /* SPI 0xc0000001 */
  cr_assert(dp_udp_encap_hdr(pkt, 4500, 4501, 40));
  cr_assert_eq(pkt[4] << 8 | pkt[5], 48);
  cr_assert_eq(pkt[6] | pkt[7], 0, "the checksum is zero");
  const uint8_t *e;
  size_t elen;
  uint16_t sp, dpt;
  cr_assert_eq(dp_udp_decap(pkt, sizeof pkt, &e, &elen, &sp, &dpt, &why), DP_UDP_ESP);
  cr_assert(e == esp && elen == 40 && sp == 4500 && dpt == 4501);
  /* trailing bytes beyond the UDP length are not ESP */
  uint8_t longer[60] = {0};
  memcpy(longer, pkt, sizeof pkt);
  cr_assert_eq(dp_udp_decap(longer, sizeof longer, &e, &elen, &sp, &dpt, &why), DP_UDP_ESP);
  cr_assert_eq(elen, 40);
  /* a length field beyond the datagram, or below a header */
  pkt[5] = 49;
  cr_assert_eq(dp_udp_decap(pkt, sizeof pkt, &e, &elen, &sp, &dpt, &why), DP_UDP_MALFORMED);
  pkt[4] = 0;
  pkt[5] = 7;
  cr_assert_eq(dp_udp_decap(pkt, sizeof pkt, &e, &elen, &sp, &dpt, &why), DP_UDP_MALFORMED);
  cr_assert_eq(dp_udp_decap(pkt, 7, &e, &elen, &sp, &dpt, &why), DP_UDP_MALFORMED);
  cr_assert_not(dp_udp_encap_hdr(pkt, 1, 2, 7));
  cr_assert_not(dp_udp_encap_hdr(pkt, 1, 2, 65535));
}
