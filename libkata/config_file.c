/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration file, read against a schema table: each object's keys are looked up in
 * the table of its section, so a misspelt key is an error instead of a setting that silently
 * does nothing.
 */
#include "config_file.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"

#define CONFIG_FILE_MAX	   (1 << 20)
#define DIAL_TIMEOUT_MAX_S 3600

enum field_kind {
	F_SECTION,     /* a nested object, described by `children` */
	F_PATH,	       /* an absolute path into a char[size] */
	F_TEXT,	       /* free text into a char[size] */
	F_UINT,	       /* an integer in [min, max] into an unsigned */
	F_BOOL,	       /* true or false into a bool */
	F_SHARED_FS,   /* "virtio-9p" | "virtio-fs" */
	F_VFS_CACHE,   /* "auto" | "always" | "never" */
	F_ANNOTATIONS, /* a list of annotation names into a bit set */
	F_NET_MODEL,   /* "tcfilter" | "none" */
	F_USE_VSOCK,   /* true or false, remembered as set */
};

struct field {
	const char *key;
	enum field_kind kind;
	size_t offset; /* in struct config_file */
	size_t size;   /* F_PATH, F_TEXT: the buffer's size */
	unsigned min, max;
	const char *unit; /* F_UINT: shown in range errors */
	const struct field *children;
};

#define AT(member)   offsetof(struct config_file, member)
#define SIZE(member) sizeof(((struct config_file *)0)->member)
#define PATH(k, m)                                                                                 \
	{                                                                                          \
		.key = k, .kind = F_PATH, .offset = AT(m), .size = SIZE(m)                         \
	}
#define BOOL(k, m)                                                                                 \
	{                                                                                          \
		.key = k, .kind = F_BOOL, .offset = AT(m)                                          \
	}
#define UINT(k, m, lo, hi, u)                                                                      \
	{                                                                                          \
		.key = k, .kind = F_UINT, .offset = AT(m), .min = lo, .max = hi, .unit = u         \
	}

static const struct field qemu_fields[] = {
    PATH("path", qemu),
    PATH("kernel", kernel),
    PATH("initrd", initrd),
    {.key = "kernel_params",
     .kind = F_TEXT,
     .offset = AT(kernel_params),
     .size = SIZE(kernel_params)},
    UINT("default_vcpus", vcpus, 1, CONFIG_VCPUS_MAX, ""),
    UINT("default_memory", memory_mib, CONFIG_MEMORY_MIN_MIB, CONFIG_MEMORY_MAX_MIB, " MiB"),
    {.key = "shared_fs", .kind = F_SHARED_FS, .offset = AT(shared_fs)},
    PATH("virtio_fs_daemon", virtiofsd),
    {.key = "virtio_fs_cache", .kind = F_VFS_CACHE, .offset = AT(virtiofs_cache)},
    {.key = "enable_annotations", .kind = F_ANNOTATIONS, .offset = AT(annotations)},
    BOOL("enable_debug", hypervisor_debug),
    {.key = "use_vsock", .kind = F_USE_VSOCK, .offset = AT(use_vsock)},
    {0},
};
static const struct field hypervisor_fields[] = {
    {.key = "qemu", .kind = F_SECTION, .children = qemu_fields},
    {0},
};
static const struct field agent_kata_fields[] = {
    UINT("dial_timeout", dial_timeout_s, 1, DIAL_TIMEOUT_MAX_S, " s"),
    BOOL("enable_debug", agent_debug),
    {0},
};
static const struct field agent_fields[] = {
    {.key = "kata", .kind = F_SECTION, .children = agent_kata_fields},
    {0},
};
static const struct field runtime_fields[] = {
    BOOL("enable_debug", runtime_debug),
    {.key = "internetworking_model", .kind = F_NET_MODEL, .offset = AT(net_model)},
    {0},
};
static const struct field factory_fields[] = {
    UINT("vm_cache_number", vm_cache_number, 0, CONFIG_VM_CACHE_MAX, ""),
    BOOL("enable_template", factory_template),
    {0},
};
static const struct field top_fields[] = {
    {.key = "hypervisor", .kind = F_SECTION, .children = hypervisor_fields},
    {.key = "agent", .kind = F_SECTION, .children = agent_fields},
    {.key = "runtime", .kind = F_SECTION, .children = runtime_fields},
    {.key = "factory", .kind = F_SECTION, .children = factory_fields},
    {0},
};

static const char *const annotation_names[] = {"default_vcpus", "default_memory", "kernel_params"};

const char *config_annotation_name(unsigned bit)
{
	for (size_t i = 0; i < sizeof(annotation_names) / sizeof(*annotation_names); i++)
		if (bit == 1u << i)
			return annotation_names[i];
	return NULL;
}

const char *config_shared_fs_name(enum vm_shared_fs fs)
{
	return fs == VM_SHARED_FS_VIRTIO_FS ? "virtio-fs" : "virtio-9p";
}

const char *config_virtiofs_cache_name(enum vm_virtiofs_cache c)
{
	return c == VM_VIRTIOFS_CACHE_ALWAYS  ? "always"
	       : c == VM_VIRTIOFS_CACHE_NEVER ? "never"
					      : "auto";
}

const char *config_net_model_name(enum config_net_model m)
{
	return m == CONFIG_NET_NONE ? "none" : "tcfilter";
}

/* Where we are in the document, for messages: the file and the key's dotted path. */
struct cursor {
	const char *file;
	char path[256];
};

static int fail_at(const struct cursor *c, struct kata_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(const struct cursor *c, struct kata_error *err, const char *fmt, ...)
{
	char what[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return kata_fail(err, EINVAL, "%s: %s: %s", c->file, c->path, what);
}

static const char *type_name(yajl_val v)
{
	if (YAJL_IS_STRING(v))
		return "a string";
	if (YAJL_IS_INTEGER(v))
		return "an integer";
	if (YAJL_IS_NUMBER(v))
		return "a number";
	if (YAJL_IS_OBJECT(v))
		return "an object";
	if (YAJL_IS_ARRAY(v))
		return "an array";
	if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
		return "a boolean";
	return "null";
}

static int expect(const struct cursor *c, yajl_val v, bool ok, const char *want,
		  struct kata_error *err)
{
	return ok ? 0 : fail_at(c, err, "expected %s, got %s", want, type_name(v));
}

static int copy_string(const struct cursor *c, const char *s, char *out, size_t size,
		       struct kata_error *err)
{
	if (strlen(s) >= size)
		return fail_at(c, err, "longer than %zu bytes", size - 1);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int set_annotations(const struct cursor *c, yajl_val v, unsigned *out,
			   struct kata_error *err)
{
	int rc = expect(c, v, YAJL_IS_ARRAY(v), "an array of annotation names", err);
	if (rc < 0)
		return rc;
	unsigned bits = 0;
	for (size_t i = 0; i < v->u.array.len; i++) {
		yajl_val s = v->u.array.values[i];
		struct cursor item = *c;
		snprintf(item.path, sizeof(item.path), "%s[%zu]", c->path, i);
		if ((rc = expect(&item, s, YAJL_IS_STRING(s), "a string", err)) < 0)
			return rc;
		unsigned bit = 0;
		for (size_t k = 0; k < sizeof(annotation_names) / sizeof(*annotation_names); k++)
			if (!strcmp(s->u.string, annotation_names[k]))
				bit = 1u << k;
		if (!bit)
			return fail_at(&item, err,
				       "\"%s\" is not an annotation kata supports (default_vcpus, "
				       "default_memory, kernel_params)",
				       s->u.string);
		bits |= bit;
	}
	*out = bits;
	return 0;
}

static int parse_object(const struct cursor *c, yajl_val obj, const struct field *fields,
			struct config_file *cfg, struct kata_error *err);

static int parse_field(const struct cursor *c, yajl_val v, const struct field *f,
		       struct config_file *cfg, struct kata_error *err)
{
	char *at = (char *)cfg + f->offset;
	int rc;
	switch (f->kind) {
	case F_SECTION:
		if ((rc = expect(c, v, YAJL_IS_OBJECT(v), "an object", err)) < 0)
			return rc;
		return parse_object(c, v, f->children, cfg, err);
	case F_PATH:
		if ((rc = expect(c, v, YAJL_IS_STRING(v), "a string", err)) < 0)
			return rc;
		/* The monitor runs in the state directory: a relative path would mean that. */
		if (v->u.string[0] != '/')
			return fail_at(c, err, "\"%s\" is not an absolute path", v->u.string);
		return copy_string(c, v->u.string, at, f->size, err);
	case F_TEXT:
		if ((rc = expect(c, v, YAJL_IS_STRING(v), "a string", err)) < 0)
			return rc;
		return copy_string(c, v->u.string, at, f->size, err);
	case F_UINT: {
		if ((rc = expect(c, v, YAJL_IS_INTEGER(v), "an integer", err)) < 0)
			return rc;
		long long n = YAJL_GET_INTEGER(v);
		if (n < f->min || n > f->max)
			return fail_at(c, err, "%lld is out of range (%u..%u%s)", n, f->min, f->max,
				       f->unit);
		*(unsigned *)at = (unsigned)n;
		return 0;
	}
	case F_BOOL:
	case F_USE_VSOCK:
		if ((rc = expect(c, v, YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v), "true or false", err)) <
		    0)
			return rc;
		*(bool *)at = YAJL_IS_TRUE(v);
		if (f->kind == F_USE_VSOCK)
			cfg->set.use_vsock = true;
		return 0;
	case F_SHARED_FS:
		if ((rc = expect(c, v, YAJL_IS_STRING(v), "a string", err)) < 0)
			return rc;
		if (!strcmp(v->u.string, "virtio-9p"))
			cfg->shared_fs = VM_SHARED_FS_9P;
		else if (!strcmp(v->u.string, "virtio-fs"))
			cfg->shared_fs = VM_SHARED_FS_VIRTIO_FS;
		else
			return fail_at(c, err, "\"%s\": expected \"virtio-9p\" or \"virtio-fs\"",
				       v->u.string);
		cfg->set.shared_fs = true;
		return 0;
	case F_VFS_CACHE:
		if ((rc = expect(c, v, YAJL_IS_STRING(v), "a string", err)) < 0)
			return rc;
		for (int m = VM_VIRTIOFS_CACHE_AUTO; m <= VM_VIRTIOFS_CACHE_NEVER; m++)
			if (!strcmp(v->u.string, config_virtiofs_cache_name(m))) {
				cfg->virtiofs_cache = m;
				return 0;
			}
		return fail_at(c, err, "\"%s\": expected \"auto\", \"always\" or \"never\"",
			       v->u.string);
	case F_ANNOTATIONS:
		return set_annotations(c, v, &cfg->annotations, err);
	case F_NET_MODEL:
		if ((rc = expect(c, v, YAJL_IS_STRING(v), "a string", err)) < 0)
			return rc;
		if (!strcmp(v->u.string, "tcfilter"))
			cfg->net_model = CONFIG_NET_TCFILTER;
		else if (!strcmp(v->u.string, "none"))
			cfg->net_model = CONFIG_NET_NONE;
		else
			return fail_at(c, err, "\"%s\": expected \"tcfilter\" or \"none\"",
				       v->u.string);
		cfg->set.net_model = true;
		return 0;
	}
	return fail_at(c, err, "internal error: unknown field kind");
}

/* "a, b, c": the keys a section accepts, for the unknown-key message. */
static void known_keys(const struct field *fields, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (const struct field *f = fields; f->key && used < size; f++) {
		int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", f->key);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static int parse_object(const struct cursor *c, yajl_val obj, const struct field *fields,
			struct config_file *cfg, struct kata_error *err)
{
	for (size_t i = 0; i < obj->u.object.len; i++) {
		const char *key = obj->u.object.keys[i];
		struct cursor child = *c;
		snprintf(child.path, sizeof(child.path), "%s%s%s", c->path, *c->path ? "." : "",
			 key);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(obj->u.object.keys[j], key))
				return fail_at(&child, err, "duplicate key");
		const struct field *f = fields;
		while (f->key && strcmp(f->key, key))
			f++;
		if (!f->key) {
			char keys[512];
			known_keys(fields, keys, sizeof(keys));
			return fail_at(&child, err, "unknown key (known here: %s)", keys);
		}
		int rc = parse_field(&child, obj->u.object.values[i], f, cfg, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int config_file_parse(const char *name, const char *text, struct config_file *ret,
		      struct kata_error *err)
{
	char why[256] = "";
	yajl_val root = yajl_tree_parse(text, why, sizeof(why));
	if (!root) {
		/* yajl's message spans lines (the text and a caret): keep its first line. */
		why[strcspn(why, "\n")] = '\0';
		return kata_fail(err, EINVAL, "%s: invalid JSON: %s", name,
				 *why ? why : "parse error");
	}
	struct config_file cfg = {0};
	struct cursor c = {.file = name};
	int rc = YAJL_IS_OBJECT(root) ? parse_object(&c, root, top_fields, &cfg, err)
				      : kata_fail(err, EINVAL, "%s: expected a JSON object, got %s",
						  name, type_name(root));
	yajl_tree_free(root);
	if (rc < 0)
		return rc;
	/* A template VM is migrated; vhost-user-fs cannot be. */
	if (cfg.factory_template && cfg.set.shared_fs && cfg.shared_fs == VM_SHARED_FS_VIRTIO_FS)
		return kata_fail(err, EINVAL,
				 "%s: factory.enable_template needs hypervisor.qemu.shared_fs "
				 "\"virtio-9p\": QEMU cannot save a VM with a virtio-fs device",
				 name);
	snprintf(cfg.path, sizeof(cfg.path), "%s", name);
	*ret = cfg;
	return 0;
}

int config_file_load(const char *const *candidates, struct config_file *ret, struct kata_error *err)
{
	static const char *const defaults[] = {CONFIG_FILE_ETC, CONFIG_FILE_SHARE, NULL};
	const char *path = getenv(CONFIG_FILE_ENV);
	bool from_env = path && *path;
	if (!from_env) {
		path = NULL;
		for (const char *const *p = candidates ? candidates : defaults; *p && !path; p++)
			if (access(*p, F_OK) == 0)
				path = *p;
	}
	if (!path) {
		*ret = (struct config_file){0};
		return 0;
	}
	cleanup_free char *text = NULL;
	size_t len = 0;
	int rc = read_file(path, CONFIG_FILE_MAX, &text, &len);
	if (rc < 0)
		return from_env ? kata_fail_errno(err, -rc, "%s=%s", CONFIG_FILE_ENV, path)
				: kata_fail_errno(err, -rc, "reading %s", path);
	if (strlen(text) != len)
		return kata_fail(err, EINVAL, "%s: invalid JSON: contains a NUL byte", path);
	return config_file_parse(path, text, ret, err);
}
