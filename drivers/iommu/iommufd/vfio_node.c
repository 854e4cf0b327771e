// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * /dev/vfio/vfio served by iommufd (CONFIG_IOMMUFD_VFIO_CONTAINER), in
 * place of VFIO's own container (VFIO_CONTAINER=n): opening it gives an
 * ordinary iommufd context, whose VFIO container ioctls vfio_compat.c
 * emulates, charged to the process as VFIO's container charges. The node
 * has VFIO's minor number and module alias, so that opening it loads us.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "vfio_compat.h"

static struct miscdevice vfio_misc_dev = {
	.name = "vfio",
	.nodename = "vfio/vfio",
	.minor = VFIO_MINOR,
	.mode = 0666,
};

/**
 * iommufd_vfio_node_register() - create /dev/vfio/vfio
 * @fops: the file operations of /dev/iommu, which the node shares
 *
 * Return: 0, or the error of misc_register().
 */
int iommufd_vfio_node_register(const struct file_operations *fops)
{
	vfio_misc_dev.fops = fops;
	return misc_register(&vfio_misc_dev);
}

/**
 * iommufd_vfio_node_unregister() - remove /dev/vfio/vfio
 */
void iommufd_vfio_node_unregister(void)
{
	misc_deregister(&vfio_misc_dev);
}

/**
 * iommufd_vfio_node_opened() - is a file being opened through the node?
 * @filp: the file, in its ->open(), before private_data is set
 *
 * Return: true if @filp is an open of /dev/vfio/vfio.
 */
bool iommufd_vfio_node_opened(struct file *filp)
{
	return filp->private_data == &vfio_misc_dev;
}

MODULE_ALIAS_MISCDEV(VFIO_MINOR);
MODULE_ALIAS("devname:vfio/vfio");
