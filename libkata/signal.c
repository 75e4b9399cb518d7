/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kata.h"

int kata_signal_parse(const char *s)
{
	if (!s || !*s)
		return -EINVAL;
	if (isdigit((unsigned char)*s)) {
		char *end;
		errno = 0;
		long n = strtol(s, &end, 10);
		if (errno || *end || n <= 0 || n >= NSIG)
			return -EINVAL;
		return (int)n;
	}
	const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	if (!strncasecmp(name, "RTMIN", 5) || !strncasecmp(name, "RTMAX", 5)) {
		int base = toupper((unsigned char)name[3]) == 'I' ? SIGRTMIN : SIGRTMAX;
		const char *off = name + 5;
		if (!*off)
			return base;
		char *end;
		long n = strtol(off, &end, 10);
		if (*end || (base == SIGRTMIN ? n < 0 : n > 0))
			return -EINVAL;
		long sig = base + n;
		return sig >= SIGRTMIN && sig <= SIGRTMAX ? (int)sig : -EINVAL;
	}
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && !strcasecmp(abbrev, name))
			return sig;
	}
	return -EINVAL;
}
