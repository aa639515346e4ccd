# mlw - the build.  'make' builds ./mlw; 'make test' runs the suite.
#
#   make [DEVELOPER=1] [SANITIZE=1] [V=1]   build ./mlw
#   make test                               unit and shell tests (prove -j2)
#   make perf                               benchmarks in t/perf (not in test)
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS=...]  libFuzzer harnesses
#                                           (t/fuzz) under ASan+UBSan
#   make stress                             the crash and concurrency
#                                           campaigns at full size
#   make fault                              every write path with its
#                                           Nth file call failing, all N
#   make check-deps                         name missing Debian packages
#   make check-docs                         lint man pages
#   make check-startup                      mlw --version under 5 ms
#   make install [prefix=/usr/local] [DESTDIR=]

VERSION = 0.1.0
prefix ?= /usr/local
bindir = $(prefix)/bin
mandir = $(prefix)/share/man
datadir = $(prefix)/share/mlw
completiondir = $(prefix)/share/bash-completion/completions

CC ?= cc
PKG_CONFIG ?= pkg-config

# The core set every command needs, linked statically: start-up is a
# feature, and static linking of these five saves ~2 ms per invocation
# (measured: 6.6 ms dynamic vs 4.5 ms static).  Heavy libraries (libgit2,
# libcurl, libmicrohttpd, LAPACKE/OpenBLAS) are dlopen'ed by their lib/
# wrappers on first use, never linked here.
CORE_PKGS = sqlite3 yaml-0.1 jansson zlib libcrypto
# pkg-config module -> Debian package, for check-deps
DEPS = sqlite3:libsqlite3-dev yaml-0.1:libyaml-dev jansson:libjansson-dev \
       zlib:zlib1g-dev libcrypto:libssl-dev

# everything the build, the tests and the benchmarks use (make install-deps)
DEBIAN_PACKAGES = build-essential pkg-config perl git ca-certificates \
	libsqlite3-dev libyaml-dev libjansson-dev zlib1g-dev libssl-dev \
	libgit2-dev liblapacke-dev libopenblas-dev libpcre2-dev \
	libmicrohttpd-dev libcurl4-openssl-dev \
	python3-sklearn python3-pandas python3-optuna python3-flask gunicorn \
	mandoc man-db sqlite3 time wrk curl clang libclang-rt-14-dev \
	slurm-wlm munge openmpi-bin libopenmpi-dev

CFLAGS ?= -O2 -g
# -ffunction-sections/--gc-sections drop what the static libraries carry
# but mlw never calls, and -no-pie spares the loader relocating them: at
# start-up that halves the page faults (174 -> 76) and saves ~4 ms
BASIC_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Ilib -Icmd \
	-ffunction-sections -fdata-sections -fno-pie \
	$(shell $(PKG_CONFIG) --cflags $(CORE_PKGS) 2>/dev/null) \
	-DMLW_VERSION='"$(VERSION)"' -DMLW_MANDIR='"$(mandir)"' \
	-DMLW_DATADIR='"$(datadir)"'
LDFLAGS += -no-pie -Wl,--gc-sections -Wl,-O1
LIBS = -Wl,-Bstatic $(shell $(PKG_CONFIG) --libs-only-l $(CORE_PKGS) 2>/dev/null) \
	-Wl,-Bdynamic -lm -ldl -lpthread

ifdef DEVELOPER
BASIC_CFLAGS += -Werror -Wextra -Wno-unused-parameter -Wno-sign-compare \
	-Wmissing-prototypes -Wstrict-prototypes -Wold-style-definition \
	-Wvla -Wshadow=local -Wformat=2 -Wno-format-nonliteral \
	-Wdeclaration-after-statement -Wno-declaration-after-statement
endif
ifdef SANITIZE
BASIC_CFLAGS += -fsanitize=address,undefined,float-cast-overflow \
	-fno-sanitize-recover=all \
	-fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined,float-cast-overflow \
	-Wl,--undefined=__lsan_default_suppressions \
	-Wl,--export-dynamic-symbol=dlclose
VARIANT = sanitize
else
VARIANT = plain
endif

OBJDIR = .build/$(VARIANT)
LIB_SRC = $(sort $(wildcard lib/*/*.c))
CMD_SRC = $(sort $(wildcard cmd/*.c))
UNIT_SRC = $(sort $(wildcard t/unit/test-*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(OBJDIR)/%.o)
CMD_OBJ = $(CMD_SRC:%.c=$(OBJDIR)/%.o)
UNIT_BIN = $(UNIT_SRC:t/unit/%.c=t/unit/%.bin)
# benchmark drivers that link the library (t/perf/p6* run them)
PERF_BIN = t/perf/sweep-bench.bin t/perf/payload-bench.bin \
	t/perf/allreduce-bench.bin

ifndef V
QUIET_CC = @echo '   ' CC $@;
QUIET_LINK = @echo '   ' LINK $@;
endif

ALL_CFLAGS = $(BASIC_CFLAGS) $(CFLAGS)

all: mlw

# rebuild everything when the flags change (as git's GIT-CFLAGS)
$(OBJDIR)/FLAGS: FORCE
	@mkdir -p $(OBJDIR)
	@echo '$(ALL_CFLAGS) $(LDFLAGS) $(LIBS)' > $@.new; \
	if cmp -s $@ $@.new; then rm $@.new; else mv $@.new $@; fi

# ./mlw is shared by the variants: relink when the last build was another
.build/LINK-FLAGS: FORCE
	@mkdir -p .build
	@echo '$(VARIANT) $(ALL_CFLAGS) $(LDFLAGS) $(LIBS)' > $@.new; \
	if cmp -s $@ $@.new; then rm $@.new; else mv $@.new $@; fi

$(OBJDIR)/%.o: %.c $(OBJDIR)/FLAGS
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(OBJDIR)/libmlw.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

mlw: $(CMD_OBJ) $(OBJDIR)/libmlw.a .build/LINK-FLAGS
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CMD_OBJ) $(OBJDIR)/libmlw.a $(LIBS)

t/unit/%.bin: t/unit/%.c t/unit/tap.h $(OBJDIR)/libmlw.a .build/LINK-FLAGS
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) -It/unit $(LDFLAGS) -o $@ $< $(OBJDIR)/libmlw.a $(LIBS)

t/perf/%.bin: t/perf/%.c $(OBJDIR)/libmlw.a .build/LINK-FLAGS
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(OBJDIR)/libmlw.a $(LIBS)

# the fuzz harnesses' replay drivers (t/fuzz/replay.c): each harness run
# once per input, with this build's compiler and sanitizers, for the suite
FUZZ_SRC = $(sort $(wildcard t/fuzz/fuzz-*.c))
FUZZ_REPLAY = $(FUZZ_SRC:t/fuzz/%.c=t/fuzz/%.replay)
t/fuzz/%.replay: t/fuzz/%.c t/fuzz/fuzz.c t/fuzz/replay.c t/fuzz/fuzz.h \
		$(OBJDIR)/libmlw.a .build/LINK-FLAGS
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) -It/fuzz $(LDFLAGS) -o $@ $< \
		t/fuzz/fuzz.c t/fuzz/replay.c $(OBJDIR)/libmlw.a $(LIBS)

# the fault-injection shim (t/fault/fault.c), preloaded by t1550; never
# sanitized itself (it runs before and under any runtime)
t/fault/libfault.so: t/fault/fault.c
	$(QUIET_LINK)$(CC) -shared -fPIC -O2 -g -Wall -Wextra -Werror \
		-Wno-unused-parameter -o $@ $< -ldl

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d)

PROVE ?= prove
PROVE_OPTS ?= -j2
test: mlw $(UNIT_BIN) $(FUZZ_REPLAY) t/fault/libfault.so
	@mkdir -p t/trash && rm -f t/trash/FAILURES
	cd t && $(PROVE) $(PROVE_OPTS) --exec '' $(UNIT_BIN:t/%=./%) $(patsubst t/%,./%,$(sort $(wildcard t/t[0-9]*.sh))) || \
	{ test -f trash/FAILURES && { echo '# what failed (t/trash/FAILURES):'; \
	  tail -n 150 trash/FAILURES; echo '# every failure:'; \
	  grep '^--- ' trash/FAILURES; }; exit 1; }

# --- fuzzing: clang's libFuzzer with ASan and UBSan, in .build/fuzz -------
# (its own objects: the library built with clang and coverage hooks)
FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_TARGETS = $(FUZZ_SRC:t/fuzz/fuzz-%.c=%)
FUZZ_DIR = .build/fuzz
FUZZ_SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = $(filter-out -W% -f%,$(BASIC_CFLAGS)) -Wall -It/fuzz \
	-g -O1 -fno-omit-frame-pointer $(FUZZ_SANITIZE)
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BIN = $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz-%)

$(FUZZ_DIR)/FLAGS: FORCE
	@mkdir -p $(FUZZ_DIR)
	@echo '$(FUZZ_CC) $(FUZZ_CFLAGS) $(LIBS)' > $@.new; \
	if cmp -s $@ $@.new; then rm $@.new; else mv $@.new $@; fi

$(FUZZ_DIR)/obj/%.o: %.c $(FUZZ_DIR)/FLAGS
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
		-MMD -MP -c -o $@ $<

$(FUZZ_DIR)/libmlw.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZ_DIR)/fuzz-%: t/fuzz/fuzz-%.c t/fuzz/fuzz.c t/fuzz/fuzz.h \
		$(FUZZ_DIR)/libmlw.a
	$(QUIET_LINK)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -no-pie \
		-o $@ $< t/fuzz/fuzz.c $(FUZZ_DIR)/libmlw.a $(LIBS)

-include $(FUZZ_LIB_OBJ:.o=.d)

fuzz-build: $(FUZZ_BIN)

# seeds from t/data and ../shared/corpus, made afresh in .build/fuzz;
# each harness runs FUZZ_SECONDS; executions and findings go to
# .build/fuzz/record.tsv, findings to .build/fuzz/findings/
fuzz: mlw $(FUZZ_BIN)
	@MLW=./mlw FUZZ_DIR=$(FUZZ_DIR) sh t/fuzz/run.sh $(FUZZ_SECONDS) \
		$(FUZZ_TARGETS)

# the campaigns at full size: 50 kills of each of six kinds of write
# (300), 16 writers x 25 cycles of five kinds of write (2,000 operations)
stress: mlw
	cd t && MLW_TEST_CRASH_ROUNDS=50 MLW_TEST_STRESS_CYCLES=25 \
		$(PROVE) $(PROVE_OPTS) --exec '' ./t1600-concurrency.sh \
		./t1700-crash.sh

# every write path with its Nth file-system call failing, for every N
fault: mlw t/fault/libfault.so
	cd t && MLW_TEST_FAULT_ALL=1 $(PROVE) --exec '' -v \
		./t1550-fault-injection.sh

perf: mlw $(PERF_BIN)
	@for f in t/perf/p*.sh; do echo "== $$f"; sh $$f || exit 1; done

install-deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $(DEBIAN_PACKAGES)

quickstart: mlw
	sh share/quickstart/run.sh

check-deps:
	@missing=; for d in $(DEPS) libgit2:libgit2-dev lapacke:liblapacke-dev \
		libpcre2-8:libpcre2-dev libmicrohttpd:libmicrohttpd-dev \
		libcurl:libcurl4-openssl-dev; do \
		mod=$${d%%:*}; pkg=$${d#*:}; \
		$(PKG_CONFIG) --exists $$mod 2>/dev/null || missing="$$missing $$pkg"; \
	done; \
	command -v prove >/dev/null || missing="$$missing perl"; \
	if [ -n "$$missing" ]; then echo "missing Debian packages:$$missing"; \
		echo "install with: apt-get install -y$$missing"; exit 1; \
	else echo "all dependencies present"; fi

check-docs:
	@for f in man/*.[1-9]; do \
		out=$$(mandoc -Tlint -W warning $$f 2>&1); \
		if [ -n "$$out" ]; then echo "$$out"; fail=1; fi; \
	done; test -z "$$fail"

check-startup: mlw
	@sh t/perf/p0001-startup.sh --check

install: mlw
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1 \
		$(DESTDIR)$(mandir)/man5 $(DESTDIR)$(datadir) \
		$(DESTDIR)$(completiondir)
	install -m 755 mlw $(DESTDIR)$(bindir)/mlw
	install -m 644 man/*.1 $(DESTDIR)$(mandir)/man1/
	-install -m 644 man/*.5 $(DESTDIR)$(mandir)/man5/ 2>/dev/null
	install -m 644 contrib/completion/mlw.bash $(DESTDIR)$(completiondir)/mlw
	cp -R share/. $(DESTDIR)$(datadir)/

clean:
	rm -rf .build mlw t/unit/*.bin t/perf/*.bin t/fuzz/*.replay t/fault/*.so \
		t/trash

style:
	@! grep -nE '\b(strcpy|strcat|sprintf|strtok|atoi|localtime)\(' lib/*/*.c cmd/*.c
	@# lib/ never reads the environment, exits or prints to stdout
	@! grep -nwE '(getenv|secure_getenv|exit|printf|puts|putchar)\(|\(stdout\)|, stdout\)' lib/*/*.c

.PHONY: all test perf fuzz fuzz-build stress fault install-deps quickstart check-deps check-docs check-startup install clean style FORCE
