/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a UML kernel can do under vfsim, asked of the kernel binary itself
 * so that any build works (ours, KSRC, a copied one): its version and
 * configuration from `linux --showconfig` (UML prints the .config it was
 * built with, "Linux/um X.Y.Z Kernel Configuration" first), and which
 * driver code it contains from its ELF symbol table.
 *
 * Capabilities, as scenarios name them in `requires` (doc/scenarios.md):
 *	migration	virtio-vfio-pci live migration (Linux 6.13+): the
 *			symbol virtiovf_vfio_pci_lm_ops
 *	legacy-io	virtio-vfio-pci's emulated legacy I/O BAR0:
 *			virtiovf_vfio_pci_tran_lm_ops (6.13+) or
 *			virtiovf_vfio_pci_tran_ops (6.12)
 *	detectors	lockdep with proofs (CONFIG_PROVE_LOCKING)
 *	kasan		CONFIG_KASAN
 *	kernel>=X.Y[.Z], kernel<X.Y[.Z]	the version
 */
#ifndef VFSIM_KCAPS_H
#define VFSIM_KCAPS_H

#include <stdbool.h>
#include <stddef.h>

struct kcaps {
	bool known;		/* the kernel answered; else nothing below */
	bool symbols;		/* it is an ELF file: migration, legacy_io */
	char version[32];	/* "6.12.117" */
	unsigned int ver[3];	/* 6, 12, 117 */
	bool migration, legacy_io, detectors, kasan;
};

/*
 * Probe @kernel (runs it with --showconfig, bounded to 10 s, and reads
 * its symbols).  0, or -errno with a reason in @err; @c is zeroed then.
 * A kernel that is no ELF file (a wrapper script) has no symbols: its
 * migration and legacy-io are taken as there.
 */
int kcaps_probe(const char *kernel, struct kcaps *c, char *err,
		size_t errlen);

/*
 * Only the symbol part of kcaps_probe(): sets @c->migration, legacy_io
 * and symbols from the ELF symbol table of @path.  0, -EINVAL if @path is
 * not a 64-bit ELF file, or -errno; @err says why.
 */
int kcaps_read_symbols(const char *path, struct kcaps *c, char *err,
		       size_t errlen);

/*
 * Is @req (one word of a `requires` line) a requirement vfsim knows?
 * 0, or -EINVAL with the reason in @err.
 */
int kcaps_check_word(const char *req, char *err, size_t errlen);

/*
 * NULL if @c meets @req, else why not, in @buf ("6.12.117 has no
 * virtio-vfio-pci live migration").  An unknown @c meets everything:
 * the run then shows what fails.
 */
const char *kcaps_unmet(const struct kcaps *c, const char *req, char *buf,
			size_t len);

#endif
