// SPDX-License-Identifier: GPL-2.0
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * Dirty-page bitmaps in user memory, filled in by the kernel.
 *
 * Userspace hands in an array of u64 words that describes the IOVA range
 * [iova, iova + length).  Bit N of the array (bit N % 64 of word N / 64)
 * stands for the page_size sized block at offset N * page_size from iova.
 * The array may be huge and may sit at any user address, so it is never
 * pinned as a whole.  Instead iova_bitmap_for_each() slides a window over
 * it: each step pins up to one page worth of struct page pointers of the
 * user buffer, works out which IOVA span the pinned bits describe, and
 * hands that span to the caller's callback.  The callback reports dirty
 * IOVA with iova_bitmap_set(), which only touches the pinned pages through
 * short kmap_local_page() mappings, so it never sleeps.  After the callback
 * the window's pages are unpinned and marked dirty, and the next window is
 * pinned.
 *
 * Windows start on a byte of the user buffer and are addressed by their
 * bit offset from the start of the first pinned page.  With little endian
 * byte order, or with a u64 aligned buffer, that offset is exactly the bit
 * number bitmap_set() wants within that page, whatever the buffer's
 * alignment.
 *
 * An IOMMU may report a dirty block larger than the window, e.g. a huge
 * IOPTE that starts inside the window and ends after it.  Its tail cannot be
 * written now (those user pages are not pinned, and pinning may sleep), and
 * the IOMMU has typically already cleared its dirty state, so the tail is
 * kept as a pending IOVA range.  Whenever a new window is pinned the pending
 * range is replayed into it before the callback runs; any part still beyond
 * that window stays pending for the next one.  Only one pending range is
 * kept: further out-of-window reports are merged into it, which may at
 * worst over-report dirty pages but never loses any.  Parts of a report
 * before the window (already handed back to userspace) or past the end of
 * the bitmap are ignored.
 */
#include <linux/bitmap.h>
#include <linux/export.h>
#include <linux/highmem.h>
#include <linux/iova_bitmap.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

/* Most user pages pinned at once: one page full of struct page pointers */
#define IOVA_BITMAP_WIN_PAGES	(PAGE_SIZE / sizeof(struct page *))
#define IOVA_BITMAP_PAGE_BITS	(PAGE_SIZE * BITS_PER_BYTE)

struct iova_bitmap {
	unsigned long uaddr;		/* user address of bit 0 */
	unsigned long base;		/* IOVA described by bit 0 */
	unsigned long last;		/* last IOVA covered by the bitmap */
	unsigned long nbits;		/* bits in the whole bitmap */
	unsigned int shift;		/* log2(page_size) */
	struct page **pages;		/* IOVA_BITMAP_WIN_PAGES entries */

	/* The pinned window; nbits == 0 when nothing is pinned */
	struct {
		unsigned long first_bit;	/* bitmap bit of window bit 0 */
		unsigned long nbits;
		unsigned long iova;		/* first IOVA of the window */
		unsigned long last;		/* last IOVA of the window */
		int npages;
		unsigned int page_off;		/* byte offset in pages[0] */
	} win;

	/* Reported IOVA beyond the window, replayed into later windows */
	bool pending;
	unsigned long pend_first;
	unsigned long pend_last;
};

/* Set bitmap bits first..last, which must all lie inside the window */
static void iova_bitmap_fill(struct iova_bitmap *bitmap, unsigned long first,
			     unsigned long last)
{
	unsigned long pos = bitmap->win.page_off * BITS_PER_BYTE +
			    (first - bitmap->win.first_bit);
	unsigned long count = last - first + 1;

	while (count) {
		unsigned long idx = pos / IOVA_BITMAP_PAGE_BITS;
		unsigned int bit = pos % IOVA_BITMAP_PAGE_BITS;
		unsigned int n = min_t(unsigned long, count,
				       IOVA_BITMAP_PAGE_BITS - bit);
		void *kaddr;

		if (WARN_ON_ONCE(idx >= bitmap->win.npages))
			return;
		kaddr = kmap_local_page(bitmap->pages[idx]);
		bitmap_set(kaddr, bit, n);
		kunmap_local(kaddr);
		pos += n;
		count -= n;
	}
}

/* Record the inclusive IOVA range first..last as dirty */
static void iova_bitmap_mark(struct iova_bitmap *bitmap, unsigned long first,
			     unsigned long last)
{
	if (!bitmap->win.nbits || first > bitmap->last ||
	    last < bitmap->win.iova)
		return;
	first = max(first, bitmap->win.iova);
	last = min(last, bitmap->last);

	if (last > bitmap->win.last) {
		unsigned long ahead = max(first, bitmap->win.last + 1);

		if (bitmap->pending) {
			bitmap->pend_first = min(bitmap->pend_first, ahead);
			bitmap->pend_last = max(bitmap->pend_last, last);
		} else {
			bitmap->pend_first = ahead;
			bitmap->pend_last = last;
			bitmap->pending = true;
		}
		if (first > bitmap->win.last)
			return;
		last = bitmap->win.last;
	}

	iova_bitmap_fill(bitmap, (first - bitmap->base) >> bitmap->shift,
			 (last - bitmap->base) >> bitmap->shift);
}

/* Pin the window of the user bitmap that starts at bit @first_bit */
static int iova_bitmap_pin_window(struct iova_bitmap *bitmap,
				  unsigned long first_bit)
{
	unsigned long addr = bitmap->uaddr + first_bit / BITS_PER_BYTE;
	unsigned long left = bitmap->nbits - first_bit;
	unsigned int page_off = offset_in_page(addr);
	unsigned long bytes = IOVA_BITMAP_WIN_PAGES * PAGE_SIZE - page_off;
	unsigned long last_bit;
	int npages, ret;

	/* Fill the page array unless the rest of the bitmap is shorter */
	if (left < bytes * BITS_PER_BYTE)
		bytes = DIV_ROUND_UP(left, BITS_PER_BYTE);
	npages = DIV_ROUND_UP(page_off + bytes, PAGE_SIZE);

	ret = pin_user_pages_fast(addr & PAGE_MASK, npages, FOLL_WRITE,
				  bitmap->pages);
	if (ret != npages) {
		if (ret > 0)
			unpin_user_pages(bitmap->pages, ret);
		return ret < 0 ? ret : -EFAULT;
	}

	bitmap->win.first_bit = first_bit;
	bitmap->win.nbits = min(left, bytes * BITS_PER_BYTE);
	bitmap->win.npages = npages;
	bitmap->win.page_off = page_off;
	bitmap->win.iova = bitmap->base + (first_bit << bitmap->shift);
	last_bit = first_bit + bitmap->win.nbits - 1;
	if (last_bit == bitmap->nbits - 1)
		bitmap->win.last = bitmap->last;
	else
		bitmap->win.last = bitmap->base +
				   ((last_bit + 1) << bitmap->shift) - 1;

	/* Replay what earlier windows could not hold */
	if (bitmap->pending) {
		bitmap->pending = false;
		iova_bitmap_mark(bitmap, bitmap->pend_first, bitmap->pend_last);
	}
	return 0;
}

static void iova_bitmap_unpin_window(struct iova_bitmap *bitmap)
{
	if (!bitmap->win.nbits)
		return;
	unpin_user_pages_dirty_lock(bitmap->pages, bitmap->win.npages, true);
	bitmap->win.nbits = 0;
	bitmap->win.npages = 0;
}

/**
 * iova_bitmap_alloc() - Describe a user bitmap of dirty IOVA
 * @iova: first IOVA covered by the bitmap
 * @length: number of bytes of IOVA covered
 * @page_size: IOVA bytes per bit, a power of two
 * @data: user address of the bitmap, an array of u64 words
 *
 * Nothing is pinned yet; that happens window by window in
 * iova_bitmap_for_each().
 *
 * Context: Process context, may sleep.
 * Return: the new bitmap, or an ERR_PTR(): -EINVAL for a zero @length or a
 * @page_size that is not a power of two, -EOVERFLOW if the range wraps,
 * -ENOMEM on allocation failure.
 */
struct iova_bitmap *iova_bitmap_alloc(unsigned long iova, size_t length,
				      unsigned long page_size,
				      u64 __user *data)
{
	struct iova_bitmap *bitmap;
	unsigned long last;

	if (!length || !is_power_of_2(page_size))
		return ERR_PTR(-EINVAL);
	if (check_add_overflow(iova, length - 1, &last))
		return ERR_PTR(-EOVERFLOW);

	bitmap = kzalloc(sizeof(*bitmap), GFP_KERNEL);
	if (!bitmap)
		return ERR_PTR(-ENOMEM);
	bitmap->pages = (struct page **)__get_free_page(GFP_KERNEL);
	if (!bitmap->pages) {
		kfree(bitmap);
		return ERR_PTR(-ENOMEM);
	}

	bitmap->uaddr = (unsigned long)data;
	bitmap->base = iova;
	bitmap->last = last;
	bitmap->shift = ilog2(page_size);
	bitmap->nbits = ((last - iova) >> bitmap->shift) + 1;
	return bitmap;
}
EXPORT_SYMBOL_NS_GPL(iova_bitmap_alloc, IOMMUFD);

/**
 * iova_bitmap_free() - Release a bitmap from iova_bitmap_alloc()
 * @bitmap: the bitmap
 *
 * Context: Process context, may sleep.
 */
void iova_bitmap_free(struct iova_bitmap *bitmap)
{
	iova_bitmap_unpin_window(bitmap);
	free_page((unsigned long)bitmap->pages);
	kfree(bitmap);
}
EXPORT_SYMBOL_NS_GPL(iova_bitmap_free, IOMMUFD);

/**
 * iova_bitmap_for_each() - Walk the bitmap one pinned window at a time
 * @bitmap: the bitmap
 * @opaque: passed through to @fn
 * @fn: called once per window with the IOVA span that window covers
 *
 * Windows are visited in increasing IOVA order and together cover the whole
 * range given to iova_bitmap_alloc().  While @fn runs, iova_bitmap_set()
 * may be used to record dirty IOVA.
 *
 * Context: Process context, may sleep; no spinlocks held.
 * Return: 0 once every window was visited, the first non-zero value
 * returned by @fn, or a negative errno if the user buffer could not be
 * pinned.
 */
int iova_bitmap_for_each(struct iova_bitmap *bitmap, void *opaque,
			 iova_bitmap_fn_t fn)
{
	unsigned long bit = 0;
	int ret = 0;

	bitmap->pending = false;
	while (bit < bitmap->nbits) {
		unsigned long step;

		ret = iova_bitmap_pin_window(bitmap, bit);
		if (ret)
			break;
		ret = fn(bitmap, bitmap->win.iova,
			 bitmap->win.last - bitmap->win.iova + 1, opaque);
		step = bitmap->win.nbits;
		iova_bitmap_unpin_window(bitmap);
		if (ret)
			break;
		bit += step;
	}
	return ret;
}
EXPORT_SYMBOL_NS_GPL(iova_bitmap_for_each, IOMMUFD);

/**
 * iova_bitmap_set() - Mark an IOVA range dirty
 * @bitmap: the bitmap, with a window pinned by iova_bitmap_for_each()
 * @iova: first dirty IOVA
 * @length: number of dirty bytes
 *
 * Sets the bits of every block that overlaps the range.  The part inside
 * the current window is written at once, the part after it is deferred
 * to the following windows, and anything before the window or past the end
 * of the bitmap is dropped.
 *
 * Context: Any context within the @fn callback of iova_bitmap_for_each();
 * does not sleep.
 */
void iova_bitmap_set(struct iova_bitmap *bitmap, unsigned long iova,
		     size_t length)
{
	unsigned long last;

	if (!length)
		return;
	if (check_add_overflow(iova, length - 1, &last))
		last = ULONG_MAX;
	iova_bitmap_mark(bitmap, iova, last);
}
EXPORT_SYMBOL_NS_GPL(iova_bitmap_set, IOMMUFD);
