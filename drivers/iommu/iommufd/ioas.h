/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
#ifndef __IOMMUFD_IOAS_H
#define __IOMMUFD_IOAS_H

#include "io_pagetable.h"
#include "object.h"

/**
 * struct iommufd_ioas - an IO address space
 * @obj: object header; an IOAS is created by IOMMU_IOAS_ALLOC and destroyed
 *       by IOMMU_DESTROY or when its file is closed
 * @iopt: its IOVA space and what is mapped there
 * @auto_hwpts: automatic page tables translating it (struct iommufd_hwpt
 *              auto_link); under ictx->attach_lock
 * @access_lock: protects @accesses and @access_seq
 * @accesses: the accesses attached to it (struct iommufd_access_link
 *            node), in the order they were attached, i.e. of rising seq
 * @access_seq: the seq given to the access attached last
 */
struct iommufd_ioas {
	struct iommufd_object obj;
	struct iommufd_iopt iopt;
	struct list_head auto_hwpts;
	struct mutex access_lock; /* see above */
	struct list_head accesses;
	u64 access_seq;
};

struct iommufd_ioas *iommufd_ioas_new(struct iommufd_ctx *ictx);
struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx, u32 id);
void iommufd_put_ioas(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas);
int iommufd_ctx_pin_stats(struct iommufd_ctx *ictx,
			  struct iommufd_pin_stats *stats);

#endif
