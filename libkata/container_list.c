/* SPDX-License-Identifier: Apache-2.0 */
/* list: the state of every container under the root. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "container.h"
#include "error.h"

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct kata_state *)a)->id, ((const struct kata_state *)b)->id);
}

int kata_container_list(const struct kata_context *ctx, struct kata_state **ret, size_t *ret_n,
			struct kata_error *err)
{
	const char *root = ctx && ctx->root && *ctx->root ? ctx->root : KATA_DEFAULT_ROOT;
	*ret = NULL;
	*ret_n = 0;
	cleanup_dir DIR *d = opendir(root);
	if (!d)
		return errno == ENOENT ? 0 : kata_fail_errno(err, errno, "open %s", root);
	struct kata_state *list = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || kata_id_validate(e->d_name, NULL) < 0)
			continue;
		struct kata_state st;
		/* A container being created or deleted right now has no readable state: skip. */
		if (kata_container_state(ctx, e->d_name, &st, NULL) < 0)
			continue;
		struct kata_state *grown = realloc(list, (n + 1) * sizeof(*list));
		if (!grown) {
			kata_state_clear(&st);
			kata_state_list_free(list, n);
			return kata_fail(err, ENOMEM, "out of memory");
		}
		list = grown;
		list[n++] = st;
	}
	if (n > 1)
		qsort(list, n, sizeof(*list), by_id);
	*ret = list;
	*ret_n = n;
	return 0;
}

void kata_state_list_free(struct kata_state *states, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kata_state_clear(&states[i]);
	free(states);
}
