#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# table.sh [RESULTS...]: doc/probes.md's cost table (markdown) from
# bench/results files, one row per kernel: what probes=1 costs, a read of
# /proc/listenq, and what the records hold. "-" for a figure a file lacks
# (a run of some phases only, or of an older lqbench).
set -eu
[ $# -gt 0 ] || set -- "$(dirname "$0")"/results/*.txt

echo '| kernel | module | SYN dropped | SYN cookie | accept() | read(2) a row, 10,000 listeners | best ss / cat | held: 100 listeners, each further |'
echo '|---|---|---|---|---|---|---|---|'
for f; do
	awk -v kernel="$(basename "$f" .txt)" '
	function or_dash(v) { return v == "" ? "-" : v }
	# 1234567 -> 1,234,567
	function thousands(n,   s) {
		s = ""
		while (length(n) > 3) {
			s = "," substr(n, length(n) - 2) s
			n = substr(n, 1, length(n) - 3)
		}
		return n s
	}
	/^listenq: .* at / { at = $4; sub(/;$/, "", at) }
	/probes=1 cost: .* of SYN throughput/ {
		v = $3 ; if (drop == "") drop = v; else if (cookie == "") cookie = v
	}
	/probes=1 cost: .* of accept\(\) throughput/ { if (accept == "") accept = $3 }
	/best ss route \(two ss\) \/ cat \/proc\/listenq:/ { ratio = $9 }
	/the worse of probes=0 and 1: [0-9]+ instructions/ { row = thousands($(NF - 1)) }
	/max_listeners 16384: [0-9]+ KiB held with 100 listeners/ { held = $3; per_next = 1; next }
	per_next { per = $1; per_next = 0 }
	END {
		mem = held == "" ? "" : held " KiB, " per " B"
		# the ratio of a run that read no row is of another section 1
		if (row == "")
			ratio = ""
		printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", kernel, or_dash(at),
		       or_dash(drop), or_dash(cookie), or_dash(accept), or_dash(row),
		       or_dash(ratio), or_dash(mem)
	}' "$f"
done
