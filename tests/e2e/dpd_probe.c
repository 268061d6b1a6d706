/* dpd_probe VR TUNNEL: asks the router's iked (ERX_RUNDIR) for a DPD
 * R-U-THERE to the tunnel's peer, as dpd-monitor will, and prints
 * "seq N" or the refusal.  Built beside the tests, never into bin/. */
#include <inttypes.h>
#include <stdio.h>

#include "bus.pb-c.h"
#include "ctl_client.h"
#include "endpoints.h"

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: ERX_RUNDIR=DIR dpd_probe VR TUNNEL\n");
    return 2;
  }
  char ep[512], err[256];
  if (erx_endpoint(ERX_SVC_IKED, ERX_SOCK_CTL, false, ep, sizeof ep)) {
    fprintf(stderr, "dpd_probe: no iked control endpoint\n");
    return 2;
  }
  erx_ctl_client_t *c = erx_ctl_client_new(ep);
  if (!c)
    return 2;
  Erx__Ike__DpdProbeRequest rq = ERX__IKE__DPD_PROBE_REQUEST__INIT;
  rq.vr = argv[1];
  rq.tunnel = argv[2];
  erx_env_t *rep = erx_ctl_call(c, &rq.base, 3000, err, sizeof err);
  int rc = 1;
  if (!rep)
    fprintf(stderr, "dpd_probe: %s\n", err);
  else if (rep->body_case == ERX__BUS__ENVELOPE__BODY_IKE_DPD_PROBE_REPLY) {
    printf("seq %" PRIu32 "\n", rep->ike_dpd_probe_reply->seq);
    rc = 0;
  } else if (rep->body_case == ERX__BUS__ENVELOPE__BODY_ERROR)
    fprintf(stderr, "dpd_probe: %s\n", rep->error->text);
  else
    fprintf(stderr, "dpd_probe: unexpected reply\n");
  erx_env_free(rep);
  erx_ctl_client_destroy(&c);
  return rc;
}
