// SPDX-License-Identifier: GPL-2.0
/*
 * Parallel blocks: every branch of a block runs in its own thread, the
 * steps of one branch in order, to provoke the races the drivers must
 * survive (a VF's user closing its fd while SR-IOV is disabled, a reset
 * during a STOP_COPY read...).  The block ends when every branch has.
 *
 * In the steps file (sim/harness/scenario_run.c writes it):
 *
 *	parallel-begin [jitter_us=N]
 *	thread-begin [NAME]		a branch: the lines up to thread-end
 *	STEP ...
 *	thread-end
 *	STEP ...			a line outside thread-begin/-end is
 *	parallel-end			a branch of its own
 *
 * Steps are numbered in file order, as outside blocks.  With jitter, each
 * branch waits a delay drawn from 0..N us before its first step; the draw
 * is a hash of the run's seed (VFSIM_SEED), the block and the branch, so
 * `vfsim run --seed S` gives the same delays again and `--repeat` varies
 * them from one try to the next.  One line per branch goes to agent.log:
 *	thread=K block=B name=NAME steps=FIRST-LAST delay_us=D took_s=T
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"

#define MAX_BRANCHES AGENT_MAX_PARALLEL	/* the parser refuses more */
#define MAX_BRANCH_STEPS 128
#define LINE_LEN (AGENT_MAX_LINE + 2)

struct branch {
	char name[32];
	char (*lines)[LINE_LEN];
	bool cut[MAX_BRANCH_STEPS];	/* agent_read_line() cut that line */
	int nlines;
	int first;		/* step number of its first line */
	unsigned int delay_us;
	double took_s;
	int failed;
	agent_step_fn *run;
};

static bool starts(const char *line, const char *word)
{
	size_t n = strlen(word);

	return !strncmp(line, word, n) && (!line[n] || line[n] == ' ' ||
					   line[n] == '\n');
}

/* splitmix64 of (seed, block, branch): the delay of one branch. */
static unsigned int draw(uint64_t seed, int block, int branch,
			 unsigned int max_us)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull * (1 + block * 64 + branch);

	if (!max_us)
		return 0;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z % (max_us + 1ull);
}

static uint64_t run_seed(void)
{
	const char *s = getenv("VFSIM_SEED");

	return s ? strtoull(s, NULL, 0) : 0;
}

static void *branch_thread(void *arg)
{
	struct branch *b = arg;
	struct timespec ts = { b->delay_us / 1000000,
			       (b->delay_us % 1000000) * 1000L };
	double t0;

	if (b->delay_us)
		nanosleep(&ts, NULL);
	t0 = agent_now_s();
	for (int i = 0; i < b->nlines; i++) {
		struct step s;

		if (!agent_split(b->lines[i], b->cut[i], &s))
			continue;
		s.index = b->first + i;
		b->failed += b->run(&s) != 0;
	}
	b->took_s = agent_now_s() - t0;
	return NULL;
}

/* A new branch, or NULL (with a console line) past the limits. */
static struct branch *new_branch(struct branch *br, int *nbr,
				 const char *name)
{
	struct branch *b;

	if (*nbr == MAX_BRANCHES) {
		say("parallel block: more than %d branches; the rest is "
		    "skipped", MAX_BRANCHES);
		return NULL;
	}
	b = &br[(*nbr)++];
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->name[strcspn(b->name, " \n")] = 0;
	b->lines = calloc(MAX_BRANCH_STEPS, LINE_LEN);
	return b;
}

/* A step of @b; numbered even if it cannot run, so numbers stay right. */
static void add_line(struct branch *b, const char *line, bool cut, int *n)
{
	++*n;
	if (!b || !b->lines || b->nlines == MAX_BRANCH_STEPS) {
		say("parallel block: step %d skipped (more than %d in a "
		    "thread, or out of memory)", *n, MAX_BRANCH_STEPS);
		return;
	}
	if (!b->nlines)
		b->first = *n;
	b->cut[b->nlines] = cut;
	snprintf(b->lines[b->nlines++], LINE_LEN, "%s", line);
}

/* Read the block's lines up to parallel-end into branches. */
static int read_block(FILE *f, struct branch *br, int *n)
{
	struct branch *cur = NULL;
	char buf[LINE_LEN];
	bool in_thread = false, cut;
	int nbr = 0;

	while (agent_read_line(f, buf, &cut) && !starts(buf, "parallel-end")) {
		if (buf[0] == '#' || buf[strspn(buf, " \t\n")] == 0)
			continue;
		if (starts(buf, "thread-begin")) {
			cur = new_branch(br, &nbr, buf[12] ? buf + 13 : "");
			in_thread = true;
		} else if (starts(buf, "thread-end")) {
			in_thread = false;
		} else if (in_thread) {
			add_line(cur, buf, cut, n);
		} else {
			add_line(new_branch(br, &nbr, ""), buf, cut, n);
		}
	}
	return nbr;
}

int run_parallel(FILE *f, const char *begin, int *n, agent_step_fn *run)
{
	static int block;
	struct branch br[MAX_BRANCHES];
	pthread_t t[MAX_BRANCHES];
	const char *j = strstr(begin, "jitter_us=");
	unsigned int jitter = j ? strtoul(j + 10, NULL, 10) : 0;
	uint64_t seed = run_seed();
	char text[512];
	int nbr = read_block(f, br, n), failed = 0;

	block++;
	for (int i = 0; i < nbr; i++) {
		br[i].run = run;
		br[i].delay_us = draw(seed, block, i, jitter);
		if (pthread_create(&t[i], NULL, branch_thread, &br[i])) {
			say("parallel block %d: cannot start thread %d", block, i);
			br[i].failed = br[i].nlines;
			t[i] = 0;
		}
	}
	for (int i = 0; i < nbr; i++) {
		if (t[i])
			pthread_join(t[i], NULL);
		failed += br[i].failed;
		snprintf(text, sizeof(text), "thread=%d block=%d name=%.31s "
			 "steps=%d-%d delay_us=%u took_s=%.6f", i, block,
			 br[i].name[0] ? br[i].name : "-", br[i].first,
			 br[i].first + br[i].nlines - 1, br[i].delay_us,
			 br[i].took_s);
		agent_emit(text);
		free(br[i].lines);
	}
	return failed;
}
