/* SPDX-License-Identifier: MIT */
/*
 * A ticket lock: CPUs are served in the order they asked, so a CPU that
 * keeps taking a lock cannot starve another one spinning on it. It does
 * not disable interrupts: hv runs with them off except while idle, where
 * it holds no lock. The lock order is in docs/architecture.md.
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct spinlock {
	uint32_t next; /* the ticket the next caller draws */
	uint32_t owner; /* the ticket being served */
};

#define SPINLOCK_INIT { 0, 0 }

static inline void cpu_pause(void)
{
	__builtin_ia32_pause();
}

static inline void spin_lock(struct spinlock *l)
{
	uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		cpu_pause();
}

/*
 * spin_lock that says how many TSC ticks it waited: 0 when the lock was
 * free, so the uncontended path reads no TSC.
 */
static inline uint64_t spin_lock_waited(struct spinlock *l)
{
	uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	uint64_t t0;

	if (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) == me)
		return 0;
	t0 = __builtin_ia32_rdtsc();
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		cpu_pause();
	return __builtin_ia32_rdtsc() - t0;
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

/* Takes the lock only if nobody holds or waits for it. */
static inline bool spin_trylock(struct spinlock *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	uint32_t expect = owner;

	return __atomic_compare_exchange_n(&l->next, &expect, owner + 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline bool spin_is_locked(struct spinlock *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}

#endif
