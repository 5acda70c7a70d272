#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make lint: the module's sources as the kernel's own tools see them.
#
#   1. scripts/checkpatch.pl --strict --no-tree -f on module/*.[ch] and
#      include/listenq/*.h, one result per file: the newest checkpatch,
#      that of the newest line listenq supports. checkpatch.pl and the two
#      files it reads (spelling.txt, const_structs.checkpatch) are extracted
#      from linux-source-7.3 (trixie-backports, installed in the trixie
#      chroot of chroot.sh, as make check-debug does) into
#      $LQ_CACHE/checkpatch-<version> (default .cache/, never committed) on
#      the first run; this machine's perl runs it.
#   2. The W=1 + sparse (C=1) builds with -Werror on every kernel of
#      make check (check.sh build), x86-64 and arm64, and against the debug
#      kernel tree of make check-debug, in the trixie chroot that built it,
#      when that tree is already built (never built here). A kernel whose
#      module make check already built, strictly, from the same sources
#      into the same build/ (.ci/run runs make check first) is not built
#      again: its result is reported as that build's (lib.sh strict_build).
#
# Any finding fails. The last line is "N passed, N failed, N skipped".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
src=${LQ_SRC:-$repo}
cache=${LQ_CACHE:-$repo/.cache}
build=${LQ_BUILD:-$repo/build}
env=trixie
root=$("$here/chroot.sh" --root "$env")
srcpkg=linux-source-7.3
pkgsrc=$root/usr/src/$srcpkg.tar.xz	# the package's tarball, seen from here
tarball=${LQ_CHECKPATCH_SRC:-$pkgsrc}
unset MAKEFLAGS MFLAGS MAKELEVEL
# shellcheck source=selftests/qemu/lib.sh
. "$here/lib.sh"



# Print the directory holding scripts/checkpatch.pl, extracting it first if
# needed: only the three files checkpatch reads, through a temporary
# directory so an interrupted run leaves no half-filled cache.
checkpatch_dir() {
	local v dir tmp t
	if [ ! -f "$tarball" ]; then
		if [ "$tarball" != "$pkgsrc" ] || [ "$(id -u)" != 0 ]; then
			echo "lint: $tarball is missing" >&2
			return 1
		fi
		t=$("$here/chroot.sh" --release "$env")
		{ "$here/chroot.sh" --make "$env" &&
			in_root "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends ${t:+-t "$t"} "$srcpkg"; } >&2 || return 1
	fi
	if [ "$tarball" = "$pkgsrc" ]; then
		v=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version}' "$srcpkg") || return 1
	else
		v=$(stat -c %Y "$tarball")
	fi
	dir=$cache/checkpatch-$v
	if [ ! -f "$dir/scripts/checkpatch.pl" ]; then
		mkdir -p "$cache"
		tmp=$(mktemp -d "$cache/.checkpatch.XXXXXX")
		tar -xJf "$tarball" -C "$tmp" --wildcards --strip-components=1 \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch' || { rm -rf "$tmp"; return 1; }
		rm -rf "$dir" && mv "$tmp" "$dir"
	fi
	echo "$dir"
}

checkpatch() {
	local dir f out rc
	if ! dir=$(checkpatch_dir); then
		tally checkpatch fail "cannot extract scripts/checkpatch.pl from $tarball"
		return
	fi
	command -v perl >/dev/null || { tally checkpatch fail "perl is missing"; return; }
	for f in "$src"/module/*.[ch] "$src"/include/listenq/*.h; do
		out=$(cd "$src" && perl "$dir/scripts/checkpatch.pl" --strict --no-tree -f \
			--color=never --show-types --no-summary --terse "${f#"$src"/}" 2>&1)
		rc=$?
		if [ $rc != 0 ] || [ -n "$out" ]; then
			echo "$out" | sed 's/^/#   /'
			tally "checkpatch ${f#"$src"/}" fail "$(echo "$out" | grep -c .) findings"
		else
			tally "checkpatch ${f#"$src"/}" pass
		fi
	done
}

# W=1 + sparse on each kernel: check.sh's own build step.
builds() {
	local out p f s
	out=$(KERNEL= KDIR= LQ_REUSE_BUILDS=${LQ_REUSE_BUILDS:-1} "$here/check.sh" build 2>&1)
	echo "$out" | sed '$d'
	read -r p f s < <(echo "$out" | tail -n 1 |
		sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p')
	if [ -z "${p:-}" ]; then
		tally "check.sh build" fail "no summary"
		return
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# The same against the debug tree, if make check-debug built one already:
# in the chroot that built it, where it is bind-mounted at its own path.
debug_build() {
	local tree k jobs version
	tree=$("$repo/selftests/debug/build-kernel.sh" --dir 2>/dev/null)
	if [ -z "$tree" ] || [ ! -f "$tree/../stamp" ]; then
		tally "build debug kernel" skip "not built; make check-debug builds it"
		return
	fi
	k=$(cat "$tree/include/config/kernel.release")
	jobs=$(nproc) version=$(cat "$src/VERSION")
	mkdir -p "$build/lint-debug"
	LQ_CHROOT_BINDS="$tree ${LQ_CHROOT_BINDS:-}" strict_build "build $k" "$tree" "$src" \
		"$build/lint-debug/src" "$build/lint-debug/build.log" "$root"
}

mkdir -p "$build"
checkpatch
builds
debug_build
summary
