// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * VFIO's SPAPR TCE container API (v2) on the compat IOAS.
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
 *   - Every answer comes from the window capabilities of the devices
 *     attached to the IOAS (iopt_limits_caps()), never from a backend's
 *     identity: hardware whose apertures have fixed starts is what the
 *     SPAPR API describes, aperture 0 holding the default window.
 *   - TCE_CREATE is a window request by constraints; the fixed-start
 *     apertures place it in the first free slot, where VFIO puts it.
 *     TCE_REMOVE unmaps what is in the window and gives it back.
 *   - VFIO gives a new container the default window (4 KiB pages, the
 *     start and size of the 32-bit window) when it is first used; until
 *     then it is pending, and removing it only cancels it, which QEMU's
 *     setup relies on. Here too: created before the first TCE_CREATE, and
 *     pending again if that request is refused, so that a refused request
 *     changes nothing.
 *
 * The errnos are VFIO's: a request the hardware refuses for its page size
 * or levels is EINVAL, a third window ENOSPC, an unknown window EINVAL,
 * and without hardware that has windows ENXIO.
 *
 * Not yet (notes/spapr-container.md): preregistration, MAP_DMA from
 * preregistered memory (until then MAP_DMA and UNMAP_DMA act as with type1
 * v2, inside the windows), the v1 API, EEH, and learning a group's
 * hardware before its devices are opened.
 */
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <uapi/linux/iommufd.h>

#include "ioas.h"
#include "vfio_compat.h"

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
 * What the devices attached to @ioas can have together.
 * Return: 0, or -ENXIO if none of them has windows of its own.
 */
static int spapr_caps(struct iommufd_ioas *ioas,
		      struct iommufd_window_caps *caps)
{
	iopt_limits_caps(&ioas->iopt, caps, spapr_ignore_range, NULL);
	return spapr_caps_windowed(caps) ? 0 : -ENXIO;
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
 * iommufd_vfio_spapr_check() - VFIO_CHECK_EXTENSION of a SPAPR type
 * @ioas: the compat IOAS, or NULL if there is none
 * @type: VFIO_SPAPR_TCE_IOMMU or VFIO_SPAPR_TCE_v2_IOMMU
 *
 * Return: 1 if the container's hardware is known and has windows of its
 * own and @type is v2, else 0.
 */
int iommufd_vfio_spapr_check(struct iommufd_ioas *ioas, unsigned long type)
{
	struct iommufd_window_caps caps;

	if (!ioas || type != VFIO_SPAPR_TCE_v2_IOMMU)
		return 0;
	return !spapr_caps(ioas, &caps);
}

/**
 * iommufd_vfio_spapr_set() - VFIO_SET_IOMMU(VFIO_SPAPR_TCE_v2_IOMMU)
 * @ictx: context
 * @ioas: its compat IOAS
 *
 * Return: 0, or -EBUSY if the IOAS is plain and not empty.
 */
int iommufd_vfio_spapr_set(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas)
{
	int rc;

	mutex_lock(&ictx->attach_lock);
	rc = iopt_make_windowed(&ioas->iopt);
	if (!rc)
		ictx->vfio_spapr_pending = !ioas->iopt.nr_windows;
	mutex_unlock(&ictx->attach_lock);
	return rc;
}

/*
 * Create the pending default window of @ictx's container in @ioas; *@stamp
 * is its stamp, or 0 if it was not pending.
 */
static int spapr_default_window(struct iommufd_ctx *ictx,
				struct iommufd_ioas *ioas,
				const struct iommufd_window_caps *caps,
				u64 *stamp)
{
	struct iopt_window_req req = {
		.exact = true,
		.start = caps->apertures[0].start,
		.length = spapr_dma32_size(caps),
		.page_size = SZ_4K,
	};
	unsigned long start;
	int rc;

	lockdep_assert_held(&ictx->attach_lock);

	*stamp = 0;
	if (!ictx->vfio_spapr_pending)
		return 0;
	rc = iopt_window_add(&ioas->iopt, &req, &start, stamp);
	if (!rc)
		ictx->vfio_spapr_pending = false;
	return rc;
}

/* Undo spapr_default_window() that gave @stamp (0: nothing to undo). */
static void spapr_default_undo(struct iommufd_ctx *ictx,
			       struct iommufd_ioas *ioas,
			       const struct iommufd_window_caps *caps,
			       u64 stamp)
{
	lockdep_assert_held(&ictx->attach_lock);

	if (stamp && !iopt_window_remove(&ioas->iopt, caps->apertures[0].start,
					 stamp))
		ictx->vfio_spapr_pending = true;
}

static int spapr_get_info(struct iommufd_ioas *ioas, void __user *arg)
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
	rc = spapr_caps(ioas, &caps);
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

static int spapr_create(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_spapr_tce_create,
				   start_addr);
	struct vfio_iommu_spapr_tce_create create;
	struct iommufd_window_caps caps;
	struct iopt_window_req req = {};
	u64 stamp, default_stamp = 0;
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
	rc = spapr_caps(ioas, &caps);
	/* Refused before anything changes, the default window included. */
	if (!rc && !(spapr_pgsizes(&caps) & req.page_size))
		rc = -EINVAL;
	if (!rc)
		rc = spapr_default_window(ictx, ioas, &caps, &default_stamp);
	if (!rc) {
		rc = iopt_window_add(&ioas->iopt, &req, &start, &stamp);
		/* A refused request leaves the default window pending. */
		if (rc)
			spapr_default_undo(ictx, ioas, &caps, default_stamp);
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

static int spapr_remove(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_spapr_tce_remove,
				   start_addr);
	struct vfio_iommu_spapr_tce_remove remove;
	struct iommufd_window_caps caps;
	unsigned long first, last, unmapped;
	struct iopt_window *window;
	int rc;

	rc = iommufd_vfio_get_arg(&remove, arg, minsz);
	if (rc)
		return rc;
	if (remove.flags)
		return -EINVAL;
	if (remove.start_addr > ULONG_MAX)
		return -EINVAL;

	mutex_lock(&ictx->attach_lock);
	/* The pending default window: cancelled, as if removed. */
	if (ictx->vfio_spapr_pending &&
	    remove.start_addr == (spapr_caps(ioas, &caps) ? 0 :
				  caps.apertures[0].start)) {
		ictx->vfio_spapr_pending = false;
		mutex_unlock(&ictx->attach_lock);
		return 0;
	}
	/* Any address inside a window names it. */
	down_read(&ioas->iopt.iova_rwsem);
	window = iopt_window_find(&ioas->iopt, remove.start_addr,
				  remove.start_addr);
	if (window) {
		first = window->node.start;
		last = window->node.last;
	}
	up_read(&ioas->iopt.iova_rwsem);
	mutex_unlock(&ictx->attach_lock);
	if (!window)
		return -EINVAL;

	/* VFIO clears the window's entries first; unmap what is in it. */
	rc = iopt_unmap(&ioas->iopt, first, last, IOPT_UNMAP_EMPTY_OK,
			&unmapped);
	if (rc)
		return rc;
	mutex_lock(&ictx->attach_lock);
	rc = iopt_window_remove(&ioas->iopt, first, 0);
	mutex_unlock(&ictx->attach_lock);
	/* Gone meanwhile: as if it had never been there. */
	return rc == -ENOENT ? -EINVAL : rc;
}

/**
 * iommufd_vfio_spapr_ioctl() - an ioctl of VFIO's SPAPR TCE container
 * @ictx: context whose container has the SPAPR v2 type
 * @ioas: its compat IOAS
 * @cmd: VFIO_IOMMU_SPAPR_TCE_GET_INFO, _CREATE or _REMOVE
 * @arg: the ioctl's argument
 *
 * Return: as VFIO's SPAPR container, or -ENOIOCTLCMD for another @cmd.
 */
long iommufd_vfio_spapr_ioctl(struct iommufd_ctx *ictx,
			      struct iommufd_ioas *ioas, unsigned int cmd,
			      void __user *arg)
{
	switch (cmd) {
	case VFIO_IOMMU_SPAPR_TCE_GET_INFO:
		return spapr_get_info(ioas, arg);
	case VFIO_IOMMU_SPAPR_TCE_CREATE:
		return spapr_create(ictx, ioas, arg);
	case VFIO_IOMMU_SPAPR_TCE_REMOVE:
		return spapr_remove(ictx, ioas, arg);
	default:
		return -ENOIOCTLCMD;
	}
}
