#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages that building listenq and running the QEMU rig
# need. apt-get is only called when something is missing, so a prepared
# machine pays one dpkg-query per package and nothing else. The kernel
# headers themselves are installed per kernel by kernels.sh --fetch.
set -euo pipefail

pkgs=(
	build-essential		# gcc, make, libc6-dev for the static guest binaries
	busybox-static		# the whole guest userland
	cpio			# initramfs archives
	qemu-system-x86		# the guest
	dkms			# make dkms-check
	openssl			# lets dkms generate its signing key instead of skipping signing
	sparse			# C=1 in make check
	kmod			# modinfo, depmod
	debootstrap		# the build chroots of kernels bookworm did not build (chroot.sh)
	iproute2		# network namespaces in host-side experiments
	xz-utils		# dkms and Debian 6.12 modules use .xz
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing ${missing[*]}; run this as root" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A bare machine has no package lists; a stale one may point at removed files.
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
