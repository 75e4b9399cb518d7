/* SPDX-License-Identifier: Apache-2.0 */
#include "channel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#include "cleanup.h"
#include "frame_reader.h"
#include "log.h"
#include "loop.h"

#define PORT_WAIT_MS  10000
#define PORT_POLL_MS  5
#define GHOST_TIMEOUT 1000
#define RECHECK_MS    100

struct out_buf {
	struct out_buf *next;
	size_t len, off;
	uint8_t data[];
};

static struct {
	enum channel_kind kind;
	struct channel_callbacks cb;
	struct frame_reader reader;
	struct watch conn;    /* the serial port, or the accepted vsock connection */
	struct watch listen;  /* vsock only */
	struct timer ghost;   /* serial: bytes came but no host showed up */
	struct timer recheck; /* serial: a safety net for wake-ups missed while disconnected */
	bool connected;	      /* serial: the port polls without POLLHUP; vsock: accepted */
	unsigned generation;
	size_t discard; /* bytes left of an oversized frame being skipped */
	struct out_buf *out, **out_tail;
} ch = {.conn = {.fd = -1}, .listen = {.fd = -1}, .generation = 1};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns 1 with the /dev path of the port named AGENT_SERIAL_PORT_NAME, 0 if not there yet. */
static int find_serial_port(char *path, size_t size)
{
	cleanup_dir DIR *d = opendir("/sys/class/virtio-ports");
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char name_path[512], name[64] = "";
		snprintf(name_path, sizeof(name_path), "/sys/class/virtio-ports/%s/name",
			 de->d_name);
		cleanup_close int fd = open(name_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, name, sizeof(name) - 1);
		if (n <= 0)
			continue;
		name[n] = '\0';
		name[strcspn(name, "\n")] = '\0';
		if (strcmp(name, AGENT_SERIAL_PORT_NAME) == 0) {
			snprintf(path, size, "/dev/%s", de->d_name);
			return 1;
		}
	}
	return 0;
}

/* A virtio console device (id 3) exists, so a port is worth waiting for. */
static bool have_virtio_console(void)
{
	cleanup_dir DIR *d = opendir("/sys/bus/virtio/devices");
	if (!d)
		return false;
	struct dirent *de;
	while ((de = readdir(d))) {
		char p[512], id[32] = "";
		snprintf(p, sizeof(p), "/sys/bus/virtio/devices/%s/device", de->d_name);
		cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, id, sizeof(id) - 1);
		if (n > 0 && strtol(id, NULL, 0) == 3)
			return true;
	}
	return false;
}

static int open_serial_port(bool wait_long)
{
	char path[300];
	long deadline = now_ms() + (wait_long ? PORT_WAIT_MS : 0);
	for (;;) {
		if (find_serial_port(path, sizeof(path)) == 1) {
			int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
			if (fd >= 0) {
				log_debug("channel: virtio-serial port %s", path);
				return fd;
			}
			if (errno != ENOENT)
				return -errno;
		}
		if (now_ms() >= deadline)
			return -ENOENT;
		usleep(PORT_POLL_MS * 1000);
	}
}

/* virtio-serial reports POLLHUP while no host has the port's chardev open. */
static bool serial_host_connected(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, 0) < 0)
		return false;
	return !(p.revents & POLLHUP);
}

/*
 * Connected, the port is watched level-triggered (EPOLLOUT only while output waits).
 * Disconnected, it polls as EPOLLHUP all the time, so it is watched edge-triggered; a host
 * opening the port makes it writable, which is what reports the connect (EPOLLOUT).
 */
static void serial_update_watch(void)
{
	uint32_t ev =
	    ch.connected ? EPOLLIN | (ch.out ? EPOLLOUT : 0) : EPOLLIN | EPOLLOUT | EPOLLET;
	if (loop_watch(&ch.conn, ev) < 0)
		log_error("channel: cannot watch the port");
	if (ch.connected)
		timer_disarm(&ch.recheck);
	else if (!ch.recheck.w.events)
		timer_arm(&ch.recheck, RECHECK_MS, RECHECK_MS);
}

/* --- output queue ------------------------------------------------------------------------ */

static void drop_output(void)
{
	while (ch.out) {
		struct out_buf *b = ch.out;
		ch.out = b->next;
		free(b);
	}
	ch.out_tail = &ch.out;
}

/* Writes what the fd takes; returns 0, or -errno when the connection is broken. */
static int flush_output(void)
{
	while (ch.out && ch.connected) {
		struct out_buf *b = ch.out;
		ssize_t n = write(ch.conn.fd, b->data + b->off, b->len - b->off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		b->off += (size_t)n;
		if (b->off == b->len) {
			ch.out = b->next;
			if (!ch.out)
				ch.out_tail = &ch.out;
			free(b);
		}
	}
	/* Level-triggered: ask for EPOLLOUT only while something waits. */
	if (ch.kind == CHANNEL_VSOCK && ch.connected)
		loop_watch(&ch.conn, EPOLLIN | (ch.out ? EPOLLOUT : 0));
	else if (ch.kind == CHANNEL_SERIAL)
		serial_update_watch();
	return 0;
}

int channel_send_frame(uint32_t stream_id, uint8_t type, const uint8_t *payload, size_t len)
{
	if (len > TTRPC_MAX_MESSAGE_LEN)
		return -EMSGSIZE;
	struct out_buf *b = malloc(sizeof(*b) + TTRPC_HEADER_LEN + len);
	if (!b)
		return -ENOMEM;
	struct ttrpc_frame_header h = {
	    .length = (uint32_t)len, .stream_id = stream_id, .type = type};
	ttrpc_header_pack(&h, b->data);
	if (len)
		memcpy(b->data + TTRPC_HEADER_LEN, payload, len);
	b->len = TTRPC_HEADER_LEN + len;
	b->off = 0;
	b->next = NULL;
	*ch.out_tail = b;
	ch.out_tail = &b->next;
	int rc = flush_output();
	if (rc < 0)
		log_warn("channel: write: %s", strerror(-rc));
	return 0;
}

int channel_send_response(uint32_t stream_id, int32_t code, const char *message,
			  const ProtobufCMessage *msg)
{
	cleanup_free uint8_t *frame = NULL;
	ssize_t len = ttrpc_pack_response(code, message, msg, &frame);
	if (len < 0)
		return (int)len;
	return channel_send_frame(stream_id, TTRPC_TYPE_RESPONSE, frame, (size_t)len);
}

void channel_make_writes_synchronous(void)
{
	if (ch.conn.fd < 0 || !ch.connected)
		return;
	/* A blocking virtio-serial write returns once the host has taken the data. */
	int fl = fcntl(ch.conn.fd, F_GETFL);
	if (fl >= 0)
		fcntl(ch.conn.fd, F_SETFL, fl & ~O_NONBLOCK);
	flush_output();
}

/* --- connection boundaries --------------------------------------------------------------- */

/* Everything of the old connection goes: a partial frame, queued replies, deferred requests. */
static void end_connection(const char *why)
{
	log_debug("channel: host connection %u ended (%s)", ch.generation, why);
	ch.generation++;
	frame_reader_reset(&ch.reader);
	ch.discard = 0;
	drop_output();
	timer_disarm(&ch.ghost);
	ch.cb.disconnect();
}

static void ghost_expired(struct timer *t)
{
	timer_disarm(t);
	if (!ch.connected)
		end_connection("bytes arrived but no host connected");
}

/* --- input ------------------------------------------------------------------------------- */

/* Skips the rest of an oversized frame; returns 1 when done, 0 at EAGAIN, -EPIPE at EOF. */
static int discard_bytes(void)
{
	uint8_t buf[4096];
	while (ch.discard > 0) {
		ssize_t n =
		    read(ch.conn.fd, buf, ch.discard < sizeof(buf) ? ch.discard : sizeof(buf));
		if (n > 0) {
			ch.discard -= (size_t)n;
			continue;
		}
		if (n == 0)
			return -EPIPE;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN ? 0 : -errno;
	}
	return 1;
}

static void reject_oversized(void)
{
	uint32_t sid = ch.reader.h.stream_id;
	ch.discard = ch.reader.h.length;
	log_warn("channel: frame of %u bytes on stream %u exceeds the limit; skipped",
		 ch.reader.h.length, sid);
	frame_reader_reset(&ch.reader);
	/* gRPC's RESOURCE_EXHAUSTED, as for any oversized message. */
	channel_send_response(sid, 8, "message larger than 4 MiB", NULL);
}

/*
 * Reads and dispatches frames until the fd has nothing more. Returns 0 at EAGAIN, -EPIPE when
 * read() returned 0 (virtio-serial: no data and no host; vsock: peer closed), or -errno.
 */
static int read_frames(bool *ret_read_any)
{
	unsigned gen = ch.generation;
	for (;;) {
		int rc = ch.discard ? discard_bytes() : 1;
		if (rc == 1) {
			struct ttrpc_frame_header h;
			uint8_t *payload = NULL;
			size_t before = ch.reader.hdr_len + ch.reader.payload_len;
			rc = frame_reader_read(&ch.reader, ch.conn.fd, &h, &payload);
			if (ch.reader.skipped && (rc == 1 || rc == -EMSGSIZE)) {
				log_warn(
				    "channel: skipped %zu bytes of garbage before a frame header",
				    ch.reader.skipped);
				ch.reader.skipped = 0;
			}
			if (rc == 1) {
				*ret_read_any = true;
				ch.cb.frame(&h, payload);
				/* A handler may have ended the connection (vsock close). */
				if (gen != ch.generation || ch.conn.fd < 0)
					return 0;
				continue;
			}
			if (ch.reader.hdr_len + ch.reader.payload_len != before)
				*ret_read_any = true;
			if (rc == -EMSGSIZE) {
				reject_oversized();
				continue;
			}
		}
		return rc;
	}
}

/*
 * A host's first bytes may arrive before the driver has processed its "port open" message,
 * so bytes read while disconnected are kept for the coming host; read() returning 0 while
 * connected is the end of a connection. If bytes came but no host appears within a second,
 * they belonged to a host that came and went unseen, and are dropped.
 */
static void serial_event(struct watch *w, uint32_t events)
{
	for (;;) {
		bool read_any = false;
		int rc = read_frames(&read_any);
		bool was = ch.connected;
		bool now = serial_host_connected(w->fd);
		if (rc == -EPIPE && was) {
			ch.connected = false;
			end_connection("host closed the port");
			if (now)
				continue; /* a new host is already there: read its bytes */
		} else if (rc < 0 && rc != -EPIPE) {
			log_warn("channel: read: %s", strerror(-rc));
		}
		if (!was && now) {
			log_debug("channel: host connected (generation %u)", ch.generation);
			timer_disarm(&ch.ghost);
		}
		ch.connected = now;
		if (!now && read_any)
			timer_arm(&ch.ghost, GHOST_TIMEOUT, 0);
		break;
	}
	int rc = flush_output();
	if (rc < 0)
		log_warn("channel: write: %s", strerror(-rc));
}

static void recheck_tick(struct timer *t)
{
	serial_event(&ch.conn, 0);
}

static void vsock_event(struct watch *w, uint32_t events)
{
	bool read_any = false;
	int rc = (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) ? read_frames(&read_any) : 0;
	if (rc == 0 && ch.conn.fd >= 0)
		rc = flush_output();
	if (rc == 0 || ch.conn.fd < 0)
		return;
	if (rc != -EPIPE)
		log_warn("channel: vsock connection: %s", strerror(-rc));
	ch.connected = false;
	loop_unwatch(&ch.conn);
	close(ch.conn.fd);
	ch.conn.fd = -1;
	end_connection("peer closed");
	loop_watch(&ch.listen, EPOLLIN);
}

static void listen_ready(struct watch *w, uint32_t events)
{
	int fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("channel: accept: %s", strerror(errno));
		return;
	}
	/* One host connection at a time; others wait in the backlog. */
	loop_unwatch(w);
	ch.conn.fd = fd;
	ch.connected = true;
	log_debug("channel: vsock host connected (generation %u)", ch.generation);
	loop_watch(&ch.conn, EPOLLIN);
}

static int open_vsock_listener(void)
{
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_vm addr = {
	    .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = AGENT_VSOCK_PORT};
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 8) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static enum channel_kind pick_channel(enum channel_kind kind, int *ret_fd)
{
	*ret_fd = -1;
	if (kind == CHANNEL_VSOCK)
		return kind;
	bool vsock_dev = access("/dev/vsock", F_OK) == 0;
	/* Without a virtio console device, waiting for its port is pointless. */
	bool wait = kind == CHANNEL_SERIAL || have_virtio_console() || !vsock_dev;
	*ret_fd = open_serial_port(wait);
	if (*ret_fd >= 0)
		return CHANNEL_SERIAL;
	return kind == CHANNEL_AUTO && vsock_dev ? CHANNEL_VSOCK : CHANNEL_AUTO;
}

int channel_open(enum channel_kind kind, const struct channel_callbacks *cb)
{
	ch.cb = *cb;
	ch.out_tail = &ch.out;
	frame_reader_init(&ch.reader);
	int rc = timer_init(&ch.ghost, ghost_expired);
	if (rc < 0)
		return rc;

	int fd;
	ch.kind = pick_channel(kind, &fd);
	if (ch.kind == CHANNEL_AUTO) {
		log_error("channel: no virtio port named %s%s", AGENT_SERIAL_PORT_NAME,
			  kind == CHANNEL_AUTO ? " and no /dev/vsock" : "");
		return -ENOENT;
	}
	if (ch.kind == CHANNEL_SERIAL) {
		rc = timer_init(&ch.recheck, recheck_tick);
		if (rc < 0)
			return rc;
		ch.conn.fd = fd;
		ch.conn.fn = serial_event;
		ch.connected = false;
		serial_event(&ch.conn, 0);
		return 0;
	}
	ch.conn.fn = vsock_event;
	ch.listen.fn = listen_ready;
	fd = open_vsock_listener();
	if (fd < 0) {
		log_error("channel: vsock port %d: %s", AGENT_VSOCK_PORT, strerror(-fd));
		return fd;
	}
	ch.listen.fd = fd;
	log_info("channel: listening on vsock port %d", AGENT_VSOCK_PORT);
	return loop_watch(&ch.listen, EPOLLIN);
}

unsigned channel_generation(void)
{
	return ch.generation;
}
