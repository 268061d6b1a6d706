/* configd's command engine in-process: prompts, modes, validation, refusals
 * that change nothing, and the masked forms of secrets. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_harness.h"

static harness_t h;

static void setup(void)
{
  harness_init(&h, NULL);
}

static void teardown(void)
{
  harness_fini(&h);
}

TestSuite(cli, .init = setup, .fini = teardown);

static void ok(const char *line)
{
  cr_assert_eq(harness_run(&h, line), 0, "refused: %s\n%s", line, h.last_out);
}

static void refused(const char *line, const char *needle)
{
  char *before = harness_config(&h);
  cr_assert_neq(harness_run(&h, line), 0, "accepted: %s", line);
  cr_assert(strstr(h.last_out, needle), "'%s' gave:\n%s\nexpected to contain: %s", line, h.last_out, needle);
  char *after = harness_config(&h);
  cr_assert_str_eq(after, before, "refused command changed the configuration: %s", line);
  free(before);
  free(after);
}

static const char *prompt(void)
{
  static char buf[160];
  cfg_prompt(h.model, &h.ctx, buf, sizeof buf);
  return buf;
}

Test(cli, seed_prompts)
{
  cr_assert_str_eq(prompt(), "host1#");
  ok("configure terminal");
  cr_assert_str_eq(prompt(), "host1(config)#");
  ok("ipsec key manual pre-share 192.0.2.2");
  cr_assert_str_eq(prompt(), "host1(config-manual-key)#");
  ok("exit");
  ok("virtual-router vrA");
  cr_assert_str_eq(prompt(), "host1:vrA(config)#");
  ok("interface tunnel ipsec:Aottawa2boston transport-virtual-router default");
  cr_assert_str_eq(prompt(), "host1:vrA(config-if)#");
  ok("exit");
  cr_assert_str_eq(prompt(), "host1:vrA(config)#");
  ok("ipsec ike-policy-rule 3");
  cr_assert_str_eq(prompt(), "host1:vrA(config-ike-policy)#");
  ok("end");
  cr_assert_str_eq(prompt(), "host1:vrA#");
  ok("configure terminal");
  ok("virtual-router default");
  ok("hostname edge7");
  cr_assert_str_eq(prompt(), "edge7(config)#");
}

Test(cli, errors_with_caret)
{
  ok("configure terminal");
  cr_assert_neq(harness_run(&h, "ipsec transfrm-set x esp-des"), 0);
  cr_assert_str_eq(h.last_out, "                    ^\n% Invalid input detected at '^' marker.\n");
  cr_assert_neq(harness_run(&h, "ipsec transform-set"), 0);
  cr_assert_str_eq(h.last_out, "% Incomplete command.\n");
  cr_assert_neq(harness_run(&h, "e"), 0);
  cr_assert_str_eq(h.last_out, "% Ambiguous command.\n");
  cr_assert_neq(harness_run(&h, "ipsec lifetime seconds 100"), 0);
  cr_assert_str_eq(h.last_out, "                                     ^\n% Invalid input detected at '^' marker.\n");
}

Test(cli, abbreviations)
{
  ok("conf t");
  ok("ipsec trans s1 esp-3des-hmac-sha esp-des");
  ok("int tun ipsec:x");
  ok("tun mtu 2000");
  ok("tun dest 192.0.2.9");
  ok("sh conf int");
  cr_assert(strstr(h.last_out, " tunnel mtu 2000\n"));
  cr_assert(strstr(h.last_out, " tunnel destination 192.0.2.9\n"));
}

Test(cli, limits_and_ranges)
{
  ok("configure terminal");
  refused("ipsec transform-set big esp-des esp-3des ah-hmac-md5 ah-hmac-sha esp-des-hmac-md5 esp-3des-hmac-md5 "
          "esp-null-hmac-sha",
          "at most 6 transforms");
  refused("ipsec transform-set dup esp-des esp-des", "listed twice");
  for (int i = 1; i <= 10; i++) {
    char line[64];
    snprintf(line, sizeof line, "ipsec ike-policy-rule %d", i * 10);
    ok(line);
    ok("exit");
  }
  refused("ipsec ike-policy-rule 5", "At most 10 IKE policy rules");
  ok("ipsec ike-policy-rule 10"); /* an existing rule may be re-entered */
  refused("authentication rsa-sig", "not supported in this release");
  ok("exit");
  refused("ipsec lifetime seconds 1799", "Invalid input");
  ok("ipsec lifetime seconds 1800 kilobytes 4294967295");
  refused("ipsec lifetime kilobytes 4294967296", "Invalid input");
  ok("interface tunnel ipsec:t1");
  refused("tunnel mtu 159", "Invalid input");
  refused("tunnel mtu 9001", "Invalid input");
  refused("tunnel local-identity subnet 10.1.1.1 255.255.255.0", "host bits set");
  refused("tunnel local-identity subnet 10.1.1.0 255.0.255.0", "not a valid mask");
  refused("tunnel peer-identity range 10.0.0.9 10.0.0.1", "ends before it starts");
  refused("ip address 10.0.0.1 0.0.0.0", "not a valid mask");
  char name[100];
  memset(name, 'n', 81);
  name[81] = '\0';
  char line[160];
  snprintf(line, sizeof line, "interface tunnel ipsec:%s", name);
  refused(line, "at most 80");
  refused("ipsec transform-set a/b esp-des", "may contain only");
}

Test(cli, session_keys)
{
  ok("configure terminal");
  ok("interface tunnel ipsec:m");
  refused("tunnel session-key-inbound esp-3des-hmac-md5 1234", "needs an encryption key (48 hex digits) and an "
                                                                "authentication key (32 hex digits)");
  refused("tunnel session-key-inbound esp-des-hmac-md5 a7bd567917bd56 bd5678a7bd567917bd567917bd567678",
          "must be 16 hex digits, not 14");
  refused("tunnel session-key-outbound esp-des-hmac-md5 255 a7bd567917bd5679 bd5678a7bd567917bd567917bd567678",
          "Invalid input");
  ok("tunnel session-key-inbound esp-des-hmac-md5 a7bd567917bd5679 bd5678a7bd567917bd567917bd567678");
  ok("tunnel session-key-outbound esp-3des-hmac-md5 421 567917bd567917bd567917bd545a17bd567917bd56784a7b "
     "fda183bef567917bd567917bd567917b");
  ok("show configuration interface");
  /* the inbound SPI was allocated and is shown; no key appears in clear */
  cr_assert(strstr(h.last_out, "tunnel session-key-inbound esp-des-hmac-md5 256 masked-key \""), "%s", h.last_out);
  cr_assert(strstr(h.last_out, "tunnel session-key-outbound esp-3des-hmac-md5 421 masked-key \""), "%s", h.last_out);
  cr_assert_null(strstr(h.last_out, "a7bd5679"));
  cr_assert_null(strstr(h.last_out, "fda183be"));
  ok("interface tunnel ipsec:m2");
  refused("tunnel session-key-inbound esp-des 256 1122334455667788", "already used");
}

Test(cli, masked_pre_shared_keys)
{
  ok("configure terminal");
  ok("ipsec key manual pre-share 192.0.2.2");
  ok("key customerASecret");
  ok("show configuration ipsec key manual pre-share");
  cr_assert_null(strstr(h.last_out, "customerASecret"));
  const char *q = strstr(h.last_out, "masked-key \"");
  cr_assert_not_null(q);
  char masked[512];
  sscanf(q + 12, "%511[^\"]", masked);
  char line[600];
  snprintf(line, sizeof line, "masked-key %s", masked);
  ok(line);
  refused("masked-key AAAAGAAAAAcAAAACfd+SAsaVQ6Qeopt2rJOP6LDg+0hX5cMO", "another kind of router");
  /* flip one character of a valid masked key */
  masked[20] = masked[20] == 'A' ? 'B' : 'A';
  snprintf(line, sizeof line, "masked-key %s", masked);
  refused(line, "Masked key refused");
  refused("masked-key not-base64!", "Masked key refused");
}

Test(cli, refusals_name_the_users)
{
  ok("configure terminal");
  ok("ipsec transform-set s1 esp-3des-hmac-sha");
  ok("ipsec key manual pre-share 192.0.2.2");
  ok("key k");
  ok("virtual-router vrA");
  ok("interface tunnel ipsec:a transport-virtual-router default");
  ok("tunnel transform-set s1");
  ok("tunnel destination 192.0.2.2");
  ok("exit");
  ok("virtual-router default");
  refused("no ipsec transform-set s1", "in use by tunnel(s) vrA:ipsec:a");
  refused("no ipsec key manual pre-share 192.0.2.2", "in use by tunnel(s) vrA:ipsec:a");
  refused("no virtual-router vrA", "in use by tunnel(s) vrA:ipsec:a");
  refused("no virtual-router default", "cannot be removed");
  refused("no ipsec transform-set nope", "does not exist");
  ok("virtual-router vrA");
  ok("no interface tunnel ipsec:a");
  ok("virtual-router default");
  ok("no ipsec transform-set s1");
  ok("no ipsec key manual pre-share 192.0.2.2");
  ok("no virtual-router vrA");
}

Test(cli, mode_fallback_and_show_anywhere)
{
  ok("configure terminal");
  ok("interface tunnel ipsec:x");
  ok("ipsec transform-set s esp-des"); /* a config command typed in config-if */
  cr_assert_str_eq(prompt(), "host1(config)#");
  ok("interface tunnel ipsec:x");
  ok("show ipsec transform-set");
  cr_assert_str_eq(prompt(), "host1(config-if)#");
  cr_assert(strstr(h.last_out, "esp-des"));
}

Test(cli, deleted_object_drops_the_mode)
{
  ok("configure terminal");
  ok("interface tunnel ipsec:x");
  cfg_ctx_t inside = h.ctx;
  ok("exit");
  ok("no interface tunnel ipsec:x");
  h.ctx = inside; /* another session still in config-if of the deleted tunnel */
  cr_assert_neq(harness_run(&h, "tunnel mtu 1500"), 0);
  cr_assert(strstr(h.last_out, "no longer exists"), "%s", h.last_out);
  cr_assert_str_eq(prompt(), "host1(config)#");
}

Test(cli, incomplete_tunnels_are_accepted_and_explained)
{
  ok("configure terminal");
  ok("interface tunnel ipsec:m");
  ok("tunnel transform-set missing");
  ok("tunnel signaling manual");
  ok("show ipsec tunnel ipsec:m detail");
  cr_assert(strstr(h.last_out, "transform set missing does not exist"), "%s", h.last_out);
  cr_assert(strstr(h.last_out, "no inbound session key"), "%s", h.last_out);
}
