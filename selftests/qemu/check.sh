#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What `make check`, `make check-build`, `make dkms-check` and `make demo` run.
#
#   check.sh [all]   deps, kernels, then for each kernel: build (W=1, sparse,
#                    -Werror, any warning fails), selftests, QEMU boot, dkms
#   check.sh build   only the module builds
#   check.sh dkms    only the dkms builds
#   check.sh demo    build for the newest non-RT kernel and boot it into demo.c
#   check.sh guests  builds, selftests and QEMU boots only (no dkms, no deb)
#
# LQ_KERNELS=REGEX keeps the kernels whose release matches (awk ~), for a
# quick loop on one line; LQ_BUILD=DIR keeps two such loops apart.
# Every build and every guest result counts as a test; the last line is
# "N passed, N failed, N skipped" and the exit status is non-zero if
# anything failed. KERNEL=<bzImage> KDIR=<build tree> replaces the Debian
# kernels with that one kernel.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
src=${LQ_SRC:-$repo}		# module sources; the rig's own tests point this elsewhere
build=${LQ_BUILD:-$repo/build}
cache=${LQ_CACHE:-$repo/.cache}
version=$(cat "$src/VERSION")
jobs=$(nproc)
# We call make ourselves; the parent make's jobserver is not ours to use.
unset MAKEFLAGS MFLAGS MAKELEVEL
# shellcheck source=selftests/qemu/lib.sh
. "$here/lib.sh"



# Fills kvers[] and kdir[kver]/vmlinuz[kver]: the Debian kernels, or the one
# given as KERNEL + KDIR.
declare -a kvers
declare -A kdir vmlinuz kroot
kernels() {
	local k
	if [ -n "${KERNEL:-}" ]; then
		if [ -z "${KDIR:-}" ] || [ ! -f "$KDIR/include/config/kernel.release" ]; then
			echo "check: KERNEL needs KDIR=<kernel build tree>" >&2
			return 1
		fi
		# UTS_RELEASE is what `uname -r` and the module's vermagic say;
		# Debian's header trees put the upstream version in kernel.release.
		k=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$KDIR/include/generated/utsrelease.h" 2>/dev/null)
		k=${k:-$(cat "$KDIR/include/config/kernel.release")}
		kvers=("$k")
		kdir[$k]=$(realpath "$KDIR")
		vmlinuz[$k]=$(realpath "$KERNEL")
		kroot[$k]=-
		return
	fi
	local t=$SECONDS root
	"$here/kernels.sh" --fetch >"$build/fetch.log" 2>&1 || { cat "$build/fetch.log"; return 1; }
	while read -r k root; do
		kvers+=("$k")
		kdir[$k]=/lib/modules/$k/build
		kroot[$k]=$root
		vmlinuz[$k]=$cache/kernels/$k/vmlinuz
	done < <("$here/kernels.sh" --list | awk -v re="${LQ_KERNELS:-.}" '$1 ~ re')
	[ ${#kvers[@]} -gt 0 ] || { echo "check: no kernel matches LQ_KERNELS=${LQ_KERNELS:-}" >&2; return 1; }
	echo "kernels: ${kvers[*]} ($((SECONDS - t))s)"
}

setup() {
	mkdir -p "$build"
	# Two runs sharing build/ would overwrite each other's logs and guests.
	exec 8>"$build/.lock"
	flock -n 8 || { echo "check: waiting for another run using $build"; flock 8; }
	"$here/deps.sh" || { tally deps fail; summary; }
	kernels || { tally kernels fail; summary; }
}

# build KVER: the strict build (lib.sh) of the module for one kernel.
build() {
	mkdir -p "$build/$1"
	strict_build "build $1" "${kdir[$1]}" "$src" "$build/$1/src" "$build/$1/build.log" "${kroot[$1]}"
}

# The selftests' own Makefile produces static *_test binaries in build/selftests.
selftests() {
	local log=$build/selftests.log
	if [ ! -f "$src/selftests/Makefile" ]; then
		tally selftests skip "no selftests/Makefile yet"
		return
	fi
	# From scratch, so a binary whose source is gone cannot linger in the guest.
	rm -rf "$build/selftests"
	if make -C "$src/selftests" -j"$jobs" O="$build/selftests" >"$log" 2>&1; then
		tally selftests pass
	else
		tail -n 30 "$log" | sed 's/^/#   /'
		tally selftests fail "log: $log"
	fi
}

# The listenq command: host tests on recorded samples, and static binaries
# (listenq, listenq_cli_test) that join the guest's selftests.
tools() {
	local log=$build/tools.log p f
	make -s -C "$src/tools" -j"$jobs" test O="$build/tools" >"$log" 2>&1
	read -r p _ f _ < <(grep -E "^[0-9]+ passed, [0-9]+ failed$" "$log" | tail -n 1 | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 x \2 x/p')
	if [ -z "${p:-}" ]; then
		tail -n 30 "$log" | sed 's/^/#   /'
		tally "tools host tests" fail "log: $log"
	else
		[ "$f" = 0 ] || grep -v '^ok' "$log" | tail -n 40 | sed 's/^/#   /'
		passed=$((passed + p)) failed=$((failed + f))
		echo "tools host tests: $p passed, $f failed"
	fi
	if make -C "$src/tools" -j"$jobs" static O="$build/tools-static" >>"$log" 2>&1 &&
		cp "$build/tools-static"/{listenq,listenq_cli_test} "$build/selftests/"; then
		tally "tools static" pass
	else
		tail -n 30 "$log" | sed 's/^/#   /'
		tally "tools static" fail "log: $log"
	fi
}

# boots: every kernel's guest, $guests at a time (a single-threaded TCG
# guest keeps one core busy), each printed whole when it is done, in order.
# The limit is a hang detector: a guest takes 3-6 min on a busy 2-core machine.
guests=${LQ_GUESTS:-$(( jobs > 1 ? 2 : 1 ))}
boots() {
	local k p f s n=0 t=$SECONDS
	for k in "${kvers[@]}"; do
		rm -f "$build/$k/qemu/summary"
		[ -f "$build/$k/src/listenq.ko" ] || continue
		if [ $n -ge "$guests" ]; then
			wait -n || true
			n=$((n - 1))
		fi
		"$here/boot.sh" --kver "$k" --kernel "${vmlinuz[$k]}" --module "$build/$k/src/listenq.ko" \
			--tests "$build/selftests" --out "$build/$k/qemu" --timeout 1800 \
			>"$build/$k/boot.log" 2>&1 &
		n=$((n + 1))
	done
	wait
	for k in "${kvers[@]}"; do
		if [ ! -f "$build/$k/src/listenq.ko" ]; then
			tally "qemu $k" skip "no listenq.ko"
			continue
		fi
		cat "$build/$k/boot.log"
		read -r p f s <"$build/$k/qemu/summary" || { p=0 f=1 s=0; }
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	done
	echo "qemu: ${#kvers[@]} kernels, $guests at a time, in $((SECONDS - t))s"
}

# dkms add + build with every tree under build/dkms, so the system's dkms
# state is untouched: per kernel, in the environment its module is built
# in, with that suite's dkms (2.8 on bullseye, 3.0 on bookworm, 3.2 on
# trixie and sid). dkms generates a signing key on its first build;
# pointing it into build/dkms keeps /var/lib/dkms clean and still exercises
# the signing step users get. dkms 3.2 looks for the headers in the
# private --installtree, so a link there points to them; --kernelsourcedir
# would make dkms 2.8 "prepare" (mrproper) the headers. Last, a kernel older
# than the range must be skipped by BUILD_EXCLUSIVE_KERNEL (exit 77), not
# fail in the build.
dkms_one() {
	local k=$1 root=$2 kdir=$3 d=$build/dkms/$1 opts
	rm -rf "$d" && mkdir -p "$d/src/listenq-$version" "$d/tree" "$d/install"
	cp -r "$src"/{Kbuild,VERSION,module,include} "$repo"/{Makefile,dkms.conf} "$d/src/listenq-$version/"
	opts=(--sourcetree "$d/src" --dkmstree "$d/tree" --installtree "$d/install")
	mkdir -p "$d/install/$k"
	ln -s "/lib/modules/$k/build" "$d/install/$k/build"
	in_root "$root" env mok_signing_key="$d/mok.key" mok_certificate="$d/mok.pub" \
		dkms add -m listenq -v "$version" "${opts[@]}" >"$d/add.log" 2>&1 || return 1
	in_root "$root" env mok_signing_key="$d/mok.key" mok_certificate="$d/mok.pub" \
		dkms build -m listenq -v "$version" -k "$k" "${opts[@]}" \
		${kdir:+--kernelsourcedir "$kdir"} >"$d/build.log" 2>&1
}

dkms_check() {
	local k rc d old=4.19.0-27-cloud-amd64
	for k in "${kvers[@]}"; do
		d=$build/dkms/$k
		dkms_one "$k" "${kroot[$k]}" "${KERNEL:+${kdir[$k]}}"
		rc=$?
		case $rc in
		0) tally "dkms $k" pass ;;
		*) cat "$d/add.log" "$d/build.log" 2>/dev/null | tail -n 20 | sed 's/^/#   /'
		   tail -n 20 "$d/tree/listenq/$version/build/make.log" 2>/dev/null | sed 's/^/#   /'
		   tally "dkms $k" fail "rc=$rc, logs in $d" ;;
		esac
	done
	# Only the version matters to BUILD_EXCLUSIVE_KERNEL: any tree will do.
	mkdir -p "$build/dkms/$old-tree"
	dkms_one "$old" - "$build/dkms/$old-tree"
	rc=$?
	if [ $rc = 77 ]; then
		tally "dkms $old skipped" pass "outside BUILD_EXCLUSIVE_KERNEL"
	else
		tail -n 20 "$build/dkms/$old/build.log" | sed 's/^/#   /'
		tally "dkms $old skipped" fail "dkms build exited $rc, not 77"
	fi
}

# The Debian packages (packaging/test-deb.sh): make deb, lintian, install on
# this machine, DKMS builds for its kernels, an upgrade, a new kernel's
# hook, a boot with the module DKMS built, purge, nothing left; then the
# same in the 5.10 and 7.3 chroots. It needs Debian's kernels and their
# headers, so not with KERNEL=.
deb_check() {
	local p f s
	if [ -n "${KERNEL:-}" ]; then
		tally "deb" skip "the packages are tested on Debian's kernels, not KERNEL="
		return
	fi
	LQ_BUILD=$build LQ_CACHE=$cache "$repo/packaging/test-deb.sh" |
		grep -Ev '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'
	if read -r p f s <"$build/deb-test/summary" 2>/dev/null; then
		echo "deb: $p passed, $f failed, $s skipped"
	else
		p=0 f=1 s=0
		echo "deb: FAILED (packaging/test-deb.sh ended without a summary)"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# make demo: the newest non-RT kernel, a normal (not -Werror) build, demo.c
# as the only guest program, console on the terminal.
demo() {
	local k=${kvers[-1]} dir=$build/demo i
	for i in "${kvers[@]}"; do
		case $i in *-rt-*) ;; *) k=$i ;; esac
	done
	copy_sources "$src" "$dir/src" &&
		in_root "${kroot[$k]}" make -s -C "${kdir[$k]}" M="$dir/src" -j"$jobs" LISTENQ_VERSION="$version" modules &&
		mkdir -p "$dir/bin" &&
		gcc -static -O2 -Wall -Wextra -o "$dir/bin/demo" "$here/demo.c" &&
		"$here/boot.sh" --demo --kver "$k" --kernel "${vmlinuz[$k]}" --module "$dir/src/listenq.ko" \
			--tests "$dir/bin" --out "$dir/qemu" --timeout 120 --append "quiet" \
			--params "probes=1"
}

case ${1:-all} in
all)
	setup
	for k in "${kvers[@]}"; do build "$k"; done
	selftests
	tools
	boots
	dkms_check
	deb_check
	summary
	;;
build)
	setup
	for k in "${kvers[@]}"; do build "$k"; done
	summary
	;;
guests)
	setup
	for k in "${kvers[@]}"; do build "$k"; done
	selftests
	tools
	boots
	summary
	;;
dkms)
	setup
	dkms_check
	summary
	;;
deb)
	setup
	deb_check
	summary
	;;
demo)
	setup
	demo
	;;
*)
	sed -n '6,15s/^# \{0,1\}//p' "$0" >&2
	exit 2
	;;
esac
