#!/bin/sh
# pg-cluster.sh - a throw-away PostgreSQL cluster for the tests, in a temporary directory, on a
# free loopback port, as an unprivileged user (PostgreSQL refuses to run as root).
#   scripts/pg-cluster.sh start   -> prints DIR and URL (postgres://custos@127.0.0.1:PORT/)
#   scripts/pg-cluster.sh stop DIR
set -eu
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "pg-cluster: PostgreSQL is not installed (scripts/deps.sh test)" >&2; exit 1; }

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		su postgres -s /bin/sh -c "$1"
	else
		sh -c "$1"
	fi
}

case "${1:-}" in
start)
	dir=$(mktemp -d /tmp/custos-pg-XXXXXX)
	[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
	as_pg "$bin/initdb -D $dir/data -U custos --auth=trust --locale=C -E UTF8 >$dir/initdb.log 2>&1"
	# fsync off: a test cluster that dies loses nothing we need, and the suite runs faster
	as_pg "$bin/pg_ctl -D $dir/data -l $dir/server.log -w -o '-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300' start >/dev/null"
	echo "$dir postgres://custos@127.0.0.1:$port/"
	;;
stop)
	dir=${2:?usage: pg-cluster.sh stop DIR}
	as_pg "$bin/pg_ctl -D $dir/data -m immediate stop >/dev/null 2>&1" || true
	rm -rf "$dir"
	;;
*)
	echo "usage: $0 start | stop DIR" >&2
	exit 2
	;;
esac
