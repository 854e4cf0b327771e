/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Hardware page tables: the objects that own a backend's translation table
 * (struct iommufd_domain) and keep it filled from one IOAS.
 *
 * A page table is created either by IOMMU_HWPT_ALLOC, and then lives until
 * IOMMU_DESTROY, or automatically when a device is attached to an IOAS that
 * has no table the device can use; such an automatic table is destroyed
 * when its last device leaves it. Either way the table holds a long-term
 * reference on its IOAS, and every attached device holds one on the table.
 *
 * A nested table (IOMMUFD_OBJ_HWPT_NESTED) is the first stage of a
 * two-stage translation, filled by user space in the hardware's format;
 * its parent, a table made with IOMMU_HWPT_ALLOC_NEST_PARENT, is the second
 * stage and keeps being filled from the parent's IOAS. A nested table has
 * no IOAS of its own: it holds a long-term reference on its parent (so
 * the parent cannot be destroyed first), and @ioas names the parent's IOAS
 * without a reference of its own, so that the device's reserved ranges and
 * limits stay in that IOAS while it moves between the parent and the
 * tables nested in it. Nested tables are never automatic and never nest.
 * A nested table made with IOMMU_HWPT_FAULT_ID_VALID also holds a
 * long-term reference on its fault queue (its domain's @fault, fault.h).
 *
 *   device --users--> nested table --users--> parent --users--> IOAS
 *                          |
 *                          +--------users--> fault queue
 */
#ifndef __IOMMUFD_HWPT_H
#define __IOMMUFD_HWPT_H

#include <linux/list.h>

#include "object.h"

struct iommufd_domain;
struct iommufd_hwdev;
struct iommufd_ioas;

/**
 * struct iommufd_hwpt - a hardware page table object
 * @obj: object header; its type is IOMMUFD_OBJ_HWPT_PAGING or
 *       IOMMUFD_OBJ_HWPT_NESTED
 * @ioas: the IOAS whose areas the table translates; a nested table's is
 *        its parent's
 * @domain: the backend's table
 * @parent: the second stage of a nested table; NULL for a paging one
 * @auto_link: entry in @ioas's list of automatic tables, where attaching a
 *             device to the IOAS looks for one it can use; under
 *             ictx->attach_lock. Empty for a table made by
 *             IOMMU_HWPT_ALLOC, and for an automatic one whose last
 *             device has left.
 * @ndevices: devices attached; under ictx->attach_lock
 * @auto_domain: created by an attach to an IOAS; destroyed when @ndevices
 *               drops to zero
 * @nest_parent: made with IOMMU_HWPT_ALLOC_NEST_PARENT: nested tables may
 *               be made on it
 */
struct iommufd_hwpt {
	struct iommufd_object obj;
	struct iommufd_ioas *ioas;
	struct iommufd_domain *domain;
	struct iommufd_hwpt *parent;
	struct list_head auto_link;
	unsigned int ndevices;
	bool auto_domain;
	bool nest_parent;
};

/* The table that translates @hwpt's output: its parent if it is nested. */
static inline struct iommufd_hwpt *iommufd_hwpt_stage2(struct iommufd_hwpt *hwpt)
{
	return hwpt->parent ?: hwpt;
}

struct iommufd_hwpt *iommufd_hwpt_create(struct iommufd_ctx *ictx,
					 struct iommufd_ioas *ioas,
					 struct iommufd_hwdev *hwdev,
					 u32 flags, bool auto_domain);

#endif
