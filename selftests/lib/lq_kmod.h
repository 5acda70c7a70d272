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
/* The parameter's value as sysfs shows it, without the newline: 0 or -errno */
int lq_param_get(const char *name, char *buf, size_t size);

/* The module file: $LQ_KO, else /lib/modules/<release>/extra/listenq.ko */
const char *lq_module_path(void);
bool lq_module_loaded(void);
/* finit_module() with params ("" for none): 0 or -errno */
int lq_module_load(const char *params);
/* delete_module(), retried while the module is busy for up to timeout_ms */
int lq_module_unload(int timeout_ms);

/* /dev/kmsg, positioned after the last record: fd or -errno */
int lq_kmsg_open(void);
/*
 * The messages logged since lq_kmsg_open() or the last call, one per line,
 * as "<text>\n" (a record with an embedded newline stays one line: the
 * kernel escapes it as \x0a). malloc()ed, never NULL unless out of memory.
 */
char *lq_kmsg_read(int fd);

/*
 * The first thing in text that looks like a kernel address: a run of 16 hex
 * digits starting with ffff (a raw x86_64 kernel pointer), or a token of
 * exactly 16 hex digits starting with 0000 (what %p prints: a hashed
 * pointer). NULL if none; else a pointer into text.
 */
const char *lq_find_kernel_pointer(const char *text);

#endif /* LQ_KMOD_H */
