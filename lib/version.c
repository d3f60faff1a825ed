// SPDX-License-Identifier: LGPL-2.1-or-later
/* version.c - what the loaded library is and which kernel ABI it speaks. */
#include "dlock.h"

/* DLOCK_LIB_VERSION comes from the Makefile, which also names the .so. */
#ifndef DLOCK_LIB_VERSION
#error "DLOCK_LIB_VERSION must be defined by the build"
#endif

const char *dlock_lib_version(void)
{
	return DLOCK_LIB_VERSION;
}

unsigned int dlock_lib_abi_version(void)
{
	return DLOCK_ABI_VERSION;
}
