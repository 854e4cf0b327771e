// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Reading handles: the page behind an index of a handle, physically
 * contiguous runs of a handle's pages for filling IO page tables, and
 * tallies that count the distinct pages of many handles. A handle never
 * changes while it exists and keeps its pages pinned, so none of this
 * takes a lock of the pin layer.
 */
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "pin.h"
#include "pin_priv.h"

/**
 * iommufd_pin_npages() - number of pages a handle covers
 * @pin: the handle
 *
 * Context: any context.
 * Return: the number of pages, never zero.
 */
unsigned long iommufd_pin_npages(struct iommufd_pin *pin)
{
	return pin->npages;
}

/**
 * iommufd_pin_source() - where the pages of a handle come from
 * @pin: the handle
 * @src: filled in
 *
 * Context: any context.
 */
void iommufd_pin_source(struct iommufd_pin *pin, struct iommufd_pin_source *src)
{
	const struct iopin_seg *seg = &pin->segs[0];

	src->owner = pin->space;
	src->ino = pin->space->file ? file_inode(pin->space->file)->i_ino : 0;
	/* The segments follow each other in the source, from the first. */
	src->first = seg->ext->node.start + seg->first;
	src->npages = pin->npages;
}

/**
 * iommufd_pin_page() - one page of a handle
 * @pin: the handle
 * @index: which page, below iommufd_pin_npages()
 *
 * No reference is taken: the page stays valid while @pin is held.
 *
 * Context: any context.
 * Return: the page, or NULL if @index is out of range.
 */
struct page *iommufd_pin_page(struct iommufd_pin *pin, unsigned long index)
{
	const struct iopin_seg *seg;

	if (WARN_ON(index >= pin->npages))
		return NULL;
	seg = &pin->segs[iopin_find_seg(pin, index)];
	return iopin_pages_at(&seg->ext->pages, seg->first + index - seg->index);
}

/**
 * iommufd_pin_contig() - physically contiguous run of a handle's pages
 * @pin: the handle
 * @index: first page of the run, below iommufd_pin_npages()
 * @max: longest run wanted, at least one
 * @phys: set to the physical address of page @index
 *
 * Context: any context.
 * Return: the number of pages from @index on (itself included) whose
 * physical addresses follow each other, at least 1 and at most @max;
 * 0 if @index is out of range or @max is 0.
 */
unsigned long iommufd_pin_contig(struct iommufd_pin *pin, unsigned long index,
				 unsigned long max, phys_addr_t *phys)
{
	unsigned long s, i, lim, run, pfn = 0, n = 0;
	struct page *page;

	if (WARN_ON(index >= pin->npages || !max))
		return 0;
	max = min(max, pin->npages - index);

	for (s = iopin_find_seg(pin, index); s < pin->nsegs && n < max; s++) {
		const struct iopin_seg *seg = &pin->segs[s];

		/* Where the run goes on in this segment's extent. */
		i = seg->first + index + n - seg->index;
		lim = seg->first + seg->npages;
		page = iopin_pages_at(&seg->ext->pages, i);
		if (!n) {
			pfn = page_to_pfn(page);
			*phys = PFN_PHYS(pfn);
		} else if (page_to_pfn(page) != pfn + n) {
			break;
		}
		run = iopin_pages_contig(&seg->ext->pages, i,
					 min(lim - i, max - n));
		n += run;
		if (i + run < lim)
			break;
	}
	return n;
}

/**
 * struct iopin_tally_range - pages of one extent that a tally has seen
 * @ext: the extent, used only as a key: it is not looked at after the add
 * @first: first page, an index in @ext
 * @last: last page
 * @charged: the extent's owner is charged for its pages
 */
struct iopin_tally_range {
	const struct iopin_extent *ext;
	unsigned long first;
	unsigned long last;
	bool charged;
};

/**
 * iommufd_pin_tally_add() - add the pages of a handle to a tally
 * @tally: the tally, zeroed before its first use
 * @pin: the handle, which the caller keeps alive during the call
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOMEM.
 */
int iommufd_pin_tally_add(struct iommufd_pin_tally *tally,
			  struct iommufd_pin *pin)
{
	struct iopin_tally_range *ranges;
	unsigned long i, need;

	if (check_add_overflow(tally->nr, pin->nsegs, &need))
		return -ENOMEM;
	if (need > tally->capacity) {
		need = max(need, 2 * tally->capacity);
		ranges = kvmalloc_array(need, sizeof(*ranges),
					GFP_KERNEL_ACCOUNT);
		if (!ranges)
			return -ENOMEM;
		if (tally->nr)
			memcpy(ranges, tally->ranges,
			       tally->nr * sizeof(*ranges));
		kvfree(tally->ranges);
		tally->ranges = ranges;
		tally->capacity = need;
	}

	/* A handle's segments never change while it exists. */
	for (i = 0; i < pin->nsegs; i++) {
		const struct iopin_seg *seg = &pin->segs[i];

		tally->ranges[tally->nr++] = (struct iopin_tally_range){
			.ext = seg->ext,
			.first = seg->first,
			.last = seg->first + seg->npages - 1,
			.charged = pin->space->acct.charging,
		};
	}
	return 0;
}

static int iopin_tally_cmp(const void *a, const void *b)
{
	const struct iopin_tally_range *x = a, *y = b;

	if (x->ext != y->ext)
		return x->ext < y->ext ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return 0;
}

/**
 * iommufd_pin_tally_sum() - count the distinct pinned pages of a tally
 * @tally: the tally; emptied, and its memory freed
 * @out: the result: pages pinned, each counted once however many handles
 *       added it, and how many of them are charged to a locked_vm
 *
 * A page pinned through two sources (a memfd mapped both by file offset
 * and by user address) is pinned twice and counts twice, as it does in
 * VmPin.
 *
 * Context: process context, may sleep.
 */
void iommufd_pin_tally_sum(struct iommufd_pin_tally *tally,
			   struct iommufd_pin_stats *out)
{
	const struct iopin_tally_range *r, *cur = NULL;
	unsigned long i, uncounted = 0, n;

	out->pinned = 0;
	out->charged = 0;
	sort(tally->ranges, tally->nr, sizeof(*tally->ranges),
	     iopin_tally_cmp, NULL);
	/* Count each range beyond the pages already counted in its extent. */
	for (i = 0; i < tally->nr; i++) {
		r = &tally->ranges[i];
		if (!cur || r->ext != cur->ext) {
			cur = r;
			uncounted = r->first;
		}
		if (r->last < uncounted)
			continue;
		n = r->last - max(r->first, uncounted) + 1;
		uncounted = r->last + 1;
		out->pinned += n;
		if (r->charged)
			out->charged += n;
	}
	iommufd_pin_tally_free(tally);
}

/**
 * iommufd_pin_tally_free() - free a tally's memory and empty it
 * @tally: the tally
 */
void iommufd_pin_tally_free(struct iommufd_pin_tally *tally)
{
	kvfree(tally->ranges);
	memset(tally, 0, sizeof(*tally));
}
