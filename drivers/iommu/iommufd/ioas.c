// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * IO address space objects and their ioctls. An IOAS is created empty;
 * mapping memory into it arrives with the IO page table layer.
 */
#include <uapi/linux/iommufd.h>

#include "ioas.h"
#include "ioctl.h"

void iommufd_ioas_destroy(struct iommufd_object *obj)
{
	/* Nothing is held by an IOAS yet; the memory is freed by object.c. */
}

int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;

	ioas = iommufd_object_alloc(ucmd->ictx, struct iommufd_ioas,
				    IOMMUFD_OBJ_IOAS);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	cmd->out_ioas_id = ioas->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iommufd_object_abort(ucmd->ictx, &ioas->obj);
		return rc;
	}
	iommufd_object_publish(ucmd->ictx, &ioas->obj);
	return 0;
}
