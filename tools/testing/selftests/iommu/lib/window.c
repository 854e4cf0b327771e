// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/* Helpers of the IOVA window tests; see window_util.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* For __printf() alone: kselftest.h defines nothing that is linked. */
#include "kselftest.h"
#include "iommufd_util.h"
#include "window_util.h"

/*
 * Why a check failed, on stderr as a comment of the test's log; the test's
 * assertion of the result follows it with the test's line.
 */
static __printf(1, 2) void win_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("# ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Each range of @r, after a line saying what they are. */
static void log_ranges(const char *what, const struct iommu_iova_range *r,
		       unsigned int n)
{
	unsigned int i;

	win_log("  %s: %u range(s)", what, n);
	for (i = 0; i != n; i++)
		win_log("    [%#llx, %#llx]", (unsigned long long)r[i].start,
			(unsigned long long)r[i].last);
}

/* The IOVA ranges of @ioas, as far as they can be read. */
static void log_layout(const char *what, int fd, uint32_t ioas)
{
	struct iova_layout l;
	int rc;

	rc = iova_layout_read(fd, ioas, &l);
	if (rc)
		win_log("  %s: unreadable: %s (%u range(s))", what,
			strerror(rc), l.num);
	else
		log_ranges(what, l.ranges, l.num);
}

void *alloc_buffer(size_t size)
{
	void *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		return NULL;
	memset(buf, 0x6b, size);
	return buf;
}

struct iommu_iova_range span(uint64_t start, uint64_t len)
{
	return (struct iommu_iova_range){
		.start = start,
		.last = start + len - 1,
	};
}

bool inside(uint64_t iova, uint64_t length, uint64_t start, uint64_t size)
{
	return iova >= start && iova + length - 1 <= start + size - 1;
}

int __next_id(int fd, uint32_t *id)
{
	uint32_t next = 0;
	int rc;

	rc = __ioas_alloc(fd, &next);
	if (rc) {
		win_log("next_id: IOMMU_IOAS_ALLOC: %s", strerror(rc));
		return rc;
	}
	if (!next) {
		win_log("next_id: IOMMU_IOAS_ALLOC: ID 0");
		return -1;
	}
	rc = __iommufd_destroy(fd, next);
	if (rc) {
		win_log("next_id: IOMMU_DESTROY of IOAS %u: %s", next,
			strerror(rc));
		return rc;
	}
	*id = next;
	return 0;
}

int map_at(int fd, uint32_t ioas, void *buf, uint64_t length, uint64_t iova)
{
	return __ioas_map(fd, ioas, buf, length, &iova, MAP_FIXED_RW);
}

/* IOMMU_IOAS_IOVA_RANGES */

#define MAX_RANGES IOVA_LAYOUT_MAX

/* Join the ranges of an ascending list that touch; the new count. */
static unsigned int join_touching(struct iommu_iova_range *r, unsigned int n)
{
	unsigned int i, out = 0;

	for (i = 0; i != n; i++) {
		if (out && r[out - 1].last != UINT64_MAX &&
		    r[out - 1].last + 1 == r[i].start) {
			r[out - 1].last = r[i].last;
			continue;
		}
		r[out++] = r[i];
	}
	return out;
}

int __check_ranges(int fd, uint32_t ioas, const struct iommu_iova_range *want,
		   unsigned int nwant)
{
	struct iommu_iova_range w[MAX_RANGES];
	struct iova_layout l;
	unsigned int i, n;
	int rc;

	rc = iova_layout_read(fd, ioas, &l);
	if (rc) {
		win_log("check_ranges: IOMMU_IOAS_IOVA_RANGES of IOAS %u: %s",
			ioas, strerror(rc));
		return rc;
	}
	if (l.num > MAX_RANGES) {
		win_log("check_ranges: IOAS %u: %u ranges, at most %u expected",
			ioas, l.num, MAX_RANGES);
		return -1;
	}
	for (i = 1; i < l.num; i++) {
		if (l.ranges[i - 1].last < l.ranges[i].start)
			continue;
		win_log("check_ranges: IOAS %u: ranges %u and %u not ascending",
			ioas, i - 1, i);
		log_ranges("got", l.ranges, l.num);
		return -1;
	}
	n = join_touching(l.ranges, l.num);
	memcpy(w, want, nwant * sizeof(*w));
	nwant = join_touching(w, nwant);
	if (nwant != n) {
		win_log("check_ranges: IOAS %u: expected %u range(s), got %u",
			ioas, nwant, n);
		goto differ;
	}
	for (i = 0; i != n; i++) {
		if (w[i].start == l.ranges[i].start &&
		    w[i].last == l.ranges[i].last)
			continue;
		win_log("check_ranges: IOAS %u: range %u differs", ioas, i);
		goto differ;
	}
	return 0;

differ:
	log_ranges("expected, touching ones joined", w, nwant);
	log_ranges("got, touching ones joined", l.ranges, n);
	return -1;
}

int __check_no_ranges(int fd, uint32_t ioas)
{
	uint32_t num = 0;
	int rc;

	rc = __ioas_iova_ranges(fd, ioas, NULL, &num, NULL);
	if (rc) {
		win_log("check_no_ranges: IOAS %u: IOMMU_IOAS_IOVA_RANGES: %s",
			ioas, strerror(rc));
		win_log("  with room for none; %u range(s) reported", num);
		log_layout("got", fd, ioas);
		return rc;
	}
	if (num) {
		win_log("check_no_ranges: IOAS %u: expected no range, got %u",
			ioas, num);
		log_layout("got", fd, ioas);
		return -1;
	}
	return 0;
}

/* IOMMU_IOAS_WINDOW_ADD and IOMMU_IOAS_WINDOW_REMOVE */

int win_add(int fd, uint32_t ioas, struct iommu_ioas_window_add cmd,
	    uint64_t *iova)
{
	uint64_t asked = cmd.iova;
	int rc;

	cmd.ioas_id = ioas;
	rc = __ioas_window_add(fd, &cmd);
	if (rc)
		return rc;
	if ((cmd.flags & EXACT) && cmd.iova != asked)
		return -1;
	if (iova)
		*iova = cmd.iova;
	return 0;
}

int add_exact(int fd, uint32_t ioas, uint64_t iova, uint64_t length)
{
	return win_add(fd, ioas, WIN(.flags = EXACT, .iova = iova,
				     .length = length), NULL);
}

/* What win_add() gave, in words. */
static const char *win_add_result(int rc)
{
	if (!rc)
		return "granted";
	if (rc == -1)
		return "exact window granted elsewhere";
	return strerror(rc);
}

int __add_refused(int fd, uint32_t ioas, struct iommu_ioas_window_add cmd,
		  int err)
{
	struct iova_layout before, after;
	int rc;

	rc = iova_layout_read(fd, ioas, &before);
	if (rc) {
		win_log("add_refused: IOAS %u: ranges before: %s",
			ioas, strerror(rc));
		return rc;
	}
	rc = win_add(fd, ioas, cmd, NULL);
	if (rc != err) {
		win_log("add_refused: IOAS %u: expected %d (%s), got %d (%s)",
			ioas, err, win_add_result(err), rc,
			win_add_result(rc));
		win_log("  window: flags %#x iova %#llx length %#llx",
			cmd.flags, (unsigned long long)cmd.iova,
			(unsigned long long)cmd.length);
		win_log("  page_size %#llx align %#llx levels %u",
			(unsigned long long)cmd.page_size,
			(unsigned long long)cmd.align, cmd.levels);
		win_log("  lowest %#llx highest %#llx",
			(unsigned long long)cmd.lowest,
			(unsigned long long)cmd.highest);
		return -1;
	}
	rc = iova_layout_read(fd, ioas, &after);
	if (rc) {
		win_log("add_refused: IOAS %u: ranges after: %s",
			ioas, strerror(rc));
		return rc;
	}
	if (!iova_layout_equal(&before, &after)) {
		win_log("add_refused: IOAS %u: the refusal changed the ranges",
			ioas);
		win_log("  alignment before %#llx, after %#llx",
			(unsigned long long)before.align,
			(unsigned long long)after.align);
		log_ranges("before", before.ranges,
			   before.num < MAX_RANGES ? before.num : MAX_RANGES);
		log_ranges("after", after.ranges,
			   after.num < MAX_RANGES ? after.num : MAX_RANGES);
		return -1;
	}
	return 0;
}

/* IOMMU_WINDOW_CAPS */

bool poisoned(const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--)
		if (*b++ != CAPS_POISON)
			return false;
	return true;
}

int __get_caps(int fd, uint32_t id, struct caps *c)
{
	struct iommu_window_caps cmd = {};
	uint32_t need_ap, need_rsv, i;
	int rc, want_rc;

	rc = __window_caps(fd, id, &cmd);
	need_ap = cmd.num_apertures;
	need_rsv = cmd.num_reserved;
	want_rc = need_ap || need_rsv ? EMSGSIZE : 0;
	if (rc != want_rc) {
		win_log("get_caps: object %u: IOMMU_WINDOW_CAPS with no room",
			id);
		win_log("  expected %s, got %s; %u apertures, %u reserved",
			want_rc ? strerror(want_rc) : "success",
			rc ? strerror(rc) : "success", need_ap, need_rsv);
		return rc ? rc : -1;
	}
	if (need_ap > MAX_CAPS || need_rsv > MAX_CAPS) {
		win_log("get_caps: object %u: %u apertures, %u reserved",
			id, need_ap, need_rsv);
		win_log("  expected at most %u of each (MAX_CAPS)", MAX_CAPS);
		return -1;
	}

	memset(c, CAPS_POISON, sizeof(*c));
	cmd = (struct iommu_window_caps){
		.num_apertures = MAX_CAPS,
		.num_reserved = MAX_CAPS,
		.apertures = (uintptr_t)c->apertures,
		.reserved = (uintptr_t)c->reserved,
	};
	rc = __window_caps(fd, id, &cmd);
	if (rc) {
		win_log("get_caps: object %u: IOMMU_WINDOW_CAPS with room: %s",
			id, strerror(rc));
		return rc;
	}
	if (cmd.num_apertures != need_ap || cmd.num_reserved != need_rsv) {
		win_log("get_caps: object %u: counts changed with room", id);
		win_log("  expected %u apertures, %u reserved, got %u and %u",
			need_ap, need_rsv, cmd.num_apertures,
			cmd.num_reserved);
		return -1;
	}
	for (i = need_ap; i != MAX_CAPS; i++) {
		if (poisoned(&c->apertures[i], sizeof(c->apertures[i])))
			continue;
		win_log("get_caps: object %u: aperture %u written, %u counted",
			id, i, need_ap);
		return -1;
	}
	for (i = need_rsv; i != MAX_CAPS; i++) {
		if (poisoned(&c->reserved[i], sizeof(c->reserved[i])))
			continue;
		win_log("get_caps: object %u: reserved %u written, %u counted",
			id, i, need_rsv);
		return -1;
	}
	c->max_windows = cmd.out_max_windows;
	c->num_apertures = need_ap;
	c->num_reserved = need_rsv;
	return 0;
}

/* Each entry of @c, after a line saying what they are. */
static void log_caps(const char *what, const struct caps *c)
{
	uint32_t i;

	win_log("  %s: max_windows %u, %u apertures, %u reserved", what,
		c->max_windows, c->num_apertures, c->num_reserved);
	for (i = 0; i != c->num_apertures && i != MAX_CAPS; i++) {
		const struct iommu_window_aperture *ap = &c->apertures[i];

		win_log("    aperture [%#llx, %#llx] page_sizes %#llx",
			(unsigned long long)ap->start,
			(unsigned long long)ap->last,
			(unsigned long long)ap->page_sizes);
		win_log("      flags %#x max_levels %u", ap->flags,
			ap->max_levels);
	}
	for (i = 0; i != c->num_reserved && i != MAX_CAPS; i++)
		win_log("    reserved [%#llx, %#llx]",
			(unsigned long long)c->reserved[i].start,
			(unsigned long long)c->reserved[i].last);
}

/*
 * Is field @field (of entry @i, if not negative) as expected? If not, say
 * so, with both values.
 */
static bool caps_field_ok(const char *field, int i, unsigned long long want,
			  unsigned long long got)
{
	if (want == got)
		return true;
	if (i < 0)
		win_log("check_caps: %s: expected %#llx, got %#llx", field,
			want, got);
	else
		win_log("check_caps: %s %d: expected %#llx, got %#llx",
			field, i, want, got);
	return false;
}

int __check_caps(const struct caps *got, const struct caps *want)
{
	uint32_t i;

	if (!caps_field_ok("max_windows", -1, want->max_windows,
			   got->max_windows) ||
	    !caps_field_ok("num_apertures", -1, want->num_apertures,
			   got->num_apertures) ||
	    !caps_field_ok("num_reserved", -1, want->num_reserved,
			   got->num_reserved))
		goto differ;
	for (i = 0; i != want->num_apertures; i++) {
		const struct iommu_window_aperture *w = &want->apertures[i];
		const struct iommu_window_aperture *g = &got->apertures[i];

		if (!caps_field_ok("start of aperture", i, w->start,
				   g->start) ||
		    !caps_field_ok("last of aperture", i, w->last, g->last) ||
		    !caps_field_ok("page_sizes of aperture", i, w->page_sizes,
				   g->page_sizes) ||
		    !caps_field_ok("flags of aperture", i, w->flags,
				   g->flags) ||
		    !caps_field_ok("max_levels of aperture", i, w->max_levels,
				   g->max_levels))
			goto differ;
	}
	for (i = 0; i != want->num_reserved; i++) {
		const struct iommu_iova_range *w = &want->reserved[i];
		const struct iommu_iova_range *g = &got->reserved[i];

		if (!caps_field_ok("start of reserved range", i, w->start,
				   g->start) ||
		    !caps_field_ok("last of reserved range", i, w->last,
				   g->last))
			goto differ;
	}
	return 0;

differ:
	log_caps("expected", want);
	log_caps("got", got);
	return -1;
}

void set_aperture(struct caps *c, uint64_t start, uint64_t last,
		  uint64_t page_sizes, uint32_t flags, uint32_t max_levels)
{
	struct iommu_window_aperture *ap = &c->apertures[c->num_apertures++];

	ap->start = start;
	ap->last = last;
	ap->page_sizes = page_sizes;
	ap->flags = flags;
	ap->max_levels = max_levels;
}

void no_device_caps(struct caps *c)
{
	memset(c, 0, sizeof(*c));
	set_aperture(c, 0, UINT64_MAX, ~0ULL, 0, 0);
}

/* Mock devices */

int __attach_model(int fd, uint32_t ioas, uint32_t dev_flags, uint32_t *stdev,
		   uint32_t *hwpt, uint32_t *idev)
{
	uint32_t s = 0, h = 0, i = 0;
	int rc;

	rc = __mock_domain_flags(fd, ioas, dev_flags, &s, &h, &i);
	if (rc) {
		win_log("attach_model: IOAS %u, flags %#x: %s", ioas,
			dev_flags, strerror(rc));
		return rc;
	}
	if (!s || !h || !i) {
		win_log("attach_model: IOAS %u, flags %#x: an ID is 0", ioas,
			dev_flags);
		win_log("  stdev %u, hwpt %u, idev %u", s, h, i);
		return -1;
	}
	if (stdev)
		*stdev = s;
	if (hwpt)
		*hwpt = h;
	if (idev)
		*idev = i;
	return 0;
}

/* Fixtures */

/* A new IOAS of IOMMU_IOAS_ALLOC_* @flags into *@id, or why not. */
static int env_ioas(int fd, uint32_t flags, uint32_t *id)
{
	uint32_t new = 0;
	int rc;

	rc = __ioas_alloc_flags(fd, flags, &new);
	if (rc) {
		win_log("env_open: IOMMU_IOAS_ALLOC with flags %#x: %s", flags,
			strerror(rc));
		return rc;
	}
	if (!new) {
		win_log("env_open: IOMMU_IOAS_ALLOC with flags %#x: ID 0",
			flags);
		return -1;
	}
	*id = new;
	return 0;
}

int __env_open(struct env *e)
{
	int rc;

	e->fd = iommufd_open();
	if (e->fd < 0) {
		win_log("env_open: open %s: %s", IOMMUFD_DEV, strerror(errno));
		return -1;
	}
	rc = env_ioas(e->fd, IOMMU_IOAS_ALLOC_WINDOWED, &e->ioas);
	if (rc)
		return rc;
	rc = env_ioas(e->fd, 0, &e->plain);
	if (rc)
		return rc;
	e->buf = alloc_buffer(BUF_SIZE);
	if (!e->buf) {
		win_log("env_open: a buffer of %llu bytes: %s",
			(unsigned long long)BUF_SIZE, strerror(errno));
		return -1;
	}
	return 0;
}

void env_close(struct env *e)
{
	munmap(e->buf, BUF_SIZE);
	close(e->fd);
}
