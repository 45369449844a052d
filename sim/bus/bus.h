/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulated PCI bus: one listening vhost-user socket per function and
 * one thread that serves them all.
 *
 * Contract:
 * - bus_add() creates "<dir>/<name>.sock" for a function; UML connects to
 *   these in command-line order, which is also the slot order.
 * - bus_start() runs the bus thread: it blocks in epoll on the sockets and
 *   kick fds, and after any work polls the request rings for @spin_us
 *   (with guest kicks suppressed) before blocking again, so a burst of
 *   accesses costs no syscalls and an idle bus costs no CPU.
 * - All device model code runs on the bus thread: models need no locks.
 * - bus_stop() stops and joins the thread, closes every fd and unlinks
 *   every socket.  It is safe to call from any thread and more than once.
 */
#ifndef VFSIM_BUS_H
#define VFSIM_BUS_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "pcidev.h"

#define BUS_MAX_FUNCS 8
#define BUS_MAX_TIMERS 256

struct bus_timer {
	uint64_t at_us;
	void (*cb)(void *);
	void *arg;
};

struct bus_slot;

struct bus {
	int epfd;
	int stop_fd;
	int call_fd;			/* bus_call() wakes the bus thread */
	pthread_mutex_t call_lock;
	pthread_cond_t call_done;
	void (*call_fn)(void *);
	void *call_arg;
	pthread_t thread;
	bool running;
	unsigned int spin_us;
	unsigned int nslots;
	struct bus_slot *slot[BUS_MAX_FUNCS];
	unsigned int connects;		/* connections accepted so far */
	struct bus_timer timers[BUS_MAX_TIMERS];	/* bus thread only */
	unsigned int ntimers;
	uint64_t stat_requests[BUS_MAX_FUNCS];	/* kept after bus_stop() */
	uint64_t stat_msis[BUS_MAX_FUNCS];
	char dir[PATH_MAX];
};

int bus_init(struct bus *b, const char *dir, unsigned int spin_us);

/* Socket path of function @fn; 0 or -errno. */
int bus_add(struct bus *b, struct pci_func *fn);
const char *bus_socket_path(const struct bus *b, unsigned int i);

int bus_start(struct bus *b);

/*
 * On the bus thread only: run @cb(@arg) there after @us microseconds (what
 * delayed completions and MSIs use).  -ENOSPC when too many are pending.
 * Pending callbacks still run at bus_stop(), so nothing they own leaks.
 */
int bus_defer(void *bus, uint64_t us, void (*cb)(void *), void *arg);

/*
 * pci_transport.flush for the bus's functions: serve the requests already
 * queued to @fn, on the bus thread, from within another function's
 * request (never @fn's own).  Unknown @fn: nothing.
 */
void bus_flush(void *bus, struct pci_func *fn);

/* On the bus thread: close function @name's connection (hot-unplug). */
int bus_unplug(struct bus *b, const char *name);

/*
 * Run @fn(@arg) on the bus thread, between two guest accesses, and wait
 * for it: how other threads look at or change device state safely.
 * Runs @fn directly when the bus thread is not running.
 */
void bus_call(struct bus *b, void (*fn)(void *), void *arg);
void bus_stop(struct bus *b);

/* Requests and MSIs served by function @i (valid after bus_stop() too). */
uint64_t bus_requests(const struct bus *b, unsigned int i);
uint64_t bus_msis(const struct bus *b, unsigned int i);

#endif
