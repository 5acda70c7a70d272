#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the debug guest kernel of `make check-debug`: Debian's
# linux-source-6.12, `make tinyconfig`, then debug.config on top (KASAN,
# lockdep, PROVE_RCU, DEBUG_ATOMIC_SLEEP, DEBUG_LIST, kmemleak, kprobes...).
#
#   build-kernel.sh          build unless cached; print the tree's path
#   build-kernel.sh --dir    print the tree's path, build nothing
#   build-kernel.sh --key    print the cache key and what it is made of
#
# The tree lives outside the repo, in $LQ_DEBUG_CACHE (default
# /var/cache/listenq for root, ~/.cache/listenq for others) as
# debug-<key>/linux, where <key> hashes debug.config,
# the source package's version, the compiler and RECIPE below: only the
# first run pays (7-16 min on 2 cores). Out-of-tree modules build against
# it with `make -C <tree> M=...` (the module build needs Module.symvers, so
# the tree keeps its objects: about 2 GB). $LQ_DEBUG_SRC picks another
# tarball of the 6.12 line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
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
src=${LQ_DEBUG_SRC:-/usr/src/linux-source-6.12.tar.xz}
srcpkg=linux-source-6.12
# Bump when the steps below change in a way that changes the tree.
RECIPE=1
jobs=${LQ_JOBS:-$(nproc)}

installed() {
	dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'
}

deps() {
	local p missing=()
	for p in flex bison bc libelf-dev libssl-dev cpio xz-utils gcc make; do
		installed "$p" || missing+=("$p")
	done
	[ "$src" != "/usr/src/linux-source-6.12.tar.xz" ] || installed "$srcpkg" || missing+=("$srcpkg")
	[ ${#missing[@]} = 0 ] && return 0
	echo "debug: installing ${missing[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
		{ apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
}

# What the tree depends on, one item a line; the key is its hash.
key_inputs() {
	local v
	if [ "$src" = "/usr/src/linux-source-6.12.tar.xz" ] && installed "$srcpkg"; then
		v=$(dpkg-query -W -f='${Version}' "$srcpkg")
	else
		v=$(stat -c '%s %Y' "$src")
	fi
	echo "recipe $RECIPE"
	echo "source ${src##*/} $v"
	echo "compiler $(gcc --version | head -n 1)"
	echo "fragment $(sha256sum <"$frag" | cut -c1-64)"
}

key() { key_inputs | sha256sum | cut -c1-16; }

# Every CONFIG_ line of the fragment must hold in .config after olddefconfig:
# a dependency that is not met drops an option silently.
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
	local dir=$1 tmp=$1.tmp t0 t1
	rm -rf "$tmp"
	mkdir -p "$tmp"
	echo "debug: building the debug kernel in $dir (first run only; 7-16 min on 2 cores)" >&2
	key_inputs >"$tmp/key"
	t0=$(date +%s)
	mkdir "$tmp/linux"
	tar -xf "$src" -C "$tmp/linux" --strip-components=1
	local mk=(make -C "$tmp/linux" ARCH=x86_64 -s)
	"${mk[@]}" tinyconfig >/dev/null
	(cd "$tmp/linux" && scripts/kconfig/merge_config.sh -m -O . .config "$frag" >/dev/null)
	"${mk[@]}" olddefconfig >/dev/null
	verify_config "$tmp/linux/.config" || { echo "debug: debug.config did not apply" >&2; return 1; }
	# "modules", not "modules_prepare": M= builds need Module.symvers.
	if ! "${mk[@]}" -j"$jobs" bzImage modules >"$tmp/build.log" 2>&1; then
		tail -n 40 "$tmp/build.log" >&2
		echo "debug: kernel build failed, log in $tmp/build.log" >&2
		return 1
	fi
	t1=$(date +%s)
	{
		echo "release $(cat "$tmp/linux/include/config/kernel.release")"
		echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((t1 - t0))s with -j$jobs"
	} >"$tmp/stamp"
	echo "debug: kernel built in $((t1 - t0))s" >&2
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
	echo "$cache/debug-$(key)/linux"
	exit 0
	;;
"") ;;
*)
	sed -n 's/^# \{0,1\}//; 8,10p' "$0" >&2
	exit 2
	;;
esac

deps
dir=$cache/debug-$(key)
mkdir -p "$cache"
# One builder at a time; a second run waits for the first, then reuses it.
exec 9>"$dir.lock"
flock 9
if [ ! -f "$dir/stamp" ] || [ ! -f "$dir/linux/arch/x86/boot/bzImage" ]; then
	build "$dir"
fi
echo "$dir/linux"
