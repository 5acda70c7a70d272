/* SPDX-License-Identifier: GPL-2.0 */
/* listenq predict: the caps a kernel gives a listener (predict.c). */
#ifndef _LISTENQ_PREDICT_H
#define _LISTENQ_PREDICT_H

#include <stdbool.h>

#include "kernel.h"

struct lq_predict_opts {
	struct lq_kernel_version kernel;
	long long backlog;
	long long somaxconn;
	long long max_syn_backlog;
	long long syncookies;
	bool somaxconn_given, max_syn_given, syncookies_given;
	bool json;
};

int lq_predict(const struct lq_predict_opts *o);

#endif /* _LISTENQ_PREDICT_H */
