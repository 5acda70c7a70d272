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
# make check KERNEL=<bzImage> KDIR=<kernel build tree> tests that one kernel.
KERNEL        ?=
RIG           := selftests/qemu

ifneq ($(V),1)
MAKEFLAGS += --no-print-directory
endif

.DELETE_ON_ERROR:
.PHONY: all module clean install deps kernels selftests check check-build dkms-check demo help \
	tools check-debug check-kcsan lint bench deb

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) LISTENQ_VERSION=$(VERSION) modules

clean:
	if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	if [ -f selftests/Makefile ]; then $(MAKE) -C selftests O=$(CURDIR)/build/selftests clean; fi
	rm -rf build

install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR)) -a $(KERNELRELEASE)

deps:
	$(RIG)/deps.sh

kernels: deps
	$(RIG)/kernels.sh --fetch

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
	$(MAKE) -C tools O=$(CURDIR)/build/tools

# Debug kernel lane (KASAN, lockdep, kmemleak): selftests/debug/.
check-debug:
	@selftests/debug/check-debug.sh

# KCSAN lane (data races), a kernel of its own; not part of .ci/run.
check-kcsan:
	@selftests/debug/check-kcsan.sh

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
	@echo 'Build and install (KERNELRELEASE=$(KERNELRELEASE)):'
	@echo '  all, module   build listenq.ko against KDIR=$(KDIR)'
	@echo '  install       modules_install into /lib/modules/<kver>/updates, then depmod'
	@echo '  clean         remove kbuild output and build/'
	@echo
	@echo 'Test (thirteen Debian kernels, 5.10 to 7.3, x86-64 and arm64, under QEMU, see selftests/qemu/):'
	@echo '  check         deps, kernels, W=1/sparse builds, selftests, QEMU boots, dkms;'
	@echo '                ends with "N passed, N failed, N skipped"'
	@echo '  check KERNEL=<bzImage> KDIR=<build tree>   the same on one kernel of your own'
	@echo '  check-build   only the warning-free builds'
	@echo '  dkms-check    only dkms add/build, in a private dkms tree under build/dkms'
	@echo '  selftests     build the static test binaries into build/selftests'
	@echo '  demo          boot the newest kernel and watch /proc/listenq while a listener is flooded'
	@echo '  deps          install the Debian packages the rig needs (as root)'
	@echo '  kernels       install headers (arm64: in chroots) and extract the kernels into .cache/kernels'
	@echo '  check-kcsan   probes, stress and queue_stats selftests on a KCSAN kernel built from'
	@echo '                linux-source-7.3 (cached); a data race with listenq on the stack fails'
