#ifndef SPOOL_CSYSTEMD_SHIM_H
#define SPOOL_CSYSTEMD_SHIM_H

/* The Swift side writes CODE_FILE, CODE_LINE and CODE_FUNC itself; without
   this define sd-journal.h turns sd_journal_sendv into a macro that would
   record the location of the macro's C expansion instead. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#endif
