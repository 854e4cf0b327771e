// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The in-kernel API VFIO uses to put devices into IO address spaces.
 *
 * Binding physical devices and creating emulated-device accesses are not
 * implemented yet. Both fail with -EOPNOTSUPP, so VFIO refuses
 * VFIO_DEVICE_BIND_IOMMUFD and emulated-device binding cleanly, and no
 * struct iommufd_device or struct iommufd_access is ever handed out. The
 * functions that take one of those can therefore not be reached; they are
 * here because VFIO links against them.
 */
#include <linux/iommufd.h>
#include <linux/module.h>

/**
 * iommufd_device_bind() - bind a physical device to a context
 * @ictx: context
 * @dev: the device
 * @id: set to the device's object ID on success
 *
 * Context: process context.
 * Return: ERR_PTR(-EOPNOTSUPP); device binding is not implemented yet.
 */
struct iommufd_device *iommufd_device_bind(struct iommufd_ctx *ictx,
					   struct device *dev, u32 *id)
{
	return ERR_PTR(-EOPNOTSUPP);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_bind, IOMMUFD);

/**
 * iommufd_device_unbind() - undo iommufd_device_bind()
 * @idev: a device binding
 */
void iommufd_device_unbind(struct iommufd_device *idev)
{
	WARN_ON_ONCE(1);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_unbind, IOMMUFD);

/**
 * iommufd_device_attach() - attach a bound device to an IOAS or page table
 * @idev: a device binding
 * @pt_id: ID to attach to
 *
 * Return: -EOPNOTSUPP.
 */
int iommufd_device_attach(struct iommufd_device *idev, u32 *pt_id)
{
	WARN_ON_ONCE(1);
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_attach, IOMMUFD);

/**
 * iommufd_device_replace() - move an attached device to another page table
 * @idev: a device binding
 * @pt_id: ID to attach to
 *
 * Return: -EOPNOTSUPP.
 */
int iommufd_device_replace(struct iommufd_device *idev, u32 *pt_id)
{
	WARN_ON_ONCE(1);
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_replace, IOMMUFD);

/**
 * iommufd_device_detach() - undo iommufd_device_attach()
 * @idev: a device binding
 */
void iommufd_device_detach(struct iommufd_device *idev)
{
	WARN_ON_ONCE(1);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_detach, IOMMUFD);

/**
 * iommufd_device_to_ictx() - context a device is bound to
 * @idev: a device binding
 *
 * Return: NULL.
 */
struct iommufd_ctx *iommufd_device_to_ictx(struct iommufd_device *idev)
{
	WARN_ON_ONCE(1);
	return NULL;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_to_ictx, IOMMUFD);

/**
 * iommufd_device_to_id() - object ID of a device binding
 * @idev: a device binding
 *
 * Return: 0, which is never a valid ID.
 */
u32 iommufd_device_to_id(struct iommufd_device *idev)
{
	WARN_ON_ONCE(1);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_to_id, IOMMUFD);

/**
 * iommufd_ctx_has_group() - whether a context has a device of a group bound
 * @ictx: context
 * @group: IOMMU group
 *
 * VFIO asks this before a PCI hot reset that affects every device of
 * @group.
 *
 * Context: process context.
 * Return: false, since no device can be bound yet.
 */
bool iommufd_ctx_has_group(struct iommufd_ctx *ictx, struct iommu_group *group)
{
	return false;
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_has_group, IOMMUFD);

/**
 * iommufd_access_create() - create an access for an emulated device
 * @ictx: context
 * @ops: callbacks of the emulated device's driver
 * @data: passed to @ops
 * @id: set to the access's object ID on success
 *
 * Context: process context.
 * Return: ERR_PTR(-EOPNOTSUPP); accesses are not implemented yet.
 */
struct iommufd_access *
iommufd_access_create(struct iommufd_ctx *ictx,
		      const struct iommufd_access_ops *ops, void *data, u32 *id)
{
	return ERR_PTR(-EOPNOTSUPP);
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_create, IOMMUFD);

/**
 * iommufd_access_destroy() - undo iommufd_access_create()
 * @access: an access
 */
void iommufd_access_destroy(struct iommufd_access *access)
{
	WARN_ON_ONCE(1);
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_destroy, IOMMUFD);

/**
 * iommufd_access_attach() - connect an access to an IOAS
 * @access: an access
 * @ioas_id: ID of the IOAS
 *
 * Return: -EOPNOTSUPP.
 */
int iommufd_access_attach(struct iommufd_access *access, u32 ioas_id)
{
	WARN_ON_ONCE(1);
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_attach, IOMMUFD);

/**
 * iommufd_access_replace() - move an access to another IOAS
 * @access: an access
 * @ioas_id: ID of the IOAS
 *
 * Return: -EOPNOTSUPP.
 */
int iommufd_access_replace(struct iommufd_access *access, u32 ioas_id)
{
	WARN_ON_ONCE(1);
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_replace, IOMMUFD);

/**
 * iommufd_access_detach() - undo iommufd_access_attach()
 * @access: an access
 */
void iommufd_access_detach(struct iommufd_access *access)
{
	WARN_ON_ONCE(1);
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_detach, IOMMUFD);

/**
 * iommufd_access_pin_pages() - pin the pages behind a range of IOVA
 * @access: an access
 * @iova: first IOVA
 * @length: number of bytes
 * @out_pages: receives the pages
 * @flags: IOMMUFD_ACCESS_RW_* flags
 *
 * Return: -EOPNOTSUPP.
 */
int iommufd_access_pin_pages(struct iommufd_access *access, unsigned long iova,
			     unsigned long length, struct page **out_pages,
			     unsigned int flags)
{
	WARN_ON_ONCE(1);
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_pin_pages, IOMMUFD);

/**
 * iommufd_access_unpin_pages() - undo iommufd_access_pin_pages()
 * @access: an access
 * @iova: first IOVA
 * @length: number of bytes
 */
void iommufd_access_unpin_pages(struct iommufd_access *access,
				unsigned long iova, unsigned long length)
{
	WARN_ON_ONCE(1);
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_unpin_pages, IOMMUFD);

/**
 * iommufd_access_rw() - copy between a kernel buffer and a range of IOVA
 * @access: an access
 * @iova: first IOVA
 * @data: kernel buffer
 * @len: number of bytes
 * @flags: IOMMUFD_ACCESS_RW_* flags
 *
 * Return: -EOPNOTSUPP.
 */
int iommufd_access_rw(struct iommufd_access *access, unsigned long iova,
		      void *data, size_t len, unsigned int flags)
{
	WARN_ON_ONCE(1);
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_rw, IOMMUFD);
