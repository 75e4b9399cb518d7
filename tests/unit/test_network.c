/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the networking and hooks helpers that need no VM: netlink message building
 * and parsing, the agent's MAC and route destination parsing, and hooks validation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../agent/netif.c"
#include "hooks.h"

static void test_netlink_nested_attributes(void **state)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = 7};
	struct nl_msg m;
	nl_msg_init(&m, RTM_NEWLINK, NLM_F_CREATE, &ifi, sizeof(ifi));
	nl_put_str(&m, IFLA_IFNAME, "eth0");
	struct rtattr *nest = nl_nest_start(&m, IFLA_LINKINFO);
	nl_put_str(&m, IFLA_INFO_KIND, "veth");
	nl_nest_end(&m, nest);
	nl_put_u32(&m, IFLA_MTU, 1400);
	assert_false(m.overflow);

	const struct nlmsghdr *h = (const struct nlmsghdr *)m.buf;
	assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
	assert_true(h->nlmsg_flags & NLM_F_REQUEST);
	assert_int_equal(((const struct ifinfomsg *)nl_data(h))->ifi_index, 7);
	const struct rtattr *tb[IFLA_MAX + 1];
	nl_parse(h, sizeof(ifi), tb, IFLA_MAX);
	assert_string_equal(RTA_DATA(tb[IFLA_IFNAME]), "eth0");
	assert_int_equal(*(const uint32_t *)RTA_DATA(tb[IFLA_MTU]), 1400);
	assert_non_null(tb[IFLA_LINKINFO]);
	const struct rtattr *info[IFLA_INFO_MAX + 1];
	nl_parse_nested(tb[IFLA_LINKINFO], info, IFLA_INFO_MAX);
	assert_string_equal(RTA_DATA(info[IFLA_INFO_KIND]), "veth");
}

static void test_netlink_overflow_is_refused(void **state)
{
	struct nl_msg m;
	nl_msg_init(&m, RTM_NEWLINK, 0, NULL, 0);
	static char big[NL_MSG_MAX];
	nl_put(&m, IFLA_IFALIAS, big, sizeof(big));
	assert_true(m.overflow);
	assert_int_equal(nl_request(-1, &m), -EMSGSIZE);
}

static void test_agent_mac_and_destinations(void **state)
{
	unsigned char mac[6];
	assert_int_equal(parse_mac("16:8f:5c:86:14:0e", mac), 0);
	assert_int_equal(mac[0], 0x16);
	assert_int_equal(mac[5], 0x0e);
	assert_int_equal(parse_mac("16:8f:5c:86:14", mac), -EINVAL);
	assert_int_equal(parse_mac("16:8f:5c:86:14:0e:00", mac), -EINVAL);
	assert_int_equal(parse_mac("1ff:8f:5c:86:14:0e", mac), -EINVAL);
	assert_int_equal(parse_mac(NULL, mac), -EINVAL);

	unsigned char bin[16];
	unsigned len;
	assert_int_equal(parse_dest(AF_INET, "", bin, &len), 0);
	assert_int_equal(parse_dest(AF_INET, "default", bin, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(parse_dest(AF_INET, "10.88.0.0/16", bin, &len), 1);
	assert_int_equal(len, 16);
	assert_int_equal(bin[0], 10);
	assert_int_equal(parse_dest(AF_INET, "10.1.2.3", bin, &len), 1);
	assert_int_equal(len, 32);
	assert_int_equal(parse_dest(AF_INET6, "fd00::/64", bin, &len), 1);
	assert_int_equal(len, 64);
	assert_int_equal(parse_dest(AF_INET, "10.0.0.0/33", bin, &len), -EINVAL);
	assert_int_equal(parse_dest(AF_INET, "10.0.0.0/", bin, &len), -EINVAL);
	assert_int_equal(parse_dest(AF_INET, "not-an-address/8", bin, &len), -EINVAL);
}

/* hooks_parse on a JSON text: the return code, and the error or the kept JSON in out. */
static int parse_hooks(const char *json, char **out, struct kata_error *err)
{
	yajl_val v = yajl_tree_parse(json, NULL, 0);
	assert_non_null(v);
	int rc = hooks_parse(v, out, err);
	yajl_tree_free(v);
	return rc;
}

static void test_hooks_validation(void **state)
{
	struct kata_error err = {0};
	char *json = NULL;
	assert_int_equal(parse_hooks("{}", &json, &err), 0);
	assert_null(json);
	assert_int_equal(parse_hooks("{\"prestart\": []}", &json, &err), 0);
	assert_null(json);
	assert_int_equal(
	    parse_hooks("{\"poststop\": [{\"path\": \"/bin/true\", \"timeout\": 5}]}", &json, &err),
	    0);
	assert_non_null(json);
	assert_true(hooks_have(json, HOOK_POSTSTOP));
	assert_false(hooks_have(json, HOOK_PRESTART));
	free(json);

	assert_int_equal(
	    parse_hooks("{\"createContainer\": [{\"path\": \"/bin/true\"}]}", &json, &err),
	    -ENOTSUP);
	assert_non_null(strstr(err.msg, "hooks.createContainer: not supported"));
	assert_int_equal(parse_hooks("{\"prestart\": [{\"path\": \"bin/true\"}]}", &json, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "is not an absolute path"));
	assert_int_equal(
	    parse_hooks("{\"prestart\": [{\"path\": \"/bin/true\", \"timeout\": 0}]}", &json, &err),
	    -EINVAL);
	assert_non_null(strstr(err.msg, "hooks.prestart[0].timeout: must be greater than zero"));
	assert_int_equal(parse_hooks("{\"prestart\": [{\"args\": []}]}", &json, &err), -EINVAL);
	assert_int_equal(parse_hooks("{\"poststart\": {}}", &json, &err), -EINVAL);
	assert_int_equal(parse_hooks("[]", &json, &err), -EINVAL);
}

static void test_hooks_run_and_fail(void **state)
{
	struct kata_error err = {0};
	const char *ok = "{\"poststart\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", "
			 "\"read l; test \\\"$l\\\" = state-line\"]}]}";
	assert_int_equal(hooks_run(ok, HOOK_POSTSTART, "state-line\n", "/", &err), 0);
	const char *bad = "{\"poststart\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", "
			  "\"echo oops; exit 4\"]}]}";
	assert_int_equal(hooks_run(bad, HOOK_POSTSTART, "{}", "/", &err), -ECANCELED);
	assert_string_equal(err.msg, "hooks.poststart[0] (/bin/sh): exited with status 4: oops");
	const char *missing = "{\"poststop\": [{\"path\": \"/no/such/hook\"}]}";
	assert_int_equal(hooks_run(missing, HOOK_POSTSTOP, "{}", "/", &err), -ECANCELED);
	assert_non_null(strstr(err.msg, "exited with status 127: exec /no/such/hook"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_netlink_nested_attributes),
	    cmocka_unit_test(test_netlink_overflow_is_refused),
	    cmocka_unit_test(test_agent_mac_and_destinations),
	    cmocka_unit_test(test_hooks_validation),
	    cmocka_unit_test(test_hooks_run_and_fail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
