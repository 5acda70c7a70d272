// SPDX-License-Identifier: GPL-2.0
/*
 * The drop log: one line per drop, with the peer that was refused, at most
 * drop_log lines a second.
 */
#include <linux/kprobes.h>
#include <linux/ratelimit.h>
#include <net/inet_connection_sock.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "records.h"

unsigned int lq_drop_log;		/* lines per second, 0: off */

static struct ratelimit_state lq_log_rs;
static atomic_t lq_log_suppressed = ATOMIC_INIT(0);

void lq_drop_log_init(void)
{
	ratelimit_state_init(&lq_log_rs, HZ, lq_drop_log);
	ratelimit_set_flags(&lq_log_rs, RATELIMIT_MSG_ON_RELEASE);
}

/* The parameter's setter, under the parameter lock. */
void lq_drop_log_set_rate(unsigned int lines)
{
	WRITE_ONCE(lq_log_rs.burst, lines);
	WRITE_ONCE(lq_drop_log, lines);
}

/* The peer of a request, for the drop log. */
void lq_req_peer(const struct request_sock *req, union lq_sockaddr *peer)
{
	const struct inet_request_sock *ireq = inet_rsk(req);

	memset(peer, 0, sizeof(*peer));
#if IS_ENABLED(CONFIG_IPV6)
	if (req->rsk_ops->family == AF_INET6) {
		peer->v6.sin6_family = AF_INET6;
		peer->v6.sin6_port = ireq->ir_rmt_port;
		peer->v6.sin6_addr = ireq->ir_v6_rmt_addr;
		return;
	}
#endif
	peer->v4.sin_family = AF_INET;
	peer->v4.sin_port = ireq->ir_rmt_port;
	peer->v4.sin_addr.s_addr = ireq->ir_rmt_addr;
}
NOKPROBE_SYMBOL(lq_req_peer);

/* The sender of a SYN, for the drop log. */
void lq_skb_peer(const struct sk_buff *skb, union lq_sockaddr *peer)
{
	memset(peer, 0, sizeof(*peer));
#if IS_ENABLED(CONFIG_IPV6)
	if (skb->protocol == htons(ETH_P_IPV6)) {
		peer->v6.sin6_family = AF_INET6;
		peer->v6.sin6_port = tcp_hdr(skb)->source;
		peer->v6.sin6_addr = ipv6_hdr(skb)->saddr;
		return;
	}
#endif
	peer->v4.sin_family = AF_INET;
	peer->v4.sin_port = tcp_hdr(skb)->source;
	peer->v4.sin_addr.s_addr = ip_hdr(skb)->saddr;
}

/*
 * One line per drop, at most drop_log a second; the next says how many it
 * skipped. Out of line (records.h): its frame would cost every drop.
 */
void lq_log(const struct sock *sk, enum lq_reason why, const char *action,
	    const union lq_sockaddr *peer)
{
	const struct lq_rules *rules = lq_kernel_rules();
	u32 acc_max = READ_ONCE(sk->sk_max_ack_backlog);
	struct net *net = sock_net(sk);
	union lq_sockaddr local;
	struct lq_conf conf;
	char more[32] = "";
	int skipped;

	if (!__ratelimit(&lq_log_rs)) {
		atomic_inc(&lq_log_suppressed);
		return;
	}
	skipped = atomic_xchg(&lq_log_suppressed, 0);
	if (skipped)
		snprintf(more, sizeof(more), " (+%d suppressed)", skipped);

	lq_read_conf(net, &conf);
	lq_sk_sockaddr(sk, &local);
	pr_info("ns %u listener %pISpc peer %pISpc %s %s syn_q %d/%llu acc_q %u/%llu%s\n",
		net->ns.inum, &local, peer, lq_column_name(LQ_COL_DROP_SYNQ + why), action,
		inet_csk_reqsk_queue_len(sk),
		lq_syn_cap(rules, acc_max, 0, conf.max_syn_backlog, conf.syncookies, NULL),
		READ_ONCE(sk->sk_ack_backlog),
		lq_acc_cap(rules, acc_max, 0, conf.max_syn_backlog, conf.syncookies), more);
}

