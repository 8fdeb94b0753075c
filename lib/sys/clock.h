/* Time and process identity: the monotonic clock for timings and
 * deadlines, and a token naming this process that outlives PID reuse. */
#ifndef SB_CLOCK_H
#define SB_CLOCK_H

/* Monotonic seconds, for timings and deadlines. */
double sb_clock_now(void);
/* The same in milliseconds, for poll timeouts. */
long sb_clock_now_ms(void);

/* "PID:STARTTIME" of this process, to mark work in progress, and whether
 * the process a token names is still alive (PID reuse is told apart by
 * the start time).  Caller frees the token. */
char *sb_clock_process_token(void);
int sb_clock_token_alive(const char *token);

#endif
