/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Who pays for pinned memory.
 *
 * An accounting owner names the process whose memory is pinned and the
 * locked_vm counter its pins are charged to. Charging checks the limit and
 * can fail; uncharging cannot. Independently of the charge, every pinned
 * page shows in the process's pinned_vm (VmPin in /proc/PID/status).
 *
 * Locking: charging in IOMMUFD_ACCOUNT_MM mode takes the process's
 * mmap_lock for writing, so callers must not hold it.
 */
#ifndef __IOMMUFD_ACCOUNT_H
#define __IOMMUFD_ACCOUNT_H

#include <linux/types.h>

#include "pin.h"

struct mm_struct;
struct user_struct;

/**
 * struct iommufd_acct - an accounting owner
 * @mm: the process whose memory is pinned
 * @user: the user charged in IOMMUFD_ACCOUNT_USER mode, else NULL
 * @mode: which locked_vm is charged
 * @charging: false if the pinning task had CAP_IPC_LOCK: nothing is charged
 */
struct iommufd_acct {
	struct mm_struct *mm;
	struct user_struct *user;
	enum iommufd_account_mode mode;
	bool charging;
};

int iommufd_acct_current(struct iommufd_acct *acct,
			 enum iommufd_account_mode mode);
void iommufd_acct_hold(struct iommufd_acct *acct);
void iommufd_acct_release(struct iommufd_acct *acct);
bool iommufd_acct_equal(const struct iommufd_acct *a,
			const struct iommufd_acct *b);

int iommufd_acct_charge(const struct iommufd_acct *acct,
			unsigned long npages);
void iommufd_acct_uncharge(const struct iommufd_acct *acct,
			   unsigned long npages);
void iommufd_acct_pinned(const struct iommufd_acct *acct, unsigned long npages,
			 bool inc);

#endif
