#include "CCRC32C.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#elif defined(__aarch64__)
#include <arm_acle.h>
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

static uint32_t tables[8][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void make_tables(void) {
    for (uint32_t byte = 0; byte < 256; byte++) {
        uint32_t crc = byte;
        for (int bit = 0; bit < 8; bit++) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        tables[0][byte] = crc;
    }
    for (int table = 1; table < 8; table++) {
        for (int byte = 0; byte < 256; byte++) {
            uint32_t previous = tables[table - 1][byte];
            tables[table][byte] = (previous >> 8) ^ tables[0][previous & 0xFF];
        }
    }
}

static uint32_t by_tables(uint32_t crc, const uint8_t *p, size_t n) {
    pthread_once(&tables_once, make_tables);
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        uint32_t low = (uint32_t)word ^ crc, high = (uint32_t)(word >> 32);
        crc = tables[7][low & 0xFF] ^ tables[6][(low >> 8) & 0xFF] ^ tables[5][(low >> 16) & 0xFF]
            ^ tables[4][low >> 24] ^ tables[3][high & 0xFF] ^ tables[2][(high >> 8) & 0xFF]
            ^ tables[1][(high >> 16) & 0xFF] ^ tables[0][high >> 24];
        p += 8;
        n -= 8;
    }
    while (n--) crc = (crc >> 8) ^ tables[0][(crc ^ *p++) & 0xFF];
    return crc;
}

// One step of the instruction: eight bytes, or one.
#if defined(__x86_64__)
#define WITH_INSTRUCTION __attribute__((target("sse4.2")))
WITH_INSTRUCTION static inline uint32_t step_word(uint32_t crc, uint64_t word) {
    return (uint32_t)_mm_crc32_u64(crc, word);
}
WITH_INSTRUCTION static inline uint32_t step_byte(uint32_t crc, uint8_t byte) {
    return _mm_crc32_u8(crc, byte);
}
static int has_instruction(void) {
    unsigned int eax, ebx, ecx, edx;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_SSE4_2);
}
#elif defined(__aarch64__)
#define WITH_INSTRUCTION __attribute__((target("crc")))
WITH_INSTRUCTION static inline uint32_t step_word(uint32_t crc, uint64_t word) {
    return __crc32cd(crc, word);
}
WITH_INSTRUCTION static inline uint32_t step_byte(uint32_t crc, uint8_t byte) {
    return __crc32cb(crc, byte);
}
static int has_instruction(void) {
    return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
}
#endif

#ifdef WITH_INSTRUCTION
WITH_INSTRUCTION static uint32_t by_instruction(uint32_t crc, const uint8_t *p, size_t n) {
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc = step_word(crc, word);
        p += 8;
        n -= 8;
    }
    while (n--) crc = step_byte(crc, *p++);
    return crc;
}
#endif

typedef uint32_t (*implementation)(uint32_t, const uint8_t *, size_t);

static pthread_once_t chosen_once = PTHREAD_ONCE_INIT;
static implementation chosen;

static void choose(void) {
#ifdef WITH_INSTRUCTION
    chosen = has_instruction() ? by_instruction : by_tables;
#else
    chosen = by_tables;
#endif
}

uint32_t ccrc32c_checksum(const void *bytes, size_t count) {
    pthread_once(&chosen_once, choose);
    return ~chosen(0xFFFFFFFFu, bytes, count);
}

uint32_t ccrc32c_checksum_by_tables(const void *bytes, size_t count) {
    return ~by_tables(0xFFFFFFFFu, bytes, count);
}

int ccrc32c_uses_instruction(void) {
    pthread_once(&chosen_once, choose);
    return chosen != by_tables;
}
