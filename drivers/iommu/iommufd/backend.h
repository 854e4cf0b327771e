/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The boundary between the core and the code that drives translation
 * hardware.
 *
 * The core (objects, IO address spaces, pinning, device binding) never
 * looks at hardware. Everything it needs from an IOMMU goes through one
 * table of operations, struct iommufd_backend_ops, implemented once per
 * kind of hardware interface:
 *
 *   the IOMMU core API   VT-d, SMMUv3, AMD-Vi: any driver of the IOMMU core
 *                        (iommu_api.c)
 *   PowerPC TCE tables   CONFIG_IOMMUFD_SPAPR_TCE: pSeries partitionable
 *                        endpoints and their DMA windows, driven through
 *                        the platform's table group operations (tce.c)
 *   the mock             CONFIG_IOMMUFD_TEST: software devices and page
 *                        tables, driven by the test command (mock.c)
 *
 * Each registers itself with the core when iommufd starts (backend.c).
 *
 * Two kinds of things cross the boundary:
 *
 *   struct iommufd_hwdev   a device as seen by its backend; created when
 *                          the device is bound and released when it is
 *                          unbound
 *   struct iommufd_domain  one translation table (IOVA -> physical address)
 *                          that devices can be attached to; each is owned
 *                          by one page table object (hwpt.h)
 *
 * Backends embed both in structures of their own. The core fills a domain
 * by calling ->map() for every area of the IOAS the domain belongs to, and
 * empties it with ->unmap() before it frees the domain. Pinned user memory
 * is rarely physically contiguous, so one ->map() call takes a list of
 * physical runs for consecutive IOVAs: the backend pays its per-call costs
 * (locks, table walks, IOTLB syncs) once per list, not per page. A backend
 * may rely on every IOVA being mapped and unmapped exactly once, and on an
 * unmapped range starting and ending at boundaries of runs it was given
 * (the core splits mappings only where it cut the runs).
 *
 * Hardware with two stages of translation can also make nested tables
 * (->domain_alloc_nested()): a first stage that user space fills in a
 * format of the hardware (a guest's own IO page tables, for a hypervisor
 * emulating an IOMMU), whose output a parent table translates. The core
 * fills only the parent, from its IOAS; it never maps into a nested
 * table, and passes user space's invalidation requests for it through
 * ->cache_invalidate() unread.
 *
 * Locking: the core serializes ->attach(), ->detach(), ->attach_extra(),
 * ->detach_extra(), ->window_add() and ->window_remove() with
 * ictx->attach_lock, and calls ->map(), ->unmap(), ->window_add() and
 * ->window_remove() with the IOAS's iova_rwsem held for writing, and takes
 * no lock around ->domain_alloc_nested() and ->cache_invalidate(). A
 * backend may sleep and allocate in every operation.
 */
#ifndef __IOMMUFD_BACKEND_H
#define __IOMMUFD_BACKEND_H

#include <linux/bug.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/types.h>
#include <uapi/linux/iommufd.h>

struct device;
struct iommu_group;
struct iommufd_fault;
struct iommu_user_data;
struct iommu_user_data_array;
struct iova_bitmap;
struct iommufd_backend_ops;
struct vfio_eeh_pe_op;

/**
 * struct iommufd_hwdev - a bound device, as its backend sees it
 * @ops: the backend that drives the device
 * @dev: the device
 * @dev_id: the ID user space knows the device by; set by the core when it
 *          binds the device
 */
struct iommufd_hwdev {
	const struct iommufd_backend_ops *ops;
	struct device *dev;
	u32 dev_id;
};

/**
 * struct iommufd_hwgroup - an IOMMU group with devices bound by a backend
 * @link: in the backend's list of its groups
 * @group: the IOMMU group
 * @nbound: devices of the group the backend has bound
 * @nattached: bound devices attached to the group's (main) domain
 *
 * The devices of an IOMMU group share one translation, so a backend keeps
 * its state per group: backends embed this in their own structure, keep
 * them on a list under their own lock, and take and drop them with
 * iommufd_hwgroup_get() and iommufd_hwgroup_put() as devices are bound and
 * released, and count its attached devices with iommufd_hwgroup_attached()
 * and iommufd_hwgroup_detached(). A group moves to another domain only
 * while no other of its devices is attached (iommufd_hwgroup_may_move()).
 */
struct iommufd_hwgroup {
	struct list_head link;
	struct iommu_group *group;
	unsigned int nbound;
	unsigned int nattached;
};

struct iommufd_hwgroup *iommufd_hwgroup_get(struct list_head *groups,
					    struct iommu_group *group,
					    size_t size);
bool iommufd_hwgroup_put(struct iommufd_hwgroup *grp);

/*
 * May a device of @grp move the group to another domain? Only if no other
 * device of it is attached; @attached says whether this one is counted.
 */
static inline bool iommufd_hwgroup_may_move(const struct iommufd_hwgroup *grp,
					    bool attached)
{
	return grp->nattached == (attached ? 1 : 0);
}

/*
 * A device of @grp is now attached to the group's domain; @attached is the
 * device's own flag, so that attaching it again does not count twice.
 */
static inline void iommufd_hwgroup_attached(struct iommufd_hwgroup *grp,
					    bool *attached)
{
	if (!*attached) {
		*attached = true;
		grp->nattached++;
	}
}

/*
 * A device of @grp is detached. True if it was the last attached one: the
 * backend then takes the group off its domain.
 */
static inline bool iommufd_hwgroup_detached(struct iommufd_hwgroup *grp,
					    bool *attached)
{
	if (WARN_ON(!*attached))
		return false;
	*attached = false;
	return !--grp->nattached;
}

/* Most apertures a backend describes for one device. */
#define IOMMUFD_MAX_APERTURES 4

/**
 * struct iommufd_aperture - a range of IOVA where windows can be placed
 * @start: first IOVA the hardware translates here
 * @last: last such IOVA (inclusive)
 * @pgsizes: IO page sizes the hardware translates with here
 * @flags: IOMMU_APERTURE_* flags of the uAPI
 * @max_levels: most table levels a window here may have; 0 if levels are
 *              not chosen per window
 */
struct iommufd_aperture {
	unsigned long start;
	unsigned long last;
	unsigned long pgsizes;
	u32 flags;
	u32 max_levels;
};

/**
 * struct iommufd_window_caps - what IOVA windows a device's hardware offers
 * @max_windows: how many windows can exist at once; 0 for no limit
 * @nr_apertures: entries of @apertures in use, at least one
 * @apertures: where windows can be, in increasing IOVA order
 *
 * Reserved ranges are not part of it: they come from ->for_each_resv().
 */
struct iommufd_window_caps {
	u32 max_windows;
	u32 nr_apertures;
	struct iommufd_aperture apertures[IOMMUFD_MAX_APERTURES];
};

/**
 * struct iommufd_domain - one translation table of a backend
 * @ops: the backend that owns it
 * @pgsize_bitmap: IO page sizes the table can map, as in the IOMMU core;
 *                 the smallest one is the alignment of every mapping
 * @aperture_start: first IOVA the table can translate
 * @aperture_last: last IOVA the table can translate (inclusive)
 * @enforce_cache_coherency: every DMA through the table snoops the CPU
 *                           caches, even one the device marks no-snoop;
 *                           set by the backend, never cleared
 * @dirty_tracking: the table was made with IOMMU_HWPT_ALLOC_DIRTY_TRACKING
 *                  and can record which IOVA devices write to;
 *                  ->set_dirty_tracking() and ->read_dirty() work on it
 * @nested: a first-stage table user space owns, from ->domain_alloc_nested();
 *          it translates through its parent, and the core never maps into
 *          it, never adds it to an IOAS and gives it no windows
 * @iopt_link: entry in the domain list of the IOAS it is filled from;
 *             belongs to io_pagetable.c
 * @window_caps: the windows the hardware the table was made for can have;
 *               set by the core (hwpt.c) before the table joins an IOAS,
 *               so that the IOAS's windows stay within them whoever is
 *               attached; belongs to window.c
 * @fault: the fault queue I/O page faults on this nested table go to, or
 *         NULL; set by the core (hwpt.c) before any device is attached
 */
struct iommufd_domain {
	const struct iommufd_backend_ops *ops;
	unsigned long pgsize_bitmap;
	unsigned long aperture_start;
	unsigned long aperture_last;
	bool enforce_cache_coherency;
	bool dirty_tracking;
	bool nested;
	struct list_head iopt_link;
	struct iommufd_window_caps window_caps;
	struct iommufd_fault *fault;
};

/**
 * struct iommufd_fault_group - I/O page faults a device reported together
 * @link: in the fault queue; belongs to fault.c
 * @hwdev: the device that faulted
 * @domain: the nested table it faulted on; its @fault is the queue
 * @cookie: what user space answers the group by; set by fault.c
 * @nr: entries of @faults, at least one
 * @faults: the page requests, the last one flagged
 *          IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE
 *
 * A backend allocates a group (embedded in a structure of its own, if it
 * likes), hands it to iommufd_fault_report() and gets it back, exactly
 * once, through ->fault_respond(), which answers the device and frees the
 * group.
 */
struct iommufd_fault_group {
	struct list_head link;
	struct iommufd_hwdev *hwdev;
	struct iommufd_domain *domain;
	u32 cookie;
	u32 nr;
	struct iommu_fault_page_request faults[] __counted_by(nr);
};

void iommufd_fault_report(struct iommufd_fault_group *grp);

/**
 * struct iommufd_window - one window of a windowed IOAS, for ->window_add()
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 * @page_size: IO page size of the window
 * @levels: table levels asked for, 0 for the backend's choice
 */
struct iommufd_window {
	unsigned long start;
	unsigned long last;
	unsigned long page_size;
	u32 levels;
};

/**
 * struct iommufd_phys_run - physically contiguous memory for ->map()
 * @paddr: first byte
 * @size: number of bytes
 */
struct iommufd_phys_run {
	phys_addr_t paddr;
	size_t size;
};

/**
 * struct iommufd_hw_desc - what IOMMU_GET_HW_INFO reports besides the data
 * @type: in: the enum iommu_hw_info_type asked for; out: the one written
 * @max_pasid_log2: number of PASID bits the device supports, 0 for none
 * @capabilities: bits of enum iommufd_hw_capabilities
 */
struct iommufd_hw_desc {
	u32 type;
	u8 max_pasid_log2;
	u64 capabilities;
};

/* Most user page-table formats a backend describes for one device. */
#define IOMMUFD_MAX_HWPT_FORMATS 4

/**
 * struct iommufd_hwpt_format - a user page-table format, for ->hwpt_formats()
 * @uapi: the description user space gets
 * @share: what a device must share with another for one nested table to
 *         serve them both (an IOMMU model, a driver); two devices'
 *         formats combine only if their @uapi.data_type and @share match
 */
struct iommufd_hwpt_format {
	struct iommu_hwpt_format uapi;
	const void *share;
};

/**
 * typedef iommufd_resv_fn - receives one reserved IOVA range of a device
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 * @opaque: the caller's cookie
 *
 * Return: 0 to go on, or an errno that stops the walk.
 */
typedef int (*iommufd_resv_fn)(unsigned long start, unsigned long last,
			       void *opaque);

/**
 * struct iommufd_backend_ops - what a kind of translation hardware provides
 * @name: for messages
 * @probe: return a new handle if this backend drives @dev, ERR_PTR(-ENODEV)
 *         if it does not, or another error. Claims whatever exclusive
 *         ownership of the device's DMA the hardware requires, on behalf
 *         of the owner cookie it is given (the binding context): devices
 *         probed for the same owner may share hardware that isolates only
 *         groups of devices together.
 * @release: undo @probe; the device is detached
 * @hw_info: describe the hardware for IOMMU_GET_HW_INFO: write the data of
 *           format @desc->type (or of the backend's own format if that is
 *           IOMMU_HW_INFO_TYPE_DEFAULT) to @data, at most @len bytes, and
 *           fill in the rest of @desc. Return the full length of the data,
 *           which may exceed @len, or -EOPNOTSUPP for a format the backend
 *           does not have.
 * @for_each_resv: call @fn for every IOVA range @hwdev can never use for
 *                 DMA (MSI windows, firmware-owned ranges)
 * @domain_alloc: a new, empty table for @hwdev. @flags are
 *                IOMMU_HWPT_ALLOC_* flags; @user_data is NULL or the
 *                driver-specific data of IOMMU_HWPT_ALLOC. With @windowed
 *                the table serves a windowed IOAS and translates only the
 *                windows given to ->window_add(); without, it serves a
 *                plain IOAS and translates its whole aperture.
 * @domain_alloc_nested: a new nested table for @hwdev: the first stage of
 *                       a two-stage translation, in a format of the
 *                       hardware's that user space fills (@user_data, never
 *                       NULL), whose output @parent translates. @parent is a
 *                       table of this backend made with
 *                       IOMMU_HWPT_ALLOC_NEST_PARENT; @flags has no
 *                       IOMMU_HWPT_ALLOC_* flag the core handles itself.
 *                       The result has @nested set. Return -EOPNOTSUPP for
 *                       a data type or flag the hardware does not have,
 *                       -EINVAL for data it rejects, -EFAULT if the data
 *                       cannot be read. Optional: without it, nesting is
 *                       not offered.
 * @hwpt_formats: describe the user page-table formats ->domain_alloc_nested()
 *                takes for @hwdev: fill at most @max entries of @formats
 *                and return how many there are, 0 if the hardware cannot
 *                nest; set *@caps to the IOMMU_HWPT_CAPS_* bits that hold.
 *                Optional: without it, a device has neither.
 * @domain_free: free an empty table that no device is attached to
 * @attach: make @hwdev translate through @domain. If the device is
 *          attached elsewhere, switch it over without a moment in which its
 *          DMA is blocked or goes through neither table. Return
 *          -EMEDIUMTYPE if @hwdev cannot use @domain (a table of another
 *          kind, or another table than its group's), so that the core
 *          may try another; on any error nothing changed. @domain may be
 *          a nested table; a switch between it and its parent, or between
 *          two tables nested in one parent, keeps the second stage.
 * @detach: block all DMA of @hwdev; the core has detached its extra tables
 *          first
 * @map: map the @nr runs of @runs, in order, to consecutive IOVAs from
 *       @iova on, with the IOMMU_READ and IOMMU_WRITE bits of @prot.
 *       @nr is at least one; @iova and each run's address and
 *       size are aligned to the smallest IO page size and no size is 0.
 *       On error nothing of the range is mapped.
 * @unmap: unmap [@iova, @iova + @size), which was mapped by @map calls
 * @window_caps: describe the windows @hwdev's hardware can have. Optional:
 *               without it the core takes one aperture with the geometry
 *               of a domain of the device.
 * @window_add: prepare @domain to translate a window (hardware that has a
 *              table per window allocates it here) before anything is
 *              mapped in it. Optional; the core has checked the window
 *              against the device's capabilities. On error nothing changed.
 * @window_remove: undo @window_add for a window with nothing mapped in it
 * @attach_extra: make @hwdev also translate through @domain, for the IOVA
 *                of @domain's windows, besides the table it is attached
 *                to and its other extra tables; DMA goes to the table whose
 *                window holds its address. Optional, for hardware that
 *                routes DMA by address (PowerPC's TCE windows). The core
 *                has checked that the windows of all the device's tables
 *                are disjoint and within its number of windows, and keeps
 *                them so while the windows change. Return -EMEDIUMTYPE as
 *                for @attach; on any error nothing changed.
 * @detach_extra: undo @attach_extra; DMA to @domain's windows is blocked
 * @group_caps: the windows a device of @group could have, as @window_caps
 *              would report them once one is bound; for VFIO's SPAPR
 *              container, which describes a group before its devices are
 *              opened. Optional; -ENODEV for a group the backend would not
 *              drive.
 * @eeh_enabled: whether the platform recovers from PCI errors with
 *               PowerPC's EEH (VFIO_EEH). Optional.
 * @eeh_pe_op: carry out @op, a request of VFIO_EEH_PE_OP whose op the
 *             caller checked (and, for VFIO_EEH_PE_INJECT_ERR, read whole),
 *             on the partitionable endpoint @group is, a group this
 *             backend described with @group_caps. Return 0, the PE's state
 *             for VFIO_EEH_PE_GET_STATE, -ENODEV if @group has no EEH PE,
 *             or the platform's error. Optional.
 * @cache_invalidate: carry out the invalidation requests of @array, in the
 *                    hardware's format, on the caches of the nested table
 *                    @domain and of the devices attached to it, in order;
 *                    set @array->entry_num to the number carried out and
 *                    return the error of the first that failed, or 0. Only
 *                    called for a nested table; required with
 *                    @domain_alloc_nested.
 * @fault_respond: answer the device of the faults of @grp with @code, an
 *                 enum iommufd_page_response_code, and free @grp. Called
 *                 once per group given to iommufd_fault_report(), from
 *                 process context, when user space answers it or when
 *                 nobody can any more (the device left the table, the
 *                 queue's file was closed). Optional: without it, tables
 *                 of this backend take no fault queue.
 * @set_dirty_tracking: start (@enable) or stop recording, in the entries of
 *                      @domain, which IOVA devices write to. Only called
 *                      for a domain with @dirty_tracking set.
 * @read_dirty: report, with iova_bitmap_set() on @bitmap (if not NULL),
 *              the IO pages of [@iova, @iova + @size) written to since
 *              their record was last cleared, and with @clear, clear the
 *              record of what is reported. The range is all mapped. A
 *              dirty IO page is reported whole, even where it extends
 *              beyond the range. Only called for a domain with
 *              @dirty_tracking set, under the IOAS's iova_rwsem.
 */
struct iommufd_backend_ops {
	const char *name;
	struct iommufd_hwdev *(*probe)(struct device *dev, void *owner);
	void (*release)(struct iommufd_hwdev *hwdev);
	int (*hw_info)(struct iommufd_hwdev *hwdev,
		       struct iommufd_hw_desc *desc, void *data, size_t len);
	int (*for_each_resv)(struct iommufd_hwdev *hwdev, iommufd_resv_fn fn,
			     void *opaque);
	struct iommufd_domain *(*domain_alloc)(struct iommufd_hwdev *hwdev,
					       u32 flags, bool windowed,
					       const struct iommu_user_data *user_data);
	struct iommufd_domain *(*domain_alloc_nested)(struct iommufd_hwdev *hwdev,
						      struct iommufd_domain *parent,
						      u32 flags,
						      const struct iommu_user_data *user_data);
	int (*hwpt_formats)(struct iommufd_hwdev *hwdev,
			    struct iommufd_hwpt_format *formats,
			    unsigned int max, u32 *caps);
	void (*domain_free)(struct iommufd_domain *domain);
	int (*attach)(struct iommufd_hwdev *hwdev,
		      struct iommufd_domain *domain);
	void (*detach)(struct iommufd_hwdev *hwdev);
	int (*map)(struct iommufd_domain *domain, unsigned long iova,
		   const struct iommufd_phys_run *runs, unsigned int nr,
		   int prot);
	void (*unmap)(struct iommufd_domain *domain, unsigned long iova,
		      size_t size);
	int (*window_caps)(struct iommufd_hwdev *hwdev,
			   struct iommufd_window_caps *caps);
	int (*window_add)(struct iommufd_domain *domain,
			  const struct iommufd_window *window);
	void (*window_remove)(struct iommufd_domain *domain,
			      const struct iommufd_window *window);
	int (*attach_extra)(struct iommufd_hwdev *hwdev,
			    struct iommufd_domain *domain);
	void (*detach_extra)(struct iommufd_hwdev *hwdev,
			     struct iommufd_domain *domain);
	int (*group_caps)(struct iommu_group *group,
			  struct iommufd_window_caps *caps);
	bool (*eeh_enabled)(void);
	int (*eeh_pe_op)(struct iommu_group *group,
			 const struct vfio_eeh_pe_op *op);
	int (*cache_invalidate)(struct iommufd_domain *domain,
				struct iommu_user_data_array *array);
	void (*fault_respond)(struct iommufd_fault_group *grp, u32 code);
	int (*set_dirty_tracking)(struct iommufd_domain *domain, bool enable);
	int (*read_dirty)(struct iommufd_domain *domain, unsigned long iova,
			  size_t size, bool clear, struct iova_bitmap *bitmap);
};

/**
 * enum iommufd_backend_rank - when a backend is asked to drive a device
 * @IOMMUFD_BACKEND_SPECIFIC: drives devices of one kind of hardware (the
 *                            mock's, PowerPC's TCE table groups); asked
 *                            first
 * @IOMMUFD_BACKEND_GENERIC: drives whatever the IOMMU core drives; asked
 *                           after every specific backend
 */
enum iommufd_backend_rank {
	IOMMUFD_BACKEND_SPECIFIC,
	IOMMUFD_BACKEND_GENERIC,
};

/**
 * struct iommufd_backend - a backend as registered with the core
 * @ops: its operations
 * @rank: when it is asked to drive a device
 * @platform_windows: the platform's DMA translation is this backend's, and
 *                    has windows at fixed places (PowerPC's TCE tables):
 *                    VFIO's container API there is SPAPR's, not type1's
 * @link: in the core's list of backends; belongs to backend.c
 */
struct iommufd_backend {
	const struct iommufd_backend_ops *ops;
	enum iommufd_backend_rank rank;
	bool platform_windows;
	struct list_head link;
};

void iommufd_backend_register(struct iommufd_backend *backend);
void iommufd_backend_unregister(struct iommufd_backend *backend);
struct iommufd_hwdev *iommufd_backend_probe(struct device *dev, void *owner);
const struct iommufd_backend_ops *
iommufd_backend_group_caps(struct iommu_group *group,
			   struct iommufd_window_caps *caps);
bool iommufd_backends_platform_windows(void);
bool iommufd_backends_eeh(void);
int iommufd_backends_init(void);
void iommufd_backends_exit(void);

/* The backends built into iommufd register themselves through these. */
void iommufd_iommu_api_init(void);
void iommufd_iommu_api_exit(void);

#if IS_ENABLED(CONFIG_IOMMUFD_SPAPR_TCE)
int iommufd_tce_init(void);
void iommufd_tce_exit(void);
#else
static inline int iommufd_tce_init(void)
{
	return 0;
}

static inline void iommufd_tce_exit(void)
{
}
#endif

#endif
