// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * IOMMU_TEST_CMD (CONFIG_IOMMUFD_TEST): the test-only command through
 * which selftests create mock devices and look inside mock translation
 * tables. Its ABI is iommufd_test.h, compatible with the command of the
 * same number that the base tree's selftests use.
 *
 * A mock device is created by IOMMU_TEST_OP_MOCK_DOMAIN as a "selftest"
 * object that owns the device, its binding and its attachment, exactly as
 * VFIO would own them for a real device. Destroying the object detaches,
 * unbinds and removes the device.
 */
#include <linux/bitmap.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "backend.h"
#include "device.h"
#include "hwpt.h"
#include "ioas.h"
#include "ioctl.h"
#include "iommufd_test.h"
#include "mock.h"
#include "selftest.h"

/**
 * struct iommufd_selftest - a mock device owned by a context
 * @obj: object header
 * @dev: the mock device
 * @idev: its binding to the context
 * @attached: @idev is attached to a page table
 */
struct iommufd_selftest {
	struct iommufd_object obj;
	struct device *dev;
	struct iommufd_device *idev;
	bool attached;
};

void iommufd_selftest_destroy(struct iommufd_object *obj)
{
	struct iommufd_selftest *sobj =
		container_of(obj, struct iommufd_selftest, obj);

	if (sobj->attached)
		iommufd_device_detach(sobj->idev);
	if (sobj->idev)
		iommufd_device_unbind(sobj->idev);
	if (sobj->dev)
		iommufd_mock_dev_destroy(sobj->dev);
}

static int test_add_reserved(struct iommufd_ucmd *ucmd,
			     struct iommu_test_cmd *cmd)
{
	struct iommufd_object *obj;
	unsigned long last;
	int rc;

	if (!cmd->add_reserved.length ||
	    check_add_overflow(cmd->add_reserved.start,
			       cmd->add_reserved.length - 1, &last))
		return -EINVAL;

	obj = iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_IOAS);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	/* Nothing releases these ranges: they go with the IOAS. */
	rc = iopt_reserve(&container_of(obj, struct iommufd_ioas, obj)->iopt,
			  cmd->add_reserved.start, last, NULL);
	iommufd_put_object(ucmd->ictx, obj);
	return rc;
}

/* Check the invariants of IOAS @id, or of every IOAS if @id is 0. */
static int test_ioas_validate(struct iommufd_ucmd *ucmd,
			      struct iommu_test_cmd *cmd)
{
	struct iommufd_object *obj;
	unsigned long index;
	void *entry;
	int rc = 0;

	if (cmd->id) {
		obj = iommufd_get_object(ucmd->ictx, cmd->id,
					 IOMMUFD_OBJ_IOAS);
		if (IS_ERR(obj))
			return PTR_ERR(obj);
		rc = iopt_validate(&container_of(obj, struct iommufd_ioas,
						 obj)->iopt);
		iommufd_put_object(ucmd->ictx, obj);
		return rc;
	}
	/* Objects of other types, or going away, are skipped. */
	xa_for_each(&ucmd->ictx->objects, index, entry) {
		obj = iommufd_get_object(ucmd->ictx, index, IOMMUFD_OBJ_IOAS);
		if (IS_ERR(obj))
			continue;
		rc = iopt_validate(&container_of(obj, struct iommufd_ioas,
						 obj)->iopt);
		iommufd_put_object(ucmd->ictx, obj);
		if (rc)
			break;
	}
	return rc;
}

static int test_mock_domain(struct iommufd_ucmd *ucmd,
			    struct iommu_test_cmd *cmd, u32 dev_flags)
{
	struct iommufd_selftest *sobj;
	u32 pt_id = cmd->id, idev_id;
	struct device *dev;
	int rc;

	sobj = iommufd_object_alloc(ucmd->ictx, struct iommufd_selftest,
				    IOMMUFD_OBJ_SELFTEST);
	if (IS_ERR(sobj))
		return PTR_ERR(sobj);

	dev = iommufd_mock_dev_create(dev_flags);
	if (IS_ERR(dev)) {
		rc = PTR_ERR(dev);
		goto err_abort;
	}
	sobj->dev = dev;

	sobj->idev = __iommufd_device_bind(ucmd->ictx, dev, &idev_id, false);
	if (IS_ERR(sobj->idev)) {
		rc = PTR_ERR(sobj->idev);
		sobj->idev = NULL;
		goto err_abort;
	}

	rc = iommufd_device_attach(sobj->idev, &pt_id);
	if (rc)
		goto err_abort;
	sobj->attached = true;

	/* Both layouts start with the same three output IDs. */
	cmd->mock_domain.out_stdev_id = sobj->obj.id;
	cmd->mock_domain.out_hwpt_id = pt_id;
	cmd->mock_domain.out_idev_id = idev_id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto err_abort;
	iommufd_object_publish(ucmd->ictx, &sobj->obj);
	return 0;

err_abort:
	iommufd_object_abort(ucmd->ictx, &sobj->obj);
	return rc;
}

static int test_mock_domain_replace(struct iommufd_ucmd *ucmd,
				    struct iommu_test_cmd *cmd)
{
	u32 pt_id = cmd->mock_domain_replace.pt_id;
	struct iommufd_selftest *sobj;
	struct iommufd_object *obj;
	int rc;

	obj = iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_SELFTEST);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	sobj = container_of(obj, struct iommufd_selftest, obj);

	/*
	 * Make sure the reply can be written before anything changes, so
	 * that a bad buffer fails the command without effect.
	 */
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (!rc)
		rc = iommufd_device_replace(sobj->idev, &pt_id);
	if (!rc) {
		cmd->mock_domain_replace.pt_id = pt_id;
		rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	}
	iommufd_put_object(ucmd->ictx, obj);
	return rc;
}

/* The physical address user space sees at @uptr, from its page tables. */
static int test_user_paddr(unsigned long uptr, phys_addr_t *paddr)
{
	struct page *page;
	long n;

	n = get_user_pages_fast(uptr & PAGE_MASK, 1, 0, &page);
	if (n < 0)
		return n;
	if (n != 1)
		return -EFAULT;
	*paddr = page_to_phys(page) + offset_in_page(uptr);
	put_page(page);
	return 0;
}

/* Where DMA to @iova through @obj, a mock table or device, goes. */
static int test_translate(struct iommufd_ctx *ictx, struct iommufd_object *obj,
			  unsigned long iova, phys_addr_t *paddr)
{
	struct iommufd_device *idev;
	int rc;

	if (obj->type == IOMMUFD_OBJ_HWPT_PAGING)
		return iommufd_mock_translate(container_of(obj,
							   struct iommufd_hwpt,
							   obj)->domain,
					      iova, paddr);
	idev = container_of(obj, struct iommufd_device, obj);
	if (idev->hwdev->ops != &iommufd_mock_backend)
		return -EINVAL;
	/* Its tables and their windows change under the lock. */
	mutex_lock(&ictx->attach_lock);
	rc = iommufd_mock_dev_translate(idev->hwdev->dev, iova, paddr);
	mutex_unlock(&ictx->attach_lock);
	return rc;
}

/*
 * Check that every IO page of [iova, iova + length) maps the memory at the
 * same offset of the user buffer, in mock table @id, or (an extension) for
 * DMA of mock device @id, through whichever of its tables takes it.
 */
static int test_md_check_map(struct iommufd_ucmd *ucmd,
			     struct iommu_test_cmd *cmd)
{
	unsigned long iova = cmd->check_map.iova;
	unsigned long uptr = cmd->check_map.uptr;
	unsigned long left = cmd->check_map.length;
	struct iommufd_object *obj;
	phys_addr_t want, got;
	unsigned long end;
	int rc = 0;

	if ((iova | uptr | left) & (MOCK_IO_PAGE_SIZE - 1) ||
	    check_add_overflow(uptr, left, &end))
		return -EINVAL;

	obj = iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	if (obj->type != IOMMUFD_OBJ_HWPT_PAGING &&
	    obj->type != IOMMUFD_OBJ_DEVICE) {
		rc = -ENOENT;
		goto out_put;
	}

	for (; left && !rc; left -= MOCK_IO_PAGE_SIZE) {
		rc = test_user_paddr(uptr, &want);
		if (rc)
			break;
		if (test_translate(ucmd->ictx, obj, iova, &got) || got != want)
			rc = -EINVAL;
		iova += MOCK_IO_PAGE_SIZE;
		uptr += MOCK_IO_PAGE_SIZE;
	}
out_put:
	iommufd_put_object(ucmd->ictx, obj);
	return rc;
}

/* Bits of the user's bitmap read at a time by test_dirty(). */
#define TEST_DIRTY_CHUNK 512

/*
 * Play a device writing through mock table @id: mark dirty the IOVA of
 * each set bit of the user's bitmap, bit N standing for the page_size
 * block N blocks after iova. Report how many were mapped and marked.
 */
static int test_dirty(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	unsigned long page_size = cmd->dirty.page_size;
	unsigned long iova = cmd->dirty.iova, last, nbits, i, bit;
	u64 __user *uptr = u64_to_user_ptr(cmd->dirty.uptr);
	DECLARE_BITMAP(chunk, TEST_DIRTY_CHUNK);
	struct iommufd_object *obj;
	struct iommufd_hwpt *hwpt;
	u64 marked = 0;
	int rc = 0;

	if (cmd->dirty.flags || !is_power_of_2(page_size) ||
	    !cmd->dirty.length || (cmd->dirty.length & (page_size - 1)) ||
	    (iova & (page_size - 1)) ||
	    check_add_overflow(iova, cmd->dirty.length - 1, &last))
		return -EINVAL;
	nbits = cmd->dirty.length / page_size;

	obj = iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_HWPT_PAGING);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	hwpt = container_of(obj, struct iommufd_hwpt, obj);

	for (i = 0; i < nbits && rc >= 0; i += TEST_DIRTY_CHUNK) {
		unsigned long n = min(nbits - i, TEST_DIRTY_CHUNK);

		bitmap_zero(chunk, TEST_DIRTY_CHUNK);
		if (copy_from_user(chunk, uptr + i / 64,
				   DIV_ROUND_UP(n, 64) * sizeof(u64))) {
			rc = -EFAULT;
			break;
		}
		for_each_set_bit(bit, chunk, n) {
			rc = iommufd_mock_mark_dirty(hwpt->domain,
						     iova + (i + bit) * page_size);
			if (rc < 0)
				break;
			marked += rc;
		}
	}
	if (rc >= 0) {
		cmd->dirty.out_nr_dirty = marked;
		rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	}
	iommufd_put_object(ucmd->ictx, obj);
	return rc;
}

/*
 * Check that every page of a user buffer is pinned exactly @refs times,
 * as the pin counter of struct page sees it. Pages of a compound page are
 * skipped: their pins are counted elsewhere.
 */
/*
 * The cost of pinning alone: one long-term writable pin_user_pages_fast()
 * of the range into an array, then unpin_user_pages(), each timed. No
 * charge, no bookkeeping, nothing left behind.
 */
static int test_pin_timing(struct iommufd_ucmd *ucmd,
			   struct iommu_test_cmd *cmd)
{
	unsigned long uptr = cmd->pin_timing.uptr;
	unsigned long len = cmd->pin_timing.length;
	unsigned long npages = len >> PAGE_SHIFT;
	struct page **pages;
	u64 t0, t1, t2;
	long got;

	if (!len || (uptr | len) & ~PAGE_MASK || len > SZ_1G)
		return -EINVAL;
	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return -ENOMEM;
	t0 = ktime_get_ns();
	got = pin_user_pages_fast(uptr, npages, FOLL_LONGTERM | FOLL_WRITE,
				  pages);
	t1 = ktime_get_ns();
	if (got > 0)
		unpin_user_pages(pages, got);
	t2 = ktime_get_ns();
	kvfree(pages);
	if (got != (long)npages)
		return got < 0 ? got : -EFAULT;
	cmd->pin_timing.out_pin_ns = t1 - t0;
	cmd->pin_timing.out_unpin_ns = t2 - t1;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

static int test_md_check_refs(struct iommu_test_cmd *cmd)
{
	unsigned long uptr = cmd->check_refs.uptr;
	unsigned long left = cmd->check_refs.length;
	unsigned long end;

	if ((uptr | left) & ~PAGE_MASK ||
	    check_add_overflow(uptr, left, &end))
		return -EINVAL;

	for (; left; left -= PAGE_SIZE, uptr += PAGE_SIZE) {
		unsigned int pins = 0;
		struct page *page;
		bool compound;
		long n;

		n = get_user_pages_fast(uptr, 1, 0, &page);
		if (n < 0)
			return n;
		if (n != 1)
			return -EFAULT;
		compound = PageCompound(page);
		if (!compound)
			pins = page_ref_count(page) / GUP_PIN_COUNTING_BIAS;
		put_page(page);
		if (!compound && pins != cmd->check_refs.refs)
			return -EIO;
	}
	return 0;
}

/* Does slot check_iotlb.id of nested table @id hold check_iotlb.iotlb? */
static int test_md_check_iotlb(struct iommufd_ucmd *ucmd,
			       struct iommu_test_cmd *cmd)
{
	struct iommufd_object *obj;
	int rc;

	obj = iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_HWPT_NESTED);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	rc = iommufd_mock_check_iotlb(container_of(obj, struct iommufd_hwpt,
						   obj)->domain,
				      cmd->check_iotlb.id,
				      cmd->check_iotlb.iotlb);
	iommufd_put_object(ucmd->ictx, obj);
	return rc;
}

/*
 * Mock device dev_id raises an I/O page fault, closing its group with
 * @last; 0 even if nobody hears it.
 */
static int test_trigger_iopf(struct iommufd_ucmd *ucmd,
			     struct iommu_test_cmd *cmd, bool last)
{
	struct iommufd_device *idev;
	struct iommufd_object *obj;
	int rc = -EINVAL;

	obj = iommufd_get_object(ucmd->ictx, cmd->trigger_iopf.dev_id,
				 IOMMUFD_OBJ_DEVICE);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	idev = container_of(obj, struct iommufd_device, obj);
	if (idev->hwdev->ops == &iommufd_mock_backend) {
		/* What the device is attached to changes under the lock. */
		mutex_lock(&ucmd->ictx->attach_lock);
		rc = iommufd_mock_trigger_iopf(idev->hwdev->dev,
					       cmd->trigger_iopf.pasid,
					       cmd->trigger_iopf.grpid,
					       cmd->trigger_iopf.perm,
					       cmd->trigger_iopf.addr, last);
		mutex_unlock(&ucmd->ictx->attach_lock);
	}
	iommufd_put_object(ucmd->ictx, obj);
	return rc;
}

/**
 * iommufd_test_cmd() - IOMMU_TEST_CMD
 * @ucmd: the command; ucmd->cmd is a struct iommu_test_cmd
 *
 * Return: 0, -EOPNOTSUPP for an operation not implemented, or the
 * operation's error.
 */
int iommufd_test_cmd(struct iommufd_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	switch (cmd->op) {
	case IOMMU_TEST_OP_ADD_RESERVED:
		return test_add_reserved(ucmd, cmd);
	case IOMMU_TEST_OP_MOCK_DOMAIN:
		return test_mock_domain(ucmd, cmd, 0);
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		return test_mock_domain(ucmd, cmd,
					cmd->mock_domain_flags.dev_flags);
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
		return test_mock_domain_replace(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		return test_md_check_map(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		return test_md_check_refs(cmd);
	case IOMMU_TEST_OP_CREATE_ACCESS:
		return iommufd_test_create_access(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
		return iommufd_test_access_replace_ioas(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_PAGES:
		return iommufd_test_access_pages(ucmd, cmd);
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
		return iommufd_test_destroy_access_pages(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_RW:
		return iommufd_test_access_rw(ucmd, cmd);
	case IOMMU_TEST_OP_DIRTY:
		return test_dirty(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_IOTLB:
		return test_md_check_iotlb(ucmd, cmd);
	case IOMMU_TEST_OP_TRIGGER_IOPF:
		return test_trigger_iopf(ucmd, cmd, true);
	case IOMMU_TEST_OP_TRIGGER_IOPF_PARTIAL:
		return test_trigger_iopf(ucmd, cmd, false);
	case IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		/* No path of ours depends on a temporary buffer's size. */
		return 0;
	case IOMMU_TEST_OP_IOAS_VALIDATE:
		return test_ioas_validate(ucmd, cmd);
	case IOMMU_TEST_OP_PIN_TIMING:
		return test_pin_timing(ucmd, cmd);
	default:
		return -EOPNOTSUPP;
	}
}

int iommufd_test_init(void)
{
	return iommufd_mock_init();
}

void iommufd_test_exit(void)
{
	iommufd_mock_exit();
}
