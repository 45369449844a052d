// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost-user receive path of one function (sim/bus/vhost_user.c:
 * vu_dev_serve(), what the bus thread calls for each message) behind a
 * real socket, with the PF model behind it (sim/bus/pcidev.c): the input
 * is what a front end writes on the socket, in chunks, each with the fds
 * it passes (SCM_RIGHTS), and the guest memory it writes.  The socket
 * framing is the input's: headers and payloads may be cut anywhere.
 *
 * Input: records of [u8 kind] ...
 *	kind % 4 == 0..2: a chunk: [u8 nfds] nfds x [u8 fd kind] [u16 len]
 *			  [len bytes] sent with one sendmsg()
 *	kind % 4 == 3:    guest memory: [u16 offset] [u8 len] [bytes]
 *			  into the memfd fd kind 0 passes
 * fd kinds: 0 the guest memory memfd (64 KiB), 1 a 4 KiB memfd, 2 an
 * eventfd, 3 a pipe's write end, 4 a pipe's write end whose reader is
 * gone, 5 /dev/null, 6 a directory.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "models/topology.h"
#include "sim/bus/log.h"
#include "sim/bus/pcidev.h"
#include "fuzz.h"

#define MEM 0x10000u

struct env {
	struct topology *t;
	struct pcidev dev;
	int peer;		/* the front end's end of the socket */
	int memfd;
	uint8_t *mem;
	int pipes[8];		/* read ends kept open by the "front end" */
	unsigned int npipes;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sigset_t pipe;

	(void)argc, (void)argv;
	log_max_level = LOG_ERR;
	/* Made before fz_fds_mark() sees the fds open at start. */
	fz_guest_memfd(MEM, &(uint8_t *){ NULL });
	/* As on the bus thread (sim/bus/bus.c). */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, NULL);
	return 0;
}

static int make_fd(struct env *e, uint8_t kind)
{
	int p[2], fd = -1;

	switch (kind % 7) {
	case 0:
		return dup(e->memfd);
	case 1:
		fd = memfd_create("fuzz-small", MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, 4096))
			abort();
		return fd;
	case 2:
		return eventfd(0, EFD_CLOEXEC);
	case 3:
	case 4:
		if (pipe2(p, O_CLOEXEC))
			abort();
		if (kind % 7 == 4 || e->npipes == 8)
			close(p[0]);
		else
			e->pipes[e->npipes++] = p[0];
		return p[1];
	case 5:
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	default:
		return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
}

static void chunk(struct env *e, struct fz *f)
{
	char cbuf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
	unsigned int nfds = fz_u8(f) % (VU_MAX_FDS + 1);
	int fds[VU_MAX_FDS];
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	size_t len;
	const uint8_t *p;

	for (unsigned int i = 0; i < nfds; i++)
		if ((fds[i] = make_fd(e, fz_u8(f))) < 0)
			abort();
	p = fz_bytes(f, fz_u16(f), &len);
	if (!len) {
		for (unsigned int i = 0; i < nfds; i++)
			close(fds[i]);
		return;
	}
	iov = (struct iovec){ (void *)p, len };
	if (nfds) {
		struct cmsghdr *cm;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	/* The device reads after each chunk: the socket never fills. */
	(void)!sendmsg(e->peer, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	for (unsigned int i = 0; i < nfds; i++)
		close(fds[i]);
}

static void guest_write(struct env *e, struct fz *f)
{
	uint16_t off = fz_u16(f) % MEM;
	size_t n;
	const uint8_t *p = fz_bytes(f, fz_u8(f), &n);

	if (n > MEM - off)
		n = MEM - off;
	memcpy(e->mem + off, p, n);
}

/* A whole message waits (the bus's epoll would wake for the rest). */
static bool message_ready(int fd)
{
	struct vu_hdr h;
	int queued = 0;

	if (ioctl(fd, FIONREAD, &queued) || queued < (int)sizeof(h) ||
	    recv(fd, &h, sizeof(h), MSG_PEEK | MSG_DONTWAIT) != sizeof(h))
		return false;
	return h.size > sizeof(struct vu_msg) ||
	       (size_t)queued >= sizeof(h) + h.size;
}

/*
 * The bus thread: serve each message, then the rings; at @eof serve
 * until the device sees the end.  Returns false once disconnected.
 */
static bool serve(struct env *e, bool eof)
{
	char drain[512];

	while (eof || message_ready(e->dev.vu.conn_fd)) {
		if (vu_dev_serve(&e->dev.vu)) {
			pcidev_disconnect(&e->dev);
			return false;
		}
		pcidev_process(&e->dev);
		while (recv(e->peer, drain, sizeof(drain), MSG_DONTWAIT) > 0)
			;	/* replies the front end does not read */
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct topology_opts o = { .mac = { 0x52, 0x54, 0, 0x56, 0x46, 0 } };
	struct env e = { 0 };
	bool open = true;
	int sv[2];

	fz_fds_mark();
	e.t = topology_create(&o);
	e.memfd = fz_guest_memfd(MEM, &e.mem);
	if (!e.t || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	pcidev_init(&e.dev, topology_func(e.t, 0));
	e.dev.vu.conn_fd = sv[0];
	e.peer = sv[1];
	while (open && !fz_empty(&f)) {
		if (fz_u8(&f) % 4 == 3)
			guest_write(&e, &f);
		else
			chunk(&e, &f);
		open = serve(&e, false);
	}
	/* The front end hangs up: the device sees EOF and disconnects. */
	shutdown(e.peer, SHUT_WR);
	if (open)
		serve(&e, true);
	pcidev_free(&e.dev);
	topology_destroy(e.t);
	close(sv[0]);
	close(sv[1]);
	for (unsigned int i = 0; i < e.npipes; i++)
		close(e.pipes[i]);
	fz_fds_check();
	return 0;
}
