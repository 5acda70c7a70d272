#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# --watch finds each listener of a frame in the previous frame (by
# namespace and inode) to print dACC, dSYN and dDROPS. On generated
# frames of N listeners this checks that
#  - the deltas are exact, against the generator's own arithmetic, for
#    listeners that change, move within the file, vanish, come back, are
#    new, or share their inode with a listener of another namespace;
#  - the cost grows about linearly: 10x the listeners must cost under 30x
#    the CPU time (linear: ~10x; each row looked up among all the previous
#    frame's rows: ~100x).
# The limit is a ratio of two runs on the same machine, not a time: a time
# passes or fails with the machine's speed and its load (CI runs the tests
# niced next to builds); the ratio depends on neither.
#
#   bash watch_scale_test.sh /path/to/listenq
#
# The last line is "N passed, N failed"; the exit status is 1 on a failure.
set -euo pipefail

LQ=${1:?usage: watch_scale_test.sh LISTENQ_BINARY}
case $LQ in /*) ;; *) LQ=$PWD/$LQ ;; esac
cd "$(dirname "$0")"
. ./lib.sh
SMALL=5000
BIG=50000
MAX_RATIO=30

export LC_ALL=C

# gen N: three frames of N listeners in $TMP/N.{1,2,3}, and in $TMP/N.want
# the "FRAME LOCAL INODE dACC dSYN dDROPS" rows frames 2 and 3 must show.
# Namespace 1 has inodes 1000..N+999 on 0.0.0.0; frame 2 lists them
# backwards and without the last, which frame 3 brings back with one more.
# Every 1000th inode is also a listener of namespace 2, on 127.0.0.2 with
# other counters; frame 3 adds one more there too.
gen() {
	awk -v n="$1" -v dir="$TMP" '
	function cnt(ns, i, f, which) {
		if (which == 1)
			return (i * 7 + f * f * (i % 5) + ns) % 1000
		if (which == 2)
			return (i * 3 + f * (i % 3) + 2 * ns) % 128
		return i % 11 + f * (i % 4) * (ns ? 3 : 1)
	}
	function delta(d) { return d > 0 ? "+" d : d }
	function row(f, ns, i,    local, k, w, c) {
		local = (ns ? "127.0.0.2:" : "0.0.0.0:") (i % 60000 + 1)
		# Strings: mawk prints %d of more than 2^31 - 1 as 2^31 - 1.
		printf "%s %s 0 %d %d 1000 1001 %d 0 128 %d cookie 0 0 0 - - - - - - - -\n",
			local, ns ? "4026532100" : "4026531993", i, cnt(ns, i, f, 1), cnt(ns, i, f, 2),
			cnt(ns, i, f, 3) > (dir "/" n "." f)
		here[f, ns, i] = 1
		if (f == 1)
			return
		w = f " " local " " i
		for (c = 1; c <= 3; c++)
			w = w " " (((f - 1, ns, i) in here) ? \
				   delta(cnt(ns, i, f, c) - cnt(ns, i, f - 1, c)) : "new")
		print w > (dir "/" n ".want")
	}
	BEGIN {
		for (f = 1; f <= 3; f++) {
			print "local ns uid inode acc_q acc_max acc_cap syn_q syn_young " \
			      "syn_cap drops syn_full defer_accept tfo_q tfo_max reuseport_id " \
			      "drop_synq cookie_synq drop_accq_syn drop_accq_ack drop_quarter " \
			      "expired backlog" > (dir "/" n "." f)
			last = f == 2 ? n - 2 : n - 1
			for (k = 0; k <= last; k++) {
				i = 1000 + (f == 2 ? last - k : k)
				row(f, 0, i)
				if (i % 1000 == 0)
					row(f, 1, i)
			}
			if (f == 3) {
				row(f, 0, 1000 + n)
				row(f, 1, 1000 + n + 1)
			}
		}
	}'
	sort -o "$TMP/$1.want" "$TMP/$1.want"
}

# run N: three frames of N listeners into $TMP/N.out; prints the user CPU
# seconds they took.
run() {
	local TIMEFORMAT=%3U

	{ time LQ_TEST_PROC="$TMP/$1.1:$TMP/$1.2:$TMP/$1.3" LQ_TEST_SYSCTL=samples/sysctl.txt \
		"$LQ" --watch --interval 0.01 --count 3 >"$TMP/$1.out" 2>"$TMP/$1.err"; } 2>&1
}

# got N: the rows of frames 2 and 3 as gen writes them.
got() {
	awk '
	/^--- frame / { f = $3; next }
	$1 == "LOCAL" { for (c = 1; c <= NF; c++) col[$c] = c; next }
	NF && f >= 2 {
		print f, $col["LOCAL"], $col["INODE"], $col["dACC"], $col["dSYN"], $col["dDROPS"]
	}' "$TMP/$1.out" | sort
}

for n in $SMALL $BIG; do
	gen "$n"
	eval "cpu_$n=\$(run $n)"
	if [ -s "$TMP/$n.err" ]; then
		ko "$n listeners: stderr"
		sed 's/^/# /' "$TMP/$n.err"
	elif ! got "$n" | cmp -s - "$TMP/$n.want"; then
		ko "$n listeners: deltas differ"
		got "$n" | diff "$TMP/$n.want" - | head -n 20 | sed 's/^/# /' || true
	else
		ok "$n listeners: deltas of $(wc -l <"$TMP/$n.want") rows"
	fi
done

small=$(eval "echo \$cpu_$SMALL")
big=$(eval "echo \$cpu_$BIG")
# Under 1 ms, the small run is too fast to divide by: count it as 1 ms.
ratio=$(awk -v s="$small" -v b="$big" 'BEGIN { if (s < 0.001) s = 0.001; printf "%.1f", b / s }')
if awk -v r="$ratio" -v m=$MAX_RATIO 'BEGIN { exit !(r < m) }'; then
	ok "CPU time ${BIG} vs ${SMALL} listeners: ${big}s / ${small}s = ${ratio}x < ${MAX_RATIO}x"
else
	ko "CPU time ${BIG} vs ${SMALL} listeners: ${big}s / ${small}s = ${ratio}x, want < ${MAX_RATIO}x"
fi

finish
