/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
#ifndef __IOMMUFD_DEBUGFS_H
#define __IOMMUFD_DEBUGFS_H

struct iommufd_ctx;

void iommufd_debugfs_add(struct iommufd_ctx *ictx);
void iommufd_debugfs_remove(struct iommufd_ctx *ictx);
void iommufd_debugfs_init(void);
void iommufd_debugfs_exit(void);

#endif
