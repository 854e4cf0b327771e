// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Where a new area may go: checking an IOVA user space chose, and choosing
 * one for it. Both look at areas, reserved ranges, allowed ranges and
 * windows (io_pagetable.h) and change nothing; io_pagetable.c calls them
 * once before pinning and again under the write lock before inserting.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/huge_mm.h>

#include "io_pagetable.h"

/*
 * Automatic placement stays off the first and the last page, in every kind
 * of space (as upstream's does): many clients take IOVA 0 for "none".
 */
#define IOPT_AUTO_LOW PAGE_SIZE
#define IOPT_AUTO_HIGH (ULONG_MAX - PAGE_SIZE)

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

/*
 * The alignment a range needs: the space's, and in a windowed space that of
 * the window holding [iova, last]. Return 0 if no window holds it.
 */
unsigned long iopt_range_alignment(struct iommufd_iopt *iopt,
				   unsigned long iova, unsigned long last)
{
	struct iopt_window *window;

	lockdep_assert_held(&iopt->iova_rwsem);

	if (!iopt->windowed)
		return iopt->iova_alignment;
	window = iopt_window_find(iopt, iova, last);
	if (!window)
		return 0;
	return max(iopt->iova_alignment, window->page_size);
}

/* Check a fixed IOVA range chosen by user space. */
static int iopt_check_fixed(struct iommufd_iopt *iopt, unsigned long iova,
			    unsigned long length)
{
	unsigned long last, align;

	lockdep_assert_held(&iopt->iova_rwsem);

	if ((iova | length) & (iopt->iova_alignment - 1))
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	align = iopt_range_alignment(iopt, iova, last);
	if (!align)
		return -ERANGE;
	if ((iova | length) & (align - 1))
		return -EINVAL;
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
 * Like iopt_fit_in(), but inside the allowed ranges as well if there are
 * any.
 */
static bool iopt_fit_allowed(struct iommufd_iopt *iopt, unsigned long lo,
			     unsigned long hi, unsigned long length,
			     unsigned long align, unsigned long *iova)
{
	struct interval_tree_node *allowed;

	if (RB_EMPTY_ROOT(&iopt->allowed.rb_root))
		return iopt_fit_in(iopt, lo, hi, length, align, iova);

	for (allowed = interval_tree_iter_first(&iopt->allowed, lo, hi);
	     allowed; allowed = interval_tree_iter_next(allowed, lo, hi)) {
		if (iopt_fit_in(iopt, max(lo, allowed->start),
				min(hi, allowed->last), length, align, iova))
			return true;
	}
	return false;
}

/*
 * Is an offset of @page_offset bytes into a CPU page allowed at the start of
 * an IO page of @align bytes? The memory's first byte must sit as far into
 * its IO page as the IOVA does into its own.
 */
bool iopt_offset_fits(unsigned long page_offset, unsigned long align)
{
	return !(page_offset & (min(align, PAGE_SIZE) - 1));
}

/*
 * Choose an IOVA for @length bytes. @hint carries the low address bits the
 * IOVA should share (the user address, or the source IOVA of a copy), so
 * that memory backed by huge pages stays mappable with large IO pages;
 * @page_offset is where in its CPU page the memory starts.
 */
static int iopt_place(struct iommufd_iopt *iopt, unsigned long *iova,
		      unsigned long hint, unsigned long page_offset,
		      unsigned long length)
{
	unsigned long max_align = PAGE_SIZE, align, lo, hi;
	struct interval_tree_node *node;
	struct iopt_window *window;
	bool sized = false, offset_fits = false;

	lockdep_assert_held(&iopt->iova_rwsem);

	if (length >= ULONG_MAX / 2)
		return -EOVERFLOW;

	if (IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		max_align = HPAGE_PMD_SIZE;
	align = roundup_pow_of_two(length);
	if (hint)
		align = min(align, 1UL << __ffs(hint));
	align = min(align, max_align);
	if (align < iopt->iova_alignment ||
	    (length & (iopt->iova_alignment - 1)) ||
	    !iopt_offset_fits(page_offset, iopt->iova_alignment))
		return -EINVAL;

	if (!iopt->windowed)
		return iopt_fit_allowed(iopt, IOPT_AUTO_LOW, IOPT_AUTO_HIGH,
					length, align, iova) ? 0 : -ENOSPC;

	/*
	 * The first window with room whose IO pages the length and the
	 * memory's offset fit. EINVAL if windows of IO pages the length fits
	 * exist but the offset fits none of them, else ENOSPC.
	 */
	for (node = interval_tree_iter_first(&iopt->windows, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		window = container_of(node, struct iopt_window, node);
		if (length & (window->page_size - 1))
			continue;
		sized = true;
		if (!iopt_offset_fits(page_offset, window->page_size))
			continue;
		offset_fits = true;
		lo = max_t(unsigned long, node->start, IOPT_AUTO_LOW);
		hi = min_t(unsigned long, node->last, IOPT_AUTO_HIGH);
		if (lo <= hi &&
		    iopt_fit_allowed(iopt, lo, hi, length,
				     max(align, window->page_size), iova))
			return 0;
	}
	return sized && !offset_fits ? -EINVAL : -ENOSPC;
}

/*
 * Fixed or automatic IOVA for a new range of memory starting @page_offset
 * bytes into its first CPU page; with iova_rwsem held. Checked before
 * anything is pinned, and again once the write lock is held.
 */
int iopt_choose_iova(struct iommufd_iopt *iopt, unsigned long *iova,
		     unsigned long hint, unsigned long page_offset,
		     unsigned long length, bool fixed_iova)
{
	int rc;

	if (!fixed_iova)
		return iopt_place(iopt, iova, hint, page_offset, length);
	rc = iopt_check_fixed(iopt, *iova, length);
	if (rc)
		return rc;
	if (!iopt_offset_fits(page_offset,
			      iopt_range_alignment(iopt, *iova,
						   *iova + length - 1)))
		return -EINVAL;
	return 0;
}
