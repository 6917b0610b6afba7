#pragma once

// Which sanitizer this translation unit is built with. GCC defines __SANITIZE_*__; clang (the
// fuzzing build) answers through __has_feature instead.
#if defined(__SANITIZE_ADDRESS__)
#define HELLOD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HELLOD_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define HELLOD_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HELLOD_TSAN 1
#endif
#endif
