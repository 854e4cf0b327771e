/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Library for the /dev/iommu selftests.
 *
 * Every command has two wrappers:
 *   __name(...)  issues the ioctl and returns 0 or the errno it failed with,
 *                for tests that expect a failure;
 *   name(...)    asserts success (through the kselftest harness, so it may
 *                only be used inside a TEST or TEST_F body) and returns the
 *                interesting output.
 * Tests compare errnos with ASSERT_EQ(EXXX, __name(...)).
 */
#ifndef __IOMMUFD_UTIL_H
#define __IOMMUFD_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/iommufd.h>

/* The ABI of IOMMU_TEST_CMD, shared with the kernel side. */
#include "../../../../../drivers/iommu/iommufd/iommufd_test.h"

#define IOMMUFD_DEV "/dev/iommu"

/* The mock IOMMU's entry in sysfs, present with CONFIG_IOMMUFD_TEST. */
#define IOMMUFD_MOCK_SYSFS "/sys/bus/iommufd_mock"

/* Issue an ioctl; 0 or the errno it failed with. */
int iommufd_ioctl(int fd, unsigned long cmd, void *arg);

int iommufd_open(void);

int __ioas_alloc(int fd, uint32_t *ioas_id);
/* IOMMU_IOAS_ALLOC with @flags (0 or IOMMU_IOAS_ALLOC_WINDOWED). */
int __ioas_alloc_flags(int fd, uint32_t flags, uint32_t *ioas_id);
int __iommufd_destroy(int fd, uint32_t id);

#define MAP_RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

/* *iova is the fixed IOVA with IOMMU_IOAS_MAP_FIXED_IOVA, else an output. */
int __ioas_map(int fd, uint32_t ioas_id, void *buf, uint64_t length,
	       uint64_t *iova, uint32_t flags);
/* IOMMU_IOAS_MAP_FILE of [start, start + length) of memfd @mfd. */
int __ioas_map_file(int fd, uint32_t ioas_id, int mfd, uint64_t start,
		    uint64_t length, uint64_t *iova, uint32_t flags);
int __ioas_unmap(int fd, uint32_t ioas_id, uint64_t iova, uint64_t length,
		 uint64_t *unmapped);
int __ioas_copy(int fd, uint32_t dst_ioas, uint64_t *dst_iova,
		uint32_t src_ioas, uint64_t src_iova, uint64_t length,
		uint32_t flags);
/* Fills up to *num ranges; *num is set to how many there are. */
int __ioas_iova_ranges(int fd, uint32_t ioas_id,
		       struct iommu_iova_range *ranges, uint32_t *num,
		       uint64_t *alignment);

/* What IOMMU_IOAS_IOVA_RANGES reports for an IOAS (up to 16 ranges). */
#define IOVA_LAYOUT_MAX 16
struct iova_layout {
	uint32_t num;
	uint64_t align;
	struct iommu_iova_range ranges[IOVA_LAYOUT_MAX];
};

int iova_layout_read(int fd, uint32_t ioas_id, struct iova_layout *l);
bool iova_layout_equal(const struct iova_layout *a,
		       const struct iova_layout *b);
#define get_layout(fd, ioas_id, l) \
	ASSERT_EQ(0, iova_layout_read(fd, ioas_id, l))
#define check_same_layout(a, b) ASSERT_TRUE(iova_layout_equal(a, b))

/* A memfd of @size bytes, every page written; -1 on failure. */
int memfd_filled(size_t size, unsigned int flags);

/* A number in a sysfs or procfs file; -1 if it cannot be read. */
long read_long(const char *path);
void write_long(const char *path, long val);

int __ioas_allow_iovas(int fd, uint32_t ioas_id,
		       const struct iommu_iova_range *ranges, uint32_t num);
int __iommufd_option(int fd, uint32_t option, uint16_t op, uint32_t object,
		     uint64_t *val);

/*
 * IOVA windows. __ioas_window_add() fills in @cmd->size and issues @cmd
 * as it is; on success the kernel has written the granted start to
 * @cmd->iova. __window_caps() fills in @cmd->size and @cmd->object_id; the
 * caller sets the capacities and arrays, and reads the counts back from
 * @cmd, on success and on EMSGSIZE alike.
 */
int __ioas_window_add(int fd, struct iommu_ioas_window_add *cmd);
int __ioas_window_remove(int fd, uint32_t ioas_id, uint64_t iova);
int __window_caps(int fd, uint32_t object_id, struct iommu_window_caps *cmd);

/*
 * IOMMU_DEVICE_ATTACH_EXTRA of device @dev_id to IOAS or page table
 * *@pt_id, which is set to the page table's ID; IOMMU_DEVICE_DETACH_EXTRA
 * of that table, named by its ID or its IOAS's.
 */
int __device_attach_extra(int fd, uint32_t dev_id, uint32_t *pt_id);
int __device_detach_extra(int fd, uint32_t dev_id, uint32_t pt_id);

/* IOMMU_PIN_STATS of IOAS @object_id, or of the whole file if 0; bytes. */
int __pin_stats(int fd, uint32_t object_id, uint64_t *pinned,
		uint64_t *charged);

int __hwpt_alloc(int fd, uint32_t dev_id, uint32_t pt_id, uint32_t flags,
		 uint32_t *hwpt_id);
/* IOMMU_HWPT_ALLOC with every field given. */
int __hwpt_alloc_data(int fd, uint32_t dev_id, uint32_t pt_id,
		      uint32_t flags, uint32_t data_type, const void *data,
		      uint32_t data_len, uint32_t fault_id, uint32_t *hwpt_id);
/* A mock table nested in @parent, every IOTLB slot set to @iotlb. */
int __hwpt_nested(int fd, uint32_t dev_id, uint32_t parent, uint32_t iotlb,
		  uint32_t *hwpt_id);
/*
 * IOMMU_HWPT_INVALIDATE of *@entry_num entries of @entry_len bytes at
 * @entries; *@entry_num becomes the count the kernel wrote back.
 */
int __hwpt_invalidate(int fd, uint32_t hwpt_id, uint32_t data_type,
		      const void *entries, uint32_t entry_len,
		      uint32_t *entry_num);
/* IOMMU_FAULT_QUEUE_ALLOC: the queue's ID and its file descriptor. */
int __fault_queue_alloc(int fd, uint32_t flags, uint32_t *fault_id,
			int *fault_fd);
/*
 * IOMMU_HWPT_FORMATS of @num_devs devices into @formats, of capacity *@num;
 * *@num becomes the number of formats (on EMSGSIZE too), *@caps (if not
 * NULL) the capabilities.
 */
int __hwpt_formats(int fd, const uint32_t *dev_ids, uint32_t num_devs,
		   struct iommu_hwpt_format *formats, uint32_t *num,
		   uint32_t *caps);
/* IOMMU_GET_HW_INFO into @data (*len bytes); *len becomes what was filled. */
int __get_hw_info(int fd, uint32_t dev_id, void *data, uint32_t *len,
		  uint32_t *type);
/* IOMMU_GET_HW_INFO's out_capabilities for device @dev_id. */
int __get_hw_caps(int fd, uint32_t dev_id, uint64_t *caps);
/*
 * Dirty tracking: IOMMU_HWPT_SET_DIRTY_TRACKING, and
 * IOMMU_HWPT_GET_DIRTY_BITMAP of [iova, iova + length) into @bitmap, an
 * array of u64 with a bit per @page_size bytes.
 */
int __set_dirty_tracking(int fd, uint32_t hwpt_id, bool enable);
int __get_dirty_bitmap(int fd, uint32_t hwpt_id, uint64_t iova,
		       uint64_t length, uint64_t page_size, uint64_t *bitmap,
		       uint32_t flags);
/* IOMMU_VFIO_IOAS @op; *ioas_id is the input of SET, the output of GET. */
int __vfio_ioas(int fd, uint16_t op, uint32_t *ioas_id);
/*
 * VFIO_IOMMU_MAP_DMA on a container (an iommufd file): @size bytes at @buf
 * to @iova, readable and writable.
 */
int __vfio_map_dma(int fd, void *buf, uint64_t iova, uint64_t size);
/*
 * VFIO's SPAPR TCE container: VFIO_IOMMU_SPAPR_TCE_CREATE of a one-level
 * window (*@start is where it was put, on success), _REMOVE of the window
 * holding @start, and VFIO_IOMMU_SPAPR_REGISTER_MEMORY or _UNREGISTER_MEMORY
 * (@cmd) of @size bytes at @buf.
 */
int __spapr_tce_create(int fd, uint32_t flags, uint32_t page_shift,
		       uint64_t size, uint64_t *start);
int __spapr_tce_remove(int fd, uint64_t start);
int __spapr_memory(int fd, unsigned long cmd, uint32_t flags,
		   const void *buf, uint64_t size);

/*
 * IOMMU_TEST_CMD (CONFIG_IOMMUFD_TEST). Output pointers may be NULL when
 * the caller does not need the value.
 */
/* New mock device attached to IOAS or HWPT @pt_id. */
int __mock_domain(int fd, uint32_t pt_id, uint32_t *stdev_id,
		  uint32_t *hwpt_id, uint32_t *idev_id);
/* The same with MOCK_FLAGS_DEVICE_* @dev_flags. */
int __mock_domain_flags(int fd, uint32_t pt_id, uint32_t dev_flags,
			uint32_t *stdev_id, uint32_t *hwpt_id,
			uint32_t *idev_id);
/* Move mock device @stdev_id to *@pt_id; *@pt_id becomes the HWPT used. */
int __mock_domain_replace(int fd, uint32_t stdev_id, uint32_t *pt_id);
/*
 * IOMMU_TEST_OP_IOAS_VALIDATE: do the kernel's invariants of IOAS @ioas_id
 * (0: of every IOAS of @fd) hold? 0, EBADMSG with the broken one named in
 * the kernel log, or ENOTTY without the test command.
 */
int __ioas_validate(int fd, uint32_t ioas_id);
/* Does [iova, iova + length) of mock HWPT @hwpt_id translate to @buf? */
int __md_check_map(int fd, uint32_t hwpt_id, uint64_t iova, const void *buf,
		   uint64_t length);
/*
 * IOMMU_TEST_OP_DIRTY: in mock HWPT @hwpt_id, mark written the IOVA of
 * each set bit of @bitmap (laid out as for __get_dirty_bitmap()); *@nr,
 * if not NULL, becomes the number of entries marked.
 */
int __mock_dirty(int fd, uint32_t hwpt_id, uint64_t iova, uint64_t length,
		 uint64_t page_size, const uint64_t *bitmap, uint64_t *nr);
/* Does IOTLB slot @slot of mock nested table @hwpt_id hold @value? */
int __md_check_iotlb(int fd, uint32_t hwpt_id, uint32_t slot,
		     uint32_t value);
/*
 * Mock device @dev_id raises an I/O page fault that closes its group: the
 * requests kept for it by __trigger_iopf_partial() (same @grpid and
 * @pasid), then this one.
 */
int __trigger_iopf(int fd, uint32_t dev_id, uint32_t pasid, uint32_t grpid,
		   uint32_t perm, uint64_t addr);
int __trigger_iopf_partial(int fd, uint32_t dev_id, uint32_t pasid,
			   uint32_t grpid, uint32_t perm, uint64_t addr);
/* Is every page of [buf, buf + length) pinned exactly @refs times? */
int __md_check_refs(int fd, const void *buf, uint64_t length,
		    unsigned int refs);
int __add_reserved(int fd, uint32_t ioas_id, uint64_t start,
		   uint64_t length);

/*
 * Test accesses: an in-kernel test driver using the access API for
 * emulated devices, named by the file descriptor CREATE_ACCESS returns.
 */
/* New test access attached to @ioas_id; MOCK_FLAGS_ACCESS_CREATE_* @flags. */
int __access_create(int fd, uint32_t ioas_id, uint32_t flags,
		    int *access_fd);
/*
 * Pin [iova, iova + length) through the access; if @buf is not NULL the
 * pages must be those of @buf. *@pin_id names the pin for __access_unpin().
 */
int __access_pages(int fd, int access_fd, uint64_t iova, uint64_t length,
		   const void *buf, uint32_t flags, uint32_t *pin_id);
int __access_unpin(int fd, int access_fd, uint32_t pin_id);
/* Copy between @buf and [iova, iova + length); MOCK_ACCESS_RW_* @flags. */
int __access_rw(int fd, int access_fd, uint64_t iova, void *buf,
		uint64_t length, uint32_t flags);
int __access_replace_ioas(int fd, int access_fd, uint32_t ioas_id);

/*
 * Is the mock device bus there (CONFIG_IOMMUFD_TEST)? Does the machine say
 * it must be (IOMMUFD_EXPECT_MOCK=1 in the environment)?
 */
bool mock_present(void);
bool mock_expected(void);

/*
 * In a test or fixture setup, true if the mock is missing and the test
 * should skip (with NO_MOCK_MSG); fails the test instead where the machine
 * expects the mock.
 */
#define mock_missing()                                                    \
	(!mock_present() && ({ ASSERT_FALSE(mock_expected()); true; }))
#define NO_MOCK_MSG "kernel built without CONFIG_IOMMUFD_TEST"

/* Process status, from /proc/self/status, in kB; -1 if absent. */
long proc_status_kb(const char *field);

/* Is PowerPC's EEH on (/proc/powerpc/eeh)? False on other platforms. */
bool platform_eeh_on(void);

/*
 * The value of @key in /proc/self/fdinfo/@fd, its leading blanks removed,
 * into @val (@len bytes); 0, ENOENT if the file has no such key, or the
 * errno of opening it.
 */
int __fdinfo(int fd, const char *key, char *val, size_t len);

/*
 * The debugfs view of /dev/iommu file @fd (/sys/kernel/debug/iommufd/ and
 * its fdinfo's iommufd-id), whole, into @buf (@len bytes, NUL-ended); 0,
 * ENOENT if the kernel has no debugfs, EFBIG if @buf is too small, or the
 * errno of reading it.
 */
int __debugfs_view(int fd, char *buf, size_t len);
/* The same for the /dev/iommu file (of any process) with iommufd-id @id. */
int __debugfs_view_id(long id, char *buf, size_t len);

/* Drop one capability from the calling process (for a forked test). */
int drop_capability(int cap);

/*
 * The calling thread's fail-nth file (CONFIG_FAULT_INJECTION_DEBUG_FS):
 * writing N makes the Nth fault injection point the thread passes fail;
 * it reads 0 once that happened. -1 with errno ENOENT without the option.
 */
int fail_nth_open(void);
/* Arm (@n > 0) or disarm (@n == 0); 0 or an errno. */
int fail_nth_set(int nth_fd, unsigned int n);
/* The counter: 0 if the armed fault fired, else how many points remained. */
int fail_nth_get(int nth_fd, unsigned int *n);

/*
 * The debugfs knobs of a fail-nth sweep. inject_setup() opens the calling
 * thread's fail-nth file as @cfg->nth_fd, mounts debugfs if it is not
 * mounted, and makes fail-nth reach sleeping and order-0 allocations of
 * failslab and (if the kernel has it) fail_page_alloc, with their messages
 * off. inject_restore() disarms fail-nth, puts back every knob that
 * inject_setup() or inject_reject_range() changed and unmounts debugfs if
 * inject_setup() mounted it.
 */
#define INJECT_DEBUGFS		"/sys/kernel/debug"
#define INJECT_NR_KNOBS		6
/* reject-start, reject-end and stacktrace-depth of failslab, fail_page_alloc */
#define INJECT_NR_FILTER_KNOBS	6
#define INJECT_KNOB_LEN		32
#define NO_INJECT_MSG \
	"no fail-nth or failslab (CONFIG_FAULT_INJECTION_DEBUG_FS, CONFIG_FAILSLAB)"
#define NO_INJECT_FILTER_MSG \
	"no fault injection stack trace filter (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER)"

struct inject_cfg {
	/* The values the knobs had; "" for a knob the kernel does not have. */
	char saved[INJECT_NR_KNOBS][INJECT_KNOB_LEN];
	char filter_saved[INJECT_NR_FILTER_KNOBS][INJECT_KNOB_LEN];
	bool filter_set;	/* inject_reject_range() changed the filter */
	bool mounted;
	int nth_fd;
};

/*
 * Read (@wr false: into @val, @len bytes, without the newline) or write
 * (@val) the knob @file, a path under debugfs; 0 or an errno.
 */
int knob_rw(const char *file, char *val, size_t len, bool wr);
/*
 * 0 when ready, and inject_restore() must run; EOPNOTSUPP when the kernel
 * cannot inject (no fail-nth, no debugfs, no failslab); another errno when
 * a knob could not be read or set, with what was changed already put back.
 */
int inject_setup(struct inject_cfg *cfg);
void inject_restore(struct inject_cfg *cfg);
/*
 * Exempt the code at [@start, @end) from fail-nth: an injection point
 * reached with a return address in that range on its call stack neither
 * fails nor counts (the stack trace filter's reject range, for failslab
 * and fail_page_alloc). @start == @end puts the filter back as it was.
 * 0, EOPNOTSUPP without the filter in the kernel, or another errno.
 */
int inject_reject_range(struct inject_cfg *cfg, uint64_t start,
			uint64_t end);
/*
 * [*@start, *@end) of the kernel text symbol @name, from /proc/kallsyms:
 * from its address to that of the next higher text symbol. 0, ENOENT if
 * there is no such symbol (or no CONFIG_KALLSYMS), EPERM if the addresses
 * are hidden.
 */
int kallsyms_text_range(const char *name, uint64_t *start, uint64_t *end);

/*
 * Assert-on-failure forms, for use inside harness tests. None for
 * __ioas_copy(), __ioas_iova_ranges(), __ioas_allow_iovas() and
 * __access_replace_ioas(): the harness turns TEST_F(ioas, copy) and the
 * like into functions of those names.
 */
#define ioas_alloc(fd)                                                  \
	({                                                              \
		uint32_t __id = 0;                                      \
		ASSERT_EQ(0, __ioas_alloc(fd, &__id));                  \
		ASSERT_NE(0, __id);                                     \
		__id;                                                   \
	})

/* A new IOAS with IOMMU_IOAS_ALLOC_* @flags; evaluates to its ID. */
#define ioas_alloc_flags(fd, flags)                                     \
	({                                                              \
		uint32_t __id = 0;                                      \
		ASSERT_EQ(0, __ioas_alloc_flags(fd, flags, &__id));     \
		ASSERT_NE(0, __id);                                     \
		__id;                                                   \
	})

/* A new IOAS with no valid IOVA until windows are added to it. */
#define ioas_alloc_windowed(fd)                                         \
	ioas_alloc_flags(fd, IOMMU_IOAS_ALLOC_WINDOWED)

#define iommufd_destroy(fd, id) ASSERT_EQ(0, __iommufd_destroy(fd, id))

/* Map at a fixed IOVA and assert success. */
#define ioas_map_fixed(fd, ioas, buf, len, iova)                          \
	({                                                                \
		uint64_t __iova = (iova);                                 \
		ASSERT_EQ(0, __ioas_map(fd, ioas, buf, len, &__iova,      \
					MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)); \
	})

/* Map at an IOVA the kernel chooses; evaluates to it. */
#define ioas_map(fd, ioas, buf, len)                                      \
	({                                                                \
		uint64_t __iova = 0;                                      \
		ASSERT_EQ(0, __ioas_map(fd, ioas, buf, len, &__iova,      \
					MAP_RW));                         \
		__iova;                                                   \
	})

/* *iova as for __ioas_map_file(): the fixed IOVA or an output. */
#define ioas_map_file(fd, ioas_id, mfd, start, length, iova, flags)       \
	ASSERT_EQ(0, __ioas_map_file(fd, ioas_id, mfd, start, length,     \
				     iova, flags))

/* Unmap everything; evaluates to the number of bytes unmapped. */
#define ioas_unmap_all(fd, ioas)                                          \
	({                                                                \
		uint64_t __done = 0;                                      \
		ASSERT_EQ(0, __ioas_unmap(fd, ioas, 0, UINT64_MAX,        \
					  &__done));                      \
		__done;                                                   \
	})

/* Unmap and assert that exactly @len bytes went. */
#define ioas_unmap(fd, ioas, iova, len)                                   \
	({                                                                \
		uint64_t __done = 0, __len = (len);                       \
		ASSERT_EQ(0, __ioas_unmap(fd, ioas, iova, __len, &__done)); \
		ASSERT_EQ(__len, __done);                                 \
	})

/* *val is the value to set, or becomes the one read. */
#define iommufd_option(fd, option, op, object, val)                       \
	ASSERT_EQ(0, __iommufd_option(fd, option, op, object, val))

/* On success @cmd->iova is the start granted. */
#define ioas_window_add(fd, cmd)                                          \
	ASSERT_EQ(0, __ioas_window_add(fd, cmd))

#define ioas_window_remove(fd, ioas_id, iova)                             \
	ASSERT_EQ(0, __ioas_window_remove(fd, ioas_id, iova))

/* The counts and arrays of @cmd are filled in as for __window_caps(). */
#define window_caps(fd, object_id, cmd)                                   \
	ASSERT_EQ(0, __window_caps(fd, object_id, cmd))

/* *pt_id becomes the ID of the page table attached. */
#define device_attach_extra(fd, dev_id, pt_id)                            \
	ASSERT_EQ(0, __device_attach_extra(fd, dev_id, pt_id))

#define device_detach_extra(fd, dev_id, pt_id)                            \
	ASSERT_EQ(0, __device_detach_extra(fd, dev_id, pt_id))

#define pin_stats(fd, object_id, pinned, charged)                         \
	ASSERT_EQ(0, __pin_stats(fd, object_id, pinned, charged))

/* New HWPT for device @dev_id on IOAS @pt_id; evaluates to its ID. */
#define hwpt_alloc(fd, dev_id, pt_id)                                     \
	({                                                                \
		uint32_t __hwpt = 0;                                      \
		ASSERT_EQ(0, __hwpt_alloc(fd, dev_id, pt_id, 0, &__hwpt)); \
		ASSERT_NE(0, __hwpt);                                     \
		__hwpt;                                                   \
	})

/* New mock table nested in @parent for @dev_id; evaluates to its ID. */
#define hwpt_nested(fd, dev_id, parent, iotlb)                            \
	({                                                                \
		uint32_t __hwpt = 0;                                      \
		ASSERT_EQ(0, __hwpt_nested(fd, dev_id, parent, iotlb,     \
					   &__hwpt));                     \
		ASSERT_NE(0, __hwpt);                                     \
		__hwpt;                                                   \
	})

#define md_check_iotlb(fd, hwpt_id, slot, value)                          \
	ASSERT_EQ(0, __md_check_iotlb(fd, hwpt_id, slot, value))

#define get_hw_info(fd, dev_id, data, len, type)                          \
	ASSERT_EQ(0, __get_hw_info(fd, dev_id, data, len, type))

/* Evaluates to the out_capabilities of device @dev_id. */
#define get_hw_caps(fd, dev_id)                                           \
	({                                                                \
		uint64_t __caps = 0;                                      \
		ASSERT_EQ(0, __get_hw_caps(fd, dev_id, &__caps));         \
		__caps;                                                   \
	})

#define set_dirty_tracking(fd, hwpt_id, enable)                           \
	ASSERT_EQ(0, __set_dirty_tracking(fd, hwpt_id, enable))

#define get_dirty_bitmap(fd, hwpt_id, iova, length, page_size, bitmap, flags) \
	ASSERT_EQ(0, __get_dirty_bitmap(fd, hwpt_id, iova, length,        \
					page_size, bitmap, flags))

/* *ioas_id is the input of SET, the output of GET. */
#define vfio_ioas(fd, op, ioas_id)                                        \
	ASSERT_EQ(0, __vfio_ioas(fd, op, ioas_id))

/*
 * New mock device on IOAS or HWPT @pt_id; stores its three IDs (pointers
 * may be NULL) and asserts that they are valid and distinct.
 */
#define mock_domain(fd, pt_id, stdev_id, hwpt_id, idev_id)                \
	({                                                                \
		uint32_t __s = 0, __h = 0, __i = 0;                       \
		uint32_t *__sp = (stdev_id), *__hp = (hwpt_id);           \
		uint32_t *__ip = (idev_id);                               \
		ASSERT_EQ(0, __mock_domain(fd, pt_id, &__s, &__h, &__i)); \
		ASSERT_NE(0, __s);                                        \
		ASSERT_NE(0, __h);                                        \
		ASSERT_NE(0, __i);                                        \
		ASSERT_NE(__s, __h);                                      \
		ASSERT_NE(__s, __i);                                      \
		ASSERT_NE(__h, __i);                                      \
		if (__sp)                                                 \
			*__sp = __s;                                      \
		if (__hp)                                                 \
			*__hp = __h;                                      \
		if (__ip)                                                 \
			*__ip = __i;                                      \
	})

/*
 * The same with MOCK_FLAGS_DEVICE_* @dev_flags; asserts success alone,
 * none of the IDs it stores.
 */
#define mock_domain_flags(fd, pt_id, dev_flags, stdev_id, hwpt_id, idev_id) \
	ASSERT_EQ(0, __mock_domain_flags(fd, pt_id, dev_flags, stdev_id,  \
					 hwpt_id, idev_id))

/* Move a mock device; evaluates to the ID of the HWPT it now uses. */
#define mock_domain_replace(fd, stdev_id, pt_id)                          \
	({                                                                \
		uint32_t __pt = (pt_id);                                  \
		ASSERT_EQ(0, __mock_domain_replace(fd, stdev_id, &__pt)); \
		ASSERT_NE(0, __pt);                                       \
		__pt;                                                     \
	})

/* Assert that the kernel's invariants of IOAS @ioas_id (0: all) hold. */
#define ioas_validate(fd, ioas_id) ASSERT_EQ(0, __ioas_validate(fd, ioas_id))

/* The number at the start of @key's value in @fd's fdinfo (a size in KiB). */
#define fdinfo_num(fd, key)                                               \
	({                                                                \
		char __v[64];                                             \
		ASSERT_EQ(0, __fdinfo(fd, key, __v, sizeof(__v)));        \
		strtoll(__v, NULL, 10);                                   \
	})

#define md_check_map(fd, hwpt_id, iova, buf, length)                      \
	ASSERT_EQ(0, __md_check_map(fd, hwpt_id, iova, buf, length))

/* Mark written the IOVA of each set bit of @bitmap; @nr may be NULL. */
#define mock_dirty(fd, hwpt_id, iova, length, page_size, bitmap, nr)      \
	ASSERT_EQ(0, __mock_dirty(fd, hwpt_id, iova, length, page_size,   \
				  bitmap, nr))

#define vfio_map_dma(fd, buf, iova, size)                                 \
	ASSERT_EQ(0, __vfio_map_dma(fd, buf, iova, size))

#define md_check_refs(fd, buf, length, refs)                              \
	ASSERT_EQ(0, __md_check_refs(fd, buf, length, refs))

#define add_reserved(fd, ioas_id, start, length)                          \
	ASSERT_EQ(0, __add_reserved(fd, ioas_id, start, length))

/* New test access on @ioas_id; evaluates to its file descriptor. */
#define access_create(fd, ioas_id, flags)                                 \
	({                                                                \
		int __afd = -1;                                           \
		ASSERT_EQ(0, __access_create(fd, ioas_id, flags, &__afd)); \
		ASSERT_LE(0, __afd);                                      \
		__afd;                                                    \
	})

/* Pin through a test access; evaluates to the pin's ID. */
#define access_pages(fd, afd, iova, length, buf, flags)                   \
	({                                                                \
		uint32_t __pin = 0;                                       \
		ASSERT_EQ(0, __access_pages(fd, afd, iova, length, buf,   \
					    flags, &__pin));              \
		__pin;                                                    \
	})

#define access_unpin(fd, afd, pin_id)                                     \
	ASSERT_EQ(0, __access_unpin(fd, afd, pin_id))

#define access_rw(fd, afd, iova, buf, length, flags)                      \
	ASSERT_EQ(0, __access_rw(fd, afd, iova, buf, length, flags))

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#endif
