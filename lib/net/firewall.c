/* The firewall's kernel side (see firewall.h): nft scripts run as one
 * transaction through libnftables, our table listed as JSON, and the
 * probe of the bridge family; nft's own messages carried in the error. */
#include "net/firewall.h"

#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "net/firewall_internal.h"

SB_DEFINE_CLEANUP(struct nft_ctx *, nft_ctx_free)

/* libnftables, with nft's own messages captured for the error. */
static struct nft_ctx *
ctx_new(int json, int dry_run)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!ctx)
		return NULL;
	if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
		nft_ctx_free(ctx);
		return NULL;
	}
	if (json)
		nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
	nft_ctx_set_dry_run(ctx, dry_run != 0);
	return ctx;
}

/* nft's error text, squeezed to one line and trimmed. */
static void
one_line(const char *in, char *out, size_t n)
{
	size_t k = 0;

	for (const char *p = in ? in : ""; *p && k + 1 < n; p++) {
		if (*p == '\n' || *p == '\t') {
			if (k && out[k - 1] != ' ')
				out[k++] = ' ';
			continue;
		}
		out[k++] = *p;
	}
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
}

int
sb_fw_run(const char *script, int dry_run, struct sb_error **err)
{
	_cleanup_(nft_ctx_free_ptr) struct nft_ctx *ctx = ctx_new(0, dry_run);
	char msg[512];

	if (!ctx)
		return sb_error_set(err, SB_E_SYSTEM, "cannot use libnftables");
	if (nft_run_cmd_from_buffer(ctx, script) != 0) {
		one_line(nft_ctx_get_error_buffer(ctx), msg, sizeof(msg));
		return sb_error_set(err, SB_E_SYSTEM, "nftables refused the "
				    "ruleset: %s", *msg ? msg :
				    "permission denied (needs root)");
	}
	return 0;
}

char *
sb_fw_list_json(struct sb_error **err)
{
	_cleanup_(nft_ctx_free_ptr) struct nft_ctx *ctx = ctx_new(1, 0);
	char *out;
	char msg[512];

	if (!ctx) {
		sb_error_set(err, SB_E_SYSTEM, "cannot use libnftables");
		return NULL;
	}
	if (nft_run_cmd_from_buffer(ctx, "list table " T) != 0) {
		const char *e = nft_ctx_get_error_buffer(ctx);

		one_line(e, msg, sizeof(msg));
		sb_error_set(err, e && strstr(e, "No such file") ?
			     SB_E_NOTFOUND : SB_E_SYSTEM,
			     "listing table " T ": %s", msg);
		return NULL;
	}
	out = strdup(nft_ctx_get_output_buffer(ctx));
	if (!out)
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return out;
}

int
sb_fw_bridge_family_works(void)
{
	return sb_fw_run("add table bridge sandbox_probe\n"
			 "add chain bridge sandbox_probe c { type filter "
			 "hook forward priority 0; policy accept; }\n"
			 "add rule bridge sandbox_probe c ct state "
			 "established accept\n"
			 "add rule bridge sandbox_probe c tcp dport 1 "
			 "reject with tcp reset\n", 1, SB_IGNORE) == 0;
}
