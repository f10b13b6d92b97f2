// glibc's malloc statistics, which Swift's Glibc module does not export; for benchmarks' memory figures.
#include <malloc.h>
#include <stddef.h>

/// Bytes malloc has handed out and not had back.
static inline size_t gantry_malloc_in_use(void) { return mallinfo2().uordblks; }
