#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Names that processes and containers choose, on a fake host: comms with a
# newline, ESC [31m, ')', a byte that is not UTF-8, a C1 control, a tab
# and DEL, quotes and a backslash, a trailing newline, valid UTF-8; a
# cgroup named with ESC; ip netns names with a newline and in UTF-8.
#
# The table (-A -p, --watch) and explain must hold no control byte, one
# line per listener, each name escaped exactly as written below; --json
# the exact name (U+FFFD for the byte that is not UTF-8), past its
# newline; --prometheus the name with its escapes, accepted by promtool.
#
#   bash names_test.sh /path/to/listenq
#
# The last line is "N passed, N failed"; the exit status is 1 on a failure.
set -euo pipefail

LQ=${1:?usage: names_test.sh LISTENQ_BINARY}
case $LQ in /*) ;; *) LQ=$PWD/$LQ ;; esac
cd "$(dirname "$0")"
. ./lib.sh
export LQ_TEST_EUID=0 LQ_TEST_ROOT=$TMP/host
HOST=$TMP/host

# check NAME CMD...: CMD's success is the case's
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}

# The fake host, as cli_test.sh builds one (LQ_TEST_ROOT before /proc and
# /run/netns). A listenq row: the columns of samples/allns_root_cgroup.txt.
HEADER=$(head -n 1 samples/allns_root_cgroup.txt)
# row LOCAL NS INODE
row() { tail -n 1 samples/allns_root_cgroup.txt |
	awk -v l="$1" -v n="$2" -v i="$3" '{ $1 = l; $2 = n; $4 = i; print }'; }
# proc PID NS COMM CGROUP: COMM and CGROUP are printf formats; the kernel
# ends comm with a newline of its own
proc() {
	mkdir -p "$HOST/proc/$1/fd" "$HOST/proc/$1/ns"
	ln -s "net:[$2]" "$HOST/proc/$1/ns/net"
	# shellcheck disable=SC2059 # the formats are the bytes
	printf "$3\n" >"$HOST/proc/$1/comm"
	# shellcheck disable=SC2059
	printf "$4\n" >"$HOST/proc/$1/cgroup"
	ln -s /dev/null "$HOST/proc/$1/fd/0"
}
# sock PID FD INODE
sock() { ln -s "socket:[$3]" "$HOST/proc/$1/fd/$2"; }
# files PID NS ROW...: the namespace's listenq and listenq_sysctl
files() {
	local pid=$1 ns=$2
	shift 2
	mkdir -p "$HOST/proc/$pid/net"
	{ echo "$HEADER"; for r in "$@"; do echo "$r"; done; } >"$HOST/proc/$pid/net/listenq"
	sed "s/^ns .*/ns $ns/" samples/sysctl_probes.txt >"$HOST/proc/$pid/net/listenq_sysctl"
}

# The host's namespace: one listener per hostile comm, port 9000 + N held
# by pid 100 + N.
NS0=4026531993
proc 1 $NS0 systemd '0::/init.scope'
COMMS=(
	[1]='nl\nx'
	[2]='\033[31mred'
	[3]='a)b) c'
	[4]='bad\377byte'
	[5]='c1\302\233x'
	[6]='na\303\257ve'
	[7]='q"u\\o'
	[8]='t\tdel\177'
	[9]='end\n'
)
# What the table shows of each: \xNN for control and non-UTF-8 bytes,
# \\ and, in ss's quotes, \".
TABLE=(
	[1]='nl\x0ax'
	[2]='\x1b[31mred'
	[3]='a)b) c'
	[4]='bad\xffbyte'
	[5]='c1\xc2\x9bx'
	[6]='naïve'
	[7]='q\"u\\o'
	[8]='t\x09del\x7f'
	[9]='end\x0a'
)
rows=()
for n in "${!COMMS[@]}"; do
	proc $((100 + n)) $NS0 "${COMMS[$n]}" '0::/user.slice'
	sock $((100 + n)) 3 $((5000 + n))
	rows+=("$(row "127.0.0.1:$((9000 + n))" $NS0 $((5000 + n)))")
done
files 1 $NS0 "${rows[@]}"
# -p without -A reads /proc/listenq: the same namespace.
mkdir -p "$HOST/proc/net"
cp "$HOST/proc/1/net/listenq" "$HOST/proc/listenq"
cp "$HOST/proc/1/net/listenq_sysctl" "$HOST/proc/net/listenq_sysctl"

# A service named with ESC [31m: its cgroup names its namespace.
proc 200 4026532101 srv '0::/system.slice/\033[31mevil.service'
files 200 4026532101 "$(row 0.0.0.0:8081 4026532101 5101)"
sock 200 3 5101
# ip netns names: one with a newline, one in UTF-8 (wider in bytes than
# in columns), each with a process in it.
mkdir -p "$HOST/run/netns"
ln -s "net:[4026532102]" "$HOST/run/netns/$(printf 'two\nlines')"
proc 300 4026532102 srv2 '0::/'
files 300 4026532102 "$(row 0.0.0.0:8082 4026532102 5201)"
sock 300 3 5201
ln -s "net:[4026532103]" "$HOST/run/netns/$(printf 'na\303\257ve')"
proc 400 4026532103 srv3 '0::/'
files 400 4026532103 "$(row 0.0.0.0:8083 4026532103 5301)"
sock 400 3 5301
NLISTENERS=$((${#COMMS[@]} + 3))

# run NAME ARGS...: listenq's stdout in $TMP/NAME; a case fails on its exit code
run() {
	local name=$1
	shift
	if "$LQ" "$@" >"$TMP/$name" 2>"$TMP/$name.err"; then
		ok "$name: exit 0"
	else
		ko "$name: exit $?"
		sed 's/^/# /' "$TMP/$name.err"
	fi
}

# no_controls FILE: no C0 control but newline, no DEL, no C1 (as UTF-8 or
# alone), and UTF-8 throughout
no_controls() {
	! LC_ALL=C grep -q -a -P '[\x00-\x09\x0b-\x1f\x7f-\x9f]|\xc2[\x80-\x9f]' "$1" &&
		python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$1"
}

# the_line FILE PORT: the one line of listener PORT into $line
the_line() {
	line=$(grep -a -F ":$2 " "$1") || return 1
	[ "$(printf '%s\n' "$line" | wc -l)" = 1 ]
}

# line_ends FILE PORT WANT: the one line of listener PORT ends with WANT
line_ends() {
	local line
	if the_line "$1" "$2" && [[ $line == *"$3" ]]; then
		return 0
	fi
	printf '# line of :%s: %q\n# want at its end: %s\n' "$2" "${line:-}" "$3"
	return 1
}

# line_has FILE PORT WANT: the one line of listener PORT holds WANT
line_has() {
	local line
	if the_line "$1" "$2" && [[ $line == *"$3"* ]]; then
		return 0
	fi
	printf '# line of :%s: %q\n# want: %s\n' "$2" "${line:-}" "$3"
	return 1
}

# The table: every name escaped, one line per listener, LOCAL aligned.
run table -A -p
check "table: no control byte, UTF-8" no_controls "$TMP/table"
check "table: a line per listener" [ "$(wc -l <"$TMP/table")" = $((NLISTENERS + 1)) ]
for n in "${!TABLE[@]}"; do
	check "table: comm ${TABLE[$n]}" line_ends "$TMP/table" $((9000 + n)) \
		"users:((\"${TABLE[$n]}\",pid=$((100 + n)),fd=3))"
done
check "table: cgroup name" line_has "$TMP/table" 8081 ' \x1b[31mevil.service  '
check "table: ip netns name" line_has "$TMP/table" 8082 ' two\x0alines  '
check "table: UTF-8 ip netns name" line_has "$TMP/table" 8083 ' naïve  '
# Every row's LOCAL starts in the column of its title, counted in characters.
aligned() {
	python3 - "$1" <<'EOF'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
col = lines[0].index("LOCAL")
bad = [l for l in lines[1:] if l[col:col + 3] not in ("127", "0.0")]
for l in bad:
	print("# LOCAL not at column %d: %s" % (col, l))
sys.exit(1 if bad else 0)
EOF
}
check "table: LOCAL aligned" aligned "$TMP/table"

run table_one -p
check "table -p: no control byte" no_controls "$TMP/table_one"
check "table -p: a line per listener" [ "$(wc -l <"$TMP/table_one")" = $((${#COMMS[@]} + 1)) ]
check "table -p: comm past its newline" line_ends "$TMP/table_one" 9001 \
	'users:(("nl\x0ax",pid=101,fd=3))'

run watch -A -p --interval 0.01 -c 2
check "watch: no control byte" no_controls "$TMP/watch"
check "watch: a line per listener" \
	[ "$(grep -c -a -F -e '127.0.0.1:' -e '0.0.0.0:' "$TMP/watch")" = $((2 * NLISTENERS)) ]

# explain: the owners and the namespace's name, escaped
run explain_comm -A -p explain --kernel 6.12.117 9002
check "explain: no control byte" no_controls "$TMP/explain_comm"
check "explain: comm" grep -q -x -F '  owned by: \x1b[31mred (pid 102, fd 3)' "$TMP/explain_comm"
run explain_ns -A -p explain --kernel 6.12.117 8081
check "explain: cgroup name" grep -q -F 'netns 4026532101 (\x1b[31mevil.service)' "$TMP/explain_ns"
run explain_netns -A -p explain --kernel 6.12.117 8082
check "explain -A: no control byte" no_controls "$TMP/explain_netns"
check "explain: ip netns name" grep -q -F 'netns 4026532102 (two\x0alines)' "$TMP/explain_netns"

# --json: the names as the files hold them (the comm's last newline is
# the kernel's), a byte that is not UTF-8 as U+FFFD.
run json -A -p --json
json_names() {
	python3 - "$1" "$HOST" "$NLISTENERS" <<'EOF'
import json, os, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
host = sys.argv[2]
bad = 0
def want_comm(pid):
	b = open("%s/proc/%d/comm" % (host, pid), "rb").read()
	assert b.endswith(b"\n")
	return b[:-1].decode("utf-8", errors="replace")
for l in doc["listeners"]:
	for p in l["processes"]:
		if p["command"] != want_comm(p["pid"]):
			print("# pid %d: %r, want %r" % (p["pid"], p["command"], want_comm(p["pid"])))
			bad += 1
names = {n["ns"]: n["name"] for n in doc["namespaces"]}
want = {4026532101: "\x1b[31mevil.service", 4026532102: "two\nlines", 4026532103: "naïve"}
for ns, name in want.items():
	if names.get(ns) != name:
		print("# ns %d: %r, want %r" % (ns, names.get(ns), name))
		bad += 1
if sum(len(l["processes"]) for l in doc["listeners"]) != int(sys.argv[3]):
	print("# not one owner per listener")
	bad += 1
sys.exit(1 if bad else 0)
EOF
}
check "json: every name whole" json_names "$TMP/json"
check "json: nl\\nx whole" grep -q -F '"command":"nl\u000ax"' "$TMP/json"
check "json: no control byte" no_controls "$TMP/json"
check "json: C1 as \\u009b" grep -q -F '"command":"c1\u009bx"' "$TMP/json"

# --prometheus: label values escape \, " and newline; a byte that is not
# UTF-8, which the format does not allow, is U+FFFD.
run prom -A -p --prometheus
if command -v promtool >/dev/null; then
	check "prom: promtool check metrics" promtool check metrics <"$TMP/prom"
else
	ok "prom: promtool check metrics # SKIP no promtool"
fi
prom_has() { grep -q -a -F "$2" "$1" || { echo "# not found: $2"; return 1; }; }
check "prom: comm with newline" prom_has "$TMP/prom" 'command="nl\nx"'
check "prom: comm with quote, backslash" prom_has "$TMP/prom" 'command="q\"u\\o"'
check "prom: comm with ESC" prom_has "$TMP/prom" "command=\"$(printf '\033')[31mred\""
check "prom: comm not UTF-8" prom_has "$TMP/prom" "command=\"bad$(printf '\357\277\275')byte\""
check "prom: comm with trailing newline" prom_has "$TMP/prom" 'command="end\n"'
check "prom: ip netns name" prom_has "$TMP/prom" 'ns_name="two\nlines"'

finish
