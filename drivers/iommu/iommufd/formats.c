// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * IOMMU_HWPT_FORMATS: which user page-table formats a set of devices all
 * accept for nested tables.
 *
 * Each device's backend describes its own formats (->hwpt_formats()); the
 * answer for several devices keeps the formats every one has with the
 * same data type and the same sharing key (a nested table is made on a
 * parent of one kind of hardware, and serves only devices that can use
 * that parent), narrowed to the constraints all of them meet. A format
 * whose page sizes do not overlap is dropped: no table could serve both.
 */
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "backend.h"
#include "device.h"
#include "ioctl.h"

/* The formats and capabilities all devices seen so far have in common. */
struct iommufd_formats_acc {
	struct iommufd_hwpt_format common[IOMMUFD_MAX_HWPT_FORMATS];
	unsigned int num;
	u32 caps;
	bool first;
};

/* Narrow @have to what @fmt also allows; false if nothing is left. */
static bool iommufd_format_narrow(struct iommu_hwpt_format *have,
				  const struct iommu_hwpt_format *fmt)
{
	have->flags &= fmt->flags;
	have->addr_width = min(have->addr_width, fmt->addr_width);
	have->max_levels = min(have->max_levels, fmt->max_levels);
	have->page_sizes &= fmt->page_sizes;
	return have->page_sizes && have->addr_width && have->max_levels;
}

/* Keep, of @acc's formats, those @dev also has, narrowed. */
static void iommufd_formats_meet(struct iommufd_formats_acc *acc,
				 const struct iommufd_hwpt_format *dev,
				 unsigned int ndev, u32 caps)
{
	unsigned int i, j, kept = 0;

	if (acc->first) {
		acc->first = false;
		memcpy(acc->common, dev, ndev * sizeof(*dev));
		acc->num = ndev;
		acc->caps = caps;
		return;
	}
	acc->caps &= caps;
	for (i = 0; i != acc->num; i++) {
		for (j = 0; j != ndev; j++)
			if (dev[j].uapi.data_type ==
			    acc->common[i].uapi.data_type &&
			    dev[j].share == acc->common[i].share)
				break;
		if (j == ndev ||
		    !iommufd_format_narrow(&acc->common[i].uapi, &dev[j].uapi))
			continue;
		acc->common[kept++] = acc->common[i];
	}
	acc->num = kept;
}

/* Add the formats of device @dev_id to @acc. */
static int iommufd_formats_of(struct iommufd_ucmd *ucmd, u32 dev_id,
			      struct iommufd_formats_acc *acc)
{
	struct iommufd_hwpt_format dev[IOMMUFD_MAX_HWPT_FORMATS];
	struct iommufd_object *obj;
	struct iommufd_hwdev *hwdev;
	u32 caps = 0;
	int n = 0;

	obj = iommufd_get_object(ucmd->ictx, dev_id, IOMMUFD_OBJ_DEVICE);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	hwdev = container_of(obj, struct iommufd_device, obj)->hwdev;
	if (hwdev->ops->hwpt_formats) {
		n = hwdev->ops->hwpt_formats(hwdev, dev, ARRAY_SIZE(dev),
					     &caps);
		/* A backend describes no more than the core keeps. */
		if (WARN_ON(n > (int)ARRAY_SIZE(dev)))
			n = ARRAY_SIZE(dev);
	}
	iommufd_put_object(ucmd->ictx, obj);
	if (n < 0)
		return n;
	iommufd_formats_meet(acc, dev, n, caps);
	return 0;
}

int iommufd_hwpt_formats_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_formats *cmd = ucmd->cmd;
	u32 __user *ids = u64_to_user_ptr(cmd->dev_ids);
	struct iommu_hwpt_format __user *out = u64_to_user_ptr(cmd->formats);
	struct iommufd_formats_acc *acc;
	unsigned int i;
	u32 dev_id;
	int rc = 0;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	if (!cmd->num_devs || cmd->num_devs > IOMMU_HWPT_FORMATS_MAX_DEVS)
		return -EINVAL;

	acc = kzalloc(sizeof(*acc), GFP_KERNEL);
	if (!acc)
		return -ENOMEM;
	acc->first = true;
	for (i = 0; i != cmd->num_devs && !rc; i++) {
		if (get_user(dev_id, ids + i))
			rc = -EFAULT;
		else
			rc = iommufd_formats_of(ucmd, dev_id, acc);
	}
	if (rc)
		goto out_free;

	for (i = 0; i != acc->num && i != cmd->num_formats; i++) {
		if (copy_to_user(out + i, &acc->common[i].uapi,
				 sizeof(acc->common[i].uapi))) {
			rc = -EFAULT;
			goto out_free;
		}
	}
	rc = acc->num > cmd->num_formats ? -EMSGSIZE : 0;
	cmd->num_formats = acc->num;
	cmd->out_caps = acc->caps;
	if (iommufd_ucmd_respond(ucmd, sizeof(*cmd)))
		rc = -EFAULT;
out_free:
	kfree(acc);
	return rc;
}
