/* cli_match: token classes, grammar constructs, precedence, errors and the
 * canonical spelling, against the toy grammar. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cli_toy_fixture.h"

TestSuite(cli_match, .init = cli_toy_setup, .fini = cli_toy_teardown);

/* Matches and checks the command; returns the captures. */
static const cli_args_t *ok(const char *line, const char *syntax)
{
  cli_match_free(&toy_match);
  cli_match_status_t st = cli_match(toy_graph, line, &toy_match);
  cr_assert_eq(st, CLI_MATCH_OK, "\"%s\": status %d at %zu", line, st, toy_match.err_offset);
  cr_assert_eq(toy_match.status, st);
  cr_assert_not_null(toy_match.cmd);
  cr_assert_str_eq(toy_match.cmd->syntax, syntax, "\"%s\" matched \"%s\"", line, toy_match.cmd->syntax);
  cr_assert_eq(toy_match.cmd, &cli_toy_cmds[cli_toy_index(syntax)]);
  return toy_match.args;
}

static void bad(const char *line, cli_match_status_t want, size_t off)
{
  cli_match_free(&toy_match);
  cli_match_status_t st = cli_match(toy_graph, line, &toy_match);
  cr_assert_eq(st, want, "\"%s\": status %d, want %d", line, st, want);
  if (want == CLI_MATCH_INVALID || want == CLI_MATCH_AMBIGUOUS)
    cr_assert_eq(toy_match.err_offset, off, "\"%s\": offset %zu, want %zu", line, toy_match.err_offset, off);
  cr_assert_null(toy_match.cmd);
  cr_assert_null(toy_match.args);
  cr_assert_null(toy_match.canonical);
}

static void canon(const char *line, const char *syntax, const char *want)
{
  ok(line, syntax);
  cr_assert_str_eq(toy_match.canonical, want, "\"%s\" -> \"%s\"", line, toy_match.canonical);
  /* the canonical line means the same thing */
  char *again = strdup(toy_match.canonical);
  ok(again, syntax);
  cr_assert_str_eq(toy_match.canonical, want);
  free(again);
}

static void arg(const char *name, const char *want)
{
  const char *v = cli_arg(toy_match.args, name);
  cr_assert_not_null(v, "no capture %s", name);
  cr_assert_str_eq(v, want, "capture %s", name);
}

Test(cli_match, keywords_and_abbreviations)
{
  ok("show version", "show version");
  ok("sho conf", "show configuration");
  ok("SHOW Version", "show version");
  ok("show v", "show version");
  ok("shu", "shutdown");
  ok("exit", "exit");
  /* every keyword is captured under its own text, in full */
  ok("sho ver", "show version");
  arg("show", "show");
  arg("version", "version");
  cr_assert_eq(cli_argc(toy_match.args, "show"), 1);
  cr_assert_not(cli_has(toy_match.args, "configuration"));
}

Test(cli_match, word)
{
  ok("hostname r1", "[no] hostname WORD$name");
  arg("name", "r1");
  cr_assert_not(cli_has(toy_match.args, "no"));
  ok("no hostname r1", "[no] hostname WORD$name");
  arg("no", "no");
  ok("hostname r1/x:y@z", "[no] hostname WORD$name");
  arg("name", "r1/x:y@z");
  /* a backslash outside quotes is an ordinary character */
  canon("hostname a\\b", "[no] hostname WORD$name", "hostname a\\b");
  arg("name", "a\\b");
}

Test(cli_match, ipv4)
{
  ok("tunnel source 10.0.0.1", "tunnel source A.B.C.D$addr");
  arg("addr", "10.0.0.1");
  ok("tunnel source 0.0.0.0", "tunnel source A.B.C.D$addr");
  ok("tunnel source 255.255.255.255", "tunnel source A.B.C.D$addr");
  /* leading zeros are decimal, as on IOS, and the capture is normalised */
  canon("tunnel source 01.002.3.004", "tunnel source A.B.C.D$addr", "tunnel source 1.2.3.4");
  arg("addr", "1.2.3.4");
  canon("tunnel source 010.0.0.1", "tunnel source A.B.C.D$addr", "tunnel source 10.0.0.1");
  static const char *const refused[] = {
      "256.1.1.1", "1.2.3.256", "1.2.3", "1.2.3.4.", "1.2.3.4.5", "1..2.3", ".1.2.3", "+1.2.3.4", "1.2.3.+4",
      "1.2.3.4a", "a.b.c.d",  "0001.2.3.4", "1.2.3.-4", "\"\"", "1.2.3.4 5",
  };
  char line[64];
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    snprintf(line, sizeof line, "tunnel source %s", refused[i]);
    bad(line, CLI_MATCH_INVALID, strcmp(refused[i], "1.2.3.4 5") == 0 ? 22 : 14);
  }
}

Test(cli_match, range_bounds)
{
  ok("tunnel mtu 576", "tunnel mtu (576-9000)$bytes");
  arg("bytes", "576");
  ok("tunnel mtu 9000", "tunnel mtu (576-9000)$bytes");
  bad("tunnel mtu 575", CLI_MATCH_INVALID, 11);
  bad("tunnel mtu 9001", CLI_MATCH_INVALID, 11);
  bad("tunnel mtu 0", CLI_MATCH_INVALID, 11);
  bad("tunnel mtu +600", CLI_MATCH_INVALID, 11);
  bad("tunnel mtu -600", CLI_MATCH_INVALID, 11);
  bad("tunnel mtu 600x", CLI_MATCH_INVALID, 11);
  bad("tunnel mtu x600", CLI_MATCH_INVALID, 11);
  bad("tunnel mtu 6e2", CLI_MATCH_INVALID, 11);
  bad("tunnel mtu 0x300", CLI_MATCH_INVALID, 11);
  canon("tunnel mtu 0600", "tunnel mtu (576-9000)$bytes", "tunnel mtu 600");
  arg("bytes", "600");
}

Test(cli_match, uint64_range)
{
  ok("counter 0", "counter (0-18446744073709551615)$n");
  ok("counter 18446744073709551615", "counter (0-18446744073709551615)$n");
  arg("n", "18446744073709551615");
  ok("counter 000018446744073709551615", "counter (0-18446744073709551615)$n");
  arg("n", "18446744073709551615");
  bad("counter 18446744073709551616", CLI_MATCH_INVALID, 8);
  bad("counter 99999999999999999999", CLI_MATCH_INVALID, 8);
  bad("counter 184467440737095516150", CLI_MATCH_INVALID, 8);
}

Test(cli_match, hex)
{
  ok("key a", "key HEX$secret"); /* odd lengths are allowed */
  arg("secret", "a");
  ok("key 0aBcDeF", "key HEX$secret");
  arg("secret", "0aBcDeF"); /* as typed */
  ok("key 0123456789abcdef0123456789abcdef0123456789", "key HEX$secret");
  bad("key 0x12", CLI_MATCH_INVALID, 4);
  bad("key g", CLI_MATCH_INVALID, 4);
  bad("key 12 34", CLI_MATCH_INVALID, 7);
  bad("key \"\"", CLI_MATCH_INVALID, 4);
}

Test(cli_match, ipsec_name)
{
  ok("interface tunnel ipsec:t1", "interface tunnel ipsec:NAME$tun");
  arg("tun", "ipsec:t1");
  ok("int tun IPSEC:Tun-1", "interface tunnel ipsec:NAME$tun");
  arg("tun", "IPSEC:Tun-1");
  ok("interface tunnel ipsec::", "interface tunnel ipsec:NAME$tun");
  bad("interface tunnel ipsec:", CLI_MATCH_INVALID, 17);
  bad("interface tunnel ipsec", CLI_MATCH_INVALID, 17);
  bad("interface tunnel tun1", CLI_MATCH_INVALID, 17);
  bad("interface tunnel gre:t1", CLI_MATCH_INVALID, 17);
}

Test(cli_match, line)
{
  ok("description  hello   world  ", "description LINE$text");
  arg("text", "hello   world"); /* raw, inner spacing kept, trailing blanks dropped */
  cr_assert_str_eq(toy_match.canonical, "description hello   world");
  canon("desc x", "description LINE$text", "description x");
  /* quoting means nothing to a LINE: it is the raw rest, even malformed */
  ok("description \"a b\" c", "description LINE$text");
  arg("text", "\"a b\" c");
  ok("description say \"hi", "description LINE$text");
  arg("text", "say \"hi");
  ok("description \"unterminated", "description LINE$text");
  arg("text", "\"unterminated");
  ok("description \"a\"b c", "description LINE$text");
  arg("text", "\"a\"b c");
  ok("description ! # not a comment", "description LINE$text");
  arg("text", "! # not a comment");
  bad("description", CLI_MATCH_INCOMPLETE, 0);
}

Test(cli_match, optional_groups)
{
  ok("ip route 10.0.0.0 255.0.0.0", "ip route A.B.C.D$dst A.B.C.D$mask [A.B.C.D$gw]");
  arg("dst", "10.0.0.0");
  arg("mask", "255.0.0.0");
  cr_assert_not(cli_has(toy_match.args, "gw"));
  ok("ip route 10.0.0.0 255.0.0.0 1.1.1.1", "ip route A.B.C.D$dst A.B.C.D$mask [A.B.C.D$gw]");
  arg("gw", "1.1.1.1");
  bad("ip route 10.0.0.0 255.0.0.0 1.1.1.1 2.2.2.2", CLI_MATCH_INVALID, 36);
  ok("peer p1 port 500", "peer <A.B.C.D|WORD>$host [port (1-65535)$portnum]");
  arg("portnum", "500");
  bad("peer p1 port", CLI_MATCH_INCOMPLETE, 0);
}

Test(cli_match, alternatives_and_group_capture)
{
  /* both alternatives take an address; the more specific one wins */
  ok("peer 10.1.1.1", "peer <A.B.C.D|WORD>$host [port (1-65535)$portnum]");
  arg("host", "10.1.1.1");
  arg("A.B.C.D", "10.1.1.1"); /* unnamed variable: under its placeholder */
  cr_assert_not(cli_has(toy_match.args, "WORD"));
  ok("peer gw.example", "peer <A.B.C.D|WORD>$host [port (1-65535)$portnum]");
  arg("host", "gw.example");
  arg("WORD", "gw.example");
  cr_assert_not(cli_has(toy_match.args, "A.B.C.D"));
  ok("transform-set ts1 esp-n", "transform-set WORD$name <esp-3des|esp-aes128|esp-null>$xf...");
  arg("xf", "esp-null");
  arg("esp-null", "esp-null");
  bad("transform-set ts1 esp-", CLI_MATCH_AMBIGUOUS, 18);
  bad("transform-set ts1 esp-des", CLI_MATCH_INVALID, 18);
}

Test(cli_match, repetition_captures_in_order)
{
  ok("transform-set ts1 esp-aes128 esp-3 esp-null esp-aes", "transform-set WORD$name <esp-3des|esp-aes128|esp-null>$xf...");
  cr_assert_eq(cli_argc(toy_match.args, "xf"), 4);
  cr_assert_str_eq(cli_argv(toy_match.args, "xf", 0), "esp-aes128");
  cr_assert_str_eq(cli_argv(toy_match.args, "xf", 1), "esp-3des");
  cr_assert_str_eq(cli_argv(toy_match.args, "xf", 2), "esp-null");
  cr_assert_str_eq(cli_argv(toy_match.args, "xf", 3), "esp-aes128");
  cr_assert_null(cli_argv(toy_match.args, "xf", 4));
  cr_assert_str_eq(toy_match.canonical, "transform-set ts1 esp-aes128 esp-3des esp-null esp-aes128");
  bad("transform-set ts1", CLI_MATCH_INCOMPLETE, 0);
  ok("member a b \"c d\" a", "member WORD$m...");
  cr_assert_eq(cli_argc(toy_match.args, "m"), 4);
  cr_assert_str_eq(cli_argv(toy_match.args, "m", 0), "a");
  cr_assert_str_eq(cli_argv(toy_match.args, "m", 1), "b");
  cr_assert_str_eq(cli_argv(toy_match.args, "m", 2), "c d");
  cr_assert_str_eq(cli_argv(toy_match.args, "m", 3), "a");
  cr_assert_str_eq(toy_match.canonical, "member a b \"c d\" a");
}

Test(cli_match, exact_beats_prefix)
{
  /* "ip" is a whole keyword and a prefix of "ipsec": exact wins */
  ok("ip route 1.0.0.0 255.0.0.0", "ip route A.B.C.D$dst A.B.C.D$mask [A.B.C.D$gw]");
  ok("ips local 1.2.3.4", "ipsec local-endpoint A.B.C.D$addr");
  ok("ipsec l 1.2.3.4", "ipsec local-endpoint A.B.C.D$addr");
  bad("i", CLI_MATCH_AMBIGUOUS, 0);
  ok("ip a 1.2.3.4 255.255.255.0", "ip address A.B.C.D$addr A.B.C.D$mask");
}

Test(cli_match, keyword_beats_variable)
{
  ok("debug all", "debug all");
  ok("debug al", "debug all"); /* a prefix too drops the variables */
  ok("debug ALL", "debug all");
  ok("debug ike", "debug WORD$what");
  arg("what", "ike");
  ok("debug allx", "debug WORD$what");
  /* quoted words are ordinary words */
  ok("debug \"all\"", "debug all");
}

Test(cli_match, most_specific_then_first_declared)
{
  ok("value 5", "value (1-10)$n");
  ok("value 11", "value HEX$h"); /* out of range, but hex */
  ok("value ab", "value HEX$h");
  ok("value zz", "value WORD$w");
  ok("twin x", "twin WORD$first");
  /* compared word by word: the first differing word decides */
  ok("pair 5 5", "pair (1-10)$a WORD$b");
  ok("pair x 5", "pair WORD$a (1-10)$b");
  arg("a", "x");
  arg("b", "5");
  ok("pair 5 x", "pair (1-10)$a WORD$b");
  bad("pair x x", CLI_MATCH_INVALID, 7);
}

Test(cli_match, ambiguous)
{
  bad("sh", CLI_MATCH_AMBIGUOUS, 0);
  bad("s", CLI_MATCH_AMBIGUOUS, 0);
  bad("  sh version", CLI_MATCH_AMBIGUOUS, 2);
  bad("t", CLI_MATCH_AMBIGUOUS, 0); /* transform-set, tunnel, twin */
  ok("tunnel m 600", "tunnel mtu (576-9000)$bytes"); /* "m" names only mtu here */
}

Test(cli_match, invalid_offsets)
{
  bad("bogus", CLI_MATCH_INVALID, 0);
  bad("   bogus", CLI_MATCH_INVALID, 3);
  bad("show bogus", CLI_MATCH_INVALID, 5);
  bad("\tshow\t\tbogus", CLI_MATCH_INVALID, 7);
  bad("show version extra", CLI_MATCH_INVALID, 13);
  bad("show version \"extra words\"", CLI_MATCH_INVALID, 13);
  bad("tunnel mtu 10", CLI_MATCH_INVALID, 11);
  bad("tunnel source 1.2.3.4 x", CLI_MATCH_INVALID, 22);
  bad("show !", CLI_MATCH_INVALID, 5);
  bad("hostname \"unterminated", CLI_MATCH_INVALID, 9);
  bad("hostname \"a\"b", CLI_MATCH_INVALID, 9);
  bad("hostname \"a\" \"b", CLI_MATCH_INVALID, 13);
  bad("\"show\" \"", CLI_MATCH_INVALID, 7);
  bad("no bogus", CLI_MATCH_INVALID, 3);
  bad("no show", CLI_MATCH_INVALID, 3);
  bad("\xff\xfe", CLI_MATCH_INVALID, 0);
}

Test(cli_match, incomplete)
{
  bad("show", CLI_MATCH_INCOMPLETE, 0);
  bad("tunnel", CLI_MATCH_INCOMPLETE, 0);
  bad("tunnel source", CLI_MATCH_INCOMPLETE, 0);
  bad("ip route 1.2.3.4", CLI_MATCH_INCOMPLETE, 0);
  bad("no", CLI_MATCH_INCOMPLETE, 0);
  bad("no hostname   ", CLI_MATCH_INCOMPLETE, 0);
}

Test(cli_match, quoted_words)
{
  ok("hostname \"my router\"", "[no] hostname WORD$name");
  arg("name", "my router");
  cr_assert_str_eq(toy_match.canonical, "hostname \"my router\"");
  canon("hostname \"a \\\"b\\\" \\\\ c\"", "[no] hostname WORD$name", "hostname \"a \\\"b\\\" \\\\ c\"");
  arg("name", "a \"b\" \\ c");
  canon("hostname \"\"", "[no] hostname WORD$name", "hostname \"\"");
  arg("name", "");
  /* quotes that are not needed go */
  canon("hostname \"r1\"", "[no] hostname WORD$name", "hostname r1");
  /* a backslash before anything else is kept */
  ok("hostname \"a\\nb\"", "[no] hostname WORD$name");
  arg("name", "a\\nb");
  cr_assert_str_eq(toy_match.canonical, "hostname a\\nb");
  ok("hostname \"tab\there\"", "[no] hostname WORD$name");
  cr_assert_str_eq(toy_match.canonical, "hostname \"tab\there\"");
  /* a quote inside a bare word is an ordinary character, and forces quotes in the canonical form */
  canon("hostname 5\"disk", "[no] hostname WORD$name", "hostname \"5\\\"disk\"");
  arg("name", "5\"disk");
  ok("member \"\" \" \" x", "member WORD$m...");
  cr_assert_eq(cli_argc(toy_match.args, "m"), 3);
  cr_assert_str_eq(toy_match.canonical, "member \"\" \" \" x");
}

Test(cli_match, comments_and_blank)
{
  bad("", CLI_MATCH_EMPTY, 0);
  bad("   \t ", CLI_MATCH_EMPTY, 0);
  bad("!", CLI_MATCH_EMPTY, 0);
  bad("! show version", CLI_MATCH_EMPTY, 0);
  bad("  # comment", CLI_MATCH_EMPTY, 0);
  bad("\t!x", CLI_MATCH_EMPTY, 0);
  bad("#", CLI_MATCH_EMPTY, 0);
  /* CR/LF left by a file reader are blanks */
  ok("show version\r\n", "show version");
  cr_assert_str_eq(toy_match.canonical, "show version");
}

Test(cli_match, too_long)
{
  static char line[CLI_MAX_LINE + 64];
  /* exactly CLI_MAX_LINE bytes is fine */
  memset(line, 'x', sizeof line);
  memcpy(line, "description ", 12);
  line[CLI_MAX_LINE] = '\0';
  ok(line, "description LINE$text");
  cr_assert_eq(strlen(cli_arg(toy_match.args, "text")), CLI_MAX_LINE - 12);
  line[CLI_MAX_LINE] = 'x';
  line[CLI_MAX_LINE + 1] = '\0';
  bad(line, CLI_MATCH_TOO_LONG, 0);
  /* CLI_MAX_WORDS words are fine, one more is not (even blanks past the limit count as bytes) */
  char *p = line;
  p += sprintf(p, "member");
  for (int i = 1; i < CLI_MAX_WORDS; i++)
    p += sprintf(p, " w%d", i);
  ok(line, "member WORD$m...");
  cr_assert_eq(cli_argc(toy_match.args, "m"), CLI_MAX_WORDS - 1);
  sprintf(p, " w%d", CLI_MAX_WORDS);
  bad(line, CLI_MATCH_TOO_LONG, 0);
  /* the limit also applies to words a LINE would take */
  sprintf(line, "description");
  for (int i = 1; i <= CLI_MAX_WORDS; i++)
    strcat(line, " x");
  bad(line, CLI_MATCH_TOO_LONG, 0);
}

Test(cli_match, canonical)
{
  canon("sho conf", "show configuration", "show configuration");
  canon("  SHOW   VERSION  ", "show version", "show version");
  canon("\ttunnel\tmtu\t0600\t", "tunnel mtu (576-9000)$bytes", "tunnel mtu 600");
  canon("no host R1", "[no] hostname WORD$name", "no hostname R1");
  canon("int tun IPSEC:T1", "interface tunnel ipsec:NAME$tun", "interface tunnel IPSEC:T1");
  canon("peer 10.1.1.1 p 500", "peer <A.B.C.D|WORD>$host [port (1-65535)$portnum]", "peer 10.1.1.1 port 500");
  canon("key 0aBc", "key HEX$secret", "key 0aBc");
  /* '!' and '#' start a comment only as the first word */
  canon("member !x #y", "member WORD$m...", "member !x #y");
}

Test(cli_match, free_is_idempotent)
{
  ok("show version", "show version");
  cli_match_free(&toy_match);
  cli_match_free(&toy_match);
  cli_match_free(NULL);
  cr_assert_null(cli_arg(NULL, "x"));
  cr_assert_eq(cli_argc(NULL, "x"), 0);
  cr_assert_not(cli_has(NULL, "x"));
}
