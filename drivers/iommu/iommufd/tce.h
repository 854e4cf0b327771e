/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * What the two files of the TCE backend share: tce.c (the backend: devices,
 * domains and their software copies of the TCEs, attaching) and tce_hw.c
 * (the hypervisor's side). The theory of operation is at the top of tce.c.
 */
#ifndef __IOMMUFD_TCE_H
#define __IOMMUFD_TCE_H

#include <linux/bits.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/xarray.h>
#include <asm/iommu.h>
#include <asm/tce.h>

#include "backend.h"

/* Slots of a table group: the default window and the dynamic one. */
#define TCE_SLOT_DEFAULT	0
#define TCE_SLOT_DDW		1
#define TCE_NR_SLOTS		IOMMU_TABLE_GROUP_MAX_TABLES

/* Where PAPR platforms place a dynamic DMA window. */
#define TCE_DDW_START		BIT(59)

/* Levels of the tables the platform builds (pSeries: flat tables). */
#define TCE_LEVELS		1

/* Entries of a software copy: physical 4 KiB frame and TCE_PCI_* bits. */
#define TCE_COPY_PERM		(TCE_PCI_READ | TCE_PCI_WRITE)
#define TCE_COPY_SHIFT		2

/**
 * struct tce_window - one window of a domain
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 * @shift: log2 of the IO page size
 * @copy: the TCEs, by entry number from @start; xa_mk_value() of the
 *        physical address in 4 KiB units, shifted by TCE_COPY_SHIFT, ORed
 *        with TCE_PCI_* bits. An unmapped entry that was mapped before
 *        holds XA_ZERO_ENTRY, which lookups and iteration see as empty,
 *        so that the nodes stay: like the levels of a hardware page table,
 *        they are freed with the window, and a map and unmap cycle neither
 *        allocates nor frees (under RCU) a node each time.
 * @tbl: the platform's table while the window exists in the hypervisor,
 *       with a reference of ours
 */
struct tce_window {
	unsigned long start;
	unsigned long last;
	unsigned int shift;
	struct xarray copy;
	struct iommu_table *tbl;
};

struct tce_group;

/**
 * struct tce_domain - the windows of an IOAS for one table group
 * @base: what the core sees
 * @tg: the table group the windows are for
 * @group: its IOMMU group, referenced
 * @win: the windows, by slot; NULL for a slot not in use
 * @grp: the group state while the domain is attached, as main or extra
 *       domain, else NULL
 * @extra_users: devices of @grp that have the domain as an extra domain
 * @extra_link: in @grp's extras while @extra_users is not 0
 */
struct tce_domain {
	struct iommufd_domain base;
	struct iommu_table_group *tg;
	struct iommu_group *group;
	struct tce_window *win[TCE_NR_SLOTS];
	struct tce_group *grp;
	unsigned int extra_users;
	struct list_head extra_link;
};

/**
 * struct tce_group - a table group with bound devices
 * @base: the bookkeeping every backend shares, in tce_groups;
 *        @base.nattached counts the devices attached to @main
 * @tg: its table group
 * @main: the domain the attached devices translate through, or NULL
 * @extras: extra domains of the devices (struct tce_domain.extra_link)
 * @live: the windows that exist in the hypervisor, by slot
 */
struct tce_group {
	struct iommufd_hwgroup base;
	struct iommu_table_group *tg;
	struct tce_domain *main;
	struct list_head extras;
	struct tce_window *live[TCE_NR_SLOTS];
};

/**
 * struct tce_dev - a device bound through this backend
 * @base: what the core sees
 * @grp: its table group's state
 * @attached: the device counts in @grp->base.nattached
 */
struct tce_dev {
	struct iommufd_hwdev base;
	struct tce_group *grp;
	bool attached;
};

/* Entries of one H_PUT_TCE_INDIRECT: one 4 KiB page of them. */
#define TCE_LIST_ENTRIES	512

/**
 * struct tce_batch - consecutive TCEs of a window on their way to the
 *                    hypervisor, in tce_list
 * @win: the window, in the hypervisor
 * @first: entry number of tce_list[0], from the window's start
 * @n: entries in tce_list
 * @rc: 0, or -EIO once a call failed; later entries are not written
 */
struct tce_batch {
	struct tce_window *win;
	unsigned long first;
	unsigned int n;
	int rc;
};

/* Protects everything of the backend; see tce.c. */
extern struct mutex tce_lock;

static inline u64 tce_copy_entry(phys_addr_t paddr, int prot)
{
	u64 perm = 0;

	if (prot & IOMMU_READ)
		perm |= TCE_PCI_READ;
	if (prot & IOMMU_WRITE)
		perm |= TCE_PCI_WRITE;
	return ((paddr >> 12) << TCE_COPY_SHIFT) | perm;
}

static inline phys_addr_t tce_copy_paddr(u64 entry)
{
	return (phys_addr_t)(entry >> TCE_COPY_SHIFT) << 12;
}

/* tce_hw.c */
int tce_hw_init(void);
void tce_hw_exit(void);
void tce_batch_add(struct tce_batch *b, unsigned long index, u64 entry);
int tce_batch_end(struct tce_batch *b);
void tce_hw_clear(struct tce_window *win, unsigned long index,
		  unsigned long n);
int tce_group_program(struct tce_group *grp);
void tce_group_restore(struct tce_group *grp);
void tce_domain_relink(struct tce_domain *dom, struct tce_group *grp);
struct tce_group *tce_group_get(struct iommu_group *group,
				struct iommu_table_group *tg);
void tce_group_put(struct tce_group *grp);

/* tce_eeh.c, with CONFIG_IOMMUFD_SPAPR_EEH */
struct vfio_eeh_pe_op;
bool tce_eeh_enabled(void);
int tce_eeh_pe_op(struct iommu_group *group, const struct vfio_eeh_pe_op *op);

#endif
