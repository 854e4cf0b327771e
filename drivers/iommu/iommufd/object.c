// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The object table of a context: ID allocation, the two-step creation,
 * lookup, and destruction. The rules are described in object.h.
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "object.h"
#include "selftest.h"

struct iommufd_object_type_info {
	const char *name;
	void (*destroy)(struct iommufd_object *obj);
};

static const struct iommufd_object_type_info iommufd_object_types[] = {
	[IOMMUFD_OBJ_IOAS] = {
		.name = "ioas",
		.destroy = iommufd_ioas_destroy,
	},
	[IOMMUFD_OBJ_HWPT_PAGING] = {
		.name = "hwpt",
		.destroy = iommufd_hwpt_destroy,
	},
	[IOMMUFD_OBJ_HWPT_NESTED] = {
		.name = "hwpt-nested",
		.destroy = iommufd_hwpt_destroy,
	},
	[IOMMUFD_OBJ_DEVICE] = {
		.name = "device",
		.destroy = iommufd_device_destroy,
	},
	[IOMMUFD_OBJ_ACCESS] = {
		.name = "access",
		.destroy = iommufd_access_object_destroy,
	},
	[IOMMUFD_OBJ_FAULT] = {
		.name = "fault",
		.destroy = iommufd_fault_destroy,
	},
	IOMMUFD_TEST_OBJECT_TYPES
};

static_assert(ARRAY_SIZE(iommufd_object_types) == IOMMUFD_OBJ_MAX);

static void iommufd_object_free(struct iommufd_object *obj)
{
	iommufd_object_types[obj->type].destroy(obj);
	kfree(obj);
}

/**
 * _iommufd_object_alloc() - allocate an object and reserve its ID
 * @ictx: context the object will belong to
 * @size: size of the structure that embeds the object header
 * @type: object type
 *
 * The returned memory is zeroed apart from the header. The reserved ID does
 * not resolve until iommufd_object_publish(). Use iommufd_object_alloc().
 *
 * Context: process context, may sleep.
 * Return: the object, or ERR_PTR(-ENOMEM) or ERR_PTR(-ENOSPC) when the
 * context has no ID left.
 */
struct iommufd_object *_iommufd_object_alloc(struct iommufd_ctx *ictx,
					     size_t size,
					     enum iommufd_object_type type)
{
	struct iommufd_object *obj;
	int rc;

	if (WARN_ON(type <= IOMMUFD_OBJ_NONE || type >= IOMMUFD_OBJ_MAX))
		return ERR_PTR(-EINVAL);

	obj = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->type = type;
	/* The table's own reference on each count; see object.h. */
	refcount_set(&obj->users, 1);
	refcount_set(&obj->lookups, 1);

	/*
	 * A zero entry keeps the ID reserved while xa_load() and lookups still
	 * see nothing there.
	 */
	rc = xa_alloc(&ictx->objects, &obj->id, XA_ZERO_ENTRY, xa_limit_31b,
		      GFP_KERNEL_ACCOUNT);
	if (rc) {
		kfree(obj);
		return ERR_PTR(rc);
	}
	return obj;
}

/**
 * iommufd_object_publish() - make an object reachable by its ID
 * @ictx: context the object was allocated in
 * @obj: fully set up object
 *
 * Call only after every step that can fail; from here on the object may be
 * looked up, used and destroyed by other threads.
 *
 * Context: process context.
 */
void iommufd_object_publish(struct iommufd_ctx *ictx,
			    struct iommufd_object *obj)
{
	void *old;

	old = xa_store(&ictx->objects, obj->id, obj, 0);
	/* Replacing a reserved entry allocates nothing and cannot fail. */
	WARN_ON(old);
}

/**
 * iommufd_object_abort() - destroy an object that was never published
 * @ictx: context the object was allocated in
 * @obj: object from iommufd_object_alloc()
 *
 * Runs the type's destroy callback on whatever part of the setup was done,
 * frees the memory and releases the ID.
 *
 * Context: process context, may sleep.
 */
void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	void *old;

	old = xa_erase(&ictx->objects, obj->id);
	WARN_ON(old);
	iommufd_object_free(obj);
}

/**
 * iommufd_get_object() - look an object up by ID for the current ioctl
 * @ictx: context to search
 * @id: ID given by user space
 * @type: required type, or IOMMUFD_OBJ_ANY
 *
 * The caller must drop the reference with iommufd_put_object() before the
 * ioctl returns.
 *
 * Context: any context that may take a spinlock.
 * Return: the object, or ERR_PTR(-ENOENT) if no published object of that
 * type has that ID, or if it is being destroyed.
 */
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id,
					  enum iommufd_object_type type)
{
	struct iommufd_object *obj;

	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, id);
	if (!obj || (type != IOMMUFD_OBJ_ANY && obj->type != type) ||
	    !refcount_inc_not_zero(&obj->lookups))
		obj = ERR_PTR(-ENOENT);
	xa_unlock(&ictx->objects);
	return obj;
}

/**
 * iommufd_peek_next_object() - walk the published objects, for debugfs
 * @ictx: context
 * @id: in: the lowest ID to look at; out: the ID of the object found
 *
 * For a walk in ID order: start with *@id = 0, and after each object
 * found drop it with iommufd_unpeek_object() and go on from *@id + 1.
 * Objects created or destroyed meanwhile may or may not be met. The
 * reference taken is a peek (see the top of object.h): it keeps the object
 * from being freed, never makes IOMMU_DESTROY fail, and must not be used
 * to take a long-term reference.
 *
 * Context: any context that may take a spinlock.
 * Return: the object, or NULL if no published object has an ID from *@id
 * on.
 */
struct iommufd_object *iommufd_peek_next_object(struct iommufd_ctx *ictx,
						unsigned long *id)
{
	struct iommufd_object *obj;

	xa_lock(&ictx->objects);
	for (;;) {
		obj = xa_find(&ictx->objects, id, ULONG_MAX, XA_PRESENT);
		/* Not being destroyed: it keeps its short-term references. */
		if (!obj || refcount_inc_not_zero(&obj->lookups))
			break;
		(*id)++;
	}
	if (obj)
		obj->peeks++;
	xa_unlock(&ictx->objects);
	return obj;
}

/**
 * iommufd_unpeek_object() - drop a reference from iommufd_peek_next_object()
 * @ictx: context the object was found in
 * @obj: the object
 *
 * Context: any context that may take a spinlock.
 */
void iommufd_unpeek_object(struct iommufd_ctx *ictx,
			   struct iommufd_object *obj)
{
	/* Both at once for iommufd_object_unlink(), which reads both. */
	xa_lock(&ictx->objects);
	obj->peeks--;
	if (refcount_dec_and_test(&obj->lookups))
		wake_up_all(&ictx->lookups_done);
	xa_unlock(&ictx->objects);
}

/**
 * iommufd_put_object() - drop a reference from iommufd_get_object()
 * @ictx: context the object was found in
 * @obj: the object
 *
 * Context: any context.
 */
void iommufd_put_object(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	/*
	 * Only an object that iommufd_object_remove() took out of the table
	 * can lose its last reference here; it is waiting for that.
	 */
	if (refcount_dec_and_test(&obj->lookups))
		wake_up_all(&ictx->lookups_done);
}

/* Take a published object out of the table, and forget its ID. */
static void iommufd_object_erase(struct iommufd_ctx *ictx,
				 struct iommufd_object *obj)
{
	lockdep_assert_held(&ictx->objects.xa_lock);

	__xa_erase(&ictx->objects, obj->id);
	if (ictx->vfio_ioas_id == obj->id)
		ictx->vfio_ioas_id = 0;
}

/*
 * Take @obj out of the table if nothing but the table references it. On
 * success both counts drop to zero, so no lookup can succeed any more.
 *
 * A failed attempt must leave both counts untouched, even for an instant:
 * an ioctl holding a lookup may take a long-term reference at any time
 * (refcount_inc() of @users, which must never see zero), and the unmap
 * notifier takes lookups on accesses without the table's lock. So @users
 * is only read until the lookups are known to be the table's alone, and
 * @lookups is zeroed only once @users is known to be the table's alone.
 * With the lookups gone (and new ones held off by the table's lock),
 * nothing else adds a user to an object only the table holds.
 */
static int iommufd_object_unlink(struct iommufd_ctx *ictx,
				 struct iommufd_object *obj, bool *peeked)
{
	lockdep_assert_held(&ictx->objects.xa_lock);

	*peeked = false;
	if (refcount_read(&obj->users) != 1)
		return -EBUSY;
	/*
	 * Peeked at by debugfs: taken out of the table with the table's
	 * short-term reference, which the caller drops before it waits for
	 * the peeks to go.
	 */
	if (obj->peeks) {
		if (refcount_read(&obj->lookups) != 1 + obj->peeks)
			return -EBUSY;
		if (WARN_ON(!refcount_dec_if_one(&obj->users)))
			return -EBUSY;
		iommufd_object_erase(ictx, obj);
		*peeked = true;
		return 0;
	}
	/* An ioctl is using it right now? */
	if (!refcount_dec_if_one(&obj->lookups))
		return -EBUSY;
	if (WARN_ON(!refcount_dec_if_one(&obj->users))) {
		refcount_set(&obj->lookups, 1);
		return -EBUSY;
	}
	iommufd_object_erase(ictx, obj);
	return 0;
}

/**
 * iommufd_object_destroy_user() - destroy an object at user space's request
 * @ictx: context the object belongs to
 * @id: ID given by user space
 *
 * Context: process context, may sleep.
 * Return: 0 on success, -ENOENT if @id names no published object, -EBUSY if
 * the object is in use (referenced by another object or a kernel driver, or
 * used by an ioctl running concurrently).
 */
int iommufd_object_destroy_user(struct iommufd_ctx *ictx, u32 id)
{
	struct iommufd_object *obj;
	bool peeked = false;
	int rc;

	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, id);
	if (!obj)
		rc = -ENOENT;
	else
		rc = iommufd_object_unlink(ictx, obj, &peeked);
	xa_unlock(&ictx->objects);
	if (rc)
		return rc;

	if (peeked && !refcount_dec_and_test(&obj->lookups))
		wait_event(ictx->lookups_done, !refcount_read(&obj->lookups));
	iommufd_object_free(obj);
	return 0;
}

/**
 * iommufd_object_remove() - drop a kernel-owned object's reference
 * @ictx: context the object belongs to
 * @obj: the object; the caller holds a long-term reference, which this
 *       drops
 *
 * If only the table still uses @obj then, takes it out of the table, waits
 * until no ioctl holds a short-term reference, and destroys it. If someone
 * else holds a long-term reference, leaves it alone: whoever drops that
 * reference calls this again.
 *
 * The caller's reference is dropped under the lock IOMMU_DESTROY takes, in
 * one step with the check: a concurrent IOMMU_DESTROY of the ID sees the
 * object in use (EBUSY) or gone (ENOENT), never an object that only the
 * table holds but that is about to be removed here.
 *
 * Context: process context, may sleep. The caller must not hold a
 * short-term reference on @obj, nor a lock an ioctl may wait for while
 * holding one.
 * Return: true if @obj was destroyed.
 */
bool iommufd_object_remove(struct iommufd_ctx *ictx,
			   struct iommufd_object *obj)
{
	xa_lock(&ictx->objects);
	/* The caller's reference; the table's one is still there. */
	refcount_dec(&obj->users);
	if (!refcount_dec_if_one(&obj->users)) {
		xa_unlock(&ictx->objects);
		return false;
	}
	iommufd_object_erase(ictx, obj);
	xa_unlock(&ictx->objects);

	/* Drop the table's short-term reference and wait for the others. */
	if (!refcount_dec_and_test(&obj->lookups))
		wait_event(ictx->lookups_done, !refcount_read(&obj->lookups));
	iommufd_object_free(obj);
	return true;
}

/**
 * iommufd_ctx_destroy_all() - destroy every object of a closing context
 * @ictx: the context
 *
 * Objects that others depend on are freed only after their dependents, by
 * repeating the sweep until the table is empty. Called when the last file
 * reference is gone, so no ioctl is running and no lookup is held.
 *
 * Context: process context, may sleep.
 */
void iommufd_ctx_destroy_all(struct iommufd_ctx *ictx)
{
	struct iommufd_object *obj;
	unsigned long index;
	bool progress, peeked;

	do {
		progress = false;
		xa_for_each(&ictx->objects, index, obj) {
			xa_lock(&ictx->objects);
			/* debugfs.c's file went first: nothing peeks. */
			if (iommufd_object_unlink(ictx, obj, &peeked) ||
			    WARN_ON(peeked)) {
				xa_unlock(&ictx->objects);
				continue;
			}
			xa_unlock(&ictx->objects);
			iommufd_object_free(obj);
			progress = true;
		}
	} while (progress);

	/* A leftover means a reference was leaked somewhere. */
	WARN_ON(!xa_empty(&ictx->objects));
}

/**
 * iommufd_object_type_name() - the name of an object type, for people
 * @type: a type other than IOMMUFD_OBJ_NONE, below IOMMUFD_OBJ_MAX
 *
 * Return: a short lower-case name, such as "ioas".
 */
const char *iommufd_object_type_name(enum iommufd_object_type type)
{
	return iommufd_object_types[type].name;
}

/**
 * iommufd_object_count() - how many objects of each type a context has
 * @ictx: context
 * @counts: IOMMUFD_OBJ_MAX counters, set to the number of published
 *          objects of each type
 *
 * Objects being created or destroyed meanwhile may or may not be counted.
 *
 * Context: any context; takes the table's lock.
 */
void iommufd_object_count(struct iommufd_ctx *ictx, unsigned int *counts)
{
	struct iommufd_object *obj;
	unsigned long index;

	memset(counts, 0, IOMMUFD_OBJ_MAX * sizeof(*counts));
	xa_lock(&ictx->objects);
	xa_for_each(&ictx->objects, index, obj)
		counts[obj->type]++;
	xa_unlock(&ictx->objects);
}
