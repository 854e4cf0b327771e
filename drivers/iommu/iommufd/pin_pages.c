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

/*
 * How many of @pages[0..@n) go on from @prev, each following the one
 * before. Where the memmap is one array this only compares addresses, so
 * it looks at four pages per branch: the pages of huge pages, a quarter
 * of a million per GiB, are where a map spends its time when it is not
 * pinning.
 */
static unsigned long iopin_pages_span(struct page *prev, struct page **pages,
				      unsigned long n)
{
	const unsigned long step = sizeof(struct page);
	unsigned long k = 0, want;

	if (IS_ENABLED(CONFIG_SPARSEMEM_VMEMMAP) || IS_ENABLED(CONFIG_FLATMEM)) {
		for (; k + 4 <= n; k += 4) {
			want = (unsigned long)(prev + 1 + k);
			if (((unsigned long)pages[k] ^ want) |
			    ((unsigned long)pages[k + 1] ^ (want + step)) |
			    ((unsigned long)pages[k + 2] ^ (want + 2 * step)) |
			    ((unsigned long)pages[k + 3] ^ (want + 3 * step)))
				break;
		}
	}
	for (; k < n; k++)
		if (!iopin_pages_follow(k ? pages[k - 1] : prev, pages[k]))
			break;
	return k;
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
	if (pp->flat)
		return 1 + iopin_pages_span(pp->flat[index], &pp->flat[index + 1],
					    max - 1);
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

/*
 * The most runs an extent of @npages keeps: beyond a quarter of the flat
 * array's memory, the flat array is the better buy.
 */
static unsigned long iopin_runs_most(unsigned long npages)
{
	return npages * sizeof(struct page *) / 4 / sizeof(struct iopin_run);
}

/*
 * Leave the runs form for the flat one, the first @index pages recorded.
 * Return: 0 or -ENOMEM, with @pp unchanged.
 */
static int iopin_pages_go_flat(struct iopin_pages *pp, unsigned long npages,
			       unsigned long index)
{
	struct page **flat;
	unsigned long i, r;

	flat = kvmalloc_array(npages, sizeof(*flat), GFP_KERNEL_ACCOUNT);
	if (!flat)
		return -ENOMEM;
	for (r = 0, i = 0; i < index; i++) {
		if (r + 1 < pp->nruns && pp->runs[r + 1].index == i)
			r++;
		flat[i] = pp->runs[r].page + (i - pp->runs[r].index);
	}
	kvfree(pp->runs);
	pp->runs = NULL;
	pp->nruns = 0;
	pp->cap = 0;
	pp->flat = flat;
	return 0;
}

/*
 * Start a run at @index with @page, growing the array by doubling up to
 * the most an extent of @npages keeps, or going flat past that.
 * Return: 0 or -ENOMEM, with @pp unchanged.
 */
static int iopin_run_start(struct iopin_pages *pp, unsigned long npages,
			   unsigned long index, struct page *page)
{
	unsigned long most = iopin_runs_most(npages);
	struct iopin_run *runs;
	unsigned long cap;

	if (pp->nruns == pp->cap) {
		if (pp->cap >= most)
			return iopin_pages_go_flat(pp, npages, index);
		cap = min(most, max(2 * pp->cap, 16UL));
		runs = kvrealloc(pp->runs, cap * sizeof(*runs),
				 GFP_KERNEL_ACCOUNT);
		if (!runs)
			return -ENOMEM;
		pp->runs = runs;
		pp->cap = cap;
	}
	pp->runs[pp->nruns].index = index;
	pp->runs[pp->nruns++].page = page;
	return 0;
}

/* The last page recorded, at @index - 1, in the runs form; or NULL. */
static struct page *iopin_run_last(const struct iopin_pages *pp,
				   unsigned long index)
{
	const struct iopin_run *last;

	if (!pp->nruns)
		return NULL;
	last = &pp->runs[pp->nruns - 1];
	return last->page + (index - 1 - last->index);
}

/**
 * iopin_pages_slot() - where pinning may put pages from an index on
 * @pp: the pages of an extent being built
 * @index: the first page not recorded yet
 *
 * An extent is built as it is pinned, in index order: in the runs form
 * while the runs stay few, in the flat form once they would not, or from
 * the start when the caller gave it a flat array.
 *
 * Return: the flat array at @index, to pin straight into; or NULL in the
 * runs form: pin into a buffer and record it with iopin_pages_add().
 */
struct page **iopin_pages_slot(struct iopin_pages *pp, unsigned long index)
{
	return pp->flat ? &pp->flat[index] : NULL;
}

/**
 * iopin_pages_add() - record pages pinned into a buffer
 * @pp: the pages of an extent being built, recorded up to @index
 * @npages: the extent's size
 * @index: the index of @pages[0]
 * @pages: the pages, not in the array iopin_pages_slot() gave
 * @n: how many, with @index + @n at most @npages
 *
 * Return: 0, or -ENOMEM with the pages before @index still recorded and
 * none of @pages.
 */
int iopin_pages_add(struct iopin_pages *pp, unsigned long npages,
		    unsigned long index, struct page **pages, unsigned long n)
{
	struct page *prev = iopin_run_last(pp, index);
	unsigned long k = 0;
	int rc;

	while (k < n) {
		if (prev)
			k += iopin_pages_span(prev, &pages[k], n - k);
		if (k == n)
			break;
		rc = iopin_run_start(pp, npages, index + k, pages[k]);
		if (rc)
			return rc;
		if (pp->flat)
			break;
		prev = pages[k++];
	}
	/* Gone flat at page k: it and the rest go in as they are. */
	if (k < n)
		memcpy(&pp->flat[index + k], &pages[k],
		       (n - k) * sizeof(*pages));
	return 0;
}

/**
 * iopin_pages_add_contig() - record pinned pages that follow each other
 * @pp: the pages of an extent being built, recorded up to @index
 * @npages: the extent's size
 * @index: the index of @page
 * @page: the first page; the next @n - 1 follow it in memory
 * @n: how many, with @index + @n at most @npages
 *
 * Return: 0, or -ENOMEM with the pages before @index still recorded and
 * none of these.
 */
int iopin_pages_add_contig(struct iopin_pages *pp, unsigned long npages,
			   unsigned long index, struct page *page,
			   unsigned long n)
{
	struct page *prev;
	unsigned long k;
	int rc;

	if (!pp->flat) {
		prev = iopin_run_last(pp, index);
		if (prev && iopin_pages_follow(prev, page))
			return 0;
		rc = iopin_run_start(pp, npages, index, page);
		if (rc)
			return rc;
	}
	if (pp->flat)
		for (k = 0; k < n; k++)
			pp->flat[index + k] = page + k;
	return 0;
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
