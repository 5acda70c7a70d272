// SPDX-License-Identifier: GPL-2.0
/*
 * Running a command and keeping its output. See lq_exec.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lq_exec.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Append what fd has to *buf; false at EOF or on error. */
static int drain(int fd, char **buf, size_t *len)
{
	char tmp[16384];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0)
		return 0;
	if (*len + n > LQ_EXEC_OUT_MAX)
		n = LQ_EXEC_OUT_MAX - *len;
	if (n > 0) {
		char *p = realloc(*buf, *len + n + 1);

		if (!p)
			return 0;
		memcpy(p + *len, tmp, n);
		*len += n;
		p[*len] = '\0';
		*buf = p;
	}
	return 1;
}

int lq_exec_run(struct lq_exec *r, char *const argv[], int uid, int timeout_ms)
{
	int op[2], ep[2], status = 0, open_fds = 2;
	long long deadline = now_ms() + timeout_ms;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	r->status = -ENOMEM;
	if (!r->out || !r->err)
		return r->status;
	if (pipe2(op, O_CLOEXEC))
		return r->status = -errno;
	if (pipe2(ep, O_CLOEXEC)) {
		r->status = -errno;
		close(op[0]);
		close(op[1]);
		return r->status;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r->status = -errno;
		close(op[0]);
		close(op[1]);
		close(ep[0]);
		close(ep[1]);
		return r->status;
	}
	if (!pid) {
		dup2(op[1], 1);
		dup2(ep[1], 2);
		if (uid >= 0 && (setgroups(0, NULL) || setgid(uid) || setuid(uid))) {
			dprintf(2, "lq_exec: cannot become uid %d: %s\n", uid, strerror(errno));
			_exit(126);
		}
		unsetenv("NO_COLOR");
		execv(argv[0], argv);
		dprintf(2, "lq_exec: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(op[1]);
	close(ep[1]);
	struct pollfd pfd[2] = { { .fd = op[0], .events = POLLIN }, { .fd = ep[0], .events = POLLIN } };

	while (open_fds) {
		int left = (int)(deadline - now_ms()), ret;

		if (left <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		ret = poll(pfd, 2, left);
		if (ret < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2 && ret > 0; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			if (!drain(pfd[i].fd, i ? &r->err : &r->out, i ? &r->err_len : &r->out_len)) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return r->status;
}

void lq_exec_free(struct lq_exec *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

void lq_exec_line(char *const argv[], char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; argv[i] && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? " " : "", argv[i]);
}

const char *lq_listenq_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("LISTENQ_BIN");
	char *slash;

	if (path[0])
		return path;
	if (env && *env) {
		snprintf(path, sizeof(path), "%s", env);
		return path;
	}
	snprintf(path, sizeof(path), "%s", program_invocation_name);
	slash = strrchr(path, '/');
	if (slash) {
		snprintf(slash + 1, sizeof(path) - (size_t)(slash + 1 - path), "listenq");
		if (access(path, X_OK) == 0)
			return path;
	}
	snprintf(path, sizeof(path), "%s", LQ_LISTENQ_DEFAULT);
	return path;
}

int lq_listenq(struct lq_exec *r, int uid, ...)
{
	char *argv[32] = { (char *)lq_listenq_path() };
	va_list ap;
	int n = 1;

	va_start(ap, uid);
	while (n < 31 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return lq_exec_run(r, argv, uid, LQ_LISTENQ_RUN_MS);
}
