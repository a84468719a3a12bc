// Telling AddressSanitizer which parts of memory the engine manages itself
// (slab slots, cached chunks) are free, so that a use after free is caught
// there as it is with malloc. Nothing without AddressSanitizer.

#ifndef DSKV_ASAN_POISON_H_
#define DSKV_ASAN_POISON_H_

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define DSKV_POISON(memory, size) ASAN_POISON_MEMORY_REGION(memory, size)
#define DSKV_UNPOISON(memory, size) ASAN_UNPOISON_MEMORY_REGION(memory, size)
#else
#define DSKV_POISON(memory, size) ((void)(memory), (void)(size))
#define DSKV_UNPOISON(memory, size) ((void)(memory), (void)(size))
#endif

#endif  // DSKV_ASAN_POISON_H_
