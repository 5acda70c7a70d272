#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages that building listenq and running the QEMU rig
# need. apt-get is only called when something is missing, so a prepared
# machine pays one dpkg-query per package and nothing else.
#
# What the rig installs on this machine is build tools, nothing more: no
# package that brings a kernel image, a bootloader hook or a service that
# would be enabled, and nothing that changes /boot, /lib/modules or the
# machine's next boot. The kernels' headers and images go into the rig's
# chroots and cache (kernels.sh --fetch); busybox-static and Prometheus's
# tools are unpacked into the cache (below), not installed. Hooks and units
# the packages below do bring, each said beside it; check.sh's host-state
# step checks that a run leaves /boot, /lib/modules, the kernel packages and
# the enabled units as it found them (host-state.sh).
#
#   deps.sh                 install what is missing, unpack what is stale
#   deps.sh --unpack PKG..  only unpack those of the unpacked packages (make demo)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${LQ_CACHE:-$(cd "$here/../.." && pwd)/.cache}

pkgs=(
	build-essential		# gcc, make, libc6-dev for the static guest binaries
	cpio			# initramfs archives
	qemu-system-x86		# the x86-64 guests
	qemu-system-arm		# the arm64 guests (qemu-system-aarch64)
	gcc-aarch64-linux-gnu	# the arm64 guests' static init, selftests and tools
	libc6-dev-arm64-cross	# their libc (the modules are built in chroots, with their suites' compilers)
	# dkms: kernel-install hooks in /etc/kernel/{header_postinst,postinst,
	# prerm,install}.d that build registered modules for a kernel being
	# installed; the rig registers none here (check.sh's dkms step uses
	# private trees) and installs no kernel here
	dkms			# make dkms-check
	openssl			# lets dkms generate its signing key instead of skipping signing
	sparse			# C=1 in make check
	# kmod: an initramfs hook and /etc/init.d/kmod, as on every Debian
	# (priority important)
	kmod			# modinfo, depmod
	debootstrap		# the build chroots of the kernels (chroot.sh)
	iproute2		# network namespaces in host-side experiments
	xz-utils		# dkms and Debian 6.12 modules use .xz
	# systemd's units are those of any Debian system; already installed
	systemd			# systemd-analyze verify and security on the units
	curl			# the scrape of node-exporter's /metrics
	python3			# packaging/check-metrics.py
)

# Packages whose files the rig needs but whose installation would change
# this machine, from this machine's suite, unpacked into $cache/tools/ and
# run from there, never installed. Each is unpacked again when this
# machine's candidate version changes.
# - busybox-static: the guests' whole userland (lib.sh's busybox_bin; the
#   dynamic busybox would not run there). Installed, it would bring an
#   initramfs-tools hook (hooks/zz-busybox) into every initramfs the
#   machine builds.
# - The metrics step's Prometheus tools (check.sh metrics, doc/metrics.md):
#   promtool and node-exporter (check.sh puts $cache/tools/bin first on
#   PATH). Both packages' maintainer scripts add a system user and enable
#   their service (:9090, :9100), and prometheus is the whole server (about
#   100 MB) for promtool.
tools=$cache/tools
unpacked=(
	"busybox-static bin/busybox"
	"prometheus usr/bin/promtool"
	"prometheus-node-exporter usr/bin/prometheus-node-exporter"
)

# candidate PKG: the version apt would install.
candidate() {
	apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '^(none)$' || true
}

# unpacked_ok PKG BIN: PKG's candidate is unpacked, with BIN linked in bin/.
unpacked_ok() {
	local v
	v=$(candidate "$1")
	[ -n "$v" ] && [ "$(cat "$tools/$1/.version" 2>/dev/null)" = "$v" ] &&
		[ -x "$tools/bin/${2##*/}" ]
}

# unpack PKG BIN: apt-get download PKG, dpkg-deb -x into $tools/PKG (via a
# temporary directory), BIN linked from $tools/bin. BIN gets the time of
# its unpacking, not the package's: what is built from it (boot.sh's
# initramfs) is rebuilt when it is newer.
unpack() {
	local p=$1 bin=$2 v tmp
	v=$(candidate "$p")
	[ -n "$v" ] || { echo "deps: no candidate for $p in apt's lists" >&2; return 1; }
	mkdir -p "$tools/bin"
	tmp=$(mktemp -d "$tools/.unpack.XXXXXX")
	if (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$p=$v") &&
		dpkg-deb -x "$tmp"/*.deb "$tmp/x" && [ -x "$tmp/x/$bin" ]; then
		echo "$v" >"$tmp/x/.version" && touch "$tmp/x/$bin"
		rm -rf "${tools:?}/$p" && mv "$tmp/x" "$tools/$p" &&
			ln -sfn "../$p/$bin" "$tools/bin/${bin##*/}" &&
			echo "deps: $p $v unpacked into $tools/$p"
	else
		echo "deps: could not unpack $p $v" >&2
		rm -rf "$tmp"
		return 1
	fi
	rm -rf "$tmp"
}

if [ "${1:-}" = --unpack ]; then
	shift
	pkgs=() keep=()
	for u in "${unpacked[@]}"; do
		for p in "$@"; do [ "${u%% *}" != "$p" ] || keep+=("$u"); done
	done
	[ ${#keep[@]} = $# ] || { echo "deps: --unpack takes some of: ${unpacked[*]%% *}" >&2; exit 2; }
	unpacked=("${keep[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
unpack_missing=()
for u in "${unpacked[@]}"; do
	read -r p bin <<<"$u"
	unpacked_ok "$p" "$bin" || unpack_missing+=("$u")
done
[ ${#missing[@]} -eq 0 ] && [ ${#unpack_missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing ${missing[*]}${unpack_missing[*]:+ (and unpacked: ${unpack_missing[*]%% *})}; run this as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Parallel runs (two LQ_BUILDs) share the cache.
mkdir -p "$tools"
exec 9>"$tools/.lock"
flock 9
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	# A bare machine has no package lists; a stale one may point at removed files.
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
elif [ -z "$(candidate "${unpack_missing[0]%% *}")" ]; then
	apt-get update -q
fi
for u in "${unpack_missing[@]}"; do
	read -r p bin <<<"$u"
	unpacked_ok "$p" "$bin" || unpack "$p" "$bin" || { apt-get update -q && unpack "$p" "$bin"; }
done
