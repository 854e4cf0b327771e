// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Allocation failure on the ioctl paths of IO address spaces and memory,
 * swept with fail-nth as faults_util.h describes: IOMMU_IOAS_ALLOC,
 * IOMMU_IOAS_MAP (a small and a large piece with 0, 1 and 2 mock page
 * tables, and of pages another IOAS pinned), IOMMU_IOAS_MAP_FILE,
 * IOMMU_IOAS_COPY, IOMMU_IOAS_UNMAP, IOMMU_IOAS_IOVA_RANGES,
 * IOMMU_IOAS_ALLOW_IOVAS, IOMMU_OPTION, IOMMU_PIN_STATS, IOMMU_VFIO_IOAS,
 * the VFIO type1 container (VFIO_SET_IOMMU, VFIO_IOMMU_MAP_DMA,
 * VFIO_IOMMU_UNMAP_DMA, VFIO_IOMMU_GET_INFO) and IOMMU_DESTROY of an IOAS.
 * iommufd_faults_dev sweeps the paths of devices, page tables and IOVA
 * windows.
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <linux/capability.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"
#include "faults_util.h"

/* base_setup() in the VFIO-compatible accounting mode (RLIMIT_MODE 1). */
static void base_setup_mm(struct __test_metadata *_metadata, struct state *st)
{
	uint64_t val = 1;

	memset(st, 0, sizeof(*st));
	st->fd = iommufd_open();
	ASSERT_LE(0, st->fd);
	iommufd_option(st->fd, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0,
		       &val);
	st->scratch = ioas_alloc(st->fd);
}

/*
 * The VFIO paths use the VFIO-compatible accounting (RLIMIT_MODE 1) and
 * give up CAP_IPC_LOCK, so that the charge shows as VmLck.
 */
static void charge_vmlck(struct __test_metadata *_metadata)
{
	struct rlimit lim = { .rlim_cur = 1UL << 30, .rlim_max = 1UL << 30 };

	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &lim));
	ASSERT_EQ(0, drop_capability(CAP_IPC_LOCK));
}

/* A VFIO type1 container on IOAS ioas[0]; @v1 allows partial unmaps. */
static void vfio_setup(struct __test_metadata *_metadata, struct state *st,
		       bool v1)
{
	uint32_t ioas;

	base_setup_mm(_metadata, st);
	charge_vmlck(_metadata);
	ioas = add_ioas(_metadata, st);
	vfio_ioas(st->fd, IOMMU_VFIO_IOAS_SET, &ioas);
	ASSERT_EQ(0, ioctl(st->fd, VFIO_SET_IOMMU,
			   v1 ? VFIO_TYPE1_IOMMU : VFIO_TYPE1v2_IOMMU));
	add_device(_metadata, st, 0, ioas);
}

static int vfio_map(int fd, unsigned int first, unsigned int n)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)(buf + first * PSZ),
		.iova = IOVA(first),
		.size = n * PSZ,
	};

	return iommufd_ioctl(fd, VFIO_IOMMU_MAP_DMA, &map);
}

static void expect_unmapped(struct snap *want, unsigned int ioas_idx,
			    unsigned int first, unsigned int n)
{
	unsigned int i;

	want->mapped[ioas_idx] &= ~PAGES(first, n);
	for (i = first; i != first + n; i++)
		want->refs[i] = 0;
	want->vm_pin -= n * PSZ / 1024;
}

/* IOMMU_IOAS_ALLOC */

static void setup_empty(struct __test_metadata *_metadata, struct state *st)
{
	base_setup(_metadata, st);
}

static int run_ioas_alloc(struct state *st)
{
	return __ioas_alloc(st->fd, &st->out_id[0]);
}

static void expect_ioas_alloc(struct __test_metadata *_metadata,
			      struct state *st, struct snap *want,
			      const struct snap *got)
{
	ASSERT_EQ(want->next_id, st->out_id[0]);
	/* The new IOAS is usable: it has ranges to report. */
	track(st, st->out_id[0], ID_IOAS);
	ASSERT_TRUE(id_valid(_metadata, st, st->nids - 1));
	st->nids--;
	want->next_id = got->next_id;
	ASSERT_NE(st->out_id[0], got->next_id);
}

static const struct path path_ioas_alloc = {
	.setup = setup_empty,
	.run = run_ioas_alloc,
	.expect = expect_ioas_alloc,
};

/* IOMMU_IOAS_MAP, small and large, with 0, 1 and 2 mock page tables */

static void setup_map0(struct __test_metadata *_metadata, struct state *st)
{
	setup_ioas_devices(_metadata, st, 0);
}

static void setup_map2(struct __test_metadata *_metadata, struct state *st)
{
	setup_ioas_devices(_metadata, st, 2);
}

static int run_map_small(struct state *st)
{
	return map_fixed(st, st->ioas[0], SMALL_FIRST, SMALL_PAGES);
}

static void expect_map_small(struct __test_metadata *_metadata,
			     struct state *st, struct snap *want,
			     const struct snap *got)
{
	unsigned int i;

	expect_mapped(want, 0, SMALL_FIRST, SMALL_PAGES, true);
	for (i = 0; i != st->nhwpt; i++)
		want->translated[i] |= PAGES(SMALL_FIRST, SMALL_PAGES);
}

#define MAP_PATH(size, ndev)						\
	static const struct path path_map_##size##_##ndev = {		\
		.setup = setup_map##ndev,				\
		.run = run_map_##size,					\
		.expect = expect_map_##size,				\
	}

MAP_PATH(small, 0);
MAP_PATH(small, 1);
MAP_PATH(small, 2);
MAP_PATH(large, 0);
MAP_PATH(large, 1);
MAP_PATH(large, 2);

/* IOMMU_IOAS_MAP of pages another IOAS pinned: nothing more is pinned */

static void setup_map_pinned(struct __test_metadata *_metadata,
			     struct state *st)
{
	base_setup(_metadata, st);
	add_ioas(_metadata, st);
	add_ioas(_metadata, st);
	map_pages(_metadata, st, st->ioas[1], LARGE_FIRST, LARGE_PAGES);
	add_device(_metadata, st, 0, st->ioas[0]);
}

static void expect_map_pinned(struct __test_metadata *_metadata,
			      struct state *st, struct snap *want,
			      const struct snap *got)
{
	expect_mapped(want, 0, LARGE_FIRST, LARGE_PAGES, false);
	want->translated[0] |= PAGES(LARGE_FIRST, LARGE_PAGES);
}

static const struct path path_map_pinned = {
	.setup = setup_map_pinned,
	.run = run_map_large,
	.expect = expect_map_pinned,
};

/* IOMMU_IOAS_MAP_FILE of the memfd behind the buffer */

static int run_map_file(struct state *st)
{
	uint64_t iova = IOVA(LARGE_FIRST);

	return __ioas_map_file(st->fd, st->ioas[0], buf_fd, LARGE_FIRST * PSZ,
			       LARGE_PAGES * PSZ, &iova,
			       MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
}

static const struct path path_map_file = {
	.setup = setup_map1,
	.run = run_map_file,
	.expect = expect_map_large,
};

/* The same, when another IOAS already has the file's pages pinned */

static void setup_map_file_pinned(struct __test_metadata *_metadata,
				  struct state *st)
{
	uint64_t iova = IOVA(LARGE_FIRST);

	base_setup(_metadata, st);
	add_ioas(_metadata, st);
	add_ioas(_metadata, st);
	ioas_map_file(st->fd, st->ioas[1], buf_fd, LARGE_FIRST * PSZ,
		      LARGE_PAGES * PSZ, &iova,
		      MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
	add_device(_metadata, st, 0, st->ioas[0]);
}

static const struct path path_map_file_pinned = {
	.setup = setup_map_file_pinned,
	.run = run_map_file,
	.expect = expect_map_pinned,
};

/* IOMMU_IOAS_COPY from ioas[1] into ioas[0], which has a mock table */

static int run_copy(struct state *st)
{
	uint64_t dst = IOVA(LARGE_FIRST);

	return __ioas_copy(st->fd, st->ioas[0], &dst, st->ioas[1],
			   IOVA(LARGE_FIRST), LARGE_PAGES * PSZ,
			   MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
}

static const struct path path_copy = {
	.setup = setup_map_pinned,
	.run = run_copy,
	.expect = expect_map_pinned,
};

/* IOMMU_IOAS_UNMAP of a whole area */

static int run_unmap(struct state *st)
{
	uint64_t done;

	return __ioas_unmap(st->fd, st->ioas[0], IOVA(LARGE_FIRST),
			    LARGE_PAGES * PSZ, &done);
}

static void expect_unmap(struct __test_metadata *_metadata, struct state *st,
			 struct snap *want, const struct snap *got)
{
	expect_unmapped(want, 0, LARGE_FIRST, LARGE_PAGES);
	want->translated[0] = 0;
}

static const struct path path_unmap = {
	.setup = setup_mapped1,
	.run = run_unmap,
	.expect = expect_unmap,
	.no_alloc = true,
};

/* VFIO type1 v1: VFIO_IOMMU_UNMAP_DMA cutting a hole in an area */

static void setup_vfio_v1(struct __test_metadata *_metadata, struct state *st)
{
	vfio_setup(_metadata, st, true);
	ASSERT_EQ(0, vfio_map(st->fd, LARGE_FIRST, LARGE_PAGES));
}

static int run_vfio_cut(struct state *st)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = IOVA(CUT_FIRST),
		.size = CUT_PAGES * PSZ,
	};

	return iommufd_ioctl(st->fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
}

static void expect_vfio_cut(struct __test_metadata *_metadata,
			    struct state *st, struct snap *want,
			    const struct snap *got)
{
	expect_unmapped(want, 0, CUT_FIRST, CUT_PAGES);
	want->translated[0] &= ~PAGES(CUT_FIRST, CUT_PAGES);
	want->vm_lck -= CUT_PAGES * PSZ / 1024;
}

static const struct path path_vfio_unmap_cut = {
	.setup = setup_vfio_v1,
	.run = run_vfio_cut,
	.expect = expect_vfio_cut,
};

/* IOMMU_IOAS_IOVA_RANGES with a reserved hole and a mock table */

static void setup_ranges(struct __test_metadata *_metadata, struct state *st)
{
	setup_ioas_devices(_metadata, st, 1);
	add_reserved(st->fd, st->ioas[0], IOVA(WIN_PAGES), 16 * PSZ);
	add_reserved(st->fd, st->ioas[0], IOVA(WIN_PAGES + 32), 16 * PSZ);
}

static int run_ranges(struct state *st)
{
	struct iommu_iova_range ranges[4];
	uint32_t num = ARRAY_SIZE(ranges);
	int rc;

	rc = __ioas_iova_ranges(st->fd, st->ioas[0], ranges, &num, NULL);
	st->out_val = num;
	return rc;
}

static void expect_ranges(struct __test_metadata *_metadata, struct state *st,
			  struct snap *want, const struct snap *got)
{
	ASSERT_EQ(want->layout[0].num, st->out_val);
	ASSERT_LE(2, st->out_val);
}

static const struct path path_iova_ranges = {
	.setup = setup_ranges,
	.run = run_ranges,
	.expect = expect_ranges,
	.no_alloc = true,
};

/* IOMMU_IOAS_ALLOW_IOVAS */

static const struct iommu_iova_range allowed[] = {
	{ .start = MOCK_APERTURE_START, .last = (1UL << 28) - 1 },
	{ .start = 1UL << 29, .last = (1UL << 30) - 1 },
};

static int run_allow(struct state *st)
{
	return __ioas_allow_iovas(st->fd, st->ioas[0], allowed,
				  ARRAY_SIZE(allowed));
}

/*
 * IOVA_RANGES does not show the allowed ranges; where the kernel places a
 * map does.
 */
static void expect_allow(struct __test_metadata *_metadata, struct state *st,
			 struct snap *want, const struct snap *got)
{
	uint64_t iova = 0, len = 512 * PSZ;
	uint8_t *mem;

	mem = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, __ioas_map(st->fd, st->ioas[0], mem, len, &iova,
				IOMMU_IOAS_MAP_READABLE));
	ASSERT_TRUE((iova >= allowed[0].start &&
		     iova + len - 1 <= allowed[0].last) ||
		    (iova >= allowed[1].start &&
		     iova + len - 1 <= allowed[1].last));
	ioas_unmap(st->fd, st->ioas[0], iova, len);
	munmap(mem, len);
}

static const struct path path_allow_iovas = {
	.setup = setup_mapped1,
	.run = run_allow,
	.expect = expect_allow,
};

/* IOMMU_OPTION */

static int run_huge_pages(struct state *st)
{
	uint64_t val = 0;

	return __iommufd_option(st->fd, IOMMU_OPTION_HUGE_PAGES,
				IOMMU_OPTION_OP_SET, st->ioas[0], &val);
}

static void expect_huge_pages(struct __test_metadata *_metadata,
			      struct state *st, struct snap *want,
			      const struct snap *got)
{
	uint64_t val = 1;

	iommufd_option(st->fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET,
		       st->ioas[0], &val);
	ASSERT_EQ(0, val);
	/* Mappings now need whole CPU pages. */
	want->layout[0].align = PSZ;
}

static const struct path path_option_huge_pages = {
	.setup = setup_mapped0,
	.run = run_huge_pages,
	.expect = expect_huge_pages,
	.no_alloc = true,
};

static int run_rlimit_mode(struct state *st)
{
	uint64_t val = 1;

	return __iommufd_option(st->fd, IOMMU_OPTION_RLIMIT_MODE,
				IOMMU_OPTION_OP_SET, 0, &val);
}

static void expect_rlimit_mode(struct __test_metadata *_metadata,
			       struct state *st, struct snap *want,
			       const struct snap *got)
{
	uint64_t val = 0;

	iommufd_option(st->fd, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0,
		       &val);
	ASSERT_EQ(1, val);
}

/* The accounting mode can only change while the file has no objects. */
static void setup_no_objects(struct __test_metadata *_metadata,
			     struct state *st)
{
	memset(st, 0, sizeof(*st));
	st->fd = iommufd_open();
	ASSERT_LE(0, st->fd);
}

static const struct path path_option_rlimit_mode = {
	.setup = setup_no_objects,
	.run = run_rlimit_mode,
	.expect = expect_rlimit_mode,
	.no_alloc = true,
};

/* IOMMU_PIN_STATS of a file with a mapping: it changes nothing */

static int run_pin_stats(struct state *st)
{
	uint64_t pinned, charged;
	int rc;

	rc = __pin_stats(st->fd, 0, &pinned, &charged);
	if (!rc && pinned != LARGE_PAGES * PSZ)
		rc = -1;
	return rc;
}

static const struct path path_pin_stats = {
	.setup = setup_mapped1,
	.run = run_pin_stats,
	.expect = expect_nothing,
};

/* IOMMU_VFIO_IOAS */

static int run_vfio_ioas(struct state *st)
{
	uint32_t id = st->ioas[0];

	return __vfio_ioas(st->fd, IOMMU_VFIO_IOAS_SET, &id);
}

static void expect_vfio_ioas(struct __test_metadata *_metadata,
			     struct state *st, struct snap *want,
			     const struct snap *got)
{
	uint32_t id = 0;

	vfio_ioas(st->fd, IOMMU_VFIO_IOAS_GET, &id);
	ASSERT_EQ(st->ioas[0], id);
}

static const struct path path_vfio_ioas = {
	.setup = setup_mapped0,
	.run = run_vfio_ioas,
	.expect = expect_vfio_ioas,
	.no_alloc = true,
};

/* The VFIO container: VFIO_SET_IOMMU, VFIO_IOMMU_MAP_DMA, GET_INFO */

static void setup_vfio_bare(struct __test_metadata *_metadata,
			    struct state *st)
{
	uint32_t ioas;

	base_setup(_metadata, st);
	ioas = add_ioas(_metadata, st);
	vfio_ioas(st->fd, IOMMU_VFIO_IOAS_SET, &ioas);
}

static int run_set_iommu(struct state *st)
{
	return iommufd_ioctl(st->fd, VFIO_SET_IOMMU,
			     (void *)(uintptr_t)VFIO_TYPE1_IOMMU);
}

static void expect_set_iommu(struct __test_metadata *_metadata,
			     struct state *st, struct snap *want,
			     const struct snap *got)
{
	uint64_t val = 1;

	/* Type1 v1 switches large IO pages off. */
	iommufd_option(st->fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET,
		       st->ioas[0], &val);
	ASSERT_EQ(0, val);
	want->layout[0].align = PSZ;
}

static const struct path path_vfio_set_iommu = {
	.setup = setup_vfio_bare,
	.run = run_set_iommu,
	.expect = expect_set_iommu,
	.no_alloc = true,
};

static void setup_vfio_v2(struct __test_metadata *_metadata, struct state *st)
{
	vfio_setup(_metadata, st, false);
}

static int run_vfio_map(struct state *st)
{
	return vfio_map(st->fd, LARGE_FIRST, LARGE_PAGES);
}

static void expect_vfio_map(struct __test_metadata *_metadata,
			    struct state *st, struct snap *want,
			    const struct snap *got)
{
	expect_mapped(want, 0, LARGE_FIRST, LARGE_PAGES, true);
	want->translated[0] |= PAGES(LARGE_FIRST, LARGE_PAGES);
	want->vm_lck += LARGE_PAGES * PSZ / 1024;
}

static const struct path path_vfio_map_dma = {
	.setup = setup_vfio_v2,
	.run = run_vfio_map,
	.expect = expect_vfio_map,
};

static int run_vfio_info(struct state *st)
{
	struct {
		struct vfio_iommu_type1_info info;
		uint8_t caps[256];
	} arg = { .info = { .argsz = sizeof(arg) } };
	int rc;

	rc = iommufd_ioctl(st->fd, VFIO_IOMMU_GET_INFO, &arg);
	st->out_val = arg.info.cap_offset;
	return rc;
}

static void expect_vfio_info(struct __test_metadata *_metadata,
			     struct state *st, struct snap *want,
			     const struct snap *got)
{
	/* The capability chain fitted and was written. */
	ASSERT_NE(0, st->out_val);
}

static const struct path path_vfio_get_info = {
	.setup = setup_vfio_v1,
	.run = run_vfio_info,
	.expect = expect_vfio_info,
};

/* IOMMU_DESTROY of an IOAS */

static int run_destroy_ioas(struct state *st)
{
	return __iommufd_destroy(st->fd, st->ioas[0]);
}

static void expect_destroy_ioas(struct __test_metadata *_metadata,
				struct state *st, struct snap *want,
				const struct snap *got)
{
	expect_unmapped(want, 0, LARGE_FIRST, LARGE_PAGES);
	want->valid[0] = false;
	memset(&want->layout[0], 0, sizeof(want->layout[0]));
	want->next_id = got->next_id;
}

static const struct path path_destroy_ioas = {
	.setup = setup_mapped0,
	.run = run_destroy_ioas,
	.expect = expect_destroy_ioas,
	.no_alloc = true,
};

/* The faults fixture of faults_util.h, with a variant per path above */
FIXTURE(faults);

FIXTURE_SETUP(faults)
{
	sweep_setup(_metadata, &self->cfg, &self->ready);
}

FIXTURE_TEARDOWN(faults)
{
	sweep_teardown(&self->cfg, self->ready);
}

FIXTURE_VARIANT_ADD(faults, ioas_alloc) {
	.path = &path_ioas_alloc,
};

FIXTURE_VARIANT_ADD(faults, map_small_0) {
	.path = &path_map_small_0,
};

FIXTURE_VARIANT_ADD(faults, map_small_1) {
	.path = &path_map_small_1,
};

FIXTURE_VARIANT_ADD(faults, map_small_2) {
	.path = &path_map_small_2,
};

FIXTURE_VARIANT_ADD(faults, map_large_0) {
	.path = &path_map_large_0,
};

FIXTURE_VARIANT_ADD(faults, map_large_1) {
	.path = &path_map_large_1,
};

FIXTURE_VARIANT_ADD(faults, map_large_2) {
	.path = &path_map_large_2,
};

FIXTURE_VARIANT_ADD(faults, map_pinned) {
	.path = &path_map_pinned,
};

FIXTURE_VARIANT_ADD(faults, map_file) {
	.path = &path_map_file,
};

FIXTURE_VARIANT_ADD(faults, map_file_pinned) {
	.path = &path_map_file_pinned,
};

FIXTURE_VARIANT_ADD(faults, pin_stats) {
	.path = &path_pin_stats,
};

FIXTURE_VARIANT_ADD(faults, copy) {
	.path = &path_copy,
};

FIXTURE_VARIANT_ADD(faults, unmap) {
	.path = &path_unmap,
};

FIXTURE_VARIANT_ADD(faults, vfio_unmap_cut) {
	.path = &path_vfio_unmap_cut,
};

FIXTURE_VARIANT_ADD(faults, iova_ranges) {
	.path = &path_iova_ranges,
};

FIXTURE_VARIANT_ADD(faults, allow_iovas) {
	.path = &path_allow_iovas,
};

FIXTURE_VARIANT_ADD(faults, option_huge_pages) {
	.path = &path_option_huge_pages,
};

FIXTURE_VARIANT_ADD(faults, option_rlimit_mode) {
	.path = &path_option_rlimit_mode,
};

FIXTURE_VARIANT_ADD(faults, vfio_ioas) {
	.path = &path_vfio_ioas,
};

FIXTURE_VARIANT_ADD(faults, vfio_set_iommu) {
	.path = &path_vfio_set_iommu,
};

FIXTURE_VARIANT_ADD(faults, vfio_map_dma) {
	.path = &path_vfio_map_dma,
};

FIXTURE_VARIANT_ADD(faults, vfio_get_info) {
	.path = &path_vfio_get_info,
};

FIXTURE_VARIANT_ADD(faults, destroy_ioas) {
	.path = &path_destroy_ioas,
};

TEST_F_TIMEOUT(faults, sweep, 120)
{
	sweep_path(_metadata, &self->cfg, variant->path);
}

TEST_HARNESS_MAIN
