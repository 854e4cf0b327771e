// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * IOMMU_IOAS_MAP_FILE: mapping memfd pages by file offset. The pages are
 * pinned once per accounting owner whatever the number of mappings and
 * file descriptors; bad input changes nothing; what the file permits (open
 * mode, seals) bounds what a device may do; a mock domain translates to
 * the file's own pages.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/falloc.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"

#define PSZ ((uint64_t)getpagesize())
#define FILE_PAGES 64
#define FILE_SIZE (FILE_PAGES * PSZ)
#define MAP_FIXED_RW (MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)
#define IOVA_BASE 0x40000000ULL
#define APERTURE_START ((uint64_t)MOCK_APERTURE_START)

/* Another open file description on the same memfd. */
static int reopen(int mfd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	return open(path, flags);
}

/* The number of bytes mapped in @ioas, found by unmapping everything. */
static uint64_t unmap_all(struct __test_metadata *_metadata, int fd,
			  uint32_t ioas)
{
	uint64_t done = 0;

	ASSERT_EQ(0, __ioas_unmap(fd, ioas, 0, UINT64_MAX, &done));
	return done;
}

FIXTURE(file) {
	int fd;
	uint32_t ioas;
	int mfd;
	long vmpin;
};

FIXTURE_SETUP(file)
{
	self->fd = iommufd_open();
	ASSERT_LE(0, self->fd);
	self->ioas = ioas_alloc(self->fd);
	self->mfd = memfd_filled(FILE_SIZE, MFD_ALLOW_SEALING);
	ASSERT_LE(0, self->mfd);
	self->vmpin = proc_status_kb("VmPin");
	ASSERT_LE(0, self->vmpin);
}

FIXTURE_TEARDOWN(file)
{
	close(self->fd);
	close(self->mfd);
}

/* Pinned pages of this process above what the fixture started with. */
static long pinned_since(long vmpin)
{
	return (proc_status_kb("VmPin") - vmpin) * 1024 / (long)PSZ;
}

#define pinned_pages() pinned_since(self->vmpin)

TEST_F(file, map_unmap)
{
	uint64_t iova = IOVA_BASE;

	ioas_map_file(self->fd, self->ioas, self->mfd, 0, FILE_SIZE, &iova,
		      MAP_FIXED_RW);
	ASSERT_EQ(IOVA_BASE, iova);
	ASSERT_EQ(FILE_PAGES, pinned_pages());

	/* Automatic IOVA, a byte range in the middle of a page. */
	ioas_map_file(self->fd, self->ioas, self->mfd, 3 * PSZ + 16, PSZ, &iova,
		      MAP_RW);
	ASSERT_EQ(FILE_PAGES, pinned_pages());

	ASSERT_EQ(FILE_SIZE + PSZ, unmap_all(_metadata, self->fd, self->ioas));
	ASSERT_EQ(0, pinned_pages());
}

/* A page of a file is pinned once: other IOASes, file descriptors, fds. */
TEST_F(file, pinned_once)
{
	uint32_t other = ioas_alloc(self->fd);
	int mfd2 = reopen(self->mfd, O_RDWR);
	int fd2 = iommufd_open();
	uint64_t iova;
	uint32_t third;

	ASSERT_LE(0, mfd2);
	ASSERT_LE(0, fd2);
	third = ioas_alloc(fd2);

	iova = IOVA_BASE;
	ioas_map_file(self->fd, self->ioas, self->mfd, 0, FILE_SIZE / 2, &iova,
		      MAP_FIXED_RW);
	ASSERT_EQ(FILE_PAGES / 2, pinned_pages());
	/* Overlapping the first half, through another open file. */
	iova = IOVA_BASE;
	ioas_map_file(self->fd, other, mfd2, FILE_SIZE / 4, FILE_SIZE * 3 / 4,
		      &iova, MAP_FIXED_RW);
	ASSERT_EQ(FILE_PAGES, pinned_pages());
	/* From another /dev/iommu file of the same process. */
	ioas_map_file(fd2, third, self->mfd, 0, FILE_SIZE, &iova, MAP_RW);
	ASSERT_EQ(FILE_PAGES, pinned_pages());

	/* Released only when the last user of each page goes. */
	close(fd2);
	ASSERT_EQ(FILE_PAGES, pinned_pages());
	ASSERT_EQ(FILE_SIZE / 2, unmap_all(_metadata, self->fd, self->ioas));
	ASSERT_EQ(FILE_PAGES * 3 / 4, pinned_pages());
	iommufd_destroy(self->fd, other);
	ASSERT_EQ(0, pinned_pages());
	close(mfd2);
}

/* Refused requests, each leaving nothing mapped and nothing pinned. */
TEST_F(file, bad_arguments)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = MAP_FIXED_RW,
		.ioas_id = self->ioas,
		.fd = self->mfd,
		.length = PSZ,
		.iova = IOVA_BASE,
	};
	int pipefd[2];

	ASSERT_EQ(0, pipe(pipefd));

	cmd.flags = MAP_FIXED_RW | (1U << 31);
	EXPECT_EQ(EOPNOTSUPP, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP_FILE,
					    &cmd));
	cmd.flags = IOMMU_IOAS_MAP_FIXED_IOVA;
	EXPECT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	cmd.flags = MAP_FIXED_RW;
	cmd.length = 0;
	EXPECT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	cmd.length = UINT64_MAX;
	EXPECT_EQ(EOVERFLOW, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP_FILE,
					   &cmd));
	cmd.length = PSZ;
	cmd.start = UINT64_MAX - PSZ / 2;
	EXPECT_EQ(EOVERFLOW, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP_FILE,
					   &cmd));
	cmd.start = 0;
	cmd.ioas_id = 0;
	EXPECT_EQ(ENOENT, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	cmd.ioas_id = self->ioas;

	/* Not a file; not a memfd. */
	cmd.fd = -1;
	EXPECT_EQ(EBADF, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	cmd.fd = pipefd[1];
	EXPECT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	cmd.fd = self->fd;
	EXPECT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	cmd.fd = self->mfd;

	/* Past the end of the file, by a page or by one byte. */
	cmd.start = FILE_SIZE;
	EXPECT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	cmd.start = FILE_SIZE - PSZ + 1;
	EXPECT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	cmd.start = 0;

	EXPECT_EQ(0, unmap_all(_metadata, self->fd, self->ioas));
	EXPECT_EQ(0, pinned_pages());

	ASSERT_EQ(0, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	EXPECT_EQ(EEXIST, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	EXPECT_EQ(PSZ, unmap_all(_metadata, self->fd, self->ioas));
	EXPECT_EQ(0, pinned_pages());
	close(pipefd[0]);
	close(pipefd[1]);
}

/* A device may write only where the caller may. */
TEST_F(file, read_only_file)
{
	int ro = reopen(self->mfd, O_RDONLY);
	uint64_t iova = IOVA_BASE;

	ASSERT_LE(0, ro);
	EXPECT_EQ(EACCES, __ioas_map_file(self->fd, self->ioas, ro, 0,
					  FILE_SIZE, &iova, MAP_FIXED_RW));
	EXPECT_EQ(0, pinned_pages());
	ioas_map_file(self->fd, self->ioas, ro, 0, FILE_SIZE, &iova,
		      IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA);
	EXPECT_EQ(FILE_PAGES, pinned_pages());
	close(ro);
}

/* Write seals and writable mappings exclude each other, as with mmap(). */
TEST_F(file, write_seal)
{
	uint64_t iova = IOVA_BASE;

	ioas_map_file(self->fd, self->ioas, self->mfd, 0, FILE_SIZE, &iova,
		      MAP_FIXED_RW);
	EXPECT_EQ(-1, fcntl(self->mfd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(FILE_SIZE, unmap_all(_metadata, self->fd, self->ioas));

	ASSERT_EQ(0, fcntl(self->mfd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(EPERM, __ioas_map_file(self->fd, self->ioas, self->mfd, 0,
					 FILE_SIZE, &iova, MAP_FIXED_RW));
	EXPECT_EQ(0, pinned_pages());
	EXPECT_EQ(0, __ioas_map_file(self->fd, self->ioas, self->mfd, 0,
				     FILE_SIZE, &iova,
				     IOMMU_IOAS_MAP_READABLE |
				     IOMMU_IOAS_MAP_FIXED_IOVA));
	EXPECT_EQ(FILE_PAGES, pinned_pages());
}

/*
 * Pages mapped read-only and then writable are pinned once. A write seal
 * waits until no page is pinned at all (memfd refuses it while any is).
 */
TEST_F(file, pinned_once_read_only_and_writable)
{
	uint64_t iova = IOVA_BASE, iova2 = IOVA_BASE + 2 * FILE_SIZE;

	ioas_map_file(self->fd, self->ioas, self->mfd, 0, FILE_SIZE, &iova,
		      IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA);
	ioas_map_file(self->fd, self->ioas, self->mfd, 0, FILE_SIZE, &iova2,
		      MAP_FIXED_RW);
	EXPECT_EQ(FILE_PAGES, pinned_pages());
	ASSERT_EQ(0, __ioas_unmap(self->fd, self->ioas, iova2, FILE_SIZE,
				  NULL));
	EXPECT_EQ(FILE_PAGES, pinned_pages());
	EXPECT_EQ(-1, fcntl(self->mfd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(EBUSY, errno);

	ASSERT_EQ(FILE_SIZE, unmap_all(_metadata, self->fd, self->ioas));
	EXPECT_EQ(0, pinned_pages());
	ASSERT_EQ(0, fcntl(self->mfd, F_ADD_SEALS, F_SEAL_WRITE));
}

/*
 * Pages punched out of the file stay pinned for the mappings that have
 * them, and are never handed to a later mapping, which gets the file's
 * new pages. (The extent that held the punched pages serves no new
 * request at all afterwards, so the test maps only the punched range.)
 */
TEST_F(file, hole_punch)
{
	uint32_t other = ioas_alloc(self->fd);
	uint64_t iova = IOVA_BASE;

	ioas_map_file(self->fd, self->ioas, self->mfd, 0, FILE_SIZE, &iova,
		      MAP_FIXED_RW);
	ASSERT_EQ(0, fallocate(self->mfd, FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE, 0, FILE_SIZE / 2));
	ASSERT_EQ(FILE_PAGES, pinned_pages());

	ioas_map_file(self->fd, other, self->mfd, 0, FILE_SIZE / 2, &iova,
		      MAP_FIXED_RW);
	ASSERT_EQ(FILE_PAGES * 3 / 2, pinned_pages());
	ASSERT_EQ(FILE_SIZE, unmap_all(_metadata, self->fd, self->ioas));
	ASSERT_EQ(FILE_PAGES / 2, pinned_pages());
	ASSERT_EQ(FILE_SIZE / 2, unmap_all(_metadata, self->fd, other));
	ASSERT_EQ(0, pinned_pages());
}

/* VFIO-compatible accounting: the charge shows as VmLck, once. */
TEST_F(file, charged_once)
{
	struct rlimit lim = { .rlim_cur = 64 << 20, .rlim_max = 64 << 20 };
	uint64_t mode = 1, iova = 0;
	uint32_t ioas, other;
	long vmlck;
	int fd;

	/* The mode is set before the file has an IOAS. */
	fd = iommufd_open();
	ASSERT_LE(0, fd);
	iommufd_option(fd, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0,
		       &mode);
	ioas = ioas_alloc(fd);
	other = ioas_alloc(fd);
	ASSERT_EQ(0, drop_capability(CAP_IPC_LOCK));
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &lim));
	vmlck = proc_status_kb("VmLck");

	ioas_map_file(fd, ioas, self->mfd, 0, FILE_SIZE, &iova, MAP_RW);
	ioas_map_file(fd, other, self->mfd, 0, FILE_SIZE, &iova, MAP_RW);
	ASSERT_EQ(vmlck + (long)(FILE_SIZE / 1024), proc_status_kb("VmLck"));
	iommufd_destroy(fd, other);
	ASSERT_EQ(vmlck + (long)(FILE_SIZE / 1024), proc_status_kb("VmLck"));
	ASSERT_EQ(FILE_SIZE, unmap_all(_metadata, fd, ioas));
	ASSERT_EQ(vmlck, proc_status_kb("VmLck"));
	close(fd);
}

/* A mock domain translates the IOVA to the file's pages. */
TEST_F(file, reaches_domain)
{
	uint64_t iova = APERTURE_START;
	uint32_t hwpt;
	char *p;

	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	mock_domain(self->fd, self->ioas, NULL, &hwpt, NULL);
	p = mmap(NULL, FILE_SIZE, PROT_READ, MAP_SHARED, self->mfd, 0);
	ASSERT_NE(MAP_FAILED, p);

	ioas_map_file(self->fd, self->ioas, self->mfd, PSZ, FILE_SIZE - PSZ,
		      &iova, MAP_FIXED_RW);
	md_check_map(self->fd, hwpt, APERTURE_START, p + PSZ, FILE_SIZE - PSZ);
	EXPECT_NE(0, __md_check_map(self->fd, hwpt, APERTURE_START, p,
				    PSZ));
	munmap(p, FILE_SIZE);
}

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

/* The default huge page size, from /proc/meminfo; 0 if none. */
static size_t huge_page_size(void)
{
	char line[128];
	size_t kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %zu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/*
 * Pages of a hugetlbfs memfd. The test reserves two huge pages of the
 * default size if it may, and gives them back.
 */
TEST_F(file, hugetlb)
{
	size_t hsz = huge_page_size();
	long nr = read_long(NR_HUGEPAGES);
	uint64_t iova = 0;
	int hfd;

	if (!hsz || nr < 0)
		SKIP(return, "no huge pages");
	write_long(NR_HUGEPAGES, nr + 2);
	hfd = memfd_create("iommufd_file_huge", MFD_HUGETLB);
	if (hfd < 0 || ftruncate(hfd, 2 * hsz)) {
		if (hfd >= 0)
			close(hfd);
		write_long(NR_HUGEPAGES, nr);
		SKIP(return, "no hugetlbfs memfd");
	}
	if (fallocate(hfd, 0, 0, 2 * hsz)) {
		close(hfd);
		write_long(NR_HUGEPAGES, nr);
		SKIP(return, "no free huge pages");
	}

	ioas_map_file(self->fd, self->ioas, hfd, hsz / 2, hsz, &iova, MAP_RW);
	ASSERT_EQ(hsz / PSZ, pinned_pages());
	ioas_map_file(self->fd, self->ioas, hfd, 0, 2 * hsz, &iova, MAP_RW);
	ASSERT_EQ(2 * hsz / PSZ, pinned_pages());
	ASSERT_EQ(3 * hsz, unmap_all(_metadata, self->fd, self->ioas));
	ASSERT_EQ(0, pinned_pages());
	close(hfd);
	write_long(NR_HUGEPAGES, nr);
}

TEST_HARNESS_MAIN
