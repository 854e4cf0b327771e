// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The two forms in which a pinned extent keeps its pages; see pin_pages.h.
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "pin_pages.h"

/* Do @a and @b, in this order, continue one run? */
static bool iopin_pages_follow(struct page *a, struct page *b)
{
	/* With one virtually contiguous memmap, the pfns follow too. */
	if (IS_ENABLED(CONFIG_SPARSEMEM_VMEMMAP) || IS_ENABLED(CONFIG_FLATMEM))
		return b == a + 1;
	return b == a + 1 && page_to_pfn(b) == page_to_pfn(a) + 1;
}

/* The run holding @index: the last whose first index is not above it. */
static const struct iopin_run *iopin_run_find(const struct iopin_pages *pp,
					      unsigned long index)
{
	return &pp->runs[iopin_last_at_most(pp->runs, pp->nruns, index)];
}

/* Pages in @run from @index on: up to the next run, or without end. */
static unsigned long iopin_run_left(const struct iopin_pages *pp,
				    const struct iopin_run *run,
				    unsigned long index)
{
	if (run == &pp->runs[pp->nruns - 1])
		return ULONG_MAX;
	return run[1].index - index;
}

/**
 * iopin_pages_at() - the page at an index
 * @pp: the pages of an extent
 * @index: below the extent's size
 *
 * Return: the page.
 */
struct page *iopin_pages_at(const struct iopin_pages *pp, unsigned long index)
{
	const struct iopin_run *run;

	if (pp->flat)
		return pp->flat[index];
	run = iopin_run_find(pp, index);
	return run->page + (index - run->index);
}

/**
 * iopin_pages_contig() - how many pages from an index are contiguous
 * @pp: the pages of an extent
 * @index: the first page
 * @max: at most this many, at least one and no further than the extent
 *
 * Return: the length, at least 1, of the physically contiguous run of
 * pages that starts at @index, bounded by @max.
 */
unsigned long iopin_pages_contig(const struct iopin_pages *pp,
				 unsigned long index, unsigned long max)
{
	unsigned long n;

	if (pp->flat) {
		for (n = 1; n < max &&
		     iopin_pages_follow(pp->flat[index + n - 1],
					pp->flat[index + n]); n++)
			;
		return n;
	}
	/* Runs end where the pages stop following each other. */
	return min(max, iopin_run_left(pp, iopin_run_find(pp, index), index));
}

/**
 * iopin_pages_equal() - do an extent's pages match an array of pages
 * @pp: the pages of an extent
 * @index: first index to compare
 * @pages: the pages to compare them with
 * @npages: how many
 *
 * Return: true if page @index + k of @pp is @pages[k] for every k.
 */
bool iopin_pages_equal(const struct iopin_pages *pp, unsigned long index,
		       struct page **pages, unsigned long npages)
{
	unsigned long k;

	if (pp->flat)
		return !memcmp(&pp->flat[index], pages,
			       npages * sizeof(*pages));
	for (k = 0; k < npages; k++)
		if (iopin_pages_at(pp, index + k) != pages[k])
			return false;
	return true;
}

/**
 * iopin_pages_unpin() - unpin pages of user memory
 * @pp: the pages of an extent
 * @index: the first page
 * @npages: how many
 * @dirty: mark them dirty first (they were pinned for writing)
 */
void iopin_pages_unpin(const struct iopin_pages *pp, unsigned long index,
		       unsigned long npages, bool dirty)
{
	const struct iopin_run *run;
	unsigned long n;

	if (pp->flat) {
		unpin_user_pages_dirty_lock(&pp->flat[index], npages, dirty);
		return;
	}
	for (run = iopin_run_find(pp, index); npages; run++) {
		n = min(npages, iopin_run_left(pp, run, index));
		unpin_user_page_range_dirty_lock(run->page +
						 (index - run->index), n,
						 dirty);
		index += n;
		npages -= n;
	}
}

/**
 * iopin_pages_compact() - move to the runs form if it is much smaller
 * @pp: the pages of an extent, in the flat form, allocated with kvmalloc()
 * @npages: the extent's size
 *
 * Only a saving: nothing changes when the pages are scattered or when no
 * memory is left for the runs.
 */
void iopin_pages_compact(struct iopin_pages *pp, unsigned long npages)
{
	unsigned long most = npages * sizeof(*pp->flat) / 4 /
			     sizeof(*pp->runs);
	unsigned long i, nruns = 1;
	struct iopin_run *runs;

	for (i = 1; i < npages; i++)
		if (!iopin_pages_follow(pp->flat[i - 1], pp->flat[i]) &&
		    ++nruns > most)
			return;
	runs = kvmalloc_array(nruns, sizeof(*runs), GFP_KERNEL_ACCOUNT);
	if (!runs)
		return;
	runs[0].index = 0;
	runs[0].page = pp->flat[0];
	for (i = 1, nruns = 1; i < npages; i++) {
		if (iopin_pages_follow(pp->flat[i - 1], pp->flat[i]))
			continue;
		runs[nruns].index = i;
		runs[nruns++].page = pp->flat[i];
	}
	kvfree(pp->flat);
	pp->flat = NULL;
	pp->runs = runs;
	pp->nruns = nruns;
}

/**
 * iopin_pages_free() - free the arrays of an extent's pages
 * @pp: the pages, whose flat array (if any) came from kvmalloc()
 */
void iopin_pages_free(struct iopin_pages *pp)
{
	kvfree(pp->flat);
	kvfree(pp->runs);
}
