/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The per-file context and its table of objects.
 *
 * Every open of /dev/iommu gets a struct iommufd_ctx. Everything user space
 * creates through that file descriptor (an IOAS, later a device binding, a
 * hardware page table, ...) is a struct iommufd_object embedded at the start
 * of a larger, type-specific structure, and lives in the context's table
 * under a u32 ID. IDs start at 1; 0 never names an object.
 *
 * Life of an object:
 *
 *   iommufd_object_alloc()     zeroed memory and a reserved ID; lookups of
 *                              that ID still fail (-ENOENT)
 *   ...type-specific setup...  anything that can fail happens here
 *   iommufd_object_publish()   the ID now resolves; cannot fail
 *
 * If setup fails, iommufd_object_abort() runs the type's destroy callback
 * and frees the ID. Destroy callbacks must therefore accept an object whose
 * setup stopped anywhere after allocation, including right at the start
 * (all fields zero).
 *
 * Two reference counts keep a published object alive:
 *
 *   @users    long-term references: one held by the table itself, plus one
 *             per object or kernel driver that depends on this one (for
 *             instance a device attached to an IOAS). While any is held,
 *             IOMMU_DESTROY fails with -EBUSY.
 *   @lookups  short-term references, each held by one ioctl for its
 *             duration, plus one held by the table. Taken and dropped
 *             only through iommufd_get_object()/iommufd_put_object().
 *
 * An object is destroyed once, when it leaves the table with both counts at
 * exactly the table's own reference. Because new lookups find it only
 * through the table, and the table's lock is held while the counts are
 * checked and the entry erased, nothing can take a new reference afterwards.
 * An IOMMU_DESTROY that fails leaves both counts as they were throughout, so
 * an ioctl holding a lookup may always add a user with refcount_inc().
 *
 * A reader of the debugfs view (debugfs.c) looks at objects without
 * being an ioctl: its short-term references are "peeks", counted apart,
 * taken and dropped under the table's lock (iommufd_peek_next_object(),
 * iommufd_unpeek_object()). They never make IOMMU_DESTROY fail: a destroy
 * that finds only the table's reference and peeks takes the object out of
 * the table and waits for the peeks to go, as iommufd_object_remove()
 * does. A peek never adds a user.
 *
 * Objects the kernel owns (a device bound by VFIO, an access, an automatic
 * page table) are removed by the kernel with iommufd_object_remove(),
 * which drops the last long-term user's reference and takes the object out
 * of the table in one step under the table's lock, so that IOMMU_DESTROY
 * never sees such an object with only the table's reference. That may
 * happen while an ioctl still holds a short-term reference, so it takes
 * the object out of the table first and then waits for the short-term
 * references to drain.
 *
 * Locking: the one lock order of the whole driver. A lock may be taken
 * while holding only locks listed above it.
 *
 *   (VFIO's group_lock)        VFIO holds it while it opens a device of
 *                              a group and while a group joins or leaves a
 *                              container (vfio_compat.c)
 *   iommufd_backends_rwsem     backend.c: the registered backends; held
 *                              for reading while they probe a device, and
 *                              so outside every lock a probe takes
 *   spapr->windows_rwsem       vfio_spapr.c: MAP_DMA against TCE_REMOVE
 *                              of a SPAPR container's windows
 *   access->change_lock        access.c: attach, replace and detach of an
 *                              access; the driver's unmap callback runs
 *                              under it (and so may take the driver's
 *                              own locks)
 *   access->lock               access.c: an access's IOAS and pin records;
 *                              taken by iommufd_access_pin_pages() and
 *                              friends under the driver's locks
 *   ioas->access_lock          ioas.h: the accesses attached to an IOAS
 *   spapr->lock                vfio_spapr.c: the memory a SPAPR container
 *                              has preregistered
 *   ictx->attach_lock          device.c: attaching devices to page tables;
 *                              window.c: the windows of every IOAS
 *   fault->mutex               fault.c: reading, answering and draining a
 *                              fault queue; a backend's ->fault_respond()
 *                              may be called under it
 *   iommu_api_lock             iommu_api.c: which domain each IOMMU group
 *                              uses; the IOMMU core's group mutex nests
 *                              inside it
 *   iopt->iova_rwsem           io_pagetable.h; never held while pinning
 *                              memory to map (iopt_dirty.c pins pages of a
 *                              user bitmap under it, as copy_to_user()
 *                              would fault them in)
 *   tce_lock                   tce.c: the windows of each TCE table group
 *                              and which of them the hardware holds; the
 *                              platform's DMA window mutex nests inside
 *   iopin_spaces_lock          pin.c: the table of pinning owners
 *   space->mutex               pin.c: one owner's pinned extents
 *   mmap_lock                  taken by GUP and by MM-mode charging
 *   fault->lock                fault.c: a fault queue's waiting groups;
 *                              a spinlock, held only to add or take one
 *   ctx->objects' xa_lock      innermost: never held while calling out
 *
 * The MMU notifier callback of pin_source.c takes none of these.
 * copy_to_user() may fault and take mmap_lock under iova_rwsem, which the
 * order allows.
 * An access driver's unmap callback is never called with any of these
 * held, except access->change_lock by the access's own replace and
 * detach, since the callback calls back into iommufd_access_unpin_pages().
 *
 * Helpers that expect a lock held say so with lockdep_assert_held().
 */
#ifndef __IOMMUFD_OBJECT_H
#define __IOMMUFD_OBJECT_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "pin.h"

struct file;
struct iommufd_vfio_spapr;

/**
 * struct iommufd_ctx - state of one open /dev/iommu file
 * @file: the file this context belongs to; a reference on the file is the
 *        reference on the context
 * @objects: ID -> struct iommufd_object *, allocated from 1
 * @account_mode: how memory pinned through this context is charged, an
 *                enum iommufd_account_mode; changed only while @objects is
 *                empty, under its lock
 * @attach_lock: serializes attaching and detaching devices, the creation
 *               and removal of automatic page tables (device.c), and the
 *               granting and removal of IOVA windows (window.c)
 * @lookups_done: woken when an object removed by the kernel loses its last
 *                short-term reference (iommufd_object_remove())
 * @vfio_ioas_id: the IOAS the VFIO container interface uses, or 0; under
 *                the lock of @objects, and reset to 0 when that object
 *                leaves the table (vfio_compat.c)
 * @vfio_no_iommu: VFIO uses the context in no-IOMMU mode; under the lock of
 *                 @objects
 * @vfio_type: the IOMMU type VFIO_SET_IOMMU chose (VFIO_TYPE1_IOMMU, ...),
 *             0 before; under the lock of @objects
 * @vfio_spapr: the state of VFIO's SPAPR TCE container (vfio_spapr.c), set
 *              once by VFIO_SET_IOMMU and freed with the context; NULL for
 *              any other container type
 * @vfio_groups: the IOMMU groups VFIO attached to the context as to a
 *               container (vfio_compat.c); under @attach_lock
 * @debug_id: names the context in fdinfo and debugfs (debugfs.c)
 * @debugfs: its file in debugfs, or NULL
 */
struct iommufd_ctx {
	struct file *file;
	struct xarray objects;
	enum iommufd_account_mode account_mode;
	struct mutex attach_lock; /* see above */
	wait_queue_head_t lookups_done;
	u32 vfio_ioas_id;
	bool vfio_no_iommu;
	u32 vfio_type;
	struct iommufd_vfio_spapr *vfio_spapr;
	struct list_head vfio_groups;
	unsigned int debug_id;
	struct dentry *debugfs;
};

enum iommufd_object_type {
	IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_ANY = IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_IOAS,
	IOMMUFD_OBJ_HWPT_PAGING,
	IOMMUFD_OBJ_HWPT_NESTED,
	IOMMUFD_OBJ_DEVICE,
	IOMMUFD_OBJ_ACCESS,
	IOMMUFD_OBJ_FAULT,
#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
	IOMMUFD_OBJ_SELFTEST,
#endif
	IOMMUFD_OBJ_MAX,
};

/**
 * struct iommufd_object - header of every object in a context's table
 * @users: long-term references, see the top of this file
 * @lookups: short-term references, see the top of this file
 * @peeks: how many of @lookups are a reader's of the debugfs view, under
 *         the table's lock
 * @type: what structure embeds this header
 * @id: the ID user space knows the object by
 */
struct iommufd_object {
	refcount_t users;
	refcount_t lookups;
	unsigned int peeks;
	enum iommufd_object_type type;
	u32 id;
};

struct iommufd_object *_iommufd_object_alloc(struct iommufd_ctx *ictx,
					     size_t size,
					     enum iommufd_object_type type);

/*
 * iommufd_object_alloc() - allocate an object of type @obj_type embedded in
 * @struct_type, whose first member must be the struct iommufd_object "obj".
 */
#define iommufd_object_alloc(ictx, struct_type, obj_type)                    \
	container_of(_iommufd_object_alloc(ictx,                             \
			sizeof(struct_type) +                                \
			BUILD_BUG_ON_ZERO(offsetof(struct_type, obj)),       \
			obj_type),                                           \
		     struct_type, obj)

void iommufd_object_publish(struct iommufd_ctx *ictx,
			    struct iommufd_object *obj);
void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj);

struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id,
					  enum iommufd_object_type type);
void iommufd_put_object(struct iommufd_ctx *ictx, struct iommufd_object *obj);

int iommufd_object_destroy_user(struct iommufd_ctx *ictx, u32 id);
bool iommufd_object_remove(struct iommufd_ctx *ictx,
			   struct iommufd_object *obj);
void iommufd_ctx_destroy_all(struct iommufd_ctx *ictx);
const char *iommufd_object_type_name(enum iommufd_object_type type);
struct iommufd_object *iommufd_peek_next_object(struct iommufd_ctx *ictx,
						unsigned long *id);
void iommufd_unpeek_object(struct iommufd_ctx *ictx,
			   struct iommufd_object *obj);
void iommufd_object_count(struct iommufd_ctx *ictx, unsigned int *counts);

/* Per-type destroy callbacks, called from object.c only. */
void iommufd_ioas_destroy(struct iommufd_object *obj);
void iommufd_hwpt_destroy(struct iommufd_object *obj);
void iommufd_device_destroy(struct iommufd_object *obj);
void iommufd_access_object_destroy(struct iommufd_object *obj);
void iommufd_fault_destroy(struct iommufd_object *obj);

#endif
