#ifndef CMALLOC_H
#define CMALLOC_H

// glibc's malloc extensions, which Glibc's Swift module map leaves out
// (malloc.h).

/// Returns the free pages of every malloc arena to the kernel, wherever they
/// lie in the arena (malloc_trim(0)). Returns 1 when some memory was given
/// back, 0 otherwise.
int cmalloc_trim(void);

#endif
