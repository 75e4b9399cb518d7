/* SPDX-License-Identifier: Apache-2.0 */
/* kata events [--stats] [--interval 5s] ID: the container's statistics and OOM events as runc's
 * events. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

/* A Go-style duration as runc takes it: 500ms, 5s, 1m (a bare number is seconds). */
static int parse_interval(const char *s, int *ret_ms)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v <= 0)
		return -EINVAL;
	double ms = !strcmp(end, "ms")		 ? v
		    : !strcmp(end, "s") || !*end ? v * 1000
		    : !strcmp(end, "m")		 ? v * 60000
		    : !strcmp(end, "h")		 ? v * 3600000
						 : -1;
	if (ms < 1 || ms > 86400000)
		return -EINVAL;
	*ret_ms = (int)ms;
	return 0;
}

static int print_event(const char *json, void *data)
{
	if (printf("%s\n", json) < 0 || fflush(stdout) != 0)
		return -EPIPE;
	return 0;
}

int cmd_events(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	static const struct option options[] = {
	    {"stats", no_argument, NULL, 's'}, {"interval", required_argument, NULL, 'i'}, {0}};
	bool stats_once = false;
	int interval_ms = 5000;
	int c;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "+", options, NULL)) != -1) {
		if (c == 's')
			stats_once = true;
		else if (c == 'i' && parse_interval(optarg, &interval_ms) == 0)
			continue;
		else if (c == 'i')
			return cmd_error(err, EINVAL, "events: invalid --interval \"%s\"", optarg);
		else
			return cmd_error(err, EINVAL, "events: unknown or incomplete flag \"%s\"",
					 argv[optind - 1]);
	}
	const char *id;
	int rc = cmd_take_id(argc, argv, "events", &id, err);
	if (rc < 0)
		return rc;
	return kata_container_events(ctx, id, stats_once ? 0 : interval_ms, print_event, NULL, err);
}
