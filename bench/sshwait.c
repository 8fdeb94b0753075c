/* sshwait [ADDR:]PORT [TIMEOUT]: waits until something on ADDR:PORT
 * (default 127.0.0.1) sends an SSH banner ("SSH-").  The floors of the
 * start and restart benchmarks use it, so it polls exactly as
 * sandbox-start does (sb_start_wait_sshd in lib/ops/start_boot.c: a
 * non-blocking connect given 50 ms, up to 1 s for the first bytes, 10 ms
 * between attempts); the floor and the toolkit then wait for sshd in the
 * same way.
 * Exit status: 0 banner seen, 1 timeout, 2 usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
banner(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	char b[4];
	int soerr = 0, ok = 0;
	socklen_t len = sizeof(soerr);

	if (fd < 0)
		return 0;
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0 ||
	    (errno == EINPROGRESS && poll(&p, 1, 50) == 1 &&
	     getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
	     soerr == 0)) {
		p.events = POLLIN;
		ok = poll(&p, 1, 1000) == 1 && read(fd, b, 4) == 4 &&
		     memcmp(b, "SSH-", 4) == 0;
	}
	close(fd);
	return ok;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char host[64] = "127.0.0.1";
	const char *colon;
	double deadline;
	long port;

	if (argc < 2 || argc > 3)
		goto usage;
	colon = strrchr(argv[1], ':');
	if (colon) {
		if ((size_t)(colon - argv[1]) >= sizeof(host))
			goto usage;
		memcpy(host, argv[1], (size_t)(colon - argv[1]));
		host[colon - argv[1]] = '\0';
	}
	port = strtol(colon ? colon + 1 : argv[1], NULL, 10);
	if (port < 1 || port > 65535 || inet_pton(AF_INET, host,
						  &a.sin_addr) != 1)
		goto usage;
	deadline = now() + (argc == 3 ? atof(argv[2]) : 30);
	a.sin_port = htons((uint16_t)port);
	while (now() < deadline) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (banner(&a))
			return 0;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "sshwait: no ssh banner on %s:%ld\n", host, port);
	return 1;
usage:
	fprintf(stderr, "usage: sshwait [ADDR:]PORT [TIMEOUT]\n");
	return 2;
}
