// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Dirty tracking: which IOVA devices wrote to through a page table
 * (IOMMU_HWPT_SET_DIRTY_TRACKING, IOMMU_HWPT_GET_DIRTY_BITMAP).
 *
 * A VMM migrating a guest with assigned devices turns tracking on in the
 * page tables of the guest's memory, then repeatedly reads and clears the
 * dirty bitmap and copies what was written, until little is left, and
 * reads one last time with the devices stopped.
 *
 * Only a page table made with IOMMU_HWPT_ALLOC_DIRTY_TRACKING can do this,
 * because the record lives in the hardware: while tracking is on, the
 * IOMMU sets a dirty bit in each IO page table entry a device writes
 * through (the mock does so when the test command says). The core keeps
 * no record of its own. It turns tracking on and off, and reads the
 * entries' bits, through the backend, into the caller's bitmap, which
 * iova_bitmap.c fills a window of pinned user pages at a time.
 *
 * Turning tracking on first clears every entry's bit, so that the first
 * read reports only writes made after it. Reading holds the IOAS's
 * iova_rwsem for reading, so the mappings stay as they are meanwhile;
 * only mapped IOVA has entries, so a range with a hole is refused, before
 * anything is read, rather than reported clean. The pages of the user bitmap are pinned under the
 * iova_rwsem, a window at a time, as copy_to_user() would fault them in.
 */
#include <linux/iova_bitmap.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <uapi/linux/iommufd.h>

#include "backend.h"
#include "hwpt.h"
#include "ioas.h"
#include "ioctl.h"

/* iova_bitmap.c is built apart from this module, for VFIO too. */
MODULE_IMPORT_NS(IOMMUFD);

/* What iommufd_dirty_read_window() needs besides the window. */
struct iommufd_dirty_read {
	struct iommufd_iopt *iopt;
	struct iommufd_domain *domain;
	bool clear;
};

/* Is all of [@iova, @last] mapped? */
static bool iommufd_dirty_covered(struct iommufd_iopt *iopt,
				  unsigned long iova, unsigned long last)
{
	struct interval_tree_node *node;
	unsigned long next = iova;

	lockdep_assert_held(&iopt->iova_rwsem);

	for (node = interval_tree_iter_first(&iopt->areas, iova, last); node;
	     node = interval_tree_iter_next(node, iova, last)) {
		if (node->start > next)
			return false;
		if (node->last >= last)
			return true;
		next = node->last + 1;
	}
	return false;
}

/*
 * Read the record of the mapped parts of [@iova, @last] into @bitmap
 * (NULL to clear only).
 */
static int iommufd_dirty_read_range(struct iommufd_dirty_read *rd,
				    unsigned long iova, unsigned long last,
				    struct iova_bitmap *bitmap)
{
	struct interval_tree_node *node;
	unsigned long start, end;
	int rc;

	lockdep_assert_held(&rd->iopt->iova_rwsem);

	for (node = interval_tree_iter_first(&rd->iopt->areas, iova, last);
	     node; node = interval_tree_iter_next(node, iova, last)) {
		start = max(node->start, iova);
		end = min(node->last, last);
		rc = rd->domain->ops->read_dirty(rd->domain, start,
						 end - start + 1, rd->clear,
						 bitmap);
		if (rc)
			return rc;
	}
	return 0;
}

static int iommufd_dirty_read_window(struct iova_bitmap *bitmap,
				     unsigned long iova, size_t length,
				     void *opaque)
{
	return iommufd_dirty_read_range(opaque, iova, iova + length - 1,
					bitmap);
}

/*
 * The page table @id, if it can track dirty IOVA; @rd is set up to read
 * its record.
 */
static struct iommufd_hwpt *iommufd_dirty_get_hwpt(struct iommufd_ucmd *ucmd,
						   u32 id,
						   struct iommufd_dirty_read *rd)
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
	rd->iopt = &hwpt->ioas->iopt;
	rd->domain = hwpt->domain;
	return hwpt;
}

int iommufd_hwpt_set_dirty_tracking_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	bool enable = cmd->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	struct iommufd_dirty_read rd = { .clear = true };
	struct iommufd_hwpt *hwpt;
	int rc = 0;

	/* __reserved is not checked: upstream's ABI ignores it. */
	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE)
		return -EOPNOTSUPP;
	hwpt = iommufd_dirty_get_hwpt(ucmd, cmd->hwpt_id, &rd);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);

	down_write(&rd.iopt->iova_rwsem);
	if (enable)
		rc = iommufd_dirty_read_range(&rd, 0, ULONG_MAX, NULL);
	if (!rc)
		rc = rd.domain->ops->set_dirty_tracking(rd.domain, enable);
	up_write(&rd.iopt->iova_rwsem);
	iommufd_put_object(ucmd->ictx, &hwpt->obj);
	return rc;
}

/*
 * The checks of IOMMU_HWPT_GET_DIRTY_BITMAP's range: whole IO pages of the
 * IOAS and whole bitmap pages, all mapped.
 */
static int iommufd_dirty_check_range(struct iommufd_iopt *iopt,
				     const struct iommu_hwpt_get_dirty_bitmap *cmd)
{
	u64 last;

	lockdep_assert_held(&iopt->iova_rwsem);

	if (!cmd->length || !is_power_of_2(cmd->page_size))
		return -EINVAL;
	if (check_add_overflow(cmd->iova, cmd->length - 1, &last) ||
	    last > ULONG_MAX)
		return -EOVERFLOW;
	if ((cmd->iova | cmd->length) &
	    (max_t(u64, iopt->iova_alignment, cmd->page_size) - 1))
		return -EINVAL;
	if (!iommufd_dirty_covered(iopt, cmd->iova, last))
		return -EINVAL;
	return 0;
}

int iommufd_hwpt_get_dirty_bitmap_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct iommufd_dirty_read rd = {
		.clear = !(cmd->flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR),
	};
	struct iova_bitmap *bitmap;
	struct iommufd_hwpt *hwpt;
	int rc;

	if ((cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	hwpt = iommufd_dirty_get_hwpt(ucmd, cmd->hwpt_id, &rd);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);

	down_read(&rd.iopt->iova_rwsem);
	rc = iommufd_dirty_check_range(rd.iopt, cmd);
	if (rc)
		goto out_unlock;
	bitmap = iova_bitmap_alloc(cmd->iova, cmd->length, cmd->page_size,
				   u64_to_user_ptr(cmd->data));
	if (IS_ERR(bitmap)) {
		rc = PTR_ERR(bitmap);
		goto out_unlock;
	}
	rc = iova_bitmap_for_each(bitmap, &rd, iommufd_dirty_read_window);
	iova_bitmap_free(bitmap);
out_unlock:
	up_read(&rd.iopt->iova_rwsem);
	iommufd_put_object(ucmd->ictx, &hwpt->obj);
	return rc;
}
