# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the rig's scripts (check.sh, lint.sh, check-debug.sh,
# packaging/test-deb.sh): one line per result, the summed last line that
# .ci/run adds up, and the one strict module build they all hold to.
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

# copy_sources FROM DIR: a fresh copy of FROM's module sources in DIR.
# External modules cannot build out of tree before 6.13, and a fresh tree
# makes sparse (C=1) look at every file every time.
copy_sources() {
	rm -rf "$2" && mkdir -p "$2" && cp -r "$1"/{Kbuild,VERSION,module,include} "$2"/
}

# in_root ROOT CMD...: CMD on this machine (ROOT "-") or in the build
# chroot ROOT (kernels.sh --list), where $LQ_BUILD has its own path too.
in_root() {
	local root=$1
	shift
	if [ "$root" = - ]; then
		"$@"
	else
		LQ_BUILD=$build "${BASH_SOURCE[0]%/*}/chroot.sh" --run "$root" "$@"
	fi
}

# strict_build NAME KDIR FROM DIR LOG [ROOT]: FROM's module copied to DIR
# and built against KDIR, in ROOT (in_root), with W=1, sparse (C=1) and
# -Werror; a warning from anything (gcc, sparse, modpost) fails it, and so
# does a C=1 that ran no sparse. DIR must be under $build. Tallies NAME;
# returns non-zero on failure. Uses the caller's $jobs and $version.
# shellcheck disable=SC2154
strict_build() {
	local name=$1 kdir=$2 from=$3 dir=$4 log=$5 root=${6:--} t=$SECONDS rc
	copy_sources "$from" "$dir" 2>"$log" &&
		in_root "$root" make -C "$kdir" M="$dir" -j"$jobs" W=1 C=1 LISTENQ_WERROR=1 \
			LISTENQ_VERSION="$version" modules >"$log" 2>&1
	rc=$?
	# kbuild prints "CHECK <file>" for each file sparse looked at.
	[ $rc != 0 ] || grep -q '^  CHECK ' "$log" || { echo "no sparse run (no CHECK line)" >>"$log"; rc=1; }
	if [ $rc != 0 ] || grep -Eqi 'warning:|error:|sparse is not available' "$log"; then
		grep -Ei 'warning:|error:' "$log" | head -n 40 | sed 's/^/#   /'
		[ $rc != 0 ] && tail -n 20 "$log" | sed 's/^/#   /'
		tally "$name" fail "log: $log"
		return 1
	fi
	tally "$name" pass "$((SECONDS - t))s"
}
