// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * An operator's view of every open /dev/iommu file, in debugfs:
 * /sys/kernel/debug/iommufd/<id>, one file per context, <id> being the
 * "iommufd-id" of the file's fdinfo. Reading it answers "what does this
 * file hold pinned, in which IO address spaces, for which devices":
 *
 *   context 3: pinned 1024 KiB, charged 0 KiB to the user
 *   ioas 1: windowed, 1 window, 2 areas, 1 table
 *     window 0x100000-0x1fffff, IO page 0x1000
 *     area 0x100000-0x10ffff rw, user 0x7f0a3c200000, 16 pages
 *     area 0x110000-0x11ffff r-, memfd ino 41 page 0, 16 pages, shared with ioas 2
 *     device 4 (0000:00:03.0), hwpt 5
 *     device 8 (mock2), hwpt 10 nested in 9
 *     access 6
 *   ioas 2: ...
 *   device 7 (0000:00:04.0): not attached
 *
 * An area is "shared with" another IOAS of the file when both hold pins on
 * some of the same memory (IOMMU_IOAS_COPY, or the same memory mapped
 * twice), which is then pinned and charged once. Every area is pinned: the
 * pages of a mapping are pinned when it is made. Documented, with the
 * format, in Documentation/userspace-api/iommufd.rst.
 *
 * Cheap to read: each IOAS is copied under its iova_rwsem for reading
 * (iopt_report()), each device's attachment under the context's
 * attach_lock, each access's IOAS under its lock, one at a time and only
 * for as long as the copy takes; the text is made from the copies.
 */
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "access.h"
#include "debugfs.h"
#include "device.h"
#include "hwpt.h"
#include "ioas.h"

static struct dentry *iommufd_debugfs_dir;
static atomic_t iommufd_debug_ids = ATOMIC_INIT(0);

/* An IOAS and the copy of what it holds. */
struct dbg_ioas {
	u32 id;
	struct iopt_report rep;
	/* per area: another IOAS sharing its memory (0: none), and how many */
	u32 *shared_id;
	unsigned int *nshared;
};

/* A device's attachment to a table (main or extra), or an access's IOAS. */
struct dbg_user {
	u32 id;		/* the device or the access */
	u32 hwpt_id;	/* 0 for an access, and for a device not attached */
	u32 parent_id;	/* the parent of a nested table, else 0 */
	u32 ioas_id;
	bool access;
	char name[32];
};

struct dbg_ctx {
	struct dbg_ioas *ioas;
	unsigned int nr_ioas;
	struct dbg_user *users;
	unsigned int nr_users;
};

/* Room for one more entry of an array of @size-byte entries. */
static void *dbg_grow(void *array, unsigned int nr, size_t size)
{
	/* Grown by powers of two. */
	if (nr & (nr - 1) || !nr) {
		if (nr)
			return array;
		return kcalloc(1, size, GFP_KERNEL);
	}
	return krealloc_array(array, nr * 2, size, GFP_KERNEL | __GFP_ZERO);
}

static int dbg_add_user(struct dbg_ctx *c, const struct dbg_user *u)
{
	struct dbg_user *users = dbg_grow(c->users, c->nr_users, sizeof(*u));

	if (!users)
		return -ENOMEM;
	c->users = users;
	users[c->nr_users++] = *u;
	return 0;
}

static int dbg_add_ioas(struct dbg_ctx *c, struct iommufd_ioas *ioas)
{
	struct dbg_ioas *all = dbg_grow(c->ioas, c->nr_ioas, sizeof(*all));
	struct dbg_ioas *d;
	int rc;

	if (!all)
		return -ENOMEM;
	c->ioas = all;
	d = &all[c->nr_ioas++];
	memset(d, 0, sizeof(*d));
	d->id = ioas->obj.id;
	rc = iopt_report(&ioas->iopt, &d->rep);
	if (rc)
		return rc;
	d->shared_id = kcalloc(d->rep.nr_areas ?: 1, sizeof(*d->shared_id),
			       GFP_KERNEL);
	d->nshared = kcalloc(d->rep.nr_areas ?: 1, sizeof(*d->nshared),
			     GFP_KERNEL);
	return d->shared_id && d->nshared ? 0 : -ENOMEM;
}

/* The main table of a device, then its extra tables. */
static int dbg_add_device(struct iommufd_ctx *ictx, struct dbg_ctx *c,
			  struct iommufd_device *idev)
{
	struct iommufd_device_extra *extra;
	struct dbg_user u = { .id = idev->obj.id };
	int rc;

	strscpy(u.name, dev_name(idev->hwdev->dev), sizeof(u.name));
	mutex_lock(&ictx->attach_lock);
	if (idev->hwpt) {
		u.hwpt_id = idev->hwpt->obj.id;
		u.ioas_id = idev->hwpt->ioas->obj.id;
		if (idev->hwpt->parent)
			u.parent_id = idev->hwpt->parent->obj.id;
	}
	rc = dbg_add_user(c, &u);
	list_for_each_entry(extra, &idev->extras, link) {
		if (rc)
			break;
		u.hwpt_id = extra->hwpt->obj.id;
		u.ioas_id = extra->hwpt->ioas->obj.id;
		u.parent_id = 0;	/* extra tables are never nested */
		rc = dbg_add_user(c, &u);
	}
	mutex_unlock(&ictx->attach_lock);
	return rc;
}

static int dbg_add_access(struct dbg_ctx *c, struct iommufd_access *access)
{
	struct dbg_user u = { .id = access->obj.id, .access = true };

	mutex_lock(&access->lock);
	if (access->ioas)
		u.ioas_id = access->ioas->obj.id;
	mutex_unlock(&access->lock);
	return dbg_add_user(c, &u);
}

#define to_ioas(o) container_of(o, struct iommufd_ioas, obj)
#define to_device(o) container_of(o, struct iommufd_device, obj)
#define to_access(o) container_of(o, struct iommufd_access, obj)

/* Copy what every object of @ictx holds; no lock is held afterwards. */
static int dbg_collect(struct iommufd_ctx *ictx, struct dbg_ctx *c)
{
	struct iommufd_object *obj;
	unsigned long id = 0;
	int rc = 0;

	while (!rc && (obj = iommufd_peek_next_object(ictx, &id))) {
		switch (obj->type) {
		case IOMMUFD_OBJ_IOAS:
			rc = dbg_add_ioas(c, to_ioas(obj));
			break;
		case IOMMUFD_OBJ_DEVICE:
			rc = dbg_add_device(ictx, c, to_device(obj));
			break;
		case IOMMUFD_OBJ_ACCESS:
			rc = dbg_add_access(c, to_access(obj));
			break;
		default:
			break;
		}
		iommufd_unpeek_object(ictx, obj);
		id++;
	}
	return rc;
}

/* One area of one IOAS, for finding the areas that share memory. */
struct dbg_ref {
	const void *owner;
	unsigned long first;
	unsigned long last;
	unsigned int ioas;
	unsigned long area;
};

static int dbg_ref_cmp(const void *a, const void *b)
{
	const struct dbg_ref *x = a, *y = b;

	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return 0;
}

static void dbg_mark_shared(struct dbg_ctx *c, const struct dbg_ref *a,
			    const struct dbg_ref *b)
{
	struct dbg_ioas *da = &c->ioas[a->ioas], *db = &c->ioas[b->ioas];

	if (!da->nshared[a->area]++)
		da->shared_id[a->area] = db->id;
	if (!db->nshared[b->area]++)
		db->shared_id[b->area] = da->id;
}

/*
 * Mark the areas whose pages overlap those of an area of another IOAS:
 * sorted by memory, each area is compared with those after it that start
 * before it ends.
 */
static int dbg_find_shared(struct dbg_ctx *c)
{
	unsigned long n = 0, i, j, k;
	struct dbg_ref *refs;

	for (i = 0; i != c->nr_ioas; i++)
		n += c->ioas[i].rep.nr_areas;
	if (!n)
		return 0;
	refs = kvcalloc(n, sizeof(*refs), GFP_KERNEL);
	if (!refs)
		return -ENOMEM;
	n = 0;
	for (i = 0; i != c->nr_ioas; i++) {
		for (k = 0; k != c->ioas[i].rep.nr_areas; k++) {
			const struct iommufd_pin_source *src =
				&c->ioas[i].rep.areas[k].src;

			refs[n++] = (struct dbg_ref){
				.owner = src->owner,
				.first = src->first,
				.last = src->first + src->npages - 1,
				.ioas = i,
				.area = k,
			};
		}
	}
	sort(refs, n, sizeof(*refs), dbg_ref_cmp, NULL);
	for (i = 0; i != n; i++)
		for (j = i + 1; j != n && refs[j].owner == refs[i].owner &&
		     refs[j].first <= refs[i].last; j++)
			if (refs[j].ioas != refs[i].ioas)
				dbg_mark_shared(c, &refs[i], &refs[j]);
	kvfree(refs);
	return 0;
}

static void dbg_free(struct dbg_ctx *c)
{
	unsigned int i;

	for (i = 0; i != c->nr_ioas; i++) {
		iopt_report_free(&c->ioas[i].rep);
		kfree(c->ioas[i].shared_id);
		kfree(c->ioas[i].nshared);
	}
	kfree(c->ioas);
	kfree(c->users);
}

static const char *dbg_prot(int prot)
{
	static const char * const names[] = { "--", "r-", "-w", "rw" };

	unsigned int i = 0;

	if (prot & IOMMU_READ)
		i |= 1;
	if (prot & IOMMU_WRITE)
		i |= 2;
	return names[i];
}

static void dbg_show_area(struct seq_file *m, const struct dbg_ioas *d,
			  unsigned long k)
{
	const struct iopt_area_report *a = &d->rep.areas[k];

	seq_printf(m, "  area 0x%lx-0x%lx %s, ", a->iova, a->last,
		   dbg_prot(a->prot));
	if (a->src.ino)
		seq_printf(m, "memfd ino %lu page %lu", a->src.ino,
			   a->src.first);
	else
		seq_printf(m, "user 0x%lx",
			   (a->src.first << PAGE_SHIFT) + a->page_offset);
	seq_printf(m, ", %lu pages", a->src.npages);
	if (d->nshared[k])
		seq_printf(m, ", shared with ioas %u", d->shared_id[k]);
	if (d->nshared[k] > 1)
		seq_printf(m, " and %u more", d->nshared[k] - 1);
	seq_putc(m, '\n');
}

static void dbg_show_ioas(struct seq_file *m, const struct dbg_ctx *c,
			  const struct dbg_ioas *d)
{
	const struct iopt_report *r = &d->rep;
	unsigned long i;

	seq_printf(m, "ioas %u: %s, %lu window%s, %lu area%s, %u table%s\n",
		   d->id, r->windowed ? "windowed" : "plain", r->nr_windows,
		   r->nr_windows == 1 ? "" : "s", r->nr_areas,
		   r->nr_areas == 1 ? "" : "s", r->nr_domains,
		   r->nr_domains == 1 ? "" : "s");
	for (i = 0; i != r->nr_windows; i++)
		seq_printf(m, "  window 0x%lx-0x%lx, IO page 0x%lx\n",
			   r->windows[i].start, r->windows[i].last,
			   r->windows[i].page_size);
	for (i = 0; i != r->nr_areas; i++)
		dbg_show_area(m, d, i);
	for (i = 0; i != c->nr_users; i++) {
		const struct dbg_user *u = &c->users[i];

		if (u->ioas_id != d->id)
			continue;
		if (u->access)
			seq_printf(m, "  access %u\n", u->id);
		else if (u->parent_id)
			seq_printf(m, "  device %u (%s), hwpt %u nested in %u\n",
				   u->id, u->name, u->hwpt_id, u->parent_id);
		else
			seq_printf(m, "  device %u (%s), hwpt %u\n", u->id,
				   u->name, u->hwpt_id);
	}
}

static int dbg_show(struct seq_file *m, void *unused)
{
	struct iommufd_ctx *ictx = m->private;
	struct iommufd_pin_stats stats;
	struct dbg_ctx c = {};
	unsigned int i;
	int rc;

	rc = iommufd_ctx_pin_stats(ictx, &stats);
	if (!rc)
		rc = dbg_collect(ictx, &c);
	if (!rc)
		rc = dbg_find_shared(&c);
	if (rc)
		goto out;

	seq_printf(m, "context %u: pinned %llu KiB, charged %llu KiB to the %s\n",
		   ictx->debug_id, stats.pinned << (PAGE_SHIFT - 10),
		   stats.charged << (PAGE_SHIFT - 10),
		   READ_ONCE(ictx->account_mode) == IOMMUFD_ACCOUNT_MM ?
		   "process" : "user");
	for (i = 0; i != c.nr_ioas; i++)
		dbg_show_ioas(m, &c, &c.ioas[i]);
	for (i = 0; i != c.nr_users; i++) {
		if (c.users[i].ioas_id)
			continue;
		seq_printf(m, "%s %u", c.users[i].access ? "access" : "device",
			   c.users[i].id);
		if (!c.users[i].access)
			seq_printf(m, " (%s)", c.users[i].name);
		seq_puts(m, ": not attached\n");
	}
out:
	dbg_free(&c);
	return rc;
}
DEFINE_SHOW_ATTRIBUTE(dbg);

/**
 * iommufd_debugfs_add() - give a new context its id and its debugfs file
 * @ictx: the context, before its file is visible to user space
 *
 * Without debugfs the context only gets its id.
 */
void iommufd_debugfs_add(struct iommufd_ctx *ictx)
{
	char name[16];

	ictx->debug_id = atomic_inc_return(&iommufd_debug_ids);
	snprintf(name, sizeof(name), "%u", ictx->debug_id);
	ictx->debugfs = debugfs_create_file(name, 0400, iommufd_debugfs_dir,
					    ictx, &dbg_fops);
}

/**
 * iommufd_debugfs_remove() - remove a context's debugfs file
 * @ictx: the context, whose file is being released
 *
 * Waits for readers of the file to finish, so that @ictx may be freed.
 */
void iommufd_debugfs_remove(struct iommufd_ctx *ictx)
{
	debugfs_remove(ictx->debugfs);
	ictx->debugfs = NULL;
}

/** iommufd_debugfs_init() - make /sys/kernel/debug/iommufd */
void iommufd_debugfs_init(void)
{
	iommufd_debugfs_dir = debugfs_create_dir("iommufd", NULL);
}

/** iommufd_debugfs_exit() - remove /sys/kernel/debug/iommufd */
void iommufd_debugfs_exit(void)
{
	debugfs_remove(iommufd_debugfs_dir);
}
