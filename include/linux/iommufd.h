/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * In-kernel interface of /dev/iommu.
 *
 * VFIO is the only user. It lets a VFIO device join an iommufd context that
 * user space opened, so that the device's DMA goes through an IO address
 * space (IOAS) or hardware page table managed by that context. Physical
 * devices are bound and attached through their IOMMU; emulated (mdev-style)
 * devices instead obtain an access object and let the CPU reach the IOAS's
 * memory on their behalf. The remaining entries serve VFIO's container
 * compatibility.
 *
 * All of the types below are opaque to callers. The symbols live in the
 * IOMMUFD namespace, except the VFIO compatibility helpers, which are in
 * IOMMUFD_VFIO. The functions are documented where they are defined.
 */
#ifndef __LINUX_IOMMUFD_H
#define __LINUX_IOMMUFD_H

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/types.h>

struct device;
struct file;
struct iommu_group;
struct iommufd_access;
struct iommufd_ctx;
struct iommufd_device;
struct page;

/*
 * Contexts. A context is one open /dev/iommu file. VFIO looks it up from
 * the file or file descriptor user space passes in, and keeps a reference
 * for as long as it uses it.
 */
void iommufd_ctx_get(struct iommufd_ctx *ictx);

#if IS_ENABLED(CONFIG_IOMMUFD)
struct iommufd_ctx *iommufd_ctx_from_file(struct file *file);
struct iommufd_ctx *iommufd_ctx_from_fd(int fd);
void iommufd_ctx_put(struct iommufd_ctx *ictx);
bool iommufd_ctx_has_group(struct iommufd_ctx *ictx, struct iommu_group *group);
#else
static inline struct iommufd_ctx *iommufd_ctx_from_file(struct file *file)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline void iommufd_ctx_put(struct iommufd_ctx *ictx)
{
}
#endif

/*
 * Physical devices. Binding makes the device an object of the context,
 * with an ID user space can name, and claims its DMA ownership. A bound
 * device is then attached to an IOAS or hardware page table, possibly
 * replaced by another one, and detached again before it is unbound.
 */
struct iommufd_device *iommufd_device_bind(struct iommufd_ctx *ictx,
					   struct device *dev, u32 *id);
void iommufd_device_unbind(struct iommufd_device *idev);

int iommufd_device_attach(struct iommufd_device *idev, u32 *pt_id);
int iommufd_device_replace(struct iommufd_device *idev, u32 *pt_id);
void iommufd_device_detach(struct iommufd_device *idev);

struct iommufd_ctx *iommufd_device_to_ictx(struct iommufd_device *idev);
u32 iommufd_device_to_id(struct iommufd_device *idev);

/*
 * Emulated devices. Such a device has no IOMMU of its own; its driver
 * creates an access object, attaches it to an IOAS, and then pins pages
 * or copies data at IOVAs of that IOAS. When user space unmaps a range the
 * driver uses, the unmap callback runs and must stop using, and unpin, the
 * range before it returns. A driver that pins pages sets needs_pin_pages.
 */
struct iommufd_access_ops {
	u8 needs_pin_pages:1;
	void (*unmap)(void *data, unsigned long iova, unsigned long length);
};

/* Flags for iommufd_access_rw() */
enum {
	IOMMUFD_ACCESS_RW_READ = 0,
	IOMMUFD_ACCESS_RW_WRITE = 1 << 0,
	/* The caller is a kthread; the IOAS owner's mm is borrowed for the copy */
	IOMMUFD_ACCESS_RW_KTHREAD = 1 << 1,
	/* Selftest only: act as if the caller's mm were not the memory's */
	__IOMMUFD_ACCESS_RW_SLOW_PATH = 1 << 2,
};

struct iommufd_access *
iommufd_access_create(struct iommufd_ctx *ictx,
		      const struct iommufd_access_ops *ops, void *data, u32 *id);
void iommufd_access_destroy(struct iommufd_access *access);
int iommufd_access_attach(struct iommufd_access *access, u32 ioas_id);
int iommufd_access_replace(struct iommufd_access *access, u32 ioas_id);
void iommufd_access_detach(struct iommufd_access *access);

#if IS_ENABLED(CONFIG_IOMMUFD)
int iommufd_access_pin_pages(struct iommufd_access *access, unsigned long iova,
			     unsigned long length, struct page **out_pages,
			     unsigned int flags);
void iommufd_access_unpin_pages(struct iommufd_access *access,
				unsigned long iova, unsigned long length);
int iommufd_access_rw(struct iommufd_access *access, unsigned long iova,
		      void *data, size_t len, unsigned int flags);
#else
static inline int iommufd_access_pin_pages(struct iommufd_access *access,
					   unsigned long iova,
					   unsigned long length,
					   struct page **out_pages,
					   unsigned int flags)
{
	return -EOPNOTSUPP;
}

static inline void iommufd_access_unpin_pages(struct iommufd_access *access,
					      unsigned long iova,
					      unsigned long length)
{
}

static inline int iommufd_access_rw(struct iommufd_access *access,
				    unsigned long iova, void *data, size_t len,
				    unsigned int flags)
{
	return -EOPNOTSUPP;
}
#endif

/*
 * VFIO container compatibility. When a context stands in for a VFIO
 * container, the legacy group interface works on the context's single
 * compatibility IOAS, created on demand; a no-IOMMU container uses none.
 * VFIO also tells the context which IOMMU groups joined it, so that the
 * container can describe their hardware before any device is opened.
 */
#if IS_ENABLED(CONFIG_IOMMUFD)
int iommufd_vfio_compat_ioas_get_id(struct iommufd_ctx *ictx, u32 *out_ioas_id);
int iommufd_vfio_compat_ioas_create(struct iommufd_ctx *ictx);
int iommufd_vfio_compat_set_no_iommu(struct iommufd_ctx *ictx);
int iommufd_vfio_compat_group_join(struct iommufd_ctx *ictx,
				   struct iommu_group *group);
void iommufd_vfio_compat_group_leave(struct iommufd_ctx *ictx,
				     struct iommu_group *group);
#else
static inline int iommufd_vfio_compat_ioas_create(struct iommufd_ctx *ictx)
{
	return -EOPNOTSUPP;
}

static inline int iommufd_vfio_compat_set_no_iommu(struct iommufd_ctx *ictx)
{
	return -EOPNOTSUPP;
}

static inline int iommufd_vfio_compat_group_join(struct iommufd_ctx *ictx,
						 struct iommu_group *group)
{
	return -EOPNOTSUPP;
}

static inline void iommufd_vfio_compat_group_leave(struct iommufd_ctx *ictx,
						   struct iommu_group *group)
{
}
#endif

#endif /* __LINUX_IOMMUFD_H */
