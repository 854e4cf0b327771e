// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Real DMA through a real IOMMU: QEMU's "edu" PCI device, driven from user
 * space through VFIO, with its IO address space managed by /dev/iommu.
 *
 * QEMU emulates both the IOMMU (VT-d on x86_64, SMMUv3 on arm64, the TCE
 * tables of a pSeries PHB on ppc64le) and the device, so every access the
 * device makes is translated by page tables the kernel built from our
 * IOMMU_IOAS_MAP calls. What the tests prove:
 *
 *   - the VFIO cdev path (VFIO_DEVICE_BIND_IOMMUFD, then
 *     VFIO_DEVICE_ATTACH_IOMMUFD_PT to an IOAS) gives the device exactly
 *     the mappings of its IOAS: data goes RAM -> device -> RAM through the
 *     IOVAs that were mapped, across page boundaries too;
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
 *     the window, or wants it usable, cannot take the device.
 *   - in a windowed IOAS (IOMMU_IOAS_ALLOC_WINDOWED) the device reaches
 *     only its windows; IOMMU_WINDOW_CAPS describes the IOMMU's aperture,
 *     page sizes and reserved ranges; a window beyond the aperture keeps
 *     the device out, and a window in use cannot be removed;
 *   - two devices of one IOMMU group (two edu behind a PCI bridge, on
 *     x86_64) belong to one context and share one table;
 *   - on pSeries, a plain IOAS translates through the PE's default
 *     window; a windowed one gets the dynamic DMA window (64 KiB TCEs at
 *     1 << 59) that firmware creates when asked; the two windows may
 *     belong to two IOASes (IOMMU_DEVICE_ATTACH_EXTRA), DMA going to the
 *     one whose window holds its address; nothing lands between or after
 *     the windows. The TCE hardware reports no faults: a refused write is
 *     seen only in memory that keeps its contents.
 *   - on pSeries, an allocation failing on the paths that make TCE
 *     windows (attach, a DDW added, an extra IOAS, a replace; outside the
 *     platform's own window creation) fails the call with ENOMEM and
 *     changes neither the IOVA ranges nor where edu's DMA goes (the
 *     faults_* tests, fail-nth sweeps).
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
#include "iommufd_util.h"
#include "edu.h"

#define IRQ_TIMEOUT_MS		2000

/*
 * The IOVAs are in the VGA window of a PC (0xa0000-0xbffff, with 4 KiB
 * pages), well inside edu's 28 address bits and away from the SMMUv3 MSI
 * window (0x8000000).
 * Should a bug leave the device untranslated, its accesses there would hit
 * VGA memory on x86_64 and the flash of arm64's virt machine, not the
 * guest's RAM. Slot n is page n of a test's memory, and IOVA(n) is where
 * tests map it (or another slot, or nothing).
 */
#define PSZ			((uint64_t)getpagesize())
#define IOVA_BASE		0xa0000ULL
#define IOVA(n)			(IOVA_BASE + (n) * PSZ)
#define MEM_SLOTS		8
#define SLOT(self, n)		((self)->mem + (n) * PSZ)

/* Transfers that should work: 1 KiB, at the buffer's start or after it */
#define XFER_LEN		1024
#define DEV_LO			EDU_BUF_ADDR
#define DEV_HI			(EDU_BUF_ADDR + XFER_LEN)

/*
 * Transfers the IOMMU should refuse are a single 32-bit word. QEMU splits
 * an access that fails translation into 32-bit pieces and translates each
 * on its own: SMMUv3 records an event per piece, and the kernel prints at
 * most 10 per 5 s, so longer refused transfers would hide the faults of
 * the next tests.
 */
#define BLOCKED_LEN		4

/*
 * Both drivers print faults through a ratelimit of 10 messages per 5 s
 * (intel-iommu counts three per fault: the status, the record, and the
 * check that ends its loop). A test that looks for its fault in the log
 * first lets the window of the previous faults end.
 */
#define FAULT_QUIET_MS		6000

/*
 * CLOCK_MONOTONIC (ms) of the last transfer that should have faulted, in
 * memory shared by the processes the harness forks for each test.
 */
static uint64_t *last_fault_ms;

static void __attribute__((constructor)) edu_shared_init(void)
{
	void *p = mmap(NULL, sizeof(*last_fault_ms), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	last_fault_ms = p == MAP_FAILED ? NULL : p;
}

/*
 * In a fixture setup: should the tests skip for @why (NULL: no reason)?
 * Fails the test instead where the machine expects edu DMA to work.
 */
static bool edu_skip(struct __test_metadata *_metadata, const char *why)
{
	if (!why)
		return false;
	ASSERT_FALSE(edu_expected())
		TH_LOG("%s, with IOMMUFD_EXPECT_EDU=1", why);
	return true;
}

/* Copy @len bytes from IOVA @iova into the device's buffer at @dev. */
#define edu_to_dev(edu, iova, dev, len) \
	ASSERT_EQ(0, __edu_dma(edu, iova, dev, len, 0))

/* Copy @len bytes from the device's buffer at @dev out to IOVA @iova. */
#define edu_to_ram(edu, dev, iova, len) \
	ASSERT_EQ(0, __edu_dma(edu, dev, iova, len, EDU_DMA_TO_RAM))

/* Make the open VFIO device edu->fd ready for transfers (edu_init()). */
static void edu_ready(struct __test_metadata *_metadata, struct edu_dev *edu)
{
	char why[128] = "";

	ASSERT_EQ(0, edu_init(edu, why, sizeof(why)))
		TH_LOG("edu: %s", why);
}

/* ---- memory patterns ---- */

/* Random bytes, never 0x00 or 0xff: what QEMU may give a refused read. */
static void fill_pattern(uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i != len; i++)
		buf[i] = 1 + rand() % 254;
}

/* The same, and different from @other at every byte. */
static void fill_unlike(uint8_t *buf, const uint8_t *other, size_t len)
{
	size_t i;

	for (i = 0; i != len; i++) {
		do {
			buf[i] = 1 + rand() % 254;
		} while (buf[i] == other[i]);
	}
}

static bool all_bytes(const uint8_t *buf, size_t len, uint8_t val)
{
	size_t i;

	for (i = 0; i != len; i++) {
		if (buf[i] != val)
			return false;
	}
	return true;
}

static uint8_t *alloc_slots(void)
{
	uint8_t *mem = mmap(NULL, MEM_SLOTS * PSZ, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (mem != MAP_FAILED)
		memset(mem, 0, MEM_SLOTS * PSZ);
	return mem;
}

/*
 * @got is what the device's buffer held after a read of @len bytes that
 * the IOMMU should have refused, @before what it held until then, and
 * @behind (or NULL) what the refused IOVA maps, or mapped, in our memory.
 *
 * edu stores whatever its DMA read returned, even from a failed read; in
 * QEMU 7.2 an access the IOMMU refuses ends in QEMU's "unassigned" region,
 * which reads as zeros. Another version could leave the buffer alone, or
 * read all ones. Each of these is a refusal; the bytes of @behind are not
 * (the patterns have no 0x00 or 0xff and differ from @before everywhere).
 */
static void check_refused_read(struct __test_metadata *_metadata,
			       const uint8_t *got, const uint8_t *before,
			       const uint8_t *behind, size_t len)
{
	const char *what = NULL;

	ASSERT_TRUE(!behind || memcmp(got, behind, len))
		TH_LOG("the device read memory the IOMMU should have refused");
	if (!memcmp(got, before, len))
		what = "unchanged";
	else if (all_bytes(got, len, 0))
		what = "zeros";
	else if (all_bytes(got, len, 0xff))
		what = "ones";
	ASSERT_NE(NULL, what)
		TH_LOG("refused read left %02x %02x %02x %02x in the device",
		       got[0], got[1], got[2], got[3]);
	ksft_print_msg("the refused read left the device's buffer %s\n",
		       what);
}

/* ---- the IOMMU driver's fault messages in the kernel log ---- */

/* Remember that a fault may just have been printed. */
static void fault_note(void)
{
	if (last_fault_ms)
		*last_fault_ms = edu_now_ms();
}

/* Wait until the ratelimit of the IOMMU driver's fault messages resets. */
static void fault_log_quiesce(void)
{
	uint64_t since;

	if (!last_fault_ms || !*last_fault_ms)
		return;
	since = edu_now_ms() - *last_fault_ms;
	if (since >= FAULT_QUIET_MS)
		return;
	ksft_print_msg("waiting %llu ms for the fault log's ratelimit\n",
		       (unsigned long long)(FAULT_QUIET_MS - since));
	edu_sleep_ms(FAULT_QUIET_MS - since);
}

/*
 * A transfer (as for __edu_dma()) that the IOMMU must refuse. The device
 * completes it all the same; the caller checks that no data went through.
 * With @check_log, the IOMMU driver must also have reported the fault at
 * the transfer's IOVA in the kernel log.
 */
static void edu_dma_refused(struct __test_metadata *_metadata,
			    struct edu_dev *edu, const char *bdf,
			    uint64_t src, uint64_t dst, uint64_t len,
			    uint32_t flags, bool check_log)
{
	uint64_t iova = flags & EDU_DMA_TO_RAM ? dst : src;
	char line[256];
	bool found;
	int kmsg;

	if (!check_log || !EDU_FAULT_LOG_SOURCE[0]) {
		if (check_log)
			ksft_print_msg("no known IOMMU fault message here\n");
		ASSERT_EQ(0, __edu_dma(edu, src, dst, len, flags));
		fault_note();
		return;
	}

	fault_log_quiesce();
	kmsg = edu_kmsg_open();
	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, __edu_dma(edu, src, dst, len, flags));
	found = edu_kmsg_find_fault(kmsg, bdf, iova, line, sizeof(line));
	fault_note();
	close(kmsg);
	ASSERT_TRUE(found)
		TH_LOG("no %s fault of %s at IOVA 0x%llx in the kernel log",
		       EDU_FAULT_LOG_SOURCE, bdf, (unsigned long long)iova);
	ksft_print_msg("%s fault at IOVA 0x%llx: %s\n", EDU_FAULT_LOG_SOURCE,
		       (unsigned long long)iova, line);
}

/* ---- VFIO ioctls ---- */

/*
 * Attach the device (or move it, if attached) to IOAS @ioas; evaluates to
 * the automatic HWPT the kernel attached it to, which is not the IOAS.
 */
#define vfio_attach(devfd, ioas)					\
	({								\
		uint32_t __ioas = (ioas), __pt = __ioas;		\
		ASSERT_EQ(0, edu_vfio_attach(devfd, &__pt));		\
		ASSERT_NE(0, __pt);					\
		ASSERT_NE(__ioas, __pt);				\
		__pt;							\
	})

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

/*
 * The IOVA window the IOMMU driver reserves for MSIs. On VT-d a write there
 * is an interrupt request, which the IOMMU never translates
 * (IOMMU_RESV_MSI). SMMUv3 translates MSIs like any other write: its
 * driver asks the domain's owner to keep this window free, and the MSI
 * doorbell is mapped there when interrupts are set up (IOMMU_RESV_SW_MSI).
 */
#if defined(__x86_64__)
#define MSI_WINDOW_START	0xfee00000ULL
#define MSI_WINDOW_LAST		0xfeefffffULL
#elif defined(__aarch64__)
#define MSI_WINDOW_START	0x8000000ULL
#define MSI_WINDOW_LAST		0x80fffffULL
#else
/* No window the tests know of. */
#define MSI_WINDOW_START	0ULL
#define MSI_WINDOW_LAST		0ULL
#endif
#define NO_MSI_WINDOW_MSG	"no known MSI window on this machine"

#define MAX_RANGES		16

/*
 * IOMMU_IOAS_IOVA_RANGES of @ioas into @r, an array of MAX_RANGES; returns
 * the number of ranges. *@align (if @align is not NULL) gets the alignment.
 */
static uint32_t ioas_ranges(struct __test_metadata *_metadata, int fd,
			    uint32_t ioas, struct iommu_iova_range *r,
			    uint64_t *align)
{
	uint32_t num = MAX_RANGES;

	ASSERT_EQ(0, __ioas_iova_ranges(fd, ioas, r, &num, align));
	return num;
}

/* Does one of the @n ranges @r hold all of [@start, @last]? */
static bool ranges_hold(const struct iommu_iova_range *r, uint32_t n,
			uint64_t start, uint64_t last)
{
	uint32_t i;

	for (i = 0; i != n; i++) {
		if (r[i].start <= start && last <= r[i].last)
			return true;
	}
	return false;
}

/* Does one of them share an IOVA with [@start, @last]? */
static bool ranges_touch(const struct iommu_iova_range *r, uint32_t n,
			 uint64_t start, uint64_t last)
{
	uint32_t i;

	for (i = 0; i != n; i++) {
		if (r[i].start <= last && start <= r[i].last)
			return true;
	}
	return false;
}

/* Are they the whole IOVA space, as in an IOAS no device narrowed? */
static bool ranges_all(const struct iommu_iova_range *r, uint32_t n)
{
	return n == 1 && !r[0].start && r[0].last == UINT64_MAX;
}

static void print_ranges(const char *what, const struct iommu_iova_range *r,
			 uint32_t n)
{
	uint32_t i;

	for (i = 0; i != n; i++)
		ksft_print_msg("%s: range %u: 0x%llx-0x%llx\n", what, i,
			       (unsigned long long)r[i].start,
			       (unsigned long long)r[i].last);
}

/* IOMMU_GET_HW_INFO of @dev_id into @len bytes at @data. */
static struct iommu_hw_info hw_info_cmd(uint32_t dev_id, void *data,
					uint32_t len)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.data_len = len,
		.data_uptr = (uintptr_t)data,
	};

	return cmd;
}

#if defined(__x86_64__)
/* Fields of VT-d's capability register. */
#define VTD_CAP_SAGAW(cap)	(((cap) >> 8) & 0x1f)
#define VTD_CAP_MGAW(cap)	((((cap) >> 16) & 0x3f) + 1)

/*
 * The last IOVA of a VT-d paging domain. The driver uses the deepest
 * second-level table the hardware walks (SAGAW bit n: 30 + 9n address bits;
 * it goes up to 5 levels, bit 3) and cuts that to the guest address width
 * (MGAW). QEMU's default aw-bits=39 gives 39 bits for both: 2^39 - 1.
 */
static uint64_t vtd_aperture_last(uint64_t cap)
{
	unsigned int bits = 0, n;

	for (n = 0; n <= 3; n++) {
		if (VTD_CAP_SAGAW(cap) & (1U << n))
			bits = 30 + 9 * n;
	}
	if (bits > VTD_CAP_MGAW(cap))
		bits = VTD_CAP_MGAW(cap);
	return bits ? (1ULL << bits) - 1 : 0;
}

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

/* Is @last the last IOVA the IOMMU translates for device @dev_id? */
static void check_aperture_last(struct __test_metadata *_metadata, int fd,
				uint32_t dev_id, uint64_t last)
{
#if defined(__x86_64__)
	struct iommu_hw_info_vtd vtd = {};
	struct iommu_hw_info cmd = hw_info_cmd(dev_id, &vtd, sizeof(vtd));

	ASSERT_EQ(0, iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &cmd));
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_INTEL_VTD, cmd.out_data_type);
	ASSERT_EQ(vtd_aperture_last(vtd.cap_reg), last);
#elif defined(__aarch64__)
	/*
	 * A stage-1 SMMUv3 table takes 48-bit input addresses (52 with VAX,
	 * which QEMU does not offer); QEMU's SMMUv3 has no stage 2. Accept
	 * anything from 32 to 48 bits.
	 */
	ASSERT_GT(1ULL << 48, last);
	ASSERT_LE(0xffffffffULL, last);
#endif
}

/* ---- the cdev path ---- */

FIXTURE(edu_cdev) {
	struct edu_sys sys;
	struct edu_dev edu;
	int iommufd;
	uint32_t dev_id;
	uint8_t *mem;		/* MEM_SLOTS pages */
	/* The fail-nth knobs, set while @injecting (faults_* tests). */
	struct inject_cfg inject;
	bool injecting;
};

FIXTURE_SETUP(edu_cdev)
{
	const char *why;
	int rc;

	self->iommufd = -1;
	self->edu.fd = -1;
	self->edu.bar = MAP_FAILED;
	self->mem = MAP_FAILED;
	srand(time(NULL) ^ getpid());

	why = edu_locate(&self->sys);
	if (edu_skip(_metadata, why))
		SKIP(return, "%s", why);
	if (edu_skip(_metadata, self->sys.cdev[0] ? NULL : EDU_NO_CDEV_MSG))
		SKIP(return, EDU_NO_CDEV_MSG);

	self->iommufd = iommufd_open();
	ASSERT_LE(0, self->iommufd);
	self->edu.fd = edu_cdev_open(&self->sys);
	if (edu_skip(_metadata, self->edu.fd < 0 && errno == ENOENT ?
			EDU_NO_CDEV_MSG : NULL))
		SKIP(return, EDU_NO_CDEV_MSG);
	ASSERT_LE(0, self->edu.fd)
		TH_LOG("open %s: %s", self->sys.cdev, strerror(errno));
	rc = edu_vfio_bind(self->edu.fd, self->iommufd, &self->dev_id);
	why = edu_bind_skip_reason(rc);
	if (edu_skip(_metadata, why))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, rc);
	ASSERT_NE(0, self->dev_id);
	edu_ready(_metadata, &self->edu);
	self->mem = alloc_slots();
	ASSERT_NE(MAP_FAILED, self->mem);
	ksft_print_msg("edu %s: %s bound as device %u\n", self->sys.bdf,
		       self->sys.cdev, self->dev_id);
}

FIXTURE_TEARDOWN(edu_cdev)
{
	if (self->injecting)
		inject_restore(&self->inject);
	edu_close(&self->edu);
	if (self->iommufd >= 0)
		close(self->iommufd);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, MEM_SLOTS * PSZ);
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
	edu_dma_refused(_metadata, &self->edu, self->sys.bdf, IOVA(2),
			DEV_LO, BLOCKED_LEN, 0, true);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	check_refused_read(_metadata, out, before, gone, BLOCKED_LEN);
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
	ASSERT_EQ(0, __edu_dma(&self->edu, IOVA(0), DEV_LO, XFER_LEN,
			       EDU_DMA_IRQ));
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
	edu_dma_refused(_metadata, &self->edu, self->sys.bdf, IOVA(2),
			DEV_LO, BLOCKED_LEN, 0, true);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	check_refused_read(_metadata, out, before, NULL, BLOCKED_LEN);
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
	edu_dma_refused(_metadata, &self->edu, self->sys.bdf, IOVA(1), DEV_LO,
			BLOCKED_LEN, 0, false);
	edu_to_ram(&self->edu, DEV_LO, IOVA(2), XFER_LEN);
	check_refused_read(_metadata, out, copy, wo, BLOCKED_LEN);
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
	edu_dma_refused(_metadata, &self->edu, self->sys.bdf, IOVA(2),
			DEV_LO, BLOCKED_LEN, 0, true);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	check_refused_read(_metadata, out2, b, c, BLOCKED_LEN);

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
/*
 * The pSeries machine's PHB as boot.sh makes it (QEMU's defaults with
 * ddw=on): the default window is 1 GiB of 4 KiB TCEs at 0, and a dynamic
 * DMA window, at 1 << 59, may have 4 KiB, 64 KiB, 2 MiB or 16 MiB TCEs.
 */
#define TCE_DMA32_SIZE		0x40000000ULL
#define TCE_DDW_START		0x0800000000000000ULL
#define TCE_DDW_PAGE_SIZES	0x1211000ULL

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

/* ---- windowed IOASes (IOMMU_IOAS_ALLOC_WINDOWED) ---- */

/*
 * The window of these tests: 1 MiB from IOVA_BASE. It holds every IOVA(n),
 * lies inside edu's 28 address bits and is clear of both MSI windows; the
 * first page after it is never mapped, and still in edu's reach.
 */
/*
 * The window the tests ask for holds IOVA(0) on: on pSeries it is the
 * start of the default window, which begins at 0 and has a power-of-two
 * length; elsewhere it starts at IOVA(0).
 */
#if defined(__PPC64__)
#define WIN_START		0ULL
#else
#define WIN_START		IOVA_BASE
#endif
#define WIN_LEN			0x100000ULL
#define WIN_END			(WIN_START + WIN_LEN)
/* A window far beyond the aperture of either IOMMU. */
#define FAR_WIN_START		0x1000000000000000ULL

#define MAX_APERTURES		8

/*
 * The IO page size of the tests' windows: pSeries' default window has
 * 4 KiB TCEs only, under 64 KiB CPU pages; elsewhere the CPU's (0).
 */
#if defined(__PPC64__)
#define WIN_PAGE_SIZE		4096ULL
#else
#define WIN_PAGE_SIZE		0ULL
#endif

/*
 * Grant exactly the window [@start, @start + @len) with IO page size
 * @page_size (0: the CPU's) in IOAS @ioas.
 */
static void grant_window(struct __test_metadata *_metadata, int fd,
			 uint32_t ioas, uint64_t start, uint64_t len,
			 uint64_t page_size)
{
	struct iommu_ioas_window_add cmd = {
		.flags = IOMMU_IOAS_WINDOW_EXACT,
		.ioas_id = ioas,
		.iova = start,
		.length = len,
		.page_size = page_size,
	};

	ASSERT_EQ(0, __ioas_window_add(fd, &cmd))
		TH_LOG("window 0x%llx+0x%llx (pages 0x%llx) refused",
		       (unsigned long long)start, (unsigned long long)len,
		       (unsigned long long)page_size);
	ASSERT_EQ(start, cmd.iova);
}

/* The same with the tests' page size. */
static void grant_exact_window(struct __test_metadata *_metadata, int fd,
			       uint32_t ioas, uint64_t start, uint64_t len)
{
	grant_window(_metadata, fd, ioas, start, len, WIN_PAGE_SIZE);
}

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
	ASSERT_EQ(0, __window_caps(fd, id, cmd));
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
	edu_dma_refused(_metadata, &self->edu, self->sys.bdf, WIN_END,
			DEV_LO, BLOCKED_LEN, 0, true);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	check_refused_read(_metadata, out, src, NULL, BLOCKED_LEN);
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
/* A dynamic DMA window of 1 GiB with 64 KiB TCEs. */
#define DDW_LEN			0x40000000ULL
#define DDW_PAGE_SIZE		0x10000ULL

/*
 * Copy @len bytes from IOVA @from to IOVA @to through edu's buffer, and
 * check that they arrived: @dst is the memory mapped at @to, @src that at
 * @from.
 */
static void edu_copy_check(struct __test_metadata *_metadata,
			   struct edu_dev *edu, uint64_t from, uint64_t to,
			   const uint8_t *src, uint8_t *dst)
{
	fill_unlike(dst, src, XFER_LEN);
	edu_to_dev(edu, from, DEV_LO, XFER_LEN);
	edu_to_ram(edu, DEV_LO, to, XFER_LEN);
	ASSERT_EQ(0, memcmp(dst, src, XFER_LEN))
		TH_LOG("0x%llx -> 0x%llx did not arrive",
		       (unsigned long long)from, (unsigned long long)to);
}

/*
 * A write of the device to @iova must not land: @mem, mapped there before
 * or never, keeps its contents.
 */
static void edu_write_refused(struct __test_metadata *_metadata,
			      struct edu_dev *edu, const char *bdf,
			      uint64_t iova, uint8_t *mem)
{
	uint8_t before[XFER_LEN];

	memcpy(before, mem, XFER_LEN);
	edu_dma_refused(_metadata, edu, bdf, DEV_LO, iova, BLOCKED_LEN,
			EDU_DMA_TO_RAM, false);
	ASSERT_EQ(0, memcmp(before, mem, XFER_LEN));
}

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
	ASSERT_EQ(0, __device_attach_extra(fd, self->dev_id, &pt));
	ksft_print_msg("IOAS %u (default window) and IOAS %u (DDW at 0x%llx, table %u) attached\n",
		       ioas, other, (unsigned long long)TCE_DDW_START, pt);

	fill_pattern(src, PSZ);
	edu_copy_check(_metadata, &self->edu, IOVA(0), TCE_DDW_START, src,
		       high);
	fill_pattern(high, PSZ);
	edu_copy_check(_metadata, &self->edu, TCE_DDW_START, IOVA(1), high,
		       out);

	ASSERT_EQ(0, __device_detach_extra(fd, self->dev_id, other));
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
	ASSERT_EQ(0, __ioas_window_remove(fd, ioas, TCE_DDW_START));
	fill_pattern(src, PSZ);
	edu_copy_check(_metadata, &self->edu, IOVA(0), IOVA(1), src, out);
	grant_window(_metadata, fd, ioas, TCE_DDW_START, DDW_LEN,
		     DDW_PAGE_SIZE);
	ioas_map_fixed(fd, ioas, high, PSZ, TCE_DDW_START);
	fill_pattern(src, PSZ);
	edu_copy_check(_metadata, &self->edu, IOVA(0), TCE_DDW_START, src,
		       high);
	ioas_unmap(fd, ioas, TCE_DDW_START, PSZ);
	ASSERT_EQ(0, __ioas_window_remove(fd, ioas, TCE_DDW_START));

	/* A DDW of 16 MiB TCEs maps whole 16 MiB pages only. */
	grant_window(_metadata, fd, ioas, TCE_DDW_START, 1ULL << 28,
		     1ULL << 24);
	iova = TCE_DDW_START;
	ASSERT_EQ(EINVAL, __ioas_map(fd, ioas, self->mem, MEM_SLOTS * PSZ,
				     &iova, MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_EQ(0, __ioas_window_remove(fd, ioas, TCE_DDW_START));
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

/* ---- fail-nth over the TCE paths ---- */

/*
 * Allocation failure (fail-nth, as in iommufd_faults) on the paths that
 * program pSeries' TCE windows for real, with edu bound through its cdev.
 * A sweep builds its state afresh, arms the thread's fail-nth counter with
 * N, makes the call and reads the counter back; it goes on with N + 1 until
 * a call gets through without reaching the armed point. A call that failed
 * must have failed with ENOMEM and changed nothing user space can see: the
 * IOVA ranges of the IOASes, and edu's DMA, which still goes through the
 * windows it went through before (or, for an attach, nowhere until the
 * device is attached again). After the call that went through, DMA goes
 * through the new windows. A fault that a call absorbed must leave the
 * state of a success. panic_on_warn watches the error paths from inside.
 *
 * The sweeps exempt the platform's spapr_tce_create_table()
 * (arch/powerpc/platforms/pseries/iommu.c) with the stack trace filter of
 * fault injection: an injection point reached from it neither fails nor
 * counts. An allocation failing there after RTAS created a DDW puts the PE
 * on the platform's list of failed DDWs, so that every later DDW create
 * fails until the next boot, and one failing in its iommu_init_table()
 * panics the kernel. Those are the platform's bugs; every other allocation
 * on the paths (ours, the core's, VFIO's) is swept.
 */
#define FAULTS_MAX_NTH		200
#define FAULTS_EXEMPT		"spapr_tce_create_table"

/* The memory of the sweeps, by slot. */
#define F_SRC			0	/* IOAS A: IOVA(0) */
#define F_OUT			1	/* IOAS A: IOVA(1) */
#define F_HIGH			2	/* the DDW of A or B: TCE_DDW_START */
#define F_B_SRC			3	/* IOAS B: IOVA(0) */
#define F_B_OUT			4	/* IOAS B: IOVA(1) */
#define F_B_HIGH		5	/* IOAS B: TCE_DDW_START (replace) */

/* A sweep: the fixture's parts it uses, and the state of one round. */
struct tce_faults {
	int fd;
	uint32_t dev_id;
	struct edu_dev *edu;
	const char *bdf;
	uint8_t *mem;		/* MEM_SLOTS pages */
	struct inject_cfg *inject;
	bool *injecting;	/* the fixture's teardown restores @inject */
	struct {
		uint32_t ioas[2];	/* A, and B where there is one */
		unsigned int nioas;
		struct iova_layout layout[2];
		bool extra;		/* B is edu's extra IOAS */
	} r;
};

struct tce_fault_case {
	const char *name;
	/* Build the state the call runs on, from edu bound and detached. */
	void (*setup)(struct __test_metadata *_metadata, struct tce_faults *f);
	/* The call under test, with fail-nth armed: one ioctl and no more. */
	int (*run)(struct tce_faults *f);
	/* After the call failed: DMA goes where it went before. */
	void (*failed)(struct __test_metadata *_metadata, struct tce_faults *f);
	/* After the call went through: DMA goes through the new windows. */
	void (*done)(struct __test_metadata *_metadata, struct tce_faults *f);
};

/*
 * A new windowed IOAS with the default window, 1 MiB of 4 KiB TCEs at 0,
 * and slots @src and @out mapped at IOVA(0) and IOVA(1).
 */
static uint32_t faults_ioas(struct __test_metadata *_metadata,
			    struct tce_faults *f, unsigned int src,
			    unsigned int out)
{
	uint32_t ioas;

	ioas = ioas_alloc_windowed(f->fd);
	f->r.ioas[f->r.nioas++] = ioas;
	grant_exact_window(_metadata, f->fd, ioas, WIN_START, WIN_LEN);
	ioas_map_fixed(f->fd, ioas, SLOT(f, src), PSZ, IOVA(0));
	ioas_map_fixed(f->fd, ioas, SLOT(f, out), PSZ, IOVA(1));
	return ioas;
}

/* The DDW, 1 GiB of 64 KiB TCEs, in @ioas, with slot @slot at its start. */
static void faults_ddw(struct __test_metadata *_metadata,
		       struct tce_faults *f, uint32_t ioas, unsigned int slot)
{
	grant_window(_metadata, f->fd, ioas, TCE_DDW_START, DDW_LEN,
		     DDW_PAGE_SIZE);
	ioas_map_fixed(f->fd, ioas, SLOT(f, slot), PSZ, TCE_DDW_START);
}

/* A new pattern in slot @src goes from IOVA @from to IOVA @to, slot @dst. */
static void faults_copy(struct __test_metadata *_metadata,
			struct tce_faults *f, uint64_t from, uint64_t to,
			unsigned int src, unsigned int dst)
{
	fill_pattern(SLOT(f, src), PSZ);
	edu_copy_check(_metadata, f->edu, from, to, SLOT(f, src),
		       SLOT(f, dst));
}

/* Through A's default window, as before the call. */
static void faults_copy_a(struct __test_metadata *_metadata,
			  struct tce_faults *f)
{
	faults_copy(_metadata, f, IOVA(0), IOVA(1), F_SRC, F_OUT);
}

/* IOAS A, edu attached to it. */
static void faults_attached(struct __test_metadata *_metadata,
			    struct tce_faults *f)
{
	vfio_attach(f->edu->fd, faults_ioas(_metadata, f, F_SRC, F_OUT));
}

/* 1. Attaching edu to A creates the default window and replays it. */
static void faults_attach_setup(struct __test_metadata *_metadata,
				struct tce_faults *f)
{
	faults_ioas(_metadata, f, F_SRC, F_OUT);
}

static int faults_attach_run(struct tce_faults *f)
{
	uint32_t pt = f->r.ioas[0];

	return edu_vfio_attach(f->edu->fd, &pt);
}

/* Not attached, nothing lands; attached now, DMA works. */
static void faults_attach_failed(struct __test_metadata *_metadata,
				 struct tce_faults *f)
{
	edu_write_refused(_metadata, f->edu, f->bdf, IOVA(1),
			  SLOT(f, F_OUT));
	vfio_attach(f->edu->fd, f->r.ioas[0]);
	faults_copy_a(_metadata, f);
}

static const struct tce_fault_case faults_attach = {
	.name = "attach",
	.setup = faults_attach_setup,
	.run = faults_attach_run,
	.failed = faults_attach_failed,
	.done = faults_copy_a,
};

/* 2. Adding the DDW to A while attached: RTAS creates it. */
static int faults_window_add_run(struct tce_faults *f)
{
	struct iommu_ioas_window_add cmd = {
		.flags = IOMMU_IOAS_WINDOW_EXACT,
		.ioas_id = f->r.ioas[0],
		.iova = TCE_DDW_START,
		.length = DDW_LEN,
		.page_size = DDW_PAGE_SIZE,
	};

	return __ioas_window_add(f->fd, &cmd);
}

static void faults_window_add_done(struct __test_metadata *_metadata,
				   struct tce_faults *f)
{
	struct iova_layout l;

	get_layout(f->fd, f->r.ioas[0], &l);
	ASSERT_EQ(2, l.num);
	ASSERT_EQ(TCE_DDW_START, l.ranges[1].start);
	ASSERT_EQ(TCE_DDW_START + DDW_LEN - 1, l.ranges[1].last);
	ioas_map_fixed(f->fd, f->r.ioas[0], SLOT(f, F_HIGH), PSZ,
		       TCE_DDW_START);
	faults_copy(_metadata, f, IOVA(0), TCE_DDW_START, F_SRC, F_HIGH);
}

static const struct tce_fault_case faults_window_add = {
	.name = "window_add",
	.setup = faults_attached,
	.run = faults_window_add_run,
	.failed = faults_copy_a,
	.done = faults_window_add_done,
};

/* 3. B, holding the DDW, as edu's extra IOAS next to A. */
static void faults_extra_setup(struct __test_metadata *_metadata,
			       struct tce_faults *f)
{
	uint32_t b;

	faults_attached(_metadata, f);
	b = ioas_alloc_windowed(f->fd);
	f->r.ioas[f->r.nioas++] = b;
	faults_ddw(_metadata, f, b, F_HIGH);
}

static int faults_extra_run(struct tce_faults *f)
{
	uint32_t pt = f->r.ioas[1];

	return __device_attach_extra(f->fd, f->dev_id, &pt);
}

/* B is not attached, and its DDW takes nothing. */
static void faults_extra_failed(struct __test_metadata *_metadata,
				struct tce_faults *f)
{
	ASSERT_EQ(ENOENT, __device_detach_extra(f->fd, f->dev_id,
						f->r.ioas[1]));
	faults_copy_a(_metadata, f);
	edu_write_refused(_metadata, f->edu, f->bdf, TCE_DDW_START,
			  SLOT(f, F_HIGH));
}

static void faults_extra_done(struct __test_metadata *_metadata,
			      struct tce_faults *f)
{
	f->r.extra = true;
	faults_copy(_metadata, f, IOVA(0), TCE_DDW_START, F_SRC, F_HIGH);
}

static const struct tce_fault_case faults_attach_extra = {
	.name = "attach_extra",
	.setup = faults_extra_setup,
	.run = faults_extra_run,
	.failed = faults_extra_failed,
	.done = faults_extra_done,
};

/*
 * 4. Replacing A by B, which has a default window of other pages and the
 * DDW: A's window goes, B's two come.
 */
static void faults_replace_setup(struct __test_metadata *_metadata,
				 struct tce_faults *f)
{
	uint32_t b;

	faults_attached(_metadata, f);
	b = faults_ioas(_metadata, f, F_B_SRC, F_B_OUT);
	faults_ddw(_metadata, f, b, F_B_HIGH);
}

static int faults_replace_run(struct tce_faults *f)
{
	uint32_t pt = f->r.ioas[1];

	return edu_vfio_attach(f->edu->fd, &pt);
}

/* Still A's: its pages, and no DDW. */
static void faults_replace_failed(struct __test_metadata *_metadata,
				  struct tce_faults *f)
{
	faults_copy_a(_metadata, f);
	edu_write_refused(_metadata, f->edu, f->bdf, TCE_DDW_START,
			  SLOT(f, F_B_HIGH));
}

/* B's default window and DDW; nothing lands in A's pages. */
static void faults_replace_done(struct __test_metadata *_metadata,
				struct tce_faults *f)
{
	uint8_t before[XFER_LEN];

	memcpy(before, SLOT(f, F_OUT), XFER_LEN);
	faults_copy(_metadata, f, IOVA(0), TCE_DDW_START, F_B_SRC, F_B_HIGH);
	faults_copy(_metadata, f, TCE_DDW_START, IOVA(1), F_B_HIGH, F_B_OUT);
	ASSERT_EQ(0, memcmp(before, SLOT(f, F_OUT), XFER_LEN));
}

static const struct tce_fault_case faults_replace = {
	.name = "replace",
	.setup = faults_replace_setup,
	.run = faults_replace_run,
	.failed = faults_replace_failed,
	.done = faults_replace_done,
};

/* Back to edu bound and detached, without IOASes. */
static void faults_reset(struct __test_metadata *_metadata,
			 struct tce_faults *f)
{
	unsigned int i;

	if (f->r.extra)
		ASSERT_EQ(0, __device_detach_extra(f->fd, f->dev_id,
						   f->r.ioas[1]));
	ASSERT_EQ(0, edu_vfio_detach(f->edu->fd));
	for (i = 0; i != f->r.nioas; i++)
		iommufd_destroy(f->fd, f->r.ioas[i]);
}

/*
 * Run the call with the Nth injection point armed; returns its errno and
 * sets *@fired if the point was reached.
 */
static int faults_run_nth(struct __test_metadata *_metadata,
			  const struct tce_fault_case *c, struct tce_faults *f,
			  unsigned int nth, bool *fired)
{
	unsigned int left = 0;
	int rc, rc_set;

	rc_set = fail_nth_set(f->inject->nth_fd, nth);
	rc = c->run(f);
	EXPECT_EQ(0, fail_nth_get(f->inject->nth_fd, &left));
	EXPECT_EQ(0, fail_nth_set(f->inject->nth_fd, 0));
	ASSERT_EQ(0, rc_set);
	*fired = !left;
	return rc;
}

/* Sweep @c over the injection points, with the knobs set up. */
static void faults_sweep(struct __test_metadata *_metadata,
			 struct tce_faults *f, const struct tce_fault_case *c)
{
	unsigned int nth, nfired = 0, nfailed = 0, i;
	struct iova_layout l;
	bool fired;
	int rc;

	for (nth = 1;; nth++) {
		ASSERT_GE(FAULTS_MAX_NTH, nth)
			TH_LOG("%s: still failing after %u injection points",
			       c->name, FAULTS_MAX_NTH);
		memset(&f->r, 0, sizeof(f->r));
		c->setup(_metadata, f);
		for (i = 0; i != f->r.nioas; i++)
			get_layout(f->fd, f->r.ioas[i], &f->r.layout[i]);

		rc = faults_run_nth(_metadata, c, f, nth, &fired);
		if (fired)
			nfired++;
		if (rc) {
			ASSERT_TRUE(fired)
				TH_LOG("%s: %s without an injected fault",
				       c->name, strerror(rc));
			ASSERT_EQ(ENOMEM, rc)
				TH_LOG("%s, point %u: %s", c->name, nth,
				       strerror(rc));
			nfailed++;
			for (i = 0; i != f->r.nioas; i++) {
				get_layout(f->fd, f->r.ioas[i], &l);
				ASSERT_TRUE(iova_layout_equal(&f->r.layout[i],
							      &l))
					TH_LOG("%s, point %u: IOAS %u changed",
					       c->name, nth, f->r.ioas[i]);
			}
			c->failed(_metadata, f);
		} else {
			c->done(_metadata, f);
		}
		faults_reset(_metadata, f);
		if (!fired)
			break;
	}
	ksft_print_msg("%s: %u injection points, %u of them failed the call\n",
		       c->name, nfired, nfailed);
	/* Else the sweep tested nothing: the path or the knobs changed. */
	ASSERT_LT(0, nfailed);
}

/*
 * Set the knobs up, exempting the platform's DDW code (see above), and
 * sweep @c; the fixture's teardown puts the knobs back if the sweep fails.
 */
static void faults_test(struct __test_metadata *_metadata,
			struct tce_faults *f, const struct tce_fault_case *c)
{
	uint64_t start, end;
	int rc;

	rc = inject_setup(f->inject);
	if (rc == EOPNOTSUPP)
		SKIP(return, NO_INJECT_MSG);
	ASSERT_EQ(0, rc);
	*f->injecting = true;
	rc = kallsyms_text_range(FAULTS_EXEMPT, &start, &end);
	ASSERT_EQ(0, rc)
		TH_LOG("%s in /proc/kallsyms: %s", FAULTS_EXEMPT,
		       strerror(rc));
	rc = inject_reject_range(f->inject, start, end);
	if (rc == EOPNOTSUPP)
		SKIP(return, NO_INJECT_FILTER_MSG);
	ASSERT_EQ(0, rc);
	ksft_print_msg("%s: %s exempt, 0x%llx-0x%llx\n", c->name,
		       FAULTS_EXEMPT, (unsigned long long)start,
		       (unsigned long long)end - 1);
	faults_sweep(_metadata, f, c);
	inject_restore(f->inject);
	*f->injecting = false;
}

TEST_F_TIMEOUT(edu_cdev, faults_attach, 120)
{
	struct tce_faults f = {
		.fd = self->iommufd, .dev_id = self->dev_id,
		.edu = &self->edu, .bdf = self->sys.bdf, .mem = self->mem,
		.inject = &self->inject, .injecting = &self->injecting,
	};

	faults_test(_metadata, &f, &faults_attach);
}

TEST_F_TIMEOUT(edu_cdev, faults_window_add, 120)
{
	struct tce_faults f = {
		.fd = self->iommufd, .dev_id = self->dev_id,
		.edu = &self->edu, .bdf = self->sys.bdf, .mem = self->mem,
		.inject = &self->inject, .injecting = &self->injecting,
	};

	faults_test(_metadata, &f, &faults_window_add);
}

TEST_F_TIMEOUT(edu_cdev, faults_attach_extra, 120)
{
	struct tce_faults f = {
		.fd = self->iommufd, .dev_id = self->dev_id,
		.edu = &self->edu, .bdf = self->sys.bdf, .mem = self->mem,
		.inject = &self->inject, .injecting = &self->injecting,
	};

	faults_test(_metadata, &f, &faults_attach_extra);
}

TEST_F_TIMEOUT(edu_cdev, faults_replace, 120)
{
	struct tce_faults f = {
		.fd = self->iommufd, .dev_id = self->dev_id,
		.edu = &self->edu, .bdf = self->sys.bdf, .mem = self->mem,
		.inject = &self->inject, .injecting = &self->injecting,
	};

	faults_test(_metadata, &f, &faults_replace);
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
	ASSERT_EQ(0, __ioas_window_remove(fd, ioas, WIN_START));
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
	ASSERT_EQ(1, ioctl(self->iommufd, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_IOMMU));
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
 * VFIO_IOMMU_MAP_DMA on /dev/iommu maps for the device; the container's
 * IOAS is an ordinary one that IOMMU_IOAS_MAP maps into as well; after
 * VFIO_IOMMU_UNMAP_DMA the device cannot read the page, and the IOMMU
 * reports the fault.
 */
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
	ASSERT_EQ(0, __vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &ioas));
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
	edu_dma_refused(_metadata, &self->edu, self->sys.bdf, IOVA(2),
			DEV_LO, BLOCKED_LEN, 0, true);
	edu_to_ram(&self->edu, DEV_LO, IOVA(1), XFER_LEN);
	check_refused_read(_metadata, out, src, gone, BLOCKED_LEN);
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
