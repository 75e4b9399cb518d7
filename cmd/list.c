/* SPDX-License-Identifier: Apache-2.0 */
/* kata list [--format table|json] [--quiet]: the containers under the root, as runc lists. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

#define NCOLS 6

/* runc's tabwriter: columns at least 12 wide, 3 spaces of padding. */
static void print_table(const struct kata_state *s, size_t n)
{
	static const char *const heads[NCOLS] = {"ID",	   "PID",     "STATUS",
						 "BUNDLE", "CREATED", "OWNER"};
	size_t width[NCOLS];
	for (int c = 0; c < NCOLS; c++)
		width[c] = strlen(heads[c]);
	char pid[24];
	for (size_t i = 0; i < n; i++) {
		snprintf(pid, sizeof(pid), "%d", (int)s[i].pid);
		const char *cells[NCOLS] = {s[i].id,	 pid,	       s[i].status,
					    s[i].bundle, s[i].created, "root"};
		for (int c = 0; c < NCOLS; c++)
			if (strlen(cells[c]) > width[c])
				width[c] = strlen(cells[c]);
	}
	for (int c = 0; c < NCOLS; c++)
		width[c] = width[c] + 3 < 12 ? 12 : width[c] + 3;
	for (size_t i = 0; i <= n; i++) {
		const char *cells[NCOLS];
		if (i == 0) {
			memcpy(cells, heads, sizeof(cells));
		} else {
			snprintf(pid, sizeof(pid), "%d", (int)s[i - 1].pid);
			const char *row[NCOLS] = {s[i - 1].id,	    pid,
						  s[i - 1].status,  s[i - 1].bundle,
						  s[i - 1].created, "root"};
			memcpy(cells, row, sizeof(cells));
		}
		for (int c = 0; c < NCOLS - 1; c++)
			printf("%-*s", (int)width[c], cells[c]);
		printf("%s\n", cells[NCOLS - 1]);
	}
}

static int print_json(const struct kata_state *s, size_t n, struct kata_error *err)
{
	fputs("[", stdout);
	for (size_t i = 0; i < n; i++) {
		char *json = NULL;
		int rc = kata_state_to_json(&s[i], &json, err);
		if (rc < 0)
			return rc;
		size_t len = strlen(json);
		while (len > 0 && json[len - 1] == '\n')
			json[--len] = '\0';
		printf("%s%s", i ? "," : "", json);
		free(json);
	}
	fputs("]\n", stdout);
	return 0;
}

int cmd_list(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	static const struct option options[] = {
	    {"format", required_argument, NULL, 'f'}, {"quiet", no_argument, NULL, 'q'}, {0}};
	const char *format = "table";
	bool quiet = false;
	int c;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "+f:q", options, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'q')
			quiet = true;
		else
			return cmd_error(err, EINVAL, "list: unknown or incomplete flag \"%s\"",
					 argv[optind - 1]);
	}
	if (optind < argc)
		return cmd_error(err, EINVAL, "list: unexpected argument \"%s\"", argv[optind]);
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return cmd_error(err, EINVAL, "invalid format option \"%s\": table or json",
				 format);
	struct kata_state *states;
	size_t n;
	int rc = kata_container_list(ctx, &states, &n, err);
	if (rc < 0)
		return rc;
	if (quiet)
		for (size_t i = 0; i < n; i++)
			printf("%s\n", states[i].id);
	else if (!strcmp(format, "json"))
		rc = print_json(states, n, err);
	else
		print_table(states, n);
	kata_state_list_free(states, n);
	return rc;
}
