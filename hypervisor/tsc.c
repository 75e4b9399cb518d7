/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host TSC rate. A microvm guest has no HPET or PIT-calibrated reference it can trust
 * under load, so it is told the rate (tsc_early_khz); under TCG the guest reads the host TSC.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <time.h>

#include "cleanup.h"
#include "error.h"
#include "hostcache.h"
#include "hypervisor.h"

#define TSC_CACHE_NAME "tsc_khz"
#define MEASURE_NS     25000000L /* per try: ~6 ppm against a few hundred ns of jitter */
#define MEASURE_TRIES  3
#define AGREE_PPM      1000 /* the kernel's figure is used when it agrees this well */

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>

static int64_t raw_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A (time, tsc) pair taken where the two clock reads bracketing rdtsc are closest. */
static void sample(int64_t *ret_ns, uint64_t *ret_tsc)
{
	int64_t best_width = INT64_MAX;
	for (int i = 0; i < 5; i++) {
		int64_t a = raw_ns();
		uint64_t t = __rdtsc();
		int64_t b = raw_ns();
		if (b - a < best_width) {
			best_width = b - a;
			*ret_ns = a + (b - a) / 2;
			*ret_tsc = t;
		}
	}
}

static unsigned long measure_once(void)
{
	int64_t n0, n1;
	uint64_t t0, t1;
	sample(&n0, &t0);
	struct timespec ts = {0, MEASURE_NS};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	sample(&n1, &t1);
	if (n1 <= n0 || t1 <= t0)
		return 0;
	return (unsigned long)((double)(t1 - t0) * 1e6 / (double)(n1 - n0) + 0.5);
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

/* The median of a few measurements against CLOCK_MONOTONIC_RAW, or 0. */
static unsigned long measure_tsc_khz(void)
{
	unsigned long v[MEASURE_TRIES];
	for (int i = 0; i < MEASURE_TRIES; i++)
		v[i] = measure_once();
	qsort(v, MEASURE_TRIES, sizeof(v[0]), cmp_ulong);
	return v[MEASURE_TRIES / 2];
}
#else
static unsigned long measure_tsc_khz(void)
{
	return 0;
}
#endif

/* Parses "NNNN.NNN MHz" at p into kHz, or 0. */
static unsigned long parse_mhz(const char *p)
{
	unsigned long mhz, frac;
	int len = 0;
	if (sscanf(p, "%lu.%3lu MHz%n", &mhz, &frac, &len) != 2 || len == 0)
		return 0;
	return mhz * 1000 + frac;
}

/*
 * The kernel's own figure from its log: the refined calibration if it ran, else the rate it
 * detected (final when the CPU reports it, tsc_known_freq). 0 when the log is unreadable
 * (dmesg_restrict) or has rotated past boot.
 */
static unsigned long kernel_log_tsc_khz(void)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	if (size <= 0)
		return 0;
	cleanup_free char *log = malloc((size_t)size + 1);
	if (!log)
		return 0;
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, size);
	if (n <= 0)
		return 0;
	log[n] = '\0';

	unsigned long refined = 0, detected = 0;
	static const char refined_tag[] = "tsc: Refined TSC clocksource calibration: ";
	static const char detected_tag[] = "tsc: Detected ";
	for (char *p = log; (p = strstr(p, "tsc: ")); p++) {
		if (strncmp(p, refined_tag, sizeof(refined_tag) - 1) == 0)
			refined = parse_mhz(p + sizeof(refined_tag) - 1);
		else if (strncmp(p, detected_tag, sizeof(detected_tag) - 1) == 0 &&
			 strstr(p, " MHz processor"))
			detected = parse_mhz(p + sizeof(detected_tag) - 1);
	}
	return refined ? refined : detected;
}

static bool agrees(unsigned long a, unsigned long b)
{
	unsigned long diff = a > b ? a - b : b - a;
	return (double)diff * 1e6 <= (double)AGREE_PPM * (double)b;
}

int host_tsc_khz(const char *cache_dir, unsigned long *ret_khz, struct kata_error *err)
{
	char cached[64];
	if (hostcache_read(cache_dir, TSC_CACHE_NAME, cached, sizeof(cached)) == 0) {
		char *end;
		unsigned long khz = strtoul(cached, &end, 10);
		if (*end == '\0' && khz > 0) {
			*ret_khz = khz;
			return 0;
		}
	}

	unsigned long measured = measure_tsc_khz();
	if (measured == 0)
		return kata_fail(err, ENOTSUP, "measuring the host TSC rate: no usable TSC");
	/* The kernel calibrated longer than we can afford to: prefer it when it is plausible. */
	unsigned long logged = kernel_log_tsc_khz();
	unsigned long khz = logged && agrees(logged, measured) ? logged : measured;

	snprintf(cached, sizeof(cached), "%lu", khz);
	int r = hostcache_write(cache_dir, TSC_CACHE_NAME, cached, err);
	if (r < 0)
		return r;
	*ret_khz = khz;
	return 0;
}
