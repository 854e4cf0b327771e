// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * What the IOVA engine offers emulated devices (access.c): pinning the
 * pages behind an IOVA range for a while, and copying to and from it.
 * See io_pagetable.h for the records (struct iopt_access_pin) and for how
 * an unmap waits for them.
 *
 * An access pin takes its own handles on the pages (iommufd_pin_slice()),
 * so the pages outlive the areas they came from; the record stays in the
 * space's @access_pins until the access lets go, which is what an unmap
 * of its range waits for. Copies need no pin of their own: the areas'
 * pages stay pinned for as long as the areas exist, and the copy holds
 * iova_rwsem for reading throughout.
 */
#include <linux/highmem.h>
#include <linux/interval_tree.h>
#include <linux/iommu.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "io_pagetable.h"
#include "pin.h"

/* May an access use @area in the direction asked for? */
static int iopt_area_check_access(struct iopt_area *area, bool write)
{
	if (!(area->prot & (write ? IOMMU_WRITE : IOMMU_READ)))
		return -EPERM;
	if (write && !area->writable)
		return -EPERM;
	return 0;
}

/* Index in @area's pin of the page holding @iova. */
static unsigned long iopt_area_page_index(struct iopt_area *area,
					  unsigned long iova)
{
	return (area->page_offset + (iova - area->node.start)) >> PAGE_SHIFT;
}

struct iopt_access_check {
	unsigned long last;
	bool write;
	bool pages;
	unsigned int nareas;
};

/*
 * One area of an access's range: may it be used as asked? For pinning
 * (@pages), the pages of the areas must also line up with IOVA pages, so
 * that each IOVA page of the range is backed by exactly one page.
 */
static int iopt_access_check_area(struct iopt_area *area, void *opaque)
{
	struct iopt_access_check *chk = opaque;
	int rc;

	rc = iopt_area_check_access(area, chk->write);
	if (rc)
		return rc;
	if (chk->pages &&
	    (offset_in_page(area->node.start - area->page_offset) ||
	     (area->node.last < chk->last &&
	      offset_in_page(area->node.last + 1))))
		return -EINVAL;
	chk->nareas++;
	return 0;
}

/* Count the areas that cover [iova, last] without a gap, checking each. */
static int iopt_access_count_areas(struct iommufd_iopt *iopt,
				   unsigned long iova, unsigned long last,
				   bool write, bool pages, unsigned int *nareas)
{
	struct iopt_access_check chk = {
		.last = last, .write = write, .pages = pages,
	};
	int rc;

	rc = iopt_walk_mapped(iopt, iova, last, iopt_access_check_area, &chk);
	if (rc)
		return rc;
	*nareas = chk.nareas;
	return 0;
}

/**
 * iopt_access_pin() - pin the pages behind an IOVA range for an access
 * @iopt: the IOVA space
 * @iova: first IOVA
 * @last: last IOVA (inclusive)
 * @write: the pages will be written to
 * @out_pages: receives one page per IOVA page of the range
 *
 * The record returned holds its own handles on the pages, so they stay
 * pinned after the areas are gone, until iopt_access_unpin().
 *
 * Context: process context, may sleep; takes iova_rwsem.
 * Return: the record, now in @iopt->access_pins, or ERR_PTR(-ENOENT) if
 * part of the range is not mapped, -EPERM if a mapping does not allow the
 * direction, -EINVAL if the range is being unmapped or its pages do not
 * line up with IOVA pages, -ENOMEM.
 */
struct iopt_access_pin *iopt_access_pin(struct iommufd_iopt *iopt,
					unsigned long iova, unsigned long last,
					bool write, struct page **out_pages)
{
	struct iopt_access_pin *apin;
	struct iopt_area *area;
	unsigned int nareas, i;
	int rc;

	down_write(&iopt->iova_rwsem);
	if (iopt_is_unmapping(iopt, iova, last)) {
		rc = -EINVAL;
		goto err_unlock;
	}
	rc = iopt_access_count_areas(iopt, iova, last, write, true, &nareas);
	if (rc)
		goto err_unlock;

	apin = kzalloc(struct_size(apin, pins, nareas), GFP_KERNEL_ACCOUNT);
	if (!apin) {
		rc = -ENOMEM;
		goto err_unlock;
	}
	apin->npins = nareas;

	area = iopt_area_first(iopt, iova, last);
	for (i = 0; i != nareas; i++, area = iopt_area_next(area, iova, last)) {
		unsigned long first, end, index;

		first = iopt_area_page_index(area, max(iova, area->node.start));
		end = iopt_area_page_index(area, min(last, area->node.last)) + 1;
		apin->pins[i] = iommufd_pin_slice(area->pin, first, end - first);
		if (IS_ERR(apin->pins[i])) {
			rc = PTR_ERR(apin->pins[i]);
			apin->pins[i] = NULL;
			goto err_put;
		}
		for (index = first; index != end; index++)
			*out_pages++ = iommufd_pin_page(area->pin, index);
	}

	apin->node.start = iova;
	apin->node.last = last;
	apin->iopt = iopt;
	interval_tree_insert(&apin->node, &iopt->access_pins);
	up_write(&iopt->iova_rwsem);
	return apin;

err_put:
	up_write(&iopt->iova_rwsem);
	iopt_access_unpin(apin);
	return ERR_PTR(rc);
err_unlock:
	up_write(&iopt->iova_rwsem);
	return ERR_PTR(rc);
}

/**
 * iopt_access_detach_pin() - take a pin record out of its IOVA space
 * @apin: a record from iopt_access_pin()
 *
 * The pages stay pinned; the IOVA space no longer knows about them, so it
 * may be unmapped or destroyed. Does nothing to a record already detached.
 *
 * Context: process context, may sleep; takes iova_rwsem.
 */
void iopt_access_detach_pin(struct iopt_access_pin *apin)
{
	struct iommufd_iopt *iopt = apin->iopt;

	if (!iopt)
		return;
	down_write(&iopt->iova_rwsem);
	interval_tree_remove(&apin->node, &iopt->access_pins);
	up_write(&iopt->iova_rwsem);
	apin->iopt = NULL;
}

/**
 * iopt_access_unpin() - undo iopt_access_pin()
 * @apin: the record; freed
 *
 * Context: process context, may sleep; takes iova_rwsem.
 */
void iopt_access_unpin(struct iopt_access_pin *apin)
{
	unsigned int i;

	iopt_access_detach_pin(apin);
	for (i = 0; i != apin->npins; i++)
		if (apin->pins[i])
			iommufd_pin_put(apin->pins[i]);
	kfree(apin);
}

/*
 * Copy between @data and the pinned pages behind [iova, iova + len) of
 * @area, a page at a time through a temporary kernel mapping.
 */
static void iopt_area_copy(struct iopt_area *area, unsigned long iova,
			   void *data, unsigned long len, bool write)
{
	unsigned long byte = area->page_offset + (iova - area->node.start);

	while (len) {
		unsigned long chunk = min(PAGE_SIZE - offset_in_page(byte), len);
		struct page *page;
		void *va;

		page = iommufd_pin_page(area->pin, byte >> PAGE_SHIFT);
		va = kmap_local_page(page);
		if (write)
			memcpy(va + offset_in_page(byte), data, chunk);
		else
			memcpy(data, va + offset_in_page(byte), chunk);
		kunmap_local(va);
		if (write)
			set_page_dirty_lock(page);
		data += chunk;
		byte += chunk;
		len -= chunk;
	}
}

/**
 * iopt_access_rw() - copy between a kernel buffer and an IOVA range
 * @iopt: the IOVA space
 * @iova: first IOVA
 * @last: last IOVA (inclusive)
 * @data: kernel buffer of last - iova + 1 bytes
 * @write: copy from @data into the IOVA range, not the other way round
 *
 * The pages behind every area are pinned for as long as the area exists,
 * so the copy goes straight to them, under iova_rwsem held for reading.
 * Whose memory they are does not matter: it works from any task.
 *
 * Context: process context, may sleep; takes iova_rwsem.
 * Return: 0, -ENOENT if part of the range is not mapped, -EPERM if a
 * mapping does not allow the direction.
 */
int iopt_access_rw(struct iommufd_iopt *iopt, unsigned long iova,
		   unsigned long last, void *data, bool write)
{
	struct iopt_area *area;
	unsigned int nareas;
	int rc;

	down_read(&iopt->iova_rwsem);
	rc = iopt_access_count_areas(iopt, iova, last, write, false, &nareas);
	if (rc)
		goto out_unlock;
	for (area = iopt_area_first(iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last)) {
		unsigned long from = max(iova, area->node.start);
		unsigned long to = min(last, area->node.last);

		iopt_area_copy(area, from, data + (from - iova), to - from + 1,
			       write);
	}
out_unlock:
	up_read(&iopt->iova_rwsem);
	return rc;
}
