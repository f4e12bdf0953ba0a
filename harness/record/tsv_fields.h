/* Splitting one line of a TSV file into its fields, in place (tabs become NULs; a trailing
 * CR/LF is dropped). Shared by every TSV reader (plot/plot_tsv.c, profile/cost_table.c). */
#ifndef S2S_TSV_FIELDS_H
#define S2S_TSV_FIELDS_H

/* At most max fields into f; returns how many the line has (up to max). */
int s2s_tsv_fields(char *line, char **f, int max);

#endif
