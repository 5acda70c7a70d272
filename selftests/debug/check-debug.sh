#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: the whole selftest suite on a debug kernel that reports
# what stock kernels let pass: KASAN (out-of-bounds, use-after-free, also in
# vmalloc memory), lockdep (PROVE_LOCKING, PROVE_RCU), DEBUG_ATOMIC_SLEEP,
# DEBUG_LIST, DEBUG_OBJECTS and kmemleak.
#
#   1. build-kernel.sh: the kernel from linux-source-7.3 (trixie-backports,
#      the newest line listenq supports) and debug.config, built in the
#      trixie chroot with its gcc-14 and cached in $LQ_DEBUG_CACHE (default
#      /var/cache/listenq); only the first run builds it (about 20-30 min on
#      2 busy cores)
#   2. listenq.ko against that tree in the same chroot, W=1 + sparse,
#      warnings fatal
#   3. the selftests and the listenq tool, as make check builds them
#   4. boot it under QEMU with selftests/qemu/boot.sh and run.sh: run.sh
#      clears kmemleak first, scans twice at the end, and checks that
#      lockdep is still on
#   5. the console must show each checker initialised and no report of any
#
# The tests are those that drive the module's own code: its probes, reads,
# parameters, load and unload, and allocations that fail. allns_test and
# listenq_cli_test test the listenq command, synq_test the kernel's queue
# caps as the module reads them: they run on the 13 Debian kernels of make
# check, not here. LQ_DEBUG_TESTS='fault_test probes_test' keeps only the
# named test binaries (run.sh's own checks, kmemleak included, still run).
#
# The last line is "N passed, N failed, N skipped"; the exit status is
# non-zero if anything failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rig=$repo/selftests/qemu
build=${LQ_BUILD:-$repo/build}/debug
version=$(cat "$repo/VERSION")
jobs=$(nproc)
# Time limits, scaled for a KASAN + lockdep kernel under TCG: each test
# binary's and each test's own limit times LQ_TIMEOUT_SCALE, the whole
# guest LQ_DEBUG_TIMEOUT seconds.
export LQ_TIMEOUT_SCALE=${LQ_TIMEOUT_SCALE:-5}
# fault_test alone takes over 20 minutes here (probes=1 is made with each
# of its 150+ allocations failed in turn).
guest_timeout=${LQ_DEBUG_TIMEOUT:-6000}
# Everything costs several times more here than on Debian's kernels: the
# tests' long loops run at a quarter of their length (lq_scaled()): 5000
# threads blocked in accept() (queue_stats_test's floor) still exhaust the
# accept kretprobe. The limits above only detect a hang; lq_wait_until()
# scales its own with LQ_TIMEOUT_SCALE too.
export LQ_SCALE=${LQ_SCALE:-25}
tests="fault_test probes_test stress_test input_test queue_stats_test proc_test"
tests=${LQ_DEBUG_TESTS:-$tests acceptq_test security_test tfo_test}
unset MAKEFLAGS MFLAGS MAKELEVEL
# shellcheck source=selftests/qemu/lib.sh
. "$rig/lib.sh"



mkdir -p "$build"
exec 8>"$build/.lock"
flock -n 8 || { echo "check-debug: waiting for another run using $build"; flock 8; }
"$rig/deps.sh" || { tally deps fail; summary; }

# 1. the kernel
t=$SECONDS
if ! tree=$("$here/build-kernel.sh" 2> >(tee "$build/kernel.log" >&2)); then
	tally "debug kernel" fail "log: $build/kernel.log"
	summary
fi
kver=$(cat "$tree/include/config/kernel.release")
bzimage=$tree/arch/x86/boot/bzImage
tally "debug kernel $kver" pass "$((SECONDS - t))s, $(sed -n 's/^built //p' "$tree/../stamp"); $tree"

# 2. the module, as strictly as check.sh builds it, in the chroot that built
# the tree (bind-mounted there at its own path)
root=$("$rig/chroot.sh" --root trixie)
export LQ_CHROOT_BINDS="$tree ${LQ_CHROOT_BINDS:-}"
# C=1 runs sparse only if the tree's checker-valid.sh accepts it, and
# trixie's own sparse is too old for 7.3: kernels.sh --fetch (make check's
# first step, cached) builds a newer one into the chroot.
if [ "$(in_root "$root" "$tree/scripts/checker-valid.sh" sparse 2>/dev/null)" != 1 ]; then
	echo "check-debug: the trixie chroot's sparse is too old for $kver; kernels.sh --fetch"
	"$rig/kernels.sh" --fetch >"$build/fetch.log" 2>&1 || { tail -n 20 "$build/fetch.log"; }
fi
src=$build/src
strict_build "build $kver" "$tree" "$repo" "$src" "$build/build.log" "$root" || summary

# 3. the guest's programs
bins=$build/selftests
rm -rf "$bins"
if make -C "$repo/selftests" -j"$jobs" O="$bins" >"$build/selftests.log" 2>&1 &&
	make -s -C "$repo/tools" -j"$jobs" static O="$build/tools-static" >>"$build/selftests.log" 2>&1 &&
	cp "$build/tools-static"/{listenq,listenq_cli_test} "$bins/"; then
	for t in "$bins"/*_test; do
		case " $tests " in
		*" ${t##*/} "*) ;;
		*) rm -f "$t" ;;
		esac
	done
	tally selftests pass "$(cd "$bins" && echo *_test)"
else
	tail -n 30 "$build/selftests.log" | sed 's/^/#   /'
	tally selftests fail "log: $build/selftests.log"
	summary
fi

# 4. the guests, two side by side: QEMU runs single-threaded TCG, a host
# core each, and the tests split in two halves of about equal time (the
# first list below, about 820 s alone on this kernel; the others, about 880
# s: fault_test 370, probes_test 260, stress_test 180, input_test 70).
# Each guest also runs run.sh's own checks, kmemleak and lockdep included.
# 2 GB each: KASAN's shadow is an eighth of memory, kmemleak keeps a record
# per object, and input_test loads max_listeners=1048576 (100 MB).
# no5lvl: 4-level paging. With 5-level paging (QEMU's -cpu max has LA57) an
# interrupt that lands in identify_cpu(), between its memset() of
# x86_capability and the CPUID reads, finds X86_FEATURE_LA57 clear, so
# pgtable_l5_enabled() and with it KASAN_SHADOW_START are the 4-level ones,
# and KASAN reports "wild-memory-access in do_raw_spin_lock" from
# handle_edge_irq() and panics, before /init (upstream: "kasan: Fix
# false-positive wild-memory-access on x86 under 5-level paging", LKML
# 2026-06; not in 7.3.4). It hit 2 boots of 14 on a loaded machine, and CI.
first=" queue_stats_test proc_test acceptq_test security_test tfo_test "
outs=()
for g in 1 2; do
	d=$build/guest$g
	rm -rf "$d" && mkdir -p "$d"
	for f in "$bins"/*; do
		case $f in
		*_test) case "$first" in *" ${f##*/} "*) [ $g = 1 ] ;; *) [ $g = 2 ] ;; esac ;;
		*) true ;;
		esac && ln -s "$f" "$d/"
	done
	# a half with no test binary (LQ_DEBUG_TESTS) boots only if both have none
	if ! ls "$d"/*_test >/dev/null 2>&1 && { [ $g = 2 ] || ls "$bins"/*_test >/dev/null 2>&1; }; then
		continue
	fi
	outs+=("$build/qemu$g")
	"$rig/boot.sh" --kver "$kver" --kernel "$bzimage" --module "$src/listenq.ko" \
		--tests "$d" --out "$build/qemu$g" --timeout "$guest_timeout" --mem 2G \
		--append no5lvl >"$build/boot$g.log" 2>&1 &
done
wait
for out in "${outs[@]}"; do
	cat "$build/boot${out##*qemu}.log"
	read -r p f s <"$out/summary" || { p=0 f=1 s=0; }
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

# 5. The checkers were on, and none of them said anything. boot.sh already
# fails on WARNING, BUG, Call Trace and panics; these are the reports that
# look otherwise, and lines that only debug kernels print.
reports='BUG: KASAN|KASAN:|kmemleak: [0-9]+ new suspected|unreferenced object'
reports="$reports|possible (recursive|circular) locking|inconsistent lock state"
reports="$reports|suspicious RCU usage|sleeping function called from invalid context"
reports="$reports|DEBUG_LOCKS_WARN_ON|turning off the locking correctness validator"
reports="$reports|list_(add|del) corruption|ODEBUG:|INFO: task .* blocked|rcu: INFO:"
reports="$reports|Disabling lock debugging|WARNING:|BUG:|Oops|Call Trace|Kernel panic"
for out in "${outs[@]}"; do
	console=$out/console.log
	name="debug guest ${out##*qemu}"
	missing=
	for on in 'KernelAddressSanitizer initialized' 'Lock dependency validator' \
		'kmemleak: Kernel memory leak detector initialized'; do
		grep -qF "$on" "$console" || missing="$missing '$on'"
	done
	if [ -n "$missing" ]; then
		tally "$name: checkers on" fail "not in the console:$missing"
	else
		tally "$name: checkers on" pass "KASAN, lockdep, kmemleak"
	fi
	if grep -E "$reports" "$console" >"$out/reports"; then
		echo "# reports on the console:"
		head -n 60 "$out/reports" | sed 's/^/#   /'
		tally "$name: reports" fail "$(wc -l <"$out/reports") lines, see $console"
	else
		tally "$name: reports" pass "none"
	fi
done
summary
