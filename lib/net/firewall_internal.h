/* What the firewall's files share among themselves (firewall_script.c
 * writes the text, firewall_listing.c reads the kernel's listing back,
 * firewall.c and firewall_localnet.c touch the kernel); nothing outside
 * lib/net/firewall*.c includes it. */
#ifndef SB_FIREWALL_INTERNAL_H
#define SB_FIREWALL_INTERNAL_H

#include "core/buf.h"
#include "core/error.h"
#include "net/firewall.h"

#define T SB_FW_FAMILY " " SB_FW_TABLE

/* 0 when s can be pasted into a ruleset as an interface name. */
int sb_fw_check_ifname(const char *s);
/* One line "SET<TAB>KEY" per element the sandbox should have: the same
 * text whether it comes from the sandbox's settings or from the kernel's
 * listing, so the two can be compared. */
int sb_fw_sandbox_keys(const struct sb_fw_sandbox *sb, struct sb_buf *b,
		       struct sb_error **err);
/* Renders "SET<TAB>KEY" lines as add (with the name as comment) or
 * delete commands. */
char *sb_fw_render(const char *keys, const char *name, int add,
		   struct sb_error **err);

#endif
