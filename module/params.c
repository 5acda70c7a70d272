// SPDX-License-Identifier: GPL-2.0
/*
 * The module parameters, and switching the probes on and off.
 *
 * Every parameter is set under the module's parameter lock, by the kernel
 * (load time, sysfs writes) or by lq_params_init()/lq_params_exit(): the
 * probes go on and off serialized by it. A refused value gets -EINVAL and
 * a line in the log that says why.
 */
#include <linux/moduleparam.h>

#include "listenq.h"

static bool lq_ready;			/* module_init done: probes may change */
static bool lq_probes;
static unsigned int lq_max_listeners = 16384;

/* The probe values beyond the drop reasons and the backlog, for the log. */
static const struct {
	unsigned long bit;
	const char *what;
} lq_extras[] = {
	{ LQ_HAVE_SYN_PEAK, "syn_q_peak" },
	{ LQ_HAVE_ACC_PEAK, "acc_q_peak" },
	{ LQ_HAVE_SYNACK_RETRANS, "synack_retrans" },
	{ LQ_HAVE_SYN_FILL, "the SYN queue's fill at arrival (syn_fill_*)" },
	{ LQ_HAVE_ACC_FILL, "the accept queue's fill at arrival (acc_fill_*)" },
	{ LQ_HAVE_WAIT, "the wait for accept() (wait_*)" },
};

/*
 * Records first, so that the first hooked call has one; hooks and kprobes
 * then register what the kernel has. Under the parameter lock.
 */
static int lq_probes_enable(void)
{
	bool nomem = false;
	unsigned long have, missing;
	int err;

	BUILD_BUG_ON(LQ_HAVE_ALL != (GENMASK(LQ_NR_REASONS - 1, 0) | LQ_HAVE_BACKLOG |
				     LQ_HAVE_SYN_PEAK | LQ_HAVE_ACC_PEAK | LQ_HAVE_SYNACK_RETRANS |
				     LQ_HAVE_SYN_FILL | LQ_HAVE_ACC_FILL | LQ_HAVE_WAIT));
	err = lq_records_create(lq_max_listeners);
	if (err) {
		pr_err("probes: no memory for the records of %u listeners\n", lq_max_listeners);
		return err;
	}
	lq_late_start();
	/* The hooks first: kprobes.c probes accept() only if hooks.c could not. */
	missing = lq_hooks_register(&nomem);
	missing |= lq_kprobes_register(&nomem);
	have = LQ_HAVE_ALL & ~missing;
	/* Not what this kernel lacks: refused, so that the next try gets all. */
	if (nomem) {
		pr_err("probes: no memory to hook the kernel\n");
		err = -ENOMEM;
	} else if (!(have & ~LQ_HAVE_BACKLOG)) {
		pr_err("probes: cannot follow listeners on this kernel\n");
		err = -EOPNOTSUPP;
	} else if (lq_records_set_available(have)) {
		pr_err("probes: no memory for the records of the listeners\n");
		err = -ENOMEM;
	}
	if (err) {
		lq_hooks_unregister();
		lq_kprobes_unregister();
		lq_late_stop();
		lq_records_destroy();
		return err;
	}
	for (err = 0; err < LQ_NR_REASONS; err++)
		if (!(have & BIT(err)))
			pr_warn("%s is not available on this kernel\n",
				lq_column_name(LQ_COL_DROP_SYNQ + err));
	if (!(have & LQ_HAVE_BACKLOG))
		pr_warn("the backlog asked of listen() is not available on this kernel\n");
	for (err = 0; err < ARRAY_SIZE(lq_extras); err++)
		if (!(have & lq_extras[err].bit))
			pr_warn("%s is not available on this kernel\n", lq_extras[err].what);
	return 0;
}

/* Unhook first: nothing can claim a record when the table goes. */
static void lq_probes_disable(void)
{
	lq_hooks_unregister();
	lq_kprobes_unregister();
	lq_late_stop();
	lq_records_destroy();
}

/* A refused value as the log shows it: sysfs writes end in a newline. */
static int lq_val_len(const char *val)
{
	return min_t(size_t, strcspn(val, "\n"), 64);
}

static int lq_set_probes(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err) {
		pr_err("probes=%.*s: expected 0 or 1 (or n/y, off/on)\n", lq_val_len(val), val);
		return err;
	}
	if (lq_ready && on && !lq_probes) {
		err = lq_probes_enable();
		if (err)
			return err;
	} else if (lq_ready && !on && lq_probes) {
		lq_probes_disable();
	}
	lq_probes = on;
	return 0;
}

static const struct kernel_param_ops lq_probes_ops = {
	.set = lq_set_probes,
	.get = param_get_bool,
};
module_param_cb(probes, &lq_probes_ops, &lq_probes, 0644);
MODULE_PARM_DESC(probes, "Count drops per listener and reason (0: off, 1: on)");

#define LQ_DROP_LOG_MAX	1000

static int lq_set_drop_log(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n > LQ_DROP_LOG_MAX) {
		pr_err("drop_log=%.*s: expected 0 (off) to %u lines per second\n",
		       lq_val_len(val), val, LQ_DROP_LOG_MAX);
		return -EINVAL;
	}
	lq_drop_log_set_rate(n);
	return 0;
}

static const struct kernel_param_ops lq_drop_log_ops = {
	.set = lq_set_drop_log,
	.get = param_get_uint,
};
module_param_cb(drop_log, &lq_drop_log_ops, &lq_drop_log, 0644);
MODULE_PARM_DESC(drop_log, "Log each drop, at most this many lines per second (0: off, max 1000)");

#define LQ_MAX_LISTENERS_MAX	(1024 * 1024)

static int lq_set_max_listeners(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || !n || n > LQ_MAX_LISTENERS_MAX) {
		pr_err("max_listeners=%.*s: expected 1 to %u\n", lq_val_len(val), val,
		       LQ_MAX_LISTENERS_MAX);
		return -EINVAL;
	}
	lq_max_listeners = n;
	return 0;
}

static const struct kernel_param_ops lq_max_listeners_ops = {
	.set = lq_set_max_listeners,
	.get = param_get_uint,
};
module_param_cb(max_listeners, &lq_max_listeners_ops, &lq_max_listeners, 0444);
MODULE_PARM_DESC(max_listeners, "Listeners whose drops probes can count (1 to 1048576, default 16384)");

/* Switch probes on if the load asked for them; from then on, sysfs may. */
int lq_params_init(void)
{
	int err = 0;

	lq_windows_init();
	lq_drop_log_init();
	kernel_param_lock(THIS_MODULE);
	if (lq_probes)
		err = lq_probes_enable();
	if (!err)
		lq_ready = true;
	kernel_param_unlock(THIS_MODULE);
	return err;
}

void lq_params_exit(void)
{
	kernel_param_lock(THIS_MODULE);
	lq_ready = false;
	if (lq_probes)
		lq_probes_disable();
	kernel_param_unlock(THIS_MODULE);
}
