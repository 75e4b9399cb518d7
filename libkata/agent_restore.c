/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a VM restored from the template needs before use: every clone wakes with the clock
 * and the RNG state the template was saved with. Kata's host sends the same two calls.
 */
#include <errno.h>
#include <sys/random.h>
#include <sys/time.h>

#include "agent.pb-c.h"
#include "agent_client.h"
#include "error.h"
#include "google/protobuf/empty.pb-c.h"

#define RESTORE_CALL_MS 10000
#define SEED_BYTES	64

int agent_after_restore(struct agent_client *c, struct kata_error *err)
{
	struct timeval now;
	gettimeofday(&now, NULL);
	Grpc__SetGuestDateTimeRequest t = GRPC__SET_GUEST_DATE_TIME_REQUEST__INIT;
	t.sec = now.tv_sec;
	t.usec = now.tv_usec;
	int rc = agent_call_sync(c, AGENT_SERVICE, "SetGuestDateTime", &t.base,
				 &google__protobuf__empty__descriptor, NULL, RESTORE_CALL_MS, err);
	if (rc < 0)
		return kata_error_prefix(err, rc, "setting the restored guest's clock");

	uint8_t seed[SEED_BYTES];
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		return kata_fail_errno(err, errno, "getrandom");
	Grpc__ReseedRandomDevRequest r = GRPC__RESEED_RANDOM_DEV_REQUEST__INIT;
	r.data.data = seed;
	r.data.len = sizeof(seed);
	rc = agent_call_sync(c, AGENT_SERVICE, "ReseedRandomDev", &r.base,
			     &google__protobuf__empty__descriptor, NULL, RESTORE_CALL_MS, err);
	if (rc < 0)
		return kata_error_prefix(err, rc, "reseeding the restored guest's RNG");
	return 0;
}
