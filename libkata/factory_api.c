/* SPDX-License-Identifier: Apache-2.0 */
/* kata_factory_*: the public face of the VM pool. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "factory.h"
#include "runtime_config.h"

int kata_factory_init(const struct kata_context *ctx, unsigned *ret_booted, struct kata_error *err)
{
	struct runtime_config cfg;
	int rc = runtime_config_load(&cfg, err);
	if (rc < 0)
		return rc;
	*ret_booted = 0;
	if (!cfg.vm_cache_number && !cfg.enable_template)
		return kata_fail(err, EINVAL,
				 "factory init: %s sets neither factory.vm_cache_number nor "
				 "factory.enable_template: no pool to fill and no template to save",
				 *cfg.source ? cfg.source : "the built-in configuration");
	if ((cfg.enable_template && (rc = factory_template_save(&cfg, err)) < 0) ||
	    (cfg.vm_cache_number &&
	     (rc = factory_fill(&cfg, cfg.vm_cache_number, ret_booted, err)) < 0)) {
		/* A failed first init leaves no factory directory behind. */
		factory_remove_if_empty();
		return rc;
	}
	return 0;
}

int kata_factory_template_status(const struct kata_context *ctx, struct kata_factory_template *ret,
				 struct kata_error *err)
{
	struct runtime_config cfg;
	int rc = runtime_config_load(&cfg, err);
	if (rc < 0)
		return rc;
	memset(ret, 0, sizeof(*ret));
	ret->enabled = cfg.enable_template;
	struct factory_template t;
	if ((rc = factory_template_find(&cfg, &t, err)) < 0)
		return rc;
	ret->ready = rc == 1;
	snprintf(ret->path, sizeof(ret->path), "%s", t.dir);
	if (ret->ready)
		factory_template_size(&t, &ret->memory_bytes);
	return 0;
}

int kata_factory_status(const struct kata_context *ctx, struct kata_factory_vm **ret, size_t *ret_n,
			unsigned *ret_target, struct kata_error *err)
{
	struct runtime_config cfg;
	int rc = runtime_config_load(&cfg, err);
	if (rc < 0)
		return rc;
	*ret_target = cfg.vm_cache_number;
	struct factory_entry *e = NULL;
	size_t n = 0;
	if ((rc = factory_list(&e, &n, err)) < 0)
		return rc;
	struct kata_factory_vm *v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		free(e);
		return kata_fail(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(v[i].name, sizeof(v[i].name), "%s", e[i].name);
		snprintf(v[i].state, sizeof(v[i].state), "%s", e[i].state);
		v[i].keeper_pid = (int)e[i].keeper;
	}
	free(e);
	*ret = v;
	*ret_n = n;
	return 0;
}

int kata_factory_destroy(const struct kata_context *ctx, unsigned *ret_stopped,
			 struct kata_error *err)
{
	return factory_destroy(ret_stopped, err);
}
