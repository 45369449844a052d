// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the simulator core and the device models (libcheck). */
#include <stdio.h>

#include "sim/bus/log.h"
#include "helpers.h"

Suite *scenario_suite(void);	/* tests/unit/test_scenario.c */
Suite *sriov_suite(void);	/* tests/unit/test_sriov.c */
Suite *dev_parts_suite(void);	/* tests/unit/test_dev_parts.c */
Suite *admin_parts_suite(void);	/* tests/unit/test_admin_parts.c */
Suite *stopped_suite(void);	/* tests/unit/test_stopped.c */
Suite *fault_suite(void);	/* tests/unit/test_fault.c */
Suite *kreport_capture_suite(void);	/* tests/unit/test_kreport_capture.c */
Suite *lockmap_suite(void);	/* tests/unit/test_lockmap.c */
Suite *steps_suite(void);	/* tests/unit/test_steps.c */
Suite *cover_suite(void);	/* tests/unit/test_cover.c */
Suite *scenario_run_suite(void);	/* tests/unit/test_scenario_run.c */
Suite *admin_legacy_suite(void);	/* tests/unit/test_admin_legacy.c */
Suite *kcaps_suite(void);	/* tests/unit/test_kcaps.c */
Suite *bus_suite(void);		/* tests/unit/test_bus.c */
Suite *sweep_explore_suite(void);	/* tests/unit/test_sweep_explore.c */
Suite *sweep_suite(void);	/* tests/unit/test_sweep.c */
Suite *console_suite(void);	/* tests/unit/test_console.c */

int main(void)
{
	Suite *(*const suites[])(void) = {
		pci_cfg_suite, msix_suite, pci_func_suite, guest_mem_suite,
		vring_suite, vhost_user_suite, pcidev_suite, admin_suite,
		virtio_net_suite, kreport_suite,
		scenario_suite,
		sriov_suite, dev_parts_suite, admin_parts_suite, stopped_suite,
		fault_suite, kreport_capture_suite, lockmap_suite,
		steps_suite, cover_suite, scenario_run_suite,
		admin_legacy_suite, kcaps_suite, bus_suite,
		sweep_explore_suite, sweep_suite, console_suite,
	};
	SRunner *sr = srunner_create(NULL);
	int failed;

	/* Many tests provoke guest errors on purpose: keep only errors. */
	log_max_level = LOG_ERR;
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
