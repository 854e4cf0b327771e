// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/* ioctl wrappers for the /dev/iommu selftests; see iommufd_util.h. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iommufd_util.h"

int iommufd_ioctl(int fd, unsigned long cmd, void *arg)
{
	if (ioctl(fd, cmd, arg))
		return errno;
	return 0;
}

int iommufd_open(void)
{
	return open(IOMMUFD_DEV, O_RDWR);
}

int __ioas_alloc(int fd, uint32_t *ioas_id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);
	if (!rc)
		*ioas_id = cmd.out_ioas_id;
	return rc;
}

int __iommufd_destroy(int fd, uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return iommufd_ioctl(fd, IOMMU_DESTROY, &cmd);
}
