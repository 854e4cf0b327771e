// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Real DMA through a real IOMMU: QEMU's "edu" PCI device, driven from user
 * space through VFIO, with its IO address space managed by /dev/iommu.
 * This binary has the basic tests: DMA, MSIs and the IOMMU's description
 * of itself, through the VFIO cdev and the VFIO group. iommufd_edu_window
 * has those of windowed IOASes and of pSeries' TCE windows,
 * iommufd_edu_faults the fail-nth sweeps of the TCE paths.
 *
 * QEMU emulates both the IOMMU (VT-d on x86_64, SMMUv3 on arm64, the TCE
 * tables of a pSeries PHB on ppc64le) and the device, so every access the
 * device makes is translated by page tables the kernel built from our
 * IOMMU_IOAS_MAP calls. What the tests prove:
 *
 *   - the VFIO cdev path (VFIO_DEVICE_BIND_IOMMUFD, then
 *     VFIO_DEVICE_ATTACH_IOMMUFD_PT to an IOAS) gives the device exactly
 *     the mappings of its IOAS: data goes RAM -> device -> RAM through the
 *     IOVAs that were mapped, across page boundaries too (on pSeries
 *     through the PE's default window);
 *   - after IOMMU_IOAS_UNMAP, and at an IOVA never mapped, the device can
 *     neither read nor write, and the IOMMU driver logs the fault;
 *   - attaching an attached device to another IOAS (a replace) switches
 *     its translation to that IOAS; detaching blocks all its DMA;
 *   - the VFIO group path with /dev/iommu as the container (VFIO type1
 *     compatibility) maps, translates and unmaps the same way;
 *   - the device's MSIs reach an eventfd while it is attached (on arm64
 *     they are DMA writes to the ITS doorbell, through the SMMU);
 *   - IOMMU_GET_HW_INFO describes the IOMMU as its driver knows it;
 *   - a page table made with IOMMU_HWPT_ALLOC translates like the
 *     automatic ones, and lives until IOMMU_DESTROY once nothing uses it;
 *   - the IOMMU's MSI window and aperture bound the IOVA ranges of an IOAS
 *     the device is attached to, and an IOAS that has something mapped in
 *     the window, or wants it usable, cannot take the device;
 *   - two devices of one IOMMU group (two edu behind a PCI bridge, on
 *     x86_64) belong to one context and share one table.
 *
 * How: edu has a 4 KiB buffer at device address 0x40000 and a DMA engine
 * that copies between that buffer and a bus address, which is our IOVA.
 * A pattern copied from IOVA A into the buffer and back out to IOVA B shows
 * that both directions translate. A refused read of the device is shown by
 * reading its buffer back out through a mapping that still works; a refused
 * write by our memory keeping its contents.
 *
 * The tests bind edu to vfio-pci themselves and leave it bound; every
 * test binds and releases it again (on pSeries, each release gives the PE
 * back to the DMA API with its default window restored). They skip
 * without edu, without vfio-pci, without the VFIO cdev, or when iommufd
 * cannot bind the device: ENODEV when no backend drives its IOMMU, EPERM
 * when the platform does not isolate its MSIs. IOMMUFD_EXPECT_EDU=1 in the
 * environment turns those skips into failures.
 *
 * Care: QEMU 7.2's edu stops the whole machine (hw_error()) on a transfer
 * of no bytes or one that does not end strictly inside its buffer. Every
 * transfer goes through __edu_dma() of lib/edu.c, which refuses those
 * without touching the device.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "edu_test.h"

#define IRQ_TIMEOUT_MS		2000

/* ---- VFIO ioctls ---- */

/* MSI vector 0 of the device signals @efd; with @efd < 0, MSI is off. */
static int __vfio_set_msi(int devfd, int efd)
{
	/* struct vfio_irq_set, then the eventfd as its data */
	union {
		struct vfio_irq_set set;
		uint8_t bytes[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	} cmd = {};
	struct vfio_irq_set *set = &cmd.set;
	int32_t fd = efd;

	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	if (efd >= 0) {
		set->argsz = sizeof(cmd);
		set->flags = VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_TRIGGER;
		set->count = 1;
		memcpy(set->data, &fd, sizeof(fd));
	} else {
		set->argsz = sizeof(*set);
		set->flags = VFIO_IRQ_SET_DATA_NONE |
			     VFIO_IRQ_SET_ACTION_TRIGGER;
	}
	return iommufd_ioctl(devfd, VFIO_DEVICE_SET_IRQS, set);
}

/* Type1 ioctls on the container, which is /dev/iommu here. */
static int __vfio_unmap_dma(int fd, uint64_t iova, uint64_t size,
			    uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap cmd = {
		.argsz = sizeof(cmd),
		.iova = iova,
		.size = size,
	};
	int rc;

	rc = iommufd_ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &cmd);
	if (!rc)
		*unmapped = cmd.size;
	return rc;
}

/* Did @efd fire within @timeout_ms? Consumes the count. */
static bool eventfd_fired(int efd, int timeout_ms)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	uint64_t count;

	if (poll(&pfd, 1, timeout_ms) != 1 || !(pfd.revents & POLLIN))
		return false;
	return read(efd, &count, sizeof(count)) == sizeof(count) && count;
}

/* ---- IOVA ranges and the IOMMU's description of itself ---- */

#define NO_MSI_WINDOW_MSG	"no known MSI window on this machine"

/* Are the @n ranges @r all IOVAs, as in an IOAS no device narrowed? */
static bool ranges_all(const struct iommu_iova_range *r, uint32_t n)
{
	return n == 1 && !r[0].start && r[0].last == UINT64_MAX;
}

#if defined(__x86_64__)
/*
 * VT-d's description of itself: its capability and extended capability
 * registers, the same the driver shows in sysfs under the DMAR unit that
 * the device's iommu link leads to.
 */
static void check_vtd_info(struct __test_metadata *_metadata,
			   const void *data, const char *bdf)
{
	struct iommu_hw_info_vtd vtd;
	char path[PATH_MAX];
	unsigned long reg;

	memcpy(&vtd, data, sizeof(vtd));
	ksft_print_msg("VT-d cap 0x%llx ecap 0x%llx flags 0x%x: MGAW %u, SAGAW 0x%x\n",
		       (unsigned long long)vtd.cap_reg,
		       (unsigned long long)vtd.ecap_reg, vtd.flags,
		       (unsigned int)VTD_CAP_MGAW(vtd.cap_reg),
		       (unsigned int)VTD_CAP_SAGAW(vtd.cap_reg));
	ASSERT_NE(0, vtd.cap_reg);
	ASSERT_NE(0, vtd.ecap_reg);
	ASSERT_EQ(0, vtd.__reserved);
	ASSERT_EQ(0, vtd.flags & ~IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17);

	snprintf(path, sizeof(path),
		 EDU_PCI_DEVICES "/%s/iommu/intel-iommu/cap", bdf);
	ASSERT_EQ(0, edu_sysfs_read_hex(path, &reg));
	ASSERT_EQ(reg, vtd.cap_reg);
	snprintf(path, sizeof(path),
		 EDU_PCI_DEVICES "/%s/iommu/intel-iommu/ecap", bdf);
	ASSERT_EQ(0, edu_sysfs_read_hex(path, &reg));
	ASSERT_EQ(reg, vtd.ecap_reg);
}
#endif

/* ---- the cdev path ---- */

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

/*
 * Bind, attach to an IOAS through an automatic HWPT, map, and copy a
 * pattern RAM -> device -> RAM: to both halves of the device's buffer,
 * from and to unaligned IOVAs that cross a page boundary.
 */
TEST_F(edu_cdev, dma_roundtrip)
{
	uint8_t *src = SLOT(self, 0), *dst = SLOT(self, 2);
	uint64_t src_off = PSZ - 300, dst_off = PSZ - 700;
	uint32_t ioas, hwpt;

	ioas = ioas_alloc(self->iommufd);
	hwpt = vfio_attach(self->edu.fd, ioas);
	/* Slots 0-1 are the source, 2-3 the destination. */
	ioas_map_fixed(self->iommufd, ioas, self->mem, 4 * PSZ, IOVA(0));
	ksft_print_msg("IOAS %u, HWPT %u: 4 pages at IOVA 0x%llx\n", ioas,
		       hwpt, (unsigned long long)IOVA(0));
	fill_pattern(src, 2 * PSZ);

	edu_to_dev(&self->edu, IOVA(0), DEV_HI, XFER_LEN);
	edu_to_dev(&self->edu, IOVA(0) + src_off, DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(2) + dst_off, 2 * XFER_LEN);

	ASSERT_EQ(0, memcmp(dst + dst_off, src + src_off, XFER_LEN));
	ASSERT_EQ(0, memcmp(dst + dst_off + XFER_LEN, src, XFER_LEN));
	/* Nothing else of the destination was written. */
	ASSERT_TRUE(all_bytes(dst, dst_off, 0));
	ASSERT_TRUE(all_bytes(dst + dst_off + 2 * XFER_LEN,
			      2 * PSZ - dst_off - 2 * XFER_LEN, 0));
}

/*
 * After IOMMU_IOAS_UNMAP the device can neither read nor write the page
 * that was mapped, though it keeps its data in our address space; the
 * IOMMU reports the fault.
 */
TEST_F_TIMEOUT(edu_cdev, unmap_blocks_dma, 60)
{
	uint8_t *before = SLOT(self, 0), *out = SLOT(self, 1);
	uint8_t *gone = SLOT(self, 2), *copy = SLOT(self, 3);
	uint32_t ioas;

	ioas = ioas_alloc(self->iommufd);
	vfio_attach(self->edu.fd, ioas);
	ioas_map_fixed(self->iommufd, ioas, before, 2 * PSZ, IOVA(0));
	ioas_map_fixed(self->iommufd, ioas, gone, PSZ, IOVA(2));
	fill_pattern(before, PSZ);
	fill_unlike(gone, before, PSZ);
	memcpy(copy, gone, PSZ);

	/* While mapped, the page reaches the device. */
	edu_to_dev(&self->edu, IOVA(2), DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(out, gone, XFER_LEN));

	/* The device's buffer holds @before when the page goes. */
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	ioas_unmap(self->iommufd, ioas, IOVA(2), PSZ);
	ksft_print_msg("unmapped IOVA 0x%llx\n", (unsigned long long)IOVA(2));

	/* Reading it is refused... */
	edu_read_refused(_metadata, &self->edu, self->sys.bdf, IOVA(2), IOVA(1),
			 out, before, gone, true);
	ASSERT_EQ(0, memcmp(out + BLOCKED_LEN, before + BLOCKED_LEN,
			    XFER_LEN - BLOCKED_LEN));

	/* ...and so is writing: what the device holds differs from @gone. */
	edu_dma_refused(_metadata, &self->edu, self->sys.bdf, DEV_LO,
			IOVA(2), BLOCKED_LEN, EDU_DMA_TO_RAM, false);
	ASSERT_EQ(0, memcmp(gone, copy, PSZ));
}

/*
 * MSIs while attached. The interrupt message is a DMA write of the device:
 * on arm64 it goes through the SMMU to the ITS doorbell, which must be
 * mapped in the domain; on x86_64 VT-d's interrupt remapping takes it.
 * Both an interrupt raised by a register and the end of a transfer reach
 * the eventfd.
 */
TEST_F(edu_cdev, msi)
{
	struct vfio_irq_info irq = {
		.argsz = sizeof(irq),
		.index = VFIO_PCI_MSI_IRQ_INDEX,
	};
	uint8_t *src = SLOT(self, 0), *out = SLOT(self, 1);
	uint32_t ioas;
	int efd;

	ioas = ioas_alloc(self->iommufd);
	vfio_attach(self->edu.fd, ioas);
	ioas_map_fixed(self->iommufd, ioas, self->mem, 2 * PSZ, IOVA(0));
	fill_pattern(src, PSZ);

	ASSERT_EQ(0, iommufd_ioctl(self->edu.fd, VFIO_DEVICE_GET_IRQ_INFO,
				   &irq));
	ASSERT_LE(1, irq.count);
	ASSERT_TRUE(irq.flags & VFIO_IRQ_INFO_EVENTFD);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	/* Nothing pending from before; edu keeps its status across opens. */
	edu_write32(&self->edu, EDU_REG_IRQ_ACK, ~0U);
	ASSERT_EQ(0, __vfio_set_msi(self->edu.fd, efd));
	ASSERT_FALSE(eventfd_fired(efd, 0));

	/* edu sends an MSI whenever a raise leaves its status non-zero. */
	edu_write32(&self->edu, EDU_REG_IRQ_RAISE, EDU_IRQ_TEST);
	ASSERT_TRUE(eventfd_fired(efd, IRQ_TIMEOUT_MS))
		TH_LOG("no MSI within %d ms of raising one", IRQ_TIMEOUT_MS);
	ASSERT_EQ(EDU_IRQ_TEST, edu_read32(&self->edu, EDU_REG_IRQ_STATUS));
	edu_write32(&self->edu, EDU_REG_IRQ_ACK, EDU_IRQ_TEST);
	ASSERT_EQ(0, edu_read32(&self->edu, EDU_REG_IRQ_STATUS));
	ksft_print_msg("MSI of a raised interrupt received\n");

	/* The end of a transfer. */
	edu_dma(&self->edu, IOVA(0), DEV_LO, XFER_LEN, EDU_DMA_IRQ);
	ASSERT_TRUE(eventfd_fired(efd, IRQ_TIMEOUT_MS))
		TH_LOG("no MSI within %d ms of a transfer's end",
		       IRQ_TIMEOUT_MS);
	ASSERT_EQ(EDU_IRQ_DMA, edu_read32(&self->edu, EDU_REG_IRQ_STATUS));
	edu_write32(&self->edu, EDU_REG_IRQ_ACK, EDU_IRQ_DMA);
	ksft_print_msg("MSI of a finished transfer received\n");
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(out, src, XFER_LEN));

	ASSERT_EQ(0, __vfio_set_msi(self->edu.fd, -1));
	ASSERT_FALSE(eventfd_fired(efd, 0));
	close(efd);
}

/*
 * An IOVA never mapped, right past the end of a mapping, is closed like an
 * unmapped one; the last word of the mapping is still open.
 */
TEST_F_TIMEOUT(edu_cdev, unmapped_iova_blocked, 60)
{
	uint8_t *before = SLOT(self, 0), *out = SLOT(self, 1);
	uint32_t ioas;

	ioas = ioas_alloc(self->iommufd);
	vfio_attach(self->edu.fd, ioas);
	ioas_map_fixed(self->iommufd, ioas, self->mem, 2 * PSZ, IOVA(0));
	fill_pattern(before, PSZ);
	fill_unlike(out, before, PSZ);

	/* The mapping's last word: slot 1's, into the device and back. */
	edu_to_dev(&self->edu, IOVA(2) - BLOCKED_LEN, DEV_HI, BLOCKED_LEN);
	edu_to_ram(&self->edu, DEV_HI, IOVA(0), BLOCKED_LEN);
	ASSERT_EQ(0, memcmp(before, out + PSZ - BLOCKED_LEN, BLOCKED_LEN));

	fill_pattern(before, PSZ);
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	ksft_print_msg("reading IOVA 0x%llx, never mapped\n",
		       (unsigned long long)IOVA(2));
	edu_read_refused(_metadata, &self->edu, self->sys.bdf, IOVA(2), IOVA(1),
			 out, before, NULL, true);
	ASSERT_EQ(0, memcmp(out + BLOCKED_LEN, before + BLOCKED_LEN,
			    XFER_LEN - BLOCKED_LEN));
}

/*
 * A mapping made without IOMMU_IOAS_MAP_WRITEABLE can be read by the
 * device but not written: the write does not land. On pSeries a mapping
 * made without IOMMU_IOAS_MAP_READABLE can be written but not read, as its
 * TCE has the write bit alone; SMMUv3's page tables cannot say write-only,
 * and QEMU's VT-d lets the device read through a write-only entry, so
 * there such a mapping reads as well.
 */
TEST_F_TIMEOUT(edu_cdev, permissions, 60)
{
	uint8_t *ro = SLOT(self, 0), *wo = SLOT(self, 1), *out = SLOT(self, 2);
	uint8_t copy[XFER_LEN];
	int fd = self->iommufd;
	uint64_t iova;
	uint32_t ioas;

	ioas = ioas_alloc(fd);
	vfio_attach(self->edu.fd, ioas);
	fill_pattern(ro, PSZ);
	fill_unlike(wo, ro, PSZ);
	fill_unlike(out, ro, PSZ);
	iova = IOVA(0);
	ASSERT_EQ(0, __ioas_map(fd, ioas, ro, PSZ, &iova,
				IOMMU_IOAS_MAP_READABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	iova = IOVA(1);
	ASSERT_EQ(0, __ioas_map(fd, ioas, wo, PSZ, &iova,
				IOMMU_IOAS_MAP_WRITEABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	ioas_map_fixed(fd, ioas, out, PSZ, IOVA(2));

	/* Read-only: the device reads it, and writes into the write-only. */
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(wo, ro, XFER_LEN));

	/* A write into the read-only one does not land. */
	fill_unlike(out, ro, PSZ);
	edu_to_dev(&self->edu, IOVA(2), DEV_LO, XFER_LEN);
	memcpy(copy, ro, XFER_LEN);
	edu_dma_refused(_metadata, &self->edu, self->sys.bdf, DEV_LO, IOVA(0),
			BLOCKED_LEN, EDU_DMA_TO_RAM, false);
	ASSERT_EQ(0, memcmp(copy, ro, XFER_LEN));

#if defined(__PPC64__)
	/* Nor does a read of the write-only one reach the device. */
	fill_pattern(wo, PSZ);
	fill_unlike(out, wo, PSZ);
	memcpy(copy, out, XFER_LEN);
	edu_to_dev(&self->edu, IOVA(2), DEV_LO, XFER_LEN);
	edu_read_refused(_metadata, &self->edu, self->sys.bdf, IOVA(1), IOVA(2),
			 out, copy, wo, false);
#endif
}

/*
 * Attaching the attached device to a second IOAS replaces its page table:
 * at once the device sees the second IOAS's pages at the IOVAs both map,
 * and nothing at IOVAs only the first maps. Detaching then blocks all DMA,
 * and attaching again restores it.
 *
 *   IOVA(0)  IOAS 1: slot 0 (a)   IOAS 2: slot 1 (b)
 *   IOVA(1)  IOAS 1: slot 2       IOAS 2: slot 3    (where results go)
 *   IOVA(2)  IOAS 1: slot 4 (c)   IOAS 2: -
 *   IOVA(3)  IOAS 1: -            IOAS 2: slot 5 (p)
 */
TEST_F_TIMEOUT(edu_cdev, replace_ioas, 60)
{
	uint8_t *a = SLOT(self, 0), *b = SLOT(self, 1);
	uint8_t *out1 = SLOT(self, 2), *out2 = SLOT(self, 3);
	uint8_t *c = SLOT(self, 4), *p = SLOT(self, 5);
	uint8_t *copy = SLOT(self, 6);
	uint32_t ioas1, ioas2, hwpt1, hwpt2;
	int fd = self->iommufd;

	fill_pattern(a, PSZ);
	fill_unlike(b, a, PSZ);
	fill_unlike(c, b, PSZ);
	fill_unlike(p, b, PSZ);
	ioas1 = ioas_alloc(fd);
	ioas2 = ioas_alloc(fd);
	ioas_map_fixed(fd, ioas1, a, PSZ, IOVA(0));
	ioas_map_fixed(fd, ioas1, out1, PSZ, IOVA(1));
	ioas_map_fixed(fd, ioas1, c, PSZ, IOVA(2));
	ioas_map_fixed(fd, ioas2, b, PSZ, IOVA(0));
	ioas_map_fixed(fd, ioas2, out2, PSZ, IOVA(1));
	ioas_map_fixed(fd, ioas2, p, PSZ, IOVA(3));

	hwpt1 = vfio_attach(self->edu.fd, ioas1);
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(out1, a, XFER_LEN));
	ASSERT_TRUE(all_bytes(out2, PSZ, 0));
	memset(out1, 0, PSZ);

	hwpt2 = vfio_attach(self->edu.fd, ioas2);
	ASSERT_NE(hwpt1, hwpt2);
	ksft_print_msg("replaced IOAS %u (HWPT %u) by IOAS %u (HWPT %u)\n",
		       ioas1, hwpt1, ioas2, hwpt2);
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(out2, b, XFER_LEN));
	ASSERT_TRUE(all_bytes(out1, PSZ, 0));

	/* IOVA(2) is mapped only in the IOAS the device left. */
	edu_read_refused(_metadata, &self->edu, self->sys.bdf, IOVA(2), IOVA(1),
			 out2, b, c, true);

	/* Detached with @p in its buffer, the device reaches nothing. */
	edu_to_dev(&self->edu, IOVA(3), DEV_LO, XFER_LEN);
	ASSERT_EQ(0, edu_vfio_detach(self->edu.fd));
	ksft_print_msg("detached\n");
	fill_unlike(out2, p, PSZ);
	memcpy(copy, out2, PSZ);
	edu_dma_refused(_metadata, &self->edu, self->sys.bdf, IOVA(0),
			DEV_LO, BLOCKED_LEN, 0, false);
	edu_dma_refused(_metadata, &self->edu, self->sys.bdf, DEV_LO,
			IOVA(1), BLOCKED_LEN, EDU_DMA_TO_RAM, false);
	ASSERT_EQ(0, memcmp(out2, copy, PSZ));

	/* Attached again, it shows that the read of @b was refused too. */
	vfio_attach(self->edu.fd, ioas2);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	check_refused_read(_metadata, out2, p, b, BLOCKED_LEN);
	ASSERT_EQ(0, memcmp(out2 + BLOCKED_LEN, p + BLOCKED_LEN,
			    XFER_LEN - BLOCKED_LEN));
}

/* Room for any IOMMU's description, with bytes to spare after it. */
#define HW_INFO_BUF		256
/* What a buffer holds where nothing may be written. */
#define CANARY			0xa5

#if defined(__PPC64__)
static void check_tce_info(struct __test_metadata *_metadata,
			   const void *data)
{
	const struct iommu_hw_info_spapr_tce *tce = data;

	ksft_print_msg("TCE: %u windows, %u levels, 32-bit window 0x%llx+0x%llx\n",
		       tce->max_windows, tce->max_levels,
		       (unsigned long long)tce->dma32_start,
		       (unsigned long long)tce->dma32_size);
	ksft_print_msg("DDW at 0x%llx, up to 0x%llx, page sizes 0x%llx\n",
		       (unsigned long long)tce->ddw_start,
		       (unsigned long long)tce->ddw_size,
		       (unsigned long long)tce->ddw_page_sizes);
	ASSERT_EQ(2, tce->max_windows);
	ASSERT_EQ(1, tce->max_levels);
	ASSERT_EQ(0, tce->dma32_start);
	ASSERT_EQ(TCE_DMA32_SIZE, tce->dma32_size);
	ASSERT_EQ(TCE_DDW_START, tce->ddw_start);
	ASSERT_EQ(TCE_DDW_PAGE_SIZES, tce->ddw_page_sizes);
	ASSERT_LE(1ULL << 32, tce->ddw_size);
	ASSERT_EQ(0, tce->ddw_size & (tce->ddw_size - 1));
}
#endif

/*
 * IOMMU_GET_HW_INFO describes the IOMMU that translates edu: on x86_64
 * VT-d's capability registers, the values its driver shows in sysfs; on
 * arm64 nothing specific (IOMMU_HW_INFO_TYPE_NONE, no data), as the SMMUv3
 * driver of 6.12 has no ->hw_info. A shorter buffer gets the start of the
 * data, a longer one zeros after it, and data_len always tells the whole
 * length. Unknown flags, a non-zero reserved byte, a format the IOMMU does
 * not produce and an ID that is not a bound device are refused, and then
 * nothing is written.
 */
TEST_F(edu_cdev, hw_info)
{
	static const uint32_t formats[] = {
		IOMMU_HW_INFO_TYPE_INTEL_VTD,
		IOMMU_HW_INFO_TYPE_ARM_SMMUV3,
		0xffff,
	};
	uint8_t full[HW_INFO_BUF], buf[HW_INFO_BUF];
	struct iommu_hw_info cmd;
	uint32_t len, type, n, i;
	int fd = self->iommufd;

	/* With data_len 0: the other outputs and the length, but no data. */
	memset(buf, CANARY, sizeof(buf));
	cmd = hw_info_cmd(self->dev_id, buf, 0);
	ASSERT_EQ(0, iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &cmd));
	ASSERT_TRUE(all_bytes(buf, sizeof(buf), CANARY));
	len = cmd.data_len;
	type = cmd.out_data_type;
	ksft_print_msg("hw_info: type %u, %u bytes, max_pasid_log2 %u, capabilities 0x%llx\n",
		       type, len, cmd.out_max_pasid_log2,
		       (unsigned long long)cmd.out_capabilities);
	ASSERT_GT(HW_INFO_BUF, len);
#if defined(__x86_64__)
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_INTEL_VTD, type);
	ASSERT_EQ(sizeof(struct iommu_hw_info_vtd), len);
#elif defined(__aarch64__)
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_NONE, type);
	ASSERT_EQ(0, len);
#elif defined(__PPC64__)
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SPAPR_TCE, type);
	ASSERT_EQ(sizeof(struct iommu_hw_info_spapr_tce), len);
#endif
#if defined(__x86_64__) || defined(__aarch64__) || defined(__PPC64__)
	/* edu has no PASID capability; neither IOMMU tracks dirty pages. */
	ASSERT_EQ(0, cmd.out_max_pasid_log2);
	ASSERT_EQ(0, cmd.out_capabilities);
#endif

	/* A buffer of just that length: the data, and nothing past it. */
	memset(full, CANARY, sizeof(full));
	cmd = hw_info_cmd(self->dev_id, full, len);
	ASSERT_EQ(0, iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &cmd));
	ASSERT_EQ(len, cmd.data_len);
	ASSERT_EQ(type, cmd.out_data_type);
	ASSERT_TRUE(all_bytes(full + len, sizeof(full) - len, CANARY));
#if defined(__x86_64__)
	check_vtd_info(_metadata, full, self->sys.bdf);
#elif defined(__PPC64__)
	check_tce_info(_metadata, full);
#endif

	/* Shorter ones get as much as they hold; data_len says what is. */
	for (n = 1; n < len; n++) {
		memset(buf, CANARY, sizeof(buf));
		cmd = hw_info_cmd(self->dev_id, buf, n);
		ASSERT_EQ(0, iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &cmd));
		ASSERT_EQ(len, cmd.data_len);
		ASSERT_EQ(type, cmd.out_data_type);
		ASSERT_EQ(0, memcmp(buf, full, n));
		ASSERT_TRUE(all_bytes(buf + n, sizeof(buf) - n, CANARY))
			TH_LOG("a buffer of %u bytes was overrun", n);
	}

	/* A longer one: zeros after the data. */
	memset(buf, CANARY, sizeof(buf));
	cmd = hw_info_cmd(self->dev_id, buf, sizeof(buf));
	ASSERT_EQ(0, iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &cmd));
	ASSERT_EQ(len, cmd.data_len);
	ASSERT_EQ(0, memcmp(buf, full, len));
	ASSERT_TRUE(all_bytes(buf + len, sizeof(buf) - len, 0));

	/* Asking for the default format, or the IOMMU's own, is the same. */
	for (i = 0; i != 2; i++) {
		memset(buf, CANARY, sizeof(buf));
		cmd = hw_info_cmd(self->dev_id, buf, sizeof(buf));
		cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
		cmd.in_data_type = i ? type : IOMMU_HW_INFO_TYPE_DEFAULT;
		ASSERT_EQ(0, iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &cmd));
		ASSERT_EQ(type, cmd.out_data_type);
		ASSERT_EQ(len, cmd.data_len);
		ASSERT_EQ(0, memcmp(buf, full, len));
		ASSERT_TRUE(all_bytes(buf + len, sizeof(buf) - len, 0));
	}

	/* The refusals; none of them writes a byte. */
	memset(buf, CANARY, sizeof(buf));
	for (i = 0; i != ARRAY_SIZE(formats); i++) {
		if (formats[i] == type)
			continue;
		cmd = hw_info_cmd(self->dev_id, buf, sizeof(buf));
		cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
		cmd.in_data_type = formats[i];
		ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &cmd))
			TH_LOG("format %u was not refused", formats[i]);
	}
	for (i = 1; i != 32; i++) {
		cmd = hw_info_cmd(self->dev_id, buf, sizeof(buf));
		cmd.flags = 1U << i;
		ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &cmd))
			TH_LOG("flag 0x%x was not refused", 1U << i);
	}
	for (i = 0; i != sizeof(cmd.__reserved); i++) {
		cmd = hw_info_cmd(self->dev_id, buf, sizeof(buf));
		cmd.__reserved[i] = 1;
		ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &cmd));
	}
	cmd = hw_info_cmd(ioas_alloc(fd), buf, sizeof(buf));
	ASSERT_EQ(ENOENT, iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &cmd));
	cmd = hw_info_cmd(0, buf, sizeof(buf));
	ASSERT_EQ(ENOENT, iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &cmd));
	ASSERT_TRUE(all_bytes(buf, sizeof(buf), CANARY));
}

/*
 * A page table of our own: IOMMU_HWPT_ALLOC for edu on an IOAS makes one
 * that holds the IOAS and narrows it to the IOMMU's aperture at once. The
 * device attaches to it by its ID and reaches through it the mappings of
 * the IOAS, those made before the table and those after. While the device
 * is attached neither the table nor the IOAS can be destroyed; detaching
 * leaves the table (it is not an automatic one) for IOMMU_DESTROY.
 *
 * Dirty tracking, which neither QEMU IOMMU emulates, is refused and leaves
 * nothing behind: the ID it would have had goes to the next object.
 */
TEST_F_TIMEOUT(edu_cdev, hwpt_alloc, 60)
{
	uint8_t *src = SLOT(self, 0), *out = SLOT(self, 1);
	struct iommu_iova_range r[MAX_RANGES];
	uint32_t ioas, hwpt = 0, next, pt, n;
	int fd = self->iommufd;
	uint64_t dirty_bits = 0;

	fill_pattern(src, PSZ);
	ioas = ioas_alloc(fd);
	ioas_map_fixed(fd, ioas, src, PSZ, IOVA(0));

	/* IDs are handed out lowest first: @next is the next one. */
	next = ioas_alloc(fd);
	iommufd_destroy(fd, next);
	ASSERT_EQ(EOPNOTSUPP,
		  __hwpt_alloc(fd, self->dev_id, ioas,
			       IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt));
	ASSERT_EQ(0, hwpt);
	ASSERT_EQ(ENOENT, __iommufd_destroy(fd, next));
	n = ioas_ranges(_metadata, fd, ioas, r, NULL);
	ASSERT_TRUE(ranges_all(r, n));

	hwpt = hwpt_alloc(fd, self->dev_id, ioas);
	ksft_print_msg("IOAS %u: HWPT %u\n", ioas, hwpt);
	ASSERT_EQ(next, hwpt);
	ASSERT_EQ(EBUSY, __iommufd_destroy(fd, ioas));
	/* No device yet, so no reserved region: just the aperture. */
	n = ioas_ranges(_metadata, fd, ioas, r, NULL);
	print_ranges("HWPT without device", r, n);
	ASSERT_EQ(1, n);
	ASSERT_EQ(0, r[0].start);
	check_aperture_last(_metadata, fd, self->dev_id, r[0].last);
	ioas_map_fixed(fd, ioas, out, PSZ, IOVA(1));

	pt = hwpt;
	ASSERT_EQ(0, edu_vfio_attach(self->edu.fd, &pt));
	ASSERT_EQ(hwpt, pt);
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(out, src, XFER_LEN));
	ASSERT_TRUE(all_bytes(out + XFER_LEN, PSZ - XFER_LEN, 0));

	ASSERT_EQ(EBUSY, __iommufd_destroy(fd, hwpt));
	ASSERT_EQ(EBUSY, __iommufd_destroy(fd, ioas));
	/* A table not made for dirty tracking has none to turn on or read. */
	ASSERT_EQ(EOPNOTSUPP, __set_dirty_tracking(fd, hwpt, true));
	ASSERT_EQ(EOPNOTSUPP, __get_dirty_bitmap(fd, hwpt, IOVA(0), PSZ, PSZ,
						 &dirty_bits, 0));
	/* The refusals left the translation as it was. */
	edu_to_ram(&self->edu, DEV_LO, IOVA(1) + XFER_LEN, XFER_LEN);
	ASSERT_EQ(0, memcmp(out + XFER_LEN, src, XFER_LEN));

	ASSERT_EQ(0, edu_vfio_detach(self->edu.fd));
	iommufd_destroy(fd, hwpt);
	ASSERT_EQ(ENOENT, __iommufd_destroy(fd, hwpt));
	/* Nothing narrows the IOAS now, and it kept its mappings. */
	n = ioas_ranges(_metadata, fd, ioas, r, NULL);
	ASSERT_TRUE(ranges_all(r, n));
	ioas_unmap(fd, ioas, IOVA(0), 2 * PSZ);
	iommufd_destroy(fd, ioas);
}

/*
 * Nesting on hardware that has none: QEMU's VT-d and SMMUv3 translate in
 * one stage, and so do PowerPC's TCE tables. IOMMU_HWPT_FORMATS says so
 * (no format, no nesting parent), a nesting parent is refused with
 * EOPNOTSUPP and a nested table on a plain table with EINVAL; none of it
 * leaves anything behind, and the device's DMA goes on as before.
 */
TEST_F_TIMEOUT(edu_cdev, nesting_refused, 60)
{
	struct iommu_hwpt_vtd_s1 s1 = { .addr_width = 48 };
	uint8_t *src = SLOT(self, 0), *out = SLOT(self, 1);
	struct iommu_hwpt_format fmt[2];
	uint32_t ioas, hwpt, next, pt, num = 2, caps = ~0U, got = 0;
	int fd = self->iommufd, rc;

	ASSERT_EQ(0, __hwpt_formats(fd, &self->dev_id, 1, fmt, &num, &caps));
	ksft_print_msg("formats %u, caps %#x\n", num, caps);
	ASSERT_EQ(0, num);
	ASSERT_EQ(0, caps);

	fill_pattern(src, PSZ);
	ioas = ioas_alloc(fd);
	ioas_map_fixed(fd, ioas, src, PSZ, IOVA(0));
	ioas_map_fixed(fd, ioas, out, PSZ, IOVA(1));
	hwpt = hwpt_alloc(fd, self->dev_id, ioas);
	next = ioas_alloc(fd);
	iommufd_destroy(fd, next);

	ASSERT_EQ(EOPNOTSUPP, __hwpt_alloc(fd, self->dev_id, ioas,
					   IOMMU_HWPT_ALLOC_NEST_PARENT, &got));
	/*
	 * On a plain table: EINVAL through the IOMMU core, whose drivers
	 * may nest elsewhere; EOPNOTSUPP from the TCE backend, which has no
	 * nested tables at all.
	 */
	rc = __hwpt_alloc_data(fd, self->dev_id, hwpt, 0,
			       IOMMU_HWPT_DATA_VTD_S1, &s1, sizeof(s1), 0,
			       &got);
	ASSERT_TRUE(rc == EINVAL || rc == EOPNOTSUPP);
	ASSERT_EQ(0, got);
	ASSERT_EQ(ENOENT, __iommufd_destroy(fd, next));

	pt = hwpt;
	ASSERT_EQ(0, edu_vfio_attach(self->edu.fd, &pt));
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(out, src, XFER_LEN));
	ASSERT_EQ(0, edu_vfio_detach(self->edu.fd));
	iommufd_destroy(fd, hwpt);
	iommufd_destroy(fd, ioas);
}

/*
 * Attached to an IOAS, the device reserves its IOMMU's MSI window there:
 * IOMMU_IOAS_IOVA_RANGES leaves out exactly that window, and the ranges
 * start at 0 and end with the IOMMU's aperture. Mapping at a fixed IOVA in
 * the window, or across one of its edges, fails with EINVAL and changes
 * nothing; so does making the window an allowed range (EADDRINUSE). After
 * the detach the IOAS spans everything again and a page can be mapped in
 * the window; attaching then fails with EADDRINUSE until the page goes.
 */
TEST_F_TIMEOUT(edu_cdev, msi_window_reserved, 60)
{
	const uint64_t maps[][2] = {		/* IOVA, length */
		{ MSI_WINDOW_START, PSZ },
		{ MSI_WINDOW_LAST + 1 - PSZ, PSZ },
		{ MSI_WINDOW_START - PSZ, 2 * PSZ },
		{ MSI_WINDOW_LAST + 1 - PSZ, 2 * PSZ },
	};
	struct iommu_iova_range fence = {
		.start = MSI_WINDOW_START,
		.last = MSI_WINDOW_LAST,
	};
	struct iommu_iova_range r[MAX_RANGES], again[MAX_RANGES];
	uint8_t *src = SLOT(self, 0), *out = SLOT(self, 1);
	uint8_t *win = SLOT(self, 2);
	uint64_t align = 0, iova, unmapped = 0;
	int fd = self->iommufd;
	uint32_t ioas, pt, n, i;

	if (!MSI_WINDOW_LAST)
		SKIP(return, NO_MSI_WINDOW_MSG);

	fill_pattern(src, PSZ);
	ioas = ioas_alloc(fd);
	ioas_map_fixed(fd, ioas, self->mem, 2 * PSZ, IOVA(0));
	vfio_attach(self->edu.fd, ioas);

	n = ioas_ranges(_metadata, fd, ioas, r, &align);
	print_ranges("attached", r, n);
	/* Both IOMMUs map 4 KiB pages, the CPU's page size here. */
	ASSERT_EQ(PSZ, align);
	ASSERT_EQ(0, r[0].start);
	check_aperture_last(_metadata, fd, self->dev_id, r[n - 1].last);
	/* The window is a hole, and the ranges reach both its edges. */
	ASSERT_FALSE(ranges_touch(r, n, MSI_WINDOW_START, MSI_WINDOW_LAST));
	ASSERT_TRUE(ranges_hold(r, n, MSI_WINDOW_START - 1,
				MSI_WINDOW_START - 1));
	ASSERT_TRUE(ranges_hold(r, n, MSI_WINDOW_LAST + 1,
				MSI_WINDOW_LAST + 1));
	ASSERT_TRUE(ranges_hold(r, n, IOVA(0), IOVA(MEM_SLOTS) - 1));

	for (i = 0; i != ARRAY_SIZE(maps); i++) {
		iova = maps[i][0];
		ASSERT_EQ(EINVAL,
			  __ioas_map(fd, ioas, win, maps[i][1], &iova,
				     MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA))
			TH_LOG("mapped 0x%llx bytes at 0x%llx",
			       (unsigned long long)maps[i][1],
			       (unsigned long long)maps[i][0]);
	}
	ASSERT_EQ(EADDRINUSE, __ioas_allow_iovas(fd, ioas, &fence, 1));
	/* Nothing was mapped around the window, and nothing else changed. */
	ASSERT_EQ(ENOENT, __ioas_unmap(fd, ioas, MSI_WINDOW_START - PSZ,
				       MSI_WINDOW_LAST - MSI_WINDOW_START + 1 +
				       2 * PSZ, &unmapped));
	ASSERT_EQ(n, ioas_ranges(_metadata, fd, ioas, again, NULL));
	ASSERT_EQ(0, memcmp(r, again, n * sizeof(*r)));
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(out, src, XFER_LEN));

	/* Detached, the IOAS has room in the window again. */
	ASSERT_EQ(0, edu_vfio_detach(self->edu.fd));
	n = ioas_ranges(_metadata, fd, ioas, r, NULL);
	ASSERT_TRUE(ranges_all(r, n));
	ioas_map_fixed(fd, ioas, win, PSZ, MSI_WINDOW_START);
	ksft_print_msg("detached: mapped IOVA 0x%llx\n",
		       (unsigned long long)MSI_WINDOW_START);
	pt = ioas;
	ASSERT_EQ(EADDRINUSE, edu_vfio_attach(self->edu.fd, &pt));
	ioas_unmap(fd, ioas, MSI_WINDOW_START, PSZ);
	vfio_attach(self->edu.fd, ioas);
	n = ioas_ranges(_metadata, fd, ioas, r, NULL);
	ASSERT_FALSE(ranges_touch(r, n, MSI_WINDOW_START, MSI_WINDOW_LAST));
}

/*
 * An IOAS with a page mapped in the MSI window ("busy"), or with the
 * window among its allowed ranges ("fenced"), cannot take the device:
 * attaching fails with EADDRINUSE and changes nothing. The device stays
 * detached, its DMA blocked, until a clean IOAS takes it; moving it from
 * there to busy or fenced fails the same way and leaves it translating
 * through the clean IOAS. Busy and fenced keep their mappings and have no
 * page table left on them.
 *
 *   IOVA(0)  busy: slot 0 (a)   clean: slot 1 (b)
 *   IOVA(1)  busy: -            clean: slot 2 (where results go)
 *   window   busy: slot 3       clean: -
 */
TEST_F_TIMEOUT(edu_cdev, msi_window_blocks_attach, 60)
{
	struct iommu_iova_range fence = {
		.start = MSI_WINDOW_START,
		.last = MSI_WINDOW_LAST,
	};
	struct iommu_iova_range r[MAX_RANGES];
	uint8_t *a = SLOT(self, 0), *b = SLOT(self, 1);
	uint8_t *out = SLOT(self, 2), *win = SLOT(self, 3);
	uint8_t *copy = SLOT(self, 4);
	uint32_t busy, fenced, clean, pt, n;
	int fd = self->iommufd;
	uint64_t iova;

	if (!MSI_WINDOW_LAST)
		SKIP(return, NO_MSI_WINDOW_MSG);

	fill_pattern(a, PSZ);
	fill_unlike(b, a, PSZ);
	memcpy(copy, a, PSZ);
	busy = ioas_alloc(fd);
	ioas_map_fixed(fd, busy, a, PSZ, IOVA(0));
	ioas_map_fixed(fd, busy, win, PSZ, MSI_WINDOW_START);
	fenced = ioas_alloc(fd);
	ASSERT_EQ(0, __ioas_allow_iovas(fd, fenced, &fence, 1));

	pt = busy;
	ASSERT_EQ(EADDRINUSE, edu_vfio_attach(self->edu.fd, &pt));
	pt = fenced;
	ASSERT_EQ(EADDRINUSE, edu_vfio_attach(self->edu.fd, &pt));
	ksft_print_msg("IOAS %u (busy) and %u (fenced) refused the device\n",
		       busy, fenced);
	/* Neither kept a reservation or the aperture of a page table. */
	n = ioas_ranges(_metadata, fd, busy, r, NULL);
	ASSERT_TRUE(ranges_all(r, n));
	n = ioas_ranges(_metadata, fd, fenced, r, NULL);
	ASSERT_TRUE(ranges_all(r, n));
	/* Busy still maps the window's page. */
	iova = MSI_WINDOW_START;
	ASSERT_EQ(EEXIST, __ioas_map(fd, busy, win, PSZ, &iova,
				     MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));

	/* Not attached to busy: a write to IOVA(0) reaches nothing. */
	edu_dma_refused(_metadata, &self->edu, self->sys.bdf, DEV_LO, IOVA(0),
			BLOCKED_LEN, EDU_DMA_TO_RAM, false);
	ASSERT_EQ(0, memcmp(a, copy, PSZ));

	clean = ioas_alloc(fd);
	ioas_map_fixed(fd, clean, b, PSZ, IOVA(0));
	ioas_map_fixed(fd, clean, out, PSZ, IOVA(1));
	vfio_attach(self->edu.fd, clean);
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(out, b, XFER_LEN));
	memset(out, 0, PSZ);

	pt = busy;
	ASSERT_EQ(EADDRINUSE, edu_vfio_attach(self->edu.fd, &pt));
	pt = fenced;
	ASSERT_EQ(EADDRINUSE, edu_vfio_attach(self->edu.fd, &pt));
	/* Busy maps nothing at IOVA(1): this works only through clean. */
	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(out, b, XFER_LEN));
	ASSERT_EQ(0, memcmp(a, copy, PSZ));

	ioas_unmap(fd, busy, MSI_WINDOW_START, PSZ);
	ioas_unmap(fd, busy, IOVA(0), PSZ);
	iommufd_destroy(fd, busy);
	iommufd_destroy(fd, fenced);
	ASSERT_EQ(EBUSY, __iommufd_destroy(fd, clean));
}

/*
 * ---- the group path: /dev/iommu, or /dev/vfio/vfio served by iommufd
 * (IOMMUFD_VFIO_CONTAINER), as the VFIO container ----
 */

FIXTURE(edu_group) {
	struct edu_sys sys;
	struct edu_dev edu;
	int iommufd;
	int group;
	uint8_t *mem;		/* MEM_SLOTS pages */
};

FIXTURE_VARIANT(edu_group) {
	const char *container;	/* the file the group joins */
};

FIXTURE_VARIANT_ADD(edu_group, iommu) {
	.container = IOMMUFD_DEV,
};

FIXTURE_VARIANT_ADD(edu_group, vfio_node) {
	.container = "/dev/vfio/vfio",
};

FIXTURE_SETUP(edu_group)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	const char *why;

	self->iommufd = -1;
	self->group = -1;
	self->edu.fd = -1;
	self->edu.bar = MAP_FAILED;
	self->mem = MAP_FAILED;
	srand(time(NULL) ^ getpid());

	why = edu_locate(&self->sys);
	if (edu_skip(_metadata, why))
		SKIP(return, "%s", why);

	self->iommufd = open(variant->container, O_RDWR | O_CLOEXEC);
	why = self->iommufd < 0 && errno == ENOENT ?
	      "no /dev/vfio/vfio (IOMMUFD_VFIO_CONTAINER=n)" : NULL;
	if (edu_skip(_metadata, why))
		SKIP(return, "%s", why);
	ASSERT_LE(0, self->iommufd);
	ASSERT_EQ(VFIO_API_VERSION,
		  ioctl(self->iommufd, VFIO_GET_API_VERSION));
	/* No compat IOAS before a group joins; VFIO's own container: ENOTTY. */
	why = __vfio_ioas(self->iommufd, IOMMU_VFIO_IOAS_GET, &(uint32_t){0}) ==
	      ENOTTY ? "/dev/vfio/vfio is VFIO's container (VFIO_CONTAINER=y)" :
	      NULL;
	if (edu_skip(_metadata, why))
		SKIP(return, "%s", why);
	self->group = open(self->sys.group, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->group);
	ASSERT_EQ(0, iommufd_ioctl(self->group, VFIO_GROUP_GET_STATUS,
				   &status));
	why = status.flags & VFIO_GROUP_FLAGS_VIABLE ? NULL :
	      "edu's IOMMU group is not viable";
	if (edu_skip(_metadata, why))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, iommufd_ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
				   &self->iommufd));
	ASSERT_EQ(0, iommufd_ioctl(self->group, VFIO_GROUP_GET_STATUS,
				   &status));
	ASSERT_TRUE(status.flags & VFIO_GROUP_FLAGS_CONTAINER_SET);
#if defined(__PPC64__)
	/*
	 * A pSeries PE offers VFIO's SPAPR API, not type1 (see
	 * iommufd_edu_window's edu_spapr); type1 is still accepted, and
	 * translates through the default window.
	 */
	ASSERT_EQ(0, ioctl(self->iommufd, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(1, ioctl(self->iommufd, VFIO_CHECK_EXTENSION,
			   VFIO_SPAPR_TCE_v2_IOMMU));
#else
	ASSERT_EQ(1, ioctl(self->iommufd, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_IOMMU));
#endif
	ASSERT_EQ(0, ioctl(self->iommufd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));

	self->edu.fd = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD,
			     self->sys.bdf);
	why = self->edu.fd < 0 ? edu_bind_skip_reason(errno) : NULL;
	if (edu_skip(_metadata, why))
		SKIP(return, "%s", why);
	ASSERT_LE(0, self->edu.fd);
	edu_ready(_metadata, &self->edu);
	self->mem = alloc_slots();
	ASSERT_NE(MAP_FAILED, self->mem);
	ksft_print_msg("edu %s: through %s\n", self->sys.bdf, self->sys.group);
}

FIXTURE_TEARDOWN(edu_group)
{
	edu_close(&self->edu);
	if (self->group >= 0)
		close(self->group);
	if (self->iommufd >= 0)
		close(self->iommufd);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, MEM_SLOTS * PSZ);
}

/*
 * VFIO_DMA_CC_IOMMU asks whether the IOMMU makes all of the container's DMA
 * snoop the CPU caches. The x86_64 machine's VT-d has snoop control
 * (snoop-control=on), so edu's page table must enforce it: its entries
 * carry the snoop bit, which every DMA test then goes through. SMMUv3
 * cannot override a device's no-snoop attribute.
 */
TEST_F(edu_group, cache_coherency)
{
	/* Only VT-d blocks no-snoop; pSeries answers 0 as its container does. */
#if defined(__x86_64__)
	const int want = 1;
#else
	const int want = 0;
#endif

	ASSERT_EQ(want, ioctl(self->iommufd, VFIO_CHECK_EXTENSION,
			      VFIO_DMA_CC_IOMMU));
}

/*
 * VFIO_IOMMU_MAP_DMA on /dev/iommu maps for the device; the container's
 * IOAS is an ordinary one that IOMMU_IOAS_MAP maps into as well; after
 * VFIO_IOMMU_UNMAP_DMA the device cannot read the page, and the IOMMU
 * reports the fault.
 */
TEST_F_TIMEOUT(edu_group, dma_roundtrip_and_unmap, 60)
{
	uint8_t *src = SLOT(self, 0), *out = SLOT(self, 1);
	uint8_t *gone = SLOT(self, 2), *native = SLOT(self, 3);
	uint64_t unmapped = 0;
	uint32_t ioas = 0;
	int fd = self->iommufd;

	fill_pattern(src, PSZ);
	fill_unlike(gone, src, PSZ);
	fill_unlike(native, src, PSZ);
	vfio_map_dma(fd, src, IOVA(0), 2 * PSZ);
	vfio_map_dma(fd, gone, IOVA(2), PSZ);
	vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &ioas);
	ASSERT_NE(0, ioas);
	ioas_map_fixed(fd, ioas, native, PSZ, IOVA(3));
	ksft_print_msg("container IOAS %u: 4 pages at IOVA 0x%llx\n", ioas,
		       (unsigned long long)IOVA(0));

	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	edu_to_dev(&self->edu, IOVA(3), DEV_HI, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), 2 * XFER_LEN);
	ASSERT_EQ(0, memcmp(out, src, XFER_LEN));
	ASSERT_EQ(0, memcmp(out + XFER_LEN, native, XFER_LEN));

	edu_to_dev(&self->edu, IOVA(2), DEV_LO, XFER_LEN);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	ASSERT_EQ(0, memcmp(out, gone, XFER_LEN));

	edu_to_dev(&self->edu, IOVA(0), DEV_LO, XFER_LEN);
	ASSERT_EQ(0, __vfio_unmap_dma(fd, IOVA(2), PSZ, &unmapped));
	ASSERT_EQ(PSZ, unmapped);
	edu_read_refused(_metadata, &self->edu, self->sys.bdf, IOVA(2), IOVA(1),
			 out, src, gone, true);
}

/* ---- two edu in one IOMMU group ---- */

/*
 * Devices behind a conventional PCI bridge reach the IOMMU with the
 * bridge's requester ID, so the IOMMU cannot tell them apart: they form
 * one IOMMU group, which one owner at a time may use for DMA, and which
 * translates through one table at a time. The x86_64 machine has two edu
 * behind a pci-bridge for this (boot.sh); elsewhere the tests skip (6.12's
 * SMMUv3 driver refuses two devices with one stream ID).
 *
 * Faults of these devices are logged under the bridge's requester ID, so
 * a refused transfer is shown by the data alone.
 */
FIXTURE(edu_pair) {
	struct edu_sys sys[2];
	struct edu_dev edu[2];
	int iommufd;
	uint32_t dev_id[2];
	uint8_t *mem;		/* MEM_SLOTS pages */
};

static bool edu_pair_skip(struct __test_metadata *_metadata, const char *why)
{
	if (!why)
		return false;
#if defined(__x86_64__)
	ASSERT_FALSE(edu_expected())
		TH_LOG("%s, with IOMMUFD_EXPECT_EDU=1", why);
#endif
	return true;
}

FIXTURE_SETUP(edu_pair)
{
	const char *why;
	int i;

	self->iommufd = -1;
	self->mem = MAP_FAILED;
	for (i = 0; i != 2; i++) {
		self->edu[i].fd = -1;
		self->edu[i].bar = MAP_FAILED;
	}
	srand(time(NULL) ^ getpid());

	why = edu_locate_pair(self->sys);
	if (edu_pair_skip(_metadata, why))
		SKIP(return, "%s", why);
	why = self->sys[0].cdev[0] && self->sys[1].cdev[0] ? NULL :
								EDU_NO_CDEV_MSG;
	if (edu_pair_skip(_metadata, why))
		SKIP(return, "%s", why);
	self->iommufd = iommufd_open();
	ASSERT_LE(0, self->iommufd);
	for (i = 0; i != 2; i++) {
		self->edu[i].fd = edu_cdev_open(&self->sys[i]);
		ASSERT_LE(0, self->edu[i].fd)
			TH_LOG("open %s: %s", self->sys[i].cdev,
			       strerror(errno));
	}
	self->mem = alloc_slots();
	ASSERT_NE(MAP_FAILED, self->mem);
	ksft_print_msg("edu %s and %s share %s\n", self->sys[0].bdf,
		       self->sys[1].bdf, self->sys[0].group);
}

FIXTURE_TEARDOWN(edu_pair)
{
	edu_close(&self->edu[0]);
	edu_close(&self->edu[1]);
	if (self->iommufd >= 0)
		close(self->iommufd);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, MEM_SLOTS * PSZ);
}

/* Bind @edu to @iommufd, *@dev_id its ID, and make it ready. */
static void pair_bind(struct __test_metadata *_metadata, struct edu_dev *edu,
		      int iommufd, uint32_t *dev_id)
{
	ASSERT_EQ(0, edu_vfio_bind(edu->fd, iommufd, dev_id));
	edu_ready(_metadata, edu);
}

/* Copy a page's start through @edu: IOVA(@from) -> device -> IOVA(@to). */
static void pair_copy(struct __test_metadata *_metadata, struct edu_dev *edu,
		      unsigned int from, unsigned int to)
{
	edu_to_dev(edu, IOVA(from), DEV_LO, XFER_LEN);
	edu_to_ram(edu, DEV_LO, IOVA(to), XFER_LEN);
}

/*
 * The group's DMA belongs to one context: the other is refused, with the
 * IOMMU core's EPERM for a group another owner holds.
 */
TEST_F(edu_pair, one_owner)
{
	int other = iommufd_open();
	uint32_t id = 0;

	ASSERT_LE(0, other);
	pair_bind(_metadata, &self->edu[0], self->iommufd,
		  &self->dev_id[0]);
	ASSERT_EQ(EPERM, edu_vfio_bind(self->edu[1].fd, other, &id));
	ASSERT_EQ(0, id);
	pair_bind(_metadata, &self->edu[1], self->iommufd,
		  &self->dev_id[1]);
	ASSERT_NE(self->dev_id[0], self->dev_id[1]);
	close(other);
}

/*
 * One table for the group: the second device joins the first one's and
 * cannot take another, nor can either move the group away from the other;
 * once alone, a device takes the group where it goes, and its partner,
 * which the IOMMU cannot tell apart, goes along.
 */
TEST_F_TIMEOUT(edu_pair, one_table, 60)
{
	uint32_t x, y, hwpt, pt, next;
	int fd = self->iommufd;

	pair_bind(_metadata, &self->edu[0], self->iommufd,
		  &self->dev_id[0]);
	pair_bind(_metadata, &self->edu[1], self->iommufd,
		  &self->dev_id[1]);
	/* Slots 0-3 at IOVA 0-3 of X; slots 4-7 at the same IOVAs of Y. */
	x = ioas_alloc(fd);
	y = ioas_alloc(fd);
	ioas_map_fixed(fd, x, SLOT(self, 0), 4 * PSZ, IOVA(0));
	ioas_map_fixed(fd, y, SLOT(self, 4), 4 * PSZ, IOVA(0));
	fill_pattern(SLOT(self, 0), PSZ);
	fill_pattern(SLOT(self, 4), PSZ);

	hwpt = vfio_attach(self->edu[0].fd, x);
	next = ioas_alloc(fd);
	iommufd_destroy(fd, next);
	pt = y;
	ASSERT_EQ(EINVAL, edu_vfio_attach(self->edu[1].fd, &pt));
	ASSERT_EQ(ENOENT, __iommufd_destroy(fd, next));
	ASSERT_EQ(hwpt, vfio_attach(self->edu[1].fd, x));

	pair_copy(_metadata, &self->edu[0], 0, 1);
	ASSERT_EQ(0, memcmp(SLOT(self, 1), SLOT(self, 0), XFER_LEN));
	pair_copy(_metadata, &self->edu[1], 0, 2);
	ASSERT_EQ(0, memcmp(SLOT(self, 2), SLOT(self, 0), XFER_LEN));

	pt = y;
	ASSERT_EQ(EINVAL, edu_vfio_attach(self->edu[0].fd, &pt));
	pair_copy(_metadata, &self->edu[0], 0, 3);
	ASSERT_EQ(0, memcmp(SLOT(self, 3), SLOT(self, 0), XFER_LEN));

	/* One leaves; the other keeps the table, then moves the group. */
	ASSERT_EQ(0, edu_vfio_detach(self->edu[0].fd));
	memset(SLOT(self, 1), 0, PSZ);
	pair_copy(_metadata, &self->edu[1], 0, 1);
	ASSERT_EQ(0, memcmp(SLOT(self, 1), SLOT(self, 0), XFER_LEN));
	ASSERT_NE(hwpt, vfio_attach(self->edu[1].fd, y));
	pair_copy(_metadata, &self->edu[1], 0, 1);
	ASSERT_EQ(0, memcmp(SLOT(self, 5), SLOT(self, 4), XFER_LEN));
	/* That is why the group has one owner. */
	memset(SLOT(self, 6), 0, PSZ);
	pair_copy(_metadata, &self->edu[0], 0, 2);
	ASSERT_EQ(0, memcmp(SLOT(self, 6), SLOT(self, 4), XFER_LEN));

	/* The last one out blocks the group: nothing is written. */
	ASSERT_EQ(0, edu_vfio_detach(self->edu[1].fd));
	fill_unlike(SLOT(self, 7), SLOT(self, 4), PSZ);
	memcpy(SLOT(self, 1), SLOT(self, 7), PSZ);
	edu_dma_refused(_metadata, &self->edu[1], self->sys[1].bdf, DEV_LO,
			IOVA(3), BLOCKED_LEN, EDU_DMA_TO_RAM, false);
	ASSERT_EQ(0, memcmp(SLOT(self, 7), SLOT(self, 1), PSZ));
}

TEST_HARNESS_MAIN
