// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The IOVA space of an IOAS: inserting, copying and removing areas, and
 * mapping them into the domains. iopt_place.c says where they may go; see
 * io_pagetable.h for the data structures.
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
#include <linux/mm.h>
#include <linux/slab.h>

#include "access.h"
#include "backend.h"
#include "io_pagetable.h"
#include "pin.h"

void iopt_init(struct iommufd_iopt *iopt)
{
	init_rwsem(&iopt->iova_rwsem);
	iopt->areas = RB_ROOT_CACHED;
	iopt->reserved = RB_ROOT_CACHED;
	iopt->allowed = RB_ROOT_CACHED;
	iopt->iova_alignment = 1;
	iopt->large_pages = true;
	INIT_LIST_HEAD(&iopt->domains);
	iopt->access_pins = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&iopt->unmapping);
	iopt->windows = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&iopt->limits);
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

	/* Each page table and each access holds a reference on its IOAS. */
	WARN_ON(!list_empty(&iopt->domains));
	WARN_ON(!RB_EMPTY_ROOT(&iopt->access_pins.rb_root));

	while ((node = interval_tree_iter_first(&iopt->areas, 0, ULONG_MAX))) {
		interval_tree_remove(node, &iopt->areas);
		iopt_area_free(container_of(node, struct iopt_area, node));
	}
	iopt_free_spans(&iopt->reserved);
	iopt_free_spans(&iopt->allowed);
	iopt_windows_destroy(iopt);
}

/* Physical runs gathered on the stack for one ->map() call. */
#define IOPT_MAP_RUNS 32

/*
 * Map the first @length bytes of @area into @domain, handing the backend
 * up to IOPT_MAP_RUNS physically contiguous runs of pinned pages per call.
 * Without large pages each run is cut at page boundaries, or at those of
 * the window's IO pages if they are larger, so the backend cannot use a
 * larger IO page than it must.
 */
int iopt_area_map_range(struct iommufd_iopt *iopt, struct iopt_area *area,
			struct iommufd_domain *domain, unsigned long length)
{
	struct iommufd_phys_run runs[IOPT_MAP_RUNS];
	unsigned long byte = area->page_offset, done = 0, todo, max;
	unsigned int nr;
	int rc;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	max = ULONG_MAX;
	if (!iopt->large_pages)
		max = max(iopt_range_alignment(iopt, area->node.start,
					       area->node.last),
			  PAGE_SIZE) >> PAGE_SHIFT;

	while (done < length) {
		todo = 0;
		for (nr = 0; nr != IOPT_MAP_RUNS && done + todo < length; nr++) {
			unsigned long index = (byte + todo) >> PAGE_SHIFT;
			unsigned long skip = offset_in_page(byte + todo);
			phys_addr_t phys;
			unsigned long npages;

			npages = iommufd_pin_contig(area->pin, index, max, &phys);
			runs[nr].paddr = phys + skip;
			runs[nr].size = min((npages << PAGE_SHIFT) - skip,
					    length - done - todo);
			todo += runs[nr].size;
		}
		rc = domain->ops->map(domain, area->node.start + done, runs,
				      nr, area->prot);
		if (rc) {
			if (done)
				domain->ops->unmap(domain, area->node.start,
						   done);
			return rc;
		}
		done += todo;
		byte += todo;
	}
	return 0;
}

/* Map @area into every domain, or into none. */
static int iopt_area_map(struct iommufd_iopt *iopt, struct iopt_area *area)
{
	struct iommufd_domain *domain;
	int rc;

	list_for_each_entry(domain, &iopt->domains, iopt_link) {
		rc = iopt_area_map_range(iopt, area, domain,
					 iopt_area_length(area));
		if (rc)
			goto err_unmap;
	}
	return 0;

err_unmap:
	list_for_each_entry_continue_reverse(domain, &iopt->domains, iopt_link)
		domain->ops->unmap(domain, area->node.start,
				   iopt_area_length(area));
	return rc;
}

static void iopt_area_unmap(struct iommufd_iopt *iopt, struct iopt_area *area)
{
	struct iommufd_domain *domain;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	list_for_each_entry(domain, &iopt->domains, iopt_link)
		domain->ops->unmap(domain, area->node.start,
				   iopt_area_length(area));
}

/*
 * Can @area be mapped at [iova, iova + length)? The range must be aligned
 * as its place requires, the area's first byte must sit as far into an IO
 * page as @iova does, and inside a window with IO pages larger than
 * PAGE_SIZE every IO page must be physically contiguous.
 */
static int iopt_check_backing(struct iommufd_iopt *iopt,
			      struct iopt_area *area, unsigned long iova,
			      unsigned long length)
{
	unsigned long align, done = 0, run;
	phys_addr_t phys;

	lockdep_assert_held(&iopt->iova_rwsem);

	align = iopt_range_alignment(iopt, iova, iova + length - 1);
	if (!align)
		return -ERANGE;
	if (((iova | length) & (align - 1)) ||
	    !iopt_offset_fits(area->page_offset, align))
		return -EINVAL;
	if (align <= PAGE_SIZE)
		return 0;

	/* page_offset is 0 here, so byte N of the area is in its page N. */
	while (done < length) {
		run = iommufd_pin_contig(area->pin, done >> PAGE_SHIFT,
					 ULONG_MAX, &phys) << PAGE_SHIFT;
		if (!run || (phys & (align - 1)))
			return -EFBIG;
		if (done + run < length && (run & (align - 1)))
			return -EFBIG;
		done += run;
	}
	return 0;
}

/* Map @area at [iova, iova + length) and make it visible, or fail. */
static int iopt_insert_area(struct iommufd_iopt *iopt, struct iopt_area *area,
			    unsigned long iova, unsigned long length)
{
	int rc;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	area->node.start = iova;
	area->node.last = iova + length - 1;
	rc = iopt_area_map(iopt, area);
	if (rc)
		return rc;
	interval_tree_insert(&area->node, &iopt->areas);
	return 0;
}

/* Undo iopt_insert_area(); the caller frees the area after unlocking. */
static void iopt_remove_area(struct iommufd_iopt *iopt, struct iopt_area *area)
{
	lockdep_assert_held_write(&iopt->iova_rwsem);

	interval_tree_remove(&area->node, &iopt->areas);
	iopt_area_unmap(iopt, area);
}

/*
 * Map @length bytes starting @addr bytes into a source: the current
 * process's memory if @file is NULL (@addr is a user address), else @file
 * (@addr is a byte offset).
 */
static int iopt_map_source(struct iommufd_iopt *iopt, unsigned long *iova,
			   struct file *file, unsigned long addr,
			   unsigned long length, int prot, bool fixed_iova,
			   enum iommufd_account_mode account_mode, u64 *stamp)
{
	unsigned long first_page, end, npages;
	struct iopt_area *area;
	struct iommufd_pin *pin;
	int rc;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(addr, length, &end) || end > PAGE_ALIGN(end))
		return -EOVERFLOW;
	first_page = addr & PAGE_MASK;
	npages = (PAGE_ALIGN(end) - first_page) >> PAGE_SHIFT;

	/*
	 * Refuse a request that cannot fit before pinning anything; the check
	 * is repeated under the write lock, as the space may change meanwhile.
	 */
	down_read(&iopt->iova_rwsem);
	rc = iopt_choose_iova(iopt, iova, addr, offset_in_page(addr), length,
			      fixed_iova);
	up_read(&iopt->iova_rwsem);
	if (rc)
		return rc;

	area = kzalloc(sizeof(*area), GFP_KERNEL_ACCOUNT);
	if (!area)
		return -ENOMEM;
	if (file)
		pin = iommufd_pin_file(file, first_page >> PAGE_SHIFT, npages,
				       prot & IOMMU_WRITE, account_mode);
	else
		pin = iommufd_pin_user(first_page, npages, prot & IOMMU_WRITE,
				       account_mode);
	if (IS_ERR(pin)) {
		kfree(area);
		return PTR_ERR(pin);
	}
	area->pin = pin;
	area->page_offset = addr & ~PAGE_MASK;
	area->prot = prot;
	area->writable = prot & IOMMU_WRITE;

	down_write(&iopt->iova_rwsem);
	rc = iopt_choose_iova(iopt, iova, addr, area->page_offset, length,
			      fixed_iova);
	if (!rc)
		rc = iopt_check_backing(iopt, area, *iova, length);
	if (!rc) {
		area->stamp = iopt_next_stamp(iopt);
		rc = iopt_insert_area(iopt, area, *iova, length);
	}
	if (!rc && stamp)
		*stamp = area->stamp;
	up_write(&iopt->iova_rwsem);
	if (rc)
		iopt_area_free(area);
	return rc;
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
 * @stamp: if not NULL, set to the stamp of the new area, for
 *         iopt_undo_map()
 *
 * Pins the memory through the shared pin layer (memory already pinned by
 * its owner is not pinned again) and inserts one area.
 *
 * Context: process context, may sleep; takes iova_rwsem.
 * Return: 0, or -EINVAL (zero length, misaligned IOVA, reserved IOVA),
 * -ERANGE (in a windowed space, a fixed IOVA range not inside one window),
 * -EFBIG (memory not physically contiguous at the window's IO page size),
 * -EOVERFLOW (a range wraps), -EEXIST (fixed IOVA overlaps a mapping),
 * -ENOSPC (no room for automatic placement), -EFAULT (memory that cannot
 * be pinned), -ENOMEM (allocation or RLIMIT_MEMLOCK).
 */
int iopt_map_user(struct iommufd_iopt *iopt, unsigned long *iova,
		  unsigned long uptr, unsigned long length, int prot,
		  bool fixed_iova, enum iommufd_account_mode account_mode,
		  u64 *stamp)
{
	return iopt_map_source(iopt, iova, NULL, uptr, length, prot,
			       fixed_iova, account_mode, stamp);
}

/**
 * iopt_map_file() - map part of a memfd into an IOVA space
 * @iopt: the IOVA space
 * @iova: in: the IOVA if @fixed_iova; out: the IOVA used
 * @file: the memfd (shmem or hugetlbfs)
 * @start: byte offset in @file of the first byte
 * @length: number of bytes
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @fixed_iova: map at *@iova rather than choosing a place
 * @account_mode: how the pinned pages are charged (enum iommufd_account_mode)
 * @stamp: as for iopt_map_user()
 *
 * As iopt_map_user(), with @start playing the part of the user address in
 * the choice of an IOVA and its alignment.
 *
 * Context: process context, may sleep; takes iova_rwsem.
 * Return: as iopt_map_user(); also -EINVAL for a range past the end of
 * @file or a file that is not a memfd, -EPERM for a writable mapping of a
 * file sealed against writing.
 */
int iopt_map_file(struct iommufd_iopt *iopt, unsigned long *iova,
		  struct file *file, unsigned long start, unsigned long length,
		  int prot, bool fixed_iova,
		  enum iommufd_account_mode account_mode, u64 *stamp)
{
	return iopt_map_source(iopt, iova, file, start, length, prot,
			       fixed_iova, account_mode, stamp);
}

struct iopt_pieces {
	unsigned long first;
	unsigned long last;
	int prot;
	struct list_head *list;
};

/* One piece of a copy: the part of @area inside the source range. */
static int iopt_take_piece(struct iopt_area *area, void *opaque)
{
	struct iopt_pieces *p = opaque;
	unsigned long cur = max(area->node.start, p->first);
	unsigned long last = min(area->node.last, p->last);
	unsigned long byte, first_page, npages;
	struct iopt_area *piece;
	struct iommufd_pin *pin;

	byte = area->page_offset + (cur - area->node.start);
	first_page = byte >> PAGE_SHIFT;
	npages = ((byte + (last - cur)) >> PAGE_SHIFT) - first_page + 1;

	piece = kzalloc(sizeof(*piece), GFP_KERNEL_ACCOUNT);
	if (!piece)
		return -ENOMEM;
	pin = iommufd_pin_slice(area->pin, first_page, npages);
	if (IS_ERR(pin)) {
		kfree(piece);
		return PTR_ERR(pin);
	}
	piece->pin = pin;
	piece->page_offset = byte & ~PAGE_MASK;
	piece->prot = p->prot;
	piece->writable = area->writable;
	piece->node.start = cur;
	piece->node.last = last;
	list_add_tail(&piece->batch, p->list);
	return 0;
}

/*
 * Build the areas that will copy [src_iova, src_last] of @src into another
 * space: one per source area, each with its own handle on the same pinned
 * pages, on @pieces in IOVA order. Until they are inserted, node.start and
 * node.last hold the source range of each piece. -ENOENT if the range has
 * a hole.
 */
static int iopt_take_pieces(struct iommufd_iopt *src, unsigned long src_iova,
			    unsigned long src_last, int prot,
			    struct list_head *pieces)
{
	struct iopt_pieces p = {
		.first = src_iova, .last = src_last, .prot = prot,
		.list = pieces,
	};
	int rc;

	down_read(&src->iova_rwsem);
	rc = iopt_walk_mapped(src, src_iova, src_last, iopt_take_piece, &p);
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

/*
 * Insert every piece, shifted by @delta, or none. Inserted pieces leave
 * @pieces; after a failure they are back on it, unmapped.
 */
static int iopt_insert_pieces(struct iommufd_iopt *dst, unsigned long delta,
			      struct list_head *pieces, u64 stamp)
{
	struct iopt_area *piece, *next;
	LIST_HEAD(inserted);
	int rc = 0;

	lockdep_assert_held_write(&dst->iova_rwsem);

	list_for_each_entry_safe(piece, next, pieces, batch) {
		piece->stamp = stamp;
		rc = iopt_insert_area(dst, piece, piece->node.start + delta,
				      iopt_area_length(piece));
		if (rc)
			break;
		list_move_tail(&piece->batch, &inserted);
	}
	if (rc) {
		list_for_each_entry(piece, &inserted, batch)
			iopt_remove_area(dst, piece);
		list_splice(&inserted, pieces);
	}
	return rc;
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
 * @stamp: if not NULL, set to the stamp of the new areas, for
 *         iopt_undo_map()
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
	      unsigned long length, int prot, bool fixed_iova, u64 *stamp)
{
	struct iopt_area *piece;
	unsigned long src_last;
	u64 new_stamp;
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
	piece = list_first_entry(&pieces, struct iopt_area, batch);
	rc = iopt_choose_iova(dst, dst_iova, src_iova, piece->page_offset,
			      length, fixed_iova);
	/*
	 * Each piece must allow the access asked for and be mappable where
	 * it lands; in upstream's order, the place is checked first.
	 */
	list_for_each_entry(piece, &pieces, batch) {
		if (rc)
			break;
		if ((prot & IOMMU_WRITE) && !piece->writable)
			rc = -EPERM;
		else
			rc = iopt_check_backing(dst, piece, piece->node.start +
						*dst_iova - src_iova,
						iopt_area_length(piece));
	}
	if (!rc) {
		new_stamp = iopt_next_stamp(dst);
		rc = iopt_insert_pieces(dst, *dst_iova - src_iova, &pieces,
					new_stamp);
	}
	if (!rc && stamp)
		*stamp = new_stamp;
	up_write(&dst->iova_rwsem);
out_free:
	iopt_free_batch(&pieces);
	return rc;
}

/*
 * An IOVA range whose unmap waits for accesses to unpin; lives on the
 * stack of iopt_unmap() and in iopt->unmapping meanwhile.
 */
struct iopt_unmapping {
	struct list_head link;
	unsigned long start;
	unsigned long last;
};

/* Is an unmap of IOVA overlapping [start, last] waiting for accesses? */
bool iopt_is_unmapping(struct iommufd_iopt *iopt, unsigned long start,
		       unsigned long last)
{
	struct iopt_unmapping *busy;

	lockdep_assert_held(&iopt->iova_rwsem);

	list_for_each_entry(busy, &iopt->unmapping, link)
		if (busy->start <= last && start <= busy->last)
			return true;
	return false;
}

/*
 * The part of [start, last] that access pins cover, as one span, or false
 * if none does.
 */
static bool iopt_access_pinned(struct iommufd_iopt *iopt, unsigned long start,
			       unsigned long last, unsigned long *span_start,
			       unsigned long *span_last)
{
	struct interval_tree_node *node;
	bool found = false;

	lockdep_assert_held(&iopt->iova_rwsem);

	for (node = interval_tree_iter_first(&iopt->access_pins, start, last);
	     node; node = interval_tree_iter_next(node, start, last)) {
		if (!found) {
			*span_start = max(node->start, start);
			*span_last = min(node->last, last);
			found = true;
			continue;
		}
		*span_start = min(*span_start, max(node->start, start));
		*span_last = max(*span_last, min(node->last, last));
	}
	return found;
}

/**
 * iopt_unmap() - remove the areas inside an IOVA range
 * @iopt: the IOVA space
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 * @flags: IOPT_UNMAP_ALL to ignore @start and @last and remove every area;
 *         IOPT_UNMAP_EMPTY_OK to accept a range that holds no area
 * @unmapped: set to the number of bytes unmapped
 *
 * Every area touching the range must lie wholly inside it, or nothing is
 * removed. If emulated devices hold pages of the range, the accesses of the
 * IOAS are told to unpin them first (iova_rwsem is dropped meanwhile, and
 * new access pins in the range are refused until this returns).
 *
 * Context: process context, may sleep; takes iova_rwsem.
 * Return: 0, or -ENOENT if an area crosses the range's edge, or if the
 * range holds no area and @flags allows neither; -EDEADLOCK if an access
 * still holds pages of the range after it was told to unpin them.
 */
int iopt_unmap(struct iommufd_iopt *iopt, unsigned long start,
	       unsigned long last, unsigned int flags, unsigned long *unmapped)
{
	struct iopt_unmapping busy = { .link = LIST_HEAD_INIT(busy.link) };
	unsigned long bytes, pin_start, pin_last;
	struct iopt_area *area, *next;
	LIST_HEAD(removed);
	int rc;

	if (flags & IOPT_UNMAP_ALL) {
		start = 0;
		last = ULONG_MAX;
		flags |= IOPT_UNMAP_EMPTY_OK;
	}

	down_write(&iopt->iova_rwsem);
again:
	rc = 0;
	bytes = 0;
	for (area = iopt_area_first(iopt, start, last); area;
	     area = iopt_area_next(area, start, last)) {
		if (area->node.start < start || area->node.last > last) {
			rc = -ENOENT;
			goto out_unlock;
		}
		bytes += iopt_area_length(area);
	}
	if (!bytes && !(flags & IOPT_UNMAP_EMPTY_OK)) {
		rc = -ENOENT;
		goto out_unlock;
	}

	if (iopt_access_pinned(iopt, start, last, &pin_start, &pin_last)) {
		/*
		 * The accesses were told already: whatever they still hold
		 * they will not give back, as no new pin could start here.
		 */
		if (!list_empty(&busy.link)) {
			rc = -EDEADLOCK;
			goto out_unlock;
		}
		busy.start = start;
		busy.last = last;
		list_add(&busy.link, &iopt->unmapping);
		up_write(&iopt->iova_rwsem);
		iommufd_access_notify_unmap(iopt, pin_start,
					    pin_last - pin_start + 1);
		down_write(&iopt->iova_rwsem);
		/* The areas may have changed meanwhile: check them again. */
		goto again;
	}

	area = iopt_area_first(iopt, start, last);
	while (area) {
		next = iopt_area_next(area, start, last);
		iopt_remove_area(iopt, area);
		list_add_tail(&area->batch, &removed);
		area = next;
	}
out_unlock:
	list_del_init(&busy.link);
	up_write(&iopt->iova_rwsem);
	iopt_free_batch(&removed);
	if (!rc)
		*unmapped = bytes;
	return rc;
}

/**
 * iopt_undo_map() - take back what one map or copy call created
 * @iopt: the IOVA space
 * @start: first IOVA the call mapped
 * @last: last IOVA it mapped (inclusive)
 * @stamp: the stamp the call was given
 *
 * For a call whose reply could not be delivered. Removes the areas of
 * [@start, @last] the call created, or pieces of them, that are still
 * there; whatever other threads unmapped or mapped there meanwhile is left
 * as they left it. An area whose pages an emulated device holds, or that
 * another unmap is busy with, stays: another thread already acts on it.
 *
 * Context: process context, may sleep; takes iova_rwsem.
 */
void iopt_undo_map(struct iommufd_iopt *iopt, unsigned long start,
		   unsigned long last, u64 stamp)
{
	struct iopt_area *area, *next;
	LIST_HEAD(removed);

	down_write(&iopt->iova_rwsem);
	for (area = iopt_area_first(iopt, start, last); area; area = next) {
		next = iopt_area_next(area, start, last);
		if (area->stamp != stamp ||
		    interval_tree_iter_first(&iopt->access_pins,
					     area->node.start,
					     area->node.last) ||
		    iopt_is_unmapping(iopt, area->node.start, area->node.last))
			continue;
		iopt_remove_area(iopt, area);
		list_add_tail(&area->batch, &removed);
	}
	up_write(&iopt->iova_rwsem);
	iopt_free_batch(&removed);
}

/*
 * Split the area holding @iova, if any, so that one area ends at iova - 1.
 * The domains are not touched: without large pages every mapping in them
 * ends at a page boundary of the pinned memory, and the cut must be at one.
 */
static int iopt_cut_at(struct iommufd_iopt *iopt, unsigned long iova)
{
	unsigned long head_len, byte, npages;
	struct iopt_area *area, *tail;
	struct iommufd_pin *head_pin;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	area = iopt_area_first(iopt, iova, iova);
	if (!area || area->node.start == iova)
		return 0;
	head_len = iova - area->node.start;
	byte = area->page_offset + head_len;
	if (iopt->large_pages || offset_in_page(byte))
		return -EINVAL;

	tail = kzalloc(sizeof(*tail), GFP_KERNEL_ACCOUNT);
	if (!tail)
		return -ENOMEM;
	npages = iommufd_pin_npages(area->pin);
	tail->pin = iommufd_pin_slice(area->pin, byte >> PAGE_SHIFT,
				      npages - (byte >> PAGE_SHIFT));
	if (IS_ERR(tail->pin))
		goto err_free;
	head_pin = iommufd_pin_slice(area->pin, 0, byte >> PAGE_SHIFT);
	if (IS_ERR(head_pin))
		goto err_put_tail;

	tail->page_offset = 0;
	tail->prot = area->prot;
	tail->writable = area->writable;
	tail->stamp = area->stamp;
	tail->node.start = iova;
	tail->node.last = area->node.last;

	interval_tree_remove(&area->node, &iopt->areas);
	iommufd_pin_put(area->pin);
	area->pin = head_pin;
	area->node.last = iova - 1;
	interval_tree_insert(&area->node, &iopt->areas);
	interval_tree_insert(&tail->node, &iopt->areas);
	return 0;

err_put_tail:
	iommufd_pin_put(tail->pin);
err_free:
	kfree(tail);
	return -ENOMEM;
}

/**
 * iopt_unmap_cut() - remove an IOVA range, splitting areas at its edges
 * @iopt: the IOVA space, with large pages off
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 * @unmapped: set to the number of bytes unmapped
 *
 * The semantics of the VFIO type1 (v1) container: areas that cross an edge
 * of the range are split first, so the range need not follow the mappings.
 *
 * Context: process context, may sleep; takes iova_rwsem.
 * Return: 0, -EINVAL if an edge is not at a page boundary of the memory
 * mapped there or large pages are on, -ENOMEM.
 */
int iopt_unmap_cut(struct iommufd_iopt *iopt, unsigned long start,
		   unsigned long last, unsigned long *unmapped)
{
	int rc;

	down_write(&iopt->iova_rwsem);
	rc = iopt_cut_at(iopt, start);
	if (!rc && last != ULONG_MAX)
		rc = iopt_cut_at(iopt, last + 1);
	up_write(&iopt->iova_rwsem);
	if (rc)
		return rc;
	return iopt_unmap(iopt, start, last, IOPT_UNMAP_EMPTY_OK, unmapped);
}

/**
 * iopt_walk_mapped() - visit the areas of a range that must be all mapped
 * @iopt: the IOVA space
 * @iova: first IOVA
 * @last: last IOVA (inclusive)
 * @fn: called for each area overlapping the range, in IOVA order, as long
 *	as no hole precedes it; a nonzero return ends the walk. May be NULL.
 * @opaque: passed to @fn
 *
 * The one place that decides whether a range is covered by areas without a
 * gap, for the callers that need it (copies, access pins, dirty reads,
 * validation).
 *
 * Context: iova_rwsem held.
 * Return: 0 if every IOVA of the range is in an area and @fn returned 0
 * for each, -ENOENT at the first hole, else what @fn returned.
 */
int iopt_walk_mapped(struct iommufd_iopt *iopt, unsigned long iova,
		     unsigned long last, iopt_area_fn fn, void *opaque)
{
	struct iopt_area *area;
	unsigned long next = iova;
	int rc;

	lockdep_assert_held(&iopt->iova_rwsem);

	for (area = iopt_area_first(iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last)) {
		if (area->node.start > next)
			return -ENOENT;
		if (fn) {
			rc = fn(area, opaque);
			if (rc)
				return rc;
		}
		if (area->node.last >= last)
			return 0;
		next = area->node.last + 1;
	}
	return -ENOENT;
}

/**
 * iopt_tally_pins() - add the pinned pages of every area to a tally
 * @iopt: the IOVA space
 * @tally: the tally (pin.h)
 *
 * Context: process context, may sleep; takes iova_rwsem.
 * Return: 0, or -ENOMEM.
 */
int iopt_tally_pins(struct iommufd_iopt *iopt, struct iommufd_pin_tally *tally)
{
	struct iopt_area *area;
	int rc = 0;

	down_read(&iopt->iova_rwsem);
	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area && !rc;
	     area = iopt_area_next(area, 0, ULONG_MAX))
		rc = iommufd_pin_tally_add(tally, area->pin);
	up_read(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_nth_area_start() - the first IOVA of the @nth area, counting from 0
 * @iopt: the IOVA space
 * @nth: which area, in IOVA order
 * @start: set to its first IOVA
 *
 * Context: process context, may sleep; takes iova_rwsem.
 * Return: 0, or -ENOENT if there are not that many areas.
 */
int iopt_nth_area_start(struct iommufd_iopt *iopt, unsigned long nth,
			unsigned long *start)
{
	struct iopt_area *area;
	int rc = -ENOENT;

	down_read(&iopt->iova_rwsem);
	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX)) {
		if (!nth--) {
			*start = area->node.start;
			rc = 0;
			break;
		}
	}
	up_read(&iopt->iova_rwsem);
	return rc;
}
