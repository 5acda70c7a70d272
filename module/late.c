// SPDX-License-Identifier: GPL-2.0
/*
 * A listener's record when listen() found the pool empty: claimed by the
 * task that called listen(), before that call returns to user space, in
 * process context where it may allocate.
 *
 * The probe of listen() runs with preemption off, where PREEMPT_RT forbids
 * even an atomic allocation. It hands the listener to a file made
 * beforehand and puts that file: fput() runs the file's release when the
 * task returns to user space (task_work; a work item if the task is a
 * kernel thread or exiting), and __fput() drops the module reference that
 * the file holds only after the release has returned, so the module cannot
 * go while the release runs. A file of the stock holds no reference: it has
 * the kernel's generic_ro_fops, with no release, until a probe arms it with
 * lq_late_fops.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <net/sock.h>

#include "records.h"

/* Listeners that can wait for their records at once: one slot each. */
#define LQ_LATE_SLOTS	4U

/*
 * A slot's file is in the stock while it has one and is not armed; armed,
 * it is the file's private_data until the file's release.
 */
struct lq_late {
	struct file *file;
	struct sock *sk;		/* held while armed */
	int backlog;
	bool fresh;
	bool armed;
};

static DEFINE_RAW_SPINLOCK(lq_late_lock);
static struct lq_late lq_late[LQ_LATE_SLOTS];
static bool lq_late_open;		/* between lq_late_start() and lq_late_stop() */

/* Under lq_late_lock: a slot that wants a file, or NULL. */
static struct lq_late *lq_late_empty(void)
{
	unsigned int i;

	for (i = 0; lq_late_open && i < LQ_LATE_SLOTS; i++)
		if (!lq_late[i].armed && !lq_late[i].file)
			return &lq_late[i];
	return NULL;
}

/* Process context: a file in every slot that wants one, if the stock is open. */
static void lq_late_fill(void)
{
	struct lq_late *l;
	struct file *f;

	for (;;) {
		raw_spin_lock_irq(&lq_late_lock);
		l = lq_late_empty();
		raw_spin_unlock_irq(&lq_late_lock);
		if (!l)
			return;
		f = anon_inode_getfile("[listenq]", &generic_ro_fops, NULL, O_RDONLY);
		if (IS_ERR(f))
			return;
		raw_spin_lock_irq(&lq_late_lock);
		l = lq_late_empty();
		if (l) {
			l->file = f;
			f = NULL;
		}
		raw_spin_unlock_irq(&lq_late_lock);
		if (f) {
			fput(f);
			return;
		}
	}
}

static int lq_late_release(struct inode *inode, struct file *file)
{
	struct lq_late *l = file->private_data;

	lq_record_listen_late(l->sk, l->fresh, l->backlog);
	sock_put(l->sk);
	raw_spin_lock_irq(&lq_late_lock);
	l->armed = false;
	raw_spin_unlock_irq(&lq_late_lock);
	lq_late_fill();
	return 0;
}

static const struct file_operations lq_late_fops = {
	.owner = THIS_MODULE,
	.release = lq_late_release,
};

/**
 * lq_late_send() - have listen()'s task claim the record of @sk
 * @sk: a listener without a record, the pool empty
 * @fresh: as lq_record_listen()'s
 * @backlog: as lq_record_listen()'s
 *
 * From the probe of listen(), with preemption off.
 *
 * Return: false if the stock is empty (or closed): the caller counts an
 * event lost to an empty pool.
 */
bool lq_late_send(const struct sock *sk, bool fresh, int backlog)
{
	struct lq_late *l = NULL;
	unsigned long flags;
	struct file *f;
	unsigned int i;

	/*
	 * The reference __fput() drops with lq_late_fops, after the release.
	 * None once rmmod has begun: its exit may be about to unhook us.
	 */
	if (!try_module_get(THIS_MODULE))
		return false;
	raw_spin_lock_irqsave(&lq_late_lock, flags);
	for (i = 0; lq_late_open && i < LQ_LATE_SLOTS; i++) {
		if (lq_late[i].file && !lq_late[i].armed) {
			l = &lq_late[i];
			l->armed = true;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&lq_late_lock, flags);
	if (!l) {
		module_put(THIS_MODULE);
		return false;
	}
	f = l->file;
	l->file = NULL;
	l->sk = (struct sock *)sk;
	sock_hold(l->sk);
	l->fresh = fresh;
	l->backlog = backlog;
	f->private_data = l;
	f->f_op = &lq_late_fops;
	fput(f);
	return true;
}
NOKPROBE_SYMBOL(lq_late_send);

/* Probes going on, under the parameter lock: a stock for listen() calls. */
void lq_late_start(void)
{
	raw_spin_lock_irq(&lq_late_lock);
	lq_late_open = true;
	raw_spin_unlock_irq(&lq_late_lock);
	lq_late_fill();
}

/*
 * Probes gone off, under the parameter lock, no probe left to send: the
 * stock put. Files sent already finish on their own: their releases find
 * no table, or the next one, and the module stays until they are done.
 */
void lq_late_stop(void)
{
	struct file *f[LQ_LATE_SLOTS] = { };
	unsigned int i;

	raw_spin_lock_irq(&lq_late_lock);
	lq_late_open = false;
	for (i = 0; i < LQ_LATE_SLOTS; i++) {
		if (!lq_late[i].armed) {
			f[i] = lq_late[i].file;
			lq_late[i].file = NULL;
		}
	}
	raw_spin_unlock_irq(&lq_late_lock);
	for (i = 0; i < LQ_LATE_SLOTS; i++)
		if (f[i])
			fput(f[i]);
}
