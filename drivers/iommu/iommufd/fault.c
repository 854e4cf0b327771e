// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Fault queues: IOMMU_FAULT_QUEUE_ALLOC, the queue's file (read, write,
 * poll, release) and the entry points for backends (reporting) and for
 * device.c (draining when a device leaves a table). How a fault travels
 * is described in fault.h.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "backend.h"
#include "fault.h"
#include "ioctl.h"

static void iommufd_fault_answer(struct iommufd_fault_group *grp, u32 code)
{
	grp->hwdev->ops->fault_respond(grp, code);
}

/* Answer every group on @list, which nobody else can see any more. */
static void iommufd_fault_answer_list(struct list_head *list, u32 code)
{
	struct iommufd_fault_group *grp, *next;

	list_for_each_entry_safe(grp, next, list, link) {
		list_del(&grp->link);
		iommufd_fault_answer(grp, code);
	}
}

/**
 * iommufd_fault_report() - queue faults a device raised on a nested table
 * @grp: the faults; grp->domain->fault is the queue
 *
 * The group is the queue's until it is answered with ->fault_respond(). A
 * queue whose file is closed answers it IOMMUFD_PAGE_RESP_INVALID at once,
 * from here.
 *
 * Context: any context that may sleep; the device is attached to
 * @grp->domain, under the attach lock of the context it is bound to or
 * with the backend otherwise keeping it from leaving meanwhile.
 */
void iommufd_fault_report(struct iommufd_fault_group *grp)
{
	struct iommufd_fault *fault = grp->domain->fault;

	if (WARN_ON(!fault || !grp->nr)) {
		iommufd_fault_answer(grp, IOMMUFD_PAGE_RESP_INVALID);
		return;
	}
	spin_lock(&fault->lock);
	if (fault->closed) {
		spin_unlock(&fault->lock);
		iommufd_fault_answer(grp, IOMMUFD_PAGE_RESP_INVALID);
		return;
	}
	list_add_tail(&grp->link, &fault->queued);
	spin_unlock(&fault->lock);
	wake_up_interruptible_poll(&fault->wait, EPOLLIN | EPOLLRDNORM);
}

/* Is @grp one iommufd_fault_cancel() answers for @hwdev on @domain? */
static bool iommufd_fault_of(const struct iommufd_fault_group *grp,
			     const struct iommufd_hwdev *hwdev,
			     const struct iommufd_domain *domain)
{
	return !hwdev || (grp->hwdev == hwdev && grp->domain == domain);
}

/*
 * Answer IOMMUFD_PAGE_RESP_INVALID every group, read or not, that @hwdev
 * raised on @domain, or with @hwdev NULL every group, closing the queue to
 * new ones: those are answered as soon as they are reported.
 */
static void iommufd_fault_cancel(struct iommufd_fault *fault,
				 struct iommufd_hwdev *hwdev,
				 struct iommufd_domain *domain)
{
	struct iommufd_fault_group *grp, *next;
	unsigned long cookie;
	LIST_HEAD(dead);

	mutex_lock(&fault->mutex);
	spin_lock(&fault->lock);
	if (!hwdev)
		fault->closed = true;
	list_for_each_entry_safe(grp, next, &fault->queued, link)
		if (iommufd_fault_of(grp, hwdev, domain))
			list_move_tail(&grp->link, &dead);
	spin_unlock(&fault->lock);
	xa_for_each(&fault->answer, cookie, grp) {
		if (!iommufd_fault_of(grp, hwdev, domain))
			continue;
		xa_erase(&fault->answer, cookie);
		list_add_tail(&grp->link, &dead);
	}
	mutex_unlock(&fault->mutex);
	iommufd_fault_answer_list(&dead, IOMMUFD_PAGE_RESP_INVALID);
}

/**
 * iommufd_fault_drain() - answer what a device raised on a table it left
 * @fault: the table's queue
 * @hwdev: the device, no longer translating through @domain
 * @domain: the table
 *
 * Every group of @hwdev on @domain, read or not, is answered
 * IOMMUFD_PAGE_RESP_INVALID; a response user space writes for one later
 * is refused (EINVAL).
 *
 * Context: process context.
 */
void iommufd_fault_drain(struct iommufd_fault *fault,
			 struct iommufd_hwdev *hwdev,
			 struct iommufd_domain *domain)
{
	iommufd_fault_cancel(fault, hwdev, domain);
}

/* The destroy callback of IOMMUFD_OBJ_FAULT. */
void iommufd_fault_destroy(struct iommufd_object *obj)
{
	struct iommufd_fault *fault = container_of(obj, struct iommufd_fault,
						   obj);

	/*
	 * Its file is gone (or never was) and no table names it: nothing is
	 * queued any more, but answer anything left all the same.
	 */
	iommufd_fault_cancel(fault, NULL, NULL);
	xa_destroy(&fault->answer);
	mutex_destroy(&fault->mutex);
}

/* The oldest queued group, taken off the queue, or NULL. */
static struct iommufd_fault_group *iommufd_fault_pop(struct iommufd_fault *fault)
{
	struct iommufd_fault_group *grp;

	spin_lock(&fault->lock);
	grp = list_first_entry_or_null(&fault->queued,
				       struct iommufd_fault_group, link);
	if (grp)
		list_del(&grp->link);
	spin_unlock(&fault->lock);
	return grp;
}

/* Put @grp back at the head of the queue, where it was. */
static void iommufd_fault_unpop(struct iommufd_fault *fault,
				struct iommufd_fault_group *grp)
{
	spin_lock(&fault->lock);
	list_add(&grp->link, &fault->queued);
	spin_unlock(&fault->lock);
}

/* Write the records of @grp, which has its cookie, to @buf. */
static int iommufd_fault_copy(struct iommufd_fault_group *grp,
			      char __user *buf)
{
	const u32 flags = IOMMU_PGFAULT_FLAGS_PASID_VALID |
			  IOMMU_PGFAULT_FLAGS_LAST_PAGE;
	struct iommu_hwpt_pgfault rec;
	u32 i;

	for (i = 0; i != grp->nr; i++) {
		memset(&rec, 0, sizeof(rec));
		/* The uAPI's bits are the IOMMU core's, both ways round. */
		rec.flags = grp->faults[i].flags & flags;
		if (i != grp->nr - 1)
			rec.flags &= ~IOMMU_PGFAULT_FLAGS_LAST_PAGE;
		else
			rec.flags |= IOMMU_PGFAULT_FLAGS_LAST_PAGE;
		rec.dev_id = grp->hwdev->dev_id;
		rec.pasid = grp->faults[i].pasid;
		rec.grpid = grp->faults[i].grpid;
		rec.perm = grp->faults[i].perm;
		rec.addr = grp->faults[i].addr;
		rec.cookie = grp->cookie;
		if (copy_to_user(buf + i * sizeof(rec), &rec, sizeof(rec)))
			return -EFAULT;
	}
	return 0;
}

/*
 * Whole groups, oldest first, as many as fit. Never blocks: an empty
 * queue reads 0 bytes.
 */
static ssize_t iommufd_fault_read(struct file *filep, char __user *buf,
				  size_t count, loff_t *ppos)
{
	const size_t rec = sizeof(struct iommu_hwpt_pgfault);
	struct iommufd_fault *fault = filep->private_data;
	struct iommufd_fault_group *grp;
	size_t done = 0;
	int rc = 0;

	if (*ppos || count % rec)
		return -ESPIPE;

	mutex_lock(&fault->mutex);
	while ((grp = iommufd_fault_pop(fault))) {
		if (grp->nr * rec > count - done) {
			/* The first group must fit: a short buffer is EINVAL */
			rc = done ? 0 : -EINVAL;
			break;
		}
		rc = xa_alloc(&fault->answer, &grp->cookie, grp, xa_limit_32b,
			      GFP_KERNEL_ACCOUNT);
		if (rc)
			break;
		rc = iommufd_fault_copy(grp, buf + done);
		if (rc) {
			xa_erase(&fault->answer, grp->cookie);
			break;
		}
		done += grp->nr * rec;
		grp = NULL;
	}
	if (grp)
		iommufd_fault_unpop(fault, grp);
	mutex_unlock(&fault->mutex);
	return done ? done : rc;
}

/*
 * Responses, in order; stops at the first that is refused, and says how
 * many bytes were taken, or the refusal if none was.
 */
static ssize_t iommufd_fault_write(struct file *filep, const char __user *buf,
				   size_t count, loff_t *ppos)
{
	struct iommufd_fault *fault = filep->private_data;
	struct iommu_hwpt_page_response resp;
	struct iommufd_fault_group *grp;
	size_t done = 0;
	int rc = 0;

	if (*ppos || count % sizeof(resp))
		return -ESPIPE;

	mutex_lock(&fault->mutex);
	for (; done != count; done += sizeof(resp)) {
		if (copy_from_user(&resp, buf + done, sizeof(resp))) {
			rc = -EFAULT;
			break;
		}
		if (resp.code != IOMMUFD_PAGE_RESP_SUCCESS &&
		    resp.code != IOMMUFD_PAGE_RESP_INVALID) {
			rc = -EINVAL;
			break;
		}
		grp = xa_erase(&fault->answer, resp.cookie);
		if (!grp) {
			rc = -EINVAL;
			break;
		}
		iommufd_fault_answer(grp, resp.code);
	}
	mutex_unlock(&fault->mutex);
	return done ? done : rc;
}

static __poll_t iommufd_fault_poll(struct file *filep,
				   struct poll_table_struct *wait)
{
	struct iommufd_fault *fault = filep->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(filep, &fault->wait, wait);
	spin_lock(&fault->lock);
	if (!list_empty(&fault->queued))
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock(&fault->lock);
	return mask;
}

static int iommufd_fault_release(struct inode *inode, struct file *filep)
{
	struct iommufd_fault *fault = filep->private_data;
	struct file *ictx_file = fault->ictx->file;

	iommufd_fault_cancel(fault, NULL, NULL);
	refcount_dec(&fault->obj.users);
	fput(ictx_file);
	return 0;
}

static const struct file_operations iommufd_fault_fops = {
	.owner = THIS_MODULE,
	.read = iommufd_fault_read,
	.write = iommufd_fault_write,
	.poll = iommufd_fault_poll,
	.release = iommufd_fault_release,
};

/*
 * IOMMU_FAULT_QUEUE_ALLOC: the object and its file. The file is made
 * last, once the reply is written, so that no failure has to undo it; the
 * object and the descriptor appear together.
 */
int iommufd_fault_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_fault_alloc *cmd = ucmd->cmd;
	struct iommufd_fault *fault;
	struct file *filep;
	int fdno, rc;

	if (cmd->flags)
		return -EOPNOTSUPP;

	fault = iommufd_object_alloc(ucmd->ictx, struct iommufd_fault,
				     IOMMUFD_OBJ_FAULT);
	if (IS_ERR(fault))
		return PTR_ERR(fault);
	spin_lock_init(&fault->lock);
	INIT_LIST_HEAD(&fault->queued);
	mutex_init(&fault->mutex);
	xa_init_flags(&fault->answer, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	init_waitqueue_head(&fault->wait);

	fdno = get_unused_fd_flags(O_CLOEXEC);
	if (fdno < 0) {
		rc = fdno;
		goto err_abort;
	}
	cmd->out_fault_id = fault->obj.id;
	cmd->out_fault_fd = fdno;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto err_put_fd;

	filep = anon_inode_getfile("[iommufd-pgfault]", &iommufd_fault_fops,
				   fault, O_RDWR);
	if (IS_ERR(filep)) {
		rc = PTR_ERR(filep);
		goto err_put_fd;
	}
	filep->f_mode &= ~(FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE);
	/* The file's references, dropped by its release. */
	fault->ictx = ucmd->ictx;
	get_file(ucmd->ictx->file);
	refcount_inc(&fault->obj.users);

	iommufd_object_publish(ucmd->ictx, &fault->obj);
	fd_install(fdno, filep);
	return 0;

err_put_fd:
	put_unused_fd(fdno);
err_abort:
	iommufd_object_abort(ucmd->ictx, &fault->obj);
	return rc;
}
