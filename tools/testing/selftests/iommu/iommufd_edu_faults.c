// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Allocation failures under real DMA: QEMU's "edu" PCI device, driven from
 * user space through VFIO, on pSeries, where its IOASes are TCE windows of
 * the PHB. iommufd_edu.c tells how the tests use the device and when they
 * skip. What these tests prove:
 *
 *   - on pSeries, an allocation failing on the paths that make TCE
 *     windows (attach, a DDW added, an extra IOAS, a replace; outside the
 *     platform's own window creation) fails the call with ENOMEM and
 *     changes neither the IOVA ranges nor where edu's DMA goes (fail-nth
 *     sweeps; see below).
 *
 * Elsewhere there are no such paths, and no tests.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "edu_test.h"

#if defined(__PPC64__)

/* Its data, setup and teardown are in edu_test.h. */
FIXTURE(edu_cdev);

FIXTURE_SETUP(edu_cdev)
{
	edu_cdev_fixture_setup(_metadata, self);
}

FIXTURE_TEARDOWN(edu_cdev)
{
	edu_cdev_fixture_teardown(self);
}

/* ---- fail-nth over the TCE paths ---- */

/*
 * Allocation failure (fail-nth, as in iommufd_faults) on the paths that
 * program pSeries' TCE windows for real, with edu bound through its cdev.
 * A sweep builds its state afresh, arms the thread's fail-nth counter with
 * N, makes the call and reads the counter back; it goes on with N + 1 until
 * a call gets through without reaching the armed point. A call that failed
 * must have failed with ENOMEM and changed nothing user space can see: the
 * IOVA ranges of the IOASes, and edu's DMA, which still goes through the
 * windows it went through before (or, for an attach, nowhere until the
 * device is attached again). After the call that went through, DMA goes
 * through the new windows. A fault that a call absorbed must leave the
 * state of a success. panic_on_warn watches the error paths from inside.
 *
 * The sweeps exempt the platform's spapr_tce_create_table()
 * (arch/powerpc/platforms/pseries/iommu.c) with the stack trace filter of
 * fault injection: an injection point reached from it neither fails nor
 * counts. An allocation failing there after RTAS created a DDW puts the PE
 * on the platform's list of failed DDWs, so that every later DDW create
 * fails until the next boot, and one failing in its iommu_init_table()
 * panics the kernel. Those are the platform's bugs; every other allocation
 * on the paths (ours, the core's, VFIO's) is swept.
 */
#define FAULTS_MAX_NTH		200
#define FAULTS_EXEMPT		"spapr_tce_create_table"

/* The memory of the sweeps, by slot. */
#define F_SRC			0	/* IOAS A: IOVA(0) */
#define F_OUT			1	/* IOAS A: IOVA(1) */
#define F_HIGH			2	/* the DDW of A or B: TCE_DDW_START */
#define F_B_SRC			3	/* IOAS B: IOVA(0) */
#define F_B_OUT			4	/* IOAS B: IOVA(1) */
#define F_B_HIGH		5	/* IOAS B: TCE_DDW_START (replace) */

/* A sweep: the fixture's parts it uses, and the state of one round. */
struct tce_faults {
	int fd;
	uint32_t dev_id;
	struct edu_dev *edu;
	const char *bdf;
	uint8_t *mem;		/* MEM_SLOTS pages */
	struct inject_cfg *inject;
	bool *injecting;	/* the fixture's teardown restores @inject */
	struct {
		uint32_t ioas[2];	/* A, and B where there is one */
		unsigned int nioas;
		struct iova_layout layout[2];
		bool extra;		/* B is edu's extra IOAS */
	} r;
};

struct tce_fault_case {
	const char *name;
	/* Build the state the call runs on, from edu bound and detached. */
	void (*setup)(struct __test_metadata *_metadata, struct tce_faults *f);
	/* The call under test, with fail-nth armed: one ioctl and no more. */
	int (*run)(struct tce_faults *f);
	/* After the call failed: DMA goes where it went before. */
	void (*failed)(struct __test_metadata *_metadata, struct tce_faults *f);
	/* After the call went through: DMA goes through the new windows. */
	void (*done)(struct __test_metadata *_metadata, struct tce_faults *f);
};

/*
 * A new windowed IOAS with the default window, 1 MiB of 4 KiB TCEs at 0,
 * and slots @src and @out mapped at IOVA(0) and IOVA(1).
 */
static uint32_t faults_ioas(struct __test_metadata *_metadata,
			    struct tce_faults *f, unsigned int src,
			    unsigned int out)
{
	uint32_t ioas;

	ioas = ioas_alloc_windowed(f->fd);
	f->r.ioas[f->r.nioas++] = ioas;
	grant_exact_window(_metadata, f->fd, ioas, WIN_START, WIN_LEN);
	ioas_map_fixed(f->fd, ioas, SLOT(f, src), PSZ, IOVA(0));
	ioas_map_fixed(f->fd, ioas, SLOT(f, out), PSZ, IOVA(1));
	return ioas;
}

/* The DDW, 1 GiB of 64 KiB TCEs, in @ioas, with slot @slot at its start. */
static void faults_ddw(struct __test_metadata *_metadata,
		       struct tce_faults *f, uint32_t ioas, unsigned int slot)
{
	grant_window(_metadata, f->fd, ioas, TCE_DDW_START, DDW_LEN,
		     DDW_PAGE_SIZE);
	ioas_map_fixed(f->fd, ioas, SLOT(f, slot), PSZ, TCE_DDW_START);
}

/* A new pattern in slot @src goes from IOVA @from to IOVA @to, slot @dst. */
static void faults_copy(struct __test_metadata *_metadata,
			struct tce_faults *f, uint64_t from, uint64_t to,
			unsigned int src, unsigned int dst)
{
	fill_pattern(SLOT(f, src), PSZ);
	edu_copy_check(_metadata, f->edu, from, to, SLOT(f, src),
		       SLOT(f, dst));
}

/* Through A's default window, as before the call. */
static void faults_copy_a(struct __test_metadata *_metadata,
			  struct tce_faults *f)
{
	faults_copy(_metadata, f, IOVA(0), IOVA(1), F_SRC, F_OUT);
}

/* IOAS A, edu attached to it. */
static void faults_attached(struct __test_metadata *_metadata,
			    struct tce_faults *f)
{
	vfio_attach(f->edu->fd, faults_ioas(_metadata, f, F_SRC, F_OUT));
}

/* 1. Attaching edu to A creates the default window and replays it. */
static void faults_attach_setup(struct __test_metadata *_metadata,
				struct tce_faults *f)
{
	faults_ioas(_metadata, f, F_SRC, F_OUT);
}

static int faults_attach_run(struct tce_faults *f)
{
	uint32_t pt = f->r.ioas[0];

	return edu_vfio_attach(f->edu->fd, &pt);
}

/* Not attached, nothing lands; attached now, DMA works. */
static void faults_attach_failed(struct __test_metadata *_metadata,
				 struct tce_faults *f)
{
	edu_write_refused(_metadata, f->edu, f->bdf, IOVA(1),
			  SLOT(f, F_OUT));
	vfio_attach(f->edu->fd, f->r.ioas[0]);
	faults_copy_a(_metadata, f);
}

static const struct tce_fault_case faults_attach = {
	.name = "attach",
	.setup = faults_attach_setup,
	.run = faults_attach_run,
	.failed = faults_attach_failed,
	.done = faults_copy_a,
};

/* 2. Adding the DDW to A while attached: RTAS creates it. */
static int faults_window_add_run(struct tce_faults *f)
{
	struct iommu_ioas_window_add cmd = {
		.flags = IOMMU_IOAS_WINDOW_EXACT,
		.ioas_id = f->r.ioas[0],
		.iova = TCE_DDW_START,
		.length = DDW_LEN,
		.page_size = DDW_PAGE_SIZE,
	};

	return __ioas_window_add(f->fd, &cmd);
}

static void faults_window_add_done(struct __test_metadata *_metadata,
				   struct tce_faults *f)
{
	struct iova_layout l;

	get_layout(f->fd, f->r.ioas[0], &l);
	ASSERT_EQ(2, l.num);
	ASSERT_EQ(TCE_DDW_START, l.ranges[1].start);
	ASSERT_EQ(TCE_DDW_START + DDW_LEN - 1, l.ranges[1].last);
	ioas_map_fixed(f->fd, f->r.ioas[0], SLOT(f, F_HIGH), PSZ,
		       TCE_DDW_START);
	faults_copy(_metadata, f, IOVA(0), TCE_DDW_START, F_SRC, F_HIGH);
}

static const struct tce_fault_case faults_window_add = {
	.name = "window_add",
	.setup = faults_attached,
	.run = faults_window_add_run,
	.failed = faults_copy_a,
	.done = faults_window_add_done,
};

/* 3. B, holding the DDW, as edu's extra IOAS next to A. */
static void faults_extra_setup(struct __test_metadata *_metadata,
			       struct tce_faults *f)
{
	uint32_t b;

	faults_attached(_metadata, f);
	b = ioas_alloc_windowed(f->fd);
	f->r.ioas[f->r.nioas++] = b;
	faults_ddw(_metadata, f, b, F_HIGH);
}

static int faults_extra_run(struct tce_faults *f)
{
	uint32_t pt = f->r.ioas[1];

	return __device_attach_extra(f->fd, f->dev_id, &pt);
}

/* B is not attached, and its DDW takes nothing. */
static void faults_extra_failed(struct __test_metadata *_metadata,
				struct tce_faults *f)
{
	ASSERT_EQ(ENOENT, __device_detach_extra(f->fd, f->dev_id,
						f->r.ioas[1]));
	faults_copy_a(_metadata, f);
	edu_write_refused(_metadata, f->edu, f->bdf, TCE_DDW_START,
			  SLOT(f, F_HIGH));
}

static void faults_extra_done(struct __test_metadata *_metadata,
			      struct tce_faults *f)
{
	f->r.extra = true;
	faults_copy(_metadata, f, IOVA(0), TCE_DDW_START, F_SRC, F_HIGH);
}

static const struct tce_fault_case faults_attach_extra = {
	.name = "attach_extra",
	.setup = faults_extra_setup,
	.run = faults_extra_run,
	.failed = faults_extra_failed,
	.done = faults_extra_done,
};

/*
 * 4. Replacing A by B, which has a default window of other pages and the
 * DDW: A's window goes, B's two come.
 */
static void faults_replace_setup(struct __test_metadata *_metadata,
				 struct tce_faults *f)
{
	uint32_t b;

	faults_attached(_metadata, f);
	b = faults_ioas(_metadata, f, F_B_SRC, F_B_OUT);
	faults_ddw(_metadata, f, b, F_B_HIGH);
}

static int faults_replace_run(struct tce_faults *f)
{
	uint32_t pt = f->r.ioas[1];

	return edu_vfio_attach(f->edu->fd, &pt);
}

/* Still A's: its pages, and no DDW. */
static void faults_replace_failed(struct __test_metadata *_metadata,
				  struct tce_faults *f)
{
	faults_copy_a(_metadata, f);
	edu_write_refused(_metadata, f->edu, f->bdf, TCE_DDW_START,
			  SLOT(f, F_B_HIGH));
}

/* B's default window and DDW; nothing lands in A's pages. */
static void faults_replace_done(struct __test_metadata *_metadata,
				struct tce_faults *f)
{
	uint8_t before[XFER_LEN];

	memcpy(before, SLOT(f, F_OUT), XFER_LEN);
	faults_copy(_metadata, f, IOVA(0), TCE_DDW_START, F_B_SRC, F_B_HIGH);
	faults_copy(_metadata, f, TCE_DDW_START, IOVA(1), F_B_HIGH, F_B_OUT);
	ASSERT_EQ(0, memcmp(before, SLOT(f, F_OUT), XFER_LEN));
}

static const struct tce_fault_case faults_replace = {
	.name = "replace",
	.setup = faults_replace_setup,
	.run = faults_replace_run,
	.failed = faults_replace_failed,
	.done = faults_replace_done,
};

/* Back to edu bound and detached, without IOASes. */
static void faults_reset(struct __test_metadata *_metadata,
			 struct tce_faults *f)
{
	unsigned int i;

	if (f->r.extra)
		device_detach_extra(f->fd, f->dev_id, f->r.ioas[1]);
	ASSERT_EQ(0, edu_vfio_detach(f->edu->fd));
	for (i = 0; i != f->r.nioas; i++)
		iommufd_destroy(f->fd, f->r.ioas[i]);
}

/*
 * Run the call with the Nth injection point armed; returns its errno and
 * sets *@fired if the point was reached.
 */
static int faults_run_nth(struct __test_metadata *_metadata,
			  const struct tce_fault_case *c, struct tce_faults *f,
			  unsigned int nth, bool *fired)
{
	unsigned int left = 0;
	int rc, rc_set;

	rc_set = fail_nth_set(f->inject->nth_fd, nth);
	rc = c->run(f);
	EXPECT_EQ(0, fail_nth_get(f->inject->nth_fd, &left));
	EXPECT_EQ(0, fail_nth_set(f->inject->nth_fd, 0));
	ASSERT_EQ(0, rc_set);
	*fired = !left;
	return rc;
}

/* Sweep @c over the injection points, with the knobs set up. */
static void faults_sweep(struct __test_metadata *_metadata,
			 struct tce_faults *f, const struct tce_fault_case *c)
{
	unsigned int nth, nfired = 0, nfailed = 0, i;
	struct iova_layout l;
	bool fired;
	int rc;

	for (nth = 1;; nth++) {
		ASSERT_GE(FAULTS_MAX_NTH, nth)
			TH_LOG("%s: still failing after %u injection points",
			       c->name, FAULTS_MAX_NTH);
		memset(&f->r, 0, sizeof(f->r));
		c->setup(_metadata, f);
		for (i = 0; i != f->r.nioas; i++)
			get_layout(f->fd, f->r.ioas[i], &f->r.layout[i]);

		rc = faults_run_nth(_metadata, c, f, nth, &fired);
		if (fired)
			nfired++;
		if (rc) {
			ASSERT_TRUE(fired)
				TH_LOG("%s: %s without an injected fault",
				       c->name, strerror(rc));
			ASSERT_EQ(ENOMEM, rc)
				TH_LOG("%s, point %u: %s", c->name, nth,
				       strerror(rc));
			nfailed++;
			for (i = 0; i != f->r.nioas; i++) {
				get_layout(f->fd, f->r.ioas[i], &l);
				ASSERT_TRUE(iova_layout_equal(&f->r.layout[i],
							      &l))
					TH_LOG("%s, point %u: IOAS %u changed",
					       c->name, nth, f->r.ioas[i]);
			}
			c->failed(_metadata, f);
		} else {
			c->done(_metadata, f);
		}
		faults_reset(_metadata, f);
		if (!fired)
			break;
	}
	ksft_print_msg("%s: %u injection points, %u of them failed the call\n",
		       c->name, nfired, nfailed);
	/* Else the sweep tested nothing: the path or the knobs changed. */
	ASSERT_LT(0, nfailed);
}

/*
 * Set the knobs up, exempting the platform's DDW code (see above), and
 * sweep @c; the fixture's teardown puts the knobs back if the sweep fails.
 */
static void faults_test(struct __test_metadata *_metadata,
			struct tce_faults *f, const struct tce_fault_case *c)
{
	uint64_t start, end;
	int rc;

	rc = inject_setup(f->inject);
	if (rc == EOPNOTSUPP)
		SKIP(return, NO_INJECT_MSG);
	ASSERT_EQ(0, rc);
	*f->injecting = true;
	rc = kallsyms_text_range(FAULTS_EXEMPT, &start, &end);
	ASSERT_EQ(0, rc)
		TH_LOG("%s in /proc/kallsyms: %s", FAULTS_EXEMPT,
		       strerror(rc));
	rc = inject_reject_range(f->inject, start, end);
	if (rc == EOPNOTSUPP)
		SKIP(return, NO_INJECT_FILTER_MSG);
	ASSERT_EQ(0, rc);
	ksft_print_msg("%s: %s exempt, 0x%llx-0x%llx\n", c->name,
		       FAULTS_EXEMPT, (unsigned long long)start,
		       (unsigned long long)end - 1);
	faults_sweep(_metadata, f, c);
	inject_restore(f->inject);
	*f->injecting = false;
}

TEST_F_TIMEOUT(edu_cdev, faults_attach, 120)
{
	struct tce_faults f = {
		.fd = self->iommufd, .dev_id = self->dev_id,
		.edu = &self->edu, .bdf = self->sys.bdf, .mem = self->mem,
		.inject = &self->inject, .injecting = &self->injecting,
	};

	faults_test(_metadata, &f, &faults_attach);
}

TEST_F_TIMEOUT(edu_cdev, faults_window_add, 120)
{
	struct tce_faults f = {
		.fd = self->iommufd, .dev_id = self->dev_id,
		.edu = &self->edu, .bdf = self->sys.bdf, .mem = self->mem,
		.inject = &self->inject, .injecting = &self->injecting,
	};

	faults_test(_metadata, &f, &faults_window_add);
}

TEST_F_TIMEOUT(edu_cdev, faults_attach_extra, 120)
{
	struct tce_faults f = {
		.fd = self->iommufd, .dev_id = self->dev_id,
		.edu = &self->edu, .bdf = self->sys.bdf, .mem = self->mem,
		.inject = &self->inject, .injecting = &self->injecting,
	};

	faults_test(_metadata, &f, &faults_attach_extra);
}

TEST_F_TIMEOUT(edu_cdev, faults_replace, 120)
{
	struct tce_faults f = {
		.fd = self->iommufd, .dev_id = self->dev_id,
		.edu = &self->edu, .bdf = self->sys.bdf, .mem = self->mem,
		.inject = &self->inject, .injecting = &self->injecting,
	};

	faults_test(_metadata, &f, &faults_replace);
}
#endif

TEST_HARNESS_MAIN
