/* The bridge's route_localnet sysctl (see sb_fw_route_localnet in
 * firewall.h), read and written under /proc/sys. */
#include "net/firewall.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "net/firewall_internal.h"

/* The sysctl's file under /proc; -1 when bridge is not a usable
 * interface name. */
static int
localnet_path(const char *bridge, char *path, size_t n)
{
	if (sb_fw_check_ifname(bridge) < 0)
		return -1;
	snprintf(path, n, "/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
	return 0;
}

int
sb_fw_route_localnet(const char *bridge, int on, struct sb_error **err)
{
	_cleanup_close_ int fd = -1;
	char path[128];

	if (localnet_path(bridge, path, sizeof(path)) < 0)
		return sb_error_set(err, SB_E_INPUT, "invalid bridge name '%s'",
				    bridge ? bridge : "");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, on ? "1\n" : "0\n", 2) != 2)
		return sb_error_sys(err, "setting %s", path);
	return 0;
}

int
sb_fw_route_localnet_on(const char *bridge)
{
	_cleanup_fclose_ FILE *f = NULL;
	char path[128], v[4] = "";

	if (localnet_path(bridge, path, sizeof(path)) < 0)
		return 0;
	if (!(f = fopen(path, "re")))
		return 0;
	if (!fgets(v, sizeof(v), f))
		v[0] = '\0';
	return v[0] == '1';
}
