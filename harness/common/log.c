/* log.c - stderr logger with a run-time level; one write(2) per line so lines from the
 * frontend, the device model and virtiofsd do not interleave mid-line. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int log_level_cur = -1;
static const char *log_component = "baoharness";

static enum log_level log_level_from_env(void)
{
	const char *e = getenv("BAOHARNESS_LOG");

	if (!e)
		return LOG_WARN;
	if (!strcmp(e, "debug"))
		return LOG_DEBUG;
	if (!strcmp(e, "info"))
		return LOG_INFO;
	if (!strcmp(e, "error"))
		return LOG_ERROR;
	return LOG_WARN;
}

void log_set_level(enum log_level level)
{
	log_level_cur = (int)level;
}

enum log_level log_get_level(void)
{
	if (log_level_cur < 0)
		log_level_cur = (int)log_level_from_env();
	return (enum log_level)log_level_cur;
}

void log_set_component(const char *name)
{
	log_component = name;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	char line[1024];
	va_list ap;
	int n, m;

	if ((int)level > (int)log_get_level())
		return;
	n = snprintf(line, sizeof(line), "%s: %s: ", log_component, names[level]);
	if (n < 0)
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
