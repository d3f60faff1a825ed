// SPDX-License-Identifier: GPL-2.0
/* cellconf.c - the cell configuration file reader of cellconf.h. */
#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "cellconf.h"

enum cellconf_section {
	SECTION_NONE,
	SECTION_NODE,
	SECTION_PEER,
	SECTION_LOCKSPACE,
};

/* The keys of the section being read, kept until its end. */
struct cellconf_pending {
	enum cellconf_section section;
	unsigned int line;		/* of the section header */
	char id[32], endpoint[128], role[16];
	char name[DLOCK_NAME_MAX + 1], lvb[8], algo[8], cache[8];
};

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Copy a value of a [peer] or [lockspace] key, refusing repeats. */
static int cellconf_store(char *dst, size_t len, const char *key,
			  const char *value)
{
	if (*dst)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "'%s' given twice in this section", key);
	if (!*value || strlen(value) >= len)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid %s '%s'", key, value);
	strcpy(dst, value);
	return 0;
}

static int cellconf_key(struct cellconf_pending *p, struct cellconf *cc,
			char *key, char *value)
{
	int code;

	switch (p->section) {
	case SECTION_NODE:
		code = dlockadm_node_setting(key, value, &cc->node);
		if (code < 0)
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "unknown key '%s' in [node]", key);
		return code;
	case SECTION_PEER:
		if (!strcmp(key, "id"))
			return cellconf_store(p->id, sizeof(p->id), key, value);
		if (!strcmp(key, "endpoint"))
			return cellconf_store(p->endpoint, sizeof(p->endpoint),
					      key, value);
		if (!strcmp(key, "role"))
			return cellconf_store(p->role, sizeof(p->role), key,
					      value);
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "unknown key '%s' in [peer] (id, endpoint, role)",
				      key);
	case SECTION_LOCKSPACE:
		if (!strcmp(key, "name"))
			return cellconf_store(p->name, sizeof(p->name), key,
					      value);
		if (!strcmp(key, "lvb"))
			return cellconf_store(p->lvb, sizeof(p->lvb), key,
					      value);
		if (!strcmp(key, "cache"))
			return cellconf_store(p->cache, sizeof(p->cache), key,
					      value);
		if (!strcmp(key, "algo"))
			return cellconf_store(p->algo, sizeof(p->algo), key,
					      value);
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "unknown key '%s' in [lockspace] (name, lvb, algo, cache)",
				      key);
	default:
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "'%s' outside a section ([node], [peer] or [lockspace])",
				      key);
	}
}

/* Turn a finished [peer] or [lockspace] into an entry of cc. */
static int cellconf_close(struct cellconf_pending *p, struct cellconf *cc)
{
	char *argv[10];
	const char *name;
	size_t i;
	int argc = 0, code;

	if (p->section == SECTION_PEER) {
		if (!*p->id || !*p->endpoint)
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "[peer] needs 'id' and 'endpoint'");
		if (cc->npeers == CELLCONF_MAX_PEERS)
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "more than %d peers",
					      CELLCONF_MAX_PEERS);
		argv[argc++] = p->id;
		argv[argc++] = p->endpoint;
		if (*p->role) {
			argv[argc++] = "role";
			argv[argc++] = p->role;
		}
		argv[argc] = NULL;
		code = dlockadm_parse_peer_spec(argc, argv,
						&cc->peers[cc->npeers]);
		if (code)
			return code;
		for (i = 0; i < cc->npeers; i++)
			if (cc->peers[i].id == cc->peers[cc->npeers].id)
				return dlockadm_error(DLOCKADM_EXIT_USAGE,
						      "peer %u given twice",
						      cc->peers[i].id);
		cc->npeers++;
	} else if (p->section == SECTION_LOCKSPACE) {
		if (!*p->name)
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "[lockspace] needs 'name'");
		if (cc->nls == CELLCONF_MAX_LS)
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "more than %d lockspaces",
					      CELLCONF_MAX_LS);
		argv[argc++] = p->name;
		if (*p->lvb) {
			argv[argc++] = "lvb";
			argv[argc++] = p->lvb;
		}
		if (*p->algo) {
			argv[argc++] = "algo";
			argv[argc++] = p->algo;
		}
		if (*p->cache) {
			argv[argc++] = "cache";
			argv[argc++] = p->cache;
		}
		argv[argc] = NULL;
		code = dlockadm_parse_ls_spec(argc, argv, &name,
					      &cc->ls[cc->nls].algo,
					      &cc->ls[cc->nls].lvb_len,
					      &cc->ls[cc->nls].flags);
		if (code)
			return code;
		for (i = 0; i < cc->nls; i++)
			if (!strcmp(cc->ls[i].name, name))
				return dlockadm_error(DLOCKADM_EXIT_USAGE,
						      "lockspace '%s' given twice",
						      name);
		strcpy(cc->ls[cc->nls].name, name);
		cc->nls++;
	}
	return 0;
}

int cellconf_parse(FILE *f, const char *fname, struct cellconf *cc)
{
	struct cellconf_pending p = { .section = SECTION_NONE };
	char where[PATH_MAX + 16];
	bool seen_node = false;
	char line[512], *s, *eq;
	unsigned int lineno = 0;
	size_t i;
	int code = 0;

	memset(cc, 0, sizeof(*cc));
	dlockadm_error_context = where;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", fname, lineno);
		if (!strchr(line, '\n') && !feof(f)) {
			code = dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "line longer than %zu bytes",
					      sizeof(line) - 2);
			goto out;
		}
		s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			/* A section's checks point at its header. */
			snprintf(where, sizeof(where), "%s:%u", fname, p.line);
			code = cellconf_close(&p, cc);
			snprintf(where, sizeof(where), "%s:%u", fname, lineno);
			if (code)
				goto out;
			memset(&p, 0, sizeof(p));
			p.line = lineno;
			if (!strcmp(s, "[node]")) {
				if (seen_node) {
					code = dlockadm_error(DLOCKADM_EXIT_USAGE,
							      "[node] given twice");
					goto out;
				}
				seen_node = true;
				p.section = SECTION_NODE;
			} else if (!strcmp(s, "[peer]")) {
				p.section = SECTION_PEER;
			} else if (!strcmp(s, "[lockspace]")) {
				p.section = SECTION_LOCKSPACE;
			} else {
				code = dlockadm_error(DLOCKADM_EXIT_USAGE,
						      "unknown section '%s' (expected [node], [peer] or [lockspace])",
						      s);
				goto out;
			}
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			code = dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "expected 'key = value' or '[section]'");
			goto out;
		}
		*eq = '\0';
		code = cellconf_key(&p, cc, trim(s), trim(eq + 1));
		if (code)
			goto out;
	}
	if (ferror(f)) {
		code = dlockadm_error(DLOCKADM_EXIT_FAILURE, "read error");
		goto out;
	}
	snprintf(where, sizeof(where), "%s:%u", fname, p.line);
	code = cellconf_close(&p, cc);
	if (code)
		goto out;
	snprintf(where, sizeof(where), "%s", fname);
	for (i = 0; i < cc->npeers; i++) {
		if (cc->node.set & DLOCK_CONF_NODE_ID &&
		    cc->peers[i].id == cc->node.node_id) {
			code = dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "peer %u is this node's own id",
					      cc->peers[i].id);
			goto out;
		}
	}
	if (!cc->node.set && !cc->npeers && !cc->nls)
		code = dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "nothing to configure");
out:
	memset(line, 0, sizeof(line));
	dlockadm_error_context = NULL;
	return code;
}
