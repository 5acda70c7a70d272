#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-kcsan: the concurrent selftests on a KCSAN kernel, which reports
# data races (two CPUs, or a task and an interrupt, accessing the same
# memory without marking, at least one of them writing). KCSAN cannot share
# a kernel with KASAN: this is a lane of its own, not part of .ci/run.
#
#   1. build-kernel.sh --flavour kcsan: linux-source-7.3 with debug.config's
#      base and kcsan.config (KCSAN, lockdep), built in the trixie chroot and
#      cached in $LQ_DEBUG_CACHE (default /var/cache/listenq) as kcsan-<key>
#   2. listenq.ko against that tree, W=1 + sparse, warnings fatal (so
#      instrumented by KCSAN, like the kernel)
#   3. the selftests, as make check builds them; only the binaries named in
#      LQ_KCSAN_TESTS stay (default: probes_test stress_test
#      queue_stats_test, those that exist): the ones that run the SYN path,
#      the hooks, /proc readers and load/unload side by side
#   4. boot it under QEMU with boot.sh and run.sh, panic_on_warn=0 (KCSAN
#      panics on its first report otherwise)
#   5. each "BUG: KCSAN:" report on the console: one in which a frame is
#      listenq's ([listenq]) fails, unless its title is in kcsan-benign.txt
#      (a race the module cannot avoid, with the reason); the others are
#      printed and do not fail. Everything else on the console is judged as
#      in make check-debug: any other BUG, WARNING or lockdep report fails.
#
# The last line is "N passed, N failed, N skipped"; the exit status is
# non-zero if anything failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rig=$repo/selftests/qemu
build=${LQ_BUILD:-$repo/build}/kcsan
benign=$here/kcsan-benign.txt
version=$(cat "$repo/VERSION")
jobs=$(nproc)
# Scaled as for the debug kernel: KCSAN's instrumentation calls into the
# runtime on every memory access, and TCG runs it.
export LQ_TIMEOUT_SCALE=${LQ_TIMEOUT_SCALE:-5}
guest_timeout=${LQ_KCSAN_TIMEOUT:-3000}
export LQ_SCALE=${LQ_SCALE:-50}
tests=${LQ_KCSAN_TESTS:-probes_test stress_test queue_stats_test}
unset MAKEFLAGS MFLAGS MAKELEVEL
# shellcheck source=selftests/qemu/lib.sh
. "$rig/lib.sh"

mkdir -p "$build"
exec 8>"$build/.lock"
flock -n 8 || { echo "check-kcsan: waiting for another run using $build"; flock 8; }
"$rig/deps.sh" || { tally deps fail; summary; }

# 1. the kernel
t=$SECONDS
if ! tree=$("$here/build-kernel.sh" --flavour kcsan 2> >(tee "$build/kernel.log" >&2)); then
	tally "kcsan kernel" fail "log: $build/kernel.log"
	summary
fi
kver=$(cat "$tree/include/config/kernel.release")
bzimage=$tree/arch/x86/boot/bzImage
tally "kcsan kernel $kver" pass "$((SECONDS - t))s, $(sed -n 's/^built //p' "$tree/../stamp"); $tree"

# 2. the module, as check-debug.sh builds it
root=$("$rig/chroot.sh" --root trixie)
export LQ_CHROOT_BINDS="$tree ${LQ_CHROOT_BINDS:-}"
if [ "$(in_root "$root" "$tree/scripts/checker-valid.sh" sparse 2>/dev/null)" != 1 ]; then
	echo "check-kcsan: the trixie chroot's sparse is too old for $kver; kernels.sh --fetch"
	"$rig/kernels.sh" --fetch >"$build/fetch.log" 2>&1 || { tail -n 20 "$build/fetch.log"; }
fi
src=$build/src
strict_build "build $kver" "$tree" "$repo" "$src" "$build/build.log" "$root" || summary

# 3. the guest's programs: the named ones of those make check builds
bins=$build/selftests
rm -rf "$bins"
if make -C "$repo/selftests" -j"$jobs" O="$bins" >"$build/selftests.log" 2>&1; then
	for t in "$bins"/*; do
		if [ ! -f "$t" ] || [ ! -x "$t" ]; then continue; fi
		case " $tests " in
		*" ${t##*/} "*) ;;
		*) rm -f "$t" ;;
		esac
	done
	kept=$(cd "$bins" && echo *_test)
	if [ "$kept" = '*_test' ]; then
		tally selftests fail "none of '$tests' was built"
		summary
	fi
	tally selftests pass "$kept"
else
	tail -n 30 "$build/selftests.log" | sed 's/^/#   /'
	tally selftests fail "log: $build/selftests.log"
	summary
fi

# 4. the guest. KCSAN reports are WARN-class: with boot.sh's panic_on_warn=1
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

# 5. KCSAN's reports, one file each in $out/kcsan/: the title (what follows
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
	sed 's/#.*//; s/[[:space:]]*|.*$//; s/^[[:space:]]*//' "$benign" 2>/dev/null |
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
summary
