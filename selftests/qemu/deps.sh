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
	qemu-system-x86		# the x86-64 guests
	qemu-system-arm		# the arm64 guests (qemu-system-aarch64)
	gcc-aarch64-linux-gnu	# the arm64 guests' static init, selftests and tools
	libc6-dev-arm64-cross	# their libc (the modules are built in chroots, with their suites' compilers)
	dkms			# make dkms-check
	openssl			# lets dkms generate its signing key instead of skipping signing
	sparse			# C=1 in make check
	kmod			# modinfo, depmod
	debootstrap		# the build chroots of kernels bookworm did not build (chroot.sh)
	iproute2		# network namespaces in host-side experiments
	xz-utils		# dkms and Debian 6.12 modules use .xz
	# The metrics step (check.sh metrics, doc/metrics.md): Prometheus's own
	# tools. prometheus is the whole server (about 100 MB installed, for
	# promtool); both are installed, never started (below).
	prometheus		# promtool: check metrics, check rules, test rules
	prometheus-node-exporter # serves listenq.prom from its textfile directory
	systemd			# systemd-analyze verify and security on the units
	curl			# the scrape of node-exporter's /metrics
	python3			# packaging/check-metrics.py
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
# Installed to be run by hand, never as services: prometheus's and
# node-exporter's maintainer scripts start their daemons (on :9090 and
# :9100) through invoke-rc.d or deb-systemd-invoke, which, without systemd
# as PID 1 (a container, a chroot), run the init scripts. A policy-rc.d
# that says 101 ("action forbidden") stops both, for this install only; a
# policy-rc.d the machine already has is left alone. With systemd as PID 1
# the units are still enabled (for the next boot), as the packages want.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# selftests/qemu/deps.sh: no daemon starts during its install\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
# A bare machine has no package lists; a stale one may point at removed files.
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
