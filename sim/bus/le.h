/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Little-endian fields of 1..8 bytes at any alignment: PCI config space,
 * virtio registers and admin command layouts are all little-endian.
 */
#ifndef VFSIM_LE_H
#define VFSIM_LE_H

#include <stdint.h>

static inline void put_le(uint8_t *p, unsigned int len, uint64_t v)
{
	for (unsigned int i = 0; i < len; i++)
		p[i] = v >> (8 * i);
}

static inline uint64_t get_le(const uint8_t *p, unsigned int len)
{
	uint64_t v = 0;

	while (len--)
		v = v << 8 | p[len];
	return v;
}

#endif
