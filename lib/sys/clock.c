/* The clock and process tokens (see clock.h). */
#include "sys/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"

double
sb_clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long
sb_clock_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Field 22 of /proc/PID/stat: start time in clock ticks since boot. */
static unsigned long long
start_time(long pid)
{
	char path[64], buf[1024];
	_cleanup_fclose_ FILE *f = NULL;
	size_t n;
	char *p;
	unsigned long long t = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	/* The command name may hold spaces; fields count from its ')'. */
	if (!(p = strrchr(buf, ')')))
		return 0;
	p++;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

char *
sb_clock_process_token(void)
{
	char *s;

	if (asprintf(&s, "%ld:%llu", (long)getpid(),
		     start_time((long)getpid())) < 0)
		return NULL;
	return s;
}

int
sb_clock_token_alive(const char *token)
{
	long pid;
	unsigned long long t;

	if (!token || sscanf(token, "%ld:%llu", &pid, &t) != 2 || pid <= 0)
		return 0;
	return start_time(pid) == t && t != 0;
}
