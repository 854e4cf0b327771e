// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The registry of backends (backend.h): each kind of translation hardware
 * registers its operations here when iommufd starts, and binding a device
 * asks the registered backends in turn whether they drive it.
 *
 * The order matters where two backends could drive one device. PowerPC's
 * TCE table groups, for instance, also register with the IOMMU core (for
 * DMA ownership only), so the IOMMU core backend would claim their devices
 * and then fail to allocate a single table for them. Backends for a
 * particular kind of hardware therefore rank before the generic one, which
 * takes whatever the IOMMU core drives and nobody else claimed.
 *
 * Registration happens at module init and exit, and probing at bind; the
 * registry's rwsem is the outermost lock of the driver (object.h).
 *
 * Also here: the per-IOMMU-group bookkeeping every backend of grouped
 * hardware needs (struct iommufd_hwgroup).
 */
#include <linux/bug.h>
#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "backend.h"

static DECLARE_RWSEM(iommufd_backends_rwsem);
static LIST_HEAD(iommufd_backends);

/**
 * iommufd_backend_register() - offer a backend to bind devices with
 * @backend: its operations and rank; must stay in place until
 *           iommufd_backend_unregister()
 *
 * Backends of one rank are asked in the order they registered.
 *
 * Context: process context.
 */
void iommufd_backend_register(struct iommufd_backend *backend)
{
	struct iommufd_backend *cur;

	down_write(&iommufd_backends_rwsem);
	list_for_each_entry(cur, &iommufd_backends, link)
		if (cur->rank > backend->rank)
			break;
	/* Before the first of a later rank, or at the end. */
	list_add_tail(&backend->link, &cur->link);
	up_write(&iommufd_backends_rwsem);
}

/**
 * iommufd_backend_unregister() - withdraw a backend
 * @backend: as registered; no device may be bound through it any more
 *
 * Context: process context.
 */
void iommufd_backend_unregister(struct iommufd_backend *backend)
{
	down_write(&iommufd_backends_rwsem);
	list_del(&backend->link);
	up_write(&iommufd_backends_rwsem);
}

/**
 * iommufd_backend_probe() - find the backend that drives a device
 * @dev: the device
 * @owner: the binding context, as ->probe() takes it
 *
 * Context: process context.
 * Return: the first handle a backend made for @dev, the first error other
 * than -ENODEV a backend gave, or ERR_PTR(-ENODEV) if none drives it.
 */
struct iommufd_hwdev *iommufd_backend_probe(struct device *dev, void *owner)
{
	struct iommufd_hwdev *hwdev = ERR_PTR(-ENODEV);
	struct iommufd_backend *backend;

	down_read(&iommufd_backends_rwsem);
	list_for_each_entry(backend, &iommufd_backends, link) {
		hwdev = backend->ops->probe(dev, owner);
		if (!IS_ERR(hwdev) || PTR_ERR(hwdev) != -ENODEV)
			break;
	}
	up_read(&iommufd_backends_rwsem);
	return hwdev;
}

/**
 * iommufd_backend_group_caps() - the windows the devices of a group can have
 * @group: an IOMMU group, none of whose devices need be bound
 * @caps: set to what the backend that would drive the group reports
 *
 * Backends stay registered while iommufd is loaded, so the caller may keep
 * the result and call the group operations of struct iommufd_backend_ops
 * through it later, without the backends' lock.
 *
 * Context: process context.
 * Return: the operations of the backend that describes @group, or
 * ERR_PTR(-ENODEV) if none does.
 */
const struct iommufd_backend_ops *
iommufd_backend_group_caps(struct iommu_group *group,
			   struct iommufd_window_caps *caps)
{
	const struct iommufd_backend_ops *ops = ERR_PTR(-ENODEV);
	struct iommufd_backend *backend;
	int rc;

	down_read(&iommufd_backends_rwsem);
	list_for_each_entry(backend, &iommufd_backends, link) {
		if (!backend->ops->group_caps)
			continue;
		memset(caps, 0, sizeof(*caps));
		rc = backend->ops->group_caps(group, caps);
		if (rc == -ENODEV)
			continue;
		ops = rc ? ERR_PTR(rc) : backend->ops;
		break;
	}
	up_read(&iommufd_backends_rwsem);
	return ops;
}

/**
 * iommufd_backends_platform_windows() - is the platform's DMA windowed?
 *
 * Context: process context.
 * Return: true if a registered backend drives the platform's DMA
 * translation and that has windows at fixed places (see struct
 * iommufd_backend).
 */
bool iommufd_backends_platform_windows(void)
{
	struct iommufd_backend *backend;
	bool found = false;

	down_read(&iommufd_backends_rwsem);
	list_for_each_entry(backend, &iommufd_backends, link)
		found |= backend->platform_windows;
	up_read(&iommufd_backends_rwsem);
	return found;
}

/**
 * iommufd_backends_eeh() - does the platform have EEH error recovery?
 *
 * Context: process context.
 * Return: true if a registered backend says PowerPC's EEH is on (the
 * answer to VFIO_CHECK_EXTENSION(VFIO_EEH)).
 */
bool iommufd_backends_eeh(void)
{
	struct iommufd_backend *backend;
	bool found = false;

	down_read(&iommufd_backends_rwsem);
	list_for_each_entry(backend, &iommufd_backends, link) {
		if (backend->ops->eeh_enabled && backend->ops->eeh_enabled()) {
			found = true;
			break;
		}
	}
	up_read(&iommufd_backends_rwsem);
	return found;
}

/**
 * iommufd_backends_init() - register the backends built into iommufd
 *
 * The test command registers the mock itself (selftest.c).
 *
 * Context: module init.
 * Return: 0 or an errno; on failure nothing is registered.
 */
int iommufd_backends_init(void)
{
	int rc;

	rc = iommufd_tce_init();
	if (rc)
		return rc;
	iommufd_iommu_api_init();
	return 0;
}

/**
 * iommufd_backends_exit() - undo iommufd_backends_init()
 *
 * Context: module exit.
 */
void iommufd_backends_exit(void)
{
	iommufd_iommu_api_exit();
	iommufd_tce_exit();
}

/**
 * iommufd_hwgroup_get() - the state of an IOMMU group, one more device bound
 * @groups: the backend's list of groups
 * @group: the device's IOMMU group
 * @size: size of the backend's structure that embeds struct iommufd_hwgroup
 *        first, allocated zeroed if the group has no state yet
 *
 * Context: under the backend's lock that protects @groups.
 * Return: the state, with @nbound counting the new device (1 for a new
 * state, which the caller then initializes), or NULL if out of memory.
 */
struct iommufd_hwgroup *iommufd_hwgroup_get(struct list_head *groups,
					    struct iommu_group *group,
					    size_t size)
{
	struct iommufd_hwgroup *grp;

	list_for_each_entry(grp, groups, link) {
		if (grp->group == group) {
			grp->nbound++;
			return grp;
		}
	}
	grp = kzalloc(size, GFP_KERNEL);
	if (!grp)
		return NULL;
	grp->group = group;
	grp->nbound = 1;
	list_add(&grp->link, groups);
	return grp;
}

/**
 * iommufd_hwgroup_put() - a device of the group is released
 * @grp: its group's state
 *
 * Context: under the backend's lock that protects the list of groups.
 * Return: true if that was the group's last bound device: @grp is off the
 * list and the caller frees it.
 */
bool iommufd_hwgroup_put(struct iommufd_hwgroup *grp)
{
	if (--grp->nbound)
		return false;
	WARN_ON(grp->nattached);
	list_del(&grp->link);
	return true;
}
