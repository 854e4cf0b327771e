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
 * TCEs are written with the hypervisor's calls directly, H_PUT_TCE_INDIRECT
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
#include <asm/firmware.h>
#include <asm/iommu.h>
#include <asm/plpar_wrappers.h>
#include <asm/tce.h>
#include <uapi/linux/iommufd.h>

#include "backend.h"

/* Slots of a table group: the default window and the dynamic one. */
#define TCE_SLOT_DEFAULT	0
#define TCE_SLOT_DDW		1
#define TCE_NR_SLOTS		IOMMU_TABLE_GROUP_MAX_TABLES

/* Where PAPR platforms place a dynamic DMA window. */
#define TCE_DDW_START		BIT(59)

/* Levels of the tables the platform builds (pSeries: flat tables). */
#define TCE_LEVELS		1

/* Entries of a software copy: physical 4 KiB frame and TCE_PCI_* bits. */
#define TCE_COPY_PERM		(TCE_PCI_READ | TCE_PCI_WRITE)
#define TCE_COPY_SHIFT		2

/**
 * struct tce_window - one window of a domain
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 * @shift: log2 of the IO page size
 * @copy: the TCEs, by entry number from @start; xa_mk_value() of the
 *        physical address in 4 KiB units, shifted by TCE_COPY_SHIFT, ORed
 *        with TCE_PCI_* bits. An unmapped entry that was mapped before
 *        holds XA_ZERO_ENTRY, which lookups and iteration see as empty,
 *        so that the nodes stay: like the levels of a hardware page table,
 *        they are freed with the window, and a map and unmap cycle neither
 *        allocates nor frees (under RCU) a node each time.
 * @tbl: the platform's table while the window exists in the hypervisor,
 *       with a reference of ours
 */
struct tce_window {
	unsigned long start;
	unsigned long last;
	unsigned int shift;
	struct xarray copy;
	struct iommu_table *tbl;
};

struct tce_group;

/**
 * struct tce_domain - the windows of an IOAS for one table group
 * @base: what the core sees
 * @tg: the table group the windows are for
 * @group: its IOMMU group, referenced
 * @win: the windows, by slot; NULL for a slot not in use
 * @grp: the group state while the domain is attached, as main or extra
 *       domain, else NULL
 * @extra_users: devices of @grp that have the domain as an extra domain
 * @extra_link: in @grp's extras while @extra_users is not 0
 */
struct tce_domain {
	struct iommufd_domain base;
	struct iommu_table_group *tg;
	struct iommu_group *group;
	struct tce_window *win[TCE_NR_SLOTS];
	struct tce_group *grp;
	unsigned int extra_users;
	struct list_head extra_link;
};

/**
 * struct tce_group - a table group with bound devices
 * @link: in tce_groups
 * @group: the IOMMU group, referenced
 * @tg: its table group
 * @nbound: devices of the group bound through this backend
 * @main: the domain the attached devices translate through, or NULL
 * @nmain: bound devices attached to @main
 * @extras: extra domains of the devices (struct tce_domain.extra_link)
 * @live: the windows that exist in the hypervisor, by slot
 */
struct tce_group {
	struct list_head link;
	struct iommu_group *group;
	struct iommu_table_group *tg;
	unsigned int nbound;
	struct tce_domain *main;
	unsigned int nmain;
	struct list_head extras;
	struct tce_window *live[TCE_NR_SLOTS];
};

/**
 * struct tce_dev - a device bound through this backend
 * @base: what the core sees
 * @grp: its table group's state
 * @attached: the device counts in @grp->nmain
 */
struct tce_dev {
	struct iommufd_hwdev base;
	struct tce_group *grp;
	bool attached;
};

static const struct iommufd_backend_ops tce_ops;

static DEFINE_MUTEX(tce_lock);
static LIST_HEAD(tce_groups);

/*
 * The list H_PUT_TCE_INDIRECT reads: one 4 KiB-aligned page of big-endian
 * TCEs, at most 512 of them; under tce_lock.
 */
#define TCE_LIST_ENTRIES	512
static __be64 *tce_list;

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

static u64 tce_copy_entry(phys_addr_t paddr, int prot)
{
	u64 perm = 0;

	if (prot & IOMMU_READ)
		perm |= TCE_PCI_READ;
	if (prot & IOMMU_WRITE)
		perm |= TCE_PCI_WRITE;
	return ((paddr >> 12) << TCE_COPY_SHIFT) | perm;
}

static phys_addr_t tce_copy_paddr(u64 entry)
{
	return (phys_addr_t)(entry >> TCE_COPY_SHIFT) << 12;
}

/* ---- the hypervisor's copy of a window ---------------------------------- */

/**
 * struct tce_batch - consecutive TCEs of a window on their way to the
 *                    hypervisor, in tce_list
 * @win: the window, in the hypervisor
 * @first: entry number of tce_list[0], from the window's start
 * @n: entries in tce_list
 * @rc: 0, or -EIO once a call failed; later entries are not written
 */
struct tce_batch {
	struct tce_window *win;
	unsigned long first;
	unsigned int n;
	int rc;
};

static void tce_batch_flush(struct tce_batch *b)
{
	struct iommu_table *tbl = b->win->tbl;
	unsigned long ioba, i;
	long rc = 0;

	lockdep_assert_held(&tce_lock);

	if (!b->n)
		return;
	ioba = (tbl->it_offset + b->first) << tbl->it_page_shift;
	if (!b->rc && b->n > 1 && firmware_has_feature(FW_FEATURE_PUT_TCE_IND))
		rc = plpar_tce_put_indirect(tbl->it_index, ioba, __pa(tce_list),
					    b->n);
	else
		for (i = 0; i != b->n && !b->rc && !rc; i++)
			rc = plpar_tce_put(tbl->it_index,
					   ioba + (i << tbl->it_page_shift),
					   be64_to_cpu(tce_list[i]));
	if (rc)
		b->rc = -EIO;
	b->n = 0;
}

/* Queue @entry (of the copy) as the TCE of entry @index of the window. */
static void tce_batch_add(struct tce_batch *b, unsigned long index,
			  u64 entry)
{
	if (b->n && (index != b->first + b->n || b->n == TCE_LIST_ENTRIES))
		tce_batch_flush(b);
	if (!b->n)
		b->first = index;
	tce_list[b->n++] = cpu_to_be64(tce_copy_paddr(entry) |
				       (entry & TCE_COPY_PERM));
}

/* Send what is queued; 0 or -EIO. */
static int tce_batch_end(struct tce_batch *b)
{
	tce_batch_flush(b);
	iommu_flush_tce(b->win->tbl);
	return b->rc;
}

static void tce_hw_clear(struct tce_window *win, unsigned long index,
			 unsigned long n)
{
	struct iommu_table *tbl = win->tbl;
	unsigned long hw = tbl->it_offset + index;

	tbl->it_ops->clear(tbl, hw, n);
	iommu_tce_kill(tbl, hw, n);
}

/* Clear in the hypervisor every TCE @win's copy holds, a run at a time. */
static void tce_window_clear(struct tce_window *win)
{
	unsigned long first = 0, n = 0, index;
	void *val;

	xa_for_each(&win->copy, index, val) {
		if (n && index == first + n) {
			n++;
			continue;
		}
		if (n)
			tce_hw_clear(win, first, n);
		first = index;
		n = 1;
	}
	if (n)
		tce_hw_clear(win, first, n);
}

/* Write every TCE of @win's copy to the hypervisor. */
static int tce_window_replay(struct tce_window *win)
{
	struct tce_batch b = { .win = win };
	unsigned long index;
	void *val;

	xa_for_each(&win->copy, index, val)
		tce_batch_add(&b, index, xa_to_value(val));
	return tce_batch_end(&b);
}

/* Take @grp's window in @slot out of the hypervisor, its TCEs cleared. */
static void tce_window_unprogram(struct tce_group *grp, unsigned int slot)
{
	struct iommu_table_group *tg = grp->tg;
	struct tce_window *win = grp->live[slot];

	lockdep_assert_held(&tce_lock);

	tce_window_clear(win);
	iommu_flush_tce(win->tbl);
	if (tg->ops->unset_window(tg, slot))
		pr_warn("iommufd: TCE window %u of IOMMU group %d not removed\n",
			slot, iommu_group_id(grp->group));
	iommu_tce_table_put(win->tbl);
	win->tbl = NULL;
	grp->live[slot] = NULL;
}

/* Create @win in the hypervisor as @grp's window @slot and fill it. */
static int tce_window_program(struct tce_group *grp, unsigned int slot,
			      struct tce_window *win)
{
	struct iommu_table_group *tg = grp->tg;
	unsigned long size = win->last - win->start + 1;
	struct iommu_table *tbl;
	long rc;

	lockdep_assert_held(&tce_lock);

	rc = tg->ops->create_table(tg, slot, win->shift, size, TCE_LEVELS,
				   &tbl);
	if (rc)
		return rc < 0 ? rc : -EIO;
	/* The platform chose where the window is. */
	if (tbl->it_page_shift != win->shift ||
	    tbl->it_offset << tbl->it_page_shift != win->start ||
	    tbl->it_size << tbl->it_page_shift != size) {
		rc = -ERANGE;
		goto err_unset;
	}
	rc = tg->ops->set_window(tg, slot, tbl);
	if (rc)
		goto err_unset;
	win->tbl = tbl;
	grp->live[slot] = win;
	rc = tce_window_replay(win);
	if (rc) {
		tce_window_unprogram(grp, slot);
		return rc;
	}
	return 0;

err_unset:
	tg->ops->unset_window(tg, slot);
	iommu_tce_table_put(tbl);
	return rc;
}

/* ---- table groups: which windows the hypervisor holds ------------------- */

/* The windows @grp's domains want in the hypervisor, by slot. */
static void tce_group_wanted(struct tce_group *grp,
			     struct tce_window **want)
{
	struct tce_domain *dom;
	unsigned int s;

	for (s = 0; s != TCE_NR_SLOTS; s++)
		want[s] = grp->main ? grp->main->win[s] : NULL;
	list_for_each_entry(dom, &grp->extras, extra_link)
		for (s = 0; s != TCE_NR_SLOTS; s++)
			if (dom->win[s] && !WARN_ON(want[s]))
				want[s] = dom->win[s];
}

/*
 * Make the hypervisor hold exactly the windows @grp's domains have. On
 * failure some wanted windows may be missing; no unwanted one is left.
 */
static int tce_group_program(struct tce_group *grp)
{
	struct tce_window *want[TCE_NR_SLOTS];
	unsigned int s;
	int rc;

	lockdep_assert_held(&tce_lock);

	tce_group_wanted(grp, want);
	/* Making the default window resets the PE: no DDW may exist then. */
	if (want[TCE_SLOT_DEFAULT] &&
	    want[TCE_SLOT_DEFAULT] != grp->live[TCE_SLOT_DEFAULT] &&
	    grp->live[TCE_SLOT_DDW])
		tce_window_unprogram(grp, TCE_SLOT_DDW);
	for (s = 0; s != TCE_NR_SLOTS; s++)
		if (grp->live[s] && grp->live[s] != want[s])
			tce_window_unprogram(grp, s);
	for (s = 0; s != TCE_NR_SLOTS; s++) {
		if (!want[s] || grp->live[s])
			continue;
		rc = tce_window_program(grp, s, want[s]);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * After a failed tce_group_program(), with @grp's domains put back as they
 * were: program those again, or block all DMA if even that fails.
 */
static void tce_group_restore(struct tce_group *grp)
{
	unsigned int s;

	lockdep_assert_held(&tce_lock);

	if (!tce_group_program(grp))
		return;
	pr_warn("iommufd: TCE windows of IOMMU group %d not restored; its DMA is blocked\n",
		iommu_group_id(grp->group));
	for (s = 0; s != TCE_NR_SLOTS; s++)
		if (grp->live[s])
			tce_window_unprogram(grp, s);
}

/* Is @dom attached in @grp, as main or as extra domain? */
static void tce_domain_relink(struct tce_domain *dom, struct tce_group *grp)
{
	dom->grp = grp->main == dom || dom->extra_users ? grp : NULL;
}

static struct tce_group *tce_group_get(struct iommu_group *group,
				       struct iommu_table_group *tg)
{
	struct tce_group *grp;

	lockdep_assert_held(&tce_lock);

	list_for_each_entry(grp, &tce_groups, link) {
		if (grp->group == group) {
			grp->nbound++;
			return grp;
		}
	}
	grp = kzalloc(sizeof(*grp), GFP_KERNEL);
	if (!grp)
		return NULL;
	grp->group = group;
	grp->tg = tg;
	grp->nbound = 1;
	INIT_LIST_HEAD(&grp->extras);
	list_add(&grp->link, &tce_groups);
	return grp;
}

static void tce_group_put(struct tce_group *grp)
{
	lockdep_assert_held(&tce_lock);

	if (--grp->nbound)
		return;
	WARN_ON(grp->main || !list_empty(&grp->extras) ||
		grp->live[TCE_SLOT_DEFAULT] || grp->live[TCE_SLOT_DDW]);
	list_del(&grp->link);
	kfree(grp);
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
	struct iommu_group *group = tdev->grp->group;

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

static int tce_window_caps(struct iommufd_hwdev *hwdev,
			   struct iommufd_window_caps *caps)
{
	struct iommu_table_group *tg = to_tce_dev(hwdev)->grp->tg;
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
	if (grp->nmain - tdev->attached || dom->extra_users) {
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
	if (!tdev->attached) {
		tdev->attached = true;
		grp->nmain++;
	}
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
	if (!WARN_ON(!tdev->attached)) {
		tdev->attached = false;
		if (!--grp->nmain) {
			grp->main = NULL;
			/* Taking windows down never fails. */
			tce_group_program(grp);
			tce_domain_relink(old, grp);
		}
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
};

/* Asked before the IOMMU core backend, which would claim these devices. */
static struct iommufd_backend tce_backend = {
	.ops = &tce_ops,
	.rank = IOMMUFD_BACKEND_SPECIFIC,
};

/* Register the backend; see backend.c. */
int iommufd_tce_init(void)
{
	tce_list = (__be64 *)__get_free_page(GFP_KERNEL);
	if (!tce_list)
		return -ENOMEM;
	iommufd_backend_register(&tce_backend);
	return 0;
}

void iommufd_tce_exit(void)
{
	iommufd_backend_unregister(&tce_backend);
	free_page((unsigned long)tce_list);
}
