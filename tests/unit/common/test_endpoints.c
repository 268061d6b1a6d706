#include <criterion/criterion.h>
#include <stdlib.h>

#include "endpoints.h"

static char ep[256];

static const char *get(erx_service_t svc, erx_sock_kind_t kind, bool bind) {
  cr_assert_eq(erx_endpoint(svc, kind, bind, ep, sizeof ep), 0);
  return ep;
}

static void clean_env(void) {
  unsetenv("ERX_RUNDIR");
  unsetenv("ERX_TRANSPORT");
  unsetenv("ERX_HOST_CONFIGD");
  unsetenv("ERX_EP_CONFIGD_PUB");
  unsetenv("ERX_EP_DPD_MONITOR_CTL");
}

TestSuite(endpoints, .init = clean_env);

Test(endpoints, names) {
  cr_assert_str_eq(erx_service_name(ERX_SVC_DPD_MONITOR), "dpd-monitor");
  cr_assert_str_eq(erx_sock_kind_name(ERX_SOCK_SNAP), "snap");
  for (int s = 0; s < ERX_SVC_COUNT; s++)
    cr_assert_eq(erx_service_from_name(erx_service_name(s)), s);
  cr_assert_eq(erx_service_from_name("nosuchd"), -1);
  cr_assert_eq(erx_service_from_name(NULL), -1);
}

Test(endpoints, ipc_default) {
  cr_assert_str_eq(erx_rundir(), "/run/erx");
  cr_assert_str_eq(get(ERX_SVC_CONFIGD, ERX_SOCK_PUB, true), "ipc:///run/erx/configd.pub");
  cr_assert_str_eq(get(ERX_SVC_IKED, ERX_SOCK_CTL, false), "ipc:///run/erx/iked.ctl");
}

Test(endpoints, rundir_override) {
  setenv("ERX_RUNDIR", "/tmp/r1/run", 1);
  cr_assert_str_eq(get(ERX_SVC_DATAPATHD, ERX_SOCK_SNAP, false), "ipc:///tmp/r1/run/datapathd.snap");
}

Test(endpoints, single_endpoint_override) {
  setenv("ERX_EP_CONFIGD_PUB", "tcp://10.0.0.1:7101", 1);
  setenv("ERX_EP_DPD_MONITOR_CTL", "ipc:///x/y", 1);
  cr_assert_str_eq(get(ERX_SVC_CONFIGD, ERX_SOCK_PUB, false), "tcp://10.0.0.1:7101");
  cr_assert_str_eq(get(ERX_SVC_DPD_MONITOR, ERX_SOCK_CTL, true), "ipc:///x/y");
  cr_assert_str_eq(get(ERX_SVC_CONFIGD, ERX_SOCK_SNAP, false), "ipc:///run/erx/configd.snap");
}

Test(endpoints, tcp_mode) {
  setenv("ERX_TRANSPORT", "tcp", 1);
  cr_assert_str_eq(get(ERX_SVC_CONFIGD, ERX_SOCK_PUB, true), "tcp://0.0.0.0:7101");
  cr_assert_str_eq(get(ERX_SVC_CONFIGD, ERX_SOCK_PUB, false), "tcp://configd:7101");
  cr_assert_str_eq(get(ERX_SVC_DATAPATHD, ERX_SOCK_CTL, false), "tcp://datapathd:7143");
  setenv("ERX_HOST_CONFIGD", "10.1.2.3", 1);
  cr_assert_str_eq(get(ERX_SVC_CONFIGD, ERX_SOCK_SNAP, false), "tcp://10.1.2.3:7102");
}

Test(endpoints, too_small_or_unknown) {
  char small[8];
  cr_assert_eq(erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_PUB, true, small, sizeof small), -1);
  cr_assert_eq(erx_endpoint(ERX_SVC_COUNT, ERX_SOCK_PUB, true, ep, sizeof ep), -1);
}
