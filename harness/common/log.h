/* log.h - the one logging module: printf-checked, level chosen at run time (-v or
 * BAOHARNESS_LOG=debug|info|warn|error), always to stderr, never compiled out. */
#ifndef HARNESS_LOG_H
#define HARNESS_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Set the threshold; messages above it are dropped. Reads BAOHARNESS_LOG on first use. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Prefix every line with this component name (e.g. "devmodel"); the pointer is kept. */
void log_set_component(const char *name);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
