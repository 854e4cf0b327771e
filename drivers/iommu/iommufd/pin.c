// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The pinned-page layer: one set of pins per accounting owner, shared by
 * every handle of that owner. Its files: pin.c (this one: spaces,
 * extents, making and dropping handles), pin_pages.c (how an extent keeps
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
 * Translations change. An extent that is usable for new requests must
 * still describe what the process's page tables map, so each extent
 * watches its range with an interval notifier. Any invalidation only marks
 * the extent stale; the pages stay pinned for the handles that have them,
 * but new requests never use a stale extent, and the walk takes stale
 * extents out of the tree as it meets them. The callback takes no lock and
 * does not sleep, because invalidations happen while pages are being
 * pinned under the space's mutex.
 *
 * The pinning itself can invalidate the range it pins: breaking a
 * copy-on-write share, or moving a page out of a movable zone before a
 * long-term pin. When the read section around the pinning reports an
 * invalidation, the range is pinned a second time inside a fresh read
 * section and compared with the first result; the extent stays usable
 * only if the two agree.
 *
 * File pages have no user translation to go stale; what can change is the
 * file itself: a truncation or hole punch takes pages out of the file while
 * extents still hold them pinned. Such pages no longer belong to the
 * file's mapping, and a walk that meets one treats its extent as stale.
 * File pages are pinned one folio at a time (memfd_pin_folios()), so a
 * file extent holds one pin per folio and drops it when the last page of
 * that folio in the extent loses its last user. A writable file extent
 * also counts as a writable mapping of the file for as long as it exists,
 * which keeps F_SEAL_WRITE from being added under it, as a shared
 * writable mmap() would.
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
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/hugetlb.h>
#include <linux/interval_tree.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "account.h"
#include "pin.h"
#include "pin_priv.h"

/* Bounds the arrays of one extent (2 MiB of pointers). */
#define IOPIN_EXTENT_MAX_PAGES BIT(18)
/* Pages pinned per call while a large extent is built (16 KiB of them). */
#define IOPIN_PIN_BATCH 2048UL
/* Pages re-pinned per call when a translation is checked again. */
#define IOPIN_CHECK_BATCH (PAGE_SIZE / sizeof(struct page *))
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

/* How many segments use page @index of @ext; it is pinned while not 0. */
static u32 iopin_users(const struct iopin_extent *ext, unsigned long index)
{
	return ext->whole + (ext->users ? ext->users[index] : 0);
}

/* Does a segment of @npages from @first cover all of @ext? */
static bool iopin_covers(const struct iopin_extent *ext, unsigned long first,
			 unsigned long npages)
{
	return !first && npages == iopin_extent_npages(ext);
}

/*
 * Runs inside every invalidation of the range, possibly with mmap_lock held
 * and possibly while this very extent is being pinned: no locks, no sleep.
 */
static bool iopin_invalidate(struct mmu_interval_notifier *mni,
			     const struct mmu_notifier_range *range,
			     unsigned long cur_seq)
{
	struct iopin_extent *ext = container_of(mni, struct iopin_extent,
						notifier);

	WRITE_ONCE(ext->stale, true);
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops iopin_notifier_ops = {
	.invalidate = iopin_invalidate,
};

static int iopin_notifier_insert(struct iopin_extent *ext)
{
	return mmu_interval_notifier_insert(&ext->notifier,
					    ext->space->acct.mm,
					    ext->node.start << PAGE_SHIFT,
					    iopin_extent_npages(ext) << PAGE_SHIFT,
					    &iopin_notifier_ops);
}

static void iopin_notifier_remove(struct iopin_extent *ext)
{
	mmu_interval_notifier_remove(&ext->notifier);
}

static unsigned long iopin_read_begin(struct iopin_extent *ext)
{
	return mmu_interval_read_begin(&ext->notifier);
}

/*
 * No lock is shared with the callback, as mmu_interval_read_retry() would
 * want: the callback's only effect, @stale, is sticky, so an invalidation
 * that this check misses still keeps the extent from being reused.
 */
static bool iopin_read_retry(struct iopin_extent *ext, unsigned long seq)
{
	return mmu_interval_check_retry(&ext->notifier, seq);
}

/*
 * Start following what may change the pages of @ext: its translation, for
 * user memory; for a writable file extent, keep F_SEAL_WRITE away.
 */
static int iopin_watch(struct iopin_extent *ext)
{
	if (!ext->space->file)
		return iopin_notifier_insert(ext);
	if (ext->writable)
		return mapping_map_writable(ext->space->file->f_mapping);
	return 0;
}

static void iopin_unwatch(struct iopin_extent *ext)
{
	if (!ext->space->file)
		iopin_notifier_remove(ext);
	else if (ext->writable)
		mapping_unmap_writable(ext->space->file->f_mapping);
}

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
 * Pin the range of @ext once more and check that it still maps the pages
 * already held. True if the translation was current throughout a read
 * section that saw no invalidation.
 */
static bool iopin_recheck(struct iopin_extent *ext, unsigned int gup_flags)
{
	unsigned long npages = iopin_extent_npages(ext);
	unsigned long done, seq, n;
	struct page **batch;
	bool same = true;
	long got;

	batch = kmalloc_array(IOPIN_CHECK_BATCH, sizeof(*batch),
			      GFP_KERNEL_ACCOUNT);
	if (!batch)
		return false;

	/* Walks skip it while it is pinned; an invalidation sets it again. */
	WRITE_ONCE(ext->stale, false);
	seq = iopin_read_begin(ext);
	for (done = 0; same && done < npages; done += n) {
		n = min(npages - done, IOPIN_CHECK_BATCH);
		got = pin_user_pages_fast((ext->node.start + done) << PAGE_SHIFT,
					  n, gup_flags, batch);
		if (got <= 0)
			break;
		same = got == n &&
		       iopin_pages_equal(&ext->pages, done, batch, n);
		unpin_user_pages(batch, got);
	}
	kfree(batch);
	return same && done >= npages && !iopin_read_retry(ext, seq);
}

/*
 * Pin the user pages of @ext, which covers virtual page numbers, a batch
 * at a time: straight into the extent's flat array if it has one, through
 * a buffer while it is in runs. On failure nothing stays pinned.
 */
static int iopin_pin_user(struct iopin_extent *ext)
{
	unsigned int gup_flags = FOLL_LONGTERM |
				 (ext->writable ? FOLL_WRITE : 0);
	unsigned long npages = iopin_extent_npages(ext);
	struct page **batch = NULL, **dst;
	unsigned long done, n, seq;
	int rc = 0;
	long got;

	seq = iopin_read_begin(ext);
	for (done = 0; done < npages; done += n) {
		n = min(npages - done, IOPIN_PIN_BATCH);
		dst = iopin_pages_slot(&ext->pages, done);
		if (!dst && !batch) {
			batch = kmalloc_array(IOPIN_PIN_BATCH, sizeof(*batch),
					      GFP_KERNEL_ACCOUNT);
			if (!batch) {
				rc = -ENOMEM;
				break;
			}
		}
		got = pin_user_pages_fast((ext->node.start + done) << PAGE_SHIFT,
					  n, gup_flags, dst ?: batch);
		if (got != n) {
			if (got > 0)
				unpin_user_pages(dst ?: batch, got);
			rc = got < 0 ? got : -EFAULT;
			break;
		}
		if (!dst) {
			rc = iopin_pages_add(&ext->pages, npages, done, batch, n);
			if (rc) {
				unpin_user_pages(batch, n);
				break;
			}
		}
	}
	kfree(batch);
	if (rc) {
		if (done)
			iopin_pages_unpin(&ext->pages, 0, done, false);
		return rc;
	}
	if (iopin_read_retry(ext, seq) && !iopin_recheck(ext, gup_flags))
		WRITE_ONCE(ext->stale, true);
	return 0;
}

/*
 * Pin the file pages of @ext, which covers page indexes of its space's
 * file. Each folio is pinned once; see iopin_unpin_file().
 */
static int iopin_pin_file(struct iopin_extent *ext)
{
	unsigned long npages = iopin_extent_npages(ext);
	unsigned long f, i, k, n = 0;
	struct folio **folios;
	pgoff_t offset;
	int rc = 0;
	long got;

	folios = kvmalloc_array(npages, sizeof(*folios), GFP_KERNEL_ACCOUNT);
	if (!folios)
		return -ENOMEM;
	got = memfd_pin_folios(ext->space->file,
			       (loff_t)ext->node.start << PAGE_SHIFT,
			       ((loff_t)ext->node.last << PAGE_SHIFT) +
			       PAGE_SIZE - 1, folios, npages, &offset);
	if (got <= 0) {
		kvfree(folios);
		return got ? got : -EFAULT;
	}

	/* The range starts @offset bytes into the first folio. */
	for (f = 0, i = offset >> PAGE_SHIFT; !rc && f < got && n < npages;
	     f++, i = 0) {
		k = min(npages - n, folio_nr_pages(folios[f]) - i);
		rc = iopin_pages_add_contig(&ext->pages, npages, n,
					    folio_page(folios[f], i), k);
		n += k;
	}
	if (!rc && (n != npages || f != got))
		rc = -EFAULT;
	if (rc)
		unpin_folios(folios, got);
	kvfree(folios);
	return rc;
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

	return ext->space->file ? iopin_pin_file(ext) : iopin_pin_user(ext);
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
 * Pages unpinned between two chances for the CPU to run something else:
 * unpinning 1 GiB of 4 KiB pages takes milliseconds, and a kernel without
 * preemption would run nothing else on the CPU meanwhile.
 */
#define IOPIN_UNPIN_BATCH 1024

/*
 * Unpin the folios of a file extent that pages [@first, @first + @npages),
 * which just lost their last user, leave without a page in use. A folio
 * with no page in use is never looked at again, so its single pin is
 * dropped exactly once.
 */
static void iopin_unpin_file(struct iopin_extent *ext, unsigned long first,
			     unsigned long npages)
{
	unsigned long i = first, lo, hi, j, done = 0;

	while (i < first + npages) {
		struct page *page = iopin_pages_at(&ext->pages, i);
		struct folio *folio = page_folio(page);
		unsigned long idx = folio_page_idx(folio, page);

		/* The folio's pages in the extent: [lo, hi). */
		lo = i - min(idx, i);
		hi = min(i + folio_nr_pages(folio) - idx,
			 iopin_extent_npages(ext));
		for (j = lo; j < hi && !iopin_users(ext, j); j++)
			;
		if (j == hi) {
			if (ext->writable)
				set_page_dirty_lock(folio_page(folio, 0));
			unpin_folio(folio);
		}
		done += hi - i;
		i = hi;
		if (done >= IOPIN_UNPIN_BATCH) {
			cond_resched();
			done = 0;
		}
	}
}

/* Unpin pages [@first, @first + @npages) of @ext, which lost their users. */
static void iopin_unpin(struct iopin_extent *ext, unsigned long first,
			unsigned long npages)
{
	unsigned long n;

	if (ext->space->file) {
		iopin_unpin_file(ext, first, npages);
		return;
	}
	for (; npages; first += n, npages -= n) {
		n = min(npages, IOPIN_UNPIN_BATCH);
		iopin_pages_unpin(&ext->pages, first, n, ext->writable);
		cond_resched();
	}
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
 * Is page @index of @ext, which has a user, still what its source holds?
 * User extents are watched by their notifier instead; a file page is no
 * longer the file's once truncation or hole punching took it out.
 */
static bool iopin_page_current(const struct iopin_extent *ext,
			       unsigned long index)
{
	const struct file *file = ext->space->file;

	return !file ||
	       READ_ONCE(page_folio(iopin_pages_at(&ext->pages,
						   index))->mapping) ==
	       file->f_mapping;
}

/*
 * Let read-only @ext serve writable requests as well. A file page is the
 * same page whoever writes it: the extent only needs to count as a
 * writable mapping of the file, which it then does until it is freed
 * (adding F_SEAL_WRITE fails anyway while any page of the memfd is
 * pinned, read-only or not: memfd waits for the pins and gives EBUSY).
 * For user memory, pin every page in use once more for writing: where
 * that yields the very pages the extent holds (memory the process may
 * write and already owns), the pins were as good as writable ones, and
 * the extra pins are dropped again. Where a write would first replace a
 * page (copy-on-write, the zero page), the extent no longer holds what
 * the process maps and is marked stale.
 * Return: whether @ext is writable now.
 */
static bool iopin_extent_upgrade(struct iopin_extent *ext)
{
	unsigned long npages = iopin_extent_npages(ext);
	bool pinned = true, same = true;
	unsigned long i, run, n;
	struct page **pages;
	long got;

	lockdep_assert_held(&ext->space->mutex);

	if (ext->space->file) {
		if (mapping_map_writable(ext->space->file->f_mapping))
			return false;
		ext->writable = true;
		return true;
	}

	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return false;
	/* Each run [run, run + n) of pages in use. */
	for (i = 0; pinned && same && i < npages; i = run + n) {
		for (run = i; run < npages && !iopin_users(ext, run); run++)
			;
		for (n = 0; run + n < npages && iopin_users(ext, run + n); n++)
			;
		if (!n)
			break;
		got = pin_user_pages_fast((ext->node.start + run) << PAGE_SHIFT,
					  n, FOLL_LONGTERM | FOLL_WRITE,
					  &pages[run]);
		/* Not all writable (a read-only mapping): leave it be. */
		pinned = got == n;
		same = !pinned ||
		       iopin_pages_equal(&ext->pages, run, &pages[run], n);
	}
	for (i = 0; i < npages; i++)
		if (pages[i])
			unpin_user_page(pages[i]);
	kvfree(pages);

	if (!same)
		WRITE_ONCE(ext->stale, true);
	/* An invalidation since the pages were compared also counts. */
	if (!pinned || READ_ONCE(ext->stale))
		return false;
	ext->writable = true;
	return true;
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
static struct iommufd_pin *iopin_pin_range(enum iommufd_account_mode mode,
					   struct file *file,
					   unsigned long first,
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
 * iommufd_pin_user() - pin user memory of the current process
 * @uptr: first byte, page aligned
 * @npages: number of pages, at least one
 * @writable: the pages will be written to (by a device)
 * @mode: which locked_vm is charged for pages not pinned before
 *
 * Pages that the current task's accounting owner (its process, @mode, its
 * user, and whether it has CAP_IPC_LOCK) already has pinned, by a request
 * for the same range that saw the same translation, are shared, without a
 * new charge. Pages pinned read-only serve a writable request too when
 * pinning them for writing gives the same pages. The rest is pinned with
 * FOLL_LONGTERM and charged.
 *
 * Either the whole range is pinned or nothing changes.
 *
 * Context: process context, may sleep; takes mmap_lock.
 * Return: the new handle, or ERR_PTR(-EINVAL) for an unaligned, empty or
 * wrapping range or a task without user memory, ERR_PTR(-ENOMEM) when out
 * of memory or over RLIMIT_MEMLOCK, ERR_PTR(-EFAULT) when some page cannot
 * be pinned (not mapped, no access, VM_PFNMAP, ...), ERR_PTR(-EINTR) on a
 * fatal signal, ERR_PTR(-EOVERFLOW) if a page has too many users.
 */
struct iommufd_pin *iommufd_pin_user(unsigned long uptr, unsigned long npages,
				     bool writable,
				     enum iommufd_account_mode mode)
{
	unsigned long first = uptr >> PAGE_SHIFT;

	/* Also keeps every byte address of the range within unsigned long. */
	if (!npages || !PAGE_ALIGNED(uptr) ||
	    npages - 1 > (ULONG_MAX >> PAGE_SHIFT) - first)
		return ERR_PTR(-EINVAL);
	return iopin_pin_range(mode, NULL, first, first + npages - 1,
			       writable);
}

/* The seals of a memfd: a shmem or hugetlbfs file. */
static unsigned int iopin_file_seals(struct file *file)
{
	struct inode *inode = file_inode(file);

#ifdef CONFIG_HUGETLBFS
	if (is_file_hugepages(file))
		return READ_ONCE(HUGETLBFS_I(inode)->seals);
#endif
	return READ_ONCE(SHMEM_I(inode)->seals);
}

/**
 * iommufd_pin_file() - pin pages of a memfd for the current process
 * @file: a shmem or hugetlbfs file
 * @index: first page, in PAGE_SIZE units from the start of the file
 * @npages: number of pages, at least one
 * @writable: the pages will be written to (by a device)
 * @mode: which locked_vm is charged for pages not pinned before
 *
 * Like iommufd_pin_user(), with pages named by their place in @file rather
 * than by a user address: pages of the same file (through any struct file
 * on it) that the current task's owner already has pinned are shared,
 * without a new charge. The range must lie within the file's size; holes
 * are filled as a read of the file would. Writable pins count as a shared
 * writable mapping of @file until they are dropped, so F_SEAL_WRITE cannot
 * be added meanwhile. The caller checks that @file may be written if
 * @writable.
 *
 * Either the whole range is pinned or nothing changes.
 *
 * Context: process context, may sleep.
 * Return: the new handle, or ERR_PTR(-EINVAL) for an empty or overflowing
 * range, a range past the end of the file, a file that is neither shmem
 * nor hugetlbfs, or a task without user memory; ERR_PTR(-EPERM) if
 * @writable and the file is sealed against writing; ERR_PTR(-ENOMEM) when
 * out of memory or over RLIMIT_MEMLOCK; ERR_PTR(-EINTR) on a fatal signal;
 * ERR_PTR(-EOVERFLOW) if a page has too many users.
 */
struct iommufd_pin *iommufd_pin_file(struct file *file, unsigned long index,
				     unsigned long npages, bool writable,
				     enum iommufd_account_mode mode)
{
	if (!shmem_file(file) && !is_file_hugepages(file))
		return ERR_PTR(-EINVAL);
	/* Every byte offset of the range must fit in loff_t. */
	if (!npages || index > LLONG_MAX >> PAGE_SHIFT ||
	    npages - 1 > (LLONG_MAX >> PAGE_SHIFT) - index)
		return ERR_PTR(-EINVAL);
	/* As for a shared writable mmap(); F_SEAL_WRITE is held off later. */
	if (writable &&
	    (iopin_file_seals(file) & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
		return ERR_PTR(-EPERM);
	return iopin_pin_range(mode, file, index, index + npages - 1,
			       writable);
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
