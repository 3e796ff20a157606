/*
 * cpu_pool.h - the CPU backend's persistent thread pool: a parallel for over item indices.
 *
 * The calling thread is worker 0 and takes items too; items are handed out one at a time
 * through an atomic counter, so callers make an item a chunk of work worth a few
 * microseconds at least. Not a general task system: one loop at a time, no nesting.
 */
#ifndef CPU_POOL_H
#define CPU_POOL_H

/* fn(ctx, item, worker): worker is 0 .. cpu_pool_threads() - 1, for per-thread scratch. */
typedef void (*cpu_pool_fn)(void *ctx, int item, int worker);

typedef struct cpu_pool cpu_pool;

/* Starts nthreads - 1 worker threads (nthreads >= 1). *out is owned by the caller:
 * cpu_pool_destroy(). Errors: VG_ERR_NOMEM. */
int cpu_pool_create(int nthreads, cpu_pool **out);
void cpu_pool_destroy(cpu_pool **p);
int cpu_pool_threads(const cpu_pool *p);
/* Runs fn for items 0 .. nitems - 1 and returns when all are done. */
void cpu_pool_run(cpu_pool *p, int nitems, cpu_pool_fn fn, void *ctx);

#endif /* CPU_POOL_H */
