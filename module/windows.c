// SPDX-License-Identifier: GPL-2.0
/*
 * The per-CPU windows of windows.h: their flush work, closing them before
 * a read, and switching them on and off with the hooks.
 */
#include <linux/cpu.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "windows.h"

DEFINE_PER_CPU(struct lq_window, lq_windows);

/*
 * Written under lq_sync_lock, so that no read queues a flush after
 * lq_windows_stop() cancelled them.
 */
bool lq_windows_live;
static DEFINE_MUTEX(lq_sync_lock);

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

/**
 * lq_windows_sync() - account every CPU's last call before a read
 *
 * So that a reader sees every drop the kernel counted before the read
 * began. Sleeps; a no-op while probes are off.
 */
void lq_windows_sync(void)
{
	int cpu;

	mutex_lock(&lq_sync_lock);
	if (lq_windows_live) {
		cpus_read_lock();
		for_each_online_cpu(cpu) {
			struct lq_window *w = per_cpu_ptr(&lq_windows, cpu);

			if (READ_ONCE(w->sk))
				mod_delayed_work_on(cpu, lq_percpu_wq, &w->flush, 0);
		}
		for_each_online_cpu(cpu)
			flush_delayed_work(&per_cpu_ptr(&lq_windows, cpu)->flush);
		cpus_read_unlock();
	}
	mutex_unlock(&lq_sync_lock);
}

/* Let windows open: the hooks are about to be registered. */
void lq_windows_start(void)
{
	mutex_lock(&lq_sync_lock);
	WRITE_ONCE(lq_windows_live, true);
	mutex_unlock(&lq_sync_lock);
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

	mutex_lock(&lq_sync_lock);
	WRITE_ONCE(lq_windows_live, false);
	mutex_unlock(&lq_sync_lock);
	/* Hooks run with BH or preemption off: all now see windows shut. */
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
