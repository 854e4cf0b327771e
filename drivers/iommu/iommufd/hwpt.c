// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Hardware page table objects: creation, destruction, IOMMU_HWPT_ALLOC,
 * IOMMU_HWPT_INVALIDATE and the dirty-tracking commands (whose work is
 * iopt_dirty.c's). Attaching devices to them is device.c's business.
 */
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/iommu.h>
#include <uapi/linux/iommufd.h>

#include "backend.h"
#include "device.h"
#include "fault.h"
#include "hwpt.h"
#include "ioas.h"
#include "ioctl.h"

void iommufd_hwpt_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt *hwpt = container_of(obj, struct iommufd_hwpt, obj);

	/* Automatic tables leave the IOAS's list when their last device goes */
	WARN_ON(hwpt->ndevices || !list_empty(&hwpt->auto_link));
	if (hwpt->parent) {
		/* A nested table borrows its parent's IOAS: nothing to undo. */
		refcount_dec(&hwpt->parent->obj.users);
		if (hwpt->domain->fault)
			refcount_dec(&hwpt->domain->fault->obj.users);
	} else if (hwpt->ioas) {
		iopt_remove_domain(&hwpt->ioas->iopt, hwpt->domain);
		refcount_dec(&hwpt->ioas->obj.users);
	}
	if (hwpt->domain)
		hwpt->domain->ops->domain_free(hwpt->domain);
}

/**
 * iommufd_hwpt_create() - a new page table filled from an IOAS
 * @ictx: context
 * @ioas: the IOAS; the new table takes a long-term reference on it
 * @hwdev: device whose backend allocates the table
 * @flags: IOMMU_HWPT_ALLOC_* flags for the backend
 * @auto_domain: destroy the table when its last device detaches
 *
 * The caller publishes the object, or aborts it, and for an automatic table
 * adds it to the IOAS's list.
 *
 * Context: process context.
 * Return: an unpublished object, or an ERR_PTR: the backend's error, or an
 * error of iopt_add_domain().
 */
struct iommufd_hwpt *iommufd_hwpt_create(struct iommufd_ctx *ictx,
					 struct iommufd_ioas *ioas,
					 struct iommufd_hwdev *hwdev,
					 u32 flags, bool auto_domain)
{
	struct iommufd_domain *domain;
	struct iommufd_hwpt *hwpt;
	int rc;

	hwpt = iommufd_object_alloc(ictx, struct iommufd_hwpt,
				    IOMMUFD_OBJ_HWPT_PAGING);
	if (IS_ERR(hwpt))
		return hwpt;
	INIT_LIST_HEAD(&hwpt->auto_link);
	hwpt->auto_domain = auto_domain;
	hwpt->nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;

	domain = hwdev->ops->domain_alloc(hwdev, flags,
					  ioas->iopt.windowed, NULL);
	if (IS_ERR(domain)) {
		rc = PTR_ERR(domain);
		goto err_abort;
	}
	hwpt->domain = domain;
	/* The IOAS's windows must suit the hardware, attached or not. */
	rc = iommufd_hwdev_window_caps(hwdev, domain, &domain->window_caps);
	if (rc)
		goto err_abort;

	rc = iopt_add_domain(&ioas->iopt, domain);
	if (rc)
		goto err_abort;
	hwpt->ioas = ioas;
	refcount_inc(&ioas->obj.users);
	return hwpt;

err_abort:
	iommufd_object_abort(ictx, &hwpt->obj);
	return ERR_PTR(rc);
}

/*
 * Send the faults on the new nested table @domain to the queue named by
 * the command; the table holds the queue until it is destroyed.
 */
static int iommufd_hwpt_take_fault(struct iommufd_ucmd *ucmd,
				   struct iommufd_domain *domain)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_object *obj;

	obj = iommufd_get_object(ucmd->ictx, cmd->fault_id, IOMMUFD_OBJ_FAULT);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	refcount_inc(&obj->users);
	domain->fault = container_of(obj, struct iommufd_fault, obj);
	iommufd_put_object(ucmd->ictx, obj);
	return 0;
}

/*
 * A table nested in @parent for @idev, with the driver data of @cmd.
 * Upstream's errnos: EOPNOTSUPP for flags, missing data or hardware
 * without nesting, EINVAL for a parent that cannot take nested tables or
 * belongs to other hardware; then whatever the backend says of the data,
 * then ENOENT for a fault queue that is not one.
 */
static struct iommufd_hwpt *iommufd_hwpt_nest(struct iommufd_ucmd *ucmd,
					      struct iommufd_device *idev,
					      struct iommufd_hwpt *parent)
{
	const struct iommufd_backend_ops *ops = idev->hwdev->ops;
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	const struct iommu_user_data data = {
		.type = cmd->data_type,
		.uptr = u64_to_user_ptr(cmd->data_uptr),
		.len = cmd->data_len,
	};
	struct iommufd_domain *domain;
	struct iommufd_hwpt *hwpt;
	int rc;

	if ((cmd->flags & ~IOMMU_HWPT_FAULT_ID_VALID) || !cmd->data_len ||
	    !ops->domain_alloc_nested ||
	    ((cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) && !ops->fault_respond))
		return ERR_PTR(-EOPNOTSUPP);
	if (parent->auto_domain || !parent->nest_parent ||
	    parent->domain->ops != ops)
		return ERR_PTR(-EINVAL);

	hwpt = iommufd_object_alloc(ucmd->ictx, struct iommufd_hwpt,
				    IOMMUFD_OBJ_HWPT_NESTED);
	if (IS_ERR(hwpt))
		return hwpt;
	INIT_LIST_HEAD(&hwpt->auto_link);

	domain = ops->domain_alloc_nested(idev->hwdev, parent->domain, 0,
					  &data);
	if (IS_ERR(domain)) {
		rc = PTR_ERR(domain);
		goto err_abort;
	}
	hwpt->domain = domain;
	if (WARN_ON(!domain->nested || !ops->cache_invalidate)) {
		rc = -EINVAL;
		goto err_abort;
	}
	hwpt->parent = parent;
	refcount_inc(&parent->obj.users);
	hwpt->ioas = parent->ioas;
	if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) {
		rc = iommufd_hwpt_take_fault(ucmd, domain);
		if (rc)
			goto err_abort;
	}
	return hwpt;

err_abort:
	iommufd_object_abort(ucmd->ictx, &hwpt->obj);
	return ERR_PTR(rc);
}

/*
 * The table IOMMU_HWPT_ALLOC asks for, once the device is known: a paging
 * table of the IOAS @pt, or a table nested in the paging table @pt.
 */
static struct iommufd_hwpt *iommufd_hwpt_alloc_on(struct iommufd_ucmd *ucmd,
						  struct iommufd_device *idev,
						  struct iommufd_object *pt)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;

	switch (pt->type) {
	case IOMMUFD_OBJ_IOAS:
		/*
		 * Driver data only ever describes a user-owned table, and
		 * only those fault to user space.
		 */
		if (cmd->data_type != IOMMU_HWPT_DATA_NONE ||
		    (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID))
			return ERR_PTR(-EOPNOTSUPP);
		return iommufd_hwpt_create(ucmd->ictx,
					   container_of(pt, struct iommufd_ioas,
							obj),
					   idev->hwdev, cmd->flags, false);
	case IOMMUFD_OBJ_HWPT_PAGING:
		return iommufd_hwpt_nest(ucmd, idev,
					 container_of(pt, struct iommufd_hwpt,
						      obj));
	default:
		/* A nested table included: tables do not nest twice. */
		return ERR_PTR(-EINVAL);
	}
}

int iommufd_hwpt_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_object *dev_obj, *pt_obj;
	struct iommufd_device *idev;
	struct iommufd_hwpt *hwpt;
	int rc;

	/* A nesting parent and dirty tracking are the backend's to grant. */
	if ((cmd->flags & ~(IOMMU_HWPT_ALLOC_NEST_PARENT |
			    IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
			    IOMMU_HWPT_FAULT_ID_VALID)) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	/* Driver data and its length come together, as upstream checks. */
	if (cmd->data_type == IOMMU_HWPT_DATA_NONE ? cmd->data_len :
						     !cmd->data_len)
		return -EINVAL;

	/* No device is ENOENT whatever else is wrong, as upstream answers. */
	dev_obj = iommufd_get_object(ucmd->ictx, cmd->dev_id,
				     IOMMUFD_OBJ_DEVICE);
	if (IS_ERR(dev_obj))
		return PTR_ERR(dev_obj);
	idev = container_of(dev_obj, struct iommufd_device, obj);

	/* Upstream answers EINVAL, not ENOENT, for an unknown pt_id. */
	pt_obj = iommufd_get_object(ucmd->ictx, cmd->pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj)) {
		rc = -EINVAL;
		goto out_put_dev;
	}

	hwpt = iommufd_hwpt_alloc_on(ucmd, idev, pt_obj);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_put_pt;
	}
	cmd->out_hwpt_id = hwpt->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		iommufd_object_abort(ucmd->ictx, &hwpt->obj);
	else
		iommufd_object_publish(ucmd->ictx, &hwpt->obj);
out_put_pt:
	iommufd_put_object(ucmd->ictx, pt_obj);
out_put_dev:
	iommufd_put_object(ucmd->ictx, dev_obj);
	return rc;
}

/* Bounds a request, as upstream's: so many entries, each at most a page. */
#define IOMMUFD_INVALIDATE_MAX_ENTRIES BIT(19)

/* IOMMU_HWPT_INVALIDATE's arguments, as upstream checks them. */
static int iommufd_hwpt_invalidate_check(const struct iommu_hwpt_invalidate *cmd)
{
	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->entry_num &&
	    (!cmd->data_uptr || !cmd->entry_len ||
	     cmd->entry_len > PAGE_SIZE ||
	     cmd->entry_num > IOMMUFD_INVALIDATE_MAX_ENTRIES))
		return -EINVAL;
	return 0;
}

/*
 * IOMMU_HWPT_INVALIDATE applies to nested tables only (ENOENT for any
 * other ID). The backend carries out the requests in order and stops at
 * the first that fails; entry_num is written back, on every path, with
 * how many were carried out. A call with no entries reaches the backend
 * too, which checks the data type: that is how user space probes it.
 */
int iommufd_hwpt_invalidate_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	struct iommu_user_data_array array = {
		.type = cmd->data_type,
		.uptr = u64_to_user_ptr(cmd->data_uptr),
		.entry_len = cmd->entry_len,
		.entry_num = cmd->entry_num,
	};
	struct iommufd_object *obj;
	struct iommufd_domain *domain;
	u32 done = 0;
	int rc;

	rc = iommufd_hwpt_invalidate_check(cmd);
	if (rc)
		goto out;
	obj = iommufd_get_object(ucmd->ictx, cmd->hwpt_id,
				 IOMMUFD_OBJ_HWPT_NESTED);
	if (IS_ERR(obj)) {
		rc = PTR_ERR(obj);
		goto out;
	}
	domain = container_of(obj, struct iommufd_hwpt, obj)->domain;
	rc = domain->ops->cache_invalidate(domain, &array);
	/* A backend cannot have done more than it was asked. */
	done = min(array.entry_num, cmd->entry_num);
	WARN_ON(array.entry_num > cmd->entry_num);
	iommufd_put_object(ucmd->ictx, obj);
out:
	cmd->entry_num = done;
	if (iommufd_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return rc;
}

/* The page table @id, if it was made to track dirty IOVA. */
static struct iommufd_hwpt *iommufd_hwpt_get_dirty(struct iommufd_ucmd *ucmd,
						   u32 id)
{
	struct iommufd_object *obj;
	struct iommufd_hwpt *hwpt;

	obj = iommufd_get_object(ucmd->ictx, id, IOMMUFD_OBJ_HWPT_PAGING);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	hwpt = container_of(obj, struct iommufd_hwpt, obj);
	if (!hwpt->domain->dirty_tracking) {
		iommufd_put_object(ucmd->ictx, obj);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return hwpt;
}

int iommufd_hwpt_set_dirty_tracking_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	struct iommufd_hwpt *hwpt;
	int rc;

	/* __reserved is not checked: upstream's ABI ignores it. */
	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE)
		return -EOPNOTSUPP;
	hwpt = iommufd_hwpt_get_dirty(ucmd, cmd->hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	rc = iopt_set_dirty_tracking(&hwpt->ioas->iopt, hwpt->domain,
				     cmd->flags &
					IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
	iommufd_put_object(ucmd->ictx, &hwpt->obj);
	return rc;
}

int iommufd_hwpt_get_dirty_bitmap_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct iommufd_hwpt *hwpt;
	int rc;

	if ((cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	hwpt = iommufd_hwpt_get_dirty(ucmd, cmd->hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	rc = iopt_read_dirty(&hwpt->ioas->iopt, hwpt->domain, cmd->iova,
			     cmd->length, cmd->page_size,
			     !(cmd->flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR),
			     u64_to_user_ptr(cmd->data));
	iommufd_put_object(ucmd->ictx, &hwpt->obj);
	return rc;
}
