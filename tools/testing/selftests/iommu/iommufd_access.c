// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The access API for emulated devices, through the test driver of
 * IOMMU_TEST_OP_CREATE_ACCESS: copying to and from IOVA (aligned or not,
 * across areas, from another process's mapping), pinning and unpinning,
 * the unmap callback that UNMAP triggers, moving an access to another
 * IOAS, destroying it, and the errnos of bad requests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"

#define PSZ ((uint64_t)getpagesize())
#define BUF_PAGES 16
#define BUF_SIZE (BUF_PAGES * PSZ)
#define IOVA_BASE 0x40000000ULL
#define PIN MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES

FIXTURE(access) {
	int fd;
	uint32_t ioas;
	uint8_t *buf;
};

FIXTURE_SETUP(access)
{
	unsigned int i;

	self->fd = -1;
	self->buf = MAP_FAILED;
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	self->fd = iommufd_open();
	ASSERT_LE(0, self->fd);
	self->ioas = ioas_alloc(self->fd);
	self->buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	for (i = 0; i != BUF_SIZE; i++)
		self->buf[i] = i * 7 + 3;
}

FIXTURE_TEARDOWN(access)
{
	if (self->buf != MAP_FAILED)
		munmap(self->buf, BUF_SIZE);
	if (self->fd >= 0)
		close(self->fd);
}

/* Read every (offset, length) window around @iova and compare with @mem. */
static void check_windows(struct __test_metadata *_metadata, int fd, int afd,
			  uint64_t iova, uint8_t *mem, uint32_t flags)
{
	uint8_t tmp[64];
	uint64_t off, len;
	unsigned int i;

	for (off = 0; off < 40; off += 3) {
		for (len = 1; len <= sizeof(tmp); len += 5) {
			access_rw(fd, afd, iova + off, tmp, len, flags);
			ASSERT_EQ(0, memcmp(tmp, mem + off, len));

			for (i = 0; i != len; i++)
				tmp[i] = rand();
			access_rw(fd, afd, iova + off, tmp, len,
				  flags | MOCK_ACCESS_RW_WRITE);
			ASSERT_EQ(0, memcmp(tmp, mem + off, len));
		}
	}
}

TEST_F(access, rw_aligned)
{
	uint8_t *copy = malloc(BUF_SIZE);
	int afd;

	ASSERT_NE(NULL, copy);
	ioas_map_fixed(self->fd, self->ioas, self->buf, BUF_SIZE, IOVA_BASE);
	afd = access_create(self->fd, self->ioas, 0);

	/* The whole buffer in one go, both paths. */
	access_rw(self->fd, afd, IOVA_BASE, copy, BUF_SIZE, 0);
	ASSERT_EQ(0, memcmp(copy, self->buf, BUF_SIZE));
	memset(copy, 0, BUF_SIZE);
	access_rw(self->fd, afd, IOVA_BASE, copy, BUF_SIZE,
		  MOCK_ACCESS_RW_SLOW_PATH);
	ASSERT_EQ(0, memcmp(copy, self->buf, BUF_SIZE));

	/* Writes land in the user's memory. */
	memset(copy, 0xa5, BUF_SIZE);
	access_rw(self->fd, afd, IOVA_BASE, copy, BUF_SIZE,
		  MOCK_ACCESS_RW_WRITE);
	ASSERT_EQ(0, memcmp(copy, self->buf, BUF_SIZE));

	/* Small windows, across a page boundary. */
	check_windows(_metadata, self->fd, afd, IOVA_BASE + PSZ - 20,
		      self->buf + PSZ - 20, 0);
	check_windows(_metadata, self->fd, afd, IOVA_BASE + PSZ - 20,
		      self->buf + PSZ - 20, MOCK_ACCESS_RW_SLOW_PATH);

	ASSERT_EQ(0, close(afd));
	free(copy);
}

TEST_F(access, rw_unaligned_iova)
{
	/* The IOVA is half a page off the memory's page offset. */
	uint64_t iova = IOVA_BASE + PSZ / 2;
	int afd;

	ioas_map_fixed(self->fd, self->ioas, self->buf, BUF_SIZE, iova);
	afd = access_create(self->fd, self->ioas, 0);
	check_windows(_metadata, self->fd, afd, iova + PSZ / 2 - 20,
		      self->buf + PSZ / 2 - 20, 0);
	check_windows(_metadata, self->fd, afd, iova + PSZ - 20,
		      self->buf + PSZ - 20, 0);
	ASSERT_EQ(0, close(afd));
}

TEST_F(access, rw_across_areas)
{
	uint64_t half = BUF_SIZE / 2;
	uint8_t *copy = malloc(BUF_SIZE);
	int afd;

	ASSERT_NE(NULL, copy);
	/* Two areas, back to back in IOVA, from two parts of the buffer. */
	ioas_map_fixed(self->fd, self->ioas, self->buf + half, half,
		       IOVA_BASE + half);
	ioas_map_fixed(self->fd, self->ioas, self->buf, half, IOVA_BASE);
	afd = access_create(self->fd, self->ioas, 0);

	access_rw(self->fd, afd, IOVA_BASE, copy, BUF_SIZE, 0);
	ASSERT_EQ(0, memcmp(copy, self->buf, BUF_SIZE));
	check_windows(_metadata, self->fd, afd, IOVA_BASE + half - 20,
		      self->buf + half - 20, 0);

	/* A hole between areas fails the whole copy. */
	ioas_unmap(self->fd, self->ioas, IOVA_BASE + half, half);
	ASSERT_EQ(ENOENT, __access_rw(self->fd, afd, IOVA_BASE + half - 8,
				      copy, 16, 0));
	ASSERT_EQ(0, close(afd));
	free(copy);
}

TEST_F(access, rw_other_process)
{
	uint8_t *copy = malloc(BUF_SIZE);
	pid_t child;
	int status, afd;

	ASSERT_NE(NULL, copy);
	afd = access_create(self->fd, self->ioas, 0);

	/* The child maps its memory and exits; the pages stay mapped. */
	child = fork();
	ASSERT_NE(-1, child);
	if (!child) {
		uint64_t iova = IOVA_BASE;

		_exit(__ioas_map(self->fd, self->ioas, self->buf, BUF_SIZE,
				 &iova, MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));

	access_rw(self->fd, afd, IOVA_BASE, copy, BUF_SIZE, 0);
	ASSERT_EQ(0, memcmp(copy, self->buf, BUF_SIZE));
	ASSERT_EQ(0, close(afd));
	free(copy);
}

TEST_F(access, rw_errors)
{
	uint64_t ro_iova = IOVA_BASE + 2 * PSZ;
	uint8_t tmp[16] = {};
	int afd, pafd;

	ioas_map_fixed(self->fd, self->ioas, self->buf, PSZ, IOVA_BASE);
	ASSERT_EQ(0, __ioas_map(self->fd, self->ioas, self->buf + PSZ, PSZ,
				&ro_iova,
				IOMMU_IOAS_MAP_READABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	afd = access_create(self->fd, self->ioas, 0);

	/* Nothing mapped there, or only partly. */
	ASSERT_EQ(ENOENT, __access_rw(self->fd, afd, IOVA_BASE + PSZ, tmp,
				      sizeof(tmp), 0));
	ASSERT_EQ(ENOENT, __access_rw(self->fd, afd, IOVA_BASE + PSZ - 8, tmp,
				      sizeof(tmp), 0));
	/* Writing to a read-only mapping; reading it is fine. */
	ASSERT_EQ(EPERM, __access_rw(self->fd, afd, IOVA_BASE + 2 * PSZ, tmp,
				     sizeof(tmp), MOCK_ACCESS_RW_WRITE));
	access_rw(self->fd, afd, IOVA_BASE + 2 * PSZ, tmp, sizeof(tmp), 0);
	/* Zero length, unknown flags, a range that wraps. */
	ASSERT_EQ(EINVAL, __access_rw(self->fd, afd, IOVA_BASE, tmp, 0, 0));
	ASSERT_EQ(EOPNOTSUPP, __access_rw(self->fd, afd, IOVA_BASE, tmp,
					  sizeof(tmp), 1 << 8));
	ASSERT_EQ(EOVERFLOW, __access_rw(self->fd, afd, UINT64_MAX - 9, tmp,
					 sizeof(tmp), 0));
	/* Not a test access. */
	ASSERT_EQ(EBADF, __access_rw(self->fd, self->fd, IOVA_BASE, tmp,
				     sizeof(tmp), 0));
	ASSERT_EQ(EBADF, __access_rw(self->fd, -1, IOVA_BASE, tmp,
				     sizeof(tmp), 0));

	/* Creation errors. */
	ASSERT_EQ(ENOENT, __access_create(self->fd, 0, 0, &pafd));
	ASSERT_EQ(EOPNOTSUPP, __access_create(self->fd, self->ioas, 1 << 5,
					      &pafd));
	ASSERT_EQ(0, close(afd));
}

TEST_F(access, pin_unpin)
{
	uint32_t pin1, pin2, pin3;
	int afd;

	ioas_map_fixed(self->fd, self->ioas, self->buf, BUF_SIZE, IOVA_BASE);
	afd = access_create(self->fd, self->ioas, PIN);

	/* The pages handed out are the user's own. */
	pin1 = access_pages(self->fd, afd, IOVA_BASE, PSZ, self->buf, 0);
	pin2 = access_pages(self->fd, afd, IOVA_BASE + 100, 3 * PSZ,
			    self->buf + 100, MOCK_FLAGS_ACCESS_WRITE);
	/* The same range twice is two pins. */
	pin3 = access_pages(self->fd, afd, IOVA_BASE, PSZ, self->buf, 0);
	ASSERT_NE(pin1, pin2);
	ASSERT_NE(pin1, pin3);
	/* No second pin on the pages: the access shares the area's. */
	md_check_refs(self->fd, self->buf, BUF_SIZE, 1);

	access_unpin(self->fd, afd, pin1);
	ASSERT_EQ(ENOENT, __access_unpin(self->fd, afd, pin1));
	access_unpin(self->fd, afd, pin2);
	access_unpin(self->fd, afd, pin3);
	ASSERT_EQ(0, close(afd));

	ioas_unmap(self->fd, self->ioas, IOVA_BASE, BUF_SIZE);
	md_check_refs(self->fd, self->buf, BUF_SIZE, 0);
}

TEST_F(access, pin_across_areas)
{
	uint64_t half = BUF_SIZE / 2;
	uint32_t pin;
	int afd;

	ioas_map_fixed(self->fd, self->ioas, self->buf, half, IOVA_BASE);
	ioas_map_fixed(self->fd, self->ioas, self->buf + half, half,
		       IOVA_BASE + half);
	afd = access_create(self->fd, self->ioas, PIN);
	pin = access_pages(self->fd, afd, IOVA_BASE + half - 2 * PSZ,
			   4 * PSZ, self->buf + half - 2 * PSZ, 0);

	/* Unmapping one of the areas takes the pin away. */
	ioas_unmap(self->fd, self->ioas, IOVA_BASE + half, half);
	ASSERT_EQ(ENOENT, __access_unpin(self->fd, afd, pin));
	ASSERT_EQ(0, close(afd));
}

TEST_F(access, pin_errors)
{
	uint64_t iova;
	int afd, rwafd;

	ioas_map_fixed(self->fd, self->ioas, self->buf, 4 * PSZ, IOVA_BASE);
	iova = IOVA_BASE + 8 * PSZ;
	ASSERT_EQ(0, __ioas_map(self->fd, self->ioas, self->buf + 4 * PSZ,
				PSZ, &iova,
				IOMMU_IOAS_MAP_READABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	/* Memory half a page off its IOVA cannot be handed out by page. */
	ioas_map_fixed(self->fd, self->ioas, self->buf + 6 * PSZ, 2 * PSZ,
		       IOVA_BASE + 12 * PSZ + PSZ / 2);
	afd = access_create(self->fd, self->ioas, PIN);
	rwafd = access_create(self->fd, self->ioas, 0);

	/* An access without NEEDS_PIN_PAGES does not pin. */
	ASSERT_EQ(EOPNOTSUPP, __access_pages(self->fd, rwafd, IOVA_BASE, PSZ,
					     NULL, 0, NULL));
	ASSERT_EQ(ENOENT, __access_pages(self->fd, afd, IOVA_BASE + 4 * PSZ,
					 PSZ, NULL, 0, NULL));
	ASSERT_EQ(ENOENT, __access_pages(self->fd, afd, IOVA_BASE + 3 * PSZ,
					 2 * PSZ, NULL, 0, NULL));
	ASSERT_EQ(EPERM, __access_pages(self->fd, afd, IOVA_BASE + 8 * PSZ,
					PSZ, NULL, MOCK_FLAGS_ACCESS_WRITE,
					NULL));
	ASSERT_EQ(0, __access_pages(self->fd, afd, IOVA_BASE + 8 * PSZ, PSZ,
				    NULL, 0, NULL));
	ASSERT_EQ(EINVAL, __access_pages(self->fd, afd,
					 IOVA_BASE + 12 * PSZ + PSZ / 2, PSZ,
					 NULL, 0, NULL));
	ASSERT_EQ(EINVAL, __access_pages(self->fd, afd, IOVA_BASE, 0, NULL, 0,
					 NULL));
	ASSERT_EQ(EOPNOTSUPP, __access_pages(self->fd, afd, IOVA_BASE, PSZ,
					     NULL, 1 << 3, NULL));
	/* Pages other than the buffer's fail the test driver's check. */
	ASSERT_EQ(EBADE, __access_pages(self->fd, afd, IOVA_BASE, PSZ,
					self->buf + PSZ, 0, NULL));
	ASSERT_EQ(ENOENT, __access_unpin(self->fd, afd, 1000));
	ASSERT_EQ(EBADF, __access_unpin(self->fd, self->fd, 0));
	ASSERT_EQ(0, close(rwafd));
	ASSERT_EQ(0, close(afd));
}

TEST_F(access, unmap_callback)
{
	uint32_t pin_lo, pin_hi;
	uint64_t half = BUF_SIZE / 2;
	int afd, other;

	ioas_map_fixed(self->fd, self->ioas, self->buf, half, IOVA_BASE);
	ioas_map_fixed(self->fd, self->ioas, self->buf + half, half,
		       IOVA_BASE + half);
	afd = access_create(self->fd, self->ioas, PIN);
	/* A second access on the same IOAS is called too, harmlessly. */
	other = access_create(self->fd, self->ioas, PIN);
	pin_lo = access_pages(self->fd, afd, IOVA_BASE, PSZ, self->buf, 0);
	pin_hi = access_pages(self->fd, afd, IOVA_BASE + half, PSZ,
			      self->buf + half, 0);

	/* A refused unmap (crossing an area's edge) calls nobody. */
	ASSERT_EQ(ENOENT, __ioas_unmap(self->fd, self->ioas, IOVA_BASE,
				       PSZ, NULL));
	ioas_unmap(self->fd, self->ioas, IOVA_BASE, half);
	ASSERT_EQ(ENOENT, __access_unpin(self->fd, afd, pin_lo));
	access_unpin(self->fd, afd, pin_hi);

	/* Unmapping everything, and a closed access with pins. */
	pin_hi = access_pages(self->fd, other, IOVA_BASE + half, PSZ, NULL, 0);
	ASSERT_EQ(half, ioas_unmap_all(self->fd, self->ioas));
	ASSERT_EQ(ENOENT, __access_unpin(self->fd, other, pin_hi));
	ASSERT_EQ(0, close(other));
	ASSERT_EQ(0, close(afd));
}

TEST_F(access, destroy)
{
	uint32_t pin;
	int afd;

	ioas_map_fixed(self->fd, self->ioas, self->buf, BUF_SIZE, IOVA_BASE);
	afd = access_create(self->fd, self->ioas, PIN);
	pin = access_pages(self->fd, afd, IOVA_BASE, BUF_SIZE, self->buf, 0);
	(void)pin;

	/* The access holds the IOAS. */
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->ioas));
	/* Closing the access with pages pinned releases them and the IOAS. */
	ASSERT_EQ(0, close(afd));
	iommufd_destroy(self->fd, self->ioas);
	md_check_refs(self->fd, self->buf, BUF_SIZE, 0);
}

TEST_F(access, outlives_iommufd_fd)
{
	int afd;

	ioas_map_fixed(self->fd, self->ioas, self->buf, BUF_SIZE, IOVA_BASE);
	afd = access_create(self->fd, self->ioas, PIN);
	access_pages(self->fd, afd, IOVA_BASE, PSZ, self->buf, 0);
	/* The access keeps the context; closing /dev/iommu first is fine. */
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	ASSERT_EQ(0, close(afd));
}

TEST_F(access, replace_ioas)
{
	uint8_t *other_buf, tmp[32];
	uint32_t pin, ioas2;
	int afd;

	other_buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, other_buf);
	memset(other_buf, 0x3c, BUF_SIZE);
	ioas2 = ioas_alloc(self->fd);
	ioas_map_fixed(self->fd, self->ioas, self->buf, BUF_SIZE, IOVA_BASE);
	ioas_map_fixed(self->fd, ioas2, other_buf, BUF_SIZE, IOVA_BASE);
	afd = access_create(self->fd, self->ioas, PIN);
	pin = access_pages(self->fd, afd, IOVA_BASE, PSZ, self->buf, 0);

	/* Failures change nothing. */
	ASSERT_EQ(ENOENT, __access_replace_ioas(self->fd, afd, 0));
	ASSERT_EQ(EBADF, __access_replace_ioas(self->fd, self->fd, ioas2));
	/* The same IOAS: nothing happens, the pin stays. */
	ASSERT_EQ(0, __access_replace_ioas(self->fd, afd, self->ioas));

	/* Moving calls the unmap callback for the old IOAS. */
	ASSERT_EQ(0, __access_replace_ioas(self->fd, afd, ioas2));
	ASSERT_EQ(ENOENT, __access_unpin(self->fd, afd, pin));
	access_rw(self->fd, afd, IOVA_BASE, tmp, sizeof(tmp), 0);
	ASSERT_EQ(0, memcmp(tmp, other_buf, sizeof(tmp)));
	pin = access_pages(self->fd, afd, IOVA_BASE, PSZ, other_buf, 0);

	/* The old IOAS is free to go; the new one is held. */
	iommufd_destroy(self->fd, self->ioas);
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, ioas2));
	access_unpin(self->fd, afd, pin);
	ASSERT_EQ(0, close(afd));
	iommufd_destroy(self->fd, ioas2);
	munmap(other_buf, BUF_SIZE);
}

TEST_F(access, mock_domain)
{
	uint32_t stdev, hwpt, pin;
	uint8_t tmp[64];
	int afd;

	mock_domain(self->fd, self->ioas, &stdev, &hwpt, NULL);
	ioas_map_fixed(self->fd, self->ioas, self->buf, BUF_SIZE,
		       MOCK_APERTURE_START);
	afd = access_create(self->fd, self->ioas, PIN);
	pin = access_pages(self->fd, afd, MOCK_APERTURE_START + PSZ, PSZ,
			   self->buf + PSZ, MOCK_FLAGS_ACCESS_WRITE);

	/* The device and the access see the same memory. */
	md_check_map(self->fd, hwpt, MOCK_APERTURE_START, self->buf, BUF_SIZE);
	memset(tmp, 0x77, sizeof(tmp));
	access_rw(self->fd, afd, MOCK_APERTURE_START + 5, tmp, sizeof(tmp),
		  MOCK_ACCESS_RW_WRITE);
	ASSERT_EQ(0, memcmp(self->buf + 5, tmp, sizeof(tmp)));

	/* Removing the device leaves the access's pin alone. */
	iommufd_destroy(self->fd, stdev);
	access_unpin(self->fd, afd, pin);
	ASSERT_EQ(0, close(afd));
}

TEST_HARNESS_MAIN
