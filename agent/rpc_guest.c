/* SPDX-License-Identifier: Apache-2.0 */
/*
 * grpc.AgentService calls for a VM restored from a memory template: every clone resumes with
 * the template's clock and CRNG state, so the host sets the time and hands each guest fresh
 * entropy (Kata's SetGuestDateTime and ReseedRandomDev).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/random.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "agent.pb-c.h"
#include "cleanup.h"
#include "log.h"
#include "rpc.h"

#define USEC_PER_SEC	 1000000
#define RESEED_MAX_BYTES 4096

static int sys_clock_settime(clockid_t clock, const struct timespec *ts)
{
	return clock_settime(clock, ts) < 0 ? -errno : 0;
}

static int sys_random_ioctl(unsigned long request, const void *arg)
{
	cleanup_close int fd = open("/dev/random", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return ioctl(fd, request, arg) < 0 ? -errno : 0;
}

int (*rpc_guest_clock_settime)(clockid_t clock, const struct timespec *ts) = sys_clock_settime;
int (*rpc_guest_random_ioctl)(unsigned long request, const void *arg) = sys_random_ioctl;

void rpc_set_guest_date_time(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__SetGuestDateTimeRequest, grpc__set_guest_date_time_request, call,
		   data, len);
	int64_t sec = req->sec, usec = req->usec;
	grpc__set_guest_date_time_request__free_unpacked(req, NULL);

	if (sec < 0) {
		rpc_reply_error(call, TTRPC_INVALID_ARGUMENT,
				"set guest date time: Sec %" PRId64 " is before the Epoch", sec);
		return;
	}
	if (usec < 0 || usec >= USEC_PER_SEC) {
		rpc_reply_error(call, TTRPC_INVALID_ARGUMENT,
				"set guest date time: Usec %" PRId64 " is not in 0..999999", usec);
		return;
	}
	struct timespec ts = {.tv_sec = (time_t)sec, .tv_nsec = (long)usec * 1000};
	int rc = rpc_guest_clock_settime(CLOCK_REALTIME, &ts);
	if (rc < 0) {
		rpc_reply_error(call, ttrpc_code_from_errno(rc),
				"set guest date time: clock_settime: %s", strerror(-rc));
		return;
	}
	log_info("guest clock set to %" PRId64 ".%06" PRId64, sec, usec);
	rpc_reply_ok(call, NULL);
}

/* Mixes data into the input pool, credited in full (the host draws it from its getrandom, as
 * Kata's does), then reseeds the CRNG so that clones of one template diverge now. Returns 0 or
 * -errno with *ret_what naming the step that failed. */
static int add_entropy_and_reseed(const uint8_t *data, size_t n, const char **ret_what)
{
	cleanup_free struct rand_pool_info *info = malloc(sizeof(*info) + n);
	if (!info) {
		*ret_what = "malloc";
		return -ENOMEM;
	}
	info->entropy_count = (int)(n * 8);
	info->buf_size = (int)n;
	memcpy(info->buf, data, n);
	int rc = rpc_guest_random_ioctl(RNDADDENTROPY, info);
	if (rc < 0) {
		*ret_what = "ioctl RNDADDENTROPY";
		return rc;
	}
	rc = rpc_guest_random_ioctl(RNDRESEEDCRNG, NULL);
	/* ENODATA: the CRNG is not initialised yet; the credited pool seeds it once it is. */
	if (rc == -ENODATA) {
		log_debug("reseed random dev: the CRNG is not ready yet");
		rc = 0;
	}
	if (rc < 0)
		*ret_what = "ioctl RNDRESEEDCRNG";
	return rc;
}

void rpc_reseed_random_dev(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__ReseedRandomDevRequest, grpc__reseed_random_dev_request, call, data,
		   len);
	size_t n = req->data.len;
	const char *what = NULL;
	int rc;

	if (n == 0 || n > RESEED_MAX_BYTES)
		rpc_reply_error(call, TTRPC_INVALID_ARGUMENT,
				"reseed random dev: data holds %zu bytes, not 1..%d", n,
				RESEED_MAX_BYTES);
	else if ((rc = add_entropy_and_reseed(req->data.data, n, &what)) < 0)
		rpc_reply_error(call, ttrpc_code_from_errno(rc), "reseed random dev: %s: %s", what,
				strerror(-rc));
	else
		rpc_reply_ok(call, NULL);
	grpc__reseed_random_dev_request__free_unpacked(req, NULL);
}
