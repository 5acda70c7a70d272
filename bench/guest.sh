#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of `make bench` (busybox sh). bench/boot.sh installs it as
# /selftests/qemu/run.sh, which the rig's /init runs with stdout on the
# result port (ttyS1); stderr is the console.
#
# Loads Debian's own inet_diag and tcp_diag (ss needs them; without them ss
# would quietly fall back to /proc/net/tcp), runs lqbench, and appends any
# kernel trouble from dmesg.

set -a
# shellcheck disable=SC1091 # bench/boot.sh writes it
. /etc/listenq-test.env
set +a
cd /tmp || exit 1
DMESG_BAD='WARNING:|BUG[: ]|Call Trace|Oops|general protection|soft lockup|hard LOCKUP'
DMESG_BAD="$DMESG_BAD|[Rr][Cc][Uu].*stall|blocked for more than|missed|not counted"

echo "# listenq-bench: kernel $(uname -r), $(nproc) CPUs, $(sed -n 's/^MemTotal: *//p' /proc/meminfo) RAM"
for m in inet_diag tcp_diag; do
	insmod "/lib/modules/$LQ_KVER/kernel/net/ipv4/$m.ko" 2>&1 | sed "s/^/# insmod $m: /"
done
ss=/usr/bin/ss
if ! grep -q '^tcp_diag ' /proc/modules; then
	echo "# tcp_diag is not loaded: the ss routes are left out"
	ss=/nonexistent
elif ! $ss -Htn state listening >/dev/null 2>/tmp/ss.err; then
	sed 's/^/# ss: /' /tmp/ss.err
	ss=/nonexistent
fi

# shellcheck disable=SC2086 # LQ_BENCH_ARGS is a list of options
/bench/lqbench --ko "/lib/modules/$LQ_KVER/extra/listenq.ko" --syngen /bench/syngen \
	--ss "$ss" $LQ_BENCH_ARGS
rc=$?
dmesg | grep -E "$DMESG_BAD" | head -n 20 | sed 's/^/# dmesg: /'
exit $rc
