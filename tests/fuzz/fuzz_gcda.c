// SPDX-License-Identifier: GPL-2.0
/*
 * The .gcda check of `vfsim cover` (sim/harness/cover_gcda.c): a .gcda is
 * written by the guest (the agent copies /sys/kernel/debug/gcov), so it
 * is input the guest controls; its .gcno is the build's.  The input is a
 * little-endian 16-bit length N, then N bytes of .gcno, then the .gcda.
 * Checked: the verdict is 0 or -1, a refusal says why (a terminated,
 * non-empty reason), and the same files give the same verdict twice.
 */
#include "sim/harness/cover_gcda.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	size_t nno = fz_u16(&f), nda;
	const uint8_t *no = fz_bytes(&f, nno, &nno);
	const uint8_t *da = fz_bytes(&f, f.left, &nda);
	char err[256], again[256];
	int ret, ret2;

	memset(err, 0x55, sizeof(err));
	ret = cover_gcda_check_mem(da, nda, no, nno, err, sizeof(err));
	fz_assert(ret == 0 || ret == -1, "returned %d", ret);
	fz_assert(ret == 0 || (memchr(err, 0, sizeof(err)) && err[0]),
		  "refused without a reason");
	ret2 = cover_gcda_check_mem(da, nda, no, nno, again, sizeof(again));
	fz_assert(ret == ret2 && (ret == 0 || !strcmp(err, again)),
		  "two verdicts: %d '%s', %d '%s'", ret, err, ret2, again);
	return 0;
}
