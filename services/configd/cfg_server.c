#include "cfg_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg_admit_batch.h"
#include "cfg_dp.h"
#include "cfg_exec.h"
#include "cfg_ike.h"
#include "cfg_license.h"
#include "cfg_publish.h"
#include "cfg_writer.h"
#include "clone_pub.h"
#include "ctl.h"
#include "endpoints.h"
#include "log.h"
#include "store.h"

/* erxsh sends 1,000-line chunks; a bound keeps one request's reply small */
#define CFG_MAX_REQUEST_LINES 10000

typedef struct pending {
  erx_ctl_req_t *req;
  Erx__Cfg__CliReply *reply;
} pending_t;

struct cfg_server {
  cfg_server_opts_t opts;
  cfg_model_t *model;
  cfg_cli_t *cli;
  cfg_store_t *store;
  erx_masker_t *masker;
  cfg_lic_t *lic;
  cfg_dp_t *dp;
  cfg_ike_t *ike;
  erx_clone_pub_t *pub;
  erx_ctl_t *ctl;
  pending_t *pending;
  size_t npending, cap;
  bool store_dirty;
  size_t uncommitted; /* journal records since the last commit */
  bool append_failed; /* a change could not even be buffered: treat as a failed commit */
  cfg_ctx_t replay_ctx; /* the snapshot is replayed as one file, top to bottom */
};

/* ---- loading ---- */

static int replay_line(void *arg, const char *ctx, const char *line)
{
  cfg_server_t *s = arg;
  cli_exec_t x = {.model = s->model, .masker = s->masker, .replay = true};
  if (ctx) {
    if (!cfg_ctx_decode(ctx, &x.ctx)) {
      LOG_ERR("store: journal record with a bad context skipped: %s", line);
      return -1;
    }
  } else {
    x.ctx = s->replay_ctx;
  }
  char *journal = NULL;
  cfg_ctx_t jctx;
  int rc = cfg_cli_exec(s->cli, &x, line, &journal, &jctx);
  if (rc != 0) {
    /* the text says why; keep it on one line */
    for (char *p = x.out.s; p && *p; p++)
      if (*p == '\n')
        *p = ' ';
    LOG_ERR("store: replayed line refused: \"%s\": %s", line, x.out.s ? x.out.s : "");
  }
  if (!ctx)
    s->replay_ctx = x.ctx;
  free(journal);
  cfg_sb_free(&x.out);
  return rc;
}

static void report_problem(void *arg, const char *problem)
{
  LOG_ERR("store: %s", problem);
}

static int load(cfg_server_t *s)
{
  char err[256];
  s->store = cfg_store_open(s->opts.state_dir, err, sizeof err);
  if (!s->store) {
    LOG_ERR("cannot open the configuration store in %s: %s", s->opts.state_dir, err);
    return -1;
  }
  cfg_ctx_init(&s->replay_ctx, CFG_MODE_CONFIG);
  if (cfg_store_load(s->store, replay_line, report_problem, s, err, sizeof err) != 0) {
    LOG_ERR("cannot load the configuration from %s: %s", s->opts.state_dir, err);
    return -1;
  }
  LOG_INFO("configuration loaded: %zu tunnels, %zu transform sets, %zu keys, journal %zu records",
           erx_strmap_count(s->model->tunnels), erx_strmap_count(s->model->tsets), erx_strmap_count(s->model->psks),
           cfg_store_journal_records(s->store));
  return 0;
}

/* After a failed commit the model holds changes that are not on disk: go
 * back to what is on disk, which is what was acknowledged. */
static void reload_from_disk(cfg_server_t *s)
{
  cfg_store_close(&s->store);
  cfg_model_destroy(&s->model);
  s->model = cfg_model_new(s->opts.hostname);
  if (!s->model || load(s) != 0) {
    LOG_ERR("cannot reload the configuration after a failed commit; exiting so a restart starts clean");
    exit(1);
  }
  /* everything is dirty after a load: republishing converges subscribers */
}

/* ---- replies ---- */

static Erx__Cfg__CliContext *ctx_to_pb(const cfg_ctx_t *c)
{
  Erx__Cfg__CliContext *pb = malloc(sizeof *pb);
  if (!pb)
    return NULL;
  erx__cfg__cli_context__init(pb);
  pb->mode = (Erx__Cfg__Mode)c->mode;
  pb->vr = strdup(c->vr);
  pb->object = strdup(c->object);
  return pb;
}

static bool ctx_from_pb(const Erx__Cfg__CliContext *pb, cfg_ctx_t *c)
{
  cfg_ctx_init(c, CFG_MODE_EXEC);
  if (!pb)
    return true;
  if ((int)pb->mode < 0 || (int)pb->mode >= CFG_MODE_COUNT)
    return false;
  size_t vl = pb->vr ? strlen(pb->vr) : 0, ol = pb->object ? strlen(pb->object) : 0;
  if (vl > CFG_VR_NAME_MAX || ol > CFG_NAME_MAX)
    return false;
  c->mode = (cfg_mode_t)pb->mode;
  if (vl)
    memcpy(c->vr, pb->vr, vl + 1);
  if (ol)
    memcpy(c->object, pb->object, ol + 1);
  return true;
}

static char *prompt_of(const cfg_model_t *m, const cfg_ctx_t *c)
{
  char buf[160];
  cfg_prompt(m, c, buf, sizeof buf);
  return strdup(buf);
}

static void queue(cfg_server_t *s, erx_ctl_req_t *req, Erx__Cfg__CliReply *reply)
{
  if (s->npending == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    pending_t *p = realloc(s->pending, cap * sizeof *p);
    if (!p) {
      erx_ctl_reply_error(s->ctl, req, "configd: out of memory");
      protobuf_c_message_free_unpacked(&reply->base, NULL);
      return;
    }
    s->pending = p;
    s->cap = cap;
  }
  s->pending[s->npending++] = (pending_t){req, reply};
}

static void exec_lines(cfg_server_t *s, const Erx__Cfg__CliRequest *rq, cfg_ctx_t ctx, Erx__Cfg__CliReply *reply)
{
  reply->results = calloc(rq->n_lines ? rq->n_lines : 1, sizeof *reply->results);
  if (!reply->results)
    return;
  cfg_batch_t batch;
  cfg_batch_prepare(&batch, s->cli, s->model, s->lic, ctx.vr, rq->lines, rq->n_lines);
  for (size_t i = 0; i < rq->n_lines; i++) {
    cli_exec_t x = {.model = s->model, .masker = s->masker, .lic = s->lic, .dp = s->dp, .ike = s->ike,
                    .admitted = batch.verdicts, .ctx = ctx};
    char *journal = NULL;
    cfg_ctx_t jctx;
    int rc = cfg_cli_exec(s->cli, &x, rq->lines[i], &journal, &jctx);
    if (journal) {
      char enc[CFG_NAME_MAX + CFG_VR_NAME_MAX + 8];
      cfg_ctx_encode(&jctx, enc, sizeof enc);
      if (cfg_store_append(s->store, enc, journal) != 0) {
        LOG_ERR("store: cannot buffer a journal record");
        s->append_failed = true;
      }
      s->store_dirty = true;
      s->uncommitted++;
      free(journal);
    }
    Erx__Cfg__CliLineResult *r = malloc(sizeof *r);
    if (!r) {
      cfg_sb_free(&x.out);
      break;
    }
    erx__cfg__cli_line_result__init(r);
    r->ok = rc == 0;
    r->output = x.out.s ? x.out.s : strdup("");
    r->ctx = ctx_to_pb(&x.ctx);
    r->prompt = prompt_of(s->model, &x.ctx);
    reply->results[reply->n_results++] = r;
    reply->exit_session = x.exit_session;
    ctx = x.ctx;
    if ((rc != 0 && rq->stop_on_error) || x.exit_session)
      break;
  }
  cfg_batch_finish(&batch, s->model, s->lic);
}

static void on_request(void *arg, erx_ctl_req_t *req, const ProtobufCMessage *body)
{
  cfg_server_t *s = arg;
  if (body->descriptor != &erx__cfg__cli_request__descriptor) {
    erx_ctl_reply_error(s->ctl, req, "configd: unsupported request");
    return;
  }
  const Erx__Cfg__CliRequest *rq = (const Erx__Cfg__CliRequest *)body;
  if (rq->n_lines > CFG_MAX_REQUEST_LINES) {
    erx_ctl_reply_error(s->ctl, req, "configd: too many lines in one request (at most 10000)");
    return;
  }
  cfg_ctx_t ctx;
  if (!ctx_from_pb(rq->ctx, &ctx)) {
    erx_ctl_reply_error(s->ctl, req, "configd: malformed CLI context");
    return;
  }
  Erx__Cfg__CliReply *reply = malloc(sizeof *reply);
  if (!reply) {
    erx_ctl_reply_error(s->ctl, req, "configd: out of memory");
    return;
  }
  erx__cfg__cli_reply__init(reply);
  cfg_strbuf_t note = {0};
  cfg_ctx_validate(s->model, &ctx, &note);
  reply->prompt = prompt_of(s->model, &ctx);
  switch (rq->op) {
  case ERX__CFG__CLI_OP__CLI_EXEC:
    exec_lines(s, rq, ctx, reply);
    if (note.s && reply->n_results) {
      /* tell the operator why the mode changed under them */
      Erx__Cfg__CliLineResult *r = reply->results[0];
      cfg_sb_puts(&note, r->output);
      free(r->output);
      r->output = note.s;
      note.s = NULL;
    }
    break;
  case ERX__CFG__CLI_OP__CLI_HELP:
    reply->help = cfg_cli_help(s->cli, s->model, &ctx, rq->n_lines ? rq->lines[0] : "");
    break;
  case ERX__CFG__CLI_OP__CLI_COMPLETE: {
    char **v = NULL;
    size_t n = cfg_cli_complete(s->cli, &ctx, rq->n_lines ? rq->lines[0] : "", &v);
    reply->completions = v;
    reply->n_completions = n;
    break;
  }
  default:
    break;
  }
  cfg_sb_free(&note);
  queue(s, req, reply);
}

/* One fsync for every request of the drain pass, then publish, then answer. */
static void on_drained(void *arg)
{
  cfg_server_t *s = arg;
  if (s->store_dirty) {
    char err[256];
    s->store_dirty = false;
    bool failed = s->append_failed;
    s->append_failed = false;
    if (failed)
      snprintf(err, sizeof err, "a journal record could not be buffered");
    if (failed || cfg_store_commit(s->store, err, sizeof err) != 0) {
      LOG_ERR("store: commit of %zu change(s) failed, not acknowledged: %s", s->uncommitted, err);
      s->uncommitted = 0;
      for (size_t i = 0; i < s->npending; i++) {
        erx_ctl_reply_error(s->ctl, s->pending[i].req, "configd: the configuration could not be saved; "
                                                        "the change was not made");
        protobuf_c_message_free_unpacked(&s->pending[i].reply->base, NULL);
      }
      s->npending = 0;
      reload_from_disk(s);
      cfg_publish_dirty(s->model, s->pub);
      return;
    }
    LOG_INFO("committed %zu change(s) for %zu request(s)", s->uncommitted, s->npending);
    s->uncommitted = 0;
    if (cfg_store_wants_compaction(s->store)) {
      cfg_strbuf_t text = {0};
      cfg_write_config(s->model, &text);
      if (cfg_store_compact(s->store, text.s ? text.s : "", err, sizeof err) != 0)
        LOG_WARN("store: compaction failed (the journal keeps growing): %s", err);
      cfg_sb_free(&text);
    }
  }
  cfg_publish_dirty(s->model, s->pub);
  for (size_t i = 0; i < s->npending; i++) {
    erx_ctl_reply(s->ctl, s->pending[i].req, &s->pending[i].reply->base);
    protobuf_c_message_free_unpacked(&s->pending[i].reply->base, NULL);
  }
  s->npending = 0;
}

/* ---- life cycle ---- */

static bool state_file_exists(const char *dir, const char *name)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return access(path, F_OK) == 0;
}

cfg_server_t *cfg_server_new(erx_bus_t *bus, const cfg_server_opts_t *opts)
{
  char err[256];
  cfg_server_t *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->opts = *opts;
  /* A new master key would make every stored masked key unreadable, and the
   * next compaction would drop them: refuse instead of starting over. */
  if ((state_file_exists(opts->state_dir, "running.cfg") || state_file_exists(opts->state_dir, "journal")) &&
      !state_file_exists(opts->state_dir, "master.key")) {
    LOG_ERR("%s holds a configuration but no master.key: restore master.key (the masked keys need it) "
            "or move the configuration away to start empty",
            opts->state_dir);
    goto fail;
  }
  s->masker = erx_masker_open(opts->state_dir, err, sizeof err);
  if (!s->masker) {
    LOG_ERR("master key: %s", err);
    goto fail;
  }
  s->cli = cfg_cli_new(err, sizeof err);
  if (!s->cli) {
    LOG_ERR("grammar: %s", err);
    goto fail;
  }
  s->model = cfg_model_new(opts->hostname);
  if (!s->model || load(s) != 0)
    goto fail;

  char pub_ep[256], snap_ep[256], ctl_ep[256];
  if (erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_PUB, true, pub_ep, sizeof pub_ep) ||
      erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_SNAP, true, snap_ep, sizeof snap_ep) ||
      erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_CTL, true, ctl_ep, sizeof ctl_ep)) {
    LOG_ERR("endpoint names too long");
    goto fail;
  }
  s->pub = erx_clone_pub_new(bus, "cfg", pub_ep, snap_ep);
  if (!s->pub)
    goto fail;
  bool local = strncmp(pub_ep, "ipc://", 6) == 0 && strncmp(snap_ep, "ipc://", 6) == 0;
  cfg_publish_allow_secrets(local);
  if (!local)
    LOG_WARN("publishing on %s: keys are published masked only (clear keys need ipc:// or CURVE)", pub_ep);
  cfg_publish_dirty(s->model, s->pub);
  s->lic = cfg_lic_new(bus);
  if (!s->lic)
    goto fail;
  s->dp = cfg_dp_new(bus);
  if (!s->dp)
    goto fail;
  s->ike = cfg_ike_new();
  if (!s->ike)
    goto fail;
  s->ctl = erx_ctl_new(bus, ctl_ep, "configd", on_request, s);
  if (!s->ctl)
    goto fail;
  erx_ctl_set_drained(s->ctl, on_drained);
  LOG_INFO("serving the CLI on %s, publishing on %s", ctl_ep, pub_ep);
  return s;
fail:
  cfg_server_destroy(&s);
  return NULL;
}

void cfg_server_destroy(cfg_server_t **s_p)
{
  cfg_server_t *s = *s_p;
  if (!s)
    return;
  for (size_t i = 0; i < s->npending; i++)
    protobuf_c_message_free_unpacked(&s->pending[i].reply->base, NULL);
  free(s->pending);
  erx_ctl_destroy(&s->ctl);
  cfg_ike_destroy(&s->ike);
  cfg_dp_destroy(&s->dp);
  cfg_lic_destroy(&s->lic);
  erx_clone_pub_destroy(&s->pub);
  cfg_store_close(&s->store);
  cfg_model_destroy(&s->model);
  cfg_cli_destroy(&s->cli);
  erx_masker_destroy(&s->masker);
  free(s);
  *s_p = NULL;
}
