/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device topology vfsim simulates: a virtio-net PF with an admin
 * virtqueue and, optionally, SR-IOV with N virtio-net VFs.  Functions are
 * listed in slot order (PF, VF0, VF1, ...), which is the order they must
 * register with UML.  Also answers the agent's model-level requests
 * (compare a saved context with a device), run on the bus thread.
 */
#ifndef VFSIM_MODELS_TOPOLOGY_H
#define VFSIM_MODELS_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/bus/pci_func.h"

struct topology_opts {
	unsigned int vfs;		/* 0: no SR-IOV capability */
	uint8_t mac[6];			/* PF; VF n gets the last byte + 1 + n */
	bool pf_indirect;
	bool pf_legacy;			/* legacy interface for the VFs */
	uint32_t context_extra;		/* opaque bytes in each VF context */
	uint8_t parts_obj_limit;	/* DEV_PARTS resource objects */
};

struct topology;

struct topology *topology_create(const struct topology_opts *o);
void topology_destroy(struct topology *t);
unsigned int topology_nfuncs(const struct topology *t);
struct pci_func *topology_func(struct topology *t, unsigned int i);

/*
 * A request from the agent (on the bus thread), reply text into @out:
 *   compare A B		A's last saved context vs B's live state
 *   compare-stream B FILE	the context in a saved VFIO stream in @dir
 *				vs B's live state
 *   evolve A			change A's device-internal state
 *   stats			"key=value" lines: admin objects in use,
 *				VF stopped/FLR/context counts
 * The reply starts with "differences=N" (N < 0: error=... follows).
 */
void topology_rpc(struct topology *t, const char *dir, const char *cmd,
		  const char *a, const char *b, char *out, size_t len);

#endif
