/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The test command and the mock backend, present with CONFIG_IOMMUFD_TEST.
 *
 * They enter the core at two points only, both here: the test command's
 * entry in main.c's table of commands (IOMMUFD_TEST_IOCTLS) and its object
 * type's entry in object.c's table of types (IOMMUFD_TEST_OBJECT_TYPES).
 * Without CONFIG_IOMMUFD_TEST both are empty; the mock backend registers
 * itself like any other (iommufd_test_init()).
 */
#ifndef __IOMMUFD_SELFTEST_H
#define __IOMMUFD_SELFTEST_H

#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
#include "iommufd_test.h"

struct iommufd_object;
struct iommufd_ucmd;

/* The ioctl table's name for the test command, for IOMMUFD_IOCTL(). */
#define IOMMUFD_CMD_TEST_CMD _IOC_NR(IOMMU_TEST_CMD)
/* Expanded inside main.c's table, where IOMMUFD_IOCTL() is defined. */
#define IOMMUFD_TEST_IOCTLS \
	IOMMUFD_IOCTL(TEST_CMD, iommufd_test_cmd, iommu_test_cmd, last),
#define IOMMUFD_TEST_OBJECT_TYPES \
	[IOMMUFD_OBJ_SELFTEST] = {					\
		.name = "selftest",					\
		.destroy = iommufd_selftest_destroy,			\
	},

int iommufd_test_cmd(struct iommufd_ucmd *ucmd);
void iommufd_selftest_destroy(struct iommufd_object *obj);
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
#define IOMMUFD_TEST_IOCTLS
#define IOMMUFD_TEST_OBJECT_TYPES

static inline int iommufd_test_init(void)
{
	return 0;
}

static inline void iommufd_test_exit(void)
{
}
#endif

#endif
