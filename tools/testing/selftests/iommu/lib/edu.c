// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * QEMU's edu device, driven through VFIO: see include/edu.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "edu.h"

uint64_t edu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

void edu_sleep_ms(uint64_t ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

bool edu_expected(void)
{
	const char *want = getenv("IOMMUFD_EXPECT_EDU");

	return want && !strcmp(want, "1");
}

const char *edu_bind_skip_reason(int err)
{
	if (err == ENODEV)
		return EDU_NO_BACKEND_MSG;
	if (err == EPERM)
		return EDU_NO_ISOLATION_MSG;
	return NULL;
}

/* An ioctl; 0 or the errno it failed with. */
static int edu_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

/* ---- sysfs: finding edu and binding it to vfio-pci ---- */

/* Copy the string @src to @dst of @size bytes; false if it does not fit. */
static bool copy_str(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (len >= size)
		return false;
	memcpy(dst, src, len + 1);
	return true;
}

int edu_sysfs_read_hex(const char *path, unsigned long *val)
{
	char buf[32];
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -EIO;
	buf[len] = 0;
	*val = strtoul(buf, NULL, 16);
	return 0;
}

static int sysfs_write(const char *path, const char *val)
{
	ssize_t len = strlen(val);
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	errno = 0;
	if (write(fd, val, len) != len)
		rc = errno ? -errno : -EIO;
	close(fd);
	return rc;
}

/* The last path component of the symlink @path, into @out; false if none. */
static bool link_name(const char *path, char *out, size_t size)
{
	char target[PATH_MAX];
	const char *name;
	ssize_t len;

	len = readlink(path, target, sizeof(target) - 1);
	if (len <= 0)
		return false;
	target[len] = 0;
	name = strrchr(target, '/');
	return copy_str(out, size, name ? name + 1 : target);
}

static bool driver_is_vfio_pci(const char *bdf)
{
	char path[PATH_MAX], name[NAME_MAX + 1];

	snprintf(path, sizeof(path), EDU_PCI_DEVICES "/%s/driver", bdf);
	return link_name(path, name, sizeof(name)) &&
	       !strcmp(name, "vfio-pci");
}

/* Read the hexadecimal @attr of PCI device @name; false if unreadable. */
static bool pci_attr(const char *name, const char *attr, unsigned long *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), EDU_PCI_DEVICES "/%s/%s", name, attr);
	return !edu_sysfs_read_hex(path, val);
}

/* Bind @bdf to vfio-pci if it is not yet; NULL, or why it could not. */
static const char *bind_vfio_pci(const char *bdf)
{
	char path[PATH_MAX];
	int i;

	if (driver_is_vfio_pci(bdf))
		return NULL;
	/* No driver binds edu by default; should one have, let it go. */
	snprintf(path, sizeof(path), EDU_PCI_DEVICES "/%s/driver/unbind",
		 bdf);
	if (!access(path, F_OK))
		sysfs_write(path, bdf);
	snprintf(path, sizeof(path), EDU_PCI_DEVICES "/%s/driver_override",
		 bdf);
	if (sysfs_write(path, "vfio-pci"))
		return "cannot set edu's driver_override";
	/* An error here is a failed probe, which the loop below sees. */
	sysfs_write("/sys/bus/pci/drivers_probe", bdf);
	for (i = 0; i != 100; i++) {
		if (driver_is_vfio_pci(bdf))
			return NULL;
		edu_sleep_ms(10);
	}
	return "vfio-pci does not bind edu (no IOMMU group?)";
}

/* The name of @bdf's IOMMU group into @name; false if it has none. */
static bool group_name(const char *bdf, char *name, size_t size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), EDU_PCI_DEVICES "/%s/iommu_group", bdf);
	return link_name(path, name, size);
}

/* How many devices IOMMU group @group has. */
static unsigned int group_size(const char *group)
{
	char path[PATH_MAX];
	unsigned int n = 0;
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/devices",
		 group);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/*
 * Find edu devices: with @shared false, the one after the first @skip
 * that are alone in their IOMMU groups, into @bdf[0]; with @shared, the
 * first two that share one, into @bdf[0] and @bdf[1]. Each is
 * EDU_BDF_LEN bytes. Every edu met is bound to vfio-pci first: with an
 * IOMMU described by the firmware's tables (SMMUv3 on arm64), a device
 * joins its IOMMU group only when a driver binds it.
 */
static bool find_edu(char (*bdf)[EDU_BDF_LEN], bool shared,
		     unsigned int skip)
{
	char group[NAME_MAX + 1], first[NAME_MAX + 1] = "";
	unsigned long vendor, device;
	struct dirent *de;
	bool found = false;
	DIR *dir;

	dir = opendir(EDU_PCI_DEVICES);
	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (!pci_attr(de->d_name, "vendor", &vendor) ||
		    vendor != EDU_VENDOR)
			continue;
		if (!pci_attr(de->d_name, "device", &device) ||
		    device != EDU_DEVICE)
			continue;
		if (bind_vfio_pci(de->d_name) ||
		    !group_name(de->d_name, group, sizeof(group)))
			continue;
		if (!shared) {
			if (group_size(group) == 1 && !skip--)
				found = copy_str(bdf[0], EDU_BDF_LEN,
						 de->d_name);
		} else if (!first[0]) {
			if (group_size(group) > 1 &&
			    copy_str(bdf[0], EDU_BDF_LEN, de->d_name))
				copy_str(first, sizeof(first), group);
		} else if (!strcmp(group, first)) {
			found = copy_str(bdf[1], EDU_BDF_LEN, de->d_name);
		}
	}
	closedir(dir);
	return found;
}

/* Bind the edu at sys->bdf to vfio-pci and fill in the rest of @sys. */
static const char *edu_prepare(struct edu_sys *sys)
{
	char path[PATH_MAX], name[NAME_MAX + 1];
	const char *why;
	struct dirent *de;
	DIR *dir;

	why = bind_vfio_pci(sys->bdf);
	if (why)
		return why;

	/* The cdev: vfio-dev/vfioN in sysfs is /dev/vfio/devices/vfioN. */
	snprintf(path, sizeof(path), EDU_PCI_DEVICES "/%s/vfio-dev",
		 sys->bdf);
	dir = opendir(path);
	if (dir) {
		while ((de = readdir(dir))) {
			if (strncmp(de->d_name, "vfio", 4))
				continue;
			snprintf(sys->cdev, sizeof(sys->cdev),
				 "/dev/vfio/devices/%s", de->d_name);
			break;
		}
		closedir(dir);
	}

	if (!group_name(sys->bdf, name, sizeof(name)))
		return "edu has no IOMMU group";
	snprintf(sys->group, sizeof(sys->group), "/dev/vfio/%s", name);
	return NULL;
}

const char *edu_locate_nth(struct edu_sys *sys, unsigned int nth)
{
	memset(sys, 0, sizeof(*sys));
	if (access(EDU_VFIO_PCI_DRIVER, F_OK))
		return "no vfio-pci driver";
	if (!find_edu(&sys->bdf, false, nth))
		return nth ? "not that many edu devices alone in their IOMMU groups" :
			     "no edu device alone in its IOMMU group (QEMU -device edu)";
	return edu_prepare(sys);
}

const char *edu_locate(struct edu_sys *sys)
{
	return edu_locate_nth(sys, 0);
}

const char *edu_locate_pair(struct edu_sys *pair)
{
	char bdf[2][EDU_BDF_LEN];
	const char *why;
	int i;

	memset(pair, 0, 2 * sizeof(*pair));
	if (access(EDU_VFIO_PCI_DRIVER, F_OK))
		return "no vfio-pci driver";
	if (!find_edu(bdf, true, 0))
		return "no two edu devices in one IOMMU group (QEMU: behind a pci-bridge)";
	for (i = 0; i != 2; i++) {
		memcpy(pair[i].bdf, bdf[i], EDU_BDF_LEN);
		why = edu_prepare(&pair[i]);
		if (why)
			return why;
	}
	return NULL;
}

int edu_cdev_open(const struct edu_sys *sys)
{
	if (!sys->cdev[0]) {
		errno = ENOENT;
		return -1;
	}
	return open(sys->cdev, O_RDWR | O_CLOEXEC);
}

/* ---- the VFIO cdev and /dev/iommu ---- */

int edu_vfio_bind(int devfd, int iommufd, uint32_t *dev_id)
{
	struct vfio_device_bind_iommufd cmd = {
		.argsz = sizeof(cmd),
		.iommufd = iommufd,
	};
	int rc;

	rc = edu_ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &cmd);
	if (!rc)
		*dev_id = cmd.out_devid;
	return rc;
}

int edu_vfio_attach(int devfd, uint32_t *pt_id)
{
	struct vfio_device_attach_iommufd_pt cmd = {
		.argsz = sizeof(cmd),
		.pt_id = *pt_id,
	};
	int rc;

	rc = edu_ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &cmd);
	if (!rc)
		*pt_id = cmd.pt_id;
	return rc;
}

int edu_vfio_detach(int devfd)
{
	struct vfio_device_detach_iommufd_pt cmd = { .argsz = sizeof(cmd) };

	return edu_ioctl(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &cmd);
}

/* ---- edu's registers and DMA engine ---- */

/*
 * Relaxed atomics make single loads and stores of the register's width,
 * which is what MMIO needs; edu->swap corrects the byte order.
 */
uint32_t edu_read32(struct edu_dev *edu, unsigned int reg)
{
	uint32_t val = __atomic_load_n((uint32_t *)(edu->bar + reg),
				       __ATOMIC_RELAXED);

	return edu->swap ? __builtin_bswap32(val) : val;
}

void edu_write32(struct edu_dev *edu, unsigned int reg, uint32_t val)
{
	if (edu->swap)
		val = __builtin_bswap32(val);
	__atomic_store_n((uint32_t *)(edu->bar + reg), val, __ATOMIC_RELAXED);
}

uint64_t edu_read64(struct edu_dev *edu, unsigned int reg)
{
	uint64_t val = __atomic_load_n((uint64_t *)(edu->bar + reg),
				       __ATOMIC_RELAXED);

	return edu->swap ? __builtin_bswap64(val) : val;
}

void edu_write64(struct edu_dev *edu, unsigned int reg, uint64_t val)
{
	if (edu->swap)
		val = __builtin_bswap64(val);
	__atomic_store_n((uint64_t *)(edu->bar + reg), val, __ATOMIC_RELAXED);
}

int edu_wait_idle(struct edu_dev *edu)
{
	uint64_t deadline = edu_now_ms() + EDU_DMA_TIMEOUT_MS;

	while (edu_read64(edu, EDU_REG_DMA_CMD) & EDU_DMA_RUN) {
		if (edu_now_ms() > deadline)
			return -ETIMEDOUT;
		edu_sleep_ms(10);
	}
	return 0;
}

int __edu_dma(struct edu_dev *edu, uint64_t src, uint64_t dst,
	      uint64_t len, uint32_t flags)
{
	uint64_t dev = flags & EDU_DMA_TO_RAM ? src : dst;
	uint64_t bus = flags & EDU_DMA_TO_RAM ? dst : src;
	/* The highest device address a transfer may end before. */
	const uint64_t dev_end = EDU_BUF_ADDR + EDU_BUF_SIZE - 1;
	int rc;

	if (flags & ~(EDU_DMA_TO_RAM | EDU_DMA_IRQ))
		return -EINVAL;
	/*
	 * QEMU 7.2 stops the machine unless 0 < len and the transfer ends
	 * strictly before the end of the buffer: dev + len <= 0x40fff.
	 */
	if (!len || dev < EDU_BUF_ADDR || dev >= dev_end ||
	    len > dev_end - dev)
		return -EINVAL;
	/* edu would drop the bits above its mask: another address. */
	if (bus > EDU_DMA_MASK || len - 1 > EDU_DMA_MASK - bus)
		return -EINVAL;
	/* While a transfer runs, edu ignores writes of its parameters. */
	if (edu_read64(edu, EDU_REG_DMA_CMD) & EDU_DMA_RUN)
		return -EBUSY;

	edu_write64(edu, EDU_REG_DMA_SRC, src);
	edu_write64(edu, EDU_REG_DMA_DST, dst);
	edu_write64(edu, EDU_REG_DMA_COUNT, len);
	/* Start only the transfer that was checked above. */
	if (edu_read64(edu, EDU_REG_DMA_SRC) != src ||
	    edu_read64(edu, EDU_REG_DMA_DST) != dst ||
	    edu_read64(edu, EDU_REG_DMA_COUNT) != len)
		return -EIO;
	/* Our stores to the source are visible before the device reads. */
	__sync_synchronize();
	edu_write64(edu, EDU_REG_DMA_CMD, EDU_DMA_RUN | flags);
	rc = edu_wait_idle(edu);
	/* And we read the destination only after the device wrote it. */
	__sync_synchronize();
	return rc;
}

/* ---- opening the device ---- */

int edu_enable_dma(struct edu_dev *edu)
{
	const off_t off = edu->cfg_offset + PCI_COMMAND;
	uint16_t cmd;

	if (pread(edu->fd, &cmd, sizeof(cmd), off) != sizeof(cmd))
		return -EIO;
	cmd = htole16(le16toh(cmd) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	if (pwrite(edu->fd, &cmd, sizeof(cmd), off) != sizeof(cmd))
		return -EIO;
	if (pread(edu->fd, &cmd, sizeof(cmd), off) != sizeof(cmd))
		return -EIO;
	return le16toh(cmd) & PCI_COMMAND_MASTER ? 0 : -EIO;
}

/* Record in @why what failed; returns -@err for the caller to return. */
static int edu_fail(char *why, size_t size, int err, const char *what)
{
	snprintf(why, size, "%s: %s", what, strerror(err));
	return -err;
}

int edu_init(struct edu_dev *edu, char *why, size_t size)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	struct vfio_region_info bar = {
		.argsz = sizeof(bar),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	uint32_t id, probe = 0x5a3c0ff1;
	void *map;
	int rc;

	rc = edu_ioctl(edu->fd, VFIO_DEVICE_GET_INFO, &info);
	if (rc)
		return edu_fail(why, size, rc, "VFIO_DEVICE_GET_INFO");
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI))
		return edu_fail(why, size, ENODEV, "not a PCI device");
	rc = edu_ioctl(edu->fd, VFIO_DEVICE_GET_REGION_INFO, &cfg);
	if (rc)
		return edu_fail(why, size, rc, "config space region");
	edu->cfg_offset = cfg.offset;
	rc = edu_enable_dma(edu);
	if (rc)
		return edu_fail(why, size, -rc, "enabling bus mastering");

	rc = edu_ioctl(edu->fd, VFIO_DEVICE_GET_REGION_INFO, &bar);
	if (rc)
		return edu_fail(why, size, rc, "BAR0 region");
	if (!(bar.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return edu_fail(why, size, EOPNOTSUPP, "mmap of BAR0");
	if (bar.size < EDU_REGS_END)
		return edu_fail(why, size, ENODEV, "BAR0 is too small");
	map = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   edu->fd, bar.offset);
	if (map == MAP_FAILED)
		return edu_fail(why, size, errno, "mmap of BAR0");
	edu->bar = map;
	edu->bar_size = bar.size;

	/*
	 * edu's registers have the byte order of QEMU's target machine (big
	 * endian on pseries under a little-endian kernel): the ID's magic
	 * byte tells which.
	 */
	edu->swap = false;
	id = edu_read32(edu, EDU_REG_ID);
	if ((id & 0xff) != EDU_ID_MAGIC) {
		if (id >> 24 != EDU_ID_MAGIC) {
			snprintf(why, size, "BAR0 ID 0x%08x is not edu's", id);
			return -ENODEV;
		}
		edu->swap = true;
	}
	edu_write32(edu, EDU_REG_LIVENESS, probe);
	if (edu_read32(edu, EDU_REG_LIVENESS) != ~probe)
		return edu_fail(why, size, EIO, "liveness register");

	/* A transfer left running by an earlier user ends first. */
	rc = edu_wait_idle(edu);
	if (rc)
		return edu_fail(why, size, -rc, "waiting for the DMA engine");
	return 0;
}

void edu_close(struct edu_dev *edu)
{
	if (edu->bar != MAP_FAILED)
		munmap(edu->bar, edu->bar_size);
	edu->bar = MAP_FAILED;
	if (edu->fd >= 0)
		close(edu->fd);
	edu->fd = -1;
}

/* ---- the IOMMU driver's fault messages in the kernel log ---- */

/* What identifies the fault; state carried from record to record. */
struct fault_match {
	char addr[48];		/* the faulting IOVA, as the driver prints it */
	char source[48];	/* intel-iommu: the requester */
	int event_words;	/* arm-smmu-v3: words of an event to come */
};

static void fault_match_init(struct fault_match *m, const char *bdf,
			     uint64_t iova)
{
#if defined(__x86_64__)
	unsigned int dom, bus, dev, fn;
#endif

	memset(m, 0, sizeof(*m));
#if defined(__x86_64__)
	/*
	 * "DMAR: [DMA Read NO_PASID] Request device [00:03.0] fault addr
	 * 0xa0000 [fault reason 0x06] PTE Read access is not set"; the
	 * address is that of the page, the requester is bus:device.function.
	 */
	snprintf(m->addr, sizeof(m->addr), "fault addr 0x%llx ",
		 (unsigned long long)(iova & ~0xfffULL));
	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) == 4)
		snprintf(m->source, sizeof(m->source),
			 "Request device [%02x:%02x.%x]", bus, dev, fn);
	else	/* no PCI domain: already the driver's form */
		snprintf(m->source, sizeof(m->source), "[%.40s]", bdf);
#else
	/*
	 * "arm-smmu-v3 9050000.smmuv3: event 0x10 received:", then a record
	 * for each of the event's four 64-bit words, "\t0x%016llx"; the third
	 * is the input address QEMU failed to translate.
	 */
	(void)bdf;
	snprintf(m->addr, sizeof(m->addr), "0x%016llx",
		 (unsigned long long)iova);
#endif
}

/* Is the text of this log record the report of the fault? */
static bool fault_match_record(struct fault_match *m, const char *text)
{
#if defined(__x86_64__)
	return strstr(text, "DMAR: [DMA ") && strstr(text, m->source) &&
	       strstr(text, m->addr);
#elif defined(__aarch64__)
	if (!strstr(text, "arm-smmu-v3"))
		return false;
	if (strstr(text, ": event 0x") && strstr(text, " received")) {
		m->event_words = 4;
		return false;
	}
	if (m->event_words <= 0)
		return false;
	m->event_words--;
	return strstr(text, m->addr);
#else
	(void)m;
	(void)text;
	return false;
#endif
}

int edu_kmsg_open(void)
{
	int kmsg;

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg < 0)
		return -errno;
	if (lseek(kmsg, 0, SEEK_END) < 0) {
		int err = errno;

		close(kmsg);
		return -err;
	}
	return kmsg;
}

bool edu_kmsg_find_fault(int kmsg, const char *bdf, uint64_t iova,
			 char *line, size_t size)
{
	uint64_t deadline = edu_now_ms() + EDU_FAULT_LOG_TIMEOUT_MS;
	struct fault_match m;
	char rec[8192];

	fault_match_init(&m, bdf, iova);
	for (;;) {
		ssize_t len = read(kmsg, rec, sizeof(rec) - 1);
		char *text, *end;

		if (len < 0 && errno == EAGAIN) {
			if (edu_now_ms() > deadline)
				return false;
			edu_sleep_ms(20);
			continue;
		}
		/* Records were overwritten; reading goes on after them. */
		if (len < 0 && errno == EPIPE)
			continue;
		if (len <= 0)
			return false;
		/* "level,seq,usec,flags;text\n" and key=value lines */
		rec[len] = 0;
		text = strchr(rec, ';');
		if (!text)
			continue;
		text++;
		end = strchr(text, '\n');
		if (end)
			*end = 0;
		if (fault_match_record(&m, text)) {
			snprintf(line, size, "%s", text);
			return true;
		}
	}
}
