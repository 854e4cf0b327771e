/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
#ifndef __IOMMUFD_VFIO_COMPAT_H
#define __IOMMUFD_VFIO_COMPAT_H

struct iommufd_ctx;

long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			unsigned long arg);

#endif
