// SPDX-License-Identifier: GPL-2.0
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * iommufd_bench: throughput and per-operation cost of the IOAS commands of
 * /dev/iommu, for make bench (testing/scripts/bench.sh), which runs this
 * same binary on our kernel and on the base tree's and compares the two.
 *
 * Only the public uAPI is used, plus IOMMU_TEST_CMD's
 * IOMMU_TEST_OP_MOCK_DOMAIN to give an IOAS mock IOMMU domains, so that
 * every mapping is also written into translation tables as it would be
 * with a real device attached. Both ABIs are the same in both kernels.
 *
 * The "VT-d" rows run in a second machine, with an emulated Intel VT-d
 * and two edu devices, each alone in its IOMMU group (the base tree's
 * mock device cannot be probed where VT-d is present, so the mock rows
 * run in a machine without it, with the same kernels). They attach edu
 * through its VFIO cdev (bound to the IOAS's file) instead of mock
 * devices: the mappings then go through the IOMMU core into VT-d's page
 * tables, with its flushes, as QEMU's would when it starts a guest with a
 * device.
 *
 * Each result is one line,
 *	@@@ BENCH name|unit|target|value[|bound]
 * where a unit ending in "/s" is a throughput and "x" a speedup (higher is
 * better for both) and any other unit a cost (lower is better); target is
 * the least ratio to the base tree's result that we aim for, or "-" for a
 * row only our kernel prints, and bound, if given, what our kernel's value
 * must reach by itself (at least, or at most for a cost). Lines starting with
 * "#" are comments for people. Every measurement runs on a fresh
 * /dev/iommu file descriptor, and the best of its repetitions is kept:
 * the machine is emulated and shared, so the fastest run is the one least
 * disturbed by others.
 *
 * Options: -q, a quick run (small sizes only) to try the machinery;
 * -m, only the mock rows; -v, only the VT-d rows (default: both); -t,
 * of those only the rows of threads and stalls, to try a change to them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"
#include "edu.h"

#define SZ_4K		(4096UL)
#define SZ_1M		(1024UL * 1024)
#define SZ_2M		(2 * SZ_1M)
#define SZ_1G		(1024 * SZ_1M)

/*
 * IOVAs inside the mock domain's aperture, which both kernels place at
 * 16 MiB up to 2 GiB: large mappings at 1 GiB, small ones from 16 MiB.
 */
#define BIG_IOVA	SZ_1G
#define SMALL_IOVA	(16 * SZ_1M)
/* Small mappings are one page each, one page apart, so never adjacent */
#define SMALL_STRIDE	(2 * SZ_4K)

/* Targets: ratio ours/base tree we aim for, per kind of row */
#define TARGET_THROUGHPUT	"1.2"
#define TARGET_SHARED_PIN	"3"
#define TARGET_OTHER		"1"
/* Kernel memory per mapped page: no more than upstream. */
#define TARGET_MEMORY		"1"
/* Two threads: at least this much faster than one, on our kernel alone. */
#define TARGET_THREADS		"1.6"
/* A map of fresh memory: at most this much slower than pin + fill alone. */
#define TARGET_FLOOR		"1.3"
/*
 * A thread sharing the CPU with a large unmap: woken at most this much
 * later than it ever is with the CPU idle (the emulated timer is late by
 * a few ms now and then by itself).
 */
#define STALL_MARGIN_MS		1.0

enum mem_kind { MEM_4K, MEM_THP, MEM_HUGETLB };

static const char * const mem_name[] = {
	[MEM_4K] = "4K pages",
	[MEM_THP] = "THP",
	[MEM_HUGETLB] = "hugetlb",
};

static int quick;
static int threads_only;

static void die(const char *what)
{
	printf("@@@ BENCH-FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void result(const char *name, const char *unit, const char *target,
		   double value)
{
	printf("@@@ BENCH %s|%s|%s|%.4f\n", name, unit, target, value);
}

static double gib_per_s(unsigned long bytes, __u64 ns)
{
	return (double)bytes / SZ_1G / ((double)ns / 1e9);
}

static __u64 min_ns(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

static __u64 max_ns(__u64 a, __u64 b)
{
	return a > b ? a : b;
}

static int iommu_open(void)
{
	int fd = open("/dev/iommu", O_RDWR);

	if (fd < 0)
		die("open /dev/iommu");
	return fd;
}

static __u32 ioas_alloc(int fd)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	if (ioctl(fd, IOMMU_IOAS_ALLOC, &cmd))
		die("IOMMU_IOAS_ALLOC");
	return cmd.out_ioas_id;
}

/* A mock device attached to @pt_id (an IOAS or a HWPT); returns its idev */
static __u32 mock_device(int fd, __u32 pt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = pt_id,
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		die("IOMMU_TEST_OP_MOCK_DOMAIN");
	return cmd.mock_domain.out_idev_id;
}

/*
 * Give @ioas @ndomains mock domains. A second mock device attached to the
 * IOAS would share the first one's automatic domain, so the second domain
 * is allocated explicitly for the first device and the second device is
 * attached to it.
 */
static void add_domains(int fd, __u32 ioas, int ndomains)
{
	struct iommu_hwpt_alloc hwpt = { .size = sizeof(hwpt), .pt_id = ioas };

	hwpt.dev_id = mock_device(fd, ioas);
	if (ndomains < 2)
		return;
	if (ioctl(fd, IOMMU_HWPT_ALLOC, &hwpt))
		die("IOMMU_HWPT_ALLOC");
	mock_device(fd, hwpt.out_hwpt_id);
}

static void ioas_map(int fd, __u32 ioas, void *va, unsigned long len,
		     unsigned long iova)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	if (ioctl(fd, IOMMU_IOAS_MAP, &cmd))
		die("IOMMU_IOAS_MAP");
}

/* Returns the number of bytes unmapped; nothing there is not an error */
static unsigned long ioas_unmap(int fd, __u32 ioas, unsigned long iova,
				unsigned long len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};

	if (ioctl(fd, IOMMU_IOAS_UNMAP, &cmd)) {
		if (errno == ENOENT)
			return 0;
		die("IOMMU_IOAS_UNMAP");
	}
	return cmd.length;
}

static void ioas_copy(int fd, __u32 dst, __u32 src, unsigned long len,
		      unsigned long iova)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.dst_ioas_id = dst,
		.src_ioas_id = src,
		.length = len,
		.dst_iova = iova,
		.src_iova = iova,
	};

	if (ioctl(fd, IOMMU_IOAS_COPY, &cmd))
		die("IOMMU_IOAS_COPY");
}

/* The number after "@key:" (meminfo) or "@key " (vmstat) in @file. */
static unsigned long proc_value(const char *file, const char *key)
{
	char line[128];
	unsigned long v = 0;
	size_t n = strlen(key);
	FILE *f = fopen(file, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && (line[n] == ':' || line[n] == ' '))
			v = strtoul(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

static unsigned long meminfo_kb(const char *key)
{
	return proc_value("/proc/meminfo", key);
}

/*
 * The kernel memory a mapping can hold, in KiB, by where it comes from:
 * slab (which counts large kmalloc()s too), vmalloc (kvmalloc()'s large
 * arrays) and IOMMU page tables. MemFree would not do: order-0 pages come
 * from and go to the per-CPU lists, which MemFree does not count, so
 * a few MiB of page tables can leave it unchanged.
 */
struct kmem {
	long slab, vmalloc, iommu;
};

static void kmem_read(struct kmem *m)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	/* Fold the per-CPU counter deltas into the totals first. */
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			die("write /proc/sys/vm/stat_refresh");
		close(fd);
	}
	m->slab = meminfo_kb("Slab");
	m->vmalloc = meminfo_kb("VmallocUsed");
	m->iommu = proc_value("/proc/vmstat", "nr_iommu_pages") *
		   (sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * @len bytes of memory of one kind, all of it faulted in, so that the
 * measurements below pin memory and do not allocate it.
 */
static void *mem_alloc(enum mem_kind kind, unsigned long len)
{
	unsigned long thp_before = meminfo_kb("AnonHugePages");
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	unsigned long span = len;
	char *p;

	if (kind == MEM_HUGETLB)
		flags |= MAP_HUGETLB;
	if (kind == MEM_THP)
		span += SZ_2M;
	p = mmap(NULL, span, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		die(kind == MEM_HUGETLB ? "mmap MAP_HUGETLB" : "mmap");
	if (kind == MEM_THP) {
		char *aligned = (char *)(((uintptr_t)p + SZ_2M - 1) &
					 ~(SZ_2M - 1));

		if (aligned != p)
			munmap(p, aligned - p);
		munmap(aligned + len, p + span - (aligned + len));
		p = aligned;
		if (madvise(p, len, MADV_HUGEPAGE))
			die("madvise MADV_HUGEPAGE");
	} else if (kind == MEM_4K) {
		madvise(p, len, MADV_NOHUGEPAGE);
	}
	memset(p, 0x5a, len);
	if (kind == MEM_THP)
		printf("# THP: %lu of %lu MiB backed by huge pages\n",
		       (meminfo_kb("AnonHugePages") - thp_before) / 1024,
		       len / SZ_1M);
	return p;
}

/*
 * IOAS_MAP then IOAS_UNMAP of the first @len bytes of @buf into an IOAS
 * with @ndomains mock domains, best of @reps; results in GiB/s.
 */
static void bench_map_unmap(void *buf, enum mem_kind kind, unsigned long len,
			    int ndomains, int reps)
{
	__u64 best_map = ~0ULL, best_unmap = ~0ULL;
	char name[96];
	int i;

	for (i = 0; i < reps; i++) {
		int fd = iommu_open();
		__u32 ioas = ioas_alloc(fd);
		__u64 t0, t1, t2;

		add_domains(fd, ioas, ndomains);
		t0 = now_ns();
		ioas_map(fd, ioas, buf, len, BIG_IOVA);
		t1 = now_ns();
		if (ioas_unmap(fd, ioas, BIG_IOVA, len) != len)
			die("IOMMU_IOAS_UNMAP left part of the mapping");
		t2 = now_ns();
		close(fd);
		best_map = min_ns(best_map, t1 - t0);
		best_unmap = min_ns(best_unmap, t2 - t1);
	}
	snprintf(name, sizeof(name), "IOAS_MAP %s %luMiB, %d domain%s",
		 mem_name[kind], len / SZ_1M, ndomains, ndomains > 1 ? "s" : "");
	result(name, "GiB/s", TARGET_THROUGHPUT, gib_per_s(len, best_map));
	snprintf(name, sizeof(name), "IOAS_UNMAP %s %luMiB, %d domain%s",
		 mem_name[kind], len / SZ_1M, ndomains, ndomains > 1 ? "s" : "");
	result(name, "GiB/s", TARGET_THROUGHPUT, gib_per_s(len, best_unmap));
}

static void bench_throughput(void)
{
	static const unsigned long sizes[] = { 64 * SZ_1M, 256 * SZ_1M, SZ_1G };
	static const int reps[] = { 20, 10, 5 };
	int nsizes = quick ? 1 : 3;
	enum mem_kind kind;
	int d, s;

	for (kind = MEM_4K; kind <= MEM_HUGETLB; kind++) {
		unsigned long len = sizes[nsizes - 1];
		void *buf = mem_alloc(kind, len);

		for (d = 1; d <= 2; d++)
			for (s = 0; s < nsizes; s++)
				bench_map_unmap(buf, kind, sizes[s], d,
						quick ? 2 : reps[s]);
		munmap(buf, len);
	}
}

/*
 * Two IOASes, each with a mock domain; @len bytes of 4K pages mapped into
 * the first. Then, best of @reps: IOAS_COPY of the whole mapping into the
 * second IOAS, and IOAS_MAP of the same user memory, already pinned for
 * the first IOAS, into the second. Results in GiB/s.
 */
static void bench_second_ioas(void *buf, unsigned long len, int reps)
{
	__u64 best_copy = ~0ULL, best_map = ~0ULL;
	char name[96];
	int i;

	for (i = 0; i < reps; i++) {
		int fd = iommu_open();
		__u32 a = ioas_alloc(fd), b = ioas_alloc(fd);
		__u64 t0, t1;

		add_domains(fd, a, 1);
		add_domains(fd, b, 1);
		ioas_map(fd, a, buf, len, BIG_IOVA);

		t0 = now_ns();
		ioas_copy(fd, b, a, len, BIG_IOVA);
		t1 = now_ns();
		best_copy = min_ns(best_copy, t1 - t0);
		if (ioas_unmap(fd, b, BIG_IOVA, len) != len)
			die("IOMMU_IOAS_UNMAP of the copy");

		t0 = now_ns();
		ioas_map(fd, b, buf, len, BIG_IOVA);
		t1 = now_ns();
		best_map = min_ns(best_map, t1 - t0);
		close(fd);
	}
	snprintf(name, sizeof(name), "IOAS_COPY 4K pages %luMiB", len / SZ_1M);
	result(name, "GiB/s", TARGET_OTHER, gib_per_s(len, best_copy));
	snprintf(name, sizeof(name), "IOAS_MAP pinned into 2nd IOAS %luMiB",
		 len / SZ_1M);
	result(name, "GiB/s", TARGET_SHARED_PIN, gib_per_s(len, best_map));
}

/*
 * Make @ioas of @fd translate through a device: a mock domain, or edu @n
 * through VT-d. Returns a file to close when done, or -1.
 */
typedef int (*attach_fn)(int fd, __u32 ioas, int n);

static int mock_attach(int fd, __u32 ioas, int n)
{
	(void)n;	/* every mock domain is alike */
	add_domains(fd, ioas, 1);
	return -1;
}

/* Our kernel's IOMMU_TEST_OP_PIN_TIMING; false on the base tree's. */
static bool pin_timing(int fd, void *buf, unsigned long len, __u64 *pin_ns,
		       __u64 *unpin_ns)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_PIN_TIMING,
		.pin_timing = { .uptr = (uintptr_t)buf, .length = len },
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return false;
	*pin_ns = cmd.pin_timing.out_pin_ns;
	*unpin_ns = cmd.pin_timing.out_unpin_ns;
	return true;
}

/*
 * The floor under a map of fresh memory on this machine, best of @reps:
 * pinning alone (the kernel's pinning call and nothing else, through
 * IOMMU_TEST_OP_PIN_TIMING, which only our kernel has) plus filling the
 * table alone (IOAS_MAP of memory already pinned for another IOAS); and
 * how far IOAS_MAP of the same memory, fresh, is above their sum. Only our
 * kernel prints the row.
 */
static void bench_floor(const char *prefix, void *buf, enum mem_kind kind,
			unsigned long len, int reps, attach_fn attach)
{
	__u64 pin = ~0ULL, unpin = ~0ULL, fill = ~0ULL, map = ~0ULL;
	__u64 p, u, t0, t1;
	char name[96];
	int i;

	for (i = 0; i < reps; i++) {
		int fd = iommu_open();
		__u32 a = ioas_alloc(fd), b = ioas_alloc(fd);
		int da = attach(fd, a, 0), db = attach(fd, b, 1);
		bool ours = pin_timing(fd, buf, len, &p, &u);

		if (ours) {
			pin = min_ns(pin, p);
			unpin = min_ns(unpin, u);
			t0 = now_ns();
			ioas_map(fd, a, buf, len, BIG_IOVA);
			t1 = now_ns();
			map = min_ns(map, t1 - t0);
			ioas_map(fd, b, buf, len, BIG_IOVA);
			fill = min_ns(fill, now_ns() - t1);
		}
		if (db >= 0)
			close(db);
		if (da >= 0)
			close(da);
		close(fd);
		if (!ours)
			return;
	}
	printf("# %sfloor, %s %luMiB: pin alone %.2f ms, unpin alone %.2f ms, fill alone %.2f ms, map %.2f ms\n",
	       prefix, mem_name[kind], len / SZ_1M, pin / 1e6, unpin / 1e6,
	       fill / 1e6, map / 1e6);
	snprintf(name, sizeof(name), "%sIOAS_MAP %s %luMiB over pin + fill",
		 prefix, mem_name[kind], len / SZ_1M);
	printf("@@@ BENCH %s|x floor|-|%.4f|%s\n", name,
	       (double)map / (pin + fill), TARGET_FLOOR);
}

/* ---- through VT-d, with edu devices attached ---- */

static struct edu_sys edus[2];
static int nedus;

/*
 * Bind edu @n's VFIO cdev to @fd and attach it to @ioas; returns the
 * device's file, whose close() detaches and unbinds it.
 */
static int edu_attach(int fd, __u32 ioas, int n)
{
	int devfd = edu_cdev_open(&edus[n]);
	__u32 dev_id, pt = ioas;

	if (devfd < 0)
		die("open edu's VFIO cdev");
	if (edu_vfio_bind(devfd, fd, &dev_id))
		die("VFIO_DEVICE_BIND_IOMMUFD");
	if (edu_vfio_attach(devfd, &pt))
		die("VFIO_DEVICE_ATTACH_IOMMUFD_PT");
	return devfd;
}

/*
 * Through VT-d, best of @reps, results in GiB/s. Without @second:
 * IOAS_MAP then IOAS_UNMAP of the first @len bytes of @buf into an IOAS
 * with edu attached. With @second: two IOASes, each with an edu, @len
 * bytes of @buf mapped into the first; then IOAS_MAP of the same memory
 * into the second (already pinned for the first: ours shares the pins,
 * upstream pins again), and IOAS_UNMAP of the first, which unpins
 * nothing while the second holds the memory.
 */
static void bench_vtd_map_unmap(void *buf, enum mem_kind kind,
				unsigned long len, int reps, bool second,
				bool memory)
{
	__u64 best_map = ~0ULL, best_unmap = ~0ULL;
	struct kmem m0 = {}, m1 = {};
	double per_page;
	char name[96];
	int i;

	for (i = 0; i < reps; i++) {
		int fd = iommu_open();
		__u32 a = ioas_alloc(fd), b = a;
		int deva = edu_attach(fd, a, 0), devb = -1;
		__u64 t0, t1, t2;

		if (second)
			devb = edu_attach(fd, b = ioas_alloc(fd), 1);
		if (memory && !i)
			kmem_read(&m0);
		if (second)
			ioas_map(fd, a, buf, len, BIG_IOVA);
		t0 = now_ns();
		ioas_map(fd, b, buf, len, BIG_IOVA);
		t1 = now_ns();
		if (memory && !i)
			kmem_read(&m1);
		if (ioas_unmap(fd, a, BIG_IOVA, len) != len)
			die("IOMMU_IOAS_UNMAP left part of the mapping");
		t2 = now_ns();
		if (second)
			close(devb);
		close(deva);
		close(fd);
		best_map = min_ns(best_map, t1 - t0);
		best_unmap = min_ns(best_unmap, t2 - t1);
	}
	snprintf(name, sizeof(name), "VT-d: IOAS_MAP %s %luMiB%s",
		 mem_name[kind], len / SZ_1M,
		 second ? " pinned into 2nd IOAS" : "");
	result(name, "GiB/s", second ? TARGET_SHARED_PIN : TARGET_THROUGHPUT,
	       gib_per_s(len, best_map));
	snprintf(name, sizeof(name), "VT-d: IOAS_UNMAP %s %luMiB%s",
		 mem_name[kind], len / SZ_1M,
		 second ? " still in 2nd IOAS" : "");
	result(name, "GiB/s", TARGET_THROUGHPUT, gib_per_s(len, best_unmap));
	if (!memory)
		return;
	/* Slab, vmalloc and IOMMU page tables, per 4 KiB of memory mapped. */
	per_page = 1024.0 / (len / SZ_4K);
	snprintf(name, sizeof(name), "VT-d: kernel memory, %s %luMiB in %d IOAS%s",
		 mem_name[kind], len / SZ_1M, second ? 2 : 1,
		 second ? "es" : "");
	printf("# %s: slab %.2f, vmalloc %.2f, IOMMU page tables %.2f B/4KiB\n",
	       name, (m1.slab - m0.slab) * per_page,
	       (m1.vmalloc - m0.vmalloc) * per_page,
	       (m1.iommu - m0.iommu) * per_page);
	result(name, "B/4KiB", TARGET_MEMORY,
	       (m1.slab - m0.slab + m1.vmalloc - m0.vmalloc +
		m1.iommu - m0.iommu) * per_page);
}

/*
 * A thread that sleeps 1 ms at a time and records how late it wakes up,
 * on the same CPU as the thread that unmaps: how long the unmap keeps
 * that CPU from running anything else. It is a real-time thread, so that
 * the scheduler runs it at the unmap's first rescheduling point and the
 * delay measures the unmap, not the fair scheduler's time slices.
 */
struct waker {
	volatile int stop;
	volatile int running;
	__u64 worst_ns;
};

static void run_on_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static void *waker_thread(void *arg)
{
	struct timespec ms = { .tv_nsec = 1000000 };
	struct sched_param rt = { .sched_priority = 1 };
	struct waker *w = arg;
	__u64 t0, late;

	run_on_cpu0();
	if (sched_setscheduler(0, SCHED_FIFO, &rt))
		die("sched_setscheduler");
	while (!w->stop) {
		t0 = now_ns();
		nanosleep(&ms, NULL);
		late = now_ns() - t0 - ms.tv_nsec;
		if (w->running && late > w->worst_ns)
			w->worst_ns = late;
	}
	return NULL;
}

/*
 * IOAS_UNMAP of @len bytes of 4K pages through VT-d, best of @reps, with
 * the waker on the same CPU: its worst delay while the unmap runs.
 */
static void bench_unmap_stall(void *buf, unsigned long len, int reps)
{
	__u64 best = ~0ULL, unmap = ~0ULL, idle = 0, t0;
	struct timespec settle = { .tv_nsec = 20000000 };
	cpu_set_t all;
	char name[96];
	int i;

	if (sched_getaffinity(0, sizeof(all), &all))
		die("sched_getaffinity");
	run_on_cpu0();
	for (i = 0; i < reps; i++) {
		int fd = iommu_open();
		__u32 ioas = ioas_alloc(fd);
		int dev = edu_attach(fd, ioas, 0);
		struct waker w = {};
		pthread_t tid;

		ioas_map(fd, ioas, buf, len, BIG_IOVA);
		if (pthread_create(&tid, NULL, waker_thread, &w))
			die("pthread_create");
		/* What the waker sees with the CPU idle, for comparison. */
		w.running = 1;
		nanosleep(&settle, NULL);
		idle = max_ns(idle, w.worst_ns);
		w.worst_ns = 0;
		t0 = now_ns();
		if (ioas_unmap(fd, ioas, BIG_IOVA, len) != len)
			die("IOMMU_IOAS_UNMAP left part of the mapping");
		unmap = min_ns(unmap, now_ns() - t0);
		/* One more period, so that a wake-up held back is seen. */
		nanosleep(&settle, NULL);
		w.running = 0;
		w.stop = 1;
		pthread_join(tid, NULL);
		best = min_ns(best, w.worst_ns);
		close(dev);
		close(fd);
	}
	if (sched_setaffinity(0, sizeof(all), &all))
		die("sched_setaffinity");
	printf("# unmap stall: IOAS_UNMAP of %luMiB took %.2f ms with a thread sleeping 1 ms at a time on its CPU; that thread woke up to %.2f ms late with the CPU idle\n",
	       len / SZ_1M, unmap / 1e6, idle / 1e6);
	snprintf(name, sizeof(name),
		 "VT-d: IOAS_UNMAP 4K pages %luMiB, wake-up delay on its CPU",
		 len / SZ_1M);
	printf("@@@ BENCH %s|ms|%s|%.4f|%.1f\n", name, TARGET_OTHER, best / 1e6,
	       idle / 1e6 + STALL_MARGIN_MS);
}

/* -t: the VT-d rows that vary from boot to boot, and the stall. */
static void bench_vtd_sample(void)
{
	void *buf = mem_alloc(MEM_4K, SZ_1G);

	bench_vtd_map_unmap(buf, MEM_4K, SZ_1G, 3, false, false);
	bench_unmap_stall(buf, SZ_1G, 3);
	bench_floor("VT-d: ", buf, MEM_4K, SZ_1G, 3, edu_attach);
	munmap(buf, SZ_1G);
	buf = mem_alloc(MEM_THP, SZ_1G);
	bench_floor("VT-d: ", buf, MEM_THP, SZ_1G, 3, edu_attach);
	munmap(buf, SZ_1G);
}

static void bench_vtd(void)
{
	static const unsigned long sizes[] = { 64 * SZ_1M, 256 * SZ_1M, SZ_1G };
	static const int reps[] = { 10, 5, 3 };
	int nsizes = quick ? 1 : 3;
	enum mem_kind kind;
	const char *why;
	int s;

	for (nedus = 0; nedus < 2; nedus++) {
		why = edu_locate_nth(&edus[nedus], nedus);
		if (why) {
			printf("@@@ BENCH-FAIL VT-d rows: edu %d: %s\n", nedus,
			       why);
			exit(1);
		}
	}
	printf("# VT-d rows: edu %s and %s\n", edus[0].bdf, edus[1].bdf);
	if (threads_only) {
		bench_vtd_sample();
		return;
	}
	for (kind = MEM_4K; kind <= MEM_HUGETLB; kind++) {
		unsigned long len = sizes[nsizes - 1];
		void *buf = mem_alloc(kind, len);

		for (s = 0; s < nsizes; s++)
			bench_vtd_map_unmap(buf, kind, sizes[s],
					    quick ? 2 : reps[s], false,
					    s == nsizes - 1);
		for (s = 0; s < nsizes; s++)
			bench_vtd_map_unmap(buf, kind, sizes[s],
					    quick ? 2 : reps[s], true,
					    s == nsizes - 1);
		bench_floor("VT-d: ", buf, kind, len, quick ? 1 : 3,
			    edu_attach);
		if (kind == MEM_4K)
			bench_unmap_stall(buf, len, quick ? 1 : 3);
		munmap(buf, len);
	}
}

static void bench_copy_and_shared(void)
{
	unsigned long len = quick ? 64 * SZ_1M : SZ_1G;
	void *buf = mem_alloc(MEM_4K, len);

	bench_second_ioas(buf, quick ? len : 256 * SZ_1M, quick ? 2 : 10);
	if (!quick)
		bench_second_ioas(buf, len, 5);
	bench_floor("", buf, MEM_4K, len, quick ? 1 : 3, mock_attach);
	munmap(buf, len);
}

/*
 * @n single-page mappings in one IOAS with a mock domain, best of @reps:
 *  map:    IOAS_MAP of each page in turn, as the IOAS grows from 0 to @n
 *          areas; average cost of one map
 *  lookup: with @n areas, IOAS_UNMAP of the unmapped page between two
 *          areas (nothing to unmap: the cost of finding that out) at
 *          spread out positions; average cost of one such lookup
 *  unmap:  IOAS_UNMAP of each area in turn, back to 0; average cost
 * Results in microseconds per operation.
 */
static void bench_small(void *buf, unsigned long n, int reps)
{
	unsigned long probes = n < 2000 ? n : 2000;
	__u64 best[3] = { ~0ULL, ~0ULL, ~0ULL };
	static const char * const what[] = { "map", "lookup", "unmap" };
	unsigned long ops[3] = { n, probes, n };
	char name[96];
	unsigned long i;
	int r, k;

	for (r = 0; r < reps; r++) {
		int fd = iommu_open();
		__u32 ioas = ioas_alloc(fd);
		__u64 t0, t1, t2, t3;

		add_domains(fd, ioas, 1);
		t0 = now_ns();
		for (i = 0; i < n; i++)
			ioas_map(fd, ioas, (char *)buf + i * SZ_4K, SZ_4K,
				 SMALL_IOVA + i * SMALL_STRIDE);
		t1 = now_ns();
		for (i = 0; i < probes; i++) {
			unsigned long j = (i * 7919) % n;

			if (ioas_unmap(fd, ioas, SMALL_IOVA + j * SMALL_STRIDE +
				       SZ_4K, SZ_4K))
				die("IOMMU_IOAS_UNMAP of a hole unmapped something");
		}
		t2 = now_ns();
		for (i = 0; i < n; i++)
			if (ioas_unmap(fd, ioas, SMALL_IOVA + i * SMALL_STRIDE,
				       SZ_4K) != SZ_4K)
				die("IOMMU_IOAS_UNMAP of one area");
		t3 = now_ns();
		close(fd);
		best[0] = min_ns(best[0], t1 - t0);
		best[1] = min_ns(best[1], t2 - t1);
		best[2] = min_ns(best[2], t3 - t2);
	}
	for (k = 0; k < 3; k++) {
		snprintf(name, sizeof(name), "%lu areas: %s, per op", n,
			 what[k]);
		result(name, "us", TARGET_OTHER,
		       (double)best[k] / 1000.0 / ops[k]);
	}
}

/*
 * Two threads of one process, each mapping and unmapping its own memory
 * into its own IOAS (with a mock domain), against one thread doing both
 * threads' work: is pinning by one process serialized somewhere? The
 * IOASes belong to one /dev/iommu file, or to one file each.
 */
struct thread_work {
	int fd;
	__u32 ioas;
	void *buf;
	unsigned long len;
	int cycles;
	pthread_barrier_t *start;
};

static void work_cycles(struct thread_work *w)
{
	int c;

	for (c = 0; c < w->cycles; c++) {
		ioas_map(w->fd, w->ioas, w->buf, w->len, BIG_IOVA);
		if (ioas_unmap(w->fd, w->ioas, BIG_IOVA, w->len) != w->len)
			die("IOMMU_IOAS_UNMAP left part of the mapping");
	}
}

static void *work_thread(void *arg)
{
	struct thread_work *w = arg;

	pthread_barrier_wait(w->start);
	work_cycles(w);
	return NULL;
}

static void bench_two_threads(void)
{
	unsigned long len = quick ? 16 * SZ_1M : 64 * SZ_1M;
	int cycles = quick ? 2 : 8, reps = quick ? 1 : 3, r, t, fds;
	__u64 one = ~0ULL, two[3] = { ~0ULL, ~0ULL, ~0ULL };
	struct thread_work w[2];
	pthread_barrier_t start;
	pthread_t tid;
	char name[96];
	__u64 t0;

	for (t = 0; t < 2; t++)
		w[t] = (struct thread_work){
			.buf = mem_alloc(MEM_4K, len), .len = len,
			.cycles = cycles, .start = &start,
		};
	for (r = 0; r < reps; r++) {
		/* One thread, both IOASes of one file, one after the other. */
		w[0].fd = w[1].fd = iommu_open();
		for (t = 0; t < 2; t++) {
			w[t].ioas = ioas_alloc(w[t].fd);
			add_domains(w[t].fd, w[t].ioas, 1);
		}
		t0 = now_ns();
		work_cycles(&w[0]);
		work_cycles(&w[1]);
		one = min_ns(one, now_ns() - t0);
		close(w[0].fd);

		/* Two threads, with one file, then with two. */
		for (fds = 1; fds <= 2; fds++) {
			w[0].fd = iommu_open();
			w[1].fd = fds == 2 ? iommu_open() : w[0].fd;
			for (t = 0; t < 2; t++) {
				w[t].ioas = ioas_alloc(w[t].fd);
				add_domains(w[t].fd, w[t].ioas, 1);
			}
			pthread_barrier_init(&start, NULL, 2);
			if (pthread_create(&tid, NULL, work_thread, &w[1]))
				die("pthread_create");
			pthread_barrier_wait(&start);
			t0 = now_ns();
			work_cycles(&w[0]);
			pthread_join(tid, NULL);
			two[fds] = min_ns(two[fds], now_ns() - t0);
			pthread_barrier_destroy(&start);
			close(w[0].fd);
			if (fds == 2)
				close(w[1].fd);
		}
	}
	for (fds = 1; fds <= 2; fds++) {
		snprintf(name, sizeof(name),
			 "2 threads, %d file%s: speedup over 1 thread", fds,
			 fds > 1 ? "s" : "");
		printf("@@@ BENCH %s|x|%s|%.4f|%s\n", name, TARGET_OTHER,
		       (double)one / two[fds], TARGET_THREADS);
	}
	printf("# 1 thread: %d cycles of map + unmap of 4K pages %luMiB in each of 2 IOASes, %.1f ms\n",
	       cycles, len / SZ_1M, one / 1e6);
	for (t = 0; t < 2; t++)
		munmap(w[t].buf, len);
}

static void bench_many_small(void)
{
	static const unsigned long counts[] = { 1000, 10000, 100000 };
	static const int reps[] = { 20, 5, 3 };
	int ncounts = quick ? 2 : 3;
	unsigned long len = counts[ncounts - 1] * SZ_4K;
	void *buf = mem_alloc(MEM_4K, len);
	int c;

	for (c = 0; c < ncounts; c++)
		bench_small(buf, counts[c], quick ? 1 : reps[c]);
	munmap(buf, len);
}

int main(int argc, char **argv)
{
	__u64 start = now_ns();
	bool mock = true, vtd = true;
	int opt;

	while ((opt = getopt(argc, argv, "qmvt")) != -1) {
		switch (opt) {
		case 'q':
			quick = 1;
			break;
		case 't':
			threads_only = 1;
			break;
		case 'm':
			vtd = false;
			break;
		case 'v':
			mock = false;
			break;
		default:
			fprintf(stderr, "usage: %s [-q] [-t] [-m | -v]\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# iommufd_bench%s: best of N runs each; GiB/s or us per op\n",
	       quick ? " (quick)" : "");
	if (threads_only) {
		if (mock)
			bench_two_threads();
		if (vtd)
			bench_vtd();
		printf("# all done after %.0f s\n", (now_ns() - start) / 1e9);
		return 0;
	}
	if (vtd && !mock) {
		bench_vtd();
		printf("# all done after %.0f s\n", (now_ns() - start) / 1e9);
		return 0;
	}
	bench_throughput();
	printf("# throughput done after %.0f s\n", (now_ns() - start) / 1e9);
	bench_copy_and_shared();
	printf("# copy and second IOAS done after %.0f s\n",
	       (now_ns() - start) / 1e9);
	bench_many_small();
	printf("# small mappings done after %.0f s\n",
	       (now_ns() - start) / 1e9);
	bench_two_threads();
	printf("# two threads done after %.0f s\n", (now_ns() - start) / 1e9);
	if (vtd)
		bench_vtd();
	printf("# all done after %.0f s\n", (now_ns() - start) / 1e9);
	return 0;
}
