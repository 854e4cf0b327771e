// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Mock devices and hardware page tables (CONFIG_IOMMUFD_TEST): attaching
 * mock devices with IOMMU_TEST_OP_MOCK_DOMAIN, moving them with
 * MOCK_DOMAIN_REPLACE, IOMMU_HWPT_ALLOC, reserved IOVA, and how an IOAS
 * keeps every page table built on it filled, looked at from inside the mock
 * tables with MD_CHECK_MAP and MD_CHECK_REFS. Every refused request is
 * checked to leave the objects and the IOAS as they were.
 *
 * A mock table translates MOCK_APERTURE_START..MOCK_APERTURE_LAST with IO
 * pages of half a CPU page, so the IOVAs used here lie in that window
 * unless a test is about what happens outside it.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"

#define PSZ ((uint64_t)getpagesize())
/* The IO page of a mock table. */
#define MOCK_PSZ (PSZ / 2)
#define BUF_SIZE (64 * PSZ)
#define MAP_FIXED_RW (MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)
#define APERTURE_START ((uint64_t)MOCK_APERTURE_START)
#define APERTURE_LAST ((uint64_t)MOCK_APERTURE_LAST)
/* The IOVA @n pages into the mock aperture. */
#define IOVA(n) (APERTURE_START + (uint64_t)(n) * PSZ)

#define MOCK_DEV_FLAGS_KNOWN (MOCK_FLAGS_DEVICE_NO_DIRTY |                 \
			      MOCK_FLAGS_DEVICE_HUGE_IOVA |                \
			      MOCK_FLAGS_DEVICE_PASID |                    \
			      MOCK_FLAGS_DEVICE_MODEL_VTD |                \
			      MOCK_FLAGS_DEVICE_MODEL_SMMU |               \
			      MOCK_FLAGS_DEVICE_MODEL_PPC)
#define HWPT_ALLOC_FLAGS_KNOWN (IOMMU_HWPT_ALLOC_NEST_PARENT |             \
				IOMMU_HWPT_ALLOC_DIRTY_TRACKING |          \
				IOMMU_HWPT_FAULT_ID_VALID)

/*
 * Touched anonymous memory in small pages: MD_CHECK_REFS does not look at
 * pages of a huge page, so a buffer backed by one would pass any count.
 */
static void *alloc_buffer(size_t size)
{
	void *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		return NULL;
	madvise(buf, size, MADV_NOHUGEPAGE);
	memset(buf, 0x3c, size);
	return buf;
}

/*
 * IDs come from the lowest free slot: the ID the next object would get
 * tells whether a refused command left an object behind.
 */
static uint32_t next_id(struct __test_metadata *_metadata, int fd)
{
	uint32_t id = ioas_alloc(fd);

	iommufd_destroy(fd, id);
	return id;
}

/* Assert that @ioas offers exactly [start, last] at alignment @align. */
static void check_one_range(struct __test_metadata *_metadata, int fd,
			    uint32_t ioas, uint64_t start, uint64_t last,
			    uint64_t align)
{
	struct iova_layout l;

	get_layout(fd, ioas, &l);
	ASSERT_EQ(1, l.num);
	ASSERT_EQ(start, l.ranges[0].start);
	ASSERT_EQ(last, l.ranges[0].last);
	ASSERT_EQ(align, l.align);
}

/* An IOAS that no page table constrains. */
#define check_unconstrained(fd, ioas)                                     \
	check_one_range(_metadata, fd, ioas, 0, ULONG_MAX, 1)
/* An IOAS that mock page tables, and nothing else, constrain. */
#define check_mock_window(fd, ioas)                                       \
	check_one_range(_metadata, fd, ioas, APERTURE_START, APERTURE_LAST, \
			MOCK_PSZ)

static bool inside_aperture(uint64_t iova, uint64_t length)
{
	return iova >= APERTURE_START && iova + length - 1 <= APERTURE_LAST;
}

/* What every fixture starts with: a file, an IOAS and a buffer. */
static void open_ioas(struct __test_metadata *_metadata, int *fd,
		      uint32_t *ioas, void **buf)
{
	*fd = iommufd_open();
	ASSERT_LE(0, *fd);
	*ioas = ioas_alloc(*fd);
	*buf = alloc_buffer(BUF_SIZE);
	ASSERT_NE(NULL, *buf);
}

/* An IOAS and a buffer; devices are up to the test. */
FIXTURE(mock) {
	int fd;
	uint32_t ioas;
	void *buf;
};

FIXTURE_SETUP(mock)
{
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	open_ioas(_metadata, &self->fd, &self->ioas, &self->buf);
}

FIXTURE_TEARDOWN(mock)
{
	munmap(self->buf, BUF_SIZE);
	close(self->fd);
}

/* An IOAS with one mock device attached through an automatic table. */
FIXTURE(mock_dev) {
	int fd;
	uint32_t ioas;
	uint32_t stdev;
	uint32_t hwpt;
	uint32_t idev;
	void *buf;
};

FIXTURE_SETUP(mock_dev)
{
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	open_ioas(_metadata, &self->fd, &self->ioas, &self->buf);
	mock_domain(self->fd, self->ioas, &self->stdev, &self->hwpt,
		    &self->idev);
}

FIXTURE_TEARDOWN(mock_dev)
{
	munmap(self->buf, BUF_SIZE);
	close(self->fd);
}

/* Mock devices: the objects they come with and who may destroy them. */

TEST_F(mock, mock_domain_objects)
{
	uint32_t stdev, hwpt, idev;

	mock_domain(self->fd, self->ioas, &stdev, &hwpt, &idev);
	ASSERT_NE(self->ioas, stdev);
	ASSERT_NE(self->ioas, hwpt);
	ASSERT_NE(self->ioas, idev);

	/* hwpt is a mock table filled from the IOAS. */
	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, IOVA(0));
	md_check_map(self->fd, hwpt, IOVA(0), self->buf, 4 * PSZ);

	/* The binding belongs to the mock device, not to user space, */
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, idev));
	/* the automatic table to the device, the IOAS to the table. */
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, hwpt));
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->ioas));
	md_check_map(self->fd, hwpt, IOVA(0), self->buf, 4 * PSZ);

	/* The device takes its binding and its automatic table along. */
	iommufd_destroy(self->fd, stdev);
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, stdev));
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, idev));
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, hwpt));
	ASSERT_EQ(ENOENT, __md_check_map(self->fd, hwpt, IOVA(0), self->buf,
					 4 * PSZ));
	check_unconstrained(self->fd, self->ioas);

	/* The mapping stays in the IOAS, which nothing holds any more. */
	ioas_unmap(self->fd, self->ioas, IOVA(0), 4 * PSZ);
	iommufd_destroy(self->fd, self->ioas);
}

TEST_F(mock, two_devices_share_hwpt)
{
	uint32_t stdev1, hwpt1, idev1, stdev2, hwpt2, idev2;

	mock_domain(self->fd, self->ioas, &stdev1, &hwpt1, &idev1);
	mock_domain(self->fd, self->ioas, &stdev2, &hwpt2, &idev2);
	ASSERT_EQ(hwpt1, hwpt2);
	ASSERT_NE(stdev1, stdev2);
	ASSERT_NE(idev1, idev2);
	ioas_map_fixed(self->fd, self->ioas, self->buf, 8 * PSZ, IOVA(8));
	md_check_map(self->fd, hwpt1, IOVA(8), self->buf, 8 * PSZ);

	/* The table outlives the first device ... */
	iommufd_destroy(self->fd, stdev1);
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, idev1));
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, hwpt1));
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->ioas));
	md_check_map(self->fd, hwpt1, IOVA(8), self->buf, 8 * PSZ);
	check_mock_window(self->fd, self->ioas);

	/* ... and goes with the second. */
	iommufd_destroy(self->fd, stdev2);
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, hwpt1));
	check_unconstrained(self->fd, self->ioas);
	iommufd_destroy(self->fd, self->ioas);
}

/*
 * VFIO_DMA_CC_IOMMU on /dev/iommu as a container: ENODEV without a
 * container IOAS, 1 while no page table translates it, 0 once a mock table
 * does (mock tables do not block no-snoop DMA), 1 again when it is gone.
 */
TEST_F(mock, vfio_cache_coherency)
{
	uint32_t stdev, hwpt, idev, ioas = self->ioas;
	int fd = self->fd;

	ASSERT_EQ(-1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU));
	ASSERT_EQ(ENODEV, errno);
	vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas);
	ASSERT_EQ(1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU));
	mock_domain(fd, self->ioas, &stdev, &hwpt, &idev);
	ASSERT_EQ(0, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU));
	iommufd_destroy(fd, stdev);
	ASSERT_EQ(1, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU));
}

TEST_F(mock, mock_domain_bad_pt)
{
	uint32_t other = ioas_alloc(self->fd);
	uint32_t stdev, hwpt, idev, next;
	struct iova_layout before, after;

	mock_domain(self->fd, other, &stdev, &hwpt, &idev);
	next = next_id(_metadata, self->fd);
	get_layout(self->fd, self->ioas, &before);

	/* IDs that name nothing. */
	ASSERT_EQ(ENOENT, __mock_domain(self->fd, 0, NULL, NULL, NULL));
	ASSERT_EQ(ENOENT, __mock_domain(self->fd, next, NULL, NULL, NULL));
	ASSERT_EQ(ENOENT, __mock_domain(self->fd, UINT32_MAX, NULL, NULL,
					NULL));
	/* Objects that are neither an IOAS nor a page table. */
	ASSERT_EQ(EINVAL, __mock_domain(self->fd, idev, NULL, NULL, NULL));
	ASSERT_EQ(EINVAL, __mock_domain(self->fd, stdev, NULL, NULL, NULL));

	/* Nothing was left behind, and nothing else was touched. */
	ASSERT_EQ(next, next_id(_metadata, self->fd));
	get_layout(self->fd, self->ioas, &after);
	check_same_layout(&before, &after);
	iommufd_destroy(self->fd, self->ioas);
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, hwpt));
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, other));
}

TEST_F(mock, mock_domain_flags)
{
	uint32_t next = next_id(_metadata, self->fd);
	uint32_t stdev, hwpt, idev;
	unsigned int bit;

	for (bit = 0; bit != 32; bit++) {
		if ((1U << bit) & MOCK_DEV_FLAGS_KNOWN)
			continue;
		ASSERT_EQ(EOPNOTSUPP,
			  __mock_domain_flags(self->fd, self->ioas, 1U << bit,
					      &stdev, &hwpt, &idev));
	}
	ASSERT_EQ(EOPNOTSUPP,
		  __mock_domain_flags(self->fd, self->ioas,
				      MOCK_FLAGS_DEVICE_NO_DIRTY | (1U << 31),
				      &stdev, &hwpt, &idev));
	ASSERT_EQ(next, next_id(_metadata, self->fd));
	check_unconstrained(self->fd, self->ioas);

	/* Known flags give a device like any other. */
	stdev = 0;
	hwpt = 0;
	idev = 0;
	mock_domain_flags(self->fd, self->ioas, MOCK_FLAGS_DEVICE_NO_DIRTY,
			  &stdev, &hwpt, &idev);
	ASSERT_NE(0, stdev);
	ASSERT_NE(0, hwpt);
	ASSERT_NE(0, idev);
	check_mock_window(self->fd, self->ioas);
	ioas_map_fixed(self->fd, self->ioas, self->buf, 2 * PSZ, IOVA(0));
	md_check_map(self->fd, hwpt, IOVA(0), self->buf, 2 * PSZ);
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, idev));
	iommufd_destroy(self->fd, stdev);
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, hwpt));

	/* Larger IO pages on top do not raise the IOAS's alignment. */
	mock_domain_flags(self->fd, self->ioas, MOCK_FLAGS_DEVICE_HUGE_IOVA,
			  &stdev, &hwpt, &idev);
	check_mock_window(self->fd, self->ioas);
	md_check_map(self->fd, hwpt, IOVA(0), self->buf, 2 * PSZ);
}

/*
 * A command that cannot write its reply fails with EFAULT and leaves
 * nothing behind: not the device, not its binding, not a page table.
 */
TEST_F(mock, reply_fault_leaves_nothing)
{
	struct iommu_hwpt_alloc *alloc;
	struct iommu_test_cmd *cmd;
	uint32_t stdev, idev, next;
	void *page;

	page = mmap(NULL, PSZ, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);

	cmd = page;
	cmd->size = sizeof(*cmd);
	cmd->op = IOMMU_TEST_OP_MOCK_DOMAIN;
	cmd->id = self->ioas;
	ASSERT_EQ(0, mprotect(page, PSZ, PROT_READ));
	next = next_id(_metadata, self->fd);
	ASSERT_EQ(EFAULT, iommufd_ioctl(self->fd, IOMMU_TEST_CMD, cmd));
	ASSERT_EQ(next, next_id(_metadata, self->fd));
	check_unconstrained(self->fd, self->ioas);

	mock_domain(self->fd, self->ioas, &stdev, NULL, &idev);
	ASSERT_EQ(0, mprotect(page, PSZ, PROT_READ | PROT_WRITE));
	memset(page, 0, PSZ);
	alloc = page;
	alloc->size = sizeof(*alloc);
	alloc->dev_id = idev;
	alloc->pt_id = self->ioas;
	ASSERT_EQ(0, mprotect(page, PSZ, PROT_READ));
	next = next_id(_metadata, self->fd);
	ASSERT_EQ(EFAULT, iommufd_ioctl(self->fd, IOMMU_HWPT_ALLOC, alloc));
	ASSERT_EQ(next, next_id(_metadata, self->fd));

	/* Once the device goes, nothing holds the IOAS. */
	iommufd_destroy(self->fd, stdev);
	iommufd_destroy(self->fd, self->ioas);
	ASSERT_EQ(0, munmap(page, PSZ));
}

/* Mappings seen from inside the mock tables. */

/*
 * IOMMU_DESTROY racing with the kernel's own removal of an object it owns:
 * a device being unbound, an access being destroyed, an automatic page
 * table whose last device left. The kernel drops its reference and takes
 * the object out of the table in one step, so the racing IOMMU_DESTROY
 * finds the object in use (EBUSY) or gone (ENOENT), and never destroys it
 * under the remover (which once gave a WARN and a use after free).
 */
struct removal_race {
	int fd;
	uint32_t id;		/* the ID the other thread destroys */
	int stop;
	unsigned long done, busy, noent, other;	/* its answers */
};

/* The other thread: IOMMU_DESTROY of r->id until told to stop. */
static void *removal_race_destroyer(void *arg)
{
	struct removal_race *r = arg;
	uint32_t id;
	int rc;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		id = __atomic_load_n(&r->id, __ATOMIC_RELAXED);
		if (!id)
			continue;
		rc = __iommufd_destroy(r->fd, id);
		if (!rc)
			r->done++;
		else if (rc == EBUSY)
			r->busy++;
		else if (rc == ENOENT)
			r->noent++;
		else
			r->other++;
	}
	return NULL;
}

/* What the kernel removes while the other thread destroys its ID. */
enum removal_kind { REMOVE_DEVICE, REMOVE_ACCESS, REMOVE_AUTO_HWPT };

static void removal_race(struct __test_metadata *_metadata, int fd,
			 uint32_t ioas, enum removal_kind kind)
{
	struct removal_race r = { .fd = fd };
	uint32_t other = ioas_alloc(fd), stdev = 0, hwpt, idev, pt;
	unsigned long rounds;
	struct timespec t0, t;
	pthread_t thread;
	int afd;

	if (kind == REMOVE_AUTO_HWPT)
		mock_domain(fd, ioas, &stdev, NULL, NULL);
	ASSERT_EQ(0, pthread_create(&thread, NULL, removal_race_destroyer,
				    &r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (rounds = 0; rounds != 100000; rounds++) {
		switch (kind) {
		case REMOVE_DEVICE:
			/* Destroying the mock device unbinds it. */
			ASSERT_EQ(0, __mock_domain(fd, ioas, &stdev, &hwpt,
						   &idev));
			__atomic_store_n(&r.id, idev, __ATOMIC_RELAXED);
			iommufd_destroy(fd, stdev);
			break;
		case REMOVE_ACCESS:
			ASSERT_EQ(0, __access_create(fd, ioas, 0, &afd));
			/* Access IDs come after the two IOASes. */
			__atomic_store_n(&r.id, other + 1, __ATOMIC_RELAXED);
			close(afd);
			break;
		case REMOVE_AUTO_HWPT:
			/* The table the device leaves goes with it. */
			pt = rounds & 1 ? ioas : other;
			ASSERT_EQ(0, __mock_domain_replace(fd, stdev, &pt));
			__atomic_store_n(&r.id, pt, __ATOMIC_RELAXED);
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= 3)
			break;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ksft_print_msg("%lu rounds; IOMMU_DESTROY: %lu done, %lu EBUSY, %lu ENOENT, %lu other\n",
		       rounds, r.done, r.busy, r.noent, r.other);
	ASSERT_EQ(0, r.other + r.done);
	ASSERT_LT(0, r.busy + r.noent);
	if (kind == REMOVE_AUTO_HWPT)
		iommufd_destroy(fd, stdev);
}

TEST_F(mock, destroy_races_unbind)
{
	removal_race(_metadata, self->fd, self->ioas, REMOVE_DEVICE);
}

TEST_F(mock, destroy_races_access_destroy)
{
	removal_race(_metadata, self->fd, self->ioas, REMOVE_ACCESS);
}

TEST_F(mock, destroy_races_auto_hwpt_removal)
{
	removal_race(_metadata, self->fd, self->ioas, REMOVE_AUTO_HWPT);
}

/*
 * IOMMU_DESTROY of an IOAS racing with ioctls that make something depend
 * on it (an access attaching, a page table being allocated): each holds a
 * lookup of the IOAS and then takes a long-term reference. A destroy that
 * finds the IOAS busy must leave its counts as they were at every instant;
 * it once dropped the long-term count to zero for a moment, and a new
 * reference taken in that moment was a refcount "addition on 0" WARN.
 */
TEST_F(mock, destroy_races_new_user)
{
	struct removal_race r = { .fd = self->fd, .id = self->ioas };
	uint32_t stdev, idev, hwpt, ioas = self->ioas;
	unsigned long rounds, created = 0;
	struct timespec t0, t;
	pthread_t thread;
	int afd, rc;

	/* A device on an IOAS of its own, for IOMMU_HWPT_ALLOC. */
	mock_domain(self->fd, ioas_alloc(self->fd), &stdev, NULL, &idev);
	ASSERT_EQ(0, pthread_create(&thread, NULL, removal_race_destroyer,
				    &r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (rounds = 0; rounds != 1000000; rounds++) {
		if (rounds & 1) {
			rc = __access_create(self->fd, ioas, 0, &afd);
			if (!rc)
				close(afd);
		} else {
			rc = __hwpt_alloc(self->fd, idev, ioas, 0, &hwpt);
			/* Its answer for an unknown pt_id, as upstream's. */
			if (rc == EINVAL)
				rc = ENOENT;
			/*
			 * The destroyer may go for a stale ID that the new
			 * table reuses.
			 */
			if (!rc)
				ASSERT_NE(EBUSY,
					  __iommufd_destroy(self->fd, hwpt));
		}
		if (rc == ENOENT) {
			/* The destroyer won: go on with a new IOAS. */
			ioas = ioas_alloc(self->fd);
			__atomic_store_n(&r.id, ioas, __ATOMIC_RELAXED);
			created++;
		} else {
			ASSERT_EQ(0, rc);
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= 3)
			break;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ksft_print_msg("%lu rounds, %lu IOASes\n", rounds, created + 1);
	ksft_print_msg("IOMMU_DESTROY: %lu done, %lu EBUSY, %lu ENOENT, %lu other\n",
		       r.done, r.busy, r.noent, r.other);
	ASSERT_EQ(0, r.other);
	ASSERT_LT(0, r.busy);
	iommufd_destroy(self->fd, stdev);
}

TEST_F(mock_dev, map_reaches_domain)
{
	char *buf = self->buf;
	uint64_t iova;

	ioas_map_fixed(self->fd, self->ioas, buf, 16 * PSZ, IOVA(0));
	md_check_map(self->fd, self->hwpt, IOVA(0), buf, 16 * PSZ);
	ioas_map_fixed(self->fd, self->ioas, buf + 16 * PSZ, 8 * PSZ,
		       IOVA(64));
	md_check_map(self->fd, self->hwpt, IOVA(64), buf + 16 * PSZ,
		     8 * PSZ);
	/* Any part of an area, down to one IO page. */
	md_check_map(self->fd, self->hwpt, IOVA(3) + MOCK_PSZ,
		     buf + 3 * PSZ + MOCK_PSZ, MOCK_PSZ);

	/* The same memory twice, at another IOVA. */
	iova = ioas_map(self->fd, self->ioas, buf, 16 * PSZ);
	ASSERT_TRUE(inside_aperture(iova, 16 * PSZ));
	md_check_map(self->fd, self->hwpt, iova, buf, 16 * PSZ);
	md_check_map(self->fd, self->hwpt, IOVA(0), buf, 16 * PSZ);

	/* Read-only memory is mapped too. */
	iova = IOVA(128);
	ASSERT_EQ(0, __ioas_map(self->fd, self->ioas, buf + 32 * PSZ, 4 * PSZ,
				&iova, IOMMU_IOAS_MAP_READABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	md_check_map(self->fd, self->hwpt, IOVA(128), buf + 32 * PSZ,
		     4 * PSZ);
}

/* MD_CHECK_MAP can fail: wrong memory, holes, bad arguments, bad IDs. */
TEST_F(mock_dev, check_map_refuses)
{
	char *buf = self->buf;

	ioas_map_fixed(self->fd, self->ioas, buf, 4 * PSZ, IOVA(0));
	ioas_map_fixed(self->fd, self->ioas, buf + 8 * PSZ, 4 * PSZ, IOVA(8));

	/* Other memory than what is mapped there. */
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(0),
					 buf + PSZ, PSZ));
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(0),
					 buf + MOCK_PSZ, PSZ));
	/* A range running into the hole between the areas. */
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(0), buf,
					 8 * PSZ));
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(4),
					 buf + 4 * PSZ, PSZ));
	/* Not aligned to the IO page. */
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(0) + 1,
					 buf + 1, PSZ));
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(0), buf,
					 PSZ - 1));
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(0),
					 buf + MOCK_PSZ / 2, MOCK_PSZ));
	/* IDs of neither a page table nor a device. */
	ASSERT_EQ(ENOENT, __md_check_map(self->fd, 0, IOVA(0), buf, PSZ));
	ASSERT_EQ(ENOENT, __md_check_map(self->fd, self->ioas, IOVA(0), buf,
					 PSZ));
	ASSERT_EQ(ENOENT, __md_check_map(self->fd, self->stdev, IOVA(0), buf,
					 PSZ));
	/* The device's DMA goes through its page table; not to the hole. */
	md_check_map(self->fd, self->idev, IOVA(0), buf, 4 * PSZ);
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->idev, IOVA(4),
					 buf + 4 * PSZ, PSZ));
	/* The right ones still pass. */
	md_check_map(self->fd, self->hwpt, IOVA(0), buf, 4 * PSZ);
	md_check_map(self->fd, self->hwpt, IOVA(8), buf + 8 * PSZ, 4 * PSZ);
}

TEST_F(mock_dev, copy_reaches_domain)
{
	uint32_t src = ioas_alloc(self->fd);
	char *buf = self->buf;
	uint64_t iova, done;

	/* The source has no device, so any IOVA will do there. */
	ioas_map_fixed(self->fd, src, buf, 16 * PSZ, 1UL << 20);
	iova = IOVA(32);
	ASSERT_EQ(0, __ioas_copy(self->fd, self->ioas, &iova, src,
				 (1UL << 20) + 4 * PSZ, 8 * PSZ, MAP_FIXED_RW));
	md_check_map(self->fd, self->hwpt, IOVA(32), buf + 4 * PSZ, 8 * PSZ);

	/* Automatic placement of a copy stays inside the aperture. */
	iova = 0;
	ASSERT_EQ(0, __ioas_copy(self->fd, self->ioas, &iova, src, 1UL << 20,
				 16 * PSZ, MAP_RW));
	ASSERT_TRUE(inside_aperture(iova, 16 * PSZ));
	md_check_map(self->fd, self->hwpt, iova, buf, 16 * PSZ);

	/* Nor can a copy land outside it. */
	iova = APERTURE_START - 4 * PSZ;
	ASSERT_EQ(EINVAL, __ioas_copy(self->fd, self->ioas, &iova, src,
				      1UL << 20, 8 * PSZ, MAP_FIXED_RW));
	ASSERT_EQ(0, __ioas_unmap(self->fd, self->ioas, 0, UINT64_MAX, &done));
	ASSERT_EQ(24 * PSZ, done);

	/* Copies out of an IOAS with a device work the same way. */
	ioas_map_fixed(self->fd, self->ioas, buf + 32 * PSZ, 4 * PSZ,
		       IOVA(0));
	iova = IOVA(100);
	ASSERT_EQ(0, __ioas_copy(self->fd, self->ioas, &iova, self->ioas,
				 IOVA(1), 2 * PSZ, MAP_FIXED_RW));
	md_check_map(self->fd, self->hwpt, IOVA(100), buf + 33 * PSZ,
		     2 * PSZ);
}

TEST_F(mock, domain_filled_on_attach)
{
	uint32_t stdev, hwpt, other, hwpt2;
	char *buf = self->buf;
	uint64_t iova;

	ioas_map_fixed(self->fd, self->ioas, buf, 8 * PSZ, IOVA(0));
	ioas_map_fixed(self->fd, self->ioas, buf + 8 * PSZ, 8 * PSZ,
		       IOVA(100));
	iova = IOVA(200);
	ASSERT_EQ(0, __ioas_copy(self->fd, self->ioas, &iova, self->ioas,
				 IOVA(2), 4 * PSZ, MAP_FIXED_RW));
	iova = IOVA(300) + MOCK_PSZ;
	ASSERT_EQ(0, __ioas_map(self->fd, self->ioas, buf + 20 * PSZ +
				MOCK_PSZ, PSZ, &iova, MAP_FIXED_RW));

	mock_domain(self->fd, self->ioas, &stdev, &hwpt, NULL);
	md_check_map(self->fd, hwpt, IOVA(0), buf, 8 * PSZ);
	md_check_map(self->fd, hwpt, IOVA(100), buf + 8 * PSZ, 8 * PSZ);
	md_check_map(self->fd, hwpt, IOVA(200), buf + 2 * PSZ, 4 * PSZ);
	md_check_map(self->fd, hwpt, IOVA(300) + MOCK_PSZ,
		     buf + 20 * PSZ + MOCK_PSZ, PSZ);
	/* Only those. */
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, hwpt, IOVA(8),
					 buf + 8 * PSZ, PSZ));
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, hwpt, IOVA(300), buf,
					 MOCK_PSZ));

	/* A table of a second IOAS is filled from that one only. */
	other = ioas_alloc(self->fd);
	ioas_map_fixed(self->fd, other, buf + 32 * PSZ, 4 * PSZ, IOVA(0));
	mock_domain(self->fd, other, NULL, &hwpt2, NULL);
	ASSERT_NE(hwpt, hwpt2);
	md_check_map(self->fd, hwpt2, IOVA(0), buf + 32 * PSZ, 4 * PSZ);
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, hwpt2, IOVA(100),
					 buf + 8 * PSZ, PSZ));
	md_check_map(self->fd, hwpt, IOVA(0), buf, 8 * PSZ);
}

TEST_F(mock_dev, unmap_reaches_domain)
{
	char *buf = self->buf;
	uint64_t done;

	ioas_map_fixed(self->fd, self->ioas, buf, 8 * PSZ, IOVA(0));
	ioas_map_fixed(self->fd, self->ioas, buf + 8 * PSZ, 8 * PSZ,
		       IOVA(16));
	md_check_map(self->fd, self->hwpt, IOVA(0), buf, 8 * PSZ);
	md_check_map(self->fd, self->hwpt, IOVA(16), buf + 8 * PSZ, 8 * PSZ);

	ioas_unmap(self->fd, self->ioas, IOVA(0), 8 * PSZ);
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(0), buf,
					 MOCK_PSZ));
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(7),
					 buf + 7 * PSZ, PSZ));
	md_check_map(self->fd, self->hwpt, IOVA(16), buf + 8 * PSZ, 8 * PSZ);

	/* A refused unmap leaves the table alone. */
	ASSERT_EQ(ENOENT, __ioas_unmap(self->fd, self->ioas, IOVA(16),
				       4 * PSZ, NULL));
	md_check_map(self->fd, self->hwpt, IOVA(16), buf + 8 * PSZ, 8 * PSZ);

	/* The IOVA can be reused for other memory. */
	ioas_map_fixed(self->fd, self->ioas, buf + 32 * PSZ, 8 * PSZ,
		       IOVA(0));
	md_check_map(self->fd, self->hwpt, IOVA(0), buf + 32 * PSZ, 8 * PSZ);
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(0), buf,
					 PSZ));

	ASSERT_EQ(0, __ioas_unmap(self->fd, self->ioas, 0, UINT64_MAX, &done));
	ASSERT_EQ(16 * PSZ, done);
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(0),
					 buf + 32 * PSZ, PSZ));
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(16),
					 buf + 8 * PSZ, PSZ));
}

/* Pages are pinned once, whoever maps them and however often. */
TEST_F(mock, check_refs)
{
	uint32_t other = ioas_alloc(self->fd);
	char *buf = self->buf;
	uint64_t iova;

	md_check_refs(self->fd, buf, BUF_SIZE, 0);
	/*
	 * The check compares: these pages are not pinned. It skips pages
	 * that are part of a larger folio (seen on ppc64le with 64K pages
	 * despite MADV_NOHUGEPAGE); then it can tell nothing here.
	 */
	if (!__md_check_refs(self->fd, buf, BUF_SIZE, 1))
		SKIP(return, "the kernel cannot see this buffer's pin counts");

	ioas_map_fixed(self->fd, self->ioas, buf, 16 * PSZ, IOVA(0));
	md_check_refs(self->fd, buf, 16 * PSZ, 1);
	ASSERT_EQ(EIO, __md_check_refs(self->fd, buf, 16 * PSZ, 0));
	ASSERT_EQ(EIO, __md_check_refs(self->fd, buf, 16 * PSZ, 2));
	md_check_refs(self->fd, buf + 16 * PSZ, 48 * PSZ, 0);

	/* The same buffer mapped again, in the same IOAS and another. */
	ioas_map_fixed(self->fd, self->ioas, buf, 16 * PSZ, IOVA(32));
	ioas_map_fixed(self->fd, other, buf, 16 * PSZ, IOVA(0));
	md_check_refs(self->fd, buf, 16 * PSZ, 1);
	/* Copies and page tables pin nothing either. */
	iova = IOVA(64);
	ASSERT_EQ(0, __ioas_copy(self->fd, other, &iova, self->ioas, IOVA(0),
				 16 * PSZ, MAP_FIXED_RW));
	mock_domain(self->fd, self->ioas, NULL, NULL, NULL);
	mock_domain(self->fd, other, NULL, NULL, NULL);
	md_check_refs(self->fd, buf, 16 * PSZ, 1);
	/* A map that overlaps the pinned pages pins only the new ones. */
	ioas_map_fixed(self->fd, self->ioas, buf + 8 * PSZ, 16 * PSZ,
		       IOVA(128));
	md_check_refs(self->fd, buf, 24 * PSZ, 1);
	md_check_refs(self->fd, buf + 24 * PSZ, 40 * PSZ, 0);

	/* Released when the last user goes. */
	ASSERT_EQ(48 * PSZ, ioas_unmap_all(self->fd, self->ioas));
	md_check_refs(self->fd, buf, 16 * PSZ, 1);
	md_check_refs(self->fd, buf + 16 * PSZ, 48 * PSZ, 0);
	ASSERT_EQ(32 * PSZ, ioas_unmap_all(self->fd, other));
	md_check_refs(self->fd, buf, BUF_SIZE, 0);

	/* Arguments that are not whole pages. */
	ASSERT_EQ(EINVAL, __md_check_refs(self->fd, buf + 1, PSZ, 0));
	ASSERT_EQ(EINVAL, __md_check_refs(self->fd, buf, PSZ + 1, 0));
}

/* The aperture and the IO page size of mock tables. */

TEST_F(mock, iova_ranges_follow_devices)
{
	uint32_t stdev1, stdev2, idev, hwpt;

	check_unconstrained(self->fd, self->ioas);
	mock_domain(self->fd, self->ioas, &stdev1, NULL, &idev);
	check_mock_window(self->fd, self->ioas);
	mock_domain(self->fd, self->ioas, &stdev2, NULL, NULL);
	check_mock_window(self->fd, self->ioas);
	hwpt = hwpt_alloc(self->fd, idev, self->ioas);
	check_mock_window(self->fd, self->ioas);

	iommufd_destroy(self->fd, stdev1);
	iommufd_destroy(self->fd, stdev2);
	/* The explicit table still holds the window. */
	check_mock_window(self->fd, self->ioas);
	iommufd_destroy(self->fd, hwpt);
	check_unconstrained(self->fd, self->ioas);
}

TEST_F(mock_dev, map_outside_aperture)
{
	const struct {
		uint64_t iova;
		uint64_t length;
	} bad[] = {
		{ 0, PSZ },
		{ APERTURE_START / 2, PSZ },
		{ APERTURE_START - PSZ, PSZ },		/* just below */
		{ APERTURE_START - PSZ, 2 * PSZ },	/* across the start */
		{ APERTURE_START - PSZ, 64 * PSZ },
		{ APERTURE_LAST + 1 - PSZ, 2 * PSZ },	/* across the end */
		{ APERTURE_LAST + 1, PSZ },		/* just after */
		{ 1ULL << 40, PSZ },
	};
	uint64_t iova, done;
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(bad); i++) {
		iova = bad[i].iova;
		ASSERT_EQ(EINVAL, __ioas_map(self->fd, self->ioas, self->buf,
					     bad[i].length, &iova,
					     MAP_FIXED_RW));
	}
	ASSERT_EQ(0, __ioas_unmap(self->fd, self->ioas, 0, UINT64_MAX, &done));
	ASSERT_EQ(0, done);

	/* The first and the last page of the aperture are fine. */
	ioas_map_fixed(self->fd, self->ioas, self->buf, PSZ, APERTURE_START);
	ioas_map_fixed(self->fd, self->ioas, (char *)self->buf + PSZ, PSZ,
		       APERTURE_LAST + 1 - PSZ);
	md_check_map(self->fd, self->hwpt, APERTURE_START, self->buf, PSZ);
	md_check_map(self->fd, self->hwpt, APERTURE_LAST + 1 - PSZ,
		     (char *)self->buf + PSZ, PSZ);
}

/*
 * A device cannot join an IOAS that has something mapped where its tables
 * cannot translate; the refusal changes nothing.
 */
TEST_F(mock, attach_refused_outside_aperture)
{
	uint32_t other = ioas_alloc(self->fd);
	struct iova_layout before, after;
	uint32_t stdev, idev, next, pt;
	uint64_t iova;

	mock_domain(self->fd, other, &stdev, NULL, &idev);

	/* Below the aperture, then across its end. */
	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, 1UL << 20);
	iova = APERTURE_LAST + 1 - PSZ;
	ASSERT_EQ(0, __ioas_map(self->fd, self->ioas, self->buf, 2 * PSZ,
				&iova, MAP_FIXED_RW));
	get_layout(self->fd, self->ioas, &before);
	next = next_id(_metadata, self->fd);

	ASSERT_EQ(EADDRINUSE, __mock_domain(self->fd, self->ioas, NULL, NULL,
					    NULL));
	ASSERT_EQ(EADDRINUSE, __hwpt_alloc(self->fd, idev, self->ioas, 0,
					   NULL));
	pt = self->ioas;
	ASSERT_EQ(EADDRINUSE, __mock_domain_replace(self->fd, stdev, &pt));

	get_layout(self->fd, self->ioas, &after);
	check_same_layout(&before, &after);
	check_unconstrained(self->fd, self->ioas);
	ASSERT_EQ(next, next_id(_metadata, self->fd));
	/* The other device stayed where it was. */
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, other));

	/* The mappings are intact; without the stray one, attach works. */
	ioas_unmap(self->fd, self->ioas, 1UL << 20, 4 * PSZ);
	ASSERT_EQ(EADDRINUSE, __mock_domain(self->fd, self->ioas, NULL, NULL,
					    NULL));
	ioas_unmap(self->fd, self->ioas, APERTURE_LAST + 1 - PSZ, 2 * PSZ);
	mock_domain(self->fd, self->ioas, NULL, NULL, NULL);
	check_mock_window(self->fd, self->ioas);
}

/* Likewise for automatic placement allowed outside the aperture. */
TEST_F(mock, attach_refused_allowed_outside)
{
	struct iommu_iova_range allow = {
		.start = 1UL << 20,
		.last = APERTURE_START + 64 * PSZ - 1,
	};
	struct iova_layout before, after;
	uint32_t next;

	ASSERT_EQ(0, __ioas_allow_iovas(self->fd, self->ioas, &allow, 1));
	get_layout(self->fd, self->ioas, &before);
	next = next_id(_metadata, self->fd);
	ASSERT_EQ(EADDRINUSE, __mock_domain(self->fd, self->ioas, NULL, NULL,
					    NULL));
	get_layout(self->fd, self->ioas, &after);
	check_same_layout(&before, &after);
	ASSERT_EQ(next, next_id(_metadata, self->fd));

	/* Inside the aperture it is fine. */
	allow.start = APERTURE_START;
	ASSERT_EQ(0, __ioas_allow_iovas(self->fd, self->ioas, &allow, 1));
	mock_domain(self->fd, self->ioas, NULL, NULL, NULL);
}

/* Likewise for a mapping finer than the mock's IO page. */
TEST_F(mock, attach_refused_misaligned)
{
	struct iova_layout before, after;
	uint64_t iova = IOVA(0) + 8;
	uint32_t next;

	if (MOCK_PSZ <= 8)
		SKIP(return, "IO pages too small to misalign");
	ASSERT_EQ(0, __ioas_map(self->fd, self->ioas, (char *)self->buf + 8,
				PSZ, &iova, MAP_FIXED_RW));
	get_layout(self->fd, self->ioas, &before);
	next = next_id(_metadata, self->fd);
	ASSERT_EQ(EADDRINUSE, __mock_domain(self->fd, self->ioas, NULL, NULL,
					    NULL));
	get_layout(self->fd, self->ioas, &after);
	check_same_layout(&before, &after);
	ASSERT_EQ(next, next_id(_metadata, self->fd));
	ioas_unmap(self->fd, self->ioas, IOVA(0) + 8, PSZ);
	mock_domain(self->fd, self->ioas, NULL, NULL, NULL);
}

TEST_F(mock_dev, auto_iova_in_aperture)
{
	static const unsigned int pages[] = { 1, 3, 16, 64, 2, 7 };
	char *buf = self->buf;
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(pages); i++) {
		uint64_t len = pages[i] * PSZ;
		uint64_t iova = ioas_map(self->fd, self->ioas, buf, len);

		ASSERT_TRUE(inside_aperture(iova, len));
		ASSERT_EQ(0, iova % MOCK_PSZ);
		md_check_map(self->fd, self->hwpt, iova, buf, len);
	}
}

TEST_F(mock_dev, half_page_map)
{
	uint64_t q = MOCK_PSZ / 2, iova, auto_iova;
	char *buf = self->buf;

	/* Half a page into the memory and into the IOVA. */
	iova = IOVA(0) + MOCK_PSZ;
	ASSERT_EQ(0, __ioas_map(self->fd, self->ioas, buf + MOCK_PSZ, 2 * PSZ,
				&iova, MAP_FIXED_RW));
	md_check_map(self->fd, self->hwpt, IOVA(0) + MOCK_PSZ, buf + MOCK_PSZ,
		     2 * PSZ);
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(0), buf,
					 MOCK_PSZ));
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt,
					 IOVA(2) + MOCK_PSZ,
					 buf + 2 * PSZ + MOCK_PSZ, MOCK_PSZ));

	/* Memory half a page in, at a page-aligned IOVA, one IO page long. */
	iova = IOVA(16);
	ASSERT_EQ(0, __ioas_map(self->fd, self->ioas, buf + 8 * PSZ + MOCK_PSZ,
				MOCK_PSZ, &iova, MAP_FIXED_RW));
	md_check_map(self->fd, self->hwpt, IOVA(16), buf + 8 * PSZ + MOCK_PSZ,
		     MOCK_PSZ);
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt,
					 IOVA(16) + MOCK_PSZ,
					 buf + 9 * PSZ, MOCK_PSZ));

	/* ... and the other way round, over several pages. */
	iova = IOVA(32) + MOCK_PSZ;
	ASSERT_EQ(0, __ioas_map(self->fd, self->ioas, buf + 16 * PSZ, 3 * PSZ,
				&iova, MAP_FIXED_RW));
	md_check_map(self->fd, self->hwpt, IOVA(32) + MOCK_PSZ, buf + 16 * PSZ,
		     3 * PSZ);

	/* Automatic placement of a half-page buffer. */
	auto_iova = ioas_map(self->fd, self->ioas, buf + 24 * PSZ + MOCK_PSZ,
			     3 * MOCK_PSZ);
	ASSERT_TRUE(inside_aperture(auto_iova, 3 * MOCK_PSZ));
	ASSERT_EQ(0, auto_iova % MOCK_PSZ);
	md_check_map(self->fd, self->hwpt, auto_iova,
		     buf + 24 * PSZ + MOCK_PSZ, 3 * MOCK_PSZ);

	/* Finer than the IO page is refused: IOVA, memory, length. */
	iova = IOVA(64) + q;
	ASSERT_EQ(EINVAL, __ioas_map(self->fd, self->ioas, buf + q, PSZ,
				     &iova, MAP_FIXED_RW));
	iova = IOVA(64);
	ASSERT_EQ(EINVAL, __ioas_map(self->fd, self->ioas, buf + q, PSZ,
				     &iova, MAP_FIXED_RW));
	ASSERT_EQ(EINVAL, __ioas_map(self->fd, self->ioas, buf, MOCK_PSZ + q,
				     &iova, MAP_FIXED_RW));
	iova = 0;
	ASSERT_EQ(EINVAL, __ioas_map(self->fd, self->ioas, buf + q, PSZ,
				     &iova, MAP_RW));
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(64), buf,
					 PSZ));

	/* Half-page areas unmap whole. */
	ioas_unmap(self->fd, self->ioas, IOVA(0) + MOCK_PSZ, 2 * PSZ);
	ioas_unmap(self->fd, self->ioas, IOVA(16), MOCK_PSZ);
	ioas_unmap(self->fd, self->ioas, IOVA(32) + MOCK_PSZ, 3 * PSZ);
	ioas_unmap(self->fd, self->ioas, auto_iova, 3 * MOCK_PSZ);
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(16),
					 buf + 8 * PSZ + MOCK_PSZ, MOCK_PSZ));
}

/* IOMMU_OPTION_HUGE_PAGES off raises the alignment to a whole page. */
TEST_F(mock_dev, huge_pages_option)
{
	uint64_t val = 0, iova;

	iommufd_option(self->fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET,
		       self->ioas, &val);
	check_one_range(_metadata, self->fd, self->ioas, APERTURE_START,
			APERTURE_LAST, PSZ);
	iova = IOVA(0) + MOCK_PSZ;
	ASSERT_EQ(EINVAL, __ioas_map(self->fd, self->ioas, self->buf, PSZ,
				     &iova, MAP_FIXED_RW));
	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, IOVA(0));
	md_check_map(self->fd, self->hwpt, IOVA(0), self->buf, 4 * PSZ);

	/* Back on, and off again only while nothing is mapped. */
	val = 1;
	iommufd_option(self->fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET,
		       self->ioas, &val);
	check_mock_window(self->fd, self->ioas);
	val = 0;
	ASSERT_EQ(EINVAL, __iommufd_option(self->fd, IOMMU_OPTION_HUGE_PAGES,
					   IOMMU_OPTION_OP_SET, self->ioas,
					   &val));
	check_mock_window(self->fd, self->ioas);
	md_check_map(self->fd, self->hwpt, IOVA(0), self->buf, 4 * PSZ);
}

/* IOMMU_TEST_OP_ADD_RESERVED */

TEST_F(mock, add_reserved)
{
	struct iova_layout l, before;
	uint64_t iova, done;

	add_reserved(self->fd, self->ioas, IOVA(16), 16 * PSZ);
	get_layout(self->fd, self->ioas, &l);
	ASSERT_EQ(2, l.num);
	ASSERT_EQ(0, l.ranges[0].start);
	ASSERT_EQ(IOVA(16) - 1, l.ranges[0].last);
	ASSERT_EQ(IOVA(32), l.ranges[1].start);
	ASSERT_EQ(ULONG_MAX, l.ranges[1].last);

	/* No fixed map may touch it. */
	iova = IOVA(16);
	ASSERT_EQ(EINVAL, __ioas_map(self->fd, self->ioas, self->buf, PSZ,
				     &iova, MAP_FIXED_RW));
	iova = IOVA(20);
	ASSERT_EQ(EINVAL, __ioas_map(self->fd, self->ioas, self->buf, PSZ,
				     &iova, MAP_FIXED_RW));
	iova = IOVA(15);
	ASSERT_EQ(EINVAL, __ioas_map(self->fd, self->ioas, self->buf, 2 * PSZ,
				     &iova, MAP_FIXED_RW));
	iova = IOVA(31);
	ASSERT_EQ(EINVAL, __ioas_map(self->fd, self->ioas, self->buf, 2 * PSZ,
				     &iova, MAP_FIXED_RW));
	iova = IOVA(8);
	ASSERT_EQ(EINVAL, __ioas_map(self->fd, self->ioas, self->buf,
				     32 * PSZ, &iova, MAP_FIXED_RW));
	ASSERT_EQ(0, __ioas_unmap(self->fd, self->ioas, 0, UINT64_MAX, &done));
	ASSERT_EQ(0, done);
	/* Right next to it is fine. */
	ioas_map_fixed(self->fd, self->ioas, self->buf, PSZ, IOVA(15));
	ioas_map_fixed(self->fd, self->ioas, self->buf, PSZ, IOVA(32));

	/* Reserving over a mapping is refused, and reserves nothing. */
	get_layout(self->fd, self->ioas, &before);
	ASSERT_EQ(EADDRINUSE, __add_reserved(self->fd, self->ioas, IOVA(15),
					     PSZ));
	ASSERT_EQ(EADDRINUSE, __add_reserved(self->fd, self->ioas, IOVA(0),
					     64 * PSZ));
	ASSERT_EQ(EADDRINUSE, __add_reserved(self->fd, self->ioas,
					     IOVA(32) + PSZ - 1, 2));
	/* Bad arguments. */
	ASSERT_EQ(EINVAL, __add_reserved(self->fd, self->ioas, IOVA(40), 0));
	ASSERT_EQ(EINVAL, __add_reserved(self->fd, self->ioas,
					 UINT64_MAX - PSZ + 1, 2 * PSZ));
	ASSERT_EQ(ENOENT, __add_reserved(self->fd, self->ioas + 1, IOVA(40),
					 PSZ));
	get_layout(self->fd, self->ioas, &l);
	check_same_layout(&before, &l);

	/* Reserved ranges may overlap each other, and touch mappings. */
	add_reserved(self->fd, self->ioas, IOVA(18), 4 * PSZ);
	add_reserved(self->fd, self->ioas, IOVA(30), 2 * PSZ);
	get_layout(self->fd, self->ioas, &l);
	check_same_layout(&before, &l);
	ASSERT_EQ(2 * PSZ, ioas_unmap_all(self->fd, self->ioas));
}

/* Automatic placement goes around reserved IOVA. */
TEST_F(mock, add_reserved_auto_iova)
{
	uint64_t iova;

	add_reserved(self->fd, self->ioas, PSZ, (1ULL << 30) - PSZ);
	iova = ioas_map(self->fd, self->ioas, self->buf, 4 * PSZ);
	ASSERT_LE(1ULL << 30, iova);
	iova = ioas_map(self->fd, self->ioas, self->buf, PSZ);
	ASSERT_LE(1ULL << 30, iova);
}

/* Reserved IOVA and IOMMU_IOAS_ALLOW_IOVAS exclude each other. */
TEST_F(mock, add_reserved_vs_allowed)
{
	struct iommu_iova_range allow = {
		.start = IOVA(64),
		.last = IOVA(128) - 1,
	};
	struct iommu_iova_range bad;
	uint64_t iova;

	ASSERT_EQ(0, __ioas_allow_iovas(self->fd, self->ioas, &allow, 1));
	ASSERT_EQ(EADDRINUSE, __add_reserved(self->fd, self->ioas, IOVA(100),
					     PSZ));
	ASSERT_EQ(EADDRINUSE, __add_reserved(self->fd, self->ioas, IOVA(0),
					     1ULL << 32));
	/* Right next to the allowed range on either side is fine. */
	add_reserved(self->fd, self->ioas, IOVA(0), 64 * PSZ);
	add_reserved(self->fd, self->ioas, IOVA(128), PSZ);

	/* The other way round: allowed ranges may not cover reserved IOVA. */
	bad.start = IOVA(60);
	bad.last = IOVA(70) - 1;
	ASSERT_EQ(EADDRINUSE, __ioas_allow_iovas(self->fd, self->ioas, &bad,
						 1));
	bad.start = IOVA(64);
	bad.last = IOVA(129) - 1;
	ASSERT_EQ(EADDRINUSE, __ioas_allow_iovas(self->fd, self->ioas, &bad,
						 1));
	/* The refused lists did not replace the first one. */
	iova = ioas_map(self->fd, self->ioas, self->buf, 4 * PSZ);
	ASSERT_LE(allow.start, iova);
	ASSERT_GE(allow.last, iova + 4 * PSZ - 1);
}

TEST_F(mock_dev, add_reserved_with_device)
{
	uint64_t iova = IOVA(4);

	add_reserved(self->fd, self->ioas, IOVA(4), 4 * PSZ);
	ASSERT_EQ(EINVAL, __ioas_map(self->fd, self->ioas, self->buf, PSZ,
				     &iova, MAP_FIXED_RW));
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(4),
					 self->buf, PSZ));
	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, IOVA(0));
	md_check_map(self->fd, self->hwpt, IOVA(0), self->buf, 4 * PSZ);
	ASSERT_EQ(EADDRINUSE, __add_reserved(self->fd, self->ioas, IOVA(3),
					     PSZ));

	/* Reserved ranges stay with the IOAS when the device goes. */
	iommufd_destroy(self->fd, self->stdev);
	iova = IOVA(4);
	ASSERT_EQ(EINVAL, __ioas_map(self->fd, self->ioas, self->buf, PSZ,
				     &iova, MAP_FIXED_RW));
	iova = 1UL << 20;
	ASSERT_EQ(0, __ioas_map(self->fd, self->ioas, self->buf, PSZ, &iova,
				MAP_FIXED_RW));
}

/* IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE */

TEST_F(mock_dev, replace_between_ioases)
{
	uint32_t other = ioas_alloc(self->fd);
	char *buf = self->buf;
	uint32_t hwpt, back;

	ioas_map_fixed(self->fd, self->ioas, buf, 8 * PSZ, IOVA(0));
	ioas_map_fixed(self->fd, other, buf + 8 * PSZ, 8 * PSZ, IOVA(0));

	hwpt = mock_domain_replace(self->fd, self->stdev, other);
	ASSERT_NE(self->hwpt, hwpt);
	ASSERT_NE(other, hwpt);
	ASSERT_NE(self->ioas, hwpt);
	/* The old automatic table went with its only device. */
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, self->hwpt));
	ASSERT_EQ(ENOENT, __md_check_map(self->fd, self->hwpt, IOVA(0), buf,
					 PSZ));
	md_check_map(self->fd, hwpt, IOVA(0), buf + 8 * PSZ, 8 * PSZ);
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, other));
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, hwpt));
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->idev));
	check_unconstrained(self->fd, self->ioas);
	check_mock_window(self->fd, other);

	/* And back. */
	back = mock_domain_replace(self->fd, self->stdev, self->ioas);
	ASSERT_NE(hwpt, back);
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, hwpt));
	md_check_map(self->fd, back, IOVA(0), buf, 8 * PSZ);
	check_unconstrained(self->fd, other);
	iommufd_destroy(self->fd, other);
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->ioas));
}

/* Replacing onto a table other devices use, and leaving it to them. */
TEST_F(mock_dev, replace_shared_hwpt)
{
	uint32_t other = ioas_alloc(self->fd);
	uint32_t stdev2, hwpt2, hwpt;

	mock_domain(self->fd, other, &stdev2, &hwpt2, NULL);
	ioas_map_fixed(self->fd, other, self->buf, 4 * PSZ, IOVA(0));

	/* Onto the IOAS: the existing automatic table is reused. */
	ASSERT_EQ(hwpt2, mock_domain_replace(self->fd, self->stdev, other));
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, self->hwpt));
	hwpt = mock_domain_replace(self->fd, self->stdev, self->ioas);
	md_check_map(self->fd, hwpt2, IOVA(0), self->buf, 4 * PSZ);

	/* Onto the table by its ID. */
	ASSERT_EQ(hwpt2, mock_domain_replace(self->fd, self->stdev, hwpt2));
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, hwpt));
	/* The table stays while either device uses it. */
	iommufd_destroy(self->fd, stdev2);
	md_check_map(self->fd, hwpt2, IOVA(0), self->buf, 4 * PSZ);
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, hwpt2));
	mock_domain_replace(self->fd, self->stdev, self->ioas);
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, hwpt2));
	iommufd_destroy(self->fd, other);
}

TEST_F(mock_dev, replace_to_allocated_hwpt)
{
	uint32_t other = ioas_alloc(self->fd);
	char *buf = self->buf;
	uint32_t hwpt, back;

	ioas_map_fixed(self->fd, self->ioas, buf, 8 * PSZ, IOVA(0));
	ioas_map_fixed(self->fd, other, buf + 8 * PSZ, 8 * PSZ, IOVA(0));
	hwpt = hwpt_alloc(self->fd, self->idev, other);

	ASSERT_EQ(hwpt, mock_domain_replace(self->fd, self->stdev, hwpt));
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, self->hwpt));
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, hwpt));
	md_check_map(self->fd, hwpt, IOVA(0), buf + 8 * PSZ, 8 * PSZ);
	check_unconstrained(self->fd, self->ioas);

	/* And back to the first IOAS, through a new automatic table. */
	back = mock_domain_replace(self->fd, self->stdev, self->ioas);
	ASSERT_NE(hwpt, back);
	md_check_map(self->fd, back, IOVA(0), buf, 8 * PSZ);
	/* An allocated table outlives its devices. */
	md_check_map(self->fd, hwpt, IOVA(0), buf + 8 * PSZ, 8 * PSZ);
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, other));
	iommufd_destroy(self->fd, hwpt);
	iommufd_destroy(self->fd, other);
}

TEST_F(mock_dev, replace_to_same)
{
	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, IOVA(0));
	ASSERT_EQ(self->hwpt,
		  mock_domain_replace(self->fd, self->stdev, self->hwpt));
	ASSERT_EQ(self->hwpt,
		  mock_domain_replace(self->fd, self->stdev, self->ioas));
	md_check_map(self->fd, self->hwpt, IOVA(0), self->buf, 4 * PSZ);
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->hwpt));
	check_mock_window(self->fd, self->ioas);
}

/*
 * A replace whose reply cannot be written fails with EFAULT; like any
 * failed command it must change nothing, so the device stays on its table.
 */
TEST_F(mock_dev, replace_reply_fault_changes_nothing)
{
	uint32_t other = ioas_alloc(self->fd);
	struct iommu_test_cmd *cmd;

	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, IOVA(0));
	cmd = mmap(NULL, PSZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cmd);
	cmd->size = sizeof(*cmd);
	cmd->op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
	cmd->id = self->stdev;
	cmd->mock_domain_replace.pt_id = other;
	ASSERT_EQ(0, mprotect(cmd, PSZ, PROT_READ));

	ASSERT_EQ(EFAULT, iommufd_ioctl(self->fd, IOMMU_TEST_CMD, cmd));
	md_check_map(self->fd, self->hwpt, IOVA(0), self->buf, 4 * PSZ);
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->hwpt));
	check_unconstrained(self->fd, other);
	iommufd_destroy(self->fd, other);
	ASSERT_EQ(0, munmap(cmd, PSZ));
}

/* A refused replace leaves the device where it was. */
TEST_F(mock_dev, replace_refused)
{
	uint32_t bad = ioas_alloc(self->fd);
	struct iova_layout before, after;
	uint32_t pt, next;

	ioas_map_fixed(self->fd, self->ioas, self->buf, 8 * PSZ, IOVA(0));
	ioas_map_fixed(self->fd, bad, self->buf, PSZ, 1UL << 20);
	get_layout(self->fd, bad, &before);
	next = next_id(_metadata, self->fd);

	pt = next;
	ASSERT_EQ(ENOENT, __mock_domain_replace(self->fd, self->stdev, &pt));
	pt = 0;
	ASSERT_EQ(ENOENT, __mock_domain_replace(self->fd, self->stdev, &pt));
	pt = UINT32_MAX;
	ASSERT_EQ(ENOENT, __mock_domain_replace(self->fd, self->stdev, &pt));
	pt = self->idev;
	ASSERT_EQ(EINVAL, __mock_domain_replace(self->fd, self->stdev, &pt));
	pt = self->stdev;
	ASSERT_EQ(EINVAL, __mock_domain_replace(self->fd, self->stdev, &pt));
	/* Something mapped outside the aperture. */
	pt = bad;
	ASSERT_EQ(EADDRINUSE, __mock_domain_replace(self->fd, self->stdev,
						    &pt));
	/* Not a mock device. */
	pt = self->ioas;
	ASSERT_EQ(ENOENT, __mock_domain_replace(self->fd, self->idev, &pt));
	ASSERT_EQ(ENOENT, __mock_domain_replace(self->fd, self->hwpt, &pt));
	ASSERT_EQ(ENOENT, __mock_domain_replace(self->fd, next, &pt));

	md_check_map(self->fd, self->hwpt, IOVA(0), self->buf, 8 * PSZ);
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->hwpt));
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->ioas));
	check_mock_window(self->fd, self->ioas);
	get_layout(self->fd, bad, &after);
	check_same_layout(&before, &after);
	ASSERT_EQ(next, next_id(_metadata, self->fd));
	iommufd_destroy(self->fd, bad);
}

/* IOMMU_HWPT_ALLOC */

TEST_F(mock_dev, hwpt_alloc_holds_ioas)
{
	uint32_t other = ioas_alloc(self->fd);
	char *buf = self->buf;
	uint32_t hwpt;

	ioas_map_fixed(self->fd, self->ioas, buf, 8 * PSZ, IOVA(0));
	ioas_map_fixed(self->fd, other, buf + 8 * PSZ, 8 * PSZ, IOVA(0));
	hwpt = hwpt_alloc(self->fd, self->idev, other);
	ASSERT_NE(self->hwpt, hwpt);
	ASSERT_NE(other, hwpt);

	/* Filled from its IOAS at once, and kept up to date. */
	md_check_map(self->fd, hwpt, IOVA(0), buf + 8 * PSZ, 8 * PSZ);
	ioas_map_fixed(self->fd, other, buf, 4 * PSZ, IOVA(100));
	md_check_map(self->fd, hwpt, IOVA(100), buf, 4 * PSZ);
	ioas_unmap(self->fd, other, IOVA(100), 4 * PSZ);
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, hwpt, IOVA(100), buf,
					 PSZ));
	check_mock_window(self->fd, other);
	/* The device's own table did not change. */
	md_check_map(self->fd, self->hwpt, IOVA(0), buf, 8 * PSZ);

	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, other));
	/* No device uses it: user space may destroy it. */
	iommufd_destroy(self->fd, hwpt);
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, hwpt));
	ASSERT_EQ(ENOENT, __md_check_map(self->fd, hwpt, IOVA(0),
					 buf + 8 * PSZ, PSZ));
	check_unconstrained(self->fd, other);
	iommufd_destroy(self->fd, other);
}

TEST_F(mock_dev, hwpt_alloc_with_devices)
{
	uint32_t stdev2, hwpt2, hwpt;

	hwpt = hwpt_alloc(self->fd, self->idev, self->ioas);
	ASSERT_NE(self->hwpt, hwpt);
	/* A device attached by the table's ID uses that table. */
	mock_domain(self->fd, hwpt, &stdev2, &hwpt2, NULL);
	ASSERT_EQ(hwpt, hwpt2);
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, hwpt));

	/* Two tables of one IOAS both follow it. */
	ioas_map_fixed(self->fd, self->ioas, self->buf, 8 * PSZ, IOVA(0));
	md_check_map(self->fd, hwpt, IOVA(0), self->buf, 8 * PSZ);
	md_check_map(self->fd, self->hwpt, IOVA(0), self->buf, 8 * PSZ);
	ioas_unmap(self->fd, self->ioas, IOVA(0), 8 * PSZ);
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, hwpt, IOVA(0), self->buf,
					 PSZ));
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->hwpt, IOVA(0),
					 self->buf, PSZ));

	/* An allocated table is not destroyed with its last device. */
	iommufd_destroy(self->fd, stdev2);
	ioas_map_fixed(self->fd, self->ioas, self->buf, 2 * PSZ, IOVA(0));
	md_check_map(self->fd, hwpt, IOVA(0), self->buf, 2 * PSZ);
	iommufd_destroy(self->fd, hwpt);
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, hwpt));
	/* The automatic one was never affected. */
	md_check_map(self->fd, self->hwpt, IOVA(0), self->buf, 2 * PSZ);
}

/*
 * A table made to parent nested ones translates like any other; nested
 * tables on it are not offered yet.
 */
TEST_F(mock_dev, hwpt_alloc_nest_parent)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = self->idev,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(uint32_t),
		.data_uptr = (uintptr_t)self->buf,
	};
	uint32_t parent, pt;

	ASSERT_EQ(0, __hwpt_alloc(self->fd, self->idev, self->ioas,
				  IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	pt = parent;
	ASSERT_EQ(0, __mock_domain_replace(self->fd, self->stdev, &pt));
	ASSERT_EQ(parent, pt);
	ioas_map_fixed(self->fd, self->ioas, self->buf, 2 * PSZ, IOVA(0));
	md_check_map(self->fd, parent, IOVA(0), self->buf, 2 * PSZ);

	/* A table nested in it (iommufd_nested has the rest). */
	cmd.pt_id = parent;
	ASSERT_EQ(0, iommufd_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, parent));
	pt = self->ioas;
	ASSERT_EQ(0, __mock_domain_replace(self->fd, self->stdev, &pt));
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, parent));
	iommufd_destroy(self->fd, cmd.out_hwpt_id);
	iommufd_destroy(self->fd, parent);
}

TEST_F(mock_dev, hwpt_alloc_refused)
{
	struct iommu_hwpt_alloc cmd;
	struct iova_layout before, after;
	uint32_t next, hwpt = 0;
	unsigned int bit;

	get_layout(self->fd, self->ioas, &before);
	next = next_id(_metadata, self->fd);

	for (bit = 0; bit != 32; bit++) {
		if ((1U << bit) & HWPT_ALLOC_FLAGS_KNOWN)
			continue;
		ASSERT_EQ(EOPNOTSUPP, __hwpt_alloc(self->fd, self->idev,
						   self->ioas, 1U << bit,
						   &hwpt));
	}
	/* Devices that do not exist, and objects that are not devices. */
	ASSERT_EQ(ENOENT, __hwpt_alloc(self->fd, 0, self->ioas, 0, &hwpt));
	ASSERT_EQ(ENOENT, __hwpt_alloc(self->fd, next, self->ioas, 0, &hwpt));
	ASSERT_EQ(ENOENT, __hwpt_alloc(self->fd, self->ioas, self->ioas, 0,
				       &hwpt));
	ASSERT_EQ(ENOENT, __hwpt_alloc(self->fd, self->stdev, self->ioas, 0,
				       &hwpt));
	ASSERT_EQ(ENOENT, __hwpt_alloc(self->fd, self->hwpt, self->ioas, 0,
				       &hwpt));
	/* Something to build on that is not an IOAS. */
	ASSERT_EQ(EINVAL, __hwpt_alloc(self->fd, self->idev, self->idev, 0,
				       &hwpt));
	ASSERT_EQ(EINVAL, __hwpt_alloc(self->fd, self->idev, self->stdev, 0,
				       &hwpt));
	/* A page table without driver data: no nested one; upstream's errno */
	ASSERT_EQ(EOPNOTSUPP, __hwpt_alloc(self->fd, self->idev, self->hwpt,
					   0, &hwpt));
	/*
	 * Nothing at all. Upstream answers EINVAL here, the documented
	 * rule for an ID naming nothing is ENOENT: require only a refusal.
	 */
	ASSERT_NE(0, __hwpt_alloc(self->fd, self->idev, next, 0, &hwpt));

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.dev_id = self->idev;
	cmd.pt_id = self->ioas;
	cmd.__reserved = 1;
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.__reserved = 0;
	/* Driver data in a format the mock does not know. */
	cmd.data_type = 0x7fff0000;
	cmd.data_len = sizeof(uint32_t);
	cmd.data_uptr = (uintptr_t)self->buf;
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	/* Data without a type (upstream says EINVAL, this kernel EOPNOTSUPP) */
	cmd.data_type = IOMMU_HWPT_DATA_NONE;
	ASSERT_EQ(-1, ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	ASSERT_EQ(0, cmd.out_hwpt_id);

	ASSERT_EQ(0, hwpt);
	ASSERT_EQ(next, next_id(_metadata, self->fd));
	get_layout(self->fd, self->ioas, &after);
	check_same_layout(&before, &after);
	/* The device's table is the only one on the IOAS. */
	iommufd_destroy(self->fd, self->stdev);
	iommufd_destroy(self->fd, self->ioas);
}

/*
 * Closing the file with devices attached, tables allocated and memory
 * mapped tears everything down; the pins go, and kmemleak, KASAN and the
 * mock's own checks watch the rest.
 */
TEST(close_with_devices)
{
	uint32_t a, b, stdev, idev, hwpt;
	int fd, round;
	uint64_t iova;
	long base;
	void *buf;

	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	buf = alloc_buffer(BUF_SIZE);
	ASSERT_NE(NULL, buf);
	base = proc_status_kb("VmPin");
	ASSERT_LE(0, base);
	for (round = 0; round != 3; round++) {
		fd = iommufd_open();
		ASSERT_LE(0, fd);
		a = ioas_alloc(fd);
		b = ioas_alloc(fd);
		ioas_map_fixed(fd, a, buf, 16 * PSZ, IOVA(0));
		mock_domain(fd, a, &stdev, NULL, &idev);
		mock_domain(fd, a, NULL, NULL, NULL);
		ioas_map_fixed(fd, b, (char *)buf + 16 * PSZ, 16 * PSZ,
			       IOVA(0));
		hwpt = hwpt_alloc(fd, idev, b);
		mock_domain(fd, hwpt, NULL, NULL, NULL);
		if (round == 1)
			mock_domain_replace(fd, stdev, b);
		if (round == 2)
			mock_domain_replace(fd, stdev, hwpt);
		iova = IOVA(64);
		ASSERT_EQ(0, __ioas_copy(fd, b, &iova, a, IOVA(0), 16 * PSZ,
					 MAP_FIXED_RW));
		add_reserved(fd, a, IOVA(1024), PSZ);
		ioas_map(fd, a, buf, BUF_SIZE);
		md_check_refs(fd, buf, BUF_SIZE, 1);
		ASSERT_EQ(base + (long)(BUF_SIZE / 1024),
			  proc_status_kb("VmPin"));
		ASSERT_EQ(0, close(fd));
		ASSERT_EQ(base, proc_status_kb("VmPin"));
	}
	fd = iommufd_open();
	ASSERT_LE(0, fd);
	md_check_refs(fd, buf, BUF_SIZE, 0);
	/* The new file starts from scratch. */
	ASSERT_EQ(1, ioas_alloc(fd));
	ASSERT_EQ(0, close(fd));
	munmap(buf, BUF_SIZE);
}

/*
 * Races between processes sharing one file. This fixture is declared last
 * so that its tests run last: the test kernel panics on any warning, and a
 * race the kernel loses should not hide the results of everything else.
 */
FIXTURE(race) {
	int fd;
	uint32_t ioas;
	void *buf;
};

FIXTURE_SETUP(race)
{
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	open_ioas(_metadata, &self->fd, &self->ioas, &self->buf);
}

FIXTURE_TEARDOWN(race)
{
	munmap(self->buf, BUF_SIZE);
	close(self->fd);
}

/*
 * Concurrency: one process moves the device between two IOASes while
 * another maps and unmaps in both through the same file. The mock tables
 * warn (and the test kernel panics) if the core ever maps over a mapping or
 * unmaps part of one.
 */
TEST_F_TIMEOUT(race, replace_races_with_map, 120)
{
	uint32_t other = ioas_alloc(self->fd);
	uint32_t ioas[2] = { self->ioas, other };
	uint32_t stdev;
	int i, status;
	pid_t child;

	mock_domain(self->fd, self->ioas, &stdev, NULL, NULL);
	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, IOVA(0));
	ioas_map_fixed(self->fd, other, self->buf, 4 * PSZ, IOVA(0));

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		char *mine = (char *)self->buf + 16 * PSZ;

		/*
		 * Fixed IOVAs inside the aperture: whichever IOAS the
		 * device is on, its tables can hold them.
		 */
		for (i = 0; i != 200; i++) {
			uint64_t len = (1 + i % 8) * PSZ, iova = IOVA(64);
			uint32_t id = ioas[i & 1];
			uint64_t done;

			if (__ioas_map(self->fd, id, mine, len, &iova,
				       MAP_FIXED_RW))
				_exit(1);
			if (__ioas_unmap(self->fd, id, iova, len, &done) ||
			    done != len)
				_exit(2);
		}
		_exit(0);
	}
	for (i = 0; i != 100; i++) {
		uint32_t hwpt = mock_domain_replace(self->fd, stdev,
						    ioas[(i + 1) & 1]);

		md_check_map(self->fd, hwpt, IOVA(0), self->buf, 4 * PSZ);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

/*
 * Attaching by ID to an automatic table while its last device leaves: the
 * attach finds the table gone (ENOENT), or keeps it alive and uses it. A
 * second process moves its own device onto the table while the first
 * destroys the table's device, the two starting at offsets that sweep
 * from well before to well after each other.
 *
 * Detaching walks the IOAS's reserved ranges under the attach lock; many
 * of them make that walk, and so the window, wide.
 */
struct attach_race {
	uint32_t round;		/* the parent starts a round */
	uint32_t done;		/* the child finished that round */
	uint32_t hwpt;		/* table to move to */
	int64_t child_delay;	/* ns the child waits before moving */
	int rc;			/* what the child's replace returned */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Busy-wait, without a system call that would let the other side run. */
static void delay_ns(int64_t ns)
{
	int64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

TEST_F_TIMEOUT(race, attach_races_with_last_detach, 300)
{
	enum { ROUNDS = 200, STEPS = 41, RESERVED = 4000 };
	uint32_t other = ioas_alloc(self->fd);
	unsigned int attached = 0, gone = 0;
	uint32_t round, stdev, mine;
	int64_t step, offset;
	struct attach_race *r;
	int status, i;
	pid_t child;

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	memset(r, 0, sizeof(*r));
	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, IOVA(0));
	for (i = 0; i != RESERVED; i++)
		add_reserved(self->fd, self->ioas, IOVA(16 + 2 * i), PSZ);
	/* The child's device, parked on another IOAS between rounds. */
	mock_domain(self->fd, other, &mine, NULL, NULL);

	/* Offsets in steps of a tenth of a replace, to two replaces apart. */
	step = now_ns();
	for (i = 0; i != 10; i++)
		mock_domain_replace(self->fd, mine, i & 1 ? other : self->ioas);
	step = (now_ns() - step) / 100;

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		for (round = 1; round <= ROUNDS; round++) {
			uint32_t pt;

			while (__atomic_load_n(&r->round, __ATOMIC_ACQUIRE) !=
			       round)
				;
			delay_ns(r->child_delay);
			pt = r->hwpt;
			r->rc = __mock_domain_replace(self->fd, mine, &pt);
			__atomic_store_n(&r->done, round, __ATOMIC_RELEASE);
		}
		_exit(0);
	}

	for (round = 1; round <= ROUNDS; round++) {
		mock_domain(self->fd, self->ioas, &stdev, &r->hwpt, NULL);
		offset = ((int64_t)(round % STEPS) - STEPS / 2) * step;
		r->child_delay = offset > 0 ? offset : 0;
		__atomic_store_n(&r->round, round, __ATOMIC_RELEASE);
		delay_ns(offset < 0 ? -offset : 0);
		iommufd_destroy(self->fd, stdev);
		while (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) != round)
			;
		if (r->rc) {
			ASSERT_EQ(ENOENT, r->rc);
			ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, r->hwpt));
			gone++;
			continue;
		}
		/* The child's device keeps the table alive and filled. */
		md_check_map(self->fd, r->hwpt, IOVA(0), self->buf, 4 * PSZ);
		ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, r->hwpt));
		mock_domain_replace(self->fd, mine, other);
		ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, r->hwpt));
		attached++;
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* No table is left on the IOAS: it can be destroyed. */
	iommufd_destroy(self->fd, self->ioas);
	self->ioas = 0;
	ksft_print_msg("%u rounds attached, %u found the table gone (step %lld ns)\n",
		       attached, gone, (long long)step);
	munmap(r, sizeof(*r));
}

TEST_HARNESS_MAIN
