// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - instantiates dlock's tracepoints (trace.h) once for the module.
 */

#define CREATE_TRACE_POINTS
#include "trace.h"
