# SPDX-License-Identifier: GPL-2.0
#
# listenq: build the module for one kernel, or test it on every supported
# kernel. The module's build rules live in Kbuild, the test rig in
# selftests/qemu/. `make help` lists the targets.

VERSION       := $(shell cat $(CURDIR)/VERSION 2>/dev/null)
# dkms passes KERNELRELEASE=<kver> on the command line, so this picks the
# kernel dkms is building for.
KERNELRELEASE ?= $(shell uname -r)
KDIR          ?= /lib/modules/$(KERNELRELEASE)/build
DESTDIR       ?=
# make install's command: $(DESTDIR)$(PREFIX)/bin/listenq (tools/Makefile).
PREFIX        ?= /usr/local
# make tools and make test build the command here, make install installs
# it from here (tools/Makefile's default too).
TOOLS_O       ?= $(CURDIR)/build/tools
# make check KERNEL=<bzImage> KDIR=<kernel build tree> tests that one kernel.
KERNEL        ?=
RIG           := selftests/qemu

ifneq ($(V),1)
MAKEFLAGS += --no-print-directory
endif

.DELETE_ON_ERROR:
.PHONY: all module clean install install-module install-tools deps kernels selftests check \
	check-build dkms-check demo help tools test check-debug check-kcsan lint bench deb

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) LISTENQ_VERSION=$(VERSION) modules

clean:
	if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	if [ -f selftests/Makefile ]; then $(MAKE) -C selftests O=$(CURDIR)/build/selftests clean; fi
	rm -rf build

install: install-module install-tools

# kbuild compiles nothing when listenq.ko is up to date: run make first, as
# yourself, and sudo make install writes nothing into the tree.
install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR)) -a $(KERNELRELEASE)

# The binary make tools built; rebuilt only if it is out of date.
install-tools:
	$(MAKE) -C tools O=$(TOOLS_O) PREFIX=$(PREFIX) install

deps:
	$(RIG)/deps.sh

kernels: deps
	$(RIG)/kernels.sh --fetch

# KSRC=<kernel source tree>: the kselftest harness of the kernel the tests run on.
selftests:
	$(MAKE) -C selftests O=$(CURDIR)/build/selftests

# check.sh prints its own summary as the last line and sets the exit status.
check:
	@KERNEL="$(KERNEL)" KDIR="$(if $(KERNEL),$(KDIR))" $(RIG)/check.sh all

check-build:
	@KERNEL="$(KERNEL)" KDIR="$(if $(KERNEL),$(KDIR))" $(RIG)/check.sh build

dkms-check:
	@KERNEL="$(KERNEL)" KDIR="$(if $(KERNEL),$(KDIR))" $(RIG)/check.sh dkms

demo:
	@$(RIG)/check.sh demo

tools:
	$(MAKE) -C tools O=$(TOOLS_O)

# Host only, no root, no kernel, no network: selftests/host/run.sh prints
# its own summary as the last line and sets the exit status.
test:
	@LQ_TOOLS_O=$(TOOLS_O) selftests/host/run.sh

# Debug kernel lane (KASAN, lockdep, kmemleak): selftests/debug/.
check-debug:
	@selftests/debug/check-debug.sh

# KCSAN lane (data races), a kernel of its own; not part of .ci/run.
check-kcsan:
	@selftests/debug/check-debug.sh --flavour kcsan

# checkpatch --strict, sparse and W=1 on every supported kernel.
lint:
	@selftests/qemu/lint.sh

# Not part of check: bench/README.md says what is measured and how.
bench:
	@bench/run.sh

# Debian packages listenq-dkms and listenq into build/deb: packaging/.
deb:
	@packaging/build-deb.sh

help:
	@echo 'listenq $(VERSION)'
	@echo
	@echo 'Build and install (KERNELRELEASE=$(KERNELRELEASE)); build as yourself, install with sudo:'
	@echo '  all, module     build listenq.ko against KDIR=$(KDIR)'
	@echo '  tools           build the listenq command into $(TOOLS_O)'
	@echo '  install         install-module and install-tools'
	@echo '  install-module  listenq.ko into /lib/modules/<kver>/updates, then depmod'
	@echo '  install-tools   $(TOOLS_O)/listenq into $(PREFIX)/bin, its man page'
	@echo '                  into $(PREFIX)/share/man/man8 (PREFIX=, DESTDIR=)'
	@echo '  deb             Debian packages listenq-dkms and listenq into build/deb (packaging/)'
	@echo '  clean           remove kbuild output and build/'
	@echo
	@echo 'Test on this machine (no root, no kernel, no network):'
	@echo '  test            the command, the model, the compat probes, make help, the packaging'
	@echo '                  files (under a minute); ends with "N passed, N failed, N skipped"'
	@echo
	@echo 'Test (thirteen Debian kernels, 5.10 to 7.3, x86-64 and arm64, under QEMU, see selftests/qemu/):'
	@echo '  check           deps, kernels, W=1/sparse builds, selftests, QEMU boots, dkms, packages;'
	@echo '                  ends with "N passed, N failed, N skipped"'
	@echo '  check KERNEL=<bzImage> KDIR=<build tree> [KSRC=<source tree>]   the same on one kernel'
	@echo '                  of your own, the selftests with its kselftest harness (KSRC, default KDIR)'
	@echo '  check-build     only the warning-free builds'
	@echo '  dkms-check      only dkms add/build, in a private dkms tree under build/dkms'
	@echo '  check-debug     the suite on a KASAN + lockdep + kmemleak kernel (selftests/debug/)'
	@echo '  check-kcsan     probes, stress and queue_stats selftests on a KCSAN kernel built from'
	@echo '                  linux-source-7.3 (cached); a data race with listenq on the stack fails'
	@echo '  lint            checkpatch --strict, sparse and W=1 on every supported kernel'
	@echo '  selftests       build the static test binaries into build/selftests, with the kselftest'
	@echo '                  harness of the kernel they will run on: KSRC=<its source tree>'
	@echo '  demo            one kernel under QEMU: ss beside listenq, explain, --watch while a listener is'
	@echo '                  flooded (root; about 140 MB cold into .cache, a minute)'
	@echo '  bench           the benchmarks, not part of check (bench/README.md)'
	@echo '  deps            install the Debian packages the rig needs (as root)'
	@echo '  kernels         install each kernel'"'"'s headers in its suite'"'"'s chroot, extract the kernels into .cache/kernels,'
	@echo '                  each kernel line'"'"'s kselftest harness into .cache/ksft'
	@echo '  help            this list'
