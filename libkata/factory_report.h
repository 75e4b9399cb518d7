/* SPDX-License-Identifier: Apache-2.0 */
/* What a VM factory keeper tells its filler once its VM is ready, or why it is not. */
#ifndef KATA_FACTORY_REPORT_H
#define KATA_FACTORY_REPORT_H

struct factory_report {
	int status; /* 0: ready; else an errno value */
	char msg[512];
};

#endif
