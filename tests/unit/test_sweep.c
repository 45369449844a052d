// SPDX-License-Identifier: GPL-2.0
/*
 * vfsim sweep on captured run directories (tests/unit/data/sweep: a sweep
 * of scenarios/faults/admin-fail-mode-set.vfs, trace.log cut to the step
 * markers, admin commands, MSIs and faults; console.log to the fault
 * injection reports): recording the points, naming them, judging each
 * run against the recording, and the stable outcome lines.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/harness/sweep_judge.h"
#include "sim/harness/sweep_points.h"
#include "sim/harness/sweep_report.h"

#define DATA "tests/unit/data/sweep"
#define TOP "scenarios/faults/admin-fail-mode-set.vfs"
#define EXITED_OK 0		/* a wait status: exit(0) */

static struct sweep_record rec;

static void load_record(void)
{
	char err[256] = "";

	ck_assert_msg(!sweep_record_read(DATA "/record", TOP, &rec, err,
					 sizeof(err)), "%s", err);
}

static void free_record(void)
{
	sweep_record_free(&rec);
}

static const struct sweep_point *find_point(enum sweep_kind k,
					    const char *target,
					    unsigned int nth)
{
	for (int i = 0; i < rec.npoints; i++)
		if (rec.points[i].kind == k && rec.points[i].nth == nth &&
		    !strcmp(rec.points[i].target, target))
			return &rec.points[i];
	return NULL;
}

START_TEST(test_record_steps)
{
	/* 8 steps from vfio2.inc, then the scenario's own 3 */
	ck_assert_int_eq(rec.nsteps, 11);
	ck_assert(rec.steps[0].included);
	ck_assert_str_eq(rec.steps[0].text, "probe");
	ck_assert(rec.steps[0].check);		/* only looks */
	ck_assert(!rec.steps[2].check);		/* sriov-enable acts */
	ck_assert(!rec.steps[8].included);
	ck_assert_str_eq(rec.steps[8].text, "mig-state 0000:00:01.0 STOP");
	ck_assert_str_eq(rec.steps[8].at, TOP ":4");
	ck_assert_int_eq(rec.steps[8].item, 9);	/* item 8 is the fault */
	ck_assert_str_eq(rec.steps[10].text,
			 "mig-migrate 0000:00:01.0 0000:00:02.0 vf0 vf1");
	ck_assert_uint_eq(rec.steps[8].calls, 3);
	ck_assert_uint_gt(rec.steps[10].calls, 500);
	ck_assert_int_eq(rec.teardown_step, 15);
}
END_TEST

START_TEST(test_record_device_points)
{
	const struct sweep_point *p;

	/* The PF's probe: boot, before the first step */
	p = find_point(SWEEP_ADMIN_FAIL, "LIST_QUERY", 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->step, SWEEP_BOOT);
	ck_assert_ptr_nonnull(find_point(SWEEP_ADMIN_HANG, "LIST_QUERY", 1));
	/* The scenario's own failed DEV_MODE_SET is step 9, the next 11 */
	ck_assert_int_eq(find_point(SWEEP_ADMIN_FAIL, "DEV_MODE_SET", 1)->step, 9);
	ck_assert_int_eq(find_point(SWEEP_ADMIN_FAIL, "DEV_MODE_SET", 2)->step, 11);
	ck_assert_int_eq(find_point(SWEEP_ADMIN_FAIL, "DEV_PARTS_SET", 1)->step, 11);
	ck_assert_ptr_null(find_point(SWEEP_ADMIN_FAIL, "DEV_PARTS_SET", 2));
	/* MSIs: each admin completion interrupts the PF */
	p = find_point(SWEEP_MSI_DROP, "pf", 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->step, SWEEP_BOOT);
	ck_assert_int_eq(find_point(SWEEP_MSI_DROP, "pf", 7)->step, 11);
}
END_TEST

/* Register reads: the first of each register in each step is a point. */
START_TEST(test_record_read_points)
{
	static const char trace[] =
		"100 vf0 cfg-read off=0x4 len=2 val=0x0\n"	/* boot */
		"200 agent step n=12\n"			/* step 9 */
		"210 vf0 cfg-read off=0x4 len=2 val=0x6\n"
		"220 vf0 cfg-read off=0x4 len=2 val=0x6\n"
		"230 pf bar-read bar=0 off=0x14 len=1 val=0x0\n"
		"240 vf1 bar-read bar=0 off=0x14 len=1 blocked=1\n"
		"300 agent step n=14\n"			/* step 11 */
		"310 vf0 cfg-read off=0x4 len=2 val=0x6\n";
	char dir[] = "/tmp/vfsim-reads-XXXXXX", cmd[256], err[256];
	struct sweep_record r;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cp %s/record/step-results.txt %s/record/agent.log"
		 " %s/", DATA, DATA, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/trace.log", dir);
	f = fopen(cmd, "w");
	fputs(trace, f);
	fclose(f);
	ck_assert_int_eq(sweep_record_read(dir, TOP, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.npoints, 4);
	ck_assert_int_eq(r.points[0].kind, SWEEP_READ_ONES);
	ck_assert_str_eq(r.points[0].target, "vf0/cfg:0x4");
	ck_assert_int_eq(r.points[0].step, SWEEP_BOOT);
	ck_assert_uint_eq(r.points[1].nth, 2);		/* its 2nd read */
	ck_assert_int_eq(r.points[1].step, 9);
	ck_assert_str_eq(r.points[2].target, "pf/bar0:0x14");
	ck_assert_uint_eq(r.points[3].nth, 4);		/* not the 3rd */
	ck_assert_int_eq(r.points[3].step, 11);
	sweep_record_free(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_record_errors)
{
	struct sweep_record r;
	char err[256] = "";

	ck_assert_int_eq(sweep_record_read(DATA "/none", TOP, &r, err,
					   sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "step-results.txt"));
}
END_TEST

START_TEST(test_point_names)
{
	struct sweep_point p;
	char name[96], err[160], fault[128];

	ck_assert_int_eq(sweep_point_parse("admin-hang:DEV_PARTS_GET#3", &p,
					   err, sizeof(err)), 0);
	ck_assert_int_eq(p.kind, SWEEP_ADMIN_HANG);
	ck_assert_str_eq(p.target, "DEV_PARTS_GET");
	ck_assert_uint_eq(p.nth, 3);
	sweep_point_name(&p, name, sizeof(name));
	ck_assert_str_eq(name, "admin-hang:DEV_PARTS_GET#3");
	sweep_point_fault(&p, 22, fault, sizeof(fault));
	ck_assert_str_eq(fault, "admin-hang op=DEV_PARTS_GET nth=3");
	ck_assert_int_eq(sweep_point_parse("alloc:step11#27", &p, err,
					   sizeof(err)), 0);
	ck_assert_int_eq(p.step, 11);
	sweep_point_name(&p, name, sizeof(name));
	ck_assert_str_eq(name, "alloc:step11#27");
	sweep_point_fault(&p, 22, fault, sizeof(fault));
	ck_assert_str_eq(fault, "fail-nth nth=27");
	ck_assert_int_eq(sweep_point_parse("msi-drop:vf0#1", &p, err,
					   sizeof(err)), 0);
	sweep_point_fault(&p, 22, fault, sizeof(fault));
	ck_assert_str_eq(fault, "msi-drop fn=vf0 nth=1");
	ck_assert_int_eq(sweep_point_parse("read-ones:vf0/bar0:0x14#3", &p,
					   err, sizeof(err)), 0);
	ck_assert_int_eq(p.kind, SWEEP_READ_ONES);
	sweep_point_fault(&p, 22, fault, sizeof(fault));
	ck_assert_str_eq(fault, "read-ones fn=vf0 reg=bar0:0x14 nth=3");
	ck_assert_int_eq(sweep_point_parse("admin-fail:X#2", &p, err,
					   sizeof(err)), 0);
	sweep_point_fault(&p, 5, fault, sizeof(fault));
	ck_assert_str_eq(fault, "admin-fail op=X nth=2 status=5");
}
END_TEST

/* An allocation by its site: the chain, a within= fault, the matching. */
START_TEST(test_point_by_site)
{
	struct sweep_point p;
	char name[SWEEP_SITE_LEN + 32], err[160], fault[256];

	ck_assert_int_eq(sweep_point_parse("alloc:step12@virtio_pci_admin_mode_set<virtiovf_pci_set_device_state",
					   &p, err, sizeof(err)), 0);
	ck_assert_int_eq(p.kind, SWEEP_ALLOC);
	ck_assert_int_eq(p.step, 12);
	ck_assert_uint_eq(p.nth, 1);
	ck_assert(!p.page);
	ck_assert_str_eq(p.site, "virtio_pci_admin_mode_set<virtiovf_pci_set_device_state");
	sweep_point_name(&p, name, sizeof(name));
	ck_assert_str_eq(name, "alloc:step12@virtio_pci_admin_mode_set<virtiovf_pci_set_device_state");
	sweep_point_fault(&p, 22, fault, sizeof(fault));
	ck_assert_str_eq(fault, "fail-nth within=virtio_pci_admin_mode_set nth=1");
	p.nth = 3;
	p.page = true;
	sweep_point_fault(&p, 22, fault, sizeof(fault));
	ck_assert_str_eq(fault, "fail-nth within=virtio_pci_admin_mode_set nth=3 alloc=page");
	/* The verdict's site_name has spaces and may go one frame further. */
	ck_assert(sweep_site_matches(&p, "virtio_pci_admin_mode_set < virtiovf_pci_set_device_state < vfio_device_fops_unl_ioctl"));
	ck_assert(sweep_site_matches(&p, "virtio_pci_admin_mode_set < virtiovf_pci_set_device_state"));
	/* Whole frames only, in order, from the innermost. */
	ck_assert(!sweep_site_matches(&p, "virtio_pci_admin_mode_set < virtiovf_pci_set_device_state_x"));
	ck_assert(!sweep_site_matches(&p, "vp_modern_admin_cmd_exec < virtio_pci_admin_mode_set < virtiovf_pci_set_device_state"));
	ck_assert(!sweep_site_matches(&p, "virtio_pci_admin_mode_set"));
	ck_assert(!sweep_site_matches(&p, "(silent)"));
	/* A static name defined twice: its tries count under the caller. */
	ck_assert_int_eq(sweep_point_parse("alloc:step5@_kzalloc_noprof.constprop.0<device_add<cdev_device_add",
					   &p, err, sizeof(err)), 0);
	p.within_at = 1;
	p.nth = 2;
	sweep_point_fault(&p, 22, fault, sizeof(fault));
	ck_assert_str_eq(fault, "fail-nth within=device_add nth=2");
	ck_assert_str_eq(sweep_point_within(&p, name, sizeof(name)), "device_add");
	p.within_at = 3;
	ck_assert_ptr_null(sweep_point_within(&p, name, sizeof(name)));
	/* Spaces as a table prints them are accepted. */
	ck_assert_int_eq(sweep_point_parse("alloc:step3@__d_alloc < d_alloc_pseudo",
					   &p, err, sizeof(err)), 0);
	ck_assert_str_eq(p.site, "__d_alloc<d_alloc_pseudo");
}
END_TEST

/* A verdict's site_name as points and known outcomes spell it. */
START_TEST(test_site_chain)
{
	char out[16];

	ck_assert(sweep_site_chain("f < g < h", out, sizeof(out)));
	ck_assert_str_eq(out, "f<g<h");
	ck_assert(sweep_site_chain("", out, sizeof(out)));
	ck_assert_str_eq(out, "");
	/* 15 bytes fit with the NUL; 16 do not, and what fits is kept. */
	ck_assert(sweep_site_chain("abcdefg < hijklmn", out, sizeof(out)));
	ck_assert_str_eq(out, "abcdefg<hijklmn");
	ck_assert(!sweep_site_chain("abcdefg < hijklmno", out, sizeof(out)));
	ck_assert_str_eq(out, "abcdefg<hijklmn");
	ck_assert(!sweep_site_chain("f", out, 0));
}
END_TEST

START_TEST(test_point_name_errors)
{
	static const char *const bad[][2] = {
		{ "alloc:step4@(silent)", "rerun it by its ordinal" },
		{ "alloc:step4@-", "never fired" },
		{ "alloc:step4@pci_iov_add virtfn", "a space inside a function name" },
		{ "alloc:step4294967298@f", "S a step number from 1" },
		{ "alloc:step4294967298#1", "S from 1" },
		{ "alloc:step-1#1", "S from 1" },
		{ "alloc:step0@f", "S a step number from 1" },
		{ "alloc:step1@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "longer than 159 characters" },
		{ "alloc:step4@", "function names after '@'" },
		{ "alloc:step4@f<<g", "function names after '@'" },
		{ "alloc:step4@f<g+0x10/0x40", "without +offset/size" },
		{ "alloc:stepx@f", "alloc:stepS@F<G<H" },
		{ "admin-fail:X@f", "only an alloc point has a site" },
		{ "admin-fail", "KIND:TARGET#N" },
		{ "admin-fial:X#1", "unknown kind" },
		{ "admin-fail:X#0", "number from 1" },
		{ "admin-fail:X#", "number from 1" },
		{ "admin-fail:#3", "no target" },
		{ "alloc:9#3", "stepS" },
		{ "alloc:step0#3", "stepS" },
	};
	struct sweep_point p;
	char err[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		ck_assert_int_eq(sweep_point_parse(bad[i][0], &p, err,
						   sizeof(err)), -1);
		ck_assert_msg(strstr(err, bad[i][1]), "%s: '%s'", bad[i][0],
			      err);
	}
}
END_TEST

static struct sweep_verdict judge(const char *dir, const char *point,
				  int status)
{
	struct sweep_verdict v;
	struct sweep_point p;
	char err[160], path[256];

	ck_assert_int_eq(sweep_point_parse(point, &p, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/%s", DATA, dir);
	ck_assert_int_eq(sweep_judge(DATA "/record", path, &p, &rec, status,
				     &v), 0);
	return v;
}

START_TEST(test_judge_error_returned_is_clean)
{
	struct sweep_verdict v = judge("admin-fail-DEV_MODE_SET-2",
				       "admin-fail:DEV_MODE_SET#2", EXITED_OK);

	ck_assert_int_eq(v.outcome, SWEEP_CLEAN);
	ck_assert_int_eq(v.fired_step, 11);
	ck_assert_int_eq(v.affected_step, 11);
	ck_assert_str_eq(v.key, "errno=22@step11");
	ck_assert_ptr_nonnull(strstr(v.detail, "step 11 failed with errno 22"));
}
END_TEST

START_TEST(test_judge_absorbed_destroy_is_clean)
{
	struct sweep_verdict v = judge("admin-fail-RESOURCE_OBJ_DESTROY-1",
				       "admin-fail:RESOURCE_OBJ_DESTROY#1",
				       EXITED_OK);

	/* The device kept the object it refused to destroy: not a leak. */
	ck_assert_int_eq(v.outcome, SWEEP_CLEAN);
	ck_assert_str_eq(v.key, "absorbed");
	ck_assert_int_eq(v.affected_step, 0);
}
END_TEST

START_TEST(test_judge_hang_says_where)
{
	struct sweep_verdict v = judge("admin-hang-DEV_PARTS_GET-1",
				       "admin-hang:DEV_PARTS_GET#1", EXITED_OK);

	ck_assert_int_eq(v.outcome, SWEEP_HANG);
	ck_assert_str_eq(v.key, "hang@vp_modern_admin_cmd_exec");
	ck_assert_ptr_nonnull(strstr(v.where, "virtio_pci_admin_dev_parts_get"));
	ck_assert_ptr_nonnull(strstr(v.report, "hung-task: INFO: task "
					       "vfsim-agent:1 blocked"));
	v = judge("msi-drop-pf-7", "msi-drop:pf#7", EXITED_OK);
	ck_assert_int_eq(v.outcome, SWEEP_HANG);
	ck_assert_int_eq(v.fired_step, 11);
}
END_TEST

START_TEST(test_judge_alloc_leak_and_site)
{
	struct sweep_verdict v = judge("alloc-step11-27", "alloc:step11#27",
				       EXITED_OK);

	ck_assert_int_eq(v.outcome, SWEEP_LEAK);
	ck_assert_str_eq(v.key, "admin-objects");
	ck_assert_str_eq(v.site_name, "vp_modern_admin_cmd_exec < "
			 "virtio_pci_admin_obj_destroy < "
			 "virtiovf_clean_migf_resources");
	/* Frames with offsets: the explorer's key */
	ck_assert_ptr_nonnull(strstr(v.site, "vp_modern_admin_cmd_exec+0x"));
}
END_TEST

START_TEST(test_judge_not_reached)
{
	struct sweep_verdict v = judge("alloc-step11-900", "alloc:step11#900",
				       EXITED_OK);

	ck_assert_int_eq(v.outcome, SWEEP_NOT_REACHED);
	ck_assert_ptr_nonnull(strstr(v.detail, "passed only"));
	ck_assert(!v.fault_refused);
}
END_TEST

START_TEST(test_judge_simulator_error)
{
	struct sweep_verdict v = judge("admin-fail-DEV_MODE_SET-2",
				       "admin-fail:DEV_MODE_SET#2", SIGSEGV);

	ck_assert(WIFSIGNALED(SIGSEGV));
	ck_assert_int_eq(v.outcome, SWEEP_SIM_ERROR);
	ck_assert_ptr_nonnull(strstr(v.detail, "signal 11"));
	v = judge("none", "admin-fail:DEV_MODE_SET#2", EXITED_OK);
	ck_assert_int_eq(v.outcome, SWEEP_SIM_ERROR);
}
END_TEST

/* A copy of a captured run with one file replaced by @text. */
static void variant(const char *from, const char *file, const char *text,
		    char *dir, size_t len)
{
	char cmd[512], path[300];
	FILE *f;

	snprintf(dir, len, "/tmp/vfsim-sweep-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cp %s/%s/* %s/", DATA, from, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static struct sweep_verdict judge_at(const char *dir, const char *point)
{
	struct sweep_verdict v;
	struct sweep_point p;
	char err[160], cmd[300];

	ck_assert_int_eq(sweep_point_parse(point, &p, err, sizeof(err)), 0);
	ck_assert_int_eq(sweep_judge(DATA "/record", dir, &p, &rec, 0, &v), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	return v;
}

/* @in with its first @from replaced by @to, into @out. */
static void replace(const char *in, const char *from, const char *to,
		    char *out, size_t len)
{
	const char *at = strstr(in, from);

	ck_assert_ptr_nonnull(at);
	snprintf(out, len, "%.*s%s%s", (int)(at - in), in, to, at + strlen(from));
}

/* The agent refused the fail-nth line (a within= function it cannot use). */
START_TEST(test_judge_fault_refused)
{
	char dir[64], log[4096], a[4096], b[4096];
	FILE *f = fopen(DATA "/alloc-step11-900/agent.log", "r");
	size_t n = fread(log, 1, sizeof(log) - 1, f);
	struct sweep_verdict v;

	fclose(f);
	log[n] = 0;
	replace(log, "name=fail-nth nth=900 status=ok", "name=fail-nth "
		"error=\"within=no_such_fn: no such text symbol\" errno=22 "
		"status=fail", a, sizeof(a));
	replace(a, " fail_nth=missed calls=571", "", b, sizeof(b));
	variant("alloc-step11-900", "agent.log", b, dir, sizeof(dir));
	v = judge_at(dir, "alloc:step11#900");
	ck_assert_int_eq(v.outcome, SWEEP_NOT_REACHED);
	ck_assert(v.fault_refused);
	ck_assert_ptr_nonnull(strstr(v.detail, "fail-nth was refused: "
				     "within=no_such_fn: no such text symbol"));
}
END_TEST

START_TEST(test_judge_broken_afterwards_is_wrong)
{
	char dir[64], out[4096];
	FILE *f = fopen(DATA "/admin-fail-DEV_MODE_SET-2/step-results.txt", "r");
	size_t n = fread(out, 1, sizeof(out) - 1, f);
	char *check;
	struct sweep_verdict v;

	fclose(f);
	out[n] = 0;
	check = strstr(out, "epilogue=1 step=15 ran=1 ok=1 errno=0");
	ck_assert_ptr_nonnull(check);
	memcpy(check, "epilogue=1 step=15 ran=1 ok=0 errno=5", 37);
	variant("admin-fail-DEV_MODE_SET-2", "step-results.txt", out, dir,
		sizeof(dir));
	v = judge_at(dir, "admin-fail:DEV_MODE_SET#2");
	ck_assert_int_eq(v.outcome, SWEEP_WRONG);
	ck_assert_ptr_nonnull(strstr(v.detail, "afterwards: check-vfs"));
	ck_assert_str_eq(v.key, "afterwards:check-vfs");
}
END_TEST

START_TEST(test_judge_new_report_is_finding)
{
	char dir[64];
	struct sweep_verdict v;

	variant("admin-fail-DEV_MODE_SET-2", "findings.txt",
		"warning: WARNING: drivers/vfio/pci/virtio/migrate.c:99 at "
		"virtiovf_x+0x1/0x2 | stack: virtiovf_x < vfio_ioctl\n",
		dir, sizeof(dir));
	v = judge_at(dir, "admin-fail:DEV_MODE_SET#2");
	ck_assert_int_eq(v.outcome, SWEEP_FINDING);
	ck_assert_str_eq(v.key, "warning@virtiovf_x");
	ck_assert_str_eq(v.where, "virtiovf_x < vfio_ioctl");
	ck_assert_ptr_nonnull(strstr(v.report, "migrate.c:99"));
}
END_TEST

START_TEST(test_judge_timeout_blocked_dump)
{
	static const char console[] =
		"sysrq: Show Blocked State\n"
		"task:vfsim-agent     state:D stack:0     pid:1\n"
		"Call Trace:\n"
		" [<60063ef1>] __switch_to+0xdf/0x12c\n"
		" [<6011227d>] ? rq_unpin_lock+0x0/0xcb\n"
		" [<60cf9bf1>] __schedule+0xe13/0xec2\n"
		" [<60cfb672>] wait_for_completion+0x29/0x2b\n"
		" [<607a1735>] vp_modern_admin_cmd_exec+0x6ad/0x82b\n"
		" [<607a1900>] virtio_pci_admin_mode_set+0x10/0x20\n";
	char dir[64], cmd[300];
	struct sweep_verdict v;

	variant("admin-fail-DEV_MODE_SET-2", "console.log", console, dir,
		sizeof(dir));
	snprintf(cmd, sizeof(cmd), "sed -i 's/^ended=.*/ended=timeout/' "
		 "%s/summary.txt", dir);
	ck_assert_int_eq(system(cmd), 0);
	v = judge_at(dir, "admin-fail:DEV_MODE_SET#2");
	ck_assert_int_eq(v.outcome, SWEEP_HANG);
	ck_assert_str_eq(v.where, "vfsim-agent: vp_modern_admin_cmd_exec < "
			 "virtio_pci_admin_mode_set");
	ck_assert_str_eq(v.key, "hang@vp_modern_admin_cmd_exec");
}
END_TEST

START_TEST(test_judge_failed_probe_is_an_error)
{
	char dir[64];
	struct sweep_verdict v;

	/* The step went on; a driver refused the device: reported, clean. */
	variant("admin-fail-RESOURCE_OBJ_DESTROY-1", "console.log",
		"virtio_net virtio5: probe with driver virtio_net failed with "
		"error -12\n", dir, sizeof(dir));
	v = judge_at(dir, "admin-fail:RESOURCE_OBJ_DESTROY#1");
	ck_assert_int_eq(v.outcome, SWEEP_CLEAN);
	ck_assert_str_eq(v.key, "probe-failed=-12@step11");
	ck_assert_ptr_nonnull(strstr(v.detail, "virtio_net probe failed"));
}
END_TEST

START_TEST(test_outcome_lines_are_stable)
{
	struct sweep_run runs[3] = { 0 };
	struct sweep_summary s = {
		.file = TOP, .self = "vfsim", .rec = &rec, .runs = runs,
		.nruns = 3,
	};
	char path[] = "/tmp/vfsim-outcomes-XXXXXX", text[1024];
	int fd = mkstemp(path);
	FILE *f;
	size_t n;

	ck_assert_int_ge(fd, 0);
	close(fd);
	/* Two ordinals of one call site with one outcome: one line. */
	for (int i = 0; i < 2; i++) {
		runs[i].pt = (struct sweep_point){ .kind = SWEEP_ALLOC,
						   .nth = 40 + i, .step = 11 };
		runs[i].done = true;
		runs[i].v.outcome = SWEEP_CLEAN;
		snprintf(runs[i].v.key, sizeof(runs[i].v.key),
			 "errno=12@step11");
		snprintf(runs[i].v.site_name, sizeof(runs[i].v.site_name),
			 "a < b < c");
	}
	runs[2].pt = (struct sweep_point){ .kind = SWEEP_ADMIN_FAIL, .nth = 2,
					   .step = 11 };
	strcpy(runs[2].pt.target, "DEV_MODE_SET");
	runs[2].done = true;
	strcpy(runs[2].v.key, "errno=22@step11");
	ck_assert_int_eq(sweep_report_outcomes(&s, path), 0);
	f = fopen(path, "r");
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	unlink(path);
	ck_assert_str_eq(text,
		TOP " admin-fail:DEV_MODE_SET#2 clean errno=22@step11\n"
		TOP " alloc:step11@a<b<c clean errno=12@step11\n");
}
END_TEST

START_TEST(test_rerun_command)
{
	struct sweep_summary s = { .file = "a.vfs", .self = "vfsim",
				   .admin_status = 22, .hung_task_s = 3 };
	char cmd[512];

	/* Options before the scenario: the parser stops at the first file. */
	sweep_report_rerun_cmd(&s, "admin-fail:DEV_MODE_SET#2", cmd,
			       sizeof(cmd));
	ck_assert_str_eq(cmd,
			 "vfsim sweep --rerun admin-fail:DEV_MODE_SET#2 a.vfs");
	/* What defines the failure goes with it: the kernel, the status. */
	s.kernel = "k/linux";
	s.admin_status = 2;
	sweep_report_rerun_cmd(&s, "admin-fail:DEV_MODE_SET#2", cmd,
			       sizeof(cmd));
	ck_assert_str_eq(cmd, "vfsim sweep --kernel k/linux --admin-status 2 "
			 "--rerun admin-fail:DEV_MODE_SET#2 a.vfs");
	sweep_report_rerun_cmd(&s, "alloc:step9#1", cmd, sizeof(cmd));
	ck_assert_str_eq(cmd, "vfsim sweep --kernel k/linux --rerun "
			 "alloc:step9#1 a.vfs");
	/* A site has '<': quoted for the shell. */
	sweep_report_rerun_cmd(&s, "alloc:step9@f<g", cmd, sizeof(cmd));
	ck_assert_str_eq(cmd, "vfsim sweep --kernel k/linux --rerun "
			 "'alloc:step9@f<g' a.vfs");
	/* And the seed, the hung-task timeout, the output directory. */
	s.kernel = NULL;
	s.seed = 7;
	s.seed_set = true;
	s.hung_task_s = 5;
	s.out = "out/sw";
	sweep_report_rerun_cmd(&s, "msi-drop:pf#3", cmd, sizeof(cmd));
	ck_assert_str_eq(cmd, "vfsim sweep --seed 7 --hung-task-s 5 -o out/sw "
			 "--rerun msi-drop:pf#3 a.vfs");
}
END_TEST

static struct sweep_run *alloc_run(struct sweep_run *r, int step,
				   unsigned int nth, const char *site,
				   enum sweep_outcome o, const char *key)
{
	memset(r, 0, sizeof(*r));
	r->pt.kind = SWEEP_ALLOC;
	r->pt.step = step;
	r->pt.nth = nth;
	r->done = true;
	r->v.outcome = o;
	snprintf(r->v.site_name, sizeof(r->v.site_name), "%s", site);
	snprintf(r->v.key, sizeof(r->v.key), "%s", key);
	snprintf(r->v.detail, sizeof(r->v.detail), "d");
	return r;
}

/*
 * Reproduce lines name an allocation by its site, unless the site is
 * silent or stands for two allocations of the step that ended otherwise.
 */
START_TEST(test_reproduce_by_site)
{
	static struct sweep_run runs[4];
	struct sweep_record rec = { .nsteps = 2 };
	struct sweep_summary s = { .file = "a.vfs", .self = "vfsim",
				   .admin_status = 22, .rec = &rec,
				   .runs = runs, .nruns = 4 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	alloc_run(&runs[0], 1, 1, "a < b < c", SWEEP_WRONG, "step1:failed");
	alloc_run(&runs[1], 1, 102, "a < b < c", SWEEP_LEAK, "admin-objects");
	alloc_run(&runs[2], 2, 5, "x < y", SWEEP_FINDING, "warning@y");
	alloc_run(&runs[3], 2, 6, "(silent)", SWEEP_WRONG, "step2:failed");
	sweep_report_table(&s, f);
	fclose(f);
	ck_assert_msg(strstr(buf, "--rerun alloc:step1#1 a.vfs"), "%s", buf);
	ck_assert_msg(strstr(buf, "--rerun alloc:step1#102 a.vfs"), "%s", buf);
	ck_assert_msg(strstr(buf, "--rerun 'alloc:step2@x<y' a.vfs"), "%s",
		      buf);
	ck_assert_msg(strstr(buf, "--rerun alloc:step2#6 a.vfs"), "%s", buf);
	free(buf);
}
END_TEST

START_TEST(test_inferred_sites)
{
	struct sweep_run runs[4] = { 0 };
	struct sweep_summary s = { .rec = &rec, .runs = runs, .nruns = 4 };
	unsigned int nth[] = { 1, 2, 10, 11 };

	for (int i = 0; i < 4; i++) {
		runs[i].pt = (struct sweep_point){ .kind = SWEEP_ALLOC,
						   .nth = nth[i], .step = 9 };
		runs[i].done = true;
		strcpy(runs[i].v.site, i < 3 ? "bulk" : "other");
	}
	sweep_report_sort(runs, 4);
	/* 3..9 lie between two equal sites; 10..11 are neighbours */
	ck_assert_uint_eq(sweep_report_inferred(&s, 9), 7);
	ck_assert_uint_eq(sweep_report_inferred(&s, 8), 0);
}
END_TEST

Suite *sweep_suite(void)
{
	Suite *s = suite_create("sweep");
	TCase *tc = tcase_create("points");

	tcase_add_unchecked_fixture(tc, load_record, free_record);
	tcase_add_test(tc, test_record_steps);
	tcase_add_test(tc, test_record_device_points);
	tcase_add_test(tc, test_record_read_points);
	tcase_add_test(tc, test_record_errors);
	tcase_add_test(tc, test_point_names);
	tcase_add_test(tc, test_point_by_site);
	tcase_add_test(tc, test_site_chain);
	tcase_add_test(tc, test_point_name_errors);
	tcase_add_test(tc, test_judge_error_returned_is_clean);
	tcase_add_test(tc, test_judge_absorbed_destroy_is_clean);
	tcase_add_test(tc, test_judge_hang_says_where);
	tcase_add_test(tc, test_judge_alloc_leak_and_site);
	tcase_add_test(tc, test_judge_not_reached);
	tcase_add_test(tc, test_judge_fault_refused);
	tcase_add_test(tc, test_judge_simulator_error);
	tcase_add_test(tc, test_judge_broken_afterwards_is_wrong);
	tcase_add_test(tc, test_judge_new_report_is_finding);
	tcase_add_test(tc, test_judge_timeout_blocked_dump);
	tcase_add_test(tc, test_judge_failed_probe_is_an_error);
	tcase_add_test(tc, test_outcome_lines_are_stable);
	tcase_add_test(tc, test_rerun_command);
	tcase_add_test(tc, test_reproduce_by_site);
	tcase_add_test(tc, test_inferred_sites);
	suite_add_tcase(s, tc);
	return s;
}
