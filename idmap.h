/* idmap.h: string ids (ENIs, attachments, VPCs) <-> stable integers, persisted, and their names. */
#ifndef IDMAP_H
#define IDMAP_H

#include <stddef.h>
#include <stdint.h>

/* Kinds of ids; each has its own integer space. */
enum idmap_kind { IDMAP_IF, IDMAP_VRF, IDMAP_NKINDS };

/* Interface indexes reserved for pseudo-interfaces; real ones start later. */
#define IDMAP_IF_ACCEPT		1
#define IDMAP_IF_REJECT		2
#define IDMAP_IF_FIRST		16
#define IDMAP_VRF_FIRST		1

struct idmap;

/* Why something failed: a file, a line (0 if none) and a reason. */
struct idmap_error {
	char		file[256];
	unsigned long	line;
	char		reason[160];
};

/*
 * Open the map.  With path NULL the map lives in memory for this run only.
 * Otherwise the journal file is created if missing, read under an
 * exclusive lock, and kept open to append new assignments.  Returns NULL
 * with err set (err->line > 0 names a bad journal line).  *torn is set
 * when an interrupted last line was ignored.
 */
struct idmap	*idmap_open(const char *path, struct idmap_error *err,
		    int *torn);
void		 idmap_close(struct idmap *);

/*
 * Can this string be an id (a journal line holds it whole)?  1 to
 * IDMAP_ID_MAX visible ASCII characters other than '#'.
 */
#define IDMAP_ID_MAX		128
int		 idmap_valid_id(const char *, size_t);

/*
 * The integer of an id, assigning the next free one (and persisting it
 * before returning) when the id is new.  *first is set the first time an
 * index is returned in this run.  Returns 0; IDMAP_BAD_ID, changing
 * nothing, when the string cannot be an id (idmap_valid_id); or -1 with
 * err set.
 */
#define IDMAP_BAD_ID		(-2)
int		 idmap_get(struct idmap *, enum idmap_kind, const char *,
		    size_t, uint32_t *index, int *first,
		    struct idmap_error *err);

/* Mark a reserved pseudo-interface used; *first as above. */
void		 idmap_use_reserved(struct idmap *, uint32_t index, int *first);

/*
 * Load names from a tab-separated file of id, name, description lines, as
 * the AWS CLI prints them with --output text ("None" is empty).  Returns
 * the number of names, or -1 with err set.
 */
long		 idmap_load_names(struct idmap *, const char *path,
		    struct idmap_error *err);

/*
 * The labels of an index for the options records: the AWS id (or the
 * pseudo-interface's name), its Name from the names file, and a
 * description combining name and description ("" when not known).  The
 * strings belong to the map.
 */
void		 idmap_label(const struct idmap *, enum idmap_kind, uint32_t,
		    const char **id, const char **name, const char **descr);

/* How many ids the map holds of a kind. */
size_t		 idmap_count(const struct idmap *, enum idmap_kind);

#endif
