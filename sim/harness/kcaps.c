// SPDX-License-Identifier: GPL-2.0
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kcaps.h"

#define SHOWCONFIG_MAX (4u << 20)
#define SHOWCONFIG_MS 10000

static const struct cap_word {
	const char *name;
	size_t off;		/* of its bool in struct kcaps */
	const char *missing;	/* "<version> has no ..." */
} cap_words[] = {
	{ "migration", offsetof(struct kcaps, migration),
	  "no virtio-vfio-pci live migration (added in 6.13)" },
	{ "legacy-io", offsetof(struct kcaps, legacy_io),
	  "no virtio-vfio-pci legacy I/O (CONFIG_VIRTIO_PCI_ADMIN_LEGACY)" },
	{ "detectors", offsetof(struct kcaps, detectors),
	  "no lockdep (CONFIG_PROVE_LOCKING; KPROFILE=debug has it)" },
	{ "kasan", offsetof(struct kcaps, kasan),
	  "no KASAN (CONFIG_KASAN; KPROFILE=debug has it)" },
};

#define NWORDS (sizeof(cap_words) / sizeof(cap_words[0]))

/* Run `@kernel --showconfig`; the output (NUL-terminated) or NULL. */
static char *showconfig(const char *kernel, char *err, size_t errlen)
{
	size_t len = 0, cap = 65536;
	char *out = malloc(cap);
	int pfd[2], st = 0;
	struct timespec t0, t;
	pid_t pid;

	if (!out || pipe2(pfd, O_CLOEXEC)) {
		free(out);
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return NULL;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(null, 2);
		execl(kernel, kernel, "--showconfig", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (pid > 0) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 > SHOWCONFIG_MS ||
		    poll(&p, 1, 1000) < 0)
			break;
		if (len + 1 >= cap && cap < SHOWCONFIG_MAX) {
			char *bigger = realloc(out, cap * 2);

			if (!bigger)
				break;
			out = bigger;
			cap *= 2;
		}
		n = read(pfd[0], out + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += n;
	}
	close(pfd[0]);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	out[len] = 0;
	if (pid < 0 || !strstr(out, "Kernel Configuration")) {
		snprintf(err, errlen, "%s --showconfig printed no configuration",
			 kernel);
		free(out);
		return NULL;
	}
	return out;
}

static bool config_y(const char *cfg, const char *sym)
{
	char want[96];
	const char *p = cfg;
	size_t n = snprintf(want, sizeof(want), "%s=y", sym);

	while ((p = strstr(p, want))) {
		if ((p == cfg || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

static void parse_version(struct kcaps *c, const char *cfg)
{
	const char *v = strstr(cfg, "Linux/um ");

	if (!v || sscanf(v, "Linux/um %31s", c->version) != 1)
		snprintf(c->version, sizeof(c->version), "unknown");
	sscanf(c->version, "%u.%u.%u", &c->ver[0], &c->ver[1], &c->ver[2]);
}

int kcaps_read_symbols(const char *kernel, struct kcaps *c, char *err,
		       size_t errlen)
{
	int fd = open(kernel, O_RDONLY | O_CLOEXEC);
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	struct stat st;
	uint8_t *p;

	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "%s: %s", kernel, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap: %s", kernel, strerror(errno));
		return -errno;
	}
	eh = (const void *)p;
	if ((size_t)st.st_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, 4) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) >
	    (uint64_t)st.st_size) {
		munmap(p, st.st_size);
		snprintf(err, errlen, "%s is not a 64-bit ELF file", kernel);
		return -EINVAL;
	}
	sh = (const void *)(p + eh->e_shoff);
	for (unsigned int i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *sym = &sh[i], *str;

		if (sym->sh_type != SHT_SYMTAB || sym->sh_link >= eh->e_shnum)
			continue;
		str = &sh[sym->sh_link];
		if (sym->sh_offset + sym->sh_size > (uint64_t)st.st_size ||
		    str->sh_offset + str->sh_size > (uint64_t)st.st_size)
			break;
		for (uint64_t k = 0; k < sym->sh_size / sizeof(Elf64_Sym); k++) {
			const Elf64_Sym *s = (const Elf64_Sym *)
					     (p + sym->sh_offset) + k;
			const char *name = (const char *)p + str->sh_offset +
					   s->st_name;

			if (s->st_name >= str->sh_size ||
			    strncmp(name, "virtiovf_vfio_pci_", 18))
				continue;
			name += 18;
			if (!strcmp(name, "lm_ops"))
				c->migration = true;
			else if (!strcmp(name, "tran_lm_ops") ||
				 !strcmp(name, "tran_ops"))
				c->legacy_io = true;
		}
	}
	munmap(p, st.st_size);
	c->symbols = true;
	return 0;
}

int kcaps_probe(const char *kernel, struct kcaps *c, char *err,
		size_t errlen)
{
	char *cfg;
	int ret;

	memset(c, 0, sizeof(*c));
	cfg = showconfig(kernel, err, errlen);
	if (!cfg)
		return -EIO;
	parse_version(c, cfg);
	c->detectors = config_y(cfg, "CONFIG_PROVE_LOCKING");
	c->kasan = config_y(cfg, "CONFIG_KASAN");
	free(cfg);
	ret = kcaps_read_symbols(kernel, c, err, errlen);
	if (ret && ret != -EINVAL) {
		memset(c, 0, sizeof(*c));
		return ret;
	}
	c->known = true;
	return 0;
}

/* "kernel>=6.13" etc.: the operator and up to three numbers. */
static int parse_kernel_word(const char *req, bool *ge, unsigned int v[3])
{
	const char *p = req + 6;
	int n = 0;
	char tail;

	v[0] = v[1] = v[2] = 0;
	if (!strncmp(p, ">=", 2))
		*ge = true;
	else if (*p == '<')
		*ge = false;
	else
		return -EINVAL;
	p += *ge ? 2 : 1;
	n = sscanf(p, "%u.%u.%u%c", &v[0], &v[1], &v[2], &tail);
	return n == 2 || n == 3 ? 0 : -EINVAL;
}

int kcaps_check_word(const char *req, char *err, size_t errlen)
{
	unsigned int v[3];
	bool ge;

	for (size_t i = 0; i < NWORDS; i++)
		if (!strcmp(req, cap_words[i].name))
			return 0;
	if (!strncmp(req, "kernel", 6) && !parse_kernel_word(req, &ge, v))
		return 0;
	snprintf(err, errlen, "unknown requirement '%s' (expected migration, "
		 "legacy-io, detectors, kasan, kernel>=X.Y or kernel<X.Y)",
		 req);
	return -EINVAL;
}

static int vercmp(const unsigned int a[3], const unsigned int b[3])
{
	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

const char *kcaps_unmet(const struct kcaps *c, const char *req, char *buf,
			size_t len)
{
	unsigned int v[3];
	bool ge;

	if (!c->known)
		return NULL;
	for (size_t i = 0; i < NWORDS; i++) {
		if (strcmp(req, cap_words[i].name))
			continue;
		if (*(const bool *)((const char *)c + cap_words[i].off))
			return NULL;
		if (!c->symbols && (!strcmp(req, "migration") ||
				    !strcmp(req, "legacy-io")))
			return NULL;
		snprintf(buf, len, "%s has %s", c->version,
			 cap_words[i].missing);
		return buf;
	}
	if (strncmp(req, "kernel", 6) || parse_kernel_word(req, &ge, v))
		return NULL;	/* kcaps_check_word() refused it already */
	if ((vercmp(c->ver, v) >= 0) == ge)
		return NULL;
	snprintf(buf, len, "needs %s, this is %s", req, c->version);
	return buf;
}
