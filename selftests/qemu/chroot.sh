#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The build environments of the rig's kernels, bookworm's included: a
# minbase chroot of the suite whose compiler built them, with
# build-essential, sparse and dkms, made once into $LQ_CACHE/chroots/<env>
# (about a minute each). Every kernel's headers go there, never onto this
# machine (kernels.sh).
#
#   chroot.sh --make ENV            make ENV's chroot unless it is ready
#   chroot.sh --run ENV|ROOT CMD... run CMD in it, with /proc and $LQ_BUILD
#                                   (and $LQ_CHROOT_BINDS) at their own paths
#   chroot.sh --root ENV            print its path
#   chroot.sh --suite ENV           print its Debian suite
#   chroot.sh --release ENV         print the release its kernels come from
#   chroot.sh --fix-headers ENV K   make C=1 run sparse for kernel K there
#   chroot.sh --update-all          apt-get update in every ready chroot
#   chroot.sh --foreign ENV ARCH    let ENV's apt fetch ARCH's packages too
#                                   (dpkg --add-architecture, in the chroot)
#
# ENV is bullseye (5.10), bookworm (6.1 and 6.12, amd64 and arm64: this
# machine's own dpkg never gets a kernel package or a foreign
# architecture), trixie (its backports: 7.x, gcc-14) or sid (sid and
# experimental: the newest line, gcc-16). The mirrors are this machine's own, read from apt. Mounts live
# in a private mount namespace and go with the command.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${LQ_CACHE:-$repo/.cache}
build=${LQ_BUILD:-$repo/build}
# Bump when the recipe below changes what a chroot holds.
RECIPE=2
pkgs=(build-essential sparse kmod dkms openssl xz-utils)
# LQ_CHROOT_LEAN=1 (make demo): a chroot with only what a plain module
# build needs (the headers bring their gcc-N), marked "$RECIPE-lean"; a
# full --make later installs the rest into it. The demo's guest binaries
# are built on this machine.
lean_pkgs=(make gcc)
lean=${LQ_CHROOT_LEAN:-0}

# suite, release the kernels come from ("" for the suite's own), and the
# archive's suites (security suites come from the security mirror).
env_suite() {
	case $1 in
	bullseye) echo "bullseye" ;;
	bookworm) echo "bookworm" ;;
	trixie) echo "trixie" ;;
	sid) echo "sid" ;;
	*) echo "chroot: unknown environment '$1'" >&2; return 1 ;;
	esac
}

env_release() {
	case $1 in
	trixie) echo trixie-backports ;;
	sid) echo experimental ;;
	*) echo ;;
	esac
}

env_sources() {
	local main=$2 sec=$3
	case $1 in
	bullseye)
		echo "deb $main bullseye main"
		echo "deb $sec bullseye-security main" ;;
	bookworm)
		echo "deb $main bookworm main"
		echo "deb $sec bookworm-security main" ;;
	trixie)
		echo "deb $main trixie main"
		echo "deb $sec trixie-security main"
		echo "deb $main trixie-backports main" ;;
	sid)
		echo "deb $main sid main"
		echo "deb $main experimental main" ;;
	esac
}

# This machine's Debian and Debian security mirrors, as apt uses them.
mirrors() {
	local main sec
	main=$(apt-cache policy | awk '$2 ~ /\/debian\/?$/ && $3 ~ /^[a-z]+\/main$/ {print $2; exit}')
	sec=$(apt-cache policy | awk '$2 ~ /\/debian-security\/?$/ {print $2; exit}')
	[ -n "$main" ] || { echo "chroot: no Debian mirror in apt's sources" >&2; return 1; }
	echo "$main ${sec:-$main}"
}

root_of() { echo "$cache/chroots/$1"; }

# run ROOT CMD...: in a private mount namespace, so the mounts end with CMD.
run_in() {
	local root=$1
	shift
	LQ_BINDS="$build ${LQ_CHROOT_BINDS:-}" unshare --mount --propagation private --fork -- \
		bash -c '
		root=$1
		shift
		mount -t proc proc "$root/proc" || exit 1
		for d in $LQ_BINDS; do
			[ -d "$d" ] || continue
			mkdir -p "$root$d" && mount --bind "$d" "$root$d" || exit 1
		done
		exec chroot "$root" /usr/bin/env -u LQ_BINDS \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"
		' chroot-run "$root" "$@"
}

# ready ROOT: made by this recipe (or its lean variant, when lean will do).
ready() {
	local r
	r=$(cat "$1/.lq-ready" 2>/dev/null) || return 1
	[ "$r" = "$RECIPE" ] || { [ "$lean" = 1 ] && [ "$r" = "$RECIPE-lean" ]; }
}

# progress PREFIX: debootstrap's and apt-get's output on stdin, summed up
# on stdout as a line per phase and per 25 packages downloaded
# (LQ_PROGRESS=1, make demo), or nothing; "chroot..." and "kernels..."
# lines as they are.
progress() {
	local awk=(awk)
	if [ "${LQ_PROGRESS:-0}" != 1 ]; then
		cat >/dev/null
		return
	fi
	# mawk reads its input in blocks, so that lines would come late.
	! awk -W version 2>&1 | grep -q mawk || awk=(awk -W interactive)
	"${awk[@]}" -v pfx="$1" '
	function out(s) { printf "%s: %s\n", pfx, s; fflush() }
	function step(p) {
		if (p != cur) { end(); cur = p; n = 0 }
		if (++n % 25 == 0 && cur ~ /downloaded/) out(cur " " n " packages")
	}
	function end() {
		if (cur != "" && (n % 25 || cur !~ /downloaded/))
			out(cur " " n (n == 1 ? " package" : " packages"))
		cur = ""
	}
	/^(chroot|kernels)[ :]/ { end(); print; fflush(); next }
	/^I: (Retrieving|Validating) (InRelease|Release|Packages)/ { next }
	/^I: Retrieving / { step("debootstrap: downloaded"); next }
	/^I: Extracting / { step("debootstrap: extracted"); next }
	/^I: (Unpacking|Configuring) (required|base) / { end(); out(substr($0, 4)); next }
	/^I: Unpacking / { step("debootstrap: unpacked"); next }
	/^I: Configuring / { step("debootstrap: configured"); next }
	/^I: Base system installed/ { end(); out(substr($0, 4)); next }
	/^Need to get / { end(); out("apt: " $0); next }
	/^Get:[0-9]+ .*\[[0-9.,]+ [kMG]?B\]$/ { step("apt: downloaded"); next }
	/^Fetched / { end(); out("apt: " $0); next }
	/^Unpacking / { step("apt: unpacked"); next }
	/^Setting up / { step("apt: set up"); next }
	END { end() }'
}

make_env() {
	local env=$1 suite root tmp main sec t0=$SECONDS want=$RECIPE
	suite=$(env_suite "$env")
	root=$(root_of "$env")
	ready "$root" && return 0
	# kernels.sh and the debug kernel's build may both want it at once.
	mkdir -p "${root%/*}"
	exec 9>"$root.lock"
	flock 9
	ready "$root" && return 0
	# make demo's lean chroot, wanted whole now: the rest of the packages.
	if [ "$(cat "$root/.lq-ready" 2>/dev/null)" = "$RECIPE-lean" ]; then
		echo "chroot: $env: installing ${pkgs[*]}"
		run_in "$root" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>"$root.log" 2>&1 ||
			{ tail -n 20 "$root.log" >&2; return 1; }
		echo "$RECIPE" >"$root/.lq-ready"
		return 0
	fi
	[ "$lean" != 1 ] || { pkgs=("${lean_pkgs[@]}"); want=$RECIPE-lean; }
	command -v debootstrap >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
	read -r main sec < <(mirrors)
	tmp=$root.tmp
	rm -rf "$tmp" "$root"
	mkdir -p "${root%/*}"
	echo "chroot: making $env ($suite) in $root"
	debootstrap --variant=minbase "$suite" "$tmp" "$main" 2>&1 | tee "$tmp.log" | progress "chroot $env" ||
		{ tail -n 20 "$tmp.log" >&2; return 1; }
	env_sources "$env" "$main" "$sec" >"$tmp/etc/apt/sources.list"
	# sid's and experimental's Release files may carry an expired Valid-Until.
	# Several of the rig's scripts may install into one chroot at a time.
	{
		echo 'Acquire::Check-Valid-Until "false";'
		echo 'DPkg::Lock::Timeout "900";'
	} >"$tmp/etc/apt/apt.conf.d/99listenq"
	run_in "$tmp" apt-get update -q >>"$tmp.log" 2>&1 &&
		run_in "$tmp" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends "${pkgs[@]}" 2>&1 |
		tee -a "$tmp.log" | progress "chroot $env" ||
		{ tail -n 20 "$tmp.log" >&2; return 1; }
	echo "$want" >"$tmp/.lq-ready"
	mv "$tmp" "$root"
	mv "$tmp.log" "$root.log"
	echo "chroot: $env ready in $((SECONDS - t0))s"
}

# foreign ENV ARCH: ENV's dpkg and apt also know ARCH (packages of it are
# downloaded and unpacked by kernels.sh, never installed: their Depends
# would replace the chroot's native compiler).
foreign() {
	local env=$1 arch=$2 root
	root=$(root_of "$env")
	[ -f "$root/.lq-ready" ] || { echo "chroot: $env is not made" >&2; return 1; }
	run_in "$root" dpkg --print-foreign-architectures | grep -qx "$arch" && return 0
	exec 9>"$root.lock"
	flock 9
	run_in "$root" dpkg --print-foreign-architectures | grep -qx "$arch" && return 0
	echo "chroot: $env: adding architecture $arch"
	run_in "$root" dpkg --add-architecture "$arch" || return 1
	# Another script may be installing there (the debug kernel's build, in
	# trixie): its locks make an update fail, not wait.
	local i
	for i in 1 2 3 4 5 6; do
		run_in "$root" apt-get update -q >>"$root.log" 2>&1 && return 0
		sleep 20
	done
	return 1
}

# The checker test of kbuild's scripts/checker-valid.sh, which Debian's 7.x
# linux-kbuild lacks: prints 1 if the checker parses __typeof_unqual__.
checker_valid() {
	cat <<-'EOF'
	#!/bin/sh
	# Written by listenq's test rig (selftests/qemu/chroot.sh): this kbuild
	# package lacks the script. Prints 1 if the checker "$@" parses
	# __typeof_unqual__, which these headers use, and 0 otherwise.
	command -v "$1" >/dev/null || { echo 0; exit 0; }
	t=$(mktemp --suffix=.c)
	printf 'static inline int u(const int *q)\n{\n\t__typeof_unqual__(*q) v = *q;\n\treturn v;\n}\n' >"$t"
	if "$@" "$t" 2>&1 | grep -q error; then echo 0; else echo 1; fi
	rm -f "$t"
	EOF
}

# C=1 must really run sparse. Debian's 7.x headers call a
# scripts/checker-valid.sh that their kbuild package does not ship, and a
# suite's sparse may be too old for them (trixie's 0.6.4 for 7.3): then
# build sid's sparse from its source package, into /usr/local/bin.
fix_headers() {
	local env=$1 k=$2 root kdir srctree
	# make demo builds without C=1; make check comes back here.
	[ "$lean" != 1 ] || return 0
	root=$(root_of "$env")
	# Links in the chroot are absolute: resolve them there.
	kdir=$(run_in "$root" readlink -f "/lib/modules/$k/build")
	srctree=$(sed -n 's/^include \(.*\)\/Makefile$/\1/p' "$root$kdir/Makefile")
	srctree=${srctree:-$kdir}
	grep -q 'scripts/checker-valid.sh' "$root$srctree/Makefile" || return 0
	if [ ! -e "$root$srctree/scripts/checker-valid.sh" ]; then
		checker_valid >"$root$srctree/scripts/checker-valid.sh"
		chmod 755 "$root$srctree/scripts/checker-valid.sh"
	fi
	[ "$(run_in "$root" "$srctree/scripts/checker-valid.sh" sparse)" = 1 ] && return 0
	echo "chroot: $env's sparse is too old for $k; building sid's"
	grep -qs 'deb-src .* sid main' "$root/etc/apt/sources.list.d/listenq-sid-src.list" || {
		read -r main _ < <(mirrors)
		echo "deb-src $main sid main" >"$root/etc/apt/sources.list.d/listenq-sid-src.list"
		run_in "$root" apt-get update -q >/dev/null
	}
	run_in "$root" sh -ec '
		rm -rf /usr/local/src/sparse && mkdir -p /usr/local/src/sparse && cd /usr/local/src/sparse
		apt-get source -q --download-only sparse/sid >/dev/null
		dpkg-source -x ./*.dsc src >/dev/null
		make -s -C src -j"$(nproc)" CC=gcc sparse >/dev/null
		install -m 755 src/sparse /usr/local/bin/sparse'
	[ "$(run_in "$root" "$srctree/scripts/checker-valid.sh" sparse)" = 1 ] ||
		{ echo "chroot: sid's sparse does not pass $srctree/scripts/checker-valid.sh either" >&2; return 1; }
}

case ${1:-} in
--make) make_env "$2" ;;
--progress) LQ_PROGRESS=1 progress "$2" ;;
--run)
	# ENV, or a chroot's path as kernels.sh --list prints it
	case $2 in
	*/*) root=$2 ;;
	*) env_suite "$2" >/dev/null && root=$(root_of "$2") ;;
	esac
	shift 2
	run_in "$root" "$@"
	;;
--root) env_suite "$2" >/dev/null && root_of "$2" ;;
--suite) env_suite "$2" ;;
--release) env_suite "$2" >/dev/null && env_release "$2" ;;
--fix-headers) [ "$2" = host ] || fix_headers "$2" "$3" ;;
--foreign) env_suite "$2" >/dev/null && foreign "$2" "$3" ;;
--update-all)
	for d in "$cache"/chroots/*/.lq-ready; do
		[ -f "$d" ] || continue
		run_in "${d%/.lq-ready}" apt-get update -q
	done
	;;
*)
	sed -n 's/^# \{0,1\}//; 10,19p' "$0" >&2
	exit 2
	;;
esac
