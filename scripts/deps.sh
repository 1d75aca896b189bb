#!/bin/sh
# deps.sh - installs the Debian packages Custos needs to build, run and test, when missing.
# Usage: scripts/deps.sh [build|test|bench]   (each level includes the ones before it)
set -eu

level=${1:-build}
build="gcc make meson ninja-build pkg-config python3 libsqlite3-dev libmicrohttpd-dev
       libjansson-dev libsodium-dev liboath-dev libqrencode-dev libpq-dev libxlsxwriter-dev libzip-dev libexpat1-dev libmd4c-dev
       libhpdf-dev libcurl4-openssl-dev"
test="libcmocka-dev sqlite3 curl nodejs postgresql nginx-light chromium poppler-utils"
bench="wrk"

want=$build
case $level in
build) ;;
test) want="$want $test" ;;
bench) want="$want $test $bench" ;;
*) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	# nodejs may come from a non-Debian install; a working node is as good
	if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "installing:$missing"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
# Debian starts nginx on port 80 when it is installed; the benchmark runs its own.
if echo "$missing" | grep -q nginx; then
	$sudo systemctl stop nginx 2>/dev/null || $sudo service nginx stop 2>/dev/null || true
fi
