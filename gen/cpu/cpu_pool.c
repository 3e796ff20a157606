/*
 * cpu_pool.c - persistent pthreads for the CPU backend's parallel loops. Workers spin
 * briefly on a generation counter before sleeping on a condition variable, because a
 * network runs dozens of short loops back to back and a futex wake per loop costs more
 * than some of the loops.
 */
#include "gen/cpu/cpu_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "common/vg_error.h"

#define SPIN_ROUNDS 20000

struct cpu_pool {
    int nthreads;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    atomic_uint gen; /* bumped once per loop */
    atomic_int next; /* next item to hand out */
    atomic_int busy; /* workers still inside the current loop */
    int nitems;
    cpu_pool_fn fn;
    void *ctx;
    atomic_int quit;
};

typedef struct worker_arg {
    cpu_pool *p;
    int id;
} worker_arg;

static void take_items(cpu_pool *p, int id)
{
    for (;;) {
        int i = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (i >= p->nitems) break;
        p->fn(p->ctx, i, id);
    }
}

static void *worker_main(void *arg)
{
    cpu_pool *p = ((worker_arg *)arg)->p;
    int id = ((worker_arg *)arg)->id;
    free(arg);
    unsigned seen = 0;
    for (;;) {
        unsigned g;
        int spins = 0;
        while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen &&
               spins < SPIN_ROUNDS)
            spins++;
        if (g == seen) {
            pthread_mutex_lock(&p->mu);
            while ((g = atomic_load(&p->gen)) == seen && !atomic_load(&p->quit))
                pthread_cond_wait(&p->wake, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->quit)) break;
        seen = g;
        take_items(p, id);
        if (atomic_fetch_sub_explicit(&p->busy, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
    return NULL;
}

int cpu_pool_create(int nthreads, cpu_pool **out)
{
    *out = NULL;
    cpu_pool *p = calloc(1, sizeof(*p));
    if (!p) return VG_ERR_NOMEM;
    p->nthreads = nthreads < 1 ? 1 : nthreads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    p->threads = calloc((size_t)p->nthreads, sizeof(pthread_t));
    if (!p->threads) goto fail;
    for (int i = 1; i < p->nthreads; i++) {
        worker_arg *a = malloc(sizeof(*a));
        if (!a) goto fail;
        a->p = p;
        a->id = i;
        if (pthread_create(&p->threads[i], NULL, worker_main, a) != 0) {
            free(a);
            p->nthreads = i; /* run with the threads we have */
            break;
        }
    }
    *out = p;
    return VG_OK;
fail:
    free(p->threads);
    free(p);
    return VG_ERR_NOMEM;
}

void cpu_pool_destroy(cpu_pool **pp)
{
    if (!pp || !*pp) return;
    cpu_pool *p = *pp;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->quit, 1);
    atomic_fetch_add(&p->gen, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    free(p->threads);
    free(p);
    *pp = NULL;
}

int cpu_pool_threads(const cpu_pool *p)
{
    return p->nthreads;
}

void cpu_pool_run(cpu_pool *p, int nitems, cpu_pool_fn fn, void *ctx)
{
    if (nitems <= 0) return;
    if (p->nthreads == 1 || nitems == 1) {
        for (int i = 0; i < nitems; i++) fn(ctx, i, 0);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->nitems = nitems;
    atomic_store(&p->next, 0);
    atomic_store(&p->busy, p->nthreads - 1);
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    take_items(p, 0);
    int spins = 0;
    while (atomic_load_explicit(&p->busy, memory_order_acquire) > 0 && spins < SPIN_ROUNDS) spins++;
    if (atomic_load(&p->busy) > 0) {
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->busy) > 0) pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}
