/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * What the IOVA window tests (iommufd_window, iommufd_window_model) share:
 * sizes, requests of IOMMU_IOAS_WINDOW_ADD and their checks, the IOVA
 * ranges and IOMMU_WINDOW_CAPS of an IOAS, mock devices and what every
 * fixture has.
 *
 * The checks have two forms, as the commands of iommufd_util.h do:
 *   __name(...)  returns 0 if the check holds; else, having printed to
 *                stderr what was expected and what was found, nonzero: the
 *                errno of an ioctl that failed, else -1;
 *   name(...)    asserts that __name(...) returns 0 (through the kselftest
 *                harness, so it may only be used inside a TEST or TEST_F
 *                body or a fixture's setup), failing at the caller's line.
 */
#ifndef __WINDOW_UTIL_H
#define __WINDOW_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "iommufd_util.h"

#define PSZ ((uint64_t)getpagesize())
#define SZ_1M (1024ULL * 1024)
#define SZ_2M (2 * SZ_1M)
#define SZ_16M (16 * SZ_1M)
#define SZ_1G (1024 * SZ_1M)
#define SZ_4G (4 * SZ_1G)
#define BUF_SIZE (128 * PSZ)
#define MAP_FIXED_RW (MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)
#define EXACT IOMMU_IOAS_WINDOW_EXACT
/* An IO page size no model translates with natively, above the CPU page */
#define ODD_PAGE (2 * PSZ)

#define MODEL_VTD MOCK_FLAGS_DEVICE_MODEL_VTD
#define MODEL_SMMU MOCK_FLAGS_DEVICE_MODEL_SMMU
#define MODEL_PPC MOCK_FLAGS_DEVICE_MODEL_PPC

/* The request of IOMMU_IOAS_WINDOW_ADD, from designated initializers */
#define WIN(...) ((struct iommu_ioas_window_add){ __VA_ARGS__ })

/* @size bytes of anonymous memory, every byte written; NULL on failure. */
void *alloc_buffer(size_t size);

/* [start, start + len) as a range */
struct iommu_iova_range span(uint64_t start, uint64_t len);

/* Does [iova, iova + length) lie in [start, start + size)? */
bool inside(uint64_t iova, uint64_t length, uint64_t start, uint64_t size);

/*
 * The ID the next object gets, into *@id: it shows whether a refusal left
 * one.
 */
int __next_id(int fd, uint32_t *id);

/* Evaluates to the ID the next object gets. */
#define next_id(fd)                                                       \
	({                                                                \
		uint32_t __next = 0;                                      \
		ASSERT_EQ(0, __next_id(fd, &__next));                     \
		__next;                                                   \
	})

/* Map @length bytes of @buf at the fixed @iova; 0 or the errno. */
int map_at(int fd, uint32_t ioas, void *buf, uint64_t length, uint64_t iova);

/* IOMMU_IOAS_IOVA_RANGES */

/*
 * Is the usable IOVA of @ioas exactly @want (ascending)? The kernel may
 * report windows that touch as one range or as several, so touching ranges
 * are joined on both sides before comparing.
 */
int __check_ranges(int fd, uint32_t ioas, const struct iommu_iova_range *want,
		   unsigned int nwant);

/* Assert that the usable IOVA of @ioas is exactly the ranges given. */
#define check_ranges(fd, ioas, ...)                                       \
	do {                                                              \
		const struct iommu_iova_range __want[] = { __VA_ARGS__ }; \
		ASSERT_EQ(0, __check_ranges(fd, ioas, __want,             \
					    ARRAY_SIZE(__want)));         \
	} while (0)

/* Has @ioas no usable IOVA at all? */
int __check_no_ranges(int fd, uint32_t ioas);

#define check_no_ranges(fd, ioas) ASSERT_EQ(0, __check_no_ranges(fd, ioas))

/* IOMMU_IOAS_WINDOW_ADD and IOMMU_IOAS_WINDOW_REMOVE */

/*
 * Ask for window @cmd in @ioas; *@iova, if not NULL, receives the start
 * granted. An exact window granted anywhere but where it was asked for
 * gives -1, which no test expects.
 */
int win_add(int fd, uint32_t ioas, struct iommu_ioas_window_add cmd,
	    uint64_t *iova);

/* The exact window [iova, iova + length), with CPU-sized IO pages. */
int add_exact(int fd, uint32_t ioas, uint64_t iova, uint64_t length);

/*
 * Is request @cmd refused with @err (as win_add() gives it), leaving the
 * IOVA ranges of @ioas as they were?
 */
int __add_refused(int fd, uint32_t ioas, struct iommu_ioas_window_add cmd,
		  int err);

/* Assert that the request of the WIN() fields given is refused with @err. */
#define add_refused(fd, ioas, err, ...)                                   \
	ASSERT_EQ(0, __add_refused(fd, ioas, WIN(__VA_ARGS__), err))

/* Give back the window of @ioas that starts at @iova, and assert success. */
#define remove_window(fd, ioas, iova) ioas_window_remove(fd, ioas, iova)

/* IOMMU_WINDOW_CAPS */

#define MAX_CAPS 4

/* What IOMMU_WINDOW_CAPS reports for an object (up to MAX_CAPS of each). */
struct caps {
	uint32_t max_windows;
	uint32_t num_apertures;
	uint32_t num_reserved;
	struct iommu_window_aperture apertures[MAX_CAPS];
	struct iommu_iova_range reserved[MAX_CAPS];
};

/* The byte the arrays given to the kernel are filled with beforehand. */
#define CAPS_POISON 0xa5

/* Is every byte of [p, p + len) still CAPS_POISON? */
bool poisoned(const void *p, size_t len);

/*
 * The caps of object @id, into @c: the counts alone first (EMSGSIZE unless
 * both are 0, and at most MAX_CAPS each), then into arrays larger than
 * needed, of which the kernel may write only what it counts, and the same
 * counts again.
 */
int __get_caps(int fd, uint32_t id, struct caps *c);

#define get_caps(fd, id, c) ASSERT_EQ(0, __get_caps(fd, id, c))

/* Are caps @got @want, entry by entry? */
int __check_caps(const struct caps *got, const struct caps *want);

#define check_caps(got, want) ASSERT_EQ(0, __check_caps(got, want))

/* Append an aperture to @c. */
void set_aperture(struct caps *c, uint64_t start, uint64_t last,
		  uint64_t page_sizes, uint32_t flags, uint32_t max_levels);

/* What an IOAS offers with no device attached: everything. */
void no_device_caps(struct caps *c);

/* Mock devices */

/*
 * A mock device of model @dev_flags on @ioas, with IDs that are not 0; the
 * pointers to them may be NULL.
 */
int __attach_model(int fd, uint32_t ioas, uint32_t dev_flags, uint32_t *stdev,
		   uint32_t *hwpt, uint32_t *idev);

#define attach_model(fd, ioas, dev_flags, stdev, hwpt, idev)              \
	ASSERT_EQ(0, __attach_model(fd, ioas, dev_flags, stdev, hwpt, idev))

/* Fixtures */

/*
 * What every fixture has: a windowed IOAS, an ordinary one, a buffer, and
 * maybe a mock device on the windowed IOAS.
 */
struct env {
	int fd;
	uint32_t ioas;
	uint32_t plain;
	uint32_t stdev;
	uint32_t hwpt;
	uint32_t idev;
	char *buf;
};

/*
 * Open the file, make both IOASes (with IDs that are not 0) and the buffer
 * of BUF_SIZE bytes.
 */
int __env_open(struct env *e);

#define env_open(e) ASSERT_EQ(0, __env_open(e))

/* Free the buffer and close the file, with everything in it. */
void env_close(struct env *e);

#endif
