#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [SHELL...]: host-side unit test of the compat probes, no kernel
# needed, a few seconds of CPU.
#
# module/compat-probe.sh compiles module/compat-probes.c (one "#ifdef
# LQ_HAVE_*" section per feature) against a kernel's headers and prints a
# -D flag for each section that compiles; include/listenq/compat.h turns
# those flags into code or an #error. Here the "kernel" is a small made-up
# include/ tree written by this script for each case, compiled with the
# host's gcc, -nostdinc and the few -Werror flags every kernel build has.
# Each case checks:
#   - the exact -D line compat-probe.sh prints;
#   - how many compiles it took: one for all sections when every error
#     names a section's line, one more per section when it cannot tell
#     (a header that does not compile, a compiler that does not run);
#   - compat.h with those flags: a use of every compat macro compiles
#     against the same tree, or the build stops at compat.h's own #error.
# The real kernels' spellings are modelled on the Debian headers the rig
# builds against (5.10, 6.1, 6.12, 7.3; x86 and arm64); the made-up ones
# mean something else under a familiar name, and must not pass.
# Then the cache: a second run compiles nothing, a header changed in place
# (same directory mtime) is probed again.
#
# compat-probe.sh runs under each SHELL (default: dash and bash, those
# installed), since kbuild runs it with $(CONFIG_SHELL), sh or bash.
# Output: "ok N name" / "not ok N name" lines, then "N passed, N failed";
# the exit status is non-zero if anything failed. CC=... picks the compiler,
# LQ_COMPAT_PROBE=FILE another compat-probe.sh (an older one, say).
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
probe_sh=${LQ_COMPAT_PROBE:-$repo/module/compat-probe.sh}
probes_c=$repo/module/compat-probes.c
compat_h=$repo/include/listenq/compat.h
hostcc=${CC:-gcc}

work=$(mktemp -d "${TMPDIR:-/tmp}/lq-compat-test.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

shells=
[ $# -gt 0 ] || set -- dash bash
for s in "$@"; do
	command -v "$s" >/dev/null 2>&1 && shells="$shells $s"
done
[ -n "$shells" ] || { echo "no shell among: $*" >&2; exit 2; }

# The sections, in compat-probes.c's order, as compat-probe.sh finds them.
nsect=$(grep -c '^#ifdef LQ_[A-Z0-9_]*$' "$probes_c")

# A compiler that counts its runs (in $work/count) for the one-compile
# check; compat-probe.sh is handed it as CC.
cat >"$work/cc" <<EOF
#!/bin/sh
echo . >>"$work/count"
exec $hostcc "\$@"
EOF
chmod +x "$work/cc"

n=0 passed=0 failed=0
result() { # result OK NAME [DETAIL]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		passed=$((passed + 1))
		echo "ok $n $2"
	else
		failed=$((failed + 1))
		echo "not ok $n $2"
		[ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/#   /'
	fi
}

# D SHORT...: the line compat-probe.sh should print, "-DLQ_HAVE_<SHORT>"
# for each, in the order given (write them in compat-probes.c's order).
D() {
	out=
	for s in "$@"; do
		out="$out -DLQ_HAVE_$s"
	done
	echo "${out# }"
}

# ---------------------------------------------------------------------------
# The fake kernel trees. T is the tree being written; put FILE writes stdin
# to $T/FILE. Every tree starts from base(), then one function per header
# with the variant of the case.

put() {
	mkdir -p "$(dirname "$T/$1")"
	cat >"$T/$1"
}

# What every kernel has: the force-included compiler_types.h, build_bug.h's
# static_assert, ARRAY_SIZE that refuses a pointer, the basic types, and a
# struct pt_regs with regs_get_kernel_argument().
base() {
	T=$work/$1
	rm -rf "$T"
	put include/linux/compiler_types.h <<'EOF'
#define __same_type(a, b) __builtin_types_compatible_p(typeof(a), typeof(b))
#define __always_inline inline __attribute__((__always_inline__))
#define BUILD_BUG_ON_ZERO(e) ((int)(sizeof(struct { int:(-!!(e)); })))
#define __must_be_array(a) BUILD_BUG_ON_ZERO(__same_type((a), &(a)[0]))
#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))
EOF
	put include/linux/build_bug.h <<'EOF'
#ifndef _LINUX_BUILD_BUG_H
#define _LINUX_BUILD_BUG_H
#define static_assert(expr, ...) __static_assert(expr, ##__VA_ARGS__, #expr)
#define __static_assert(expr, msg, ...) _Static_assert(expr, msg)
#endif
EOF
	put include/linux/types.h <<'EOF'
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H
typedef _Bool bool;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef struct { unsigned int val; } kuid_t;
#define GLOBAL_ROOT_UID ((kuid_t){ 0 })
typedef struct { int counter; } atomic_t;
typedef struct { int slock; } spinlock_t;
struct hlist_node { struct hlist_node *next, **pprev; };
struct hlist_head { struct hlist_node *first; };
struct hlist_nulls_node { struct hlist_nulls_node *next, **pprev; };
struct hlist_nulls_head { struct hlist_nulls_node *first; };
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))
#define hlist_entry_safe(ptr, type, member) ({ typeof(ptr) ____ptr = (ptr); \
	____ptr ? container_of(____ptr, type, member) : (type *)0; })
#define hlist_nulls_entry(ptr, type, member) container_of(ptr, type, member)
static inline int is_a_nulls(const struct hlist_nulls_node *ptr)
{
	return (unsigned long)ptr & 1;
}
#define NULL ((void *)0)
#define BIT(n) (1UL << (n))
#endif
EOF
	put include/linux/kernel.h <<'EOF'
#include <linux/types.h>
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]) + __must_be_array(arr))
EOF
	put include/linux/atomic.h <<'EOF'
#ifndef _LINUX_ATOMIC_H
#define _LINUX_ATOMIC_H
#include <linux/types.h>
static inline int atomic_read(const atomic_t *v) { return v->counter; }
#endif
EOF
	put arch/include/asm/ptrace.h <<'EOF'
#ifndef _ASM_PTRACE_H
#define _ASM_PTRACE_H
struct pt_regs { unsigned long di, si, dx, cx, r8, r9, ip, sp; };
static inline unsigned long regs_get_kernel_argument(struct pt_regs *regs, unsigned int n)
{
	return n == 0 ? regs->di : n == 1 ? regs->si : 0;
}
#endif
EOF
	put include/linux/ptrace.h <<'EOF'
#include <asm/ptrace.h>
EOF
}

# net/inet_hashtables.h and net/inet_connection_sock.h. 510: listening_hash[]
# of nulls lists, and lhash2 whose bucket is a union of a plain and a nulls
# head, its plain hlists through icsk_listen_portaddr_node (before
# cae3873c5b3a); nulls: lhash2 of nulls lists only (5.19+); plain: lhash2 of
# plain hlists only, no icsk_listen_portaddr_node (made up); ptr:
# listening_hash a pointer, not an array, and no lhash2 (made up).
hashtables() {
	icsk='int icsk_retransmits;'
	case $1 in
	510) bucket='unsigned int count; union { struct hlist_head head; struct hlist_nulls_head nulls_head; };'
	     table='unsigned int lhash2_mask; struct inet_listen_hashbucket *lhash2;
	struct inet_listen_hashbucket listening_hash[32];'
	     icsk='struct hlist_node icsk_listen_portaddr_node;' ;;
	nulls) bucket='struct hlist_nulls_head nulls_head;'
	       table='unsigned int lhash2_mask; struct inet_listen_hashbucket *lhash2;' ;;
	plain) bucket='struct hlist_head head;'
	       table='unsigned int lhash2_mask; struct inet_listen_hashbucket *lhash2;' ;;
	ptr) bucket='struct hlist_nulls_head nulls_head;'
	     table='struct inet_listen_hashbucket *listening_hash;' ;;
	esac
	put include/net/inet_hashtables.h <<EOF
#ifndef _INET_HASHTABLES_H
#define _INET_HASHTABLES_H
#include <linux/types.h>
struct inet_listen_hashbucket {
	spinlock_t lock;
	$bucket
};
struct inet_hashinfo {
	$table
};
#endif
EOF
	put include/net/inet_connection_sock.h <<EOF
#ifndef _INET_CONNECTION_SOCK_H
#define _INET_CONNECTION_SOCK_H
#include <linux/types.h>
struct sock;
struct inet_connection_sock {
	$icsk
};
static inline struct inet_connection_sock *inet_csk(const struct sock *sk)
{
	return (struct inet_connection_sock *)sk;
}
#endif
EOF
}

# net/netns/ipv4.h and net/net_namespace.h. embedded: tcp_death_row in
# netns_ipv4 (5.10, 6.1+); ptr: a pointer to it (fbb8295248e1, 5.17-6.0);
# othertype: embedded, but its hashinfo points to something else (made up);
# none: no tcp_death_row (made up).
netns() {
	hashinfo='struct inet_hashinfo *hashinfo;'
	case $1 in
	embedded) member='struct inet_timewait_death_row tcp_death_row;' ;;
	ptr) member='struct inet_timewait_death_row *tcp_death_row;' ;;
	othertype) member='struct inet_timewait_death_row tcp_death_row;'
		   hashinfo='struct inet_hashinfo_v2 *hashinfo;' ;;
	none) member='int sysctl_max_tw_buckets;' ;;
	esac
	put include/net/netns/ipv4.h <<EOF
#ifndef __NETNS_IPV4_H__
#define __NETNS_IPV4_H__
#include <linux/types.h>
struct inet_hashinfo;
struct inet_hashinfo_v2;
struct inet_timewait_death_row {
	atomic_t tw_count;
	$hashinfo
	int sysctl_max_tw_buckets;
};
struct netns_ipv4 {
	$member
	int sysctl_max_syn_backlog;
};
#endif
EOF
	put include/net/net_namespace.h <<'EOF'
#ifndef __NET_NET_NAMESPACE_H
#define __NET_NET_NAMESPACE_H
#include <net/netns/ipv4.h>
struct net { struct netns_ipv4 ipv4; };
#endif
EOF
}

# net/sock.h: the owner, the inode number and the drop counter. UID: old =
# the sk_uid field and sock_i_uid(), the inode behind sk_socket
# (5.10-6.12); new = sk_uid() beside the field, no sock_i_uid(), the inode
# number in a u64 sk_ino (7.x); macro = sk_uid() as a function-like macro
# (made up, and fine); uidt = sk_uid() returning a plain uid number, not a
# kuid_t (made up); inoint = 7.x's but an sk_ino of 32 bits (made up). DROPS: atomic = an atomic_t sk_drops (up to 6.12); read = the
# counter's own type behind sk_drops_read() (7.x).
sock() {
	uid_decl='kuid_t sock_i_uid(struct sock *sk);'
	case $1 in
	new|inoint) uid_decl='static inline kuid_t sk_uid(const struct sock *sk) { return sk->sk_uid; }' ;;
	macro) uid_decl="$uid_decl
#define sk_uid(sk) ((sk)->sk_uid)" ;;
	uidt) uid_decl="$uid_decl
static inline unsigned int sk_uid(const struct sock *sk) { return sk->sk_uid.val; }" ;;
	esac
	case $1 in
	new) ino_field='u64 sk_ino;' ;;
	inoint) ino_field='unsigned int sk_ino;' ;;
	*) ino_field= ;;
	esac
	drops_field='atomic_t sk_drops;' drops_decl=
	if [ "$2" = read ]; then
		drops_field='struct { atomic_t drops0, drops1; } sk_drop_counters;'
		drops_decl='static inline int sk_drops_read(const struct sock *sk)
{
	return atomic_read(&sk->sk_drop_counters.drops0) + atomic_read(&sk->sk_drop_counters.drops1);
}'
	fi
	put include/net/sock.h <<EOF
#ifndef _SOCK_H
#define _SOCK_H
#include <linux/types.h>
#include <linux/atomic.h>
struct inode {
	unsigned long i_ino;
	kuid_t i_uid;
};
struct socket {
	short type;
};
struct socket_alloc {
	struct socket socket;
	struct inode vfs_inode;
};
static inline struct inode *SOCK_INODE(struct socket *socket)
{
	return &container_of(socket, struct socket_alloc, socket)->vfs_inode;
}
struct sock {
	struct hlist_nulls_node sk_nulls_node;
	struct socket *sk_socket;
	kuid_t sk_uid;
	$ino_field
	$drops_field
};
$uid_decl
$drops_decl
#endif
EOF
}

# linux/workqueue.h: system_wq only, or system_percpu_wq beside it (as a
# variable, or as a macro alias: both fine).
workqueue() {
	extra=
	case $1 in
	percpu) extra='extern struct workqueue_struct *system_percpu_wq;' ;;
	alias) extra='#define system_percpu_wq system_wq' ;;
	esac
	put include/linux/workqueue.h <<EOF
#ifndef _LINUX_WORKQUEUE_H
#define _LINUX_WORKQUEUE_H
struct workqueue_struct;
extern struct workqueue_struct *system_wq;
$extra
#endif
EOF
}

# linux/ftrace.h, asm/ftrace.h and (6.12+) linux/ftrace_regs.h.
#  510:    callbacks take a struct pt_regs; FTRACE_OPS_FL_RECURSION_SAFE.
#  61arm:  6.1 arm64: the generic struct ftrace_regs wrapping a pt_regs
#          (no DYNAMIC_FTRACE_WITH_ARGS), no accessor.
#  61x86:  6.1 x86: its own ftrace_regs wrapping a pt_regs, and the accessor
#          as a macro, #define ftrace_regs_get_argument(fregs, n).
#  612x86: 6.12+ x86: struct ftrace_regs opaque, the generic accessor macro
#          of linux/ftrace_regs.h over struct __arch_ftrace_regs.
#  612arm: 6.12+ arm64: its own __arch_ftrace_regs without a pt_regs, the
#          accessor a static inline function in asm/ftrace.h.
#  noarg:  made up: a ftrace_regs with neither a pt_regs member nor an
#          accessor.
#  badarg: made up: an "accessor" of that name that takes a struct pt_regs.
#  wrapint: made up: a ftrace_regs whose "regs" member is no pt_regs.
ftrace() {
	asm='' def='' post='' flags='FTRACE_OPS_FL_RECURSION = BIT(4)' arg='struct ftrace_regs *fregs'
	fwd='struct ftrace_regs;'
	case $1 in
	510) arg='struct pt_regs *regs' flags='FTRACE_OPS_FL_RECURSION_SAFE = BIT(4)' fwd= ;;
	61arm) def='struct ftrace_regs { struct pt_regs regs; };' ;;
	61x86) asm='struct ftrace_regs { struct pt_regs regs; };
#define ftrace_regs_get_argument(fregs, n) regs_get_kernel_argument(&(fregs)->regs, n)' ;;
	612x86) post='#include <linux/ftrace_regs.h>'
		put include/linux/ftrace_regs.h <<'EOF'
#ifndef _LINUX_FTRACE_REGS_H
#define _LINUX_FTRACE_REGS_H
#ifndef HAVE_ARCH_FTRACE_REGS
struct __arch_ftrace_regs { struct pt_regs regs; };
#define arch_ftrace_regs(fregs) ((struct __arch_ftrace_regs *)(fregs))
struct ftrace_regs;
#define ftrace_regs_get_argument(fregs, n) \
	regs_get_kernel_argument(&arch_ftrace_regs(fregs)->regs, n)
#endif
#endif
EOF
		;;
	612arm) post='#include <linux/ftrace_regs.h>'
		asm='#define HAVE_ARCH_FTRACE_REGS
struct __arch_ftrace_regs { unsigned long regs[9]; unsigned long fp, lr, sp, pc; };
#define arch_ftrace_regs(fregs) ((struct __arch_ftrace_regs *)(fregs))
struct ftrace_regs;
static __always_inline unsigned long
ftrace_regs_get_argument(struct ftrace_regs *fregs, unsigned int n)
{
	if (n < 8)
		return arch_ftrace_regs(fregs)->regs[n];
	return 0;
}'
		put include/linux/ftrace_regs.h <<'EOF'
#ifndef _LINUX_FTRACE_REGS_H
#define _LINUX_FTRACE_REGS_H
#ifndef HAVE_ARCH_FTRACE_REGS
#error "the generic ftrace_regs is not this architecture's"
#endif
#endif
EOF
		;;
	noarg) def='struct ftrace_regs { unsigned long args[8]; unsigned long ip, sp; };' ;;
	badarg) def='struct ftrace_regs { unsigned long args[8]; };
static inline unsigned long ftrace_regs_get_argument(struct pt_regs *regs, unsigned int n)
{
	return regs_get_kernel_argument(regs, n);
}' ;;
	wrapint) def='struct ftrace_regs { unsigned long regs; };' ;;
	esac
	put arch/include/asm/ftrace.h <<EOF
#ifndef _ASM_FTRACE_H
#define _ASM_FTRACE_H
#include <asm/ptrace.h>
$asm
#endif
EOF
	put include/linux/ftrace.h <<EOF
#ifndef _LINUX_FTRACE_H
#define _LINUX_FTRACE_H
#include <linux/types.h>
#include <asm/ftrace.h>
struct ftrace_ops;
$fwd
$def
typedef void (*ftrace_func_t)(unsigned long ip, unsigned long parent_ip,
			      struct ftrace_ops *op, $arg);
enum {
	FTRACE_OPS_FL_ENABLED = BIT(0),
	FTRACE_OPS_FL_SAVE_REGS = BIT(2),
	$flags,
};
struct ftrace_ops { ftrace_func_t func; unsigned long flags; };
$post
#endif
EOF
}

# kernel NAME HASH NETNS UID DROPS WQ FTRACE: a whole tree.
kernel() {
	base "$1"
	hashtables "$2"
	netns "$3"
	sock "$4" "$5"
	workqueue "$6"
	ftrace "$7"
}

# ---------------------------------------------------------------------------
# The checks.

# The flags of the probe compiles: those of kbuild's module objects that
# matter here (the -Werror set every kernel has since 5.10, the forced
# compiler_types.h), with the fake tree instead of the kernel's.
flags() {
	echo "-nostdinc -I$1/arch/include -I$1/include -include $1/include/linux/compiler_types.h" \
		"-Wall -Werror=strict-prototypes -Werror=implicit-int -Werror=return-type" \
		"-Werror=incompatible-pointer-types"
}

# probe SH TREE [CC]: compat-probe.sh's line into $got, its compiles in
# $compiles; the cache is $TREE.cache.
probe() {
	rm -f "$work/count"
	# shellcheck disable=SC2046
	got=$(LQ_PROBE_KEY="$2/include/linux $2/include/net" LQ_PROBE_LOG="$2.log" \
		"$1" "$probe_sh" "$2.cache" "$probes_c" "${3:-$work/cc}" $(flags "$2"))
	compiles=$({ wc -l <"$work/count"; } 2>/dev/null || echo 0)
}

# The use of every compat.h macro a module file makes, compiled against the
# tree with the probed flags and compat.h force-included, as Kbuild does.
cat >"$work/use.c" <<'EOF'
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/ptrace.h>
#include <linux/workqueue.h>
#include <linux/ftrace.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/net_namespace.h>
#include <net/sock.h>

unsigned long lq_use(struct net *net, struct sock *sk, struct lq_ftrace_regs *fregs);
unsigned long lq_use(struct net *net, struct sock *sk, struct lq_ftrace_regs *fregs)
{
	struct inet_hashinfo *h = lq_tcp_hashinfo(net);
	struct inet_listen_hashbucket *bucket = lq_lhash_bucket(h, 0);
	unsigned long size = lq_lhash_size(h), n = 0;
	kuid_t uid = lq_sk_uid(sk);
	unsigned long ino = lq_sk_ino(sk);
	struct workqueue_struct *wq = lq_percpu_wq;
	struct sock *each;

	for (each = lq_lhash_first(bucket); each; each = lq_lhash_next(each))
		n++;
	return size + n + uid.val + ino + lq_sk_drops(sk) + lq_fregs_arg(fregs, 0) +
	       LQ_FTRACE_OPS_FLAGS + !!wq;
}
EOF

# use TREE DEFINES: compile use.c; its output in $TREE.use.
use() {
	# shellcheck disable=SC2046,SC2086
	$hostcc $(flags "$1") -Werror=implicit-function-declaration -DLQ_KERNEL_IN_RANGE $2 \
		-include "$compat_h" -fsyntax-only -x c "$work/use.c" >"$1.use" 2>&1
}

# check NAME EXPECTED COMPILES COMPAT: run the probes on tree NAME under
# every shell, and expect the line EXPECTED after COMPILES compiles
# ("one" or "each": one, or one plus one per section); then compat.h: "ok"
# for code that compiles, "-" for no check (a header the module's own files
# include does not compile either), else a piece of the #error it must stop
# at.
check() {
	case $3 in
	one) want_compiles=1 ;;
	each) want_compiles=$((nsect + 1)) ;;
	esac
	for sh in $shells; do
		rm -f "$work/$1.cache"
		probe "$sh" "$work/$1"
		if [ "$got" = "$2" ] && [ "$compiles" = "$want_compiles" ]; then
			result 0 "$1 ($sh): $3 compile(s)"
		else
			result 1 "$1 ($sh)" "want: $2 [$want_compiles compiles]
got:  $got [$compiles compiles]
$(grep -E 'error|===' "$work/$1.log" 2>/dev/null | head -n 20)"
		fi
	done
	if [ "$4" = - ]; then
		:
	elif use "$work/$1" "$2"; then
		if [ "$4" = ok ]; then
			result 0 "$1: compat.h code compiles"
		else
			result 1 "$1: compat.h gave code, not #error $4"
		fi
	elif [ "$4" = ok ]; then
		result 1 "$1: compat.h code does not compile" "$(grep error "$work/$1.use" | head -n 10)"
	elif grep -q "error: #error \"listenq: no $4" "$work/$1.use"; then
		result 0 "$1: compat.h #error: no $4"
	else
		result 1 "$1: not compat.h's #error \"listenq: no $4...\"" "$(grep error "$work/$1.use" | head -n 10)"
	fi
}

# ---------------------------------------------------------------------------
# The kernels' own spellings.

# Debian 5.10.223 and 5.10.262: lhash2 of plain hlists through
# icsk_listen_portaddr_node (its bucket also has a nulls head, in a union:
# compat.h prefers the plain walk), pt_regs callbacks,
# FTRACE_OPS_FL_RECURSION_SAFE, sock_i_uid().
kernel debian-5.10 510 embedded old atomic plain 510
check debian-5.10 "$(D LHASH2_NULLS LHASH2_PORTADDR DEATH_ROW FTRACE_PT_REGS FTRACE_RECURSION_SAFE)" one ok

# 5.17-6.0: tcp_death_row a pointer.
kernel linux-5.18 510 ptr old atomic plain 61x86
check linux-5.18 "$(D LHASH2_NULLS LHASH2_PORTADDR DEATH_ROW_PTR FTRACE_REGS FREGS_ARG FREGS_PT_REGS)" one ok

# 6.1 arm64: struct ftrace_regs wraps a pt_regs, no accessor.
kernel debian-6.1-arm64 nulls embedded old atomic plain 61arm
check debian-6.1-arm64 "$(D LHASH2_NULLS DEATH_ROW FTRACE_REGS FREGS_PT_REGS)" one ok

# 6.1 x86: its ftrace_regs wraps a pt_regs, and the accessor is a macro.
kernel debian-6.1-x86 nulls embedded old atomic plain 61x86
check debian-6.1-x86 "$(D LHASH2_NULLS DEATH_ROW FTRACE_REGS FREGS_ARG FREGS_PT_REGS)" one ok

# 6.12 x86 (a later 6.12.y with system_percpu_wq): ftrace_regs opaque, the
# accessor from linux/ftrace_regs.h.
kernel debian-6.12-x86 nulls embedded old atomic percpu 612x86
check debian-6.12-x86 "$(D LHASH2_NULLS DEATH_ROW SYSTEM_PERCPU_WQ FTRACE_REGS FREGS_ARG)" one ok

# 6.12 arm64: the accessor a static inline function in asm/ftrace.h.
kernel debian-6.12-arm64 nulls embedded old atomic plain 612arm
check debian-6.12-arm64 "$(D LHASH2_NULLS DEATH_ROW FTRACE_REGS FREGS_ARG)" one ok

# 7.3: sk_uid(), sk_ino, sk_drops_read(), system_percpu_wq.
kernel debian-7.3-x86 nulls embedded new read percpu 612x86
check debian-7.3-x86 "$(D LHASH2_NULLS DEATH_ROW SK_UID SK_INO SK_DROPS_READ SYSTEM_PERCPU_WQ FTRACE_REGS FREGS_ARG)" one ok
kernel debian-7.3-arm64 nulls embedded new read percpu 612arm
check debian-7.3-arm64 "$(D LHASH2_NULLS DEATH_ROW SK_UID SK_INO SK_DROPS_READ SYSTEM_PERCPU_WQ FTRACE_REGS FREGS_ARG)" one ok

# ---------------------------------------------------------------------------
# Other spellings of the same meaning: they count.

kernel macro-spellings nulls embedded macro atomic alias 61x86
check macro-spellings "$(D LHASH2_NULLS DEATH_ROW SK_UID SYSTEM_PERCPU_WQ FTRACE_REGS FREGS_ARG FREGS_PT_REGS)" one ok

# ---------------------------------------------------------------------------
# Familiar names that mean something else: they must not pass, and where
# nothing else gives the meaning, compat.h stops at its #error.

# sk_uid only a field (the module then reads the socket inode's i_uid), and
# sk_uid() that returns no kuid_t; an sk_ino that cannot hold an inode
# number (the module then reads the socket inode's i_ino).
kernel uid-field-only nulls embedded old atomic plain 612x86
check uid-field-only "$(D LHASH2_NULLS DEATH_ROW FTRACE_REGS FREGS_ARG)" one ok
kernel uid-not-kuid nulls embedded uidt atomic plain 612x86
check uid-not-kuid "$(D LHASH2_NULLS DEATH_ROW FTRACE_REGS FREGS_ARG)" one ok
kernel ino-not-u64 nulls embedded inoint read percpu 612x86
check ino-not-u64 "$(D LHASH2_NULLS DEATH_ROW SK_UID SK_DROPS_READ SYSTEM_PERCPU_WQ FTRACE_REGS FREGS_ARG)" one ok

# A ftrace_regs with no pt_regs member and no accessor; one whose "regs" is
# no pt_regs; an "accessor" that takes a pt_regs.
kernel fregs-opaque nulls embedded old atomic plain noarg
check fregs-opaque "$(D LHASH2_NULLS DEATH_ROW FTRACE_REGS)" one "way to read an ftrace callback's arguments"
kernel fregs-regs-not-pt_regs nulls embedded old atomic plain wrapint
check fregs-regs-not-pt_regs "$(D LHASH2_NULLS DEATH_ROW FTRACE_REGS)" one "way to read an ftrace callback's arguments"
kernel fregs-arg-takes-pt_regs nulls embedded old atomic plain badarg
check fregs-arg-takes-pt_regs "$(D LHASH2_NULLS DEATH_ROW FTRACE_REGS)" one "way to read an ftrace callback's arguments"

# tcp_death_row whose hashinfo has another type; no tcp_death_row at all.
kernel deathrow-other-type nulls othertype old atomic plain 612x86
check deathrow-other-type "$(D LHASH2_NULLS FTRACE_REGS FREGS_ARG)" one "tcp_death_row"
kernel no-deathrow nulls none old atomic plain 612x86
check no-deathrow "$(D LHASH2_NULLS FTRACE_REGS FREGS_ARG)" one "tcp_death_row"

# lhash2 of plain hlists, but no icsk_listen_portaddr_node to walk them
# through; listening_hash a pointer, not an array, and no lhash2.
kernel lhash2-plain plain embedded old atomic plain 612x86
check lhash2-plain "$(D DEATH_ROW FTRACE_REGS FREGS_ARG)" one "lhash2 of TCP listeners"
kernel listening-hash-ptr ptr embedded old atomic plain 612x86
check listening-hash-ptr "$(D DEATH_ROW FTRACE_REGS FREGS_ARG)" one "lhash2 of TCP listeners"

# ---------------------------------------------------------------------------
# Headers that do not compile: the errors name no section's line, so each
# section is compiled alone, and only those that include the header fail.
# (compat.h is not checked where the module's own files could not compile.)

kernel broken-sock nulls embedded new read percpu 612x86
echo 'struct sock_broken { no_such_type_t x; };' >>"$T/include/net/sock.h"
check broken-sock "$(D LHASH2_NULLS DEATH_ROW SYSTEM_PERCPU_WQ FTRACE_REGS FREGS_ARG)" each -

kernel broken-workqueue nulls embedded new read percpu 612x86
echo '#error "broken"' >>"$T/include/linux/workqueue.h"
check broken-workqueue "$(D LHASH2_NULLS DEATH_ROW SK_UID SK_INO SK_DROPS_READ FTRACE_REGS FREGS_ARG)" each -

# A header every ftrace section includes: none of them passes.
kernel broken-ftrace nulls embedded new read percpu 612x86
echo 'int ftrace_broken(void) { return }' >>"$T/include/linux/ftrace.h"
check broken-ftrace "$(D LHASH2_NULLS DEATH_ROW SK_UID SK_INO SK_DROPS_READ SYSTEM_PERCPU_WQ)" each "way to read an ftrace callback's arguments"

# Broken through another header it includes (net_namespace.h -> netns/ipv4.h).
kernel broken-netns nulls embedded new read percpu 612x86
echo 'struct netns_broken { no_such_type_t x; };' >>"$T/include/net/netns/ipv4.h"
check broken-netns "$(D LHASH2_NULLS SK_UID SK_INO SK_DROPS_READ SYSTEM_PERCPU_WQ FTRACE_REGS FREGS_ARG)" each "tcp_death_row"

# A header that does not exist is a fatal error: the compile stops there,
# and the sections after it are not known to compile. A missing net/sock.h
# (named by SK_UID's line) must not let SK_DROPS_READ through.
kernel missing-sock nulls embedded new read percpu 612x86
rm "$T/include/net/sock.h"
check missing-sock "$(D LHASH2_NULLS DEATH_ROW SYSTEM_PERCPU_WQ FTRACE_REGS FREGS_ARG)" each -
# ... nor one missing in a header (linux/ftrace.h's asm/ftrace.h).
kernel missing-asm nulls embedded new read percpu 612x86
rm "$T/arch/include/asm/ftrace.h"
check missing-asm "$(D LHASH2_NULLS DEATH_ROW SK_UID SK_INO SK_DROPS_READ SYSTEM_PERCPU_WQ)" each "way to read an ftrace callback's arguments"

# A header every section includes (build_bug.h): nothing passes.
kernel broken-build-bug nulls embedded new read percpu 612x86
echo '#error "broken"' >>"$T/include/linux/build_bug.h"
check broken-build-bug "" each "lhash2 of TCP listeners"

# ---------------------------------------------------------------------------
# A compiler that does not run: no section passes, nothing cached as a
# success of a compiler that was never there.

kernel no-compiler nulls embedded new read percpu 612x86
for sh in $shells; do
	rm -f "$work/no-compiler.cache"
	probe "$sh" "$work/no-compiler" "$work/no-such-cc"
	[ -z "$got" ]
	result $? "no-compiler ($sh): no -D flag" "got: $got"
done

# ---------------------------------------------------------------------------
# The cache: the same inputs compile nothing; a header changed in place
# (its directory's mtime unchanged) or another compiler flag probes again.

kernel cache nulls embedded old atomic plain 612x86
for sh in $shells; do
	rm -f "$work/cache.cache"
	ftrace 612x86
	sock old atomic
	probe "$sh" "$work/cache"
	first=$got
	probe "$sh" "$work/cache"
	[ "$got" = "$first" ] && [ "$compiles" = 0 ]
	result $? "cache ($sh): second run reads the cache" "got: $got [$compiles compiles]"

	# sk_uid() appears in net/sock.h, rewritten in place a second later.
	touch -r "$work/cache/include/net" "$work/dirtime"
	sleep 1
	sock new atomic
	touch -r "$work/dirtime" "$work/cache/include/net"
	probe "$sh" "$work/cache"
	want="$(D LHASH2_NULLS DEATH_ROW SK_UID SK_INO FTRACE_REGS FREGS_ARG)"
	[ "$got" = "$want" ] && [ "$compiles" = 1 ]
	result $? "cache ($sh): a header edited in place is probed again" \
		"want: $want [1 compiles]
got:  $got [$compiles compiles]"
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
