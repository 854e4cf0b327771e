// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * User-owned page tables on the mock (CONFIG_IOMMUFD_TEST): tables nested
 * in a IOMMU_HWPT_ALLOC_NEST_PARENT table, what holds what, moving a
 * device between a parent and its nested tables, IOMMU_HWPT_INVALIDATE
 * against the mock's IOTLB model (MD_CHECK_IOTLB), and fault queues
 * (IOMMU_FAULT_QUEUE_ALLOC) fed by IOMMU_TEST_OP_TRIGGER_IOPF.
 *
 * The mock's first stage adds an offset given at allocation (0 unless
 * said), so DMA of a device on a nested table is checked with
 * MD_CHECK_MAP on the device: it lands where the parent maps IOVA plus
 * the offset, or nowhere.
 *
 * Every refusal is checked to leave no object behind (the next ID is
 * unchanged) and no reference (the parent can be destroyed afterwards).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"

#define PSZ ((uint64_t)getpagesize())
#define BUF_SIZE (16 * PSZ)
#define IOVA(n) ((uint64_t)MOCK_APERTURE_START + (uint64_t)(n) * PSZ)
#define INV_SELFTEST IOMMU_HWPT_INVALIDATE_DATA_SELFTEST

/* The ID the next object would get: a refusal must leave it unchanged. */
static uint32_t next_id(struct __test_metadata *_metadata, int fd)
{
	uint32_t id = ioas_alloc(fd);

	iommufd_destroy(fd, id);
	return id;
}

/* Every IOTLB slot of nested table @hwpt holds @value. */
static void check_iotlb_all(struct __test_metadata *_metadata, int fd,
			    uint32_t hwpt, uint32_t value)
{
	uint32_t slot;

	for (slot = 0; slot != MOCK_NESTED_DOMAIN_IOTLB_NUM; slot++)
		md_check_iotlb(fd, hwpt, slot, value);
}

/*
 * A file, an IOAS with a buffer mapped at IOVA(0), a mock device on it,
 * and a nesting parent made for that device.
 */
FIXTURE(nested) {
	int fd;
	uint32_t ioas;
	uint32_t stdev;
	uint32_t idev;
	uint32_t parent;
	void *buf;
};

FIXTURE_SETUP(nested)
{
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	self->fd = iommufd_open();
	ASSERT_LE(0, self->fd);
	self->ioas = ioas_alloc(self->fd);
	self->buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 0x5a, BUF_SIZE);
	ioas_map_fixed(self->fd, self->ioas, self->buf, BUF_SIZE, IOVA(0));
	mock_domain(self->fd, self->ioas, &self->stdev, NULL, &self->idev);
	ASSERT_EQ(0, __hwpt_alloc(self->fd, self->idev, self->ioas,
				  IOMMU_HWPT_ALLOC_NEST_PARENT,
				  &self->parent));
}

FIXTURE_TEARDOWN(nested)
{
	munmap(self->buf, BUF_SIZE);
	close(self->fd);
}

/* Allocation: what is refused, with which errno, leaving nothing behind. */
TEST_F(nested, alloc_refused)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	uint32_t plain, auto_hwpt, nested, next, bit, hwpt = 0;

	plain = hwpt_alloc(self->fd, self->idev, self->ioas);
	mock_domain(self->fd, self->ioas, NULL, &auto_hwpt, NULL);
	nested = hwpt_nested(self->fd, self->idev, self->parent, 1);
	next = next_id(_metadata, self->fd);

	/*
	 * No flag is taken on a nested table but the fault queue's, and 0
	 * names no queue.
	 */
	for (bit = 0; bit != 32; bit++)
		ASSERT_EQ((1U << bit) == IOMMU_HWPT_FAULT_ID_VALID ?
			  ENOENT : EOPNOTSUPP,
			  __hwpt_alloc_data(self->fd, self->idev, self->parent,
					    1U << bit, IOMMU_HWPT_DATA_SELFTEST,
					    &data, sizeof(data), 0, &hwpt));
	/* No data, or data of a format the mock does not have. */
	ASSERT_EQ(EOPNOTSUPP, __hwpt_alloc(self->fd, self->idev, self->parent,
					   0, &hwpt));
	ASSERT_EQ(EOPNOTSUPP,
		  __hwpt_alloc_data(self->fd, self->idev, self->parent, 0,
				    IOMMU_HWPT_DATA_VTD_S1, &data,
				    sizeof(data), 0, &hwpt));
	ASSERT_EQ(EINVAL,
		  __hwpt_alloc_data(self->fd, self->idev, self->parent, 0,
				    IOMMU_HWPT_DATA_NONE, &data,
				    sizeof(data), 0, &hwpt));
	/*
	 * Data of the wrong length (shorter than upstream's first member,
	 * longer than the kernel knows), or that cannot be read.
	 */
	ASSERT_EQ(EINVAL,
		  __hwpt_alloc_data(self->fd, self->idev, self->parent, 0,
				    IOMMU_HWPT_DATA_SELFTEST, &data,
				    sizeof(data.iotlb) - 1, 0, &hwpt));
	ASSERT_EQ(EINVAL,
		  __hwpt_alloc_data(self->fd, self->idev, self->parent, 0,
				    IOMMU_HWPT_DATA_SELFTEST, &data,
				    sizeof(data) + 1, 0, &hwpt));
	ASSERT_EQ(EFAULT,
		  __hwpt_alloc_data(self->fd, self->idev, self->parent, 0,
				    IOMMU_HWPT_DATA_SELFTEST, NULL,
				    sizeof(data), 0, &hwpt));
	/* Parents that are not: plain, automatic, nested, an IOAS. */
	ASSERT_EQ(EINVAL, __hwpt_nested(self->fd, self->idev, plain, 1,
					&hwpt));
	ASSERT_EQ(EINVAL, __hwpt_nested(self->fd, self->idev, auto_hwpt, 1,
					&hwpt));
	ASSERT_EQ(EINVAL, __hwpt_nested(self->fd, self->idev, nested, 1,
					&hwpt));
	ASSERT_EQ(EOPNOTSUPP, __hwpt_nested(self->fd, self->idev, self->ioas,
					    1, &hwpt));
	/* No device, or an ID that is no device: ENOENT before all else. */
	ASSERT_EQ(ENOENT, __hwpt_nested(self->fd, 0, self->parent, 1, &hwpt));
	ASSERT_EQ(ENOENT, __hwpt_nested(self->fd, self->stdev, self->parent,
					1, &hwpt));
	ASSERT_EQ(EINVAL, __hwpt_nested(self->fd, self->idev, next, 1,
					&hwpt));

	ASSERT_EQ(0, hwpt);
	ASSERT_EQ(next, next_id(_metadata, self->fd));
	/* No refusal kept a reference: the nested table is the only user. */
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->parent));
	iommufd_destroy(self->fd, nested);
	iommufd_destroy(self->fd, self->parent);
	iommufd_destroy(self->fd, plain);
}

/*
 * A nested table holds its parent; a device holds its table; neither
 * takes mappings, dirty tracking or extra attachments.
 */
TEST_F(nested, lifetime)
{
	uint32_t a, b, pt;

	a = hwpt_nested(self->fd, self->idev, self->parent, 1);
	b = hwpt_nested(self->fd, self->idev, self->parent, 2);
	check_iotlb_all(_metadata, self->fd, a, 1);
	check_iotlb_all(_metadata, self->fd, b, 2);
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->parent));
	/* Its parent's IOAS is busy too, through the parent. */
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->ioas));

	mock_domain_replace(self->fd, self->stdev, a);
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, a));
	iommufd_destroy(self->fd, b);

	/* Page-table commands for kernel-owned tables do not apply. */
	ASSERT_EQ(ENOENT, __set_dirty_tracking(self->fd, a, true));
	ASSERT_EQ(ENOENT, __md_check_map(self->fd, a, IOVA(0), self->buf,
					 PSZ));
	ASSERT_EQ(ENOENT, __md_check_iotlb(self->fd, self->parent, 0, 1));
	pt = a;
	ASSERT_EQ(EINVAL, __device_attach_extra(self->fd, self->idev, &pt));

	pt = self->ioas;
	ASSERT_EQ(0, __mock_domain_replace(self->fd, self->stdev, &pt));
	iommufd_destroy(self->fd, a);
	iommufd_destroy(self->fd, self->parent);
}

/*
 * DMA of a device on a nested table goes through the parent, which keeps
 * following the IOAS; moving between the parent and the tables nested in
 * it keeps translating at every step.
 */
TEST_F(nested, translate_and_replace)
{
	uint32_t a, b, pt;

	a = hwpt_nested(self->fd, self->idev, self->parent, 1);
	b = hwpt_nested(self->fd, self->idev, self->parent, 2);

	pt = a;
	ASSERT_EQ(0, __mock_domain_replace(self->fd, self->stdev, &pt));
	ASSERT_EQ(a, pt);
	md_check_map(self->fd, self->idev, IOVA(0), self->buf, BUF_SIZE);

	/* The parent is filled from the IOAS whatever is attached to it. */
	ioas_unmap(self->fd, self->ioas, IOVA(0), BUF_SIZE);
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->idev, IOVA(4),
					 (char *)self->buf + 4 * PSZ, PSZ));
	ioas_map_fixed(self->fd, self->ioas, self->buf, BUF_SIZE, IOVA(0));
	md_check_map(self->fd, self->idev, IOVA(0), self->buf, BUF_SIZE);

	/* nested -> nested -> parent -> nested, translating throughout */
	mock_domain_replace(self->fd, self->stdev, b);
	md_check_map(self->fd, self->idev, IOVA(0), self->buf, BUF_SIZE);
	mock_domain_replace(self->fd, self->stdev, self->parent);
	md_check_map(self->fd, self->idev, IOVA(0), self->buf, BUF_SIZE);
	mock_domain_replace(self->fd, self->stdev, a);
	md_check_map(self->fd, self->idev, IOVA(0), self->buf, BUF_SIZE);

	/* Back to the IOAS: the nested tables and the parent can go. */
	mock_domain_replace(self->fd, self->stdev, self->ioas);
	iommufd_destroy(self->fd, a);
	iommufd_destroy(self->fd, b);
	iommufd_destroy(self->fd, self->parent);
	md_check_map(self->fd, self->idev, IOVA(0), self->buf, BUF_SIZE);
}

/*
 * Both stages at work: the mock's first stage adds its offset, the parent
 * maps the result. A device moves between tables with other offsets and
 * its DMA follows; a bad offset is refused.
 */
TEST_F(nested, two_stages)
{
	struct iommu_hwpt_selftest data = { .iotlb = 1, .s1_offset = 8 * PSZ };
	uint32_t flat, shifted, hwpt = 0;
	char *upper = (char *)self->buf + 8 * PSZ;

	flat = hwpt_nested(self->fd, self->idev, self->parent, 1);
	ASSERT_EQ(0, __hwpt_alloc_data(self->fd, self->idev, self->parent, 0,
				       IOMMU_HWPT_DATA_SELFTEST, &data,
				       sizeof(data), 0, &shifted));

	/* IOVA(0) + 8 pages is IOVA(8): the upper half of the buffer. */
	mock_domain_replace(self->fd, self->stdev, shifted);
	md_check_map(self->fd, self->idev, IOVA(0), upper, BUF_SIZE / 2);
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->idev, IOVA(0),
					 self->buf, PSZ));
	/* Beyond what the parent maps once shifted: blocked. */
	ASSERT_EQ(EINVAL, __md_check_map(self->fd, self->idev, IOVA(8), upper,
					 PSZ));
	mock_domain_replace(self->fd, self->stdev, flat);
	md_check_map(self->fd, self->idev, IOVA(0), self->buf, BUF_SIZE);
	mock_domain_replace(self->fd, self->stdev, shifted);
	md_check_map(self->fd, self->idev, IOVA(0), upper, BUF_SIZE / 2);

	/* An offset that is no multiple of an IO page; a reserved field. */
	data.s1_offset = 1;
	ASSERT_EQ(EINVAL, __hwpt_alloc_data(self->fd, self->idev,
					    self->parent, 0,
					    IOMMU_HWPT_DATA_SELFTEST, &data,
					    sizeof(data), 0, &hwpt));
	data.s1_offset = 0;
	data.__reserved = 1;
	ASSERT_EQ(EINVAL, __hwpt_alloc_data(self->fd, self->idev,
					    self->parent, 0,
					    IOMMU_HWPT_DATA_SELFTEST, &data,
					    sizeof(data), 0, &hwpt));
	ASSERT_EQ(0, hwpt);
}

/*
 * The parent decides which hardware a nested table is for: a parent made
 * for another model gives a nested table the device cannot attach to.
 */
TEST_F(nested, attach_other_model)
{
	uint32_t ioas2, idev2, parent2, a, b, pt;

	ioas2 = ioas_alloc(self->fd);
	mock_domain_flags(self->fd, ioas2, MOCK_FLAGS_DEVICE_MODEL_SMMU, NULL,
			  NULL, &idev2);
	ASSERT_EQ(0, __hwpt_alloc(self->fd, idev2, ioas2,
				  IOMMU_HWPT_ALLOC_NEST_PARENT, &parent2));
	/* One backend: the table is made, as upstream compares drivers. */
	a = hwpt_nested(self->fd, self->idev, parent2, 1);
	pt = a;
	ASSERT_EQ(EINVAL, __mock_domain_replace(self->fd, self->stdev, &pt));
	ASSERT_EQ(a, pt);
	md_check_map(self->fd, self->idev, IOVA(0), self->buf, BUF_SIZE);

	/* Two devices of one model share a nested table. */
	b = hwpt_nested(self->fd, self->idev, self->parent, 1);
	mock_domain_replace(self->fd, self->stdev, b);
	mock_domain(self->fd, b, NULL, NULL, NULL);
	md_check_map(self->fd, self->idev, IOVA(0), self->buf, BUF_SIZE);
}

/* Invalidation: each request reaches the IOTLB, in order, and stops. */
TEST_F(nested, invalidate)
{
	struct iommu_hwpt_invalidate_selftest inv[3] = {};
	uint32_t a, b, n;

	a = hwpt_nested(self->fd, self->idev, self->parent,
			IOMMU_TEST_IOTLB_DEFAULT);
	b = hwpt_nested(self->fd, self->idev, self->parent,
			IOMMU_TEST_IOTLB_DEFAULT);

	/* No entries: only the type is looked at. */
	n = 0;
	ASSERT_EQ(0, __hwpt_invalidate(self->fd, a, INV_SELFTEST, NULL, 0,
				       &n));
	ASSERT_EQ(EINVAL, __hwpt_invalidate(self->fd, a,
					    IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID,
					    NULL, 0, &n));
	ASSERT_EQ(0, n);

	/* Slot 1 alone. */
	inv[0].iotlb_id = 1;
	n = 1;
	ASSERT_EQ(0, __hwpt_invalidate(self->fd, a, INV_SELFTEST, inv,
				       sizeof(inv[0]), &n));
	ASSERT_EQ(1, n);
	md_check_iotlb(self->fd, a, 0, IOMMU_TEST_IOTLB_DEFAULT);
	md_check_iotlb(self->fd, a, 1, 0);
	md_check_iotlb(self->fd, a, 2, IOMMU_TEST_IOTLB_DEFAULT);
	check_iotlb_all(_metadata, self->fd, b, IOMMU_TEST_IOTLB_DEFAULT);

	/* Slot 2 done, then a bad slot: one carried out, and EINVAL. */
	inv[0].iotlb_id = 2;
	inv[1].iotlb_id = MOCK_NESTED_DOMAIN_IOTLB_ID_MAX + 1;
	inv[2].iotlb_id = 3;
	n = 3;
	ASSERT_EQ(EINVAL, __hwpt_invalidate(self->fd, a, INV_SELFTEST, inv,
					    sizeof(inv[0]), &n));
	ASSERT_EQ(1, n);
	md_check_iotlb(self->fd, a, 2, 0);
	md_check_iotlb(self->fd, a, 3, IOMMU_TEST_IOTLB_DEFAULT);

	/* An unknown flag: EOPNOTSUPP, even with the slot valid. */
	inv[0].iotlb_id = 3;
	inv[0].flags = 1U << 31;
	n = 1;
	ASSERT_EQ(EOPNOTSUPP, __hwpt_invalidate(self->fd, a, INV_SELFTEST,
						inv, sizeof(inv[0]), &n));
	ASSERT_EQ(0, n);
	md_check_iotlb(self->fd, a, 3, IOMMU_TEST_IOTLB_DEFAULT);

	/* Entries of the wrong size, or that cannot be read. */
	inv[0].flags = 0;
	n = 1;
	ASSERT_EQ(EINVAL, __hwpt_invalidate(self->fd, a, INV_SELFTEST, inv,
					    sizeof(inv[0]) - 1, &n));
	ASSERT_EQ(0, n);
	n = 1;
	ASSERT_EQ(EINVAL, __hwpt_invalidate(self->fd, a, INV_SELFTEST, inv,
					    sizeof(inv[0]) + 1, &n));
	ASSERT_EQ(0, n);
	n = 1;
	ASSERT_EQ(EFAULT, __hwpt_invalidate(self->fd, a, INV_SELFTEST,
					    (void *)8, sizeof(inv[0]), &n));
	ASSERT_EQ(0, n);
	md_check_iotlb(self->fd, a, 3, IOMMU_TEST_IOTLB_DEFAULT);

	/* ALL still wants a valid slot, then resets every one of them. */
	inv[0].flags = IOMMU_TEST_INVALIDATE_FLAG_ALL;
	inv[0].iotlb_id = MOCK_NESTED_DOMAIN_IOTLB_ID_MAX + 1;
	n = 1;
	ASSERT_EQ(EINVAL, __hwpt_invalidate(self->fd, b, INV_SELFTEST, inv,
					    sizeof(inv[0]), &n));
	check_iotlb_all(_metadata, self->fd, b, IOMMU_TEST_IOTLB_DEFAULT);
	inv[0].iotlb_id = 0;
	n = 1;
	ASSERT_EQ(0, __hwpt_invalidate(self->fd, b, INV_SELFTEST, inv,
				       sizeof(inv[0]), &n));
	ASSERT_EQ(1, n);
	check_iotlb_all(_metadata, self->fd, b, 0);

	/* Only nested tables take invalidations. */
	n = 1;
	ASSERT_EQ(ENOENT, __hwpt_invalidate(self->fd, self->parent,
					    INV_SELFTEST, inv, sizeof(inv[0]),
					    &n));
	ASSERT_EQ(0, n);
	n = 1;
	ASSERT_EQ(ENOENT, __hwpt_invalidate(self->fd, self->ioas,
					    INV_SELFTEST, inv, sizeof(inv[0]),
					    &n));
	ASSERT_EQ(0, n);
	/* Out-of-range slots of the check itself are refused. */
	ASSERT_EQ(EINVAL, __md_check_iotlb(self->fd, a,
					   MOCK_NESTED_DOMAIN_IOTLB_NUM, 0));
	ASSERT_EQ(EINVAL, __md_check_iotlb(self->fd, a, 0, 1));
}

/* The debugfs view says which table a device uses, and its parent. */
TEST_F(nested, debugfs_view)
{
	char *view = malloc(1 << 16), want[64];
	uint32_t a;
	int rc;

	ASSERT_NE(NULL, view);
	a = hwpt_nested(self->fd, self->idev, self->parent, 1);
	mock_domain_replace(self->fd, self->stdev, a);
	rc = __debugfs_view(self->fd, view, 1 << 16);
	if (rc == ENOENT) {
		free(view);
		SKIP(return, "no debugfs view (debugfs not mounted?)");
	}
	ASSERT_EQ(0, rc);
	snprintf(want, sizeof(want), ", hwpt %u nested in %u\n", a,
		 self->parent);
	ASSERT_NE(NULL, strstr(view, want)) {
		TH_LOG("no \"%s\" in:\n%s", want, view);
	}
	mock_domain_replace(self->fd, self->stdev, self->parent);
	ASSERT_EQ(0, __debugfs_view(self->fd, view, 1 << 16));
	ASSERT_EQ(NULL, strstr(view, "nested in"));
	free(view);
}

/* Closing the file tears down in dependency order whatever is left. */
TEST_F(nested, close_with_nested_attached)
{
	uint32_t a;

	a = hwpt_nested(self->fd, self->idev, self->parent, 1);
	hwpt_nested(self->fd, self->idev, self->parent, 2);
	mock_domain_replace(self->fd, self->stdev, a);
	mock_domain(self->fd, a, NULL, NULL, NULL);
	ASSERT_EQ(0, close(self->fd));
	self->fd = iommufd_open();
	ASSERT_LE(0, self->fd);
	md_check_refs(self->fd, self->buf, BUF_SIZE, 0);
}

/* IOMMU_HWPT_FORMATS: what the mock's models take, alone and together. */
TEST(formats)
{
	struct iommu_hwpt_format f[2];
	uint32_t dev[4], ids[IOMMU_HWPT_FORMATS_MAX_DEVS + 1];
	uint32_t ioas, ppc, hwpt, num, caps;
	struct iommu_hwpt_formats cmd = { .size = sizeof(cmd) };
	int fd;

	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	fd = iommufd_open();
	ASSERT_LE(0, fd);
	ioas = ioas_alloc(fd);
	mock_domain(fd, ioas, NULL, NULL, &dev[0]);
	mock_domain_flags(fd, ioas_alloc(fd), MOCK_FLAGS_DEVICE_HUGE_IOVA,
			  NULL, NULL, &dev[1]);
	mock_domain_flags(fd, ioas_alloc(fd), MOCK_FLAGS_DEVICE_MODEL_VTD,
			  NULL, NULL, &dev[2]);
	mock_domain_flags(fd, ioas_alloc(fd), MOCK_FLAGS_DEVICE_MODEL_SMMU,
			  NULL, NULL, &dev[3]);

	/* One device of the plain model. */
	num = 2;
	ASSERT_EQ(0, __hwpt_formats(fd, dev, 1, f, &num, &caps));
	ASSERT_EQ(1, num);
	ASSERT_EQ(IOMMU_HWPT_CAPS_NEST_PARENT, caps);
	ASSERT_EQ(IOMMU_HWPT_DATA_SELFTEST, f[0].data_type);
	ASSERT_EQ(IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, f[0].invalidate_type);
	ASSERT_EQ(IOMMU_HWPT_FORMAT_FAULTS, f[0].flags);
	ASSERT_EQ(PSZ / 2, f[0].page_sizes);
	ASSERT_EQ(0, f[0].__reserved);
	/* With huge IO pages alone, then together: the sizes both have. */
	ASSERT_EQ(0, __hwpt_formats(fd, dev + 1, 1, f, &num, NULL));
	ASSERT_EQ(1, num);
	ASSERT_EQ(PSZ / 2 | 256 * PSZ, f[0].page_sizes);
	ASSERT_EQ(0, __hwpt_formats(fd, dev, 2, f, &num, NULL));
	ASSERT_EQ(1, num);
	ASSERT_EQ(PSZ / 2, f[0].page_sizes);
	/* And one nested table does serve both. */
	ASSERT_EQ(0, __hwpt_alloc(fd, dev[0], ioas,
				  IOMMU_HWPT_ALLOC_NEST_PARENT, &hwpt));
	hwpt = hwpt_nested(fd, dev[0], hwpt, 1);
	mock_domain(fd, hwpt, NULL, NULL, NULL);

	/* The VT-d model: its own shape. */
	ASSERT_EQ(0, __hwpt_formats(fd, dev + 2, 1, f, &num, &caps));
	ASSERT_EQ(1, num);
	ASSERT_EQ(48, f[0].addr_width);
	ASSERT_EQ(4, f[0].max_levels);
	ASSERT_EQ(MOCK_VTD_PAGE_SIZES, f[0].page_sizes);
	/* Two models both nest, but cannot share a table: no format. */
	ASSERT_EQ(0, __hwpt_formats(fd, dev + 2, 2, f, &num, &caps));
	ASSERT_EQ(0, num);
	ASSERT_EQ(IOMMU_HWPT_CAPS_NEST_PARENT, caps);
	ASSERT_EQ(0, __hwpt_formats(fd, dev, 4, f, &num, &caps));
	ASSERT_EQ(0, num);

	/* The PowerPC model cannot nest at all, and says so. */
	mock_domain_flags(fd, ioas_alloc(fd), MOCK_FLAGS_DEVICE_MODEL_PPC,
			  NULL, NULL, &ppc);
	num = 2;
	ASSERT_EQ(0, __hwpt_formats(fd, &ppc, 1, f, &num, &caps));
	ASSERT_EQ(0, num);
	ASSERT_EQ(0, caps);
	ASSERT_EQ(EOPNOTSUPP, __hwpt_alloc(fd, ppc, ioas,
					   IOMMU_HWPT_ALLOC_NEST_PARENT,
					   &hwpt));
	dev[1] = ppc;
	ASSERT_EQ(0, __hwpt_formats(fd, dev, 2, f, &num, &caps));
	ASSERT_EQ(0, num);
	ASSERT_EQ(0, caps);

	/* An array too small: EMSGSIZE, with the count needed. */
	num = 0;
	ASSERT_EQ(EMSGSIZE, __hwpt_formats(fd, dev, 1, f, &num, NULL));
	ASSERT_EQ(1, num);
	/* Refusals. */
	num = 2;
	ASSERT_EQ(EINVAL, __hwpt_formats(fd, dev, 0, f, &num, NULL));
	memset(ids, 0, sizeof(ids));
	ids[0] = dev[0];
	ASSERT_EQ(EINVAL, __hwpt_formats(fd, ids,
					 IOMMU_HWPT_FORMATS_MAX_DEVS + 1, f,
					 &num, NULL));
	ASSERT_EQ(ENOENT, __hwpt_formats(fd, ids, 2, f, &num, NULL));
	ASSERT_EQ(ENOENT, __hwpt_formats(fd, &ioas, 1, f, &num, NULL));
	ASSERT_EQ(EFAULT, __hwpt_formats(fd, NULL, 1, f, &num, NULL));
	ASSERT_EQ(EFAULT, __hwpt_formats(fd, dev, 1, NULL, &num, NULL));
	cmd.num_devs = 1;
	cmd.dev_ids = (uintptr_t)dev;
	cmd.flags = 1;
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_HWPT_FORMATS, &cmd));
	cmd.flags = 0;
	cmd.__reserved = 1;
	ASSERT_EQ(EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_HWPT_FORMATS, &cmd));
	ASSERT_EQ(0, close(fd));
}

/* Fault queues. */

#define REC sizeof(struct iommu_hwpt_pgfault)
#define PERM_RW (IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE)

/* Does @qfd have something to read? */
static bool readable(int qfd)
{
	struct pollfd p = { .fd = qfd, .events = POLLIN | POLLOUT };

	if (poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT))
		return false;
	return p.revents & POLLIN;
}

/* Answer the group @cookie with @code; the bytes written, or -errno. */
static ssize_t respond(int qfd, uint32_t cookie, uint32_t code)
{
	struct iommu_hwpt_page_response r = { .cookie = cookie, .code = code };
	ssize_t n = write(qfd, &r, sizeof(r));

	return n < 0 ? -errno : n;
}

/*
 * A fault queue, a table nested in the parent that faults to it, and the
 * device moved onto that table.
 */
FIXTURE(fault) {
	int fd;
	uint32_t ioas;
	uint32_t stdev;
	uint32_t idev;
	uint32_t parent;
	uint32_t nested;
	uint32_t fault;
	int qfd;
};

FIXTURE_SETUP(fault)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };

	self->fd = -1;
	self->qfd = -1;
	if (mock_missing())
		SKIP(return, NO_MOCK_MSG);
	self->fd = iommufd_open();
	ASSERT_LE(0, self->fd);
	self->ioas = ioas_alloc(self->fd);
	mock_domain(self->fd, self->ioas, &self->stdev, NULL, &self->idev);
	ASSERT_EQ(0, __hwpt_alloc(self->fd, self->idev, self->ioas,
				  IOMMU_HWPT_ALLOC_NEST_PARENT,
				  &self->parent));
	ASSERT_EQ(0, __fault_queue_alloc(self->fd, 0, &self->fault,
					 &self->qfd));
	ASSERT_EQ(0, __hwpt_alloc_data(self->fd, self->idev, self->parent,
				       IOMMU_HWPT_FAULT_ID_VALID,
				       IOMMU_HWPT_DATA_SELFTEST, &data,
				       sizeof(data), self->fault,
				       &self->nested));
	mock_domain_replace(self->fd, self->stdev, self->nested);
}

FIXTURE_TEARDOWN(fault)
{
	if (self->qfd >= 0)
		close(self->qfd);
	if (self->fd >= 0)
		close(self->fd);
}

/* The queue object and its file: who holds what. */
TEST_F(fault, queue_object)
{
	uint32_t id;
	int qfd;

	ASSERT_EQ(EOPNOTSUPP, __fault_queue_alloc(self->fd, 1, &id, &qfd));
	ASSERT_EQ(FD_CLOEXEC, fcntl(self->qfd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(O_RDWR, fcntl(self->qfd, F_GETFL) & O_ACCMODE);
	/* Not seekable: pread and lseek are refused. */
	ASSERT_EQ(-1, lseek(self->qfd, 0, SEEK_SET));

	/* Its file and its table hold it. */
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->fault));
	ASSERT_EQ(0, __fault_queue_alloc(self->fd, 0, &id, &qfd));
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, id));
	ASSERT_EQ(0, close(qfd));
	iommufd_destroy(self->fd, id);

	mock_domain_replace(self->fd, self->stdev, self->parent);
	iommufd_destroy(self->fd, self->nested);
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->fault));
	ASSERT_EQ(0, close(self->qfd));
	self->qfd = -1;
	iommufd_destroy(self->fd, self->fault);
}

/* What takes a fault queue, and refusals that leave nothing behind. */
TEST_F(fault, alloc_refused)
{
	struct iommu_hwpt_selftest data = { .iotlb = 1 };
	uint32_t next, hwpt = 0;

	next = next_id(_metadata, self->fd);
	/* Kernel-owned tables fault to the kernel, never to user space. */
	ASSERT_EQ(EOPNOTSUPP, __hwpt_alloc_data(self->fd, self->idev,
						self->ioas,
						IOMMU_HWPT_FAULT_ID_VALID,
						IOMMU_HWPT_DATA_NONE, NULL, 0,
						self->fault, &hwpt));
	/* Something that is no fault queue. */
	ASSERT_EQ(ENOENT, __hwpt_alloc_data(self->fd, self->idev,
					    self->parent,
					    IOMMU_HWPT_FAULT_ID_VALID,
					    IOMMU_HWPT_DATA_SELFTEST, &data,
					    sizeof(data), self->ioas, &hwpt));
	ASSERT_EQ(ENOENT, __hwpt_alloc_data(self->fd, self->idev,
					    self->parent,
					    IOMMU_HWPT_FAULT_ID_VALID,
					    IOMMU_HWPT_DATA_SELFTEST, &data,
					    sizeof(data), UINT32_MAX, &hwpt));
	/* Bad data is refused before the queue is looked at. */
	ASSERT_EQ(EINVAL, __hwpt_alloc_data(self->fd, self->idev,
					    self->parent,
					    IOMMU_HWPT_FAULT_ID_VALID,
					    IOMMU_HWPT_DATA_SELFTEST, &data, 1,
					    UINT32_MAX, &hwpt));
	/* Without the flag, fault_id is not looked at. */
	ASSERT_EQ(0, __hwpt_alloc_data(self->fd, self->idev, self->parent, 0,
				       IOMMU_HWPT_DATA_SELFTEST, &data,
				       sizeof(data), UINT32_MAX, &hwpt));
	ASSERT_EQ(next, hwpt);
	iommufd_destroy(self->fd, hwpt);
	ASSERT_EQ(next, next_id(_metadata, self->fd));
	/* No refusal kept the parent or the queue. */
	mock_domain_replace(self->fd, self->stdev, self->ioas);
	iommufd_destroy(self->fd, self->nested);
	iommufd_destroy(self->fd, self->parent);
	ASSERT_EQ(0, close(self->qfd));
	self->qfd = -1;
	iommufd_destroy(self->fd, self->fault);
}

/* A fault is read once, answered once, by its cookie. */
TEST_F(fault, deliver_and_respond)
{
	struct iommu_hwpt_pgfault rec[3];
	uint32_t cookie;

	ASSERT_FALSE(readable(self->qfd));
	ASSERT_EQ(0, read(self->qfd, rec, REC));
	ASSERT_EQ(0, __trigger_iopf(self->fd, self->idev, 1, 2, PERM_RW,
				    0xdeadbeaf));
	ASSERT_TRUE(readable(self->qfd));

	/* Sizes that are not whole records; a seek position. */
	ASSERT_EQ(-1, read(self->qfd, rec, REC - 1));
	ASSERT_EQ(ESPIPE, errno);
	ASSERT_EQ(-1, pread(self->qfd, rec, REC, 0));
	ASSERT_EQ(ESPIPE, errno);
	ASSERT_TRUE(readable(self->qfd));

	ASSERT_EQ(REC, read(self->qfd, rec, sizeof(rec)));
	ASSERT_EQ(IOMMU_PGFAULT_FLAGS_PASID_VALID |
		  IOMMU_PGFAULT_FLAGS_LAST_PAGE, rec[0].flags);
	ASSERT_EQ(self->idev, rec[0].dev_id);
	ASSERT_EQ(1, rec[0].pasid);
	ASSERT_EQ(2, rec[0].grpid);
	ASSERT_EQ(PERM_RW, rec[0].perm);
	ASSERT_EQ(0xdeadbeaf, rec[0].addr);
	ASSERT_NE(0, rec[0].cookie);
	cookie = rec[0].cookie;
	/* Read, not answered: nothing more to read. */
	ASSERT_FALSE(readable(self->qfd));
	ASSERT_EQ(0, read(self->qfd, rec, REC));

	ASSERT_EQ(-1, write(self->qfd, rec, 7));
	ASSERT_EQ(ESPIPE, errno);
	ASSERT_EQ(-EINVAL, respond(self->qfd, cookie, 2));
	ASSERT_EQ(-EINVAL, respond(self->qfd, cookie + 1, 0));
	ASSERT_EQ(8, respond(self->qfd, cookie, IOMMUFD_PAGE_RESP_SUCCESS));
	/* Answered once only. */
	ASSERT_EQ(-EINVAL, respond(self->qfd, cookie,
				   IOMMUFD_PAGE_RESP_SUCCESS));

	/* Without a PASID, a fault on the nested table comes the same way. */
	ASSERT_EQ(0, __trigger_iopf(self->fd, self->idev, 0, 3,
				    IOMMU_PGFAULT_PERM_READ, 0x1000));
	ASSERT_EQ(REC, read(self->qfd, rec, sizeof(rec)));
	ASSERT_EQ(IOMMU_PGFAULT_FLAGS_LAST_PAGE, rec[0].flags);
	ASSERT_EQ(3, rec[0].grpid);
	ASSERT_EQ(8, respond(self->qfd, rec[0].cookie,
			     IOMMUFD_PAGE_RESP_INVALID));

	/* Only devices raise faults. */
	ASSERT_EQ(ENOENT, __trigger_iopf(self->fd, self->ioas, 1, 2, PERM_RW,
					 0));
}

/* Several groups: oldest first, whole, as many as fit; answers in bulk. */
TEST_F(fault, several_groups)
{
	struct iommu_hwpt_page_response resp[3];
	struct iommu_hwpt_pgfault rec[3];
	unsigned int i;

	for (i = 0; i != 3; i++)
		ASSERT_EQ(0, __trigger_iopf(self->fd, self->idev, 1, 10 + i,
					    PERM_RW, 0x1000 * i));
	ASSERT_EQ(2 * REC, read(self->qfd, rec, 2 * REC));
	ASSERT_EQ(REC, read(self->qfd, rec + 2, REC));
	for (i = 0; i != 3; i++) {
		ASSERT_EQ(10 + i, rec[i].grpid);
		resp[i].cookie = rec[i].cookie;
		resp[i].code = IOMMUFD_PAGE_RESP_SUCCESS;
	}
	ASSERT_NE(rec[0].cookie, rec[1].cookie);
	ASSERT_NE(rec[1].cookie, rec[2].cookie);
	/* The second response is bad: the first is taken, and stops there. */
	resp[1].code = 7;
	ASSERT_EQ(sizeof(resp[0]), write(self->qfd, resp, sizeof(resp)));
	resp[1].code = IOMMUFD_PAGE_RESP_SUCCESS;
	ASSERT_EQ(2 * sizeof(resp[0]),
		  write(self->qfd, resp + 1, 2 * sizeof(resp[0])));
	ASSERT_EQ(-EINVAL, respond(self->qfd, rec[0].cookie, 0));
}

struct later {
	int fd;
	uint32_t idev;
};

/* A fault raised from another thread once the test sleeps in poll(). */
static void *fault_later(void *arg)
{
	struct later *l = arg;

	usleep(100 * 1000);
	return (void *)(long)__trigger_iopf(l->fd, l->idev, 1, 9, PERM_RW, 0);
}

/* A reader sleeping in poll() is woken by a fault. */
TEST_F(fault, poll_wakes_reader)
{
	struct pollfd p = { .fd = self->qfd, .events = POLLIN };
	struct later l = { .fd = self->fd, .idev = self->idev };
	struct iommu_hwpt_pgfault rec;
	pthread_t thread;
	void *rc;

	ASSERT_EQ(0, pthread_create(&thread, NULL, fault_later, &l));
	/* Generous: only a lost wakeup takes this long. */
	ASSERT_EQ(1, poll(&p, 1, 20 * 1000));
	ASSERT_TRUE(p.revents & POLLIN);
	ASSERT_EQ(0, pthread_join(thread, &rc));
	ASSERT_EQ(NULL, rc);
	ASSERT_EQ(REC, read(self->qfd, &rec, REC));
	ASSERT_EQ(9, rec.grpid);
	ASSERT_EQ(8, respond(self->qfd, rec.cookie, 0));
}

#define RACE_ROUNDS 400

struct race {
	int fd, qfd;
	uint32_t idev, stdev, parent, nested;
};

static void *race_faults(void *arg)
{
	struct race *r = arg;
	unsigned int i;

	for (i = 0; i != RACE_ROUNDS; i++)
		if (__trigger_iopf(r->fd, r->idev, 1, i, PERM_RW, 0x1000 * i))
			return (void *)1L;
	return NULL;
}

/* Read what comes and answer it; answers may meet dead cookies. */
static void *race_reader(void *arg)
{
	struct iommu_hwpt_pgfault rec[4];
	struct race *r = arg;
	unsigned int i, j;
	ssize_t n;

	for (i = 0; i != RACE_ROUNDS; i++) {
		n = read(r->qfd, rec, sizeof(rec));
		if (n < 0 || n % REC)
			return (void *)2L;
		for (j = 0; j != n / REC; j++) {
			if (!(rec[j].flags & IOMMU_PGFAULT_FLAGS_LAST_PAGE))
				return (void *)3L;
			if (respond(r->qfd, rec[j].cookie, 0) != 8 &&
			    errno != EINVAL)
				return (void *)4L;
		}
	}
	return NULL;
}

/* Move the device off the nested table and back, draining its faults. */
static void *race_mover(void *arg)
{
	struct race *r = arg;
	unsigned int i;
	uint32_t pt;

	for (i = 0; i != RACE_ROUNDS; i++) {
		pt = i % 2 ? r->nested : r->parent;
		if (__mock_domain_replace(r->fd, r->stdev, &pt))
			return (void *)5L;
	}
	return NULL;
}

/*
 * Faults raised, read, answered and drained at once, from four threads;
 * KASAN, lockdep and kmemleak watch the kernel's side, and everything
 * comes apart cleanly afterwards.
 */
TEST_F_TIMEOUT(fault, races, 300)
{
	void *(*fn[])(void *) = { race_faults, race_reader, race_mover,
				  race_faults };
	struct race r = {
		.fd = self->fd, .qfd = self->qfd, .idev = self->idev,
		.stdev = self->stdev, .parent = self->parent,
		.nested = self->nested,
	};
	pthread_t threads[ARRAY_SIZE(fn)];
	unsigned int i;
	void *rc;

	for (i = 0; i != ARRAY_SIZE(fn); i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, fn[i], &r));
	for (i = 0; i != ARRAY_SIZE(fn); i++) {
		ASSERT_EQ(0, pthread_join(threads[i], &rc));
		ASSERT_EQ(NULL, rc);
	}
	mock_domain_replace(self->fd, self->stdev, self->ioas);
	iommufd_destroy(self->fd, self->nested);
	ASSERT_EQ(0, close(self->qfd));
	self->qfd = -1;
	iommufd_destroy(self->fd, self->fault);
}

/*
 * Groups of several page requests: read whole or not at all, the last
 * record flagged, one cookie for all; requests of an open group are kept
 * apart from other groups' and lost when the device moves.
 */
TEST_F(fault, grouped_requests)
{
	struct iommu_hwpt_pgfault rec[5];
	unsigned int i;

	/* Group 5 of three requests, with one of group 6 in between. */
	ASSERT_EQ(0, __trigger_iopf_partial(self->fd, self->idev, 1, 5,
					    PERM_RW, 0x1000));
	ASSERT_EQ(0, __trigger_iopf_partial(self->fd, self->idev, 1, 6,
					    PERM_RW, 0x9000));
	ASSERT_EQ(0, __trigger_iopf_partial(self->fd, self->idev, 1, 5,
					    PERM_RW, 0x2000));
	/* An open group is not delivered. */
	ASSERT_FALSE(readable(self->qfd));
	ASSERT_EQ(0, __trigger_iopf(self->fd, self->idev, 1, 5, PERM_RW,
				    0x3000));
	ASSERT_EQ(0, __trigger_iopf(self->fd, self->idev, 1, 6, PERM_RW,
				    0xa000));

	/* The first group does not fit in two records: EINVAL, kept. */
	ASSERT_EQ(-1, read(self->qfd, rec, 2 * REC));
	ASSERT_EQ(EINVAL, errno);
	/* Four records take the first group only; the second waits. */
	ASSERT_EQ(3 * REC, read(self->qfd, rec, 4 * REC));
	for (i = 0; i != 3; i++) {
		ASSERT_EQ(5, rec[i].grpid);
		ASSERT_EQ(0x1000 * (i + 1), rec[i].addr);
		ASSERT_EQ(rec[0].cookie, rec[i].cookie);
		ASSERT_EQ(IOMMU_PGFAULT_FLAGS_PASID_VALID |
			  (i == 2 ? IOMMU_PGFAULT_FLAGS_LAST_PAGE : 0),
			  rec[i].flags);
	}
	ASSERT_EQ(2 * REC, read(self->qfd, rec + 3, 2 * REC));
	ASSERT_EQ(6, rec[3].grpid);
	ASSERT_EQ(0x9000, rec[3].addr);
	ASSERT_EQ(0xa000, rec[4].addr);
	ASSERT_EQ(IOMMU_PGFAULT_FLAGS_LAST_PAGE | IOMMU_PGFAULT_FLAGS_PASID_VALID,
		  rec[4].flags);
	ASSERT_EQ(rec[3].cookie, rec[4].cookie);
	ASSERT_NE(rec[0].cookie, rec[3].cookie);
	ASSERT_EQ(8, respond(self->qfd, rec[0].cookie, 0));
	ASSERT_EQ(8, respond(self->qfd, rec[3].cookie, 0));

	/* The device keeps only so many requests of open groups. */
	for (i = 0; i != MOCK_IOPF_PARTIAL_MAX; i++)
		ASSERT_EQ(0, __trigger_iopf_partial(self->fd, self->idev, 1, 7,
						    PERM_RW, 0x1000 * i));
	ASSERT_EQ(ENOSPC, __trigger_iopf_partial(self->fd, self->idev, 1, 7,
						 PERM_RW, 0));
	/* Moving away and back loses them: the group is the last one only */
	mock_domain_replace(self->fd, self->stdev, self->parent);
	mock_domain_replace(self->fd, self->stdev, self->nested);
	ASSERT_EQ(0, __trigger_iopf(self->fd, self->idev, 1, 7, PERM_RW,
				    0x8000));
	ASSERT_EQ(REC, read(self->qfd, rec, 5 * REC));
	ASSERT_EQ(0x8000, rec[0].addr);
}

/*
 * A device that leaves the table has its faults there answered, read or
 * not: nothing is left to read, and their cookies are dead.
 */
TEST_F(fault, leave_answers_pending)
{
	struct iommu_hwpt_pgfault rec;

	ASSERT_EQ(0, __trigger_iopf(self->fd, self->idev, 1, 1, PERM_RW, 0));
	ASSERT_EQ(0, __trigger_iopf(self->fd, self->idev, 1, 2, PERM_RW, 0));
	ASSERT_EQ(REC, read(self->qfd, &rec, REC));
	mock_domain_replace(self->fd, self->stdev, self->parent);
	ASSERT_FALSE(readable(self->qfd));
	ASSERT_EQ(0, read(self->qfd, &rec, REC));
	ASSERT_EQ(-EINVAL, respond(self->qfd, rec.cookie, 0));

	/* On the parent, nothing reaches the queue. */
	ASSERT_EQ(0, __trigger_iopf(self->fd, self->idev, 1, 3, PERM_RW, 0));
	ASSERT_EQ(0, read(self->qfd, &rec, REC));

	/* Back, and detached for good: the same. */
	mock_domain_replace(self->fd, self->stdev, self->nested);
	ASSERT_EQ(0, __trigger_iopf(self->fd, self->idev, 1, 4, PERM_RW, 0));
	iommufd_destroy(self->fd, self->stdev);
	ASSERT_EQ(0, read(self->qfd, &rec, REC));
}

/*
 * Closing the queue's file first answers what it held and what comes
 * later; the table keeps the object until it goes.
 */
TEST_F(fault, close_queue_first)
{
	struct iommu_hwpt_pgfault rec;

	ASSERT_EQ(0, __trigger_iopf(self->fd, self->idev, 1, 1, PERM_RW, 0));
	ASSERT_EQ(0, __trigger_iopf(self->fd, self->idev, 1, 2, PERM_RW, 0));
	ASSERT_EQ(REC, read(self->qfd, &rec, REC));
	ASSERT_EQ(0, close(self->qfd));
	self->qfd = -1;
	ASSERT_EQ(0, __trigger_iopf(self->fd, self->idev, 1, 3, PERM_RW, 0));
	ASSERT_EQ(EBUSY, __iommufd_destroy(self->fd, self->fault));
	mock_domain_replace(self->fd, self->stdev, self->ioas);
	iommufd_destroy(self->fd, self->nested);
	iommufd_destroy(self->fd, self->fault);
}

/* Closing /dev/iommu with faults queued tears everything down. */
TEST_F(fault, close_file_with_faults)
{
	ASSERT_EQ(0, __trigger_iopf(self->fd, self->idev, 1, 1, PERM_RW, 0));
	/* The queue's file keeps the context until it is closed itself. */
	ASSERT_EQ(0, close(self->fd));
	ASSERT_EQ(0, close(self->qfd));
	self->qfd = -1;
	self->fd = iommufd_open();
	ASSERT_LE(0, self->fd);
}

TEST_HARNESS_MAIN
