/* tests/unit.h: the one assertion macro of the C unit tests (no framework). */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>

static int unit_failed;

/* Prints "ok NAME" or "FAIL NAME: file:line: expr"; counts failures. */
#define ASSERT(name, expr) do {						\
	if (expr)							\
		printf("ok %s\n", (name));				\
	else {								\
		printf("FAIL %s: %s:%d: %s\n", (name), __FILE__,	\
		    __LINE__, #expr);					\
		unit_failed++;						\
	}								\
} while (0)

#endif
