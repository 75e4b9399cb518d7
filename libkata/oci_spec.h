/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bundle's config.json, parsed with yajl into the protobuf grpc.Spec that travels to the
 * agent (the wire form is the in-memory form), plus the host-only facts the runtime needs.
 */
#ifndef KATA_OCI_SPEC_H
#define KATA_OCI_SPEC_H

#include "kata.h"
#include "oci.pb-c.h"

struct oci_spec {
	Grpc__Spec *spec;	/* what the agent receives; Root.Path still the bundle's value */
	char *bundle;		/* absolute bundle directory */
	char *rootfs;		/* absolute host path of the root filesystem */
	char *annotations_json; /* the annotations object as JSON, or NULL */
	char *hooks_json;	/* the hooks object as JSON (hooks.c), or NULL: none */
};

/* Loads and validates <bundle>/config.json. */
int oci_spec_load(const char *bundle, struct oci_spec **ret, struct kata_error *err);

/* Parses a config.json document held in memory (bundle is used to resolve root.path). */
int oci_spec_parse(const char *json, const char *bundle, struct oci_spec **ret,
		   struct kata_error *err);

/* Frees a spec; accepts NULL and returns NULL. */
struct oci_spec *oci_spec_free(struct oci_spec *s);

/* Internal: the linux section (oci_spec_linux.c). */
#include <yajl/yajl_tree.h>
int oci_parse_linux(yajl_val linux, Grpc__Linux **ret, struct kata_error *err);
/* linux.seccomp (oci_spec_seccomp.c) and linux.resources (oci_spec_resources.c); absent: 0 and
 * *ret untouched. */
int oci_parse_seccomp(yajl_val linux, Grpc__LinuxSeccomp **ret, struct kata_error *err);
int oci_parse_resources(yajl_val linux, Grpc__LinuxResources **ret, struct kata_error *err);

/* Internal: allocation helpers shared by the parser files. */
void *oci_alloc(size_t size, const void *init);
/* Variadic so that an INIT macro passed through another macro (its braces hold commas) still
 * arrives as one initializer. */
#define OCI_NEW(type, ...)                                                                         \
	({                                                                                         \
		static const type _init = __VA_ARGS__;                                             \
		(type *)oci_alloc(sizeof(type), &_init);                                           \
	})

#endif
