#include "creds/workspace.h"

#include <errno.h>
#include <stdlib.h>

#include "model/gitmeta.h"
#include "model/repo.h"
#include "sys/rootfs.h"

void
sb_workspace_parse(const struct sb_buf *head, const struct sb_buf *cfg,
		   char **slug, char **branch)
{
	*slug = *branch = NULL;
	if (head && head->data)
		*branch = sb_gitmeta_branch(head->data, head->len);
	if (cfg && cfg->data) {
		char *url = sb_gitmeta_origin(cfg->data, cfg->len);
		struct sb_repo r;

		/* Only a URL that parses as GitHub's becomes owner/repo:
		 * sb_repo_parse checks every character of both parts. */
		if (url && sb_repo_parse(url, &r, SB_IGNORE) == 0) {
			*slug = sb_repo_slug(&r);
			sb_repo_release(&r);
		}
		free(url);
	}
}

/* 0 read, 1 not there, -1 unreadable. */
static int
read_one(int rootfd, const char *path, size_t max, struct sb_buf *b)
{
	if (sb_rootfs_read(rootfd, path, max, b) == 0)
		return 0;
	sb_buf_release(b);
	/* ENOTDIR: .git is a file (a gitlink), which we do not follow. */
	return errno == ENOENT || errno == ENOTDIR ? 1 : -1;
}

int
sb_workspace_read(int rootfd, char **slug, char **branch)
{
	struct sb_buf head = { 0 }, cfg = { 0 };
	int h, k, saved;

	*slug = *branch = NULL;
	h = read_one(rootfd, SB_WORKSPACE_HEAD, SB_GITMETA_HEAD_MAX, &head);
	saved = errno;
	k = h < 0 ? -1 : read_one(rootfd, SB_WORKSPACE_CONFIG,
				  SB_GITMETA_CONFIG_MAX, &cfg);
	if (h >= 0)
		saved = errno;
	if (h < 0 || k < 0) {
		sb_buf_release(&head);
		sb_buf_release(&cfg);
		errno = saved;
		return -1;
	}
	sb_workspace_parse(h == 0 ? &head : NULL, k == 0 ? &cfg : NULL, slug,
			   branch);
	sb_buf_release(&head);
	sb_buf_release(&cfg);
	return 0;
}
