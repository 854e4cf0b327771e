// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/* ioctl wrappers for the /dev/iommu selftests; see iommufd_util.h. */
#include <assert.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/vfio.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iommufd_util.h"

int iommufd_ioctl(int fd, unsigned long cmd, void *arg)
{
	if (ioctl(fd, cmd, arg))
		return errno;
	return 0;
}

int iommufd_open(void)
{
	return open(IOMMUFD_DEV, O_RDWR);
}

int __ioas_alloc_flags(int fd, uint32_t flags, uint32_t *ioas_id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd), .flags = flags };
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);
	if (!rc)
		*ioas_id = cmd.out_ioas_id;
	return rc;
}

int __ioas_alloc(int fd, uint32_t *ioas_id)
{
	return __ioas_alloc_flags(fd, 0, ioas_id);
}

int __iommufd_destroy(int fd, uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return iommufd_ioctl(fd, IOMMU_DESTROY, &cmd);
}

int __ioas_map(int fd, uint32_t ioas_id, void *buf, uint64_t length,
	       uint64_t *iova, uint32_t flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)buf,
		.length = length,
		.iova = *iova,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_IOAS_MAP, &cmd);
	if (!rc)
		*iova = cmd.iova;
	return rc;
}

int __ioas_map_file(int fd, uint32_t ioas_id, int mfd, uint64_t start,
		    uint64_t length, uint64_t *iova, uint32_t flags)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas_id,
		.fd = mfd,
		.start = start,
		.length = length,
		.iova = *iova,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_IOAS_MAP_FILE, &cmd);
	if (!rc)
		*iova = cmd.iova;
	return rc;
}

int __ioas_unmap(int fd, uint32_t ioas_id, uint64_t iova, uint64_t length,
		 uint64_t *unmapped)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = length,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);
	if (!rc && unmapped)
		*unmapped = cmd.length;
	return rc;
}

int __ioas_copy(int fd, uint32_t dst_ioas, uint64_t *dst_iova,
		uint32_t src_ioas, uint64_t src_iova, uint64_t length,
		uint32_t flags)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dst_ioas_id = dst_ioas,
		.src_ioas_id = src_ioas,
		.length = length,
		.dst_iova = *dst_iova,
		.src_iova = src_iova,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_IOAS_COPY, &cmd);
	if (!rc)
		*dst_iova = cmd.dst_iova;
	return rc;
}

int __ioas_iova_ranges(int fd, uint32_t ioas_id,
		       struct iommu_iova_range *ranges, uint32_t *num,
		       uint64_t *alignment)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = *num,
		.allowed_iovas = (uintptr_t)ranges,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd);
	*num = cmd.num_iovas;
	if (alignment)
		*alignment = cmd.out_iova_alignment;
	return rc;
}

int __ioas_allow_iovas(int fd, uint32_t ioas_id,
		       const struct iommu_iova_range *ranges, uint32_t num)
{
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = num,
		.allowed_iovas = (uintptr_t)ranges,
	};

	return iommufd_ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd);
}

int __iommufd_option(int fd, uint32_t option, uint16_t op, uint32_t object,
		     uint64_t *val)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = option,
		.op = op,
		.object_id = object,
		.val64 = *val,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_OPTION, &cmd);
	if (!rc)
		*val = cmd.val64;
	return rc;
}

int __ioas_window_add(int fd, struct iommu_ioas_window_add *cmd)
{
	cmd->size = sizeof(*cmd);
	return iommufd_ioctl(fd, IOMMU_IOAS_WINDOW_ADD, cmd);
}

int __ioas_window_remove(int fd, uint32_t ioas_id, uint64_t iova)
{
	struct iommu_ioas_window_remove cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
	};

	return iommufd_ioctl(fd, IOMMU_IOAS_WINDOW_REMOVE, &cmd);
}

int __window_caps(int fd, uint32_t object_id, struct iommu_window_caps *cmd)
{
	cmd->size = sizeof(*cmd);
	cmd->object_id = object_id;
	return iommufd_ioctl(fd, IOMMU_WINDOW_CAPS, cmd);
}

int __device_attach_extra(int fd, uint32_t dev_id, uint32_t *pt_id)
{
	struct iommu_device_extra cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.pt_id = *pt_id,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_DEVICE_ATTACH_EXTRA, &cmd);
	if (!rc)
		*pt_id = cmd.pt_id;
	return rc;
}

int __device_detach_extra(int fd, uint32_t dev_id, uint32_t pt_id)
{
	struct iommu_device_extra cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.pt_id = pt_id,
	};

	return iommufd_ioctl(fd, IOMMU_DEVICE_DETACH_EXTRA, &cmd);
}

int __hwpt_alloc(int fd, uint32_t dev_id, uint32_t pt_id, uint32_t flags,
		 uint32_t *hwpt_id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
		.data_type = IOMMU_HWPT_DATA_NONE,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);
	if (!rc && hwpt_id)
		*hwpt_id = cmd.out_hwpt_id;
	return rc;
}

int __hwpt_alloc_data(int fd, uint32_t dev_id, uint32_t pt_id,
		      uint32_t flags, uint32_t data_type, const void *data,
		      uint32_t data_len, uint32_t fault_id, uint32_t *hwpt_id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
		.data_type = data_type,
		.data_len = data_len,
		.data_uptr = (uintptr_t)data,
		.fault_id = fault_id,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);
	if (!rc && hwpt_id)
		*hwpt_id = cmd.out_hwpt_id;
	return rc;
}

int __hwpt_nested(int fd, uint32_t dev_id, uint32_t parent, uint32_t iotlb,
		  uint32_t *hwpt_id)
{
	struct iommu_hwpt_selftest data = { .iotlb = iotlb };

	return __hwpt_alloc_data(fd, dev_id, parent, 0,
				 IOMMU_HWPT_DATA_SELFTEST, &data, sizeof(data),
				 0, hwpt_id);
}

int __hwpt_invalidate(int fd, uint32_t hwpt_id, uint32_t data_type,
		      const void *entries, uint32_t entry_len,
		      uint32_t *entry_num)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt_id,
		.data_uptr = (uintptr_t)entries,
		.data_type = data_type,
		.entry_len = entry_len,
		.entry_num = *entry_num,
	};
	int rc;

	/* The count comes back on every path, the errors included. */
	rc = iommufd_ioctl(fd, IOMMU_HWPT_INVALIDATE, &cmd);
	*entry_num = cmd.entry_num;
	return rc;
}

int __fault_queue_alloc(int fd, uint32_t flags, uint32_t *fault_id,
			int *fault_fd)
{
	struct iommu_fault_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &cmd);
	if (!rc) {
		*fault_id = cmd.out_fault_id;
		*fault_fd = cmd.out_fault_fd;
	}
	return rc;
}

int __hwpt_formats(int fd, const uint32_t *dev_ids, uint32_t num_devs,
		   struct iommu_hwpt_format *formats, uint32_t *num,
		   uint32_t *caps)
{
	struct iommu_hwpt_formats cmd = {
		.size = sizeof(cmd),
		.num_devs = num_devs,
		.num_formats = *num,
		.dev_ids = (uintptr_t)dev_ids,
		.formats = (uintptr_t)formats,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_HWPT_FORMATS, &cmd);
	if (!rc || rc == EMSGSIZE) {
		*num = cmd.num_formats;
		if (caps)
			*caps = cmd.out_caps;
	}
	return rc;
}

int __get_hw_info(int fd, uint32_t dev_id, void *data, uint32_t *len,
		  uint32_t *type)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.data_len = *len,
		.data_uptr = (uintptr_t)data,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &cmd);
	if (rc)
		return rc;
	*len = cmd.data_len;
	if (type)
		*type = cmd.out_data_type;
	return 0;
}

int __get_hw_caps(int fd, uint32_t dev_id, uint64_t *caps)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &cmd);
	if (!rc)
		*caps = cmd.out_capabilities;
	return rc;
}

int __set_dirty_tracking(int fd, uint32_t hwpt_id, bool enable)
{
	struct iommu_hwpt_set_dirty_tracking cmd = {
		.size = sizeof(cmd),
		.flags = enable ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
		.hwpt_id = hwpt_id,
	};

	return iommufd_ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd);
}

int __get_dirty_bitmap(int fd, uint32_t hwpt_id, uint64_t iova,
		       uint64_t length, uint64_t page_size, uint64_t *bitmap,
		       uint32_t flags)
{
	/* Which table and how; into what, how fine; over which range. */
	struct iommu_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt_id,
		.flags = flags,
		.data = (uintptr_t)bitmap,
		.page_size = page_size,
		.iova = iova,
		.length = length,
	};

	return iommufd_ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd);
}

int __vfio_ioas(int fd, uint16_t op, uint32_t *ioas_id)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd),
		.ioas_id = *ioas_id,
		.op = op,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_VFIO_IOAS, &cmd);
	if (!rc)
		*ioas_id = cmd.ioas_id;
	return rc;
}

int __vfio_map_dma(int fd, void *buf, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_map cmd = {
		.argsz = sizeof(cmd),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = size,
	};

	return iommufd_ioctl(fd, VFIO_IOMMU_MAP_DMA, &cmd);
}

int __spapr_tce_create(int fd, uint32_t flags, uint32_t page_shift,
		       uint64_t size, uint64_t *start)
{
	struct vfio_iommu_spapr_tce_create cmd = {
		.argsz = sizeof(cmd),
		.flags = flags,
		.page_shift = page_shift,
		.window_size = size,
		.levels = 1,
	};
	int rc = iommufd_ioctl(fd, VFIO_IOMMU_SPAPR_TCE_CREATE, &cmd);

	if (!rc)
		*start = cmd.start_addr;
	return rc;
}

int __spapr_tce_remove(int fd, uint64_t start)
{
	struct vfio_iommu_spapr_tce_remove cmd = {
		.argsz = sizeof(cmd),
		.start_addr = start,
	};

	return iommufd_ioctl(fd, VFIO_IOMMU_SPAPR_TCE_REMOVE, &cmd);
}

int __spapr_memory(int fd, unsigned long cmd, uint32_t flags,
		   const void *buf, uint64_t size)
{
	struct vfio_iommu_spapr_register_memory reg = {
		.argsz = sizeof(reg),
		.flags = flags,
		.vaddr = (uintptr_t)buf,
		.size = size,
	};

	return iommufd_ioctl(fd, cmd, &reg);
}

int __mock_domain_flags(int fd, uint32_t pt_id, uint32_t dev_flags,
			uint32_t *stdev_id, uint32_t *hwpt_id,
			uint32_t *idev_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.id = pt_id,
		.mock_domain_flags = { .dev_flags = dev_flags },
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (rc)
		return rc;
	if (stdev_id)
		*stdev_id = cmd.mock_domain_flags.out_stdev_id;
	if (hwpt_id)
		*hwpt_id = cmd.mock_domain_flags.out_hwpt_id;
	if (idev_id)
		*idev_id = cmd.mock_domain_flags.out_idev_id;
	return 0;
}

int __mock_domain(int fd, uint32_t pt_id, uint32_t *stdev_id,
		  uint32_t *hwpt_id, uint32_t *idev_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = pt_id,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (rc)
		return rc;
	if (stdev_id)
		*stdev_id = cmd.mock_domain.out_stdev_id;
	if (hwpt_id)
		*hwpt_id = cmd.mock_domain.out_hwpt_id;
	if (idev_id)
		*idev_id = cmd.mock_domain.out_idev_id;
	return 0;
}

int __mock_domain_replace(int fd, uint32_t stdev_id, uint32_t *pt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = stdev_id,
		.mock_domain_replace = { .pt_id = *pt_id },
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (!rc)
		*pt_id = cmd.mock_domain_replace.pt_id;
	return rc;
}

int __ioas_validate(int fd, uint32_t ioas_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_IOAS_VALIDATE,
		.id = ioas_id,
	};

	return iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

int __md_check_map(int fd, uint32_t hwpt_id, uint64_t iova, const void *buf,
		   uint64_t length)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.id = hwpt_id,
		.check_map = {
			.iova = iova,
			.length = length,
			.uptr = (uintptr_t)buf,
		},
	};

	return iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

int __mock_dirty(int fd, uint32_t hwpt_id, uint64_t iova, uint64_t length,
		 uint64_t page_size, const uint64_t *bitmap, uint64_t *nr)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DIRTY,
		.id = hwpt_id,
	};
	int rc;

	/* The bitmap, laid out as for __get_dirty_bitmap(), and its range. */
	cmd.dirty.uptr = (uintptr_t)bitmap;
	cmd.dirty.page_size = page_size;
	cmd.dirty.iova = iova;
	cmd.dirty.length = length;
	rc = iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (!rc && nr)
		*nr = cmd.dirty.out_nr_dirty;
	return rc;
}

int __md_check_iotlb(int fd, uint32_t hwpt_id, uint32_t slot,
		     uint32_t value)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_IOTLB,
		.id = hwpt_id,
		.check_iotlb = { .id = slot, .iotlb = value },
	};

	return iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

static int trigger_iopf_op(int fd, uint32_t op, uint32_t dev_id,
			   uint32_t pasid, uint32_t grpid, uint32_t perm,
			   uint64_t addr)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = op,
		.trigger_iopf = {
			.dev_id = dev_id,
			.pasid = pasid,
			.grpid = grpid,
			.perm = perm,
			.addr = addr,
		},
	};

	return iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

int __trigger_iopf(int fd, uint32_t dev_id, uint32_t pasid, uint32_t grpid,
		   uint32_t perm, uint64_t addr)
{
	return trigger_iopf_op(fd, IOMMU_TEST_OP_TRIGGER_IOPF, dev_id, pasid,
			       grpid, perm, addr);
}

int __trigger_iopf_partial(int fd, uint32_t dev_id, uint32_t pasid,
			   uint32_t grpid, uint32_t perm, uint64_t addr)
{
	return trigger_iopf_op(fd, IOMMU_TEST_OP_TRIGGER_IOPF_PARTIAL, dev_id,
			       pasid, grpid, perm, addr);
}

int __md_check_refs(int fd, const void *buf, uint64_t length,
		    unsigned int refs)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = {
			.length = length,
			.uptr = (uintptr_t)buf,
			.refs = refs,
		},
	};

	return iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

int __access_create(int fd, uint32_t ioas_id, uint32_t flags, int *access_fd)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_CREATE_ACCESS,
		.id = ioas_id,
		.create_access = { .flags = flags },
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (!rc)
		*access_fd = cmd.create_access.out_access_fd;
	return rc;
}

int __access_pages(int fd, int access_fd, uint64_t iova, uint64_t length,
		   const void *buf, uint32_t flags, uint32_t *pin_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_ACCESS_PAGES,
		.id = access_fd,
		.access_pages = {
			.flags = flags,
			.iova = iova,
			.length = length,
			.uptr = (uintptr_t)buf,
		},
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (!rc && pin_id)
		*pin_id = cmd.access_pages.out_access_pages_id;
	return rc;
}

int __access_unpin(int fd, int access_fd, uint32_t pin_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DESTROY_ACCESS_PAGES,
		.id = access_fd,
		.destroy_access_pages = { .access_pages_id = pin_id },
	};

	return iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

int __access_rw(int fd, int access_fd, uint64_t iova, void *buf,
		uint64_t length, uint32_t flags)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_ACCESS_RW,
		.id = access_fd,
		.access_rw = {
			.iova = iova,
			.length = length,
			.uptr = (uintptr_t)buf,
			.flags = flags,
		},
	};

	return iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

int __access_replace_ioas(int fd, int access_fd, uint32_t ioas_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_ACCESS_REPLACE_IOAS,
		.id = access_fd,
		.access_replace_ioas = { .ioas_id = ioas_id },
	};

	return iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

int __add_reserved(int fd, uint32_t ioas_id, uint64_t start, uint64_t length)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_ADD_RESERVED,
		.id = ioas_id,
		.add_reserved = { .start = start, .length = length },
	};

	return iommufd_ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

long proc_status_kb(const char *field)
{
	size_t flen = strlen(field);
	char line[256];
	long val = -1;
	FILE *f;

	f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			val = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

bool platform_eeh_on(void)
{
	FILE *f = fopen("/proc/powerpc/eeh", "r");
	char line[128];
	bool on;

	if (!f)
		return false;
	/* "EEH Subsystem is globally disabled" or "... is enabled" */
	on = fgets(line, sizeof(line), f) && !strstr(line, "disabled");
	fclose(f);
	return on;
}

int __debugfs_view_id(long id, char *buf, size_t len)
{
	char path[96];
	ssize_t n;
	int rc, f;

	/* Mounted here if the machine did not (root only). */
	if (access("/sys/kernel/debug/iommufd", F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access("/sys/kernel/debug/iommufd", F_OK))
		return errno;
	snprintf(path, sizeof(path), "/sys/kernel/debug/iommufd/%ld", id);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return errno;
	n = read(f, buf, len - 1);
	rc = n < 0 ? errno : (size_t)n == len - 1 ? EFBIG : 0;
	close(f);
	buf[n < 0 ? 0 : n] = 0;
	return rc;
}

int __debugfs_view(int fd, char *buf, size_t len)
{
	char id[32];
	int rc;

	rc = __fdinfo(fd, "iommufd-id", id, sizeof(id));
	if (rc)
		return rc;
	return __debugfs_view_id(strtol(id, NULL, 10), buf, len);
}

int __fdinfo(int fd, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);
	char path[64], line[256];
	int rc = ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		snprintf(val, len, "%s", line + klen + 1 +
			 strspn(line + klen + 1, " \t"));
		val[strcspn(val, "\n")] = 0;
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

int drop_capability(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[cap / 32].effective &= ~(1U << (cap % 32));
	data[cap / 32].permitted &= ~(1U << (cap % 32));
	data[cap / 32].inheritable &= ~(1U << (cap % 32));
	return syscall(SYS_capset, &hdr, data);
}

int __pin_stats(int fd, uint32_t object_id, uint64_t *pinned,
		uint64_t *charged)
{
	struct iommu_pin_stats cmd = {
		.size = sizeof(cmd),
		.object_id = object_id,
	};
	int rc;

	rc = iommufd_ioctl(fd, IOMMU_PIN_STATS, &cmd);
	if (!rc) {
		*pinned = cmd.out_pinned;
		*charged = cmd.out_charged;
	}
	return rc;
}

bool mock_present(void)
{
	return !access(IOMMUFD_MOCK_SYSFS, F_OK);
}

bool mock_expected(void)
{
	const char *want = getenv("IOMMUFD_EXPECT_MOCK");

	return want && !strcmp(want, "1");
}

int fail_nth_open(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth",
		 (int)syscall(SYS_gettid));
	return open(path, O_RDWR);
}

/*
 * Nothing between arming and the call under test may allocate: these only
 * format into the stack and issue one pwrite() or pread().
 */
int fail_nth_set(int nth_fd, unsigned int n)
{
	char num[16];
	int len;

	len = snprintf(num, sizeof(num), "%u", n);
	if (pwrite(nth_fd, num, len, 0) != len)
		return errno ? errno : EIO;
	return 0;
}

int fail_nth_get(int nth_fd, unsigned int *n)
{
	char num[16];
	ssize_t len;

	len = pread(nth_fd, num, sizeof(num) - 1, 0);
	if (len <= 0)
		return len ? errno : EIO;
	num[len] = 0;
	*n = strtoul(num, NULL, 10);
	return 0;
}

/* The knobs that make fail-nth reach sleeping and order-0 allocations. */
static const struct {
	const char *file;
	const char *val;
} knobs[] = {
	{ "failslab/ignore-gfp-wait", "N" },
	{ "failslab/verbose", "0" },
	{ "fail_page_alloc/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/ignore-gfp-highmem", "N" },
	{ "fail_page_alloc/min-order", "0" },
	{ "fail_page_alloc/verbose", "0" },
};

static_assert(ARRAY_SIZE(knobs) == INJECT_NR_KNOBS, "INJECT_NR_KNOBS");

/* The stack trace filter's knobs, by attribute, failslab's first. */
static const char *const filter_attrs[] = { "failslab", "fail_page_alloc" };
static const char *const filter_knobs[] = {
	"reject-start", "reject-end", "stacktrace-depth",
};

static_assert(ARRAY_SIZE(filter_attrs) * ARRAY_SIZE(filter_knobs) ==
	       INJECT_NR_FILTER_KNOBS, "INJECT_NR_FILTER_KNOBS");

int knob_rw(const char *file, char *val, size_t len, bool wr)
{
	char path[128];
	ssize_t n;
	int fd, rc;

	snprintf(path, sizeof(path), INJECT_DEBUGFS "/%s", file);
	fd = open(path, wr ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		return errno;
	if (wr) {
		n = write(fd, val, strlen(val));
	} else {
		n = read(fd, val, len - 1);
		if (n >= 0) {
			val[n] = 0;
			val[strcspn(val, "\n")] = 0;
		}
	}
	rc = n < 0 ? errno : 0;
	close(fd);
	return rc;
}

int inject_setup(struct inject_cfg *cfg)
{
	unsigned int i;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->nth_fd = fail_nth_open();
	if (cfg->nth_fd < 0)
		goto no_inject;
	if (access(INJECT_DEBUGFS "/failslab", F_OK)) {
		if (mount("debugfs", INJECT_DEBUGFS, "debugfs", 0, NULL))
			goto no_inject;
		cfg->mounted = true;
		if (access(INJECT_DEBUGFS "/failslab", F_OK))
			goto no_inject;
	}
	for (i = 0; i != ARRAY_SIZE(knobs); i++) {
		rc = knob_rw(knobs[i].file, cfg->saved[i],
			     sizeof(cfg->saved[i]), false);
		if (rc) {
			cfg->saved[i][0] = 0;
			/* fail_page_alloc is optional; failslab is not. */
			if (!strncmp(knobs[i].file, "failslab/", 9))
				goto err_restore;
			continue;
		}
		rc = knob_rw(knobs[i].file, (char *)knobs[i].val, 0, true);
		if (rc)
			goto err_restore;
	}
	return 0;

err_restore:
	inject_restore(cfg);
	return rc;

no_inject:
	inject_restore(cfg);
	rc = EOPNOTSUPP;
	return rc;
}

void inject_restore(struct inject_cfg *cfg)
{
	unsigned int i;

	if (cfg->nth_fd < 0)
		return;
	fail_nth_set(cfg->nth_fd, 0);
	close(cfg->nth_fd);
	cfg->nth_fd = -1;
	inject_reject_range(cfg, 0, 0);
	for (i = 0; i != ARRAY_SIZE(knobs); i++)
		if (cfg->saved[i][0])
			knob_rw(knobs[i].file, cfg->saved[i], 0, true);
	if (cfg->mounted)
		umount(INJECT_DEBUGFS);
	cfg->mounted = false;
}

/* The debugfs file of filter knob @i; returns the attribute's index. */
static unsigned int filter_knob_file(unsigned int i, char *file, size_t size)
{
	unsigned int a = i / ARRAY_SIZE(filter_knobs);

	snprintf(file, size, "%s/%s", filter_attrs[a],
		 filter_knobs[i % ARRAY_SIZE(filter_knobs)]);
	return a;
}

int inject_reject_range(struct inject_cfg *cfg, uint64_t start, uint64_t end)
{
	char file[64], val[3][INJECT_KNOB_LEN];
	unsigned int a, i;
	int rc = 0, err;

	/* Put back what the filter was. */
	if (start == end) {
		if (!cfg->filter_set)
			return 0;
		for (i = 0; i != INJECT_NR_FILTER_KNOBS; i++) {
			if (!cfg->filter_saved[i][0])
				continue;
			filter_knob_file(i, file, sizeof(file));
			err = knob_rw(file, cfg->filter_saved[i], 0, true);
			if (err && !rc)
				rc = err;
		}
		cfg->filter_set = false;
		return rc;
	}

	if (!cfg->filter_set) {
		memset(cfg->filter_saved, 0, sizeof(cfg->filter_saved));
		for (i = 0; i != INJECT_NR_FILTER_KNOBS; i++) {
			a = filter_knob_file(i, file, sizeof(file));
			rc = knob_rw(file, cfg->filter_saved[i],
				     sizeof(cfg->filter_saved[i]), false);
			if (!rc)
				continue;
			cfg->filter_saved[i][0] = 0;
			/* fail_page_alloc is optional; the filter is not. */
			if (rc == ENOENT && a)
				continue;
			return rc == ENOENT ? EOPNOTSUPP : rc;
		}
		cfg->filter_set = true;
	}

	snprintf(val[0], sizeof(val[0]), "%#llx", (unsigned long long)start);
	snprintf(val[1], sizeof(val[1]), "%#llx", (unsigned long long)end);
	/* The deepest the kernel looks (MAX_STACK_TRACE_DEPTH). */
	snprintf(val[2], sizeof(val[2]), "%u", 32);
	for (i = 0; i != INJECT_NR_FILTER_KNOBS; i++) {
		if (!cfg->filter_saved[i][0])
			continue;
		filter_knob_file(i, file, sizeof(file));
		rc = knob_rw(file, val[i % ARRAY_SIZE(filter_knobs)], 0, true);
		if (rc) {
			inject_reject_range(cfg, 0, 0);
			return rc;
		}
	}
	return 0;
}

/* Is kallsyms type @type that of a text symbol? */
static bool kallsyms_is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

int kallsyms_text_range(const char *name, uint64_t *start, uint64_t *end)
{
	unsigned long long addr, next = 0;
	char line[512], sym[256], type;
	bool found = false;
	int rc = 0;
	FILE *f;

	*start = 0;
	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) != 3 ||
		    !kallsyms_is_text(type) || strcmp(sym, name))
			continue;
		*start = addr;
		found = true;
		break;
	}
	if (found) {
		rewind(f);
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%llx %c", &addr, &type) != 2 ||
			    !kallsyms_is_text(type) || addr <= *start)
				continue;
			if (!next || addr < next)
				next = addr;
		}
	}
	fclose(f);
	if (found && !*start)
		rc = EPERM;
	else if (!found || !next)
		rc = ENOENT;
	else
		*end = next;
	return rc;
}

int iova_layout_read(int fd, uint32_t ioas_id, struct iova_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->num = IOVA_LAYOUT_MAX;
	return __ioas_iova_ranges(fd, ioas_id, l->ranges, &l->num, &l->align);
}

bool iova_layout_equal(const struct iova_layout *a,
		       const struct iova_layout *b)
{
	uint32_t i;

	if (a->num != b->num || a->align != b->align)
		return false;
	for (i = 0; i != a->num && i != IOVA_LAYOUT_MAX; i++)
		if (a->ranges[i].start != b->ranges[i].start ||
		    a->ranges[i].last != b->ranges[i].last)
			return false;
	return true;
}

long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long val = -1;

	if (f) {
		if (fscanf(f, "%ld", &val) != 1)
			val = -1;
		fclose(f);
	}
	return val;
}

void write_long(const char *path, long val)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fprintf(f, "%ld\n", val);
		fclose(f);
	}
}

int memfd_filled(size_t size, unsigned int flags)
{
	char *p;
	int mfd;

	mfd = memfd_create("iommufd_selftest", flags);
	if (mfd < 0)
		return -1;
	if (ftruncate(mfd, size))
		goto err;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (p == MAP_FAILED)
		goto err;
	memset(p, 0x5a, size);
	munmap(p, size);
	return mfd;
err:
	close(mfd);
	return -1;
}
