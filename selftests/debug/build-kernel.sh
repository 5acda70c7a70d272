#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the debug guest kernel of `make check-debug`: linux-source-7.3
# of trixie-backports, the newest line listenq supports, `make tinyconfig`,
# then debug.config on top (KASAN, lockdep, PROVE_RCU, kmemleak, kprobes...).
#
#   build-kernel.sh          build unless cached; print the tree's path
#   build-kernel.sh --dir    print the tree's path, build nothing
#   build-kernel.sh --key    print the cache key and what it is made of
#
# Source package and compiler (gcc-14) are the trixie chroot's
# (selftests/qemu/chroot.sh, made here if it is not ready): the package is
# installed there, and the kernel, like the modules built against it, is
# compiled there. The tree lives outside the repo, in $LQ_DEBUG_CACHE
# (default /var/cache/listenq for root, ~/.cache/listenq for others) as
# debug-<key>/linux, bind-mounted at the same path into the chroot
# (chroot_binds below); <key> hashes debug.config, the source package's
# version, the chroot's compiler and RECIPE below: only the first run pays
# (about 20-30 min on 2 busy cores). Out-of-tree modules build against it
# with `make -C <tree> M=...` in the chroot (the module build needs
# Module.symvers, so the tree keeps its objects: about 2 GB).
# $LQ_DEBUG_SRC picks another tarball of the 7.3 line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
rig=$(cd "$here/../qemu" && pwd)
frag=$here/debug.config
# Root's default is shared by every checkout and by CI; other users get
# their own cache.
if [ -n "${LQ_DEBUG_CACHE:-}" ]; then
	cache=$LQ_DEBUG_CACHE
elif [ "$(id -u)" = 0 ]; then
	cache=/var/cache/listenq
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/listenq
fi
env=trixie
root=$("$rig/chroot.sh" --root "$env")
srcpkg=linux-source-7.3
pkgsrc=$root/usr/src/$srcpkg.tar.xz	# the package's tarball, seen from here
src=${LQ_DEBUG_SRC:-$pkgsrc}
# Bump when the steps below change in a way that changes the tree.
# 2: 7.3 from trixie-backports, built in the trixie chroot (1: 6.12 on the host).
RECIPE=2
jobs=${LQ_JOBS:-$(nproc)}

# in_chroot CMD...: CMD in the trixie chroot, with the cache at its own path.
in_chroot() {
	LQ_CHROOT_BINDS="$cache ${LQ_CHROOT_BINDS:-}" "$rig/chroot.sh" --run "$root" "$@"
}

# The chroot's dpkg database, read from here: no namespace needed.
pkg_field() {
	dpkg-query --admindir="$root/var/lib/dpkg" -W -f="\${$1}" "$2" 2>/dev/null
}
installed() { pkg_field db:Status-Abbrev "$1" | grep -q '^ii'; }

deps() {
	local p missing=() t
	"$rig/chroot.sh" --make "$env" >&2
	for p in flex bison bc libelf-dev libssl-dev cpio xz-utils gcc make; do
		installed "$p" || missing+=("$p")
	done
	[ "$src" != "$pkgsrc" ] || installed "$srcpkg" || missing+=("$srcpkg")
	# The host extracts the tarball.
	command -v xz >/dev/null || { echo "debug: xz is missing here (xz-utils)" >&2; return 1; }
	[ ${#missing[@]} = 0 ] && return 0
	t=$("$rig/chroot.sh" --release "$env")
	echo "debug: installing ${missing[*]} in the $env chroot" >&2
	in_chroot env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends ${t:+-t "$t"} "${missing[@]}" >&2 ||
		{ in_chroot apt-get update -q >&2 && in_chroot env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends ${t:+-t "$t"} "${missing[@]}" >&2; }
}

# What the tree depends on, one item a line; the key is its hash. Fails if
# the chroot or the source is not there yet.
key_inputs() {
	local v cc
	[ -f "$root/.lq-ready" ] || { echo "debug: no $env chroot yet ($root)" >&2; return 1; }
	if [ "$src" = "$pkgsrc" ]; then
		installed "$srcpkg" || { echo "debug: $srcpkg is not installed in the $env chroot" >&2; return 1; }
		v=$(pkg_field Version "$srcpkg")
	else
		v=$(stat -c '%s %Y' "$src") || return 1
	fi
	cc=$(in_chroot gcc --version | head -n 1) && [ -n "$cc" ] || return 1
	echo "recipe $RECIPE"
	echo "source ${src##*/} $v"
	echo "compiler $cc"
	echo "fragment $(sha256sum <"$frag" | cut -c1-64)"
}

key() {
	local k
	k=$(key_inputs) || return 1
	echo "$k" | sha256sum | cut -c1-16
}

# Every CONFIG_ line of the fragment must hold in .config after olddefconfig:
# a dependency that is not met, or a symbol that was renamed, drops an
# option silently.
verify_config() {
	local cfg=$1 line sym bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$cfg" || { echo "debug: not in .config: $line" >&2; bad=1; }
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			! grep -q "^$sym=" "$cfg" || { echo "debug: set in .config: $(grep "^$sym=" "$cfg")" >&2; bad=1; }
			;;
		esac
	done <"$frag"
	return $bad
}

build() {
	local dir=$1 tmp=$1.tmp t0 t1 t2
	rm -rf "$tmp"
	mkdir -p "$tmp"
	echo "debug: building the debug kernel in $dir, in the $env chroot (first run only;" \
		"about 20-30 min on 2 busy cores)" >&2
	key_inputs >"$tmp/key"
	t0=$(date +%s)
	mkdir "$tmp/linux"
	tar -xf "$src" -C "$tmp/linux" --strip-components=1
	local mk=(in_chroot make -C "$tmp/linux" ARCH=x86_64 -s)
	"${mk[@]}" tinyconfig >/dev/null
	# The chroot sees the cache, not the repo.
	cp "$frag" "$tmp/debug.config"
	# shellcheck disable=SC2016 # expanded by the chroot's sh
	in_chroot sh -c 'cd "$1" && scripts/kconfig/merge_config.sh -m -O . .config ../debug.config' \
		merge "$tmp/linux" >/dev/null
	"${mk[@]}" olddefconfig >/dev/null
	verify_config "$tmp/linux/.config" || { echo "debug: debug.config did not apply" >&2; return 1; }
	t1=$(date +%s)
	# "modules", not "modules_prepare": M= builds need Module.symvers.
	if ! { TIMEFORMAT='%0R s wall, %0U s user, %0S s sys'; time "${mk[@]}" -j"$jobs" \
		bzImage modules >"$tmp/build.log" 2>&1; } 2>"$tmp/time"; then
		tail -n 40 "$tmp/build.log" >&2
		echo "debug: kernel build failed, log in $tmp/build.log" >&2
		return 1
	fi
	t2=$(date +%s)
	{
		echo "release $(cat "$tmp/linux/include/config/kernel.release")"
		echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((t2 - t0))s with -j$jobs" \
			"(extract + config $((t1 - t0))s, make $(cat "$tmp/time"))"
	} >"$tmp/stamp"
	echo "debug: kernel built in $((t2 - t0))s (make: $(cat "$tmp/time"))" >&2
	rm -rf "$dir"
	mv "$tmp" "$dir"
}

case ${1:-} in
--key)
	key_inputs
	echo "key $(key)"
	exit 0
	;;
--dir)
	k=$(key) || exit 1
	echo "$cache/debug-$k/linux"
	exit 0
	;;
"") ;;
*)
	sed -n 's/^# \{0,1\}//; 8,10p' "$0" >&2
	exit 2
	;;
esac

deps
# The bind mount needs the directory on this side.
mkdir -p "$cache"
dir=$cache/debug-$(key)
# One builder at a time; a second run waits for the first, then reuses it.
exec 9>"$dir.lock"
flock 9
if [ ! -f "$dir/stamp" ] || [ ! -f "$dir/linux/arch/x86/boot/bzImage" ]; then
	build "$dir"
fi
echo "$dir/linux"
