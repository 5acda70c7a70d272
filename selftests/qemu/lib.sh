# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the rig's scripts (check.sh, lint.sh, check-debug.sh,
# packaging/test-deb.sh): one line per result, and the summed last line
# that .ci/run adds up.
passed=0 failed=0 skipped=0
summary_file=		# also write "P F S" there, for a parent script

# tally NAME pass|fail|skip [WHY]
tally() {
	case $2 in
	pass) passed=$((passed + 1)); echo "$1: ok${3:+ ($3)}" ;;
	fail) failed=$((failed + 1)); echo "$1: FAILED${3:+ ($3)}" ;;
	skip) skipped=$((skipped + 1)); echo "$1: skipped${3:+ ($3)}" ;;
	esac
}

# summary: print "N passed, N failed, N skipped" and exit, non-zero if any failed.
summary() {
	[ -z "$summary_file" ] || echo "$passed $failed $skipped" >"$summary_file"
	echo "$passed passed, $failed failed, $skipped skipped"
	[ $failed = 0 ]
	exit
}
