/* Throughput: configd replays ~45,000 lines at start-up against modes of
 * ~60 commands.  The figure is printed; the assertion is only a tripwire. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_match.h"

#define NFEAT 48
#define NLINES 50000

static const char *const fixed[] = {
    "interface tunnel ipsec:NAME$tun",
    "tunnel source A.B.C.D$src",
    "tunnel destination A.B.C.D$dst",
    "tunnel transform-set WORD$ts",
    "tunnel mtu (576-9000)$bytes",
    "tunnel pre-shared-key <ascii WORD$key|hex HEX$hexkey|masked-key WORD$masked>",
    "crypto ipsec transform-set WORD$name <esp-3des|esp-aes128|esp-aes256|esp-null>$xf...",
    "crypto ike policy-rule (1-10000)$prio",
    "[no] shutdown",
    "description LINE$text",
    "ip address A.B.C.D$addr A.B.C.D$mask",
    "ip route A.B.C.D$dst A.B.C.D$mask [A.B.C.D$gw]",
};
#define NFIXED (sizeof fixed / sizeof fixed[0])

static const cli_help_entry_t fixed_dict[] = {
    {"interface", "i"}, {"tunnel", "t"}, {"tun", "t"}, {"source", "s"}, {"src", "s"}, {"destination", "d"},
    {"dst", "d"}, {"transform-set", "t"}, {"ts", "t"}, {"mtu", "m"}, {"bytes", "b"}, {"pre-shared-key", "p"}, {"ascii", "a"},
    {"key", "k"}, {"hex", "h"}, {"hexkey", "h"}, {"masked-key", "m"}, {"masked", "m"}, {"crypto", "c"},
    {"ipsec", "i"}, {"name", "n"}, {"esp-3des", "e"}, {"esp-aes128", "e"}, {"esp-aes256", "e"},
    {"esp-null", "e"}, {"xf", "x"}, {"ike", "i"}, {"policy-rule", "p"}, {"prio", "p"}, {"no", "n"},
    {"shutdown", "s"}, {"description", "d"}, {"text", "t"}, {"ip", "i"}, {"address", "a"}, {"addr", "a"},
    {"mask", "m"}, {"route", "r"}, {"gw", "g"}, {"level", "l"}, {"lvl", "l"}, {"enable", "e"},
    {"disable", "d"}, {"state", "s"},
};
#define NFIXED_DICT (sizeof fixed_dict / sizeof fixed_dict[0])

Test(cli_perf, fifty_thousand_lines_sixty_commands)
{
  static char syntax[NFEAT][96], names[NFEAT][16];
  static cli_cmd_t cmds[NFIXED + NFEAT];
  static cli_help_entry_t dict[NFIXED_DICT + NFEAT + 1];
  size_t nc = 0, nd = 0;
  for (size_t i = 0; i < NFIXED; i++)
    cmds[nc++] = (cli_cmd_t){.syntax = fixed[i]};
  for (size_t i = 0; i < NFIXED_DICT; i++)
    dict[nd++] = fixed_dict[i];
  for (int i = 0; i < NFEAT; i++) {
    snprintf(names[i], sizeof names[i], "feature%02d", i);
    snprintf(syntax[i], sizeof syntax[i], "feature%02d WORD$name [level (1-10)$lvl] [<enable|disable>$state]", i);
    cmds[nc++] = (cli_cmd_t){.syntax = syntax[i]};
    dict[nd++] = (cli_help_entry_t){names[i], "feature"};
  }
  dict[nd] = (cli_help_entry_t){NULL, NULL};
  cr_assert_eq(nc, 60);
  char err[256];
  cli_graph_t *g = cli_graph_build(cmds, nc, dict, err, sizeof err);
  cr_assert_not_null(g, "%s", err);

  /* a 5,000-tunnel style configuration, abbreviated now and then */
  static char lines[NLINES][96];
  for (int i = 0; i < NLINES; i++) {
    int t = i / 10;
    switch (i % 10) {
    case 0: snprintf(lines[i], sizeof lines[i], "interface tunnel ipsec:tun%d", t); break;
    case 1: snprintf(lines[i], sizeof lines[i], "tunnel source 10.%d.%d.1", t / 256 % 256, t % 256); break;
    case 2: snprintf(lines[i], sizeof lines[i], "tun dest 172.16.%d.%d", t / 256 % 256, t % 256); break;
    case 3: snprintf(lines[i], sizeof lines[i], "tunnel transform-set ts%d", t % 16); break;
    case 4: snprintf(lines[i], sizeof lines[i], "tunnel mtu 1400"); break;
    case 5: snprintf(lines[i], sizeof lines[i], "tunnel pre-shared-key masked-key AAAAb3Vyc2VjcmV0%d", t); break;
    case 6: snprintf(lines[i], sizeof lines[i], "description tunnel %d to branch office %d", t, t * 7); break;
    case 7: snprintf(lines[i], sizeof lines[i], "ip address 10.%d.%d.2 255.255.255.252", t / 256 % 256, t % 256); break;
    case 8: snprintf(lines[i], sizeof lines[i], "feature%02d f%d level 5 enable", t % NFEAT, t); break;
    default: snprintf(lines[i], sizeof lines[i], "no shutdown"); break;
    }
  }

  struct timespec a, b;
  size_t okc = 0;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < NLINES; i++) {
    cli_match_t m;
    okc += cli_match(g, lines[i], &m) == CLI_MATCH_OK;
    cli_match_free(&m);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
  printf("cli_match: %d lines against %zu commands in %.3f s (%.2f us/line)\n", NLINES, nc, s, s * 1e6 / NLINES);
  fflush(stdout);
  cr_assert_eq(okc, NLINES);
  cli_graph_destroy(&g);
}
