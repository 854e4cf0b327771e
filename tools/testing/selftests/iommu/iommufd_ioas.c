// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * IO address spaces: MAP, UNMAP, COPY, IOVA_RANGES, ALLOW_IOVAS, OPTION,
 * and the pinned-page accounting shared by every IOAS. Every refused
 * request is checked to leave the IOAS as it was.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"

#define BUF_SIZE (256 * PSZ)
#define PSZ ((uint64_t)getpagesize())
#define MAP_FIXED_RW (MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)

static void *alloc_buffer(size_t size)
{
	void *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		return NULL;
	memset(buf, 0xa5, size);
	return buf;
}

FIXTURE(ioas) {
	int fd;
	uint32_t ioas;
	void *buf;
};

FIXTURE_SETUP(ioas)
{
	self->fd = iommufd_open();
	ASSERT_LE(0, self->fd);
	self->ioas = ioas_alloc(self->fd);
	self->buf = alloc_buffer(BUF_SIZE);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(ioas)
{
	munmap(self->buf, BUF_SIZE);
	close(self->fd);
}

TEST_F(ioas, map_fixed_unmap)
{
	uint64_t iova = 16 * PSZ;

	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, iova);
	ioas_unmap(self->fd, self->ioas, iova, 4 * PSZ);
	/* Nothing is left there. */
	ASSERT_EQ(ENOENT, __ioas_unmap(self->fd, self->ioas, iova, 4 * PSZ,
				       NULL));
}

TEST_F(ioas, map_auto_iova)
{
	uint64_t a, b;

	a = ioas_map(self->fd, self->ioas, self->buf, 8 * PSZ);
	b = ioas_map(self->fd, self->ioas, self->buf, 8 * PSZ);
	ASSERT_NE(0, a);
	ASSERT_EQ(0, a % PSZ);
	ASSERT_EQ(0, b % PSZ);
	/* Disjoint. */
	ASSERT_TRUE(a + 8 * PSZ <= b || b + 8 * PSZ <= a);
	ioas_unmap(self->fd, self->ioas, a, 8 * PSZ);
	ioas_unmap(self->fd, self->ioas, b, 8 * PSZ);
}

TEST_F(ioas, map_overlap_is_eexist)
{
	uint64_t base = 64 * PSZ;
	uint64_t iova;

	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, base);
	iova = base;
	ASSERT_EQ(EEXIST, __ioas_map(self->fd, self->ioas, self->buf, PSZ,
				     &iova, MAP_FIXED_RW));
	iova = base - PSZ;
	ASSERT_EQ(EEXIST, __ioas_map(self->fd, self->ioas, self->buf,
				     2 * PSZ, &iova, MAP_FIXED_RW));
	iova = base + 3 * PSZ;
	ASSERT_EQ(EEXIST, __ioas_map(self->fd, self->ioas, self->buf,
				     2 * PSZ, &iova, MAP_FIXED_RW));
	iova = base - PSZ;
	ASSERT_EQ(EEXIST, __ioas_map(self->fd, self->ioas, self->buf,
				     8 * PSZ, &iova, MAP_FIXED_RW));
	/* Neighbours on both sides still fit. */
	ioas_map_fixed(self->fd, self->ioas, self->buf, PSZ, base - PSZ);
	ioas_map_fixed(self->fd, self->ioas, self->buf, PSZ, base + 4 * PSZ);
	/* The first mapping is intact. */
	ioas_unmap(self->fd, self->ioas, base, 4 * PSZ);
	ASSERT_EQ(2 * PSZ, ioas_unmap_all(self->fd, self->ioas));
}

TEST_F(ioas, map_bad_arguments)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = MAP_FIXED_RW,
		.ioas_id = self->ioas,
		.user_va = (uintptr_t)self->buf,
		.length = PSZ,
		.iova = 8 * PSZ,
	};
	uint64_t iova, done;

	cmd.flags = MAP_FIXED_RW | (1U << 3);
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.flags = MAP_FIXED_RW;
	cmd.__reserved = 1;
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.__reserved = 0;
	cmd.flags = IOMMU_IOAS_MAP_FIXED_IOVA;
	ASSERT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.flags = MAP_FIXED_RW;
	cmd.length = 0;
	ASSERT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.length = PSZ;
	cmd.ioas_id = self->ioas + 1;
	ASSERT_EQ(ENOENT, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.ioas_id = self->ioas;

	/* Ranges that wrap. */
	iova = UINT64_MAX - PSZ + 1;
	ASSERT_EQ(EOVERFLOW, __ioas_map(self->fd, self->ioas, self->buf,
					2 * PSZ, &iova, MAP_FIXED_RW));
	iova = 0;
	ASSERT_EQ(EOVERFLOW, __ioas_map(self->fd, self->ioas,
					(void *)(uintptr_t)(UINT64_MAX - PSZ + 1),
					2 * PSZ, &iova, MAP_FIXED_RW));
	iova = UINT64_MAX;
	ASSERT_EQ(EOVERFLOW, __ioas_map(self->fd, self->ioas, self->buf, PSZ,
					&iova, MAP_FIXED_RW));

	/* None of it left a mapping behind. */
	ASSERT_EQ(0, __ioas_unmap(self->fd, self->ioas, 0, UINT64_MAX, &done));
	ASSERT_EQ(0, done);
}

TEST_F(ioas, map_bad_memory)
{
	long pinned = proc_status_kb("VmPin");
	void *hole;
	uint64_t iova = 0;

	hole = mmap(NULL, 4 * PSZ, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(EFAULT, __ioas_map(self->fd, self->ioas, hole, 4 * PSZ,
				     &iova, MAP_RW));
	ASSERT_EQ(0, munmap(hole, 4 * PSZ));
	ASSERT_EQ(EFAULT, __ioas_map(self->fd, self->ioas, hole, 4 * PSZ,
				     &iova, MAP_RW));
	/* Memory that is partly valid: nothing stays pinned. */
	hole = alloc_buffer(4 * PSZ);
	ASSERT_NE(NULL, hole);
	ASSERT_EQ(0, munmap((char *)hole + 2 * PSZ, 2 * PSZ));
	ASSERT_EQ(EFAULT, __ioas_map(self->fd, self->ioas, hole, 4 * PSZ,
				     &iova, MAP_RW));
	ASSERT_EQ(0, munmap(hole, 2 * PSZ));
	ASSERT_EQ(pinned, proc_status_kb("VmPin"));
}

/*
 * The undo of a MAP whose reply cannot be written, racing with another
 * thread: the other thread keeps clearing the IOVA and mapping a page of
 * its own there, then unmaps that page again.
 */
struct undo_race {
	int fd;
	uint32_t ioas;
	uint64_t iova;
	void *page;		/* the other thread's memory */
	int stop;		/* read and written with __atomic */
	unsigned long rounds;	/* the other thread mapped its page */
	unsigned long lost;	/* ...and found it gone afterwards */
};

static void *undo_race_other(void *arg)
{
	struct undo_race *r = arg;
	uint64_t iova, done;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		/* Clear the IOVA: the racing MAP's two pages, if there. */
		__ioas_unmap(r->fd, r->ioas, r->iova, 2 * PSZ, &done);
		iova = r->iova;
		if (__ioas_map(r->fd, r->ioas, r->page, PSZ, &iova,
			       MAP_FIXED_RW))
			continue;
		r->rounds++;
		/*
		 * Only this thread unmaps a single page there: the page is
		 * still ours, unless an undo took it.
		 */
		if (__ioas_unmap(r->fd, r->ioas, r->iova, PSZ, &done) ||
		    done != PSZ)
			r->lost++;
	}
	return NULL;
}

/*
 * A MAP whose reply cannot be written (the command is in read-only memory)
 * fails with EFAULT and takes back what it mapped, and nothing else: not
 * the mapping another thread made at the same IOVA after unmapping the
 * first one. The window is a few instructions wide, so the test runs many
 * rounds; an undo by IOVA range lost the other thread's page about once in
 * a few hundred.
 */
TEST_F(ioas, failed_reply_undoes_only_its_map)
{
	struct undo_race r = {
		.fd = self->fd,
		.ioas = self->ioas,
		.iova = 64 * PSZ,
		.page = self->buf,
	};
	struct iommu_ioas_map *cmd;
	unsigned long efault = 0, eexist = 0, i;
	struct timespec t0, t;
	pthread_t other;
	uint64_t done;

	cmd = mmap(NULL, PSZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cmd);
	*cmd = (struct iommu_ioas_map){
		.size = sizeof(*cmd),
		.flags = MAP_FIXED_RW,
		.ioas_id = self->ioas,
		.user_va = (uintptr_t)self->buf + 2 * PSZ,
		.length = 2 * PSZ,
		.iova = r.iova,
	};
	ASSERT_EQ(0, mprotect(cmd, PSZ, PROT_READ));

	ASSERT_EQ(0, pthread_create(&other, NULL, undo_race_other, &r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i != 200000 && !r.lost; i++) {
		if (ioctl(self->fd, IOMMU_IOAS_MAP, cmd)) {
			if (errno == EFAULT)
				efault++;
			else if (errno == EEXIST)
				eexist++;
			else
				break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= 5)
			break;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(other, NULL));
	ksft_print_msg("%lu MAPs: %lu EFAULT, %lu EEXIST\n", i, efault, eexist);
	ksft_print_msg("the other thread mapped %lu times, lost %lu\n",
		       r.rounds, r.lost);
	ASSERT_EQ(0, r.lost);
	ASSERT_LT(0, efault);
	ASSERT_LT(0, r.rounds);
	/* The failed MAPs left nothing behind. */
	__ioas_unmap(self->fd, self->ioas, r.iova, 2 * PSZ, &done);
	ASSERT_EQ(0, ioas_unmap_all(self->fd, self->ioas));
	munmap(cmd, PSZ);
}

TEST_F(ioas, unmap_rules)
{
	uint64_t a = 32 * PSZ, b = 36 * PSZ, done = 1;

	/* Unmapping everything from an empty IOAS succeeds with 0 bytes. */
	ASSERT_EQ(0, __ioas_unmap(self->fd, self->ioas, 0, UINT64_MAX,
				  &done));
	ASSERT_EQ(0, done);
	ASSERT_EQ(ENOENT, __ioas_unmap(self->fd, self->ioas, a, PSZ, NULL));

	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, a);
	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, b);

	/* Cutting an area is refused, and removes nothing. */
	ASSERT_EQ(ENOENT, __ioas_unmap(self->fd, self->ioas, a, PSZ, NULL));
	ASSERT_EQ(ENOENT, __ioas_unmap(self->fd, self->ioas, a,
				       6 * PSZ, NULL));
	ASSERT_EQ(ENOENT, __ioas_unmap(self->fd, self->ioas, a + PSZ,
				       7 * PSZ, NULL));
	ASSERT_EQ(EINVAL, __ioas_unmap(self->fd, self->ioas, a, 0, NULL));
	ASSERT_EQ(EOVERFLOW, __ioas_unmap(self->fd, self->ioas, 2 * PSZ,
					  UINT64_MAX - PSZ, NULL));
	ASSERT_EQ(ENOENT, __ioas_unmap(self->fd, self->ioas + 1, a, 4 * PSZ,
				       NULL));

	/* A range covering both areas and the space around them. */
	ASSERT_EQ(0, __ioas_unmap(self->fd, self->ioas, a - PSZ, 10 * PSZ,
				  &done));
	ASSERT_EQ(8 * PSZ, done);

	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, a);
	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, b);
	ASSERT_EQ(0, __ioas_unmap(self->fd, self->ioas, 0, UINT64_MAX,
				  &done));
	ASSERT_EQ(8 * PSZ, done);
}

TEST_F(ioas, copy)
{
	uint32_t dst = ioas_alloc(self->fd);
	uint64_t a = 32 * PSZ, iova;

	/* Two adjacent source areas, copied as one range. */
	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, a);
	ioas_map_fixed(self->fd, self->ioas, (char *)self->buf + 4 * PSZ,
		       4 * PSZ, a + 4 * PSZ);

	iova = 128 * PSZ;
	ASSERT_EQ(0, __ioas_copy(self->fd, dst, &iova, self->ioas, a + PSZ,
				 6 * PSZ, MAP_FIXED_RW));
	ASSERT_EQ(128 * PSZ, iova);
	/* One area per source piece; unmapping both pieces together works. */
	ASSERT_EQ(ENOENT, __ioas_unmap(self->fd, dst, iova, 2 * PSZ, NULL));
	ioas_unmap(self->fd, dst, iova, 6 * PSZ);

	/* Automatic placement. */
	iova = 0;
	ASSERT_EQ(0, __ioas_copy(self->fd, dst, &iova, self->ioas, a,
				 8 * PSZ, MAP_RW));
	ASSERT_NE(0, iova);
	ioas_unmap(self->fd, dst, iova, 8 * PSZ);

	/* Copy within the same IOAS. */
	iova = 256 * PSZ;
	ASSERT_EQ(0, __ioas_copy(self->fd, self->ioas, &iova, self->ioas, a,
				 PSZ, MAP_FIXED_RW));
	ioas_unmap(self->fd, self->ioas, iova, PSZ);

	/* The source must be mapped throughout. */
	iova = 128 * PSZ;
	ASSERT_EQ(ENOENT, __ioas_copy(self->fd, dst, &iova, self->ioas,
				      a - PSZ, 2 * PSZ, MAP_FIXED_RW));
	ASSERT_EQ(ENOENT, __ioas_copy(self->fd, dst, &iova, self->ioas,
				      a + 7 * PSZ, 2 * PSZ, MAP_FIXED_RW));
	ASSERT_EQ(EINVAL, __ioas_copy(self->fd, dst, &iova, self->ioas, a, 0,
				      MAP_FIXED_RW));
	ASSERT_EQ(EOPNOTSUPP, __ioas_copy(self->fd, dst, &iova, self->ioas, a,
					  PSZ, MAP_FIXED_RW | (1U << 5)));
	ASSERT_EQ(ENOENT, __ioas_copy(self->fd, dst + 100, &iova, self->ioas,
				      a, PSZ, MAP_FIXED_RW));
	/* Destination overlap. */
	ioas_map_fixed(self->fd, dst, self->buf, PSZ, 128 * PSZ);
	ASSERT_EQ(EEXIST, __ioas_copy(self->fd, dst, &iova, self->ioas, a,
				      2 * PSZ, MAP_FIXED_RW));
	ioas_unmap(self->fd, dst, 128 * PSZ, PSZ);
	/* Nothing else was left in dst. */
	ASSERT_EQ(ENOENT, __ioas_unmap(self->fd, dst, 0, 1UL << 40, NULL));
}

TEST_F(ioas, copy_needs_writable_source)
{
	uint32_t dst = ioas_alloc(self->fd);
	uint64_t iova = 32 * PSZ;

	ASSERT_EQ(0, __ioas_map(self->fd, self->ioas, self->buf, 2 * PSZ,
				&iova, IOMMU_IOAS_MAP_READABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	iova = 64 * PSZ;
	ASSERT_EQ(EPERM, __ioas_copy(self->fd, dst, &iova, self->ioas,
				     32 * PSZ, 2 * PSZ, MAP_FIXED_RW));
	ASSERT_EQ(0, __ioas_copy(self->fd, dst, &iova, self->ioas, 32 * PSZ,
				 2 * PSZ, IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_FIXED_IOVA));
}

TEST_F(ioas, iova_ranges)
{
	struct iommu_iova_range ranges[4];
	uint64_t alignment = 0;
	uint32_t num = 0;

	/* Too small an array: EMSGSIZE, with the count filled in. */
	ASSERT_EQ(EMSGSIZE, __ioas_iova_ranges(self->fd, self->ioas, NULL,
					       &num, NULL));
	ASSERT_EQ(1, num);

	num = ARRAY_SIZE(ranges);
	ASSERT_EQ(0, __ioas_iova_ranges(self->fd, self->ioas, ranges, &num,
					&alignment));
	ASSERT_EQ(1, num);
	ASSERT_EQ(0, ranges[0].start);
	ASSERT_EQ(sizeof(long) == 8 ? UINT64_MAX : UINT32_MAX,
		  ranges[0].last);
	ASSERT_EQ(1, alignment);

	num = 1;
	ASSERT_EQ(ENOENT, __ioas_iova_ranges(self->fd, self->ioas + 1,
					     ranges, &num, NULL));
}

static bool iova_inside(uint64_t iova, uint64_t len,
			const struct iommu_iova_range *range)
{
	return iova >= range->start && iova + len - 1 <= range->last;
}

TEST_F(ioas, allow_iovas)
{
	struct iommu_iova_range allow[2] = {
		{ .start = 1UL << 30, .last = (1UL << 30) + 64 * PSZ - 1 },
		{ .start = 1UL << 32, .last = (1UL << 32) + 64 * PSZ - 1 },
	};
	struct iommu_iova_range bad[2];
	uint64_t iova, done;

	/* Malformed lists are refused. */
	bad[0].start = 10 * PSZ;
	bad[0].last = 10 * PSZ;
	ASSERT_EQ(EINVAL, __ioas_allow_iovas(self->fd, self->ioas, bad, 1));
	bad[0].last = 20 * PSZ;
	bad[1].start = 15 * PSZ;
	bad[1].last = 30 * PSZ;
	ASSERT_EQ(EINVAL, __ioas_allow_iovas(self->fd, self->ioas, bad, 2));
	ASSERT_EQ(EFAULT, __ioas_allow_iovas(self->fd, self->ioas, NULL, 1));

	ASSERT_EQ(0, __ioas_allow_iovas(self->fd, self->ioas, allow, 2));
	/* Automatic placement stays inside the allowed ranges. */
	iova = ioas_map(self->fd, self->ioas, self->buf, 32 * PSZ);
	ASSERT_TRUE(iova_inside(iova, 32 * PSZ, &allow[0]) ||
		    iova_inside(iova, 32 * PSZ, &allow[1]));
	/* Nothing bigger than an allowed range fits. */
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(self->fd, self->ioas, self->buf,
				     128 * PSZ, &iova, MAP_RW));
	/* Fixed addresses are not restricted (the upstream rule). */
	ioas_map_fixed(self->fd, self->ioas, self->buf, PSZ, 8 * PSZ);

	/* An empty list lifts the restriction. */
	ASSERT_EQ(0, __ioas_allow_iovas(self->fd, self->ioas, NULL, 0));
	iova = ioas_map(self->fd, self->ioas, self->buf, 128 * PSZ);
	ASSERT_EQ(0, __ioas_unmap(self->fd, self->ioas, 0, UINT64_MAX, &done));
	ASSERT_EQ((32 + 1 + 128) * PSZ, done);
}

TEST_F(ioas, option_huge_pages)
{
	uint64_t val = 7;

	iommufd_option(self->fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET,
		       self->ioas, &val);
	ASSERT_EQ(1, val);
	val = 0;
	iommufd_option(self->fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET,
		       self->ioas, &val);
	val = 7;
	iommufd_option(self->fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET,
		       self->ioas, &val);
	ASSERT_EQ(0, val);
	val = 2;
	ASSERT_EQ(EINVAL, __iommufd_option(self->fd, IOMMU_OPTION_HUGE_PAGES,
					   IOMMU_OPTION_OP_SET, self->ioas,
					   &val));
	ASSERT_EQ(EOPNOTSUPP,
		  __iommufd_option(self->fd, IOMMU_OPTION_HUGE_PAGES, 2,
				   self->ioas, &val));
	ASSERT_EQ(ENOENT,
		  __iommufd_option(self->fd, IOMMU_OPTION_HUGE_PAGES,
				   IOMMU_OPTION_OP_GET, self->ioas + 1, &val));
	ASSERT_EQ(EOPNOTSUPP,
		  __iommufd_option(self->fd, 99, IOMMU_OPTION_OP_GET,
				   self->ioas, &val));
	/* The refused SET left the value alone. */
	iommufd_option(self->fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET,
		       self->ioas, &val);
	ASSERT_EQ(0, val);
}

/*
 * With huge pages allowed and no page table, a mapping may start inside a
 * CPU page; forbidding huge pages then fails with EADDRINUSE, as the
 * documentation of IOMMU_OPTION_HUGE_PAGES says, and changes nothing.
 */
TEST_F(ioas, option_huge_pages_misaligned)
{
	uint64_t iova = 16 * PSZ + PSZ / 2, val = 0;

	ASSERT_EQ(0, __ioas_map(self->fd, self->ioas,
				(char *)self->buf + PSZ / 2, PSZ, &iova,
				MAP_FIXED_RW));
	ASSERT_EQ(EADDRINUSE,
		  __iommufd_option(self->fd, IOMMU_OPTION_HUGE_PAGES,
				   IOMMU_OPTION_OP_SET, self->ioas, &val));
	iommufd_option(self->fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET,
		       self->ioas, &val);
	ASSERT_EQ(1, val);
	ioas_unmap(self->fd, self->ioas, iova, PSZ);
	val = 0;
	iommufd_option(self->fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET,
		       self->ioas, &val);
}

TEST(option_rlimit_mode)
{
	uint64_t val = 7;
	int fd = iommufd_open();

	ASSERT_LE(0, fd);
	iommufd_option(fd, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0,
		       &val);
	ASSERT_EQ(0, val);
	val = 2;
	ASSERT_EQ(EINVAL, __iommufd_option(fd, IOMMU_OPTION_RLIMIT_MODE,
					   IOMMU_OPTION_OP_SET, 0, &val));
	val = 1;
	ASSERT_EQ(EOPNOTSUPP, __iommufd_option(fd, IOMMU_OPTION_RLIMIT_MODE,
					       IOMMU_OPTION_OP_SET, 1, &val));
	iommufd_option(fd, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0,
		       &val);
	val = 7;
	iommufd_option(fd, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0,
		       &val);
	ASSERT_EQ(1, val);

	/* Not once objects exist. */
	ioas_alloc(fd);
	val = 0;
	ASSERT_EQ(EBUSY, __iommufd_option(fd, IOMMU_OPTION_RLIMIT_MODE,
					  IOMMU_OPTION_OP_SET, 0, &val));
	/* EBUSY before EINVAL, in upstream's order. */
	val = 2;
	ASSERT_EQ(EBUSY, __iommufd_option(fd, IOMMU_OPTION_RLIMIT_MODE,
					  IOMMU_OPTION_OP_SET, 0, &val));
	close(fd);

	/* Nor without CAP_SYS_RESOURCE. */
	fd = iommufd_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, drop_capability(CAP_SYS_RESOURCE));
	val = 1;
	ASSERT_EQ(EPERM, __iommufd_option(fd, IOMMU_OPTION_RLIMIT_MODE,
					  IOMMU_OPTION_OP_SET, 0, &val));
	close(fd);
}

/*
 * Accounting. The pages pinned for a process show as VmPin; in the
 * VFIO-compatible mode (RLIMIT_MODE 1) the charge shows as VmLck.
 */
TEST_F(ioas, pin_once_across_ioases)
{
	long base = proc_status_kb("VmPin");
	long size_kb = 64 * PSZ / 1024;
	uint32_t other = ioas_alloc(self->fd);
	int fd2 = iommufd_open();
	uint32_t third;

	ASSERT_LE(0, base);
	ASSERT_LE(0, fd2);
	third = ioas_alloc(fd2);

	ioas_map_fixed(self->fd, self->ioas, self->buf, 64 * PSZ, 1UL << 30);
	ASSERT_EQ(base + size_kb, proc_status_kb("VmPin"));
	/* Separate maps of the same memory pin nothing more. */
	ioas_map_fixed(self->fd, other, self->buf, 64 * PSZ, 1UL << 30);
	ioas_map_fixed(self->fd, self->ioas, self->buf, 64 * PSZ, 1UL << 31);
	ioas_map_fixed(fd2, third, self->buf, 32 * PSZ, 1UL << 30);
	ASSERT_EQ(base + size_kb, proc_status_kb("VmPin"));

	/* Released only when the last user goes. */
	ASSERT_EQ(128 * PSZ, ioas_unmap_all(self->fd, self->ioas));
	ASSERT_EQ(base + size_kb, proc_status_kb("VmPin"));
	iommufd_destroy(self->fd, other);
	ASSERT_EQ(base + size_kb / 2, proc_status_kb("VmPin"));
	close(fd2);
	ASSERT_EQ(base, proc_status_kb("VmPin"));
}

struct racing_map {
	int fd;
	uint32_t ioas;
	void *buf;
	pthread_barrier_t *start;
	int rc;
};

static void *racing_map_thread(void *arg)
{
	struct racing_map *m = arg;
	uint64_t iova = 1UL << 30;

	pthread_barrier_wait(m->start);
	m->rc = __ioas_map(m->fd, m->ioas, m->buf, BUF_SIZE, &iova,
			   MAP_FIXED_RW);
	return NULL;
}

/*
 * Two threads map the same fresh memory at once: one of them pins it while
 * the other waits for that pin instead of pinning the pages again, so the
 * memory is still charged once, however the two interleave.
 */
TEST_F(ioas, pin_once_from_two_threads)
{
	long base = proc_status_kb("VmPin");
	uint32_t other = ioas_alloc(self->fd);
	pthread_barrier_t start;
	struct racing_map m[2] = {
		{ .fd = self->fd, .ioas = self->ioas, .buf = self->buf,
		  .start = &start },
		{ .fd = self->fd, .ioas = other, .buf = self->buf,
		  .start = &start },
	};
	pthread_t tid;
	int round;

	ASSERT_LE(0, base);
	for (round = 0; round < 20; round++) {
		pthread_barrier_init(&start, NULL, 2);
		ASSERT_EQ(0, pthread_create(&tid, NULL, racing_map_thread,
					    &m[1]));
		racing_map_thread(&m[0]);
		ASSERT_EQ(0, pthread_join(tid, NULL));
		pthread_barrier_destroy(&start);
		ASSERT_EQ(0, m[0].rc);
		ASSERT_EQ(0, m[1].rc);
		ASSERT_EQ(base + (long)(BUF_SIZE / 1024),
			  proc_status_kb("VmPin"));
		ASSERT_EQ(BUF_SIZE, ioas_unmap_all(self->fd, self->ioas));
		ASSERT_EQ(BUF_SIZE, ioas_unmap_all(self->fd, other));
		ASSERT_EQ(base, proc_status_kb("VmPin"));
	}
}

#define HUGE_2M "/sys/kernel/mm/hugepages/hugepages-2048kB/"
#define SZ_2M (2UL << 20)
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif

/* Each 4 KiB of @mem says where it is. */
static void fill_by_page(uint8_t *mem, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 4096)
		memset(mem + i, (uint8_t)(i / 4096 * 13 + 1), 4096);
}

/*
 * Memory in huge pages, which the pin layer keeps as runs of pages rather
 * than a pointer per page (pin_pages.h): the device, a copy that slices an
 * extent across huge-page boundaries, an access pin and reads across such
 * a boundary, and the read-only to writable upgrade must all see the right
 * pages; the charge is taken once; and at the end every huge page is back
 * in the pool, which it is not while a single page of it is still pinned.
 */
TEST(pin_huge_pages_as_runs)
{
	const uint64_t len = 4 * SZ_2M, cut = SZ_2M - 3 * PSZ;
	long saved = read_long(HUGE_2M "nr_hugepages"), free0, vmpin;
	uint64_t iova = MOCK_APERTURE_START, iova2 = MOCK_APERTURE_START;
	uint32_t ioas, other, hwpt, hwpt2, pin;
	uint8_t *mem, tmp[64];
	int fd, afd;

	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	if (saved < 0)
		SKIP(return, "no 2 MiB huge pages");
	write_long(HUGE_2M "nr_hugepages", saved + 4);
	free0 = read_long(HUGE_2M "free_hugepages");
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB,
		   -1, 0);
	if (mem == MAP_FAILED) {
		write_long(HUGE_2M "nr_hugepages", saved);
		SKIP(return, "no free 2 MiB huge pages");
	}
	fill_by_page(mem, len);
	vmpin = proc_status_kb("VmPin");

	fd = iommufd_open();
	ASSERT_LE(0, fd);
	ioas = ioas_alloc(fd);
	other = ioas_alloc(fd);
	mock_domain(fd, ioas, NULL, &hwpt, NULL);
	mock_domain(fd, other, NULL, &hwpt2, NULL);

	/* Read-only, then writable: the extent is made writable in place. */
	ASSERT_EQ(0, __ioas_map(fd, ioas, mem, len, &iova,
				IOMMU_IOAS_MAP_READABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	ioas_map_fixed(fd, ioas, mem, len, iova + len);
	ASSERT_EQ(vmpin + (long)(len / 1024), proc_status_kb("VmPin"));
	md_check_map(fd, hwpt, iova, mem, len);
	md_check_map(fd, hwpt, iova + len, mem, len);

	/* A copy of the middle, from 3 pages before one huge page ends. */
	ASSERT_EQ(0, __ioas_copy(fd, other, &iova2, ioas, iova + len + cut,
				 SZ_2M + 6 * PSZ, MAP_FIXED_RW));
	md_check_map(fd, hwpt2, iova2, mem + cut, SZ_2M + 6 * PSZ);

	/* An access pin and a read across the boundary of two huge pages. */
	afd = access_create(fd, ioas, MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
	pin = access_pages(fd, afd, iova + len + SZ_2M - 2 * PSZ, 4 * PSZ,
			   mem + SZ_2M - 2 * PSZ, MOCK_FLAGS_ACCESS_WRITE);
	access_rw(fd, afd, iova + len + SZ_2M - 32, tmp, sizeof(tmp), 0);
	ASSERT_EQ(0, memcmp(tmp, mem + SZ_2M - 32, sizeof(tmp)));
	access_unpin(fd, afd, pin);
	ASSERT_EQ(0, close(afd));

	/* Unmapping the first IOAS leaves the copy's pages, and only those. */
	ASSERT_EQ(2 * len, ioas_unmap_all(fd, ioas));
	md_check_map(fd, hwpt2, iova2, mem + cut, SZ_2M + 6 * PSZ);
	ASSERT_EQ(vmpin + (long)((SZ_2M + 6 * PSZ) / 1024),
		  proc_status_kb("VmPin"));

	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(vmpin, proc_status_kb("VmPin"));
	munmap(mem, len);
	ASSERT_EQ(free0, read_long(HUGE_2M "free_hugepages"));
	write_long(HUGE_2M "nr_hugepages", saved);
}

/*
 * One extent of huge pages followed by scattered small ones: the pin layer
 * records it as runs, then, once the runs would cost more than a pointer
 * per page, moves what it has to the flat form and goes on in that form
 * (pin_pages.h), across its batches of pages. Every page must still be
 * the right one, for the device and for an access, before and after a
 * copy that needs the pages again.
 */
TEST(pin_runs_then_scattered_pages)
{
	const uint64_t huge = 2 * SZ_2M, small = 2048 * PSZ;
	long saved = read_long(HUGE_2M "nr_hugepages"), free0;
	uint64_t iova = MOCK_APERTURE_START, iova2 = MOCK_APERTURE_START;
	uint32_t ioas, other, hwpt, hwpt2;
	uint8_t *area, *mem, tmp[64];
	uint64_t i;
	int fd, afd;

	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	if (saved < 0)
		SKIP(return, "no 2 MiB huge pages");
	/* Small pages only where they are asked for. */
	ASSERT_EQ(0, prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
	write_long(HUGE_2M "nr_hugepages", saved + 2);
	free0 = read_long(HUGE_2M "free_hugepages");

	/* Room for both, the huge pages aligned, the small ones right after. */
	area = mmap(NULL, huge + small + SZ_2M, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	mem = (uint8_t *)(((uintptr_t)area + SZ_2M - 1) & ~(SZ_2M - 1));
	if (mmap(mem, huge, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_HUGETLB |
		 MAP_HUGE_2MB, -1, 0) == MAP_FAILED) {
		munmap(area, huge + small + SZ_2M);
		write_long(HUGE_2M "nr_hugepages", saved);
		SKIP(return, "no free 2 MiB huge pages");
	}
	ASSERT_EQ(0, mprotect(mem + huge, small, PROT_READ | PROT_WRITE));
	/* Faulted in from the end: each small page away from the next one. */
	for (i = small; i; i -= PSZ)
		mem[huge + i - PSZ] = 0;
	fill_by_page(mem, huge + small);

	fd = iommufd_open();
	ASSERT_LE(0, fd);
	ioas = ioas_alloc(fd);
	other = ioas_alloc(fd);
	mock_domain(fd, ioas, NULL, &hwpt, NULL);
	mock_domain(fd, other, NULL, &hwpt2, NULL);

	ioas_map_fixed(fd, ioas, mem, huge + small, iova);
	md_check_map(fd, hwpt, iova, mem, huge + small);
	ASSERT_EQ(0, __ioas_copy(fd, other, &iova2, ioas, iova + huge - PSZ,
				 small, MAP_FIXED_RW));
	md_check_map(fd, hwpt2, iova2, mem + huge - PSZ, small);

	/* Reads on both sides of the last huge page's end. */
	afd = access_create(fd, ioas, 0);
	access_rw(fd, afd, iova + huge - 32, tmp, sizeof(tmp), 0);
	ASSERT_EQ(0, memcmp(tmp, mem + huge - 32, sizeof(tmp)));
	access_rw(fd, afd, iova + huge + small - 32, tmp, 32, 0);
	ASSERT_EQ(0, memcmp(tmp, mem + huge + small - 32, 32));
	ASSERT_EQ(0, close(afd));

	ASSERT_EQ(huge + small, ioas_unmap_all(fd, ioas));
	md_check_map(fd, hwpt2, iova2, mem + huge - PSZ, small);
	ASSERT_EQ(0, close(fd));
	munmap(area, huge + small + SZ_2M);
	ASSERT_EQ(free0, read_long(HUGE_2M "free_hugepages"));
	write_long(HUGE_2M "nr_hugepages", saved);
}

/*
 * Pages mapped read-only and then writable are still pinned and charged
 * once: the read-only pins become writable ones (they were counted twice).
 */
TEST_F(ioas, pin_once_read_only_then_writable)
{
	long base = proc_status_kb("VmPin");
	long size_kb = 16 * PSZ / 1024;
	uint32_t other = ioas_alloc(self->fd);
	uint64_t iova = 1UL << 30, pinned, charged;

	ASSERT_LE(0, base);
	/* Charged, so that the charge can be checked too. */
	ASSERT_EQ(0, drop_capability(CAP_IPC_LOCK));
	ASSERT_EQ(0, __ioas_map(self->fd, self->ioas, self->buf, 16 * PSZ,
				&iova, IOMMU_IOAS_MAP_READABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_EQ(base + size_kb, proc_status_kb("VmPin"));
	/* Writable, in the same IOAS and in another one. */
	ioas_map_fixed(self->fd, self->ioas, self->buf, 16 * PSZ, 1UL << 31);
	ioas_map_fixed(self->fd, other, (char *)self->buf + 8 * PSZ, 16 * PSZ,
		       1UL << 30);
	ASSERT_EQ(base + size_kb + 8 * PSZ / 1024, proc_status_kb("VmPin"));
	pin_stats(self->fd, 0, &pinned, &charged);
	ASSERT_EQ(24 * PSZ, pinned);
	ASSERT_EQ(24 * PSZ, charged);
	pin_stats(self->fd, self->ioas, &pinned, &charged);
	ASSERT_EQ(16 * PSZ, pinned);

	/* The read-only mapping keeps the pages when the others go. */
	ioas_unmap(self->fd, self->ioas, 1UL << 31, 16 * PSZ);
	iommufd_destroy(self->fd, other);
	ASSERT_EQ(base + size_kb, proc_status_kb("VmPin"));
	ASSERT_EQ(16 * PSZ, ioas_unmap_all(self->fd, self->ioas));
	ASSERT_EQ(base, proc_status_kb("VmPin"));
}

TEST_F(ioas, pin_released_on_close)
{
	long base = proc_status_kb("VmPin");

	ioas_map(self->fd, self->ioas, self->buf, BUF_SIZE);
	ASSERT_EQ(base + (long)(BUF_SIZE / 1024), proc_status_kb("VmPin"));
	close(self->fd);
	ASSERT_EQ(base, proc_status_kb("VmPin"));
	self->fd = iommufd_open();
}

TEST_F(ioas, pin_survives_fork)
{
	long base = proc_status_kb("VmPin");
	uint64_t iova = ioas_map(self->fd, self->ioas, self->buf, 16 * PSZ);
	pid_t child;
	int status;

	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(0);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(base + (long)(16 * PSZ / 1024), proc_status_kb("VmPin"));
	ioas_unmap(self->fd, self->ioas, iova, 16 * PSZ);
	ASSERT_EQ(base, proc_status_kb("VmPin"));
}

static void set_memlock(struct __test_metadata *_metadata, uint64_t bytes)
{
	struct rlimit lim = { .rlim_cur = bytes, .rlim_max = bytes };

	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &lim));
}

/* Default mode: charged to the user; over the limit is ENOMEM. */
TEST_F(ioas, rlimit_user_mode)
{
	uint32_t other = ioas_alloc(self->fd);
	long base = proc_status_kb("VmPin");
	uint64_t iova;

	ASSERT_EQ(0, drop_capability(CAP_IPC_LOCK));
	set_memlock(_metadata, 96 * PSZ);

	ioas_map_fixed(self->fd, self->ioas, self->buf, 64 * PSZ, 1UL << 30);
	/* Already pinned: no further charge, so this fits. */
	ioas_map_fixed(self->fd, other, self->buf, 64 * PSZ, 1UL << 30);
	/* 64 more distinct pages do not fit in the remaining 32. */
	iova = 0;
	ASSERT_EQ(ENOMEM, __ioas_map(self->fd, other,
				     (char *)self->buf + 64 * PSZ, 64 * PSZ,
				     &iova, MAP_RW));
	ASSERT_EQ(base + (long)(64 * PSZ / 1024), proc_status_kb("VmPin"));
	/* 32 do. */
	ioas_map(self->fd, other, (char *)self->buf + 64 * PSZ, 32 * PSZ);
	/* Freeing the charge makes room again. */
	ASSERT_EQ(64 * PSZ, ioas_unmap_all(self->fd, self->ioas));
	ASSERT_EQ(96 * PSZ, ioas_unmap_all(self->fd, other));
	ioas_map(self->fd, other, (char *)self->buf + 64 * PSZ, 96 * PSZ);
}

/* A new file in the VFIO-compatible accounting mode (RLIMIT_MODE 1). */
static int open_mm_mode(struct __test_metadata *_metadata)
{
	uint64_t val = 1;
	int fd = iommufd_open();

	ASSERT_LE(0, fd);
	iommufd_option(fd, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0,
		       &val);
	return fd;
}

/* VFIO-compatible mode: charged to the process, visible as VmLck. */
TEST(rlimit_mm_mode)
{
	long psz = getpagesize();
	void *buf = alloc_buffer(128 * psz);
	uint32_t a, b;
	uint64_t iova;
	long base;
	int fd;

	ASSERT_NE(NULL, buf);
	fd = open_mm_mode(_metadata);
	ASSERT_EQ(0, drop_capability(CAP_IPC_LOCK));
	set_memlock(_metadata, 96 * psz);
	a = ioas_alloc(fd);
	b = ioas_alloc(fd);
	base = proc_status_kb("VmLck");

	ioas_map_fixed(fd, a, buf, 64 * psz, 1UL << 30);
	ASSERT_EQ(base + 64 * psz / 1024, proc_status_kb("VmLck"));
	ioas_map_fixed(fd, b, buf, 64 * psz, 1UL << 30);
	ASSERT_EQ(base + 64 * psz / 1024, proc_status_kb("VmLck"));
	iova = 0;
	ASSERT_EQ(ENOMEM, __ioas_map(fd, b, (char *)buf + 64 * psz, 64 * psz,
				     &iova, MAP_RW));
	ASSERT_EQ(base + 64 * psz / 1024, proc_status_kb("VmLck"));

	ASSERT_EQ(64 * psz, ioas_unmap_all(fd, a));
	ASSERT_EQ(base + 64 * psz / 1024, proc_status_kb("VmLck"));
	ASSERT_EQ(64 * psz, ioas_unmap_all(fd, b));
	ASSERT_EQ(base, proc_status_kb("VmLck"));
	close(fd);
}

/* CAP_IPC_LOCK: pinned, but not charged. */
TEST(cap_ipc_lock_is_not_charged)
{
	long psz = getpagesize();
	void *buf = alloc_buffer(64 * psz);
	uint32_t ioas;
	long base;
	int fd;

	ASSERT_NE(NULL, buf);
	fd = open_mm_mode(_metadata);
	set_memlock(_metadata, psz);
	ioas = ioas_alloc(fd);
	base = proc_status_kb("VmLck");
	ioas_map(fd, ioas, buf, 64 * psz);
	ASSERT_EQ(base, proc_status_kb("VmLck"));
	close(fd);
}

/*
 * IOMMU_PIN_STATS: what the mappings of a file or an IOAS hold pinned,
 * compared with what the process's status says.
 */
struct stats {
	uint64_t pinned;
	uint64_t charged;
};

static struct stats get_stats(struct __test_metadata *_metadata, int fd,
			      uint32_t id)
{
	struct stats st;

	pin_stats(fd, id, &st.pinned, &st.charged);
	return st;
}

/* Growth of a /proc/self/status field since @base, in bytes. */
static uint64_t status_growth(const char *field, long base)
{
	return (uint64_t)(proc_status_kb(field) - base) * 1024;
}

TEST_F(ioas, pin_stats_user_mode)
{
	uint32_t other = ioas_alloc(self->fd);
	long vmpin = proc_status_kb("VmPin");
	long vmlck = proc_status_kb("VmLck");
	char *buf = self->buf;
	uint64_t iova;
	pid_t child;
	int status;

	ASSERT_EQ(0, drop_capability(CAP_IPC_LOCK));
	set_memlock(_metadata, BUF_SIZE * 4);
	EXPECT_EQ(0, get_stats(_metadata, self->fd, 0).pinned);

	ioas_map_fixed(self->fd, self->ioas, buf, 64 * PSZ, 1UL << 30);
	ioas_map_fixed(self->fd, other, buf, 32 * PSZ, 1UL << 30);
	EXPECT_EQ(64 * PSZ, get_stats(_metadata, self->fd, 0).pinned);
	EXPECT_EQ(64 * PSZ, get_stats(_metadata, self->fd, 0).charged);
	EXPECT_EQ(64 * PSZ, get_stats(_metadata, self->fd, self->ioas).pinned);
	EXPECT_EQ(32 * PSZ, get_stats(_metadata, self->fd, other).pinned);
	EXPECT_EQ(64 * PSZ, status_growth("VmPin", vmpin));
	/* Charged to the user, not to the process. */
	EXPECT_EQ(0, status_growth("VmLck", vmlck));

	/* A copy and a second map of the same pages add nothing. */
	iova = 0;
	ASSERT_EQ(0, __ioas_copy(self->fd, other, &iova, self->ioas,
				 (1UL << 30) + 16 * PSZ, 48 * PSZ, MAP_RW));
	ioas_map(self->fd, self->ioas, buf, 8 * PSZ);
	EXPECT_EQ(64 * PSZ, get_stats(_metadata, self->fd, 0).pinned);
	EXPECT_EQ(64 * PSZ, get_stats(_metadata, self->fd, other).pinned);
	EXPECT_EQ(64 * PSZ, status_growth("VmPin", vmpin));

	/* Unmapping one IOAS leaves what the other still uses. */
	ioas_unmap_all(self->fd, self->ioas);
	EXPECT_EQ(0, get_stats(_metadata, self->fd, self->ioas).pinned);
	EXPECT_EQ(64 * PSZ, get_stats(_metadata, self->fd, 0).pinned);
	ioas_unmap(self->fd, other, 1UL << 30, 32 * PSZ);
	EXPECT_EQ(48 * PSZ, get_stats(_metadata, self->fd, 0).pinned);
	EXPECT_EQ(48 * PSZ, status_growth("VmPin", vmpin));

	/*
	 * A child sees the file's figures, but its own VmPin holds only what
	 * it pins itself: its copy of the buffer, after copy-on-write. Those
	 * pins outlive it, held by the mapping.
	 */
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		long cpin = proc_status_kb("VmPin");

		if (get_stats(_metadata, self->fd, 0).pinned != 48 * PSZ)
			_exit(1);
		ioas_map_fixed(self->fd, self->ioas, buf + 64 * PSZ, 8 * PSZ,
			       1UL << 32);
		if (status_growth("VmPin", cpin) != 8 * PSZ ||
		    get_stats(_metadata, self->fd, 0).pinned != 56 * PSZ)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(56 * PSZ, get_stats(_metadata, self->fd, 0).pinned);
	EXPECT_EQ(8 * PSZ, get_stats(_metadata, self->fd, self->ioas).pinned);
	EXPECT_EQ(48 * PSZ, status_growth("VmPin", vmpin));

	ioas_unmap_all(self->fd, self->ioas);
	ioas_unmap_all(self->fd, other);
	EXPECT_EQ(0, get_stats(_metadata, self->fd, 0).pinned);
	EXPECT_EQ(0, get_stats(_metadata, self->fd, 0).charged);
	EXPECT_EQ(0, status_growth("VmPin", vmpin));
}

/*
 * The operator's view, /proc/self/fdinfo: the objects by type, and what
 * the mappings hold pinned and charged, as IOMMU_PIN_STATS of the whole
 * file reports them, while maps, copies, devices and destroys change it.
 */
TEST_F(ioas, fdinfo)
{
	uint32_t other = ioas_alloc(self->fd);
	char *buf = self->buf;
	int fd = self->fd;
	char who[64];
	uint64_t iova = 0;
	uint32_t hwpt;

	ASSERT_EQ(2, fdinfo_num(fd, "iommufd-objects-ioas"));
	ASSERT_EQ(0, fdinfo_num(fd, "iommufd-objects-hwpt"));
	ASSERT_EQ(0, fdinfo_num(fd, "iommufd-objects-device"));
	ASSERT_EQ(0, fdinfo_num(fd, "iommufd-objects-access"));
	ASSERT_EQ(0, fdinfo_num(fd, "iommufd-pinned"));
	ASSERT_EQ(0, fdinfo_num(fd, "iommufd-charged"));
	ASSERT_EQ(0, __fdinfo(fd, "iommufd-charged-to", who, sizeof(who)));
	ASSERT_STREQ("user", who);
	ASSERT_EQ(ENOENT, __fdinfo(fd, "iommufd-objects", who, sizeof(who)));

	ASSERT_EQ(0, drop_capability(CAP_IPC_LOCK));
	set_memlock(_metadata, BUF_SIZE * 4);
	ioas_map_fixed(fd, self->ioas, buf, 64 * PSZ, 1UL << 30);
	ioas_map_fixed(fd, other, buf, 32 * PSZ, 1UL << 30);
	ASSERT_EQ(0, __ioas_copy(fd, other, &iova, self->ioas,
				 (1UL << 30) + 16 * PSZ, 48 * PSZ, MAP_RW));
	ASSERT_EQ(64 * PSZ / 1024, fdinfo_num(fd, "iommufd-pinned"));
	ASSERT_EQ(64 * PSZ / 1024, fdinfo_num(fd, "iommufd-charged"));
	ASSERT_EQ(get_stats(_metadata, fd, 0).pinned / 1024,
		  fdinfo_num(fd, "iommufd-pinned"));

	/* A device on an IOAS of its own (the mock reserves IOVA). */
	if (!mock_missing()) {
		mock_domain(fd, ioas_alloc(fd), NULL, &hwpt, NULL);
		ASSERT_EQ(3, fdinfo_num(fd, "iommufd-objects-ioas"));
		ASSERT_EQ(1, fdinfo_num(fd, "iommufd-objects-device"));
		ASSERT_EQ(1, fdinfo_num(fd, "iommufd-objects-hwpt"));
		ASSERT_EQ(64 * PSZ / 1024, fdinfo_num(fd, "iommufd-pinned"));
	}

	ioas_unmap_all(fd, self->ioas);
	ASSERT_EQ(64 * PSZ / 1024, fdinfo_num(fd, "iommufd-pinned"));
	ioas_unmap_all(fd, other);
	ASSERT_EQ(0, fdinfo_num(fd, "iommufd-pinned"));
	ASSERT_EQ(0, fdinfo_num(fd, "iommufd-charged"));
	iommufd_destroy(fd, other);
	ASSERT_EQ(mock_missing() ? 1 : 2,
		  fdinfo_num(fd, "iommufd-objects-ioas"));
}

#define VIEW_LEN 65536

#define read_view(fd, view) ASSERT_EQ(0, __debugfs_view(fd, view, VIEW_LEN))

/* Does @view hold the text @fmt makes? */
static void __check_view(struct __test_metadata *_metadata, const char *view,
			 const char *fmt, ...)
{
	char want[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	ASSERT_NE(NULL, strstr(view, want))
		TH_LOG("\"%s\" is not in the view:\n%s", want, view);
}

#define ASSERT_VIEW(...) __check_view(_metadata, __VA_ARGS__)

/*
 * The operator's view in debugfs, read while the state changes: the
 * file's pins, each IOAS with its windows and areas, where each area's
 * memory comes from and which other IOAS shares it, a device and the table
 * it translates through; the view goes with the file.
 */
TEST_F(ioas, debugfs)
{
	struct iommu_ioas_window_add win = {
		.flags = IOMMU_IOAS_WINDOW_EXACT,
		.iova = 1ULL << 32,
		.length = 1ULL << 20,
		.page_size = PSZ,
	};
	uint32_t a = self->ioas, b = ioas_alloc(self->fd), w, d;
	unsigned long user = (unsigned long)self->buf;
	uint32_t stdev, hwpt, idev;
	char *view = malloc(VIEW_LEN), path[64];
	int fd = self->fd, id, other;
	uint64_t iova = 0;

	ASSERT_NE(NULL, view);
	if (__debugfs_view(fd, view, VIEW_LEN) == ENOENT)
		SKIP(return, "kernel without debugfs");
	read_view(fd, view);
	id = fdinfo_num(fd, "iommufd-id");
	ASSERT_VIEW(view, "context %d: pinned 0 KiB, charged 0 KiB to the user\n",
		    id);
	ASSERT_VIEW(view, "ioas %u: plain, 0 windows, 0 areas, 0 tables\n", a);
	ASSERT_VIEW(view, "ioas %u: plain, 0 windows, 0 areas, 0 tables\n", b);

	/* A map, and part of it copied: the copy shares the pins. */
	ioas_map_fixed(fd, a, self->buf, 64 * PSZ, 1UL << 30);
	ASSERT_EQ(0, __ioas_copy(fd, b, &iova, a, (1UL << 30) + 16 * PSZ,
				 16 * PSZ, IOMMU_IOAS_MAP_READABLE));
	read_view(fd, view);
	ASSERT_VIEW(view, "ioas %u: plain, 0 windows, 1 area, 0 tables\n", a);
	ASSERT_VIEW(view, "  area 0x%lx-0x%lx rw, user 0x%lx, 64 pages, shared with ioas %u\n",
		    1UL << 30, (1UL << 30) + 64 * PSZ - 1, user, b);
	ASSERT_VIEW(view, "  area 0x%lx-0x%lx r-, user 0x%lx, 16 pages, shared with ioas %u\n",
		    (unsigned long)iova, (unsigned long)iova + 16 * PSZ - 1,
		    user + 16 * PSZ, a);

	/* Unmapped from a: b's area is no longer shared. */
	ioas_unmap(fd, a, 1UL << 30, 64 * PSZ);
	read_view(fd, view);
	ASSERT_VIEW(view, "ioas %u: plain, 0 windows, 0 areas, 0 tables\n", a);
	ASSERT_VIEW(view, "  area 0x%lx-0x%lx r-, user 0x%lx, 16 pages\n",
		    (unsigned long)iova, (unsigned long)iova + 16 * PSZ - 1,
		    user + 16 * PSZ);
	ASSERT_VIEW(view, "context %d: pinned %lu KiB", id, 16 * PSZ / 1024);

	/* A windowed IOAS and its window. */
	w = ioas_alloc_windowed(fd);
	win.ioas_id = w;
	ioas_window_add(fd, &win);
	read_view(fd, view);
	ASSERT_VIEW(view, "ioas %u: windowed, 1 window, 0 areas, 0 tables\n"
		    "  window 0x%llx-0x%llx, IO page 0x%lx\n",
		    w, win.iova, win.iova + win.length - 1, PSZ);

	/* A device: its IOAS has a table, and says which. */
	if (!mock_missing()) {
		d = ioas_alloc(fd);
		mock_domain(fd, d, &stdev, &hwpt, &idev);
		read_view(fd, view);
		ASSERT_VIEW(view, "ioas %u: plain, 0 windows, 0 areas, 1 table\n",
			    d);
		ASSERT_VIEW(view, "  device %u (", idev);
		ASSERT_VIEW(view, "), hwpt %u\n", hwpt);
	}

	/* Another file has a view of its own, gone when it closes. */
	other = iommufd_open();
	ASSERT_LE(0, other);
	read_view(other, view);
	snprintf(path, sizeof(path), "/sys/kernel/debug/iommufd/%lld",
		 fdinfo_num(other, "iommufd-id"));
	ASSERT_NE(id, fdinfo_num(other, "iommufd-id"));
	ASSERT_EQ(0, access(path, R_OK));
	close(other);
	ASSERT_EQ(-1, access(path, R_OK));
	ASSERT_EQ(ENOENT, errno);
	free(view);
}

struct view_reader {
	int fd;
	bool stop;
	unsigned int reads;
	int rc;
};

static void *view_reader(void *arg)
{
	struct view_reader *r = arg;
	char *view = malloc(VIEW_LEN);

	if (!view) {
		r->rc = ENOMEM;
		return NULL;
	}
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED) && !r->rc) {
		r->rc = __debugfs_view(r->fd, view, VIEW_LEN);
		r->reads++;
	}
	free(view);
	return NULL;
}

/*
 * The view read over and over by one thread while another maps, copies,
 * unmaps and destroys IOASes: every read succeeds (the debug kernel's
 * lockdep and KASAN watch the locking and the copies).
 */
TEST_F(ioas, debugfs_concurrent)
{
	struct view_reader r = { .fd = self->fd };
	char probe[64];
	pthread_t thread;
	unsigned int i;

	if (__debugfs_view(self->fd, probe, sizeof(probe)) == ENOENT)
		SKIP(return, "kernel without debugfs");
	ASSERT_EQ(0, pthread_create(&thread, NULL, view_reader, &r));
	for (i = 0; i != 200; i++) {
		uint32_t other = ioas_alloc(self->fd);
		uint64_t iova = 0;

		ioas_map_fixed(self->fd, self->ioas, self->buf, 16 * PSZ,
			       1UL << 30);
		ASSERT_EQ(0, __ioas_copy(self->fd, other, &iova, self->ioas,
					 1UL << 30, 8 * PSZ, MAP_RW));
		ioas_unmap(self->fd, self->ioas, 1UL << 30, 16 * PSZ);
		iommufd_destroy(self->fd, other);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ(0, r.rc);
	ksft_print_msg("%u reads of the view\n", r.reads);
}

/* In RLIMIT_MODE 1 the charge is the process's; fdinfo says so. */
TEST(fdinfo_mm_mode)
{
	char who[64];
	uint64_t val = 1;
	int fd = iommufd_open();

	ASSERT_LE(0, fd);
	iommufd_option(fd, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0,
		       &val);
	ASSERT_EQ(0, __fdinfo(fd, "iommufd-charged-to", who, sizeof(who)));
	ASSERT_STREQ("process", who);
	close(fd);
}

/* RLIMIT_MODE 1: the charge is the process's VmLck. */
TEST(pin_stats_mm_mode)
{
	long psz = getpagesize();
	void *buf = alloc_buffer(128 * psz);
	struct stats st;
	long vmpin, vmlck;
	uint32_t a, b;
	int fd;

	ASSERT_NE(NULL, buf);
	fd = open_mm_mode(_metadata);
	ASSERT_EQ(0, drop_capability(CAP_IPC_LOCK));
	set_memlock(_metadata, 256 * psz);
	a = ioas_alloc(fd);
	b = ioas_alloc(fd);
	vmpin = proc_status_kb("VmPin");
	vmlck = proc_status_kb("VmLck");

	ioas_map(fd, a, buf, 96 * psz);
	ioas_map(fd, b, (char *)buf + 32 * psz, 96 * psz);
	st = get_stats(_metadata, fd, 0);
	EXPECT_EQ(128 * psz, st.pinned);
	EXPECT_EQ(128 * psz, st.charged);
	EXPECT_EQ(st.pinned, status_growth("VmPin", vmpin));
	EXPECT_EQ(st.charged, status_growth("VmLck", vmlck));
	EXPECT_EQ(96 * psz, get_stats(_metadata, fd, b).charged);

	iommufd_destroy(fd, a);
	st = get_stats(_metadata, fd, 0);
	EXPECT_EQ(96 * psz, st.charged);
	EXPECT_EQ(st.charged, status_growth("VmLck", vmlck));
	close(fd);
	EXPECT_EQ(0, status_growth("VmLck", vmlck));
	EXPECT_EQ(0, status_growth("VmPin", vmpin));
}

/* CAP_IPC_LOCK: pinned, not charged. */
TEST_F(ioas, pin_stats_cap_ipc_lock)
{
	struct stats st;

	ioas_map(self->fd, self->ioas, self->buf, 16 * PSZ);
	st = get_stats(_metadata, self->fd, self->ioas);
	EXPECT_EQ(16 * PSZ, st.pinned);
	EXPECT_EQ(0, st.charged);
}

TEST_F(ioas, pin_stats_bad_arguments)
{
	struct iommu_pin_stats cmd = {
		.size = sizeof(cmd),
		.object_id = self->ioas,
	};
	uint32_t gone = ioas_alloc(self->fd);

	iommufd_destroy(self->fd, gone);
	cmd.flags = 1;
	EXPECT_EQ(EOPNOTSUPP, iommufd_ioctl(self->fd, IOMMU_PIN_STATS, &cmd));
	cmd.flags = 0;
	cmd.__reserved = 1;
	EXPECT_EQ(EOPNOTSUPP, iommufd_ioctl(self->fd, IOMMU_PIN_STATS, &cmd));
	cmd.__reserved = 0;
	cmd.object_id = gone;
	EXPECT_EQ(ENOENT, iommufd_ioctl(self->fd, IOMMU_PIN_STATS, &cmd));
	cmd.size = offsetof(struct iommu_pin_stats, out_charged);
	cmd.object_id = self->ioas;
	EXPECT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_PIN_STATS, &cmd));
	cmd.size = sizeof(cmd);
	EXPECT_EQ(0, iommufd_ioctl(self->fd, IOMMU_PIN_STATS, &cmd));
	EXPECT_EQ(0, cmd.out_pinned);
}

TEST_HARNESS_MAIN
