/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Driving QEMU's "edu" PCI device from user space through VFIO.
 *
 * edu has a 4 KiB buffer at device address 0x40000 and a DMA engine that
 * copies between that buffer and a bus address: behind an IOMMU, an IOVA.
 * This library finds the device in sysfs, hands it to vfio-pci, opens its
 * VFIO cdev, maps its registers and runs transfers; it also finds the
 * report of a refused transfer in the kernel log. It knows nothing of the
 * kselftest harness: the tests and the demo both use it, and make their
 * own decisions about what a failure means.
 *
 * Conventions: functions named after a VFIO ioctl return 0 or the errno
 * the ioctl failed with (positive, like the __ functions of
 * iommufd_util.h); the others return 0 or a negative errno, unless they
 * say otherwise.
 *
 * Care: QEMU 7.2's edu stops the whole machine (hw_error()) on a transfer
 * of no bytes or one that does not end strictly inside its buffer.
 * __edu_dma() refuses those without touching the device; nothing else in
 * here starts a transfer.
 */
#ifndef __EDU_H
#define __EDU_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8

/* BAR0 registers. Below 0x80 only 32-bit accesses work, from 0x80 also 64. */
#define EDU_REG_ID		0x00	/* 0xMMmm00ed: major, minor, magic */
#define EDU_REG_LIVENESS	0x04	/* reads back the complement */
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60	/* ORs the value into IRQ_STATUS */
#define EDU_REG_IRQ_ACK		0x64	/* clears the value's bits */
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_REGS_END		0xa0

#define EDU_ID_MAGIC		0xed

/* EDU_REG_DMA_CMD */
#define EDU_DMA_RUN		0x1	/* start; reads 1 until done */
#define EDU_DMA_TO_RAM		0x2	/* buffer -> bus address, or back */
#define EDU_DMA_IRQ		0x4	/* raise EDU_IRQ_DMA when done */

/* EDU_REG_IRQ_STATUS: a finished transfer sets EDU_IRQ_DMA; ours to raise */
#define EDU_IRQ_DMA		0x100
#define EDU_IRQ_TEST		0x10000

/* The device's buffer, in its own address space. */
#define EDU_BUF_ADDR		0x40000ULL
#define EDU_BUF_SIZE		4096ULL
/*
 * edu keeps only these bits of a bus address: its default dma_mask, or on
 * the pSeries machine all 64, which boot.sh asks for (dma_mask=) so that
 * edu reaches the dynamic DMA window at 1 << 59.
 */
#if defined(__PPC64__)
#define EDU_DMA_MASK		(~0ULL)
#else
#define EDU_DMA_MASK		((1ULL << 28) - 1)
#endif

/* QEMU runs a transfer 100 ms (virtual clock) after it was started. */
#define EDU_DMA_TIMEOUT_MS	2000
/* How long edu_kmsg_find_fault() waits for the IOMMU driver's message. */
#define EDU_FAULT_LOG_TIMEOUT_MS 3000

/*
 * The IOMMU driver whose fault messages edu_kmsg_find_fault() recognises;
 * "" where it knows none.
 */
#if defined(__x86_64__)
#define EDU_FAULT_LOG_SOURCE	"intel-iommu"
#elif defined(__aarch64__)
#define EDU_FAULT_LOG_SOURCE	"arm-smmu-v3"
#else
#define EDU_FAULT_LOG_SOURCE	""
#endif

#define EDU_PCI_DEVICES		"/sys/bus/pci/devices"
#define EDU_VFIO_PCI_DRIVER	"/sys/bus/pci/drivers/vfio-pci"

/* Reasons, shared by the users, why edu cannot be driven here. */
#define EDU_NO_CDEV_MSG		"edu has no VFIO cdev (CONFIG_VFIO_DEVICE_CDEV)"
#define EDU_NO_BACKEND_MSG	"no iommufd backend drives edu's IOMMU (ENODEV)"
#define EDU_NO_ISOLATION_MSG "the platform does not isolate edu's MSIs (EPERM)"

/* Where edu is. */
#define EDU_BDF_LEN 32

struct edu_sys {
	char bdf[EDU_BDF_LEN];	/* e.g. 0000:00:03.0 */
	char cdev[PATH_MAX];	/* /dev/vfio/devices/vfioN, "" without one */
	char group[PATH_MAX];	/* /dev/vfio/N */
};

/*
 * An open edu. Before edu_init() set @fd to the VFIO device (or -1) and
 * @bar to MAP_FAILED, so that edu_close() is always safe.
 */
struct edu_dev {
	int fd;			/* the VFIO device */
	uint8_t *bar;		/* BAR0, mmapped */
	size_t bar_size;
	uint64_t cfg_offset;	/* of the config space region in fd */
	bool swap;		/* registers are of the other byte order */
};

/* CLOCK_MONOTONIC in ms, and a sleep that survives signals. */
uint64_t edu_now_ms(void);
void edu_sleep_ms(uint64_t ms);

/* Does the machine say edu must work (IOMMUFD_EXPECT_EDU=1)? */
bool edu_expected(void);

/*
 * Why binding edu to iommufd failed with errno @err, if it is a failure
 * of the platform rather than of the code (one of the messages above);
 * NULL otherwise.
 */
const char *edu_bind_skip_reason(int err);

/* Read a sysfs file holding a hexadecimal number. */
int edu_sysfs_read_hex(const char *path, unsigned long *val);

/*
 * Find an edu alone in its IOMMU group, bind it to vfio-pci if it is not
 * yet, and fill in @sys; returns NULL, or a sentence telling why edu
 * cannot be used. @sys->cdev stays "" if the device has no VFIO cdev.
 */
const char *edu_locate(struct edu_sys *sys);
/* The same for the edu after the first @nth alone in their groups. */
const char *edu_locate_nth(struct edu_sys *sys, unsigned int nth);
/*
 * The same for the first two edu devices that share an IOMMU group (QEMU
 * puts devices behind a conventional PCI bridge in one group), into
 * @pair[0] and @pair[1].
 */
const char *edu_locate_pair(struct edu_sys *pair);

/* open() edu's VFIO cdev; -1 with errno ENOENT if it has none. */
int edu_cdev_open(const struct edu_sys *sys);

/* VFIO_DEVICE_BIND_IOMMUFD of cdev @devfd to @iommufd; *@dev_id: its ID */
int edu_vfio_bind(int devfd, int iommufd, uint32_t *dev_id);
/*
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT: *@pt_id is the IOAS or HWPT to attach (or
 * move) to, and becomes the HWPT the device was attached to.
 */
int edu_vfio_attach(int devfd, uint32_t *pt_id);
/* VFIO_DEVICE_DETACH_IOMMUFD_PT */
int edu_vfio_detach(int devfd);

/*
 * With @edu->fd an open VFIO device: enable its memory space and bus
 * mastering, map BAR0, check that it is edu and learn the byte order of
 * its registers, and wait until no transfer runs. On failure @why (of
 * @size bytes) tells which step failed.
 */
int edu_init(struct edu_dev *edu, char *why, size_t size);
/* Let the device master the bus (vfio-pci clears the bit on open). */
int edu_enable_dma(struct edu_dev *edu);
/* Unmap BAR0 and close the VFIO device, whichever of them is open. */
void edu_close(struct edu_dev *edu);

/* Register access, in the device's byte order. */
uint32_t edu_read32(struct edu_dev *edu, unsigned int reg);
void edu_write32(struct edu_dev *edu, unsigned int reg, uint32_t val);
uint64_t edu_read64(struct edu_dev *edu, unsigned int reg);
void edu_write64(struct edu_dev *edu, unsigned int reg, uint64_t val);

/* Wait until the DMA engine is idle; 0 or -ETIMEDOUT. */
int edu_wait_idle(struct edu_dev *edu);

/*
 * One transfer of the DMA engine, waited for. With EDU_DMA_TO_RAM in
 * @flags it copies @len bytes from the buffer at device address @src to
 * bus address (IOVA) @dst, else from bus address @src to the buffer at
 * @dst; EDU_DMA_IRQ raises EDU_IRQ_DMA at the end. Returns 0; -EINVAL for
 * a transfer that must not reach the device; -EIO if the device did not
 * take the parameters; -EBUSY or -ETIMEDOUT.
 *
 * edu completes a transfer the IOMMU refuses all the same: 0 says nothing
 * about whether data moved.
 */
int __edu_dma(struct edu_dev *edu, uint64_t src, uint64_t dst,
	      uint64_t len, uint32_t flags);

/*
 * The IOMMU driver's report of a refused transfer, in the kernel log.
 * edu_kmsg_open() opens /dev/kmsg positioned after the last record (do it
 * before the transfer); returns the descriptor or a negative errno.
 * edu_kmsg_find_fault() then reads the records that arrive until one
 * reports a fault of the device @bdf at @iova, or EDU_FAULT_LOG_TIMEOUT_MS
 * pass; the record's text goes to @line. Only EDU_FAULT_LOG_SOURCE's
 * messages are known.
 *
 * Both drivers print faults through a ratelimit of 10 messages per 5 s
 * (intel-iommu counts three per fault): a caller that refuses many
 * transfers must leave the log some quiet time before looking.
 */
int edu_kmsg_open(void);
bool edu_kmsg_find_fault(int kmsg, const char *bdf, uint64_t iova,
			 char *line, size_t size);

#endif
