// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Allocation failure on every ioctl path (CONFIG_FAILSLAB,
 * CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS).
 *
 * Each variant names one call and the state it runs on. The sweep builds
 * that state afresh on a new file, arms the thread's fail-nth counter with
 * N, issues the call and reads the counter back: 0 means the Nth
 * injection point (a slab or page allocation, ours or the kernel's) was
 * made to fail. It does this for N = 1, 2, ... until the call gets
 * through without reaching the armed point, which must then succeed.
 *
 * A call that failed must have failed with ENOMEM and left everything user
 * space can see as it was: the IOVA ranges of each IOAS, which IOVAs are
 * mapped (probed with IOMMU_IOAS_COPY into a spare IOAS), what each mock
 * page table translates (MD_CHECK_MAP), the pin count of each page of the
 * buffer (MD_CHECK_REFS), VmPin and VmLck, the validity of every object ID
 * and the ID the next object would get. An injected failure that the call
 * absorbed must leave the state of a success. KASAN, kmemleak and
 * panic_on_warn watch the error paths from inside the kernel.
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
 *
 * Without fail-nth the tests skip. They set the injection knobs in debugfs
 * (mounting it if needed) and put the old values back when done, with
 * inject_setup() and inject_restore() of the library.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"

#define PSZ ((uint64_t)getpagesize())
/*
 * The IOVA window every test maps in, and the buffer mapped 1:1 into it.
 * A mock table keeps two IO pages per CPU page in an xarray, whose nodes
 * hold 64 entries: the window starts 24 pages into a node, so that the
 * large map needs two leaf nodes.
 */
#define WIN_PAGES 20
#define WIN_IOVA ((uint64_t)MOCK_APERTURE_START + 24 * PSZ)
#define IOVA(page) (WIN_IOVA + (uint64_t)(page) * PSZ)
#define PAGES(first, n) ((((uint64_t)1 << (n)) - 1) << (first))
#define ALL_PAGES PAGES(0, WIN_PAGES)
#define SMALL_FIRST 0
#define SMALL_PAGES 1
#define LARGE_FIRST 4
#define LARGE_PAGES 16
/* The part of the large map that the type1 v1 unmap cuts out */
#define CUT_FIRST 10
#define CUT_PAGES 2
/*
 * The probes ask about these pieces of the window as a whole before
 * asking page by page: every map and unmap here covers whole pieces.
 */
static const unsigned int pieces[] = {
	SMALL_FIRST, SMALL_FIRST + SMALL_PAGES, LARGE_FIRST, CUT_FIRST,
	CUT_FIRST + CUT_PAGES, WIN_PAGES,
};

/* Give up on a sweep that has not completed after this many points. */
#define MAX_NTH 1000

#define MAX_IOAS 2
#define MAX_HWPT 3
#define MAX_IDS 8

static uint8_t *buf;
static int buf_fd = -1;

enum id_kind { ID_IOAS, ID_HWPT, ID_IDEV };

/* The objects a path sets up; what the snapshot looks at. */
struct state {
	int fd;
	uint32_t scratch;	/* spare IOAS for the COPY probe */
	uint32_t ioas[MAX_IOAS];
	unsigned int nioas;
	uint32_t hwpt[MAX_HWPT];
	unsigned int nhwpt;
	uint32_t stdev[2];
	uint32_t idev[2];
	struct {
		uint32_t id;
		enum id_kind kind;
	} ids[MAX_IDS];
	unsigned int nids;
	/* What the call under test returned */
	uint32_t out_id[3];
	uint64_t out_val;
};

/* What user space can observe of a state. */
struct layout {
	uint32_t num;
	uint64_t align;
	struct iommu_iova_range ranges[4];
};

struct snap {
	uint32_t next_id;
	struct layout layout[MAX_IOAS];
	uint64_t mapped[MAX_IOAS];	/* bit k: IOVA(k) is mapped */
	uint64_t translated[MAX_HWPT];	/* bit k: IOVA(k) translates to buf */
	int8_t refs[WIN_PAGES];		/* pins of each buffer page */
	bool valid[MAX_IDS];
	long vm_pin;
	long vm_lck;
};

struct path {
	/* Build the state the call runs on; @st->fd is a new file. */
	void (*setup)(struct __test_metadata *_metadata, struct state *st);
	/* The call under test, with fail-nth armed: one ioctl and no more. */
	int (*run)(struct state *st);
	/* The snapshot a success leads to, from the one before the call. */
	void (*expect)(struct __test_metadata *_metadata, struct state *st,
		       struct snap *want, const struct snap *got);
	/* The call allocates nothing: the sweep must see no point at all. */
	bool no_alloc;
};

static void track(struct state *st, uint32_t id, enum id_kind kind)
{
	st->ids[st->nids].id = id;
	st->ids[st->nids].kind = kind;
	st->nids++;
}

static uint32_t add_ioas(struct __test_metadata *_metadata, struct state *st)
{
	uint32_t id = ioas_alloc(st->fd);

	st->ioas[st->nioas++] = id;
	track(st, id, ID_IOAS);
	return id;
}

/* A mock device on @pt_id; its automatic page table joins the snapshot. */
static void add_device(struct __test_metadata *_metadata, struct state *st,
		       unsigned int idx, uint32_t pt_id)
{
	uint32_t hwpt;

	mock_domain(st->fd, pt_id, &st->stdev[idx], &hwpt, &st->idev[idx]);
	st->hwpt[st->nhwpt++] = hwpt;
	track(st, hwpt, ID_HWPT);
	track(st, st->idev[idx], ID_IDEV);
}

static void map_pages(struct __test_metadata *_metadata, struct state *st,
		      uint32_t ioas, unsigned int first, unsigned int n)
{
	ioas_map_fixed(st->fd, ioas, buf + first * PSZ, n * PSZ, IOVA(first));
}

/* Every state has a file and a spare IOAS for the COPY probe. */
static void base_setup(struct __test_metadata *_metadata, struct state *st)
{
	memset(st, 0, sizeof(*st));
	st->fd = iommufd_open();
	ASSERT_LE(0, st->fd);
	st->scratch = ioas_alloc(st->fd);
}

/* The same in the VFIO-compatible accounting mode (RLIMIT_MODE 1). */
static void base_setup_mm(struct __test_metadata *_metadata, struct state *st)
{
	uint64_t val = 1;

	memset(st, 0, sizeof(*st));
	st->fd = iommufd_open();
	ASSERT_LE(0, st->fd);
	ASSERT_EQ(0, __iommufd_option(st->fd, IOMMU_OPTION_RLIMIT_MODE,
				      IOMMU_OPTION_OP_SET, 0, &val));
	st->scratch = ioas_alloc(st->fd);
}

/*
 * The snapshot probes: each says whether something holds for all of
 * [first, first + n) of the window, @arg telling which object or value.
 */
typedef bool (*probe_fn)(struct __test_metadata *_metadata, struct state *st,
			 uint32_t arg, unsigned int first, unsigned int n);

/* Mapped in IOAS @arg: a COPY of it into the spare IOAS works. */
static bool probe_mapped(struct __test_metadata *_metadata, struct state *st,
			 uint32_t arg, unsigned int first, unsigned int n)
{
	uint64_t dst = IOVA(first);
	int rc;

	rc = __ioas_copy(st->fd, st->scratch, &dst, arg, IOVA(first),
			 n * PSZ, MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
	if (rc == ENOENT)
		return false;
	EXPECT_EQ(0, rc);
	if (!rc)
		ioas_unmap(st->fd, st->scratch, dst, n * PSZ);
	return !rc;
}

/* Mock table @arg translates it to the buffer. */
static bool probe_translated(struct __test_metadata *_metadata,
			     struct state *st, uint32_t arg,
			     unsigned int first, unsigned int n)
{
	return !__md_check_map(st->fd, arg, IOVA(first), buf + first * PSZ,
			       n * PSZ);
}

/* Each page of the buffer is pinned @arg times. */
static bool probe_refs(struct __test_metadata *_metadata, struct state *st,
		       uint32_t arg, unsigned int first, unsigned int n)
{
	return !__md_check_refs(st->fd, buf + first * PSZ, n * PSZ, arg);
}

/* The pages for which @probe holds: the window, else pieces, else pages. */
static uint64_t probe_pages(struct __test_metadata *_metadata,
			    struct state *st, probe_fn probe, uint32_t arg)
{
	unsigned int i, p, n;
	uint64_t bits = 0;

	if (probe(_metadata, st, arg, 0, WIN_PAGES))
		return ALL_PAGES;
	for (p = 0; p + 1 != ARRAY_SIZE(pieces); p++) {
		n = pieces[p + 1] - pieces[p];
		if (probe(_metadata, st, arg, pieces[p], n)) {
			bits |= PAGES(pieces[p], n);
			continue;
		}
		for (i = pieces[p]; n > 1 && i != pieces[p + 1]; i++)
			if (probe(_metadata, st, arg, i, 1))
				bits |= PAGES(i, 1);
	}
	return bits;
}

/* How many times each page of the buffer is pinned; -1: not 0 to 2. */
static void page_refs(struct __test_metadata *_metadata, struct state *st,
		      int8_t *refs)
{
	uint64_t known = 0, bits;
	unsigned int i;
	int r;

	memset(refs, -1, WIN_PAGES);
	for (r = 0; r != 3 && known != ALL_PAGES; r++) {
		bits = probe_pages(_metadata, st, probe_refs, r) & ~known;
		for (i = 0; i != WIN_PAGES; i++)
			if (bits & PAGES(i, 1))
				refs[i] = r;
		known |= bits;
	}
}

static bool id_valid(struct __test_metadata *_metadata, struct state *st,
		     unsigned int i)
{
	struct iommu_iova_range range;
	uint32_t id = st->ids[i].id;
	uint32_t num = 1, len;
	uint8_t info[64];
	int rc = 0;

	switch (st->ids[i].kind) {
	case ID_IOAS:
		rc = __ioas_iova_ranges(st->fd, id, &range, &num, NULL);
		if (rc == EMSGSIZE)
			rc = 0;
		break;
	case ID_HWPT:
		rc = __md_check_map(st->fd, id, WIN_IOVA, buf, 0);
		break;
	case ID_IDEV:
		len = sizeof(info);
		rc = __get_hw_info(st->fd, id, info, &len, NULL);
		break;
	}
	if (rc != ENOENT)
		EXPECT_EQ(0, rc);
	return !rc;
}

static uint32_t peek_next_id(struct __test_metadata *_metadata, int fd)
{
	uint32_t id = ioas_alloc(fd);

	iommufd_destroy(fd, id);
	return id;
}

static void take_snap(struct __test_metadata *_metadata, struct state *st,
		      struct snap *s)
{
	unsigned int i;

	/* First the kernel's own invariants of every IOAS (io_pagetable.h). */
	ASSERT_EQ(0, __ioas_validate(st->fd, 0)) {
		TH_LOG("an IOAS invariant is broken: see the kernel log");
	}
	memset(s, 0, sizeof(*s));
	for (i = 0; i != st->nioas; i++) {
		struct layout *l = &s->layout[i];
		int rc;

		l->num = ARRAY_SIZE(l->ranges);
		rc = __ioas_iova_ranges(st->fd, st->ioas[i], l->ranges,
					&l->num, &l->align);
		if (rc == ENOENT) {
			/* Destroyed: nothing to see. */
			memset(l, 0, sizeof(*l));
			continue;
		}
		ASSERT_EQ(0, rc);
		s->mapped[i] = probe_pages(_metadata, st, probe_mapped,
					   st->ioas[i]);
	}
	for (i = 0; i != st->nhwpt; i++)
		s->translated[i] = probe_pages(_metadata, st, probe_translated,
					       st->hwpt[i]);
	for (i = 0; i != st->nids; i++)
		s->valid[i] = id_valid(_metadata, st, i);
	page_refs(_metadata, st, s->refs);
	s->vm_pin = proc_status_kb("VmPin");
	s->vm_lck = proc_status_kb("VmLck");
	s->next_id = peek_next_id(_metadata, st->fd);
}

/*
 * Only what outlives a file: pins and the next ID. Between rounds it shows
 * whether closing the last round's file left something behind.
 */
static void take_quick_snap(struct __test_metadata *_metadata,
			    struct state *st, struct snap *s)
{
	page_refs(_metadata, st, s->refs);
	s->vm_pin = proc_status_kb("VmPin");
	s->vm_lck = proc_status_kb("VmLck");
	s->next_id = peek_next_id(_metadata, st->fd);
}

/* Compare two snapshots; log each difference. */
static bool same_snap(struct __test_metadata *_metadata, struct state *st,
		      const struct snap *want, const struct snap *got)
{
	bool same = true;
	unsigned int i, j;

	for (i = 0; i != st->nioas; i++) {
		const struct layout *wl = &want->layout[i];
		const struct layout *gl = &got->layout[i];

		if (wl->num != gl->num || wl->align != gl->align) {
			TH_LOG("IOAS %u: %u ranges aligned to %llu, expected %u aligned to %llu",
			       st->ioas[i], gl->num,
			       (unsigned long long)gl->align, wl->num,
			       (unsigned long long)wl->align);
			same = false;
		}
		for (j = 0; j != wl->num && j != ARRAY_SIZE(wl->ranges); j++) {
			if (wl->ranges[j].start == gl->ranges[j].start &&
			    wl->ranges[j].last == gl->ranges[j].last)
				continue;
			TH_LOG("IOAS %u: range %u is %#llx-%#llx, expected %#llx-%#llx",
			       st->ioas[i], j,
			       (unsigned long long)gl->ranges[j].start,
			       (unsigned long long)gl->ranges[j].last,
			       (unsigned long long)wl->ranges[j].start,
			       (unsigned long long)wl->ranges[j].last);
			same = false;
		}
		if (want->mapped[i] != got->mapped[i]) {
			TH_LOG("IOAS %u: mapped pages %#llx, expected %#llx",
			       st->ioas[i], (unsigned long long)got->mapped[i],
			       (unsigned long long)want->mapped[i]);
			same = false;
		}
	}
	for (i = 0; i != st->nhwpt; i++) {
		if (want->translated[i] == got->translated[i])
			continue;
		TH_LOG("HWPT %u: translated pages %#llx, expected %#llx",
		       st->hwpt[i], (unsigned long long)got->translated[i],
		       (unsigned long long)want->translated[i]);
		same = false;
	}
	for (i = 0; i != st->nids; i++) {
		if (want->valid[i] == got->valid[i])
			continue;
		TH_LOG("object %u is %s", st->ids[i].id,
		       got->valid[i] ? "still valid" : "gone");
		same = false;
	}
	for (i = 0; i != WIN_PAGES; i++) {
		if (want->refs[i] == got->refs[i])
			continue;
		TH_LOG("buffer page %u pinned %d times, expected %d", i,
		       got->refs[i], want->refs[i]);
		same = false;
	}
	if (want->vm_pin != got->vm_pin || want->vm_lck != got->vm_lck) {
		TH_LOG("VmPin %ld kB, VmLck %ld kB, expected %ld kB and %ld kB",
		       got->vm_pin, got->vm_lck, want->vm_pin, want->vm_lck);
		same = false;
	}
	if (want->next_id != got->next_id) {
		TH_LOG("next object ID %u, expected %u", got->next_id,
		       want->next_id);
		same = false;
	}
	return same;
}

/*
 * The buffer of the sweeps: a shared mapping of a memfd (buf_fd), so that
 * IOMMU_IOAS_MAP_FILE of the memfd reaches the very same pages.
 */
static uint8_t *alloc_memfd_buffer(void)
{
	void *p;

	buf_fd = memfd_create("iommufd_faults", 0);
	if (buf_fd < 0 || ftruncate(buf_fd, WIN_PAGES * PSZ))
		return NULL;
	p = mmap(NULL, WIN_PAGES * PSZ, PROT_READ | PROT_WRITE, MAP_SHARED,
		 buf_fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x5a, WIN_PAGES * PSZ);
	return p;
}

/* The buffer: touched small pages, so that MD_CHECK_REFS sees each pin. */
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
	ASSERT_EQ(0, __vfio_ioas(st->fd, IOMMU_VFIO_IOAS_SET, &ioas));
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

/* A success maps [first, first + n) everywhere and pins it once. */
static void expect_mapped(struct snap *want, unsigned int ioas_idx,
			  unsigned int first, unsigned int n, bool new_pins)
{
	unsigned int i;

	want->mapped[ioas_idx] |= PAGES(first, n);
	if (!new_pins)
		return;
	for (i = first; i != first + n; i++)
		want->refs[i] = 1;
	want->vm_pin += n * PSZ / 1024;
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

static void setup_ioas_devices(struct __test_metadata *_metadata,
			       struct state *st, unsigned int ndev)
{
	unsigned int i;
	uint32_t ioas;

	base_setup(_metadata, st);
	ioas = add_ioas(_metadata, st);
	for (i = 0; i != ndev; i++)
		add_device(_metadata, st, i, ioas);
}

static void setup_map0(struct __test_metadata *_metadata, struct state *st)
{
	setup_ioas_devices(_metadata, st, 0);
}

static void setup_map1(struct __test_metadata *_metadata, struct state *st)
{
	setup_ioas_devices(_metadata, st, 1);
}

static void setup_map2(struct __test_metadata *_metadata, struct state *st)
{
	setup_ioas_devices(_metadata, st, 2);
}

static int map_fixed(struct state *st, uint32_t ioas, unsigned int first,
		     unsigned int n)
{
	uint64_t iova = IOVA(first);

	return __ioas_map(st->fd, ioas, buf + first * PSZ, n * PSZ, &iova,
			  MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
}

static int run_map_small(struct state *st)
{
	return map_fixed(st, st->ioas[0], SMALL_FIRST, SMALL_PAGES);
}

static int run_map_large(struct state *st)
{
	return map_fixed(st, st->ioas[0], LARGE_FIRST, LARGE_PAGES);
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

static void expect_map_large(struct __test_metadata *_metadata,
			     struct state *st, struct snap *want,
			     const struct snap *got)
{
	unsigned int i;

	expect_mapped(want, 0, LARGE_FIRST, LARGE_PAGES, true);
	for (i = 0; i != st->nhwpt; i++)
		want->translated[i] |= PAGES(LARGE_FIRST, LARGE_PAGES);
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
	ASSERT_EQ(0, __ioas_map_file(st->fd, st->ioas[1], buf_fd,
				     LARGE_FIRST * PSZ, LARGE_PAGES * PSZ,
				     &iova, MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
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

static void setup_mapped1(struct __test_metadata *_metadata, struct state *st)
{
	setup_ioas_devices(_metadata, st, 1);
	map_pages(_metadata, st, st->ioas[0], LARGE_FIRST, LARGE_PAGES);
}

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

static void setup_mapped0(struct __test_metadata *_metadata, struct state *st)
{
	setup_ioas_devices(_metadata, st, 0);
	map_pages(_metadata, st, st->ioas[0], LARGE_FIRST, LARGE_PAGES);
}

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

	ASSERT_EQ(0, __iommufd_option(st->fd, IOMMU_OPTION_HUGE_PAGES,
				      IOMMU_OPTION_OP_GET, st->ioas[0], &val));
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

	ASSERT_EQ(0, __iommufd_option(st->fd, IOMMU_OPTION_RLIMIT_MODE,
				      IOMMU_OPTION_OP_GET, 0, &val));
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

static void expect_nothing(struct __test_metadata *_metadata,
			   struct state *st, struct snap *want,
			   const struct snap *got)
{
}

static const struct path path_hw_info = {
	.setup = setup_map1,
	.run = run_hw_info,
	.expect = expect_nothing,
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

	ASSERT_EQ(0, __vfio_ioas(st->fd, IOMMU_VFIO_IOAS_GET, &id));
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
	ASSERT_EQ(0, __vfio_ioas(st->fd, IOMMU_VFIO_IOAS_SET, &ioas));
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
	ASSERT_EQ(0, __iommufd_option(st->fd, IOMMU_OPTION_HUGE_PAGES,
				      IOMMU_OPTION_OP_GET, st->ioas[0], &val));
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

/* IOMMU_DESTROY of each kind of object */

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

	ASSERT_EQ(0, __mock_domain_flags(st->fd, pt_id, dev_flags,
					 &st->stdev[idx], &hwpt,
					 &st->idev[idx]));
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

static void setup_spapr(struct __test_metadata *_metadata, struct state *st)
{
	uint32_t ioas;

	base_setup(_metadata, st);
	ioas = add_ioas(_metadata, st);
	ASSERT_EQ(0, __vfio_ioas(st->fd, IOMMU_VFIO_IOAS_SET, &ioas));
	ASSERT_EQ(0, iommufd_ioctl(st->fd, VFIO_SET_IOMMU,
				   (void *)(uintptr_t)VFIO_SPAPR_TCE_v2_IOMMU));
	add_model_device(_metadata, st, 0, ioas, MOCK_FLAGS_DEVICE_MODEL_PPC);
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

	ASSERT_EQ(0, __ioas_window_add(st->fd, &cmd));
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
	ASSERT_EQ(0, __set_dirty_tracking(st->fd, hwpt, true));
	dirty_bits[0] = 0x5;
	ASSERT_EQ(0, __mock_dirty(st->fd, hwpt, IOVA(LARGE_FIRST), 4 * PSZ,
				  PSZ, dirty_bits, NULL));
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

FIXTURE(faults) {
	struct inject_cfg cfg;
	bool ready;
};

FIXTURE_VARIANT(faults) {
	const struct path *path;
};

FIXTURE_SETUP(faults)
{
	int rc;

	/* The snapshots need MD_CHECK_REFS. */
	if (mock_missing())
		SKIP(return, "kernel built without CONFIG_IOMMUFD_TEST");
	rc = inject_setup(&self->cfg);
	if (rc == EOPNOTSUPP)
		SKIP(return, NO_INJECT_MSG);
	ASSERT_EQ(0, rc);
	self->ready = true;
	if (!buf)
		buf = alloc_memfd_buffer();
	ASSERT_NE(NULL, buf);
}

FIXTURE_TEARDOWN(faults)
{
	if (self->ready)
		inject_restore(&self->cfg);
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

/*
 * Run the call with the Nth injection point armed; returns its errno and
 * sets *fired if the point was reached.
 */
static int run_nth(struct __test_metadata *_metadata, struct inject_cfg *cfg,
		   const struct path *p, struct state *st, unsigned int nth,
		   bool *fired)
{
	unsigned int left = 0;
	int rc, rc_set;

	rc_set = fail_nth_set(cfg->nth_fd, nth);
	rc = p->run(st);
	EXPECT_EQ(0, fail_nth_get(cfg->nth_fd, &left));
	EXPECT_EQ(0, fail_nth_set(cfg->nth_fd, 0));
	ASSERT_EQ(0, rc_set);
	*fired = !left;
	return rc;
}

TEST_F_TIMEOUT(faults, sweep, 120)
{
	const struct path *p = variant->path;
	unsigned int nth, nfired = 0, nfailed = 0;
	struct snap before, want, got;
	bool fired, retried = false;
	struct state st;
	int rc;

	for (nth = 1;; nth++) {
		ASSERT_GT(MAX_NTH, nth) {
			TH_LOG("still failing after %u injection points",
			       MAX_NTH);
		}
		p->setup(_metadata, &st);
		if (nth == 1) {
			take_snap(_metadata, &st, &before);
		} else {
			/* The last round left nothing behind. */
			got = before;
			take_quick_snap(_metadata, &st, &got);
			ASSERT_TRUE(same_snap(_metadata, &st, &before, &got)) {
				TH_LOG("point %u: left behind by point %u",
				       nth, nth - 1);
			}
		}

		rc = run_nth(_metadata, &self->cfg, p, &st, nth, &fired);
		if (fired)
			nfired++;
		if (rc) {
			ASSERT_TRUE(fired) {
				TH_LOG("failed with %s without an injected fault",
				       strerror(rc));
			}
			ASSERT_EQ(ENOMEM, rc) {
				TH_LOG("point %u: %s", nth, strerror(rc));
			}
			nfailed++;
			take_snap(_metadata, &st, &got);
			ASSERT_TRUE(same_snap(_metadata, &st, &before, &got)) {
				TH_LOG("point %u: changed by the failed call",
				       nth);
			}
		} else {
			take_snap(_metadata, &st, &got);
			want = before;
			p->expect(_metadata, &st, &want, &got);
			ASSERT_TRUE(same_snap(_metadata, &st, &want, &got)) {
				TH_LOG("point %u: not what the call does%s", nth,
				       fired ? " (fault absorbed)" : "");
			}
		}
		ASSERT_EQ(0, close(st.fd));
		/*
		 * KASAN's stack depot refills its pool, from whatever call
		 * needs it next, with a page allocation whose failure does no
		 * harm. A path that allocates nothing may meet it once: the
		 * point is then tried again.
		 */
		if (fired && !rc && p->no_alloc && !retried) {
			retried = true;
			nfired--;
			nth--;
			continue;
		}
		if (!fired)
			break;
	}
	TH_LOG("%u injection points, %u of them failed the call", nfired,
	       nfailed);
	/* Else the sweep tested nothing: the path or the knobs changed. */
	if (p->no_alloc)
		ASSERT_EQ(0, nfired);
	if (!p->no_alloc)
		ASSERT_LT(0, nfired);
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
