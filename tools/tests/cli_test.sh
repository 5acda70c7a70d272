#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# listenq on recorded /proc/listenq samples: every subcommand, every output
# format, malformed files and bad flags. Each case checks the exit code and
# compares stdout and stderr with expected/NAME.out and expected/NAME.err.
#
#   sh cli_test.sh /path/to/listenq            run
#   UPDATE=1 sh cli_test.sh /path/to/listenq   rewrite expected/ (review the diff!)
#
# The last line is "N passed, N failed"; the exit status is 1 on a failure.

LQ=${1:?usage: cli_test.sh LISTENQ_BINARY}
case $LQ in /*) ;; *) LQ=$PWD/$LQ ;; esac
cd "$(dirname "$0")" || exit 1
TOP=$(cd ../.. && pwd)
VERSION_RE=$(sed 's/[.]/\\./g' "$TOP/VERSION")

# Never let the host's environment or a real module leak into a case.
. ./lib.sh

# t NAME RC CMD...: run CMD, compare exit code, stdout and stderr.
t() {
	name=$1 want=$2
	shift 2
	"$@" >"$TMP/raw.out" 2>"$TMP/raw.err" </dev/null
	rc=$?
	# The version is VERSION's and the fake roots are in $TMP: expected/
	# says @VERSION@ and @TMP@.
	sed -e "s/$VERSION_RE/@VERSION@/g" -e "s|$TMP|@TMP@|g" "$TMP/raw.out" >"$TMP/out"
	sed -e "s/$VERSION_RE/@VERSION@/g" -e "s|$TMP|@TMP@|g" "$TMP/raw.err" >"$TMP/err"
	if [ -n "$UPDATE" ]; then
		cp "$TMP/out" "expected/$name.out"
		cp "$TMP/err" "expected/$name.err"
	fi
	if [ "$rc" != "$want" ]; then
		ko "$name: exit $rc, want $want"
		sed 's/^/# /' "$TMP/err"
	elif ! cmp -s "$TMP/out" "expected/$name.out"; then
		ko "$name: stdout differs"
		diff -u "expected/$name.out" "$TMP/out" | sed 's/^/# /'
	elif ! cmp -s "$TMP/err" "expected/$name.err"; then
		ko "$name: stderr differs"
		diff -u "expected/$name.err" "$TMP/err" | sed 's/^/# /'
	else
		ok "$name"
	fi
}

# s SAMPLE SYSCTL: the environment of a case reading samples/SAMPLE.txt.
s() { echo "LQ_TEST_PROC=samples/$1.txt LQ_TEST_SYSCTL=samples/${2:-sysctl}.txt"; }
# h SAMPLE HIST: with probes' sysctls and samples/HIST.txt as listenq_hist.
h() { echo "$(s "$1" sysctl_probes) LQ_TEST_HIST=samples/$2.txt"; }

# -N reads a fake root: LQ_TEST_ROOT is prepended to /proc and /run/netns.
#   4242  a process whose namespace has the module (probes.txt)
#   4243  a process whose namespace has not
#   4244  no process
#   4245  a process whose namespace has the module's histograms (peaks.txt)
#   run/netns/self   this namespace, as ip netns would bind-mount one
#   run/netns/plain  a file that is not a namespace
# Entering a namespace needs CAP_SYS_ADMIN, and without it ("unshare -U":
# no capability over this namespace, nor over root's files) setns() and
# open() fail.
chmod 755 "$TMP"
ROOT=$TMP/root
mkdir -p "$ROOT/proc/4242/net" "$ROOT/proc/4243/net" "$ROOT/proc/self/net" "$ROOT/run/netns"
cp samples/probes.txt "$ROOT/proc/4242/net/listenq"
cp samples/sysctl_probes.txt "$ROOT/proc/4242/net/listenq_sysctl"
mkdir -p "$ROOT/proc/4245/net"
cp samples/peaks.txt "$ROOT/proc/4245/net/listenq"
cp samples/peaks_hist.txt "$ROOT/proc/4245/net/listenq_hist"
cp samples/sysctl_probes.txt "$ROOT/proc/4245/net/listenq_sysctl"
cp samples/current.txt "$ROOT/proc/self/net/listenq"
cp samples/sysctl.txt "$ROOT/proc/self/net/listenq_sysctl"
ln -s /proc/self/ns/net "$ROOT/run/netns/self"
# -N "$(pidof ...)": 4242 and 4246 share a namespace, 4245 has its own.
mkdir -p "$ROOT/proc/4242/ns" "$ROOT/proc/4245/ns" "$ROOT/proc/4246/ns"
ln -s "net:[4026532201]" "$ROOT/proc/4242/ns/net"
ln -s "net:[4026532201]" "$ROOT/proc/4246/ns/net"
ln -s "net:[4026532202]" "$ROOT/proc/4245/ns/net"
: >"$ROOT/run/netns/plain"
LOCKED=$TMP/locked
mkdir -p "$LOCKED/run/netns"
chmod 000 "$LOCKED/run/netns"
r() { echo "LQ_TEST_ROOT=$ROOT"; }
can_setns=
unshare -n true 2>/dev/null && can_setns=1
no_caps=
unshare -U true 2>/dev/null && no_caps="unshare -U"

# skip NAME WHY: a case this machine cannot run.
skip() { pass=$((pass + 1)); echo "ok - $1 # SKIP $2"; }

# -A and -p read a fake host, $HOST: processes with their namespace
# (ns/net, a link that reads net:[INODE] as the kernel's does), cgroup,
# comm and fds (links that read socket:[INODE]), and /run/netns files.
# LQ_TEST_EUID=0 stands for root.
#   4026531993  pid 1 systemd (/init.scope: no name) and the host's
#               servers: nginx 812 and its workers 813, 814 share :80 at
#               fd 6; redis-server 900 holds :6379 twice (fd 6, dup'ed
#               at fd 9); 1500 'tmux: server' holds :8080; peaks.txt
#   4026532101  ip netns 'blue' and 'azure' (azure first), and python3
#               2000 in a docker scope, with its fork 2001: the ip netns
#               name wins
#   4026532102  docker-<ID>.scope (systemd driver)
#   4026532103  a kubepods pod slice (systemd driver); pause 2199 in its
#               cri-containerd scope is the lowest PID: the pod names it
#   4026532104  cri-containerd-<ID>.scope, not under kubepods, on a
#               hybrid host: the name=systemd line
#   4026532105  nginx-internal.service (systemd PrivateNetwork=)
#   4026532106  /kubepods/besteffort/pod<UID>/<ID> (cgroupfs driver)
#   4026532107  /docker/<ID> (cgroupfs driver)
#   4026532108  the root cgroup: no name. Its lowest PID, 2650, has no
#               net files (it exits as listenq reads): 2700 is read instead.
#               2650's comm, 'würfel-' and half a character as the kernel
#               cuts at 15 bytes, is no UTF-8 until listenq makes it so
#   4026532109  a process whose namespace has no listenq: went away
#               mid-read, skipped
#   4026532112  a namespace being freed as listenq opens its files (the
#               kernel says ENXIO; here a socket file does): skipped
#   run/netns/gone   net:[4026532110], no process: gone before setns()
#   run/netns/plain  a file that is not a namespace: ignored
HOST=$TMP/host
DOCKER_ID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
CTR_ID=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210
PAUSE_ID=aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd
POD_UID=1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901
# proc PID NS COMM CGROUP: one process of $HOST
proc() {
	mkdir -p "$HOST/proc/$1/fd" "$HOST/proc/$1/ns"
	ln -s "net:[$2]" "$HOST/proc/$1/ns/net"
	printf '%s\n' "$3" >"$HOST/proc/$1/comm"
	printf '%b' "$4" >"$HOST/proc/$1/cgroup"
}
# fds PID FD:INODE...: sockets the process holds; fd 0 is always /dev/null
fds() {
	p=$1
	shift
	ln -s /dev/null "$HOST/proc/$p/fd/0"
	for f in "$@"; do
		ln -s "socket:[${f#*:}]" "$HOST/proc/$p/fd/${f%%:*}"
	done
}
# files PID NS SAMPLE [HIST]: the namespace's files, read through PID
files() {
	mkdir -p "$HOST/proc/$1/net"
	cp "samples/$3.txt" "$HOST/proc/$1/net/listenq"
	sed "s/^ns .*/ns $2/" samples/${5:-sysctl_probes}.txt >"$HOST/proc/$1/net/listenq_sysctl"
	[ -z "$4" ] || cp "samples/$4.txt" "$HOST/proc/$1/net/listenq_hist"
}
proc 1 4026531993 systemd '0::/init.scope\n'
files 1 4026531993 peaks peaks_hist
proc 812 4026531993 nginx '0::/system.slice/nginx.service\n'
fds 812 6:3000
proc 813 4026531993 nginx '0::/system.slice/nginx.service\n'
fds 813 6:3000 7:999999
proc 814 4026531993 nginx '0::/system.slice/nginx.service\n'
fds 814 6:3000
proc 900 4026531993 redis-server '0::/system.slice/redis-server.service\n'
fds 900 9:3003 6:3003
proc 1500 4026531993 'tmux: server' '0::/user.slice/user-1000.slice/session-2.scope\n'
fds 1500 3:3005
proc 2000 4026532101 python3 "0::/system.slice/docker-$DOCKER_ID.scope\n"
files 2000 4026532101 allns_blue allns_blue_hist
fds 2000 3:4100
proc 2001 4026532101 python3 "0::/system.slice/docker-$DOCKER_ID.scope\n"
fds 2001 3:4100
mkdir -p "$HOST/run/netns"
ln -s "net:[4026532101]" "$HOST/run/netns/blue"
ln -s "net:[4026532101]" "$HOST/run/netns/azure"
proc 2100 4026532102 node "0::/system.slice/docker-$DOCKER_ID.scope\n"
files 2100 4026532102 allns_docker
fds 2100 20:4200
proc 2199 4026532103 pause "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$POD_UID.slice/cri-containerd-$PAUSE_ID.scope\n"
files 2199 4026532103 allns_pod
proc 2200 4026532103 envoy "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$POD_UID.slice/cri-containerd-$CTR_ID.scope\n"
fds 2200 10:4300 11:4301
proc 2300 4026532104 redis-server "12:pids:/system.slice/cri-containerd-$CTR_ID.scope\n1:name=systemd:/system.slice/cri-containerd-$CTR_ID.scope\n0::/\n"
files 2300 4026532104 allns_containerd
fds 2300 6:4400
proc 2400 4026532105 nginx '0::/system.slice/nginx-internal.service\n'
files 2400 4026532105 allns_unit
fds 2400 8:4500
proc 2500 4026532106 prometheus "0::/kubepods/besteffort/pod0a1b2c3d-0000-4000-8000-000000000001/$CTR_ID\n"
files 2500 4026532106 allns_cgroupfs_pod
fds 2500 7:4600
proc 2600 4026532107 gunicorn "0::/docker/$DOCKER_ID\n"
files 2600 4026532107 allns_cgroupfs_docker '' sysctl_cookies0
fds 2600 5:4700
proc 2650 4026532108 "$(printf 'w\303\274rfel-\303')" '0::/\n'
fds 2650 3:4800
proc 2700 4026532108 dnsmasq '0::/\n'
files 2700 4026532108 allns_root_cgroup
fds 2700 4:4800
proc 2800 4026532109 exited '0::/system.slice/gone.service\n'
proc 2850 4026532112 dying '0::/system.slice/dying.service\n'
mkdir -p "$HOST/proc/2850/net"
(cd "$HOST/proc/2850/net" && python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("listenq")')
# Found in 4026532111, in blue's namespace by the time it is read (it called
# setns()): its files are blue's rows and sysctls, shown once, under blue.
proc 2900 4026532111 moved '0::/system.slice/moved.service\n'
files 2900 4026532101 allns_blue
ln -s "net:[4026532110]" "$HOST/run/netns/gone"
: >"$HOST/run/netns/plain"
ra() { echo "LQ_TEST_ROOT=$HOST LQ_TEST_EUID=0"; }
# A host without the module: the processes, not one listenq file.
NOMOD=$TMP/nomod
mkdir -p "$NOMOD/proc/1/ns"
ln -s "net:[4026531993]" "$NOMOD/proc/1/ns/net"
# A host whose only namespace is an ip netns file, read from inside:
# 'self' is listenq's own namespace.
SETNS=$TMP/setns
mkdir -p "$SETNS/proc/self/net" "$SETNS/run/netns"
ln -s /proc/self/ns/net "$SETNS/run/netns/self"
cp samples/current.txt "$SETNS/proc/self/net/listenq"
cp samples/sysctl.txt "$SETNS/proc/self/net/listenq_sysctl"
# A host with one namespace in another format: reported, the others shown.
BAD=$TMP/bad
mkdir -p "$BAD/proc/1/ns" "$BAD/proc/1/net" "$BAD/proc/2/ns" "$BAD/proc/2/net"
ln -s "net:[4026531993]" "$BAD/proc/1/ns/net"
cp samples/probes.txt "$BAD/proc/1/net/listenq"
ln -s "net:[4026532101]" "$BAD/proc/2/ns/net"
cp samples/missing_col.txt "$BAD/proc/2/net/listenq"

# shellcheck disable=SC2046 # word splitting of $(s ...) is the point
{
# The table
t table_v1 0 env $(s v1) "$LQ"
t table_current 0 env $(s current) "$LQ"
t table_probes 0 env $(s probes sysctl_probes) "$LQ"
t table_extra_cols 0 env $(s extra_cols) "$LQ"
t table_header_only 0 env $(s header_only) "$LQ"
t table_color 0 env $(s probes sysctl_probes) "$LQ" --color=always
t table_color_auto_piped 0 env $(s probes sysctl_probes) "$LQ" --color=auto
t table_no_color_env 0 env NO_COLOR=1 $(s probes sysctl_probes) "$LQ" --color=auto 80

# Filters
t filter_port 0 env $(s probes) "$LQ" 443
t filter_colon_port 0 env $(s probes) "$LQ" :443
t filter_port_flag 0 env $(s probes) "$LQ" --port 443
t filter_addr_port 0 env $(s probes) "$LQ" 127.0.0.1:6379
t filter_v6_port 0 env $(s probes) "$LQ" '[::]:443'
t filter_v6_addr 0 env $(s probes) "$LQ" --addr ::
t filter_star_port 0 env $(s probes) "$LQ" '*:22'
t filter_addr_only 0 env $(s probes) "$LQ" 10.0.0.1
t filter_addr_and_port 0 env $(s probes) "$LQ" --addr 0.0.0.0 --port 80
t filter_no_match 0 env $(s probes) "$LQ" 9999

# --json and --prometheus
t json_v1 0 env $(s v1) "$LQ" --json
t json_probes 0 env $(s probes sysctl_probes) "$LQ" --json
t json_filtered 0 env $(s probes sysctl_probes) "$LQ" -j 443
t json_header_only 0 env $(s header_only) "$LQ" --json
t json_extra_cols 0 env $(s extra_cols) "$LQ" --json
t json_no_sysctl 0 env LQ_TEST_PROC=samples/v1.txt LQ_TEST_SYSCTL=samples/nonexistent "$LQ" --json
t prom_v1 0 env $(s v1) "$LQ" --prometheus
t prom_probes 0 env $(s probes sysctl_probes) "$LQ" --prometheus

# --watch, non-interactive: one sample file per frame
t watch_frames 0 env LQ_TEST_PROC=samples/watch1.txt:samples/watch2.txt:samples/watch3.txt \
	"$LQ" --watch=0.01 --count 3
t watch_count_implies_watch 0 env $(s watch1) "$LQ" --count 2 --interval 0.01 8080

# The interval: --interval SECS, --watch=SECS; a word after --watch is a filter.
t watch_default_interval 0 env $(s watch1) "$LQ" --watch -c 1
t watch_eq_interval 0 env $(s watch1) "$LQ" --watch=0.5 -c 1
t watch_next_word_is_filter 0 env $(s watch1) "$LQ" --watch 7070 -c 1
t watch_interval_implies_watch 0 env $(s watch1) "$LQ" --interval 0.01 -c 2 7070
t watch_short_cluster 0 env $(s watch1) "$LQ" --watch -Hc1

# --no-header: the rows alone; in --watch, a blank line between frames
t no_header 0 env $(s probes sysctl_probes) "$LQ" -H
t no_header_long 0 env $(s probes sysctl_probes) "$LQ" --no-header 443
t no_header_header_only 0 env $(s header_only) "$LQ" -H
t no_header_watch 0 env LQ_TEST_PROC=samples/watch1.txt:samples/watch2.txt:samples/watch3.txt \
	"$LQ" -H --interval 0.01 -c 3

# Options and arguments in any order, as ss has them
t option_after_filter 0 env $(s probes sysctl_probes) "$LQ" 443 -j
t option_after_explain 0 env $(s probes sysctl_probes) "$LQ" explain 6379 --kernel 6.1.192
t double_dash 0 env $(s probes) "$LQ" -- 443

# Peaks, SYN-ACK retransmits and listenq_hist: 10.0.0.1:22 has no line in
# peaks_hist.txt (new between the two reads); peaks_off.txt is probes=0.
t table_peaks 0 env $(h peaks peaks_hist) "$LQ"
t table_peaks_no_hist 0 env $(s peaks sysctl_probes) "$LQ"
# A module with wait_missed: a warning for each listener it is not 0 for.
t table_wait_missed 0 env $(h peaks peaks_missed_hist) "$LQ"
t json_wait_missed 0 env $(h peaks peaks_missed_hist) "$LQ" --json 443
t prom_wait_missed 0 env $(h peaks peaks_missed_hist) "$LQ" --prometheus 443
t table_peaks_off 0 env $(h peaks_off peaks_off_hist) "$LQ"
t table_peaks_filtered 0 env $(h peaks peaks_hist) "$LQ" 22
t table_peaks_color 0 env $(h peaks peaks_hist) "$LQ" --color=always 6379
t json_peaks 0 env $(h peaks peaks_hist) "$LQ" --json
t json_peaks_no_hist 0 env $(s peaks sysctl_probes) "$LQ" --json 443
t json_peaks_off 0 env $(h peaks_off peaks_off_hist) "$LQ" --json 80
t prom_peaks 0 env $(h peaks peaks_hist) "$LQ" --prometheus
t prom_peaks_no_hist 0 env $(s peaks sysctl_probes) "$LQ" --prometheus 80
t prom_peaks_off 0 env $(h peaks_off peaks_off_hist) "$LQ" --prometheus 80
t watch_peaks 0 env LQ_TEST_PROC=samples/watch_peaks1.txt:samples/watch_peaks2.txt:samples/watch_peaks3.txt \
	LQ_TEST_HIST=samples/watch_hist1.txt:samples/watch_hist2.txt:samples/watch_hist3.txt \
	"$LQ" --interval 0.01 -c 3
t watch_peaks_no_hist 0 env LQ_TEST_PROC=samples/watch_peaks1.txt:samples/watch_peaks2.txt \
	"$LQ" --interval 0.01 -c 2
t explain_peaks_accept_full 0 env $(h peaks peaks_hist) "$LQ" explain --kernel 6.12.117 80
t explain_peaks_lossy 0 env $(h peaks peaks_hist) "$LQ" explain --kernel 6.12.117 '[::]:443'
t explain_peaks_flood 0 env $(h peaks peaks_hist) "$LQ" explain --kernel 6.12.117 6379
t explain_peaks_slow_accept 0 env $(h peaks peaks_hist) "$LQ" explain --kernel 6.12.117 8080
t explain_peaks_no_hist_line 0 env $(h peaks peaks_hist) "$LQ" explain --kernel 6.12.117 22
t explain_peaks_no_hist 0 env $(s peaks sysctl_probes) "$LQ" explain --kernel 6.12.117 443
t explain_peaks_off 0 env $(h peaks_off peaks_off_hist) "$LQ" explain --kernel 6.12.117 80
t err_hist_bad_rows 1 env $(h peaks peaks_hist_bad) "$LQ"
t err_hist_foreign 1 env $(h peaks hist_foreign) "$LQ" --json 80
t err_hist_foreign_explain 1 env $(h peaks hist_foreign) "$LQ" explain --kernel 6.12.117 80
t net_pid_hist 0 env $(r) "$LQ" -N 4245
t net_pid_hist_explain 0 env $(r) "$LQ" -N 4245 explain --kernel 6.12.117 8080

# -N PID: /proc/PID/net; -N NAME: setns() into /run/netns/NAME
t net_pid 0 env $(r) "$LQ" -N 4242
t net_pid_json 0 env $(r) "$LQ" --net 4242 --json 443
t net_pid_explain 0 env $(r) "$LQ" -N 4242 explain --kernel 6.12.117 80
t net_pid_watch 0 env $(r) "$LQ" -N 4242 --interval 0.01 -c 2 6379
t net_pid_no_process 1 env $(r) "$LQ" -N 4244
t net_pid_no_module 1 env $(r) "$LQ" -N 4243
t net_pid_no_module_explain 1 env $(r) "$LQ" -N 4243 explain 80
t net_name_not_found 1 env $(r) "$LQ" -N nosuch
t net_name_not_found_explain 1 env $(r) "$LQ" --net=nosuch explain 80
t net_name_not_netns 1 env $(r) "$LQ" -N plain
if [ -n "$can_setns" ]; then
	t net_name 0 env $(r) "$LQ" -N self
	t net_name_explain 0 env $(r) "$LQ" -N self explain --kernel 6.12.117 8080
else
	skip net_name "no CAP_SYS_ADMIN to setns() with"
	skip net_name_explain "no CAP_SYS_ADMIN to setns() with"
fi
if [ -n "$no_caps" ]; then
	t net_name_eperm 1 $no_caps env $(r) "$LQ" -N self
	t net_name_eacces 1 $no_caps env LQ_TEST_ROOT="$LOCKED" "$LQ" -N self
else
	skip net_name_eperm "no unshare -U"
	skip net_name_eacces "no unshare -U"
fi

# -p: the owners, from $HOST's fds: shared across fork, dup'ed, none
t proc_table 0 env $(h peaks peaks_hist) $(ra) "$LQ" -p
t proc_table_long 0 env $(h peaks peaks_hist) $(ra) "$LQ" --processes 80
t proc_json 0 env $(h peaks peaks_hist) $(ra) "$LQ" -p --json
t proc_prom 0 env $(h peaks peaks_hist) $(ra) "$LQ" -p --prometheus
t proc_explain_shared 0 env $(h peaks peaks_hist) $(ra) "$LQ" -p explain --kernel 6.12.117 80
t proc_explain_dup 0 env $(h peaks peaks_hist) $(ra) "$LQ" -p explain --kernel 6.12.117 6379
t proc_explain_none 0 env $(h peaks peaks_hist) $(ra) "$LQ" -p explain --kernel 6.12.117 22
t proc_watch 0 env $(h peaks peaks_hist) $(ra) "$LQ" -p --interval 0.01 -c 2 80
t proc_no_proc 0 env $(h peaks peaks_hist) LQ_TEST_ROOT="$TMP/none" "$LQ" -p -H
t proc_net_pid 0 env $(ra) "$LQ" -p -N 2000

# -A: every namespace of $HOST, named; vanished ones skipped
t allns_table 0 env $(ra) "$LQ" -A
t allns_processes 0 env $(ra) "$LQ" -Ap
t allns_json 0 env $(ra) "$LQ" -A -p --json
t allns_json_no_p 0 env $(ra) "$LQ" -A --json 8080
t allns_prom 0 env $(ra) "$LQ" --all-namespaces --processes --prometheus
t allns_prom_no_p 0 env $(ra) "$LQ" -A --prometheus 6379
t allns_filter 0 env $(ra) "$LQ" -A 8080
t allns_filter_addr 0 env $(ra) "$LQ" -A -p --addr 127.0.0.1
t allns_no_match 0 env $(ra) "$LQ" -A 9999
t allns_no_header 0 env $(ra) "$LQ" -A -H 8080
t allns_watch 0 env $(ra) "$LQ" -A -p --interval 0.01 -c 2 8080
t allns_explain 0 env $(ra) "$LQ" -A -p explain --kernel 6.12.117 8080
t allns_explain_one 0 env $(ra) "$LQ" -A explain --kernel 6.12.117 '[::]:3000'
t allns_explain_no_match 1 env $(ra) "$LQ" -A explain --kernel 6.12.117 9999
t allns_no_module 1 env LQ_TEST_ROOT="$NOMOD" LQ_TEST_EUID=0 "$LQ" -A
t allns_no_module_prom 1 env LQ_TEST_ROOT="$NOMOD" LQ_TEST_EUID=0 "$LQ" -A --prometheus
t allns_no_proc 1 env LQ_TEST_ROOT="$TMP/none" LQ_TEST_EUID=0 "$LQ" -A
t allns_bad_format 1 env LQ_TEST_ROOT="$BAD" LQ_TEST_EUID=0 "$LQ" -A -H
t allns_not_root 1 env LQ_TEST_ROOT="$HOST" LQ_TEST_EUID=1000 "$LQ" -A
t allns_not_root_explain 1 env LQ_TEST_ROOT="$HOST" LQ_TEST_EUID=1000 "$LQ" -A explain 80
if [ -n "$can_setns" ]; then
	t allns_setns 0 env LQ_TEST_ROOT="$SETNS" LQ_TEST_EUID=0 "$LQ" -A
else
	skip allns_setns "no CAP_SYS_ADMIN to setns() with"
fi

# -o: the output replaces FILE at once (rename), mode 0644 whatever the umask
OUT=$TMP/o
mkdir -p "$OUT"
echo old >"$OUT/listenq.prom"
ln "$OUT/listenq.prom" "$OUT/old-link"
t output_prom 0 sh -c 'umask 077; exec "$@"' sh env $(h peaks peaks_hist) "$LQ" --prometheus \
	--output "$OUT/listenq.prom"
if cmp -s "$OUT/listenq.prom" expected/prom_peaks.out; then
	ok "output_prom: FILE holds the output"
else
	ko "output_prom: FILE holds the output"
	diff -u expected/prom_peaks.out "$OUT/listenq.prom" | sed 's/^/# /'
fi
[ "$(cat "$OUT/old-link")" = old ] && ok "output_prom: renamed over, not rewritten in place" ||
	ko "output_prom: renamed over, not rewritten in place"
mode=$(stat -c %a "$OUT/listenq.prom")
[ "$mode" = 644 ] && ok "output_prom: mode 0644 under umask 077" ||
	ko "output_prom: mode $mode, want 644"
left() { ls -A "$OUT" | tr '\n' ' '; }
[ "$(left)" = "listenq.prom old-link " ] && ok "output_prom: no temporary file left" ||
	ko "output_prom: $OUT holds: $(left)"
t output_allns 0 env $(ra) "$LQ" -A -p --json --output "$OUT/all.json"
sed "s/$VERSION_RE/@VERSION@/g" "$OUT/all.json" | cmp -s - expected/allns_json.out && ok "output_allns: FILE holds the output" ||
	ko "output_allns: FILE holds the output"
t output_explain 0 env $(s probes sysctl_probes) "$LQ" explain --kernel 6.12.117 80 --output="$OUT/e.txt"
cmp -s "$OUT/e.txt" expected/explain_clamped.out && ok "output_explain: FILE holds the output" ||
	ko "output_explain: FILE holds the output"
t output_predict 0 "$LQ" predict --kernel 3.10 --backlog 511 --somaxconn 128 \
	--max-syn-backlog 4096 --syncookies 0 --output "$OUT/p.txt"
cmp -s "$OUT/p.txt" expected/predict_3_10_backlog_511.out &&
	ok "output_predict: FILE holds the output" || ko "output_predict: FILE holds the output"
rm -f "$OUT/all.json" "$OUT/e.txt" "$OUT/p.txt"
# Failures: exit 1, FILE as it was, nothing left behind
t output_failed 1 env LQ_TEST_PROC=samples/nonexistent "$LQ" --prometheus --output="$OUT/listenq.prom"
cmp -s "$OUT/listenq.prom" expected/prom_peaks.out && [ "$(left)" = "listenq.prom old-link " ] &&
	ok "output_failed: FILE untouched, no temporary file" ||
	ko "output_failed: FILE changed or $OUT holds: $(left)"
t output_bad_rows 1 env $(s truncated) "$LQ" --output="$OUT/listenq.prom"
cmp -s "$OUT/listenq.prom" expected/prom_peaks.out && [ "$(left)" = "listenq.prom old-link " ] &&
	ok "output_bad_rows: FILE untouched, no temporary file" ||
	ko "output_bad_rows: FILE changed or $OUT holds: $(left)"
mkdir "$OUT/sub"
t output_is_dir 1 env $(s probes) "$LQ" --output="$OUT/sub"
[ -d "$OUT/sub" ] && [ -z "$(ls -A "$OUT/sub")" ] && [ "$(left)" = "listenq.prom old-link sub " ] &&
	ok "output_is_dir: the directory stays, no temporary file" ||
	ko "output_is_dir: $OUT holds: $(left)"
rmdir "$OUT/sub"
t output_no_dir 1 env $(s probes) "$LQ" --output="$TMP/nodir/listenq.prom"
t output_not_a_file 1 env $(s probes) "$LQ" --output="$OUT/"
if [ -n "$no_caps" ]; then
	mkdir "$TMP/ro"
	chmod 555 "$TMP/ro"
	t output_unwritable 1 $no_caps env $(s probes) "$LQ" --output="$TMP/ro/listenq.prom"
	[ -z "$(ls -A "$TMP/ro")" ] && ok "output_unwritable: nothing written" ||
		ko "output_unwritable: $TMP/ro holds: $(ls -A "$TMP/ro")"
else
	skip output_unwritable "no unshare -U"
fi

# predict: the 3.10 figures, each era, the bounds
t predict_3_10_backlog_511 0 "$LQ" predict --kernel 3.10 --backlog 511 --somaxconn 128 \
	--max-syn-backlog 4096 --syncookies 0
t predict_3_10_backlog_511_json 0 "$LQ" predict --kernel 3.10 --backlog 511 --somaxconn 128 \
	--max-syn-backlog 4096 --syncookies 0 --json
t predict_3_10_backlog_2_json 0 "$LQ" predict --kernel 3.10.0 --backlog 2 --somaxconn 128 \
	--max-syn-backlog 4096 --syncookies 1 --json
t predict_3_10_backlog_5_json 0 "$LQ" predict --kernel 3.10 --backlog 5 --somaxconn 128 \
	--max-syn-backlog 4096 --syncookies 1 --json
t predict_3_10_cookies_2 0 "$LQ" predict --kernel 3.10 --backlog 128 --somaxconn 128 \
	--max-syn-backlog 128 --syncookies 2
t predict_4_4 0 "$LQ" predict --kernel 4.4 --backlog 128 --somaxconn 128 \
	--max-syn-backlog 256 --syncookies 1
t predict_6_1_124_json 0 "$LQ" predict --kernel 6.1.124 --backlog 4 --somaxconn 4096 \
	--max-syn-backlog 128 --syncookies 1 --json
t predict_6_1_125_json 0 "$LQ" predict --kernel 6.1.125 --backlog 4 --somaxconn 4096 \
	--max-syn-backlog 128 --syncookies 1 --json
t predict_6_12_9_json 0 "$LQ" predict --kernel 6.12.9 --backlog 0 --somaxconn 4096 \
	--max-syn-backlog 128 --syncookies 0 --json
t predict_5_10_223_backlog_0 0 "$LQ" predict --kernel 5.10.223 --backlog 0 --somaxconn 4096 \
	--max-syn-backlog 128 --syncookies 0
t predict_5_10_223_backlog_0_cookies_json 0 "$LQ" predict --kernel 5.10.223 --backlog 0 \
	--somaxconn 4096 --max-syn-backlog 128 --syncookies 1 --json
t predict_5_10_262_backlog_0_json 0 "$LQ" predict --kernel 5.10.262 --backlog 0 \
	--somaxconn 4096 --max-syn-backlog 128 --syncookies 0 --json
t predict_6_12_10_json 0 "$LQ" predict --kernel 6.12.10-amd64 --backlog 0 --somaxconn 4096 \
	--max-syn-backlog 128 --syncookies 0 --json
t predict_6_14_quarter 0 "$LQ" predict --kernel 6.14 --backlog 1000 --somaxconn 4096 \
	--max-syn-backlog 128 --syncookies 0
t predict_6_14_cookies_2_json 0 "$LQ" predict --kernel 6.14 --backlog 4 --somaxconn 4096 \
	--max-syn-backlog 128 --syncookies 2 --json
t predict_negative_backlog 0 "$LQ" predict --kernel 6.12.117 --backlog -1 --somaxconn 128 \
	--max-syn-backlog 128 --syncookies 1
t predict_defaults_5_3 0 env LQ_TEST_ROOT="$TMP/none" "$LQ" predict --kernel 5.3 --backlog 511
t predict_defaults_json 0 env LQ_TEST_ROOT="$TMP/none" "$LQ" predict --kernel=6.1.192 --backlog=511 \
	--json

# explain
t explain_clamped 0 env $(s probes sysctl_probes) "$LQ" explain --kernel 6.12.117 80
t explain_reuseport 0 env $(s probes sysctl_probes) "$LQ" explain --kernel 6.12.117 '[::]:443'
t explain_as_requested 0 env $(s probes sysctl_probes) "$LQ" explain --kernel 6.1.192 6379
t explain_unknown_backlog 0 env $(s current) "$LQ" explain --kernel 6.12.117 127.0.0.1:8080
t explain_v1 0 env $(s v1) "$LQ" explain --kernel 6.12.117 8083
t explain_quarter 0 env $(s cookies0 sysctl_cookies0) "$LQ" explain --kernel 6.12.117 8080
t explain_synq_drop 0 env $(s cookies0 sysctl_cookies0) "$LQ" explain --kernel 6.12.117 8081
t explain_cookies_2 0 env $(s cookies2 sysctl_cookies2) "$LQ" explain --kernel 6.12.117 8080
t explain_ge_module 0 env $(s ge sysctl_ge) "$LQ" explain --kernel 6.1.124 9000
t explain_ge_module_newer_kernel 0 env $(s ge sysctl_ge) "$LQ" explain --kernel 6.1.192 9000
t explain_ge_backlog_0 0 env $(s ge_b0 sysctl_ge_cookies0) "$LQ" explain --kernel 5.10.223 9001
t ge_backlog_0 0 env $(s ge_b0 sysctl_ge_cookies0) "$LQ"
t explain_no_sysctl 0 env LQ_TEST_PROC=samples/v1.txt LQ_TEST_SYSCTL=samples/nonexistent \
	"$LQ" explain --kernel 6.12.117 8080
t explain_no_match 1 env $(s probes sysctl_probes) "$LQ" explain --kernel 6.12.117 9999

# Broken files: a clear message, exit 1, good rows still shown
t err_no_module 1 env LQ_TEST_PROC=samples/nonexistent "$LQ"
t err_no_module_json 1 env LQ_TEST_PROC=samples/nonexistent "$LQ" --json
t err_missing_column 1 env $(s missing_col) "$LQ"
t err_empty 1 env $(s empty) "$LQ"
t err_truncated 1 env $(s truncated) "$LQ"
t err_truncated_json 1 env $(s truncated) "$LQ" --json
t err_garbage 1 env $(s garbage) "$LQ"
t err_explain_no_module 1 env LQ_TEST_PROC=samples/nonexistent "$LQ" explain 80

# Bad flags: usage on stderr, exit 2
t usage_unknown_option 2 "$LQ" --bogus
t usage_bad_port 2 "$LQ" --port 70000
t usage_bad_filter 2 "$LQ" 1.2.3
t usage_json_prometheus 2 "$LQ" --json --prometheus
t usage_watch_json 2 "$LQ" --watch --json
t usage_bad_interval 2 "$LQ" --watch=-1
t usage_bad_count 2 "$LQ" --count 0
t usage_bad_color 2 "$LQ" --color=sometimes
t usage_backlog_without_predict 2 "$LQ" --backlog 5
t usage_predict_no_backlog 2 "$LQ" predict --kernel 6.1.192
t usage_predict_bad_kernel 2 "$LQ" predict --kernel abc --backlog 1
t usage_predict_missing_value 2 "$LQ" predict --backlog
t usage_predict_bad_syncookies 2 "$LQ" predict --backlog 1 --syncookies 3x
t usage_explain_no_target 2 "$LQ" explain
t usage_explain_json 2 "$LQ" explain --json 80
t usage_kernel_without_subcommand 2 "$LQ" --kernel 6.12.117
t usage_kernel_missing_value 2 "$LQ" explain 80 --kernel

# Bad intervals and counts
t usage_interval_zero 2 "$LQ" --interval 0
t usage_interval_zero_fraction 2 "$LQ" --interval 0.000
t usage_interval_too_small 2 "$LQ" --interval 0.001
t usage_interval_negative 2 "$LQ" --interval -1
t usage_interval_not_a_number 2 "$LQ" --interval abc
t usage_interval_trailing_junk 2 "$LQ" --interval 5x
t usage_interval_too_large 2 "$LQ" --interval 86401
t usage_interval_huge 2 "$LQ" --interval 99999999999999999999999999999
t usage_interval_exponent 2 "$LQ" --interval 1e3
t usage_interval_hex 2 "$LQ" --interval 0x10
t usage_interval_inf 2 "$LQ" --interval inf
t usage_interval_empty 2 "$LQ" --interval ''
t usage_interval_dot 2 "$LQ" --interval .
t usage_interval_missing 2 "$LQ" --interval
t usage_watch_eq_zero 2 "$LQ" --watch=0
t usage_watch_eq_junk 2 "$LQ" --watch=5x
t usage_watch_word_junk 2 "$LQ" --watch 5x
t usage_watch_short_value 2 "$LQ" -w5
t usage_interval_json 2 "$LQ" --interval 1 --json
t usage_interval_explain 2 "$LQ" --interval 1 explain 80
t usage_count_junk 2 "$LQ" --count 3x
t usage_count_too_large 2 "$LQ" -c 1000000001
t usage_count_missing 2 "$LQ" -jc

# Bad --net values and uses
t usage_net_empty 2 "$LQ" -N ''
t usage_net_slash 2 "$LQ" -N ../x
t usage_net_dotdot 2 "$LQ" --net ..
t usage_net_pid_zero 2 "$LQ" -N 0
t usage_net_pid_too_large 2 "$LQ" -N 4194305
t usage_net_pid_huge 2 "$LQ" -N 99999999999999999999
t usage_net_missing 2 "$LQ" -N
t usage_net_predict 2 "$LQ" -N 4242 predict --backlog 5

# --no-header only with the table
t usage_no_header_json 2 "$LQ" -H --json
t usage_no_header_prometheus 2 "$LQ" --no-header --prometheus
t usage_no_header_explain 2 "$LQ" -H explain 80

# -A, -p and -o where they do not apply
t usage_allns_net 2 "$LQ" -A -N 4242
t usage_allns_net_name 2 "$LQ" --net blue --all-namespaces explain 80
t usage_allns_predict 2 "$LQ" -A predict --backlog 5
t usage_processes_predict 2 "$LQ" -p predict --backlog 5
t usage_allns_value 2 "$LQ" --all-namespaces=1
t usage_output_watch 2 "$LQ" --output="$TMP/w.txt" --watch
t usage_output_count 2 "$LQ" -c 2 --output "$TMP/w.txt"
t usage_output_missing 2 "$LQ" --output
t usage_output_empty 2 "$LQ" --output=

# -a is ss's --all: gone, with a pointer
t usage_short_a 2 "$LQ" -a ::
t usage_unknown_short 2 "$LQ" -jx
t usage_long_takes_no_value 2 "$LQ" --json=1
t usage_ambiguous 2 "$LQ" --co 1
t usage_test_only_options_gone 2 "$LQ" --proc-file samples/probes.txt
}

# ss's conventions, without its traps. Each case below is a trap a user met.
# shellcheck disable=SC2046 # word splitting of $(s ...) is the point
{
# ss's letters: -o, -w, -i are ss's timers, raw sockets and TCP info. They
# are refused with what to type, and nothing is written (once, -o 80 wrote
# the table to a file ./80).
t ss_o_timer 2 env $(s probes) "$LQ" -o 80
[ ! -e 80 ] && ok "ss_o_timer: no file 80 written" || { ko "ss_o_timer: wrote ./80"; rm -f 80; }
t ss_w_glued 2 env $(s probes) "$LQ" -w5
t ss_w_space 2 env $(s probes) "$LQ" -w 0.5
t ss_i_info 2 env $(s probes) "$LQ" -i 1
t ss_u_udp 2 env $(s probes) "$LQ" -u
t ss_r_resolve 2 env $(s probes) "$LQ" -r
# ss's long names too: --all is ss's all sockets, no abbreviation of
# --all-namespaces
t ss_long_all 2 env $(s probes) "$LQ" --all
t ss_long_options 2 env $(s probes) "$LQ" --options
# --output FILE and --output=FILE (the metrics unit writes the first)
t output_eq_form 0 env $(s probes sysctl_probes) "$LQ" --output="$OUT/eq.txt"
t output_space_form 0 env $(s probes sysctl_probes) "$LQ" --output "$OUT/space.txt"
cmp -s "$OUT/eq.txt" expected/table_probes.out && cmp -s "$OUT/space.txt" expected/table_probes.out &&
	ok "output FILE and output=FILE: both hold the table" ||
	ko "output FILE and output=FILE: both hold the table"
rm -f "$OUT/eq.txt" "$OUT/space.txt"
# --watch=SECS, --interval SECS: the long forms
t watch_eq_secs 0 env $(s watch1) "$LQ" --watch=5 -c 1
t watch_interval_fraction 0 env $(s watch1) "$LQ" --interval 0.5 -c 1

# -l, -t, -n: ss's listening, TCP, numeric, what listenq shows anyway; the
# same table as no option at all.
t ss_ltn 0 env $(s probes sysctl_probes) "$LQ" -ltn
cmp -s expected/ss_ltn.out expected/table_probes.out && ok "ss_ltn: the plain table" ||
	ko "ss_ltn: the plain table"
t ss_long_ltn 0 env $(s probes sysctl_probes) "$LQ" --listening --tcp --numeric -H
# -4, -6: one family, by the socket's (a [::] listener is IPv6, as in ss)
t ss_ipv4 0 env $(s probes sysctl_probes) "$LQ" -ltn4 -H
t ss_ipv6 0 env $(s probes sysctl_probes) "$LQ" -6 -H
t ss_ipv6_long_port 0 env $(s probes sysctl_probes) "$LQ" --ipv6 -H 80
t usage_ss_ipv4_ipv6 2 "$LQ" -4 -6

# Filters: ss's expressions. probes.txt: 0.0.0.0:80, [::]:443 twice,
# 127.0.0.1:6379, 10.0.0.1:22; the LOCAL column of each case must be these.
t filter_ss_sport_eq 0 env $(s probes) "$LQ" -H sport = :80
t filter_ss_sport_noop 0 env $(s probes) "$LQ" -H sport :443
t filter_ss_sport_eqeq 0 env $(s probes) "$LQ" -H sport == :80
t filter_ss_sport_eq_word 0 env $(s probes) "$LQ" -H sport eq 80
t filter_ss_sport_ne 0 env $(s probes) "$LQ" -H sport != :80
t filter_ss_sport_gt 0 env $(s probes) "$LQ" -H sport gt :443
t filter_ss_one_word 0 env $(s probes) "$LQ" -H '( sport = :80 or sport = :22 )'
t filter_ss_src 0 env $(s probes) "$LQ" -H src 127.0.0.1
t filter_ss_src_port 0 env $(s probes) "$LQ" -H src 127.0.0.1:6379
t filter_ss_src_v6 0 env $(s probes) "$LQ" -H src '[::]'
t filter_ss_src_v6_port 0 env $(s probes) "$LQ" -H src '[::]:443'
t filter_ss_src_v6_bare 0 env $(s probes) "$LQ" -H src ::
t filter_ss_src_star_port 0 env $(s probes) "$LQ" -H src '*:22'
t filter_ss_src_port_only 0 env $(s probes) "$LQ" -H src :6379
t filter_ss_src_prefix 0 env $(s probes) "$LQ" -H src 10.0.0.0/8
t filter_ss_src_ne 0 env $(s probes) "$LQ" -H src != 0.0.0.0
t filter_ss_or 0 env $(s probes) "$LQ" -H sport = :80 or sport = :443
t filter_ss_and 0 env $(s probes) "$LQ" -H sport = :6379 and src 127.0.0.1
t filter_ss_juxtaposed_and 0 env $(s probes) "$LQ" -H sport = :6379 src 10.0.0.1
t filter_ss_parens 0 env $(s probes) "$LQ" -H '(' sport = :80 or sport = :22 ')' and src 10.0.0.1
t filter_ss_not 0 env $(s probes) "$LQ" -H not '(' sport = :80 or sport = :443 ')'
t filter_ss_bang 0 env $(s probes) "$LQ" -H '!' src 0.0.0.0/0
t filter_ss_state 0 env $(s probes) "$LQ" -H state listening sport = :22
# Several bare terms: any of them (ss has no bare terms; ANDed, two ports
# would match nothing)
t filter_two_ports 0 env $(s probes) "$LQ" -H 80 443
# README's sample table
t readme_table 0 env $(h peaks peaks_hist) "$LQ" 80 6379 22
t filter_bare_run_and_src 0 env $(s probes) "$LQ" -H 80 6379 src 127.0.0.1
t filter_bare_v6 0 env $(s probes) "$LQ" -H ::
t filter_bare_v6_loopback 0 env $(s probes) "$LQ" -H ::1
t filter_port_flag_and_expr 0 env $(s probes) "$LQ" -H --port 443 src '[::]'
t explain_ss_expr 0 env $(s probes sysctl_probes) "$LQ" explain --kernel 6.12.117 sport = :80
# The listeners each case shows, written out from probes.txt by hand.
locals() {
	got=$(awk '{ printf "%s ", $1 }' "expected/$1.out")
	[ "$got" = "$2" ] && ok "$1: shows $2" || ko "$1: shows '$got', want '$2'"
}
locals filter_ss_sport_eq '0.0.0.0:80 '
locals filter_ss_src '127.0.0.1:6379 '
locals filter_ss_src_v6_port '[::]:443 [::]:443 '
locals filter_two_ports '0.0.0.0:80 [::]:443 [::]:443 '
locals filter_ss_or '0.0.0.0:80 [::]:443 [::]:443 '
locals filter_ss_not '127.0.0.1:6379 10.0.0.1:22 '
locals filter_ss_parens '10.0.0.1:22 '
locals filter_ss_juxtaposed_and ''
locals filter_bare_v6 '[::]:443 [::]:443 '
locals filter_bare_v6_loopback ''
locals filter_bare_run_and_src '127.0.0.1:6379 '
locals ss_ipv4 '0.0.0.0:80 127.0.0.1:6379 10.0.0.1:22 '
locals ss_ipv6 '[::]:443 [::]:443 '
t usage_filter_mixed 2 "$LQ" sport = :80 or sport = :443 and src 0.0.0.0
t usage_filter_dport 2 "$LQ" dport = :80
t usage_filter_state 2 "$LQ" state established
t usage_filter_open_paren 2 "$LQ" '(' sport = :80
t usage_filter_close_paren 2 "$LQ" sport = :80 ')'
t usage_filter_src_bare_port 2 "$LQ" src 80
t usage_filter_service_name 2 "$LQ" sport = :http
t usage_filter_hostname 2 "$LQ" src localhost
t usage_filter_v6_port_hint 2 "$LQ" 'fe80::1%eth0'
t usage_filter_ss_dev 2 "$LQ" dev eth0
t usage_filter_ends 2 "$LQ" 80 or

# -H: the same columns whatever the rows. Every row of every sample and
# filter has as many fields as the header has titles (17 without -A, -p,
# --watch), and REUSEPORT, BACKLOG, PEAK stand where the header says.
hdr=$(env LQ_TEST_PROC=samples/v1.txt LQ_TEST_SYSCTL=samples/sysctl.txt "$LQ" | head -n 1)
nf=$(echo "$hdr" | awk '{ print NF }')
[ "$nf" = 17 ] && ok "columns: 17 titles" || ko "columns: $nf titles, want 17"
for smp in v1 current probes peaks peaks_off ge cookies0; do
	for flt in '' 80 443 6379 '80 443' 9999; do
		got=$(env LQ_TEST_PROC=samples/$smp.txt LQ_TEST_SYSCTL=samples/sysctl_probes.txt \
			"$LQ" | head -n 1 | tr -s ' ')
		[ "$got" = "$(echo "$hdr" | tr -s ' ')" ] || ko "columns: $smp header differs: $got"
		# shellcheck disable=SC2086 # $flt is words
		bad=$(env LQ_TEST_PROC=samples/$smp.txt LQ_TEST_SYSCTL=samples/sysctl_probes.txt \
			"$LQ" -H $flt | awk -v nf="$nf" 'NF != nf')
		[ -z "$bad" ] && ok "columns: $smp -H $flt: $nf fields a row" ||
			ko "columns: $smp -H $flt: rows not of $nf fields: $bad"
	done
done
# BACKLOG is field 13, REUSEPORT 14: 0.0.0.0:80 of probes.txt has 511 and none
row=$(env $(s probes) "$LQ" -H 80 | awk '{ print $13, $14 }')
[ "$row" = "511 -" ] && ok "columns: BACKLOG, REUSEPORT of 0.0.0.0:80" ||
	ko "columns: BACKLOG, REUSEPORT of 0.0.0.0:80 are '$row', want '511 -'"
row=$(env $(s v1) "$LQ" -H 8083 | awk '{ print $3, $13, $14 }')
[ "$row" = "- - 0" ] && ok "columns: v1 has no PEAK, no BACKLOG: -" ||
	ko "columns: v1's PEAK, BACKLOG, REUSEPORT are '$row', want '- - 0'"

# predict reads the running system: a fake one, Debian 6.1.192 under its ABI
# name, tcp_max_syn_backlog 2048. 6.1.192 has 3479c7549fb1 (6.1.125): the
# SYN queue holds backlog + 1 = 512 (the old reading said 97, from defaults).
PRED=$TMP/pred
mkdir -p "$PRED/proc/sys/net/core" "$PRED/proc/sys/net/ipv4" "$PRED/proc/sys/kernel"
echo 4096 >"$PRED/proc/sys/net/core/somaxconn"
echo 2048 >"$PRED/proc/sys/net/ipv4/tcp_max_syn_backlog"
echo 1 >"$PRED/proc/sys/net/ipv4/tcp_syncookies"
echo 6.1.0-57-cloud-amd64 >"$PRED/proc/sys/kernel/osrelease"
echo 'Linux version 6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-02)' \
	>"$PRED/proc/version"
t predict_running 0 env LQ_TEST_ROOT="$PRED" "$LQ" predict --backlog 511 --syncookies 0
grep -q '^syn cap *512 ' expected/predict_running.out && ok "predict_running: syn cap 512" ||
	ko "predict_running: syn cap is not 512"
head -n 1 expected/predict_running.out | grep -q 'kernel 6.1.192-3 (running, .*version from /proc/version.*tcp_max_syn_backlog 2048 (read' &&
	ok "predict_running: the first line says what was read" ||
	ko "predict_running: the first line says what was read"
t predict_running_json 0 env LQ_TEST_ROOT="$PRED" "$LQ" predict --backlog 511 --json
PRED2=$TMP/pred2
mkdir -p "$PRED2/proc/sys/kernel"
echo 6.1.0-57-cloud-amd64 >"$PRED2/proc/sys/kernel/osrelease"
echo 'Linux version 6.1.0-57-cloud-amd64 #1 SMP PREEMPT_DYNAMIC' >"$PRED2/proc/version"
t predict_running_abi_unknown 1 env LQ_TEST_ROOT="$PRED2" "$LQ" predict --backlog 511
t predict_sysctl_unreadable 0 env LQ_TEST_ROOT="$TMP/none" "$LQ" predict --kernel 6.1.192 \
	--backlog 511 --syncookies 0
t predict_kernel_abi_name 2 "$LQ" predict --kernel 6.1.0-57-cloud-amd64 --backlog 511
t predict_kernel_no_sublevel 2 "$LQ" predict --kernel 6.1 --backlog 511
t predict_kernel_no_sublevel_ok 0 env LQ_TEST_ROOT="$TMP/none" "$LQ" predict --kernel 4.19 \
	--backlog 511
t predict_kernel_future 0 env LQ_TEST_ROOT="$TMP/none" "$LQ" predict --kernel 9.9 --backlog 511
t predict_kernel_future_json 0 env LQ_TEST_ROOT="$TMP/none" "$LQ" predict --kernel 9.9 \
	--backlog 511 --json
t predict_kernel_too_old 2 "$LQ" predict --kernel 2.6 --backlog 511
t predict_point_release 0 env LQ_TEST_ROOT="$TMP/none" "$LQ" predict --kernel 6.1.124 \
	--backlog 511
t explain_kernel_abi_name 2 env $(s probes sysctl_probes) "$LQ" explain \
	--kernel 6.1.0-57-cloud-amd64 80
# Each subcommand's --help is its own.
t predict_help 0 "$LQ" predict --help
t predict_help_first 0 "$LQ" --help predict
t explain_help 0 "$LQ" explain --help
for o in --backlog --kernel --somaxconn --max-syn-backlog --syncookies --json; do
	grep -q -- "$o" expected/predict_help.out || ko "predict --help: no $o"
done
ok "predict --help names its flags"

# -N "$(pidof nginx)": several PIDs of one namespace are that namespace.
t net_pid_list 0 env $(r) "$LQ" -N "4242 4246"
cmp -s expected/net_pid_list.out expected/net_pid.out && ok "net_pid_list: as -N 4242" ||
	ko "net_pid_list: as -N 4242"
t net_pid_list_two_ns 1 env $(r) "$LQ" -N "4242 4245"
t net_pid_list_gone 1 env $(r) "$LQ" -N "4242 4244"
}

# The man page's EXAMPLES run as written: no usage error. $(pidof ...) is
# a PID of the fake root, the metrics file goes to $TMP.
sed -n '/^\.SH EXAMPLES/,/^\.SH/p' ../listenq.8 | sed -n '/^\.nf/,/^\.fi/p' | sed '1d;$d' |
	sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\e$/\\/' | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' |
	sed 's/ *#.*//' >"$TMP/examples"
n=0
while IFS= read -r ex; do
	[ -n "$ex" ] || continue
	n=$((n + 1))
	# shellcheck disable=SC2016 # $(pidof ...) is the text to replace
	cmd=$(echo "$ex" | sed -e 's|\$(pidof [^)]*)|4242|' -e "s|/var/lib/prometheus/node-exporter/|$OUT/|" \
		-e "s|^listenq|\"\$LQ\"|")
	# --watch runs until stopped: one frame
	case $ex in *--watch* | *--interval*) cmd="$cmd --count 1" ;; esac
	env LQ_TEST_ROOT="$ROOT" LQ_TEST_PROC=samples/probes.txt LQ_TEST_SYSCTL=samples/sysctl_probes.txt \
		LQ_TEST_EUID=0 sh -c "LQ='$LQ'; $cmd" >/dev/null 2>"$TMP/ex.err" </dev/null
	rc=$?
	if [ "$rc" = 2 ] || grep -q '^usage:' "$TMP/ex.err"; then
		ko "man page example: $ex"
		sed 's/^/# /' "$TMP/ex.err"
	else
		ok "man page example: $ex"
	fi
done <"$TMP/examples"
[ "$n" -ge 5 ] && ok "man page: $n examples read" || ko "man page: $n examples read"

# The --prometheus outputs pass promtool's own checks, when it is installed.
if command -v promtool >/dev/null 2>&1; then
	for c in prom_v1 prom_probes prom_peaks prom_peaks_no_hist prom_peaks_off prom_wait_missed \
		proc_prom allns_prom \
		allns_prom_no_p; do
		if promtool check metrics <"expected/$c.out" >"$TMP/promtool" 2>&1; then
			ok "promtool check metrics $c"
		else
			ko "promtool check metrics $c"
			sed 's/^/# /' "$TMP/promtool"
		fi
	done
else
	skip "promtool check metrics" "no promtool (apt-get install prometheus)"
fi

# --version and --help, whose text moves with the tree
want="listenq $(cat "$TOP/VERSION")"
got=$("$LQ" --version)
[ "$got" = "$want" ] && ok "version" || ko "version: '$got', want '$want'"
"$LQ" --help >"$TMP/help" 2>&1 && grep -q '^usage: listenq' "$TMP/help" && ok "help" ||
	ko "help"

# The man page and --help document the same options.
opts() { grep -o -- '--[a-z][a-z-]*' "$1" | sort -u; }
opts "$TMP/help" >"$TMP/help.opts"
sed 's/\\-/-/g' ../listenq.8 >"$TMP/man"
opts "$TMP/man" >"$TMP/man.opts"
if cmp -s "$TMP/help.opts" "$TMP/man.opts"; then
	ok "man page and --help list the same options"
else
	ko "man page and --help list the same options"
	diff "$TMP/help.opts" "$TMP/man.opts" | sed 's/^/# /'
fi
# The test hooks stay out of the public interface.
if grep -q -e LQ_TEST -e LISTENQ_PROC -e proc-file "$TMP/help" ../listenq.8; then
	ko "no test hook in --help or the man page"
else
	ok "no test hook in --help or the man page"
fi
for sub in predict explain; do
	grep -qi "^\.SH $sub" ../listenq.8 && ok "man page documents $sub" ||
		ko "man page documents $sub"
done

finish
