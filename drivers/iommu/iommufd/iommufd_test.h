/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Test-only user interface of /dev/iommu.
 *
 * With CONFIG_IOMMUFD_TEST the character device accepts one extra ioctl,
 * IOMMU_TEST_CMD, that drives the in-kernel mock IOMMU driver (selftest.c).
 * User space reaches it from tools/testing/selftests/iommu, which pulls this
 * file in by a relative path, so everything here is ABI: numbers, layouts
 * and spellings may only ever be added to, never changed.
 */
#ifndef _IOMMUFD_NG_TEST_ABI_H
#define _IOMMUFD_NG_TEST_ABI_H

#include <linux/iommufd.h>
#include <linux/types.h>

/* Request number 0xa0, well clear of the regular commands that start at 0x80 */
#define IOMMU_TEST_CMD _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)

/**
 * DOC: operation numbers for IOMMU_TEST_CMD
 *
 * The value goes in &struct iommu_test_cmd.op and selects which member of
 * its union carries the arguments. Values 1 to 15 follow the numbering the
 * upstream selftests were built against. Operations private to this project
 * are numbered from 0x1000 upward, so that upstream can keep growing the
 * low range without a collision.
 */
enum {
	/* Block [start, start + length) of IOAS @id, see add_reserved */
	IOMMU_TEST_OP_ADD_RESERVED = 1,
	/* New mock device, bound and attached to page table @id */
	IOMMU_TEST_OP_MOCK_DOMAIN = 2,
	/*
	 * Compare the mock domain @id against a user buffer, see check_map;
	 * (extension) @id may also be a mock device, whose DMA is followed
	 * to whichever of its tables takes it
	 */
	IOMMU_TEST_OP_MD_CHECK_MAP = 3,
	/* Compare pin counts of a user buffer, see check_refs */
	IOMMU_TEST_OP_MD_CHECK_REFS = 4,
	/* Open an access object on IOAS @id, returned as a file descriptor */
	IOMMU_TEST_OP_CREATE_ACCESS = 5,
	/* Unpin one earlier ACCESS_PAGES result; @id is the access fd */
	IOMMU_TEST_OP_DESTROY_ACCESS_PAGES = 6,
	/* Pin IOVA pages through access fd @id */
	IOMMU_TEST_OP_ACCESS_PAGES = 7,
	/* Copy between IOVA and a user buffer through access fd @id */
	IOMMU_TEST_OP_ACCESS_RW = 8,
	/* Shrink the temporary buffer limit to force the slow paths */
	IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT = 9,
	/* Move the mock device with selftest object @id to another table */
	IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE = 10,
	/* Move access fd @id over to another IOAS */
	IOMMU_TEST_OP_ACCESS_REPLACE_IOAS = 11,
	/* MOCK_DOMAIN with device behaviour flags, see mock_domain_flags */
	IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS = 12,
	/* Mark IOVA ranges of mock domain @id dirty, see dirty */
	IOMMU_TEST_OP_DIRTY = 13,
	/* Read back one IOTLB slot of nested mock domain @id */
	IOMMU_TEST_OP_MD_CHECK_IOTLB = 14,
	/* Inject an I/O page fault from a mock device */
	IOMMU_TEST_OP_TRIGGER_IOPF = 15,
	/*
	 * (extension) Check the invariants of IOAS @id (0: of every IOAS of
	 * the file), those numbered in io_pagetable.h; EBADMSG, with the
	 * broken one in the kernel log, if one does not hold
	 */
	IOMMU_TEST_OP_IOAS_VALIDATE = 0x1000,
	/*
	 * (extension) Pin and unpin user memory with the kernel's pinning
	 * call alone, see pin_timing: the floor under any map of fresh
	 * memory, for make bench
	 */
	IOMMU_TEST_OP_PIN_TIMING = 0x1001,
	/*
	 * (extension) TRIGGER_IOPF without the last-page flag: the mock
	 * device keeps the request, and the next TRIGGER_IOPF of the same
	 * grpid and pasid sends it in one fault group with that one; at
	 * most MOCK_IOPF_PARTIAL_MAX are kept (ENOSPC), and they are dropped
	 * when the device moves to another table
	 */
	IOMMU_TEST_OP_TRIGGER_IOPF_PARTIAL = 0x1002,
};

/**
 * struct iommu_test_cmd - argument of IOMMU_TEST_CMD
 * @size: sizeof(struct iommu_test_cmd) as known to the caller
 * @op: an IOMMU_TEST_OP_* value
 * @id: object the operation works on; its kind depends on @op
 * @__reserved: must be zero
 * @add_reserved: arguments of IOMMU_TEST_OP_ADD_RESERVED
 * @add_reserved.start: first IOVA to reserve
 * @add_reserved.length: number of bytes to reserve
 * @mock_domain: results of IOMMU_TEST_OP_MOCK_DOMAIN
 * @mock_domain.out_stdev_id: selftest object that owns the mock device
 * @mock_domain.out_hwpt_id: page table the device ended up attached to
 * @mock_domain.out_idev_id: ordinary iommufd device object of the bind
 * @mock_domain_flags: IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS, a superset of
 *                     @mock_domain
 * @mock_domain_flags.out_stdev_id: as @mock_domain.out_stdev_id
 * @mock_domain_flags.out_hwpt_id: as @mock_domain.out_hwpt_id
 * @mock_domain_flags.out_idev_id: as @mock_domain.out_idev_id
 * @mock_domain_flags.dev_flags: MOCK_FLAGS_DEVICE_* bits for the new device
 * @mock_domain_replace: arguments of IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE
 * @mock_domain_replace.pt_id: IOAS or HWPT to attach to instead; on return,
 *                             the HWPT actually used
 * @check_map: arguments of IOMMU_TEST_OP_MD_CHECK_MAP
 * @check_map.iova: first IOVA to look up in the mock domain
 * @check_map.length: bytes to compare
 * @check_map.uptr: user memory that the IOVA range should translate to
 * @check_refs: arguments of IOMMU_TEST_OP_MD_CHECK_REFS
 * @check_refs.length: bytes of user memory to inspect
 * @check_refs.uptr: start of that user memory
 * @check_refs.refs: pin count every page is expected to have
 * @create_access: IOMMU_TEST_OP_CREATE_ACCESS in and out
 * @create_access.out_access_fd: file descriptor of the new access object
 * @create_access.flags: MOCK_FLAGS_ACCESS_CREATE_* bits
 * @destroy_access_pages: arguments of IOMMU_TEST_OP_DESTROY_ACCESS_PAGES
 * @destroy_access_pages.access_pages_id: value once returned in
 *                                        @access_pages.out_access_pages_id
 * @access_pages: IOMMU_TEST_OP_ACCESS_PAGES in and out
 * @access_pages.flags: MOCK_FLAGS_ACCESS_* bits
 * @access_pages.out_access_pages_id: handle for a later
 *                                    IOMMU_TEST_OP_DESTROY_ACCESS_PAGES
 * @access_pages.iova: first IOVA to pin
 * @access_pages.length: bytes to pin
 * @access_pages.uptr: user memory the pinned pages must match
 * @access_rw: arguments of IOMMU_TEST_OP_ACCESS_RW
 * @access_rw.iova: IOVA where the copy starts
 * @access_rw.length: bytes to copy
 * @access_rw.uptr: user buffer on the other side of the copy
 * @access_rw.flags: MOCK_ACCESS_RW_* bits
 * @memory_limit: arguments of IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT
 * @memory_limit.limit: new limit in bytes (the built-in one is 65536); must
 *                      leave room for at least one batch element
 * @access_replace_ioas: arguments of IOMMU_TEST_OP_ACCESS_REPLACE_IOAS
 * @access_replace_ioas.ioas_id: IOAS the access object moves to
 * @dirty: arguments of IOMMU_TEST_OP_DIRTY, on a mock page table made with
 *         IOMMU_HWPT_ALLOC_DIRTY_TRACKING (EINVAL for another)
 * @dirty.flags: reserved, zero
 * @dirty.iova: first IOVA described by the bitmap
 * @dirty.length: bytes described by the bitmap
 * @dirty.page_size: bytes covered by one bit, a power of two
 * @dirty.uptr: user bitmap, an array of u64; set bits name the IOVA the
 *              mock device writes to
 * @dirty.out_nr_dirty: how many bits named mapped IOVA and so had their
 *                      entry (or huge entry) marked dirty; 0 while
 *                      tracking is off, as hardware records nothing then
 * @check_iotlb: arguments of IOMMU_TEST_OP_MD_CHECK_IOTLB
 * @check_iotlb.id: IOTLB slot, at most MOCK_NESTED_DOMAIN_IOTLB_ID_MAX
 * @check_iotlb.iotlb: value the slot is expected to hold
 * @trigger_iopf: arguments of IOMMU_TEST_OP_TRIGGER_IOPF
 * @trigger_iopf.dev_id: iommufd device object raising the fault
 * @trigger_iopf.pasid: PASID of the faulting request
 * @trigger_iopf.grpid: page request group index
 * @trigger_iopf.perm: IOMMU_PGFAULT_PERM_* access bits
 * @trigger_iopf.addr: faulting address
 * @pin_timing: arguments of IOMMU_TEST_OP_PIN_TIMING
 * @pin_timing.uptr: first byte of the memory, page aligned
 * @pin_timing.length: bytes, a multiple of the page size, at most 1 GiB
 * @pin_timing.out_pin_ns: time one long-term, writable
 *                         pin_user_pages_fast() of the range took, as the
 *                         pin layer calls it
 * @pin_timing.out_unpin_ns: time unpinning the pages took
 * @last: marks the end of the structure; only used to size it
 *
 * The kernel fills in the out_* members. @trigger_iopf.addr is a plain
 * __u64, not __aligned_u64; it still lands on offset 32 of the command for
 * 32-bit and 64-bit callers alike because the fields before it fill 16 bytes.
 */
struct iommu_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct {
			__aligned_u64 start;
			__aligned_u64 length;
		} add_reserved;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
		} mock_domain;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
			__u32 dev_flags;
		} mock_domain_flags;
		struct {
			__u32 pt_id;
		} mock_domain_replace;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} check_map;
		struct {
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 refs;
		} check_refs;
		struct {
			__u32 out_access_fd;
			__u32 flags;
		} create_access;
		struct {
			__u32 access_pages_id;
		} destroy_access_pages;
		struct {
			__u32 flags;
			__u32 out_access_pages_id;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} access_pages;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 flags;
		} access_rw;
		struct {
			__u32 limit;
		} memory_limit;
		struct {
			__u32 ioas_id;
		} access_replace_ioas;
		struct {
			__u32 flags;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 page_size;
			__aligned_u64 uptr;
			__aligned_u64 out_nr_dirty;
		} dirty;
		struct {
			__u32 id;
			__u32 iotlb;
		} check_iotlb;
		struct {
			__u32 dev_id;
			__u32 pasid;
			__u32 grpid;
			__u32 perm;
			__u64 addr;
		} trigger_iopf;
		struct {
			__aligned_u64 uptr;
			__aligned_u64 length;
			__aligned_u64 out_pin_ns;
			__aligned_u64 out_unpin_ns;
		} pin_timing;
	};
	__u32 last;
};

/* IOVA window that every mock domain can translate (16 MiB up to 2 GiB) */
enum {
	MOCK_APERTURE_START = 1UL << 24,
	MOCK_APERTURE_LAST = (1UL << 31) - 1,
};

/* MOCK_FLAGS_DEVICE_*: how IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS builds a device */
enum {
	/* the device's domains refuse dirty tracking */
	MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0,
	/* the device's domains use a large IO page size */
	MOCK_FLAGS_DEVICE_HUGE_IOVA = 1 << 1,
	/* the device reports PASID support of MOCK_PASID_WIDTH bits */
	MOCK_FLAGS_DEVICE_PASID = 1 << 2,
	/*
	 * Models of real hardware, for IOVA windows (this project's bits,
	 * clear of upstream's); at most one may be given. Each model's
	 * apertures, page sizes and reserved ranges are the MOCK_VTD_*,
	 * MOCK_SMMU_* and MOCK_PPC_* constants below.
	 */
	MOCK_FLAGS_DEVICE_MODEL_VTD = 1 << 16,
	MOCK_FLAGS_DEVICE_MODEL_SMMU = 1 << 17,
	MOCK_FLAGS_DEVICE_MODEL_PPC = 1 << 18,
};

/*
 * The VT-d model: one aperture of 39 address bits with the x86 interrupt
 * range reserved in it; 4 KiB, 2 MiB and 1 GiB pages; any number of windows.
 */
#define MOCK_VTD_APERTURE_LAST ((1ULL << 39) - 1)
#define MOCK_VTD_MSI_START 0xfee00000ULL
#define MOCK_VTD_MSI_LAST 0xfeefffffULL
#define MOCK_VTD_PAGE_SIZES ((1ULL << 12) | (1ULL << 21) | (1ULL << 30))

/*
 * The SMMUv3 model: one aperture of 48 address bits with a 1 MiB software
 * MSI window reserved in it; the same pages as the VT-d model.
 */
#define MOCK_SMMU_APERTURE_LAST ((1ULL << 48) - 1)
#define MOCK_SMMU_MSI_START 0x8000000ULL
#define MOCK_SMMU_MSI_LAST 0x80fffffULL
#define MOCK_SMMU_PAGE_SIZES MOCK_VTD_PAGE_SIZES

/*
 * The PowerPC TCE model: at most two windows, one starting at 0 and below
 * 4 GiB, one starting at 1 << 59; each window has one page size of
 * 4 KiB, 64 KiB, 2 MiB or 16 MiB and up to MOCK_PPC_MAX_LEVELS levels, all
 * chosen when it is made. Without windows (an IOAS made the upstream way)
 * both apertures are translated and the IOVA between them is reserved.
 */
#define MOCK_PPC_WINDOWS 2
#define MOCK_PPC_LOW_LAST 0xffffffffULL
#define MOCK_PPC_HIGH_START 0x0800000000000000ULL
#define MOCK_PPC_HIGH_LAST (MOCK_PPC_HIGH_START + (1ULL << 40) - 1)
#define MOCK_PPC_PAGE_SIZES ((1ULL << 12) | (1ULL << 16) | (1ULL << 21) | \
			     (1ULL << 24))
#define MOCK_PPC_MAX_LEVELS 5

/* Number of PASID bits a MOCK_FLAGS_DEVICE_PASID device advertises */
#define MOCK_PASID_WIDTH 20

/* MOCK_FLAGS_ACCESS_CREATE_*: options of IOMMU_TEST_OP_CREATE_ACCESS */
enum {
	/* the access object is a pinning user (it has no unmap callback) */
	MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES = 1 << 0,
};

/* MOCK_FLAGS_ACCESS_*: options of IOMMU_TEST_OP_ACCESS_PAGES */
enum {
	/* pin the pages for writing */
	MOCK_FLAGS_ACCESS_WRITE = 1 << 0,
	/*
	 * IOVA is an encoded (area, offset) pair as generated by syzkaller;
	 * also understood by IOMMU_TEST_OP_ACCESS_RW
	 */
	MOCK_FLAGS_ACCESS_SYZ = 1 << 16,
};

/* MOCK_ACCESS_RW_*: options of IOMMU_TEST_OP_ACCESS_RW */
enum {
	/* copy from the user buffer into IOVA, not the other way round */
	MOCK_ACCESS_RW_WRITE = 1 << 0,
	/* go through the page-at-a-time path instead of the direct one */
	MOCK_ACCESS_RW_SLOW_PATH = 1 << 2,
};

/* Most page requests a mock device keeps for a group it has not closed */
#define MOCK_IOPF_PARTIAL_MAX 4

/* Size of the fake IOTLB array held by a nested mock domain */
enum {
	MOCK_NESTED_DOMAIN_IOTLB_ID_MAX = 3,
	MOCK_NESTED_DOMAIN_IOTLB_NUM = 4,
};

/*
 * IOMMU_GET_HW_INFO on a mock device reports this data type and fills
 * &struct iommu_test_hw_info, whose test_reg holds the fixed pattern below.
 */
#define IOMMU_HW_INFO_TYPE_SELFTEST	0xfeedbeef
#define IOMMU_HW_INFO_SELFTEST_REGVAL	0xdeadbeef

/**
 * struct iommu_test_hw_info - mock driver's IOMMU_GET_HW_INFO payload
 * @flags: always zero
 * @test_reg: IOMMU_HW_INFO_SELFTEST_REGVAL
 */
struct iommu_test_hw_info {
	__u32 flags;
	__u32 test_reg;
};

/*
 * IOMMU_HWPT_ALLOC data type for a nested mock domain; chosen so that it can
 * never clash with a real enum iommu_hwpt_data_type value.
 */
#define IOMMU_HWPT_DATA_SELFTEST 0xdead
/* What each IOTLB slot of a fresh nested mock domain contains */
#define IOMMU_TEST_IOTLB_DEFAULT 0xbadbeef

/**
 * struct iommu_hwpt_selftest - IOMMU_HWPT_DATA_SELFTEST allocation data
 * @iotlb: starting value of every IOTLB slot, normally
 *         IOMMU_TEST_IOTLB_DEFAULT
 * @__reserved: (extension) must be 0
 * @s1_offset: (extension) what the first stage adds to every input
 *             address, a multiple of the mock's IO page size: the first
 *             stage maps IOVA to IOVA + @s1_offset, which the parent then
 *             translates. Callers that pass only @iotlb, as upstream's
 *             structure has it, get 0: a first stage that changes nothing.
 */
struct iommu_hwpt_selftest {
	__u32 iotlb;
	__u32 __reserved;
	__aligned_u64 s1_offset;
};

/*
 * IOMMU_HWPT_INVALIDATE data types understood by the mock driver: the first
 * is the valid one, the second is deliberately rejected. Neither may ever
 * equal a real enum iommu_hwpt_invalidate_data_type value.
 */
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST 0xdeadbeef
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID 0xdadbeef

/* Flag of &struct iommu_hwpt_invalidate_selftest: wipe every IOTLB slot */
#define IOMMU_TEST_INVALIDATE_FLAG_ALL	1

/**
 * struct iommu_hwpt_invalidate_selftest - one mock invalidation request
 * @flags: zero or IOMMU_TEST_INVALIDATE_FLAG_ALL
 * @iotlb_id: IOTLB slot to reset; at most MOCK_NESTED_DOMAIN_IOTLB_ID_MAX
 *            even with the ALL flag, which resets them all
 */
struct iommu_hwpt_invalidate_selftest {
	__u32 flags;
	__u32 iotlb_id;
};

#endif /* _IOMMUFD_NG_TEST_ABI_H */
