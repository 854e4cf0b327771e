// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * IOVA windows of a windowed IOAS, and the limits attached devices put on
 * them. See io_pagetable.h for the data structures.
 *
 * A windowed IOAS starts with no valid IOVA. User space asks for windows,
 * either exactly ("[start, start + length)") or by constraints ("length
 * bytes, between lowest and highest, aligned to align"), and the kernel
 * grants a window only if it
 *
 *   - overlaps no other window                                  (EEXIST)
 *   - overlaps no window an attached device has in another IOAS (EEXIST)
 *   - leaves every attached device within its number of windows,
 *     counting those it has in other IOASes                     (ENOSPC)
 *   - fits in an aperture of every attached device, at the
 *     aperture's start if the aperture fixes it                 (ERANGE)
 *   - has a page size, a level count and a length every device
 *     supports                                                  (EOPNOTSUPP)
 *   - covers no reserved IOVA                                   (EADDRINUSE)
 *
 * Each attached device is represented by a struct iopt_limits holding its
 * hardware's capabilities, added when the device enters the IOAS. A device
 * enters only if its limits accept every existing window, with the errors
 * above, so a window, once granted, stays valid for as long as it exists.
 *
 * Hardware that translates through a table per window (PowerPC's TCE
 * tables) is told about windows through ->window_add() and
 * ->window_remove() of each domain of the IOAS: when a window is granted or
 * removed, and when a domain joins or leaves the IOAS. Other hardware has
 * one table for its whole aperture and needs no callback: there, windows
 * only restrict what the core maps.
 *
 * Hardware that routes DMA by address to one of several tables can serve
 * several IOASes at once (IOMMU_DEVICE_ATTACH_EXTRA): the windows of all
 * the IOASes of such a device are one set to its hardware. They must not
 * overlap, and they count together against its number of windows. The
 * device's struct iopt_limits, one per IOAS, are linked on a list of the
 * device's, through which a change in one IOAS sees the windows of the
 * others.
 *
 * Locking: windows and limits change with both the IOAS's iova_rwsem and
 * the context's attach_lock (iopt->windows_lock) held. The checks above
 * hold both, so they may read the windows of the device's other IOASes
 * under the attach_lock alone, and no two iova_rwsems are ever nested.
 */
#include <linux/interval_tree.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "backend.h"
#include "io_pagetable.h"

static struct iopt_window *to_iopt_window(struct interval_tree_node *node)
{
	return container_of(node, struct iopt_window, node);
}

static void iopt_window_desc(struct iopt_window *window,
			     struct iommufd_window *desc)
{
	desc->start = window->node.start;
	desc->last = window->node.last;
	desc->page_size = window->page_size;
	desc->levels = window->levels;
}

/**
 * iopt_window_find() - the window holding a whole range
 * @iopt: a windowed IOVA space
 * @start: first IOVA of the range
 * @last: last IOVA of the range (inclusive)
 *
 * Context: iova_rwsem held.
 * Return: the window, or NULL if no single window holds the range.
 */
struct iopt_window *iopt_window_find(struct iommufd_iopt *iopt,
				     unsigned long start, unsigned long last)
{
	struct interval_tree_node *node;

	lockdep_assert_held(&iopt->iova_rwsem);

	node = interval_tree_iter_first(&iopt->windows, start, last);
	if (!node || node->start > start || node->last < last)
		return NULL;
	return to_iopt_window(node);
}

/**
 * iopt_window_at() - describe the window holding an IOVA
 * @iopt: the IOVA space
 * @iova: the address
 * @desc: set to the window's range, IO page size and levels
 *
 * For callers outside the IOVA engine, which cannot hold iova_rwsem: the
 * answer may be stale as soon as the lock is dropped, so a later
 * operation on the window must still be prepared to be refused.
 *
 * Context: process context; takes iova_rwsem.
 * Return: 0, or -ENOENT if no window holds @iova.
 */
int iopt_window_at(struct iommufd_iopt *iopt, unsigned long iova,
		   struct iommufd_window *desc)
{
	struct iopt_window *window;

	down_read(&iopt->iova_rwsem);
	window = iopt_window_find(iopt, iova, iova);
	if (window)
		iopt_window_desc(window, desc);
	up_read(&iopt->iova_rwsem);
	return window ? 0 : -ENOENT;
}

/*
 * Count the windows a device has in the IOASes it is attached to other than
 * @self and @skip (NULL for none); @dev_limits is its list of limits. If
 * @clash is not NULL, also set it if one of them overlaps [@start, @last].
 */
static unsigned int iopt_sibling_windows(struct list_head *dev_limits,
					 const struct iommufd_iopt *self,
					 const struct iommufd_iopt *skip,
					 unsigned long start, unsigned long last,
					 bool *clash)
{
	struct iopt_limits *sib;
	unsigned int n = 0;

	list_for_each_entry(sib, dev_limits, dev_link) {
		if (sib->iopt == self || sib->iopt == skip)
			continue;
		lockdep_assert_held(sib->iopt->windows_lock);
		n += sib->iopt->nr_windows;
		if (clash && interval_tree_iter_first(&sib->iopt->windows,
						      start, last))
			*clash = true;
	}
	return n;
}

/*
 * Is [@start, @last] free of the windows of @iopt and of those its devices
 * have in other IOASes?
 */
static bool iopt_window_free(struct iommufd_iopt *iopt, unsigned long start,
			     unsigned long last)
{
	struct iopt_limits *limits;
	bool clash = false;

	lockdep_assert_held(&iopt->iova_rwsem);

	if (interval_tree_iter_first(&iopt->windows, start, last))
		return false;
	list_for_each_entry(limits, &iopt->limits, link)
		iopt_sibling_windows(limits->dev_limits, iopt, NULL, start,
				     last, &clash);
	return !clash;
}

static unsigned long iopt_lowest_pgsize(unsigned long pgsizes)
{
	return pgsizes ? 1UL << __ffs(pgsizes) : 0;
}

/* Can a window in @ap have IO pages of @page_size and @levels levels? */
static bool iopt_aperture_supports(const struct iommufd_aperture *ap,
				   unsigned long page_size, u32 levels)
{
	if (levels > ap->max_levels)
		return false;
	if (ap->flags & IOMMU_APERTURE_ONE_PAGE_SIZE)
		return ap->pgsizes & page_size;
	return ap->pgsizes && page_size >= iopt_lowest_pgsize(ap->pgsizes);
}

/*
 * Can hardware described by @caps translate @window? Return 0, -ERANGE
 * (no aperture holds it, or it does not start where the aperture fixes),
 * or -EOPNOTSUPP (page size, levels or length).
 */
static int iopt_caps_accept(const struct iommufd_window_caps *caps,
			    const struct iommufd_window *window)
{
	const struct iommufd_aperture *ap;
	unsigned int i;

	for (i = 0; i != caps->nr_apertures; i++) {
		ap = &caps->apertures[i];
		if (window->start < ap->start || window->last > ap->last)
			continue;
		if ((ap->flags & IOMMU_APERTURE_FIXED_START) &&
		    window->start != ap->start)
			return -ERANGE;
		if (!iopt_aperture_supports(ap, window->page_size,
					    window->levels))
			return -EOPNOTSUPP;
		if ((ap->flags & IOMMU_APERTURE_POW2_LENGTH) &&
		    !is_power_of_2(window->last - window->start + 1))
			return -EOPNOTSUPP;
		return 0;
	}
	return -ERANGE;
}

/*
 * Can @domain translate @window? Its table's aperture and page sizes, and
 * the windows its hardware offers, decide; a table can be in an IOAS that
 * no device it was made for is attached to (IOMMU_HWPT_ALLOC).
 */
int iopt_domain_accept(struct iommufd_domain *domain,
		       const struct iommufd_window *window)
{
	if (window->start < domain->aperture_start ||
	    window->last > domain->aperture_last)
		return -ERANGE;
	if (window->page_size < iopt_lowest_pgsize(domain->pgsize_bitmap))
		return -EOPNOTSUPP;
	return iopt_caps_accept(&domain->window_caps, window);
}

/* Would every attached device and every domain accept @window as well? */
static int iopt_window_accept(struct iommufd_iopt *iopt,
			      const struct iommufd_window *window)
{
	struct iommufd_domain *domain;
	struct iopt_limits *limits;
	int rc;

	lockdep_assert_held(&iopt->iova_rwsem);

	list_for_each_entry(limits, &iopt->limits, link) {
		rc = iopt_caps_accept(&limits->caps, window);
		if (rc)
			return rc;
	}
	list_for_each_entry(domain, &iopt->domains, iopt_link) {
		rc = iopt_domain_accept(domain, window);
		if (rc)
			return rc;
	}
	if (interval_tree_iter_first(&iopt->reserved, window->start,
				     window->last))
		return -EADDRINUSE;
	return 0;
}

/* Is there room for one more window on every attached device? */
static int iopt_window_count_ok(struct iommufd_iopt *iopt)
{
	struct iommufd_domain *domain;
	struct iopt_limits *limits;
	unsigned int n;

	lockdep_assert_held(&iopt->iova_rwsem);

	list_for_each_entry(domain, &iopt->domains, iopt_link)
		if (domain->window_caps.max_windows &&
		    iopt->nr_windows >= domain->window_caps.max_windows)
			return -ENOSPC;

	list_for_each_entry(limits, &iopt->limits, link) {
		if (!limits->caps.max_windows)
			continue;
		n = iopt->nr_windows +
		    iopt_sibling_windows(limits->dev_limits, iopt, NULL, 0, 0,
					 NULL);
		if (n >= limits->caps.max_windows)
			return -ENOSPC;
	}
	return 0;
}

/*
 * Does some attached device support @page_size and @levels in none of its
 * apertures? Then no placement can help.
 */
static bool iopt_caps_support(const struct iommufd_window_caps *caps,
			      unsigned long page_size, u32 levels)
{
	unsigned int i;

	for (i = 0; i != caps->nr_apertures; i++)
		if (iopt_aperture_supports(&caps->apertures[i], page_size,
					   levels))
			return true;
	return false;
}

static int iopt_window_kind_ok(struct iommufd_iopt *iopt,
			       unsigned long page_size, u32 levels)
{
	struct iommufd_domain *domain;
	struct iopt_limits *limits;

	list_for_each_entry(limits, &iopt->limits, link)
		if (!iopt_caps_support(&limits->caps, page_size, levels))
			return -EOPNOTSUPP;
	list_for_each_entry(domain, &iopt->domains, iopt_link)
		if (!iopt_caps_support(&domain->window_caps, page_size, levels))
			return -EOPNOTSUPP;
	return 0;
}

/* Lower @best to ALIGN(@x, @align) if that is above @cur. */
static void iopt_consider(unsigned long x, unsigned long align,
			  unsigned long cur, unsigned long *best)
{
	unsigned long cand = ALIGN(x, align);

	if (cand > cur && cand >= x && cand < *best)
		*best = cand;
}

/* Consider the IOVA just past each range of @tree. */
static void iopt_consider_ends(struct rb_root_cached *tree,
			       unsigned long align, unsigned long cur,
			       unsigned long *best)
{
	struct interval_tree_node *node;

	for (node = interval_tree_iter_first(tree, 0, ULONG_MAX); node;
	     node = interval_tree_iter_next(node, 0, ULONG_MAX))
		if (node->last != ULONG_MAX)
			iopt_consider(node->last + 1, align, cur, best);
}

/*
 * The next start worth trying after @cur: a placement that fails at @cur
 * can only succeed past the end of a window (of this IOAS, or of another
 * IOAS of a device) or of a reserved range, or at the start of an
 * aperture. Return 0 if there is none.
 */
static unsigned long iopt_next_start(struct iommufd_iopt *iopt,
				     unsigned long cur, unsigned long align)
{
	struct iopt_limits *limits, *sib;
	unsigned long best = ULONG_MAX;
	unsigned int i;

	iopt_consider_ends(&iopt->windows, align, cur, &best);
	iopt_consider_ends(&iopt->reserved, align, cur, &best);
	list_for_each_entry(limits, &iopt->limits, link) {
		for (i = 0; i != limits->caps.nr_apertures; i++)
			iopt_consider(limits->caps.apertures[i].start, align,
				      cur, &best);
		list_for_each_entry(sib, limits->dev_limits, dev_link)
			if (sib->iopt != iopt)
				iopt_consider_ends(&sib->iopt->windows, align,
						   cur, &best);
	}
	return best == ULONG_MAX ? 0 : best;
}

/*
 * Find the lowest start for a window asked for by constraints. Fills in
 * @window's range; its page size and levels are set.
 */
static int iopt_window_place(struct iommufd_iopt *iopt,
			     const struct iopt_window_req *req,
			     struct iommufd_window *window)
{
	unsigned long align = max(req->align, req->page_size);
	unsigned long cur = ALIGN(req->lowest, align);
	int rc;

	rc = iopt_window_kind_ok(iopt, req->page_size, req->levels);
	if (rc)
		return rc;
	if (cur < req->lowest)
		return -ENOSPC;

	do {
		window->start = cur;
		if (check_add_overflow(cur, req->length - 1, &window->last) ||
		    window->last > req->highest)
			break;
		if (iopt_window_free(iopt, window->start, window->last) &&
		    !iopt_window_accept(iopt, window))
			return 0;
		cur = iopt_next_start(iopt, cur, align);
	} while (cur);
	return -ENOSPC;
}

/* Prepare every domain for @window, or none. */
static int iopt_window_to_domains(struct iommufd_iopt *iopt,
				  const struct iommufd_window *window)
{
	struct iommufd_domain *domain;
	int rc;

	list_for_each_entry(domain, &iopt->domains, iopt_link) {
		if (!domain->ops->window_add)
			continue;
		rc = domain->ops->window_add(domain, window);
		if (rc)
			goto err_remove;
	}
	return 0;

err_remove:
	list_for_each_entry_continue_reverse(domain, &iopt->domains, iopt_link)
		if (domain->ops->window_remove)
			domain->ops->window_remove(domain, window);
	return rc;
}

/**
 * iopt_window_add() - grant a window
 * @iopt: the IOVA space
 * @req: what is asked for; its fields are checked for sanity by the caller
 *       (lengths not 0, powers of two, no wrap of an exact range)
 * @start: set to the first IOVA of the window granted
 * @stamp: if not NULL, set to the window's stamp, for an undo with
 *         iopt_window_remove()
 *
 * Context: process context; iopt->windows_lock held; takes iova_rwsem.
 * Return: 0, or -EINVAL (not a windowed space), -EEXIST, -ENOSPC, -ERANGE,
 * -EOPNOTSUPP, -EADDRINUSE as described at the top of this file, -ENOMEM,
 * or a backend's error. On failure nothing changed.
 */
int iopt_window_add(struct iommufd_iopt *iopt,
		    const struct iopt_window_req *req, unsigned long *start,
		    u64 *stamp)
{
	struct iommufd_window desc = {
		.page_size = req->page_size,
		.levels = req->levels,
	};
	struct iopt_window *window;
	int rc;

	lockdep_assert_held(iopt->windows_lock);

	window = kzalloc(sizeof(*window), GFP_KERNEL_ACCOUNT);
	if (!window)
		return -ENOMEM;

	down_write(&iopt->iova_rwsem);
	if (!iopt->windowed) {
		rc = -EINVAL;
		goto out_unlock;
	}
	if (req->exact) {
		desc.start = req->start;
		desc.last = req->start + req->length - 1;
		rc = -EEXIST;
		if (!iopt_window_free(iopt, desc.start, desc.last))
			goto out_unlock;
	}
	rc = iopt_window_count_ok(iopt);
	if (rc)
		goto out_unlock;
	if (req->exact)
		rc = iopt_window_accept(iopt, &desc);
	else
		rc = iopt_window_place(iopt, req, &desc);
	if (rc)
		goto out_unlock;
	rc = iopt_window_to_domains(iopt, &desc);
	if (rc)
		goto out_unlock;

	window->node.start = desc.start;
	window->node.last = desc.last;
	window->page_size = desc.page_size;
	window->levels = desc.levels;
	window->stamp = iopt_next_stamp(iopt);
	if (stamp)
		*stamp = window->stamp;
	interval_tree_insert(&window->node, &iopt->windows);
	iopt->nr_windows++;
	*start = desc.start;
	window = NULL;
out_unlock:
	up_write(&iopt->iova_rwsem);
	kfree(window);
	return rc;
}

/**
 * iopt_window_remove() - give a window back
 * @iopt: the IOVA space
 * @start: first IOVA of the window
 * @stamp: 0, or the stamp the window must have: the undo of a grant takes
 *         back only the window that grant made
 *
 * Context: process context; iopt->windows_lock held; takes iova_rwsem.
 * Return: 0, or -EINVAL (not a windowed space), -ENOENT (no window starts
 * at @start, or not one with @stamp), -EBUSY (something is mapped in it).
 */
int iopt_window_remove(struct iommufd_iopt *iopt, unsigned long start,
		       u64 stamp)
{
	struct iommufd_domain *domain;
	struct interval_tree_node *node;
	struct iommufd_window desc;
	int rc = 0;

	lockdep_assert_held(iopt->windows_lock);

	down_write(&iopt->iova_rwsem);
	if (!iopt->windowed) {
		rc = -EINVAL;
		goto out_unlock;
	}
	node = interval_tree_iter_first(&iopt->windows, start, start);
	if (!node || node->start != start ||
	    (stamp && to_iopt_window(node)->stamp != stamp)) {
		rc = -ENOENT;
		goto out_unlock;
	}
	if (interval_tree_iter_first(&iopt->areas, node->start, node->last)) {
		rc = -EBUSY;
		goto out_unlock;
	}
	iopt_window_desc(to_iopt_window(node), &desc);
	list_for_each_entry(domain, &iopt->domains, iopt_link)
		if (domain->ops->window_remove)
			domain->ops->window_remove(domain, &desc);
	interval_tree_remove(node, &iopt->windows);
	iopt->nr_windows--;
	kfree(to_iopt_window(node));
out_unlock:
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_make_windowed() - make an empty plain IOVA space a windowed one
 * @iopt: the IOVA space
 *
 * For an API that says only after the space exists that it wants windows
 * (VFIO's SPAPR container): allowed while nothing could notice the
 * change, with nothing mapped, pinned by an access or reserved, and no
 * table or device attached.
 *
 * Context: process context; iopt->windows_lock held; takes iova_rwsem.
 * Return: 0 (also if the space already was windowed), or -EBUSY.
 */
int iopt_make_windowed(struct iommufd_iopt *iopt)
{
	int rc = 0;

	lockdep_assert_held(iopt->windows_lock);

	down_write(&iopt->iova_rwsem);
	if (!iopt->windowed) {
		if (!RB_EMPTY_ROOT(&iopt->areas.rb_root) ||
		    !RB_EMPTY_ROOT(&iopt->access_pins.rb_root) ||
		    !RB_EMPTY_ROOT(&iopt->reserved.rb_root) ||
		    !list_empty(&iopt->domains) || !list_empty(&iopt->limits))
			rc = -EBUSY;
		else
			WRITE_ONCE(iopt->windowed, true);
	}
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_windows_add_domain() - prepare a domain joining the space
 * @iopt: the IOVA space
 * @domain: the domain, not yet on the space's list
 *
 * Context: iova_rwsem held for writing.
 * Return: 0, or -ERANGE (a window outside the domain's aperture),
 * -EOPNOTSUPP (a window's page size below the domain's, or one its
 * hardware lacks), -ENOSPC (more windows than its hardware has), or the
 * backend's error; on failure nothing changed.
 */
int iopt_windows_add_domain(struct iommufd_iopt *iopt,
			    struct iommufd_domain *domain)
{
	struct interval_tree_node *node, *done;
	struct iommufd_window desc;
	int rc;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	if (domain->window_caps.max_windows &&
	    iopt->nr_windows > domain->window_caps.max_windows)
		return -ENOSPC;
	for (node = interval_tree_iter_first(&iopt->windows, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		iopt_window_desc(to_iopt_window(node), &desc);
		rc = iopt_domain_accept(domain, &desc);
		if (rc)
			return rc;
	}
	if (!domain->ops->window_add)
		return 0;

	for (node = interval_tree_iter_first(&iopt->windows, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		iopt_window_desc(to_iopt_window(node), &desc);
		rc = domain->ops->window_add(domain, &desc);
		if (rc)
			goto err_remove;
	}
	return 0;

err_remove:
	for (done = interval_tree_iter_first(&iopt->windows, 0, ULONG_MAX);
	     done != node; done = interval_tree_iter_next(done, 0, ULONG_MAX)) {
		iopt_window_desc(to_iopt_window(done), &desc);
		domain->ops->window_remove(domain, &desc);
	}
	return rc;
}

/**
 * iopt_windows_remove_domain() - undo iopt_windows_add_domain()
 * @iopt: the IOVA space
 * @domain: the domain, with nothing mapped
 *
 * Context: iova_rwsem held for writing.
 */
void iopt_windows_remove_domain(struct iommufd_iopt *iopt,
				struct iommufd_domain *domain)
{
	struct interval_tree_node *node;
	struct iommufd_window desc;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	if (!domain->ops->window_remove)
		return;
	for (node = interval_tree_iter_first(&iopt->windows, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		iopt_window_desc(to_iopt_window(node), &desc);
		domain->ops->window_remove(domain, &desc);
	}
}

/**
 * iopt_windows_destroy() - free the windows of a space being destroyed
 * @iopt: the IOVA space; nothing is attached to it any more
 */
void iopt_windows_destroy(struct iommufd_iopt *iopt)
{
	struct interval_tree_node *node;

	WARN_ON(!list_empty(&iopt->limits));
	while ((node = interval_tree_iter_first(&iopt->windows, 0,
						ULONG_MAX))) {
		interval_tree_remove(node, &iopt->windows);
		kfree(to_iopt_window(node));
	}
	iopt->nr_windows = 0;
}

/**
 * iopt_windows_read() - describe the windows of a space
 * @iopt: the IOVA space
 * @out: room for @max descriptions, filled in IOVA order
 * @max: entries of @out
 *
 * Context: iova_rwsem held.
 * Return: the number of windows, which may exceed @max.
 */
unsigned long iopt_windows_read(struct iommufd_iopt *iopt,
				struct iommufd_window *out, unsigned long max)
{
	struct interval_tree_node *node;
	unsigned long n = 0;

	lockdep_assert_held(&iopt->iova_rwsem);

	for (node = interval_tree_iter_first(&iopt->windows, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX), n++)
		if (n < max)
			iopt_window_desc(to_iopt_window(node), &out[n]);
	return n;
}

/*
 * Would a device with @caps accept every window of @iopt? With
 * @dev_limits, the device's list of limits, also check the windows against
 * those it has in its other IOASes, except @leaving.
 */
int iopt_limits_check_locked(struct iommufd_iopt *iopt,
			     const struct iommufd_window_caps *caps,
			     struct list_head *dev_limits,
			     const struct iommufd_iopt *leaving)
{
	struct interval_tree_node *node;
	struct iommufd_window desc;
	unsigned int n = iopt->nr_windows;
	bool clash = false;
	int rc;

	lockdep_assert_held(&iopt->iova_rwsem);

	if (dev_limits)
		n += iopt_sibling_windows(dev_limits, iopt, leaving, 0, 0,
					  NULL);
	if (caps->max_windows && n > caps->max_windows)
		return -ENOSPC;
	for (node = interval_tree_iter_first(&iopt->windows, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		iopt_window_desc(to_iopt_window(node), &desc);
		rc = iopt_caps_accept(caps, &desc);
		if (rc)
			return rc;
		if (dev_limits)
			iopt_sibling_windows(dev_limits, iopt, leaving,
					     desc.start, desc.last, &clash);
		if (clash)
			return -EEXIST;
	}
	return 0;
}

/**
 * iopt_limits_check() - would a device accept every window of the space?
 * @iopt: the IOVA space
 * @caps: the device's capabilities
 *
 * Only the device's hardware is looked at, not its other IOASes.
 *
 * Context: process context; takes iova_rwsem.
 * Return: 0, or -ENOSPC, -ERANGE, -EOPNOTSUPP as for iopt_window_add().
 */
int iopt_limits_check(struct iommufd_iopt *iopt,
		      const struct iommufd_window_caps *caps)
{
	int rc;

	down_read(&iopt->iova_rwsem);
	rc = iopt_limits_check_locked(iopt, caps, NULL, NULL);
	up_read(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_limits_add() - a device enters the space
 * @iopt: the IOVA space
 * @owner: the device; the same cookie it reserves its ranges with
 * @caps: its capabilities, copied
 * @dev_limits: the device's list of its limits in every space it is in
 * @leaving: a space the device is about to leave, whose windows are not
 *           held against this one's; NULL for none
 *
 * Context: process context; iopt->windows_lock held; takes iova_rwsem.
 * Return: 0, or the errors of iopt_limits_check(), -EEXIST if a window
 * overlaps one of the device's other spaces, -ENOSPC if they have too
 * many windows together, or -ENOMEM; on failure nothing changed.
 */
int iopt_limits_add(struct iommufd_iopt *iopt, const void *owner,
		    const struct iommufd_window_caps *caps,
		    struct list_head *dev_limits,
		    const struct iommufd_iopt *leaving)
{
	struct iopt_limits *limits;
	int rc;

	lockdep_assert_held(iopt->windows_lock);

	if (WARN_ON(!caps->nr_apertures ||
		    caps->nr_apertures > IOMMUFD_MAX_APERTURES))
		return -EINVAL;
	limits = kzalloc(sizeof(*limits), GFP_KERNEL_ACCOUNT);
	if (!limits)
		return -ENOMEM;
	limits->owner = owner;
	limits->caps = *caps;
	limits->iopt = iopt;
	limits->dev_limits = dev_limits;

	down_write(&iopt->iova_rwsem);
	rc = iopt_limits_check_locked(iopt, caps, dev_limits, leaving);
	if (!rc) {
		list_add_tail(&limits->link, &iopt->limits);
		list_add_tail(&limits->dev_link, dev_limits);
	}
	up_write(&iopt->iova_rwsem);
	if (rc)
		kfree(limits);
	return rc;
}

/**
 * iopt_limits_remove() - undo iopt_limits_add()
 * @iopt: the IOVA space
 * @owner: as given to iopt_limits_add()
 *
 * Context: process context; iopt->windows_lock held; takes iova_rwsem.
 */
void iopt_limits_remove(struct iommufd_iopt *iopt, const void *owner)
{
	struct iopt_limits *limits, *next;

	lockdep_assert_held(iopt->windows_lock);

	down_write(&iopt->iova_rwsem);
	list_for_each_entry_safe(limits, next, &iopt->limits, link) {
		if (limits->owner != owner)
			continue;
		list_del(&limits->link);
		list_del(&limits->dev_link);
		kfree(limits);
	}
	up_write(&iopt->iova_rwsem);
}

/*
 * Page sizes a window may have in the intersection of @a and @b. An
 * aperture without IOMMU_APERTURE_ONE_PAGE_SIZE takes any power of two from
 * its smallest size on, so against one with the flag only the latter's
 * sizes from that minimum on remain; between two without it, the common
 * native sizes remain and the larger minimum becomes the smallest size.
 */
static unsigned long iopt_pgsizes_meet(const struct iommufd_aperture *a,
				       const struct iommufd_aperture *b)
{
	unsigned long min_a = iopt_lowest_pgsize(a->pgsizes);
	unsigned long min_b = iopt_lowest_pgsize(b->pgsizes);
	unsigned long floor = max(min_a, min_b);
	unsigned long sizes;

	if (!min_a || !min_b)
		return 0;
	if (a->flags & IOMMU_APERTURE_ONE_PAGE_SIZE)
		sizes = a->pgsizes;
	else
		sizes = ~(min_a - 1);
	if (b->flags & IOMMU_APERTURE_ONE_PAGE_SIZE)
		sizes &= b->pgsizes;
	else
		sizes &= ~(min_b - 1);
	if ((a->flags | b->flags) & IOMMU_APERTURE_ONE_PAGE_SIZE)
		return sizes;
	return (a->pgsizes & b->pgsizes & ~(floor - 1)) | floor;
}

static u32 iopt_min_nonzero(u32 a, u32 b)
{
	if (!a || !b)
		return a | b;
	return min(a, b);
}

/**
 * iopt_caps_meet() - narrow window capabilities to what others also offer
 * @acc: capabilities of some hardware; narrowed in place
 * @in: capabilities of other hardware
 */
void iopt_caps_meet(struct iommufd_window_caps *acc,
		    const struct iommufd_window_caps *in)
{
	struct iommufd_window_caps out = {
		.max_windows = iopt_min_nonzero(acc->max_windows,
						in->max_windows),
	};
	const struct iommufd_aperture *a, *b;
	struct iommufd_aperture *o;
	unsigned int i, j;

	for (i = 0; i != acc->nr_apertures; i++) {
		for (j = 0; j != in->nr_apertures; j++) {
			a = &acc->apertures[i];
			b = &in->apertures[j];
			if (out.nr_apertures == IOMMUFD_MAX_APERTURES)
				break;
			o = &out.apertures[out.nr_apertures];
			o->start = max(a->start, b->start);
			o->last = min(a->last, b->last);
			o->flags = a->flags | b->flags;
			o->max_levels = min(a->max_levels, b->max_levels);
			o->pgsizes = iopt_pgsizes_meet(a, b);
			if (o->start > o->last || !o->pgsizes)
				continue;
			if ((a->flags & IOMMU_APERTURE_FIXED_START &&
			     o->start != a->start) ||
			    (b->flags & IOMMU_APERTURE_FIXED_START &&
			     o->start != b->start))
				continue;
			out.nr_apertures++;
		}
	}
	*acc = out;
}

static bool iopt_owner_is_limited(struct iommufd_iopt *iopt,
				  const void *owner)
{
	struct iopt_limits *limits;

	list_for_each_entry(limits, &iopt->limits, link)
		if (limits->owner == owner)
			return true;
	return false;
}

/**
 * iopt_limits_caps() - what windows every attached device offers together
 * @iopt: the IOVA space
 * @caps: set to the intersection of the devices' capabilities, or to one
 *        aperture covering everything if no device is attached
 * @fn: called with iova_rwsem held for reading for each range the devices
 *      reserve, in increasing order of start (ranges may overlap)
 * @opaque: passed to @fn
 *
 * Context: process context; takes iova_rwsem for reading.
 * Return: 0, or what @fn returned.
 */
int iopt_limits_caps(struct iommufd_iopt *iopt,
		     struct iommufd_window_caps *caps, iopt_range_fn fn,
		     void *opaque)
{
	struct interval_tree_node *node;
	struct iopt_limits *limits;
	int rc = 0;

	down_read(&iopt->iova_rwsem);
	memset(caps, 0, sizeof(*caps));
	caps->nr_apertures = 1;
	caps->apertures[0].last = ULONG_MAX;
	caps->apertures[0].pgsizes = ULONG_MAX;
	list_for_each_entry(limits, &iopt->limits, link) {
		if (list_is_first(&limits->link, &iopt->limits))
			*caps = limits->caps;
		else
			iopt_caps_meet(caps, &limits->caps);
	}

	for (node = interval_tree_iter_first(&iopt->reserved, 0, ULONG_MAX);
	     node && !rc; node = interval_tree_iter_next(node, 0, ULONG_MAX))
		if (iopt_owner_is_limited(iopt,
					  container_of(node, struct iopt_span,
						       node)->owner))
			rc = fn(node->start, node->last, opaque);
	up_read(&iopt->iova_rwsem);
	return rc;
}
