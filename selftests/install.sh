#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make -C selftests install INSTALL_PATH=DIR: the built tests laid out as
# the kernel's kselftest install does, for its run_kselftest.sh:
#
#   install.sh BUILD_DIR KSFT_DIR INSTALL_PATH TEST...
#
# BUILD_DIR holds the built TESTs and, in tools/, the static listenq
# command, copied next to them (lq_listenq_path() looks there); KSFT_DIR
# is the tree's tools/testing/selftests (run_kselftest.sh and kselftest/
# come from there). kselftest's settings give one limit per collection (directory):
# the tests with the default limit of ./settings are the collection
# "listenq", each other limit (timeout.<test>=<secs>) has its own,
# "listenq-<secs>". kselftest-list.txt names them all, README says how to
# run them.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=$1 ksft=$2 dest=$3
shift 3
settings=$here/settings
default=$(sed -n 's/^timeout=\([0-9]*\)$/\1/p' "$settings")

rm -rf "$dest"
mkdir -p "$dest"
cp "$ksft/run_kselftest.sh" "$dest/"
cp -r "$ksft/kselftest" "$dest/"
for t in "$@"; do
	secs=$(sed -n "s/^timeout\.$t=\([0-9]*\)$/\1/p" "$settings")
	coll=listenq${secs:+-$secs}
	mkdir -p "$dest/$coll"
	[ -f "$dest/$coll/settings" ] || echo "timeout=${secs:-$default}" >"$dest/$coll/settings"
	cp "$build/$t" "$dest/$coll/"
	[ -f "$dest/$coll/listenq" ] || cp "$build/tools/listenq" "$dest/$coll/"
	echo "$coll:$t"
done | sort -s -t: -k1,1 >"$dest/kselftest-list.txt"	# a collection's tests together: 5.10's runner
cat >"$dest/README" <<EOF
listenq selftests, $(cat "$here/../VERSION" 2>/dev/null), built with the kselftest
harness of $(cat "$ksft/../../../version" 2>/dev/null || echo "$ksft").

Run them as root on the kernel they were built for, with listenq.ko
loaded; some unload and load it again, from \$LQ_KO if set, else from
/lib/modules/\$(uname -r)/extra/listenq.ko:

    insmod /path/to/listenq.ko
    LQ_KO=/path/to/listenq.ko ./run_kselftest.sh

command_test and allns_test run the listenq command next to them (or
\$LISTENQ_BIN): the static one of this source tree. Each collection's
settings holds its limit per test binary in seconds: $(cd "$dest" && for c in listenq*; do
	printf '%s %s; ' "$c" "$(cut -d= -f2 "$c/settings")"; done | sed 's/; $//').
./run_kselftest.sh -l lists the tests, -t COLLECTION:TEST runs one; the
output is KTAP, each test's lines prefixed, and ends with its totals
(the runner of 5.10 prints none, and exits 0 whatever failed).
EOF
