/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The listenq module from the tests' side: its parameters in sysfs, loading
 * and unloading it, the kernel log it writes, and looking for kernel
 * addresses in text. Functions return 0 (or a count/fd) on success and
 * -errno on failure; they never abort.
 */
#ifndef LQ_KMOD_H
#define LQ_KMOD_H

#include <stdbool.h>
#include <stddef.h>

#define LQ_PARAM_DIR	"/sys/module/listenq/parameters/"

/* write(2) exactly len bytes of val to parameter name: 0 or -errno */
int lq_param_write(const char *name, const char *val, size_t len);
/* The same with the string val, as `echo -n VAL >` writes it */
int lq_param_set(const char *name, const char *val);
/* The parameter's value as sysfs shows it, without the newline: 0 or -errno */
int lq_param_get(const char *name, char *buf, size_t size);
/* The same as a number (a bool's Y/N as 1/0): 0 or -errno (-EINVAL if not one) */
int lq_param_num(const char *name, long long *val);

/* The module file: $LQ_KO, else /lib/modules/<release>/extra/listenq.ko */
const char *lq_module_path(void);
bool lq_module_loaded(void);
/* finit_module() with params ("" for none): 0 or -errno */
int lq_module_load(const char *params);
/* delete_module(), retried while the module is busy, for up to timeout_ms (lq_timeout_scale()d) */
int lq_module_unload(int timeout_ms);

/* /dev/kmsg, positioned after the last record: fd or -errno */
int lq_kmsg_open(void);
/* /dev/kmsg at its first record, to read the whole kernel log: fd or -errno */
int lq_kmsg_open_all(void);
/*
 * The messages logged since lq_kmsg_open() or the last call, one per line,
 * as "<text>\n" (a record with an embedded newline stays one line: the
 * kernel escapes it as \x0a). malloc()ed, never NULL unless out of memory.
 */
char *lq_kmsg_read(int fd);

/*
 * What the module says when its probes go off (probes=0, or rmmod with
 * probes on): "listenq: probes off, N listener records held", N being the
 * per-listener records still assigned to a listener when its table is
 * freed. The N of the last such line in log (lq_kmsg_read()'s text), or
 * -ENOMSG when there is none.
 */
#define LQ_PROBES_OFF_MSG	"listenq: probes off, "
#define LQ_PROBES_OFF_HELD	" listener records held"
long long lq_probes_off_held(const char *log);

/*
 * What the module says, each time it switches its probes on, on a kernel
 * without __inet_csk_reqsk_queue_drop() (module/kprobes.c,
 * lq_expire_register()): that it counts expired requests another way
 * (reqsk_timer_handler() and reqsk_queue_unlink()), or that it cannot
 * (LQ_EXPIRED_NONE_MSG, the error, LQ_EXPIRED_NONE_END), and then prints
 * `expired` as "-". lq_expired_way() of log (lq_kmsg_read()'s text): which
 * of the two its last such line is, LQ_EXPIRED_COUNTED or LQ_EXPIRED_NONE,
 * or -ENOMSG when there is none.
 */
#define LQ_EXPIRED_COUNTED_MSG	"listenq: no __inet_csk_reqsk_queue_drop: expired requests " \
				"counted by reqsk_queue_unlink() in reqsk_timer_handler()"
#define LQ_EXPIRED_NONE_MSG	"listenq: cannot probe __inet_csk_reqsk_queue_drop (-ENOENT), " \
				"nor reqsk_timer_handler and reqsk_queue_unlink ("
#define LQ_EXPIRED_NONE_END	"): no expired requests"
enum { LQ_EXPIRED_NONE = 0, LQ_EXPIRED_COUNTED = 1 };
int lq_expired_way(const char *log);
/*
 * What the module says, each time it switches its probes on, where it
 * cannot hook security_sock_graft() (module/kprobes.c, lq_accept_register()):
 * that accept() waits end at an inet_csk_accept() return probe. When
 * probes go off, it logs how many accept() calls that probe could not
 * follow, the kernel's own count (the kretprobe's nmissed): "listenq:
 * inet_csk_accept: N calls missed: ...". lq_accept_missed() of log
 * (lq_kmsg_read()'s text): the N of its last such line, or -ENOMSG.
 */
#define LQ_ACCEPT_RETURN_MSG	"listenq: accept() waits end at an inet_csk_accept return probe"
#define LQ_ACCEPT_MISSED_MSG	"listenq: inet_csk_accept: "
long long lq_accept_missed(const char *log);
/*
 * The first thing in text that looks like a kernel address: a run of 16 hex
 * digits starting with ffff (a raw x86_64 kernel pointer), or a token of
 * exactly 16 hex digits starting with 0000 (what %p prints: a hashed
 * pointer). NULL if none; else a pointer into text.
 */
const char *lq_find_kernel_pointer(const char *text);

#endif /* LQ_KMOD_H */
