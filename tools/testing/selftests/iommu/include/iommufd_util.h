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
#define IOMMUFD_MOCK_SYSFS "/sys/bus/iommufd_mock"

/* Issue an ioctl; 0 or the errno it failed with. */
int iommufd_ioctl(int fd, unsigned long cmd, void *arg);

int iommufd_open(void);

int __ioas_alloc(int fd, uint32_t *ioas_id);
int __iommufd_destroy(int fd, uint32_t id);

#define MAP_RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

/* *iova is the fixed IOVA with IOMMU_IOAS_MAP_FIXED_IOVA, else an output. */
int __ioas_map(int fd, uint32_t ioas_id, void *buf, uint64_t length,
	       uint64_t *iova, uint32_t flags);
int __ioas_unmap(int fd, uint32_t ioas_id, uint64_t iova, uint64_t length,
		 uint64_t *unmapped);
int __ioas_copy(int fd, uint32_t dst_ioas, uint64_t *dst_iova,
		uint32_t src_ioas, uint64_t src_iova, uint64_t length,
		uint32_t flags);
/* Fills up to *num ranges; *num is set to how many there are. */
int __ioas_iova_ranges(int fd, uint32_t ioas_id,
		       struct iommu_iova_range *ranges, uint32_t *num,
		       uint64_t *alignment);
int __ioas_allow_iovas(int fd, uint32_t ioas_id,
		       const struct iommu_iova_range *ranges, uint32_t num);
int __iommufd_option(int fd, uint32_t option, uint16_t op, uint32_t object,
		     uint64_t *val);

/* Process status, from /proc/self/status, in kB; -1 if absent. */
long proc_status_kb(const char *field);

/* Drop one capability from the calling process (for a forked test). */
int drop_capability(int cap);

/* Assert-on-failure forms, for use inside harness tests. */
#define ioas_alloc(fd)                                                  \
	({                                                              \
		uint32_t __id = 0;                                      \
		ASSERT_EQ(0, __ioas_alloc(fd, &__id));                  \
		ASSERT_NE(0, __id);                                     \
		__id;                                                   \
	})

#define iommufd_destroy(fd, id) ASSERT_EQ(0, __iommufd_destroy(fd, id))

/* Map at a fixed IOVA and assert success. */
#define ioas_map_fixed(fd, ioas, buf, len, iova)                          \
	({                                                                \
		uint64_t __iova = (iova);                                 \
		ASSERT_EQ(0, __ioas_map(fd, ioas, buf, len, &__iova,      \
					MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)); \
	})

/* Map at an IOVA the kernel chooses; evaluates to it. */
#define ioas_map(fd, ioas, buf, len)                                      \
	({                                                                \
		uint64_t __iova = 0;                                      \
		ASSERT_EQ(0, __ioas_map(fd, ioas, buf, len, &__iova,      \
					MAP_RW));                         \
		__iova;                                                   \
	})

/* Unmap everything; evaluates to the number of bytes unmapped. */
#define ioas_unmap_all(fd, ioas)                                          \
	({                                                                \
		uint64_t __done = 0;                                      \
		ASSERT_EQ(0, __ioas_unmap(fd, ioas, 0, UINT64_MAX,        \
					  &__done));                      \
		__done;                                                   \
	})

/* Unmap and assert that exactly @len bytes went. */
#define ioas_unmap(fd, ioas, iova, len)                                   \
	({                                                                \
		uint64_t __done = 0, __len = (len);                       \
		ASSERT_EQ(0, __ioas_unmap(fd, ioas, iova, __len, &__done)); \
		ASSERT_EQ(__len, __done);                                 \
	})

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#endif
