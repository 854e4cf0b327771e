// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Real DMA through a real IOMMU in windowed IOASes: QEMU's "edu" PCI
 * device, driven from user space through VFIO, attached through its VFIO
 * cdev to IOASes made with IOMMU_IOAS_ALLOC_WINDOWED. iommufd_edu.c tells
 * how the tests use the device and when they skip. What these tests
 * prove:
 *
 *   - in a windowed IOAS the device reaches only its windows;
 *     IOMMU_WINDOW_CAPS describes the IOMMU's aperture, page sizes and
 *     reserved ranges; a window beyond the aperture keeps the device out,
 *     and a window in use cannot be removed;
 *   - VT-d and SMMUv3 translate a device through one table: a second
 *     windowed IOAS (IOMMU_DEVICE_ATTACH_EXTRA) is refused;
 *   - on pSeries, a windowed IOAS gets the PE's default window and the
 *     dynamic DMA window (64 KiB TCEs at 1 << 59) that firmware creates
 *     when asked, and a DDW made first survives the default window's
 *     creation; the two windows may belong to two IOASes
 *     (IOMMU_DEVICE_ATTACH_EXTRA), DMA going to the one whose window holds
 *     its address; nothing lands between or after the windows. The TCE
 *     hardware reports no faults: a refused write is seen only in memory
 *     that keeps its contents;
 *   - on pSeries, a program written for VFIO's SPAPR TCE container (v2)
 *     runs unchanged on /dev/vfio/vfio served by iommufd, in QEMU's order:
 *     the API probed before the group joins, the windows described and
 *     made before the device is opened, memory preregistered once and
 *     mapped into both windows; with one group, and with two (two edu,
 *     each on a PHB of its own) sharing the container's windows; every
 *     step from REGISTER_MEMORY to UNREGISTER_MEMORY with what it pins;
 *     EEH's answers on QEMU's PHBs (no EEH PE); the v1 API (ENABLE,
 *     MAP_DMA pinning, DISABLE).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/capability.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "edu_test.h"

/* ---- windowed IOASes (IOMMU_IOAS_ALLOC_WINDOWED) ---- */

/* Its data, setup and teardown are in edu_test.h. */
FIXTURE(edu_cdev);

FIXTURE_SETUP(edu_cdev)
{
	edu_cdev_fixture_setup(_metadata, self);
}

FIXTURE_TEARDOWN(edu_cdev)
{
	edu_cdev_fixture_teardown(self);
}

/* A window far beyond the aperture of either IOMMU. */
#define FAR_WIN_START		0x1000000000000000ULL

#define MAX_APERTURES		8

/*
 * IOMMU_WINDOW_CAPS of device or IOAS @id: the apertures into @ap, an
 * array of MAX_APERTURES, and the reserved ranges into @rsv, one of
 * MAX_RANGES. @cmd holds the counts and out_max_windows afterwards.
 */
static void query_window_caps(struct __test_metadata *_metadata, int fd,
			      uint32_t id, struct iommu_window_caps *cmd,
			      struct iommu_window_aperture *ap,
			      struct iommu_iova_range *rsv)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->num_apertures = MAX_APERTURES;
	cmd->num_reserved = MAX_RANGES;
	cmd->apertures = (uintptr_t)ap;
	cmd->reserved = (uintptr_t)rsv;
	window_caps(fd, id, cmd);
	ASSERT_GE(MAX_APERTURES, cmd->num_apertures);
	ASSERT_GE(MAX_RANGES, cmd->num_reserved);
}

/* Is IOVA_RANGES of @ioas exactly the window [@start, @end)? */
static void check_only_window(struct __test_metadata *_metadata, int fd,
			      uint32_t ioas, uint64_t start, uint64_t end)
{
	struct iommu_iova_range r[MAX_RANGES];
	uint32_t n;

	n = ioas_ranges(_metadata, fd, ioas, r, NULL);
	ASSERT_EQ(1, n)
		print_ranges("expected one window", r, n);
	ASSERT_EQ(start, r[0].start);
	ASSERT_EQ(end - 1, r[0].last);
}

/*
 * A windowed IOAS on real hardware. IOMMU_WINDOW_CAPS of edu tells what
 * the IOMMU offers, in the terms of its domains: one aperture (the one
 * IOMMU_GET_HW_INFO implies) with the IOMMU's page sizes, no limit on the
 * number of windows, nothing to choose per window, and the MSI window
 * among the reserved ranges. An exact window inside edu's reach takes the
 * device; memory mapped there moves RAM -> device -> RAM, an automatic
 * IOVA lands in the window, and a fixed map outside it, or across its
 * end, fails with ERANGE. What IOMMU_IOAS_ALLOC_WINDOWED promises is also
 * true of the hardware: the device cannot read outside the window, and
 * the IOMMU reports the fault.
 */
TEST_F_TIMEOUT(edu_cdev, window_dma, 60)
{
	const uint64_t outside[][2] = {		/* IOVA, length */
		{ WIN_END, PSZ },
		{ WIN_END - PSZ, 2 * PSZ },
#if WIN_START
		{ WIN_START - PSZ, PSZ },
		{ WIN_START - PSZ, 2 * PSZ },
#endif
	};
	struct iommu_window_aperture ap[MAX_APERTURES], ioas_ap[MAX_APERTURES];
	struct iommu_iova_range rsv[MAX_RANGES], ioas_rsv[MAX_RANGES];
	uint8_t *src = SLOT(self, 0), *out = SLOT(self, 1);
	uint8_t *spare = SLOT(self, 2);
	struct iommu_window_caps caps, ioas_caps;
	int fd = self->iommufd;
	uint64_t iova;
	uint32_t ioas, i;

	query_window_caps(_metadata, fd, self->dev_id, &caps, ap, rsv);
	ksft_print_msg("edu's window caps: %u aperture(s), %u reserved, max_windows %u\n",
		       caps.num_apertures, caps.num_reserved,
		       caps.out_max_windows);
	for (i = 0; i != caps.num_apertures; i++)
		ksft_print_msg("aperture %u: 0x%llx-0x%llx, page sizes 0x%llx, %s 0x%x, %s %u\n",
			       i, (unsigned long long)ap[i].start,
			       (unsigned long long)ap[i].last,
			       (unsigned long long)ap[i].page_sizes,
			       "flags", ap[i].flags, "max_levels",
			       ap[i].max_levels);
	print_ranges("reserved", rsv, caps.num_reserved);
#if defined(__PPC64__)
	/* The default window and the DDW: a TCE table each, placed by firmware. */
	ASSERT_EQ(2, caps.num_apertures);
	ASSERT_EQ(2, caps.out_max_windows);
	for (i = 0; i != 2; i++) {
		ASSERT_EQ(IOMMU_APERTURE_FIXED_START |
			  IOMMU_APERTURE_ONE_PAGE_SIZE |
			  IOMMU_APERTURE_POW2_LENGTH, ap[i].flags);
		ASSERT_EQ(1, ap[i].max_levels);
	}
	ASSERT_EQ(0, ap[0].start);
	ASSERT_EQ(TCE_DMA32_SIZE - 1, ap[0].last);
	ASSERT_EQ(4096, ap[0].page_sizes);
	ASSERT_EQ(TCE_DDW_START, ap[1].start);
	ASSERT_EQ(TCE_DDW_PAGE_SIZES, ap[1].page_sizes);
	ASSERT_EQ(0, caps.num_reserved);
#else
	ASSERT_EQ(1, caps.num_apertures);
#endif
	ASSERT_NE(0, ap[0].page_sizes);
	/* The IOMMU maps pages of the CPU's size, or smaller ones. */
	ASSERT_NE(0, ap[0].page_sizes & (2 * PSZ - 1));
#if defined(__x86_64__) || defined(__aarch64__)
	/* The IOMMU core's domains: windows restrict what the core maps. */
	ASSERT_EQ(0, caps.out_max_windows);
	ASSERT_EQ(0, ap[0].flags);
	ASSERT_EQ(0, ap[0].max_levels);
	ASSERT_EQ(0, ap[0].start);
	check_aperture_last(_metadata, fd, self->dev_id, ap[0].last);
#endif
	if (MSI_WINDOW_LAST)
		ASSERT_TRUE(ranges_hold(rsv, caps.num_reserved,
					MSI_WINDOW_START, MSI_WINDOW_LAST))
			TH_LOG("the MSI window 0x%llx-0x%llx is not reserved",
			       (unsigned long long)MSI_WINDOW_START,
			       (unsigned long long)MSI_WINDOW_LAST);
	/* The window the test asks for is one the hardware can give. */
	ASSERT_LE(WIN_END - 1, EDU_DMA_MASK);
	ASSERT_LE(ap[0].start, WIN_START);
	ASSERT_LE(WIN_END - 1, ap[0].last);
	ASSERT_FALSE(ranges_touch(rsv, caps.num_reserved, WIN_START,
				  WIN_END - 1));

	ioas = ioas_alloc_windowed(fd);
	grant_exact_window(_metadata, fd, ioas, WIN_START, WIN_LEN);
	check_only_window(_metadata, fd, ioas, WIN_START, WIN_END);
	vfio_attach(self->edu.fd, ioas);
	ksft_print_msg("IOAS %u: window 0x%llx-0x%llx, edu attached\n", ioas,
		       (unsigned long long)WIN_START,
		       (unsigned long long)WIN_END - 1);
	/* Nothing the device reserves is in the window: nothing changes. */
	check_only_window(_metadata, fd, ioas, WIN_START, WIN_END);

	/* The IOAS now offers what the device offers. */
	query_window_caps(_metadata, fd, ioas, &ioas_caps, ioas_ap, ioas_rsv);
	ASSERT_EQ(caps.num_apertures, ioas_caps.num_apertures);
	ASSERT_EQ(ap[0].start, ioas_ap[0].start);
	ASSERT_EQ(ap[0].last, ioas_ap[0].last);
	ASSERT_EQ(ap[0].page_sizes, ioas_ap[0].page_sizes);
	if (MSI_WINDOW_LAST)
		ASSERT_TRUE(ranges_hold(ioas_rsv, ioas_caps.num_reserved,
					MSI_WINDOW_START, MSI_WINDOW_LAST));

	fill_pattern(src, PSZ);
	fill_unlike(out, src, PSZ);
	ioas_map_fixed(fd, ioas, src, PSZ, IOVA(0));
	ioas_map_fixed(fd, ioas, out, PSZ, IOVA(1));
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(out, src, XFER_LEN));

	/* The kernel places a mapping inside the window. */
	iova = ioas_map(fd, ioas, spare, PSZ);
	ksft_print_msg("automatic IOVA: 0x%llx\n", (unsigned long long)iova);
	ASSERT_LE(WIN_START, iova);
	ASSERT_GE(WIN_END - PSZ, iova);
	ioas_unmap(fd, ioas, iova, PSZ);

	for (i = 0; i != ARRAY_SIZE(outside); i++) {
		iova = outside[i][0];
		ASSERT_EQ(ERANGE,
			  __ioas_map(fd, ioas, spare, outside[i][1], &iova,
				     MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA))
			TH_LOG("mapped 0x%llx bytes at 0x%llx",
			       (unsigned long long)outside[i][1],
			       (unsigned long long)outside[i][0]);
	}
	check_only_window(_metadata, fd, ioas, WIN_START, WIN_END);

	/* Outside the window the device reads nothing. */
	fill_pattern(src, PSZ);
	fill_unlike(out, src, PSZ);
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	ksft_print_msg("reading IOVA 0x%llx, outside the window\n",
		       (unsigned long long)WIN_END);
	edu_read_refused(_metadata, &self->edu, self->sys.bdf, WIN_END, IOVA(1),
			 out, src, NULL, true);
	ASSERT_EQ(0, memcmp(out + BLOCKED_LEN, src + BLOCKED_LEN,
			    XFER_LEN - BLOCKED_LEN));
}

/*
 * With nothing attached a windowed IOAS takes any window, even one no
 * IOMMU translates. The device then cannot enter: attaching fails with
 * ERANGE, as IOMMU_IOAS_WINDOW_ADD would for that window, and leaves the
 * IOAS as it was (its window, its mappings, no device limits or reserved
 * ranges in its caps, destroyable) and the device free to attach
 * elsewhere.
 */
TEST_F_TIMEOUT(edu_cdev, window_refuses_attach, 60)
{
	struct iommu_window_aperture ap[MAX_APERTURES];
	struct iommu_iova_range rsv[MAX_RANGES];
	uint8_t *src = SLOT(self, 0), *out = SLOT(self, 1);
	struct iommu_window_caps caps;
	int fd = self->iommufd;
	uint32_t ioas, plain, pt;
	uint64_t iova;

	ioas = ioas_alloc_windowed(fd);
	grant_exact_window(_metadata, fd, ioas, FAR_WIN_START, WIN_LEN);
	check_only_window(_metadata, fd, ioas, FAR_WIN_START,
			  FAR_WIN_START + WIN_LEN);
	ioas_map_fixed(fd, ioas, src, PSZ, FAR_WIN_START);

	pt = ioas;
	ASSERT_EQ(ERANGE, edu_vfio_attach(self->edu.fd, &pt));
	ASSERT_EQ(ioas, pt);
	ksft_print_msg("IOAS %u with window 0x%llx-0x%llx refused edu\n",
		       ioas, (unsigned long long)FAR_WIN_START,
		       (unsigned long long)(FAR_WIN_START + WIN_LEN - 1));

	check_only_window(_metadata, fd, ioas, FAR_WIN_START,
			  FAR_WIN_START + WIN_LEN);
	query_window_caps(_metadata, fd, ioas, &caps, ap, rsv);
	ASSERT_EQ(1, caps.num_apertures);
	ASSERT_EQ(0, ap[0].start);
	ASSERT_EQ(UINT64_MAX, ap[0].last);
	ASSERT_EQ(0, caps.num_reserved);
	/* The mapping is still there, and the window still takes more. */
	iova = FAR_WIN_START;
	ASSERT_EQ(EEXIST, __ioas_map(fd, ioas, out, PSZ, &iova,
				     MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	ioas_map_fixed(fd, ioas, out, PSZ, FAR_WIN_START + PSZ);
	ioas_unmap(fd, ioas, FAR_WIN_START, 2 * PSZ);
	iommufd_destroy(fd, ioas);

	/* The device is not left half attached. */
	fill_pattern(src, PSZ);
	memset(out, 0, PSZ);
	plain = ioas_alloc(fd);
	ioas_map_fixed(fd, plain, self->mem, 2 * PSZ, IOVA(0));
	vfio_attach(self->edu.fd, plain);
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(out, src, XFER_LEN));
}

#if !defined(__PPC64__)
/*
 * VT-d and SMMUv3 translate a device through one table: a second windowed
 * IOAS (IOMMU_DEVICE_ATTACH_EXTRA) is refused with EOPNOTSUPP, leaving no
 * object and the device translating through its own IOAS.
 */
TEST_F_TIMEOUT(edu_cdev, window_no_extra, 60)
{
	uint8_t *src = SLOT(self, 0), *out = SLOT(self, 1);
	int fd = self->iommufd;
	uint32_t ioas, other, pt, next;

	ioas = ioas_alloc_windowed(fd);
	other = ioas_alloc_windowed(fd);
	grant_exact_window(_metadata, fd, ioas, WIN_START, WIN_LEN);
	grant_exact_window(_metadata, fd, other, FAR_WIN_START, WIN_LEN);
	ioas_map_fixed(fd, ioas, self->mem, 2 * PSZ, WIN_START);
	vfio_attach(self->edu.fd, ioas);

	next = ioas_alloc(fd);
	iommufd_destroy(fd, next);
	pt = other;
	ASSERT_EQ(EOPNOTSUPP, __device_attach_extra(fd, self->dev_id, &pt));
	ASSERT_EQ(other, pt);
	ASSERT_EQ(ENOENT, __iommufd_destroy(fd, next));
	ASSERT_EQ(ENOENT, __device_detach_extra(fd, self->dev_id, other));

	fill_pattern(src, PSZ);
	memset(out, 0, PSZ);
	edu_to_dev(&self->edu, WIN_START, DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, WIN_START + PSZ, XFER_LEN);
	ASSERT_EQ(0, memcmp(out, src, XFER_LEN));
	iommufd_destroy(fd, other);
}
#else
/*
 * PowerPC's TCE hardware routes DMA by address: a PE's default window and
 * its dynamic DMA window may belong to two IOASes, the DDW's attached with
 * IOMMU_DEVICE_ATTACH_EXTRA. edu then moves data from one IOAS to the
 * other, both ways; once the extra IOAS is detached the DDW is gone and a
 * write there does not land, while the default window goes on working.
 */
TEST_F_TIMEOUT(edu_cdev, window_extra, 60)
{
	uint8_t *src = SLOT(self, 0), *out = SLOT(self, 1);
	uint8_t *high = SLOT(self, 2);
	int fd = self->iommufd;
	uint32_t ioas, other, pt;

	ioas = ioas_alloc_windowed(fd);
	other = ioas_alloc_windowed(fd);
	grant_exact_window(_metadata, fd, ioas, WIN_START, WIN_LEN);
	grant_window(_metadata, fd, other, TCE_DDW_START, DDW_LEN,
		     DDW_PAGE_SIZE);
	ioas_map_fixed(fd, ioas, src, 2 * PSZ, IOVA(0));
	ioas_map_fixed(fd, other, high, PSZ, TCE_DDW_START);
	vfio_attach(self->edu.fd, ioas);
	pt = other;
	device_attach_extra(fd, self->dev_id, &pt);
	ksft_print_msg("IOAS %u (default window) and IOAS %u (DDW at 0x%llx, table %u) attached\n",
		       ioas, other, (unsigned long long)TCE_DDW_START, pt);

	fill_pattern(src, PSZ);
	edu_copy_check(_metadata, &self->edu, IOVA(0), TCE_DDW_START, src,
		       high);
	fill_pattern(high, PSZ);
	edu_copy_check(_metadata, &self->edu, TCE_DDW_START, IOVA(1), high,
		       out);

	device_detach_extra(fd, self->dev_id, other);
	ASSERT_EQ(ENOENT, __device_detach_extra(fd, self->dev_id, other));
	edu_write_refused(_metadata, &self->edu, self->sys.bdf, TCE_DDW_START,
			  high);
	fill_pattern(src, PSZ);
	edu_copy_check(_metadata, &self->edu, IOVA(0), IOVA(1), src, out);
	ioas_unmap(fd, other, TCE_DDW_START, PSZ);
	iommufd_destroy(fd, other);
}

/*
 * One windowed IOAS with both of a PE's windows: the default one with
 * 4 KiB TCEs and a DDW with 64 KiB TCEs, made by firmware at 1 << 59 when
 * IOMMU_IOAS_WINDOW_ADD asks while edu is attached. Data moves between
 * them; between and after them nothing lands; unmapped DDW pages block.
 * The DDW goes when removed and comes back when granted again, the
 * default window working all along. A DDW of 16 MiB TCEs can be had too,
 * and takes no mapping of less than its page (EINVAL).
 */
TEST_F_TIMEOUT(edu_cdev, window_ddw, 90)
{
	uint8_t *src = SLOT(self, 0), *out = SLOT(self, 1);
	uint8_t *high = SLOT(self, 2);
	struct iommu_iova_range r[MAX_RANGES];
	int fd = self->iommufd;
	uint64_t iova;
	uint32_t ioas, n;

	ioas = ioas_alloc_windowed(fd);
	grant_exact_window(_metadata, fd, ioas, WIN_START, WIN_LEN);
	vfio_attach(self->edu.fd, ioas);
	grant_window(_metadata, fd, ioas, TCE_DDW_START, DDW_LEN,
		     DDW_PAGE_SIZE);
	n = ioas_ranges(_metadata, fd, ioas, r, NULL);
	ASSERT_EQ(2, n);
	ASSERT_EQ(TCE_DDW_START, r[1].start);
	ASSERT_EQ(TCE_DDW_START + DDW_LEN - 1, r[1].last);

	ioas_map_fixed(fd, ioas, src, 2 * PSZ, IOVA(0));
	ioas_map_fixed(fd, ioas, high, PSZ, TCE_DDW_START + DDW_PAGE_SIZE);
	fill_pattern(src, PSZ);
	edu_copy_check(_metadata, &self->edu, IOVA(0),
		       TCE_DDW_START + DDW_PAGE_SIZE, src, high);
	fill_pattern(high, PSZ);
	edu_copy_check(_metadata, &self->edu, TCE_DDW_START + DDW_PAGE_SIZE,
		       IOVA(1), high, out);

	/* Nothing lands between the windows, past the DDW, or unmapped. */
	edu_write_refused(_metadata, &self->edu, self->sys.bdf, WIN_END, out);
	edu_write_refused(_metadata, &self->edu, self->sys.bdf,
			  TCE_DDW_START + DDW_LEN, out);
	edu_write_refused(_metadata, &self->edu, self->sys.bdf, TCE_DDW_START,
			  out);
	ioas_unmap(fd, ioas, TCE_DDW_START + DDW_PAGE_SIZE, PSZ);
	edu_write_refused(_metadata, &self->edu, self->sys.bdf,
			  TCE_DDW_START + DDW_PAGE_SIZE, high);

	/* Gone and back; the default window works throughout. */
	ioas_window_remove(fd, ioas, TCE_DDW_START);
	fill_pattern(src, PSZ);
	edu_copy_check(_metadata, &self->edu, IOVA(0), IOVA(1), src, out);
	grant_window(_metadata, fd, ioas, TCE_DDW_START, DDW_LEN,
		     DDW_PAGE_SIZE);
	ioas_map_fixed(fd, ioas, high, PSZ, TCE_DDW_START);
	fill_pattern(src, PSZ);
	edu_copy_check(_metadata, &self->edu, IOVA(0), TCE_DDW_START, src,
		       high);
	ioas_unmap(fd, ioas, TCE_DDW_START, PSZ);
	ioas_window_remove(fd, ioas, TCE_DDW_START);

	/* A DDW of 16 MiB TCEs maps whole 16 MiB pages only. */
	grant_window(_metadata, fd, ioas, TCE_DDW_START, 1ULL << 28,
		     1ULL << 24);
	iova = TCE_DDW_START;
	ASSERT_EQ(EINVAL, __ioas_map(fd, ioas, self->mem, MEM_SLOTS * PSZ,
				     &iova, MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	ioas_window_remove(fd, ioas, TCE_DDW_START);
	fill_pattern(src, PSZ);
	edu_copy_check(_metadata, &self->edu, IOVA(0), IOVA(1), src, out);
}

/*
 * Creating the default window resets the PE, which would destroy a DDW, so
 * the kernel takes a live DDW down, creates the default window and builds
 * the DDW again from its copy of the TCEs. Here the DDW comes first, with
 * memory mapped and edu attached; after the default window is granted,
 * both windows translate: DMA goes from the default window into the DDW
 * page mapped before, and back.
 */
TEST_F_TIMEOUT(edu_cdev, window_ddw_rebuilt, 60)
{
	uint8_t *src = SLOT(self, 0), *out = SLOT(self, 1);
	uint8_t *high = SLOT(self, 2);
	int fd = self->iommufd;
	uint32_t ioas;

	ioas = ioas_alloc_windowed(fd);
	grant_window(_metadata, fd, ioas, TCE_DDW_START, DDW_LEN,
		     DDW_PAGE_SIZE);
	vfio_attach(self->edu.fd, ioas);
	ioas_map_fixed(fd, ioas, high, PSZ, TCE_DDW_START);
	ioas_map_fixed(fd, ioas, out, PSZ, TCE_DDW_START + DDW_PAGE_SIZE);
	fill_pattern(high, PSZ);
	edu_copy_check(_metadata, &self->edu, TCE_DDW_START,
		       TCE_DDW_START + DDW_PAGE_SIZE, high, out);

	grant_exact_window(_metadata, fd, ioas, WIN_START, WIN_LEN);
	ioas_map_fixed(fd, ioas, src, PSZ, IOVA(0));
	fill_pattern(src, PSZ);
	edu_copy_check(_metadata, &self->edu, IOVA(0), TCE_DDW_START, src,
		       high);
	fill_pattern(high, PSZ);
	edu_copy_check(_metadata, &self->edu, TCE_DDW_START, IOVA(0),
		       high, src);
	edu_copy_check(_metadata, &self->edu, IOVA(0),
		       TCE_DDW_START + DDW_PAGE_SIZE, src, out);
}
#endif

/*
 * A window with something mapped in it cannot be removed (EBUSY), and the
 * refusal changes nothing: the device goes on translating through it.
 * Once empty the window goes (then ENOENT), and with it every valid IOVA
 * of the IOAS. A window granted while the device is attached works as one
 * granted before.
 */
TEST_F_TIMEOUT(edu_cdev, window_remove_busy, 60)
{
	uint8_t *src = SLOT(self, 0), *out = SLOT(self, 1);
	struct iommu_iova_range r[MAX_RANGES];
	int fd = self->iommufd;
	uint32_t ioas;
	uint64_t iova;

	ioas = ioas_alloc_windowed(fd);
	grant_exact_window(_metadata, fd, ioas, WIN_START, WIN_LEN);
	vfio_attach(self->edu.fd, ioas);
	fill_pattern(src, PSZ);
	ioas_map_fixed(fd, ioas, self->mem, 2 * PSZ, IOVA(0));

	ASSERT_EQ(EBUSY, __ioas_window_remove(fd, ioas, WIN_START));
	ksft_print_msg("window 0x%llx-0x%llx busy\n",
		       (unsigned long long)WIN_START,
		       (unsigned long long)WIN_END - 1);
	check_only_window(_metadata, fd, ioas, WIN_START, WIN_END);
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(out, src, XFER_LEN));

	ioas_unmap(fd, ioas, IOVA(0), 2 * PSZ);
	ioas_window_remove(fd, ioas, WIN_START);
	ASSERT_EQ(ENOENT, __ioas_window_remove(fd, ioas, WIN_START));
	ASSERT_EQ(0, ioas_ranges(_metadata, fd, ioas, r, NULL));
	iova = IOVA(0);
	ASSERT_EQ(ERANGE, __ioas_map(fd, ioas, src, PSZ, &iova,
				     MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));

	/* Granted again, now that the device is attached. */
	grant_exact_window(_metadata, fd, ioas, WIN_START, WIN_LEN);
	check_only_window(_metadata, fd, ioas, WIN_START, WIN_END);
	fill_pattern(src, PSZ);
	memset(out, 0, PSZ);
	ioas_map_fixed(fd, ioas, self->mem, 2 * PSZ, IOVA(0));
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(out, src, XFER_LEN));
}

#if defined(__PPC64__)
/*
 * ---- VFIO's SPAPR TCE container on /dev/vfio/vfio ----
 *
 * Set up as QEMU's pSeries machine does: the API probed before a group
 * joins, the groups joined, SET_IOMMU, and the PEs described before any
 * device is opened. The tests then go on in QEMU's order.
 */

#define SPAPR_MAX_GROUPS	2

/* The two buffers each test registers: the halves of mem. */
#define SPAPR_HALF		(MEM_SLOTS / 2 * PSZ)

/* A container and the groups that joined it. */
struct spapr_ctr {
	struct edu_sys sys[SPAPR_MAX_GROUPS];
	struct edu_dev edu[SPAPR_MAX_GROUPS];
	int group[SPAPR_MAX_GROUPS];
	unsigned int groups;
	int container;
	uint8_t *mem;		/* MEM_SLOTS pages */
	struct vfio_iommu_spapr_tce_info info;
};

/*
 * Join @groups groups to a new container of @type; why not, if the
 * machine cannot (then the caller skips).
 */
static const char *spapr_ctr_setup(struct __test_metadata *_metadata,
				   struct spapr_ctr *c, unsigned int groups,
				   uint32_t type)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	unsigned int i;
	const char *why;
	int fd;

	c->container = -1;
	c->mem = MAP_FAILED;
	c->groups = groups;
	for (i = 0; i != SPAPR_MAX_GROUPS; i++) {
		c->group[i] = -1;
		c->edu[i].fd = -1;
		c->edu[i].bar = MAP_FAILED;
	}

	for (i = 0; i != groups; i++) {
		why = edu_locate_nth(&c->sys[i], i);
		if (why)
			return why;
	}
	fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	c->container = fd;
	if (fd < 0)
		return "no /dev/vfio/vfio (IOMMUFD_VFIO_CONTAINER=n)";
	if (__vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &(uint32_t){0}) == ENOTTY)
		return "/dev/vfio/vfio is VFIO's container (VFIO_CONTAINER=y)";

	/* Probed before a group joins: the platform's answer. */
	EXPECT_EQ(VFIO_API_VERSION, ioctl(fd, VFIO_GET_API_VERSION));
	EXPECT_EQ(0, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(1, ioctl(fd, VFIO_CHECK_EXTENSION, type));

	for (i = 0; i != groups; i++) {
		c->group[i] = open(c->sys[i].group, O_RDWR | O_CLOEXEC);
		EXPECT_LE(0, c->group[i]);
		if (c->group[i] < 0 ||
		    iommufd_ioctl(c->group[i], VFIO_GROUP_GET_STATUS, &status))
			return "cannot open edu's IOMMU group";
		if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
			return "edu's IOMMU group is not viable";
		EXPECT_EQ(0, iommufd_ioctl(c->group[i],
					   VFIO_GROUP_SET_CONTAINER, &fd));
	}
	EXPECT_EQ(1, ioctl(fd, VFIO_CHECK_EXTENSION, type));
	EXPECT_EQ(0, ioctl(fd, VFIO_SET_IOMMU, type));

	c->mem = alloc_slots();
	EXPECT_NE(MAP_FAILED, c->mem);

	/* The PEs, described before any of their devices is open. */
	c->info.argsz = sizeof(c->info);
	EXPECT_EQ(0, iommufd_ioctl(fd, VFIO_IOMMU_SPAPR_TCE_GET_INFO,
				   &c->info));
	EXPECT_EQ(0, c->info.dma32_window_start);
	EXPECT_EQ(TCE_DMA32_SIZE, c->info.dma32_window_size);
	if (type == VFIO_SPAPR_TCE_v2_IOMMU) {
		EXPECT_EQ(VFIO_IOMMU_SPAPR_INFO_DDW, c->info.flags);
		EXPECT_EQ(TCE_DDW_PAGE_SIZES, c->info.ddw.pgsizes);
		EXPECT_EQ(2, c->info.ddw.max_dynamic_windows_supported);
	}
	return NULL;
}

/* Open every group's device; why not, if the machine cannot. */
static const char *spapr_ctr_open(struct __test_metadata *_metadata,
				  struct spapr_ctr *c)
{
	unsigned int i;

	for (i = 0; i != c->groups; i++) {
		c->edu[i].fd = ioctl(c->group[i], VFIO_GROUP_GET_DEVICE_FD,
				     c->sys[i].bdf);
		if (c->edu[i].fd < 0)
			return edu_bind_skip_reason(errno);
		edu_ready(_metadata, &c->edu[i]);
	}
	return NULL;
}

static void spapr_ctr_teardown(struct spapr_ctr *c)
{
	unsigned int i;

	for (i = 0; i != SPAPR_MAX_GROUPS; i++) {
		edu_close(&c->edu[i]);
		if (c->group[i] >= 0)
			close(c->group[i]);
	}
	if (c->container >= 0)
		close(c->container);
	if (c->mem != MAP_FAILED)
		munmap(c->mem, MEM_SLOTS * PSZ);
}

/* VFIO_IOMMU_SPAPR_REGISTER_MEMORY (or UNREGISTER_MEMORY) of @size at @buf */
#define spapr_reg(fd, cmd, buf, size) __spapr_memory(fd, cmd, 0, buf, size)

/* VFIO_IOMMU_MAP_DMA (@size bytes of @buf at @iova) or UNMAP_DMA (!@buf). */
static int spapr_dma(int fd, const void *buf, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = size,
	};
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	if (!buf)
		return iommufd_ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
	return iommufd_ioctl(fd, VFIO_IOMMU_MAP_DMA, &map);
}

/* What the process has pinned and locked, and what the container pins. */
struct spapr_pins {
	long vm_pin;
	long vm_lck;
	uint64_t pinned;
	uint64_t charged;
};

static void spapr_pins(struct __test_metadata *_metadata, int fd,
		       struct spapr_pins *p)
{
	p->vm_pin = proc_status_kb("VmPin");
	p->vm_lck = proc_status_kb("VmLck");
	pin_stats(fd, 0, &p->pinned, &p->charged);
}

/* Has the process @bytes more pinned and locked than at @base, all ours? */
static void __check_pins(struct __test_metadata *_metadata, int fd,
			 const struct spapr_pins *base, uint64_t bytes)
{
	struct spapr_pins now;

	spapr_pins(_metadata, fd, &now);
	ASSERT_EQ(base->vm_pin + (long)(bytes / 1024), now.vm_pin);
	ASSERT_EQ(base->vm_lck + (long)(bytes / 1024), now.vm_lck);
	ASSERT_EQ(base->pinned + bytes, now.pinned);
	ASSERT_EQ(base->charged + bytes, now.charged);
}

#define check_pins(fd, base, bytes) __check_pins(_metadata, fd, base, bytes)

/* One container of SPAPR v2, with one group or two. */
FIXTURE(edu_spapr) {
	struct spapr_ctr c;
};

/* How many groups (each edu alone on a PHB of its own) join the container. */
FIXTURE_VARIANT(edu_spapr) {
	unsigned int groups;
};

FIXTURE_VARIANT_ADD(edu_spapr, one_group) {
	.groups = 1,
};

/* Every PE must accept every window; the two on QEMU's PHBs are alike. */
FIXTURE_VARIANT_ADD(edu_spapr, two_groups) {
	.groups = 2,
};

FIXTURE_SETUP(edu_spapr)
{
	const char *why = spapr_ctr_setup(_metadata, &self->c, variant->groups,
					  VFIO_SPAPR_TCE_v2_IOMMU);

	if (edu_skip(_metadata, why))
		SKIP(return, "%s", why);
	ASSERT_FALSE(_metadata->exit_code);
}

FIXTURE_TEARDOWN(edu_spapr)
{
	spapr_ctr_teardown(&self->c);
}

/*
 * Data moves through both windows, made before the devices are opened,
 * from preregistered memory mapped twice and charged once, for each device
 * of the container; nothing lands where UNMAP_DMA cleared an entry, and
 * the default window works on once the DDW is removed.
 */
TEST_F_TIMEOUT(edu_spapr, dma_both_windows, 60)
{
	struct spapr_ctr *c = &self->c;
	uint8_t *src = SLOT(c, 0), *out = SLOT(c, 1), *high = SLOT(c, 2);
	struct edu_dev *edu = &c->edu[0];
	const char *bdf = c->sys[0].bdf;
	int fd = c->container;
	uint64_t low = 1, ddw, dst;
	uint64_t pinned, charged;
	const char *why;
	unsigned int i;

	ASSERT_EQ(0, spapr_reg(fd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, c->mem,
			       MEM_SLOTS * PSZ));
	/* QEMU's setup: the default window away, then both made. */
	ASSERT_EQ(0, __spapr_tce_remove(fd, c->info.dma32_window_start));
	ASSERT_EQ(0, __spapr_tce_create(fd, 0, 12, c->info.dma32_window_size,
					&low));
	ASSERT_EQ(c->info.dma32_window_start, low);
	ASSERT_EQ(0, __spapr_tce_create(fd, 0, 16, DDW_LEN, &ddw));
	ASSERT_EQ(TCE_DDW_START, ddw);
	dst = ddw + DDW_PAGE_SIZE;
	why = spapr_ctr_open(_metadata, c);
	if (edu_skip(_metadata, why))
		SKIP(return, "%s", why);

	ASSERT_EQ(0, spapr_dma(fd, src, IOVA(0), 2 * PSZ));
	ASSERT_EQ(0, spapr_dma(fd, high, dst, PSZ));
	ASSERT_EQ(0, spapr_dma(fd, high, IOVA(2), PSZ));
	pin_stats(fd, 0, &pinned, &charged);
	ASSERT_EQ(MEM_SLOTS * PSZ, pinned);

	for (i = 0; i != c->groups; i++) {
		fill_pattern(src, PSZ);
		edu_copy_check(_metadata, &c->edu[i], IOVA(0), dst, src, high);
		fill_pattern(high, PSZ);
		edu_copy_check(_metadata, &c->edu[i], dst, IOVA(1), high, out);
	}

	/* Cleared entries, and the gap after the default window. */
	ASSERT_EQ(0, spapr_dma(fd, NULL, dst, PSZ));
	edu_write_refused(_metadata, edu, bdf, dst, high);
	edu_write_refused(_metadata, edu, bdf, c->info.dma32_window_size, out);
	ASSERT_EQ(ENXIO, spapr_dma(fd, high, c->info.dma32_window_size, PSZ));

	/* The DDW goes with what is mapped in it; the default one stays. */
	ASSERT_EQ(0, spapr_dma(fd, high, dst, PSZ));
	ASSERT_EQ(0, __spapr_tce_remove(fd, ddw));
	ASSERT_EQ(ENXIO, spapr_dma(fd, high, dst, PSZ));
	for (i = 0; i != c->groups; i++) {
		fill_pattern(src, PSZ);
		edu_copy_check(_metadata, &c->edu[i], IOVA(0), IOVA(2), src,
			       high);
	}
}

/*
 * Each step of a guest's life, from preregistration to unregistration,
 * with what the process has pinned and locked (VmPin, VmLck) and what the
 * container reports (IOMMU_PIN_STATS) checked after it: registering pins
 * and charges once, mapping, DMA, a window made while the devices run, and
 * unmapping add nothing, unregistering gives everything back.
 */
TEST_F_TIMEOUT(edu_spapr, registered_steps, 60)
{
	struct spapr_ctr *c = &self->c;
	uint8_t *a = c->mem, *b = c->mem + SPAPR_HALF;
	struct edu_dev *edu = &c->edu[0];
	const char *bdf = c->sys[0].bdf;
	int fd = c->container;
	struct spapr_pins base;
	const char *why;
	unsigned int i;
	uint64_t ddw;

	/* Charged (not waived for CAP_IPC_LOCK), so that VmLck moves too. */
	ASSERT_EQ(0, drop_capability(CAP_IPC_LOCK));
	spapr_pins(_metadata, fd, &base);
	ASSERT_EQ(0, spapr_reg(fd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, a,
			       SPAPR_HALF));
	check_pins(fd, &base, SPAPR_HALF);
	ASSERT_EQ(0, spapr_reg(fd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, b,
			       SPAPR_HALF));
	check_pins(fd, &base, 2 * SPAPR_HALF);
	why = spapr_ctr_open(_metadata, c);
	if (edu_skip(_metadata, why))
		SKIP(return, "%s", why);

	/* The default window, made by the first map. */
	ASSERT_EQ(0, spapr_dma(fd, a, IOVA(0), 2 * PSZ));
	ASSERT_EQ(0, spapr_dma(fd, b, IOVA(2), PSZ));
	check_pins(fd, &base, 2 * SPAPR_HALF);
	for (i = 0; i != c->groups; i++) {
		fill_pattern(a, PSZ);
		edu_copy_check(_metadata, &c->edu[i], IOVA(0), IOVA(2), a, b);
	}

	/* A 64 KiB-page DDW while the devices are open, and b in it too. */
	ASSERT_EQ(0, __spapr_tce_create(fd, 0, 16, DDW_LEN, &ddw));
	ASSERT_EQ(TCE_DDW_START, ddw);
	ASSERT_EQ(0, spapr_dma(fd, b + PSZ, ddw, PSZ));
	check_pins(fd, &base, 2 * SPAPR_HALF);
	for (i = 0; i != c->groups; i++) {
		fill_pattern(a, PSZ);
		edu_copy_check(_metadata, &c->edu[i], IOVA(0), ddw, a, b + PSZ);
	}

	/* Unmapped: a DMA there does not land. */
	ASSERT_EQ(0, spapr_dma(fd, NULL, ddw, PSZ));
	check_pins(fd, &base, 2 * SPAPR_HALF);
	for (i = 0; i != c->groups; i++)
		edu_write_refused(_metadata, &c->edu[i], c->sys[i].bdf, ddw,
				  b + PSZ);
	ASSERT_EQ(0, __spapr_tce_remove(fd, ddw));
	ASSERT_EQ(ENXIO, spapr_dma(fd, b + PSZ, ddw, PSZ));
	check_pins(fd, &base, 2 * SPAPR_HALF);

	/* Unregistered: both back, with the default window emptied first. */
	ASSERT_EQ(0, spapr_dma(fd, NULL, 0, c->info.dma32_window_size));
	edu_write_refused(_metadata, edu, bdf, IOVA(2), b);
	ASSERT_EQ(0, spapr_reg(fd, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, a,
			       SPAPR_HALF));
	check_pins(fd, &base, SPAPR_HALF);
	ASSERT_EQ(EINVAL, spapr_dma(fd, a, IOVA(0), PSZ));
	ASSERT_EQ(0, spapr_reg(fd, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, b,
			       SPAPR_HALF));
	check_pins(fd, &base, 0);
	ASSERT_EQ(ENOENT, spapr_reg(fd, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, b,
				    SPAPR_HALF));
}

/*
 * EEH on the container: one group's PE is asked (QEMU's emulated PHBs
 * have none, and their guests run with EEH off: ENODEV), two groups are
 * refused (EPERM), and bad requests are EINVAL before any PE is asked.
 */
TEST_F(edu_spapr, eeh)
{
	struct vfio_eeh_pe_op op = {
		.argsz = sizeof(op),
		.op = VFIO_EEH_PE_GET_STATE,
	};
	int fd = self->c.container;
	bool on = platform_eeh_on();
	int rc;

	ksft_print_msg("EEH is %s\n", on ? "on" : "off");
	ASSERT_EQ(on, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_EEH));
	rc = ioctl(fd, VFIO_EEH_PE_OP, &op);
	if (variant->groups > 1) {
		ASSERT_EQ(-1, rc);
		ASSERT_EQ(EPERM, errno);
	} else if (on) {
		ASSERT_LE(0, rc);
	} else {
		ASSERT_EQ(-1, rc);
		ASSERT_EQ(ENODEV, errno);
	}

	op.flags = 1;
	ASSERT_EQ(EINVAL, iommufd_ioctl(fd, VFIO_EEH_PE_OP, &op));
	op.flags = 0;
	op.op = VFIO_EEH_PE_INJECT_ERR + 1;
	ASSERT_EQ(EINVAL, iommufd_ioctl(fd, VFIO_EEH_PE_OP, &op));
	op.op = VFIO_EEH_PE_INJECT_ERR;
	op.argsz = offsetof(struct vfio_eeh_pe_op, op) + sizeof(op.op);
	ASSERT_EQ(EINVAL, iommufd_ioctl(fd, VFIO_EEH_PE_OP, &op));
}

/* One container of SPAPR v1, with one group. */
FIXTURE(edu_spapr_v1) {
	struct spapr_ctr c;
};

FIXTURE_SETUP(edu_spapr_v1)
{
	const char *why = spapr_ctr_setup(_metadata, &self->c, 1,
					  VFIO_SPAPR_TCE_IOMMU);

	if (edu_skip(_metadata, why))
		SKIP(return, "%s", why);
	ASSERT_FALSE(_metadata->exit_code);
	why = spapr_ctr_open(_metadata, &self->c);
	if (edu_skip(_metadata, why))
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(edu_spapr_v1)
{
	spapr_ctr_teardown(&self->c);
}

/*
 * A v1 container takes one group (VFIO: its tables are not shared among
 * PEs): a second one is refused with EBUSY and may go to a container of
 * its own.
 */
TEST_F(edu_spapr_v1, second_group)
{
	struct edu_sys sys;
	const char *why = edu_locate_nth(&sys, 1);
	int fd = self->c.container, group, other;

	if (edu_skip(_metadata, why))
		SKIP(return, "%s", why);
	group = open(sys.group, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, group);
	ASSERT_EQ(EBUSY, iommufd_ioctl(group, VFIO_GROUP_SET_CONTAINER, &fd));
	other = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, iommufd_ioctl(group, VFIO_GROUP_SET_CONTAINER, &other));
	ASSERT_EQ(0, ioctl(other, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_IOMMU));
	ASSERT_EQ(0, iommufd_ioctl(group, VFIO_GROUP_UNSET_CONTAINER, NULL));
	close(other);
	close(group);
}

/*
 * The v1 API on edu: ENABLE opens the default window, MAP_DMA pins what it
 * maps (charged once), data moves, and after DISABLE maps are refused
 * while what is mapped stays; UNMAP_DMA (enabled again) gives the pins
 * back and the device is kept out.
 */
TEST_F_TIMEOUT(edu_spapr_v1, enable_map_disable, 60)
{
	struct spapr_ctr *c = &self->c;
	uint8_t *src = SLOT(c, 0), *out = SLOT(c, 1);
	int fd = c->container;
	struct spapr_pins base;

	ASSERT_EQ(0, drop_capability(CAP_IPC_LOCK));
	spapr_pins(_metadata, fd, &base);
	ASSERT_EQ(EPERM, spapr_dma(fd, src, IOVA(0), 2 * PSZ));
	ASSERT_EQ(0, ioctl(fd, VFIO_IOMMU_ENABLE));
	check_pins(fd, &base, 0);
	ASSERT_EQ(0, spapr_dma(fd, src, IOVA(0), 2 * PSZ));
	check_pins(fd, &base, 2 * PSZ);
	edu_copy_check(_metadata, &c->edu[0], IOVA(0), IOVA(1), src, out);

	ASSERT_EQ(0, ioctl(fd, VFIO_IOMMU_DISABLE));
	ASSERT_EQ(EPERM, spapr_dma(fd, src, IOVA(2), PSZ));
	edu_copy_check(_metadata, &c->edu[0], IOVA(0), IOVA(1), src, out);

	ASSERT_EQ(0, ioctl(fd, VFIO_IOMMU_ENABLE));
	ASSERT_EQ(0, spapr_dma(fd, NULL, IOVA(0), 2 * PSZ));
	check_pins(fd, &base, 0);
	edu_write_refused(_metadata, &c->edu[0], c->sys[0].bdf, IOVA(1), out);
}
#endif

TEST_HARNESS_MAIN
