// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * A debugging check of the IOVA engine: iopt_validate() walks an IOVA
 * space and checks the invariants numbered in io_pagetable.h. Built only
 * with CONFIG_IOMMUFD_TEST, for the test command, which the selftests
 * call after every operation and after every injected failure, so that a
 * path that leaves the space inconsistent is caught where it happens
 * rather than by a later, unrelated failure.
 */
#include <linux/interval_tree.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/printk.h>

#include "backend.h"
#include "io_pagetable.h"
#include "pin.h"

#define iopt_broken(inv, fmt, ...)                                         \
	({                                                                  \
		pr_err("iommufd: invariant " inv " broken: " fmt "\n",     \
		       ##__VA_ARGS__);                                      \
		-EBADMSG;                                                   \
	})

/* I1, I3, I5, I6 for one area; @prev is the area before it, or NULL. */
static int iopt_validate_area(struct iommufd_iopt *iopt,
			      struct iopt_area *area, struct iopt_area *prev)
{
	unsigned long start = area->node.start, last = area->node.last;
	unsigned long len = last - start + 1, pages, align;
	struct iommufd_domain *domain;
	struct iopt_window *window;

	if (last < start || (prev && prev->node.last >= start))
		return iopt_broken("I1", "area [%#lx, %#lx] overlaps", start,
				   last);
	pages = PAGE_ALIGN(area->page_offset + len) >> PAGE_SHIFT;
	if (area->page_offset >= PAGE_SIZE ||
	    iommufd_pin_npages(area->pin) != pages)
		return iopt_broken("I1", "area at %#lx: %lu pages pinned, %lu spanned",
				   start, iommufd_pin_npages(area->pin),
				   pages);

	align = iopt->iova_alignment;
	if (iopt->windowed) {
		window = iopt_window_find(iopt, start, last);
		if (!window)
			return iopt_broken("I6", "area [%#lx, %#lx] in no window",
					   start, last);
		align = max(align, window->page_size);
	}
	if ((start | len) & (iopt->iova_alignment - 1))
		return iopt_broken("I3", "area [%#lx, %#lx] not aligned to %#lx",
				   start, last, iopt->iova_alignment);
	if ((start | len) & (align - 1))
		return iopt_broken("I6", "area [%#lx, %#lx] not aligned to its window's %#lx",
				   start, last, align);
	if (area->page_offset & (min(align, PAGE_SIZE) - 1))
		return iopt_broken("I3", "area at %#lx starts %#lx into its page",
				   start, area->page_offset);

	list_for_each_entry(domain, &iopt->domains, iopt_link)
		if (start < domain->aperture_start ||
		    last > domain->aperture_last)
			return iopt_broken("I5", "area [%#lx, %#lx] outside an aperture",
					   start, last);
	return 0;
}

/* I2: reserved ranges against areas, allowed ranges and windows. */
static int iopt_validate_reserved(struct iommufd_iopt *iopt)
{
	struct interval_tree_node *rsv;

	for (rsv = interval_tree_iter_first(&iopt->reserved, 0, ULONG_MAX); rsv;
	     rsv = interval_tree_iter_next(rsv, 0, ULONG_MAX))
		if (interval_tree_iter_first(&iopt->areas, rsv->start,
					     rsv->last) ||
		    interval_tree_iter_first(&iopt->allowed, rsv->start,
					     rsv->last) ||
		    interval_tree_iter_first(&iopt->windows, rsv->start,
					     rsv->last))
			return iopt_broken("I2", "reserved [%#lx, %#lx] is used",
					   rsv->start, rsv->last);
	return 0;
}

/* I6 and I7: the windows themselves, and who accepts them. */
static int iopt_validate_windows(struct iommufd_iopt *iopt)
{
	struct interval_tree_node *node, *prev = NULL;
	struct iommufd_domain *domain;
	struct iopt_limits *limits;
	struct iommufd_window desc;
	unsigned int n = 0;

	for (node = interval_tree_iter_first(&iopt->windows, 0, ULONG_MAX);
	     node; prev = node,
	     node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		struct iopt_window *window =
			container_of(node, struct iopt_window, node);

		if (!iopt->windowed || node->last < node->start ||
		    (prev && prev->last >= node->start))
			return iopt_broken("I6", "window [%#lx, %#lx]",
					   node->start, node->last);
		desc = (struct iommufd_window){
			.start = node->start, .last = node->last,
			.page_size = window->page_size,
			.levels = window->levels,
		};
		list_for_each_entry(domain, &iopt->domains, iopt_link)
			if (iopt_domain_accept(domain, &desc))
				return iopt_broken("I7", "a domain refuses window [%#lx, %#lx]",
						   node->start, node->last);
		n++;
	}
	if (n != iopt->nr_windows)
		return iopt_broken("I6", "%u windows, %u counted", n,
				   iopt->nr_windows);
	list_for_each_entry(limits, &iopt->limits, link)
		if (iopt_limits_check_locked(iopt, &limits->caps,
					     limits->dev_limits, NULL))
			return iopt_broken("I7", "a device refuses the windows");
	return 0;
}

/* I8: every access pin record lies on mapped IOVA. */
static int iopt_validate_access_pins(struct iommufd_iopt *iopt)
{
	struct interval_tree_node *node;

	for (node = interval_tree_iter_first(&iopt->access_pins, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX))
		if (iopt_walk_mapped(iopt, node->start, node->last, NULL, NULL))
			return iopt_broken("I8", "access pin [%#lx, %#lx] on a hole",
					   node->start, node->last);
	return 0;
}

/**
 * iopt_validate() - check the invariants of an IOVA space
 * @iopt: the IOVA space
 *
 * Context: process context; takes the context's attach_lock (the device
 * limits look at the devices' other IOASes) and iova_rwsem for reading.
 * Return: 0, or -EBADMSG after logging the first invariant found broken.
 */
int iopt_validate(struct iommufd_iopt *iopt)
{
	struct iopt_area *area, *prev = NULL;
	int rc = 0;

	mutex_lock(iopt->windows_lock);
	down_read(&iopt->iova_rwsem);
	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area && !rc;
	     prev = area, area = iopt_area_next(area, 0, ULONG_MAX))
		rc = iopt_validate_area(iopt, area, prev);
	if (!rc && iopt->iova_alignment != iopt_needed_alignment(iopt, NULL))
		rc = iopt_broken("I4", "alignment %#lx, %#lx needed",
				 iopt->iova_alignment,
				 iopt_needed_alignment(iopt, NULL));
	if (!rc)
		rc = iopt_validate_reserved(iopt);
	if (!rc)
		rc = iopt_validate_windows(iopt);
	if (!rc)
		rc = iopt_validate_access_pins(iopt);
	up_read(&iopt->iova_rwsem);
	mutex_unlock(iopt->windows_lock);
	return rc;
}
