/* SPDX-License-Identifier: GPL-2.0 */
/* BUILD_BUG_ON(), for module/format.h: in the types.h shim. */
#include <linux/types.h>
