# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Sourced by the CLI's shell tests (cli_test.sh, names_test.sh,
# watch_scale_test.sh, shape_test.sh), POSIX sh: a scratch directory $TMP,
# removed at exit; an environment without the switches and settings that
# would change listenq's output; one line per result; and the last line,
# which run.sh adds up.
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
unset NO_COLOR LQ_TEST_PROC LQ_TEST_SYSCTL LQ_TEST_HIST LQ_TEST_ROOT LQ_TEST_EUID POSIXLY_CORRECT
export TERM=dumb

ok() { pass=$((pass + 1)); echo "ok - $1"; }
ko() { fail=$((fail + 1)); echo "not ok - $1"; }

# finish: "N passed, N failed", the last line; false if any failed.
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}
