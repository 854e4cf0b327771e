// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * A guided tour of /dev/iommu for `make run`: each step says what it does,
 * does it, and shows what the kernel answered.
 *
 * The tour is that of a user-space driver for QEMU's "edu" PCI device. It
 * makes a windowed IO address space, asks the kernel for a window of IOVA
 * that edu's 28-bit DMA engine can reach, hands edu to VFIO and /dev/iommu,
 * and lets edu copy memory through the IOMMU (VT-d on x86_64): first
 * through mappings that exist, then at an IOVA that no longer does, which
 * the IOMMU blocks and reports.
 *
 * On pSeries (ppc64le) the IOMMU is the PHB's TCE tables, which the
 * hypervisor owns: a windowed IOAS's windows exist there only while a
 * device is attached. So the tour attaches edu to the empty IOAS first,
 * then asks for a window by constraints that only the dynamic DMA window
 * (DDW) meets, which firmware creates at 1 << 59 on the spot; edu, with a
 * 64-bit DMA mask, copies through its 64 KiB TCEs. TCE hardware reports no
 * faults, so a blocked write shows only as memory left untouched.
 *
 * Without edu or its VFIO cdev only the /dev/iommu part runs. The exit
 * status is 0 only if every step behaved as expected.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/iommufd.h>

#include "edu.h"

/*
 * What differs between the machines: the window asked for, when it can be
 * asked for, and what the IOMMU does in the steps that tell it.
 */
struct story {
	/* IOMMU_IOAS_WINDOW_ADD, by constraints */
	unsigned long long win_len;
	unsigned long long win_lowest;
	unsigned long long win_highest;		/* 0: no limit */
	unsigned long long win_page_size;	/* 0: PAGE_SIZE */
	/* windows exist only while a device is attached: ask after attach */
	bool win_after_attach;
	/* the texts of the steps that differ */
	const char *ask_window;
	const char *attach;
	const char *map;
	const char *dma;
	const char *blocked;
	const char *remove_window;
};

#if defined(__PPC64__)
/* Where PAPR firmware places the dynamic DMA window (DDW). */
#define TCE_DDW_START		0x0800000000000000ULL	/* 1 << 59 */
/* The PHB as boot.sh makes it: a 1 GiB default window of 4 KiB TCEs at 0 */
#define TCE_DMA32_LAST		0x3fffffffULL
#define TCE_DDW_PAGE_SIZES	0x1211000ULL	/* 4K 64K 2M 16M */
#define TCE_APERTURE_FLAGS	(IOMMU_APERTURE_FIXED_START |		\
				 IOMMU_APERTURE_ONE_PAGE_SIZE |		\
				 IOMMU_APERTURE_POW2_LENGTH)

/* The window: 1 GiB of 64 KiB TCEs at 4 GiB or above, so the DDW. */
static const struct story story = {
	.win_len = 0x40000000ULL,
	.win_lowest = 1ULL << 32,
	.win_highest = 0,
	.win_page_size = 0x10000ULL,
	.win_after_attach = true,
	.ask_window =
	"Ask for a window by constraints (IOMMU_IOAS_WINDOW_ADD):\n"
	"    \"1 GiB of 64 KiB IO pages, at 4 GiB or above\" (length\n"
	"    0x40000000, page size 0x10000, lowest IOVA 0x100000000,\n"
	"    highest 0: no limit). The default window cannot be it; the\n"
	"    kernel chooses the DDW's place, and firmware creates the DDW\n"
	"    now, as edu is attached.",
	.attach =
	"Attach edu to the IOAS (VFIO_DEVICE_ATTACH_IOMMUFD_PT) while\n"
	"    it has no window yet. On pSeries the hypervisor owns the TCE\n"
	"    tables: an IOAS's windows exist there only while a device is\n"
	"    attached, so windows are asked for after this. Until then edu\n"
	"    reaches no memory at all.",
	.map =
	"Map two pages (64 KiB each on this kernel) of our memory into\n"
	"    the IOAS (IOMMU_IOAS_MAP), leaving the IOVAs to the kernel:\n"
	"    \"source\", holding a message, and \"result\", zeros. The kernel\n"
	"    pins the pages and has the hypervisor write their TCEs into\n"
	"    the DDW.",
	.dma =
	"DMA: edu reads 1 KiB at the source's IOVA into its own\n"
	"    buffer, then writes it out at the result's IOVA: addresses\n"
	"    above 1 << 59, which edu's 64-bit DMA mask reaches. The PHB\n"
	"    translates every access through the DDW's 64 KiB TCEs.",
	.blocked =
	"DMA to the old IOVA: edu writes 4 bytes of its buffer at the\n"
	"    result's former IOVA. Its TCE is clear, so the PHB blocks the\n"
	"    write. TCE hardware reports no fault to the kernel: the\n"
	"    untouched page is all there is to see.",
	.remove_window =
	"Remove the window (IOMMU_IOAS_WINDOW_REMOVE). Nothing\n"
	"    is mapped in it any more, so the kernel lets it go, and\n"
	"    firmware removes the DDW.",
};
#else
/* The window: 1 MiB, anywhere below edu's 28-bit DMA limit. */
static const struct story story = {
	.win_len = 0x100000ULL,
	.win_lowest = 0x100000ULL,	/* keep IOVA 0 out of the story */
	.win_highest = EDU_DMA_MASK,
	.ask_window =
	"Ask for a window by constraints (IOMMU_IOAS_WINDOW_ADD):\n"
	"    \"1 MiB, from 1 MiB up to edu's 28-bit DMA limit\" (length\n"
	"    1 MiB, lowest IOVA 0x100000, highest 0xfffffff). The kernel\n"
	"    chooses the place.",
	.attach =
	"Attach edu to the IOAS (VFIO_DEVICE_ATTACH_IOMMUFD_PT). The\n"
	"    kernel checks the window against the IOMMU first, then\n"
	"    builds the IOMMU's page table for the IOAS.",
	.map =
	"Map two pages of our memory into the IOAS (IOMMU_IOAS_MAP),\n"
	"    leaving the IOVAs to the kernel: \"source\", holding a\n"
	"    message, and \"result\", zeros. The kernel pins the pages\n"
	"    and writes them into the IOMMU's page table.",
	.dma =
	"DMA: edu reads 1 KiB at the source's IOVA into its own\n"
	"    buffer, then writes it out at the result's IOVA. The IOMMU\n"
	"    translates every access through the page table.",
	.blocked =
	"DMA to the old IOVA: edu writes 4 bytes of its buffer at the\n"
	"    result's former IOVA. The IOMMU finds no translation and\n"
	"    blocks the write; its driver reports the fault.",
	.remove_window =
	"Remove the window (IOMMU_IOAS_WINDOW_REMOVE). Nothing\n"
	"    is mapped in it any more, so the kernel lets it go.",
};
#endif

/* What edu copies when it works: 1 KiB of text. */
#define XFER_LEN	1024
#define MESSAGE		"Hello from user space, through the IOMMU and back! "
/*
 * What it tries to write where the IOMMU must stop it: one 32-bit word.
 * QEMU translates a refused access in 32-bit pieces, and the IOMMU driver
 * reports each; one is enough.
 */
#define BLOCKED_LEN	4

#define MAX_APERTURES	4
#define MAX_RANGES	16

#define MAP_RW	(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

static int step_no;
static int failures;

static void step(const char *what)
{
	printf("\n[%d] %s\n", ++step_no, what);
}

/* The outcome of a step meant to succeed; @rc != 0 is a failure (errno). */
static int result(int rc, const char *detail)
{
	if (rc) {
		printf("    -> failed: %s (%s)\n", strerror(errno), detail);
		failures++;
	} else {
		printf("    -> ok: %s\n", detail);
	}
	return rc;
}

/* For steps meant to be refused: 0 if the kernel said @err. */
static int expect_refusal(int rc, int err, const char *detail)
{
	if (!rc || errno != err) {
		printf("    -> UNEXPECTED: %s\n", rc ? strerror(errno) : "success");
		failures++;
		return 1;
	}
	printf("    -> refused as expected with %s: %s\n", strerror(err), detail);
	return 0;
}

/* A check of what a step did; returns @ok. */
static bool check(bool ok, const char *good, const char *bad)
{
	if (ok) {
		printf("    -> ok: %s\n", good);
	} else {
		printf("    -> UNEXPECTED: %s\n", bad);
		failures++;
	}
	return ok;
}

/* A library helper's errno as an ioctl's result: 0, or -1 with errno. */
static int lib_rc(int err)
{
	errno = err;
	return err ? -1 : 0;
}

/* "4K 2M 1G" for a bitmap of page sizes. */
static const char *page_sizes(unsigned long long bitmap, char *buf, size_t size)
{
	static const char unit[] = "KMGTPE";
	size_t used = 0;
	unsigned int bit;

	buf[0] = 0;
	for (bit = 10; bit != 64 && used < size; bit++) {
		if (!(bitmap & (1ULL << bit)))
			continue;
		used += snprintf(buf + used, size - used, "%s%llu%c",
				 used ? " " : "",
				 1ULL << ((bit - 10) % 10),
				 unit[(bit - 10) / 10]);
	}
	return buf[0] ? buf : "(none)";
}

/* What the reserved ranges the demo knows of are for. */
static const char *reserved_meaning(unsigned long long start, unsigned long long last)
{
	if (start == 0xfee00000ULL && last == 0xfeefffffULL)
		return "VT-d's interrupt range: writes here are interrupts";
	if (start == 0x8000000ULL && last == 0x80fffffULL)
		return "SMMUv3's MSI window: the MSI doorbell goes here";
	return "reserved by the platform";
}

/* IOMMU_IOAS_IOVA_RANGES of @ioas, printed; the number of ranges, or -1. */
static int show_ranges(int fd, unsigned int ioas, struct iommu_iova_range *r)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.num_iovas = MAX_RANGES,
		.allowed_iovas = (uintptr_t)r,
	};
	char buf[96];
	unsigned int i;
	int rc;

	rc = ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd);
	snprintf(buf, sizeof(buf), "IOVA_RANGES: %u usable range(s)",
		 cmd.num_iovas);
	if (result(rc, buf))
		return -1;
	for (i = 0; i != cmd.num_iovas && i != MAX_RANGES; i++)
		printf("       0x%llx-0x%llx\n", (unsigned long long)r[i].start,
		       (unsigned long long)r[i].last);
	return cmd.num_iovas;
}

static int ioas_map(int fd, unsigned int ioas, void *buf, unsigned long long len,
		    unsigned long long *iova, unsigned int flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags | MAP_RW,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = *iova,
	};
	int rc;

	rc = ioctl(fd, IOMMU_IOAS_MAP, &cmd);
	if (!rc)
		*iova = cmd.iova;
	return rc;
}

static int ioas_unmap(int fd, unsigned int ioas, unsigned long long iova, unsigned long long len,
		      unsigned long long *done)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};
	int rc;

	rc = ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);
	*done = rc ? 0 : cmd.length;
	return rc;
}

static int window_remove(int fd, unsigned int ioas, unsigned long long start)
{
	struct iommu_ioas_window_remove cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = start,
	};

	return ioctl(fd, IOMMU_IOAS_WINDOW_REMOVE, &cmd);
}

#if defined(__x86_64__)
/* Does one of the @n ranges @r hold all of [start, last]? */
static bool holds(const struct iommu_iova_range *r, unsigned int n,
		  unsigned long long start, unsigned long long last)
{
	unsigned int i;

	for (i = 0; i != n; i++) {
		if (r[i].start <= start && last <= r[i].last)
			return true;
	}
	return false;
}
#endif

/* Does [start, last] meet one of the @n ranges @r? */
static bool touches(const struct iommu_iova_range *r, unsigned int n,
		    unsigned long long start, unsigned long long last)
{
	unsigned int i;

	for (i = 0; i != n; i++) {
		if (r[i].start <= last && start <= r[i].last)
			return true;
	}
	return false;
}

/* Printable text of @buf, @len bytes at most. */
static void show_text(const char *what, const unsigned char *buf, size_t len)
{
	size_t i;

	printf("       %s \"", what);
	for (i = 0; i != len; i++)
		putchar(buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '.');
	printf("\"\n");
}

static bool all_zero(const unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i != len; i++) {
		if (buf[i])
			return false;
	}
	return true;
}

/* The state of the tour, for the device part and the cleanup. */
struct tour {
	int fd;			/* /dev/iommu */
	unsigned int ioas;
	unsigned long long win_start, win_last;
	bool have_window;
	struct edu_sys sys;
	struct edu_dev edu;
	unsigned int dev_id;
	bool attached;
	unsigned char *mem;		/* two pages: source, result */
	unsigned long long src_iova, res_iova;
	bool src_mapped, res_mapped;
};

#if defined(__PPC64__)
/*
 * pSeries' two TCE windows, as IOMMU_WINDOW_CAPS describes them; true if
 * they are what the machine has.
 */
static bool tce_caps_check(const struct iommu_window_aperture *ap,
			   const struct iommu_window_caps *cmd)
{
	bool ok = cmd->num_apertures == 2 && cmd->out_max_windows == 2;
	unsigned int i;

	if (!check(ok, "two apertures, at most two windows: a PE's two TCE tables",
		   "not the two windows of a pSeries PE"))
		return false;
	ok = ap[0].start == 0 && ap[0].last == TCE_DMA32_LAST &&
	     ap[0].page_sizes == 4096;
	ok = check(ok, "aperture 0 is the default 32-bit window: 1 GiB at 0,\n"
		   "       4K TCEs only",
		   "aperture 0 is not the 1 GiB default window of 4K TCEs");
	ok &= check(ap[1].start == TCE_DDW_START && ap[1].last > ap[1].start &&
		    ap[1].page_sizes == TCE_DDW_PAGE_SIZES,
		    "aperture 1 is the dynamic DMA window (DDW): firmware\n"
		    "       places it at 1 << 59, with 4K to 16M TCEs",
		    "aperture 1 is not the DDW at 1 << 59 with 4K-16M TCEs");
	for (i = 0; i != 2; i++) {
		if (ap[i].flags != TCE_APERTURE_FLAGS || ap[i].max_levels != 1)
			break;
	}
	ok &= check(i == 2,
		    "both: fixed start, one page size per window,\n"
		    "       power-of-two length, one table level",
		    "the apertures' flags or levels are not the TCE tables'");
	ok &= check(!cmd->num_reserved,
		    "no reserved IOVA: the hypervisor handles MSIs",
		    "the TCE tables reserve IOVA");
	return ok;
}
#endif

/* What the IOMMU can do for edu: IOMMU_WINDOW_CAPS of the bound device. */
static int show_device_caps(struct tour *t)
{
	struct iommu_window_aperture ap[MAX_APERTURES];
	struct iommu_iova_range rsv[MAX_RANGES];
	struct iommu_window_caps cmd = {
		.size = sizeof(cmd),
		.object_id = t->dev_id,
		.num_apertures = MAX_APERTURES,
		.num_reserved = MAX_RANGES,
		.apertures = (uintptr_t)ap,
		.reserved = (uintptr_t)rsv,
	};
	bool in_aperture = false;
	char buf[128];
	unsigned int i;

	step("Ask what windows edu's IOMMU can give (IOMMU_WINDOW_CAPS of\n"
	     "    the device): where it translates, with which page sizes,\n"
	     "    and which IOVA it keeps for itself.");
	if (result(ioctl(t->fd, IOMMU_WINDOW_CAPS, &cmd), "the IOMMU's caps"))
		return -1;
	for (i = 0; i != cmd.num_apertures && i != MAX_APERTURES; i++) {
		printf("       aperture: 0x%llx-0x%llx, page sizes %s\n",
		       (unsigned long long)ap[i].start,
		       (unsigned long long)ap[i].last,
		       page_sizes(ap[i].page_sizes, buf, sizeof(buf)));
		if (ap[i].start <= t->win_start && t->win_last <= ap[i].last)
			in_aperture = true;
	}
	if (cmd.out_max_windows)
		printf("       at most %u windows\n", cmd.out_max_windows);
	else
		printf("       any number of windows inside the aperture\n");
	for (i = 0; i != cmd.num_reserved && i != MAX_RANGES; i++)
		printf("       reserved: 0x%llx-0x%llx  %s\n",
		       (unsigned long long)rsv[i].start,
		       (unsigned long long)rsv[i].last,
		       reserved_meaning(rsv[i].start, rsv[i].last));
#if defined(__x86_64__)
	if (!check(holds(rsv, cmd.num_reserved, 0xfee00000ULL, 0xfeefffffULL),
		   "VT-d's interrupt range 0xfee00000-0xfeefffff is reserved",
		   "VT-d's interrupt range is not among the reserved ranges"))
		return -1;
#endif
#if defined(__PPC64__)
	if (!tce_caps_check(ap, &cmd))
		return -1;
#endif
	/* Where windows come only after attach (pSeries), none is here yet. */
	if (t->have_window &&
	    !check(in_aperture && !touches(rsv, cmd.num_reserved,
					   t->win_start, t->win_last),
		   "our window is inside the aperture and clear of them",
		   "our window does not suit this IOMMU"))
		return -1;
	return 0;
}

/*
 * Ask for the window by the story's constraints, and show what can be
 * mapped then; 0, or -1 if the kernel gave no window.
 */
static int add_window(struct tour *t)
{
	struct iommu_ioas_window_add win = {
		.size = sizeof(win),
		.ioas_id = t->ioas,
		.length = story.win_len,
		.lowest = story.win_lowest,
		.highest = story.win_highest,
		.page_size = story.win_page_size,
	};
	struct iommu_iova_range r[MAX_RANGES];
	char buf[160];
	int rc, n;

	step(story.ask_window);
	rc = ioctl(t->fd, IOMMU_IOAS_WINDOW_ADD, &win);
	t->win_start = win.iova;
	t->win_last = win.iova + story.win_len - 1;
	snprintf(buf, sizeof(buf), "the kernel placed it at 0x%llx-0x%llx",
		 (unsigned long long)t->win_start,
		 (unsigned long long)t->win_last);
	if (result(rc, buf))
		return -1;
	t->have_window = true;
#if defined(__PPC64__)
	check(t->win_start == TCE_DDW_START,
	      "at 1 << 59: the DDW, which firmware has just created",
	      "not at 1 << 59, where firmware places the DDW");
#else
	check(t->win_last <= story.win_highest, "below the limit, as asked",
	      "the window is beyond what edu can reach");
#endif

	step("Show what can be mapped now (IOMMU_IOAS_IOVA_RANGES).");
	n = show_ranges(t->fd, t->ioas, r);
	if (n >= 0)
		check(n == 1 && r[0].start == t->win_start &&
		      r[0].last == t->win_last,
		      "exactly the window", "not the window we were given");
	return 0;
}

/*
 * edu copies @len bytes from IOVA @from into its own buffer, then from
 * there to IOVA @to; 0 or the failing transfer's negative errno.
 */
static int edu_copy(struct edu_dev *edu, unsigned long long from, unsigned long long to,
		    unsigned long long len)
{
	int rc;

	rc = __edu_dma(edu, from, EDU_BUF_ADDR, len, 0);
	if (!rc)
		rc = __edu_dma(edu, EDU_BUF_ADDR, to, len, EDU_DMA_TO_RAM);
	return rc;
}

/*
 * The device cannot be driven here, for @why: a failure where the machine
 * should have it (IOMMUFD_EXPECT_EDU=1), else the end of the device part.
 */
static int not_here(const char *why)
{
	if (edu_expected()) {
		printf("    -> UNEXPECTED: %s, on a machine with edu\n",
		       why);
		failures++;
		return -1;
	}
	printf("    -> not on this machine: %s\n", why);
	printf("       Only the /dev/iommu part of the tour runs here.\n");
	return 0;
}

/* The device part of the tour; 0, or -1 once a step failed. */
static int device_tour(struct tour *t)
{
	const size_t psz = getpagesize();
	unsigned char *src, *res;
	char buf[256], line[256];
	unsigned long long iova, done;
	const char *why;
	unsigned int pt;
	size_t i;
	int rc, kmsg;

	step("Find edu in sysfs, hand it to vfio-pci and open its VFIO\n"
	     "    cdev: the device as VFIO offers it to user space.");
	why = edu_locate(&t->sys);
	if (!why && !t->sys.cdev[0])
		why = EDU_NO_CDEV_MSG;
	if (why)
		return not_here(why);
	rc = edu_cdev_open(&t->sys);
	if (rc < 0 && errno == ENOENT)
		return not_here(EDU_NO_CDEV_MSG);
	if (rc < 0)
		return result(rc, t->sys.cdev);
	t->edu.fd = rc;
	printf("    -> ok: edu is %s, its VFIO cdev %s\n", t->sys.bdf,
	       t->sys.cdev);

	step("Bind the device to our /dev/iommu context\n"
	     "    (VFIO_DEVICE_BIND_IOMMUFD). From now on the device's DMA is\n"
	     "    blocked until we attach it to an IO address space.");
	rc = edu_vfio_bind(t->edu.fd, t->fd, &t->dev_id);
	if (rc && edu_bind_skip_reason(rc))
		return not_here(edu_bind_skip_reason(rc));
	snprintf(buf, sizeof(buf), "edu is device %u of the context",
		 t->dev_id);
	if (result(lib_rc(rc), buf))
		return -1;

	step("Map edu's registers (BAR0 of the VFIO device) and let it\n"
	     "    master the bus, which its DMA engine needs.");
	rc = edu_init(&t->edu, buf, sizeof(buf));
	if (result(lib_rc(-rc), rc ? buf : "edu answers, its DMA engine idle"))
		return -1;

	if (show_device_caps(t))
		return -1;

	step(story.attach);
	pt = t->ioas;
	rc = edu_vfio_attach(t->edu.fd, &pt);
	snprintf(buf, sizeof(buf),
		 "edu translates through page table (HWPT) %u", pt);
	if (result(lib_rc(rc), buf))
		return -1;
	t->attached = true;

	if (story.win_after_attach && add_window(t))
		return -1;

	t->mem = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->mem == MAP_FAILED) {
		t->mem = NULL;
		return result(-1, "memory for the buffers");
	}
	src = t->mem;
	res = t->mem + psz;
	for (i = 0; i != psz; i++)
		src[i] = MESSAGE[i % (sizeof(MESSAGE) - 1)];

	step(story.map);
	t->src_iova = 0;
	rc = ioas_map(t->fd, t->ioas, src, psz, &t->src_iova, 0);
	t->src_mapped = !rc;
	snprintf(buf, sizeof(buf), "source is at IOVA 0x%llx",
		 (unsigned long long)t->src_iova);
	if (result(rc, buf))
		return -1;
	t->res_iova = 0;
	rc = ioas_map(t->fd, t->ioas, res, psz, &t->res_iova, 0);
	t->res_mapped = !rc;
	snprintf(buf, sizeof(buf), "result is at IOVA 0x%llx",
		 (unsigned long long)t->res_iova);
	if (result(rc, buf))
		return -1;
	if (!check(t->win_start <= t->src_iova &&
		   t->src_iova + psz - 1 <= t->win_last &&
		   t->win_start <= t->res_iova &&
		   t->res_iova + psz - 1 <= t->win_last,
		   "both are inside the window",
		   "the kernel mapped outside the window"))
		return -1;

	step(story.dma);
	rc = edu_copy(&t->edu, t->src_iova, t->res_iova, XFER_LEN);
	if (result(lib_rc(-rc), "edu finished both transfers"))
		return -1;
	show_text("source:", src, 48);
	show_text("result:", res, 48);
	if (!check(!memcmp(src, res, XFER_LEN) &&
		   all_zero(res + XFER_LEN, psz - XFER_LEN),
		   "the 1 KiB arrived, and nothing else was written",
		   "the result is not what edu was asked to copy"))
		return -1;

	step("Map a page at a fixed IOVA just past the window\n"
	     "    (IOMMU_IOAS_MAP_FIXED_IOVA): outside its windows a windowed\n"
	     "    IOAS has no valid IOVA.");
	iova = t->win_last + 1;
	rc = ioas_map(t->fd, t->ioas, res, psz, &iova,
		      IOMMU_IOAS_MAP_FIXED_IOVA);
	if (!rc)
		ioas_unmap(t->fd, t->ioas, iova, psz, &done);
	snprintf(buf, sizeof(buf), "IOVA 0x%llx is outside the window",
		 (unsigned long long)(t->win_last + 1));
	if (expect_refusal(rc, ERANGE, buf))
		return -1;

	step("Unmap the result page (IOMMU_IOAS_UNMAP). It stays in our\n"
	     "    memory, but the IOMMU's page table no longer has it. We\n"
	     "    clear it, to see whether anything writes there.");
	rc = ioas_unmap(t->fd, t->ioas, t->res_iova, psz, &done);
	t->res_mapped = rc != 0;
	snprintf(buf, sizeof(buf), "unmapped %llu bytes at IOVA 0x%llx",
		 (unsigned long long)done, (unsigned long long)t->res_iova);
	if (result(rc, buf))
		return -1;
	memset(res, 0, psz);

	step(story.blocked);
	kmsg = -1;
	if (EDU_FAULT_LOG_SOURCE[0]) {
		kmsg = edu_kmsg_open();
		if (kmsg < 0)
			printf("       (cannot read the kernel log: %s)\n",
			       strerror(-kmsg));
	}
	rc = __edu_dma(&t->edu, EDU_BUF_ADDR, t->res_iova, BLOCKED_LEN,
		       EDU_DMA_TO_RAM);
	if (result(lib_rc(-rc), "edu finished the transfer, as devices do")) {
		if (kmsg >= 0)
			close(kmsg);
		return -1;
	}
	check(all_zero(res, psz),
	      "the result page is untouched: the write never reached memory",
	      "the result page changed: the write got through");
	if (!EDU_FAULT_LOG_SOURCE[0]) {
		printf("       (this IOMMU reports no faults: there is no kernel\n"
		       "       log line to look for)\n");
	} else if (kmsg >= 0) {
		if (edu_kmsg_find_fault(kmsg, t->sys.bdf, t->res_iova, line,
					sizeof(line)))
			printf("       %s reported it: %s\n",
			       EDU_FAULT_LOG_SOURCE, line);
		else
			printf("       (no report of %s in the kernel log)\n",
			       EDU_FAULT_LOG_SOURCE);
		close(kmsg);
	}

	step("Try to remove the window (IOMMU_IOAS_WINDOW_REMOVE) while the\n"
	     "    source page is still mapped in it.");
	rc = window_remove(t->fd, t->ioas, t->win_start);
	if (!rc)
		t->have_window = false;
	if (expect_refusal(rc, EBUSY, "the window still holds a mapping"))
		return -1;

	step("Unmap the source page as well.");
	rc = ioas_unmap(t->fd, t->ioas, t->src_iova, psz, &done);
	t->src_mapped = rc != 0;
	snprintf(buf, sizeof(buf), "unmapped %llu bytes at IOVA 0x%llx",
		 (unsigned long long)done, (unsigned long long)t->src_iova);
	return result(rc, buf) ? -1 : 0;
}

/* Unmap what a failed step left mapped, quietly. */
static void unmap_leftovers(struct tour *t)
{
	const size_t psz = getpagesize();
	unsigned long long done;

	if (t->res_mapped)
		ioas_unmap(t->fd, t->ioas, t->res_iova, psz, &done);
	if (t->src_mapped)
		ioas_unmap(t->fd, t->ioas, t->src_iova, psz, &done);
	t->src_mapped = false;
	t->res_mapped = false;
}

/* Let the device go, and the buffers. */
static void device_cleanup(struct tour *t)
{
	if (t->attached) {
		step("Detach edu (VFIO_DEVICE_DETACH_IOMMUFD_PT): its DMA\n"
		     "    is blocked again, and the IOAS has no device.\n"
		     "    Closing the VFIO cdev then unbinds it from our\n"
		     "    context.");
		result(lib_rc(edu_vfio_detach(t->edu.fd)), "detached");
		t->attached = false;
	}
	edu_close(&t->edu);
	if (t->mem)
		munmap(t->mem, 2 * getpagesize());
	t->mem = NULL;
}

int main(void)
{
	struct iommu_ioas_alloc alloc = {
		.size = sizeof(alloc),
		.flags = IOMMU_IOAS_ALLOC_WINDOWED,
	};
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	struct iommu_iova_range r[MAX_RANGES];
	struct tour t = {
		.fd = -1,
		.edu = { .fd = -1, .bar = MAP_FAILED },
	};
	char buf[160];
	int rc, n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("iommufd demo: /dev/iommu as a user-space driver uses it\n");

	step("Open /dev/iommu. Each open is a private context that\n"
	     "    holds the objects we create.");
	t.fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (t.fd < 0) {
		perror("    -> open /dev/iommu");
		return 1;
	}
	result(0, "got a file descriptor");

	step("Create a windowed IO address space (IOMMU_IOAS_ALLOC with\n"
	     "    IOMMU_IOAS_ALLOC_WINDOWED). It starts with no valid IOVA at\n"
	     "    all: only windows we ask for can hold mappings.");
	rc = ioctl(t.fd, IOMMU_IOAS_ALLOC, &alloc);
	snprintf(buf, sizeof(buf), "the IOAS has object ID %u",
		 alloc.out_ioas_id);
	if (result(rc, buf))
		return 1;
	t.ioas = alloc.out_ioas_id;
	show_ranges(t.fd, t.ioas, r);

	if (!story.win_after_attach && add_window(&t))
		goto out;

	if (device_tour(&t))
		printf("\nThe device part stopped at a step that failed.\n");
	unmap_leftovers(&t);

	if (t.have_window) {
		step(story.remove_window);
		rc = window_remove(t.fd, t.ioas, t.win_start);
		if (!result(rc, "the window is gone")) {
			t.have_window = false;
			n = show_ranges(t.fd, t.ioas, r);
			check(n == 0, "no valid IOVA is left",
			      "IOVA is still valid without a window");
		}
	}
	device_cleanup(&t);

	step("Destroy the IOAS by its ID (IOMMU_DESTROY).");
	destroy.id = t.ioas;
	rc = ioctl(t.fd, IOMMU_DESTROY, &destroy);
	result(rc, "the IOAS is gone");

	step("Destroy it again: the ID no longer names anything.");
	rc = ioctl(t.fd, IOMMU_DESTROY, &destroy);
	expect_refusal(rc, ENOENT, "a missing ID");

out:
	step("Close /dev/iommu: anything still alive in the context is\n"
	     "    destroyed with it.");
	result(close(t.fd), "closed");

	if (failures)
		printf("\n%d step(s) did not go as expected.\n", failures);
	else
		printf("\nEvery step went as expected.\n");
	return failures ? 1 : 0;
}
