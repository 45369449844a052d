/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the libFuzzer harnesses of tests/fuzz (doc/fuzzing.md): a
 * cursor over the input, and the checks every harness makes after each
 * input.  Each harness defines LLVMFuzzerTestOneInput(); clang's libFuzzer
 * drives it in `make fuzz`, tests/fuzz/replay.c (gcc, ASan/UBSan) replays
 * the committed corpora in `make check`.
 */
#ifndef VFSIM_FUZZ_H
#define VFSIM_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input, consumed front to back; reads past its end give zeros. */
struct fz {
	const uint8_t *p;
	size_t left;
};

static inline bool fz_empty(const struct fz *f)
{
	return !f->left;
}

static inline uint64_t fz_uint(struct fz *f, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		if (f->left) {
			v |= (uint64_t)*f->p++ << (8 * i);
			f->left--;
		}
	}
	return v;
}

#define fz_u8(f) ((uint8_t)fz_uint(f, 1))
#define fz_u16(f) ((uint16_t)fz_uint(f, 2))
#define fz_u32(f) ((uint32_t)fz_uint(f, 4))
#define fz_u64(f) fz_uint(f, 8)

/* Up to @n bytes of the input (fewer at its end); *@got says how many. */
static inline const uint8_t *fz_bytes(struct fz *f, size_t n, size_t *got)
{
	const uint8_t *p = f->p;

	*got = n < f->left ? n : f->left;
	f->p += *got;
	f->left -= *got;
	return p;
}

/*
 * A contract the code under test broke: a finding, like a crash.  The
 * message goes where the sanitizers report (libFuzzer closes stderr
 * with -close_fd_mask), then the process aborts.
 */
#define fz_assert(cond, ...)						\
	do {								\
		if (!(cond))						\
			fz_fail(__FILE__, __LINE__, __VA_ARGS__);	\
	} while (0)

void fz_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

/*
 * Every fd the code under test received must be kept or closed: call
 * fz_fds_mark() before each input (it records the fds open) and
 * fz_fds_check() after its teardown.
 */
void fz_fds_mark(void);
void fz_fds_check(void);

/*
 * The bus's timers (pci_transport.defer, with .bus = a struct fz_timers):
 * callbacks run when the input says time passed, all of them at the end.
 */
#define FZ_MAX_TIMERS 64

struct fz_timers {
	struct {
		void (*cb)(void *);
		void *arg;
	} t[FZ_MAX_TIMERS];
	unsigned int n;
};

int fz_defer(void *timers, uint64_t us, void (*cb)(void *), void *arg);
void fz_run_timers(struct fz_timers *timers);

/*
 * Guest memory: one memfd of @size bytes for the whole run, mapped at
 * *@map, created at the first call; each later call zeroes it.
 */
int fz_guest_memfd(size_t size, uint8_t **map);

/* A private directory for files an input needs, removed at exit. */
const char *fz_tmpdir(void);

/*
 * A split ring as a driver builds it in guest memory @mem (host address
 * of guest-physical @gpa, @size bytes): the ring at @ring, buffers taken
 * round-robin from [@data, @gpa + @size).
 */
struct fz_ring {
	uint8_t *mem;
	uint64_t gpa;
	uint32_t size;
	uint16_t num;
	uint64_t desc, avail, used;
	uint64_t data, data_off;
	uint16_t avail_idx, next_desc;
};

void fz_ring_init(struct fz_ring *r, uint8_t *mem, uint64_t gpa,
		  uint32_t size, uint64_t ring, uint16_t num, uint64_t data);

/*
 * Post one chain: @rlen readable bytes from @rd (zeros past @have), then
 * @wlen writable ones; @split bit 0/1 halves the readable/writable part
 * over two descriptors, bit 2 drops an empty readable descriptor.
 */
void fz_ring_post(struct fz_ring *r, const uint8_t *rd, size_t have,
		  uint32_t rlen, uint32_t wlen, uint8_t split);

/*
 * Post one chain described by the input: [u16 readable][u16 writable]
 * [u8 split][readable bytes], as fz_ring_post() takes them.
 */
void fz_ring_post_input(struct fz_ring *r, struct fz *f);

/* Used entries the device has returned so far. */
uint16_t fz_ring_used_idx(const struct fz_ring *r);

#endif
