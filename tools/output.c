// SPDX-License-Identifier: GPL-2.0
/*
 * -o FILE: the output replaces FILE in one step, so that a reader (the
 * node_exporter textfile collector, every scrape) sees the old file or the
 * new one, never half of one. Standard output goes to a temporary file in
 * FILE's directory (rename() does not cross file systems), which is
 * synced, given mode 0644 whatever the umask (node_exporter runs as
 * another user) and renamed over FILE. On any failure, of listenq or of
 * the write, FILE stays as it was and the temporary file is removed.
 *
 * The temporary name starts with a dot and does not end in .prom: the
 * textfile collector reads *.prom files only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "util.h"

/* FILE's directory, "." for a bare name, into @buf; its base name in *@base. */
static void lq_output_dir(const char *path, char *buf, size_t len, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		snprintf(buf, len, ".");
		*base = path;
	} else if (slash == path) {
		snprintf(buf, len, "/");
		*base = slash + 1;
	} else {
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
		*base = slash + 1;
	}
}

/* Standard output to a temporary file next to @path; -1: reported. */
int lq_output_open(struct lq_output *out, const char *path)
{
	char dir[LQ_PATH_LEN];
	const char *base;
	int fd, err;

	out->path = path;
	out->tmp[0] = '\0';
	lq_output_dir(path, dir, sizeof(dir), &base);
	if (!*base) {
		lq_err("cannot write '%s': not a file name", path);
		return -1;
	}
	if ((size_t)snprintf(out->tmp, sizeof(out->tmp), "%s/.%s.XXXXXX", dir, base) >=
	    sizeof(out->tmp)) {
		out->tmp[0] = '\0';
		lq_err("cannot write %s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	fd = mkstemp(out->tmp);
	if (fd < 0) {
		err = errno;
		out->tmp[0] = '\0';
		lq_err("cannot write %s: a temporary file in %s: %s", path, dir, strerror(err));
		return -1;
	}
	if (fchmod(fd, 0644) || dup2(fd, STDOUT_FILENO) < 0) {
		err = errno;
		close(fd);
		unlink(out->tmp);
		out->tmp[0] = '\0';
		lq_err("cannot write %s: %s", path, strerror(err));
		return -1;
	}
	close(fd);
	return 0;
}

/* The directory's entry for FILE, made durable too; a failure only costs that. */
static void lq_output_sync_dir(const char *path)
{
	char dir[LQ_PATH_LEN];
	const char *base;
	int fd;

	lq_output_dir(path, dir, sizeof(dir), &base);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
 * Ends -o: with @rc 0 and every byte written, the temporary file replaces
 * FILE; otherwise it goes. Returns the exit status.
 */
int lq_output_close(struct lq_output *out, int rc)
{
	const char *what = "write";
	int null, err = 0;

	if (!out->tmp[0])
		return rc;
	errno = 0;
	if (fflush(stdout) || ferror(stdout))
		err = errno ? errno : EIO;
	else if (!rc && fsync(STDOUT_FILENO))
		err = errno, what = "fsync";
	else if (!rc && rename(out->tmp, out->path))
		err = errno, what = "rename";
	if (err || rc)
		unlink(out->tmp);
	/* Nothing more may reach the file, not even at exit. */
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	if (err) {
		/* The temporary file is gone: its random name would only confuse. */
		lq_err("cannot write %s: %s: %s", out->path, what, strerror(err));
		return LQ_EXIT_ERR;
	}
	if (!rc)
		lq_output_sync_dir(out->path);
	out->tmp[0] = '\0';
	return rc;
}
