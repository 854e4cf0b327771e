// SPDX-License-Identifier: GPL-2.0
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * tce_bench: the cost of mapping a few pages for DMA into a pSeries
 * dynamic DMA window (DDW), for make bench ARCH=ppc64le
 * (testing/scripts/bench.sh). The same binary runs on both kernels of the
 * benchmark, told by bench.sh which one it is on (-m):
 *
 *   -m ours       our kernel: /dev/iommu with QEMU's edu device bound
 *                 through its VFIO cdev and attached to a windowed IOAS,
 *                 which is then granted a window of 1 GiB of 64 KiB TCEs
 *                 at 1 << 59: the DDW, which firmware creates there.
 *                 Measured: IOMMU_IOAS_MAP at a fixed IOVA in the window
 *                 and IOMMU_IOAS_UNMAP of memory that is
 *                 (a) pinned nowhere else ("fresh": every map pins it);
 *                 (b) mapped, so pinned, in a second "staging" IOAS that
 *                     has no device (the shared pin accounting makes the
 *                     map a lookup).
 *                 Then edu is closed and the container's measurement
 *                 below runs on our /dev/vfio/vfio (VFIO_CONTAINER=n,
 *                 IOMMUFD_VFIO_CONTAINER=y): (d), VFIO's SPAPR v2 API
 *                 served by iommufd, preregistered memory staged once.
 *   -m container  the base tree's kernel: VFIO's legacy SPAPR TCE v2
 *                 container, edu's group set to it, the memory
 *                 preregistered once (VFIO_IOMMU_SPAPR_REGISTER_MEMORY)
 *                 and a DDW of the same shape created with
 *                 VFIO_IOMMU_SPAPR_TCE_CREATE. Measured: (c)
 *                 VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA of the same
 *                 pages at the same IOVA.
 *
 * The result is the cost of one map and unmap cycle divided by the number
 * of pages mapped, in ns per 64 KiB page, for 4 and 16 pages at a time.
 * Rows are printed as
 *	@@@ BENCH name|unit|target|value
 * with the same names on both kernels: the container's cost under the
 * name of each of ours it is compared with, (a), (b) and (d). The cost is a
 * cost (lower is better); target is the least ratio container/ours we aim
 * for. Each row keeps the best of a few repetitions, interleaved so that
 * a disturbance of the emulated machine hits every row alike.
 *
 * Comment lines ("#") then give each measurement's cost per page, and
 * the cost of one map call and one unmap call, from a few more cycles
 * with the clock read in between, which the rows leave out.
 *
 * Before measuring, edu copies data through the window on either kernel
 * (a page read at the window's first IOVA, written at its second), so a
 * window that does not translate fails the run instead of timing it.
 *
 * Options: -q, a quick run to try the machinery; -m as above.
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
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>
#include "edu.h"

/* PAGE_SIZE of the ppc64le kernels, and the IO page size of the window */
#define PSZ		0x10000UL
#define PSHIFT		16
/* Where PAPR firmware places the DDW */
#define DDW_START	0x0800000000000000ULL
/* QEMU allocates 8 bytes of host memory per TCE: 1 GiB is 16k TCEs */
#define DDW_LEN		0x40000000ULL

/* The pages of the measurements, then two for edu's check of the window */
#define BENCH_PAGES	16
#define CHECK_PAGES	2
#define MEM_LEN		((BENCH_PAGES + CHECK_PAGES) * PSZ)
#define XFER_LEN	1024
/* Where edu's DMA engine keeps what it read */
#define DEV_BUF		EDU_BUF_ADDR

/* Kinds of measurement: the container's; ours fresh, staged, bare */
#define KINDS		3
/* Pages per map: 4 and 16 */
#define NSIZES		2
/* Pages mapped and unmapped per repetition, whatever the size of a map */
#define PAGES_PER_REP	16384

#define TARGET_STAGED	"1.2"
#define TARGET_FRESH	"1"
#define TARGET_COMPAT	"1"

enum mode { MODE_NONE, MODE_OURS, MODE_CONTAINER };

struct bench {
	enum mode mode;
	struct edu_sys sys;
	struct edu_dev edu;
	__u8 *mem;
	/* ours */
	int iommufd;
	__u32 ioas;		/* windowed, edu attached */
	__u32 stage;		/* no device */
	__u32 bare;		/* no device either, for a comment */
	__u32 target;		/* where map_pages() maps: ioas or bare */
	/* the container */
	int container;
	int group;
};

static int quick;

static void fail(const char *what, int err)
{
	if (err)
		printf("@@@ BENCH-FAIL %s: %s (errno %d)\n", what,
		       strerror(err), err);
	else
		printf("@@@ BENCH-FAIL %s\n", what);
	exit(1);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void result(const char *name, const char *target, double value)
{
	printf("@@@ BENCH %s|ns|%s|%.4f\n", name, target, value);
}

/* ---- ours: /dev/iommu ---- */

static __u32 ioas_alloc(int fd, __u32 flags)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd), .flags = flags };

	if (ioctl(fd, IOMMU_IOAS_ALLOC, &cmd))
		fail(flags ? "IOMMU_IOAS_ALLOC windowed" : "IOMMU_IOAS_ALLOC",
		     errno);
	return cmd.out_ioas_id;
}

/* Map @len bytes at @va into @ioas: at *@iova, or where the kernel likes */
static void ioas_map(struct bench *b, __u32 ioas, void *va,
		     unsigned long len, __u64 *iova, bool fixed)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
			 (fixed ? IOMMU_IOAS_MAP_FIXED_IOVA : 0),
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = *iova,
	};

	if (ioctl(b->iommufd, IOMMU_IOAS_MAP, &cmd))
		fail("IOMMU_IOAS_MAP", errno);
	*iova = cmd.iova;
}

static void ioas_unmap(struct bench *b, __u32 ioas, __u64 iova,
		       unsigned long len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};

	if (ioctl(b->iommufd, IOMMU_IOAS_UNMAP, &cmd))
		fail("IOMMU_IOAS_UNMAP", errno);
	if (cmd.length != len)
		fail("IOMMU_IOAS_UNMAP unmapped less than was mapped", 0);
}

/*
 * A windowed IOAS with edu attached through its VFIO cdev, then the DDW
 * asked for: the window exists in the hypervisor only while a device is
 * attached, so it is granted after the attach, as firmware creates it.
 */
static void ours_setup(struct bench *b)
{
	struct iommu_ioas_window_add win = {
		.size = sizeof(win),
		.flags = IOMMU_IOAS_WINDOW_EXACT,
		.iova = DDW_START,
		.length = DDW_LEN,
		.page_size = PSZ,
	};
	__u32 dev_id, pt;
	int rc;

	b->iommufd = open("/dev/iommu", O_RDWR);
	if (b->iommufd < 0)
		fail("open /dev/iommu", errno);
	b->ioas = ioas_alloc(b->iommufd, IOMMU_IOAS_ALLOC_WINDOWED);
	b->stage = ioas_alloc(b->iommufd, 0);
	b->bare = ioas_alloc(b->iommufd, 0);
	b->target = b->ioas;

	b->edu.fd = edu_cdev_open(&b->sys);
	if (b->edu.fd < 0)
		fail(errno == ENOENT ? EDU_NO_CDEV_MSG : "open edu's VFIO cdev",
		     errno);
	rc = edu_vfio_bind(b->edu.fd, b->iommufd, &dev_id);
	if (rc)
		fail("VFIO_DEVICE_BIND_IOMMUFD", rc);
	pt = b->ioas;
	rc = edu_vfio_attach(b->edu.fd, &pt);
	if (rc)
		fail("VFIO_DEVICE_ATTACH_IOMMUFD_PT", rc);

	win.ioas_id = b->ioas;
	if (ioctl(b->iommufd, IOMMU_IOAS_WINDOW_ADD, &win))
		fail("IOMMU_IOAS_WINDOW_ADD of the DDW", errno);
	if (win.iova != DDW_START)
		fail("IOMMU_IOAS_WINDOW_ADD granted the DDW elsewhere", 0);
	printf("# ours: edu %s (%s) is device %u, attached to IOAS %u\n",
	       b->sys.bdf, b->sys.cdev, dev_id, b->ioas);
	printf("# ours: page table %u, DDW 0x%llx + 0x%llx, staging IOAS %u\n",
	       pt, (unsigned long long)win.iova,
	       (unsigned long long)win.length, b->stage);
}

/* ---- the container: /dev/vfio/vfio, SPAPR TCE v2 ---- */

static void container_map(struct bench *b, void *va, unsigned long len,
			  __u64 iova)
{
	struct vfio_iommu_type1_dma_map cmd = {
		.argsz = sizeof(cmd),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va,
		.iova = iova,
		.size = len,
	};

	if (ioctl(b->container, VFIO_IOMMU_MAP_DMA, &cmd))
		fail("VFIO_IOMMU_MAP_DMA", errno);
}

static void container_unmap(struct bench *b, __u64 iova, unsigned long len)
{
	struct vfio_iommu_type1_dma_unmap cmd = {
		.argsz = sizeof(cmd),
		.iova = iova,
		.size = len,
	};

	if (ioctl(b->container, VFIO_IOMMU_UNMAP_DMA, &cmd))
		fail("VFIO_IOMMU_UNMAP_DMA", errno);
}

static void container_setup(struct bench *b)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_iommu_spapr_tce_info info = { .argsz = sizeof(info) };
	struct vfio_iommu_spapr_register_memory reg = {
		.argsz = sizeof(reg),
		.vaddr = (uintptr_t)b->mem,
		.size = MEM_LEN,
	};
	struct vfio_iommu_spapr_tce_create create = {
		.argsz = sizeof(create),
		.page_shift = PSHIFT,
		.window_size = DDW_LEN,
		.levels = 1,
	};
	int rc;

	b->container = open("/dev/vfio/vfio", O_RDWR);
	if (b->container < 0)
		fail("open /dev/vfio/vfio", errno);
	rc = ioctl(b->container, VFIO_GET_API_VERSION);
	if (rc != VFIO_API_VERSION)
		fail("VFIO_GET_API_VERSION", rc < 0 ? errno : 0);
	if (ioctl(b->container, VFIO_CHECK_EXTENSION,
		  VFIO_SPAPR_TCE_v2_IOMMU) != 1)
		fail("the container has no VFIO_SPAPR_TCE_v2_IOMMU", errno);

	b->group = open(b->sys.group, O_RDWR);
	if (b->group < 0)
		fail("open edu's VFIO group", errno);
	if (ioctl(b->group, VFIO_GROUP_GET_STATUS, &status))
		fail("VFIO_GROUP_GET_STATUS", errno);
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		fail("edu's VFIO group is not viable", 0);
	if (ioctl(b->group, VFIO_GROUP_SET_CONTAINER, &b->container))
		fail("VFIO_GROUP_SET_CONTAINER", errno);
	if (ioctl(b->container, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU))
		fail("VFIO_SET_IOMMU(VFIO_SPAPR_TCE_v2_IOMMU)", errno);
	if (ioctl(b->container, VFIO_IOMMU_SPAPR_TCE_GET_INFO, &info))
		fail("VFIO_IOMMU_SPAPR_TCE_GET_INFO", errno);
	printf("# container: default window 0x%x + 0x%x\n",
	       info.dma32_window_start, info.dma32_window_size);
	printf("# container: DDW page sizes 0x%llx, %u windows, %u levels\n",
	       (unsigned long long)info.ddw.pgsizes,
	       info.ddw.max_dynamic_windows_supported, info.ddw.levels);

	/* Pinned once here, as a user of the v2 container does */
	if (ioctl(b->container, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, &reg))
		fail("VFIO_IOMMU_SPAPR_REGISTER_MEMORY", errno);
	if (ioctl(b->container, VFIO_IOMMU_SPAPR_TCE_CREATE, &create))
		fail("VFIO_IOMMU_SPAPR_TCE_CREATE", errno);
	if (create.start_addr != DDW_START)
		fail("VFIO_IOMMU_SPAPR_TCE_CREATE placed the DDW elsewhere", 0);

	b->edu.fd = ioctl(b->group, VFIO_GROUP_GET_DEVICE_FD, b->sys.bdf);
	if (b->edu.fd < 0)
		fail("VFIO_GROUP_GET_DEVICE_FD", errno);
	printf("# container: edu %s (%s), %u KiB preregistered; DDW 0x%llx + 0x%llx, 64K TCEs\n",
	       b->sys.bdf, b->sys.group, (unsigned int)(MEM_LEN >> 10),
	       (unsigned long long)create.start_addr,
	       (unsigned long long)create.window_size);
}

/* ---- what both have ---- */

/* Map @npages pages of @va at @iova in the window, the kernel's way */
static void map_pages(struct bench *b, void *va, unsigned int npages,
		      __u64 iova)
{
	if (b->container < 0)
		ioas_map(b, b->target, va, npages * PSZ, &iova, true);
	else
		container_map(b, va, npages * PSZ, iova);
}

static void unmap_pages(struct bench *b, unsigned int npages, __u64 iova)
{
	if (b->container < 0)
		ioas_unmap(b, b->target, iova, npages * PSZ);
	else
		container_unmap(b, iova, npages * PSZ);
}

/*
 * edu reads a page at the window's first IOVA into its buffer and writes
 * it out at the second: the data must arrive.
 */
static void check_window(struct bench *b)
{
	__u8 *src = b->mem + BENCH_PAGES * PSZ, *dst = src + PSZ;
	char why[256];
	unsigned int i;
	int rc;

	rc = edu_init(&b->edu, why, sizeof(why));
	if (rc)
		fail(why, -rc);
	for (i = 0; i != XFER_LEN; i++) {
		src[i] = (__u8)(i * 7 + 1);
		dst[i] = (__u8)~src[i];
	}
	map_pages(b, src, CHECK_PAGES, DDW_START);
	rc = __edu_dma(&b->edu, DDW_START, DEV_BUF, XFER_LEN, 0);
	if (!rc)
		rc = __edu_dma(&b->edu, DEV_BUF, DDW_START + PSZ, XFER_LEN,
			       EDU_DMA_TO_RAM);
	if (rc)
		fail("edu DMA through the DDW", -rc);
	if (memcmp(src, dst, XFER_LEN))
		fail("edu DMA through the DDW: the data did not arrive", 0);
	unmap_pages(b, CHECK_PAGES, DDW_START);
	printf("# edu copied %u bytes from 0x%llx to 0x%llx through the DDW\n",
	       XFER_LEN, (unsigned long long)DDW_START,
	       (unsigned long long)(DDW_START + PSZ));
}

/* @loops cycles of map + unmap of @npages pages; ns per page */
static double cycles(struct bench *b, unsigned int npages,
		     unsigned int loops)
{
	unsigned int i;
	__u64 t0, t1;

	t0 = now_ns();
	for (i = 0; i != loops; i++) {
		map_pages(b, b->mem, npages, DDW_START);
		unmap_pages(b, npages, DDW_START);
	}
	t1 = now_ns();
	return (double)(t1 - t0) / ((double)loops * npages);
}

static double min_d(double a, double b)
{
	return a < b ? a : b;
}

/*
 * The same cycles with the clock read between map and unmap, which the
 * rows leave out: the least average cost of one map call and of one unmap
 * call so far, in ns, into @map and @unmap.
 */
static void split(struct bench *b, unsigned int npages, unsigned int loops,
		  double *map, double *unmap)
{
	__u64 t0, t1, t2, m = 0, u = 0;
	unsigned int i;

	for (i = 0; i != loops; i++) {
		t0 = now_ns();
		map_pages(b, b->mem, npages, DDW_START);
		t1 = now_ns();
		unmap_pages(b, npages, DDW_START);
		t2 = now_ns();
		m += t1 - t0;
		u += t2 - t1;
	}
	*map = min_d(*map, (double)m / loops);
	*unmap = min_d(*unmap, (double)u / loops);
}

/* Map the first @npages pages into the staging IOAS, or unmap them */
static void stage(struct bench *b, unsigned int npages, bool on)
{
	static __u64 iova;

	if (on)
		ioas_map(b, b->stage, b->mem, npages * PSZ, &iova, false);
	else
		ioas_unmap(b, b->stage, iova, npages * PSZ);
}

static const unsigned int sizes[NSIZES] = { 4, 16 };

/*
 * The container's measurement, (c) on the stock kernel and (d) on ours:
 * the best cost per page of each size into @best.
 */
static void bench_container(struct bench *b, double best[NSIZES])
{
	double map[NSIZES], unmap[NSIZES];
	unsigned int reps = quick ? 3 : 25, r, s;

	for (s = 0; s != NSIZES; s++)
		best[s] = map[s] = unmap[s] = 1e30;
	for (r = 0; r != reps; r++) {
		for (s = 0; s != NSIZES; s++) {
			unsigned int n = sizes[s];
			unsigned int loops = PAGES_PER_REP / n / (quick ? 16 : 1);

			best[s] = min_d(best[s], cycles(b, n, loops));
			split(b, n, loops / 4, &map[s], &unmap[s]);
		}
	}
	for (s = 0; s != NSIZES; s++)
		printf("# %u x 64K container: %.0f ns/page; per call: map %.0f, unmap %.0f ns\n",
		       sizes[s], best[s], map[s], unmap[s]);
}

/* Ours through /dev/iommu: (a) fresh and (b) staged, into @fresh and @staged */
static void bench_ours(struct bench *b, double fresh[NSIZES],
		       double staged[NSIZES])
{
	static const char * const kind_name[KINDS] = {
		"fresh", "staged", "staged, into an IOAS without device",
	};
	/*
	 * [kind][size]: 0 fresh, 1 staged, 2 staged into the same IOVA of an
	 * IOAS without device: the cost of the core without the TCE backend,
	 * for a comment only.
	 */
	double best[KINDS][NSIZES], map[KINDS][NSIZES], unmap[KINDS][NSIZES];
	unsigned int reps = quick ? 3 : 25, r, s, k;

	for (k = 0; k != KINDS; k++)
		for (s = 0; s != NSIZES; s++)
			best[k][s] = 1e30;
	memcpy(map, best, sizeof(map));
	memcpy(unmap, best, sizeof(unmap));
	/* Interleaved; each measurement followed by its split */
	for (r = 0; r != reps; r++) {
		for (s = 0; s != NSIZES; s++) {
			unsigned int n = sizes[s];
			unsigned int loops = PAGES_PER_REP / n / (quick ? 16 : 1);

			for (k = 0; k != KINDS; k++) {
				if (k)
					stage(b, n, true);
				b->target = k == 2 ? b->bare : b->ioas;
				best[k][s] = min_d(best[k][s],
						   cycles(b, n, loops));
				split(b, n, loops / 4, &map[k][s],
				      &unmap[k][s]);
				if (k)
					stage(b, n, false);
			}
		}
	}
	for (s = 0; s != NSIZES; s++) {
		for (k = 0; k != KINDS; k++)
			printf("# %u x 64K %s: %.0f ns/page; per call: map %.0f, unmap %.0f ns\n",
			       sizes[s], kind_name[k], best[k][s],
			       map[k][s], unmap[k][s]);
		fresh[s] = best[0][s];
		staged[s] = best[1][s];
	}
}

/* Close what ours_setup() opened, so that edu's group can be used. */
static void ours_teardown(struct bench *b)
{
	edu_close(&b->edu);
	b->edu.fd = -1;
	b->edu.bar = MAP_FAILED;
	close(b->iommufd);
	b->iommufd = -1;
}

static void bench_rows(const double fresh[NSIZES], const double staged[NSIZES],
		       const double compat[NSIZES])
{
	char name[96];
	unsigned int s;

	for (s = 0; s != NSIZES; s++) {
		/* The stock container's one cost is the other side of each row */
		snprintf(name, sizeof(name),
			 "(b) staged vs (c) container v2, %u x 64K", sizes[s]);
		result(name, TARGET_STAGED, staged[s]);
		snprintf(name, sizeof(name),
			 "(a) fresh vs (c) container v2, %u x 64K", sizes[s]);
		result(name, TARGET_FRESH, fresh[s]);
		snprintf(name, sizeof(name),
			 "(d) our container vs (c) container v2, %u x 64K",
			 sizes[s]);
		result(name, TARGET_COMPAT, compat[s]);
	}
}

int main(int argc, char **argv)
{
	struct bench b = {
		.edu = { .fd = -1, .bar = MAP_FAILED },
		.iommufd = -1,
		.container = -1,
		.group = -1,
	};
	double fresh[NSIZES], staged[NSIZES], compat[NSIZES];
	__u64 start = now_ns();
	const char *why;
	int opt;

	while ((opt = getopt(argc, argv, "qm:")) != -1) {
		if (opt == 'q') {
			quick = 1;
		} else if (opt == 'm' && !strcmp(optarg, "ours")) {
			b.mode = MODE_OURS;
		} else if (opt == 'm' && !strcmp(optarg, "container")) {
			b.mode = MODE_CONTAINER;
		} else {
			fprintf(stderr, "usage: %s -m ours|container [-q]\n",
				argv[0]);
			return 2;
		}
	}
	if (b.mode == MODE_NONE) {
		fprintf(stderr, "%s: -m ours or -m container is needed\n",
			argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# tce_bench%s, %s: best of N runs; ns per 64K page of a map + unmap cycle\n",
	       quick ? " (quick)" : "",
	       b.mode == MODE_OURS ? "ours (/dev/iommu)" :
	       "stock (SPAPR TCE v2 container)");
	if (sysconf(_SC_PAGESIZE) != (long)PSZ)
		fail("the kernel's page size is not 64 KiB", 0);

	b.mem = mmap(NULL, MEM_LEN, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b.mem == MAP_FAILED)
		fail("mmap", errno);
	/*
	 * Faulted in: the maps pin memory, they do not allocate it. Smaller
	 * than a transparent huge page, so made of 64 KiB pages.
	 */
	memset(b.mem, 0x5a, MEM_LEN);

	why = edu_locate(&b.sys);
	if (why)
		fail(why, 0);
	if (b.mode == MODE_OURS) {
		ours_setup(&b);
		check_window(&b);
		bench_ours(&b, fresh, staged);
		ours_teardown(&b);
		container_setup(&b);
		check_window(&b);
		bench_container(&b, compat);
	} else {
		container_setup(&b);
		check_window(&b);
		bench_container(&b, compat);
		memcpy(fresh, compat, sizeof(fresh));
		memcpy(staged, compat, sizeof(staged));
	}
	bench_rows(fresh, staged, compat);
	edu_close(&b.edu);
	printf("# all done after %.0f s\n", (now_ns() - start) / 1e9);
	return 0;
}
