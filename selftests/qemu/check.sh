#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What `make check`, `make check-build`, `make dkms-check` and `make demo` run.
#
#   check.sh [all]   deps, kernels, then for each kernel: build (W=1, sparse,
#                    -Werror, any warning fails), selftests, QEMU boot,
#                    metrics (doc/metrics.md), dkms, deb
#   check.sh build   only the module builds
#   check.sh dkms    only the dkms builds
#   check.sh demo    build for the newest non-RT kernel and boot it into demo.c
#   check.sh guests  builds, selftests, QEMU boots and metrics only (no
#                    dkms, no deb)
#   check.sh metrics [ARTIFACTS...]
#                    only the metrics step, on the last guests' artifacts or
#                    on the given artifacts.txt files
#
# LQ_KERNELS=REGEX keeps the kernels whose release matches (awk ~), for a
# quick loop on one line; LQ_BUILD=DIR keeps two such loops apart.
# Every build and every guest result counts as a test; the last line is
# "N passed, N failed, N skipped" and the exit status is non-zero if
# anything failed. KERNEL=<bzImage> KDIR=<build tree> replaces the Debian
# kernels with that one kernel.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
src=${LQ_SRC:-$repo}		# module sources; the rig's own tests point this elsewhere
build=${LQ_BUILD:-$repo/build}
cache=${LQ_CACHE:-$repo/.cache}
version=$(cat "$src/VERSION")
jobs=$(nproc)
# We call make ourselves; the parent make's jobserver is not ours to use.
unset MAKEFLAGS MFLAGS MAKELEVEL
# shellcheck source=selftests/qemu/lib.sh
. "$here/lib.sh"



# Fills kvers[] and kdir[kver]/vmlinuz[kver]/kroot[kver]/karch[kver]/
# ksrc[kver]: the Debian kernels, or the one given as KERNEL + KDIR (of this
# machine's architecture), and archs[], their architectures. ksrc is the
# tree whose kselftest harness the guest's tests are built with: the
# kernel line's from kernels.sh --ksft, or KSRC (default KDIR) with KERNEL.
declare -a kvers archs
declare -A kdir vmlinuz kroot karch ksrc
kernels() {
	local k
	if [ -n "${KERNEL:-}" ]; then
		if [ -z "${KDIR:-}" ] || [ ! -f "$KDIR/include/config/kernel.release" ]; then
			echo "check: KERNEL needs KDIR=<kernel build tree>" >&2
			return 1
		fi
		# UTS_RELEASE is what `uname -r` and the module's vermagic say;
		# Debian's header trees put the upstream version in kernel.release.
		k=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$KDIR/include/generated/utsrelease.h" 2>/dev/null)
		k=${k:-$(cat "$KDIR/include/config/kernel.release")}
		kvers=("$k")
		kdir[$k]=$(realpath "$KDIR")
		vmlinuz[$k]=$(realpath "$KERNEL")
		kroot[$k]=-
		karch[$k]=$(dpkg --print-architecture)
		ksrc[$k]=$(realpath "${KSRC:-$KDIR}")
		archs=("${karch[$k]}")
		return
	fi
	local t=$SECONDS root arch
	"$here/kernels.sh" --fetch >"$build/fetch.log" 2>&1 || { cat "$build/fetch.log"; return 1; }
	while read -r k root arch; do
		kvers+=("$k")
		kdir[$k]=/lib/modules/$k/build
		kroot[$k]=$root
		karch[$k]=$arch
		vmlinuz[$k]=$cache/kernels/$k/vmlinuz
		ksrc[$k]=$("$here/kernels.sh" --ksft "$k") || return 1
	done < <("$here/kernels.sh" --list | awk -v re="${LQ_KERNELS:-.}" '$1 ~ re')
	[ ${#kvers[@]} -gt 0 ] || { echo "check: no kernel matches LQ_KERNELS=${LQ_KERNELS:-}" >&2; return 1; }
	mapfile -t archs < <(printf '%s\n' "${karch[@]}" | sort -u)
	echo "kernels: ${kvers[*]} ($((SECONDS - t))s)"
}

setup() {
	mkdir -p "$build"
	# Two runs sharing build/ would overwrite each other's logs and guests.
	exec 8>"$build/.lock"
	flock -n 8 || { echo "check: waiting for another run using $build"; flock 8; }
	"$here/deps.sh" || { tally deps fail; summary; }
	kernels || { tally kernels fail; summary; }
}

# builds: the strict build (lib.sh) of the module for every kernel.
builds() {
	local k t=$SECONDS
	for k in "${kvers[@]}"; do build "$k"; done
	echo "builds: ${#kvers[@]} kernels in $((SECONDS - t))s"
}

# build KVER: the strict build of the module for one kernel.
build() {
	mkdir -p "$build/$1"
	strict_build "build $1" "${kdir[$1]}" "$src" "$build/$1/src" "$build/$1/build.log" \
		"${kroot[$1]}" "${karch[$1]}"
}

# tests_dir KVER: the guest's test binaries for KVER: built for its
# architecture with its line's kselftest harness (ksrc), shared by the
# kernels of that line and architecture.
tests_dir() {
	local arch=${karch[$1]}
	arch=${arch/$(dpkg --print-architecture)/}
	echo "$build/selftests-${ksrc[$1]##*/}${arch:+-$arch}"
}

# The selftests' own Makefile produces static *_test binaries, for each
# pair of harness and architecture of the kernels, cross compiled for
# another architecture: one build and one tally each.
selftests() {
	local k log d name seen=" "
	if [ ! -f "$src/selftests/Makefile" ]; then
		tally selftests skip "no selftests/Makefile yet"
		return
	fi
	for k in "${kvers[@]}"; do
		d=$(tests_dir "$k")
		case $seen in *" $d "*) continue ;; esac
		seen="$seen$d "
		arch_setup "${karch[$k]}" || continue
		name="selftests ${d##*/selftests-}" log=$d.log
		# From scratch, so a binary whose source is gone cannot linger in the guest.
		rm -rf "$d"
		if make -C "$src/selftests" -j"$jobs" O="$d" KSRC="${ksrc[$k]}" \
			CROSS_COMPILE="$A_CROSS" >"$log" 2>&1; then
			tally "$name" pass "harness: $(cat "${ksrc[$k]}/version" 2>/dev/null || echo "${ksrc[$k]}")"
		else
			tail -n 30 "$log" | sed 's/^/#   /'
			tally "$name" fail "log: $log"
		fi
	done
}

# tools_to_guests ARCH DIR: the static listenq in DIR joins the test
# binaries of every ARCH kernel (command_test and allns_test run it).
tools_to_guests() {
	local k
	for k in "${kvers[@]}"; do
		[ "${karch[$k]}" = "$1" ] || continue
		cp "$2/listenq" "$(tests_dir "$k")/" || return 1
	done
}

# The listenq command: host tests on recorded samples, and the static
# binary that joins the guest's selftests.
tools() {
	local log=$build/tools.log p f arch d
	make -s -C "$src/tools" -j"$jobs" test O="$build/tools" >"$log" 2>&1
	read -r p _ f _ < <(grep -E "^[0-9]+ passed, [0-9]+ failed$" "$log" | tail -n 1 | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 x \2 x/p')
	if [ -z "${p:-}" ]; then
		tail -n 30 "$log" | sed 's/^/#   /'
		tally "tools host tests" fail "log: $log"
	else
		[ "$f" = 0 ] || grep -v '^ok' "$log" | tail -n 40 | sed 's/^/#   /'
		passed=$((passed + p)) failed=$((failed + f))
		echo "tools host tests: $p passed, $f failed"
	fi
	for arch in "${archs[@]}"; do
		arch_setup "$arch" || continue
		d=$build/tools-static${A_CROSS:+-$arch}
		if make -C "$src/tools" -j"$jobs" static O="$d" CROSS_COMPILE="$A_CROSS" >>"$log" 2>&1 &&
			tools_to_guests "$arch" "$d"; then
			tally "tools static${A_CROSS:+ $arch}" pass
		else
			tail -n 30 "$log" | sed 's/^/#   /'
			tally "tools static${A_CROSS:+ $arch}" fail "log: $log"
		fi
	done
}

# The compat probes' host test (selftests/compat/run.sh): compat-probe.sh
# on made-up header trees, no kernel; one tally for the run.
compat() {
	local log=$build/compat.log
	if [ ! -f "$src/selftests/compat/run.sh" ]; then
		tally "compat probes" skip "no selftests/compat/run.sh"
	elif sh "$src/selftests/compat/run.sh" >"$log" 2>&1; then
		tally "compat probes" pass "$(tail -n 1 "$log")"
	else
		grep -A 3 '^not ok' "$log" | head -n 40 | sed 's/^/#   /'
		tally "compat probes" fail "$(tail -n 1 "$log"), log: $log"
	fi
}

# boots: every kernel's guest, $guests at a time (a single-threaded TCG
# guest keeps one core busy), each printed whole when it is done, in order.
# The limit is a hang detector: a guest takes 3-6 min on a busy 2-core machine.
# The emulated arm64 guests are among the slowest: they start first, so
# that no long guest runs alone at the end.
guests=${LQ_GUESTS:-$(( jobs > 1 ? 2 : 1 ))}
boots() {
	local k p f s n=0 t=$SECONDS host_arch order
	host_arch=$(dpkg --print-architecture)
	order=$(for k in "${kvers[@]}"; do
		[ "${karch[$k]}" = "$host_arch" ] || echo "$k"
	done
	for k in "${kvers[@]}"; do
		[ "${karch[$k]}" != "$host_arch" ] || echo "$k"
	done)
	for k in $order; do
		rm -f "$build/$k/qemu/summary" "$build/$k/qemu/artifacts.txt"
		[ -f "$build/$k/src/listenq.ko" ] || continue
		if [ $n -ge "$guests" ]; then
			wait -n || true
			n=$((n - 1))
		fi
		"$here/boot.sh" --kver "$k" --arch "${karch[$k]}" --kernel "${vmlinuz[$k]}" \
			--module "$build/$k/src/listenq.ko" --tests "$(tests_dir "$k")" \
			--out "$build/$k/qemu" --timeout 1800 >"$build/$k/boot.log" 2>&1 &
		n=$((n + 1))
	done
	wait
	for k in "${kvers[@]}"; do
		if [ ! -f "$build/$k/src/listenq.ko" ]; then
			tally "qemu $k" skip "no listenq.ko"
			continue
		fi
		cat "$build/$k/boot.log"
		read -r p f s <"$build/$k/qemu/summary" || { p=0 f=1 s=0; }
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	done
	echo "qemu: ${#kvers[@]} kernels, $guests at a time, in $((SECONDS - t))s"
}

# dkms add + build with every tree under build/dkms, so the system's dkms
# state is untouched: per kernel, in the environment its module is built
# in, with that suite's dkms (2.8 on bullseye, 3.0 on bookworm, 3.2 on
# trixie and sid). dkms generates a signing key on its first build;
# pointing it into build/dkms keeps /var/lib/dkms clean and still exercises
# the signing step users get. dkms 3.2 looks for the headers in the
# private --installtree, so a link there points to them; --kernelsourcedir
# would make dkms 2.8 "prepare" (mrproper) the headers. Last, a kernel older
# than the range must be skipped by BUILD_EXCLUSIVE_KERNEL (exit 77), not
# fail in the build, and so must an architecture other than the proven
# ones by BUILD_EXCLUSIVE_ARCH (dkms_one's DKMS_ARCH: dkms --arch).
dkms_one() {
	local k=$1 root=$2 kdir=$3 arch=${4:-amd64} darch=${5:-} d=$build/dkms/$1${5:+-$5} opts
	rm -rf "$d" && mkdir -p "$d/src/listenq-$version" "$d/tree" "$d/install"
	cp -r "$src"/{Kbuild,VERSION,module,include} "$repo"/{Makefile,dkms.conf} "$d/src/listenq-$version/"
	opts=(--sourcetree "$d/src" --dkmstree "$d/tree" --installtree "$d/install")
	# Another architecture: dkms --arch, which BUILD_EXCLUSIVE_ARCH is
	# matched against (uname -m otherwise); the headers' .kernelvariables
	# (kernels.sh) make the build a cross build, as dkms passes no ARCH.
	arch_setup "$arch" || return 1
	[ -z "$A_CROSS" ] || darch=${darch:-$A_DKMS}
	[ -z "$darch" ] || opts+=(--arch "$darch")
	mkdir -p "$d/install/$k"
	ln -s "/lib/modules/$k/build" "$d/install/$k/build"
	in_root "$root" env mok_signing_key="$d/mok.key" mok_certificate="$d/mok.pub" \
		dkms add -m listenq -v "$version" "${opts[@]}" >"$d/add.log" 2>&1 || return 1
	in_root "$root" env mok_signing_key="$d/mok.key" mok_certificate="$d/mok.pub" \
		dkms build -m listenq -v "$version" -k "$k" "${opts[@]}" \
		${kdir:+--kernelsourcedir "$kdir"} >"$d/build.log" 2>&1
}

# dkms_skipped RC NAME LIMIT CMD DIR: a dkms_one that exited RC must have
# been skipped by dkms.conf's LIMIT (exit 77), not built or failed.
dkms_skipped() {
	if [ "$1" = 77 ]; then
		tally "$2" pass "outside $3"
	else
		tail -n 20 "$5/build.log" | sed 's/^/#   /'
		tally "$2" fail "$4 exited $1, not 77"
	fi
}

# dkms_check [deb]: with "deb", the kernels whose headers live in a chroot
# that packaging/test-deb.sh installs listenq-dkms in (bookworm, bullseye,
# trixie) are left to it: the package's dkms builds the module for each of
# them there, with the same dkms.conf and the same suite's dkms.
dkms_check() {
	local k rc d old=4.19.0-27-cloud-amd64 other=riscv64 t=$SECONDS n=0 left=
	for k in "${kvers[@]}"; do
		d=$build/dkms/$k
		if [ "${1:-}" = deb ]; then
			case ${kroot[$k]##*/} in
			bookworm | bullseye | trixie) left="$left $k"; continue ;;
			esac
		fi
		n=$((n + 1))
		dkms_one "$k" "${kroot[$k]}" "${KERNEL:+${kdir[$k]}}" "${karch[$k]}"
		rc=$?
		case $rc in
		0) tally "dkms $k" pass ;;
		*) cat "$d/add.log" "$d/build.log" 2>/dev/null | tail -n 20 | sed 's/^/#   /'
		   tail -n 20 "$d/tree/listenq/$version/build/make.log" 2>/dev/null | sed 's/^/#   /'
		   tally "dkms $k" fail "rc=$rc, logs in $d" ;;
		esac
	done
	# Only the version matters to BUILD_EXCLUSIVE_KERNEL: any tree will do.
	mkdir -p "$build/dkms/$old-tree"
	dkms_one "$old" - "$build/dkms/$old-tree"
	dkms_skipped $? "dkms $old skipped" BUILD_EXCLUSIVE_KERNEL "dkms build" "$build/dkms/$old"
	# Nor to BUILD_EXCLUSIVE_ARCH: any version in the range, any tree. Both
	# run on this machine's dkms (bookworm's 3.0): exit 77 is dkms 3's, 2.8
	# (bullseye's chroot) says the same with exit 9.
	k=${kvers[0]}
	mkdir -p "$build/dkms/$other-tree"
	dkms_one "$k" - "$build/dkms/$other-tree" "$(dpkg --print-architecture)" "$other"
	dkms_skipped $? "dkms $k $other skipped" BUILD_EXCLUSIVE_ARCH \
		"dkms build --arch $other" "$build/dkms/$k-$other"
	[ -z "$left" ] || echo "# dkms: left to the deb step's listenq-dkms:$left"
	echo "dkms: $n kernels in $((SECONDS - t))s"
}

# The Debian packages (packaging/test-deb.sh): make deb, lintian, install on
# this machine, DKMS builds for its kernels, an upgrade, a new kernel's
# hook, a boot with the module DKMS built, purge, nothing left; then the
# same in the 5.10 and 7.3 chroots. It needs Debian's kernels and their
# headers, so not with KERNEL=.
deb_check() {
	local p f s t=$SECONDS
	if [ -n "${KERNEL:-}" ]; then
		tally "deb" skip "the packages are tested on Debian's kernels, not KERNEL="
		return
	fi
	LQ_BUILD=$build LQ_CACHE=$cache "$repo/packaging/test-deb.sh" |
		grep -Ev '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'
	if read -r p f s <"$build/deb-test/summary" 2>/dev/null; then
		echo "deb: $p passed, $f failed, $s skipped ($((SECONDS - t))s)"
	else
		p=0 f=1 s=0
		echo "deb: FAILED (packaging/test-deb.sh ended without a summary)"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# --- metrics: listenq-metrics.service's output, checked with Prometheus's
# own tools (doc/metrics.md). Per kernel, the blocks the guest's allns_test
# wrote to its third serial port ($build/K/qemu/artifacts.txt: command,
# listenq.prom, expect): promtool check metrics; Debian's
# prometheus-node-exporter serves listenq.prom from its textfile directory
# on 127.0.0.1 and a scrape over HTTP has every sample, each expect line and
# node_textfile_scrape_error 0; the labels are the ones doc/metrics.md
# promises; the guest ran the unit's ExecStart. Once:
# promtool on the alert rules and their unit tests, systemd-analyze on the
# units, the dashboard's JSON and queries, and every metric name they use.
pkg=$repo/packaging
unit=$pkg/systemd/listenq-metrics.service
metrics_py() { python3 "$pkg/check-metrics.py" "$@"; }
# promtool and node-exporter: deps.sh unpacks them there, never installs them.
PATH=$cache/tools/bin:$PATH

# scrape DIR OUT LOG: Debian's node-exporter, textfile collector only, over
# DIR, on a free port of 127.0.0.1; its /metrics in OUT. A port another
# process took between the probe and the bind costs a retry.
scrape() {
	local dir=$1 out=$2 log=$3 port pid i
	for _ in 1 2 3; do
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		timeout 30 prometheus-node-exporter --collector.disable-defaults \
			--collector.textfile --collector.textfile.directory="$dir" \
			--web.listen-address="127.0.0.1:$port" >"$log" 2>&1 &
		pid=$!
		for i in $(seq 50); do
			if curl -fsS --max-time 5 -o "$out" "http://127.0.0.1:$port/metrics" 2>>"$log"; then
				kill "$pid" 2>/dev/null
				wait "$pid" 2>/dev/null
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 1
}

# metrics_tally NAME LOG CMD...: CMD's last line is the tally's note; the
# lines before it, on failure, are shown.
metrics_tally() {
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		tally "$name" pass "$(grep . "$log" | tail -n 1 | sed 's/^ *//')"
	else
		head -n 30 "$log" | sed 's/^/#   /'
		tally "$name" fail "log: $log"
	fi
}

# metrics_artifacts NAME ARTIFACTS DIR: the checks of one guest's blocks.
metrics_artifacts() {
	local name=$1 art=$2 d=$3
	rm -rf "$d" && mkdir -p "$d/textfile"
	if ! metrics_py extract "$art" "$d/blocks" >"$d/extract.log" 2>&1; then
		tally "$name" fail "$art: $(tail -n 1 "$d/extract.log")"
		return
	fi
	if [ ! -f "$d/blocks/listenq.prom" ]; then
		tally "$name promtool" fail "no listenq.prom block in $art"
		tally "$name labels" fail "no listenq.prom block in $art"
		tally "$name node-exporter" fail "no listenq.prom block in $art"
	else
		cp "$d/blocks/listenq.prom" "$d/textfile/"
		if promtool check metrics <"$d/blocks/listenq.prom" >"$d/promtool.log" 2>&1; then
			tally "$name promtool" pass "promtool check metrics: $(grep -c '^# TYPE' "$d/blocks/listenq.prom") metrics, $(grep -vc '^#' "$d/blocks/listenq.prom") samples"
		else
			head -n 30 "$d/promtool.log" | sed 's/^/#   /'
			tally "$name promtool" fail "log: $d/promtool.log"
		fi
		metrics_tally "$name labels" "$d/labels.log" metrics_py labels "$d/blocks/listenq.prom"
		if ! scrape "$d/textfile" "$d/scrape.txt" "$d/node-exporter.log"; then
			tail -n 10 "$d/node-exporter.log" | sed 's/^/#   /'
			tally "$name node-exporter" fail "no scrape of /metrics, log: $d/node-exporter.log"
		elif ! grep -qx 'node_textfile_scrape_error 0' "$d/scrape.txt" ||
			! grep -q '^node_textfile_mtime_seconds{file=".*/listenq\.prom"}' "$d/scrape.txt"; then
			grep '^node_textfile' "$d/scrape.txt" | sed 's/^/#   /'
			tail -n 10 "$d/node-exporter.log" | sed 's/^/#   /'
			tally "$name node-exporter" fail "the textfile collector did not read listenq.prom"
		else
			metrics_tally "$name node-exporter" "$d/served.log" \
				metrics_py served "$d/blocks/listenq.prom" "$d/scrape.txt"
		fi
	fi
	if [ ! -f "$d/blocks/expect" ]; then
		tally "$name expect" fail "no expect block in $art"
	elif [ ! -s "$d/scrape.txt" ]; then
		tally "$name expect" fail "no scrape"
	else
		metrics_tally "$name expect" "$d/expect.log" metrics_py expect "$d/scrape.txt" "$d/blocks/expect"
	fi
	if [ ! -f "$d/blocks/command" ]; then
		tally "$name command" fail "no command block in $art"
	else
		metrics_tally "$name command" "$d/command.log" metrics_py command "$d/blocks/command" "$unit"
	fi
}

# The units as systemd reads them, without systemd running: a copy of the
# service whose ExecStart runs the built listenq (systemd-analyze verify
# wants an executable there; /usr/bin/listenq is the package's, not on
# this machine; the rest of the copy is the unit's, byte for byte), the man
# page of Documentation= on MANPATH. verify exits 0 on a warning, so any
# output fails; systemd-analyze security must rate it 2.5 or better.
metrics_units() {
	local d=$1 bin=$build/tools/listenq man=(--man=no) out sec rc=0
	mkdir -p "$d/units/man/man8"
	# check.sh metrics alone, before a build: verify only wants an executable.
	if [ ! -x "$bin" ]; then
		bin=$d/units/listenq
		printf '#!/bin/sh\nexit 0\n' >"$bin" && chmod 755 "$bin"
	fi
	cp "$src/tools/listenq.8" "$d/units/man/man8/"
	command -v man >/dev/null && man=()
	cp "$pkg/systemd/listenq-metrics.timer" "$d/units/"
	sed "s|^ExecStart=/usr/bin/listenq |ExecStart=$bin |" "$unit" >"$d/units/listenq-metrics.service"
	if [ "$(diff "$unit" "$d/units/listenq-metrics.service" | grep -c '^[<>]')" != 2 ]; then
		tally "metrics units" fail "$unit: ExecStart does not start with /usr/bin/listenq"
		return
	fi
	out=$(MANPATH=$d/units/man systemd-analyze verify "${man[@]}" \
		"$d/units/listenq-metrics.service" "$d/units/listenq-metrics.timer" 2>&1)
	sec=$(systemd-analyze security --offline=true --threshold=25 "$d/units/listenq-metrics.service" 2>&1) || rc=$?
	if [ $rc != 0 ] || [ -n "$out" ]; then
		[ -z "$out" ] || printf '#   %s\n' "${out//$'\n'/$'\n'#   }"
		grep -E '^✗|Overall' <<<"$sec" | sed 's/^/#   /'
		tally "metrics units" fail "systemd-analyze verify or security"
	else
		tally "metrics units" pass "systemd-analyze verify${man[*]:+ ${man[*]}}: clean; security: exposure$(sed -n 's/.*Overall exposure level for [^:]*: *\([0-9.]*\) *\([A-Z]*\).*/ \1 \2/p' <<<"$sec")"
	fi
}

metrics() {
	local t=$SECONDS d=$build/metrics k r arts=("$@") n a
	rm -rf "$d" && mkdir -p "$d"
	for p in promtool prometheus-node-exporter systemd-analyze curl python3; do
		command -v "$p" >/dev/null || { tally "metrics" fail "no $p (selftests/qemu/deps.sh provides it)"; return; }
	done
	r=$pkg/prometheus
	metrics_tally "metrics rules" "$d/rules.log" promtool check rules "$r/listenq-alerts.yml"
	metrics_tally "metrics rules test" "$d/rules-test.log" promtool test rules "$r/listenq-alerts.test.yml"
	metrics_units "$d"
	if metrics_py dashboard "$pkg/grafana/listenq-dashboard.json" "$d/dashboard-queries.yml" >"$d/dashboard.log" 2>&1 &&
		promtool check rules "$d/dashboard-queries.yml" >>"$d/dashboard.log" 2>&1; then
		tally "metrics dashboard" pass "$(head -n 1 "$d/dashboard.log"), valid JSON, every query parsed by promtool"
	else
		tail -n 20 "$d/dashboard.log" | sed 's/^/#   /'
		tally "metrics dashboard" fail "log: $d/dashboard.log"
	fi
	metrics_tally "metrics names" "$d/names.log" metrics_py names "$src/tools/prom.c" \
		"$r/listenq-alerts.yml" "$pkg/grafana/listenq-dashboard.json"
	if [ ${#arts[@]} -gt 0 ]; then
		n=0
		for a in "${arts[@]}"; do
			n=$((n + 1))
			metrics_artifacts "metrics $a" "$a" "$d/$n"
		done
	else
		for k in "${kvers[@]}"; do
			a=$build/$k/qemu/artifacts.txt
			if [ ! -f "$build/$k/src/listenq.ko" ]; then
				tally "metrics $k" skip "no listenq.ko, no guest"
			elif [ ! -x "$(tests_dir "$k")/allns_test" ]; then
				tally "metrics $k" skip "no allns_test among the guest's tests"
			elif r=$(grep -E '^(not )?ok [0-9]+ allns_test( |$)' "$build/$k/qemu/results.ktap" 2>/dev/null | tail -n 1) &&
				grep -qi '# *SKIP' <<<"$r"; then
				tally "metrics $k" skip "allns_test skipped: ${r#*# }"
			elif [ ! -s "$a" ]; then
				tally "metrics $k" fail "the guest wrote no $a"
			else
				metrics_artifacts "metrics $k" "$a" "$d/$k"
			fi
		done
	fi
	echo "metrics: $((SECONDS - t))s"
}

# --- make demo: one kernel, the one of demo_row (trixie-backports' cloud
# kernel of this machine's architecture), and the one chroot its module
# is built in, lean (chroot.sh's LQ_CHROOT_LEAN): nothing else is fetched,
# nothing is installed on this machine but the few tools demo_deps names.
# A normal (not -Werror) build; in the guest demo.c, the static listenq,
# iproute2's ss and the kernel's diag modules; the console on the terminal.
demo_row() { echo "trixie $1 linux-image-cloud-$1"; }

# demo_kernel: the kernel of demo_row among kvers[] (make check has it,
# make demo only it), in $demo_k.
demo_kernel() {
	local i arch
	arch=$(dpkg --print-architecture)
	demo_k=
	for i in "${kvers[@]}"; do
		if [ "${karch[$i]}" = "$arch" ] && [ "${kroot[$i]##*/}" = trixie ]; then
			case $i in *-cloud-"$arch") demo_k=$i ;; esac
		fi
	done
	[ -n "$demo_k" ]
}

# demo_deps ARCH: the tools make demo runs on this machine; the missing
# ones' packages are installed, and only those. busybox-static is
# unpacked into the cache (deps.sh), never installed.
demo_deps() {
	local qemu=qemu-system-x86 c p missing=()
	[ "$1" = amd64 ] || qemu='qemu-system-arm'
	for c in gcc:build-essential make:build-essential cpio:cpio \
		debootstrap:debootstrap xz:xz-utils "${A_QEMU[0]}:$qemu"; do
		command -v "${c%%:*}" >/dev/null || missing+=("${c#*:}")
	done
	[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || [ -e /usr/lib/aarch64-linux-gnu/libc.a ] ||
		missing+=(libc6-dev)
	if [ ${#missing[@]} -gt 0 ]; then
		mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
		echo "demo: installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" |
			"$here/chroot.sh" --progress demo || return 1
	fi
	# The guest's whole userland (lib.sh's busybox_bin), unpacked, not installed.
	"$here/deps.sh" --unpack busybox-static
}

# demo_fetch ROW: kernels.sh --fetch of that one matrix row, its lean chroot
# and its progress (debootstrap's and apt's, summed up) on the terminal.
demo_fetch() {
	local env=${1%% *} log pid rc=0
	log=$cache/kernels/.fetch.$env.log
	mkdir -p "$cache/kernels" && : >"$log" && : >"$build/fetch.log"
	LQ_MATRIX="^$1\$" LQ_CHROOT_LEAN=1 LQ_KSFT=0 LQ_PROGRESS=1 "$here/kernels.sh" --fetch >"$build/fetch.log" 2>&1 &
	pid=$!
	# Both logs as they grow; kernels.sh repeats the second one, as "[ENV] ...", at its end.
	tail -q -n +1 -s 0.3 -F --pid=$pid "$build/fetch.log" "$log" 2>/dev/null |
		grep --line-buffered -v "^\[$env\] " | "$here/chroot.sh" --progress kernels
	wait $pid || rc=$?
	[ $rc = 0 ] || { tail -n 30 "$build/fetch.log"; echo "demo: the fetch failed, log: $build/fetch.log" >&2; }
	return $rc
}

# demo_modules K ROOT OUT: the kernel's inet_diag and tcp_diag, which ss's
# netlink queries need, uncompressed, in OUT. From its modules package
# (linux-modules-K since 7.x, linux-image-K[-unsigned] before), fetched in
# ROOT, once, into $cache/demo/K.
demo_modules() {
	local k=$1 root=$2 out=$3 c=$cache/demo/$1 tmp p f m
	if [ ! -s "$c/tcp_diag.ko" ]; then
		echo "demo: ss's inet_diag and tcp_diag: from $k's modules package (about 25 MB), once"
		tmp=$(mktemp -d "$root/tmp/lq-demo.XXXXXX")
		for p in "linux-modules-$k" "linux-image-$k-unsigned" "linux-image-$k"; do
			in_root "$root" sh -c "cd '/tmp/${tmp##*/}' && apt-get download -q -o APT::Sandbox::User=root '$p'" \
				>/dev/null 2>&1 || continue
			dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp" --wildcards \
				'*/net/ipv4/inet_diag.ko*' '*/net/ipv4/tcp_diag.ko*' 2>/dev/null
			[ -n "$(find "$tmp" -name 'tcp_diag.ko*')" ] && break
			rm -f "$tmp"/*.deb
		done
		mkdir -p "$c"
		for m in inet_diag tcp_diag; do
			f=$(find "$tmp" -name "$m.ko*" | head -n 1)
			case $f in
			'') ;;
			*.xz) xz -dc "$f" >"$c/$m.ko" ;;
			*) cp "$f" "$c/$m.ko" ;;
			esac
		done
		rm -rf "$tmp"
	fi
	[ -s "$c/tcp_diag.ko" ] && mkdir -p "$out" && cp "$c"/inet_diag.ko "$c"/tcp_diag.ko "$out/"
}

# demo_ss ROOT OUT: iproute2's ss in OUT/usr/bin, with the libraries and
# the loader ldd names at their paths: this machine's (the kernel's
# architecture), or, without one, ROOT's (iproute2 installed there).
demo_ss() {
	local root=$1 out=$2 ss='' f pre='' libs
	for f in /usr/bin/ss /bin/ss /usr/sbin/ss /sbin/ss; do
		[ -x "$f" ] && { ss=$f; break; }
	done
	if [ -n "$ss" ]; then
		libs=$(ldd "$ss")
	else
		in_root "$root" test -x /usr/bin/ss ||
			in_root "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends iproute2 >"$build/demo-iproute2.log" 2>&1 || return 1
		ss=/usr/bin/ss pre=$root
		libs=$(in_root "$root" ldd "$ss")
	fi
	mkdir -p "$out/usr/bin" && cp -L "$pre$ss" "$out/usr/bin/ss" || return 1
	while read -r f; do
		mkdir -p "$out${f%/*}" && cp -L "$pre$f" "$out$f" || return 1
	done < <(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' <<<"$libs")
}

# demo_guest K KO DIR [BOOT-ARGS...]: the guest's programs and extras in
# DIR, then the demo's boot (console in DIR/qemu/console.log).
demo_guest() {
	local k=$1 ko=$2 dir=$3
	shift 3
	arch_setup "${karch[$k]}" || return 1
	rm -rf "${dir:?}/bin" "${dir:?}/extra" && mkdir -p "$dir/bin" "$dir/extra" || return 1
	"$A_CC" -static -O2 -Wall -Wextra -I"$here/../lib" -o "$dir/bin/demo" "$here/demo.c" \
		"$here/../lib/netutil.c" || return 1
	if ! make -s -C "$src/tools" -j"$jobs" static O="$dir/tools" CROSS_COMPILE="$A_CROSS" >"$dir/tools.log" 2>&1; then
		tail -n 20 "$dir/tools.log"
		return 1
	fi
	cp "$dir/tools/listenq" "$dir/bin/" || return 1
	demo_ss "${kroot[$k]}" "$dir/extra" || { echo "demo: no ss for the guest" >&2; return 1; }
	demo_modules "$k" "${kroot[$k]}" "$dir/extra/demo/modules" ||
		echo "demo: no inet_diag/tcp_diag for $k: ss will read /proc/net/tcp" >&2
	echo "demo: [4/4] booting $k under QEMU: the screens follow in under a minute"
	"$here/boot.sh" --demo --kver "$k" --arch "${karch[$k]}" --kernel "${vmlinuz[$k]}" --module "$ko" \
		--tests "$dir/bin" --extra "$dir/extra" --out "$dir/qemu" --timeout 300 --append "quiet" \
		--params "probes=1" "$@"
}

demo() {
	local arch k root dir=$build/demo t=$SECONDS t1 rc=0
	if [ "$(id -u)" != 0 ]; then
		echo "demo: needs root, to make a Debian chroot (debootstrap) for the module's build;" >&2
		echo "demo: nothing is installed into this machine's /boot or /lib/modules: sudo make demo" >&2
		exit 1
	fi
	arch=$(dpkg --print-architecture)
	arch_setup "$arch" 2>/dev/null || { echo "demo: no demo kernel for $arch (amd64, arm64)" >&2; exit 1; }
	demo_deps "$arch" || exit 1
	mkdir -p "$build"
	exec 8>"$build/.lock"
	flock -n 8 || { echo "demo: waiting for another run using $build"; flock 8; }
	echo "demo: [1/4] one kernel, $(demo_row "$arch") (trixie-backports), and a trixie"
	echo "demo:       chroot to build for it, into $cache: about 140 MB of downloads when cold"
	demo_fetch "$(demo_row "$arch")" || exit 1
	while read -r k root arch; do
		kvers+=("$k") kroot[$k]=$root karch[$k]=$arch
		kdir[$k]=/lib/modules/$k/build vmlinuz[$k]=$cache/kernels/$k/vmlinuz
	done < <(LQ_MATRIX="^$(demo_row "$arch")\$" "$here/kernels.sh" --list)
	demo_kernel || { echo "demo: kernels.sh fetched no $(demo_row "$arch")" >&2; exit 1; }
	k=$demo_k
	echo "demo: [2/4] building listenq.ko for $k in ${kroot[$k]} ($((SECONDS - t))s so far)"
	t1=$SECONDS
	copy_sources "$src" "$dir/src" &&
		in_root "${kroot[$k]}" make -s -C "${kdir[$k]}" M="$dir/src" -j"$jobs" "${A_KMAKE[@]}" \
			LISTENQ_VERSION="$version" modules || exit 1
	echo "demo: [3/4] the guest's programs: demo.c, a static listenq, ss and its libraries (the module took $((SECONDS - t1))s)"
	demo_guest "$k" "$dir/src/listenq.ko" "$dir" | grep --line-buffered -v "^\(# \)\?qemu $k: "
	rc=${PIPESTATUS[0]}
	if [ "$rc" = 0 ]; then
		echo "demo: done in $((SECONDS - t))s; the console is in $dir/qemu/console.log"
	else
		echo "demo: FAILED (rc=$rc) after $((SECONDS - t))s; the console is in $dir/qemu/console.log" >&2
		exit 1
	fi
}

# demo_screens CONSOLE DEMO_C: the demo's screens in CONSOLE against what
# demo.c did (its PORT, BACKLOG and RAW_SYNS) and what ss saw: one
# "NAME ok|FAIL why" line per screen.
demo_screens() {
	local port backlog raw
	port=$(sed -n 's/^#define PORT[[:space:]]*\([0-9]*\).*/\1/p' "$2")
	backlog=$(sed -n 's/^#define BACKLOG[[:space:]]*\([0-9]*\).*/\1/p' "$2")
	raw=$(sed -n 's/^#define RAW_SYNS[[:space:]]*\([0-9]*\).*/\1/p' "$2")
	tr -d '\r' <"$1" | awk -v port="$port" -v backlog="$backlog" -v raw="$raw" '
	function res(name, ok, why) { printf "%s %s %s\n", name, ok ? "ok" : "FAIL", why }
	/^==== listenq demo$/ { on = 1 }
	!on { next }
	/^==== end of the demo$/ { end = 1; on = 0; next }
	length($0) > 100 { wide++; if (!widest) widest = NR ": " substr($0, 1, 40) "..." }
	/^\$ / { sec = substr($0, 3); next }
	/^$/ { next }
	sec == "ss -ltn" && $1 == "LISTEN" && $4 == "127.0.0.1:" port { ssq = $2; ssmax = $3 }
	sec == "ss -tn state syn-recv" && $3 == "127.0.0.1:" port { nsyn++ }
	sec == "listenq" && $1 == "LOCAL" { for (i = 1; i <= NF; i++) col[$i] = i }
	sec == "listenq" && $1 == "127.0.0.1:" port { accq = $col["ACC_Q"]; synq = $col["SYN_Q"]; acccap = $col["ACC_CAP"] }
	sec ~ /^listenq explain / && /^  accept queue / { exacc = $3 " of " $5; sub(/:$/, "", exacc) }
	sec ~ /^listenq explain / && /^  SYN queue / { exsyn = $3 " of " $5; sub(/:$/, "", exsyn) }
	sec ~ /^listenq explain / && /^  drops / { exdrops = 1 }
	sec ~ /^listenq --watch/ && /^--- frame [0-9]+ / { frames++ }
	END {
		full = backlog + 1
		res("screens", end, end ? "start and end markers" : "no \"==== end of the demo\"")
		res("width", !wide, wide ? wide " lines wider than 100 columns, first " widest : "every line fits 100 columns")
		res("ss", ssq == full && ssmax == backlog && nsyn > 0 && nsyn <= raw,
		    "ss -ltn Recv-Q " ssq " Send-Q " ssmax " (want " full " " backlog "), " (nsyn + 0) " SYN-RECV (want 1-" raw ")")
		res("listenq", accq == full && acccap == full && synq == nsyn && nsyn > 0,
		    "ACC_Q " accq " ACC_CAP " acccap " (want " full "), SYN_Q " synq " (ss: " (nsyn + 0) " SYN-RECV)")
		res("explain", exacc == full " of " full && exsyn == nsyn " of " nsyn && exdrops,
		    "accept queue \"" exacc "\", SYN queue \"" exsyn "\", drops line " (exdrops ? "present" : "missing"))
		res("watch", frames >= 2, (frames + 0) " frames")
	}'
}

# demo_check: make demo's guest, non-interactive, on the demo's kernel
# among the ones make check fetched (its strict build), and its screens
# (demo_screens), a tally each.
demo_check() {
	local dir=$build/demo-check name why rc t=$SECONDS
	if [ -n "${KERNEL:-}" ] || ! demo_kernel; then
		tally "demo" skip "not among the kernels: $(demo_row "$(dpkg --print-architecture)")"
		return
	fi
	if [ ! -f "$build/$demo_k/src/listenq.ko" ]; then
		tally "demo $demo_k" skip "no listenq.ko"
		return
	fi
	mkdir -p "$dir"
	demo_guest "$demo_k" "$build/$demo_k/src/listenq.ko" "$dir" </dev/null >"$dir/boot.log" 2>&1
	rc=$?
	[ $rc = 0 ] || { tail -n 30 "$dir/boot.log" | sed 's/^/#   /'; tally "demo $demo_k boot" fail "rc=$rc, log: $dir/boot.log"; }
	while read -r name rc why; do
		if [ "$rc" = ok ]; then
			tally "demo $demo_k $name" pass "$why"
		else
			tally "demo $demo_k $name" fail "$why; console: $dir/qemu/console.log"
		fi
	done < <(demo_screens "$dir/qemu/console.log" "$here/demo.c")
	echo "demo: $((SECONDS - t))s"
}

# host_state save|compare: host-state.sh around a run, deps.sh included:
# the run must leave /boot, /lib/modules, the kernel packages and the
# enabled units as it found them. The comparison is one tally.
host_state() {
	local f=$build/host-state.before
	if [ "$1" = save ]; then
		mkdir -p "$build" && "$here/host-state.sh" save "$f"
	elif "$here/host-state.sh" compare "$f" >"$build/host-state.diff" 2>&1; then
		tally "host state" pass "$(tail -n 1 "$build/host-state.diff" | sed 's/^host-state: //')"
	else
		head -n 40 "$build/host-state.diff" | sed 's/^/#   /'
		tally "host state" fail "the run changed this machine's kernels, boot or enabled units: $build/host-state.diff"
	fi
}

case ${1:-all} in
all)
	# qemu.done: the guests are done (.ci/run then starts the debug lane)
	rm -f "$build/qemu.done"
	host_state save
	setup
	builds
	selftests
	tools
	compat
	boots
	: >"$build/qemu.done"
	demo_check
	metrics
	dkms_check "$([ -n "${KERNEL:-}" ] || echo deb)"
	deb_check
	host_state compare
	summary
	;;
build)
	host_state save
	setup
	builds
	host_state compare
	summary
	;;
guests)
	host_state save
	setup
	builds
	selftests
	tools
	compat
	boots
	metrics
	host_state compare
	summary
	;;
metrics)
	shift
	if [ $# -gt 0 ]; then
		# Given artifacts: no kernels needed.
		mkdir -p "$build"
		exec 8>"$build/.lock"
		flock -n 8 || { echo "check: waiting for another run using $build"; flock 8; }
		"$here/deps.sh" || { tally deps fail; summary; }
	else
		setup
	fi
	metrics "$@"
	summary
	;;
dkms)
	host_state save
	setup
	dkms_check
	host_state compare
	summary
	;;
deb)
	host_state save
	setup
	deb_check
	host_state compare
	summary
	;;
demo)
	demo
	;;
*)
	sed -n '6,20s/^# \{0,1\}//p' "$0" >&2
	exit 2
	;;
esac
