/* Reading `btrfs filesystem du -s --raw` output into snapshot sizes: the
 * Exclusive column, matched by the path's last component, only where the
 * size is unknown. */
#include "ops/snapsize.h"
#include "tap.h"

int
main(void)
{
	struct sb_snap v[] = {
		{ .name = "before", .size = -1 },
		{ .name = "after", .size = -1 },
		{ .name = "known", .size = 77 },
		{ .name = "gone", .size = -1 },
	};
	static const char out[] =
		"     Total   Exclusive  Set shared  Filename\n"
		"2372022272        8192  2372014080  /p/containers-snapshots/agent-x/before\n"
		"2372022272     3002368  2369019904  /p/containers-snapshots/agent-x/after\n"
		"      1000        5000           0  /p/containers-snapshots/agent-x/known\n"
		"garbage line\n"
		"12 -5 0 /p/containers-snapshots/agent-x/gone\n"
		"1 2 3";

	sb_snapshot_sizes_parse(out, v, 4);
	CHECK(v[0].size == 8192, "before: %lld", v[0].size);
	CHECK(v[1].size == 3002368, "after: %lld", v[1].size);
	CHECK(v[2].size == 77, "a known size is kept: %lld", v[2].size);
	CHECK(v[3].size == -1, "a negative figure is not taken: %lld",
	      v[3].size);
	sb_snapshot_sizes_parse(NULL, v, 4);
	sb_snapshot_sizes_parse("", v, 4);
	CHECK(v[0].size == 8192, "nothing changes on empty output");
	/* No measuring without a place to measure. */
	sb_snapshot_sizes(NULL, "pool", "agent-x", v, 4);
	CHECK(v[3].size == -1, "no directory, no size");
	return tap_done();
}
