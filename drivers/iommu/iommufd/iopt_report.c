// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * A copy of what an IOVA space holds, for reports to people (debugfs.c):
 * its windows and its areas with where their memory comes from.
 *
 * The copy is taken under iova_rwsem held for reading and nothing else:
 * the lock is held only as long as it takes to copy the space, never
 * while the caller formats the copy. Memory is allocated without the
 * lock, for as many entries as the space had when counted; if the space
 * grew before the lock was taken again, the copy starts over.
 */
#include <linux/slab.h>

#include "io_pagetable.h"

/* How many areas and windows @iopt has. */
static void iopt_report_count(struct iommufd_iopt *iopt, unsigned long *nareas,
			      unsigned long *nwindows)
{
	struct iopt_area *area;

	*nareas = 0;
	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX))
		(*nareas)++;
	*nwindows = iopt_windows_read(iopt, NULL, 0);
}

/* Copy the areas of @iopt into @rep, which has room for all of them. */
static void iopt_report_areas(struct iommufd_iopt *iopt,
			      struct iopt_report *rep)
{
	struct iopt_area_report *out = rep->areas;
	struct iopt_area *area;

	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX), out++) {
		out->iova = area->node.start;
		out->last = area->node.last;
		out->page_offset = area->page_offset;
		out->prot = area->prot;
		iommufd_pin_source(area->pin, &out->src);
	}
}

/**
 * iopt_report() - copy what a space holds
 * @iopt: the IOVA space
 * @rep: filled in; free with iopt_report_free(), also on failure
 *
 * Context: process context; takes iova_rwsem for reading.
 * Return: 0, or -ENOMEM.
 */
int iopt_report(struct iommufd_iopt *iopt, struct iopt_report *rep)
{
	unsigned long nareas, nwindows;
	struct iommufd_domain *domain;

	memset(rep, 0, sizeof(*rep));
	down_read(&iopt->iova_rwsem);
	iopt_report_count(iopt, &nareas, &nwindows);
	for (;;) {
		up_read(&iopt->iova_rwsem);
		iopt_report_free(rep);
		rep->areas = kvcalloc(nareas ?: 1, sizeof(*rep->areas),
				      GFP_KERNEL);
		rep->windows = kcalloc(nwindows ?: 1, sizeof(*rep->windows),
				       GFP_KERNEL);
		if (!rep->areas || !rep->windows)
			return -ENOMEM;
		down_read(&iopt->iova_rwsem);
		rep->nr_areas = nareas;
		rep->nr_windows = nwindows;
		iopt_report_count(iopt, &nareas, &nwindows);
		if (nareas <= rep->nr_areas && nwindows <= rep->nr_windows)
			break;
	}
	rep->nr_areas = nareas;
	rep->nr_windows = nwindows;
	iopt_report_areas(iopt, rep);
	iopt_windows_read(iopt, rep->windows, nwindows);
	rep->windowed = iopt->windowed;
	list_for_each_entry(domain, &iopt->domains, iopt_link)
		rep->nr_domains++;
	up_read(&iopt->iova_rwsem);
	return 0;
}

/**
 * iopt_report_free() - free what iopt_report() allocated
 * @rep: the copy
 */
void iopt_report_free(struct iopt_report *rep)
{
	kvfree(rep->areas);
	kfree(rep->windows);
	rep->areas = NULL;
	rep->windows = NULL;
}
