// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Charging pinned pages to RLIMIT_MEMLOCK, and counting them in pinned_vm.
 * The rules are described in account.h.
 *
 * The user mode keeps a running total per user_struct, updated without a
 * lock: a compare-and-exchange loop retries until it either raises the
 * total without passing the limit or finds that it would pass it. The mm
 * mode uses the process's locked_vm under its mmap_lock, like mlock() and
 * VFIO do, so that both see each other's charges.
 */
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>

#include "account.h"

/**
 * iommufd_acct_current() - describe the owner of the current task's pins
 * @acct: filled in; holds no reference yet, see iommufd_acct_hold()
 * @mode: which locked_vm to charge
 *
 * Context: process context.
 * Return: 0, or -EINVAL if the task has no user memory or @mode is unknown.
 */
int iommufd_acct_current(struct iommufd_acct *acct,
			 enum iommufd_account_mode mode)
{
	if (!current->mm ||
	    (mode != IOMMUFD_ACCOUNT_USER && mode != IOMMUFD_ACCOUNT_MM))
		return -EINVAL;

	acct->mm = current->mm;
	acct->mode = mode;
	acct->charging = !capable(CAP_IPC_LOCK);
	/* An owner that charges nothing need not tell users apart. */
	acct->user = acct->charging && mode == IOMMUFD_ACCOUNT_USER ?
			     current_user() : NULL;
	return 0;
}

/**
 * iommufd_acct_hold() - keep an owner's process and user alive
 * @acct: owner from iommufd_acct_current()
 *
 * The process's mm_struct stays allocated (its address space may still go
 * away). Undo with iommufd_acct_release().
 *
 * Context: any context.
 */
void iommufd_acct_hold(struct iommufd_acct *acct)
{
	mmgrab(acct->mm);
	if (acct->user)
		get_uid(acct->user);
}

/**
 * iommufd_acct_release() - drop what iommufd_acct_hold() took
 * @acct: the owner
 *
 * Context: process context.
 */
void iommufd_acct_release(struct iommufd_acct *acct)
{
	if (acct->user)
		free_uid(acct->user);
	mmdrop(acct->mm);
}

/**
 * iommufd_acct_equal() - whether two descriptions name the same owner
 * @a: an owner
 * @b: another owner
 *
 * Context: any context.
 * Return: true if pins of @a may be shared with @b.
 */
bool iommufd_acct_equal(const struct iommufd_acct *a,
			const struct iommufd_acct *b)
{
	return a->mm == b->mm && a->mode == b->mode && a->user == b->user &&
	       a->charging == b->charging;
}

/* Move the process's locked_vm, if the process still has an address space. */
static int iommufd_acct_mm_update(const struct iommufd_acct *acct,
				  unsigned long npages, bool inc)
{
	struct mm_struct *mm = acct->mm;
	int rc;

	/* Once the process has exited, its locked_vm means nothing. */
	if (!mmget_not_zero(mm))
		return inc ? -ESRCH : 0;
	mmap_write_lock(mm);
	rc = __account_locked_vm(mm, npages, inc, current, false);
	mmap_write_unlock(mm);
	mmput(mm);
	return rc;
}

static int iommufd_acct_user_add(struct user_struct *user,
				 unsigned long npages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	unsigned long old = atomic_long_read(&user->locked_vm);

	do {
		if (npages > limit || old > limit - npages)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &old,
					  old + npages));
	return 0;
}

/**
 * iommufd_acct_charge() - charge newly pinned pages to an owner
 * @acct: the owner; the current task must belong to its process, whose
 *        memory limit is the one checked
 * @npages: how many pages
 *
 * Context: process context, may sleep; takes the mmap_lock.
 * Return: 0, or -ENOMEM if the charge would pass RLIMIT_MEMLOCK, in which
 * case nothing was charged.
 */
int iommufd_acct_charge(const struct iommufd_acct *acct, unsigned long npages)
{
	if (!acct->charging || !npages)
		return 0;
	if (acct->mode == IOMMUFD_ACCOUNT_USER)
		return iommufd_acct_user_add(acct->user, npages);
	return iommufd_acct_mm_update(acct, npages, true);
}

/**
 * iommufd_acct_uncharge() - return the charge of pages no longer pinned
 * @acct: the owner that was charged
 * @npages: how many pages
 *
 * Context: process context, may sleep; takes the mmap_lock.
 */
void iommufd_acct_uncharge(const struct iommufd_acct *acct,
			   unsigned long npages)
{
	if (!acct->charging || !npages)
		return;
	if (acct->mode == IOMMUFD_ACCOUNT_MM) {
		iommufd_acct_mm_update(acct, npages, false);
		return;
	}
	if (WARN_ON_ONCE(atomic_long_read(&acct->user->locked_vm) < npages))
		return;
	atomic_long_sub(npages, &acct->user->locked_vm);
}

/**
 * iommufd_acct_pinned() - count pages pinned or unpinned in pinned_vm
 * @acct: the owner whose process the pages belong to
 * @npages: how many pages
 * @inc: true when they were pinned, false when they were unpinned
 *
 * Context: any context.
 */
void iommufd_acct_pinned(const struct iommufd_acct *acct, unsigned long npages,
			 bool inc)
{
	if (inc)
		atomic64_add(npages, &acct->mm->pinned_vm);
	else
		atomic64_sub(npages, &acct->mm->pinned_vm);
}
