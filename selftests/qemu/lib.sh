# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the rig's scripts (check.sh, lint.sh, check-debug.sh,
# packaging/test-deb.sh, boot.sh, bench/boot.sh): one line per result, the
# summed last line that .ci/run adds up, the one strict module build they
# all hold to, what differs between the architectures the rig tests
# (arch_setup), and the guests' initramfs and kernel command line.
passed=0 failed=0 skipped=0
summary_file=		# also write "P F S" there, for a parent script

# The guests' userland on this machine's architecture, and what lists its
# applets for every architecture: busybox-static's /bin/busybox, unpacked
# into the cache by deps.sh, never installed on this machine (the package
# brings an initramfs-tools hook).
busybox_bin=${LQ_CACHE:-$(cd "${BASH_SOURCE[0]%/*}/../.." && pwd)/.cache}/tools/bin/busybox

# tally NAME pass|fail|skip [WHY]
tally() {
	case $2 in
	pass) passed=$((passed + 1)); echo "$1: ok${3:+ ($3)}" ;;
	fail) failed=$((failed + 1)); echo "$1: FAILED${3:+ ($3)}" ;;
	skip) skipped=$((skipped + 1)); echo "$1: skipped${3:+ ($3)}" ;;
	esac
}

# summary: print "N passed, N failed, N skipped" and exit, non-zero if any failed.
summary() {
	[ -z "$summary_file" ] || echo "$passed $failed $skipped" >"$summary_file"
	echo "$passed passed, $failed failed, $skipped skipped"
	[ $failed = 0 ]
	exit
}

# copy_sources FROM DIR: a fresh copy of FROM's module sources in DIR.
# External modules cannot build out of tree before 6.13, and a fresh tree
# makes sparse (C=1) look at every file every time.
copy_sources() {
	rm -rf "$2" && mkdir -p "$2" && cp -r "$1"/{Kbuild,VERSION,module,include} "$2"/
}

# in_root ROOT CMD...: CMD on this machine (ROOT "-") or in the build
# chroot ROOT (kernels.sh --list), where $LQ_BUILD has its own path too.
in_root() {
	local root=$1
	shift
	if [ "$root" = - ]; then
		"$@"
	else
		LQ_BUILD=$build "${BASH_SOURCE[0]%/*}/chroot.sh" --run "$root" "$@"
	fi
}

# arch_setup ARCH: everything that differs between the architectures of the
# rig's kernels (kernels.sh --list's third column, Debian's names), chosen
# here and nowhere else. The guests run the same init, runner and tests.
#   A_KMAKE    make arguments of a module build: arm64's 6.1 and 5.10
#              headers want CROSS_COMPILE, 6.12 and 7.x force it themselves
#   A_CROSS    CROSS_COMPILE of the guest's static binaries ("" for native)
#   A_CC       their C compiler
#   A_BUSYBOX  the guest's busybox-static: this machine's architecture's
#              is busybox_bin, another's kernels.sh --fetch's
#   A_DKMS     dkms's --arch, uname -m's name
#   A_ELF      the Machine of a module built for it (readelf -h)
#   A_QEMU     qemu-system-* and its machine and CPU
#   A_CONSOLE  the console's device
#   A_SERIAL   after "-serial chardev:con" (the console): the serial ports
#              that make the guest's ttyS1 (chardev res, results.ktap) and
#              ttyS2 (chardev art, artifacts.txt)
# arm64's virt machine has one PL011 (ttyAMA0, the console); Debian's arm64
# kernels have the 8250 PCI driver built in, so a pci-serial-4x gives
# ttyS0..3 as on x86. -cpu max emulates pointer authentication with QARMA,
# which is slow under TCG: pauth-impdef=on keeps PAC with a cheap hash.
arch_setup() {
	local cache=${LQ_CACHE:-$(cd "${BASH_SOURCE[0]%/*}/../.." && pwd)/.cache}
	A_ARCH=$1
	A_BUSYBOX=$cache/busybox-$1/busybox
	[ "$1" != "$(dpkg --print-architecture)" ] || A_BUSYBOX=$busybox_bin
	case $1 in
	amd64)
		A_KMAKE=() A_CROSS= A_CC=gcc A_DKMS=x86_64
		A_ELF="Advanced Micro Devices X86-64"
		A_QEMU=(qemu-system-x86_64 -machine q35 -cpu max) A_CONSOLE=ttyS0
		A_SERIAL=(-serial chardev:res -serial chardev:art)
		;;
	arm64)
		A_KMAKE=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) A_CROSS=aarch64-linux-gnu-
		A_CC=aarch64-linux-gnu-gcc A_DKMS=aarch64
		A_ELF=AArch64
		A_QEMU=(qemu-system-aarch64 -machine virt -cpu max,pauth-impdef=on) A_CONSOLE=ttyAMA0
		A_SERIAL=(-chardev null,id=s0 -chardev null,id=s3
			-device pci-serial-4x,chardev1=s0,chardev2=res,chardev3=art,chardev4=s3)
		;;
	*)
		echo "lib.sh: the rig does not know architecture '$1'" >&2
		return 1
		;;
	esac
}

# mkcpio DIR: a newc archive of DIR on stdout, byte-identical for identical
# contents: sorted names, fixed owner, inode numbers and mtimes.
mkcpio() {
	(cd "$1" && find . -exec touch -h -d @0 {} + &&
		find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --reproducible --quiet | gzip -n -1)
}

# initramfs PAYLOAD OUT: a guest's initramfs in OUT for arch_setup's
# architecture: the kernel-independent base (/init and busybox with its
# applet links), then the archive of the directory PAYLOAD (the module, the
# runner and what it runs); the kernel unpacks them in that order. The base
# is built once per architecture, again only when an input changes, in
# $LQ_BUILD/qemu; guests boot side by side: one builds it, the others wait
# and reuse it. The applet list is this machine's busybox's (busybox_bin):
# the other architectures' busybox-static is from this machine's suite too,
# the same version.
initramfs() {
	local rig=${BASH_SOURCE[0]%/*} build_dir base
	build_dir=${LQ_BUILD:-$(cd "$rig/../.." && pwd)/build}
	base=$build_dir/qemu/base-$A_ARCH.cpio.gz
	mkdir -p "${base%/*}" || return 1
	(
		exec 7>"$base.lock" && flock 7 || exit 1
		if [ -s "$base" ] && [ "$base" -nt "$rig/init.c" ] &&
			[ "$base" -nt "$A_BUSYBOX" ] && [ "$base" -nt "$rig/lib.sh" ]; then
			exit 0
		fi
		[ -x "$busybox_bin" ] ||
			{ echo "lib.sh: no $busybox_bin: selftests/qemu/deps.sh unpacks it" >&2; exit 1; }
		root=$(mktemp -d) || exit 1
		trap 'rm -rf "$root"' EXIT
		mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc} &&
			"$A_CC" -static -Os -Wall -Wextra -Werror -o "$root/init" "$rig/init.c" &&
			cp "$A_BUSYBOX" "$root/bin/busybox" || exit 1
		for applet in $("$busybox_bin" --list-full); do
			[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
		done
		mkcpio "$root" >"$base.tmp" && mv "$base.tmp" "$base"
	) || { echo "lib.sh: cannot build the base initramfs $base" >&2; return 1; }
	mkcpio "$1" >"$2/payload.cpio.gz" &&
		cat "$base" "$2/payload.cpio.gz" >"$2/initrd.img"
}

# guest_cmdline EXTRA...: the guests' kernel command line. Every
# kernel-side failure must end the VM, never hang it: panic on oops,
# warning and soft lockup, and panic=-1 with QEMU's -no-reboot turn a panic
# into an exit.
guest_cmdline() {
	echo "console=$A_CONSOLE panic=-1 oops=panic panic_on_warn=1 softlockup_panic=1" \
		"hung_task_panic=1 rdinit=/init" "$@"
}

# sources_id FROM: what a module build depends on in FROM, as one hash.
sources_id() {
	(cd "$1" && tar -c --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		Kbuild VERSION module include | sha256sum | cut -d' ' -f1)
}

# strict_build NAME KDIR FROM DIR LOG [ROOT] [ARCH]: FROM's module copied to DIR
# and built against KDIR, in ROOT (in_root), with W=1, sparse (C=1) and
# -Werror; a warning from anything (gcc, sparse, modpost) fails it, and so
# does a C=1 that ran no sparse. DIR must be under $build. Tallies NAME;
# returns non-zero on failure. Uses the caller's $jobs and $version.
# A passed build leaves DIR.ok, what it was built from; with
# LQ_REUSE_BUILDS=1 (make lint after make check, in .ci/run) a build
# whose DIR.ok says the same sources, kernel and flags is not done again.
# shellcheck disable=SC2154
strict_build() {
	local name=$1 kdir=$2 from=$3 dir=$4 log=$5 root=${6:--} arch=${7:-amd64} t=$SECONDS rc id
	arch_setup "$arch" || return 1
	id="$(sources_id "$from") $kdir $root $version ${A_KMAKE[*]} W=1 C=1 LISTENQ_WERROR=1"
	if [ "${LQ_REUSE_BUILDS:-0}" = 1 ] && [ "$(cat "$dir.ok" 2>/dev/null)" = "$id" ] &&
		[ -f "$dir/listenq.ko" ]; then
		tally "$name" pass "the same sources' build of $(date -r "$dir.ok" +%H:%M:%S), log: $log"
		return 0
	fi
	rm -f "$dir.ok"
	copy_sources "$from" "$dir" 2>"$log" &&
		in_root "$root" make -C "$kdir" M="$dir" -j"$jobs" "${A_KMAKE[@]}" W=1 C=1 LISTENQ_WERROR=1 \
			LISTENQ_VERSION="$version" modules >"$log" 2>&1
	rc=$?
	# kbuild prints "CHECK <file>" for each file sparse looked at.
	[ $rc != 0 ] || grep -q '^  CHECK ' "$log" || { echo "no sparse run (no CHECK line)" >>"$log"; rc=1; }
	if [ $rc != 0 ] || grep -Eqi 'warning:|error:|sparse is not available' "$log"; then
		grep -Ei 'warning:|error:' "$log" | head -n 40 | sed 's/^/#   /'
		[ $rc != 0 ] && tail -n 20 "$log" | sed 's/^/#   /'
		tally "$name" fail "log: $log"
		return 1
	fi
	echo "$id" >"$dir.ok"
	tally "$name" pass "$((SECONDS - t))s"
}
