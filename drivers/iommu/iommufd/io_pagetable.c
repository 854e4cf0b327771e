// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The IOVA space of an IOAS: placing, checking, inserting and removing
 * areas. See io_pagetable.h for the data structures.
 *
 * Every operation that changes the space validates completely before it
 * changes anything, so a refused request leaves the space as it was:
 * IOMMU_IOAS_UNMAP checks that every area in its range lies wholly inside
 * it before removing the first one, IOMMU_IOAS_COPY checks the whole
 * destination before inserting the first piece.
 *
 * Pinning (which takes mmap_lock and may take long) happens before
 * iova_rwsem is taken, and pins are released after it is dropped, so
 * iova_rwsem is never held across pinning and never nests with the pin
 * layer's locks.
 */
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/huge_mm.h>

#include "io_pagetable.h"
#include "pin.h"

/* Automatic placement stays off the first and the last page. */
#define IOPT_AUTO_LOW PAGE_SIZE
#define IOPT_AUTO_HIGH (ULONG_MAX - PAGE_SIZE)

static struct iopt_area *iopt_area_first(struct iommufd_iopt *iopt,
					 unsigned long start,
					 unsigned long last)
{
	struct interval_tree_node *node;

	lockdep_assert_held(&iopt->iova_rwsem);
	node = interval_tree_iter_first(&iopt->areas, start, last);
	return node ? container_of(node, struct iopt_area, node) : NULL;
}

static struct iopt_area *iopt_area_next(struct iopt_area *area,
					unsigned long start,
					unsigned long last)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_next(&area->node, start, last);
	return node ? container_of(node, struct iopt_area, node) : NULL;
}

void iopt_init(struct iommufd_iopt *iopt)
{
	init_rwsem(&iopt->iova_rwsem);
	iopt->areas = RB_ROOT_CACHED;
	iopt->reserved = RB_ROOT_CACHED;
	iopt->allowed = RB_ROOT_CACHED;
	iopt->iova_alignment = 1;
	iopt->large_pages = true;
}

/**
 * iopt_free_spans() - free every struct iopt_span of a tree
 * @spans: the tree, not linked to any io_pagetable
 */
void iopt_free_spans(struct rb_root_cached *spans)
{
	struct interval_tree_node *node;

	while ((node = interval_tree_iter_first(spans, 0, ULONG_MAX))) {
		interval_tree_remove(node, spans);
		kfree(container_of(node, struct iopt_span, node));
	}
}

static void iopt_area_free(struct iopt_area *area)
{
	iommufd_pin_put(area->pin);
	kfree(area);
}

/**
 * iopt_destroy() - release everything an io_pagetable holds
 * @iopt: the IOVA space; nothing else may use it any more
 */
void iopt_destroy(struct iommufd_iopt *iopt)
{
	struct interval_tree_node *node;

	while ((node = interval_tree_iter_first(&iopt->areas, 0, ULONG_MAX))) {
		interval_tree_remove(node, &iopt->areas);
		iopt_area_free(container_of(node, struct iopt_area, node));
	}
	iopt_free_spans(&iopt->reserved);
	iopt_free_spans(&iopt->allowed);
}

/* Is [start, last] free of areas and reserved ranges? */
static int iopt_check_free(struct iommufd_iopt *iopt, unsigned long start,
			   unsigned long last)
{
	lockdep_assert_held(&iopt->iova_rwsem);

	if (interval_tree_iter_first(&iopt->reserved, start, last))
		return -EINVAL;
	if (interval_tree_iter_first(&iopt->areas, start, last))
		return -EEXIST;
	return 0;
}

/* Check a fixed IOVA range chosen by user space. */
static int iopt_check_fixed(struct iommufd_iopt *iopt, unsigned long iova,
			    unsigned long length)
{
	unsigned long last;

	lockdep_assert_held(&iopt->iova_rwsem);

	if (iova & (iopt->iova_alignment - 1))
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	return iopt_check_free(iopt, iova, last);
}

/*
 * Lowest IOVA of [lo, hi] where @length bytes aligned to @align fit without
 * touching an area or a reserved range.
 */
static bool iopt_fit_in(struct iommufd_iopt *iopt, unsigned long lo,
			unsigned long hi, unsigned long length,
			unsigned long align, unsigned long *iova)
{
	struct interval_tree_node *used;
	unsigned long cand, last;

	while (true) {
		cand = ALIGN(lo, align);
		if (cand < lo || check_add_overflow(cand, length - 1, &last) ||
		    last > hi)
			return false;
		used = interval_tree_iter_first(&iopt->reserved, cand, last);
		if (!used)
			used = interval_tree_iter_first(&iopt->areas, cand, last);
		if (!used) {
			*iova = cand;
			return true;
		}
		if (used->last >= hi)
			return false;
		lo = used->last + 1;
	}
}

/*
 * Choose an IOVA for @length bytes. @hint carries the low address bits the
 * IOVA should share (the user address, or the source IOVA of a copy), so
 * that memory backed by huge pages stays mappable with large IO pages.
 */
static int iopt_place(struct iommufd_iopt *iopt, unsigned long *iova,
		      unsigned long hint, unsigned long length)
{
	unsigned long max_align = PAGE_SIZE, align;
	struct interval_tree_node *allowed;

	lockdep_assert_held(&iopt->iova_rwsem);

	if (length >= ULONG_MAX / 2)
		return -EOVERFLOW;

	if (IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		max_align = HPAGE_PMD_SIZE;
	align = roundup_pow_of_two(length);
	if (hint)
		align = min(align, 1UL << __ffs(hint));
	align = min(align, max_align);
	if (align < iopt->iova_alignment)
		return -EINVAL;

	if (RB_EMPTY_ROOT(&iopt->allowed.rb_root))
		return iopt_fit_in(iopt, IOPT_AUTO_LOW, IOPT_AUTO_HIGH, length,
				   align, iova) ? 0 : -ENOSPC;

	for (allowed = interval_tree_iter_first(&iopt->allowed, 0, ULONG_MAX);
	     allowed;
	     allowed = interval_tree_iter_next(allowed, 0, ULONG_MAX)) {
		if (iopt_fit_in(iopt, allowed->start, allowed->last, length,
				align, iova))
			return 0;
	}
	return -ENOSPC;
}

/* Fixed or automatic IOVA for a new range; with iova_rwsem held. */
static int iopt_choose_iova(struct iommufd_iopt *iopt, unsigned long *iova,
			    unsigned long hint, unsigned long length,
			    bool fixed_iova)
{
	if (fixed_iova)
		return iopt_check_fixed(iopt, *iova, length);
	return iopt_place(iopt, iova, hint, length);
}

static void iopt_insert_area(struct iommufd_iopt *iopt, struct iopt_area *area,
			     unsigned long iova, unsigned long length)
{
	lockdep_assert_held_write(&iopt->iova_rwsem);

	area->node.start = iova;
	area->node.last = iova + length - 1;
	interval_tree_insert(&area->node, &iopt->areas);
}

/**
 * iopt_map_user() - map user memory into an IOVA space
 * @iopt: the IOVA space
 * @iova: in: the IOVA if @fixed_iova; out: the IOVA used
 * @uptr: user address of the first byte
 * @length: number of bytes
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @fixed_iova: map at *@iova rather than choosing a place
 * @account_mode: how the pinned pages are charged (enum iommufd_account_mode)
 *
 * Pins the memory through the shared pin layer (memory already pinned by
 * its owner is not pinned again) and inserts one area.
 *
 * Context: process context, may sleep; takes iova_rwsem.
 * Return: 0, or -EINVAL (zero length, misaligned IOVA, reserved IOVA),
 * -EOVERFLOW (a range wraps), -EEXIST (fixed IOVA overlaps a mapping),
 * -ENOSPC (no room for automatic placement), -EFAULT (memory that cannot
 * be pinned), -ENOMEM (allocation or RLIMIT_MEMLOCK).
 */
int iopt_map_user(struct iommufd_iopt *iopt, unsigned long *iova,
		  unsigned long uptr, unsigned long length, int prot,
		  bool fixed_iova, enum iommufd_account_mode account_mode)
{
	unsigned long first_page, end, npages;
	struct iopt_area *area;
	struct iommufd_pin *pin;
	int rc;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(uptr, length, &end) || end > PAGE_ALIGN(end))
		return -EOVERFLOW;
	first_page = uptr & PAGE_MASK;
	npages = (PAGE_ALIGN(end) - first_page) >> PAGE_SHIFT;

	/*
	 * Refuse a request that cannot fit before pinning anything; the check
	 * is repeated under the write lock, as the space may change meanwhile.
	 */
	down_read(&iopt->iova_rwsem);
	rc = iopt_choose_iova(iopt, iova, uptr, length, fixed_iova);
	up_read(&iopt->iova_rwsem);
	if (rc)
		return rc;

	area = kzalloc(sizeof(*area), GFP_KERNEL_ACCOUNT);
	if (!area)
		return -ENOMEM;
	pin = iommufd_pin_user(first_page, npages, prot & IOMMU_WRITE,
			       account_mode);
	if (IS_ERR(pin)) {
		kfree(area);
		return PTR_ERR(pin);
	}
	area->pin = pin;
	area->page_offset = uptr & ~PAGE_MASK;
	area->prot = prot;
	area->writable = prot & IOMMU_WRITE;

	down_write(&iopt->iova_rwsem);
	rc = iopt_choose_iova(iopt, iova, uptr, length, fixed_iova);
	if (!rc && (area->page_offset & (iopt->iova_alignment - 1)))
		rc = -EINVAL;
	if (!rc)
		iopt_insert_area(iopt, area, *iova, length);
	up_write(&iopt->iova_rwsem);
	if (rc)
		iopt_area_free(area);
	return rc;
}

/*
 * Build the areas that will copy [src_iova, src_last] of @src into another
 * space: one per source area, each with its own handle on the same pinned
 * pages, on @pieces in IOVA order. Until they are inserted, node.start and
 * node.last hold the source range of each piece.
 */
static int iopt_take_pieces(struct iommufd_iopt *src, unsigned long src_iova,
			    unsigned long src_last, int prot,
			    struct list_head *pieces)
{
	unsigned long cur = src_iova;
	struct iopt_area *area;
	int rc = 0;

	down_read(&src->iova_rwsem);
	area = iopt_area_first(src, src_iova, src_last);
	while (true) {
		unsigned long last, byte, first_page, npages;
		struct iopt_area *piece;
		struct iommufd_pin *pin;

		/* Areas are disjoint and sorted: a gap means a hole. */
		if (!area || area->node.start > cur) {
			rc = -ENOENT;
			break;
		}
		if ((prot & IOMMU_WRITE) && !area->writable) {
			rc = -EPERM;
			break;
		}
		last = min(area->node.last, src_last);
		byte = area->page_offset + (cur - area->node.start);
		first_page = byte >> PAGE_SHIFT;
		npages = ((byte + (last - cur)) >> PAGE_SHIFT) - first_page + 1;

		piece = kzalloc(sizeof(*piece), GFP_KERNEL_ACCOUNT);
		if (!piece) {
			rc = -ENOMEM;
			break;
		}
		pin = iommufd_pin_slice(area->pin, first_page, npages);
		if (IS_ERR(pin)) {
			kfree(piece);
			rc = PTR_ERR(pin);
			break;
		}
		piece->pin = pin;
		piece->page_offset = byte & ~PAGE_MASK;
		piece->prot = prot;
		piece->writable = area->writable;
		piece->node.start = cur;
		piece->node.last = last;
		list_add_tail(&piece->batch, pieces);

		if (last == src_last)
			break;
		cur = last + 1;
		area = iopt_area_next(area, src_iova, src_last);
	}
	up_read(&src->iova_rwsem);
	return rc;
}

static void iopt_free_batch(struct list_head *batch)
{
	struct iopt_area *area, *next;

	list_for_each_entry_safe(area, next, batch, batch) {
		list_del(&area->batch);
		iopt_area_free(area);
	}
}

/**
 * iopt_copy() - map into @dst the pages mapped at a range of @src
 * @dst: destination IOVA space
 * @dst_iova: in: the IOVA if @fixed_iova; out: the IOVA used
 * @src: source IOVA space (may be @dst)
 * @src_iova: first source IOVA
 * @length: number of bytes; the source range must be fully mapped
 * @prot: IOMMU_READ and/or IOMMU_WRITE for the new mappings
 * @fixed_iova: map at *@dst_iova rather than choosing a place
 *
 * The new areas share the source's pinned pages: nothing is pinned or
 * charged again.
 *
 * Context: process context, may sleep; takes each space's iova_rwsem, one
 * at a time.
 * Return: 0, or -ENOENT (source not fully mapped), -EPERM (write access to
 * pages pinned read-only), and the errors of placement as for
 * iopt_map_user().
 */
int iopt_copy(struct iommufd_iopt *dst, unsigned long *dst_iova,
	      struct iommufd_iopt *src, unsigned long src_iova,
	      unsigned long length, int prot, bool fixed_iova)
{
	struct iopt_area *piece, *next;
	unsigned long src_last;
	LIST_HEAD(pieces);
	int rc;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(src_iova, length - 1, &src_last))
		return -EOVERFLOW;

	rc = iopt_take_pieces(src, src_iova, src_last, prot, &pieces);
	if (rc)
		goto out_free;

	down_write(&dst->iova_rwsem);
	rc = iopt_choose_iova(dst, dst_iova, src_iova, length, fixed_iova);
	list_for_each_entry(piece, &pieces, batch) {
		if (rc)
			break;
		if (piece->page_offset & (dst->iova_alignment - 1))
			rc = -EINVAL;
	}
	if (!rc) {
		list_for_each_entry_safe(piece, next, &pieces, batch) {
			unsigned long plen = piece->node.last -
					     piece->node.start + 1;

			list_del(&piece->batch);
			iopt_insert_area(dst, piece,
					 *dst_iova + (piece->node.start - src_iova),
					 plen);
		}
	}
	up_write(&dst->iova_rwsem);
out_free:
	iopt_free_batch(&pieces);
	return rc;
}

/**
 * iopt_unmap() - remove the areas inside an IOVA range
 * @iopt: the IOVA space
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 * @whole_space: ignore @start and @last and remove every area
 * @unmapped: set to the number of bytes unmapped
 *
 * Every area touching the range must lie wholly inside it, or nothing is
 * removed.
 *
 * Context: process context, may sleep; takes iova_rwsem.
 * Return: 0, or -ENOENT if an area crosses the range's edge, or if the
 * range holds no area and @whole_space is false.
 */
int iopt_unmap(struct iommufd_iopt *iopt, unsigned long start,
	       unsigned long last, bool whole_space, unsigned long *unmapped)
{
	struct iopt_area *area, *next;
	unsigned long bytes = 0;
	LIST_HEAD(removed);
	int rc = 0;

	if (whole_space) {
		start = 0;
		last = ULONG_MAX;
	}

	down_write(&iopt->iova_rwsem);
	for (area = iopt_area_first(iopt, start, last); area;
	     area = iopt_area_next(area, start, last)) {
		if (area->node.start < start || area->node.last > last) {
			rc = -ENOENT;
			goto out_unlock;
		}
		bytes += area->node.last - area->node.start + 1;
	}
	if (!bytes && !whole_space) {
		rc = -ENOENT;
		goto out_unlock;
	}

	area = iopt_area_first(iopt, start, last);
	while (area) {
		next = iopt_area_next(area, start, last);
		interval_tree_remove(&area->node, &iopt->areas);
		list_add_tail(&area->batch, &removed);
		area = next;
	}
out_unlock:
	up_write(&iopt->iova_rwsem);
	iopt_free_batch(&removed);
	if (!rc)
		*unmapped = bytes;
	return rc;
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

/**
 * iopt_walk_usable() - report the IOVA ranges that may be mapped
 * @iopt: the IOVA space
 * @fn: called for each maximal range not covered by reserved IOVA, in
 *      increasing order, with iova_rwsem held for reading; a non-zero
 *      return stops the walk
 * @opaque: passed to @fn
 *
 * Context: process context; takes iova_rwsem for reading.
 * Return: 0, or what @fn returned.
 */
int iopt_walk_usable(struct iommufd_iopt *iopt, iopt_range_fn fn, void *opaque)
{
	struct interval_tree_node *rsv;
	unsigned long cur = 0;
	bool done = false;
	int rc = 0;

	down_read(&iopt->iova_rwsem);
	for (rsv = interval_tree_iter_first(&iopt->reserved, 0, ULONG_MAX);
	     rsv && !rc; rsv = interval_tree_iter_next(rsv, 0, ULONG_MAX)) {
		if (rsv->start > cur)
			rc = fn(cur, rsv->start - 1, opaque);
		if (rsv->last == ULONG_MAX) {
			done = true;
			break;
		}
		cur = max(cur, rsv->last + 1);
	}
	if (!rc && !done)
		rc = fn(cur, ULONG_MAX, opaque);
	up_read(&iopt->iova_rwsem);
	return rc;
}
