/* cli_graph_build: grammar strings it must refuse, with an error naming the
 * command and the token, and the odd ones it must accept. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cli_match.h"

static const cli_help_entry_t dict[] = {
    {"a", "A"}, {"b", "B"}, {"c", "C"}, {"x", "X"}, {"WORD", "Word"}, {"LINE", "Line"}, {"n", "N"}, {NULL, NULL},
};

static void refused(const char *syntax, const char *help, const char *want)
{
  cli_cmd_t cmd = {.syntax = syntax, .help = help};
  char err[256];
  cli_graph_t *g = cli_graph_build(&cmd, 1, dict, err, sizeof err);
  cr_assert_null(g, "\"%s\" was accepted", syntax);
  cr_assert(strstr(err, syntax), "\"%s\": error does not name the command: %s", syntax, err);
  cr_assert(strstr(err, want), "\"%s\": error \"%s\" lacks \"%s\"", syntax, err, want);
}

static cli_graph_t *accepted(const char *syntax)
{
  cli_cmd_t cmd = {.syntax = syntax};
  char err[256];
  cli_graph_t *g = cli_graph_build(&cmd, 1, dict, err, sizeof err);
  cr_assert_not_null(g, "\"%s\": %s", syntax, err);
  return g;
}

Test(cli_build, missing_help_names_command_and_token)
{
  refused("a nohelp", NULL, "\"nohelp\"");
  refused("a WORD$who", NULL, "\"who\"");
  refused("a A.B.C.D", NULL, "\"A.B.C.D\"");
  refused("a (1-5)", NULL, "\"(1-5)\"");
  refused("a <b|zz>", NULL, "\"zz\"");
  refused("a [b HEX]", NULL, "\"HEX\"");
  refused("a ipsec:NAME", NULL, "\"ipsec:NAME\"");
  /* an override for another key does not help */
  refused("a WORD$who", "whom=Someone", "\"who\"");
  cli_graph_t *g = NULL;
  cli_cmd_t cmd = {.syntax = "a WORD$who", .help = "a=Override\nwho=Someone"};
  char err[128];
  g = cli_graph_build(&cmd, 1, dict, err, sizeof err);
  cr_assert_not_null(g, "%s", err);
  cli_graph_destroy(&g);
  cr_assert_null(g);
}

Test(cli_build, malformed)
{
  refused("a <b|c", NULL, "unbalanced");
  refused("a [b", NULL, "unbalanced");
  refused("a <b|c]", NULL, "unbalanced");
  refused("a b>", NULL, "unexpected");
  refused("a b]", NULL, "unexpected");
  refused("a | b", NULL, "unexpected");
  refused("a <b|>", NULL, "empty alternative");
  refused("a <>", NULL, "empty alternative");
  refused("a []", NULL, "empty alternative");
  refused("a (5-1)", NULL, "bad range");
  refused("a (x-1)", NULL, "bad range");
  refused("a (1-x)", NULL, "bad range");
  refused("a (1-99999999999999999999)", NULL, "bad range");
  refused("a Foo", NULL, "bad token");
  refused("a x_y", NULL, "bad token");
  refused("a X:X::X:X", NULL, "bad token");
  refused("a WORD$", NULL, "empty capture name");
  refused("a $x", NULL, "missing token");
  refused("a WORD$x$y", NULL, "unexpected");
  refused("a b......", NULL, "bad token");
  refused("a LINE b", NULL, "LINE must be the last");
  refused("a LINE [b]", NULL, "LINE must be the last");
  refused("a LINE...", NULL, "LINE must be the last");
  refused("a b (1-5)$b", NULL, "capture name \"b\" is also a keyword");
  refused("a <b|c>$c", NULL, "capture name \"c\" is also a keyword");
  refused("[a]", NULL, "empty line");
  refused("[a] [b]", NULL, "empty line");
  refused("", NULL, "empty");
  refused("   ", NULL, "empty");
  refused("a [[[[[[[[[[[[[[[[[[b]]]]]]]]]]]]]]]]]]", NULL, "nested too deep");
}

Test(cli_build, accepted_forms)
{
  const char *ok[] = {
      "a", "a b c", "<a|b> c", "a [b|c]", "a <b c|x>$n", "a WORD$x...", "a WORD...$x", "a <b|c>...$x",
      "a [b]...", "a [LINE]", "a <LINE|b>", "a LINE$n", "  a   b  ", "a\tb", "a <b [c]>",
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    cli_graph_t *g = accepted(ok[i]);
    cli_graph_destroy(&g);
  }
}

Test(cli_build, odd_forms_match)
{
  cli_match_t m = {0};
  cli_graph_t *g = accepted("a WORD...$x");
  cr_assert_eq(cli_match(g, "a p q", &m), CLI_MATCH_OK);
  cr_assert_eq(cli_argc(m.args, "x"), 2);
  cli_match_free(&m);
  cli_graph_destroy(&g);
  /* [b]... is zero or more */
  g = accepted("a [b]...");
  cr_assert_eq(cli_match(g, "a", &m), CLI_MATCH_OK);
  cli_match_free(&m);
  cr_assert_eq(cli_match(g, "a b b b", &m), CLI_MATCH_OK);
  cr_assert_eq(cli_argc(m.args, "b"), 3);
  cli_match_free(&m);
  cli_graph_destroy(&g);
  /* an optional LINE */
  g = accepted("a [LINE]");
  cr_assert_eq(cli_match(g, "a", &m), CLI_MATCH_OK);
  cli_match_free(&m);
  cr_assert_eq(cli_match(g, "a  p  q ", &m), CLI_MATCH_OK);
  cr_assert_str_eq(cli_arg(m.args, "LINE"), "p  q");
  cr_assert_str_eq(m.canonical, "a p  q");
  cli_match_free(&m);
  cli_graph_destroy(&g);
  /* an optional choice, named */
  g = accepted("a [b|c]$n");
  cr_assert_eq(cli_match(g, "a c", &m), CLI_MATCH_OK);
  cr_assert_str_eq(cli_arg(m.args, "n"), "c");
  cli_match_free(&m);
  cr_assert_eq(cli_match(g, "a", &m), CLI_MATCH_OK);
  cr_assert_not(cli_has(m.args, "n"));
  cli_match_free(&m);
  cli_graph_destroy(&g);
  /* a group alternative of several tokens captures nothing under the group name */
  g = accepted("a <b c|x>$n");
  cr_assert_eq(cli_match(g, "a x", &m), CLI_MATCH_OK);
  cr_assert_str_eq(cli_arg(m.args, "n"), "x");
  cli_match_free(&m);
  cr_assert_eq(cli_match(g, "a b c", &m), CLI_MATCH_OK);
  cr_assert_not(cli_has(m.args, "n"));
  cr_assert(cli_has(m.args, "b") && cli_has(m.args, "c"));
  cli_match_free(&m);
  cli_graph_destroy(&g);
}

Test(cli_build, several_commands_and_no_err_buffer)
{
  cli_cmd_t cmds[] = {{.syntax = "a"}, {.syntax = "b bad!"}};
  cr_assert_null(cli_graph_build(cmds, 2, dict, NULL, 0));
  char err[8];
  cr_assert_null(cli_graph_build(cmds, 2, dict, err, sizeof err)); /* truncated, still terminated */
  cr_assert_lt(strlen(err), sizeof err);
  cli_cmd_t none = {.syntax = NULL};
  cr_assert_null(cli_graph_build(&none, 1, dict, NULL, 0));
  /* an empty mode is a graph that matches nothing */
  cli_graph_t *g = cli_graph_build(NULL, 0, dict, NULL, 0);
  cr_assert_not_null(g);
  cli_match_t m;
  cr_assert_eq(cli_match(g, "a", &m), CLI_MATCH_INVALID);
  cli_match_free(&m);
  char *h = cli_help(g, "", &m);
  cr_assert_str_eq(h, "");
  free(h);
  cli_graph_destroy(&g);
  cli_graph_destroy(&g);
  cli_graph_destroy(NULL);
}

Test(cli_build, large_graph_and_long_histories)
{
  /* more nodes than the matcher's stack scratch, and more history than its stack arena */
  enum { NCMD = 400 };
  static char syn[NCMD][48], kw[NCMD][16];
  static cli_cmd_t cmds[NCMD];
  static cli_help_entry_t d[NCMD + 3];
  for (int i = 0; i < NCMD; i++) {
    snprintf(kw[i], sizeof kw[i], "k%d", i);
    if (i < 20)
      snprintf(syn[i], sizeof syn[i], "any WORD$w%d...", i);
    else
      snprintf(syn[i], sizeof syn[i], "k%d [WORD$x] [HEX$y]", i);
    cmds[i] = (cli_cmd_t){.syntax = syn[i], .help = "w0=a\nw1=a\nw2=a\nw3=a\nw4=a\nw5=a\nw6=a\nw7=a\nw8=a\nw9=a\nw10=a\n"
                                                      "w11=a\nw12=a\nw13=a\nw14=a\nw15=a\nw16=a\nw17=a\nw18=a\nw19=a"};
    d[i] = (cli_help_entry_t){kw[i], "k"};
  }
  d[NCMD] = (cli_help_entry_t){"any", "any"};
  d[NCMD + 1] = (cli_help_entry_t){"x", "x"};
  d[NCMD + 2] = (cli_help_entry_t){"y", "y"};
  char err[256];
  cli_graph_t *g = cli_graph_build(cmds, NCMD, d, err, sizeof err);
  cr_assert_not_null(g, "%s", err);
  char line[CLI_MAX_LINE];
  strcpy(line, "any");
  for (int i = 1; i < CLI_MAX_WORDS; i++)
    strcat(line, " ab");
  cli_match_t m;
  cr_assert_eq(cli_match(g, line, &m), CLI_MATCH_OK);
  cr_assert_eq(m.cmd, &cmds[0]); /* twenty equal paths: the first command */
  cr_assert_eq(cli_argc(m.args, "w0"), CLI_MAX_WORDS - 1);
  cli_match_free(&m);
  cr_assert_eq(cli_match(g, "k399 ab", &m), CLI_MATCH_OK);
  cr_assert_str_eq(cli_arg(m.args, "y"), "ab"); /* HEX beats WORD */
  cli_match_free(&m);
  cr_assert_eq(cli_match(g, "k399 zz", &m), CLI_MATCH_OK);
  cr_assert_str_eq(cli_arg(m.args, "x"), "zz");
  cli_match_free(&m);
  char *h = cli_help(g, "k39", &m);
  cr_assert_not_null(h);
  cr_assert(strncmp(h, "  k39   k\n  k390  k\n", 20) == 0, "%s", h);
  free(h);
  cli_graph_destroy(&g);
}
