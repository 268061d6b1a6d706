/* Validation shared by the command handlers: names, peers, hex keys. */
#pragma once
#include "cfg_exec.h"

/* Names: 1..max printable characters from [A-Za-z0-9._#:@+=-] (no '/', so
 * Clone keys stay unambiguous). Returns 0 or a cfg_err. */
int cfg_check_name(cli_exec_t *x, const char *what, const char *s, size_t max);
/* A.B.C.D, fqdn or user@fqdn. Returns 0 or a cfg_err. */
int cfg_check_peer(cli_exec_t *x, const char *s, Erx__Cfg__PeerType *type);
/* Exactly want bytes of hex (2*want digits). Returns 0 or a cfg_err naming what. */
int cfg_parse_hex(cli_exec_t *x, const char *what, const char *hex, uint8_t *out, size_t want);
/* The Clone key of the current VR's tunnel or key object. */
uint32_t cfg_arg_u32(const cli_args_t *a, const char *name);
uint64_t cfg_arg_u64(const cli_args_t *a, const char *name);
