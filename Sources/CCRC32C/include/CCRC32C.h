#ifndef CCRC32C_H
#define CCRC32C_H

#include <stddef.h>
#include <stdint.h>

// CRC-32C (Castagnoli), the checksum of the journal's records, with the
// processor's own instruction where it has one (SSE 4.2 on x86-64, the CRC
// extension on AArch64), chosen once at run time; slicing by eight bytes
// with tables otherwise. Swift cannot enable an instruction set for one
// function, so this lives in C.

/// The CRC-32C of `count` bytes at `bytes` (initial value and final
/// inversion as in iSCSI, ext4 and LevelDB: "123456789" gives 0xE3069283).
uint32_t ccrc32c_checksum(const void *bytes, size_t count);

/// The same checksum by tables whatever the processor: the fall-back,
/// callable on its own so that tests check it against the instruction.
uint32_t ccrc32c_checksum_by_tables(const void *bytes, size_t count);

/// 1 when `ccrc32c_checksum` uses the processor's instruction, 0 when it
/// uses tables.
int ccrc32c_uses_instruction(void);

#endif
