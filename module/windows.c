// SPDX-License-Identifier: GPL-2.0
/*
 * The per-CPU windows of windows.h: their flush work, closing them before
 * a read, and switching them on and off with the hooks.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "windows.h"

DEFINE_PER_CPU(struct lq_window, lq_windows);

/* Whether windows may open, and readers queue flushes (lq_windows_stop()). */
bool lq_windows_live;

static void lq_flush_work(struct work_struct *work)
{
	struct lq_window *w = container_of(to_delayed_work(work), struct lq_window, flush);

	local_bh_disable();
	/* A work of an offline CPU may run elsewhere: those counters are not ours. */
	if (w == this_cpu_ptr(&lq_windows))
		lq_close(w);
	local_bh_enable();
}

void lq_windows_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		INIT_DELAYED_WORK(&per_cpu_ptr(&lq_windows, cpu)->flush, lq_flush_work);
}

/*
 * Whether @w names a listener of @net. Under rcu_read_lock(): listeners are
 * freed a grace period after lq_windows_forget() cleared their windows
 * (SOCK_RCU_FREE), so the socket read here stays valid until the unlock.
 */
static bool lq_window_in(const struct lq_window *w, const struct net *net)
{
	const struct sock *sk = READ_ONCE(w->sk);

	return sk && net_eq(sock_net(sk), net);
}

/*
 * Queue the flush of each window of @net open on an online CPU, and note
 * its CPU in @queued, if any.
 */
static void lq_windows_queue(const struct net *net, struct cpumask *queued)
{
	int cpu;

	rcu_read_lock();
	/* lq_windows_stop() cancels a grace period after windows go off. */
	if (READ_ONCE(lq_windows_live)) {
		for_each_online_cpu(cpu) {
			struct lq_window *w = per_cpu_ptr(&lq_windows, cpu);

			if (lq_window_in(w, net)) {
				mod_delayed_work_on(cpu, lq_percpu_wq, &w->flush, 0);
				if (queued)
					cpumask_set_cpu(cpu, queued);
			}
		}
	}
	rcu_read_unlock();
}

/**
 * lq_windows_sync() - account the last call of each CPU in a namespace
 * @net: the reader's namespace
 *
 * So that a reader sees every drop the kernel counted in @net before the
 * read began. Only windows that name a listener of @net are closed, each on
 * its own CPU; a reader whose namespace has none open does no work and
 * takes no lock. Sleeps.
 */
void lq_windows_sync(const struct net *net)
{
	cpumask_var_t queued;
	bool open = false, mask;
	int cpu;

	rcu_read_lock();
	for_each_online_cpu(cpu) {
		if (lq_window_in(per_cpu_ptr(&lq_windows, cpu), net)) {
			open = true;
			break;
		}
	}
	rcu_read_unlock();
	if (!open)
		return;

	/* Without memory for the mask, wait for every CPU's: slower, as exact. */
	mask = zalloc_cpumask_var(&queued, GFP_KERNEL | __GFP_NOWARN);
	/* Keeps each flush on the CPU whose counters it reads (lq_flush_work()). */
	cpus_read_lock();
	lq_windows_queue(net, mask ? queued : NULL);
	for_each_online_cpu(cpu)
		if (!mask || cpumask_test_cpu(cpu, queued))
			flush_delayed_work(&per_cpu_ptr(&lq_windows, cpu)->flush);
	cpus_read_unlock();
	if (mask)
		free_cpumask_var(queued);
}

/* Let windows open: the hooks are about to be registered. */
void lq_windows_start(void)
{
	WRITE_ONCE(lq_windows_live, true);
}

/**
 * lq_windows_stop() - no window opens from now on, and none is open
 *
 * Windows stop opening first, while the listen-stop hook still runs; then
 * no window names a listener and no flush is pending when the hooks go.
 * Their last drops go uncounted with the records they would have been
 * counted in. Sleeps.
 */
void lq_windows_stop(void)
{
	int cpu;

	WRITE_ONCE(lq_windows_live, false);
	/*
	 * Hooks run with BH or preemption off, readers queue flushes under
	 * rcu_read_lock(): all now see windows shut, and none queues again.
	 */
	synchronize_rcu();
	for_each_possible_cpu(cpu) {
		struct lq_window *w = per_cpu_ptr(&lq_windows, cpu);

		cancel_delayed_work_sync(&w->flush);
		WRITE_ONCE(w->sk, NULL);
	}
}

/*
 * @sk left TCP_LISTEN and its record is about to be released: close the
 * windows that still name it. Process context, any CPU.
 */
void lq_windows_forget(const struct sock *sk)
{
	int cpu;

	smp_mb();	/* the state change before the windows: see lq_open() */
	for_each_possible_cpu(cpu) {
		struct lq_window *w = per_cpu_ptr(&lq_windows, cpu);

		if (READ_ONCE(w->sk) == sk)
			cmpxchg(&w->sk, sk, NULL);
	}
}
