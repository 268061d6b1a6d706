/* The command families; grammar/modes.c puts their spans into modes. */
#pragma once
#include "cfg_exec.h"

extern const cfg_cmd_span_t cfg_session_exec, cfg_session_config, cfg_session_submode;
extern const cfg_cmd_span_t cfg_tset_config;
extern const cfg_cmd_span_t cfg_psk_config, cfg_psk_manual_key;
extern const cfg_cmd_span_t cfg_global_config;
extern const cfg_cmd_span_t cfg_ike_config, cfg_ike_policy;
extern const cfg_cmd_span_t cfg_tunnel_config, cfg_tunnel_if;
extern const cfg_cmd_span_t cfg_show_exec;

/* The transform keywords as a grammar alternation "<ah-hmac-md5|...>". */
#define CFG_XFORMS                                                                                               \
  "<ah-hmac-md5|ah-hmac-sha|esp-des-hmac-md5|esp-3des-hmac-md5|esp-des-hmac-sha|esp-3des-hmac-sha|"            \
  "esp-null-hmac-md5|esp-null-hmac-sha|esp-des|esp-3des|esp-aes128-hmac-sha|esp-aes256-hmac-sha|"              \
  "esp-aes128-hmac-sha256|esp-aes256-hmac-sha256|esp-aes128-gcm|esp-aes256-gcm>"

/* IPsec SA lifetime arguments, shared by ipsec lifetime and tunnel lifetime. */
#define CFG_LIFE_S "seconds (1800-864000)$life-seconds"
#define CFG_LIFE_KB "kilobytes (102400-4294967295)$life-kilobytes"
#define CFG_LIFETIME "<" CFG_LIFE_S " [" CFG_LIFE_KB "]|" CFG_LIFE_KB ">"
