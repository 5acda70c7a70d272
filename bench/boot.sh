#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one kernel with the benchmark in its initramfs.
#
#   bench/boot.sh --kver K --kernel VMLINUZ --module KO --bin DIR --diag DIR
#                 --out OUTDIR [--arch ARCH] [--ss DIR] [--timeout S] [--mem SIZE]
#                 [--args 'LQBENCH OPTIONS']
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
# ARCH is the kernel's Debian architecture, amd64 (the default) or arm64:
# the rig's arch_setup (selftests/qemu/lib.sh) gives the machine, CPU,
# console, serial ports, compiler and busybox; --bin's programs must be
# built for it. amd64's guest is this machine's: its ss and libraries.
# Another architecture's ss comes as --ss DIR, a tree (usr/bin/ss, the
# loader and the libraries at their paths) copied into the guest's /.
# arm64's results come on the rig's pci-serial port (ttyS1) as on x86.
#
# OUTDIR gets results.txt (the result port), console.log and qemu.log.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
rig=$repo/selftests/qemu
# shellcheck source=selftests/qemu/lib.sh
. "$rig/lib.sh"
timeout=900 mem=2G args='' kver='' kernel='' module='' bin='' diag='' out='' arch=amd64 ss_tree=''
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
	--arch) arch=$2 ;;
	--ss) ss_tree=$2 ;;
	*) sed -n '6,8s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
	shift 2
done
for v in kver kernel module bin diag out; do
	[ -n "${!v}" ] || { echo "bench/boot.sh: --$v is required" >&2; exit 2; }
done
arch_setup "$arch" || exit 2
host_arch=$(dpkg --print-architecture)
[ "$arch" = "$host_arch" ] || [ -n "$ss_tree" ] ||
	{ echo "bench/boot.sh: --ss is required for $arch" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ss and every library it links, at the paths its loader looks in: this
# machine's, or --ss's tree.
copy_ss() {
	local root=$1 ss lib
	if [ -n "$ss_tree" ]; then
		[ -x "$ss_tree/usr/bin/ss" ] || { echo "bench/boot.sh: no usr/bin/ss in $ss_tree" >&2; return 1; }
		cp -a "$ss_tree/." "$root/"
		return
	fi
	ss=$(command -v ss) || { echo "bench/boot.sh: no ss on this machine (iproute2)" >&2; return 1; }
	install -D -m 0755 "$ss" "$root/usr/bin/ss"
	for lib in $(ldd "$ss" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
		case $lib in
		*/ld-linux*) install -D -m 0755 "$(readlink -f "$lib")" "$root/lib64/${lib##*/}" ;;
		*) install -D -m 0644 "$(readlink -f "$lib")" "$root/lib/x86_64-linux-gnu/${lib##*/}" ;;
		esac
	done
}

payload() {
	local root=$1 m
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
}

# The rig's initramfs (lib.sh): its base, then this payload.
payload "$out/payload" && initramfs "$out/payload" "$out" || exit 1

# The rig's command line, plus quiet: the drop log is KERN_INFO and must
# not be paced by the emulated serial port.
cmdline=$(guest_cmdline quiet)
: >"$out/results.txt"
accel=${LQ_QEMU_ACCEL:-tcg,thread=single}
icount=() smp=2
# shellcheck disable=SC2054 # one option and its value
[ "${BENCH_ICOUNT:-1}" = 0 ] || icount=(-icount shift=0,sleep=on) smp=1
# The result port, the guest's ttyS1: x86's second 16550; on the other
# architectures the rig's (arch_setup's A_SERIAL, whose chardev "res" it
# is, "art" the artifacts port, which lqbench does not use).
serial=(-serial "file:$out/results.txt")
[ "$arch" = amd64 ] || serial=(-chardev "file,id=res,path=$out/results.txt"
	-chardev "file,id=art,path=$out/artifacts.txt" "${A_SERIAL[@]}")
qrc=0
# shellcheck disable=SC2086 # BENCH_QEMU_EXTRA is a list of options
timeout --foreground -k 10 "$timeout" \
	"${A_QEMU[0]}" -accel "$accel" "${A_QEMU[@]:1}" -smp "$smp" -m "$mem" \
	-nodefaults -no-user-config -display none -no-reboot -monitor none -nic none \
	-chardev "stdio,id=con,signal=off,logfile=$out/console.log" -serial chardev:con \
	"${serial[@]}" \
	"${icount[@]}" ${BENCH_QEMU_EXTRA:-} \
	-kernel "$kernel" -initrd "$out/initrd.img" -append "$cmdline" \
	</dev/null 2>"$out/qemu.log" || qrc=$?
sed 's/^/# qemu: /' "$out/qemu.log" >&2
if ! grep -q '^=== table end ===' "$out/results.txt"; then
	echo "bench/boot.sh: $kver: no result table (qemu rc=$qrc); $out/results.txt:" >&2
	tail -n 30 "$out/results.txt" | sed 's/^/#   /' >&2
	exit 1
fi
