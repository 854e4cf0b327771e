// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * IOVA windows, their rules: an IOAS made with IOMMU_IOAS_ALLOC_WINDOWED
 * has no valid IOVA except the windows IOMMU_IOAS_WINDOW_ADD grants, until
 * IOMMU_IOAS_WINDOW_REMOVE gives them back. Tested here, mostly without a
 * device: the arguments of both ioctls, overlaps and placement by
 * constraints, maps, copies and allowed IOVA within windows,
 * IOMMU_WINDOW_CAPS of an IOAS with no device, test-reserved IOVA, IO
 * pages larger than the CPU page (also of 2 MiB huge pages), and an
 * ordinary IOAS, which keeps the upstream rules. What the mock hardware
 * models allow is tested in iommufd_window_model.
 *
 * Every refused request is checked to leave the IOAS as it was: its IOVA
 * ranges, its mappings, the pinned pages and the objects of the file.
 *
 * IOVAs are multiples of 1 MiB and lengths multiples of the CPU page, so
 * that they suit 4 KiB and 64 KiB CPU pages alike; no window is given IO
 * pages smaller than the CPU page.
 */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"
#include "window_util.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif

/* No device: what is left to check are the windows themselves. */
FIXTURE(window) {
	struct env e;
};

FIXTURE_SETUP(window)
{
	env_open(&self->e);
}

FIXTURE_TEARDOWN(window)
{
	env_close(&self->e);
}

TEST_F(window, alloc_flags)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int fd = self->e.fd;
	unsigned int bit;
	uint32_t next, id;

	next = next_id(fd);

	for (bit = 0; bit != 32; bit++) {
		if ((1U << bit) == IOMMU_IOAS_ALLOC_WINDOWED)
			continue;
		cmd.flags = 1U << bit;
		ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_IOAS_ALLOC, &cmd));
		cmd.flags |= IOMMU_IOAS_ALLOC_WINDOWED;
		ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_IOAS_ALLOC, &cmd));
		ASSERT_EQ(0, cmd.out_ioas_id);
	}
	ASSERT_EQ(next, next_id(fd));

	/* The two kinds: everything valid, or nothing until windows come. */
	id = 0;
	ASSERT_EQ(0, __ioas_alloc_flags(fd, 0, &id));
	ASSERT_EQ(next, id);
	check_ranges(fd, id, { .start = 0, .last = ULONG_MAX });
	id = 0;
	ASSERT_EQ(0, __ioas_alloc_flags(fd, IOMMU_IOAS_ALLOC_WINDOWED, &id));
	ASSERT_NE(0, id);
	check_no_ranges(fd, id);
}

/* Without a window nothing can be mapped, at a fixed IOVA or not. */
TEST_F(window, empty)
{
	const uint64_t iovas[] = {
		0, PSZ, SZ_1M, SZ_1G, 1ULL << 40, 1ULL << 63, 0 - SZ_1M,
	};
	int fd = self->e.fd, mfd;
	uint32_t ioas = self->e.ioas;
	uint64_t iova, src = SZ_1M;
	unsigned int i;
	long pinned;

	check_no_ranges(fd, ioas);
	mfd = memfd_filled(16 * PSZ, 0);
	ASSERT_LE(0, mfd);
	/* The source of the copies, in the ordinary IOAS. */
	ioas_map_fixed(fd, self->e.plain, self->e.buf, 16 * PSZ, src);
	pinned = proc_status_kb("VmPin");

	for (i = 0; i != ARRAY_SIZE(iovas); i++) {
		iova = iovas[i];
		ASSERT_EQ(ERANGE, __ioas_map(fd, ioas, self->e.buf, 4 * PSZ,
					     &iova, MAP_FIXED_RW));
		ASSERT_EQ(ERANGE, __ioas_map_file(fd, ioas, mfd, 0, 4 * PSZ,
						  &iova, MAP_FIXED_RW));
		ASSERT_EQ(ERANGE, __ioas_copy(fd, ioas, &iova, self->e.plain,
					      src, 4 * PSZ, MAP_FIXED_RW));
		ASSERT_EQ(iovas[i], iova);
	}
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(fd, ioas, self->e.buf, 4 * PSZ, &iova,
				     MAP_RW));
	ASSERT_EQ(ENOSPC, __ioas_map_file(fd, ioas, mfd, 0, 4 * PSZ, &iova,
					  MAP_RW));
	ASSERT_EQ(ENOSPC, __ioas_copy(fd, ioas, &iova, self->e.plain, src,
				      4 * PSZ, MAP_RW));

	check_no_ranges(fd, ioas);
	ASSERT_EQ(pinned, proc_status_kb("VmPin"));
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas));
	close(mfd);
}

TEST_F(window, add_and_map)
{
	const struct {
		uint64_t iova;
		uint64_t length;
	} outside[] = {
		{ 0, PSZ },
		{ SZ_1G - PSZ, PSZ },		/* just before */
		{ SZ_1G - PSZ, 2 * PSZ },	/* across the start */
		{ SZ_1G + SZ_16M - PSZ, 2 * PSZ },	/* across the end */
		{ SZ_1G + SZ_16M, PSZ },	/* just after */
		{ 2 * SZ_1G, PSZ },
	};
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	char *buf = self->e.buf;
	unsigned int i;
	uint64_t iova;

	ASSERT_EQ(0, add_exact(fd, ioas, SZ_1G, SZ_16M));
	check_ranges(fd, ioas, span(SZ_1G, SZ_16M));

	for (i = 0; i != ARRAY_SIZE(outside); i++) {
		ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, outside[i].length,
					 outside[i].iova)) {
			TH_LOG("outside[%u]", i);
		}
	}
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas));

	/* The first and the last page, and a place the kernel chooses. */
	ioas_map_fixed(fd, ioas, buf, PSZ, SZ_1G);
	ioas_map_fixed(fd, ioas, buf + PSZ, PSZ, SZ_1G + SZ_16M - PSZ);
	iova = ioas_map(fd, ioas, buf, 8 * PSZ);
	ASSERT_TRUE(inside(iova, 8 * PSZ, SZ_1G, SZ_16M));
	ASSERT_EQ(10 * PSZ, ioas_unmap_all(fd, ioas));
	/* Unmapping leaves the window. */
	check_ranges(fd, ioas, span(SZ_1G, SZ_16M));
}

TEST_F(window, add_bad_arguments)
{
	static const uint64_t bad_page[] = {
		1, 2048, 4095, 12288, 3ULL << 20, SZ_4G + 4096,
	};
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	const uint64_t w = 2 * SZ_1G;
	unsigned int i;

	ASSERT_EQ(0, add_exact(fd, ioas, SZ_1G, SZ_16M));

	/* Not a windowed IOAS; not an IOAS. */
	add_refused(fd, self->e.plain, EINVAL, .flags = EXACT, .iova = w,
		    .length = SZ_1M);
	add_refused(fd, self->e.plain, EINVAL, .length = SZ_1M);
	ASSERT_EQ(ENOENT, add_exact(fd, next_id(fd), w, SZ_1M));

	for (i = 1; i != 32; i++) {
		add_refused(fd, ioas, EOPNOTSUPP, .flags = 1U << i, .iova = w,
			    .length = SZ_1M);
		add_refused(fd, ioas, EOPNOTSUPP, .flags = EXACT | 1U << i,
			    .iova = w, .length = SZ_1M);
	}

	add_refused(fd, ioas, EINVAL, .flags = EXACT, .iova = w);
	add_refused(fd, ioas, EINVAL, .lowest = w);

	for (i = 0; i != ARRAY_SIZE(bad_page); i++) {
		add_refused(fd, ioas, EINVAL, .flags = EXACT, .iova = w,
			    .length = SZ_16M, .page_size = bad_page[i]);
		add_refused(fd, ioas, EINVAL, .length = SZ_16M,
			    .page_size = bad_page[i]);
	}

	add_refused(fd, ioas, EINVAL, .length = SZ_1M, .align = 3);
	add_refused(fd, ioas, EINVAL, .length = SZ_1M, .align = 3 * PSZ);
	add_refused(fd, ioas, EINVAL, .length = SZ_1M, .align = SZ_1M + PSZ);

	/* Not whole IO pages, of the CPU's size (0) or of 2 MiB. */
	add_refused(fd, ioas, EINVAL, .flags = EXACT, .iova = w + PSZ / 2,
		    .length = SZ_1M);
	add_refused(fd, ioas, EINVAL, .flags = EXACT, .iova = w,
		    .length = SZ_1M + PSZ / 2);
	add_refused(fd, ioas, EINVAL, .flags = EXACT, .iova = w + PSZ,
		    .length = SZ_2M, .page_size = SZ_2M);
	add_refused(fd, ioas, EINVAL, .flags = EXACT, .iova = w,
		    .length = SZ_2M + PSZ, .page_size = SZ_2M);
	add_refused(fd, ioas, EINVAL, .length = SZ_1M + PSZ / 2);
	add_refused(fd, ioas, EINVAL, .length = 3 * SZ_1M,
		    .page_size = SZ_2M);

	add_refused(fd, ioas, EINVAL, .length = SZ_1M, .lowest = 3 * SZ_1G,
		    .highest = w);

	/* Exact ranges that wrap around the end of the IOVA space. */
	add_refused(fd, ioas, EOVERFLOW, .flags = EXACT, .iova = 0 - PSZ,
		    .length = 2 * PSZ);
	add_refused(fd, ioas, EOVERFLOW, .flags = EXACT, .iova = 0 - SZ_1M,
		    .length = SZ_1G);

	check_ranges(fd, ioas, span(SZ_1G, SZ_16M));

	/* An exact request ignores the fields of one by constraints. */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = w,
					   .length = SZ_1M, .align = 3,
					   .lowest = 3 * SZ_1G, .highest = w),
			     NULL));
	check_ranges(fd, ioas, span(SZ_1G, SZ_16M), span(w, SZ_1M));
}

/* With no device, any window is fine that overlaps no other. */
TEST_F(window, no_device_limits)
{
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	uint64_t top = 0 - SZ_1G;

	ASSERT_EQ(0, add_exact(fd, ioas, 0, SZ_16M));
	/* Ends at the last IOVA there is, which is not a wrap. */
	ASSERT_EQ(0, add_exact(fd, ioas, top, SZ_1G));
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = 1ULL << 40,
					   .length = 4 * SZ_1G,
					   .page_size = SZ_1G, .levels = 7),
			     NULL));
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT,
					   .iova = MOCK_VTD_MSI_START,
					   .length = SZ_1M,
					   .page_size = ODD_PAGE), NULL));
	check_ranges(fd, ioas, span(0, SZ_16M),
		     span(MOCK_VTD_MSI_START, SZ_1M),
		     span(1ULL << 40, 4 * SZ_1G),
		     { .start = top, .last = UINT64_MAX });

	ioas_map_fixed(fd, ioas, self->e.buf, PSZ, 0);
	ioas_map_fixed(fd, ioas, self->e.buf, PSZ, 0 - PSZ);
	ASSERT_EQ(2 * PSZ, ioas_unmap_all(fd, ioas));
}

TEST_F(window, add_overlap)
{
	const uint64_t w = SZ_1G, len = 64 * PSZ;
	const struct {
		uint64_t iova;
		uint64_t length;
	} overlaps[] = {
		{ w, len },			/* the same */
		{ w + len / 2, len },		/* over the end */
		{ w - len / 2, len },		/* over the start */
		{ w - len, 4 * len },		/* around it */
		{ w + PSZ, PSZ },		/* inside */
		{ w + len - PSZ, PSZ },		/* its last page */
	};
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	char *buf = self->e.buf;
	uint64_t iova;
	unsigned int i;

	ASSERT_EQ(0, add_exact(fd, ioas, w, len));
	for (i = 0; i != ARRAY_SIZE(overlaps); i++)
		add_refused(fd, ioas, EEXIST, .flags = EXACT,
			    .iova = overlaps[i].iova,
			    .length = overlaps[i].length);
	/* Windows that only touch it are fine. */
	ASSERT_EQ(0, add_exact(fd, ioas, w - len, len));
	ASSERT_EQ(0, add_exact(fd, ioas, w + len, len));
	check_ranges(fd, ioas, span(w - len, len), span(w, len),
		     span(w + len, len));

	/* A mapping still has to lie inside one of them. */
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, 2 * PSZ, w - PSZ));
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, 2 * PSZ, w + len - PSZ));
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, len + 2 * PSZ, w - PSZ));
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(fd, ioas, buf, len + PSZ, &iova,
				     MAP_RW));
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas));

	ioas_map_fixed(fd, ioas, buf, PSZ, w - PSZ);
	ioas_map_fixed(fd, ioas, buf, PSZ, w);
	ioas_map_fixed(fd, ioas, buf, PSZ, w + len - PSZ);
	ioas_map_fixed(fd, ioas, buf, PSZ, w + len);
	iova = ioas_map(fd, ioas, buf, len / 2);
	ASSERT_TRUE(inside(iova, len / 2, w - len, len) ||
		    inside(iova, len / 2, w, len) ||
		    inside(iova, len / 2, w + len, len));
	ASSERT_EQ(4 * PSZ + len / 2, ioas_unmap_all(fd, ioas));
}

/* Requests by constraints take the lowest start that satisfies them. */
TEST_F(window, add_by_constraints)
{
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	uint64_t iova;

	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M), &iova));
	ASSERT_EQ(0, iova);
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M), &iova));
	ASSERT_EQ(SZ_1M, iova);
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M, .align = SZ_16M),
			     &iova));
	ASSERT_EQ(SZ_16M, iova);
	/* align 0: the page size, here the CPU's. */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M,
					   .lowest = 5 * SZ_1M + 1), &iova));
	ASSERT_EQ(5 * SZ_1M + PSZ, iova);
	/* The only room below highest is [2M, 3M). */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M,
					   .highest = 3 * SZ_1M - 1), &iova));
	ASSERT_EQ(2 * SZ_1M, iova);
	add_refused(fd, ioas, ENOSPC, .length = SZ_1M,
		    .highest = 3 * SZ_1M - 1);
	add_refused(fd, ioas, ENOSPC, .length = SZ_2M, .lowest = SZ_1G,
		    .highest = SZ_1G + SZ_1M - 1);
	/* highest 0 is no limit. */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M,
					   .lowest = 1ULL << 40), &iova));
	ASSERT_EQ(1ULL << 40, iova);
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M, .lowest = 1,
					   .align = SZ_1G), &iova));
	ASSERT_EQ(SZ_1G, iova);
	/* Larger IO pages align the start, when align does not say more. */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_2M,
					   .lowest = SZ_1G + 1,
					   .page_size = SZ_2M), &iova));
	ASSERT_EQ(SZ_1G + SZ_2M, iova);

	check_ranges(fd, ioas, span(0, 3 * SZ_1M),
		     span(5 * SZ_1M + PSZ, SZ_1M), span(SZ_16M, SZ_1M),
		     span(SZ_1G, SZ_1M), span(SZ_1G + SZ_2M, SZ_2M),
		     span(1ULL << 40, SZ_1M));
}

TEST_F(window, remove)
{
	const uint64_t a = SZ_1G, b = 2 * SZ_1G, len = SZ_16M;
	struct iommu_ioas_window_remove cmd = {
		.size = sizeof(cmd),
		.ioas_id = self->e.ioas,
		.iova = a,
	};
	const uint64_t missing[] = { 0, a + PSZ, a - len, a + len,
				     b + len - PSZ };
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	struct iova_layout before, after;
	uint64_t iova;
	unsigned int i;

	ASSERT_EQ(0, add_exact(fd, ioas, a, len));
	ASSERT_EQ(0, add_exact(fd, ioas, b, len));
	ioas_map_fixed(fd, ioas, self->e.buf, PSZ, a + SZ_1M);
	get_layout(fd, ioas, &before);

	cmd.flags = 1;
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_IOAS_WINDOW_REMOVE,
					    &cmd));
	cmd.flags = 1U << 31;
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_IOAS_WINDOW_REMOVE,
					    &cmd));
	cmd.flags = 0;
	cmd.__reserved = 1;
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_IOAS_WINDOW_REMOVE,
					    &cmd));
	ASSERT_EQ(EINVAL, __ioas_window_remove(fd, self->e.plain, a));
	ASSERT_EQ(ENOENT, __ioas_window_remove(fd, next_id(fd), a));
	for (i = 0; i != ARRAY_SIZE(missing); i++)
		ASSERT_EQ(ENOENT, __ioas_window_remove(fd, ioas, missing[i]));
	/* Not while something is mapped in it. */
	ASSERT_EQ(EBUSY, __ioas_window_remove(fd, ioas, a));
	get_layout(fd, ioas, &after);
	check_same_layout(&before, &after);

	ioas_unmap(fd, ioas, a + SZ_1M, PSZ);
	remove_window(fd, ioas, a);
	check_ranges(fd, ioas, span(b, len));
	ASSERT_EQ(ERANGE, map_at(fd, ioas, self->e.buf, PSZ, a + SZ_1M));
	ASSERT_EQ(ENOENT, __ioas_window_remove(fd, ioas, a));

	/* What the kernel places goes to the window left. */
	iova = ioas_map(fd, ioas, self->e.buf, 8 * PSZ);
	ASSERT_TRUE(inside(iova, 8 * PSZ, b, len));
	ASSERT_EQ(EBUSY, __ioas_window_remove(fd, ioas, b));
	ioas_unmap(fd, ioas, iova, 8 * PSZ);
	remove_window(fd, ioas, b);
	check_no_ranges(fd, ioas);
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(fd, ioas, self->e.buf, PSZ, &iova,
				     MAP_RW));

	/* The IOVA is free for new windows. */
	ASSERT_EQ(0, add_exact(fd, ioas, a, 2 * len));
	check_ranges(fd, ioas, span(a, 2 * len));
}

TEST_F(window, map_file)
{
	int fd = self->e.fd, mfd;
	uint32_t ioas = self->e.ioas;
	uint64_t iova;

	mfd = memfd_filled(16 * PSZ, 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, add_exact(fd, ioas, SZ_1G, SZ_16M));

	iova = SZ_1G + SZ_16M - 8 * PSZ;
	ASSERT_EQ(ERANGE, __ioas_map_file(fd, ioas, mfd, 0, 16 * PSZ, &iova,
					  MAP_FIXED_RW));
	iova = 2 * SZ_1G;
	ASSERT_EQ(ERANGE, __ioas_map_file(fd, ioas, mfd, 0, 16 * PSZ, &iova,
					  MAP_FIXED_RW));
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas));

	iova = SZ_1G;
	ioas_map_file(fd, ioas, mfd, 0, 16 * PSZ, &iova, MAP_FIXED_RW);
	ASSERT_EQ(SZ_1G, iova);
	iova = 0;
	ioas_map_file(fd, ioas, mfd, 4 * PSZ, 4 * PSZ, &iova, MAP_RW);
	ASSERT_TRUE(inside(iova, 4 * PSZ, SZ_1G, SZ_16M));
	ASSERT_EQ(20 * PSZ, ioas_unmap_all(fd, ioas));
	close(mfd);
}

TEST_F(window, copy)
{
	const uint64_t src = SZ_1M, w = SZ_1G, len = SZ_16M;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas, plain = self->e.plain;
	uint64_t dst;

	ioas_map_fixed(fd, plain, self->e.buf, 16 * PSZ, src);
	ASSERT_EQ(0, add_exact(fd, ioas, w, len));

	dst = w + len - 8 * PSZ;
	ASSERT_EQ(ERANGE, __ioas_copy(fd, ioas, &dst, plain, src, 16 * PSZ,
				      MAP_FIXED_RW));
	dst = w - 8 * PSZ;
	ASSERT_EQ(ERANGE, __ioas_copy(fd, ioas, &dst, plain, src, 16 * PSZ,
				      MAP_FIXED_RW));
	dst = 2 * SZ_1G;
	ASSERT_EQ(ERANGE, __ioas_copy(fd, ioas, &dst, plain, src, 16 * PSZ,
				      MAP_FIXED_RW));
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas));

	dst = w;
	ASSERT_EQ(0, __ioas_copy(fd, ioas, &dst, plain, src, 16 * PSZ,
				 MAP_FIXED_RW));
	dst = 0;
	ASSERT_EQ(0, __ioas_copy(fd, ioas, &dst, plain, src + 4 * PSZ,
				 8 * PSZ, MAP_RW));
	ASSERT_TRUE(inside(dst, 8 * PSZ, w, len));

	/* A windowed IOAS is a source like any other. */
	dst = 1ULL << 40;
	ASSERT_EQ(0, __ioas_copy(fd, plain, &dst, ioas, w, 16 * PSZ,
				 MAP_FIXED_RW));
	ASSERT_EQ(24 * PSZ, ioas_unmap_all(fd, ioas));
	ASSERT_EQ(32 * PSZ, ioas_unmap_all(fd, plain));
}

/* Automatic placement keeps to the windows and to the allowed ranges. */
TEST_F(window, allow_iovas)
{
	const uint64_t a = SZ_1G, b = 2 * SZ_1G, len = SZ_16M;
	struct iommu_iova_range allow;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	uint64_t iova;

	ASSERT_EQ(0, add_exact(fd, ioas, a, len));
	ASSERT_EQ(0, add_exact(fd, ioas, b, len));

	allow.start = b + len / 2;
	allow.last = 3 * SZ_1G - 1;
	ASSERT_EQ(0, __ioas_allow_iovas(fd, ioas, &allow, 1));
	iova = ioas_map(fd, ioas, self->e.buf, 16 * PSZ);
	ASSERT_TRUE(inside(iova, 16 * PSZ, b + len / 2, len / 2));
	ioas_unmap(fd, ioas, iova, 16 * PSZ);

	allow.start = 0;
	allow.last = a + len / 2 - 1;
	ASSERT_EQ(0, __ioas_allow_iovas(fd, ioas, &allow, 1));
	iova = ioas_map(fd, ioas, self->e.buf, 16 * PSZ);
	ASSERT_TRUE(inside(iova, 16 * PSZ, a, len / 2));
	ioas_unmap(fd, ioas, iova, 16 * PSZ);

	/* Allowed, but no window there. */
	allow.start = 3 * SZ_1G;
	allow.last = SZ_4G - 1;
	ASSERT_EQ(0, __ioas_allow_iovas(fd, ioas, &allow, 1));
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(fd, ioas, self->e.buf, 16 * PSZ, &iova,
				     MAP_RW));
	/* Fixed IOVA only needs a window. */
	ioas_map_fixed(fd, ioas, self->e.buf, PSZ, a);
	ASSERT_EQ(PSZ, ioas_unmap_all(fd, ioas));

	ASSERT_EQ(0, __ioas_allow_iovas(fd, ioas, NULL, 0));
	iova = ioas_map(fd, ioas, self->e.buf, 16 * PSZ);
	ASSERT_TRUE(inside(iova, 16 * PSZ, a, len) ||
		    inside(iova, 16 * PSZ, b, len));
	ASSERT_EQ(16 * PSZ, ioas_unmap_all(fd, ioas));
}

/* An IOAS made the upstream way keeps the upstream rules. */
/*
 * Automatic placement never picks the first or the last page of the IOVA
 * space (many clients take IOVA 0 for "none"), in a window or an allowed
 * range that holds them as well as anywhere else.
 */
TEST_F(window, automatic_iova_avoids_first_and_last_page)
{
	struct iommu_iova_range allow = { .start = 0, .last = 2 * PSZ - 1 };
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas, plain = self->e.plain;
	uint64_t iova;

	/* A window of two pages at 0: only the second can be chosen. */
	ASSERT_EQ(0, add_exact(fd, ioas, 0, 2 * PSZ));
	iova = ioas_map(fd, ioas, self->e.buf, PSZ);
	ASSERT_EQ(PSZ, iova);
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(fd, ioas, self->e.buf, PSZ, &iova,
				     MAP_RW));
	/* A fixed IOVA may be page 0. */
	ioas_map_fixed(fd, ioas, self->e.buf, PSZ, 0);
	ASSERT_EQ(2 * PSZ, ioas_unmap_all(fd, ioas));

	/* The same in the last two pages. */
	ASSERT_EQ(0, add_exact(fd, ioas, 0 - 2 * PSZ, 2 * PSZ));
	allow.start = 0 - 2 * PSZ;
	allow.last = 0 - 1ULL;
	ASSERT_EQ(0, __ioas_allow_iovas(fd, ioas, &allow, 1));
	iova = ioas_map(fd, ioas, self->e.buf, PSZ);
	ASSERT_EQ(0 - 2 * PSZ, iova);
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(fd, ioas, self->e.buf, PSZ, &iova,
				     MAP_RW));
	ASSERT_EQ(PSZ, ioas_unmap_all(fd, ioas));

	/* An IOAS without windows, with allowed ranges at either end. */
	allow.start = 0;
	allow.last = 2 * PSZ - 1;
	ASSERT_EQ(0, __ioas_allow_iovas(fd, plain, &allow, 1));
	iova = ioas_map(fd, plain, self->e.buf, PSZ);
	ASSERT_EQ(PSZ, iova);
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(fd, plain, self->e.buf, PSZ, &iova,
				     MAP_RW));
	ASSERT_EQ(PSZ, ioas_unmap_all(fd, plain));
	ASSERT_EQ(0, __ioas_allow_iovas(fd, plain, NULL, 0));
}

/*
 * Memory that starts where no IO page of the window can start is refused
 * before anything is pinned: the untouched pages are not even faulted in.
 */
TEST_F(window, offset_refused_before_pinning)
{
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	unsigned char vec[4];
	uint64_t iova;
	unsigned int i;
	char *mem;

	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = SZ_1G,
					   .length = SZ_16M, .page_size = PSZ),
			     NULL));
	mem = mmap(NULL, 4 * PSZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);

	ASSERT_EQ(EINVAL, map_at(fd, ioas, mem + PSZ / 2, PSZ, SZ_1G));
	iova = 0;
	ASSERT_EQ(EINVAL, __ioas_map(fd, ioas, mem + PSZ / 2, PSZ, &iova,
				     MAP_RW));
	ASSERT_EQ(0, mincore(mem, 4 * PSZ, vec));
	for (i = 0; i != ARRAY_SIZE(vec); i++)
		ASSERT_EQ(0, vec[i] & 1);

	/* The same memory from its page boundary is fine. */
	ioas_map_fixed(fd, ioas, mem, PSZ, SZ_1G);
	ASSERT_EQ(PSZ, ioas_unmap_all(fd, ioas));
	munmap(mem, 4 * PSZ);
}

TEST_F(window, not_windowed)
{
	const uint64_t iovas[] = { SZ_1M, 1ULL << 40, 1ULL << 59, 0 - SZ_1M };
	int fd = self->e.fd;
	uint32_t plain = self->e.plain;
	struct caps want, got;
	unsigned int i;
	uint64_t iova;

	for (i = 0; i != ARRAY_SIZE(iovas); i++)
		ioas_map_fixed(fd, plain, self->e.buf, PSZ, iovas[i]);
	iova = ioas_map(fd, plain, self->e.buf, 8 * PSZ);
	ASSERT_NE(0, iova);

	add_refused(fd, plain, EINVAL, .flags = EXACT, .iova = SZ_1G,
		    .length = SZ_1G);
	add_refused(fd, plain, EINVAL, .length = SZ_1G);
	ASSERT_EQ(EINVAL, __ioas_window_remove(fd, plain, SZ_1M));
	check_ranges(fd, plain, { .start = 0, .last = ULONG_MAX });
	no_device_caps(&want);
	get_caps(fd, plain, &got);
	check_caps(&got, &want);
	ASSERT_EQ(12 * PSZ, ioas_unmap_all(fd, plain));
}

TEST_F(window, caps_without_device)
{
	struct iommu_window_aperture ap[2];
	struct iommu_window_caps cmd = {};
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	struct caps want, got;

	no_device_caps(&want);
	get_caps(fd, ioas, &got);
	check_caps(&got, &want);
	/* Windows are not what the caps describe. */
	ASSERT_EQ(0, add_exact(fd, ioas, SZ_1G, SZ_16M));
	get_caps(fd, ioas, &got);
	check_caps(&got, &want);

	/* Just the counts. */
	ASSERT_EQ(EMSGSIZE, __window_caps(fd, ioas, &cmd));
	ASSERT_EQ(1, cmd.num_apertures);
	ASSERT_EQ(0, cmd.num_reserved);
	/* Room for exactly what there is. */
	cmd = (struct iommu_window_caps){
		.num_apertures = 1,
		.apertures = (uintptr_t)ap,
	};
	memset(ap, CAPS_POISON, sizeof(ap));
	window_caps(fd, ioas, &cmd);
	ASSERT_EQ(1, cmd.num_apertures);
	ASSERT_EQ(0, cmd.num_reserved);
	ASSERT_EQ(0, cmd.out_max_windows);
	ASSERT_EQ(UINT64_MAX, ap[0].last);
	ASSERT_TRUE(poisoned(&ap[1], sizeof(ap[1])));

	cmd = (struct iommu_window_caps){ .flags = 1 };
	ASSERT_EQ(EOPNOTSUPP, __window_caps(fd, ioas, &cmd));
	cmd = (struct iommu_window_caps){ .flags = 1U << 31 };
	ASSERT_EQ(EOPNOTSUPP, __window_caps(fd, ioas, &cmd));
	cmd = (struct iommu_window_caps){};
	ASSERT_EQ(ENOENT, __window_caps(fd, 0, &cmd));
	cmd = (struct iommu_window_caps){};
	ASSERT_EQ(ENOENT, __window_caps(fd, next_id(fd), &cmd));
}

/* Test-reserved IOVA, as a device's reserved ranges would be. */
TEST_F(window, reserved)
{
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	const uint64_t rsv = SZ_1G + 4 * SZ_1M;
	struct caps want, got;
	uint64_t iova;

	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	add_reserved(fd, ioas, rsv, SZ_1M);
	add_reserved(fd, ioas, 0, SZ_1M);

	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = SZ_1G,
		    .length = SZ_16M);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = rsv,
		    .length = SZ_1M);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT,
		    .iova = rsv + SZ_1M - PSZ, .length = PSZ);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = 0,
		    .length = PSZ);
	ASSERT_EQ(0, add_exact(fd, ioas, SZ_1G, rsv - SZ_1G));
	ASSERT_EQ(0, add_exact(fd, ioas, rsv + SZ_1M, SZ_16M));
	/* Placement steps over reserved IOVA. */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M), &iova));
	ASSERT_EQ(SZ_1M, iova);
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_2M,
					   .lowest = rsv - SZ_1M), &iova));
	ASSERT_EQ(rsv + SZ_1M + SZ_16M, iova);
	check_ranges(fd, ioas, span(SZ_1M, SZ_1M),
		     span(SZ_1G, rsv - SZ_1G), span(rsv + SZ_1M, SZ_16M),
		     span(rsv + SZ_1M + SZ_16M, SZ_2M));

	/* The caps only tell about devices, and there is none. */
	no_device_caps(&want);
	get_caps(fd, ioas, &got);
	check_caps(&got, &want);
}

/* Physical frame of the page at @p, from /proc/self/pagemap; 0 if unknown. */
static uint64_t page_frame(const void *p)
{
	uint64_t entry = 0;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &entry, sizeof(entry),
		  (uintptr_t)p / PSZ * sizeof(entry)) != sizeof(entry))
		entry = 0;
	close(fd);
	/* Bit 63: present; bits 0-54: the frame (0 without CAP_SYS_ADMIN). */
	if (!(entry >> 63))
		return 0;
	return entry & ((1ULL << 55) - 1);
}

/*
 * @size bytes of memory whose first two pages are not physically
 * contiguous. The allocator may well hand out consecutive pages (it does
 * on arm64), so if they are, the two pages swap places: page 1 then sits
 * before page 0 in physical memory. Return NULL if the frames cannot be
 * read.
 */
static char *scattered_buffer(size_t size)
{
	char *p, *tmp;
	uint64_t f0, f1;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tmp = mmap(NULL, PSZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || tmp == MAP_FAILED)
		return NULL;
	madvise(p, size, MADV_NOHUGEPAGE);
	memset(p, 2, size);
	f0 = page_frame(p);
	f1 = page_frame(p + PSZ);
	if (!f0 || !f1)
		goto err;
	if (f1 == f0 + 1) {
		/* tmp <- page 0, page 0 <- page 1, page 1 <- tmp */
		if (mremap(p, PSZ, PSZ, MREMAP_MAYMOVE | MREMAP_FIXED,
			   tmp) == MAP_FAILED ||
		    mremap(p + PSZ, PSZ, PSZ, MREMAP_MAYMOVE | MREMAP_FIXED,
			   p) == MAP_FAILED ||
		    mremap(tmp, PSZ, PSZ, MREMAP_MAYMOVE | MREMAP_FIXED,
			   p + PSZ) == MAP_FAILED)
			goto err;
		f0 = page_frame(p);
		f1 = page_frame(p + PSZ);
	}
	if (f1 != f0 + 1)
		return p;
err:
	munmap(p, size);
	return NULL;
}

/* A window of 2 MiB IO pages refuses memory of CPU pages. */
TEST_F(window, large_io_pages)
{
	const uint64_t w = SZ_1G, len = 2 * SZ_2M;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	char *mem;
	uint64_t iova;
	long pinned;

	if (PSZ >= SZ_2M)
		SKIP(return, "CPU pages of 2 MiB or more");
	mem = scattered_buffer(SZ_2M);
	if (!mem)
		SKIP(return, "cannot read physical frames from pagemap");
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = w,
					   .length = len, .page_size = SZ_2M),
			     NULL));
	pinned = proc_status_kb("VmPin");

	/* Not whole IO pages: EINVAL, whatever the memory. */
	ASSERT_EQ(EINVAL, map_at(fd, ioas, mem, SZ_2M, w + PSZ));
	ASSERT_EQ(EINVAL, map_at(fd, ioas, mem, SZ_1M, w));
	ASSERT_EQ(EINVAL, map_at(fd, ioas, mem, PSZ, w + SZ_2M));
	/* Whole IO pages of memory that is not contiguous: EFBIG. */
	ASSERT_EQ(EFBIG, map_at(fd, ioas, mem, SZ_2M, w));
	ASSERT_EQ(EFBIG, map_at(fd, ioas, mem, SZ_2M, w + SZ_2M));
	iova = 0;
	ASSERT_EQ(EFBIG, __ioas_map(fd, ioas, mem, SZ_2M, &iova, MAP_RW));
	ASSERT_EQ(pinned, proc_status_kb("VmPin"));
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas));

	/* A window of CPU-sized IO pages takes the same memory. */
	ASSERT_EQ(0, add_exact(fd, ioas, 2 * SZ_1G, len));
	ioas_map_fixed(fd, ioas, mem, SZ_2M, 2 * SZ_1G);
	ASSERT_EQ(SZ_2M, ioas_unmap_all(fd, ioas));
	munmap(mem, SZ_2M);
}

/* Huge pages of 2 MiB, set aside for the test and given back after it. */
#define HUGE_2M_NR "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
#define HUGE_PAGES_WANTED 4

FIXTURE(huge) {
	struct env e;
	long saved_nr;
	char *mem;
};

FIXTURE_SETUP(huge)
{
	env_open(&self->e);
	self->mem = MAP_FAILED;
	self->saved_nr = read_long(HUGE_2M_NR);
	if (self->saved_nr >= 0 && self->saved_nr < HUGE_PAGES_WANTED)
		write_long(HUGE_2M_NR, HUGE_PAGES_WANTED);
}

FIXTURE_TEARDOWN(huge)
{
	/* The pages go back to the pool only once nothing pins them. */
	env_close(&self->e);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, 2 * SZ_2M);
	if (self->saved_nr >= 0 && self->saved_nr < HUGE_PAGES_WANTED)
		write_long(HUGE_2M_NR, self->saved_nr);
}

/* A window of 2 MiB IO pages takes 2 MiB huge pages. */
TEST_F(huge, hugetlb)
{
	const uint64_t w = SZ_1G, len = 2 * SZ_2M;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	uint32_t hwpt = 0;
	char *mem;

	self->mem = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			 MAP_HUGE_2MB, -1, 0);
	if (self->mem == MAP_FAILED)
		SKIP(return, "no 2 MiB huge pages");
	mem = self->mem;
	memset(mem, 0x47, 2 * SZ_2M);

	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = w,
					   .length = len, .page_size = SZ_2M),
			     NULL));
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = 2 * SZ_1G,
					   .length = len, .page_size = SZ_2M),
			     NULL));
	/* The translation is checked by a device if there is the mock. */
	if (!mock_missing())
		attach_model(fd, ioas, MODEL_VTD, NULL, &hwpt, NULL);

	/* Contiguous, but not aligned to the IO page. */
	ASSERT_EQ(EFBIG, map_at(fd, ioas, mem + PSZ, SZ_2M, 2 * SZ_1G));
	ASSERT_EQ(EINVAL, map_at(fd, ioas, mem, PSZ, 2 * SZ_1G));
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas));

	ioas_map_fixed(fd, ioas, mem, 2 * SZ_2M, w);
	ioas_map_fixed(fd, ioas, mem + SZ_2M, SZ_2M, 2 * SZ_1G + SZ_2M);
	if (hwpt) {
		md_check_map(fd, hwpt, w, mem, 2 * SZ_2M);
		md_check_map(fd, hwpt, 2 * SZ_1G + SZ_2M, mem + SZ_2M, SZ_2M);
	}
	ASSERT_EQ(3 * SZ_2M, ioas_unmap_all(fd, ioas));
}

TEST_HARNESS_MAIN
