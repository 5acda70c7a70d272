#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian kernels listenq is tested on, resolved at run time through the
# meta-packages so CI follows ABI bumps (6.1.0-56 -> -57) without edits.
#
#   kernels.sh --fetch   resolve the matrix, make the build environments,
#                        install each kernel's headers there and extract its
#                        vmlinuz and config into .cache/kernels/<kver>/, and
#                        each kernel line's kselftest harness (fetch_ksft)
#   kernels.sh --list    after --fetch: one "KVER ROOT ARCH" line per kernel,
#                        ROOT the chroot its module is built in, ARCH its
#                        Debian architecture
#   kernels.sh --ksft KVER  after --fetch: the kernel tree whose
#                        tools/testing/selftests/ holds the kselftest harness
#                        of KVER's line, for make -C selftests KSRC=
#   kernels.sh --deps    install the rig's other Debian packages (deps.sh)
#
# A kernel's module is built with the compiler its headers were built with,
# in a minbase chroot of its suite (chroot.sh), made once and cached in
# .cache/chroots/: bookworm's kernels too, although this machine runs
# bookworm. No kernel's headers or image are ever installed on this
# machine: a linux-image package puts a kernel in /boot and runs the
# initramfs, grub and dkms hooks, and bookworm's 6.12 headers depend on
# their image. Images are extracted with dpkg-deb, never installed; headers
# that depend on their image (bookworm's 6.12) are unpacked in the chroot,
# not installed, like a foreign kernel's (below).
#
# Kernels of another architecture (arm64) are built with a cross compiler,
# in a chroot whose dpkg gets the architecture (chroot.sh --foreign),
# never this machine's. Their flavour headers are unpacked there by hand,
# not installed, because they depend on the suite's native gcc-N, which
# apt would have to replace with gcc-N:arm64; what they need besides
# (the -common headers, an amd64 linux-kbuild of their version, whose tools
# work for any target, and gcc-N-aarch64-linux-gnu) is installed there.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${LQ_CACHE:-$(cd "$here/../.." && pwd)/.cache}
kcache=$cache/kernels

# The matrix, oldest first: build environment (chroot.sh's names) and
# meta-package. The newest version of the meta-package
# that the environment's archive has wins, so "sid" takes experimental's
# line when it is ahead of sid's. rt-amd64 is PREEMPT_RT, where spinlock_t
# sleeps and only raw spinlocks may be taken in probes.
matrix=(
	# ENV ARCH META [main]: build environment (chroot.sh's names),
	# architecture, meta-package, and "main" for the
	# point release of the suite's main archive (its madison rows that are
	# not -security, -updates or -backports) rather than the newest.
	"bullseye amd64 linux-image-cloud-amd64 main"	# 5.10 point release
	"bullseye amd64 linux-image-cloud-amd64"	# 5.10, bullseye-security
	"bookworm amd64 linux-image-cloud-amd64 main"	# 6.1 point release
	"bookworm amd64 linux-image-cloud-amd64"	# 6.1, bookworm-security
	"bookworm amd64 linux-image-6.12-cloud-amd64"	# 6.12, bookworm-security
	"bookworm amd64 linux-image-6.12-rt-amd64"
	"trixie amd64 linux-image-cloud-amd64"		# 7.3, trixie-backports
	"trixie amd64 linux-image-rt-amd64"
	"sid amd64 linux-image-cloud-amd64"		# the newest line: sid or experimental
	# arm64: the newest 5.10 whose packages the archive serves, 6.1 and
	# 6.12 (bookworm-security), 7.3 (trixie-backports).
	"bullseye arm64 linux-image-cloud-arm64"
	"bookworm arm64 linux-image-cloud-arm64"
	"bookworm arm64 linux-image-6.12-cloud-arm64"
	"trixie arm64 linux-image-cloud-arm64"
)
# LQ_MATRIX=REGEX (grep -E) keeps the rows whose "ENV ARCH META [main]"
# matches: make demo fetches one kernel and makes one chroot. Their --list
# is a file of its own, so that make check's list stays whole.
list=$kcache/matrix
if [ -n "${LQ_MATRIX:-}" ]; then
	list=$kcache/matrix.$(printf '%s' "$LQ_MATRIX" | cksum | cut -d' ' -f1)
	mapfile -t matrix < <(printf '%s\n' "${matrix[@]}" | grep -E -- "$LQ_MATRIX" || true)
	[ ${#matrix[@]} -gt 0 ] || { echo "kernels: no matrix row matches LQ_MATRIX=$LQ_MATRIX" >&2; exit 1; }
fi

host_arch=$(dpkg --print-architecture)
host_suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")

root_of() {
	"$here/chroot.sh" --root "$1"
}

# run ENV CMD...: CMD in ENV's chroot, where every kernel's packages are
# fetched, never on this machine.
run() {
	local env=$1
	shift
	"$here/chroot.sh" --run "$env" "$@"
}

# qual ARCH: the ":arch" suffix of a package of ARCH in an environment's apt.
qual() {
	[ "$1" = "$host_arch" ] || echo ":$1"
}

# newest_first: the Debian versions on stdin, each once, newest first in
# dpkg's order.
newest_first() {
	local v i out=()
	while read -r v; do
		i=0
		while [ $i -lt ${#out[@]} ] && dpkg --compare-versions "${out[$i]}" ge "$v"; do
			[ "${out[$i]}" = "$v" ] && continue 2
			i=$((i + 1))
		done
		out=("${out[@]:0:$i}" "$v" "${out[@]:$i}")
	done
	printf '%s\n' "${out[@]}"
}

# candidates ENV ARCH META [main]: "KVER VERSION" lines, newest first, one
# per version of META in ENV's archive (only the main archive's with
# "main"), KVER from the linux-image-<kver> it depends on (on 7.x an empty
# package beside linux-base-* and linux-binary-*).
candidates() {
	local env=$1 arch=$2 meta=$3$(qual "$2") sel=${4:-} v k
	run "$env" apt-cache madison "$meta" |
		awk -F'|' -v arch="$arch" -v sel="$sel" '
			$3 !~ (" " arch " Packages") { next }
			sel == "main" && $3 ~ /-(security|updates|backports)\// { next }
			{ gsub(/ /, "", $2); print $2 }' | newest_first |
	while read -r v; do
		k=$(run "$env" apt-cache show "$meta=$v" | sed -n 's/^Depends: //p' | head -n 1 | tr ',' '\n' |
			sed -n 's/^ *linux-image-\([0-9][^ :]*\).*/\1/p' | sed 's/-unsigned$//' | head -n 1)
		[ -z "$k" ] || echo "$k $v"
	done
}

installed() {
	run "$1" dpkg-query -W -f='${db:Status-Abbrev}' "$2" 2>/dev/null | grep -q '^ii'
}

# fetch_headers ENV ARCH KVER VERSION: a native kernel's headers in ENV's
# chroot, installed, or unpacked (fetch_unpacked_headers) when they depend
# on their linux-image (bookworm's 6.12): installed, it would run the
# initramfs and dkms hooks and fill the chroot with the kernel's modules.
fetch_headers() {
	local env=$1 t
	installed "$env" "linux-headers-$3" && run "$env" test -d "/lib/modules/$3/build" && return 0
	if run "$env" apt-cache show "linux-headers-$3=$4" | sed -n 's/^Depends: //p' | head -n 1 |
		grep -q 'linux-image-'; then
		fetch_unpacked_headers "$@"
		return
	fi
	t=$("$here/chroot.sh" --release "$env")
	run "$env" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		${t:+-t "$t"} "linux-headers-$3=$4"
}

# triplet ARCH: the GNU triplet of Debian's cross compilers for ARCH.
triplet() {
	case $1 in
	arm64) echo aarch64-linux-gnu ;;
	*) echo "kernels: no cross compiler known for $1" >&2; return 1 ;;
	esac
}

# cross_vars ROOT KVER TRIPLET: the unpacked headers cross-build by
# themselves, as Debian's 6.12 and later say in their .kernelvariables
# (CROSS_COMPILE forced) and 6.1's and 5.10's do only when dpkg-buildflags'
# DEB_*_ARCH say so: then make, and dkms (which takes CC from that file),
# need no ARCH or CROSS_COMPILE, as for a native kernel.
cross_vars() {
	local f=$1/usr/src/linux-headers-$2/.kernelvariables
	[ -f "$f" ] || return 1
	grep -q '^override CROSS_COMPILE = '"$3"'-$' "$f" && return 0
	printf '# Added by listenq'"'"'s test rig (kernels.sh): unpacked to cross-build.\noverride CROSS_COMPILE = %s-\n' \
		"$3" >>"$f"
}

# fetch_unpacked_headers ENV ARCH KVER VERSION: a kernel's headers in ENV's
# chroot, where the rig and dkms look for them: /usr/src/linux-headers-KVER
# from the .deb, unpacked, and /lib/modules/KVER/build; its Depends
# installed natively (for a foreign kernel gcc-N as gcc-N-<triplet>), but
# not its linux-image or linux-base. A marker file holds VERSION.
fetch_unpacked_headers() {
	local env=$1 arch=$2 k=$3 v=$4 root t tmp deps d name pkgs=() tri=
	root=$(root_of "$env")
	[ "$arch" = "$host_arch" ] || tri=$(triplet "$arch") || return 1
	[ "$(cat "$root/usr/src/linux-headers-$k/.listenq-unpacked" 2>/dev/null)" = "$v" ] &&
		run "$env" test -f "/lib/modules/$k/build/Makefile" &&
		{ [ -z "$tri" ] || cross_vars "$root" "$k" "$tri"; } && return 0
	t=$("$here/chroot.sh" --release "$env")
	tmp=$(mktemp -d "$root/tmp/lq-headers.XXXXXX")
	run "$env" sh -c "cd '/tmp/${tmp##*/}' && apt-get download -q -o APT::Sandbox::User=root 'linux-headers-$k:$arch=$v'" ||
		{ rm -rf "$tmp"; return 1; }
	deps=$(dpkg-deb -f "$tmp"/*.deb Depends)
	for d in $(tr ',' '\n' <<<"$deps" | sed 's/|.*//; s/^ *//; s/ *$//; s/ (\([<>=]*\) \(.*\))$/\1\2/; s/ //g'); do
		name=${d%%[<>=]*}
		case $name in
		gcc-[0-9]*) pkgs+=("${name%-for-host}${tri:+-$tri}") ;;	# gcc-12, gcc-14-for-host
		linux-headers-*-common|linux-headers-*-common-rt) pkgs+=("$d") ;;	# = VERSION
		linux-kbuild-*) case $d in *'>='*) pkgs+=("$name") ;; *=*) pkgs+=("$name=${d#*=}") ;; *) pkgs+=("$name") ;; esac ;;
		*) ;;	# linux-base*, linux-image-*: the image's, not the build's
		esac
	done
	echo "kernels: $k ($arch) in $env: unpacking its headers (not their image); installing ${pkgs[*]}"
	run "$env" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		${t:+-t "$t"} "${pkgs[@]}" || { rm -rf "$tmp"; return 1; }
	# Not dpkg-deb -x into the chroot's /: tar would replace the merged-/usr
	# link /lib with a directory.
	dpkg-deb -x "$tmp"/*.deb "$tmp/x" && [ -d "$tmp/x/usr/src/linux-headers-$k" ] ||
		{ rm -rf "$tmp"; return 1; }
	rm -rf "$root/usr/src/linux-headers-$k"
	mv "$tmp/x/usr/src/linux-headers-$k" "$root/usr/src/"
	rm -rf "$tmp"
	run "$env" sh -c "mkdir -p '/lib/modules/$k' && ln -sfn '/usr/src/linux-headers-$k' '/lib/modules/$k/build'" &&
		run "$env" test -f "/lib/modules/$k/build/Makefile" &&
		{ [ -z "$tri" ] || cross_vars "$root" "$k" "$tri"; } &&
		echo "$v" >"$root/usr/src/linux-headers-$k/.listenq-unpacked"
}

# fetch_image ENV ARCH KVER VERSION: vmlinuz and config into $kcache/KVER, via a
# temporary directory so an interrupted fetch leaves no half-filled entry.
# Up to 6.12 both are in linux-image-<kver>[-unsigned] under /boot; on 7.x
# the kernel is in linux-binary-<kver> and the config in linux-base-<kver>,
# under /usr/lib/modules/<kver>. arm64's vmlinuz is an uncompressed Image.
fetch_image() {
	local env=$1 q k=$3 v=$4 dir=$kcache/$3 tmp root dl p f
	q=$(qual "$2")
	[ -s "$dir/vmlinuz" ] && [ -s "$dir/config" ] && return 0
	root=$(root_of "$env")
	tmp=$(mktemp -d "$root/tmp/lq-fetch.XXXXXX")
	dl=/tmp/${tmp##*/}
	for p in "linux-image-$k-unsigned" "linux-image-$k" "linux-binary-$k" "linux-base-$k"; do
		run "$env" sh -c "cd '$dl' && apt-get download -q -o APT::Sandbox::User=root '$p$q=$v'" \
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

# fetch_busybox ENV ARCH: the guest's busybox-static for ARCH, from ENV's
# archive (bookworm's: the version of this machine's, whose applet list
# the initramfs links), in $cache/busybox-ARCH/busybox (lib.sh's A_BUSYBOX).
fetch_busybox() {
	local env=$1 arch=$2 dir=$cache/busybox-$2 root tmp
	[ -s "$dir/busybox" ] && return 0
	root=$(root_of "$env")
	tmp=$(mktemp -d "$root/tmp/lq-busybox.XXXXXX")
	run "$env" sh -c "cd '/tmp/${tmp##*/}' && apt-get download -q -o APT::Sandbox::User=root 'busybox-static:$arch'" &&
		dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/x" && [ -s "$tmp/x/bin/busybox" ] &&
		mkdir -p "$dir" && cp "$tmp/x/bin/busybox" "$dir/busybox.tmp" && mv "$dir/busybox.tmp" "$dir/busybox" &&
		echo "kernels: busybox-static:$arch -> $dir/busybox"
	local rc=$?
	rm -rf "$tmp"
	return $rc
}

# The kselftest harness the selftests are built with, per kernel line
# (5.10, 6.1, 6.12, 7.3: KVER's first two numbers): kselftest_harness.h,
# kselftest.h, kselftest/ (runner.sh, prefix.pl, ktap_helpers.sh) and
# run_kselftest.sh, from the newest linux-source-LINE of the environment of
# the first matrix row of that line, in $cache/ksft/LINE/tools/testing/selftests/:
# a tree that make -C selftests takes as KSRC=, as it takes a kernel's.
# LQ_KSFT=0 (make demo, which runs no selftests) fetches none.
ksft_line() {
	sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$1"
}

# fetch_ksft LINE ENV: the harness of LINE from ENV's linux-source-LINE, the
# package downloaded (about 150 MB), only its harness files kept; again
# when the archive has a newer version than the cached one.
fetch_ksft() {
	local line=$1 env=$2 p=linux-source-$1 dir=$cache/ksft/$1 v root tmp
	v=$(run "$env" apt-cache madison "$p" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | newest_first | head -n 1)
	[ -n "$v" ] || { echo "kernels: no $p in $env's archive" >&2; return 1; }
	[ "$(cat "$dir/version" 2>/dev/null)" = "$p $v" ] && return 0
	root=$(root_of "$env")
	tmp=$(mktemp -d "$root/tmp/lq-ksft.XXXXXX")
	mkdir -p "$tmp/x"
	if run "$env" sh -c "cd '/tmp/${tmp##*/}' && apt-get download -q -o APT::Sandbox::User=root '$p=$v'" &&
		dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -xO "./usr/src/$p.tar.xz" |
		tar -xJ -C "$tmp/x" --strip-components=1 --wildcards \
			'*/tools/testing/selftests/kselftest*' '*/tools/testing/selftests/run_kselftest.sh' &&
		[ -s "$tmp/x/tools/testing/selftests/kselftest_harness.h" ]; then
		echo "$p $v" >"$tmp/x/version"
		mkdir -p "$cache/ksft"
		rm -rf "$dir" && mv "$tmp/x" "$dir" && rm -rf "$tmp"
		echo "kernels: kselftest harness of $line: $p $v -> $dir"
		return 0
	fi
	echo "kernels: cannot extract the kselftest harness from $p $v" >&2
	rm -rf "$tmp"
	return 1
}

# fetch_ksft_all: each line's harness, the lines side by side, each from
# the environment of its first row in the matrix's order.
fetch_ksft_all() {
	local i k env line seen=" " pids=() p rc=0
	[ "${LQ_KSFT:-1}" != 0 ] || return 0
	for env in $(printf '%s\n' "${matrix[@]}" | awk '{print $1}' | sort -u); do
		sed "s/\$/ $env/" "$kcache/.rows.$env"
	done | sort -n | while read -r i k _ _ env; do
		line=$(ksft_line "$k")
		case $seen in *" $line "*) continue ;; esac
		seen="$seen$line "
		echo "$line $env"
	done >"$kcache/.ksft-lines"
	while read -r line env; do
		fetch_ksft "$line" "$env" &
		pids+=($!)
	done <"$kcache/.ksft-lines"
	for p in "${pids[@]}"; do
		wait "$p" || rc=1
	done
	return $rc
}

# fetch_one ENV ARCH META [main]: resolve, then headers and image of the
# newest version whose packages can be downloaded: an index may list .debs
# a mirror does not serve (bullseye-security's arm64 5.10.262), but only
# within the newest one's line (5.10, never trixie's 6.12 for its 7.3).
# Prints "KVER ARCH".
fetch_one() {
	local env=$1 arch=$2 meta=$3 sel=${4:-} k v n=0 list line=
	list=$(candidates "$env" "$arch" "$meta" "$sel")
	[ -n "$list" ] || { echo "kernels: cannot resolve $meta ($arch${sel:+, $sel}) in $env" >&2; return 1; }
	while read -r k v; do
		n=$((n + 1))
		[ -n "$line" ] || line=$(cut -d. -f1,2 <<<"$k")
		[ "$(cut -d. -f1,2 <<<"$k")" = "$line" ] || continue
		[ $n = 1 ] || echo "kernels: $meta ($arch): $k $v instead" >&2
		# The image first: its download fails fastest when the mirror lacks a version.
		fetch_image "$env" "$arch" "$k" "$v" >&2 || continue
		if [ "$arch" = "$host_arch" ]; then
			fetch_headers "$env" "$arch" "$k" "$v" >&2 || continue
		else
			fetch_unpacked_headers "$env" "$arch" "$k" "$v" >&2 || continue
		fi
		"$here/chroot.sh" --fix-headers "$env" "$k" >&2 || return 1
		echo "$k $arch"
		return 0
	done <<<"$list"
	echo "kernels: no version of $meta ($arch${sel:+, $sel}) in $env could be fetched" >&2
	return 1
}

# fetch_env ENV: every row of the matrix built in ENV, in order, each
# result as "INDEX KVER ROOT ARCH" in $kcache/.rows.ENV.
fetch_env() {
	local env=$1 i line e arch meta sel r root archs
	root=$(root_of "$env")
	: >"$kcache/.rows.$env"
	archs=$(for line in "${matrix[@]}"; do read -r e arch _ <<<"$line"; [ "$e" = "$env" ] && echo "$arch"; done | sort -u)
	for arch in $archs; do
		[ "$arch" = "$host_arch" ] && continue
		"$here/chroot.sh" --foreign "$env" "$arch" || return 1
		# busybox from this machine's suite
		[ "$("$here/chroot.sh" --suite "$env")" != "$host_suite" ] || fetch_busybox "$env" "$arch" || return 1
	done
	for i in "${!matrix[@]}"; do
		read -r e arch meta sel <<<"${matrix[$i]}"
		[ "$e" = "$env" ] || continue
		r=$(fetch_one "$env" "$arch" "$meta" $sel) || return 1
		echo "$i ${r% *} $root $arch" >>"$kcache/.rows.$env"
	done
}

fetch_all() {
	local env envs pids=() rc=0 p arch
	envs=$(printf '%s\n' "${matrix[@]}" | awk '{print $1}' | sort -u)
	# The chroots first, side by side: each is a minute of downloads.
	for env in $envs; do
		"$here/chroot.sh" --make "$env" &
	done
	for env in $envs; do
		wait -n || return 1
	done
	# Then each environment's kernels, the environments side by side (their
	# dpkg databases are their own): downloads, mostly.
	for env in $envs; do
		fetch_env "$env" >"$kcache/.fetch.$env.log" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || rc=1
	done
	for env in $envs; do
		sed "s/^/[$env] /" "$kcache/.fetch.$env.log"
	done
	[ $rc = 0 ] || return 1
	for arch in $(printf '%s\n' "${matrix[@]}" | awk '{print $2}' | sort -u); do
		[ "$arch" = "$host_arch" ] || [ -s "$cache/busybox-$arch/busybox" ] ||
			{ echo "kernels: no busybox-static:$arch: no $host_suite chroot builds $arch kernels" >&2; return 1; }
	done
	# In the matrix's order; a kernel two rows resolve to is listed once.
	fetch_ksft_all || return 1
	for env in $envs; do cat "$kcache/.rows.$env"; done | sort -n | cut -d' ' -f2- |
		awk '!seen[$1]++' >"$list.tmp"
	mv "$list.tmp" "$list"
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
	[ -s "$list" ] || { echo "kernels: run kernels.sh --fetch first" >&2; exit 1; }
	cat "$list"
	;;
--fetch)
	mkdir -p "$kcache"
	exec 9>"$kcache/.lock" && flock 9	# parallel jobs share one cache
	fetch_all || { apt_update && fetch_all; }
	;;
--ksft)
	d=$cache/ksft/$(ksft_line "${2:?kernels: --ksft KVER}")
	[ -s "$d/tools/testing/selftests/kselftest_harness.h" ] ||
		{ echo "kernels: no kselftest harness for $2 in $d: run kernels.sh --fetch" >&2; exit 1; }
	echo "$d"
	;;
--deps)
	exec "$here/deps.sh"
	;;
*)
	sed -n 's/^# \{0,1\}//; 3,18p' "$0" >&2
	exit 2
	;;
esac
