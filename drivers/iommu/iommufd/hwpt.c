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
#include "hwpt.h"
#include "ioas.h"
#include "ioctl.h"

void iommufd_hwpt_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt *hwpt = container_of(obj, struct iommufd_hwpt, obj);

	/* Automatic tables leave the IOAS's list when their last device goes */
	WARN_ON(hwpt->ndevices || !list_empty(&hwpt->auto_link));
	if (hwpt->ioas) {
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

int iommufd_hwpt_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_object *dev_obj, *pt_obj;
	struct iommufd_device *idev;
	struct iommufd_hwpt *hwpt;
	int rc;

	/*
	 * A nesting parent and dirty tracking are the backend's to grant;
	 * nested tables and I/O page faults are not offered yet.
	 */
	if ((cmd->flags & ~(IOMMU_HWPT_ALLOC_NEST_PARENT |
			    IOMMU_HWPT_ALLOC_DIRTY_TRACKING)) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	/* Driver data and its length come together, as upstream checks. */
	if (cmd->data_type == IOMMU_HWPT_DATA_NONE ? cmd->data_len :
						     !cmd->data_len)
		return -EINVAL;

	dev_obj = iommufd_get_object(ucmd->ictx, cmd->dev_id,
				     IOMMUFD_OBJ_DEVICE);
	if (IS_ERR(dev_obj))
		return PTR_ERR(dev_obj);
	idev = container_of(dev_obj, struct iommufd_device, obj);
	/* After the device, as upstream: no device is ENOENT whatever else. */
	if (cmd->data_type != IOMMU_HWPT_DATA_NONE) {
		rc = -EOPNOTSUPP;
		goto out_put_dev;
	}

	/* Upstream answers EINVAL, not ENOENT, for an unknown pt_id. */
	pt_obj = iommufd_get_object(ucmd->ictx, cmd->pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj)) {
		rc = -EINVAL;
		goto out_put_dev;
	}
	/*
	 * On a paging table, a nested one would be made; upstream answers
	 * EOPNOTSUPP there without driver data, and nesting is not offered
	 * here yet.
	 */
	if (pt_obj->type == IOMMUFD_OBJ_HWPT_PAGING) {
		rc = -EOPNOTSUPP;
		goto out_put_pt;
	}
	if (pt_obj->type != IOMMUFD_OBJ_IOAS) {
		rc = -EINVAL;
		goto out_put_pt;
	}

	hwpt = iommufd_hwpt_create(ucmd->ictx,
				   container_of(pt_obj, struct iommufd_ioas,
						obj),
				   idev->hwdev, cmd->flags, false);
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

/*
 * IOMMU_HWPT_INVALIDATE only applies to page tables user space manages
 * (nested ones), which this kernel does not offer yet: after the checks
 * of its arguments, every call fails with ENOENT and reports that no
 * entry was carried out, as upstream answers for a page table that is
 * not nested.
 */
int iommufd_hwpt_invalidate_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	int rc = -ENOENT;

	if (cmd->__reserved)
		rc = -EOPNOTSUPP;
	else if (cmd->entry_num &&
		 (!cmd->data_uptr || !cmd->entry_len ||
		  cmd->entry_len > PAGE_SIZE ||
		  cmd->entry_num > IOMMUFD_INVALIDATE_MAX_ENTRIES))
		rc = -EINVAL;
	cmd->entry_num = 0;
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
