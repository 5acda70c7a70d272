/* SPDX-License-Identifier: GPL-2.0 */
#include <linux/types.h>
/* do_div(n, base): n becomes the quotient; the remainder is the value. */
#define do_div(n, base) ({ u32 r_ = (n) % (base); (n) /= (base); r_; })
