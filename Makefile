# sandbox: give every coding agent its own Incus system container.
#
#   make            build the programs into bin/
#   make check      lint, unit tests, then integration tests against a real Incus
#   make asan       unit tests and fuzz corpora under ASan+UBSan
#   make valgrind   unit tests under valgrind (zero errors, zero leaks)
#   make fuzz       libFuzzer harnesses for FUZZ_SECONDS each (needs clang)
#   make bench      benchmarks against their floors (not part of check)
#   make install    PREFIX=/usr/local DESTDIR=

VERSION  := 0.1.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share/sandbox
MANDIR   ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
BUILD    ?= build
BIN      ?= bin
FUZZ_SECONDS ?= 30

PKGS     := libcurl json-c libssh libcrypto libnftables \
            libnetfilter_conntrack
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-format-nonliteral
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SAN_FLAGS) -D_FORTIFY_SOURCE=2 \
             -D_GNU_SOURCE -Ilib $(PKG_CFLAGS) \
             -DSB_VERSION='"$(VERSION)"' -DSB_DATADIR='"$(DATADIR)"'
LDLIBS   := $(PKG_LIBS) -lpthread

PROGRAMS := sandbox sandbox-start sandbox-stop sandbox-list sandbox-expose \
            sandbox-nuke sandbox-setup sandbox-domains sandbox-snapshot

LIB_SRC  := $(wildcard lib/*/*.c)
LIB_OBJ  := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
LIBA     := $(BUILD)/libsandbox.a
PROG_BIN := $(PROGRAMS:%=$(BIN)/%)
UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

.PHONY: all check check-lint check-unit check-fuzz-corpus check-integration asan \
        valgrind fuzz bench install uninstall clean

all: $(PROG_BIN)

$(BUILD)/lib/%.o: lib/%.c $(wildcard lib/*/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/%: cmd/%.c $(LIBA)
	@mkdir -p $(BIN)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(LIBA) $(LDLIBS)

# Without clang's libFuzzer, each harness links with a main that replays
# its seed corpus, so `make check` exercises every parser anyway.
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(LIBA) $(LDLIBS)

# CI: the unit suite plain, under ASan+UBSan and under valgrind, each
# fuzzer for FUZZ_SECONDS (11 harnesses: about 5.5 min at 30 s), then the integration
# suite.
check: check-lint check-unit asan valgrind fuzz check-integration

# A bare "! cmd" line in a bats test asserts nothing (errexit ignores it);
# no NULL where an error goes; no layer of lib/ includes one above it;
# processes start only in sys/spawn.c; no file over 600 lines or function
# over 80; the C lines a change touches are as .clang-format writes them.
check-lint:
	tests/lint/bats-negation tests/integration/*.bats tests/integration/*.bash
	tests/lint/err-null lib/*/*.c lib/*/*.h cmd/*.c
	tests/lint/layers
	tests/lint/format
	tests/lint/spawn-only lib/*/*.c lib/*/*.h cmd/*.c
	tests/lint/sizes lib/*/*.c lib/*/*.h cmd/*.c

check-unit: $(UNIT_BIN) $(FUZZ_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $(RUN) $$t; done
	@set -e; for f in $(FUZZ_BIN); do n=$$(basename $$f); \
	  echo "== $$n corpus"; $(RUN) $$f tests/fuzz/corpus/$${n#fuzz-}; done

check-integration: all
	tests/integration/run

asan:
	$(MAKE) BUILD=build-asan BIN=build-asan/bin \
	  SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  CFLAGS="-O1 -g" check-unit

valgrind:
	$(MAKE) BUILD=build-vg BIN=build-vg/bin CFLAGS="-O0 -g" \
	  RUN="valgrind -q --error-exitcode=99 --suppressions=tests/valgrind.supp --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --show-leak-kinds=definite,indirect,possible" \
	  check-unit

fuzz:
	tests/fuzz/run $(FUZZ_SECONDS)

bench: all
	bench/run

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/stacks \
	  $(DESTDIR)$(DATADIR)/stacks.d \
	  $(DESTDIR)$(DATADIR)/allowlists $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(BASHCOMPDIR) \
	  $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 $(PROG_BIN) $(DESTDIR)$(BINDIR)/
	install -m 0644 stacks/*.sh $(DESTDIR)$(DATADIR)/stacks/
	install -m 0644 allowlists/*.txt $(DESTDIR)$(DATADIR)/allowlists/
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	@# bash-completion loads a file by the command's name: one copy each.
	for p in $(PROGRAMS); do \
	  install -m 0644 completions/sandbox.bash $(DESTDIR)$(BASHCOMPDIR)/$$p; \
	done
	install -m 0644 completions/_sandbox $(DESTDIR)$(ZSHCOMPDIR)/_sandbox
	install -m 0644 completions/sandbox.fish \
	  $(DESTDIR)$(FISHCOMPDIR)/sandbox.fish

uninstall:
	rm -f $(PROGRAMS:%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(PROGRAMS:%=$(DESTDIR)$(BASHCOMPDIR)/%)
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_sandbox \
	  $(DESTDIR)$(FISHCOMPDIR)/sandbox.fish
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-asan build-vg bin
