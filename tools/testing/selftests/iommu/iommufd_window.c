// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * IOVA windows: an IOAS made with IOMMU_IOAS_ALLOC_WINDOWED has no valid
 * IOVA except the windows IOMMU_IOAS_WINDOW_ADD grants, until
 * IOMMU_IOAS_WINDOW_REMOVE gives them back; IOMMU_WINDOW_CAPS tells what
 * windows a device, or all the devices of an IOAS, can have; attaching a
 * device is checked against the windows already granted.
 *
 * The devices are the mock models of VT-d, SMMUv3 and PowerPC TCE hardware
 * (MOCK_FLAGS_DEVICE_MODEL_*) and the plain mock device; a PowerPC model
 * device also translates several IOASes at once (IOMMU_DEVICE_ATTACH_EXTRA).
 * Every refused request is checked to leave the IOAS as it was: its IOVA
 * ranges, its mappings, the pinned pages and the objects of the file.
 *
 * IOVAs are multiples of 1 MiB and lengths multiples of the CPU page, so
 * that they suit 4 KiB and 64 KiB CPU pages alike; no window is given IO
 * pages smaller than the CPU page.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif

#define PSZ ((uint64_t)getpagesize())
#define SZ_1M (1024ULL * 1024)
#define SZ_2M (2 * SZ_1M)
#define SZ_16M (16 * SZ_1M)
#define SZ_1G (1024 * SZ_1M)
#define SZ_4G (4 * SZ_1G)
#define BUF_SIZE (128 * PSZ)
#define MAP_FIXED_RW (MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)
#define EXACT IOMMU_IOAS_WINDOW_EXACT
/* An IO page size no model translates with natively, above the CPU page */
#define ODD_PAGE (2 * PSZ)

#define MODEL_VTD MOCK_FLAGS_DEVICE_MODEL_VTD
#define MODEL_SMMU MOCK_FLAGS_DEVICE_MODEL_SMMU
#define MODEL_PPC MOCK_FLAGS_DEVICE_MODEL_PPC

/* The request of IOMMU_IOAS_WINDOW_ADD, from designated initializers */
#define WIN(...) ((struct iommu_ioas_window_add){ __VA_ARGS__ })

static void *alloc_buffer(size_t size)
{
	void *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		return NULL;
	memset(buf, 0x6b, size);
	return buf;
}

/* [start, start + len) as a range */
static struct iommu_iova_range span(uint64_t start, uint64_t len)
{
	return (struct iommu_iova_range){
		.start = start,
		.last = start + len - 1,
	};
}

static bool inside(uint64_t iova, uint64_t length, uint64_t start,
		   uint64_t size)
{
	return iova >= start && iova + length - 1 <= start + size - 1;
}

/* The ID the next object gets: it shows whether a refusal left one. */
static uint32_t next_id(struct __test_metadata *_metadata, int fd)
{
	uint32_t id = ioas_alloc(fd);

	iommufd_destroy(fd, id);
	return id;
}

static int map_at(int fd, uint32_t ioas, void *buf, uint64_t length,
		  uint64_t iova)
{
	return __ioas_map(fd, ioas, buf, length, &iova, MAP_FIXED_RW);
}

/* IOMMU_IOAS_IOVA_RANGES */

#define MAX_RANGES IOVA_LAYOUT_MAX

/* Join the ranges of an ascending list that touch; the new count. */
static unsigned int join_touching(struct iommu_iova_range *r, unsigned int n)
{
	unsigned int i, out = 0;

	for (i = 0; i != n; i++) {
		if (out && r[out - 1].last != UINT64_MAX &&
		    r[out - 1].last + 1 == r[i].start) {
			r[out - 1].last = r[i].last;
			continue;
		}
		r[out++] = r[i];
	}
	return out;
}

/*
 * Assert that the usable IOVA of @ioas is exactly @want (ascending). The
 * kernel may report windows that touch as one range or as several, so
 * touching ranges are joined on both sides before comparing.
 */
static void __check_ranges(struct __test_metadata *_metadata, int fd,
			   uint32_t ioas, const struct iommu_iova_range *want,
			   unsigned int nwant, int line)
{
	struct iommu_iova_range w[MAX_RANGES];
	struct iova_layout l;
	unsigned int i, n;

	get_layout(fd, ioas, &l);
	ASSERT_GE(MAX_RANGES, l.num);
	for (i = 1; i < l.num; i++) {
		ASSERT_LT(l.ranges[i - 1].last, l.ranges[i].start) {
			TH_LOG("ranges not ascending (line %d)", line);
		}
	}
	n = join_touching(l.ranges, l.num);
	memcpy(w, want, nwant * sizeof(*w));
	nwant = join_touching(w, nwant);
	ASSERT_EQ(nwant, n) {
		TH_LOG("wrong number of ranges (line %d)", line);
	}
	for (i = 0; i != n; i++) {
		ASSERT_EQ(w[i].start, l.ranges[i].start) {
			TH_LOG("range %u (line %d)", i, line);
		}
		ASSERT_EQ(w[i].last, l.ranges[i].last) {
			TH_LOG("range %u (line %d)", i, line);
		}
	}
}

#define check_ranges(fd, ioas, ...)                                       \
	do {                                                              \
		const struct iommu_iova_range __want[] = { __VA_ARGS__ }; \
		__check_ranges(_metadata, fd, ioas, __want,               \
			       ARRAY_SIZE(__want), __LINE__);             \
	} while (0)

static void check_no_ranges(struct __test_metadata *_metadata, int fd,
			    uint32_t ioas)
{
	uint32_t num = 0;

	ASSERT_EQ(0, __ioas_iova_ranges(fd, ioas, NULL, &num, NULL));
	ASSERT_EQ(0, num);
}

/* IOMMU_IOAS_WINDOW_ADD and IOMMU_IOAS_WINDOW_REMOVE */

/*
 * Ask for window @cmd in @ioas; *@iova, if not NULL, receives the start
 * granted. An exact window granted anywhere but where it was asked for
 * gives -1, which no test expects.
 */
static int win_add(int fd, uint32_t ioas, struct iommu_ioas_window_add cmd,
		   uint64_t *iova)
{
	uint64_t asked = cmd.iova;
	int rc;

	cmd.ioas_id = ioas;
	rc = __ioas_window_add(fd, &cmd);
	if (rc)
		return rc;
	if ((cmd.flags & EXACT) && cmd.iova != asked)
		return -1;
	if (iova)
		*iova = cmd.iova;
	return 0;
}

/* The exact window [iova, iova + length), with CPU-sized IO pages. */
static int add_exact(int fd, uint32_t ioas, uint64_t iova, uint64_t length)
{
	return win_add(fd, ioas, WIN(.flags = EXACT, .iova = iova,
				     .length = length), NULL);
}

/* Assert that a request is refused with @err and changes nothing. */
static void __add_refused(struct __test_metadata *_metadata, int fd,
			  uint32_t ioas, struct iommu_ioas_window_add cmd,
			  int err, int line)
{
	struct iova_layout before, after;

	get_layout(fd, ioas, &before);
	ASSERT_EQ(err, win_add(fd, ioas, cmd, NULL)) {
		TH_LOG("request of line %d", line);
	}
	get_layout(fd, ioas, &after);
	check_same_layout(&before, &after);
}

#define add_refused(fd, ioas, err, ...)                                   \
	__add_refused(_metadata, fd, ioas, WIN(__VA_ARGS__), err, __LINE__)

#define remove_window(fd, ioas, iova)                                     \
	ASSERT_EQ(0, __ioas_window_remove(fd, ioas, iova))

/* IOMMU_WINDOW_CAPS */

#define MAX_CAPS 4

struct caps {
	uint32_t max_windows;
	uint32_t num_apertures;
	uint32_t num_reserved;
	struct iommu_window_aperture apertures[MAX_CAPS];
	struct iommu_iova_range reserved[MAX_CAPS];
};

#define CAPS_POISON 0xa5

static bool poisoned(const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--)
		if (*b++ != CAPS_POISON)
			return false;
	return true;
}

/*
 * The caps of object @id: the counts alone first (EMSGSIZE unless both are
 * 0), then into arrays larger than needed, of which the kernel may write
 * only what it counts.
 */
static void get_caps(struct __test_metadata *_metadata, int fd, uint32_t id,
		     struct caps *c)
{
	struct iommu_window_caps cmd = {};
	uint32_t need_ap, need_rsv, i;
	int rc;

	rc = __window_caps(fd, id, &cmd);
	need_ap = cmd.num_apertures;
	need_rsv = cmd.num_reserved;
	ASSERT_EQ(need_ap || need_rsv ? EMSGSIZE : 0, rc);
	ASSERT_GE(MAX_CAPS, need_ap);
	ASSERT_GE(MAX_CAPS, need_rsv);

	memset(c, CAPS_POISON, sizeof(*c));
	cmd = (struct iommu_window_caps){
		.num_apertures = MAX_CAPS,
		.num_reserved = MAX_CAPS,
		.apertures = (uintptr_t)c->apertures,
		.reserved = (uintptr_t)c->reserved,
	};
	ASSERT_EQ(0, __window_caps(fd, id, &cmd));
	ASSERT_EQ(need_ap, cmd.num_apertures);
	ASSERT_EQ(need_rsv, cmd.num_reserved);
	for (i = need_ap; i != MAX_CAPS; i++)
		ASSERT_TRUE(poisoned(&c->apertures[i],
				     sizeof(c->apertures[i])));
	for (i = need_rsv; i != MAX_CAPS; i++)
		ASSERT_TRUE(poisoned(&c->reserved[i], sizeof(c->reserved[i])));
	c->max_windows = cmd.out_max_windows;
	c->num_apertures = need_ap;
	c->num_reserved = need_rsv;
}

static void check_caps(struct __test_metadata *_metadata,
		       const struct caps *got, const struct caps *want)
{
	uint32_t i;

	ASSERT_EQ(want->max_windows, got->max_windows);
	ASSERT_EQ(want->num_apertures, got->num_apertures);
	ASSERT_EQ(want->num_reserved, got->num_reserved);
	for (i = 0; i != want->num_apertures; i++) {
		const struct iommu_window_aperture *w = &want->apertures[i];
		const struct iommu_window_aperture *g = &got->apertures[i];

		ASSERT_EQ(w->start, g->start);
		ASSERT_EQ(w->last, g->last);
		ASSERT_EQ(w->page_sizes, g->page_sizes);
		ASSERT_EQ(w->flags, g->flags);
		ASSERT_EQ(w->max_levels, g->max_levels);
	}
	for (i = 0; i != want->num_reserved; i++) {
		ASSERT_EQ(want->reserved[i].start, got->reserved[i].start);
		ASSERT_EQ(want->reserved[i].last, got->reserved[i].last);
	}
}

static void set_aperture(struct caps *c, uint64_t start, uint64_t last,
			 uint64_t page_sizes, uint32_t flags,
			 uint32_t max_levels)
{
	struct iommu_window_aperture *ap = &c->apertures[c->num_apertures++];

	ap->start = start;
	ap->last = last;
	ap->page_sizes = page_sizes;
	ap->flags = flags;
	ap->max_levels = max_levels;
}

static void set_reserved(struct caps *c, uint64_t start, uint64_t last)
{
	c->reserved[c->num_reserved].start = start;
	c->reserved[c->num_reserved].last = last;
	c->num_reserved++;
}

/* What an IOAS offers with no device attached: everything. */
static void no_device_caps(struct caps *c)
{
	memset(c, 0, sizeof(*c));
	set_aperture(c, 0, UINT64_MAX, ~0ULL, 0, 0);
}

#define PPC_FLAGS (IOMMU_APERTURE_FIXED_START | IOMMU_APERTURE_ONE_PAGE_SIZE)

/* What the hardware of a mock device of model @dev_flags offers. */
static void model_caps(uint32_t dev_flags, struct caps *c)
{
	memset(c, 0, sizeof(*c));
	switch (dev_flags) {
	case MODEL_VTD:
		set_aperture(c, 0, MOCK_VTD_APERTURE_LAST, MOCK_VTD_PAGE_SIZES,
			     0, 0);
		set_reserved(c, MOCK_VTD_MSI_START, MOCK_VTD_MSI_LAST);
		break;
	case MODEL_SMMU:
		set_aperture(c, 0, MOCK_SMMU_APERTURE_LAST,
			     MOCK_SMMU_PAGE_SIZES, 0, 0);
		set_reserved(c, MOCK_SMMU_MSI_START, MOCK_SMMU_MSI_LAST);
		break;
	case MODEL_PPC:
		c->max_windows = MOCK_PPC_WINDOWS;
		set_aperture(c, 0, MOCK_PPC_LOW_LAST, MOCK_PPC_PAGE_SIZES,
			     PPC_FLAGS, MOCK_PPC_MAX_LEVELS);
		set_aperture(c, MOCK_PPC_HIGH_START, MOCK_PPC_HIGH_LAST,
			     MOCK_PPC_PAGE_SIZES, PPC_FLAGS,
			     MOCK_PPC_MAX_LEVELS);
		set_reserved(c, MOCK_PPC_LOW_LAST + 1, MOCK_PPC_HIGH_START - 1);
		break;
	default:
		/* The plain mock: its domain's aperture and IO page. */
		set_aperture(c, MOCK_APERTURE_START, MOCK_APERTURE_LAST,
			     PSZ / 2, 0, 0);
		break;
	}
}

/* Mock devices */

/* A mock device of model @dev_flags on @ioas; the IDs may be NULL. */
static void attach_model(struct __test_metadata *_metadata, int fd,
			 uint32_t ioas, uint32_t dev_flags, uint32_t *stdev,
			 uint32_t *hwpt, uint32_t *idev)
{
	uint32_t s = 0, h = 0, i = 0;

	ASSERT_EQ(0, __mock_domain_flags(fd, ioas, dev_flags, &s, &h, &i));
	ASSERT_NE(0, s);
	ASSERT_NE(0, h);
	ASSERT_NE(0, i);
	if (stdev)
		*stdev = s;
	if (hwpt)
		*hwpt = h;
	if (idev)
		*idev = i;
}

/*
 * Assert that a @dev_flags device cannot join @ioas, with @err, and that
 * the attempt left no object and changed neither the ranges nor the caps.
 */
static void __attach_refused(struct __test_metadata *_metadata, int fd,
			     uint32_t ioas, uint32_t dev_flags, int err,
			     int line)
{
	struct iova_layout before, after;
	struct caps cb, ca;
	uint32_t next;

	get_layout(fd, ioas, &before);
	get_caps(_metadata, fd, ioas, &cb);
	next = next_id(_metadata, fd);
	ASSERT_EQ(err, __mock_domain_flags(fd, ioas, dev_flags, NULL, NULL,
					   NULL)) {
		TH_LOG("attach of line %d", line);
	}
	ASSERT_EQ(next, next_id(_metadata, fd));
	get_layout(fd, ioas, &after);
	check_same_layout(&before, &after);
	get_caps(_metadata, fd, ioas, &ca);
	check_caps(_metadata, &ca, &cb);
}

#define attach_refused(fd, ioas, dev_flags, err)                          \
	__attach_refused(_metadata, fd, ioas, dev_flags, err, __LINE__)

/* Fixtures */

/*
 * What every fixture has: a windowed IOAS, an ordinary one, a buffer, and
 * maybe a mock device on the windowed IOAS.
 */
struct env {
	int fd;
	uint32_t ioas;
	uint32_t plain;
	uint32_t stdev;
	uint32_t hwpt;
	uint32_t idev;
	char *buf;
};

static void env_open(struct __test_metadata *_metadata, struct env *e)
{
	e->fd = iommufd_open();
	ASSERT_LE(0, e->fd);
	e->ioas = ioas_alloc_windowed(e->fd);
	e->plain = ioas_alloc(e->fd);
	e->buf = alloc_buffer(BUF_SIZE);
	ASSERT_NE(NULL, e->buf);
}

static void env_attach(struct __test_metadata *_metadata, struct env *e,
		       uint32_t dev_flags)
{
	attach_model(_metadata, e->fd, e->ioas, dev_flags, &e->stdev,
		     &e->hwpt, &e->idev);
}

static void env_close(struct env *e)
{
	munmap(e->buf, BUF_SIZE);
	close(e->fd);
}

/* No device: what is left to check are the windows themselves. */
FIXTURE(window) {
	struct env e;
};

FIXTURE_SETUP(window)
{
	env_open(_metadata, &self->e);
}

FIXTURE_TEARDOWN(window)
{
	env_close(&self->e);
}

TEST_F(window, alloc_flags)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int fd = self->e.fd;
	unsigned int bit;
	uint32_t next, id;

	next = next_id(_metadata, fd);

	for (bit = 0; bit != 32; bit++) {
		if ((1U << bit) == IOMMU_IOAS_ALLOC_WINDOWED)
			continue;
		cmd.flags = 1U << bit;
		ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_IOAS_ALLOC, &cmd));
		cmd.flags |= IOMMU_IOAS_ALLOC_WINDOWED;
		ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_IOAS_ALLOC, &cmd));
		ASSERT_EQ(0, cmd.out_ioas_id);
	}
	ASSERT_EQ(next, next_id(_metadata, fd));

	/* The two kinds: everything valid, or nothing until windows come. */
	id = 0;
	ASSERT_EQ(0, __ioas_alloc_flags(fd, 0, &id));
	ASSERT_EQ(next, id);
	check_ranges(fd, id, { .start = 0, .last = ULONG_MAX });
	id = 0;
	ASSERT_EQ(0, __ioas_alloc_flags(fd, IOMMU_IOAS_ALLOC_WINDOWED, &id));
	ASSERT_NE(0, id);
	check_no_ranges(_metadata, fd, id);
}

/* Without a window nothing can be mapped, at a fixed IOVA or not. */
TEST_F(window, empty)
{
	const uint64_t iovas[] = {
		0, PSZ, SZ_1M, SZ_1G, 1ULL << 40, 1ULL << 63, 0 - SZ_1M,
	};
	int fd = self->e.fd, mfd;
	uint32_t ioas = self->e.ioas;
	uint64_t iova, src = SZ_1M;
	unsigned int i;
	long pinned;

	check_no_ranges(_metadata, fd, ioas);
	mfd = memfd_filled(16 * PSZ, 0);
	ASSERT_LE(0, mfd);
	/* The source of the copies, in the ordinary IOAS. */
	ioas_map_fixed(fd, self->e.plain, self->e.buf, 16 * PSZ, src);
	pinned = proc_status_kb("VmPin");

	for (i = 0; i != ARRAY_SIZE(iovas); i++) {
		iova = iovas[i];
		ASSERT_EQ(ERANGE, __ioas_map(fd, ioas, self->e.buf, 4 * PSZ,
					     &iova, MAP_FIXED_RW));
		ASSERT_EQ(ERANGE, __ioas_map_file(fd, ioas, mfd, 0, 4 * PSZ,
						  &iova, MAP_FIXED_RW));
		ASSERT_EQ(ERANGE, __ioas_copy(fd, ioas, &iova, self->e.plain,
					      src, 4 * PSZ, MAP_FIXED_RW));
		ASSERT_EQ(iovas[i], iova);
	}
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(fd, ioas, self->e.buf, 4 * PSZ, &iova,
				     MAP_RW));
	ASSERT_EQ(ENOSPC, __ioas_map_file(fd, ioas, mfd, 0, 4 * PSZ, &iova,
					  MAP_RW));
	ASSERT_EQ(ENOSPC, __ioas_copy(fd, ioas, &iova, self->e.plain, src,
				      4 * PSZ, MAP_RW));

	check_no_ranges(_metadata, fd, ioas);
	ASSERT_EQ(pinned, proc_status_kb("VmPin"));
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas));
	close(mfd);
}

TEST_F(window, add_and_map)
{
	const struct {
		uint64_t iova;
		uint64_t length;
	} outside[] = {
		{ 0, PSZ },
		{ SZ_1G - PSZ, PSZ },		/* just before */
		{ SZ_1G - PSZ, 2 * PSZ },	/* across the start */
		{ SZ_1G + SZ_16M - PSZ, 2 * PSZ },	/* across the end */
		{ SZ_1G + SZ_16M, PSZ },	/* just after */
		{ 2 * SZ_1G, PSZ },
	};
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	char *buf = self->e.buf;
	unsigned int i;
	uint64_t iova;

	ASSERT_EQ(0, add_exact(fd, ioas, SZ_1G, SZ_16M));
	check_ranges(fd, ioas, span(SZ_1G, SZ_16M));

	for (i = 0; i != ARRAY_SIZE(outside); i++) {
		ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, outside[i].length,
					 outside[i].iova)) {
			TH_LOG("outside[%u]", i);
		}
	}
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas));

	/* The first and the last page, and a place the kernel chooses. */
	ioas_map_fixed(fd, ioas, buf, PSZ, SZ_1G);
	ioas_map_fixed(fd, ioas, buf + PSZ, PSZ, SZ_1G + SZ_16M - PSZ);
	iova = ioas_map(fd, ioas, buf, 8 * PSZ);
	ASSERT_TRUE(inside(iova, 8 * PSZ, SZ_1G, SZ_16M));
	ASSERT_EQ(10 * PSZ, ioas_unmap_all(fd, ioas));
	/* Unmapping leaves the window. */
	check_ranges(fd, ioas, span(SZ_1G, SZ_16M));
}

TEST_F(window, add_bad_arguments)
{
	static const uint64_t bad_page[] = {
		1, 2048, 4095, 12288, 3ULL << 20, SZ_4G + 4096,
	};
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	const uint64_t w = 2 * SZ_1G;
	unsigned int i;

	ASSERT_EQ(0, add_exact(fd, ioas, SZ_1G, SZ_16M));

	/* Not a windowed IOAS; not an IOAS. */
	add_refused(fd, self->e.plain, EINVAL, .flags = EXACT, .iova = w,
		    .length = SZ_1M);
	add_refused(fd, self->e.plain, EINVAL, .length = SZ_1M);
	ASSERT_EQ(ENOENT, add_exact(fd, next_id(_metadata, fd), w, SZ_1M));

	for (i = 1; i != 32; i++) {
		add_refused(fd, ioas, EOPNOTSUPP, .flags = 1U << i, .iova = w,
			    .length = SZ_1M);
		add_refused(fd, ioas, EOPNOTSUPP, .flags = EXACT | 1U << i,
			    .iova = w, .length = SZ_1M);
	}

	add_refused(fd, ioas, EINVAL, .flags = EXACT, .iova = w);
	add_refused(fd, ioas, EINVAL, .lowest = w);

	for (i = 0; i != ARRAY_SIZE(bad_page); i++) {
		add_refused(fd, ioas, EINVAL, .flags = EXACT, .iova = w,
			    .length = SZ_16M, .page_size = bad_page[i]);
		add_refused(fd, ioas, EINVAL, .length = SZ_16M,
			    .page_size = bad_page[i]);
	}

	add_refused(fd, ioas, EINVAL, .length = SZ_1M, .align = 3);
	add_refused(fd, ioas, EINVAL, .length = SZ_1M, .align = 3 * PSZ);
	add_refused(fd, ioas, EINVAL, .length = SZ_1M, .align = SZ_1M + PSZ);

	/* Not whole IO pages, of the CPU's size (0) or of 2 MiB. */
	add_refused(fd, ioas, EINVAL, .flags = EXACT, .iova = w + PSZ / 2,
		    .length = SZ_1M);
	add_refused(fd, ioas, EINVAL, .flags = EXACT, .iova = w,
		    .length = SZ_1M + PSZ / 2);
	add_refused(fd, ioas, EINVAL, .flags = EXACT, .iova = w + PSZ,
		    .length = SZ_2M, .page_size = SZ_2M);
	add_refused(fd, ioas, EINVAL, .flags = EXACT, .iova = w,
		    .length = SZ_2M + PSZ, .page_size = SZ_2M);
	add_refused(fd, ioas, EINVAL, .length = SZ_1M + PSZ / 2);
	add_refused(fd, ioas, EINVAL, .length = 3 * SZ_1M,
		    .page_size = SZ_2M);

	add_refused(fd, ioas, EINVAL, .length = SZ_1M, .lowest = 3 * SZ_1G,
		    .highest = w);

	/* Exact ranges that wrap around the end of the IOVA space. */
	add_refused(fd, ioas, EOVERFLOW, .flags = EXACT, .iova = 0 - PSZ,
		    .length = 2 * PSZ);
	add_refused(fd, ioas, EOVERFLOW, .flags = EXACT, .iova = 0 - SZ_1M,
		    .length = SZ_1G);

	check_ranges(fd, ioas, span(SZ_1G, SZ_16M));

	/* An exact request ignores the fields of one by constraints. */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = w,
					   .length = SZ_1M, .align = 3,
					   .lowest = 3 * SZ_1G, .highest = w),
			     NULL));
	check_ranges(fd, ioas, span(SZ_1G, SZ_16M), span(w, SZ_1M));
}

/* With no device, any window is fine that overlaps no other. */
TEST_F(window, no_device_limits)
{
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	uint64_t top = 0 - SZ_1G;

	ASSERT_EQ(0, add_exact(fd, ioas, 0, SZ_16M));
	/* Ends at the last IOVA there is, which is not a wrap. */
	ASSERT_EQ(0, add_exact(fd, ioas, top, SZ_1G));
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = 1ULL << 40,
					   .length = 4 * SZ_1G,
					   .page_size = SZ_1G, .levels = 7),
			     NULL));
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT,
					   .iova = MOCK_VTD_MSI_START,
					   .length = SZ_1M,
					   .page_size = ODD_PAGE), NULL));
	check_ranges(fd, ioas, span(0, SZ_16M),
		     span(MOCK_VTD_MSI_START, SZ_1M),
		     span(1ULL << 40, 4 * SZ_1G),
		     { .start = top, .last = UINT64_MAX });

	ioas_map_fixed(fd, ioas, self->e.buf, PSZ, 0);
	ioas_map_fixed(fd, ioas, self->e.buf, PSZ, 0 - PSZ);
	ASSERT_EQ(2 * PSZ, ioas_unmap_all(fd, ioas));
}

TEST_F(window, add_overlap)
{
	const uint64_t w = SZ_1G, len = 64 * PSZ;
	const struct {
		uint64_t iova;
		uint64_t length;
	} overlaps[] = {
		{ w, len },			/* the same */
		{ w + len / 2, len },		/* over the end */
		{ w - len / 2, len },		/* over the start */
		{ w - len, 4 * len },		/* around it */
		{ w + PSZ, PSZ },		/* inside */
		{ w + len - PSZ, PSZ },		/* its last page */
	};
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	char *buf = self->e.buf;
	uint64_t iova;
	unsigned int i;

	ASSERT_EQ(0, add_exact(fd, ioas, w, len));
	for (i = 0; i != ARRAY_SIZE(overlaps); i++)
		add_refused(fd, ioas, EEXIST, .flags = EXACT,
			    .iova = overlaps[i].iova,
			    .length = overlaps[i].length);
	/* Windows that only touch it are fine. */
	ASSERT_EQ(0, add_exact(fd, ioas, w - len, len));
	ASSERT_EQ(0, add_exact(fd, ioas, w + len, len));
	check_ranges(fd, ioas, span(w - len, len), span(w, len),
		     span(w + len, len));

	/* A mapping still has to lie inside one of them. */
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, 2 * PSZ, w - PSZ));
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, 2 * PSZ, w + len - PSZ));
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, len + 2 * PSZ, w - PSZ));
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(fd, ioas, buf, len + PSZ, &iova,
				     MAP_RW));
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas));

	ioas_map_fixed(fd, ioas, buf, PSZ, w - PSZ);
	ioas_map_fixed(fd, ioas, buf, PSZ, w);
	ioas_map_fixed(fd, ioas, buf, PSZ, w + len - PSZ);
	ioas_map_fixed(fd, ioas, buf, PSZ, w + len);
	iova = ioas_map(fd, ioas, buf, len / 2);
	ASSERT_TRUE(inside(iova, len / 2, w - len, len) ||
		    inside(iova, len / 2, w, len) ||
		    inside(iova, len / 2, w + len, len));
	ASSERT_EQ(4 * PSZ + len / 2, ioas_unmap_all(fd, ioas));
}

/* Requests by constraints take the lowest start that satisfies them. */
TEST_F(window, add_by_constraints)
{
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	uint64_t iova;

	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M), &iova));
	ASSERT_EQ(0, iova);
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M), &iova));
	ASSERT_EQ(SZ_1M, iova);
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M, .align = SZ_16M),
			     &iova));
	ASSERT_EQ(SZ_16M, iova);
	/* align 0: the page size, here the CPU's. */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M,
					   .lowest = 5 * SZ_1M + 1), &iova));
	ASSERT_EQ(5 * SZ_1M + PSZ, iova);
	/* The only room below highest is [2M, 3M). */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M,
					   .highest = 3 * SZ_1M - 1), &iova));
	ASSERT_EQ(2 * SZ_1M, iova);
	add_refused(fd, ioas, ENOSPC, .length = SZ_1M,
		    .highest = 3 * SZ_1M - 1);
	add_refused(fd, ioas, ENOSPC, .length = SZ_2M, .lowest = SZ_1G,
		    .highest = SZ_1G + SZ_1M - 1);
	/* highest 0 is no limit. */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M,
					   .lowest = 1ULL << 40), &iova));
	ASSERT_EQ(1ULL << 40, iova);
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M, .lowest = 1,
					   .align = SZ_1G), &iova));
	ASSERT_EQ(SZ_1G, iova);
	/* Larger IO pages align the start, when align does not say more. */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_2M,
					   .lowest = SZ_1G + 1,
					   .page_size = SZ_2M), &iova));
	ASSERT_EQ(SZ_1G + SZ_2M, iova);

	check_ranges(fd, ioas, span(0, 3 * SZ_1M),
		     span(5 * SZ_1M + PSZ, SZ_1M), span(SZ_16M, SZ_1M),
		     span(SZ_1G, SZ_1M), span(SZ_1G + SZ_2M, SZ_2M),
		     span(1ULL << 40, SZ_1M));
}

TEST_F(window, remove)
{
	const uint64_t a = SZ_1G, b = 2 * SZ_1G, len = SZ_16M;
	struct iommu_ioas_window_remove cmd = {
		.size = sizeof(cmd),
		.ioas_id = self->e.ioas,
		.iova = a,
	};
	const uint64_t missing[] = { 0, a + PSZ, a - len, a + len,
				     b + len - PSZ };
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	struct iova_layout before, after;
	uint64_t iova;
	unsigned int i;

	ASSERT_EQ(0, add_exact(fd, ioas, a, len));
	ASSERT_EQ(0, add_exact(fd, ioas, b, len));
	ioas_map_fixed(fd, ioas, self->e.buf, PSZ, a + SZ_1M);
	get_layout(fd, ioas, &before);

	cmd.flags = 1;
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_IOAS_WINDOW_REMOVE,
					    &cmd));
	cmd.flags = 1U << 31;
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_IOAS_WINDOW_REMOVE,
					    &cmd));
	cmd.flags = 0;
	cmd.__reserved = 1;
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_IOAS_WINDOW_REMOVE,
					    &cmd));
	ASSERT_EQ(EINVAL, __ioas_window_remove(fd, self->e.plain, a));
	ASSERT_EQ(ENOENT, __ioas_window_remove(fd, next_id(_metadata, fd),
					       a));
	for (i = 0; i != ARRAY_SIZE(missing); i++)
		ASSERT_EQ(ENOENT, __ioas_window_remove(fd, ioas, missing[i]));
	/* Not while something is mapped in it. */
	ASSERT_EQ(EBUSY, __ioas_window_remove(fd, ioas, a));
	get_layout(fd, ioas, &after);
	check_same_layout(&before, &after);

	ioas_unmap(fd, ioas, a + SZ_1M, PSZ);
	remove_window(fd, ioas, a);
	check_ranges(fd, ioas, span(b, len));
	ASSERT_EQ(ERANGE, map_at(fd, ioas, self->e.buf, PSZ, a + SZ_1M));
	ASSERT_EQ(ENOENT, __ioas_window_remove(fd, ioas, a));

	/* What the kernel places goes to the window left. */
	iova = ioas_map(fd, ioas, self->e.buf, 8 * PSZ);
	ASSERT_TRUE(inside(iova, 8 * PSZ, b, len));
	ASSERT_EQ(EBUSY, __ioas_window_remove(fd, ioas, b));
	ioas_unmap(fd, ioas, iova, 8 * PSZ);
	remove_window(fd, ioas, b);
	check_no_ranges(_metadata, fd, ioas);
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(fd, ioas, self->e.buf, PSZ, &iova,
				     MAP_RW));

	/* The IOVA is free for new windows. */
	ASSERT_EQ(0, add_exact(fd, ioas, a, 2 * len));
	check_ranges(fd, ioas, span(a, 2 * len));
}

TEST_F(window, map_file)
{
	int fd = self->e.fd, mfd;
	uint32_t ioas = self->e.ioas;
	uint64_t iova;

	mfd = memfd_filled(16 * PSZ, 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, add_exact(fd, ioas, SZ_1G, SZ_16M));

	iova = SZ_1G + SZ_16M - 8 * PSZ;
	ASSERT_EQ(ERANGE, __ioas_map_file(fd, ioas, mfd, 0, 16 * PSZ, &iova,
					  MAP_FIXED_RW));
	iova = 2 * SZ_1G;
	ASSERT_EQ(ERANGE, __ioas_map_file(fd, ioas, mfd, 0, 16 * PSZ, &iova,
					  MAP_FIXED_RW));
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas));

	iova = SZ_1G;
	ASSERT_EQ(0, __ioas_map_file(fd, ioas, mfd, 0, 16 * PSZ, &iova,
				     MAP_FIXED_RW));
	ASSERT_EQ(SZ_1G, iova);
	iova = 0;
	ASSERT_EQ(0, __ioas_map_file(fd, ioas, mfd, 4 * PSZ, 4 * PSZ, &iova,
				     MAP_RW));
	ASSERT_TRUE(inside(iova, 4 * PSZ, SZ_1G, SZ_16M));
	ASSERT_EQ(20 * PSZ, ioas_unmap_all(fd, ioas));
	close(mfd);
}

TEST_F(window, copy)
{
	const uint64_t src = SZ_1M, w = SZ_1G, len = SZ_16M;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas, plain = self->e.plain;
	uint64_t dst;

	ioas_map_fixed(fd, plain, self->e.buf, 16 * PSZ, src);
	ASSERT_EQ(0, add_exact(fd, ioas, w, len));

	dst = w + len - 8 * PSZ;
	ASSERT_EQ(ERANGE, __ioas_copy(fd, ioas, &dst, plain, src, 16 * PSZ,
				      MAP_FIXED_RW));
	dst = w - 8 * PSZ;
	ASSERT_EQ(ERANGE, __ioas_copy(fd, ioas, &dst, plain, src, 16 * PSZ,
				      MAP_FIXED_RW));
	dst = 2 * SZ_1G;
	ASSERT_EQ(ERANGE, __ioas_copy(fd, ioas, &dst, plain, src, 16 * PSZ,
				      MAP_FIXED_RW));
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas));

	dst = w;
	ASSERT_EQ(0, __ioas_copy(fd, ioas, &dst, plain, src, 16 * PSZ,
				 MAP_FIXED_RW));
	dst = 0;
	ASSERT_EQ(0, __ioas_copy(fd, ioas, &dst, plain, src + 4 * PSZ,
				 8 * PSZ, MAP_RW));
	ASSERT_TRUE(inside(dst, 8 * PSZ, w, len));

	/* A windowed IOAS is a source like any other. */
	dst = 1ULL << 40;
	ASSERT_EQ(0, __ioas_copy(fd, plain, &dst, ioas, w, 16 * PSZ,
				 MAP_FIXED_RW));
	ASSERT_EQ(24 * PSZ, ioas_unmap_all(fd, ioas));
	ASSERT_EQ(32 * PSZ, ioas_unmap_all(fd, plain));
}

/* Automatic placement keeps to the windows and to the allowed ranges. */
TEST_F(window, allow_iovas)
{
	const uint64_t a = SZ_1G, b = 2 * SZ_1G, len = SZ_16M;
	struct iommu_iova_range allow;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	uint64_t iova;

	ASSERT_EQ(0, add_exact(fd, ioas, a, len));
	ASSERT_EQ(0, add_exact(fd, ioas, b, len));

	allow.start = b + len / 2;
	allow.last = 3 * SZ_1G - 1;
	ASSERT_EQ(0, __ioas_allow_iovas(fd, ioas, &allow, 1));
	iova = ioas_map(fd, ioas, self->e.buf, 16 * PSZ);
	ASSERT_TRUE(inside(iova, 16 * PSZ, b + len / 2, len / 2));
	ioas_unmap(fd, ioas, iova, 16 * PSZ);

	allow.start = 0;
	allow.last = a + len / 2 - 1;
	ASSERT_EQ(0, __ioas_allow_iovas(fd, ioas, &allow, 1));
	iova = ioas_map(fd, ioas, self->e.buf, 16 * PSZ);
	ASSERT_TRUE(inside(iova, 16 * PSZ, a, len / 2));
	ioas_unmap(fd, ioas, iova, 16 * PSZ);

	/* Allowed, but no window there. */
	allow.start = 3 * SZ_1G;
	allow.last = SZ_4G - 1;
	ASSERT_EQ(0, __ioas_allow_iovas(fd, ioas, &allow, 1));
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(fd, ioas, self->e.buf, 16 * PSZ, &iova,
				     MAP_RW));
	/* Fixed IOVA only needs a window. */
	ioas_map_fixed(fd, ioas, self->e.buf, PSZ, a);
	ASSERT_EQ(PSZ, ioas_unmap_all(fd, ioas));

	ASSERT_EQ(0, __ioas_allow_iovas(fd, ioas, NULL, 0));
	iova = ioas_map(fd, ioas, self->e.buf, 16 * PSZ);
	ASSERT_TRUE(inside(iova, 16 * PSZ, a, len) ||
		    inside(iova, 16 * PSZ, b, len));
	ASSERT_EQ(16 * PSZ, ioas_unmap_all(fd, ioas));
}

/* An IOAS made the upstream way keeps the upstream rules. */
/*
 * Automatic placement never picks the first or the last page of the IOVA
 * space (many clients take IOVA 0 for "none"), in a window or an allowed
 * range that holds them as well as anywhere else.
 */
TEST_F(window, automatic_iova_avoids_first_and_last_page)
{
	struct iommu_iova_range allow = { .start = 0, .last = 2 * PSZ - 1 };
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas, plain = self->e.plain;
	uint64_t iova;

	/* A window of two pages at 0: only the second can be chosen. */
	ASSERT_EQ(0, add_exact(fd, ioas, 0, 2 * PSZ));
	iova = ioas_map(fd, ioas, self->e.buf, PSZ);
	ASSERT_EQ(PSZ, iova);
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(fd, ioas, self->e.buf, PSZ, &iova,
				     MAP_RW));
	/* A fixed IOVA may be page 0. */
	ioas_map_fixed(fd, ioas, self->e.buf, PSZ, 0);
	ASSERT_EQ(2 * PSZ, ioas_unmap_all(fd, ioas));

	/* The same in the last two pages. */
	ASSERT_EQ(0, add_exact(fd, ioas, 0 - 2 * PSZ, 2 * PSZ));
	allow.start = 0 - 2 * PSZ;
	allow.last = 0 - 1ULL;
	ASSERT_EQ(0, __ioas_allow_iovas(fd, ioas, &allow, 1));
	iova = ioas_map(fd, ioas, self->e.buf, PSZ);
	ASSERT_EQ(0 - 2 * PSZ, iova);
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(fd, ioas, self->e.buf, PSZ, &iova,
				     MAP_RW));
	ASSERT_EQ(PSZ, ioas_unmap_all(fd, ioas));

	/* An IOAS without windows, with allowed ranges at either end. */
	allow.start = 0;
	allow.last = 2 * PSZ - 1;
	ASSERT_EQ(0, __ioas_allow_iovas(fd, plain, &allow, 1));
	iova = ioas_map(fd, plain, self->e.buf, PSZ);
	ASSERT_EQ(PSZ, iova);
	iova = 0;
	ASSERT_EQ(ENOSPC, __ioas_map(fd, plain, self->e.buf, PSZ, &iova,
				     MAP_RW));
	ASSERT_EQ(PSZ, ioas_unmap_all(fd, plain));
	ASSERT_EQ(0, __ioas_allow_iovas(fd, plain, NULL, 0));
}

/*
 * Memory that starts where no IO page of the window can start is refused
 * before anything is pinned: the untouched pages are not even faulted in.
 */
TEST_F(window, offset_refused_before_pinning)
{
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	unsigned char vec[4];
	uint64_t iova;
	unsigned int i;
	char *mem;

	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = SZ_1G,
					   .length = SZ_16M, .page_size = PSZ),
			     NULL));
	mem = mmap(NULL, 4 * PSZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);

	ASSERT_EQ(EINVAL, map_at(fd, ioas, mem + PSZ / 2, PSZ, SZ_1G));
	iova = 0;
	ASSERT_EQ(EINVAL, __ioas_map(fd, ioas, mem + PSZ / 2, PSZ, &iova,
				     MAP_RW));
	ASSERT_EQ(0, mincore(mem, 4 * PSZ, vec));
	for (i = 0; i != ARRAY_SIZE(vec); i++)
		ASSERT_EQ(0, vec[i] & 1);

	/* The same memory from its page boundary is fine. */
	ioas_map_fixed(fd, ioas, mem, PSZ, SZ_1G);
	ASSERT_EQ(PSZ, ioas_unmap_all(fd, ioas));
	munmap(mem, 4 * PSZ);
}

TEST_F(window, not_windowed)
{
	const uint64_t iovas[] = { SZ_1M, 1ULL << 40, 1ULL << 59, 0 - SZ_1M };
	int fd = self->e.fd;
	uint32_t plain = self->e.plain;
	struct caps want, got;
	unsigned int i;
	uint64_t iova;

	for (i = 0; i != ARRAY_SIZE(iovas); i++)
		ioas_map_fixed(fd, plain, self->e.buf, PSZ, iovas[i]);
	iova = ioas_map(fd, plain, self->e.buf, 8 * PSZ);
	ASSERT_NE(0, iova);

	add_refused(fd, plain, EINVAL, .flags = EXACT, .iova = SZ_1G,
		    .length = SZ_1G);
	add_refused(fd, plain, EINVAL, .length = SZ_1G);
	ASSERT_EQ(EINVAL, __ioas_window_remove(fd, plain, SZ_1M));
	check_ranges(fd, plain, { .start = 0, .last = ULONG_MAX });
	no_device_caps(&want);
	get_caps(_metadata, fd, plain, &got);
	check_caps(_metadata, &got, &want);
	ASSERT_EQ(12 * PSZ, ioas_unmap_all(fd, plain));
}

TEST_F(window, caps_without_device)
{
	struct iommu_window_aperture ap[2];
	struct iommu_window_caps cmd = {};
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	struct caps want, got;

	no_device_caps(&want);
	get_caps(_metadata, fd, ioas, &got);
	check_caps(_metadata, &got, &want);
	/* Windows are not what the caps describe. */
	ASSERT_EQ(0, add_exact(fd, ioas, SZ_1G, SZ_16M));
	get_caps(_metadata, fd, ioas, &got);
	check_caps(_metadata, &got, &want);

	/* Just the counts. */
	ASSERT_EQ(EMSGSIZE, __window_caps(fd, ioas, &cmd));
	ASSERT_EQ(1, cmd.num_apertures);
	ASSERT_EQ(0, cmd.num_reserved);
	/* Room for exactly what there is. */
	cmd = (struct iommu_window_caps){
		.num_apertures = 1,
		.apertures = (uintptr_t)ap,
	};
	memset(ap, CAPS_POISON, sizeof(ap));
	ASSERT_EQ(0, __window_caps(fd, ioas, &cmd));
	ASSERT_EQ(1, cmd.num_apertures);
	ASSERT_EQ(0, cmd.num_reserved);
	ASSERT_EQ(0, cmd.out_max_windows);
	ASSERT_EQ(UINT64_MAX, ap[0].last);
	ASSERT_TRUE(poisoned(&ap[1], sizeof(ap[1])));

	cmd = (struct iommu_window_caps){ .flags = 1 };
	ASSERT_EQ(EOPNOTSUPP, __window_caps(fd, ioas, &cmd));
	cmd = (struct iommu_window_caps){ .flags = 1U << 31 };
	ASSERT_EQ(EOPNOTSUPP, __window_caps(fd, ioas, &cmd));
	cmd = (struct iommu_window_caps){};
	ASSERT_EQ(ENOENT, __window_caps(fd, 0, &cmd));
	cmd = (struct iommu_window_caps){};
	ASSERT_EQ(ENOENT, __window_caps(fd, next_id(_metadata, fd), &cmd));
}

/* Test-reserved IOVA, as a device's reserved ranges would be. */
TEST_F(window, reserved)
{
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	const uint64_t rsv = SZ_1G + 4 * SZ_1M;
	struct caps want, got;
	uint64_t iova;

	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	add_reserved(fd, ioas, rsv, SZ_1M);
	add_reserved(fd, ioas, 0, SZ_1M);

	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = SZ_1G,
		    .length = SZ_16M);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = rsv,
		    .length = SZ_1M);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT,
		    .iova = rsv + SZ_1M - PSZ, .length = PSZ);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = 0,
		    .length = PSZ);
	ASSERT_EQ(0, add_exact(fd, ioas, SZ_1G, rsv - SZ_1G));
	ASSERT_EQ(0, add_exact(fd, ioas, rsv + SZ_1M, SZ_16M));
	/* Placement steps over reserved IOVA. */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M), &iova));
	ASSERT_EQ(SZ_1M, iova);
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_2M,
					   .lowest = rsv - SZ_1M), &iova));
	ASSERT_EQ(rsv + SZ_1M + SZ_16M, iova);
	check_ranges(fd, ioas, span(SZ_1M, SZ_1M),
		     span(SZ_1G, rsv - SZ_1G), span(rsv + SZ_1M, SZ_16M),
		     span(rsv + SZ_1M + SZ_16M, SZ_2M));

	/* The caps only tell about devices, and there is none. */
	no_device_caps(&want);
	get_caps(_metadata, fd, ioas, &got);
	check_caps(_metadata, &got, &want);
}

/* Physical frame of the page at @p, from /proc/self/pagemap; 0 if unknown. */
static uint64_t page_frame(const void *p)
{
	uint64_t entry = 0;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &entry, sizeof(entry),
		  (uintptr_t)p / PSZ * sizeof(entry)) != sizeof(entry))
		entry = 0;
	close(fd);
	/* Bit 63: present; bits 0-54: the frame (0 without CAP_SYS_ADMIN). */
	if (!(entry >> 63))
		return 0;
	return entry & ((1ULL << 55) - 1);
}

/*
 * @size bytes of memory whose first two pages are not physically
 * contiguous. The allocator may well hand out consecutive pages (it does
 * on arm64), so if they are, the two pages swap places: page 1 then sits
 * before page 0 in physical memory. Return NULL if the frames cannot be
 * read.
 */
static char *scattered_buffer(size_t size)
{
	char *p, *tmp;
	uint64_t f0, f1;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tmp = mmap(NULL, PSZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || tmp == MAP_FAILED)
		return NULL;
	madvise(p, size, MADV_NOHUGEPAGE);
	memset(p, 2, size);
	f0 = page_frame(p);
	f1 = page_frame(p + PSZ);
	if (!f0 || !f1)
		goto err;
	if (f1 == f0 + 1) {
		/* tmp <- page 0, page 0 <- page 1, page 1 <- tmp */
		if (mremap(p, PSZ, PSZ, MREMAP_MAYMOVE | MREMAP_FIXED,
			   tmp) == MAP_FAILED ||
		    mremap(p + PSZ, PSZ, PSZ, MREMAP_MAYMOVE | MREMAP_FIXED,
			   p) == MAP_FAILED ||
		    mremap(tmp, PSZ, PSZ, MREMAP_MAYMOVE | MREMAP_FIXED,
			   p + PSZ) == MAP_FAILED)
			goto err;
		f0 = page_frame(p);
		f1 = page_frame(p + PSZ);
	}
	if (f1 != f0 + 1)
		return p;
err:
	munmap(p, size);
	return NULL;
}

/* A window of 2 MiB IO pages refuses memory of CPU pages. */
TEST_F(window, large_io_pages)
{
	const uint64_t w = SZ_1G, len = 2 * SZ_2M;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	char *mem;
	uint64_t iova;
	long pinned;

	if (PSZ >= SZ_2M)
		SKIP(return, "CPU pages of 2 MiB or more");
	mem = scattered_buffer(SZ_2M);
	if (!mem)
		SKIP(return, "cannot read physical frames from pagemap");
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = w,
					   .length = len, .page_size = SZ_2M),
			     NULL));
	pinned = proc_status_kb("VmPin");

	/* Not whole IO pages: EINVAL, whatever the memory. */
	ASSERT_EQ(EINVAL, map_at(fd, ioas, mem, SZ_2M, w + PSZ));
	ASSERT_EQ(EINVAL, map_at(fd, ioas, mem, SZ_1M, w));
	ASSERT_EQ(EINVAL, map_at(fd, ioas, mem, PSZ, w + SZ_2M));
	/* Whole IO pages of memory that is not contiguous: EFBIG. */
	ASSERT_EQ(EFBIG, map_at(fd, ioas, mem, SZ_2M, w));
	ASSERT_EQ(EFBIG, map_at(fd, ioas, mem, SZ_2M, w + SZ_2M));
	iova = 0;
	ASSERT_EQ(EFBIG, __ioas_map(fd, ioas, mem, SZ_2M, &iova, MAP_RW));
	ASSERT_EQ(pinned, proc_status_kb("VmPin"));
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas));

	/* A window of CPU-sized IO pages takes the same memory. */
	ASSERT_EQ(0, add_exact(fd, ioas, 2 * SZ_1G, len));
	ioas_map_fixed(fd, ioas, mem, SZ_2M, 2 * SZ_1G);
	ASSERT_EQ(SZ_2M, ioas_unmap_all(fd, ioas));
	munmap(mem, SZ_2M);
}

/* Huge pages of 2 MiB, set aside for the test and given back after it. */
#define HUGE_2M_NR "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
#define HUGE_PAGES_WANTED 4

FIXTURE(huge) {
	struct env e;
	long saved_nr;
	char *mem;
};

FIXTURE_SETUP(huge)
{
	env_open(_metadata, &self->e);
	self->mem = MAP_FAILED;
	self->saved_nr = read_long(HUGE_2M_NR);
	if (self->saved_nr >= 0 && self->saved_nr < HUGE_PAGES_WANTED)
		write_long(HUGE_2M_NR, HUGE_PAGES_WANTED);
}

FIXTURE_TEARDOWN(huge)
{
	/* The pages go back to the pool only once nothing pins them. */
	env_close(&self->e);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, 2 * SZ_2M);
	if (self->saved_nr >= 0 && self->saved_nr < HUGE_PAGES_WANTED)
		write_long(HUGE_2M_NR, self->saved_nr);
}

/* A window of 2 MiB IO pages takes 2 MiB huge pages. */
TEST_F(huge, hugetlb)
{
	const uint64_t w = SZ_1G, len = 2 * SZ_2M;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	uint32_t hwpt = 0;
	char *mem;

	self->mem = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			 MAP_HUGE_2MB, -1, 0);
	if (self->mem == MAP_FAILED)
		SKIP(return, "no 2 MiB huge pages");
	mem = self->mem;
	memset(mem, 0x47, 2 * SZ_2M);

	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = w,
					   .length = len, .page_size = SZ_2M),
			     NULL));
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = 2 * SZ_1G,
					   .length = len, .page_size = SZ_2M),
			     NULL));
	/* The translation is checked by a device if there is the mock. */
	if (!mock_missing())
		attach_model(_metadata, fd, ioas, MODEL_VTD, NULL, &hwpt,
			     NULL);

	/* Contiguous, but not aligned to the IO page. */
	ASSERT_EQ(EFBIG, map_at(fd, ioas, mem + PSZ, SZ_2M, 2 * SZ_1G));
	ASSERT_EQ(EINVAL, map_at(fd, ioas, mem, PSZ, 2 * SZ_1G));
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas));

	ioas_map_fixed(fd, ioas, mem, 2 * SZ_2M, w);
	ioas_map_fixed(fd, ioas, mem + SZ_2M, SZ_2M, 2 * SZ_1G + SZ_2M);
	if (hwpt) {
		md_check_map(fd, hwpt, w, mem, 2 * SZ_2M);
		md_check_map(fd, hwpt, 2 * SZ_1G + SZ_2M, mem + SZ_2M, SZ_2M);
	}
	ASSERT_EQ(3 * SZ_2M, ioas_unmap_all(fd, ioas));
}

/*
 * Each model on its own: its caps, and a window that suits it, mapped and
 * seen through the mock table.
 */
FIXTURE(model) {
	struct env e;
};

FIXTURE_VARIANT(model) {
	uint32_t dev_flags;
	/* Where a window of 16 MiB suits the model */
	uint64_t win_start;
};

FIXTURE_VARIANT_ADD(model, plain) {
	.dev_flags = 0,
	.win_start = MOCK_APERTURE_START,
};

FIXTURE_VARIANT_ADD(model, vtd) {
	.dev_flags = MODEL_VTD,
	.win_start = SZ_1G,
};

FIXTURE_VARIANT_ADD(model, smmu) {
	.dev_flags = MODEL_SMMU,
	.win_start = SZ_1G,
};

FIXTURE_VARIANT_ADD(model, ppc) {
	.dev_flags = MODEL_PPC,
	.win_start = 0,
};

FIXTURE_SETUP(model)
{
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	env_open(_metadata, &self->e);
	env_attach(_metadata, &self->e, variant->dev_flags);
}

FIXTURE_TEARDOWN(model)
{
	env_close(&self->e);
}

TEST_F(model, device_caps)
{
	struct iommu_window_aperture ap[MAX_CAPS];
	struct iommu_iova_range rsv[MAX_CAPS];
	struct iommu_window_caps cmd;
	int fd = self->e.fd;
	struct caps want, got;

	model_caps(variant->dev_flags, &want);
	get_caps(_metadata, fd, self->e.idev, &got);
	check_caps(_metadata, &got, &want);

	/* One entry short in either array: EMSGSIZE and the counts. */
	cmd = (struct iommu_window_caps){
		.num_apertures = want.num_apertures - 1,
		.num_reserved = want.num_reserved,
		.apertures = (uintptr_t)ap,
		.reserved = (uintptr_t)rsv,
	};
	ASSERT_EQ(EMSGSIZE, __window_caps(fd, self->e.idev, &cmd));
	ASSERT_EQ(want.num_apertures, cmd.num_apertures);
	ASSERT_EQ(want.num_reserved, cmd.num_reserved);
	if (want.num_reserved) {
		cmd.num_apertures = want.num_apertures;
		cmd.num_reserved = want.num_reserved - 1;
		ASSERT_EQ(EMSGSIZE, __window_caps(fd, self->e.idev, &cmd));
		ASSERT_EQ(want.num_apertures, cmd.num_apertures);
		ASSERT_EQ(want.num_reserved, cmd.num_reserved);
	}

	cmd = (struct iommu_window_caps){ .flags = 1 };
	ASSERT_EQ(EOPNOTSUPP, __window_caps(fd, self->e.idev, &cmd));
	/* Objects that are neither a device nor an IOAS. */
	cmd = (struct iommu_window_caps){};
	ASSERT_EQ(ENOENT, __window_caps(fd, self->e.hwpt, &cmd));
	cmd = (struct iommu_window_caps){};
	ASSERT_EQ(ENOENT, __window_caps(fd, self->e.stdev, &cmd));
}

/* With one device, the IOAS offers what the device does; then all again. */
TEST_F(model, ioas_caps)
{
	struct iommu_window_caps cmd = {};
	int fd = self->e.fd;
	struct caps want, got;

	model_caps(variant->dev_flags, &want);
	get_caps(_metadata, fd, self->e.ioas, &got);
	check_caps(_metadata, &got, &want);

	iommufd_destroy(fd, self->e.stdev);
	no_device_caps(&want);
	get_caps(_metadata, fd, self->e.ioas, &got);
	check_caps(_metadata, &got, &want);
	ASSERT_EQ(ENOENT, __window_caps(fd, self->e.idev, &cmd));
}

TEST_F(model, map_and_detach)
{
	const uint64_t w = variant->win_start, len = SZ_16M;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	char *buf = self->e.buf;
	uint64_t iova;

	ASSERT_EQ(0, add_exact(fd, ioas, w, len));
	check_ranges(fd, ioas, span(w, len));

	ioas_map_fixed(fd, ioas, buf, 16 * PSZ, w + SZ_1M);
	md_check_map(fd, self->e.hwpt, w + SZ_1M, buf, 16 * PSZ);
	iova = ioas_map(fd, ioas, buf + 16 * PSZ, 8 * PSZ);
	ASSERT_TRUE(inside(iova, 8 * PSZ, w, len));
	md_check_map(fd, self->e.hwpt, iova, buf + 16 * PSZ, 8 * PSZ);
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, PSZ, w + len));
	ASSERT_EQ(EBUSY, __ioas_window_remove(fd, ioas, w));
	ioas_unmap(fd, ioas, iova, 8 * PSZ);

	/* The device goes; the window and the mapping stay. */
	iommufd_destroy(fd, self->e.stdev);
	check_ranges(fd, ioas, span(w, len));
	ioas_map_fixed(fd, ioas, buf, PSZ, w);
	ASSERT_EQ(17 * PSZ, ioas_unmap_all(fd, ioas));
	remove_window(fd, ioas, w);
	check_no_ranges(_metadata, fd, ioas);
}

/* The models, one by one, each on the windowed IOAS of the fixture. */
FIXTURE(vtd) {
	struct env e;
};

FIXTURE_SETUP(vtd)
{
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	env_open(_metadata, &self->e);
	env_attach(_metadata, &self->e, MODEL_VTD);
}

FIXTURE_TEARDOWN(vtd)
{
	env_close(&self->e);
}

/* "1 GiB below 4 GiB", until the interrupt range is in the way. */
TEST_F(vtd, below_4g)
{
	const struct iommu_ioas_window_add req = {
		.length = SZ_1G,
		.highest = 0xffffffff,
	};
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	uint64_t iova;

	ASSERT_EQ(0, win_add(fd, ioas, req, &iova));
	ASSERT_EQ(0, iova);
	ASSERT_EQ(0, win_add(fd, ioas, req, &iova));
	ASSERT_EQ(SZ_1G, iova);
	ASSERT_EQ(0, win_add(fd, ioas, req, &iova));
	ASSERT_EQ(2 * SZ_1G, iova);
	/* [3G, 4G) holds the interrupt range. */
	add_refused(fd, ioas, ENOSPC, .length = SZ_1G, .highest = 0xffffffff);
	check_ranges(fd, ioas, span(0, SZ_1G), span(SZ_1G, SZ_1G),
		     span(2 * SZ_1G, SZ_1G));

	ioas_map_fixed(fd, ioas, self->e.buf, 16 * PSZ, 2 * SZ_1G);
	md_check_map(fd, self->e.hwpt, 2 * SZ_1G, self->e.buf, 16 * PSZ);
}

TEST_F(vtd, interrupt_range)
{
	const uint64_t below = MOCK_VTD_MSI_START - SZ_1M;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	uint64_t iova;

	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT,
		    .iova = MOCK_VTD_MSI_START, .length = SZ_1M);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = 3 * SZ_1G,
		    .length = SZ_1G);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT,
		    .iova = MOCK_VTD_MSI_LAST + 1 - PSZ, .length = 2 * PSZ);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = below,
		    .length = SZ_2M);

	/* Right below it; then the lowest start from there is above it. */
	ASSERT_EQ(0, add_exact(fd, ioas, below, SZ_1M));
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1M, .lowest = below),
			     &iova));
	ASSERT_EQ(MOCK_VTD_MSI_LAST + 1, iova);
	check_ranges(fd, ioas, span(below, SZ_1M),
		     span(MOCK_VTD_MSI_LAST + 1, SZ_1M));
}

TEST_F(vtd, address_width)
{
	const uint64_t end = MOCK_VTD_APERTURE_LAST + 1;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;

	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = end,
		    .length = SZ_1G);
	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = end - SZ_1M,
		    .length = SZ_2M);
	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = 1ULL << 59,
		    .length = SZ_1G);
	add_refused(fd, ioas, ENOSPC, .length = SZ_1M, .lowest = end);
	add_refused(fd, ioas, ENOSPC, .length = SZ_2M,
		    .lowest = end - SZ_1M);
	/* Up to the last IOVA it translates. */
	ASSERT_EQ(0, add_exact(fd, ioas, end - SZ_1M, SZ_1M));
	check_ranges(fd, ioas, span(end - SZ_1M, SZ_1M));
}

TEST_F(vtd, page_sizes_and_levels)
{
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;

	/* Its tables have a fixed number of levels. */
	add_refused(fd, ioas, EOPNOTSUPP, .flags = EXACT, .iova = SZ_1G,
		    .length = SZ_1G, .levels = 3);
	add_refused(fd, ioas, EOPNOTSUPP, .length = SZ_1G, .levels = 1);
	/* Any power of two from its smallest page on. */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = SZ_1G,
					   .length = SZ_1G,
					   .page_size = SZ_2M), NULL));
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = 1ULL << 34,
					   .length = SZ_1G,
					   .page_size = SZ_1G), NULL));
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = SZ_4G,
					   .length = SZ_16M,
					   .page_size = ODD_PAGE), NULL));
	check_ranges(fd, ioas, span(SZ_1G, SZ_1G), span(SZ_4G, SZ_16M),
		     span(1ULL << 34, SZ_1G));
}

/* A device joins an IOAS only if it can have every window of it. */
TEST_F(vtd, attach)
{
	int fd = self->e.fd;
	uint32_t other = ioas_alloc_windowed(fd);
	uint32_t stdev, hwpt;
	struct caps want, got;

	/* Beyond its 39 address bits. */
	ASSERT_EQ(0, add_exact(fd, other, 1ULL << 39, SZ_1G));
	attach_refused(fd, other, MODEL_VTD, ERANGE);
	remove_window(fd, other, 1ULL << 39);
	/* Over its interrupt range. */
	ASSERT_EQ(0, add_exact(fd, other, MOCK_VTD_MSI_START - SZ_1M,
			       4 * SZ_1M));
	attach_refused(fd, other, MODEL_VTD, EADDRINUSE);
	remove_window(fd, other, MOCK_VTD_MSI_START - SZ_1M);
	/* Levels it cannot choose. */
	ASSERT_EQ(0, win_add(fd, other, WIN(.flags = EXACT, .iova = SZ_1G,
					    .length = SZ_1G, .levels = 2),
			     NULL));
	attach_refused(fd, other, MODEL_VTD, EOPNOTSUPP);
	remove_window(fd, other, SZ_1G);

	/* What suits it: the mapping made before is in its table. */
	ASSERT_EQ(0, add_exact(fd, other, SZ_1G, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, other, 1ULL << 38, SZ_1G));
	ioas_map_fixed(fd, other, self->e.buf, 16 * PSZ, SZ_1G);
	attach_model(_metadata, fd, other, MODEL_VTD, &stdev, &hwpt, NULL);
	md_check_map(fd, hwpt, SZ_1G, self->e.buf, 16 * PSZ);
	check_ranges(fd, other, span(SZ_1G, SZ_1G), span(1ULL << 38, SZ_1G));
	model_caps(MODEL_VTD, &want);
	get_caps(_metadata, fd, other, &got);
	check_caps(_metadata, &got, &want);

	iommufd_destroy(fd, stdev);
	check_ranges(fd, other, span(SZ_1G, SZ_1G), span(1ULL << 38, SZ_1G));
	ioas_unmap(fd, other, SZ_1G, 16 * PSZ);
}

/*
 * Two models on one IOAS: windows must suit both. Each model gets an
 * automatic table of its own, as devices behind two IOMMU drivers do.
 */
TEST_F(vtd, with_smmu)
{
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	struct caps want, got;
	uint32_t stdev, hwpt, hwpt2, other;

	attach_model(_metadata, fd, ioas, MODEL_SMMU, &stdev, &hwpt, NULL);
	ASSERT_NE(self->e.hwpt, hwpt);
	/* A second device of a model shares its table. */
	attach_model(_metadata, fd, ioas, MODEL_SMMU, &other, &hwpt2, NULL);
	ASSERT_EQ(hwpt, hwpt2);
	iommufd_destroy(fd, other);
	/* Not a table of another model, named explicitly: EINVAL, as upstream. */
	ASSERT_EQ(EINVAL, __mock_domain_flags(fd, self->e.hwpt, MODEL_SMMU,
					      &other, NULL, NULL));
	memset(&want, 0, sizeof(want));
	set_aperture(&want, 0, MOCK_VTD_APERTURE_LAST, MOCK_VTD_PAGE_SIZES,
		     0, 0);
	set_reserved(&want, MOCK_SMMU_MSI_START, MOCK_SMMU_MSI_LAST);
	set_reserved(&want, MOCK_VTD_MSI_START, MOCK_VTD_MSI_LAST);
	get_caps(_metadata, fd, ioas, &got);
	check_caps(_metadata, &got, &want);

	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT,
		    .iova = MOCK_SMMU_MSI_START, .length = SZ_1M);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT,
		    .iova = MOCK_VTD_MSI_START, .length = SZ_1M);
	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = 1ULL << 40,
		    .length = SZ_1G);
	ASSERT_EQ(0, add_exact(fd, ioas, 0, MOCK_SMMU_MSI_START));

	/* Without the SMMU, the VT-d model alone. */
	iommufd_destroy(fd, stdev);
	model_caps(MODEL_VTD, &want);
	get_caps(_metadata, fd, ioas, &got);
	check_caps(_metadata, &got, &want);
	check_ranges(fd, ioas, span(0, MOCK_SMMU_MSI_START));
}

/*
 * VT-d and PowerPC: one aperture in common, with PowerPC's constraints,
 * both reserved ranges, PowerPC's number of windows. The page sizes in
 * common are at least the ones both translate with natively, and only
 * ones the PowerPC aperture allows.
 */
TEST_F(vtd, with_ppc)
{
	const uint64_t common = MOCK_VTD_PAGE_SIZES & MOCK_PPC_PAGE_SIZES;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	struct caps got;

	attach_model(_metadata, fd, ioas, MODEL_PPC, NULL, NULL, NULL);
	get_caps(_metadata, fd, ioas, &got);
	ASSERT_EQ(MOCK_PPC_WINDOWS, got.max_windows);
	ASSERT_EQ(1, got.num_apertures);
	ASSERT_EQ(0, got.apertures[0].start);
	ASSERT_EQ(MOCK_PPC_LOW_LAST, got.apertures[0].last);
	ASSERT_EQ(PPC_FLAGS, got.apertures[0].flags);
	ASSERT_EQ(0, got.apertures[0].max_levels);
	ASSERT_EQ(common, got.apertures[0].page_sizes & common);
	ASSERT_EQ(0, got.apertures[0].page_sizes & ~MOCK_PPC_PAGE_SIZES);
	ASSERT_EQ(2, got.num_reserved);
	ASSERT_EQ(MOCK_VTD_MSI_START, got.reserved[0].start);
	ASSERT_EQ(MOCK_VTD_MSI_LAST, got.reserved[0].last);
	ASSERT_EQ(MOCK_PPC_LOW_LAST + 1, got.reserved[1].start);
	ASSERT_EQ(MOCK_PPC_HIGH_START - 1, got.reserved[1].last);

	/* PowerPC's high window is beyond VT-d. */
	add_refused(fd, ioas, ERANGE, .flags = EXACT,
		    .iova = MOCK_PPC_HIGH_START, .length = SZ_1G);
	ASSERT_EQ(0, add_exact(fd, ioas, 0, SZ_1G));
	check_ranges(fd, ioas, span(0, SZ_1G));
}

FIXTURE(smmu) {
	struct env e;
};

FIXTURE_SETUP(smmu)
{
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	env_open(_metadata, &self->e);
	env_attach(_metadata, &self->e, MODEL_SMMU);
}

FIXTURE_TEARDOWN(smmu)
{
	env_close(&self->e);
}

TEST_F(smmu, msi_window)
{
	const uint64_t msi = MOCK_SMMU_MSI_START;
	const uint64_t above = MOCK_SMMU_MSI_LAST + 1;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	char *buf = self->e.buf;
	uint64_t iova;

	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = msi,
		    .length = SZ_1M);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = 0,
		    .length = 16 * SZ_16M);
	add_refused(fd, ioas, EADDRINUSE, .flags = EXACT, .iova = msi - SZ_1M,
		    .length = SZ_2M);
	/* All of the IOVA below it, as an emulated vIOMMU may need. */
	ASSERT_EQ(0, add_exact(fd, ioas, 0, msi));
	ASSERT_EQ(0, add_exact(fd, ioas, above, SZ_16M));
	/* The lowest start from below it is past both windows. */
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_2M,
					   .lowest = msi - SZ_1M), &iova));
	ASSERT_EQ(above + SZ_16M, iova);
	check_ranges(fd, ioas, span(0, msi), span(above, SZ_16M),
		     span(above + SZ_16M, SZ_2M));

	ioas_map_fixed(fd, ioas, buf, 16 * PSZ, 0);
	ioas_map_fixed(fd, ioas, buf + 16 * PSZ, 16 * PSZ, above);
	md_check_map(fd, self->e.hwpt, 0, buf, 16 * PSZ);
	md_check_map(fd, self->e.hwpt, above, buf + 16 * PSZ, 16 * PSZ);
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, 16 * PSZ, msi));
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, 2 * PSZ, msi - PSZ));
}

TEST_F(smmu, address_width)
{
	const uint64_t end = MOCK_SMMU_APERTURE_LAST + 1;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;

	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = end,
		    .length = SZ_1G);
	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = end - SZ_1M,
		    .length = SZ_2M);
	add_refused(fd, ioas, ENOSPC, .length = SZ_1M, .lowest = end);
	/* Beyond VT-d's 39 bits is fine here. */
	ASSERT_EQ(0, add_exact(fd, ioas, 1ULL << 40, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, ioas, end - SZ_1G, SZ_1G));
	check_ranges(fd, ioas, span(1ULL << 40, SZ_1G),
		     span(end - SZ_1G, SZ_1G));
}

TEST_F(smmu, attach)
{
	int fd = self->e.fd;
	uint32_t other = ioas_alloc_windowed(fd);

	ASSERT_EQ(0, add_exact(fd, other, 0, 16 * SZ_16M));
	attach_refused(fd, other, MODEL_SMMU, EADDRINUSE);
	remove_window(fd, other, 0);
	ASSERT_EQ(0, add_exact(fd, other, MOCK_SMMU_APERTURE_LAST + 1,
			       SZ_1G));
	attach_refused(fd, other, MODEL_SMMU, ERANGE);
	remove_window(fd, other, MOCK_SMMU_APERTURE_LAST + 1);

	ASSERT_EQ(0, add_exact(fd, other, 0, MOCK_SMMU_MSI_START));
	attach_model(_metadata, fd, other, MODEL_SMMU, NULL, NULL, NULL);
	check_ranges(fd, other, span(0, MOCK_SMMU_MSI_START));
}

FIXTURE(ppc) {
	struct env e;
};

FIXTURE_SETUP(ppc)
{
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	env_open(_metadata, &self->e);
	env_attach(_metadata, &self->e, MODEL_PPC);
}

FIXTURE_TEARDOWN(ppc)
{
	env_close(&self->e);
}

/* Two windows at fixed places, each with its page size and levels. */
TEST_F(ppc, windows)
{
	const uint64_t high = MOCK_PPC_HIGH_START;
	const uint64_t sz_64k = 1ULL << 16;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas;
	char *buf = self->e.buf;
	uint64_t iova;

	/* Inside an aperture, but not at its start. */
	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = 0x10000000,
		    .length = SZ_16M);
	add_refused(fd, ioas, ERANGE, .flags = EXACT, .iova = high + SZ_1G,
		    .length = SZ_1G);
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = 0,
					   .length = SZ_1G,
					   .page_size = sz_64k, .levels = 2),
			     NULL));
	check_ranges(fd, ioas, span(0, SZ_1G));

	/* Page sizes other than its own, more levels than it has. */
	add_refused(fd, ioas, EOPNOTSUPP, .flags = EXACT, .iova = high,
		    .length = SZ_1G, .page_size = ODD_PAGE);
	add_refused(fd, ioas, EOPNOTSUPP, .flags = EXACT, .iova = high,
		    .length = SZ_1G, .page_size = sz_64k,
		    .levels = MOCK_PPC_MAX_LEVELS + 1);
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.length = SZ_1G,
					   .lowest = SZ_4G), &iova));
	ASSERT_EQ(high, iova);
	check_ranges(fd, ioas, span(0, SZ_1G), span(high, SZ_1G));

	/*
	 * No third window. The count is checked first, as when a device
	 * joins an IOAS with too many windows.
	 */
	add_refused(fd, ioas, ENOSPC, .length = SZ_1M);
	add_refused(fd, ioas, ENOSPC, .flags = EXACT, .iova = 2 * SZ_1G,
		    .length = SZ_1M);

	/* The high window has CPU-sized IO pages. */
	ioas_map_fixed(fd, ioas, buf, 16 * PSZ, high + SZ_1M);
	md_check_map(fd, self->e.hwpt, high + SZ_1M, buf, 16 * PSZ);
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, PSZ, high + SZ_1G));
	ASSERT_EQ(ERANGE, map_at(fd, ioas, buf, PSZ, SZ_4G));

	/* A window given back can be asked for again, differently. */
	ASSERT_EQ(16 * PSZ, ioas_unmap_all(fd, ioas));
	remove_window(fd, ioas, high);
	ASSERT_EQ(0, win_add(fd, ioas, WIN(.flags = EXACT, .iova = high,
					   .length = SZ_16M,
					   .page_size = SZ_16M,
					   .levels = MOCK_PPC_MAX_LEVELS),
			     NULL));
	check_ranges(fd, ioas, span(0, SZ_1G), span(high, SZ_16M));
}

TEST_F(ppc, attach)
{
	int fd = self->e.fd;
	uint32_t other = ioas_alloc_windowed(fd);
	uint32_t hwpt;

	ASSERT_EQ(0, add_exact(fd, other, 0, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, other, MOCK_PPC_HIGH_START, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, other, 2 * SZ_1G, SZ_1G));
	attach_refused(fd, other, MODEL_PPC, ENOSPC);
	remove_window(fd, other, 2 * SZ_1G);

	remove_window(fd, other, 0);
	ASSERT_EQ(0, win_add(fd, other, WIN(.flags = EXACT, .iova = 0,
					    .length = SZ_1G,
					    .page_size = ODD_PAGE), NULL));
	attach_refused(fd, other, MODEL_PPC, EOPNOTSUPP);
	remove_window(fd, other, 0);
	ASSERT_EQ(0, win_add(fd, other, WIN(.flags = EXACT, .iova = 0,
					    .length = SZ_1G,
					    .levels = MOCK_PPC_MAX_LEVELS + 1),
			     NULL));
	attach_refused(fd, other, MODEL_PPC, EOPNOTSUPP);
	remove_window(fd, other, 0);
	ASSERT_EQ(0, add_exact(fd, other, 0x10000000, SZ_16M));
	attach_refused(fd, other, MODEL_PPC, ERANGE);
	remove_window(fd, other, 0x10000000);

	ASSERT_EQ(0, add_exact(fd, other, 0, SZ_1G));
	ioas_map_fixed(fd, other, self->e.buf, 16 * PSZ, MOCK_PPC_HIGH_START);
	attach_model(_metadata, fd, other, MODEL_PPC, NULL, &hwpt, NULL);
	md_check_map(fd, hwpt, MOCK_PPC_HIGH_START, self->e.buf, 16 * PSZ);
	check_ranges(fd, other, span(0, SZ_1G),
		     span(MOCK_PPC_HIGH_START, SZ_1G));
}

/*
 * A page table made with IOMMU_HWPT_ALLOC for the device, in a windowed
 * IOAS the device is not attached to, holds that IOAS's windows to the
 * device's hardware as an attached device would: a window the hardware
 * cannot take is refused with the errno of IOMMU_IOAS_WINDOW_ADD and
 * changes nothing, and no table is made for an IOAS whose windows the
 * hardware cannot take. (Such a table once let those windows through to
 * the backend, whose WARN then took the machine down.)
 */
TEST_F(ppc, table_of_other_ioas)
{
	const uint64_t high = MOCK_PPC_HIGH_START;
	int fd = self->e.fd;
	uint32_t other = ioas_alloc_windowed(fd);
	uint32_t third = ioas_alloc_windowed(fd);
	uint32_t hwpt;

	hwpt = hwpt_alloc(fd, self->e.idev, other);
	add_refused(fd, other, EOPNOTSUPP, .flags = EXACT, .iova = 0,
		    .length = SZ_1G, .page_size = ODD_PAGE);
	add_refused(fd, other, EOPNOTSUPP, .flags = EXACT, .iova = 0,
		    .length = SZ_1G, .levels = MOCK_PPC_MAX_LEVELS + 1);
	add_refused(fd, other, EOPNOTSUPP, .length = SZ_1G,
		    .page_size = ODD_PAGE);
	add_refused(fd, other, ERANGE, .flags = EXACT, .iova = 0x10000000,
		    .length = SZ_16M);
	ASSERT_EQ(0, add_exact(fd, other, 0, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, other, high, SZ_1G));
	add_refused(fd, other, ENOSPC, .flags = EXACT, .iova = 2 * SZ_1G,
		    .length = SZ_1M);
	ioas_map_fixed(fd, other, self->e.buf, 16 * PSZ, high);
	md_check_map(fd, hwpt, high, self->e.buf, 16 * PSZ);
	ASSERT_EQ(16 * PSZ, ioas_unmap_all(fd, other));
	iommufd_destroy(fd, hwpt);

	/* Windows first: the table is refused as an attach would be. */
	ASSERT_EQ(0, win_add(fd, third, WIN(.flags = EXACT, .iova = 0,
					    .length = SZ_1G,
					    .page_size = ODD_PAGE), NULL));
	ASSERT_EQ(EOPNOTSUPP, __hwpt_alloc(fd, self->e.idev, third, 0,
					   &hwpt));
	remove_window(fd, third, 0);
	ASSERT_EQ(0, add_exact(fd, third, 0, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, third, high, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, third, 2 * SZ_1G, SZ_1G));
	ASSERT_EQ(ENOSPC, __hwpt_alloc(fd, self->e.idev, third, 0, &hwpt));
	remove_window(fd, third, 2 * SZ_1G);
	hwpt = hwpt_alloc(fd, self->e.idev, third);
	iommufd_destroy(fd, hwpt);
}

/*
 * Several IOASes per device (IOMMU_DEVICE_ATTACH_EXTRA). The PowerPC model
 * routes DMA by address, as its hardware does with its two TCE windows, so
 * each window may belong to another IOAS. MD_CHECK_MAP with the device's
 * ID follows its DMA to whichever table takes it.
 */

/*
 * Assert that attaching device @idev to @pt as an extra table fails with
 * @err, leaves no object, and changes neither the ranges nor the caps of
 * @ioas.
 */
static void __extra_refused(struct __test_metadata *_metadata, int fd,
			    uint32_t idev, uint32_t ioas, uint32_t pt, int err,
			    int line)
{
	struct iova_layout before, after;
	struct caps cb, ca;
	uint32_t next, id = pt;

	get_layout(fd, ioas, &before);
	get_caps(_metadata, fd, ioas, &cb);
	next = next_id(_metadata, fd);
	ASSERT_EQ(err, __device_attach_extra(fd, idev, &id)) {
		TH_LOG("attach of line %d", line);
	}
	ASSERT_EQ(pt, id);
	ASSERT_EQ(next, next_id(_metadata, fd));
	get_layout(fd, ioas, &after);
	check_same_layout(&before, &after);
	get_caps(_metadata, fd, ioas, &ca);
	check_caps(_metadata, &ca, &cb);
}

#define extra_refused(fd, idev, ioas, pt, err)                            \
	__extra_refused(_metadata, fd, idev, ioas, pt, err, __LINE__)

/* Each window's DMA goes to its own IOAS, and only there. */
TEST_F(ppc, extra_ioas)
{
	const uint64_t high = MOCK_PPC_HIGH_START;
	const uint64_t len = 16 * PSZ;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas, idev = self->e.idev;
	uint32_t other = ioas_alloc_windowed(fd);
	char *buf = self->e.buf, *buf2 = self->e.buf + len;
	uint32_t pt = other, hwpt;

	ASSERT_EQ(0, add_exact(fd, ioas, 0, SZ_1G));
	ASSERT_EQ(0, __device_attach_extra(fd, idev, &pt));
	ASSERT_NE(other, pt);
	ASSERT_EQ(0, add_exact(fd, other, high, SZ_1G));
	check_ranges(fd, other, span(high, SZ_1G));
	check_ranges(fd, ioas, span(0, SZ_1G));

	ioas_map_fixed(fd, ioas, buf, len, SZ_1M);
	ioas_map_fixed(fd, other, buf2, len, high + SZ_1M);
	md_check_map(fd, idev, SZ_1M, buf, len);
	md_check_map(fd, idev, high + SZ_1M, buf2, len);
	md_check_map(fd, pt, high + SZ_1M, buf2, len);
	md_check_map(fd, self->e.hwpt, SZ_1M, buf, len);
	ASSERT_EQ(EINVAL, __md_check_map(fd, idev, high + SZ_1M, buf, len));
	ASSERT_EQ(EINVAL, __md_check_map(fd, self->e.hwpt, high + SZ_1M, buf2,
					 len));
	ASSERT_EQ(EINVAL, __md_check_map(fd, idev, SZ_4G, buf, PSZ));

	/* The device holds the IOAS; unmapped, its IOVA is blocked. */
	ASSERT_EQ(EBUSY, __iommufd_destroy(fd, other));
	ASSERT_EQ(len, ioas_unmap_all(fd, other));
	ASSERT_EQ(EINVAL, __md_check_map(fd, idev, high + SZ_1M, buf2, len));

	/* Detached, by IOAS ID, its automatic table goes with it. */
	ioas_map_fixed(fd, other, buf2, len, high + SZ_1M);
	ASSERT_EQ(0, __device_detach_extra(fd, idev, other));
	ASSERT_EQ(ENOENT, __device_detach_extra(fd, idev, other));
	ASSERT_EQ(ENOENT, __device_detach_extra(fd, idev, pt));
	ASSERT_EQ(EINVAL, __md_check_map(fd, idev, high + SZ_1M, buf2, len));
	md_check_map(fd, idev, SZ_1M, buf, len);
	ASSERT_EQ(ENOENT, __iommufd_destroy(fd, pt));

	/* A page table made for the device, detached by its own ID. */
	ASSERT_EQ(0, __hwpt_alloc(fd, idev, other, 0, &hwpt));
	pt = hwpt;
	ASSERT_EQ(0, __device_attach_extra(fd, idev, &pt));
	ASSERT_EQ(hwpt, pt);
	md_check_map(fd, idev, high + SZ_1M, buf2, len);
	ASSERT_EQ(EBUSY, __iommufd_destroy(fd, hwpt));
	ASSERT_EQ(0, __device_detach_extra(fd, idev, hwpt));
	ASSERT_EQ(EINVAL, __md_check_map(fd, idev, high + SZ_1M, buf2, len));

	/* Destroying the device detaches every IOAS. */
	ASSERT_EQ(0, __device_attach_extra(fd, idev, &pt));
	iommufd_destroy(fd, self->e.stdev);
	iommufd_destroy(fd, hwpt);
	iommufd_destroy(fd, other);
}

TEST_F(ppc, extra_refused)
{
	const uint64_t high = MOCK_PPC_HIGH_START;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas, idev = self->e.idev;
	uint32_t other = ioas_alloc_windowed(fd);
	uint32_t vtd_ioas = ioas_alloc_windowed(fd);
	struct iommu_device_extra cmd = {
		.size = sizeof(cmd),
		.flags = 1,
		.dev_id = idev,
		.pt_id = other,
	};
	uint32_t pt = other, vtd_idev;

	ASSERT_EQ(0, add_exact(fd, ioas, 0, SZ_1G));

	/* Not a device, nothing or nothing to attach to, unknown flags. */
	ASSERT_EQ(ENOENT, __device_attach_extra(fd, other, &pt));
	ASSERT_EQ(other, pt);
	extra_refused(fd, idev, other, 0, ENOENT);
	extra_refused(fd, idev, other, self->e.stdev, EINVAL);
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_DEVICE_ATTACH_EXTRA,
					    &cmd));

	/* Only windowed IOASes, each once. */
	extra_refused(fd, idev, self->e.plain, self->e.plain, EINVAL);
	extra_refused(fd, idev, ioas, ioas, EEXIST);
	extra_refused(fd, idev, ioas, self->e.hwpt, EEXIST);

	/* Windows that overlap, or are too many for the device together. */
	ASSERT_EQ(0, add_exact(fd, other, 0, SZ_16M));
	extra_refused(fd, idev, other, other, EEXIST);
	remove_window(fd, other, 0);
	ASSERT_EQ(0, add_exact(fd, other, high, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, ioas, high, SZ_16M));
	extra_refused(fd, idev, other, other, ENOSPC);
	remove_window(fd, ioas, high);

	/* A window the hardware cannot have at all. */
	remove_window(fd, other, high);
	ASSERT_EQ(0, add_exact(fd, other, high + SZ_1G, SZ_1G));
	extra_refused(fd, idev, other, other, ERANGE);
	remove_window(fd, other, high + SZ_1G);

	/* Hardware with one table for everything has no extra ones. */
	attach_model(_metadata, fd, vtd_ioas, MODEL_VTD, NULL, NULL, &vtd_idev);
	extra_refused(fd, vtd_idev, other, other, EOPNOTSUPP);

	/* What was refused left no trace: the device can still join. */
	ASSERT_EQ(0, add_exact(fd, other, high, SZ_1G));
	ASSERT_EQ(0, __device_attach_extra(fd, idev, &pt));
	check_ranges(fd, other, span(high, SZ_1G));
}

/* Windows of each IOAS are checked against the other's. */
TEST_F(ppc, extra_windows)
{
	const uint64_t high = MOCK_PPC_HIGH_START;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas, idev = self->e.idev;
	uint32_t other = ioas_alloc_windowed(fd);
	uint32_t pt = other;
	uint64_t iova;

	ASSERT_EQ(0, add_exact(fd, ioas, 0, SZ_1G));
	ASSERT_EQ(0, __device_attach_extra(fd, idev, &pt));

	/* The low window is the other IOAS's: placement skips it. */
	add_refused(fd, other, EEXIST, .flags = EXACT, .iova = 0,
		    .length = SZ_16M);
	ASSERT_EQ(0, win_add(fd, other, WIN(.length = SZ_1G), &iova));
	ASSERT_EQ(high, iova);

	/*
	 * The device has both its windows: there is none left in either.
	 * An exact window on top of the other IOAS's is reported as such.
	 */
	add_refused(fd, ioas, ENOSPC, .length = SZ_1M);
	add_refused(fd, other, ENOSPC, .length = SZ_1M);
	add_refused(fd, ioas, EEXIST, .flags = EXACT, .iova = high,
		    .length = SZ_1M);

	/* A window given back in one IOAS can be taken in the other. */
	remove_window(fd, other, high);
	ASSERT_EQ(0, add_exact(fd, ioas, high, SZ_16M));
	add_refused(fd, other, ENOSPC, .length = SZ_1M);
	check_no_ranges(_metadata, fd, other);
	check_ranges(fd, ioas, span(0, SZ_1G), span(high, SZ_16M));

	/* Detached, the other IOAS is on its own again. */
	ASSERT_EQ(0, __device_detach_extra(fd, idev, other));
	ASSERT_EQ(0, add_exact(fd, other, 0, SZ_16M));
	extra_refused(fd, idev, other, other, ENOSPC);
}

/* Replacing the device's main table keeps the extra one. */
TEST_F(ppc, extra_replace)
{
	const uint64_t high = MOCK_PPC_HIGH_START;
	const uint64_t len = 16 * PSZ;
	int fd = self->e.fd;
	uint32_t ioas = self->e.ioas, idev = self->e.idev;
	uint32_t stdev = self->e.stdev;
	uint32_t other = ioas_alloc_windowed(fd);
	uint32_t clash = ioas_alloc_windowed(fd);
	uint32_t fits = ioas_alloc_windowed(fd);
	char *buf = self->e.buf, *buf2 = self->e.buf + len;
	uint32_t pt = other;

	ASSERT_EQ(0, add_exact(fd, ioas, 0, SZ_1G));
	ASSERT_EQ(0, add_exact(fd, other, high, SZ_1G));
	ASSERT_EQ(0, __device_attach_extra(fd, idev, &pt));
	ioas_map_fixed(fd, ioas, buf, len, SZ_1M);
	ioas_map_fixed(fd, other, buf2, len, high);

	/* Not windowed, the extra IOAS itself, a window in the way. */
	pt = self->e.plain;
	ASSERT_EQ(EINVAL, __mock_domain_replace(fd, stdev, &pt));
	pt = other;
	ASSERT_EQ(EEXIST, __mock_domain_replace(fd, stdev, &pt));
	ASSERT_EQ(0, add_exact(fd, clash, high, SZ_16M));
	pt = clash;
	ASSERT_EQ(EEXIST, __mock_domain_replace(fd, stdev, &pt));
	md_check_map(fd, idev, SZ_1M, buf, len);
	md_check_map(fd, idev, high, buf2, len);

	/* The window of the IOAS being left is not held against the new. */
	ASSERT_EQ(0, add_exact(fd, fits, 0, SZ_16M));
	ioas_map_fixed(fd, fits, buf2, len, SZ_1M);
	pt = fits;
	ASSERT_EQ(0, __mock_domain_replace(fd, stdev, &pt));
	md_check_map(fd, idev, SZ_1M, buf2, len);
	md_check_map(fd, idev, high, buf2, len);
	iommufd_destroy(fd, ioas);
}

/*
 * ---- VFIO's SPAPR TCE container (v2) on the mock PowerPC model ----
 *
 * The VFIO container ioctls work on the iommufd file; its compat IOAS is
 * named with IOMMU_VFIO_IOAS, as VFIO's group path would create it.
 */

/* VFIO_IOMMU_SPAPR_TCE_GET_INFO with @argsz; 0 or the errno. */
static int spapr_info(int fd, uint32_t argsz,
		      struct vfio_iommu_spapr_tce_info *info)
{
	memset(info, 0xa5, sizeof(*info));
	info->argsz = argsz;
	info->flags = 0;
	return ioctl(fd, VFIO_IOMMU_SPAPR_TCE_GET_INFO, info) ? errno : 0;
}

/* VFIO_IOMMU_SPAPR_TCE_CREATE; 0 or the errno, *@start on success. */
static int spapr_create(int fd, uint32_t flags, uint32_t page_shift,
			uint64_t size, uint64_t *start)
{
	struct vfio_iommu_spapr_tce_create cmd = {
		.argsz = sizeof(cmd),
		.flags = flags,
		.page_shift = page_shift,
		.window_size = size,
		.levels = 1,
	};

	if (ioctl(fd, VFIO_IOMMU_SPAPR_TCE_CREATE, &cmd))
		return errno;
	*start = cmd.start_addr;
	return 0;
}

/* VFIO_IOMMU_SPAPR_TCE_REMOVE; 0 or the errno. */
static int spapr_remove(int fd, uint64_t start)
{
	struct vfio_iommu_spapr_tce_remove cmd = {
		.argsz = sizeof(cmd),
		.start_addr = start,
	};

	return ioctl(fd, VFIO_IOMMU_SPAPR_TCE_REMOVE, &cmd) ? errno : 0;
}

/* VFIO_SET_IOMMU; 0 or the errno. */
static int set_iommu(int fd, unsigned long type)
{
	return ioctl(fd, VFIO_SET_IOMMU, type) ? errno : 0;
}

/* A file to be the container, and a buffer. */
FIXTURE(spapr) {
	int fd;
	char *buf;
};

FIXTURE_SETUP(spapr)
{
	self->fd = -1;
	self->buf = NULL;
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	self->fd = iommufd_open();
	ASSERT_LE(0, self->fd);
	self->buf = alloc_buffer(BUF_SIZE);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(spapr)
{
	if (self->buf)
		munmap(self->buf, BUF_SIZE);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * A program using VFIO's SPAPR v2 container: SET_IOMMU makes the empty
 * compat IOAS windowed; with a PowerPC device on it, CHECK_EXTENSION
 * offers the API, GET_INFO describes the hardware, the pending default
 * window is cancelled by removing it, and windows are created where the
 * hardware's slots are, mapped into and removed with their mappings.
 */
TEST_F(spapr, container)
{
	struct vfio_iommu_spapr_tce_info info;
	uint64_t low = 1, high = 1, unused;
	char *buf = self->buf;
	int fd = self->fd;
	uint32_t ioas, idev;

	ioas = ioas_alloc(fd);
	ASSERT_EQ(0, __vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas));

	/* Nothing known of the hardware yet: not offered, but accepted. */
	ASSERT_EQ(0, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(ENOTTY, spapr_remove(fd, 0));
	ASSERT_EQ(0, set_iommu(fd, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(EINVAL, set_iommu(fd, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(EINVAL, set_iommu(fd, VFIO_SPAPR_TCE_v2_IOMMU));
	/* Windowed now: nothing can be mapped until a window exists. */
	check_no_ranges(_metadata, fd, ioas);
	ASSERT_EQ(ENXIO, spapr_info(fd, sizeof(info), &info));

	attach_model(_metadata, fd, ioas, MODEL_PPC, NULL, NULL, &idev);
	ASSERT_EQ(1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(0, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU));

	/* The 16-byte form leaves the DDW part alone; the whole form fills it. */
	ASSERT_EQ(EINVAL, spapr_info(fd, 15, &info));
	ASSERT_EQ(0, spapr_info(fd, 16, &info));
	ASSERT_EQ(VFIO_IOMMU_SPAPR_INFO_DDW, info.flags);
	ASSERT_EQ(0, info.dma32_window_start);
	ASSERT_EQ(1U << 31, info.dma32_window_size);
	ASSERT_TRUE(poisoned(&info.ddw, sizeof(info.ddw)));
	ASSERT_EQ(0, spapr_info(fd, sizeof(info), &info));
	ASSERT_EQ(sizeof(info), info.argsz);
	ASSERT_EQ(VFIO_IOMMU_SPAPR_INFO_DDW, info.flags);
	ASSERT_EQ(MOCK_PPC_PAGE_SIZES, info.ddw.pgsizes);
	ASSERT_EQ(MOCK_PPC_WINDOWS, info.ddw.max_dynamic_windows_supported);
	ASSERT_EQ(MOCK_PPC_MAX_LEVELS, info.ddw.levels);

	/* The default window, still pending, goes away; then nothing is. */
	ASSERT_EQ(0, spapr_remove(fd, 0));
	ASSERT_EQ(EINVAL, spapr_remove(fd, 0));
	check_no_ranges(_metadata, fd, ioas);

	/* Refused: flags, a page size the hardware lacks, a ragged size. */
	ASSERT_EQ(EINVAL, spapr_create(fd, 1, 16, SZ_1G, &unused));
	ASSERT_EQ(EINVAL, spapr_create(fd, 0, 13, SZ_1G, &unused));
	ASSERT_EQ(EINVAL, spapr_create(fd, 0, 16, SZ_1G + 4096, &unused));
	check_no_ranges(_metadata, fd, ioas);

	/* Each slot in turn, then no third one. */
	ASSERT_EQ(0, spapr_create(fd, 0, 12, SZ_1G, &low));
	ASSERT_EQ(0, low);
	ASSERT_EQ(0, spapr_create(fd, 0, 21, SZ_4G, &high));
	ASSERT_EQ(MOCK_PPC_HIGH_START, high);
	ASSERT_EQ(ENOSPC, spapr_create(fd, 0, 16, SZ_1G, &unused));
	check_ranges(fd, ioas, span(low, SZ_1G), span(high, SZ_4G));

	/* Maps land in a window only, and are gone with it. */
	vfio_map_dma(fd, buf, SZ_1M, BUF_SIZE);
	md_check_map(fd, idev, SZ_1M, buf, BUF_SIZE);
	ASSERT_EQ(ERANGE, __vfio_map_dma(fd, buf, SZ_1G, BUF_SIZE));
	ASSERT_EQ(0, spapr_remove(fd, SZ_1M + 4096));
	check_ranges(fd, ioas, span(high, SZ_4G));
	ASSERT_EQ(ENOENT, __ioas_unmap(fd, ioas, SZ_1M, BUF_SIZE, NULL));
	ASSERT_EQ(EINVAL, spapr_remove(fd, SZ_1M));

	/* The low slot is free again. */
	ASSERT_EQ(0, spapr_create(fd, 0, 12, SZ_16M, &low));
	ASSERT_EQ(0, low);
}

/*
 * SET_IOMMU(SPAPR v2) turns only an empty IOAS windowed, with no device
 * and nothing mapped; a refused one stays plain. The pending default
 * window is made (4 KiB pages, the 32-bit window) before the first
 * TCE_CREATE, which then takes the other slot.
 */
TEST_F(spapr, container_setup)
{
	uint32_t busy, mapped, ioas, idev;
	char *buf = self->buf;
	int fd = self->fd;
	uint64_t start = 1;

	/* No compat IOAS: as VFIO without a group. */
	ASSERT_EQ(ENODEV, set_iommu(fd, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(EINVAL, set_iommu(fd, VFIO_SPAPR_TCE_IOMMU));

	busy = ioas_alloc(fd);
	attach_model(_metadata, fd, busy, MODEL_PPC, NULL, NULL, NULL);
	ASSERT_EQ(0, __vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &busy));
	ASSERT_EQ(1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(EBUSY, set_iommu(fd, VFIO_SPAPR_TCE_v2_IOMMU));

	mapped = ioas_alloc(fd);
	ASSERT_EQ(0, map_at(fd, mapped, buf, BUF_SIZE, SZ_1M));
	ASSERT_EQ(0, __vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &mapped));
	ASSERT_EQ(EBUSY, set_iommu(fd, VFIO_SPAPR_TCE_v2_IOMMU));
	/* Still plain: a map anywhere works. */
	ASSERT_EQ(0, map_at(fd, mapped, buf, BUF_SIZE, SZ_1G));

	ioas = ioas_alloc(fd);
	ASSERT_EQ(0, __vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas));
	ASSERT_EQ(0, set_iommu(fd, VFIO_SPAPR_TCE_v2_IOMMU));
	attach_model(_metadata, fd, ioas, MODEL_PPC, NULL, NULL, &idev);
	ASSERT_EQ(0, spapr_create(fd, 0, 16, SZ_16M, &start));
	ASSERT_EQ(MOCK_PPC_HIGH_START, start);
	check_ranges(fd, ioas, span(0, 1ULL << 31), span(start, SZ_16M));
	/* The default window translates with 4 KiB pages. */
	vfio_map_dma(fd, buf, SZ_1M, PSZ);
	md_check_map(fd, idev, SZ_1M, buf, PSZ);
}

TEST_HARNESS_MAIN
