// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The test commands that drive the access API (access.c) the way an
 * emulated-device driver would: IOMMU_TEST_OP_CREATE_ACCESS hands user
 * space a file descriptor that stands for one such driver instance, and
 * the other operations name it by that descriptor.
 *
 * A test driver keeps a list of the pins it holds, each with an ID user
 * space can unpin by. Its unmap callback unpins every pin overlapping the
 * range, as the contract of struct iommufd_access_ops asks; one lock over
 * pinning and unpinning makes sure no pin is half made while the callback
 * runs.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/iommufd.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "access.h"
#include "ioctl.h"
#include "iommufd_test.h"
#include "selftest.h"

/* Largest range one ACCESS_PAGES or ACCESS_RW may cover. */
#define TEST_ACCESS_MAX_LENGTH SZ_16M
/*
 * ACCESS_RW copies up to this many bytes through a buffer on the stack:
 * the base tree's selftests issue tens of thousands of small copies, and
 * an allocation for each is most of their cost on a debug kernel.
 */
#define TEST_ACCESS_RW_STACK 64

/**
 * struct test_access - a test driver instance, behind a file
 * @file: the file user space holds; its release destroys the access
 * @access: the access, or NULL while being set up
 * @lock: protects @pins and @next_id, and is held over every pin
 * @pins: struct test_access_pin
 * @next_id: ID for the next pin
 */
struct test_access {
	struct file *file;
	struct iommufd_access *access;
	struct mutex lock; /* see above */
	struct list_head pins;
	u32 next_id;
};

/**
 * struct test_access_pin - one successful ACCESS_PAGES
 * @link: in the test access's @pins
 * @iova: first IOVA pinned
 * @length: bytes pinned
 * @id: what user space unpins it by
 */
struct test_access_pin {
	struct list_head link;
	unsigned long iova;
	unsigned long length;
	u32 id;
};

static const struct file_operations test_access_fops;

/* The test access behind file descriptor @fd, with a file reference. */
static struct test_access *test_access_get(int fd)
{
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADF);
	if (file->f_op != &test_access_fops) {
		fput(file);
		return ERR_PTR(-EBADF);
	}
	return file->private_data;
}

static void test_access_put(struct test_access *taccess)
{
	fput(taccess->file);
}

static void test_access_unpin(struct test_access *taccess,
			      struct test_access_pin *pin)
{
	lockdep_assert_held(&taccess->lock);

	iommufd_access_unpin_pages(taccess->access, pin->iova, pin->length);
	list_del(&pin->link);
	kfree(pin);
}

/* The unmap callback: unpin everything overlapping [iova, iova + length). */
static void test_access_unmap(void *data, unsigned long iova,
			      unsigned long length)
{
	unsigned long last = iova + (length - 1);
	struct test_access *taccess = data;
	struct test_access_pin *pin, *next;

	mutex_lock(&taccess->lock);
	list_for_each_entry_safe(pin, next, &taccess->pins, link)
		if (pin->iova <= last && iova <= pin->iova + (pin->length - 1))
			test_access_unpin(taccess, pin);
	mutex_unlock(&taccess->lock);
}

static const struct iommufd_access_ops test_access_ops = {
	.unmap = test_access_unmap,
};

static const struct iommufd_access_ops test_access_pin_ops = {
	.needs_pin_pages = 1,
	.unmap = test_access_unmap,
};

static int test_access_release(struct inode *inode, struct file *file)
{
	struct test_access *taccess = file->private_data;

	if (taccess->access) {
		test_access_unmap(taccess, 0, ULONG_MAX);
		iommufd_access_destroy(taccess->access);
	}
	mutex_destroy(&taccess->lock);
	kfree(taccess);
	return 0;
}

static const struct file_operations test_access_fops = {
	.owner = THIS_MODULE,
	.release = test_access_release,
};

int iommufd_test_create_access(struct iommufd_ucmd *ucmd,
			       struct iommu_test_cmd *cmd)
{
	const struct iommufd_access_ops *ops = &test_access_ops;
	struct iommufd_access *access;
	struct test_access *taccess;
	struct file *file;
	u32 access_id;
	int fd, rc;

	if (cmd->create_access.flags & ~MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;
	if (cmd->create_access.flags & MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		ops = &test_access_pin_ops;

	taccess = kzalloc(sizeof(*taccess), GFP_KERNEL_ACCOUNT);
	if (!taccess)
		return -ENOMEM;
	mutex_init(&taccess->lock);
	INIT_LIST_HEAD(&taccess->pins);

	file = anon_inode_getfile("[iommufd_test_access]", &test_access_fops,
				  taccess, O_RDWR);
	if (IS_ERR(file)) {
		mutex_destroy(&taccess->lock);
		kfree(taccess);
		return PTR_ERR(file);
	}
	/* From here on the file's release frees @taccess. */
	taccess->file = file;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		rc = fd;
		goto err_fput;
	}

	access = iommufd_access_create(ucmd->ictx, ops, taccess, &access_id);
	if (IS_ERR(access)) {
		rc = PTR_ERR(access);
		goto err_put_fd;
	}
	taccess->access = access;
	rc = iommufd_access_attach(access, cmd->id);
	if (rc)
		goto err_put_fd;

	cmd->create_access.out_access_fd = fd;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto err_put_fd;
	fd_install(fd, file);
	return 0;

err_put_fd:
	put_unused_fd(fd);
err_fput:
	/* Destroys the access, if any, through the release. */
	fput(file);
	return rc;
}

int iommufd_test_access_replace_ioas(struct iommufd_ucmd *ucmd,
				     struct iommu_test_cmd *cmd)
{
	struct test_access *taccess;
	int rc;

	taccess = test_access_get(cmd->id);
	if (IS_ERR(taccess))
		return PTR_ERR(taccess);
	rc = iommufd_access_replace(taccess->access,
				    cmd->access_replace_ioas.ioas_id);
	test_access_put(taccess);
	return rc;
}

/* Turn the (area, offset) pair in @*iova, as syzkaller makes it, into an IOVA. */
static int test_access_syz_iova(struct test_access *taccess, u64 *iova,
				unsigned long *out)
{
	u32 nth = lower_32_bits(*iova), offset = upper_32_bits(*iova);
	unsigned long start;
	int rc;

	/* The layout is two u32 in memory order: area first, then offset. */
	if (IS_ENABLED(CONFIG_CPU_BIG_ENDIAN))
		swap(nth, offset);
	rc = iommufd_access_nth_area(taccess->access, nth, &start);
	if (rc)
		return rc;
	*out = start + offset;
	return 0;
}

/* Do the pinned @pages match the pages user space sees at @uptr? */
static int test_access_check_pages(unsigned long uptr, struct page **pages,
				   unsigned long npages)
{
	for (; npages; npages--, pages++, uptr += PAGE_SIZE) {
		struct page *page;
		long n;

		n = get_user_pages_fast(uptr, 1, 0, &page);
		if (n < 0)
			return n;
		if (n != 1)
			return -EFAULT;
		put_page(page);
		if (page != *pages)
			return -EBADE;
	}
	return 0;
}

int iommufd_test_access_pages(struct iommufd_ucmd *ucmd,
			      struct iommu_test_cmd *cmd)
{
	u32 flags = cmd->access_pages.flags;
	unsigned long uptr = cmd->access_pages.uptr;
	unsigned long length, iova, npages;
	struct test_access_pin *pin;
	struct test_access *taccess;
	struct page **pages;
	int rc;

	if (flags & ~(MOCK_FLAGS_ACCESS_WRITE | MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	if (!cmd->access_pages.length ||
	    cmd->access_pages.length > TEST_ACCESS_MAX_LENGTH ||
	    cmd->access_pages.iova >= ULONG_MAX)
		return -EINVAL;
	length = cmd->access_pages.length;
	iova = cmd->access_pages.iova;

	taccess = test_access_get(cmd->id);
	if (IS_ERR(taccess))
		return PTR_ERR(taccess);
	if (taccess->access->ops != &test_access_pin_ops) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}
	if (flags & MOCK_FLAGS_ACCESS_SYZ) {
		rc = test_access_syz_iova(taccess, &cmd->access_pages.iova,
					  &iova);
		if (rc)
			goto out_put;
	}
	if (iova + length - 1 < iova) {
		rc = -EOVERFLOW;
		goto out_put;
	}

	npages = ((iova + length - 1) >> PAGE_SHIFT) - (iova >> PAGE_SHIFT) + 1;
	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages) {
		rc = -ENOMEM;
		goto out_put;
	}
	pin = kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pin) {
		rc = -ENOMEM;
		goto out_free_pages;
	}

	mutex_lock(&taccess->lock);
	rc = iommufd_access_pin_pages(taccess->access, iova, length, pages,
				      (flags & MOCK_FLAGS_ACCESS_WRITE) ?
					      IOMMUFD_ACCESS_RW_WRITE : 0);
	if (rc)
		goto out_unlock;
	/* syzkaller passes no buffer to skip the comparison */
	if (uptr) {
		rc = test_access_check_pages(uptr & PAGE_MASK, pages, npages);
		if (rc)
			goto out_unpin;
	}
	pin->iova = iova;
	pin->length = length;
	pin->id = taccess->next_id++;
	cmd->access_pages.out_access_pages_id = pin->id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_unpin;
	list_add_tail(&pin->link, &taccess->pins);
	pin = NULL;
	goto out_unlock;

out_unpin:
	iommufd_access_unpin_pages(taccess->access, iova, length);
out_unlock:
	mutex_unlock(&taccess->lock);
	kfree(pin);
out_free_pages:
	kvfree(pages);
out_put:
	test_access_put(taccess);
	return rc;
}

int iommufd_test_destroy_access_pages(struct iommufd_ucmd *ucmd,
				      struct iommu_test_cmd *cmd)
{
	u32 id = cmd->destroy_access_pages.access_pages_id;
	struct test_access_pin *pin;
	struct test_access *taccess;
	int rc = -ENOENT;

	taccess = test_access_get(cmd->id);
	if (IS_ERR(taccess))
		return PTR_ERR(taccess);
	mutex_lock(&taccess->lock);
	list_for_each_entry(pin, &taccess->pins, link) {
		if (pin->id == id) {
			test_access_unpin(taccess, pin);
			rc = 0;
			break;
		}
	}
	mutex_unlock(&taccess->lock);
	test_access_put(taccess);
	return rc;
}

int iommufd_test_access_rw(struct iommufd_ucmd *ucmd,
			   struct iommu_test_cmd *cmd)
{
	void __user *ubuf = u64_to_user_ptr(cmd->access_rw.uptr);
	u8 small[TEST_ACCESS_RW_STACK] = {};
	u32 flags = cmd->access_rw.flags;
	unsigned int rw_flags = 0;
	struct test_access *taccess;
	unsigned long iova, length;
	void *tmp;
	int rc;

	if (flags & ~(MOCK_ACCESS_RW_WRITE | MOCK_ACCESS_RW_SLOW_PATH |
		      MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	if (!cmd->access_rw.length ||
	    cmd->access_rw.length > TEST_ACCESS_MAX_LENGTH ||
	    cmd->access_rw.iova >= ULONG_MAX)
		return -EINVAL;
	length = cmd->access_rw.length;
	iova = cmd->access_rw.iova;
	if (flags & MOCK_ACCESS_RW_WRITE)
		rw_flags |= IOMMUFD_ACCESS_RW_WRITE;
	if (flags & MOCK_ACCESS_RW_SLOW_PATH)
		rw_flags |= __IOMMUFD_ACCESS_RW_SLOW_PATH;

	taccess = test_access_get(cmd->id);
	if (IS_ERR(taccess))
		return PTR_ERR(taccess);
	if (flags & MOCK_FLAGS_ACCESS_SYZ) {
		rc = test_access_syz_iova(taccess, &cmd->access_rw.iova, &iova);
		if (rc)
			goto out_put;
	}

	tmp = small;
	if (length > sizeof(small)) {
		tmp = kvzalloc(length, GFP_KERNEL_ACCOUNT);
		if (!tmp) {
			rc = -ENOMEM;
			goto out_put;
		}
	}
	if ((flags & MOCK_ACCESS_RW_WRITE) && copy_from_user(tmp, ubuf, length)) {
		rc = -EFAULT;
		goto out_free;
	}
	rc = iommufd_access_rw(taccess->access, iova, tmp, length, rw_flags);
	if (!rc && !(flags & MOCK_ACCESS_RW_WRITE) &&
	    copy_to_user(ubuf, tmp, length))
		rc = -EFAULT;
out_free:
	if (tmp != small)
		kvfree(tmp);
out_put:
	test_access_put(taccess);
	return rc;
}
