/*
 * Allocation counter, preloaded over glibc's allocator (LD_PRELOAD): counts the usable bytes of
 * every live malloc/calloc/realloc/posix_memalign/aligned_alloc/memalign/valloc block and their
 * high-water mark. The benchmark's memory profiler reads it through JNA as a second, independent
 * measure of a training step's peak, to cross-check the /proc resident high-water mark. A second,
 * independent high-water mark (the window) serves the memory timeline, which resets it at every event
 * of a step without disturbing the step's own mark.
 * Build: gcc -O2 -shared -fPIC -o alloc_counter.so alloc_counter.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static _Atomic long current_bytes;
static _Atomic long peak_bytes;
static _Atomic long window_peak_bytes;

static void raise(_Atomic long *mark, long c) {
    long seen = atomic_load(mark);
    while (c > seen && !atomic_compare_exchange_weak(mark, &seen, c)) {
    }
}

static void count_alloc(void *p) {
    if (!p) return;
    long n = (long) malloc_usable_size(p);
    long c = atomic_fetch_add(&current_bytes, n) + n;
    raise(&peak_bytes, c);
    raise(&window_peak_bytes, c);
}

static void count_free(void *p) {
    if (p) atomic_fetch_sub(&current_bytes, (long) malloc_usable_size(p));
}

void *malloc(size_t n) { void *p = __libc_malloc(n); count_alloc(p); return p; }
void *calloc(size_t a, size_t b) { void *p = __libc_calloc(a, b); count_alloc(p); return p; }
void free(void *p) { count_free(p); __libc_free(p); }
void *realloc(void *old, size_t n) {
    long before = old ? (long) malloc_usable_size(old) : 0;
    void *p = __libc_realloc(old, n);
    if (p || n == 0) {
        atomic_fetch_sub(&current_bytes, before);
        count_alloc(p);
    }
    return p;
}
void *memalign(size_t align, size_t n) { void *p = __libc_memalign(align, n); count_alloc(p); return p; }
void *aligned_alloc(size_t align, size_t n) { return memalign(align, n); }
void *valloc(size_t n) { return memalign(4096, n); }
int posix_memalign(void **out, size_t align, size_t n) {
    void *p = memalign(align, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

long mfc_current(void) { return atomic_load(&current_bytes); }
long mfc_peak(void) { return atomic_load(&peak_bytes); }
void mfc_reset_peak(void) { atomic_store(&peak_bytes, atomic_load(&current_bytes)); }
long mfc_window_peak(void) { return atomic_load(&window_peak_bytes); }
void mfc_reset_window(void) { atomic_store(&window_peak_bytes, atomic_load(&current_bytes)); }
