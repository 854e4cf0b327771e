// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The backend for PowerPC's TCE tables on pSeries (PAPR) partitions.
 *
 * The hardware: devices sit in partitionable endpoints (PEs; on QEMU a PE
 * is a whole PCI host bridge), and a PE translates DMA through at most two
 * windows, each a table of translation control entries (TCEs: one IO page
 * to one physical page, with read and write permission). The hypervisor
 * owns the tables. A window exists once the platform creates it
 * (->create_table() of the PE's struct iommu_table_group, an RTAS call for
 * anything but the default window), the platform decides where it starts,
 * and its entries are written with hcalls. Linux's IOMMU core only knows
 * these PEs for DMA ownership: it has no paging domain for them.
 *
 * How the backend contract (backend.h) maps onto it:
 *
 *   device   a device whose IOMMU group carries a table group. Probing
 *            claims DMA ownership through the IOMMU core, which makes the
 *            platform take the PE away from the kernel's DMA API and
 *            remove its windows (->take_ownership()); releasing the last
 *            device gives the PE back with its default window restored.
 *   domain   the windows of one IOAS for one table group, each with a
 *            software copy of its TCEs. A domain translates only while
 *            devices are attached to it: then its windows exist in the
 *            hypervisor and every map and unmap writes both copies.
 *            Attaching creates the windows and replays the copy; detaching
 *            clears the TCEs (the platform's ->unset_window() does not)
 *            and removes the windows. The hardware cannot switch between
 *            two sets of windows at once, so a replace blocks the device's
 *            DMA for the moment between taking down the old windows and
 *            creating the new ones.
 *   windows  slot 0 of a table group is the default 32-bit window: 4 KiB
 *            TCEs, starting at tce32_start, at most tce32_size bytes.
 *            Slot 1 is the dynamic DMA window (DDW), with any IO page size
 *            the platform offers. PAPR platforms (QEMU's sPAPR PHB,
 *            PowerVM) place it at 1 << 59; a window created elsewhere is
 *            removed again and refused with -ERANGE. ->window_caps()
 *            describes the two as fixed-start apertures with
 *            power-of-two lengths.
 *   plain    an IOAS that is not windowed gets the default window, as a
 *   IOAS     VFIO SPAPR container does before user space creates windows:
 *            its domains translate [tce32_start, tce32_start + tce32_size)
 *            with 4 KiB TCEs. A windowed IOAS gets exactly its windows.
 *   extras   a device may translate through the main domain and extra
 *            domains at once (->attach_extra()); the core keeps their
 *            windows disjoint and within the two slots, and the devices
 *            of one table group share all of them.
 *
 * The platform's rules that shape the code (pseries/iommu.c):
 *   - creating the default window resets the PE, which would destroy a
 *     DDW, so the platform refuses it while a DDW exists; slot 0 is always
 *     programmed first, and a DDW is taken down and rebuilt from its copy
 *     when slot 0 changes under it.
 *   - a failed RTAS create marks the PE as unable to have a DDW until the
 *     next boot. The capabilities keep requests to what the platform
 *     offers (page sizes, one DDW, sizes of RAM); a window larger than the
 *     platform's largest free block is refused before RTAS is asked.
 *
 * MSIs: on PAPR the hypervisor configures a device's MSIs (RTAS
 * ibm,change-msi) and the host validates each MSI against the interrupt
 * sources assigned to the PE that sends it, so a device can raise only
 * its own interrupts, which is the isolation that the IOMMU core backend
 * checks for with iommu_group_has_isolated_msi(). Linux does not flag
 * pSeries' MSI domain as isolating, and VFIO's SPAPR container never
 * asked, so this backend does not ask either: a user moving from the
 * container to /dev/iommu needs no boot option.
 *
 * TCEs are written with the hypervisor's calls directly (tce_hw.c, which
 * also creates and removes the windows), H_PUT_TCE_INDIRECT
 * taking up to 512 consecutive entries of any physical pages at once: the
 * platform's table operations take only physically contiguous memory, one
 * hypervisor call per run, and grant read with every mapping. Entries are
 * cleared with the table operations (H_STUFF_TCE).
 *
 * Locking: tce_lock (object.h) protects the group list, each group's
 * domains and live windows, and the windows of every domain; ->map() and
 * ->unmap() take it under the IOAS's iova_rwsem, the attach paths under
 * ictx->attach_lock. The platform's dma_win_init_mutex nests inside.
 */
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <asm/iommu.h>
#include <asm/tce.h>
#include <uapi/linux/iommufd.h>

#include "backend.h"
#include "tce.h"

static const struct iommufd_backend_ops tce_ops;

/* See "Locking" above and object.h. */
DEFINE_MUTEX(tce_lock);

static struct tce_dev *to_tce_dev(struct iommufd_hwdev *hwdev)
{
	return container_of(hwdev, struct tce_dev, base);
}

static struct tce_domain *to_tce_domain(struct iommufd_domain *domain)
{
	return container_of(domain, struct tce_domain, base);
}

static bool tce_has_ddw(struct iommu_table_group *tg)
{
	return tg->max_dynamic_windows_supported == TCE_NR_SLOTS;
}

static unsigned long tce_default_size(struct iommu_table_group *tg)
{
	return rounddown_pow_of_two(tg->tce32_size);
}

/*
 * Largest DDW offered: as much as the partition's RAM, at least 4 GiB.
 * The platform reserves 8 bytes per TCE for a window, whatever is mapped.
 */
static unsigned long tce_ddw_size(void)
{
	unsigned long ram = totalram_pages() << PAGE_SHIFT;

	return max_t(unsigned long, SZ_4G, roundup_pow_of_two(ram));
}

static unsigned long tce_ddw_pgsizes(struct iommu_table_group *tg)
{
	return (unsigned long)tg->pgsizes | SZ_4K;
}

/* The slot of a window: the default one if it can be, else the DDW. */
static unsigned int tce_slot_of(struct iommu_table_group *tg,
				unsigned long start, unsigned long last,
				unsigned int shift)
{
	if (start == tg->tce32_start && shift == 12 &&
	    last - start < tce_default_size(tg))
		return TCE_SLOT_DEFAULT;
	return TCE_SLOT_DDW;
}

/* ---- devices ------------------------------------------------------------ */

/* The table group of @group, if the platform lets windows be created. */
static struct iommu_table_group *tce_table_group(struct iommu_group *group)
{
	struct iommu_table_group *tg = iommu_group_get_iommudata(group);

	if (!tg || tg->group != group || !tg->ops ||
	    !tg->ops->create_table || !tg->ops->set_window ||
	    !tg->ops->unset_window || !tg->tce32_size)
		return NULL;
	return tg;
}

static struct iommufd_hwdev *tce_probe(struct device *dev, void *owner)
{
	struct iommu_table_group *tg;
	struct iommu_group *group;
	struct tce_dev *tdev;
	int rc;

	group = iommu_group_get(dev);
	if (!group)
		return ERR_PTR(-ENODEV);
	tg = tce_table_group(group);
	if (!tg) {
		rc = -ENODEV;
		goto err_put_group;
	}

	tdev = kzalloc(sizeof(*tdev), GFP_KERNEL_ACCOUNT);
	if (!tdev) {
		rc = -ENOMEM;
		goto err_put_group;
	}
	/* The platform takes the PE from the DMA API: ->take_ownership(). */
	rc = iommu_device_claim_dma_owner(dev, owner);
	if (rc)
		goto err_free;

	mutex_lock(&tce_lock);
	tdev->grp = tce_group_get(group, tg);
	mutex_unlock(&tce_lock);
	if (!tdev->grp) {
		rc = -ENOMEM;
		goto err_release_owner;
	}
	tdev->base.ops = &tce_ops;
	tdev->base.dev = dev;
	return &tdev->base;

err_release_owner:
	iommu_device_release_dma_owner(dev);
err_free:
	kfree(tdev);
err_put_group:
	iommu_group_put(group);
	return ERR_PTR(rc);
}

static void tce_release(struct iommufd_hwdev *hwdev)
{
	struct tce_dev *tdev = to_tce_dev(hwdev);
	struct iommu_group *group = tdev->grp->base.group;

	WARN_ON(tdev->attached);
	mutex_lock(&tce_lock);
	tce_group_put(tdev->grp);
	mutex_unlock(&tce_lock);
	/* The platform restores the default window for the DMA API. */
	iommu_device_release_dma_owner(hwdev->dev);
	iommu_group_put(group);
	kfree(tdev);
}

static int tce_hw_info(struct iommufd_hwdev *hwdev,
		       struct iommufd_hw_desc *desc, void *data, size_t len)
{
	struct iommu_table_group *tg = to_tce_dev(hwdev)->grp->tg;
	struct iommu_hw_info_spapr_tce info = {
		.max_windows = tce_has_ddw(tg) ? TCE_NR_SLOTS : 1,
		.max_levels = TCE_LEVELS,
		.dma32_start = tg->tce32_start,
		.dma32_size = tce_default_size(tg),
	};

	if (desc->type != IOMMU_HW_INFO_TYPE_DEFAULT &&
	    desc->type != IOMMU_HW_INFO_TYPE_SPAPR_TCE)
		return -EOPNOTSUPP;
	desc->type = IOMMU_HW_INFO_TYPE_SPAPR_TCE;
	if (tce_has_ddw(tg)) {
		info.ddw_start = TCE_DDW_START;
		info.ddw_size = tce_ddw_size();
		info.ddw_page_sizes = tce_ddw_pgsizes(tg);
	}
	memcpy(data, &info, min(len, sizeof(info)));
	return sizeof(info);
}

/* The windows a PE with table group @tg can have. */
static void tce_caps(struct iommu_table_group *tg,
		     struct iommufd_window_caps *caps)
{
	struct iommufd_aperture *ap = caps->apertures;
	u32 flags = IOMMU_APERTURE_FIXED_START | IOMMU_APERTURE_ONE_PAGE_SIZE |
		    IOMMU_APERTURE_POW2_LENGTH;

	caps->max_windows = tce_has_ddw(tg) ? TCE_NR_SLOTS : 1;
	caps->nr_apertures = tce_has_ddw(tg) ? 2 : 1;
	ap[0].start = tg->tce32_start;
	ap[0].last = tg->tce32_start + tce_default_size(tg) - 1;
	ap[0].pgsizes = SZ_4K;
	ap[0].flags = flags;
	ap[0].max_levels = TCE_LEVELS;
	if (tce_has_ddw(tg)) {
		ap[1].start = TCE_DDW_START;
		ap[1].last = TCE_DDW_START + tce_ddw_size() - 1;
		ap[1].pgsizes = tce_ddw_pgsizes(tg);
		ap[1].flags = flags;
		ap[1].max_levels = TCE_LEVELS;
	}
}

static int tce_window_caps(struct iommufd_hwdev *hwdev,
			   struct iommufd_window_caps *caps)
{
	tce_caps(to_tce_dev(hwdev)->grp->tg, caps);
	return 0;
}

static int tce_group_caps(struct iommu_group *group,
			  struct iommufd_window_caps *caps)
{
	struct iommu_table_group *tg = tce_table_group(group);

	if (!tg)
		return -ENODEV;
	tce_caps(tg, caps);
	return 0;
}

/* ---- domains ------------------------------------------------------------ */

static struct tce_window *tce_window_alloc(unsigned long start,
					   unsigned long last,
					   unsigned int shift)
{
	struct tce_window *win;

	win = kzalloc(sizeof(*win), GFP_KERNEL_ACCOUNT);
	if (!win)
		return NULL;
	win->start = start;
	win->last = last;
	win->shift = shift;
	xa_init(&win->copy);
	return win;
}

/* Does @win map nothing? Its copy may still hold zero entries. */
static bool tce_window_empty(struct tce_window *win)
{
	unsigned long index = 0;

	return !xa_find(&win->copy, &index, ULONG_MAX, XA_PRESENT);
}

static void tce_window_free(struct tce_window *win)
{
	/* The core unmaps everything before a window goes. */
	WARN_ON(!tce_window_empty(win) || win->tbl);
	xa_destroy(&win->copy);
	kfree(win);
}

static struct iommufd_domain *
tce_domain_alloc(struct iommufd_hwdev *hwdev, u32 flags, bool windowed,
		 const struct iommu_user_data *user_data)
{
	struct iommu_table_group *tg = to_tce_dev(hwdev)->grp->tg;
	struct tce_domain *dom;

	/* No dirty bits in a TCE, and no second stage to nest under. */
	if (flags || user_data)
		return ERR_PTR(-EOPNOTSUPP);

	dom = kzalloc(sizeof(*dom), GFP_KERNEL_ACCOUNT);
	if (!dom)
		return ERR_PTR(-ENOMEM);
	dom->base.ops = &tce_ops;
	dom->base.aperture_start = tg->tce32_start;
	if (windowed) {
		dom->base.pgsize_bitmap = tce_ddw_pgsizes(tg);
		dom->base.aperture_last = tce_has_ddw(tg) ?
			TCE_DDW_START + tce_ddw_size() - 1 :
			tg->tce32_start + tce_default_size(tg) - 1;
	} else {
		/* A plain IOAS translates through the default window. */
		dom->base.pgsize_bitmap = SZ_4K;
		dom->base.aperture_last = tg->tce32_start +
					  tce_default_size(tg) - 1;
		dom->win[TCE_SLOT_DEFAULT] =
			tce_window_alloc(dom->base.aperture_start,
					 dom->base.aperture_last, 12);
		if (!dom->win[TCE_SLOT_DEFAULT]) {
			kfree(dom);
			return ERR_PTR(-ENOMEM);
		}
	}
	/*
	 * Power's host bridges keep DMA coherent whatever a device asks, but
	 * the platform makes no promise to block no-snoop (its IOMMU core ops
	 * lack IOMMU_CAP_ENFORCE_CACHE_COHERENCY) and VFIO's SPAPR container
	 * answers VFIO_DMA_CC_IOMMU with 0: so do we.
	 */
	dom->base.enforce_cache_coherency = false;
	dom->tg = tg;
	dom->group = iommu_group_ref_get(tg->group);
	INIT_LIST_HEAD(&dom->base.iopt_link);
	INIT_LIST_HEAD(&dom->extra_link);
	return &dom->base;
}

static void tce_domain_free(struct iommufd_domain *domain)
{
	struct tce_domain *dom = to_tce_domain(domain);
	unsigned int s;

	WARN_ON(dom->grp);
	for (s = 0; s != TCE_NR_SLOTS; s++)
		if (dom->win[s])
			tce_window_free(dom->win[s]);
	iommu_group_put(dom->group);
	kfree(dom);
}

/* The window of @dom holding [@iova, @last], or NULL. */
static struct tce_window *tce_window_of(struct tce_domain *dom,
					unsigned long iova, unsigned long last)
{
	unsigned int s;

	for (s = 0; s != TCE_NR_SLOTS; s++)
		if (dom->win[s] && iova >= dom->win[s]->start &&
		    last <= dom->win[s]->last)
			return dom->win[s];
	return NULL;
}

static int tce_window_add(struct iommufd_domain *domain,
			  const struct iommufd_window *window)
{
	struct tce_domain *dom = to_tce_domain(domain);
	unsigned int shift = ilog2(window->page_size);
	unsigned int slot;
	struct tce_window *win;
	int rc = 0;

	slot = tce_slot_of(dom->tg, window->start, window->last, shift);
	/* The core checked the window against the capabilities. */
	if (WARN_ON(dom->win[slot]))
		return -EEXIST;
	win = tce_window_alloc(window->start, window->last, shift);
	if (!win)
		return -ENOMEM;

	mutex_lock(&tce_lock);
	dom->win[slot] = win;
	if (dom->grp) {
		rc = tce_group_program(dom->grp);
		if (rc) {
			dom->win[slot] = NULL;
			tce_group_restore(dom->grp);
		}
	}
	mutex_unlock(&tce_lock);
	if (rc)
		tce_window_free(win);
	return rc;
}

static void tce_window_remove(struct iommufd_domain *domain,
			      const struct iommufd_window *window)
{
	struct tce_domain *dom = to_tce_domain(domain);
	struct tce_window *win;

	mutex_lock(&tce_lock);
	win = tce_window_of(dom, window->start, window->last);
	if (WARN_ON(!win || win->start != window->start)) {
		mutex_unlock(&tce_lock);
		return;
	}
	dom->win[tce_slot_of(dom->tg, win->start, win->last, win->shift)] =
		NULL;
	/* Taking a window down never fails. */
	if (dom->grp)
		tce_group_program(dom->grp);
	mutex_unlock(&tce_lock);
	tce_window_free(win);
}

/* Undo the first @n entries a tce_map() call made from @index of @win. */
static void tce_unmap_entries(struct tce_window *win, unsigned long index,
			      unsigned long n)
{
	XA_STATE(xas, &win->copy, index);
	void *entry;

	if (!n)
		return;
	xas_lock(&xas);
	xas_for_each(&xas, entry, index + n - 1)
		if (!xa_is_zero(entry))
			xas_store(&xas, XA_ZERO_ENTRY);
	xas_unlock(&xas);
	if (win->tbl)
		tce_hw_clear(win, index, n);
}

/* Record @n entries from @index for @paddr on, in the copy only. */
static int tce_copy_store(struct tce_window *win, unsigned long index,
			  unsigned long n, phys_addr_t paddr, int prot)
{
	u64 entry = tce_copy_entry(paddr, prot);
	u64 step = (1UL << (win->shift - 12)) << TCE_COPY_SHIFT;
	XA_STATE(xas, &win->copy, index);
	unsigned long i = 0;

	do {
		xas_lock(&xas);
		while (i != n) {
			xas_store(&xas, xa_mk_value(entry + i * step));
			if (xas_error(&xas))
				break;
			xas_next(&xas);
			i++;
		}
		xas_unlock(&xas);
	} while (xas_nomem(&xas, GFP_KERNEL_ACCOUNT));
	if (xas_error(&xas)) {
		tce_unmap_entries(win, index, i);
		return xas_error(&xas);
	}
	return 0;
}

static int tce_map(struct iommufd_domain *domain, unsigned long iova,
		   const struct iommufd_phys_run *runs, unsigned int nr,
		   int prot)
{
	struct tce_domain *dom = to_tce_domain(domain);
	unsigned long index, first, size = 0, n, i;
	struct tce_batch b = {};
	struct tce_window *win;
	unsigned int r;
	u64 entry;
	int rc = 0;

	for (r = 0; r != nr; r++)
		size += runs[r].size;

	mutex_lock(&tce_lock);
	win = tce_window_of(dom, iova, iova + size - 1);
	if (WARN_ON(!win) || WARN_ON((iova | size) & ((1UL << win->shift) - 1))) {
		rc = -EINVAL;
		goto out_unlock;
	}
	b.win = win;
	first = (iova - win->start) >> win->shift;
	index = first;
	for (r = 0; r != nr && !rc; r++) {
		n = runs[r].size >> win->shift;
		rc = tce_copy_store(win, index, n, runs[r].paddr, prot);
		if (rc)
			break;
		entry = tce_copy_entry(runs[r].paddr, prot);
		for (i = 0; win->tbl && i != n; i++)
			tce_batch_add(&b, index + i,
				      entry + ((i << (win->shift - 12)) <<
					       TCE_COPY_SHIFT));
		index += n;
	}
	/* Every TCE goes out before a failure clears what was written. */
	if (win->tbl && tce_batch_end(&b) && !rc)
		rc = -EIO;
	if (rc)
		tce_unmap_entries(win, first, index - first);
out_unlock:
	mutex_unlock(&tce_lock);
	return rc;
}

static void tce_unmap(struct iommufd_domain *domain, unsigned long iova,
		      size_t size)
{
	struct tce_domain *dom = to_tce_domain(domain);
	struct tce_window *win;

	mutex_lock(&tce_lock);
	win = tce_window_of(dom, iova, iova + size - 1);
	if (!WARN_ON(!win)) {
		tce_unmap_entries(win, (iova - win->start) >> win->shift,
				  size >> win->shift);
		if (win->tbl)
			iommu_flush_tce(win->tbl);
	}
	mutex_unlock(&tce_lock);
}

/* ---- attaching ---------------------------------------------------------- */

/* Is @domain one of ours, for @tdev's table group? */
static struct tce_domain *tce_domain_for(struct tce_dev *tdev,
					 struct iommufd_domain *domain)
{
	struct tce_domain *dom;

	if (domain->ops != &tce_ops)
		return NULL;
	dom = to_tce_domain(domain);
	return dom->tg == tdev->grp->tg ? dom : NULL;
}

static int tce_attach(struct iommufd_hwdev *hwdev,
		      struct iommufd_domain *domain)
{
	struct tce_dev *tdev = to_tce_dev(hwdev);
	struct tce_group *grp = tdev->grp;
	struct tce_domain *dom = tce_domain_for(tdev, domain);
	struct tce_domain *old;
	int rc = 0;

	if (!dom)
		return -EMEDIUMTYPE;

	mutex_lock(&tce_lock);
	old = grp->main;
	if (old == dom)
		goto out_attached;
	/*
	 * The group moves only if no other device of it is attached, and to
	 * a table no group uses as an extra one; else the core may try
	 * another table.
	 */
	if (!iommufd_hwgroup_may_move(&grp->base, tdev->attached) ||
	    dom->extra_users) {
		rc = -EMEDIUMTYPE;
		goto out_unlock;
	}
	grp->main = dom;
	rc = tce_group_program(grp);
	if (rc) {
		grp->main = old;
		tce_group_restore(grp);
		goto out_unlock;
	}
	tce_domain_relink(dom, grp);
	if (old)
		tce_domain_relink(old, grp);
out_attached:
	iommufd_hwgroup_attached(&grp->base, &tdev->attached);
out_unlock:
	mutex_unlock(&tce_lock);
	return rc;
}

static void tce_detach(struct iommufd_hwdev *hwdev)
{
	struct tce_dev *tdev = to_tce_dev(hwdev);
	struct tce_group *grp = tdev->grp;
	struct tce_domain *old;

	mutex_lock(&tce_lock);
	old = grp->main;
	if (iommufd_hwgroup_detached(&grp->base, &tdev->attached)) {
		grp->main = NULL;
		/* Taking windows down never fails. */
		tce_group_program(grp);
		tce_domain_relink(old, grp);
	}
	mutex_unlock(&tce_lock);
}

static int tce_attach_extra(struct iommufd_hwdev *hwdev,
			    struct iommufd_domain *domain)
{
	struct tce_dev *tdev = to_tce_dev(hwdev);
	struct tce_group *grp = tdev->grp;
	struct tce_domain *dom = tce_domain_for(tdev, domain);
	int rc = 0;

	if (!dom)
		return -EMEDIUMTYPE;

	mutex_lock(&tce_lock);
	if (grp->main == dom) {
		rc = -EINVAL;
		goto out_unlock;
	}
	if (dom->extra_users++)
		goto out_unlock;
	list_add_tail(&dom->extra_link, &grp->extras);
	rc = tce_group_program(grp);
	if (rc) {
		dom->extra_users = 0;
		list_del_init(&dom->extra_link);
		tce_group_restore(grp);
		goto out_unlock;
	}
	tce_domain_relink(dom, grp);
out_unlock:
	mutex_unlock(&tce_lock);
	return rc;
}

static void tce_detach_extra(struct iommufd_hwdev *hwdev,
			     struct iommufd_domain *domain)
{
	struct tce_group *grp = to_tce_dev(hwdev)->grp;
	struct tce_domain *dom = to_tce_domain(domain);

	mutex_lock(&tce_lock);
	if (!WARN_ON(!dom->extra_users) && !--dom->extra_users) {
		list_del_init(&dom->extra_link);
		tce_group_program(grp);
		tce_domain_relink(dom, grp);
	}
	mutex_unlock(&tce_lock);
}

static const struct iommufd_backend_ops tce_ops = {
	.name = "spapr-tce",
	.probe = tce_probe,
	.release = tce_release,
	.hw_info = tce_hw_info,
	.domain_alloc = tce_domain_alloc,
	.domain_free = tce_domain_free,
	.attach = tce_attach,
	.detach = tce_detach,
	.map = tce_map,
	.unmap = tce_unmap,
	.window_caps = tce_window_caps,
	.window_add = tce_window_add,
	.window_remove = tce_window_remove,
	.attach_extra = tce_attach_extra,
	.detach_extra = tce_detach_extra,
	.group_caps = tce_group_caps,
	.eeh_enabled = IS_ENABLED(CONFIG_IOMMUFD_SPAPR_EEH) ?
		       tce_eeh_enabled : NULL,
	.eeh_pe_op = IS_ENABLED(CONFIG_IOMMUFD_SPAPR_EEH) ?
		     tce_eeh_pe_op : NULL,
};

/* Asked before the IOMMU core backend, which would claim these devices. */
static struct iommufd_backend tce_backend = {
	.ops = &tce_ops,
	.rank = IOMMUFD_BACKEND_SPECIFIC,
	.platform_windows = true,
};

/* Register the backend; see backend.c. */
int iommufd_tce_init(void)
{
	int rc = tce_hw_init();

	if (rc)
		return rc;
	iommufd_backend_register(&tce_backend);
	return 0;
}

void iommufd_tce_exit(void)
{
	iommufd_backend_unregister(&tce_backend);
	tce_hw_exit();
}
