// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Dirty tracking in the IOVA engine: turning a domain's record of DMA
 * writes on and off, and reading it for a range of the space.
 *
 * A VMM migrating a guest with assigned devices turns tracking on in the
 * page tables of the guest's memory, then repeatedly reads and clears the
 * dirty bitmap and copies what was written, until little is left, and
 * reads one last time with the devices stopped (IOMMU_HWPT_SET_DIRTY_TRACKING
 * and IOMMU_HWPT_GET_DIRTY_BITMAP, in hwpt.c).
 *
 * The record lives in the hardware: while tracking is on, the IOMMU sets a
 * dirty bit in each IO page table entry a device writes through (the mock
 * does so when the test command says). The engine keeps no record of its
 * own. It turns tracking on and off, and reads the entries' bits, through
 * the backend, into the caller's bitmap, which iova_bitmap.c fills a window
 * of pinned user pages at a time.
 *
 * Turning tracking on first clears every entry's bit, so that the first
 * read reports only writes made after it. Reading holds iova_rwsem for
 * reading, so the mappings stay as they are meanwhile; only mapped IOVA has
 * entries, so a range with a hole is refused, before anything is read,
 * rather than reported clean. The pages of the user bitmap are pinned
 * under iova_rwsem, a window at a time, as copy_to_user() would fault them
 * in.
 */
#include <linux/iova_bitmap.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/overflow.h>

#include "backend.h"
#include "io_pagetable.h"

/* iova_bitmap.c is built apart from this module, for VFIO too. */
MODULE_IMPORT_NS(IOMMUFD);

/* What iopt_dirty_read_window() needs besides the window. */
struct iopt_dirty_read {
	struct iommufd_iopt *iopt;
	struct iommufd_domain *domain;
	bool clear;
};

/*
 * Read the record of the mapped parts of [@iova, @last] into @bitmap
 * (NULL to clear only).
 */
static int iopt_dirty_read_range(struct iopt_dirty_read *rd,
				 unsigned long iova, unsigned long last,
				 struct iova_bitmap *bitmap)
{
	struct iopt_area *area;
	unsigned long start, end;
	int rc;

	lockdep_assert_held(&rd->iopt->iova_rwsem);

	for (area = iopt_area_first(rd->iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last)) {
		start = max(area->node.start, iova);
		end = min(area->node.last, last);
		rc = rd->domain->ops->read_dirty(rd->domain, start,
						 end - start + 1, rd->clear,
						 bitmap);
		if (rc)
			return rc;
	}
	return 0;
}

static int iopt_dirty_read_window(struct iova_bitmap *bitmap,
				  unsigned long iova, size_t length,
				  void *opaque)
{
	return iopt_dirty_read_range(opaque, iova, iova + length - 1, bitmap);
}

/**
 * iopt_set_dirty_tracking() - start or stop recording DMA writes
 * @iopt: the IOVA space @domain translates
 * @domain: a domain on @iopt's list that can track dirty IOVA
 * @enable: start (clearing what was recorded before) or stop
 *
 * Context: process context, may sleep; takes iova_rwsem.
 * Return: 0, or the backend's error.
 */
int iopt_set_dirty_tracking(struct iommufd_iopt *iopt,
			    struct iommufd_domain *domain, bool enable)
{
	struct iopt_dirty_read rd = {
		.iopt = iopt, .domain = domain, .clear = true,
	};
	int rc = 0;

	down_write(&iopt->iova_rwsem);
	if (enable)
		rc = iopt_dirty_read_range(&rd, 0, ULONG_MAX, NULL);
	if (!rc)
		rc = domain->ops->set_dirty_tracking(domain, enable);
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_read_dirty() - copy a domain's record of DMA writes to user space
 * @iopt: the IOVA space @domain translates
 * @domain: a domain on @iopt's list that can track dirty IOVA
 * @iova: first IOVA of the range
 * @length: bytes in the range
 * @page_size: bytes each bit of the bitmap stands for, a power of two
 * @clear: clear what was read
 * @data: the user bitmap, one bit per @page_size from @iova
 *
 * The range must be made of whole IO pages of the space and whole bitmap
 * pages, all mapped.
 *
 * Context: process context, may sleep; takes iova_rwsem.
 * Return: 0, or -EINVAL (empty, misaligned or not fully mapped range, or a
 * @page_size that is not a power of two), -EOVERFLOW (the range wraps),
 * -EFAULT (bitmap not writable), -ENOMEM, or the backend's error.
 */
int iopt_read_dirty(struct iommufd_iopt *iopt, struct iommufd_domain *domain,
		    u64 iova, u64 length, u64 page_size, bool clear,
		    void __user *data)
{
	struct iopt_dirty_read rd = {
		.iopt = iopt, .domain = domain, .clear = clear,
	};
	struct iova_bitmap *bitmap;
	u64 last;
	int rc;

	if (!length || !is_power_of_2(page_size))
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last) || last > ULONG_MAX)
		return -EOVERFLOW;

	down_read(&iopt->iova_rwsem);
	if (((iova | length) &
	     (max_t(u64, iopt->iova_alignment, page_size) - 1)) ||
	    iopt_walk_mapped(iopt, iova, last, NULL, NULL)) {
		rc = -EINVAL;
		goto out_unlock;
	}
	bitmap = iova_bitmap_alloc(iova, length, page_size, data);
	if (IS_ERR(bitmap)) {
		rc = PTR_ERR(bitmap);
		goto out_unlock;
	}
	rc = iova_bitmap_for_each(bitmap, &rd, iopt_dirty_read_window);
	iova_bitmap_free(bitmap);
out_unlock:
	up_read(&iopt->iova_rwsem);
	return rc;
}
