// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The VFIO container interface on an iommufd file.
 *
 * VFIO's group path (VFIO_GROUP_SET_CONTAINER given a /dev/iommu fd) and the
 * legacy container ioctls both need a "compat IOAS" that stands in for the
 * VFIO container. Mapping memory is not implemented yet, so no compat IOAS
 * can exist: every request to create or use one fails cleanly, and the
 * container ioctls report that no VFIO IOMMU type is available.
 */
#include <linux/iommufd.h>
#include <linux/module.h>
#include <linux/vfio.h>

#include "vfio_compat.h"

/**
 * iommufd_vfio_compat_ioas_get_id() - ID of the IOAS a VFIO container uses
 * @ictx: context
 * @out_ioas_id: set to the ID on success
 *
 * Context: process context.
 * Return: -ENODEV, as no compat IOAS exists.
 */
int iommufd_vfio_compat_ioas_get_id(struct iommufd_ctx *ictx, u32 *out_ioas_id)
{
	return -ENODEV;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_compat_ioas_get_id, IOMMUFD_VFIO);

/**
 * iommufd_vfio_compat_ioas_create() - make sure a VFIO container IOAS exists
 * @ictx: context
 *
 * Context: process context.
 * Return: -EOPNOTSUPP, as IOAS mapping is not implemented yet.
 */
int iommufd_vfio_compat_ioas_create(struct iommufd_ctx *ictx)
{
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_compat_ioas_create, IOMMUFD_VFIO);

/**
 * iommufd_vfio_compat_set_no_iommu() - use the context for VFIO no-IOMMU
 * @ictx: context
 *
 * Context: process context.
 * Return: -EOPNOTSUPP, as no-IOMMU mode is not implemented.
 */
int iommufd_vfio_compat_set_no_iommu(struct iommufd_ctx *ictx)
{
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_compat_set_no_iommu, IOMMUFD_VFIO);

/*
 * Ioctls outside iommufd's own number range. Only the two that any VFIO
 * user issues first are answered; the answer to CHECK_EXTENSION says that
 * no container IOMMU type is supported, so callers stop there.
 */
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			unsigned long arg)
{
	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return 0;
	default:
		return -ENOTTY;
	}
}
