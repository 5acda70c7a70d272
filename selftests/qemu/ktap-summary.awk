# SPDX-License-Identifier: GPL-2.0
#
# Count the results of a KTAP (or kselftest TAP 13) stream:
#
#	awk -f ktap-summary.awk results.ktap
#
# prints every problem as "# ktap-summary: ..." and, last, the line
# "N passed, N failed, N skipped"; exits 1 when anything failed.
#
# Leaf results are counted one by one, at any depth. A parent line closing a
# block of subtests adds nothing when it is "ok" (its subtests were counted)
# and one failure when it is "not ok": the binary crashed, timed out or
# exited badly, and that must never hide behind passing subtests. A block
# without a plan, or with a different number of results than planned, is
# one failure more, unless its parent line already failed (one crash, one
# failure). "Bail out!" is a failure and excuses the missing results.

function problem(msg) { printf "# ktap-summary: %s\n", msg; failed++ }

function open_block(i) { depth++; ind[depth] = i; plan[depth] = -1; seen[depth] = 0 }

# Plan problems wait in pend[] until we know whether a failed parent line
# accounts for them.
function close_block() {
	if (!bailed && plan[depth] < 0)
		pend[++npend] = sprintf("no plan (block at indent %d ending line %d)", ind[depth], NR)
	else if (!bailed && plan[depth] != seen[depth])
		pend[++npend] = sprintf("planned %d, got %d (block at indent %d ending line %d)",
					plan[depth], seen[depth], ind[depth], NR)
	closed_seen += seen[depth]
	depth--
}

function commit(excused,   k) {
	for (k = 1; k <= npend; k++)
		if (excused)
			printf "# ktap-summary: (parent failed) %s\n", pend[k]
		else
			problem(pend[k])
	npend = 0
}

# Make the block at indentation i the innermost one; sets closed_seen to the
# number of results in the deeper blocks this closes.
function enter(i) {
	closed_seen = 0
	while (depth > 0 && i < ind[depth])
		close_block()
	if (depth == 0 || i > ind[depth])
		open_block(i)
}

{
	sub(/\r$/, "")
	match($0, /^ */)
	i = RLENGTH
	line = substr($0, i + 1)
}

line ~ /^K?TAP version [0-9]+/ {
	# A second header at the same level starts a new stream there.
	if (depth > 0 && i == ind[depth] && (seen[depth] || plan[depth] >= 0))
		close_block()
	enter(i)
	commit(0)
	headers++
	next
}

line ~ /^[0-9]+\.\.[0-9]+/ {
	enter(i)
	commit(0)
	split(line, p, /\.\./)
	plan[depth] = p[2] + 0
	next
}

line ~ /^(not )?ok( |$)/ {
	enter(i)
	seen[depth]++
	bad = line ~ /^not ok/
	skip = line ~ /#[ \t]*[Ss][Kk][Ii][Pp]/
	if (closed_seen > 0) {
		if (bad && !skip)
			problem("failed with subtests counted: " line)
	} else if (skip) {
		skipped++
	} else if (bad) {
		failed++
		printf "# ktap-summary: failed: %s\n", $0
	} else {
		passed++
	}
	commit(bad && !skip)
	next
}

line ~ /^Bail out!/ {
	bailed = 1
	problem(line)
}

END {
	if (!headers)
		problem("no KTAP header")
	while (depth > 0)
		close_block()
	commit(0)
	printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
	exit failed > 0
}
