#include "cli_toy_grammar.h"

#include <stdio.h>
#include <string.h>

const cli_cmd_t cli_toy_cmds[] = {
    {.syntax = "show configuration"},
    {.syntax = "show version"},
    {.syntax = "shutdown"},
    {.syntax = "[no] hostname WORD$name", .help = "hostname=Set the system name\nname=Name of this system"},
    {.syntax = "interface tunnel ipsec:NAME$tun"},
    {.syntax = "tunnel source A.B.C.D$addr"},
    {.syntax = "tunnel mtu (576-9000)$bytes"},
    {.syntax = "key HEX$secret"},
    {.syntax = "description LINE$text"},
    {.syntax = "peer <A.B.C.D|WORD>$host [port (1-65535)$portnum]"},
    {.syntax = "transform-set WORD$name <esp-3des|esp-aes128|esp-null>$xf..."},
    {.syntax = "counter (0-18446744073709551615)$n"},
    {.syntax = "ip route A.B.C.D$dst A.B.C.D$mask [A.B.C.D$gw]"},
    {.syntax = "ip address A.B.C.D$addr A.B.C.D$mask"},
    {.syntax = "ipsec local-endpoint A.B.C.D$addr"},
    {.syntax = "debug all"},
    {.syntax = "debug WORD$what"},
    {.syntax = "member WORD$m..."},
    {.syntax = "value (1-10)$n"},
    {.syntax = "value HEX$h"},
    {.syntax = "value WORD$w"},
    {.syntax = "twin WORD$first"},
    {.syntax = "twin WORD$second"},
    {.syntax = "pair WORD$a (1-10)$b"},
    {.syntax = "pair (1-10)$a WORD$b"},
    {.syntax = "exit"},
};
const size_t cli_toy_ncmds = sizeof cli_toy_cmds / sizeof cli_toy_cmds[0];

const cli_help_entry_t cli_toy_dict[] = {
    {"show", "Show running system information"},
    {"configuration", "Contents of the configuration"},
    {"version", "System software version"},
    {"shutdown", "Shut the system down"},
    {"no", "Negate a command"},
    {"hostname", "Dictionary hostname help (overridden)"},
    {"interface", "Select an interface"},
    {"tunnel", "Tunnel settings"},
    {"tun", "Tunnel name"},
    {"source", "Tunnel source address"},
    {"addr", "IP address"},
    {"mtu", "Maximum transmission unit"},
    {"bytes", "Bytes in a packet"},
    {"key", "Authentication key"},
    {"secret", "Key in hex"},
    {"description", "Describe this object"},
    {"text", "Up to one line of text"},
    {"peer", "Remote peer"},
    {"A.B.C.D", "Peer address"},
    {"WORD", "Peer host name"},
    {"port", "Remote port"},
    {"portnum", "Port number"},
    {"transform-set", "Define a transform set"},
    {"esp-3des", "ESP with 3DES"},
    {"esp-aes128", "ESP with AES-128"},
    {"esp-null", "ESP without encryption"},
    {"name", "Transform set name"},
    {"counter", "Set a counter"},
    {"n", "Number"},
    {"ip", "Internet Protocol"},
    {"route", "Static route"},
    {"dst", "Destination prefix"},
    {"mask", "Network mask"},
    {"gw", "Gateway"},
    {"address", "Interface address"},
    {"ipsec", "IPsec settings"},
    {"local-endpoint", "Local endpoint address"},
    {"debug", "Debugging"},
    {"all", "All debugging"},
    {"what", "Debug topic"},
    {"member", "Members"},
    {"m", "Member name"},
    {"value", "Set a value"},
    {"h", "Hex value"},
    {"w", "Word value"},
    {"twin", "Two identical commands"},
    {"first", "First"},
    {"second", "Second"},
    {"pair", "Two orders"},
    {"a", "First value"},
    {"b", "Second value"},
    {"exit", "Leave this mode"},
    {NULL, NULL},
};

int cli_toy_index(const char *syntax)
{
  for (size_t i = 0; i < cli_toy_ncmds; i++)
    if (strcmp(cli_toy_cmds[i].syntax, syntax) == 0)
      return (int)i;
  return -1;
}

cli_graph_t *cli_toy_build(void)
{
  char err[256];
  cli_graph_t *g = cli_graph_build(cli_toy_cmds, cli_toy_ncmds, cli_toy_dict, err, sizeof err);
  if (!g)
    fprintf(stderr, "toy grammar: %s\n", err);
  return g;
}
