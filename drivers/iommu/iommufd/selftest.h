/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The test command and the mock backend, present with CONFIG_IOMMUFD_TEST.
 */
#ifndef __IOMMUFD_SELFTEST_H
#define __IOMMUFD_SELFTEST_H

#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
#include "iommufd_test.h"

struct iommufd_ucmd;

int iommufd_test_cmd(struct iommufd_ucmd *ucmd);
int iommufd_test_create_access(struct iommufd_ucmd *ucmd,
			       struct iommu_test_cmd *cmd);
int iommufd_test_access_replace_ioas(struct iommufd_ucmd *ucmd,
				     struct iommu_test_cmd *cmd);
int iommufd_test_access_pages(struct iommufd_ucmd *ucmd,
			      struct iommu_test_cmd *cmd);
int iommufd_test_destroy_access_pages(struct iommufd_ucmd *ucmd,
				      struct iommu_test_cmd *cmd);
int iommufd_test_access_rw(struct iommufd_ucmd *ucmd,
			   struct iommu_test_cmd *cmd);
int iommufd_test_init(void);
void iommufd_test_exit(void);
#else
static inline int iommufd_test_init(void)
{
	return 0;
}

static inline void iommufd_test_exit(void)
{
}
#endif

#endif
