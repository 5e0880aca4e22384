// SPDX-License-Identifier: MIT
/*
 * A program that never gives up the CPU: it neither yields nor waits, and
 * leaves ring 3 only to print its progress. The programs beside it run
 * only because the kernel's timer preempts it.
 */
#include "guest/lib/ulib.h"

/* Iterations between two lines: a few per line of count, in Bochs. */
#define SPIN_LINE_ITERATIONS 2000000

int main(void)
{
	uint64_t x = 1;

	printf("spin: start\n");
	for (unsigned long line = 1;; line++) {
		for (long i = 0; i < SPIN_LINE_ITERATIONS; i++) {
			/* A linear congruential step (Knuth's MMIX constants);
			 * the empty asm keeps GCC from folding the loop. */
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			asm volatile("" : "+r"(x));
		}
		printf("spin: %lu\n", line);
	}
}
