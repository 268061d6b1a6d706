/* Admission of a request's new tunnels in one round trip to licensed.
 *
 * Before a request runs, its lines are scanned (matched, not executed) for
 * the tunnels they would create; licensed admits those in order in one call
 * and the handlers then use the verdicts.  A tunnel the scan missed is
 * admitted one by one as before.  After the request, admissions that were
 * not used (the line failed, or the tunnel was deleted again) are released. */
#pragma once
#include "cfg_exec.h"
#include "cfg_license.h"

typedef struct cfg_batch {
  erx_strmap_t *verdicts; /* "vr/name" -> "" or refusal; NULL when no batch was made */
  char **vrs, **names;
  size_t n, cap;
} cfg_batch_t;

void cfg_batch_prepare(cfg_batch_t *b, const cfg_cli_t *cli, const cfg_model_t *m, cfg_lic_t *lic, const char *vr,
                       char *const *lines, size_t nlines);
void cfg_batch_finish(cfg_batch_t *b, const cfg_model_t *m, cfg_lic_t *lic);
