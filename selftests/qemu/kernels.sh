#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian kernels listenq is tested on, resolved at run time through the
# meta-packages so CI follows ABI bumps (6.1.0-56 -> -57) without edits.
#
#   kernels.sh --fetch   resolve the matrix, make the build environments,
#                        install each kernel's headers there and extract its
#                        vmlinuz and config into .cache/kernels/<kver>/
#   kernels.sh --list    after --fetch: one "KVER ROOT" line per kernel, ROOT
#                        the chroot its module is built in, "-" for this machine
#   kernels.sh --deps    install the rig's other Debian packages (deps.sh)
#
# A kernel's module is built with the compiler its headers were built with:
# bookworm's kernels on this (bookworm) machine, the others in a minbase
# chroot of their suite (chroot.sh), made once and cached in
# .cache/chroots/. Images are extracted with dpkg-deb, never installed: a
# linux-image package drags in initramfs-tools and grub hooks.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${LQ_CACHE:-$(cd "$here/../.." && pwd)/.cache}
kcache=$cache/kernels

# The matrix, oldest first: build environment (chroot.sh's names, "host"
# for this machine) and meta-package. The newest version of the meta-package
# that the environment's archive has wins, so "sid" takes experimental's
# line when it is ahead of sid's. rt-amd64 is PREEMPT_RT, where spinlock_t
# sleeps and only raw spinlocks may be taken in probes.
matrix=(
	"bullseye linux-image-cloud-amd64"	# 5.10, bullseye-security
	"host linux-image-cloud-amd64"		# 6.1, bookworm
	"host linux-image-6.12-cloud-amd64"	# 6.12, bookworm-security
	"host linux-image-6.12-rt-amd64"
	"trixie linux-image-cloud-amd64"	# 7.3, trixie-backports
	"trixie linux-image-rt-amd64"
	"sid linux-image-cloud-amd64"		# the newest line: sid or experimental
)

root_of() {
	if [ "$1" = host ]; then echo -; else "$here/chroot.sh" --root "$1"; fi
}

# run ENV CMD...: CMD on this machine or in ENV's chroot.
run() {
	local env=$1
	shift
	if [ "$env" = host ]; then "$@"; else "$here/chroot.sh" --run "$env" "$@"; fi
}

# resolve ENV META: "KVER VERSION" of the newest META in ENV's archive, from
# the linux-image-<kver> it depends on (on 7.x an empty package beside
# linux-base-* and linux-binary-*).
resolve() {
	local v k
	v=$(run "$1" apt-cache madison "$2" | awk '{print $3}' | {
		best=
		while read -r x; do
			if [ -z "$best" ] || dpkg --compare-versions "$x" gt "$best"; then best=$x; fi
		done
		echo "$best"
	})
	[ -n "$v" ] || return 1
	k=$(run "$1" apt-cache show "$2=$v" | sed -n 's/^Depends: //p' | head -n 1 | tr ',' '\n' |
		sed -n 's/^ *linux-image-\([0-9][^ ]*\).*/\1/p' | sed 's/-unsigned$//' | head -n 1)
	[ -n "$k" ] || return 1
	echo "$k $v"
}

installed() {
	run "$1" dpkg-query -W -f='${db:Status-Abbrev}' "$2" 2>/dev/null | grep -q '^ii'
}

# fetch_headers ENV KVER VERSION
fetch_headers() {
	local t
	installed "$1" "linux-headers-$2" && run "$1" test -d "/lib/modules/$2/build" && return 0
	t=$("$here/chroot.sh" --release "$1")
	run "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		${t:+-t "$t"} "linux-headers-$2=$3"
}

# fetch_image ENV KVER VERSION: vmlinuz and config into $kcache/KVER, via a
# temporary directory so an interrupted fetch leaves no half-filled entry.
# Up to 6.12 both are in linux-image-<kver>[-unsigned] under /boot; on 7.x
# the kernel is in linux-binary-<kver> and the config in linux-base-<kver>,
# under /usr/lib/modules/<kver>.
fetch_image() {
	local env=$1 k=$2 v=$3 dir=$kcache/$2 tmp root dl p f
	[ -s "$dir/vmlinuz" ] && [ -s "$dir/config" ] && return 0
	root=$(root_of "$env")
	if [ "$root" = - ]; then
		tmp=$(mktemp -d "$kcache/.fetch.XXXXXX")
		dl=$tmp
	else
		tmp=$(mktemp -d "$root/tmp/lq-fetch.XXXXXX")
		dl=/tmp/${tmp##*/}
	fi
	for p in "linux-image-$k-unsigned" "linux-image-$k" "linux-binary-$k" "linux-base-$k"; do
		run "$env" sh -c "cd '$dl' && apt-get download -q -o APT::Sandbox::User=root '$p=$v'" \
			>/dev/null 2>&1 || continue
	done
	mkdir -p "$tmp/x" "$tmp/out"
	for f in "$tmp"/*.deb; do
		[ -f "$f" ] && dpkg-deb -x "$f" "$tmp/x"
	done
	for f in "boot/vmlinuz-$k" "usr/lib/modules/$k/vmlinuz" "lib/modules/$k/vmlinuz"; do
		[ -s "$tmp/x/$f" ] && cp "$tmp/x/$f" "$tmp/out/vmlinuz" && break
	done
	for f in "boot/config-$k" "usr/lib/modules/$k/config" "lib/modules/$k/config"; do
		[ -s "$tmp/x/$f" ] && cp "$tmp/x/$f" "$tmp/out/config" && break
	done
	if [ ! -s "$tmp/out/vmlinuz" ] || [ ! -s "$tmp/out/config" ]; then
		echo "kernels: no vmlinuz or config for $k $v in $(cd "$tmp" && ls ./*.deb 2>/dev/null | xargs)" >&2
		rm -rf "$tmp"
		return 1
	fi
	mkdir -p "$kcache"
	rm -rf "$dir" && mv "$tmp/out" "$dir" && rm -rf "$tmp"
	echo "kernels: $k -> $dir/vmlinuz"
}

fetch_all() {
	local line env meta k v list=$kcache/.list.tmp envs
	# The chroots first, side by side: each is a minute of downloads.
	envs=$(printf '%s\n' "${matrix[@]}" | awk '$1 != "host" {print $1}' | sort -u)
	for env in $envs; do
		"$here/chroot.sh" --make "$env" &
	done
	for env in $envs; do
		wait -n || return 1
	done
	: >"$list"
	for line in "${matrix[@]}"; do
		read -r env meta <<<"$line"
		read -r k v < <(resolve "$env" "$meta") ||
			{ echo "kernels: cannot resolve $meta in $env" >&2; return 1; }
		fetch_headers "$env" "$k" "$v" || return 1
		"$here/chroot.sh" --fix-headers "$env" "$k" || return 1
		fetch_image "$env" "$k" "$v" || return 1
		echo "$k $(root_of "$env")" >>"$list"
	done
	mv "$list" "$kcache/list"
}

# Package lists may be missing (bare machine) or stale (the ABI moved on and
# the old .deb left the mirror): refresh them once and retry.
apt_update() {
	echo "kernels: refreshing the package lists" >&2
	apt-get update -q >&2
	"$here/chroot.sh" --update-all >&2
}

case ${1:-} in
--list)
	[ -s "$kcache/list" ] || { echo "kernels: run kernels.sh --fetch first" >&2; exit 1; }
	cat "$kcache/list"
	;;
--fetch)
	mkdir -p "$kcache"
	exec 9>"$kcache/.lock" && flock 9	# parallel jobs share one cache
	fetch_all || { apt_update && fetch_all; }
	;;
--deps)
	exec "$here/deps.sh"
	;;
*)
	sed -n 's/^# \{0,1\}//; 3,12p' "$0" >&2
	exit 2
	;;
esac
