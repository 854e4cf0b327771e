// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * A concurrency stress of the ioctls. Several threads share a few
 * /dev/iommu contexts, each reached through several dup()ed descriptors,
 * and do at random, all at once: IOAS_MAP, IOAS_MAP_FILE of memfds that
 * other threads punch holes in, truncate and replace, IOAS_UNMAP,
 * IOAS_COPY, IOMMU_DESTROY of objects others use, ALLOW_IOVAS, windows
 * added to and removed from windowed IOASes, mock devices of every model
 * attached, replaced and given extra IOASes, access objects that pin,
 * read and write, fork() of the process with everything mapped, and
 * close() of descriptors, access descriptors and whole contexts while
 * other threads are inside ioctls on them.
 *
 * Every ioctl must succeed or fail with an errno that the uAPI header or
 * Documentation/userspace-api/iommufd.rst gives for that command; EBADF
 * and ENOTTY only if a descriptor was closed meanwhile. Once every thread
 * is joined and every descriptor closed, every pin must be gone: VmPin and
 * VmLck as they were, nothing in IOMMU_PIN_STATS of a fresh context, and
 * exactly as much memory can be charged to RLIMIT_MEMLOCK as before.
 *
 * IOMMUFD_STRESS_SEED (default: from the clock) seeds the run; each thread
 * derives its own generator from it. IOMMUFD_STRESS_SECONDS (default 20)
 * is how long it runs, IOMMUFD_STRESS_THREADS (default 6) with how many
 * threads. Without the mock (CONFIG_IOMMUFD_TEST) the devices and access
 * objects are left out.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "iommufd_util.h"

#define NCTX		3	/* contexts */
#define NFDS		3	/* dup()ed descriptors per context */
#define NIOAS		6	/* IOAS slots per context: 4 plain, 2 windowed */
#define NPLAIN		4
#define NDEV		4	/* mock device slots per context */
#define NHWPT		4
#define NACC		3	/* access descriptors per context */
#define NPINS		8	/* pins remembered per access slot */
#define NRECENT		16	/* recent mappings per context */
#define NMEMFD		2
#define BUF_PAGES	64	/* pages of each anonymous buffer */
#define MEMFD_PAGES	64
#define MAX_PAGES	8	/* longest mapping, in pages */
#define MAX_REPORTS	30	/* failures printed in full */
#define NERRNO		134	/* errnos counted per command */

#define SZ_1M		(1024ULL * 1024)
#define SZ_256M		(256 * SZ_1M)
#define SZ_1G		(1024 * SZ_1M)
/* Plain IOASes map in [16 MiB, 64 MiB), inside every mock aperture. */
#define PLAIN_BASE	(16 * SZ_1M)
#define NSLOTS		48	/* 1 MiB slots there, or in a window */
#define MAP_FIXED_RW	(MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)
#define MODEL_VTD	MOCK_FLAGS_DEVICE_MODEL_VTD
#define MODEL_SMMU	MOCK_FLAGS_DEVICE_MODEL_SMMU
#define MODEL_PPC	MOCK_FLAGS_DEVICE_MODEL_PPC

/*
 * The windows a windowed IOAS gets: A and B are where the PowerPC model
 * has its two windows, C suits the VT-d and SMMUv3 models and the plain
 * mock device. Slot NPLAIN mostly takes A, slot NPLAIN + 1 B or C: a
 * PowerPC model device attached to the first can take the second as an
 * extra IOAS.
 */
static const struct {
	uint64_t start;
	uint64_t length;
} windows[] = {
	{ 0, SZ_256M },
	{ MOCK_PPC_HIGH_START, SZ_1G },
	{ SZ_1G, SZ_256M },
};

static int pick_window(unsigned int slot, uint64_t r)
{
	if (slot == NPLAIN)
		return (r & 3) ? 0 : 1;
	return (r & 1) ? 2 : 1;
}

/*
 * The errnos the header gives every command, then those each command adds
 * (Documentation/userspace-api/iommufd.rst: EDEADLOCK of an unmap that an
 * access holds pages of); 0 ends a list.
 */
static const int e_common[] = { EINVAL, ENOENT, EFAULT, ENOMEM, EOVERFLOW, 0 };
static const int e_destroy[] = { EBUSY, 0 };
static const int e_alloc[] = { ENOSPC, 0 };
static const int e_map[] = { EEXIST, ENOSPC, ERANGE, EFBIG, 0 };
static const int e_map_file[] = { EEXIST, ENOSPC, ERANGE, EFBIG, EBADF, 0 };
static const int e_unmap[] = { EDEADLOCK, 0 };
static const int e_copy[] = { EEXIST, ENOSPC, ERANGE, EFBIG, EPERM, 0 };
static const int e_allow[] = { EADDRINUSE, 0 };
static const int e_ranges[] = { EMSGSIZE, 0 };
static const int e_win_add[] = { EEXIST, EADDRINUSE, ERANGE, EOPNOTSUPP,
				 ENOSPC, 0 };
static const int e_win_remove[] = { EBUSY, 0 };
static const int e_caps[] = { EMSGSIZE, ENODEV, 0 };
static const int e_attach[] = { EEXIST, EADDRINUSE, ERANGE, EOPNOTSUPP,
				ENOSPC, 0 };
static const int e_none[] = { 0 };
static const int e_option[] = { EBUSY, EPERM, EOPNOTSUPP, EADDRINUSE, 0 };
static const int e_hw_info[] = { EOPNOTSUPP, 0 };
static const int e_access_create[] = { ENOSPC, 0 };
static const int e_access_pages[] = { EBADF, EOPNOTSUPP, EPERM, 0 };
static const int e_access_unpin[] = { EBADF, 0 };
static const int e_access_rw[] = { EBADF, EPERM, 0 };
static const int e_access_replace[] = { EBADF, EBUSY, 0 };

enum {
	K_DESTROY, K_IOAS_ALLOC, K_MAP, K_MAP_FILE, K_UNMAP, K_COPY,
	K_ALLOW_IOVAS, K_IOVA_RANGES, K_WINDOW_ADD, K_WINDOW_REMOVE,
	K_WINDOW_CAPS, K_MOCK_DOMAIN, K_REPLACE, K_HWPT_ALLOC,
	K_ATTACH_EXTRA, K_DETACH_EXTRA, K_OPTION, K_PIN_STATS, K_HW_INFO,
	K_CREATE_ACCESS, K_ACCESS_PAGES, K_DESTROY_ACCESS_PAGES, K_ACCESS_RW,
	K_ACCESS_REPLACE,
	NKINDS
};

static struct kind {
	const char *name;
	const int *errnos;
	unsigned long calls;	/* __atomic */
	unsigned long ok;	/* __atomic */
	unsigned long err[NERRNO];	/* __atomic, by errno */
} kinds[NKINDS] = {
	[K_DESTROY] = { "IOMMU_DESTROY", e_destroy },
	[K_IOAS_ALLOC] = { "IOMMU_IOAS_ALLOC", e_alloc },
	[K_MAP] = { "IOMMU_IOAS_MAP", e_map },
	[K_MAP_FILE] = { "IOMMU_IOAS_MAP_FILE", e_map_file },
	[K_UNMAP] = { "IOMMU_IOAS_UNMAP", e_unmap },
	[K_COPY] = { "IOMMU_IOAS_COPY", e_copy },
	[K_ALLOW_IOVAS] = { "IOMMU_IOAS_ALLOW_IOVAS", e_allow },
	[K_IOVA_RANGES] = { "IOMMU_IOAS_IOVA_RANGES", e_ranges },
	[K_WINDOW_ADD] = { "IOMMU_IOAS_WINDOW_ADD", e_win_add },
	[K_WINDOW_REMOVE] = { "IOMMU_IOAS_WINDOW_REMOVE", e_win_remove },
	[K_WINDOW_CAPS] = { "IOMMU_WINDOW_CAPS", e_caps },
	[K_MOCK_DOMAIN] = { "TEST_OP_MOCK_DOMAIN_FLAGS", e_attach },
	[K_REPLACE] = { "TEST_OP_MOCK_DOMAIN_REPLACE", e_attach },
	[K_HWPT_ALLOC] = { "IOMMU_HWPT_ALLOC", e_attach },
	[K_ATTACH_EXTRA] = { "IOMMU_DEVICE_ATTACH_EXTRA", e_attach },
	[K_DETACH_EXTRA] = { "IOMMU_DEVICE_DETACH_EXTRA", e_none },
	[K_OPTION] = { "IOMMU_OPTION", e_option },
	[K_PIN_STATS] = { "IOMMU_PIN_STATS", e_none },
	[K_HW_INFO] = { "IOMMU_GET_HW_INFO", e_hw_info },
	[K_CREATE_ACCESS] = { "TEST_OP_CREATE_ACCESS", e_access_create },
	[K_ACCESS_PAGES] = { "TEST_OP_ACCESS_PAGES", e_access_pages },
	[K_DESTROY_ACCESS_PAGES] = { "TEST_OP_DESTROY_ACCESS_PAGES",
				     e_access_unpin },
	[K_ACCESS_RW] = { "TEST_OP_ACCESS_RW", e_access_rw },
	[K_ACCESS_REPLACE] = { "TEST_OP_ACCESS_REPLACE_IOAS",
			       e_access_replace },
};

/*
 * What the threads share. Every slot is read and written with __atomic;
 * a slot may name an object or descriptor that is already gone, or that
 * another thread is just replacing: that is the point.
 */
struct recent {
	uint32_t ioas;
	uint64_t iova;
	uint64_t length;
};

struct ctx {
	int fds[NFDS];
	uint32_t ioas[NIOAS];
	uint32_t stdev[NDEV];
	uint32_t idev[NDEV];
	uint32_t model[NDEV];
	uint32_t hwpt[NHWPT];
	int afd[NACC];
	uint32_t acc_ioas[NACC];	/* the IOAS each was last put on */
	uint32_t pins[NACC][NPINS];
	struct recent recent[NRECENT];
	unsigned int next_recent;
};

static struct ctx ctxs[NCTX];
static int memfds[NMEMFD];
static char *bufs[2];		/* MAP_PRIVATE and MAP_SHARED */
static uint64_t psz;
static bool have_mock;
static struct timespec deadline;
/* Bumped before every close() of a shared descriptor. */
static unsigned long closes;
static unsigned long failures;
static unsigned long forks, children_failed;
static bool in_child;

#define LOAD(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELAXED)
#define XCHG(p, v) __atomic_exchange_n(p, v, __ATOMIC_ACQ_REL)
#define INC(p) __atomic_fetch_add(p, 1, __ATOMIC_RELAXED)

struct worker {
	pthread_t thread;
	unsigned int id;
	uint64_t rng;
	unsigned long gen;	/* closes when the action started */
	char *rw_buf;
	void *cmd_rw;		/* a page, and a read-only view of it */
	const void *cmd_ro;
	struct ctx *c;
	int fd;
};

/* splitmix64: seeds, and each thread's generator. */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n). */
static unsigned int rnd(struct worker *w, unsigned int n)
{
	return splitmix(&w->rng) % n;
}

static bool one_in(struct worker *w, unsigned int n)
{
	return !rnd(w, n);
}

/* Async-signal-safe output for a forked child: a string, a number. */
static void raw_str(const char *s)
{
	ssize_t n = write(2, s, strlen(s));

	(void)n;
}

static void raw_num(unsigned long v)
{
	char b[24];
	int i = sizeof(b) - 1;

	b[i] = 0;
	do {
		b[--i] = '0' + v % 10;
		v /= 10;
	} while (v && i);
	raw_str(b + i);
}

/*
 * Count an ioctl of kind @k that returned @rc, and check @rc against the
 * kind's errnos; @fmt describes the call for the report. Returns @rc.
 */
static __printf(4, 5) int done(struct worker *w, int k, int rc,
			       const char *fmt, ...)
{
	const int *e;
	unsigned long n;
	char args[256];
	va_list ap;

	INC(&kinds[k].calls);
	if (!rc) {
		INC(&kinds[k].ok);
		return 0;
	}
	if (rc > 0 && rc < NERRNO)
		INC(&kinds[k].err[rc]);
	for (e = e_common; *e; e++)
		if (*e == rc)
			return rc;
	for (e = kinds[k].errnos; *e; e++)
		if (*e == rc)
			return rc;
	/* A descriptor closed meanwhile may be gone or be another file. */
	if ((rc == EBADF || rc == ENOTTY) &&
	    (in_child || LOAD(&closes) != w->gen))
		return rc;

	n = INC(&failures);
	if (in_child) {
		raw_str("# child: ");
		raw_str(kinds[k].name);
		raw_str(" failed with errno ");
		raw_num(rc);
		raw_str("\n");
		return rc;
	}
	if (n >= MAX_REPORTS)
		return rc;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	ksft_print_msg("%s(fd %d, %s) failed with undocumented errno %d (%s)\n",
		       kinds[k].name, w->fd, args, rc, strerror(rc));
	return rc;
}

static bool time_left(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec < deadline.tv_sec ||
	       (t.tv_sec == deadline.tv_sec && t.tv_nsec < deadline.tv_nsec);
}

/* Close a shared descriptor, letting the other threads know. */
static void close_shared(int fd)
{
	if (fd < 0)
		return;
	INC(&closes);
	close(fd);
}

/* close() of an access descriptor */
static void close_access(int afd)
{
	close_shared(afd);
}

/*
 * Pick a context and one of its descriptors into @w; false if all of its
 * descriptors are being replaced.
 */
static bool pick_ctx(struct worker *w)
{
	unsigned int i, first;

	w->gen = LOAD(&closes);
	w->c = &ctxs[rnd(w, NCTX)];
	first = rnd(w, NFDS);
	for (i = 0; i != NFDS; i++) {
		w->fd = LOAD(&w->c->fds[(first + i) % NFDS]);
		if (w->fd >= 0)
			return true;
	}
	return false;
}

static uint32_t pick_ioas(struct worker *w, unsigned int *slot)
{
	unsigned int s = rnd(w, NIOAS);

	if (slot)
		*slot = s;
	return LOAD(&w->c->ioas[s]);
}

/* A fixed IOVA for a mapping of @length in IOAS slot @slot. */
static uint64_t pick_iova(struct worker *w, unsigned int slot,
			  uint64_t length)
{
	uint64_t base = PLAIN_BASE;
	uint64_t off = rnd(w, NSLOTS) * SZ_1M;

	if (slot >= NPLAIN)
		base = windows[pick_window(slot, splitmix(&w->rng))].start;
	/* Now and then across a 1 MiB boundary, to meet neighbours. */
	if (one_in(w, 4))
		off += SZ_1M - length + rnd(w, MAX_PAGES) * psz;
	else
		off += rnd(w, SZ_1M / psz - MAX_PAGES) * psz;
	return base + off;
}

static uint64_t pick_length(struct worker *w)
{
	return (1 + rnd(w, MAX_PAGES)) * psz;
}

static char *pick_va(struct worker *w, uint64_t length)
{
	char *buf = bufs[rnd(w, 2)];

	return buf + rnd(w, BUF_PAGES - length / psz + 1) * psz;
}

static void remember(struct worker *w, uint32_t ioas, uint64_t iova,
		     uint64_t length)
{
	unsigned int i = INC(&w->c->next_recent) % NRECENT;
	struct recent *r = &w->c->recent[i];

	STORE(&r->ioas, ioas);
	STORE(&r->iova, iova);
	STORE(&r->length, length);
}

/* A mapping made lately, or a part of one. */
static void recall(struct worker *w, uint32_t *ioas, uint64_t *iova,
		   uint64_t *length)
{
	struct recent *r = &w->c->recent[rnd(w, NRECENT)];
	uint64_t pages, skip;

	*ioas = LOAD(&r->ioas);
	*iova = LOAD(&r->iova);
	*length = LOAD(&r->length);
	pages = *length / psz;
	if (pages > 1 && one_in(w, 2)) {
		skip = rnd(w, pages);
		*iova += skip * psz;
		*length -= skip * psz;
	}
	if (!*length)
		*length = psz;
}

/* A mapping made lately in @ioas, if one is remembered. */
static void recall_in(struct worker *w, uint32_t ioas, uint64_t *iova,
		      uint64_t *length)
{
	unsigned int i, first = rnd(w, NRECENT);
	uint32_t got;

	for (i = 0; i != NRECENT; i++) {
		struct recent *r = &w->c->recent[(first + i) % NRECENT];

		if (LOAD(&r->ioas) != ioas)
			continue;
		*iova = LOAD(&r->iova);
		*length = LOAD(&r->length);
		if (!*length)
			*length = psz;
		return;
	}
	recall(w, &got, iova, length);
}

static uint32_t map_flags(struct worker *w)
{
	uint32_t flags = one_in(w, 8) ? IOMMU_IOAS_MAP_READABLE : MAP_RW;

	if (!one_in(w, 8))
		flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
	return flags;
}

/* The actions. Each issues one or a few ioctls. */

static void act_map(struct worker *w)
{
	uint64_t length = pick_length(w), iova;
	uint32_t flags = map_flags(w), ioas;
	unsigned int slot;
	char *va;
	int rc;

	ioas = pick_ioas(w, &slot);
	iova = pick_iova(w, slot, length);
	va = pick_va(w, length);
	rc = __ioas_map(w->fd, ioas, va, length, &iova, flags);
	done(w, K_MAP, rc, "ioas %u va %p length %#llx iova %#llx flags %#x",
	     ioas, va, (unsigned long long)length, (unsigned long long)iova,
	     flags);
	if (!rc)
		remember(w, ioas, iova, length);
}

static void act_map_file(struct worker *w)
{
	uint64_t length = pick_length(w), iova, start;
	uint32_t flags = map_flags(w), ioas;
	unsigned int slot;
	int mfd, rc;

	mfd = LOAD(&memfds[rnd(w, NMEMFD)]);
	ioas = pick_ioas(w, &slot);
	iova = pick_iova(w, slot, length);
	start = rnd(w, MEMFD_PAGES - length / psz + 1) * psz;
	rc = __ioas_map_file(w->fd, ioas, mfd, start, length, &iova, flags);
	done(w, K_MAP_FILE, rc,
	     "ioas %u memfd %d start %#llx length %#llx iova %#llx flags %#x",
	     ioas, mfd, (unsigned long long)start,
	     (unsigned long long)length, (unsigned long long)iova, flags);
	if (!rc)
		remember(w, ioas, iova, length);
}

static void act_unmap(struct worker *w)
{
	uint64_t iova, length;
	unsigned int slot;
	uint32_t ioas;
	int rc;

	switch (rnd(w, 8)) {
	case 0:
		/* Everything. */
		ioas = pick_ioas(w, NULL);
		iova = 0;
		length = UINT64_MAX;
		break;
	case 1:
	case 2:
	case 3:
		/* A 1 MiB slot, with whatever lies wholly inside it. */
		ioas = pick_ioas(w, &slot);
		iova = pick_iova(w, slot, psz) & ~(SZ_1M - 1);
		length = SZ_1M;
		break;
	default:
		/* A recent mapping, or a part of it (ENOENT). */
		recall(w, &ioas, &iova, &length);
		break;
	}
	rc = __ioas_unmap(w->fd, ioas, iova, length, NULL);
	done(w, K_UNMAP, rc, "ioas %u iova %#llx length %#llx", ioas,
	     (unsigned long long)iova, (unsigned long long)length);
}

static void act_copy(struct worker *w)
{
	uint64_t src_iova, length, iova;
	uint32_t src, dst, flags = map_flags(w);
	unsigned int slot;
	int rc;

	recall(w, &src, &src_iova, &length);
	dst = pick_ioas(w, &slot);
	iova = pick_iova(w, slot, length);
	rc = __ioas_copy(w->fd, dst, &iova, src, src_iova, length, flags);
	done(w, K_COPY, rc,
	     "dst %u iova %#llx src %u iova %#llx length %#llx flags %#x",
	     dst, (unsigned long long)iova, src, (unsigned long long)src_iova,
	     (unsigned long long)length, flags);
	if (!rc)
		remember(w, dst, iova, length);
}

/* A window for IOAS slot @slot, exact or by constraints. */
static int add_window(struct worker *w, uint32_t ioas, unsigned int slot)
{
	int i = pick_window(slot, splitmix(&w->rng));
	struct iommu_ioas_window_add cmd = {
		.ioas_id = ioas,
		.flags = IOMMU_IOAS_WINDOW_EXACT,
		.iova = windows[i].start,
		.length = windows[i].length,
	};

	if (one_in(w, 4)) {
		cmd.flags = 0;
		cmd.iova = 0;
		cmd.lowest = windows[i].start;
		cmd.highest = windows[i].start + 2 * windows[i].length - 1;
		cmd.length = windows[i].length >> rnd(w, 3);
	}
	return done(w, K_WINDOW_ADD, __ioas_window_add(w->fd, &cmd),
		    "ioas %u flags %#x iova %#llx length %#llx lowest %#llx",
		    ioas, cmd.flags, (unsigned long long)cmd.iova,
		    (unsigned long long)cmd.length,
		    (unsigned long long)cmd.lowest);
}

/* IOMMU_DESTROY */
static int destroy(struct worker *w, uint32_t id)
{
	int rc;

	rc = __iommufd_destroy(w->fd, id);
	return done(w, K_DESTROY, rc, "id %u", id);
}

static void destroy_id(struct worker *w, uint32_t id)
{
	if (id)
		destroy(w, id);
}

/* A new IOAS for slot @slot (with a window, if windowed); 0 on failure. */
static uint32_t alloc_ioas(struct worker *w, unsigned int slot)
{
	uint32_t id = 0, flags = 0;

	if (slot >= NPLAIN)
		flags = IOMMU_IOAS_ALLOC_WINDOWED;
	if (done(w, K_IOAS_ALLOC, __ioas_alloc_flags(w->fd, flags, &id),
		 "flags %#x", flags))
		return 0;
	if (flags)
		add_window(w, id, slot);
	return id;
}

static void act_ioas_alloc(struct worker *w)
{
	unsigned int slot = rnd(w, NIOAS);
	uint32_t id = alloc_ioas(w, slot);

	if (id)
		destroy_id(w, XCHG(&w->c->ioas[slot], id));
}

/* Forget @id in @slot, if it is still there. */
static void forget(uint32_t *slot, uint32_t id)
{
	__atomic_compare_exchange_n(slot, &id, 0, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
}

static void act_destroy(struct worker *w)
{
	uint32_t *slot;
	uint32_t id;

	switch (rnd(w, 5)) {
	case 0:
		slot = &w->c->ioas[rnd(w, NIOAS)];
		break;
	case 1:
		slot = &w->c->stdev[rnd(w, NDEV)];
		break;
	case 2:
		slot = &w->c->hwpt[rnd(w, NHWPT)];
		break;
	case 3:
		slot = &w->c->idev[rnd(w, NDEV)];
		break;
	default:
		/* Whatever has that ID: IDs are handed out lowest first. */
		id = 1 + rnd(w, 40);
		destroy_id(w, id);
		return;
	}
	id = LOAD(slot);
	if (!id)
		return;
	if (!destroy(w, id))
		forget(slot, id);
}

static void act_allow_iovas(struct worker *w)
{
	struct iommu_iova_range r[2];
	uint32_t ioas = pick_ioas(w, NULL), num = rnd(w, 3), i;
	uint64_t start;

	for (i = 0; i != num; i++) {
		start = PLAIN_BASE + (i * NSLOTS / 2 + rnd(w, NSLOTS / 4)) *
			SZ_1M;
		r[i].start = start;
		r[i].last = start + (1 + rnd(w, 8)) * SZ_1M - 1;
	}
	done(w, K_ALLOW_IOVAS, __ioas_allow_iovas(w->fd, ioas, r, num),
	     "ioas %u num %u", ioas, num);
}

static void act_query(struct worker *w)
{
	struct iommu_window_aperture ap[4];
	struct iommu_iova_range r[8];
	struct iommu_window_caps caps = {};
	uint32_t ioas = pick_ioas(w, NULL), num = rnd(w, 9), id;
	uint64_t pinned, charged;

	switch (rnd(w, 3)) {
	case 0:
		done(w, K_IOVA_RANGES,
		     __ioas_iova_ranges(w->fd, ioas, r, &num, NULL),
		     "ioas %u", ioas);
		break;
	case 1:
		id = one_in(w, 2) ? ioas : LOAD(&w->c->idev[rnd(w, NDEV)]);
		caps.num_apertures = rnd(w, 5);
		caps.num_reserved = rnd(w, 9);
		caps.apertures = (uintptr_t)ap;
		caps.reserved = (uintptr_t)r;
		done(w, K_WINDOW_CAPS, __window_caps(w->fd, id, &caps),
		     "id %u", id);
		break;
	default:
		id = one_in(w, 2) ? 0 : ioas;
		done(w, K_PIN_STATS, __pin_stats(w->fd, id, &pinned, &charged),
		     "id %u", id);
		break;
	}
}

static void act_window_add(struct worker *w)
{
	unsigned int slot = NPLAIN + rnd(w, NIOAS - NPLAIN);

	add_window(w, LOAD(&w->c->ioas[slot]), slot);
}

static void act_window_remove(struct worker *w)
{
	unsigned int slot = NPLAIN + rnd(w, NIOAS - NPLAIN);
	uint32_t ioas = LOAD(&w->c->ioas[slot]);
	uint64_t iova = windows[pick_window(slot, splitmix(&w->rng))].start;

	/* Empty it first, now and then, so that removing can succeed. */
	if (one_in(w, 2))
		done(w, K_UNMAP, __ioas_unmap(w->fd, ioas, iova, SZ_1G, NULL),
		     "ioas %u iova %#llx length 1G", ioas,
		     (unsigned long long)iova);
	done(w, K_WINDOW_REMOVE, __ioas_window_remove(w->fd, ioas, iova),
	     "ioas %u iova %#llx", ioas, (unsigned long long)iova);
}

static const uint32_t models[] = { 0, MODEL_VTD, MODEL_SMMU, MODEL_PPC };

static void act_mock_domain(struct worker *w)
{
	uint32_t model = models[rnd(w, ARRAY_SIZE(models))];
	unsigned int d = rnd(w, NDEV), slot;
	uint32_t stdev, hwpt, idev, pt;
	int rc;

	/* The PowerPC model mostly goes to the IOAS with its windows. */
	slot = model == MODEL_PPC && !one_in(w, 4) ? NPLAIN : rnd(w, NIOAS);
	pt = LOAD(&w->c->ioas[slot]);
	if (one_in(w, 4))
		pt = LOAD(&w->c->hwpt[rnd(w, NHWPT)]);
	rc = __mock_domain_flags(w->fd, pt, model, &stdev, &hwpt, &idev);
	done(w, K_MOCK_DOMAIN, rc, "pt %u model %#x", pt, model);
	if (rc)
		return;
	STORE(&w->c->idev[d], idev);
	STORE(&w->c->model[d], model);
	STORE(&w->c->hwpt[rnd(w, NHWPT)], hwpt);
	destroy_id(w, XCHG(&w->c->stdev[d], stdev));
}

static void act_replace(struct worker *w)
{
	uint32_t stdev = LOAD(&w->c->stdev[rnd(w, NDEV)]);
	uint32_t pt, asked;
	int rc;

	if (one_in(w, 2))
		pt = pick_ioas(w, NULL);
	else
		pt = LOAD(&w->c->hwpt[rnd(w, NHWPT)]);
	asked = pt;
	rc = __mock_domain_replace(w->fd, stdev, &pt);
	if (!done(w, K_REPLACE, rc, "stdev %u pt %u", stdev, asked))
		STORE(&w->c->hwpt[rnd(w, NHWPT)], pt);
}

static void act_hwpt_alloc(struct worker *w)
{
	uint32_t idev = LOAD(&w->c->idev[rnd(w, NDEV)]);
	uint32_t ioas = pick_ioas(w, NULL), hwpt;

	if (done(w, K_HWPT_ALLOC, __hwpt_alloc(w->fd, idev, ioas, 0, &hwpt),
		 "idev %u ioas %u", idev, ioas))
		return;
	destroy_id(w, XCHG(&w->c->hwpt[rnd(w, NHWPT)], hwpt));
}

/* A device of the PowerPC model, mostly: only it has extra tables. */
static uint32_t pick_ppc_idev(struct worker *w)
{
	unsigned int i, d = rnd(w, NDEV);

	for (i = 0; i != NDEV && !one_in(w, 8); i++, d = (d + 1) % NDEV)
		if (LOAD(&w->c->model[d]) == MODEL_PPC)
			break;
	return LOAD(&w->c->idev[d]);
}

static void act_extra(struct worker *w)
{
	uint32_t idev = pick_ppc_idev(w);
	unsigned int slot = NPLAIN + 1;
	uint32_t pt, asked;
	int rc;

	if (one_in(w, 4))
		slot = NPLAIN + rnd(w, NIOAS - NPLAIN);
	pt = LOAD(&w->c->ioas[slot]);
	if (one_in(w, 4))
		pt = LOAD(&w->c->hwpt[rnd(w, NHWPT)]);
	asked = pt;
	if (one_in(w, 2)) {
		done(w, K_ATTACH_EXTRA, __device_attach_extra(w->fd, idev, &pt),
		     "idev %u pt %u", idev, asked);
		return;
	}
	rc = __device_detach_extra(w->fd, idev, pt);
	done(w, K_DETACH_EXTRA, rc, "idev %u pt %u", idev, pt);
}

static void act_option(struct worker *w)
{
	uint32_t ioas = pick_ioas(w, NULL);
	uint64_t val = rnd(w, 2);
	uint16_t op = rnd(w, 2);

	if (one_in(w, 8)) {
		/* Refused once the context has objects (EBUSY). */
		done(w, K_OPTION,
		     __iommufd_option(w->fd, IOMMU_OPTION_RLIMIT_MODE, op, 0,
				      &val),
		     "RLIMIT_MODE op %u val %llu", op,
		     (unsigned long long)val);
		return;
	}
	done(w, K_OPTION,
	     __iommufd_option(w->fd, IOMMU_OPTION_HUGE_PAGES, op, ioas, &val),
	     "HUGE_PAGES ioas %u op %u val %llu", ioas, op,
	     (unsigned long long)val);
}

static void act_hw_info(struct worker *w)
{
	uint32_t idev = LOAD(&w->c->idev[rnd(w, NDEV)]);
	uint64_t caps;

	done(w, K_HW_INFO, __get_hw_caps(w->fd, idev, &caps), "idev %u", idev);
}

/* An IOAS for an access: mostly one with a recent mapping. */
static uint32_t pick_access_ioas(struct worker *w)
{
	uint64_t iova, length;
	uint32_t ioas;

	if (one_in(w, 4))
		return pick_ioas(w, NULL);
	recall(w, &ioas, &iova, &length);
	return ioas;
}

static void act_access_create(struct worker *w)
{
	uint32_t ioas = pick_access_ioas(w);
	uint32_t flags = one_in(w, 3) ? 0 :
			 MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
	unsigned int a = rnd(w, NACC);
	int afd = -1, rc;

	rc = __access_create(w->fd, ioas, flags, &afd);
	if (done(w, K_CREATE_ACCESS, rc, "ioas %u flags %#x", ioas, flags))
		return;
	STORE(&w->c->acc_ioas[a], ioas);
	close_access(XCHG(&w->c->afd[a], afd));
}

static void act_access_close(struct worker *w)
{
	close_access(XCHG(&w->c->afd[rnd(w, NACC)], -1));
}

static void act_access_pages(struct worker *w)
{
	unsigned int a = rnd(w, NACC);
	int afd = LOAD(&w->c->afd[a]);
	uint32_t flags = one_in(w, 2) ? MOCK_FLAGS_ACCESS_WRITE : 0;
	uint64_t iova, length;
	uint32_t ioas, pin;

	if (afd < 0)
		return;
	ioas = LOAD(&w->c->acc_ioas[a]);
	recall_in(w, ioas, &iova, &length);
	if (done(w, K_ACCESS_PAGES,
		 __access_pages(w->fd, afd, iova, length, NULL, flags, &pin),
		 "access fd %d iova %#llx length %#llx flags %#x", afd,
		 (unsigned long long)iova, (unsigned long long)length, flags))
		return;
	STORE(&w->c->pins[a][rnd(w, NPINS)], pin);
}

static void act_access_unpin(struct worker *w)
{
	unsigned int a = rnd(w, NACC);
	int afd = LOAD(&w->c->afd[a]);
	uint32_t pin = LOAD(&w->c->pins[a][rnd(w, NPINS)]);

	if (afd < 0)
		return;
	done(w, K_DESTROY_ACCESS_PAGES, __access_unpin(w->fd, afd, pin),
	     "access fd %d pin %u", afd, pin);
}

static void act_access_rw(struct worker *w)
{
	unsigned int a = rnd(w, NACC);
	int afd = LOAD(&w->c->afd[a]);
	uint32_t flags = 0;
	uint64_t iova, length;

	if (afd < 0)
		return;
	recall_in(w, LOAD(&w->c->acc_ioas[a]), &iova, &length);
	iova += rnd(w, psz);
	length = 1 + rnd(w, one_in(w, 4) ? 2 * psz : 64);
	if (one_in(w, 2))
		flags |= MOCK_ACCESS_RW_WRITE;
	if (one_in(w, 2))
		flags |= MOCK_ACCESS_RW_SLOW_PATH;
	done(w, K_ACCESS_RW,
	     __access_rw(w->fd, afd, iova, w->rw_buf, length, flags),
	     "access fd %d iova %#llx length %#llx flags %#x", afd,
	     (unsigned long long)iova, (unsigned long long)length, flags);
}

static void act_access_replace(struct worker *w)
{
	unsigned int a = rnd(w, NACC);
	int afd = LOAD(&w->c->afd[a]);
	uint32_t ioas = pick_access_ioas(w);

	if (afd < 0)
		return;
	if (!done(w, K_ACCESS_REPLACE,
		  __access_replace_ioas(w->fd, afd, ioas),
		  "access fd %d ioas %u", afd, ioas))
		STORE(&w->c->acc_ioas[a], ioas);
}

/*
 * A command whose reply cannot be written: its structure is in a page the
 * caller may only read (a read-only view of a page written through another
 * view). Each of these commands creates something and then writes its
 * reply; it must fail with EFAULT and take back what it made, and only
 * that, while the other threads go on (the checks at the end see a pin or
 * an object it left behind).
 */
union any_cmd {
	struct iommu_ioas_map map;
	struct iommu_ioas_map_file map_file;
	struct iommu_ioas_copy copy;
	struct iommu_ioas_alloc alloc;
	struct iommu_ioas_window_add win;
	struct iommu_hwpt_alloc hwpt;
	struct iommu_test_cmd test;
};

static void act_ro_reply(struct worker *w)
{
	union any_cmd *c = w->cmd_rw;
	uint32_t ioas, src, flags = map_flags(w);
	uint64_t length = pick_length(w), iova, src_iova, src_length;
	unsigned int slot, k, n = have_mock ? 9 : 5;
	unsigned long code = IOMMU_TEST_CMD;
	int rc;

	ioas = pick_ioas(w, &slot);
	iova = pick_iova(w, slot, length);
	memset(c, 0, sizeof(*c));
	switch (rnd(w, n)) {
	case 0:
		k = K_MAP;
		code = IOMMU_IOAS_MAP;
		c->map = (struct iommu_ioas_map){
			.size = sizeof(c->map), .flags = flags, .ioas_id = ioas,
			.user_va = (uintptr_t)pick_va(w, length),
			.length = length, .iova = iova,
		};
		break;
	case 1:
		k = K_MAP_FILE;
		code = IOMMU_IOAS_MAP_FILE;
		c->map_file = (struct iommu_ioas_map_file){
			.size = sizeof(c->map_file), .flags = flags,
			.ioas_id = ioas, .fd = LOAD(&memfds[rnd(w, NMEMFD)]),
			.start = rnd(w, MEMFD_PAGES - MAX_PAGES) * psz,
			.length = length, .iova = iova,
		};
		break;
	case 2:
		k = K_COPY;
		code = IOMMU_IOAS_COPY;
		recall(w, &src, &src_iova, &src_length);
		c->copy = (struct iommu_ioas_copy){
			.size = sizeof(c->copy), .flags = flags,
			.dst_ioas_id = ioas, .dst_iova = iova,
			.src_ioas_id = src, .src_iova = src_iova,
			.length = src_length,
		};
		break;
	case 3:
		k = K_IOAS_ALLOC;
		code = IOMMU_IOAS_ALLOC;
		c->alloc.size = sizeof(c->alloc);
		if (one_in(w, 2))
			c->alloc.flags = IOMMU_IOAS_ALLOC_WINDOWED;
		break;
	case 4:
		k = K_WINDOW_ADD;
		code = IOMMU_IOAS_WINDOW_ADD;
		slot = NPLAIN + rnd(w, NIOAS - NPLAIN);
		n = pick_window(slot, splitmix(&w->rng));
		c->win = (struct iommu_ioas_window_add){
			.size = sizeof(c->win),
			.flags = IOMMU_IOAS_WINDOW_EXACT,
			.ioas_id = LOAD(&w->c->ioas[slot]),
			.iova = windows[n].start, .length = windows[n].length,
		};
		break;
	case 5:
		k = K_HWPT_ALLOC;
		code = IOMMU_HWPT_ALLOC;
		c->hwpt.size = sizeof(c->hwpt);
		c->hwpt.dev_id = LOAD(&w->c->idev[rnd(w, NDEV)]);
		c->hwpt.pt_id = ioas;
		break;
	case 6:
		k = K_MOCK_DOMAIN;
		c->test.size = sizeof(c->test);
		c->test.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS;
		c->test.id = ioas;
		c->test.mock_domain_flags.dev_flags =
			models[rnd(w, ARRAY_SIZE(models))];
		break;
	case 7:
		k = K_CREATE_ACCESS;
		c->test.size = sizeof(c->test);
		c->test.op = IOMMU_TEST_OP_CREATE_ACCESS;
		c->test.id = pick_access_ioas(w);
		c->test.create_access.flags =
			MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
		break;
	default:
		k = K_ACCESS_PAGES;
		n = rnd(w, NACC);
		c->test.size = sizeof(c->test);
		c->test.op = IOMMU_TEST_OP_ACCESS_PAGES;
		c->test.id = LOAD(&w->c->afd[n]);
		recall_in(w, LOAD(&w->c->acc_ioas[n]), &src_iova,
			  &src_length);
		c->test.access_pages.iova = src_iova;
		c->test.access_pages.length = src_length;
		break;
	}
	rc = iommufd_ioctl(w->fd, code, (void *)w->cmd_ro);
	/* Success is wrong here: the reply was never written. */
	done(w, k, rc ? rc : ENOTRECOVERABLE,
	     "reply not writable, ioas %u iova %#llx length %#llx", ioas,
	     (unsigned long long)iova, (unsigned long long)length);
}

/* Holes, truncation and growth of a memfd that others map. */
static void act_punch(struct worker *w)
{
	int mfd = LOAD(&memfds[rnd(w, NMEMFD)]);
	uint64_t off = rnd(w, MEMFD_PAGES) * psz;
	uint64_t len = (1 + rnd(w, MAX_PAGES)) * psz;

	if (mfd < 0)
		return;
	if (one_in(w, 8)) {
		/* Shorter now and then, always back to full length. */
		if (ftruncate(mfd, off) == 0)
			ftruncate(mfd, MEMFD_PAGES * psz);
		return;
	}
	fallocate(mfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
}

static int new_memfd(void)
{
	int mfd = memfd_create("iommufd_stress", 0);

	if (mfd >= 0 && ftruncate(mfd, MEMFD_PAGES * psz)) {
		close(mfd);
		mfd = -1;
	}
	return mfd;
}

static void act_memfd_replace(struct worker *w)
{
	int *slot = &memfds[rnd(w, NMEMFD)];
	int mfd, old;

	old = XCHG(slot, -1);
	if (old < 0)
		return;
	close_shared(old);
	mfd = new_memfd();
	if (mfd >= 0)
		STORE(slot, mfd);
}

/*
 * A new context: in the VFIO-compatible accounting mode (VmLck) every
 * other time, decided before any object exists.
 */
static int new_ctx_fd(struct worker *w)
{
	uint64_t mode = rnd(w, 2);
	int fd = iommufd_open();

	if (fd >= 0 && mode)
		done(w, K_OPTION,
		     __iommufd_option(fd, IOMMU_OPTION_RLIMIT_MODE,
				      IOMMU_OPTION_OP_SET, 0, &mode),
		     "new context RLIMIT_MODE 1");
	return fd;
}

/*
 * A new context behind @c: IOASes in every slot; the other slots keep
 * their IDs, which name nothing there, or something else.
 */
static void populate(struct worker *w, struct ctx *c, int fd)
{
	unsigned int i;

	w->c = c;
	w->fd = fd;
	for (i = 0; i != NIOAS; i++)
		STORE(&c->ioas[i], alloc_ioas(w, i));
}

/* Put a descriptor of @c into the empty slot @i. */
static void refill_fd(struct worker *w, struct ctx *c, unsigned int i)
{
	int expect = -1, fd = -1;
	unsigned int j;

	for (j = 0; j != NFDS && fd < 0; j++) {
		int other = LOAD(&c->fds[j]);

		if (other >= 0)
			fd = dup(other);
	}
	if (fd < 0) {
		fd = new_ctx_fd(w);
		if (fd >= 0)
			populate(w, c, fd);
	}
	if (fd < 0)
		return;
	if (!__atomic_compare_exchange_n(&c->fds[i], &expect, fd, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		close(fd);
}

/*
 * close() one descriptor of a context while other threads are inside
 * ioctls on it; now and then all of them, so that the context itself goes
 * when the last ioctl inside it returns.
 */
static void act_close(struct worker *w)
{
	struct ctx *c = &ctxs[rnd(w, NCTX)];
	unsigned int i;

	if (one_in(w, 4)) {
		for (i = 0; i != NFDS; i++)
			close_shared(XCHG(&c->fds[i], -1));
		for (i = 0; i != NFDS; i++)
			refill_fd(w, c, i);
		return;
	}
	i = rnd(w, NFDS);
	close_shared(XCHG(&c->fds[i], -1));
	refill_fd(w, c, i);
}

/*
 * fork() with everything mapped. The child maps some of its own memory
 * (copied on write) and unmaps, then either closes what it inherited or
 * just exits; the parent waits.
 */
static void act_fork(struct worker *w)
{
	unsigned int i, n;
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0)
		return;
	if (!pid) {
		in_child = true;
		failures = 0;
		n = 1 + rnd(w, 6);
		for (i = 0; i != n; i++) {
			if (!pick_ctx(w))
				continue;
			if (one_in(w, 2)) {
				/* Touch the buffer: the child's own pages. */
				bufs[0][rnd(w, BUF_PAGES) * psz] = 1;
				act_map(w);
			} else if (one_in(w, 2)) {
				act_map_file(w);
			} else {
				act_unmap(w);
			}
		}
		if (one_in(w, 2)) {
			for (i = 0; i != NCTX * NFDS; i++)
				close(LOAD(&ctxs[i / NFDS].fds[i % NFDS]));
			for (i = 0; i != NCTX * NACC; i++)
				close(LOAD(&ctxs[i / NACC].afd[i % NACC]));
		}
		_exit(failures ? 1 : 0);
	}
	INC(&forks);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		INC(&children_failed);
		INC(&failures);
		ksft_print_msg("forked child %d failed (status %#x)\n", pid,
			       status);
	}
}

/* The actions, by weight. */
static const struct action {
	void (*fn)(struct worker *w);
	unsigned int weight;
	bool mock;
} actions[] = {
	{ act_map, 30, false },
	{ act_map_file, 15, false },
	{ act_unmap, 25, false },
	{ act_copy, 10, false },
	{ act_ioas_alloc, 3, false },
	{ act_destroy, 4, false },
	{ act_allow_iovas, 2, false },
	{ act_query, 6, false },
	{ act_window_add, 5, false },
	{ act_window_remove, 4, false },
	{ act_option, 2, false },
	{ act_punch, 8, false },
	{ act_memfd_replace, 1, false },
	{ act_close, 2, false },
	{ act_ro_reply, 6, false },
	{ act_mock_domain, 4, true },
	{ act_replace, 4, true },
	{ act_hwpt_alloc, 2, true },
	{ act_extra, 5, true },
	{ act_hw_info, 1, true },
	{ act_access_create, 2, true },
	{ act_access_close, 1, true },
	{ act_access_pages, 8, true },
	{ act_access_unpin, 5, true },
	{ act_access_rw, 8, true },
	{ act_access_replace, 2, true },
};

#define FORK_ONE_IN 1000

static unsigned int total_weight;

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int i, r;

	while (time_left()) {
		if (!pick_ctx(w))
			continue;
		if (one_in(w, FORK_ONE_IN)) {
			act_fork(w);
			continue;
		}
		r = rnd(w, total_weight);
		for (i = 0; i != ARRAY_SIZE(actions); i++) {
			if (actions[i].mock && !have_mock)
				continue;
			if (r < actions[i].weight)
				break;
			r -= actions[i].weight;
		}
		actions[i].fn(w);
	}
	return NULL;
}

/* Set up the contexts: descriptors and a first IOAS in every slot. */
static bool setup(struct worker *w)
{
	unsigned int i, s;

	for (i = 0; i != NMEMFD; i++) {
		memfds[i] = new_memfd();
		if (memfds[i] < 0)
			return false;
	}
	for (i = 0; i != NCTX; i++) {
		w->c = &ctxs[i];
		for (s = 0; s != NFDS; s++)
			w->c->fds[s] = -1;
		for (s = 0; s != NACC; s++)
			w->c->afd[s] = -1;
		for (s = 0; s != NFDS; s++)
			refill_fd(w, &ctxs[i], s);
		if (ctxs[i].fds[0] < 0)
			return false;
	}
	return true;
}

static void teardown(void)
{
	unsigned int i, s;

	for (i = 0; i != NCTX; i++) {
		for (s = 0; s != NFDS; s++)
			close_shared(XCHG(&ctxs[i].fds[s], -1));
		for (s = 0; s != NACC; s++)
			close_shared(XCHG(&ctxs[i].afd[s], -1));
	}
	for (i = 0; i != NMEMFD; i++)
		close_shared(XCHG(&memfds[i], -1));
}

/*
 * How many contexts' IOASes break the kernel's invariants (io_pagetable.h),
 * checked once the threads are done; 0 also without the test command.
 */
static unsigned int invariants_broken(void)
{
	unsigned int i, s, n = 0;
	int rc;

	for (i = 0; i != NCTX; i++) {
		for (s = 0; s != NFDS; s++) {
			if (ctxs[i].fds[s] < 0)
				continue;
			rc = __ioas_validate(ctxs[i].fds[s], 0);
			if (rc && rc != ENOTTY) {
				ksft_print_msg("context %u, fd %u: %s\n", i, s,
					       strerror(rc));
				n++;
			}
		}
	}
	return n;
}

/*
 * What RLIMIT_MEMLOCK lets a fresh context charge, in the default mode:
 * bit 0 set if @pages pages can be mapped, bit 1 set if one more can.
 */
static unsigned int memlock_probe(unsigned int pages)
{
	struct rlimit old, lim = {
		.rlim_cur = pages * psz,
		.rlim_max = pages * psz,
	};
	unsigned int res = 0;
	uint64_t iova;
	uint32_t ioas;
	char *buf;
	int fd;

	buf = mmap(NULL, (pages + 1) * psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return ~0U;
	memset(buf, 1, (pages + 1) * psz);
	fd = iommufd_open();
	if (fd < 0 || __ioas_alloc(fd, &ioas) || getrlimit(RLIMIT_MEMLOCK, &old))
		res = ~0U;
	lim.rlim_max = old.rlim_max;
	if (!res && !setrlimit(RLIMIT_MEMLOCK, &lim)) {
		iova = 0;
		if (!__ioas_map(fd, ioas, buf, pages * psz, &iova, MAP_RW))
			res |= 1;
		iova = 0;
		if (!__ioas_map(fd, ioas, buf + pages * psz, psz, &iova,
				MAP_RW))
			res |= 2;
		setrlimit(RLIMIT_MEMLOCK, &old);
	}
	if (fd >= 0)
		close(fd);
	munmap(buf, (pages + 1) * psz);
	return res;
}

/* One command's count, and how many failed with each errno. */
static void print_kind(const struct kind *k)
{
	char line[512];
	int len, e;

	len = snprintf(line, sizeof(line), "%-28s %7lu calls %7lu ok",
		       k->name, k->calls, k->ok);
	for (e = 1; e != NERRNO && len < (int)sizeof(line); e++)
		if (k->err[e])
			len += snprintf(line + len, sizeof(line) - len,
					", %s %lu", strerrorname_np(e),
					k->err[e]);
	ksft_print_msg("%s\n", line);
}

/* The worker's command page and its read-only view; 0 or an errno. */
static int two_views(struct worker *w)
{
	int mfd = memfd_create("iommufd_stress_cmd", 0);
	int rc = 0;

	if (mfd < 0 || ftruncate(mfd, psz))
		return errno;
	w->cmd_rw = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED, mfd,
			 0);
	w->cmd_ro = mmap(NULL, psz, PROT_READ, MAP_SHARED, mfd, 0);
	if (w->cmd_rw == MAP_FAILED || w->cmd_ro == MAP_FAILED)
		rc = errno;
	close(mfd);
	return rc;
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

int main(void)
{
	unsigned long seconds = env_ul("IOMMUFD_STRESS_SECONDS", 20);
	unsigned int nthreads = env_ul("IOMMUFD_STRESS_THREADS", 6);
	long vmpin, vmlck, vmpin_end, vmlck_end;
	struct worker *workers, setup_w = {};
	unsigned int probe, probe_end, broken, i;
	uint64_t seed, s, pinned = 0, charged = 0;
	struct rlimit lim;
	struct timespec t;
	int fd, rc;

	ksft_print_header();
	fd = iommufd_open();
	if (fd < 0)
		ksft_exit_skip("cannot open %s: %s\n", IOMMUFD_DEV,
			       strerror(errno));
	close(fd);
	ksft_set_plan(5);
	psz = getpagesize();
	clock_gettime(CLOCK_REALTIME, &t);
	seed = env_ul("IOMMUFD_STRESS_SEED", t.tv_sec * 1000000007ULL +
		      t.tv_nsec);
	if (!nthreads)
		nthreads = 1;
	have_mock = mock_present();
	ksft_print_msg("IOMMUFD_STRESS_SEED=%#llx SECONDS=%lu THREADS=%u\n",
		       (unsigned long long)seed, seconds, nthreads);
	if (!have_mock && mock_expected())
		ksft_exit_fail_msg("the machine should have the mock\n");
	ksft_print_msg("page size %llu, mock %s\n", (unsigned long long)psz,
		       have_mock ? "present" : "absent: no devices, no accesses");

	/* Pins are charged (CAP_IPC_LOCK exempts them) and may hit the limit. */
	if (drop_capability(CAP_IPC_LOCK))
		ksft_print_msg("could not drop CAP_IPC_LOCK\n");
	probe = memlock_probe(16);
	getrlimit(RLIMIT_MEMLOCK, &lim);
	lim.rlim_cur = (3 * BUF_PAGES + NMEMFD * MEMFD_PAGES) * psz;
	if (lim.rlim_max != RLIM_INFINITY && lim.rlim_cur > lim.rlim_max)
		lim.rlim_cur = lim.rlim_max;
	setrlimit(RLIMIT_MEMLOCK, &lim);
	vmpin = proc_status_kb("VmPin");
	vmlck = proc_status_kb("VmLck");

	for (i = 0; i != 2; i++) {
		bufs[i] = mmap(NULL, BUF_PAGES * psz, PROT_READ | PROT_WRITE,
			       (i ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS,
			       -1, 0);
		if (bufs[i] == MAP_FAILED)
			ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
		memset(bufs[i], 0x5a + i, BUF_PAGES * psz);
	}
	for (i = 0; i != ARRAY_SIZE(actions); i++)
		if (have_mock || !actions[i].mock)
			total_weight += actions[i].weight;

	s = seed;
	setup_w.rng = splitmix(&s);
	if (!setup(&setup_w))
		ksft_exit_fail_msg("setup: %s\n", strerror(errno));
	workers = calloc(nthreads, sizeof(*workers));
	if (!workers)
		ksft_exit_fail_msg("out of memory\n");
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += seconds;
	for (i = 0; i != nthreads; i++) {
		workers[i].id = i;
		workers[i].rng = splitmix(&s);
		workers[i].rw_buf = malloc(2 * psz);
		if (!workers[i].rw_buf || two_views(&workers[i]) ||
		    pthread_create(&workers[i].thread, NULL, worker_main,
				   &workers[i]))
			ksft_exit_fail_msg("cannot start thread %u\n", i);
	}
	for (i = 0; i != nthreads; i++)
		pthread_join(workers[i].thread, NULL);
	broken = invariants_broken();
	teardown();

	for (i = 0; i != NKINDS; i++)
		print_kind(&kinds[i]);
	ksft_print_msg("%-30s %8lu\n", "fork", forks);
	ksft_print_msg("%-30s %8lu\n", "close of a shared descriptor",
		       closes);
	ksft_test_result(!failures,
			 "stress: every ioctl succeeded or failed as documented\n");
	ksft_test_result(!broken,
			 "stress: the IOAS invariants hold at the end\n");

	vmpin_end = proc_status_kb("VmPin");
	vmlck_end = proc_status_kb("VmLck");
	if (vmpin_end != vmpin || vmlck_end != vmlck)
		ksft_print_msg("VmPin %ld kB -> %ld kB, VmLck %ld kB -> %ld kB\n",
			       vmpin, vmpin_end, vmlck, vmlck_end);
	ksft_test_result(vmpin_end == vmpin && vmlck_end == vmlck,
			 "stress: VmPin and VmLck back to their start\n");

	fd = iommufd_open();
	rc = fd < 0 ? errno : __pin_stats(fd, 0, &pinned, &charged);
	if (fd >= 0)
		close(fd);
	if (rc || pinned || charged)
		ksft_print_msg("PIN_STATS: errno %d, pinned %llu charged %llu\n",
			       rc, (unsigned long long)pinned,
			       (unsigned long long)charged);
	ksft_test_result(!rc && !pinned && !charged,
			 "stress: IOMMU_PIN_STATS of a fresh context is empty\n");

	probe_end = memlock_probe(16);
	if (probe != 1) {
		ksft_test_result_skip("stress: RLIMIT_MEMLOCK charge not observable (probe %#x)\n",
				      probe);
	} else {
		if (probe_end != probe)
			ksft_print_msg("16 pages under a limit of 16: %s, one more: %s\n",
				       probe_end & 1 ? "fit" : "refused",
				       probe_end & 2 ? "fits" : "refused");
		ksft_test_result(probe_end == probe,
				 "stress: RLIMIT_MEMLOCK charge back to its start\n");
	}
	ksft_finished();
}
