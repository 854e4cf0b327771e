/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Library for the /dev/iommu selftests.
 *
 * Every command has two wrappers:
 *   __name(...)  issues the ioctl and returns 0 or the errno it failed with,
 *                for tests that expect a failure;
 *   name(...)    asserts success (through the kselftest harness, so it may
 *                only be used inside a TEST or TEST_F body) and returns the
 *                interesting output.
 * Tests compare errnos with ASSERT_EQ(EXXX, __name(...)).
 */
#ifndef __IOMMUFD_UTIL_H
#define __IOMMUFD_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/iommufd.h>

#define IOMMUFD_DEV "/dev/iommu"

/* The mock IOMMU's entry in sysfs, present with CONFIG_IOMMUFD_TEST. */
#define IOMMUFD_MOCK_SYSFS "/sys/class/iommu/iommufd_mock"

/* Issue an ioctl; 0 or the errno it failed with. */
int iommufd_ioctl(int fd, unsigned long cmd, void *arg);

int iommufd_open(void);

int __ioas_alloc(int fd, uint32_t *ioas_id);
int __iommufd_destroy(int fd, uint32_t id);

/* Assert-on-failure forms, for use inside harness tests. */
#define ioas_alloc(fd)                                                  \
	({                                                              \
		uint32_t __id = 0;                                      \
		ASSERT_EQ(0, __ioas_alloc(fd, &__id));                  \
		ASSERT_NE(0, __id);                                     \
		__id;                                                   \
	})

#define iommufd_destroy(fd, id) ASSERT_EQ(0, __iommufd_destroy(fd, id))

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#endif
