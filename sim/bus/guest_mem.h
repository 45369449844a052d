/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory as UML shares it through VHOST_USER_SET_MEM_TABLE.
 *
 * Contract: every device access to guest memory (DMA) goes through
 * guest_mem_read(), guest_mem_write() or guest_mem_ptr().  They check that
 * [gpa, gpa + len) lies inside one region and return -EFAULT (or NULL)
 * otherwise, so a bad address from the guest is a device error and never a
 * host crash.  Addresses are guest-physical; UML uses the same value as the
 * "user address" in the table, so one translation serves both.
 */
#ifndef VFSIM_GUEST_MEM_H
#define VFSIM_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_MAX_REGIONS 8

struct guest_region {
	uint64_t gpa;		/* first guest-physical address */
	uint64_t size;		/* bytes */
	uint64_t uaddr;		/* the driver's "user address" of gpa */
	uint8_t *hva;		/* host address of gpa */
	void *map;		/* what to munmap(), NULL if not mapped by us */
	size_t map_len;
};

struct guest_mem {
	unsigned int nregions;
	struct guest_region r[GUEST_MEM_MAX_REGIONS];
};

/* One region as described by vhost-user (see sim/vhost_user.h). */
struct guest_mem_desc {
	uint64_t gpa;
	uint64_t size;
	uint64_t uaddr;
	uint64_t mmap_offset;
};

/*
 * Replace @gm by @n regions mapped from their fds.  UML's region does not
 * start at file offset 0, so the whole [0, mmap_offset + size) range is
 * mapped and the region starts at mmap_offset into it.  Each fd must be a
 * regular (memory) file holding that whole range (fstat): a mapping past
 * its end would turn the first DMA there into a SIGBUS.  The fds are not
 * closed.  Returns 0, or -EINVAL (a bad region) or -errno (mmap) with a
 * one-line reason in @err; on error @gm is left as it was.
 *
 * A front end that truncates its memory file after this can still make
 * an access fault: vhost-user gives no way to prevent it.
 */
int guest_mem_map(struct guest_mem *gm, const struct guest_mem_desc *d,
		  unsigned int n, const int *fds, char *err, size_t errlen);

/* Describe memory the caller owns (unit tests, no mmap). */
int guest_mem_add_host(struct guest_mem *gm, uint64_t gpa, void *hva,
		       uint64_t size);

void guest_mem_unmap(struct guest_mem *gm);

/* Translate a vhost-user ring address to guest-physical; -EFAULT if none. */
int guest_mem_uaddr_to_gpa(const struct guest_mem *gm, uint64_t uaddr,
			   uint64_t *gpa);

/* Host pointer for [gpa, gpa+len) or NULL if not inside one region. */
void *guest_mem_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

int guest_mem_read(const struct guest_mem *gm, uint64_t gpa, void *dst,
		   uint64_t len);
int guest_mem_write(const struct guest_mem *gm, uint64_t gpa, const void *src,
		    uint64_t len);

#endif
