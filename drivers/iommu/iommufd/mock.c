// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The mock backend (CONFIG_IOMMUFD_TEST): translation "hardware" made of
 * software, so that the core can be tested anywhere, behind the same
 * struct iommufd_backend_ops as real hardware.
 *
 * Mock devices are struct device on a bus of their own ("iommufd_mock",
 * visible as /sys/bus/iommufd_mock), created and destroyed by the test
 * command. They never touch the IOMMU core, so they coexist with any real
 * IOMMU in the same boot.
 *
 * A mock translation table is an xarray with one value entry per IO page:
 * the physical IO page number, the protection, whether the page starts
 * one of the physical runs a ->map() call was given, and for dirty
 * tracking whether it belongs to a huge IO page and was written to.
 * Removing or rewriting entries never allocates, so ->unmap() and
 * ->read_dirty() cannot fail, even under fault injection. The
 * table checks the core's promises instead of trusting them: a map over a
 * mapped IOVA, an unmap that does not cover whole runs, or freeing a table
 * that is not empty triggers a warning, which panics the test kernel.
 *
 * A plain mock table translates MOCK_APERTURE_START..MOCK_APERTURE_LAST
 * with IO pages of MOCK_IO_PAGE_SIZE (mock.h). Devices made with one of the
 * MOCK_FLAGS_DEVICE_MODEL_* flags instead imitate the apertures, page sizes,
 * reserved ranges and windows of a kind of real hardware (iommufd_test.h),
 * so that IOVA windows are tested against each kind before any hardware is
 * at hand.
 *
 * Tables made with IOMMU_HWPT_ALLOC_DIRTY_TRACKING record writes as an
 * IOMMU with dirty bits in its entries would: the test command plays the
 * device, marking the entries of IOVAs it names dirty while tracking is on
 * (iommufd_mock_mark_dirty()). Where a table with huge IO pages could map
 * a whole aligned huge page (MOCK_FLAGS_DEVICE_HUGE_IOVA devices), its
 * entries are flagged as one huge entry, which is marked, reported and
 * cleared as a whole. The PowerPC model keeps a record of the windows the core asks
 * for, as its TCE tables would, and checks that every mapping lies in one.
 * Like that hardware, it routes DMA by address: a PowerPC model device may
 * translate through extra tables (->attach_extra()), and its DMA goes to
 * the table with a window holding the address (iommufd_mock_dev_translate()).
 * Nested tables, and their IOTLB, are mock_nested.c's.
 */
#include <linux/device.h>
#include <linux/idr.h>
#include <linux/iommu.h>
#include <linux/iova_bitmap.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "backend.h"
#include "iommufd_test.h"
#include "mock.h"

#define MOCK_NAME "iommufd_mock"

#define MOCK_MODELS (MOCK_FLAGS_DEVICE_MODEL_VTD | \
		     MOCK_FLAGS_DEVICE_MODEL_SMMU | MOCK_FLAGS_DEVICE_MODEL_PPC)

/* Device flags this backend understands. */
#define MOCK_DEV_FLAGS (MOCK_FLAGS_DEVICE_NO_DIRTY | \
			MOCK_FLAGS_DEVICE_HUGE_IOVA | MOCK_FLAGS_DEVICE_PASID | \
			MOCK_MODELS)

/**
 * struct mock_dev - a mock device
 * @dev: the device, on the mock bus
 * @hwdev: handed to the core while the device is bound
 * @flags: MOCK_FLAGS_DEVICE_*
 * @bound: a context has bound the device
 * @domain: the table the device is attached to, or NULL; the second stage
 *          when it is attached to a nested table
 * @nested: the nested table it is attached to, or NULL
 * @extras: further tables it translates through, struct mock_extra
 * @npartial: entries of @partial in use
 * @partial: page requests of fault groups not closed yet
 *
 * @domain, @nested, @extras and the requests change under the binding
 * context's attach_lock.
 */
struct mock_dev {
	struct device dev;
	struct iommufd_hwdev hwdev;
	u32 flags;
	bool bound;
	struct mock_domain *domain;
	struct iommufd_domain *nested;
	struct list_head extras;
	unsigned int npartial;
	struct iommu_fault_page_request partial[MOCK_IOPF_PARTIAL_MAX];
};

/**
 * struct mock_extra - an extra table of a mock device
 * @link: in the device's @extras
 * @domain: the table
 */
struct mock_extra {
	struct list_head link;
	struct mock_domain *domain;
};

/**
 * struct mock_domain - a mock translation table
 * @base: what the core sees
 * @ptes: IOVA >> @shift -> value entry, see mock_pte()
 * @shift: log2 of the smallest IO page size of the table
 * @huge_shift: log2 of its huge IO page size, or 0 if it has none
 * @tracking: dirty tracking is on
 * @model: the MOCK_FLAGS_DEVICE_MODEL_* flag of the device it was made for
 * @nr_windows: entries of @windows in use (PowerPC model)
 * @windows: the windows the core prepared the table for (PowerPC model)
 */
struct mock_domain {
	struct iommufd_domain base;
	struct xarray ptes;
	unsigned int shift;
	unsigned int huge_shift;
	bool tracking;
	u32 model;
	unsigned int nr_windows;
	struct iommufd_window windows[MOCK_PPC_WINDOWS];
};

/* A table entry: physical IO page number, then these flags. */
enum {
	MOCK_PTE_READ = 1 << 0,
	MOCK_PTE_WRITE = 1 << 1,
	MOCK_PTE_RUN_START = 1 << 2,
	MOCK_PTE_HUGE = 1 << 3,
	MOCK_PTE_DIRTY = 1 << 4,
	MOCK_PTE_SHIFT = 5,
};

/* The entry for IO page number @pfn. */
static void *mock_pte(unsigned long pfn, int prot, bool run_start, bool huge)
{
	unsigned long v = pfn << MOCK_PTE_SHIFT;

	if (prot & IOMMU_READ)
		v |= MOCK_PTE_READ;
	if (prot & IOMMU_WRITE)
		v |= MOCK_PTE_WRITE;
	if (run_start)
		v |= MOCK_PTE_RUN_START;
	if (huge)
		v |= MOCK_PTE_HUGE;
	return xa_mk_value(v);
}

static bool mock_pte_has(void *pte, unsigned long flag)
{
	return xa_to_value(pte) & flag;
}

/* @pte with its dirty bit set or cleared. */
static void *mock_pte_dirty(void *pte, bool dirty)
{
	unsigned long v = xa_to_value(pte) & ~MOCK_PTE_DIRTY;

	return xa_mk_value(dirty ? v | MOCK_PTE_DIRTY : v);
}

static phys_addr_t mock_pte_paddr(struct mock_domain *mock, void *pte)
{
	return (phys_addr_t)(xa_to_value(pte) >> MOCK_PTE_SHIFT) << mock->shift;
}

static bool mock_pte_run_start(void *pte)
{
	return mock_pte_has(pte, MOCK_PTE_RUN_START);
}

static const struct bus_type mock_bus = {
	.name = MOCK_NAME,
};

static struct device *mock_root;
static DEFINE_IDA(mock_ida);

static struct mock_dev *to_mock_dev(struct device *dev)
{
	return container_of(dev, struct mock_dev, dev);
}

static struct mock_domain *to_mock_domain(struct iommufd_domain *domain)
{
	return container_of(domain, struct mock_domain, base);
}

static void mock_dev_release(struct device *dev)
{
	struct mock_dev *mdev = to_mock_dev(dev);

	ida_free(&mock_ida, dev->id);
	kfree(mdev);
}

/**
 * iommufd_mock_dev_create() - add a mock device to the mock bus
 * @dev_flags: MOCK_FLAGS_DEVICE_*
 *
 * Context: process context.
 * Return: the device, or ERR_PTR(-EOPNOTSUPP) for unknown flags, or
 * another ERR_PTR if it cannot be created.
 */
struct device *iommufd_mock_dev_create(u32 dev_flags)
{
	struct mock_dev *mdev;
	int rc, id;

	if (dev_flags & ~MOCK_DEV_FLAGS)
		return ERR_PTR(-EOPNOTSUPP);
	if (hweight32(dev_flags & MOCK_MODELS) > 1)
		return ERR_PTR(-EINVAL);

	mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);
	if (!mdev)
		return ERR_PTR(-ENOMEM);
	id = ida_alloc(&mock_ida, GFP_KERNEL);
	if (id < 0) {
		kfree(mdev);
		return ERR_PTR(id);
	}
	mdev->flags = dev_flags;
	INIT_LIST_HEAD(&mdev->extras);
	mdev->hwdev.ops = &iommufd_mock_backend;
	mdev->hwdev.dev = &mdev->dev;

	device_initialize(&mdev->dev);
	mdev->dev.id = id;
	mdev->dev.bus = &mock_bus;
	mdev->dev.parent = mock_root;
	mdev->dev.release = mock_dev_release;
	rc = dev_set_name(&mdev->dev, "mock%d", id);
	if (!rc)
		rc = device_add(&mdev->dev);
	if (rc) {
		/* The release callback frees the ID and the memory. */
		put_device(&mdev->dev);
		return ERR_PTR(rc);
	}
	return &mdev->dev;
}

/**
 * iommufd_mock_dev_destroy() - remove a mock device
 * @dev: from iommufd_mock_dev_create(), no longer bound
 */
void iommufd_mock_dev_destroy(struct device *dev)
{
	WARN_ON(to_mock_dev(dev)->bound);
	device_unregister(dev);
}

/**
 * iommufd_mock_translate() - what an IOVA of a mock table maps to
 * @domain: a table of any backend
 * @iova: the IOVA
 * @paddr: set to the physical address @iova translates to
 *
 * Return: 0, -EINVAL if @domain is not a mock table, -ENOENT if @iova is
 * not mapped.
 */
int iommufd_mock_translate(struct iommufd_domain *domain, unsigned long iova,
			   phys_addr_t *paddr)
{
	struct mock_domain *mock;
	void *pte;

	if (domain->ops != &iommufd_mock_backend || domain->nested)
		return -EINVAL;
	mock = to_mock_domain(domain);
	pte = xa_load(&mock->ptes, iova >> mock->shift);
	if (!pte)
		return -ENOENT;
	*paddr = mock_pte_paddr(mock, pte) +
		 (iova & ((1UL << mock->shift) - 1));
	return 0;
}

static struct iommufd_hwdev *mock_probe(struct device *dev, void *owner)
{
	struct mock_dev *mdev;

	if (dev->bus != &mock_bus)
		return ERR_PTR(-ENODEV);
	mdev = to_mock_dev(dev);
	/* Like real hardware, a device is owned by one context at a time. */
	if (mdev->bound)
		return ERR_PTR(-EBUSY);
	mdev->bound = true;
	return &mdev->hwdev;
}

static void mock_release(struct iommufd_hwdev *hwdev)
{
	to_mock_dev(hwdev->dev)->bound = false;
}

static int mock_hw_info(struct iommufd_hwdev *hwdev,
			struct iommufd_hw_desc *desc, void *data, size_t len)
{
	struct iommu_test_hw_info info = {
		.test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL,
	};

	if (desc->type != IOMMU_HW_INFO_TYPE_DEFAULT &&
	    desc->type != IOMMU_HW_INFO_TYPE_SELFTEST)
		return -EOPNOTSUPP;
	desc->type = IOMMU_HW_INFO_TYPE_SELFTEST;
	if (to_mock_dev(hwdev->dev)->flags & MOCK_FLAGS_DEVICE_PASID)
		desc->max_pasid_log2 = MOCK_PASID_WIDTH;
	if (!(to_mock_dev(hwdev->dev)->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		desc->capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;
	memcpy(data, &info, min(len, sizeof(info)));
	return sizeof(info);
}

/* Where each model translates, and with which page sizes. */
static void mock_model_caps(u32 dev_flags, struct iommufd_window_caps *caps)
{
	struct iommufd_aperture *ap = caps->apertures;

	caps->nr_apertures = 1;
	switch (dev_flags & MOCK_MODELS) {
	case MOCK_FLAGS_DEVICE_MODEL_VTD:
		ap->last = MOCK_VTD_APERTURE_LAST;
		ap->pgsizes = MOCK_VTD_PAGE_SIZES;
		break;
	case MOCK_FLAGS_DEVICE_MODEL_SMMU:
		ap->last = MOCK_SMMU_APERTURE_LAST;
		ap->pgsizes = MOCK_SMMU_PAGE_SIZES;
		break;
	case MOCK_FLAGS_DEVICE_MODEL_PPC:
		caps->max_windows = MOCK_PPC_WINDOWS;
		caps->nr_apertures = 2;
		ap[0].last = MOCK_PPC_LOW_LAST;
		ap[1].start = MOCK_PPC_HIGH_START;
		ap[1].last = MOCK_PPC_HIGH_LAST;
		for (; ap != caps->apertures + 2; ap++) {
			ap->pgsizes = MOCK_PPC_PAGE_SIZES;
			ap->flags = IOMMU_APERTURE_FIXED_START |
				    IOMMU_APERTURE_ONE_PAGE_SIZE;
			ap->max_levels = MOCK_PPC_MAX_LEVELS;
		}
		break;
	default:
		ap->start = MOCK_APERTURE_START;
		ap->last = MOCK_APERTURE_LAST;
		ap->pgsizes = MOCK_IO_PAGE_SIZE;
		if (dev_flags & MOCK_FLAGS_DEVICE_HUGE_IOVA)
			ap->pgsizes |= MOCK_HUGE_PAGE_SIZE;
	}
}

/* What a nested table must share to serve two devices: their model. */
static const char mock_models_share[4];

/*
 * The first stage of every model but PowerPC's (whose TCE tables have a
 * single stage) takes IOMMU_HWPT_DATA_SELFTEST tables, shaped like the
 * model's real first stage; a table serves devices of one model only.
 */
static int mock_hwpt_formats(struct iommufd_hwdev *hwdev,
			     struct iommufd_hwpt_format *formats,
			     unsigned int max, u32 *caps)
{
	u32 flags = to_mock_dev(hwdev->dev)->flags;
	struct iommu_hwpt_format *f = &formats->uapi;

	*caps = 0;
	if (flags & MOCK_FLAGS_DEVICE_MODEL_PPC)
		return 0;
	*caps = IOMMU_HWPT_CAPS_NEST_PARENT;
	if (!max)
		return 1;
	memset(formats, 0, sizeof(*formats));
	f->data_type = IOMMU_HWPT_DATA_SELFTEST;
	f->invalidate_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST;
	f->flags = IOMMU_HWPT_FORMAT_FAULTS;
	switch (flags & MOCK_MODELS) {
	case MOCK_FLAGS_DEVICE_MODEL_VTD:
		f->addr_width = 48;
		f->max_levels = 4;
		f->page_sizes = MOCK_VTD_PAGE_SIZES;
		formats->share = &mock_models_share[1];
		break;
	case MOCK_FLAGS_DEVICE_MODEL_SMMU:
		f->addr_width = 48;
		f->max_levels = 4;
		f->page_sizes = MOCK_SMMU_PAGE_SIZES;
		formats->share = &mock_models_share[2];
		break;
	default:
		/* One level that adds an offset to every address. */
		f->addr_width = 64;
		f->max_levels = 1;
		f->page_sizes = MOCK_IO_PAGE_SIZE;
		if (flags & MOCK_FLAGS_DEVICE_HUGE_IOVA)
			f->page_sizes |= MOCK_HUGE_PAGE_SIZE;
		formats->share = &mock_models_share[0];
	}
	return 1;
}

static int mock_window_caps(struct iommufd_hwdev *hwdev,
			    struct iommufd_window_caps *caps)
{
	mock_model_caps(to_mock_dev(hwdev->dev)->flags, caps);
	return 0;
}

static int mock_resv_ranges(struct iommufd_hwdev *hwdev, iommufd_resv_fn fn,
			    void *opaque)
{
	switch (to_mock_dev(hwdev->dev)->flags & MOCK_MODELS) {
	case MOCK_FLAGS_DEVICE_MODEL_VTD:
		return fn(MOCK_VTD_MSI_START, MOCK_VTD_MSI_LAST, opaque);
	case MOCK_FLAGS_DEVICE_MODEL_SMMU:
		return fn(MOCK_SMMU_MSI_START, MOCK_SMMU_MSI_LAST, opaque);
	case MOCK_FLAGS_DEVICE_MODEL_PPC:
		/* Nothing is translated between the two apertures. */
		return fn(MOCK_PPC_LOW_LAST + 1, MOCK_PPC_HIGH_START - 1,
			  opaque);
	}
	return 0;
}

static struct iommufd_domain *
mock_domain_alloc(struct iommufd_hwdev *hwdev, u32 flags, bool windowed,
		  const struct iommu_user_data *user_data)
{
	struct mock_dev *mdev = to_mock_dev(hwdev->dev);
	struct iommufd_window_caps caps = {};
	struct mock_domain *mock;
	unsigned long larger;

	/*
	 * A table of any model but PowerPC's may parent nested ones, as on
	 * hardware with two stages (mock_hwpt_formats()).
	 */
	if ((flags & ~(IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
		       IOMMU_HWPT_ALLOC_NEST_PARENT)) || user_data)
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_ALLOC_NEST_PARENT) &&
	    (mdev->flags & MOCK_FLAGS_DEVICE_MODEL_PPC))
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    (mdev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return ERR_PTR(-EOPNOTSUPP);

	mock = kzalloc(sizeof(*mock), GFP_KERNEL_ACCOUNT);
	if (!mock)
		return ERR_PTR(-ENOMEM);
	/* One table spans every aperture of the model. */
	mock_model_caps(mdev->flags, &caps);
	mock->base.ops = &iommufd_mock_backend;
	mock->base.pgsize_bitmap = caps.apertures[0].pgsizes;
	mock->base.aperture_start = caps.apertures[0].start;
	mock->base.aperture_last = caps.apertures[caps.nr_apertures - 1].last;
	mock->shift = __ffs(mock->base.pgsize_bitmap);
	/* The next size up makes the huge entries. */
	larger = mock->base.pgsize_bitmap & ~(1UL << mock->shift);
	if (larger)
		mock->huge_shift = __ffs(larger);
	mock->base.dirty_tracking = flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	mock->model = mdev->flags & MOCK_MODELS;
	INIT_LIST_HEAD(&mock->base.iopt_link);
	xa_init(&mock->ptes);
	return &mock->base;
}

static void mock_domain_free(struct iommufd_domain *domain)
{
	struct mock_domain *mock;

	if (domain->nested) {
		mock_nested_free(domain);
		return;
	}
	mock = to_mock_domain(domain);
	/* The core unmaps everything before it frees a table. */
	WARN_ON(!xa_empty(&mock->ptes));
	xa_destroy(&mock->ptes);
	kfree(mock);
}

/*
 * Can the device use @domain? Only a table made for its model, as tables
 * of one IOMMU driver do not fit another's hardware; and not one tracking
 * writes it cannot track. A nested table is judged by its second stage.
 */
static int mock_can_use(struct iommufd_hwdev *hwdev,
			struct iommufd_domain *domain)
{
	if (domain->ops == &iommufd_mock_backend && domain->nested)
		domain = mock_nested_parent(domain);
	if (domain->ops != &iommufd_mock_backend ||
	    to_mock_domain(domain)->model !=
	    (to_mock_dev(hwdev->dev)->flags & MOCK_MODELS))
		return -EMEDIUMTYPE;
	if (domain->dirty_tracking &&
	    (to_mock_dev(hwdev->dev)->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return -EINVAL;
	return 0;
}

static int mock_attach(struct iommufd_hwdev *hwdev,
		       struct iommufd_domain *domain)
{
	struct mock_dev *mdev = to_mock_dev(hwdev->dev);
	int rc = mock_can_use(hwdev, domain);
	struct iommufd_domain *cur;

	if (rc)
		return rc;
	/* Requests of groups not closed yet are lost with the old table. */
	cur = mdev->nested ?: (mdev->domain ? &mdev->domain->base : NULL);
	if (cur != domain)
		mdev->npartial = 0;
	/* The first stage is the identity: DMA goes through the parent. */
	if (domain->nested) {
		mdev->nested = domain;
		domain = mock_nested_parent(domain);
	} else {
		mdev->nested = NULL;
	}
	mdev->domain = to_mock_domain(domain);
	return 0;
}

static void mock_detach(struct iommufd_hwdev *hwdev)
{
	struct mock_dev *mdev = to_mock_dev(hwdev->dev);

	/* The core detaches the extra tables first. */
	WARN_ON(!list_empty(&mdev->extras));
	mdev->domain = NULL;
	mdev->nested = NULL;
	mdev->npartial = 0;
}

/* Does DMA of a device to @iova go to @mock, if the device uses it? */
/* The window of @mock holding all of [@iova, @last], or NULL. */
static const struct iommufd_window *mock_window_of(struct mock_domain *mock,
						   unsigned long iova,
						   unsigned long last)
{
	unsigned int w;

	for (w = 0; w != mock->nr_windows; w++)
		if (iova >= mock->windows[w].start &&
		    last <= mock->windows[w].last)
			return &mock->windows[w];
	return NULL;
}

static bool mock_routes_to(struct mock_domain *mock, unsigned long iova)
{
	if (mock->model != MOCK_FLAGS_DEVICE_MODEL_PPC)
		return iova >= mock->base.aperture_start &&
		       iova <= mock->base.aperture_last;
	return mock_window_of(mock, iova, iova);
}

/* Only the PowerPC model routes DMA by address. */
static int mock_attach_extra(struct iommufd_hwdev *hwdev,
			     struct iommufd_domain *domain)
{
	struct mock_dev *mdev = to_mock_dev(hwdev->dev);
	struct mock_extra *extra;
	int rc;

	if (!(mdev->flags & MOCK_FLAGS_DEVICE_MODEL_PPC))
		return -EOPNOTSUPP;
	/* The core never adds a nested table as an extra one. */
	if (WARN_ON(domain->nested))
		return -EINVAL;
	rc = mock_can_use(hwdev, domain);
	if (rc)
		return rc;
	extra = kzalloc(sizeof(*extra), GFP_KERNEL_ACCOUNT);
	if (!extra)
		return -ENOMEM;
	extra->domain = to_mock_domain(domain);
	list_add_tail(&extra->link, &mdev->extras);
	return 0;
}

static void mock_detach_extra(struct iommufd_hwdev *hwdev,
			      struct iommufd_domain *domain)
{
	struct mock_dev *mdev = to_mock_dev(hwdev->dev);
	struct mock_extra *extra;

	list_for_each_entry(extra, &mdev->extras, link) {
		if (&extra->domain->base != domain)
			continue;
		list_del(&extra->link);
		kfree(extra);
		return;
	}
	WARN_ON(1);
}

/**
 * iommufd_mock_dev_translate() - where a mock device's DMA to an IOVA goes
 * @dev: a mock device
 * @iova: the IOVA
 * @paddr: set to the physical address the DMA reaches
 *
 * The DMA goes through the table the device is attached to or one of its
 * extra tables: the one whose window holds @iova. On a nested table, the
 * first stage's output is what the parent translates.
 *
 * Context: the attach_lock of the context that bound @dev held.
 * Return: 0, or -ENOENT if the DMA is blocked (no table of the device
 * translates @iova, or nothing is mapped there), -EINVAL if two tables
 * would take it, which the core must never allow (with a warning).
 */
int iommufd_mock_dev_translate(struct device *dev, unsigned long iova,
			       phys_addr_t *paddr)
{
	struct mock_dev *mdev = to_mock_dev(dev);
	struct mock_domain *to = NULL;
	struct mock_extra *extra;

	if (mdev->nested)
		iova = mock_nested_stage1(mdev->nested, iova);
	if (mdev->domain && mock_routes_to(mdev->domain, iova))
		to = mdev->domain;
	list_for_each_entry(extra, &mdev->extras, link) {
		if (!mock_routes_to(extra->domain, iova))
			continue;
		if (WARN_ON(to))
			return -EINVAL;
		to = extra->domain;
	}
	if (!to)
		return -ENOENT;
	return iommufd_mock_translate(&to->base, iova, paddr);
}

/**
 * iommufd_mock_trigger_iopf() - a mock device raises an I/O page fault
 * @dev: a mock device
 * @pasid: the PASID of the request, 0 for none
 * @grpid: the page request group
 * @perm: IOMMU_FAULT_PERM_* bits
 * @addr: the address that faulted
 * @last: the request closes its group; without, it is kept until one does
 *
 * A closed group, the requests kept for it (same @grpid and @pasid) and
 * this one, reaches the fault queue of the nested table the device is
 * attached to: requests with a PASID as well, since a nested table's
 * first stage holds the PASID table (user_pasid_table in the IOMMU core).
 * Otherwise, as an IOMMU does with a fault nobody handles, it is dropped.
 *
 * Context: the attach_lock of the context that bound @dev held.
 * Return: 0, -ENOSPC if @last is false and MOCK_IOPF_PARTIAL_MAX requests
 * are kept already, or -ENOMEM.
 */
int iommufd_mock_trigger_iopf(struct device *dev, u32 pasid, u32 grpid,
			      u32 perm, u64 addr, bool last)
{
	const struct iommu_fault_page_request req = {
		.flags = pasid ? IOMMU_FAULT_PAGE_REQUEST_PASID_VALID : 0,
		.pasid = pasid,
		.grpid = grpid,
		.perm = perm,
		.addr = addr,
	};
	struct iommu_fault_page_request reqs[MOCK_IOPF_PARTIAL_MAX + 1];
	struct mock_dev *mdev = to_mock_dev(dev);
	unsigned int i, kept = 0, nr = 0;

	if (!last) {
		if (mdev->npartial == MOCK_IOPF_PARTIAL_MAX)
			return -ENOSPC;
		mdev->partial[mdev->npartial++] = req;
		return 0;
	}
	/* The kept requests of the same group, in order, then this one */
	for (i = 0; i != mdev->npartial; i++) {
		if (mdev->partial[i].grpid == grpid &&
		    mdev->partial[i].pasid == pasid)
			reqs[nr++] = mdev->partial[i];
		else
			mdev->partial[kept++] = mdev->partial[i];
	}
	mdev->npartial = kept;
	reqs[nr++] = req;
	if (!mdev->nested || !mdev->nested->fault)
		return 0;
	return mock_fault_raise(&mdev->hwdev, mdev->nested, reqs, nr);
}

/*
 * Entries are written and erased in batches under one walk of the xarray;
 * the lock is dropped between batches so that mapping a large range does
 * not hold a spinlock for long.
 */
#define MOCK_BATCH 512

/*
 * Erase entries [first, first + npages). With @check, warn unless they are
 * all present and the first one starts a run.
 */
static void mock_erase(struct mock_domain *mock, unsigned long first,
		       unsigned long npages, bool check)
{
	XA_STATE(xas, &mock->ptes, first);
	unsigned long i = 0, end;
	void *pte;

	while (i != npages) {
		end = min(npages, i + MOCK_BATCH);
		xas_set(&xas, first + i);
		xas_lock(&xas);
		for (; i != end; i++, xas_next(&xas)) {
			pte = xas_load(&xas);
			WARN_ON(check && (!pte || (!i && !mock_pte_run_start(pte))));
			/* Storing NULL never allocates. */
			xas_store(&xas, NULL);
		}
		xas_unlock(&xas);
		cond_resched();
	}
}

/*
 * With windows, a mapping must lie in one of them and be made of whole IO
 * pages of that window, which are physically contiguous.
 */
static bool mock_in_window(struct mock_domain *mock, unsigned long iova,
			   const struct iommufd_phys_run *runs,
			   unsigned int nr, unsigned long size)
{
	const struct iommufd_window *window;
	unsigned int r;

	window = mock_window_of(mock, iova, iova + size - 1);
	if (!window || iova & (window->page_size - 1))
		return false;
	for (r = 0; r != nr; r++)
		if ((runs[r].paddr | runs[r].size) & (window->page_size - 1))
			return false;
	return true;
}

/* Check a ->map() request; return its number of IO pages, or 0 if bad. */
static unsigned long mock_map_npages(struct mock_domain *mock,
				     unsigned long iova,
				     const struct iommufd_phys_run *runs,
				     unsigned int nr)
{
	unsigned long size = 0, mask = (1UL << mock->shift) - 1;
	unsigned int r;

	if (WARN_ON(!nr || iova & mask))
		return 0;
	for (r = 0; r != nr; r++) {
		if (WARN_ON(!runs[r].size ||
			    ((runs[r].paddr | runs[r].size) & mask)))
			return 0;
		size += runs[r].size;
	}
	if (WARN_ON(iova < mock->base.aperture_start ||
		    iova + size - 1 > mock->base.aperture_last))
		return 0;
	if (mock->nr_windows &&
	    WARN_ON(!mock_in_window(mock, iova, runs, nr, size)))
		return 0;
	return size >> mock->shift;
}

/* Entries in a huge IO page of @mock; 1 if it has none. */
static unsigned long mock_huge_entries(struct mock_domain *mock)
{
	return mock->huge_shift ? 1UL << (mock->huge_shift - mock->shift) : 1;
}

/*
 * Would the entry at @index start a huge entry of @n entries, mapping IO
 * page @pfn with @left IO pages of its run left?
 */
static bool mock_huge_starts(unsigned long n, unsigned long index,
			     unsigned long pfn, unsigned long left)
{
	return !(index & (n - 1)) && !(pfn & (n - 1)) && left >= n;
}

/*
 * The first entry of every run is marked, so that mock_unmap() can check
 * that unmaps cover whole runs; so are the entries of each aligned huge IO
 * page a run covers, which form one huge entry.
 */
static int mock_map(struct iommufd_domain *domain, unsigned long iova,
		    const struct iommufd_phys_run *runs, unsigned int nr,
		    int prot)
{
	struct mock_domain *mock = to_mock_domain(domain);
	unsigned long first = iova >> mock->shift;
	unsigned long npages = mock_map_npages(mock, iova, runs, nr);
	unsigned long huge = mock_huge_entries(mock);
	unsigned long i = 0, end, pfn, left, huge_left = 0;
	XA_STATE(xas, &mock->ptes, first);
	const struct iommufd_phys_run *run = runs;
	void *old;
	int rc = 0;

	if (!npages)
		return -EINVAL;

	/* The next IO page to map, and how many of its run are left. */
	pfn = run->paddr >> mock->shift;
	left = run->size >> mock->shift;
	while (i != npages) {
		end = min(npages, i + MOCK_BATCH);
		xas_set(&xas, first + i);
		xas_lock(&xas);
		for (; i != end; i++, xas_next(&xas)) {
			if (huge > 1 && !huge_left &&
			    mock_huge_starts(huge, first + i, pfn, left))
				huge_left = huge;
			old = xas_store(&xas, mock_pte(pfn, prot,
						       pfn << mock->shift ==
						       run->paddr, huge_left));
			if (xas_error(&xas))
				break;
			/* The core never maps over a mapping. */
			if (WARN_ON(old)) {
				xas_store(&xas, old);
				xas_set_err(&xas, -EBUSY);
				break;
			}
			if (huge_left)
				huge_left--;
			pfn++;
			if (!--left && i + 1 != npages) {
				run++;
				pfn = run->paddr >> mock->shift;
				left = run->size >> mock->shift;
			}
		}
		xas_unlock(&xas);
		/* Out of nodes: allocate, then redo the entry that failed. */
		if (xas_nomem(&xas, GFP_KERNEL_ACCOUNT))
			continue;
		rc = xas_error(&xas);
		if (rc)
			break;
		cond_resched();
	}
	if (rc)
		mock_erase(mock, first, i, false);
	return rc;
}

static void mock_unmap(struct iommufd_domain *domain, unsigned long iova,
		       size_t size)
{
	struct mock_domain *mock = to_mock_domain(domain);
	unsigned long first = iova >> mock->shift;
	unsigned long npages = size >> mock->shift;
	void *pte;

	/*
	 * The range is all mapped and made of whole runs: it starts a run
	 * and the page after it, if mapped, starts another.
	 */
	mock_erase(mock, first, npages, true);
	pte = xa_load(&mock->ptes, first + npages);
	WARN_ON(pte && !mock_pte_run_start(pte));
}

/*
 * Is the group of @n entries from @index dirty? With @clear, clean it in
 * the same step, as hardware tests and clears its dirty bits atomically.
 */
static bool mock_test_dirty(struct mock_domain *mock, unsigned long index,
			    unsigned long n, bool clear)
{
	XA_STATE(xas, &mock->ptes, index);
	bool dirty = false;
	void *pte;

	xas_lock(&xas);
	for (; n; n--, xas_next(&xas)) {
		pte = xas_load(&xas);
		if (!pte || !mock_pte_has(pte, MOCK_PTE_DIRTY))
			continue;
		dirty = true;
		/* Rewriting an entry never allocates. */
		if (clear)
			xas_store(&xas, mock_pte_dirty(pte, false));
	}
	xas_unlock(&xas);
	return dirty;
}

/* Set the dirty bit of the group of @n entries from @index. */
static void mock_mark_dirty(struct mock_domain *mock, unsigned long index,
			    unsigned long n)
{
	XA_STATE(xas, &mock->ptes, index);
	void *pte;

	xas_lock(&xas);
	for (; n; n--, xas_next(&xas)) {
		pte = xas_load(&xas);
		if (pte)
			xas_store(&xas, mock_pte_dirty(pte, true));
	}
	xas_unlock(&xas);
}

static int mock_set_dirty_tracking(struct iommufd_domain *domain,
				   bool enable)
{
	WRITE_ONCE(to_mock_domain(domain)->tracking, enable);
	return 0;
}

static int mock_read_dirty(struct iommufd_domain *domain, unsigned long iova,
			   size_t size, bool clear, struct iova_bitmap *bitmap)
{
	struct mock_domain *mock = to_mock_domain(domain);
	unsigned long index = iova >> mock->shift;
	unsigned long last = (iova + size - 1) >> mock->shift;
	unsigned long start, n;
	void *pte;

	while (index <= last) {
		start = index;
		n = 1;
		pte = xa_load(&mock->ptes, index);
		if (pte && mock_pte_has(pte, MOCK_PTE_HUGE)) {
			n = mock_huge_entries(mock);
			start = index & ~(n - 1);
		}
		if (mock_test_dirty(mock, start, n, clear) && bitmap)
			iova_bitmap_set(bitmap, start << mock->shift,
					n << mock->shift);
		index = start + n;
		cond_resched();
	}
	return 0;
}

/**
 * iommufd_mock_mark_dirty() - play a device that writes to an IOVA
 * @domain: a table of any backend
 * @iova: the IOVA written to
 *
 * While tracking is on, the entry mapping @iova gets its dirty bit set, or
 * all the entries of the huge entry it belongs to.
 *
 * Return: 1 if an entry was marked, 0 if @iova is not mapped or tracking
 * is off, -EINVAL if @domain is not a mock table made for dirty tracking.
 */
int iommufd_mock_mark_dirty(struct iommufd_domain *domain, unsigned long iova)
{
	struct mock_domain *mock;
	unsigned long index, n = 1;
	void *pte;

	if (domain->ops != &iommufd_mock_backend || !domain->dirty_tracking)
		return -EINVAL;
	mock = to_mock_domain(domain);
	if (!READ_ONCE(mock->tracking))
		return 0;
	index = iova >> mock->shift;
	pte = xa_load(&mock->ptes, index);
	if (!pte)
		return 0;
	if (mock_pte_has(pte, MOCK_PTE_HUGE)) {
		n = mock_huge_entries(mock);
		index &= ~(n - 1);
	}
	mock_mark_dirty(mock, index, n);
	return 1;
}

/*
 * Only the PowerPC model has a table per window: it records the windows,
 * refusing what its hardware could not do. The core checks the device's
 * capabilities first, so a refusal here is a bug of the core.
 */
static int mock_window_add(struct iommufd_domain *domain,
			   const struct iommufd_window *window)
{
	struct mock_domain *mock = to_mock_domain(domain);

	if (mock->model != MOCK_FLAGS_DEVICE_MODEL_PPC)
		return 0;
	if (WARN_ON(mock->nr_windows == MOCK_PPC_WINDOWS))
		return -ENOSPC;
	if (WARN_ON(!(window->page_size & MOCK_PPC_PAGE_SIZES) ||
		    window->levels > MOCK_PPC_MAX_LEVELS))
		return -EOPNOTSUPP;
	mock->windows[mock->nr_windows++] = *window;
	return 0;
}

static void mock_window_remove(struct iommufd_domain *domain,
			       const struct iommufd_window *window)
{
	struct mock_domain *mock = to_mock_domain(domain);
	unsigned long index = window->start >> mock->shift;
	unsigned int w;

	if (mock->model != MOCK_FLAGS_DEVICE_MODEL_PPC)
		return;
	for (w = 0; w != mock->nr_windows; w++) {
		if (mock->windows[w].start != window->start)
			continue;
		/* The core empties a window before removing it. */
		WARN_ON(xa_find(&mock->ptes, &index,
				window->last >> mock->shift, XA_PRESENT));
		mock->windows[w] = mock->windows[--mock->nr_windows];
		return;
	}
	WARN_ON(1);
}

const struct iommufd_backend_ops iommufd_mock_backend = {
	.name = MOCK_NAME,
	.probe = mock_probe,
	.release = mock_release,
	.hw_info = mock_hw_info,
	.domain_alloc = mock_domain_alloc,
	.domain_alloc_nested = mock_nested_alloc,
	.hwpt_formats = mock_hwpt_formats,
	.domain_free = mock_domain_free,
	.attach = mock_attach,
	.detach = mock_detach,
	.map = mock_map,
	.unmap = mock_unmap,
	.for_each_resv = mock_resv_ranges,
	.window_caps = mock_window_caps,
	.window_add = mock_window_add,
	.window_remove = mock_window_remove,
	.attach_extra = mock_attach_extra,
	.detach_extra = mock_detach_extra,
	.cache_invalidate = mock_nested_invalidate,
	.fault_respond = mock_fault_respond,
	.set_dirty_tracking = mock_set_dirty_tracking,
	.read_dirty = mock_read_dirty,
};

/* Mock devices are only ever the mock's: it is asked before the others. */
static struct iommufd_backend mock_backend = {
	.ops = &iommufd_mock_backend,
	.rank = IOMMUFD_BACKEND_SPECIFIC,
};

int iommufd_mock_init(void)
{
	int rc;

	mock_root = root_device_register(MOCK_NAME);
	if (IS_ERR(mock_root))
		return PTR_ERR(mock_root);
	rc = bus_register(&mock_bus);
	if (rc) {
		root_device_unregister(mock_root);
		return rc;
	}
	iommufd_backend_register(&mock_backend);
	return 0;
}

void iommufd_mock_exit(void)
{
	iommufd_backend_unregister(&mock_backend);
	bus_unregister(&mock_bus);
	root_device_unregister(mock_root);
}
