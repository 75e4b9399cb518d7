/* SPDX-License-Identifier: Apache-2.0 */
#include "qmp.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "qmp_json.h"
#include "sockutil.h"

/* QMP lines are small; query-qmp-schema is the largest at a few hundred KiB. */
#define QMP_LINE_MAX (16u << 20)

struct qmp_event {
	struct qmp_event *next;
	char *name;
};

struct qmp {
	int fd;
	char *buf; /* bytes read but not yet consumed as lines */
	size_t len, cap;
	bool eof;
	unsigned long long last_id;
	struct qmp_event *events, *events_tail;
};

static void tree_free(yajl_val *v)
{
	if (*v)
		yajl_tree_free(*v);
}
#define cleanup_tree __attribute__((cleanup(tree_free)))

/* Reads what the socket has into the buffer: >0 bytes, 0 for EOF, or -errno (-EAGAIN: none). */
static int qmp_read_some(struct qmp *q)
{
	if (q->cap - q->len < 4096) {
		size_t cap = q->cap ? q->cap * 2 : 8192;
		if (cap > QMP_LINE_MAX + 4096)
			return -EMSGSIZE;
		char *b = realloc(q->buf, cap);
		if (!b)
			return -ENOMEM;
		q->buf = b;
		q->cap = cap;
	}
	for (;;) {
		ssize_t n = recv(q->fd, q->buf + q->len, q->cap - q->len - 1, MSG_DONTWAIT);
		if (n >= 0) {
			q->len += (size_t)n;
			if (n == 0)
				q->eof = true;
			return (int)n;
		}
		if (errno != EINTR)
			return -errno;
	}
}

/* Detaches the first complete line from the buffer (malloc'ed), or NULL if none yet. */
static char *qmp_take_line(struct qmp *q, int *ret_err)
{
	*ret_err = 0;
	char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
	if (!nl)
		return NULL;
	size_t n = (size_t)(nl - q->buf);
	char *line = malloc(n + 1);
	if (!line) {
		*ret_err = -ENOMEM;
		return NULL;
	}
	memcpy(line, q->buf, n);
	line[n] = '\0';
	memmove(q->buf, nl + 1, q->len - n - 1);
	q->len -= n + 1;
	return line;
}

/* Waits until deadline for the next complete JSON line; -EPIPE once the peer closed. */
static int qmp_next_line(struct qmp *q, int64_t deadline, char **ret_line)
{
	for (;;) {
		int r;
		char *line = qmp_take_line(q, &r);
		if (r < 0)
			return r;
		if (line) {
			*ret_line = line;
			return 0;
		}
		if (q->eof)
			return -EPIPE;
		r = qmp_read_some(q);
		if (r > 0)
			continue;
		if (r == 0)
			return -EPIPE;
		if (r == -ECONNRESET)
			return -EPIPE;
		if (r != -EAGAIN)
			return r;
		r = wait_fd_until(q->fd, POLLIN, deadline);
		if (r < 0)
			return r;
	}
}

static int qmp_queue_event(struct qmp *q, const char *name)
{
	struct qmp_event *e = calloc(1, sizeof(*e));
	if (!e || !(e->name = strdup(name))) {
		free(e);
		return -ENOMEM;
	}
	if (q->events_tail)
		q->events_tail->next = e;
	else
		q->events = e;
	q->events_tail = e;
	return 0;
}

/*
 * Parses one line; queues it if it is an event. *ret_tree is set to the parsed message when it
 * is not an event (a reply or the greeting), for the caller to inspect.
 */
static int qmp_dispatch_line(struct qmp *q, const char *line, yajl_val *ret_tree)
{
	char errbuf[128];
	*ret_tree = NULL;
	yajl_val v = yajl_tree_parse(line, errbuf, sizeof(errbuf));
	if (!v || !YAJL_IS_OBJECT(v)) {
		if (v)
			yajl_tree_free(v);
		return -EBADMSG;
	}
	const char *event = qmp_json_string(v, "event");
	if (event) {
		int r = qmp_queue_event(q, event);
		yajl_tree_free(v);
		return r;
	}
	*ret_tree = v;
	return 0;
}

static int qmp_fail_io(struct kata_error *err, int r, const char *command, int timeout_ms)
{
	if (r == -ETIMEDOUT)
		return kata_fail(err, ETIMEDOUT, "qmp %s: no reply within %d ms", command,
				 timeout_ms);
	if (r == -EPIPE)
		return kata_fail(err, EPIPE, "qmp %s: QEMU closed the connection", command);
	if (r == -EBADMSG)
		return kata_fail(err, EBADMSG, "qmp %s: QEMU sent a line that is not a JSON object",
				 command);
	return kata_fail_errno(err, -r, "qmp %s", command);
}

/* The reply's id, or 0 when it carries none. */
static unsigned long long reply_id(yajl_val reply)
{
	yajl_val id = qmp_json_member(reply, "id");
	return YAJL_IS_INTEGER(id) && YAJL_GET_INTEGER(id) > 0
		   ? (unsigned long long)YAJL_GET_INTEGER(id)
		   : 0;
}

static int qmp_error_reply(yajl_val error, const char *command, struct kata_error *err)
{
	const char *desc = qmp_json_string(error, "desc");
	const char *cls = qmp_json_string(error, "class");
	int errnum = cls && strcmp(cls, "CommandNotFound") == 0 ? EOPNOTSUPP : EIO;
	return kata_fail(err, errnum, "qmp %s: %s%s%s%s", command, desc ? desc : "failed",
			 cls ? " (" : "", cls ? cls : "", cls ? ")" : "");
}

static bool valid_command_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

int qmp_execute(struct qmp *q, const char *command, const char *args_json, char **ret_return_json,
		int timeout_ms, struct kata_error *err)
{
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	if (!valid_command_name(command))
		return kata_fail(err, EINVAL, "qmp: invalid command name \"%s\"", command);
	if (args_json) {
		char errbuf[128];
		cleanup_tree yajl_val args = yajl_tree_parse(args_json, errbuf, sizeof(errbuf));
		if (!YAJL_IS_OBJECT(args))
			return kata_fail(err, EINVAL, "qmp %s: arguments are not a JSON object",
					 command);
	}

	unsigned long long id = ++q->last_id;
	cleanup_free char *req = NULL;
	int len = asprintf(&req, "{\"execute\":\"%s\"%s%s,\"id\":%llu}\n", command,
			   args_json ? ",\"arguments\":" : "", args_json ? args_json : "", id);
	if (len < 0) {
		req = NULL;
		return kata_fail(err, ENOMEM, "qmp %s: out of memory", command);
	}
	int r = send_all_until(q->fd, req, (size_t)len, deadline);
	if (r < 0)
		return qmp_fail_io(err, r == -ECONNRESET ? -EPIPE : r, command, timeout_ms);

	for (;;) {
		cleanup_free char *line = NULL;
		r = qmp_next_line(q, deadline, &line);
		if (r < 0)
			return qmp_fail_io(err, r, command, timeout_ms);
		cleanup_tree yajl_val reply = NULL;
		r = qmp_dispatch_line(q, line, &reply);
		if (r < 0)
			return qmp_fail_io(err, r, command, timeout_ms);
		if (!reply)
			continue; /* an event, now queued */
		yajl_val error = qmp_json_member(reply, "error");
		unsigned long long rid = reply_id(reply);
		/* QEMU answers a request it could not parse with an error that has no id. */
		if (rid != id && !(error && rid == 0))
			continue; /* a late reply to a request that timed out earlier */
		if (error)
			return qmp_error_reply(error, command, err);
		yajl_val ret = qmp_json_member(reply, "return");
		if (!ret)
			return kata_fail(err, EBADMSG, "qmp %s: reply has neither return nor error",
					 command);
		if (ret_return_json) {
			*ret_return_json = qmp_json_serialize(ret);
			if (!*ret_return_json)
				return kata_fail(err, ENOMEM, "qmp %s: out of memory", command);
		}
		return 0;
	}
}

int qmp_from_fd(int fd, int timeout_ms, struct qmp **ret, struct kata_error *err)
{
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	struct qmp *q = calloc(1, sizeof(*q));
	if (!q) {
		close(fd);
		return kata_fail(err, ENOMEM, "qmp: out of memory");
	}
	q->fd = fd;

	/* QEMU can emit an event (RESUME as the vCPUs start) ahead of the greeting when we connect
	 * at that moment: queue events until the greeting arrives. */
	yajl_val greeting = NULL;
	int r;
	for (;;) {
		cleanup_free char *line = NULL;
		r = qmp_next_line(q, deadline, &line);
		if (r < 0) {
			r = qmp_fail_io(err, r, "greeting", timeout_ms);
			qmp_close(q);
			return r;
		}
		r = qmp_dispatch_line(q, line, &greeting);
		if (r == 0 && !greeting)
			continue; /* an event, now queued */
		if (r < 0 || !qmp_json_member(greeting, "QMP")) {
			if (greeting)
				yajl_tree_free(greeting);
			qmp_close(q);
			return kata_fail(err, EPROTO,
					 "qmp: expected a QMP greeting, got \"%.200s\"", line);
		}
		break;
	}
	yajl_tree_free(greeting);

	r = qmp_execute(q, "qmp_capabilities", NULL, NULL, deadline_left(deadline), err);
	if (r < 0) {
		qmp_close(q);
		return r;
	}
	*ret = q;
	return 0;
}

int qmp_connect(const char *socket_path, int timeout_ms, struct qmp **ret, struct kata_error *err)
{
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int fd = unix_connect_retry(socket_path, timeout_ms, "the QMP socket", err);
	if (fd < 0)
		return fd;
	return qmp_from_fd(fd, deadline_left(deadline), ret, err);
}

int qmp_next_event(struct qmp *q, char **ret_event)
{
	struct qmp_event *e = q->events;
	if (!e)
		return 0;
	q->events = e->next;
	if (!q->events)
		q->events_tail = NULL;
	*ret_event = e->name;
	free(e);
	return 1;
}

int qmp_fd(const struct qmp *q)
{
	return q->fd;
}

int qmp_poll_events(struct qmp *q)
{
	for (;;) {
		int r;
		char *line = qmp_take_line(q, &r);
		if (r < 0)
			return r;
		if (line) {
			yajl_val reply = NULL;
			r = qmp_dispatch_line(q, line, &reply);
			free(line);
			if (reply)
				yajl_tree_free(reply); /* a late reply nobody waits for */
			if (r < 0 && r != -EBADMSG)
				return r;
			continue;
		}
		if (q->eof)
			return -EPIPE;
		r = qmp_read_some(q);
		if (r == -EAGAIN)
			return 0;
		if (r == 0 || r == -ECONNRESET)
			return -EPIPE;
		if (r < 0)
			return r;
	}
}

struct qmp *qmp_close(struct qmp *q)
{
	if (!q)
		return NULL;
	if (q->fd >= 0)
		close(q->fd);
	char *name;
	while (qmp_next_event(q, &name))
		free(name);
	free(q->buf);
	free(q);
	return NULL;
}
