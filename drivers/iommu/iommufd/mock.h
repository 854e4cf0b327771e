/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The mock backend's interface to the test command.
 */
#ifndef __IOMMUFD_MOCK_H
#define __IOMMUFD_MOCK_H

#include <linux/types.h>

struct device;
struct iommufd_backend_ops;
struct iommufd_domain;

extern const struct iommufd_backend_ops iommufd_mock_backend;

/*
 * The smallest IO page of a mock table is half a CPU page, so that the
 * core's handling of IO pages smaller than PAGE_SIZE is exercised; devices
 * made with MOCK_FLAGS_DEVICE_HUGE_IOVA also get 512 times that.
 */
#define MOCK_IO_PAGE_SIZE (PAGE_SIZE / 2)
#define MOCK_HUGE_PAGE_SIZE (512 * MOCK_IO_PAGE_SIZE)

struct device *iommufd_mock_dev_create(u32 dev_flags);
void iommufd_mock_dev_destroy(struct device *dev);

int iommufd_mock_translate(struct iommufd_domain *domain, unsigned long iova,
			   phys_addr_t *paddr);
int iommufd_mock_mark_dirty(struct iommufd_domain *domain, unsigned long iova);
int iommufd_mock_dev_translate(struct device *dev, unsigned long iova,
			       phys_addr_t *paddr);

int iommufd_mock_check_iotlb(struct iommufd_domain *domain, u32 slot,
			     u32 want);
int iommufd_mock_trigger_iopf(struct device *dev, u32 pasid, u32 grpid,
			      u32 perm, u64 addr, bool last);

/* Between mock.c and mock_nested.c. */
struct iommu_user_data;
struct iommu_user_data_array;
struct iommufd_hwdev;
struct iommufd_domain *mock_nested_alloc(struct iommufd_hwdev *hwdev,
					 struct iommufd_domain *parent,
					 u32 flags,
					 const struct iommu_user_data *user_data);
void mock_nested_free(struct iommufd_domain *domain);
struct iommufd_domain *mock_nested_parent(struct iommufd_domain *domain);
unsigned long mock_nested_stage1(struct iommufd_domain *domain,
				 unsigned long iova);
int mock_nested_invalidate(struct iommufd_domain *domain,
			   struct iommu_user_data_array *array);
struct iommu_fault_page_request;
struct iommufd_fault_group;
int mock_fault_raise(struct iommufd_hwdev *hwdev, struct iommufd_domain *domain,
		     const struct iommu_fault_page_request *reqs, u32 nr);
void mock_fault_respond(struct iommufd_fault_group *grp, u32 code);

int iommufd_mock_init(void);
void iommufd_mock_exit(void);

#endif
