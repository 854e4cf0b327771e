// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Nested tables of the mock backend: a first stage user space describes
 * with IOMMU_HWPT_DATA_SELFTEST, on a mock paging table as the second
 * stage.
 *
 * The mock's first stage adds a fixed offset, given at allocation (0 by
 * default), to every address, and the parent translates the result: DMA
 * of a device attached to a nested table lands where its parent maps
 * IOVA + offset, so a test sees both stages at work. The first stage also
 * models its cache. Each nested table has a small
 * IOTLB of MOCK_NESTED_DOMAIN_IOTLB_NUM slots, all set to the value the
 * allocation data gives, and the invalidation requests of
 * IOMMU_HWPT_INVALIDATE_DATA_SELFTEST reset one slot or all of them to 0.
 * The test command reads a slot back (IOMMU_TEST_OP_MD_CHECK_IOTLB), so a
 * test sees exactly which requests reached the hardware.
 *
 * A mock device attached to a nested table with a fault queue raises I/O
 * page faults when the test command says so (IOMMU_TEST_OP_TRIGGER_IOPF):
 * a group of the requests the device kept for it
 * (IOMMU_TEST_OP_TRIGGER_IOPF_PARTIAL) and the one that closes it, and
 * mock_fault_respond() takes the answer.
 */
#include <linux/iommu.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "backend.h"
#include "iommufd_test.h"
#include "mock.h"

/**
 * struct mock_nested - a mock nested table
 * @base: what the core sees; @base.nested is set
 * @parent: the mock paging table that is the second stage
 * @s1_offset: what the first stage adds to an address
 * @iotlb: the cache; each slot read and written whole, without a lock
 */
struct mock_nested {
	struct iommufd_domain base;
	struct iommufd_domain *parent;
	u64 s1_offset;
	u32 iotlb[MOCK_NESTED_DOMAIN_IOTLB_NUM];
};

static struct mock_nested *to_mock_nested(struct iommufd_domain *domain)
{
	return container_of(domain, struct mock_nested, base);
}

static bool mock_is_nested(struct iommufd_domain *domain)
{
	return domain->ops == &iommufd_mock_backend && domain->nested;
}

/**
 * mock_nested_alloc() - the mock's ->domain_alloc_nested()
 * @hwdev: a mock device
 * @parent: a table made with IOMMU_HWPT_ALLOC_NEST_PARENT for a mock device
 * @flags: IOMMU_HWPT_ALLOC_* flags; the mock takes none
 * @user_data: struct iommu_hwpt_selftest
 *
 * Return: the table, or ERR_PTR(-EOPNOTSUPP) for a flag or a data type
 * other than IOMMU_HWPT_DATA_SELFTEST, ERR_PTR(-EINVAL) for a parent that
 * is not a mock paging table, data of a wrong length, a reserved field
 * that is not 0 or an offset that is not a multiple of the IO page size,
 * ERR_PTR(-EFAULT) for data that cannot be read.
 */
struct iommufd_domain *mock_nested_alloc(struct iommufd_hwdev *hwdev,
					 struct iommufd_domain *parent,
					 u32 flags,
					 const struct iommu_user_data *user_data)
{
	struct iommu_hwpt_selftest data;
	struct mock_nested *nested;
	unsigned int i;
	int rc;

	if (flags || user_data->type != IOMMU_HWPT_DATA_SELFTEST)
		return ERR_PTR(-EOPNOTSUPP);
	if (parent->ops != &iommufd_mock_backend || parent->nested)
		return ERR_PTR(-EINVAL);
	rc = iommu_copy_struct_from_user(&data, user_data,
					 IOMMU_HWPT_DATA_SELFTEST, iotlb);
	if (rc)
		return ERR_PTR(rc);
	if (data.__reserved || !IS_ALIGNED(data.s1_offset, MOCK_IO_PAGE_SIZE))
		return ERR_PTR(-EINVAL);

	nested = kzalloc(sizeof(*nested), GFP_KERNEL_ACCOUNT);
	if (!nested)
		return ERR_PTR(-ENOMEM);
	nested->base.ops = &iommufd_mock_backend;
	nested->base.nested = true;
	nested->base.pgsize_bitmap = parent->pgsize_bitmap;
	nested->base.aperture_start = parent->aperture_start;
	nested->base.aperture_last = parent->aperture_last;
	INIT_LIST_HEAD(&nested->base.iopt_link);
	nested->parent = parent;
	nested->s1_offset = data.s1_offset;
	for (i = 0; i != MOCK_NESTED_DOMAIN_IOTLB_NUM; i++)
		nested->iotlb[i] = data.iotlb;
	return &nested->base;
}

void mock_nested_free(struct iommufd_domain *domain)
{
	kfree(to_mock_nested(domain));
}

/* The second stage of the mock nested table @domain. */
struct iommufd_domain *mock_nested_parent(struct iommufd_domain *domain)
{
	return to_mock_nested(domain)->parent;
}

/* The first stage of the mock nested table @domain: where @iova goes. */
unsigned long mock_nested_stage1(struct iommufd_domain *domain,
				 unsigned long iova)
{
	return iova + to_mock_nested(domain)->s1_offset;
}

/* Carry out one request; the slot is checked even when all are reset. */
static int mock_nested_invalidate_one(struct mock_nested *nested,
				      const struct iommu_hwpt_invalidate_selftest *inv)
{
	unsigned int i;

	if (inv->flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL)
		return -EOPNOTSUPP;
	if (inv->iotlb_id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX)
		return -EINVAL;
	for (i = 0; i != MOCK_NESTED_DOMAIN_IOTLB_NUM; i++)
		if (i == inv->iotlb_id ||
		    (inv->flags & IOMMU_TEST_INVALIDATE_FLAG_ALL))
			WRITE_ONCE(nested->iotlb[i], 0);
	return 0;
}

/**
 * mock_nested_invalidate() - the mock's ->cache_invalidate()
 * @domain: a mock nested table
 * @array: requests of type IOMMU_HWPT_INVALIDATE_DATA_SELFTEST
 *
 * Return: 0, or -EINVAL for another type (none carried out), and for a
 * request of a wrong length or a slot beyond the IOTLB, -EOPNOTSUPP for a
 * request with an unknown flag, -EFAULT for one that cannot be read.
 */
int mock_nested_invalidate(struct iommufd_domain *domain,
			   struct iommu_user_data_array *array)
{
	struct mock_nested *nested = to_mock_nested(domain);
	struct iommu_hwpt_invalidate_selftest inv;
	u32 done;
	int rc = 0;

	if (array->type != IOMMU_HWPT_INVALIDATE_DATA_SELFTEST) {
		array->entry_num = 0;
		return -EINVAL;
	}
	for (done = 0; done != array->entry_num; done++) {
		rc = iommu_copy_struct_from_user_array(&inv, array,
						       IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
						       done, iotlb_id);
		if (!rc)
			rc = mock_nested_invalidate_one(nested, &inv);
		if (rc)
			break;
	}
	array->entry_num = done;
	return rc;
}

/**
 * iommufd_mock_check_iotlb() - compare a slot of a nested table's IOTLB
 * @domain: a table of any backend
 * @slot: which slot
 * @want: the value it should hold
 *
 * Return: 0 if it does, -EINVAL if it does not, if @slot is beyond the
 * IOTLB or if @domain is not a mock nested table.
 */
int iommufd_mock_check_iotlb(struct iommufd_domain *domain, u32 slot,
			     u32 want)
{
	if (!mock_is_nested(domain) || slot > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX)
		return -EINVAL;
	return READ_ONCE(to_mock_nested(domain)->iotlb[slot]) == want ?
	       0 : -EINVAL;
}

/**
 * mock_fault_raise() - a mock device faults on the nested table @domain
 * @hwdev: the device, attached to @domain
 * @domain: a mock nested table with a fault queue
 * @reqs: the page requests of one group, in order; the last one gets the
 *        LAST_PAGE flag, the others lose it
 * @nr: how many, at least one
 *
 * Return: 0, or -ENOMEM.
 */
int mock_fault_raise(struct iommufd_hwdev *hwdev, struct iommufd_domain *domain,
		     const struct iommu_fault_page_request *reqs, u32 nr)
{
	struct iommufd_fault_group *grp;
	u32 i;

	grp = kzalloc(struct_size(grp, faults, nr), GFP_KERNEL_ACCOUNT);
	if (!grp)
		return -ENOMEM;
	grp->hwdev = hwdev;
	grp->domain = domain;
	grp->nr = nr;
	for (i = 0; i != nr; i++) {
		grp->faults[i] = reqs[i];
		grp->faults[i].flags &= ~IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE;
	}
	grp->faults[nr - 1].flags |= IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE;
	iommufd_fault_report(grp);
	return 0;
}

/* The mock's ->fault_respond(): the device takes any answer. */
void mock_fault_respond(struct iommufd_fault_group *grp, u32 code)
{
	kfree(grp);
}
