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



# Fills kvers[] and kdir[kver]/vmlinuz[kver]/kroot[kver]/karch[kver]: the
# Debian kernels, or the one given as KERNEL + KDIR (of this machine's
# architecture), and archs[], their architectures.
declare -a kvers archs
declare -A kdir vmlinuz kroot karch
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

# tests_dir ARCH: the guest's test binaries for ARCH.
tests_dir() {
	if [ "$1" = amd64 ]; then echo "$build/selftests"; else echo "$build/selftests-$1"; fi
}

# The selftests' own Makefile produces static *_test binaries in
# build/selftests, and for each other architecture of the kernels, cross
# compiled, in build/selftests-ARCH.
selftests() {
	local log arch d name
	if [ ! -f "$src/selftests/Makefile" ]; then
		tally selftests skip "no selftests/Makefile yet"
		return
	fi
	for arch in "${archs[@]}"; do
		arch_setup "$arch" || continue
		d=$(tests_dir "$arch") name="selftests${A_CROSS:+ $arch}"
		log=$d.log
		# From scratch, so a binary whose source is gone cannot linger in the guest.
		rm -rf "$d"
		if make -C "$src/selftests" -j"$jobs" O="$d" CROSS_COMPILE="$A_CROSS" >"$log" 2>&1; then
			tally "$name" pass
		else
			tail -n 30 "$log" | sed 's/^/#   /'
			tally "$name" fail "log: $log"
		fi
	done
}

# The listenq command: host tests on recorded samples, and static binaries
# (listenq, listenq_cli_test) that join the guest's selftests.
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
			cp "$d"/{listenq,listenq_cli_test} "$(tests_dir "$arch")/"; then
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
			--module "$build/$k/src/listenq.ko" --tests "$(tests_dir "${karch[$k]}")" \
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

dkms_check() {
	local k rc d old=4.19.0-27-cloud-amd64 other=riscv64 t=$SECONDS
	for k in "${kvers[@]}"; do
		d=$build/dkms/$k
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
	for k in "${kvers[@]}"; do
		[ "${karch[$k]}" = "$(dpkg --print-architecture)" ] || continue
		dkms_one "$k" "${kroot[$k]}" "${KERNEL:+${kdir[$k]}}" "${karch[$k]}" "$other"
		dkms_skipped $? "dkms $k $other skipped" BUILD_EXCLUSIVE_ARCH \
			"dkms build --arch $other" "$build/dkms/$k-$other"
		break
	done
	echo "dkms: ${#kvers[@]} kernels in $((SECONDS - t))s"
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
	metrics_tally "metrics names" "$d/names.log" metrics_py names "$src/tools/show.c" \
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
			elif [ ! -x "$(tests_dir "${karch[$k]}")/allns_test" ]; then
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

# make demo: the newest non-RT kernel, a normal (not -Werror) build, demo.c
# as the only guest program, console on the terminal.
demo() {
	local k= dir=$build/demo i host_arch
	host_arch=$(dpkg --print-architecture)
	for i in "${kvers[@]}"; do
		[ "${karch[$i]}" = "$host_arch" ] || continue
		case $i in *-rt-*) [ -n "$k" ] || k=$i ;; *) k=$i ;; esac
	done
	[ -n "$k" ] || { echo "check: no $host_arch kernel for the demo" >&2; return 1; }
	copy_sources "$src" "$dir/src" &&
		in_root "${kroot[$k]}" make -s -C "${kdir[$k]}" M="$dir/src" -j"$jobs" LISTENQ_VERSION="$version" modules &&
		mkdir -p "$dir/bin" &&
		gcc -static -O2 -Wall -Wextra -o "$dir/bin/demo" "$here/demo.c" &&
		"$here/boot.sh" --demo --kver "$k" --kernel "${vmlinuz[$k]}" --module "$dir/src/listenq.ko" \
			--tests "$dir/bin" --out "$dir/qemu" --timeout 120 --append "quiet" \
			--params "probes=1"
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
	host_state save
	setup
	builds
	selftests
	tools
	compat
	boots
	metrics
	dkms_check
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
	setup
	demo
	;;
*)
	sed -n '6,20s/^# \{0,1\}//p' "$0" >&2
	exit 2
	;;
esac
