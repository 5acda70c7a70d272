#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the listenq benchmarks on each kernel make check tests, each
# measured in one QEMU guest run (bench/README.md says what and how).
#
#   bench/run.sh            every kernel; writes bench/results/<kver>.txt
#   bench/run.sh --quick    small sizes, few repeats (minutes); results stay
#                           in build/bench, bench/results/ is not touched
#
# BENCH_KVERS='<kver> ...' picks kernels (each kernel's file stands alone:
# the others' stay as they are), arm64 ones too; BENCH_ARCHS (default
# amd64; 'amd64 arm64' for all) picks all the kernels of those
# architectures when BENCH_KVERS is unset; BENCH_ARGS adds lqbench options
# (and, like --quick, keeps bench/results/ untouched); BENCH_ICOUNT=0 runs
# the guest on the host's clock instead of counting instructions (see
# bench/boot.sh; also keeps bench/results/ untouched). BENCH_BASELINE=REF
# (default 475cc6e, the tree just before the probe features) is the
# git ref whose module runs beside the current one as "baseline" (lqbench
# --alt-ko): sections 3 and 5 show what the module's changes since then
# cost. BENCH_BASELINE= (empty) leaves it out; any other value than the
# default keeps bench/results/ untouched. BENCH_TIMEOUT (default 3600 s)
# bounds each guest in host time, which a loaded host stretches (arm64's:
# 4 times as much by default, TCG emulating it more slowly).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
rig=$repo/selftests/qemu
build=${LQ_BUILD:-$repo/build}/bench
cache=${LQ_CACHE:-$repo/.cache}/bench
args=${BENCH_ARGS:-}
baseline_default=475cc6e
baseline=${BENCH_BASELINE-$baseline_default}
quick=0
case ${1:-} in
--quick) quick=1; args="--quick $args" ;;
'') ;;
*) sed -n '4,25s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
official=$([ $quick = 0 ] && [ -z "${BENCH_ARGS:-}" ] &&
	[ "${BENCH_ICOUNT:-1}" = 1 ] && [ -z "${BENCH_QEMU_EXTRA:-}" ] &&
	[ "$baseline" = "$baseline_default" ] && echo 1 || echo 0)
unset MAKEFLAGS MFLAGS MAKELEVEL
mkdir -p "$build" "$cache"

"$rig/deps.sh"
"$rig/kernels.sh" --fetch >"$build/fetch.log" 2>&1 || { cat "$build/fetch.log"; exit 1; }
declare -A kroot karch
# bench/boot.sh boots the matrix's amd64 and arm64 kernels (third column:
# the Debian architecture, whose differences lib.sh's arch_setup holds).
while read -r k root arch; do kroot[$k]=$root karch[$k]=$arch; done < <("$rig/kernels.sh" --list)
archs=${BENCH_ARCHS:-amd64}
kvers=${BENCH_KVERS:-$("$rig/kernels.sh" --list | awk -v a=" $archs " 'index(a, " " $3 " ") {print $1}')}
for k in $kvers; do
	[ -n "${karch[$k]:-}" ] || { echo "bench: $k is not a kernel of kernels.sh --list" >&2; exit 2; }
done
# shellcheck source=selftests/qemu/lib.sh
. "$rig/lib.sh"
host_arch=$(dpkg --print-architecture)

# The guest programs: static, like the selftests; for another architecture
# cross-built with arch_setup's A_CC (aarch64-linux-gnu-gcc and Debian's
# libc6-dev-arm64-cross, as make -C selftests CROSS_COMPILE=...), in
# bin-<arch>.
# lqbench reads /proc/listenq, TcpExt and the module parameters with the
# selftests' readers; syngen shares their checksum code.
lib=$repo/selftests/lib
for arch in $(for k in $kvers; do echo "${karch[$k]}"; done | sort -u); do
	arch_setup "$arch"
	bin=$build/bin${A_CROSS:+-$arch}
	mkdir -p "$bin"
	"$A_CC" -static -O2 -Wall -Wextra -Werror -std=gnu11 -I"$lib" -o "$bin/lqbench" \
		"$here/lqbench.c" "$lib/lq_proc.c" "$lib/lq_hist.c" "$lib/lq_kmod.c" "$lib/netutil.c"
	"$A_CC" -static -O2 -Wall -Wextra -Werror -std=gnu11 -I"$repo/selftests/lib" \
		-o "$bin/syngen" "$here/syngen.c" "$repo/selftests/lib/netutil.c"
done

# A plain module build per kernel, from a fresh copy of the sources, in the
# environment make check builds it in (arch_setup's A_KMAKE: arm64's are
# cross-built, as the rig does).
# Kept from the last run when its sources are the same (a full build of
# every kernel's two modules takes minutes on a shared host).
same_sources() {
	local dir=$1 from=$2
	[ -s "$dir/listenq.ko" ] || return 1
	for f in Kbuild VERSION module include; do
		diff -r -q -x '*.o' -x '*.ko' -x '*.mod*' -x '.*' -x modules.order -x Module.symvers \
			"$from/$f" "$dir/$f" >/dev/null 2>&1 || return 1
	done
}

module() {
	local k=$1 dir=$build/$1/src
	same_sources "$dir" "$repo" && return 0
	rm -rf "$dir" && mkdir -p "$dir" && cp -r "$repo"/{Kbuild,VERSION,module,include} "$dir/"
	in_root "${kroot[$k]:--}" make -s -C "/lib/modules/$k/build" M="$dir" -j"$(nproc)" "${A_KMAKE[@]}" \
		LISTENQ_VERSION="$(cat "$repo/VERSION")" modules >"$build/$k/build.log" 2>&1 ||
		{ cat "$build/$k/build.log"; return 1; }
}

# The baseline's module (BENCH_BASELINE) for kernel $1, from git, built
# exactly as module() builds the current one; with lqbench and syngen in
# the kernel's own bin directory, which the guest gets as /bench. A
# baseline that does not build against the kernel's headers (one older
# than the compat probes that kernel needs) leaves the kernel without it.
baseline_module() {
	local k=$1 dir=$build/$1/base bin=$build/$1/bin ref tmp
	rm -rf "$bin" && mkdir -p "$bin" && cp "$build"/bin"${A_CROSS:+-${karch[$k]}}"/* "$bin/"
	[ -n "$baseline" ] || return 0
	ref=$(git -C "$repo" rev-parse "$baseline^{commit}")
	if [ "$(cat "$dir/.ref" 2>/dev/null)" = "$ref" ] && [ -s "$dir/listenq.ko" ]; then
		cp "$dir/listenq.ko" "$bin/baseline.ko"
		return 0
	fi
	rm -rf "$dir" && mkdir -p "$dir"
	git -C "$repo" archive "$ref" Kbuild VERSION module include | tar -x -C "$dir"
	in_root "${kroot[$k]:--}" make -s -C "/lib/modules/$k/build" M="$dir" -j"$(nproc)" "${A_KMAKE[@]}" \
		LISTENQ_VERSION="$(cat "$dir/VERSION")" modules >"$build/$k/base-build.log" 2>&1 || {
		grep -m 3 'error' "$build/$k/base-build.log"
		echo "bench: $k: the baseline does not build here ($build/$k/base-build.log): measured without it"
		return 0
	}
	echo "$ref" >"$dir/.ref"
	cp "$dir/listenq.ko" "$bin/baseline.ko"
}

# inet_diag.ko and tcp_diag.ko of Debian's package of kernel $1 (=m there;
# linux-image-<kver> up to 6.12, linux-modules-<kver> on 7.x; .ko.xz from
# 6.12), uncompressed for busybox insmod, into the cache. Downloaded in the
# kernel's own environment, whose archive has it (another architecture's
# packages too: kernels.sh --fetch added it to that chroot's dpkg).
diag_modules() {
	local k=$1 dir=$cache/$1 tmp m f p q=
	[ -s "$dir/inet_diag.ko" ] && [ -s "$dir/tcp_diag.ko" ] && return 0
	[ "${karch[$k]}" = "$host_arch" ] || q=:${karch[$k]}
	tmp=$(mktemp -d "$build/.fetch.XXXXXX")
	for p in "linux-image-$k-unsigned" "linux-image-$k" "linux-modules-$k"; do
		in_root "${kroot[$k]:--}" sh -c "cd '$tmp' && apt-get download -q -o APT::Sandbox::User=root $p$q" \
			>/dev/null 2>&1 || continue
		dpkg-deb -x "$(ls "$tmp"/"$p"_*.deb)" "$tmp/x"
		find "$tmp/x" -name 'inet_diag.ko*' | grep -q . && break
	done
	mkdir -p "$tmp/out"
	for m in inet_diag tcp_diag; do
		f=$(find "$tmp/x" -name "$m.ko*" -path "*/$k/*" | head -n 1)
		case $f in
		'') echo "bench: no $m.ko for $k" >&2; rm -rf "$tmp"; return 1 ;;
		*.xz) xz -dc "$f" >"$tmp/out/$m.ko" ;;
		*.zst) zstd -q -dc "$f" >"$tmp/out/$m.ko" ;;
		*) cp "$f" "$tmp/out/$m.ko" ;;
		esac
		modinfo -F vermagic "$tmp/out/$m.ko" | grep -q "^$k " ||
			{ echo "bench: $m.ko from $f is not for $k" >&2; rm -rf "$tmp"; return 1; }
	done
	rm -rf "$dir" && mv "$tmp/out" "$dir" && rm -rf "$tmp"
}

# Debian's ss of another architecture (ARCH, the kernel's), with every
# library it links and its loader, as a tree for bench/boot.sh --ss, in
# the cache beside the diag modules: iproute2:ARCH and the lib* packages it
# depends on, downloaded in the chroot of this machine's suite (its foreign
# architecture; this machine's dpkg never gets one), whose iproute2 is the
# one the amd64 guests get from this machine. The libraries are the
# closure of the NEEDED entries (readelf -d) from ss, looked up in the
# unpacked packages' multiarch directories.
foreign_ss() {
	local k=$1 arch=${karch[$1]} dir=$cache/$1/ss env tmp pkgs f so interp tri todo=() seen=" "
	[ -x "$dir/usr/bin/ss" ] && return 0
	# shellcheck disable=SC1091 # this machine's
	env=$(. /etc/os-release && echo "$VERSION_CODENAME")
	tmp=$(mktemp -d "$build/.ss.XXXXXX")
	pkgs=$(in_root "$env" apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances "iproute2:$arch" | grep -E "^(iproute2|lib[^ ]*):$arch\$" | sort -u)
	in_root "$env" sh -c "cd '$tmp' && apt-get download -q -o APT::Sandbox::User=root $(tr '\n' ' ' <<<"$pkgs")" \
		>"$build/ss-$arch.log" 2>&1 || { cat "$build/ss-$arch.log"; rm -rf "$tmp"; return 1; }
	for f in "$tmp"/*.deb; do
		dpkg-deb -x "$f" "$tmp/x"
	done
	f=$(find "$tmp/x" -path '*bin/ss' -type f | head -n 1)
	[ -n "$f" ] || { echo "bench: no ss in iproute2:$arch" >&2; rm -rf "$tmp"; return 1; }
	install -D -m 0755 "$f" "$tmp/out/usr/bin/ss"
	interp=$(readelf -l "$f" | sed -n 's/.*Requesting program interpreter: \(\/[^]]*\)\]/\1/p')
	tri=${A_CROSS%-}
	# The loader: the real file, wherever the link at its path points.
	f=$(find "$tmp/x" -name "${interp##*/}" -type f | head -n 1)
	[ -n "$f" ] || { echo "bench: no loader $interp in libc6:$arch" >&2; rm -rf "$tmp"; return 1; }
	install -D -m 0755 "$f" "$tmp/out$interp"
	mapfile -t todo < <(readelf -d "$tmp/out/usr/bin/ss" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
	while [ ${#todo[@]} -gt 0 ]; do
		so=${todo[0]} todo=("${todo[@]:1}")
		case $seen in *" $so "*) continue ;; esac
		seen="$seen$so "
		[ "$so" != "${interp##*/}" ] || continue
		f=
		for f in "$tmp/x/lib/$tri/$so" "$tmp/x/usr/lib/$tri/$so" ''; do
			[ -z "$f" ] || [ -e "$f" ] && break
		done
		[ -n "$f" ] || { echo "bench: $so (for ss) is in no package of iproute2:$arch's" >&2; rm -rf "$tmp"; return 1; }
		install -D -m 0644 "$(readlink -f "$f")" "$tmp/out/lib/$tri/$so"
		mapfile -t -O ${#todo[@]} todo < <(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
	done
	rm -rf "$dir" && mkdir -p "$cache/$k" && mv "$tmp/out" "$dir" && rm -rf "$tmp"
	echo "bench: $k: iproute2:$arch's ss and its libraries ($(echo "$seen" | wc -w)) -> $dir"
}

for k in $kvers; do
	mkdir -p "$build/$k"
	arch_setup "${karch[$k]}"
	module "$k"
	baseline_module "$k"
	diag_modules "$k"
	[ "${karch[$k]}" = "$host_arch" ] || foreign_ss "$k"
done

host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo" diff --quiet HEAD -- module include Kbuild 2>/dev/null || commit="$commit+changes"
base_commit=$([ -z "$baseline" ] || git -C "$repo" rev-parse --short "$baseline^{commit}")

rc=0
for k in $kvers; do
	out=$build/$k/qemu
	arch=${karch[$k]}
	arch_setup "$arch"
	qemu_version=$("${A_QEMU[0]}" --version | sed -n '1s/^QEMU emulator version //p')
	foreign=()
	[ "$arch" = "$host_arch" ] || foreign=(--arch "$arch" --ss "$cache/$k/ss")
	kargs=$args has_base=
	if [ -n "$baseline" ] && [ -s "$build/$k/bin/baseline.ko" ]; then
		kargs="$args --alt-ko baseline=/bench/baseline.ko" has_base=1
	fi
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	start=$(date +%s)
	echo "bench: $k: booting (console below; results on the second serial port)"
	if ! "$here/boot.sh" --kver "$k" --kernel "$repo/.cache/kernels/$k/vmlinuz" \
		--module "$build/$k/src/listenq.ko" --bin "$build/$k/bin" --diag "$cache/$k" \
		"${foreign[@]}" --out "$out" --args "$kargs" \
		--timeout "${BENCH_TIMEOUT:-$([ "$arch" = amd64 ] && echo 3600 || echo 14400)}"; then
		rc=1
		continue
	fi
	{
		echo "listenq benchmarks (make bench; method in bench/README.md)"
		echo "kernel:  $k (Debian cloud image)"
		echo "machine: QEMU $qemu_version, TCG single-threaded (-accel ${LQ_QEMU_ACCEL:-tcg,thread=single}),"
		[ "$arch" = amd64 ] ||
			echo "         ${A_QEMU[0]} ${A_QEMU[*]:1} ($arch; results on a pci-serial-4x port),"
		if [ "${BENCH_ICOUNT:-1}" = 0 ]; then
			echo "         -smp 2 (2 vCPUs on one host thread), -m 2G, no network device"
			echo "clock:   the host's (times move with the host's load)"
		else
			echo "         -smp 1, -m 2G, no network device"
			echo "clock:   -icount shift=0,sleep=on: guest time counts guest instructions,"
			echo "         1 ms = 10^6 instructions; the host's load does not move it"
		fi
		echo "host:    $host_cpu, $(nproc) CPUs, load average $load at the start (shared machine)"
		echo "listenq: $(cat "$repo/VERSION") at $commit; lqbench ${args:-(defaults)}"
		if [ -n "$has_base" ]; then
			echo "baseline: the module at $base_commit (BENCH_BASELINE=$baseline),"
			echo "         built as the current one, loaded with probes=1 (lqbench --alt-ko)"
		elif [ -n "$baseline" ]; then
			echo "baseline: none: the module at $base_commit does not build against these headers"
		fi
		echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC'), guest run $(($(date +%s) - start)) s"
		sed -n '/^=== table begin ===$/,/^=== table end ===$/{/^===/d;p}' "$out/results.txt"
		if grep -q '^# dmesg: ' "$out/results.txt"; then
			echo
			echo "kernel messages:"
			grep '^# dmesg: ' "$out/results.txt" | sed 's/^# dmesg: /   /'
		fi
	} >"$out/table.txt"
	echo
	cat "$out/table.txt"
	echo
	if [ "$official" = 1 ]; then
		mkdir -p "$here/results"
		cp "$out/table.txt" "$here/results/$k.txt"
		echo "bench: wrote bench/results/$k.txt (raw samples: $out/results.txt)"
	else
		echo "bench: $out/table.txt (bench/results/ untouched: not a default run)"
	fi
done
exit $rc
