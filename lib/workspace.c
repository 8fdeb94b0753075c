#include "workspace.h"

#include <git2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "repo.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
init(void)
{
	git_libgit2_init();
	/* The files belong to the container's (shifted) uid 1000, not to
	 * us; as root reading them that is expected, not a hijack. */
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
}

static char *
origin_slug(git_repository *r)
{
	git_remote *rem = NULL;
	struct sb_repo parsed = { 0 };
	char *slug = NULL;

	if (git_remote_lookup(&rem, r, "origin") == 0 && git_remote_url(rem) &&
	    sb_repo_parse(git_remote_url(rem), &parsed, NULL) == 0) {
		slug = sb_repo_slug(&parsed);
		sb_repo_release(&parsed);
	}
	git_remote_free(rem);
	return slug;
}

static char *
head_branch(git_repository *r)
{
	git_reference *head = NULL;
	char *b = NULL;

	if (git_repository_head(&head, r) == 0) {
		if (git_reference_is_branch(head)) {
			b = strdup(git_reference_shorthand(head));
		} else {
			char hex[GIT_OID_HEXSZ + 1];

			git_oid_tostr(hex, 13, git_reference_target(head));
			b = strdup(hex);
		}
	} else if (git_repository_head_unborn(r) == 1) {
		/* A fresh clone of an empty repository: HEAD names a branch
		 * that has no commit yet. */
		if (git_reference_lookup(&head, r, "HEAD") == 0 &&
		    git_reference_symbolic_target(head)) {
			const char *t = git_reference_symbolic_target(head);

			if (strncmp(t, "refs/heads/", 11) == 0)
				t += 11;
			b = strdup(t);
		}
	}
	git_reference_free(head);
	return b;
}

char *
sb_workspace_rootfs(const char *incus_dir, const char *pool,
		    const char *instance, const char *path)
{
	char *root, *full;
	struct stat st;

	if (!incus_dir || !pool || !instance ||
	    asprintf(&root, "%s/storage-pools/%s/containers/%s/rootfs",
		     incus_dir, pool, instance) < 0)
		return NULL;
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    asprintf(&full, "%s%s", root, path) < 0) {
		free(root);
		return NULL;
	}
	free(root);
	return full;
}

int
sb_workspace_read(const char *incus_dir, const char *pool,
		  const char *instance, char **slug, char **branch)
{
	git_repository *r = NULL;
	char *path = sb_workspace_rootfs(incus_dir, pool, instance,
					 "/workspace/project");

	*slug = *branch = NULL;
	if (!path)
		return -1;
	pthread_once(&once, init);
	/* No repository there is an answer too, not a reason to ask again. */
	if (git_repository_open_ext(&r, path, GIT_REPOSITORY_OPEN_NO_SEARCH,
				    NULL) == 0) {
		*slug = origin_slug(r);
		*branch = head_branch(r);
		git_repository_free(r);
	}
	free(path);
	return 0;
}
