#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian packages listenq-dkms and listenq, built with
# dpkg-buildpackage (debhelper + dh_dkms) in a scratch copy of the tree, then
# checked with lintian.
#
#   packaging/build-deb.sh
#
# Output in build/deb/ (LQ_BUILD/deb): listenq-dkms_<V>_all.deb,
# listenq_<V>_<arch>.deb, the source package, the .changes and .buildinfo,
# build.log and lintian.log. lintian's verdict goes to build/deb/lintian.rc:
# 0 clean, anything else means an error or warning that no override in
# debian/*lintian-overrides justifies. Exits non-zero if the packages could
# not be built; lintian findings alone do not fail it (packaging/test-deb.sh
# counts them as a test).
#
# Missing build tools (dpkg-dev, debhelper, dh-dkms, lintian, gcc) are
# installed with apt-get when run as root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${LQ_BUILD:-$repo/build}/deb
# We call make ourselves; the parent make's jobserver is not ours to use.
unset MAKEFLAGS MFLAGS MAKELEVEL

die() { echo "build-deb: $*" >&2; exit 1; }

# deps: the packages dpkg-buildpackage needs for debian/control's
# Build-Depends (debhelper-compat 13, dh-sequence-dkms), plus lintian.
deps() {
	local p missing=()
	for p in dpkg-dev debhelper dh-dkms build-essential lintian; do
		[[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == ii* ]] || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "missing ${missing[*]}; install them or run this as root"
	echo "build-deb: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" ||
		{ apt-get update -q && apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"; }
}

# versions: VERSION is the one version; dkms.conf's literal PACKAGE_VERSION
# and debian/changelog's top entry must say the same.
versions() {
	local dkms deb
	version=$(cat "$repo/VERSION")
	[ -n "$version" ] || die "VERSION is empty"
	dkms=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$repo/dkms.conf")
	deb=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
	[ "$dkms" = "$version" ] ||
		die "dkms.conf has PACKAGE_VERSION=\"$dkms\", VERSION says $version: make them equal"
	[ "$deb" = "$version" ] ||
		die "debian/changelog's top entry is $deb, VERSION says $version: run" \
			"'dch -v $version \"New upstream release.\"' and commit debian/changelog"
}

# The tree as git sees it (tracked files plus new ones not ignored, so a
# working copy builds what it has), or, outside git, everything but build
# output and caches. Never build/, .cache/ or .git/.
copy_tree() {
	local dst=$1
	mkdir -p "$dst"
	if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
			tar --null -T - -cf -) | tar -xf - -C "$dst"
	else
		(cd "$repo" && tar --exclude=./build --exclude=./.cache --exclude=./.git -cf - .) |
			tar -xf - -C "$dst"
	fi
}

deps
versions
rm -rf "$out"
mkdir -p "$out"
src=$out/listenq-$version
copy_tree "$src"

echo "build-deb: building listenq $version in $src"
# Two packages, no automatic -dbgsym one; -us -uc: nothing to sign with.
if ! (cd "$src" && DEB_BUILD_OPTIONS="noautodbgsym ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -us -uc -j"$(nproc)") >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" | sed 's/^/#   /'
	die "dpkg-buildpackage failed, log: $out/build.log"
fi
rm -rf "$src"

changes=$(ls "$out"/listenq_"$version"_*.changes)
for deb in "$out"/*.deb; do
	echo "build-deb: $(basename "$deb")"
	dpkg-deb -f "$deb" Package Version Architecture Depends Recommends | sed 's/^/    /'
done

# lintian: every tag shown (I: and P: too); errors and warnings decide.
rc=0
lintian --allow-root --display-info --pedantic --fail-on error,warning \
	"$changes" >"$out/lintian.log" 2>&1 || rc=$?
echo "$rc" >"$out/lintian.rc"
if [ -s "$out/lintian.log" ]; then
	echo "build-deb: lintian:"
	sed 's/^/    /' "$out/lintian.log"
fi
if [ "$rc" = 0 ]; then
	echo "build-deb: lintian: no errors or warnings"
else
	echo "build-deb: lintian: errors or warnings above (rc=$rc)"
fi
echo "build-deb: packages in $out"
