// SPDX-License-Identifier: GPL-2.0
/*
 * SYN-ACK retransmits, per listener, from the tcp:tcp_retransmit_synack
 * tracepoint; kprobes.c attaches it with the probes.
 */
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <net/request_sock.h>
#include <net/sock.h>

#include "listenq.h"

/*
 * tcp:tcp_retransmit_synack(sk, req) fires in tcp_rtx_synack() where it
 * counts TCPSynRetrans: a SYN-ACK sent again, by the request timer or for a
 * retransmitted SYN. It is reached by name: tracepoints are not exported
 * one by one.
 */
static void lq_synack_probe(void *data, const struct sock *sk, const struct request_sock *req)
{
	lq_count_event(sk, LQ_C_SYNACK_RETRANS);
}

static struct tracepoint *lq_synack_tp;

static void lq_find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "tcp_retransmit_synack"))
		*(struct tracepoint **)priv = tp;
}

int lq_synack_register(void)
{
	struct tracepoint *tp = NULL;
	int err;

	for_each_kernel_tracepoint(lq_find_tracepoint, &tp);
	if (!tp)
		return -ENOENT;
	err = tracepoint_probe_register(tp, lq_synack_probe, NULL);
	if (!err)
		lq_synack_tp = tp;
	return err;
}

void lq_synack_unregister(void)
{
	if (!lq_synack_tp)
		return;
	tracepoint_probe_unregister(lq_synack_tp, lq_synack_probe, NULL);
	lq_synack_tp = NULL;
	/* No probe runs when the records go. */
	tracepoint_synchronize_unregister();
}
