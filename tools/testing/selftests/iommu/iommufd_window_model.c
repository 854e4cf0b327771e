// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * IOVA windows on the mock models of VT-d, SMMUv3 and PowerPC TCE hardware
 * (MOCK_FLAGS_DEVICE_MODEL_*) and on the plain mock device: IOMMU_WINDOW_CAPS
 * tells what windows a device, or all the devices of an IOAS, can have; a
 * window is granted only where the devices of the IOAS can have it, and
 * attaching a device is checked against the windows already granted. A
 * PowerPC model device also translates several IOASes at once
 * (IOMMU_DEVICE_ATTACH_EXTRA), and is the hardware behind VFIO's SPAPR TCE
 * v2 container. The rules of windows themselves, mostly without a device,
 * are tested in iommufd_window.
 *
 * Every refused request is checked to leave the IOAS as it was: its IOVA
 * ranges, its mappings, the pinned pages and the objects of the file.
 *
 * IOVAs are multiples of 1 MiB and lengths multiples of the CPU page, so
 * that they suit 4 KiB and 64 KiB CPU pages alike; no window is given IO
 * pages smaller than the CPU page.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"
#include "window_util.h"

/* IOMMU_WINDOW_CAPS */

/* Append a reserved range to @c. */
static void set_reserved(struct caps *c, uint64_t start, uint64_t last)
{
	c->reserved[c->num_reserved].start = start;
	c->reserved[c->num_reserved].last = last;
	c->num_reserved++;
}

#define PPC_FLAGS (IOMMU_APERTURE_FIXED_START | IOMMU_APERTURE_ONE_PAGE_SIZE)

/* What the hardware of a mock device of model @dev_flags offers. */
static void model_caps(uint32_t dev_flags, struct caps *c)
{
	memset(c, 0, sizeof(*c));
	switch (dev_flags) {
	case MODEL_VTD:
		set_aperture(c, 0, MOCK_VTD_APERTURE_LAST, MOCK_VTD_PAGE_SIZES,
			     0, 0);
		set_reserved(c, MOCK_VTD_MSI_START, MOCK_VTD_MSI_LAST);
		break;
	case MODEL_SMMU:
		set_aperture(c, 0, MOCK_SMMU_APERTURE_LAST,
			     MOCK_SMMU_PAGE_SIZES, 0, 0);
		set_reserved(c, MOCK_SMMU_MSI_START, MOCK_SMMU_MSI_LAST);
		break;
	case MODEL_PPC:
		c->max_windows = MOCK_PPC_WINDOWS;
		set_aperture(c, 0, MOCK_PPC_LOW_LAST, MOCK_PPC_PAGE_SIZES,
			     PPC_FLAGS, MOCK_PPC_MAX_LEVELS);
		set_aperture(c, MOCK_PPC_HIGH_START, MOCK_PPC_HIGH_LAST,
			     MOCK_PPC_PAGE_SIZES, PPC_FLAGS,
			     MOCK_PPC_MAX_LEVELS);
		set_reserved(c, MOCK_PPC_LOW_LAST + 1, MOCK_PPC_HIGH_START - 1);
		break;
	default:
		/* The plain mock: its domain's aperture and IO page. */
		set_aperture(c, MOCK_APERTURE_START, MOCK_APERTURE_LAST,
			     PSZ / 2, 0, 0);
		break;
	}
}

/* Mock devices */

/*
 * Assert that a @dev_flags device cannot join @ioas, with @err, and that
 * the attempt left no object and changed neither the ranges nor the caps.
 */
static void __attach_refused(struct __test_metadata *_metadata, int fd,
			     uint32_t ioas, uint32_t dev_flags, int err,
			     int line)
{
	struct iova_layout before, after;
	struct caps cb, ca;
	uint32_t next;

	get_layout(fd, ioas, &before);
	get_caps(fd, ioas, &cb);
	next = next_id(fd);
	ASSERT_EQ(err, __mock_domain_flags(fd, ioas, dev_flags, NULL, NULL,
					   NULL)) {
		TH_LOG("attach of line %d", line);
	}
	ASSERT_EQ(next, next_id(fd));
	get_layout(fd, ioas, &after);
	check_same_layout(&before, &after);
	get_caps(fd, ioas, &ca);
	check_caps(&ca, &cb);
}

#define attach_refused(fd, ioas, dev_flags, err)                          \
	__attach_refused(_metadata, fd, ioas, dev_flags, err, __LINE__)

/* Fixtures */

/* A mock device of model @dev_flags on the windowed IOAS of @e. */
static void env_attach(struct __test_metadata *_metadata, struct env *e,
		       uint32_t dev_flags)
{
	attach_model(e->fd, e->ioas, dev_flags, &e->stdev, &e->hwpt, &e->idev);
}

/*
 * Each model on its own: its caps, and a window that suits it, mapped and
 * seen through the mock table.
 */
FIXTURE(model) {
	struct env e;
};

FIXTURE_VARIANT(model) {
	uint32_t dev_flags;
	/* Where a window of 16 MiB suits the model */
	uint64_t win_start;
};

FIXTURE_VARIANT_ADD(model, plain) {
	.dev_flags = 0,
	.win_start = MOCK_APERTURE_START,
};

FIXTURE_VARIANT_ADD(model, vtd) {
	.dev_flags = MODEL_VTD,
	.win_start = SZ_1G,
};

FIXTURE_VARIANT_ADD(model, smmu) {
	.dev_flags = MODEL_SMMU,
	.win_start = SZ_1G,
};

FIXTURE_VARIANT_ADD(model, ppc) {
	.dev_flags = MODEL_PPC,
	.win_start = 0,
};

FIXTURE_SETUP(model)
{
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	env_open(&self->e);
	env_attach(_metadata, &self->e, variant->dev_flags);
}

FIXTURE_TEARDOWN(model)
{
	env_close(&self->e);
}

TEST_F(model, device_caps)
{
	struct iommu_window_aperture ap[MAX_CAPS];
	struct iommu_iova_range rsv[MAX_CAPS];
	struct iommu_window_caps cmd;
	int fd = self->e.fd;
	struct caps want, got;

	model_caps(variant->dev_flags, &want);
	get_caps(fd, self->e.idev, &got);
	check_caps(&got, &want);

	/* One entry short in either array: EMSGSIZE and the counts. */
	cmd = (struct iommu_window_caps){
		.num_apertures = want.num_apertures - 1,
		.num_reserved = want.num_reserved,
		.apertures = (uintptr_t)ap,
		.reserved = (uintptr_t)rsv,
	};
	ASSERT_EQ(EMSGSIZE, __window_caps(fd, self->e.idev, &cmd));
	ASSERT_EQ(want.num_apertures, cmd.num_apertures);
	ASSERT_EQ(want.num_reserved, cmd.num_reserved);
	if (want.num_reserved) {
		cmd.num_apertures = want.num_apertures;
		cmd.num_reserved = want.num_reserved - 1;
		ASSERT_EQ(EMSGSIZE, __window_caps(fd, self->e.idev, &cmd));
		ASSERT_EQ(want.num_apertures, cmd.num_apertures);
		ASSERT_EQ(want.num_reserved, cmd.num_reserved);
	}

	cmd = (struct iommu_window_caps){ .flags = 1 };
	ASSERT_EQ(EOPNOTSUPP, __window_caps(fd, self->e.idev, &cmd));
	/* Objects that are neither a device nor an IOAS. */
	cmd = (struct iommu_window_caps){};
	ASSERT_EQ(ENOENT, __window_caps(fd, self->e.hwpt, &cmd));
	cmd = (struct iommu_window_caps){};
	ASSERT_EQ(ENOENT, __window_caps(fd, self->e.stdev, &cmd));
}

/* With one device, the IOAS offers what the device does; then all again. */
TEST_F(model, ioas_caps)
{
	struct iommu_window_caps cmd = {};
	int fd = self->e.fd;
	struct caps want, got;

	model_caps(variant->dev_flags, &want);
	get_caps(fd, self->e.ioas, &got);
	check_caps(&got, &want);

	iommufd_destroy(fd, self->e.stdev);
	no_device_caps(&want);
	get_caps(fd, self->e.ioas, &got);
	check_caps(&got, &want);
	ASSERT_EQ(ENOENT, __window_caps(fd, self->e.idev, &cmd));
}

TEST_F(model, map_and_detach)
{
	const uint64_t w = variant->win_start, len = SZ_16M;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	char *buf = self->e.buf;
	uint64_t iova;

	ASSERT_EQ(0, add_exact(fd, ioas, w, len));
	check_ranges(fd, ioas, span(w, len));

	ioas_map_fixed(fd, ioas, buf, 16 * PSZ, w + SZ_1M);
	md_check_map(fd, self->e.hwpt, w + SZ_1M, buf, 16 * PSZ);
	iova = ioas_map(fd, ioas, buf + 16 * PSZ, 8 * PSZ);
	ASSERT_TRUE(inside(iova, 8 * PSZ, w, len));
	md_check_map(fd, self->e.hwpt, iova, buf + 16 * PSZ, 8 * PSZ);
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, PSZ, w + len));
	ASSERT_EQ(EBUSY, __ioas_window_remove(fd, ioas, w));
	ioas_unmap(fd, ioas, iova, 8 * PSZ);

	/* The device goes; the window and the mapping stay. */
	iommufd_destroy(fd, self->e.stdev);
	check_ranges(fd, ioas, span(w, len));
	ioas_map_fixed(fd, ioas, buf, PSZ, w);
	ASSERT_EQ(17 * PSZ, ioas_unmap_all(fd, ioas));
	remove_window(fd, ioas, w);
	check_no_ranges(fd, ioas);
}

/* The models, one by one, each on the windowed IOAS of the fixture. */
FIXTURE(vtd) {
	struct env e;
};

FIXTURE_SETUP(vtd)
{
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	env_open(&self->e);
	env_attach(_metadata, &self->e, MODEL_VTD);
}

FIXTURE_TEARDOWN(vtd)
{
	env_close(&self->e);
}

/* "1 GiB below 4 GiB", until the interrupt range is in the way. */
TEST_F(vtd, below_4g)
{
	const struct iommu_ioas_window_add req = {
		.length = SZ_1G,
		.highest = 0xffffffff,
	};
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	uint64_t iova;

	ASSERT_EQ(0, win_add(fd, ioas, req, &iova));
	ASSERT_EQ(0, iova);
	ASSERT_EQ(0, win_add(fd, ioas, req, &iova));
	ASSERT_EQ(SZ_1G, iova);
	ASSERT_EQ(0, win_add(fd, ioas, req, &iova));
	ASSERT_EQ(2 * SZ_1G, iova);
	/* [3G, 4G) holds the interrupt range. */
	add_refused(fd, ioas, ENOSPC, .length = SZ_1G, .highest = 0xffffffff);
	check_ranges(fd, ioas, span(0, SZ_1G), span(SZ_1G, SZ_1G),
		     span(2 * SZ_1G, SZ_1G));

	ioas_map_fixed(fd, ioas, self->e.buf, 16 * PSZ, 2 * SZ_1G);
	md_check_map(fd, self->e.hwpt, 2 * SZ_1G, self->e.buf, 16 * PSZ);
}

TEST_F(vtd, interrupt_range)
{
	const uint64_t below = MOCK_VTD_MSI_START - SZ_1M;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	uint64_t iova;

	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT,
		    .iova = MOCK_VTD_MSI_START, .length = SZ_1M);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = 3 * SZ_1G,
		    .length = SZ_1G);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT,
		    .iova = MOCK_VTD_MSI_LAST + 1 - PSZ, .length = 2 * PSZ);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = below,
		    .length = SZ_2M);

	/* Right below it; then the lowest start from there is above it. */
	ASSERT_EQ(0, add_exact(fd, ioas, below, SZ_1M));
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M, .lowest = below),
			     &iova));
	ASSERT_EQ(MOCK_VTD_MSI_LAST + 1, iova);
	check_ranges(fd, ioas, span(below, SZ_1M),
		     span(MOCK_VTD_MSI_LAST + 1, SZ_1M));
}

TEST_F(vtd, address_width)
{
	const uint64_t end = MOCK_VTD_APERTURE_LAST + 1;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;

	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = end,
		    .length = SZ_1G);
	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = end - SZ_1M,
		    .length = SZ_2M);
	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = 1ULL << 59,
		    .length = SZ_1G);
	add_refused(fd, ioas, ENOSPC, .length = SZ_1M, .lowest = end);
	add_refused(fd, ioas, ENOSPC, .length = SZ_2M,
		    .lowest = end - SZ_1M);
	/* Up to the last IOVA it translates. */
	ASSERT_EQ(0, add_exact(fd, ioas, end - SZ_1M, SZ_1M));
	check_ranges(fd, ioas, span(end - SZ_1M, SZ_1M));
}

TEST_F(vtd, page_sizes_and_levels)
{
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;

	/* Its tables have a fixed number of levels. */
	add_refused(fd, ioas, EOPNOTSUPP, .flags = EXACT, .iova = SZ_1G,
		    .length = SZ_1G, .levels = 3);
	add_refused(fd, ioas, EOPNOTSUPP, .length = SZ_1G, .levels = 1);
	/* Any power of two from its smallest page on. */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = SZ_1G,
					   .length = SZ_1G,
					   .page_size = SZ_2M), NULL));
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = 1ULL << 34,
					   .length = SZ_1G,
					   .page_size = SZ_1G), NULL));
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = SZ_4G,
					   .length = SZ_16M,
					   .page_size = ODD_PAGE), NULL));
	check_ranges(fd, ioas, span(SZ_1G, SZ_1G), span(SZ_4G, SZ_16M),
		     span(1ULL << 34, SZ_1G));
}

/* A device joins an IOAS only if it can have every window of it. */
TEST_F(vtd, attach)
{
	int fd = self->e.fd;
	uint32_t other = ioas_alloc_windowed(fd);
	uint32_t stdev, hwpt;
	struct caps want, got;

	/* Beyond its 39 address bits. */
	ASSERT_EQ(0, add_exact(fd, other, 1ULL << 39, SZ_1G));
	attach_refused(fd, other, MODEL_VTD, ERANGE);
	remove_window(fd, other, 1ULL << 39);
	/* Over its interrupt range. */
	ASSERT_EQ(0, add_exact(fd, other, MOCK_VTD_MSI_START - SZ_1M,
			       4 * SZ_1M));
	attach_refused(fd, other, MODEL_VTD, EADDRINUSE);
	remove_window(fd, other, MOCK_VTD_MSI_START - SZ_1M);
	/* Levels it cannot choose. */
	ASSERT_EQ(0, win_add(fd, other, WIN(.flags = EXACT, .iova = SZ_1G,
					    .length = SZ_1G, .levels = 2),
			     NULL));
	attach_refused(fd, other, MODEL_VTD, EOPNOTSUPP);
	remove_window(fd, other, SZ_1G);

	/* What suits it: the mapping made before is in its table. */
	ASSERT_EQ(0, add_exact(fd, other, SZ_1G, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, other, 1ULL << 38, SZ_1G));
	ioas_map_fixed(fd, other, self->e.buf, 16 * PSZ, SZ_1G);
	attach_model(fd, other, MODEL_VTD, &stdev, &hwpt, NULL);
	md_check_map(fd, hwpt, SZ_1G, self->e.buf, 16 * PSZ);
	check_ranges(fd, other, span(SZ_1G, SZ_1G), span(1ULL << 38, SZ_1G));
	model_caps(MODEL_VTD, &want);
	get_caps(fd, other, &got);
	check_caps(&got, &want);

	iommufd_destroy(fd, stdev);
	check_ranges(fd, other, span(SZ_1G, SZ_1G), span(1ULL << 38, SZ_1G));
	ioas_unmap(fd, other, SZ_1G, 16 * PSZ);
}

/*
 * Two models on one IOAS: windows must suit both. Each model gets an
 * automatic table of its own, as devices behind two IOMMU drivers do.
 */
TEST_F(vtd, with_smmu)
{
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	struct caps want, got;
	uint32_t stdev, hwpt, hwpt2, other;

	attach_model(fd, ioas, MODEL_SMMU, &stdev, &hwpt, NULL);
	ASSERT_NE(self->e.hwpt, hwpt);
	/* A second device of a model shares its table. */
	attach_model(fd, ioas, MODEL_SMMU, &other, &hwpt2, NULL);
	ASSERT_EQ(hwpt, hwpt2);
	iommufd_destroy(fd, other);
	/* Not a table of another model, named explicitly: EINVAL, as upstream. */
	ASSERT_EQ(EINVAL, __mock_domain_flags(fd, self->e.hwpt, MODEL_SMMU,
					      &other, NULL, NULL));
	memset(&want, 0, sizeof(want));
	set_aperture(&want, 0, MOCK_VTD_APERTURE_LAST, MOCK_VTD_PAGE_SIZES,
		     0, 0);
	set_reserved(&want, MOCK_SMMU_MSI_START, MOCK_SMMU_MSI_LAST);
	set_reserved(&want, MOCK_VTD_MSI_START, MOCK_VTD_MSI_LAST);
	get_caps(fd, ioas, &got);
	check_caps(&got, &want);

	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT,
		    .iova = MOCK_SMMU_MSI_START, .length = SZ_1M);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT,
		    .iova = MOCK_VTD_MSI_START, .length = SZ_1M);
	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = 1ULL << 40,
		    .length = SZ_1G);
	ASSERT_EQ(0, add_exact(fd, ioas, 0, MOCK_SMMU_MSI_START));

	/* Without the SMMU, the VT-d model alone. */
	iommufd_destroy(fd, stdev);
	model_caps(MODEL_VTD, &want);
	get_caps(fd, ioas, &got);
	check_caps(&got, &want);
	check_ranges(fd, ioas, span(0, MOCK_SMMU_MSI_START));
}

/*
 * VT-d and PowerPC: one aperture in common, with PowerPC's constraints,
 * both reserved ranges, PowerPC's number of windows. The page sizes in
 * common are at least the ones both translate with natively, and only
 * ones the PowerPC aperture allows.
 */
TEST_F(vtd, with_ppc)
{
	const uint64_t common = MOCK_VTD_PAGE_SIZES & MOCK_PPC_PAGE_SIZES;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	struct caps got;

	attach_model(fd, ioas, MODEL_PPC, NULL, NULL, NULL);
	get_caps(fd, ioas, &got);
	ASSERT_EQ(MOCK_PPC_WINDOWS, got.max_windows);
	ASSERT_EQ(1, got.num_apertures);
	ASSERT_EQ(0, got.apertures[0].start);
	ASSERT_EQ(MOCK_PPC_LOW_LAST, got.apertures[0].last);
	ASSERT_EQ(PPC_FLAGS, got.apertures[0].flags);
	ASSERT_EQ(0, got.apertures[0].max_levels);
	ASSERT_EQ(common, got.apertures[0].page_sizes & common);
	ASSERT_EQ(0, got.apertures[0].page_sizes & ~MOCK_PPC_PAGE_SIZES);
	ASSERT_EQ(2, got.num_reserved);
	ASSERT_EQ(MOCK_VTD_MSI_START, got.reserved[0].start);
	ASSERT_EQ(MOCK_VTD_MSI_LAST, got.reserved[0].last);
	ASSERT_EQ(MOCK_PPC_LOW_LAST + 1, got.reserved[1].start);
	ASSERT_EQ(MOCK_PPC_HIGH_START - 1, got.reserved[1].last);

	/* PowerPC's high window is beyond VT-d. */
	add_refused(fd, ioas, ERANGE, .flags = EXACT,
		    .iova = MOCK_PPC_HIGH_START, .length = SZ_1G);
	ASSERT_EQ(0, add_exact(fd, ioas, 0, SZ_1G));
	check_ranges(fd, ioas, span(0, SZ_1G));
}

FIXTURE(smmu) {
	struct env e;
};

FIXTURE_SETUP(smmu)
{
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	env_open(&self->e);
	env_attach(_metadata, &self->e, MODEL_SMMU);
}

FIXTURE_TEARDOWN(smmu)
{
	env_close(&self->e);
}

TEST_F(smmu, msi_window)
{
	const uint64_t msi = MOCK_SMMU_MSI_START;
	const uint64_t above = MOCK_SMMU_MSI_LAST + 1;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	char *buf = self->e.buf;
	uint64_t iova;

	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = msi,
		    .length = SZ_1M);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = 0,
		    .length = 16 * SZ_16M);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = msi - SZ_1M,
		    .length = SZ_2M);
	/* All of the IOVA below it, as an emulated vIOMMU may need. */
	ASSERT_EQ(0, add_exact(fd, ioas, 0, msi));
	ASSERT_EQ(0, add_exact(fd, ioas, above, SZ_16M));
	/* The lowest start from below it is past both windows. */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_2M,
					   .lowest = msi - SZ_1M), &iova));
	ASSERT_EQ(above + SZ_16M, iova);
	check_ranges(fd, ioas, span(0, msi), span(above, SZ_16M),
		     span(above + SZ_16M, SZ_2M));

	ioas_map_fixed(fd, ioas, buf, 16 * PSZ, 0);
	ioas_map_fixed(fd, ioas, buf + 16 * PSZ, 16 * PSZ, above);
	md_check_map(fd, self->e.hwpt, 0, buf, 16 * PSZ);
	md_check_map(fd, self->e.hwpt, above, buf + 16 * PSZ, 16 * PSZ);
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, 16 * PSZ, msi));
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, 2 * PSZ, msi - PSZ));
}

TEST_F(smmu, address_width)
{
	const uint64_t end = MOCK_SMMU_APERTURE_LAST + 1;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;

	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = end,
		    .length = SZ_1G);
	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = end - SZ_1M,
		    .length = SZ_2M);
	add_refused(fd, ioas, ENOSPC, .length = SZ_1M, .lowest = end);
	/* Beyond VT-d's 39 bits is fine here. */
	ASSERT_EQ(0, add_exact(fd, ioas, 1ULL << 40, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, ioas, end - SZ_1G, SZ_1G));
	check_ranges(fd, ioas, span(1ULL << 40, SZ_1G),
		     span(end - SZ_1G, SZ_1G));
}

TEST_F(smmu, attach)
{
	int fd = self->e.fd;
	uint32_t other = ioas_alloc_windowed(fd);

	ASSERT_EQ(0, add_exact(fd, other, 0, 16 * SZ_16M));
	attach_refused(fd, other, MODEL_SMMU, EADDRINUSE);
	remove_window(fd, other, 0);
	ASSERT_EQ(0, add_exact(fd, other, MOCK_SMMU_APERTURE_LAST + 1,
			       SZ_1G));
	attach_refused(fd, other, MODEL_SMMU, ERANGE);
	remove_window(fd, other, MOCK_SMMU_APERTURE_LAST + 1);

	ASSERT_EQ(0, add_exact(fd, other, 0, MOCK_SMMU_MSI_START));
	attach_model(fd, other, MODEL_SMMU, NULL, NULL, NULL);
	check_ranges(fd, other, span(0, MOCK_SMMU_MSI_START));
}

FIXTURE(ppc) {
	struct env e;
};

FIXTURE_SETUP(ppc)
{
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	env_open(&self->e);
	env_attach(_metadata, &self->e, MODEL_PPC);
}

FIXTURE_TEARDOWN(ppc)
{
	env_close(&self->e);
}

/* Two windows at fixed places, each with its page size and levels. */
TEST_F(ppc, windows)
{
	const uint64_t high = MOCK_PPC_HIGH_START;
	const uint64_t sz_64k = 1ULL << 16;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	char *buf = self->e.buf;
	uint64_t iova;

	/* Inside an aperture, but not at its start. */
	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = 0x10000000,
		    .length = SZ_16M);
	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = high + SZ_1G,
		    .length = SZ_1G);
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = 0,
					   .length = SZ_1G,
					   .page_size = sz_64k, .levels = 2),
			     NULL));
	check_ranges(fd, ioas, span(0, SZ_1G));

	/* Page sizes other than its own, more levels than it has. */
	add_refused(fd, ioas, EOPNOTSUPP, .flags = EXACT, .iova = high,
		    .length = SZ_1G, .page_size = ODD_PAGE);
	add_refused(fd, ioas, EOPNOTSUPP, .flags = EXACT, .iova = high,
		    .length = SZ_1G, .page_size = sz_64k,
		    .levels = MOCK_PPC_MAX_LEVELS + 1);
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1G,
					   .lowest = SZ_4G), &iova));
	ASSERT_EQ(high, iova);
	check_ranges(fd, ioas, span(0, SZ_1G), span(high, SZ_1G));

	/*
	 * No third window. The count is checked first, as when a device
	 * joins an IOAS with too many windows.
	 */
	add_refused(fd, ioas, ENOSPC, .length = SZ_1M);
	add_refused(fd, ioas, ENOSPC, .flags = EXACT, .iova = 2 * SZ_1G,
		    .length = SZ_1M);

	/* The high window has CPU-sized IO pages. */
	ioas_map_fixed(fd, ioas, buf, 16 * PSZ, high + SZ_1M);
	md_check_map(fd, self->e.hwpt, high + SZ_1M, buf, 16 * PSZ);
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, PSZ, high + SZ_1G));
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, PSZ, SZ_4G));

	/* A window given back can be asked for again, differently. */
	ASSERT_EQ(16 * PSZ, ioas_unmap_all(fd, ioas));
	remove_window(fd, ioas, high);
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = high,
					   .length = SZ_16M,
					   .page_size = SZ_16M,
					   .levels = MOCK_PPC_MAX_LEVELS),
			     NULL));
	check_ranges(fd, ioas, span(0, SZ_1G), span(high, SZ_16M));
}

TEST_F(ppc, attach)
{
	int fd = self->e.fd;
	uint32_t other = ioas_alloc_windowed(fd);
	uint32_t hwpt;

	ASSERT_EQ(0, add_exact(fd, other, 0, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, other, MOCK_PPC_HIGH_START, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, other, 2 * SZ_1G, SZ_1G));
	attach_refused(fd, other, MODEL_PPC, ENOSPC);
	remove_window(fd, other, 2 * SZ_1G);

	remove_window(fd, other, 0);
	ASSERT_EQ(0, win_add(fd, other, WIN(.flags = EXACT, .iova = 0,
					    .length = SZ_1G,
					    .page_size = ODD_PAGE), NULL));
	attach_refused(fd, other, MODEL_PPC, EOPNOTSUPP);
	remove_window(fd, other, 0);
	ASSERT_EQ(0, win_add(fd, other, WIN(.flags = EXACT, .iova = 0,
					    .length = SZ_1G,
					    .levels = MOCK_PPC_MAX_LEVELS + 1),
			     NULL));
	attach_refused(fd, other, MODEL_PPC, EOPNOTSUPP);
	remove_window(fd, other, 0);
	ASSERT_EQ(0, add_exact(fd, other, 0x10000000, SZ_16M));
	attach_refused(fd, other, MODEL_PPC, ERANGE);
	remove_window(fd, other, 0x10000000);

	ASSERT_EQ(0, add_exact(fd, other, 0, SZ_1G));
	ioas_map_fixed(fd, other, self->e.buf, 16 * PSZ, MOCK_PPC_HIGH_START);
	attach_model(fd, other, MODEL_PPC, NULL, &hwpt, NULL);
	md_check_map(fd, hwpt, MOCK_PPC_HIGH_START, self->e.buf, 16 * PSZ);
	check_ranges(fd, other, span(0, SZ_1G),
		     span(MOCK_PPC_HIGH_START, SZ_1G));
}

/*
 * A page table made with IOMMU_HWPT_ALLOC for the device, in a windowed
 * IOAS the device is not attached to, holds that IOAS's windows to the
 * device's hardware as an attached device would: a window the hardware
 * cannot take is refused with the errno of IOMMU_IOAS_WINDOW_ADD and
 * changes nothing, and no table is made for an IOAS whose windows the
 * hardware cannot take. (Such a table once let those windows through to
 * the backend, whose WARN then took the machine down.)
 */
TEST_F(ppc, table_of_other_ioas)
{
	const uint64_t high = MOCK_PPC_HIGH_START;
	int fd = self->e.fd;
	uint32_t other = ioas_alloc_windowed(fd);
	uint32_t third = ioas_alloc_windowed(fd);
	uint32_t hwpt;

	hwpt = hwpt_alloc(fd, self->e.idev, other);
	add_refused(fd, other, EOPNOTSUPP, .flags = EXACT, .iova = 0,
		    .length = SZ_1G, .page_size = ODD_PAGE);
	add_refused(fd, other, EOPNOTSUPP, .flags = EXACT, .iova = 0,
		    .length = SZ_1G, .levels = MOCK_PPC_MAX_LEVELS + 1);
	add_refused(fd, other, EOPNOTSUPP, .length = SZ_1G,
		    .page_size = ODD_PAGE);
	add_refused(fd, other, ERANGE, .flags = EXACT, .iova = 0x10000000,
		    .length = SZ_16M);
	ASSERT_EQ(0, add_exact(fd, other, 0, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, other, high, SZ_1G));
	add_refused(fd, other, ENOSPC, .flags = EXACT, .iova = 2 * SZ_1G,
		    .length = SZ_1M);
	ioas_map_fixed(fd, other, self->e.buf, 16 * PSZ, high);
	md_check_map(fd, hwpt, high, self->e.buf, 16 * PSZ);
	ASSERT_EQ(16 * PSZ, ioas_unmap_all(fd, other));
	iommufd_destroy(fd, hwpt);

	/* Windows first: the table is refused as an attach would be. */
	ASSERT_EQ(0, win_add(fd, third, WIN(.flags = EXACT, .iova = 0,
					    .length = SZ_1G,
					    .page_size = ODD_PAGE), NULL));
	ASSERT_EQ(EOPNOTSUPP, __hwpt_alloc(fd, self->e.idev, third, 0,
					   &hwpt));
	remove_window(fd, third, 0);
	ASSERT_EQ(0, add_exact(fd, third, 0, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, third, high, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, third, 2 * SZ_1G, SZ_1G));
	ASSERT_EQ(ENOSPC, __hwpt_alloc(fd, self->e.idev, third, 0, &hwpt));
	remove_window(fd, third, 2 * SZ_1G);
	hwpt = hwpt_alloc(fd, self->e.idev, third);
	iommufd_destroy(fd, hwpt);
}

/*
 * Several IOASes per device (IOMMU_DEVICE_ATTACH_EXTRA). The PowerPC model
 * routes DMA by address, as its hardware does with its two TCE windows, so
 * each window may belong to another IOAS. MD_CHECK_MAP with the device's
 * ID follows its DMA to whichever table takes it.
 */

/*
 * Assert that attaching device @idev to @pt as an extra table fails with
 * @err, leaves no object, and changes neither the ranges nor the caps of
 * @ioas.
 */
static void __extra_refused(struct __test_metadata *_metadata, int fd,
			    uint32_t idev, uint32_t ioas, uint32_t pt, int err,
			    int line)
{
	struct iova_layout before, after;
	struct caps cb, ca;
	uint32_t next, id = pt;

	get_layout(fd, ioas, &before);
	get_caps(fd, ioas, &cb);
	next = next_id(fd);
	ASSERT_EQ(err, __device_attach_extra(fd, idev, &id)) {
		TH_LOG("attach of line %d", line);
	}
	ASSERT_EQ(pt, id);
	ASSERT_EQ(next, next_id(fd));
	get_layout(fd, ioas, &after);
	check_same_layout(&before, &after);
	get_caps(fd, ioas, &ca);
	check_caps(&ca, &cb);
}

#define extra_refused(fd, idev, ioas, pt, err)                            \
	__extra_refused(_metadata, fd, idev, ioas, pt, err, __LINE__)

/* Each window's DMA goes to its own IOAS, and only there. */
TEST_F(ppc, extra_ioas)
{
	const uint64_t high = MOCK_PPC_HIGH_START;
	const uint64_t len = 16 * PSZ;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas, idev = self->e.idev;
	uint32_t other = ioas_alloc_windowed(fd);
	char *buf = self->e.buf, *buf2 = self->e.buf + len;
	uint32_t pt = other, hwpt;

	ASSERT_EQ(0, add_exact(fd, ioas, 0, SZ_1G));
	device_attach_extra(fd, idev, &pt);
	ASSERT_NE(other, pt);
	ASSERT_EQ(0, add_exact(fd, other, high, SZ_1G));
	check_ranges(fd, other, span(high, SZ_1G));
	check_ranges(fd, ioas, span(0, SZ_1G));

	ioas_map_fixed(fd, ioas, buf, len, SZ_1M);
	ioas_map_fixed(fd, other, buf2, len, high + SZ_1M);
	md_check_map(fd, idev, SZ_1M, buf, len);
	md_check_map(fd, idev, high + SZ_1M, buf2, len);
	md_check_map(fd, pt, high + SZ_1M, buf2, len);
	md_check_map(fd, self->e.hwpt, SZ_1M, buf, len);
	ASSERT_EQ(EINVAL, __md_check_map(fd, idev, high + SZ_1M, buf, len));
	ASSERT_EQ(EINVAL, __md_check_map(fd, self->e.hwpt, high + SZ_1M, buf2,
					 len));
	ASSERT_EQ(EINVAL, __md_check_map(fd, idev, SZ_4G, buf, PSZ));

	/* The device holds the IOAS; unmapped, its IOVA is blocked. */
	ASSERT_EQ(EBUSY, __iommufd_destroy(fd, other));
	ASSERT_EQ(len, ioas_unmap_all(fd, other));
	ASSERT_EQ(EINVAL, __md_check_map(fd, idev, high + SZ_1M, buf2, len));

	/* Detached, by IOAS ID, its automatic table goes with it. */
	ioas_map_fixed(fd, other, buf2, len, high + SZ_1M);
	device_detach_extra(fd, idev, other);
	ASSERT_EQ(ENOENT, __device_detach_extra(fd, idev, other));
	ASSERT_EQ(ENOENT, __device_detach_extra(fd, idev, pt));
	ASSERT_EQ(EINVAL, __md_check_map(fd, idev, high + SZ_1M, buf2, len));
	md_check_map(fd, idev, SZ_1M, buf, len);
	ASSERT_EQ(ENOENT, __iommufd_destroy(fd, pt));

	/* A page table made for the device, detached by its own ID. */
	ASSERT_EQ(0, __hwpt_alloc(fd, idev, other, 0, &hwpt));
	pt = hwpt;
	device_attach_extra(fd, idev, &pt);
	ASSERT_EQ(hwpt, pt);
	md_check_map(fd, idev, high + SZ_1M, buf2, len);
	ASSERT_EQ(EBUSY, __iommufd_destroy(fd, hwpt));
	device_detach_extra(fd, idev, hwpt);
	ASSERT_EQ(EINVAL, __md_check_map(fd, idev, high + SZ_1M, buf2, len));

	/* Destroying the device detaches every IOAS. */
	device_attach_extra(fd, idev, &pt);
	iommufd_destroy(fd, self->e.stdev);
	iommufd_destroy(fd, hwpt);
	iommufd_destroy(fd, other);
}

TEST_F(ppc, extra_refused)
{
	const uint64_t high = MOCK_PPC_HIGH_START;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas, idev = self->e.idev;
	uint32_t other = ioas_alloc_windowed(fd);
	uint32_t vtd_ioas = ioas_alloc_windowed(fd);
	struct iommu_device_extra cmd = {
		.size = sizeof(cmd),
		.flags = 1,
		.dev_id = idev,
		.pt_id = other,
	};
	uint32_t pt = other, vtd_idev;

	ASSERT_EQ(0, add_exact(fd, ioas, 0, SZ_1G));

	/* Not a device, nothing or nothing to attach to, unknown flags. */
	ASSERT_EQ(ENOENT, __device_attach_extra(fd, other, &pt));
	ASSERT_EQ(other, pt);
	extra_refused(fd, idev, other, 0, ENOENT);
	extra_refused(fd, idev, other, self->e.stdev, EINVAL);
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_DEVICE_ATTACH_EXTRA,
					    &cmd));

	/* Only windowed IOASes, each once. */
	extra_refused(fd, idev, self->e.plain, self->e.plain, EINVAL);
	extra_refused(fd, idev, ioas, ioas, EEXIST);
	extra_refused(fd, idev, ioas, self->e.hwpt, EEXIST);

	/* Windows that overlap, or are too many for the device together. */
	ASSERT_EQ(0, add_exact(fd, other, 0, SZ_16M));
	extra_refused(fd, idev, other, other, EEXIST);
	remove_window(fd, other, 0);
	ASSERT_EQ(0, add_exact(fd, other, high, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, ioas, high, SZ_16M));
	extra_refused(fd, idev, other, other, ENOSPC);
	remove_window(fd, ioas, high);

	/* A window the hardware cannot have at all. */
	remove_window(fd, other, high);
	ASSERT_EQ(0, add_exact(fd, other, high + SZ_1G, SZ_1G));
	extra_refused(fd, idev, other, other, ERANGE);
	remove_window(fd, other, high + SZ_1G);

	/* Hardware with one table for everything has no extra ones. */
	attach_model(fd, vtd_ioas, MODEL_VTD, NULL, NULL, &vtd_idev);
	extra_refused(fd, vtd_idev, other, other, EOPNOTSUPP);

	/* What was refused left no trace: the device can still join. */
	ASSERT_EQ(0, add_exact(fd, other, high, SZ_1G));
	device_attach_extra(fd, idev, &pt);
	check_ranges(fd, other, span(high, SZ_1G));
}

/* Windows of each IOAS are checked against the other's. */
TEST_F(ppc, extra_windows)
{
	const uint64_t high = MOCK_PPC_HIGH_START;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas, idev = self->e.idev;
	uint32_t other = ioas_alloc_windowed(fd);
	uint32_t pt = other;
	uint64_t iova;

	ASSERT_EQ(0, add_exact(fd, ioas, 0, SZ_1G));
	device_attach_extra(fd, idev, &pt);

	/* The low window is the other IOAS's: placement skips it. */
	add_refused(fd, other, EEXIST, .flags = EXACT, .iova = 0,
		    .length = SZ_16M);
	ASSERT_EQ(0, win_add(fd, other, WIN(.length = SZ_1G), &iova));
	ASSERT_EQ(high, iova);

	/*
	 * The device has both its windows: there is none left in either.
	 * An exact window on top of the other IOAS's is reported as such.
	 */
	add_refused(fd, ioas, ENOSPC, .length = SZ_1M);
	add_refused(fd, other, ENOSPC, .length = SZ_1M);
	add_refused(fd, ioas, EEXIST, .flags = EXACT, .iova = high,
		    .length = SZ_1M);

	/* A window given back in one IOAS can be taken in the other. */
	remove_window(fd, other, high);
	ASSERT_EQ(0, add_exact(fd, ioas, high, SZ_16M));
	add_refused(fd, other, ENOSPC, .length = SZ_1M);
	check_no_ranges(fd, other);
	check_ranges(fd, ioas, span(0, SZ_1G), span(high, SZ_16M));

	/* Detached, the other IOAS is on its own again. */
	device_detach_extra(fd, idev, other);
	ASSERT_EQ(0, add_exact(fd, other, 0, SZ_16M));
	extra_refused(fd, idev, other, other, ENOSPC);
}

/* Replacing the device's main table keeps the extra one. */
TEST_F(ppc, extra_replace)
{
	const uint64_t high = MOCK_PPC_HIGH_START;
	const uint64_t len = 16 * PSZ;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas, idev = self->e.idev;
	uint32_t stdev = self->e.stdev;
	uint32_t other = ioas_alloc_windowed(fd);
	uint32_t clash = ioas_alloc_windowed(fd);
	uint32_t fits = ioas_alloc_windowed(fd);
	char *buf = self->e.buf, *buf2 = self->e.buf + len;
	uint32_t pt = other;

	ASSERT_EQ(0, add_exact(fd, ioas, 0, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, other, high, SZ_1G));
	device_attach_extra(fd, idev, &pt);
	ioas_map_fixed(fd, ioas, buf, len, SZ_1M);
	ioas_map_fixed(fd, other, buf2, len, high);

	/* Not windowed, the extra IOAS itself, a window in the way. */
	pt = self->e.plain;
	ASSERT_EQ(EINVAL, __mock_domain_replace(fd, stdev, &pt));
	pt = other;
	ASSERT_EQ(EEXIST, __mock_domain_replace(fd, stdev, &pt));
	ASSERT_EQ(0, add_exact(fd, clash, high, SZ_16M));
	pt = clash;
	ASSERT_EQ(EEXIST, __mock_domain_replace(fd, stdev, &pt));
	md_check_map(fd, idev, SZ_1M, buf, len);
	md_check_map(fd, idev, high, buf2, len);

	/* The window of the IOAS being left is not held against the new. */
	ASSERT_EQ(0, add_exact(fd, fits, 0, SZ_16M));
	ioas_map_fixed(fd, fits, buf2, len, SZ_1M);
	pt = fits;
	ASSERT_EQ(0, __mock_domain_replace(fd, stdev, &pt));
	md_check_map(fd, idev, SZ_1M, buf2, len);
	md_check_map(fd, idev, high, buf2, len);
	iommufd_destroy(fd, ioas);
}

/*
 * ---- VFIO's SPAPR TCE container (v2) on the mock PowerPC model ----
 *
 * The VFIO container ioctls work on the iommufd file; its compat IOAS is
 * named with IOMMU_VFIO_IOAS, as VFIO's group path would create it.
 */

/* VFIO_IOMMU_SPAPR_TCE_GET_INFO with @argsz; 0 or the errno. */
static int spapr_info(int fd, uint32_t argsz,
		      struct vfio_iommu_spapr_tce_info *info)
{
	memset(info, 0xa5, sizeof(*info));
	info->argsz = argsz;
	info->flags = 0;
	return ioctl(fd, VFIO_IOMMU_SPAPR_TCE_GET_INFO, info) ? errno : 0;
}

/* VFIO_SET_IOMMU; 0 or the errno. */
static int set_iommu(int fd, unsigned long type)
{
	return ioctl(fd, VFIO_SET_IOMMU, type) ? errno : 0;
}

#define spapr_register(fd, buf, size) \
	__spapr_memory(fd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, 0, buf, size)
#define spapr_unregister(fd, buf, size) \
	__spapr_memory(fd, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, 0, buf, size)

/* VFIO_IOMMU_MAP_DMA with @flags; 0 or the errno. */
static int spapr_map(int fd, uint32_t flags, const void *buf, uint64_t iova,
		     uint64_t size)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = size,
	};

	return ioctl(fd, VFIO_IOMMU_MAP_DMA, &map) ? errno : 0;
}

/*
 * VFIO_IOMMU_UNMAP_DMA with @flags; 0 or the errno. *@size_out is what the
 * kernel left in the size field.
 */
static int spapr_unmap(int fd, uint32_t flags, uint64_t iova, uint64_t size,
		       uint64_t *size_out)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = size,
	};
	int rc = ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &unmap) ? errno : 0;

	if (size_out)
		*size_out = unmap.size;
	return rc;
}

#define RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/* A file to be the container, and a buffer. */
FIXTURE(spapr) {
	int fd;
	char *buf;
};

FIXTURE_SETUP(spapr)
{
	self->fd = -1;
	self->buf = NULL;
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	self->fd = iommufd_open();
	ASSERT_LE(0, self->fd);
	self->buf = alloc_buffer(BUF_SIZE);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(spapr)
{
	if (self->buf)
		munmap(self->buf, BUF_SIZE);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * A program using VFIO's SPAPR v2 container: SET_IOMMU makes the empty
 * compat IOAS windowed; with a PowerPC device on it, CHECK_EXTENSION
 * offers the API, GET_INFO describes the hardware, the pending default
 * window is cancelled by removing it, and windows are created where the
 * hardware's slots are, mapped into and removed with their mappings.
 */
TEST_F(spapr, container)
{
	struct vfio_iommu_spapr_tce_info info;
	uint64_t low = 1, high = 1, unused;
	char *buf = self->buf;
	int fd = self->fd;
	uint32_t ioas, idev;

	ioas = ioas_alloc(fd);
	vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas);

	/* Nothing known of the hardware yet: not offered, but accepted. */
	ASSERT_EQ(0, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(ENOTTY, __spapr_tce_remove(fd, 0));
	ASSERT_EQ(0, set_iommu(fd, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(EINVAL, set_iommu(fd, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(EINVAL, set_iommu(fd, VFIO_SPAPR_TCE_v2_IOMMU));
	/* Windowed now: nothing can be mapped until a window exists. */
	check_no_ranges(fd, ioas);
	ASSERT_EQ(ENXIO, spapr_info(fd, sizeof(info), &info));

	attach_model(fd, ioas, MODEL_PPC, NULL, NULL, &idev);
	ASSERT_EQ(1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU));
	ASSERT_EQ(0, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
	/* v1's own ioctls are not v2's. */
	ASSERT_EQ(-1, ioctl(fd, VFIO_IOMMU_ENABLE));
	ASSERT_EQ(ENOTTY, errno);

	/* The 16-byte form leaves the DDW part alone; the whole form fills it. */
	ASSERT_EQ(EINVAL, spapr_info(fd, 15, &info));
	ASSERT_EQ(0, spapr_info(fd, 16, &info));
	ASSERT_EQ(VFIO_IOMMU_SPAPR_INFO_DDW, info.flags);
	ASSERT_EQ(0, info.dma32_window_start);
	ASSERT_EQ(1U << 31, info.dma32_window_size);
	ASSERT_TRUE(poisoned(&info.ddw, sizeof(info.ddw)));
	ASSERT_EQ(0, spapr_info(fd, sizeof(info), &info));
	ASSERT_EQ(sizeof(info), info.argsz);
	ASSERT_EQ(VFIO_IOMMU_SPAPR_INFO_DDW, info.flags);
	ASSERT_EQ(MOCK_PPC_PAGE_SIZES, info.ddw.pgsizes);
	ASSERT_EQ(MOCK_PPC_WINDOWS, info.ddw.max_dynamic_windows_supported);
	ASSERT_EQ(MOCK_PPC_MAX_LEVELS, info.ddw.levels);

	/* The default window, still pending, goes away; then nothing is. */
	ASSERT_EQ(0, __spapr_tce_remove(fd, 0));
	ASSERT_EQ(EINVAL, __spapr_tce_remove(fd, 0));
	check_no_ranges(fd, ioas);

	/* Refused: flags, a page size the hardware lacks, a ragged size. */
	ASSERT_EQ(EINVAL, __spapr_tce_create(fd, 1, 16, SZ_1G, &unused));
	ASSERT_EQ(EINVAL, __spapr_tce_create(fd, 0, 13, SZ_1G, &unused));
	ASSERT_EQ(EINVAL,
		  __spapr_tce_create(fd, 0, 16, SZ_1G + 4096, &unused));
	check_no_ranges(fd, ioas);

	/* Each slot in turn, then no third one. */
	ASSERT_EQ(0, __spapr_tce_create(fd, 0, 12, SZ_1G, &low));
	ASSERT_EQ(0, low);
	ASSERT_EQ(0, __spapr_tce_create(fd, 0, 21, SZ_4G, &high));
	ASSERT_EQ(MOCK_PPC_HIGH_START, high);
	ASSERT_EQ(ENOSPC, __spapr_tce_create(fd, 0, 16, SZ_1G, &unused));
	check_ranges(fd, ioas, span(low, SZ_1G), span(high, SZ_4G));

	/* Maps land in a window only, and are gone with it. */
	ASSERT_EQ(0, spapr_register(fd, buf, BUF_SIZE));
	vfio_map_dma(fd, buf, SZ_1M, BUF_SIZE);
	md_check_map(fd, idev, SZ_1M, buf, BUF_SIZE);
	ASSERT_EQ(ENXIO, __vfio_map_dma(fd, buf, SZ_1G, BUF_SIZE));
	ASSERT_EQ(0, __spapr_tce_remove(fd, SZ_1M + 4096));
	check_ranges(fd, ioas, span(high, SZ_4G));
	ASSERT_EQ(ENOENT, __ioas_unmap(fd, ioas, SZ_1M, BUF_SIZE, NULL));
	ASSERT_EQ(EINVAL, __spapr_tce_remove(fd, SZ_1M));

	/* The low slot is free again. */
	ASSERT_EQ(0, __spapr_tce_create(fd, 0, 12, SZ_16M, &low));
	ASSERT_EQ(0, low);
}

/*
 * SET_IOMMU(SPAPR v2) turns only an empty IOAS windowed, with no device
 * and nothing mapped; a refused one stays plain. The pending default
 * window is made (4 KiB pages, the 32-bit window) before the first
 * TCE_CREATE, which then takes the other slot.
 */
TEST_F(spapr, container_setup)
{
	uint32_t busy, mapped, ioas, idev;
	char *buf = self->buf;
	int fd = self->fd;
	uint64_t start = 1;

	/* No compat IOAS: as VFIO without a group. */
	ASSERT_EQ(ENODEV, set_iommu(fd, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(ENODEV, set_iommu(fd, VFIO_SPAPR_TCE_IOMMU));

	busy = ioas_alloc(fd);
	attach_model(fd, busy, MODEL_PPC, NULL, NULL, NULL);
	vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &busy);
	ASSERT_EQ(1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(EBUSY, set_iommu(fd, VFIO_SPAPR_TCE_v2_IOMMU));

	mapped = ioas_alloc(fd);
	ASSERT_EQ(0, map_at(fd, mapped, buf, BUF_SIZE, SZ_1M));
	vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &mapped);
	ASSERT_EQ(EBUSY, set_iommu(fd, VFIO_SPAPR_TCE_v2_IOMMU));
	/* Still plain: a map anywhere works. */
	ASSERT_EQ(0, map_at(fd, mapped, buf, BUF_SIZE, SZ_1G));

	ioas = ioas_alloc(fd);
	vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas);
	ASSERT_EQ(0, set_iommu(fd, VFIO_SPAPR_TCE_v2_IOMMU));
	attach_model(fd, ioas, MODEL_PPC, NULL, NULL, &idev);
	ASSERT_EQ(0, __spapr_tce_create(fd, 0, 16, SZ_16M, &start));
	ASSERT_EQ(MOCK_PPC_HIGH_START, start);
	check_ranges(fd, ioas, span(0, 1ULL << 31), span(start, SZ_16M));
	/* The default window translates with 4 KiB pages. */
	ASSERT_EQ(0, spapr_register(fd, buf, PSZ));
	vfio_map_dma(fd, buf, SZ_1M, PSZ);
	md_check_map(fd, idev, SZ_1M, buf, PSZ);
}

/* Bytes IOMMU_PIN_STATS reports pinned for the whole file. */
static uint64_t file_pinned(struct __test_metadata *_metadata, int fd)
{
	uint64_t pinned, charged;

	pin_stats(fd, 0, &pinned, &charged);
	return pinned;
}

/*
 * SPAPR v2 through preregistered memory: REGISTER pins and charges once,
 * MAP_DMA maps registered memory only, into windows only, at each
 * window's IO page size, and never pins again; UNMAP_DMA clears whole IO
 * pages wherever the mappings began; the errnos are VFIO's, in its order.
 */
TEST_F(spapr, preregistered)
{
	uint64_t high = 0, left, dma32 = 1ULL << 31;
	char *buf = self->buf, *other;
	int fd = self->fd;
	uint32_t ioas, idev;

	ioas = ioas_alloc(fd);
	vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas);
	ASSERT_EQ(0, set_iommu(fd, VFIO_SPAPR_TCE_v2_IOMMU));
	attach_model(fd, ioas, MODEL_PPC, NULL, NULL, &idev);

	/* Nothing registered yet: MAP and UNMAP are not enabled. */
	ASSERT_EQ(EPERM, spapr_map(fd, RW, buf, SZ_1M, PSZ));
	ASSERT_EQ(EPERM, spapr_unmap(fd, 0, SZ_1M, PSZ, NULL));
	/* ... and the default window is still pending. */
	check_no_ranges(fd, ioas);

	/* Refused registrations change nothing. */
	ASSERT_EQ(EINVAL, __spapr_memory(fd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
					 1, buf, BUF_SIZE));
	ASSERT_EQ(EINVAL, spapr_register(fd, buf, 0));
	ASSERT_EQ(EINVAL, spapr_register(fd, buf + 1, PSZ));
	ASSERT_EQ(EINVAL, spapr_register(fd, buf, PSZ + 1));
	ASSERT_EQ(EINVAL, spapr_register(fd, (void *)-PSZ, 2 * PSZ));
	ASSERT_EQ(0, file_pinned(_metadata, fd));
	ASSERT_EQ(EPERM, spapr_map(fd, RW, buf, SZ_1M, PSZ));

	/* Registered once; the same range is EBUSY, an overlap EINVAL. */
	ASSERT_EQ(0, spapr_register(fd, buf, BUF_SIZE / 2));
	ASSERT_EQ(BUF_SIZE / 2, file_pinned(_metadata, fd));
	ASSERT_EQ(EBUSY, spapr_register(fd, buf, BUF_SIZE / 2));
	ASSERT_EQ(EINVAL, spapr_register(fd, buf + PSZ, PSZ));
	ASSERT_EQ(EINVAL, spapr_register(fd, buf + BUF_SIZE / 2 - PSZ,
					 2 * PSZ));
	ASSERT_EQ(0, spapr_register(fd, buf + BUF_SIZE / 2, BUF_SIZE / 2));
	ASSERT_EQ(BUF_SIZE, file_pinned(_metadata, fd));

	/*
	 * Checked in VFIO's order: flags, window (the default one made for
	 * the check, and made pending again when the call fails), alignment.
	 */
	ASSERT_EQ(EINVAL, spapr_map(fd, RW | VFIO_DMA_MAP_FLAG_VADDR, buf,
				    SZ_1M, PSZ));
	ASSERT_EQ(ENXIO, spapr_map(fd, 0, buf, SZ_4G, PSZ));
	ASSERT_EQ(EINVAL, spapr_map(fd, 0, buf, SZ_1M, PSZ));
	ASSERT_EQ(EINVAL, spapr_map(fd, RW, buf + 1, SZ_1M, PSZ));
	ASSERT_EQ(EINVAL, spapr_map(fd, RW, buf, SZ_1M + 1, PSZ));
	ASSERT_EQ(EINVAL, spapr_map(fd, RW, buf, SZ_1M, PSZ + 1));
	/* VFIO checks the first page only; the whole range must fit here. */
	ASSERT_EQ(EINVAL, spapr_map(fd, RW, buf, dma32 - PSZ, 2 * PSZ));
	/* Memory that was never registered, wholly or in part. */
	other = alloc_buffer(BUF_SIZE);
	ASSERT_NE(NULL, other);
	ASSERT_EQ(EINVAL, spapr_map(fd, RW, other, SZ_1M, PSZ));
	ASSERT_EQ(EINVAL, spapr_map(fd, RW, buf + BUF_SIZE - PSZ, SZ_1M,
				    2 * PSZ));
	check_no_ranges(fd, ioas);
	/* Nothing to map: the default window stays. */
	ASSERT_EQ(0, spapr_map(fd, RW, buf, SZ_1M, 0));
	check_ranges(fd, ioas, span(0, dma32));
	ASSERT_EQ(ENOENT, __ioas_unmap(fd, ioas, 0, dma32, NULL));

	/* Across both registrations at once; pinned no more. */
	ASSERT_EQ(0, spapr_map(fd, RW, buf, SZ_1M, BUF_SIZE));
	md_check_map(fd, idev, SZ_1M, buf, BUF_SIZE);
	ASSERT_EQ(BUF_SIZE, file_pinned(_metadata, fd));
	/* Over a mapping: EEXIST, not VFIO's silent replacement. */
	ASSERT_EQ(EEXIST, spapr_map(fd, RW, buf, SZ_1M + PSZ, PSZ));

	/* A second window, 4 KiB pages too: the same memory, charged once. */
	ASSERT_EQ(0, __spapr_tce_create(fd, 0, 12, SZ_16M, &high));
	ASSERT_EQ(MOCK_PPC_HIGH_START, high);
	ASSERT_EQ(0, spapr_map(fd, VFIO_DMA_MAP_FLAG_READ, buf, high,
			       BUF_SIZE));
	md_check_map(fd, idev, high, buf, BUF_SIZE);
	ASSERT_EQ(BUF_SIZE, file_pinned(_metadata, fd));

	/* UNMAP: flags, window, alignment, end of window; size not written. */
	ASSERT_EQ(EINVAL, spapr_unmap(fd, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0, NULL));
	ASSERT_EQ(ENXIO, spapr_unmap(fd, 0, SZ_4G, PSZ, NULL));
	ASSERT_EQ(EINVAL, spapr_unmap(fd, 0, SZ_1M + 1, PSZ, NULL));
	ASSERT_EQ(EINVAL, spapr_unmap(fd, 0, SZ_1M, PSZ + 1, NULL));
	ASSERT_EQ(EINVAL, spapr_unmap(fd, 0, dma32 - PSZ, 2 * PSZ, NULL));
	md_check_map(fd, idev, SZ_1M, buf, BUF_SIZE);
	/* One page out of the middle; holes around it are fine. */
	ASSERT_EQ(0, spapr_unmap(fd, 0, SZ_1M + PSZ, PSZ, &left));
	ASSERT_EQ(PSZ, left);
	ASSERT_EQ(0, spapr_unmap(fd, 0, SZ_1M - 4 * PSZ, 6 * PSZ, &left));
	ASSERT_EQ(6 * PSZ, left);
	md_check_map(fd, idev, SZ_1M + 2 * PSZ, buf + 2 * PSZ,
		     BUF_SIZE - 2 * PSZ);
	ASSERT_EQ(0, spapr_map(fd, RW, buf, SZ_1M, 2 * PSZ));
	md_check_map(fd, idev, SZ_1M, buf, BUF_SIZE);

	/* UNREGISTER: the exact range only; mappings keep their pages. */
	ASSERT_EQ(ENOENT, spapr_unregister(fd, buf, BUF_SIZE));
	ASSERT_EQ(ENOENT, spapr_unregister(fd, buf, PSZ));
	ASSERT_EQ(ENOENT, spapr_unregister(fd, other, PSZ));
	ASSERT_EQ(0, spapr_unregister(fd, buf, BUF_SIZE / 2));
	ASSERT_EQ(ENOENT, spapr_unregister(fd, buf, BUF_SIZE / 2));
	md_check_map(fd, idev, SZ_1M, buf, BUF_SIZE);
	ASSERT_EQ(BUF_SIZE, file_pinned(_metadata, fd));
	ASSERT_EQ(EINVAL, spapr_map(fd, RW, buf, SZ_2M, PSZ));
	ASSERT_EQ(0, spapr_unmap(fd, 0, 0, dma32, NULL));
	ASSERT_EQ(0, spapr_unmap(fd, 0, high, SZ_16M, NULL));
	ASSERT_EQ(BUF_SIZE / 2, file_pinned(_metadata, fd));
	/* Still enabled: VFIO never takes that back. */
	ASSERT_EQ(0, spapr_unregister(fd, buf + BUF_SIZE / 2, BUF_SIZE / 2));
	ASSERT_EQ(0, file_pinned(_metadata, fd));
	ASSERT_EQ(0, spapr_unmap(fd, 0, SZ_1M, PSZ, NULL));

	/* Left registered and mapped for the file's release to drop. */
	ASSERT_EQ(0, spapr_register(fd, other, BUF_SIZE));
	ASSERT_EQ(0, spapr_map(fd, RW, other, SZ_1M, BUF_SIZE));
	munmap(other, BUF_SIZE);
}

/*
 * SPAPR v1: the default window alone, made at ENABLE; ENABLE and DISABLE
 * open and close MAP_DMA and UNMAP_DMA, and DISABLE leaves the mappings;
 * MAP_DMA pins what it maps; v2's own ioctls are not there.
 */
TEST_F(spapr, v1)
{
	uint64_t dma32 = 1ULL << 31, unused;
	char *buf = self->buf;
	int fd = self->fd;
	uint32_t ioas, idev;

	ioas = ioas_alloc(fd);
	vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas);
	ASSERT_EQ(0, set_iommu(fd, VFIO_SPAPR_TCE_IOMMU));
	ASSERT_EQ(EINVAL, set_iommu(fd, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(EINVAL, set_iommu(fd, VFIO_SPAPR_TCE_IOMMU));
	/* No hardware known yet. */
	ASSERT_EQ(-1, ioctl(fd, VFIO_IOMMU_ENABLE));
	ASSERT_EQ(ENODEV, errno);

	attach_model(fd, ioas, MODEL_PPC, NULL, NULL, &idev);
	ASSERT_EQ(EPERM, spapr_map(fd, RW, buf, SZ_1M, PSZ));
	ASSERT_EQ(EPERM, spapr_unmap(fd, 0, SZ_1M, PSZ, NULL));
	ASSERT_EQ(ENOTTY, spapr_register(fd, buf, PSZ));
	ASSERT_EQ(ENOTTY, spapr_unregister(fd, buf, PSZ));
	ASSERT_EQ(ENOTTY, __spapr_tce_create(fd, 0, 12, SZ_1G, &unused));
	ASSERT_EQ(ENOTTY, __spapr_tce_remove(fd, 0));
	check_no_ranges(fd, ioas);

	ASSERT_EQ(0, ioctl(fd, VFIO_IOMMU_ENABLE));
	ASSERT_EQ(-1, ioctl(fd, VFIO_IOMMU_ENABLE));
	ASSERT_EQ(EBUSY, errno);
	check_ranges(fd, ioas, span(0, dma32));
	ASSERT_EQ(0, spapr_map(fd, RW, buf, SZ_1M, BUF_SIZE));
	md_check_map(fd, idev, SZ_1M, buf, BUF_SIZE);
	ASSERT_EQ(BUF_SIZE, file_pinned(_metadata, fd));
	ASSERT_EQ(ENXIO, spapr_map(fd, RW, buf, SZ_4G, PSZ));
	ASSERT_EQ(EEXIST, spapr_map(fd, RW, buf, SZ_1M, PSZ));

	/* Closed: refused, and what is mapped stays. */
	ASSERT_EQ(0, ioctl(fd, VFIO_IOMMU_DISABLE));
	ASSERT_EQ(0, ioctl(fd, VFIO_IOMMU_DISABLE));
	ASSERT_EQ(EPERM, spapr_map(fd, RW, buf, SZ_2M, PSZ));
	ASSERT_EQ(EPERM, spapr_unmap(fd, 0, SZ_1M, PSZ, NULL));
	md_check_map(fd, idev, SZ_1M, buf, BUF_SIZE);

	ASSERT_EQ(0, ioctl(fd, VFIO_IOMMU_ENABLE));
	ASSERT_EQ(0, spapr_unmap(fd, 0, SZ_1M + PSZ, PSZ, NULL));
	md_check_map(fd, idev, SZ_1M + 2 * PSZ, buf + 2 * PSZ,
		     BUF_SIZE - 2 * PSZ);
	ASSERT_EQ(0, spapr_unmap(fd, 0, 0, dma32, NULL));
	ASSERT_EQ(0, file_pinned(_metadata, fd));
}

/*
 * EEH on a container the mock's device is attached to, which joined no
 * group (and so has no partitionable endpoint): the request is checked
 * first (EINVAL), then there is no PE to act on (ENODEV). The ioctl
 * belongs to SPAPR containers (ENOTTY before SET_IOMMU), in v1 and v2,
 * and needs neither ENABLE nor registered memory.
 */
#define EEH_MINSZ (offsetof(struct vfio_eeh_pe_op, op) + sizeof(uint32_t))

TEST_F(spapr, eeh)
{
	struct vfio_eeh_pe_op op = {
		.argsz = sizeof(op),
		.op = VFIO_EEH_PE_ENABLE,
	};
	int fd = self->fd;
	uint32_t ioas, idev;

	ioas = ioas_alloc(fd);
	vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas);
	ASSERT_EQ(ENOTTY, iommufd_ioctl(fd, VFIO_EEH_PE_OP, &op));
	ASSERT_EQ(0, set_iommu(fd, VFIO_SPAPR_TCE_IOMMU));
	attach_model(fd, ioas, MODEL_PPC, NULL, NULL, &idev);
	ASSERT_EQ(platform_eeh_on(),
		  ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_EEH));
	ASSERT_EQ(ENODEV, iommufd_ioctl(fd, VFIO_EEH_PE_OP, &op));
	op.op = VFIO_EEH_PE_GET_STATE;
	ASSERT_EQ(ENODEV, iommufd_ioctl(fd, VFIO_EEH_PE_OP, &op));

	op.flags = 1;
	ASSERT_EQ(EINVAL, iommufd_ioctl(fd, VFIO_EEH_PE_OP, &op));
	op.flags = 0;
	op.op = VFIO_EEH_PE_INJECT_ERR + 1;
	ASSERT_EQ(EINVAL, iommufd_ioctl(fd, VFIO_EEH_PE_OP, &op));
	op.op = VFIO_EEH_PE_GET_STATE;
	op.argsz = EEH_MINSZ - 1;
	ASSERT_EQ(EINVAL, iommufd_ioctl(fd, VFIO_EEH_PE_OP, &op));
	/* Injection needs the error described: the whole structure. */
	op.op = VFIO_EEH_PE_INJECT_ERR;
	op.argsz = EEH_MINSZ;
	ASSERT_EQ(EINVAL, iommufd_ioctl(fd, VFIO_EEH_PE_OP, &op));
	op.argsz = sizeof(op);
	ASSERT_EQ(ENODEV, iommufd_ioctl(fd, VFIO_EEH_PE_OP, &op));
}

/* The numbers SPAPR shares with type1 mean type1 on a type1 container. */
TEST_F(spapr, type1_numbers)
{
	uint32_t ioas;

	ioas = ioas_alloc(self->fd);
	vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &ioas);
	ASSERT_EQ(0, set_iommu(self->fd, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(ENOTTY, spapr_register(self->fd, self->buf, PSZ));
	ASSERT_EQ(ENOTTY, spapr_unregister(self->fd, self->buf, PSZ));
	ASSERT_EQ(ENOTTY, iommufd_ioctl(self->fd, VFIO_EEH_PE_OP,
					&(struct vfio_eeh_pe_op){
						.argsz = 40 }));
	ASSERT_EQ(0, ioctl(self->fd, VFIO_CHECK_EXTENSION, VFIO_EEH));
	/* Type1 maps without registering. */
	ASSERT_EQ(0, spapr_map(self->fd, RW, self->buf, SZ_1M, PSZ));
}

/*
 * A container no group joined answers for the platform, as VFIO's: on
 * PowerPC the SPAPR v2 API and not type1 (QEMU asks in that order, before
 * it attaches a group), elsewhere type1.
 */
TEST_F(spapr, platform)
{
#if defined(__PPC64__)
	const int ppc = 1;
#else
	const int ppc = 0;
#endif
	int fd = self->fd;

	ASSERT_EQ(!ppc, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(!ppc, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU));
	ASSERT_EQ(ppc, ioctl(fd, VFIO_CHECK_EXTENSION,
			     VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(ppc, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU));
}

TEST_HARNESS_MAIN
