/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * What the tests of QEMU's edu device (iommufd_edu, iommufd_edu_window and
 * iommufd_edu_faults) share: the fixture edu_cdev, the layout of their
 * memory and IOVAs, transfers and their checks, and the IOVA ranges and
 * windows of the IOMMU. iommufd_edu.c tells how the tests use the device.
 *
 * As upstream's iommufd_utils.h, the helpers are static functions, each
 * test file (one binary each) taking its own copy, and this header goes
 * after kselftest_harness.h. The functions taking _metadata assert through
 * the harness, so they may only be used inside a TEST_F body or a
 * fixture's setup. Not every test uses each helper: the Makefile builds
 * with -Wno-unused-function.
 */
#ifndef __EDU_TEST_H
#define __EDU_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"
#include "edu.h"

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
 * The fixture of the tests through edu's VFIO cdev: edu bound to a new
 * iommufd (as device @dev_id) and ready for transfers, and MEM_SLOTS pages
 * of memory. A test file declares it with FIXTURE(edu_cdev); and calls
 * edu_cdev_fixture_setup() and edu_cdev_fixture_teardown() (at the end of
 * this header) from its FIXTURE_SETUP and FIXTURE_TEARDOWN. The functions
 * name its type as FIXTURE_DATA(edu_cdev) expands, struct
 * _test_data_edu_cdev.
 */
FIXTURE_DATA(edu_cdev) {
	struct edu_sys sys;
	struct edu_dev edu;
	int iommufd;
	uint32_t dev_id;
	uint8_t *mem;		/* MEM_SLOTS pages */
	/* The fail-nth knobs, set while @injecting (faults_* tests). */
	struct inject_cfg inject;
	bool injecting;
};

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

/* Make the open VFIO device edu->fd ready for transfers (edu_init()). */
static void edu_ready(struct __test_metadata *_metadata, struct edu_dev *edu)
{
	char why[128] = "";

	ASSERT_EQ(0, edu_init(edu, why, sizeof(why)))
		TH_LOG("edu: %s", why);
}

/* One transfer of the DMA engine (__edu_dma()), asserting success. */
#define edu_dma(edu, src, dst, len, flags) \
	ASSERT_EQ(0, __edu_dma(edu, src, dst, len, flags))

/* Copy @len bytes from IOVA @iova into the device's buffer at @dev. */
#define edu_to_dev(edu, iova, dev, len) edu_dma(edu, iova, dev, len, 0)

/* Copy @len bytes from the device's buffer at @dev out to IOVA @iova. */
#define edu_to_ram(edu, dev, iova, len) \
	edu_dma(edu, dev, iova, len, EDU_DMA_TO_RAM)

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

/* Is every one of the @len bytes at @buf @val? */
static bool all_bytes(const uint8_t *buf, size_t len, uint8_t val)
{
	size_t i;

	for (i = 0; i != len; i++) {
		if (buf[i] != val)
			return false;
	}
	return true;
}

/* MEM_SLOTS zeroed pages, shared with forks; MAP_FAILED on failure. */
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

/*
 * Both drivers print faults through a ratelimit of 10 messages per 5 s
 * (intel-iommu counts three per fault: the status, the record, and the
 * check that ends its loop). A test that looks for its fault in the log
 * first lets the window of the previous faults end.
 */
#define FAULT_QUIET_MS		6000

/*
 * CLOCK_MONOTONIC (ms) of the last transfer that should have faulted, in
 * memory shared by the processes the harness forks for each test. Each
 * binary has its own: nothing is shared between the binaries.
 */
static uint64_t *last_fault_ms;

/* Before main(): map the memory of last_fault_ms (NULL if that fails). */
static void __attribute__((constructor)) edu_shared_init(void)
{
	void *p = mmap(NULL, sizeof(*last_fault_ms), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	last_fault_ms = p == MAP_FAILED ? NULL : p;
}

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
 * the transfer's IOVA in the kernel log; the transfer then first waits for
 * the ratelimit of the driver's fault messages to let the faults of the
 * transfers before it go by.
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
		edu_dma(edu, src, dst, len, flags);
		fault_note();
		return;
	}

	fault_log_quiesce();
	kmsg = edu_kmsg_open();
	ASSERT_LE(0, kmsg);
	edu_dma(edu, src, dst, len, flags);
	found = edu_kmsg_find_fault(kmsg, bdf, iova, line, sizeof(line));
	fault_note();
	close(kmsg);
	ASSERT_TRUE(found)
		TH_LOG("no %s fault of %s at IOVA 0x%llx in the kernel log",
		       EDU_FAULT_LOG_SOURCE, bdf, (unsigned long long)iova);
	ksft_print_msg("%s fault at IOVA 0x%llx: %s\n", EDU_FAULT_LOG_SOURCE,
		       (unsigned long long)iova, line);
}

/*
 * A read the IOMMU must refuse, seen through the device's buffer: edu reads
 * BLOCKED_LEN bytes from @bad into the start of its buffer (with
 * @check_log, the fault must be in the kernel log), then writes the whole
 * buffer to @out through @good; what the refused read left is checked as
 * check_refused_read() does, against @before, what the buffer held, and
 * @behind, what @bad maps or mapped in our memory (or NULL).
 */
static void edu_read_refused(struct __test_metadata *_metadata,
			     struct edu_dev *edu, const char *bdf,
			     uint64_t bad, uint64_t good, uint8_t *out,
			     const uint8_t *before, const uint8_t *behind,
			     bool check_log)
{
	edu_dma_refused(_metadata, edu, bdf, bad, DEV_LO, BLOCKED_LEN, 0,
			check_log);
	edu_to_ram(edu, DEV_LO, good, XFER_LEN);
	check_refused_read(_metadata, out, before, behind, BLOCKED_LEN);
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

/* Print the @n ranges @r, each line headed by @what. */
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
#endif

/*
 * Is @last the last IOVA the IOMMU translates for device @dev_id? On
 * x86_64 that of a VT-d paging domain, as its driver builds it from the
 * capability register; on arm64 one of 32 to 48 bits.
 */
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

/*
 * The pSeries machine's PHB as boot.sh makes it (QEMU's defaults with
 * ddw=on): the default window is 1 GiB of 4 KiB TCEs at 0, and a dynamic
 * DMA window, at 1 << 59, may have 4 KiB, 64 KiB, 2 MiB or 16 MiB TCEs.
 */
#define TCE_DMA32_SIZE		0x40000000ULL
#define TCE_DDW_START		0x0800000000000000ULL
#define TCE_DDW_PAGE_SIZES	0x1211000ULL

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

/*
 * The IO page size of the tests' windows: pSeries' default window has
 * 4 KiB TCEs only, under 64 KiB CPU pages; elsewhere the CPU's (0).
 */
#if defined(__PPC64__)
#define WIN_PAGE_SIZE		4096ULL
#else
#define WIN_PAGE_SIZE		0ULL
#endif

/* A dynamic DMA window (pSeries) of 1 GiB with 64 KiB TCEs. */
#define DDW_LEN			0x40000000ULL
#define DDW_PAGE_SIZE		0x10000ULL

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

/* The same with the tests' page size (WIN_PAGE_SIZE). */
static void grant_exact_window(struct __test_metadata *_metadata, int fd,
			       uint32_t ioas, uint64_t start, uint64_t len)
{
	grant_window(_metadata, fd, ioas, start, len, WIN_PAGE_SIZE);
}

/*
 * Copy XFER_LEN bytes from IOVA @from to IOVA @to through edu's buffer,
 * and check that they arrived: @dst is the memory mapped at @to, @src that
 * at @from.
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

/* ---- the fixture edu_cdev ---- */

/* Set up edu_cdev @self, or skip (see edu_skip()). */
static void edu_cdev_fixture_setup(struct __test_metadata *_metadata,
				   struct _test_data_edu_cdev *self)
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

/* Put back the fail-nth knobs if still set, release edu and the memory. */
static void edu_cdev_fixture_teardown(struct _test_data_edu_cdev *self)
{
	if (self->injecting)
		inject_restore(&self->inject);
	edu_close(&self->edu);
	if (self->iommufd >= 0)
		close(self->iommufd);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, MEM_SLOTS * PSZ);
}

#endif
