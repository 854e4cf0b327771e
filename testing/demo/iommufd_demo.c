// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * A guided tour of /dev/iommu for `make run`: each step says what it does,
 * does it, and shows what the kernel answered.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/iommufd.h>

static int step_no;

static void step(const char *what)
{
	printf("\n[%d] %s\n", ++step_no, what);
}

static void result(int rc, const char *detail)
{
	if (rc)
		printf("    -> failed: %s (%s)\n", strerror(errno), detail);
	else
		printf("    -> ok: %s\n", detail);
}

/* For steps meant to be refused: 0 if the kernel said @err. */
static int expect_refusal(int rc, int err, const char *detail)
{
	if (!rc || errno != err) {
		printf("    -> UNEXPECTED: %s\n", rc ? strerror(errno) : "success");
		return 1;
	}
	printf("    -> refused as expected with %s: %s\n", strerror(err), detail);
	return 0;
}

int main(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	char buf[128];
	int fd, rc;

	printf("iommufd demo: what /dev/iommu does, step by step\n");

	step("Open /dev/iommu. Each open is a private context that\n"
	     "    holds the objects we create.");
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0) {
		perror("    -> open /dev/iommu");
		return 1;
	}
	result(0, "got a file descriptor");

	step("Create an IO address space (IOMMU_IOAS_ALLOC). It starts\n"
	     "    empty: no device can reach any memory through it.");
	rc = ioctl(fd, IOMMU_IOAS_ALLOC, &alloc);
	snprintf(buf, sizeof(buf), "the IOAS has object ID %u", alloc.out_ioas_id);
	result(rc, buf);
	if (rc)
		return 1;

	step("Ask for an IOAS with an unknown flag: the kernel refuses\n"
	     "    input it does not understand.");
	alloc.flags = 1U << 31;
	rc = ioctl(fd, IOMMU_IOAS_ALLOC, &alloc);
	if (expect_refusal(rc, EOPNOTSUPP, "unknown flags"))
		return 1;

	step("Destroy the IOAS by its ID (IOMMU_DESTROY).");
	destroy.id = alloc.out_ioas_id;
	rc = ioctl(fd, IOMMU_DESTROY, &destroy);
	result(rc, "the IOAS is gone");
	if (rc)
		return 1;

	step("Destroy it again: the ID no longer names anything.");
	rc = ioctl(fd, IOMMU_DESTROY, &destroy);
	if (expect_refusal(rc, ENOENT, "a missing ID"))
		return 1;

	step("Close /dev/iommu: anything still alive in the context is\n"
	     "    destroyed with it.");
	result(close(fd), "closed");

	printf("\nNext in this tour, as the subsystem grows: mapping memory into the IOAS,\n"
	       "attaching QEMU's edu device through VFIO, and a DMA through VT-d.\n");
	return 0;
}
