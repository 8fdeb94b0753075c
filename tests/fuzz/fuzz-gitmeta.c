/* Fuzzes the .git/HEAD and .git/config parsers that read a container's
 * workspace from the host: whatever the bytes, they return NULL or one
 * printable token (nothing that could reach the user's terminal as an
 * escape sequence), and the first half of the input as HEAD and the whole
 * as config never read past the end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/gitmeta.h"
#include "creds/workspace.h"

#define MAX_INPUT_BYTES SB_GITMETA_CONFIG_MAX

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
printable(const char *s)
{
	if (!s)
		return;
	if (!*s)
		abort();
	for (; *s; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exact-size copies, so ASan sees any read past the end. */
	char *in = malloc(size ? size : 1);
	char *br, *url, *slug = NULL, *branch = NULL;
	struct sb_buf head = { 0 }, cfg = { 0 };

	if (size > MAX_INPUT_BYTES || !in) {
		free(in);
		return 0;
	}
	memcpy(in, data, size);
	br = sb_gitmeta_branch(in, size / 2);
	url = sb_gitmeta_origin(in, size);
	printable(br);
	printable(url);
	if (br && strlen(br) > size)
		abort();
	free(br);
	free(url);
	/* Through the workspace layer too, as the list uses it. */
	head.data = in;
	head.len = size / 2;
	cfg.data = in;
	cfg.len = size;
	sb_workspace_parse(&head, &cfg, &slug, &branch);
	printable(slug);
	printable(branch);
	if (slug && !strchr(slug, '/'))
		abort();
	free(slug);
	free(branch);
	free(in);
	return 0;
}
