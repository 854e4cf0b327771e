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
 * @obj: object header
 * @ioas: the IOAS whose areas the table translates
 * @domain: the backend's table
 * @auto_link: entry in @ioas's list of automatic tables, where attaching a
 *             device to the IOAS looks for one it can use; under
 *             ictx->attach_lock. Empty for a table made by
 *             IOMMU_HWPT_ALLOC, and for an automatic one whose last
 *             device has left.
 * @ndevices: devices attached; under ictx->attach_lock
 * @auto_domain: created by an attach to an IOAS; destroyed when @ndevices
 *               drops to zero
 */
struct iommufd_hwpt {
	struct iommufd_object obj;
	struct iommufd_ioas *ioas;
	struct iommufd_domain *domain;
	struct list_head auto_link;
	unsigned int ndevices;
	bool auto_domain;
};

struct iommufd_hwpt *iommufd_hwpt_create(struct iommufd_ctx *ictx,
					 struct iommufd_ioas *ioas,
					 struct iommufd_hwdev *hwdev,
					 u32 flags, bool auto_domain);

#endif
