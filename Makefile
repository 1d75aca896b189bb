# Makefile - the two commands a newcomer needs (make run, make test) and a few more.
# The build itself is meson + ninja; this file only wraps it.

BUILD      ?= build
ASAN_BUILD ?= build-asan
DB         ?= sqlite:custos-demo.db
LISTEN     ?= 127.0.0.1:8080

.PHONY: all deps build run test unit api browser test-pg lint bench clean

all: build

deps:
	@scripts/deps.sh build

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	./$(BUILD)/custos serve --demo --db $(DB) --listen $(LISTEN)

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=all

# Everything: lint, a warning-free release build, then unit tests, the API tests and the
# browser tests under ASan+UBSan, the API tests once on SQLite and once on PostgreSQL.
test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory lint build $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	@$(MAKE) --no-print-directory unit api browser test-pg

unit:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		meson test -C $(ASAN_BUILD) --print-errorlogs

# The node suites' tools (tests/api, tests/browser), installed exactly as their lock files say.
tests/%/node_modules: tests/%/package-lock.json
	npm ci --prefix tests/$* --no-audit --no-fund --loglevel=error
	@touch $@

# A node test suite against the ASan+UBSan binary.
NODE_TEST = ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	CUSTOS_BIN=$(CURDIR)/$(ASAN_BUILD)/custos node --test --test-concurrency=2

api: tests/api/node_modules
	$(NODE_TEST) tests/api/

# The web UI in headless Chromium (Debian's, or $CHROMIUM) driven by playwright-core;
# screenshots of the main pages go to build/screenshots/ (or $SCREENSHOT_DIR).
browser: tests/browser/node_modules
	$(NODE_TEST) tests/browser/

# The unit and API tests again on PostgreSQL: a throw-away cluster in a temporary directory.
test-pg: tests/api/node_modules
	@set -e; out=$$(scripts/pg-cluster.sh start); dir=$${out%% *}; url=$${out#* }; \
	trap 'scripts/pg-cluster.sh stop '"$$dir" EXIT; \
	echo "PostgreSQL test cluster at $$url"; \
	CUSTOS_TEST_PG=$$url ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1 meson test -C $(ASAN_BUILD) --print-errorlogs; \
	CUSTOS_TEST_PG=$$url $(NODE_TEST) tests/api/

lint:
	@scripts/lint.sh

bench: build
	@scripts/deps.sh bench
	bench/run.sh
	bench/signin.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
