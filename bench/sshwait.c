/* sshwait PORT [TIMEOUT]: waits until something on 127.0.0.1:PORT sends an
 * SSH banner ("SSH-").  The floor of the start benchmark uses it, so it
 * polls exactly as sandbox-start does (lib/start.c wait_sshd: connect,
 * up to 1 s for the first bytes, 20 ms between attempts); the floor and
 * the toolkit then wait for sshd in the same way.
 * Exit status: 0 banner seen, 1 timeout, 2 usage. */
#include <arpa/inet.h>
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

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	double deadline;
	long port;

	if (argc < 2 || argc > 3 || (port = strtol(argv[1], NULL, 10)) < 1 ||
	    port > 65535) {
		fprintf(stderr, "usage: sshwait PORT [TIMEOUT]\n");
		return 2;
	}
	deadline = now() + (argc == 3 ? atof(argv[2]) : 30);
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while (now() < deadline) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		char banner[4];
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		int ok = fd >= 0 &&
			 connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
			 poll(&p, 1, 1000) == 1 && read(fd, banner, 4) == 4 &&
			 memcmp(banner, "SSH-", 4) == 0;

		if (fd >= 0)
			close(fd);
		if (ok)
			return 0;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "sshwait: no ssh banner on 127.0.0.1:%ld\n", port);
	return 1;
}
