// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * A model-checked fuzzer of the /dev/iommu ioctls.
 *
 * Random sequences of IOAS_ALLOC, IOAS_MAP, IOAS_MAP_FILE, IOAS_UNMAP,
 * IOAS_COPY, IOAS_IOVA_RANGES, IOAS_ALLOW_IOVAS, OPTION, the window
 * commands, PIN_STATS, DESTROY and (with the mock) mock devices, with
 * random and edge-case arguments and argument structures that are short,
 * long, unreachable or read-only. A userspace model of every IOAS (its
 * areas, windows, allowed and reserved ranges, devices) predicts each
 * result: the exact errno where the ABI fixes it, or the set of results
 * it allows. After every call the kernel is compared with the model:
 * IOVA ranges, every area (an IOAS_COPY probe into a scratch IOAS), the
 * holes between areas, the mock page tables (MD_CHECK_MAP), the pinned
 * bytes of each IOAS and of the file (PIN_STATS) and VmPin. A failed call
 * must leave all of it as it was.
 *
 * IOMMUFD_FUZZ_SEED sets the seed, IOMMUFD_FUZZ_SECONDS the run time of
 * each test (default a few seconds, for make check). A mismatch prints the
 * call, the expected and actual result and the seed to replay it with.
 */
/* __u64 is unsigned long long, printed with %llx, on every architecture */
#define __SANE_USERSPACE_TYPES__
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"

#define PSZ ((__u64)getpagesize())
#define U64MAX UINT64_MAX
#define MAP_FLAGS (MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)

#define MAX_IOAS	4
#define MAX_AREAS	24
#define MAX_WINS	8
#define MAX_ALLOWED	3
#define MAX_RESV	4
#define MAX_DEVS	4
#define MAX_RANGES	48

/* Pages of each kind of memory the mappings come from. */
#define ANON_PAGES	48
#define RO_PAGES	8
#define FILE_PAGES	32
#define MAX_PAGES	ANON_PAGES

#define MAX_ITERS	200000
#define CORE_SECONDS	10
#define MOCK_SECONDS	15

/* IOVA the kernel picks without allowed ranges (io_pagetable.c) */
#define AUTO_LOW	PSZ
#define AUTO_HIGH	(U64MAX - PSZ)

/* Where the mapped memory comes from; pins are counted per source. */
enum src { SRC_ANON, SRC_RO, SRC_FILE, SRC_FMAP, NR_SRC, SRC_BAD = NR_SRC };

struct range {
	__u64 start, last;
};

struct rset {
	unsigned int n;
	struct range r[MAX_RANGES];
};

struct area {
	__u64 iova, len;
	enum src src;
	__u64 off;		/* byte offset in its source */
	bool writable;
};

struct window {
	__u64 start, last, page_size;
};

struct dev {
	bool live;
	uint32_t stdev, idev, hwpt, flags;
	uint32_t hflags;	/* flags of the device its table was made for */
	int ioas;		/* index of the IOAS its table belongs to */
};

struct ioas {
	bool live, windowed;
	uint32_t id;
	__u64 align;		/* what IOAS_IOVA_RANGES reported last */
	__u64 huge;
	unsigned int nareas, nwins, nallowed, nresv;
	struct area areas[MAX_AREAS];
	struct window wins[MAX_WINS];
	struct range allowed[MAX_ALLOWED];
	struct range resv[MAX_RESV];	/* IOMMU_TEST_OP_ADD_RESERVED */
};

/* What a call may return: errnos, 0 for success, or any failure. */
struct want {
	unsigned int n;
	int e[6];
	bool any_fail;
};

/* How the argument structure is passed. */
enum shape {
	SH_PLAIN,
	SH_LONG_ZERO,	/* longer, surplus zero: as SH_PLAIN */
	SH_LONG_DIRTY,	/* longer, surplus not zero: E2BIG */
	SH_SHORT,	/* size below the first revision: EINVAL */
	SH_BAD_PTR,	/* argument pointer unreachable: EFAULT */
	SH_RO,		/* in a read-only page: EFAULT when there is a reply */
	NR_SHAPES,
};

struct fz {
	struct __test_metadata *md;
	int fd;
	bool mock, bad;
	__u64 seed, rng, iter;
	uint32_t scratch;
	struct ioas ioas[MAX_IOAS];
	struct dev devs[MAX_DEVS];
	uint8_t *mem[NR_SRC];
	size_t mem_pages[NR_SRC];
	int mfd, mfd_ro;
	uint8_t *stage;		/* two pages for the argument structures */
	uint8_t *guard;		/* an inaccessible page */
	long vmpin_base;
	char desc[512];
	enum shape shape;
	int last_rc;		/* of the last call checked, -1 if none */
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* splitmix64: the same sequence on every architecture */
static __u64 rnd64(struct fz *f)
{
	__u64 z = (f->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u64 rnd(struct fz *f, __u64 n)
{
	return n ? rnd64(f) % n : 0;
}

static bool chance(struct fz *f, unsigned int percent)
{
	return rnd(f, 100) < percent;
}

static void dump_model(struct fz *f);

static __printf(2, 3) void fz_fail(struct fz *f, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!f->bad) {
		ksft_print_msg("MISMATCH at iteration %llu: %s\n",
			       f->iter, msg);
		ksft_print_msg("  call: %s (argument shape %d)\n", f->desc,
			       f->shape);
		ksft_print_msg("  replay: IOMMUFD_FUZZ_SEED=%llu\n",
			       f->seed);
		f->bad = true;
		dump_model(f);
	}
	f->bad = true;
}

/* ---- expected results -------------------------------------------------- */

static struct want want1(int e)
{
	return (struct want){ .n = 1, .e = { e } };
}

static void want_add(struct want *w, int e)
{
	unsigned int i;

	for (i = 0; i != w->n; i++)
		if (w->e[i] == e)
			return;
	if (w->n != ARRAY_SIZE(w->e))
		w->e[w->n++] = e;
}

static bool want_has(const struct want *w, int rc)
{
	unsigned int i;

	if (rc && w->any_fail)
		return true;
	for (i = 0; i != w->n; i++)
		if (w->e[i] == rc)
			return true;
	return false;
}

static void want_str(const struct want *w, char *buf, size_t len)
{
	unsigned int i;
	int n = 0;

	buf[0] = 0;
	for (i = 0; i != w->n; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? "|" : "",
			      w->e[i] ? strerror(w->e[i]) : "success");
	if (w->any_fail)
		snprintf(buf + n, len - n, "%sany failure", w->n ? "|" : "");
}

/* Apply the argument shape to the expectation. */
static struct want shape_want(enum shape sh, struct want w, bool reply)
{
	switch (sh) {
	case SH_LONG_DIRTY:
		return want1(E2BIG);
	case SH_SHORT:
		return want1(EINVAL);
	case SH_BAD_PTR:
		return want1(EFAULT);
	case SH_RO:
		if (reply && want_has(&w, 0)) {
			unsigned int i, j;

			for (i = j = 0; i != w.n; i++)
				if (w.e[i])
					w.e[j++] = w.e[i];
			w.n = j;
			want_add(&w, EFAULT);
		}
		return w;
	default:
		return w;
	}
}

static bool check_rc(struct fz *f, int rc, struct want w)
{
	char s[128];

	f->last_rc = rc;
	if (want_has(&w, rc))
		return true;
	want_str(&w, s, sizeof(s));
	fz_fail(f, "expected %s, got %s", s, rc ? strerror(rc) : "success");
	return false;
}

/* ---- issuing commands -------------------------------------------------- */

static enum shape pick_shape(struct fz *f, bool ro_ok)
{
	unsigned int r = rnd(f, 100);

	if (r < 80)
		return SH_PLAIN;
	if (r < 86)
		return SH_LONG_ZERO;
	if (r < 89)
		return SH_LONG_DIRTY;
	if (r < 92)
		return SH_SHORT;
	if (r < 94)
		return SH_BAD_PTR;
	return ro_ok ? SH_RO : SH_PLAIN;
}

/* The size of the first revision of @req's structure (main.c's table). */
static size_t min_size(unsigned long req, size_t len)
{
	if (req == IOMMU_TEST_CMD)
		return offsetof(struct iommu_test_cmd, last) + sizeof(__u32);
	if (req == IOMMU_HWPT_ALLOC)
		return offsetof(struct iommu_hwpt_alloc, __reserved) +
		       sizeof(__u32);
	return len;
}

/*
 * Issue @req with the structure @arg of @len bytes, passed in the shape
 * f->shape; the structure as the kernel left it is copied back to @arg.
 */
static int fz_ioctl(struct fz *f, unsigned long req, void *arg, size_t len)
{
	size_t size = len, ps = PSZ;
	uint8_t *p;
	int rc;

	switch (f->shape) {
	case SH_LONG_ZERO:
	case SH_LONG_DIRTY:
		size = len + 8 * (1 + rnd(f, 8));
		break;
	case SH_SHORT:
		size = rnd(f, min_size(req, len));
		break;
	case SH_BAD_PTR:
		rc = ioctl(f->fd, req, chance(f, 50) ? NULL : f->guard);
		return rc ? errno : 0;
	default:
		break;
	}
	/* At the end of the page, so that a longer read would fault. */
	p = f->stage + ps - (size > len ? size : len);
	memset(p, 0, size);
	memcpy(p, arg, len);
	*(uint32_t *)p = size;
	if (f->shape == SH_LONG_DIRTY)
		p[len + rnd(f, size - len)] = 1 + rnd(f, 255);
	if (f->shape == SH_RO && mprotect(f->stage, ps, PROT_READ))
		fz_fail(f, "mprotect: %s", strerror(errno));
	rc = ioctl(f->fd, req, p) ? errno : 0;
	if (f->shape == SH_RO &&
	    mprotect(f->stage, ps, PROT_READ | PROT_WRITE))
		fz_fail(f, "mprotect: %s", strerror(errno));
	memcpy(arg, p, len);
	*(uint32_t *)arg = len;
	return rc;
}

/* ---- ranges ------------------------------------------------------------ */

static bool overlaps(__u64 s1, __u64 l1, __u64 s2, __u64 l2)
{
	return s1 <= l2 && s2 <= l1;
}

static void rset_add(struct rset *s, __u64 start, __u64 last)
{
	if (s->n != MAX_RANGES && start <= last)
		s->r[s->n++] = (struct range){ start, last };
}

static void sort_ranges(struct rset *s)
{
	unsigned int i, j;

	for (i = 1; i < s->n; i++)
		for (j = i; j && s->r[j - 1].start > s->r[j].start; j--) {
			struct range t = s->r[j];

			s->r[j] = s->r[j - 1];
			s->r[j - 1] = t;
		}
}

/* @base minus every range of @cut, into @out, in increasing order. */
static void rset_subtract(const struct rset *base, const struct rset *cut,
			  struct rset *out)
{
	struct rset c = *cut;
	unsigned int i, j;
	__u64 cur;

	sort_ranges(&c);
	out->n = 0;
	for (i = 0; i != base->n; i++) {
		bool end = false;

		cur = base->r[i].start;
		for (j = 0; j != c.n && !end; j++) {
			if (c.r[j].last < cur)
				continue;
			if (c.r[j].start > base->r[i].last)
				break;
			if (c.r[j].start > cur)
				rset_add(out, cur, c.r[j].start - 1);
			if (c.r[j].last >= base->r[i].last)
				end = true;
			else
				cur = c.r[j].last + 1;
		}
		if (!end)
			rset_add(out, cur, base->r[i].last);
	}
}

/*
 * IOVA a mock table made for a device with @flags cannot translate: what
 * lies outside the span of its model's apertures.
 */
static void table_resv(uint32_t flags, struct rset *s)
{
	if (flags & MOCK_FLAGS_DEVICE_MODEL_VTD) {
		rset_add(s, MOCK_VTD_APERTURE_LAST + 1, U64MAX);
	} else if (flags & MOCK_FLAGS_DEVICE_MODEL_SMMU) {
		rset_add(s, MOCK_SMMU_APERTURE_LAST + 1, U64MAX);
	} else if (flags & MOCK_FLAGS_DEVICE_MODEL_PPC) {
		/* The gap between the apertures is the device's. */
		rset_add(s, MOCK_PPC_HIGH_LAST + 1, U64MAX);
	} else {
		rset_add(s, 0, MOCK_APERTURE_START - 1);
		rset_add(s, (__u64)MOCK_APERTURE_LAST + 1, U64MAX);
	}
}

/*
 * IOVA a mock device with @flags reserves itself, whatever table it uses:
 * the MSI window, or PowerPC's gap between its apertures.
 */
static void dev_resv(uint32_t flags, struct rset *s)
{
	if (flags & MOCK_FLAGS_DEVICE_MODEL_VTD)
		rset_add(s, MOCK_VTD_MSI_START, MOCK_VTD_MSI_LAST);
	else if (flags & MOCK_FLAGS_DEVICE_MODEL_SMMU)
		rset_add(s, MOCK_SMMU_MSI_START, MOCK_SMMU_MSI_LAST);
	else if (flags & MOCK_FLAGS_DEVICE_MODEL_PPC)
		rset_add(s, MOCK_PPC_LOW_LAST + 1, MOCK_PPC_HIGH_START - 1);
}

#define MAX_HWPTS 4

static struct {
	uint32_t id;
	int ioas;
	uint32_t flags;
	bool live;
} hwpts[MAX_HWPTS];	/* made with IOMMU_HWPT_ALLOC */

/* Every reserved range of IOAS @i: test reservations and devices. */
static void ioas_resv(struct fz *f, int i, struct rset *s)
{
	struct ioas *m = &f->ioas[i];
	unsigned int k;

	s->n = 0;
	for (k = 0; k != m->nresv; k++)
		rset_add(s, m->resv[k].start, m->resv[k].last);
	for (k = 0; k != MAX_DEVS; k++)
		if (f->devs[k].live && f->devs[k].ioas == i) {
			dev_resv(f->devs[k].flags, s);
			table_resv(f->devs[k].hflags, s);
		}
	for (k = 0; k != MAX_HWPTS; k++)
		if (hwpts[k].live && hwpts[k].ioas == i)
			table_resv(hwpts[k].flags, s);
}

static bool ioas_has_devs(struct fz *f, int i)
{
	unsigned int k;

	for (k = 0; k != MAX_DEVS; k++)
		if (f->devs[k].live && f->devs[k].ioas == i)
			return true;
	return false;
}

/* Devices or tables of IOMMU_HWPT_ALLOC on IOAS @i */
static bool ioas_busy(struct fz *f, int i)
{
	unsigned int k;

	for (k = 0; k != MAX_HWPTS; k++)
		if (hwpts[k].live && hwpts[k].ioas == i)
			return true;
	return ioas_has_devs(f, i);
}

/* What IOAS_IOVA_RANGES should report for IOAS @i. */
static void ioas_usable(struct fz *f, int i, struct rset *out)
{
	struct ioas *m = &f->ioas[i];
	struct rset base = {}, resv;
	unsigned int k;

	if (!m->windowed)
		rset_add(&base, 0, U64MAX);
	for (k = 0; k != m->nwins; k++)
		rset_add(&base, m->wins[k].start, m->wins[k].last);
	sort_ranges(&base);
	ioas_resv(f, i, &resv);
	rset_subtract(&base, &resv, out);
	/* Adjacent ranges are reported as one. */
	for (k = 1; k < out->n;) {
		if (out->r[k - 1].last + 1 == out->r[k].start) {
			out->r[k - 1].last = out->r[k].last;
			memmove(&out->r[k], &out->r[k + 1],
				(out->n - k - 1) * sizeof(out->r[0]));
			out->n--;
		} else {
			k++;
		}
	}
}

static bool in_rset(const struct rset *s, __u64 start, __u64 last)
{
	unsigned int k;

	for (k = 0; k != s->n; k++)
		if (s->r[k].start <= start && last <= s->r[k].last)
			return true;
	return false;
}

static bool hits_rset(const struct rset *s, __u64 start, __u64 last)
{
	unsigned int k;

	for (k = 0; k != s->n; k++)
		if (overlaps(s->r[k].start, s->r[k].last, start, last))
			return true;
	return false;
}

static bool hits_areas(const struct ioas *m, __u64 start, __u64 last)
{
	unsigned int k;

	for (k = 0; k != m->nareas; k++)
		if (overlaps(m->areas[k].iova,
			     m->areas[k].iova + m->areas[k].len - 1,
			     start, last))
			return true;
	return false;
}

static const struct window *find_window(const struct ioas *m, __u64 start,
					__u64 last)
{
	unsigned int k;

	for (k = 0; k != m->nwins; k++)
		if (m->wins[k].start <= start && last <= m->wins[k].last)
			return &m->wins[k];
	return NULL;
}

static int find_ioas(struct fz *f, uint32_t id)
{
	int i;

	for (i = 0; i != MAX_IOAS; i++)
		if (f->ioas[i].live && f->ioas[i].id == id)
			return i;
	return -1;
}

/* ---- choosing arguments ------------------------------------------------ */

static uint32_t pick_any_id(struct fz *f);

/*
 * An object ID: mostly a live IOAS, sometimes anything else, never the
 * scratch IOAS of the probes.
 */
static uint32_t pick_id(struct fz *f)
{
	uint32_t id = pick_any_id(f);

	return id == f->scratch ? 0xfffffffeu : id;
}

static uint32_t pick_any_id(struct fz *f)
{
	unsigned int r = rnd(f, 100);
	int i = rnd(f, MAX_IOAS);

	if (r < 80) {
		if (f->ioas[i].live)
			return f->ioas[i].id;
		for (i = 0; i != MAX_IOAS; i++)
			if (f->ioas[i].live)
				return f->ioas[i].id;
		return f->scratch;
	}
	if (r < 85)
		return 0;
	if (r < 90)
		return f->ioas[i].id;		/* maybe destroyed */
	if (r < 95) {
		struct dev *d = &f->devs[rnd(f, MAX_DEVS)];

		/* An object of another kind, or a stale ID. */
		return chance(f, 50) ? d->idev : d->hwpt;
	}
	return chance(f, 50) ? 0xffffffffu : (uint32_t)rnd64(f);
}

static __u64 pick_len(struct fz *f)
{
	static const __u64 odd[] = { 0, 1, U64MAX, U64MAX - 1, 1ULL << 63,
					1ULL << 40, 1ULL << 30 };
	unsigned int r = rnd(f, 100);

	if (r < 80)
		return (1 + rnd(f, 8)) * PSZ;
	if (r < 85)
		return PSZ - 1;
	if (r < 88)
		return PSZ + 1;
	if (r < 91)
		return (1 + rnd(f, 16)) * PSZ / 2;
	return odd[rnd(f, ARRAY_SIZE(odd))];
}

/* An IOVA: near existing areas and windows, in the mock aperture, or odd. */
static __u64 pick_iova(struct fz *f, int i)
{
	static const __u64 odd[] = { 0, 1, U64MAX, U64MAX - 4095,
					MOCK_SMMU_MSI_START,
					MOCK_VTD_MSI_START - 4096,
					MOCK_PPC_HIGH_START, 1ULL << 32,
					1ULL << 63 };
	struct ioas *m = i >= 0 ? &f->ioas[i] : NULL;
	unsigned int r = rnd(f, 100);

	if (m && m->nareas && r < 25) {
		struct area *a = &m->areas[rnd(f, m->nareas)];

		return a->iova + (int64_t)(rnd(f, 5) - 2) * PSZ;
	}
	if (m && m->nwins && r < 65) {
		struct window *w = &m->wins[rnd(f, m->nwins)];
		__u64 span = w->last - w->start + 1;

		return w->start + (rnd(f, span / PSZ + 2)) * PSZ;
	}
	if (r < 92)
		return MOCK_APERTURE_START + rnd(f, 256) * PSZ;
	if (r < 95)
		return MOCK_APERTURE_START + rnd(f, 256) * PSZ + PSZ / 2;
	return odd[rnd(f, ARRAY_SIZE(odd))];
}

/* A user address in memory of kind @src, @len bytes from it. */
static __u64 pick_uva(struct fz *f, enum src *src, __u64 len)
{
	unsigned int r = rnd(f, 100);
	__u64 npages, off;

	if (r < 70)
		*src = SRC_ANON;
	else if (r < 80)
		*src = SRC_RO;
	else if (r < 92)
		*src = SRC_FMAP;
	else
		*src = SRC_BAD;
	if (*src == SRC_BAD) {
		static const __u64 odd[] = { 0, U64MAX, U64MAX - 4095,
						1ULL << 63 };

		if (chance(f, 50))
			return (uintptr_t)f->guard;
		return odd[rnd(f, ARRAY_SIZE(odd))];
	}
	npages = f->mem_pages[*src];
	off = rnd(f, npages) * PSZ;
	/* Mostly fits the memory; sometimes runs off its end. */
	if (len < npages * PSZ && chance(f, 90))
		off = rnd(f, (npages * PSZ - len) / PSZ + 1) * PSZ;
	if (chance(f, 5))
		off += 1 + rnd(f, PSZ - 1);
	return (uintptr_t)f->mem[*src] + off;
}

/* ---- the model of pins ------------------------------------------------- */

/*
 * Pins. PIN_STATS documents every page as counted once, however many
 * mappings use it, read-only or writable; the model expects exactly that.
 */
static __u64 model_pins(struct fz *f, int only)
{
	static uint8_t pages[NR_SRC][MAX_PAGES];
	unsigned int s, i, k;
	__u64 p, r = 0;

	memset(pages, 0, sizeof(pages));
	for (i = 0; i != MAX_IOAS; i++) {
		if (!f->ioas[i].live || (only >= 0 && (int)i != only))
			continue;
		for (k = 0; k != f->ioas[i].nareas; k++) {
			const struct area *a = &f->ioas[i].areas[k];

			for (p = a->off / PSZ;
			     p <= (a->off + a->len - 1) / PSZ &&
			     p < f->mem_pages[a->src]; p++)
				pages[a->src][p] = 1;
		}
	}
	for (s = 0; s != NR_SRC; s++)
		for (p = 0; p != f->mem_pages[s]; p++)
			r += pages[s][p];
	return r * PSZ;
}

static const char *const src_name[] = { "anon", "ro", "file", "fmap", "bad" };

/* ---- comparing the kernel with the model ------------------------------- */

/* The model and the kernel's IOVA ranges, after a mismatch. */
static void dump_model(struct fz *f)
{
	struct iommu_iova_range got[8];
	unsigned int i, k;
	uint32_t num;

	for (i = 0; i != MAX_IOAS; i++) {
		struct ioas *m = &f->ioas[i];

		if (!m->live)
			continue;
		ksft_print_msg("  IOAS %u%s align %#llx\n", m->id,
			       m->windowed ? " windowed" : "", m->align);
		for (k = 0; k != m->nareas; k++)
			ksft_print_msg("    area [%#llx, +%#llx) %s+%#llx%s\n",
				       m->areas[k].iova, m->areas[k].len,
				       src_name[m->areas[k].src],
				       m->areas[k].off,
				       m->areas[k].writable ? " rw" : " ro");
		for (k = 0; k != m->nwins; k++)
			ksft_print_msg("    window [%#llx, %#llx] page %#llx\n",
				       m->wins[k].start, m->wins[k].last,
				       m->wins[k].page_size);
		for (k = 0; k != m->nallowed; k++)
			ksft_print_msg("    allowed [%#llx, %#llx]\n", m->allowed[k].start,
				       m->allowed[k].last);
		for (k = 0; k != m->nresv; k++)
			ksft_print_msg("    reserved [%#llx, %#llx]\n", m->resv[k].start,
				       m->resv[k].last);
		num = ARRAY_SIZE(got);
		if (__ioas_iova_ranges(f->fd, m->id, got, &num, NULL))
			continue;
		for (k = 0; k != num && k != ARRAY_SIZE(got); k++)
			ksft_print_msg("    kernel range [%#llx, %#llx]\n", got[k].start,
				       got[k].last);
	}
	for (i = 0; i != MAX_DEVS; i++)
		if (f->devs[i].live)
			ksft_print_msg("  device %u/%u table %u flags %#x on IOAS %u\n",
				       f->devs[i].stdev, f->devs[i].idev,
				       f->devs[i].hwpt,
				       f->devs[i].flags,
				       f->ioas[f->devs[i].ioas].id);
}

static void check_ranges(struct fz *f, int i)
{
	struct iommu_iova_range got[MAX_RANGES];
	struct ioas *m = &f->ioas[i];
	uint32_t num = MAX_RANGES;
	struct rset want;
	uint64_t align = 0;
	unsigned int k;
	int rc;

	ioas_usable(f, i, &want);
	rc = __ioas_iova_ranges(f->fd, m->id, got, &num, &align);
	if (rc) {
		fz_fail(f, "IOAS_IOVA_RANGES of IOAS %u: %s", m->id,
			strerror(rc));
		return;
	}
	if (!align || (align & (align - 1)) || align > PSZ)
		fz_fail(f, "IOAS %u: IOVA alignment %llu", m->id,
			(__u64)align);
	m->align = align;
	if (num != want.n) {
		fz_fail(f, "IOAS %u has %u IOVA ranges, the model %u", m->id,
			num, want.n);
		return;
	}
	for (k = 0; k != num; k++)
		if (got[k].start != want.r[k].start ||
		    got[k].last != want.r[k].last)
			fz_fail(f,
				"IOAS %u range %u: [%#llx, %#llx], the model [%#llx, %#llx]",
				m->id, k, got[k].start,
				got[k].last, want.r[k].start,
				want.r[k].last);
}

/* A COPY of [iova, iova + len) of @id into the scratch IOAS; 0 or errno. */
static int probe_copy(struct fz *f, uint32_t id, __u64 iova, __u64 len,
		      uint32_t prot)
{
	uint64_t dst = iova, done = 0;
	int rc;

	rc = __ioas_copy(f->fd, f->scratch, &dst, id, iova, len,
			 prot | IOMMU_IOAS_MAP_FIXED_IOVA);
	if (!rc) {
		rc = __ioas_unmap(f->fd, f->scratch, 0, U64MAX, &done);
		if (rc || done != len)
			fz_fail(f, "scratch unmap: %s, %llu of %llu bytes",
				strerror(rc), (__u64)done, len);
	}
	return rc;
}

static uint8_t *area_uptr(struct fz *f, const struct area *a)
{
	enum src s = a->src == SRC_FILE ? SRC_FMAP : a->src;

	return f->mem[s] + a->off;
}

static void check_areas(struct fz *f, int i)
{
	struct ioas *m = &f->ioas[i];
	unsigned int k, d;
	int rc;

	for (k = 0; k != m->nareas && !f->bad; k++) {
		struct area *a = &m->areas[k];
		__u64 end = a->iova + a->len;

		rc = probe_copy(f, m->id, a->iova, a->len,
				IOMMU_IOAS_MAP_READABLE);
		if (rc)
			fz_fail(f, "IOAS %u: area [%#llx, +%#llx) not mapped (COPY probe: %s)",
				m->id, a->iova, a->len, strerror(rc));
		rc = probe_copy(f, m->id, a->iova, a->len, MAP_RW);
		if (rc != (a->writable ? 0 : EPERM))
			fz_fail(f, "IOAS %u: area at %#llx writable %d, COPY probe for writing: %s",
				m->id, a->iova, a->writable, strerror(rc));
		/* The page before and the page after are holes or areas. */
		if (a->iova >= PSZ && !hits_areas(m, a->iova - PSZ,
						  a->iova - 1)) {
			rc = probe_copy(f, m->id, a->iova - PSZ, PSZ,
					IOMMU_IOAS_MAP_READABLE);
			if (rc != ENOENT)
				fz_fail(f, "IOAS %u: hole before %#llx is mapped (COPY probe: %s)",
					m->id, a->iova, strerror(rc));
		}
		if (end && end <= U64MAX - PSZ &&
		    !hits_areas(m, end, end + PSZ - 1)) {
			rc = probe_copy(f, m->id, end, PSZ,
					IOMMU_IOAS_MAP_READABLE);
			if (rc != ENOENT)
				fz_fail(f, "IOAS %u: hole at %#llx is mapped (COPY probe: %s)",
					m->id, end, strerror(rc));
		}
		/* The mock page tables translate it to the same memory. */
		if ((a->iova | a->len | a->off) & (PSZ - 1))
			continue;
		for (d = 0; d != MAX_DEVS; d++) {
			struct dev *dv = &f->devs[d];

			if (!dv->live || dv->ioas != (int)i)
				continue;
			rc = __md_check_map(f->fd, dv->hwpt, a->iova,
					    area_uptr(f, a), a->len);
			if (rc)
				fz_fail(f, "IOAS %u: MD_CHECK_MAP of table %u at %#llx: %s", m->id,
					dv->hwpt, a->iova, strerror(rc));
		}
	}
}

static void check_pins(struct fz *f)
{
	uint64_t pinned, charged, file;
	__u64 want;
	long vmpin;
	int i, rc;

	for (i = 0; i != MAX_IOAS; i++) {
		if (!f->ioas[i].live)
			continue;
		rc = __pin_stats(f->fd, f->ioas[i].id, &pinned, &charged);
		want = model_pins(f, i);
		if (rc || want != pinned)
			fz_fail(f, "PIN_STATS of IOAS %u: %s, %llu bytes pinned, model %llu",
				f->ioas[i].id, strerror(rc), (__u64)pinned, want);
	}
	rc = __pin_stats(f->fd, 0, &file, &charged);
	want = model_pins(f, -1);
	if (rc || want != file)
		fz_fail(f, "PIN_STATS of the file: %s, %llu bytes pinned, model %llu",
			strerror(rc), (__u64)file, want);
	/* One file: VmPin grew by what it has pinned. */
	vmpin = proc_status_kb("VmPin");
	if (vmpin >= 0 && (__u64)(vmpin - f->vmpin_base) * 1024 != file)
		fz_fail(f, "VmPin grew by %ld kB, PIN_STATS says %llu kB", vmpin - f->vmpin_base,
			(__u64)file / 1024);
}

/* Every device and table the model has is there. */
static void check_objects(struct fz *f)
{
	uint8_t info[64];
	unsigned int k;
	uint32_t len;
	int rc;

	for (k = 0; k != MAX_DEVS; k++) {
		if (!f->devs[k].live)
			continue;
		len = sizeof(info);
		rc = __get_hw_info(f->fd, f->devs[k].idev, info, &len, NULL);
		if (rc)
			fz_fail(f, "GET_HW_INFO of device %u: %s",
				f->devs[k].idev, strerror(rc));
		rc = __md_check_map(f->fd, f->devs[k].hwpt, 0, info, 0);
		if (rc == ENOENT)
			fz_fail(f, "table %u of device %u is gone",
				f->devs[k].hwpt, f->devs[k].idev);
	}
	for (k = 0; k != MAX_HWPTS; k++)
		if (hwpts[k].live &&
		    __md_check_map(f->fd, hwpts[k].id, 0, info, 0) == ENOENT)
			fz_fail(f, "table %u is gone", hwpts[k].id);
}

/* The kernel's own invariants (io_pagetable.h), where it can check them. */
static void check_invariants(struct fz *f)
{
	int rc = __ioas_validate(f->fd, 0);

	if (rc && rc != ENOTTY)
		fz_fail(f, "IOAS invariants: %s (see the kernel log)",
			strerror(rc));
}

/* Everything observable against the model. */
static void verify(struct fz *f)
{
	int i;

	for (i = 0; i != MAX_IOAS && !f->bad; i++) {
		if (!f->ioas[i].live)
			continue;
		check_ranges(f, i);
		check_areas(f, i);
	}
	if (!f->bad)
		check_pins(f);
	if (!f->bad)
		check_objects(f);
	if (!f->bad)
		check_invariants(f);
}

/* ---- predicting a new mapping ------------------------------------------ */

/*
 * Where a fixed or automatic IOVA range may go in IOAS @i, as
 * io_pagetable.c checks it, and what the memory's offset in its first
 * page (@pgoff) allows. Sets *@big when the range lands in a window of
 * pages larger than PAGE_SIZE, whose backing the model does not know.
 */
static struct want predict_place(struct fz *f, int i, bool fixed,
				 __u64 iova, __u64 len, __u64 hint,
				 __u64 pgoff, int pin)
{
	struct ioas *m = &f->ioas[i];
	__u64 align = m->align, last, need;
	const struct window *w = NULL;
	struct rset resv;
	struct want any = want1(0);

	ioas_resv(f, i, &resv);
	if (fixed) {
		if ((iova | len) & (align - 1))
			return want1(EINVAL);
		if (__builtin_add_overflow(iova, len - 1, &last))
			return want1(EOVERFLOW);
		if (m->windowed) {
			w = find_window(m, iova, last);
			if (!w)
				return want1(ERANGE);
			if ((iova | len) & (w->page_size - 1))
				return want1(EINVAL);
		}
		if (hits_rset(&resv, iova, last))
			return want1(EINVAL);
		if (hits_areas(m, iova, last))
			return want1(EEXIST);
	} else {
		if (len >= U64MAX / 2)
			return want1(EOVERFLOW);
		need = 1ULL << (63 - __builtin_clzll(len));
		if (need < len)
			need <<= 1;
		if (hint && (hint & -hint) < need)
			need = hint & -hint;
		if (need < align || (len & (align - 1)))
			return want1(EINVAL);
		/* The model does not search for room; the rules are checked. */
		want_add(&any, ENOSPC);
		if (m->windowed) {
			/* Which window it lands in decides the rest. */
			any.any_fail = true;
			return any;
		}
	}
	/* The memory's offset in its first page, before anything is pinned */
	need = align;
	if (w && w->page_size > need)
		need = w->page_size;
	if (pgoff & ((need < PSZ ? need : PSZ) - 1))
		return want1(EINVAL);
	/* Then the memory is pinned. */
	if (pin) {
		any.n = 0;
		if (!fixed)
			want_add(&any, ENOSPC);
		if (pin < 0) {
			want_add(&any, EFAULT);
			want_add(&any, ENOMEM);
		} else {
			want_add(&any, pin);
		}
		return any;
	}
	if (w && w->page_size > PSZ)
		want_add(&any, EFBIG);
	return any;
}

/* The rules for an IOVA the kernel chose in IOAS @i. */
static void check_chosen(struct fz *f, int i, __u64 iova, __u64 len)
{
	struct ioas *m = &f->ioas[i];
	__u64 last = iova + len - 1;
	const struct window *w;
	struct rset usable;
	unsigned int k;
	bool in = !m->nallowed;

	ioas_usable(f, i, &usable);
	if (last < iova || (iova & (m->align - 1)) || hits_areas(m, iova, last) ||
	    !in_rset(&usable, iova, last))
		fz_fail(f, "IOAS %u: chosen IOVA %#llx +%#llx is not free and usable",
			m->id, iova, len);
	for (k = 0; k != m->nallowed; k++)
		if (m->allowed[k].start <= iova && last <= m->allowed[k].last)
			in = true;
	if (!in)
		fz_fail(f, "IOAS %u: chosen IOVA %#llx outside the allowed ranges", m->id, iova);
	if (iova < AUTO_LOW || last > AUTO_HIGH)
		fz_fail(f, "IOAS %u: chosen IOVA %#llx outside the automatic range", m->id, iova);
	w = find_window(m, iova, last);
	if (m->windowed && (!w || (iova & (w->page_size - 1))))
		fz_fail(f, "IOAS %u: chosen IOVA %#llx not aligned inside a window", m->id, iova);
}

static void add_area(struct fz *f, int i, __u64 iova, __u64 len,
		     enum src src, __u64 off, bool writable)
{
	struct ioas *m = &f->ioas[i];

	if (m->nareas == MAX_AREAS) {
		fz_fail(f, "model: too many areas");
		return;
	}
	m->areas[m->nareas++] = (struct area){ iova, len, src, off, writable };
}

/* Is [off, off + len) of @src memory that can be pinned (for writing)? */
static int pin_result(struct fz *f, enum src from, __u64 off, __u64 len,
		      bool write)
{
	int fault = EFAULT;

	/* Past the end of every source: may be too many pages to pin. */
	if (from == SRC_BAD || off + len > f->mem_pages[from] * PSZ ||
	    off + len < off)
		return len > f->mem_pages[SRC_ANON] * PSZ ? -1 : fault;
	if (from == SRC_RO && write)
		return fault;
	return 0;
}

/* ---- the operations ---------------------------------------------------- */

static uint32_t pick_map_flags(struct fz *f)
{
	uint32_t flags = 0;

	if (chance(f, 60))
		flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
	if (chance(f, 90))
		flags |= IOMMU_IOAS_MAP_READABLE;
	if (chance(f, 70))
		flags |= IOMMU_IOAS_MAP_WRITEABLE;
	if (chance(f, 3))
		flags |= 1U << (3 + rnd(f, 29));
	return flags;
}

/*
 * The end of every map: check the answer against @w, and on success the
 * kernel's choice of IOVA, then give the model the new area.
 */
static void finish_map(struct fz *f, int rc, struct want w, int i,
		       __u32 flags, __u64 iova, __u64 len, enum src src,
		       __u64 off)
{
	if (!check_rc(f, rc, w) || rc)
		return;
	if (!(flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		check_chosen(f, i, iova, len);
	add_area(f, i, iova, len, src, off, flags & IOMMU_IOAS_MAP_WRITEABLE);
}

static void op_map(struct fz *f)
{
	struct iommu_ioas_map cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc, pin;
	__u64 off = 0;
	struct want w;
	enum src src;

	cmd.ioas_id = id;
	cmd.flags = pick_map_flags(f);
	cmd.length = pick_len(f);
	cmd.user_va = pick_uva(f, &src, cmd.length);
	cmd.iova = pick_iova(f, i);
	if (chance(f, 3))
		cmd.__reserved = 1 + rnd(f, 0xffff);
	if (src != SRC_BAD)
		off = cmd.user_va - (uintptr_t)f->mem[src];
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_MAP ioas %u flags %#x uva %s+%#llx len %#llx iova %#llx reserved %#x",
		 id, cmd.flags, src_name[src], off, cmd.length, cmd.iova,
		 cmd.__reserved);

	pin = pin_result(f, src, off, cmd.length,
			 cmd.flags & IOMMU_IOAS_MAP_WRITEABLE);
	if (cmd.__reserved || (cmd.flags & ~MAP_FLAGS))
		w = want1(EOPNOTSUPP);
	else if (cmd.iova == U64MAX || cmd.user_va == U64MAX ||
		 cmd.length == U64MAX)
		w = want1(EOVERFLOW);
	else if (!(cmd.flags & MAP_RW))
		w = want1(EINVAL);
	else if (i < 0)
		w = want1(ENOENT);
	else if (!cmd.length)
		w = want1(EINVAL);
	else if (cmd.user_va + cmd.length < cmd.user_va ||
		 cmd.user_va + cmd.length > U64MAX - PSZ + 1)
		w = want1(EOVERFLOW);
	else
		w = predict_place(f, i, cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA,
				  cmd.iova, cmd.length, cmd.user_va,
				  cmd.user_va & (PSZ - 1), pin);
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_IOAS_MAP, &cmd, sizeof(cmd));
	finish_map(f, rc, w, i, cmd.flags, cmd.iova, cmd.length, src, off);
}

static void op_map_file(struct fz *f)
{
	struct iommu_ioas_map_file cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc, pin, kind = rnd(f, 10);
	__u64 fsize = FILE_PAGES * PSZ;
	struct want w;

	cmd.ioas_id = id;
	cmd.flags = pick_map_flags(f);
	cmd.length = pick_len(f);
	cmd.start = rnd(f, FILE_PAGES) * PSZ;
	if (cmd.length < fsize && chance(f, 90))
		cmd.start = rnd(f, (fsize - cmd.length) / PSZ + 1) * PSZ;
	if (chance(f, 5))
		cmd.start += 1 + rnd(f, PSZ - 1);
	if (chance(f, 2))
		cmd.start = U64MAX - rnd(f, 2) * PSZ;
	cmd.iova = pick_iova(f, i);
	/* 0-6: the memfd, 7: read-only, 8: not a memfd, 9: not a file */
	cmd.fd = kind < 7 ? f->mfd : kind == 7 ? f->mfd_ro :
		 kind == 8 ? f->fd : 1000 + (int)rnd(f, 1000);
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_MAP_FILE ioas %u flags %#x fd kind %d start %#llx len %#llx iova %#llx",
		 id, cmd.flags, kind, cmd.start, cmd.length, cmd.iova);

	/* Not a memfd, or past its end: found when pinning. */
	pin = kind == 8 || cmd.start + cmd.length > fsize ? EINVAL : 0;
	if (cmd.flags & ~MAP_FLAGS)
		w = want1(EOPNOTSUPP);
	else if (cmd.iova == U64MAX || cmd.start == U64MAX ||
		 cmd.length == U64MAX)
		w = want1(EOVERFLOW);
	else if (!(cmd.flags & MAP_RW))
		w = want1(EINVAL);
	else if (i < 0)
		w = want1(ENOENT);
	else if (kind == 9)
		w = want1(EBADF);
	else if (kind == 7 && (cmd.flags & IOMMU_IOAS_MAP_WRITEABLE))
		w = want1(EACCES);
	else if (!cmd.length)
		w = want1(EINVAL);
	else if (cmd.start + cmd.length < cmd.start ||
		 cmd.start + cmd.length > U64MAX - PSZ + 1)
		w = want1(EOVERFLOW);
	else
		w = predict_place(f, i, cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA,
				  cmd.iova, cmd.length, cmd.start,
				  cmd.start & (PSZ - 1), pin);
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_IOAS_MAP_FILE, &cmd, sizeof(cmd));
	finish_map(f, rc, w, i, cmd.flags, cmd.iova, cmd.length, SRC_FILE,
		   cmd.start);
}

static void remove_area(struct ioas *m, unsigned int k)
{
	m->areas[k] = m->areas[--m->nareas];
}

/* Areas go whole or not at all; *@bytes is what would go. */
static struct want predict_unmap(const struct ioas *m, __u64 iova, __u64 last,
				 bool whole, __u64 *bytes)
{
	bool partial = false;
	unsigned int k;

	for (k = 0; k != m->nareas; k++) {
		const struct area *a = &m->areas[k];

		if (!overlaps(a->iova, a->iova + a->len - 1, iova, last))
			continue;
		if (a->iova < iova || a->iova + a->len - 1 > last)
			partial = true;
		*bytes += a->len;
	}
	return want1(partial || (!*bytes && !whole) ? ENOENT : 0);
}

static void op_unmap(struct fz *f)
{
	struct iommu_ioas_unmap cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc;
	__u64 bytes = 0, last = 0;
	unsigned int r = rnd(f, 100), k;
	struct ioas *m = i >= 0 ? &f->ioas[i] : NULL;
	bool whole;
	struct want w;

	cmd.ioas_id = id;
	if (m && m->nareas && r < 50) {
		/* One area, or from one area to another. */
		struct area *a = &m->areas[rnd(f, m->nareas)];
		struct area *b = &m->areas[rnd(f, m->nareas)];

		cmd.iova = a->iova < b->iova ? a->iova : b->iova;
		cmd.length = (a->iova < b->iova ? b->iova + b->len :
			      a->iova + a->len) - cmd.iova;
		if (chance(f, 20))
			cmd.length -= PSZ;	/* a partial unmap */
		if (chance(f, 10))
			cmd.iova += PSZ;
	} else if (r < 60) {
		cmd.iova = 0;
		cmd.length = U64MAX;
	} else {
		cmd.iova = pick_iova(f, i);
		cmd.length = pick_len(f);
	}
	whole = !cmd.iova && cmd.length == U64MAX;
	f->shape = pick_shape(f, false);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_UNMAP ioas %u iova %#llx len %#llx", id,
		 cmd.iova, cmd.length);

	if (i < 0)
		w = want1(ENOENT);
	else if (!whole && (cmd.iova == U64MAX || cmd.length == U64MAX))
		w = want1(EOVERFLOW);
	else if (!whole && !cmd.length)
		w = want1(EINVAL);
	else if (!whole &&
		 __builtin_add_overflow(cmd.iova, cmd.length - 1, &last))
		w = want1(EOVERFLOW);
	else
		w = predict_unmap(m, cmd.iova, whole ? U64MAX : last, whole,
				  &bytes);
	if (whole)
		last = U64MAX;
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_IOAS_UNMAP, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (cmd.length != bytes) {
		fz_fail(f, "unmapped %llu bytes, the model %llu",
			cmd.length, bytes);
		return;
	}
	for (k = 0; k < m->nareas;) {
		struct area *a = &m->areas[k];

		if (overlaps(a->iova, a->iova + a->len - 1, cmd.iova, last))
			remove_area(m, k);
		else
			k++;
	}
}

/*
 * The source areas [src, src + len) of IOAS @si covers, or ENOENT for a
 * hole; *@ro tells whether one of them is read-only.
 */
static int copy_pieces(struct fz *f, int si, __u64 src, __u64 len,
		       bool *ro, struct area *out, unsigned int *n)
{
	struct ioas *m = &f->ioas[si];
	__u64 cur = src, last = src + len - 1;
	int hole = ENOENT;
	unsigned int k;

	*n = 0;
	*ro = false;
	for (;;) {
		struct area *a = NULL;

		for (k = 0; k != m->nareas; k++)
			if (m->areas[k].iova <= cur &&
			    cur <= m->areas[k].iova + m->areas[k].len - 1)
				a = &m->areas[k];
		if (!a)
			return hole;
		*ro |= !a->writable;
		out[*n] = *a;
		out[*n].iova = cur;
		out[*n].off = a->off + (cur - a->iova);
		out[*n].len = (a->iova + a->len - 1 < last ?
			       a->iova + a->len - 1 : last) - cur + 1;
		(*n)++;
		if (cur + out[*n - 1].len - 1 == last)
			return 0;
		cur += out[*n - 1].len;
	}
}

/* IOAS_COPY once its arguments passed the common checks */
static struct want predict_copy(struct fz *f, int si, int di,
				const struct iommu_ioas_copy *cmd,
				struct area *pieces, unsigned int *n)
{
	bool fixed = cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA;
	struct want w;
	__u64 bits = 0;
	unsigned int k;
	bool ro;
	int rc;

	rc = copy_pieces(f, si, cmd->src_iova, cmd->length, &ro, pieces, n);
	if (rc)
		return want1(rc);
	/*
	 * Each piece keeps its offset in its first page, and must be aligned
	 * where it lands: the same check as a map's offset.
	 */
	for (k = 0; k != *n; k++) {
		bits |= (pieces[k].off & (PSZ - 1)) | pieces[k].len;
		if (fixed)
			bits |= pieces[k].iova - cmd->src_iova + cmd->dst_iova;
	}
	w = predict_place(f, di, fixed, cmd->dst_iova, cmd->length,
			  cmd->src_iova, bits, 0);
	/*
	 * Write access to read-only pieces is refused once the place is
	 * found; the model lumps the pieces' own checks with the place's.
	 */
	if (ro && (cmd->flags & IOMMU_IOAS_MAP_WRITEABLE)) {
		if (w.n == 1 && !w.e[0] && !w.any_fail)
			return want1(EPERM);
		want_add(&w, EPERM);
	}
	return w;
}

static void op_copy(struct fz *f)
{
	struct iommu_ioas_copy cmd = { .size = sizeof(cmd) };
	uint32_t sid = pick_id(f), did = pick_id(f);
	int si = find_ioas(f, sid), di = find_ioas(f, did), rc;
	struct ioas *s = si >= 0 ? &f->ioas[si] : NULL;
	struct area pieces[MAX_AREAS];
	unsigned int n = 0, k;
	struct want w;
	__u64 last;

	cmd.src_ioas_id = sid;
	cmd.dst_ioas_id = did;
	cmd.flags = pick_map_flags(f);
	if (s && s->nareas && chance(f, 80)) {
		struct area *a = &s->areas[rnd(f, s->nareas)];

		cmd.src_iova = a->iova;
		cmd.length = a->len;
		if (a->len > PSZ && chance(f, 30)) {
			cmd.src_iova += PSZ;
			cmd.length -= PSZ;
		}
		if (chance(f, 20))
			cmd.length += PSZ * rnd(f, 8);
	} else {
		cmd.src_iova = pick_iova(f, si);
		cmd.length = pick_len(f);
	}
	cmd.dst_iova = pick_iova(f, di);
	if (chance(f, 20))
		cmd.dst_iova = cmd.src_iova;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_COPY src %u iova %#llx dst %u iova %#llx len %#llx flags %#x",
		 sid, cmd.src_iova, did, cmd.dst_iova, cmd.length, cmd.flags);

	if (cmd.flags & ~MAP_FLAGS)
		w = want1(EOPNOTSUPP);
	else if (cmd.src_iova == U64MAX || cmd.dst_iova == U64MAX ||
		 cmd.length == U64MAX)
		w = want1(EOVERFLOW);
	else if (!(cmd.flags & MAP_RW))
		w = want1(EINVAL);
	else if (si < 0 || di < 0)
		w = want1(ENOENT);
	else if (!cmd.length)
		w = want1(EINVAL);
	else if (__builtin_add_overflow(cmd.src_iova, cmd.length - 1, &last))
		w = want1(EOVERFLOW);
	else
		w = predict_copy(f, si, di, &cmd, pieces, &n);
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_IOAS_COPY, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (!(cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		check_chosen(f, di, cmd.dst_iova, cmd.length);
	for (k = 0; k != n; k++)
		add_area(f, di, pieces[k].iova - cmd.src_iova + cmd.dst_iova,
			 pieces[k].len, pieces[k].src, pieces[k].off,
			 pieces[k].writable);
}

static void op_iova_ranges(struct fz *f)
{
	struct iommu_iova_range ranges[MAX_RANGES];
	struct iommu_ioas_iova_ranges cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc;
	struct rset usable = {};
	bool bad_array = chance(f, 5);
	struct want w;

	cmd.ioas_id = id;
	cmd.num_iovas = rnd(f, 4);
	cmd.allowed_iovas = bad_array ? (uintptr_t)f->guard :
			    (uintptr_t)ranges;
	if (chance(f, 3))
		cmd.__reserved = 1;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_IOVA_RANGES ioas %u num %u array %s reserved %u", id,
		 cmd.num_iovas, bad_array ? "bad" : "good", cmd.__reserved);
	if (i >= 0)
		ioas_usable(f, i, &usable);
	if (cmd.__reserved)
		w = want1(EOPNOTSUPP);
	else if (i < 0)
		w = want1(ENOENT);
	else if (bad_array && cmd.num_iovas && usable.n)
		w = want1(EFAULT);
	else if (usable.n > cmd.num_iovas)
		w = want1(f->shape == SH_RO ? EFAULT : EMSGSIZE);
	else
		w = want1(0);
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_IOAS_IOVA_RANGES, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w))
		return;
	if ((rc == 0 || rc == EMSGSIZE) && cmd.num_iovas != usable.n)
		fz_fail(f, "num_iovas %u, the model %u", cmd.num_iovas,
			usable.n);
}

static void op_allow_iovas(struct fz *f)
{
	struct iommu_ioas_allow_iovas cmd = { .size = sizeof(cmd) };
	struct iommu_iova_range ranges[MAX_ALLOWED];
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc;
	struct rset resv = {};
	struct want w = want1(0);
	unsigned int k, j;
	bool bad_array = chance(f, 3);

	cmd.ioas_id = id;
	cmd.num_iovas = rnd(f, MAX_ALLOWED + 1);
	for (k = 0; k != cmd.num_iovas; k++) {
		ranges[k].start = pick_iova(f, i) & ~(PSZ - 1);
		ranges[k].last = ranges[k].start + pick_len(f) * 16 - 1;
		if (chance(f, 3))
			ranges[k].last = ranges[k].start;
	}
	cmd.allowed_iovas = bad_array ? (uintptr_t)f->guard :
			    (uintptr_t)ranges;
	if (chance(f, 3))
		cmd.__reserved = 1;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_ALLOW_IOVAS ioas %u num %u first [%#llx, %#llx] reserved %u",
		 id, cmd.num_iovas, cmd.num_iovas ? (__u64)ranges[0].start : 0,
		 cmd.num_iovas ? (__u64)ranges[0].last : 0, cmd.__reserved);
	if (cmd.__reserved) {
		w = want1(EOPNOTSUPP);
	} else if (i < 0) {
		w = want1(ENOENT);
	} else if (bad_array && cmd.num_iovas) {
		w = want1(EFAULT);
	} else {
		ioas_resv(f, i, &resv);
		for (k = 0; k != cmd.num_iovas && !w.e[0]; k++) {
			if (ranges[k].start >= ranges[k].last)
				w = want1(EINVAL);
			for (j = 0; j != k; j++)
				if (overlaps(ranges[j].start, ranges[j].last,
					     ranges[k].start, ranges[k].last))
					w = want1(EINVAL);
		}
		for (k = 0; k != cmd.num_iovas && !w.e[0]; k++)
			if (hits_rset(&resv, ranges[k].start, ranges[k].last))
				w = want1(EADDRINUSE);
	}
	/* No reply: a read-only structure changes nothing. */
	w = shape_want(f->shape, w, false);
	rc = fz_ioctl(f, IOMMU_IOAS_ALLOW_IOVAS, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	f->ioas[i].nallowed = cmd.num_iovas;
	for (k = 0; k != cmd.num_iovas; k++)
		f->ioas[i].allowed[k] = (struct range){ ranges[k].start,
							ranges[k].last };
}

static void op_option(struct fz *f)
{
	struct iommu_option cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc;
	struct want w;
	bool set;

	cmd.option_id = chance(f, 80) ? IOMMU_OPTION_HUGE_PAGES :
			chance(f, 50) ? IOMMU_OPTION_RLIMIT_MODE :
					2 + rnd(f, 10);
	cmd.op = chance(f, 95) ? rnd(f, 2) : 2 + rnd(f, 100);
	cmd.object_id = cmd.option_id == IOMMU_OPTION_RLIMIT_MODE &&
			chance(f, 80) ? 0 : id;
	cmd.val64 = chance(f, 90) ? rnd(f, 2) : rnd64(f);
	if (chance(f, 3))
		cmd.__reserved = 1;
	set = cmd.op == IOMMU_OPTION_OP_SET;
	/* SET writes its reply after the change: not with a read-only one. */
	f->shape = pick_shape(f, !set);
	snprintf(f->desc, sizeof(f->desc),
		 "OPTION id %u op %u object %u val %#llx reserved %u",
		 cmd.option_id, cmd.op, cmd.object_id, cmd.val64,
		 cmd.__reserved);
	if (cmd.__reserved || cmd.option_id > IOMMU_OPTION_HUGE_PAGES) {
		w = want1(EOPNOTSUPP);
	} else if (cmd.option_id == IOMMU_OPTION_RLIMIT_MODE) {
		if (cmd.object_id || cmd.op > 1)
			w = want1(EOPNOTSUPP);
		else if (!set)
			w = want1(0);
		else
			w = want1(EBUSY);	/* the scratch IOAS exists */
	} else if (i < 0) {
		w = want1(ENOENT);
	} else if (cmd.op > 1) {
		w = want1(EOPNOTSUPP);
	} else if (!set) {
		w = want1(0);
	} else if (cmd.val64 > 1) {
		w = want1(EINVAL);
	} else if (cmd.val64 || !f->ioas[i].nareas) {
		w = want1(0);
	} else {
		/* Turning large pages off with memory mapped in tables */
		w = want1(0);
		want_add(&w, EINVAL);
		want_add(&w, EADDRINUSE);
	}
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_OPTION, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (cmd.option_id == IOMMU_OPTION_RLIMIT_MODE) {
		if (cmd.val64)
			fz_fail(f, "RLIMIT_MODE reads %llu",
				cmd.val64);
		return;
	}
	if (set)
		f->ioas[i].huge = cmd.val64;
	else if (cmd.val64 != f->ioas[i].huge)
		fz_fail(f, "HUGE_PAGES reads %llu, the model %llu",
			cmd.val64, f->ioas[i].huge);
}

/* The lowest start a window request by constraints gets in IOAS @m. */
static bool place_window(const struct ioas *m, __u64 len, __u64 lowest,
			 __u64 highest, __u64 align, __u64 *start)
{
	__u64 cands[1 + MAX_WINS + MAX_RESV], best = 0, c, last;
	unsigned int n = 0, k, j;
	bool found = false;

	cands[n++] = lowest;
	for (k = 0; k != m->nwins; k++)
		if (m->wins[k].last != U64MAX)
			cands[n++] = m->wins[k].last + 1;
	for (k = 0; k != m->nresv; k++)
		if (m->resv[k].last != U64MAX)
			cands[n++] = m->resv[k].last + 1;
	for (k = 0; k != n; k++) {
		if (cands[k] < lowest)
			continue;
		c = (cands[k] + align - 1) & ~(align - 1);
		if (c < cands[k] || __builtin_add_overflow(c, len - 1, &last) ||
		    last > highest)
			continue;
		for (j = 0; j != m->nwins; j++)
			if (overlaps(m->wins[j].start, m->wins[j].last, c, last))
				break;
		if (j != m->nwins)
			continue;
		for (j = 0; j != m->nresv; j++)
			if (overlaps(m->resv[j].start, m->resv[j].last, c, last))
				break;
		if (j != m->nresv)
			continue;
		if (!found || c < best)
			best = c;
		found = true;
	}
	*start = best;
	return found;
}

static __u64 pick_page_size(struct fz *f)
{
	static const __u64 sizes[] = { 0, 0, 0, 4096, 1 << 16, 1 << 21,
					  2048, 3 << 12, 1ULL << 62 };

	return chance(f, 60) ? 0 : sizes[rnd(f, ARRAY_SIZE(sizes))];
}

/*
 * IOAS_WINDOW_ADD in windowed IOAS @i once the arguments are checked;
 * *@start is where a window by constraints goes. A request by constraints
 * starts on a page of its size, whatever its align says (@align).
 */
static struct want predict_window(struct fz *f, int i,
				  const struct iommu_ioas_window_add *cmd,
				  __u64 last, __u64 align, __u64 *start)
{
	const struct ioas *m = &f->ioas[i];
	struct want w = want1(0);
	struct rset resv;
	unsigned int k;

	if (ioas_busy(f, i) || cmd->levels) {
		/* The devices' hardware decides; the rules are checked. */
		w.any_fail = true;
		return w;
	}
	if (!(cmd->flags & IOMMU_IOAS_WINDOW_EXACT))
		return want1(place_window(m, cmd->length, cmd->lowest,
					  cmd->highest ?: U64MAX, align,
					  start) ? 0 : ENOSPC);
	for (k = 0; k != m->nwins; k++)
		if (overlaps(m->wins[k].start, m->wins[k].last, cmd->iova,
			     last))
			return want1(EEXIST);
	ioas_resv(f, i, &resv);
	if (hits_rset(&resv, cmd->iova, last))
		return want1(EADDRINUSE);
	return w;
}

static void op_window_add(struct fz *f)
{
	struct iommu_ioas_window_add cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc;
	struct ioas *m = i >= 0 ? &f->ioas[i] : NULL;
	__u64 ps, align, highest, last = 0, start = 0;
	bool exact = chance(f, 60);
	unsigned int k;
	struct want w;

	/* The model holds MAX_WINS windows an IOAS. */
	if (m && m->nwins == MAX_WINS)
		return;

	cmd.ioas_id = id;
	cmd.flags = exact ? IOMMU_IOAS_WINDOW_EXACT : 0;
	if (chance(f, 3))
		cmd.flags |= 1U << (1 + rnd(f, 31));
	cmd.page_size = pick_page_size(f);
	cmd.length = chance(f, 90) ? (1 + rnd(f, 16)) << 20 : pick_len(f);
	cmd.iova = chance(f, 85) ? rnd(f, 4096) << 20 : pick_iova(f, i);
	if (chance(f, 5))
		cmd.iova = MOCK_PPC_HIGH_START;
	cmd.lowest = chance(f, 50) ? 0 : rnd(f, 4096) << 20;
	cmd.highest = chance(f, 50) ? 0 : cmd.lowest + (rnd(f, 4096) << 20);
	cmd.align = chance(f, 70) ? 0 : chance(f, 90) ? 1ULL << rnd(f, 32) :
					 3 << 20;
	if (chance(f, 5))
		cmd.levels = 1 + rnd(f, 6);
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_WINDOW_ADD ioas %u flags %#x iova %#llx len %#llx lowest %#llx highest %#llx align %#llx page_size %#llx levels %u",
		 id, cmd.flags, cmd.iova, cmd.length, cmd.lowest, cmd.highest,
		 cmd.align, cmd.page_size, cmd.levels);

	ps = cmd.page_size ? cmd.page_size : PSZ;
	align = cmd.align ? cmd.align : ps;
	highest = cmd.highest ? cmd.highest : U64MAX;
	if (cmd.flags & ~IOMMU_IOAS_WINDOW_EXACT)
		w = want1(EOPNOTSUPP);
	else if (!cmd.length || (ps & (ps - 1)) || ps < 4096)
		w = want1(EINVAL);
	else if ((exact ? cmd.iova | cmd.length : cmd.length) & (ps - 1))
		w = want1(EINVAL);
	else if (!exact && ((align & (align - 1)) || cmd.lowest > highest))
		w = want1(EINVAL);
	else if (exact &&
		 __builtin_add_overflow(cmd.iova, cmd.length - 1, &last))
		w = want1(EOVERFLOW);
	else if (i < 0)
		w = want1(ENOENT);
	else if (!m->windowed)
		w = want1(EINVAL);
	else
		w = predict_window(f, i, &cmd, last, align > ps ? align : ps,
				   &start);
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_IOAS_WINDOW_ADD, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	last = cmd.iova + cmd.length - 1;
	/*
	 * Checked on 4K-page machines: the start is aligned to the larger of
	 * align and page_size. Whether a window of pages smaller than
	 * PAGE_SIZE starts on a PAGE_SIZE boundary is not known to the model.
	 */
	if (!exact && !ioas_busy(f, i) && !cmd.levels && ps >= PSZ &&
	    cmd.iova != start)
		fz_fail(f, "window placed at %#llx, the model %#llx",
			cmd.iova, start);
	if (!exact && (cmd.iova < cmd.lowest || last > highest ||
		       (cmd.iova & (align - 1))))
		fz_fail(f, "window at %#llx breaks the constraints",
			cmd.iova);
	for (k = 0; k != m->nwins; k++)
		if (overlaps(m->wins[k].start, m->wins[k].last, cmd.iova,
			     last))
			fz_fail(f, "window at %#llx overlaps another",
				cmd.iova);
	if (m->nwins == MAX_WINS) {
		fz_fail(f, "model: too many windows");
		return;
	}
	m->wins[m->nwins++] = (struct window){ cmd.iova, last, ps };
}

static void op_window_remove(struct fz *f)
{
	struct iommu_ioas_window_remove cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc, found = -1;
	struct ioas *m = i >= 0 ? &f->ioas[i] : NULL;
	unsigned int k;
	struct want w;

	cmd.ioas_id = id;
	if (m && m->nwins && chance(f, 80))
		cmd.iova = m->wins[rnd(f, m->nwins)].start;
	else
		cmd.iova = pick_iova(f, i);
	if (chance(f, 3))
		cmd.flags = 1;
	if (chance(f, 3))
		cmd.__reserved = 1;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_WINDOW_REMOVE ioas %u iova %#llx flags %u reserved %u",
		 id, cmd.iova, cmd.flags, cmd.__reserved);
	for (k = 0; m && k != m->nwins; k++)
		if (m->wins[k].start == cmd.iova)
			found = k;
	if (cmd.flags || cmd.__reserved)
		w = want1(EOPNOTSUPP);
	else if (i < 0)
		w = want1(ENOENT);
	else if (!m->windowed)
		w = want1(EINVAL);
	else if (found < 0)
		w = want1(ENOENT);
	else if (hits_areas(m, m->wins[found].start, m->wins[found].last))
		w = want1(EBUSY);
	else
		w = want1(0);
	w = shape_want(f->shape, w, false);
	rc = fz_ioctl(f, IOMMU_IOAS_WINDOW_REMOVE, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	m->wins[found] = m->wins[--m->nwins];
}

static void op_window_caps(struct fz *f)
{
	struct iommu_window_aperture aps[4];
	struct iommu_iova_range resv[8];
	struct iommu_window_caps cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc;
	struct want w;

	cmd.object_id = id;
	cmd.num_apertures = rnd(f, 5);
	cmd.num_reserved = rnd(f, 9);
	cmd.apertures = (uintptr_t)aps;
	cmd.reserved = (uintptr_t)resv;
	if (chance(f, 3))
		cmd.flags = 1;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "WINDOW_CAPS object %u apertures %u reserved %u flags %u", id,
		 cmd.num_apertures, cmd.num_reserved, cmd.flags);
	if (cmd.flags) {
		w = want1(EOPNOTSUPP);
	} else if (i < 0) {
		/* A device is fine too; anything else ENOENT. */
		w = want1(ENOENT);
		want_add(&w, 0);
		want_add(&w, EMSGSIZE);
	} else if (!ioas_busy(f, i)) {
		w = want1(cmd.num_apertures ? 0 : EMSGSIZE);
	} else {
		w = want1(0);
		want_add(&w, EMSGSIZE);
	}
	w = shape_want(f->shape, w, true);
	if (f->shape == SH_RO && want_has(&w, EMSGSIZE))
		want_add(&w, EFAULT);
	rc = fz_ioctl(f, IOMMU_WINDOW_CAPS, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc || i < 0 || ioas_busy(f, i))
		return;
	/* An IOAS with no device: one aperture covering everything. */
	if (cmd.num_apertures != 1 || aps[0].start || aps[0].last != U64MAX ||
	    cmd.out_max_windows || cmd.num_reserved)
		fz_fail(f,
			"WINDOW_CAPS of a bare IOAS: %u apertures [%#llx, %#llx], %u windows, %u reserved",
			cmd.num_apertures, (__u64)aps[0].start,
			(__u64)aps[0].last, cmd.out_max_windows,
			cmd.num_reserved);
}

static void op_pin_stats(struct fz *f)
{
	struct iommu_pin_stats cmd = { .size = sizeof(cmd) };
	uint32_t id = chance(f, 20) ? 0 : pick_id(f);
	int i = find_ioas(f, id), rc;
	__u64 want;
	struct want w;

	cmd.object_id = id;
	if (chance(f, 3))
		cmd.flags = 1;
	if (chance(f, 3))
		cmd.__reserved = 1;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "PIN_STATS object %u flags %u reserved %u", id, cmd.flags,
		 cmd.__reserved);
	if (cmd.flags || cmd.__reserved)
		w = want1(EOPNOTSUPP);
	else if (id && i < 0 && id != f->scratch)
		w = want1(ENOENT);
	else
		w = want1(0);
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_PIN_STATS, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	want = model_pins(f, id ? i : -1);
	if (id == f->scratch)
		want = 0;
	if (want != cmd.out_pinned)
		fz_fail(f, "%llu bytes pinned, the model %llu", cmd.out_pinned, want);
}

static int free_ioas_slot(struct fz *f)
{
	int i;

	for (i = 0; i != MAX_IOAS; i++)
		if (!f->ioas[i].live)
			return i;
	return -1;
}

static void op_ioas_alloc(struct fz *f)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int slot = free_ioas_slot(f), rc;
	struct want w;

	if (slot < 0)
		return;
	cmd.flags = chance(f, 50) ? IOMMU_IOAS_ALLOC_WINDOWED : 0;
	if (chance(f, 5))
		cmd.flags |= 1U << rnd(f, 32);
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc), "IOAS_ALLOC flags %#x", cmd.flags);
	w = want1(cmd.flags & ~IOMMU_IOAS_ALLOC_WINDOWED ? EOPNOTSUPP : 0);
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_IOAS_ALLOC, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (!cmd.out_ioas_id || find_ioas(f, cmd.out_ioas_id) >= 0 ||
	    cmd.out_ioas_id == f->scratch)
		fz_fail(f, "new IOAS has ID %u, in use", cmd.out_ioas_id);
	memset(&f->ioas[slot], 0, sizeof(f->ioas[slot]));
	f->ioas[slot].live = true;
	f->ioas[slot].id = cmd.out_ioas_id;
	f->ioas[slot].windowed = cmd.flags & IOMMU_IOAS_ALLOC_WINDOWED;
	f->ioas[slot].huge = 1;
	f->ioas[slot].align = 1;
}

/* ---- object lifetime and mock devices ---------------------------------- */

static bool hwpt_in_use(struct fz *f, uint32_t id)
{
	unsigned int k;

	for (k = 0; k != MAX_DEVS; k++)
		if (f->devs[k].live && f->devs[k].hwpt == id)
			return true;
	return false;
}

static int find_hwpt(uint32_t id)
{
	int k;

	for (k = 0; k != MAX_HWPTS; k++)
		if (hwpts[k].live && hwpts[k].id == id)
			return k;
	return -1;
}

static void op_destroy(struct fz *f)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd) };
	uint32_t id;
	int i, d = -1, h, rc;
	unsigned int k, r = rnd(f, 100);
	struct want w = want1(ENOENT);

	id = pick_id(f);
	if (r < 30) {
		struct dev *dv = &f->devs[rnd(f, MAX_DEVS)];

		id = r < 15 ? dv->stdev : r < 22 ? dv->idev : dv->hwpt;
	} else if (r < 35) {
		id = hwpts[rnd(f, MAX_HWPTS)].id;
	}
	if (id == f->scratch)
		return;
	cmd.id = id;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc), "DESTROY %u", id);
	i = find_ioas(f, id);
	h = find_hwpt(id);
	for (k = 0; k != MAX_DEVS; k++) {
		struct dev *dv = &f->devs[k];

		if (!dv->live)
			continue;
		if (dv->stdev == id)
			d = k;
		if (dv->idev == id || dv->hwpt == id)
			w = want1(EBUSY);
	}
	if (i >= 0)
		w = want1(ioas_busy(f, i) ? EBUSY : 0);
	else if (d >= 0)
		w = want1(0);
	else if (h >= 0 && !hwpt_in_use(f, id))
		w = want1(0);
	w = shape_want(f->shape, w, false);
	rc = fz_ioctl(f, IOMMU_DESTROY, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (i >= 0)
		f->ioas[i].live = false;
	else if (d >= 0)
		f->devs[d].live = false;
	else if (h >= 0)
		hwpts[h].live = false;
}

static uint32_t pick_dev_flags(struct fz *f)
{
	static const uint32_t models[] = {
		0, MOCK_FLAGS_DEVICE_MODEL_VTD, MOCK_FLAGS_DEVICE_MODEL_SMMU,
		MOCK_FLAGS_DEVICE_MODEL_PPC,
	};
	uint32_t flags = models[rnd(f, ARRAY_SIZE(models))];

	if (chance(f, 20))
		flags |= MOCK_FLAGS_DEVICE_NO_DIRTY;
	if (chance(f, 3))
		flags |= MOCK_FLAGS_DEVICE_MODEL_VTD |
			 MOCK_FLAGS_DEVICE_MODEL_PPC;
	return flags;
}

static int free_dev_slot(struct fz *f)
{
	int k;

	for (k = 0; k != MAX_DEVS; k++)
		if (!f->devs[k].live)
			return k;
	return -1;
}

/* Do areas or allowed ranges of IOAS @i hit @resv, or break @align? */
static bool ioas_clashes(struct fz *f, int i, const struct rset *resv,
			 __u64 align)
{
	struct ioas *m = &f->ioas[i];
	unsigned int k;

	for (k = 0; k != m->nareas; k++)
		if (hits_rset(resv, m->areas[k].iova,
			      m->areas[k].iova + m->areas[k].len - 1) ||
		    ((m->areas[k].iova | m->areas[k].len | m->areas[k].off) &
		     (align - 1)))
			return true;
	for (k = 0; k != m->nallowed; k++)
		if (hits_rset(resv, m->allowed[k].start, m->allowed[k].last))
			return true;
	return false;
}

/* The model flags the mock table @hwpt was made with; @flags if new. */
static uint32_t table_flags(struct fz *f, uint32_t hwpt, uint32_t flags)
{
	unsigned int k;

	for (k = 0; k != MAX_DEVS; k++)
		if (f->devs[k].live && f->devs[k].hwpt == hwpt)
			return f->devs[k].hflags;
	for (k = 0; k != MAX_HWPTS; k++)
		if (hwpts[k].live && hwpts[k].id == hwpt)
			return hwpts[k].flags;
	return flags;
}

/* The IOAS of mock table @id (automatic or allocated), or -1. */
static int table_ioas(struct fz *f, uint32_t id)
{
	unsigned int k;

	for (k = 0; k != MAX_DEVS; k++)
		if (f->devs[k].live && f->devs[k].hwpt == id)
			return f->devs[k].ioas;
	k = find_hwpt(id);
	return (int)k >= 0 ? hwpts[k].ioas : -1;
}

static void op_mock_domain(struct fz *f)
{
	struct iommu_test_cmd cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f), flags = pick_dev_flags(f);
	int i = find_ioas(f, id), slot = free_dev_slot(f), rc;
	struct want w;

	if (slot < 0 || id == f->scratch)
		return;
	cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS;
	cmd.id = id;
	cmd.mock_domain_flags.dev_flags = flags;
	f->shape = pick_shape(f, false);
	snprintf(f->desc, sizeof(f->desc), "MOCK_DOMAIN_FLAGS on %u flags %#x",
		 id, flags);
	if (i < 0 && table_ioas(f, id) < 0) {
		w = want1(ENOENT);
		want_add(&w, EINVAL);
	} else if (i < 0 || f->ioas[i].windowed ||
		   __builtin_popcount(flags & 0x70000) > 1) {
		w = want1(0);
		w.any_fail = true;
	} else {
		struct rset msi = {}, ap = {};

		/* A new table, or one of the IOAS's tables if it fits. */
		dev_resv(flags, &msi);
		table_resv(flags, &ap);
		if (ioas_clashes(f, i, &msi, 1)) {
			w = want1(EADDRINUSE);
			want_add(&w, EINVAL);
		} else if (ioas_clashes(f, i, &ap, flags & 0x70000 ?
					4096 : PSZ / 2)) {
			w = want1(0);
			want_add(&w, EADDRINUSE);
			want_add(&w, EINVAL);
		} else {
			w = want1(0);
		}
	}
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_TEST_CMD, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (i < 0)
		i = table_ioas(f, id);	/* attached to a table: its IOAS */
	f->devs[slot] = (struct dev){
		.live = true,
		.hflags = table_flags(f, cmd.mock_domain_flags.out_hwpt_id,
				      flags),
		.stdev = cmd.mock_domain_flags.out_stdev_id,
		.idev = cmd.mock_domain_flags.out_idev_id,
		.hwpt = cmd.mock_domain_flags.out_hwpt_id,
		.flags = flags,
		.ioas = i,
	};
}

static struct dev *pick_dev(struct fz *f)
{
	int k = rnd(f, MAX_DEVS), n;

	for (n = 0; n != MAX_DEVS; n++)
		if (f->devs[(k + n) % MAX_DEVS].live)
			return &f->devs[(k + n) % MAX_DEVS];
	return NULL;
}

static void op_replace(struct fz *f)
{
	struct iommu_test_cmd cmd = { .size = sizeof(cmd) };
	struct dev *dv = pick_dev(f);
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), h, rc;
	struct want w = want1(0);

	if (!dv)
		return;
	if (chance(f, 20)) {
		h = rnd(f, MAX_HWPTS);
		id = hwpts[h].live ? hwpts[h].id : pick_dev(f)->hwpt;
		i = table_ioas(f, id);
	}
	if (i < 0)
		i = table_ioas(f, id);
	if (id == f->scratch)
		return;
	cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
	cmd.id = dv->stdev;
	cmd.mock_domain_replace.pt_id = id;
	f->shape = pick_shape(f, false);
	snprintf(f->desc, sizeof(f->desc),
		 "MOCK_DOMAIN_REPLACE device %u (flags %#x) to %u", dv->stdev,
		 dv->flags, id);
	if (i < 0) {
		w = want1(ENOENT);
		want_add(&w, EINVAL);
	} else {
		w.any_fail = true;
	}
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_TEST_CMD, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	dv->ioas = i;
	dv->hflags = table_flags(f, cmd.mock_domain_replace.pt_id, dv->flags);
	dv->hwpt = cmd.mock_domain_replace.pt_id;
}

static void op_hwpt_alloc(struct fz *f)
{
	struct iommu_hwpt_alloc cmd = { .size = sizeof(cmd) };
	struct dev *dv = pick_dev(f);
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc, h;
	struct want w = want1(0);

	for (h = 0; h != MAX_HWPTS && hwpts[h].live; h++)
		;
	if (!dv || h == MAX_HWPTS || id == f->scratch)
		return;
	cmd.dev_id = chance(f, 90) ? dv->idev : dv->stdev;
	cmd.pt_id = id;
	if (chance(f, 5))
		cmd.flags = 1U << rnd(f, 32);
	if (chance(f, 3))
		cmd.__reserved = 1;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "HWPT_ALLOC dev %u pt %u flags %#x reserved %u", cmd.dev_id,
		 id, cmd.flags, cmd.__reserved);
	if (cmd.__reserved || (cmd.flags & ~7U))
		w = want1(EOPNOTSUPP);
	else if (cmd.dev_id != dv->idev)
		w = want1(ENOENT);
	w.any_fail = true;
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_HWPT_ALLOC, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (i < 0) {
		fz_fail(f, "HWPT_ALLOC on a non-IOAS succeeded");
		return;
	}
	hwpts[h].live = true;
	hwpts[h].id = cmd.out_hwpt_id;
	hwpts[h].ioas = i;
	hwpts[h].flags = dv->flags;
}

/* ATTACH_EXTRA, and at once DETACH_EXTRA: a round trip changes nothing. */
static void op_attach_extra(struct fz *f)
{
	struct iommu_device_extra cmd = { .size = sizeof(cmd) };
	struct dev *dv = pick_dev(f);
	uint32_t id = pick_id(f);
	struct want w = want1(0);
	int rc;

	if (!dv || id == f->scratch)
		return;
	cmd.dev_id = dv->idev;
	cmd.pt_id = id;
	if (chance(f, 3))
		cmd.flags = 1;
	f->shape = pick_shape(f, false);
	snprintf(f->desc, sizeof(f->desc),
		 "DEVICE_ATTACH_EXTRA dev %u (flags %#x) pt %u flags %u",
		 dv->idev, dv->flags, id, cmd.flags);
	if (cmd.flags)
		w = want1(EOPNOTSUPP);
	w.any_fail = true;
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_DEVICE_ATTACH_EXTRA, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (!(dv->flags & MOCK_FLAGS_DEVICE_MODEL_PPC))
		fz_fail(f, "ATTACH_EXTRA of a device that cannot route");
	rc = __device_detach_extra(f->fd, dv->idev, cmd.pt_id);
	if (rc)
		fz_fail(f, "DETACH_EXTRA of table %u: %s", cmd.pt_id,
			strerror(rc));
	/* A table that is not attached (any more) cannot be detached. */
	snprintf(f->desc, sizeof(f->desc), "DEVICE_DETACH_EXTRA dev %u pt %u",
		 dv->idev, cmd.pt_id);
	rc = __device_detach_extra(f->fd, dv->idev, cmd.pt_id);
	if (rc != ENOENT)
		fz_fail(f, "second DETACH_EXTRA: %s", strerror(rc));
}

static void op_add_reserved(struct fz *f)
{
	struct iommu_test_cmd cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc;
	struct ioas *m = i >= 0 ? &f->ioas[i] : NULL;
	struct rset allowed = {};
	__u64 last;
	unsigned int k;
	struct want w;

	if (!m || m->windowed || m->nresv == MAX_RESV)
		return;
	cmd.op = IOMMU_TEST_OP_ADD_RESERVED;
	cmd.id = id;
	cmd.add_reserved.start = pick_iova(f, i) & ~(PSZ - 1);
	cmd.add_reserved.length = (1 + rnd(f, 4)) * PSZ;
	last = cmd.add_reserved.start + cmd.add_reserved.length - 1;
	if (last < cmd.add_reserved.start)
		return;
	f->shape = SH_PLAIN;
	snprintf(f->desc, sizeof(f->desc),
		 "ADD_RESERVED ioas %u [%#llx, %#llx]", id,
		 cmd.add_reserved.start, last);
	for (k = 0; k != m->nallowed; k++)
		rset_add(&allowed, m->allowed[k].start, m->allowed[k].last);
	if (hits_areas(m, cmd.add_reserved.start, last) ||
	    hits_rset(&allowed, cmd.add_reserved.start, last))
		w = want1(EADDRINUSE);
	else
		w = want1(0);
	rc = fz_ioctl(f, IOMMU_TEST_CMD, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	m->resv[m->nresv++] = (struct range){ cmd.add_reserved.start, last };
}

/* ---- the file and the memory ------------------------------------------- */

static int fz_open(struct fz *f)
{
	int rc;

	memset(f->ioas, 0, sizeof(f->ioas));
	memset(f->devs, 0, sizeof(f->devs));
	memset(hwpts, 0, sizeof(hwpts));
	f->fd = iommufd_open();
	if (f->fd < 0)
		return errno;
	rc = __ioas_alloc(f->fd, &f->scratch);
	if (rc)
		return rc;
	rc = __ioas_alloc(f->fd, &f->ioas[0].id);
	if (rc)
		return rc;
	f->ioas[0].live = true;
	f->ioas[0].huge = 1;
	f->ioas[0].align = 1;
	return 0;
}

/* Close the file: every pin goes, VmPin is back where it started. */
static void op_reopen(struct fz *f)
{
	long vmpin;
	int rc;

	snprintf(f->desc, sizeof(f->desc), "close() and open() /dev/iommu");
	f->shape = SH_PLAIN;
	close(f->fd);
	vmpin = proc_status_kb("VmPin");
	if (vmpin >= 0 && vmpin != f->vmpin_base)
		fz_fail(f, "VmPin %ld kB after close(), %ld before the maps",
			vmpin, f->vmpin_base);
	rc = fz_open(f);
	if (rc)
		fz_fail(f, "reopen: %s", strerror(rc));
	f->last_rc = rc;
}

/* [anon][guard][ro][guard][fmap][guard]: every source ends in a hole. */
static int fz_memory(struct fz *f)
{
	size_t ps = PSZ, total;
	uint8_t *base, *p;
	char path[64];
	enum src s;

	f->mem_pages[SRC_ANON] = ANON_PAGES;
	f->mem_pages[SRC_RO] = RO_PAGES;
	f->mem_pages[SRC_FILE] = FILE_PAGES;
	f->mem_pages[SRC_FMAP] = FILE_PAGES;
	total = (ANON_PAGES + RO_PAGES + FILE_PAGES + 3) * ps;
	base = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    0);
	if (base == MAP_FAILED)
		return errno;
	p = base;
	f->mem[SRC_ANON] = mmap(p, ANON_PAGES * ps, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	p += (ANON_PAGES + 1) * ps;
	f->mem[SRC_RO] = mmap(p, RO_PAGES * ps, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	p += (RO_PAGES + 1) * ps;
	f->mfd = memfd_filled(FILE_PAGES * ps, 0);
	if (f->mfd < 0)
		return errno ? errno : EINVAL;
	f->mem[SRC_FMAP] = mmap(p, FILE_PAGES * ps, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_FIXED, f->mfd, 0);
	f->mem[SRC_FILE] = f->mem[SRC_FMAP];
	f->guard = p + FILE_PAGES * ps;
	for (s = 0; s != NR_SRC; s++)
		if (f->mem[s] == MAP_FAILED)
			return errno;
	/*
	 * No transparent huge pages: khugepaged collapsing a range (3 MiB of
	 * anonymous memory with 64 KiB pages holds an aligned 2 MiB) is an
	 * invalidation, after which the kernel rightly pins the extents of
	 * that range again for new maps, counting those pages twice until
	 * the old handles go. The model cannot know when khugepaged runs.
	 * prctl() rather than madvise(), which small kernels leave out
	 * (ADVISE_SYSCALLS); EINVAL: a kernel without huge pages.
	 */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) && errno != EINVAL)
		return errno;
	memset(f->mem[SRC_ANON], 0x5a, ANON_PAGES * ps);
	memset(f->mem[SRC_RO], 0xa5, RO_PAGES * ps);
	if (mprotect(f->mem[SRC_RO], RO_PAGES * ps, PROT_READ))
		return errno;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", f->mfd);
	f->mfd_ro = open(path, O_RDONLY);
	if (f->mfd_ro < 0)
		return errno;
	f->stage = mmap(NULL, ps, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->stage == MAP_FAILED)
		return errno;
	return 0;
}

static __u64 env_u64(const char *name, __u64 def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

struct op {
	void (*fn)(struct fz *f);
	unsigned int weight;
	bool mock;
	const char *name;
};

static const struct op ops[] = {
	{ op_map, 20, false, "map" },
	{ op_map_file, 8, false, "map_file" },
	{ op_unmap, 14, false, "unmap" },
	{ op_copy, 10, false, "copy" },
	{ op_iova_ranges, 4, false, "iova_ranges" },
	{ op_allow_iovas, 3, false, "allow_iovas" },
	{ op_option, 3, false, "option" },
	{ op_window_add, 10, false, "window_add" },
	{ op_window_remove, 5, false, "window_remove" },
	{ op_window_caps, 3, false, "window_caps" },
	{ op_pin_stats, 3, false, "pin_stats" },
	{ op_ioas_alloc, 4, false, "ioas_alloc" },
	{ op_destroy, 4, false, "destroy" },
	{ op_reopen, 1, false, "reopen" },
	{ op_mock_domain, 6, true, "mock_domain" },
	{ op_replace, 3, true, "replace" },
	{ op_hwpt_alloc, 2, true, "hwpt_alloc" },
	{ op_attach_extra, 2, true, "attach_extra" },
	{ op_add_reserved, 2, true, "add_reserved" },
};

static const struct op *pick_op(struct fz *f, bool mock)
{
	unsigned int total = 0, k, r;

	for (k = 0; k != ARRAY_SIZE(ops); k++)
		if (mock || !ops[k].mock)
			total += ops[k].weight;
	r = rnd(f, total);
	for (k = 0; k != ARRAY_SIZE(ops); k++) {
		if (!mock && ops[k].mock)
			continue;
		if (r < ops[k].weight)
			return &ops[k];
		r -= ops[k].weight;
	}
	return &ops[0];
}

/* Run for @seconds or MAX_ITERS calls; false on a mismatch. */
static bool fz_run(struct fz *f, bool mock, unsigned int seconds)
{
	unsigned int calls[ARRAY_SIZE(ops)] = {}, ok[ARRAY_SIZE(ops)] = {};
	/* A long run (IOMMUFD_FUZZ_SECONDS) has no cap on iterations. */
	__u64 cap = getenv("IOMMUFD_FUZZ_SECONDS") ? ~0ULL : MAX_ITERS;
	double end = now() + seconds;
	const struct op *op;
	unsigned int k;

	ksft_print_msg("seed %llu (IOMMUFD_FUZZ_SEED), %u s%s\n",
		       f->seed, seconds, mock ? ", mock devices" : "");
	for (f->iter = 0; f->iter != cap && !f->bad; f->iter++) {
		op = pick_op(f, mock);
		f->last_rc = -1;
		op->fn(f);
		if (f->last_rc >= 0) {
			calls[op - ops]++;
			ok[op - ops] += !f->last_rc;
		}
		if (!f->bad)
			verify(f);
		if (!(f->iter & 63) && now() > end)
			break;
	}
	for (k = 0; k != ARRAY_SIZE(ops); k++)
		if (calls[k])
			ksft_print_msg("  %-16s %6u calls, %6u succeeded\n",
				       ops[k].name, calls[k], ok[k]);
	ksft_print_msg("%llu iterations, seed %llu%s\n",
		       f->iter, f->seed, f->bad ? ": MISMATCH" : "");
	return !f->bad;
}

FIXTURE(fuzz) {
	struct fz f;
};

FIXTURE_VARIANT(fuzz) {
	bool mock;
	unsigned int seconds;
};

/* Upstream's and our commands on IOASes without devices */
FIXTURE_VARIANT_ADD(fuzz, core) {
	.mock = false,
	.seconds = CORE_SECONDS,
};

/* The same with mock devices of every model attached and moved around */
FIXTURE_VARIANT_ADD(fuzz, mock) {
	.mock = true,
	.seconds = MOCK_SECONDS,
};

FIXTURE_SETUP(fuzz)
{
	struct fz *f = &self->f;

	memset(f, 0, sizeof(*f));
	f->md = _metadata;
	if (variant->mock && mock_missing())
		SKIP(return, NO_MOCK_MSG);
	f->seed = env_u64("IOMMUFD_FUZZ_SEED", (__u64)(now() * 1e9));
	/* The two variants of one run take different sequences. */
	f->rng = f->seed ^ (variant->mock ? 0x6d6f636bULL : 0);
	ASSERT_EQ(0, fz_memory(f));
	f->vmpin_base = proc_status_kb("VmPin");
	ASSERT_EQ(0, fz_open(f));
}

FIXTURE_TEARDOWN(fuzz)
{
	if (self->f.fd > 0)
		close(self->f.fd);
}

TEST_F_TIMEOUT(fuzz, sequences, 7 * 24 * 3600)
{
	unsigned int seconds = env_u64("IOMMUFD_FUZZ_SECONDS",
				       variant->seconds);

	ASSERT_TRUE(fz_run(&self->f, variant->mock, seconds));
}

TEST_HARNESS_MAIN
