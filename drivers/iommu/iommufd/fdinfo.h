/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
#ifndef __IOMMUFD_FDINFO_H
#define __IOMMUFD_FDINFO_H

struct file;
struct seq_file;

void iommufd_show_fdinfo(struct seq_file *m, struct file *file);

#endif
