// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "guest_mem.h"

#define map_fail(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

/*
 * A region must lie inside its file: a mapping past the end of the file
 * is accepted by mmap() but the first access there is a SIGBUS.
 */
static int check_region(const struct guest_mem_desc *d, unsigned int i,
			int fd, char *err, size_t errlen)
{
	struct stat st;

	if (!d->size || d->mmap_offset > SIZE_MAX - d->size ||
	    d->gpa > UINT64_MAX - d->size)
		return map_fail("region %u: size 0x%llx at offset 0x%llx, gpa "
				"0x%llx out of range", i,
				(unsigned long long)d->size,
				(unsigned long long)d->mmap_offset,
				(unsigned long long)d->gpa);
	if (fstat(fd, &st))
		return map_fail("region %u: fd unusable: %s", i,
				strerror(errno));
	if (!S_ISREG(st.st_mode))
		return map_fail("region %u: fd is not a memory file (mode 0%o)",
				i, (unsigned int)st.st_mode);
	if (d->mmap_offset + d->size > (uint64_t)st.st_size)
		return map_fail("region %u: 0x%llx bytes at offset 0x%llx but "
				"its file holds 0x%llx", i,
				(unsigned long long)d->size,
				(unsigned long long)d->mmap_offset,
				(unsigned long long)st.st_size);
	return 0;
}

int guest_mem_map(struct guest_mem *gm, const struct guest_mem_desc *d,
		  unsigned int n, const int *fds, char *err, size_t errlen)
{
	struct guest_mem next = { 0 };
	unsigned int i;

	if (n > GUEST_MEM_MAX_REGIONS)
		return map_fail("%u regions, at most %u", n,
				GUEST_MEM_MAX_REGIONS);
	for (i = 0; i < n; i++) {
		struct guest_region *r = &next.r[i];
		size_t len;
		void *p;
		int ret = check_region(&d[i], i, fds[i], err, errlen);

		if (ret) {
			guest_mem_unmap(&next);
			return ret;
		}
		len = d[i].mmap_offset + d[i].size;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fds[i], 0);
		if (p == MAP_FAILED) {
			int ret = -errno;

			snprintf(err, errlen, "region %u: mmap: %s", i,
				 strerror(errno));
			guest_mem_unmap(&next);
			return ret;
		}
		r->gpa = d[i].gpa;
		r->uaddr = d[i].uaddr;
		r->size = d[i].size;
		r->hva = (uint8_t *)p + d[i].mmap_offset;
		r->map = p;
		r->map_len = len;
		next.nregions = i + 1;
	}
	guest_mem_unmap(gm);
	*gm = next;
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
