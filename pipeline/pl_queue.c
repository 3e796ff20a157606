/* pl_queue.c - bounded blocking queue (mutex + two condition variables, ring buffer). */
#include "pipeline/pl_queue.h"

#include <pthread.h>
#include <stdlib.h>

#include "common/vg_error.h"

struct pl_queue {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    void **items;
    int cap, head, count, closed;
};

int pl_queue_create(int capacity, pl_queue **out)
{
    VG_ASSERT(capacity >= 1);
    pl_queue *q = calloc(1, sizeof(*q));
    if (!q) return VG_ERR_NOMEM;
    q->items = calloc((size_t)capacity, sizeof(void *));
    if (!q->items) {
        free(q);
        return VG_ERR_NOMEM;
    }
    q->cap = capacity;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->not_full, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    *out = q;
    return VG_OK;
}

int pl_queue_push(pl_queue *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == q->cap && !q->closed) pthread_cond_wait(&q->not_full, &q->lock);
    if (q->closed) {
        pthread_mutex_unlock(&q->lock);
        return VG_EOF;
    }
    q->items[(q->head + q->count) % q->cap] = item;
    q->count++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
    return VG_OK;
}

int pl_queue_pop(pl_queue *q, void **item)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == 0 && !q->closed) pthread_cond_wait(&q->not_empty, &q->lock);
    if (q->count == 0) {
        pthread_mutex_unlock(&q->lock);
        return VG_EOF;
    }
    *item = q->items[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    pthread_cond_signal(&q->not_full);
    pthread_mutex_unlock(&q->lock);
    return VG_OK;
}

void pl_queue_close(pl_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = 1;
    pthread_cond_broadcast(&q->not_full);
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

void pl_queue_destroy(pl_queue **pq, void (*free_item)(void *))
{
    if (!pq || !*pq) return;
    pl_queue *q = *pq;
    for (int i = 0; i < q->count; i++)
        if (free_item) free_item(q->items[(q->head + i) % q->cap]);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->not_full);
    pthread_cond_destroy(&q->not_empty);
    free(q->items);
    free(q);
    *pq = NULL;
}
