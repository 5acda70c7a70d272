#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# compat-probe.sh CACHE SRC 'CC' FLAGS...: "-DNAME" for each "#ifdef NAME"
# section of SRC (module/compat-probes.c) that compiles with CC and FLAGS
# (the kernel's compiler and flags, from module/compat.kbuild), on one line.
#
# One compile of every section at once, the cost of one: a section fails
# if an error, or a note of an error, names one of its lines. An error
# that names no section's line (a header that does not compile, a compiler
# that does not run), or a fatal one (after which nothing is compiled),
# sends every section to a compile of its own, as many at once as there
# are CPUs.
#
# The answer is kept in CACHE with a key of everything it depends on: this
# script, SRC, CC, FLAGS and the paths in LQ_PROBE_KEY (the kernel's
# configuration and header directories, with the time of each of their
# files); kbuild reads the Kbuild file more than once per build, and each
# rebuild reads it again. LQ_PROBE_LOG=FILE keeps the compiler's output
# there.
set -u
cache=$1 src=$2 cc=$3
shift 3

key=$({
	cat "$0" "$src"
	printf '%s\n' "$cc" "$*"
	# Each file of the directories: a header rewritten in place leaves
	# its directory's time alone.
	# shellcheck disable=SC2086
	ls -lL --full-time ${LQ_PROBE_KEY:-} 2>&1
} | cksum)
if [ -f "$cache" ] && [ "$(sed -n 1p "$cache")" = "$key" ]; then
	sed -n 2p "$cache"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lq-probe.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
names=$(sed -n 's/^#ifdef \(LQ_[A-Z0-9_]*\)$/\1/p' "$src")

# probe LOG DEFINES...: compile SRC with DEFINES; its output in LOG.
probe() {
	log=$1
	shift
	# shellcheck disable=SC2086
	$cc "$@" -Werror=implicit-function-declaration \
		-DKBUILD_MODNAME='"lq_probe"' -DKBUILD_BASENAME='"lq_probe"' \
		-fsyntax-only -x c "$src" >"$log" 2>&1
}

all=
for name in $names; do
	all="$all -D$name"
done
# shellcheck disable=SC2086
if probe "$tmp/all.log" "$@" $all; then
	failed=
else
	# The sections an error names, or "?" for an error that names none.
	failed=$(awk -v src="$src" '
		FNR == NR {
			if ($0 ~ /^#ifdef LQ_[A-Z0-9_]*$/)
				name = $2
			sect[FNR] = name
			next
		}
		function done() {
			if (inerr && !named)
				print "?"
			inerr = 0
		}
		function name_line(s, at, n) {
			at = index(s, src ":")
			if (!at)
				return
			n = substr(s, at + length(src) + 1) + 0
			if (sect[n] == "")
				return
			print sect[n]
			named = 1
		}
		/: (fatal )?error: / {
			done()
			inerr = 1
			named = 0
			name_line($0)
			# The compile stopped here: the sections after it are untested.
			if ($0 ~ /: fatal error: /)
				print "?"
			next
		}
		/: warning: / { done(); next }
		/: note: / { if (inerr) name_line($0); next }
		END { done() }
	' "$src" "$tmp/all.log" | sort -u | tr '\n' ' ')
	case " $failed " in
	*" ? "* | "  ")
		# Not understood: each section on its own.
		jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
		n=0
		for name in $names; do
			(probe "$tmp/$name.log" "$@" -D"$name" || echo "$name" >"$tmp/$name.failed") &
			n=$((n + 1))
			if [ $((n % jobs)) = 0 ]; then
				wait
			fi
		done
		wait
		failed=$(cat "$tmp"/*.failed 2>/dev/null | tr '\n' ' ')
		;;
	esac
fi

out=
for name in $names; do
	case " $failed " in
	*" $name "*) ;;
	*) out="$out -D$name" ;;
	esac
done
out=${out# }
if [ -n "${LQ_PROBE_LOG:-}" ]; then
	{
		echo "$cc $*"
		echo "=== probed: $out"
		cat "$tmp"/*.log
	} >"$LQ_PROBE_LOG"
fi
if printf '%s\n%s\n' "$key" "$out" >"$cache.$$" 2>/dev/null; then
	mv -f "$cache.$$" "$cache" 2>/dev/null || rm -f "$cache.$$"
fi
echo "$out"
