# fl2ipfix: AWS VPC and Transit Gateway flow logs to IPFIX.
# Variables: CC CFLAGS LDFLAGS PREFIX DESTDIR MANDIR.  Works with GNU and BSD make.
#
# Targets: all, check (every test; installs missing Debian packages when run
# as root), check-asan (the suite under ASan+UBSan), check-valgrind (unit
# and CLI tests under valgrind), demo, bench, fuzz, install, uninstall, clean.
# fuzz runs each libFuzzer harness FUZZ_SECONDS (built with FUZZ_CC, clang).

PREFIX ?=	/usr/local
MANDIR ?=	$(PREFIX)/share/man
BINDIR ?=	$(PREFIX)/bin
CC ?=		cc
WARN =		-Wall -Wextra -Wpedantic -Wshadow -Wmissing-prototypes \
		-Wstrict-prototypes -Wwrite-strings -Wformat=2 -Wvla
CFLAGS ?=	-O2 -g
CPPFLAGS +=	-D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700
ALL_CFLAGS =	-std=c11 $(WARN) $(CFLAGS)
# ISA-L's inflate (Debian libisal-dev) is about three times zlib's; zlib
# stays the fallback: make ISAL=0 builds without ISA-L.
ISAL =		1
ISAL_CPPFLAGS_1 = -DHAVE_ISAL
ISAL_LIBS_1 =	-lisal
LIBS =		$(ISAL_LIBS_$(ISAL)) -lz -lpcap -lpthread

LIBOBJS =	filter.o gz.o idmap.o input.o ipfix.o map.o parse.o prep.o \
		sink.o
LIBSRCS =	filter.c gz.c idmap.c input.c ipfix.c map.c parse.c prep.c \
		sink.c
HEADERS =	filter.h gz.h idmap.h input.h ipfix.h map.h parse.h prep.h \
		sink.h
OBJS =		fl2ipfix.o $(LIBOBJS)
UNITS =		tests/unit_parse tests/unit_ipfix tests/unit_idmap tests/unit_filter \
		tests/unit_sink

all: fl2ipfix

fl2ipfix: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

.c.o:
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) $(ISAL_CPPFLAGS_$(ISAL)) -c -o $@ $<

fl2ipfix.o: fl2ipfix.c filter.h idmap.h input.h ipfix.h map.h parse.h prep.h \
		sink.h
filter.o: filter.c filter.h parse.h
idmap.o: idmap.c idmap.h
gz.o: gz.c gz.h
input.o: input.c gz.h input.h prep.h
prep.o: prep.c parse.h prep.h
ipfix.o: ipfix.c ipfix.h sink.h
map.o: map.c map.h idmap.h ipfix.h parse.h
parse.o: parse.c parse.h
sink.o: sink.c sink.h

units: $(UNITS)

$(UNITS): $(LIBOBJS) tests/unit.h
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) -I. $(LDFLAGS) -o $@ $@.c $(LIBOBJS) $(LIBS)

# Each unit test is rebuilt when its source changes.  These lines have no
# recipe of their own: the one above builds every unit test.
tests/unit_parse: tests/unit_parse.c
tests/unit_ipfix: tests/unit_ipfix.c
tests/unit_idmap: tests/unit_idmap.c
tests/unit_filter: tests/unit_filter.c
tests/unit_sink: tests/unit_sink.c

deps:
	sh tests/deps.sh build

check-deps:
	sh tests/deps.sh test

check: check-deps all units tests/bench_gen
	sh tests/run.sh

# The whole suite again with AddressSanitizer and UndefinedBehaviorSanitizer.
# Objects built without them would count as up to date, so everything is
# rebuilt from clean, and cleaned again after (so that no sanitizer build is
# left behind for make install), quietly: the run's "N passed" line stays last.
ASAN_CFLAGS =	-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=all
ASAN_LDFLAGS =	-fsanitize=address,undefined

check-asan: check-deps
	$(MAKE) clean
	$(MAKE) all units CFLAGS="$(ASAN_CFLAGS)" LDFLAGS="$(ASAN_LDFLAGS)"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    sh tests/run.sh || { $(MAKE) clean >/dev/null; exit 1; }
	@$(MAKE) clean >/dev/null

# The CLI tests with the binary under valgrind (an error or a definite leak
# is status 99, which no test expects).
VALGRIND =	valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite
check-valgrind: check-deps all units
	FL2IPFIX_WRAP="$(VALGRIND)" sh tests/run.sh t_cli.sh t_broken.sh

# libFuzzer harnesses: the line parser, and the whole pipeline (main()
# renamed, its IPFIX output checked by the harness).  CI runs each for 30 s;
# a longer run is make fuzz FUZZ_SECONDS=3600.
FUZZ_CC =	clang
FUZZ_SECONDS =	20
FUZZFLAGS =	-g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all
FUZZERS =	tests/fuzz_parse tests/fuzz_pipeline

fuzzers: $(FUZZERS)

tests/fuzz_parse: tests/fuzz_parse.c parse.c parse.h
	$(FUZZ_CC) -std=c11 $(WARN) $(FUZZFLAGS) $(CPPFLAGS) -I. -o $@ \
	    tests/fuzz_parse.c parse.c

tests/fuzz_pipeline: tests/fuzz_pipeline.c fl2ipfix.c $(LIBSRCS) $(HEADERS)
	$(FUZZ_CC) -std=c11 $(WARN) -Wno-missing-prototypes $(FUZZFLAGS) \
	    $(CPPFLAGS) $(ISAL_CPPFLAGS_$(ISAL)) -Dmain=fl2ipfix_main -I. -o $@ \
	    tests/fuzz_pipeline.c fl2ipfix.c $(LIBSRCS) $(LIBS)

fuzz: $(FUZZERS)
	sh tests/fuzz.sh $(FUZZ_SECONDS)

# Convert samples/ (the Quick start in README.md).  The build packages are
# installed first (as root), before anything is compiled, even under make -j.
demo:
	sh tests/deps.sh build
	$(MAKE) all
	./fl2ipfix --stats -N samples/names.tsv -o demo.ipfix samples/*.log
	@echo "demo.ipfix: `wc -c <demo.ipfix` bytes of IPFIX from samples/*.log;" \
	    "look inside with: ipfixDump -i demo.ipfix, or tshark -r demo.ipfix -O cflow"

# The benchmark (tests/bench.sh): BENCH_RECORDS, BENCH_RUNS, BENCH_DIR.
BENCH =		tests/bench_gen tests/bench_ref

bench: all $(BENCH)
	sh tests/bench.sh

tests/bench_gen: tests/bench_gen.c
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ tests/bench_gen.c

tests/bench_ref: tests/bench_ref.c
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ tests/bench_ref.c

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	cp fl2ipfix $(DESTDIR)$(BINDIR)/fl2ipfix
	chmod 755 $(DESTDIR)$(BINDIR)/fl2ipfix
	cp fl2ipfix.1 $(DESTDIR)$(MANDIR)/man1/fl2ipfix.1
	chmod 644 $(DESTDIR)$(MANDIR)/man1/fl2ipfix.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/fl2ipfix $(DESTDIR)$(MANDIR)/man1/fl2ipfix.1

clean:
	rm -f fl2ipfix *.o $(UNITS) $(FUZZERS) $(BENCH) demo.ipfix

.PHONY: all units deps check-deps check check-asan check-valgrind fuzzers fuzz \
	demo bench install uninstall clean
