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

#include "listenq.h"

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

/*
 * Names: a process sets its own comm (prctl(PR_SET_NAME)), whoever creates
 * a cgroup or an ip netns file chooses its name, and any byte but '/' and
 * NUL may be in them. The table and explain escape, one character at a
 * time, what could move the cursor, colour the terminal or split a line:
 * C0 controls, DEL, the C1 controls U+0080..U+009F (U+009B is CSI, as
 * ESC [ is, to many terminals) and every byte that is not UTF-8, each
 * byte as \xNN. '\' becomes \\, so that the form reads back to the exact
 * bytes; printable UTF-8 stays as it is.
 */

/* @s's first character escaped into @out; the bytes of @s it stands for. */
static size_t lq_name_char(const char *s, bool quote, char out[9])
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = lq_utf8_len(s);

	if (!n || u[0] < 0x20 || u[0] == 0x7f) {
		snprintf(out, 9, "\\x%02x", u[0]);
		return 1;
	}
	if (n == 2 && u[0] == 0xc2 && u[1] < 0xa0) {
		snprintf(out, 9, "\\x%02x\\x%02x", u[0], u[1]);
		return 2;
	}
	if (u[0] == '\\' || (quote && u[0] == '"')) {
		out[0] = '\\';
		out[1] = (char)u[0];
		out[2] = '\0';
		return 1;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return n;
}

/* @s escaped into @buf; a name that does not fit ends at a whole character. */
char *lq_name_escape(char *buf, size_t len, const char *s, bool quote)
{
	size_t used = 0, m;
	char one[9];

	if (!len)
		return buf;
	buf[0] = '\0';
	while (*s) {
		s += lq_name_char(s, quote, one);
		m = strlen(one);
		if (used + m >= len)
			break;
		memcpy(buf + used, one, m + 1);
		used += m;
	}
	return buf;
}

void lq_name_fputs(FILE *f, const char *s, bool quote)
{
	char one[9];

	while (*s) {
		s += lq_name_char(s, quote, one);
		fputs(one, f);
	}
}

/* The columns @s takes: one per character, one per byte that is not UTF-8. */
size_t lq_text_width(const char *s)
{
	size_t w = 0, n;

	for (; *s; s += n ? n : 1, w++)
		n = lq_utf8_len(s);
	return w;
}
