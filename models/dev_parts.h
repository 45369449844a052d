/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio-net member device's context as a sequence of device parts
 * (virtio 1.4 draft "device parts": struct virtio_dev_part in
 * linux/virtio_pci.h: le16 type, u8 flags, u8 reserved, 8-byte selector,
 * le32 length, value).  Part types used here:
 *
 *	IDENTITY	virtio device id, offered features (wrong-device check)
 *	COMMON		negotiated features, status, config generation, msix_config
 *	VQ (selector: index) size, vector, enable, addresses, avail/used idx
 *	NET_CONFIG	MAC, link status
 *	NET_STATE	device-internal: counters, RX mode, MAC filter
 *	OPAQUE		optional filler of a configurable size (tests, bench)
 *	CHECKSUM	CRC-32 of everything before it; always last
 *
 * Contract: dev_parts_encode() writes exactly dev_parts_size() bytes.
 * dev_parts_decode() validates the whole blob (lengths, order, mandatory
 * parts, unknown non-optional parts, checksum, device identity) before it
 * fills the output, so a bad blob changes nothing.
 */
#ifndef VFSIM_MODELS_DEV_PARTS_H
#define VFSIM_MODELS_DEV_PARTS_H

#include <stddef.h>
#include <stdint.h>

#include "virtio_pci.h"

enum dev_part_type {
	DEV_PART_IDENTITY = 0x0001,
	DEV_PART_COMMON = 0x0100,
	DEV_PART_VQ = 0x0101,
	DEV_PART_NET_CONFIG = 0x0200,
	DEV_PART_NET_STATE = 0x0201,
	DEV_PART_OPAQUE = 0x0300,
	DEV_PART_CHECKSUM = 0x00ff,
};

#define DEV_PART_HDR_LEN 16
#define DEV_PART_F_OPTIONAL (1u << VIRTIO_DEV_PART_F_OPTIONAL)
#define DEV_PARTS_MAX_OPAQUE (64u << 20)

struct vq_state {
	uint16_t size;
	uint16_t vector;
	uint8_t enabled;
	uint64_t desc, driver, device;
	uint16_t last_avail_idx;
	uint16_t used_idx;
};

/* Everything a destination needs to continue as the source. */
struct vnet_state {
	uint16_t virtio_id;
	uint64_t host_features;
	uint64_t guest_features;
	uint8_t status;
	uint8_t config_generation;
	uint16_t msix_config;
	uint16_t nqueues;		/* total, admin queues included */
	struct vq_state q[VDEV_MAX_QUEUES];
	uint8_t mac[6];
	uint16_t link_status;
	uint64_t tx_packets, tx_bytes;
	uint64_t accesses;		/* register accesses seen */
	uint32_t rx_mode;
	uint8_t mac_filter[6];
	uint32_t opaque_len;
	uint32_t opaque_seed;
};

size_t dev_parts_size(const struct vnet_state *s);
size_t dev_parts_encode(const struct vnet_state *s, uint8_t *buf, size_t cap);

/* 0, or -EINVAL with a one-line reason in @err; @out untouched on error. */
int dev_parts_decode(const uint8_t *buf, size_t len,
		     const struct vnet_state *self, struct vnet_state *out,
		     char *err, size_t errlen);

/*
 * Compare two states field by field (identity excluded); writes one
 * "field: a != b" line per difference into @out and returns the count.
 */
int vnet_state_diff(const struct vnet_state *a, const struct vnet_state *b,
		    char *out, size_t len);

uint32_t dev_parts_crc32(const uint8_t *p, size_t len);

#endif
