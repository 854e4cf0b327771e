// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * The two sources of pinned pages, and everything in the pin layer that
 * differs between them: a process's user memory (pinned with
 * pin_user_pages_fast(), indexed by virtual page number) and a memfd
 * (pinned with memfd_pin_folios(), indexed by page of the file). pin.c
 * keeps the extents and handles and calls down into this file to fill an
 * extent, to empty it, and to know whether it still holds what its source
 * does.
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
 */
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>

#include "pin.h"
#include "pin_priv.h"

/* Pages pinned per call while a large extent is built (16 KiB of them). */
#define IOPIN_PIN_BATCH 2048UL
/* Pages re-pinned per call when a translation is checked again. */
#define IOPIN_CHECK_BATCH (PAGE_SIZE / sizeof(struct page *))

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
int iopin_watch(struct iopin_extent *ext)
{
	if (!ext->space->file)
		return iopin_notifier_insert(ext);
	if (ext->writable)
		return mapping_map_writable(ext->space->file->f_mapping);
	return 0;
}

void iopin_unwatch(struct iopin_extent *ext)
{
	if (!ext->space->file)
		iopin_notifier_remove(ext);
	else if (ext->writable)
		mapping_unmap_writable(ext->space->file->f_mapping);
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

/* Pin the pages of @ext from its space's source. On failure none is. */
int iopin_pin(struct iopin_extent *ext)
{
	return ext->space->file ? iopin_pin_file(ext) : iopin_pin_user(ext);
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
void iopin_unpin(struct iopin_extent *ext, unsigned long first,
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
 * Is page @index of @ext, which has a user, still what its source holds?
 * User extents are watched by their notifier instead; a file page is no
 * longer the file's once truncation or hole punching took it out.
 */
bool iopin_page_current(const struct iopin_extent *ext, unsigned long index)
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
bool iopin_extent_upgrade(struct iopin_extent *ext)
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
