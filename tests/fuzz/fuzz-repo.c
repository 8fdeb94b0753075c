/* Fuzzes repository URL parsing: whatever is accepted yields URLs that
 * parse back to the same owner and name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/repo.h"

#define MAX_INPUT_BYTES 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same_back(const char *url, const struct sb_repo *r)
{
	struct sb_repo b;

	if (sb_repo_parse(url, &b, NULL) < 0 || strcmp(b.owner, r->owner) ||
	    strcmp(b.name, r->name))
		abort();
	sb_repo_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[MAX_INPUT_BYTES + 1];
	struct sb_repo r;
	struct sb_error *err = NULL;
	char *slug;

	if (size > MAX_INPUT_BYTES)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (sb_repo_parse(in, &r, &err) < 0) {
		if (!err || strchr(err->msg, '\n') || r.owner)
			abort();
		sb_error_free(err);
		return 0;
	}
	same_back(r.ssh_url, &r);
	same_back(r.https_url, &r);
	slug = sb_repo_slug(&r);
	if (!slug || strlen(slug) != strlen(r.owner) + 1 + strlen(r.name))
		abort();
	free(slug);
	sb_repo_release(&r);
	return 0;
}
