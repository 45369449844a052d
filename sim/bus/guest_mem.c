// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "guest_mem.h"

int guest_mem_map(struct guest_mem *gm, const struct guest_mem_desc *d,
		  unsigned int n, const int *fds)
{
	unsigned int i;

	if (n > GUEST_MEM_MAX_REGIONS)
		return -E2BIG;
	guest_mem_unmap(gm);
	for (i = 0; i < n; i++) {
		struct guest_region *r = &gm->r[i];
		size_t len;
		void *p;

		if (!d[i].size || d[i].mmap_offset > SIZE_MAX - d[i].size ||
		    d[i].gpa > UINT64_MAX - d[i].size) {
			guest_mem_unmap(gm);
			return -EINVAL;
		}
		len = d[i].mmap_offset + d[i].size;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fds[i], 0);
		if (p == MAP_FAILED) {
			int err = -errno;

			guest_mem_unmap(gm);
			return err;
		}
		r->gpa = d[i].gpa;
		r->uaddr = d[i].uaddr;
		r->size = d[i].size;
		r->hva = (uint8_t *)p + d[i].mmap_offset;
		r->map = p;
		r->map_len = len;
		gm->nregions = i + 1;
	}
	return 0;
}

int guest_mem_add_host(struct guest_mem *gm, uint64_t gpa, void *hva,
		       uint64_t size)
{
	struct guest_region *r;

	if (gm->nregions >= GUEST_MEM_MAX_REGIONS)
		return -E2BIG;
	if (!size || gpa > UINT64_MAX - size)
		return -EINVAL;
	r = &gm->r[gm->nregions++];
	memset(r, 0, sizeof(*r));
	r->gpa = gpa;
	r->uaddr = gpa;
	r->size = size;
	r->hva = hva;
	return 0;
}

void guest_mem_unmap(struct guest_mem *gm)
{
	unsigned int i;

	for (i = 0; i < gm->nregions; i++)
		if (gm->r[i].map)
			munmap(gm->r[i].map, gm->r[i].map_len);
	memset(gm, 0, sizeof(*gm));
}

void *guest_mem_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < gm->nregions; i++) {
		const struct guest_region *r = &gm->r[i];

		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		/* Written this way so gpa + len cannot overflow. */
		if (len > r->size - (gpa - r->gpa))
			return NULL;
		return r->hva + (gpa - r->gpa);
	}
	return NULL;
}

int guest_mem_read(const struct guest_mem *gm, uint64_t gpa, void *dst,
		   uint64_t len)
{
	const void *p;

	if (!len)
		return 0;
	p = guest_mem_ptr(gm, gpa, len);
	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int guest_mem_write(const struct guest_mem *gm, uint64_t gpa, const void *src,
		    uint64_t len)
{
	void *p;

	if (!len)
		return 0;
	p = guest_mem_ptr(gm, gpa, len);
	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

int guest_mem_uaddr_to_gpa(const struct guest_mem *gm, uint64_t uaddr,
			   uint64_t *gpa)
{
	unsigned int i;

	for (i = 0; i < gm->nregions; i++) {
		const struct guest_region *r = &gm->r[i];

		if (uaddr >= r->uaddr && uaddr - r->uaddr < r->size) {
			*gpa = r->gpa + (uaddr - r->uaddr);
			return 0;
		}
	}
	return -EFAULT;
}
