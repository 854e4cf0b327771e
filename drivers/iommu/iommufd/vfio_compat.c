// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The VFIO container interface on an iommufd file.
 *
 * A program written for VFIO's type1 container can use an iommufd file in
 * its place, either directly (the VFIO ioctls work on /dev/iommu, and on
 * /dev/vfio/vfio with CONFIG_IOMMUFD_VFIO_CONTAINER) or through VFIO's group
 * path (VFIO_GROUP_SET_CONTAINER given an iommufd file). The container is
 * emulated by one IOAS of the context, the "compat IOAS":
 *
 *   - VFIO creates it when the first group is attached
 *     (iommufd_vfio_compat_ioas_create()), or user space names one with
 *     IOMMU_VFIO_IOAS. It is an ordinary IOAS with an ID; destroying it
 *     ends the emulation (object.c forgets the ID).
 *   - VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA map and unmap in it at
 *     fixed IOVAs, charged like VFIO does, to the process.
 *   - Type1 v1 allows unmapping part of a mapping. It is emulated by
 *     switching large IO pages off, so that mappings can be split at any
 *     page boundary.
 *   - VFIO_SET_IOMMU(VFIO_SPAPR_TCE_IOMMU or _v2_IOMMU) makes the container
 *     PowerPC's SPAPR TCE one, whose IOAS is windowed (vfio_spapr.c); it picks
 *     the handler of the numbers both APIs use (VFIO_IOMMU_GET_INFO is
 *     VFIO_IOMMU_SPAPR_TCE_GET_INFO).
 *
 * The compat IOAS is remembered by ID (ictx->vfio_ioas_id), so that this
 * file holds no pointer to an object that may be destroyed.
 */
#include <linux/capability.h>
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <uapi/linux/iommufd.h>

#include "backend.h"
#include "ioas.h"
#include "ioctl.h"
#include "vfio_compat.h"

static struct iommufd_ioas *vfio_get_ioas(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;
	u32 id;

	xa_lock(&ictx->objects);
	id = ictx->vfio_ioas_id;
	xa_unlock(&ictx->objects);
	if (!id)
		return ERR_PTR(-ENODEV);
	ioas = iommufd_get_ioas(ictx, id);
	/* Destroyed meanwhile: as if there had been none. */
	return IS_ERR(ioas) ? ERR_PTR(-ENODEV) : ioas;
}

/**
 * iommufd_vfio_compat_ioas_get_id() - ID of the IOAS a VFIO container uses
 * @ictx: context
 * @out_ioas_id: set to the ID on success
 *
 * Context: process context.
 * Return: 0, or -ENODEV if the context has no compat IOAS.
 */
int iommufd_vfio_compat_ioas_get_id(struct iommufd_ctx *ictx, u32 *out_ioas_id)
{
	struct iommufd_ioas *ioas = vfio_get_ioas(ictx);

	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	*out_ioas_id = ioas->obj.id;
	iommufd_put_ioas(ictx, ioas);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_compat_ioas_get_id, IOMMUFD_VFIO);

/**
 * iommufd_vfio_compat_ioas_create() - make sure a VFIO container IOAS exists
 * @ictx: context
 *
 * Creates an IOAS and makes it the compat IOAS, unless there is one. The
 * new IOAS is an ordinary object: user space can learn its ID with
 * IOMMU_VFIO_IOAS, and it is destroyed with the context at the latest.
 *
 * Context: process context.
 * Return: 0, -EINVAL if the context is in no-IOMMU mode, -ENOMEM.
 */
int iommufd_vfio_compat_ioas_create(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;
	int rc = 0;

	ioas = iommufd_ioas_new(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	/*
	 * The ID is taken while the object is still unpublished; nobody can
	 * look it up before the publish below, and the table lock orders
	 * this against a concurrent IOMMU_VFIO_IOAS.
	 */
	xa_lock(&ictx->objects);
	if (ictx->vfio_no_iommu)
		rc = -EINVAL;
	else if (ictx->vfio_ioas_id)
		rc = -EEXIST;
	else
		ictx->vfio_ioas_id = ioas->obj.id;
	xa_unlock(&ictx->objects);

	if (rc) {
		iommufd_object_abort(ictx, &ioas->obj);
		/* Someone else's compat IOAS is as good as ours. */
		return rc == -EEXIST ? 0 : rc;
	}
	iommufd_object_publish(ictx, &ioas->obj);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_compat_ioas_create, IOMMUFD_VFIO);

/**
 * iommufd_vfio_compat_set_no_iommu() - use the context for VFIO no-IOMMU
 * @ictx: context
 *
 * Context: process context.
 * Return: 0, or -EINVAL if the context already has a compat IOAS.
 */
int iommufd_vfio_compat_set_no_iommu(struct iommufd_ctx *ictx)
{
	int rc = 0;

	xa_lock(&ictx->objects);
	if (ictx->vfio_ioas_id)
		rc = -EINVAL;
	else
		ictx->vfio_no_iommu = true;
	xa_unlock(&ictx->objects);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_compat_set_no_iommu, IOMMUFD_VFIO);

int iommufd_vfio_ioas_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		ioas = vfio_get_ioas(ictx);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		cmd->ioas_id = ioas->obj.id;
		iommufd_put_ioas(ictx, ioas);
		return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = iommufd_get_ioas(ictx, cmd->ioas_id);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		xa_lock(&ictx->objects);
		ictx->vfio_ioas_id = ioas->obj.id;
		xa_unlock(&ictx->objects);
		iommufd_put_ioas(ictx, ioas);
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		xa_lock(&ictx->objects);
		ictx->vfio_ioas_id = 0;
		xa_unlock(&ictx->objects);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * VFIO_DMA_CC_IOMMU: 1 if every IOMMU translating the container makes DMA
 * snoop the CPU caches (vacuously so while nothing is attached), as type1
 * answers; -ENODEV without a container IOAS.
 */
static int vfio_cc_iommu(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas = vfio_get_ioas(ictx);
	int rc;

	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iopt_cache_coherent(&ioas->iopt);
	iommufd_put_ioas(ictx, ioas);
	return rc;
}

/*
 * Is the container's hardware SPAPR's (vfio_spapr.c)? Then VFIO would offer
 * the SPAPR TCE v2 API, and not type1.
 */
static bool vfio_windowed(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas = vfio_get_ioas(ictx);
	bool windowed;

	if (IS_ERR(ioas))
		return iommufd_vfio_spapr_windowed(ictx, NULL);
	windowed = iommufd_vfio_spapr_windowed(ictx, ioas);
	iommufd_put_ioas(ictx, ioas);
	return windowed;
}

/*
 * Type1 stays usable everywhere (VFIO_SET_IOMMU accepts it), but is not
 * offered where the hardware is SPAPR's, as VFIO does not offer it there.
 */
static int vfio_check_extension(struct iommufd_ctx *ictx, unsigned long type)
{
	bool no_iommu = READ_ONCE(ictx->vfio_no_iommu);

	switch (type) {
	case VFIO_SPAPR_TCE_IOMMU:
	case VFIO_SPAPR_TCE_v2_IOMMU:
		return !no_iommu && vfio_windowed(ictx);
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return !no_iommu && !vfio_windowed(ictx);
	case VFIO_NOIOMMU_IOMMU:
		return IS_ENABLED(CONFIG_VFIO_NOIOMMU);
	case VFIO_DMA_CC_IOMMU:
		return vfio_cc_iommu(ictx);
	case VFIO_EEH:
		return !no_iommu && vfio_windowed(ictx) &&
		       iommufd_backends_eeh();
	default:
		/* Not offered: VFIO_UPDATE_VADDR, nesting. */
		return 0;
	}
}

/* Record @type as the container's, unless a SPAPR type is set already. */
static int vfio_set_type(struct iommufd_ctx *ictx, u32 type)
{
	int rc = 0;

	xa_lock(&ictx->objects);
	if (ictx->vfio_type == VFIO_SPAPR_TCE_IOMMU ||
	    ictx->vfio_type == VFIO_SPAPR_TCE_v2_IOMMU)
		rc = -EINVAL;
	else
		ictx->vfio_type = type;
	xa_unlock(&ictx->objects);
	return rc;
}

static int vfio_set_iommu(struct iommufd_ctx *ictx, unsigned long type)
{
	bool no_iommu = READ_ONCE(ictx->vfio_no_iommu);
	struct iommufd_ioas *ioas;
	int rc = 0;

	if (IS_ENABLED(CONFIG_VFIO_NOIOMMU) && type == VFIO_NOIOMMU_IOMMU &&
	    no_iommu)
		return capable(CAP_SYS_RAWIO) ? 0 : -EPERM;
	if ((type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU &&
	     type != VFIO_SPAPR_TCE_IOMMU && type != VFIO_SPAPR_TCE_v2_IOMMU) ||
	    no_iommu)
		return -EINVAL;

	/* Like VFIO, there must be a group (a compat IOAS) first. */
	ioas = vfio_get_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/* Like VFIO, a SPAPR container keeps its type. */
	if (iommufd_vfio_spapr_get(ictx))
		rc = -EINVAL;
	else if (type == VFIO_SPAPR_TCE_IOMMU ||
		 type == VFIO_SPAPR_TCE_v2_IOMMU)
		rc = iommufd_vfio_spapr_set(ictx, ioas,
					    type == VFIO_SPAPR_TCE_IOMMU);
	else if (type == VFIO_TYPE1_IOMMU)
		rc = iopt_set_large_pages(&ioas->iopt, false);
	if (!rc)
		rc = vfio_set_type(ictx, type);
	iommufd_put_ioas(ictx, ioas);
	return rc;
}

/* An ioctl of the SPAPR container, @cmd, on its compat IOAS. */
static long vfio_spapr_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			     void __user *arg)
{
	struct iommufd_ioas *ioas = vfio_get_ioas(ictx);
	long rc;

	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iommufd_vfio_spapr_ioctl(ictx, ioas, cmd, arg);
	iommufd_put_ioas(ictx, ioas);
	return rc;
}

/**
 * iommufd_vfio_get_arg() - read the argument of a VFIO container ioctl
 * @dst: where to put it
 * @arg: the user's argument, which starts with its size (argsz, a u32)
 * @minsz: bytes to read: up to the end of the last field the command needs
 *
 * Return: 0, -EFAULT, or -EINVAL if argsz is below @minsz, as VFIO.
 */
int iommufd_vfio_get_arg(void *dst, const void __user *arg, size_t minsz)
{
	if (copy_from_user(dst, arg, minsz))
		return -EFAULT;
	if (*(u32 *)dst < minsz)
		return -EINVAL;
	return 0;
}

static int vfio_map_dma(struct iommufd_ctx *ictx, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	u32 known = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	struct vfio_iommu_type1_dma_map map;
	struct iommufd_ioas *ioas;
	unsigned long iova;
	int prot = 0, rc;

	rc = iommufd_vfio_get_arg(&map, arg, minsz);
	if (rc)
		return rc;
	if (map.flags & ~known)
		return -EINVAL;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;
	if (map.iova > ULONG_MAX || map.vaddr > ULONG_MAX ||
	    map.size > ULONG_MAX)
		return -EOVERFLOW;

	ioas = vfio_get_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	iova = map.iova;
	rc = iopt_map_user(&ioas->iopt, &iova, map.vaddr, map.size, prot, true,
			   ictx->account_mode, NULL);
	iommufd_put_ioas(ictx, ioas);
	return rc;
}

static int vfio_unmap_dma(struct iommufd_ctx *ictx, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	struct vfio_iommu_type1_dma_unmap unmap;
	unsigned long unmapped = 0, last;
	struct iommufd_ioas *ioas;
	int rc;

	rc = iommufd_vfio_get_arg(&unmap, arg, minsz);
	if (rc)
		return rc;
	/* Dirty tracking through unmap is obsolete; not offered. */
	if (unmap.flags & ~VFIO_DMA_UNMAP_FLAG_ALL)
		return -EINVAL;

	ioas = vfio_get_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (unmap.iova || unmap.size)
			rc = -EINVAL;
		else
			rc = iopt_unmap(&ioas->iopt, 0, ULONG_MAX,
					IOPT_UNMAP_ALL, &unmapped);
	} else if (!unmap.size || unmap.iova > ULONG_MAX ||
		   check_add_overflow((unsigned long)unmap.iova,
				      (unsigned long)unmap.size - 1, &last)) {
		rc = -EINVAL;
	} else if (!iopt_large_pages(&ioas->iopt)) {
		/* Type1 v1: the range need not follow the mappings. */
		rc = iopt_unmap_cut(&ioas->iopt, unmap.iova, last, &unmapped);
	} else {
		rc = iopt_unmap(&ioas->iopt, unmap.iova, last,
				IOPT_UNMAP_EMPTY_OK, &unmapped);
	}
	iommufd_put_ioas(ictx, ioas);
	if (rc)
		return rc;

	unmap.size = unmapped;
	if (copy_to_user(arg, &unmap, minsz))
		return -EFAULT;
	return 0;
}

/*
 * An IOMMU group VFIO attached to the context, as to a container, and what
 * its hardware offers (asked once, at join, outside the context's locks:
 * the backends' lock comes first in the lock order). @ops is the backend
 * that described the group, NULL if none did.
 */
struct vfio_compat_group {
	struct list_head link;
	struct iommu_group *group;
	const struct iommufd_backend_ops *ops;
	struct iommufd_window_caps caps;
};

/* May the group of @entry join @ictx's container, if it is SPAPR's? */
static int vfio_group_admit(struct iommufd_ctx *ictx,
			    struct vfio_compat_group *entry)
{
	struct iommufd_ioas *ioas;
	int rc;

	lockdep_assert_held(&ictx->attach_lock);

	if (!iommufd_vfio_spapr_get(ictx))
		return 0;
	ioas = vfio_get_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iommufd_vfio_spapr_admit(ictx, ioas,
				      entry->ops ? &entry->caps : NULL);
	iommufd_put_ioas(ictx, ioas);
	return rc;
}

/**
 * iommufd_vfio_compat_group_join() - a VFIO group joined the container
 * @ictx: context standing in for the container
 * @group: the group's IOMMU group
 *
 * VFIO calls this at VFIO_GROUP_SET_CONTAINER, after
 * iommufd_vfio_compat_ioas_create(), so that the container knows the
 * group's hardware before any of its devices is opened (VFIO's SPAPR
 * container describes its windows then). Undone by
 * iommufd_vfio_compat_group_leave(), or when @ictx is released.
 *
 * A SPAPR container refuses a group as VFIO's does: a v1 container takes
 * one group only (-EBUSY); the group of a v2 container must have
 * partitionable endpoints (-ENODEV), and take every window the container
 * has (-EPERM, VFIO's answer for a group unlike those of the container).
 *
 * Context: process context.
 * Return: 0, -ENOMEM, or the refusals above.
 */
int iommufd_vfio_compat_group_join(struct iommufd_ctx *ictx,
				   struct iommu_group *group)
{
	const struct iommufd_backend_ops *ops;
	struct vfio_compat_group *entry;
	int rc;

	entry = kzalloc(sizeof(*entry), GFP_KERNEL_ACCOUNT);
	if (!entry)
		return -ENOMEM;
	ops = iommufd_backend_group_caps(group, &entry->caps);
	entry->ops = IS_ERR(ops) ? NULL : ops;

	mutex_lock(&ictx->attach_lock);
	rc = vfio_group_admit(ictx, entry);
	if (!rc) {
		entry->group = iommu_group_ref_get(group);
		list_add_tail(&entry->link, &ictx->vfio_groups);
	}
	mutex_unlock(&ictx->attach_lock);
	if (rc)
		kfree(entry);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_compat_group_join, IOMMUFD_VFIO);

static void vfio_group_free(struct vfio_compat_group *entry)
{
	list_del(&entry->link);
	iommu_group_put(entry->group);
	kfree(entry);
}

/**
 * iommufd_vfio_compat_group_leave() - a VFIO group left the container
 * @ictx: context standing in for the container
 * @group: the IOMMU group that joined; NULL or a group that did not join
 *         is ignored
 *
 * Context: process context.
 */
void iommufd_vfio_compat_group_leave(struct iommufd_ctx *ictx,
				     struct iommu_group *group)
{
	struct vfio_compat_group *entry;

	mutex_lock(&ictx->attach_lock);
	list_for_each_entry(entry, &ictx->vfio_groups, link) {
		if (entry->group == group) {
			vfio_group_free(entry);
			break;
		}
	}
	mutex_unlock(&ictx->attach_lock);
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_compat_group_leave, IOMMUFD_VFIO);

/**
 * iommufd_vfio_groups_caps() - what the groups of the container offer
 * @ictx: context
 * @caps: set to what every joined group's hardware offers together
 *
 * Context: ictx->attach_lock held.
 * Return: 0, or -ENODEV if no group joined or the hardware of one is not
 * described.
 */
int iommufd_vfio_groups_caps(struct iommufd_ctx *ictx,
			     struct iommufd_window_caps *caps)
{
	struct vfio_compat_group *entry;
	bool first = true;

	lockdep_assert_held(&ictx->attach_lock);

	list_for_each_entry(entry, &ictx->vfio_groups, link) {
		if (!entry->ops)
			return -ENODEV;
		if (first)
			*caps = entry->caps;
		else
			iopt_caps_meet(caps, &entry->caps);
		first = false;
	}
	return first ? -ENODEV : 0;
}

/**
 * iommufd_vfio_groups_eeh_pe_op() - VFIO_EEH_PE_OP on the container's group
 * @ictx: context
 * @op: the request, checked
 *
 * An EEH operation acts on one partitionable endpoint, which is one IOMMU
 * group, so the container must hold exactly one (QEMU uses EEH only then).
 * The context's attach_lock is held while the platform acts, which may
 * take seconds for a reset, so that the group cannot leave the container
 * (and be given to another owner) meanwhile.
 *
 * Return: what the backend's ->eeh_pe_op() returns; -ENODEV if no group
 * joined or the group's backend has no EEH, -EPERM if several joined.
 */
int iommufd_vfio_groups_eeh_pe_op(struct iommufd_ctx *ictx,
				  const struct vfio_eeh_pe_op *op)
{
	struct vfio_compat_group *entry;
	int rc;

	mutex_lock(&ictx->attach_lock);
	if (list_empty(&ictx->vfio_groups)) {
		rc = -ENODEV;
	} else if (!list_is_singular(&ictx->vfio_groups)) {
		rc = -EPERM;
	} else {
		entry = list_first_entry(&ictx->vfio_groups,
					 struct vfio_compat_group, link);
		if (entry->ops && entry->ops->eeh_pe_op)
			rc = entry->ops->eeh_pe_op(entry->group, op);
		else
			rc = -ENODEV;
	}
	mutex_unlock(&ictx->attach_lock);
	return rc;
}

/* The capability chain of VFIO_IOMMU_GET_INFO, built in a kernel buffer. */
struct vfio_caps {
	void *buf;
	size_t len;
	size_t size;
	u32 last_next;	/* offset of the previous header's "next", or 0 */
};

static void *vfio_caps_add(struct vfio_caps *caps, u16 id, u16 version,
			   size_t len)
{
	struct vfio_info_cap_header *hdr;

	if (caps->len + len > caps->size)
		return NULL;
	hdr = caps->buf + caps->len;
	hdr->id = id;
	hdr->version = version;
	/* Offsets count from the start of struct vfio_iommu_type1_info. */
	if (caps->last_next)
		*(u32 *)(caps->buf + caps->last_next) =
			sizeof(struct vfio_iommu_type1_info) + caps->len;
	caps->last_next = (void *)&hdr->next - caps->buf;
	caps->len += len;
	return hdr;
}

static int vfio_count_range(unsigned long start, unsigned long last,
			    void *opaque)
{
	(*(u32 *)opaque)++;
	return 0;
}

struct vfio_range_fill {
	struct vfio_iommu_type1_info_cap_iova_range *cap;
	u32 room;
};

static int vfio_fill_range(unsigned long start, unsigned long last,
			   void *opaque)
{
	struct vfio_range_fill *fill = opaque;
	struct vfio_iommu_type1_info_cap_iova_range *cap = fill->cap;

	/* The space may have changed since the ranges were counted. */
	if (cap->nr_iovas == fill->room)
		return -EAGAIN;
	cap->iova_ranges[cap->nr_iovas].start = start;
	cap->iova_ranges[cap->nr_iovas].end = last;
	cap->nr_iovas++;
	return 0;
}

static int vfio_build_caps(struct iommufd_ioas *ioas, struct vfio_caps *caps)
{
	struct vfio_iommu_type1_info_cap_iova_range *iova_cap;
	struct vfio_iommu_type1_info_dma_avail *avail;
	struct vfio_range_fill fill;
	u32 nr = 0;
	int rc;

	rc = iopt_walk_usable(&ioas->iopt, vfio_count_range, &nr);
	if (rc)
		return rc;
	caps->size = struct_size(iova_cap, iova_ranges, nr) + sizeof(*avail);
	caps->buf = kzalloc(caps->size, GFP_KERNEL);
	if (!caps->buf)
		return -ENOMEM;

	iova_cap = vfio_caps_add(caps, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1,
				 struct_size(iova_cap, iova_ranges, nr));
	fill.cap = iova_cap;
	fill.room = nr;
	rc = iopt_walk_usable(&ioas->iopt, vfio_fill_range, &fill);
	if (rc)
		return rc;

	/* The number of mappings is not limited; report the most we can. */
	avail = vfio_caps_add(caps, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1,
			      sizeof(*avail));
	avail->avail = U32_MAX;
	return 0;
}

static unsigned long vfio_pgsizes(struct iommufd_ioas *ioas)
{
	unsigned long bitmap = iopt_pgsize_bitmap(&ioas->iopt);

	/* VFIO never reports an IO page size below PAGE_SIZE. */
	if (bitmap & ~PAGE_MASK)
		bitmap = (bitmap & PAGE_MASK) | PAGE_SIZE;
	return bitmap;
}

static int vfio_get_info(struct iommufd_ctx *ictx, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	struct vfio_iommu_type1_info info = {};
	struct vfio_caps caps = {};
	struct iommufd_ioas *ioas;
	u32 argsz;
	int rc;

	rc = iommufd_vfio_get_arg(&info, arg, minsz);
	if (rc)
		return rc;
	argsz = info.argsz;

	ioas = vfio_get_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	do {
		kfree(caps.buf);
		memset(&caps, 0, sizeof(caps));
		rc = vfio_build_caps(ioas, &caps);
	} while (rc == -EAGAIN);
	if (rc)
		goto out;

	info.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	info.iova_pgsizes = vfio_pgsizes(ioas);
	info.cap_offset = 0;
	info.argsz = sizeof(info) + caps.len;
	/* The chain is written only if all of it fits; argsz says how much. */
	if (argsz >= info.argsz) {
		info.cap_offset = sizeof(info);
		if (copy_to_user(arg + sizeof(info), caps.buf, caps.len)) {
			rc = -EFAULT;
			goto out;
		}
	}
	if (copy_to_user(arg, &info, min_t(size_t, argsz, sizeof(info))))
		rc = -EFAULT;
out:
	kfree(caps.buf);
	iommufd_put_ioas(ictx, ioas);
	return rc;
}

/**
 * iommufd_vfio_ioctl() - a VFIO container ioctl issued on an iommufd file
 * @ictx: context
 * @cmd: the ioctl number, outside iommufd's own range
 * @arg: its argument
 *
 * Return: what VFIO's type1 container would return, or its SPAPR TCE
 * container (v2, vfio_spapr.c) once VFIO_SET_IOMMU chose that; -ENODEV for
 * a command that needs a compat IOAS when there is none, -ENOIOCTLCMD for
 * any other number.
 */
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	bool spapr = iommufd_vfio_spapr_get(ictx);

	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return vfio_check_extension(ictx, arg);
	case VFIO_SET_IOMMU:
		return vfio_set_iommu(ictx, arg);
	case VFIO_IOMMU_GET_INFO:	/* = VFIO_IOMMU_SPAPR_TCE_GET_INFO */
		if (spapr)
			return vfio_spapr_ioctl(ictx, cmd, uarg);
		return vfio_get_info(ictx, uarg);
	case VFIO_IOMMU_SPAPR_TCE_CREATE:
	case VFIO_IOMMU_SPAPR_TCE_REMOVE:
	case VFIO_IOMMU_SPAPR_REGISTER_MEMORY:	/* = VFIO_IOMMU_DIRTY_PAGES */
	case VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY:
	case VFIO_IOMMU_ENABLE:
	case VFIO_IOMMU_DISABLE:
	case VFIO_EEH_PE_OP:
		if (!spapr)
			return -ENOIOCTLCMD;
		return vfio_spapr_ioctl(ictx, cmd, uarg);
	case VFIO_IOMMU_MAP_DMA:
		if (spapr)
			return vfio_spapr_ioctl(ictx, cmd, uarg);
		return vfio_map_dma(ictx, uarg);
	case VFIO_IOMMU_UNMAP_DMA:
		if (spapr)
			return vfio_spapr_ioctl(ictx, cmd, uarg);
		return vfio_unmap_dma(ictx, uarg);
	default:
		return -ENOIOCTLCMD;
	}
}

/**
 * iommufd_vfio_release() - free what the container emulation keeps
 * @ictx: context whose file is being released, with its objects gone
 */
void iommufd_vfio_release(struct iommufd_ctx *ictx)
{
	struct vfio_compat_group *entry, *next;

	/* VFIO holds a reference on the file while a group is joined. */
	list_for_each_entry_safe(entry, next, &ictx->vfio_groups, link)
		vfio_group_free(entry);
	iommufd_vfio_spapr_release(ictx);
}

/**
 * iommufd_vfio_tally_pins() - add what the container emulation pins itself
 * @ictx: context
 * @tally: the tally of the file's pins (IOMMU_PIN_STATS)
 *
 * Return: 0, or -ENOMEM.
 */
int iommufd_vfio_tally_pins(struct iommufd_ctx *ictx,
			    struct iommufd_pin_tally *tally)
{
	return iommufd_vfio_spapr_tally_pins(ictx, tally);
}
