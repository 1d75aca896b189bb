#!/bin/sh
# bench/run.sh - the foundation benchmark: seeds N assets (default 100000), then runs wrk against
# an authenticated 50-row filtered, sorted list and a single-asset read, next to nginx serving a
# static 200-byte file in the same run. Prints req/s, p50/p99 latency, the server's RSS and the
# ratios to nginx. Everything listens on loopback and stops by itself.
# usage: bench/run.sh [N]   (env: DURATION=10s CONNS=64 BUILD=build)
set -eu
cd "$(dirname "$0")/.."
N=${1:-100000}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
BUILD=${BUILD:-build}
OUT=$(mktemp -d /tmp/custos-bench-XXXXXX)
trap 'kill $SERVER_PID $NGINX_PID 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$OUT"' EXIT INT TERM
SERVER_PID=""
NGINX_PID=""

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

echo "seeding $N assets ..."
t0=$(date +%s%N)
TOKEN=$("$BUILD/bench/bench-seed" "sqlite:$OUT/bench.db" "$N")
t1=$(date +%s%N)
echo "seeded in $(( (t1 - t0) / 1000000 )) ms"

PORT=$(free_port)
"$BUILD/custos" serve --db "sqlite:$OUT/bench.db" --listen "127.0.0.1:$PORT" >"$OUT/serve.log" 2>&1 &
SERVER_PID=$!

NPORT=$(free_port)
mkdir -p "$OUT/www" "$OUT/nginx"
chmod 755 "$OUT" "$OUT/www" # nginx workers run as an unprivileged user
head -c 200 /dev/zero | tr '\0' 'x' >"$OUT/www/static.txt"
cat >"$OUT/nginx.conf" <<NGX
daemon off;
worker_processes 2;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $OUT/nginx;
	proxy_temp_path $OUT/nginx;
	fastcgi_temp_path $OUT/nginx;
	uwsgi_temp_path $OUT/nginx;
	scgi_temp_path $OUT/nginx;
	server {
		listen 127.0.0.1:$NPORT;
		location / { root $OUT/www; }
	}
}
NGX
nginx -p "$OUT/nginx" -c "$OUT/nginx.conf" 2>"$OUT/nginx/start.log" &
NGINX_PID=$!

for i in $(seq 50); do
	curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 &&
		curl -sf "http://127.0.0.1:$NPORT/static.txt" >/dev/null 2>&1 && break
	sleep 0.1
done

AUTH="Authorization: Bearer $TOKEN"
LIST="/api/v1/assets?department_id=3&status=in_use&sort=name&limit=50"
ONE="/api/v1/assets/$((N / 2))"
curl -sf -H "$AUTH" "http://127.0.0.1:$PORT$LIST" -o "$OUT/list.json" || { echo "list failed"; exit 1; }
python3 -c "import json,sys; d=json.load(open('$OUT/list.json')); assert len(d['items'])==50, d; print('list check: 50 items of', d['total'])"

# run NAME URL [HEADER] -> "rps p50 p99 errors"
run() {
	name=$1 url=$2
	shift 2
	threads=2
	[ "$CONNS" -lt 2 ] && threads=1 # wrk needs a connection per thread
	if [ $# -gt 0 ]; then
		wrk -t"$threads" -c"$CONNS" -d"$DURATION" --latency -H "$1" "$url" >"$OUT/$name.txt" 2>&1
	else
		wrk -t"$threads" -c"$CONNS" -d"$DURATION" --latency "$url" >"$OUT/$name.txt" 2>&1
	fi
	python3 - "$OUT/$name.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def lat(p):
    m = re.search(r'^\s*%s%%\s+([\d.]+)(us|ms|s)' % p, t, re.M)
    if not m: return float('nan')
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == 'us' else v * 1000 if u == 's' else v
rps = float(re.search(r'Requests/sec:\s+([\d.]+)', t).group(1))
non2xx = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', t)
errs = re.search(r'Socket errors:.*', t)
print('%.0f %.2f %.2f %s %s' % (rps, lat(50), lat(99), non2xx.group(1) if non2xx else 0,
      errs.group(0).replace(' ', '_') if errs else 'none'))
PY
}

rss() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status"; }

echo "running wrk: $DURATION per case, $CONNS connections, 2 threads"
NG=$(run nginx "http://127.0.0.1:$NPORT/static.txt")
LS=$(run list "http://127.0.0.1:$PORT$LIST" "$AUTH")
RSS_LIST=$(rss)
ONE_R=$(run one "http://127.0.0.1:$PORT$ONE" "$AUTH")
CONNS_SAVED=$CONNS
CONNS=256
BIG=$(run list256 "http://127.0.0.1:$PORT$LIST" "$AUTH")
CONNS=$CONNS_SAVED
# the web UI: the same list as an HTML page (filters, drop-downs, labels of referenced records)
# and a record page (fields, related records, history); one connection gives the render time
UI_LIST="/assets?department_id=3&status=in_use&sort=name"
UI_ONE="/assets/$((N / 2))"
curl -sf -H "$AUTH" "http://127.0.0.1:$PORT$UI_LIST" | grep -q 'class="count' || { echo "UI list failed"; exit 1; }
UL=$(run uilist "http://127.0.0.1:$PORT$UI_LIST" "$AUTH")
UO=$(run uione "http://127.0.0.1:$PORT$UI_ONE" "$AUTH")
CONNS=1
UL1=$(run uilist1 "http://127.0.0.1:$PORT$UI_LIST" "$AUTH")
UO1=$(run uione1 "http://127.0.0.1:$PORT$UI_ONE" "$AUTH")
CONNS=$CONNS_SAVED
HWM=$(hwm)

# PostgreSQL: the same data copied with migrate-data, then 1, 2 and 3 nodes on one database
# (2 and 3 behind an nginx upstream). On a 2-core machine the nodes share the cores with
# PostgreSQL, nginx and wrk: the point is that more nodes stay correct, not faster here.
PG_ROWS=""
if [ "${BENCH_PG:-1}" = 1 ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
	PGOUT=$(scripts/pg-cluster.sh start)
	PGDIR=${PGOUT%% *}
	PGURL=${PGOUT#* }
	trap 'kill $SERVER_PID $NGINX_PID $PG_PIDS $NG2_PID 2>/dev/null || true; scripts/pg-cluster.sh stop "$PGDIR"; wait 2>/dev/null || true; rm -rf "$OUT"' EXIT INT TERM
	psql -q "${PGURL}postgres" -c "CREATE DATABASE bench" >/dev/null
	echo "copying to PostgreSQL ..."
	"$BUILD/custos" migrate-data --from "sqlite:$OUT/bench.db" --to "${PGURL}bench" >"$OUT/migrate.log" 2>&1 || {
		echo "migrate-data failed"; cat "$OUT/migrate.log"; exit 1; }
	PG_PIDS=""
	PORTS=""
	for i in 1 2 3; do
		p=$(free_port)
		"$BUILD/custos" serve --db "${PGURL}bench" --listen "127.0.0.1:$p" >"$OUT/pg$i.log" 2>&1 &
		PG_PIDS="$PG_PIDS $!"
		PORTS="$PORTS $p"
	done
	for p in $PORTS; do
		for t in $(seq 50); do curl -sf "http://127.0.0.1:$p/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
	done
	FIRST=$(echo $PORTS | cut -d' ' -f1)
	R1=$(run pg1 "http://127.0.0.1:$FIRST$LIST" "$AUTH")
	for n in 2 3; do
		NP=$(free_port)
		UP=$(echo $PORTS | tr ' ' '\n' | head -n $n | sed 's/.*/server 127.0.0.1:&;/' | tr '\n' ' ')
		mkdir -p "$OUT/ng$n"
		chmod 777 "$OUT/ng$n"
		cat >"$OUT/ng$n.conf" <<NGX
daemon off;
worker_processes 1;
pid $OUT/ng$n/nginx.pid;
error_log $OUT/ng$n/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $OUT/ng$n; proxy_temp_path $OUT/ng$n; fastcgi_temp_path $OUT/ng$n;
	uwsgi_temp_path $OUT/ng$n; scgi_temp_path $OUT/ng$n;
	upstream custos { $UP keepalive 64; }
	server {
		listen 127.0.0.1:$NP;
		location / { proxy_pass http://custos; proxy_http_version 1.1; proxy_set_header Connection ""; }
	}
}
NGX
		nginx -p "$OUT/ng$n" -c "$OUT/ng$n.conf" 2>/dev/null &
		NG2_PID=$!
		for t in $(seq 50); do curl -sf "http://127.0.0.1:$NP/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
		eval "R$n=\$(run pg$n \"http://127.0.0.1:$NP$LIST\" \"$AUTH\")"
		kill "$NG2_PID" 2>/dev/null || true
		wait "$NG2_PID" 2>/dev/null || true
	done
	PG_ROWS="$R1|$R2|$R3"
fi

python3 - "$NG" "$LS" "$ONE_R" "$BIG" "$RSS_LIST" "$HWM" "$N" "$PG_ROWS" "$UL" "$UO" "$UL1" "$UO1" <<'PY'
import sys
ng, ls, one, big = (s.split() for s in sys.argv[1:5])
rss, hwm, n = int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
pg = [r.split() for r in sys.argv[8].split('|')] if sys.argv[8] else []
ul, uo, ul1, uo1 = (s.split() for s in sys.argv[9:13])
print()
print('%-34s %10s %9s %9s %8s  %s' % ('case', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'socket errors'))
for name, r in (('nginx static 200 B', ng), ('custos list 50 rows (filter+sort)', ls),
                ('custos single asset', one), ('custos list, 256 connections', big),
                ('UI list page (HTML)', ul), ('UI record page (HTML)', uo),
                ('UI list page, 1 connection', ul1), ('UI record page, 1 connection', uo1)):
    print('%-34s %10s %9s %9s %8s  %s' % (name, r[0], r[1], r[2], r[3], r[4]))
print()
base = float(ng[0])
print('assets in the database: %s' % n)
print('ratio list/nginx:   %.2f  (goal >= 0.30)' % (float(ls[0]) / base))
print('ratio single/nginx: %.2f  (goal >= 0.60)' % (float(one[0]) / base))
print('p99 list at 64 connections: %s ms (goal <= 10)' % ls[2])
print('256 connections: %s req/s, socket errors: %s' % (big[0], big[4]))
print('ratio UI list page/nginx: %.2f' % (float(ul[0]) / base))
print('UI page render (1 connection, p50 / p99): list %s / %s ms, record %s / %s ms (goal well under 50)'
      % (ul1[1], ul1[2], uo1[1], uo1[2]))
print('custos RSS after the list run: %.1f MB, peak %.1f MB (goal <= 32)' % (rss / 1024, hwm / 1024))
if pg:
    print()
    print('PostgreSQL, list 50 rows (filter+sort), 64 connections:')
    print('%-34s %10s %9s %9s %8s' % ('case', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx'))
    print('%-34s %10s %9s %9s %8s' % ('SQLite, 1 node', ls[0], ls[1], ls[2], ls[3]))
    for i, r in enumerate(pg):
        print('%-34s %10s %9s %9s %8s' % ('PostgreSQL, %d node%s' % (i + 1, 's' if i else ''), r[0], r[1], r[2], r[3]))
PY
