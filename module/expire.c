// SPDX-License-Identifier: GPL-2.0
/*
 * Expired requests: the request timer gave up on a SYN_RECV request after
 * its SYN-ACK retries. kprobes.c registers these handlers as kretprobes.
 */
#include <linux/kprobes.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <net/inet_connection_sock.h>
#include <net/request_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "listenq.h"

/*
 * __inet_csk_reqsk_queue_drop(sk, req, from_timer) returns whether it
 * unlinked the request; reqsk_timer_handler() calls it with from_timer set
 * once the SYN-ACK retries are spent.
 */
/* Every accepted connection comes here too: only the timer's call returns here. */
int lq_expire_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lq_expire_data *d = (void *)ri->data;

	if (!(u8)regs_get_kernel_argument(regs, 2))
		return 1;
	d->sk = (void *)regs_get_kernel_argument(regs, 0);
	lq_req_peer((void *)regs_get_kernel_argument(regs, 1), &d->peer);
	return 0;
}
NOKPROBE_SYMBOL(lq_expire_entry);

int lq_expire_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lq_expire_data *d = (void *)ri->data;

	if ((u8)regs_return_value(regs))
		lq_count_drop(d->sk, LQ_EXPIRED, "expired", &d->peer);
	return 0;
}
NOKPROBE_SYMBOL(lq_expire_return);

/*
 * Where __inet_csk_reqsk_queue_drop() does not exist (5.10.223, and other
 * kernels before "tcp/dccp: Don't use timer_pending() in
 * reqsk_queue_unlink()"), reqsk_timer_handler() drops an expired request
 * with inet_csk_reqsk_queue_drop_and_put(), which the compiler may inline
 * there (5.10.223 does), down to reqsk_queue_unlink(req): true when this
 * call unlinked the request. So: reqsk_timer_handler(&req->rsk_timer)
 * marks its request on this CPU while it runs (softirq: nothing else of
 * this CPU runs in between), and a reqsk_queue_unlink() of that request
 * there, of a listener still listening, that returns true is an expiry.
 * Handshakes that complete call reqsk_queue_unlink() too, and return at
 * its entry.
 */
static DEFINE_PER_CPU(const struct request_sock *, lq_timer_req);

/* No request of an earlier registration is marked. */
void lq_timer_reset(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		per_cpu(lq_timer_req, cpu) = NULL;
}

int lq_timer_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct timer_list *t = (void *)regs_get_kernel_argument(regs, 0);

	this_cpu_write(lq_timer_req, container_of(t, struct request_sock, rsk_timer));
	return 0;
}
NOKPROBE_SYMBOL(lq_timer_entry);

int lq_timer_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	this_cpu_write(lq_timer_req, NULL);
	return 0;
}
NOKPROBE_SYMBOL(lq_timer_return);

int lq_unlink_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lq_expire_data *d = (void *)ri->data;
	const struct request_sock *req = (void *)regs_get_kernel_argument(regs, 0);

	if (req != this_cpu_read(lq_timer_req) ||
	    READ_ONCE(req->rsk_listener->sk_state) != TCP_LISTEN)
		return 1;
	d->sk = req->rsk_listener;
	lq_req_peer(req, &d->peer);
	return 0;
}
NOKPROBE_SYMBOL(lq_unlink_entry);
