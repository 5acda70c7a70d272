// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the listenq test guest (built with gcc -static).
 *
 * It prepares the machine, runs /selftests/qemu/run.sh with stdout on the
 * result port (ttyS1, raw) and always powers off: if PID 1 exits the kernel
 * panics, and a hang would only end at the host timeout. The host reads the
 * result port and treats a missing "# listenq-qemu: end" line as a crash.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define RESULT_FD	3
#define RESULT_PORT	"/dev/ttyS1"
#define ENV_FILE	"/etc/listenq-test.env"
#define RUNNER		"/selftests/qemu/run.sh"

static char kver[256];		/* expected `uname -r`, from ENV_FILE */
static unsigned int guest_timeout = 240;

static void __attribute__((noreturn)) poweroff(void)
{
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/* Report on the console and, once it is open, on the result port too. */
static void __attribute__((noreturn)) bail(const char *what)
{
	const char *err = strerror(errno);

	dprintf(2, "listenq-init: %s: %s\n", what, err);
	dprintf(RESULT_FD, "Bail out! %s: %s\n", what, err);
	poweroff();
}

static void mount_filesystems(void)
{
	static const struct { const char *src, *dst, *type; } fs[] = {
		{ "proc", "/proc", "proc" },
		{ "sysfs", "/sys", "sysfs" },
		{ "devtmpfs", "/dev", "devtmpfs" },
		{ "tmpfs", "/tmp", "tmpfs" },
		{ "tmpfs", "/run", "tmpfs" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		mkdir(fs[i].dst, 0755);
		if (mount(fs[i].src, fs[i].dst, fs[i].type, 0, NULL))
			bail(fs[i].dst);
	}
	/* Optional: only tests that look at debugfs need it. */
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
}

/*
 * The initramfs has no /dev/console node, so the kernel started us without
 * fds 0-2; devtmpfs (mounted above) provides one.
 */
static void ensure_console(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);

	if (fd < 0)
		poweroff();
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	setenv("PATH", "/sbin:/usr/sbin:/bin:/usr/bin", 1);
	setenv("HOME", "/root", 1);
}

/* Raw mode: the tty layer would otherwise turn "\n" into "\r\n". */
static void open_results(void)
{
	struct termios t;
	int fd = open(RESULT_PORT, O_WRONLY | O_NOCTTY);

	if (fd < 0)
		bail("open " RESULT_PORT);
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	if (dup2(fd, RESULT_FD) < 0)
		bail("dup2 " RESULT_PORT);
	if (fd != RESULT_FD)
		close(fd);
}

/* ENV_FILE is shell syntax, KEY='value'; we only need two keys. */
static void read_env(void)
{
	char line[512], *val;
	FILE *f = fopen(ENV_FILE, "r");

	if (!f)
		bail("open " ENV_FILE);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		val = strchr(line, '=');
		if (!val)
			continue;
		*val++ = '\0';
		if (*val == '\'') {
			val++;
			val[strcspn(val, "'")] = '\0';
		}
		if (!strcmp(line, "LQ_KVER"))
			snprintf(kver, sizeof(kver), "%s", val);
		else if (!strcmp(line, "LQ_GUEST_TIMEOUT"))
			guest_timeout = strtoul(val, NULL, 10);
	}
	fclose(f);
}

/* Only async-signal-safe calls in here. */
static void watchdog(int sig)
{
	static const char msg[] = "Bail out! guest watchdog\n";

	(void)sig;
	(void)!write(RESULT_FD, msg, sizeof(msg) - 1);
	(void)!write(2, msg, sizeof(msg) - 1);
	poweroff();
}

static void arm_watchdog(void)
{
	struct sigaction sa = { .sa_handler = watchdog };

	sigaction(SIGALRM, &sa, NULL);
	alarm(guest_timeout);
}

/* A payload built for one kernel must never be judged on another. */
static void check_release(void)
{
	struct utsname u;

	uname(&u);
	dprintf(2, "listenq-init: kernel %s, watchdog %us\n", u.release, guest_timeout);
	if (strcmp(u.release, kver)) {
		dprintf(2, "listenq-init: expected kernel %s\n", kver);
		dprintf(RESULT_FD, "Bail out! kernel %s, expected %s\n", u.release, kver);
		poweroff();
	}
}

/* PID 1 inherits every orphan, so reap them all until the runner is done. */
static int run_tests(void)
{
	int status;
	pid_t pid, runner = fork();

	if (runner < 0)
		bail("fork");
	if (runner == 0) {
		dup2(RESULT_FD, 1);
		close(RESULT_FD);
		execl("/bin/sh", "sh", RUNNER, (char *)NULL);
		_exit(127);
	}
	for (;;) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0 && errno != EINTR)
			bail("waitpid");
		if (pid == runner)
			break;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static void __attribute__((noreturn)) finish(int rc)
{
	dprintf(RESULT_FD, "# listenq-qemu: end rc=%d\n", rc);
	dprintf(2, "listenq-init: done, rc=%d, powering off\n", rc);
	poweroff();
}

int main(void)
{
	mount_filesystems();
	ensure_console();
	open_results();
	read_env();
	arm_watchdog();
	check_release();
	finish(run_tests());
}
