/* timeutil.h - the clock (injectable, so tests can move time) and ISO 8601 dates/timestamps.
 * Stored form: dates "YYYY-MM-DD", timestamps "YYYY-MM-DDTHH:MM:SSZ" (UTC), which sort as text. */
#ifndef CUSTOS_TIMEUTIL_H
#define CUSTOS_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIME_ISO_LEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */

/* Seconds since the epoch; a fixed value while a fake clock is set (tests only). */
int64_t time_now(void);
void time_set_fake(int64_t t); /* 0 restores the real clock */
/* The same clock in milliseconds (a fake time counts whole seconds). */
int64_t time_now_ms(void);
/* Monotonic nanoseconds, for measuring. */
uint64_t time_mono_ns(void);
void time_format_iso(int64_t t, char out[TIME_ISO_LEN]);
void time_format_date(int64_t t, char out[11]);
/* Valid calendar date "YYYY-MM-DD" (years 1000..9999). */
bool time_parse_date(const char *s, size_t n, int64_t *out);
/* date + months, the day kept or cut to the month's last ("2026-01-31" + 1 -> "2026-02-28");
 * false when date is not a valid date or the result leaves years 1000..9999. */
bool time_add_months(const char *date, int months, char out[11]);
/* RFC 3339 timestamp with Z or an offset; writes the normalised UTC form. */
bool time_parse_iso(const char *s, size_t n, int64_t *out);

#endif
