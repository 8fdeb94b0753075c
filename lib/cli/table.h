/* Text tables for the front-ends' listings. */
#ifndef SB_CLI_TABLE_H
#define SB_CLI_TABLE_H

#include <stdio.h>

/* A text table: columns sized to their widest cell. */
struct sb_table;
struct sb_table *sb_table_new(int ncols, const char *const *headers);
void sb_table_add(struct sb_table *t, const char *const *cells);
void sb_table_print(struct sb_table *t, FILE *f);
void sb_table_free(struct sb_table *t);

#endif
