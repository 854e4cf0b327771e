// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * EEH for the TCE backend: VFIO_EEH_PE_OP carried out on a partitionable
 * endpoint.
 *
 * EEH (Enhanced Error Handling) is how PowerPC platforms isolate a PE
 * after a PCI error: the PE is frozen (its MMIO reads return all ones, its
 * DMA is stopped) until its owner resets and thaws it. For a PE passed to
 * user space the owner is the user (QEMU relays the guest's RTAS calls),
 * and the platform's EEH core offers the operations by PE
 * (arch/powerpc/kernel/eeh.c). Each op of VFIO's uAPI is one of them with
 * one argument, so the ops are a table here. Built with CONFIG_EEH only;
 * vfio_spapr.c checks the request, vfio_compat.c finds the group.
 */
#include <linux/iommu.h>
#include <linux/vfio.h>
#include <asm/eeh.h>

#include "tce.h"

enum tce_eeh_call {
	TCE_EEH_OPTION,		/* eeh_pe_set_option(pe, arg) */
	TCE_EEH_STATE,		/* eeh_pe_get_state(pe) */
	TCE_EEH_RESET,		/* eeh_pe_reset(pe, arg, true) */
	TCE_EEH_CONFIGURE,	/* eeh_pe_configure(pe) */
	TCE_EEH_INJECT,		/* eeh_pe_inject_err(pe, op->err...) */
};

static const struct {
	u8 call;
	u8 arg;
} tce_eeh_ops[] = {
	[VFIO_EEH_PE_DISABLE]		= { TCE_EEH_OPTION, EEH_OPT_DISABLE },
	[VFIO_EEH_PE_ENABLE]		= { TCE_EEH_OPTION, EEH_OPT_ENABLE },
	[VFIO_EEH_PE_UNFREEZE_IO]	= { TCE_EEH_OPTION, EEH_OPT_THAW_MMIO },
	[VFIO_EEH_PE_UNFREEZE_DMA]	= { TCE_EEH_OPTION, EEH_OPT_THAW_DMA },
	[VFIO_EEH_PE_GET_STATE]		= { TCE_EEH_STATE },
	/* Resets include the PE's passed-through devices: they are ours. */
	[VFIO_EEH_PE_RESET_DEACTIVATE]	= { TCE_EEH_RESET, EEH_RESET_DEACTIVATE },
	[VFIO_EEH_PE_RESET_HOT]		= { TCE_EEH_RESET, EEH_RESET_HOT },
	[VFIO_EEH_PE_RESET_FUNDAMENTAL]	= { TCE_EEH_RESET, EEH_RESET_FUNDAMENTAL },
	[VFIO_EEH_PE_CONFIGURE]		= { TCE_EEH_CONFIGURE },
	[VFIO_EEH_PE_INJECT_ERR]	= { TCE_EEH_INJECT },
};

/* The backend's ->eeh_enabled(). */
bool tce_eeh_enabled(void)
{
	return eeh_enabled();
}

/* The backend's ->eeh_pe_op(); @op->op was checked by the caller. */
int tce_eeh_pe_op(struct iommu_group *group, const struct vfio_eeh_pe_op *op)
{
	struct eeh_pe *pe;
	int arg;

	if (WARN_ON(op->op >= ARRAY_SIZE(tce_eeh_ops)))
		return -EINVAL;
	pe = eeh_iommu_group_to_pe(group);
	if (!pe)
		return -ENODEV;
	arg = tce_eeh_ops[op->op].arg;
	switch (tce_eeh_ops[op->op].call) {
	case TCE_EEH_OPTION:
		return eeh_pe_set_option(pe, arg);
	case TCE_EEH_STATE:
		return eeh_pe_get_state(pe);
	case TCE_EEH_RESET:
		return eeh_pe_reset(pe, arg, true);
	case TCE_EEH_CONFIGURE:
		return eeh_pe_configure(pe);
	default:
		return eeh_pe_inject_err(pe, op->err.type, op->err.func,
					 op->err.addr, op->err.mask);
	}
}
