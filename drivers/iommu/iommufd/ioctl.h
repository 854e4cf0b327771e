/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * What an ioctl handler receives, and the handlers main.c dispatches to.
 *
 * main.c copies the user's structure into ucmd->cmd after checking it
 * against the uAPI rules (minimum size, zero tail beyond what this kernel
 * knows). A handler validates the fields, does its work and, if the command
 * has outputs, writes them back with iommufd_ucmd_respond(). Handlers are
 * called without locks held and return 0 or a negative errno.
 */
#ifndef __IOMMUFD_IOCTL_H
#define __IOMMUFD_IOCTL_H

#include <linux/types.h>

struct iommufd_ctx;

/**
 * struct iommufd_ucmd - one ioctl call being executed
 * @ictx: context of the file the ioctl was issued on
 * @ubuffer: the user's copy of the structure
 * @user_size: the size user space declared in the structure's first field
 * @cmd: the kernel's copy, zero-extended to the kernel's structure size
 */
struct iommufd_ucmd {
	struct iommufd_ctx *ictx;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t cmd_len);

struct iommu_iova_range;

/**
 * struct iommufd_uranges - IOVA ranges being written to a user array
 * @uranges: the array
 * @capacity: its number of entries
 * @count: ranges reported so far, written or not
 * @pending: @start and @last hold a range not written yet
 * @start: first IOVA of the pending range
 * @last: last IOVA of the pending range
 */
struct iommufd_uranges {
	struct iommu_iova_range __user *uranges;
	u32 capacity;
	u32 count;
	bool pending;
	unsigned long start;
	unsigned long last;
};

int iommufd_uranges_add(unsigned long start, unsigned long last,
			void *opaque);
int iommufd_uranges_flush(struct iommufd_uranges *out);

int iommufd_destroy(struct iommufd_ucmd *ucmd);
int iommufd_get_hw_info_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_device_attach_extra_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_device_detach_extra_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_fault_alloc_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_alloc_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_formats_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_invalidate_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_get_dirty_bitmap_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_set_dirty_tracking_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_allow_iovas_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_copy_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_iova_ranges_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_map_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_map_file_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_pin_stats_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_unmap_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_window_add_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_window_remove_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_window_caps_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_option_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_vfio_ioas_ioctl(struct iommufd_ucmd *ucmd);

#endif
