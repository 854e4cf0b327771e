// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The in-kernel API for emulated devices (mdev-style drivers), which reach
 * an IOAS through an "access" instead of through a translation table.
 *
 * Not implemented yet: iommufd_access_create() fails with -EOPNOTSUPP, so
 * VFIO refuses to bind an emulated device cleanly and no struct
 * iommufd_access is ever handed out. The functions that take one can
 * therefore not be reached; they are here because VFIO links against them.
 */
#include <linux/iommufd.h>
#include <linux/module.h>

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
