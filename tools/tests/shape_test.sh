#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The shape of the listenq command, from its objects and its sources:
#  - no circle: the graph "file A calls a function that file B defines"
#    (from nm of each object in BUILD_DIR/obj) has no cycle, nor has the
#    graph of which file includes which of the command's headers;
#  - the leaves (util, text) call nothing of the other files and include
#    none of their headers: every file may call them;
#  - the released listenq has no test switch in it (no "LQ_TEST" string),
#    and listenq-test, built for the tests, has them.
#
#   sh shape_test.sh BUILD_DIR
#
# The last line is "N passed, N failed"; the exit status is 1 on a failure.

O=${1:?usage: shape_test.sh BUILD_DIR}
SRC=$(cd "$(dirname "$0")/.." && pwd)
LEAVES="util text"
# shellcheck source=tools/tests/lib.sh
. "$SRC/tests/lib.sh"

# "FILE SYMBOL" for every global symbol each object defines, and uses.
for o in "$O"/obj/*.o; do
	f=$(basename "$o" .o)
	nm -g --defined-only "$o" | awk -v f="$f" 'NF == 3 { print f, $3 }'
done | sort -k 2 >"$TMP/defs"
for o in "$O"/obj/*.o; do
	f=$(basename "$o" .o)
	nm -g --undefined-only "$o" | awk -v f="$f" '{ print f, $NF }'
done | sort -k 2 >"$TMP/uses"

# "USER DEFINER SYMBOL": a call from one file into another.
join -1 2 -2 2 -o 1.1,2.1,0 "$TMP/uses" "$TMP/defs" | awk '$1 != $2' >"$TMP/calls"
if [ ! -s "$TMP/calls" ]; then
	ko "call graph: no calls found in $O/obj (not built?)"
elif cut -d ' ' -f 1,2 "$TMP/calls" | sort -u | tsort >/dev/null 2>"$TMP/loop"; then
	ok "call graph: no circle among $(ls "$O"/obj/*.o | wc -l) objects"
else
	ko "call graph: a circle"
	sed 's/^/#   /' "$TMP/loop"
	# The edges of the files named in the loop, to see where it closes.
	grep -F -f "$TMP/loop" "$TMP/calls" 2>/dev/null | sed 's/^/#   /' | head -n 40
fi

for leaf in $LEAVES; do
	bad=$(awk -v f="$leaf" '$1 == f { print $2 ":" $3 }' "$TMP/calls" | tr '\n' ' ')
	if [ -n "$bad" ]; then
		ko "leaf $leaf.c calls other files: $bad"
	else
		ok "leaf $leaf.c calls no other file of the command"
	fi
done

# "FILE HEADER" for every #include "..." of the sources.
for f in "$SRC"/*.c "$SRC"/*.h; do
	sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | sed "s|^|$(basename "$f") |"
done >"$TMP/includes"
if tsort "$TMP/includes" >/dev/null 2>"$TMP/loop"; then
	ok "include graph: no circle"
else
	ko "include graph: a circle"
	sed 's/^/#   /' "$TMP/loop"
fi
for leaf in $LEAVES; do
	bad=$(awk -v a="$leaf.c" -v b="$leaf.h" '($1 == a && $2 != b) || $1 == b { print $2 }' \
		"$TMP/includes" | tr '\n' ' ')
	if [ -n "$bad" ]; then
		ko "leaf $leaf includes the command's headers: $bad"
	else
		ok "leaf $leaf includes none of the command's other headers"
	fi
done

# The test switches: only in the tests' build.
n=$(grep -a -c LQ_TEST "$O/listenq")
if [ "$n" = 0 ]; then
	ok "the released listenq has no LQ_TEST switch"
else
	ko "the released listenq has LQ_TEST in $n places"
fi
if grep -a -q LQ_TEST_PROC "$O/listenq-test"; then
	ok "listenq-test has the test switches"
else
	ko "listenq-test has no LQ_TEST_PROC: not built with -DLQ_TESTING?"
fi

finish
