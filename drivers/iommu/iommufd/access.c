// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The in-kernel API for emulated devices (mdev-style drivers), which reach
 * an IOAS through an "access" instead of through a translation table: the
 * CPU copies data or hands out pages on the device's behalf.
 *
 * Every area of an IOAS keeps its memory pinned for as long as it exists
 * (pin.h), so nothing here pins user memory: iommufd_access_rw() copies
 * straight to and from the pages of the areas, and
 * iommufd_access_pin_pages() takes extra handles on them
 * (iopt_access_pin()), which keep the pages after the areas are gone.
 *
 * Unmapping: an UNMAP of a range in which an access holds pages calls the
 * unmap callback of every access attached to the IOAS, without any lock
 * held, and fails with -EDEADLOCK if pages of the range are still held
 * once the callbacks have returned (io_pagetable.c). Leaving an IOAS
 * (replace, detach) calls the callback for the whole IOVA space; records
 * the driver still holds then stay with the access only.
 *
 * Lifetime: the driver owns the object. It holds a long-term reference,
 * so user space cannot destroy it; iommufd_access_destroy() waits for any
 * unmap callback running on it (each holds a short-term reference), then
 * detaches it and frees it.
 */
#include <linux/iommufd.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "access.h"
#include "ioas.h"

/* Join @ioas_id's list of accesses; the caller then publishes @access->ioas. */
static struct iommufd_ioas *access_join_ioas(struct iommufd_access *access,
					     u32 ioas_id)
{
	struct iommufd_access_link *link = &access->links[0];
	struct iommufd_ioas *ioas;

	lockdep_assert_held(&access->change_lock);

	/* At most one link is in use outside replace and detach. */
	if (link->ioas)
		link = &access->links[1];

	ioas = iommufd_get_ioas(access->ictx, ioas_id);
	if (IS_ERR(ioas))
		return ioas;
	refcount_inc(&ioas->obj.users);

	mutex_lock(&ioas->access_lock);
	link->seq = ++ioas->access_seq;
	link->ioas = ioas;
	list_add_tail(&link->node, &ioas->accesses);
	mutex_unlock(&ioas->access_lock);

	iommufd_put_ioas(access->ictx, ioas);
	return ioas;
}

/*
 * Leave @old, which is no longer @access->ioas. With @notify, the driver
 * is first told to stop using anything of @old. Records of pins the
 * driver still holds stop referring to @old, which may then go away.
 */
static void access_leave_ioas(struct iommufd_access *access,
			      struct iommufd_ioas *old, bool notify)
{
	struct iommufd_access_link *link = &access->links[0];
	struct iopt_access_pin *apin;

	lockdep_assert_held(&access->change_lock);

	if (link->ioas != old)
		link = &access->links[1];

	if (notify && access->ops->unmap)
		access->ops->unmap(access->data, 0, ULONG_MAX);

	mutex_lock(&access->lock);
	list_for_each_entry(apin, &access->pins, owner_link)
		if (apin->iopt == &old->iopt)
			iopt_access_detach_pin(apin);
	mutex_unlock(&access->lock);

	mutex_lock(&old->access_lock);
	list_del_init(&link->node);
	link->ioas = NULL;
	mutex_unlock(&old->access_lock);
	refcount_dec(&old->obj.users);
}

void iommufd_access_object_destroy(struct iommufd_object *obj)
{
	struct iommufd_access *access =
		container_of(obj, struct iommufd_access, obj);
	struct iopt_access_pin *apin, *next;

	if (!access->ictx)
		return;

	mutex_lock(&access->change_lock);
	if (access->ioas) {
		struct iommufd_ioas *old = access->ioas;

		mutex_lock(&access->lock);
		access->ioas = NULL;
		mutex_unlock(&access->lock);
		access_leave_ioas(access, old, false);
	}
	mutex_unlock(&access->change_lock);

	/* The driver must unpin everything before destroying the access. */
	WARN_ON_ONCE(!list_empty(&access->pins));
	list_for_each_entry_safe(apin, next, &access->pins, owner_link) {
		list_del(&apin->owner_link);
		iopt_access_unpin(apin);
	}
	mutex_destroy(&access->lock);
	mutex_destroy(&access->change_lock);
}

/**
 * iommufd_access_create() - create an access for an emulated device
 * @ictx: context
 * @ops: callbacks of the emulated device's driver; a driver that pins
 *       pages must provide @ops->unmap
 * @data: passed to @ops
 * @id: set to the access's object ID on success
 *
 * The access is attached to no IOAS yet; see iommufd_access_attach(). It
 * holds a reference on @ictx until iommufd_access_destroy().
 *
 * Context: process context, may sleep.
 * Return: the access, or ERR_PTR(-ENOMEM) or ERR_PTR(-ENOSPC) when the
 * context has no object ID left.
 */
struct iommufd_access *
iommufd_access_create(struct iommufd_ctx *ictx,
		      const struct iommufd_access_ops *ops, void *data, u32 *id)
{
	struct iommufd_access *access;
	unsigned int i;

	access = iommufd_object_alloc(ictx, struct iommufd_access,
				      IOMMUFD_OBJ_ACCESS);
	if (IS_ERR(access))
		return access;

	access->ops = ops;
	access->data = data;
	mutex_init(&access->change_lock);
	mutex_init(&access->lock);
	for (i = 0; i != ARRAY_SIZE(access->links); i++) {
		INIT_LIST_HEAD(&access->links[i].node);
		access->links[i].access = access;
	}
	INIT_LIST_HEAD(&access->pins);
	/* The driver's long-term reference, dropped by destroy. */
	refcount_inc(&access->obj.users);
	iommufd_ctx_get(ictx);
	access->ictx = ictx;

	*id = access->obj.id;
	iommufd_object_publish(ictx, &access->obj);
	return access;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_create, IOMMUFD);

/**
 * iommufd_access_destroy() - undo iommufd_access_create()
 * @access: an access, whose pages the driver has all unpinned
 *
 * Detaches the access if it is attached. Waits for unmap callbacks that
 * are running on @access, so the caller must not hold a lock its unmap
 * callback takes. No callback runs once this returns.
 *
 * Context: process context, may sleep.
 */
void iommufd_access_destroy(struct iommufd_access *access)
{
	struct iommufd_ctx *ictx = access->ictx;

	/* Nothing else takes long-term references on an access. */
	WARN_ON(!iommufd_object_remove(ictx, &access->obj));
	iommufd_ctx_put(ictx);
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_destroy, IOMMUFD);

/**
 * iommufd_access_attach() - connect an access to an IOAS
 * @access: an access attached to nothing
 * @ioas_id: ID of the IOAS, in the access's context
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL if @access is attached already, -ENOENT if @ioas_id
 * names no IOAS.
 */
int iommufd_access_attach(struct iommufd_access *access, u32 ioas_id)
{
	struct iommufd_ioas *ioas;
	int rc = 0;

	mutex_lock(&access->change_lock);
	if (access->ioas) {
		rc = -EINVAL;
		goto out_unlock;
	}
	ioas = access_join_ioas(access, ioas_id);
	if (IS_ERR(ioas)) {
		rc = PTR_ERR(ioas);
		goto out_unlock;
	}
	mutex_lock(&access->lock);
	access->ioas = ioas;
	mutex_unlock(&access->lock);
out_unlock:
	mutex_unlock(&access->change_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_attach, IOMMUFD);

/**
 * iommufd_access_replace() - move an access to another IOAS
 * @access: an attached access
 * @ioas_id: ID of the IOAS, in the access's context
 *
 * On success the unmap callback has been called for the whole IOVA space
 * of the old IOAS, which the access no longer holds a reference on. On
 * failure nothing changed. Moving to the IOAS already attached does
 * nothing.
 *
 * Context: process context, may sleep. Do not hold a lock the unmap
 * callback takes.
 * Return: 0, -ENOENT if @access is not attached or @ioas_id names no IOAS.
 */
int iommufd_access_replace(struct iommufd_access *access, u32 ioas_id)
{
	struct iommufd_ioas *old, *ioas;
	int rc = 0;

	mutex_lock(&access->change_lock);
	old = access->ioas;
	if (!old) {
		rc = -ENOENT;
		goto out_unlock;
	}
	if (old->obj.id == ioas_id)
		goto out_unlock;
	ioas = access_join_ioas(access, ioas_id);
	if (IS_ERR(ioas)) {
		rc = PTR_ERR(ioas);
		goto out_unlock;
	}
	mutex_lock(&access->lock);
	access->ioas = ioas;
	mutex_unlock(&access->lock);
	access_leave_ioas(access, old, true);
out_unlock:
	mutex_unlock(&access->change_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_replace, IOMMUFD);

/**
 * iommufd_access_detach() - undo iommufd_access_attach()
 * @access: an attached access
 *
 * Calls the unmap callback for the whole IOVA space first.
 *
 * Context: process context, may sleep. Do not hold a lock the unmap
 * callback takes.
 */
void iommufd_access_detach(struct iommufd_access *access)
{
	struct iommufd_ioas *old;

	mutex_lock(&access->change_lock);
	old = access->ioas;
	if (!WARN_ON_ONCE(!old)) {
		mutex_lock(&access->lock);
		access->ioas = NULL;
		mutex_unlock(&access->lock);
		access_leave_ioas(access, old, true);
	}
	mutex_unlock(&access->change_lock);
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_detach, IOMMUFD);

/* Check an IOVA range given by a driver; set @last to its last byte. */
static int access_check_range(unsigned long iova, unsigned long length,
			      unsigned long *last)
{
	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, last))
		return -EOVERFLOW;
	return 0;
}

/**
 * iommufd_access_pin_pages() - pin the pages behind a range of IOVA
 * @access: an access whose ops have an unmap callback
 * @iova: first IOVA
 * @length: number of bytes
 * @out_pages: receives one page per IOVA page the range touches, starting
 *             with the page holding @iova
 * @flags: IOMMUFD_ACCESS_RW_WRITE if the pages will be written to
 *
 * The pages stay pinned until iommufd_access_unpin_pages() is called with
 * the same @iova and @length, which the driver must do at the latest from
 * its unmap callback for a range overlapping these pages.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL for a zero @length, unknown @flags, a range being
 * unmapped, or one whose memory does not line up with IOVA pages;
 * -EOVERFLOW if the range wraps; -ENOENT if the access is not attached or
 * part of the range is not mapped; -EPERM if a mapping does not allow the
 * direction; -ENOMEM.
 */
int iommufd_access_pin_pages(struct iommufd_access *access, unsigned long iova,
			     unsigned long length, struct page **out_pages,
			     unsigned int flags)
{
	struct iopt_access_pin *apin;
	unsigned long last;
	int rc;

	if (WARN_ON_ONCE(!access->ops->unmap))
		return -EINVAL;
	rc = access_check_range(iova, length, &last);
	if (rc)
		return rc;
	if (flags & ~IOMMUFD_ACCESS_RW_WRITE)
		return -EINVAL;

	mutex_lock(&access->lock);
	if (!access->ioas) {
		rc = -ENOENT;
		goto out_unlock;
	}
	apin = iopt_access_pin(&access->ioas->iopt, iova, last,
			       flags & IOMMUFD_ACCESS_RW_WRITE, out_pages);
	if (IS_ERR(apin)) {
		rc = PTR_ERR(apin);
		goto out_unlock;
	}
	list_add_tail(&apin->owner_link, &access->pins);
out_unlock:
	mutex_unlock(&access->lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_pin_pages, IOMMUFD);

/**
 * iommufd_access_unpin_pages() - undo iommufd_access_pin_pages()
 * @access: an access
 * @iova: first IOVA, as given to iommufd_access_pin_pages()
 * @length: number of bytes, as given to iommufd_access_pin_pages()
 *
 * The driver must have stopped using the pages.
 *
 * Context: process context, may sleep.
 */
void iommufd_access_unpin_pages(struct iommufd_access *access,
				unsigned long iova, unsigned long length)
{
	struct iopt_access_pin *apin;
	unsigned long last;

	if (WARN_ON_ONCE(access_check_range(iova, length, &last)))
		return;

	mutex_lock(&access->lock);
	list_for_each_entry(apin, &access->pins, owner_link) {
		if (apin->node.start == iova && apin->node.last == last) {
			list_del(&apin->owner_link);
			/* Under the lock: apin->iopt may be left otherwise. */
			iopt_access_unpin(apin);
			mutex_unlock(&access->lock);
			return;
		}
	}
	mutex_unlock(&access->lock);
	/* Nothing was pinned there: a driver bug. */
	WARN_ON_ONCE(1);
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_unpin_pages, IOMMUFD);

/**
 * iommufd_access_rw() - copy between a kernel buffer and a range of IOVA
 * @access: an access
 * @iova: first IOVA
 * @data: kernel buffer of @len bytes
 * @len: number of bytes
 * @flags: IOMMUFD_ACCESS_RW_WRITE to copy from @data into the IOVA range
 *         (else from the range into @data), IOMMUFD_ACCESS_RW_KTHREAD if
 *         the caller is a kernel thread
 *
 * The copy goes through the pinned pages behind the range, never through
 * the page tables of a process, so it works from any task, kernel threads
 * included, and whichever process the memory came from; the KTHREAD flag
 * (and the selftests' slow-path flag) change nothing.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL for a zero @len or unknown @flags; -EOVERFLOW if the
 * range wraps; -ENOENT if the access is not attached or part of the range
 * is not mapped; -EPERM if a mapping does not allow the direction.
 */
int iommufd_access_rw(struct iommufd_access *access, unsigned long iova,
		      void *data, size_t len, unsigned int flags)
{
	unsigned long last;
	int rc;

	rc = access_check_range(iova, len, &last);
	if (rc)
		return rc;
	if (flags & ~(IOMMUFD_ACCESS_RW_WRITE | IOMMUFD_ACCESS_RW_KTHREAD |
		      __IOMMUFD_ACCESS_RW_SLOW_PATH))
		return -EINVAL;

	mutex_lock(&access->lock);
	if (access->ioas)
		rc = iopt_access_rw(&access->ioas->iopt, iova, last, data,
				    flags & IOMMUFD_ACCESS_RW_WRITE);
	else
		rc = -ENOENT;
	mutex_unlock(&access->lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_rw, IOMMUFD);

/**
 * iommufd_access_notify_unmap() - tell the accesses of an IOAS to unpin
 * @iopt: the IOVA space of the IOAS
 * @iova: first IOVA of the range being unmapped
 * @length: its length in bytes
 *
 * Calls the unmap callback of every access attached to the IOAS, one at a
 * time and with no lock held: the callbacks call back into
 * iommufd_access_unpin_pages(). Accesses are visited in the order they
 * were attached, resuming after the last one called, so that one that
 * leaves meanwhile is not a problem; each is kept from being destroyed
 * during its callback by a short-term reference.
 *
 * Context: process context, may sleep; called from iopt_unmap() without
 * iova_rwsem held.
 */
void iommufd_access_notify_unmap(struct iommufd_iopt *iopt, unsigned long iova,
				 unsigned long length)
{
	struct iommufd_ioas *ioas = container_of(iopt, struct iommufd_ioas,
						 iopt);
	struct iommufd_access_link *link;
	u64 done = 0;

	for (;;) {
		struct iommufd_access *next = NULL;

		mutex_lock(&ioas->access_lock);
		list_for_each_entry(link, &ioas->accesses, node) {
			if (link->seq <= done)
				continue;
			done = link->seq;
			if (link->access->ops->unmap &&
			    refcount_inc_not_zero(&link->access->obj.lookups)) {
				next = link->access;
				break;
			}
		}
		mutex_unlock(&ioas->access_lock);
		if (!next)
			return;

		next->ops->unmap(next->data, iova, length);
		iommufd_put_object(next->ictx, &next->obj);
	}
}

/**
 * iommufd_access_nth_area() - the first IOVA of an area of the access's IOAS
 * @access: an access
 * @nth: which area, counting from 0 in IOVA order
 * @start: set to its first IOVA
 *
 * For the selftests, which name IOVAs by area and offset.
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOENT if the access is not attached or the IOAS has not
 * that many areas.
 */
int iommufd_access_nth_area(struct iommufd_access *access, unsigned long nth,
			    unsigned long *start)
{
	int rc = -ENOENT;

	mutex_lock(&access->lock);
	if (access->ioas)
		rc = iopt_nth_area_start(&access->ioas->iopt, nth, start);
	mutex_unlock(&access->lock);
	return rc;
}
