// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology.h"
#include "virtio_net.h"

struct topology {
	struct virtio_net *pf;
	struct virtio_net *vf[SRIOV_MAX_VFS];
	unsigned int nvfs;
};

static int create_vfs(struct topology *t, const struct topology_opts *o)
{
	for (unsigned int i = 0; i < o->vfs; i++) {
		char name[16];
		struct virtio_net_params p = {
			.name = name, .pf = t->pf, .vf_index = i,
			.context_extra = o->context_extra,
		};

		snprintf(name, sizeof(name), "vf%u", i);
		memcpy(p.mac, o->mac, 6);
		p.mac[5] += 1 + i;
		t->vf[i] = virtio_net_create(&p);
		if (!t->vf[i])
			return -1;
		t->nvfs++;
	}
	return 0;
}

struct topology *topology_create(const struct topology_opts *o)
{
	struct topology *t = calloc(1, sizeof(*t));
	struct virtio_net_params p = {
		.name = "pf",
		.admin_vq = true,
		.indirect = o->pf_indirect,
		.legacy = o->pf_legacy,
		.total_vfs = o->vfs,
		.parts_get_limit = o->parts_obj_limit,
		.parts_set_limit = o->parts_obj_limit,
	};

	if (!t)
		return NULL;
	memcpy(p.mac, o->mac, 6);
	t->pf = virtio_net_create(&p);
	if (!t->pf || create_vfs(t, o)) {
		topology_destroy(t);
		return NULL;
	}
	return t;
}

void topology_destroy(struct topology *t)
{
	if (!t)
		return;
	for (unsigned int i = 0; i < SRIOV_MAX_VFS; i++)
		virtio_net_destroy(t->vf[i]);
	virtio_net_destroy(t->pf);
	free(t);
}

unsigned int topology_nfuncs(const struct topology *t)
{
	return 1 + t->nvfs;
}

struct pci_func *topology_func(struct topology *t, unsigned int i)
{
	if (i == 0)
		return &t->pf->fn;
	return i <= t->nvfs ? &t->vf[i - 1]->fn : NULL;
}

static struct virtio_net *by_name(struct topology *t, const char *name)
{
	if (!strcmp(name, t->pf->fn.name))
		return t->pf;
	for (unsigned int i = 0; i < t->nvfs; i++)
		if (!strcmp(name, t->vf[i]->fn.name))
			return t->vf[i];
	return NULL;
}

/* The device context of the last record of a saved VFIO stream. */
static uint8_t *stream_context(const char *path, size_t *len)
{
	uint8_t hdr[16], *ctx = NULL;
	uint64_t size;
	FILE *f = fopen(path, "rb");

	while (f && fread(hdr, 1, 16, f) == 16) {
		memcpy(&size, hdr, 8);	/* le64 record size, x86 host */
		if (size > DEV_PARTS_MAX_OPAQUE + 65536)
			break;
		free(ctx);
		ctx = malloc(size ? size : 1);
		if (!ctx || fread(ctx, 1, size, f) != size) {
			free(ctx);
			ctx = NULL;
			break;
		}
		*len = size;
	}
	if (f)
		fclose(f);
	return ctx;
}

static int compare_saved(struct virtio_net *a, struct virtio_net *b,
			 char *out, size_t len)
{
	struct vnet_state now;

	if (!a->saved) {
		snprintf(out, len, "error=nothing-saved\n");
		return -1;
	}
	virtio_net_save(b, &now);
	return vnet_state_diff(&a->last_saved, &now, out, len);
}

static int compare_stream(struct virtio_net *b, const char *dir,
			  const char *file, char *out, size_t len)
{
	struct vnet_state now, saved;
	char path[4200], err[160];
	uint8_t *ctx = NULL;
	size_t clen = 0;
	int n = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (!strchr(file, '/'))
		ctx = stream_context(path, &clen);
	if (!ctx) {
		snprintf(out, len, "error=bad-stream-file\n");
		return -1;
	}
	virtio_net_save(b, &now);
	if (dev_parts_decode(ctx, clen, &now, &saved, err, sizeof(err)))
		snprintf(out, len, "error=\"%s\"\n", err);
	else
		n = vnet_state_diff(&saved, &now, out, len);
	free(ctx);
	return n;
}

/* "key=value" lines about every function: what tests assert at the end. */
static void stats(struct topology *t, char *out, size_t len)
{
	size_t used = snprintf(out, len, "pf.admin_objects=%u\n"
			       "pf.admin_objects_dropped=%u\n"
			       "pf.admin_commands=%llu\npf.admin_failed=%llu\n",
			       t->pf->admin.nobjs, t->pf->admin.dropped,
			       (unsigned long long)t->pf->admin.commands,
			       (unsigned long long)t->pf->admin.failed);

	for (unsigned int i = 0; i < t->nvfs && used < len; i++) {
		struct virtio_net *v = t->vf[i];

		used += snprintf(out + used, len - used,
				 "%s.stopped=%d\n%s.flrs=%llu\n"
				 "%s.contexts_saved=%llu\n"
				 "%s.contexts_loaded=%llu\n"
				 "%s.blocked=%llu\n", v->fn.name,
				 v->vdev.stopped, v->fn.name,
				 (unsigned long long)v->fn.flrs, v->fn.name,
				 (unsigned long long)v->contexts_saved,
				 v->fn.name,
				 (unsigned long long)v->contexts_loaded,
				 v->fn.name, (unsigned long long)v->fn.blocked);
		used += snprintf(out + used, used < len ? len - used : 0,
				 "%s.tx_packets=%llu\n%s.legacy_accesses=%llu\n"
				 "%s.legacy_notifies=%llu\n", v->fn.name,
				 (unsigned long long)v->tx_packets, v->fn.name,
				 (unsigned long long)v->legacy_accesses,
				 v->fn.name,
				 (unsigned long long)v->vdev.doorbells);
	}
}

void topology_rpc(struct topology *t, const char *dir, const char *cmd,
		  const char *a, const char *b, char *out, size_t len)
{
	char body[4096] = "";
	struct virtio_net *x = by_name(t, a), *y = by_name(t, b);
	int n = -1;

	if (!strcmp(cmd, "stats")) {
		stats(t, out, len);
		return;
	}
	if (!strcmp(cmd, "evolve") && x) {
		virtio_net_evolve(x);
		snprintf(out, len, "differences=0\n");
		return;
	}
	if (!strcmp(cmd, "compare") && x && y)
		n = compare_saved(x, y, body, sizeof(body));
	else if (!strcmp(cmd, "compare-stream") && x)
		n = compare_stream(x, dir, b, body, sizeof(body));
	else
		snprintf(body, sizeof(body), "error=bad-request\n");
	snprintf(out, len, "differences=%d\n%s", n, body);
}
