/* Fuzzes what is read back from host tools: `btrfs filesystem du`'s
 * output for snapshot sizes, and for egress
 * nft's JSON listing of our table (cleanup commands, the comparison with
 * a sandbox's settings, the element and base checks) and the bridge
 * address a slot's address is computed from.  Whatever the text, the
 * commands produced name only our sets and carry no quote or brace that
 * could change a script's meaning. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/address.h"
#include "core/cleanup.h"
#include "net/firewall.h"
#include "model/sandbox.h"
#include "ops/snapsize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every line is "delete element inet sandbox SET { KEY }" with SET one
 * of ours and no quote, brace or semicolon inside KEY. */
static void
check_script(const char *s)
{
	for (const char *p = s; p && *p;) {
		size_t n = strcspn(p, "\n");
		static const char *const sets[] = {
			"restricted4 { ", "cidr4 { ", "ports4 { ",
		};
		const char *pre = "delete element inet sandbox ";
		const char *k = NULL;

		if (strncmp(p, pre, strlen(pre)) != 0)
			abort();
		for (size_t i = 0; i < 3 && !k; i++)
			if (strncmp(p + strlen(pre), sets[i],
				    strlen(sets[i])) == 0)
				k = p + strlen(pre) + strlen(sets[i]);
		if (!k || n < 2 || memcmp(p + n - 2, " }", 2) != 0)
			abort();
		for (const char *q = k; q < p + n - 2; q++)
			if (strchr("\"{};#\\", *q))
				abort();
		p += n + (p[n] == '\n');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *in = NULL;
	struct sb_fw_port port = { SB_TCP, 6379 };
	struct sb_fw_sandbox sb = {
		.name = "api", .ipv4 = "10.87.20.5", .restricted = 1,
		.ports = &port, .nports = 1,
	};
	char addr[INET_ADDRSTRLEN], range[64];

	if (size > 1 << 16 || !(in = malloc(size + 1)))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	{
		_cleanup_free_ char *s = sb_fw_cleanup_script(in, "api",
							      "10.87.20.5",
							      NULL);

		check_script(s);
	}
	(void)sb_fw_sandbox_differs(in, &sb);
	(void)sb_fw_has_element(in, "restricted4", "10.87.20.5");
	(void)sb_fw_base_present(in);
	{
		struct sb_snap v[2] = { { .name = "a", .size = -1 },
					{ .name = "b", .size = -1 } };

		sb_snapshot_sizes_parse(in, v, 2);
		if (v[0].size < -1 || v[1].size < -1)
			abort();
	}
	if (sb_address_for_slot(in, 7, addr, NULL) == 0 &&
	    (sb_address_dhcp_range(in, range, NULL) < 0 ||
	     !strchr(range, '-')))
		abort();
	return 0;
}
