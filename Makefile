# rxws: WebSocket connections in Unix pipes.
#
#   make            build the tools, and their shell completions, into build/
#   make demo       set up (Debian packages), build, run a server and a client
#   make check      set up, build, the package and lintian, the unit tests,
#                   the whole test suite on the package's tools, the unit
#                   tests and the suite's memory-heavy part on the sanitizer
#                   build, and a short run of each fuzz target
#   make test       the unit tests, then the suite, on the plain build only
#   make unit       the unit tests in C of the modules without I/O
#                   (tests/unit/), on the plain build
#   make asan       the unit tests and the suite with AddressSanitizer and
#                   UBSan builds
#   make asan-unit  the unit tests only, on the sanitizer build
#   make fuzz       every fuzz target for a while (fuzz/README.md)
#   make bench      benchmarks (bench/README.md)
#   make install    PREFIX=/usr/local DESTDIR= (and the *DIR variables below)
#   make deb        the Debian package, build/deb/rxws_VERSION-REV_ARCH.deb
#                   (debian/; from a copy of the tree in build/deb-src)
#   make lintian    make deb, then lintian on the package: no errors
#
# make says a line per file it makes ("CC common/ws/wsconn.c"); make V=1
# shows the commands instead (the Debian build does: debian/rules), and
# make -s nothing but errors.

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
# Where make install puts things; the Debian package (debian/rules) changes
# only ZSH_COMPDIR, to Debian's vendor-completions.
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
LIBEXECDIR ?= $(PREFIX)/libexec/rxws
DOCDIR ?= $(PREFIX)/share/doc/rxws
BASH_COMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSH_COMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISH_COMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
SYSTEMD_UNITDIR ?= $(PREFIX)/lib/systemd/system
# Where rxws-serve@NAME.service reads NAME.conf: /etc/rxws for a system's
# PREFIX, else under PREFIX. make install makes it, empty.
CONFDIR ?= $(if $(filter /usr /usr/local,$(PREFIX)),/etc,$(PREFIX)/etc)/rxws

CC ?= cc

# $(call quiet,WHAT,FILE) before a command: the line that says it instead,
# "  WHAT FILE"; nothing under V=1 (the command shows) or -s. Q hides the
# commands that need no line. make -n shows every command, as it is.
V ?= 0
ifeq ($(V),1)
Q :=
quiet =
else
Q := @
ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
quiet = @
else
quiet = @printf '  %-4s %s\n' '$(1)' '$(2)';
endif
endif
PKGS := libwebsockets libcbor libssl libcrypto zlib hiredis
CFLAGS ?= -O2 -g
# The libraries' own flags come from pkg-config, once; without it (or a .pc
# file) the plain names do on Debian, whose headers are all on the default
# path.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lwebsockets -lcbor -lssl -lcrypto -lz -lhiredis)
# What the code needs, kept apart so that CFLAGS=... on the command line
# (make asan does so) or from the environment (dpkg-buildflags, with
# CPPFLAGS and LDFLAGS) changes only optimisation, hardening and
# instrumentation.
RXWS_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -pthread \
	  -DRXWS_VERSION='"$(VERSION)"' -Icommon $(PKG_CFLAGS)
# Each object's list of the headers it includes (its .d beside it), so that
# a header change rebuilds what includes it, and only that. -MP keeps a
# deleted header from stopping the build; an object whose .d is missing (a
# build/ from before, a .d removed) is rebuilt, to make it. clang writes
# the .d after the object: the object is touched, or it would look older
# than one of its prerequisites, and be made again every time.
DEPFLAGS := -MMD -MP
LDLIBS += $(PKG_LIBS) -lm -pthread

TOOLS := rxws-serve rxws-connect rxws-group
# common/ is in folders by layer (README.md, "Source tree"), each using
# only those before it here (tests/02-build.bats holds them to it).
LAYERS := base records ws broker app tools
COMMON_SRC := $(foreach l,$(LAYERS),$(wildcard common/$(l)/*.c))
COMMON_OBJ := $(COMMON_SRC:common/%.c=$(BUILD)/common/%.o)
LIB := $(BUILD)/librxws.a
BINS := $(TOOLS:%=$(BUILD)/%)
COMPLETIONS := $(addprefix $(BUILD)/completions/,rxws.bash _rxws $(TOOLS:%=%.fish))

.PHONY: all demo check test unit asan asan-build asan-unit install uninstall clean deps bench fuzz deb lintian

all: $(BINS) $(COMPLETIONS)

# The tools' objects are made through a chain of pattern rules: keep them.
# (Not every target: a missing object of the library would then not
# rebuild it.)
.SECONDARY: $(TOOLS:%=$(BUILD)/cmd/%.o)

$(BUILD)/common/%.o: common/%.c $(BUILD)/common/%.d | $(LAYERS:%=$(BUILD)/common/%)
	$(call quiet,CC,$<)$(CC) $(CPPFLAGS) $(RXWS_CFLAGS) $(DEPFLAGS) $(CFLAGS) -c $< -o $@
	$(Q)touch $@

$(BUILD)/cmd/%.o: cmd/%.c $(BUILD)/cmd/%.d | $(BUILD)/cmd
	$(call quiet,CC,$<)$(CC) $(CPPFLAGS) $(RXWS_CFLAGS) $(DEPFLAGS) $(CFLAGS) -c $< -o $@
	$(Q)touch $@

DEPS := $(COMMON_OBJ:.o=.d) $(TOOLS:%=$(BUILD)/cmd/%.d)
$(DEPS): ;
include $(wildcard $(DEPS))

$(LIB): $(COMMON_OBJ)
	$(call quiet,AR,$@)$(AR) rcs $@ $^

$(BUILD)/%: $(BUILD)/cmd/%.o $(LIB)
	$(call quiet,LD,$@)$(CC) $(RXWS_CFLAGS) $(CFLAGS) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(LAYERS:%=$(BUILD)/common/%) $(BUILD)/cmd:
	$(Q)mkdir -p $@

# The bash, zsh and fish completions, made from the three tools' option
# tables (--dump-options) by one run of scripts/completions. The tools of a
# sanitizer build run here too: without LeakSanitizer, whose stop-the-world
# at exit hangs now and then (scripts/check).
$(COMPLETIONS) &: scripts/completions $(BINS)
	$(call quiet,GEN,$(BUILD)/completions/)ASAN_OPTIONS=detect_leaks=0 scripts/completions $(BUILD) $(BUILD)/completions

deps:
	$(Q)scripts/setup-deps

# The build says one line, so that the demo is what shows (V=1: the
# commands).
demo: deps
	$(call quiet,MAKE,$(BUILD)/ (the tools; make V=1 demo shows the commands))$(MAKE) \
		$(if $(filter 1,$(V)),,-s) all
	$(Q)RXWS_BUILD=$(BUILD) scripts/demo

# The package, the suite on its tools, part of it on the sanitizer build,
# and the fuzz smoke (scripts/check).
check: deps
	$(Q)$(MAKE) all
	$(Q)scripts/check

test: all unit
	tests/run

# ---- Unit tests: tests/unit/, one binary per module's file ----
# Each test_NAME.c is linked with the harness (unit.c) and the library;
# tests/unit/run runs every binary and says "N passed, N failed".
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
UNIT_OBJ := $(UNIT_BINS:=.o) $(BUILD)/unit/unit.o
.SECONDARY: $(UNIT_OBJ)

$(BUILD)/unit/%.o: tests/unit/%.c $(BUILD)/unit/%.d | $(BUILD)/unit
	$(call quiet,CC,$<)$(CC) $(CPPFLAGS) $(RXWS_CFLAGS) $(DEPFLAGS) $(CFLAGS) -c $< -o $@
	$(Q)touch $@

$(BUILD)/unit/test_%: $(BUILD)/unit/test_%.o $(BUILD)/unit/unit.o $(LIB)
	$(call quiet,LD,$@)$(CC) $(RXWS_CFLAGS) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/unit:
	$(Q)mkdir -p $@

UNIT_DEPS := $(UNIT_OBJ:.o=.d)
$(UNIT_DEPS): ;
include $(wildcard $(UNIT_DEPS))

unit: $(UNIT_BINS)
	tests/unit/run $(UNIT_BINS)

# The plain build too: the valgrind test runs it. asan-unit after
# asan-build, not beside it: both make build-asan's library.
asan: deps
	$(MAKE) all asan-build
	$(MAKE) asan-unit
	RXWS_BUILD=build-asan tests/run

ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_LDFLAGS := -fsanitize=address,undefined

asan-build:
	$(MAKE) BUILD=build-asan CC=clang CFLAGS="$(ASAN_CFLAGS)" LDFLAGS="$(ASAN_LDFLAGS)" all

asan-unit:
	$(MAKE) BUILD=build-asan CC=clang CFLAGS="$(ASAN_CFLAGS)" LDFLAGS="$(ASAN_LDFLAGS)" unit

# The unit names the wrapper and the server where they are installed, and
# the configuration and its example.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASH_COMPDIR) $(DESTDIR)$(ZSH_COMPDIR) $(DESTDIR)$(FISH_COMPDIR) \
		$(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SYSTEMD_UNITDIR) $(DESTDIR)$(DOCDIR)/examples \
		$(DESTDIR)$(CONFDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(wildcard man/*.7) $(DESTDIR)$(MANDIR)/man7/
	for t in $(TOOLS); do \
		install -m 644 $(BUILD)/completions/rxws.bash $(DESTDIR)$(BASH_COMPDIR)/$$t; \
		install -m 644 $(BUILD)/completions/$$t.fish $(DESTDIR)$(FISH_COMPDIR)/$$t.fish; \
	done
	install -m 644 $(BUILD)/completions/_rxws $(DESTDIR)$(ZSH_COMPDIR)/_rxws
	install -m 755 systemd/rxws-serve-service $(DESTDIR)$(LIBEXECDIR)/
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
		-e 's|@CONFDIR@|$(CONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
		'systemd/rxws-serve@.service.in' > '$(DESTDIR)$(SYSTEMD_UNITDIR)/rxws-serve@.service'
	chmod 644 '$(DESTDIR)$(SYSTEMD_UNITDIR)/rxws-serve@.service'
	install -m 644 examples/index.html examples/rxws.js systemd/rxws-serve.conf \
		$(DESTDIR)$(DOCDIR)/examples/

uninstall:
	for t in $(TOOLS); do \
		rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(MANDIR)/man1/$$t.1 \
		  $(DESTDIR)$(BASH_COMPDIR)/$$t $(DESTDIR)$(FISH_COMPDIR)/$$t.fish; \
	done
	rm -f $(DESTDIR)$(MANDIR)/man7/rxws.7 $(DESTDIR)$(ZSH_COMPDIR)/_rxws \
		$(DESTDIR)$(LIBEXECDIR)/rxws-serve-service '$(DESTDIR)$(SYSTEMD_UNITDIR)/rxws-serve@.service' \
		$(DESTDIR)$(DOCDIR)/examples/index.html $(DESTDIR)$(DOCDIR)/examples/rxws.js \
		$(DESTDIR)$(DOCDIR)/examples/rxws-serve.conf
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(CONFDIR) 2>/dev/null

clean:
	rm -rf build build-asan build-fuzz

# The Debian package, in build/deb/ (scripts/deb). lintian must find no
# error and no warning in it, nor in its -dbgsym (the one tag accepted is
# in debian/rxws.lintian-overrides, with the reason); it shows the rest.
DEB = build/deb/rxws_$(shell dpkg-parsechangelog -S Version)_$(shell dpkg-architecture -qDEB_HOST_ARCH).deb

deb:
	scripts/deb

lintian: deb
	lintian --fail-on error,warning --display-info --pedantic $(DEB:.deb=.changes)

# Benchmarks against python websockets, node ws and socat (bench/README.md);
# BENCH_QUICK=1 for a short smoke run.
bench: all
	RXWS_BUILD=$(BUILD) bench/run

# ---- Fuzzing: libFuzzer targets in fuzz/ (fuzz/README.md) ----
#   make fuzz         every target for FUZZ_SECONDS (60) each, on a copy of
#                     its corpus in build-fuzz/corpus/; a table of runs in
#                     build-fuzz/report.txt; non-zero when one fails
#   make fuzz-smoke   for CI: each for FUZZ_SMOKE_SECONDS (5), then every
#                     file of fuzz/corpus/ and fuzz/regressions/ replayed
#   make fuzz-replay  only the replay (fast: what tests/50-fuzz.bats does)
#   make fuzz-build   build-fuzz/fuzz_* only; FUZZ_TARGETS="fuzz_json ..."
#                     picks targets, FUZZ_FLAGS adds libFuzzer flags, and
#                     FUZZ_BUILD=DIR FUZZ_EXTRA_CFLAGS=... a variant build
#                     (such as -fno-sanitize=... to hunt past a known report)
FUZZ_BUILD ?= build-fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_FLAGS ?=
FUZZ_CFLAGS := $(RXWS_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined $(FUZZ_EXTRA_CFLAGS)
FUZZ_TARGETS ?= $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
# What the targets use of common/ (the parsers, and what they call).
FUZZ_COMMON := base/base64 base/buf base/log base/sha1 base/url base/utf8 \
	ws/deflate ws/handshake ws/http ws/position ws/proxy ws/wsframe app/state_codec \
	records/cbor_item records/cbor_json records/convert records/datatype records/framing \
	records/json records/json_cbor records/json_write records/stack \
	records/record_config broker/broker_url
FUZZ_OBJ := $(FUZZ_COMMON:%=$(FUZZ_BUILD)/common/%.o)

.PHONY: fuzz-build fuzz-smoke fuzz-replay fuzz-seeds

$(FUZZ_BUILD)/common/%.o: common/%.c $(FUZZ_BUILD)/common/%.d | $(LAYERS:%=$(FUZZ_BUILD)/common/%)
	$(call quiet,CC,$<)$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -c $< -o $@
	$(Q)touch $@

$(FUZZ_BUILD)/librxws.a: $(FUZZ_OBJ)
	$(call quiet,AR,$@)$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_BUILD)/fuzz_%.d $(FUZZ_BUILD)/librxws.a
	$(call quiet,CCLD,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) $< $(FUZZ_BUILD)/librxws.a $(LDLIBS) -o $@
	$(Q)touch $@

$(LAYERS:%=$(FUZZ_BUILD)/common/%):
	$(Q)mkdir -p $@

FUZZ_DEPS := $(FUZZ_OBJ:.o=.d) $(FUZZ_BINS:=.d)
$(FUZZ_DEPS): ;
include $(wildcard $(FUZZ_DEPS))

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	fuzz/run fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	fuzz/run smoke $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

fuzz-replay: fuzz-build
	fuzz/run replay $(FUZZ_BUILD) 0 $(FUZZ_TARGETS)

# Regenerates fuzz/corpus/ from fuzz/make-seeds.py (python3-cbor2).
fuzz-seeds:
	/usr/bin/python3 fuzz/make-seeds.py
