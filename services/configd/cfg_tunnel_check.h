/* Why a tunnel cannot come up from its configuration alone (shown by show
 * ipsec tunnel detail and published with the tunnel). */
#pragma once
#include "cfg_model.h"

#define CFG_MAX_PROBLEMS 8
#define CFG_PROBLEM_LEN 160

/* Fills up to CFG_MAX_PROBLEMS lines; returns how many. */
size_t cfg_tunnel_problems(const cfg_model_t *m, const cfg_tunnel_t *t, char out[][CFG_PROBLEM_LEN]);
