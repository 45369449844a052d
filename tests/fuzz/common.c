// SPDX-License-Identifier: GPL-2.0
/* Helpers of fuzz.h, linked into every harness and replay binary. */
#include <fcntl.h>
#include <stdarg.h>
#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

/* The sanitizers' runtime (ASan here), in clang and gcc builds alike. */
void __sanitizer_report_error_summary(const char *summary);

void fz_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n = snprintf(msg, sizeof(msg), "fuzz: %s:%d: ", file, line);

	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", msg);
	__sanitizer_report_error_summary(msg);
	abort();
}

#define FZ_MAX_FD 256
#define FZ_SLACK 16	/* new fds take the lowest numbers free */

static bool fd_open[FZ_MAX_FD];
static int fd_top = FZ_MAX_FD;	/* fds above it were closed at the mark */

/*
 * Which of fds 0..end-1 are open, in one poll() call: poll() answers
 * POLLNVAL for a number with no open file (it never blocks: timeout 0,
 * no events asked).  One syscall instead of one fcntl() per number.
 */
static void fds_open(bool *open, int end)
{
	struct pollfd p[FZ_MAX_FD];

	for (int fd = 0; fd < end; fd++)
		p[fd] = (struct pollfd){ .fd = fd };
	if (poll(p, end, 0) < 0)
		fz_fail(__FILE__, __LINE__, "poll: %s", strerror(errno));
	for (int fd = 0; fd < end; fd++)
		open[fd] = !(p[fd].revents & POLLNVAL);
}

/*
 * Marked before every input: fds may open between inputs that are not
 * the input's doing (the sanitizer starts its symbolizer, with pipes,
 * when libFuzzer prints a newly covered function).  The first call scans
 * every number, later ones the numbers a new fd can have taken.
 */
void fz_fds_mark(void)
{
	int end = fd_top + FZ_SLACK < FZ_MAX_FD ? fd_top + FZ_SLACK : FZ_MAX_FD;

	fds_open(fd_open, end);
	fd_top = 0;
	for (int fd = 0; fd < end; fd++)
		if (fd_open[fd])
			fd_top = fd;
}

/* What an fd is, for the report: "anon_inode:[eventfd]", a path... */
static const char *fd_what(int fd, char *buf, size_t len)
{
	char link[32];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

/* A leaked fd has one of the lowest free numbers: look just above. */
void fz_fds_check(void)
{
	int end = fd_top + FZ_SLACK < FZ_MAX_FD ? fd_top + FZ_SLACK : FZ_MAX_FD;
	bool now[FZ_MAX_FD];
	char what[128];

	fds_open(now, end);
	for (int fd = 0; fd < end; fd++)
		fz_assert(now[fd] == fd_open[fd],
			  "fd %d %s by this input (%s)", fd,
			  fd_open[fd] ? "closed" : "leaked",
			  fd_what(fd, what, sizeof(what)));
}

int fz_defer(void *timers, uint64_t us, void (*cb)(void *), void *arg)
{
	struct fz_timers *t = timers;

	(void)us;
	if (t->n == FZ_MAX_TIMERS)
		return -1;
	t->t[t->n].cb = cb;
	t->t[t->n++].arg = arg;
	return 0;
}

void fz_run_timers(struct fz_timers *t)
{
	while (t->n) {
		t->n--;
		t->t[t->n].cb(t->t[t->n].arg);
	}
}

int fz_guest_memfd(size_t size, uint8_t **map)
{
	static uint8_t *mem;
	static size_t len;
	static int fd = -1;

	if (fd < 0) {
		fd = memfd_create("fuzz-guest", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, size))
			abort();
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   0);
		if (mem == MAP_FAILED)
			abort();
		len = size;
	}
	if (size != len)
		abort();
	memset(mem, 0, len);
	*map = mem;
	return fd;
}

static char tmpdir[64];

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_tmpdir(void)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fz_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");

		/* Files are written per input: memory, not disk, if we can. */
		if (!access("/dev/shm", W_OK))
			base = "/dev/shm";
		snprintf(tmpdir, sizeof(tmpdir), "%s/vfsim-fuzz-XXXXXX",
			 base && strlen(base) < 40 ? base : "/tmp");
		if (!mkdtemp(tmpdir))
			abort();
		atexit(rm_tmpdir);
	}
	return tmpdir;
}

static void put_le(uint8_t *p, unsigned int len, uint64_t v)
{
	for (unsigned int i = 0; i < len; i++)
		p[i] = v >> (8 * i);
}

static uint8_t *at(const struct fz_ring *r, uint64_t gpa)
{
	return r->mem + (gpa - r->gpa);
}

void fz_ring_init(struct fz_ring *r, uint8_t *mem, uint64_t gpa,
		  uint32_t size, uint64_t ring, uint16_t num, uint64_t data)
{
	*r = (struct fz_ring){ .mem = mem, .gpa = gpa, .size = size,
			       .num = num, .desc = ring, .data = data };
	r->avail = ring + 16ull * num;
	r->used = (r->avail + 6 + 2ull * num + 3) & ~3ull;
	memset(at(r, ring), 0, r->used + 6 + 8ull * num - ring);
}

/* Room for @len bytes in the data area, wrapping; may be cut short. */
static uint64_t take(struct fz_ring *r, uint32_t *len)
{
	uint64_t room = r->gpa + r->size - r->data, where;

	if (*len > room)
		*len = room;
	if (r->data_off + *len > room)
		r->data_off = 0;
	where = r->data + r->data_off;
	r->data_off += *len;
	return where;
}

static void desc(struct fz_ring *r, uint16_t i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	uint8_t *d = at(r, r->desc + 16ull * i);

	put_le(d, 8, addr);
	put_le(d + 8, 4, len);
	put_le(d + 12, 2, flags);
	put_le(d + 14, 2, next);
}

void fz_ring_post(struct fz_ring *r, const uint8_t *rd, size_t have,
		  uint32_t rlen, uint32_t wlen, uint8_t split)
{
	uint64_t ra = take(r, &rlen), wa = take(r, &wlen);
	uint32_t r1 = split & 1 ? rlen / 2 : rlen;
	uint32_t w1 = split & 2 ? wlen / 2 : wlen;
	struct { uint64_t a; uint32_t l; uint16_t fl; } seg[4] = {
		{ ra, r1, 0 }, { ra + r1, rlen - r1, 0 },
		{ wa, w1, 2 /* VRING_DESC_F_WRITE */ },
		{ wa + w1, wlen - w1, 2 },
	};
	uint16_t head = r->next_desc % r->num, i = head;
	int nseg = 0, idx[4];

	memset(at(r, ra), 0, rlen);
	if (have)
		memcpy(at(r, ra), rd, have < rlen ? have : rlen);
	for (int s = 0; s < 4; s++)
		if (seg[s].l || (s == 0 && !(split & 4)))
			idx[nseg++] = s;
	for (int s = 0; s < nseg; s++, i = (i + 1) % r->num)
		desc(r, i, seg[idx[s]].a, seg[idx[s]].l,
		     seg[idx[s]].fl | (s < nseg - 1 ? 1 /* NEXT */ : 0),
		     (i + 1) % r->num);
	r->next_desc += nseg;
	put_le(at(r, r->avail + 4 + 2ull * (r->avail_idx % r->num)), 2, head);
	r->avail_idx++;
	put_le(at(r, r->avail + 2), 2, r->avail_idx);
}

void fz_ring_post_input(struct fz_ring *r, struct fz *f)
{
	uint16_t rlen = fz_u16(f), wlen = fz_u16(f);
	uint8_t split = fz_u8(f);
	size_t n;
	const uint8_t *p = fz_bytes(f, rlen, &n);

	fz_ring_post(r, p, n, rlen, wlen, split);
}

uint16_t fz_ring_used_idx(const struct fz_ring *r)
{
	const uint8_t *p = at(r, r->used + 2);

	return p[0] | p[1] << 8;
}
