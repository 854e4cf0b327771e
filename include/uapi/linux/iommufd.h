/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * User ABI of /dev/iommu.
 *
 * A program opens /dev/iommu, builds IO address spaces (IOAS) out of its own
 * memory, and lets VFIO attach devices to them; the IOMMU then confines the
 * DMA of those devices to what was mapped. Everything here is shared with
 * upstream Linux's iommufd: the command numbers, the structure layouts, the
 * constants and the error codes, so programs written for upstream work
 * unchanged.
 *
 * Command numbers:
 *   0x80 - 0x8e  the command set of upstream Linux 6.12.
 *   0x8f - 0x94  numbers upstream assigned after 6.12. Only 0x8f
 *                (IOMMU_IOAS_MAP_FILE) is provided here; the rest stay unused
 *                so that they keep upstream's meaning if added later.
 *   0xa0         IOMMU_TEST_CMD, the selftest-only command that exists
 *                when the kernel is built with the IOMMUFD_TEST option; it
 *                is declared in the driver's iommufd_test.h.
 *   0xb0 and up  commands of this project that upstream does not have.
 *
 * Layout of this file: the general rules, the table of command numbers and
 * ioctl codes, then the argument structures grouped by topic (objects, IO
 * address spaces, options and VFIO compatibility, device information,
 * hardware page tables, dirty tracking, cache invalidation, I/O page faults).
 */
#ifndef _UAPI_IOMMUFD_H
#define _UAPI_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: Rules shared by all /dev/iommu commands
 *
 * Each command is an ioctl() on a file descriptor obtained by opening
 * /dev/iommu. The ioctl argument points at the command's own structure, and
 * the first member of every such structure is a __u32 called size: the
 * number of bytes of the structure the caller was built with. A structure
 * is only ever extended by adding members at its end, so callers and
 * kernels of different ages interoperate:
 *
 *  - A size smaller than the first published version of the structure is
 *    refused with EINVAL.
 *  - A size larger than what this kernel knows is accepted when every byte
 *    beyond the known part is zero; any non-zero byte there yields E2BIG.
 *  - Results are written back only into the first size bytes.
 *
 * Objects made through a file descriptor (IO address spaces, hardware page
 * tables, bound devices, fault queues and so on) are named by a __u32 ID.
 * IDs are private to that file descriptor and 0 is never a valid ID.
 *
 * The following error numbers mean the same thing for every command:
 *
 *  - ENOTTY: the ioctl number is not a command of this kernel.
 *  - E2BIG: the caller's structure is longer than the kernel's and its
 *    surplus bytes are not all zero.
 *  - EOPNOTSUPP: the structure is understood, but a flag bit, a type code,
 *    or a member marked reserved carries a value this kernel does not
 *    implement. Unused flag bits and reserved members must be zero.
 *  - EINVAL: the request is understood, but one of its values is
 *    unacceptable, for instance a misaligned IOVA or a zero length.
 *  - ENOENT: an ID refers to no object, or to an object of the wrong kind,
 *    or an IOVA range covers nothing that is mapped.
 *  - EFAULT: the argument or a buffer it points at is not accessible. A
 *    command that maps (IOAS_MAP, IOAS_MAP_FILE, IOAS_COPY) or grants a
 *    window and then cannot write its reply takes back what it made, and
 *    only that: what other threads changed meanwhile stays. IOAS_UNMAP
 *    and a set of IOMMU_OPTION cannot take their change back: from them,
 *    EFAULT after the argument was read means the change was made.
 *  - ENOMEM: a kernel allocation failed.
 *  - EOVERFLOW: an address plus a length wraps around, or a value is too
 *    large for the kernel's native types.
 *  - EIO: the IOMMU, or the hypervisor that owns it, refused to change its
 *    translation tables (on PowerPC pSeries, a TCE or dynamic DMA window
 *    hypercall failed) while mapping, granting a window or attaching; what
 *    the command changed is taken back.
 *
 * Individual commands add a few more, described with each structure. The
 * most common ones are EEXIST (a mapping at a fixed IOVA would overlap an
 * existing one), EMSGSIZE (the array handed to IOMMU_IOAS_IOVA_RANGES is too
 * short), EADDRINUSE (IOVA that must remain usable collides with reserved
 * IOVA), ENOSPC (no free IOVA is large enough for an automatic placement),
 * EBUSY (IOMMU_DESTROY on an object that something still depends on) and
 * EPERM (missing privilege, or a permission the memory does not grant).
 */

#define IOMMUFD_TYPE (';')

/*
 * Command numbers, the nr field of the ioctl codes. They are part of the
 * ABI: never renumber, never reuse.
 */
enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
	IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f,
	/* 0x90 - 0x94: kept free, upstream uses them for later commands */
	/* 0xa0: IOMMU_TEST_CMD, see drivers/iommu/iommufd/iommufd_test.h */
	/* 0xb0 and up: this project's own commands */
	IOMMUFD_CMD_PIN_STATS = 0xb0,
	IOMMUFD_CMD_IOAS_WINDOW_ADD = 0xb1,
	IOMMUFD_CMD_IOAS_WINDOW_REMOVE = 0xb2,
	IOMMUFD_CMD_WINDOW_CAPS = 0xb3,
	IOMMUFD_CMD_DEVICE_ATTACH_EXTRA = 0xb4,
	IOMMUFD_CMD_DEVICE_DETACH_EXTRA = 0xb5,
	IOMMUFD_CMD_HWPT_FORMATS = 0xb6,
};

/*
 * The ioctl codes. All of them are _IO(): the argument size travels in the
 * structure's size member instead of the code.
 */
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)
#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)
#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)
#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)
#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)
#define IOMMU_HWPT_SET_DIRTY_TRACKING \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)
#define IOMMU_HWPT_GET_DIRTY_BITMAP \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)
#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)
#define IOMMU_FAULT_QUEUE_ALLOC \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)
#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE)
#define IOMMU_PIN_STATS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_PIN_STATS)
#define IOMMU_IOAS_WINDOW_ADD _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_WINDOW_ADD)
#define IOMMU_IOAS_WINDOW_REMOVE \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_WINDOW_REMOVE)
#define IOMMU_WINDOW_CAPS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_WINDOW_CAPS)
#define IOMMU_DEVICE_ATTACH_EXTRA \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_DEVICE_ATTACH_EXTRA)
#define IOMMU_DEVICE_DETACH_EXTRA \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_DEVICE_DETACH_EXTRA)
#define IOMMU_HWPT_FORMATS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_FORMATS)

/* ---- Objects ----------------------------------------------------------- */

/**
 * struct iommu_destroy - argument of IOMMU_DESTROY
 * @size: sizeof(struct iommu_destroy)
 * @id: ID of the object to remove
 *
 * Removes one object, of any kind user space may remove, and frees its ID.
 * An object that others still rely on stays in place and the call fails
 * with EBUSY: an IOAS that devices or hardware page tables use, a hardware
 * page table with devices attached or nested page tables built on it, a
 * fault queue whose file is open or that a page table names. Device and access objects that a
 * kernel driver created for the file stay busy until that driver releases
 * them.
 * Closing the file descriptor removes every remaining object.
 */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};

/* ---- IO address spaces ------------------------------------------------- */

/**
 * enum iommufd_ioas_alloc_flags - what kind of IOAS IOMMU_IOAS_ALLOC makes
 * @IOMMU_IOAS_ALLOC_WINDOWED: (extension of this project) the IOAS starts
 *     with no valid IOVA at all: only the windows user space asks for with
 *     IOMMU_IOAS_WINDOW_ADD can be mapped. The bit is taken well above the
 *     low bits, which stay free for flags upstream may define.
 */
enum iommufd_ioas_alloc_flags {
	IOMMU_IOAS_ALLOC_WINDOWED = 1 << 16,
};

/**
 * struct iommu_ioas_alloc - argument of IOMMU_IOAS_ALLOC
 * @size: sizeof(struct iommu_ioas_alloc)
 * @flags: 0 or IOMMU_IOAS_ALLOC_WINDOWED
 * @out_ioas_id: receives the ID of the new IOAS
 *
 * Creates an IO address space: the set of IOVA-to-memory mappings that the
 * devices attached to it will see. It starts with no mappings. Without
 * flags, every IOVA the attached devices can translate is valid, as in
 * upstream Linux; a windowed IOAS is described with struct
 * iommu_ioas_window_add.
 */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};

/**
 * enum iommufd_ioas_map_flags - how a mapping is placed and what DMA it allows
 * @IOMMU_IOAS_MAP_FIXED_IOVA: place the mapping at the IOVA the caller gives;
 *                             without it the kernel chooses the IOVA
 * @IOMMU_IOAS_MAP_WRITEABLE: devices may write through the mapping
 * @IOMMU_IOAS_MAP_READABLE: devices may read through the mapping
 *
 * Used by IOMMU_IOAS_MAP, IOMMU_IOAS_MAP_FILE and IOMMU_IOAS_COPY. At least
 * one of WRITEABLE and READABLE must be set, otherwise EINVAL.
 */
enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

/**
 * struct iommu_ioas_map - argument of IOMMU_IOAS_MAP
 * @size: sizeof(struct iommu_ioas_map)
 * @flags: bits of enum iommufd_ioas_map_flags
 * @ioas_id: IOAS that receives the mapping
 * @__reserved: must be 0
 * @user_va: address, in the caller's address space, of the memory to map
 * @length: size in bytes of the range to map
 * @iova: with IOMMU_IOAS_MAP_FIXED_IOVA, the IOVA to map at (input);
 *        otherwise the IOVA the kernel picked (output)
 *
 * Makes the caller's memory [@user_va, @user_va + @length) reachable by DMA
 * at [@iova, @iova + @length) for every device attached to the IOAS. The
 * pages are pinned, and charged to the locked-memory limit described under
 * IOMMU_OPTION_RLIMIT_MODE, by this command, whether or not a device is
 * attached yet, and stay pinned until the mapping is removed. This differs
 * from upstream, which pins only once a page table or an emulated access
 * needs the pages: here EFAULT (memory that cannot be pinned) and ENOMEM
 * (over the limit) come from the map, never from a later attach.
 *
 * A fixed @iova and @length must respect the alignment reported by
 * IOMMU_IOAS_IOVA_RANGES, must lie outside reserved IOVA (EINVAL), and must
 * not overlap any existing mapping (EEXIST); a mapping is never replaced in
 * place. Without FIXED_IOVA the kernel looks for a free, suitably aligned
 * hole inside the allowed ranges (see IOMMU_IOAS_ALLOW_IOVAS), never in the
 * first or the last page of the IOVA space, and fails with ENOSPC when none
 * is large enough. The memory must start as far into an IO page as the
 * IOVA does (EINVAL otherwise, before anything is pinned).
 *
 * Errors, besides the common ones: EINVAL for a zero @length, no access
 * flag, a misaligned @iova, @length or @user_va, or a fixed range that
 * covers reserved IOVA; EEXIST if a fixed range overlaps a mapping; ENOSPC
 * as above; ERANGE and EFBIG in a windowed IOAS (see the IOVA windows
 * section); EFAULT for memory that cannot be pinned (unmapped, or
 * read-only for a writable mapping); ENOMEM also when the pages would
 * exceed the locked-memory limit.
 */
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};

/**
 * struct iommu_ioas_map_file - argument of IOMMU_IOAS_MAP_FILE
 * @size: sizeof(struct iommu_ioas_map_file)
 * @flags: bits of enum iommufd_ioas_map_flags, with the same effect as for
 *         IOMMU_IOAS_MAP
 * @ioas_id: IOAS that receives the mapping
 * @fd: file descriptor of the memfd that supplies the memory
 * @start: offset in bytes within the file of the first byte to map
 * @length: size in bytes of the range to map
 * @iova: input or output, exactly as &struct iommu_ioas_map.iova
 *
 * Identical to IOMMU_IOAS_MAP except for where the memory comes from: the
 * bytes [@start, @start + @length) of a memfd (a shmem or hugetlbfs file)
 * are mapped, with no need for the file to be mmap()ed by the caller.
 * IOVA placement and alignment follow IOMMU_IOAS_MAP, with @start in the
 * part of the user address. Pages of the same file already pinned by the
 * caller's accounting owner (by an earlier IOMMU_IOAS_MAP_FILE, through any
 * file descriptor of that file) are shared, not pinned or charged again;
 * pages reached through IOMMU_IOAS_MAP of an mmap() of the file are pinned
 * separately.
 *
 * Errors are those of IOMMU_IOAS_MAP, plus: EBADF if @fd is not an open
 * file; EINVAL if it is not a memfd or the range goes past the end of the
 * file; EACCES for IOMMU_IOAS_MAP_WRITEABLE on a file not opened for
 * writing; EPERM for IOMMU_IOAS_MAP_WRITEABLE on a file sealed with
 * F_SEAL_WRITE or F_SEAL_FUTURE_WRITE. While a writable mapping exists,
 * F_SEAL_WRITE cannot be added to the file (EBUSY), as with a shared
 * writable mmap(). Like IOMMU_IOAS_MAP, the pages are pinned at once;
 * pages that truncation or hole punching takes out of the file stay pinned
 * and mapped until unmapped.
 */
struct iommu_ioas_map_file {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 iova;
};

/**
 * struct iommu_ioas_copy - argument of IOMMU_IOAS_COPY
 * @size: sizeof(struct iommu_ioas_copy)
 * @flags: bits of enum iommufd_ioas_map_flags, applying to the new mapping
 * @dst_ioas_id: IOAS that receives the new mapping
 * @src_ioas_id: IOAS whose existing mappings provide the memory
 * @length: size in bytes of the range to copy
 * @dst_iova: with IOMMU_IOAS_MAP_FIXED_IOVA, the IOVA to map at in the
 *            destination (input); otherwise the IOVA picked (output)
 * @src_iova: first IOVA of the source range
 *
 * Creates in the destination IOAS a mapping of the very same memory that is
 * mapped at [@src_iova, @src_iova + @length) in the source IOAS. That source
 * range must be covered by mappings without gaps (ENOENT otherwise). The
 * memory is not looked up in the caller's address space again and pages
 * already pinned are shared rather than pinned and accounted a second
 * time, which makes this the cheap way to replicate mappings between IO
 * address spaces. Placement in the destination follows IOMMU_IOAS_MAP.
 */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};

/**
 * struct iommu_ioas_unmap - argument of IOMMU_IOAS_UNMAP
 * @size: sizeof(struct iommu_ioas_unmap)
 * @ioas_id: IOAS to remove mappings from
 * @iova: first IOVA of the range to clear
 * @length: on input, the length in bytes of the range; on output, how many
 *          bytes were actually unmapped
 *
 * Removes every mapping lying inside [@iova, @iova + @length). Mappings are
 * removed whole: if one of them is only partly inside the range, nothing is
 * unmapped and the call fails with ENOENT, as it does when the range holds no
 * mapping at all. The pair @iova = 0, @length = U64_MAX clears the entire
 * IOAS and succeeds even when it is already empty. When an emulated device
 * (an access) holds pages of the range, its driver is asked to release
 * them first; if it still holds them afterwards, the call fails with
 * EDEADLOCK.
 */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};

/**
 * struct iommu_iova_range - one contiguous range of IOVA
 * @start: lowest IOVA of the range
 * @last: highest IOVA of the range, included in it
 *
 * Array element of IOMMU_IOAS_IOVA_RANGES and IOMMU_IOAS_ALLOW_IOVAS.
 */
struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/**
 * struct iommu_ioas_iova_ranges - argument of IOMMU_IOAS_IOVA_RANGES
 * @size: sizeof(struct iommu_ioas_iova_ranges)
 * @ioas_id: IOAS to query
 * @num_iovas: on input, the capacity of the @allowed_iovas array; on output,
 *             the number of ranges the IOAS currently has
 * @__reserved: must be 0
 * @allowed_iovas: user address of an array of &struct iommu_iova_range that
 *                 receives the ranges, in ascending order
 * @out_iova_alignment: receives the alignment every IOVA and length given to
 *                      IOMMU_IOAS_MAP, IOMMU_IOAS_MAP_FILE or IOMMU_IOAS_COPY
 *                      must have
 *
 * Reports which IOVA can currently be mapped in the IOAS. An IOAS with
 * nothing attached offers the whole address space. Each attached device, or
 * the hardware page tables behind it, may remove parts of it (address-width
 * limits, apertures, MSI windows and other reserved regions) and detaching
 * can give them back, so the answer should be read again after each attach
 * and detach.
 *
 * If the array is too small for all ranges, the call fails with EMSGSIZE
 * and still sets @num_iovas to the number needed, so the caller can grow
 * the array and ask again.
 *
 * @out_iova_alignment is a power of two no larger than the CPU page size; 1
 * means there is no restriction. Both the first IOVA and the end
 * (IOVA + length) of a new mapping must be multiples of it.
 */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};

/**
 * struct iommu_ioas_allow_iovas - argument of IOMMU_IOAS_ALLOW_IOVAS
 * @size: sizeof(struct iommu_ioas_allow_iovas)
 * @ioas_id: IOAS to configure
 * @num_iovas: number of entries in @allowed_iovas; 0 empties the list
 * @__reserved: must be 0
 * @allowed_iovas: user address of an array of &struct iommu_iova_range
 *
 * Sets the IOAS's list of allowed ranges, replacing the previous list in
 * full. The list does two things:
 *
 *  - It guarantees that the IOVA it covers stays usable. Attaching a device
 *    whose restrictions would reserve any of it is refused, and the call
 *    itself fails with EADDRINUSE if any of it is already reserved.
 *  - When the list is not empty, IOVA that the kernel picks for a mapping
 *    (no IOMMU_IOAS_MAP_FIXED_IOVA) is taken only from inside it.
 *
 * Each range must have start below last, and ranges must not overlap one
 * another, otherwise EINVAL.
 */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};

/* ---- IOVA windows (extension of this project) -------------------------- */

/**
 * DOC: IOVA windows
 *
 * An IOAS made with IOMMU_IOAS_ALLOC_WINDOWED has no valid IOVA until user
 * space asks for windows, and the kernel grants each window only if the
 * hardware of every device attached to the IOAS can translate it. Inside a
 * windowed IOAS:
 *
 *  - IOMMU_IOAS_MAP, IOMMU_IOAS_MAP_FILE and IOMMU_IOAS_COPY at a fixed
 *    IOVA fail with ERANGE unless the whole range lies inside one window;
 *    IOVA the kernel chooses is always inside a window (and inside the
 *    allowed ranges of IOMMU_IOAS_ALLOW_IOVAS, if any).
 *  - IOMMU_IOAS_IOVA_RANGES reports exactly the usable parts of the
 *    windows: the windows minus what attached devices reserve.
 *  - Attaching a device fails, changing nothing, if its hardware cannot
 *    provide every window with the same errno IOMMU_IOAS_WINDOW_ADD would
 *    give. Granted windows are never narrowed.
 *  - A window has an IO page size, PAGE_SIZE unless asked otherwise. A
 *    mapping in a window whose page size is larger must have its IOVA and
 *    length aligned to it (EINVAL otherwise) and be backed by memory that
 *    is physically contiguous and aligned at that size, such as huge pages
 *    (EFBIG otherwise).
 *
 * IOMMU_WINDOW_CAPS tells what windows a device, or every device of an
 * IOAS together, can have.
 */

/**
 * enum iommufd_window_flags - how IOMMU_IOAS_WINDOW_ADD places a window
 * @IOMMU_IOAS_WINDOW_EXACT: the window is exactly [iova, iova + length);
 *     without it, the kernel chooses the start inside [lowest, highest]
 */
enum iommufd_window_flags {
	IOMMU_IOAS_WINDOW_EXACT = 1 << 0,
};

/**
 * struct iommu_ioas_window_add - argument of IOMMU_IOAS_WINDOW_ADD
 * @size: sizeof(struct iommu_ioas_window_add)
 * @flags: bits of enum iommufd_window_flags
 * @ioas_id: a windowed IOAS
 * @levels: number of translation levels the window's table should have, a
 *          hint for hardware where it is chosen per window; 0 lets the
 *          kernel choose
 * @iova: with IOMMU_IOAS_WINDOW_EXACT, the first IOVA of the window; on
 *        return, the first IOVA of the window granted
 * @length: size of the window in bytes
 * @lowest: without IOMMU_IOAS_WINDOW_EXACT, the lowest acceptable first
 *          IOVA; ignored with it
 * @highest: without IOMMU_IOAS_WINDOW_EXACT, the highest acceptable last
 *           IOVA; 0 means no limit; ignored with it
 * @align: without IOMMU_IOAS_WINDOW_EXACT, a power of two the first IOVA
 *         must be a multiple of; 0 means the page size. The window starts
 *         at a multiple of the page size too, whatever @align says.
 *         Ignored with IOMMU_IOAS_WINDOW_EXACT.
 * @page_size: IO page size of the window, a power of two of at least 4096;
 *             0 means PAGE_SIZE
 *
 * Grants a window of IOVA in which memory can then be mapped. A request is
 * either exact ("this range, as an emulated vIOMMU requires") or by
 * constraints ("1 GiB below 4 GiB", placed at the lowest start that
 * satisfies every constraint); in both cases the kernel checks it
 * against the windows already granted and against every attached device:
 * its apertures, its reserved and MSI ranges, the number of windows its
 * hardware has, its page sizes and levels.
 *
 * Errors, besides the common ones:
 *
 *  - EINVAL: @ioas_id is not windowed; @length is 0; @page_size is not a
 *    power of two of at least 4096; @iova (if exact) or @length is not a
 *    multiple of the page size; by constraints, @align is not a power of
 *    two or @lowest is above @highest.
 *  - EOVERFLOW: the range wraps around the end of the address space.
 *  - EEXIST: an exact window overlaps a window already granted.
 *  - EADDRINUSE: an exact window covers IOVA an attached device reserves.
 *  - ERANGE: an exact window lies outside every aperture of a device, or
 *    does not start where a fixed-start aperture requires.
 *  - EOPNOTSUPP: a device does not support @page_size or @levels, or an
 *    exact window's length is not a power of two where the device needs
 *    one (IOMMU_APERTURE_POW2_LENGTH).
 *  - ENOSPC: a device has no window left, or no placement satisfies the
 *    constraints (a length that is not a power of two fits no aperture
 *    that needs one).
 *
 * A refused request changes nothing.
 */
struct iommu_ioas_window_add {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 levels;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 lowest;
	__aligned_u64 highest;
	__aligned_u64 align;
	__aligned_u64 page_size;
};

/**
 * struct iommu_ioas_window_remove - argument of IOMMU_IOAS_WINDOW_REMOVE
 * @size: sizeof(struct iommu_ioas_window_remove)
 * @flags: must be 0
 * @ioas_id: a windowed IOAS
 * @__reserved: must be 0
 * @iova: first IOVA of the window
 *
 * Gives a window back. Errors: EINVAL if the IOAS is not windowed, ENOENT
 * if no window starts at @iova, EBUSY if anything is still mapped in it.
 */
struct iommu_ioas_window_remove {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 iova;
};

/**
 * enum iommufd_aperture_flags - constraints of one aperture
 * @IOMMU_APERTURE_FIXED_START: a window in this aperture must start at its
 *     first IOVA (only its length is chosen)
 * @IOMMU_APERTURE_ONE_PAGE_SIZE: a window here translates with exactly one
 *     of the page sizes, chosen when the window is made. Without the flag,
 *     any power of two from the smallest page size on may be a window's page
 *     size, and the hardware uses the larger sizes where it can.
 * @IOMMU_APERTURE_POW2_LENGTH: the length of a window here is a power of two
 *     (PowerPC's TCE tables); IOMMU_IOAS_WINDOW_ADD refuses another length
 *     with EOPNOTSUPP
 */
enum iommufd_aperture_flags {
	IOMMU_APERTURE_FIXED_START = 1 << 0,
	IOMMU_APERTURE_ONE_PAGE_SIZE = 1 << 1,
	IOMMU_APERTURE_POW2_LENGTH = 1 << 2,
};

/**
 * struct iommu_window_aperture - where windows can be placed
 * @start: first IOVA the hardware can translate here
 * @last: last such IOVA, included
 * @page_sizes: bitmap of the IO page sizes the hardware translates with
 * @flags: bits of enum iommufd_aperture_flags
 * @max_levels: the largest number of table levels a window here may be
 *              given; 0 if levels cannot be chosen
 *
 * Array element of IOMMU_WINDOW_CAPS.
 */
struct iommu_window_aperture {
	__aligned_u64 start;
	__aligned_u64 last;
	__aligned_u64 page_sizes;
	__u32 flags;
	__u32 max_levels;
};

/**
 * struct iommu_window_caps - argument of IOMMU_WINDOW_CAPS
 * @size: sizeof(struct iommu_window_caps)
 * @flags: must be 0
 * @object_id: a bound device, or an IOAS
 * @out_max_windows: how many windows can exist at once; 0 means no limit
 *                   other than the apertures
 * @num_apertures: on input, the capacity of @apertures; on output, the
 *                 number of apertures
 * @num_reserved: on input, the capacity of @reserved; on output, the number
 *                of reserved ranges
 * @apertures: user address of an array of &struct iommu_window_aperture
 * @reserved: user address of an array of &struct iommu_iova_range: IOVA
 *            no window may cover (MSI windows, firmware ranges)
 *
 * Describes what windows are possible, in generic terms rather than vendor
 * registers. For a device, it is what its hardware offers; for an IOAS, it
 * is what every device attached to it offers together (the intersection of
 * apertures and page sizes, the union of reserved ranges, the smallest
 * number of windows); an IOAS with no device attached reports one aperture
 * covering everything.
 *
 * As with IOMMU_IOAS_IOVA_RANGES, arrays that are too small make the call
 * fail with EMSGSIZE after setting the counts to what is needed. Errors
 * besides the common ones: ENOENT if @object_id is neither a device nor an
 * IOAS, ENODEV if the device's hardware cannot describe its windows.
 */
struct iommu_window_caps {
	__u32 size;
	__u32 flags;
	__u32 object_id;
	__u32 out_max_windows;
	__u32 num_apertures;
	__u32 num_reserved;
	__aligned_u64 apertures;
	__aligned_u64 reserved;
};

/**
 * struct iommu_device_extra - argument of IOMMU_DEVICE_ATTACH_EXTRA and
 *                             IOMMU_DEVICE_DETACH_EXTRA
 * @size: sizeof(struct iommu_device_extra)
 * @flags: must be 0
 * @dev_id: a bound device, attached (through VFIO's
 *          VFIO_DEVICE_ATTACH_IOMMUFD_PT, for instance) to a page table of
 *          a windowed IOAS
 * @pt_id: for ATTACH_EXTRA, on input a windowed IOAS or a page table of
 *         one, on output the page table the device now also translates
 *         through; for DETACH_EXTRA, that page table or its IOAS
 *
 * Hardware that routes DMA by address to one of several translation tables
 * (PowerPC's two TCE windows) can serve several IOASes at once, each
 * through its own windows: a 32-bit window in one IOAS and a 64-bit window
 * in another, say. IOMMU_DEVICE_ATTACH_EXTRA makes a device translate the
 * windows of one more IOAS; DMA goes to the IOAS whose window holds its
 * address. Every IOAS of such a device must be windowed, and their windows
 * are one set to its hardware: they may not overlap, they count together
 * against the number of windows IOMMU_WINDOW_CAPS reports, and
 * IOMMU_IOAS_WINDOW_ADD in any of them refuses a window that would break
 * either rule (EEXIST, ENOSPC). Detaching the device (VFIO's
 * VFIO_DEVICE_DETACH_IOMMUFD_PT, or closing it) detaches every IOAS;
 * replacing its page table keeps the extra ones.
 *
 * Errors of ATTACH_EXTRA, besides the common ones: EOPNOTSUPP if the
 * device's hardware cannot route by address; ENOENT if @dev_id is not a
 * device or there is no object @pt_id; EINVAL if @pt_id is neither an IOAS
 * nor a page table, if the device is not attached, or if the IOAS it is
 * attached to or that of @pt_id is not windowed; EEXIST if the device
 * already translates that IOAS, or a window of it overlaps a window of
 * another IOAS of the device; ENOSPC if the IOASes have more windows
 * together than the hardware; and the errors of attaching the device to
 * @pt_id (ERANGE, EOPNOTSUPP, EADDRINUSE for a window the hardware cannot
 * have). DETACH_EXTRA fails with ENOENT if the device does not translate
 * @pt_id as an extra table. A failed call changes nothing.
 */
struct iommu_device_extra {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
};

/* ---- Options and VFIO compatibility ------------------------------------ */

/**
 * enum iommufd_option - options reachable through IOMMU_OPTION
 * @IOMMU_OPTION_RLIMIT_MODE: how pinned pages are charged against
 *     RLIMIT_MEMLOCK. 0, the default, charges the user owning the process;
 *     1 charges the process's mm. It concerns the whole file descriptor, so
 *     object_id must be 0. Changing it needs CAP_SYS_RESOURCE (EPERM
 *     otherwise) and is refused with EBUSY as soon as the file descriptor
 *     holds any object.
 * @IOMMU_OPTION_HUGE_PAGES: per-IOAS option, object_id names the IOAS. 1,
 *     the default, lets physically contiguous pages be merged into larger
 *     IOMMU page table entries; 0 forces every entry to PAGE_SIZE, which is
 *     mostly useful for testing and measurements. Setting 0 fails with
 *     EINVAL while memory is mapped into a page table of the IOAS, and with
 *     EADDRINUSE while a mapping is not aligned to PAGE_SIZE.
 */
enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0,
	IOMMU_OPTION_HUGE_PAGES = 1,
};

/**
 * enum iommufd_option_ops - what IOMMU_OPTION does with the option
 * @IOMMU_OPTION_OP_SET: store val64 as the new value
 * @IOMMU_OPTION_OP_GET: return the current value in val64
 */
enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

/**
 * struct iommu_option - argument of IOMMU_OPTION
 * @size: sizeof(struct iommu_option)
 * @option_id: a value of enum iommufd_option
 * @op: a value of enum iommufd_option_ops
 * @__reserved: must be 0
 * @object_id: object the option belongs to, or 0 for a global option
 * @val64: the value to store, or the value read back
 *
 * Reads or changes one small setting, either of the file descriptor as a
 * whole or of a single object. An unknown option or a value the option does
 * not accept gives EOPNOTSUPP or EINVAL respectively.
 */
struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};

/**
 * enum iommufd_vfio_ioas_op - what IOMMU_VFIO_IOAS does
 * @IOMMU_VFIO_IOAS_GET: report the compatibility IOAS; ENODEV if there is
 *                       none
 * @IOMMU_VFIO_IOAS_SET: make ioas_id the compatibility IOAS
 * @IOMMU_VFIO_IOAS_CLEAR: forget the compatibility IOAS, without destroying it
 */
enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,
	IOMMU_VFIO_IOAS_SET = 1,
	IOMMU_VFIO_IOAS_CLEAR = 2,
};

/**
 * struct iommu_vfio_ioas - argument of IOMMU_VFIO_IOAS
 * @size: sizeof(struct iommu_vfio_ioas)
 * @ioas_id: input for IOMMU_VFIO_IOAS_SET, output for IOMMU_VFIO_IOAS_GET
 * @op: a value of enum iommufd_vfio_ioas_op
 * @__reserved: must be 0
 *
 * The VFIO container interface has no notion of IOAS IDs, so when the file
 * descriptor is used as a VFIO container (or handed to
 * VFIO_GROUP_SET_CONTAINER) every request goes to one IOAS, the
 * compatibility IOAS. If none has been chosen when VFIO first needs it,
 * one is created automatically. This command chooses that IOAS or reports
 * it. Groups and devices already using the compatibility IOAS keep the one
 * they got; a later SET or CLEAR only affects what newcomers see, and CLEAR
 * never destroys an IOAS.
 */
struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};

/* ---- Information about a device's IOMMU -------------------------------- */

/**
 * enum iommu_hw_info_type - format of the driver-specific data of
 *                           IOMMU_GET_HW_INFO
 * @IOMMU_HW_INFO_TYPE_NONE: the IOMMU driver reports no specific data
 * @IOMMU_HW_INFO_TYPE_DEFAULT: on input, asks for the driver's own default
 *                              format; the same value as _NONE
 * @IOMMU_HW_INFO_TYPE_INTEL_VTD: &struct iommu_hw_info_vtd
 * @IOMMU_HW_INFO_TYPE_ARM_SMMUV3: ARM SMMUv3 ID registers; the payload
 *                                 structure is not part of this header yet
 * @IOMMU_HW_INFO_TYPE_SPAPR_TCE: &struct iommu_hw_info_spapr_tce; ours, in
 *                                a range of values upstream does not use
 */
enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_DEFAULT = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	IOMMU_HW_INFO_TYPE_SPAPR_TCE = 0x100,
};

/**
 * struct iommu_hw_info_spapr_tce - a PowerPC partitionable endpoint's DMA
 *                                  windows (IOMMU_HW_INFO_TYPE_SPAPR_TCE)
 * @max_windows: how many windows the endpoint can have at once: 1 (the
 *               default window) or 2 (also a dynamic DMA window)
 * @max_levels: most levels of a TCE table the platform builds
 * @dma32_start: first IOVA of the default 32-bit window
 * @dma32_size: its largest size in bytes; its IO page size is 4 KiB
 * @ddw_start: first IOVA of a dynamic DMA window, which the platform places
 *             there; 0 when the endpoint has none
 * @ddw_size: largest size in bytes a dynamic DMA window is offered with
 * @ddw_page_sizes: bitmap of the IO page sizes a dynamic DMA window may
 *                  have (one per window)
 *
 * The same windows, as IOMMU_WINDOW_CAPS apertures, are what a windowed
 * IOAS can be given; a plain IOAS translates through the default window.
 */
struct iommu_hw_info_spapr_tce {
	__u32 max_windows;
	__u32 max_levels;
	__aligned_u64 dma32_start;
	__aligned_u64 dma32_size;
	__aligned_u64 ddw_start;
	__aligned_u64 ddw_size;
	__aligned_u64 ddw_page_sizes;
};

/**
 * enum iommufd_hw_info_flags - flags of &struct iommu_hw_info
 * @IOMMU_HW_INFO_FLAG_INPUT_TYPE: the caller names the data format it wants
 *                                 in &struct iommu_hw_info.in_data_type
 */
enum iommufd_hw_info_flags {
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,
};

/**
 * enum iommufd_hw_capabilities - generic IOMMU features of a device
 * @IOMMU_HW_CAP_DIRTY_TRACKING: the IOMMU can record which IOVA devices wrote
 *                               to, so IOMMU_HWPT_SET_DIRTY_TRACKING and
 *                               IOMMU_HWPT_GET_DIRTY_BITMAP can be used
 * @IOMMU_HW_CAP_PCI_PASID_EXEC: the device may request execute permission
 *                               with a PASID; meaningless when
 *                               out_max_pasid_log2 is 0
 * @IOMMU_HW_CAP_PCI_PASID_PRIV: the device may request privileged mode with
 *                               a PASID; meaningless when
 *                               out_max_pasid_log2 is 0
 */
enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
};

/**
 * struct iommu_hw_info - argument of IOMMU_GET_HW_INFO
 * @size: sizeof(struct iommu_hw_info)
 * @flags: bits of enum iommufd_hw_info_flags
 * @dev_id: ID of a device bound to this file descriptor
 * @data_len: on input, the size of the buffer at @data_uptr; on output, the
 *            size of the data the driver has, which may be larger or smaller
 * @data_uptr: user pointer to a buffer for the driver-specific data
 * @in_data_type: with IOMMU_HW_INFO_FLAG_INPUT_TYPE, the enum
 *                iommu_hw_info_type format wanted; ignored (treated as
 *                IOMMU_HW_INFO_TYPE_DEFAULT) without it. Shares its storage
 *                with @out_data_type.
 * @out_data_type: receives the enum iommu_hw_info_type format of the data
 *                 written to @data_uptr
 * @out_max_pasid_log2: receives the number of PASID bits the device supports;
 *                      0 when it has no PASID support
 * @__reserved: must be 0
 * @out_capabilities: receives bits of enum iommufd_hw_capabilities
 *
 * Describes the IOMMU that translates the DMA of a bound device. A VMM uses
 * the description to present a compatible virtual IOMMU to its guest, for
 * example so that the guest's stage-1 page tables can be used directly for
 * nested translation.
 *
 * The driver-specific data is copied into the buffer up to the smaller of
 * the two sizes; if the buffer is larger, the part the driver did not fill is
 * zeroed. A @data_len of 0 is allowed and only fills in the other outputs.
 * Asking for a format the driver cannot produce fails with EOPNOTSUPP.
 */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	union {
		__u32 in_data_type;
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};

/**
 * enum iommu_hw_info_vtd_flags - flags of &struct iommu_hw_info_vtd
 * @IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17: the hardware is affected by Intel
 *     erratum 772415 (SPR17). Because of it, a page table that serves as a
 *     nesting parent must not contain read-only mappings, and the kernel
 *     refuses to create them there.
 */
enum iommu_hw_info_vtd_flags {
	IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0,
};

/**
 * struct iommu_hw_info_vtd - data of IOMMU_HW_INFO_TYPE_INTEL_VTD
 * @flags: bits of enum iommu_hw_info_vtd_flags
 * @__reserved: must be 0
 * @cap_reg: raw value of the VT-d Capability Register
 * @ecap_reg: raw value of the VT-d Extended Capability Register
 *
 * The two registers are passed through unchanged; their fields are defined
 * by the Intel VT-d specification (Capability Register and Extended
 * Capability Register sections).
 */
struct iommu_hw_info_vtd {
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 cap_reg;
	__aligned_u64 ecap_reg;
};

/* ---- Hardware page tables ---------------------------------------------- */

/**
 * enum iommufd_hwpt_alloc_flags - flags of IOMMU_HWPT_ALLOC
 * @IOMMU_HWPT_ALLOC_NEST_PARENT: the new page table will be able to serve as
 *                                stage 2 beneath nested page tables
 * @IOMMU_HWPT_ALLOC_DIRTY_TRACKING: the new page table must support dirty
 *                                   tracking; devices whose IOMMU cannot
 *                                   provide it are refused at attach time
 * @IOMMU_HWPT_FAULT_ID_VALID: &struct iommu_hwpt_alloc.fault_id names a fault
 *                             queue that receives this page table's I/O
 *                             page faults; for nested page tables only, on
 *                             an IOMMU whose backend delivers faults
 *                             (EOPNOTSUPP otherwise), and an ID that is no
 *                             fault queue is ENOENT
 */
enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
};

/**
 * enum iommu_hwpt_data_type - format of the data passed to IOMMU_HWPT_ALLOC
 * @IOMMU_HWPT_DATA_NONE: no data; the page table is managed by the kernel
 * @IOMMU_HWPT_DATA_VTD_S1: &struct iommu_hwpt_vtd_s1
 */
enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
};

/**
 * struct iommu_hwpt_alloc - argument of IOMMU_HWPT_ALLOC
 * @size: sizeof(struct iommu_hwpt_alloc)
 * @flags: bits of enum iommufd_hwpt_alloc_flags
 * @dev_id: ID of the bound device the page table is made for; its IOMMU
 *          decides the format
 * @pt_id: the IOAS, or the parent hardware page table, to build on
 * @out_hwpt_id: receives the ID of the new hardware page table
 * @__reserved: must be 0
 * @data_type: a value of enum iommu_hwpt_data_type
 * @data_len: size in bytes of the data at @data_uptr
 * @data_uptr: user pointer to the data described by @data_type
 * @fault_id: ID of a fault queue, used only with IOMMU_HWPT_FAULT_ID_VALID
 * @__reserved2: pads the structure to a multiple of 8 bytes; set to 0, not
 *                checked (upstream's ABI ignores it)
 *
 * Creates a hardware page table (HWPT), the object that stands for an IOMMU
 * translation context (an iommu_domain inside the kernel). Attaching a
 * device to an IOAS creates or reuses such objects implicitly; this command
 * lets user space create one explicitly, in one of two kinds:
 *
 *  - A kernel-managed page table, when @pt_id is an IOAS: the kernel fills
 *    it from the IOAS's mappings and keeps it in sync. @data_type must be
 *    IOMMU_HWPT_DATA_NONE. Adding IOMMU_HWPT_ALLOC_NEST_PARENT makes it
 *    usable as the parent of nested page tables.
 *  - A user-managed nested page table, when @pt_id is such a parent: its
 *    first translation stage lives in memory owned by user space (usually a
 *    guest), and @data_type and the data at @data_uptr describe it in a
 *    format the device's IOMMU accepts.
 *
 * With IOMMU_HWPT_DATA_NONE, @data_len and @data_uptr must be 0; with any
 * other type both must be given. A format the IOMMU does not support gives
 * EOPNOTSUPP.
 *
 * A nested page table holds a reference on its parent: the parent cannot
 * be destroyed (EBUSY) while a table nested in it exists. It has no IOAS of
 * its own; its parent keeps translating the parent's IOAS, so a device
 * moves between the parent and the tables nested in it (IOMMU_HWPT_ALLOC
 * is followed by IOMMU_DEVICE_ATTACH or _REPLACE, as for any page table)
 * without its reserved IOVA changing. A nested page table takes no
 * mapping, no IOVA window, no dirty tracking and no extra attachment
 * (IOMMU_DEVICE_ATTACH_EXTRA); the commands for those answer ENOENT or
 * EINVAL for it. Tables do not nest twice.
 *
 * Errors: EOPNOTSUPP for unknown @flags, flags the device's IOMMU cannot
 * grant (a nesting parent, dirty tracking), non-zero @__reserved, driver
 * data or IOMMU_HWPT_FAULT_ID_VALID with an IOAS as @pt_id, any flag but
 * IOMMU_HWPT_FAULT_ID_VALID on a nested table, a nested table
 * without data or on an IOMMU that cannot nest, or a @data_type the IOMMU
 * does not know; EINVAL if @data_len and @data_type disagree, for an
 * unknown @pt_id, an ID that is neither an IOAS nor a page table, a parent
 * made without IOMMU_HWPT_ALLOC_NEST_PARENT, made automatically, or for
 * another kind of IOMMU than the device's, data the IOMMU rejects (of the
 * wrong length, say), or if the device's IOMMU cannot map CPU-sized pages;
 * EFAULT if the data cannot be read; ENOENT if @dev_id is not a device,
 * or if @fault_id, with IOMMU_HWPT_FAULT_ID_VALID, is not a fault queue;
 * EADDRINUSE if a mapping of the IOAS lies where the device cannot
 * translate (outside its aperture, in its reserved IOVA, or misaligned for
 * its IO page sizes). In a windowed IOAS, a window the device cannot
 * translate gives what IOMMU_IOAS_WINDOW_ADD would have given for it
 * (ERANGE, ENOSPC or EOPNOTSUPP). ENOMEM when memory runs out.
 */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};

/**
 * enum iommu_hwpt_vtd_s1_flags - attributes of a VT-d stage-1 page table
 * @IOMMU_VTD_S1_SRE: requests with supervisor privilege are allowed
 * @IOMMU_VTD_S1_EAFE: extended accessed flag enable
 * @IOMMU_VTD_S1_WPE: write protect enable: supervisor requests honour the
 *                    read-only bit
 */
enum iommu_hwpt_vtd_s1_flags {
	IOMMU_VTD_S1_SRE = 1 << 0,
	IOMMU_VTD_S1_EAFE = 1 << 1,
	IOMMU_VTD_S1_WPE = 1 << 2,
};

/**
 * struct iommu_hwpt_vtd_s1 - data of IOMMU_HWPT_DATA_VTD_S1
 * @flags: bits of enum iommu_hwpt_vtd_s1_flags
 * @pgtbl_addr: address of the root of the stage-1 page table, as seen
 *              through the parent (stage-2) translation
 * @addr_width: input address width, in bits, of the stage-1 page table
 * @__reserved: must be 0
 *
 * Describes a guest-owned Intel VT-d first-stage page table to be nested on
 * top of a parent page table.
 */
struct iommu_hwpt_vtd_s1 {
	__aligned_u64 flags;
	__aligned_u64 pgtbl_addr;
	__u32 addr_width;
	__u32 __reserved;
};

/* ---- Dirty tracking ---------------------------------------------------- */

/**
 * enum iommufd_hwpt_set_dirty_tracking_flags - flags of
 *                                              IOMMU_HWPT_SET_DIRTY_TRACKING
 * @IOMMU_HWPT_DIRTY_TRACKING_ENABLE: turn tracking on; when clear, turn it off
 */
enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

/**
 * struct iommu_hwpt_set_dirty_tracking - argument of
 *                                        IOMMU_HWPT_SET_DIRTY_TRACKING
 * @size: sizeof(struct iommu_hwpt_set_dirty_tracking)
 * @flags: bits of enum iommufd_hwpt_set_dirty_tracking_flags
 * @hwpt_id: ID of a kernel-managed hardware page table
 * @__reserved: set to 0; not checked (upstream's ABI ignores it)
 *
 * Starts or stops the recording of DMA writes in the page table. The page
 * table must have been created with IOMMU_HWPT_ALLOC_DIRTY_TRACKING.
 * Starting clears what was recorded before, so that the first
 * IOMMU_HWPT_GET_DIRTY_BITMAP reports only writes made after it; stopping
 * keeps the record for a last read.
 *
 * Errors: EOPNOTSUPP for unknown @flags or a page table made without
 * IOMMU_HWPT_ALLOC_DIRTY_TRACKING; ENOENT if @hwpt_id is not a
 * kernel-managed page table.
 */
struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};

/**
 * enum iommufd_hwpt_get_dirty_bitmap_flags - flags of
 *                                            IOMMU_HWPT_GET_DIRTY_BITMAP
 * @IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR: report the dirty state but leave it
 *     set in the page table. Saves work when the range is about to be
 *     unmapped anyway.
 */
enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

/**
 * struct iommu_hwpt_get_dirty_bitmap - argument of IOMMU_HWPT_GET_DIRTY_BITMAP
 * @size: sizeof(struct iommu_hwpt_get_dirty_bitmap)
 * @hwpt_id: ID of a kernel-managed hardware page table
 * @flags: bits of enum iommufd_hwpt_get_dirty_bitmap_flags
 * @__reserved: must be 0
 * @iova: IOVA described by bit 0 of the bitmap
 * @length: size in bytes of the IOVA range to report
 * @page_size: bytes of IOVA covered by each bit; a power of two
 * @data: user pointer to the bitmap, an array of __u64
 *
 * Walks the page table over [@iova, @iova + @length) and sets, in the
 * caller's bitmap, the bit of every @page_size block that devices wrote to
 * since the dirty state was last cleared. Bits of clean blocks are left as
 * they were, so the caller normally zeroes the bitmap first. The bit for
 * an address addr is number (addr - @iova) / @page_size, counted from the
 * least significant bit of data[0]. Unless
 * IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR is given, the dirty state reported
 * is cleared in the page table. An IO page larger than @page_size that was
 * written to is reported whole.
 *
 * Errors: EOPNOTSUPP for unknown @flags, non-zero @__reserved, or a page
 * table made without IOMMU_HWPT_ALLOC_DIRTY_TRACKING; ENOENT if @hwpt_id is
 * not a kernel-managed page table; EINVAL if @length is 0, @page_size is
 * not a power of two, @iova or @length is not a multiple of @page_size and
 * of the IOAS's IOVA alignment (IOMMU_IOAS_IOVA_RANGES), or some of the
 * range is not mapped; EOVERFLOW if the range wraps; EFAULT if the bitmap
 * cannot be written. All but EFAULT are found before anything is read;
 * EFAULT may come after part of the range was reported and cleared.
 */
struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};

/* ---- Cache invalidation for user-managed page tables ------------------- */

/**
 * enum iommu_hwpt_invalidate_data_type - format of the entries passed to
 *                                        IOMMU_HWPT_INVALIDATE
 * @IOMMU_HWPT_INVALIDATE_DATA_VTD_S1: &struct iommu_hwpt_vtd_s1_invalidate
 */
enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
};

/**
 * struct iommu_hwpt_invalidate - argument of IOMMU_HWPT_INVALIDATE
 * @size: sizeof(struct iommu_hwpt_invalidate)
 * @hwpt_id: the user-managed (nested) hardware page table whose cached
 *           translations are to be flushed
 * @data_uptr: user address of an array of invalidation requests
 * @data_type: a value of enum iommu_hwpt_invalidate_data_type, the format of
 *             every entry; the page table's IOMMU must accept it
 * @entry_len: size in bytes of one entry of the array
 * @entry_num: on input, the number of entries; on output, how many of them
 *             were carried out
 * @__reserved: must be 0
 *
 * After user space changes a page table it manages itself, the IOMMU may
 * still hold translations cached from the old contents. This command asks
 * the kernel to flush them, with one or more requests in a driver-defined
 * format. Requests are processed in order; if one fails, the call returns
 * its error and @entry_num tells how many came before it.
 *
 * With @entry_num equal to 0, @data_uptr and @entry_len are not looked at
 * and the call just tells whether @data_type is supported.
 *
 * Errors, besides the common ones: EOPNOTSUPP if @__reserved is not 0;
 * EINVAL if @entry_num is not 0 and @data_uptr or @entry_len is 0,
 * @entry_len is larger than a page, or @entry_num is above 2^19; ENOENT
 * if @hwpt_id is not a nested page table. @entry_num is 0 after each of
 * these. Then the IOMMU's own errors for the request that failed, with
 * @entry_num counting the requests carried out before it: EINVAL for a
 * @data_type it does not take (with any @entry_num), an entry of the wrong
 * length or with values it refuses, EOPNOTSUPP for an entry with flags it
 * does not know, EFAULT if an entry cannot be read.
 */
struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};

/**
 * enum iommu_hwpt_vtd_s1_invalidate_flags - flags of a VT-d stage-1
 *                                           invalidation request
 * @IOMMU_VTD_INV_FLAGS_LEAF: only leaf entries changed, so the caches of
 *                            non-leaf (paging-structure) entries may be kept
 */
enum iommu_hwpt_vtd_s1_invalidate_flags {
	IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0,
};

/**
 * struct iommu_hwpt_vtd_s1_invalidate - entry of
 *                                       IOMMU_HWPT_INVALIDATE_DATA_VTD_S1
 * @addr: first address to flush; must be aligned to 4 KiB
 * @npages: number of consecutive 4 KiB pages to flush
 * @flags: bits of enum iommu_hwpt_vtd_s1_invalidate_flags
 * @__reserved: must be 0
 *
 * Names a range of a VT-d stage-1 page table whose cached translations must
 * be dropped. @addr 0 with @npages U64_MAX flushes everything cached for the
 * page table. Device TLBs (ATS) are flushed along with the IOMMU's own
 * caches; no separate request is needed.
 */
struct iommu_hwpt_vtd_s1_invalidate {
	__aligned_u64 addr;
	__aligned_u64 npages;
	__u32 flags;
	__u32 __reserved;
};

/* ---- I/O page faults --------------------------------------------------- */

/**
 * struct iommu_fault_alloc - argument of IOMMU_FAULT_QUEUE_ALLOC
 * @size: sizeof(struct iommu_fault_alloc)
 * @flags: no flag is defined yet; must be 0
 * @out_fault_id: receives the object ID of the queue
 * @out_fault_fd: receives a new file descriptor for the queue
 *
 * Creates a queue through which user space services I/O page faults (for
 * instance PCIe PRI requests) of hardware page tables created with
 * IOMMU_HWPT_FAULT_ID_VALID and this queue's ID.
 *
 * read() on @out_fault_fd returns faults as &struct iommu_hwpt_pgfault
 * records. Faults come in groups that are always delivered whole, the last
 * record of a group carrying IOMMU_PGFAULT_FLAGS_LAST_PAGE. The read size
 * must be a multiple of the record size (else ESPIPE) and large enough for
 * the next group (else EINVAL). Once a group is handled, user space write()s
 * one &struct iommu_hwpt_page_response carrying that group's cookie; several
 * responses may be written in one call. poll() reports when faults are
 * waiting. read() never blocks: with nothing waiting it returns 0.
 * Cookies are never 0, and each group is read once.
 *
 * Nothing waits forever: when a device leaves a page table (detached, or
 * moved to another), every group it raised there, read or not, is
 * answered IOMMUFD_PAGE_RESP_INVALID and its cookie stops being valid;
 * when the file is closed, every group is, and so is every fault raised
 * later. The file holds the queue, and each page table naming it does:
 * IOMMU_DESTROY of @out_fault_id is EBUSY until the file is closed and the
 * tables are destroyed. The file also keeps the iommufd file open.
 *
 * Errors: EOPNOTSUPP for unknown @flags; EMFILE without a free file
 * descriptor; ENOMEM.
 */
struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};

/**
 * enum iommu_hwpt_pgfault_flags - flags of &struct iommu_hwpt_pgfault
 * @IOMMU_PGFAULT_FLAGS_PASID_VALID: the request carried a PASID, found in
 *                                   the pasid member
 * @IOMMU_PGFAULT_FLAGS_LAST_PAGE: this record closes its fault group
 */
enum iommu_hwpt_pgfault_flags {
	IOMMU_PGFAULT_FLAGS_PASID_VALID = 1 << 0,
	IOMMU_PGFAULT_FLAGS_LAST_PAGE = 1 << 1,
};

/**
 * enum iommu_hwpt_pgfault_perm - access the faulting request asked for
 * @IOMMU_PGFAULT_PERM_READ: read access
 * @IOMMU_PGFAULT_PERM_WRITE: write access
 * @IOMMU_PGFAULT_PERM_EXEC: execute access; the PASID prefix of the request
 *                           had its Execute Requested bit set (PCIe 10.4.1)
 * @IOMMU_PGFAULT_PERM_PRIV: privileged access; the PASID prefix of the
 *                           request had its Privileged Mode Requested bit
 *                           set (PCIe 10.4.1)
 */
enum iommu_hwpt_pgfault_perm {
	IOMMU_PGFAULT_PERM_READ = 1 << 0,
	IOMMU_PGFAULT_PERM_WRITE = 1 << 1,
	IOMMU_PGFAULT_PERM_EXEC = 1 << 2,
	IOMMU_PGFAULT_PERM_PRIV = 1 << 3,
};

/**
 * struct iommu_hwpt_pgfault - one fault record read from a fault queue
 * @flags: bits of enum iommu_hwpt_pgfault_flags
 * @dev_id: object ID of the bound device that raised the fault
 * @pasid: PASID of the request, meaningful only with
 *         IOMMU_PGFAULT_FLAGS_PASID_VALID
 * @grpid: the Page Request Group Index of the request
 * @perm: bits of enum iommu_hwpt_pgfault_perm
 * @__reserved: always 0
 * @addr: the faulting address
 * @length: how many bytes the device expects to access from @addr, if it
 *          said; 0 when it gave no hint. A handler may use it to resolve
 *          more than one page at a time.
 * @cookie: value identifying the fault group; echo the one found in the
 *          group's last record in the response
 */
struct iommu_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length;
	__u32 cookie;
};

/**
 * enum iommufd_page_response_code - outcome reported for a fault group
 * @IOMMUFD_PAGE_RESP_SUCCESS: the translation now exists; the device should
 *                             retry (PCIe page response "Success")
 * @IOMMUFD_PAGE_RESP_INVALID: the fault cannot be resolved; the device
 *                             should not retry (PCIe page response
 *                             "Invalid Request")
 */
enum iommufd_page_response_code {
	IOMMUFD_PAGE_RESP_SUCCESS = 0,
	IOMMUFD_PAGE_RESP_INVALID = 1,
};

/**
 * struct iommu_hwpt_page_response - one response written to a fault queue
 * @cookie: cookie of the fault group being answered
 * @code: a value of enum iommufd_page_response_code
 *
 * An unknown @code, or a @cookie that names no outstanding group, fails the
 * write() with EINVAL; a write() of several responses stops at the first
 * refused one and returns the bytes of those taken before it, if any. A
 * size that is not a multiple of this structure, or a file position, is
 * ESPIPE.
 */
struct iommu_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};

/* ---- Commands of this project (0xb0 and up) ----------------------------- */

/**
 * struct iommu_pin_stats - argument of IOMMU_PIN_STATS
 * @size: sizeof(struct iommu_pin_stats)
 * @flags: must be 0
 * @object_id: an IOAS, or 0 for every IOAS of the file (the VFIO
 *             compatibility IOAS included) and the memory a SPAPR TCE
 *             container of the file has preregistered
 * @__reserved: must be 0
 * @out_pinned: bytes of memory pinned for the mappings of @object_id (or of
 *              the file), every page counted once however many mappings,
 *              IOASes or copies use it
 * @out_charged: how many bytes of @out_pinned are charged to a locked_vm
 *               and count against RLIMIT_MEMLOCK: all of them, except
 *               pages pinned by a task with CAP_IPC_LOCK
 *
 * Reports what the mappings hold pinned. Pinned pages are shared by every
 * mapping of the same accounting owner (the pinning user, or the pinning
 * process in IOMMU_OPTION_RLIMIT_MODE 1), so mapping memory again, in the
 * same or another IOAS or /dev/iommu file, adds nothing. For a process
 * with a single /dev/iommu file, @out_pinned matches the growth of VmPin
 * in /proc/PID/status, and in RLIMIT_MODE 1 @out_charged matches the growth
 * of VmLck. A page pinned through two sources (a memfd mapped with
 * IOMMU_IOAS_MAP_FILE and, through an mmap() of it, with IOMMU_IOAS_MAP)
 * is pinned, and counted, twice, as in VmPin. The figures are a snapshot:
 * mappings changed by another thread during the call may or may not be
 * counted.
 *
 * Errors: EOPNOTSUPP for non-zero @flags or @__reserved, ENOENT if
 * @object_id is not an IOAS, ENOMEM.
 */
struct iommu_pin_stats {
	__u32 size;
	__u32 flags;
	__u32 object_id;
	__u32 __reserved;
	__aligned_u64 out_pinned;
	__aligned_u64 out_charged;
};

/**
 * enum iommu_hwpt_format_flags - what tables of a user page-table format do
 * @IOMMU_HWPT_FORMAT_FAULTS: a table of the format can send its I/O page
 *                            faults to a fault queue
 *                            (IOMMU_HWPT_FAULT_ID_VALID)
 */
enum iommu_hwpt_format_flags {
	IOMMU_HWPT_FORMAT_FAULTS = 1 << 0,
};

/**
 * struct iommu_hwpt_format - a user page-table format, as the hardware
 *                            takes it
 * @data_type: the enum iommu_hwpt_data_type that IOMMU_HWPT_ALLOC takes
 *             for a table nested in a parent of the same devices
 * @invalidate_type: the enum iommu_hwpt_invalidate_data_type that
 *                   IOMMU_HWPT_INVALIDATE takes for such a table
 * @flags: bits of enum iommu_hwpt_format_flags
 * @addr_width: the most input address bits a table may translate
 * @max_levels: the most levels a table may have
 * @__reserved: 0
 * @page_sizes: bitmap of the page sizes the table's entries may map
 *
 * Array element of IOMMU_HWPT_FORMATS.
 */
struct iommu_hwpt_format {
	__u32 data_type;
	__u32 invalidate_type;
	__u32 flags;
	__u32 addr_width;
	__u32 max_levels;
	__u32 __reserved;
	__aligned_u64 page_sizes;
};

/**
 * enum iommu_hwpt_formats_caps - what the devices' IOMMUs can do
 * @IOMMU_HWPT_CAPS_NEST_PARENT: they make second-stage tables
 *                               (IOMMU_HWPT_ALLOC_NEST_PARENT): the
 *                               hardware can nest at all
 */
enum iommu_hwpt_formats_caps {
	IOMMU_HWPT_CAPS_NEST_PARENT = 1 << 0,
};

/* Most devices IOMMU_HWPT_FORMATS takes in one call. */
#define IOMMU_HWPT_FORMATS_MAX_DEVS 64

/**
 * struct iommu_hwpt_formats - argument of IOMMU_HWPT_FORMATS
 * @size: sizeof(struct iommu_hwpt_formats)
 * @flags: must be 0
 * @num_devs: entries of @dev_ids, 1 to IOMMU_HWPT_FORMATS_MAX_DEVS
 * @num_formats: on input, the capacity of @formats; on output, the number
 *               of formats every device takes
 * @out_caps: bits of enum iommu_hwpt_formats_caps true of every device
 * @__reserved: must be 0
 * @dev_ids: user address of an array of __u32 IDs of bound devices
 * @formats: user address of an array of &struct iommu_hwpt_format
 *
 * Tells which user page-table formats a device's whole path through the
 * IOMMU hardware accepts for nested page tables, so that user space picks
 * one instead of trying each with IOMMU_HWPT_ALLOC until one works. For
 * several devices, it is the formats every one of them accepts, such that
 * one table nested in one parent can serve them all: a format appears
 * only if every device's IOMMU has it and can share tables of it with the
 * others, with the narrowest constraints of all (the smallest
 * @addr_width and @max_levels, the page sizes they all have). An empty
 * answer for two devices that each have formats says, before anything is
 * made, that they cannot share a nested table.
 *
 * No format, with IOMMU_HWPT_CAPS_NEST_PARENT clear, is the answer for
 * hardware that cannot nest at all (QEMU's emulated VT-d and SMMUv3, the
 * PowerPC TCE tables); IOMMU_HWPT_ALLOC then refuses
 * IOMMU_HWPT_ALLOC_NEST_PARENT with EOPNOTSUPP. A parent without formats
 * (IOMMU_HWPT_CAPS_NEST_PARENT set, @num_formats 0) is hardware that nests
 * for the kernel's own use only.
 *
 * The flow: ask with the devices a guest's vIOMMU will hold; pick a
 * format; make a parent with IOMMU_HWPT_ALLOC_NEST_PARENT on the IOAS of
 * the guest's memory, then a nested table of that format on the parent;
 * attach the devices. A device that cannot take the table is refused at
 * attach with EINVAL, changing nothing.
 *
 * As with IOMMU_IOAS_IOVA_RANGES, an array too small for the answer makes
 * the call fail with EMSGSIZE after setting @num_formats to what is
 * needed. Errors besides the common ones: EOPNOTSUPP for unknown @flags or
 * a non-zero @__reserved; EINVAL for a @num_devs of 0 or above
 * IOMMU_HWPT_FORMATS_MAX_DEVS; ENOENT if an entry of @dev_ids is not a
 * bound device; EFAULT if an array cannot be read or written.
 */
struct iommu_hwpt_formats {
	__u32 size;
	__u32 flags;
	__u32 num_devs;
	__u32 num_formats;
	__u32 out_caps;
	__u32 __reserved;
	__aligned_u64 dev_ids;
	__aligned_u64 formats;
};

#endif /* _UAPI_IOMMUFD_H */
