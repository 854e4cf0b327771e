// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Binding devices to a context and attaching them to page tables: the
 * in-kernel API VFIO uses (include/linux/iommufd.h), also used by the test
 * command for mock devices.
 *
 * Bind finds the backend that drives the device (backend.h) and creates a
 * device object. Attach takes either a page table ID, or an IOAS ID; for an
 * IOAS it reuses one of the IOAS's automatic page tables the device can use
 * (the backend refuses one it cannot with -EMEDIUMTYPE) or creates one.
 * While attached, the device's reserved IOVA ranges are reserved in the
 * IOAS, so that nothing is ever mapped where the device cannot reach it.
 *
 * Hardware that routes DMA by address to one of several tables (PowerPC's
 * TCE windows) can serve several windowed IOASes at once: besides the page
 * table it is attached to, such a device may translate through extra page
 * tables of other IOASes (IOMMU_DEVICE_ATTACH_EXTRA), one per IOAS, each
 * for the IOVA of its IOAS's windows. All of a device's IOASes must then
 * be windowed, and window.c keeps their windows disjoint and within the
 * device's number of windows. Detaching the device detaches them all.
 *
 * Attach, replace and detach run under ictx->attach_lock. An automatic page
 * table whose last device leaves is taken off its IOAS's list under the
 * lock and destroyed after the lock is dropped (iommufd_object_remove()
 * waits for ioctls using it, which may be waiting for the lock).
 */
#include <linux/device.h>
#include <linux/iommufd.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "backend.h"
#include "device.h"
#include "fault.h"
#include "hwpt.h"
#include "ioas.h"
#include "ioctl.h"

void iommufd_device_destroy(struct iommufd_object *obj)
{
	struct iommufd_device *idev =
		container_of(obj, struct iommufd_device, obj);

	WARN_ON(idev->hwpt || !list_empty(&idev->extras));
	if (idev->hwdev)
		idev->hwdev->ops->release(idev->hwdev);
	if (idev->holds_ctx)
		iommufd_ctx_put(idev->ictx);
}

/**
 * __iommufd_device_bind() - bind a device to a context
 * @ictx: context
 * @dev: the device
 * @id: set to the device's object ID on success
 * @hold_ctx: take a reference on @ictx for as long as the binding exists;
 *            a binder that is itself an object of @ictx must not
 *
 * Context: process context.
 * Return: the binding, or ERR_PTR(-ENODEV) if no backend drives @dev, or
 * the backend's or the allocator's error.
 */
struct iommufd_device *__iommufd_device_bind(struct iommufd_ctx *ictx,
					     struct device *dev, u32 *id,
					     bool hold_ctx)
{
	struct iommufd_device *idev;
	struct iommufd_hwdev *hwdev;

	hwdev = iommufd_backend_probe(dev, ictx);
	if (IS_ERR(hwdev))
		return ERR_CAST(hwdev);

	idev = iommufd_object_alloc(ictx, struct iommufd_device,
				    IOMMUFD_OBJ_DEVICE);
	if (IS_ERR(idev)) {
		hwdev->ops->release(hwdev);
		return idev;
	}
	idev->ictx = ictx;
	idev->hwdev = hwdev;
	hwdev->dev_id = idev->obj.id;
	INIT_LIST_HEAD(&idev->extras);
	INIT_LIST_HEAD(&idev->limits);
	if (hold_ctx) {
		iommufd_ctx_get(ictx);
		idev->holds_ctx = true;
	}
	/* The binder's reference, dropped by iommufd_device_unbind(). */
	refcount_inc(&idev->obj.users);
	iommufd_object_publish(ictx, &idev->obj);
	*id = idev->obj.id;
	return idev;
}

/**
 * iommufd_device_bind() - bind a physical device to a context
 * @ictx: context
 * @dev: the device
 * @id: set to the device's object ID on success
 *
 * The binding keeps @ictx alive until iommufd_device_unbind(). The device
 * is not attached to anything yet.
 *
 * Context: process context.
 * Return: the binding, or an ERR_PTR: -ENODEV if no backend drives @dev,
 * the backend's refusal (for instance -EPERM for a device whose interrupts
 * are not isolated, or whose IOMMU group another context owns), -ENOMEM.
 */
struct iommufd_device *iommufd_device_bind(struct iommufd_ctx *ictx,
					   struct device *dev, u32 *id)
{
	return __iommufd_device_bind(ictx, dev, id, true);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_bind, IOMMUFD);

/**
 * iommufd_device_unbind() - undo iommufd_device_bind()
 * @idev: a device binding, detached
 *
 * Waits until no ioctl uses the device object any more, then destroys it.
 *
 * Context: process context.
 */
void iommufd_device_unbind(struct iommufd_device *idev)
{
	struct iommufd_ctx *ictx = idev->ictx;

	if (WARN_ON(idev->hwpt))
		iommufd_device_detach(idev);
	/* Nothing else takes long-term references on a device. */
	WARN_ON(!iommufd_object_remove(ictx, &idev->obj));
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_unbind, IOMMUFD);

/**
 * iommufd_device_to_ictx() - context a device is bound to
 * @idev: a device binding
 *
 * Return: the context.
 */
struct iommufd_ctx *iommufd_device_to_ictx(struct iommufd_device *idev)
{
	return idev->ictx;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_to_ictx, IOMMUFD);

/**
 * iommufd_device_to_id() - object ID of a device binding
 * @idev: a device binding
 *
 * Return: the ID user space knows the device by.
 */
u32 iommufd_device_to_id(struct iommufd_device *idev)
{
	return idev->obj.id;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_to_id, IOMMUFD);

/**
 * iommufd_ctx_has_group() - whether a context has a device of a group bound
 * @ictx: context
 * @group: IOMMU group
 *
 * VFIO asks this before a PCI hot reset that affects every device of
 * @group.
 *
 * Context: any context that may take a spinlock.
 * Return: true if a device of @group is bound to @ictx.
 */
bool iommufd_ctx_has_group(struct iommufd_ctx *ictx, struct iommu_group *group)
{
	struct iommufd_device *idev;
	struct iommufd_object *obj;
	unsigned long index;
	bool found = false;

	if (!ictx || !group)
		return false;
	/* Objects leave the table under its lock before they are freed. */
	xa_lock(&ictx->objects);
	xa_for_each(&ictx->objects, index, obj) {
		if (obj->type != IOMMUFD_OBJ_DEVICE)
			continue;
		idev = container_of(obj, struct iommufd_device, obj);
		if (idev->hwdev->dev->iommu_group == group) {
			found = true;
			break;
		}
	}
	xa_unlock(&ictx->objects);
	return found;
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_has_group, IOMMUFD);

/**
 * iommufd_hwdev_window_caps() - the windows a device's hardware offers
 * @hwdev: the device
 * @domain: one of the device's tables, or NULL
 * @caps: filled in
 *
 * A backend that does not describe them offers one aperture: that of
 * @domain, or if NULL that of a table made for the purpose.
 *
 * Context: process context.
 * Return: 0, or the backend's error.
 */
int iommufd_hwdev_window_caps(struct iommufd_hwdev *hwdev,
			      struct iommufd_domain *domain,
			      struct iommufd_window_caps *caps)
{
	struct iommufd_domain *tmp = NULL;

	memset(caps, 0, sizeof(*caps));
	if (hwdev->ops->window_caps)
		return hwdev->ops->window_caps(hwdev, caps);

	if (!domain) {
		tmp = hwdev->ops->domain_alloc(hwdev, 0, false, NULL);
		if (IS_ERR(tmp))
			return PTR_ERR(tmp);
		domain = tmp;
	}
	caps->nr_apertures = 1;
	caps->apertures[0].start = domain->aperture_start;
	caps->apertures[0].last = domain->aperture_last;
	caps->apertures[0].pgsizes = domain->pgsize_bitmap;
	if (tmp)
		hwdev->ops->domain_free(tmp);
	return 0;
}

struct iommufd_resv_walk {
	struct iommufd_iopt *iopt;
	struct iommufd_device *idev;
};

static int iommufd_device_resv_one(unsigned long start, unsigned long last,
				   void *opaque)
{
	struct iommufd_resv_walk *walk = opaque;

	return iopt_reserve(walk->iopt, start, last, walk->idev);
}

/*
 * Make @idev translate through @hwpt, coming from @old (NULL if detached),
 * or with @extra through @hwpt as well (@old is NULL then). Entering a new
 * IOAS, the device's window limits and reserved ranges are added to it
 * first, so that attaching fails, changing nothing, if a window is beyond
 * the hardware or something is mapped where the device reserves.
 */
static int iommufd_device_enter(struct iommufd_device *idev,
				struct iommufd_hwpt *hwpt,
				struct iommufd_hwpt *old, bool extra)
{
	struct iommufd_hwdev *hwdev = idev->hwdev;
	struct iommufd_resv_walk walk = {
		.iopt = &hwpt->ioas->iopt,
		.idev = idev,
	};
	bool enter = !old || old->ioas != hwpt->ioas;
	struct iommufd_window_caps caps;
	int rc;

	lockdep_assert_held(&idev->ictx->attach_lock);

	if (enter) {
		rc = iommufd_hwdev_window_caps(hwdev,
					       iommufd_hwpt_stage2(hwpt)->domain,
					       &caps);
		if (rc)
			return rc;
		rc = iopt_limits_add(walk.iopt, idev, &caps, &idev->limits,
				     old ? &old->ioas->iopt : NULL);
		if (rc)
			return rc;
	}
	if (enter && hwdev->ops->for_each_resv) {
		rc = hwdev->ops->for_each_resv(hwdev, iommufd_device_resv_one,
					       &walk);
		if (rc)
			goto err_unreserve;
	}
	if (extra)
		rc = hwdev->ops->attach_extra(hwdev, hwpt->domain);
	else
		rc = hwdev->ops->attach(hwdev, hwpt->domain);
	if (rc)
		goto err_unreserve;
	refcount_inc(&hwpt->obj.users);
	hwpt->ndevices++;
	return 0;

err_unreserve:
	if (enter) {
		iopt_unreserve(walk.iopt, idev);
		iopt_limits_remove(walk.iopt, idev);
	}
	return rc;
}

/*
 * Undo iommufd_device_enter() for @old, now that the device uses @hwpt
 * (NULL if detached). Return @old if it is an automatic table that has
 * just lost its last device, for the caller to remove after unlocking: the
 * device's reference on it then goes to the caller, whose
 * iommufd_object_remove() drops it.
 */
static struct iommufd_hwpt *iommufd_device_leave(struct iommufd_device *idev,
						 struct iommufd_hwpt *old,
						 struct iommufd_hwpt *hwpt)
{
	lockdep_assert_held(&idev->ictx->attach_lock);

	/* Faults it raised there can no longer be answered to any purpose. */
	if (old->domain->fault)
		iommufd_fault_drain(old->domain->fault, idev->hwdev,
				    old->domain);
	if (!hwpt || hwpt->ioas != old->ioas) {
		iopt_unreserve(&old->ioas->iopt, idev);
		iopt_limits_remove(&old->ioas->iopt, idev);
	}
	old->ndevices--;
	if (!old->auto_domain || old->ndevices) {
		refcount_dec(&old->obj.users);
		return NULL;
	}
	list_del_init(&old->auto_link);
	return old;
}

/*
 * Attach to an automatic page table of @ioas: the first one the backend
 * accepts, or a new one.
 */
static struct iommufd_hwpt *
iommufd_device_enter_ioas(struct iommufd_device *idev,
			  struct iommufd_ioas *ioas, struct iommufd_hwpt *old,
			  bool extra)
{
	struct iommufd_window_caps caps;
	struct iommufd_hwpt *hwpt;
	int rc;

	/*
	 * A device whose backend describes its windows is checked against
	 * the IOAS's windows before a table is made for it, so that it is
	 * refused with the errno IOMMU_IOAS_WINDOW_ADD would give.
	 */
	if (idev->hwdev->ops->window_caps && (!old || old->ioas != ioas)) {
		rc = iommufd_hwdev_window_caps(idev->hwdev, NULL, &caps);
		if (!rc)
			rc = iopt_limits_check(&ioas->iopt, &caps);
		if (rc)
			return ERR_PTR(rc);
	}

	list_for_each_entry(hwpt, &ioas->auto_hwpts, auto_link) {
		if (hwpt == old)
			return hwpt;
		rc = iommufd_device_enter(idev, hwpt, old, extra);
		if (!rc)
			return hwpt;
		if (rc != -EMEDIUMTYPE)
			return ERR_PTR(rc);
	}

	hwpt = iommufd_hwpt_create(idev->ictx, ioas, idev->hwdev, 0, true);
	if (IS_ERR(hwpt))
		return hwpt;
	rc = iommufd_device_enter(idev, hwpt, old, extra);
	if (rc) {
		iommufd_object_abort(idev->ictx, &hwpt->obj);
		return ERR_PTR(rc);
	}
	list_add_tail(&hwpt->auto_link, &ioas->auto_hwpts);
	iommufd_object_publish(idev->ictx, &hwpt->obj);
	return hwpt;
}

/*
 * May @idev translate @ioas through a table of it, as its main table or
 * with @extra as an extra one? A device with extra tables may translate
 * only windowed IOASes, each through one table; a device on a nested table
 * has none.
 */
static int iommufd_device_may_enter(struct iommufd_device *idev,
				    struct iommufd_ioas *ioas, bool extra)
{
	struct iommufd_device_extra *ex;

	lockdep_assert_held(&idev->ictx->attach_lock);

	if (!extra && list_empty(&idev->extras))
		return 0;
	if (!ioas->iopt.windowed ||
	    (extra && (!idev->hwpt->ioas->iopt.windowed ||
		       idev->hwpt->parent)))
		return -EINVAL;
	if (extra && idev->hwpt->ioas == ioas)
		return -EEXIST;
	list_for_each_entry(ex, &idev->extras, link)
		if (ex->hwpt->ioas == ioas)
			return -EEXIST;
	return 0;
}

/*
 * Make @idev translate through the page table @pt, or through one of the
 * IOAS @pt, coming from @old; with @extra, through an extra table.
 */
static struct iommufd_hwpt *
iommufd_device_enter_pt(struct iommufd_device *idev, struct iommufd_object *pt,
			struct iommufd_hwpt *old, bool extra)
{
	struct iommufd_hwpt *hwpt;
	struct iommufd_ioas *ioas;
	int rc;

	switch (pt->type) {
	case IOMMUFD_OBJ_HWPT_NESTED:
		/* Nested tables translate all of the device's IOVA. */
		if (extra || !list_empty(&idev->extras))
			return ERR_PTR(-EINVAL);
		fallthrough;
	case IOMMUFD_OBJ_HWPT_PAGING:
		hwpt = container_of(pt, struct iommufd_hwpt, obj);
		/*
		 * An automatic table whose last device left is being removed
		 * (the lookup raced with that): it is gone already.
		 */
		if (hwpt->auto_domain && !hwpt->ndevices)
			return ERR_PTR(-ENOENT);
		if (hwpt == old)
			return hwpt;
		rc = iommufd_device_may_enter(idev, hwpt->ioas, extra);
		if (!rc)
			rc = iommufd_device_enter(idev, hwpt, old, extra);
		if (rc)
			hwpt = ERR_PTR(rc);
		break;
	case IOMMUFD_OBJ_IOAS:
		ioas = container_of(pt, struct iommufd_ioas, obj);
		rc = iommufd_device_may_enter(idev, ioas, extra);
		if (rc)
			return ERR_PTR(rc);
		hwpt = iommufd_device_enter_ioas(idev, ioas, old, extra);
		break;
	default:
		return ERR_PTR(-EINVAL);
	}
	/*
	 * A table the device's hardware cannot use, named or the new
	 * automatic one, is EINVAL to user space, as upstream answers (QEMU
	 * then tries another).
	 */
	if (PTR_ERR_OR_ZERO(hwpt) == -EMEDIUMTYPE)
		return ERR_PTR(-EINVAL);
	return hwpt;
}

/* Destroy the automatic tables on @dead, which lost their last device. */
static void iommufd_device_bury(struct iommufd_ctx *ictx,
				struct list_head *dead)
{
	struct iommufd_hwpt *hwpt;

	while (!list_empty(dead)) {
		hwpt = list_first_entry(dead, struct iommufd_hwpt, auto_link);
		list_del_init(&hwpt->auto_link);
		iommufd_object_remove(ictx, &hwpt->obj);
	}
}

static int iommufd_device_change(struct iommufd_device *idev, u32 *pt_id,
				 bool replace)
{
	struct iommufd_ctx *ictx = idev->ictx;
	struct iommufd_hwpt *hwpt, *old, *dead = NULL;
	struct iommufd_object *pt;
	int rc = 0;

	pt = iommufd_get_object(ictx, *pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt))
		return PTR_ERR(pt);

	mutex_lock(&ictx->attach_lock);
	old = idev->hwpt;
	if (replace != !!old) {
		rc = -EINVAL;
		goto out_unlock;
	}

	hwpt = iommufd_device_enter_pt(idev, pt, old, false);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_unlock;
	}

	if (old && hwpt != old)
		dead = iommufd_device_leave(idev, old, hwpt);
	idev->hwpt = hwpt;
	*pt_id = hwpt->obj.id;
out_unlock:
	mutex_unlock(&ictx->attach_lock);
	iommufd_put_object(ictx, pt);
	if (dead)
		iommufd_object_remove(ictx, &dead->obj);
	return rc;
}

/**
 * iommufd_device_attach() - attach a bound device to an IOAS or page table
 * @idev: a device binding, not attached
 * @pt_id: in: the ID of an IOAS or of a page table; out: the ID of the page
 *         table the device was attached to
 *
 * Attaching to an IOAS uses one of its automatic page tables that the
 * device's hardware can use, or creates one.
 *
 * Context: process context.
 * Return: 0, or -ENOENT (no such object), -EINVAL (already attached,
 * @pt_id names something else, or a page table the device's hardware
 * cannot use), -EADDRINUSE (something is mapped where the
 * device has reserved IOVA, or outside what its hardware translates), the
 * errors of IOMMU_IOAS_WINDOW_ADD for a window the device's hardware
 * cannot have, or the backend's error. On failure nothing changed.
 */
int iommufd_device_attach(struct iommufd_device *idev, u32 *pt_id)
{
	return iommufd_device_change(idev, pt_id, false);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_attach, IOMMUFD);

/**
 * iommufd_device_replace() - move an attached device to another page table
 * @idev: a device binding, attached
 * @pt_id: as for iommufd_device_attach()
 *
 * The device translates through the old table until the new one takes
 * over, with no moment in between in which its DMA is blocked, where the
 * hardware can switch tables at once. PowerPC's TCE windows cannot: there
 * DMA is blocked between taking the old windows down and creating the
 * new ones (tce.c).
 *
 * Context: process context.
 * Return: as for iommufd_device_attach(); -EINVAL if not attached, or if
 * the device has extra tables (IOMMU_DEVICE_ATTACH_EXTRA) and @pt_id's
 * IOAS is not windowed; -EEXIST if it is the IOAS of an extra table.
 */
int iommufd_device_replace(struct iommufd_device *idev, u32 *pt_id)
{
	return iommufd_device_change(idev, pt_id, true);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_replace, IOMMUFD);

/*
 * Stop translating through an extra table. Return its page table if it is
 * an automatic one that has just lost its last device.
 */
static struct iommufd_hwpt *
iommufd_device_drop_extra(struct iommufd_device *idev,
			  struct iommufd_device_extra *ex)
{
	struct iommufd_hwpt *hwpt = ex->hwpt;

	lockdep_assert_held(&idev->ictx->attach_lock);

	idev->hwdev->ops->detach_extra(idev->hwdev, hwpt->domain);
	list_del(&ex->link);
	kfree(ex);
	return iommufd_device_leave(idev, hwpt, NULL);
}

/**
 * iommufd_device_detach() - undo iommufd_device_attach()
 * @idev: a device binding, attached
 *
 * Blocks the device's DMA, through its extra tables too; an automatic page
 * table it leaves empty is destroyed.
 *
 * Context: process context.
 */
void iommufd_device_detach(struct iommufd_device *idev)
{
	struct iommufd_ctx *ictx = idev->ictx;
	struct iommufd_device_extra *ex, *next;
	struct iommufd_hwpt *old, *hwpt;
	LIST_HEAD(dead);

	mutex_lock(&ictx->attach_lock);
	old = idev->hwpt;
	if (!WARN_ON(!old)) {
		list_for_each_entry_safe(ex, next, &idev->extras, link) {
			hwpt = iommufd_device_drop_extra(idev, ex);
			if (hwpt)
				list_add(&hwpt->auto_link, &dead);
		}
		idev->hwdev->ops->detach(idev->hwdev);
		hwpt = iommufd_device_leave(idev, old, NULL);
		if (hwpt)
			list_add(&hwpt->auto_link, &dead);
		idev->hwpt = NULL;
	}
	mutex_unlock(&ictx->attach_lock);
	iommufd_device_bury(ictx, &dead);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_detach, IOMMUFD);

/*
 * Make @idev, attached, translate through an extra table: the page table
 * *@pt_id, or one of the IOAS *@pt_id; *@pt_id is set to the table's ID.
 */
static int iommufd_device_extra_add(struct iommufd_device *idev, u32 *pt_id)
{
	struct iommufd_ctx *ictx = idev->ictx;
	struct iommufd_device_extra *ex;
	struct iommufd_object *pt;
	struct iommufd_hwpt *hwpt;
	int rc;

	pt = iommufd_get_object(ictx, *pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt))
		return PTR_ERR(pt);
	ex = kzalloc(sizeof(*ex), GFP_KERNEL_ACCOUNT);
	if (!ex) {
		rc = -ENOMEM;
		goto out_put;
	}

	mutex_lock(&ictx->attach_lock);
	if (!idev->hwpt) {
		rc = -EINVAL;
		goto out_unlock;
	}
	hwpt = iommufd_device_enter_pt(idev, pt, NULL, true);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_unlock;
	}
	ex->hwpt = hwpt;
	list_add_tail(&ex->link, &idev->extras);
	*pt_id = hwpt->obj.id;
	ex = NULL;
	rc = 0;
out_unlock:
	mutex_unlock(&ictx->attach_lock);
	kfree(ex);
out_put:
	iommufd_put_object(ictx, pt);
	return rc;
}

/* Undo iommufd_device_extra_add() for the table or IOAS @pt_id. */
static int iommufd_device_extra_remove(struct iommufd_device *idev,
				       u32 pt_id)
{
	struct iommufd_ctx *ictx = idev->ictx;
	struct iommufd_device_extra *ex;
	struct iommufd_hwpt *hwpt;
	LIST_HEAD(dead);
	int rc = -ENOENT;

	mutex_lock(&ictx->attach_lock);
	list_for_each_entry(ex, &idev->extras, link) {
		if (ex->hwpt->obj.id != pt_id &&
		    ex->hwpt->ioas->obj.id != pt_id)
			continue;
		hwpt = iommufd_device_drop_extra(idev, ex);
		if (hwpt)
			list_add(&hwpt->auto_link, &dead);
		rc = 0;
		break;
	}
	mutex_unlock(&ictx->attach_lock);
	iommufd_device_bury(ictx, &dead);
	return rc;
}

int iommufd_device_attach_extra_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_device_extra *cmd = ucmd->cmd;
	struct iommufd_device *idev;
	struct iommufd_object *obj;
	u32 pt_id = cmd->pt_id;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	obj = iommufd_get_object(ucmd->ictx, cmd->dev_id, IOMMUFD_OBJ_DEVICE);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	idev = container_of(obj, struct iommufd_device, obj);

	if (!idev->hwdev->ops->attach_extra) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}
	/* A reply that cannot be written fails the call before any change. */
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_put;
	rc = iommufd_device_extra_add(idev, &pt_id);
	if (rc)
		goto out_put;
	cmd->pt_id = pt_id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		iommufd_device_extra_remove(idev, pt_id);
out_put:
	iommufd_put_object(ucmd->ictx, obj);
	return rc;
}

int iommufd_device_detach_extra_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_device_extra *cmd = ucmd->cmd;
	struct iommufd_object *obj;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	obj = iommufd_get_object(ucmd->ictx, cmd->dev_id, IOMMUFD_OBJ_DEVICE);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	rc = iommufd_device_extra_remove(container_of(obj,
						      struct iommufd_device,
						      obj),
					 cmd->pt_id);
	iommufd_put_object(ucmd->ictx, obj);
	return rc;
}

static int iommufd_caps_of(struct iommufd_object *obj,
			   struct iommufd_window_caps *caps,
			   struct iommufd_uranges *out)
{
	struct iommufd_device *idev;
	struct iommufd_ioas *ioas;
	int rc;

	if (obj->type == IOMMUFD_OBJ_IOAS) {
		ioas = container_of(obj, struct iommufd_ioas, obj);
		return iopt_limits_caps(&ioas->iopt, caps, iommufd_uranges_add,
					out);
	}

	idev = container_of(obj, struct iommufd_device, obj);
	rc = iommufd_hwdev_window_caps(idev->hwdev, NULL, caps);
	if (rc)
		return rc == -EOPNOTSUPP ? -ENODEV : rc;
	if (!idev->hwdev->ops->for_each_resv)
		return 0;
	return idev->hwdev->ops->for_each_resv(idev->hwdev,
					       iommufd_uranges_add, out);
}

int iommufd_window_caps_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_window_caps *cmd = ucmd->cmd;
	struct iommu_window_aperture __user *uaps =
		u64_to_user_ptr(cmd->apertures);
	struct iommufd_uranges out = {
		.uranges = u64_to_user_ptr(cmd->reserved),
		.capacity = cmd->num_reserved,
	};
	struct iommufd_window_caps caps;
	struct iommufd_object *obj;
	unsigned int i;
	int rc, rc_respond;

	if (cmd->flags)
		return -EOPNOTSUPP;

	obj = iommufd_get_object(ucmd->ictx, cmd->object_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	if (obj->type != IOMMUFD_OBJ_IOAS && obj->type != IOMMUFD_OBJ_DEVICE) {
		rc = -ENOENT;
		goto out_put;
	}
	rc = iommufd_caps_of(obj, &caps, &out);
	if (!rc)
		rc = iommufd_uranges_flush(&out);
	if (rc)
		goto out_put;

	for (i = 0; i != min(caps.nr_apertures, cmd->num_apertures); i++) {
		const struct iommufd_aperture *ap = &caps.apertures[i];
		struct iommu_window_aperture uap = {
			.start = ap->start,
			.last = ap->last,
			.page_sizes = ap->pgsizes,
			.flags = ap->flags,
			.max_levels = ap->max_levels,
		};

		if (copy_to_user(&uaps[i], &uap, sizeof(uap))) {
			rc = -EFAULT;
			goto out_put;
		}
	}
	/* The counts are written back even when an array was too short. */
	cmd->out_max_windows = caps.max_windows;
	cmd->num_reserved = out.count;
	rc = (caps.nr_apertures > cmd->num_apertures ||
	      out.count > out.capacity) ? -EMSGSIZE : 0;
	cmd->num_apertures = caps.nr_apertures;
	rc_respond = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc_respond)
		rc = rc_respond;
out_put:
	iommufd_put_object(ucmd->ictx, obj);
	return rc;
}

/* Longest hardware description a backend produces. */
#define IOMMUFD_HW_INFO_MAX 256

int iommufd_get_hw_info_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	void __user *udata = u64_to_user_ptr(cmd->data_uptr);
	struct iommufd_hw_desc desc = {};
	struct iommufd_device *idev;
	struct iommufd_object *obj;
	size_t copy;
	void *data;
	int len;

	if (cmd->flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		return -EOPNOTSUPP;
	if (memchr_inv(cmd->__reserved, 0, sizeof(cmd->__reserved)))
		return -EOPNOTSUPP;
	/* Without the flag, the field is an output only. */
	if (cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		desc.type = cmd->in_data_type;

	obj = iommufd_get_object(ucmd->ictx, cmd->dev_id, IOMMUFD_OBJ_DEVICE);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	idev = container_of(obj, struct iommufd_device, obj);

	data = kzalloc(IOMMUFD_HW_INFO_MAX, GFP_KERNEL);
	if (!data) {
		len = -ENOMEM;
		goto out_put;
	}
	len = idev->hwdev->ops->hw_info(idev->hwdev, &desc, data,
					IOMMUFD_HW_INFO_MAX);
	if (len < 0)
		goto out_free;
	if (WARN_ON_ONCE(len > IOMMUFD_HW_INFO_MAX)) {
		len = -EOVERFLOW;
		goto out_free;
	}

	/* Copy what fits; zero the rest of a larger buffer. */
	copy = min_t(size_t, len, cmd->data_len);
	if (copy_to_user(udata, data, copy) ||
	    (cmd->data_len > copy &&
	     clear_user(udata + copy, cmd->data_len - copy))) {
		len = -EFAULT;
		goto out_free;
	}
	cmd->data_len = len;
	cmd->out_data_type = desc.type;
	cmd->out_max_pasid_log2 = desc.max_pasid_log2;
	cmd->out_capabilities = desc.capabilities;
	len = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_free:
	kfree(data);
out_put:
	iommufd_put_object(ucmd->ictx, obj);
	return len;
}
