/* What the golden images' files share among themselves (golden.c builds
 * and ensures golden-STACK, golden_base.c the base image it starts from,
 * golden_script.c runs a stack's script, golden_describe.c tells what an
 * image is); nothing outside lib/ops/golden*.c includes it. */
#ifndef SB_GOLDEN_INTERNAL_H
#define SB_GOLDEN_INTERNAL_H

#include <stddef.h>

#include <json-c/json.h>

#include "core/error.h"
#include "core/progress.h"
#include "incus/incus.h"
#include "model/stack.h"
#include "ops/golden.h"

/* "golden-STACK" with the prefix in use (caller frees), NULL when out of
 * memory. */
char *sb_golden_instance(const char *stack);
/* Opens the stack's build log for writing, appended to or truncated. */
int sb_golden_open_log(const char *stack, int append, struct sb_error **err);
/* Debootstraps o's release and imports it once as an image; alias gets
 * the image's alias, which later builds reuse. */
int sb_golden_base_image(struct sb_incus *c, const struct sb_golden_opts *o,
			 char *alias, size_t alias_n, struct sb_error **err);
/* Fills src, an instance source, from "REMOTE:ALIAS" (--base). */
int sb_golden_image_server_source(const char *base, json_object *src,
				  struct sb_error **err);
/* Pushes st's script into inst and runs it as root, its output going to
 * the stack's log; *versions gets the versions it reports. */
int sb_golden_run_script(struct sb_incus *c, const char *inst,
			 const struct sb_stack *st,
			 const struct sb_progress *pr, char **versions,
			 struct sb_error **err);

#endif
