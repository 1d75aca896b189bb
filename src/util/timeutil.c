/* timeutil.c - clock and ISO 8601 parsing/formatting without gmtime/localtime. */
#define _GNU_SOURCE
#include "util/timeutil.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t fake_now;

int64_t time_now(void)
{
	int64_t f = atomic_load(&fake_now);
	if (f)
		return f;
	return (int64_t)time(NULL);
}

int64_t time_now_ms(void)
{
	int64_t f = atomic_load(&fake_now);
	if (f)
		return f * 1000;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void time_set_fake(int64_t t)
{
	atomic_store(&fake_now, t);
}

uint64_t time_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Writes v as exactly `width` digits (years outside 0..9999 are clamped). */
static char *put_digits(char *p, int v, int width)
{
	if (v < 0)
		v = 0;
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

static void format_tm(int64_t t, char *out, bool with_time)
{
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	int year = tm.tm_year + 1900;
	char *p = put_digits(out, year > 9999 ? 9999 : year, 4);
	*p++ = '-';
	p = put_digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_digits(p, tm.tm_mday, 2);
	if (with_time) {
		*p++ = 'T';
		p = put_digits(p, tm.tm_hour, 2);
		*p++ = ':';
		p = put_digits(p, tm.tm_min, 2);
		*p++ = ':';
		p = put_digits(p, tm.tm_sec, 2);
		*p++ = 'Z';
	}
	*p = '\0';
}

void time_format_iso(int64_t t, char out[TIME_ISO_LEN])
{
	format_tm(t, out, true);
}

void time_format_date(int64_t t, char out[11])
{
	format_tm(t, out, false);
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool ymd(const char *s, int *y, int *m, int *d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (!digits(s, 4, y) || s[4] != '-' || !digits(s + 5, 2, m) || s[7] != '-' ||
	    !digits(s + 8, 2, d))
		return false;
	if (*y < 1000 || *m < 1 || *m > 12 || *d < 1)
		return false;
	int max = mdays[*m - 1] + (*m == 2 && leap(*y));
	return *d <= max;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), Howard Hinnant's algorithm. */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool time_parse_date(const char *s, size_t n, int64_t *out)
{
	int y, m, d;
	if (n != 10 || !ymd(s, &y, &m, &d))
		return false;
	*out = days_from_civil(y, m, d) * 86400;
	return true;
}

bool time_add_months(const char *date, int months, char out[11])
{
	int y, m, d;
	if (!date || strlen(date) != 10 || !ymd(date, &y, &m, &d) || months < -120000 ||
	    months > 120000)
		return false;
	int total = y * 12 + (m - 1) + months;
	y = total / 12;
	m = total % 12 + 1;
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	int last = mdays[m - 1] + (m == 2 && leap);
	if (d > last)
		d = last;
	if (y < 1000 || y > 9999)
		return false;
	time_format_date(days_from_civil(y, m, d) * 86400, out);
	return true;
}

bool time_parse_iso(const char *s, size_t n, int64_t *out)
{
	int y, mo, d, h, mi, sec;
	if (n < 20 || !ymd(s, &y, &mo, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return false;
	if (!digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return false;
	if (h > 23 || mi > 59 || sec > 59)
		return false;
	size_t i = 19;
	if (i < n && s[i] == '.') {
		i++;
		size_t start = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start || i - start > 9)
			return false;
	}
	int64_t off = 0;
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int oh, om;
		if (n - i != 6 || !digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
		    !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
			return false;
		off = (int64_t)(oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
		i += 6;
	} else {
		return false;
	}
	if (i != n)
		return false;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	return true;
}
