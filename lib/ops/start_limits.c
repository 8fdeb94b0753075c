/* --cpu and --memory: checked as Incus would take them before anything
 * changes, then written as limits.cpu and limits.memory. */
#include "ops/start_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "incus/instance.h"

static int
check_cpu(const char *v, struct sb_error **err)
{
	/* limits.cpu: a count ("2") or a set of CPU ids ("0-1", "0,2"). */
	size_t n = v ? strlen(v) : 0;
	int digits = 0;

	for (size_t i = 0; i < n; i++) {
		if (isdigit((unsigned char)v[i]))
			digits++;
		else if ((v[i] != '-' && v[i] != ',') || !digits)
			goto bad;
	}
	if (n && digits && isdigit((unsigned char)v[n - 1]) &&
	    !(strspn(v, "0") == n))
		return 0;
bad:
	return sb_error_invalid(err, "--cpu", v ? v : "",
				"a number of CPUs (e.g. 2) or a CPU set "
				"(e.g. 0-1) is allowed");
}

static int
check_memory(const char *v, struct sb_error **err)
{
	static const char *const units[] = {
		"",    "B",   "kB",  "MB",  "GB", "TB",
		"KiB", "MiB", "GiB", "TiB", "%",
	};
	size_t n = strspn(v, "0123456789");

	if (n > 0 && n < 16 && strspn(v, "0") < n)
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(v + n, units[i]) == 0 &&
			    (strcmp(units[i], "%") != 0 || atoi(v) <= 100))
				return 0;
	return sb_error_invalid(err, "--memory", v,
				"a size like 512MiB or 4GiB, or a percentage "
				"like 50%, is allowed");
}

int
sb_start_limits_check(const struct sb_start_opts *o, struct sb_error **err)
{
	if ((o->cpu && check_cpu(o->cpu, err) < 0) ||
	    (o->memory && check_memory(o->memory, err) < 0))
		return -1;
	return 0;
}

void
sb_start_limits_add(json_object *cfg, const struct sb_start_opts *o)
{
	if (o->cpu)
		json_object_object_add(cfg, "limits.cpu",
				       json_object_new_string(o->cpu));
	if (o->memory)
		json_object_object_add(cfg, "limits.memory",
				       json_object_new_string(o->memory));
}

int
sb_start_limits_apply(struct sb_incus *c, const char *inst,
		      const struct sb_start_opts *o, struct sb_error **err)
{
	_cleanup_json_ json_object *cfg = json_object_new_object();

	if (!o->cpu && !o->memory)
		return 0;
	sb_start_limits_add(cfg, o);
	if (sb_instance_patch(c, inst, cfg, NULL, err) < 0)
		return sb_error_prefix(err, "setting limits on %s", inst);
	return 0;
}
