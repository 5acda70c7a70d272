#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one kernel with the benchmark in its initramfs.
#
#   bench/boot.sh --kver K --kernel VMLINUZ --module KO --bin DIR --diag DIR
#                 --out OUTDIR [--timeout S] [--mem SIZE] [--args 'LQBENCH OPTIONS']
#
# The guest is the test rig's (selftests/qemu/boot.sh): its /init
# (selftests/qemu/init.c) and busybox, the same QEMU machine and kernel
# command line, single-threaded TCG (LQ_QEMU_ACCEL overrides it), no network
# device. What differs: more memory (100k requests and 50k sockets), `quiet`,
# the guest clock and CPU count (below), the console on the terminal, and a
# payload whose
# /selftests/qemu/run.sh is bench/guest.sh, with lqbench, syngen and any
# other file of --bin in /bench, Debian's inet_diag and tcp_diag (--diag),
# and Debian's ss with the libraries it links.
#
# The guest clock counts instructions (-icount shift=0,sleep=on: 1 ns per
# guest instruction), so a loaded host cannot move the results. Under
# icount the guest has one vCPU: QEMU 7.2 never brings up 6.1's second one
# (the boot stops at "x86: Booting SMP configuration"), and two vCPUs on one
# host thread added no capacity anyway. BENCH_ICOUNT=0 gives the test rig's
# guest exactly: the host's clock and -smp 2. BENCH_QEMU_EXTRA adds other
# QEMU options.
#
# OUTDIR gets results.txt (the result port), console.log and qemu.log.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
rig=$repo/selftests/qemu
# shellcheck source=selftests/qemu/lib.sh
. "$rig/lib.sh"
timeout=900 mem=2G args= kver= kernel= module= bin= diag= out=
while [ $# -gt 0 ]; do
	case $1 in
	--kver) kver=$2 ;;
	--kernel) kernel=$2 ;;
	--module) module=$2 ;;
	--bin) bin=$2 ;;
	--diag) diag=$2 ;;
	--out) out=$2 ;;
	--timeout) timeout=$2 ;;
	--mem) mem=$2 ;;
	--args) args=$2 ;;
	*) sed -n '6,7s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
	shift 2
done
for v in kver kernel module bin diag out; do
	[ -n "${!v}" ] || { echo "bench/boot.sh: --$v is required" >&2; exit 2; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

# newc archive of directory $1 on stdout, as the rig builds them.
mkcpio() {
	(cd "$1" && find . -exec touch -h -d @0 {} + &&
		find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --reproducible --quiet | gzip -n -1)
}

# The rig's kernel-independent archive: its /init and busybox (lib.sh's
# busybox_bin, which deps.sh unpacks).
base_archive() {
	local base=$out/../base.cpio.gz root applet
	if [ -s "$base" ] && [ "$base" -nt "$rig/init.c" ] && [ "$base" -nt "$busybox_bin" ]; then
		echo "$base"
		return
	fi
	root=$(mktemp -d)
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc}
	gcc -static -Os -Wall -Wextra -Werror -o "$root/init" "$rig/init.c" || return 1
	cp "$busybox_bin" "$root/bin/busybox" || return 1
	for applet in $("$busybox_bin" --list-full); do
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done
	mkcpio "$root" >"$base.tmp" && mv "$base.tmp" "$base"
	rm -rf "$root"
	echo "$base"
}

# ss and every library it links, at the paths its loader looks in.
copy_ss() {
	local root=$1 ss lib
	ss=$(command -v ss) || { echo "bench/boot.sh: no ss on this machine (iproute2)" >&2; return 1; }
	install -D -m 0755 "$ss" "$root/usr/bin/ss"
	for lib in $(ldd "$ss" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
		case $lib in
		*/ld-linux*) install -D -m 0755 "$(readlink -f "$lib")" "$root/lib64/${lib##*/}" ;;
		*) install -D -m 0644 "$(readlink -f "$lib")" "$root/lib/x86_64-linux-gnu/${lib##*/}" ;;
		esac
	done
}

payload_archive() {
	local root=$out/payload m
	rm -rf "$root"
	mkdir -p "$root/lib/modules/$kver/extra" "$root/lib/modules/$kver/kernel/net/ipv4" \
		"$root/selftests/qemu" "$root/etc" "$root/bench"
	cp "$module" "$root/lib/modules/$kver/extra/listenq.ko"
	for m in inet_diag tcp_diag; do
		cp "$diag/$m.ko" "$root/lib/modules/$kver/kernel/net/ipv4/"
	done
	install -m 0755 "$here/guest.sh" "$root/selftests/qemu/run.sh"
	install -m 0755 "$bin"/* "$root/bench/"
	copy_ss "$root"
	cat >"$root/etc/listenq-test.env" <<-EOF
	LQ_KVER='$kver'
	LQ_GUEST_TIMEOUT='$((timeout * 9 / 10))'
	LQ_BENCH_ARGS='$args'
	EOF
	mkcpio "$root" >"$out/payload.cpio.gz"
}

base=$(base_archive) || { echo "bench/boot.sh: cannot build the base initramfs" >&2; exit 1; }
payload_archive
cat "$base" "$out/payload.cpio.gz" >"$out/initrd.img"

# The rig's command line (selftests/qemu/boot.sh), plus quiet: the drop log
# is KERN_INFO and must not be paced by the emulated serial port.
cmdline="console=ttyS0 panic=-1 oops=panic panic_on_warn=1 softlockup_panic=1"
cmdline="$cmdline hung_task_panic=1 rdinit=/init quiet"
: >"$out/results.txt"
accel=${LQ_QEMU_ACCEL:-tcg,thread=single}
icount=() smp=2
[ "${BENCH_ICOUNT:-1}" = 0 ] || icount=(-icount shift=0,sleep=on) smp=1
qrc=0
timeout --foreground -k 10 "$timeout" \
	qemu-system-x86_64 -accel "$accel" -machine q35 -cpu max -smp "$smp" -m "$mem" \
	-nodefaults -no-user-config -display none -no-reboot -monitor none -nic none \
	-chardev "stdio,id=con,signal=off,logfile=$out/console.log" -serial chardev:con \
	-serial "file:$out/results.txt" \
	"${icount[@]}" ${BENCH_QEMU_EXTRA:-} \
	-kernel "$kernel" -initrd "$out/initrd.img" -append "$cmdline" \
	</dev/null 2>"$out/qemu.log" || qrc=$?
sed 's/^/# qemu: /' "$out/qemu.log" >&2
if ! grep -q '^=== table end ===' "$out/results.txt"; then
	echo "bench/boot.sh: $kver: no result table (qemu rc=$qrc); $out/results.txt:" >&2
	tail -n 30 "$out/results.txt" | sed 's/^/#   /' >&2
	exit 1
fi
