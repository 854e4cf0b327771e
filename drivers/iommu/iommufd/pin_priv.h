/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The pin layer's own structures, shared by its files: pin.c (spaces,
 * extents, making and dropping handles; its top comment explains them),
 * pin_source.c (user memory and memfds) and pin_read.c (reading handles
 * and tallying them). Nothing outside the
 * pin layer includes this; the rest of the driver uses pin.h.
 */
#ifndef __IOMMUFD_PIN_PRIV_H
#define __IOMMUFD_PIN_PRIV_H

#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/interval_tree.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/shmem_fs.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "account.h"
#include "pin_pages.h"

/**
 * struct iopin_space - the pins of one accounting owner
 * @hnode: entry in iopin_spaces, keyed by @acct.mm
 * @refs: one per handle and one per extent
 * @acct: the owner; holds a reference on its mm_struct and user
 * @file: the memfd whose pages the space pins, with a reference held; NULL
 *        for the user memory of @acct.mm
 * @mutex: protects @extents, @npinned, @fills and the extents' @users,
 *         @npinned and @pinning
 * @extents: struct iopin_extent by virtual page number; stale extents may
 *           linger until a walk meets them
 * @npinned: pages pinned by all extents of the space
 * @fills: extents whose pinning has ended, success or not
 * @fill_wait: requests waiting for @fills to move
 */
struct iopin_space {
	struct hlist_node hnode;
	refcount_t refs;
	struct iommufd_acct acct;
	struct file *file;
	struct mutex mutex;	/* see above */
	struct rb_root_cached extents;
	unsigned long npinned;
	unsigned long fills;
	wait_queue_head_t fill_wait;
};

/**
 * struct iopin_extent - the result of pinning one range of virtual pages
 * @node: [first, last] virtual page number of the range
 * @notifier: watches the range for invalidations
 * @space: the space it belongs to, which it holds a reference on
 * @pages: pinned page of each virtual page, valid while the page has a
 *         user (pin_pages.h)
 * @users: for each page, how many segments of handles use it besides
 *         those counted in @whole (see iopin_users()); for a large extent,
 *         NULL (all zero) until a segment that does not cover all of it
 *         uses it, as most extents are only ever used whole
 * @whole: segments of handles that cover every page of the extent
 * @npinned: pages that have a user
 * @dead_item: on a local list of extents to free once the mutex is dropped
 * @inline_arrays: @pages and @users share the extent's own allocation
 * @writable: pinned with FOLL_WRITE
 * @pinning: its pages are being pinned, without the space's mutex; other
 *           requests for them wait (iopin_wait_fill()) instead of pinning
 *           them a second time
 * @unpin_on_free: every page lost its last user at once; they are unpinned
 *                 when the extent is freed, after the space's mutex is
 *                 released, so that a large unmap does not hold it
 * @in_tree: @node is in @space's tree
 * @stale: the range was invalidated since it was pinned; set by the
 *         notifier, never cleared once the extent is in use
 */
struct iopin_extent {
	struct interval_tree_node node;
	struct mmu_interval_notifier notifier;
	struct iopin_space *space;
	struct iopin_pages pages;
	u32 *users;
	u32 whole;
	unsigned long npinned;
	struct list_head dead_item;
	bool inline_arrays;
	bool writable;
	bool pinning;
	bool unpin_on_free;
	bool in_tree;
	bool stale;
};

/**
 * struct iopin_seg - pages of one extent used by a handle
 * @ext: the extent
 * @index: where the segment starts in the handle
 * @first: where the segment starts in the extent
 * @npages: length of the segment
 */
struct iopin_seg {
	struct iopin_extent *ext;
	unsigned long index;
	unsigned long first;
	unsigned long npages;
};

/**
 * struct iommufd_pin - a handle on pinned pages
 * @space: the space of every extent used; the handle holds a reference
 * @npages: pages covered, the sum of the segments' lengths
 * @nsegs: segments in use
 * @capacity: segments allocated
 * @segs: the segments, in handle order; @inline_segs until they outgrow it
 * @inline_segs: room for the segments of a small handle, which most are
 */
struct iommufd_pin {
	struct iopin_space *space;
	unsigned long npages;
	unsigned long nsegs;
	unsigned long capacity;
	struct iopin_seg *segs;
	struct iopin_seg inline_segs[2];
};

static inline unsigned long iopin_extent_npages(const struct iopin_extent *ext)
{
	return ext->node.last - ext->node.start + 1;
}

/* Index in @pin->segs of the segment holding page @index of the handle. */
static inline unsigned long iopin_find_seg(const struct iommufd_pin *pin,
					   unsigned long index)
{
	return iopin_last_at_most(pin->segs, pin->nsegs, index);
}

/* How many segments use page @index of @ext; it is pinned while not 0. */
static inline u32 iopin_users(const struct iopin_extent *ext, unsigned long index)
{
	return ext->whole + (ext->users ? ext->users[index] : 0);
}

/* Does a segment of @npages from @first cover all of @ext? */
static inline bool iopin_covers(const struct iopin_extent *ext,
				unsigned long first, unsigned long npages)
{
	return !first && npages == iopin_extent_npages(ext);
}

/*
 * The seals of a memfd: a shmem or hugetlbfs file. A hugetlbfs inode keeps
 * its own, in a structure that exists only with CONFIG_HUGETLBFS.
 */
static inline unsigned int iopin_file_seals(struct file *file)
{
	struct inode *inode = file_inode(file);

#ifdef CONFIG_HUGETLBFS
	if (is_file_hugepages(file))
		return READ_ONCE(HUGETLBFS_I(inode)->seals);
#endif
	return READ_ONCE(SHMEM_I(inode)->seals);
}

/* pin.c */
struct iommufd_pin *iopin_pin_range(enum iommufd_account_mode mode,
				    struct file *file, unsigned long first,
				    unsigned long last, bool writable);

/* pin_source.c; with the space's mutex held where the caller says so */
int iopin_watch(struct iopin_extent *ext);
void iopin_unwatch(struct iopin_extent *ext);
int iopin_pin(struct iopin_extent *ext);
void iopin_unpin(struct iopin_extent *ext, unsigned long first,
		 unsigned long npages);
bool iopin_page_current(const struct iopin_extent *ext, unsigned long index);
bool iopin_extent_upgrade(struct iopin_extent *ext);

#endif
