/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Task events back to containerd. containerd 1.6's own shims forward them over ttrpc to
 * containerd.services.events.ttrpc.v1.Events/Forward on TTRPC_ADDRESS (the -publish-binary
 * path is the older way): an envelope with namespace, topic, timestamp and the event as an
 * Any whose type_url is the event's protobuf name ("containerd.events.TaskExit").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "containerd/events/forward.pb-c.h"
#include "shim.h"
#include "ttrpc.h"
#include "ttrpc.pb-c.h"

#define FORWARD_TIMEOUT_S 5

static int connect_ttrpc(const char *address)
{
	if (!strncmp(address, "unix://", 7))
		address += 7;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(address) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, address);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct timeval tv = {.tv_sec = FORWARD_TIMEOUT_S};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return steal_fd(fd);
}

static int wait_response(int fd, uint32_t stream_id, char *msg, size_t msglen)
{
	struct ttrpc_reader r;
	ttrpc_reader_init(&r);
	for (;;) {
		struct ttrpc_frame_header h;
		uint8_t *payload = NULL;
		int rc = ttrpc_reader_read(&r, fd, &h, &payload);
		if (rc == 0)
			return -ETIMEDOUT; /* blocking fd: 0 only after the receive timeout */
		if (rc < 0)
			return rc;
		cleanup_free uint8_t *owned = payload;
		if (h.type != TTRPC_TYPE_RESPONSE || h.stream_id != stream_id)
			continue;
		Ttrpc__Response *resp = ttrpc__response__unpack(NULL, h.length, payload);
		if (!resp)
			return -EBADMSG;
		int code = resp->status ? resp->status->code : 0;
		if (code != 0)
			snprintf(msg, msglen, "%s", resp->status->message);
		ttrpc__response__free_unpacked(resp, NULL);
		return code ? -EPROTO : 0;
	}
}

int events_publish(const struct shim_flags *f, const char *topic, const char *type_name,
		   const void *proto_msg)
{
	if (!f->ttrpc_address || !*f->ttrpc_address) {
		shim_log("event %s not published: TTRPC_ADDRESS is not set", topic);
		return -EINVAL;
	}
	cleanup_free uint8_t *value = NULL;
	ssize_t len = ttrpc_pack_message(proto_msg, &value);
	if (len < 0)
		return (int)len;
	char type_url[128];
	snprintf(type_url, sizeof(type_url), "containerd.events.%s", type_name);

	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	any.type_url = type_url;
	any.value.data = value;
	any.value.len = (size_t)len;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	ts.seconds = now.tv_sec;
	ts.nanos = (int32_t)now.tv_nsec;
	Containerd__Services__Events__Ttrpc__V1__Envelope env =
	    CONTAINERD__SERVICES__EVENTS__TTRPC__V1__ENVELOPE__INIT;
	env.timestamp = &ts;
	env.namespace_ = (char *)f->namespace;
	env.topic = (char *)topic;
	env.event = &any;
	Containerd__Services__Events__Ttrpc__V1__ForwardRequest req =
	    CONTAINERD__SERVICES__EVENTS__TTRPC__V1__FORWARD_REQUEST__INIT;
	req.envelope = &env;

	cleanup_close int fd = connect_ttrpc(f->ttrpc_address);
	int rc = fd;
	char msg[512] = "";
	if (fd >= 0)
		rc = ttrpc_send_request(fd, 1, "containerd.services.events.ttrpc.v1.Events",
					"Forward", &req.base,
					(int64_t)FORWARD_TIMEOUT_S * 1000000000);
	if (rc >= 0)
		rc = wait_response(fd, 1, msg, sizeof(msg));
	if (rc < 0)
		shim_log("publish %s: %s%s%s", topic, strerror(-rc), *msg ? ": " : "", msg);
	return rc;
}
