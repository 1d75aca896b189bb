/* log.c - minimal levelled logging to stderr. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/timeutil.h"

static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level l)
{
	min_level = l;
}

void log_msg(enum log_level l, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	if (l < min_level)
		return;
	char ts[TIME_ISO_LEN];
	time_format_iso(time_now(), ts);
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s %s\n", ts, names[l], line);
}
