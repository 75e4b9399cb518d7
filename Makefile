# kata: an OCI runtime that runs every container in its own QEMU micro-VM.
# GNU make. Outputs go under $(B). See README.md for `make demo` and `make check`.

B       ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= gcc
VERSION := 0.1.0
COMMIT  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

PKGS_HOST  = yajl libprotobuf-c mount libseccomp libcap
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS_HOST) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS_HOST) 2>/dev/null)

WARN     = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation
CPPFLAGS = -D_GNU_SOURCE -Ulinux -DKATA_VERSION='"$(VERSION)"' -DKATA_COMMIT='"$(COMMIT)"' \
	   -Ilibkata/include $(DIR_INC)
# Each part sees only the headers it may use: the CLI only kata.h, the agent not the host's.
LIB_INC  = -Icommon -I$(B)/gen/protos -Ilibkata -Ihypervisor -Ivsock
DIR_INC  = $(LIB_INC)
$(B)/obj/agent/%.o $(B)/san/agent/%.o: DIR_INC = -Icommon -I$(B)/gen/protos -Iagent
$(B)/obj/cmd/%.o: DIR_INC =
# The shim sees kata.h, the ttrpc framing and the generated protos, and nothing of libkata.
$(B)/obj/shim/%.o: DIR_INC = -Icommon -I$(B)/gen/protos -Ishim
# The guest image's install location, compiled in as libkata's last resort (see find_guest_file).
$(B)/obj/libkata/runtime_config.o $(B)/san/libkata/runtime_config.o: \
	CPPFLAGS += -DKATA_DATADIR='"$(PREFIX)/share/kata"'
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARN) -fPIC -fvisibility=hidden -MMD -MP $(PKG_CFLAGS)
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

PROTOS      = google/protobuf/empty ttrpc health oci types agent
PROTO_C     = $(PROTOS:%=$(B)/gen/protos/%.pb-c.c)
PROTO_H     = $(PROTOS:%=$(B)/gen/protos/%.pb-c.h)
COMMON_SRC  = $(wildcard common/*.c) $(PROTO_C)
# containerd's shim v2 API, for the shim only.
SHIM_PROTOS = google/protobuf/any google/protobuf/timestamp containerd/types/mount \
	      containerd/types/task containerd/task/shim containerd/events/task \
	      containerd/events/forward containerd/cgroups/metrics
SHIM_PROTO_C = $(SHIM_PROTOS:%=$(B)/gen/protos/%.pb-c.c)
SHIM_PROTO_H = $(SHIM_PROTOS:%=$(B)/gen/protos/%.pb-c.h)
SHIM_SRC    = $(wildcard shim/*.c)
AGENT_SRC   = $(wildcard agent/*.c)
LIB_SRC     = $(wildcard libkata/*.c hypervisor/*.c vsock/*.c)
CMD_SRC     = $(wildcard cmd/*.c)
UNIT_SRC    = $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(B)/obj/%.o,$(patsubst $(B)/%,%,$(1)))
san = $(patsubst %.c,$(B)/san/%.o,$(patsubst $(B)/%,%,$(1)))

COMMON_OBJ = $(call obj,$(COMMON_SRC))
AGENT_OBJ  = $(call obj,$(AGENT_SRC))
LIB_OBJ    = $(call obj,$(LIB_SRC))
CMD_OBJ    = $(call obj,$(CMD_SRC))
SHIM_OBJ   = $(call obj,$(SHIM_SRC) $(SHIM_PROTO_C))
UNIT_BIN   = $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))

GUEST = $(B)/guest/vmlinux $(B)/guest/initramfs.cpio

.PHONY: all deps demo check unit bats integration install clean format guest bundle bench fuzz soak
.DEFAULT_GOAL := all
.SECONDARY:

all: $(B)/kata $(B)/kata-agent $(B)/libkata.so $(B)/libkata.a $(B)/containerd-shim-kata-v2 guest

deps:
	@scripts/install-deps.sh

# --- generated protobuf code --------------------------------------------------------------
$(B)/gen/protos/%.pb-c.c $(B)/gen/protos/%.pb-c.h: protos/%.proto
	@mkdir -p $(B)/gen/protos
	protoc-c -Iprotos --c_out=$(B)/gen/protos $<

# --- objects --------------------------------------------------------------------------------
$(B)/obj/gen/%.o: $(B)/gen/%.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-error -c -o $@ $<
$(B)/obj/%.o: %.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
$(B)/san/gen/%.o: $(B)/gen/%.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -Wno-error -c -o $@ $<
$(B)/san/%.o: %.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -c -o $@ $<

# --- binaries -------------------------------------------------------------------------------
$(B)/libkata.a: $(LIB_OBJ) $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libkata.so: $(LIB_OBJ) $(COMMON_OBJ) libkata/libkata.map
	$(CC) -shared -Wl,-soname,libkata.so.0 -Wl,--version-script=libkata/libkata.map \
		-o $@ $(LIB_OBJ) $(COMMON_OBJ) $(PKG_LIBS)

$(B)/kata: $(CMD_OBJ) $(B)/libkata.a
	$(CC) -o $@ $(CMD_OBJ) $(B)/libkata.a $(PKG_LIBS)

# containerd's shim v2 for kata, built on libkata (see shim/).
$(SHIM_OBJ): | $(SHIM_PROTO_H)
$(B)/containerd-shim-kata-v2: $(SHIM_OBJ) $(B)/libkata.a
	$(CC) -o $@ $(SHIM_OBJ) $(B)/libkata.a $(PKG_LIBS)

# kata built with ASan/UBSan, for the leak test (tests/bats/leaks.bats); the monitor it forks
# runs LeakSanitizer before it exits. Not installed.
$(B)/kata-asan: $(call san,$(CMD_SRC) $(LIB_SRC) $(COMMON_SRC))
	$(CC) $(SAN) -o $@ $(filter %.o,$^) $(PKG_LIBS)

# The agent is PID 1 of the guest: fully static, so the initramfs needs nothing else.
$(B)/kata-agent: $(AGENT_OBJ) $(COMMON_OBJ)
	$(CC) -static -o $@ $(AGENT_OBJ) $(COMMON_OBJ) -lseccomp -lcap -lprotobuf-c

# --- guest image ----------------------------------------------------------------------------
guest: $(GUEST)

$(B)/guest/vmlinux: guest/kernel.fragment guest/build-kernel.sh
	guest/build-kernel.sh $(B)/guest

$(B)/guest/initramfs.cpio: $(B)/kata-agent guest/build-initramfs.sh
	guest/build-initramfs.sh $(B)/kata-agent $@

bundle: $(B)/bundle/config.json
$(B)/bundle/config.json: tests/make-bundle.sh
	tests/make-bundle.sh $(B)/bundle

# --- the README's two commands --------------------------------------------------------------
demo: deps
	$(MAKE) all bundle
	scripts/demo.sh $(B)

check: deps
	$(MAKE) all bundle
	$(MAKE) unit
	$(MAKE) bats
	$(MAKE) integration

# --- tests ----------------------------------------------------------------------------------
$(B)/tests/test_%: tests/unit/test_%.c $(call san,$(LIB_SRC) $(COMMON_SRC)) | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -Itests/unit -Iagent -o $@ $< \
		$(filter-out %.c,$(call san,$(LIB_SRC) $(COMMON_SRC))) $(PKG_LIBS) -lcmocka

$(B)/tests/recvtty: tests/tools/recvtty.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE $(WARN) -O2 -o $@ $<

# The agent's dispatch on the host under the sanitizers: its objects minus the PID 1 and
# channel parts, which the test stubs (an explicit rule: it wins over test_%).
AGENT_TESTED = $(filter-out agent/main.c agent/channel.c agent/init.c,$(AGENT_SRC))
$(B)/tests/test_agent_server: tests/unit/test_agent_server.c \
		$(call san,$(AGENT_TESTED) $(COMMON_SRC)) | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -Itests/unit -Iagent -o $@ $< \
		$(filter-out %.c,$(call san,$(AGENT_TESTED) $(COMMON_SRC))) $(PKG_LIBS) -lcmocka

# A long-running libkata client for scripts/soak.sh.
$(B)/tests/soak_client: tests/tools/soak_client.c $(B)/libkata.a
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE $(WARN) -O2 -Ilibkata/include -o $@ $< $(B)/libkata.a $(PKG_LIBS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; timeout 300 $$t; done

bats: all bundle $(B)/tests/recvtty $(B)/kata-asan
	KATA_BUILD=$(abspath $(B)) timeout 2400 bats --timing tests/bats

integration: all bundle
	@if ls tests/integration/*.bats >/dev/null 2>&1; then \
		KATA_BUILD=$(abspath $(B)) timeout 2400 bats --timing tests/integration; \
	else echo "integration: no client tests yet"; fi

# Not part of check: kata against a bare-QEMU floor, runc and crun; writes $(B)/bench/latest.json.
bench: all bundle
	bench/bench.sh $(B)

# Not part of check: libFuzzer targets (clang), FUZZ_SECONDS each; soak: SOAK_N run/delete cycles.
FUZZ_SECONDS ?= 60
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

SOAK_N ?= 1000
soak: all bundle $(B)/tests/soak_client
	KATA_BUILD=$(abspath $(B)) scripts/soak.sh $(SOAK_N)

# --- install --------------------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/kata \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/kata
	install -m 0755 $(B)/kata $(DESTDIR)$(PREFIX)/bin/kata
	install -m 0755 $(B)/containerd-shim-kata-v2 $(DESTDIR)$(PREFIX)/bin/containerd-shim-kata-v2
	install -m 0755 $(B)/libkata.so $(DESTDIR)$(PREFIX)/lib/libkata.so.0
	ln -sf libkata.so.0 $(DESTDIR)$(PREFIX)/lib/libkata.so
	install -m 0644 $(B)/libkata.a $(DESTDIR)$(PREFIX)/lib/libkata.a
	install -m 0644 libkata/include/kata.h $(DESTDIR)$(PREFIX)/include/kata/kata.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' libkata/kata.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/kata.pc
	install -m 0644 $(B)/guest/vmlinux $(DESTDIR)$(PREFIX)/share/kata/vmlinux
	install -m 0644 $(B)/guest/initramfs.cpio $(DESTDIR)$(PREFIX)/share/kata/initramfs.cpio
	install -d $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 0644 man/libkata.3 $(DESTDIR)$(PREFIX)/share/man/man3/libkata.3

format:
	clang-format -i $(wildcard */*.c */*.h libkata/include/*.h tests/unit/*.c tests/example/*.c tests/fuzz/*.c tests/fuzz/*.h)

clean:
	rm -rf $(B)/obj $(B)/san $(B)/gen $(B)/tests $(B)/bench $(B)/kata $(B)/kata-asan $(B)/kata-agent \
		$(B)/libkata.* $(B)/containerd-shim-kata-v2

-include $(shell find $(B)/obj $(B)/san -name '*.d' 2>/dev/null)
