#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make test: everything that runs on this machine alone, as any user, with
# no kernel, no module, no QEMU and no network, in under a minute:
#   - the listenq command's host tests (make -C tools test: the model's
#     unit tests and the CLI on recorded samples), their counts folded in;
#   - the compat probes' test (selftests/compat/run.sh), folded in too;
#   - make help names every target the Makefile has, and only those;
#   - make install-tools installs the binary make tools built, where the
#     help says, without building it again;
#   - the packaging files: the metrics units as systemd reads them
#     (systemd-analyze verify and security), the service's metrics-check
#     (it says what is missing once, not every 15 s), the commented
#     /etc/modprobe.d/listenq.conf against the module's own parameters,
#     /etc/modules-load.d/listenq.conf, the alert rules and the dashboard's
#     queries (promtool), and shellcheck on the packaging scripts.
# A check whose tool is not installed is skipped (selftests/qemu/deps.sh
# installs them all, and unpacks promtool into .cache/tools/bin, LQ_CACHE).
#
#   selftests/host/run.sh     (make test; LQ_TOOLS_O=DIR builds the command there)
#
# One line per check, then "N passed, N failed, N skipped"; the exit status
# is non-zero if anything failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
pkg=$repo/packaging
tools_o=${LQ_TOOLS_O:-$repo/build/tools}
# shellcheck source=selftests/qemu/lib.sh
. "$repo/selftests/qemu/lib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/lq-host-test.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
# promtool where deps.sh unpacks it, as check.sh finds it.
PATH=${LQ_CACHE:-$repo/.cache}/tools/bin:$PATH
# Our own make calls; not the parent's jobserver or its -C.
unset MAKEFLAGS MFLAGS MAKELEVEL

have() { command -v "$1" >/dev/null; }

# A suite that hangs (a test waiting on a terminal, say) is a failure after
# this long, not a make test that never ends.
suite_timeout=600

# fold NAME LOG: a suite whose last line is "N passed, N failed": its
# counts join ours, its failures are shown.
fold() {
	local name=$1 log=$2 last p f
	last=$(tail -n 1 "$log")
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
		grep -E '^(not ok|FAIL)' "$log" | sed 's/^/#   /'
		echo "# $name: $last"
		passed=$((passed + p)) failed=$((failed + f))
	else
		tail -n 20 "$log" | sed 's/^/#   /'
		tally "$name" fail "no summary line"
	fi
}

# --- the command's and the compat probes' own suites ---------------------
if make -s -C "$repo/tools" -j2 O="$tools_o" "$tools_o/listenq" "$tools_o/model_test" \
	>"$work/tools-build.log" 2>&1; then
	timeout -k 10 $suite_timeout make -s -C "$repo/tools" O="$tools_o" test </dev/null >"$work/tools.log" 2>&1
	[ $? != 124 ] || echo "timed out after ${suite_timeout}s" >>"$work/tools.log"
	fold "tools host tests" "$work/tools.log"
else
	tail -n 20 "$work/tools-build.log" | sed 's/^/#   /'
	tally "tools build" fail "make -C tools O=$tools_o"
fi
if have "${CC:-gcc}"; then
	timeout -k 10 $suite_timeout sh "$repo/selftests/compat/run.sh" </dev/null >"$work/compat.log" 2>&1
	[ $? != 124 ] || echo "timed out after ${suite_timeout}s" >>"$work/compat.log"
	fold "compat probes" "$work/compat.log"
else
	tally "compat probes" skip "no ${CC:-gcc}"
fi

# --- make help against the Makefile --------------------------------------
# The targets: every rule of the top Makefile (make's database, not a
# regex over its text), less make's own and the file names; the names
# make help shows: the first column of its "  name   what" lines.
targets=$(make -C "$repo" -pRrq -f Makefile __no_such_target__ 2>/dev/null |
	sed -n '/^# Files$/,/^# Finished Make data base/p' |
	grep -E '^[a-z][a-z0-9_-]*:' | grep -v ':=' | cut -d: -f1 | sort -u)
helped=$(make -s -C "$repo" help 2>/dev/null | sed -n 's/^  \([a-z][a-z0-9_, -]*[a-z0-9]\) \{2,\}.*/\1/p' |
	sed 's/^\([a-z0-9_-]*\) .*/\1/' | tr ',' '\n' | tr -d ' ' | sort -u)
phony=$(sed -n '/^\.PHONY:/,/[^\\]$/p' "$repo/Makefile" | sed 's/^\.PHONY://; s/\\$//' | tr -s ' \t' '\n' |
	grep . | sort -u)
missing=$(comm -23 <(echo "$targets") <(echo "$helped") | tr '\n' ' ')
extra=$(comm -13 <(echo "$targets") <(echo "$helped") | tr '\n' ' ')
notphony=$(comm -23 <(echo "$targets") <(echo "$phony") | tr '\n' ' ')
if [ "$(echo "$targets" | wc -l)" -lt 10 ]; then
	tally "make help" fail "found only these targets in the Makefile: $targets"
elif [ -n "$missing$extra" ]; then
	tally "make help" fail "${missing:+not in make help: $missing}${extra:+make help names what is no target: $extra}"
else
	tally "make help" pass "all $(echo "$targets" | wc -l) targets of the Makefile"
fi
if [ -n "$notphony" ]; then
	tally "make .PHONY" fail "targets not in .PHONY: $notphony"
else
	tally "make .PHONY" pass "every target"
fi

# --- make install-tools: the built binary, where help says ---------------
# As sudo make install runs it, after make tools: nothing is built again
# (the binary's mtime stays), and the files land under DESTDIR/PREFIX.
dest=$work/dest
if [ -x "$tools_o/listenq" ]; then
	before=$(stat -c %y "$tools_o/listenq")
	if make -s -C "$repo" install-tools TOOLS_O="$tools_o" DESTDIR="$dest" PREFIX=/usr \
		>"$work/install.log" 2>&1 &&
		[ "$(stat -c %y "$tools_o/listenq")" = "$before" ] &&
		cmp -s "$tools_o/listenq" "$dest/usr/bin/listenq" &&
		cmp -s "$repo/tools/listenq.8" "$dest/usr/share/man/man8/listenq.8"; then
		tally "make install-tools" pass "DESTDIR/usr/bin/listenq, DESTDIR/usr/share/man/man8/listenq.8, nothing rebuilt"
	else
		sed 's/^/#   /' "$work/install.log"
		find "$dest" -type f 2>/dev/null | sed 's/^/#   installed: /'
		tally "make install-tools" fail "not installed as built, or built again"
	fi
else
	tally "make install-tools" fail "no $tools_o/listenq"
fi

# --- the metrics units ---------------------------------------------------
# As check.sh's metrics step does: a copy whose ExecStart runs the built
# listenq (verify wants an executable; /usr/bin/listenq is the package's),
# the man page of Documentation= on MANPATH; any output of verify fails.
unit=$pkg/systemd/listenq-metrics.service
if ! have systemd-analyze; then
	tally "metrics units" skip "no systemd-analyze"
elif [ ! -x "$tools_o/listenq" ]; then
	tally "metrics units" fail "no $tools_o/listenq"
else
	u=$work/units
	mkdir -p "$u/man/man8"
	cp "$repo/tools/listenq.8" "$u/man/man8/"
	cp "$pkg/systemd/listenq-metrics.timer" "$u/"
	sed "s|^ExecStart=/usr/bin/listenq |ExecStart=$tools_o/listenq |" "$unit" >"$u/listenq-metrics.service"
	man=(--man=no)
	have man && man=()
	said=$(MANPATH=$u/man systemd-analyze verify "${man[@]}" "$u/listenq-metrics.service" \
		"$u/listenq-metrics.timer" 2>&1)
	rc=0
	sec=$(systemd-analyze security --offline=true --threshold=25 "$u/listenq-metrics.service" 2>&1) || rc=$?
	if [ -z "$said" ] && [ $rc = 0 ]; then
		tally "metrics units" pass "systemd-analyze verify: clean; security: exposure$(sed -n 's/.*Overall exposure level for [^:]*: *\([0-9.]*\) *\([A-Z]*\).*/ \1 \2/p' <<<"$sec")"
	else
		sed 's/^/#   /' <<<"$said"
		grep -E '^✗|Overall' <<<"$sec" | sed 's/^/#   /'
		tally "metrics units" fail "systemd-analyze verify or security"
	fi
fi

# --- metrics-check: once, not every 15 s ---------------------------------
# The unit runs the file debian/rules installs; run here as the unit would
# (stderr to the journal: JOURNAL_STREAM set, RUNTIME_DIRECTORY its
# stamps) against a scratch "/proc/listenq" and textfile directory.
check=$pkg/systemd/listenq-metrics-check
cond=$(sed -n 's/^ExecCondition=//p' "$unit")
dst=$(sed -n 's|.*packaging/systemd/listenq-metrics-check \$(LQ_PKG)\(/[^ ]*\)$|\1|p' "$repo/debian/rules")
if [ "$cond" != "/bin/sh $dst" ]; then
	tally "metrics-check installed" fail "the unit runs '$cond', debian/rules installs it as '$dst'"
else
	tally "metrics-check installed" pass "the unit's ExecCondition runs $dst as debian/rules installs it"
fi
s=$work/stamps f=$work/proc-listenq t=$work/textfile
mkdir -p "$s"
# mc: one run; "rc" and what it said on stderr, one line per message.
mc() {
	local rc=0 err
	err=$(JOURNAL_STREAM=8:1 RUNTIME_DIRECTORY=$s sh "$check" "$f" "$t" 2>&1 >/dev/null) || rc=$?
	echo "$rc${err:+ $err}"
}
runs=()
runs+=("$(mc)")	# 1: neither there
runs+=("$(mc)")	# 2: the same: nothing said again
mkdir "$t"
runs+=("$(mc)")	# 3: node-exporter there, the module not
: >"$f"
runs+=("$(mc)")	# 4: both there
runs+=("$(mc)")	# 5: still
rm "$f"
runs+=("$(mc)")	# 6: the module gone again: said again
runs+=("$(mc)")	# 7: and not again
want_mod="<4>listenq-metrics: $f not found: the listenq module is not loaded; modprobe listenq (see /etc/modprobe.d/listenq.conf); no metrics until then"
want_tf="<4>listenq-metrics: $t not found: prometheus-node-exporter's textfile directory; no metrics until it exists (or: systemctl disable --now listenq-metrics.timer)"
want=("1 $want_mod"$'\n'"$want_tf" 1 1 0 0 "1 $want_mod" 1)
bad=
for i in "${!want[@]}"; do
	[ "${runs[$i]}" = "${want[$i]}" ] || bad="$bad run $((i + 1)): '${runs[$i]}', want '${want[$i]}';"
done
if [ -z "$bad" ]; then
	tally "metrics-check once" pass "7 runs: each missing piece said once, as a warning, again after it came back and went"
else
	tally "metrics-check once" fail "$bad"
fi
# The real file's path and directory, as in the unit: the message names them.
if [ "$(sed -n 's/^ExecStart=.* --output \([^ ]*\)$/\1/p' "$unit" | xargs dirname)" != /var/lib/prometheus/node-exporter ] ||
	! grep -qx 'textfile=${2:-/var/lib/prometheus/node-exporter}' "$check" ||
	! grep -qx 'proc=${1:-/proc/listenq}' "$check" ||
	! grep -qx 'ReadWritePaths=-/var/lib/prometheus/node-exporter' "$unit"; then
	tally "metrics-check paths" fail "metrics-check's defaults are not the unit's --output directory and /proc/listenq"
else
	tally "metrics-check paths" pass "/proc/listenq and the directory of ExecStart's --output"
fi

# --- /etc/modprobe.d/listenq.conf and /etc/modules-load.d/listenq.conf ---
# Every parameter the module declares (module_param*() in module/), and no
# other, has a commented "options listenq NAME=" line; nothing is active.
conf=$pkg/modprobe.d/listenq.conf
declared=$(grep -ho 'module_param[a-z_]*( *[a-z_][a-z0-9_]*' "$repo"/module/*.c |
	sed 's/.*( *//' | sort -u)
offered=$(sed -n 's/^#options listenq \([a-z_][a-z0-9_]*\)=.*/\1/p' "$conf" | sort -u)
active=$(grep -v '^#' "$conf" | grep -v '^[[:space:]]*$')
if [ -z "$declared" ]; then
	tally "modprobe.d" fail "no module_param in module/"
elif [ "$declared" != "$offered" ] || [ -n "$active" ]; then
	tally "modprobe.d" fail "module: $(echo $declared); $conf: $(echo $offered)${active:+; not commented: $active}"
else
	tally "modprobe.d" pass "a commented line for each of $(echo $declared | tr ' ' ',')"
fi
ml=$pkg/modules-load.d/listenq.conf
if [ -z "$(grep -v '^#' "$ml")" ] && grep -qx '#listenq' "$ml"; then
	tally "modules-load.d" pass "all comments, '#listenq' to uncomment"
else
	tally "modules-load.d" fail "$ml: not all comments, or no '#listenq' line"
fi

# --- alert rules and dashboard (promtool) --------------------------------
if have promtool; then
	r=$pkg/prometheus
	if promtool check rules "$r/listenq-alerts.yml" >"$work/rules.log" 2>&1 &&
		promtool test rules "$r/listenq-alerts.test.yml" >>"$work/rules.log" 2>&1; then
		tally "alert rules" pass "promtool check rules, test rules"
	else
		tail -n 20 "$work/rules.log" | sed 's/^/#   /'
		tally "alert rules" fail "promtool"
	fi
	if have python3 && python3 "$pkg/check-metrics.py" dashboard "$pkg/grafana/listenq-dashboard.json" \
		"$work/dashboard-queries.yml" >"$work/dashboard.log" 2>&1 &&
		promtool check rules "$work/dashboard-queries.yml" >>"$work/dashboard.log" 2>&1; then
		tally "dashboard" pass "$(head -n 1 "$work/dashboard.log")"
	else
		tail -n 20 "$work/dashboard.log" | sed 's/^/#   /'
		tally "dashboard" fail "check-metrics.py dashboard, promtool check rules"
	fi
else
	tally "alert rules" skip "no promtool; selftests/qemu/deps.sh unpacks it"
	tally "dashboard" skip "no promtool; selftests/qemu/deps.sh unpacks it"
fi

# --- shellcheck: the packaging scripts and this one ----------------------
if have shellcheck; then
	if (cd "$repo" && shellcheck -x -S warning packaging/*.sh packaging/systemd/listenq-metrics-check \
		debian/*.postinst debian/*.postrm selftests/host/run.sh) >"$work/shellcheck.log" 2>&1; then
		tally "shellcheck" pass "packaging/*.sh, metrics-check, maintainer scripts, selftests/host/run.sh"
	else
		head -n 40 "$work/shellcheck.log" | sed 's/^/#   /'
		tally "shellcheck" fail "warnings above"
	fi
else
	tally "shellcheck" skip "no shellcheck"
fi

summary
