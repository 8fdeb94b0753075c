/* Interruption: SIGINT, SIGTERM and SIGHUP set a flag instead of killing
 * the program, so a command can stop at the next step and undo what it
 * did.  While armed, Incus requests in flight are aborted too (see
 * incus.c); undo code disarms first so its own requests run to the end. */
#ifndef SB_SIGNALS_H
#define SB_SIGNALS_H

#include "core/error.h"

void sb_signals_catch(void);
void sb_signals_arm(int armed);
/* 1 when a signal arrived and interruption is armed. */
int sb_signals_interrupted(void);
/* Returns -1 with SB_E_INTERRUPTED when sb_signals_interrupted(). */
int sb_signals_check(struct sb_error **err);

#endif
