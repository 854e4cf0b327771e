// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The object table and the ioctl ABI rules of /dev/iommu: opening and
 * closing, IOAS allocation and destruction, and how malformed commands are
 * refused without changing anything.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"

/*
 * IDs come from the lowest free slot, so the ID the next allocation gets
 * tells whether a failed command left an object (or a reserved ID) behind.
 */
static uint32_t peek_next_id(struct __test_metadata *_metadata, int fd)
{
	uint32_t id = ioas_alloc(fd);

	iommufd_destroy(fd, id);
	return id;
}

TEST(open_close)
{
	int fd1, fd2;

	fd1 = iommufd_open();
	ASSERT_LE(0, fd1);
	fd2 = iommufd_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, close(fd1));
	ASSERT_EQ(0, close(fd2));
}

FIXTURE(iommufd) {
	int fd;
};

FIXTURE_SETUP(iommufd)
{
	self->fd = iommufd_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(iommufd)
{
	close(self->fd);
}

TEST_F(iommufd, ioas_alloc_destroy)
{
	uint32_t ids[3];
	unsigned int i, j;

	for (i = 0; i != ARRAY_SIZE(ids); i++) {
		ids[i] = ioas_alloc(self->fd);
		for (j = 0; j != i; j++)
			ASSERT_NE(ids[j], ids[i]);
	}
	for (i = 0; i != ARRAY_SIZE(ids); i++)
		iommufd_destroy(self->fd, ids[i]);
	for (i = 0; i != ARRAY_SIZE(ids); i++)
		ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, ids[i]));
}

TEST_F(iommufd, destroy_missing_id)
{
	uint32_t id;

	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, 0));
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, 1));
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, UINT32_MAX));

	id = ioas_alloc(self->fd);
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, id + 1));
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, 0));
	/* The failed attempts did not touch the real object. */
	iommufd_destroy(self->fd, id);
}

TEST_F(iommufd, destroy_twice)
{
	uint32_t id = ioas_alloc(self->fd);

	iommufd_destroy(self->fd, id);
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, id));
}

TEST_F(iommufd, ids_are_per_file)
{
	uint32_t id = ioas_alloc(self->fd);
	int other = iommufd_open();

	ASSERT_LE(0, other);
	ASSERT_EQ(ENOENT, __iommufd_destroy(other, id));
	ASSERT_EQ(id, peek_next_id(_metadata, other));
	close(other);
	iommufd_destroy(self->fd, id);
}

TEST_F(iommufd, ids_are_reused_lowest_first)
{
	uint32_t a = ioas_alloc(self->fd);
	uint32_t b = ioas_alloc(self->fd);

	ASSERT_NE(a, b);
	iommufd_destroy(self->fd, a);
	ASSERT_EQ(a, peek_next_id(_metadata, self->fd));
	iommufd_destroy(self->fd, b);
}

/* A size below the command's first ABI revision is -EINVAL. */
TEST_F(iommufd, size_too_small)
{
	struct iommu_ioas_alloc alloc = {};
	struct iommu_destroy destroy = {};
	uint32_t next = peek_next_id(_metadata, self->fd);

	alloc.size = 0;
	ASSERT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_IOAS_ALLOC, &alloc));
	alloc.size = offsetof(struct iommu_ioas_alloc, out_ioas_id);
	ASSERT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_IOAS_ALLOC, &alloc));
	alloc.size = sizeof(alloc) - 1;
	ASSERT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_IOAS_ALLOC, &alloc));
	ASSERT_EQ(0, alloc.out_ioas_id);

	destroy.size = sizeof(destroy) - 1;
	destroy.id = next;
	ASSERT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_DESTROY, &destroy));

	ASSERT_EQ(next, peek_next_id(_metadata, self->fd));
}

/* A larger structure is accepted if everything past the known part is 0. */
TEST_F(iommufd, size_larger_zero_tail)
{
	struct {
		struct iommu_ioas_alloc cmd;
		uint64_t tail[4];
	} big = { .cmd = { .size = sizeof(big) } };

	ASSERT_EQ(0, iommufd_ioctl(self->fd, IOMMU_IOAS_ALLOC, &big));
	ASSERT_NE(0, big.cmd.out_ioas_id);
	/* The kernel writes back only what it knows. */
	ASSERT_EQ(0, big.tail[0]);
	iommufd_destroy(self->fd, big.cmd.out_ioas_id);
}

/* ... and refused with E2BIG, changing nothing, if any of it is not. */
TEST_F(iommufd, size_larger_nonzero_tail)
{
	struct {
		struct iommu_ioas_alloc cmd;
		uint8_t tail[16];
	} big;
	uint32_t next = peek_next_id(_metadata, self->fd);
	unsigned int i;

	for (i = 0; i != sizeof(big.tail); i++) {
		memset(&big, 0, sizeof(big));
		big.cmd.size = sizeof(big);
		big.tail[i] = 1;
		ASSERT_EQ(E2BIG, iommufd_ioctl(self->fd, IOMMU_IOAS_ALLOC,
					       &big));
		ASSERT_EQ(0, big.cmd.out_ioas_id);
	}
	ASSERT_EQ(next, peek_next_id(_metadata, self->fd));
}

TEST_F(iommufd, unknown_flags)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	uint32_t next = peek_next_id(_metadata, self->fd);
	unsigned int bit;

	for (bit = 0; bit != 32; bit++) {
		/* The one flag there is; iommufd_window tests it. */
		if ((1U << bit) == IOMMU_IOAS_ALLOC_WINDOWED)
			continue;
		cmd.flags = 1U << bit;
		ASSERT_EQ(EOPNOTSUPP,
			  iommufd_ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
		ASSERT_EQ(0, cmd.out_ioas_id);
	}
	ASSERT_EQ(next, peek_next_id(_metadata, self->fd));
}

/*
 * IOMMU_HWPT_INVALIDATE: upstream's argument checks, then ENOENT, as for
 * any page table that is not nested; entry_num always comes back 0.
 */
TEST_F(iommufd, hwpt_invalidate_without_nesting)
{
	uint8_t entries[2][32] = {};
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd),
		.hwpt_id = ioas_alloc(self->fd),
		.data_uptr = (uintptr_t)entries,
		.entry_len = sizeof(entries[0]),
		.entry_num = 2,
	};

	ASSERT_EQ(ENOENT, iommufd_ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &cmd));
	ASSERT_EQ(0, cmd.entry_num);

	cmd.entry_num = 2;
	cmd.__reserved = 1;
	ASSERT_EQ(EOPNOTSUPP,
		  iommufd_ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &cmd));
	ASSERT_EQ(0, cmd.entry_num);
	cmd.__reserved = 0;

	cmd.entry_num = 2;
	cmd.data_uptr = 0;
	ASSERT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &cmd));
	ASSERT_EQ(0, cmd.entry_num);
	cmd.data_uptr = (uintptr_t)entries;

	cmd.entry_num = 2;
	cmd.entry_len = getpagesize() + 1;
	ASSERT_EQ(EINVAL, iommufd_ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &cmd));

	/* No entries: the arguments are not looked at. */
	cmd.entry_num = 0;
	cmd.entry_len = 0;
	cmd.data_uptr = 0;
	ASSERT_EQ(ENOENT, iommufd_ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &cmd));
}

TEST_F(iommufd, unknown_ioctl)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd) };
	uint32_t id = ioas_alloc(self->fd);

	cmd.id = id;
	/* Numbers nobody defines, in and beyond iommufd's range. */
	ASSERT_EQ(ENOTTY, iommufd_ioctl(self->fd, _IO(IOMMUFD_TYPE, 0x9f),
					&cmd));
	ASSERT_EQ(ENOTTY, iommufd_ioctl(self->fd, _IO(IOMMUFD_TYPE, 0xff),
					&cmd));
	/* The right number with the wrong type letter or direction bits. */
	ASSERT_EQ(ENOTTY, iommufd_ioctl(self->fd, _IO('x', IOMMUFD_CMD_DESTROY),
					&cmd));
	ASSERT_EQ(ENOTTY,
		  iommufd_ioctl(self->fd,
				_IOW(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY,
				     struct iommu_destroy), &cmd));
	/* None of them destroyed the object. */
	iommufd_destroy(self->fd, id);
}

TEST_F(iommufd, bad_user_pointer)
{
	void *unmapped;

	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);

	ASSERT_EQ(EFAULT, iommufd_ioctl(self->fd, IOMMU_IOAS_ALLOC, NULL));
	ASSERT_EQ(EFAULT, iommufd_ioctl(self->fd, IOMMU_IOAS_ALLOC, unmapped));
	ASSERT_EQ(EFAULT, iommufd_ioctl(self->fd, IOMMU_DESTROY, unmapped));
	ASSERT_EQ(0, munmap(unmapped, 4096));
}

/*
 * IOAS_ALLOC can fail after creating the object, when writing the ID back
 * to a read-only structure. The object must not survive that.
 */
TEST_F(iommufd, alloc_reply_fault_leaves_nothing)
{
	struct iommu_ioas_alloc *cmd;
	uint32_t next = peek_next_id(_metadata, self->fd);

	cmd = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cmd);
	cmd->size = sizeof(*cmd);
	ASSERT_EQ(0, mprotect(cmd, 4096, PROT_READ));

	ASSERT_EQ(EFAULT, iommufd_ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	ASSERT_EQ(ENOENT, __iommufd_destroy(self->fd, next));
	ASSERT_EQ(next, peek_next_id(_metadata, self->fd));
	ASSERT_EQ(0, munmap(cmd, 4096));
}

TEST_F(iommufd, many_objects)
{
	enum { N = 2000 };
	uint32_t *ids = calloc(N, sizeof(*ids));
	int i;

	ASSERT_NE(NULL, ids);
	for (i = 0; i != N; i++)
		ids[i] = ioas_alloc(self->fd);
	for (i = N - 1; i >= 0; i--)
		iommufd_destroy(self->fd, ids[i]);
	free(ids);
}

/* Closing the file destroys whatever is left; kmemleak checks the rest. */
TEST(close_with_live_objects)
{
	int fd = iommufd_open();
	int i;

	ASSERT_LE(0, fd);
	for (i = 0; i != 100; i++)
		ioas_alloc(fd);
	ASSERT_EQ(0, close(fd));

	fd = iommufd_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, ioas_alloc(fd));
	ASSERT_EQ(0, close(fd));
}

/*
 * The mock IOMMU registers with the kernel when CONFIG_IOMMUFD_TEST is set.
 * The test machines set IOMMUFD_EXPECT_MOCK=1, so its absence is a failure
 * there rather than a skip.
 */
TEST(mock_iommu_registered)
{
	const char *expect = getenv("IOMMUFD_EXPECT_MOCK");

	if (access(IOMMUFD_MOCK_SYSFS, F_OK)) {
		if (!expect || strcmp(expect, "1"))
			SKIP(return, "kernel built without CONFIG_IOMMUFD_TEST");
		ASSERT_EQ(0, access(IOMMUFD_MOCK_SYSFS, F_OK));
	}
}

TEST_HARNESS_MAIN
