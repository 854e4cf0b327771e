// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The backend for translation hardware driven by the IOMMU core: VT-d,
 * SMMUv3, AMD-Vi and every other driver that registers struct iommu_ops.
 * Everything here goes through the IOMMU core's API; nothing depends on
 * which driver is underneath.
 *
 * Probing a device claims DMA ownership of its IOMMU group for the binding
 * context (the owner cookie), so that no kernel driver can use the group
 * behind user space's back, and refuses a device whose MSIs are not
 * isolated (unless the allow_unsafe_interrupts parameter says otherwise):
 * a device that can forge MSIs could interrupt other users of the machine.
 *
 * The IOMMU core attaches whole groups, while the core of iommufd attaches
 * devices. The backend keeps one struct iommu_api_group per group with a
 * bound device: the domain the group uses and how many of its bound
 * devices are attached. All devices of a group must use the same domain;
 * the group moves to another domain only when a single device is attached,
 * and goes back to blocking DMA when its last device detaches.
 *
 * A driver that reserves a software MSI window (IOMMU_RESV_SW_MSI, as
 * SMMUv3 does) expects the domain's owner to give the domain an MSI cookie
 * for that window, so that the DMA layer can map the MSI doorbell there
 * when the device's interrupts are set up. The window is reserved in the
 * IOAS like every other reserved region (->for_each_resv), so the cookie's
 * mappings never collide with user mappings.
 *
 * Nesting: a driver with two stages of translation makes nested domains
 * (IOMMU_DOMAIN_NESTED) from its user format through ->domain_alloc_user(),
 * given the parent it made with IOMMU_HWPT_ALLOC_NEST_PARENT, and carries
 * out user invalidation requests with ->cache_invalidate_user(). Drivers
 * without it refuse the parent flag, so nesting is offered exactly where
 * the hardware has it. A nested domain's MSI cookie and coherency are its
 * parent's. The one piece of driver knowledge here is the table of user
 * page-table formats the drivers define in the uAPI (iommu_api_formats[]),
 * for IOMMU_HWPT_FORMATS: which format goes with which hardware
 * information, and where that information gives the format's limits.
 *
 * Cache coherency: every mapping is made with IOMMU_CACHE, the IOMMU core's
 * way of saying that DMA is coherent with the CPU caches (without it, an
 * SMMUv3 would map memory as non-cacheable). A device whose IOMMU can also
 * block no-snoop DMA (IOMMU_CAP_ENFORCE_CACHE_COHERENCY) only ever uses
 * domains that do: VFIO tells KVM that such a device's DMA is coherent, and
 * KVM then skips emulating the guest's cache flushes.
 *
 * Locking: iommu_api_lock protects the group list and each group's state;
 * its place in the driver's lock order is in object.h.
 */
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "../iommu-priv.h"
#include "backend.h"

static bool allow_unsafe_interrupts;
module_param(allow_unsafe_interrupts, bool, 0644);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Bind devices whose MSIs are not isolated by the platform. Such a device can interrupt other devices' users; say yes only on a machine whose users all trust each other.");

/**
 * struct iommu_api_group - state of an IOMMU group with bound devices
 * @base: the bookkeeping every backend shares, in iommu_api_groups;
 *        @base.nattached counts the devices attached to @domain
 * @domain: the domain the group translates through, NULL when blocked
 */
struct iommu_api_group {
	struct iommufd_hwgroup base;
	struct iommu_api_domain *domain;
};

/**
 * struct iommu_api_dev - a device bound through this backend
 * @base: what the core sees
 * @grp: state of the device's group
 * @attached: the device counts in @grp->base.nattached
 */
struct iommu_api_dev {
	struct iommufd_hwdev base;
	struct iommu_api_group *grp;
	bool attached;
};

/**
 * struct iommu_api_domain - an IOMMU core domain
 * @base: what the core sees
 * @domain: the IOMMU core's domain
 * @parent: for a nested domain, the one that is its second stage
 * @msi_cookie: an MSI cookie for a software MSI window was set up
 * @msi_start: start of that window
 */
struct iommu_api_domain {
	struct iommufd_domain base;
	struct iommu_domain *domain;
	struct iommu_api_domain *parent;
	bool msi_cookie;
	phys_addr_t msi_start;
};

static const struct iommufd_backend_ops iommu_api_ops;

static DEFINE_MUTEX(iommu_api_lock);
static LIST_HEAD(iommu_api_groups);

static struct iommu_api_dev *to_api_dev(struct iommufd_hwdev *hwdev)
{
	return container_of(hwdev, struct iommu_api_dev, base);
}

static struct iommu_api_domain *to_api_domain(struct iommufd_domain *domain)
{
	return container_of(domain, struct iommu_api_domain, base);
}

/* Find or create the state of @group, holding a bound device's count. */
static struct iommu_api_group *iommu_api_group_get(struct iommu_group *group)
{
	struct iommufd_hwgroup *grp;

	lockdep_assert_held(&iommu_api_lock);

	grp = iommufd_hwgroup_get(&iommu_api_groups, group,
				  sizeof(struct iommu_api_group));
	return grp ? container_of(grp, struct iommu_api_group, base) : NULL;
}

static void iommu_api_group_put(struct iommu_api_group *grp)
{
	lockdep_assert_held(&iommu_api_lock);

	if (!iommufd_hwgroup_put(&grp->base))
		return;
	WARN_ON(grp->domain);
	kfree(grp);
}

static struct iommufd_hwdev *iommu_api_probe(struct device *dev, void *owner)
{
	struct iommu_api_dev *adev;
	struct iommu_group *group;
	int rc;

	if (!device_iommu_mapped(dev))
		return ERR_PTR(-ENODEV);
	/* Mappings must be coherent with the CPU caches without flushing. */
	if (!device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY))
		return ERR_PTR(-EINVAL);

	group = iommu_group_get(dev);
	if (!group)
		return ERR_PTR(-ENODEV);
	if (!iommu_group_has_isolated_msi(group)) {
		if (!allow_unsafe_interrupts) {
			dev_warn(dev,
				 "MSIs are not isolated: not binding it to iommufd (see iommufd.allow_unsafe_interrupts)\n");
			rc = -EPERM;
			goto err_put_group;
		}
		dev_warn(dev,
			 "MSIs are not isolated: binding it anyway, as iommufd.allow_unsafe_interrupts says\n");
	}

	adev = kzalloc(sizeof(*adev), GFP_KERNEL_ACCOUNT);
	if (!adev) {
		rc = -ENOMEM;
		goto err_put_group;
	}
	rc = iommu_device_claim_dma_owner(dev, owner);
	if (rc)
		goto err_free;

	mutex_lock(&iommu_api_lock);
	adev->grp = iommu_api_group_get(group);
	mutex_unlock(&iommu_api_lock);
	if (!adev->grp) {
		rc = -ENOMEM;
		goto err_release_owner;
	}
	adev->base.ops = &iommu_api_ops;
	adev->base.dev = dev;
	return &adev->base;

err_release_owner:
	iommu_device_release_dma_owner(dev);
err_free:
	kfree(adev);
err_put_group:
	iommu_group_put(group);
	return ERR_PTR(rc);
}

static void iommu_api_release(struct iommufd_hwdev *hwdev)
{
	struct iommu_api_dev *adev = to_api_dev(hwdev);
	struct iommu_group *group = adev->grp->base.group;

	WARN_ON(adev->attached);
	mutex_lock(&iommu_api_lock);
	iommu_api_group_put(adev->grp);
	mutex_unlock(&iommu_api_lock);
	iommu_device_release_dma_owner(hwdev->dev);
	iommu_group_put(group);
	kfree(adev);
}

static int iommu_api_hw_info(struct iommufd_hwdev *hwdev,
			     struct iommufd_hw_desc *desc, void *data,
			     size_t len)
{
	const struct iommu_ops *ops = dev_iommu_ops(hwdev->dev);
	enum iommu_hw_info_type type = IOMMU_HW_INFO_TYPE_NONE;
	u32 info_len = 0;
	void *info = NULL;

	if (ops->hw_info) {
		info = ops->hw_info(hwdev->dev, &info_len, &type);
		if (IS_ERR(info))
			return PTR_ERR(info);
	}
	if (desc->type != IOMMU_HW_INFO_TYPE_DEFAULT && desc->type != type) {
		kfree(info);
		return -EOPNOTSUPP;
	}
	desc->type = type;
	if (device_iommu_capable(hwdev->dev, IOMMU_CAP_DIRTY_TRACKING))
		desc->capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;
	if (hwdev->dev->iommu && hwdev->dev->iommu->max_pasids)
		desc->max_pasid_log2 = ilog2(hwdev->dev->iommu->max_pasids);
	memcpy(data, info, min_t(size_t, len, info_len));
	kfree(info);
	return info_len;
}

static int iommu_api_resv_walk(struct iommufd_hwdev *hwdev,
			       iommufd_resv_fn fn, void *opaque)
{
	struct iommu_resv_region *resv;
	LIST_HEAD(regions);
	int rc = 0;

	iommu_get_resv_regions(hwdev->dev, &regions);
	list_for_each_entry(resv, &regions, list) {
		/* The device works without these; user space may map there. */
		if (resv->type == IOMMU_RESV_DIRECT_RELAXABLE || !resv->length)
			continue;
		rc = fn(resv->start, resv->start + resv->length - 1, opaque);
		if (rc)
			break;
	}
	iommu_put_resv_regions(hwdev->dev, &regions);
	return rc;
}

/*
 * Make @adom block no-snoop DMA if @dev's IOMMU can, as VFIO promises KVM;
 * return false if it cannot be done (on VT-d, a domain that already has
 * mappings made without snooping).
 */
static bool iommu_api_coherent_for(struct device *dev,
				   struct iommu_api_domain *adom)
{
	struct iommu_domain *domain = adom->domain;

	if (adom->base.enforce_cache_coherency ||
	    !device_iommu_capable(dev, IOMMU_CAP_ENFORCE_CACHE_COHERENCY))
		return true;
	if (!domain->ops->enforce_cache_coherency ||
	    !domain->ops->enforce_cache_coherency(domain))
		return false;
	adom->base.enforce_cache_coherency = true;
	return true;
}

static struct iommufd_domain *
iommu_api_domain_alloc(struct iommufd_hwdev *hwdev, u32 flags,
		       bool windowed, const struct iommu_user_data *user_data)
{
	const struct iommu_ops *ops = dev_iommu_ops(hwdev->dev);
	struct iommu_api_domain *adom;
	struct iommu_domain *domain;

	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    !device_iommu_capable(hwdev->dev, IOMMU_CAP_DIRTY_TRACKING))
		return ERR_PTR(-EOPNOTSUPP);

	adom = kzalloc(sizeof(*adom), GFP_KERNEL_ACCOUNT);
	if (!adom)
		return ERR_PTR(-ENOMEM);
	/*
	 * ->domain_alloc_user() is the allocator made for us: it takes our
	 * flags, and on VT-d it is the one that sizes the aperture to the
	 * hardware (its legacy allocator reports a wider one).
	 */
	if (ops->domain_alloc_user) {
		domain = ops->domain_alloc_user(hwdev->dev, flags, NULL,
						user_data);
		if (!IS_ERR(domain))
			domain->owner = ops;
	} else if (flags || user_data) {
		domain = ERR_PTR(-EOPNOTSUPP);
	} else {
		domain = iommu_paging_domain_alloc(hwdev->dev);
	}
	if (IS_ERR(domain)) {
		kfree(adom);
		return ERR_CAST(domain);
	}

	adom->domain = domain;
	if (!iommu_api_coherent_for(hwdev->dev, adom)) {
		iommu_domain_free(domain);
		kfree(adom);
		return ERR_PTR(-EINVAL);
	}
	adom->base.ops = &iommu_api_ops;
	adom->base.pgsize_bitmap = domain->pgsize_bitmap;
	/* Drivers give dirty_ops to the tables asked for with the flag. */
	adom->base.dirty_tracking = (flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
				    domain->dirty_ops;
	if (domain->geometry.force_aperture) {
		adom->base.aperture_start = domain->geometry.aperture_start;
		adom->base.aperture_last = domain->geometry.aperture_end;
	} else {
		adom->base.aperture_start = 0;
		adom->base.aperture_last = ULONG_MAX;
	}
	INIT_LIST_HEAD(&adom->base.iopt_link);
	return &adom->base;
}

/*
 * A nested domain: the driver's first-stage format in @user_data, on
 * @parent, which the driver allocated with IOMMU_HWPT_ALLOC_NEST_PARENT
 * (a driver without nesting refused that flag already).
 */
static struct iommufd_domain *
iommu_api_domain_alloc_nested(struct iommufd_hwdev *hwdev,
			      struct iommufd_domain *parent, u32 flags,
			      const struct iommu_user_data *user_data)
{
	const struct iommu_ops *ops = dev_iommu_ops(hwdev->dev);
	struct iommu_api_domain *adom, *s2 = to_api_domain(parent);
	struct iommu_domain *domain;

	if (!ops->domain_alloc_user)
		return ERR_PTR(-EOPNOTSUPP);
	adom = kzalloc(sizeof(*adom), GFP_KERNEL_ACCOUNT);
	if (!adom)
		return ERR_PTR(-ENOMEM);
	domain = ops->domain_alloc_user(hwdev->dev, flags, s2->domain,
					user_data);
	if (IS_ERR(domain)) {
		kfree(adom);
		return ERR_CAST(domain);
	}
	/* What the core relies on; a driver that breaks it is a bug. */
	if (WARN_ON(domain->type != IOMMU_DOMAIN_NESTED ||
		    !domain->ops->cache_invalidate_user)) {
		iommu_domain_free(domain);
		kfree(adom);
		return ERR_PTR(-EINVAL);
	}
	domain->owner = ops;
	adom->domain = domain;
	adom->parent = s2;
	adom->base.ops = &iommu_api_ops;
	adom->base.nested = true;
	adom->base.pgsize_bitmap = parent->pgsize_bitmap;
	adom->base.aperture_start = parent->aperture_start;
	adom->base.aperture_last = parent->aperture_last;
	INIT_LIST_HEAD(&adom->base.iopt_link);
	return &adom->base;
}

static int iommu_api_cache_invalidate(struct iommufd_domain *domain,
				      struct iommu_user_data_array *array)
{
	struct iommu_domain *nested = to_api_domain(domain)->domain;

	return nested->ops->cache_invalidate_user(nested, array);
}

/* VT-d's first stage: 4 or 5 levels, 1 GiB pages if CAP_REG says so. */
static void iommu_api_vtd_s1_limits(const void *info, u32 len,
				    struct iommu_hwpt_format *f)
{
	const struct iommu_hw_info_vtd *vtd = info;
	/* CAP_REG bits of the VT-d specification: FL5LP (60), FL1GP (56). */
	bool five = len >= sizeof(*vtd) && (vtd->cap_reg >> 60) & 1;
	bool gig = len >= sizeof(*vtd) && (vtd->cap_reg >> 56) & 1;

	f->addr_width = five ? 57 : 48;
	f->max_levels = five ? 5 : 4;
	f->page_sizes = SZ_4K | SZ_2M | (gig ? SZ_1G : 0);
}

/**
 * struct iommu_api_format - a user page-table format a driver defines
 * @info_type: the enum iommu_hw_info_type of the driver's hardware
 * @data_type: the format's enum iommu_hwpt_data_type
 * @invalidate_type: its enum iommu_hwpt_invalidate_data_type
 * @limits: fill in the limits from the hardware information
 */
struct iommu_api_format {
	u32 info_type;
	u32 data_type;
	u32 invalidate_type;
	void (*limits)(const void *info, u32 len, struct iommu_hwpt_format *f);
};

static const struct iommu_api_format iommu_api_formats[] = {
	{
		.info_type = IOMMU_HW_INFO_TYPE_INTEL_VTD,
		.data_type = IOMMU_HWPT_DATA_VTD_S1,
		.invalidate_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
		.limits = iommu_api_vtd_s1_limits,
	},
};

/* Can the driver make a nesting parent for @dev? Made and freed to see. */
static bool iommu_api_can_nest(struct device *dev)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	struct iommu_domain *domain;

	if (!ops->domain_alloc_user)
		return false;
	domain = ops->domain_alloc_user(dev, IOMMU_HWPT_ALLOC_NEST_PARENT,
					NULL, NULL);
	if (IS_ERR(domain))
		return false;
	iommu_domain_free(domain);
	return true;
}

static int iommu_api_hwpt_formats(struct iommufd_hwdev *hwdev,
				  struct iommufd_hwpt_format *formats,
				  unsigned int max, u32 *caps)
{
	const struct iommu_ops *ops = dev_iommu_ops(hwdev->dev);
	const struct iommu_api_format *fmt;
	u32 type = IOMMU_HW_INFO_TYPE_NONE, len = 0;
	unsigned int i, n = 0;
	void *info;

	*caps = 0;
	if (!iommu_api_can_nest(hwdev->dev))
		return 0;
	*caps = IOMMU_HWPT_CAPS_NEST_PARENT;
	if (!ops->hw_info)
		return 0;
	info = ops->hw_info(hwdev->dev, &len, &type);
	if (IS_ERR(info))
		return PTR_ERR(info);
	for (i = 0; i != ARRAY_SIZE(iommu_api_formats); i++) {
		fmt = &iommu_api_formats[i];
		if (fmt->info_type != type)
			continue;
		if (n < max) {
			memset(&formats[n], 0, sizeof(formats[n]));
			formats[n].uapi.data_type = fmt->data_type;
			formats[n].uapi.invalidate_type = fmt->invalidate_type;
			fmt->limits(info, len, &formats[n].uapi);
			/* Tables of one driver serve its devices. */
			formats[n].share = ops;
		}
		n++;
	}
	kfree(info);
	return n;
}

static void iommu_api_domain_free(struct iommufd_domain *domain)
{
	struct iommu_api_domain *adom = to_api_domain(domain);

	iommu_domain_free(adom->domain);
	kfree(adom);
}

/* Give @adom the MSI cookie the device's driver asks for, if any. */
static int iommu_api_setup_msi(struct device *dev,
			       struct iommu_api_domain *adom)
{
	struct iommu_resv_region *resv;
	phys_addr_t start = 0;
	bool sw_msi = false;
	LIST_HEAD(regions);
	int rc = 0;

	iommu_get_resv_regions(dev, &regions);
	list_for_each_entry(resv, &regions, list) {
		if (resv->type != IOMMU_RESV_SW_MSI)
			continue;
		/* A driver has at most one software MSI window. */
		if (WARN_ON(sw_msi && resv->start != start)) {
			rc = -EINVAL;
			goto out_put;
		}
		sw_msi = true;
		start = resv->start;
	}
	if (!sw_msi)
		goto out_put;
	if (adom->msi_cookie) {
		/* One cookie per domain: devices must agree on the window. */
		if (adom->msi_start != start)
			rc = -EMEDIUMTYPE;
		goto out_put;
	}
	rc = iommu_get_msi_cookie(adom->domain, start);
	if (!rc) {
		adom->msi_cookie = true;
		adom->msi_start = start;
	}
out_put:
	iommu_put_resv_regions(dev, &regions);
	return rc;
}

static int iommu_api_attach(struct iommufd_hwdev *hwdev,
			    struct iommufd_domain *domain)
{
	struct iommu_api_dev *adev = to_api_dev(hwdev);
	struct iommu_api_group *grp = adev->grp;
	struct iommu_api_domain *adom, *s2;
	int rc;

	if (domain->ops != &iommu_api_ops)
		return -EMEDIUMTYPE;
	adom = to_api_domain(domain);
	/* Coherency and the MSI cookie are the second stage's. */
	s2 = adom->parent ?: adom;

	mutex_lock(&iommu_api_lock);
	if (grp->domain == adom)
		goto out_attached;
	/* A device that needs coherent DMA looks for (or makes) a table. */
	if (!iommu_api_coherent_for(hwdev->dev, s2)) {
		rc = -EMEDIUMTYPE;
		goto out_unlock;
	}
	/*
	 * The group moves only if no other device of it is attached: this
	 * table is not one the device can use, and an automatic attach goes
	 * on to the next one (the group's own, perhaps).
	 */
	if (!iommufd_hwgroup_may_move(&grp->base, adev->attached)) {
		rc = -EMEDIUMTYPE;
		goto out_unlock;
	}
	rc = iommu_api_setup_msi(hwdev->dev, s2);
	if (rc)
		goto out_unlock;
	/*
	 * From blocking DMA this is a plain attach; from another domain the
	 * IOMMU core switches the group over without blocking in between.
	 * The drivers answer -EINVAL for a domain they cannot use (for
	 * instance one of another IOMMU instance).
	 */
	rc = iommu_group_replace_domain(grp->base.group, adom->domain);
	if (rc) {
		if (rc == -EINVAL)
			rc = -EMEDIUMTYPE;
		goto out_unlock;
	}
	grp->domain = adom;
out_attached:
	iommufd_hwgroup_attached(&grp->base, &adev->attached);
	rc = 0;
out_unlock:
	mutex_unlock(&iommu_api_lock);
	return rc;
}

static void iommu_api_detach(struct iommufd_hwdev *hwdev)
{
	struct iommu_api_dev *adev = to_api_dev(hwdev);
	struct iommu_api_group *grp = adev->grp;

	mutex_lock(&iommu_api_lock);
	if (iommufd_hwgroup_detached(&grp->base, &adev->attached)) {
		/* Back to blocking DMA, as the group's owner wants. */
		iommu_detach_group(grp->domain->domain, grp->base.group);
		grp->domain = NULL;
	}
	mutex_unlock(&iommu_api_lock);
}

static int iommu_api_map(struct iommufd_domain *domain, unsigned long iova,
			 const struct iommufd_phys_run *runs, unsigned int nr,
			 int prot)
{
	struct iommu_domain *idom = to_api_domain(domain)->domain;
	unsigned long done = 0;
	unsigned int r;
	int rc;

	for (r = 0; r != nr; r++) {
		rc = iommu_map(idom, iova + done, runs[r].paddr, runs[r].size,
			       prot | IOMMU_CACHE, GFP_KERNEL_ACCOUNT);
		if (rc) {
			if (done)
				iommu_unmap(idom, iova, done);
			return rc;
		}
		done += runs[r].size;
	}
	return 0;
}

static void iommu_api_unmap(struct iommufd_domain *domain, unsigned long iova,
			    size_t size)
{
	struct iommu_domain *idom = to_api_domain(domain)->domain;

	WARN_ON(iommu_unmap(idom, iova, size) != size);
}

static int iommu_api_set_dirty_tracking(struct iommufd_domain *domain,
					bool enable)
{
	struct iommu_domain *idom = to_api_domain(domain)->domain;

	return idom->dirty_ops->set_dirty_tracking(idom, enable);
}

static int iommu_api_read_dirty(struct iommufd_domain *domain,
				unsigned long iova, size_t size, bool clear,
				struct iova_bitmap *bitmap)
{
	struct iommu_domain *idom = to_api_domain(domain)->domain;
	struct iommu_iotlb_gather gather;
	struct iommu_dirty_bitmap dirty;
	int rc;

	iommu_iotlb_gather_init(&gather);
	iommu_dirty_bitmap_init(&dirty, bitmap, &gather);
	rc = idom->dirty_ops->read_and_clear_dirty(idom, iova, size,
						   clear ? 0 :
						   IOMMU_DIRTY_NO_CLEAR,
						   &dirty);
	/* Cleared bits count only once the IOTLB forgets the old entries. */
	if (clear)
		iommu_iotlb_sync(idom, &gather);
	return rc;
}

static const struct iommufd_backend_ops iommu_api_ops = {
	.name = "iommu",
	.probe = iommu_api_probe,
	.release = iommu_api_release,
	.hw_info = iommu_api_hw_info,
	.for_each_resv = iommu_api_resv_walk,
	.domain_alloc = iommu_api_domain_alloc,
	.domain_alloc_nested = iommu_api_domain_alloc_nested,
	.hwpt_formats = iommu_api_hwpt_formats,
	.domain_free = iommu_api_domain_free,
	.attach = iommu_api_attach,
	.detach = iommu_api_detach,
	.map = iommu_api_map,
	.unmap = iommu_api_unmap,
	.set_dirty_tracking = iommu_api_set_dirty_tracking,
	.read_dirty = iommu_api_read_dirty,
	.cache_invalidate = iommu_api_cache_invalidate,
};

static struct iommufd_backend iommu_api_backend = {
	.ops = &iommu_api_ops,
	.rank = IOMMUFD_BACKEND_GENERIC,
};

/* Register the backend; see backend.c. */
void iommufd_iommu_api_init(void)
{
	iommufd_backend_register(&iommu_api_backend);
}

void iommufd_iommu_api_exit(void)
{
	iommufd_backend_unregister(&iommu_api_backend);
}

MODULE_IMPORT_NS(IOMMUFD_INTERNAL);
