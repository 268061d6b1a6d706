/* One line per event on stderr.  The whole line is built first and written
 * with one write(2) so lines from several processes sharing a terminal or a
 * log file never interleave. */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char log_service[32] = "erx";
static erx_log_level_t log_min = ERX_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "notice", "warn", "err"};

void erx_log_init(const char *service) {
  snprintf(log_service, sizeof log_service, "%s", service ? service : "erx");
  const char *env = getenv("ERX_LOG_LEVEL");
  if (!env)
    return;
  for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
    if (strcasecmp(env, level_names[i]) == 0)
      log_min = (erx_log_level_t)i;
}

void erx_log_set_level(erx_log_level_t level) { log_min = level; }

erx_log_level_t erx_log_level(void) { return log_min; }

/* Escapes control characters and backslashes so a message (which may quote
 * peer-supplied text) always stays on one line. */
static size_t escape_into(char *dst, size_t cap, const char *src) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)src; *p && n + 5 < cap; p++) {
    if (*p == '\\') {
      dst[n++] = '\\';
      dst[n++] = '\\';
    } else if (*p < 0x20 || *p == 0x7f) {
      n += (size_t)snprintf(dst + n, cap - n, "\\x%02x", *p);
    } else {
      dst[n++] = (char)*p;
    }
  }
  dst[n] = '\0';
  return n;
}

void erx_vlog(erx_log_level_t level, const char *fmt, va_list ap) {
  if (level < log_min)
    return;
  if ((unsigned)level > ERX_LOG_ERR)
    level = ERX_LOG_ERR;
  char msg[2048], line[4096];
  vsnprintf(msg, sizeof msg, fmt, ap);

  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  gmtime_r(&tv.tv_sec, &tm);
  char ts[32];
  strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);

  int head = snprintf(line, sizeof line, "%s.%03ldZ %s[%ld] %s: ", ts, (long)tv.tv_usec / 1000, log_service,
                      (long)getpid(), level_names[level]);
  size_t n = (size_t)head;
  n += escape_into(line + n, sizeof line - n - 1, msg);
  line[n++] = '\n';
  ssize_t w = write(STDERR_FILENO, line, n);
  (void)w; /* nowhere left to report a failed log write */
}

void erx_log(erx_log_level_t level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  erx_vlog(level, fmt, ap);
  va_end(ap);
}
