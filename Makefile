# rxws: WebSocket connections in Unix pipes.
#
#   make            build the tools into build/
#   make demo       set up (Debian packages), build, run a server and a client
#   make check      set up, build, run the whole test suite
#   make asan       the suite with AddressSanitizer and UBSan builds
#   make install    PREFIX=/usr/local DESTDIR=

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build

CC ?= cc
PKGS := libwebsockets libcbor
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -pthread \
	  -DRXWS_VERSION='"$(VERSION)"' -Icommon
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lwebsockets -lcbor) -lm -pthread

TOOLS := rxws-serve rxws-connect rxws-group
COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:common/%.c=$(BUILD)/common/%.o)
LIB := $(BUILD)/librxws.a
BINS := $(TOOLS:%=$(BUILD)/%)

.PHONY: all demo check test asan install uninstall clean deps bench fuzz

all: $(BINS)

.SECONDARY:

$(BUILD)/common/%.o: common/%.c $(wildcard common/*.h) | $(BUILD)/common
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/cmd/%.o: cmd/%.c $(wildcard common/*.h) | $(BUILD)/cmd
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(COMMON_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/%: $(BUILD)/cmd/%.o $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(BUILD)/common $(BUILD)/cmd:
	mkdir -p $@

deps:
	scripts/setup-deps

demo: deps
	$(MAKE) all
	scripts/demo

check: deps
	$(MAKE) all
	tests/run

test: all
	tests/run

asan: deps
	$(MAKE) BUILD=build-asan CC=clang \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" all
	RXWS_BUILD=build-asan tests/run

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man7 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(wildcard man/*.7) $(DESTDIR)$(PREFIX)/share/man/man7/
	for t in $(TOOLS); do \
		install -m 644 completions/rxws.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$t; \
		install -m 644 completions/$$t.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/$$t.fish; \
	done
	install -m 644 completions/_rxws $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_rxws

uninstall:
	for t in $(TOOLS); do \
		rm -f $(DESTDIR)$(PREFIX)/bin/$$t $(DESTDIR)$(PREFIX)/share/man/man1/$$t.1 \
		  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$t \
		  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/$$t.fish; \
	done
	rm -f $(DESTDIR)$(PREFIX)/share/man/man7/rxws.7 $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_rxws

clean:
	rm -rf build build-asan build-fuzz

# Benchmarks against python websockets, node ws and socat (bench/README.md);
# BENCH_QUICK=1 for a short smoke run.
bench: all
	RXWS_BUILD=$(BUILD) bench/run
