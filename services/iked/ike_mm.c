/* Main mode's state table and the engine that runs it (aggressive mode's
 * table too, from ike_am.c): duplicates, the row for the current state,
 * reading the message, the handler, failure notifies.  The protocol itself
 * is the table; the steps are in ike_mm_handlers.c and ike_am.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ike_mm_priv.h"

#define P MM_PL
/* notifies and vendor IDs may come with any message */
#define ANY (P(ISAKMP_PL_VID) | P(ISAKMP_PL_N))

static const mm_transition_t mm_table[] = {
    /* initiator */
    {IKE_MMS_START_I, NULL, false, false, 0, 0, mm_i_send_mm1, IKE_MMS_SA_I},
    {IKE_MMS_SA_I, "MM2", false, false, P(ISAKMP_PL_SA), ANY, mm_i_mm2, IKE_MMS_KE_I},
    {IKE_MMS_KE_I, "MM4", false, false, P(ISAKMP_PL_KE) | P(ISAKMP_PL_NONCE),
     ANY | P(ISAKMP_PL_NATD) | P(ISAKMP_PL_CR), mm_i_mm4, IKE_MMS_FINAL_I},
    {IKE_MMS_FINAL_I, "MM6", true, false, P(ISAKMP_PL_ID) | P(ISAKMP_PL_HASH), ANY, mm_i_mm6, IKE_MMS_DONE_I},
    {IKE_MMS_DONE_I, NULL, false, false, 0, 0, mm_establish, IKE_MMS_DONE},
    /* responder */
    {IKE_MMS_START_R, "MM1", false, false, P(ISAKMP_PL_SA), ANY, mm_r_mm1, IKE_MMS_SA_R},
    {IKE_MMS_SA_R, "MM3", false, false, P(ISAKMP_PL_KE) | P(ISAKMP_PL_NONCE),
     ANY | P(ISAKMP_PL_NATD) | P(ISAKMP_PL_CR), mm_r_mm3, IKE_MMS_KE_R},
    {IKE_MMS_KE_R, "MM5", true, false, P(ISAKMP_PL_ID) | P(ISAKMP_PL_HASH), ANY | P(ISAKMP_PL_CERT), mm_r_mm5,
     IKE_MMS_FINAL_R},
    {IKE_MMS_FINAL_R, NULL, false, false, 0, 0, mm_establish, IKE_MMS_DONE},
};

static const char *const state_names[IKE_MMS_COUNT_] = {
    [IKE_MMS_START_I] = "startSaNegotiationI",
    [IKE_MMS_START_R] = "startSaNegotiationR",
    [IKE_MMS_SA_I] = "mmSaI",
    [IKE_MMS_SA_R] = "mmSaR",
    [IKE_MMS_KE_I] = "mmKeI",
    [IKE_MMS_KE_R] = "mmKeR",
    [IKE_MMS_FINAL_I] = "mmFinalI",
    [IKE_MMS_FINAL_R] = "mmFinalR",
    [IKE_MMS_DONE_I] = "mmDoneI",
    [IKE_MMS_DONE] = "done",
    [IKE_MMS_DELETED] = "deleted",
    [IKE_MMS_AM_SA_I] = "amSaI",
    [IKE_MMS_AM_SA_R] = "amSaR",
    [IKE_MMS_AM_FINAL_I] = "amFinalI",
    [IKE_MMS_AM_DONE_R] = "amDoneR",
};

const ike_mm_proposal_t ike_mm_default_proposal = {
    .enc = IKE_ENC_3DES, .hash = IKE_HASH_SHA1, .group = 2, .lifetime_s = 28800, .aggressive = IKE_AGGR_NONE};

const char *ike_mm_state_name(ike_mm_state_t s)
{
  return (unsigned)s < IKE_MMS_COUNT_ ? state_names[s] : "?";
}

mm_res_t mm_set_err(ike_mm_error_t *err, mm_res_t r, uint16_t notify, const char *fmt, ...)
{
  err->notify = notify;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return r;
}

const char *mm_addr_str(uint32_t a, char buf[16])
{
  snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
  return buf;
}

bool mm_random(ike_mm_t *mm, uint8_t *buf, size_t len)
{
  if (mm->rand)
    return mm->rand(mm->rand_ctx, buf, len);
  return len <= 0x7fffffff && RAND_bytes(buf, (int)len) == 1;
}

static const mm_transition_t *row_of(const ike_mm_t *mm, ike_mm_state_t s)
{
  const mm_transition_t *t = mm->aggressive ? am_table : mm_table;
  size_t n = mm->aggressive ? am_table_len : sizeof mm_table / sizeof mm_table[0];
  for (size_t i = 0; i < n; i++)
    if (t[i].from == s)
      return &t[i];
  return NULL;
}

static void err_reset(ike_mm_error_t *err)
{
  err->notify = err->peer_notify = 0;
  err->msg[0] = '\0';
}

mm_res_t mm_lookup_psk(ike_mm_t *mm, uint8_t id_type, const uint8_t *id, size_t id_len, ike_mm_error_t *err)
{
  char a[16], t[160] = "";
  bool ok = false;
  mm->psk_len = 0;
  if (mm->psk_id_fn)
    ok = mm->psk_id_fn(mm->psk_ctx, mm->sa.peer_addr, id_type, id, id_len, mm->psk, sizeof mm->psk, &mm->psk_len);
  else if (mm->psk_fn)
    ok = mm->psk_fn(mm->psk_ctx, mm->sa.peer_addr, mm->psk, sizeof mm->psk, &mm->psk_len);
  if (ok && mm->psk_len > 0 && mm->psk_len <= sizeof mm->psk)
    return MM_OK;
  OPENSSL_cleanse(mm->psk, sizeof mm->psk);
  mm->psk_len = 0;
  if (id_type && mm->psk_id_fn) { /* the old callback looked by address only */
    uint8_t b[IKE_ID_MAX] = {id_type};
    size_t n = id_len <= IKE_MM_ID_MAX ? id_len : IKE_MM_ID_MAX;
    char tmp[140];
    if (n)
      memcpy(b + 4, id, n);
    snprintf(t, sizeof t, " (%s)", ike_mm_id_text(b, 4 + n, tmp, sizeof tmp));
  }
  return mm_refuse(err, 0, "no pre-shared key for peer %s%s", mm_addr_str(mm->sa.peer_addr, a), t);
}

/* The engine, its rules and IDs copied from cfg (the caller's may go);
 * the initiator's key looked up, the cookie made (a responder's from icky,
 * the initiator's cookie, when the callback is set). */
static ike_mm_t *mm_new(const ike_mm_cfg_t *cfg, bool initiator, bool aggressive, uint32_t peer,
                        uint16_t peer_port, const uint8_t *icky, ike_mm_error_t *err)
{
  if (cfg->nproposals > IKE_MM_MAX_PROPOSALS) {
    mm_refuse(err, 0, "%zu phase-1 proposals, at most %d", cfg->nproposals, IKE_MM_MAX_PROPOSALS);
    return NULL;
  }
  if (!mm_id_valid(&cfg->local_id, true) || !mm_id_valid(&cfg->peer_id, true)) {
    mm_refuse(err, 0, "bad %s ID in the configuration", mm_id_valid(&cfg->local_id, true) ? "peer" : "local");
    return NULL;
  }
  ike_mm_t *mm = calloc(1, sizeof *mm);
  if (!mm) {
    mm_refuse(err, 0, "out of memory");
    return NULL;
  }
  mm->state = initiator ? IKE_MMS_START_I : IKE_MMS_START_R;
  mm->aggressive = aggressive;
  mm->sa.initiator = initiator;
  mm->sa.local_addr = cfg->local_addr;
  mm->sa.peer_addr = peer;
  mm->sa.local_port = cfg->local_port ? cfg->local_port : MM_DEFAULT_PORT;
  mm->sa.peer_port = peer_port ? peer_port : MM_DEFAULT_PORT;
  mm->natd_lport = mm->sa.local_port;
  mm->natd_pport = mm->sa.peer_port;
  if (cfg->nproposals)
    memcpy(mm->rules, cfg->proposals, cfg->nproposals * sizeof mm->rules[0]);
  else
    mm->rules[0] = ike_mm_default_proposal;
  mm->nrules = cfg->nproposals ? cfg->nproposals : 1;
  mm->rand = cfg->rand;
  mm->rand_ctx = cfg->rand_ctx;
  mm->vid_dpd = cfg->vid_dpd;
  mm->vid_natt = cfg->vid_natt;
  mm->vid_erx = cfg->vid_erx;
  mm->psk_fn = cfg->psk;
  mm->psk_id_fn = cfg->psk_id;
  mm->psk_ctx = cfg->psk_ctx;
  mm->local_id = cfg->local_id;
  if (mm->local_id.type == 0 || (mm->local_id.type == ISAKMP_ID_IPV4_ADDR && mm->local_id.len == 0)) {
    uint32_t a = cfg->local_addr;
    mm->local_id = (ike_mm_id_t){.type = ISAKMP_ID_IPV4_ADDR, .len = 4, .data = {a >> 24, a >> 16, a >> 8, a}};
  }
  mm->peer_id_want = cfg->peer_id;
  if (mm->peer_id_want.type == ISAKMP_ID_IPV4_ADDR && mm->peer_id_want.len == 0)
    mm->peer_id_want.type = 0; /* "its address": the rule for every address ID */
  for (size_t i = 0; i < mm->nrules; i++) {
    const ike_mm_proposal_t *r = &mm->rules[i];
    if (!ike_enc_key_len(r->enc) || !ike_hash_len(r->hash) || !ike_dh_group(r->group) ||
        (unsigned)r->aggressive > IKE_AGGR_REQUIRED) {
      mm_refuse(err, 0, "phase-1 proposal %zu: unsupported encryption, hash, group %u or aggressive-mode setting",
                i + 1, r->group);
      goto fail;
    }
  }
  if (initiator) {
    /* the initiator offers only the rules of its mode */
    ike_mm_proposal_t offer[IKE_MM_MAX_PROPOSALS];
    size_t n = mm_offer_rules(mm->rules, mm->nrules, aggressive, offer);
    if (n == 0) {
      mm_refuse(err, 0, aggressive ? "no phase-1 rule allows aggressive mode"
                                   : "every phase-1 rule requires aggressive mode");
      goto fail;
    }
    memcpy(mm->rules, offer, n * sizeof offer[0]);
    mm->nrules = n;
  }
  /* the key is looked up once, before anything is sent: a peer without
   * one gets no answer at all (an aggressive-mode responder's waits for
   * the ID in AM1) */
  if (initiator || !aggressive) {
    const ike_mm_id_t *by = initiator && mm->peer_id_want.type ? &mm->peer_id_want : NULL;
    if (mm_lookup_psk(mm, by ? by->type : 0, by ? by->data : NULL, by ? by->len : 0, err) != MM_OK)
      goto fail;
  }
  /* a cookie of zeros means "none yet" on the wire */
  static const uint8_t zero[ISAKMP_COOKIE_LEN];
  uint8_t *mine = initiator ? mm->sa.icookie : mm->sa.rcookie;
  if (!initiator && cfg->rcookie && icky) {
    if (!cfg->rcookie(cfg->rcookie_ctx, icky, peer, mm->natd_pport, mine) ||
        memcmp(mine, zero, sizeof zero) == 0) {
      mm_refuse(err, 0, "no responder cookie (rcookie callback)");
      goto fail;
    }
    return mm;
  }
  do {
    if (!mm_random(mm, mine, ISAKMP_COOKIE_LEN)) {
      mm_refuse(err, 0, "no random bytes for a cookie");
      goto fail;
    }
  } while (memcmp(mine, zero, sizeof zero) == 0);
  return mm;
fail:
  ike_mm_free(mm);
  return NULL;
}

static bool copy_out(const ike_mm_t *mm, uint8_t *out, size_t cap, size_t *out_len)
{
  *out_len = 0;
  if (mm->tx_len > cap)
    return false;
  memcpy(out, mm->tx, mm->tx_len);
  *out_len = mm->tx_len;
  return true;
}

/* The negotiation failed: state deleted, the notify (if any) into out. */
static ike_mm_status_t failed(ike_mm_t *mm, uint8_t *out, size_t cap, size_t *out_len, ike_mm_error_t *err)
{
  mm->state = IKE_MMS_DELETED;
  *out_len = err->notify ? mm_build_notify(mm->sa.icookie, mm->sa.rcookie, err->notify, out, cap) : 0;
  return IKE_MM_FAILED;
}

/* Runs transition t (with message in, or NULL for an internal step), then
 * the internal steps that follow. */
static mm_res_t run(ike_mm_t *mm, const mm_transition_t *t, const mm_in_t *in, ike_mm_error_t *err)
{
  for (;;) {
    mm_res_t r = t->handler(mm, in, err);
    if (r != MM_OK)
      return r;
    mm->state = t->to;
    t = row_of(mm, mm->state);
    if (!t || t->msg)
      return MM_OK;
    in = NULL;
  }
}

static bool remember_input(ike_mm_t *mm, const uint8_t *msg, size_t len)
{
  uint8_t *copy = malloc(len);
  if (!copy)
    return false;
  memcpy(copy, msg, len);
  free(mm->last_in);
  mm->last_in = copy;
  mm->last_in_len = len;
  return true;
}

ike_mm_status_t ike_mm_input(ike_mm_t *mm, const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
                             size_t *out_len, ike_mm_error_t *err)
{
  *out_len = 0;
  err_reset(err);
  if (mm->state == IKE_MMS_DELETED) {
    mm_refuse(err, 0, "negotiation already failed");
    return IKE_MM_IGNORED;
  }
  /* the peer did not hear our answer: the same answer again */
  if (mm->last_in && len == mm->last_in_len && memcmp(msg, mm->last_in, len) == 0) {
    if (mm->tx_len == 0) {
      mm_refuse(err, 0, "a copy of the last message, which needs no answer");
      return IKE_MM_IGNORED;
    }
    if (!copy_out(mm, out, cap, out_len)) {
      mm_refuse(err, 0, "output buffer of %zu bytes is too small", cap);
      return IKE_MM_IGNORED;
    }
    return IKE_MM_SEND;
  }
  const mm_transition_t *t = row_of(mm, mm->state);
  if (!t || !t->msg) {
    mm_refuse(err, 0, "no message expected in state %s", ike_mm_state_name(mm->state));
    return IKE_MM_IGNORED;
  }
  if (cap < MM_MSG_MAX) {
    mm_refuse(err, 0, "output buffer of %zu bytes is too small, needs %d", cap, MM_MSG_MAX);
    return IKE_MM_IGNORED;
  }
  mm_in_t in;
  uint8_t *plain = NULL;
  mm_res_t r = mm_read(mm, t, msg, len, &in, &plain, err);
  if (r == MM_OK) {
    err->peer_notify = in.notify;
    r = run(mm, t, &in, err);
  }
  /* only an accepted message is one whose copy gets our answer again (a
   * failed allocation only costs that) */
  if (r == MM_OK)
    remember_input(mm, msg, len);
  if (plain)
    OPENSSL_cleanse(plain, in.plain_len);
  free(plain);
  if (r == MM_FAIL)
    return failed(mm, out, cap, out_len, err);
  if (r == MM_REFUSE)
    return IKE_MM_IGNORED;
  copy_out(mm, out, cap, out_len);
  return mm->state == IKE_MMS_DONE ? IKE_MM_DONE : IKE_MM_SEND;
}

static ike_mm_t *initiate(const ike_mm_cfg_t *cfg, bool aggressive, uint8_t *out, size_t cap, size_t *out_len,
                          ike_mm_error_t *err)
{
  *out_len = 0;
  err_reset(err);
  ike_mm_t *mm = mm_new(cfg, true, aggressive, cfg->peer_addr, cfg->peer_port, NULL, err);
  if (!mm)
    return NULL;
  if (run(mm, row_of(mm, mm->state), NULL, err) != MM_OK || !copy_out(mm, out, cap, out_len)) {
    if (!err->msg[0])
      mm_refuse(err, 0, "output buffer of %zu bytes is too small for %s (%zu)", cap, aggressive ? "AM1" : "MM1",
                mm->tx_len);
    ike_mm_free(mm);
    return NULL;
  }
  return mm;
}

ike_mm_t *ike_mm_initiate(const ike_mm_cfg_t *cfg, uint8_t *out, size_t cap, size_t *out_len, ike_mm_error_t *err)
{
  return initiate(cfg, false, out, cap, out_len, err);
}

ike_mm_t *ike_am_initiate(const ike_mm_cfg_t *cfg, uint8_t *out, size_t cap, size_t *out_len, ike_mm_error_t *err)
{
  return initiate(cfg, true, out, cap, out_len, err);
}

ike_mm_t *ike_mm_respond(const ike_mm_cfg_t *cfg, const uint8_t *msg, size_t len, uint32_t peer_addr,
                         uint16_t peer_port, uint8_t *out, size_t cap, size_t *out_len, ike_mm_error_t *err)
{
  *out_len = 0;
  err_reset(err);
  /* the exchange type picks the mode; anything else is refused as main
   * mode's MM1 would be */
  bool aggressive = len >= ISAKMP_HDR_LEN && msg[18] == ISAKMP_XCHG_AGGRESSIVE;
  ike_mm_t *mm = mm_new(cfg, false, aggressive, peer_addr, peer_port, len >= ISAKMP_COOKIE_LEN ? msg : NULL, err);
  if (!mm)
    return NULL;
  ike_mm_status_t st = ike_mm_input(mm, msg, len, out, cap, out_len, err);
  if (st == IKE_MM_SEND)
    return mm;
  /* a refused MM1 that carried cookies we could read still gets a notify
   * (PAYLOAD-MALFORMED...), so the initiator stops early; INVALID-COOKIE
   * only ever goes out when `ipsec option tx-invalid-cookie` says so, which
   * is the caller's business */
  if (st == IKE_MM_IGNORED && err->notify && err->notify != ISAKMP_N_INVALID_COOKIE && len >= ISAKMP_HDR_LEN &&
      cap >= MM_MSG_MAX) {
    memcpy(mm->sa.icookie, msg, ISAKMP_COOKIE_LEN);
    *out_len = mm_build_notify(mm->sa.icookie, mm->sa.rcookie, err->notify, out, cap);
  }
  ike_mm_free(mm);
  return NULL;
}

bool ike_mm_last(const ike_mm_t *mm, uint8_t *out, size_t cap, size_t *out_len)
{
  return mm->tx_len > 0 && copy_out(mm, out, cap, out_len);
}

const ike_p1sa_t *ike_mm_sa(const ike_mm_t *mm)
{
  return mm->state == IKE_MMS_DONE && !mm->sa_taken ? &mm->sa : NULL;
}

bool ike_mm_take_sa(ike_mm_t *mm, ike_p1sa_t *out)
{
  if (!ike_mm_sa(mm))
    return false;
  *out = mm->sa;
  mm->sa.cipher = NULL; /* now the caller's */
  ike_p1sa_clear(&mm->sa);
  /* the cookies still name the exchange whose retransmissions we answer */
  memcpy(mm->sa.icookie, out->icookie, sizeof out->icookie);
  memcpy(mm->sa.rcookie, out->rcookie, sizeof out->rcookie);
  mm->sa.initiator = out->initiator;
  mm->sa_taken = true;
  return true;
}

ike_mm_state_t ike_mm_state(const ike_mm_t *mm) { return mm->state; }
bool ike_mm_is_initiator(const ike_mm_t *mm) { return mm->sa.initiator; }
bool ike_mm_aggressive(const ike_mm_t *mm) { return mm->aggressive; }
bool ike_mm_nat_detected(const ike_mm_t *mm) { return mm->nat_seen; }

void ike_mm_set_ports(ike_mm_t *mm, uint16_t local_port, uint16_t peer_port)
{
  if (mm->sa_taken)
    return;
  if (local_port)
    mm->sa.local_port = local_port;
  if (peer_port)
    mm->sa.peer_port = peer_port;
}
const uint8_t *ike_mm_icookie(const ike_mm_t *mm) { return mm->sa.icookie; }
const uint8_t *ike_mm_rcookie(const ike_mm_t *mm) { return mm->sa.rcookie; }

void ike_mm_free(ike_mm_t *mm)
{
  if (!mm)
    return;
  ike_p1sa_clear(&mm->sa);
  ike_dh_free(mm->dh);
  free(mm->sai_b);
  free(mm->last_in);
  OPENSSL_cleanse(mm, sizeof *mm);
  free(mm);
}
