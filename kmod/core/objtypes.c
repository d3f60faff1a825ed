// SPDX-License-Identifier: GPL-2.0
/*
 * objtypes.c - the list of the core's typed objects (objtypes.h), which
 * the kernel host walks at module load to create one cache per type.
 */
#include "objtypes.h"

struct dl_objtype *const dl_objtypes[] = {
	&dl_lt_res_types[0],
	&dl_lt_res_types[1],
	&dl_lt_res_types[2],
	&dl_lt_res_types[3],
	&dl_lt_lock_type,
	&dl_local_lock_type,
};

const unsigned int dl_nobjtypes = DL_ARRAY_SIZE(dl_objtypes);
