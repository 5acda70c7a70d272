#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) a debug guest kernel: linux-source-7.3 of trixie-backports,
# the newest line listenq supports, `make tinyconfig`, then a fragment.
#
#   build-kernel.sh [--flavour F]          build unless cached; print the tree
#   build-kernel.sh [--flavour F] --dir    print the tree's path, build nothing
#   build-kernel.sh [--flavour F] --key    print the cache key and its inputs
#
# Flavours: debug (the default; make check-debug, .ci/run): debug.config
# (KASAN, lockdep, PROVE_RCU, kmemleak, kprobes, fault injection...). kcsan
# (make check-kcsan): debug.config's base sections, every line before its
# "# --- the checkers ---" marker, then kcsan.config (KCSAN, lockdep; KCSAN
# cannot share a kernel with KASAN).
#
# Source package and compiler (gcc-14) are the trixie chroot's
# (selftests/qemu/chroot.sh, made here if it is not ready): the package is
# installed there, and the kernel, like the modules built against it, is
# compiled there. The tree lives outside the repo, in $LQ_DEBUG_CACHE
# (default /var/cache/listenq for root, ~/.cache/listenq for others) as
# <flavour>-<key>/linux, bind-mounted at the same path into the chroot
# (chroot_binds below); <key> hashes the fragment, the source package's
# version, the chroot's compiler, RECIPE below and the flavour (but for
# debug, whose key predates flavours): only the first run pays (about 20-30
# min on 2 busy cores). Out-of-tree modules build against it with `make -C
# <tree> M=...` in the chroot (the module build needs Module.symvers, so the
# tree keeps its objects: about 2 GB).
# $LQ_DEBUG_SRC picks another tarball of the 7.3 line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
rig=$(cd "$here/../qemu" && pwd)
flavour=debug
if [ "${1:-}" = --flavour ]; then
	flavour=${2:-}
	shift 2 || shift
fi
case $flavour in
debug | kcsan) ;;
*)
	echo "build-kernel.sh: unknown flavour '$flavour' (debug or kcsan)" >&2
	exit 2
	;;
esac
marker='# --- the checkers ---'
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
	# pahole: kernels.sh --fetch installs it here with 7.3's linux-kbuild,
	# and a module build warns when the pahole it finds is not the one the
	# tree was configured with (CONFIG_PAHOLE_VERSION); so the tree is
	# always configured with it, whichever of make check and make
	# check-debug ran first, and its version is part of the key.
	for p in flex bison bc libelf-dev libssl-dev cpio xz-utils gcc make pahole; do
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

# The fragment files applied on top of tinyconfig, in order, into
# directory $1: debug.config alone, or debug.config's base and kcsan.config.
# Prints their names.
fragments() {
	case $flavour in
	debug)
		cp "$here/debug.config" "$1/debug.config"
		echo "$1/debug.config"
		;;
	kcsan)
		grep -qxF -- "$marker" "$here/debug.config" ||
			{ echo "kcsan: no '$marker' line in debug.config" >&2; return 1; }
		sed "/^$marker\$/,\$d" "$here/debug.config" >"$1/base.config"
		cp "$here/kcsan.config" "$1/kcsan.config"
		echo "$1/base.config"
		echo "$1/kcsan.config"
		;;
	esac
}

# The fragments' text, concatenated.
fragment_text() {
	local d f
	d=$(mktemp -d) || return 1
	for f in $(fragments "$d"); do cat "$f"; done
	rm -rf "$d"
}

# What the tree depends on, one item a line; the key is its hash. Fails if
# the chroot or the source is not there yet.
key_inputs() {
	local v cc ph
	[ -f "$root/.lq-ready" ] || { echo "debug: no $env chroot yet ($root)" >&2; return 1; }
	if [ "$src" = "$pkgsrc" ]; then
		installed "$srcpkg" || { echo "debug: $srcpkg is not installed in the $env chroot" >&2; return 1; }
		v=$(pkg_field Version "$srcpkg")
	else
		v=$(stat -c '%s %Y' "$src") || return 1
	fi
	cc=$(in_chroot gcc --version | head -n 1) && [ -n "$cc" ] || return 1
	ph=$(in_chroot pahole --version) && [ -n "$ph" ] || return 1
	echo "recipe $RECIPE"
	echo "source ${src##*/} $v"
	echo "compiler $cc"
	echo "pahole $ph"
	echo "fragment $(fragment_text | sha256sum | cut -c1-64)"
	[ "$flavour" = debug ] || echo "flavour $flavour"
}

key() {
	local k
	k=$(key_inputs) || return 1
	echo "$k" | sha256sum | cut -c1-16
}

# Every CONFIG_ line of the fragments must hold in .config after
# olddefconfig: a dependency that is not met, or a symbol that was renamed,
# drops an option silently. A symbol set twice counts with its last value,
# as merge_config.sh applies it.
verify_config() {
	local cfg=$1 line sym bad=0
	local -A seen=()
	shift
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) sym=${line%%=*} ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			;;
		*) continue ;;
		esac
		[ -z "${seen[$sym]:-}" ] || continue
		seen[$sym]=1
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$cfg" || { echo "$flavour: not in .config: $line" >&2; bad=1; }
			;;
		*)
			! grep -q "^$sym=" "$cfg" || { echo "$flavour: set in .config: $(grep "^$sym=" "$cfg")" >&2; bad=1; }
			;;
		esac
	done < <(cat "$@" | tac)
	return $bad
}

build() {
	local dir=$1 tmp=$1.tmp t0 t1 t2 frags
	rm -rf "$tmp"
	mkdir -p "$tmp"
	echo "$flavour: building the $flavour kernel in $dir, in the $env chroot (first run only;" \
		"about 20-30 min on 2 busy cores)" >&2
	key_inputs >"$tmp/key"
	t0=$(date +%s)
	mkdir "$tmp/linux"
	tar -xf "$src" -C "$tmp/linux" --strip-components=1
	local mk=(in_chroot make -C "$tmp/linux" ARCH=x86_64 -s)
	"${mk[@]}" tinyconfig >/dev/null
	# The chroot sees the cache, not the repo.
	frags=$(fragments "$tmp") || return 1
	# shellcheck disable=SC2016,SC2086 # expanded by the chroot's sh; one name a word
	in_chroot sh -c 'cd "$1" && shift && scripts/kconfig/merge_config.sh -m -O . .config "$@"' \
		merge "$tmp/linux" $frags >/dev/null
	"${mk[@]}" olddefconfig >/dev/null
	# shellcheck disable=SC2086
	verify_config "$tmp/linux/.config" $frags ||
		{ echo "$flavour: the fragments did not apply: ${frags//$tmp\//}" >&2; return 1; }
	t1=$(date +%s)
	# "modules", not "modules_prepare": M= builds need Module.symvers.
	if ! { TIMEFORMAT='%0R s wall, %0U s user, %0S s sys'; time "${mk[@]}" -j"$jobs" \
		bzImage modules >"$tmp/build.log" 2>&1; } 2>"$tmp/time"; then
		tail -n 40 "$tmp/build.log" >&2
		echo "$flavour: kernel build failed, log in $tmp/build.log" >&2
		return 1
	fi
	t2=$(date +%s)
	{
		echo "release $(cat "$tmp/linux/include/config/kernel.release")"
		echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((t2 - t0))s with -j$jobs" \
			"(extract + config $((t1 - t0))s, make $(cat "$tmp/time"))"
	} >"$tmp/stamp"
	echo "$flavour: kernel built in $((t2 - t0))s (make: $(cat "$tmp/time"))" >&2
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
	echo "$cache/$flavour-$k/linux"
	exit 0
	;;
"") ;;
*)
	sed -n 's/^# \{0,1\}//; 7,9p' "$0" >&2
	exit 2
	;;
esac

deps
# The bind mount needs the directory on this side.
mkdir -p "$cache"
dir=$cache/$flavour-$(key)
# One builder at a time; a second run waits for the first, then reuses it.
exec 9>"$dir.lock"
flock 9
if [ ! -f "$dir/stamp" ] || [ ! -f "$dir/linux/arch/x86/boot/bzImage" ]; then
	build "$dir"
fi
echo "$dir/linux"
