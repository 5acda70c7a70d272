#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The packages' life on real Debian systems: build them (build-deb.sh),
# install both in the rig's bookworm chroot (chroot.sh: the suite they are
# built for, and where the rig keeps bookworm's kernels' headers), check
# that DKMS built and installed listenq for each of the test rig's kernels
# there (kernels.sh --list: Debian's 6.1 and 6.12 kernels), that the
# metrics service's units and examples are in place and its timer enabled
# (doc/metrics.md), that a kernel's arrival rebuilds the module, boot one
# of them under QEMU with the module DKMS built, then purge both packages
# and check that nothing is left behind (a listenq.prom in node-exporter's
# textfile directory neither). Then both ends of the supported range
# (Linux 5.10 and later) in their own suites' chroots (chroot.sh):
# listenq-dkms installed in bullseye (5.10, dkms 2.8) and in trixie (7.3
# from backports, dkms 3.2), DKMS builds and installs listenq for their
# kernels there, the arm64 ones among them (a cross build, which the
# headers' .kernelvariables ask for), purge, nothing left. Every install
# also meets a fake headers tree of 4.19, outside the range, which the
# postinst and dkms must skip, not fail on.
#
#   packaging/test-deb.sh [--no-build]
#
# --no-build tests the packages already in build/deb. Needs root and a
# Debian bookworm machine; it changes the package and DKMS state of the
# rig's chroots only (and leaves them as it found them), never this
# machine's. dkms creates its module signing key /var/lib/dkms/mok.{key,pub}
# on its first build in a chroot; that key is dkms's, not listenq's, and
# stays.
#
# One line per check ("NAME: ok|FAILED|skipped"), the guest's KTAP, and last
# "N passed, N failed, N skipped", also written to build/deb-test/summary as
# "P F S". The exit status is non-zero if anything failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
rig=$repo/selftests/qemu
build=${LQ_BUILD:-$repo/build}
cache=${LQ_CACHE:-$repo/.cache}
debs=$build/deb
out=$build/deb-test
version=$(cat "$repo/VERSION")
# The packages must be tested as a user gets them: dkms's own signing key,
# not the one check.sh's dkms-check points dkms to.
unset mok_signing_key mok_certificate MAKEFLAGS MFLAGS MAKELEVEL
export DEBIAN_FRONTEND=noninteractive
# The bookworm chroot, where both packages are installed first.
broot=$("$rig/chroot.sh" --root bookworm)
# This run installed the packages there and has not removed them yet. The
# marker file survives a killed run, so that the next one may clean up
# after it.
owned=$broot/var/tmp/listenq-test-deb.owned
installed_by_us=0
# shellcheck source=selftests/qemu/lib.sh
. "$rig/lib.sh"

build_debs=1
case ${1:-} in
--no-build) build_debs=0 ;;
"") ;;
*) sed -n '20s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac



apt() {
	apt-get -o DPkg::Lock::Timeout=600 -y -q --no-install-recommends "$@"
}

# pkg_state PKG: dpkg's two-letter state ("ii" installed, "rc" config
# files only, ...), empty when dpkg does not know the package.
pkg_state() {
	dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | cut -c1-2 | grep -v '^un' || true
}

# Remove both packages and their configuration, as a user would (the prerm's
# dkms snippet removes every build of this version).
purge() {
	local p pkgs=()
	for p in listenq listenq-dkms; do
		[ -n "$(pkg_state $p)" ] && pkgs+=("$p")
	done
	[ ${#pkgs[@]} = 0 ] || apt purge "${pkgs[@]}"
}

# Every place a listenq file could remain, one per line: the metrics
# units, their enablement (deb-systemd-helper's links and state), the
# examples, metrics-check and its stamps, the service's file in
# node-exporter's textfile directory, and listenq-dkms's conffiles.
leftovers() {
	local p
	for p in /var/lib/dkms/listenq /usr/src/listenq-* /usr/bin/listenq \
		/usr/share/man/man8/listenq.8.gz /usr/share/doc/listenq /usr/share/doc/listenq-dkms \
		/lib/systemd/system/listenq-metrics.service /lib/systemd/system/listenq-metrics.timer \
		/usr/libexec/listenq /run/listenq-metrics /etc/modprobe.d/listenq.conf \
		/etc/modules-load.d/listenq.conf \
		/usr/share/listenq /var/lib/prometheus/node-exporter/listenq.prom; do
		[ -e "$p" ] && echo "$p"
	done
	find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
		/var/lib/systemd/deb-systemd-helper-masked -name 'listenq-metrics*' 2>/dev/null
	find /var/lib/prometheus/node-exporter -name '.listenq.prom.*' 2>/dev/null
	find /lib/modules -name 'listenq.ko*' 2>/dev/null
	dkms status -m listenq 2>/dev/null | sed 's/^/dkms status: /'
	for p in listenq listenq-dkms; do
		[ -z "$(pkg_state $p)" ] || echo "dpkg: $p is in state $(pkg_state $p)"
	done
	true
}

# in_root_fn ROOT FUNC ARGS...: one of the functions above (apt, pkg_state,
# purge, leftovers) in ROOT (in_root); in a chroot, too, apt is apt-get.
in_root_fn() {
	local root=$1
	shift
	if [ "$root" = - ]; then
		"$@"
	else
		in_root "$root" bash -c "$(declare -f apt pkg_state purge leftovers); \"\$@\"" in_root_fn "$@"
	fi
}

# A kernel older than the range (Debian 10's): only its version matters to
# BUILD_EXCLUSIVE_KERNEL, so an empty headers tree stands in for it, marked
# as ours so that a killed run's tree is known for what it is next time.
old=4.19.0-27-amd64
fake_mark=.listenq-test-deb-fake
fakes=()

# fake_old ROOT: $old's fake headers tree in ROOT (in_root), where the
# postinst's loop and dkms's common.postinst look for one; fails if a real
# $old is there.
fake_old() {
	local d=${1#-}/lib/modules/$old
	[ ! -e "$d" ] || [ -e "$d/$fake_mark" ] || return 1
	mkdir -p "$d/build/include" && touch "$d/$fake_mark" && fakes+=("$1")
}

unfake_old() {
	local d=${1#-}/lib/modules/$old
	[ ! -e "$d/$fake_mark" ] || rm -rf "$d"
}

# The chroot (kernels.sh --list's ROOT) in which this run installed
# listenq-dkms and has not purged it yet.
chroot_owned=

# Never leave a chroot with the packages installed, or a fake kernel
# behind, whatever happened.
fake_cur=
textfile_made=
cleanup() {
	local r
	# Not in a subshell that exits (set -u in a pipeline, say): only the
	# script's own exit cleans up.
	[ "$BASHPID" = $$ ] || return 0
	[ -z "$fake_cur" ] || rmdir "$fake_cur"
	for r in "${fakes[@]}"; do
		unfake_old "$r"
	done
	if [ "$installed_by_us" = 1 ]; then
		echo "# test-deb: purging the packages in $broot after an early exit" >&6
		in_root_fn "$broot" purge >>"$out/purge.log" 2>&1 && rm -f "$owned"
	fi
	[ -z "$textfile_made" ] || rm -rf "$textfile_made"
	if [ -n "$chroot_owned" ]; then
		echo "# test-deb: purging listenq-dkms in $chroot_owned after an early exit" >&6
		in_root_fn "$chroot_owned" purge >>"$out/purge.log" 2>&1
	fi
}
# A signal's trap may run inside a redirected function (apt >log): cleanup
# speaks to the original stdout.
exec 6>&1
trap cleanup EXIT
trap 'exit 130' INT TERM

# installed_ko ROOT KVER: the .ko DKMS installed for KVER in ROOT (the
# kernel's compression, if any), as a path on this machine.
installed_ko() {
	ls "${1#-}/lib/modules/$2/updates/dkms"/listenq.ko* 2>/dev/null | head -n 1
}

# An uncompressed copy of $1 in $2, for boot.sh (the guest's busybox insmod
# takes raw ELF) and modinfo.
plain_ko() {
	case $1 in
	*.ko) cp "$1" "$2" ;;
	*.ko.xz) xz -dc "$1" >"$2" ;;
	*.ko.zst) zstd -qdc "$1" >"$2" ;;
	*.ko.gz) gzip -dc "$1" >"$2" ;;
	*) return 1 ;;
	esac
}

# postinst_lines LOG [WHERE]: what dkms's common.postinst and the package's
# own loop said in an apt log (where apt gives dpkg a terminal, its lines
# end in CR LF).
postinst_lines() {
	tr -d '\r' <"$1" | grep -E '^(Building for|Building initial module|Module build|listenq-dkms:)' |
		sed "s/^/# ${2:-}postinst: /"
}

# check_built ROOT KVER NAME [NOTE]: dkms in ROOT says installed, and the .ko
# under updates/dkms is this version, built for this kernel and its
# architecture. Leaves the plain .ko in $out/KVER.
check_built() {
	local root=$1 k=$2 name=$3 ko st v vm m
	st=$(in_root "$root" dkms status -m listenq -v "$version" -k "$k" 2>&1)
	ko=$(installed_ko "$root" "$k")
	mkdir -p "$out/$k"
	rm -f "$out/$k/listenq.ko"
	if [ -z "$ko" ] || ! plain_ko "$ko" "$out/$k/listenq.ko"; then
		tally "$name" fail "no listenq.ko in ${root#-}/lib/modules/$k/updates/dkms; dkms status: $st"
		return 1
	fi
	v=$(modinfo -F version "$out/$k/listenq.ko")
	vm=$(modinfo -F vermagic "$out/$k/listenq.ko")
	m=$(readelf -h "$out/$k/listenq.ko" | sed -n 's/^ *Machine: *//p')
	arch_setup "${karch[$k]}"
	if ! grep -q ': installed' <<<"$st"; then
		tally "$name" fail "dkms status: $st"
	elif [ "$v" != "$version" ] || [ "${vm%% *}" != "$k" ]; then
		tally "$name" fail "$ko: version '$v', vermagic '$vm'"
	elif [ "$m" != "$A_ELF" ]; then
		tally "$name" fail "$ko: an ELF for '$m', not ${karch[$k]}"
	else
		tally "$name" pass "$ko${4:+, $4}"
	fi
}

# skip_check ROOT NAME LOG: $old's fake tree was in ROOT when the postinst
# whose apt log is LOG ran. The postinst called it a skip, not a failure;
# dkms itself, asked for it, skips it: exit 77 (dkms 3.x), or on dkms 2.8
# (bullseye) exit 9 with BUILD_EXCLUSIVE's "does not match this kernel";
# and nothing was built or installed for it. Removes the fake tree.
skip_check() {
	local root=$1 name=$2 log=$3 rc=0 said st
	said=$(in_root "$root" dkms install -m listenq -v "$version" -k "$old" 2>&1) || rc=$?
	st=$(in_root "$root" dkms status -m listenq -v "$version" -k "$old" 2>&1)
	# Not "tr | grep -q": with pipefail, grep's early exit may fail tr.
	if ! grep -qFx "listenq-dkms: $old is not a supported kernel, skipped" <<<"$(tr -d '\r' <"$log")"; then
		tally "$name" fail "the postinst did not report $old as skipped: $(grep -F "$old" "$log" | tail -n 3)"
	elif [ "$rc" != 77 ] && ! { [ "$rc" = 9 ] && grep -q 'BUILD_EXCLUSIVE directive' <<<"$said"; }; then
		sed 's/^/#   /' <<<"$said" | tail -n 10
		tally "$name" fail "dkms install -k $old exited $rc"
	elif grep -qE ': (built|installed)|'"$old" <<<"$st" || [ -n "$(installed_ko "$root" "$old")" ] ||
		[ -e "${root#-}/var/lib/dkms/listenq/$version/$old" ]; then
		tally "$name" fail "something was built for $old: dkms status: $st"
	else
		tally "$name" pass "dkms install exited $rc: outside BUILD_EXCLUSIVE_KERNEL"
	fi
	unfake_old "$root"
}

# --- setup ---------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	echo "test-deb: needs root (it installs packages)" >&2
	exit 1
fi
mkdir -p "$out"
rm -f "$out/summary"
summary_file=$out/summary
# The machine's package state is shared by every checkout and run.
mkdir -p /run/lock
exec 7>/run/lock/listenq-test-deb.lock
flock -n 7 || { echo "test-deb: waiting for another run on this machine"; flock 7; }

"$rig/deps.sh" >"$out/deps.log" 2>&1 || { cat "$out/deps.log"; tally "deb deps" fail; summary; }
"$rig/kernels.sh" --fetch >"$out/fetch.log" 2>&1 || { cat "$out/fetch.log"; tally "deb kernels" fail; summary; }
# "KVER ROOT ARCH" lines: ROOT the chroot in which that kernel's headers
# (and its compiler) are.
declare -A kroot karch
kvers=() bw_kvers=()
host_arch=$(dpkg --print-architecture)
while read -r k root arch; do
	[ -n "$k" ] || continue
	kvers+=("$k")
	kroot[$k]=$root
	karch[$k]=${arch:-amd64}
	[ "$root" = "$broot" ] && bw_kvers+=("$k")
done < <("$rig/kernels.sh" --list)
# The one kernel booted, whose module the kernel hook rebuilds too: the
# newest non-RT one of this machine's architecture (6.12 cloud).
boot_k=
for k in "${bw_kvers[@]}"; do
	[ "${karch[$k]}" = "$host_arch" ] || continue
	case $k in *-rt-*) [ -n "$boot_k" ] || boot_k=$k ;; *) boot_k=$k ;; esac
done
[ -n "$boot_k" ] || { tally "deb kernels" fail "no $host_arch kernel is built in $broot"; summary; }
# The packages' directory is bound into the chroots at its own path
# (chroot.sh binds $LQ_BUILD too, which holds it today, but that is
# build-deb.sh's choice, not this test's).
LQ_CHROOT_BINDS="$debs${LQ_CHROOT_BINDS:+ $LQ_CHROOT_BINDS}"
export LQ_CHROOT_BINDS

# --- versions: VERSION is the one version --------------------------------
dkms_v=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$repo/dkms.conf")
chlog_v=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version 2>/dev/null)
if [ -n "$version" ] && [ "$dkms_v" = "$version" ] && [ "$chlog_v" = "$version" ]; then
	tally "deb versions" pass "VERSION, dkms.conf, debian/changelog: $version"
else
	tally "deb versions" fail "VERSION '$version', dkms.conf PACKAGE_VERSION '$dkms_v', debian/changelog '$chlog_v'"
fi

# --- build and lintian ---------------------------------------------------
if [ $build_debs = 1 ]; then
	if "$here/build-deb.sh" >"$out/build-deb.log" 2>&1; then
		tally "deb build" pass
	else
		tail -n 30 "$out/build-deb.log" | sed 's/^/#   /'
		tally "deb build" fail "log: $out/build-deb.log"
		summary
	fi
fi
deb_cli=$(ls "$debs"/listenq_"$version"_*.deb 2>/dev/null | head -n 1)
deb_dkms=$(ls "$debs"/listenq-dkms_"$version"_all.deb 2>/dev/null | head -n 1)
if [ -z "$deb_cli" ] || [ -z "$deb_dkms" ]; then
	tally "deb packages" fail "no listenq and listenq-dkms $version in $debs"
	summary
fi
bad=
for d in "$deb_cli" "$deb_dkms"; do
	v=$(dpkg-deb -f "$d" Version)
	[ "$v" = "$version" ] || bad="$bad $(basename "$d") is $v;"
done
# Not "dpkg-deb -c | grep -q": with pipefail, grep's early exit fails dpkg-deb.
contents=$(dpkg-deb -c "$deb_dkms")
grep -q "/usr/src/listenq-$version/dkms.conf$" <<<"$contents" || bad="$bad no /usr/src/listenq-$version/dkms.conf;"
if [ -z "$bad" ]; then
	tally "deb packages" pass "$(basename "$deb_cli") $(basename "$deb_dkms")"
else
	tally "deb packages" fail "$bad"
fi
lintian_rc=$(cat "$debs/lintian.rc" 2>/dev/null || echo missing)
if [ "$lintian_rc" = 0 ]; then
	tally "deb lintian" pass "no errors or warnings"
else
	sed 's/^/#   /' "$debs/lintian.log" 2>/dev/null
	tally "deb lintian" fail "rc=$lintian_rc, log: $debs/lintian.log"
fi

# --- install in the bookworm chroot --------------------------------------
# The chroot is the rig's own, so a listenq a killed run left there is
# purged first.
if [ -n "$(in_root_fn "$broot" pkg_state listenq)$(in_root_fn "$broot" pkg_state listenq-dkms)" ] ||
	[ -e "$broot/var/lib/dkms/listenq" ]; then
	echo "# test-deb: purging what an interrupted run installed in $broot"
	in_root_fn "$broot" purge >"$out/purge-stale.log" 2>&1 || cat "$out/purge-stale.log"
fi
bw_old=1
fake_old "$broot" || bw_old=0
touch "$owned"
installed_by_us=1
if in_root_fn "$broot" apt install "$deb_cli" "$deb_dkms" >"$out/install.log" 2>&1 &&
	[ "$(in_root_fn "$broot" pkg_state listenq)" = ii ] &&
	[ "$(in_root_fn "$broot" pkg_state listenq-dkms)" = ii ] &&
	! grep -q '^listenq-dkms: WARNING' "$out/install.log"; then
	tally "deb install" pass
else
	tail -n 40 "$out/install.log" | sed 's/^/#   /'
	tally "deb install" fail "log: $out/install.log"
	summary
fi
postinst_lines "$out/install.log"

# The CLI: the packaged binary runs and agrees on the version; the man page.
cli_v=$(in_root "$broot" /usr/bin/listenq --version 2>&1)
if [ "$cli_v" = "listenq $version" ] && [ -f "$broot/usr/share/man/man8/listenq.8.gz" ]; then
	tally "deb cli" pass "$cli_v"
else
	tally "deb cli" fail "'listenq --version' says '$cli_v'; man page: $(ls "$broot/usr/share/man/man8/listenq.8.gz" 2>&1)"
fi

# Loading at boot: listenq-dkms's /etc/modprobe.d/listenq.conf (the module's
# options, probes=1 among them) and /etc/modules-load.d/listenq.conf, all
# comments, as in the tree, and conffiles in dpkg's database.
conffiles=$(in_root "$broot" dpkg-query -W -f='${Conffiles}\n' listenq-dkms 2>&1)
bad=
for f in modprobe.d/listenq.conf modules-load.d/listenq.conf; do
	cmp -s "$here/$f" "$broot/etc/$f" || bad="$bad /etc/$f missing or not the tree's;"
	grep -q "^ /etc/$f " <<<"$conffiles" || bad="$bad /etc/$f is not a conffile;"
done
if [ -z "$bad" ]; then
	tally "deb conffiles" pass "/etc/modprobe.d/listenq.conf, /etc/modules-load.d/listenq.conf"
else
	tally "deb conffiles" fail "$bad dpkg-query: $(echo $conffiles)"
fi

# The metrics service's ExecCondition, as installed: what is missing is said
# once, not on every run of the timer (selftests/host/run.sh tests the
# script itself in detail). Its stamps in a scratch RUNTIME_DIRECTORY.
mc=/usr/libexec/listenq/metrics-check
st=/tmp/listenq-test-deb.$$
mkdir -p "$broot$st"
mc_said=()
for _ in 1 2; do
	mc_said+=("$(in_root "$broot" env RUNTIME_DIRECTORY="$st" "$mc" "$st/no-proc" "$st/no-textfile" 2>&1
		echo "rc=$?")")
done
rm -rf "${broot:?}$st"
if ! cmp -s "$here/systemd/listenq-metrics-check" "$broot$mc" || [ ! -x "$broot$mc" ]; then
	tally "deb metrics-check" fail "$mc missing, not executable or not the tree's"
elif [ "$(grep -c '^listenq-metrics: .* not found: ' <<<"${mc_said[0]}")" != 2 ] ||
	[ "$(tail -n 1 <<<"${mc_said[0]}")" != rc=1 ] || [ "${mc_said[1]}" != rc=1 ]; then
	tally "deb metrics-check" fail "first run: '${mc_said[0]//$'\n'/ | }', second: '${mc_said[1]//$'\n'/ | }'"
else
	tally "deb metrics-check" pass "two runs without the module and node-exporter: one message each, exit 1"
fi

# The metrics service (doc/metrics.md): the units and the examples where
# doc/metrics.md says, as in the tree; the timer enabled (deb-systemd-helper
# links it even without systemd running); the installed units verified by
# this machine's systemd-analyze (the chroot has no systemd), ExecStart's
# /usr/bin/listenq and the man page the chroot's, where the package put
# them. A listenq.prom in node-exporter's textfile directory, and a
# temporary file of a killed run, are there for the purge to remove; the
# directory, node-exporter's, is made for the test when the chroot has
# none, and removed after it.
bad=
for f in systemd/listenq-metrics.service:/lib/systemd/system/listenq-metrics.service \
	systemd/listenq-metrics.timer:/lib/systemd/system/listenq-metrics.timer \
	prometheus/listenq-alerts.yml:/usr/share/listenq/prometheus/listenq-alerts.yml \
	grafana/listenq-dashboard.json:/usr/share/listenq/grafana/listenq-dashboard.json \
	../doc/metrics.md:/usr/share/doc/listenq/metrics.md; do
	cmp -s "$here/${f%%:*}" "$broot${f#*:}" || bad="$bad ${f#*:} missing or not the tree's;"
done
# (deb-systemd-helper's is-enabled only answers maintainer scripts)
[ -L "$broot/etc/systemd/system/timers.target.wants/listenq-metrics.timer" ] ||
	bad="$bad listenq-metrics.timer not enabled: no /etc/systemd/system/timers.target.wants/listenq-metrics.timer;"
if [ -z "$bad" ]; then
	tally "deb metrics files" pass "units in /lib/systemd/system, timer enabled, examples in /usr/share/listenq"
else
	tally "deb metrics files" fail "$bad"
fi
man=(--man=no)
command -v man >/dev/null && man=()
units=$out/installed-units
rm -rf "$units" && mkdir -p "$units"
cp "$broot/lib/systemd/system/listenq-metrics.timer" "$units/" 2>/dev/null
sed "s|^ExecStart=/usr/bin/listenq |ExecStart=$broot/usr/bin/listenq |" \
	"$broot/lib/systemd/system/listenq-metrics.service" >"$units/listenq-metrics.service" 2>/dev/null
said=$(MANPATH=$broot/usr/share/man systemd-analyze verify "${man[@]}" \
	"$units/listenq-metrics.service" "$units/listenq-metrics.timer" 2>&1)
if [ -z "$said" ]; then
	tally "deb metrics units" pass "systemd-analyze verify${man[*]:+ ${man[*]}} on the installed units"
else
	sed 's/^/#   /' <<<"$said"
	tally "deb metrics units" fail "systemd-analyze verify on the installed units"
fi
textfile=/var/lib/prometheus/node-exporter
if [ ! -e "$broot$textfile" ]; then
	mkdir -p "$broot$textfile" && textfile_made=$broot$textfile
fi
prom_made=0
if [ -d "$broot$textfile" ] && [ ! -e "$broot$textfile/listenq.prom" ]; then
	echo '# written by packaging/test-deb.sh' >"$broot$textfile/listenq.prom" &&
		: >"$broot$textfile/.listenq.prom.Xq3zT9" && prom_made=1
fi

for k in "${bw_kvers[@]}"; do
	check_built "$broot" "$k" "deb dkms $k"
done
if [ $bw_old = 1 ]; then
	skip_check "$broot" "deb $old skipped" "$out/install.log"
else
	tally "deb $old skipped" skip "$broot/lib/modules/$old is a real kernel, not the test's"
fi

# An upgrade, as dpkg runs it: the old prerm ("upgrade") removes the old
# version from every kernel, the new postinst ("configure OLD") builds again.
# A reinstall runs exactly that sequence. When the running kernel is
# installed, dkms's common.postinst builds for it and the newest kernel in
# /boot only; the package's own loop must bring back every other kernel.
# The running kernel (this machine's: no modules, no headers) is not in
# the chroot's /lib/modules, so an empty /lib/modules/$(uname -r) there
# stands in for it during the upgrade: common.postinst then builds nothing,
# and every module comes from the loop.
cur=$broot/lib/modules/$(uname -r)
if [ ! -e "$cur" ] && mkdir "$cur"; then
	fake_cur=$cur
	echo "# test-deb: $cur stands in for an installed running kernel without headers"
fi
if in_root_fn "$broot" apt install --reinstall "$deb_dkms" >"$out/reinstall.log" 2>&1; then
	postinst_lines "$out/reinstall.log"
	for k in "${bw_kvers[@]}"; do
		check_built "$broot" "$k" "deb upgrade $k" "after reinstall"
	done
else
	tail -n 30 "$out/reinstall.log" | sed 's/^/#   /'
	tally "deb upgrade" fail "log: $out/reinstall.log"
fi
if [ -n "$fake_cur" ]; then
	rmdir "$fake_cur" || tally "deb upgrade" fail "dkms left files in $fake_cur: $(ls -A "$fake_cur")"
	fake_cur=
fi

# A new kernel: what linux-image-<kver>'s postinst and linux-headers-<kver>'s
# run (/etc/kernel/{postinst,header_postinst}.d/dkms). Taken away for the
# kernel booted below, listenq must come back: the boot then runs the
# module the hook built.
k=$boot_k
if [ -z "$(installed_ko "$broot" "$k")" ]; then
	tally "deb kernel-hook $k" skip "nothing was installed for $k"
else
	in_root "$broot" dkms remove -m listenq -v "$version" -k "$k" >"$out/hook.log" 2>&1
	if [ -n "$(installed_ko "$broot" "$k")" ]; then
		tally "deb kernel-hook $k" fail "dkms remove -k $k left $(installed_ko "$broot" "$k")"
	elif in_root "$broot" /etc/kernel/header_postinst.d/dkms "$k" >>"$out/hook.log" 2>&1; then
		check_built "$broot" "$k" "deb kernel-hook $k" "rebuilt by /etc/kernel/header_postinst.d/dkms"
	else
		tail -n 20 "$out/hook.log" | sed 's/^/#   /'
		tally "deb kernel-hook $k" fail "log: $out/hook.log"
	fi
fi

# --- boot one kernel with the module DKMS built --------------------------
# make check boots every kernel of the matrix with the module the rig builds
# from the same sources. What only a boot here adds is that the module as
# the package's DKMS builds, signs and installs it loads and works, which
# does not depend on the kernel: one boot, of $boot_k, is enough (CI time
# is tight); for the other kernels the checks above read the DKMS build's
# version and vermagic. The rig's standard guest run (load, /proc,
# parameters, unload cycles, dmesg) plus proc_test and a smoke test of this
# install: the loaded module is this version, and a listener shows up in
# /proc/listenq.
tests=$out/guest-tests
rm -rf "$tests" && mkdir -p "$tests"
if ! ksrc=$("$rig/kernels.sh" --ksft "$boot_k" 2>"$out/selftests.log") ||
	! make -s -C "$repo/selftests" O="$tests" KSRC="$ksrc" "$tests/proc_test" >"$out/selftests.log" 2>&1; then
	tail -n 20 "$out/selftests.log" | sed 's/^/#   /'
	tally "deb guest tests" fail "log: $out/selftests.log"
fi
rm -rf "${tests:?}/lib"
k=$boot_k
ko=$out/$k/listenq.ko
if [ ! -s "$ko" ]; then
	tally "deb qemu $k" skip "DKMS built no listenq.ko for $k"
else
	cat >"$tests/deb_smoke_test" <<-EOF
	#!/bin/sh
	# Generated by packaging/test-deb.sh: the listenq-dkms module for $k.
	echo "TAP version 13"
	echo "1..3"
	v=\$(cat /sys/module/listenq/version 2>&1)
	[ "\$v" = "$version" ] && echo "ok 1 deb.module_version" ||
		echo "not ok 1 deb.module_version # '\$v', want '$version'"
	s=\$(cat /sys/module/listenq/srcversion 2>&1)
	[ "\$s" = "$(modinfo -F srcversion "$ko")" ] && echo "ok 2 deb.srcversion" ||
		echo "not ok 2 deb.srcversion # '\$s' is not the DKMS build's"
	# busybox nc listens on [::] where IPv6 is up, else on 0.0.0.0
	nc -l -p 47123 </dev/null >/dev/null 2>&1 &
	pid=\$!
	row='^(0\.0\.0\.0|\[::\]):47123 '
	i=0
	until grep -Eq "\$row" /proc/listenq || [ \$i -ge 20 ]; do
		sleep 0.1
		i=\$((i + 1))
	done
	grep -Eq "\$row" /proc/listenq && echo "ok 3 deb.listener_row" ||
		{ echo "not ok 3 deb.listener_row"; sed 's/^/# /' /proc/listenq; }
	kill \$pid 2>/dev/null
	wait \$pid 2>/dev/null
	exit 0
	EOF
	chmod 755 "$tests/deb_smoke_test"
	"$rig/boot.sh" --kver "$k" --kernel "$cache/kernels/$k/vmlinuz" --module "$ko" \
		--tests "$tests" --out "$out/$k/qemu"
	read -r p f s <"$out/$k/qemu/summary" || { p=0 f=1 s=0; }
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
fi

# --- remove, then purge, and nothing left --------------------------------
# A removed listenq-dkms keeps its conffiles, with the user's edits (dpkg
# state rc); the purge below takes them (leftovers).
f=$broot/etc/modprobe.d/listenq.conf
edit='options listenq probes=1'
[ ! -f "$f" ] || echo "$edit" >>"$f"
if in_root_fn "$broot" apt remove listenq-dkms >"$out/remove.log" 2>&1 &&
	[ "$(in_root_fn "$broot" pkg_state listenq-dkms)" = rc ] &&
	[ "$(tail -n 1 "$f" 2>/dev/null)" = "$edit" ] && [ -f "$broot/etc/modules-load.d/listenq.conf" ]; then
	tally "deb remove conffiles" pass "listenq-dkms removed: its conffiles stay, with an edit"
else
	tail -n 20 "$out/remove.log" | sed 's/^/#   /'
	tally "deb remove conffiles" fail "state '$(in_root_fn "$broot" pkg_state listenq-dkms)'; $(cd "$broot" && ls etc/modprobe.d/listenq.conf etc/modules-load.d/listenq.conf 2>&1 | tr '\n' ' ')"
fi
if in_root_fn "$broot" purge >"$out/purge.log" 2>&1; then
	installed_by_us=0
	rm -f "$owned"
	tally "deb purge" pass
else
	tail -n 30 "$out/purge.log" | sed 's/^/#   /'
	tally "deb purge" fail "log: $out/purge.log"
fi
left=$(in_root_fn "$broot" leftovers)
if [ -z "$left" ]; then
	tally "deb leftovers" pass "no /var/lib/dkms/listenq, /usr/src/listenq-*, listenq.ko, /usr/bin/listenq, metrics units or examples in $broot"
else
	echo "$left" | sed 's/^/#   /'
	tally "deb leftovers" fail "$(echo "$left" | wc -l) left behind"
fi
if [ $prom_made = 1 ]; then
	if [ ! -e "$broot$textfile/listenq.prom" ] && [ ! -e "$broot$textfile/.listenq.prom.Xq3zT9" ]; then
		tally "deb metrics purge" pass "the purge removed $textfile/listenq.prom and a temporary file"
	else
		tally "deb metrics purge" fail "$textfile/listenq.prom or .listenq.prom.Xq3zT9 still there"
		rm -f "$broot$textfile/listenq.prom" "$broot$textfile/.listenq.prom.Xq3zT9"
	fi
else
	tally "deb metrics purge" skip "no $textfile, or a listenq.prom there that this test did not write"
fi
if [ -n "$textfile_made" ]; then
	rm -rf "$textfile_made"
	textfile_made=
fi

# --- both ends of the range, each in its suite's chroot ------------------
# listenq-dkms (architecture all; listenq itself is built against bookworm's
# libc) installed with apt in the chroot of the oldest kernel, bullseye's
# 5.10 with dkms 2.8, and in trixie's, whose 7.3 backports kernels come with
# dkms 3.2 (bookworm has 3.0). sid has the same dkms and the same 7.3
# line as trixie and would add time, not coverage. The chroots are the
# rig's own, so a listenq-dkms a killed run left there is purged first.
# dkms there builds with the suite's own compiler, as users of that suite
# get it; for the arm64 kernels of the matrix there (5.10 in bullseye, 7.3
# in trixie), the same compiler for aarch64, as their .kernelvariables say.
for env in bullseye trixie; do
	root=$("$rig/chroot.sh" --root "$env")
	ks=()
	for k in "${kvers[@]}"; do
		[ "${kroot[$k]}" = "$root" ] && ks+=("$k")
	done
	if [ ${#ks[@]} = 0 ]; then
		tally "deb $env" skip "no kernel of the matrix is built in $root"
		continue
	fi
	log=$out/$env-install.log
	if [ -n "$(in_root_fn "$root" pkg_state listenq-dkms)" ] || [ -e "$root/var/lib/dkms/listenq" ]; then
		echo "# test-deb: purging what an interrupted run installed in $root"
		in_root_fn "$root" purge >"$out/$env-purge-stale.log" 2>&1 || cat "$out/$env-purge-stale.log"
	fi
	env_old=1
	fake_old "$root" || env_old=0
	chroot_owned=$root
	if in_root_fn "$root" apt install "$deb_dkms" >"$log" 2>&1 &&
		[ "$(in_root_fn "$root" pkg_state listenq-dkms)" = ii ] &&
		! grep -q '^listenq-dkms: WARNING' "$log"; then
		tally "deb $env install" pass "$(in_root "$root" dpkg-query -W -f='dkms ${Version}' dkms)"
		postinst_lines "$log" "$env "
		for k in "${ks[@]}"; do
			check_built "$root" "$k" "deb $env dkms $k"
		done
		if [ $env_old = 1 ]; then
			skip_check "$root" "deb $env $old skipped" "$log"
		else
			tally "deb $env $old skipped" skip "$root/lib/modules/$old is a real kernel, not the test's"
		fi
	else
		tail -n 40 "$log" | sed 's/^/#   /'
		tally "deb $env install" fail "log: $log"
	fi
	unfake_old "$root"
	if in_root_fn "$root" purge >"$out/$env-purge.log" 2>&1; then
		chroot_owned=
		tally "deb $env purge" pass
	else
		tail -n 30 "$out/$env-purge.log" | sed 's/^/#   /'
		tally "deb $env purge" fail "log: $out/$env-purge.log"
	fi
	left=$(in_root_fn "$root" leftovers)
	if [ -z "$left" ]; then
		tally "deb $env leftovers" pass "nothing of listenq in $root"
	else
		echo "$left" | sed 's/^/#   /'
		tally "deb $env leftovers" fail "$(echo "$left" | wc -l) left behind in $root"
	fi
done
summary
