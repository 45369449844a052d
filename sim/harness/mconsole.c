// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mconsole.h"

/* arch/um/drivers/mconsole.h, version 2 */
#define MCONSOLE_MAGIC 0xcafebabe
#define MCONSOLE_VERSION 2
#define MCONSOLE_MAX_DATA 512

struct mc_request {
	uint32_t magic;
	uint32_t version;
	uint32_t len;
	char data[MCONSOLE_MAX_DATA];
};

struct mc_reply {
	uint32_t err;
	uint32_t more;		/* another packet follows */
	uint32_t len;
	char data[MCONSOLE_MAX_DATA];
};

static int set_path(struct sockaddr_un *sa, const char *path)
{
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	sa->sun_family = AF_UNIX;
	strcpy(sa->sun_path, path);
	return 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Packets until one without "more"; their text appended to @reply. */
static int read_reply(int fd, unsigned int timeout_ms, char *reply,
		      size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec t0;
	size_t used = 0;
	struct mc_reply r;

	bool some = false;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long left = timeout_ms - ms_since(&t0);
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			return some ? -EAGAIN : -ETIMEDOUT;
		n = recv(fd, &r, sizeof(r), 0);
		if (n < (ssize_t)offsetof(struct mc_reply, data))
			continue;
		some = true;
		if (r.len > MCONSOLE_MAX_DATA ||
		    r.len > n - offsetof(struct mc_reply, data))
			r.len = n - offsetof(struct mc_reply, data);
		if (len && used < len - 1) {
			size_t take = r.len < len - 1 - used ? r.len :
				      len - 1 - used;

			memcpy(reply + used, r.data, take);
			used += take;
			reply[used] = 0;
		}
		if (!r.more)
			return r.err ? 1 : 0;
	}
}

int mconsole_command(const char *sock_path, const char *client_path,
		     const char *cmd, unsigned int timeout_ms, char *reply,
		     size_t len)
{
	struct sockaddr_un to, me;
	struct mc_request req = { .magic = MCONSOLE_MAGIC,
				  .version = MCONSOLE_VERSION };
	int fd, ret;

	if (len)
		reply[0] = 0;
	if (strlen(cmd) >= MCONSOLE_MAX_DATA)
		return -EINVAL;
	if ((ret = set_path(&to, sock_path)) ||
	    (ret = set_path(&me, client_path)))
		return ret;
	req.len = strlen(cmd);
	memcpy(req.data, cmd, req.len);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(client_path);
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) ||
	    sendto(fd, &req, offsetof(struct mc_request, data) + req.len, 0,
		   (struct sockaddr *)&to, sizeof(to)) < 0)
		ret = -errno;
	else
		ret = read_reply(fd, timeout_ms, reply, len);
	close(fd);
	unlink(client_path);
	return ret;
}
