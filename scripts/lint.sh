#!/bin/sh
# lint.sh - checks CI keeps: no unsafe C functions in src/, every source file opens with a
# comment saying what it is for.
set -eu
cd "$(dirname "$0")/.."
fail=0
banned=$(grep -rnE '\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|gets|atoi|atol|atoll|gmtime|localtime)\s*\(' \
	src tests/unit bench --include='*.c' --include='*.h' || true)
if [ -n "$banned" ]; then
	echo "lint: unsafe functions (see STYLE: use the checked helpers in src/util):"
	echo "$banned"
	fail=1
fi
# the HTTP layer reads and writes through the domain and the scoped repository, never SQL of
# its own: a page's own query is how a picker came to list records its user may not read
sql=$(grep -nE '"[^"]*\b(SELECT|INSERT INTO|DELETE FROM|UPDATE [a-z_]+ SET)\b|\bdb_(prepare|run|exec|get_int|step)\(' \
	src/http/*.c src/http/*.h || true)
if [ -n "$sql" ]; then
	echo "lint: SQL in src/http (read through core/repo.h or a domain function instead):"
	echo "$sql"
	fail=1
fi
for f in $(find src -name '*.c' -o -name '*.h'); do
	head -1 "$f" | grep -q '^/\*' || { echo "lint: $f does not open with a comment"; fail=1; }
done
# formatting, when clang-format is installed (it is on the project's machines)
if command -v clang-format >/dev/null 2>&1; then
	if ! clang-format --dry-run --Werror $(find src bench tests/unit -name '*.c' -o -name '*.h') 2>/dev/null; then
		echo "lint: formatting differs from .clang-format (run: clang-format -i FILE)"
		fail=1
	fi
fi
[ $fail -eq 0 ] && echo "lint: ok"
exit $fail
