// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "capture.h"
#include "log.h"
#include "trace.h"

enum watch_kind { W_STOP, W_CALL, W_LISTEN, W_CONN, W_KICK };

struct watch {
	enum watch_kind kind;
	struct bus_slot *s;
};

struct bus_slot {
	struct pcidev dev;
	unsigned int slot;	/* PCI slot = expected registration order - 1 */
	int listen_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct watch w_listen, w_conn, w_kick;
};

static struct watch stop_watch = { W_STOP, NULL };
static struct watch call_watch = { W_CALL, NULL };

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

static int watch_fd(struct bus *b, int fd, struct watch *w)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

	if (!epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &ev))
		return 0;
	if (errno == EEXIST && !epoll_ctl(b->epfd, EPOLL_CTL_MOD, fd, &ev))
		return 0;
	return -errno;
}

int bus_init(struct bus *b, const char *dir, unsigned int spin_us)
{
	memset(b, 0, sizeof(*b));
	if (strlen(dir) >= sizeof(b->dir))
		return -ENAMETOOLONG;
	strcpy(b->dir, dir);
	b->spin_us = spin_us;
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (b->epfd < 0)
		return -errno;
	b->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	b->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->stop_fd < 0 || b->call_fd < 0)
		return -errno;
	pthread_mutex_init(&b->call_lock, NULL);
	pthread_cond_init(&b->call_done, NULL);
	capture_start();
	return watch_fd(b, b->stop_fd, &stop_watch) ?:
	       watch_fd(b, b->call_fd, &call_watch);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 2)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int bus_add(struct bus *b, struct pci_func *fn)
{
	struct bus_slot *s;
	int ret;

	if (b->nslots == BUS_MAX_FUNCS)
		return -ENOSPC;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if ((size_t)snprintf(s->path, sizeof(s->path), "%s/%s.sock", b->dir,
			     fn->name) >= sizeof(s->path)) {
		free(s);
		return -ENAMETOOLONG;
	}
	pcidev_init(&s->dev, fn);
	fn->tp.defer = bus_defer;
	fn->tp.flush = bus_flush;
	fn->tp.bus = b;
	s->listen_fd = listen_on(s->path);
	if (s->listen_fd < 0) {
		ret = s->listen_fd;
		pcidev_free(&s->dev);
		free(s);
		return ret;
	}
	s->w_listen = (struct watch){ W_LISTEN, s };
	s->w_conn = (struct watch){ W_CONN, s };
	s->w_kick = (struct watch){ W_KICK, s };
	s->slot = b->nslots;
	ret = watch_fd(b, s->listen_fd, &s->w_listen);
	b->slot[b->nslots++] = s;
	return ret;
}

const char *bus_socket_path(const struct bus *b, unsigned int i)
{
	return i < b->nslots ? b->slot[i]->path : NULL;
}

uint64_t bus_requests(const struct bus *b, unsigned int i)
{
	if (i < b->nslots)
		return b->slot[i]->dev.requests;
	return i < BUS_MAX_FUNCS ? b->stat_requests[i] : 0;
}

uint64_t bus_msis(const struct bus *b, unsigned int i)
{
	if (i < b->nslots)
		return b->slot[i]->dev.msis;
	return i < BUS_MAX_FUNCS ? b->stat_msis[i] : 0;
}

static void slot_disconnect(struct bus *b, struct bus_slot *s, const char *why)
{
	struct vu_dev *vu = &s->dev.vu;

	if (vu->conn_fd < 0)
		return;
	vlog(LOG_DEBUG, vu->name, "guest disconnected (%s)", why);
	trace_event(TRACE_VU, vu->name, "vhost-user", "disconnect reason=\"%s\"",
		    why);
	epoll_ctl(b->epfd, EPOLL_CTL_DEL, vu->conn_fd, NULL);
	close(vu->conn_fd);
	vu->conn_fd = -1;
	pcidev_disconnect(&s->dev);
}

static void slot_accept(struct bus *b, struct bus_slot *s)
{
	struct timeval tv = { .tv_sec = 2 };
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (s->dev.vu.conn_fd >= 0) {
		vlog(LOG_WARN, s->dev.vu.name,
		     "second connection refused: one guest per function");
		close(fd);
		return;
	}
	/* A front end that stops mid-message must not hang the bus. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	s->dev.vu.conn_fd = fd;
	b->connects++;
	trace_event(TRACE_VU, s->dev.vu.name, "vhost-user", "connect order=%u",
		    b->connects);
	/* UML fills slots in registration order; the VF layout relies on it. */
	if (b->connects != s->slot + 1)
		vlog(LOG_ERR, s->dev.vu.name, "registered as device %u but must "
		     "be device %u (slot %u): UML assigns slots in the order of "
		     "the virtio_uml.device= arguments, PF first, then VF0..",
		     b->connects, s->slot + 1, s->slot);
	if (watch_fd(b, fd, &s->w_conn))
		slot_disconnect(b, s, "epoll failed");
}

static void watch_kicks(struct bus *b, struct bus_slot *s)
{
	for (unsigned int i = 0; i < VU_NQUEUES; i++) {
		int fd = s->dev.vu.q[i].kick_fd;

		if (fd >= 0 && watch_fd(b, fd, &s->w_kick))
			vlog(LOG_ERR, s->dev.vu.name, "cannot watch kick fd");
	}
}

static void slot_message(struct bus *b, struct bus_slot *s)
{
	int ret = vu_dev_serve(&s->dev.vu);

	if (ret) {
		slot_disconnect(b, s, ret == -ECONNRESET ? "closed" :
				ret == -EPROTO ? "malformed message header" :
				strerror(-ret));
		return;
	}
	watch_kicks(b, s);
}

/*
 * A kick eventfd reads once; a few reads cover a pipe.  Bounded: an fd
 * that is always readable must not keep the bus here.
 */
static void drain(int fd)
{
	uint64_t v;

	for (int i = 0; i < 16 && read(fd, &v, sizeof(v)) > 0; i++)
		;
}

static void drain_kicks(struct bus_slot *s)
{
	for (unsigned int i = 0; i < VU_NQUEUES; i++)
		if (s->dev.vu.q[i].kick_fd >= 0)
			drain(s->dev.vu.q[i].kick_fd);
}

static void run_call(struct bus *b)
{
	uint64_t v;

	(void)!read(b->call_fd, &v, sizeof(v));
	pthread_mutex_lock(&b->call_lock);
	if (b->call_fn) {
		b->call_fn(b->call_arg);
		b->call_fn = NULL;
		pthread_cond_broadcast(&b->call_done);
	}
	pthread_mutex_unlock(&b->call_lock);
}

void bus_call(struct bus *b, void (*fn)(void *), void *arg)
{
	static const uint64_t one = 1;

	if (!b->running) {
		fn(arg);
		return;
	}
	pthread_mutex_lock(&b->call_lock);
	while (b->call_fn)	/* one call at a time */
		pthread_cond_wait(&b->call_done, &b->call_lock);
	b->call_fn = fn;
	b->call_arg = arg;
	(void)!write(b->call_fd, &one, sizeof(one));
	while (b->call_fn == fn && b->call_arg == arg)
		pthread_cond_wait(&b->call_done, &b->call_lock);
	pthread_mutex_unlock(&b->call_lock);
}

int bus_defer(void *bus, uint64_t us, void (*cb)(void *), void *arg)
{
	struct bus *b = bus;

	if (b->ntimers == BUS_MAX_TIMERS)
		return -ENOSPC;
	b->timers[b->ntimers++] = (struct bus_timer){ now_us() + us, cb, arg };
	return 0;
}

/* Run the timers that are due (all of them if @all). */
static void run_timers(struct bus *b, bool all)
{
	uint64_t now = now_us();

	for (unsigned int i = 0; i < b->ntimers;) {
		struct bus_timer t = b->timers[i];

		if (!all && t.at_us > now) {
			i++;
			continue;
		}
		b->timers[i] = b->timers[--b->ntimers];
		t.cb(t.arg);
	}
}

/* epoll timeout: -1 with no timers, else ms until the first one is due. */
static int timer_timeout(struct bus *b, int timeout_ms)
{
	uint64_t now = now_us(), first = UINT64_MAX;

	if (!b->ntimers || timeout_ms == 0)
		return timeout_ms;
	for (unsigned int i = 0; i < b->ntimers; i++)
		if (b->timers[i].at_us < first)
			first = b->timers[i].at_us;
	return first <= now ? 0 : (int)((first - now + 999) / 1000);
}

int bus_unplug(struct bus *b, const char *name)
{
	for (unsigned int i = 0; i < b->nslots; i++)
		if (!strcmp(b->slot[i]->dev.vu.name, name)) {
			slot_disconnect(b, b->slot[i], "unplugged by a fault");
			return 0;
		}
	return -ENOENT;
}

/* Returns false when the bus must stop. */
static bool handle_events(struct bus *b, int timeout_ms)
{
	struct epoll_event ev[16];
	int n = epoll_wait(b->epfd, ev, 16, timer_timeout(b, timeout_ms));

	for (int i = 0; i < n; i++) {
		struct watch *w = ev[i].data.ptr;

		switch (w->kind) {
		case W_STOP:
			return false;
		case W_CALL:
			run_call(b);
			break;
		case W_LISTEN:
			slot_accept(b, w->s);
			break;
		case W_CONN:
			slot_message(b, w->s);
			break;
		case W_KICK:
			/*
			 * Serve the function now, in the order the kicks came:
			 * a VF's posted config write must not be served after
			 * a later PF write that disables the VF (PCI keeps
			 * posted writes in order; slot order did not).
			 */
			drain_kicks(w->s);
			pcidev_process(&w->s->dev);
			break;
		}
	}
	run_timers(b, false);
	return true;
}

static int process_all(struct bus *b)
{
	int work = 0;

	for (unsigned int i = 0; i < b->nslots; i++)
		work += pcidev_process(&b->slot[i]->dev);
	return work;
}

void bus_flush(void *bus, struct pci_func *fn)
{
	struct bus *b = bus;

	for (unsigned int i = 0; i < b->nslots; i++)
		if (b->slot[i]->dev.fn == fn)
			while (pcidev_process(&b->slot[i]->dev))
				;
}

static bool any_work(struct bus *b)
{
	for (unsigned int i = 0; i < b->nslots; i++)
		if (pcidev_has_work(&b->slot[i]->dev))
			return true;
	return false;
}

/* Poll the rings for spin_us after the last work; true if work showed up. */
static bool spin(struct bus *b)
{
	uint64_t end = now_us() + b->spin_us;
	unsigned int iter = 0;

	/*
	 * Guest kicks stay on while we poll: UML is uniprocessor, so its
	 * barrier between publishing the avail index and reading
	 * VRING_USED_F_NO_NOTIFY is only a compiler barrier, and suppressing
	 * kicks could lose the wakeup of an access made just as we sleep.
	 */
	while (now_us() < end) {
		if (any_work(b))
			return true;
		/* Control messages and MSI buffer kicks still need epoll. */
		if (++iter % 64 == 0) {
			if (!handle_events(b, 0))
				return false;
			if (process_all(b))
				end = now_us() + b->spin_us;
		}
		/* Yield, do not burn: UML may need this core to answer. */
		sched_yield();
	}
	return false;
}

static void *bus_thread(void *arg)
{
	struct bus *b = arg;
	sigset_t pipe;

	/*
	 * UML's call fds are pipes: an MSI written after UML closed its end
	 * must fail with EPIPE here, not kill the simulator.
	 */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, NULL);

	while (handle_events(b, -1)) {
		do {
			while (process_all(b))
				;
		} while (b->spin_us && spin(b));
		trace_flush();
	}
	return NULL;
}

int bus_start(struct bus *b)
{
	int ret = pthread_create(&b->thread, NULL, bus_thread, b);

	if (ret)
		return -ret;
	b->running = true;
	return 0;
}

void bus_stop(struct bus *b)
{
	static const uint64_t one = 1;

	if (b->running) {
		(void)!write(b->stop_fd, &one, sizeof(one));
		pthread_join(b->thread, NULL);
		b->running = false;
	}
	run_timers(b, true);
	for (unsigned int i = 0; i < b->nslots; i++) {
		struct bus_slot *s = b->slot[i];

		b->stat_requests[i] = s->dev.requests;
		b->stat_msis[i] = s->dev.msis;
		if (s->dev.vu.conn_fd >= 0)
			close(s->dev.vu.conn_fd);
		s->dev.vu.conn_fd = -1;
		pcidev_free(&s->dev);
		close(s->listen_fd);
		unlink(s->path);
		free(s);
		b->slot[i] = NULL;
	}
	b->nslots = 0;
	if (b->stop_fd >= 0)
		close(b->stop_fd);
	if (b->call_fd >= 0)
		close(b->call_fd);
	b->call_fd = -1;
	if (b->epfd >= 0)
		close(b->epfd);
	b->stop_fd = b->epfd = -1;
	capture_stop();
	trace_flush();
}
