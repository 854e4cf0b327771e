/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Fault queues: where I/O page faults on nested tables go to user space.
 *
 * IOMMU_FAULT_QUEUE_ALLOC makes a queue object and a file for it. A nested
 * table made with IOMMU_HWPT_FAULT_ID_VALID names a queue; when a device
 * attached to that table faults, its backend hands the faults, a group
 * at a time, to iommufd_fault_report(), and they wait in the queue until
 * user space reads them from the file. Reading gives each group a cookie;
 * user space fixes its page tables and writes a response with the cookie,
 * which the backend passes on to the device.
 *
 * Nothing waits forever: when a device leaves a table, the groups it
 * raised there, read or not, are answered IOMMUFD_PAGE_RESP_INVALID
 * (iommufd_fault_drain()); when the file is closed, every group is, and
 * faults reported afterwards are answered at once.
 *
 * References: the file holds one on the queue object and one on the
 * /dev/iommu file; each nested table naming the queue holds one on the
 * object. So IOMMU_DESTROY of a queue is EBUSY until its file is closed
 * and its tables are destroyed.
 */
#ifndef __IOMMUFD_FAULT_H
#define __IOMMUFD_FAULT_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "object.h"

struct iommufd_domain;
struct iommufd_hwdev;

/**
 * struct iommufd_fault - a fault queue object
 * @obj: object header
 * @ictx: the context it belongs to
 * @lock: protects @queued and @closed; taken by iommufd_fault_report()
 * @queued: groups reported and not read yet, oldest first
 * @closed: the file was released: nobody reads or answers any more
 * @mutex: serializes reading, answering and draining; protects @answer
 * @answer: cookie -> struct iommufd_fault_group read and not answered;
 *          cookies start at 1
 * @wait: where poll() waits for @queued to fill
 */
struct iommufd_fault {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	spinlock_t lock; /* see above */
	struct list_head queued;
	bool closed;
	struct mutex mutex; /* see above */
	struct xarray answer;
	wait_queue_head_t wait;
};

void iommufd_fault_drain(struct iommufd_fault *fault,
			 struct iommufd_hwdev *hwdev,
			 struct iommufd_domain *domain);

#endif
