// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The TCE backend's side of the hypervisor: writing TCEs (a batch of up to
 * 512 consecutive entries per H_PUT_TCE_INDIRECT), creating and removing
 * windows through the platform's table group operations, and keeping the
 * windows each table group holds in the hypervisor equal to what its
 * attached domains want. tce.c, the backend itself, says why; everything
 * here runs under tce_lock.
 */
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/firmware.h>
#include <asm/iommu.h>
#include <asm/plpar_wrappers.h>
#include <asm/tce.h>

#include "tce.h"

static LIST_HEAD(tce_groups);

/*
 * The list H_PUT_TCE_INDIRECT reads: one 4 KiB-aligned page of big-endian
 * TCEs, at most TCE_LIST_ENTRIES of them; under tce_lock.
 */
static __be64 *tce_list;

/* ---- the hypervisor's copy of a window ---------------------------------- */

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
void tce_batch_add(struct tce_batch *b, unsigned long index,
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
int tce_batch_end(struct tce_batch *b)
{
	tce_batch_flush(b);
	iommu_flush_tce(b->win->tbl);
	return b->rc;
}

/* Clear @n TCEs of @win from entry @index on, in the hypervisor. */
void tce_hw_clear(struct tce_window *win, unsigned long index,
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
			slot, iommu_group_id(grp->base.group));
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
int tce_group_program(struct tce_group *grp)
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
void tce_group_restore(struct tce_group *grp)
{
	unsigned int s;

	lockdep_assert_held(&tce_lock);

	if (!tce_group_program(grp))
		return;
	pr_warn("iommufd: TCE windows of IOMMU group %d not restored; its DMA is blocked\n",
		iommu_group_id(grp->base.group));
	for (s = 0; s != TCE_NR_SLOTS; s++)
		if (grp->live[s])
			tce_window_unprogram(grp, s);
}

/* Is @dom attached in @grp, as main or as extra domain? */
void tce_domain_relink(struct tce_domain *dom, struct tce_group *grp)
{
	dom->grp = grp->main == dom || dom->extra_users ? grp : NULL;
}

/* The state of @group's table group, with one more bound device. */
struct tce_group *tce_group_get(struct iommu_group *group,
				struct iommu_table_group *tg)
{
	struct iommufd_hwgroup *hwgrp;
	struct tce_group *grp;

	lockdep_assert_held(&tce_lock);

	hwgrp = iommufd_hwgroup_get(&tce_groups, group, sizeof(*grp));
	if (!hwgrp)
		return NULL;
	grp = container_of(hwgrp, struct tce_group, base);
	if (hwgrp->nbound == 1) {
		grp->tg = tg;
		INIT_LIST_HEAD(&grp->extras);
	}
	return grp;
}

/* Drop a bound device from @grp; freed with its last one. */
void tce_group_put(struct tce_group *grp)
{
	lockdep_assert_held(&tce_lock);

	if (!iommufd_hwgroup_put(&grp->base))
		return;
	WARN_ON(grp->main || !list_empty(&grp->extras) ||
		grp->live[TCE_SLOT_DEFAULT] || grp->live[TCE_SLOT_DDW]);
	kfree(grp);
}

/* Allocate what the hypervisor calls need; 0 or -ENOMEM. */
int tce_hw_init(void)
{
	tce_list = (__be64 *)__get_free_page(GFP_KERNEL);
	return tce_list ? 0 : -ENOMEM;
}

void tce_hw_exit(void)
{
	free_page((unsigned long)tce_list);
}
