/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
#ifndef __IOMMUFD_DEVICE_H
#define __IOMMUFD_DEVICE_H

#include <linux/list.h>

#include "object.h"

struct device;
struct iommufd_domain;
struct iommufd_hwdev;
struct iommufd_window_caps;
struct iommufd_hwpt;

/**
 * struct iommufd_device - a device bound to a context
 * @obj: object header. The binder (VFIO, or the test command) holds a
 *       long-term reference, so user space cannot destroy the object; it
 *       goes away with iommufd_device_unbind().
 * @ictx: the context
 * @hwdev: the backend's view of the device
 * @hwpt: the page table the device is attached to, or NULL; under
 *        ictx->attach_lock
 * @extras: further page tables the device translates through, each of
 *          another windowed IOAS (struct iommufd_device_extra); under
 *          ictx->attach_lock, and empty while @hwpt is NULL
 * @limits: its struct iopt_limits, one per IOAS it is attached to
 *          (window.c); under ictx->attach_lock
 * @holds_ctx: the binding holds a reference on @ictx (a binder outside the
 *             context, such as VFIO)
 */
struct iommufd_device {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommufd_hwdev *hwdev;
	struct iommufd_hwpt *hwpt;
	struct list_head extras;
	struct list_head limits;
	bool holds_ctx;
};

/**
 * struct iommufd_device_extra - an extra page table of a device
 * @link: in the device's @extras
 * @hwpt: the table; the device holds a long-term reference on it
 */
struct iommufd_device_extra {
	struct list_head link;
	struct iommufd_hwpt *hwpt;
};

int iommufd_hwdev_window_caps(struct iommufd_hwdev *hwdev,
			      struct iommufd_domain *domain,
			      struct iommufd_window_caps *caps);
struct iommufd_device *__iommufd_device_bind(struct iommufd_ctx *ictx,
					     struct device *dev, u32 *id,
					     bool hold_ctx);

#endif
