// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * What /proc/PID/fdinfo/FD shows of a /dev/iommu file, for the people who
 * run the host: which objects the file has, by type, how much memory its
 * mappings hold pinned, how much of that is charged to RLIMIT_MEMLOCK and
 * to what (the user, or the process). One "key:\tvalue" line each, sizes
 * in KiB, in the style of other subsystems' fdinfo (DRM's drm-memory-*
 * keys); Documentation/userspace-api/iommufd.rst lists the keys.
 *
 * It takes the locks an IOMMU_PIN_STATS of the whole file takes, each
 * only as long as it takes to read one IOAS, and none across lines.
 */
#include <linux/seq_file.h>

#include "fdinfo.h"
#include "ioas.h"
#include "object.h"

/**
 * iommufd_show_fdinfo() - the fdinfo lines of a /dev/iommu file
 * @m: where to print them
 * @file: the file
 */
void iommufd_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct iommufd_ctx *ictx = file->private_data;
	unsigned int counts[IOMMUFD_OBJ_MAX];
	struct iommufd_pin_stats stats;
	enum iommufd_object_type type;

	/* Names the file's view in /sys/kernel/debug/iommufd/ (debugfs.c). */
	seq_printf(m, "iommufd-id:\t%u\n", ictx->debug_id);
	iommufd_object_count(ictx, counts);
	for (type = IOMMUFD_OBJ_NONE + 1; type < IOMMUFD_OBJ_MAX; type++)
		seq_printf(m, "iommufd-objects-%s:\t%u\n",
			   iommufd_object_type_name(type), counts[type]);
	/* Out of memory: the lines are left out rather than made up. */
	if (!iommufd_ctx_pin_stats(ictx, &stats)) {
		seq_printf(m, "iommufd-pinned:\t%llu KiB\n",
			   stats.pinned << (PAGE_SHIFT - 10));
		seq_printf(m, "iommufd-charged:\t%llu KiB\n",
			   stats.charged << (PAGE_SHIFT - 10));
	}
	seq_printf(m, "iommufd-charged-to:\t%s\n",
		   READ_ONCE(ictx->account_mode) == IOMMUFD_ACCOUNT_MM ?
		   "process" : "user");
}
