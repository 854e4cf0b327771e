/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The fail-nth sweep of iommufd_faults and iommufd_faults_dev: allocation
 * failure on every ioctl path (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC,
 * CONFIG_FAULT_INJECTION_DEBUG_FS).
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
 * Without fail-nth the tests skip. They set the injection knobs in debugfs
 * (mounting it if needed) and put the old values back when done, with
 * inject_setup() and inject_restore() of the library.
 *
 * A test file defines a struct path per call (setup, run, expect) and a
 * variant of the faults fixture (below) per path. This header has the
 * sweep, the snapshots, and the setup and expect helpers that the paths of
 * both files use. They assert through the harness, so they are static
 * functions that take its _metadata, and each test file includes this
 * header after kselftest_harness.h and compiles its own copy; a helper
 * that only one file uses is in that file.
 */
#ifndef __FAULTS_UTIL_H
#define __FAULTS_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* Give up on a sweep that has not completed after this many points. */
#define MAX_NTH 1000

#define MAX_IOAS 2
#define MAX_HWPT 3
#define MAX_IDS 8

/*
 * The buffer of the sweeps, WIN_PAGES pages: a shared mapping of the memfd
 * buf_fd, so that IOMMU_IOAS_MAP_FILE of the memfd reaches the very same
 * pages. The fixture's setup allocates it, in the process of the test.
 */
static uint8_t *buf;
static int buf_fd = -1;

enum id_kind { ID_IOAS, ID_HWPT, ID_IDEV, ID_NESTED };

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
	int qfd;		/* a fault queue's file, closed with @fd */
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

/*
 * The faults fixture, a sweep of one path per variant: its data and its
 * variant are defined here, and a test file registers it with
 * FIXTURE(faults); gives it a FIXTURE_SETUP() and a FIXTURE_TEARDOWN()
 * that call sweep_setup() and sweep_teardown(), adds its paths with
 * FIXTURE_VARIANT_ADD(faults, name) and runs each with a
 * TEST_F(faults, sweep) that calls sweep_path().
 */
FIXTURE_DATA(faults) {
	struct inject_cfg cfg;
	bool ready;
};

FIXTURE_VARIANT(faults) {
	const struct path *path;
};

/* Make object @id of @kind part of the snapshot. */
static void track(struct state *st, uint32_t id, enum id_kind kind)
{
	st->ids[st->nids].id = id;
	st->ids[st->nids].kind = kind;
	st->nids++;
}

/* A new IOAS, tracked, as the next of st->ioas. */
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

/* Map buffer pages [first, first + n) 1:1 into @ioas. */
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

/* A base state with one IOAS, and @ndev mock devices on it. */
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

/* One IOAS with a mock device. */
static void setup_map1(struct __test_metadata *_metadata, struct state *st)
{
	setup_ioas_devices(_metadata, st, 1);
}

/* One IOAS with the large piece mapped, and no device. */
static void setup_mapped0(struct __test_metadata *_metadata, struct state *st)
{
	setup_ioas_devices(_metadata, st, 0);
	map_pages(_metadata, st, st->ioas[0], LARGE_FIRST, LARGE_PAGES);
}

/* One IOAS with the large piece mapped, and a mock device. */
static void setup_mapped1(struct __test_metadata *_metadata, struct state *st)
{
	setup_ioas_devices(_metadata, st, 1);
	map_pages(_metadata, st, st->ioas[0], LARGE_FIRST, LARGE_PAGES);
}

/*
 * The snapshot probes: each says whether something holds for all of
 * [first, first + n) of the window, @arg telling which object or value.
 */
typedef bool (*probe_fn)(struct __test_metadata *_metadata, struct state *st,
			 uint32_t arg, unsigned int first, unsigned int n);

/*
 * The probes ask about these pieces of the window as a whole before
 * asking page by page: every map and unmap here covers whole pieces.
 */
static const unsigned int pieces[] = {
	SMALL_FIRST, SMALL_FIRST + SMALL_PAGES, LARGE_FIRST, CUT_FIRST,
	CUT_FIRST + CUT_PAGES, WIN_PAGES,
};

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

/* Is tracked object st->ids[@i] there? Other errors than ENOENT fail. */
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
	case ID_NESTED:
		/* Nested tables of the sweeps start with the default IOTLB. */
		rc = __md_check_iotlb(st->fd, id, 0, IOMMU_TEST_IOTLB_DEFAULT);
		break;
	}
	if (rc != ENOENT)
		EXPECT_EQ(0, rc);
	return !rc;
}

/* The ID the next object of file @fd will get. */
static uint32_t peek_next_id(struct __test_metadata *_metadata, int fd)
{
	uint32_t id = ioas_alloc(fd);

	iommufd_destroy(fd, id);
	return id;
}

/* All that user space can see of @st (see the top of this file). */
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

/* The expect of a call that changes nothing. */
static void expect_nothing(struct __test_metadata *_metadata,
			   struct state *st, struct snap *want,
			   const struct snap *got)
{
}

/* IOMMU_IOAS_MAP of buffer pages [first, first + n) at their IOVA. */
static int map_fixed(struct state *st, uint32_t ioas, unsigned int first,
		     unsigned int n)
{
	uint64_t iova = IOVA(first);

	return __ioas_map(st->fd, ioas, buf + first * PSZ, n * PSZ, &iova,
			  MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
}

/* The large map into ioas[0]. */
static int run_map_large(struct state *st)
{
	return map_fixed(st, st->ioas[0], LARGE_FIRST, LARGE_PAGES);
}

/* What the large map does to ioas[0] and to every mock table. */
static void expect_map_large(struct __test_metadata *_metadata,
			     struct state *st, struct snap *want,
			     const struct snap *got)
{
	unsigned int i;

	expect_mapped(want, 0, LARGE_FIRST, LARGE_PAGES, true);
	for (i = 0; i != st->nhwpt; i++)
		want->translated[i] |= PAGES(LARGE_FIRST, LARGE_PAGES);
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

/*
 * The fixture's setup: skip without the mock or fail-nth; else set the
 * knobs up (*@ready once inject_restore() of @cfg must run) and alloc buf.
 */
static void sweep_setup(struct __test_metadata *_metadata,
			struct inject_cfg *cfg, bool *ready)
{
	int rc;

	/* The snapshots need MD_CHECK_REFS. */
	if (mock_missing())
		SKIP(return, "kernel built without CONFIG_IOMMUFD_TEST");
	rc = inject_setup(cfg);
	if (rc == EOPNOTSUPP)
		SKIP(return, NO_INJECT_MSG);
	ASSERT_EQ(0, rc);
	*ready = true;
	if (!buf)
		buf = alloc_memfd_buffer();
	ASSERT_NE(NULL, buf);
}

/* The fixture's teardown: put back the knobs if @ready. */
static void sweep_teardown(struct inject_cfg *cfg, bool ready)
{
	if (ready)
		inject_restore(cfg);
}

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

/* Sweep path @p, with the knobs of @cfg (see the top of this file). */
static void sweep_path(struct __test_metadata *_metadata,
		       struct inject_cfg *cfg, const struct path *p)
{
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

		rc = run_nth(_metadata, cfg, p, &st, nth, &fired);
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
		if (st.qfd > 0)
			ASSERT_EQ(0, close(st.qfd));
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

#endif
