// SPDX-License-Identifier: GPL-2.0
/* vhost-user back end: message validation, reception and handling. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "sim/bus/vhost_user.h"
#include "helpers.h"

#define NOFD VU_VRING_NOFD_MASK

static struct vu_msg msg(uint32_t req, uint32_t size)
{
	struct vu_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.request = req;
	m.hdr.flags = VU_FLAG_VERSION;
	m.hdr.size = size;
	return m;
}

static int check(const struct vu_msg *m, unsigned int nfds)
{
	char err[128] = "";
	int ret = vu_msg_check(m, nfds, err, sizeof(err));

	ck_assert_msg(ret == 0 || err[0], "rejected without a reason");
	return ret;
}

static int check_u64(uint32_t req, uint32_t size, uint64_t v,
		     unsigned int nfds)
{
	struct vu_msg m = msg(req, size);

	m.u64 = v;
	return check(&m, nfds);
}

static int check_mem(uint32_t num, uint32_t size, unsigned int nfds)
{
	struct vu_msg m = msg(VU_SET_MEM_TABLE, size);

	m.mem.num = num;
	return check(&m, nfds);
}

#define MEM_SIZE(n) (8 + (n) * (uint32_t)sizeof(struct vu_mem_region))

START_TEST(test_check_version)
{
	struct vu_msg m = msg(VU_GET_FEATURES, 0);

	ck_assert_int_eq(check(&m, 0), 0);
	m.hdr.flags = VU_FLAG_VERSION | VU_FLAG_NEED_REPLY;
	ck_assert_int_eq(check(&m, 0), 0);
	m.hdr.flags = 0;
	ck_assert_int_eq(check(&m, 0), -EINVAL);
	m.hdr.flags = 2;
	ck_assert_int_eq(check(&m, 0), -EINVAL);
	m.hdr.flags = 3;
	ck_assert_int_eq(check(&m, 0), -EINVAL);
}
END_TEST

START_TEST(test_check_mem_table)
{
	ck_assert_int_eq(check_mem(1, MEM_SIZE(1), 1), 0);
	ck_assert_int_eq(check_mem(8, MEM_SIZE(8), 8), 0);
	ck_assert_int_eq(check_mem(0, MEM_SIZE(0), 0), -EINVAL);
	ck_assert_int_eq(check_mem(9, MEM_SIZE(9), 8), -EINVAL);
	ck_assert_int_eq(check_mem(9, MEM_SIZE(9), 9), -EINVAL);
	ck_assert_int_eq(check_mem(1, MEM_SIZE(1) + 1, 1), -EINVAL);
	ck_assert_int_eq(check_mem(2, MEM_SIZE(1), 2), -EINVAL);
	ck_assert_int_eq(check_mem(1, 4, 1), -EINVAL);
	ck_assert_int_eq(check_mem(1, MEM_SIZE(1), 0), -EINVAL);
	ck_assert_int_eq(check_mem(2, MEM_SIZE(2), 1), -EINVAL);
	ck_assert_int_eq(check_mem(1, MEM_SIZE(1), 2), -EINVAL);
}
END_TEST

/*
 * A front end may send its whole region array (Linux 6.12's UML sends 72
 * bytes, two regions, with one in use): whole entries, up to 8.
 */
START_TEST(test_check_mem_table_array)
{
	ck_assert_int_eq(check_mem(1, MEM_SIZE(2), 1), 0);
	ck_assert_int_eq(check_mem(1, 72, 1), 0);
	ck_assert_int_eq(check_mem(2, MEM_SIZE(8), 2), 0);
	ck_assert_int_eq(check_mem(1, MEM_SIZE(9), 1), -EINVAL);
	ck_assert_int_eq(check_mem(1, MEM_SIZE(2) - 1, 1), -EINVAL);
	ck_assert_int_eq(check_mem(1, MEM_SIZE(2) + 8, 1), -EINVAL);
	ck_assert_int_eq(check_mem(3, MEM_SIZE(2), 3), -EINVAL);
}
END_TEST

static void check_fd_rules(uint32_t req)
{
	ck_assert_int_eq(check_u64(req, 8, 0, 1), 0);
	ck_assert_int_eq(check_u64(req, 8, 1, 1), 0);
	ck_assert_int_eq(check_u64(req, 8, NOFD, 0), 0);
	ck_assert_int_eq(check_u64(req, 8, 1 | NOFD, 0), 0);
	ck_assert_int_eq(check_u64(req, 8, 0, 0), -EINVAL);
	ck_assert_int_eq(check_u64(req, 8, NOFD, 1), -EINVAL);
	ck_assert_int_eq(check_u64(req, 8, 0, 2), -EINVAL);
	ck_assert_int_eq(check_u64(req, 8, 1u << 9, 1), -EINVAL);
	ck_assert_int_eq(check_u64(req, 8, 1ull << 40 | NOFD, 0), -EINVAL);
	ck_assert_int_eq(check_u64(req, 8, 2, 1), -EINVAL);
	ck_assert_int_eq(check_u64(req, 8, 0xff | NOFD, 0), -EINVAL);
	ck_assert_int_eq(check_u64(req, 4, 0, 1), -EINVAL);
	ck_assert_int_eq(check_u64(req, 0, 0, 1), -EINVAL);
}

START_TEST(test_check_vring_fds)
{
	check_fd_rules(VU_SET_VRING_KICK);
	check_fd_rules(VU_SET_VRING_CALL);
	check_fd_rules(VU_SET_VRING_ERR);
}
END_TEST

START_TEST(test_check_sizes)
{
	ck_assert_int_eq(check_u64(VU_GET_FEATURES, 8, 0, 0), -EINVAL);
	ck_assert_int_eq(check_u64(VU_GET_PROTOCOL_FEATURES, 0, 0, 0), 0);
	ck_assert_int_eq(check_u64(VU_GET_QUEUE_NUM, 4, 0, 0), -EINVAL);
	ck_assert_int_eq(check_u64(VU_SET_OWNER, 0, 0, 0), 0);
	ck_assert_int_eq(check_u64(VU_SET_FEATURES, 8, 0, 0), 0);
	ck_assert_int_eq(check_u64(VU_SET_FEATURES, 4, 0, 0), -EINVAL);
	ck_assert_int_eq(check_u64(VU_SET_FEATURES, 16, 0, 0), -EINVAL);
	ck_assert_int_eq(check_u64(VU_SET_PROTOCOL_FEATURES, 0, 0, 0),
			 -EINVAL);
}
END_TEST

START_TEST(test_check_queue_index)
{
	struct vu_msg m = msg(VU_SET_VRING_NUM, sizeof(m.state));

	m.state.index = 1;
	ck_assert_int_eq(check(&m, 0), 0);
	m.state.index = 2;
	ck_assert_int_eq(check(&m, 0), -EINVAL);
	m.hdr.size = 4;
	m.state.index = 0;
	ck_assert_int_eq(check(&m, 0), -EINVAL);
	m = msg(VU_SET_VRING_ADDR, sizeof(m.addr));
	m.addr.index = 1;
	ck_assert_int_eq(check(&m, 0), 0);
	m.addr.index = 5;
	ck_assert_int_eq(check(&m, 0), -EINVAL);
	m = msg(VU_GET_VRING_BASE, sizeof(m.state));
	m.state.index = 0xffffffff;
	ck_assert_int_eq(check(&m, 0), -EINVAL);
}
END_TEST

START_TEST(test_check_unexpected_fds)
{
	struct vu_msg m = msg(VU_GET_FEATURES, 0);

	ck_assert_int_eq(check(&m, 1), -EINVAL);
	m = msg(VU_SET_VRING_ENABLE, sizeof(m.state));
	ck_assert_int_eq(check(&m, 0), 0);
	ck_assert_int_eq(check(&m, 1), -EINVAL);
}
END_TEST

/* The back-end request channel: one fd, no payload. */
START_TEST(test_check_backend_req)
{
	struct vu_msg m = msg(VU_SET_BACKEND_REQ_FD, 0);

	ck_assert(vu_offered_protocol_features() &
		  (1ull << VU_PROTOCOL_F_BACKEND_REQ));
	ck_assert_int_eq(check(&m, 1), 0);
	ck_assert_int_eq(check(&m, 0), -EINVAL);
	ck_assert_int_eq(check(&m, 2), -EINVAL);
	m = msg(VU_SET_BACKEND_REQ_FD, 8);
	ck_assert_int_eq(check(&m, 1), -EINVAL);
}
END_TEST

START_TEST(test_check_unsupported)
{
	char err[128] = "";
	struct vu_msg m = msg(VU_SET_LOG_BASE, 8);

	ck_assert_int_eq(vu_msg_check(&m, 0, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "unsupported"), "err: %s", err);
	m = msg(VU_GET_CONFIG, 12);
	ck_assert_int_eq(check(&m, 0), -EINVAL);
	m = msg(99, 0);
	ck_assert_int_eq(check(&m, 0), -EINVAL);
	m = msg(0, 0);
	ck_assert_int_eq(check(&m, 0), -EINVAL);
}
END_TEST

/* ---- vu_msg_recv over a socketpair ---- */

static void pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void send_with_fd(int sock, const void *buf, size_t len, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	ck_assert_int_eq(sendmsg(sock, &mh, 0), (ssize_t)len);
}

START_TEST(test_recv_with_fd)
{
	struct vu_msg m = msg(VU_SET_VRING_KICK, 8), r;
	int sv[2], fds[VU_MAX_FDS], efd = eventfd(0, 0);
	unsigned int nfds = 99;

	pair(sv);
	ck_assert_int_ge(efd, 0);
	m.u64 = 1;
	send_with_fd(sv[1], &m, sizeof(m.hdr) + 8, efd);
	ck_assert_int_eq(vu_msg_recv(sv[0], &r, fds, &nfds), 0);
	ck_assert_uint_eq(nfds, 1);
	ck_assert_uint_eq(r.hdr.request, VU_SET_VRING_KICK);
	ck_assert_uint_eq(r.hdr.size, 8);
	ck_assert_uint_eq(r.u64, 1);
	ck_assert_int_ne(fds[0], efd);
	ck_assert(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(check(&r, nfds), 0);
	close(fds[0]);
	close(efd);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_recv_max_payload)
{
	struct vu_msg m = msg(VU_SET_FEATURES, sizeof(m.raw)), r;
	int sv[2], fds[VU_MAX_FDS];
	unsigned int nfds;

	pair(sv);
	memset(m.raw, 0x77, sizeof(m.raw));
	ck_assert_int_eq(write(sv[1], &m, sizeof(m)), (ssize_t)sizeof(m));
	ck_assert_int_eq(vu_msg_recv(sv[0], &r, fds, &nfds), 0);
	ck_assert_uint_eq(nfds, 0);
	ck_assert_mem_eq(r.raw, m.raw, sizeof(m.raw));
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_recv_oversized_header)
{
	struct vu_msg m = msg(VU_SET_FEATURES, sizeof(m.raw) + 1), r;
	int sv[2], fds[VU_MAX_FDS];
	unsigned int nfds;

	pair(sv);
	ck_assert_int_eq(write(sv[1], &m.hdr, sizeof(m.hdr)),
			 (ssize_t)sizeof(m.hdr));
	ck_assert_int_eq(vu_msg_recv(sv[0], &r, fds, &nfds), -EPROTO);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_recv_truncated_header)
{
	struct vu_msg m = msg(VU_GET_FEATURES, 0), r;
	int sv[2], fds[VU_MAX_FDS];
	unsigned int nfds;

	pair(sv);
	ck_assert_int_eq(write(sv[1], &m.hdr, 6), 6);
	close(sv[1]);
	ck_assert_int_lt(vu_msg_recv(sv[0], &r, fds, &nfds), 0);
	close(sv[0]);
}
END_TEST

START_TEST(test_recv_truncated_payload)
{
	struct vu_msg m = msg(VU_SET_FEATURES, 8), r;
	int sv[2], fds[VU_MAX_FDS];
	unsigned int nfds;

	pair(sv);
	ck_assert_int_eq(write(sv[1], &m, sizeof(m.hdr) + 4),
			 (ssize_t)sizeof(m.hdr) + 4);
	close(sv[1]);
	ck_assert_int_eq(vu_msg_recv(sv[0], &r, fds, &nfds), -ECONNRESET);
	close(sv[0]);
}
END_TEST

START_TEST(test_recv_eof)
{
	int sv[2], fds[VU_MAX_FDS];
	unsigned int nfds;
	struct vu_msg r;

	pair(sv);
	close(sv[1]);
	ck_assert_int_eq(vu_msg_recv(sv[0], &r, fds, &nfds), -ECONNRESET);
	close(sv[0]);
}
END_TEST

/* ---- vu_dev_handle ---- */

struct conn {
	struct vu_dev d;
	int peer;
};

static void conn_open(struct conn *c)
{
	int sv[2];

	pair(sv);
	vu_dev_init(&c->d, "vu");
	c->d.conn_fd = sv[0];
	c->peer = sv[1];
}

static void conn_close(struct conn *c)
{
	vu_dev_reset(&c->d);
	for (unsigned int i = 0; i < VU_NQUEUES; i++)
		vring_free(&c->d.q[i].vr);
	close(c->d.conn_fd);
	close(c->peer);
}

static int handle(struct conn *c, struct vu_msg *m, int *fds,
		  unsigned int nfds)
{
	ck_assert_int_eq(check(m, nfds), 0);
	return vu_dev_handle(&c->d, m, fds, nfds);
}

/* Read one reply; false if none is waiting. */
static bool reply(struct conn *c, struct vu_msg *r)
{
	ssize_t n = recv(c->peer, r, sizeof(r->hdr) + 8, MSG_DONTWAIT);

	if (n < 0 && errno == EAGAIN)
		return false;
	ck_assert_int_eq(n, sizeof(r->hdr) + 8);
	return true;
}

START_TEST(test_handle_get_features)
{
	struct vu_msg m = msg(VU_GET_FEATURES, 0), r;
	struct conn c;

	conn_open(&c);
	ck_assert_int_eq(handle(&c, &m, NULL, 0), 0);
	ck_assert(reply(&c, &r));
	ck_assert_uint_eq(r.hdr.request, VU_GET_FEATURES);
	ck_assert_uint_eq(r.hdr.flags, 0x5);
	ck_assert_uint_eq(r.hdr.size, 8);
	ck_assert_uint_eq(r.u64, vu_offered_features());
	ck_assert(r.u64 & (1ull << VIRTIO_F_VERSION_1));
	ck_assert(r.u64 & (1ull << VU_F_PROTOCOL_FEATURES));
	conn_close(&c);
}
END_TEST

START_TEST(test_handle_reply_ack)
{
	struct vu_msg m = msg(VU_SET_FEATURES, 8), r;
	struct conn c;

	conn_open(&c);
	m.hdr.flags |= VU_FLAG_NEED_REPLY;
	m.u64 = vu_offered_features();
	ck_assert_int_eq(handle(&c, &m, NULL, 0), 0);
	ck_assert_msg(!reply(&c, &r), "ack before REPLY_ACK was negotiated");
	m = msg(VU_SET_PROTOCOL_FEATURES, 8);
	m.hdr.flags |= VU_FLAG_NEED_REPLY;
	m.u64 = 1ull << VU_PROTOCOL_F_REPLY_ACK | 1ull << VU_PROTOCOL_F_MQ;
	ck_assert_int_eq(handle(&c, &m, NULL, 0), 0);
	ck_assert(reply(&c, &r));
	ck_assert_uint_eq(r.hdr.request, VU_SET_PROTOCOL_FEATURES);
	ck_assert_uint_eq(r.hdr.flags, 0x5);
	ck_assert_uint_eq(r.u64, 0);
	/* A rejected request is acked with a failure. */
	m.u64 |= 1ull << 20;
	ck_assert_int_eq(handle(&c, &m, NULL, 0), 0);
	ck_assert(reply(&c, &r));
	ck_assert_uint_ne(r.u64, 0);
	conn_close(&c);
}
END_TEST

/* One region, in a payload of @entries region slots (the rest junk). */
static void send_mem_table_in(struct conn *c, int memfd, uint32_t entries)
{
	struct vu_msg m = msg(VU_SET_MEM_TABLE, MEM_SIZE(entries));
	int fd = dup(memfd);

	m.mem.num = 1;
	for (uint32_t i = 1; i < entries; i++)
		m.mem.r[i] = (struct vu_mem_region){ 0xdead0000, 0x1000, 1, 2 };
	m.mem.r[0] = (struct vu_mem_region){
		.gpa = 0x100000, .size = 0x2000, .uaddr = 0x7f0000000000ull,
		.mmap_offset = 0x1000,
	};
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(handle(c, &m, &fd, 1), 0);
	/* The device took the fd and closed it after mapping. */
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
}

static void send_mem_table(struct conn *c, int memfd)
{
	send_mem_table_in(c, memfd, 1);
}

static int new_memfd(void)
{
	int fd = memfd_create("unit-vu", 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 0x3000), 0);
	return fd;
}

START_TEST(test_handle_mem_table)
{
	uint32_t v = 0x5eed1234;
	int memfd = new_memfd();
	struct conn c;
	uint32_t *p;

	conn_open(&c);
	send_mem_table(&c, memfd);
	ck_assert_uint_eq(c.d.mem.nregions, 1);
	ck_assert_int_eq(pwrite(memfd, &v, 4, 0x1000 + 0x10), 4);
	p = guest_mem_ptr(&c.d.mem, 0x100010, 4);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(*p, v);
	ck_assert_ptr_null(guest_mem_ptr(&c.d.mem, 0x102000, 1));
	vu_dev_reset(&c.d);
	ck_assert_uint_eq(c.d.mem.nregions, 0);
	ck_assert_ptr_null(guest_mem_ptr(&c.d.mem, 0x100010, 4));
	conn_close(&c);
	close(memfd);
}
END_TEST

/* The device keeps the back-end request fd (6.12 needs the channel). */
START_TEST(test_handle_backend_req)
{
	struct vu_msg m = msg(VU_SET_BACKEND_REQ_FD, 0);
	int p[2], fd;
	struct conn c;

	conn_open(&c);
	ck_assert_int_eq(pipe(p), 0);
	fd = p[1];
	ck_assert_int_eq(handle(&c, &m, &fd, 1), 0);
	ck_assert_int_eq(c.d.backend_fd, p[1]);
	ck_assert_int_eq(fcntl(p[1], F_GETFD), 0);
	vu_dev_reset(&c.d);
	ck_assert_int_eq(c.d.backend_fd, -1);
	ck_assert_int_eq(fcntl(p[1], F_GETFD), -1);	/* closed */
	close(p[0]);
	conn_close(&c);
}
END_TEST

/* Linux 6.12's UML: a 72-byte payload, one region of two in use. */
START_TEST(test_handle_mem_table_whole_array)
{
	int memfd = new_memfd();
	struct conn c;

	conn_open(&c);
	send_mem_table_in(&c, memfd, 2);
	ck_assert_uint_eq(c.d.mem.nregions, 1);
	ck_assert_ptr_nonnull(guest_mem_ptr(&c.d.mem, 0x100010, 4));
	ck_assert_ptr_null(guest_mem_ptr(&c.d.mem, 0xdead0000, 1));
	conn_close(&c);
	close(memfd);
}
END_TEST

static void set_state(struct conn *c, uint32_t req, uint32_t index,
		      uint32_t num)
{
	struct vu_msg m = msg(req, sizeof(m.state));

	m.state.index = index;
	m.state.num = num;
	ck_assert_int_eq(handle(c, &m, NULL, 0), 0);
}

START_TEST(test_handle_queue_start)
{
	struct vu_msg m = msg(VU_SET_VRING_ADDR, sizeof(m.addr)), r;
	int memfd = new_memfd(), kick = eventfd(0, 0);
	struct conn c;

	conn_open(&c);
	send_mem_table(&c, memfd);
	set_state(&c, VU_SET_VRING_NUM, 1, 8);
	set_state(&c, VU_SET_VRING_BASE, 1, 3);
	m.addr.index = 1;
	m.addr.desc = 0x7f0000000000ull;
	m.addr.avail = 0x7f0000000080ull;
	m.addr.used = 0x7f0000000100ull;
	ck_assert_int_eq(handle(&c, &m, NULL, 0), 0);
	ck_assert(c.d.q[1].vr.ready);
	ck_assert_uint_eq(c.d.q[1].vr.desc_gpa, 0x100000);
	ck_assert_uint_eq(c.d.q[1].vr.last_avail_idx, 3);
	ck_assert(!vu_queue_ready(&c.d, 1));
	m = msg(VU_SET_VRING_KICK, 8);
	m.u64 = 1;
	ck_assert_int_eq(handle(&c, &m, &kick, 1), 0);
	/* Without PROTOCOL_FEATURES the kick fd starts the ring. */
	ck_assert(vu_queue_ready(&c.d, 1));
	ck_assert(fcntl(kick, F_GETFL) & O_NONBLOCK);
	set_state(&c, VU_GET_VRING_BASE, 1, 0);
	ck_assert(reply(&c, &r));
	ck_assert_uint_eq(r.u64, 3);
	ck_assert(!vu_queue_ready(&c.d, 1));
	conn_close(&c);		/* closes the kick fd */
	close(memfd);
}
END_TEST

Suite *vhost_user_suite(void)
{
	Suite *s = suite_create("vhost_user");
	TCase *tc = tcase_create("check");
	TCase *tr = tcase_create("recv");
	TCase *th = tcase_create("handle");

	tcase_add_test(tc, test_check_version);
	tcase_add_test(tc, test_check_mem_table);
	tcase_add_test(tc, test_check_mem_table_array);
	tcase_add_test(tc, test_check_vring_fds);
	tcase_add_test(tc, test_check_sizes);
	tcase_add_test(tc, test_check_queue_index);
	tcase_add_test(tc, test_check_unexpected_fds);
	tcase_add_test(tc, test_check_backend_req);
	tcase_add_test(tc, test_check_unsupported);
	suite_add_tcase(s, tc);
	tcase_add_test(tr, test_recv_with_fd);
	tcase_add_test(tr, test_recv_max_payload);
	tcase_add_test(tr, test_recv_oversized_header);
	tcase_add_test(tr, test_recv_truncated_header);
	tcase_add_test(tr, test_recv_truncated_payload);
	tcase_add_test(tr, test_recv_eof);
	suite_add_tcase(s, tr);
	tcase_add_test(th, test_handle_get_features);
	tcase_add_test(th, test_handle_reply_ack);
	tcase_add_test(th, test_handle_mem_table);
	tcase_add_test(th, test_handle_mem_table_whole_array);
	tcase_add_test(th, test_handle_backend_req);
	tcase_add_test(th, test_handle_queue_start);
	suite_add_tcase(s, th);
	return s;
}
