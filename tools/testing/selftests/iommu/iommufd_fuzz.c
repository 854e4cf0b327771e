// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * A model-checked fuzzer of the /dev/iommu ioctls.
 *
 * Random sequences of IOAS_ALLOC, IOAS_MAP, IOAS_MAP_FILE, IOAS_UNMAP,
 * IOAS_COPY, IOAS_IOVA_RANGES, IOAS_ALLOW_IOVAS, OPTION, the window
 * commands, PIN_STATS, DESTROY and (with the mock) mock devices, with
 * random and edge-case arguments and argument structures that are short,
 * long, unreachable or read-only. A userspace model of every IOAS (its
 * areas, windows, allowed and reserved ranges, devices) predicts each
 * result: the exact errno where the ABI fixes it, or the set of results
 * it allows. After every call the kernel is compared with the model:
 * IOVA ranges, every area (an IOAS_COPY probe into a scratch IOAS), the
 * holes between areas, the mock page tables (MD_CHECK_MAP), the pinned
 * bytes of each IOAS and of the file (PIN_STATS) and VmPin. A failed call
 * must leave all of it as it was.
 *
 * This file holds the operations (one op_*() a command: arguments drawn,
 * the result predicted, the call issued and checked, the model updated),
 * their weights, the run loop, the memory and the file, and the tests;
 * the model, the predictions and the comparison are in lib/fuzz_model.c
 * (include/fuzz.h).
 *
 * IOMMUFD_FUZZ_SEED sets the seed, IOMMUFD_FUZZ_SECONDS the run time of
 * each test (default a few seconds, for make check). A mismatch prints the
 * call, the expected and actual result and the seed to replay it with.
 */
/* __u64 is unsigned long long, printed with %llx, on every architecture */
#define __SANE_USERSPACE_TYPES__
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fuzz.h"

#define MAX_ITERS	200000
#define CORE_SECONDS	10
#define MOCK_SECONDS	15

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* ---- the operations ---------------------------------------------------- */

static void op_map(struct fz *f)
{
	struct iommu_ioas_map cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc, pin;
	__u64 off = 0;
	struct want w;
	enum src src;

	cmd.ioas_id = id;
	cmd.flags = pick_map_flags(f);
	cmd.length = pick_len(f);
	cmd.user_va = pick_uva(f, &src, cmd.length);
	cmd.iova = pick_iova(f, i);
	if (chance(f, 3))
		cmd.__reserved = 1 + rnd(f, 0xffff);
	if (src != SRC_BAD)
		off = cmd.user_va - (uintptr_t)f->mem[src];
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_MAP ioas %u flags %#x uva %s+%#llx len %#llx iova %#llx reserved %#x",
		 id, cmd.flags, src_name[src], off, cmd.length, cmd.iova,
		 cmd.__reserved);

	pin = pin_result(f, src, off, cmd.length,
			 cmd.flags & IOMMU_IOAS_MAP_WRITEABLE);
	if (cmd.__reserved || (cmd.flags & ~MAP_FLAGS))
		w = want1(EOPNOTSUPP);
	else if (cmd.iova == U64MAX || cmd.user_va == U64MAX ||
		 cmd.length == U64MAX)
		w = want1(EOVERFLOW);
	else if (!(cmd.flags & MAP_RW))
		w = want1(EINVAL);
	else if (i < 0)
		w = want1(ENOENT);
	else if (!cmd.length)
		w = want1(EINVAL);
	else if (cmd.user_va + cmd.length < cmd.user_va ||
		 cmd.user_va + cmd.length > U64MAX - PSZ + 1)
		w = want1(EOVERFLOW);
	else
		w = predict_place(f, i, cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA,
				  cmd.iova, cmd.length, cmd.user_va,
				  cmd.user_va & (PSZ - 1), pin);
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_IOAS_MAP, &cmd, sizeof(cmd));
	finish_map(f, rc, w, i, cmd.flags, cmd.iova, cmd.length, src, off);
}

static void op_map_file(struct fz *f)
{
	struct iommu_ioas_map_file cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc, pin, kind = rnd(f, 10);
	__u64 fsize = FILE_PAGES * PSZ;
	struct want w;

	cmd.ioas_id = id;
	cmd.flags = pick_map_flags(f);
	cmd.length = pick_len(f);
	cmd.start = rnd(f, FILE_PAGES) * PSZ;
	if (cmd.length < fsize && chance(f, 90))
		cmd.start = rnd(f, (fsize - cmd.length) / PSZ + 1) * PSZ;
	if (chance(f, 5))
		cmd.start += 1 + rnd(f, PSZ - 1);
	if (chance(f, 2))
		cmd.start = U64MAX - rnd(f, 2) * PSZ;
	cmd.iova = pick_iova(f, i);
	/* 0-6: the memfd, 7: read-only, 8: not a memfd, 9: not a file */
	cmd.fd = kind < 7 ? f->mfd : kind == 7 ? f->mfd_ro :
		 kind == 8 ? f->fd : 1000 + (int)rnd(f, 1000);
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_MAP_FILE ioas %u flags %#x fd kind %d start %#llx len %#llx iova %#llx",
		 id, cmd.flags, kind, cmd.start, cmd.length, cmd.iova);

	/* Not a memfd, or past its end: found when pinning. */
	pin = kind == 8 || cmd.start + cmd.length > fsize ? EINVAL : 0;
	if (cmd.flags & ~MAP_FLAGS)
		w = want1(EOPNOTSUPP);
	else if (cmd.iova == U64MAX || cmd.start == U64MAX ||
		 cmd.length == U64MAX)
		w = want1(EOVERFLOW);
	else if (!(cmd.flags & MAP_RW))
		w = want1(EINVAL);
	else if (i < 0)
		w = want1(ENOENT);
	else if (kind == 9)
		w = want1(EBADF);
	else if (kind == 7 && (cmd.flags & IOMMU_IOAS_MAP_WRITEABLE))
		w = want1(EACCES);
	else if (!cmd.length)
		w = want1(EINVAL);
	else if (cmd.start + cmd.length < cmd.start ||
		 cmd.start + cmd.length > U64MAX - PSZ + 1)
		w = want1(EOVERFLOW);
	else
		w = predict_place(f, i, cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA,
				  cmd.iova, cmd.length, cmd.start,
				  cmd.start & (PSZ - 1), pin);
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_IOAS_MAP_FILE, &cmd, sizeof(cmd));
	finish_map(f, rc, w, i, cmd.flags, cmd.iova, cmd.length, SRC_FILE,
		   cmd.start);
}

static void op_unmap(struct fz *f)
{
	struct iommu_ioas_unmap cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc;
	__u64 bytes = 0, last = 0;
	unsigned int r = rnd(f, 100), k;
	struct ioas *m = i >= 0 ? &f->ioas[i] : NULL;
	bool whole;
	struct want w;

	cmd.ioas_id = id;
	if (m && m->nareas && r < 50) {
		/* One area, or from one area to another. */
		struct area *a = &m->areas[rnd(f, m->nareas)];
		struct area *b = &m->areas[rnd(f, m->nareas)];

		cmd.iova = a->iova < b->iova ? a->iova : b->iova;
		cmd.length = (a->iova < b->iova ? b->iova + b->len :
			      a->iova + a->len) - cmd.iova;
		if (chance(f, 20))
			cmd.length -= PSZ;	/* a partial unmap */
		if (chance(f, 10))
			cmd.iova += PSZ;
	} else if (r < 60) {
		cmd.iova = 0;
		cmd.length = U64MAX;
	} else {
		cmd.iova = pick_iova(f, i);
		cmd.length = pick_len(f);
	}
	whole = !cmd.iova && cmd.length == U64MAX;
	f->shape = pick_shape(f, false);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_UNMAP ioas %u iova %#llx len %#llx", id,
		 cmd.iova, cmd.length);

	if (i < 0)
		w = want1(ENOENT);
	else if (!whole && (cmd.iova == U64MAX || cmd.length == U64MAX))
		w = want1(EOVERFLOW);
	else if (!whole && !cmd.length)
		w = want1(EINVAL);
	else if (!whole &&
		 __builtin_add_overflow(cmd.iova, cmd.length - 1, &last))
		w = want1(EOVERFLOW);
	else
		w = predict_unmap(m, cmd.iova, whole ? U64MAX : last, whole,
				  &bytes);
	if (whole)
		last = U64MAX;
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_IOAS_UNMAP, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (cmd.length != bytes) {
		fz_fail(f, "unmapped %llu bytes, the model %llu",
			cmd.length, bytes);
		return;
	}
	for (k = 0; k < m->nareas;) {
		struct area *a = &m->areas[k];

		if (overlaps(a->iova, a->iova + a->len - 1, cmd.iova, last))
			remove_area(m, k);
		else
			k++;
	}
}

static void op_copy(struct fz *f)
{
	struct iommu_ioas_copy cmd = { .size = sizeof(cmd) };
	uint32_t sid = pick_id(f), did = pick_id(f);
	int si = find_ioas(f, sid), di = find_ioas(f, did), rc;
	struct ioas *s = si >= 0 ? &f->ioas[si] : NULL;
	struct area pieces[MAX_AREAS];
	unsigned int n = 0, k;
	struct want w;
	__u64 last;

	cmd.src_ioas_id = sid;
	cmd.dst_ioas_id = did;
	cmd.flags = pick_map_flags(f);
	if (s && s->nareas && chance(f, 80)) {
		struct area *a = &s->areas[rnd(f, s->nareas)];

		cmd.src_iova = a->iova;
		cmd.length = a->len;
		if (a->len > PSZ && chance(f, 30)) {
			cmd.src_iova += PSZ;
			cmd.length -= PSZ;
		}
		if (chance(f, 20))
			cmd.length += PSZ * rnd(f, 8);
	} else {
		cmd.src_iova = pick_iova(f, si);
		cmd.length = pick_len(f);
	}
	cmd.dst_iova = pick_iova(f, di);
	if (chance(f, 20))
		cmd.dst_iova = cmd.src_iova;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_COPY src %u iova %#llx dst %u iova %#llx len %#llx flags %#x",
		 sid, cmd.src_iova, did, cmd.dst_iova, cmd.length, cmd.flags);

	if (cmd.flags & ~MAP_FLAGS)
		w = want1(EOPNOTSUPP);
	else if (cmd.src_iova == U64MAX || cmd.dst_iova == U64MAX ||
		 cmd.length == U64MAX)
		w = want1(EOVERFLOW);
	else if (!(cmd.flags & MAP_RW))
		w = want1(EINVAL);
	else if (si < 0 || di < 0)
		w = want1(ENOENT);
	else if (!cmd.length)
		w = want1(EINVAL);
	else if (__builtin_add_overflow(cmd.src_iova, cmd.length - 1, &last))
		w = want1(EOVERFLOW);
	else
		w = predict_copy(f, si, di, &cmd, pieces, &n);
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_IOAS_COPY, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (!(cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		check_chosen(f, di, cmd.dst_iova, cmd.length);
	for (k = 0; k != n; k++)
		add_area(f, di, pieces[k].iova - cmd.src_iova + cmd.dst_iova,
			 pieces[k].len, pieces[k].src, pieces[k].off,
			 pieces[k].writable);
}

static void op_iova_ranges(struct fz *f)
{
	struct iommu_iova_range ranges[MAX_RANGES];
	struct iommu_ioas_iova_ranges cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc;
	struct rset usable = {};
	bool bad_array = chance(f, 5);
	struct want w;

	cmd.ioas_id = id;
	cmd.num_iovas = rnd(f, 4);
	cmd.allowed_iovas = bad_array ? (uintptr_t)f->guard :
			    (uintptr_t)ranges;
	if (chance(f, 3))
		cmd.__reserved = 1;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_IOVA_RANGES ioas %u num %u array %s reserved %u", id,
		 cmd.num_iovas, bad_array ? "bad" : "good", cmd.__reserved);
	if (i >= 0)
		ioas_usable(f, i, &usable);
	if (cmd.__reserved)
		w = want1(EOPNOTSUPP);
	else if (i < 0)
		w = want1(ENOENT);
	else if (bad_array && cmd.num_iovas && usable.n)
		w = want1(EFAULT);
	else if (usable.n > cmd.num_iovas)
		w = want1(f->shape == SH_RO ? EFAULT : EMSGSIZE);
	else
		w = want1(0);
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_IOAS_IOVA_RANGES, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w))
		return;
	if ((rc == 0 || rc == EMSGSIZE) && cmd.num_iovas != usable.n)
		fz_fail(f, "num_iovas %u, the model %u", cmd.num_iovas,
			usable.n);
}

static void op_allow_iovas(struct fz *f)
{
	struct iommu_ioas_allow_iovas cmd = { .size = sizeof(cmd) };
	struct iommu_iova_range ranges[MAX_ALLOWED];
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc;
	struct rset resv = {};
	struct want w = want1(0);
	unsigned int k, j;
	bool bad_array = chance(f, 3);

	cmd.ioas_id = id;
	cmd.num_iovas = rnd(f, MAX_ALLOWED + 1);
	for (k = 0; k != cmd.num_iovas; k++) {
		ranges[k].start = pick_iova(f, i) & ~(PSZ - 1);
		ranges[k].last = ranges[k].start + pick_len(f) * 16 - 1;
		if (chance(f, 3))
			ranges[k].last = ranges[k].start;
	}
	cmd.allowed_iovas = bad_array ? (uintptr_t)f->guard :
			    (uintptr_t)ranges;
	if (chance(f, 3))
		cmd.__reserved = 1;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_ALLOW_IOVAS ioas %u num %u first [%#llx, %#llx] reserved %u",
		 id, cmd.num_iovas, cmd.num_iovas ? (__u64)ranges[0].start : 0,
		 cmd.num_iovas ? (__u64)ranges[0].last : 0, cmd.__reserved);
	if (cmd.__reserved) {
		w = want1(EOPNOTSUPP);
	} else if (i < 0) {
		w = want1(ENOENT);
	} else if (bad_array && cmd.num_iovas) {
		w = want1(EFAULT);
	} else {
		ioas_resv(f, i, &resv);
		for (k = 0; k != cmd.num_iovas && !w.e[0]; k++) {
			if (ranges[k].start >= ranges[k].last)
				w = want1(EINVAL);
			for (j = 0; j != k; j++)
				if (overlaps(ranges[j].start, ranges[j].last,
					     ranges[k].start, ranges[k].last))
					w = want1(EINVAL);
		}
		for (k = 0; k != cmd.num_iovas && !w.e[0]; k++)
			if (hits_rset(&resv, ranges[k].start, ranges[k].last))
				w = want1(EADDRINUSE);
	}
	/* No reply: a read-only structure changes nothing. */
	w = shape_want(f->shape, w, false);
	rc = fz_ioctl(f, IOMMU_IOAS_ALLOW_IOVAS, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	f->ioas[i].nallowed = cmd.num_iovas;
	for (k = 0; k != cmd.num_iovas; k++)
		f->ioas[i].allowed[k] = (struct range){ ranges[k].start,
							ranges[k].last };
}

static void op_option(struct fz *f)
{
	struct iommu_option cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc;
	struct want w;
	bool set;

	cmd.option_id = chance(f, 80) ? IOMMU_OPTION_HUGE_PAGES :
			chance(f, 50) ? IOMMU_OPTION_RLIMIT_MODE :
					2 + rnd(f, 10);
	cmd.op = chance(f, 95) ? rnd(f, 2) : 2 + rnd(f, 100);
	cmd.object_id = cmd.option_id == IOMMU_OPTION_RLIMIT_MODE &&
			chance(f, 80) ? 0 : id;
	cmd.val64 = chance(f, 90) ? rnd(f, 2) : rnd64(f);
	if (chance(f, 3))
		cmd.__reserved = 1;
	set = cmd.op == IOMMU_OPTION_OP_SET;
	/* SET writes its reply after the change: not with a read-only one. */
	f->shape = pick_shape(f, !set);
	snprintf(f->desc, sizeof(f->desc),
		 "OPTION id %u op %u object %u val %#llx reserved %u",
		 cmd.option_id, cmd.op, cmd.object_id, cmd.val64,
		 cmd.__reserved);
	if (cmd.__reserved || cmd.option_id > IOMMU_OPTION_HUGE_PAGES) {
		w = want1(EOPNOTSUPP);
	} else if (cmd.option_id == IOMMU_OPTION_RLIMIT_MODE) {
		if (cmd.object_id || cmd.op > 1)
			w = want1(EOPNOTSUPP);
		else if (!set)
			w = want1(0);
		else
			w = want1(EBUSY);	/* the scratch IOAS exists */
	} else if (i < 0) {
		w = want1(ENOENT);
	} else if (cmd.op > 1) {
		w = want1(EOPNOTSUPP);
	} else if (!set) {
		w = want1(0);
	} else if (cmd.val64 > 1) {
		w = want1(EINVAL);
	} else if (cmd.val64 || !f->ioas[i].nareas) {
		w = want1(0);
	} else {
		/* Turning large pages off with memory mapped in tables */
		w = want1(0);
		want_add(&w, EINVAL);
		want_add(&w, EADDRINUSE);
	}
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_OPTION, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (cmd.option_id == IOMMU_OPTION_RLIMIT_MODE) {
		if (cmd.val64)
			fz_fail(f, "RLIMIT_MODE reads %llu",
				cmd.val64);
		return;
	}
	if (set)
		f->ioas[i].huge = cmd.val64;
	else if (cmd.val64 != f->ioas[i].huge)
		fz_fail(f, "HUGE_PAGES reads %llu, the model %llu",
			cmd.val64, f->ioas[i].huge);
}

static void op_window_add(struct fz *f)
{
	struct iommu_ioas_window_add cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc;
	struct ioas *m = i >= 0 ? &f->ioas[i] : NULL;
	__u64 ps, align, highest, last = 0, start = 0;
	bool exact = chance(f, 60);
	unsigned int k;
	struct want w;

	/* The model holds MAX_WINS windows an IOAS. */
	if (m && m->nwins == MAX_WINS)
		return;

	cmd.ioas_id = id;
	cmd.flags = exact ? IOMMU_IOAS_WINDOW_EXACT : 0;
	if (chance(f, 3))
		cmd.flags |= 1U << (1 + rnd(f, 31));
	cmd.page_size = pick_page_size(f);
	cmd.length = chance(f, 90) ? (1 + rnd(f, 16)) << 20 : pick_len(f);
	cmd.iova = chance(f, 85) ? rnd(f, 4096) << 20 : pick_iova(f, i);
	if (chance(f, 5))
		cmd.iova = MOCK_PPC_HIGH_START;
	cmd.lowest = chance(f, 50) ? 0 : rnd(f, 4096) << 20;
	cmd.highest = chance(f, 50) ? 0 : cmd.lowest + (rnd(f, 4096) << 20);
	cmd.align = chance(f, 70) ? 0 : chance(f, 90) ? 1ULL << rnd(f, 32) :
					 3 << 20;
	if (chance(f, 5))
		cmd.levels = 1 + rnd(f, 6);
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_WINDOW_ADD ioas %u flags %#x iova %#llx len %#llx lowest %#llx highest %#llx align %#llx page_size %#llx levels %u",
		 id, cmd.flags, cmd.iova, cmd.length, cmd.lowest, cmd.highest,
		 cmd.align, cmd.page_size, cmd.levels);

	ps = cmd.page_size ? cmd.page_size : PSZ;
	align = cmd.align ? cmd.align : ps;
	highest = cmd.highest ? cmd.highest : U64MAX;
	if (cmd.flags & ~IOMMU_IOAS_WINDOW_EXACT)
		w = want1(EOPNOTSUPP);
	else if (!cmd.length || (ps & (ps - 1)) || ps < 4096)
		w = want1(EINVAL);
	else if ((exact ? cmd.iova | cmd.length : cmd.length) & (ps - 1))
		w = want1(EINVAL);
	else if (!exact && ((align & (align - 1)) || cmd.lowest > highest))
		w = want1(EINVAL);
	else if (exact &&
		 __builtin_add_overflow(cmd.iova, cmd.length - 1, &last))
		w = want1(EOVERFLOW);
	else if (i < 0)
		w = want1(ENOENT);
	else if (!m->windowed)
		w = want1(EINVAL);
	else
		w = predict_window(f, i, &cmd, last, align > ps ? align : ps,
				   &start);
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_IOAS_WINDOW_ADD, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	last = cmd.iova + cmd.length - 1;
	/*
	 * Checked on 4K-page machines: the start is aligned to the larger of
	 * align and page_size. Whether a window of pages smaller than
	 * PAGE_SIZE starts on a PAGE_SIZE boundary is not known to the model.
	 */
	if (!exact && !ioas_busy(f, i) && !cmd.levels && ps >= PSZ &&
	    cmd.iova != start)
		fz_fail(f, "window placed at %#llx, the model %#llx",
			cmd.iova, start);
	if (!exact && (cmd.iova < cmd.lowest || last > highest ||
		       (cmd.iova & (align - 1))))
		fz_fail(f, "window at %#llx breaks the constraints",
			cmd.iova);
	for (k = 0; k != m->nwins; k++)
		if (overlaps(m->wins[k].start, m->wins[k].last, cmd.iova,
			     last))
			fz_fail(f, "window at %#llx overlaps another",
				cmd.iova);
	if (m->nwins == MAX_WINS) {
		fz_fail(f, "model: too many windows");
		return;
	}
	m->wins[m->nwins++] = (struct window){ cmd.iova, last, ps };
}

static void op_window_remove(struct fz *f)
{
	struct iommu_ioas_window_remove cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc, found = -1;
	struct ioas *m = i >= 0 ? &f->ioas[i] : NULL;
	unsigned int k;
	struct want w;

	cmd.ioas_id = id;
	if (m && m->nwins && chance(f, 80))
		cmd.iova = m->wins[rnd(f, m->nwins)].start;
	else
		cmd.iova = pick_iova(f, i);
	if (chance(f, 3))
		cmd.flags = 1;
	if (chance(f, 3))
		cmd.__reserved = 1;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "IOAS_WINDOW_REMOVE ioas %u iova %#llx flags %u reserved %u",
		 id, cmd.iova, cmd.flags, cmd.__reserved);
	for (k = 0; m && k != m->nwins; k++)
		if (m->wins[k].start == cmd.iova)
			found = k;
	if (cmd.flags || cmd.__reserved)
		w = want1(EOPNOTSUPP);
	else if (i < 0)
		w = want1(ENOENT);
	else if (!m->windowed)
		w = want1(EINVAL);
	else if (found < 0)
		w = want1(ENOENT);
	else if (hits_areas(m, m->wins[found].start, m->wins[found].last))
		w = want1(EBUSY);
	else
		w = want1(0);
	w = shape_want(f->shape, w, false);
	rc = fz_ioctl(f, IOMMU_IOAS_WINDOW_REMOVE, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	m->wins[found] = m->wins[--m->nwins];
}

static void op_window_caps(struct fz *f)
{
	struct iommu_window_aperture aps[4];
	struct iommu_iova_range resv[8];
	struct iommu_window_caps cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc;
	struct want w;

	cmd.object_id = id;
	cmd.num_apertures = rnd(f, 5);
	cmd.num_reserved = rnd(f, 9);
	cmd.apertures = (uintptr_t)aps;
	cmd.reserved = (uintptr_t)resv;
	if (chance(f, 3))
		cmd.flags = 1;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "WINDOW_CAPS object %u apertures %u reserved %u flags %u", id,
		 cmd.num_apertures, cmd.num_reserved, cmd.flags);
	if (cmd.flags) {
		w = want1(EOPNOTSUPP);
	} else if (i < 0) {
		/* A device is fine too; anything else ENOENT. */
		w = want1(ENOENT);
		want_add(&w, 0);
		want_add(&w, EMSGSIZE);
	} else if (!ioas_busy(f, i)) {
		w = want1(cmd.num_apertures ? 0 : EMSGSIZE);
	} else {
		w = want1(0);
		want_add(&w, EMSGSIZE);
	}
	w = shape_want(f->shape, w, true);
	if (f->shape == SH_RO && want_has(&w, EMSGSIZE))
		want_add(&w, EFAULT);
	rc = fz_ioctl(f, IOMMU_WINDOW_CAPS, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc || i < 0 || ioas_busy(f, i))
		return;
	/* An IOAS with no device: one aperture covering everything. */
	if (cmd.num_apertures != 1 || aps[0].start || aps[0].last != U64MAX ||
	    cmd.out_max_windows || cmd.num_reserved)
		fz_fail(f,
			"WINDOW_CAPS of a bare IOAS: %u apertures [%#llx, %#llx], %u windows, %u reserved",
			cmd.num_apertures, (__u64)aps[0].start,
			(__u64)aps[0].last, cmd.out_max_windows,
			cmd.num_reserved);
}

static void op_pin_stats(struct fz *f)
{
	struct iommu_pin_stats cmd = { .size = sizeof(cmd) };
	uint32_t id = chance(f, 20) ? 0 : pick_id(f);
	int i = find_ioas(f, id), rc;
	__u64 want;
	struct want w;

	cmd.object_id = id;
	if (chance(f, 3))
		cmd.flags = 1;
	if (chance(f, 3))
		cmd.__reserved = 1;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "PIN_STATS object %u flags %u reserved %u", id, cmd.flags,
		 cmd.__reserved);
	if (cmd.flags || cmd.__reserved)
		w = want1(EOPNOTSUPP);
	else if (id && i < 0 && id != f->scratch)
		w = want1(ENOENT);
	else
		w = want1(0);
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_PIN_STATS, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	want = model_pins(f, id ? i : -1);
	if (id == f->scratch)
		want = 0;
	if (want != cmd.out_pinned)
		fz_fail(f, "%llu bytes pinned, the model %llu", cmd.out_pinned, want);
}

static void op_ioas_alloc(struct fz *f)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int slot = free_ioas_slot(f), rc;
	struct want w;

	if (slot < 0)
		return;
	cmd.flags = chance(f, 50) ? IOMMU_IOAS_ALLOC_WINDOWED : 0;
	if (chance(f, 5))
		cmd.flags |= 1U << rnd(f, 32);
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc), "IOAS_ALLOC flags %#x", cmd.flags);
	w = want1(cmd.flags & ~IOMMU_IOAS_ALLOC_WINDOWED ? EOPNOTSUPP : 0);
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_IOAS_ALLOC, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (!cmd.out_ioas_id || find_ioas(f, cmd.out_ioas_id) >= 0 ||
	    cmd.out_ioas_id == f->scratch)
		fz_fail(f, "new IOAS has ID %u, in use", cmd.out_ioas_id);
	memset(&f->ioas[slot], 0, sizeof(f->ioas[slot]));
	f->ioas[slot].live = true;
	f->ioas[slot].id = cmd.out_ioas_id;
	f->ioas[slot].windowed = cmd.flags & IOMMU_IOAS_ALLOC_WINDOWED;
	f->ioas[slot].huge = 1;
	f->ioas[slot].align = 1;
}

/* ---- object lifetime and mock devices ---------------------------------- */

static void op_destroy(struct fz *f)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd) };
	uint32_t id;
	int i, d = -1, h, rc;
	unsigned int k, r = rnd(f, 100);
	struct want w = want1(ENOENT);

	id = pick_id(f);
	if (r < 30) {
		struct dev *dv = &f->devs[rnd(f, MAX_DEVS)];

		id = r < 15 ? dv->stdev : r < 22 ? dv->idev : dv->hwpt;
	} else if (r < 35) {
		id = hwpts[rnd(f, MAX_HWPTS)].id;
	}
	if (id == f->scratch)
		return;
	cmd.id = id;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc), "DESTROY %u", id);
	i = find_ioas(f, id);
	h = find_hwpt(id);
	for (k = 0; k != MAX_DEVS; k++) {
		struct dev *dv = &f->devs[k];

		if (!dv->live)
			continue;
		if (dv->stdev == id)
			d = k;
		if (dv->idev == id || dv->hwpt == id)
			w = want1(EBUSY);
	}
	if (i >= 0)
		w = want1(ioas_busy(f, i) ? EBUSY : 0);
	else if (d >= 0)
		w = want1(0);
	else if (h >= 0 && !hwpt_in_use(f, id))
		w = want1(0);
	w = shape_want(f->shape, w, false);
	rc = fz_ioctl(f, IOMMU_DESTROY, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (i >= 0)
		f->ioas[i].live = false;
	else if (d >= 0)
		f->devs[d].live = false;
	else if (h >= 0)
		hwpts[h].live = false;
}

static void op_mock_domain(struct fz *f)
{
	struct iommu_test_cmd cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f), flags = pick_dev_flags(f);
	int i = find_ioas(f, id), slot = free_dev_slot(f), rc;
	struct want w;

	if (slot < 0 || id == f->scratch)
		return;
	cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS;
	cmd.id = id;
	cmd.mock_domain_flags.dev_flags = flags;
	f->shape = pick_shape(f, false);
	snprintf(f->desc, sizeof(f->desc), "MOCK_DOMAIN_FLAGS on %u flags %#x",
		 id, flags);
	if (i < 0 && table_ioas(f, id) < 0) {
		w = want1(ENOENT);
		want_add(&w, EINVAL);
	} else if (i < 0 || f->ioas[i].windowed ||
		   __builtin_popcount(flags & 0x70000) > 1) {
		w = want1(0);
		w.any_fail = true;
	} else {
		struct rset msi = {}, ap = {};

		/* A new table, or one of the IOAS's tables if it fits. */
		dev_resv(flags, &msi);
		table_resv(flags, &ap);
		if (ioas_clashes(f, i, &msi, 1)) {
			w = want1(EADDRINUSE);
			want_add(&w, EINVAL);
		} else if (ioas_clashes(f, i, &ap, flags & 0x70000 ?
					4096 : PSZ / 2)) {
			w = want1(0);
			want_add(&w, EADDRINUSE);
			want_add(&w, EINVAL);
		} else {
			w = want1(0);
		}
	}
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_TEST_CMD, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (i < 0)
		i = table_ioas(f, id);	/* attached to a table: its IOAS */
	f->devs[slot] = (struct dev){
		.live = true,
		.hflags = table_flags(f, cmd.mock_domain_flags.out_hwpt_id,
				      flags),
		.stdev = cmd.mock_domain_flags.out_stdev_id,
		.idev = cmd.mock_domain_flags.out_idev_id,
		.hwpt = cmd.mock_domain_flags.out_hwpt_id,
		.flags = flags,
		.ioas = i,
	};
}

static void op_replace(struct fz *f)
{
	struct iommu_test_cmd cmd = { .size = sizeof(cmd) };
	struct dev *dv = pick_dev(f);
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), h, rc;
	struct want w = want1(0);

	if (!dv)
		return;
	if (chance(f, 20)) {
		h = rnd(f, MAX_HWPTS);
		id = hwpts[h].live ? hwpts[h].id : pick_dev(f)->hwpt;
		i = table_ioas(f, id);
	}
	if (i < 0)
		i = table_ioas(f, id);
	if (id == f->scratch)
		return;
	cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
	cmd.id = dv->stdev;
	cmd.mock_domain_replace.pt_id = id;
	f->shape = pick_shape(f, false);
	snprintf(f->desc, sizeof(f->desc),
		 "MOCK_DOMAIN_REPLACE device %u (flags %#x) to %u", dv->stdev,
		 dv->flags, id);
	if (i < 0) {
		w = want1(ENOENT);
		want_add(&w, EINVAL);
	} else {
		w.any_fail = true;
	}
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_TEST_CMD, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	dv->ioas = i;
	dv->hflags = table_flags(f, cmd.mock_domain_replace.pt_id, dv->flags);
	dv->hwpt = cmd.mock_domain_replace.pt_id;
}

static void op_hwpt_alloc(struct fz *f)
{
	struct iommu_hwpt_alloc cmd = { .size = sizeof(cmd) };
	struct dev *dv = pick_dev(f);
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc, h;
	struct want w = want1(0);

	for (h = 0; h != MAX_HWPTS && hwpts[h].live; h++)
		;
	if (!dv || h == MAX_HWPTS || id == f->scratch)
		return;
	cmd.dev_id = chance(f, 90) ? dv->idev : dv->stdev;
	cmd.pt_id = id;
	if (chance(f, 5))
		cmd.flags = 1U << rnd(f, 32);
	if (chance(f, 3))
		cmd.__reserved = 1;
	f->shape = pick_shape(f, true);
	snprintf(f->desc, sizeof(f->desc),
		 "HWPT_ALLOC dev %u pt %u flags %#x reserved %u", cmd.dev_id,
		 id, cmd.flags, cmd.__reserved);
	if (cmd.__reserved || (cmd.flags & ~7U))
		w = want1(EOPNOTSUPP);
	else if (cmd.dev_id != dv->idev)
		w = want1(ENOENT);
	w.any_fail = true;
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_HWPT_ALLOC, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (i < 0) {
		fz_fail(f, "HWPT_ALLOC on a non-IOAS succeeded");
		return;
	}
	hwpts[h].live = true;
	hwpts[h].id = cmd.out_hwpt_id;
	hwpts[h].ioas = i;
	hwpts[h].flags = dv->flags;
}

/* ATTACH_EXTRA, and at once DETACH_EXTRA: a round trip changes nothing. */
static void op_attach_extra(struct fz *f)
{
	struct iommu_device_extra cmd = { .size = sizeof(cmd) };
	struct dev *dv = pick_dev(f);
	uint32_t id = pick_id(f);
	struct want w = want1(0);
	int rc;

	if (!dv || id == f->scratch)
		return;
	cmd.dev_id = dv->idev;
	cmd.pt_id = id;
	if (chance(f, 3))
		cmd.flags = 1;
	f->shape = pick_shape(f, false);
	snprintf(f->desc, sizeof(f->desc),
		 "DEVICE_ATTACH_EXTRA dev %u (flags %#x) pt %u flags %u",
		 dv->idev, dv->flags, id, cmd.flags);
	if (cmd.flags)
		w = want1(EOPNOTSUPP);
	w.any_fail = true;
	w = shape_want(f->shape, w, true);
	rc = fz_ioctl(f, IOMMU_DEVICE_ATTACH_EXTRA, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	if (!(dv->flags & MOCK_FLAGS_DEVICE_MODEL_PPC))
		fz_fail(f, "ATTACH_EXTRA of a device that cannot route");
	rc = __device_detach_extra(f->fd, dv->idev, cmd.pt_id);
	if (rc)
		fz_fail(f, "DETACH_EXTRA of table %u: %s", cmd.pt_id,
			strerror(rc));
	/* A table that is not attached (any more) cannot be detached. */
	snprintf(f->desc, sizeof(f->desc), "DEVICE_DETACH_EXTRA dev %u pt %u",
		 dv->idev, cmd.pt_id);
	rc = __device_detach_extra(f->fd, dv->idev, cmd.pt_id);
	if (rc != ENOENT)
		fz_fail(f, "second DETACH_EXTRA: %s", strerror(rc));
}

static void op_add_reserved(struct fz *f)
{
	struct iommu_test_cmd cmd = { .size = sizeof(cmd) };
	uint32_t id = pick_id(f);
	int i = find_ioas(f, id), rc;
	struct ioas *m = i >= 0 ? &f->ioas[i] : NULL;
	struct rset allowed = {};
	__u64 last;
	unsigned int k;
	struct want w;

	if (!m || m->windowed || m->nresv == MAX_RESV)
		return;
	cmd.op = IOMMU_TEST_OP_ADD_RESERVED;
	cmd.id = id;
	cmd.add_reserved.start = pick_iova(f, i) & ~(PSZ - 1);
	cmd.add_reserved.length = (1 + rnd(f, 4)) * PSZ;
	last = cmd.add_reserved.start + cmd.add_reserved.length - 1;
	if (last < cmd.add_reserved.start)
		return;
	f->shape = SH_PLAIN;
	snprintf(f->desc, sizeof(f->desc),
		 "ADD_RESERVED ioas %u [%#llx, %#llx]", id,
		 cmd.add_reserved.start, last);
	for (k = 0; k != m->nallowed; k++)
		rset_add(&allowed, m->allowed[k].start, m->allowed[k].last);
	if (hits_areas(m, cmd.add_reserved.start, last) ||
	    hits_rset(&allowed, cmd.add_reserved.start, last))
		w = want1(EADDRINUSE);
	else
		w = want1(0);
	rc = fz_ioctl(f, IOMMU_TEST_CMD, &cmd, sizeof(cmd));
	if (!check_rc(f, rc, w) || rc)
		return;
	m->resv[m->nresv++] = (struct range){ cmd.add_reserved.start, last };
}

/* ---- the file and the memory ------------------------------------------- */

static int fz_open(struct fz *f)
{
	int rc;

	memset(f->ioas, 0, sizeof(f->ioas));
	memset(f->devs, 0, sizeof(f->devs));
	memset(hwpts, 0, sizeof(hwpts));
	f->fd = iommufd_open();
	if (f->fd < 0)
		return errno;
	rc = __ioas_alloc(f->fd, &f->scratch);
	if (rc)
		return rc;
	rc = __ioas_alloc(f->fd, &f->ioas[0].id);
	if (rc)
		return rc;
	f->ioas[0].live = true;
	f->ioas[0].huge = 1;
	f->ioas[0].align = 1;
	return 0;
}

/* Close the file: every pin goes, VmPin is back where it started. */
static void op_reopen(struct fz *f)
{
	long vmpin;
	int rc;

	snprintf(f->desc, sizeof(f->desc), "close() and open() /dev/iommu");
	f->shape = SH_PLAIN;
	close(f->fd);
	vmpin = proc_status_kb("VmPin");
	if (vmpin >= 0 && vmpin != f->vmpin_base)
		fz_fail(f, "VmPin %ld kB after close(), %ld before the maps",
			vmpin, f->vmpin_base);
	rc = fz_open(f);
	if (rc)
		fz_fail(f, "reopen: %s", strerror(rc));
	f->last_rc = rc;
}

/* [anon][guard][ro][guard][fmap][guard]: every source ends in a hole. */
static int fz_memory(struct fz *f)
{
	size_t ps = PSZ, total;
	uint8_t *base, *p;
	char path[64];
	enum src s;

	f->mem_pages[SRC_ANON] = ANON_PAGES;
	f->mem_pages[SRC_RO] = RO_PAGES;
	f->mem_pages[SRC_FILE] = FILE_PAGES;
	f->mem_pages[SRC_FMAP] = FILE_PAGES;
	total = (ANON_PAGES + RO_PAGES + FILE_PAGES + 3) * ps;
	base = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    0);
	if (base == MAP_FAILED)
		return errno;
	p = base;
	f->mem[SRC_ANON] = mmap(p, ANON_PAGES * ps, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	p += (ANON_PAGES + 1) * ps;
	f->mem[SRC_RO] = mmap(p, RO_PAGES * ps, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	p += (RO_PAGES + 1) * ps;
	f->mfd = memfd_filled(FILE_PAGES * ps, 0);
	if (f->mfd < 0)
		return errno ? errno : EINVAL;
	f->mem[SRC_FMAP] = mmap(p, FILE_PAGES * ps, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_FIXED, f->mfd, 0);
	f->mem[SRC_FILE] = f->mem[SRC_FMAP];
	f->guard = p + FILE_PAGES * ps;
	for (s = 0; s != NR_SRC; s++)
		if (f->mem[s] == MAP_FAILED)
			return errno;
	/*
	 * No transparent huge pages: khugepaged collapsing a range (3 MiB of
	 * anonymous memory with 64 KiB pages holds an aligned 2 MiB) is an
	 * invalidation, after which the kernel rightly pins the extents of
	 * that range again for new maps, counting those pages twice until
	 * the old handles go. The model cannot know when khugepaged runs.
	 * prctl() rather than madvise(), which small kernels leave out
	 * (ADVISE_SYSCALLS); EINVAL: a kernel without huge pages.
	 */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) && errno != EINVAL)
		return errno;
	memset(f->mem[SRC_ANON], 0x5a, ANON_PAGES * ps);
	memset(f->mem[SRC_RO], 0xa5, RO_PAGES * ps);
	if (mprotect(f->mem[SRC_RO], RO_PAGES * ps, PROT_READ))
		return errno;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", f->mfd);
	f->mfd_ro = open(path, O_RDONLY);
	if (f->mfd_ro < 0)
		return errno;
	f->stage = mmap(NULL, ps, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->stage == MAP_FAILED)
		return errno;
	return 0;
}

static __u64 env_u64(const char *name, __u64 def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

struct op {
	void (*fn)(struct fz *f);
	unsigned int weight;
	bool mock;
	const char *name;
};

static const struct op ops[] = {
	{ op_map, 20, false, "map" },
	{ op_map_file, 8, false, "map_file" },
	{ op_unmap, 14, false, "unmap" },
	{ op_copy, 10, false, "copy" },
	{ op_iova_ranges, 4, false, "iova_ranges" },
	{ op_allow_iovas, 3, false, "allow_iovas" },
	{ op_option, 3, false, "option" },
	{ op_window_add, 10, false, "window_add" },
	{ op_window_remove, 5, false, "window_remove" },
	{ op_window_caps, 3, false, "window_caps" },
	{ op_pin_stats, 3, false, "pin_stats" },
	{ op_ioas_alloc, 4, false, "ioas_alloc" },
	{ op_destroy, 4, false, "destroy" },
	{ op_reopen, 1, false, "reopen" },
	{ op_mock_domain, 6, true, "mock_domain" },
	{ op_replace, 3, true, "replace" },
	{ op_hwpt_alloc, 2, true, "hwpt_alloc" },
	{ op_attach_extra, 2, true, "attach_extra" },
	{ op_add_reserved, 2, true, "add_reserved" },
};

static const struct op *pick_op(struct fz *f, bool mock)
{
	unsigned int total = 0, k, r;

	for (k = 0; k != ARRAY_SIZE(ops); k++)
		if (mock || !ops[k].mock)
			total += ops[k].weight;
	r = rnd(f, total);
	for (k = 0; k != ARRAY_SIZE(ops); k++) {
		if (!mock && ops[k].mock)
			continue;
		if (r < ops[k].weight)
			return &ops[k];
		r -= ops[k].weight;
	}
	return &ops[0];
}

/* Run for @seconds or MAX_ITERS calls; false on a mismatch. */
static bool fz_run(struct fz *f, bool mock, unsigned int seconds)
{
	unsigned int calls[ARRAY_SIZE(ops)] = {}, ok[ARRAY_SIZE(ops)] = {};
	/* A long run (IOMMUFD_FUZZ_SECONDS) has no cap on iterations. */
	__u64 cap = getenv("IOMMUFD_FUZZ_SECONDS") ? ~0ULL : MAX_ITERS;
	double end = now() + seconds;
	const struct op *op;
	unsigned int k;

	ksft_print_msg("seed %llu (IOMMUFD_FUZZ_SEED), %u s%s\n",
		       f->seed, seconds, mock ? ", mock devices" : "");
	for (f->iter = 0; f->iter != cap && !f->bad; f->iter++) {
		op = pick_op(f, mock);
		f->last_rc = -1;
		op->fn(f);
		if (f->last_rc >= 0) {
			calls[op - ops]++;
			ok[op - ops] += !f->last_rc;
		}
		if (!f->bad)
			verify(f);
		if (!(f->iter & 63) && now() > end)
			break;
	}
	for (k = 0; k != ARRAY_SIZE(ops); k++)
		if (calls[k])
			ksft_print_msg("  %-16s %6u calls, %6u succeeded\n",
				       ops[k].name, calls[k], ok[k]);
	ksft_print_msg("%llu iterations, seed %llu%s\n",
		       f->iter, f->seed, f->bad ? ": MISMATCH" : "");
	return !f->bad;
}

FIXTURE(fuzz) {
	struct fz f;
};

FIXTURE_VARIANT(fuzz) {
	bool mock;
	unsigned int seconds;
};

/* Upstream's and our commands on IOASes without devices */
FIXTURE_VARIANT_ADD(fuzz, core) {
	.mock = false,
	.seconds = CORE_SECONDS,
};

/* The same with mock devices of every model attached and moved around */
FIXTURE_VARIANT_ADD(fuzz, mock) {
	.mock = true,
	.seconds = MOCK_SECONDS,
};

FIXTURE_SETUP(fuzz)
{
	struct fz *f = &self->f;

	memset(f, 0, sizeof(*f));
	f->md = _metadata;
	if (variant->mock && mock_missing())
		SKIP(return, NO_MOCK_MSG);
	f->seed = env_u64("IOMMUFD_FUZZ_SEED", (__u64)(now() * 1e9));
	/* The two variants of one run take different sequences. */
	f->rng = f->seed ^ (variant->mock ? 0x6d6f636bULL : 0);
	ASSERT_EQ(0, fz_memory(f));
	f->vmpin_base = proc_status_kb("VmPin");
	ASSERT_EQ(0, fz_open(f));
}

FIXTURE_TEARDOWN(fuzz)
{
	if (self->f.fd > 0)
		close(self->f.fd);
}

TEST_F_TIMEOUT(fuzz, sequences, 7 * 24 * 3600)
{
	unsigned int seconds = env_u64("IOMMUFD_FUZZ_SECONDS",
				       variant->seconds);

	ASSERT_TRUE(fz_run(&self->f, variant->mock, seconds));
}

TEST_HARNESS_MAIN
