/* What the licence in force allows, and the operator's words for each
 * decision (admission refused, licence installed, removal refused, ...).
 * Pure: counts and licence in, maximum or message out. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chassis.h"
#include "license_token.h"

/* The licence in force: lic NULL = none (never installed, removed, or the
 * stored one was refused). */
uint32_t lic_maximum(const lic_token_t *lic, const lic_chassis_t *chassis);

/* "IPsec tunnel limit reached (10 of 10 in use; no licence installed,
 * chassis erx-1440 allows 5000)".  stored_refused: a licence is stored but
 * not in force (its own problem text says why). */
void lic_admit_refusal(char *buf, size_t cap, size_t in_use, const lic_token_t *lic, bool stored_refused,
                       const lic_chassis_t *chassis);

/* May lic replace the licence in force with in_use tunnels counted?  0 with
 * the installed summary in msg, or -1 with the refusal in msg. */
int lic_install_check(const lic_token_t *lic, size_t in_use, const lic_chassis_t *chassis, char *msg, size_t cap);

/* May the licence be removed with in_use tunnels counted?  0 with a summary
 * (cur: the licence in force, NULL if none) or -1 with the refusal. */
int lic_remove_check(const lic_token_t *cur, size_t in_use, const lic_chassis_t *chassis, char *msg, size_t cap);
