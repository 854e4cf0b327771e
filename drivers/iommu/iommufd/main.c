// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * /dev/iommu: the character device, the ioctl dispatcher and the context
 * reference API that VFIO uses.
 *
 * Every ioctl argument starts with a __u32 size. The dispatcher enforces the
 * rules of include/uapi/linux/iommufd.h before any handler runs: a size
 * below the command's first ABI revision is -EINVAL, bytes beyond what this
 * kernel knows must be zero (-E2BIG otherwise), and a number that is not one
 * of ours is -ENOTTY. Handlers then see a structure of the kernel's size,
 * zero-filled past what the caller provided.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/iommufd.h>
#include <uapi/linux/iommufd.h>

#include "backend.h"
#include "debugfs.h"
#include "fdinfo.h"
#include "ioctl.h"
#include "object.h"
#include "pin.h"
#include "selftest.h"
#include "vfio_compat.h"

/* Large enough for the biggest command structure; checked per entry. */
#define IOMMUFD_CMD_BUF_SIZE 128

/**
 * struct iommufd_ioctl_desc - how to check and run one command
 * @cmd: the complete ioctl number, so that a matching index with another
 *       type or direction is still refused
 * @min_size: size of the command's first ABI revision
 * @size: size of the structure this kernel knows
 * @handler: the command's implementation
 */
struct iommufd_ioctl_desc {
	unsigned int cmd;
	unsigned int min_size;
	unsigned int size;
	int (*handler)(struct iommufd_ucmd *ucmd);
};

/*
 * One entry per command, found by the number IOMMUFD_CMD_@name and issued
 * as IOMMU_@name. @first_last names the last member of the command's first
 * ABI revision: members added later may be missing from an older caller's
 * structure.
 */
#define IOMMUFD_IOCTL(name, fn, type, first_last)                            \
	[IOMMUFD_CMD_##name - IOMMUFD_CMD_BASE] = {                          \
		.cmd = IOMMU_##name,                                         \
		.min_size = offsetofend(struct type, first_last),           \
		.size = sizeof(struct type) +                                \
			BUILD_BUG_ON_ZERO(sizeof(struct type) >              \
					  IOMMUFD_CMD_BUF_SIZE),             \
		.handler = fn,                                               \
	}

static const struct iommufd_ioctl_desc iommufd_ioctls[] = {
	IOMMUFD_IOCTL(DESTROY, iommufd_destroy, iommu_destroy, id),
	IOMMUFD_IOCTL(DEVICE_ATTACH_EXTRA, iommufd_device_attach_extra_ioctl,
		      iommu_device_extra, pt_id),
	IOMMUFD_IOCTL(DEVICE_DETACH_EXTRA, iommufd_device_detach_extra_ioctl,
		      iommu_device_extra, pt_id),
	IOMMUFD_IOCTL(FAULT_QUEUE_ALLOC, iommufd_fault_alloc_ioctl,
		      iommu_fault_alloc, out_fault_fd),
	IOMMUFD_IOCTL(GET_HW_INFO, iommufd_get_hw_info_ioctl, iommu_hw_info,
		      __reserved),
	IOMMUFD_IOCTL(HWPT_ALLOC, iommufd_hwpt_alloc_ioctl, iommu_hwpt_alloc,
		      __reserved),
	IOMMUFD_IOCTL(HWPT_FORMATS, iommufd_hwpt_formats_ioctl,
		      iommu_hwpt_formats, formats),
	IOMMUFD_IOCTL(HWPT_GET_DIRTY_BITMAP,
		      iommufd_hwpt_get_dirty_bitmap_ioctl,
		      iommu_hwpt_get_dirty_bitmap, data),
	IOMMUFD_IOCTL(HWPT_INVALIDATE, iommufd_hwpt_invalidate_ioctl,
		      iommu_hwpt_invalidate, __reserved),
	IOMMUFD_IOCTL(HWPT_SET_DIRTY_TRACKING,
		      iommufd_hwpt_set_dirty_tracking_ioctl,
		      iommu_hwpt_set_dirty_tracking, __reserved),
	IOMMUFD_IOCTL(IOAS_ALLOC, iommufd_ioas_alloc_ioctl, iommu_ioas_alloc,
		      out_ioas_id),
	IOMMUFD_IOCTL(IOAS_ALLOW_IOVAS, iommufd_ioas_allow_iovas_ioctl,
		      iommu_ioas_allow_iovas, allowed_iovas),
	IOMMUFD_IOCTL(IOAS_COPY, iommufd_ioas_copy_ioctl, iommu_ioas_copy,
		      src_iova),
	IOMMUFD_IOCTL(IOAS_IOVA_RANGES, iommufd_ioas_iova_ranges_ioctl,
		      iommu_ioas_iova_ranges, out_iova_alignment),
	IOMMUFD_IOCTL(IOAS_MAP, iommufd_ioas_map_ioctl, iommu_ioas_map, iova),
	IOMMUFD_IOCTL(IOAS_MAP_FILE, iommufd_ioas_map_file_ioctl,
		      iommu_ioas_map_file, iova),
	IOMMUFD_IOCTL(IOAS_UNMAP, iommufd_ioas_unmap_ioctl, iommu_ioas_unmap,
		      length),
	IOMMUFD_IOCTL(IOAS_WINDOW_ADD, iommufd_ioas_window_add_ioctl,
		      iommu_ioas_window_add, page_size),
	IOMMUFD_IOCTL(IOAS_WINDOW_REMOVE, iommufd_ioas_window_remove_ioctl,
		      iommu_ioas_window_remove, iova),
	IOMMUFD_IOCTL(OPTION, iommufd_option_ioctl, iommu_option, val64),
	IOMMUFD_IOCTL(PIN_STATS, iommufd_pin_stats_ioctl, iommu_pin_stats,
		      out_charged),
	IOMMUFD_IOCTL(VFIO_IOAS, iommufd_vfio_ioas_ioctl, iommu_vfio_ioas,
		      __reserved),
	IOMMUFD_IOCTL(WINDOW_CAPS, iommufd_window_caps_ioctl,
		      iommu_window_caps, reserved),
	IOMMUFD_TEST_IOCTLS
};

/**
 * iommufd_ucmd_respond() - copy a command's outputs back to user space
 * @ucmd: the command being executed
 * @cmd_len: size of the kernel's structure
 *
 * Copies as much of the kernel's structure as the caller's structure holds,
 * so that an older caller gets the fields it knows about.
 *
 * Return: 0 or -EFAULT.
 */
int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

/* Write the pending range, if any, to the user's array (if it has room). */
int iommufd_uranges_flush(struct iommufd_uranges *out)
{
	struct iommu_iova_range range = {
		.start = out->start,
		.last = out->last,
	};

	if (!out->pending)
		return 0;
	out->pending = false;
	if (out->count < out->capacity &&
	    copy_to_user(&out->uranges[out->count], &range, sizeof(range)))
		return -EFAULT;
	out->count++;
	return 0;
}

/**
 * iommufd_uranges_add() - add a range to an IOVA range array of a reply
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 * @opaque: the struct iommufd_uranges
 *
 * Ranges must come in increasing order of start; one that overlaps or
 * touches the previous one is merged into it. Ranges beyond the array's
 * capacity are only counted. Call iommufd_uranges_flush() after the last.
 *
 * Return: 0 or -EFAULT.
 */
int iommufd_uranges_add(unsigned long start, unsigned long last,
			void *opaque)
{
	struct iommufd_uranges *out = opaque;
	int rc;

	if (out->pending && start >= out->start &&
	    (out->last == ULONG_MAX || start <= out->last + 1)) {
		out->last = max(out->last, last);
		return 0;
	}
	rc = iommufd_uranges_flush(out);
	if (rc)
		return rc;
	out->start = start;
	out->last = last;
	out->pending = true;
	return 0;
}

int iommufd_destroy(struct iommufd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;

	return iommufd_object_destroy_user(ucmd->ictx, cmd->id);
}

static long iommufd_fops_ioctl(struct file *filp, unsigned int cmd,
			       unsigned long arg)
{
	struct iommufd_ctx *ictx = filp->private_data;
	u64 buf[IOMMUFD_CMD_BUF_SIZE / sizeof(u64)];
	const struct iommufd_ioctl_desc *desc;
	unsigned int nr = _IOC_NR(cmd);
	struct iommufd_ucmd ucmd = {
		.ictx = ictx,
		.ubuffer = (void __user *)arg,
		.cmd = buf,
	};
	int rc;

	if (nr < IOMMUFD_CMD_BASE ||
	    nr - IOMMUFD_CMD_BASE >= ARRAY_SIZE(iommufd_ioctls))
		return iommufd_vfio_ioctl(ictx, cmd, arg);

	desc = &iommufd_ioctls[nr - IOMMUFD_CMD_BASE];
	if (!desc->handler || desc->cmd != cmd)
		return -ENOTTY;

	if (get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer))
		return -EFAULT;
	if (ucmd.user_size < desc->min_size)
		return -EINVAL;
	rc = copy_struct_from_user(buf, desc->size, ucmd.ubuffer,
				   ucmd.user_size);
	if (rc)
		return rc;
	return desc->handler(&ucmd);
}

static int iommufd_fops_open(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx;

	ictx = kzalloc(sizeof(*ictx), GFP_KERNEL_ACCOUNT);
	if (!ictx)
		return -ENOMEM;
	xa_init_flags(&ictx->objects, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	mutex_init(&ictx->attach_lock);
	init_waitqueue_head(&ictx->lookups_done);
	INIT_LIST_HEAD(&ictx->vfio_groups);
	ictx->file = filp;
	/*
	 * The VFIO container node charges pinned memory the way VFIO's own
	 * container does: to the process, not to the user.
	 */
	ictx->account_mode = iommufd_vfio_node_opened(filp) ?
			     IOMMUFD_ACCOUNT_MM : IOMMUFD_ACCOUNT_USER;
	filp->private_data = ictx;
	iommufd_debugfs_add(ictx);
	return 0;
}

static int iommufd_fops_release(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx = filp->private_data;

	/* First: the file's readers look at every object. */
	iommufd_debugfs_remove(ictx);
	iommufd_ctx_destroy_all(ictx);
	iommufd_vfio_release(ictx);
	xa_destroy(&ictx->objects);
	mutex_destroy(&ictx->attach_lock);
	kfree(ictx);
	return 0;
}

static const struct file_operations iommufd_fops = {
	.owner = THIS_MODULE,
	.open = iommufd_fops_open,
	.release = iommufd_fops_release,
	.unlocked_ioctl = iommufd_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.show_fdinfo = iommufd_show_fdinfo,
};

/**
 * iommufd_ctx_get() - take a reference on a context
 * @ictx: the context
 *
 * Drop it with iommufd_ctx_put().
 *
 * Context: any context.
 */
void iommufd_ctx_get(struct iommufd_ctx *ictx)
{
	get_file(ictx->file);
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_get, IOMMUFD);

/* The context of @file, or NULL if @file is not one of ours. */
static struct iommufd_ctx *iommufd_file_ctx(struct file *file)
{
	return file->f_op == &iommufd_fops ? file->private_data : NULL;
}

/**
 * iommufd_ctx_from_file() - get the context behind an open /dev/iommu file
 * @file: a file, which need not be ours
 *
 * The caller keeps its own reference on @file; the context gets a new one,
 * to be dropped with iommufd_ctx_put().
 *
 * Context: any context.
 * Return: the context, or ERR_PTR(-EBADFD) if @file is not /dev/iommu.
 */
struct iommufd_ctx *iommufd_ctx_from_file(struct file *file)
{
	struct iommufd_ctx *ictx = iommufd_file_ctx(file);

	if (ictx)
		iommufd_ctx_get(ictx);
	return ictx ?: ERR_PTR(-EBADFD);
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_from_file, IOMMUFD);

/**
 * iommufd_ctx_from_fd() - get the context behind a file descriptor
 * @fd: file descriptor of the calling process
 *
 * Drop the returned reference with iommufd_ctx_put().
 *
 * Context: process context.
 * Return: the context, ERR_PTR(-EBADF) if @fd is not open, or
 * ERR_PTR(-EBADFD) if it is not /dev/iommu.
 */
struct iommufd_ctx *iommufd_ctx_from_fd(int fd)
{
	CLASS(fd, f)(fd);

	if (fd_empty(f))
		return ERR_PTR(-EBADF);
	return iommufd_ctx_from_file(fd_file(f));
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_from_fd, IOMMUFD);

/**
 * iommufd_ctx_put() - drop a context reference
 * @ictx: the context
 *
 * Context: process context; dropping the last reference closes the file.
 */
void iommufd_ctx_put(struct iommufd_ctx *ictx)
{
	fput(ictx->file);
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_put, IOMMUFD);

/* /dev/iommu, and optionally the VFIO container node, share one fops. */
static struct miscdevice iommufd_misc_dev = {
	.name = "iommu", .nodename = "iommu",
	.minor = MISC_DYNAMIC_MINOR, .mode = 0660,
	.fops = &iommufd_fops,
};

static int __init iommufd_init(void)
{
	int rc;

	rc = iommufd_backends_init();
	if (rc)
		return rc;
	iommufd_debugfs_init();
	rc = iommufd_test_init();
	if (rc)
		goto err_backends;
	rc = iommufd_vfio_node_register(&iommufd_fops);
	if (rc)
		goto err_test;
	/* Last: from here on user space can open us. */
	rc = misc_register(&iommufd_misc_dev);
	if (rc)
		goto err_vfio;
	return 0;

err_vfio:
	iommufd_vfio_node_unregister();
err_test:
	iommufd_test_exit();
err_backends:
	iommufd_debugfs_exit();
	iommufd_backends_exit();
	return rc;
}

static void __exit iommufd_exit(void)
{
	misc_deregister(&iommufd_misc_dev);
	iommufd_vfio_node_unregister();
	iommufd_test_exit();
	iommufd_debugfs_exit();
	iommufd_backends_exit();
}

module_init(iommufd_init);
module_exit(iommufd_exit);

MODULE_DESCRIPTION("IOMMU file descriptor: user space IO address spaces");
MODULE_LICENSE("GPL");
