/* One line per event: "<UTC time> <service>[pid] <level>: <message>".
 * The message is escaped so it never spans lines.  Never pass a secret. */
#pragma once
#include <stdarg.h>

typedef enum {
  ERX_LOG_DEBUG = 0,
  ERX_LOG_INFO,
  ERX_LOG_NOTICE,
  ERX_LOG_WARN,
  ERX_LOG_ERR,
} erx_log_level_t;

/* Service name used as the line prefix; level from $ERX_LOG_LEVEL
 * (debug|info|notice|warn|err, default info).  Output goes to stderr. */
void erx_log_init(const char *service);
void erx_log_set_level(erx_log_level_t level);
erx_log_level_t erx_log_level(void);
void erx_log(erx_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void erx_vlog(erx_log_level_t level, const char *fmt, va_list ap);

#define LOG_DEBUG(...) erx_log(ERX_LOG_DEBUG, __VA_ARGS__)
#define LOG_INFO(...) erx_log(ERX_LOG_INFO, __VA_ARGS__)
#define LOG_NOTICE(...) erx_log(ERX_LOG_NOTICE, __VA_ARGS__)
#define LOG_WARN(...) erx_log(ERX_LOG_WARN, __VA_ARGS__)
#define LOG_ERR(...) erx_log(ERX_LOG_ERR, __VA_ARGS__)
