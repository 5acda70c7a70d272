#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one kernel under QEMU (TCG, no network) with listenq and the test
# binaries in an initramfs, and judge the run from the host side.
#
#   boot.sh --kver K --kernel VMLINUZ --module KO --tests DIR --out OUTDIR
#           [--arch ARCH] [--timeout S] [--append EXTRA] [--params 'P=V ...']
#           [--mem SIZE] [--demo] [--extra DIR]
#
# --extra DIR: DIR's tree copied into the guest's / as it is (make demo's
# ss, its libraries and loader, and the kernel's diag modules).
# ARCH is the kernel's Debian architecture (amd64, the default, or arm64;
# lib.sh's arch_setup says what differs); the tests must be built for it.
# LQ_QEMU_ACCEL overrides the accelerator (default tcg,thread=single),
# LQ_TEST_TIMEOUT the per-binary limit of selftests/settings, and
# LQ_TIMEOUT_SCALE (integer) multiplies both that and each test's own limit
# in the harness (for slow debug kernels), and LQ_SCALE (a percentage)
# shortens the tests' long loops (lq_scaled() in selftests/lib/lq_test.h).
#
# The guest writes KTAP to ttyS1 (OUTDIR/results.ktap); ttyS0 is the console
# (OUTDIR/console.log, streamed to the terminal with --demo); tests write
# files for host-side checks to ttyS2 (OUTDIR/artifacts.txt), as blocks
# "--- listenq-artifact NAME", the content, "--- end NAME". Prints
# "qemu K: N passed, N failed, N skipped", also saved in OUTDIR/summary,
# and exits non-zero if anything failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
timeout=300 append= params= mode=test kver= kernel= module= tests= out= mem=1G arch=amd64 extra=
while [ $# -gt 0 ]; do
	case $1 in
	--kver) kver=$2 ;;
	--kernel) kernel=$2 ;;
	--module) module=$2 ;;
	--tests) tests=$2 ;;
	--out) out=$2 ;;
	--timeout) timeout=$2 ;;
	--append) append=$2 ;;
	--params) params=$2 ;;
	--mem) mem=$2 ;;
	--arch) arch=$2 ;;
	--extra) extra=$2 ;;
	--demo) mode=demo; shift; continue ;;
	*) sed -n '7,14s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
	shift 2
done
for v in kver kernel module out; do
	[ -n "${!v}" ] || { echo "boot.sh: --$v is required" >&2; exit 2; }
done
# shellcheck source=selftests/qemu/lib.sh
. "$here/lib.sh"
arch_setup "$arch" || exit 2
mkdir -p "$out"
out=$(cd "$out" && pwd)
exec 9>"$out/.lock"
flock -n 9 || { echo "boot.sh: $out is in use by another run" >&2; exit 1; }
# Per-binary limit from the kselftest-style settings file; a binary may
# have its own ("timeout.stress_test=150").
settings=$repo/selftests/settings
per_test=${LQ_TEST_TIMEOUT:-$(sed -n 's/^timeout=//p' "$settings" 2>/dev/null)}
per_test=${per_test:-60}
scale=${LQ_TIMEOUT_SCALE:-1}
per_test=$((per_test * scale))
# "LQ_TIMEOUT_<binary>=<seconds>" lines for the guest's environment file.
own_timeouts() {
	local name secs
	sed -n 's/^timeout\.\([A-Za-z0-9_]*\)=\([0-9]*\)$/\1 \2/p' "$settings" 2>/dev/null |
		while read -r name secs; do
			echo "LQ_TIMEOUT_$name='$((secs * scale))'"
		done
}

# Every parameter that is not a string, each with values that no integer
# or bool parser accepts (kstrtobool takes anything starting with y, n, 1, 0
# or o): negative, huge, non-numeric and empty. The guest checks that each
# one refuses the load and that the kernel log names the parameter.
bad_params() {
	local strings p v
	strings=$(modinfo -F parmtype "$module" | sed -n 's/^\([^:]*\):\(charp\|string\)$/\1/p')
	for p in $(modinfo -F parm "$module" | sed 's/:.*//' | grep -vxF "$strings"); do
		for v in -1 99999999999999999999 bogus ''; do
			echo "$p=$v"
		done
	done | xargs
}

# The kernel-specific part: module, tests, runner and their settings.
payload() {
	local root=$1 f
	rm -rf "$root"
	mkdir -p "$root/lib/modules/$kver/extra" "$root/selftests/qemu" "$root/etc"
	cp "$module" "$root/lib/modules/$kver/extra/listenq.ko"
	cp "$here/run.sh" "$root/selftests/qemu/run.sh"
	[ -z "$extra" ] || cp -a "$extra/." "$root/"
	for f in "${tests:-/nonexistent}"/*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		if readelf -l "$f" 2>/dev/null | grep -q 'INTERP'; then
			echo "boot.sh: warning: $f is not static and cannot run in the guest" >&2
		fi
		cp "$f" "$root/selftests/"
	done
	cat >"$root/etc/listenq-test.env" <<-EOF
	LQ_KVER='$kver'
	LQ_MODE='$mode'
	LQ_PARAMS='$params'
	LQ_BAD_PARAMS='$(bad_params)'
	LQ_TIMEOUT='$per_test'
	LQ_TIMEOUT_SCALE='$scale'
	LQ_SCALE='${LQ_SCALE:-}'
	$(own_timeouts)
	LQ_GUEST_TIMEOUT='$((timeout * 9 / 10))'
	EOF
}

payload "$out/payload" && initramfs "$out/payload" "$out" || exit 1

if [ $mode = demo ]; then
	console=(-chardev "stdio,id=con,signal=off,logfile=$out/console.log")
else
	console=(-chardev "file,id=con,path=$out/console.log")
fi
cmdline=$(guest_cmdline "$append")
: >"$out/results.ktap"
: >"$out/artifacts.txt"
start=$(date +%s)
qrc=0
# Single-threaded TCG. With a host thread per vCPU (QEMU 7.2's default),
# re-arming listenq's kprobes on Debian 6.12 now and then ends in "Oops: int3"
# at tcp_conn_request+0x5 (the ftrace site), an int3 that neither kprobes
# nor text_poke claimed: 5 of 27 runs, against 0 of 25 single-threaded.
# Both vCPUs still interleave, and runs take just as long.
accel=${LQ_QEMU_ACCEL:-tcg,thread=single}
timeout --foreground -k 10 "$timeout" \
	"${A_QEMU[@]}" -accel "$accel" -smp 2 -m "$mem" \
	-nodefaults -no-user-config -display none -no-reboot -monitor none -nic none \
	"${console[@]}" -serial chardev:con \
	-chardev "file,id=res,path=$out/results.ktap" -chardev "file,id=art,path=$out/artifacts.txt" \
	"${A_SERIAL[@]}" \
	-kernel "$kernel" -initrd "$out/initrd.img" -append "$cmdline" \
	</dev/null 2>"$out/qemu.log" || qrc=$?
secs=$(($(date +%s) - start))
sed 's/^/# qemu: /' "$out/qemu.log"

# Judge. Each host-side finding is one failure on top of the KTAP counts.
extra=0
console_tail() { echo "# last 60 console lines:"; tail -n 60 "$out/console.log" | sed 's/^/#   /'; }
if ! grep -q '^KTAP version 1' "$out/results.ktap"; then
	echo "# qemu $kver: boot failure, no KTAP header (qemu rc=$qrc, ${secs}s)"
	grep '^Bail out!' "$out/results.ktap" | sed 's/^/# /' || true
	console_tail
	counts="0 1 0"
else
	[ $mode = demo ] || cat "$out/results.ktap"
	summary=$(awk -f "$here/ktap-summary.awk" "$out/results.ktap" | tail -n 1) || true
	counts=$(echo "$summary" | sed 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/')
	if ! grep -q '^# listenq-qemu: end rc=' "$out/results.ktap"; then
		case $qrc in
		124 | 137) what="timed out after ${timeout}s" ;;
		*) grep -q '^Bail out! guest watchdog' "$out/results.ktap" &&
			what="hit the guest watchdog" || what="crashed" ;;
		esac
		echo "# qemu $kver: guest $what (no end marker, qemu rc=$qrc)"
		console_tail
		extra=$((extra + 1))
	elif ! grep -q '^# listenq-qemu: end rc=0$' "$out/results.ktap"; then
		echo "# qemu $kver: the guest runner failed"
		extra=$((extra + 1))
	fi
fi
# The guest's dmesg-clean cannot see what happens after it ran, or a panic.
if grep -E 'WARNING:|BUG:|Call Trace|Kernel panic' "$out/console.log" >"$out/console.bad"; then
	echo "# qemu $kver: console shows kernel trouble:"
	head -n 40 "$out/console.bad" | sed 's/^/#   /'
	extra=$((extra + 1))
fi

read -r p f s <<<"$counts"
f=$((f + extra))
echo "$p $f $s" >"$out/summary"
echo "# qemu $kver: ${secs}s, logs in $out"
echo "qemu $kver: $p passed, $f failed, $s skipped"
[ "$f" = 0 ]
