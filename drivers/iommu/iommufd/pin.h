/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Pinned user memory, shared by every IOAS and every /dev/iommu file.
 *
 * A struct iommufd_pin is a handle on a run of pages that stay pinned,
 * and charged to the memory lock limit, for as long as the handle exists.
 * Handles on the same memory of the same process share the pins: mapping
 * memory a second time (another area, another IOAS, a COPY, another
 * /dev/iommu file) neither pins nor charges again. How the sharing works
 * is described at the top of pin.c.
 *
 * A handle never changes. Taking part of a mapping away is done by making
 * handles on the parts that stay (iommufd_pin_slice()) and dropping the old
 * one.
 *
 * Pins come from one of two sources: the user memory of the calling process
 * (iommufd_pin_user()) or the pages of a memfd (iommufd_pin_file()).
 *
 * Locking: the handle functions take their own locks and sleep; call them
 * from process context without holding a spinlock. Their order is
 * iopin_spaces_lock -> space->mutex -> mmap_lock (see pin.c), so never call
 * them with an mmap_lock held.
 */
#ifndef __IOMMUFD_PIN_H
#define __IOMMUFD_PIN_H

#include <linux/types.h>

struct file;
struct iommufd_pin;
struct iopin_tally_range;
struct page;

/**
 * enum iommufd_account_mode - what pinned memory is charged to
 * @IOMMUFD_ACCOUNT_USER: the locked_vm of the pinning user, checked against
 *                        RLIMIT_MEMLOCK (the default, as io_uring does)
 * @IOMMUFD_ACCOUNT_MM: the locked_vm of the pinning process, checked against
 *                      RLIMIT_MEMLOCK (as the VFIO type1 driver does)
 *
 * In both modes a caller with CAP_IPC_LOCK is not charged. The values match
 * the val64 of IOMMU_OPTION_RLIMIT_MODE.
 */
enum iommufd_account_mode {
	IOMMUFD_ACCOUNT_USER,
	IOMMUFD_ACCOUNT_MM,
};

/**
 * struct iommufd_pin_stats - pinned pages of a set of handles
 * @pinned: pages pinned, each counted once
 * @charged: how many of those are charged to a locked_vm
 */
struct iommufd_pin_stats {
	u64 pinned;
	u64 charged;
};

/**
 * struct iommufd_pin_tally - the pages of handles, to be counted once each
 * @ranges: what the handles added cover, in no order
 * @nr: entries used in @ranges
 * @capacity: entries allocated
 *
 * Add handles with iommufd_pin_tally_add(), then count with
 * iommufd_pin_tally_sum() or give up with iommufd_pin_tally_free().
 */
struct iommufd_pin_tally {
	struct iopin_tally_range *ranges;
	unsigned long nr;
	unsigned long capacity;
};

/**
 * struct iommufd_pin_source - where a handle's pages come from
 * @owner: the set of pins they are part of (one per process and
 *         accounting owner, or per memfd): handles of the same @owner
 *         whose page ranges overlap share those pins
 * @ino: the inode number of the memfd, or 0 for user memory
 * @first: the first page: a virtual page number of the process, or a page
 *         index of the memfd
 * @npages: pages covered
 */
struct iommufd_pin_source {
	const void *owner;
	unsigned long ino;
	unsigned long first;
	unsigned long npages;
};

struct iommufd_pin *iommufd_pin_user(unsigned long uptr, unsigned long npages,
				     bool writable,
				     enum iommufd_account_mode mode);
struct iommufd_pin *iommufd_pin_file(struct file *file, unsigned long index,
				     unsigned long npages, bool writable,
				     enum iommufd_account_mode mode);
struct iommufd_pin *iommufd_pin_slice(struct iommufd_pin *pin,
				      unsigned long first,
				      unsigned long npages);
void iommufd_pin_put(struct iommufd_pin *pin);

unsigned long iommufd_pin_npages(struct iommufd_pin *pin);
void iommufd_pin_source(struct iommufd_pin *pin, struct iommufd_pin_source *src);
struct page *iommufd_pin_page(struct iommufd_pin *pin, unsigned long index);
unsigned long iommufd_pin_contig(struct iommufd_pin *pin, unsigned long index,
				 unsigned long max, phys_addr_t *phys);

int iommufd_pin_tally_add(struct iommufd_pin_tally *tally,
			  struct iommufd_pin *pin);
void iommufd_pin_tally_sum(struct iommufd_pin_tally *tally,
			   struct iommufd_pin_stats *out);
void iommufd_pin_tally_free(struct iommufd_pin_tally *tally);

#endif
