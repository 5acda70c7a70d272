#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest-side runner (busybox sh), started by /init with stdout on the result
# port: everything printed on stdout is KTAP, stderr goes to the console.
#
# Order: parameter checks while the module is not loaded, insmod, /proc
# checks, every /selftests/*_test binary (module loaded), module life-cycle
# tests, on a kernel with kmemleak a leak scan once the module is gone, on
# one with lockdep a check that it stayed on, and dmesg-clean last so that it
# sees everything before it.

set -a			# the env file is also the test binaries' environment
. /etc/listenq-test.env
set +a
KO=/lib/modules/$LQ_KVER/extra/listenq.ko
LQ_KO=$KO
export LQ_KO
T=${LQ_TIMEOUT:-60}
# Lines that mean the kernel is unhappy, whatever the tests said.
DMESG_BAD='WARNING:|BUG[: ]|Call Trace|Oops|general protection|KASAN|UBSAN|KFENCE'
DMESG_BAD="$DMESG_BAD|kmemleak: [0-9]+ new suspected|unreferenced object|suspicious RCU"
DMESG_BAD="$DMESG_BAD|possible (recursive|circular) locking|inconsistent lock state"
DMESG_BAD="$DMESG_BAD|sleeping function called from invalid context|DEBUG_LOCKS_WARN_ON"
DMESG_BAD="$DMESG_BAD|list_(add|del) corruption|[Rr][Cc][Uu].*stall|soft lockup|hard LOCKUP"
DMESG_BAD="$DMESG_BAD|blocked for more than|refcount_t:|stack-protector|Unable to handle"
cd /tmp || exit 1

n=0
diag() { sed 's/^/# /'; }
loaded() { grep -q '^listenq ' /proc/modules; }

# run_test NAME FUNCTION: one KTAP line; the function returns 0 (pass),
# 4 (skip, reason in $why) or anything else (fail), and may print "# " lines.
run_test() {
	why=
	"$2"
	rc=$?
	n=$((n + 1))
	case $rc in
	0) echo "ok $n $1" ;;
	4) echo "ok $n $1 # SKIP $why" ;;
	*) echo "not ok $n $1" ;;
	esac
}

# Linux does not refuse unknown module parameters: unknown_module_param_cb()
# (kernel/module/main.c) logs "unknown parameter 'x' ignored" and the load
# goes on. So: either the load fails and leaves nothing behind, or it
# succeeds, the kernel says it ignored the parameter, and rmmod works.
t_insmod_unknown_param() {
	if out=$(insmod "$KO" nosuchparam=1 2>&1); then
		said=$(dmesg | grep "listenq: unknown parameter 'nosuchparam' ignored")
		echo "# loaded; kernel: ${said:-(no 'ignored' message)}"
		rmmod listenq 2>&1 | diag
		[ -n "$said" ] && ! loaded
	else
		echo "$out" | diag
		! loaded && [ ! -e /proc/net/listenq ]
	fi
}

# A bad value for any of its parameters must refuse the load, leave nothing
# behind and say why in the kernel log, naming the parameter. boot.sh lists
# them as LQ_BAD_PARAMS, one name=value each: negative, huge, non-numeric
# and empty values of every parameter.
t_insmod_bad_value() {
	if [ -z "$LQ_BAD_PARAMS" ]; then
		why="no module parameter that rejects a value"
		return 4
	fi
	bad=0
	for p in $LQ_BAD_PARAMS; do
		before=$(dmesg | wc -l)
		out=$(insmod "$KO" "$p" 2>&1)
		if loaded || [ -e /proc/net/listenq ]; then
			echo "# insmod listenq.ko $p succeeded"
			rmmod listenq
			bad=1
			continue
		fi
		said=$(dmesg | tail -n +$((before + 1)) | grep "listenq: ${p%%=*}=" | head -n 1)
		if [ -z "$said" ]; then
			echo "# insmod listenq.ko '$p': refused without a 'listenq: ${p%%=*}=' log line"
			echo "$out" | diag
			bad=1
		else
			echo "# '$p': ${said#*] }"
		fi
	done
	return $bad
}

t_insmod() {
	insmod "$KO" $LQ_PARAMS 2>&1 | diag
	loaded
}

t_proc_symlink() {
	link=$(readlink /proc/listenq)
	[ "$link" = net/listenq ] && return 0
	echo "# /proc/listenq -> '$link', want 'net/listenq'"
	return 1
}

t_proc_files() {
	bad=0
	for f in /proc/listenq /proc/net/listenq /proc/net/listenq_sysctl; do
		mode=$(stat -L -c %a "$f" 2>/dev/null)
		if [ "$mode" != 444 ]; then
			echo "# $f: mode '$mode', want 444"
			bad=1
		elif ! cat "$f" >/dev/null; then
			echo "# $f: read failed"
			bad=1
		fi
	done
	return $bad
}

# Root bypasses the mode bits, so this checks that there is no write handler.
t_proc_write_fails() {
	bad=0
	for f in /proc/listenq /proc/net/listenq_sysctl; do
		if (echo 1 >"$f") 2>/dev/null; then
			echo "# write to $f succeeded"
			bad=1
		fi
	done
	return $bad
}

# One test binary as a KTAP subtest: its output indented by 4 spaces, then
# the parent line. busybox timeout kills with SIGTERM (rc 143) instead of
# returning 124, so a timeout is recognised by the elapsed time.
run_binary() {
	name=${1##*/}
	n=$((n + 1))
	if ! loaded; then
		echo "ok $n $name # SKIP listenq is not loaded"
		return
	fi
	# selftests/settings may give a binary its own limit
	eval "bt=\${LQ_TIMEOUT_$name:-\$T}"
	start=$(date +%s)
	{ timeout "$bt" "$1" 2>&1; echo $? >/tmp/.rc; } | sed 's/^/    /'
	rc=$(cat /tmp/.rc)
	elapsed=$(($(date +%s) - start))
	echo "# $name: ${elapsed}s" >&2
	case $rc in
	0) echo "ok $n $name" ;;
	4) echo "ok $n $name # SKIP" ;;
	124) echo "not ok $n $name # TIMEOUT ${bt}s" ;;
	143) if [ $elapsed -ge "$bt" ]; then
		echo "not ok $n $name # TIMEOUT ${bt}s"
	     else
		echo "not ok $n $name # exit=$rc"
	     fi ;;
	*) echo "not ok $n $name # exit=$rc" ;;
	esac
	if ! loaded; then
		echo "# $name left listenq unloaded; loading it again"
		insmod "$KO" $LQ_PARAMS 2>&1 | diag
	fi
}

# A reader in the middle of /proc/listenq while the module goes away: the
# read afterwards may fail, the kernel must not.
t_rmmod_open_reader() {
	exec 5</proc/listenq || return 1
	read -r header <&5
	echo "# header: $header"
	rmmod listenq 2>&1 | diag
	cat <&5 >/dev/null 2>&1
	exec 5<&-
	if loaded; then
		echo "# rmmod with an open reader failed"
		return 1
	fi
	insmod "$KO" $LQ_PARAMS 2>&1 | diag
	loaded
}

t_load_unload_cycles() {
	i=0
	while [ $i -lt "${LQ_CYCLES:-20}" ]; do
		i=$((i + 1))
		rmmod listenq 2>&1 | diag
		insmod "$KO" $LQ_PARAMS 2>&1 | diag
		if ! cat /proc/listenq >/dev/null; then
			echo "# cycle $i: /proc/listenq unreadable"
			return 1
		fi
	done
}

# Every netns must lose its entries, not just ours; a second netns is held
# open by a sleeping process and looked at through /proc/<pid>/net.
t_rmmod_removes_proc() {
	unshare -n sleep 600 &
	ns=$!
	sleep 1
	[ -e /proc/$ns/net/listenq ] || echo "# no listenq in a second netns"
	rmmod listenq 2>&1 | diag
	bad=0
	for f in /proc/listenq /proc/net/listenq /proc/net/listenq_sysctl \
		/proc/$ns/net/listenq /proc/$ns/net/listenq_sysctl; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			echo "# $f still exists after rmmod"
			bad=1
		fi
	done
	kill $ns
	wait $ns 2>/dev/null
	! loaded && [ $bad = 0 ]
}

# Debug kernels only. kmemleak reports objects that are unreferenced and
# older than 5 s, and needs two scans to be sure: wait out the age, scan
# twice, and any report fails. Everything before the runner started was
# cleared at the start.
KMEMLEAK=/sys/kernel/debug/kmemleak
t_kmemleak() {
	sleep 6
	echo scan >$KMEMLEAK && echo scan >$KMEMLEAK || return 1
	leaks=$(cat $KMEMLEAK)
	[ -z "$leaks" ] && return 0
	echo "$leaks" | head -n 60 | diag
	echo "# $(echo "$leaks" | grep -c 'unreferenced object') unreferenced objects"
	return 1
}

# Debug kernels only: lockdep turns itself off at its first report (or any
# taint that makes it unreliable); it must still be on after everything.
t_lockdep_on() {
	on=$(sed -n 's/^ *debug_locks: *//p' /proc/lockdep_stats)
	echo "# debug_locks: $on; $(grep 'lock-classes:' /proc/lockdep_stats | tr -s ' ')"
	[ "$on" = 1 ]
}

t_dmesg_clean() {
	bad=$(dmesg | grep -E "$DMESG_BAD")
	[ -z "$bad" ] && return 0
	echo "$bad" | head -n 30 | sed 's/^/# dmesg: /'
	echo "# $(echo "$bad" | wc -l) bad lines in dmesg"
	return 1
}

# make demo: no tests, just the flood demo on the console.
if [ "$LQ_MODE" = demo ]; then
	echo "KTAP version 1"
	echo "1..1"
	insmod "$KO" $LQ_PARAMS >&2 && /selftests/demo >&2
	rc=$?
	rmmod listenq
	[ $rc = 0 ] && echo "ok 1 demo" || echo "not ok 1 demo # exit=$rc"
	exit 0
fi

bins=$(ls /selftests/*_test 2>/dev/null)
debug_tests=0
if [ -w $KMEMLEAK ]; then
	echo clear >$KMEMLEAK
	debug_tests=$((debug_tests + 1))
fi
[ -r /proc/lockdep_stats ] && debug_tests=$((debug_tests + 1))
echo "KTAP version 1"
echo "1..$((10 + debug_tests + $(echo $bins | wc -w)))"
echo "# listenq-qemu: kernel $(uname -r), params '$LQ_PARAMS', timeout ${T}s"
run_test insmod-unknown-param t_insmod_unknown_param
run_test insmod-bad-value t_insmod_bad_value
run_test insmod t_insmod
run_test proc-symlink t_proc_symlink
run_test proc-files-0444 t_proc_files
run_test proc-write-fails t_proc_write_fails
for b in $bins; do
	run_binary "$b"
done
run_test rmmod-open-reader t_rmmod_open_reader
run_test load-unload-cycles t_load_unload_cycles
run_test rmmod-removes-proc t_rmmod_removes_proc
[ -w $KMEMLEAK ] && run_test kmemleak t_kmemleak
[ -r /proc/lockdep_stats ] && run_test lockdep-on t_lockdep_on
run_test dmesg-clean t_dmesg_clean
exit 0
