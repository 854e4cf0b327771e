/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The IOVA space of one IOAS.
 *
 * An io_pagetable keeps four sets of IOVA ranges, each an interval tree:
 *
 *   areas     what user space mapped: each area is one MAP, MAP_FILE or one
 *             piece of a COPY, and holds a handle on the pinned pages that
 *             back it (pin.h). Areas never overlap.
 *   reserved  IOVA that may never be mapped (for instance a device's MSI
 *             window). Reserved ranges never overlap areas.
 *   allowed   if not empty, the only IOVA that automatic placement may pick
 *             (IOMMU_IOAS_ALLOW_IOVAS). Allowed ranges never overlap
 *             reserved ones. Fixed-address maps are not restricted by it.
 *   windows   in a windowed IOAS only (IOMMU_IOAS_ALLOC_WINDOWED): the
 *             only IOVA that may be mapped at all, each window with its own
 *             IO page size (window.c). Windows never overlap each other or
 *             reserved ranges, and every area lies inside one window.
 *
 * Every device attached to the IOAS leaves a struct iopt_limits on @limits:
 * the windows its hardware can have. A window is granted only if every
 * entry accepts it, and an entry is added only if it accepts every window,
 * so granted windows are never narrowed by an attach. A device attached to
 * several windowed IOASes has an entry in each, and its entries are linked
 * together, so that the windows of all its IOASes are checked as one set.
 *
 * Ranges are inclusive: [start, last]. "last + 1" may overflow at the top
 * of the address space, so code compares with last, never with an end.
 *
 * Invariants, true whenever iova_rwsem is free, and checked by
 * iopt_validate() (iopt_validate.c, with CONFIG_IOMMUFD_TEST; the
 * selftests call it after every operation and every injected failure):
 *
 *   I1  Areas do not overlap, and the pin of each covers exactly the CPU
 *       pages its bytes lie in.
 *   I2  No reserved range overlaps an area, an allowed range or a window.
 *   I3  Every area's IOVA and length are multiples of @iova_alignment, and
 *       its memory starts as far into an IO page as its IOVA does.
 *   I4  @iova_alignment is what the domains need: the largest of their
 *       smallest IO page sizes, and at least PAGE_SIZE without
 *       @large_pages.
 *   I5  Every area lies inside the aperture of every domain.
 *   I6  Windows exist only in a windowed space; they do not overlap,
 *       @nr_windows counts them, and every area lies inside one window,
 *       aligned to its IO page size.
 *   I7  Every entry of @limits, with the device's other spaces, and every
 *       domain accept every window.
 *   I8  Every access pin record in @access_pins covers mapped IOVA only.
 *
 * Pages are pinned before the IOVA lock is taken, so the lock is held only
 * for the tree updates and for the translation tables; an area becomes
 * visible, complete, in one insert.
 *
 * Translation tables (struct iommufd_domain, one per hardware page table
 * using this IOAS) mirror the areas: every area is mapped into every domain
 * on the list, from the moment it is inserted until it is removed, and a
 * domain added to the list is first filled with every existing area. A
 * domain also reserves the IOVA outside its aperture and raises
 * @iova_alignment to its smallest IO page size, so that no area it cannot
 * map can exist.
 *
 * Emulated devices (access.c) take pages of areas for themselves: each
 * struct iopt_access_pin holds its own pin handles on the pages of one
 * iommufd_access_pin_pages() call and sits in @access_pins under the IOVA
 * it was made for. An UNMAP that meets such a record asks the accesses of
 * the IOAS to let go (iommufd_access_notify_unmap()) and proceeds only
 * once the records inside its range are gone. That is the engine's one
 * call up into the layers that use it; everything else calls down.
 *
 * The engine is io_pagetable.c (areas: mapping, copying, unmapping),
 * iopt_place.c (where an area may go), iopt_domain.c (reserved and allowed IOVA, domains),
 * window.c (windows and device limits), iopt_dirty.c (dirty tracking) and
 * iopt_access.c (what emulated devices use), and iopt_report.c (a copy
 * of what a space holds, for debugfs). Only these files touch the
 * trees and iova_rwsem; everyone else calls the functions below.
 */
#ifndef __IOMMUFD_IO_PAGETABLE_H
#define __IOMMUFD_IO_PAGETABLE_H

#include <linux/interval_tree.h>
#include <linux/lockdep.h>
#include <linux/rwsem.h>
#include <linux/types.h>

#include "backend.h"
#include "pin.h"

struct file;
struct mutex;

/**
 * struct iommufd_iopt - the IOVA space of an IOAS
 * @iova_rwsem: protects every field below; writers change the trees
 * @areas: mapped ranges, struct iopt_area
 * @reserved: ranges that may not be mapped, struct iopt_span
 * @allowed: ranges automatic placement is limited to, struct iopt_span
 * @iova_alignment: required alignment of every IOVA and length, a power of
 *                  two; 1 while nothing constrains it
 * @large_pages: whether mappings may use IO page sizes above PAGE_SIZE
 *               (IOMMU_OPTION_HUGE_PAGES)
 * @domains: the struct iommufd_domain translating this space, through
 *           their iopt_link
 * @access_pins: pages emulated devices hold, struct iopt_access_pin
 * @unmapping: IOVA ranges of unmaps waiting for accesses to unpin, struct
 *             iopt_unmapping; no new access pin may start inside one
 * @windowed: only IOVA inside @windows may be mapped; set at creation, or
 *            by iopt_make_windowed() while the space is empty
 * @windows: granted windows, struct iopt_window. They change only with both
 *           @iova_rwsem and @windows_lock held, so either lock is enough to
 *           read them.
 * @nr_windows: number of entries in @windows; as @windows
 * @limits: what the attached devices accept, struct iopt_limits; changes
 *          only with both @iova_rwsem and @windows_lock held
 * @windows_lock: the attach_lock of the context the IOAS belongs to, which
 *                serializes the windows and attachments of all its IOASes
 * @last_stamp: the stamp given to the latest call that created areas or a
 *              window (see struct iopt_area); 0 is never given
 */
struct iommufd_iopt {
	struct rw_semaphore iova_rwsem;
	struct rb_root_cached areas;
	struct rb_root_cached reserved;
	struct rb_root_cached allowed;
	unsigned long iova_alignment;
	bool large_pages;
	struct list_head domains;
	struct rb_root_cached access_pins;
	struct list_head unmapping;
	bool windowed;
	struct rb_root_cached windows;
	unsigned int nr_windows;
	struct list_head limits;
	struct mutex *windows_lock; /* the context's attach_lock, see above */
	u64 last_stamp;
};

/**
 * struct iopt_window - a granted window
 * @node: IOVA range
 * @page_size: IO page size; every area inside is aligned to it and backed
 *             by memory physically contiguous at that size
 * @levels: table levels asked for, 0 for the backend's choice
 * @stamp: of the call that granted it, as for struct iopt_area
 */
struct iopt_window {
	struct interval_tree_node node;
	unsigned long page_size;
	u32 levels;
	u64 stamp;
};

/**
 * struct iopt_limits - the windows one attached device accepts
 * @link: in the IOAS's @limits
 * @dev_link: in @dev_limits
 * @dev_limits: the device's list of its entries, one per IOAS it is
 *              attached to; under the context's attach_lock
 * @iopt: the IOAS whose @limits this entry is on
 * @owner: the device, which also owns its reserved ranges
 * @caps: its hardware's capabilities
 */
struct iopt_limits {
	struct list_head link;
	struct list_head dev_link;
	struct list_head *dev_limits;
	struct iommufd_iopt *iopt;
	const void *owner;
	struct iommufd_window_caps caps;
};

/**
 * struct iopt_window_req - a window asked for
 * @exact: the window must be [@start, @start + @length)
 * @start: first IOVA, if @exact
 * @length: bytes
 * @lowest: lowest acceptable first IOVA, unless @exact
 * @highest: highest acceptable last IOVA, unless @exact
 * @align: alignment of the first IOVA, a power of two, unless @exact
 * @page_size: IO page size, a power of two
 * @levels: table levels, 0 for the backend's choice
 */
struct iopt_window_req {
	bool exact;
	unsigned long start;
	unsigned long length;
	unsigned long lowest;
	unsigned long highest;
	unsigned long align;
	unsigned long page_size;
	u32 levels;
};

/**
 * struct iopt_area - one mapped range
 * @node: IOVA range
 * @pin: pinned pages; the first byte of the range is @page_offset bytes
 *       into the pin's first page
 * @page_offset: offset of @node.start within its first page
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @writable: the pages were pinned for writing, so a COPY of this area may
 *            ask for IOMMU_WRITE
 * @batch: links the area into a caller's list while it is outside the tree
 *         (being built by a COPY, or removed by an UNMAP)
 * @stamp: which call created it: every map or copy call stamps the areas
 *         it inserts with a number of its own (areas split from them keep
 *         it), so that a call whose reply cannot be delivered takes back
 *         exactly what it made, even if other threads have changed the
 *         range meanwhile
 */
struct iopt_area {
	struct interval_tree_node node;
	struct list_head batch;
	struct iommufd_pin *pin;
	unsigned long page_offset;
	int prot;
	bool writable;
	u64 stamp;
};

/**
 * struct iopt_span - a reserved or allowed range
 * @node: IOVA range
 * @owner: who reserved it (reserved ranges only), so that it can be
 *         released with everything else the owner reserved
 */
struct iopt_span {
	struct interval_tree_node node;
	const void *owner;
};

/**
 * struct iopt_access_pin - pages one access pinned with one call
 * @node: the IOVA range asked for; in @iopt's @access_pins while @iopt is
 *        set
 * @owner_link: in the owning access's list of pins, under its lock
 * @iopt: the IOVA space the pages came from, or NULL once the access left
 *        that space with the pages still pinned (the record then only
 *        keeps the pages until the owner unpins them)
 * @npins: entries of @pins, one per area the range crosses
 * @pins: handles on the pages, in IOVA order
 */
struct iopt_access_pin {
	struct interval_tree_node node;
	struct list_head owner_link;
	struct iommufd_iopt *iopt;
	unsigned int npins;
	struct iommufd_pin *pins[] __counted_by(npins);
};

/*
 * The areas that overlap [start, last], in IOVA order: iopt_area_first(),
 * then iopt_area_next() until NULL; with iova_rwsem held.
 */
static inline struct iopt_area *iopt_area_first(struct iommufd_iopt *iopt,
						unsigned long start,
						unsigned long last)
{
	struct interval_tree_node *node;

	lockdep_assert_held(&iopt->iova_rwsem);
	node = interval_tree_iter_first(&iopt->areas, start, last);
	return node ? container_of(node, struct iopt_area, node) : NULL;
}

static inline struct iopt_area *iopt_area_next(struct iopt_area *area,
					       unsigned long start,
					       unsigned long last)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_next(&area->node, start, last);
	return node ? container_of(node, struct iopt_area, node) : NULL;
}

static inline unsigned long iopt_area_length(struct iopt_area *area)
{
	return area->node.last - area->node.start + 1;
}

/* A new stamp for the areas or the window one call creates. */
static inline u64 iopt_next_stamp(struct iommufd_iopt *iopt)
{
	lockdep_assert_held_write(&iopt->iova_rwsem);

	return ++iopt->last_stamp;
}

/**
 * struct iopt_area_report - one area, as iopt_report() copies it
 * @iova: first IOVA
 * @last: last IOVA (inclusive)
 * @page_offset: where the area starts in its first page
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @src: where its pinned pages come from
 */
struct iopt_area_report {
	unsigned long iova;
	unsigned long last;
	unsigned long page_offset;
	int prot;
	struct iommufd_pin_source src;
};

/**
 * struct iopt_report - a copy of what an IOVA space holds
 * @windowed: the space is windowed
 * @nr_domains: translation tables mirroring it
 * @nr_windows: entries of @windows
 * @windows: the windows, in IOVA order
 * @nr_areas: entries of @areas
 * @areas: the areas, in IOVA order
 */
struct iopt_report {
	bool windowed;
	unsigned int nr_domains;
	unsigned long nr_windows;
	struct iommufd_window *windows;
	unsigned long nr_areas;
	struct iopt_area_report *areas;
};

int iopt_report(struct iommufd_iopt *iopt, struct iopt_report *rep);
void iopt_report_free(struct iopt_report *rep);
unsigned long iopt_windows_read(struct iommufd_iopt *iopt,
				struct iommufd_window *out, unsigned long max);

void iopt_init(struct iommufd_iopt *iopt);
void iopt_destroy(struct iommufd_iopt *iopt);

int iopt_map_user(struct iommufd_iopt *iopt, unsigned long *iova,
		  unsigned long uptr, unsigned long length, int prot,
		  bool fixed_iova, enum iommufd_account_mode account_mode,
		  u64 *stamp);
int iopt_map_file(struct iommufd_iopt *iopt, unsigned long *iova,
		  struct file *file, unsigned long start, unsigned long length,
		  int prot, bool fixed_iova,
		  enum iommufd_account_mode account_mode, u64 *stamp);
int iopt_copy(struct iommufd_iopt *dst, unsigned long *dst_iova,
	      struct iommufd_iopt *src, unsigned long src_iova,
	      unsigned long length, int prot, bool fixed_iova, u64 *stamp);
void iopt_undo_map(struct iommufd_iopt *iopt, unsigned long start,
		   unsigned long last, u64 stamp);
/* Flags of iopt_unmap() */
enum {
	IOPT_UNMAP_ALL = 1 << 0,
	IOPT_UNMAP_EMPTY_OK = 1 << 1,
};

int iopt_unmap(struct iommufd_iopt *iopt, unsigned long start,
	       unsigned long last, unsigned int flags, unsigned long *unmapped);
int iopt_unmap_cut(struct iommufd_iopt *iopt, unsigned long start,
		   unsigned long last, unsigned long *unmapped);

/* Called for each range by iopt_walk_usable(). */
typedef int (*iopt_range_fn)(unsigned long start, unsigned long last,
			     void *opaque);

int iopt_set_allowed(struct iommufd_iopt *iopt, struct rb_root_cached *allowed);
int iopt_walk_usable(struct iommufd_iopt *iopt, iopt_range_fn fn, void *opaque);

void iopt_free_spans(struct rb_root_cached *spans);

int iopt_reserve(struct iommufd_iopt *iopt, unsigned long start,
		 unsigned long last, const void *owner);
void iopt_unreserve(struct iommufd_iopt *iopt, const void *owner);

struct iommufd_domain;
int iopt_add_domain(struct iommufd_iopt *iopt, struct iommufd_domain *domain);
void iopt_remove_domain(struct iommufd_iopt *iopt,
			struct iommufd_domain *domain);
int iopt_set_large_pages(struct iommufd_iopt *iopt, bool enable);
bool iopt_large_pages(struct iommufd_iopt *iopt);
unsigned long iopt_iova_alignment(struct iommufd_iopt *iopt);
unsigned long iopt_pgsize_bitmap(struct iommufd_iopt *iopt);
bool iopt_cache_coherent(struct iommufd_iopt *iopt);
int iopt_tally_pins(struct iommufd_iopt *iopt, struct iommufd_pin_tally *tally);

int iopt_set_dirty_tracking(struct iommufd_iopt *iopt,
			    struct iommufd_domain *domain, bool enable);
int iopt_read_dirty(struct iommufd_iopt *iopt, struct iommufd_domain *domain,
		    u64 iova, u64 length, u64 page_size, bool clear,
		    void __user *data);

struct page;
struct iopt_access_pin *iopt_access_pin(struct iommufd_iopt *iopt,
					unsigned long iova, unsigned long last,
					bool write, struct page **out_pages);
void iopt_access_detach_pin(struct iopt_access_pin *apin);
void iopt_access_unpin(struct iopt_access_pin *apin);
int iopt_access_rw(struct iommufd_iopt *iopt, unsigned long iova,
		   unsigned long last, void *data, bool write);
int iopt_nth_area_start(struct iommufd_iopt *iopt, unsigned long nth,
			unsigned long *start);

/*
 * Inside the IOVA engine only (io_pagetable.c, iopt_place.c,
 * iopt_domain.c, iopt_access.c, iopt_dirty.c, iopt_validate.c, window.c),
 * with iova_rwsem held.
 */
unsigned long iopt_range_alignment(struct iommufd_iopt *iopt,
				   unsigned long iova, unsigned long last);
bool iopt_offset_fits(unsigned long page_offset, unsigned long align);
int iopt_choose_iova(struct iommufd_iopt *iopt, unsigned long *iova,
		     unsigned long hint, unsigned long page_offset,
		     unsigned long length, bool fixed_iova);
typedef int (*iopt_area_fn)(struct iopt_area *area, void *opaque);
int iopt_walk_mapped(struct iommufd_iopt *iopt, unsigned long iova,
		     unsigned long last, iopt_area_fn fn, void *opaque);
int iopt_area_map_range(struct iommufd_iopt *iopt, struct iopt_area *area,
			struct iommufd_domain *domain, unsigned long length);
bool iopt_is_unmapping(struct iommufd_iopt *iopt, unsigned long start,
		       unsigned long last);
unsigned long iopt_needed_alignment(struct iommufd_iopt *iopt,
				    struct iommufd_domain *extra);
int iopt_domain_accept(struct iommufd_domain *domain,
		       const struct iommufd_window *window);
int iopt_limits_check_locked(struct iommufd_iopt *iopt,
			     const struct iommufd_window_caps *caps,
			     struct list_head *dev_limits,
			     const struct iommufd_iopt *leaving);

/* iopt_validate.c, with CONFIG_IOMMUFD_TEST */
int iopt_validate(struct iommufd_iopt *iopt);

/* window.c */
int iopt_window_add(struct iommufd_iopt *iopt,
		    const struct iopt_window_req *req, unsigned long *start,
		    u64 *stamp);
int iopt_window_remove(struct iommufd_iopt *iopt, unsigned long start,
		       u64 stamp);
int iopt_make_windowed(struct iommufd_iopt *iopt);
void iopt_caps_meet(struct iommufd_window_caps *acc,
		    const struct iommufd_window_caps *in);
int iopt_window_at(struct iommufd_iopt *iopt, unsigned long iova,
		   struct iommufd_window *desc);
struct iopt_window *iopt_window_find(struct iommufd_iopt *iopt,
				     unsigned long start, unsigned long last);
int iopt_windows_add_domain(struct iommufd_iopt *iopt,
			    struct iommufd_domain *domain);
void iopt_windows_remove_domain(struct iommufd_iopt *iopt,
				struct iommufd_domain *domain);
void iopt_windows_destroy(struct iommufd_iopt *iopt);
int iopt_limits_check(struct iommufd_iopt *iopt,
		      const struct iommufd_window_caps *caps);
int iopt_limits_add(struct iommufd_iopt *iopt, const void *owner,
		    const struct iommufd_window_caps *caps,
		    struct list_head *dev_limits,
		    const struct iommufd_iopt *leaving);
void iopt_limits_remove(struct iommufd_iopt *iopt, const void *owner);
int iopt_limits_caps(struct iommufd_iopt *iopt,
		     struct iommufd_window_caps *caps, iopt_range_fn fn,
		     void *opaque);

#endif
