// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Where an IOVA space may be mapped, and the translation tables that
 * mirror it: reserved and allowed IOVA, the usable ranges reported to
 * user space, and adding and removing domains. See io_pagetable.h for the
 * data structures; windows, which also bound what may be mapped in a
 * windowed space, are window.c's.
 *
 * A domain joins a space only if every area already fits it (aligned to
 * its smallest IO page, inside its aperture), and then reserves the IOVA
 * outside its aperture and raises the space's alignment, so that no area
 * it cannot map can appear later. Reserved ranges carry an owner (a domain
 * or a device) and go away with it.
 */
#include <linux/interval_tree.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/slab.h>

#include "backend.h"
#include "io_pagetable.h"

static int iopt_reserve_locked(struct iommufd_iopt *iopt, unsigned long start,
			       unsigned long last, const void *owner)
{
	struct iopt_span *span;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	if (last < start)
		return -EINVAL;
	if (interval_tree_iter_first(&iopt->areas, start, last) ||
	    interval_tree_iter_first(&iopt->allowed, start, last) ||
	    interval_tree_iter_first(&iopt->windows, start, last))
		return -EADDRINUSE;

	span = kzalloc(sizeof(*span), GFP_KERNEL_ACCOUNT);
	if (!span)
		return -ENOMEM;
	span->node.start = start;
	span->node.last = last;
	span->owner = owner;
	interval_tree_insert(&span->node, &iopt->reserved);
	return 0;
}

static void iopt_unreserve_locked(struct iommufd_iopt *iopt, const void *owner)
{
	struct interval_tree_node *node, *next;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	for (node = interval_tree_iter_first(&iopt->reserved, 0, ULONG_MAX);
	     node; node = next) {
		struct iopt_span *span = container_of(node, struct iopt_span,
						      node);

		next = interval_tree_iter_next(node, 0, ULONG_MAX);
		if (span->owner != owner)
			continue;
		interval_tree_remove(node, &iopt->reserved);
		kfree(span);
	}
}

/**
 * iopt_set_allowed() - replace the ranges automatic placement may use
 * @iopt: the IOVA space
 * @allowed: the new ranges, as struct iopt_span; on return it holds the
 *           ranges that were replaced (or, on failure, the new ones), which
 *           the caller frees with iopt_free_spans()
 *
 * Context: process context; takes iova_rwsem.
 * Return: 0, or -EADDRINUSE if a new range overlaps reserved IOVA.
 */
int iopt_set_allowed(struct iommufd_iopt *iopt, struct rb_root_cached *allowed)
{
	struct interval_tree_node *node;

	down_write(&iopt->iova_rwsem);
	for (node = interval_tree_iter_first(allowed, 0, ULONG_MAX); node;
	     node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		if (interval_tree_iter_first(&iopt->reserved, node->start,
					     node->last)) {
			up_write(&iopt->iova_rwsem);
			return -EADDRINUSE;
		}
	}
	swap(*allowed, iopt->allowed);
	up_write(&iopt->iova_rwsem);
	return 0;
}

/* Call @fn for each maximal part of [lo, hi] not covered by reserved IOVA. */
static int iopt_walk_unreserved(struct iommufd_iopt *iopt, unsigned long lo,
				unsigned long hi, iopt_range_fn fn,
				void *opaque)
{
	struct interval_tree_node *rsv;
	unsigned long cur = lo;
	int rc = 0;

	lockdep_assert_held(&iopt->iova_rwsem);

	for (rsv = interval_tree_iter_first(&iopt->reserved, lo, hi);
	     rsv && !rc; rsv = interval_tree_iter_next(rsv, lo, hi)) {
		if (rsv->start > cur)
			rc = fn(cur, rsv->start - 1, opaque);
		if (rsv->last >= hi)
			return rc;
		cur = max(cur, rsv->last + 1);
	}
	if (!rc)
		rc = fn(cur, hi, opaque);
	return rc;
}

/**
 * iopt_walk_usable() - report the IOVA ranges that may be mapped
 * @iopt: the IOVA space
 * @fn: called for each maximal range not covered by reserved IOVA (and in
 *      a windowed space, inside a window), in increasing order, with
 *      iova_rwsem held for reading; a non-zero return stops the walk
 * @opaque: passed to @fn
 *
 * Context: process context; takes iova_rwsem for reading.
 * Return: 0, or what @fn returned.
 */
int iopt_walk_usable(struct iommufd_iopt *iopt, iopt_range_fn fn, void *opaque)
{
	struct interval_tree_node *node;
	int rc = 0;

	down_read(&iopt->iova_rwsem);
	if (!iopt->windowed)
		rc = iopt_walk_unreserved(iopt, 0, ULONG_MAX, fn, opaque);
	for (node = interval_tree_iter_first(&iopt->windows, 0, ULONG_MAX);
	     node && !rc; node = interval_tree_iter_next(node, 0, ULONG_MAX))
		rc = iopt_walk_unreserved(iopt, node->start, node->last, fn,
					  opaque);
	up_read(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_reserve() - forbid mapping an IOVA range
 * @iopt: the IOVA space
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 * @owner: who reserves it; iopt_unreserve() with the same @owner releases
 *         it. Reserved ranges of different owners may overlap.
 *
 * Context: process context; takes iova_rwsem.
 * Return: 0, -EINVAL if @last < @start, -EADDRINUSE if the range overlaps a
 * mapping or an allowed range, -ENOMEM.
 */
int iopt_reserve(struct iommufd_iopt *iopt, unsigned long start,
		 unsigned long last, const void *owner)
{
	int rc;

	down_write(&iopt->iova_rwsem);
	rc = iopt_reserve_locked(iopt, start, last, owner);
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_unreserve() - release every range @owner reserved
 * @iopt: the IOVA space
 * @owner: as given to iopt_reserve()
 *
 * Context: process context; takes iova_rwsem.
 */
void iopt_unreserve(struct iommufd_iopt *iopt, const void *owner)
{
	down_write(&iopt->iova_rwsem);
	iopt_unreserve_locked(iopt, owner);
	up_write(&iopt->iova_rwsem);
}

/*
 * The alignment every area must have: the smallest IO page size of every
 * domain, and at least PAGE_SIZE when large pages are off.
 */
unsigned long iopt_needed_alignment(struct iommufd_iopt *iopt,
				    struct iommufd_domain *extra)
{
	unsigned long align = iopt->large_pages ? 1 : PAGE_SIZE;
	struct iommufd_domain *domain;

	lockdep_assert_held(&iopt->iova_rwsem);

	list_for_each_entry(domain, &iopt->domains, iopt_link)
		align = max(align, 1UL << __ffs(domain->pgsize_bitmap));
	if (extra)
		align = max(align, 1UL << __ffs(extra->pgsize_bitmap));
	return align;
}

/* Can every existing area live with an alignment of @align? */
static int iopt_check_alignment(struct iommufd_iopt *iopt, unsigned long align)
{
	struct iopt_area *area;

	lockdep_assert_held(&iopt->iova_rwsem);

	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX))
		if ((area->node.start | iopt_area_length(area) |
		     area->page_offset) & (align - 1))
			return -EADDRINUSE;
	return 0;
}

/**
 * iopt_add_domain() - start translating the IOVA space through a domain
 * @iopt: the IOVA space
 * @domain: an empty domain, on no other space's list
 *
 * Prepares the domain for every window of a windowed space, reserves the
 * IOVA outside the domain's aperture, raises the space's alignment to the
 * domain's smallest IO page size, and maps every area into the domain. From
 * then on areas are mapped into it as they come and go.
 *
 * Context: process context; takes iova_rwsem.
 * Return: 0, or -EINVAL (the domain cannot map PAGE_SIZE pages),
 * -EADDRINUSE (an area lies outside the aperture or is misaligned for the
 * domain), -ERANGE (a window lies outside the aperture), -EOPNOTSUPP (a
 * window's IO page is smaller than the domain's), or the backend's error;
 * on failure nothing changed.
 */
int iopt_add_domain(struct iommufd_iopt *iopt, struct iommufd_domain *domain)
{
	struct iopt_area *area, *mapped;
	unsigned long align;
	int rc;

	down_write(&iopt->iova_rwsem);
	align = iopt_needed_alignment(iopt, domain);
	if (align > PAGE_SIZE) {
		rc = -EINVAL;
		goto out_unlock;
	}
	rc = iopt_check_alignment(iopt, align);
	if (rc)
		goto out_unlock;

	/* Windows go first: the table for a window exists before its areas. */
	rc = iopt_windows_add_domain(iopt, domain);
	if (rc)
		goto out_unlock;
	if (domain->aperture_start)
		rc = iopt_reserve_locked(iopt, 0, domain->aperture_start - 1,
					 domain);
	if (!rc && domain->aperture_last != ULONG_MAX)
		rc = iopt_reserve_locked(iopt, domain->aperture_last + 1,
					 ULONG_MAX, domain);
	if (rc)
		goto err_unreserve;

	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX)) {
		rc = iopt_area_map_range(iopt, area, domain,
					 iopt_area_length(area));
		if (rc)
			goto err_unmap;
	}
	list_add_tail(&domain->iopt_link, &iopt->domains);
	iopt->iova_alignment = align;
	up_write(&iopt->iova_rwsem);
	return 0;

err_unmap:
	for (mapped = iopt_area_first(iopt, 0, ULONG_MAX); mapped != area;
	     mapped = iopt_area_next(mapped, 0, ULONG_MAX))
		domain->ops->unmap(domain, mapped->node.start,
				   iopt_area_length(mapped));
err_unreserve:
	iopt_unreserve_locked(iopt, domain);
	iopt_windows_remove_domain(iopt, domain);
out_unlock:
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_remove_domain() - undo iopt_add_domain()
 * @iopt: the IOVA space
 * @domain: a domain on its list, no longer attached to any device
 *
 * Unmaps every area from the domain, which is empty afterwards.
 *
 * Context: process context; takes iova_rwsem.
 */
void iopt_remove_domain(struct iommufd_iopt *iopt,
			struct iommufd_domain *domain)
{
	struct iopt_area *area;

	down_write(&iopt->iova_rwsem);
	list_del(&domain->iopt_link);
	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX))
		domain->ops->unmap(domain, area->node.start,
				   iopt_area_length(area));
	iopt_unreserve_locked(iopt, domain);
	iopt_windows_remove_domain(iopt, domain);
	iopt->iova_alignment = iopt_needed_alignment(iopt, NULL);
	up_write(&iopt->iova_rwsem);
}

/**
 * iopt_set_large_pages() - allow or forbid IO pages larger than PAGE_SIZE
 * @iopt: the IOVA space
 * @enable: the new setting
 *
 * Forbidding them also makes PAGE_SIZE the least alignment of mappings.
 *
 * Context: process context; takes iova_rwsem.
 * Return: 0, or -EINVAL when forbidding them while memory is already
 * mapped into a domain, -EADDRINUSE when an existing area is not aligned to
 * PAGE_SIZE.
 */
int iopt_set_large_pages(struct iommufd_iopt *iopt, bool enable)
{
	unsigned long align;
	int rc = 0;

	down_write(&iopt->iova_rwsem);
	if (iopt->large_pages == enable)
		goto out_unlock;
	if (!enable && !list_empty(&iopt->domains) &&
	    !RB_EMPTY_ROOT(&iopt->areas.rb_root)) {
		rc = -EINVAL;
		goto out_unlock;
	}
	iopt->large_pages = enable;
	align = iopt_needed_alignment(iopt, NULL);
	rc = iopt_check_alignment(iopt, align);
	if (rc)
		iopt->large_pages = !enable;
	else
		iopt->iova_alignment = align;
out_unlock:
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_large_pages() - whether IO pages larger than PAGE_SIZE are allowed
 * @iopt: the IOVA space
 *
 * Return: the setting of iopt_set_large_pages().
 */
bool iopt_large_pages(struct iommufd_iopt *iopt)
{
	bool enabled;

	down_read(&iopt->iova_rwsem);
	enabled = iopt->large_pages;
	up_read(&iopt->iova_rwsem);
	return enabled;
}

/**
 * iopt_iova_alignment() - the alignment every IOVA and length must have
 * @iopt: the IOVA space
 *
 * Return: a power of two; 1 while nothing constrains it.
 */
unsigned long iopt_iova_alignment(struct iommufd_iopt *iopt)
{
	unsigned long align;

	down_read(&iopt->iova_rwsem);
	align = iopt->iova_alignment;
	up_read(&iopt->iova_rwsem);
	return align;
}

/**
 * iopt_pgsize_bitmap() - IO page sizes every domain of the space can map
 * @iopt: the IOVA space
 *
 * Return: a bitmap of sizes, none below the space's alignment; all sizes
 * while no domain constrains them.
 */
unsigned long iopt_pgsize_bitmap(struct iommufd_iopt *iopt)
{
	unsigned long bitmap = ULONG_MAX;
	struct iommufd_domain *domain;

	down_read(&iopt->iova_rwsem);
	list_for_each_entry(domain, &iopt->domains, iopt_link)
		bitmap &= domain->pgsize_bitmap;
	/* The core maps in units of the alignment, whatever is below it. */
	if (bitmap & (iopt->iova_alignment - 1))
		bitmap = (bitmap & ~(iopt->iova_alignment - 1)) |
			 iopt->iova_alignment;
	up_read(&iopt->iova_rwsem);
	return bitmap;
}

/**
 * iopt_cache_coherent() - whether every domain of the space snoops caches
 * @iopt: the IOVA space
 *
 * Return: true if every domain translating the space enforces cache
 * coherency (also when there is none), as VFIO's VFIO_DMA_CC_IOMMU asks.
 */
bool iopt_cache_coherent(struct iommufd_iopt *iopt)
{
	struct iommufd_domain *domain;
	bool coherent = true;

	down_read(&iopt->iova_rwsem);
	list_for_each_entry(domain, &iopt->domains, iopt_link)
		coherent &= domain->enforce_cache_coherency;
	up_read(&iopt->iova_rwsem);
	return coherent;
}
