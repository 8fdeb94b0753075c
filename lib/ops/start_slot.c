/* Slots: the lowest free one (or the one asked for) whose three host
 * ports are free both in Incus and on the host, and the proxy devices
 * that forward them. */
#include "ops/start_internal.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "core/cleanup.h"

static int
port_free_on_host(int port)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return 1;
	return bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
}

void
sb_start_slot_proxies(json_object *devs, int ssh, int app, int alt,
		      const char *addr)
{
	static const struct {
		const char *name;
		int guest;
	} dev[] = {
		{ "ssh-proxy", 22 },
		{ "app-proxy", SB_APP_PORT },
		{ "alt-proxy", SB_ALT_PORT },
	};
	const int host[] = { ssh, app, alt };

	for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); i++) {
		json_object *proxy;

		if (!host[i])
			continue;
		proxy = sb_sandbox_proxy("tcp", host[i], addr, dev[i].guest);
		json_object_object_add(devs, dev[i].name, proxy);
	}
}

static int
slot_taken(const unsigned char *used, const unsigned char *ports, long s)
{
	return used[s] || ports[SB_SSH_BASE + s] || ports[SB_APP_BASE + s] ||
	       ports[SB_ALT_BASE + s];
}

/* The slot --slot asks for, when it is free in Incus and on the host. */
static int
check_wanted(const unsigned char *used, const unsigned char *ports, int want,
	     struct sb_error **err)
{
	static const int base[] = { SB_SSH_BASE, SB_APP_BASE, SB_ALT_BASE };

	if (slot_taken(used, ports, want))
		return sb_error_set(err, SB_E_INPUT,
				    "slot %d is taken by another sandbox: "
				    "leave out --slot to get the lowest free "
				    "one",
				    want);
	/* Kernel-forwarded ports bind nothing: a program of the host's own
	 * on one of them would silently lose it. */
	for (int i = 0; i < 3; i++) {
		int p = base[i] + want;

		if (!port_free_on_host(p))
			return sb_error_set(err, SB_E_INPUT,
					    "slot %d: port %d is in use on the "
					    "host by another program: choose "
					    "another slot or leave out --slot",
					    want, p);
	}
	return 0;
}

int
sb_start_pick_slot(struct sb_incus *c, int want, int *slot,
		   struct sb_error **err)
{
	unsigned char used[SB_SLOT_MAX + 1];
	_cleanup_free_ unsigned char *ports = calloc(65536, 1);

	if (!ports)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (sb_slots_in_use(c, used, ports, err) < 0)
		return -1;
	if (want) {
		if (check_wanted(used, ports, want, err) < 0)
			return -1;
		*slot = want;
		return 0;
	}
	for (int s = SB_SLOT_MIN; s <= SB_SLOT_MAX; s++) {
		if (slot_taken(used, ports, s))
			continue;
		if (!port_free_on_host(SB_SSH_BASE + s) ||
		    !port_free_on_host(SB_APP_BASE + s) ||
		    !port_free_on_host(SB_ALT_BASE + s))
			continue;
		*slot = s;
		return 0;
	}
	return sb_error_set(err, SB_E_FAIL,
			    "all slots 1..99 are taken: remove a sandbox with "
			    "sandbox-stop NAME --rm");
}
