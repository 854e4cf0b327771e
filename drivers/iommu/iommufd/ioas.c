// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * IO address space objects and their ioctls. Each handler checks the
 * command's fields (flags and reserved members first, as upstream does, so
 * that the first error reported is the same), looks the IOAS up, and calls
 * one function of io_pagetable.c.
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "ioas.h"
#include "ioctl.h"
#include "pin.h"
#include "vfio_compat.h"

#define IOAS_MAP_PROT_FLAGS \
	(IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)
#define IOAS_MAP_FLAGS (IOMMU_IOAS_MAP_FIXED_IOVA | IOAS_MAP_PROT_FLAGS)

void iommufd_ioas_destroy(struct iommufd_object *obj)
{
	struct iommufd_ioas *ioas = container_of(obj, struct iommufd_ioas, obj);

	iopt_destroy(&ioas->iopt);
	/* Each attached access holds a reference on its IOAS. */
	WARN_ON(!list_empty(&ioas->accesses));
	mutex_destroy(&ioas->access_lock);
}

/**
 * iommufd_get_ioas() - look an IOAS up for the current ioctl
 * @ictx: context
 * @id: ID given by user space
 *
 * Return: the IOAS, to be released with iommufd_put_ioas(), or
 * ERR_PTR(-ENOENT).
 */
struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx, u32 id)
{
	struct iommufd_object *obj = iommufd_get_object(ictx, id,
							IOMMUFD_OBJ_IOAS);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct iommufd_ioas, obj);
}

/**
 * iommufd_put_ioas() - drop the reference from iommufd_get_ioas()
 * @ictx: context
 * @ioas: the IOAS
 */
void iommufd_put_ioas(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas)
{
	iommufd_put_object(ictx, &ioas->obj);
}

int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags & ~IOMMU_IOAS_ALLOC_WINDOWED)
		return -EOPNOTSUPP;

	ioas = iommufd_ioas_new(ucmd->ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/* Not yet visible to anyone: no lock needed. */
	ioas->iopt.windowed = cmd->flags & IOMMU_IOAS_ALLOC_WINDOWED;

	cmd->out_ioas_id = ioas->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iommufd_object_abort(ucmd->ictx, &ioas->obj);
		return rc;
	}
	iommufd_object_publish(ucmd->ictx, &ioas->obj);
	return 0;
}

/**
 * iommufd_ioas_new() - allocate an empty IOAS
 * @ictx: context
 *
 * Context: process context.
 * Return: an unpublished IOAS, or an ERR_PTR from iommufd_object_alloc().
 */
struct iommufd_ioas *iommufd_ioas_new(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;

	ioas = iommufd_object_alloc(ictx, struct iommufd_ioas,
				    IOMMUFD_OBJ_IOAS);
	if (IS_ERR(ioas))
		return ioas;
	iopt_init(&ioas->iopt);
	ioas->iopt.windows_lock = &ictx->attach_lock;
	INIT_LIST_HEAD(&ioas->auto_hwpts);
	mutex_init(&ioas->access_lock);
	INIT_LIST_HEAD(&ioas->accesses);
	return ioas;
}

/* IOMMU_IOAS_MAP_* access flags to IOMMU_READ/IOMMU_WRITE. */
static int ioas_map_prot(u32 flags)
{
	return ((flags & IOMMU_IOAS_MAP_READABLE) ? IOMMU_READ : 0) |
	       ((flags & IOMMU_IOAS_MAP_WRITEABLE) ? IOMMU_WRITE : 0);
}

/*
 * Common checks of MAP and COPY, in upstream's order so that the first
 * error reported is the same: flags, then addresses and length, then
 * access.
 */
static int ioas_check_map_args(u32 flags, u64 addr1, u64 addr2, u64 length)
{
	if (flags & ~IOAS_MAP_FLAGS)
		return -EOPNOTSUPP;
	if (addr1 >= ULONG_MAX || addr2 >= ULONG_MAX || length >= ULONG_MAX)
		return -EOVERFLOW;
	if (!(flags & IOAS_MAP_PROT_FLAGS))
		return -EINVAL;
	return 0;
}

/*
 * Send the reply of a command that just mapped [iova, iova + length) with
 * @stamp; if it cannot be delivered, take back what the command made, so
 * that it changed nothing. Other threads may have unmapped and mapped in
 * the range meanwhile: only areas with the command's stamp go.
 */
static int ioas_respond_mapped(struct iommufd_ucmd *ucmd, size_t cmd_len,
			       struct iommufd_iopt *iopt, unsigned long iova,
			       unsigned long length, u64 stamp)
{
	int rc;

	rc = iommufd_ucmd_respond(ucmd, cmd_len);
	if (rc)
		iopt_undo_map(iopt, iova, iova + length - 1, stamp);
	return rc;
}

/*
 * The common part of IOMMU_IOAS_MAP and IOMMU_IOAS_MAP_FILE, after the
 * fields are checked: map @length bytes from @addr of @file (user memory
 * if @file is NULL) into @ioas, at or into *@iova, and reply.
 */
static int ioas_map_common(struct iommufd_ucmd *ucmd, size_t cmd_len,
			   struct iommufd_ioas *ioas, struct file *file,
			   u64 addr, u64 length, u32 flags, u64 *iova)
{
	unsigned long where = *iova;
	u64 stamp;
	int rc;

	if (file)
		rc = iopt_map_file(&ioas->iopt, &where, file, addr, length,
				   ioas_map_prot(flags),
				   flags & IOMMU_IOAS_MAP_FIXED_IOVA,
				   ucmd->ictx->account_mode, &stamp);
	else
		rc = iopt_map_user(&ioas->iopt, &where, addr, length,
				   ioas_map_prot(flags),
				   flags & IOMMU_IOAS_MAP_FIXED_IOVA,
				   ucmd->ictx->account_mode, &stamp);
	if (rc)
		return rc;
	*iova = where;
	return ioas_respond_mapped(ucmd, cmd_len, &ioas->iopt, where, length,
				   stamp);
}

int iommufd_ioas_map_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	rc = ioas_check_map_args(cmd->flags, cmd->iova, cmd->user_va,
				 cmd->length);
	if (rc)
		return rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = ioas_map_common(ucmd, sizeof(*cmd), ioas, NULL, cmd->user_va,
			     cmd->length, cmd->flags, &cmd->iova);
	iommufd_put_ioas(ucmd->ictx, ioas);
	return rc;
}

int iommufd_ioas_map_file_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map_file *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	struct file *file;
	int rc;

	rc = ioas_check_map_args(cmd->flags, cmd->iova, cmd->start,
				 cmd->length);
	if (rc)
		return rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	file = fget(cmd->fd);
	if (!file) {
		rc = -EBADF;
	} else if ((cmd->flags & IOMMU_IOAS_MAP_WRITEABLE) &&
		   !(file->f_mode & FMODE_WRITE)) {
		/* A device may not write where the caller itself may not. */
		rc = -EACCES;
	} else {
		rc = ioas_map_common(ucmd, sizeof(*cmd), ioas, file, cmd->start,
				     cmd->length, cmd->flags, &cmd->iova);
	}
	if (file)
		fput(file);
	iommufd_put_ioas(ucmd->ictx, ioas);
	return rc;
}

int iommufd_ioas_copy_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	struct iommufd_ioas *src, *dst;
	unsigned long iova;
	u64 stamp;
	int rc;

	rc = ioas_check_map_args(cmd->flags, cmd->src_iova, cmd->dst_iova,
				 cmd->length);
	if (rc)
		return rc;

	src = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (IS_ERR(src))
		return PTR_ERR(src);
	dst = iommufd_get_ioas(ucmd->ictx, cmd->dst_ioas_id);
	if (IS_ERR(dst)) {
		rc = PTR_ERR(dst);
		goto out_put_src;
	}

	iova = cmd->dst_iova;
	rc = iopt_copy(&dst->iopt, &iova, &src->iopt, cmd->src_iova,
		       cmd->length, ioas_map_prot(cmd->flags),
		       cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA, &stamp);
	if (!rc) {
		cmd->dst_iova = iova;
		rc = ioas_respond_mapped(ucmd, sizeof(*cmd), &dst->iopt, iova,
					 cmd->length, stamp);
	}
	iommufd_put_ioas(ucmd->ictx, dst);
out_put_src:
	iommufd_put_ioas(ucmd->ictx, src);
	return rc;
}

int iommufd_ioas_unmap_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	bool whole = cmd->iova == 0 && cmd->length == U64_MAX;
	struct iommufd_ioas *ioas;
	unsigned long unmapped, last = 0;
	int rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (!whole && (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX)) {
		rc = -EOVERFLOW;
		goto out_put;
	}
	if (!whole && !cmd->length) {
		rc = -EINVAL;
		goto out_put;
	}
	if (!whole && check_add_overflow((unsigned long)cmd->iova,
					 (unsigned long)cmd->length - 1, &last)) {
		rc = -EOVERFLOW;
		goto out_put;
	}

	rc = iopt_unmap(&ioas->iopt, cmd->iova, last,
			whole ? IOPT_UNMAP_ALL : 0, &unmapped);
	if (!rc) {
		cmd->length = unmapped;
		rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	}
out_put:
	iommufd_put_ioas(ucmd->ictx, ioas);
	return rc;
}

int iommufd_ioas_iova_ranges_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct iommufd_uranges out = {
		.uranges = u64_to_user_ptr(cmd->allowed_iovas),
		.capacity = cmd->num_iovas,
	};
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	rc = iopt_walk_usable(&ioas->iopt, iommufd_uranges_add, &out);
	if (!rc)
		rc = iommufd_uranges_flush(&out);
	if (rc)
		goto out_put;

	/* The count is written back even when the array was too short. */
	cmd->num_iovas = out.count;
	cmd->out_iova_alignment = iopt_iova_alignment(&ioas->iopt);
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (!rc && out.count > out.capacity)
		rc = -EMSGSIZE;
out_put:
	iommufd_put_ioas(ucmd->ictx, ioas);
	return rc;
}

/* Smallest IO page size a window may have. */
#define IOAS_WINDOW_MIN_PAGE SZ_4K

int iommufd_ioas_window_add_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_window_add *cmd = ucmd->cmd;
	struct iopt_window_req req = {
		.exact = cmd->flags & IOMMU_IOAS_WINDOW_EXACT,
		.levels = cmd->levels,
	};
	struct iommufd_ioas *ioas;
	unsigned long start, last;
	u64 stamp;
	int rc;

	if (cmd->flags & ~IOMMU_IOAS_WINDOW_EXACT)
		return -EOPNOTSUPP;
	if (cmd->iova > ULONG_MAX || cmd->length > ULONG_MAX ||
	    cmd->lowest > ULONG_MAX || cmd->highest > ULONG_MAX ||
	    cmd->align > ULONG_MAX || cmd->page_size > ULONG_MAX)
		return -EOVERFLOW;
	req.start = cmd->iova;
	req.length = cmd->length;
	req.lowest = cmd->lowest;
	req.highest = cmd->highest ?: ULONG_MAX;
	req.page_size = cmd->page_size ?: PAGE_SIZE;
	req.align = cmd->align ?: req.page_size;
	if (!req.length || !is_power_of_2(req.page_size) ||
	    req.page_size < IOAS_WINDOW_MIN_PAGE)
		return -EINVAL;
	/* An exact request ignores the constraints' fields. */
	if (req.exact && ((req.start | req.length) & (req.page_size - 1)))
		return -EINVAL;
	if (!req.exact && ((req.length & (req.page_size - 1)) ||
			   !is_power_of_2(req.align) ||
			   req.lowest > req.highest))
		return -EINVAL;
	if (req.exact && check_add_overflow(req.start, req.length - 1, &last))
		return -EOVERFLOW;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/* Windows are checked against the devices' other IOASes too. */
	mutex_lock(&ucmd->ictx->attach_lock);
	rc = iopt_window_add(&ioas->iopt, &req, &start, &stamp);
	mutex_unlock(&ucmd->ictx->attach_lock);
	if (rc)
		goto out_put;
	cmd->iova = start;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	/*
	 * Undo the grant if the answer cannot be delivered: this window only,
	 * which another thread may have replaced meanwhile. The undo fails if
	 * another thread already mapped into the window it was not told
	 * about, and then the window stays.
	 */
	if (rc) {
		mutex_lock(&ucmd->ictx->attach_lock);
		iopt_window_remove(&ioas->iopt, start, stamp);
		mutex_unlock(&ucmd->ictx->attach_lock);
	}
out_put:
	iommufd_put_ioas(ucmd->ictx, ioas);
	return rc;
}

int iommufd_ioas_window_remove_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_window_remove *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->iova > ULONG_MAX)
		return -ENOENT;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	mutex_lock(&ucmd->ictx->attach_lock);
	rc = iopt_window_remove(&ioas->iopt, cmd->iova, 0);
	mutex_unlock(&ucmd->ictx->attach_lock);
	iommufd_put_ioas(ucmd->ictx, ioas);
	return rc;
}

/* Read user space's ranges into a tree of struct iopt_span. */
static int ioas_load_ranges(struct rb_root_cached *spans,
			    const struct iommu_iova_range __user *uranges,
			    u32 num)
{
	u32 i;

	for (i = 0; i < num; i++) {
		struct iommu_iova_range range;
		struct iopt_span *span;

		if (copy_from_user(&range, &uranges[i], sizeof(range)))
			return -EFAULT;
		if (range.start >= range.last || range.last > ULONG_MAX)
			return -EINVAL;
		if (interval_tree_iter_first(spans, range.start, range.last))
			return -EINVAL;

		span = kzalloc(sizeof(*span), GFP_KERNEL_ACCOUNT);
		if (!span)
			return -ENOMEM;
		span->node.start = range.start;
		span->node.last = range.last;
		interval_tree_insert(&span->node, spans);
	}
	return 0;
}

int iommufd_ioas_allow_iovas_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct rb_root_cached spans = RB_ROOT_CACHED;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	rc = ioas_load_ranges(&spans, u64_to_user_ptr(cmd->allowed_iovas),
			      cmd->num_iovas);
	if (!rc)
		rc = iopt_set_allowed(&ioas->iopt, &spans);
	/* Either the replaced ranges or the refused ones. */
	iopt_free_spans(&spans);
	iommufd_put_ioas(ucmd->ictx, ioas);
	return rc;
}

static int ioas_option_rlimit_mode(struct iommufd_ctx *ictx,
				   struct iommu_option *cmd)
{
	int rc = 0;

	if (cmd->object_id)
		return -EOPNOTSUPP;

	switch (cmd->op) {
	case IOMMU_OPTION_OP_GET:
		cmd->val64 = ictx->account_mode == IOMMUFD_ACCOUNT_MM;
		return 0;
	case IOMMU_OPTION_OP_SET:
		if (!capable(CAP_SYS_RESOURCE))
			return -EPERM;
		/*
		 * Only before anything that may have pinned memory exists;
		 * EBUSY comes before EINVAL, as upstream checks them.
		 */
		xa_lock(&ictx->objects);
		if (!xa_empty(&ictx->objects))
			rc = -EBUSY;
		else if (cmd->val64 > 1)
			rc = -EINVAL;
		else
			ictx->account_mode = cmd->val64 ? IOMMUFD_ACCOUNT_MM :
							  IOMMUFD_ACCOUNT_USER;
		xa_unlock(&ictx->objects);
		return rc;
	default:
		return -EOPNOTSUPP;
	}
}

static int ioas_option_huge_pages(struct iommufd_ctx *ictx,
				  struct iommu_option *cmd)
{
	struct iommufd_ioas *ioas;
	int rc = 0;

	ioas = iommufd_get_ioas(ictx, cmd->object_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	switch (cmd->op) {
	case IOMMU_OPTION_OP_GET:
		cmd->val64 = iopt_large_pages(&ioas->iopt);
		break;
	case IOMMU_OPTION_OP_SET:
		if (cmd->val64 > 1)
			rc = -EINVAL;
		else
			rc = iopt_set_large_pages(&ioas->iopt, cmd->val64);
		break;
	default:
		rc = -EOPNOTSUPP;
	}
	iommufd_put_ioas(ictx, ioas);
	return rc;
}

int iommufd_option_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommu_option __user *ucmd_option = ucmd->ubuffer;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = ioas_option_rlimit_mode(ucmd->ictx, cmd);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		rc = ioas_option_huge_pages(ucmd->ictx, cmd);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	/* Only val64 is an output. */
	if (put_user(cmd->val64, &ucmd_option->val64))
		return -EFAULT;
	return 0;
}

/* Add the pins of IOAS @id to @tally; -ENOENT if it is not an IOAS. */
static int ioas_tally(struct iommufd_ctx *ictx, u32 id,
		      struct iommufd_pin_tally *tally)
{
	struct iommufd_ioas *ioas;
	int rc;

	ioas = iommufd_get_ioas(ictx, id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iopt_tally_pins(&ioas->iopt, tally);
	iommufd_put_ioas(ictx, ioas);
	return rc;
}

/*
 * The pins of every IOAS of @ictx and of its container emulation. The
 * IOASes are peeked at, as debugfs does, so that reading fdinfo or the
 * whole file's IOMMU_PIN_STATS never makes an IOMMU_DESTROY fail.
 */
static int ioas_tally_all(struct iommufd_ctx *ictx,
			  struct iommufd_pin_tally *tally)
{
	struct iommufd_object *obj;
	unsigned long id = 0;
	int rc = 0;

	while (!rc && (obj = iommufd_peek_next_object(ictx, &id))) {
		struct iommufd_ioas *ioas =
			container_of(obj, struct iommufd_ioas, obj);

		if (obj->type == IOMMUFD_OBJ_IOAS)
			rc = iopt_tally_pins(&ioas->iopt, tally);
		iommufd_unpeek_object(ictx, obj);
		id++;
	}
	return rc ?: iommufd_vfio_tally_pins(ictx, tally);
}

/**
 * iommufd_ctx_pin_stats() - what the mappings of a context hold pinned
 * @ictx: context
 * @stats: set to the pages pinned and charged, each counted once
 *
 * As IOMMU_PIN_STATS for the whole file.
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int iommufd_ctx_pin_stats(struct iommufd_ctx *ictx,
			  struct iommufd_pin_stats *stats)
{
	struct iommufd_pin_tally tally = {};
	int rc;

	rc = ioas_tally_all(ictx, &tally);
	if (rc) {
		iommufd_pin_tally_free(&tally);
		return rc;
	}
	iommufd_pin_tally_sum(&tally, stats);
	return 0;
}

int iommufd_pin_stats_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_pin_stats *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_pin_tally tally = {};
	struct iommufd_pin_stats stats;
	int rc;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;

	if (cmd->object_id)
		rc = ioas_tally(ictx, cmd->object_id, &tally);
	else
		rc = ioas_tally_all(ictx, &tally);
	if (rc) {
		iommufd_pin_tally_free(&tally);
		return rc;
	}
	iommufd_pin_tally_sum(&tally, &stats);
	cmd->out_pinned = stats.pinned << PAGE_SHIFT;
	cmd->out_charged = stats.charged << PAGE_SHIFT;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}
