/* "?" listings (exact text) and Tab completion against the toy grammar. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <string.h>

#include "cli_toy_fixture.h"

TestSuite(cli_help, .init = cli_toy_setup, .fini = cli_toy_teardown);
TestSuite(cli_complete, .init = cli_toy_setup, .fini = cli_toy_teardown);

static void help(const char *line, const char *want)
{
  char *got = cli_help(toy_graph, line, &toy_match);
  cr_assert_not_null(got, "\"%s\": status %d at %zu", line, toy_match.status, toy_match.err_offset);
  cr_assert_str_eq(got, want, "\"%s\":\n%s", line, got);
  free(got);
  cli_match_free(&toy_match);
}

static void help_err(const char *line, cli_match_status_t st, size_t off)
{
  char *got = cli_help(toy_graph, line, &toy_match);
  cr_assert_null(got, "\"%s\": got\n%s", line, got ? got : "");
  cr_assert_eq(toy_match.status, st, "\"%s\": status %d", line, toy_match.status);
  if (st == CLI_MATCH_INVALID || st == CLI_MATCH_AMBIGUOUS)
    cr_assert_eq(toy_match.err_offset, off, "\"%s\": offset %zu", line, toy_match.err_offset);
  cli_match_free(&toy_match);
}

static const char first_words[] =
    "  counter        Set a counter\n"
    "  debug          Debugging\n"
    "  description    Describe this object\n"
    "  exit           Leave this mode\n"
    "  hostname       Set the system name\n"
    "  interface      Select an interface\n"
    "  ip             Internet Protocol\n"
    "  ipsec          IPsec settings\n"
    "  key            Authentication key\n"
    "  member         Members\n"
    "  no             Negate a command\n"
    "  pair           Two orders\n"
    "  peer           Remote peer\n"
    "  show           Show running system information\n"
    "  shutdown       Shut the system down\n"
    "  transform-set  Define a transform set\n"
    "  tunnel         Tunnel settings\n"
    "  twin           Two identical commands\n"
    "  value          Set a value\n";

Test(cli_help, first_words_each_keyword_once)
{
  /* show, ip, debug, value, twin, pair start several commands: listed once each */
  help("", first_words);
  help("   \t", first_words);
}

Test(cli_help, next_word)
{
  help("show ", "  configuration  Contents of the configuration\n"
                "  version        System software version\n");
  help("sho conf ", "  <cr>\n");
  help("tunnel ", "  mtu     Maximum transmission unit\n"
                  "  source  Tunnel source address\n");
  help("tunnel mtu ", "  <576-9000>  Bytes in a packet\n");
  help("hostname ", "  WORD  Name of this system\n"); /* the command's own help wins over the dictionary */
  help("hostname r1 ", "  <cr>\n");
  help("ip route 1.2.3.4 255.0.0.0 ", "  A.B.C.D  Gateway\n"
                                      "  <cr>\n");
  help("description ", "  LINE  Up to one line of text\n");
  help("description some text ", "  LINE  Up to one line of text\n"
                                 "  <cr>\n");
  /* keywords first, then variables */
  help("debug ", "  all   All debugging\n"
                 "  WORD  Debug topic\n");
  help("peer ", "  A.B.C.D  Peer address\n"
                "  WORD     Peer host name\n");
  help("peer x ", "  port  Remote port\n"
                  "  <cr>\n");
  help("value ", "  <1-10>  Number\n"
                 "  HEX     Hex value\n"
                 "  WORD    Word value\n");
  help("counter ", "  <0-18446744073709551615>  Number\n");
  help("interface tunnel ", "  ipsec:NAME  Tunnel name\n");
  help("key ", "  HEX  Key in hex\n");
  /* a repetition offers itself again, and the end */
  help("transform-set t esp-null ", "  esp-3des    ESP with 3DES\n"
                                    "  esp-aes128  ESP with AES-128\n"
                                    "  esp-null    ESP without encryption\n"
                                    "  <cr>\n");
  /* twin WORD$first and twin WORD$second: same label, different help: both shown */
  help("twin ", "  WORD  First\n"
                "  WORD  Second\n");
  help("exit ", "  <cr>\n");
}

Test(cli_help, partial_word)
{
  help("sh", "  show      Show running system information\n"
             "  shutdown  Shut the system down\n");
  help("SH", "  show      Show running system information\n"
             "  shutdown  Shut the system down\n");
  help("show", "  show  Show running system information\n"); /* no <cr> for a word being typed */
  help("i", "  interface  Select an interface\n"
            "  ip         Internet Protocol\n"
            "  ipsec      IPsec settings\n");
  help("ip", "  ip     Internet Protocol\n"
             "  ipsec  IPsec settings\n");
  help("show v", "  version  System software version\n");
  /* the variables the word matches, too */
  help("value 5", "  <1-10>  Number\n"
                  "  HEX     Hex value\n"
                  "  WORD    Word value\n");
  help("value 11", "  HEX   Hex value\n"
                   "  WORD  Word value\n");
  help("debug a", "  all   All debugging\n"
                  "  WORD  Debug topic\n");
  help("tunnel mtu 99999", "");
  help("bogus", "");
  help("show version x", "");
  help("hostname \"my ro", "  WORD  Name of this system\n"); /* an open quote is the word being typed */
}

Test(cli_help, errors_before_the_last_word)
{
  help_err("bogus ", CLI_MATCH_INVALID, 0);
  help_err("show bogus x", CLI_MATCH_INVALID, 5);
  help_err("sh ", CLI_MATCH_AMBIGUOUS, 0);
  help_err("tunnel mtu 1 ", CLI_MATCH_INVALID, 11);
  help_err("! comment", CLI_MATCH_EMPTY, 0);
  char line[CLI_MAX_LINE + 2];
  memset(line, 'a', sizeof line - 1);
  line[sizeof line - 1] = '\0';
  help_err(line, CLI_MATCH_TOO_LONG, 0);
}

static void complete(const char *line, size_t n, ...)
{
  char **v = NULL;
  size_t got = cli_complete(toy_graph, line, &v);
  cr_assert_eq(got, n, "\"%s\": %zu completions", line, got);
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++)
    cr_assert_str_eq(v[i], va_arg(ap, const char *), "\"%s\" [%zu]", line, i);
  va_end(ap);
  if (!n)
    cr_assert_null(v);
  cli_strv_free(v, got);
}

Test(cli_complete, lists)
{
  complete("sh", 2, "show", "shutdown");
  complete("show ", 2, "configuration", "version");
  complete("show c", 1, "configuration");
  complete("i", 3, "interface", "ip", "ipsec");
  complete("t", 3, "transform-set", "tunnel", "twin");
  complete("tunnel ", 2, "mtu", "source");
  complete("debug ", 1, "all");
  complete("debug a", 1, "all");
  complete("transform-set x esp-a", 1, "esp-aes128");
  complete("transform-set x esp-a ", 3, "esp-3des", "esp-aes128", "esp-null");
  complete("", 19, "counter", "debug", "description", "exit", "hostname", "interface", "ip", "ipsec", "key",
           "member", "no", "pair", "peer", "show", "shutdown", "transform-set", "tunnel", "twin", "value");
  /* nothing to complete */
  complete("hostname ", 0);
  complete("hostname r1 ", 0);
  complete("bogus ", 0);
  complete("bogus", 0);
  complete("sh x", 0);
  complete("! x", 0);
}

Test(cli_complete, null_out_when_empty)
{
  char **v = (char **)&v;
  cr_assert_eq(cli_complete(toy_graph, "bogus ", &v), 0);
  cr_assert_null(v);
  cli_strv_free(NULL, 0);
}
