#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make -C tools test: the model's unit tests, the module's field writers
# against printf() (format_test), the CLI tests on recorded
# samples and on hostile names, and --watch at scale, and the shape of the
# command itself (no circle between its files, no test switch in the
# released binary), with one total as the last line ("N passed, N failed").
# The CLI tests run listenq-test, the build with the switches of testenv.c.
# Usage: run.sh BUILD_DIR
# (holding listenq, listenq-test, model_test, format_test and obj/)
# The shell tests share lib.sh, the C ones check.h.

O=${1:?usage: run.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
total_pass=0
total_fail=0
rc=0
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT

for suite in model format cli names watch_scale shape; do
	echo "# $suite tests"
	case $suite in
	model)	"$O/model_test" ;;
	format)	"$O/format_test" ;;
	cli)	sh "$HERE/cli_test.sh" "$O/listenq-test" ;;
	names)	bash "$HERE/names_test.sh" "$O/listenq-test" ;;
	watch_scale) bash "$HERE/watch_scale_test.sh" "$O/listenq-test" ;;
	shape)	sh "$HERE/shape_test.sh" "$O" ;;
	esac >"$log" 2>&1 || rc=1
	# Show failures in full; passes are counted, the suite's own total folded in.
	last=$(tail -n 1 "$log")
	sed '$d' "$log" | grep -a -v '^ok'
	echo "# $suite: $last"
	p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(echo "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	if [ -z "$p" ]; then
		# A crash before the summary is one failure, not a silent zero.
		p=0 f=1 rc=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done
echo "$total_pass passed, $total_fail failed"
exit $rc
