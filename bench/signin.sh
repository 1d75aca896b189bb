#!/bin/sh
# bench/signin.sh - memory under a sign-in burst: N sign-ins (default 100) at once against a
# server with T worker threads (default 16, more than the machine's cores, as a large box has),
# then the server's peak RSS (VmHWM) and its RSS afterwards. argon2id holds 64 MiB per hash while
# it runs; Custos lets two run at once, so the peak stays near the idle RSS plus 128 MiB
# whatever the thread count, and the memory is returned after the burst.
# usage: bench/signin.sh [N]   (env: THREADS=16 BUILD=build)
set -eu
cd "$(dirname "$0")/.."
N=${1:-100}
THREADS=${THREADS:-16}
BUILD=${BUILD:-build}
OUT=$(mktemp -d /tmp/custos-signin-XXXXXX)
trap 'kill $SERVER_PID 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$OUT"' EXIT INT TERM
SERVER_PID=""
PW='bench sign-in passphrase 2026'

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
db="sqlite:$OUT/signin.db"
"$BUILD/custos" init --db "$db" >/dev/null 2>&1
for i in $(seq 1 10); do
	printf '%s\n' "$PW" | "$BUILD/custos" user add --db "$db" --email "u$i@bench.example" \
		--name "User $i" --role staff --password-stdin >/dev/null
done
"$BUILD/custos" serve --db "$db" --listen "127.0.0.1:$port" --threads "$THREADS" \
	>"$OUT/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
	curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
	sleep 0.1
done
kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER_PID/status"; }
idle=$(kb VmRSS)
t0=$(date +%s%N)
# N sign-ins at once, spread over ten accounts (none fails: the throttle plays no part)
seq 1 "$N" | xargs -P "$N" -I{} sh -c \
	'curl -s -o /dev/null -w "%{http_code}\n" -H "Content-Type: application/json" \
	  -d "{\"email\":\"u$(( {} % 10 + 1 ))@bench.example\",\"password\":\"'"$PW"'\"}" \
	  "http://127.0.0.1:'"$port"'/api/v1/session"' >"$OUT/codes"
t1=$(date +%s%N)
peak=$(kb VmHWM)
sleep 1
after=$(kb VmRSS)
ok=$(grep -c '^200$' "$OUT/codes" || true)
echo "sign-in burst: $N at once, $THREADS worker threads: $ok answered 200 in $(( (t1 - t0) / 1000000 )) ms"
echo "RSS idle $((idle / 1024)) MB, peak $((peak / 1024)) MB, after the burst $((after / 1024)) MB" \
	"(goal: peak below idle + 160 MB whatever the thread count)"
