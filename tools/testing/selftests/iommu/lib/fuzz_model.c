// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The model of the /dev/iommu fuzzer (iommufd_fuzz.c) and its checking.
 *
 * The model holds every IOAS: its areas, windows, allowed and reserved
 * ranges, and the mock devices and tables on it. Here are the seeded
 * random numbers, the expected results of a call and their check, the
 * issuing of a call with its argument structure in a given shape, sets of
 * IOVA ranges, the reserved and usable IOVA of an IOAS, the choice of
 * arguments, the prediction of each command's result, the model's own
 * bookkeeping, and verify(), which compares the kernel with the model
 * after every call: IOVA ranges, every area (an IOAS_COPY probe into a
 * scratch IOAS), the holes between areas, the mock page tables
 * (MD_CHECK_MAP), the pinned bytes of each IOAS and of the file
 * (PIN_STATS) and VmPin.
 */
/* __u64 is unsigned long long, printed with %llx, on every architecture */
#define __SANE_USERSPACE_TYPES__
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "fuzz.h"

/* splitmix64: the same sequence on every architecture */
__u64 rnd64(struct fz *f)
{
	__u64 z = (f->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

__u64 rnd(struct fz *f, __u64 n)
{
	return n ? rnd64(f) % n : 0;
}

bool chance(struct fz *f, unsigned int percent)
{
	return rnd(f, 100) < percent;
}

static void dump_model(struct fz *f);

__printf(2, 3) void fz_fail(struct fz *f, const char *fmt, ...)
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

struct want want1(int e)
{
	return (struct want){ .n = 1, .e = { e } };
}

void want_add(struct want *w, int e)
{
	unsigned int i;

	for (i = 0; i != w->n; i++)
		if (w->e[i] == e)
			return;
	if (w->n != ARRAY_SIZE(w->e))
		w->e[w->n++] = e;
}

bool want_has(const struct want *w, int rc)
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
struct want shape_want(enum shape sh, struct want w, bool reply)
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

bool check_rc(struct fz *f, int rc, struct want w)
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

enum shape pick_shape(struct fz *f, bool ro_ok)
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
int fz_ioctl(struct fz *f, unsigned long req, void *arg, size_t len)
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

bool overlaps(__u64 s1, __u64 l1, __u64 s2, __u64 l2)
{
	return s1 <= l2 && s2 <= l1;
}

void rset_add(struct rset *s, __u64 start, __u64 last)
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
void table_resv(uint32_t flags, struct rset *s)
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
void dev_resv(uint32_t flags, struct rset *s)
{
	if (flags & MOCK_FLAGS_DEVICE_MODEL_VTD)
		rset_add(s, MOCK_VTD_MSI_START, MOCK_VTD_MSI_LAST);
	else if (flags & MOCK_FLAGS_DEVICE_MODEL_SMMU)
		rset_add(s, MOCK_SMMU_MSI_START, MOCK_SMMU_MSI_LAST);
	else if (flags & MOCK_FLAGS_DEVICE_MODEL_PPC)
		rset_add(s, MOCK_PPC_LOW_LAST + 1, MOCK_PPC_HIGH_START - 1);
}

struct hwpt hwpts[MAX_HWPTS];	/* made with IOMMU_HWPT_ALLOC */

/* Every reserved range of IOAS @i: test reservations and devices. */
void ioas_resv(struct fz *f, int i, struct rset *s)
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
bool ioas_busy(struct fz *f, int i)
{
	unsigned int k;

	for (k = 0; k != MAX_HWPTS; k++)
		if (hwpts[k].live && hwpts[k].ioas == i)
			return true;
	return ioas_has_devs(f, i);
}

/* What IOAS_IOVA_RANGES should report for IOAS @i. */
void ioas_usable(struct fz *f, int i, struct rset *out)
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

bool hits_rset(const struct rset *s, __u64 start, __u64 last)
{
	unsigned int k;

	for (k = 0; k != s->n; k++)
		if (overlaps(s->r[k].start, s->r[k].last, start, last))
			return true;
	return false;
}

bool hits_areas(const struct ioas *m, __u64 start, __u64 last)
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

int find_ioas(struct fz *f, uint32_t id)
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
uint32_t pick_id(struct fz *f)
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

__u64 pick_len(struct fz *f)
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
__u64 pick_iova(struct fz *f, int i)
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
__u64 pick_uva(struct fz *f, enum src *src, __u64 len)
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
__u64 model_pins(struct fz *f, int only)
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

const char *const src_name[] = { "anon", "ro", "file", "fmap", "bad" };

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
void verify(struct fz *f)
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
 * iopt_place.c checks it, and what the memory's offset in its first page
 * (@pgoff) allows; then what pinning gives (@pin: 0 if it succeeds, the
 * errno it fails with, or < 0 for EFAULT or ENOMEM). A range in a
 * window of pages larger than PAGE_SIZE may also get EFBIG: the model
 * does not know whether its memory is contiguous.
 */
struct want predict_place(struct fz *f, int i, bool fixed,
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
void check_chosen(struct fz *f, int i, __u64 iova, __u64 len)
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

void add_area(struct fz *f, int i, __u64 iova, __u64 len,
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
int pin_result(struct fz *f, enum src from, __u64 off, __u64 len,
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

/* ---- maps, unmaps, copies and windows ---------------------------------- */

uint32_t pick_map_flags(struct fz *f)
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
void finish_map(struct fz *f, int rc, struct want w, int i,
		__u32 flags, __u64 iova, __u64 len, enum src src,
		__u64 off)
{
	if (!check_rc(f, rc, w) || rc)
		return;
	if (!(flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		check_chosen(f, i, iova, len);
	add_area(f, i, iova, len, src, off, flags & IOMMU_IOAS_MAP_WRITEABLE);
}

void remove_area(struct ioas *m, unsigned int k)
{
	m->areas[k] = m->areas[--m->nareas];
}

/* Areas go whole or not at all; *@bytes is what would go. */
struct want predict_unmap(const struct ioas *m, __u64 iova, __u64 last,
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
struct want predict_copy(struct fz *f, int si, int di,
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

__u64 pick_page_size(struct fz *f)
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
struct want predict_window(struct fz *f, int i,
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

/* ---- object lifetime and mock devices ---------------------------------- */

int free_ioas_slot(struct fz *f)
{
	int i;

	for (i = 0; i != MAX_IOAS; i++)
		if (!f->ioas[i].live)
			return i;
	return -1;
}

bool hwpt_in_use(struct fz *f, uint32_t id)
{
	unsigned int k;

	for (k = 0; k != MAX_DEVS; k++)
		if (f->devs[k].live && f->devs[k].hwpt == id)
			return true;
	return false;
}

int find_hwpt(uint32_t id)
{
	int k;

	for (k = 0; k != MAX_HWPTS; k++)
		if (hwpts[k].live && hwpts[k].id == id)
			return k;
	return -1;
}

uint32_t pick_dev_flags(struct fz *f)
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

int free_dev_slot(struct fz *f)
{
	int k;

	for (k = 0; k != MAX_DEVS; k++)
		if (!f->devs[k].live)
			return k;
	return -1;
}

/* Do areas or allowed ranges of IOAS @i hit @resv, or break @align? */
bool ioas_clashes(struct fz *f, int i, const struct rset *resv,
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
uint32_t table_flags(struct fz *f, uint32_t hwpt, uint32_t flags)
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
int table_ioas(struct fz *f, uint32_t id)
{
	unsigned int k;

	for (k = 0; k != MAX_DEVS; k++)
		if (f->devs[k].live && f->devs[k].hwpt == id)
			return f->devs[k].ioas;
	k = find_hwpt(id);
	return (int)k >= 0 ? hwpts[k].ioas : -1;
}

struct dev *pick_dev(struct fz *f)
{
	int k = rnd(f, MAX_DEVS), n;

	for (n = 0; n != MAX_DEVS; n++)
		if (f->devs[(k + n) % MAX_DEVS].live)
			return &f->devs[(k + n) % MAX_DEVS];
	return NULL;
}
