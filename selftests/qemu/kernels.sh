#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian kernels listenq is tested on, resolved at run time through the
# meta-packages so CI follows ABI bumps (6.1.0-56 -> -57) without edits.
#
#   kernels.sh --list    print the kernel releases, one per line: 6.1 and
#                        6.12 cloud, then 6.12 PREEMPT_RT
#   kernels.sh --fetch   install linux-headers-<kver> and extract vmlinuz,
#                        config and System.map into .cache/kernels/<kver>/
#   kernels.sh --deps    install the rig's other Debian packages (deps.sh)
#
# Images are extracted with dpkg-deb, never installed: a linux-image package
# drags in initramfs-tools and grub hooks and touches /boot.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${LQ_CACHE:-$(cd "$here/../.." && pwd)/.cache}/kernels

# Each meta-package depends on exactly one linux-image-<kver>. The cloud
# flavours first, oldest first; then 6.12 with PREEMPT_RT (bookworm-security
# has it as linux-image-6.12-rt-amd64; linux-image-rt-amd64 is the 6.1 one),
# where spinlock_t sleeps and only raw spinlocks may be taken in probes.
metas=(linux-image-cloud-amd64 linux-image-6.12-cloud-amd64 linux-image-6.12-rt-amd64)

# Print the kver the candidate version of meta-package $1 depends on.
resolve() {
	apt-cache show --no-all-versions "$1" 2>/dev/null |
		sed -n 's/^Depends: linux-image-\([^ ,]*\).*/\1/p' | sed 's/-unsigned$//' | head -n 1
}

list() {
	local m k
	for m in "${metas[@]}"; do
		k=$(resolve "$m")
		[ -n "$k" ] || { echo "kernels: cannot resolve $m" >&2; return 1; }
		echo "$k"
	done
}

installed() {
	dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'
}

# vmlinuz + config + System.map of $1 into $cache/$1, via a temporary
# directory so an interrupted fetch never leaves a half-filled cache entry.
fetch_image() {
	local k=$1 dir=$cache/$1 tmp
	[ -s "$dir/vmlinuz" ] && return 0
	tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
	if [ -f "/boot/vmlinuz-$k" ] && { installed "linux-image-$k" || installed "linux-image-$k-unsigned"; }; then
		# Same bytes as the package; saves a 30 MB download on dev machines.
		mkdir -p "$tmp/boot"
		cp "/boot/vmlinuz-$k" "/boot/config-$k" "/boot/System.map-$k" "$tmp/boot/"
	else
		# The unsigned image is what the signed one is made from; either boots.
		(cd "$tmp" && { apt-get download -q -o APT::Sandbox::User=root "linux-image-$k-unsigned" ||
			apt-get download -q -o APT::Sandbox::User=root "linux-image-$k"; }) || { rm -rf "$tmp"; return 1; }
		dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp" ./boot
	fi
	mkdir -p "$tmp/out"
	mv "$tmp/boot/vmlinuz-$k" "$tmp/out/vmlinuz"
	mv "$tmp/boot/config-$k" "$tmp/out/config"
	mv "$tmp/boot/System.map-$k" "$tmp/out/System.map"
	rm -rf "$dir" && mv "$tmp/out" "$dir" && rm -rf "$tmp"
	echo "kernels: $k -> $dir/vmlinuz"
}

fetch_headers() {
	installed "linux-headers-$1" && [ -d "/lib/modules/$1/build" ] && return 0
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "linux-headers-$1"
}

fetch_all() {
	local kvers k
	kvers=$(list) || return 1
	for k in $kvers; do
		fetch_headers "$k" && fetch_image "$k" || return 1
	done
}

# Package lists may be missing (bare machine) or stale (the ABI moved on and
# the old .deb left the mirror): refresh them once and retry.
apt_update() {
	echo "kernels: refreshing the package lists" >&2
	apt-get update -q >&2
}

case ${1:-} in
--list)
	list 2>/dev/null || { apt_update && list; }
	;;
--fetch)
	mkdir -p "$cache"
	exec 9>"$cache/.lock" && flock 9	# parallel jobs share one cache
	fetch_all || { apt_update && fetch_all; }
	;;
--deps)
	exec "$here/deps.sh"
	;;
*)
	sed -n 's/^# \{0,1\}//; 3,11p' "$0" >&2
	exit 2
	;;
esac
