/* The canonical configuration text: what show configuration prints, what the
 * store snapshots, and what re-parses to the same state. */
#pragma once
#include "cfg_exec.h"

/* Whole configuration. */
void cfg_write_config(const cfg_model_t *m, cfg_strbuf_t *out);
/* Only the blocks whose first line begins with the words (each word may be
 * abbreviated), preceded by their virtual-router line.  words NULL = all. */
void cfg_write_config_filtered(const cfg_model_t *m, const char *words, cfg_strbuf_t *out);

/* Lines for one object, shared with show commands. */
void cfg_write_identity(const cfg_identity_t *id, cfg_strbuf_t *out);
void cfg_write_lifetime(uint32_t s, uint64_t kb, cfg_strbuf_t *out);

extern const char *const cfg_ike_enc_kw[];
extern const char *const cfg_ike_hash_kw[];
extern const char *const cfg_ike_auth_kw[];
extern const char *const cfg_aggr_kw[];
