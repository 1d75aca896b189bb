/* csv.c - RFC 4180 field encoding. It neither chooses columns nor guards against formulas:
 * it writes exactly the bytes it is given, so the same text always encodes the same way. */
#include "io/csv.h"

#include <string.h>

static bool needs_quotes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			return true;
	return false;
}

void csv_field(struct buf *b, bool first, const char *prefix, const char *s, size_t n)
{
	size_t pn = prefix ? strlen(prefix) : 0;
	if (!first)
		buf_addc(b, ',');
	if (!needs_quotes(prefix ? prefix : "", pn) && !needs_quotes(s, n)) {
		buf_add(b, prefix ? prefix : "", pn);
		buf_add(b, s, n);
		return;
	}
	buf_addc(b, '"');
	buf_add(b, prefix ? prefix : "", pn);
	/* copy runs between quotes in one go; each quote is written twice */
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '"')
			continue;
		buf_add(b, s + from, i + 1 - from);
		buf_addc(b, '"');
		from = i + 1;
	}
	buf_add(b, s + from, n - from);
	buf_addc(b, '"');
}

void csv_end_record(struct buf *b)
{
	buf_add(b, "\r\n", 2);
}
