/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
#ifndef __IOMMUFD_VFIO_COMPAT_H
#define __IOMMUFD_VFIO_COMPAT_H

#include <linux/fs.h>

struct iommufd_ctx;

long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			unsigned long arg);
void iommufd_vfio_release(struct iommufd_ctx *ictx);
struct iommufd_window_caps;
int iommufd_vfio_groups_caps(struct iommufd_ctx *ictx,
			     struct iommufd_window_caps *caps);
struct iommufd_pin_tally;
int iommufd_vfio_tally_pins(struct iommufd_ctx *ictx,
			    struct iommufd_pin_tally *tally);
struct vfio_eeh_pe_op;
int iommufd_vfio_groups_eeh_pe_op(struct iommufd_ctx *ictx,
				  const struct vfio_eeh_pe_op *op);
int iommufd_vfio_get_arg(void *dst, const void __user *arg, size_t minsz);

/* vfio_spapr.c: the SPAPR TCE container API (v1 and v2) */
struct iommufd_ioas;
struct iommufd_vfio_spapr;
bool iommufd_vfio_spapr_windowed(struct iommufd_ctx *ictx,
				 struct iommufd_ioas *ioas);
int iommufd_vfio_spapr_set(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			   bool v1);
struct iommufd_vfio_spapr *iommufd_vfio_spapr_get(struct iommufd_ctx *ictx);
void iommufd_vfio_spapr_release(struct iommufd_ctx *ictx);
int iommufd_vfio_spapr_admit(struct iommufd_ctx *ictx,
			     struct iommufd_ioas *ioas,
			     const struct iommufd_window_caps *caps);
int iommufd_vfio_spapr_tally_pins(struct iommufd_ctx *ictx,
				  struct iommufd_pin_tally *tally);
long iommufd_vfio_spapr_ioctl(struct iommufd_ctx *ictx,
			      struct iommufd_ioas *ioas, unsigned int cmd,
			      void __user *arg);

/* vfio_node.c: /dev/vfio/vfio, with CONFIG_IOMMUFD_VFIO_CONTAINER */
#if IS_ENABLED(CONFIG_IOMMUFD_VFIO_CONTAINER)
int iommufd_vfio_node_register(const struct file_operations *fops);
void iommufd_vfio_node_unregister(void);
bool iommufd_vfio_node_opened(struct file *filp);
#else
static inline int
iommufd_vfio_node_register(const struct file_operations *fops)
{
	return 0;
}

static inline void iommufd_vfio_node_unregister(void)
{
}

static inline bool iommufd_vfio_node_opened(struct file *filp)
{
	return false;
}
#endif

#endif
