/* IPv4 addresses, masks and peer names as the CLI and the bus spell them. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ERX_ADDR_STRLEN 16 /* "255.255.255.255" + NUL */
#define ERX_FQDN_MAX 80

/* Strict dotted quad: four decimal octets 0-255, 1-3 digits each. Host order out. */
bool erx_ipv4_parse(const char *s, uint32_t *out);
/* buf must hold ERX_ADDR_STRLEN; returns buf */
char *erx_ipv4_format(uint32_t addr, char *buf);
/* A contiguous netmask (0.0.0.0 and 255.255.255.255 included). */
bool erx_mask_valid(uint32_t mask);
int erx_mask_len(uint32_t mask);
/* A DNS name: labels of [A-Za-z0-9-] (1-63, not starting or ending with '-'),
 * separated by '.', at most ERX_FQDN_MAX characters, not all-numeric. */
bool erx_fqdn_valid(const char *s);
/* user@fqdn with a non-empty user part of printable non-space characters. */
bool erx_user_fqdn_valid(const char *s);
