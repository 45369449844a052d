// SPDX-License-Identifier: GPL-2.0
/* The bus thread: what a front end gone away can do to it. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <check.h>

#include "sim/bus/bus.h"

Suite *bus_suite(void);

struct probe {
	bool sigpipe_blocked;
	int write_errno;
};

/*
 * On the bus thread: UML's call fds are pipes, and an MSI written after
 * UML closed its end must be EPIPE there, not a SIGPIPE that kills vfsim.
 */
static void on_bus(void *arg)
{
	struct probe *p = arg;
	uint64_t one = 1;
	sigset_t mask;
	int fds[2];

	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	p->sigpipe_blocked = sigismember(&mask, SIGPIPE);
	if (pipe(fds))
		return;
	close(fds[0]);
	if (write(fds[1], &one, sizeof(one)) < 0)
		p->write_errno = errno;
	close(fds[1]);
}

START_TEST(test_bus_thread_survives_broken_call_pipe)
{
	char dir[] = "/tmp/vfsim-bus-XXXXXX";
	struct probe p = { false, 0 };
	struct bus *b = calloc(1, sizeof(*b));

	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(bus_init(b, dir, 0), 0);
	ck_assert_int_eq(bus_start(b), 0);
	bus_call(b, on_bus, &p);
	bus_stop(b);
	rmdir(dir);
	free(b);
	ck_assert(p.sigpipe_blocked);
	ck_assert_int_eq(p.write_errno, EPIPE);
}
END_TEST

Suite *bus_suite(void)
{
	Suite *s = suite_create("bus");
	TCase *tc = tcase_create("thread");

	tcase_add_test(tc, test_bus_thread_survives_broken_call_pipe);
	suite_add_tcase(s, tc);
	return s;
}
