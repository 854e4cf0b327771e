/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The model of the /dev/iommu fuzzer (iommufd_fuzz): its types, and what
 * the operations of iommufd_fuzz.c use of lib/fuzz_model.c, which keeps
 * the model, predicts results and compares the kernel with the model.
 *
 * Include it after defining __SANE_USERSPACE_TYPES__, as both files do:
 * __u64 is unsigned long long, printed with %llx, on every architecture.
 * A mismatch is reported with fz_fail(), which sets @f->bad.
 */
#ifndef __FUZZ_H
#define __FUZZ_H

#include <unistd.h>

#include "kselftest.h"
#include "iommufd_util.h"

#define PSZ ((__u64)getpagesize())
#define U64MAX UINT64_MAX
#define MAP_FLAGS (MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)

#define MAX_IOAS	4
#define MAX_AREAS	24
#define MAX_WINS	8
#define MAX_ALLOWED	3
#define MAX_RESV	4
#define MAX_DEVS	4
#define MAX_RANGES	48
#define MAX_HWPTS	4

/* Pages of each kind of memory the mappings come from. */
#define ANON_PAGES	48
#define RO_PAGES	8
#define FILE_PAGES	32
#define MAX_PAGES	ANON_PAGES

/* IOVA the kernel picks without allowed ranges (io_pagetable.c) */
#define AUTO_LOW	PSZ
#define AUTO_HIGH	(U64MAX - PSZ)

/* Where the mapped memory comes from; pins are counted per source. */
enum src { SRC_ANON, SRC_RO, SRC_FILE, SRC_FMAP, NR_SRC, SRC_BAD = NR_SRC };

struct range {
	__u64 start, last;
};

struct rset {
	unsigned int n;
	struct range r[MAX_RANGES];
};

struct area {
	__u64 iova, len;
	enum src src;
	__u64 off;		/* byte offset in its source */
	bool writable;
};

struct window {
	__u64 start, last, page_size;
};

struct dev {
	bool live;
	uint32_t stdev, idev, hwpt, flags;
	uint32_t hflags;	/* flags of the device its table was made for */
	int ioas;		/* index of the IOAS its table belongs to */
};

struct ioas {
	bool live, windowed;
	uint32_t id;
	__u64 align;		/* what IOAS_IOVA_RANGES reported last */
	__u64 huge;
	unsigned int nareas, nwins, nallowed, nresv;
	struct area areas[MAX_AREAS];
	struct window wins[MAX_WINS];
	struct range allowed[MAX_ALLOWED];
	struct range resv[MAX_RESV];	/* IOMMU_TEST_OP_ADD_RESERVED */
};

/* What a call may return: errnos, 0 for success, or any failure. */
struct want {
	unsigned int n;
	int e[6];
	bool any_fail;
};

/* How the argument structure is passed. */
enum shape {
	SH_PLAIN,
	SH_LONG_ZERO,	/* longer, surplus zero: as SH_PLAIN */
	SH_LONG_DIRTY,	/* longer, surplus not zero: E2BIG */
	SH_SHORT,	/* size below the first revision: EINVAL */
	SH_BAD_PTR,	/* argument pointer unreachable: EFAULT */
	SH_RO,		/* in a read-only page: EFAULT when there is a reply */
	NR_SHAPES,
};

struct fz {
	struct __test_metadata *md;
	int fd;
	bool mock, bad;
	__u64 seed, rng, iter;
	uint32_t scratch;
	struct ioas ioas[MAX_IOAS];
	struct dev devs[MAX_DEVS];
	uint8_t *mem[NR_SRC];
	size_t mem_pages[NR_SRC];
	int mfd, mfd_ro;
	uint8_t *stage;		/* two pages for the argument structures */
	uint8_t *guard;		/* an inaccessible page */
	long vmpin_base;
	char desc[512];
	enum shape shape;
	int last_rc;		/* of the last call checked, -1 if none */
};

/* A mock page table made with IOMMU_HWPT_ALLOC. */
struct hwpt {
	uint32_t id;
	int ioas;
	uint32_t flags;
	bool live;
};

/* The tables made with IOMMU_HWPT_ALLOC; emptied when the file opens. */
extern struct hwpt hwpts[MAX_HWPTS];

/* The names of the sources, for messages, indexed by enum src. */
extern const char *const src_name[];

/* ---- random numbers ---------------------------------------------------- */

/* The next number of the seeded sequence (splitmix64). */
__u64 rnd64(struct fz *f);
/* A number below @n (0 if @n is 0). */
__u64 rnd(struct fz *f, __u64 n);
/* True with a probability of @percent in 100. */
bool chance(struct fz *f, unsigned int percent);

/* ---- expected results -------------------------------------------------- */

/*
 * Report a mismatch: the first one prints the call, the seed to replay it
 * with and the model; any sets @f->bad.
 */
__printf(2, 3) void fz_fail(struct fz *f, const char *fmt, ...);

/* An expectation of exactly @e (0: success). */
struct want want1(int e);
/* Allow @e as well. */
void want_add(struct want *w, int e);
/* Does @w allow @rc? */
bool want_has(const struct want *w, int rc);
/* @w as the argument shape @sh changes it; @reply: the call writes back. */
struct want shape_want(enum shape sh, struct want w, bool reply);
/* Record @rc as the last result; true if @w allows it, else fz_fail(). */
bool check_rc(struct fz *f, int rc, struct want w);

/* ---- issuing commands -------------------------------------------------- */

/* A random argument shape; SH_RO only with @ro_ok. */
enum shape pick_shape(struct fz *f, bool ro_ok);
/*
 * Issue @req with the structure @arg of @len bytes in the shape f->shape;
 * 0 or the errno. The structure as the kernel left it is copied back.
 */
int fz_ioctl(struct fz *f, unsigned long req, void *arg, size_t len);

/* ---- ranges ------------------------------------------------------------ */

/* Do [s1, l1] and [s2, l2] overlap? */
bool overlaps(__u64 s1, __u64 l1, __u64 s2, __u64 l2);
/* Add [start, last] to @s, if it is not empty and @s has room. */
void rset_add(struct rset *s, __u64 start, __u64 last);
/* Add to @s what a mock table for a device with @flags cannot map. */
void table_resv(uint32_t flags, struct rset *s);
/* Add to @s the IOVA a mock device with @flags reserves itself. */
void dev_resv(uint32_t flags, struct rset *s);
/* Every reserved range of IOAS @i (test reservations, devices, tables). */
void ioas_resv(struct fz *f, int i, struct rset *s);
/* Are devices or tables of IOMMU_HWPT_ALLOC on IOAS @i? */
bool ioas_busy(struct fz *f, int i);
/* What IOAS_IOVA_RANGES should report for IOAS @i, in increasing order. */
void ioas_usable(struct fz *f, int i, struct rset *out);
/* Does [start, last] meet a range of @s? */
bool hits_rset(const struct rset *s, __u64 start, __u64 last);
/* Does [start, last] meet an area of @m? */
bool hits_areas(const struct ioas *m, __u64 start, __u64 last);
/* The index of the live IOAS @id in the model, or -1. */
int find_ioas(struct fz *f, uint32_t id);

/* ---- choosing arguments ------------------------------------------------ */

/* An object ID: mostly a live IOAS, never the scratch IOAS. */
uint32_t pick_id(struct fz *f);
/* A length: mostly a few pages, sometimes odd. */
__u64 pick_len(struct fz *f);
/* An IOVA for IOAS @i (-1: none): near its areas and windows, or odd. */
__u64 pick_iova(struct fz *f, int i);
/* A user address of @len bytes; *@src is the memory it is in. */
__u64 pick_uva(struct fz *f, enum src *src, __u64 len);
/* IOAS_MAP flags, now and then with an unknown bit. */
uint32_t pick_map_flags(struct fz *f);
/* A window's page size: mostly 0 (PAGE_SIZE), sometimes invalid. */
__u64 pick_page_size(struct fz *f);
/* MOCK_FLAGS_DEVICE_* of a new mock device, now and then two models. */
uint32_t pick_dev_flags(struct fz *f);
/* A live mock device of the model, or NULL. */
struct dev *pick_dev(struct fz *f);

/* ---- the model's pins, and comparing the kernel with the model --------- */

/* Bytes the model has pinned in IOAS @only, or in the file if -1. */
__u64 model_pins(struct fz *f, int only);
/* Compare everything observable with the model; fz_fail() on a mismatch. */
void verify(struct fz *f);

/* ---- predicting results and keeping the model -------------------------- */

/*
 * The results of placing [iova, iova + len) (@fixed) or @len bytes near
 * @hint in IOAS @i, with memory at @pgoff in its first page; @pin is 0,
 * the errno pinning fails with, or -1 for EFAULT or ENOMEM.
 */
struct want predict_place(struct fz *f, int i, bool fixed,
			  __u64 iova, __u64 len, __u64 hint,
			  __u64 pgoff, int pin);
/* Check the rules for @len bytes at an IOVA the kernel chose in IOAS @i. */
void check_chosen(struct fz *f, int i, __u64 iova, __u64 len);
/* A new area of IOAS @i in the model. */
void add_area(struct fz *f, int i, __u64 iova, __u64 len,
	      enum src src, __u64 off, bool writable);
/*
 * Can [off, off + len) of @from be pinned (@write: for writing)? 0,
 * EFAULT, or -1 where it may be too many pages (EFAULT or ENOMEM).
 */
int pin_result(struct fz *f, enum src from, __u64 off, __u64 len,
	       bool write);
/*
 * The end of every map: check @rc against @w and, on success, the IOVA
 * the kernel chose; then add the area to the model.
 */
void finish_map(struct fz *f, int rc, struct want w, int i,
		__u32 flags, __u64 iova, __u64 len, enum src src,
		__u64 off);
/* Drop area @k of @m from the model. */
void remove_area(struct ioas *m, unsigned int k);
/* IOAS_UNMAP of [iova, last] (@whole: all); *@bytes grows by what goes. */
struct want predict_unmap(const struct ioas *m, __u64 iova, __u64 last,
			  bool whole, __u64 *bytes);
/*
 * IOAS_COPY from IOAS @si to @di once its arguments passed the common
 * checks; the @n pieces of the source it copies are put in @pieces.
 */
struct want predict_copy(struct fz *f, int si, int di,
			 const struct iommu_ioas_copy *cmd,
			 struct area *pieces, unsigned int *n);
/*
 * IOAS_WINDOW_ADD in windowed IOAS @i once its arguments are checked;
 * *@start is where a window by constraints goes.
 */
struct want predict_window(struct fz *f, int i,
			   const struct iommu_ioas_window_add *cmd,
			   __u64 last, __u64 align, __u64 *start);
/* Do areas or allowed ranges of IOAS @i hit @resv, or break @align? */
bool ioas_clashes(struct fz *f, int i, const struct rset *resv,
		  __u64 align);

/* ---- objects of the model ---------------------------------------------- */

/* A free IOAS or device slot of the model, or -1. */
int free_ioas_slot(struct fz *f);
int free_dev_slot(struct fz *f);
/* Is HWPT @id the table of a device of the model? */
bool hwpt_in_use(struct fz *f, uint32_t id);
/* The index of the live table @id in hwpts[], or -1. */
int find_hwpt(uint32_t id);
/* The model flags the mock table @hwpt was made with; @flags if new. */
uint32_t table_flags(struct fz *f, uint32_t hwpt, uint32_t flags);
/* The IOAS of mock table @id (automatic or allocated), or -1. */
int table_ioas(struct fz *f, uint32_t id);

#endif
