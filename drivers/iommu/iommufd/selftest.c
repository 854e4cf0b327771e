// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The mock IOMMU backend (CONFIG_IOMMUFD_TEST).
 *
 * The mock registers with the IOMMU core like a hardware driver, but for a
 * bus of its own ("iommufd_mock") on which the test command creates
 * devices. It is given a firmware node of its own, and every mock device
 * will name that node in its fwspec: the IOMMU core then pairs mock devices
 * with the mock and nothing else with it, so it can live in the same boot
 * as a real IOMMU whose devices carry no fwspec (VT-d, AMD-Vi).
 *
 * It shows up as /sys/class/iommu/iommufd_mock.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/property.h>

#include "../iommu-priv.h"
#include "selftest.h"

#define MOCK_NAME "iommufd_mock"

static struct iommufd_mock {
	struct device *parent;
	struct fwnode_handle *fwnode;
	struct iommu_device iommu;
	struct notifier_block bus_nb;
	bool registered;
} mock;

static const struct bus_type mock_bus = {
	.name = MOCK_NAME,
};

/* No mock device exists until the test command creates one. */
static struct iommu_device *mock_probe_device(struct device *dev)
{
	return ERR_PTR(-ENODEV);
}

static const struct iommu_ops mock_ops = {
	.owner = THIS_MODULE,
	.probe_device = mock_probe_device,
	.device_group = generic_device_group,
};

int iommufd_test_init(void)
{
	struct fwnode_handle *fwnode;
	struct device *parent;
	int rc;

	fwnode = fwnode_create_software_node(NULL, NULL);
	if (IS_ERR(fwnode))
		return PTR_ERR(fwnode);
	mock.fwnode = fwnode;

	parent = root_device_register(MOCK_NAME);
	if (IS_ERR(parent)) {
		rc = PTR_ERR(parent);
		goto err_fwnode;
	}
	mock.parent = parent;

	rc = bus_register(&mock_bus);
	if (rc)
		goto err_parent;

	rc = iommu_device_sysfs_add(&mock.iommu, parent, NULL, MOCK_NAME);
	if (rc)
		goto err_bus;

	mock.iommu.fwnode = fwnode;
	rc = iommu_device_register_bus(&mock.iommu, &mock_ops, &mock_bus,
				       &mock.bus_nb);
	if (rc)
		goto err_sysfs;
	mock.registered = true;
	return 0;

err_sysfs:
	iommu_device_sysfs_remove(&mock.iommu);
err_bus:
	bus_unregister(&mock_bus);
err_parent:
	root_device_unregister(parent);
err_fwnode:
	fwnode_remove_software_node(fwnode);
	return rc;
}

void iommufd_test_exit(void)
{
	if (!mock.registered)
		return;
	iommu_device_unregister_bus(&mock.iommu, &mock_bus, &mock.bus_nb);
	iommu_device_sysfs_remove(&mock.iommu);
	bus_unregister(&mock_bus);
	root_device_unregister(mock.parent);
	fwnode_remove_software_node(mock.fwnode);
	mock.registered = false;
}
