// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Allocation failure on the ioctl paths of devices, page tables and IOVA
 * windows, swept with fail-nth as faults_util.h describes: mock device
 * attach (IOMMU_TEST_OP_MOCK_DOMAIN) and replace, IOMMU_HWPT_ALLOC,
 * IOMMU_GET_HW_INFO, IOMMU_DESTROY of a page table and of a device, IOVA
 * windows (IOMMU_IOAS_WINDOW_ADD and _REMOVE, IOMMU_WINDOW_CAPS, attaching
 * to and mapping in a windowed IOAS), VFIO's SPAPR container
 * (VFIO_IOMMU_SPAPR_TCE_CREATE and _REMOVE, REGISTER_MEMORY and
 * UNREGISTER_MEMORY, MAP_DMA and UNMAP_DMA of registered memory, v1's
 * VFIO_IOMMU_ENABLE), IOMMU_DEVICE_ATTACH_EXTRA and _DETACH_EXTRA, dirty
 * tracking (IOMMU_HWPT_SET_DIRTY_TRACKING, IOMMU_HWPT_GET_DIRTY_BITMAP),
 * nested page tables (IOMMU_HWPT_ALLOC on a nesting parent, with a fault
 * queue, moving a device onto one, invalidating its IOTLB, and
 * IOMMU_HWPT_FORMATS), fault queues
 * (IOMMU_FAULT_QUEUE_ALLOC, and reading a fault, which gives it a
 * cookie), and close() of a file. iommufd_faults sweeps the paths of IO address spaces
 * and memory.
 *
 * The IOVA window paths run on a windowed IOAS (IOMMU_IOAS_ALLOC_WINDOWED)
 * with mock devices of the VT-d and SMMUv3 models; their window holds the
 * whole of the IOVA the other paths use. Extra IOASes of a device run with
 * a PowerPC model device. Dirty tracking runs on a page table made for it
 * from a plain mock device.
 *
 * Closing a file is swept in a child process per N (see the close_sweep
 * fixture): close() cannot report an error, so the checks are that the
 * child exits, that no page it pinned stays pinned and that /dev/iommu
 * still works.
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"
#include "faults_util.h"

/*
 * A mock device limits its IOAS to the mock aperture and to IO pages of
 * half a CPU page; check that the IOAS shows it (@mock) or not.
 */
static void expect_layout(struct __test_metadata *_metadata,
			  struct snap *want, const struct snap *got,
			  unsigned int idx, bool mock)
{
	const struct layout *l = &got->layout[idx];

	if (mock) {
		ASSERT_EQ(PSZ / 2, l->align);
		ASSERT_EQ(MOCK_APERTURE_START, l->ranges[0].start);
		ASSERT_EQ(MOCK_APERTURE_LAST, l->ranges[l->num - 1].last);
	} else {
		ASSERT_EQ(1, l->align);
		ASSERT_EQ(0, l->ranges[0].start);
	}
	want->layout[idx] = *l;
}

/* IOMMU_TEST_OP_MOCK_DOMAIN: bind, automatic page table, attach */

static int run_mock_domain(struct state *st)
{
	return __mock_domain(st->fd, st->ioas[0], &st->out_id[0],
			     &st->out_id[1], &st->out_id[2]);
}

static void expect_mock_domain(struct __test_metadata *_metadata,
			       struct state *st, struct snap *want,
			       const struct snap *got)
{
	md_check_map(st->fd, st->out_id[1], IOVA(LARGE_FIRST),
		     buf + LARGE_FIRST * PSZ, LARGE_PAGES * PSZ);
	want->next_id = got->next_id;
	expect_layout(_metadata, want, got, 0, true);
}

static const struct path path_mock_domain = {
	.setup = setup_mapped0,
	.run = run_mock_domain,
	.expect = expect_mock_domain,
};

/* IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE onto another IOAS */

static void setup_replace(struct __test_metadata *_metadata, struct state *st)
{
	setup_mapped1(_metadata, st);
	add_ioas(_metadata, st);
	map_pages(_metadata, st, st->ioas[1], SMALL_FIRST, SMALL_PAGES);
}

static int run_replace_ioas(struct state *st)
{
	st->out_id[0] = st->ioas[1];
	return __mock_domain_replace(st->fd, st->stdev[0], &st->out_id[0]);
}

static void expect_replace_ioas(struct __test_metadata *_metadata,
				struct state *st, struct snap *want,
				const struct snap *got)
{
	unsigned int i;

	md_check_map(st->fd, st->out_id[0], IOVA(SMALL_FIRST),
		     buf + SMALL_FIRST * PSZ, SMALL_PAGES * PSZ);
	/* The old automatic table went with its last device. */
	for (i = 0; i != st->nids; i++)
		if (st->ids[i].kind == ID_HWPT)
			want->valid[i] = false;
	want->translated[0] = 0;
	want->next_id = got->next_id;
	/* The device's limits go from the first IOAS to the second. */
	expect_layout(_metadata, want, got, 0, false);
	expect_layout(_metadata, want, got, 1, true);
}

static const struct path path_replace_ioas = {
	.setup = setup_replace,
	.run = run_replace_ioas,
	.expect = expect_replace_ioas,
};

/* IOMMU_HWPT_ALLOC, and moving a device onto the new table */

static int run_hwpt_alloc(struct state *st)
{
	return __hwpt_alloc(st->fd, st->idev[0], st->ioas[0], 0,
			    &st->out_id[0]);
}

static void expect_hwpt_alloc(struct __test_metadata *_metadata,
			      struct state *st, struct snap *want,
			      const struct snap *got)
{
	ASSERT_EQ(want->next_id, st->out_id[0]);
	md_check_map(st->fd, st->out_id[0], IOVA(LARGE_FIRST),
		     buf + LARGE_FIRST * PSZ, LARGE_PAGES * PSZ);
	want->next_id = got->next_id;
}

static const struct path path_hwpt_alloc = {
	.setup = setup_mapped1,
	.run = run_hwpt_alloc,
	.expect = expect_hwpt_alloc,
};

static void setup_user_hwpt(struct __test_metadata *_metadata,
			    struct state *st)
{
	uint32_t hwpt;

	setup_mapped1(_metadata, st);
	hwpt = hwpt_alloc(st->fd, st->idev[0], st->ioas[0]);
	st->hwpt[st->nhwpt++] = hwpt;
	track(st, hwpt, ID_HWPT);
}

static int run_replace_hwpt(struct state *st)
{
	st->out_id[0] = st->hwpt[1];
	return __mock_domain_replace(st->fd, st->stdev[0], &st->out_id[0]);
}

static void expect_replace_hwpt(struct __test_metadata *_metadata,
				struct state *st, struct snap *want,
				const struct snap *got)
{
	ASSERT_EQ(st->hwpt[1], st->out_id[0]);
	/* The automatic table is gone; the IOAS is untouched. */
	want->valid[1] = false;
	want->translated[0] = 0;
	want->next_id = got->next_id;
}

static const struct path path_replace_hwpt = {
	.setup = setup_user_hwpt,
	.run = run_replace_hwpt,
	.expect = expect_replace_hwpt,
	.no_alloc = true,
};

/* IOMMU_GET_HW_INFO */

static int run_hw_info(struct state *st)
{
	uint8_t info[64];
	uint32_t len = sizeof(info);

	return __get_hw_info(st->fd, st->idev[0], info, &len, NULL);
}

static const struct path path_hw_info = {
	.setup = setup_map1,
	.run = run_hw_info,
	.expect = expect_nothing,
};

/* IOMMU_DESTROY of a page table and of a device */

static int run_destroy_hwpt(struct state *st)
{
	return __iommufd_destroy(st->fd, st->hwpt[1]);
}

static void expect_destroy_hwpt(struct __test_metadata *_metadata,
				struct state *st, struct snap *want,
				const struct snap *got)
{
	want->valid[3] = false;
	want->translated[1] = 0;
	want->next_id = got->next_id;
}

static const struct path path_destroy_hwpt = {
	.setup = setup_user_hwpt,
	.run = run_destroy_hwpt,
	.expect = expect_destroy_hwpt,
	.no_alloc = true,
};

static int run_destroy_device(struct state *st)
{
	return __iommufd_destroy(st->fd, st->stdev[0]);
}

static void expect_destroy_device(struct __test_metadata *_metadata,
				  struct state *st, struct snap *want,
				  const struct snap *got)
{
	/* The device and its automatic table */
	want->valid[1] = false;
	want->valid[2] = false;
	want->translated[0] = 0;
	want->next_id = got->next_id;
	expect_layout(_metadata, want, got, 0, false);
}

static const struct path path_destroy_device = {
	.setup = setup_mapped1,
	.run = run_destroy_device,
	.expect = expect_destroy_device,
};

/* IOVA windows: a windowed IOAS with a VT-d model device */

/* The window of the sweeps; it holds IOVA(0) to IOVA(WIN_PAGES). */
#define WINDOW_START ((uint64_t)MOCK_APERTURE_START)
#define WINDOW_LEN (64 * PSZ)

static uint32_t add_windowed_ioas(struct __test_metadata *_metadata,
				  struct state *st)
{
	uint32_t id = ioas_alloc_windowed(st->fd);

	st->ioas[st->nioas++] = id;
	track(st, id, ID_IOAS);
	return id;
}

/* As add_device(), with a device of model @dev_flags. */
static void add_model_device(struct __test_metadata *_metadata,
			     struct state *st, unsigned int idx,
			     uint32_t pt_id, uint32_t dev_flags)
{
	uint32_t hwpt = 0;

	mock_domain_flags(st->fd, pt_id, dev_flags, &st->stdev[idx], &hwpt,
			  &st->idev[idx]);
	st->hwpt[st->nhwpt++] = hwpt;
	track(st, hwpt, ID_HWPT);
	track(st, st->idev[idx], ID_IDEV);
}

/*
 * Ask for the window, exactly or by constraints that only it satisfies
 * (the VT-d model grants the lowest start); st->out_val is its start.
 */
static int window_add(struct state *st, uint32_t flags)
{
	bool exact = flags & IOMMU_IOAS_WINDOW_EXACT;
	struct iommu_ioas_window_add cmd = {
		.flags = flags,
		.ioas_id = st->ioas[0],
		.iova = exact ? WINDOW_START : 0,
		.length = WINDOW_LEN,
		.lowest = WINDOW_START,
		.highest = 0xffffffff,
	};
	int rc;

	rc = __ioas_window_add(st->fd, &cmd);
	st->out_val = cmd.iova;
	return rc;
}

/* A windowed IOAS with no window yet, and a VT-d model device on it. */
static void setup_windowed(struct __test_metadata *_metadata,
			   struct state *st)
{
	uint32_t ioas;

	base_setup(_metadata, st);
	ioas = add_windowed_ioas(_metadata, st);
	add_model_device(_metadata, st, 0, ioas, MOCK_FLAGS_DEVICE_MODEL_VTD);
}

/* The same, with the window. */
static void setup_window(struct __test_metadata *_metadata, struct state *st)
{
	setup_windowed(_metadata, st);
	ASSERT_EQ(0, window_add(st, IOMMU_IOAS_WINDOW_EXACT));
}

static int run_window_add_exact(struct state *st)
{
	return window_add(st, IOMMU_IOAS_WINDOW_EXACT);
}

static int run_window_add_auto(struct state *st)
{
	return window_add(st, 0);
}

static void expect_window_added(struct __test_metadata *_metadata,
				struct state *st, struct snap *want,
				const struct snap *got)
{
	const struct layout *l = &got->layout[0];

	ASSERT_EQ(WINDOW_START, st->out_val);
	ASSERT_EQ(1, l->num);
	ASSERT_EQ(WINDOW_START, l->ranges[0].start);
	ASSERT_EQ(WINDOW_START + WINDOW_LEN - 1, l->ranges[0].last);
	want->layout[0] = *l;
}

static const struct path path_window_add_exact = {
	.setup = setup_windowed,
	.run = run_window_add_exact,
	.expect = expect_window_added,
};

static const struct path path_window_add_auto = {
	.setup = setup_windowed,
	.run = run_window_add_auto,
	.expect = expect_window_added,
};

/* IOMMU_IOAS_WINDOW_REMOVE of the window, with nothing mapped in it */

static int run_window_remove(struct state *st)
{
	return __ioas_window_remove(st->fd, st->ioas[0], WINDOW_START);
}

static void expect_window_removed(struct __test_metadata *_metadata,
				  struct state *st, struct snap *want,
				  const struct snap *got)
{
	ASSERT_EQ(0, got->layout[0].num);
	want->layout[0] = got->layout[0];
}

static const struct path path_window_remove = {
	.setup = setup_window,
	.run = run_window_remove,
	.expect = expect_window_removed,
	.no_alloc = true,
};

/*
 * VFIO_IOMMU_SPAPR_TCE_CREATE on a SPAPR v2 container whose default window
 * is still pending: the default window and the new one, or neither.
 */

/* A SPAPR container of @type with a PowerPC model device. */
static void spapr_setup(struct __test_metadata *_metadata, struct state *st,
			unsigned long type)
{
	uint32_t ioas;

	base_setup(_metadata, st);
	ioas = add_ioas(_metadata, st);
	vfio_ioas(st->fd, IOMMU_VFIO_IOAS_SET, &ioas);
	ASSERT_EQ(0, iommufd_ioctl(st->fd, VFIO_SET_IOMMU, (void *)type));
	add_model_device(_metadata, st, 0, ioas, MOCK_FLAGS_DEVICE_MODEL_PPC);
}

static void setup_spapr(struct __test_metadata *_metadata, struct state *st)
{
	spapr_setup(_metadata, st, VFIO_SPAPR_TCE_v2_IOMMU);
}

static int run_spapr_create(struct state *st)
{
	struct vfio_iommu_spapr_tce_create cmd = {
		.argsz = sizeof(cmd),
		.page_shift = 16,
		.window_size = WINDOW_LEN,
		.levels = 1,
	};
	int rc;

	rc = iommufd_ioctl(st->fd, VFIO_IOMMU_SPAPR_TCE_CREATE, &cmd);
	st->out_val = cmd.start_addr;
	return rc;
}

static void expect_spapr_created(struct __test_metadata *_metadata,
				 struct state *st, struct snap *want,
				 const struct snap *got)
{
	const struct layout *l = &got->layout[0];

	/* The default window took the low slot, the new one the high. */
	ASSERT_EQ(MOCK_PPC_HIGH_START, st->out_val);
	ASSERT_EQ(2, l->num);
	ASSERT_EQ(0, l->ranges[0].start);
	ASSERT_EQ((1ULL << 31) - 1, l->ranges[0].last);
	ASSERT_EQ(MOCK_PPC_HIGH_START, l->ranges[1].start);
	ASSERT_EQ(MOCK_PPC_HIGH_START + WINDOW_LEN - 1, l->ranges[1].last);
	want->layout[0] = *l;
}

static const struct path path_spapr_create = {
	.setup = setup_spapr,
	.run = run_spapr_create,
	.expect = expect_spapr_created,
};

/*
 * VFIO_IOMMU_SPAPR_REGISTER_MEMORY of the large run: its pages pinned and
 * charged, or not at all.
 */

/* REGISTER_MEMORY, or UNREGISTER_MEMORY (@cmd), of the large run */
static int spapr_region(struct state *st, unsigned long cmd)
{
	return __spapr_memory(st->fd, cmd, 0, buf + LARGE_FIRST * PSZ,
			      LARGE_PAGES * PSZ);
}

/* The large run's pages pinned once (@pinned), or not at all. */
static void expect_large_pins(struct snap *want, bool pinned)
{
	unsigned int i;

	for (i = LARGE_FIRST; i != LARGE_FIRST + LARGE_PAGES; i++)
		want->refs[i] = pinned;
	if (pinned)
		want->vm_pin += LARGE_PAGES * PSZ / 1024;
	else
		want->vm_pin -= LARGE_PAGES * PSZ / 1024;
}

static int spapr_register(struct state *st)
{
	return spapr_region(st, VFIO_IOMMU_SPAPR_REGISTER_MEMORY);
}

static void expect_spapr_registered(struct __test_metadata *_metadata,
				    struct state *st, struct snap *want,
				    const struct snap *got)
{
	expect_large_pins(want, true);
}

static const struct path path_spapr_register = {
	.setup = setup_spapr,
	.run = spapr_register,
	.expect = expect_spapr_registered,
};

/*
 * VFIO_IOMMU_MAP_DMA of registered memory on a SPAPR v2 container whose
 * default window is pending: the window made and the run mapped into it
 * without a new pin, or the window pending again and nothing mapped.
 */

static void setup_spapr_registered(struct __test_metadata *_metadata,
				   struct state *st)
{
	setup_spapr(_metadata, st);
	ASSERT_EQ(0, spapr_register(st));
}

static int run_spapr_map(struct state *st)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)(buf + LARGE_FIRST * PSZ),
		.iova = IOVA(LARGE_FIRST),
		.size = LARGE_PAGES * PSZ,
	};

	return iommufd_ioctl(st->fd, VFIO_IOMMU_MAP_DMA, &map);
}

static void expect_spapr_mapped(struct __test_metadata *_metadata,
				struct state *st, struct snap *want,
				const struct snap *got)
{
	const struct layout *l = &got->layout[0];

	ASSERT_EQ(1, l->num);
	ASSERT_EQ(0, l->ranges[0].start);
	ASSERT_EQ((1ULL << 31) - 1, l->ranges[0].last);
	want->layout[0] = *l;
	expect_mapped(want, 0, LARGE_FIRST, LARGE_PAGES, false);
	want->translated[0] |= PAGES(LARGE_FIRST, LARGE_PAGES);
}

static const struct path path_spapr_map = {
	.setup = setup_spapr_registered,
	.run = run_spapr_map,
	.expect = expect_spapr_mapped,
};

/*
 * VFIO_IOMMU_UNMAP_DMA of a piece from the middle of a mapping of
 * registered memory, cut as VFIO clears entries: the piece unmapped and
 * the rest still translated, with the registered pages pinned as before,
 * or nothing changed.
 */

static void setup_spapr_mapped(struct __test_metadata *_metadata,
			       struct state *st)
{
	setup_spapr_registered(_metadata, st);
	ASSERT_EQ(0, run_spapr_map(st));
}

static int run_spapr_cut(struct state *st)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = IOVA(CUT_FIRST),
		.size = CUT_PAGES * PSZ,
	};

	return iommufd_ioctl(st->fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
}

static void expect_spapr_cut(struct __test_metadata *_metadata,
			     struct state *st, struct snap *want,
			     const struct snap *got)
{
	want->mapped[0] &= ~PAGES(CUT_FIRST, CUT_PAGES);
	want->translated[0] &= ~PAGES(CUT_FIRST, CUT_PAGES);
}

static const struct path path_spapr_unmap = {
	.setup = setup_spapr_mapped,
	.run = run_spapr_cut,
	.expect = expect_spapr_cut,
};

/*
 * VFIO_IOMMU_SPAPR_TCE_REMOVE of the default window with the mapping in
 * it: the window gone with its mapping, the registered pages still
 * pinned. Nothing is allocated: unmapping whole areas and removing a
 * window only free.
 */

static int run_spapr_remove(struct state *st)
{
	struct vfio_iommu_spapr_tce_remove cmd = {
		.argsz = sizeof(cmd),
		.start_addr = 0,
	};

	return iommufd_ioctl(st->fd, VFIO_IOMMU_SPAPR_TCE_REMOVE, &cmd);
}

static void expect_spapr_removed(struct __test_metadata *_metadata,
				 struct state *st, struct snap *want,
				 const struct snap *got)
{
	ASSERT_EQ(0, got->layout[0].num);
	want->layout[0] = got->layout[0];
	want->mapped[0] = 0;
	want->translated[0] = 0;
}

static const struct path path_spapr_remove = {
	.setup = setup_spapr_mapped,
	.run = run_spapr_remove,
	.expect = expect_spapr_removed,
	.no_alloc = true,
};

/*
 * VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY of the registered run, mapped
 * nowhere: its pages unpinned. Nothing is allocated.
 */

static int run_spapr_unregister(struct state *st)
{
	return spapr_region(st, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY);
}

static void expect_spapr_unregistered(struct __test_metadata *_metadata,
				      struct state *st, struct snap *want,
				      const struct snap *got)
{
	expect_large_pins(want, false);
}

static const struct path path_spapr_unregister = {
	.setup = setup_spapr_registered,
	.run = run_spapr_unregister,
	.expect = expect_spapr_unregistered,
	.no_alloc = true,
};

/*
 * VFIO_IOMMU_ENABLE of a SPAPR v1 container: the default window made, or
 * no window and still disabled.
 */

static void setup_spapr_v1(struct __test_metadata *_metadata,
			   struct state *st)
{
	spapr_setup(_metadata, st, VFIO_SPAPR_TCE_IOMMU);
}

static int run_spapr_enable(struct state *st)
{
	return iommufd_ioctl(st->fd, VFIO_IOMMU_ENABLE, NULL);
}

static void expect_spapr_enabled(struct __test_metadata *_metadata,
				 struct state *st, struct snap *want,
				 const struct snap *got)
{
	const struct layout *l = &got->layout[0];

	ASSERT_EQ(1, l->num);
	ASSERT_EQ(0, l->ranges[0].start);
	ASSERT_EQ((1ULL << 31) - 1, l->ranges[0].last);
	want->layout[0] = *l;
}

static const struct path path_spapr_enable = {
	.setup = setup_spapr_v1,
	.run = run_spapr_enable,
	.expect = expect_spapr_enabled,
};

/* IOMMU_WINDOW_CAPS of the IOAS, with a VT-d and an SMMUv3 model device */

/*
 * Where the caps go. They are written to in the setup, so that copying
 * to them faults in no page while an injected fault is armed.
 */
static struct iommu_window_aperture caps_apertures[4];
static struct iommu_iova_range caps_reserved[4];

static void setup_two_models(struct __test_metadata *_metadata,
			     struct state *st)
{
	setup_window(_metadata, st);
	add_model_device(_metadata, st, 1, st->ioas[0],
			 MOCK_FLAGS_DEVICE_MODEL_SMMU);
	memset(caps_apertures, 0, sizeof(caps_apertures));
	memset(caps_reserved, 0, sizeof(caps_reserved));
}

static int run_window_caps(struct state *st)
{
	struct iommu_window_caps cmd = {
		.num_apertures = ARRAY_SIZE(caps_apertures),
		.num_reserved = ARRAY_SIZE(caps_reserved),
		.apertures = (uintptr_t)caps_apertures,
		.reserved = (uintptr_t)caps_reserved,
	};
	int rc;

	rc = __window_caps(st->fd, st->ioas[0], &cmd);
	st->out_id[0] = cmd.num_apertures;
	st->out_id[1] = cmd.num_reserved;
	st->out_id[2] = cmd.out_max_windows;
	return rc;
}

/* What both devices offer: VT-d's aperture, both interrupt ranges. */
static void expect_window_caps(struct __test_metadata *_metadata,
			       struct state *st, struct snap *want,
			       const struct snap *got)
{
	ASSERT_EQ(1, st->out_id[0]);
	ASSERT_EQ(2, st->out_id[1]);
	ASSERT_EQ(0, st->out_id[2]);
	ASSERT_EQ(0, caps_apertures[0].start);
	ASSERT_EQ(MOCK_VTD_APERTURE_LAST, caps_apertures[0].last);
	ASSERT_EQ(MOCK_VTD_PAGE_SIZES, caps_apertures[0].page_sizes);
	ASSERT_EQ(0, caps_apertures[0].flags);
	ASSERT_EQ(0, caps_apertures[0].max_levels);
	ASSERT_EQ(MOCK_SMMU_MSI_START, caps_reserved[0].start);
	ASSERT_EQ(MOCK_SMMU_MSI_LAST, caps_reserved[0].last);
	ASSERT_EQ(MOCK_VTD_MSI_START, caps_reserved[1].start);
	ASSERT_EQ(MOCK_VTD_MSI_LAST, caps_reserved[1].last);
}

static const struct path path_window_caps = {
	.setup = setup_two_models,
	.run = run_window_caps,
	.expect = expect_window_caps,
	.no_alloc = true,
};

/* A VT-d model device joining a windowed IOAS with a mapped window */

static void setup_window_mapped(struct __test_metadata *_metadata,
				struct state *st)
{
	base_setup(_metadata, st);
	add_windowed_ioas(_metadata, st);
	ASSERT_EQ(0, window_add(st, IOMMU_IOAS_WINDOW_EXACT));
	map_pages(_metadata, st, st->ioas[0], LARGE_FIRST, LARGE_PAGES);
}

static int run_window_attach(struct state *st)
{
	return __mock_domain_flags(st->fd, st->ioas[0],
				   MOCK_FLAGS_DEVICE_MODEL_VTD,
				   &st->out_id[0], &st->out_id[1],
				   &st->out_id[2]);
}

static void expect_window_attach(struct __test_metadata *_metadata,
				 struct state *st, struct snap *want,
				 const struct snap *got)
{
	md_check_map(st->fd, st->out_id[1], IOVA(LARGE_FIRST),
		     buf + LARGE_FIRST * PSZ, LARGE_PAGES * PSZ);
	want->next_id = got->next_id;
	/* The window stays; the alignment may follow the device. */
	want->layout[0].align = got->layout[0].align;
}

static const struct path path_window_attach = {
	.setup = setup_window_mapped,
	.run = run_window_attach,
	.expect = expect_window_attach,
};

/* IOMMU_IOAS_MAP at a fixed IOVA in the window */

static const struct path path_window_map = {
	.setup = setup_window,
	.run = run_map_large,
	.expect = expect_map_large,
};

/*
 * IOMMU_DEVICE_ATTACH_EXTRA and IOMMU_DEVICE_DETACH_EXTRA: a PowerPC model
 * device on a windowed IOAS with its high window, and a second windowed
 * IOAS whose low window holds the mapped pages. The device's own ID is
 * probed like a page table: MD_CHECK_MAP follows its DMA.
 */

static void add_exact_window(struct __test_metadata *_metadata,
			     struct state *st, uint32_t ioas, uint64_t iova,
			     uint64_t length)
{
	struct iommu_ioas_window_add cmd = {
		.flags = IOMMU_IOAS_WINDOW_EXACT,
		.ioas_id = ioas,
		.iova = iova,
		.length = length,
	};

	ioas_window_add(st->fd, &cmd);
}

static void setup_two_ioas(struct __test_metadata *_metadata,
			   struct state *st)
{
	uint32_t main_ioas, extra_ioas;

	base_setup(_metadata, st);
	main_ioas = add_windowed_ioas(_metadata, st);
	add_model_device(_metadata, st, 0, main_ioas,
			 MOCK_FLAGS_DEVICE_MODEL_PPC);
	add_exact_window(_metadata, st, main_ioas, MOCK_PPC_HIGH_START,
			 WINDOW_LEN);
	extra_ioas = add_windowed_ioas(_metadata, st);
	/* The low window must start at 0; it holds IOVA(0) on. */
	add_exact_window(_metadata, st, extra_ioas, 0,
			 IOVA(WIN_PAGES) + WINDOW_LEN);
	map_pages(_metadata, st, extra_ioas, LARGE_FIRST, LARGE_PAGES);
	st->hwpt[st->nhwpt++] = st->idev[0];
}

static int run_attach_extra(struct state *st)
{
	uint32_t pt = st->ioas[1];
	int rc;

	rc = __device_attach_extra(st->fd, st->idev[0], &pt);
	st->out_id[0] = pt;
	return rc;
}

static void expect_attach_extra(struct __test_metadata *_metadata,
				struct state *st, struct snap *want,
				const struct snap *got)
{
	ASSERT_NE(st->ioas[1], st->out_id[0]);
	want->translated[1] |= PAGES(LARGE_FIRST, LARGE_PAGES);
	want->next_id = got->next_id;
	want->layout[1].align = got->layout[1].align;
}

static const struct path path_attach_extra = {
	.setup = setup_two_ioas,
	.run = run_attach_extra,
	.expect = expect_attach_extra,
};

static void setup_extra(struct __test_metadata *_metadata, struct state *st)
{
	setup_two_ioas(_metadata, st);
	ASSERT_EQ(0, run_attach_extra(st));
}

static int run_detach_extra(struct state *st)
{
	return __device_detach_extra(st->fd, st->idev[0], st->ioas[1]);
}

static void expect_detach_extra(struct __test_metadata *_metadata,
				struct state *st, struct snap *want,
				const struct snap *got)
{
	want->translated[1] = 0;
	want->next_id = got->next_id;
	want->layout[1].align = got->layout[1].align;
}

static const struct path path_detach_extra = {
	.setup = setup_extra,
	.run = run_detach_extra,
	.expect = expect_detach_extra,
	.no_alloc = true,
};

/*
 * Dirty tracking: the device's IOAS with the large piece mapped, a page
 * table made for dirty tracking with tracking on, and a few pages marked
 * written. Reading the record clears it, which nothing else shows.
 */

/* Written to in the setup, so that no page faults in under injection */
static uint64_t dirty_bits[1];

static void setup_dirty(struct __test_metadata *_metadata, struct state *st)
{
	uint32_t hwpt;

	setup_mapped1(_metadata, st);
	ASSERT_EQ(0, __hwpt_alloc(st->fd, st->idev[0], st->ioas[0],
				  IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt));
	st->hwpt[st->nhwpt++] = hwpt;
	track(st, hwpt, ID_HWPT);
	set_dirty_tracking(st->fd, hwpt, true);
	dirty_bits[0] = 0x5;
	mock_dirty(st->fd, hwpt, IOVA(LARGE_FIRST), 4 * PSZ, PSZ, dirty_bits,
		   NULL);
	dirty_bits[0] = 0;
}

static int run_get_dirty_bitmap(struct state *st)
{
	return __get_dirty_bitmap(st->fd, st->hwpt[1], IOVA(LARGE_FIRST),
				  LARGE_PAGES * PSZ, PSZ, dirty_bits, 0);
}

static void expect_dirty_bitmap(struct __test_metadata *_metadata,
				struct state *st, struct snap *want,
				const struct snap *got)
{
	ASSERT_EQ(0x5, dirty_bits[0]);
}

static const struct path path_get_dirty_bitmap = {
	.setup = setup_dirty,
	.run = run_get_dirty_bitmap,
	.expect = expect_dirty_bitmap,
};

static int run_set_dirty_tracking(struct state *st)
{
	return __set_dirty_tracking(st->fd, st->hwpt[1], true);
}

static const struct path path_set_dirty_tracking = {
	.setup = setup_dirty,
	.run = run_set_dirty_tracking,
	.expect = expect_nothing,
	.no_alloc = true,
};

/* Nested page tables and fault queues */

/* A nesting parent for the device, in the snapshot, and a fault queue. */
static void setup_parent(struct __test_metadata *_metadata, struct state *st)
{
	uint32_t parent;

	setup_mapped1(_metadata, st);
	ASSERT_EQ(0, __hwpt_alloc(st->fd, st->idev[0], st->ioas[0],
				  IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	st->hwpt[st->nhwpt++] = parent;
	track(st, parent, ID_HWPT);
	ASSERT_EQ(0, __fault_queue_alloc(st->fd, 0, &st->out_id[2], &st->qfd));
}

static int run_nested_alloc(struct state *st)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };

	return __hwpt_alloc_data(st->fd, st->idev[0], st->hwpt[1],
				 IOMMU_HWPT_FAULT_ID_VALID,
				 IOMMU_HWPT_DATA_SELFTEST, &data, sizeof(data),
				 st->out_id[2], &st->out_id[0]);
}

static void expect_nested_alloc(struct __test_metadata *_metadata,
				struct state *st, struct snap *want,
				const struct snap *got)
{
	ASSERT_EQ(want->next_id, st->out_id[0]);
	md_check_iotlb(st->fd, st->out_id[0], 0, IOMMU_TEST_IOTLB_DEFAULT);
	/* It holds the parent and the queue. */
	ASSERT_EQ(EBUSY, __iommufd_destroy(st->fd, st->hwpt[1]));
	ASSERT_EQ(EBUSY, __iommufd_destroy(st->fd, st->out_id[2]));
	want->next_id = got->next_id;
}

static const struct path path_nested_alloc = {
	.setup = setup_parent,
	.run = run_nested_alloc,
	.expect = expect_nested_alloc,
};

/* The parent, a table nested in it with the queue, in the snapshot. */
static void setup_nested(struct __test_metadata *_metadata, struct state *st)
{
	setup_parent(_metadata, st);
	ASSERT_EQ(0, run_nested_alloc(st));
	track(st, st->out_id[0], ID_NESTED);
}

static int run_replace_nested(struct state *st)
{
	st->out_val = st->out_id[0];
	return __mock_domain_replace(st->fd, st->stdev[0],
				     (uint32_t *)&st->out_val);
}

static void expect_replace_nested(struct __test_metadata *_metadata,
				  struct state *st, struct snap *want,
				  const struct snap *got)
{
	ASSERT_EQ(st->out_id[0], (uint32_t)st->out_val);
	/* DMA goes through the parent; the automatic table is gone. */
	md_check_map(st->fd, st->idev[0], IOVA(LARGE_FIRST),
		     buf + LARGE_FIRST * PSZ, LARGE_PAGES * PSZ);
	want->valid[1] = false;
	want->translated[0] = 0;
	want->next_id = got->next_id;
}

static const struct path path_replace_nested = {
	.setup = setup_nested,
	.run = run_replace_nested,
	.expect = expect_replace_nested,
	.no_alloc = true,
};

static int run_fault_queue_alloc(struct state *st)
{
	return __fault_queue_alloc(st->fd, 0, &st->out_id[0], &st->qfd);
}

static void expect_fault_queue_alloc(struct __test_metadata *_metadata,
				     struct state *st, struct snap *want,
				     const struct snap *got)
{
	ASSERT_EQ(want->next_id, st->out_id[0]);
	ASSERT_LT(0, st->qfd);
	ASSERT_EQ(EBUSY, __iommufd_destroy(st->fd, st->out_id[0]));
	want->next_id = got->next_id;
}

static const struct path path_fault_queue_alloc = {
	.setup = setup_mapped1,
	.run = run_fault_queue_alloc,
	.expect = expect_fault_queue_alloc,
};

static int run_invalidate(struct state *st)
{
	struct iommu_hwpt_invalidate_selftest inv[2] = {
		{ .iotlb_id = 1 },
		{ .iotlb_id = 3 },
	};
	uint32_t n = 2;

	return __hwpt_invalidate(st->fd, st->out_id[0],
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, inv,
				 sizeof(inv[0]), &n);
}

static void expect_invalidate(struct __test_metadata *_metadata,
			      struct state *st, struct snap *want,
			      const struct snap *got)
{
	/* Slot 0, which the snapshot probes, keeps its value. */
	md_check_iotlb(st->fd, st->out_id[0], 1, 0);
	md_check_iotlb(st->fd, st->out_id[0], 2, IOMMU_TEST_IOTLB_DEFAULT);
	md_check_iotlb(st->fd, st->out_id[0], 3, 0);
}

static const struct path path_invalidate = {
	.setup = setup_nested,
	.run = run_invalidate,
	.expect = expect_invalidate,
	.no_alloc = true,
};

static int run_hwpt_formats(struct state *st)
{
	struct iommu_hwpt_format fmt[2];
	uint32_t n = 2;

	return __hwpt_formats(st->fd, st->idev, 1, fmt, &n, NULL);
}

static const struct path path_hwpt_formats = {
	.setup = setup_map1,
	.run = run_hwpt_formats,
	.expect = expect_nothing,
};

/* The device on the nested table has raised a fault, not read yet. */
static void setup_fault(struct __test_metadata *_metadata, struct state *st)
{
	setup_nested(_metadata, st);
	mock_domain_replace(st->fd, st->stdev[0], st->out_id[0]);
	/* The automatic table is gone: the parent and the nested one stay. */
	st->hwpt[0] = st->hwpt[1];
	st->nhwpt = 1;
	st->ids[1] = st->ids[3];
	st->ids[3] = st->ids[4];
	st->nids = 4;
	ASSERT_EQ(0, __trigger_iopf(st->fd, st->idev[0], 1, 2,
				    IOMMU_PGFAULT_PERM_READ, 0x1000));
}

static int run_fault_read(struct state *st)
{
	struct iommu_hwpt_pgfault rec;
	ssize_t n = read(st->qfd, &rec, sizeof(rec));

	if (n < 0)
		return errno;
	st->out_val = rec.cookie;
	return n == sizeof(rec) && rec.grpid == 2 ? 0 : EIO;
}

static void expect_fault_read(struct __test_metadata *_metadata,
			      struct state *st, struct snap *want,
			      const struct snap *got)
{
	struct iommu_hwpt_page_response resp = {
		.cookie = st->out_val,
		.code = IOMMUFD_PAGE_RESP_SUCCESS,
	};
	struct iommu_hwpt_pgfault rec;

	/* Read once, answerable once. */
	ASSERT_EQ(0, read(st->qfd, &rec, sizeof(rec)));
	ASSERT_EQ(sizeof(resp), write(st->qfd, &resp, sizeof(resp)));
	ASSERT_EQ(-1, write(st->qfd, &resp, sizeof(resp)));
}

static const struct path path_fault_read = {
	.setup = setup_fault,
	.run = run_fault_read,
	.expect = expect_fault_read,
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

FIXTURE_VARIANT_ADD(faults, mock_domain) {
	.path = &path_mock_domain,
};

FIXTURE_VARIANT_ADD(faults, replace_ioas) {
	.path = &path_replace_ioas,
};

FIXTURE_VARIANT_ADD(faults, hwpt_alloc) {
	.path = &path_hwpt_alloc,
};

FIXTURE_VARIANT_ADD(faults, replace_hwpt) {
	.path = &path_replace_hwpt,
};

FIXTURE_VARIANT_ADD(faults, hw_info) {
	.path = &path_hw_info,
};

FIXTURE_VARIANT_ADD(faults, destroy_hwpt) {
	.path = &path_destroy_hwpt,
};

FIXTURE_VARIANT_ADD(faults, destroy_device) {
	.path = &path_destroy_device,
};

FIXTURE_VARIANT_ADD(faults, window_add_exact) {
	.path = &path_window_add_exact,
};

FIXTURE_VARIANT_ADD(faults, window_add_auto) {
	.path = &path_window_add_auto,
};

FIXTURE_VARIANT_ADD(faults, window_remove) {
	.path = &path_window_remove,
};

FIXTURE_VARIANT_ADD(faults, window_caps) {
	.path = &path_window_caps,
};

FIXTURE_VARIANT_ADD(faults, spapr_create) {
	.path = &path_spapr_create,
};

FIXTURE_VARIANT_ADD(faults, spapr_register) {
	.path = &path_spapr_register,
};

FIXTURE_VARIANT_ADD(faults, spapr_map) {
	.path = &path_spapr_map,
};

FIXTURE_VARIANT_ADD(faults, spapr_unmap) {
	.path = &path_spapr_unmap,
};

FIXTURE_VARIANT_ADD(faults, spapr_remove) {
	.path = &path_spapr_remove,
};

FIXTURE_VARIANT_ADD(faults, spapr_unregister) {
	.path = &path_spapr_unregister,
};

FIXTURE_VARIANT_ADD(faults, spapr_enable) {
	.path = &path_spapr_enable,
};

FIXTURE_VARIANT_ADD(faults, window_attach) {
	.path = &path_window_attach,
};

FIXTURE_VARIANT_ADD(faults, window_map) {
	.path = &path_window_map,
};

FIXTURE_VARIANT_ADD(faults, get_dirty_bitmap) {
	.path = &path_get_dirty_bitmap,
};

FIXTURE_VARIANT_ADD(faults, set_dirty_tracking) {
	.path = &path_set_dirty_tracking,
};

FIXTURE_VARIANT_ADD(faults, attach_extra) {
	.path = &path_attach_extra,
};

FIXTURE_VARIANT_ADD(faults, detach_extra) {
	.path = &path_detach_extra,
};

FIXTURE_VARIANT_ADD(faults, nested_alloc) {
	.path = &path_nested_alloc,
};

FIXTURE_VARIANT_ADD(faults, replace_nested) {
	.path = &path_replace_nested,
};

FIXTURE_VARIANT_ADD(faults, invalidate) {
	.path = &path_invalidate,
};

FIXTURE_VARIANT_ADD(faults, hwpt_formats) {
	.path = &path_hwpt_formats,
};

FIXTURE_VARIANT_ADD(faults, fault_queue_alloc) {
	.path = &path_fault_queue_alloc,
};

FIXTURE_VARIANT_ADD(faults, fault_read) {
	.path = &path_fault_read,
};

TEST_F_TIMEOUT(faults, sweep, 120)
{
	sweep_path(_metadata, &self->cfg, variant->path);
}

/* A buffer of touched small pages, so that MD_CHECK_REFS sees each pin. */
static uint8_t *alloc_buffer(int flags)
{
	void *p = mmap(NULL, WIN_PAGES * PSZ, PROT_READ | PROT_WRITE,
		       flags | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, WIN_PAGES * PSZ, MADV_NOHUGEPAGE);
	memset(p, 0x5a, WIN_PAGES * PSZ);
	return p;
}

/*
 * close() of a file holding two IOASes, two mock devices and pinned
 * memory, with the Nth injection point armed, in a child per N. The
 * buffer is shared with the child, so the parent sees the pins the child
 * took and checks that they all went with the file.
 */
FIXTURE(close_sweep) {
	struct inject_cfg cfg;
	bool ready;
	uint8_t *shared;
};

FIXTURE_SETUP(close_sweep)
{
	int rc;

	if (mock_missing())
		SKIP(return, "kernel built without CONFIG_IOMMUFD_TEST");
	rc = inject_setup(&self->cfg);
	if (rc == EOPNOTSUPP)
		SKIP(return, NO_INJECT_MSG);
	ASSERT_EQ(0, rc);
	self->ready = true;
	self->shared = alloc_buffer(MAP_SHARED);
	ASSERT_NE(NULL, self->shared);
}

FIXTURE_TEARDOWN(close_sweep)
{
	if (self->ready)
		inject_restore(&self->cfg);
}

/* The child's exit codes; anything else is a setup step that failed. */
enum { CLOSE_FIRED, CLOSE_DONE, CLOSE_SETUP_FAILED };

/*
 * In the child: two IOASes sharing the pinned pages, a mock device on
 * each, and a second table allocated for one of the devices.
 */
static int close_setup(int fd, uint8_t *mem)
{
	uint64_t iova = IOVA(LARGE_FIRST), len = LARGE_PAGES * PSZ;
	uint32_t a, b, idev;

	if (__ioas_alloc(fd, &a) || __ioas_alloc(fd, &b) ||
	    __mock_domain(fd, a, NULL, NULL, &idev) ||
	    __mock_domain(fd, b, NULL, NULL, NULL) ||
	    __ioas_map(fd, a, mem + LARGE_FIRST * PSZ, len, &iova,
		       MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA) ||
	    __ioas_copy(fd, b, &iova, a, iova, len,
			MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA) ||
	    __hwpt_alloc(fd, idev, a, 0, NULL))
		return -1;
	return __md_check_refs(fd, mem + LARGE_FIRST * PSZ, len, 1);
}

static int close_child(uint8_t *mem, unsigned int nth)
{
	unsigned int left;
	int fd, nth_fd;

	nth_fd = fail_nth_open();
	fd = iommufd_open();
	if (nth_fd < 0 || fd < 0 || close_setup(fd, mem))
		return CLOSE_SETUP_FAILED;
	if (fail_nth_set(nth_fd, nth))
		return CLOSE_SETUP_FAILED;
	close(fd);
	if (fail_nth_get(nth_fd, &left) || fail_nth_set(nth_fd, 0))
		return CLOSE_SETUP_FAILED;
	return left ? CLOSE_DONE : CLOSE_FIRED;
}

TEST_F_TIMEOUT(close_sweep, close, 120)
{
	unsigned int nth, nfired = 0;
	int status, fd;
	uint32_t ioas;
	pid_t child;

	for (nth = 1;; nth++) {
		ASSERT_GT(MAX_NTH, nth);
		child = fork();
		ASSERT_LE(0, child);
		if (!child)
			_exit(close_child(self->shared, nth));
		ASSERT_EQ(child, waitpid(child, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_GE(CLOSE_DONE, WEXITSTATUS(status)) {
			TH_LOG("point %u: the child could not set up", nth);
		}

		/* Nothing the child pinned is still pinned. */
		fd = iommufd_open();
		ASSERT_LE(0, fd);
		md_check_refs(fd, self->shared, WIN_PAGES * PSZ, 0);
		/* The subsystem still works. */
		ioas = ioas_alloc(fd);
		ioas_map_fixed(fd, ioas, self->shared, PSZ, WIN_IOVA);
		md_check_refs(fd, self->shared, PSZ, 1);
		ASSERT_EQ(0, close(fd));

		if (WEXITSTATUS(status) == CLOSE_DONE)
			break;
		nfired++;
	}
	TH_LOG("%u injection points", nfired);
	ASSERT_LT(0, nfired);
}

TEST_HARNESS_MAIN
