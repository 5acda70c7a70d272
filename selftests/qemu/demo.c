// SPDX-License-Identifier: GPL-2.0
/*
 * make demo: flood a listener until its SYN and accept queues are full and
 * show, screen by screen, what ss says about it and what listenq says.
 * Runs as root in the QEMU guest, with listenq loaded; boot.sh puts the
 * static listenq in /selftests, iproute2's ss (and its libraries) in
 * /usr/bin, and the kernel's inet_diag and tcp_diag in /demo/modules.
 *
 * Everything happens in a fresh netns with lo up and 198.18.0.0/15 routed
 * to lo: the SYN-ACKs to the fake clients need a route, otherwise the
 * request is freed at once and never sits in the SYN queue.
 *
 * The raw SYNs go first. Once the SYN queue is full new SYNs get
 * syncookies, so the real clients still complete their handshakes and
 * fill the accept queue (BACKLOG + 1 children); after that every client
 * SYN is dropped and retransmitted. Filling the accept queue first would
 * make the listener drop the raw SYNs too.
 *
 * check.sh's demo_check reads this file's numbers (PORT, BACKLOG, ...) and
 * the console: the screens start with "==== ", each command with "$ ".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netutil.h"

#define PORT		8080
#define BACKLOG		8
#define RAW_SYNS	12	/* more than the SYN queue takes */
#define CLIENTS		20	/* more than the accept queue takes (BACKLOG + 1) */
#define FRAMES		4	/* listenq --watch frames, one a second */
#define WAVE		4	/* new clients per frame */
#define WIDTH		100	/* longer output lines are cut, ending in '>' */

#define LISTENQ		"/selftests/listenq"
#define SS		"/usr/bin/ss"
#define MODULES		"/demo/modules"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* unshare + `ip link set lo up` + `ip route add 198.18.0.0/15 dev lo` */
static void setup_netns(void)
{
	int err = lq_netns_enter();

	if (!err)
		err = lq_route_add(AF_INET, LQ_SYN_NET4, LQ_SYN_PREFIX4, "lo");
	if (err) {
		errno = -err;
		die("a network namespace with lo up and 198.18.0.0/15 on lo");
	}
}

/*
 * ss asks the kernel over sock_diag netlink, which needs inet_diag and
 * tcp_diag (modules in Debian's kernels); without them it falls back to
 * /proc/net/tcp, where a listener's Send-Q is 0 instead of its backlog.
 */
static void load_diag_modules(void)
{
	static const char *const mods[] = { "inet_diag.ko", "tcp_diag.ko" };
	char path[256];
	unsigned int i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(mods); i++) {
		snprintf(path, sizeof(path), "%s/%s", MODULES, mods[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST))
			printf("(%s: %s: ss will read /proc/net/tcp, where Send-Q is 0)\n",
			       path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
}

/* A client that connects and then just waits: nobody accept()s it. */
static void client(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0 || (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) &&
		       errno != EINPROGRESS))
		die("connect");
}

/* The listener's accept queue length, as the kernel counts it (TCP_INFO). */
static unsigned int accept_queue(int lfd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(lfd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		die("TCP_INFO");
	return ti.tcpi_unacked;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Prints one line of a command's output, cut at WIDTH with a '>' at the end. */
static void put_line(char *line)
{
	size_t n = strcspn(line, "\n");

	line[n] = '\0';
	if (n > WIDTH) {
		line[WIDTH - 1] = '>';
		line[WIDTH] = '\0';
	}
	puts(line);
}

/*
 * Starts argv[0] with its output on a pipe; returns the pipe's read end and
 * the child in *pid. "$ SHOWN" goes first: the command as a user types it.
 */
static FILE *start(const char *shown, char *const argv[], pid_t *pid)
{
	int p[2];

	printf("$ %s\n", shown);
	fflush(stdout);
	if (pipe(p))
		die("pipe");
	*pid = fork();
	if (*pid < 0)
		die("fork");
	if (*pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execv(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	return fdopen(p[0], "r");
}

static void finish(FILE *f, pid_t pid)
{
	char line[4096];
	int status;

	while (fgets(line, sizeof(line), f))
		put_line(line);
	fclose(f);
	if (waitpid(pid, &status, 0) != pid || (WIFEXITED(status) && !WEXITSTATUS(status)))
		return;
	printf("(exit status %d)\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static void run(const char *shown, char *const argv[])
{
	pid_t pid;
	FILE *f = start(shown, argv, &pid);

	finish(f, pid);
}

static void screen(const char *title, const char *look)
{
	printf("\n==== %s\n%s\n\n", title, look);
}

/* The TcpExt counters that tell the overflow story, from /proc/net/netstat. */
static void listen_counters(void)
{
	char names[4096], values[4096], *n, *v, *sn, *sv;
	FILE *f = fopen("/proc/net/netstat", "r");

	if (!f)
		return;
	printf("The kernel's own counters (nstat -az TcpExt...), this netns:\n ");
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		if (strncmp(names, "TcpExt:", 7))
			continue;
		n = strtok_r(names, " \n", &sn);
		v = strtok_r(values, " \n", &sv);
		while ((n = strtok_r(NULL, " \n", &sn)) && (v = strtok_r(NULL, " \n", &sv)))
			if (!strcmp(n, "ListenOverflows") || !strcmp(n, "ListenDrops") ||
			    !strcmp(n, "TCPReqQFullDoCookies") || !strcmp(n, "TCPReqQFullDrop"))
				printf(" %s %s", n, v);
	}
	printf("\n");
	fclose(f);
}

static char port_str[8];

/* Screen 1: ss and listenq on the flooded listener, one above the other. */
static void screen_compare(void)
{
	char *ss_l[] = { SS, "-ltn", NULL };
	char *ss_syn[] = { SS, "-tn", "state", "syn-recv", NULL };
	char *lq[] = { LISTENQ, NULL };

	printf("\n==== 1/3  What ss says, and what listenq says, about the same listener\n"
	       "ss -ltn: Recv-Q %d is the accept queue (%d connections wait for accept()),\n"
	       "  Send-Q %d the backlog. ss -tn state syn-recv lists the half-open\n"
	       "  connections one by one, but nothing says that the SYN queue is full.\n"
	       "listenq: ACC_Q %d of ACC_CAP %d and SYN_Q at SYN_CAP: both queues are full;\n"
	       "  DROPS counts what this listener threw away; SYN_FULL says what happens to\n"
	       "  the next SYN (cookie: answered with a syncookie). Lines longer than %d\n"
	       "  columns are cut, ending in '>'.\n\n",
	       BACKLOG + 1, BACKLOG + 1, BACKLOG, BACKLOG + 1, BACKLOG + 1, WIDTH);
	run("ss -ltn", ss_l);
	printf("\n");
	run("ss -tn state syn-recv", ss_syn);
	printf("\n");
	run("listenq", lq);
}

/* Screen 2: why the caps are what they are, the drops by reason, advice. */
static void screen_explain(void)
{
	char *ex[] = { LISTENQ, "explain", port_str, NULL };
	char shown[64];

	snprintf(shown, sizeof(shown), "listenq explain %s", port_str);
	screen("2/3  listenq explain: where each cap comes from, drops by reason, what to change",
	       "Read each queue's \"N of CAP\" line and the rule under it (the listen()\n"
	       "backlog, net.core.somaxconn, the syncookies setting), then \"why\": the drops\n"
	       "split by the queue that was full.");
	run(shown, ex);
}

/*
 * Screen 3: the listener accepts its waiting connections, then new clients
 * arrive, WAVE per frame, while listenq --watch redraws once a second.
 */
static void screen_watch(int lfd, const struct sockaddr_in *addr)
{
	char interval[] = "--watch=1", count[16];
	char *w[] = { LISTENQ, interval, count, NULL };
	char shown[64];
	pid_t pid;
	FILE *f;
	int fd, i, k, accepted = 0;

	snprintf(count, sizeof(count), "--count=%d", FRAMES);
	snprintf(shown, sizeof(shown), "listenq %s %s", interval, count);
	/* Only the connections waiting now: the next accept() must not block. */
	if (fcntl(lfd, F_SETFL, O_NONBLOCK))
		die("O_NONBLOCK");
	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		close(fd);
		accepted++;
	}
	printf("\n==== 3/3  listenq --watch: the queues fill up again\n"
	       "The server just accept()ed its %d waiting connections; now %d new clients\n"
	       "arrive each second, and the old ones retry. Watch ACC_Q climb back to its cap\n"
	       "(dACC: the change since the last frame), then DROPS climb (dDROPS) while\n"
	       "SYN_Q stays full.\n\n",
	       accepted, WAVE);
	f = start(shown, w, &pid);
	/* Frame k is drawn at about k seconds: a wave between two frames. */
	for (k = 1; k < FRAMES; k++) {
		sleep_ms(k == 1 ? 500 : 1000);
		for (i = 0; i < WAVE; i++)
			client(addr);
	}
	finish(f, pid);
}

int main(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int one = 1, lfd, raw, err, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(port_str, sizeof(port_str), "%d", PORT);
	load_diag_modules();
	setup_netns();
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, BACKLOG))
		die("listen 127.0.0.1:8080");

	printf("\n==== listenq demo\n"
	       "A server listens on 127.0.0.1:%d with listen(fd, %d), in a network namespace\n"
	       "of its own. It gets %d SYNs from addresses that never answer (a SYN flood:\n"
	       "they wait in the SYN queue), then %d real clients, which it never accept()s\n"
	       "(they wait in the accept queue, or are dropped and retry).\n",
	       PORT, BACKLOG, RAW_SYNS, CLIENTS);

	/* From 198.18.0.1 on, one source address each: nobody will ever answer them. */
	raw = lq_raw_socket(AF_INET);
	err = raw < 0 ? raw : lq_send_syns(raw, AF_INET, "127.0.0.1", PORT, 0, RAW_SYNS);
	if (err != RAW_SYNS) {
		errno = -err;
		die("raw SYNs");
	}
	for (i = 0; i < CLIENTS; i++)
		client(&addr);
	/* Loopback handshakes complete in softirq context; give them 5s at most. */
	for (i = 0; i < 50 && accept_queue(lfd) < BACKLOG + 1; i++)
		sleep_ms(100);

	screen_compare();
	screen_explain();
	screen_watch(lfd, &addr);
	printf("\n");
	listen_counters();
	printf("\n==== end of the demo\n");
	return 0;
}
