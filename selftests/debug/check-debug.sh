#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
#   check-debug.sh [--flavour debug|kcsan]
#
# The selftests on a kernel built to report what stock kernels let pass,
# in one of two flavours (they cannot share a kernel):
#
#   debug (make check-debug, the default, part of .ci/run): the whole suite
#     under KASAN (out-of-bounds, use-after-free, also in vmalloc memory),
#     lockdep (PROVE_LOCKING, PROVE_RCU), DEBUG_ATOMIC_SLEEP, DEBUG_LIST,
#     DEBUG_OBJECTS and kmemleak;
#   kcsan (make check-kcsan, not part of .ci/run): the concurrent tests
#     under KCSAN, which reports data races (two CPUs, or a task and an
#     interrupt, accessing the same memory without marking, at least one of
#     them writing).
#
#   1. build-kernel.sh --flavour F: the kernel from linux-source-7.3
#      (trixie-backports, the newest line listenq supports) and F's config
#      (debug.config; debug.config's base and kcsan.config), built in the
#      trixie chroot with its gcc-14 and cached in $LQ_DEBUG_CACHE (default
#      /var/cache/listenq); only the first run builds it (about 20-30 min on
#      2 busy cores)
#   2. listenq.ko against that tree in the same chroot, W=1 + sparse,
#      warnings fatal (so instrumented like the kernel)
#   3. the selftests and the listenq tool, as make check builds them; only
#      the test binaries named in LQ_DEBUG_TESTS stay (defaults below)
#   4. boot it under QEMU with selftests/qemu/boot.sh and run.sh. debug: two
#      guests side by side; run.sh clears kmemleak first, scans twice at the
#      end, and checks that lockdep is still on. kcsan: one guest with
#      panic_on_warn=0 (KCSAN panics on its first report otherwise)
#   5. debug: the console must show each checker initialised and no report
#      of any. kcsan: each "BUG: KCSAN:" report in which a frame is
#      listenq's ([listenq]) fails, unless its title is in kcsan-benign.txt
#      (a race the module cannot avoid, with the reason); the others are
#      printed and do not fail; anything else on the console is judged as
#      in the debug flavour's guests.
#
# debug runs the tests that drive the module's own code: its probes, reads,
# parameters, load and unload, and allocations that fail; command_test too,
# the listenq command on one namespace, which switches the probes on and
# off and reads the histograms. allns_test tests the command across many
# namespaces and cgroups, synq_test the kernel's queue caps as the module
# reads them: they run on the 13 Debian kernels of make check, not here. kcsan runs those that run the SYN path, the hooks, /proc
# readers and load/unload side by side. LQ_DEBUG_TESTS='fault_test
# probes_test' keeps only the named test binaries (run.sh's own checks,
# kmemleak included, still run); LQ_DEBUG_TIMEOUT is the whole guest's
# limit in seconds.
#
# The last line is "N passed, N failed, N skipped"; the exit status is
# non-zero if anything failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rig=$repo/selftests/qemu
flavour=debug
case "${1:-}" in
"") ;;
--flavour) flavour=${2:-} ;;
*) sed -n '4s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
build=${LQ_BUILD:-$repo/build}/$flavour
version=$(cat "$repo/VERSION")
jobs=$(nproc)
# Time limits, scaled for an instrumented kernel under TCG: each test
# binary's and each test's own limit times LQ_TIMEOUT_SCALE, the whole
# guest LQ_DEBUG_TIMEOUT seconds. The limits only detect a hang;
# lq_wait_until() scales its own with LQ_TIMEOUT_SCALE too.
export LQ_TIMEOUT_SCALE=${LQ_TIMEOUT_SCALE:-5}
case $flavour in
debug)
	# fault_test alone takes over 20 minutes here (probes=1 is made with
	# each of its 150+ allocations failed in turn).
	guest_timeout=${LQ_DEBUG_TIMEOUT:-6000}
	# Everything costs several times more here than on Debian's kernels:
	# the tests' long loops run at a quarter of their length
	# (lq_scaled()): 5000 threads blocked in accept() (queue_stats_test's
	# floor) still exhaust the accept kretprobe.
	export LQ_SCALE=${LQ_SCALE:-25}
	tests="fault_test probes_test stress_test input_test queue_stats_test proc_test"
	tests=${LQ_DEBUG_TESTS:-$tests acceptq_test security_test tfo_test command_test}
	;;
kcsan)
	# KCSAN's instrumentation calls into the runtime on every memory
	# access, and TCG runs it.
	guest_timeout=${LQ_DEBUG_TIMEOUT:-3000}
	export LQ_SCALE=${LQ_SCALE:-50}
	tests=${LQ_DEBUG_TESTS:-probes_test stress_test queue_stats_test}
	;;
*)
	echo "check-debug: no flavour '$flavour' (debug or kcsan)" >&2
	exit 2
	;;
esac
unset MAKEFLAGS MFLAGS MAKELEVEL
# shellcheck source=selftests/qemu/lib.sh
. "$rig/lib.sh"

mkdir -p "$build"
exec 8>"$build/.lock"
flock -n 8 || { echo "check-$flavour: waiting for another run using $build"; flock 8; }
"$rig/deps.sh" || { tally deps fail; summary; }

# 1. the kernel
t=$SECONDS
if ! tree=$("$here/build-kernel.sh" --flavour "$flavour" 2> >(tee "$build/kernel.log" >&2)); then
	tally "$flavour kernel" fail "log: $build/kernel.log"
	summary
fi
kver=$(cat "$tree/include/config/kernel.release")
bzimage=$tree/arch/x86/boot/bzImage
tally "$flavour kernel $kver" pass "$((SECONDS - t))s, $(sed -n 's/^built //p' "$tree/../stamp"); $tree"

# 2. the module, as strictly as check.sh builds it, in the chroot that built
# the tree (bind-mounted there at its own path)
root=$("$rig/chroot.sh" --root trixie)
export LQ_CHROOT_BINDS="$tree ${LQ_CHROOT_BINDS:-}"
# C=1 runs sparse only if the tree's checker-valid.sh accepts it, and
# trixie's own sparse is too old for 7.3: kernels.sh --fetch (make check's
# first step, cached) builds a newer one into the chroot.
if [ "$(in_root "$root" "$tree/scripts/checker-valid.sh" sparse 2>/dev/null)" != 1 ]; then
	echo "check-$flavour: the trixie chroot's sparse is too old for $kver; kernels.sh --fetch"
	"$rig/kernels.sh" --fetch >"$build/fetch.log" 2>&1 || { tail -n 20 "$build/fetch.log"; }
fi
src=$build/src
strict_build "build $kver" "$tree" "$repo" "$src" "$build/build.log" "$root" || summary

# 3. the guest's programs: the named test binaries of those make check builds,
# with the kselftest harness of the kernel's own tree
bins=$build/selftests
rm -rf "$bins"
if make -C "$repo/selftests" -j"$jobs" O="$bins" KSRC="$tree" >"$build/selftests.log" 2>&1 &&
	make -s -C "$repo/tools" -j"$jobs" static O="$build/tools-static" >>"$build/selftests.log" 2>&1 &&
	cp "$build/tools-static/listenq" "$bins/"; then
	for t in "$bins"/*_test; do
		case " $tests " in
		*" ${t##*/} "*) ;;
		*) rm -f "$t" ;;
		esac
	done
	kept=$(cd "$bins" && echo *_test)
	# debug boots a guest for run.sh's own checks even without one (below)
	if [ "$kept" = '*_test' ] && [ "$flavour" = kcsan ]; then
		tally selftests fail "none of '$tests' was built"
		summary
	fi
	tally selftests pass "$kept"
else
	tail -n 30 "$build/selftests.log" | sed 's/^/#   /'
	tally selftests fail "log: $build/selftests.log"
	summary
fi

debug_guests() {
	# 4. debug: the guests, two side by side: QEMU runs single-threaded TCG, a host
	# core each, and the tests split in two halves of about equal time (the
	# first list below, about 820 s alone on this kernel before command_test
	# joined it, not yet timed here; the others, about 880 s: fault_test 370,
	# probes_test 260, stress_test 180, input_test 70).
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
	first=" queue_stats_test proc_test acceptq_test security_test tfo_test command_test "
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
}

debug_judge() {
	# 5. debug: the checkers were on, and none of them said anything. boot.sh already
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
}

kcsan_guest() {
	# 4. kcsan: the guest. KCSAN reports are WARN-class: with boot.sh's panic_on_warn=1
	# the first one would end the run. The hung-task limit (120 s, and boot.sh
	# panics on it) is scaled like the others: in stress_test, a probes=1 write
	# spent more than 120 s in ftrace_set_regex() (matching every ftrace record
	# by name, each memory access a call into KCSAN's runtime under TCG) while
	# holding the module's parameter lock that rmmod waits for.
	out=$build/qemu
	t=$SECONDS
	"$rig/boot.sh" --kver "$kver" --kernel "$bzimage" --module "$src/listenq.ko" \
		--tests "$bins" --out "$out" --timeout "$guest_timeout" --mem 1G \
		--append "panic_on_warn=0 sysctl.kernel.hung_task_timeout_secs=$((120 * LQ_TIMEOUT_SCALE))"
	guest_secs=$((SECONDS - t))
	read -r p f s <"$out/summary" || { p=0 f=1 s=0; }
	console=$out/console.log
}

kcsan_judge() {
	# 5. kcsan: KCSAN's reports, one file each in $out/kcsan/: the title (what follows
	# "BUG: KCSAN: ") on the first line, then the report up to its closing
	# "=====" line. PRINTK_TIME prefixes every line with "[    1.234567] ", the
	# serial console ends it with CR LF.
	rm -rf "$out/kcsan"
	mkdir -p "$out/kcsan"
	awk -v dir="$out/kcsan" '
		{ line = $0; sub(/\r$/, "", line); sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line) }
		/BUG: KCSAN: / {
			n++; f = sprintf("%s/%03d", dir, n)
			title = line; sub(/^.*BUG: KCSAN: /, "", title)
			print title >f; inrep = 1; next
		}
		inrep && line ~ /^=+$/ { inrep = 0; close(f); next }
		inrep { print line >f }
	' "$console"
	# The console without those reports, for everything else.
	awk '
		{ line = $0; sub(/\r$/, "", line); sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line) }
		/BUG: KCSAN: / { inrep = 1; next }
		inrep && line ~ /^=+$/ { inrep = 0; next }
		!inrep
	' "$console" >"$out/console.other"

	# boot.sh counted a failure for any BUG: on the console, and the guest's
	# dmesg-clean one for any BUG line in dmesg: KCSAN's reports are judged
	# below instead, so those two stand only if something else is there too.
	# The patterns are boot.sh's and run.sh's.
	if [ -s "$out/console.bad" ]; then
		if grep -qE 'WARNING:|BUG:|Call Trace|Kernel panic' "$out/console.other"; then
			echo "# the console shows kernel trouble besides KCSAN's reports"
		else
			f=$((f - 1))
		fi
	fi
	# shellcheck disable=SC2016 # run.sh's assignments, evaluated by sh
	dmesg_bad=$(grep '^DMESG_BAD=' "$rig/run.sh" | sh -c '. /dev/stdin && echo "$DMESG_BAD"')
	if grep -q '^not ok [0-9]* dmesg-clean$' "$out/results.ktap"; then
		if [ -z "$dmesg_bad" ] || grep -qE "$dmesg_bad" "$out/console.other"; then
			echo "# dmesg-clean: bad lines besides KCSAN's reports"
		else
			f=$((f - 1)) p=$((p + 1))
			echo "# dmesg-clean: its bad lines are KCSAN's reports, judged below"
		fi
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))

	if grep -q 'kcsan: selftest: \([0-9]*\)/\1 tests passed' "$console" &&
		grep -q 'kcsan: enabled early' "$console"; then
		tally "kcsan on" pass "$(sed -n 's/^.*kcsan: \(selftest: .*\)$/\1/p' "$console" | head -n 1)"
	else
		tally "kcsan on" fail "no 'kcsan: enabled early' or passed selftest in the console"
	fi

	# kcsan-benign.txt: "<title> | <reason>" lines, # comments.
	is_benign() {
		local title=$1 a b
		a=${title#data-race in }
		b=${a#* / }
		[ "$b" = "$a" ] || b="data-race in $b / ${a%% / *}"
		sed 's/#.*//; s/[[:space:]]*|.*$//; s/^[[:space:]]*//' "$here/kcsan-benign.txt" 2>/dev/null |
			grep -qxF -e "$title" -e "$b"
	}
	bad=0 known=0 other=0
	for r in "$out/kcsan"/[0-9]*; do
		[ -f "$r" ] || continue
		title=$(head -n 1 "$r")
		if grep -q '\[listenq\]' "$r"; then
			if is_benign "$title"; then
				known=$((known + 1))
				echo "# KCSAN, listed benign: $title"
			else
				bad=$((bad + 1))
				echo "# KCSAN report with listenq on the stack: $title"
				sed 's/^/#   /' "$r"
			fi
		else
			other=$((other + 1))
			echo "$title" >>"$out/kcsan/elsewhere"
		fi
	done
	# The others by title, with how often each came (reports: $out/kcsan/).
	if [ -f "$out/kcsan/elsewhere" ]; then
		sort "$out/kcsan/elsewhere" | uniq -c | sort -rn |
			sed 's/^ *\([0-9]*\) \(.*\)$/# KCSAN, not involving listenq (not counted): \2 (x\1)/'
	fi
	if [ $bad != 0 ]; then
		tally "kcsan races in listenq" fail "$bad report(s), $known benign, $other elsewhere; $out/kcsan"
	else
		tally "kcsan races in listenq" pass "none; $known listed benign, $other not involving listenq"
	fi
	echo "# check-kcsan: guest ${guest_secs}s, kernel $(sed -n 's/^built //p' "$tree/../stamp")"
}

case $flavour in
debug) debug_guests; debug_judge ;;
kcsan) kcsan_guest; kcsan_judge ;;
esac
summary
