/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Accesses: how emulated devices reach an IOAS (the API is in
 * include/linux/iommufd.h, the implementation in access.c).
 */
#ifndef __IOMMUFD_ACCESS_H
#define __IOMMUFD_ACCESS_H

#include "object.h"

struct iommufd_ioas;
struct iommufd_iopt;

/**
 * struct iommufd_access_link - an access's entry in an IOAS's list
 * @node: in the IOAS's accesses, under its access_lock; empty when unused
 * @access: the access
 * @ioas: the IOAS whose list @node is on
 * @seq: the position in that list, under its access_lock
 *
 * An access has two, so that replace can join the new IOAS's list before
 * it leaves the old one's, and no unmap of either misses the access.
 */
struct iommufd_access_link {
	struct list_head node;
	struct iommufd_access *access;
	struct iommufd_ioas *ioas;
	u64 seq;
};

/**
 * struct iommufd_access - an emulated device's way into an IOAS
 * @obj: object header. The driver holds a long-term reference, so user
 *       space cannot destroy the object; iommufd_access_destroy() does.
 * @ictx: the context, on which the access holds a reference
 * @ops: the driver's callbacks
 * @data: passed to @ops
 * @change_lock: serializes attach, replace and detach, which call the
 *               driver's unmap callback under it
 * @lock: protects @ioas and @pins
 * @ioas: the IOAS attached to, or NULL; it holds a long-term reference
 * @links: entries in the lists of @ioas and, during replace, of the IOAS
 *         being left; under @change_lock
 * @pins: what the driver pinned and has not unpinned yet (struct
 *        iopt_access_pin owner_link), including records left behind in an
 *        IOAS the access has since left
 */
struct iommufd_access {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	const struct iommufd_access_ops *ops;
	void *data;
	struct mutex change_lock; /* see above */
	struct mutex lock; /* see above */
	struct iommufd_ioas *ioas;
	struct iommufd_access_link links[2];
	struct list_head pins;
};

void iommufd_access_notify_unmap(struct iommufd_iopt *iopt, unsigned long iova,
				 unsigned long length);
int iommufd_access_nth_area(struct iommufd_access *access, unsigned long nth,
			    unsigned long *start);

#endif
