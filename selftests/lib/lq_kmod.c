// SPDX-License-Identifier: GPL-2.0
/*
 * The listenq module from the tests' side. See lq_kmod.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lq_kmod.h"
#include "netutil.h"		/* lq_now_ms(), lq_timeout_scale(), lq_write_buf() */

int lq_param_write(const char *name, const char *val, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), LQ_PARAM_DIR "%s", name);
	return lq_write_buf(path, val, len);
}

int lq_param_get(const char *name, char *buf, size_t size)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), LQ_PARAM_DIR "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int lq_param_set(const char *name, const char *val)
{
	return lq_param_write(name, val, strlen(val));
}

int lq_param_num(const char *name, long long *val)
{
	char buf[64], *end;
	int ret = lq_param_get(name, buf, sizeof(buf));

	if (ret)
		return ret;
	if (!strcmp(buf, "Y") || !strcmp(buf, "N")) {
		*val = buf[0] == 'Y';
		return 0;
	}
	errno = 0;
	*val = strtoll(buf, &end, 10);
	return errno || end == buf || *end ? -EINVAL : 0;
}

const char *lq_module_path(void)
{
	static char path[320];
	const char *env = getenv("LQ_KO");
	struct utsname u;

	if (env && *env)
		return env;
	if (uname(&u))
		return "listenq.ko";
	snprintf(path, sizeof(path), "/lib/modules/%s/extra/listenq.ko", u.release);
	return path;
}

bool lq_module_loaded(void)
{
	return access("/sys/module/listenq/initstate", F_OK) == 0;
}

int lq_module_load(const char *params)
{
	int fd = open(lq_module_path(), O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		ret = -errno;
	close(fd);
	return ret;
}

int lq_module_unload(int timeout_ms)
{
	long long deadline = lq_now_ms() + (long long)timeout_ms * lq_timeout_scale();
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (;;) {
		if (!syscall(SYS_delete_module, "listenq", O_NONBLOCK))
			return 0;
		if ((errno != EAGAIN && errno != EBUSY) || lq_now_ms() >= deadline)
			return -errno;
		nanosleep(&ts, NULL);
	}
}

int lq_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int lq_kmsg_open_all(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

char *lq_kmsg_read(int fd)
{
	size_t len = 0, cap = 4096;
	char *out = malloc(cap), rec[8192];

	if (!out)
		return NULL;
	out[0] = '\0';
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *text, *end;
		size_t tl;

		if (n < 0 && errno == EPIPE)	/* records overwritten: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		/* "prio,seq,usec,flags;text\n" then " KEY=value" lines */
		text = strchr(rec, ';');
		if (!text)
			continue;
		text++;
		end = strchr(text, '\n');
		tl = end ? (size_t)(end - text) : strlen(text);
		if (len + tl + 2 > cap) {
			char *nb;

			cap = 2 * cap + tl;
			nb = realloc(out, cap);
			if (!nb) {
				free(out);
				return NULL;
			}
			out = nb;
		}
		memcpy(out + len, text, tl);
		len += tl;
		out[len++] = '\n';
		out[len] = '\0';
	}
	return out;
}

/*
 * The number in the last line of @log that reads @prefix, a number, then
 * @suffix; with @whole, @suffix must end the line. -ENOMSG if none does.
 */
static long long lq_log_number(const char *log, const char *prefix, const char *suffix,
			       bool whole)
{
	long long found = -ENOMSG;

	for (const char *p = log; (p = strstr(p, prefix)); ) {
		const char *eol;
		char *end;
		long long n;

		p += strlen(prefix);
		if (*p < '0' || *p > '9')
			continue;
		n = strtoll(p, &end, 10);
		if (strncmp(end, suffix, strlen(suffix)))
			continue;
		eol = strchr(end, '\n');
		if (!whole || end + strlen(suffix) == (eol ? eol : end + strlen(end)))
			found = n;
	}
	return found;
}

long long lq_probes_off_held(const char *log)
{
	return lq_log_number(log, LQ_PROBES_OFF_MSG, LQ_PROBES_OFF_HELD, true);
}

long long lq_accept_missed(const char *log)
{
	return lq_log_number(log, LQ_ACCEPT_MISSED_MSG, " calls missed: ", false);
}

/* @line (up to its newline) is exactly @msg */
static bool lq_line_is(const char *line, const char *msg)
{
	size_t n = strlen(msg);

	return !strncmp(line, msg, n) && (line[n] == '\n' || !line[n]);
}

int lq_expired_way(const char *log)
{
	int way = -ENOMSG;

	for (const char *p = log; *p; ) {
		const char *eol = strchr(p, '\n'), *err;
		char *end;

		if (lq_line_is(p, LQ_EXPIRED_COUNTED_MSG)) {
			way = LQ_EXPIRED_COUNTED;
		} else if (!strncmp(p, LQ_EXPIRED_NONE_MSG, strlen(LQ_EXPIRED_NONE_MSG))) {
			/* then the error, a negative number, and the end of the line */
			err = p + strlen(LQ_EXPIRED_NONE_MSG);
			if (strtol(err, &end, 10) < 0 && end != err &&
			    lq_line_is(end, LQ_EXPIRED_NONE_END))
				way = LQ_EXPIRED_NONE;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return way;
}

static bool lq_hex_at(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

const char *lq_find_kernel_pointer(const char *text)
{
	for (const char *p = text; *p; p++) {
		bool start = p == text || !isxdigit((unsigned char)p[-1]);

		if (!start)
			continue;
		if (!strncasecmp(p, "ffff", 4) && lq_hex_at(p, 16))
			return p;
		if (!strncmp(p, "0000", 4) && lq_hex_at(p, 16) && !isxdigit((unsigned char)p[16]))
			return p;
	}
	return NULL;
}
