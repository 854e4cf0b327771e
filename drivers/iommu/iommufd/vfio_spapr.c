// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * VFIO's SPAPR TCE container API (v2, and v1) on the compat IOAS.
 *
 * PowerPC's VFIO container gives user space DMA windows rather than one
 * IO address space: it reports the default 32-bit window and what dynamic
 * windows the hardware can add (VFIO_IOMMU_SPAPR_TCE_GET_INFO), and
 * creates and removes windows (VFIO_IOMMU_SPAPR_TCE_CREATE and _REMOVE).
 * Here the container's IOAS is a windowed IOAS, and:
 *
 *   - VFIO_SET_IOMMU(VFIO_SPAPR_TCE_v2_IOMMU) makes the compat IOAS
 *     windowed in place (iopt_make_windowed()), which only an empty IOAS
 *     with no device attached allows: VFIO's order (SET_IOMMU before any
 *     device of the group is opened) gives exactly that. A compat IOAS
 *     that already is windowed is taken as it is.
 *   - Every answer comes from window capabilities, never from a
 *     backend's identity: those of the IOMMU groups VFIO joined to the
 *     container (VFIO_GROUP_SET_CONTAINER, before any device of theirs is
 *     open) and of the devices attached to the IOAS. Hardware whose
 *     apertures have fixed starts is what the SPAPR API describes,
 *     aperture 0 holding the default window. A container without a group
 *     answers for the platform, as VFIO's does: PowerPC offers SPAPR and
 *     not type1, so that a client probing the types in order (QEMU tries
 *     type1 first) picks SPAPR there.
 *   - TCE_CREATE asks for a window at the start of the first free slot
 *     (fixed-start aperture) that takes its page size, where VFIO puts
 *     it; the hardware's apertures decide this before any device is
 *     attached.
 *     TCE_REMOVE unmaps what is in the window and gives it back.
 *   - VFIO gives a new container the default window (4 KiB pages, the
 *     start and size of the 32-bit window) when it is first used; until
 *     then it is pending, and removing it only cancels it, which QEMU's
 *     setup relies on. Here too: created before the first TCE_CREATE, and
 *     pending again if that request is refused, so that a refused request
 *     changes nothing.
 *   - Several groups share the windows of a v2 container. A group joins
 *     a SPAPR container only if its hardware has windows and takes every
 *     window the container has (iommufd_vfio_spapr_admit()); windows made
 *     later are met against every group. A v1 container takes one group.
 *   - Memory is preregistered (VFIO_IOMMU_SPAPR_REGISTER_MEMORY) into a
 *     staging IO address space of the container's own, at IOVA = its user
 *     address: pinned and charged there, once. VFIO_IOMMU_MAP_DMA then
 *     copies the registered pages into the compat IOAS (iopt_copy()), so
 *     mapping never pins, and memory mapped several times is charged once.
 *     VFIO_IOMMU_UNMAP_DMA may cut through mappings, as VFIO's entry by
 *     entry clearing does: the compat IOAS has large IO pages off.
 *
 * The errnos are VFIO's: a request the hardware refuses for its page size
 * or levels is EINVAL, a third window ENOSPC, an unknown window EINVAL,
 * and without hardware that has windows ENXIO; MAP_DMA and UNMAP_DMA
 * before any memory was registered EPERM, outside every window ENXIO,
 * misaligned or of unregistered memory EINVAL. Where VFIO's answer is a
 * defect, ours differs, and the uAPI documentation says so: MAP_DMA over
 * an existing mapping is EEXIST (VFIO silently replaces the entries),
 * MAP_DMA past the end of its window EINVAL (VFIO checks the first page
 * only), UNREGISTER_MEMORY of memory that is still mapped succeeds and the
 * mapping keeps its pages pinned until it is unmapped (VFIO leaks the
 * registration), and REGISTER_MEMORY of size 0 is EINVAL.
 *
 * The v1 API (VFIO_SPAPR_TCE_IOMMU) is the same on the default window
 * alone: no preregistration and no window of the program's making (those
 * ioctls are ENOTTY), MAP_DMA pins the memory it maps, and
 * VFIO_IOMMU_ENABLE and _DISABLE open and close MAP_DMA and UNMAP_DMA.
 * VFIO's ENABLE charges the whole default window to locked_vm; ours
 * charges what is mapped, once, as every map is charged.
 *
 * EEH, PowerPC's recovery from PCI errors, acts on a partitionable
 * endpoint, which is one IOMMU group: VFIO_EEH_PE_OP is passed to the
 * backend of the container's group (tce.c), on a container of exactly one
 * group (VFIO applies it to each of several in turn; QEMU uses it only
 * with one, and a state or a reset of several PEs at once has no single
 * answer). VFIO_CHECK_EXTENSION(VFIO_EEH) says whether the platform has
 * EEH on.
 */
#include <linux/interval_tree.h>
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <uapi/linux/iommufd.h>

#include "backend.h"
#include "ioas.h"
#include "vfio_compat.h"

/**
 * struct iommufd_vfio_spapr - a context's SPAPR TCE container
 * @lock: serializes REGISTER_MEMORY and UNREGISTER_MEMORY; guards @regions
 * @windows_rwsem: held for reading by MAP_DMA and for writing by
 *                 TCE_REMOVE, so that a window being emptied and removed
 *                 takes no new mapping meanwhile
 * @regions: the registered ranges of user memory, by user address; they
 *           never overlap
 * @staging: where registered memory is mapped, at IOVA = user address; no
 *           device is ever attached to it
 * @enabled: MAP_DMA and UNMAP_DMA are allowed (VFIO's "enabled"): in v2
 *           once some memory was registered, in v1 between
 *           VFIO_IOMMU_ENABLE and VFIO_IOMMU_DISABLE; under @lock, read
 *           without it
 * @pending: the default window is still to be created; under the
 *           context's attach_lock
 * @v1: the container is VFIO_SPAPR_TCE_IOMMU: no preregistration, no
 *      window of its own making, memory pinned at MAP_DMA
 */
struct iommufd_vfio_spapr {
	struct mutex lock; /* see above */
	struct rw_semaphore windows_rwsem;
	struct rb_root_cached regions;
	struct iommufd_iopt staging;
	bool enabled;
	bool pending;
	bool v1;
};

/* One REGISTER_MEMORY: [node.start, node.last] of user addresses. */
struct spapr_region {
	struct interval_tree_node node;
};

static int spapr_ignore_range(unsigned long start, unsigned long last,
			      void *opaque)
{
	return 0;
}

/* Does hardware with @caps have windows of its own (fixed starts)? */
static bool spapr_caps_windowed(const struct iommufd_window_caps *caps)
{
	unsigned int i;

	for (i = 0; i < caps->nr_apertures; i++)
		if (caps->apertures[i].flags & IOMMU_APERTURE_FIXED_START)
			return true;
	return false;
}

/*
 * What the container's hardware can have: the IOMMU groups VFIO joined to
 * it (known before any of their devices is open), met with the devices
 * attached to @ioas that have windows of their own (devices bound by
 * other means, and the mock's PowerPC model).
 * Return: 0, or -ENXIO if neither has windows of its own.
 */
static int spapr_caps(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
		      struct iommufd_window_caps *caps)
{
	struct iommufd_window_caps devs;
	bool groups;

	lockdep_assert_held(&ictx->attach_lock);

	groups = !iommufd_vfio_groups_caps(ictx, caps) &&
		 spapr_caps_windowed(caps);
	iopt_limits_caps(&ioas->iopt, &devs, spapr_ignore_range, NULL);
	if (spapr_caps_windowed(&devs)) {
		if (groups)
			iopt_caps_meet(caps, &devs);
		else
			*caps = devs;
		return 0;
	}
	return groups ? 0 : -ENXIO;
}

/* Every IO page size some aperture of @caps translates with. */
static unsigned long spapr_pgsizes(const struct iommufd_window_caps *caps)
{
	unsigned long pgsizes = 0;
	unsigned int i;

	for (i = 0; i < caps->nr_apertures; i++)
		pgsizes |= caps->apertures[i].pgsizes;
	return pgsizes;
}

/*
 * The default window: at aperture 0's start, as long as fits the 32-bit
 * fields of GET_INFO, and a power of two as TCE tables are.
 */
static unsigned long spapr_dma32_size(const struct iommufd_window_caps *caps)
{
	const struct iommufd_aperture *ap = &caps->apertures[0];
	u64 len = (u64)(ap->last - ap->start) + 1;

	if (!len || len > U32_MAX)
		len = U32_MAX;
	return rounddown_pow_of_two(len);
}

/**
 * iommufd_vfio_spapr_windowed() - is a container's hardware SPAPR's?
 * @ictx: context
 * @ioas: its compat IOAS, or NULL if there is none
 *
 * Without a compat IOAS no group has joined the container yet, and the
 * answer is the platform's, as VFIO's: PowerPC has the SPAPR API only.
 * With one, it is that of the groups that joined and the devices attached
 * (none known: no).
 *
 * Return: whether the container's hardware has windows of its own.
 */
bool iommufd_vfio_spapr_windowed(struct iommufd_ctx *ictx,
				 struct iommufd_ioas *ioas)
{
	struct iommufd_window_caps caps;
	int rc;

	if (!ioas)
		return iommufd_backends_platform_windows();
	mutex_lock(&ictx->attach_lock);
	rc = spapr_caps(ictx, ioas, &caps);
	mutex_unlock(&ictx->attach_lock);
	return !rc;
}

/*
 * Can the groups that joined be those of a SPAPR container? Each must have
 * partitionable endpoints (VFIO: a table group), and v1 takes one.
 */
static int spapr_groups_fit(struct iommufd_ctx *ictx, bool v1)
{
	struct iommufd_window_caps caps;

	lockdep_assert_held(&ictx->attach_lock);

	if (list_empty(&ictx->vfio_groups))
		return 0;
	if (v1 && !list_is_singular(&ictx->vfio_groups))
		return -EBUSY;
	if (iommufd_vfio_groups_caps(ictx, &caps) ||
	    !spapr_caps_windowed(&caps))
		return -ENODEV;
	return 0;
}

/**
 * iommufd_vfio_spapr_admit() - may a group join the SPAPR container?
 * @ictx: context, a SPAPR container
 * @ioas: its compat IOAS
 * @caps: what the group's hardware offers; NULL if no backend describes it
 *
 * Context: ictx->attach_lock held.
 * Return: 0, -EBUSY for a second group of a v1 container, -ENODEV for a
 * group without windows, -EPERM for one that cannot take every window of
 * @ioas.
 */
int iommufd_vfio_spapr_admit(struct iommufd_ctx *ictx,
			     struct iommufd_ioas *ioas,
			     const struct iommufd_window_caps *caps)
{
	struct iommufd_vfio_spapr *spapr = iommufd_vfio_spapr_get(ictx);

	lockdep_assert_held(&ictx->attach_lock);

	if (spapr->v1 && !list_empty(&ictx->vfio_groups))
		return -EBUSY;
	if (!caps || !spapr_caps_windowed(caps))
		return -ENODEV;
	if (iopt_limits_check(&ioas->iopt, caps))
		return -EPERM;
	return 0;
}

/**
 * iommufd_vfio_spapr_set() - VFIO_SET_IOMMU of a SPAPR TCE type
 * @ictx: context
 * @ioas: its compat IOAS
 * @v1: VFIO_SPAPR_TCE_IOMMU rather than VFIO_SPAPR_TCE_v2_IOMMU
 *
 * Makes @ioas windowed, with large IO pages off so that UNMAP_DMA can cut
 * through mappings, and gives @ictx the state of a SPAPR container.
 *
 * Return: 0, -EINVAL if @ictx already is a SPAPR container, -EBUSY if
 * @ioas is plain and not empty or for several groups in v1, -ENODEV if a
 * group that joined has no windows, -ENOMEM.
 */
int iommufd_vfio_spapr_set(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			   bool v1)
{
	struct iommufd_vfio_spapr *spapr;
	int rc;

	spapr = kzalloc(sizeof(*spapr), GFP_KERNEL_ACCOUNT);
	if (!spapr)
		return -ENOMEM;
	mutex_init(&spapr->lock);
	init_rwsem(&spapr->windows_rwsem);
	spapr->v1 = v1;
	spapr->regions = RB_ROOT_CACHED;
	iopt_init(&spapr->staging);

	mutex_lock(&ictx->attach_lock);
	if (ictx->vfio_spapr)
		rc = -EINVAL;
	else
		rc = spapr_groups_fit(ictx, v1);
	if (!rc)
		rc = iopt_make_windowed(&ioas->iopt);
	/* Fails only on a windowed IOAS named with IOMMU_VFIO_IOAS. */
	if (!rc)
		rc = iopt_set_large_pages(&ioas->iopt, false);
	if (!rc) {
		spapr->pending = !ioas->iopt.nr_windows;
		/* Read without the lock by iommufd_vfio_spapr_get(). */
		smp_store_release(&ictx->vfio_spapr, spapr);
	}
	mutex_unlock(&ictx->attach_lock);
	if (rc) {
		iopt_destroy(&spapr->staging);
		mutex_destroy(&spapr->lock);
		kfree(spapr);
	}
	return rc;
}

/**
 * iommufd_vfio_spapr_get() - the SPAPR container state of a context
 * @ictx: context
 *
 * Return: the state, which lives as long as @ictx, or NULL if @ictx is not
 * a SPAPR container.
 */
struct iommufd_vfio_spapr *iommufd_vfio_spapr_get(struct iommufd_ctx *ictx)
{
	/* Pairs with iommufd_vfio_spapr_set(): the state is complete. */
	return smp_load_acquire(&ictx->vfio_spapr);
}

/**
 * iommufd_vfio_spapr_release() - free a context's SPAPR container state
 * @ictx: context whose file is being released
 *
 * Drops what the registrations hold pinned; mappings copied from them into
 * the compat IOAS went with it already.
 */
void iommufd_vfio_spapr_release(struct iommufd_ctx *ictx)
{
	struct iommufd_vfio_spapr *spapr = ictx->vfio_spapr;
	struct interval_tree_node *node;

	if (!spapr)
		return;
	while ((node = interval_tree_iter_first(&spapr->regions, 0,
						ULONG_MAX))) {
		interval_tree_remove(node, &spapr->regions);
		kfree(container_of(node, struct spapr_region, node));
	}
	iopt_destroy(&spapr->staging);
	mutex_destroy(&spapr->lock);
	kfree(spapr);
	ictx->vfio_spapr = NULL;
}

/**
 * iommufd_vfio_spapr_tally_pins() - add the preregistered memory to a tally
 * @ictx: context
 * @tally: the tally of the file's pins (IOMMU_PIN_STATS)
 *
 * Return: 0, or -ENOMEM.
 */
int iommufd_vfio_spapr_tally_pins(struct iommufd_ctx *ictx,
				  struct iommufd_pin_tally *tally)
{
	struct iommufd_vfio_spapr *spapr = iommufd_vfio_spapr_get(ictx);

	return spapr ? iopt_tally_pins(&spapr->staging, tally) : 0;
}

/* The default window a call made, to be taken back if the call fails. */
struct spapr_made {
	unsigned long start;
	u64 stamp;	/* 0: none was made */
};

/*
 * Create the pending default window of @ictx's container in @ioas; @made
 * says what was made (nothing if it was not pending).
 */
static int spapr_default_window(struct iommufd_ctx *ictx,
				struct iommufd_vfio_spapr *spapr,
				struct iommufd_ioas *ioas,
				const struct iommufd_window_caps *caps,
				struct spapr_made *made)
{
	struct iopt_window_req req = {
		.exact = true,
		.start = caps->apertures[0].start,
		.length = spapr_dma32_size(caps),
		.page_size = SZ_4K,
	};
	int rc;

	lockdep_assert_held(&ictx->attach_lock);

	made->stamp = 0;
	if (!spapr->pending)
		return 0;
	rc = iopt_window_add(&ioas->iopt, &req, &made->start, &made->stamp);
	if (!rc)
		spapr->pending = false;
	return rc;
}

/* Undo spapr_default_window() that gave @made. */
static void spapr_default_undo(struct iommufd_ctx *ictx,
			       struct iommufd_vfio_spapr *spapr,
			       struct iommufd_ioas *ioas,
			       const struct spapr_made *made)
{
	lockdep_assert_held(&ictx->attach_lock);

	if (made->stamp &&
	    !iopt_window_remove(&ioas->iopt, made->start, made->stamp))
		spapr->pending = true;
}

/*
 * Before MAP_DMA and UNMAP_DMA: create the default window if it is still
 * pending, as VFIO does at the first use of the container.
 */
static int spapr_use(struct iommufd_ctx *ictx, struct iommufd_vfio_spapr *spapr,
		     struct iommufd_ioas *ioas, struct spapr_made *made)
{
	struct iommufd_window_caps caps;
	int rc = 0;

	made->stamp = 0;
	mutex_lock(&ictx->attach_lock);
	if (spapr->pending) {
		rc = spapr_caps(ictx, ioas, &caps);
		if (!rc)
			rc = spapr_default_window(ictx, spapr, ioas, &caps,
						  made);
	}
	mutex_unlock(&ictx->attach_lock);
	return rc;
}

/* A call that failed after spapr_use() leaves the default window pending. */
static void spapr_unuse(struct iommufd_ctx *ictx,
			struct iommufd_vfio_spapr *spapr,
			struct iommufd_ioas *ioas, const struct spapr_made *made)
{
	if (!made->stamp)
		return;
	mutex_lock(&ictx->attach_lock);
	spapr_default_undo(ictx, spapr, ioas, made);
	mutex_unlock(&ictx->attach_lock);
}

static int spapr_get_info(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_spapr_tce_info,
				   dma32_window_size);
	struct vfio_iommu_spapr_tce_info info;
	struct iommufd_window_caps caps;
	unsigned int i;
	u32 argsz;
	int rc;

	rc = iommufd_vfio_get_arg(&info, arg, minsz);
	if (rc)
		return rc;
	argsz = info.argsz;
	mutex_lock(&ictx->attach_lock);
	rc = spapr_caps(ictx, ioas, &caps);
	mutex_unlock(&ictx->attach_lock);
	if (rc)
		return rc;

	memset(&info, 0, sizeof(info));
	info.argsz = argsz;
	info.dma32_window_start = caps.apertures[0].start;
	info.dma32_window_size = spapr_dma32_size(&caps);
	/* Dynamic windows: room for more than one, in other apertures. */
	if (caps.max_windows != 1 && caps.nr_apertures > 1) {
		info.flags = VFIO_IOMMU_SPAPR_INFO_DDW;
		for (i = 1; i < caps.nr_apertures; i++)
			info.ddw.pgsizes |= caps.apertures[i].pgsizes;
		info.ddw.max_dynamic_windows_supported =
			caps.max_windows ?: caps.nr_apertures;
		for (i = 0; i < caps.nr_apertures; i++)
			info.ddw.levels = max(info.ddw.levels,
					      caps.apertures[i].max_levels);
	}
	/* The DDW part only if it fits whole, as VFIO writes it. */
	if (copy_to_user(arg, &info, argsz >= sizeof(info) ? sizeof(info) :
							     minsz))
		return -EFAULT;
	return 0;
}

/* The core's refusals of a window, as VFIO's container reports them. */
static int spapr_window_errno(int rc)
{
	switch (rc) {
	case -EOPNOTSUPP:	/* page size or levels */
	case -ERANGE:		/* outside every aperture */
	case -EEXIST:
	case -EADDRINUSE:
		return -EINVAL;
	default:
		return rc;
	}
}

/*
 * Where VFIO puts a new window: in the first free slot, each slot being
 * one fixed-start aperture of the hardware, here the first that is free
 * and takes @req's page size and length. The hardware's limits decide
 * this even before any device of a joined group is attached, when the
 * IOAS itself has none.
 * Return: 0 with @req made exact, -ENOSPC if no slot is free, -EINVAL if
 * no free slot takes the request.
 */
static int spapr_slot(struct iommufd_ioas *ioas,
		      const struct iommufd_window_caps *caps,
		      struct iopt_window_req *req)
{
	const struct iommufd_aperture *ap;
	struct iommufd_window taken;
	bool free = false;
	unsigned int i;

	for (i = 0; i < caps->nr_apertures; i++) {
		ap = &caps->apertures[i];
		if (!iopt_window_at(&ioas->iopt, ap->start, &taken))
			continue;
		free = true;
		if (!(ap->pgsizes & req->page_size) ||
		    req->length - 1 > ap->last - ap->start)
			continue;
		req->exact = true;
		req->start = ap->start;
		return 0;
	}
	return free ? -EINVAL : -ENOSPC;
}

static int spapr_create(struct iommufd_ctx *ictx,
			struct iommufd_vfio_spapr *spapr,
			struct iommufd_ioas *ioas, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_spapr_tce_create,
				   start_addr);
	struct vfio_iommu_spapr_tce_create create;
	struct iommufd_window_caps caps;
	struct iopt_window_req req = {};
	struct spapr_made made = {};
	u64 stamp;
	unsigned long start;
	int rc;

	rc = iommufd_vfio_get_arg(&create, arg, minsz);
	if (rc)
		return rc;
	if (create.flags)
		return -EINVAL;
	if (create.page_shift < 12 || create.page_shift >= BITS_PER_LONG ||
	    !create.window_size || create.window_size > ULONG_MAX ||
	    create.window_size & ((1ULL << create.page_shift) - 1))
		return -EINVAL;
	req.length = create.window_size;
	req.page_size = 1UL << create.page_shift;
	req.align = req.page_size;
	req.highest = ULONG_MAX;
	req.levels = create.levels;

	mutex_lock(&ictx->attach_lock);
	rc = spapr_caps(ictx, ioas, &caps);
	/* Refused before anything changes, the default window included. */
	if (!rc && !(spapr_pgsizes(&caps) & req.page_size))
		rc = -EINVAL;
	if (!rc)
		rc = spapr_default_window(ictx, spapr, ioas, &caps, &made);
	if (!rc) {
		rc = spapr_slot(ioas, &caps, &req);
		if (!rc)
			rc = iopt_window_add(&ioas->iopt, &req, &start,
					     &stamp);
		/* A refused request leaves the default window pending. */
		if (rc)
			spapr_default_undo(ictx, spapr, ioas, &made);
	}
	mutex_unlock(&ictx->attach_lock);
	if (rc)
		return spapr_window_errno(rc);

	create.start_addr = start;
	if (copy_to_user(arg, &create, minsz)) {
		/* Not told where: take back this window, and only it. */
		mutex_lock(&ictx->attach_lock);
		iopt_window_remove(&ioas->iopt, start, stamp);
		mutex_unlock(&ictx->attach_lock);
		return -EFAULT;
	}
	return 0;
}

static int spapr_remove(struct iommufd_ctx *ictx,
			struct iommufd_vfio_spapr *spapr,
			struct iommufd_ioas *ioas, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_spapr_tce_remove,
				   start_addr);
	struct vfio_iommu_spapr_tce_remove remove;
	struct iommufd_window_caps caps;
	struct iommufd_window win;
	unsigned long unmapped;
	int rc;

	rc = iommufd_vfio_get_arg(&remove, arg, minsz);
	if (rc)
		return rc;
	if (remove.flags)
		return -EINVAL;
	if (remove.start_addr > ULONG_MAX)
		return -EINVAL;

	/*
	 * VFIO clears the window's entries and removes it; here what is
	 * mapped in it is unmapped, and then it is removed, with MAP_DMA held
	 * off throughout. Only IOMMU_IOAS_MAP on the compat IOAS, which a
	 * SPAPR program does not use, could still fill it (EBUSY).
	 */
	down_write(&spapr->windows_rwsem);
	mutex_lock(&ictx->attach_lock);
	/* The pending default window: cancelled, as if removed. */
	if (spapr->pending &&
	    remove.start_addr == (spapr_caps(ictx, ioas, &caps) ? 0 :
				  caps.apertures[0].start)) {
		spapr->pending = false;
		mutex_unlock(&ictx->attach_lock);
		goto out_unlock;
	}
	mutex_unlock(&ictx->attach_lock);

	/* Any address inside a window names it. */
	rc = iopt_window_at(&ioas->iopt, remove.start_addr, &win);
	if (rc) {
		rc = -EINVAL;
		goto out_unlock;
	}
	rc = iopt_unmap(&ioas->iopt, win.start, win.last, IOPT_UNMAP_EMPTY_OK,
			&unmapped);
	if (rc)
		goto out_unlock;
	mutex_lock(&ictx->attach_lock);
	rc = iopt_window_remove(&ioas->iopt, win.start, 0);
	mutex_unlock(&ictx->attach_lock);
	/* Gone meanwhile: as if it had never been there. */
	if (rc == -ENOENT)
		rc = -EINVAL;
out_unlock:
	up_write(&spapr->windows_rwsem);
	return rc;
}

/*
 * Read a REGISTER_MEMORY or UNREGISTER_MEMORY argument and check it:
 * flags 0, a range of whole CPU pages that does not wrap. [*@start, *@last]
 * is the range.
 */
static int spapr_region_arg(void __user *arg, unsigned long *start,
			    unsigned long *last)
{
	size_t minsz = offsetofend(struct vfio_iommu_spapr_register_memory,
				   size);
	struct vfio_iommu_spapr_register_memory reg;
	int rc;

	rc = iommufd_vfio_get_arg(&reg, arg, minsz);
	if (rc)
		return rc;
	if (reg.flags || !reg.size || reg.vaddr > ULONG_MAX ||
	    reg.size > ULONG_MAX || !PAGE_ALIGNED(reg.vaddr) ||
	    !PAGE_ALIGNED(reg.size) ||
	    check_add_overflow((unsigned long)reg.vaddr,
			       (unsigned long)reg.size - 1, last))
		return -EINVAL;
	*start = reg.vaddr;
	return 0;
}

/*
 * VFIO_IOMMU_SPAPR_REGISTER_MEMORY: pin and charge a range of user memory
 * for later MAP_DMAs. The exact range again is EBUSY, one overlapping a
 * registered range without matching it EINVAL, as VFIO.
 */
static int spapr_register(struct iommufd_ctx *ictx,
			  struct iommufd_vfio_spapr *spapr, void __user *arg)
{
	struct interval_tree_node *node;
	struct spapr_region *region;
	unsigned long start, last, iova;
	int rc;

	rc = spapr_region_arg(arg, &start, &last);
	if (rc)
		return rc;

	region = kzalloc(sizeof(*region), GFP_KERNEL_ACCOUNT);
	if (!region)
		return -ENOMEM;
	mutex_lock(&spapr->lock);
	node = interval_tree_iter_first(&spapr->regions, start, last);
	if (node) {
		rc = node->start == start && node->last == last ? -EBUSY :
								  -EINVAL;
		goto out_unlock;
	}
	iova = start;
	rc = iopt_map_user(&spapr->staging, &iova, start, last - start + 1,
			   IOMMU_READ | IOMMU_WRITE, true, ictx->account_mode,
			   NULL);
	if (rc)
		goto out_unlock;
	region->node.start = start;
	region->node.last = last;
	interval_tree_insert(&region->node, &spapr->regions);
	region = NULL;
	WRITE_ONCE(spapr->enabled, true);
out_unlock:
	mutex_unlock(&spapr->lock);
	kfree(region);
	return rc;
}

/*
 * VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY: the exact range of one REGISTER, or
 * ENOENT. Mappings made from it keep their own pins on its pages.
 */
static int spapr_unregister(struct iommufd_vfio_spapr *spapr,
			    void __user *arg)
{
	struct interval_tree_node *node;
	unsigned long start, last, unmapped;
	int rc;

	rc = spapr_region_arg(arg, &start, &last);
	if (rc)
		return rc;

	mutex_lock(&spapr->lock);
	node = interval_tree_iter_first(&spapr->regions, start, last);
	if (!node || node->start != start || node->last != last) {
		rc = -ENOENT;
		goto out_unlock;
	}
	/* Nothing but this call unmaps the staging space: cannot fail. */
	rc = iopt_unmap(&spapr->staging, start, last, 0, &unmapped);
	if (WARN_ON(rc))
		goto out_unlock;
	interval_tree_remove(node, &spapr->regions);
	kfree(container_of(node, struct spapr_region, node));
out_unlock:
	mutex_unlock(&spapr->lock);
	return rc;
}

/*
 * After the checks of its argument, MAP_DMA and UNMAP_DMA make the default
 * window if it is pending and look for the window holding @iova (ENXIO if
 * none), in VFIO's order. *@win is that window; a call that fails later
 * passes @made to spapr_unuse().
 */
static int spapr_dma_window(struct iommufd_ctx *ictx,
			    struct iommufd_vfio_spapr *spapr,
			    struct iommufd_ioas *ioas, u64 iova,
			    struct iommufd_window *win, struct spapr_made *made)
{
	int rc;

	rc = spapr_use(ictx, spapr, ioas, made);
	if (rc)
		return rc;
	if (iova > ULONG_MAX || iopt_window_at(&ioas->iopt, iova, win)) {
		spapr_unuse(ictx, spapr, ioas, made);
		return -ENXIO;
	}
	return 0;
}

/*
 * Is [@iova, @iova + @size) a range of whole IO pages of @win, inside it?
 * @size may be 0.
 */
static bool spapr_in_window(const struct iommufd_window *win, u64 iova,
			    u64 size)
{
	if ((iova | size) & (win->page_size - 1))
		return false;
	return !size || size - 1 <= win->last - iova;
}

/*
 * VFIO_IOMMU_MAP_DMA: map memory into a window, at the window's IO page
 * size. v2 maps registered memory by copying it from the staging space:
 * nothing is pinned or charged; v1 pins it now.
 */
static int spapr_map_dma(struct iommufd_ctx *ictx,
			 struct iommufd_vfio_spapr *spapr,
			 struct iommufd_ioas *ioas, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	u32 dir = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	struct vfio_iommu_type1_dma_map map;
	struct iommufd_window win;
	struct spapr_made made;
	unsigned long iova;
	int prot = 0, rc;

	if (!READ_ONCE(spapr->enabled))
		return -EPERM;
	rc = iommufd_vfio_get_arg(&map, arg, minsz);
	if (rc)
		return rc;
	if (map.flags & ~dir)
		return -EINVAL;
	down_read(&spapr->windows_rwsem);
	rc = spapr_dma_window(ictx, spapr, ioas, map.iova, &win, &made);
	if (rc)
		goto out_unlock;
	if ((map.size | map.vaddr) & (win.page_size - 1) ||
	    !(map.flags & dir) || !spapr_in_window(&win, map.iova, map.size) ||
	    map.vaddr > ULONG_MAX) {
		rc = -EINVAL;
		goto out;
	}
	if (!map.size)
		goto out;
	/* READ: the device may read the memory; WRITE: it may write it. */
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;

	iova = map.iova;
	if (spapr->v1) {
		/* v1 pins at map time (charged as every map is). */
		rc = iopt_map_user(&ioas->iopt, &iova, map.vaddr, map.size,
				   prot, true, ictx->account_mode, NULL);
	} else {
		rc = iopt_copy(&ioas->iopt, &iova, &spapr->staging, map.vaddr,
			       map.size, prot, true, NULL);
		/* Not all of it registered: VFIO's EINVAL. */
		if (rc == -ENOENT)
			rc = -EINVAL;
	}
out:
	if (rc)
		spapr_unuse(ictx, spapr, ioas, &made);
out_unlock:
	up_read(&spapr->windows_rwsem);
	return rc;
}

/*
 * VFIO_IOMMU_UNMAP_DMA: clear whole IO pages of one window, whatever is
 * mapped there; holes are fine. Nothing is written back.
 */
static int spapr_unmap_dma(struct iommufd_ctx *ictx,
			   struct iommufd_vfio_spapr *spapr,
			   struct iommufd_ioas *ioas, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	struct vfio_iommu_type1_dma_unmap unmap;
	struct iommufd_window win;
	struct spapr_made made;
	unsigned long unmapped;
	int rc;

	if (!READ_ONCE(spapr->enabled))
		return -EPERM;
	rc = iommufd_vfio_get_arg(&unmap, arg, minsz);
	if (rc)
		return rc;
	if (unmap.flags)
		return -EINVAL;
	rc = spapr_dma_window(ictx, spapr, ioas, unmap.iova, &win, &made);
	if (rc)
		return rc;
	if (!spapr_in_window(&win, unmap.iova, unmap.size))
		rc = -EINVAL;
	else if (unmap.size)
		rc = iopt_unmap_cut(&ioas->iopt, unmap.iova,
				    unmap.iova + unmap.size - 1, &unmapped);
	if (rc)
		spapr_unuse(ictx, spapr, ioas, &made);
	return rc;
}

/*
 * VFIO_IOMMU_ENABLE (v1): allow MAP_DMA and UNMAP_DMA, with the default
 * window made. VFIO also charges the whole window to locked_vm here; ours
 * charges what MAP_DMA pins, once, as every map does.
 */
static int spapr_enable(struct iommufd_ctx *ictx,
			struct iommufd_vfio_spapr *spapr,
			struct iommufd_ioas *ioas)
{
	struct iommufd_window_caps caps;
	struct spapr_made made;
	int rc;

	mutex_lock(&spapr->lock);
	if (spapr->enabled) {
		rc = -EBUSY;
		goto out_unlock;
	}
	mutex_lock(&ictx->attach_lock);
	rc = spapr_caps(ictx, ioas, &caps);
	mutex_unlock(&ictx->attach_lock);
	if (rc) {
		/* No group, or no hardware with windows. */
		rc = -ENODEV;
		goto out_unlock;
	}
	rc = spapr_use(ictx, spapr, ioas, &made);
	if (!rc)
		WRITE_ONCE(spapr->enabled, true);
out_unlock:
	mutex_unlock(&spapr->lock);
	return rc;
}

/* VFIO_IOMMU_DISABLE (v1): MAP_DMA and UNMAP_DMA refused; mappings stay. */
static int spapr_disable(struct iommufd_vfio_spapr *spapr)
{
	mutex_lock(&spapr->lock);
	WRITE_ONCE(spapr->enabled, false);
	mutex_unlock(&spapr->lock);
	return 0;
}

/*
 * VFIO_EEH_PE_OP, in v1 and v2 alike and without ENABLE or registered
 * memory, as VFIO's: the request is checked here, carried out by the
 * backend of the container's one group.
 */
static int spapr_eeh_pe_op(struct iommufd_ctx *ictx, void __user *arg)
{
	struct vfio_eeh_pe_op op = {};
	size_t minsz = offsetofend(struct vfio_eeh_pe_op, op);
	int rc;

	rc = iommufd_vfio_get_arg(&op, arg, minsz);
	if (rc)
		return rc;
	if (op.flags || op.op > VFIO_EEH_PE_INJECT_ERR)
		return -EINVAL;
	if (op.op == VFIO_EEH_PE_INJECT_ERR) {
		/* The error to inject follows the fields every op has. */
		rc = iommufd_vfio_get_arg(&op, arg,
					  offsetofend(struct vfio_eeh_pe_op,
						      err.mask));
		if (rc)
			return rc;
	}
	return iommufd_vfio_groups_eeh_pe_op(ictx, &op);
}

/**
 * iommufd_vfio_spapr_ioctl() - an ioctl of VFIO's SPAPR TCE container
 * @ictx: context whose container has the SPAPR v2 type
 * @ioas: its compat IOAS
 * @cmd: VFIO_IOMMU_SPAPR_TCE_GET_INFO, VFIO_IOMMU_MAP_DMA and _UNMAP_DMA,
 *       VFIO_EEH_PE_OP; for v2 VFIO_IOMMU_SPAPR_TCE_CREATE, _REMOVE,
 *       VFIO_IOMMU_SPAPR_REGISTER_MEMORY and _UNREGISTER_MEMORY; for v1
 *       VFIO_IOMMU_ENABLE and _DISABLE
 * @arg: the ioctl's argument
 *
 * Return: as VFIO's SPAPR container, or -ENOIOCTLCMD for another @cmd.
 */
long iommufd_vfio_spapr_ioctl(struct iommufd_ctx *ictx,
			      struct iommufd_ioas *ioas, unsigned int cmd,
			      void __user *arg)
{
	struct iommufd_vfio_spapr *spapr = iommufd_vfio_spapr_get(ictx);

	if (WARN_ON(!spapr))
		return -ENOIOCTLCMD;
	switch (cmd) {
	case VFIO_IOMMU_SPAPR_TCE_GET_INFO:
		return spapr_get_info(ictx, ioas, arg);
	case VFIO_IOMMU_MAP_DMA:
		return spapr_map_dma(ictx, spapr, ioas, arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return spapr_unmap_dma(ictx, spapr, ioas, arg);
	case VFIO_EEH_PE_OP:
		return spapr_eeh_pe_op(ictx, arg);
	}
	if (spapr->v1) {
		switch (cmd) {
		case VFIO_IOMMU_ENABLE:
			return spapr_enable(ictx, spapr, ioas);
		case VFIO_IOMMU_DISABLE:
			return spapr_disable(spapr);
		default:
			return -ENOIOCTLCMD;
		}
	}
	switch (cmd) {
	case VFIO_IOMMU_SPAPR_TCE_CREATE:
		return spapr_create(ictx, spapr, ioas, arg);
	case VFIO_IOMMU_SPAPR_TCE_REMOVE:
		return spapr_remove(ictx, spapr, ioas, arg);
	case VFIO_IOMMU_SPAPR_REGISTER_MEMORY:
		return spapr_register(ictx, spapr, arg);
	case VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY:
		return spapr_unregister(spapr, arg);
	default:
		return -ENOIOCTLCMD;
	}
}
