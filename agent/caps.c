/* SPDX-License-Identifier: Apache-2.0 */
#include "caps.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "log.h"

/* "CAP_SYS_ADMIN" to its number; -ENOENT when libcap or the kernel does not know it. */
static int cap_lookup(const char *name, cap_value_t *ret)
{
	char lower[64];
	size_t i;
	for (i = 0; name[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[i] = '\0';
	if (cap_from_name(lower, ret) < 0)
		return -ENOENT;
	return 0;
}

/* Resolves names into a bit mask; names unknown to this kernel are skipped, as runc does. */
static int caps_mask(char **names, size_t n, const char *set, unsigned long long *ret,
		     struct kata_error *err)
{
	unsigned long long mask = 0;
	cap_value_t last = (cap_value_t)cap_max_bits() - 1;
	for (size_t i = 0; i < n; i++) {
		cap_value_t v;
		if (cap_lookup(names[i], &v) < 0)
			return kata_fail(err, EINVAL, "unknown capability \"%s\" in %s set",
					 names[i], set);
		if (v > last || v >= 64) {
			log_warn("capability %s is not supported by the guest kernel; skipped",
				 names[i]);
			continue;
		}
		mask |= 1ULL << v;
	}
	*ret = mask;
	return 0;
}

int caps_apply_bounding(const Grpc__LinuxCapabilities *c, struct kata_error *err)
{
	unsigned long long keep;
	int rc = caps_mask(c->bounding, c->n_bounding, "bounding", &keep, err);
	if (rc < 0)
		return rc;
	for (cap_value_t v = 0; v < (cap_value_t)cap_max_bits() && v < 64; v++) {
		if (keep & (1ULL << v))
			continue;
		if (prctl(PR_CAPBSET_DROP, v, 0, 0, 0) < 0 && errno != EINVAL)
			return kata_fail_errno(err, errno, "drop %s from the bounding set",
					       cap_to_name(v));
	}
	return 0;
}

static int set_flag(cap_t caps, cap_flag_t flag, unsigned long long mask)
{
	for (cap_value_t v = 0; v < 64; v++) {
		if (!(mask & (1ULL << v)))
			continue;
		if (cap_set_flag(caps, flag, 1, &v, CAP_SET) < 0)
			return -errno;
	}
	return 0;
}

int caps_apply_sets(const Grpc__LinuxCapabilities *c, struct kata_error *err)
{
	unsigned long long eff, perm, inh, amb;
	int rc;
	if ((rc = caps_mask(c->effective, c->n_effective, "effective", &eff, err)) < 0 ||
	    (rc = caps_mask(c->permitted, c->n_permitted, "permitted", &perm, err)) < 0 ||
	    (rc = caps_mask(c->inheritable, c->n_inheritable, "inheritable", &inh, err)) < 0 ||
	    (rc = caps_mask(c->ambient, c->n_ambient, "ambient", &amb, err)) < 0)
		return rc;

	cap_t caps = cap_init();
	if (!caps)
		return kata_fail_errno(err, errno, "cap_init");
	if (set_flag(caps, CAP_EFFECTIVE, eff) < 0 || set_flag(caps, CAP_PERMITTED, perm) < 0 ||
	    set_flag(caps, CAP_INHERITABLE, inh) < 0) {
		cap_free(caps);
		return kata_fail_errno(err, errno, "cap_set_flag");
	}
	rc = cap_set_proc(caps);
	int e = errno;
	cap_free(caps);
	if (rc < 0)
		return kata_fail_errno(err, e, "set capabilities");

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return kata_fail_errno(err, errno, "clear ambient capabilities");
	for (cap_value_t v = 0; v < 64; v++) {
		if (!(amb & (1ULL << v)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v, 0, 0) < 0)
			return kata_fail_errno(err, errno, "raise ambient capability %s",
					       cap_to_name(v));
	}
	return 0;
}
