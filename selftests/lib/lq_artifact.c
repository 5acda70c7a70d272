// SPDX-License-Identifier: GPL-2.0
/*
 * Artifact blocks on the guest's ttyS2. See lq_artifact.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "lq_artifact.h"

int lq_artifact_open(void)
{
	const char *path = getenv("LQ_ARTIFACT_PORT");
	struct termios t;
	int fd;

	if (!path || !*path)
		path = LQ_ARTIFACT_PORT;
	fd = open(path, O_WRONLY | O_NOCTTY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (isatty(fd) && tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		if (tcsetattr(fd, TCSANOW, &t)) {
			int err = -errno;

			close(fd);
			return err;
		}
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

int lq_artifact_write(int fd, const char *name, const char *content, size_t len)
{
	char line[256];
	int ret;

	snprintf(line, sizeof(line), "--- listenq-artifact %s\n", name);
	ret = write_all(fd, line, strlen(line));
	if (!ret)
		ret = write_all(fd, content, len);
	if (!ret && (!len || content[len - 1] != '\n'))
		ret = write_all(fd, "\n", 1);
	snprintf(line, sizeof(line), "--- end %s\n", name);
	if (!ret)
		ret = write_all(fd, line, strlen(line));
	return ret;
}

int lq_artifact_close(int fd)
{
	int ret = 0;

	if (isatty(fd) && tcdrain(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}
