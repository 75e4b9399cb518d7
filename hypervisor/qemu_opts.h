/* SPDX-License-Identifier: Apache-2.0 */
/* Quoting for QEMU's "key=value,key=value" option syntax. */
#ifndef KATA_QEMU_OPTS_H
#define KATA_QEMU_OPTS_H

#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

/* A malloc'ed copy of value with each ',' doubled, as QEMU option values require; NULL on ENOMEM.
 */
static inline char *qemu_opt_escape(const char *value)
{
	size_t n = 0;
	for (const char *p = value; *p; p++)
		n += *p == ',' ? 2 : 1;
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (const char *p = value; *p; p++) {
		*o++ = *p;
		if (*p == ',')
			*o++ = ',';
	}
	*o = '\0';
	return out;
}

#endif
