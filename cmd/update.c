/* SPDX-License-Identifier: Apache-2.0 */
/* kata update [--resources FILE | -r -] [runc's limit flags] ID: new cgroup limits. */
#include <errno.h>
#include <getopt.h>

#include "commands.h"

int cmd_update(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	enum {
		OPT_MEMORY = 256,
		OPT_SWAP,
		OPT_RESERVATION,
		OPT_KERNEL,
		OPT_KERNEL_TCP,
		OPT_QUOTA,
		OPT_PERIOD,
		OPT_SHARES,
		OPT_RT_PERIOD,
		OPT_RT_RUNTIME,
		OPT_CPUS,
		OPT_MEMS,
		OPT_PIDS,
		OPT_BLKIO,
		OPT_L3,
		OPT_MEMBW
	};
	static const struct option options[] = {
	    {"resources", required_argument, NULL, 'r'},
	    {"memory", required_argument, NULL, OPT_MEMORY},
	    {"memory-swap", required_argument, NULL, OPT_SWAP},
	    {"memory-reservation", required_argument, NULL, OPT_RESERVATION},
	    {"kernel-memory", required_argument, NULL, OPT_KERNEL},
	    {"kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_TCP},
	    {"cpu-quota", required_argument, NULL, OPT_QUOTA},
	    {"cpu-period", required_argument, NULL, OPT_PERIOD},
	    {"cpu-share", required_argument, NULL, OPT_SHARES},
	    {"cpu-shares", required_argument, NULL, OPT_SHARES},
	    {"cpu-rt-period", required_argument, NULL, OPT_RT_PERIOD},
	    {"cpu-rt-runtime", required_argument, NULL, OPT_RT_RUNTIME},
	    {"cpuset-cpus", required_argument, NULL, OPT_CPUS},
	    {"cpuset-mems", required_argument, NULL, OPT_MEMS},
	    {"pids-limit", required_argument, NULL, OPT_PIDS},
	    {"blkio-weight", required_argument, NULL, OPT_BLKIO},
	    {"l3-cache-schema", required_argument, NULL, OPT_L3},
	    {"mem-bw-schema", required_argument, NULL, OPT_MEMBW},
	    {0},
	};
	struct kata_update_options o = {0};
	int c, index = -1;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "+r:", options, &index)) != -1) {
		switch (c) {
		case 'r':
			o.resources_path = optarg;
			break;
		case OPT_MEMORY:
			o.memory = optarg;
			break;
		case OPT_SWAP:
			o.memory_swap = optarg;
			break;
		case OPT_RESERVATION:
			o.memory_reservation = optarg;
			break;
		case OPT_QUOTA:
			o.cpu_quota = optarg;
			break;
		case OPT_PERIOD:
			o.cpu_period = optarg;
			break;
		case OPT_SHARES:
			o.cpu_shares = optarg;
			break;
		case OPT_CPUS:
			o.cpuset_cpus = optarg;
			break;
		case OPT_MEMS:
			o.cpuset_mems = optarg;
			break;
		case OPT_PIDS:
			o.pids_limit = optarg;
			break;
		case OPT_BLKIO:
			o.blkio_weight = optarg;
			break;
		case OPT_KERNEL:
		case OPT_KERNEL_TCP:
		case OPT_RT_PERIOD:
		case OPT_RT_RUNTIME:
		case OPT_L3:
		case OPT_MEMBW:
			return cmd_error(err, ENOTSUP,
					 "update: --%s is not supported by the guest's cgroup v2",
					 options[index].name);
		default:
			return cmd_error(err, EINVAL, "update: unknown or incomplete flag \"%s\"",
					 argv[optind - 1]);
		}
	}
	const char *id;
	int rc = cmd_take_id(argc, argv, "update", &id, err);
	return rc < 0 ? rc : kata_container_update(ctx, id, &o, err);
}
