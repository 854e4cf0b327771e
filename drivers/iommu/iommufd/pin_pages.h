/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Where a pinned extent (pin.c) keeps its pages: the page behind each of
 * its indexes, in one of two forms.
 *
 *   flat   one struct page pointer per page: what pinning produces, and
 *          what memory made of scattered 4 KiB pages needs.
 *   runs   one struct iopin_run per run of pages whose struct pages (and so
 *          whose physical addresses) follow each other. A huge page of
 *          2 MiB is one run instead of 512 pointers, so an extent of THP or
 *          hugetlb memory costs about 16 bytes per huge page instead of 8
 *          per 4 KiB.
 *
 * An extent is built while it is pinned, a batch of pages at a time: as
 * runs while they take at most a quarter of the flat array's memory, flat
 * from the batch on where they would take more. A large extent of huge
 * pages so never needs its flat array, nor a second look at its pages.
 * The pages never change once pinned; the functions here take no lock and
 * leave locking to pin.c.
 */
#ifndef __IOMMUFD_PIN_PAGES_H
#define __IOMMUFD_PIN_PAGES_H

#include <linux/types.h>

struct page;

/*
 * In @arr, @n entries sorted by their member .index, the first of them at
 * most @key: the position of the last whose .index is at most @key. Both
 * an extent's runs and a handle's segments are found this way.
 */
#define iopin_last_at_most(arr, n, key)					\
	({								\
		unsigned long __lo = 0, __hi = (n) - 1, __mid;		\
									\
		while (__lo < __hi) {					\
			__mid = __lo + (__hi - __lo + 1) / 2;		\
			if ((arr)[__mid].index <= (key))		\
				__lo = __mid;				\
			else						\
				__hi = __mid - 1;			\
		}							\
		__lo;							\
	})

/**
 * struct iopin_run - pages of an extent that follow each other in memory
 * @index: index in the extent of the run's first page
 * @page: the first page; page @index + k is @page + k up to the next run
 */
struct iopin_run {
	unsigned long index;
	struct page *page;
};

/**
 * struct iopin_pages - the pages of one extent
 * @flat: one page per index, or NULL once in the runs form
 * @runs: the runs, in index order, when @flat is NULL
 * @nruns: entries in @runs
 * @cap: entries @runs has room for
 *
 * All zero for an extent with no page recorded yet that has not been
 * given a flat array.
 */
struct iopin_pages {
	struct page **flat;
	struct iopin_run *runs;
	unsigned long nruns;
	unsigned long cap;
};

struct page *iopin_pages_at(const struct iopin_pages *pp, unsigned long index);
unsigned long iopin_pages_contig(const struct iopin_pages *pp,
				 unsigned long index, unsigned long max);
bool iopin_pages_equal(const struct iopin_pages *pp, unsigned long index,
		       struct page **pages, unsigned long npages);
void iopin_pages_unpin(const struct iopin_pages *pp, unsigned long index,
		       unsigned long npages, bool dirty);
struct page **iopin_pages_slot(struct iopin_pages *pp, unsigned long index);
int iopin_pages_add(struct iopin_pages *pp, unsigned long npages,
		    unsigned long index, struct page **pages, unsigned long n);
int iopin_pages_add_contig(struct iopin_pages *pp, unsigned long npages,
			   unsigned long index, struct page *page,
			   unsigned long n);
void iopin_pages_free(struct iopin_pages *pp);

#endif
