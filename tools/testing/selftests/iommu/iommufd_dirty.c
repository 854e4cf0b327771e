// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Dirty tracking on mock page tables: IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
 * IOMMU_HWPT_SET_DIRTY_TRACKING and IOMMU_HWPT_GET_DIRTY_BITMAP, with
 * IOMMU_TEST_OP_DIRTY playing the device that writes.
 *
 * Each test has a buffer of BUF_PAGES CPU pages mapped at the start of the
 * mock aperture, a plain mock device on the IOAS, and a page table made
 * for dirty tracking from that device. The mock's IO page is half a CPU
 * page, so bitmaps with a bit per IO page (MOCK_PSZ) and per CPU page are
 * both read. Bitmaps are u64 arrays on the stack, poisoned where the kernel
 * must not write.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"

#define PSZ ((uint64_t)getpagesize())
#define MOCK_PSZ (PSZ / 2)
#define BUF_PAGES 64
#define NBITS (2 * BUF_PAGES)		/* bits per MOCK_PSZ over the buffer */
#define WORDS (NBITS / 64)
#define IOVA(n) ((uint64_t)MOCK_APERTURE_START + (uint64_t)(n) * MOCK_PSZ)
#define NO_CLEAR IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR

FIXTURE(dirty) {
	int fd;
	uint32_t ioas;
	uint32_t stdev;
	uint32_t idev;
	uint32_t hwpt;		/* made for dirty tracking */
	uint32_t plain_hwpt;	/* the device's automatic one, without */
	void *buf;
};

FIXTURE_SETUP(dirty)
{
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	self->fd = iommufd_open();
	ASSERT_LE(0, self->fd);
	self->buf = mmap(NULL, BUF_PAGES * PSZ, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 0x5a, BUF_PAGES * PSZ);
	self->ioas = ioas_alloc(self->fd);
	ioas_map_fixed(self->fd, self->ioas, self->buf, BUF_PAGES * PSZ,
		       IOVA(0));
	mock_domain(self->fd, self->ioas, &self->stdev, &self->plain_hwpt,
		    &self->idev);
	ASSERT_EQ(0, __hwpt_alloc(self->fd, self->idev, self->ioas,
				  IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				  &self->hwpt));
}

FIXTURE_TEARDOWN(dirty)
{
	munmap(self->buf, BUF_PAGES * PSZ);
	close(self->fd);
}

/* The bitmap with bits @bits set, of @n bits; -1 ends the list. */
static void set_bits(uint64_t *map, unsigned int words, const int *bits)
{
	memset(map, 0, words * sizeof(*map));
	for (; *bits >= 0; bits++)
		map[*bits / 64] |= 1ULL << (*bits % 64);
}

/* Mark the IO pages of @bits written, as a device would. */
static void __mark(struct __test_metadata *_metadata, int fd, uint32_t hwpt,
		   const int *bits, uint64_t want_nr)
{
	uint64_t map[WORDS], nr = ~0ULL;

	set_bits(map, WORDS, bits);
	mock_dirty(fd, hwpt, IOVA(0), NBITS * MOCK_PSZ, MOCK_PSZ, map, &nr);
	ASSERT_EQ(want_nr, nr);
}

#define BITS(...) ((const int[]){ __VA_ARGS__, -1 })
#define mark(hwpt, want_nr, ...)                                          \
	__mark(_metadata, self->fd, hwpt, BITS(__VA_ARGS__), want_nr)

/*
 * Read the whole buffer's record, a bit per IO page, with @flags, and
 * assert that exactly @bits are set.
 */
static void __expect(struct __test_metadata *_metadata, int fd, uint32_t hwpt,
		     uint32_t flags, const int *bits, int line)
{
	uint64_t got[WORDS + 1], want[WORDS];
	unsigned int i;

	set_bits(want, WORDS, bits);
	memset(got, 0, sizeof(got));
	got[WORDS] = 0xa5a5a5a5a5a5a5a5ULL;
	ASSERT_EQ(0, __get_dirty_bitmap(fd, hwpt, IOVA(0), NBITS * MOCK_PSZ,
					MOCK_PSZ, got, flags)) {
		TH_LOG("read of line %d", line);
	}
	for (i = 0; i != WORDS; i++) {
		ASSERT_EQ(want[i], got[i]) {
			TH_LOG("word %u, read of line %d", i, line);
		}
	}
	ASSERT_EQ(0xa5a5a5a5a5a5a5a5ULL, got[WORDS]);
}

#define NONE (-1)
#define expect(hwpt, flags, ...)                                          \
	__expect(_metadata, self->fd, hwpt, flags, BITS(__VA_ARGS__), __LINE__)

TEST_F(dirty, capability)
{
	uint32_t stdev, idev, hwpt, next;
	uint64_t caps = 0;

	caps = get_hw_caps(self->fd, self->idev);
	ASSERT_EQ(IOMMU_HW_CAP_DIRTY_TRACKING, caps);

	/* A device without it: no capability, no such table, no attach. */
	mock_domain_flags(self->fd, self->ioas, MOCK_FLAGS_DEVICE_NO_DIRTY,
			  &stdev, NULL, &idev);
	caps = get_hw_caps(self->fd, idev);
	ASSERT_EQ(0, caps);
	next = ioas_alloc(self->fd);
	iommufd_destroy(self->fd, next);
	ASSERT_EQ(EOPNOTSUPP, __hwpt_alloc(self->fd, idev, self->ioas,
					   IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					   &hwpt));
	ASSERT_EQ(EINVAL, __mock_domain_flags(self->fd, self->hwpt,
					      MOCK_FLAGS_DEVICE_NO_DIRTY,
					      NULL, NULL, NULL));
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, next));

	/* One that has it shares the table. */
	mock_domain(self->fd, self->hwpt, &stdev, &hwpt, NULL);
	ASSERT_EQ(self->hwpt, hwpt);
}

TEST_F(dirty, set_refused)
{
	struct iommu_hwpt_set_dirty_tracking cmd = {
		.size = sizeof(cmd),
		.flags = 2,
		.hwpt_id = self->hwpt,
	};
	uint64_t one[WORDS] = {};

	/* A table not made for it, or no table at all. */
	ASSERT_EQ(EOPNOTSUPP, __set_dirty_tracking(self->fd, self->plain_hwpt,
						   true));
	ASSERT_EQ(ENOENT, __set_dirty_tracking(self->fd, self->ioas, true));
	ASSERT_EQ(ENOENT, __set_dirty_tracking(self->fd, 0, true));
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(self->fd,
					    IOMMU_HWPT_SET_DIRTY_TRACKING,
					    &cmd));
	/* __reserved is ignored, as upstream does: turning off succeeds. */
	cmd.flags = 0;
	cmd.hwpt_id = self->hwpt;
	cmd.__reserved = 1;
	ASSERT_EQ(0, iommufd_ioctl(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING,
				   &cmd));

	/* None of that turned tracking on. */
	mark(self->hwpt, 0, 0);
	/* The test command marks only tables made for dirty tracking. */
	one[0] = 1;
	ASSERT_EQ(EINVAL, __mock_dirty(self->fd, self->plain_hwpt, IOVA(0),
				       NBITS * MOCK_PSZ, MOCK_PSZ, one, NULL));
}

/* Writes are recorded only while tracking is on; reading clears them. */
TEST_F(dirty, record)
{
	uint64_t map[WORDS];

	mark(self->hwpt, 0, 1, 2);
	expect(self->hwpt, 0, NONE);

	set_dirty_tracking(self->fd, self->hwpt, true);
	mark(self->hwpt, 3, 0, 5, NBITS - 1);
	expect(self->hwpt, NO_CLEAR, 0, 5, NBITS - 1);
	expect(self->hwpt, 0, 0, 5, NBITS - 1);
	expect(self->hwpt, 0, NONE);

	/* Writes add up between reads. */
	mark(self->hwpt, 1, 7);
	mark(self->hwpt, 2, 7, 8);
	expect(self->hwpt, 0, 7, 8);

	/* Turning it off keeps the record; on again clears it. */
	mark(self->hwpt, 1, 9);
	set_dirty_tracking(self->fd, self->hwpt, false);
	mark(self->hwpt, 0, 10);
	expect(self->hwpt, NO_CLEAR, 9);
	set_dirty_tracking(self->fd, self->hwpt, true);
	expect(self->hwpt, 0, NONE);

	/* Bits of clean blocks are left as they were. */
	mark(self->hwpt, 1, 4);
	memset(map, 0xff, sizeof(map));
	get_dirty_bitmap(self->fd, self->hwpt, IOVA(0), NBITS * MOCK_PSZ,
			 MOCK_PSZ, map, 0);
	ASSERT_EQ(~0ULL, map[0]);
	expect(self->hwpt, 0, NONE);
}

/* A bit per CPU page, and a range inside the mapping. */
TEST_F(dirty, granularity)
{
	uint64_t map[2];

	set_dirty_tracking(self->fd, self->hwpt, true);
	mark(self->hwpt, 4, 1, 6, 7, 40);

	/* IO pages 1, 6 and 7 are in CPU pages 0 and 3; 40 is in 20. */
	memset(map, 0, sizeof(map));
	get_dirty_bitmap(self->fd, self->hwpt, IOVA(0), BUF_PAGES * PSZ, PSZ,
			 map, NO_CLEAR);
	ASSERT_EQ((1ULL << 0) | (1ULL << 3) | (1ULL << 20), map[0]);

	/* From CPU page 3 on, for 16 pages: bit 0 is page 3. */
	memset(map, 0, sizeof(map));
	get_dirty_bitmap(self->fd, self->hwpt, IOVA(6), 16 * PSZ, PSZ, map, 0);
	ASSERT_EQ(1ULL << 0, map[0]);

	/* That read cleared only its range. */
	expect(self->hwpt, 0, 1, 40);
}

TEST_F(dirty, read_refused)
{
	struct iommu_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.hwpt_id = self->hwpt,
		.iova = IOVA(0),
		.length = PSZ,
		.page_size = MOCK_PSZ,
	};
	const uint64_t len = NBITS * MOCK_PSZ;
	uint64_t map[2 * WORDS] = {};

	set_dirty_tracking(self->fd, self->hwpt, true);
	mark(self->hwpt, 2, 0, 3);
	cmd.data = (uintptr_t)map;

	/* Tables that cannot, objects that are not tables. */
	ASSERT_EQ(EOPNOTSUPP, __get_dirty_bitmap(self->fd, self->plain_hwpt,
						 IOVA(0), len, MOCK_PSZ, map,
						 0));
	ASSERT_EQ(ENOENT, __get_dirty_bitmap(self->fd, self->ioas, IOVA(0),
					     len, MOCK_PSZ, map, 0));
	cmd.flags = 2;
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(self->fd,
					    IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd));
	cmd.flags = 0;
	cmd.__reserved = 1;
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(self->fd,
					    IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd));

	/* Lengths and bit sizes. */
	ASSERT_EQ(EINVAL, __get_dirty_bitmap(self->fd, self->hwpt, IOVA(0), 0,
					     MOCK_PSZ, map, 0));
	ASSERT_EQ(EINVAL, __get_dirty_bitmap(self->fd, self->hwpt, IOVA(0),
					     len, 0, map, 0));
	ASSERT_EQ(EINVAL, __get_dirty_bitmap(self->fd, self->hwpt, IOVA(0),
					     len, 3 * MOCK_PSZ, map, 0));
	ASSERT_EQ(EINVAL, __get_dirty_bitmap(self->fd, self->hwpt, IOVA(1),
					     len - MOCK_PSZ, PSZ, map, 0));
	ASSERT_EQ(EINVAL, __get_dirty_bitmap(self->fd, self->hwpt, IOVA(0),
					     len - MOCK_PSZ, PSZ, map, 0));
	/* Bits finer than the IO page, on a range that is not whole ones. */
	ASSERT_EQ(EINVAL, __get_dirty_bitmap(self->fd, self->hwpt,
					     IOVA(0) + MOCK_PSZ / 2, MOCK_PSZ,
					     MOCK_PSZ / 2, map, 0));
	ASSERT_EQ(EOVERFLOW, __get_dirty_bitmap(self->fd, self->hwpt,
						-MOCK_PSZ, 2 * MOCK_PSZ,
						MOCK_PSZ, map, 0));

	/* Past the mapping, and across a hole to another mapping. */
	ASSERT_EQ(EINVAL, __get_dirty_bitmap(self->fd, self->hwpt, IOVA(0),
					     len + PSZ, MOCK_PSZ, map, 0));
	ioas_map_fixed(self->fd, self->ioas, self->buf, PSZ, IOVA(NBITS + 2));
	ASSERT_EQ(EINVAL, __get_dirty_bitmap(self->fd, self->hwpt, IOVA(0),
					     len + 2 * PSZ, PSZ, map, 0));

	/* A bitmap that is not there. */
	ASSERT_EQ(EFAULT, __get_dirty_bitmap(self->fd, self->hwpt, IOVA(0),
					     len, MOCK_PSZ, NULL, 0));

	/* The record is as it was. */
	expect(self->hwpt, 0, 0, 3);
}

TEST_HARNESS_MAIN
