#!/bin/sh
# bench/oscal.sh - times `custos import oscal` of the largest SP 800-53 Rev 5 catalog we have
# (the full legacy 5.0.1 catalog: 1,189 controls and enhancements, 3.2 MB) into a fresh,
# migrated SQLite database, RUNS times, and prints each run, the best and median, and the ratio
# of the median to the goal of 0.5 s. It measures; it asserts nothing (the tests do not time).
# usage: bench/oscal.sh [FILE]   (env: RUNS=5 BUILD=build SHARED=../shared)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-5}
SHARED=${SHARED:-../shared}
FILE=${1:-$SHARED/data/oscal/sp800-53-rev5/legacy-v5.0.1/NIST_SP-800-53_rev5_catalog.json}
OUT=$(mktemp -d /tmp/custos-bench-oscal-XXXXXX)
trap 'rm -rf "$OUT"' EXIT INT TERM

times=""
for i in $(seq "$RUNS"); do
	db="sqlite:$OUT/run$i.db"
	"$BUILD/custos" init --db "$db" >/dev/null 2>&1 # migrations are not the import's cost
	t0=$(date +%s%N)
	"$BUILD/custos" import oscal "$FILE" --code bench --db "$db" >"$OUT/out" 2>"$OUT/err"
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	echo "run $i: ${ms} ms  $(cat "$OUT/out")"
	times="$times $ms"
done
echo "$times" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk -v goal=500 '
	{ v[NR] = $1 }
	END {
		med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "best %d ms, median %d ms over %d runs; goal %d ms: median/goal = %.2f\n",
			v[1], med, NR, goal, med / goal
	}'
