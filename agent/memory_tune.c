/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Free page reporting hands free guest memory back to the host (virtio-balloon). Linux 6.1
 * reports only blocks of pageblock order (4 MiB here) and only while a zone has 32 such blocks
 * free above its low watermark (128 MiB): a small guest never reports. A lower order makes
 * the threshold 32 x 128 KiB, so an idle 128 MiB guest gives back what it touched at boot.
 * The kernel overwrites a command-line value when the balloon registers; sysfs sticks.
 */
#include "memory_tune.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define REPORTING_ORDER_PARAM "/sys/module/page_reporting/parameters/page_reporting_order"
#define REPORTING_ORDER	      "5\n" /* 128 KiB blocks */

void memory_tune_page_reporting(void)
{
	int fd = open(REPORTING_ORDER_PARAM, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("open %s: %s", REPORTING_ORDER_PARAM, strerror(errno));
		return;
	}
	if (write(fd, REPORTING_ORDER, sizeof(REPORTING_ORDER) - 1) < 0)
		log_warn("write %s: %s", REPORTING_ORDER_PARAM, strerror(errno));
	close(fd);
}
