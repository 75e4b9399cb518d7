/* SPDX-License-Identifier: Apache-2.0 */
#include "user.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cleanup.h"

int user_switch(const Grpc__User *user, struct kata_error *err)
{
	uid_t uid = user ? user->uid : 0;
	gid_t gid = user ? user->gid : 0;
	size_t ngroups = user ? user->n_additionalgids : 0;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return kata_fail_errno(err, errno, "prctl(PR_SET_KEEPCAPS)");
	/* The agent's supplementary groups must not leak into the container. */
	if (setgroups(ngroups, ngroups ? (const gid_t *)user->additionalgids : NULL) < 0)
		return kata_fail_errno(err, errno, "setgroups");
	if (setgid(gid) < 0)
		return kata_fail_errno(err, errno, "setgid %u", gid);
	if (setuid(uid) < 0)
		return kata_fail_errno(err, errno, "setuid %u", uid);
	return 0;
}

void user_home(uid_t uid, char *buf, size_t size)
{
	snprintf(buf, size, "/");
	cleanup_file FILE *f = fopen("/etc/passwd", "re");
	if (!f)
		return;
	char line[1024];
	while (fgets(line, sizeof(line), f)) {
		/* name:password:uid:gid:gecos:home:shell */
		char *fields[7] = {0};
		char *p = line;
		for (int i = 0; i < 7 && p; i++) {
			fields[i] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (!fields[5] || !fields[2] || !*fields[2])
			continue;
		char *end;
		unsigned long id = strtoul(fields[2], &end, 10);
		if (*end || id != uid)
			continue;
		if (*fields[5])
			snprintf(buf, size, "%s", fields[5]);
		return;
	}
}
