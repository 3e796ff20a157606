/*
 * pl_queue.h - a bounded, blocking queue of pointers between pipeline threads (decode ->
 * GPU -> encode). Bounded so memory stays flat however long the clip; closable so a
 * stopped producer wakes its consumer. Not lock-free and not a general container.
 */
#ifndef PL_QUEUE_H
#define PL_QUEUE_H

typedef struct pl_queue pl_queue;

/* capacity >= 1. *q owned by the caller: pl_queue_destroy. */
int pl_queue_create(int capacity, pl_queue **q);
/* Appends item, waiting while the queue is full. Returns VG_OK, or VG_EOF when the queue
 * was closed (the item was not taken: the caller still owns it). */
int pl_queue_push(pl_queue *q, void *item);
/* Takes the oldest item, waiting while the queue is empty. Returns VG_OK, or VG_EOF when
 * the queue is closed and empty. The caller owns the item. */
int pl_queue_pop(pl_queue *q, void **item);
/* No more pushes: wakes all waiters; pops drain what is left. */
void pl_queue_close(pl_queue *q);
/* Frees the queue; remaining items are passed to free_item (may be NULL). NULL-safe. */
void pl_queue_destroy(pl_queue **q, void (*free_item)(void *));

#endif /* PL_QUEUE_H */
