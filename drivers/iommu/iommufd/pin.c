// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The pinned-page layer: one set of pins per accounting owner, shared by
 * every handle of that owner. Its files: pin.c (this one: spaces,
 * extents, making and dropping handles), pin_source.c (user memory and
 * memfds: pinning, unpinning, watching), pin_pages.c (how an extent keeps
 * its pages), pin_read.c (reading handles, tallies) and pin_priv.h (the
 * structures they share).
 *
 * Three kinds of things:
 *
 *   space    all pins of one accounting owner (struct iommufd_acct: a
 *            process, a charging mode, a user, and whether the pinning
 *            task was exempt from charging) from one source: either the
 *            owner's user memory, or one memfd (a shmem or hugetlbfs
 *            file). Spaces live in a global table while anything uses
 *            them. A space keeps its pins in an interval tree indexed by
 *            page number in its source: user virtual page number, or page
 *            index in the file.
 *   extent   the pages pinned together for one range of virtual pages
 *            (or of file pages), and for each page the number of
 *            handles using it. A page is pinned, charged and counted in
 *            pinned_vm while that number is above zero; when it drops to
 *            zero the page is unpinned and uncharged on the spot. An
 *            extent is freed when none of its pages is pinned any more.
 *            It keeps its pages in the form of pin_pages.h: a pointer per
 *            page, or one entry per physically contiguous run (a huge
 *            page is one run), whichever is much smaller.
 *   handle   struct iommufd_pin, what callers hold: an immutable list of
 *            segments, each a run of pages of one extent. Every page of a
 *            segment counts one user for the handle. A segment that covers
 *            its whole extent (the usual case: a map of what an earlier
 *            map pinned) is counted once for the extent, not per page, so
 *            that mapping memory already pinned costs nothing per page.
 *
 * Pinning a range walks it through the space's tree. Where a usable extent
 * already holds the pages, the handle just adds itself as a user: no page
 * table walk, no new charge. Every gap left over becomes a new extent,
 * which is entered in the tree marked as being pinned and then pinned with
 * the space's mutex dropped, so that threads of one process pin different
 * memory at the same time; a request that meets an extent being pinned
 * under its current page waits for it and looks again.
 * A read-only extent that a writable request meets is first made writable
 * if it can be (iopin_extent_upgrade()), so that a page mapped both ways
 * is pinned and charged once. Extents of one space may still overlap: a
 * read-only extent whose pages a write would replace cannot serve a
 * writable request, and a page already unpinned leaves a gap that a later
 * extent fills, so the walk looks at every extent under the current page.
 *
 * Where pages come from, and what can change them behind the extents'
 * back (a process's page tables, a file's truncation), is the business of
 * pin_source.c.
 *
 * Locking (in the driver's one order, object.h): iopin_spaces_lock guards
 * the global table of spaces; space->mutex guards the space's tree, every
 * extent's user counts and the space's charge, and mmap_lock is taken
 * inside it by mm-mode charging, by notifier insertion and by the pinning
 * that makes an extent writable; a new extent's pages are pinned without
 * it. The notifier callback takes none of them. Extents are freed, and
 * the references they hold on their space dropped, only after space->mutex
 * is released, so that the last reference on a space is never dropped
 * under its own mutex. A handle holds its own reference on its space, which
 * keeps the space alive for the whole of iommufd_pin_put().
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/interval_tree.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "account.h"
#include "pin.h"
#include "pin_priv.h"

/* Bounds the arrays of one extent (2 MiB of pointers). */
#define IOPIN_EXTENT_MAX_PAGES BIT(18)
#define IOPIN_HASH_BITS 6

static DEFINE_MUTEX(iopin_spaces_lock);
static DEFINE_HASHTABLE(iopin_spaces, IOPIN_HASH_BITS);

/* Is @space the one for pages of @file (NULL: user memory)? */
static bool iopin_space_source(const struct iopin_space *space,
			       const struct file *file)
{
	if (!space->file || !file)
		return space->file == file;
	return space->file->f_mapping == file->f_mapping;
}

/*
 * Find or create the space of the current task's owner in @mode for pages
 * of @file, or for its user memory if @file is NULL.
 */
static struct iopin_space *iopin_space_get(enum iommufd_account_mode mode,
					   struct file *file)
{
	struct iopin_space *space;
	struct iommufd_acct acct;
	int rc;

	rc = iommufd_acct_current(&acct, mode);
	if (rc)
		return ERR_PTR(rc);

	mutex_lock(&iopin_spaces_lock);
	hash_for_each_possible(iopin_spaces, space, hnode,
			       (unsigned long)acct.mm) {
		/* A space still in the table has a reference left. */
		if (iommufd_acct_equal(&space->acct, &acct) &&
		    iopin_space_source(space, file)) {
			refcount_inc(&space->refs);
			goto out_unlock;
		}
	}

	space = kzalloc(sizeof(*space), GFP_KERNEL_ACCOUNT);
	if (!space) {
		space = ERR_PTR(-ENOMEM);
		goto out_unlock;
	}
	refcount_set(&space->refs, 1);
	space->acct = acct;
	iommufd_acct_hold(&space->acct);
	if (file)
		space->file = get_file(file);
	mutex_init(&space->mutex);
	space->extents = RB_ROOT_CACHED;
	init_waitqueue_head(&space->fill_wait);
	hash_add(iopin_spaces, &space->hnode, (unsigned long)acct.mm);
out_unlock:
	mutex_unlock(&iopin_spaces_lock);
	return space;
}

/* Drop a reference on @space. Must not be called under its mutex. */
static void iopin_space_put(struct iopin_space *space)
{
	lockdep_assert_not_held(&space->mutex);

	if (!refcount_dec_and_mutex_lock(&space->refs, &iopin_spaces_lock))
		return;
	hash_del(&space->hnode);
	mutex_unlock(&iopin_spaces_lock);

	WARN_ON(!RB_EMPTY_ROOT(&space->extents.rb_root) || space->npinned);
	mutex_destroy(&space->mutex);
	if (space->file)
		fput(space->file);
	iommufd_acct_release(&space->acct);
	kfree(space);
}

/*
 * Bound on @whole and on each @users count, so that their sum fits too.
 * Reaching it takes 2^31 maps of the same memory.
 */
#define IOPIN_MAX_USERS (U32_MAX / 2)

/* Take @ext out of its space's tree: it will not serve new requests. */
static void iopin_extent_unlink(struct iopin_extent *ext)
{
	lockdep_assert_held(&ext->space->mutex);

	if (ext->in_tree) {
		interval_tree_remove(&ext->node, &ext->space->extents);
		ext->in_tree = false;
	}
}

/*
 * An extent of up to this many pages comes in one allocation with its
 * arrays: most maps are small, and pay for each allocation twice.
 */
#define IOPIN_EXTENT_INLINE_PAGES 16

/*
 * A new extent for @npages pages. A small one comes zeroed, with both
 * arrays inline. A large one gets neither: its pages are recorded as they
 * are pinned, in the form that suits them (pin_pages.h), and it has no
 * @users until a segment that does not cover it needs them
 * (iopin_extent_get()): 4 bytes per page saved for the extents that are
 * only ever used whole.
 */
static struct iopin_extent *iopin_extent_alloc(unsigned long npages)
{
	struct iopin_extent *ext;

	if (npages <= IOPIN_EXTENT_INLINE_PAGES) {
		ext = kzalloc(sizeof(*ext) + npages * (sizeof(*ext->pages.flat) +
						       sizeof(*ext->users)),
			      GFP_KERNEL_ACCOUNT);
		if (!ext)
			return NULL;
		ext->pages.flat = (struct page **)(ext + 1);
		ext->users = (u32 *)(ext->pages.flat + npages);
		ext->inline_arrays = true;
		return ext;
	}
	return kzalloc(sizeof(*ext), GFP_KERNEL_ACCOUNT);
}

static void iopin_extent_free(struct iopin_extent *ext)
{
	/*
	 * Not told by the address: a separate array can sit right after the
	 * extent, in the next object of the same slab cache.
	 */
	if (!ext->inline_arrays) {
		kvfree(ext->users);
		iopin_pages_free(&ext->pages);
	}
	kfree(ext);
}

/*
 * Start an extent for pages [@start, @start + @npages) of @space's source:
 * watched, charged, and in the tree marked @pinning, so that requests for
 * these pages wait for it rather than pin them again. No request uses it
 * before iopin_extent_end(). On failure nothing is left behind.
 */
static struct iopin_extent *iopin_extent_begin(struct iopin_space *space,
					       unsigned long start,
					       unsigned long npages,
					       bool writable)
{
	struct iopin_extent *ext;
	int rc;

	lockdep_assert_held(&space->mutex);

	ext = iopin_extent_alloc(npages);
	if (!ext)
		return ERR_PTR(-ENOMEM);
	ext->space = space;
	ext->node.start = start;
	ext->node.last = start + npages - 1;
	ext->writable = writable;

	rc = iopin_watch(ext);
	if (rc)
		goto err_free;
	/* Charge first: a request over the limit then costs no page walk. */
	rc = iommufd_acct_charge(&space->acct, npages);
	if (rc)
		goto err_unwatch;

	ext->pinning = true;
	refcount_inc(&space->refs);
	interval_tree_insert(&ext->node, &space->extents);
	ext->in_tree = true;
	return ext;

err_unwatch:
	iopin_unwatch(ext);
err_free:
	iopin_extent_free(ext);
	return ERR_PTR(rc);
}

/*
 * Pin the pages of @ext, begun by iopin_extent_begin(). Called without the
 * space's mutex: only the caller looks at @ext until iopin_extent_end(),
 * and other requests of the process go on meanwhile.
 */
static int iopin_extent_fill(struct iopin_extent *ext)
{
	lockdep_assert_not_held(&ext->space->mutex);

	return iopin_pin(ext);
}

/*
 * End the pinning of @ext, whose iopin_extent_fill() returned @rc, and let
 * the requests waiting for it go on. On success every page has one user,
 * the caller's; on failure the extent leaves the tree and goes on @dead.
 * Return: @rc.
 */
static int iopin_extent_end(struct iopin_extent *ext, int rc,
			    struct list_head *dead)
{
	struct iopin_space *space = ext->space;
	unsigned long npages = iopin_extent_npages(ext);

	lockdep_assert_held(&space->mutex);

	ext->pinning = false;
	space->fills++;
	wake_up_all(&space->fill_wait);
	if (rc) {
		iommufd_acct_uncharge(&space->acct, npages);
		iopin_extent_unlink(ext);
		list_add_tail(&ext->dead_item, dead);
		return rc;
	}
	iommufd_acct_pinned(&space->acct, npages, true);
	space->npinned += npages;
	ext->npinned = npages;
	/* The caller's segment covers the extent: one whole user. */
	ext->whole = 1;
	if (READ_ONCE(ext->stale))
		iopin_extent_unlink(ext);
	return 0;
}

/*
 * Wait, without the space's mutex, until some extent being pinned is done,
 * then take the mutex again.
 * Return: 0, or -EINTR on a fatal signal (the mutex is held either way).
 */
static int iopin_wait_fill(struct iopin_space *space)
{
	unsigned long seen = space->fills;
	int rc;

	lockdep_assert_held(&space->mutex);

	mutex_unlock(&space->mutex);
	rc = wait_event_killable(space->fill_wait,
				 READ_ONCE(space->fills) != seen);
	mutex_lock(&space->mutex);
	return rc ? -EINTR : 0;
}

/*
 * Add a user to pages [@first, @first + @npages) of @ext, all or none, all
 * of them in use already: once for the extent if that is all of it.
 * Return: 0, -ENOMEM, or -EOVERFLOW if a page has too many users.
 */
static int iopin_extent_get(struct iopin_extent *ext, unsigned long first,
			    unsigned long npages)
{
	unsigned long i;

	lockdep_assert_held(&ext->space->mutex);

	if (iopin_covers(ext, first, npages)) {
		if (ext->whole == IOPIN_MAX_USERS)
			return -EOVERFLOW;
		ext->whole++;
		return 0;
	}
	if (!ext->users) {
		ext->users = kvcalloc(iopin_extent_npages(ext),
				      sizeof(*ext->users), GFP_KERNEL_ACCOUNT);
		if (!ext->users)
			return -ENOMEM;
	}
	for (i = first; i < first + npages; i++) {
		if (WARN_ON(!iopin_users(ext, i)) ||
		    ext->users[i] == IOPIN_MAX_USERS) {
			while (i-- != first)
				ext->users[i]--;
			return -EOVERFLOW;
		}
		ext->users[i]++;
	}
	return 0;
}

/*
 * Drop a user from pages [@first, @first + @npages) of @ext and unpin the
 * pages left without one. An extent left with no pinned page goes on @dead;
 * if it lost all of them at once, they are unpinned there.
 * Return: how many pages lost their last user; the caller uncharges them.
 */
static unsigned long iopin_extent_put(struct iopin_extent *ext,
				      unsigned long first, unsigned long npages,
				      struct list_head *dead)
{
	bool covers = iopin_covers(ext, first, npages);
	unsigned long i, run = first, unpinned = 0;

	lockdep_assert_held(&ext->space->mutex);

	if (covers) {
		/* Only the last whole user looks at the pages. */
		if (WARN_ON(!ext->whole) || --ext->whole)
			return 0;
		/*
		 * No other user ever: every page goes, without a look, and
		 * once the mutex is dropped (iopin_free_dead()).
		 */
		if (!ext->users) {
			ext->unpin_on_free = true;
			unpinned = npages;
			goto out;
		}
	}
	/* Pages [run, i) have lost their last user. */
	for (i = first; i <= first + npages; i++) {
		if (i < first + npages &&
		    (covers ? !iopin_users(ext, i) :
			      !WARN_ON(!ext->users[i]) && !--ext->users[i] &&
			      !ext->whole))
			continue;
		if (i > run) {
			iopin_unpin(ext, run, i - run);
			unpinned += i - run;
		}
		run = i + 1;
	}
out:
	ext->npinned -= unpinned;
	if (!ext->npinned) {
		iopin_extent_unlink(ext);
		list_add_tail(&ext->dead_item, dead);
	}
	return unpinned;
}

/*
 * Free extents collected by iopin_extent_put(), with no lock held, first
 * unpinning the pages of those marked @unpin_on_free.
 */
static void iopin_free_dead(struct list_head *dead)
{
	struct iopin_extent *ext, *next;

	list_for_each_entry_safe(ext, next, dead, dead_item) {
		struct iopin_space *space = ext->space;

		if (ext->unpin_on_free)
			iopin_unpin(ext, 0, iopin_extent_npages(ext));
		iopin_unwatch(ext);
		iopin_extent_free(ext);
		iopin_space_put(space);
	}
}

/* Drop every page reference of @pin; the segments stay for the caller. */
static void iopin_release(struct iommufd_pin *pin, struct list_head *dead)
{
	struct iopin_space *space = pin->space;
	unsigned long i, unpinned = 0;

	lockdep_assert_held(&space->mutex);

	for (i = 0; i < pin->nsegs; i++) {
		unpinned += iopin_extent_put(pin->segs[i].ext,
					     pin->segs[i].first,
					     pin->segs[i].npages, dead);
		cond_resched();
	}
	pin->nsegs = 0;
	if (!unpinned)
		return;
	space->npinned -= unpinned;
	iommufd_acct_pinned(&space->acct, unpinned, false);
	iommufd_acct_uncharge(&space->acct, unpinned);
}

/* Make room for one more segment in @pin. */
static int iopin_reserve_seg(struct iommufd_pin *pin)
{
	struct iopin_seg *segs;
	unsigned long capacity;

	if (pin->nsegs < pin->capacity)
		return 0;
	capacity = pin->capacity * 2;
	segs = kvmalloc_array(capacity, sizeof(*segs), GFP_KERNEL_ACCOUNT);
	if (!segs)
		return -ENOMEM;
	memcpy(segs, pin->segs, pin->nsegs * sizeof(*segs));
	if (pin->segs != pin->inline_segs)
		kvfree(pin->segs);
	pin->segs = segs;
	pin->capacity = capacity;
	return 0;
}

/* Append a segment; room was made by iopin_reserve_seg(). */
static void iopin_push_seg(struct iommufd_pin *pin, struct iopin_extent *ext,
			   unsigned long first, unsigned long npages)
{
	struct iopin_seg *seg = &pin->segs[pin->nsegs++];

	seg->ext = ext;
	seg->index = pin->npages;
	seg->first = first;
	seg->npages = npages;
	pin->npages += npages;
}

/*
 * Allocate an empty handle on @space, which takes over the caller's
 * reference on the space; on failure the caller keeps it.
 */
static struct iommufd_pin *iopin_alloc(struct iopin_space *space)
{
	struct iommufd_pin *pin;

	pin = kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pin)
		return NULL;
	pin->space = space;
	pin->segs = pin->inline_segs;
	pin->capacity = ARRAY_SIZE(pin->inline_segs);
	return pin;
}

/* Free a handle that references no page any more. */
static void iopin_free(struct iommufd_pin *pin)
{
	struct iopin_space *space = pin->space;

	if (pin->segs != pin->inline_segs)
		kvfree(pin->segs);
	kfree(pin);
	iopin_space_put(space);
}

/*
 * What serves page @cursor of a request ending at @last? Either an
 * extent with a pinned page there, which is returned, with *@end set to the
 * last page of the run it can serve; or nothing (NULL), with *@end set to
 * the last page before some usable extent has a pinned page again, or one
 * being pinned starts; or ERR_PTR(-EAGAIN) if an extent being pinned holds
 * page @cursor: wait for it and ask again. Stale extents met on the way
 * leave the tree.
 */
static struct iopin_extent *iopin_lookup(struct iopin_space *space,
					 unsigned long cursor,
					 unsigned long last, bool writable,
					 unsigned long *end)
{
	struct interval_tree_node *node, *next;
	unsigned long i, lim;

	lockdep_assert_held(&space->mutex);

	*end = last;
	for (node = interval_tree_iter_first(&space->extents, cursor, last);
	     node && node->start <= *end; node = next) {
		struct iopin_extent *ext =
			container_of(node, struct iopin_extent, node);

		/* Taken before any removal; nodes come in order of start. */
		next = interval_tree_iter_next(node, cursor, last);
		if (ext->pinning) {
			if (node->start <= cursor)
				return ERR_PTR(-EAGAIN);
			*end = node->start - 1;
			continue;
		}
		if (writable && !ext->writable && !READ_ONCE(ext->stale))
			iopin_extent_upgrade(ext);
		if (READ_ONCE(ext->stale)) {
			iopin_extent_unlink(ext);
			continue;
		}
		if (writable && !ext->writable)
			continue;

		i = max(node->start, cursor);
		lim = min(node->last, *end);
		/* Every page in use, none that can go stale but by notifier. */
		if (i == cursor && !ext->space->file &&
		    ext->npinned == iopin_extent_npages(ext)) {
			*end = lim;
			return ext;
		}
		if (i == cursor && iopin_users(ext, i - node->start)) {
			if (!iopin_page_current(ext, i - node->start)) {
				WRITE_ONCE(ext->stale, true);
				iopin_extent_unlink(ext);
				continue;
			}
			while (i < lim && iopin_users(ext, i + 1 - node->start) &&
			       iopin_page_current(ext, i + 1 - node->start))
				i++;
			*end = i;
			return ext;
		}
		/* The gap at @cursor ends where this extent has a page. */
		for (; i <= lim; i++) {
			if (iopin_users(ext, i - node->start)) {
				*end = i - 1;
				break;
			}
		}
	}
	return NULL;
}

/*
 * Make a handle on pages [@first, @last] of a source of the current task's
 * owner in @mode: its user memory (@file NULL) or @file. Pages already
 * pinned in the source's space are shared; the gaps are pinned into new
 * extents. All or nothing.
 */
struct iommufd_pin *iopin_pin_range(enum iommufd_account_mode mode,
				    struct file *file, unsigned long first,
				    unsigned long last, bool writable)
{
	struct iopin_extent *ext;
	struct iopin_space *space;
	struct iommufd_pin *pin;
	unsigned long cursor, end;
	LIST_HEAD(dead);
	int rc;

	space = iopin_space_get(mode, file);
	if (IS_ERR(space))
		return ERR_CAST(space);
	pin = iopin_alloc(space);
	if (!pin) {
		iopin_space_put(space);
		return ERR_PTR(-ENOMEM);
	}

	if (mutex_lock_killable(&space->mutex)) {
		iopin_free(pin);
		return ERR_PTR(-EINTR);
	}
	for (cursor = first;; cursor = end + 1) {
		rc = iopin_reserve_seg(pin);
		if (!rc && fatal_signal_pending(current))
			rc = -EINTR;
		if (rc)
			break;

		ext = iopin_lookup(space, cursor, last, writable, &end);
		if (ext == ERR_PTR(-EAGAIN)) {
			rc = iopin_wait_fill(space);
			if (rc)
				break;
			end = cursor - 1;	/* the same page again */
			continue;
		}
		if (ext) {
			rc = iopin_extent_get(ext, cursor - ext->node.start,
					      end - cursor + 1);
		} else {
			end = min(end, cursor + IOPIN_EXTENT_MAX_PAGES - 1);
			ext = iopin_extent_begin(space, cursor,
						 end - cursor + 1, writable);
			if (IS_ERR(ext)) {
				rc = PTR_ERR(ext);
				break;
			}
			mutex_unlock(&space->mutex);
			rc = iopin_extent_fill(ext);
			mutex_lock(&space->mutex);
			rc = iopin_extent_end(ext, rc, &dead);
		}
		if (rc)
			break;
		iopin_push_seg(pin, ext, cursor - ext->node.start,
			       end - cursor + 1);
		if (end == last)
			break;
	}
	if (rc)
		iopin_release(pin, &dead);
	mutex_unlock(&space->mutex);

	if (rc) {
		iopin_free_dead(&dead);
		iopin_free(pin);
		return ERR_PTR(rc);
	}
	return pin;
}

/**
 * iommufd_pin_slice() - make a handle on part of another handle's pages
 * @pin: the handle to take pages from; it is not changed
 * @first: first page of @pin to take
 * @npages: number of pages, at least one
 *
 * The new handle keeps its pages pinned by itself, so @pin may be dropped
 * afterwards. Nothing is pinned or charged again.
 *
 * Context: process context, may sleep.
 * Return: the new handle, ERR_PTR(-EINVAL) if the range is empty or not
 * inside @pin, ERR_PTR(-ENOMEM) when out of memory, ERR_PTR(-EOVERFLOW) if
 * a page has too many users.
 */
struct iommufd_pin *iommufd_pin_slice(struct iommufd_pin *pin,
				      unsigned long first,
				      unsigned long npages)
{
	struct iopin_space *space = pin->space;
	unsigned long last, s, e, lo, hi;
	struct iommufd_pin *slice;
	LIST_HEAD(dead);
	int rc = 0;

	if (!npages || check_add_overflow(first, npages - 1, &last) ||
	    last >= pin->npages)
		return ERR_PTR(-EINVAL);

	s = iopin_find_seg(pin, first);
	e = iopin_find_seg(pin, last);
	/* @pin's reference keeps the space alive while the slice takes one. */
	refcount_inc(&space->refs);
	slice = iopin_alloc(space);
	if (!slice) {
		iopin_space_put(space);
		return ERR_PTR(-ENOMEM);
	}
	if (e - s + 1 > slice->capacity) {
		slice->segs = kvmalloc_array(e - s + 1, sizeof(*slice->segs),
					     GFP_KERNEL_ACCOUNT);
		if (!slice->segs) {
			slice->segs = slice->inline_segs;
			iopin_free(slice);
			return ERR_PTR(-ENOMEM);
		}
		slice->capacity = e - s + 1;
	}

	mutex_lock(&space->mutex);
	for (; s <= e; s++) {
		const struct iopin_seg *seg = &pin->segs[s];

		lo = max(first, seg->index);
		hi = min(last, seg->index + seg->npages - 1);
		rc = iopin_extent_get(seg->ext, seg->first + lo - seg->index,
				      hi - lo + 1);
		if (rc)
			break;
		iopin_push_seg(slice, seg->ext, seg->first + lo - seg->index,
			       hi - lo + 1);
	}
	/* @pin still uses every page, so this unpins and frees nothing. */
	if (rc)
		iopin_release(slice, &dead);
	mutex_unlock(&space->mutex);

	if (rc) {
		iopin_free_dead(&dead);
		iopin_free(slice);
		return ERR_PTR(rc);
	}
	return slice;
}

/**
 * iommufd_pin_put() - drop a handle
 * @pin: the handle, or NULL
 *
 * Pages that no other handle uses are unpinned (and marked dirty if they
 * were pinned writable) and uncharged before this returns.
 *
 * Context: process context, may sleep; takes mmap_lock.
 */
void iommufd_pin_put(struct iommufd_pin *pin)
{
	struct iopin_space *space;
	LIST_HEAD(dead);

	if (!pin)
		return;
	space = pin->space;
	mutex_lock(&space->mutex);
	iopin_release(pin, &dead);
	mutex_unlock(&space->mutex);
	iopin_free_dead(&dead);
	iopin_free(pin);
}
