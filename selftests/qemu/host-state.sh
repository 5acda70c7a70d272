#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What of this machine the rig must never change: its kernels and boot, and
# its services. check.sh saves the state before a run (before deps.sh) and
# compares it after, so a rig script that installs a kernel package (whose
# hooks write /boot and run update-initramfs), builds into /lib/modules, or
# installs a package that enables a service fails the run.
#
#   host-state.sh save FILE      write the state to FILE
#   host-state.sh compare FILE   compare the state with FILE: exit 0 if the
#                                same, else print the diff and exit 1
#
# The state: /boot and /lib/modules recursively (type, name, and for files
# size and mtime; a directory's mtime changes when a file comes and goes,
# which the listing itself shows), the links /vmlinuz, /initrd.img and their
# .old, dpkg's state and version of linux-image-* and linux-headers-*, and
# the enabled units and init scripts: the links under /etc/systemd/system
# (its *.wants and *.requires), the S links of /etc/rc?.d, and with systemd
# as PID 1 systemctl's list of enabled unit files.
set -euo pipefail

# listing DIR: one line per entry under DIR.
listing() {
	[ -d "$1" ] || { echo "(no $1)"; return 0; }
	find "$1" -mindepth 1 \( -type d -printf 'd %P\n' \) -o \
		\( -type l -printf 'l %P -> %l\n' \) -o -printf '%y %P %s %TY-%Tm-%Td %TT\n' | LC_ALL=C sort
}

state() {
	local f
	echo "## /boot"
	listing /boot
	echo "## /lib/modules"
	listing /lib/modules
	echo "## boot links"
	for f in /vmlinuz /vmlinuz.old /initrd.img /initrd.img.old; do
		if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"; elif [ -e "$f" ]; then echo "$f (not a link)"; fi
	done
	echo "## kernel packages"
	dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' 'linux-image-*' 'linux-headers-*' \
		2>/dev/null | grep -v '^un' | LC_ALL=C sort || true
	echo "## enabled units"
	find /etc/systemd/system -mindepth 2 -maxdepth 2 -type l \
		\( -path '*.wants/*' -o -path '*.requires/*' \) -printf '%P -> %l\n' 2>/dev/null | LC_ALL=C sort
	echo "## init scripts"
	find /etc/rc0.d /etc/rc1.d /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d /etc/rc6.d /etc/rcS.d \
		-name 'S*' -printf '%p\n' 2>/dev/null | LC_ALL=C sort
	if [ -d /run/systemd/system ]; then
		echo "## systemctl list-unit-files --state=enabled"
		systemctl list-unit-files --state=enabled --no-legend --no-pager 2>&1 | LC_ALL=C sort
	fi
}

case ${1:-} in
save)
	[ $# = 2 ] || { echo "host-state: save FILE" >&2; exit 2; }
	mkdir -p "$(dirname "$2")"
	state >"$2.tmp" && mv "$2.tmp" "$2"
	;;
compare)
	[ $# = 2 ] || { echo "host-state: compare FILE" >&2; exit 2; }
	[ -f "$2" ] || { echo "host-state: no saved state $2" >&2; exit 1; }
	now=$(mktemp)
	trap 'rm -f "$now"' EXIT
	state >"$now"
	if diff -u --label "before ($2)" --label after "$2" "$now"; then
		echo "host-state: /boot, /lib/modules, kernel packages and enabled units unchanged ($(grep -vc '^#' "$2") entries)"
	else
		exit 1
	fi
	;;
*)
	sed -n 's/^# \{0,1\}//; 10,12p' "$0" >&2
	exit 2
	;;
esac
